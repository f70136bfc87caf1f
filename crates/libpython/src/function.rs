//! Rust closures as Python callables, and the trampolines every call from C into Rust goes
//! through: [`trampoline_raw`] (and its typed forms) for slots and methods, and one
//! `trampoline::<R, F>` per closure type for Rust functions; all keep the same rules (stack
//! guard, GIL marked as held, errors and panics turned into Python exceptions, nothing unwinds
//! into C).

use std::ffi::{CStr, CString, c_int, c_void};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicUsize, Ordering};

use libpython_interp as interp;
use libpython_interp::{InterpKey, ffi};

use crate::conv::{FromPython, ToPython};
use crate::err::{Error, Result, restore};
use crate::gil::{Python, attach as with_gil};
use crate::object::{Borrowed, Object};

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
    /// The arguments of a vectorcall-convention call.
    ///
    /// # Safety
    /// The GIL of `py`'s interpreter is held; `args` holds `nargs` live positional arguments
    /// followed by one value per name in `kwnames` (NULL or a tuple of `str`), all kept alive
    /// by the caller for `'py`.
    pub(crate) unsafe fn from_vectorcall(
        py: Python<'py>,
        args: *const *mut ffi::PyObject,
        nargs: ffi::Py_ssize_t,
        kwnames: *mut ffi::PyObject,
    ) -> Args<'py> {
        Args { py, args, nargs: nargs.max(0) as usize, kwnames }
    }

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
    pub fn get(&self, i: usize) -> Option<Borrowed<'py, 'py>> {
        // SAFETY: `args` holds `nargs` live borrowed references for the duration of the call
        // (`'py`).
        (i < self.nargs).then(|| unsafe { Borrowed::from_ptr(self.py, *self.args.add(i)) })
    }

    /// Positional argument `i` converted to `T`.
    ///
    /// # Errors
    /// A `TypeError`-like [`Error::Type`] naming the argument when it is missing or of the
    /// wrong type.
    pub fn extract<T: FromPython>(&self, i: usize) -> Result<T> {
        match self.get(i) {
            Some(b) => T::from_python(&b).map_err(|e| argument_error(e, i)),
            None => Err(missing_argument(i, self.nargs)),
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
    pub fn kwarg(&self, name: &str) -> Option<Borrowed<'py, 'py>> {
        self.kwargs().find(|(k, _)| k == name).map(|(_, v)| v)
    }

    /// Keyword argument `name` converted to `T`, `None` when not given.
    pub fn kwarg_as<T: FromPython>(&self, name: &str) -> Result<Option<T>> {
        self.kwarg(name).map(|v| T::from_python(&v)).transpose()
    }

    /// Every keyword argument, in call order.
    pub fn kwargs(&self) -> impl Iterator<Item = (String, Borrowed<'py, 'py>)> + '_ {
        (0..self.kw_len()).map(move |i| {
            // SAFETY: the names tuple holds `kw_len` live strs, and their values follow the
            // positional arguments in `args`.
            unsafe {
                let k = Borrowed::from_ptr(self.py, ffi::PyTuple_GetItem(self.kwnames, i as ffi::Py_ssize_t));
                let v = Borrowed::from_ptr(self.py, *self.args.add(self.nargs + i));
                (crate::conv::str_to_string(&k).unwrap_or_default(), v)
            }
        })
    }
}

/// What a Python function object made from Rust owns: the closure, the interpreter it was made
/// in, and its method definition (the function object points at the definition, so they live
/// and die together, owned by the function's `self`, an instance of [`DATA_TYPE_NAME`]).
struct FunctionData<F> {
    def: ffi::PyMethodDef,
    /// The interpreter the function object belongs to (CPython only calls it there: objects
    /// are not shared between interpreters).
    key: InterpKey,
    _name: CString,
    _doc: Option<CString>,
    f: F,
}

/// The Python name of the type of a Rust function's `self`: a small object owning the
/// function's [`FunctionData`], made by Rust only. One such type per interpreter, kept in the
/// interpreter slot [`DATA_TYPE_SLOT`].
const DATA_TYPE_NAME: &CStr = c"libpython.FunctionData";

/// Name of the interpreter slot holding the `self` type of Rust functions.
const DATA_TYPE_SLOT: &str = "libpython.function.FunctionData";

/// Byte offset of the data pointer in a `self` instance: the object header size, read from
/// the running interpreter when the type is made (0 before: no instance exists then).
static DATA_OFFSET: AtomicUsize = AtomicUsize::new(0);

