//! Copying conversions: Rust values into Python objects ([`ToPython`]) and back
//! ([`FromPython`]), one file per family of Rust types, and the checks every conversion whose
//! result enters C goes through ([`to_object`]).

mod bytes;
mod filling;
#[cfg(feature = "value")]
mod imbl;
mod int;
mod key;
mod map;
mod scalar;
mod seq;
pub(crate) use filling::Filling;
#[cfg(feature = "value")]
pub(crate) use filling::{hide, show};
mod string;

pub use bytes::Bytes;
#[cfg(any(feature = "serde", feature = "value"))]
pub(crate) use bytes::bytearray_to_vec;
#[cfg(feature = "value")]
pub(crate) use int::big_int;
#[cfg(feature = "value")]
pub(crate) use key::freeze_key;
pub(crate) use key::to_key_object;
#[cfg(any(feature = "value", feature = "serde"))]
pub(crate) use map::DictWalk;
pub(crate) use map::dict_get;
pub(crate) use seq::list_from_iter;
#[cfg(any(feature = "value", feature = "serde"))]
pub(crate) use seq::list_item;
pub use string::string_lossy;
pub(crate) use string::{name_object, str_to_string};

use libpython_interp::ffi;

use crate::err::{Error, Result, fetch};
use crate::gil::Python;
use crate::object::{Borrowed, Bound, Object};

/// A Rust value that can be copied into a new Python object (libpython-clj's `->python`).
pub trait ToPython {
    /// The value as a new Python object.
    fn to_python(&self, py: Python<'_>) -> Result<Object>;

    /// Whether the object this value makes is never an exact `list`, `tuple` or `set` (a
    /// number, a `str`, `bytes`): as a dict key or a set element it is used as it is, without
    /// the check that turns those containers into hashable ones. A wrong `true` cannot do
    /// harm: an unhashable key is refused by Python with `TypeError`. The default is `false`.
    #[doc(hidden)]
    #[inline(always)]
    fn key_leaf(&self) -> bool {
        false
    }
}

/// A Rust value that can be copied out of a Python object (libpython-clj's `->jvm`).
pub trait FromPython: Sized {
    /// Copies `obj` into a Rust value.
    ///
    /// # Errors
    /// [`ErrorKind::Type`](crate::ErrorKind::Type) naming what was expected and what came, [`ErrorKind::Overflow`](crate::ErrorKind::Overflow) for a
    /// number that does not fit, or a Python exception raised on the way.
    fn from_python(obj: &Bound<'_>) -> Result<Self>;

    /// Converts `obj` without running any Python code, when its exact type allows (an exact
    /// `int` for integers, `float` for floats, `str` for strings) and the conversion
    /// succeeds; `None` otherwise (no exception left pending), for
    /// [`from_python`](Self::from_python) to decide, or to report the error.
    ///
    /// Containers use it to convert items they only borrow: no Python code runs, so nothing
    /// can change the container meanwhile, and the borrowed item stays alive. Nor is anything
    /// raised and cleared: making an exception may run the garbage collector, and so Python
    /// code (a conversion that could fail gives `None`, and the caller owns the item before it
    /// calls [`from_python`](Self::from_python)). That is a
    /// promise only this crate's conversions can keep, so only they implement it: the
    /// [`Sealed`] argument cannot be named elsewhere, so no other crate can override the
    /// method (or call it). Its result is small (no error inside), so the loops that call it
    /// for every item stay tight. The default never applies.
    #[doc(hidden)]
    #[inline(always)]
    fn from_python_exact(obj: &Bound<'_>, _: Sealed) -> Option<Self> {
        let _ = obj;
        None
    }

    /// Whether values of this type are plain Rust data: hashing, comparing and dropping one
    /// never runs Python code (numbers, `bool`, `String`). Containers that read a Python
    /// container into a Rust one skip their checks for changes made by Python code while
    /// nothing but such values was converted and inserted. Sealed as
    /// [`from_python_exact`](Self::from_python_exact) is. The default is `false`.
    #[doc(hidden)]
    #[inline(always)]
    fn plain(_: Sealed) -> bool {
        false
    }
}

/// The argument that seals [`FromPython`]'s fast paths: a public type in a module other
/// crates cannot reach, made only here ([`SEALED`]).
pub(crate) mod sealed {
    /// See the module.
    #[derive(Debug, Clone, Copy)]
    pub struct Sealed(pub(super) ());
}
use sealed::Sealed;

/// The one value of [`Sealed`], for this crate's calls of the sealed methods.
pub(crate) const SEALED: Sealed = Sealed(());

/// Whether `obj`'s type is exactly `t` (one pointer comparison).
#[inline(always)]
fn is_exact(obj: &Bound<'_>, t: *mut ffi::PyTypeObject) -> bool {
    // SAFETY: live object; its header is read at the interpreter's offset.
    unsafe { ffi::Py_TYPE(obj.as_ptr()) == t }
}

#[inline(always)]
pub(crate) fn new(py: Python<'_>, p: *mut ffi::PyObject) -> Result<Object> {
    // SAFETY: `p` comes from a C-API constructor called just before, under `py`: a new
    // reference or NULL with an exception set.
    unsafe { Object::from_owned_ptr_or_err(py, p) }
}

/// Type name of `obj` for error messages.
pub(crate) fn tname(obj: &Bound<'_>) -> String {
    obj.type_name().unwrap_or_else(|_| "?".into())
}

impl ToPython for Object {
    fn to_python(&self, py: Python<'_>) -> Result<Object> {
        Ok(self.bind(py)?.clone().unbind())
    }
}

impl ToPython for Bound<'_> {
    fn to_python(&self, py: Python<'_>) -> Result<Object> {
        if self.py().interpreter_key() != py.interpreter_key() {
            return Err(Error::from(libpython_interp::Error::WrongInterpreter {
                object: self.py().interpreter_key().index(),
                current: py.interpreter_key().index(),
            }));
        }
        Ok(self.clone().unbind())
    }
}

impl ToPython for Borrowed<'_, '_> {
    fn to_python(&self, py: Python<'_>) -> Result<Object> {
        (**self).to_python(py)
    }
}

impl<T: ToPython + ?Sized> ToPython for &T {
    #[inline(always)]
    fn key_leaf(&self) -> bool {
        (**self).key_leaf()
    }

