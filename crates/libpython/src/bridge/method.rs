//! The bound methods of bridge objects: `obj.name`, for a name of [`Bridge::methods`], is a
//! small callable of ours (`libpython.RustMethod`, one type per interpreter) that holds the
//! bridge object and the method's `&'static` name. Calling it is a vectorcall straight into
//! [`Bridge::call_method`]: no argument tuple, no name converted or looked up again.
//!
//! [`Bridge::methods`]: super::Bridge::methods
//! [`Bridge::call_method`]: super::Bridge::call_method

use std::ffi::{c_int, c_void};

use libpython_interp as interp;
use libpython_interp::{PerInterpreter, ffi};

use super::{READONLY, T_PYSSIZET, cell, slot};
use crate::err::{Error, Result};
use crate::function::{Args, trampoline_obj};
use crate::gil::Python;
use crate::object::Object;

/// `Py_TPFLAGS_HAVE_VECTORCALL`: instances are called through the function pointer at the
/// type's `__vectorcalloffset__`.
const HAVE_VECTORCALL: u64 = 1 << 11;

type Vectorcall = unsafe extern "C" fn(
    *mut ffi::PyObject,
    *const *mut ffi::PyObject,
    usize,
    *mut ffi::PyObject,
) -> *mut ffi::PyObject;

/// What an instance holds after the object header. All zero in an instance made by calling the
/// type from Python (no vectorcall, no object): such an instance refuses to be called.
#[repr(C)]
struct Fields {
    /// [`method_vectorcall`]; read by CPython at the type's `__vectorcalloffset__`.
    vectorcall: Option<Vectorcall>,
    /// The bridge object (a strong reference), NULL once cleared by the collector.
    obj: *mut ffi::PyObject,
    /// The method's name, a `&'static str` of [`Bridge::methods`](super::Bridge::methods)
    /// taken apart.
    name: *const u8,
    name_len: usize,
}

/// # Safety
/// `o` is an instance of the method type.
unsafe fn fields(o: *mut ffi::PyObject) -> *mut Fields {
    // SAFETY: instances are allocated with room for `Fields` after the header.
    unsafe { o.cast::<u8>().add(interp::object_header_size()).cast() }
}

/// # Safety
/// `f` points at the fields of a live instance.
unsafe fn name(f: *const Fields) -> &'static str {
    // SAFETY: `name`/`name_len` are NULL/0 or a `&'static str` taken apart by `bound`.
    unsafe {
        if (*f).name.is_null() {
            return "";
        }
        std::str::from_utf8_unchecked(std::slice::from_raw_parts((*f).name, (*f).name_len))
    }
}

/// `obj.name` for a name of the bridge's methods: a new method object holding `obj`.
///
/// # Safety
/// `obj` is a live bridge instance of `py`'s interpreter, whose GIL is held.
pub(super) unsafe fn bound(
    py: Python<'_>,
    obj: *mut ffi::PyObject,
    name: &'static str,
) -> Result<Object> {
    static TYPES: PerInterpreter = PerInterpreter::new();
    // SAFETY: `py` holds its interpreter's GIL; `make_method_type` returns a new reference.
    let tp = unsafe { TYPES.get_or_make(py.interpreter_key(), || make_method_type(py))? };
    // SAFETY: GIL held; `tp` is our type (GC, room for `Fields`); the fresh instance is zeroed,
    // so the collector (which may already see it) finds no object until `obj` is stored, with
    // the reference the instance owns.
    unsafe {
        let m = Object::from_owned_ptr_or_err(py, ffi::PyType_GenericAlloc(tp.cast(), 0))?;
        let f = fields(m.as_ptr());
        (*f).obj = Object::from_borrowed_ptr(py, obj).into_ptr();
        (*f).name = name.as_ptr();
        (*f).name_len = name.len();
        (*f).vectorcall = Some(method_vectorcall);
        Ok(m)
    }
}

