//! The methods of bridge objects, all calling [`Bridge::call_method`] with the method's
//! `&'static` name: no argument tuple, no name converted or looked up again.
//!
//! - For a bridge whose type holds its methods (see `types.rs`), the first methods of the list
//!   are CPython's own method descriptors (`METH_FASTCALL | METH_KEYWORDS`), whose function is
//!   `native_method::<I>` for the method's index `I` in the list: the calls CPython
//!   specialises best (`obj.name(...)` with no bound method in between), and what C
//!   extension types are made of. Reading `obj.name` gives CPython's bound built-in method.
//! - Past those, a method descriptor of ours (`libpython.RustMethodDescriptor`, one type per
//!   interpreter), holding the type and the name. Its type says it is a method descriptor, so
//!   Python calls `obj.name(...)` as `descriptor(obj, ...)` too; reading `obj.name` binds it.
//! - For the other bridges (whose attribute lookup asks [`Bridge::get_attr`]), `obj.name` is a
//!   bound method of ours (`libpython.RustMethod`, one type per interpreter) holding the bridge
//!   object and the name.
//!
//! Both types of ours are called by vectorcall.
//!
//! [`Bridge::get_attr`]: super::Bridge::get_attr
//! [`Bridge::methods`]: super::Bridge::methods
//! [`Bridge::call_method`]: super::Bridge::call_method

use std::ffi::{CString, c_int, c_void};
use std::sync::Mutex;

use libpython_interp::{PerInterpreter, ffi};

use super::{cell, on_cell};
use crate::err::{Error, Result};
use crate::function::{Args, trampoline_obj};
use crate::gil::Python;
use crate::object::Object;
use crate::rust_type::{
    GETSET_END, HAVE_VECTORCALL, IMMUTABLETYPE, METHOD_DESCRIPTOR, SyncTable, free_instance,
    getter, new_type, offset_member,
};

type Vectorcall = unsafe extern "C" fn(
    *mut ffi::PyObject,
    *const *mut ffi::PyObject,
    usize,
    *mut ffi::PyObject,
) -> *mut ffi::PyObject;

/// What an instance of either type holds after the object header. All zero in an instance
/// made by calling the type from Python (no vectorcall, no object): such an instance refuses
/// to be called.
#[repr(C)]
struct Fields {
    /// The type's vectorcall function; read by CPython at the type's `__vectorcalloffset__`.
    vectorcall: Option<Vectorcall>,
    /// A strong reference, NULL once cleared by the collector: the bridge object of a bound
    /// method, the bridge type of a descriptor.
    obj: *mut ffi::PyObject,
    /// The method's name, a `&'static str` of [`Bridge::methods`](super::Bridge::methods)
    /// taken apart.
    name: *const u8,
    name_len: usize,
}

/// # Safety
/// `o` is an instance of one of the two method types.
unsafe fn fields(o: *mut ffi::PyObject) -> *mut Fields {
    // SAFETY: instances are allocated with room for `Fields` after the header.
    unsafe {
        o.cast::<u8>()
            .add(libpython_interp::object_header_size())
            .cast()
    }
}

/// # Safety
/// `f` points at the fields of a live instance.
unsafe fn name(f: *const Fields) -> &'static str {
    // SAFETY: `name`/`name_len` are NULL/0 or a `&'static str` taken apart by `new_instance`.
    unsafe {
        if (*f).name.is_null() {
            return "";
        }
        std::str::from_utf8_unchecked(std::slice::from_raw_parts((*f).name, (*f).name_len))
    }
}

/// Which of the two method types.
#[derive(Clone, Copy)]
enum Which {
    Bound,
    Descriptor,
}

/// A new instance of `which`'s type holding `obj` and `name`.
///
/// # Safety
/// `py` holds its interpreter's GIL; `obj` is a live object of that interpreter (a bridge
/// instance for a bound method, a bridge type holding its methods for a descriptor).
unsafe fn new_instance(
    py: Python<'_>,
    which: Which,
    obj: *mut ffi::PyObject,
    name: &'static str,
) -> Result<Object> {
    static TYPES: [PerInterpreter; 2] = [const { PerInterpreter::new() }; 2];
    // SAFETY: `py` holds its interpreter's GIL; `make_type` returns a new reference.
    let tp = unsafe {
        TYPES[which as usize].get_or_make(py.interpreter_key(), || {
            make_type(py, which).map(Object::into_ptr)
        })?
    };
    // SAFETY: GIL held; `tp` is our type (GC, room for `Fields`); the fresh instance is zeroed,
    // so the collector (which may already see it) finds no object until `obj` is stored, with
    // the reference the instance owns.
    unsafe {
        let m = Object::from_owned_ptr_or_err(py, ffi::PyType_GenericAlloc(tp.cast(), 0))?;
        let f = fields(m.as_ptr());
        (*f).obj = Object::from_borrowed_ptr(py, obj).into_ptr();
        (*f).name = name.as_ptr();
        (*f).name_len = name.len();
        (*f).vectorcall = Some(match which {
            Which::Bound => method_vectorcall::<false>,
            Which::Descriptor => method_vectorcall::<true>,
        });
        Ok(m)
    }
}

