//! Python objects as the nodes the deserializer reads: `None`, `bool`, `int` (and objects
//! with `__index__`), `float`, `str`, `bytes` / `bytearray`, `list` / `tuple` / `set` /
//! `frozenset` and `dict`.

use std::borrow::Cow;

use libpython_interp::ffi;

use crate::conversion::{DictWalk, FromPython};
use crate::err::{Error, Result, fetch};
use crate::gil::Python;
use crate::object::Bound;

use super::de::{Children, Int, Key, Kind, Node, field_position};
use super::error::{SerdeError, key_repr, key_step};
use super::names::Names;

impl<'py> Node for Bound<'py> {
    type Items = Items<'py>;
    type Entries = Entries<'py>;
    type FieldKeys = &'py [usize];

    #[inline]
    fn kind(&self) -> Result<Kind, SerdeError> {
        let p = self.as_ptr();
        let api = ffi::api();
        // SAFETY: `p` is live (held by `self`) and the GIL is held. The exact builtin types
        // first, with one read of the type; a float's value is read without a failure.
        unsafe {
            let t = ffi::Py_TYPE(p);
            if t == api.PyUnicode_Type {
                return Ok(Kind::Str);
            } else if t == api.PyLong_Type {
                return Ok(Kind::Int);
            } else if t == api.PyFloat_Type {
                return Ok(Kind::Float(ffi::PyFloat_AS_DOUBLE(p)));
            } else if t == api.PyDict_Type {
                return Ok(Kind::Map);
            } else if t == api.PyList_Type {
                return Ok(Kind::Seq);
            }
        }
        kind_slow(self)
    }

    fn int(&self) -> Result<Int, SerdeError> {
        let p = self.as_ptr();
        // SAFETY: the object is live and the GIL is held; an exact int is read in place when
        // it has one digit, else by the C API, which reports a value out of range in
        // `overflow` (and raises nothing else).
        unsafe {
            if let Some(l) = ffi::long_layout()
                && l.has_type(p, ffi::data::PyLong_Type())
                && let Some(v) = l.compact_value(p)
            {
                return Ok(Int::I64(v));
            }
            if ffi::PyLong_CheckExact(p) {
                let mut overflow = 0;
                let v = ffi::PyLong_AsLongLongAndOverflow(p, &mut overflow);
                if overflow == 0 {
                    if v == -1 && !ffi::PyErr_Occurred().is_null() {
                        return Err(fetch(self.py()).into());
                    }
                    return Ok(Int::I64(v));
                }
            }
        }
        int_wide(self)
    }

    #[inline]
    fn text(&self) -> Result<&str, SerdeError> {
        let mut n: ffi::Py_ssize_t = 0;
        // SAFETY: the object is a live str (its kind was read first) and the GIL is held; the
        // UTF-8 buffer belongs to the object (a str never changes), which `self` keeps alive
        // while the returned text is borrowed. It is valid UTF-8: CPython's strict encoder
        // made it (it refuses lone surrogates), as the crate's other str conversions rely on.
        unsafe {
            let data = ffi::unicode_utf8(self.as_ptr(), &mut n);
            if data.is_null() {
                return Err(not_unicode(self.py()));
            }
            Ok(std::str::from_utf8_unchecked(std::slice::from_raw_parts(
                data.cast::<u8>(),
                n as usize,
            )))
        }
    }

