//! Calls into Rust from threads Python made, and how shutting Python down waits for them.
//!
//! A thread started by Python (`threading`, `_thread`) that calls a Rust function holds the
//! GIL through CPython, not through a guard of this layer, so `finalize`'s count of threads
//! inside the main interpreter does not see it. Yet no such thread may be inside Rust frames
//! once `Py_FinalizeEx` marks Python as finalizing: CPython 3.9 to 3.13 end a thread that
//! takes the GIL after that with `pthread_exit` (3.14 parks it), and that unwind through Rust
//! frames aborts the process. Such a thread takes the GIL back whenever Python code run from
//! Rust waits, and when a `detach` inside the call ends.
//!
//! So these calls are counted ([`FOREIGN`]), and a callback this layer registers with
//! `atexit` at start-up ([`register_shutdown_wait`]), which runs after `Py_FinalizeEx` joined
//! the threads `threading` waits for and before it marks Python finalizing, refuses new ones
//! from then on (deallocations excepted, which cannot be) and waits, with the GIL released,
//! until no counted call is left. A counted call inside `detach` is not counted while
//! it is there: when it ends after that callback began, the thread never takes the GIL back
//! and stays parked (what 3.14 does with such threads), so a daemon thread blocked in Rust
//! code does not keep Python from shutting down.

use std::cell::Cell;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};

use super::{GilGuard, Kind, assume};
use libpython_ffi as ffi;

/// Counted calls from threads Python made that are inside Rust code with the GIL held (see the
/// module).
static FOREIGN: AtomicUsize = AtomicUsize::new(0);
/// Counted calls taking the GIL back after a `detach`, between their look at [`CLOSED`] and
/// holding the GIL again.
static RESTORING: AtomicUsize = AtomicUsize::new(0);
/// The newest runtime generation whose shutdown passed the point where counted calls may no
/// longer take the GIL back (0: none).
static CLOSED: AtomicU32 = AtomicU32::new(0);

thread_local! {
    /// Counted holds of this thread (0 or 1: a counted call's guard is outermost).
    static COUNTED: Cell<u32> = const { Cell::new(0) };
}

/// [`assume`] for a call that runs Rust code which may run Python (a Rust function, a method
/// or slot of a bridged object): on a thread whose hold is not nested in one of this layer's,
/// the call is counted until the guard is dropped, so that Python does not shut down under it.
///
/// `None` once Python's shutdown has joined the threads `threading` waits for (the `atexit`
/// callback this layer registers at start-up ran): the call is refused (no Python code runs to
/// say so; the caller raises). Until then calls are let in, since a thread Python will wait
/// for may need them to finish.
///
/// # Safety
/// As [`assume`]: the calling thread holds the GIL of an initialised interpreter.
pub unsafe fn assume_call() -> Option<GilGuard> {
    // SAFETY: forwarded contract.
    let mut guard = unsafe { assume() };
    if !count(&mut guard) {
        drop(guard);
        return None;
    }
    Some(guard)
}

/// [`assume`] for a deallocation, which cannot be refused: counted as [`assume_call`] counts,
/// whatever the runtime's state.
///
/// # Safety
/// As [`assume`].
pub unsafe fn assume_counted() -> GilGuard {
    // SAFETY: forwarded contract.
    let mut guard = unsafe { assume() };
    if let Kind::Assumed { counted, .. } = &mut guard.kind
        && guard.key.is_main()
        && COUNTED.get() == 0
    {
        FOREIGN.fetch_add(1, Ordering::SeqCst);
        COUNTED.set(1);
        *counted = true;
    }
    guard
}

/// Counts `guard`'s call if it is one from a thread Python made into the main interpreter;
/// `false` if it must be refused (Python's shutdown has closed them, see the module).
fn count(guard: &mut GilGuard) -> bool {
    let Kind::Assumed { counted, .. } = &mut guard.kind else {
        return true;
    };
    if !guard.key.is_main() || COUNTED.get() != 0 {
        return true;
    }
    FOREIGN.fetch_add(1, Ordering::SeqCst);
    if CLOSED.load(Ordering::SeqCst) >= guard.key.generation() {
        FOREIGN.fetch_sub(1, Ordering::SeqCst);
        return false;
    }
    COUNTED.set(1);
    *counted = true;
    true
}

/// Gives up a counted hold (its guard is released).
pub(super) fn uncount() {
    COUNTED.set(0);
    FOREIGN.fetch_sub(1, Ordering::SeqCst);
}

/// Whether this thread's outermost hold is a counted call (`detach` treats those apart).
pub(super) fn holds_counted() -> bool {
    COUNTED.get() != 0
}

/// A counted call releasing the GIL (`detach`): not counted while it is released.
pub(super) fn leave_for_detach() {
    FOREIGN.fetch_sub(1, Ordering::SeqCst);
}