    #[inline(always)]
    fn to_python(&self, py: Python<'_>) -> Result<Object> {
        (**self).to_python(py)
    }
}

impl<T: ToPython + ?Sized> ToPython for Box<T> {
    #[inline(always)]
    fn key_leaf(&self) -> bool {
        (**self).key_leaf()
    }

    fn to_python(&self, py: Python<'_>) -> Result<Object> {
        (**self).to_python(py)
    }
}

impl<T: ToPython + ?Sized> ToPython for std::sync::Arc<T> {
    #[inline(always)]
    fn key_leaf(&self) -> bool {
        (**self).key_leaf()
    }

    fn to_python(&self, py: Python<'_>) -> Result<Object> {
        (**self).to_python(py)
    }
}

impl FromPython for Object {
    fn from_python(obj: &Bound<'_>) -> Result<Self> {
        Ok(obj.clone().unbind())
    }

    #[inline(always)]
    fn from_python_exact(obj: &Bound<'_>, _: Sealed) -> Option<Self> {
        Some(obj.clone().unbind())
    }
}

/// `item` as a Python object of `py`'s interpreter. Every conversion whose result this crate
/// hands to C goes through here: an object of another interpreter (which a `ToPython` written
/// by hand could return) is refused, and released by its handle, so no object ever enters an
/// interpreter it does not belong to.
#[inline(always)]
pub(crate) fn to_object<T: ToPython + ?Sized>(item: &T, py: Python<'_>) -> Result<Object> {
    let o = item.to_python(py)?;
    if o.interpreter_key() != py.interpreter_key() {
        return Err(foreign(o.interpreter_key(), py));
    }
    Ok(o)
}

#[cold]
#[inline(never)]
fn foreign(key: libpython_interp::InterpKey, py: Python<'_>) -> Error {
    if key.generation() != py.interpreter_key().generation() {
        return Error::from(libpython_interp::Error::Finalized);
    }
    Error::from(libpython_interp::Error::WrongInterpreter {
        object: key.index(),
        current: py.interpreter_key().index(),
    })
}

/// [`to_object`] as a strong reference given to the caller.
#[inline(always)]
pub(crate) fn to_python_ptr<T: ToPython + ?Sized>(
    item: &T,
    py: Python<'_>,
) -> Result<*mut ffi::PyObject> {
    to_object(item, py).map(Object::into_ptr)
}

/// `o` itself as a strong reference given to the caller, if it belongs to `py`'s interpreter
/// (what a callback hands back to C).
#[inline]
pub(crate) fn into_python_ptr(o: Object, py: Python<'_>) -> Result<*mut ffi::PyObject> {
    if o.interpreter_key() != py.interpreter_key() {
        return Err(foreign(o.interpreter_key(), py));
    }
    Ok(o.into_ptr())
}

/// The path segment of item `i` of a sequence: `[i]`.
#[cold]
pub(crate) fn index(i: impl std::fmt::Display) -> String {
    format!("[{i}]")
}

/// The path segment of the entry at key `k` of a mapping: `['a']` for its value, `[key 'a']`
/// for the key itself.
#[cold]
fn key_segment(k: &Bound<'_>, of_key: bool) -> String {
    let r = k.repr().unwrap_or_else(|_| "?".into());
    if of_key {
        format!("[key {r}]")
    } else {
        format!("[{r}]")
    }
}

/// Python's `RuntimeError: <what> changed size during iteration`.
#[cold]
fn changed_during_iteration(py: Python<'_>, what: &str) -> Error {
    let msg =
        std::ffi::CString::new(format!("{what} changed size during iteration")).unwrap_or_default();
    // SAFETY: the GIL is held; the exception is set and fetched at once.
    unsafe {
        ffi::PyErr_SetString(*ffi::data::PyExc_RuntimeError(), msg.as_ptr());
        fetch(py)
    }
}
