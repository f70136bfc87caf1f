//! Sequences: slices, `Vec`, arrays and `VecDeque` as lists, tuples as tuples, and reading
//! any sequence or iterable back.

use libpython_interp::ffi;

use crate::err::{Error, Result};
use crate::gil::Python;
use crate::object::{Borrowed, Bound, Object};

use super::SEALED;
use super::bytes::extract_bytes;
use super::{Filling, FromPython, ToPython, index, new, tname, to_python_ptr};

/// Builds a `list` of `len` items from an iterator of convertible items, refusing an
/// iterator that yields more or fewer.
pub(crate) fn list_from_iter<'a, T: ToPython + 'a>(
    py: Python<'_>,
    len: usize,
    items: impl Iterator<Item = &'a T>,
) -> Result<Object> {
    let n = ffi::Py_ssize_t::try_from(len)
        .map_err(|_| Error::conversion(format!("{len} items do not fit a list")))?;
    let layout = ffi::seq_layout();
    let api = ffi::api();
    // SAFETY: GIL held; the new list is ours alone until returned, and each slot is filled
    // once, in order, while `i < n` (SET_ITEM and SetItem steal the reference); on error the
    // list is released with its filled slots (empty slots are NULL, which list deallocation
    // skips); it is hidden from the collector until whole (see `Filling`).
    unsafe {
        let list = Filling::list(py, n)?;
        let mut i: ffi::Py_ssize_t = 0;
        for item in items {
            if i == n {
                return Err(length_mismatch(len, "more"));
            }
            let v = to_python_ptr(item, py)?;
            match layout {
                Some(l) => l.list_set_item(list.as_ptr(), i, v),
                None => {
                    (api.PyList_SetItem)(list.as_ptr(), i, v);
                }
            }
            i += 1;
        }
        if i != n {
            return Err(length_mismatch(len, "fewer"));
        }
        Ok(list.finish())
    }
}

/// Builds a `list` of the items of `head` followed by those of `tail` (a `VecDeque`'s two
/// halves; `tail` is empty for the other slices).
pub(crate) fn list_from_slices<T: ToPython>(
    py: Python<'_>,
    head: &[T],
    tail: &[T],
) -> Result<Object> {
    let len = head
        .len()
        .checked_add(tail.len())
        .and_then(|n| ffi::Py_ssize_t::try_from(n).ok());
    let n = len.ok_or_else(|| Error::conversion("too many items for a list"))?;
    // SAFETY: GIL held; the new list of `n` slots is ours alone until returned; slot `i` is
    // filled once, for `i` below `head.len() + tail.len() == n` (SET_ITEM and SetItem steal the
    // reference); on error the list is released with its filled slots (empty slots are NULL,
    // which list deallocation skips).
    unsafe {
        let api = ffi::api();
        let list = Filling::list(py, n)?;
        let l = list.as_ptr();
        match ffi::seq_layout() {
            Some(layout) => {
                fill_list(py, head, |i, v| layout.list_set_item(l, i, v))?;
                fill_list(py, tail, |i, v| {
                    layout.list_set_item(l, head.len() as ffi::Py_ssize_t + i, v)
                })?;
            }
            None => {
                fill_list(py, head, |i, v| {
                    (api.PyList_SetItem)(l, i, v);
                })?;
                fill_list(py, tail, |i, v| {
                    (api.PyList_SetItem)(l, head.len() as ffi::Py_ssize_t + i, v);
                })?;
            }
        }
        Ok(list.finish())
    }
}

/// Converts each item of `items` and hands it to `set` with its index.
#[inline(always)]
fn fill_list<T: ToPython>(
    py: Python<'_>,
    items: &[T],
    mut set: impl FnMut(ffi::Py_ssize_t, *mut ffi::PyObject),
) -> Result<()> {
    for (i, item) in items.iter().enumerate() {
        set(i as ffi::Py_ssize_t, to_python_ptr(item, py)?);
    }
    Ok(())
}

/// An iterator that did not yield the number of items its collection announced.
#[cold]
#[inline(never)]
fn length_mismatch(len: usize, more_or_fewer: &str) -> Error {
    Error::conversion(format!(
        "a collection of length {len} yielded {more_or_fewer} items than that"
    ))
}

/// Lists become `list`; `Vec<u8>` too (a list of ints). Use [`Bytes`](crate::Bytes) or `&[u8]` for `bytes`.
impl<T: ToPython> ToPython for Vec<T> {
    fn to_python(&self, py: Python<'_>) -> Result<Object> {
        list_from_slices(py, self, &[])
    }
}

impl<T: ToPython> ToPython for [T] {
    fn to_python(&self, py: Python<'_>) -> Result<Object> {
        list_from_slices(py, self, &[])
    }
}

impl<T: ToPython> ToPython for std::collections::VecDeque<T> {
    fn to_python(&self, py: Python<'_>) -> Result<Object> {
        let (head, tail) = self.as_slices();
        list_from_slices(py, head, tail)
    }
}

impl<T: ToPython, const N: usize> ToPython for [T; N] {
    fn to_python(&self, py: Python<'_>) -> Result<Object> {
        list_from_slices(py, self, &[])
    }
}

