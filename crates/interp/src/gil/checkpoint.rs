//! Checkpoints of free-threaded builds: a thread that uses Python only through the C API
//! enters CPython's evaluation loop now and then, so that what other threads released of the
//! objects it made is freed.

use std::cell::Cell;

use libpython_ffi as ffi;

use super::STATES;
use crate::runtime;
use crate::state::InterpState;

thread_local! {
    /// Outermost acquisitions left before this thread's next checkpoint (free-threaded
    /// builds).
    static UNTIL_CHECKPOINT: Cell<u32> = const { Cell::new(CHECKPOINT_EVERY) };
}

/// On free-threaded builds, a thread takes a checkpoint (enters CPython's evaluation loop
/// once, see `InterpState::checkpoint`) at every this many outermost acquisitions from a
/// thread that held no GIL: what other threads released of the objects it made is freed
/// then, instead of piling up while it only uses the C API. A checkpoint costs about one call
/// of an empty Python function.
pub const CHECKPOINT_EVERY: u32 = 32;

/// Whether this outermost acquisition takes a checkpoint: never on GIL builds (one load),
/// every [`CHECKPOINT_EVERY`]th on free-threaded ones.
#[inline(always)]
pub(super) fn checkpoint_due() -> bool {
    if runtime::object_header_size() <= 16 {
        return false;
    }
    UNTIL_CHECKPOINT.with(|c| {
        let n = c.get();
        if n > 1 {
            c.set(n - 1);
            false
        } else {
            c.set(CHECKPOINT_EVERY);
            true
        }
    })
}

/// The checkpoint of a thread that has just taken the main interpreter's GIL, outermost.
/// Threads whose thread state is Python's own are left alone: one of them is the thread that
/// started Python, where signal handlers and main-thread pending calls run and must raise in
/// the program's own Python code, not here.
#[cold]
#[inline(never)]
pub(super) fn checkpoint_main() {
    if super::quiet() {
        return;
    }
    let owned = STATES.try_with(|s| s.main.get().is_some_and(|m| m.owned));
    if !owned.unwrap_or(false) {
        return;
    }
    // SAFETY: this thread holds the main GIL and counts as active, so the main record is
    // alive; it has just taken the GIL, outermost, so no exception of its code is pending
    // (checked) and no lock of this layer is held.
    unsafe {
        if !ffi::PyErr_Occurred().is_null() {
            return;
        }
        if let Some(main) = runtime::main_state() {
            main.checkpoint();
        }
    }
}

/// The checkpoint of a thread that has just taken a sub-interpreter's GIL, outermost.
#[cold]
#[inline(never)]
pub(super) fn checkpoint_sub(state: &InterpState) {
    if super::quiet() {
        return;
    }
    // SAFETY: this thread holds the interpreter's GIL and counts as its user; it has just
    // taken it, outermost, so no exception is pending (checked) and no lock of this layer is
    // held.
    unsafe {
        if ffi::PyErr_Occurred().is_null() {
            state.checkpoint();
        }
    }
}