/// `obj.name` for a name of the bridge's methods: a new bound method holding `obj`.
///
/// # Safety
/// `obj` is a live bridge instance of `py`'s interpreter, whose GIL is held.
pub(super) unsafe fn bound(
    py: Python<'_>,
    obj: *mut ffi::PyObject,
    name: &'static str,
) -> Result<Object> {
    // SAFETY: the function's contract.
    unsafe { new_instance(py, Which::Bound, obj, name) }
}

/// The descriptor of `methods[i]` for the bridge type `tp` (made for `methods`): one of
/// CPython's own method descriptors for the first [`NATIVE_METHODS`] (their calls are the
/// ones CPython specialises), ours after them.
pub(super) fn descriptor(
    py: Python<'_>,
    tp: &Object,
    methods: &'static [&'static str],
    i: usize,
) -> Result<Object> {
    if let Some(def) = native_def(methods[i], i) {
        // SAFETY: `py` holds the GIL; `tp` is a live type of its interpreter; `def` lives for
        // the rest of the process (CPython keeps pointing at it) and is never changed.
        return unsafe {
            Object::from_owned_ptr_or_err(py, ffi::PyDescr_NewMethod(tp.as_ptr().cast(), def))
        };
    }
    // SAFETY: as above (the caller made `tp` in `py`'s interpreter).
    unsafe { new_instance(py, Which::Descriptor, tp.as_ptr(), methods[i]) }
}

/// How many methods of a list get one of CPython's own method descriptors.
const NATIVE_METHODS: usize = super::OWN_FUNCTIONS;

/// The method functions of those descriptors: the `i`th calls method `i` of its object's list.
static NATIVE: [ffi::PyCFunctionFastWithKeywords; NATIVE_METHODS] = per_index!(native_method);

/// The definition (`METH_FASTCALL | METH_KEYWORDS`, function `NATIVE[i]`) of method `name`
/// at index `i`, made once for the process; `None` past [`NATIVE_METHODS`] and for a name
/// with a NUL.
fn native_def(name: &'static str, i: usize) -> Option<*mut ffi::PyMethodDef> {
    /// The name's address and length, the index.
    type Key = (usize, usize, usize);
    /// Each key with the address of its leaked definition.
    static DEFS: Mutex<Vec<(Key, usize)>> = Mutex::new(Vec::new());
    let f = *NATIVE.get(i)?;
    let key = (name.as_ptr() as usize, name.len(), i);
    // No Python code runs under this lock.
    let mut defs = DEFS.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(&(_, def)) = defs.iter().find(|(k, _)| *k == key) {
        return Some(def as *mut ffi::PyMethodDef);
    }
    let c_name = CString::new(name).ok()?;
    let def = Box::leak(Box::new(ffi::PyMethodDef {
        ml_name: c_name.into_raw(),
        ml_meth: ffi::PyMethodDefPointer {
            PyCFunctionFastWithKeywords: f,
        },
        ml_flags: ffi::METH_FASTCALL | ffi::METH_KEYWORDS,
        ml_doc: std::ptr::null(),
    })) as *mut ffi::PyMethodDef;
    defs.push((key, def as usize));
    Some(def)
}

/// Method `I` of the list its object's type was made for, called through one of CPython's
/// method descriptors: [`Bridge::call_method`](super::Bridge::call_method) with its name.
///
/// # Safety
/// Called by CPython with the GIL held, `slf` an instance of the descriptor's type (checked by
/// the descriptor: a bridge type made for a method list, the list the cells of its instances
/// record), `args` holding `nargs` positional arguments followed by one value per name in
/// `kwnames`.
unsafe extern "C" fn native_method<const I: usize>(
    slf: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargs: ffi::Py_ssize_t,
    kwnames: *mut ffi::PyObject,
) -> *mut ffi::PyObject {
    // SAFETY: see the function's contract (`slf` is held by the caller for the call).
    unsafe {
        on_cell(slf, move |py, c| {
            let Some(&name) = c.methods.get(I) else {
                return Err(Error::type_error(
                    "an object of the method's type",
                    "an object without that method",
                ));
            };
            let a = Args::from_vectorcall(py, args, nargs, kwnames);
            c.target().call_method(&a, name)
        })
    }
}

