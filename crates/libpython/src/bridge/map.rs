//! Rust maps shared with Python as mappings ([`MapBridge`]).

use std::any::{Any, TypeId};
use std::collections::{BTreeMap, HashMap};
use std::hash::Hash;

use super::container::{Container, Flavor, container_bridge, iter_copies};
use super::{Bridge, BridgeKind, OwnsObjects, Visit, holds_objects, key_error, visit_objects};
use crate::conversion::{FromPython, ToPython};
use crate::err::Result;
use crate::function::Args;
use crate::gil::Python;
use crate::object::{Bound, Object};

/// A Rust map that [`MapBridge`] can show to Python as a mapping.
///
/// Keys and values are `Clone`: what Python reads is copied out of the map under its lock and
/// converted after the lock is released, so no conversion (which may run Python code) runs
/// while the map is locked.
pub trait MapLike: Send + Sync + 'static {
    /// The key type.
    type Key: FromPython + ToPython + Clone;
    /// The value type.
    type Value: FromPython + ToPython + Clone;
    /// Number of entries.
    fn map_len(&self) -> usize;
    /// The value of `k`.
    fn map_get(&self, k: &Self::Key) -> Option<&Self::Value>;
    /// Inserts or replaces.
    fn map_insert(&mut self, k: Self::Key, v: Self::Value);
    /// Removes `k`, returning its value if it was there (the bridge drops it after releasing
    /// the map's lock).
    fn map_remove(&mut self, k: &Self::Key) -> Option<Self::Value>;
    /// Every entry, in the map's order (read without looking keys up: for keys that are
    /// Python objects a lookup runs their `__hash__` and `__eq__`, which the cycle collector's
    /// traversal must not).
    fn map_entries(&self) -> Vec<(&Self::Key, &Self::Value)>;
    /// Empties the map and returns what it held, for the cycle collector breaking a cycle
    /// through a [`MapBridge`] whose keys or values are Python objects (the entries are
    /// dropped once the map's lock is released). `None` (the default): not supported, the
    /// entries stay and such a cycle is not freed.
    fn map_take(&mut self) -> Option<Self>
    where
        Self: Sized,
    {
        None
    }

    /// Whether the map owns its entries alone, so that a [`MapBridge`] of it reports the
    /// Python objects in them to the cycle collector ([`OwnsObjects::NOT`], the default:
    /// they are not reported, and a cycle through the map is not freed).
    fn owns_objects(&self) -> OwnsObjects {
        OwnsObjects::NOT
    }

    /// Whether the map's own operations may run Python code: the key type's `Hash`, `Eq` or
    /// `Ord` (a key holding an [`Object`] compares through Python's `__hash__` and `__eq__`),
    /// or a key dropped by a removal (a `__del__`). While such an operation holds the map's
    /// lock, a thread that finds it locked is refused ([`ErrorKind::Busy`]) instead of
    /// waiting, since the Python code may be waiting for that thread.
    ///
    /// The default says yes: the methods of a map written elsewhere are its own code. The
    /// maps this crate implements it for (`HashMap`, `BTreeMap`, `imbl`'s) say no for keys
    /// whose comparisons are Rust's own: integers, `bool`, `char`, `String`, `()`, and vectors
    /// and pairs of these. A map whose operations run no Python code can say so, and threads
    /// that write it at once then wait for each other instead of being refused.
    ///
    /// [`ErrorKind::Busy`]: crate::ErrorKind::Busy
    fn operations_run_python() -> bool
    where
        Self: Sized,
    {
        true
    }
}