/// The method type of one interpreter.
fn make_method_type(py: Python<'_>) -> Result<*mut ffi::PyObject> {
    struct SyncGetSet([ffi::PyGetSetDef; 3]);
    // SAFETY: immutable static data (pointers to static strings and functions), read by
    // CPython only.
    unsafe impl Sync for SyncGetSet {}
    static GETSET: SyncGetSet = SyncGetSet([
        ffi::PyGetSetDef {
            name: c"__name__".as_ptr(),
            get: Some(method_get_name),
            set: None,
            doc: c"The method's name.".as_ptr(),
            closure: std::ptr::null_mut(),
        },
        ffi::PyGetSetDef {
            name: c"__self__".as_ptr(),
            get: Some(method_get_self),
            set: None,
            doc: c"The object the method is bound to.".as_ptr(),
            closure: std::ptr::null_mut(),
        },
        ffi::PyGetSetDef {
            name: std::ptr::null(),
            get: None,
            set: None,
            doc: std::ptr::null(),
            closure: std::ptr::null_mut(),
        },
    ]);
    let header = interp::object_header_size();
    let mut members = [
        ffi::PyMemberDef {
            name: c"__vectorcalloffset__".as_ptr(),
            type_code: T_PYSSIZET,
            offset: ffi::Py_ssize_t::try_from(header)
                .map_err(|_| Error::Conversion("object header too large".into()))?,
            flags: READONLY,
            doc: std::ptr::null(),
        },
        ffi::PyMemberDef {
            name: std::ptr::null(),
            type_code: 0,
            offset: 0,
            flags: 0,
            doc: std::ptr::null(),
        },
    ];
    let basicsize = c_int::try_from(header + std::mem::size_of::<Fields>())
        .map_err(|_| Error::Conversion("object header too large".into()))?;
    let mut slots = [
        slot(ffi::Py_tp_dealloc, method_dealloc as *mut c_void),
        slot(ffi::Py_tp_traverse, method_traverse as *mut c_void),
        slot(ffi::Py_tp_clear, method_clear as *mut c_void),
        slot(ffi::Py_tp_call, ffi::PyVectorcall_Call as *mut c_void),
        slot(ffi::Py_tp_repr, method_repr as *mut c_void),
        slot(ffi::Py_tp_getset, GETSET.0.as_ptr() as *mut c_void),
        slot(ffi::Py_tp_members, members.as_mut_ptr().cast()),
        slot(
            ffi::Py_tp_doc,
            c"A method of a Rust object, bound to it.".as_ptr() as *mut c_void,
        ),
        slot(0, std::ptr::null_mut()),
    ];
    let mut spec = ffi::PyType_Spec {
        // Static: CPython keeps pointing at the name.
        name: c"libpython.RustMethod".as_ptr(),
        basicsize,
        itemsize: 0,
        flags: (ffi::Py_TPFLAGS_DEFAULT | ffi::Py_TPFLAGS_HAVE_GC | HAVE_VECTORCALL) as _,
        slots: slots.as_mut_ptr(),
    };
    // SAFETY: GIL held; the spec, slots and members are read during the call only (CPython
    // copies the members it needs; the getset table and strings are static).
    let t = unsafe { Object::from_owned_ptr_or_err(py, ffi::PyType_FromSpec(&mut spec))? };
    Ok(t.into_ptr())
}

/// A method object made from Python (by calling the type): it is bound to nothing.
fn unbound() -> Error {
    Error::type_error("a method of a Rust object", "an unbound RustMethod")
}

