//! References handled from any thread: adding one to an object ([`incref`]) and giving one up
//! ([`release`]: at once under the object's GIL, else queued on its interpreter, whose next
//! GIL holder releases it; the drains are in [`gil`](crate::gil)); other releases put off to
//! an interpreter's next drain the same way ([`release_later`]).

use libpython_ffi as ffi;

use crate::decrefs::{Deferred, DeferredRun};
use crate::gil::{collecting_bits, holds, with_gil_of_quiet};
use crate::key::InterpKey;
use crate::runtime::{self, lookup};
use crate::state::InterpState;

/// `Py_INCREF` of `ptr` in the way `key` records (see [`InterpKey::counts_plain`]): a test of
/// the key, which callers usually hold in a register, instead of a load of the mode.
///
/// # Safety
/// `ptr` is a live object of interpreter `key`, whose GIL this thread holds; `key` is one
/// this crate made (a token's, or a handle's that this thread holds the GIL of).
#[inline(always)]
pub unsafe fn incref_in(ptr: *mut ffi::PyObject, key: InterpKey) {
    // SAFETY: the function's contract; keys this crate made record the mode in use.
    unsafe {
        if key.counts_plain() {
            ffi::Py_INCREF_plain(ptr)
        } else if key.counts_immortal32() {
            ffi::Py_INCREF_immortal32(ptr)
        } else {
            // The key records neither GIL-build mode: the mode in use is one of the other two
            // (free-threaded builds count the owner's references in place, others call CPython).
            ffi::Py_INCREF_biased_or_call(ptr)
        }
    }
}

/// `Py_DECREF` of `ptr` in the way `key` records (see [`incref_in`]): the GIL builds' few
/// instructions inline, the other modes out of line, so that the drop of a handle, which
/// calls this, stays small enough to be inlined where the handle dies (an out-of-line drop
/// measured 0.7 ns more per `getattr`).
///
/// # Safety
/// As [`incref_in`], and the caller gives the reference up.
#[inline(always)]
pub unsafe fn decref_in(ptr: *mut ffi::PyObject, key: InterpKey) {
    // SAFETY: the function's contract.
    unsafe { decref_by_key(ptr, key, |p| decref_other(p)) }
}

/// [`decref_in`] with every mode's own path inline (a free-threaded build's owner changes its
/// count in place): for loops that give up one reference per item, where the call
/// [`decref_in`] makes on those builds would be paid per item.
///
/// # Safety
/// As [`decref_in`].
#[inline(always)]
pub unsafe fn decref_in_loop(ptr: *mut ffi::PyObject, key: InterpKey) {
    // SAFETY: the function's contract; `Py_DECREF_biased_or_call` is right in the modes a key
    // does not record.
    unsafe { decref_by_key(ptr, key, |p| ffi::Py_DECREF_biased_or_call(p)) }
}

/// `Py_DECREF` of `ptr` in the GIL build's mode `key` records, or by `other` when it records
/// neither (the free-threaded and debug builds' modes).
///
/// # Safety
/// As [`decref_in`], and `other` gives up a reference in those modes.
#[inline(always)]
unsafe fn decref_by_key(
    ptr: *mut ffi::PyObject,
    key: InterpKey,
    other: impl FnOnce(*mut ffi::PyObject),
) {
    // SAFETY: the function's contract; keys this crate made record the mode in use.
    unsafe {
        if key.counts_plain() {
            ffi::Py_DECREF_plain(ptr)
        } else if key.counts_immortal32() {
            ffi::Py_DECREF_immortal32(ptr)
        } else {
            // As in `incref_in`.
            other(ptr)
        }
    }
}

/// [`decref_in`] for the modes a key does not record, out of line.
///
/// # Safety
/// As [`decref_in`].
#[inline(never)]
unsafe fn decref_other(ptr: *mut ffi::PyObject) {
    // SAFETY: forwarded contract.
    unsafe { ffi::Py_DECREF_biased_or_call(ptr) }
}

