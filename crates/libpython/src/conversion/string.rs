//! Strings: `str`, `String`, `char`, paths, and names handed to C.

use libpython_interp::ffi;

use crate::err::{Error, ErrorKind, Result, fetch};
use crate::gil::Python;
use crate::object::{Bound, Object};

use super::sealed::Sealed;
use super::{FromPython, ToPython, is_exact, new, tname};

/// A `str` object for a name that C will use, refusing NUL bytes.
pub(crate) fn name_object(py: Python<'_>, name: &str, what: &'static str) -> Result<Object> {
    if name.as_bytes().contains(&0) {
        return Err(Error::from(ErrorKind::Nul {
            what,
            value: name.to_owned(),
        }));
    }
    // SAFETY: the pointer and length describe valid UTF-8; GIL held.
    new(py, unsafe {
        ffi::PyUnicode_FromStringAndSize(name.as_ptr().cast(), name.len() as ffi::Py_ssize_t)
    })
}

/// Copies a `str` object (exactly a `str` or a subclass) into a `String`, strictly; anything
/// else is a `TypeError`.
#[inline]
pub(crate) fn str_to_string(obj: &Bound<'_>) -> Result<String> {
    let mut n: ffi::Py_ssize_t = 0;
    let o = obj.as_ptr();
    // SAFETY: GIL held, `o` live; a str is read by `unicode_utf8` (in place when it can be),
    // anything else by the C API, which raises TypeError. The returned buffer lives as long
    // as the object.
    unsafe {
        let p = if ffi::PyUnicode_Check(o) {
            ffi::unicode_utf8(o, &mut n)
        } else {
            ffi::PyUnicode_AsUTF8AndSize(o, &mut n)
        };
        if p.is_null() {
            return Err(fetch(obj.py()));
        }
        let bytes = std::slice::from_raw_parts(p.cast::<u8>(), n as usize);
        Ok(std::str::from_utf8_unchecked(bytes).to_owned())
    }
}

/// A Python `str` read with every lone surrogate replaced by U+FFFD.
pub fn string_lossy(obj: &Bound<'_>) -> Result<String> {
    // SAFETY: live object, GIL held.
    if !unsafe { ffi::PyUnicode_Check(obj.as_ptr()) } {
        return Err(Error::type_error("str", tname(obj)));
    }
    if let Ok(s) = str_to_string(obj) {
        return Ok(s);
    }
    // SAFETY: GIL held; the copy is freed with PyMem_Free after use.
    unsafe {
        let len = ffi::PyUnicode_GetLength(obj.as_ptr());
        let buf = ffi::PyUnicode_AsUCS4Copy(obj.as_ptr());
        if buf.is_null() {
            return Err(fetch(obj.py()));
        }
        let s = std::slice::from_raw_parts(buf, len as usize)
            .iter()
            .map(|&c| char::from_u32(c).unwrap_or(char::REPLACEMENT_CHARACTER))
            .collect();
        ffi::PyMem_Free(buf.cast());
        Ok(s)
    }
}

impl ToPython for str {
    #[inline(always)]
    fn key_leaf(&self) -> bool {
        true
    }

    #[inline]
    fn to_python(&self, py: Python<'_>) -> Result<Object> {
        // SAFETY: pointer and length describe valid UTF-8; GIL held.
        new(py, unsafe {
            ffi::PyUnicode_FromStringAndSize(self.as_ptr().cast(), self.len() as ffi::Py_ssize_t)
        })
    }
}

impl ToPython for String {
    #[inline(always)]
    fn key_leaf(&self) -> bool {
        true
    }

    #[inline]
    fn to_python(&self, py: Python<'_>) -> Result<Object> {
        self.as_str().to_python(py)
    }
}

impl ToPython for std::borrow::Cow<'_, str> {
    #[inline(always)]
    fn key_leaf(&self) -> bool {
        true
    }

    #[inline]
    fn to_python(&self, py: Python<'_>) -> Result<Object> {
        (**self).to_python(py)
    }
}

impl FromPython for String {
    #[inline(always)]
    fn plain(_: Sealed) -> bool {
        true
    }

    /// Only a compact ASCII `str` read in place: anything else is left to `from_python`,
    /// which the caller runs on an item it owns. `PyUnicode_AsUTF8AndSize` may fail (lone
    /// surrogates), and making its exception may run the garbage collector (on 3.9 to 3.11
    /// at once), whose callbacks and finalizers may free an item that is only borrowed here.
    #[inline(always)]
    fn from_python_exact(obj: &Bound<'_>, _: Sealed) -> Option<Self> {
        if !is_exact(obj, ffi::data::PyUnicode_Type()) {
            return None;
        }
        // SAFETY: a live str (exact type checked), GIL held; the characters are copied at
        // once, and reading them calls nothing.
        unsafe {
            let (p, n) = ffi::unicode_ascii(obj.as_ptr())?;
            let ascii = std::slice::from_raw_parts(p, n);
            Some(std::str::from_utf8_unchecked(ascii).to_owned())
        }
    }

    #[inline]
    fn from_python(obj: &Bound<'_>) -> Result<Self> {
        // SAFETY: live object, GIL held.
        if !unsafe { ffi::PyUnicode_Check(obj.as_ptr()) } {
            return Err(Error::type_error("str", tname(obj)));
        }
        str_to_string(obj)
    }
}

impl ToPython for char {
    #[inline(always)]
    fn key_leaf(&self) -> bool {
        true
    }

    fn to_python(&self, py: Python<'_>) -> Result<Object> {
        let mut buf = [0u8; 4];
        self.encode_utf8(&mut buf).to_python(py)
    }
}

impl FromPython for char {
    fn from_python(obj: &Bound<'_>) -> Result<Self> {
        let s = String::from_python(obj)?;
        let mut it = s.chars();
        match (it.next(), it.next()) {
            (Some(c), None) => Ok(c),
            _ => Err(Error::type_error(
                "a str of length 1",
                format!("str of length {}", s.chars().count()),
            )),
        }
    }
}

impl ToPython for std::path::Path {
    #[inline(always)]
    fn key_leaf(&self) -> bool {
        true
    }

    fn to_python(&self, py: Python<'_>) -> Result<Object> {
        let s = self
            .to_str()
            .ok_or_else(|| Error::conversion(format!("{} is not valid UTF-8", self.display())))?;
        s.to_python(py)
    }
}

impl ToPython for std::path::PathBuf {
    #[inline(always)]
    fn key_leaf(&self) -> bool {
        true
    }

    fn to_python(&self, py: Python<'_>) -> Result<Object> {
        self.as_path().to_python(py)
    }
}
