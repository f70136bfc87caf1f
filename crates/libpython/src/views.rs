//! Live views of Python collections (bridging): Rust wrappers over Python `dict`, `list` and
//! `set` objects and Python iterators. Nothing is copied; changes made from either side are
//! seen by the other.

use libpython_interp::ffi;

use crate::conversion::{FromPython, ToPython};
use crate::err::{Error, Result, fetch};
use crate::gil::{Python, attach as with_gil};
use crate::object::{Bound, Object};

macro_rules! view {
    ($(#[$m:meta])* $name:ident, $check:path, $what:literal) => {
        $(#[$m])*
        #[derive(Clone, PartialEq, Eq)]
        pub struct $name(Object);

        impl $name {
            /// The underlying object.
            pub fn as_object(&self) -> &Object {
                &self.0
            }

            /// The underlying object, taken out of the view.
            pub fn into_object(self) -> Object {
                self.0
            }

            /// Number of items (`len`).
            pub fn len(&self) -> Result<usize> {
                self.0.len()
            }

            /// Whether it has no items.
            pub fn is_empty(&self) -> Result<bool> {
                self.0.is_empty()
            }
        }

        impl TryFrom<Object> for $name {
            type Error = Error;

            /// Wraps an object that is a
            #[doc = $what]
            /// (or a subclass).
            fn try_from(obj: Object) -> Result<Self> {
                let ok = obj.with(|b| {
                    // SAFETY: live object, GIL held.
                    Ok(unsafe { $check(b.as_ptr()) })
                })?;
                if ok { Ok($name(obj)) } else { Err(Error::type_error($what, obj.type_name()?)) }
            }
        }

        impl From<$name> for Object {
            fn from(v: $name) -> Object {
                v.0
            }
        }

        impl std::ops::Deref for $name {
            type Target = Object;
            fn deref(&self) -> &Object {
                &self.0
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                std::fmt::Debug::fmt(&self.0, f)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                std::fmt::Display::fmt(&self.0, f)
            }
        }

        impl ToPython for $name {
            fn to_python(&self, py: Python<'_>) -> Result<Object> {
                self.0.to_python(py)
            }
        }

        impl FromPython for $name {
            fn from_python(obj: &Bound<'_>) -> Result<Self> {
                // SAFETY: live object, GIL held.
                if unsafe { $check(obj.as_ptr()) } {
                    Ok($name(obj.clone().unbind()))
                } else {
                    Err(Error::type_error($what, crate::conversion::tname(obj)))
                }
            }
        }
    };
}

view!(
    /// A live view of a Python `dict` (libpython-clj's bridged `java.util.Map`).
    ///
    /// ```
    /// let d = libpython::Dict::new()?;
    /// d.insert("a", 1)?;
    /// libpython::exec("d['b'] = d['a'] + 1", &libpython::Dict::from_pairs([("d", &d)])?)?;
    /// assert_eq!(d.get_as::<i64>("b")?, Some(2));
    /// # Ok::<(), libpython::Error>(())
    /// ```
    Dict, ffi::PyDict_Check, "dict"
);
view!(
    /// A live view of a Python `list` (libpython-clj's bridged `java.util.List`).
    List, ffi::PyList_Check, "list"
);
view!(
    /// A live view of a Python `set` or `frozenset`.
    Set, ffi::PyAnySet_Check, "set"
);
view!(
    /// A Python `tuple` (immutable): positional arguments whose number is known only at run
    /// time ([`Tuple::new`]), or a tuple Python returned.
    Tuple, ffi::PyTuple_Check, "tuple"
);

impl Dict {
    /// A new empty dict.
    pub fn new() -> Result<Dict> {
        with_gil(Dict::new_in)
    }

    /// A new empty dict under a held GIL.
    pub fn new_in(py: Python<'_>) -> Result<Dict> {
        // SAFETY: GIL held.
        Ok(Dict(unsafe {
            Object::from_owned_ptr_or_err(py, ffi::PyDict_New())?
        }))
    }

    /// A fresh namespace for [`exec`](crate::exec) and [`eval`](crate::eval): a new dict
    /// whose only entry is `__builtins__`, as a new module's globals start.
    ///
    /// ```
    /// let ns = libpython::Dict::namespace()?;
    /// libpython::exec("import math\nr = round(math.pi, 2)", &ns)?;
    /// assert_eq!(ns.get_as::<f64>("r")?, Some(3.14));
    /// # Ok::<(), libpython::Error>(())
    /// ```
    pub fn namespace() -> Result<Dict> {
        with_gil(Dict::namespace_in)
    }

    /// [`namespace`](Self::namespace) under a held GIL.
    pub fn namespace_in(py: Python<'_>) -> Result<Dict> {
        let d = Dict::new_in(py)?;
        d.insert("__builtins__", py.builtins()?)?;
        Ok(d)
    }

    /// A new dict holding these pairs.
    pub fn from_pairs<K: ToPython, V: ToPython>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Result<Dict> {
        let d = Dict::new()?;
        for (k, v) in pairs {
            d.insert(k, v)?;
        }
        Ok(d)
    }

    /// `d[key] = value`.
    pub fn insert<K: ToPython, V: ToPython>(&self, key: K, value: V) -> Result<()> {
        self.0.with(|b| {
            let py = b.py();
            let (k, v) = (
                crate::conversion::to_object(&key, py)?,
                crate::conversion::to_object(&value, py)?,
            );
            // SAFETY: live objects, GIL held; SetItem does not steal.
            if unsafe { ffi::PyDict_SetItem(b.as_ptr(), k.as_ptr(), v.as_ptr()) } < 0 {
                // SAFETY: -1 with an exception pending.
                return Err(unsafe { fetch(py) });
            }
            Ok(())
        })
    }

    /// `d.get(key)`: `None` when absent (no exception), errors from hashing the key.
    pub fn get<K: ToPython>(&self, key: K) -> Result<Option<Object>> {
        self.0.with(|b| {
            let py = b.py();
            let k = crate::conversion::to_object(&key, py)?;
            // SAFETY: `b` is a dict (this view's), `k` a live object of its interpreter.
            let v = unsafe { crate::conversion::dict_get(b, k.as_ptr())? };
            Ok(v.map(Bound::unbind))
        })
    }

    /// `d.get(key)` converted to `T`.
    pub fn get_as<T: FromPython>(&self, key: impl ToPython) -> Result<Option<T>> {
        match self.get(key)? {
            Some(v) => v.extract().map(Some),
            None => Ok(None),
        }
    }

    /// `d.pop(key, None)`: removes and returns the value.
    pub fn remove<K: ToPython>(&self, key: K) -> Result<Option<Object>> {
        let v = self.get(&key)?;
        if v.is_some() {
            self.0.del_item(key)?;
        }
        Ok(v)
    }

    /// `key in d`.
    pub fn contains_key<K: ToPython>(&self, key: K) -> Result<bool> {
        self.0.contains(key)
    }

    /// `list(d.keys())`.
    pub fn keys(&self) -> Result<Vec<Object>> {
        self.0.call_method("keys", ())?.extract()
    }

    /// `list(d.values())`.
    pub fn values(&self) -> Result<Vec<Object>> {
        self.0.call_method("values", ())?.extract()
    }

    /// `list(d.items())`.
    pub fn items(&self) -> Result<Vec<(Object, Object)>> {
        self.0.call_method("items", ())?.extract()
    }

    /// `d.update(other)` for any mapping or Rust map.
    pub fn extend<M: ToPython>(&self, other: M) -> Result<()> {
        self.0.call_method("update", (other,)).map(drop)
    }

    /// `d.clear()`.
    pub fn clear(&self) -> Result<()> {
        self.0.call_method("clear", ()).map(drop)
    }

    /// A shallow copy (a new dict).
    pub fn copy(&self) -> Result<Dict> {
        Dict::try_from(self.0.call_method("copy", ())?)
    }
}

impl List {
    /// A new empty list.
    pub fn new() -> Result<List> {
        with_gil(|py| {
            // SAFETY: GIL held.
            Ok(List(unsafe {
                Object::from_owned_ptr_or_err(py, ffi::PyList_New(0))?
            }))
        })
    }

    /// `l[index]`, negative indexes counting from the end.
    pub fn get(&self, index: isize) -> Result<Object> {
        self.0.get_item(index)
    }

    /// `l[index]` converted to `T`.
    pub fn get_as<T: FromPython>(&self, index: isize) -> Result<T> {
        self.get(index)?.extract()
    }

    /// `l[index] = value`.
    pub fn set<V: ToPython>(&self, index: isize, value: V) -> Result<()> {
        self.0.set_item(index, value)
    }

    /// `l.append(value)`.
    pub fn push<V: ToPython>(&self, value: V) -> Result<()> {
        self.0.with(|b| {
            let v = crate::conversion::to_object(&value, b.py())?;
            // SAFETY: live objects, GIL held.
            if unsafe { ffi::PyList_Append(b.as_ptr(), v.as_ptr()) } < 0 {
                // SAFETY: -1 with an exception pending.
                return Err(unsafe { fetch(b.py()) });
            }
            Ok(())
        })
    }

    /// `l.insert(index, value)`.
    pub fn insert<V: ToPython>(&self, index: isize, value: V) -> Result<()> {
        self.0.call_method("insert", (index, value)).map(drop)
    }

    /// `l.pop(index)`.
    pub fn remove(&self, index: isize) -> Result<Object> {
        self.0.call_method("pop", (index,))
    }

    /// `l.extend(items)`.
    pub fn extend<I: ToPython>(&self, items: I) -> Result<()> {
        self.0.call_method("extend", (items,)).map(drop)
    }

    /// Copies the items into a `Vec`.
    pub fn to_vec<T: FromPython + 'static>(&self) -> Result<Vec<T>> {
        self.0.extract()
    }

    /// `l.sort()`: sorts the list in place by Python's `<`, ascending and stable.
    ///
    /// ```
    /// let l = libpython::List::try_from(libpython::eval("[3, 1, 2]")?)?;
    /// l.sort()?;
    /// assert_eq!(l.to_vec::<i64>()?, [1, 2, 3]);
    /// # Ok::<(), libpython::Error>(())
    /// ```
    ///
    /// # Errors
    /// `TypeError` when items do not compare (`3 < 'a'`); the exception an item's `__lt__`
    /// raised.
    pub fn sort(&self) -> Result<()> {
        self.0.with(|b| {
            // SAFETY: a live list; GIL held.
            if unsafe { ffi::PyList_Sort(b.as_ptr()) } < 0 {
                // SAFETY: -1 with an exception pending.
                return Err(unsafe { fetch(b.py()) });
            }
            Ok(())
        })
    }

    /// `l.sort(key=key, reverse=reverse)`: sorts in place by what the callable `key` returns
    /// for each item (the items themselves when `None`), descending when `reverse`; stable in
    /// both directions, as Python's sort is. A Rust closure made with
    /// [`function`](crate::function) can be the key.
    ///
    /// ```
    /// let l = libpython::List::try_from(libpython::eval("['bb', 'a', 'ccc', 'dd']")?)?;
    /// l.sort_with(Some(&libpython::builtin("len")?), true)?;
    /// assert_eq!(l.to_vec::<String>()?, ["ccc", "bb", "dd", "a"]);
    /// let last = libpython::function("last", None, |a: &libpython::Args<'_>| {
    ///     Ok(a.extract::<String>(0)?.chars().last())
    /// })?;
    /// l.sort_with(Some(&last), false)?;
    /// assert_eq!(l.to_vec::<String>()?, ["a", "bb", "ccc", "dd"]);
    /// # Ok::<(), libpython::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`sort`](Self::sort), and the exception `key` raised.
    pub fn sort_with(&self, key: Option<&Object>, reverse: bool) -> Result<()> {
        let none = with_gil(|py| Ok(py.none().unbind()))?;
        self.0
            .call_method_kw(
                "sort",
                (),
                &[("key", &key.unwrap_or(&none)), ("reverse", &reverse)],
            )
            .map(drop)
    }

    /// `l.reverse()`: reverses the list in place.
    ///
    /// ```
    /// let l = libpython::List::try_from(libpython::eval("[1, 2, 3]")?)?;
    /// l.reverse()?;
    /// assert_eq!(l.to_vec::<i64>()?, [3, 2, 1]);
    /// # Ok::<(), libpython::Error>(())
    /// ```
    pub fn reverse(&self) -> Result<()> {
        self.0.with(|b| {
            // SAFETY: a live list; GIL held.
            if unsafe { ffi::PyList_Reverse(b.as_ptr()) } < 0 {
                // SAFETY: -1 with an exception pending.
                return Err(unsafe { fetch(b.py()) });
            }
            Ok(())
        })
    }
}

impl Set {
    /// `s.add(value)`.
    pub fn add<V: ToPython>(&self, value: V) -> Result<()> {
        self.0.call_method("add", (value,)).map(drop)
    }

    /// `s.discard(value)`; whether it was there.
    pub fn remove<V: ToPython>(&self, value: V) -> Result<bool> {
        let was = self.0.contains(&value)?;
        self.0.call_method("discard", (value,))?;
        Ok(was)
    }

    /// `value in s`.
    pub fn contains_value<V: ToPython>(&self, value: V) -> Result<bool> {
        self.0.contains(value)
    }
}

impl Tuple {
    /// A new tuple of `items`.
    ///
    /// A tuple is also how a number of positional arguments known only at run time is passed
    /// to a call (a `Vec` is one argument, a list):
    ///
    /// ```
    /// use libpython::Tuple;
    /// let max = libpython::builtin("max")?;
    /// let args = Tuple::new(vec![3, 9, 4])?;
    /// assert_eq!(max.call(&args)?.extract::<i64>()?, 9);
    /// # Ok::<(), libpython::Error>(())
    /// ```
    pub fn new<T: ToPython>(items: impl IntoIterator<Item = T>) -> Result<Tuple> {
        with_gil(|py| Tuple::new_in(py, items))
    }

    /// [`new`](Self::new) under a held GIL.
    pub fn new_in<T: ToPython>(
        py: Python<'_>,
        items: impl IntoIterator<Item = T>,
    ) -> Result<Tuple> {
        let items: Vec<Object> = items
            .into_iter()
            .map(|v| crate::conversion::to_object(&v, py))
            .collect::<Result<_>>()?;
        let list = crate::conversion::list_from_iter(py, items.len(), items.iter())?;
        // SAFETY: a live list; GIL held; a new reference or NULL with an exception.
        Ok(Tuple(unsafe {
            Object::from_owned_ptr_or_err(py, ffi::PySequence_Tuple(list.as_ptr()))?
        }))
    }

    /// `t[index]`.
    pub fn get(&self, index: usize) -> Result<Object> {
        self.0.get_item(index)
    }

    /// `t[index]` converted to `T`.
    pub fn get_as<T: FromPython>(&self, index: usize) -> Result<T> {
        self.get(index)?.extract()
    }

    /// Copies the items into a `Vec`.
    pub fn to_vec<T: FromPython + 'static>(&self) -> Result<Vec<T>> {
        self.0.extract()
    }
}
