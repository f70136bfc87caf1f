//! The names of struct fields and enum variants as Python `str`s, made once per interpreter.
//!
//! serde names fields and variants with `&'static str`s, so each name's `str` is found by the
//! address and length of its text (a few instructions, no hashing of the text, no new object),
//! and it is interned: dicts filled with it reuse its cached hash, and dicts written in Python
//! source (whose constant keys the compiler interns) hold the very same objects. Reading a
//! struct back, a key that *is* one of its fields' `str`s is that field, its text unread.

use std::ffi::c_void;
use std::ptr::null;
use std::sync::atomic::{AtomicPtr, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

use libpython_interp::{PerInterpreter, ffi};

use crate::err::{Result, fetch};
use crate::function::trampoline_void;
use crate::gil::Python;
use crate::object::{Bound, Object};

use super::error::SerdeError;

/// The capsule of each interpreter holding its [`Names`].
static NAMES: PerInterpreter = PerInterpreter::new();

/// The main interpreter's [`Names`] and its key (0 until made), found without reading the
/// capsule: the main interpreter's capsule is never released (see [`PerInterpreter`]), and a
/// later runtime's main interpreter has another key.
static MAIN_KEY: AtomicU64 = AtomicU64::new(0);
static MAIN_NAMES: AtomicPtr<Names> = AtomicPtr::new(std::ptr::null_mut());

/// How many names one interpreter keeps (later ones are made each time they are met).
const MAX_NAMES: usize = 4096;

/// How many field lists one interpreter keeps the keys of.
const MAX_FIELD_LISTS: usize = 1024;

/// One interpreter's names: the interned `str` of each `&'static str` met, by the address and
/// length of the text (each an owned reference, released with the table), and the identities
/// of those `str`s for each struct's field list (each a [`FieldKeys`] the table owns).
pub(super) struct Names {
    by_text: AddressTable,
    by_fields: AddressTable,
    /// The [`FieldKeys`] found last (a value of `by_fields`; 0 for none), so that structs of
    /// one type read one after the other find their keys with a load and two compares. Set
    /// on GIL builds only, where one thread at a time uses an interpreter's table: on a
    /// free-threaded build, threads reading structs of different types would take turns
    /// writing it.
    last_fields: AtomicUsize,
    /// Whether `last_fields` is set (a GIL build).
    keep_last: bool,
}

/// The identities of the kept `str`s of one field list, with the list they are for.
struct FieldKeys {
    fields: Address,
    keys: Box<[usize]>,
}

impl Drop for Names {
    fn drop(&mut self) {
        for p in self.by_fields.values() {
            // SAFETY: the values of `by_fields` are `Box<FieldKeys>`es given to the table by
            // `field_keys_slow`, each once, and freed only here.
            drop(unsafe { Box::from_raw(p as *mut FieldKeys) });
        }
    }
}

/// A name's `str`: borrowed from the interpreter's table, or made for this use when the table
/// is full.
pub(super) enum NameStr<'py> {
    Kept(*mut ffi::PyObject),
    Made(Bound<'py>),
}

impl<'py> NameStr<'py> {
    /// The `str`, borrowed (alive while `self` is).
    #[inline(always)]
    pub(super) fn as_ptr(&self) -> *mut ffi::PyObject {
        match self {
            NameStr::Kept(p) => *p,
            NameStr::Made(b) => b.as_ptr(),
        }
    }

    /// The `str` as an owned handle.
    #[inline]
    pub(super) fn into_bound(self, py: Python<'py>) -> Bound<'py> {
        match self {
            // SAFETY: a live `str` of `py`'s interpreter (kept by its table); GIL held.
            NameStr::Kept(p) => unsafe { Bound::from_borrowed_ptr(py, p) },
            NameStr::Made(b) => b,
        }
    }
}

/// A new interned `str` of `text`.
fn interned(py: Python<'_>, text: &str) -> Result<Object> {
    // SAFETY: pointer and length describe valid UTF-8; the GIL of `py` is held. Interning
    // replaces our reference by one to the interpreter's interned `str` of that text (compared
    // and hashed as an exact `str`: no Python code runs).
    unsafe {
        let mut p = ffi::PyUnicode_FromStringAndSize(text.as_ptr().cast(), text.len() as _);
        if p.is_null() {
            return Err(fetch(py));
        }
        ffi::PyUnicode_InternInPlace(&mut p);
        Ok(Object::from_owned_ptr(py, p))
    }
}

impl Names {
    /// The table of `py`'s interpreter, made on first use (alive until that interpreter ends,
    /// hence for `'py`).
    #[inline(always)]
    pub(super) fn of(py: Python<'_>) -> Result<&Names> {
        let key = py.interpreter_key();
        if MAIN_KEY.load(Ordering::Acquire) == key.to_bits() {
            // SAFETY: stored (before the key, release) from the main interpreter's capsule of
            // the runtime `key` names, which is never released; `key` is `py`'s.
            return Ok(unsafe { &*MAIN_NAMES.load(Ordering::Relaxed) });
        }
        Self::of_slow(py)
    }

    #[cold]
    #[inline(never)]
    fn of_slow(py: Python<'_>) -> Result<&Names> {
        let key = py.interpreter_key();
        // SAFETY: `py` holds the GIL of its interpreter; `make` returns a new reference.
        let capsule = unsafe { NAMES.get_or_make(key, || make_capsule(py))? };
        // SAFETY: `capsule` is the live capsule of this interpreter (kept by `NAMES` until the
        // interpreter ends), made by `make_capsule` with no name and a `Names` pointer; GIL held.
        let p = unsafe { ffi::PyCapsule_GetPointer(capsule, null()) };
        if p.is_null() {
            // SAFETY: NULL with an exception set; GIL held.
            return Err(unsafe { fetch(py) });
        }
        let names = p.cast::<Names>();
        if key.is_main() {
            MAIN_NAMES.store(names, Ordering::Relaxed);
            MAIN_KEY.store(key.to_bits(), Ordering::Release);
        }
        // SAFETY: the capsule owns the `Names` (freed by its destructor only, when the
        // interpreter ends, which cannot happen while `py`'s GIL is held); only shared
        // references to it are ever made.
        Ok(unsafe { &*names })
    }

    /// The `str` of `text`, kept for the interpreter's life (made and kept on first use, made
    /// anew for each use once the table is full).
    #[inline]
    pub(super) fn name<'py>(
        &self,
        py: Python<'py>,
        text: &'static str,
    ) -> Result<NameStr<'py>, SerdeError> {
        match self.by_text.get(address(text.as_bytes())) {
            Some(p) => Ok(NameStr::Kept(p as *mut ffi::PyObject)),
            None => self.name_slow(py, text),
        }
    }

    #[cold]
    #[inline(never)]
    fn name_slow<'py>(
        &self,
        py: Python<'py>,
        text: &'static str,
    ) -> Result<NameStr<'py>, SerdeError> {
        // Made with no lock held; another thread may keep one first, then that one is used
        // (and ours released).
        let made = interned(py, text)?.into_bound(py)?;
        let p = made.as_ptr();
        match self.by_text.insert(address(text.as_bytes()), p as usize) {
            Ok(kept) if kept == p as usize => {
                // The table owns our reference now.
                std::mem::forget(made);
                Ok(NameStr::Kept(p))
            }
            Ok(kept) => Ok(NameStr::Kept(kept as *mut ffi::PyObject)),
            Err(_) => Ok(NameStr::Made(made)),
        }
    }

    /// The identities (addresses) of the kept `str`s of `fields`, in order, or `None` when
    /// they cannot all be kept (a full table, an error making one: the caller reads keys by
    /// their text then). They stay valid for the interpreter's life: the table never lets a
    /// kept `str` go, so no other object can take its address; the list itself is the
    /// table's, borrowed for as long as the table is.
    #[inline(always)]
    pub(super) fn field_keys(
        &self,
        py: Python<'_>,
        fields: &'static [&'static str],
    ) -> Option<&[usize]> {
        let at = address(fields);
        let last = self.last_fields.load(Ordering::Acquire);
        if last != 0 {
            // SAFETY: `last_fields` only ever holds values of `by_fields` (stored after they
            // were read from it): `FieldKeys` the table owns until it is dropped (`&self`
            // keeps it alive), never changed once given.
            let found = unsafe { &*(last as *const FieldKeys) };
            if found.fields == at {
                return Some(&found.keys);
            }
        }
        match self.by_fields.get(at) {
            Some(p) => {
                if self.keep_last {
                    self.last_fields.store(p, Ordering::Release);
                }
                // SAFETY: as above, a value of `by_fields`.
                Some(unsafe { &(*(p as *const FieldKeys)).keys })
            }
            None => self.field_keys_slow(py, fields),
        }
    }

    #[cold]
    #[inline(never)]
    fn field_keys_slow(&self, py: Python<'_>, fields: &'static [&'static str]) -> Option<&[usize]> {
        let mut keys = Vec::with_capacity(fields.len());
        for f in fields {
            match self.name(py, f) {
                Ok(NameStr::Kept(p)) => keys.push(p as usize),
                Ok(NameStr::Made(_)) | Err(_) => return None,
            }
        }
        let boxed = Box::into_raw(Box::new(FieldKeys {
            fields: address(fields),
            keys: keys.into_boxed_slice(),
        }));
        match self.by_fields.insert(address(fields), boxed as usize) {
            // Ours, or another thread's made meanwhile (then ours was not given).
            Ok(kept) => {
                if kept != boxed as usize {
                    // SAFETY: `boxed` was not given to the table.
                    drop(unsafe { Box::from_raw(boxed) });
                }
                // SAFETY: a value of `by_fields`, as in `field_keys`.
                Some(unsafe { &(*(kept as *const FieldKeys)).keys })
            }
            // The table is full: the keys are read by their text.
            Err(_) => {
                // SAFETY: `boxed` was not given to the table.
                drop(unsafe { Box::from_raw(boxed) });
                None
            }
        }
    }
}

