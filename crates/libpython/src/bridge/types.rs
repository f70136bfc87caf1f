//! The Python types of bridges, made once per interpreter: one shared type per
//! [`BridgeKind`], and for a bridge whose attributes are its methods only
//! ([`Bridge::dynamic_attrs`] `false`), one type per method list holding those methods as
//! descriptors, so Python calls them as it calls a class's own methods. Also the pieces every
//! type of this module is made of: slots, member tables, getters, the end of an instance.
//!
//! [`Bridge::dynamic_attrs`]: super::Bridge::dynamic_attrs

use std::ffi::{CStr, c_int, c_void};

use libpython_interp::{self as interp, PerInterpreter, ffi};

use super::{
    BridgeKind, bridge_bool, bridge_call, bridge_clear, bridge_contains, bridge_dealloc,
    bridge_dir, bridge_getattro, bridge_getitem, bridge_inplace_add, bridge_iter, bridge_iter_self,
    bridge_iternext, bridge_len, bridge_repr, bridge_richcompare, bridge_set, bridge_sq_item,
    bridge_traverse, method, weaklist_offset,
};
use crate::conversion::ToPython;
use crate::err::{Error, Result};
use crate::gil::Python;
use crate::object::Object;

/// `Py_TPFLAGS_HAVE_VECTORCALL`: instances are called through the function pointer at the
/// type's `__vectorcalloffset__`.
pub(super) const HAVE_VECTORCALL: u64 = 1 << 11;
/// `Py_TPFLAGS_IMMUTABLETYPE` (3.10+; an unused bit before): the type's attributes cannot be
/// set. Python specialises attribute lookups that find instances of such types only.
pub(super) const IMMUTABLETYPE: u64 = 1 << 8;
/// `Py_TPFLAGS_METHOD_DESCRIPTOR`: instances found on a type are methods that Python may call
/// with the object as first argument instead of binding them first.
pub(super) const METHOD_DESCRIPTOR: u64 = 1 << 17;

/// `PyMemberDef` type code of a `Py_ssize_t` field (`Py_T_PYSSIZET`).
const T_PYSSIZET: c_int = 19;
/// `PyMemberDef` flag of a read-only field (`Py_READONLY`).
const READONLY: c_int = 1;

/// A type slot.
pub(super) fn slot(slot: c_int, pfunc: *mut c_void) -> ffi::PyType_Slot {
    ffi::PyType_Slot { slot, pfunc }
}