/// The two pointer slots after the object header of a `self` instance: the boxed
/// `FunctionData<F>` and the function that drops it (which knows `F`).
///
/// # Safety
/// `obj` is an instance of a `self` type (sized `DATA_OFFSET` plus two pointers), alive or
/// being deallocated.
#[inline(always)]
unsafe fn data_slots(obj: *mut ffi::PyObject) -> (*mut *mut c_void, *mut Option<unsafe fn(*mut c_void)>) {
    // SAFETY: instances are `DATA_OFFSET + 2 * size_of::<*mut c_void>()` bytes; the two
    // pointer slots follow the header (see the function's contract).
    unsafe {
        let data = obj.cast::<u8>().add(DATA_OFFSET.load(Ordering::Relaxed)).cast::<*mut c_void>();
        (data, data.add(1).cast::<Option<unsafe fn(*mut c_void)>>())
    }
}

/// Drops a boxed `FunctionData<F>`.
///
/// # Safety
/// `p` is a `FunctionData<F>` from `Box::into_raw`, given up by the caller.
unsafe fn drop_data<F>(p: *mut c_void) {
    // SAFETY: see the function's contract.
    drop(unsafe { Box::from_raw(p.cast::<FunctionData<F>>()) });
}

/// The `self` type of Rust functions in `py`'s interpreter (borrowed: the interpreter's state
/// owns it), made on first use.
fn data_type(py: Python<'_>) -> Result<*mut ffi::PyTypeObject> {
    let state = interp::lookup(py.interpreter_key()).ok_or(Error::Interp(interp::Error::InterpreterEnded))?;
    if let Some(t) = state.slot(DATA_TYPE_SLOT) {
        return Ok(t.cast());
    }
    // SAFETY: the GIL is held (`py`); the header size is the same for every interpreter of
    // the loaded library.
    let header = unsafe { ffi::init_object_layout() };
    DATA_OFFSET.store(header, Ordering::Relaxed);
    let basicsize = c_int::try_from(header + 2 * std::mem::size_of::<*mut c_void>())
        .map_err(|_| Error::Conversion("object header too large".into()))?;
    let mut slots = [
        ffi::PyType_Slot { slot: ffi::Py_tp_dealloc, pfunc: data_dealloc as *mut c_void },
        ffi::PyType_Slot { slot: ffi::Py_tp_new, pfunc: data_new as *mut c_void },
        ffi::PyType_Slot { slot: ffi::Py_tp_doc, pfunc: c"The closure of a Rust function (its `__self__`).".as_ptr().cast_mut().cast() },
        ffi::PyType_Slot { slot: 0, pfunc: std::ptr::null_mut() },
    ];
    let mut spec = ffi::PyType_Spec {
        // Static: CPython keeps pointing at the name.
        name: DATA_TYPE_NAME.as_ptr(),
        basicsize,
        itemsize: 0,
        flags: ffi::Py_TPFLAGS_DEFAULT as _,
        slots: slots.as_mut_ptr(),
    };
    // SAFETY: GIL held; the spec and slots are valid for the call, and everything they point
    // to that CPython keeps (name, doc, functions) is static.
    let t = unsafe { Object::from_owned_ptr_or_err(py, ffi::PyType_FromSpec(&mut spec)) }?.into_ptr();
    // SAFETY: `t` is an owned reference of this interpreter, given to its state.
    match unsafe { state.set_slot(DATA_TYPE_SLOT, t) } {
        Ok(()) => Ok(t.cast()),
        Err(existing) => {
            // Another thread made one first: use it and release ours.
            // SAFETY: our own reference; GIL held.
            unsafe { ffi::Py_DecRef(t) };
            Ok(existing.cast())
        }
    }
}

/// `tp_new` of the `self` type: refuses (instances are made by Rust only).
///
/// # Safety
/// Called by CPython with the GIL held.
unsafe extern "C" fn data_new(_tp: *mut ffi::PyTypeObject, _args: *mut ffi::PyObject, _kw: *mut ffi::PyObject) -> *mut ffi::PyObject {
    // SAFETY: the GIL is held (CPython calls tp_new with it); sets the exception only.
    unsafe {
        ffi::PyErr_SetString(
            *ffi::data::PyExc_TypeError(),
            c"libpython.FunctionData objects are made by Rust (libpython::function), not from Python".as_ptr(),
        )
    };
    std::ptr::null_mut()
}