/// Calling the method: [`Bridge::call_method`](super::Bridge::call_method) of the object
/// with the method's name.
///
/// # Safety
/// Called by CPython with the GIL held, `callable` an instance of the method type (only
/// `bound` stores this function in one), `args` holding the positional arguments counted by
/// `nargsf` followed by one value per name in `kwnames`.
unsafe extern "C" fn method_vectorcall(
    callable: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargsf: usize,
    kwnames: *mut ffi::PyObject,
) -> *mut ffi::PyObject {
    // SAFETY: see the function's contract. The bridge object is owned for the call (so the
    // cell borrowed from it outlives nothing); it is a bridge instance of this interpreter:
    // only `bound` stores an object in the field, always one (its caller checked it), and the
    // method object lives in the interpreter that made it.
    unsafe {
        trampoline_obj(|py| {
            let f = fields(callable);
            if (*f).obj.is_null() {
                return Err(unbound());
            }
            let obj = Object::from_borrowed_ptr(py, (*f).obj);
            let c = cell(obj.as_ptr())?;
            let a = Args::from_vectorcall(py, args, ffi::vectorcall_nargs(nargsf), kwnames);
            let r = c.bridge.call_method(&a, name(f));
            drop(obj);
            r
        })
    }
}

unsafe extern "C" fn method_dealloc(o: *mut ffi::PyObject) {
    // No trampoline: nothing here is Rust code that could panic, only calls into C (the bridge
    // object's own deallocation, which releasing it may run, has its trampoline).
    // SAFETY: CPython deallocates an instance of our type with the GIL held: it is untracked,
    // its reference to the bridge object released (which may run that object's deallocation:
    // the instance is no longer reachable by then), its memory freed through the type's
    // `tp_free`, and the reference every heap-type instance holds on its type released last.
    unsafe {
        ffi::PyObject_GC_UnTrack(o.cast());
        let obj = std::mem::replace(&mut (*fields(o)).obj, std::ptr::null_mut());
        if !obj.is_null() {
            ffi::Py_DecRef(obj);
        }
        let tp = ffi::Py_TYPE(o);
        let free = ffi::PyType_GetSlot(tp, ffi::Py_tp_free);
        if !free.is_null() {
            let free: unsafe extern "C" fn(*mut c_void) = std::mem::transmute(free);
            free(o.cast());
        }
        ffi::Py_DecRef(tp.cast());
    }
}

unsafe extern "C" fn method_traverse(
    o: *mut ffi::PyObject,
    visit: ffi::visitproc,
    arg: *mut c_void,
) -> c_int {
    // SAFETY: called by the collector with the GIL held on a live instance; the bridge object
    // (of this interpreter, see `bound`) is reported to the collector's own callback. No Rust
    // code that could panic runs here.
    unsafe {
        let obj = (*fields(o)).obj;
        if obj.is_null() { 0 } else { visit(obj, arg) }
    }
}

unsafe extern "C" fn method_clear(o: *mut ffi::PyObject) -> c_int {
    // SAFETY: called by the collector with the GIL held on a live instance; the field is
    // emptied before the reference is released (a call after that refuses, see
    // `method_vectorcall`).
    unsafe {
        let obj = std::mem::replace(&mut (*fields(o)).obj, std::ptr::null_mut());
        if !obj.is_null() {
            ffi::Py_DecRef(obj);
        }
    }
    0
}

unsafe extern "C" fn method_repr(o: *mut ffi::PyObject) -> *mut ffi::PyObject {
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
                c.bridge.type_name(),
                name(f),
                c.bridge.repr()
            );
            drop(obj);
            crate::conversion::to_object(&r, py)
        })
    }
}

unsafe extern "C" fn method_get_name(
    o: *mut ffi::PyObject,
    _closure: *mut c_void,
) -> *mut ffi::PyObject {
    // SAFETY: called by CPython with the GIL held on a live instance.
    unsafe { trampoline_obj(|py| crate::conversion::to_object(&name(fields(o)), py)) }
}

unsafe extern "C" fn method_get_self(
    o: *mut ffi::PyObject,
    _closure: *mut c_void,
) -> *mut ffi::PyObject {
    // SAFETY: called by CPython with the GIL held on a live instance; the object gains a
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