/// A new capsule owning an empty [`Names`], freed by [`destroy`].
fn make_capsule(py: Python<'_>) -> Result<*mut ffi::PyObject> {
    let names = Box::into_raw(Box::new(Names {
        by_text: AddressTable::new(MAX_NAMES),
        by_fields: AddressTable::new(MAX_FIELD_LISTS),
        last_fields: AtomicUsize::new(0),
        keep_last: !libpython_interp::free_threaded(),
    }));
    // SAFETY: GIL held; a non-null pointer, no name, and the destructor that frees it.
    let capsule = unsafe { ffi::PyCapsule_New(names.cast::<c_void>(), null(), Some(destroy)) };
    if capsule.is_null() {
        // SAFETY: the capsule was not made, so the table is still ours alone.
        drop(unsafe { Box::from_raw(names) });
        // SAFETY: NULL with an exception set; GIL held.
        return Err(unsafe { fetch(py) });
    }
    Ok(capsule)
}

/// The capsule's destructor: releases the kept names and frees the table.
///
/// # Safety
/// CPython calls it with the GIL of the capsule's interpreter when the capsule dies (that
/// interpreter's end); the capsule was made by [`make_capsule`].
unsafe extern "C" fn destroy(capsule: *mut ffi::PyObject) {
    trampoline_void(|| {
        // SAFETY: a dying capsule made by `make_capsule`, GIL held: its pointer is the
        // `Names` it owns, used by nothing else any more (the interpreter is ending and no
        // thread is inside it, or the capsule was never kept: another thread's was); each
        // kept name is one owned reference of this interpreter.
        unsafe {
            let p = ffi::PyCapsule_GetPointer(capsule, null());
            if p.is_null() {
                ffi::PyErr_Clear();
                return;
            }
            let mut names = Box::from_raw(p.cast::<Names>());
            for k in names.by_text.values() {
                ffi::Py_DECREF(k as *mut ffi::PyObject);
            }
        }
    });
}

