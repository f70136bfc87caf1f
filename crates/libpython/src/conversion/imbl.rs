//! The persistent collections of `imbl` as Python lists, dicts and sets.

use std::hash::{BuildHasher, Hash};

use imbl::shared_ptr::DefaultSharedPtr;
use imbl::{OrdMap, OrdSet, Vector};

use crate::conversion::{FromPython, ToPython};
use crate::err::Result;
use crate::gil::Python;
use crate::object::{Bound, Object};

/// A `list`.
impl<T: ToPython + Clone> ToPython for Vector<T> {
    fn to_python(&self, py: Python<'_>) -> Result<Object> {
        crate::conversion::list_from_iter(py, self.len(), self.iter())
    }
}

/// Any sequence or iterable (not a `str`).
impl<T: FromPython + Clone> FromPython for Vector<T> {
    fn from_python(obj: &Bound<'_>) -> Result<Self> {
        super::seq::seq_extract(obj, |_| Vector::new(), |v, x| v.push_back(x))
    }
}

/// A `dict`.
impl<K: ToPython, V: ToPython, S> ToPython for imbl::GenericHashMap<K, V, S, DefaultSharedPtr> {
    fn to_python(&self, py: Python<'_>) -> Result<Object> {
        super::map::dict_from_iter(py, self.iter())
    }
}

/// Any mapping.
impl<K, V, S> FromPython for imbl::GenericHashMap<K, V, S, DefaultSharedPtr>
where
    K: FromPython + Hash + Eq + Clone,
    V: FromPython + Clone,
    S: BuildHasher + Default + Clone,
{
    fn from_python(obj: &Bound<'_>) -> Result<Self> {
        let mut m = imbl::GenericHashMap::with_hasher(S::default());
        super::map::map_extract(obj, super::map::std_hasher::<S>(), |k, v| {
            m.insert(k, v);
        })?;
        Ok(m)
    }
}

/// A `dict`.
impl<K: ToPython + Ord, V: ToPython> ToPython for OrdMap<K, V> {
    fn to_python(&self, py: Python<'_>) -> Result<Object> {
        super::map::dict_from_iter(py, self.iter())
    }
}

/// Any mapping.
impl<K: FromPython + Ord + Clone, V: FromPython + Clone> FromPython for OrdMap<K, V> {
    fn from_python(obj: &Bound<'_>) -> Result<Self> {
        let mut m = OrdMap::new();
        super::map::map_extract(obj, true, |k, v| {
            m.insert(k, v);
        })?;
        Ok(m)
    }
}

/// A `set`.
impl<T: ToPython, S> ToPython for imbl::GenericHashSet<T, S, DefaultSharedPtr> {
    fn to_python(&self, py: Python<'_>) -> Result<Object> {
        super::map::set_from_iter(py, self.iter())
    }
}

/// Any iterable (not a `str`).
impl<T, S> FromPython for imbl::GenericHashSet<T, S, DefaultSharedPtr>
where
    T: FromPython + Hash + Eq + Clone,
    S: BuildHasher + Default + Clone,
{
    fn from_python(obj: &Bound<'_>) -> Result<Self> {
        super::seq::seq_extract(
            obj,
            |_| imbl::GenericHashSet::with_hasher(S::default()),
            |s, x| {
                s.insert(x);
            },
        )
    }
}

/// A `set`.
impl<T: ToPython + Ord> ToPython for OrdSet<T> {
    fn to_python(&self, py: Python<'_>) -> Result<Object> {
        super::map::set_from_iter(py, self.iter())
    }
}

/// Any iterable (not a `str`).
impl<T: FromPython + Ord + Clone> FromPython for OrdSet<T> {
    fn from_python(obj: &Bound<'_>) -> Result<Self> {
        super::seq::seq_extract(
            obj,
            |_| OrdSet::new(),
            |s, x| {
                s.insert(x);
            },
        )
    }
}
