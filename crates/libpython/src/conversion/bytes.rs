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
            return Ok(Some(bytearray_to_vec(obj.as_ptr())));
        }
    }
    Ok(None)
}

/// A copy of the bytes of the `bytearray` `p`, its size and storage read together. On a
/// free-threaded build, where another thread may resize the bytearray meanwhile, inside the
/// object's critical section (which 3.14 takes to change a bytearray) and through a buffer
/// export, which makes a resize that starts during the copy fail with `BufferError` (3.13's
/// bytearray takes no section, and a resize already past its export check races Python's own
/// readers as well).
///
/// Each byte is read with an atomic load: a writable buffer of the bytearray (a
/// [`PyBufferMut`](crate::array::PyBufferMut) on another thread, which needs no GIL) may be
/// writing it meanwhile.
///
/// # Safety
/// The GIL is held (on a free-threaded build: the thread is attached); `p` is a live
/// `bytearray`.
pub(crate) unsafe fn bytearray_to_vec(p: *mut ffi::PyObject) -> Vec<u8> {
    // SAFETY: the caller's contract (for both uses); an empty bytearray's storage may be
    // null, so it is read as empty.
    let direct = || unsafe {
        let n = ffi::PyByteArray_Size(p);
        if n <= 0 {
            return Vec::new();
        }
        copy_atomically(ffi::PyByteArray_AsString(p).cast::<u8>(), n as usize)
    };
    if !libpython_interp::free_threaded() {
        // Under the GIL, Python code changes neither the size nor the storage meanwhile.
        return direct();
    }
    // SAFETY: the caller's contract. A bytearray's export gives its size and storage together
    // (it fails only for a writable request on a read-only object; then it is read directly);
    // the export is released before returning.
    unsafe {
        ffi::with_critical_section(p, || {
            let mut view = ffi::Py_buffer::zeroed();
            if ffi::PyObject_GetBuffer(p, &mut view, ffi::PyBUF_SIMPLE) < 0 {
                ffi::PyErr_Clear();
                return direct();
            }
            let v = if view.len <= 0 || view.buf.is_null() {
                Vec::new()
            } else {
                copy_atomically(view.buf.cast::<u8>(), view.len as usize)
            };
            ffi::PyBuffer_Release(&mut view);
            v
        })
    }
}

/// The `n` bytes at `p`, each read once with an atomic load (no plain Rust slice of memory
/// another thread may write is made).
///
/// # Safety
/// `p` points to `n` bytes that stay allocated during the copy.
unsafe fn copy_atomically(p: *const u8, n: usize) -> Vec<u8> {
    (0..n)
        .map(|i| {
            // SAFETY: `p + i` is one of the `n` allocated bytes (the function's contract),
            // read with an atomic load.
            let b = unsafe { std::sync::atomic::AtomicU8::from_ptr(p.add(i).cast_mut()) };
            b.load(std::sync::atomic::Ordering::Relaxed)
        })
        .collect()
}
