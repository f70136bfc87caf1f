//! Rust vectors shared with Python as sequences ([`VecBridge`]).

use std::any::Any;

use super::container::{Container, Flavor, container_bridge, iter_copies};
use super::{Bridge, BridgeKind, OwnsObjects, Visit, holds_objects, index_error, visit_objects};
use crate::conversion::{FromPython, ToPython};
use crate::err::Result;
use crate::function::Args;
use crate::gil::Python;
use crate::object::{Bound, Object};
use libpython_interp::ffi;

/// A Rust vector that [`VecBridge`] can show to Python as a sequence.
///
/// Items are `Clone`: what Python reads is copied out under the vector's lock and converted
/// after the lock is released, so no conversion (which may run Python code) runs while the
/// vector is locked.
pub trait VecLike: Send + Sync + 'static {
    /// The item type.
    type Item: FromPython + ToPython + Clone;
    /// Number of items.
    fn vec_len(&self) -> usize;
    /// Item `i`.
    fn vec_get(&self, i: usize) -> Option<&Self::Item>;
    /// Replaces item `i` and returns the item it held (below [`vec_len`](Self::vec_len): the
    /// bridge checks, under the lock, before calling it; it drops the old item after
    /// releasing the lock, since dropping it may run Python code).
    fn vec_set(&mut self, i: usize, v: Self::Item) -> Self::Item;
    /// Appends.
    fn vec_push(&mut self, v: Self::Item);
    /// Inserts `v` before item `i` (at most [`vec_len`](Self::vec_len): the bridge checks,
    /// under the lock, before calling it).
    fn vec_insert(&mut self, i: usize, v: Self::Item);
    /// Removes item `i` and returns it (below [`vec_len`](Self::vec_len): the bridge checks,
    /// under the lock, before calling it; it drops the item after releasing the lock).
    fn vec_remove(&mut self, i: usize) -> Self::Item;
    /// Empties the vector and returns what it held, for the cycle collector breaking a cycle
    /// through a [`VecBridge`] whose items are Python objects (the items are dropped once the
    /// vector's lock is released). `None` (the default): not supported, the items stay and
    /// such a cycle is not freed.
    fn vec_take(&mut self) -> Option<Self>
    where
        Self: Sized,
    {
        None
    }

    /// Whether the vector owns its items alone, so that a [`VecBridge`] of it reports the
    /// Python objects in them to the cycle collector ([`OwnsObjects::NOT`], the default:
    /// they are not reported, and a cycle through the vector is not freed).
    fn owns_objects(&self) -> OwnsObjects {
        OwnsObjects::NOT
    }
}

/// `VecLike` for a vector type whose append is `$push` (the other methods have the same
/// names in `std` and `imbl`; a macro, as for `MapLike`).
macro_rules! vec_like {
    ($($t:ident)::+, $push:ident, owns: $owns:ident) => {
        impl<T: FromPython + ToPython + Send + Sync + Clone + 'static> VecLike for $($t)::+<T> {
            type Item = T;
            fn vec_len(&self) -> usize { self.len() }
            fn vec_get(&self, i: usize) -> Option<&T> { self.get(i) }
            fn vec_set(&mut self, i: usize, v: T) -> T { std::mem::replace(&mut self[i], v) }
            fn vec_push(&mut self, v: T) { self.$push(v); }
            fn vec_insert(&mut self, i: usize, v: T) { self.insert(i, v); }
            fn vec_remove(&mut self, i: usize) -> T { self.remove(i) }
            fn vec_take(&mut self) -> Option<Self> { Some(std::mem::take(self)) }
            fn owns_objects(&self) -> OwnsObjects { owns!($owns) }
        }
    };
}

vec_like!(Vec, push, owns: alone);
// `imbl`'s vectors share nodes between clones: no promise.
#[cfg(feature = "value")]
vec_like!(imbl::Vector, push_back, owns: shared);

