//! Rust closures as Python callables, and the one trampoline every call from C into Rust goes
//! through.

use std::ffi::{CStr, CString};
use std::panic::{AssertUnwindSafe, catch_unwind};

use libpython_interp as interp;
use libpython_interp::ffi;

use crate::conv::{FromPython, ToPython};
use crate::err::{Error, Result, restore};
use crate::gil::{Python, with_gil};
use crate::object::{Bound, Object};

/// The arguments of a call from Python into a Rust function: positional arguments and
/// keyword arguments, borrowed from the caller (nothing is copied or allocated).
pub struct Args<'py> {
    py: Python<'py>,
    args: *const *mut ffi::PyObject,
    nargs: usize,
    kwnames: *mut ffi::PyObject,
}

impl std::fmt::Debug for Args<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Args").field("positional", &self.nargs).field("keywords", &self.kw_len()).finish()
    }
}

impl<'py> Args<'py> {
    /// The GIL token of the call.
    pub fn py(&self) -> Python<'py> {
        self.py
    }

    /// Number of positional arguments.
    pub fn len(&self) -> usize {
        self.nargs
    }

    /// Whether there are no positional arguments.
    pub fn is_empty(&self) -> bool {
        self.nargs == 0
    }

    /// Positional argument `i`.
    pub fn get(&self, i: usize) -> Option<Bound<'py>> {
        // SAFETY: `args` holds `nargs` live borrowed references for the duration of the call
        // (`'py`).
        (i < self.nargs).then(|| unsafe { Bound::from_borrowed_ptr(self.py, *self.args.add(i)) })
    }

    /// Positional argument `i` converted to `T`.
    ///
    /// # Errors
    /// A `TypeError`-like [`Error::Type`] naming the argument when it is missing or of the
    /// wrong type.
    pub fn extract<T: FromPython>(&self, i: usize) -> Result<T> {
        match self.get(i) {
            Some(b) => T::from_python(b).map_err(|e| match e {
                Error::Type { expected, found } => Error::Type { expected: format!("{expected} for argument {}", i + 1), found },
                other => other,
            }),
            None => Err(Error::Type {
                expected: format!("at least {} positional argument(s)", i + 1),
                found: format!("{} given", self.nargs),
            }),
        }
    }

    fn kw_len(&self) -> usize {
        if self.kwnames.is_null() {
            0
        } else {
            // SAFETY: a live tuple for the duration of the call.
            unsafe { ffi::PyTuple_Size(self.kwnames) as usize }
        }
    }

    /// The keyword argument `name`, if given.
    pub fn kwarg(&self, name: &str) -> Option<Bound<'py>> {
        self.kwargs().find(|(k, _)| k == name).map(|(_, v)| v)
    }

    /// Keyword argument `name` converted to `T`, `None` when not given.
    pub fn kwarg_as<T: FromPython>(&self, name: &str) -> Result<Option<T>> {
        self.kwarg(name).map(T::from_python).transpose()
    }

    /// Every keyword argument, in call order.
    pub fn kwargs(&self) -> impl Iterator<Item = (String, Bound<'py>)> + '_ {
        (0..self.kw_len()).map(move |i| {
            // SAFETY: the names tuple holds `kw_len` live strs, and their values follow the
            // positional arguments in `args`.
            unsafe {
                let k = Bound::from_borrowed_ptr(self.py, ffi::PyTuple_GetItem(self.kwnames, i as ffi::Py_ssize_t));
                let v = Bound::from_borrowed_ptr(self.py, *self.args.add(self.nargs + i));
                (crate::conv::str_to_string(k).unwrap_or_default(), v)
            }
        })
    }
}

