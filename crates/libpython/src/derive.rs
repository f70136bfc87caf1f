//! What the derived conversions (`#[derive(ToPython, FromPython)]`, from `libpython-macros`)
//! call. Public only for the code the derives write in other crates; not an API.
//!
//! A struct with named fields is a `dict` whose keys are interned once per interpreter (the
//! derive writes an [`intern!`](crate::intern!) per field), written and read as hand-written C
//! would: `PyDict_SetItem` and `PyDict_GetItemWithError` by the interned key, and a field
//! read without a new reference when its value converts without running Python code.

use libpython_interp::ffi;

use crate::conversion::{Filling, SEALED, dict_get, into_python_ptr, tname, to_python_ptr};
use crate::err::{Error, Result, fetch};
use crate::gil::Python;
use crate::name::Interned;
use crate::object::{Borrowed, Bound, Object};
use crate::{FromPython, ToPython};

/// Refuses to read a `ty` when this thread's stack is nearly exhausted: a derived type may
/// hold itself (`struct Node { kids: Vec<Node> }`), and Python data nested deep enough would
/// otherwise overflow the stack.
///
/// # Errors
/// [`ErrorKind::Conversion`](crate::ErrorKind::Conversion) naming the type.
#[inline(always)]
pub fn enter(ty: &'static str) -> Result<()> {
    if libpython_interp::gil::stack_nearly_exhausted() {
        return Err(nested_too_deep(ty));
    }
    Ok(())
}

#[cold]
#[inline(never)]
fn nested_too_deep(ty: &'static str) -> Error {
    Error::conversion(format!(
        "the data is nested too deep to read a {ty}: the stack is nearly exhausted"
    ))
}

