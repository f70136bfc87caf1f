//! Mappings and sets: Rust maps as dicts, Rust sets as sets, and reading any mapping back.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::hash::{BuildHasher, Hash};

use libpython_interp::ffi;

use crate::err::{Error, ErrorKind, Result, fetch};
use crate::gil::Python;
use crate::object::{Borrowed, Bound, Object};

use super::SEALED;
use super::key::to_key_object;
use super::seq::seq_extract;
use super::{
    FromPython, ToPython, changed_during_iteration, key_segment, new, tname, to_python_ptr,
};

/// `dict[key]` as a strong reference, or `None` when absent (errors from hashing or comparing
/// the key are returned): `PyDict_GetItemRef` where the library has it (3.13 and later; on a
/// free-threaded build another thread may remove the entry and free its value at any moment,
/// so a borrowed result could not be owned in time), else the borrowed item, owned at once
/// under the GIL.
///
/// # Safety
/// `dict` is a dict (or a subclass) and `key` a live object of its interpreter.
pub(crate) unsafe fn dict_get<'py>(
    dict: &Bound<'py>,
    key: *mut ffi::PyObject,
) -> Result<Option<Bound<'py>>> {
    let py = dict.py();
    // SAFETY: the caller's contract; the GIL is held (`Bound`). `PyDict_GetItemRef` gives a
    // new reference (1), nothing (0) or an exception (-1); the older call's borrowed result
    // gains a reference before anything else runs.
    unsafe {
        if let Some(get_ref) = ffi::api().PyDict_GetItemRef {
            let mut v = std::ptr::null_mut();
            return match get_ref(dict.as_ptr(), key, &mut v) {
                1 => Ok(Some(Bound::from_owned_ptr(py, v))),
                0 => Ok(None),
                _ => Err(fetch(py)),
            };
        }
        let v = ffi::PyDict_GetItemWithError(dict.as_ptr(), key);
        if !v.is_null() {
            Ok(Some(Bound::from_borrowed_ptr(py, v)))
        } else if ffi::PyErr_Occurred().is_null() {
            Ok(None)
        } else {
            Err(fetch(py))
        }
    }
}

/// Builds a `dict` from key-value pairs; keys are made hashable by [`freeze_key`].
pub(crate) fn dict_from_iter<'a, K: ToPython + 'a, V: ToPython + 'a>(
    py: Python<'_>,
    items: impl Iterator<Item = (&'a K, &'a V)>,
) -> Result<Object> {
    let api = ffi::api();
    // SAFETY: GIL held (`py`); the keys and values are references of its interpreter, so they
    // are released at once after `PyDict_SetItem` (which does not steal), also on every error
    // path.
    unsafe {
        let d = new(py, (api.PyDict_New)())?;
        for (k, v) in items {
            let k = to_key_object(k, py)?.into_ptr();
            let v = match to_python_ptr(v, py) {
                Ok(v) => v,
                Err(e) => {
                    ffi::Py_DECREF(k);
                    return Err(e);
                }
            };
            let r = (api.PyDict_SetItem)(d.as_ptr(), k, v);
            // Counted the way the token's key records (a test of the key, not a load of the
            // mode per object).
            libpython_interp::refs::decref_in_loop(k, py.interpreter_key());
            libpython_interp::refs::decref_in_loop(v, py.interpreter_key());
            if r < 0 {
                return Err(fetch(py));
            }
        }
        Ok(d)
    }
}

/// The number of items of a `dict` (to size a Rust map), 0 for other mappings.
fn dict_len_hint(obj: &Bound<'_>) -> usize {
    // SAFETY: live object, GIL held; `PyDict_Size` of a dict cannot fail.
    unsafe {
        if ffi::PyDict_Check(obj.as_ptr()) {
            ffi::PyDict_Size(obj.as_ptr()).max(0) as usize
        } else {
            0
        }
    }
}

