//! Rust maps shared with Python as mappings ([`MapBridge`]).

use std::any::Any;
use std::collections::{BTreeMap, HashMap};
use std::hash::Hash;
use std::sync::Arc;

use super::lock::BridgeLock;
use super::{Bridge, holds_objects, key_error, visit_objects};
use crate::conv::{FromPython, ToPython};
use crate::err::{Error, Result};
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
    /// Removes; whether it was there.
    fn map_remove(&mut self, k: &Self::Key) -> bool;
    /// Every key.
    fn map_keys(&self) -> Vec<&Self::Key>;
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
}

macro_rules! map_like {
    ($($t:ident)::+, $($bound:tt)*) => {
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
            fn map_remove(&mut self, k: &K) -> bool { self.remove(k).is_some() }
            fn map_keys(&self) -> Vec<&K> { self.keys().collect() }
            fn map_take(&mut self) -> Option<Self> { Some(std::mem::take(self)) }
        }
    };
}

map_like!(HashMap, Eq + Hash);
map_like!(BTreeMap, Ord);
map_like!(imbl::HashMap, Eq + Hash);
map_like!(imbl::OrdMap, Ord);

/// A Rust map shared with Python as a mapping: `len`, `[]`, `in`, iteration over keys,
/// `keys()`, `values()`, `items()`, `get()`, so `dict(x)` and `json.dumps(dict(x))` work.
/// Writes from Python (`x[k] = v`, `del x[k]`) change the Rust map, which Rust sees through
/// [`MapBridge::map`].
///
/// The map is behind a [`BridgeLock`]: Python code that runs while the map is locked (a key's
/// `__hash__` during a lookup, Python called by Rust code holding a guard) and uses the map
/// again gets `RuntimeError` instead of waiting for itself. Values and keys handed to Python
/// are copied out under the lock and converted after it is released.
///
/// When the keys or values are Python objects ([`Object`], `Option<Object>`, `Vec<Object>`)
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
/// # Ok::<(), libpython::Error>(())
/// ```
pub struct MapBridge<M: MapLike> {
    map: BridgeLock<M>,
    read_only: bool,
}

impl<M: MapLike> std::fmt::Debug for MapBridge<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.repr())
    }
}

impl<M: MapLike> MapBridge<M> {
    /// A writable bridge over `map`.
    pub fn new(map: M) -> Arc<Self> {
        Arc::new(MapBridge { map: BridgeLock::new(map), read_only: false })
    }

    /// A bridge over `map` that refuses writes from Python (for persistent `imbl` values).
    pub fn read_only(map: M) -> Arc<Self> {
        Arc::new(MapBridge { map: BridgeLock::new(map), read_only: true })
    }

    /// The shared map.
    pub fn map(&self) -> &BridgeLock<M> {
        &self.map
    }

    fn read(&self) -> Result<super::BridgeReadGuard<'_, M>> {
        self.map.read().map_err(|_| Error::Busy { what: "map" })
    }

    fn write(&self) -> Result<super::BridgeWriteGuard<'_, M>> {
        self.map.write().map_err(|_| Error::Busy { what: "map" })
    }

    /// The keys, copied out under the lock.
    fn keys(&self) -> Result<Vec<M::Key>> {
        let m = self.read()?;
        Ok(m.map_keys().into_iter().cloned().collect())
    }

    /// The entries, copied out under the lock.
    fn entries(&self) -> Result<Vec<(M::Key, M::Value)>> {
        let m = self.read()?;
        Ok(m.map_keys().into_iter().filter_map(|k| m.map_get(k).map(|v| (k.clone(), v.clone()))).collect())
    }

    /// The value of `k`, copied out under the lock (a lookup by a key whose hashing runs
    /// Python code that uses this map again gets [`Error::Busy`]).
    fn value(&self, k: &M::Key) -> Result<Option<M::Value>> {
        Ok(self.read()?.map_get(k).cloned())
    }
}

impl<M: MapLike> Bridge for MapBridge<M> {
    fn methods(&self) -> &'static [&'static str] {
        &["keys", "values", "items", "get"]
    }

    fn call_method(&self, a: &Args<'_>, name: &str) -> Result<Object> {
        let py = a.py();
        match name {
            "keys" => crate::conv::to_object(&self.keys()?, py),
            "values" => {
                let values: Vec<M::Value> = self.entries()?.into_iter().map(|(_, v)| v).collect();
                crate::conv::to_object(&values, py)
            }
            "items" => {
                let pairs: Vec<Object> = self.entries()?.iter().map(|(k, v)| crate::conv::to_object(&(k, v), py)).collect::<Result<_>>()?;
                crate::conv::to_object(&pairs, py)
            }
            "get" => {
                let k: M::Key = a.extract(0)?;
                match self.value(&k)? {
                    Some(v) => crate::conv::to_object(&v, py),
                    None => Ok(a.get(1).map(|d| d.to_owned()).unwrap_or_else(|| py.none()).unbind()),
                }
            }
            _ => Err(Error::NoAttribute { type_name: self.type_name().into(), name: name.into() }),
        }
    }

    fn len(&self) -> Result<Option<usize>> {
        Ok(Some(self.read()?.map_len()))
    }

    fn get_item(&self, py: Python<'_>, key: &Bound<'_>) -> Result<Object> {
        let k = M::Key::from_python(key).map_err(|_| key_error(key))?;
        match self.value(&k)? {
            Some(v) => crate::conv::to_object(&v, py),
            None => Err(key_error(key)),
        }
    }

    fn set_item(&self, _py: Python<'_>, key: &Bound<'_>, value: Option<&Bound<'_>>) -> Result<()> {
        if self.read_only {
            return Err(Error::type_error("a writable mapping", "read-only Rust map"));
        }
        let k = M::Key::from_python(key)?;
        match value {
            Some(v) => {
                let v = M::Value::from_python(v)?;
                self.write()?.map_insert(k, v);
                Ok(())
            }
            None => {
                if self.write()?.map_remove(&k) {
                    Ok(())
                } else {
                    Err(key_error(key))
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
        crate::conv::to_object(&self.keys()?, py)?.bound(py).get_iter().map(Bound::unbind)
    }

    fn repr(&self) -> String {
        match self.map.try_read() {
            Some(m) => format!("<Rust map with {} entries>", m.map_len()),
            None => "<Rust map (locked)>".to_owned(),
        }
    }

    fn type_name(&self) -> &str {
        "RustMap"
    }

    fn traverse(&self, visit: &mut dyn FnMut(&Object)) {
        let (keys, values) = (holds_objects::<M::Key>(), holds_objects::<M::Value>());
        if !keys && !values {
            return;
        }
        // A map locked for writing reports nothing this time: its objects then count as
        // referenced from outside and are kept.
        let Some(m) = self.map.try_read() else { return };
        for k in m.map_keys() {
            if keys {
                visit_objects(k as &dyn Any, visit);
            }
            if values && let Some(v) = m.map_get(k) {
                visit_objects(v as &dyn Any, visit);
            }
        }
    }

    fn clear(&self) {
        if !holds_objects::<M::Key>() && !holds_objects::<M::Value>() {
            return;
        }
        // The entries are dropped after the lock is released: dropping them can run Python
        // code (a `__del__`) that uses this map again.
        let taken = self.map.try_write().and_then(|mut m| m.map_take());
        drop(taken);
    }
}
