//! Switching between interpreters: the GIL of one taken while the thread holds another's,
//! which is released meanwhile and taken back after. Safe code only switches through closures
//! that are `Send` ([`with_gil_of`]); the guards that switch are `unsafe`, since a guard
//! cannot keep what the thread holds of the interpreter it left out of its scope.

use std::cell::Cell;

use super::{
    BOUND_LEN, ENTRY, GilGuard, acquire_bound, acquire_interp_switching, acquire_main_or_switch,
    acquire_main_slow, holds, nested, refuse_in_collector,
};
use crate::error::{Error, Result};
use crate::key::InterpKey;
use crate::runtime::{self, lookup};

/// [`acquire`](super::acquire), switching from the interpreter whose GIL the thread holds to the one it is
/// bound to when they differ: that GIL is released and taken back when the guard is dropped.
///
/// # Errors
/// As [`acquire`](super::acquire), without [`Error::HoldsOtherGil`].
///
/// # Safety
/// While the guard lives, the caller uses nothing it holds of the interpreter whose GIL the
/// thread held before (a GIL token, a borrowed or GIL-bound handle): a switch leaves that
/// interpreter, and its objects would be used under another's GIL. (A closure that is
/// `Send`, such as [`with_interpreter`](crate::with_interpreter)'s, can hold none.)
#[inline]
pub unsafe fn acquire_switching() -> Result<GilGuard> {
    if BOUND_LEN.with(Cell::get) == 0 {
        let held = ENTRY.with(|e| e.held.get());
        if held != 0 {
            return Ok(nested(InterpKey::from_bits(held)));
        }
        return acquire_main_or_switch();
    }
    acquire_bound()
}

/// [`Error::HoldsOtherGil`] when this thread holds a GIL other than `wanted`'s (`None`: the
/// main interpreter's).
pub(super) fn refuse_switch(wanted: Option<InterpKey>) -> Result<()> {
    let held = ENTRY.with(|e| e.held.get());
    let wanted = match wanted {
        Some(k) => k.to_bits(),
        None => runtime::main_key_bits(),
    };
    if held != 0 && held != wanted {
        return Err(Error::HoldsOtherGil {
            wanted: InterpKey::from_bits(wanted).index(),
            held: InterpKey::from_bits(held).index(),
        });
    }
    Ok(())
}

/// [`acquire_main`](super::acquire_main), switching from a sub-interpreter whose GIL the thread holds.
///
/// # Errors
/// As [`acquire_main`](super::acquire_main), without [`Error::HoldsOtherGil`].
///
/// # Safety
/// As [`acquire_switching`].
#[inline]
pub unsafe fn acquire_main_switching() -> Result<GilGuard> {
    acquire_main_or_switch()
}

/// Runs `f` with the GIL of interpreter `key` held, whatever this thread holds or is bound
/// to: a thread-local check when it already holds that GIL; otherwise the GIL it holds (if
/// any) is released and taken back afterwards, as for a switch between interpreters.
///
/// For work that belongs to an object's own interpreter and must happen wherever the object
/// is (adding a reference to it, formatting an exception). `f` and its result are `Send`: what
/// only makes sense under the GIL the thread held before (a GIL token, a borrowed view) cannot
/// be used under `key`'s.
///
/// # Errors
/// [`Error::Finalized`] for a key of an earlier runtime, [`Error::Finalizing`],
/// [`Error::InterpreterEnded`].
pub fn with_gil_of<R: Send>(key: InterpKey, f: impl FnOnce() -> R + Send) -> Result<R> {
    // SAFETY: `f` is `Send`, so it holds nothing GIL-bound of the interpreter switched from.
    unsafe { with_gil_of_unchecked(key, f) }
}

thread_local! {
    /// Nonzero while this thread takes a GIL only to change a reference count
    /// ([`with_gil_of_quiet`]).
    static QUIET: Cell<u32> = const { Cell::new(0) };
}

/// Whether this thread is taking a GIL only to change a reference count: then no queued
/// reference is released and no checkpoint runs, since either may run Python code (a
/// `__del__`, a pending call), and the caller may hold a lock (a bridged container's, copying
/// out another interpreter's object).
#[inline]
pub(crate) fn quiet() -> bool {
    QUIET.with(Cell::get) != 0
}

/// [`with_gil_of_unchecked`] for `f` that only changes a reference count: the acquisition
/// releases no queued reference and runs no checkpoint (see [`quiet`]).
///
/// # Safety
/// As [`with_gil_of_unchecked`].
pub(crate) unsafe fn with_gil_of_quiet<R>(key: InterpKey, f: impl FnOnce() -> R) -> Result<R> {
    struct Loud;
    impl Drop for Loud {
        fn drop(&mut self) {
            QUIET.with(|q| q.set(q.get() - 1));
        }
    }
    QUIET.with(|q| q.set(q.get() + 1));
    let _loud = Loud;
    // SAFETY: forwarded contract.
    unsafe { with_gil_of_unchecked(key, f) }
}

/// [`with_gil_of`] without the `Send` bounds, for this crate's own work on raw pointers.
///
/// # Safety
/// As [`acquire_switching`], for `f`.
pub(crate) unsafe fn with_gil_of_unchecked<R>(key: InterpKey, f: impl FnOnce() -> R) -> Result<R> {
    if holds(key) {
        return Ok(f());
    }
    let guard = acquire_switching_to(key)?;
    let r = f();
    drop(guard);
    Ok(r)
}

#[cold]
#[inline(never)]
fn acquire_switching_to(key: InterpKey) -> Result<GilGuard> {
    refuse_in_collector()?;
    if key.generation() != runtime::generation() || key.generation() == 0 {
        return Err(Error::Finalized);
    }
    if key.is_main() {
        if key.to_bits() != runtime::main_key_bits() {
            return Err(runtime::not_running_error());
        }
        return acquire_main_slow();
    }
    let state = lookup(key).ok_or(Error::InterpreterEnded)?;
    // SAFETY: the callers take the switch on (see `with_gil_of_unchecked`).
    unsafe { acquire_interp_switching(&state) }
}