/// Copies a mapping's items (a `dict` directly, anything else with `.items()`).
///
/// A `dict` is walked with [`DictWalk`], whose key and value are borrowed from the dict. They
/// stay borrowed only while nothing can run Python code (exact `int`, `float`, `str` ...
/// conversions); before a conversion or an insertion that can (a key's `__index__` or
/// `__hash__`, which may change or clear the dict), both are owned. A dict that changes
/// meanwhile ends the copy with `RuntimeError`, as Python's own iteration does.
///
/// `plain_insert`: `insert` runs no Python code when keys and values are plain data (it runs
/// none of its own: no hasher given by the caller's type).
pub(crate) fn map_extract<K: FromPython, V: FromPython>(
    obj: &Bound<'_>,
    plain_insert: bool,
    mut insert: impl FnMut(K, V),
) -> Result<()> {
    // SAFETY: live object, GIL held.
    if unsafe { ffi::PyDict_Check(obj.as_ptr()) } {
        if libpython_interp::free_threaded() {
            // Free-threaded: the dict itself, walked under its critical section (which other
            // threads wait for, as they wait for the GIL on the other builds), not a copy.
            // SAFETY: a live dict of the interpreter this thread is attached to (`obj`'s
            // `'py`); every step of the walk is taken inside the section.
            return unsafe {
                ffi::with_critical_section(obj.as_ptr(), || {
                    dict_extract(obj, DictWalk::in_place(obj.clone()), plain_insert, insert)
                })
            };
        }
        return dict_extract(obj, DictWalk::new(obj.clone())?, plain_insert, insert);
    }
    let items = match obj.call_method("items", ()) {
        Ok(i) => i,
        Err(e) if matches!(e.kind(), ErrorKind::NoAttribute { .. }) => {
            return Err(Error::type_error("a mapping (dict)", tname(obj)));
        }
        Err(e) => return Err(e),
    };
    seq_extract(&items, |_| (), |_, (k, v): (K, V)| insert(k, v))
}

/// [`map_extract`] of a `dict`, walked by `walk`.
#[inline(always)]
fn dict_extract<K: FromPython, V: FromPython>(
    obj: &Bound<'_>,
    mut walk: DictWalk<'_>,
    plain_insert: bool,
    mut insert: impl FnMut(K, V),
) -> Result<()> {
    let py = obj.py();
    // Whether Python code may have run since the last step (a conversion that is not
    // exact, or hashing, comparing or dropping keys and values that are not plain Rust
    // data): the next step then checks that the dict kept its size.
    let mut ran_python = !(plain_insert && K::plain(SEALED) && V::plain(SEALED));
    // The entries are borrowed from the dict, valid until it changes, which only Python
    // code can do, and none runs before the next step except where both are owned (below).
    loop {
        let step = if ran_python {
            walk.next(py)?
        } else {
            // SAFETY: no Python code ran since the walk was made (its size read there) or
            // since the last step, which checked the size or skipped it by this same rule.
            unsafe { walk.next_unchanged(py)? }
        };
        let Some((k, v)) = step else {
            break;
        };
        // SAFETY: live references from the dict, just read.
        let (kb, vb) = unsafe { (Borrowed::from_ptr(py, k), Borrowed::from_ptr(py, v)) };
        let (key, value) = match (
            K::from_python_exact(&kb, SEALED),
            V::from_python_exact(&vb, SEALED),
        ) {
            (Some(key), Some(value)) => (key, value),
            (key, value) => {
                ran_python = true;
                let (kh, vh) = (kb.to_owned(), vb.to_owned());
                let key = match key {
                    Some(k) => k,
                    None => K::from_python(&kh).map_err(|e| e.at(key_segment(&kh, true)))?,
                };
                let value = match value {
                    Some(v) => v,
                    None => V::from_python(&vh).map_err(|e| e.at(key_segment(&kh, false)))?,
                };
                (key, value)
            }
        };
        insert(key, value);
    }
    Ok(())
}

/// A walk over a `dict`'s entries as `PyDict_Next` gives them ([`ffi::dict_next`], which reads
/// them in place where the layout is known), with the checks Python's own iteration makes: a
/// dict whose size changed since the walk began is `RuntimeError: dictionary changed size
/// during iteration`, one that yields more entries than it had is `RuntimeError: dictionary
/// keys changed during iteration` (keys removed and others added meanwhile).
///
/// On GIL builds the dict itself is walked (the walker keeps no borrowed reference across
/// Python code); free-threaded builds walk a private copy, since another thread may change
/// the dict at any moment and `PyDict_Next` is not safe against that, unless the walk is
/// made by [`in_place`](Self::in_place) and taken under the dict's critical section.
pub(crate) struct DictWalk<'py> {
    dict: Bound<'py>,
    size: ffi::Py_ssize_t,
    pos: ffi::Py_ssize_t,
    seen: ffi::Py_ssize_t,
}

