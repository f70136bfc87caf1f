//! Lists and tuples under construction, hidden from the cycle collector until every slot is
//! filled.
//!
//! A new list or tuple starts with empty (NULL) slots and is tracked by the collector at once.
//! The conversions that fill the slots allocate, an allocation may run a collection, and a
//! collection may run Python code (`gc.callbacks`, finalizers) that finds the container through
//! `gc.get_objects()` and reads its items: a NULL item there is a crash. So the container is
//! untracked while it is filled (nothing but the code filling it refers to it) and tracked
//! again when it is whole. One dropped unfinished (a conversion failed) is released as it is:
//! deallocation skips NULL slots and untracking twice is harmless.

use libpython_interp::ffi;

use crate::err::Result;
use crate::gil::Python;
use crate::object::Object;

use super::new;

/// A new `list` or `tuple` being filled (see the module).
pub(crate) struct Filling {
    obj: Object,
    hidden: bool,
}

impl Filling {
    /// A new list of `n` empty slots.
    pub(crate) fn list(py: Python<'_>, n: ffi::Py_ssize_t) -> Result<Filling> {
        // SAFETY: GIL held; a new reference or NULL with an exception.
        Filling::new(py, unsafe { ffi::PyList_New(n) }, n)
    }

    /// A new tuple of `n` empty slots.
    pub(crate) fn tuple(py: Python<'_>, n: ffi::Py_ssize_t) -> Result<Filling> {
        // SAFETY: GIL held; a new reference or NULL with an exception.
        Filling::new(py, unsafe { ffi::PyTuple_New(n) }, n)
    }

    fn new(py: Python<'_>, p: *mut ffi::PyObject, n: ffi::Py_ssize_t) -> Result<Filling> {
        let obj = new(py, p)?;
        let hidden = n > 0;
        if hidden {
            // SAFETY: GIL held; a live container only we hold.
            unsafe { hide(obj.as_ptr()) };
        }
        Ok(Filling { obj, hidden })
    }

    /// The container, for filling its slots.
    pub(crate) fn as_ptr(&self) -> *mut ffi::PyObject {
        self.obj.as_ptr()
    }

    /// The container once every slot is filled, seen by the collector again.
    pub(crate) fn finish(self) -> Object {
        if self.hidden {
            // SAFETY: GIL held (the container is of `obj`'s interpreter, whose GIL the filling
            // code holds); `hide` untracked it and nothing tracked it since.
            unsafe { show(self.obj.as_ptr()) };
        }
        self.obj
    }
}

/// Untracks a new container whose slots are about to be filled (see the module).
///
/// # Safety
/// The GIL is held; `o` is a live, tracked list or tuple that only the caller refers to.
pub(crate) unsafe fn hide(o: *mut ffi::PyObject) {
    // SAFETY: the function's contract.
    unsafe { ffi::PyObject_GC_UnTrack(o.cast()) };
}

/// Tracks a container [`hide`] untracked, once its slots are filled.
///
/// # Safety
/// The GIL is held; `o` is live, untracked by [`hide`], and every slot is filled.
pub(crate) unsafe fn show(o: *mut ffi::PyObject) {
    // SAFETY: the function's contract.
    unsafe { ffi::PyObject_GC_Track(o.cast()) };
}