/// A new empty `dict`.
#[inline]
pub fn new_dict(py: Python<'_>) -> Result<Bound<'_>> {
    // SAFETY: the GIL is held (`py`); a new reference or NULL with an exception set.
    unsafe { Bound::from_owned_ptr_or_err(py, ffi::PyDict_New()) }
}

/// `dict[key] = value` for a field, its conversion's errors under the key's path segment.
#[inline]
pub fn set_field<T: ToPython + ?Sized>(
    dict: &Bound<'_>,
    key: &'static Interned,
    value: &T,
) -> Result<()> {
    let py = dict.py();
    let k = key.str_ptr(py, "field name")?;
    let v = to_python_ptr(value, py).map_err(|e| e.at(segment(key)))?;
    // SAFETY: a new reference of `py`'s interpreter (checked by `to_python_ptr`), whose GIL is
    // held: owned by a `Bound`, released in place when the dict holds its own.
    let v = unsafe { Bound::from_owned_ptr(py, v) };
    // SAFETY: `dict` is the dict the derived code made (`new_dict`), `k` an interned `str` and
    // `v` an object of its interpreter; the GIL is held.
    if unsafe { ffi::PyDict_SetItem(dict.as_ptr(), k, v.as_ptr()) } < 0 {
        // SAFETY: -1 with an exception pending.
        return Err(unsafe { fetch(py) });
    }
    Ok(())
}

/// `obj` as the `dict` a struct named `ty` is read from.
///
/// # Errors
/// [`ErrorKind::Type`](crate::ErrorKind::Type) when `obj` is not a `dict` (or a subclass).
#[inline]
pub fn fields<'a, 'py>(obj: &'a Bound<'py>, ty: &'static str) -> Result<&'a Bound<'py>> {
    // SAFETY: a live object, GIL held.
    if unsafe { ffi::PyDict_Check(obj.as_ptr()) } {
        Ok(obj)
    } else {
        Err(Error::type_error(
            format!("a dict (to read a {ty})"),
            tname(obj),
        ))
    }
}

/// The field at `key` of `dict` (a struct named `ty`), converted.
///
/// # Errors
/// [`ErrorKind::Type`](crate::ErrorKind::Type) naming the missing key, or the conversion's error under the key's path
/// segment; an error raised by looking the key up.
#[inline]
pub fn field<T: FromPython>(
    dict: &Bound<'_>,
    key: &'static Interned,
    ty: &'static str,
) -> Result<T> {
    let py = dict.py();
    let k = key.str_ptr(py, "field name")?;
    if !libpython_interp::free_threaded() {
        // SAFETY: `dict` is a dict (`fields`), `k` a `str` of its interpreter, the GIL held.
        // The borrowed value is read before anything runs Python code (an exact conversion
        // runs none) and owned before anything else.
        unsafe {
            let v = ffi::PyDict_GetItemWithError(dict.as_ptr(), k);
            if !v.is_null() {
                let v = Borrowed::from_ptr(py, v);
                if let Some(value) = T::from_python_exact(&v, SEALED) {
                    return Ok(value);
                }
                return T::from_python(&v.to_owned()).map_err(|e| e.at(segment(key)));
            }
            if !ffi::PyErr_Occurred().is_null() {
                return Err(fetch(py));
            }
            return Err(missing(dict, key, ty));
        }
    }
    // Free-threaded: another thread may replace the value meanwhile; it is owned at once.
    // SAFETY: as above.
    match unsafe { dict_get(dict, k)? } {
        Some(v) => match T::from_python_exact(&v, SEALED) {
            Some(value) => {
                // SAFETY: `v`'s own reference, of `py`'s interpreter (whose GIL is held), not
                // used again: given up in place (a handle's drop calls out on these builds).
                unsafe {
                    libpython_interp::refs::decref_in_loop(v.into_ptr(), py.interpreter_key())
                };
                Ok(value)
            }
            None => T::from_python(&v).map_err(|e| e.at(segment(key))),
        },
        None => Err(missing(dict, key, ty)),
    }
}

/// The field at `key` of `dict`, converted, or `T::default()` when the key is missing (a
/// field marked `#[libpython(default)]`).
///
/// # Errors
/// As [`field`], but for a missing key.
#[inline]
pub fn field_or_default<T: FromPython + Default>(
    dict: &Bound<'_>,
    key: &'static Interned,
) -> Result<T> {
    let k = key.str_ptr(dict.py(), "field name")?;
    // SAFETY: `dict` is a dict (`fields`), `k` a `str` of its interpreter, the GIL held.
    match unsafe { dict_get(dict, k)? } {
        Some(v) => T::from_python(&v).map_err(|e| e.at(segment(key))),
        None => Ok(T::default()),
    }
}

/// A `tuple` of `items`.
#[inline]
pub fn tuple<const N: usize>(py: Python<'_>, items: [Object; N]) -> Result<Object> {
    let t = Filling::tuple(py, N as ffi::Py_ssize_t)?;
    for (i, item) in items.into_iter().enumerate() {
        let item = into_python_ptr(item, py).map_err(|e| e.at(format!("[{i}]")))?;
        // SAFETY: slot `i` (below `N`) of the new tuple, empty until now; the reference is
        // given to it; GIL held.
        unsafe { ffi::PyTuple_SET_ITEM(t.as_ptr(), i as ffi::Py_ssize_t, item) };
    }
    Ok(t.finish())
}

/// The `N` items of `obj`, a `tuple` or `list` of that length (a tuple struct named `ty`).
///
/// # Errors
/// [`ErrorKind::Type`](crate::ErrorKind::Type) for another type or length.
pub fn items<'py, const N: usize>(obj: &Bound<'py>, ty: &'static str) -> Result<[Bound<'py>; N]> {
    // SAFETY: a live object, GIL held.
    let seq = unsafe { ffi::PyTuple_Check(obj.as_ptr()) || ffi::PyList_Check(obj.as_ptr()) };
    let expected = || format!("a tuple or list of {N} items (to read a {ty})");
    if !seq {
        return Err(Error::type_error(expected(), tname(obj)));
    }
    // At most one item past `N` is read: a subclass's `__iter__` may never end.
    let items: Vec<Bound<'py>> = obj.try_iter()?.take(N + 1).collect::<Result<_>>()?;
    let n = items.len();
    let found = || match n {
        n if n > N => format!("{} of more than {N} items", tname(obj)),
        n => format!("{} of {n} items", tname(obj)),
    };
    items
        .try_into()
        .map_err(|_| Error::type_error(expected(), found()))
}

/// Item `i` of a tuple struct's sequence, converted, its errors under `[i]`.
#[inline]
pub fn item<T: FromPython>(obj: &Bound<'_>, i: usize) -> Result<T> {
    T::from_python(obj).map_err(|e| e.at(format!("[{i}]")))
}

/// `None`, what a unit struct becomes.
#[inline]
pub fn none(py: Python<'_>) -> Result<Object> {
    // SAFETY: `Py_None` is the interpreter's immortal (or static) `None`; GIL held.
    Ok(unsafe { Object::from_borrowed_ptr(py, ffi::Py_None()) })
}

/// Checks that `obj` is `None`, what a unit struct named `ty` is read from.
///
/// # Errors
/// [`ErrorKind::Type`](crate::ErrorKind::Type) for anything else.
pub fn unit(obj: &Bound<'_>, ty: &'static str) -> Result<()> {
    if obj.as_ptr() == ffi::Py_None() {
        Ok(())
    } else {
        Err(Error::type_error(
            format!("None (to read a {ty})"),
            tname(obj),
        ))
    }
}

/// The path segment of a field's key: `['name']`.
#[cold]
fn segment(key: &'static Interned) -> String {
    format!("[{:?}]", key.text()).replace('"', "'")
}

/// The error for a field whose key `dict` lacks.
#[cold]
#[inline(never)]
fn missing(dict: &Bound<'_>, key: &'static Interned, ty: &'static str) -> Error {
    Error::type_error(
        format!("a dict with the key '{}' (field of {ty})", key.text()),
        format!("{} without it", tname(dict)),
    )
}