/// The method type `which` of one interpreter.
fn make_type(py: Python<'_>, which: Which) -> Result<Object> {
    static BOUND_GETSET: SyncTable<ffi::PyGetSetDef, 3> = SyncTable([
        getter(c"__name__", get_name, c"The method's name."),
        getter(c"__self__", get_obj, c"The object the method is bound to."),
        GETSET_END,
    ]);
    static DESCRIPTOR_GETSET: SyncTable<ffi::PyGetSetDef, 3> = SyncTable([
        getter(c"__name__", get_name, c"The method's name."),
        getter(
            c"__objclass__",
            get_obj,
            c"The class the method belongs to.",
        ),
        GETSET_END,
    ]);
    let header = libpython_interp::object_header_size();
    let mut members = offset_member(c"__vectorcalloffset__", header)?;
    let mut slots = vec![
        (ffi::Py_tp_dealloc, method_dealloc as *mut c_void),
        (ffi::Py_tp_traverse, method_traverse as *mut c_void),
        (ffi::Py_tp_clear, method_clear as *mut c_void),
        (ffi::Py_tp_call, ffi::PyVectorcall_Call as *mut c_void),
        (ffi::Py_tp_members, members.as_mut_ptr().cast()),
    ];
    let mut flags = ffi::Py_TPFLAGS_HAVE_GC | HAVE_VECTORCALL | IMMUTABLETYPE;
    let (name, doc) = match which {
        Which::Bound => {
            slots.extend([
                (ffi::Py_tp_repr, bound_repr as *mut c_void),
                (ffi::Py_tp_getset, BOUND_GETSET.0.as_ptr() as *mut c_void),
            ]);
            (
                c"libpython.RustMethod",
                c"A method of a Rust object, bound to it.",
            )
        }
        Which::Descriptor => {
            slots.extend([
                (ffi::Py_tp_repr, descriptor_repr as *mut c_void),
                (ffi::Py_tp_descr_get, descriptor_get as *mut c_void),
                (
                    ffi::Py_tp_getset,
                    DESCRIPTOR_GETSET.0.as_ptr() as *mut c_void,
                ),
            ]);
            flags |= METHOD_DESCRIPTOR;
            (
                c"libpython.RustMethodDescriptor",
                c"A method of the Rust objects of a type.",
            )
        }
    };
    // SAFETY: the slots point at our functions and static tables (CPython copies the members
    // it needs while making the type); the name and doc are static.
    let (t, _) = unsafe { new_type(py, name, doc, size_of::<Fields>(), flags, &slots)? };
    Ok(t)
}

/// A method object made from Python (by calling the type): it is bound to nothing.
fn unbound() -> Error {
    Error::type_error("a method of a Rust object", "an unbound RustMethod")
}

/// Calling a method: [`Bridge::call_method`](super::Bridge::call_method) with the method's
/// name, of the object a bound method holds, or for a descriptor (`DESCRIPTOR`) of `args[0]`,
/// which must be an instance of the descriptor's type (the rest are the method's arguments).
///
/// # Safety
/// Called by CPython with the GIL held, `callable` an instance of the method type this
/// function was stored in by `new_instance` (the bound method type for `false`, the
/// descriptor type for `true`), `args` holding the positional arguments counted by `nargsf`
/// followed by one value per name in `kwnames`.
unsafe extern "C" fn method_vectorcall<const DESCRIPTOR: bool>(
    callable: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargsf: usize,
    kwnames: *mut ffi::PyObject,
) -> *mut ffi::PyObject {
    // SAFETY: see the function's contract. A bound method's object is owned for the call (the
    // collector may clear the field meanwhile); it is a bridge instance of this interpreter:
    // only `bound` stores an object there, always one (its caller checked it), and the method
    // lives in the interpreter that made it. A descriptor's `args[0]` is a live object the
    // caller holds for the call, a bridge instance when its type is the descriptor's (a bridge
    // type, held by the descriptor so it cannot be another type at the same address). Either
    // way the cell borrowed from the object outlives nothing.
    unsafe {
        trampoline_obj(|py| {
            let f = fields(callable);
            let held = (*f).obj;
            let nargs = ffi::vectorcall_nargs(nargsf);
            let (obj, _keep, args, nargs) = if DESCRIPTOR {
                if nargs < 1 || held.is_null() || ffi::Py_TYPE(*args).cast() != held {
                    return Err(not_an_instance(f));
                }
                (*args, None, args.add(1), nargs - 1)
            } else {
                if held.is_null() {
                    return Err(unbound());
                }
                (held, Some(Object::from_borrowed_ptr(py, held)), args, nargs)
            };
            let c = cell(obj)?;
            let a = Args::from_vectorcall(py, args, nargs, kwnames);
            c.target().call_method(&a, name(f))
        })
    }
}