/// The member table of a type that tells CPython where one of its special fields is (for
/// instance `__vectorcalloffset__` or `__weaklistoffset__`), ended by the sentinel.
pub(super) fn offset_member(name: &'static CStr, offset: usize) -> Result<[ffi::PyMemberDef; 2]> {
    Ok([
        ffi::PyMemberDef {
            name: name.as_ptr(),
            type_code: T_PYSSIZET,
            offset: ffi::Py_ssize_t::try_from(offset).map_err(|_| header_too_large())?,
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

/// The `basicsize` of a type whose instances hold `fields` bytes after the object header.
pub(super) fn basicsize(fields: usize) -> Result<c_int> {
    c_int::try_from(interp::object_header_size() + fields).map_err(|_| header_too_large())
}

fn header_too_large() -> Error {
    Error::Conversion("object header too large".into())
}

/// A read-only attribute computed by `get`.
pub(super) const fn getter(
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
pub(super) const GETSET_END: ffi::PyGetSetDef = ffi::PyGetSetDef {
    name: std::ptr::null(),
    get: None,
    set: None,
    doc: std::ptr::null(),
    closure: std::ptr::null_mut(),
};

/// Static tables CPython reads (methods, getters).
pub(super) struct SyncTable<T, const N: usize>(pub(super) [T; N]);
// SAFETY: the tables are immutable static data (pointers to static strings and functions),
// read by CPython only.
unsafe impl<T, const N: usize> Sync for SyncTable<T, N> {}

/// Frees the memory of an instance of one of our heap types and releases the reference every
/// heap-type instance holds on its type: the last step of a deallocation.
///
/// # Safety
/// The GIL is held; `o` is an instance of a heap type of ours whose own references are
/// already released and that nothing can reach any more.
pub(super) unsafe fn free_instance(o: *mut ffi::PyObject) {
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

/// A new heap type from `spec` (with `slots`, ended here by the sentinel).
///
/// # Safety
/// The GIL is held; the slots point at functions and tables valid for the type's life or
/// copied by CPython (members).
pub(super) unsafe fn new_type(
    py: Python<'_>,
    name: &'static CStr,
    basicsize: c_int,
    flags: u64,
    mut slots: Vec<ffi::PyType_Slot>,
) -> Result<Object> {
    slots.push(slot(0, std::ptr::null_mut()));
    let mut spec = ffi::PyType_Spec {
        // Static: CPython keeps pointing at the name.
        name: name.as_ptr(),
        basicsize,
        itemsize: 0,
        flags: flags as _,
        slots: slots.as_mut_ptr(),
    };
    // SAFETY: see the function's contract; the spec and slots are read during the call only.
    unsafe { Object::from_owned_ptr_or_err(py, ffi::PyType_FromSpec(&mut spec)) }
}

impl BridgeKind {
    /// The cache keeping the kind's shared type in each interpreter, the type's name, and the
    /// `collections.abc` class it is registered with.
    fn describe(self) -> (&'static PerInterpreter, &'static CStr, Option<&'static str>) {
        static TYPES: [PerInterpreter; 6] = [const { PerInterpreter::new() }; 6];
        let (name, abc) = match self {
            BridgeKind::Object => (c"libpython.RustObject", None),
            BridgeKind::Mapping => (c"libpython.RustMapping", Some("Mapping")),
            BridgeKind::MutableMapping => (c"libpython.RustMutableMapping", Some("MutableMapping")),
            BridgeKind::Sequence => (c"libpython.RustSequence", Some("Sequence")),
            BridgeKind::MutableSequence => {
                (c"libpython.RustMutableSequence", Some("MutableSequence"))
            }
            BridgeKind::Iterator => (c"libpython.RustIterator", Some("Iterator")),
        };
        (&TYPES[self as usize], name, abc)
    }
}

/// The type a bridge of `kind` gets in `py`'s interpreter, made (and registered with its
/// `collections.abc` class) on first use: with `static_methods`, the type of that method list
/// (the methods are attributes of the type); without, the kind's shared type (whose attribute
/// lookup asks the bridge).
pub(super) fn bridge_type(
    py: Python<'_>,
    kind: BridgeKind,
    static_methods: Option<&'static [&'static str]>,
) -> Result<Object> {
    let (cache, type_name, abc) = kind.describe();
    let Some(methods) = static_methods else {
        // SAFETY: `py` holds its interpreter's GIL; `make_bridge_type` returns a new reference
        // of it. (When another thread kept a type first, because registering ours ran Python
        // code that let it run, ours is released: the registry keeps only a weak reference to
        // it.)
        let tp = unsafe {
            cache.get_or_make(py.interpreter_key(), || {
                make_bridge_type(py, kind, type_name, abc, None).map(Object::into_ptr)
            })?
        };
        // SAFETY: a live type kept for the interpreter's life; the caller gets its own
        // reference.
        return Ok(unsafe { Object::from_borrowed_ptr(py, tp) });
    };
    // The types with methods of their own, one per (method list, kind), in a dict per
    // interpreter keyed by the list's address and length and the kind.
    static BY_METHODS: PerInterpreter = PerInterpreter::new();
    // SAFETY: `py` holds its interpreter's GIL; `PyDict_New` returns a new reference.
    let types = unsafe {
        BY_METHODS.get_or_make(py.interpreter_key(), || {
            Object::from_owned_ptr_or_err(py, ffi::PyDict_New()).map(Object::into_ptr)
        })?
    };
    let key = (methods.as_ptr() as usize, methods.len(), kind as usize).to_python(py)?;
    // SAFETY: GIL held; `types` is the live dict of this interpreter and `key` a tuple of
    // ints (hashing and comparing it runs no Python code); a found type gains a reference at
    // once.
    unsafe {
        let found = ffi::PyDict_GetItemWithError(types, key.as_ptr());
        if !found.is_null() {
            return Ok(Object::from_borrowed_ptr(py, found));
        }
        if !ffi::PyErr_Occurred().is_null() {
            return Err(crate::err::fetch(py));
        }
    }
    let made = make_bridge_type(py, kind, type_name, abc, Some(methods))?;
    // Registering the type ran Python code, which may have let another thread make and keep
    // one first: the first kept is the one used.
    // SAFETY: as above.
    unsafe {
        let found = ffi::PyDict_GetItemWithError(types, key.as_ptr());
        if !found.is_null() {
            return Ok(Object::from_borrowed_ptr(py, found));
        }
        if ffi::PyDict_SetItem(types, key.as_ptr(), made.as_ptr()) != 0 {
            return Err(crate::err::fetch(py));
        }
    }
    Ok(made)
}

/// A new bridge type of `kind` named `type_name`, registered with `collections.abc.<abc>`;
/// with `methods`, those are descriptors of the type and attribute lookup is Python's own.
fn make_bridge_type(
    py: Python<'_>,
    kind: BridgeKind,
    type_name: &'static CStr,
    abc: Option<&str>,
    methods: Option<&'static [&'static str]>,
) -> Result<Object> {
    static METHODS: SyncTable<ffi::PyMethodDef, 2> = SyncTable([
        ffi::PyMethodDef {
            ml_name: c"__dir__".as_ptr(),
            ml_meth: ffi::PyMethodDefPointer {
                PyCFunction: bridge_dir,
            },
            ml_flags: ffi::METH_NOARGS,
            ml_doc: c"The attributes of the Rust object and of its type.".as_ptr(),
        },
        ffi::PyMethodDef::zeroed(),
    ]);
    // Weak references make the per-interpreter map of bridges safe on free-threaded builds: a
    // bridge object whose last reference is gone is seen as dead, atomically.
    let mut members = offset_member(c"__weaklistoffset__", weaklist_offset())?;
    // The cell pointer, then the weak-reference list.
    let basicsize = basicsize(2 * size_of::<*mut c_void>())?;
    let mut slots = vec![
        slot(ffi::Py_tp_dealloc, bridge_dealloc as *mut c_void),
        slot(ffi::Py_tp_setattro, bridge_set::<true> as *mut c_void),
        slot(ffi::Py_tp_call, bridge_call as *mut c_void),
        slot(ffi::Py_tp_repr, bridge_repr as *mut c_void),
        slot(ffi::Py_tp_traverse, bridge_traverse as *mut c_void),
        slot(ffi::Py_tp_clear, bridge_clear as *mut c_void),
        slot(ffi::Py_mp_length, bridge_len as *mut c_void),
        slot(ffi::Py_mp_subscript, bridge_getitem as *mut c_void),
        slot(ffi::Py_mp_ass_subscript, bridge_set::<false> as *mut c_void),
        slot(ffi::Py_sq_contains, bridge_contains as *mut c_void),
        slot(ffi::Py_nb_bool, bridge_bool as *mut c_void),
        slot(ffi::Py_tp_methods, METHODS.0.as_ptr() as *mut c_void),
        slot(ffi::Py_tp_members, members.as_mut_ptr().cast()),
        slot(
            ffi::Py_tp_doc,
            c"A Rust object seen from Python.".as_ptr() as *mut c_void,
        ),
    ];
    // A type with methods of its own keeps the attribute lookup it inherits from `object`
    // (which is what lets Python call a method without binding it first).
    if methods.is_none() {
        slots.push(slot(ffi::Py_tp_getattro, bridge_getattro as *mut c_void));
    }
    match kind {
        BridgeKind::Iterator => {
            slots.push(slot(ffi::Py_tp_iter, bridge_iter_self as *mut c_void));
            slots.push(slot(ffi::Py_tp_iternext, bridge_iternext as *mut c_void));
        }
        _ => slots.push(slot(ffi::Py_tp_iter, bridge_iter as *mut c_void)),
    }
    if kind.is_mapping() {
        slots.push(slot(
            ffi::Py_tp_richcompare,
            bridge_richcompare::<true> as *mut c_void,
        ));
    }
    if kind.is_sequence() {
        slots.push(slot(ffi::Py_sq_length, bridge_len as *mut c_void));
        slots.push(slot(ffi::Py_sq_item, bridge_sq_item as *mut c_void));
        slots.push(slot(
            ffi::Py_tp_richcompare,
            bridge_richcompare::<false> as *mut c_void,
        ));
    }
    if kind == BridgeKind::MutableSequence {
        slots.push(slot(
            ffi::Py_nb_inplace_add,
            bridge_inplace_add as *mut c_void,
        ));
    }
    let flags = ffi::Py_TPFLAGS_DEFAULT | ffi::Py_TPFLAGS_HAVE_GC;
    // SAFETY: GIL held; the slots point at our functions and static tables (CPython copies
    // the members it needs).
    let t = unsafe { new_type(py, type_name, basicsize, flags, slots)? };
    for &name in methods.unwrap_or_default() {
        let d = method::descriptor(py, &t, name)?;
        t.bind(py)?.setattr(name, d)?;
    }
    if let Some(abc) = abc {
        py.import("collections.abc")?
            .getattr(abc)?
            .call_method("register", (&t,))?;
    }
    Ok(t)
}
