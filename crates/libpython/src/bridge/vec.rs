//! Rust vectors shared with Python as sequences ([`VecBridge`]).

use std::any::Any;
use std::sync::Arc;

use super::lock::BridgeLock;
use super::{Bridge, holds_objects, index_error, visit_objects};
use crate::conv::{FromPython, ToPython};
use crate::err::{Error, Result};
use crate::function::Args;
use crate::gil::Python;
use crate::object::{Bound, Object};

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
    /// Replaces item `i` (below [`vec_len`](Self::vec_len): the bridge checks, under the
    /// lock, before calling it).
    fn vec_set(&mut self, i: usize, v: Self::Item);
    /// Appends.
    fn vec_push(&mut self, v: Self::Item);
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
}

impl<T: FromPython + ToPython + Send + Sync + Clone + 'static> VecLike for Vec<T> {
    type Item = T;
    fn vec_len(&self) -> usize {
        self.len()
    }
    fn vec_get(&self, i: usize) -> Option<&T> {
        self.get(i)
    }
    fn vec_set(&mut self, i: usize, v: T) {
        self[i] = v;
    }
    fn vec_push(&mut self, v: T) {
        self.push(v);
    }
    fn vec_take(&mut self) -> Option<Self> {
        Some(std::mem::take(self))
    }
}

impl<T: FromPython + ToPython + Send + Sync + Clone + 'static> VecLike for imbl::Vector<T> {
    type Item = T;
    fn vec_len(&self) -> usize {
        self.len()
    }
    fn vec_get(&self, i: usize) -> Option<&T> {
        self.get(i)
    }
    fn vec_set(&mut self, i: usize, v: T) {
        self.set(i, v);
    }
    fn vec_push(&mut self, v: T) {
        self.push_back(v);
    }
    fn vec_take(&mut self) -> Option<Self> {
        Some(std::mem::take(self))
    }
}

/// A Rust vector shared with Python as a sequence: `len`, `[i]` (negative indexes too),
/// `x[i] = v`, `in`, iteration, `append`, so `list(x)` works.
///
/// The vector is behind a [`BridgeLock`] (Python code that uses it while this thread holds it
/// gets `RuntimeError`); an index is checked against the length under the same lock as the
/// write it guards, so a vector that shrinks meanwhile gives `IndexError`, never a panic.
///
/// When the items are Python objects ([`Object`], `Option<Object>`, `Vec<Object>`) the
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
/// # Ok::<(), libpython::Error>(())
/// ```
pub struct VecBridge<V: VecLike> {
    vec: BridgeLock<V>,
    read_only: bool,
}

impl<V: VecLike> std::fmt::Debug for VecBridge<V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.repr())
    }
}

impl<V: VecLike> VecBridge<V> {
    /// A writable bridge over `vec`.
    pub fn new(vec: V) -> Arc<Self> {
        Arc::new(VecBridge { vec: BridgeLock::new(vec), read_only: false })
    }

    /// A bridge over `vec` that refuses writes from Python.
    pub fn read_only(vec: V) -> Arc<Self> {
        Arc::new(VecBridge { vec: BridgeLock::new(vec), read_only: true })
    }

    /// The shared vector.
    pub fn vec(&self) -> &BridgeLock<V> {
        &self.vec
    }

    fn read(&self) -> Result<super::BridgeReadGuard<'_, V>> {
        self.vec.read().map_err(|_| Error::Busy { what: "vector" })
    }

    fn write(&self) -> Result<super::BridgeWriteGuard<'_, V>> {
        self.vec.write().map_err(|_| Error::Busy { what: "vector" })
    }

    /// The items, copied out under the lock.
    fn items(&self) -> Result<Vec<V::Item>> {
        let v = self.read()?;
        Ok((0..v.vec_len()).filter_map(|i| v.vec_get(i).cloned()).collect())
    }

    fn writable(&self) -> Result<()> {
        if self.read_only { Err(Error::type_error("a writable sequence", "read-only Rust vector")) } else { Ok(()) }
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

impl<V: VecLike> Bridge for VecBridge<V> {
    fn methods(&self) -> &'static [&'static str] {
        &["append"]
    }

    fn call_method(&self, a: &Args<'_>, name: &str) -> Result<Object> {
        match name {
            "append" => {
                self.writable()?;
                let v: V::Item = a.extract(0)?;
                self.write()?.vec_push(v);
                Ok(a.py().none().unbind())
            }
            _ => Err(Error::NoAttribute { type_name: self.type_name().into(), name: name.into() }),
        }
    }

    fn len(&self) -> Result<Option<usize>> {
        Ok(Some(self.read()?.vec_len()))
    }

    fn get_item(&self, py: Python<'_>, key: &Bound<'_>) -> Result<Object> {
        let i: isize = key.extract()?;
        let item = {
            let v = self.read()?;
            position(i, v.vec_len()).and_then(|p| v.vec_get(p).cloned())
        };
        match item {
            Some(item) => crate::conv::to_object(&item, py),
            None => Err(index_error(py, c"index out of range")),
        }
    }

    fn set_item(&self, py: Python<'_>, key: &Bound<'_>, value: Option<&Bound<'_>>) -> Result<()> {
        self.writable()?;
        let Some(value) = value else {
            return Err(Error::type_error("a sequence supporting deletion", "Rust vector"));
        };
        // Both conversions may run Python code (`__index__`, ...), so they happen before the
        // lock is taken; the index is checked under the lock, against the length the write
        // sees.
        let i: isize = key.extract()?;
        let item = V::Item::from_python(value)?;
        let mut v = self.write()?;
        match position(i, v.vec_len()) {
            Some(p) => {
                v.vec_set(p, item);
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
        let items = crate::conv::to_object(&self.items()?, py)?;
        items.bound(py).contains(key)
    }

    fn iter(&self, py: Python<'_>) -> Result<Object> {
        crate::conv::to_object(&self.items()?, py)?.bound(py).get_iter().map(Bound::unbind)
    }

    fn repr(&self) -> String {
        match self.vec.try_read() {
            Some(v) => format!("<Rust vector of {} items>", v.vec_len()),
            None => "<Rust vector (locked)>".to_owned(),
        }
    }

    fn type_name(&self) -> &str {
        "RustVector"
    }

    fn traverse(&self, visit: &mut dyn FnMut(&Object)) {
        if !holds_objects::<V::Item>() {
            return;
        }
        // A vector locked for writing reports nothing this time: its objects then count as
        // referenced from outside and are kept.
        let Some(v) = self.vec.try_read() else { return };
        for i in 0..v.vec_len() {
            if let Some(item) = v.vec_get(i) {
                visit_objects(item as &dyn Any, visit);
            }
        }
    }

    fn clear(&self) {
        if !holds_objects::<V::Item>() {
            return;
        }
        // The items are dropped after the lock is released: dropping them can run Python
        // code (a `__del__`) that uses this vector again.
        let taken = self.vec.try_write().and_then(|mut v| v.vec_take());
        drop(taken);
    }
}