// ---------------------------------------------------------------------------------------------
// `AddressTable`: a map from `'static` data (by address and length) to a word, read without
// a lock. Entries are only ever added; a lookup is a hash and a few loads.
// ---------------------------------------------------------------------------------------------

/// The key of `'static` data: its address and length (`'static` data never changes, so the
/// same key always names the same contents).
pub(super) type Address = (usize, usize);

/// The key of a `'static` slice.
#[inline(always)]
pub(super) fn address<T>(data: &'static [T]) -> Address {
    (data.as_ptr() as usize, data.len())
}

/// An append-only hash table (open addressing, linear probing) from [`Address`]es to nonzero
/// words. Readers take no lock: a slot's address is written last (release) and read first
/// (acquire), and a slot once written never changes. Writers take `arrays`' lock; when the
/// current array is half full they copy it into one twice as big and publish that. Replaced
/// arrays are kept until the table is dropped, so a reader still probing one reads valid
/// memory (each array stays at most half full: probing always ends at an empty slot).
pub(super) struct AddressTable {
    /// The array lookups probe: the last of `arrays`.
    current: AtomicPtr<Slots>,
    /// Every array made, the current one last; its lock is the writers'.
    #[allow(clippy::vec_box)] // `current` points into the boxes: they must not move.
    arrays: Mutex<Vec<Box<Slots>>>,
    /// How many entries the table may hold (inserts past it are refused).
    max: usize,
}

