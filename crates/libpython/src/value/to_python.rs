//! [`Value`]s converted into Python objects, iteratively.

use std::fmt::Write as _;

use imbl::shared_ptr::DefaultSharedPtr;
use libpython_interp::ffi;

use crate::conversion::ToPython;
use crate::err::{Error, Result, fetch};
use crate::gil::Python;
use crate::object::Object;

use super::format::short;
use super::{NONE, Value};
use crate::conversion::new as new_ref;

/// The container being built at one level of the Value -> Python walk.
struct OutFrame<'a> {
    /// The new container.
    obj: Object,
    state: OutState<'a>,
}

enum OutState<'a> {
    Seq {
        list: bool,
        it: imbl::vector::Iter<'a, Value, DefaultSharedPtr>,
        next: ffi::Py_ssize_t,
    },
    /// `current` is the entry being converted; `key_obj` its key once converted.
    Dict {
        it: imbl::ordmap::Iter<'a, Value, Value, DefaultSharedPtr>,
        current: Option<(&'a Value, &'a Value)>,
        key_obj: Option<Object>,
    },
    Set {
        frozen: bool,
        it: imbl::ordset::Iter<'a, Value, DefaultSharedPtr>,
        current: Option<&'a Value>,
    },
}

fn out_path(stack: &[OutFrame<'_>]) -> String {
    let mut s = String::from("$");
    for frame in stack {
        match &frame.state {
            OutState::Seq { next, .. } => {
                let _ = write!(s, "[{next}]");
            }
            OutState::Dict {
                current: Some((k, _)),
                key_obj: Some(_),
                ..
            } => {
                let _ = write!(s, "[{}]", short(k));
            }
            OutState::Dict {
                current: Some((k, _)),
                key_obj: None,
                ..
            } => {
                let _ = write!(s, ".keys()[{}]", short(k));
            }
            OutState::Dict { .. } => {}
            OutState::Set { current, .. } => {
                let _ = write!(s, "{{{}}}", current.map(short).unwrap_or_default());
            }
        }
    }
    s
}

/// A Python `TypeError` (unhashable) met while filling a dict or set, as a conversion error
/// naming where (`parents` are the frames outside the dict or set).
fn unhashable(py: Python<'_>, parents: &[OutFrame<'_>], role: &str, what: &Value) -> Error {
    // SAFETY: called right after a failed C-API call, with its exception pending; GIL held.
    let e = unsafe { fetch(py) };
    match e.as_python() {
        Some(p) if p.type_name() == "TypeError" => Error::conversion(format!(
            "{}: the {role} {} cannot be one in Python ({})",
            out_path(parents),
            short(what),
            p.message()
        )),
        _ => e,
    }
}

/// A new Python object for a scalar value, or the (empty) container to fill for a container.
fn out_start<'a>(
    py: Python<'_>,
    v: &'a Value,
) -> Result<std::result::Result<Object, OutFrame<'a>>> {
    // SAFETY (whole function): GIL held; pointers and lengths describe live Rust data.
    let obj = match v {
        Value::None => return Ok(Ok(py.none().unbind())),
        Value::Bool(b) => return b.to_python(py).map(Ok),
        // SAFETY: see above.
        Value::Int(i) => return new_ref(py, unsafe { ffi::PyLong_FromLongLong(*i) }).map(Ok),
        Value::BigInt(b) => return b.to_python(py).map(Ok),
        // SAFETY: see above.
        Value::Float(x) => return new_ref(py, unsafe { ffi::PyFloat_FromDouble(*x) }).map(Ok),
        Value::Str(s) => return s.to_python(py).map(Ok),
        // The same object (refused in another interpreter).
        Value::Object(o) => return crate::conversion::to_object(o, py).map(Ok),
        Value::Bytes(b) => {
            // SAFETY: see above.
            return new_ref(py, unsafe {
                ffi::PyBytes_FromStringAndSize(b.as_ptr().cast(), b.len() as ffi::Py_ssize_t)
            })
            .map(Ok);
        }
        Value::List(items) | Value::Tuple(items) => {
            let list = matches!(v, Value::List(_));
            let n = items.len() as ffi::Py_ssize_t;
            // SAFETY: see above; the list or tuple is filled completely before it is handed
            // out, hidden from the collector until then (see `Filling`).
            let obj = new_ref(py, unsafe {
                if list {
                    ffi::PyList_New(n)
                } else {
                    ffi::PyTuple_New(n)
                }
            })?;
            if n > 0 {
                // SAFETY: GIL held; a new container only this conversion refers to.
                unsafe { crate::conversion::hide(obj.as_ptr()) };
            }
            OutFrame {
                obj,
                state: OutState::Seq {
                    list,
                    it: items.iter(),
                    next: 0,
                },
            }
        }
        Value::Dict(m) => OutFrame {
            // SAFETY: see above.
            obj: new_ref(py, unsafe { ffi::PyDict_New() })?,
            state: OutState::Dict {
                it: m.iter(),
                current: None,
                key_obj: None,
            },
        },
        Value::Set(s) | Value::FrozenSet(s) => OutFrame {
            // SAFETY: see above. A frozenset is built as a set, then frozen.
            obj: new_ref(py, unsafe { ffi::PySet_New(std::ptr::null_mut()) })?,
            state: OutState::Set {
                frozen: matches!(v, Value::FrozenSet(_)),
                it: s.iter(),
                current: None,
            },
        },
    };
    Ok(Err(obj))
}

