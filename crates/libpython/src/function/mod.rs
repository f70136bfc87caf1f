//! Rust closures as Python callables, and the trampolines every call from C into Rust goes
//! through: `trampoline_raw` (and its typed forms) for slots, `trampoline_in` for methods, and one
//! `trampoline::<R, F>` per closure type for Rust functions; all keep the same rules (stack
//! guard, GIL marked as held, errors and panics turned into Python exceptions, nothing unwinds
//! into C).

mod args;
mod trampoline;

pub use args::Args;
pub(crate) use args::with_tuple_args;
use trampoline::trampoline_in;
pub(crate) use trampoline::{
    panic_message, raise_panic, trampoline_int, trampoline_next, trampoline_obj, trampoline_obj_in,
    trampoline_ssize, trampoline_void,
};

use std::ffi::{CStr, CString, c_void};
use std::sync::atomic::{AtomicUsize, Ordering};

use libpython_interp::gil::DrainHint;
use libpython_interp::{InterpKey, PerInterpreter, ffi};

use crate::conversion::ToPython;
use crate::err::{Error, ErrorKind, Result};
use crate::gil::{Python, attach as with_gil};
use crate::object::{Bound, Object};

/// What a Python function object made from Rust owns: the closure, the interpreter it was made
/// in, and its method definition (the function object points at the definition, so they live
/// and die together, owned by the function's `self`, an instance of [`DATA_TYPE_NAME`]).
struct FunctionData<F> {
    def: ffi::PyMethodDef,
    /// The interpreter the function object belongs to (CPython only calls it there: objects
    /// are not shared between interpreters).
    key: InterpKey,
    /// `key`'s queue of references to release, checked at each call.
    hint: DrainHint,
    _name: CString,
    _doc: Option<CString>,
    f: F,
}

/// The Python name of the type of a Rust function's `self`: a small object owning the
/// function's [`FunctionData`], made by Rust only. One such type per interpreter, kept by
/// [`DATA_TYPE`].
const DATA_TYPE_NAME: &CStr = c"libpython.FunctionData";

