//! The Python types of bridges, made once per interpreter: one shared type per
//! [`BridgeKind`], and for a bridge whose attributes are its methods only
//! ([`Bridge::dynamic_attrs`] `false`), one type per method list holding those methods as
//! descriptors, so Python calls them as it calls a class's own methods.
//!
//! [`Bridge::dynamic_attrs`]: super::Bridge::dynamic_attrs

use std::ffi::{CStr, c_void};

use libpython_interp::{PerInterpreter, ffi};

use super::typed::TypedDefs;
use super::{
    BridgeKind, bridge_bool, bridge_call, bridge_clear, bridge_contains, bridge_dealloc,
    bridge_dir, bridge_getattro, bridge_getitem, bridge_inplace_add, bridge_iter, bridge_iter_self,
    bridge_iternext, bridge_len, bridge_repr, bridge_richcompare, bridge_set, bridge_sq_item,
    bridge_traverse, method, weaklist_offset,
};
use crate::conversion::ToPython;
use crate::err::Result;
use crate::gil::Python;
use crate::object::Object;
use crate::rust_type::{SyncTable, new_type, offset_member};

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
/// `collections.abc` class) on first use: with `static_methods` or `typed` methods, the type
/// of those methods (they are attributes of the type; without `static_methods`, the type's
/// attribute lookup asks the bridge first); with neither, the kind's shared type (whose
/// attribute lookup asks the bridge).
pub(super) fn bridge_type(
    py: Python<'_>,
    kind: BridgeKind,
    static_methods: Option<&'static [&'static str]>,
    typed: Option<TypedDefs>,
) -> Result<Object> {
    let (cache, type_name, abc) = kind.describe();
    if static_methods.is_none() && typed.is_none() {
        // SAFETY: `py` holds its interpreter's GIL; `make_bridge_type` returns a new reference
        // of it. (When another thread kept a type first, because registering ours ran Python
        // code that let it run, ours is released: the registry keeps only a weak reference to
        // it.)
        let tp = unsafe {
            cache.get_or_make(py.interpreter_key(), || {
                make_bridge_type(py, kind, type_name, abc, None, None).map(Object::into_ptr)
            })?
        };
        // SAFETY: a live type kept for the interpreter's life; the caller gets its own
        // reference.
        return Ok(unsafe { Object::from_borrowed_ptr(py, tp) });
    }
    // The types with methods of their own, one per (Rust type's table, method list, kind), in
    // a dict per interpreter keyed by the table's number, the list's address and length (and
    // whether there is one) and the kind.
    static BY_METHODS: PerInterpreter = PerInterpreter::new();
    // SAFETY: `py` holds its interpreter's GIL; `PyDict_New` returns a new reference.
    let types = unsafe {
        BY_METHODS.get_or_make(py.interpreter_key(), || {
            Object::from_owned_ptr_or_err(py, ffi::PyDict_New()).map(Object::into_ptr)
        })?
    };
    let key = (
        typed.map_or(0, |t| t.id),
        static_methods.map_or(0, |m| m.as_ptr() as usize),
        static_methods.map_or(0, |m| m.len()),
        static_methods.is_some(),
        kind as usize,
    )
        .to_python(py)?;
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
    let made = make_bridge_type(py, kind, type_name, abc, static_methods, typed)?;
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
/// with `methods`, those are descriptors of the type and attribute lookup is Python's own;
/// `typed` methods are descriptors of the type too (after `methods`: a name in both is the
/// typed one).
fn make_bridge_type(
    py: Python<'_>,
    kind: BridgeKind,
    type_name: &'static CStr,
    abc: Option<&str>,
    methods: Option<&'static [&'static str]>,
    typed: Option<TypedDefs>,
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
    let mut slots = vec![
        (ffi::Py_tp_dealloc, bridge_dealloc as *mut c_void),
        (ffi::Py_tp_setattro, bridge_set::<true> as *mut c_void),
        (ffi::Py_tp_call, bridge_call as *mut c_void),
        (ffi::Py_tp_repr, bridge_repr as *mut c_void),
        (ffi::Py_tp_traverse, bridge_traverse as *mut c_void),
        (ffi::Py_tp_clear, bridge_clear as *mut c_void),
        (ffi::Py_mp_length, bridge_len as *mut c_void),
        (ffi::Py_mp_subscript, bridge_getitem as *mut c_void),
        (ffi::Py_mp_ass_subscript, bridge_set::<false> as *mut c_void),
        (ffi::Py_sq_contains, bridge_contains as *mut c_void),
        (ffi::Py_nb_bool, bridge_bool as *mut c_void),
        (ffi::Py_tp_methods, METHODS.0.as_ptr() as *mut c_void),
        (ffi::Py_tp_members, members.as_mut_ptr().cast()),
    ];
    // A type with methods of its own keeps the attribute lookup it inherits from `object`
    // (which is what lets Python call a method without binding it first).
    if methods.is_none() {
        slots.push((ffi::Py_tp_getattro, bridge_getattro as *mut c_void));
    }
    match kind {
        BridgeKind::Iterator => {
            slots.push((ffi::Py_tp_iter, bridge_iter_self as *mut c_void));
            slots.push((ffi::Py_tp_iternext, bridge_iternext as *mut c_void));
        }
        _ => slots.push((ffi::Py_tp_iter, bridge_iter as *mut c_void)),
    }
    if kind.is_mapping() {
        slots.push((
            ffi::Py_tp_richcompare,
            bridge_richcompare::<true> as *mut c_void,
        ));
    }
    if kind.is_sequence() {
        slots.push((ffi::Py_sq_length, bridge_len as *mut c_void));
        slots.push((ffi::Py_sq_item, bridge_sq_item as *mut c_void));
        slots.push((
            ffi::Py_tp_richcompare,
            bridge_richcompare::<false> as *mut c_void,
        ));
    }
    if kind == BridgeKind::MutableSequence {
        slots.push((ffi::Py_nb_inplace_add, bridge_inplace_add as *mut c_void));
    }
    // SAFETY: the slots point at our functions and static tables (CPython copies the members
    // it needs while making the type); the name and doc are static.
    let (t, _) = unsafe {
        new_type(
            py,
            type_name,
            c"A Rust object seen from Python.",
            // The cell pointer, then the weak-reference list.
            2 * size_of::<*mut c_void>(),
            ffi::Py_TPFLAGS_HAVE_GC,
            &slots,
        )?
    };
    for (i, &name) in methods.unwrap_or_default().iter().enumerate() {
        let d = method::descriptor(py, &t, methods.unwrap_or_default(), i)?;
        t.bind(py)?.setattr(name, d)?;
    }
    for &def in typed.map_or(&[][..], |t| t.defs) {
        // SAFETY: `py` holds the GIL; `t` is a live type of its interpreter; `def` lives for
        // the rest of the process and is never changed (see `typed_defs`).
        let d = unsafe {
            Object::from_owned_ptr_or_err(py, ffi::PyDescr_NewMethod(t.as_ptr().cast(), def.def))?
        };
        t.bind(py)?.setattr(def.name, d)?;
    }
    if let Some(abc) = abc {
        py.import("collections.abc")?
            .getattr(abc)?
            .call_method("register", (&t,))?;
    }
    Ok(t)
}
