//! Python types whose instances only Rust makes (the arrays shared with Python, the `self` of
//! Rust functions): [`new_type`] makes one for an interpreter, with [`refuse_new`] as its
//! `tp_new`.

use std::ffi::{CStr, c_int, c_void};

use libpython_interp::ffi;

use crate::err::{Error, Result};
use crate::gil::Python;
use crate::object::Object;

/// A new heap type of `py`'s interpreter named `name` and documented by `doc`, whose instances
/// are the object header followed by `payload` bytes, with `slots` (slot number and function
/// or table) and [`refuse_new`] as its `tp_new`. Returns the type and the size of the object
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
    slots: &[(c_int, *mut c_void)],
) -> Result<(Object, usize)> {
    // SAFETY: the GIL is held (`py`); the header size is the same for every interpreter of the
    // loaded library.
    let header = unsafe { ffi::init_object_layout() };
    let basicsize = c_int::try_from(header + payload)
        .map_err(|_| Error::Conversion("object header too large".into()))?;
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
        flags: ffi::Py_TPFLAGS_DEFAULT as _,
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
