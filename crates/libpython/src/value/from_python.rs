//! Python objects copied into [`Value`]s, iteratively (deep and self-referential data
//! included).

use std::collections::HashMap as StdHashMap;
use std::fmt::Write as _;
use std::hash::Hasher;
use std::sync::Arc;

use imbl::{OrdMap, OrdSet, Vector};
use libpython_interp::ffi;

use crate::conversion::{DictWalk, FromPython};
use crate::err::{Error, ErrorKind, Result, fetch};
use crate::gil::Python;
use crate::object::{Bound, Object};

use super::Value;
use super::format::{short, shorten};
use crate::conversion::{big_int, new as new_ref};

/// `repr(obj)`, shortened, for error messages (never fails).
fn short_repr(obj: &Bound<'_>) -> String {
    match obj.repr() {
        Ok(s) => shorten(s),
        Err(_) => format!("<{} object>", crate::conversion::tname(obj)),
    }
}

/// Reads a Python `int` of any size.
///
/// # Safety
/// `p` is a live `int` (or subclass) and the GIL is held.
unsafe fn int_value(py: Python<'_>, p: *mut ffi::PyObject) -> Result<Value> {
    let mut overflow: std::ffi::c_int = 0;
    // SAFETY: forwarded contract.
    let v = unsafe { ffi::PyLong_AsLongLongAndOverflow(p, &mut overflow) };
    if overflow == 0 {
        // SAFETY: GIL held.
        if v == -1 && unsafe { !ffi::PyErr_Occurred().is_null() } {
            // SAFETY: an exception is pending.
            return Err(unsafe { fetch(py) });
        }
        return Ok(Value::Int(v));
    }
    // SAFETY: forwarded contract: `p` is an int, so `PyNumber_ToBase` formats it.
    unsafe { big_int(py, p) }.map(|b| Value::BigInt(Arc::new(b)))
}

/// A hasher for object addresses (SipHash is needlessly slow for them): a multiplication,
/// rotated so that the bits varying between aligned addresses reach the low bits.
#[derive(Default)]
struct AddrHasher(u64);

impl Hasher for AddrHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }

    fn write_usize(&mut self, n: usize) {
        self.0 = (self.0 ^ n as u64).wrapping_mul(0x9e_37_79_b9_7f_4a_7c_15);
    }

    fn finish(&self) -> u64 {
        self.0.rotate_left(26)
    }
}

type AddrMap<V> = StdHashMap<usize, V, std::hash::BuildHasherDefault<AddrHasher>>;

/// The container being copied at one level of the Python -> Value walk.
struct PyFrame<'py> {
    /// The container (a strong reference keeps its identity and items alive).
    obj: Object,
    state: PyFrameState<'py>,
}

enum PyFrameState<'py> {
    Seq {
        tuple: bool,
        next: ffi::Py_ssize_t,
        items: Vector<Value>,
    },
    Dict {
        /// The walk of the dict's entries (an error if the dict changes meanwhile).
        walk: DictWalk<'py>,
        entry: usize,
        key_obj: Option<Object>,
        value_obj: Option<Object>,
        key: Option<Value>,
        map: OrdMap<Value, Value>,
    },
    Set {
        frozen: bool,
        iter: Object,
        element: usize,
        items: OrdSet<Value>,
    },
}

/// What starting to copy one object gives.
enum Started<'py> {
    Done(Value),
    Open(PyFrame<'py>),
}

/// State of one Python -> Value copy.
struct FromPy<'py> {
    py: Python<'py>,
    stack: Vec<PyFrame<'py>>,
    /// Containers by address: `None` while being copied (on the current path: meeting one
    /// again is a cycle), then their copy (meeting one again shares it). The `Object` keeps
    /// the address from being reused during the walk.
    seen: AddrMap<Option<(Object, Value)>>,
    /// Keep what cannot be copied as [`Value::Object`] instead of failing.
    keep: bool,
}

impl<'py> FromPy<'py> {
    /// Where the walk is, as `$[0]['key']`.
    fn path(&self) -> String {
        self.path_to(self.stack.len())
    }