/// The error of a descriptor called without an instance of its type first.
///
/// # Safety
/// `f` points at the fields of a live descriptor.
unsafe fn not_an_instance(f: *const Fields) -> Error {
    // SAFETY: the function's contract.
    let name = unsafe { name(f) };
    Error::type_error(
        format!("an instance of the method {name}'s type as first argument"),
        "another object (or none)",
    )
}

/// `descriptor.__get__(obj, type)`: the descriptor itself when read from the type, a bound
/// method when read from an instance.
unsafe extern "C" fn descriptor_get(
    d: *mut ffi::PyObject,
    obj: *mut ffi::PyObject,
    _tp: *mut ffi::PyObject,
) -> *mut ffi::PyObject {
    // SAFETY: called by CPython with the GIL held on a live descriptor; `obj` is NULL or a
    // live object, a bridge instance when its type is the descriptor's (see
    // `method_vectorcall`).
    unsafe {
        trampoline_obj(|py| {
            let f = fields(d);
            if obj.is_null() || obj == ffi::Py_None() {
                return Ok(Object::from_borrowed_ptr(py, d));
            }
            if (*f).obj.is_null() || ffi::Py_TYPE(obj).cast() != (*f).obj {
                return Err(not_an_instance(f));
            }
            bound(py, obj, name(f))
        })
    }
}

unsafe extern "C" fn method_dealloc(o: *mut ffi::PyObject) {
    // No trampoline: nothing here is Rust code that could panic, only calls into C (the held
    // object's own deallocation, which releasing it may run, has its trampoline).
    // SAFETY: CPython deallocates an instance of our type with the GIL held: it is untracked,
    // its reference released (which may run that object's deallocation: the instance is no
    // longer reachable by then), then freed.
    unsafe {
        ffi::PyObject_GC_UnTrack(o.cast());
        method_clear(o);
        free_instance(o);
    }
}

unsafe extern "C" fn method_traverse(
    o: *mut ffi::PyObject,
    visit: ffi::visitproc,
    arg: *mut c_void,
) -> c_int {
    // SAFETY: called by the collector with the GIL held on a live instance; the held object
    // (of this interpreter, see `new_instance`) is reported to the collector's own callback.
    // No Rust code that could panic runs here.
    unsafe {
        let obj = (*fields(o)).obj;
        if obj.is_null() { 0 } else { visit(obj, arg) }
    }
}

unsafe extern "C" fn method_clear(o: *mut ffi::PyObject) -> c_int {
    // SAFETY: called with the GIL held on a live instance; the field is emptied before the
    // reference is released (a call after that refuses, see the vectorcall functions).
    unsafe {
        let obj = std::mem::replace(&mut (*fields(o)).obj, std::ptr::null_mut());
        if !obj.is_null() {
            ffi::Py_DecRef(obj);
        }
    }
    0
}

unsafe extern "C" fn bound_repr(o: *mut ffi::PyObject) -> *mut ffi::PyObject {
    // SAFETY: called by CPython with the GIL held on a live instance; the bridge object is
    // owned while its cell is read.
    unsafe {
        trampoline_obj(|py| {
            let f = fields(o);
            if (*f).obj.is_null() {
                return crate::conversion::to_object(&"<unbound RustMethod>", py);
            }
            let obj = Object::from_borrowed_ptr(py, (*f).obj);
            let c = cell(obj.as_ptr())?;
            let r = format!(
                "<bound method {}.{} of {}>",
                c.target().type_name(),
                name(f),
                c.target().repr()
            );
            drop(obj);
            crate::conversion::to_object(&r, py)
        })
    }
}

unsafe extern "C" fn descriptor_repr(o: *mut ffi::PyObject) -> *mut ffi::PyObject {
    // SAFETY: called by CPython with the GIL held on a live instance.
    unsafe {
        trampoline_obj(|py| {
            let r = format!("<method '{}' of Rust objects>", name(fields(o)));
            crate::conversion::to_object(&r, py)
        })
    }
}

unsafe extern "C" fn get_name(o: *mut ffi::PyObject, _closure: *mut c_void) -> *mut ffi::PyObject {
    // SAFETY: called by CPython with the GIL held on a live instance.
    unsafe { trampoline_obj(|py| crate::conversion::to_object(&name(fields(o)), py)) }
}

unsafe extern "C" fn get_obj(o: *mut ffi::PyObject, _closure: *mut c_void) -> *mut ffi::PyObject {
    // SAFETY: called by CPython with the GIL held on a live instance; the held object gains a
    // reference.
    unsafe {
        trampoline_obj(|py| {
            let obj = (*fields(o)).obj;
            if obj.is_null() {
                return Err(unbound());
            }
            Ok(Object::from_borrowed_ptr(py, obj))
        })
    }
}