/// Whether `K` is a key type whose `Hash`, `Eq`, `Ord` and drop are Rust's own, none of which
/// can run Python code (decided by `K`'s `TypeId` against a fixed list, folded by the
/// compiler).
fn plain_key<K: 'static>() -> bool {
    macro_rules! any_of {
        ($k:expr; $($t:ty),*) => { false $(|| $k == TypeId::of::<$t>())* };
    }
    macro_rules! pairs {
        ($k:expr; $($a:ty),*) => { false $(|| pairs!(@with $k; $a; i64, u64, i32, u32, usize, isize, bool, char, String))* };
        (@with $k:expr; $a:ty; $($b:ty),*) => { false $(|| $k == TypeId::of::<($a, $b)>())* };
    }
    let k = TypeId::of::<K>();
    any_of!(k; i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize, bool, char, String, ())
        || any_of!(k; Vec<i8>, Vec<i16>, Vec<i32>, Vec<i64>, Vec<isize>, Vec<u8>, Vec<u16>, Vec<u32>, Vec<u64>, Vec<usize>, Vec<bool>, Vec<char>, Vec<String>)
        || pairs!(k; i64, u64, i32, u32, usize, isize, bool, char, String)
}

macro_rules! map_like {
    ($($t:ident)::+, owns: $owns:ident, $($bound:tt)*) => {
        impl<K, V> MapLike for $($t)::+<K, V>
        where
            K: FromPython + ToPython + Send + Sync + Clone + 'static + $($bound)*,
            V: FromPython + ToPython + Send + Sync + Clone + 'static,
        {
            type Key = K;
            type Value = V;
            fn map_len(&self) -> usize { self.len() }
            fn map_get(&self, k: &K) -> Option<&V> { self.get(k) }
            fn map_insert(&mut self, k: K, v: V) { self.insert(k, v); }
            fn map_remove(&mut self, k: &K) -> Option<V> { self.remove(k) }
            fn map_entries(&self) -> Vec<(&K, &V)> { self.iter().collect() }
            fn map_take(&mut self) -> Option<Self> { Some(std::mem::take(self)) }
            fn owns_objects(&self) -> OwnsObjects { owns!($owns) }
            fn operations_run_python() -> bool { !plain_key::<K>() }
        }
    };
}

map_like!(HashMap, owns: alone, Eq + Hash);
map_like!(BTreeMap, owns: alone, Ord);
// `imbl`'s maps share nodes between clones: no promise.
#[cfg(feature = "value")]
map_like!(imbl::HashMap, owns: shared, Eq + Hash);
#[cfg(feature = "value")]
map_like!(imbl::OrdMap, owns: shared, Ord);

/// A Rust map shared with Python as a mapping: `len`, `[]`, `in`, iteration over keys,
/// `keys()`, `values()`, `items()` (lists, copied), `get()` and `==`, and for a writable one
/// `x[k] = v`, `del x[k]`, `pop()`, `popitem()`, `setdefault()`, `update()` and `clear()`.
/// Writes from Python change the Rust map, which Rust sees through [`MapBridge::map`].
///
/// It is a `collections.abc.MutableMapping` (a read-only one a `Mapping`; see
/// [`BridgeKind`]), so code that checks for a mapping takes it: `dict(x)`, `pandas.Series(x)`,
/// `{**x}`. `json.dumps` does not: its encoder accepts only `dict` (and subclasses), which it
/// reads through the dict's own storage, and a bridged map is no dict, since a dict subclass
/// would carry a second copy of the data that C code reads instead of the Rust map. Write
/// `json.dumps(dict(x))`.
///
/// Keys that are Rust sequences (`Vec<i64>`, tuples) are Python tuples (Python refuses lists
/// as keys): `x[(1, 2)]` finds the key `vec![1, 2]`.
///
/// The map is behind a [`BridgeLock`](super::BridgeLock): Python code that runs while the
/// map is locked (a key's `__hash__` during a lookup, Python called by Rust code holding a
/// guard) and uses the map again gets `RuntimeError` instead of waiting for itself. Values
/// and keys handed to Python are copied out under the lock and converted after it is
/// released.
///
/// When the keys or values hold Python objects ([`Object`], `Option<Object>`, `Vec<Object>`,
/// a [`Value`](crate::Value) with [`Value::Object`](crate::Value::Object)s)
/// the bridge reports them to Python's cycle collector, so a cycle through the map (a value
/// that refers back to the bridged map, or to one of its methods) is freed once only Python
/// holds the map; the collector breaks it by emptying the map ([`MapLike::map_take`]). While
/// Rust holds an `Arc` of the bridge the map's objects are kept.
///
/// ```
/// use std::collections::HashMap;
/// let m = libpython::MapBridge::new(HashMap::from([("a".to_string(), 1i64)]));
/// let py_m = libpython::bridge(m.clone())?;
/// let g = libpython::Dict::from_pairs([("m", &py_m)])?;
/// libpython::exec("m['b'] = m['a'] + 1\nimport json\ns = json.dumps(dict(m), sort_keys=True)", &g)?;
/// assert_eq!(g.get_as::<String>("s")?.unwrap(), r#"{"a": 1, "b": 2}"#);
/// assert_eq!(m.map().read()?["b"], 2);
/// let abc = libpython::import("collections.abc")?;
/// assert!(py_m.is_instance(&abc.getattr("MutableMapping")?)?);
/// assert!(py_m.eq_py(libpython::eval("{'a': 1, 'b': 2}")?)?);
/// # Ok::<(), libpython::Error>(())
/// ```
pub struct MapBridge<M: MapLike> {
    map: Container<M>,
}