    /// A copy: a `bytearray` can change as soon as Python code runs.
    fn bytes(&self) -> Result<Cow<'_, [u8]>, SerdeError> {
        let p = self.as_ptr();
        // SAFETY: the object is a live bytes or bytearray and the GIL is held; the data is
        // copied before anything else runs.
        unsafe {
            if ffi::PyBytes_Check(p) {
                let mut data: *mut std::ffi::c_char = std::ptr::null_mut();
                let mut n: ffi::Py_ssize_t = 0;
                if ffi::PyBytes_AsStringAndSize(p, &mut data, &mut n) < 0 {
                    return Err(fetch(self.py()).into());
                }
                return Ok(Cow::Owned(
                    std::slice::from_raw_parts(data.cast::<u8>(), n as usize).to_vec(),
                ));
            }
            Ok(Cow::Owned(crate::conversion::bytearray_to_vec(p)))
        }
    }

    fn items(self) -> Result<Items<'py>, SerdeError> {
        let p = self.as_ptr();
        // SAFETY: live object, GIL held.
        let source = unsafe {
            if ffi::PyList_Check(p) {
                Source::List(ffi::seq_layout())
            } else if ffi::PyTuple_Check(p) {
                Source::Tuple(ffi::seq_layout())
            } else {
                Source::Iter(Bound::from_owned_ptr_or_err(
                    self.py(),
                    ffi::PyObject_GetIter(p),
                )?)
            }
        };
        Ok(Items { seq: self, source })
    }

    /// The dict itself on GIL builds, a private copy on free-threaded ones (`DictWalk::new`).
    #[inline(always)]
    fn entries(self, fields: Option<&'py [usize]>) -> Result<Entries<'py>, SerdeError> {
        Ok(Entries {
            py: self.py(),
            walk: DictWalk::new(self)?,
            fields: fields.unwrap_or(&[]),
        })
    }

    /// The dict itself, held by its critical section on free-threaded builds.
    #[inline(always)]
    unsafe fn entries_held(self, fields: Option<&'py [usize]>) -> Result<Entries<'py>, SerdeError> {
        Ok(Entries {
            py: self.py(),
            // SAFETY: every step is taken inside `with_map_held`, the dict's critical section
            // (the function's contract).
            walk: unsafe { DictWalk::in_place(self) },
            fields: fields.unwrap_or(&[]),
        })
    }

    #[inline(always)]
    fn map_needs_holding(&self) -> bool {
        libpython_interp::free_threaded()
    }

    fn with_map_held<R>(&self, read: impl FnOnce() -> R) -> R {
        // SAFETY: a live dict of the interpreter this thread is attached to (`self`'s `'py`),
        // which stays attached until `read` returns.
        unsafe { ffi::with_critical_section(self.as_ptr(), read) }
    }

    fn variant_entry(&self) -> Result<(Bound<'py>, Bound<'py>), SerdeError> {
        let mut entries = self.clone().entries(None)?;
        let len = entries.walk.len();
        let entry = if len == 1 {
            entries.next_child(0)?
        } else {
            None
        };
        match entry {
            Some((Key::Other(key), value)) => Ok((key, value)),
            _ => Err(Error::conversion(format!(
                "an enum is a str (unit variant) or a dict with exactly one key (the variant), \
                 not a dict with {len} keys"
            ))
            .into()),
        }
    }

    fn is_none(&self) -> bool {
        self.as_ptr() == ffi::Py_None()
    }

    fn type_label(&self) -> String {
        crate::conversion::tname(self)
    }

    fn key_step(&self) -> String {
        key_step(self)
    }

    fn key_label(&self) -> String {
        key_repr(self)
    }

    fn unsupported(&self) -> SerdeError {
        Error::conversion(format!(
            "cannot deserialize a Python {} (expected None, bool, int, float, str, bytes, list, tuple, \
             dict, set or frozenset)",
            crate::conversion::tname(self)
        ))
        .into()
    }

    fn not_an_enum(&self) -> SerdeError {
        Error::conversion(format!(
            "an enum is a str (unit variant) or a dict with one key (the variant), not a Python {}",
            crate::conversion::tname(self)
        ))
        .into()
    }

    #[inline(always)]
    fn field_keys(&self, fields: &'static [&'static str]) -> Option<&'py [usize]> {
        let py = self.py();
        Names::of(py).ok()?.field_keys(py, fields)
    }

    #[inline(always)]
    fn is_plain_map(&self) -> bool {
        // SAFETY: live object, GIL held.
        unsafe { ffi::Py_TYPE(self.as_ptr()) == ffi::api().PyDict_Type }
    }

    #[inline(always)]
    fn plain_text(&self) -> Option<Result<&str, SerdeError>> {
        // SAFETY: live object, GIL held.
        unsafe { ffi::Py_TYPE(self.as_ptr()) == ffi::api().PyUnicode_Type }.then(|| self.text())
    }

    #[inline(always)]
    fn plain_i64(&self) -> Option<Result<i64, SerdeError>> {
        let p = self.as_ptr();
        // SAFETY: live object, GIL held; an exact int is read in place when it has one digit,
        // else by the C API, which reports a value out of range in `overflow` (left to `int`).
        unsafe {
            if let Some(l) = ffi::long_layout()
                && l.has_type(p, ffi::data::PyLong_Type())
                && let Some(v) = l.compact_value(p)
            {
                return Some(Ok(v));
            }
            if ffi::Py_TYPE(p) != ffi::api().PyLong_Type {
                return None;
            }
            let mut overflow = 0;
            let v = ffi::PyLong_AsLongLongAndOverflow(p, &mut overflow);
            if overflow != 0 {
                return None;
            }
            if v == -1 && !ffi::PyErr_Occurred().is_null() {
                return Some(Err(fetch(self.py()).into()));
            }
            Some(Ok(v))
        }
    }

    #[inline(always)]
    fn plain_f64(&self) -> Option<f64> {
        let p = self.as_ptr();
        // SAFETY: live object, GIL held; a float's value is read without a failure.
        unsafe { (ffi::Py_TYPE(p) == ffi::api().PyFloat_Type).then(|| ffi::PyFloat_AS_DOUBLE(p)) }
    }
}