impl<'py> DictWalk<'py> {
    /// A walk of `d`, a live `dict` (which the walk keeps).
    #[inline]
    pub(crate) fn new(d: Bound<'py>) -> Result<DictWalk<'py>> {
        if libpython_interp::free_threaded() {
            return Self::of_copy(&d);
        }
        Ok(DictWalk::of(d))
    }

    /// A walk of a private copy of `d`, a live `dict` (free-threaded builds).
    #[cold]
    #[inline(never)]
    fn of_copy(d: &Bound<'py>) -> Result<DictWalk<'py>> {
        // SAFETY: a live dict (the caller's contract), GIL held; the copy is a new reference
        // or NULL with an exception set.
        let copy = unsafe { Bound::from_owned_ptr_or_err(d.py(), ffi::PyDict_Copy(d.as_ptr()))? };
        Ok(DictWalk::of(copy))
    }

    /// A walk of `d` itself, a live `dict` (which the walk keeps), on any build.
    ///
    /// # Safety
    /// On a free-threaded build, every step of the walk is taken holding the dict's critical
    /// section (on the others, the GIL is that).
    pub(crate) unsafe fn in_place(d: Bound<'py>) -> DictWalk<'py> {
        DictWalk::of(d)
    }

    #[inline]
    fn of(dict: Bound<'py>) -> DictWalk<'py> {
        // SAFETY: a live dict; GIL held.
        let size = unsafe { ffi::PyDict_GET_SIZE(dict.as_ptr()) };
        DictWalk {
            dict,
            size,
            pos: 0,
            seen: 0,
        }
    }

    /// The number of entries when the walk began.
    #[cfg(feature = "serde")]
    pub(crate) fn len(&self) -> usize {
        self.size.max(0) as usize
    }

    /// The next entry, borrowed from the dict (valid until Python code runs: own both before
    /// running any), or `None` at the end.
    ///
    /// # Errors
    /// `RuntimeError` when the dict changed since the walk began, as above.
    #[inline(always)]
    pub(crate) fn next(
        &mut self,
        py: Python<'_>,
    ) -> Result<Option<(*mut ffi::PyObject, *mut ffi::PyObject)>> {
        // SAFETY: `d` is a live dict (owned by the walk); the GIL of its interpreter is held
        // (`py`, and the walk is only made and used under it).
        if unsafe { ffi::PyDict_GET_SIZE(self.dict.as_ptr()) } != self.size {
            return Err(changed_during_iteration(py, "dictionary"));
        }
        // SAFETY: the size was just checked.
        unsafe { self.next_unchanged(py) }
    }

    /// [`next`](Self::next) without the size check, when no Python code can have run since
    /// the walk began or since the last step (which read the size or skipped it the same way):
    /// then nothing changed the dict (on GIL builds only Python code run by this thread, or by
    /// others while it ran, can; free-threaded builds walk a private copy, or the dict under
    /// its critical section, which only Python code run by this thread can suspend).
    ///
    /// # Safety
    /// No Python code ran since the walk was made or since the last step, and the dict's size
    /// was checked at that point (by [`new`](Self::new), [`next`](Self::next), or a chain of
    /// such steps back to one of them).
    #[inline(always)]
    pub(crate) unsafe fn next_unchanged(
        &mut self,
        py: Python<'_>,
    ) -> Result<Option<(*mut ffi::PyObject, *mut ffi::PyObject)>> {
        let d = self.dict.as_ptr();
        let (mut k, mut v) = (std::ptr::null_mut(), std::ptr::null_mut());
        // SAFETY: `d` is a live dict (owned by the walk) of the size it had at the start (the
        // caller's contract), walked with the position only `dict_next` changes; the GIL of
        // its interpreter is held (`py`); on a free-threaded build the walk is of a private
        // copy or under the dict's critical section (how walks are made).
        unsafe {
            if !ffi::dict_next(d, &mut self.pos, &mut k, &mut v) {
                return Ok(None);
            }
        }
        self.seen += 1;
        if self.seen > self.size {
            return Err(keys_changed_during_iteration(py));
        }
        Ok(Some((k, v)))
    }
}

impl DictWalk<'_> {
    /// [`next`](Self::next) with the size compared once, when the walk ends, instead of before
    /// every step: for walks whose every step may follow Python code (each value read by a
    /// caller's deserializer), where the check would be paid at every entry. A dict changed
    /// meanwhile ends the walk with the same `RuntimeError`s, once its end is reached; one
    /// that grows is refused as soon as it yields more entries than it had, so the walk ends.
    ///
    /// `read`: how many entries this walk gave before (the caller counts them). The entry is
    /// borrowed from the dict as [`next`](Self::next)'s is: own it before Python code runs.
    #[cfg(feature = "serde")]
    #[inline(always)]
    pub(crate) fn next_checked_at_end(
        &mut self,
        py: Python<'_>,
        read: usize,
    ) -> Result<Option<(*mut ffi::PyObject, *mut ffi::PyObject)>> {
        let d = self.dict.as_ptr();
        let (mut k, mut v) = (std::ptr::null_mut(), std::ptr::null_mut());
        // SAFETY: `d` is a live dict (owned by the walk), walked with the position only
        // `dict_next` changes; the GIL of its interpreter is held (`py`); on a free-threaded
        // build the walk is of a private copy or under the dict's critical section (how walks
        // are made). A dict changed since the last step is still read within its bounds:
        // `dict_next` compares the position with the entries the dict has now, and yields a
        // live entry or none.
        unsafe {
            if !ffi::dict_next(d, &mut self.pos, &mut k, &mut v) {
                if ffi::PyDict_GET_SIZE(d) != self.size {
                    return Err(changed_during_iteration(py, "dictionary"));
                }
                return Ok(None);
            }
        }
        if read as ffi::Py_ssize_t >= self.size {
            return Err(keys_changed_during_iteration(py));
        }
        Ok(Some((k, v)))
    }
}

/// Python's `RuntimeError` for a dict that yields more entries than it had.
#[cold]
fn keys_changed_during_iteration(py: Python<'_>) -> Error {
    // SAFETY: the GIL is held; the exception is set and fetched at once.
    unsafe {
        ffi::PyErr_SetString(
            *ffi::data::PyExc_RuntimeError(),
            c"dictionary keys changed during iteration".as_ptr(),
        );
        fetch(py)
    }
}

impl<K: ToPython, V: ToPython, S> ToPython for HashMap<K, V, S> {
    fn to_python(&self, py: Python<'_>) -> Result<Object> {
        dict_from_iter(py, self.iter())
    }
}

/// Whether `S` is `std`'s default hasher, which runs no code of anyone else's (another
/// hasher may run Python code while the map is filled).
pub(crate) fn std_hasher<S>() -> bool {
    std::any::type_name::<S>() == std::any::type_name::<std::hash::RandomState>()
}

impl<K: FromPython + Eq + Hash, V: FromPython, S: BuildHasher + Default> FromPython
    for HashMap<K, V, S>
{
    fn from_python(obj: &Bound<'_>) -> Result<Self> {
        let mut m = HashMap::with_capacity_and_hasher(dict_len_hint(obj), S::default());
        map_extract(obj, std_hasher::<S>(), |k, v| {
            m.insert(k, v);
        })?;
        Ok(m)
    }
}

impl<K: ToPython, V: ToPython> ToPython for BTreeMap<K, V> {
    fn to_python(&self, py: Python<'_>) -> Result<Object> {
        dict_from_iter(py, self.iter())
    }
}

impl<K: FromPython + Ord, V: FromPython> FromPython for BTreeMap<K, V> {
    fn from_python(obj: &Bound<'_>) -> Result<Self> {
        let mut m = BTreeMap::new();
        map_extract(obj, true, |k, v| {
            m.insert(k, v);
        })?;
        Ok(m)
    }
}

/// Builds a `set` from items, made hashable by [`freeze_key`].
pub(crate) fn set_from_iter<'a, T: ToPython + 'a>(
    py: Python<'_>,
    items: impl Iterator<Item = &'a T>,
) -> Result<Object> {
    let api = ffi::api();
    // SAFETY: GIL held (`py`); PySet_Add does not steal, so each item (a reference of `py`'s
    // interpreter) is released at once with `Py_DECREF`.
    unsafe {
        let s = new(py, (api.PySet_New)(std::ptr::null_mut()))?;
        for item in items {
            let v = to_key_object(item, py)?.into_ptr();
            let r = (api.PySet_Add)(s.as_ptr(), v);
            ffi::Py_DECREF(v);
            if r < 0 {
                return Err(fetch(py));
            }
        }
        Ok(s)
    }
}

impl<T: ToPython, S> ToPython for HashSet<T, S> {
    fn to_python(&self, py: Python<'_>) -> Result<Object> {
        set_from_iter(py, self.iter())
    }
}

impl<T: FromPython + Eq + Hash, S: BuildHasher + Default> FromPython for HashSet<T, S> {
    fn from_python(obj: &Bound<'_>) -> Result<Self> {
        seq_extract(
            obj,
            |n| HashSet::with_capacity_and_hasher(n, S::default()),
            |s, x| {
                s.insert(x);
            },
        )
    }
}

impl<T: ToPython> ToPython for BTreeSet<T> {
    fn to_python(&self, py: Python<'_>) -> Result<Object> {
        set_from_iter(py, self.iter())
    }
}

impl<T: FromPython + Ord> FromPython for BTreeSet<T> {
    fn from_python(obj: &Bound<'_>) -> Result<Self> {
        seq_extract(
            obj,
            |_| BTreeSet::new(),
            |s, x| {
                s.insert(x);
            },
        )
    }
}