/// Copies any sequence or iterable of convertible items. `bytes` and `bytearray` are read as
/// their bytes (for `Vec<u8>`); a `str` is refused (it is not a list of characters).
impl<T: FromPython + 'static> FromPython for Vec<T> {
    fn from_python(obj: &Bound<'_>) -> Result<Self> {
        if std::any::TypeId::of::<T>() == std::any::TypeId::of::<u8>()
            && let Some(bytes) = extract_bytes(obj)?
        {
            // SAFETY: T is u8 (checked above), so Vec<u8> and Vec<T> are the same type.
            return Ok(unsafe { std::mem::transmute::<Vec<u8>, Vec<T>>(bytes) });
        }
        seq_extract(obj, |n| Vec::with_capacity(n), |v, x| v.push(x))
    }
}

/// Copies the items of a list, tuple or other iterable through `push`.
pub(crate) fn seq_extract<C, T: FromPython>(
    obj: &Bound<'_>,
    mk: impl FnOnce(usize) -> C,
    mut push: impl FnMut(&mut C, T),
) -> Result<C> {
    let py = obj.py();
    let p = obj.as_ptr();
    // SAFETY: live object, GIL held.
    unsafe {
        if ffi::PyUnicode_Check(p) {
            return Err(Error::type_error("a sequence (not str)", "str"));
        }
        if ffi::PyList_Check(p) {
            let mut out = mk(ffi::PyList_GET_SIZE(p).max(0) as usize);
            match (ffi::seq_layout(), ffi::locked_seq_layout()) {
                (Some(layout), _) => list_extract_inline(obj, layout, &mut out, push)?,
                // Free-threaded: other threads wait while the list's critical section is held,
                // as they wait for the GIL on the other builds.
                (None, Some(layout)) => ffi::with_critical_section(p, || {
                    list_extract_inline(obj, layout, &mut out, push)
                })?,
                (None, None) => list_extract_calls(obj, &mut out, push)?,
            }
            return Ok(out);
        }
        if ffi::PyTuple_Check(p) {
            let layout = ffi::seq_layout();
            let api = ffi::api();
            let n = match layout {
                Some(l) => l.size(p),
                None => (api.PyTuple_Size)(p),
            };
            let mut out = mk(n as usize);
            for i in 0..n {
                // SAFETY: `i` is below the size of the tuple, which does not change; the item
                // is borrowed from the tuple, which the caller keeps alive.
                let item = match layout {
                    Some(l) => l.tuple_item(p, i),
                    None => (api.PyTuple_GetItem)(p, i),
                };
                push(
                    &mut out,
                    T::from_python(&Borrowed::from_ptr(py, item)).map_err(|e| e.at(index(i)))?,
                );
            }
            return Ok(out);
        }
    }
    let it = match obj.try_iter() {
        Ok(it) => it,
        Err(e) if e.as_python().is_some_and(|e| e.type_name() == "TypeError") => {
            return Err(Error::type_error("an iterable", tname(obj)));
        }
        Err(e) => return Err(e),
    };
    let mut out = mk(0);
    for (i, item) in it.enumerate() {
        push(
            &mut out,
            T::from_python(&item?).map_err(|e| e.at(index(i)))?,
        );
    }
    Ok(out)
}

/// [`seq_extract`] for a list whose items are read inline, pushed to `out`: with the GIL held
/// (GIL builds), or with the list's critical section held (free-threaded builds, the
/// caller's [`ffi::with_critical_section`]).
///
/// Items are borrowed while converted without running Python code ([`FromPython::from_python_exact`]),
/// held otherwise. Python code may run in a conversion or in `push` (a `__hash__`, a
/// destructor) and change the list (on free-threaded builds, it may suspend the critical
/// section meanwhile, and another thread may change the list), so its size is read again (one
/// load) before each item.
#[inline(always)]
fn list_extract_inline<C, T: FromPython>(
    list: &Bound<'_>,
    layout: ffi::SeqLayout,
    out: &mut C,
    mut push: impl FnMut(&mut C, T),
) -> Result<()> {
    let p = list.as_ptr();
    // SAFETY: `list` is a live list (checked by the caller), `layout` the running
    // interpreter's, the GIL (or the list's critical section) held; `i` is below the size read
    // just before the item, with nothing run in between.
    unsafe {
        let mut i = 0;
        while i < layout.size(p) {
            let item = Borrowed::from_ptr(list.py(), layout.list_item(p, i));
            let v = match T::from_python_exact(&item, SEALED) {
                Some(v) => v,
                None => {
                    let held = item.to_owned();
                    T::from_python(&held).map_err(|e| e.at(index(i)))?
                }
            };
            push(out, v);
            i += 1;
        }
        Ok(())
    }
}