/// How the items of a sequence are reached: for lists and tuples, in place where their
/// layout is known (GIL builds), else through the C API.
enum Source<'py> {
    List(Option<ffi::SeqLayout>),
    Tuple(Option<ffi::SeqLayout>),
    /// An iterator over a set or frozenset.
    Iter(Bound<'py>),
}

/// The items of a list, tuple, set or frozenset.
pub(crate) struct Items<'py> {
    seq: Bound<'py>,
    source: Source<'py>,
}

impl<'py> Children for Items<'py> {
    type Child = Bound<'py>;

    #[inline]
    fn next_child(&mut self, index: usize) -> Result<Option<Bound<'py>>, SerdeError> {
        let py = self.seq.py();
        let p = self.seq.as_ptr();
        let i = index as ffi::Py_ssize_t;
        // SAFETY: `p` is the live container of the kind `source` says; GIL held. Borrowed
        // items gain a reference at once, before anything else runs (a known layout means a
        // GIL build, where no other thread runs meanwhile); the length is re-read for lists
        // at each step (Python code may change them between steps).
        let item = unsafe {
            match &self.source {
                Source::List(Some(l)) => {
                    if i >= l.size(p) {
                        return Ok(None);
                    }
                    Bound::from_borrowed_ptr(py, l.list_item(p, i))
                }
                Source::List(None) => {
                    if i >= ffi::PyList_Size(p) {
                        return Ok(None);
                    }
                    crate::conversion::list_item(py, p, i)?.into_bound(py)?
                }
                Source::Tuple(Some(l)) => {
                    if i >= l.size(p) {
                        return Ok(None);
                    }
                    Bound::from_borrowed_ptr(py, l.tuple_item(p, i))
                }
                Source::Tuple(None) => {
                    if i >= ffi::PyTuple_Size(p) {
                        return Ok(None);
                    }
                    Bound::from_borrowed_ptr(py, ffi::PyTuple_GetItem(p, i))
                }
                Source::Iter(it) => {
                    let item = ffi::PyIter_Next(it.as_ptr());
                    if item.is_null() {
                        if !ffi::PyErr_Occurred().is_null() {
                            return Err(fetch(py).into());
                        }
                        return Ok(None);
                    }
                    Bound::from_owned_ptr(py, item)
                }
            }
        };
        Ok(Some(item))
    }

    /// Read again each time: a list can change while it is read.
    fn len(&self) -> Option<usize> {
        self.seq.len().ok()
    }
}

/// The entries of a dict.
pub(crate) struct Entries<'py> {
    /// The walk of the dict's entries (an error if the dict changes meanwhile).
    walk: DictWalk<'py>,
    py: Python<'py>,
    /// The identities of the keys of the struct being read (see [`Node::field_keys`]), or
    /// none.
    fields: &'py [usize],
}