container_bridge!(MapBridge<M: MapLike>, map, &MAP);

impl<M: MapLike> MapBridge<M> {
    /// Whether the keys or values hold Python objects.
    fn holds_objects() -> bool {
        holds_objects::<M::Key>() || holds_objects::<M::Value>()
    }

    /// The map's lock, marked as running Python code under it when the map's operations may
    /// ([`MapLike::operations_run_python`]).
    fn read(&self) -> Result<super::BridgeReadGuard<'_, M>> {
        self.map.read(M::operations_run_python())
    }

    fn write(&self) -> Result<super::BridgeWriteGuard<'_, M>> {
        self.map.write(M::operations_run_python())
    }

    /// The keys, copied out under the lock.
    fn keys(&self) -> Result<Vec<M::Key>> {
        let m = self.read()?;
        Ok(m.map_entries()
            .into_iter()
            .map(|(k, _)| k.clone())
            .collect())
    }

    /// The keys as Python objects (sequences as tuples), copied out under the lock.
    fn key_objects(&self, py: Python<'_>) -> Result<Vec<Object>> {
        self.keys()?
            .iter()
            .map(|k| crate::conversion::to_key_object(k, py))
            .collect()
    }

    /// The entries, copied out under the lock.
    fn entries(&self) -> Result<Vec<(M::Key, M::Value)>> {
        let m = self.read()?;
        Ok(m.map_entries()
            .into_iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect())
    }

    /// The value of `k`, copied out under the lock (a lookup by a key whose hashing runs
    /// Python code that uses this map again gets [`ErrorKind::Busy`](crate::ErrorKind::Busy)).
    fn value(&self, k: &M::Key) -> Result<Option<M::Value>> {
        Ok(self.read()?.map_get(k).cloned())
    }
}

/// What a map bridge is to Python.
static MAP: Flavor = Flavor {
    what: "map",
    type_name: "RustMap",
    writable: "a writable mapping",
    kinds: [BridgeKind::Mapping, BridgeKind::MutableMapping],
    methods: [
        &["keys", "values", "items", "get"],
        &[
            "keys",
            "values",
            "items",
            "get",
            "pop",
            "popitem",
            "setdefault",
            "update",
            "clear",
        ],
    ],
};

impl<M: MapLike> MapBridge<M> {
    /// Converts the key `key` from Python, a `KeyError` if it cannot be one of this map's.
    fn key_of(key: &Bound<'_>) -> Result<M::Key> {
        M::Key::from_python(key).map_err(|_| key_error(key))
    }

