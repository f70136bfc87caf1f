//! The type symbol table, shared by every interpreter: a type object's address to a stable
//! symbol such as `int`, `ndarray`, `builtin-function-or-method` or `none-type` (the type's
//! name in kebab case, as libpython-clj names them).

use std::sync::{Arc, LazyLock};

use dashmap::DashMap;
use libpython_ffi as ffi;

use crate::key::InterpKey;

struct Entry {
    symbol: Arc<str>,
    owner: InterpKey,
}

static TABLE: LazyLock<DashMap<usize, Entry>> = LazyLock::new(DashMap::new);

/// The symbol of `tp`, computed once per type and cached.
///
/// The table keeps a strong reference to each type it names, so an address is never reused
/// by another type while its entry exists; entries of an interpreter are dropped when it ends.
///
/// # Safety
/// The calling thread holds the GIL of interpreter `owner`, and `tp` is a live type object
/// of it.
pub unsafe fn type_symbol(tp: *mut ffi::PyTypeObject, owner: InterpKey) -> Arc<str> {
    if let Some(e) = TABLE.get(&(tp as usize))
        && e.owner.generation() == owner.generation()
    {
        return e.symbol.clone();
    }
    // SAFETY: forwarded contract: the GIL is held and `tp` is live.
    let name = unsafe { type_name(tp) };
    let symbol: Arc<str> = kebab(&name).into();
    // SAFETY: as above; the new reference is owned by the table entry.
    unsafe { ffi::Py_IncRef(tp.cast()) };
    if let Some(old) = TABLE.insert(
        tp as usize,
        Entry {
            symbol: symbol.clone(),
            owner,
        },
    ) && old.owner.generation() == owner.generation()
    {
        // SAFETY: the old entry owned a reference to the same live type.
        unsafe { ffi::Py_DecRef(tp.cast()) };
    }
    symbol
}

/// `tp.__name__`, or `"?"` if it cannot be read.
///
/// # Safety
/// The GIL is held and `tp` is live.
pub unsafe fn type_name(tp: *mut ffi::PyTypeObject) -> String {
    // SAFETY: forwarded contract; the reference returned is released.
    unsafe {
        let name = ffi::PyObject_GetAttrString(tp.cast(), c"__name__".as_ptr());
        if name.is_null() {
            ffi::PyErr_Clear();
            return "?".into();
        }
        let mut n = 0;
        let p = ffi::PyUnicode_AsUTF8AndSize(name, &mut n);
        let s = if p.is_null() {
            ffi::PyErr_Clear();
            "?".to_owned()
        } else {
            String::from_utf8_lossy(std::slice::from_raw_parts(p.cast::<u8>(), n as usize))
                .into_owned()
        };
        ffi::Py_DecRef(name);
        s
    }
}

/// `NoneType` → `none-type`, `builtin_function_or_method` → `builtin-function-or-method`,
/// `PyCapsule` → `py-capsule`.
pub fn kebab(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    let mut prev_lower = false;
    for c in name.chars() {
        if c == '_' || c == ' ' {
            out.push('-');
            prev_lower = false;
        } else if c.is_uppercase() {
            if prev_lower {
                out.push('-');
            }
            out.extend(c.to_lowercase());
            prev_lower = false;
        } else {
            out.push(c);
            prev_lower = c.is_lowercase() || c.is_ascii_digit();
        }
    }
    out
}

/// Drops the entries of `key`'s interpreter (its GIL is held by the caller, or its runtime is
/// gone).
pub(crate) fn forget_interpreter(key: InterpKey) {
    let same = |e: &Entry| e.owner == key;
    let doomed: Vec<usize> = TABLE
        .iter()
        .filter(|e| same(e.value()))
        .map(|e| *e.key())
        .collect();
    for tp in doomed {
        if let Some((_, e)) = TABLE.remove(&tp) {
            let _ = e;
            // SAFETY: the caller holds this interpreter's GIL; the entry owned a reference.
            unsafe { ffi::Py_DecRef(tp as *mut ffi::PyObject) };
        }
    }
}

/// Number of types named so far (all interpreters).
pub fn len() -> usize {
    TABLE.len()
}

#[cfg(test)]
mod tests {
    #[test]
    fn kebab_names() {
        assert_eq!(super::kebab("NoneType"), "none-type");
        assert_eq!(
            super::kebab("builtin_function_or_method"),
            "builtin-function-or-method"
        );
        assert_eq!(super::kebab("method-wrapper"), "method-wrapper");
        assert_eq!(super::kebab("PyCapsule"), "py-capsule");
        assert_eq!(super::kebab("ndarray"), "ndarray");
        assert_eq!(super::kebab("float64"), "float64");
    }
}