impl<'py> Children for Entries<'py> {
    type Child = (Key<Bound<'py>>, Bound<'py>);

    #[inline(always)]
    fn next_child(
        &mut self,
        index: usize,
    ) -> Result<Option<(Key<Bound<'py>>, Bound<'py>)>, SerdeError> {
        let Some((k, v)) = self.walk.next_checked_at_end(self.py, index)? else {
            return Ok(None);
        };
        // A key that is one of the fields' kept `str`s is known by its address alone: it
        // needs no reference of ours (the table keeps it alive).
        let key = match field_position(self.fields, index, k as usize) {
            Some(f) => Key::Field(f),
            // SAFETY: a live reference just read from the dict (GIL held), owned at once.
            None => Key::Other(unsafe { Bound::from_borrowed_ptr(self.py, k) }),
        };
        // SAFETY: as for the key.
        Ok(Some((key, unsafe { Bound::from_borrowed_ptr(self.py, v) })))
    }

    /// The number of entries when reading began.
    fn len(&self) -> Option<usize> {
        Some(self.walk.len())
    }
}

/// What `obj` is, for anything but the exact types [`Node::kind`] checks first.
#[inline(never)]
fn kind_slow(obj: &Bound<'_>) -> Result<Kind, SerdeError> {
    let p = obj.as_ptr();
    // SAFETY: `p` is live (held by `obj`) and the GIL is held.
    unsafe {
        Ok(if p == ffi::Py_None() {
            Kind::None
        } else if p == ffi::Py_True() {
            Kind::Bool(true)
        } else if p == ffi::Py_False() {
            Kind::Bool(false)
        } else if ffi::PyLong_Check(p) {
            Kind::Int
        } else if ffi::PyFloat_Check(p) {
            // A subclass's value too is read without calling `__float__`, as CPython does.
            Kind::Float(ffi::PyFloat_AS_DOUBLE(p))
        } else if ffi::PyUnicode_Check(p) {
            Kind::Str
        } else if ffi::PyBytes_Check(p) || ffi::PyByteArray_Check(p) {
            Kind::Bytes
        } else if ffi::PyList_Check(p) || ffi::PyTuple_Check(p) {
            Kind::Seq
        } else if ffi::PyDict_Check(p) {
            Kind::Map
        } else if ffi::PyAnySet_Check(p) {
            Kind::Seq
        } else if ffi::PyIndex_Check(p) != 0 {
            Kind::Int
        } else {
            Kind::Other
        })
    }
}

/// The integer of an int out of `i64`'s range, or of an object with `__index__`.
#[inline(never)]
fn int_wide(obj: &Bound<'_>) -> Result<Int, SerdeError> {
    let py = obj.py();
    // SAFETY: the object is live and an int or has `__index__`; GIL held.
    let int = unsafe {
        if ffi::PyLong_Check(obj.as_ptr()) {
            obj.clone()
        } else {
            Bound::from_owned_ptr_or_err(py, ffi::PyNumber_Index(obj.as_ptr()))?
        }
    };
    let int = &int;
    if let Ok(i) = i64::from_python(int) {
        Ok(Int::I64(i))
    } else if let Ok(u) = u64::from_python(int) {
        Ok(Int::U64(u))
    } else if let Ok(i) = i128::from_python(int) {
        Ok(Int::I128(i))
    } else if let Ok(u) = u128::from_python(int) {
        Ok(Int::U128(u))
    } else {
        Err(Error::conversion(format!("the int {} does not fit in 128 bits", int.str()?)).into())
    }
}

/// The error for a str without a UTF-8 form (a lone surrogate), the exception pending.
#[cold]
fn not_unicode(py: Python<'_>) -> SerdeError {
    // SAFETY: called after a failed `PyUnicode_AsUTF8AndSize`, its exception set; GIL held.
    let e = unsafe { fetch(py) };
    let detail = e
        .as_python()
        .map(|p| p.message().to_owned())
        .unwrap_or_else(|| e.to_string());
    Error::conversion(format!("the str is not valid Unicode text ({detail})")).into()
}