/// Adds a reference to `ptr`, an object of interpreter `key`, under that interpreter's GIL
/// (taken, switching from any other, when this thread does not hold it). `false` when it
/// cannot be done because the object is gone: its runtime was finalized or its interpreter
/// ended (or is being shut down); nothing was changed then.
///
/// # Safety
/// `ptr` is an object of interpreter `key` on which the caller owns a reference (so it is
/// alive while its interpreter is).
#[inline(always)]
pub unsafe fn incref(ptr: *mut ffi::PyObject, key: InterpKey) -> bool {
    if holds(key) {
        // SAFETY: the caller owns a reference; this thread holds the object's GIL, so `key`
        // is the key of a live interpreter, made by this crate.
        unsafe { incref_in(ptr, key) };
        return true;
    }
    // SAFETY: forwarded contract.
    unsafe { incref_slow(ptr, key) }
}

/// [`incref`] when this thread does not hold the object's GIL.
///
/// # Safety
/// As [`incref`].
#[cold]
#[inline(never)]
unsafe fn incref_slow(ptr: *mut ffi::PyObject, key: InterpKey) -> bool {
    // A key of no interpreter (a dead handle's) is never the collector's: its pointer may
    // name freed memory or another object.
    let collecting = collecting_bits();
    if collecting != 0 && collecting == key.to_bits() {
        // SAFETY: the collector traversing `key`'s objects runs on this thread with its GIL
        // held; the caller owns a reference. Adding one frees nothing.
        unsafe { ffi::Py_INCREF(ptr) };
        return true;
    }
    // SAFETY: the closure runs under the GIL of `key`, whose object the caller owns a
    // reference to, and uses nothing of the interpreter switched from.
    unsafe { with_gil_of_quiet(key, || ffi::Py_INCREF(ptr)) }.is_ok()
}

/// Releases a strong reference owned by a handle of interpreter `key`: at once when this
/// thread holds that interpreter's GIL, else queued on the interpreter for its next
/// acquisition. A reference of a finalized runtime or an ended interpreter is forgotten (its
/// object no longer exists).
///
/// # Safety
/// `ptr` must be a strong reference of interpreter `key` that the caller gives up.
#[inline(always)]
pub unsafe fn release(ptr: *mut ffi::PyObject, key: InterpKey) {
    if holds(key) {
        // SAFETY: the caller owns the reference; this thread holds its interpreter's GIL, so
        // `key` is the key of a live interpreter, made by this crate.
        unsafe { decref_in(ptr, key) };
    } else {
        release_slow(ptr, key);
    }
}

#[cold]
fn release_slow(ptr: *mut ffi::PyObject, key: InterpKey) {
    queue_of(key, |state| state.push_decref(ptr));
}

/// Puts `release` off to the next drain of interpreter `key`'s queue, where the thread that
/// holds its GIL calls it with [`DeferredRun::UnderGil`], as it releases the references
/// queued there. Never waits: this is for a release owed by a thread that does not hold that
/// GIL (a `Drop` on another thread, or inside a collector traversal), where waiting for the
/// GIL could wait for a thread that waits for this one.
///
/// When the interpreter has ended or its runtime is finalized (or finalizing), or ends
/// before a drain, `release` is called with [`DeferredRun::Gone`] instead (here or by the
/// thread that ends it), and must touch nothing of Python.
pub fn release_later(key: InterpKey, release: Deferred) {
    let mut release = Some(release);
    queue_of(key, |state| {
        if let Some(r) = release.take() {
            state.push_deferred(r);
        }
    });
    if let Some(r) = release {
        r.call(DeferredRun::Gone);
    }
}

/// Calls `push` with the record of interpreter `key` when it is of the running runtime and
/// has not ended (else does nothing: what would be queued is gone with it).
#[inline]
fn queue_of(key: InterpKey, push: impl FnOnce(&InterpState)) {
    if key.generation() != runtime::generation() || !runtime::is_running() {
        return;
    }
    if key.is_main() {
        // The main interpreter's record without the registry lock, and without counting in
        // as active: records are never freed, and one of an ended runtime (a `finalize` and
        // perhaps a new start-up ran since the check above) has another key, or is no longer
        // drained. A reference pushed while `finalize` runs is released by a drain before
        // `Py_FinalizeEx`, or never (as one dropped after it); a deferred release pushed then
        // is run by that drain or discarded when the record is marked ended.
        if let Some(main) = runtime::main_state()
            && main.key() == key
        {
            push(main);
        }
        return;
    }
    if let Some(state) = lookup(key)
        && !state.has_ended()
    {
        push(&state);
    }
}