    /// The path through the outermost `levels` containers.
    fn path_to(&self, levels: usize) -> String {
        let mut s = String::from("$");
        for frame in self.stack.iter().take(levels) {
            let py = self.py;
            match &frame.state {
                PyFrameState::Seq { next, .. } => {
                    let _ = write!(s, "[{}]", next - 1);
                }
                PyFrameState::Dict {
                    key: Some(_),
                    key_obj: Some(k),
                    ..
                } => {
                    let _ = write!(s, "[{}]", short_repr(k.bound(py)));
                }
                PyFrameState::Dict { entry, .. } => {
                    let _ = write!(s, ".keys()[{entry}]");
                }
                PyFrameState::Set { element, .. } => {
                    let _ = write!(s, ".element[{element}]");
                }
            }
        }
        s
    }

    fn start(&mut self, obj: &Bound<'py>) -> Result<Started<'py>> {
        let py = self.py;
        let p = obj.as_ptr();
        // SAFETY: `p` is a live object (held by `obj`'s owner) and the GIL is held for all
        // checks and reads below; every new reference is wrapped in an `Object`.
        unsafe {
            if p == ffi::Py_None() {
                return Ok(Started::Done(Value::None));
            }
            if p == ffi::Py_True() {
                return Ok(Started::Done(Value::Bool(true)));
            }
            if p == ffi::Py_False() {
                return Ok(Started::Done(Value::Bool(false)));
            }
            if ffi::PyLong_Check(p) {
                return int_value(py, p).map(Started::Done);
            }
            if ffi::PyFloat_Check(p) {
                // A subclass's value too is read without calling `__float__`, as CPython does.
                return Ok(Started::Done(Value::Float(ffi::PyFloat_AS_DOUBLE(p))));
            }
            if ffi::PyUnicode_Check(p) {
                return self.string(obj).map(Started::Done);
            }
            if ffi::PyBytes_Check(p) {
                let mut data: *mut std::ffi::c_char = std::ptr::null_mut();
                let mut n: ffi::Py_ssize_t = 0;
                if ffi::PyBytes_AsStringAndSize(p, &mut data, &mut n) < 0 {
                    return Err(fetch(py));
                }
                let bytes = std::slice::from_raw_parts(data.cast::<u8>(), n as usize);
                return Ok(Started::Done(Value::Bytes(Arc::from(bytes))));
            }
            if ffi::PyByteArray_Check(p) {
                let bytes = Arc::<[u8]>::from(crate::conversion::bytearray_to_vec(p));
                return Ok(Started::Done(Value::Bytes(bytes)));
            }
            let state = if ffi::PyList_Check(p) {
                PyFrameState::Seq {
                    tuple: false,
                    next: 0,
                    items: Vector::new(),
                }
            } else if ffi::PyTuple_Check(p) {
                PyFrameState::Seq {
                    tuple: true,
                    next: 0,
                    items: Vector::new(),
                }
            } else if ffi::PyDict_Check(p) {
                PyFrameState::Dict {
                    walk: DictWalk::new(obj.clone())?,
                    entry: 0,
                    key_obj: None,
                    value_obj: None,
                    key: None,
                    map: OrdMap::new(),
                }
            } else if ffi::PyAnySet_Check(p) {
                let frozen = ffi::PyObject_TypeCheck(p, ffi::data::PyFrozenSet_Type());
                let iter = new_ref(py, ffi::PyObject_GetIter(p))?;
                PyFrameState::Set {
                    frozen,
                    iter,
                    element: 0,
                    items: OrdSet::new(),
                }
            } else if ffi::PyIndex_Check(p) != 0 {
                // An integer-like object (a numpy integer); one whose `__index__` refuses (a
                // numpy array of more than one item) is kept when asked to.
                let int = match new_ref(py, ffi::PyNumber_Index(p)) {
                    Ok(int) => int,
                    Err(_) if self.keep => {
                        return Ok(Started::Done(Value::Object(obj.clone().unbind())));
                    }
                    Err(e) => return Err(e),
                };
                return int_value(py, int.as_ptr()).map(Started::Done);
            } else if self.keep {
                return Ok(Started::Done(Value::Object(obj.clone().unbind())));
            } else {
                return Err(Error::type_error(
                    format!(
                        "None, bool, int, float, str, bytes, list, tuple, dict, set or frozenset (at {})",
                        self.path()
                    ),
                    crate::conversion::tname(obj),
                ));
            };
            let id = p as usize;
            match self.seen.get(&id) {
                Some(Some((_, v))) => return Ok(Started::Done(v.clone())),
                Some(None) if self.keep => {
                    return Ok(Started::Done(Value::Object(obj.clone().unbind())));
                }
                Some(None) => {
                    return Err(Error::from(ErrorKind::SelfReferential {
                        type_name: crate::conversion::tname(obj),
                    }));
                }
                None => {}
            }
            Ok(Started::Open(PyFrame {
                obj: obj.clone().unbind(),
                state,
            }))
        }
    }

    fn string(&self, obj: &Bound<'_>) -> Result<Value> {
        let mut n: ffi::Py_ssize_t = 0;
        // SAFETY: `obj` is a live str and the GIL is held; the UTF-8 buffer lives as long as
        // the object, and is copied at once.
        unsafe {
            let data = ffi::unicode_utf8(obj.as_ptr(), &mut n);
            if data.is_null() {
                if ffi::PyErr_ExceptionMatches(*ffi::data::PyExc_UnicodeEncodeError()) != 0 {
                    let e = fetch(self.py);
                    if self.keep {
                        return Ok(Value::Object(obj.clone().unbind()));
                    }
                    let detail = e
                        .as_python()
                        .map(|p| p.message().to_owned())
                        .unwrap_or_default();
                    return Err(Error::conversion(format!(
                        "the str at {} is not valid Unicode text ({detail}); a Value holds only Unicode \
                         scalar values (read such strings with libpython::string_lossy)",
                        self.path()
                    )));
                }
                return Err(fetch(self.py));
            }
            let bytes = std::slice::from_raw_parts(data.cast::<u8>(), n as usize);
            // CPython's UTF-8 encoding of a str without surrogates is valid UTF-8.
            match std::str::from_utf8(bytes) {
                Ok(s) => Ok(Value::Str(Arc::from(s))),
                Err(e) => Err(Error::conversion(format!(
                    "the str at {} is not valid UTF-8: {e}",
                    self.path()
                ))),
            }
        }
    }

    fn push(&mut self, frame: PyFrame<'py>) {
        self.seen.insert(frame.obj.as_ptr() as usize, None);
        self.stack.push(frame);
    }

    /// The next element of the innermost container, or `None` when it is complete.
    fn next_child(&mut self) -> Result<Option<Object>> {
        let py = self.py;
        let Some(frame) = self.stack.last_mut() else {
            return Ok(None);
        };
        let p = frame.obj.as_ptr();
        // SAFETY: `p` is the live container of the frame (the frame owns a reference), of the
        // kind its state was made for; the GIL is held. Borrowed items gain a reference at
        // once, before anything else can run.
        unsafe {
            match &mut frame.state {
                PyFrameState::Seq {
                    tuple: false, next, ..
                } => {
                    // Re-read the length: the list is not ours.
                    if *next >= ffi::PyList_Size(p) {
                        return Ok(None);
                    }
                    let item = crate::conversion::list_item(py, p, *next)?;
                    *next += 1;
                    Ok(Some(item))
                }
                PyFrameState::Seq {
                    tuple: true, next, ..
                } => {
                    if *next >= ffi::PyTuple_Size(p) {
                        return Ok(None);
                    }
                    let item = ffi::PyTuple_GetItem(p, *next);
                    if item.is_null() {
                        return Err(fetch(py));
                    }
                    *next += 1;
                    Ok(Some(Object::from_borrowed_ptr(py, item)))
                }
                PyFrameState::Dict {
                    walk,
                    key_obj,
                    value_obj,
                    key,
                    ..
                } => {
                    if key.is_some() {
                        // The key is copied: now its value.
                        return Ok(value_obj.take());
                    }
                    let Some((k, v)) = walk.next(py)? else {
                        return Ok(None);
                    };
                    let k = Object::from_borrowed_ptr(py, k);
                    *value_obj = Some(Object::from_borrowed_ptr(py, v));
                    *key_obj = Some(k.clone_ref(py));
                    Ok(Some(k))
                }
                PyFrameState::Set { iter, element, .. } => {
                    let item = ffi::PyIter_Next(iter.as_ptr());
                    if item.is_null() {
                        if !ffi::PyErr_Occurred().is_null() {
                            return Err(fetch(py));
                        }
                        return Ok(None);
                    }
                    *element += 1;
                    Ok(Some(Object::from_owned_ptr(py, item)))
                }
            }
        }
    }

    /// Gives the copy of the element last handed out to the innermost container.
    fn accept(&mut self, v: Value) -> Result<()> {
        let Some(frame) = self.stack.last_mut() else {
            return Ok(());
        };
        // A key or element equal to an earlier one: (what, the container's kind, its value).
        let clash = match &mut frame.state {
            PyFrameState::Seq { items, .. } => {
                items.push_back(v);
                return Ok(());
            }
            PyFrameState::Dict {
                key,
                key_obj,
                map,
                entry,
                ..
            } => match key.take() {
                None => {
                    *key = Some(v);
                    return Ok(());
                }
                Some(k) => {
                    *entry += 1;
                    match map.get(&k) {
                        None => {
                            map.insert(k, v);
                            *key_obj = None;
                            return Ok(());
                        }
                        Some(_) => ("keys", "dict", short(&k), "an entry"),
                    }
                }
            },
            PyFrameState::Set { items, .. } => {
                if !items.contains(&v) {
                    items.insert(v);
                    return Ok(());
                }
                ("elements", "set", short(&v), "an element")
            }
        };
        // The path of the container itself: drop the innermost step.
        let depth = self.stack.len() - 1;
        let path = self.path_to(depth);
        let (what, kind, shown, lost) = clash;
        Err(Error::conversion(format!(
            "the {kind} at {path} has two {what} that are distinct in Python but equal as Values \
             ({shown}); copying it would lose {lost}"
        )))
    }

    /// Closes the innermost container, giving its value.
    fn finish(&mut self) -> Option<Value> {
        let frame = self.stack.pop()?;
        let id = frame.obj.as_ptr() as usize;
        let v = match frame.state {
            PyFrameState::Seq {
                tuple: false,
                items,
                ..
            } => Value::List(Arc::new(items)),
            PyFrameState::Seq {
                tuple: true, items, ..
            } => Value::Tuple(Arc::new(items)),
            PyFrameState::Dict { map, .. } => Value::Dict(Arc::new(map)),
            PyFrameState::Set {
                frozen: false,
                items,
                ..
            } => Value::Set(Arc::new(items)),
            PyFrameState::Set {
                frozen: true,
                items,
                ..
            } => Value::FrozenSet(Arc::new(items)),
        };
        self.seen.insert(id, Some((frame.obj, v.clone())));
        Some(v)
    }
}

/// Copies a Python object into a [`Value`] with an explicit stack; with `keep`, what cannot be
/// copied is kept as [`Value::Object`].
pub(super) fn from_python_iter(obj: &Bound<'_>, keep: bool) -> Result<Value> {
    let mut w = FromPy {
        py: obj.py(),
        stack: Vec::new(),
        seen: AddrMap::default(),
        keep,
    };
    match w.start(obj)? {
        Started::Done(v) => return Ok(v),
        Started::Open(frame) => w.push(frame),
    }
    loop {
        match w.next_child()? {
            Some(child) => match w.start(child.bound(w.py))? {
                Started::Done(v) => w.accept(v)?,
                Started::Open(frame) => w.push(frame),
            },
            None => {
                let Some(v) = w.finish() else {
                    return Ok(Value::None);
                };
                if w.stack.is_empty() {
                    return Ok(v);
                }
                w.accept(v)?;
            }
        }
    }
}

impl FromPython for Value {
    /// See the [module documentation](crate::value#conversions).
    fn from_python(obj: &Bound<'_>) -> Result<Self> {
        from_python_iter(obj, false)
    }
}