/// One array of slots (a power of two of them).
struct Slots {
    slots: Box<[Slot]>,
    /// How many slots are used (changed by writers only, under the lock).
    used: AtomicUsize,
}

/// One entry: `address` 0 is an empty slot.
#[derive(Default)]
struct Slot {
    address: AtomicUsize,
    len: AtomicUsize,
    value: AtomicUsize,
}

impl Slots {
    fn new(n: usize) -> Box<Slots> {
        Box::new(Slots {
            slots: (0..n).map(|_| Slot::default()).collect(),
            used: AtomicUsize::new(0),
        })
    }

    /// The first slot to probe for `key`: a multiplicative hash of both words (as `rustc`'s
    /// `FxHasher`), its high bits.
    #[inline(always)]
    fn start(&self, key: Address) -> usize {
        const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;
        let h = ((key.0 as u64).wrapping_mul(K).rotate_left(5) ^ key.1 as u64).wrapping_mul(K);
        (h >> 32) as usize & (self.slots.len() - 1)
    }

    #[inline(always)]
    fn get(&self, key: Address) -> Option<usize> {
        let mask = self.slots.len() - 1;
        let mut i = self.start(key);
        loop {
            let s = &self.slots[i];
            let a = s.address.load(Ordering::Acquire);
            if a == 0 {
                return None;
            }
            if a == key.0 && s.len.load(Ordering::Relaxed) == key.1 {
                return Some(s.value.load(Ordering::Relaxed));
            }
            i = (i + 1) & mask;
        }
    }

    /// Writes an entry known to be absent (writers only, under the lock; at least one slot
    /// stays empty).
    fn put(&self, key: Address, value: usize) {
        let mask = self.slots.len() - 1;
        let mut i = self.start(key);
        while self.slots[i].address.load(Ordering::Relaxed) != 0 {
            i = (i + 1) & mask;
        }
        let s = &self.slots[i];
        s.len.store(key.1, Ordering::Relaxed);
        s.value.store(value, Ordering::Relaxed);
        // Published last: a reader that sees the address sees the rest.
        s.address.store(key.0, Ordering::Release);
        self.used.fetch_add(1, Ordering::Relaxed);
    }

    /// The entries, as (key, value).
    fn entries(&self) -> impl Iterator<Item = (Address, usize)> + '_ {
        self.slots.iter().filter_map(|s| {
            let a = s.address.load(Ordering::Acquire);
            (a != 0).then(|| {
                (
                    (a, s.len.load(Ordering::Relaxed)),
                    s.value.load(Ordering::Relaxed),
                )
            })
        })
    }
}

