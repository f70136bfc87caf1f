//! A dict's size read in place, as C's `PyDict_GET_SIZE` reads it: `ma_used`, the
//! `Py_ssize_t` right after the object header in every version's `PyDictObject`.
//!
//! Used only after [`init_object_layout`](crate::init_object_layout), on a version this crate
//! knows, and only when reading in place gives what `PyDict_Size` gives on dicts made for the
//! purpose; everywhere else [`PyDict_GET_SIZE`] calls `PyDict_Size`.

use std::sync::atomic::{AtomicIsize, AtomicUsize, Ordering};

use crate::functions::*;
use crate::types::*;

/// The byte offset of `ma_used`: 0 while unknown.
static MA_USED: AtomicUsize = AtomicUsize::new(0);

/// The number of items of `o`, a dict (C's `PyDict_GET_SIZE`): read in place where the layout
/// checked out at start-up (see the module), else `PyDict_Size`.
///
/// # Safety
/// `o` must be a live `dict` (or a subclass) and the GIL of its interpreter held (on a
/// free-threaded build: the thread attached; the size is read atomically, as CPython's own
/// macro reads it there).
#[inline(always)]
#[allow(non_snake_case)]
pub unsafe fn PyDict_GET_SIZE(o: *mut PyObject) -> Py_ssize_t {
    let off = MA_USED.load(Ordering::Relaxed);
    if off == 0 {
        // SAFETY: forwarded contract.
        return unsafe { PyDict_Size(o) };
    }
    // SAFETY: `o` is a live dict, whose `ma_used` is the aligned `Py_ssize_t` at `off` (checked
    // at start-up); read with a relaxed atomic load, as free-threaded CPython writes it.
    unsafe {
        AtomicIsize::from_ptr(o.cast::<u8>().add(off).cast::<isize>()).load(Ordering::Relaxed)
    }
}

/// Whether [`PyDict_GET_SIZE`] reads the size in place (the layout checked out at start-up).
pub fn dict_size_in_place() -> bool {
    MA_USED.load(Ordering::Relaxed) != 0
}

/// Finds `ma_used` after a `header`-byte object header (see the module).
///
/// # Safety
/// As [`init_object_layout`](crate::init_object_layout): the GIL is held.
pub(crate) unsafe fn init_dict_layout(header: usize) {
    let known = crate::library().is_some_and(|l| l.version().is_known());
    // SAFETY: forwarded contract.
    let found = known && unsafe { size_checks_out(header) };
    MA_USED.store(if found { header } else { 0 }, Ordering::Relaxed);
}

/// Whether the `Py_ssize_t` after the header of dicts of 0, 1 and 3 items made here is their
/// size.
///
/// # Safety
/// The GIL is held.
unsafe fn size_checks_out(header: usize) -> bool {
    if header % std::mem::align_of::<isize>() != 0 {
        return false;
    }
    // SAFETY: the GIL is held; the dict is new and only ours, released at the end; the word
    // read is inside every version's `PyDictObject`, right after its header.
    unsafe {
        let d = PyDict_New();
        if d.is_null() {
            PyErr_Clear();
            return false;
        }
        let mut ok = true;
        for n in 0..4 {
            if n == 1 || n == 3 {
                let read = d.cast::<u8>().add(header).cast::<isize>().read();
                ok &= read == n && PyDict_Size(d) == n;
            }
            let k = PyLong_FromLong(n as std::ffi::c_long);
            if k.is_null() || PyDict_SetItem(d, k, k) < 0 {
                PyErr_Clear();
                ok = false;
            }
            Py_DecRef(k);
        }
        ok &= d.cast::<u8>().add(header).cast::<isize>().read() == 4;
        Py_DecRef(d);
        ok
    }
}
