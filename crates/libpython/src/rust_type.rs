//! Python types whose instances only Rust makes (the arrays shared with Python, the `self` of
//! Rust functions, bridges and their methods): [`new_type`] makes one for an interpreter, with
//! [`refuse_new`] as its `tp_new`; the tables and flags such types are made of, and the last
//! step of their instances' deallocation ([`free_instance`]).

use std::ffi::{CStr, c_int, c_void};

use libpython_interp::ffi;

use crate::err::{Error, Result};
use crate::gil::Python;
use crate::object::Object;

/// A new heap type of `py`'s interpreter named `name` and documented by `doc`, whose instances
/// are the object header followed by `payload` bytes, with `slots` (slot number and function
/// or table), `flags` beside `Py_TPFLAGS_DEFAULT` and [`refuse_new`] as its `tp_new`. Returns the type and the size of the object
/// header, which is where the payload starts.
///
/// # Safety
/// Every pointer of `slots` is what its slot number expects, and it stays valid for the life
/// of the process (a function, a static table), as `name` and `doc` do: CPython keeps them.
pub(crate) unsafe fn new_type(
    py: Python<'_>,
    name: &'static CStr,
    doc: &'static CStr,
    payload: usize,
    flags: u64,
    slots: &[(c_int, *mut c_void)],
) -> Result<(Object, usize)> {
    // SAFETY: the GIL is held (`py`); the header size is the same for every interpreter of the
    // loaded library.
    let header = unsafe { ffi::init_object_layout() };
    let basicsize = c_int::try_from(header + payload)
        .map_err(|_| Error::conversion("object header too large"))?;
    let fixed = [
        (ffi::Py_tp_new, refuse_new as *mut c_void),
        (ffi::Py_tp_doc, doc.as_ptr().cast_mut().cast()),
        (0, std::ptr::null_mut()),
    ];
    let mut slots: Vec<ffi::PyType_Slot> = slots
        .iter()
        .chain(&fixed)
        .map(|&(slot, pfunc)| ffi::PyType_Slot { slot, pfunc })
        .collect();
    let mut spec = ffi::PyType_Spec {
        name: name.as_ptr(),
        basicsize,
        itemsize: 0,
        flags: (ffi::Py_TPFLAGS_DEFAULT | flags) as _,
        slots: slots.as_mut_ptr(),
    };
    // SAFETY: GIL held; the spec and slots are valid for the call (ended by the zero slot), and
    // everything they point to that CPython keeps is static (see the function's contract).
    let t = unsafe { Object::from_owned_ptr_or_err(py, ffi::PyType_FromSpec(&mut spec))? };
    Ok((t, header))
}

/// `tp_new` of the types of [`new_type`]: refuses with a `TypeError` naming the type, since
/// their instances are made by Rust only.
///
/// # Safety
/// Called by CPython with the GIL held and a live type.
unsafe extern "C" fn refuse_new(
    tp: *mut ffi::PyTypeObject,
    _args: *mut ffi::PyObject,
    _kw: *mut ffi::PyObject,
) -> *mut ffi::PyObject {
    // SAFETY: the GIL is held (CPython calls tp_new with it); `%R` formats the live type `tp`
    // with its `repr`; the call only sets the exception (a failure to format sets another).
    unsafe {
        (ffi::api().PyErr_Format)(
            *ffi::data::PyExc_TypeError(),
            c"cannot create %R instances from Python: they are made by Rust".as_ptr(),
            tp,
        )
    };
    std::ptr::null_mut()
}

/// `Py_TPFLAGS_HAVE_VECTORCALL`: instances are called through the function pointer at the
/// type's `__vectorcalloffset__`.
pub(crate) const HAVE_VECTORCALL: u64 = 1 << 11;
/// `Py_TPFLAGS_IMMUTABLETYPE` (3.10+; an unused bit before): the type's attributes cannot be
/// set. Python specialises attribute lookups that find instances of such types only.
pub(crate) const IMMUTABLETYPE: u64 = 1 << 8;
/// `Py_TPFLAGS_METHOD_DESCRIPTOR`: instances found on a type are methods that Python may call
/// with the object as first argument instead of binding them first.
pub(crate) const METHOD_DESCRIPTOR: u64 = 1 << 17;

/// `PyMemberDef` type code of a `Py_ssize_t` field (`Py_T_PYSSIZET`).
const T_PYSSIZET: c_int = 19;
/// `PyMemberDef` flag of a read-only field (`Py_READONLY`).
const READONLY: c_int = 1;

/// The member table of a type that tells CPython where one of its special fields is (for
/// instance `__vectorcalloffset__` or `__weaklistoffset__`), ended by the sentinel. CPython
/// copies what it needs from it while making the type.
pub(crate) fn offset_member(name: &'static CStr, offset: usize) -> Result<[ffi::PyMemberDef; 2]> {
    Ok([
        ffi::PyMemberDef {
            name: name.as_ptr(),
            type_code: T_PYSSIZET,
            offset: ffi::Py_ssize_t::try_from(offset)
                .map_err(|_| Error::conversion("object header too large"))?,
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
    ])
}

/// A read-only attribute computed by `get`.
pub(crate) const fn getter(
    name: &'static CStr,
    get: ffi::getter,
    doc: &'static CStr,
) -> ffi::PyGetSetDef {
    ffi::PyGetSetDef {
        name: name.as_ptr(),
        get: Some(get),
        set: None,
        doc: doc.as_ptr(),
        closure: std::ptr::null_mut(),
    }
}

/// The end of a getter table.
pub(crate) const GETSET_END: ffi::PyGetSetDef = ffi::PyGetSetDef {
    name: std::ptr::null(),
    get: None,
    set: None,
    doc: std::ptr::null(),
    closure: std::ptr::null_mut(),
};

/// A static table CPython reads (methods, getters).
pub(crate) struct SyncTable<T, const N: usize>(pub(crate) [T; N]);
// SAFETY: the tables are immutable static data (pointers to static strings and functions),
// read by CPython only.
unsafe impl<T, const N: usize> Sync for SyncTable<T, N> {}

/// Frees the memory of an instance of one of our heap types and releases the reference every
/// heap-type instance holds on its type: the last step of a deallocation.
///
/// # Safety
/// The GIL is held; `o` is an instance of a heap type of ours whose own references are
/// already released and that nothing can reach any more.
pub(crate) unsafe fn free_instance(o: *mut ffi::PyObject) {
    // SAFETY: see the function's contract; `tp_free` is the type's deallocator of the memory.
    unsafe {
        let tp = ffi::Py_TYPE(o);
        let free = ffi::PyType_GetSlot(tp, ffi::Py_tp_free);
        if !free.is_null() {
            let free: unsafe extern "C" fn(*mut c_void) = std::mem::transmute(free);
            free(o.cast());
        }
        ffi::Py_DecRef(tp.cast());
    }
}
