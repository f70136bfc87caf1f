//! Keys: what a Rust value becomes when it is a dict key or a set element (sequences become
//! tuples, sets frozensets).

use libpython_interp::ffi;

use crate::err::{Error, Result};
use crate::gil::Python;
use crate::object::Object;

use super::{ToPython, new, to_object};

/// `key` converted to a Python object that can be a dict key or a set element (see
/// [`freeze_key`]).
#[inline]
pub(crate) fn to_key_object<T: ToPython + ?Sized>(key: &T, py: Python<'_>) -> Result<Object> {
    let o = to_object(key, py)?;
    if key.key_leaf() {
        return Ok(o);
    }
    // The common keys, an exact `str` or `int`, are leaves: no call to `freeze_key`.
    // SAFETY: a live object (just converted); the GIL is held; type checks only.
    let t = unsafe { ffi::Py_TYPE(o.as_ptr()) };
    if t == ffi::data::PyUnicode_Type() || t == ffi::data::PyLong_Type() {
        return Ok(o);
    }
    freeze_key(py, o)
}

/// How deep [`freeze_key`] rebuilds a key.
const KEY_DEPTH: usize = 128;

/// What a converted key is made of, for [`freeze_key`].
enum KeyPart {
    /// Hashable as it is (or not a container this crate turns into a hashable one).
    Leaf,
    /// An exact `list`: becomes a tuple.
    List,
    /// An exact `tuple`: kept, unless an item changes.
    Tuple,
    /// An exact `set`: becomes a frozenset.
    Set,
}

fn key_part(o: *mut ffi::PyObject) -> KeyPart {
    // SAFETY: `o` is a live object (the caller holds it) and the GIL is held; type checks only.
    unsafe {
        let t = ffi::Py_TYPE(o);
        if t == ffi::data::PyList_Type() {
            KeyPart::List
        } else if t == ffi::data::PyTuple_Type() {
            KeyPart::Tuple
        } else if t == ffi::data::PySet_Type() {
            KeyPart::Set
        } else {
            KeyPart::Leaf
        }
    }
}

/// A converted dict key or set element made hashable as libpython-clj makes it: a `list` (what
/// a Rust `Vec`, slice, array or a [`Value`](crate::Value) list becomes) is turned into a
/// `tuple`, a `set` into a `frozenset`, at any depth inside lists and tuples; anything else is
/// kept. Python refuses lists and sets as keys; Rust code uses `Vec` keys freely. Iterative;
/// a key with no list or set inside is returned as it is. Containers nested deeper than
/// [`KEY_DEPTH`] are left as they are: Python hashes a tuple by hashing its items
/// recursively, in C, so it could not hash such a key without risking the stack (a list left
/// there makes the insertion fail with Python's `TypeError: unhashable type`).
pub(crate) fn freeze_key(py: Python<'_>, obj: Object) -> Result<Object> {
    /// A list or tuple being rebuilt: its items (a tuple: the tuple itself, or a snapshot of
    /// the list), the next one to look at, the frozen items so far, whether any changed (a
    /// list always does: it becomes a tuple), and the original.
    struct Frame {
        items: Object,
        len: ffi::Py_ssize_t,
        next: ffi::Py_ssize_t,
        out: Vec<Object>,
        changed: bool,
        original: Object,
    }
    fn open(py: Python<'_>, obj: Object, list: bool) -> Result<Frame> {
        let items = if list {
            // SAFETY: a live list; GIL held; a new tuple (a snapshot: Python code run by later
            // conversions cannot change it) or NULL with an exception.
            new(py, unsafe { ffi::PyList_AsTuple(obj.as_ptr()) })?
        } else {
            obj.clone_ref(py)
        };
        // SAFETY: a live tuple; GIL held.
        let len = unsafe { ffi::PyTuple_Size(items.as_ptr()) };
        Ok(Frame {
            items,
            len,
            next: 0,
            out: Vec::with_capacity(len.max(0) as usize),
            changed: list,
            original: obj,
        })
    }
    fn frozenset(py: Python<'_>, set: &Object) -> Result<Object> {
        // SAFETY: a live set; GIL held; its elements are hashable already.
        new(py, unsafe { ffi::PyFrozenSet_New(set.as_ptr()) })
    }
    let first = match key_part(obj.as_ptr()) {
        KeyPart::Leaf => return Ok(obj),
        KeyPart::Set => return frozenset(py, &obj),
        KeyPart::List => open(py, obj, true)?,
        KeyPart::Tuple => {
            // The common case, a tuple of scalars, is returned at once.
            // SAFETY: a live tuple; GIL held; indexes below its size; items borrowed from the
            // tuple, which does not change, for a type check only.
            let plain = unsafe {
                let n = ffi::PyTuple_Size(obj.as_ptr());
                (0..n).all(|i| {
                    matches!(
                        key_part(ffi::PyTuple_GetItem(obj.as_ptr(), i)),
                        KeyPart::Leaf
                    )
                })
            };
            if plain {
                return Ok(obj);
            }
            open(py, obj, false)?
        }
    };
    let mut stack = vec![first];
    while let Some(top) = stack.last_mut() {
        if top.next < top.len {
            // SAFETY: a live tuple; GIL held; `next` is below its size; the item gains a
            // reference at once.
            let item = unsafe {
                Object::from_borrowed_ptr(py, ffi::PyTuple_GetItem(top.items.as_ptr(), top.next))
            };
            top.next += 1;
            let part = if stack.len() >= KEY_DEPTH {
                KeyPart::Leaf
            } else {
                key_part(item.as_ptr())
            };
            let Some(top) = stack.last_mut() else { break };
            match part {
                KeyPart::Leaf => top.out.push(item),
                KeyPart::Set => {
                    let f = frozenset(py, &item)?;
                    top.changed = true;
                    top.out.push(f);
                }
                KeyPart::List => stack.push(open(py, item, true)?),
                KeyPart::Tuple => stack.push(open(py, item, false)?),
            }
            continue;
        }
        let Some(done) = stack.pop() else { break };
        let changed = done.changed;
        let result = if changed {
            // SAFETY: GIL held; the new tuple is ours alone and filled completely, each slot
            // once (SetItem steals each reference), before it is shared.
            unsafe {
                let t = new(py, ffi::PyTuple_New(done.out.len() as ffi::Py_ssize_t))?;
                for (i, o) in done.out.into_iter().enumerate() {
                    ffi::PyTuple_SetItem(t.as_ptr(), i as ffi::Py_ssize_t, o.into_ptr());
                }
                t
            }
        } else {
            done.original
        };
        match stack.last_mut() {
            None => return Ok(result),
            Some(parent) => {
                parent.changed |= changed;
                parent.out.push(result);
            }
        }
    }
    // The loop returns when the outermost frame is done; it always has one.
    Err(Error::conversion("a dict key could not be made hashable"))
}