/// `tp_dealloc` of the `self` type: drops the function's data (a panic there is reported as
/// unraisable, never unwinds into C) and frees the instance.
///
/// # Safety
/// Called by CPython once, with the GIL held, for an instance of a `self` type whose
/// reference count reached zero.
unsafe extern "C" fn data_dealloc(obj: *mut ffi::PyObject) {
    // SAFETY: see the function's contract: the slots hold our data and its drop function (or
    // NULL), taken out once; the instance is then freed by its type's `tp_free`, and the
    // reference the instance held to its (heap) type released.
    unsafe {
        let (data_slot, drop_slot) = data_slots(obj);
        let data = data_slot.replace(std::ptr::null_mut());
        let drop_fn = drop_slot.replace(None);
        if let Some(drop_fn) = drop_fn
            && !data.is_null()
        {
            trampoline_void(|| drop_fn(data));
        }
        let tp = ffi::Py_TYPE(obj);
        let free = ffi::PyType_GetSlot(tp, ffi::Py_tp_free);
        if !free.is_null() {
            let free = std::mem::transmute::<*mut c_void, ffi::freefunc>(free);
            free(obj.cast());
        }
        ffi::Py_DecRef(tp.cast());
    }
}

/// A new `self` instance owning `data` (dropped with `drop_fn` when the instance dies).
///
/// # Safety
/// `data` comes from `Box::into_raw` and `drop_fn` drops exactly that box.
unsafe fn new_data_object(py: Python<'_>, data: *mut c_void, drop_fn: unsafe fn(*mut c_void)) -> Result<Object> {
    let tp = match data_type(py) {
        Ok(tp) => tp,
        Err(e) => {
            // SAFETY: the caller gave `data` up to us.
            unsafe { drop_fn(data) };
            return Err(e);
        }
    };
    // SAFETY: GIL held; `tp` is our live heap type. The allocator zero-fills the instance and
    // takes a reference to the type; the slots are written before the object is shared.
    unsafe {
        let alloc = ffi::PyType_GetSlot(tp, ffi::Py_tp_alloc);
        let obj = if alloc.is_null() {
            ffi::PyType_GenericAlloc(tp, 0)
        } else {
            std::mem::transmute::<*mut c_void, ffi::allocfunc>(alloc)(tp, 0)
        };
        if obj.is_null() {
            drop_fn(data);
            return Err(crate::err::fetch(py));
        }
        let (data_slot, drop_slot) = data_slots(obj);
        data_slot.write(data);
        drop_slot.write(Some(drop_fn));
        Ok(Object::from_owned_ptr(py, obj))
    }
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
    let mut data = Box::new(FunctionData {
        def: ffi::PyMethodDef {
            ml_name: c_name.as_ptr(),
            ml_meth: ffi::PyMethodDefPointer {
                // SAFETY: CPython calls `ml_meth` with the signature its flags announce,
                // METH_FASTCALL | METH_KEYWORDS, which is `trampoline`'s; only the pointer's
                // type changes.
                PyCFunction: unsafe { std::mem::transmute::<FastWithKeywords, ffi::PyCFunction>(trampoline::<R, F> as FastWithKeywords) },
            },
            ml_flags: ffi::METH_FASTCALL | ffi::METH_KEYWORDS,
            ml_doc: c_doc.as_ref().map_or(std::ptr::null(), |d| d.as_ptr()),
        },
        key: py.interpreter_key(),
        _name: c_name,
        _doc: c_doc,
        f,
    });
    let def: *mut ffi::PyMethodDef = &mut data.def;
    let raw = Box::into_raw(data);
    // SAFETY: `raw` is a boxed `FunctionData<F>`, dropped by `drop_data::<F>`.
    let slf = unsafe { new_data_object(py, raw.cast(), drop_data::<F>) }?;
    // SAFETY: GIL held. The function object keeps `slf` (which owns `raw`) as its `self` and
    // points at `def` inside it, which CPython allows as long as `self` outlives the use of
    // the definition (it does: `self` is released last).
    unsafe { Object::from_owned_ptr_or_err(py, ffi::PyCFunction_NewEx(def, slf.as_ptr(), std::ptr::null_mut())) }
}

/// The error of a positional argument `i` that did not convert: a type error names the
/// argument.
#[cold]
#[inline(never)]
fn argument_error(e: Error, i: usize) -> Error {
    match e {
        Error::Type { expected, found, path } => Error::Type { expected: format!("{expected} for argument {}", i + 1), found, path },
        other => other,
    }
}

/// The error of a missing positional argument `i` when `given` were passed.
#[cold]
#[inline(never)]
fn missing_argument(i: usize, given: usize) -> Error {
    Error::type_error(format!("at least {} positional argument(s)", i + 1), format!("{given} given"))
}