/// A Rust vector shared with Python as a sequence: `len`, `[i]` (negative indexes too) and
/// `[a:b:c]` (a list), `in`, iteration, `reversed`, `index`, `count` and `==` (with lists),
/// and for a writable one `x[i] = v`, `del x[i]`, `append`, `insert`, `extend`, `+=`, `pop`,
/// `remove`, `reverse` and `clear`.
///
/// It is a `collections.abc.MutableSequence` (a read-only one a `Sequence`; see
/// [`BridgeKind`]), and fills C's sequence slots, so `list(x)`, `numpy.array(x)` and
/// `pandas.DataFrame({"a": x})` take it. Operations that compare items (`in`, `index`,
/// `count`, `remove`, `==`) compare with Python's `==` on a copy of the items, outside the
/// lock. Slice assignment and deletion (`x[1:3] = ...`) are not supported.
///
/// The vector is behind a [`BridgeLock`](super::BridgeLock) (Python code that uses it while
/// this thread holds it gets `RuntimeError`); an index is checked against the length under the
/// same lock as the write it guards, so a vector that shrinks meanwhile gives `IndexError`,
/// never a panic.
///
/// When the items hold Python objects ([`Object`], `Option<Object>`, `Vec<Object>`, a
/// [`Value`](crate::Value) with [`Value::Object`](crate::Value::Object)s) the
/// bridge reports them to Python's cycle collector, so a cycle through the vector (an item
/// that refers back to the bridged vector) is freed once only Python holds the vector; the
/// collector breaks it by emptying the vector ([`VecLike::vec_take`]). While Rust holds an
/// `Arc` of the bridge the vector's objects are kept.
///
/// ```
/// let v = libpython::VecBridge::new(vec![1i64, 2, 3]);
/// let py_v = libpython::bridge(v.clone())?;
/// let g = libpython::Dict::from_pairs([("v", &py_v)])?;
/// libpython::exec("v.append(v[-1] * 10)\nl = list(v)\nhas = 30 in v", &g)?;
/// assert_eq!(g.get_as::<Vec<i64>>("l")?.unwrap(), [1, 2, 3, 30]);
/// assert_eq!(g.get_as::<bool>("has")?, Some(true));
/// assert_eq!(*v.vec().read()?, [1, 2, 3, 30]);
/// let abc = libpython::import("collections.abc")?;
/// assert!(py_v.is_instance(&abc.getattr("MutableSequence")?)?);
/// libpython::exec("v += [4]\nv.insert(0, 0)\ndel v[-1]\nv.reverse()", &g)?;
/// assert_eq!(*v.vec().read()?, [30, 3, 2, 1, 0]);
/// # Ok::<(), libpython::Error>(())
/// ```
pub struct VecBridge<V: VecLike> {
    vec: Container<V>,
}

container_bridge!(VecBridge<V: VecLike>, vec, &VECTOR);

impl<V: VecLike> VecBridge<V> {
    /// The vector's lock (no Python code runs under it: items are compared on copies, and
    /// replaced or removed ones dropped after it is released).
    fn read(&self) -> Result<super::BridgeReadGuard<'_, V>> {
        self.vec.read(false)
    }

    fn write(&self) -> Result<super::BridgeWriteGuard<'_, V>> {
        self.vec.write(false)
    }

    /// The items, copied out under the lock.
    fn items(&self) -> Result<Vec<V::Item>> {
        let v = self.read()?;
        Ok((0..v.vec_len())
            .filter_map(|i| v.vec_get(i).cloned())
            .collect())
    }
}

/// The position a Python index `i` (negative counts from the end) names in a sequence of
/// `len` items, if any.
fn position(i: isize, len: usize) -> Option<usize> {
    if i >= 0 {
        let i = i as usize;
        (i < len).then_some(i)
    } else {
        len.checked_sub(i.unsigned_abs())
    }
}

/// What a vector bridge is to Python.
static VECTOR: Flavor = Flavor {
    what: "vector",
    type_name: "RustVector",
    writable: "a writable sequence",
    kinds: [BridgeKind::Sequence, BridgeKind::MutableSequence],
    methods: [
        &["index", "count"],
        &[
            "index", "count", "append", "insert", "extend", "pop", "remove", "reverse", "clear",
        ],
    ],
};