/// [`seq_extract`] for a list read through the exported functions (versions whose layout
/// this crate does not know), pushed to `out`: each item is taken as a strong reference
/// (`PyList_GetItemRef`, 3.13+), so a list that other threads change cannot free an item under
/// us; a list that shrank meanwhile ends the copy, as it ends Python's own iteration.
#[inline(never)]
fn list_extract_calls<C, T: FromPython>(
    list: &Bound<'_>,
    out: &mut C,
    mut push: impl FnMut(&mut C, T),
) -> Result<()> {
    let (py, p, api) = (list.py(), list.as_ptr(), ffi::api());
    // SAFETY: `list` is a live list (checked by the caller), the GIL (or on free-threaded
    // builds the thread state) held; every item is a strong reference owned by its handle.
    unsafe {
        let mut i = 0;
        while i < (api.PyList_Size)(p) {
            let item = match api.PyList_GetItemRef {
                Some(get) => get(p, i),
                None => {
                    let item = (api.PyList_GetItem)(p, i);
                    if !item.is_null() {
                        ffi::Py_INCREF(item);
                    }
                    item
                }
            };
            if item.is_null() {
                // Only an index out of range: the list shrank since its size was read.
                ffi::PyErr_Clear();
                break;
            }
            let held = Object::from_owned_ptr(py, item);
            let v = match T::from_python_exact(held.bound(py), SEALED) {
                Some(v) => v,
                None => T::from_python(held.bound(py)).map_err(|e| e.at(index(i)))?,
            };
            push(out, v);
            i += 1;
        }
        Ok(())
    }
}

impl<T: FromPython + 'static, const N: usize> FromPython for [T; N] {
    fn from_python(obj: &Bound<'_>) -> Result<Self> {
        let v: Vec<T> = Vec::from_python(obj)?;
        let n = v.len();
        v.try_into().map_err(|_| {
            Error::type_error(
                format!("a sequence of length {N}"),
                format!("{} of length {n}", tname(obj)),
            )
        })
    }
}

impl<T: FromPython> FromPython for std::collections::VecDeque<T> {
    fn from_python(obj: &Bound<'_>) -> Result<Self> {
        seq_extract(obj, std::collections::VecDeque::with_capacity, |v, x| {
            v.push_back(x)
        })
    }
}

/// The `list[i]` item as a new reference (`PyList_GetItemRef` where the version has it, so
/// that on free-threaded builds another thread cannot free it between the read and the
/// increment).
///
/// # Safety
/// `list` is a live `list` and the GIL is held; `0 <= i < len(list)` (an index out of range is
/// an `IndexError`).
#[cfg(any(feature = "value", feature = "serde"))]
pub(crate) unsafe fn list_item(
    py: Python<'_>,
    list: *mut ffi::PyObject,
    i: ffi::Py_ssize_t,
) -> Result<Object> {
    // SAFETY: forwarded contract: live list, GIL held.
    unsafe {
        if let Some(get_ref) = ffi::api().PyList_GetItemRef {
            return new(py, get_ref(list, i));
        }
        let p = ffi::PyList_GetItem(list, i);
        if p.is_null() {
            return Err(crate::err::fetch(py));
        }
        Ok(Object::from_borrowed_ptr(py, p))
    }
}

macro_rules! tuples {
    ($($n:literal: ($($T:ident $i:tt),+);)*) => {$(
        /// Tuples become `tuple`.
        impl<$($T: ToPython),+> ToPython for ($($T,)+) {
            fn to_python(&self, py: Python<'_>) -> Result<Object> {
                // SAFETY: GIL held; the new tuple is ours alone and filled completely, each
                // slot once, before it is shared (SET_ITEM steals each reference; empty slots
                // are NULL, which deallocation skips on error).
                unsafe {
                    let t = Filling::tuple(py, $n)?;
                    $(
                        ffi::PyTuple_SET_ITEM(t.as_ptr(), $i, to_python_ptr(&self.$i, py)?);
                    )+
                    Ok(t.finish())
                }
            }
        }

        /// Any sequence of exactly this length.
        impl<$($T: FromPython),+> FromPython for ($($T,)+) {
            fn from_python(obj: &Bound<'_>) -> Result<Self> {
                let py = obj.py();
                // SAFETY: live object, GIL held; tuple items are borrowed from the tuple.
                unsafe {
                    let tuple;
                    let t = if ffi::PyTuple_Check(obj.as_ptr()) {
                        obj
                    } else if ffi::PyList_Check(obj.as_ptr()) {
                        tuple = new(py, ffi::PySequence_Tuple(obj.as_ptr()))?;
                        tuple.bound(py)
                    } else {
                        return Err(Error::type_error(format!("a tuple of length {}", $n), tname(obj)));
                    };
                    let len = ffi::PyTuple_GET_SIZE(t.as_ptr());
                    if len != $n {
                        return Err(Error::type_error(format!("a tuple of length {}", $n), format!("{} of length {len}", tname(obj))));
                    }
                    // The items are in range (the length was just checked) and borrowed from
                    // the tuple, which does not change.
                    Ok(($($T::from_python(&Borrowed::from_ptr(py, ffi::PyTuple_GET_ITEM(t.as_ptr(), $i))).map_err(|e| e.at(index($i)))?,)+))
                }
            }
        }
    )*};
}

for_each_tuple!(tuples);
