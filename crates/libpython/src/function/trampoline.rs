//! The C → Rust boundary: the trampolines every call from C into Rust goes through (slots,
//! methods, iterators, destructors), each keeping the same rules: a stack guard, the GIL
//! marked as held, an `Err` turned into the Python exception and a panic into `RustPanic`,
//! nothing unwinding into C (an abort is the last line of defence).

use std::ffi::CString;
use std::panic::{AssertUnwindSafe, catch_unwind};

use libpython_interp as interp;
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
/// `body`, references other threads dropped meanwhile released (Python code may run here: this
/// is never a destructor or a collector callback), an `Err` turned into the Python exception,
/// a panic into `RustPanic`, nothing unwinding into C.
fn trampoline_raw<T: Copy>(err_value: T, body: impl FnOnce(Python<'_>) -> Result<T>) -> T {
    // SAFETY: forwarded: trampolines are called by CPython with the GIL held.
    unsafe { trampoline_for(None, err_value, body) }
}

/// [`trampoline_obj`] for a call into Rust data that belongs to the interpreter `key` (a Rust
/// function, a method of a bridged object).
///
/// # Safety
/// Called by CPython with the GIL held, on an object of `key`'s interpreter.
#[inline(always)]
pub(crate) unsafe fn trampoline_obj_in(
    key: InterpKey,
    body: impl FnOnce(Python<'_>) -> Result<Object>,
) -> *mut ffi::PyObject {
    // SAFETY: forwarded contract.
    unsafe {
        trampoline_for(Some(key), std::ptr::null_mut(), |py| {
            crate::conversion::into_python_ptr(body(py)?, py)
        })
    }
}

/// [`trampoline_raw`], told which interpreter the called data belongs to when the caller
/// knows. Then, when this thread already holds that interpreter's GIL through a guard further
/// up its stack (Rust called Python, which calls back: the common case), no guard is made and
/// CPython is not asked which interpreter runs: that hold cannot end before this call returns,
/// and CPython runs the call in the data's own interpreter (its objects are only reachable
/// there), so the GIL CPython called us with is that one. (`HELD` is 0 when the thread holds
/// no GIL through us, and a key is never 0: one comparison says whether this thread holds
/// `key`'s GIL.)
///
/// # Safety
/// Called by CPython with the GIL held; `key`, when given, is the interpreter of the object
/// called (never [`InterpKey::NONE`]).
#[inline(always)]
pub(crate) unsafe fn trampoline_for<T: Copy>(
    key: Option<InterpKey>,
    err_value: T,
    body: impl FnOnce(Python<'_>) -> Result<T>,
) -> T {
    if stack_nearly_exhausted() {
        // SAFETY: CPython called us with the GIL held.
        unsafe { raise_stack_exhausted() };
        return err_value;
    }
    match key {
        Some(k) if interp::gil::held_key() == k => guarded(err_value, || {
            // SAFETY: this thread holds `k`'s GIL (above), a live interpreter.
            unsafe { interp::gil::drain_some_of(k) };
            // SAFETY: as above.
            run(unsafe { Python::assume(k) }, err_value, body)
        }),
        // SAFETY: forwarded contract.
        _ => unsafe { trampoline_assumed(err_value, body) },
    }
}

/// [`trampoline_for`] when the GIL must be marked as held: [`interp::gil::assume`] asks
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
        // SAFETY: the guard marks the GIL of its interpreter as held.
        unsafe { interp::gil::drain_some_of(guard.key()) };
        // SAFETY: the guard marks the GIL as held for this scope.
        let out = run(unsafe { Python::assume(guard.key()) }, err_value, body);
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

/// Stack headroom kept for raising the error and unwinding when calls between Rust and Python
/// nest too deep for the thread's stack (each level costs Rust and C frames that Python's own
/// recursion limit does not account for).
const STACK_RESERVE: usize = 256 * 1024;

thread_local! {
    /// Lowest address this thread's stack may reach before callbacks refuse to nest deeper
    /// (`usize::MAX` until computed, so the first check takes the slow path and computes it).
    static STACK_LIMIT: std::cell::Cell<usize> = const { std::cell::Cell::new(usize::MAX) };
}

/// Whether the current thread's stack is within [`STACK_RESERVE`] of its end: one
/// thread-local load and a comparison once the limit is known.
#[inline(always)]
pub(crate) fn stack_nearly_exhausted() -> bool {
    let sp = stack_pointer();
    sp < STACK_LIMIT.with(std::cell::Cell::get) && stack_nearly_exhausted_slow(sp)
}

/// The current stack pointer: the register itself where we know its name (no local has to be
/// written to memory to take its address), else the address of a local.
#[inline(always)]
fn stack_pointer() -> usize {
    let sp: usize;
    #[cfg(target_arch = "x86_64")]
    // SAFETY: copies the stack pointer into a register; reads and writes no memory.
    unsafe {
        std::arch::asm!("mov {}, rsp", out(reg) sp, options(nomem, nostack, preserves_flags))
    };
    #[cfg(target_arch = "aarch64")]
    // SAFETY: as above.
    unsafe {
        std::arch::asm!("mov {}, sp", out(reg) sp, options(nomem, nostack, preserves_flags))
    };
    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    {
        let here = 0u8;
        sp = std::hint::black_box(std::ptr::addr_of!(here)) as usize;
    }
    sp
}

/// [`stack_nearly_exhausted`] when the limit is not computed yet or the stack is deep.
#[cold]
#[inline(never)]
fn stack_nearly_exhausted_slow(sp: usize) -> bool {
    let limit = STACK_LIMIT.with(|l| {
        if l.get() == usize::MAX {
            l.set(stack_limit());
        }
        l.get()
    });
    sp < limit
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

/// The thread's stack bottom plus the reserve, from the thread's attributes (1 when unknown,
/// which disables the check).
fn stack_limit() -> usize {
    // SAFETY: `attr` is initialised by `pthread_getattr_np` before use and destroyed after;
    // the out-pointers are valid locals.
    unsafe {
        let mut attr: libc::pthread_attr_t = std::mem::zeroed();
        if libc::pthread_getattr_np(libc::pthread_self(), &mut attr) != 0 {
            return 1;
        }
        let mut addr: *mut libc::c_void = std::ptr::null_mut();
        let mut size: libc::size_t = 0;
        let rc = libc::pthread_attr_getstack(&attr, &mut addr, &mut size);
        libc::pthread_attr_destroy(&mut attr);
        if rc != 0 || addr.is_null() {
            return 1;
        }
        (addr as usize).saturating_add(STACK_RESERVE.min(size / 4))
    }
}