/// A counted call about to take the GIL back after a `detach`, in the runtime of
/// `generation`: marked as restoring, or, if that runtime's shutdown is past the point where
/// counted calls may take the GIL, parked for ever (see the module). Pairs with
/// [`restored`].
pub(super) fn before_restore(generation: u32) {
    RESTORING.fetch_add(1, Ordering::SeqCst);
    if closed(generation) {
        RESTORING.fetch_sub(1, Ordering::SeqCst);
        park();
    }
}

/// Whether the shutdown of the runtime of `generation` is past the point where counted calls
/// may take the GIL back.
pub(super) fn closed(generation: u32) -> bool {
    CLOSED.load(Ordering::SeqCst) >= generation
}

/// Parks the calling thread for ever (a counted call that may not take the GIL back).
pub(super) fn park() -> ! {
    tracing::debug!(target: "libpython::runtime", "a thread Python started stays parked: Python is shutting down");
    loop {
        std::thread::park();
    }
}

/// The GIL is held again after [`before_restore`]: counted again.
pub(super) fn restored() {
    FOREIGN.fetch_add(1, Ordering::SeqCst);
    RESTORING.fetch_sub(1, Ordering::SeqCst);
}

/// Registers with Python's `atexit` the callback that waits for counted calls at shutdown
/// (see the module). Called at start-up, first, so that it runs last.
///
/// # Safety
/// The calling thread holds the GIL of the main interpreter, just started.
pub(crate) unsafe fn register_shutdown_wait() {
    static DEF: SyncDef = SyncDef(ffi::PyMethodDef {
        ml_name: c"_libpython_wait_for_rust_calls".as_ptr(),
        ml_meth: ffi::PyMethodDefPointer {
            PyCFunction: shutdown_wait,
        },
        ml_flags: ffi::METH_NOARGS,
        ml_doc: std::ptr::null(),
    });
    // SAFETY: the GIL is held (the contract); every new reference is released (the tuple
    // steals the one added to `f`); a failure is reported as unraisable and leaves Python
    // without the wait.
    unsafe {
        let f = ffi::PyCFunction_NewEx(
            (&raw const DEF.0).cast_mut(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
        );
        let atexit = ffi::PyImport_ImportModule(c"atexit".as_ptr());
        let register = if atexit.is_null() {
            std::ptr::null_mut()
        } else {
            ffi::PyObject_GetAttrString(atexit, c"register".as_ptr())
        };
        let args = if f.is_null() || register.is_null() {
            std::ptr::null_mut()
        } else {
            ffi::PyTuple_New(1)
        };
        let r = if args.is_null() {
            std::ptr::null_mut()
        } else {
            ffi::Py_INCREF(f);
            ffi::PyTuple_SetItem(args, 0, f);
            ffi::PyObject_Call(register, args, std::ptr::null_mut())
        };
        if r.is_null() {
            ffi::PyErr_WriteUnraisable(std::ptr::null_mut());
        }
        ffi::Py_XDECREF(r);
        ffi::Py_XDECREF(args);
        ffi::Py_XDECREF(register);
        ffi::Py_XDECREF(atexit);
        ffi::Py_XDECREF(f);
    }
}

/// A method definition in a static (`PyMethodDef` holds raw pointers, to static strings).
struct SyncDef(ffi::PyMethodDef);
// SAFETY: the definition is never changed, and its pointers are to static data.
unsafe impl Sync for SyncDef {}

/// The `atexit` callback: refuses new counted calls and parks those that would take the GIL
/// back, then waits, with the GIL released, until no counted call is left. It runs no Rust
/// code that can panic.
unsafe extern "C" fn shutdown_wait(
    _module: *mut ffi::PyObject,
    _args: *mut ffi::PyObject,
) -> *mut ffi::PyObject {
    // Only in a shutdown `finalize` runs (not for a program calling `atexit._run_exitfuncs()`).
    if !crate::runtime::is_closing() {
        // SAFETY: the GIL is held; `None` is immortal or kept alive by the interpreter.
        return unsafe {
            let none = ffi::Py_None();
            ffi::Py_INCREF(none);
            none
        };
    }
    let generation = crate::runtime::generation();
    CLOSED.fetch_max(generation, Ordering::SeqCst);
    let busy = || FOREIGN.load(Ordering::SeqCst) != 0 || RESTORING.load(Ordering::SeqCst) != 0;
    // Done when nothing is counted while this thread holds the GIL (so no call can have begun
    // since the last look).
    while busy() {
        // SAFETY: CPython calls `atexit` callbacks with the GIL held; it is taken back before
        // the next look.
        let tstate = unsafe { ffi::PyEval_SaveThread() };
        while busy() {
            std::thread::sleep(std::time::Duration::from_micros(200));
        }
        // SAFETY: `tstate` was this thread's, current before the save above.
        unsafe { ffi::PyEval_RestoreThread(tstate) };
    }
    // SAFETY: the GIL is held; `None` is immortal or kept alive by the interpreter.
    unsafe {
        let none = ffi::Py_None();
        ffi::Py_INCREF(none);
        none
    }
}
