//! The thread states each thread uses, and their release when the thread exits.

use std::cell::{Cell, RefCell};
use std::sync::Arc;

use libpython_ffi as ffi;

use super::{DEPTH, MAIN_TSTATE, enter_sub, leave_sub};
use crate::active;
use crate::runtime;
use crate::state::{InterpState, RawPtr};

/// This thread's main-interpreter thread state.
#[derive(Clone, Copy)]
pub(super) struct MainState {
    /// The runtime generation it belongs to.
    pub(super) generation: u32,
    pub(super) tstate: *mut ffi::PyThreadState,
    /// Made by this layer (deleted at thread exit), or Python's own (left alone).
    pub(super) owned: bool,
}

/// Per-thread record of the thread states this thread uses.
pub(super) struct ThreadStates {
    pub(super) main: Cell<Option<MainState>>,
    /// Sub-interpreter thread states: (interpreter, thread state).
    pub(super) subs: RefCell<Vec<(Arc<InterpState>, RawPtr)>>,
}

impl Drop for ThreadStates {
    fn drop(&mut self) {
        // The thread is exiting. Release what it owns, unless the runtime it belongs to is
        // gone (then CPython freed it already) or the process is exiting from the main thread.
        MAIN_TSTATE.with(|m| m.set((0, std::ptr::null_mut())));
        if is_process_main_thread() {
            return;
        }
        // A guard kept in another thread-local, dropped after this record, still holds a GIL
        // with one of these states: taking a GIL here would wait for this very thread. The
        // states are left to CPython (deleted when their interpreter ends).
        if DEPTH.with(Cell::get) != 0 {
            return;
        }
        for (state, RawPtr(t)) in self.subs.borrow_mut().drain(..) {
            release_sub_tstate(&state, t as *mut ffi::PyThreadState);
        }
        if let Some(m) = self.main.take() {
            if !m.owned || m.generation != runtime::generation() || !active::enter_main() {
                return;
            }
            // SAFETY: the runtime this state belongs to is running and counts this thread as
            // active, so it cannot finalize meanwhile; the state is this thread's own and not
            // current. Taking the GIL with it, clearing it, and deleting it after releasing
            // the GIL is the documented sequence.
            unsafe {
                ffi::PyEval_RestoreThread(m.tstate);
                ffi::PyThreadState_Clear(m.tstate);
                ffi::PyEval_SaveThread();
                ffi::PyThreadState_Delete(m.tstate);
            }
            active::leave_main();
        }
    }
}

/// Deletes this thread's state for a sub-interpreter, if the interpreter is alive.
fn release_sub_tstate(state: &Arc<InterpState>, t: *mut ffi::PyThreadState) {
    if state.key.generation() != runtime::generation()
        || !runtime::is_running()
        || !enter_sub(state)
    {
        return;
    }
    // SAFETY: the interpreter is alive and counts this thread as a user, so it cannot end
    // meanwhile; `t` is this thread's state for it, not current anywhere. Taking its GIL with
    // it, clearing it, and deleting it after releasing the GIL is the documented sequence.
    unsafe {
        ffi::PyEval_RestoreThread(t);
        ffi::PyThreadState_Clear(t);
        ffi::PyEval_SaveThread();
        ffi::PyThreadState_Delete(t);
    }
    let me = std::thread::current().id();
    state
        .tstates
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .retain(|(id, _)| *id != me);
    leave_sub(state);
}

/// Whether the calling thread is the process's main thread, whose exit is the process's:
/// Python is left as it is then. On Linux its thread id is the process id; elsewhere, it is
/// the thread Rust names `main`.
fn is_process_main_thread() -> bool {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: both calls only read the caller's ids.
        unsafe { libc::gettid() == libc::getpid() }
    }
    #[cfg(not(target_os = "linux"))]
    {
        std::thread::current().name() == Some("main")
    }
}