type Callback = dyn Fn(&Args<'_>) -> Result<Object> + Send + Sync + 'static;

/// What a Python function object made from Rust owns: the closure and its method definition
/// (the function object points at the definition, so they live and die together, inside the
/// capsule that is the function's `self`).
struct FunctionData {
    def: ffi::PyMethodDef,
    _name: CString,
    _doc: Option<CString>,
    f: Box<Callback>,
}

/// Capsules of Rust functions have no name: `PyCapsule_GetPointer` then compares pointers
/// instead of strings on every call. A capsule is only reachable as the `self` of our own
/// function objects, whose `ml_meth` is our trampoline.
const CAPSULE_NAME: Option<&CStr> = None;

fn capsule_name() -> *const std::ffi::c_char {
    CAPSULE_NAME.map_or(std::ptr::null(), CStr::as_ptr)
}

/// Makes a Python callable from a Rust closure. The closure gets the call's [`Args`]
/// (positional and keyword) and returns any convertible value; an `Err` becomes a Python
/// exception, and a panic becomes a `RustPanic` exception carrying the panic message — it
/// never unwinds into Python.
///
/// ```
/// use libpython::{Args, Object};
/// let scale = libpython::function("scale", Some("Multiply x by factor (default 2)."), |a: &Args<'_>| {
///     let x: f64 = a.extract(0)?;
///     let factor: f64 = a.kwarg_as("factor")?.unwrap_or(2.0);
///     Ok(x * factor)
/// })?;
/// let r: f64 = libpython::call!(scale, 1.5, factor = 4.0)?.extract()?;
/// assert_eq!(r, 6.0);
/// assert_eq!(scale.getattr("__name__")?.extract::<String>()?, "scale");
/// # Ok::<(), libpython::Error>(())
/// ```
///
/// # Errors
/// [`Error::Nul`] for a name or doc with a NUL byte.
pub fn function<R, F>(name: &str, doc: Option<&str>, f: F) -> Result<Object>
where
    R: ToPython,
    F: Fn(&Args<'_>) -> Result<R> + Send + Sync + 'static,
{
    with_gil(|py| function_in(py, name, doc, f))
}

/// [`function`] under a held GIL.
pub fn function_in<R, F>(py: Python<'_>, name: &str, doc: Option<&str>, f: F) -> Result<Object>
where
    R: ToPython,
    F: Fn(&Args<'_>) -> Result<R> + Send + Sync + 'static,
{
    let c_name = CString::new(name).map_err(|_| Error::Nul { what: "function name", value: name.to_owned() })?;
    let c_doc = doc
        .map(|d| CString::new(d).map_err(|_| Error::Nul { what: "docstring", value: d.to_owned() }))
        .transpose()?;
    let f: Box<Callback> = Box::new(move |a: &Args<'_>| f(a)?.to_python(a.py));
    let mut data = Box::new(FunctionData {
        def: ffi::PyMethodDef {
            ml_name: c_name.as_ptr(),
            ml_meth: ffi::PyMethodDefPointer {
                // SAFETY: CPython calls `ml_meth` with the signature its flags announce,
                // METH_FASTCALL | METH_KEYWORDS, which is `trampoline`'s; only the pointer's
                // type changes.
                PyCFunction: unsafe {
                    std::mem::transmute::<FastWithKeywords, ffi::PyCFunction>(trampoline as FastWithKeywords)
                },
            },
            ml_flags: ffi::METH_FASTCALL | ffi::METH_KEYWORDS,
            ml_doc: c_doc.as_ref().map_or(std::ptr::null(), |d| d.as_ptr()),
        },
        _name: c_name,
        _doc: c_doc,
        f,
    });
    let def: *mut ffi::PyMethodDef = &mut data.def;
    let raw = Box::into_raw(data);
    // SAFETY: GIL held. The capsule owns `raw` (freed by `drop_function`); the function object
    // keeps the capsule as its `self` and points at `def` inside it, which CPython allows as
    // long as `self` outlives the use of the definition (it does: `self` is released last).
    unsafe {
        let capsule = ffi::PyCapsule_New(raw.cast(), capsule_name(), Some(drop_function));
        if capsule.is_null() {
            drop(Box::from_raw(raw));
            return Err(crate::err::fetch(py));
        }
        let capsule = Object::from_owned_ptr(py, capsule);
        Object::from_owned_ptr_or_err(py, ffi::PyCFunction_NewEx(def, capsule.as_ptr(), std::ptr::null_mut()))
    }
}

type FastWithKeywords =
    unsafe extern "C" fn(*mut ffi::PyObject, *const *mut ffi::PyObject, ffi::Py_ssize_t, *mut ffi::PyObject) -> *mut ffi::PyObject;

unsafe extern "C" fn drop_function(capsule: *mut ffi::PyObject) {
    trampoline_void(|| {
        // SAFETY: CPython calls this once, with the GIL held, when the capsule dies; its
        // pointer is the `FunctionData` boxed by `function_in`.
        unsafe {
            let p = ffi::PyCapsule_GetPointer(capsule, capsule_name());
            if !p.is_null() {
                drop(Box::from_raw(p.cast::<FunctionData>()));
            }
        }
    });
}

/// METH_FASTCALL | METH_KEYWORDS entry point of every Rust function.
unsafe extern "C" fn trampoline(
    slf: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargs: ffi::Py_ssize_t,
    kwnames: *mut ffi::PyObject,
) -> *mut ffi::PyObject {
    // SAFETY: CPython calls this with the GIL held, `slf` our capsule, `args` holding `nargs`
    // positional arguments followed by one value per name in `kwnames`.
    unsafe { trampoline_obj(|py| {
        let data = ffi::PyCapsule_GetPointer(slf, capsule_name()).cast::<FunctionData>();
        if data.is_null() {
            return Err(crate::err::fetch(py));
        }
        let a = Args { py, args, nargs: nargs as usize, kwnames };
        ((*data).f)(&a)
    }) }
}

/// Runs `body` for a call from C that returns an object: marks the GIL as held, converts an
/// `Err` into the Python exception and a panic into `RustPanic`, and never lets a panic
/// unwind into C.
///
/// # Safety
/// Must be called by CPython with the GIL held.
pub(crate) unsafe fn trampoline_obj(body: impl FnOnce(Python<'_>) -> Result<Object>) -> *mut ffi::PyObject {
    trampoline_raw(std::ptr::null_mut(), |py| body(py).map(Object::into_ptr))
}

/// As [`trampoline_obj`] for a C function returning `int` (0 ok, -1 error).
///
/// # Safety
/// Must be called by CPython with the GIL held.
pub(crate) unsafe fn trampoline_int(body: impl FnOnce(Python<'_>) -> Result<std::ffi::c_int>) -> std::ffi::c_int {
    trampoline_raw(-1, body)
}

/// As [`trampoline_obj`] for a C function returning `Py_ssize_t` (-1 error).
///
/// # Safety
/// Must be called by CPython with the GIL held.
pub(crate) unsafe fn trampoline_ssize(body: impl FnOnce(Python<'_>) -> Result<ffi::Py_ssize_t>) -> ffi::Py_ssize_t {
    trampoline_raw(-1, body)
}

/// For destructors and other `void` entry points: panics are reported as unraisable.
pub(crate) fn trampoline_void(body: impl FnOnce()) {
    let abort = AbortOnUnwind;
    if let Err(p) = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: void entry points are called by CPython with the GIL held.
        let g = unsafe { interp::gil::assume() };
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

fn trampoline_raw<T: Copy>(err_value: T, body: impl FnOnce(Python<'_>) -> Result<T>) -> T {
    if stack_nearly_exhausted() {
        // SAFETY: CPython called us with the GIL held; this sets the exception only.
        unsafe {
            ffi::PyErr_SetString(
                *ffi::data::PyExc_RecursionError(),
                c"maximum recursion depth exceeded: the stack is nearly exhausted (calls between Rust and Python nest too deep)".as_ptr(),
            );
        }
        return err_value;
    }
    let abort = AbortOnUnwind;
    let r = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: trampolines are called by CPython with the GIL held.
        let guard = unsafe { interp::gil::assume() };
        // SAFETY: the guard marks the GIL as held for this scope.
        let py = unsafe { Python::assume(guard.key()) };
        let out = match body(py) {
            Ok(v) => v,
            Err(e) => {
                // SAFETY: GIL held.
                unsafe { restore(py, e) };
                err_value
            }
        };
        drop(guard);
        out
    }));
    let out = match r {
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

/// Aborts the process if dropped during a panic: the last line of defence against unwinding
/// into C from the error-handling code itself.
struct AbortOnUnwind;

impl Drop for AbortOnUnwind {
    fn drop(&mut self) {
        eprintln!("libpython: a panic escaped while handling an error at the C boundary; aborting");
        std::process::abort();
    }
}

fn panic_message(p: &Box<dyn std::any::Any + Send>) -> String {
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
unsafe fn raise_panic(msg: &str) {
    let c = CString::new(format!("Rust panic: {msg}").replace('\0', "\\0")).unwrap_or_default();
    // SAFETY: the GIL is held; the class is created once per interpreter and kept in a slot.
    unsafe {
        let cls = panic_class();
        ffi::PyErr_SetString(cls, c.as_ptr());
    }
}

/// The `RustPanic` class of the current interpreter (made on first use).
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
        if let Some(c) = state.slot("RustPanic") {
            return c;
        }
        let cls = ffi::PyErr_NewExceptionWithDoc(
            c"libpython.RustPanic".as_ptr(),
            c"A panic in Rust code called from Python.".as_ptr(),
            *ffi::data::PyExc_BaseException(),
            std::ptr::null_mut(),
        );
        if cls.is_null() {
            ffi::PyErr_Clear();
            return *ffi::data::PyExc_RuntimeError();
        }
        match state.set_slot("RustPanic", cls) {
            Ok(()) => cls,
            Err(existing) => {
                ffi::Py_DecRef(cls);
                existing
            }
        }
    }
}

/// Calls `f` with the arguments of a classic `tp_call` (a tuple and an optional dict),
/// arranged as vectorcall-style [`Args`].
///
/// # Safety
/// The GIL is held; `args` is a tuple and `kwargs` NULL or a dict.
pub(crate) unsafe fn with_tuple_args<R>(
    py: Python<'_>,
    args: *mut ffi::PyObject,
    kwargs: *mut ffi::PyObject,
    f: impl FnOnce(&Args<'_>) -> Result<R>,
) -> Result<R> {
    // SAFETY: see the function's contract; the borrowed items stay alive in `args` and
    // `kwargs` for the call, and the keyword names tuple is owned here.
    unsafe {
        let n = ffi::PyTuple_Size(args) as usize;
        let mut argv: Vec<*mut ffi::PyObject> = (0..n).map(|i| ffi::PyTuple_GetItem(args, i as ffi::Py_ssize_t)).collect();
        let mut names = None;
        if !kwargs.is_null() && ffi::PyDict_Size(kwargs) > 0 {
            let keys = Object::from_owned_ptr_or_err(py, ffi::PyDict_Keys(kwargs))?;
            let tuple = Object::from_owned_ptr_or_err(py, ffi::PySequence_Tuple(keys.as_ptr()))?;
            for i in 0..ffi::PyTuple_Size(tuple.as_ptr()) {
                argv.push(ffi::PyDict_GetItem(kwargs, ffi::PyTuple_GetItem(tuple.as_ptr(), i)));
            }
            names = Some(tuple);
        }
        let a = Args { py, args: argv.as_ptr(), nargs: n, kwnames: names.as_ref().map_or(std::ptr::null_mut(), Object::as_ptr) };
        f(&a)
    }
}

/// Stack headroom kept for raising the error and unwinding when calls between Rust and Python
/// nest too deep for the thread's stack (each level costs Rust and C frames that Python's own
/// recursion limit does not account for).
const STACK_RESERVE: usize = 256 * 1024;

thread_local! {
    /// Lowest address this thread's stack may reach before callbacks refuse to nest deeper
    /// (0 until computed).
    static STACK_LIMIT: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Whether the current thread's stack is within [`STACK_RESERVE`] of its end.
#[inline]
fn stack_nearly_exhausted() -> bool {
    let here = 0u8;
    let sp = std::ptr::addr_of!(here) as usize;
    let limit = STACK_LIMIT.with(|l| {
        if l.get() == 0 {
            l.set(stack_limit());
        }
        l.get()
    });
    sp < limit
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
