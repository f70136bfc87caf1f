//! A dict read in place: its size, as C's `PyDict_GET_SIZE` reads it (`ma_used`, the
//! `Py_ssize_t` right after the object header in every version's `PyDictObject`), and its
//! entries, as `PyDict_Next` walks them ([`dict_next`]).
//!
//! Used only after [`init_object_layout`](crate::init_object_layout), on versions whose
//! layout this crate knows, and only when reading in place gives what the exported functions
//! give on dicts made for the purpose; everywhere else the exported functions are called.
//!
//! The entries of 3.11 to 3.14 (CPython's internal `pycore_dict.h`): the dict points to its
//! keys object (`ma_keys`, followed by `ma_values`, the values of a split table, NULL for a
//! combined one). The keys object starts with `dk_refcnt`, `dk_log2_size`,
//! `dk_log2_index_bytes`, `dk_kind`, `dk_version`, `dk_usable` and `dk_nentries`; then comes the
//! hash index (`1 << dk_log2_index_bytes` bytes), then `dk_nentries` entries in insertion
//! order: `{hash, key, value}` for a table of any keys (`dk_kind` 0), `{key, value}` for a table
//! of `str` keys (1). A deleted entry's value is NULL. Split tables and any other kind are
//! walked by `PyDict_Next`.

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

/// The byte offset of `ma_keys` in a dict (`ma_values` is the next word) where entries are
/// read in place; 0 where they are not.
static MA_KEYS: AtomicUsize = AtomicUsize::new(0);

/// Byte offsets in a keys object of 3.11 to 3.14 (64-bit; see the module).
const DK_LOG2_INDEX_BYTES: usize = 9;
const DK_KIND: usize = 10;
const DK_NENTRIES: usize = 24;
const DK_INDICES: usize = 32;

/// `dk_kind` of a table of any keys, whose entries are `{hash, key, value}`.
const KIND_GENERAL: u8 = 0;
/// `dk_kind` of a table of `str` keys, whose entries are `{key, value}`.
const KIND_UNICODE: u8 = 1;

/// `PyDict_Next`: the entry of `d` at or after `*pos`, `*pos` moved past it, `true`; or
/// `false` at the end. Read in place where the layout checked out at start-up and `d` has a
/// combined table (see the module), else by the exported function.
///
/// As with `PyDict_Next`, a dict changed between two steps is still read within its bounds
/// (the position is compared with the entries it has at that step), and the key and value are
/// borrowed: valid until Python code runs.
///
/// # Safety
/// `d` must be a live `dict` (or a subclass) and the GIL of its interpreter held; on a
/// free-threaded build, the dict's critical section held too, or the dict reachable by no
/// other thread (as `PyDict_Next` asks there).
#[inline(always)]
pub unsafe fn dict_next(
    d: *mut PyObject,
    pos: &mut Py_ssize_t,
    key: &mut *mut PyObject,
    value: &mut *mut PyObject,
) -> bool {
    let off = MA_KEYS.load(Ordering::Relaxed);
    if off != 0 {
        // SAFETY: the function's contract, and the layout checked at start-up for this
        // version (`MA_KEYS` is set only then): `d`'s `ma_keys` and `ma_values` are at `off`,
        // and nothing changes the dict while this thread reads it.
        if let Some(entry) = unsafe { next_in_place(d, off, pos) } {
            return match entry {
                Some((k, v)) => {
                    *key = k;
                    *value = v;
                    true
                }
                None => false,
            };
        }
    }
    // SAFETY: the function's contract.
    unsafe { (crate::api().PyDict_Next)(d, pos, key, value) != 0 }
}

/// [`dict_next`] read in place: `Some(entry or end)`, or `None` for a table not read in place
/// (split, or of a kind this crate does not read).
///
/// # Safety
/// As [`dict_next`], with `off` the offset of `ma_keys` of this version's dicts.
#[inline(always)]
unsafe fn next_in_place(
    d: *mut PyObject,
    off: usize,
    pos: &mut Py_ssize_t,
) -> Option<Option<(*mut PyObject, *mut PyObject)>> {
    // SAFETY: the function's contract: `ma_keys` and `ma_values` are the words at `off`; a
    // combined table's keys object (NULL `ma_values`) holds `dk_nentries` entries of the
    // size its kind gives after a hash index of `1 << dk_log2_index_bytes` bytes, all inside
    // its allocation; positions are bounded by `dk_nentries`, read at this step.
    unsafe {
        let base = d.cast::<u8>().add(off);
        // `ma_values`, the word after `ma_keys`.
        let values = base.add(std::mem::size_of::<usize>());
        if !values.cast::<*const u8>().read().is_null() {
            return None;
        }
        let keys = base.cast::<*const u8>().read();
        let (size, key_at) = match keys.add(DK_KIND).read() {
            KIND_UNICODE => (16, 0),
            KIND_GENERAL => (24, 8),
            _ => return None,
        };
        let n = keys.add(DK_NENTRIES).cast::<Py_ssize_t>().read();
        let mut i = *pos;
        if i < 0 {
            return Some(None);
        }
        let entries = keys
            .add(DK_INDICES + (1usize << keys.add(DK_LOG2_INDEX_BYTES).read()))
            .add(key_at);
        while i < n {
            let e = entries.add(i as usize * size).cast::<*mut PyObject>();
            let v = e.add(1).read();
            i += 1;
            if !v.is_null() {
                *pos = i;
                return Some(Some((e.read(), v)));
            }
        }
        Some(None)
    }
}

