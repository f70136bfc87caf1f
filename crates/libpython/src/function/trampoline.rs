//! The C → Rust boundary: the trampolines every call from C into Rust goes through (slots,
//! methods, iterators, destructors), each keeping the same rules: a stack guard, the GIL
//! marked as held, an `Err` turned into the Python exception and a panic into `RustPanic`,
//! nothing unwinding into C (an abort is the last line of defence).

use std::ffi::CString;
use std::panic::{AssertUnwindSafe, catch_unwind};

use libpython_interp as interp;
use libpython_interp::gil::DrainHint;
use libpython_interp::{InterpKey, PerInterpreter, ffi};

use crate::err::{Result, restore};
use crate::gil::Python;
use crate::object::Object;

/// Runs `body` for a call from C that returns an object: marks the GIL as held, converts an
/// `Err` into the Python exception and a panic into `RustPanic`, and never lets a panic
/// unwind into C.
///
/// # Safety
/// Must be called by CPython with the GIL held.
pub(crate) unsafe fn trampoline_obj(
    body: impl FnOnce(Python<'_>) -> Result<Object>,
) -> *mut ffi::PyObject {
    trampoline_raw(std::ptr::null_mut(), |py| {
        // An object of another interpreter (a `Bridge` method may return one) never reaches C.
        crate::conversion::into_python_ptr(body(py)?, py)
    })
}

/// As [`trampoline_obj`] for `tp_iternext`: `Ok(None)` is the end of the iteration (NULL with
/// no exception set, which Python reads as `StopIteration`).
///
/// # Safety
/// Must be called by CPython with the GIL held.
pub(crate) unsafe fn trampoline_next(
    body: impl FnOnce(Python<'_>) -> Result<Option<Object>>,
) -> *mut ffi::PyObject {
    trampoline_raw(std::ptr::null_mut(), |py| match body(py)? {
        Some(o) => crate::conversion::into_python_ptr(o, py),
        None => Ok(std::ptr::null_mut()),
    })
}

/// As [`trampoline_obj`] for a C function returning `int` (0 ok, -1 error).
///
/// # Safety
/// Must be called by CPython with the GIL held.
pub(crate) unsafe fn trampoline_int(
    body: impl FnOnce(Python<'_>) -> Result<std::ffi::c_int>,
) -> std::ffi::c_int {
    trampoline_raw(-1, body)
}

/// As [`trampoline_obj`] for a C function returning `Py_ssize_t` (-1 error).
///
/// # Safety
/// Must be called by CPython with the GIL held.
pub(crate) unsafe fn trampoline_ssize(
    body: impl FnOnce(Python<'_>) -> Result<ffi::Py_ssize_t>,
) -> ffi::Py_ssize_t {
    trampoline_raw(-1, body)
}

/// For destructors and other `void` entry points: panics are reported as unraisable.
pub(crate) fn trampoline_void(body: impl FnOnce()) {
    let abort = AbortOnUnwind;
    if let Err(p) = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: void entry points are called by CPython with the GIL held. Counted as calls
        // into Rust from threads Python made are (never refused: a deallocation must run).
        let g = unsafe { interp::gil::assume_counted() };
        body();
        drop(g);
    })) {
        // SAFETY: GIL held (see above); reports the panic without raising.
        unsafe {
            let msg = CString::new(panic_message(&p).replace('\0', "\\0")).unwrap_or_default();
            ffi::PyErr_SetString(*ffi::data::PyExc_RuntimeError(), msg.as_ptr());
            ffi::PyErr_WriteUnraisable(std::ptr::null_mut());
        }
    }
    std::mem::forget(abort);
}

/// The rules every call from C into Rust keeps: a stack guard, the GIL marked as held for
/// `body`, references other threads dropped meanwhile released once it succeeded (Python code
/// may run here: this is never a destructor or a collector callback), an `Err` turned into the
/// Python exception,
/// a panic into `RustPanic`, nothing unwinding into C.
fn trampoline_raw<T: Copy>(err_value: T, body: impl FnOnce(Python<'_>) -> Result<T>) -> T {
    if interp::gil::stack_nearly_exhausted() {
        // SAFETY: trampolines are called by CPython with the GIL held.
        unsafe { raise_stack_exhausted() };
        return err_value;
    }
    // SAFETY: as above.
    unsafe { trampoline_assumed(err_value, body) }
}

/// [`trampoline_obj`] for a call into Rust data that belongs to the interpreter `key` (a Rust
/// function, a method of a bridged object), whose queue `hint` names.
///
/// # Safety
/// Called by CPython with the GIL held, on an object of `key`'s interpreter; `hint` was made
/// for `key`.
#[inline(always)]
pub(crate) unsafe fn trampoline_obj_in(
    key: InterpKey,
    hint: DrainHint,
    body: impl FnOnce(Python<'_>) -> Result<Object>,
) -> *mut ffi::PyObject {
    // SAFETY: forwarded contract.
    unsafe {
        trampoline_in(key, hint, std::ptr::null_mut(), move || {
            move |py: Python<'_>| crate::conversion::into_python_ptr(body(py)?, py)
        })
    }
}

/// [`trampoline_raw`] for a call into Rust data of the interpreter `key`, whose queue `hint`
/// names. When this thread already holds that interpreter's GIL through a hold further up its
/// stack (Rust called Python, which calls back: the common case), no guard is made and CPython
/// is not asked which interpreter runs: that hold cannot end before this call returns, and
/// CPython runs the call in the data's own interpreter (its objects are only reachable
/// there), so the GIL CPython called us with is that one. The checks ([`entry`]) are one
/// thread-local read, two comparisons and one load through the hint.
///
/// `make` makes the body; each path makes its own, so that only the paths that hand it to a
/// function out of line store what it captures (a body made once before the paths split is
/// stored on every one).
///
/// # Safety
/// Called by CPython with the GIL held, on an object of `key`'s interpreter (never
/// [`InterpKey::NONE`]); `hint` was made for `key`.
#[inline(always)]
pub(crate) unsafe fn trampoline_in<T: Copy, B: FnOnce(Python<'_>) -> Result<T>>(
    key: InterpKey,
    hint: DrainHint,
    err_value: T,
    make: impl FnOnce() -> B,
) -> T {
    // SAFETY: forwarded contract.
    match unsafe { entry(key, hint) } {
        // SAFETY: `entry` gave `Nested` for `key`.
        Entry::Nested => unsafe { run_nested(key, err_value, make()) },
        // SAFETY: `entry` gave `Queued` for `key`.
        Entry::Queued => unsafe { run_queued(key, err_value, make()) },
        // SAFETY: called by CPython with the GIL held (the function's contract).
        Entry::Other => unsafe { trampoline_assumed(err_value, make()) },
        // SAFETY: as above.
        Entry::StackLow => unsafe { run_stack_low(err_value, make()) },
    }
}

/// What a call from C into Rust data of one interpreter finds on entry ([`entry`]). The
/// checks call nothing, so the fast path keeps no argument in a saved register for a call
/// made only on a slow one.
enum Entry {
    /// This thread holds the data's GIL through a hold of ours further up its stack, nothing
    /// is queued for release, the stack has room: [`run_nested`].
    Nested,
    /// As [`Nested`](Self::Nested), with references queued: [`run_queued`].
    Queued,
    /// This thread holds another GIL through us, or none: [`trampoline_assumed`].
    Other,
    /// The stack may be nearly exhausted, or its limit is not known yet on this thread:
    /// [`run_stack_low`].
    StackLow,
}

/// The checks of [`trampoline_in`], for data of interpreter `key` whose queue `hint` names.
///
/// # Safety
/// As [`trampoline_in`].
#[inline(always)]
unsafe fn entry(key: InterpKey, hint: DrainHint) -> Entry {
    if interp::gil::stack_maybe_low() {
        return Entry::StackLow;
    }
    if interp::gil::held_key() != key {
        return Entry::Other;
    }
    // SAFETY: this thread holds `key`'s GIL (above), the hint's.
    if unsafe { hint.maybe_queued() } {
        Entry::Queued
    } else {
        Entry::Nested
    }
}

/// Runs `body` for a call that found [`Entry::Nested`].
///
/// # Safety
/// [`entry`] gave [`Entry::Nested`] for `key` on this call.
#[inline(always)]
unsafe fn run_nested<T: Copy>(
    key: InterpKey,
    err_value: T,
    body: impl FnOnce(Python<'_>) -> Result<T>,
) -> T {
    guarded(err_value, move || {
        // SAFETY: this thread holds `key`'s GIL through a hold further up its stack (the
        // function's contract), which outlives the call.
        run(unsafe { Python::assume(key) }, err_value, body)
    })
}

/// [`run_nested`] for a call that found [`Entry::Queued`]: releases some queued references
/// once the body has succeeded ([`run_then_drain`]).
///
/// # Safety
/// [`entry`] gave [`Entry::Queued`] for `key` on this call.
#[cold]
#[inline(never)]
unsafe fn run_queued<T: Copy>(
    key: InterpKey,
    err_value: T,
    body: impl FnOnce(Python<'_>) -> Result<T>,
) -> T {
    guarded(err_value, move || {
        // SAFETY: as in `run_nested`; this is a call from Python, where Python code may run.
        unsafe { run_then_drain(Python::assume(key), err_value, body) }
    })
}

/// Runs `body`, then releases some references queued on `py`'s interpreter if it succeeded.
/// Never before: the body is what owns the callee (`self` of the method or function called,
/// borrowed by CPython, which calls a profile or trace function through a borrowed pointer),
/// and a queued release may run a `__del__` that drops the callee's last other reference.
/// Not after a failure either, where the raised exception would be pending while Python code
/// runs (the next call releases them).
///
/// # Safety
/// A call from Python into Rust (Python code may run here: never a destructor or a collector
/// callback), `py` the interpreter whose GIL this thread holds.
#[inline(always)]
unsafe fn run_then_drain<T: Copy>(
    py: Python<'_>,
    err_value: T,
    body: impl FnOnce(Python<'_>) -> Result<T>,
) -> T {
    match body(py) {
        Ok(v) => {
            // SAFETY: this thread holds `py`'s GIL, in a call from Python (the contract).
            unsafe { interp::gil::drain_some_of(py.interpreter_key()) };
            v
        }
        Err(e) => {
            raise_error(py, e);
            err_value
        }
    }
}

/// For a call that found [`Entry::StackLow`]: the `RecursionError` when the stack is nearly
/// exhausted, else (the limit now known) the general path.
///
/// # Safety
/// Called by CPython with the GIL held.
#[cold]
#[inline(never)]
unsafe fn run_stack_low<T: Copy>(err_value: T, body: impl FnOnce(Python<'_>) -> Result<T>) -> T {
    if interp::gil::stack_nearly_exhausted() {
        // SAFETY: the GIL is held (the function's contract).
        unsafe { raise_stack_exhausted() };
        return err_value;
    }
    // SAFETY: forwarded contract.
    unsafe { trampoline_assumed(err_value, body) }
}

/// The general path of every trampoline: the GIL must be marked as held: [`interp::gil::assume`] asks
/// CPython which interpreter runs, and the guard it returns marks that GIL as held for `body`.
///
/// # Safety
/// Called by CPython with the GIL held.
#[inline(never)]
unsafe fn trampoline_assumed<T: Copy>(
    err_value: T,
    body: impl FnOnce(Python<'_>) -> Result<T>,
) -> T {
    guarded(err_value, || {
        // SAFETY: trampolines are called by CPython with the GIL held.
        let Some(guard) = (unsafe { interp::gil::assume_call() }) else {
            // SAFETY: as above; sets the exception only.
            unsafe { raise_shutting_down() };
            return err_value;
        };
        // SAFETY: the guard marks the GIL as held for this scope; this is a call from Python
        // (trampolines are never destructors or collector callbacks).
        let out = unsafe { run_then_drain(Python::assume(guard.key()), err_value, body) };
        drop(guard);
        out
    })
}

/// Sets the exception of a call into Rust from a thread Python started, refused because
/// Python's shutdown has joined the threads it waits for (see [`interp::gil::assume_call`]).
///
/// # Safety
/// The GIL is held.
#[cold]
#[inline(never)]
unsafe fn raise_shutting_down() {
    // SAFETY: the GIL is held (the function's contract); sets the exception only.
    unsafe {
        ffi::PyErr_SetString(
            *ffi::data::PyExc_RuntimeError(),
            c"Python is shutting down: calls into Rust from threads Python started are refused"
                .as_ptr(),
        )
    };
}

/// Runs `body`, turning an `Err` into the pending Python exception and `err_value`.
#[inline(always)]
fn run<T: Copy>(py: Python<'_>, err_value: T, body: impl FnOnce(Python<'_>) -> Result<T>) -> T {
    match body(py) {
        Ok(v) => v,
        Err(e) => {
            raise_error(py, e);
            err_value
        }
    }
}

/// Runs `f`, turning a panic into `RustPanic` and `err_value`; nothing unwinds past it (a panic
/// while handling one aborts).
///
/// Called with the GIL held (by CPython, into a trampoline).
#[inline(always)]
fn guarded<T: Copy>(err_value: T, f: impl FnOnce() -> T) -> T {
    let abort = AbortOnUnwind;
    let out = match catch_unwind(AssertUnwindSafe(f)) {
        Ok(v) => v,
        Err(p) => {
            // SAFETY: GIL held (CPython called us with it); sets the exception only.
            unsafe { raise_panic(&panic_message(&p)) };
            err_value
        }
    };
    std::mem::forget(abort);
    out
}

/// Sets `e` as the pending Python exception (out of the hot path).
#[cold]
#[inline(never)]
fn raise_error(py: Python<'_>, e: crate::Error) {
    // SAFETY: the token proves the GIL is held.
    unsafe { restore(py, e) };
}

/// Aborts the process if dropped during a panic: the last line of defence against unwinding
/// into C from the error-handling code itself.
struct AbortOnUnwind;

impl Drop for AbortOnUnwind {
    fn drop(&mut self) {
        eprintln!("libpython: a panic escaped while handling an error at the C boundary; aborting");
        std::process::abort();
    }
}

pub(crate) fn panic_message(p: &Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "a Rust panic with a non-string payload".to_owned()
    }
}

/// Sets a `RustPanic` exception (a `BaseException` subclass, so `except Exception` does not
/// swallow it) with `msg`.
///
/// # Safety
/// The GIL is held.
pub(crate) unsafe fn raise_panic(msg: &str) {
    let c = CString::new(format!("Rust panic: {msg}").replace('\0', "\\0")).unwrap_or_default();
    // SAFETY: the GIL is held; the class is created once per interpreter and kept in a slot.
    unsafe {
        let cls = panic_class();
        ffi::PyErr_SetString(cls, c.as_ptr());
    }
}

/// The `RustPanic` class of each interpreter.
static PANIC_CLASS: PerInterpreter = PerInterpreter::new();

/// The `RustPanic` class of the current interpreter (made on first use; `RuntimeError` if it
/// cannot be made).
///
/// # Safety
/// The GIL is held.
unsafe fn panic_class() -> *mut ffi::PyObject {
    // SAFETY: the GIL is held.
    unsafe {
        let raw = ffi::PyInterpreterState_Get();
        let Some(state) = interp::interp_state_for_raw(raw) else {
            return *ffi::data::PyExc_RuntimeError();
        };
        let make = || {
            let cls = ffi::PyErr_NewExceptionWithDoc(
                c"libpython.RustPanic".as_ptr(),
                c"A panic in Rust code called from Python.".as_ptr(),
                *ffi::data::PyExc_BaseException(),
                std::ptr::null_mut(),
            );
            if cls.is_null() {
                ffi::PyErr_Clear();
                return Err(interp::Error::Python("RustPanic could not be made".into()));
            }
            Ok(cls)
        };
        PANIC_CLASS
            .get_or_make(state.key(), make)
            .unwrap_or_else(|_| *ffi::data::PyExc_RuntimeError())
    }
}

/// Sets the `RecursionError` of a call refused because the stack is nearly exhausted.
///
/// # Safety
/// The GIL is held.
#[cold]
#[inline(never)]
unsafe fn raise_stack_exhausted() {
    // SAFETY: the GIL is held (the function's contract); this sets the exception only.
    unsafe {
        ffi::PyErr_SetString(
            *ffi::data::PyExc_RecursionError(),
            c"maximum recursion depth exceeded: the stack is nearly exhausted (calls between Rust and Python nest too deep)".as_ptr(),
        );
    }
}