    /// `update(other=(), **kwargs)`: every pair is converted before the map is locked, then
    /// all are inserted under one lock.
    fn update(&self, a: &Args<'_>) -> Result<()> {
        let mut pairs: Vec<(M::Key, M::Value)> = Vec::new();
        if let Some(other) = a.get(0) {
            if other.hasattr("keys")? {
                for k in other.call_method("keys", ())?.try_iter()? {
                    let k = k?;
                    let v = other.get_item(&k)?;
                    pairs.push((M::Key::from_python(&k)?, M::Value::from_python(&v)?));
                }
            } else {
                for pair in other.try_iter()? {
                    let (k, v): (M::Key, M::Value) = pair?.extract()?;
                    pairs.push((k, v));
                }
            }
        }
        for (name, v) in a.kwargs() {
            let k = crate::conversion::to_object(&name, a.py())?;
            pairs.push((
                M::Key::from_python(k.bound(a.py()))?,
                M::Value::from_python(&v)?,
            ));
        }
        let mut m = self.write()?;
        let replaced: Vec<Option<M::Value>> = pairs
            .into_iter()
            .map(|(k, v)| {
                let old = m.map_remove(&k);
                m.map_insert(k, v);
                old
            })
            .collect();
        drop(m);
        drop(replaced);
        Ok(())
    }
}

impl<M: MapLike> Bridge for MapBridge<M> {
    fn kind(&self) -> BridgeKind {
        self.map.kind()
    }

    // Its attributes are its methods (or none): Python finds them on the type.
    fn dynamic_attrs(&self) -> bool {
        false
    }