/// The `self` type of Rust functions, one per interpreter.
static DATA_TYPE: PerInterpreter = PerInterpreter::new();

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
unsafe fn data_slots(
    obj: *mut ffi::PyObject,
) -> (*mut *mut c_void, *mut Option<unsafe fn(*mut c_void)>) {
    // SAFETY: instances are `DATA_OFFSET + 2 * size_of::<*mut c_void>()` bytes; the two
    // pointer slots follow the header (see the function's contract).
    unsafe {
        let data = obj
            .cast::<u8>()
            .add(DATA_OFFSET.load(Ordering::Relaxed))
            .cast::<*mut c_void>();
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
    // SAFETY: `py` holds its interpreter's GIL; `make_data_type` returns a new reference of it.
    unsafe { DATA_TYPE.get_or_make(py.interpreter_key(), || make_data_type(py)) }.map(|t| t.cast())
}

/// A new `self` type for Rust functions in `py`'s interpreter.
fn make_data_type(py: Python<'_>) -> Result<*mut ffi::PyObject> {
    let slots = [(ffi::Py_tp_dealloc, data_dealloc as *mut c_void)];
    // SAFETY: the one slot is this type's `tp_dealloc`.
    let (t, header) = unsafe {
        crate::rust_type::new_type(
            py,
            DATA_TYPE_NAME,
            c"The closure of a Rust function (its `__self__`).",
            2 * std::mem::size_of::<*mut c_void>(),
            0,
            &slots,
        )?
    };
    // The same for every interpreter of the loaded library.
    DATA_OFFSET.store(header, Ordering::Relaxed);
    Ok(t.into_ptr())
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
unsafe fn new_data_object(
    py: Python<'_>,
    data: *mut c_void,
    drop_fn: unsafe fn(*mut c_void),
) -> Result<Object> {
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
/// [`ErrorKind::Nul`] for a name or doc with a NUL byte.
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
    let c_name = CString::new(name).map_err(|_| {
        Error::from(ErrorKind::Nul {
            what: "function name",
            value: name.to_owned(),
        })
    })?;
    let c_doc = doc
        .map(|d| {
            CString::new(d).map_err(|_| {
                Error::from(ErrorKind::Nul {
                    what: "docstring",
                    value: d.to_owned(),
                })
            })
        })
        .transpose()?;
    let mut data = Box::new(FunctionData {
        def: ffi::PyMethodDef {
            ml_name: c_name.as_ptr(),
            ml_meth: ffi::PyMethodDefPointer {
                // SAFETY: CPython calls `ml_meth` with the signature its flags announce,
                // METH_FASTCALL | METH_KEYWORDS, which is `trampoline`'s; only the pointer's
                // type changes.
                PyCFunction: unsafe {
                    std::mem::transmute::<FastWithKeywords, ffi::PyCFunction>(
                        trampoline::<R, F> as FastWithKeywords,
                    )
                },
            },
            ml_flags: ffi::METH_FASTCALL | ffi::METH_KEYWORDS,
            ml_doc: c_doc.as_ref().map_or(std::ptr::null(), |d| d.as_ptr()),
        },
        key: py.interpreter_key(),
        hint: DrainHint::of(py.interpreter_key()),
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
    unsafe {
        Object::from_owned_ptr_or_err(
            py,
            ffi::PyCFunction_NewEx(def, slf.as_ptr(), std::ptr::null_mut()),
        )
    }
}

type FastWithKeywords = unsafe extern "C" fn(
    *mut ffi::PyObject,
    *const *mut ffi::PyObject,
    ffi::Py_ssize_t,
    *mut ffi::PyObject,
) -> *mut ffi::PyObject;

/// METH_FASTCALL | METH_KEYWORDS entry point of the Rust functions whose closure is an `F`:
/// one per closure type, so the closure is called directly (inlined), not through a pointer.
/// It keeps every rule of the C boundary (`trampoline_in`), told the function's interpreter
/// so that a call back from Python under a GIL this crate holds makes no guard.
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
    // SAFETY: `slf` is a `self` instance made by `function_in` (the function's contract); its
    // data slot holds the `FunctionData<F>` it owns, alive while `slf` is: the call owns a
    // reference to it (below) before anything runs, as a caller need not hold the function
    // (CPython calls a trace function through a borrowed pointer, and the trace function may
    // unset itself).
    let Some(data) = (unsafe { data_slots(slf).0.read().cast::<FunctionData<F>>().as_ref() })
    else {
        // SAFETY: the GIL is held; sets the exception only.
        unsafe { raise_missing_data() };
        return std::ptr::null_mut();
    };
    // Made by each path that runs it (see `trampoline_in`).
    let body = move || {
        move |py: Python<'_>| {
            // The closure lives until this reference is given up, after its last use.
            // SAFETY: `slf` is alive for the call (CPython's), and `py` is its interpreter's.
            let _keep = unsafe { Bound::from_borrowed_ptr(py, slf) };
            // SAFETY: the arguments as CPython passed them, alive for the call (the function's
            // contract).
            let a = unsafe { Args::from_vectorcall(py, args, nargs, kwnames) };
            let r = (data.f)(&a)?;
            Ok(crate::conversion::to_object(&r, py)?.into_ptr())
        }
    };
    // SAFETY: called by CPython with the GIL held, on a function of `data.key`'s interpreter
    // (the interpreter it was made in, never `NONE`), whose hint `data.hint` is.
    unsafe { trampoline_in(data.key, data.hint, std::ptr::null_mut(), body) }
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
    unsafe {
        ffi::PyErr_SetString(
            *ffi::data::PyExc_SystemError(),
            c"a Rust function without its closure".as_ptr(),
        )
    };
}