type FastWithKeywords =
    unsafe extern "C" fn(*mut ffi::PyObject, *const *mut ffi::PyObject, ffi::Py_ssize_t, *mut ffi::PyObject) -> *mut ffi::PyObject;

/// METH_FASTCALL | METH_KEYWORDS entry point of the Rust functions whose closure is an `F`:
/// one per closure type, so the closure is called directly (inlined), not through a pointer.
///
/// It keeps every rule of [`trampoline_raw`] (stack guard, GIL marked as held, `Err` and
/// panics turned into Python exceptions, nothing unwinds into C), with a fast path for the
/// common case: the thread already holds the function's interpreter's GIL through this crate
/// (Rust called Python, which calls back), so no guard is needed at all.
///
/// # Safety
/// Called by CPython with the GIL held, `slf` the `self` instance made by `function_in` for an `F`,
/// `args` holding `nargs` positional arguments followed by one value per name in `kwnames`.
unsafe extern "C" fn trampoline<R, F>(
    slf: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargs: ffi::Py_ssize_t,
    kwnames: *mut ffi::PyObject,
) -> *mut ffi::PyObject
where
    R: ToPython,
    F: Fn(&Args<'_>) -> Result<R> + Send + Sync + 'static,
{
    if stack_nearly_exhausted() {
        // SAFETY: CPython called us with the GIL held.
        unsafe { raise_stack_exhausted() };
        return std::ptr::null_mut();
    }
    let abort = AbortOnUnwind;
    let r = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: `slf` is a `self` instance made by `function_in` (the function's contract);
        // its data slot holds the `FunctionData<F>` it owns, alive while the function object
        // (which CPython holds during the call) keeps `slf`.
        let Some(data) = (unsafe { data_slots(slf).0.read().cast::<FunctionData<F>>().as_ref() }) else {
            // SAFETY: the GIL is held; sets the exception only.
            unsafe { raise_missing_data() };
            return std::ptr::null_mut();
        };
        let key = data.key;
        // When this thread holds `key`'s GIL through a guard further up its stack (Rust called
        // Python, which calls back), no guard is needed: that hold cannot be released before
        // this call returns, and CPython runs the function in its own interpreter (a function
        // object is only reachable there), so the GIL CPython called us with is that one.
        // Otherwise the GIL is marked as held for the call.
        // (`HELD` is 0 when the thread holds no GIL through us, and a key is never 0: one
        // comparison says whether this thread holds `key`'s GIL.)
        let _guard;
        let py = if interp::gil::held_key() == key {
            // References other threads dropped meanwhile are released as Python runs on
            // (`assume` below does the same).
            interp::gil::drain_held_some();
            // SAFETY: this thread holds `key`'s GIL (above).
            unsafe { Python::assume(key) }
        } else {
            // SAFETY: CPython called us with the GIL held.
            _guard = unsafe { interp::gil::assume() };
            interp::gil::drain_held_some();
            // SAFETY: the guard marks the GIL as held until the end of this scope.
            unsafe { Python::assume(_guard.key()) }
        };
        // SAFETY: the arguments as CPython passed them (the function's contract).
        unsafe { call_closure(py, &data.f, args, nargs, kwnames) }
    }));
    let out = match r {
        Ok(v) => v,
        Err(p) => {
            // SAFETY: GIL held (CPython called us with it); sets the exception only.
            unsafe { raise_panic(&panic_message(&p)) };
            std::ptr::null_mut()
        }
    };
    std::mem::forget(abort);
    out
}

/// Sets the exception of a call whose `self` has no data (never happens: instances are made
/// with their data, and `tp_new` refuses).
///
/// # Safety
/// The GIL is held.
#[cold]
#[inline(never)]
unsafe fn raise_missing_data() {
    // SAFETY: the GIL is held (the function's contract); sets the exception only.
    unsafe { ffi::PyErr_SetString(*ffi::data::PyExc_SystemError(), c"a Rust function without its closure".as_ptr()) };
}