impl AddressTable {
    /// An empty table holding at most `max` entries.
    pub(super) fn new(max: usize) -> AddressTable {
        let first = Slots::new(16);
        let current = AtomicPtr::new(&*first as *const Slots as *mut Slots);
        AddressTable {
            current,
            arrays: Mutex::new(vec![first]),
            max,
        }
    }

    /// The value of `key`, if it was inserted.
    #[inline(always)]
    pub(super) fn get(&self, key: Address) -> Option<usize> {
        let p = self.current.load(Ordering::Acquire);
        // SAFETY: `current` always points to an array owned by `arrays`, which frees none of
        // them before the table is dropped (and `&self` keeps it alive); the acquire load
        // pairs with the release store that published it, so its contents are visible.
        unsafe { &*p }.get(key)
    }

    /// Inserts `value` (nonzero) for `key` unless the key has a value already, which is
    /// returned instead; `Err(value)` when the table is full (the caller keeps what it
    /// made).
    pub(super) fn insert(&self, key: Address, value: usize) -> Result<usize, usize> {
        debug_assert!(key.0 != 0 && value != 0);
        let mut arrays = self.arrays.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(cur) = arrays.last() else {
            return Err(value);
        };
        if let Some(v) = cur.get(key) {
            return Ok(v);
        }
        let used = cur.used.load(Ordering::Relaxed);
        if used >= self.max {
            return Err(value);
        }
        if 2 * (used + 1) > cur.slots.len() {
            let bigger = Slots::new(2 * cur.slots.len());
            for (k, v) in cur.entries() {
                bigger.put(k, v);
            }
            // Published once complete; the old array stays in `arrays` for readers still in it.
            self.current
                .store(&*bigger as *const Slots as *mut Slots, Ordering::Release);
            arrays.push(bigger);
        }
        if let Some(cur) = arrays.last() {
            cur.put(key, value);
        }
        Ok(value)
    }

    /// Every value (for the owner's clean-up).
    pub(super) fn values(&mut self) -> Vec<usize> {
        let arrays = self
            .arrays
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner);
        match arrays.last() {
            Some(cur) => cur.entries().map(|(_, v)| v).collect(),
            None => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Keys of distinct addresses: one-byte slices of this array.
    static DATA: [u8; 600] = [7; 600];

    fn key(i: usize) -> Address {
        address(&DATA[i..=i])
    }

    #[test]
    fn grows_keeps_every_entry_and_refuses_past_its_limit() {
        let t = AddressTable::new(500);
        for i in 0..500 {
            assert_eq!(t.get(key(i)), None);
            assert_eq!(t.insert(key(i), i + 1), Ok(i + 1));
            // A second insert returns the value kept.
            assert_eq!(t.insert(key(i), 9999), Ok(i + 1));
            for j in 0..=i {
                assert_eq!(t.get(key(j)), Some(j + 1));
            }
        }
        assert_eq!(t.insert(key(500), 501), Err(501));
        assert_eq!(t.get(key(500)), None);
        // Same address, another length: another key.
        assert_eq!(t.get(address(&DATA[0..2])), None);
    }

    #[test]
    fn readers_see_entries_while_the_table_grows() {
        let t = AddressTable::new(600);
        std::thread::scope(|s| {
            s.spawn(|| {
                for i in 0..600 {
                    t.insert(key(i), i + 1).unwrap();
                }
            });
            s.spawn(|| {
                let mut seen = 0;
                while seen < 600 {
                    // Every entry found has its value, and entries appear in insertion order.
                    match t.get(key(seen)) {
                        Some(v) => {
                            assert_eq!(v, seen + 1);
                            seen += 1;
                        }
                        None => std::hint::spin_loop(),
                    }
                }
            });
        });
        let mut t = t;
        let mut values = t.values();
        values.sort_unstable();
        assert_eq!(values, (1..=600).collect::<Vec<_>>());
    }
}
