//! `()`, `bool`, floats and `Option`.

use libpython_interp::ffi;

use crate::err::{Error, Result, fetch};
use crate::gil::Python;
use crate::object::{Bound, Object};

use super::SEALED;
use super::sealed::Sealed;
use super::{FromPython, ToPython, is_exact, new, tname};

/// `None`.
impl ToPython for () {
    #[inline(always)]
    fn key_leaf(&self) -> bool {
        true
    }

    fn to_python(&self, py: Python<'_>) -> Result<Object> {
        Ok(py.none().unbind())
    }
}

impl FromPython for () {
    fn from_python(obj: &Bound<'_>) -> Result<Self> {
        if obj.as_ptr() == ffi::Py_None() {
            Ok(())
        } else {
            Err(Error::type_error("None", tname(obj)))
        }
    }
}

impl ToPython for bool {
    #[inline(always)]
    fn key_leaf(&self) -> bool {
        true
    }

    #[inline]
    fn to_python(&self, py: Python<'_>) -> Result<Object> {
        let p = if *self {
            ffi::Py_True()
        } else {
            ffi::Py_False()
        };
        // SAFETY: the singletons are live objects of every interpreter.
        Ok(unsafe { Object::from_borrowed_ptr(py, p) })
    }
}

impl FromPython for bool {
    #[inline(always)]
    fn plain(_: Sealed) -> bool {
        true
    }

    #[inline(always)]
    fn from_python_exact(obj: &Bound<'_>, _: Sealed) -> Option<Self> {
        let p = obj.as_ptr();
        if p == ffi::Py_True() {
            Some(true)
        } else if p == ffi::Py_False() {
            Some(false)
        } else {
            None
        }
    }

    fn from_python(obj: &Bound<'_>) -> Result<Self> {
        let p = obj.as_ptr();
        if p == ffi::Py_True() {
            return Ok(true);
        }
        if p == ffi::Py_False() {
            return Ok(false);
        }
        // numpy's bool scalars.
        let sym = obj.type_symbol()?;
        if &*sym == "bool" || &*sym == "bool-" {
            return obj.is_truthy();
        }
        Err(Error::type_error("bool", tname(obj)))
    }
}

impl ToPython for f64 {
    #[inline(always)]
    fn key_leaf(&self) -> bool {
        true
    }

    #[inline]
    fn to_python(&self, py: Python<'_>) -> Result<Object> {
        // SAFETY: GIL held.
        new(py, unsafe { ffi::PyFloat_FromDouble(*self) })
    }
}

impl FromPython for f64 {
    #[inline(always)]
    fn plain(_: Sealed) -> bool {
        true
    }

    #[inline]
    fn from_python(obj: &Bound<'_>) -> Result<Self> {
        if let Some(v) = Self::from_python_exact(obj, SEALED) {
            return Ok(v);
        }
        // SAFETY: live object, GIL held.
        unsafe {
            if ffi::PyUnicode_Check(obj.as_ptr()) || ffi::PyBytes_Check(obj.as_ptr()) {
                return Err(Error::type_error("float", tname(obj)));
            }
            let v = ffi::PyFloat_AsDouble(obj.as_ptr());
            if v == -1.0 && !ffi::PyErr_Occurred().is_null() {
                if ffi::PyErr_ExceptionMatches(*ffi::data::PyExc_TypeError()) != 0 {
                    ffi::PyErr_Clear();
                    return Err(Error::type_error("float", tname(obj)));
                }
                return Err(fetch(obj.py()));
            }
            Ok(v)
        }
    }

    #[inline(always)]
    fn from_python_exact(obj: &Bound<'_>, _: Sealed) -> Option<Self> {
        // SAFETY: an exact float converts without running Python code and cannot fail.
        is_exact(obj, ffi::data::PyFloat_Type())
            .then(|| unsafe { ffi::PyFloat_AS_DOUBLE(obj.as_ptr()) })
    }
}

impl ToPython for f32 {
    #[inline(always)]
    fn key_leaf(&self) -> bool {
        true
    }

    fn to_python(&self, py: Python<'_>) -> Result<Object> {
        f64::from(*self).to_python(py)
    }
}

impl FromPython for f32 {
    #[inline(always)]
    fn plain(_: Sealed) -> bool {
        true
    }

    fn from_python(obj: &Bound<'_>) -> Result<Self> {
        f64::from_python(obj).map(|v| v as f32)
    }

    #[inline(always)]
    fn from_python_exact(obj: &Bound<'_>, _: Sealed) -> Option<Self> {
        f64::from_python_exact(obj, SEALED).map(|v| v as f32)
    }
}

impl<T: ToPython> ToPython for Option<T> {
    #[inline(always)]
    fn key_leaf(&self) -> bool {
        self.as_ref().is_none_or(ToPython::key_leaf)
    }

    fn to_python(&self, py: Python<'_>) -> Result<Object> {
        match self {
            Some(v) => v.to_python(py),
            None => Ok(py.none().unbind()),
        }
    }
}

impl<T: FromPython> FromPython for Option<T> {
    fn from_python(obj: &Bound<'_>) -> Result<Self> {
        if obj.as_ptr() == ffi::Py_None() {
            Ok(None)
        } else {
            T::from_python(obj).map(Some)
        }
    }

    #[inline(always)]
    fn from_python_exact(obj: &Bound<'_>, _: Sealed) -> Option<Self> {
        if obj.as_ptr() == ffi::Py_None() {
            Some(None)
        } else {
            T::from_python_exact(obj, SEALED).map(Some)
        }
    }
}