/// Calls `f` with the call's arguments and converts its result: a new reference, or NULL
/// with the Python exception set.
///
/// # Safety
/// The GIL of `py`'s interpreter is held; `args` holds `nargs` live positional arguments
/// followed by one value per name in `kwnames` (NULL or a tuple of `str`), for the call.
#[inline(always)]
unsafe fn call_closure<R, F>(
    py: Python<'_>,
    f: &F,
    args: *const *mut ffi::PyObject,
    nargs: ffi::Py_ssize_t,
    kwnames: *mut ffi::PyObject,
) -> *mut ffi::PyObject
where
    R: ToPython,
    F: Fn(&Args<'_>) -> Result<R>,
{
    let a = Args { py, args, nargs: nargs as usize, kwnames };
    let converted = match f(&a) {
        Ok(r) => crate::conv::to_object(&r, py),
        Err(e) => Err(e),
    };
    match converted {
        Ok(o) => o.into_ptr(),
        Err(e) => {
            raise_error(py, e);
            std::ptr::null_mut()
        }
    }
}

/// Sets `e` as the pending Python exception (out of the hot path).
#[cold]
#[inline(never)]
fn raise_error(py: Python<'_>, e: Error) {
    // SAFETY: the token proves the GIL is held.
    unsafe { restore(py, e) };
}

/// Runs `body` for a call from C that returns an object: marks the GIL as held, converts an
/// `Err` into the Python exception and a panic into `RustPanic`, and never lets a panic
/// unwind into C.
///
/// # Safety
/// Must be called by CPython with the GIL held.
pub(crate) unsafe fn trampoline_obj(body: impl FnOnce(Python<'_>) -> Result<Object>) -> *mut ffi::PyObject {
    trampoline_raw(std::ptr::null_mut(), |py| {
        let o = body(py)?;
        // An object of another interpreter (a `Bridge` method may return one) never reaches C.
        crate::conv::to_python_ptr(&o, py)
    })
}

/// As [`trampoline_obj`] for `tp_iternext`: `Ok(None)` is the end of the iteration (NULL with
/// no exception set, which Python reads as `StopIteration`).
///
/// # Safety
/// Must be called by CPython with the GIL held.
pub(crate) unsafe fn trampoline_next(body: impl FnOnce(Python<'_>) -> Result<Option<Object>>) -> *mut ffi::PyObject {
    trampoline_raw(std::ptr::null_mut(), |py| match body(py)? {
        Some(o) => crate::conv::to_python_ptr(&o, py),
        None => Ok(std::ptr::null_mut()),
    })
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
        // SAFETY: CPython called us with the GIL held.
        unsafe { raise_stack_exhausted() };
        return err_value;
    }
    let abort = AbortOnUnwind;
    let r = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: trampolines are called by CPython with the GIL held.
        let guard = unsafe { interp::gil::assume() };
        // A call from Python (not a destructor or a collector callback): Python code may run
        // here, so references other threads dropped meanwhile are released.
        interp::gil::drain_held_some();
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
    // SAFETY: see the function's contract. The positional items are borrowed from `args`, a
    // tuple (immutable) that the caller holds for the call. The keyword names and values are
    // owned here (`PyDict_Items` copies the pairs): the caller's dict may be changed or
    // cleared by Python code the callee runs, which must not free a value it still reads.
    unsafe {
        let n = ffi::PyTuple_Size(args) as usize;
        let mut argv: Vec<*mut ffi::PyObject> = (0..n).map(|i| ffi::PyTuple_GetItem(args, i as ffi::Py_ssize_t)).collect();
        let mut names = None;
        let mut values: Vec<Object> = Vec::new();
        if !kwargs.is_null() && ffi::PyDict_Size(kwargs) > 0 {
            let items = Object::from_owned_ptr_or_err(py, ffi::PyDict_Items(kwargs))?;
            let m = ffi::PyList_Size(items.as_ptr());
            let tuple = Object::from_owned_ptr_or_err(py, ffi::PyTuple_New(m))?;
            for i in 0..m {
                // Each pair is a tuple of the new list, which only this function holds.
                let pair = ffi::PyList_GetItem(items.as_ptr(), i);
                let k = ffi::PyTuple_GetItem(pair, 0);
                let v = ffi::PyTuple_GetItem(pair, 1);
                ffi::Py_INCREF(k);
                ffi::PyTuple_SetItem(tuple.as_ptr(), i, k);
                values.push(Object::from_borrowed_ptr(py, v));
            }
            argv.extend(values.iter().map(Object::as_ptr));
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
    /// (`usize::MAX` until computed, so the first check takes the slow path and computes it).
    static STACK_LIMIT: std::cell::Cell<usize> = const { std::cell::Cell::new(usize::MAX) };
}

/// Whether the current thread's stack is within [`STACK_RESERVE`] of its end: one
/// thread-local load and a comparison once the limit is known.
#[inline(always)]
fn stack_nearly_exhausted() -> bool {
    let here = 0u8;
    let sp = std::ptr::addr_of!(here) as usize;
    sp < STACK_LIMIT.with(std::cell::Cell::get) && stack_nearly_exhausted_slow(sp)
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