/// Where `list.insert(i, ...)` puts an item in a sequence of `len` items: a negative index
/// counts from the end, and indexes out of range are clamped to the ends.
fn insert_position(i: isize, len: usize) -> usize {
    if i >= 0 {
        (i as usize).min(len)
    } else {
        len.saturating_sub(i.unsigned_abs())
    }
}

impl<V: VecLike> VecBridge<V> {
    /// The items as a new Python list (compared there, outside the lock).
    fn as_list<'py>(&self, py: Python<'py>) -> Result<Bound<'py>> {
        crate::conversion::to_object(&self.items()?, py)?.into_bound(py)
    }

    /// Removes the item at Python index `i` (negative from the end) under one lock; the item
    /// is returned, to be dropped after the lock is released.
    fn remove_at(&self, py: Python<'_>, i: isize, what: &std::ffi::CStr) -> Result<V::Item> {
        let mut v = self.write()?;
        match position(i, v.vec_len()) {
            Some(p) => Ok(v.vec_remove(p)),
            None => {
                drop(v);
                Err(index_error(py, what))
            }
        }
    }
}

impl<V: VecLike> Bridge for VecBridge<V> {
    fn kind(&self) -> BridgeKind {
        self.vec.kind()
    }

    // Its attributes are its methods (or none): Python finds them on the type.
    fn dynamic_attrs(&self) -> bool {
        false
    }

