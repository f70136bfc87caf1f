//! Calls into Rust from threads Python made, and how `finalize` waits for them.
//!
//! A thread started by Python (`threading`, `_thread`) that calls a Rust function holds the
//! GIL through CPython, not through a guard of this layer, so it is not counted as active in
//! the main interpreter the way a Rust thread inside `with_gil` is. Yet `finalize` must not run
//! `Py_FinalizeEx` while such a call is under way: CPython 3.9 to 3.13 end a thread that takes
//! the GIL after shutting down with `pthread_exit`, and that unwind would run through the
//! call's Rust frames (a detach, a stream write and a GIL switch all take the GIL back).
//! [`assume_call`] counts the call in, so `finalize` waits for it; once `finalize` has begun,
//! a call from a daemon thread (which nothing will join) is refused instead, and the thread
//! goes back to Python, where CPython ends it in its own frames.

use super::{GilGuard, Kind, assume};
use crate::active;
use libpython_ffi as ffi;

/// [`assume`] for a call that runs Rust code which may run Python (a Rust function, a method
/// or slot of a bridged object): on a thread whose hold is not nested in one of this layer's,
/// the call counts as active in the main interpreter until the guard is dropped, so that
/// `finalize` waits for it.
///
/// `None` once `finalize` has begun, when the calling thread is a daemon thread (a daemon
/// `threading.Thread`, a thread of `_thread`, or one Python did not start): Python will not
/// wait for it, so its calls into Rust are refused. A thread `threading` joins at shutdown is
/// still let in (and counted).
///
/// # Safety
/// As [`assume`]: the calling thread holds the GIL of an initialised interpreter.
pub unsafe fn assume_call() -> Option<GilGuard> {
    // SAFETY: forwarded contract.
    let mut guard = unsafe { assume() };
    let Kind::Assumed { counted, .. } = &mut guard.kind else {
        return Some(guard);
    };
    if !guard.key.is_main() {
        return Some(guard);
    }
    if active::enter_main() {
        *counted = true;
        return Some(guard);
    }
    // `finalize` has begun. The guard marks the GIL as held while Python answers (so a call
    // back into Rust from there is a nested one).
    // SAFETY: this thread holds the main GIL (the contract), marked by `guard`.
    if unsafe { current_thread_is_daemon() } {
        drop(guard);
        return None;
    }
    active::enter_main_unchecked();
    if let Kind::Assumed { counted, .. } = &mut guard.kind {
        *counted = true;
    }
    Some(guard)
}

/// Whether the calling thread is one Python does not wait for at shutdown: not a non-daemon
/// `threading.Thread` (`threading.current_thread().daemon`, which is true for threads
/// `threading` did not start). Any error (no `threading` module, a broken one) counts as a
/// daemon thread, and is cleared.
///
/// # Safety
/// The calling thread holds the GIL, with no exception pending.
unsafe fn current_thread_is_daemon() -> bool {
    // SAFETY: the GIL is held (the contract). Every new reference is released.
    unsafe {
        let name = ffi::PyUnicode_FromString(c"threading".as_ptr());
        if name.is_null() {
            ffi::PyErr_Clear();
            return true;
        }
        // A new reference, or null (no error) when the module was never imported.
        let threading = ffi::PyImport_GetModule(name);
        ffi::Py_DECREF(name);
        if threading.is_null() {
            ffi::PyErr_Clear();
            return true;
        }
        let current = ffi::PyObject_GetAttrString(threading, c"current_thread".as_ptr());
        ffi::Py_DECREF(threading);
        if current.is_null() {
            ffi::PyErr_Clear();
            return true;
        }
        let thread = ffi::PyObject_CallNoArgs(current);
        ffi::Py_DECREF(current);
        if thread.is_null() {
            ffi::PyErr_Clear();
            return true;
        }
        let daemon = ffi::PyObject_GetAttrString(thread, c"daemon".as_ptr());
        ffi::Py_DECREF(thread);
        if daemon.is_null() {
            ffi::PyErr_Clear();
            return true;
        }
        let truth = ffi::PyObject_IsTrue(daemon);
        ffi::Py_DECREF(daemon);
        if truth < 0 {
            ffi::PyErr_Clear();
            return true;
        }
        truth != 0
    }
}