/// Copies a [`Value`] into new Python objects with an explicit stack.
pub(super) fn to_python_iter(py: Python<'_>, v: &Value) -> Result<Object> {
    let mut stack: Vec<OutFrame<'_>> = Vec::new();
    match out_start(py, v)? {
        Ok(obj) => return Ok(obj),
        Err(frame) => stack.push(frame),
    }
    loop {
        let Some(frame) = stack.last_mut() else {
            return Ok(py.none().unbind());
        };
        // The next element to convert, or `None` when the container is full.
        let child = match &mut frame.state {
            OutState::Seq { it, .. } => it.next(),
            OutState::Dict {
                it,
                current,
                key_obj,
            } => {
                if key_obj.is_some() {
                    // The key is converted: now its value.
                    current.map(|(_, v)| v)
                } else {
                    *current = it.next();
                    current.map(|(k, _)| k)
                }
            }
            OutState::Set { it, current, .. } => {
                *current = it.next();
                *current
            }
        };
        let obj = match child {
            Some(c) => match out_start(py, c)? {
                Ok(obj) => obj,
                Err(frame) => {
                    stack.push(frame);
                    continue;
                }
            },
            None => {
                let Some(done) = stack.pop() else {
                    return Ok(py.none().unbind());
                };
                let obj = match done.state {
                    OutState::Set { frozen: true, .. } => {
                        // SAFETY: GIL held; `done.obj` is a live set.
                        new_ref(py, unsafe { ffi::PyFrozenSet_New(done.obj.as_ptr()) })?
                    }
                    OutState::Seq { next, .. } => {
                        if next > 0 {
                            // SAFETY: GIL held; the list or tuple `out_start` hid (it has
                            // slots) is whole.
                            unsafe { crate::conversion::show(done.obj.as_ptr()) };
                        }
                        done.obj
                    }
                    _ => done.obj,
                };
                if stack.is_empty() {
                    return Ok(obj);
                }
                obj
            }
        };
        out_accept(py, &mut stack, obj)?;
    }
}

/// Inserts the key `k_obj` with `value` into the dict `p`, or the element `k_obj` into the set
/// `p` (no `value`), refusing one that Python finds equal to an earlier one (which would lose
/// an entry). `key` is the key or element as a [`Value`], for messages.
///
/// # Safety
/// `p` is a live dict (`value` given) or set; the GIL is held.
unsafe fn insert_distinct(
    py: Python<'_>,
    parents: &[OutFrame<'_>],
    p: *mut ffi::PyObject,
    value: Option<&Object>,
    k_obj: &Object,
    key: &Value,
) -> Result<()> {
    let dict = value.is_some();
    // SAFETY: `p` is a live dict or set as `dict` says (this function's contract); GIL held.
    let size = || unsafe {
        if dict {
            ffi::PyDict_Size(p)
        } else {
            ffi::PySet_Size(p)
        }
    };
    let before = size();
    // SAFETY: as above; the key and value are live.
    let rc = unsafe {
        match value {
            Some(v) => ffi::PyDict_SetItem(p, k_obj.as_ptr(), v.as_ptr()),
            None => ffi::PySet_Add(p, k_obj.as_ptr()),
        }
    };
    let (role, earlier, container, lost) = if dict {
        ("dict key", "an earlier key", "dict", "an entry")
    } else {
        ("set element", "an earlier one", "set", "an element")
    };
    if rc < 0 {
        return Err(unhashable(py, parents, role, key));
    }
    if size() == before {
        return Err(Error::conversion(format!(
            "{}: the {role} {} equals {earlier} in Python (as 1, 1.0 and True do, or 0.0 and \
             -0.0), so the {container} would lose {lost}",
            out_path(parents),
            short(key)
        )));
    }
    Ok(())
}

/// Puts a converted element into the innermost container being built.
fn out_accept(py: Python<'_>, stack: &mut [OutFrame<'_>], obj: Object) -> Result<()> {
    let Some((frame, parents)) = stack.split_last_mut() else {
        return Ok(());
    };
    let p = frame.obj.as_ptr();
    // SAFETY: `p` is the new container of the frame (not shared with any other code yet),
    // of the kind its state was made for; the GIL is held. `PyList_SetItem` and
    // `PyTuple_SetItem` steal the element's reference, into a slot in range (the slots match
    // the Rust vector's length, and each is set once).
    unsafe {
        match &mut frame.state {
            OutState::Seq { list, next, .. } => {
                let rc = if *list {
                    ffi::PyList_SetItem(p, *next, obj.into_ptr())
                } else {
                    ffi::PyTuple_SetItem(p, *next, obj.into_ptr())
                };
                if rc < 0 {
                    return Err(fetch(py));
                }
                *next += 1;
            }
            OutState::Dict {
                current, key_obj, ..
            } => match key_obj.take() {
                None => *key_obj = Some(obj),
                Some(k_obj) => {
                    let key = current.map_or(&NONE, |(k, _)| k);
                    // A list key becomes a tuple (a set a frozenset), as for Rust maps.
                    let k_obj = crate::conversion::freeze_key(py, k_obj)?;
                    insert_distinct(py, parents, p, Some(&obj), &k_obj, key)?;
                }
            },
            OutState::Set { current, .. } => {
                let element = current.unwrap_or(&NONE);
                let obj = crate::conversion::freeze_key(py, obj)?;
                insert_distinct(py, parents, p, None, &obj, element)?;
            }
        }
    }
    Ok(())
}

impl ToPython for Value {
    /// See the [module documentation](crate::value#conversions).
    fn to_python(&self, py: Python<'_>) -> Result<Object> {
        to_python_iter(py, self)
    }
}
