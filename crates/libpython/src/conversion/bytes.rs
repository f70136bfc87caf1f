//! `bytes`: the [`Bytes`] wrapper and reading byte buffers.

use libpython_interp::ffi;

use crate::err::{Result, fetch};
use crate::gil::Python;
use crate::object::{Bound, Object};

use super::{FromPython, ToPython, new};

/// Bytes copied into a Python `bytes` object (a `Vec<u8>` or `&[u8]` becomes a `list` of
/// ints, like any other slice; reading a `bytes` or `bytearray` into `Vec<u8>` works).
///
/// ```
/// use libpython::{Bytes, ToPython};
/// let b = libpython::attach(|py| Bytes(b"hi".to_vec()).to_python(py))?;
/// assert_eq!(b.repr()?, "b'hi'");
/// # Ok::<(), libpython::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Bytes(pub Vec<u8>);

impl ToPython for Bytes {
    #[inline(always)]
    fn key_leaf(&self) -> bool {
        true
    }

    fn to_python(&self, py: Python<'_>) -> Result<Object> {
        // SAFETY: pointer and length describe the vector; GIL held.
        new(py, unsafe {
            ffi::PyBytes_FromStringAndSize(self.0.as_ptr().cast(), self.0.len() as ffi::Py_ssize_t)
        })
    }
}

impl FromPython for Bytes {
    fn from_python(obj: &Bound<'_>) -> Result<Self> {
        Vec::<u8>::from_python(obj).map(Bytes)
    }
}

/// Reads `bytes`, `bytearray`, or any list/tuple of small ints into a byte vector.
pub(super) fn extract_bytes(obj: &Bound<'_>) -> Result<Option<Vec<u8>>> {
    // SAFETY: live object, GIL held; the buffers are copied before anything else runs.
    unsafe {
        if ffi::PyBytes_Check(obj.as_ptr()) {
            let mut p: *mut std::ffi::c_char = std::ptr::null_mut();
            let mut n: ffi::Py_ssize_t = 0;
            if ffi::PyBytes_AsStringAndSize(obj.as_ptr(), &mut p, &mut n) < 0 {
                return Err(fetch(obj.py()));
            }
            return Ok(Some(
                std::slice::from_raw_parts(p.cast::<u8>(), n as usize).to_vec(),
            ));
        }
        if ffi::PyByteArray_Check(obj.as_ptr()) {
            let p = ffi::PyByteArray_AsString(obj.as_ptr());
            let n = ffi::PyByteArray_Size(obj.as_ptr());
            return Ok(Some(
                std::slice::from_raw_parts(p.cast::<u8>(), n as usize).to_vec(),
            ));
        }
    }
    Ok(None)
}