/// Whether [`dict_next`] reads combined tables in place (the layout checked out at start-up).
pub fn dict_entries_in_place() -> bool {
    MA_KEYS.load(Ordering::Relaxed) != 0
}

/// Finds whether dicts' entries are read in place after a `header`-byte object header (see the
/// module): on 3.11 to 3.14, 64-bit, when the dict type's size is the header and four words and
/// walking dicts made for the purpose in place gives what `PyDict_Next` gives.
///
/// # Safety
/// As [`init_object_layout`](crate::init_object_layout): the GIL is held.
pub(crate) unsafe fn init_dict_entries(header: usize) {
    let word = std::mem::size_of::<usize>();
    let version = crate::library().map(|l| l.version());
    let known = version.is_some_and(|v| v.major == 3 && (11..=14).contains(&v.minor));
    // SAFETY: the GIL is held; the dict type is a static object.
    let basic = known
        && word == 8
        && unsafe { crate::inline::type_size(crate::data::PyDict_Type().cast(), c"__basicsize__") }
            == Some(header + 4 * word);
    MA_KEYS.store(0, Ordering::Relaxed);
    // SAFETY: forwarded contract; the offset is the one the layout has on these versions.
    if basic && unsafe { entries_check_out(header + 2 * word) } {
        MA_KEYS.store(header + 2 * word, Ordering::Relaxed);
    }
}

/// Whether walking dicts made here in place, with `ma_keys` at `off`, gives what
/// `PyDict_Next` gives: tables of `str` keys and of int keys, small and with a two-byte hash
/// index, with deleted entries, and empty.
///
/// # Safety
/// The GIL is held; `off` is where this version's dicts keep `ma_keys`.
unsafe fn entries_check_out(off: usize) -> bool {
    let mut ok = true;
    for (n, str_keys) in [(0, true), (5, true), (5, false), (300, true), (300, false)] {
        // SAFETY: the GIL is held; the dict is new and only ours, released at the end.
        unsafe {
            let d = PyDict_New();
            if d.is_null() {
                PyErr_Clear();
                return false;
            }
            ok &= fill(d, n, str_keys) && same_walks(d, off);
            Py_DecRef(d);
        }
    }
    ok
}

/// Fills `d` with `n` keys (`str`s or ints) mapped to ints, then deletes every third key.
///
/// # Safety
/// The GIL is held; `d` is a live dict.
unsafe fn fill(d: *mut PyObject, n: usize, str_keys: bool) -> bool {
    let mut ok = true;
    // SAFETY: the GIL is held; every new reference is released.
    unsafe {
        let mut keys = Vec::with_capacity(n);
        for i in 0..n {
            let k = if str_keys {
                let text = format!("key{i}");
                PyUnicode_FromStringAndSize(text.as_ptr().cast(), text.len() as Py_ssize_t)
            } else {
                PyLong_FromLong(i as std::ffi::c_long)
            };
            let v = PyLong_FromLong(i as std::ffi::c_long);
            ok &= !k.is_null() && !v.is_null() && PyDict_SetItem(d, k, v) == 0;
            Py_DecRef(v);
            keys.push(k);
        }
        for k in keys.iter().step_by(3) {
            ok &= !k.is_null() && PyDict_DelItem(d, *k) == 0;
        }
        for k in keys {
            Py_DecRef(k);
        }
        if !ok {
            PyErr_Clear();
        }
    }
    ok
}

/// Whether `d` walked in place (`ma_keys` at `off`) and by `PyDict_Next` gives the same
/// entries at the same positions.
///
/// # Safety
/// The GIL is held; `d` is a live dict with a combined table.
unsafe fn same_walks(d: *mut PyObject, off: usize) -> bool {
    let (mut pos, mut mine) = (0, 0);
    loop {
        let (mut k, mut v) = (std::ptr::null_mut(), std::ptr::null_mut());
        // SAFETY: the GIL is held; `d` is live and ours; the in-place read is bounded as in
        // `next_in_place`, whose contract holds if the layout is this version's.
        unsafe {
            let theirs = (crate::api().PyDict_Next)(d, &mut pos, &mut k, &mut v) != 0;
            match next_in_place(d, off, &mut mine) {
                Some(Some((mk, mv))) => {
                    if !theirs || mk != k || mv != v || mine != pos {
                        return false;
                    }
                }
                Some(None) => return !theirs,
                None => return false,
            }
        }
    }
}