    fn methods(&self) -> &'static [&'static str] {
        self.map.methods()
    }

    fn call_method(&self, a: &Args<'_>, name: &str) -> Result<Object> {
        let py = a.py();
        let none = || py.none().unbind();
        match name {
            "keys" => crate::conversion::to_object(&self.key_objects(py)?, py),
            "values" => {
                let values: Vec<M::Value> = self.entries()?.into_iter().map(|(_, v)| v).collect();
                crate::conversion::to_object(&values, py)
            }
            "items" => {
                let pairs: Vec<Object> = self
                    .entries()?
                    .iter()
                    .map(|(k, v)| {
                        crate::conversion::to_object(
                            &(crate::conversion::to_key_object(k, py)?, v),
                            py,
                        )
                    })
                    .collect::<Result<_>>()?;
                crate::conversion::to_object(&pairs, py)
            }
            "get" => {
                let k: M::Key = a.extract(0)?;
                match self.value(&k)? {
                    Some(v) => crate::conversion::to_object(&v, py),
                    None => Ok(a.get(1).map(|d| d.to_owned().unbind()).unwrap_or_else(none)),
                }
            }
            "pop" => {
                self.map.writable()?;
                let key = a.get(0).ok_or_else(|| {
                    crate::err::runtime_like(
                        py,
                        "TypeError",
                        "pop expected at least 1 argument, got 0",
                    )
                })?;
                let removed = match M::Key::from_python(&key) {
                    Ok(k) => self.write()?.map_remove(&k),
                    Err(_) => None,
                };
                match (removed, a.get(1)) {
                    (Some(v), _) => crate::conversion::to_object(&v, py),
                    (None, Some(default)) => Ok(default.to_owned().unbind()),
                    (None, None) => Err(key_error(&key)),
                }
            }
            "popitem" => {
                self.map.writable()?;
                let taken = {
                    let mut m = self.write()?;
                    let first = m.map_entries().first().map(|(k, _)| (*k).clone());
                    first.and_then(|k| m.map_remove(&k).map(|v| (k, v)))
                };
                match taken {
                    Some((k, v)) => crate::conversion::to_object(
                        &(crate::conversion::to_key_object(&k, py)?, v),
                        py,
                    ),
                    None => Err(key_error(
                        &crate::conversion::to_object("popitem(): dictionary is empty", py)?
                            .into_bound(py)?,
                    )),
                }
            }
            "setdefault" => {
                self.map.writable()?;
                let key = a.get(0).ok_or_else(|| {
                    crate::err::runtime_like(
                        py,
                        "TypeError",
                        "setdefault expected at least 1 argument, got 0",
                    )
                })?;
                let k = M::Key::from_python(&key)?;
                if let Some(v) = self.value(&k)? {
                    return crate::conversion::to_object(&v, py);
                }
                let default = a.get(1).map(|d| d.to_owned()).unwrap_or_else(|| py.none());
                let v = M::Value::from_python(&default)?;
                let mut m = self.write()?;
                // Another thread may have inserted it meanwhile: its value wins, as in a dict.
                let value = match m.map_get(&k) {
                    Some(existing) => existing.clone(),
                    None => {
                        m.map_insert(k, v.clone());
                        v
                    }
                };
                drop(m);
                crate::conversion::to_object(&value, py)
            }
            "update" => {
                self.map.writable()?;
                self.update(a)?;
                Ok(none())
            }
            "clear" => {
                self.map.writable()?;
                // Taken whole when the map can (no key is looked up: a lookup of a key that is a
                // Python object runs its `__hash__`), else removed key by key.
                let removed: (Option<M>, Vec<M::Value>) = {
                    let mut m = self.write()?;
                    match m.map_take() {
                        Some(all) => (Some(all), Vec::new()),
                        None => {
                            let keys: Vec<M::Key> = m
                                .map_entries()
                                .into_iter()
                                .map(|(k, _)| k.clone())
                                .collect();
                            (None, keys.iter().filter_map(|k| m.map_remove(k)).collect())
                        }
                    }
                };
                // Dropped after the lock is released: a value's `__del__` may use this map.
                drop(removed);
                Ok(none())
            }
            _ => Err(self.map.no_method(name)),
        }
    }

    fn len(&self) -> Result<Option<usize>> {
        Ok(Some(self.read()?.map_len()))
    }

    fn get_item(&self, py: Python<'_>, key: &Bound<'_>) -> Result<Object> {
        let k = Self::key_of(key)?;
        match self.value(&k)? {
            Some(v) => crate::conversion::to_object(&v, py),
            None => Err(key_error(key)),
        }
    }

    fn set_item(&self, _py: Python<'_>, key: &Bound<'_>, value: Option<&Bound<'_>>) -> Result<()> {
        self.map.writable()?;
        match value {
            Some(v) => {
                let k = M::Key::from_python(key)?;
                let v = M::Value::from_python(v)?;
                let mut m = self.write()?;
                let old = m.map_remove(&k);
                m.map_insert(k, v);
                drop(m);
                // The replaced value is dropped after the lock is released.
                drop(old);
                Ok(())
            }
            None => {
                let k = Self::key_of(key)?;
                let removed = self.write()?.map_remove(&k);
                match removed {
                    Some(v) => {
                        drop(v);
                        Ok(())
                    }
                    None => Err(key_error(key)),
                }
            }
        }
    }

    fn contains(&self, _py: Python<'_>, key: &Bound<'_>) -> Result<bool> {
        match M::Key::from_python(key) {
            Ok(k) => Ok(self.value(&k)?.is_some()),
            Err(_) => Ok(false),
        }
    }

    fn iter(&self, py: Python<'_>) -> Result<Object> {
        iter_copies(py, &self.key_objects(py)?)
    }

    fn repr(&self) -> String {
        self.map.repr(|m| format!("with {} entries", m.map_len()))
    }

    fn type_name(&self) -> &str {
        self.map.type_name()
    }

    fn traverse(&self, visit: &mut Visit<'_>) {
        let (keys, values) = (holds_objects::<M::Key>(), holds_objects::<M::Value>());
        if !keys && !values {
            return;
        }
        // A map locked for writing reports nothing this time: its objects then count as
        // referenced from outside and are kept.
        let Some(m) = self.map.lock().try_read_as(false) else {
            return;
        };
        if !m.owns_objects().made() {
            return;
        }
        for (k, v) in m.map_entries() {
            // SAFETY: the map owns its entries alone (its promise), and this bridge owns the
            // map alone: the collector traverses a bridge only while the Python object
            // holds the only `Arc` of it, and no other value holds the map.
            unsafe {
                if keys {
                    visit_objects(k as &dyn Any, visit);
                }
                if values {
                    visit_objects(v as &dyn Any, visit);
                }
            }
        }
    }

    fn clear(&self) {
        if Self::holds_objects() {
            self.map.clear_for_collector(M::map_take);
        }
    }
}