    fn methods(&self) -> &'static [&'static str] {
        self.vec.methods()
    }

    fn call_method(&self, a: &Args<'_>, name: &str) -> Result<Object> {
        let py = a.py();
        let none = || py.none().unbind();
        match name {
            "index" | "count" => {
                // `list.index` and `list.count` on a copy: the comparisons are Python code.
                let args: Vec<Object> = (0..a.len())
                    .filter_map(|i| a.get(i))
                    .map(|b| b.to_owned().unbind())
                    .collect();
                self.as_list(py)?
                    .call_method(name, crate::Tuple::new_in(py, args)?)
                    .map(Bound::unbind)
            }
            "append" => {
                self.vec.writable()?;
                let v: V::Item = a.extract(0)?;
                self.write()?.vec_push(v);
                Ok(none())
            }
            "insert" => {
                self.vec.writable()?;
                let i: isize = a.extract(0)?;
                let item: V::Item = a.extract(1)?;
                let mut v = self.write()?;
                let p = insert_position(i, v.vec_len());
                v.vec_insert(p, item);
                Ok(none())
            }
            "extend" => {
                self.vec.writable()?;
                let source = a.get(0).ok_or_else(|| {
                    crate::err::runtime_like(py, "TypeError", "extend expected 1 argument, got 0")
                })?;
                // Converted before the lock is taken (iterating this very vector is fine: its
                // iterator works on a copy).
                let mut items = Vec::new();
                for x in source.try_iter()? {
                    items.push(V::Item::from_python(&x?)?);
                }
                let mut v = self.write()?;
                for item in items {
                    v.vec_push(item);
                }
                Ok(none())
            }
            "pop" => {
                self.vec.writable()?;
                let i: isize = match a.get(0) {
                    Some(_) => a.extract(0)?,
                    None => -1,
                };
                let empty = self.read()?.vec_len() == 0;
                let item = self.remove_at(
                    py,
                    i,
                    if empty {
                        c"pop from empty list"
                    } else {
                        c"pop index out of range"
                    },
                )?;
                crate::conversion::to_object(&item, py)
            }
            "remove" => {
                self.vec.writable()?;
                let x = a.get(0).ok_or_else(|| {
                    crate::err::runtime_like(py, "TypeError", "remove expected 1 argument, got 0")
                })?;
                // Found with Python's `==` on a copy (ValueError when absent), removed by index.
                let i: isize = self.as_list(py)?.call_method("index", (&*x,))?.extract()?;
                let removed = self.remove_at(py, i, c"list.remove(x): x not in list")?;
                drop(removed);
                Ok(none())
            }
            "reverse" => {
                self.vec.writable()?;
                let mut v = self.write()?;
                let n = v.vec_len();
                let mut old = Vec::with_capacity(n / 2 * 2);
                for i in 0..n / 2 {
                    if let (Some(a), Some(b)) =
                        (v.vec_get(i).cloned(), v.vec_get(n - 1 - i).cloned())
                    {
                        old.push(v.vec_set(i, b));
                        old.push(v.vec_set(n - 1 - i, a));
                    }
                }
                // The replaced copies are dropped after the lock is released.
                drop(v);
                drop(old);
                Ok(none())
            }
            "clear" => {
                self.vec.writable()?;
                let (taken, removed) = {
                    let mut v = self.write()?;
                    match v.vec_take() {
                        Some(all) => (Some(all), Vec::new()),
                        None => (
                            None,
                            (0..v.vec_len()).rev().map(|i| v.vec_remove(i)).collect(),
                        ),
                    }
                };
                // Dropped after the lock is released: an item's `__del__` may use this vector.
                drop(taken);
                drop(removed);
                Ok(none())
            }
            _ => Err(self.vec.no_method(name)),
        }
    }

    fn len(&self) -> Result<Option<usize>> {
        Ok(Some(self.read()?.vec_len()))
    }

    fn get_item(&self, py: Python<'_>, key: &Bound<'_>) -> Result<Object> {
        // SAFETY: live object, GIL held.
        if !unsafe { ffi::PyIndex_Check(key.as_ptr()) != 0 } {
            // A slice (or a key of the wrong type): what a list of the items says.
            return self.as_list(py)?.get_item(key).map(Bound::unbind);
        }
        let i: isize = key.extract()?;
        let item = {
            let v = self.read()?;
            position(i, v.vec_len()).and_then(|p| v.vec_get(p).cloned())
        };
        match item {
            Some(item) => crate::conversion::to_object(&item, py),
            None => Err(index_error(py, c"index out of range")),
        }
    }

    fn set_item(&self, py: Python<'_>, key: &Bound<'_>, value: Option<&Bound<'_>>) -> Result<()> {
        self.vec.writable()?;
        let Some(value) = value else {
            let i: isize = key.extract()?;
            let removed = self.remove_at(py, i, c"list assignment index out of range")?;
            drop(removed);
            return Ok(());
        };
        // Both conversions may run Python code (`__index__`, ...), so they happen before the
        // lock is taken; the index is checked under the lock, against the length the write
        // sees.
        let i: isize = key.extract()?;
        let item = V::Item::from_python(value)?;
        let mut v = self.write()?;
        match position(i, v.vec_len()) {
            Some(p) => {
                let old = v.vec_set(p, item);
                // Dropped after the lock is released: its `__del__` may use this vector.
                drop(v);
                drop(old);
                Ok(())
            }
            None => {
                drop(v);
                Err(index_error(py, c"index out of range"))
            }
        }
    }

    fn contains(&self, py: Python<'_>, key: &Bound<'_>) -> Result<bool> {
        // Compared outside the lock: `__eq__` is Python code, which may use this vector.
        let items = crate::conversion::to_object(&self.items()?, py)?;
        items.bound(py).contains(key)
    }

    fn iter(&self, py: Python<'_>) -> Result<Object> {
        iter_copies(py, &self.items()?)
    }

    fn repr(&self) -> String {
        self.vec.repr(|v| format!("of {} items", v.vec_len()))
    }

    fn type_name(&self) -> &str {
        self.vec.type_name()
    }

    fn traverse(&self, visit: &mut Visit<'_>) {
        if !holds_objects::<V::Item>() {
            return;
        }
        // A vector locked for writing reports nothing this time: its objects then count as
        // referenced from outside and are kept.
        let Some(v) = self.vec.lock().try_read_as(false) else {
            return;
        };
        if !v.owns_objects().made() {
            return;
        }
        for i in 0..v.vec_len() {
            if let Some(item) = v.vec_get(i) {
                // SAFETY: the vector owns its items alone (its promise), and this bridge owns
                // the vector alone: the collector traverses a bridge only while the Python
                // object holds the only `Arc` of it, and no other value holds the vector.
                unsafe { visit_objects(item as &dyn Any, visit) };
            }
        }
    }

    fn clear(&self) {
        if !holds_objects::<V::Item>() {
            return;
        }
        self.vec.clear_for_collector(V::vec_take);
    }
}
