//! The persistent [`Value`] model: Python's JSON-like data (`None`, `bool`, `int`, `float`,
//! `str`, `bytes`, `list`, `tuple`, `dict`, `set`, `frozenset`) copied into immutable Rust
//! data structures from [`imbl`].
//!
//! A [`Value`] is a deep copy: once made it no longer refers to Python (unless it was asked to
//! keep objects it cannot copy: [`Value::from_object_lossless`]), is `Send + Sync`, and
//! is cheap to clone and to change without disturbing other copies (lists and tuples are
//! [`imbl::Vector`]s, dicts [`imbl::OrdMap`]s, sets [`imbl::OrdSet`]s: copy-on-write trees
//! sharing their unchanged parts).
//!
//! ```
//! use libpython::value::Value;
//!
//! let obj = libpython::eval("{'name': 'Ada', 'langs': ['py', 'rs'], (1, 2): None}")?;
//! let v = Value::from_object(&obj)?;
//! assert_eq!(v["name"].as_str(), Some("Ada"));
//! assert_eq!(v["langs"][1].as_str(), Some("rs"));
//! assert!(v.get(&Value::tuple([1, 2])).is_some_and(Value::is_none));
//!
//! // Persistent: an updated copy shares everything it did not change.
//! let mut w = v.clone();
//! w.as_dict_mut().unwrap().insert("name".into(), "Grace".into());
//! assert_eq!(v["name"].as_str(), Some("Ada"));
//! assert_eq!(w["name"].as_str(), Some("Grace"));
//!
//! // And back into Python.
//! let back = w.to_object()?;
//! assert_eq!(back.get_item("name")?.extract::<String>()?, "Grace");
//! # Ok::<(), libpython::Error>(())
//! ```
//!
//! # Conversions
//!
//! Both directions work with an explicit stack, never by recursion, so nesting is limited by
//! memory only (a list nested 100,000 levels deep converts on a thread with a 2 MiB stack).
//! So do [`Clone`], [`Drop`], `==`, ordering, hashing and formatting of a [`Value`].
//!
//! From Python ([`FromPython`](crate::FromPython), [`Value::from_object`]):
//!
//! | Python | [`Value`] |
//! |---|---|
//! | `None` | [`Value::None`] |
//! | `bool` | [`Value::Bool`] |
//! | `int` (and subclasses, and objects with `__index__` such as numpy integers) | [`Value::Int`] when it fits `i64`, else [`Value::BigInt`] (any size) |
//! | `float` (and subclasses) | [`Value::Float`], NaN and infinities included |
//! | `str` (and subclasses) | [`Value::Str`] |
//! | `bytes`, `bytearray` | [`Value::Bytes`] |
//! | `list`, `tuple` (and subclasses: named tuples become tuples) | [`Value::List`], [`Value::Tuple`] |
//! | `dict` (and subclasses), any hashable keys | [`Value::Dict`] |
//! | `set`, `frozenset` (and subclasses) | [`Value::Set`], [`Value::FrozenSet`] |
//!
//! Errors, each naming where in the data the problem is (as a path like `$[3]['key']`):
//!
//! - any other type: [`ErrorKind::Type`](crate::ErrorKind::Type);
//! - a container that contains itself (`x = []; x.append(x)`): [`ErrorKind::SelfReferential`](crate::ErrorKind::SelfReferential)
//!   (containers are tracked by identity along the path being copied; the same container
//!   reached twice without a cycle is fine, and is copied once and shared);
//! - a `str` holding lone surrogates (`'\udc80'`, as `surrogateescape` produces), which is
//!   not Unicode text and cannot be a Rust `str`: [`ErrorKind::Conversion`](crate::ErrorKind::Conversion). Read such strings
//!   with [`string_lossy`](crate::string_lossy) if replacing them is acceptable;
//! - two dict keys (or set elements) that Python tells apart but that become equal values
//!   (two distinct NaN objects): [`ErrorKind::Conversion`](crate::ErrorKind::Conversion), rather than losing an entry.
//!
//! [`Value::from_object_lossless`] keeps the first three as [`Value::Object`] handles instead
//! (see [below](#objects-kept-as-they-are)).
//!
//! To Python ([`ToPython`](crate::ToPython), [`Value::to_object`]) every variant becomes a new object of the
//! type in the table (`Bytes` becomes `bytes`). Python refuses lists and sets as dict keys and
//! set elements, so there a [`Value::List`] becomes a `tuple` and a [`Value::Set`] a
//! `frozenset`, also inside lists and tuples (as libpython-clj converts them):
//! `Value::dict([(Value::list([1, 2]), ...)])` is `{(1, 2): ...}`, which comes back as a
//! [`Value::Tuple`] key. It fails with [`ErrorKind::Conversion`](crate::ErrorKind::Conversion) when a dict would lose entries
//! because keys that differ here are equal in Python (`1`, `1.0` and `True`, or `0.0` and
//! `-0.0`), or when a key or set element is unhashable even so (a dict, a tuple holding one,
//! or a list nested more than 128 levels deep).
//!
//! # Equality, order and hashing
//!
//! [`Value`] is [`Eq`], [`Ord`] and [`Hash`], so any value can be a dict key or set element.
//! These are structural, not Python's:
//!
//! - values of different kinds differ, ordered `None < Bool < Int/BigInt < Float < Str <
//!   Bytes < List < Tuple < Dict < Set < FrozenSet < Object` (`Int(1) != Float(1.0)`, `Bool(true) !=
//!   Int(1)`, a list never equals a tuple);
//! - [`Value::Int`] and [`Value::BigInt`] compare by numeric value (`BigInt(5) == Int(5)`);
//! - floats compare by [`f64::total_cmp`] and hash their bits: `NaN == NaN` (same bits),
//!   `-0.0 != 0.0`, `-0.0 < 0.0`, and NaN sorts after `+inf` (a negative NaN before `-inf`);
//! - strings and bytes compare lexicographically (strings by code point), containers
//!   lexicographically by their elements (dicts by `(key, value)` pairs in key order).
//!
//! - a [`Value::Object`] is equal only to a handle on the same object (identity, Python's
//!   `is`), and objects are ordered and hashed by their interpreter and address.
//!
//! Dicts and sets are kept in this order, so they iterate sorted, not in Python's insertion
//! order: `{'b': 1, 'a': 2}` comes back from a round trip as `{'a': 2, 'b': 1}`.
//!
//! # Objects kept as they are
//!
//! [`Value::from_object`] copies data or fails. [`Value::from_object_lossless`] copies what it
//! can and keeps the rest as [`Value::Object`], an [`Object`] handle inside the value: any
//! object of another type (a numpy array, a `datetime`, an instance of a class of yours), a
//! `str` holding lone surrogates, and a container met again inside itself (the inner
//! occurrence: `x = [1]; x.append(x)` gives `[1, <x>]`). Such a value:
//!
//! - compares, orders and hashes the object by identity (see above), never calling Python's
//!   `__eq__` or `__hash__`, so `Eq`, `Ord` and `Hash` stay consistent and cannot fail;
//! - converts back ([`ToPython`](crate::ToPython), [`Value::to_object`]) to the same object, not a copy (in
//!   another interpreter that is an error, as for any [`Object`]);
//! - prints the object's `repr` (taking its GIL) in [`Display`](std::fmt::Display);
//! - is an error for serde, both [`Serialize`](::serde::Serialize) and reading a
//!   [`Deserialize`](::serde::Deserialize) type out of it: a Python object is no data serde can
//!   read or write;
//! - holds a reference to a Python object, so it is no longer independent of Python: the
//!   handle follows [`Object`]'s rules (it is dead once Python is finalized, and a bridged
//!   container of such values reports them to Python's cycle collector).
//!
//! ```
//! use libpython::value::Value;
//! let obj = libpython::eval("[1, __import__('fractions').Fraction(1, 3)]")?;
//! let v = Value::from_object_lossless(&obj)?;
//! assert_eq!(v[0].as_i64(), Some(1));
//! assert_eq!(v[1].type_name(), "object");
//! assert_eq!(v.to_string(), "[1, Fraction(1, 3)]");
//! assert_eq!(v.clone(), v); // the same object: equal
//! assert_ne!(v, Value::from_object_lossless(&libpython::eval("[1, __import__('fractions').Fraction(1, 3)]")?)?);
//! # Ok::<(), libpython::Error>(())
//! ```
//!
//! # Memory
//!
//! A [`Value`] is three words (24 bytes): containers and big ints sit behind an [`Arc`], so a
//! clone is a reference-count increment and the `*_mut` accessors copy on write
//! ([`Arc::make_mut`], then imbl's own sharing). imbl favours large collections: a list of
//! up to two items lives inside its `Vector`, but a longer one takes a 64-slot chunk
//! (1.5 KiB), and a dict or set a 16-entry node (768 or 384 bytes). Data made of many tiny
//! containers therefore takes several times the memory Python uses for it.
//!
//! # Sharing
//!
//! A container reached twice in the Python data (`x = [1]; y = [x, x]`) is copied once and
//! shared in the [`Value`], so even data with exponentially many paths copies in linear time.
//! Walking a value (`==` between values that are not clones, hashing, formatting,
//! [`Value::depth`], copying to Python) visits it as a tree, once per path: to Python, each
//! occurrence becomes its own object, since Python lists, dicts and sets are mutable.

use std::sync::Arc;

pub use imbl;

#[cfg(feature = "serde")]
pub use crate::serde::{Serde, from_python_serde, to_python_serde};
use imbl::shared_ptr::DefaultSharedPtr;
use imbl::{OrdMap, OrdSet, Vector};
use num_bigint::BigInt;

use crate::err::Result;
use crate::object::Object;

/// Python's JSON-like data as a persistent, immutable Rust value.
///
/// See the [module documentation](self) for the mapping from and to Python, and for how
/// values compare. Build values with the `From` impls and constructors:
///
/// ```
/// use libpython::value::Value;
///
/// let v = Value::dict([
///     ("id", Value::from(7)),
///     ("tags", Value::list(["a", "b"])),
///     ("pos", Value::tuple([1.5, -2.0])),
///     ("raw", Value::bytes(b"\x00\xff".as_slice())),
///     ("big", Value::from(u128::MAX)),
///     ("none", Value::None),
/// ]);
/// assert_eq!(v["id"].as_i64(), Some(7));
/// assert_eq!(v["tags"].len(), 2);
/// assert_eq!(v.to_string(), "{'big': 340282366920938463463374607431768211455, 'id': 7, \
///     'none': None, 'pos': (1.5, -2.0), 'raw': b'\\x00\\xff', 'tags': ['a', 'b']}");
/// ```
///
/// # Destructuring
///
/// `Value` implements [`Drop`] (to free deep values without recursion), so it cannot be
/// destructured by moving out of a variant. Match on a reference, or use the `into_*`
/// methods ([`Value::into_seq`], [`Value::into_dict`], [`Value::into_set`]). Containers are
/// behind an [`Arc`] (see [Memory](self#memory)); the `as_*_mut` accessors give the imbl
/// collection to change in place, copying it first if it is shared.
#[derive(Clone, Default)]
pub enum Value {
    /// `None`.
    #[default]
    None,
    /// `True` or `False`.
    Bool(bool),
    /// An `int` that fits `i64`.
    Int(i64),
    /// An `int` of any size. Values made by this module only use it beyond `i64`, but a
    /// small `BigInt` is equal to the same [`Value::Int`].
    BigInt(Arc<BigInt>),
    /// A `float`.
    Float(f64),
    /// A `str` (Unicode scalar values: no lone surrogates).
    Str(Arc<str>),
    /// `bytes` (`bytearray` is read as bytes too).
    Bytes(Arc<[u8]>),
    /// A `list`.
    List(Arc<Vector<Value>>),
    /// A `tuple`.
    Tuple(Arc<Vector<Value>>),
    /// A `dict`, sorted by key.
    Dict(Arc<OrdMap<Value, Value>>),
    /// A `set`, sorted.
    Set(Arc<OrdSet<Value>>),
    /// A `frozenset`, sorted.
    FrozenSet(Arc<OrdSet<Value>>),
    /// A Python object kept as it is, by [`Value::from_object_lossless`], where no other
    /// variant can hold it. See [Objects kept as they are](self#objects-kept-as-they-are).
    Object(Object),
}

// ---------------------------------------------------------------------------------------------
// Construction and access
// ---------------------------------------------------------------------------------------------

impl Value {
    /// A [`Value::List`] of the items.
    ///
    /// ```
    /// use libpython::value::Value;
    /// assert_eq!(Value::list([1, 2]).to_string(), "[1, 2]");
    /// ```
    pub fn list<T: Into<Value>>(items: impl IntoIterator<Item = T>) -> Value {
        Value::List(Arc::new(items.into_iter().map(Into::into).collect()))
    }

    /// A [`Value::Tuple`] of the items.
    ///
    /// ```
    /// use libpython::value::Value;
    /// assert_eq!(Value::tuple(["x"]).to_string(), "('x',)");
    /// ```
    pub fn tuple<T: Into<Value>>(items: impl IntoIterator<Item = T>) -> Value {
        Value::Tuple(Arc::new(items.into_iter().map(Into::into).collect()))
    }

    /// A [`Value::Dict`] of the pairs (a later pair replaces an earlier one with an equal key).
    ///
    /// ```
    /// use libpython::value::Value;
    /// let d = Value::dict([("b", 2), ("a", 1)]);
    /// assert_eq!(d.to_string(), "{'a': 1, 'b': 2}");
    /// ```
    pub fn dict<K: Into<Value>, V: Into<Value>>(pairs: impl IntoIterator<Item = (K, V)>) -> Value {
        Value::Dict(Arc::new(
            pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        ))
    }

    /// A [`Value::Set`] of the items.
    ///
    /// ```
    /// use libpython::value::Value;
    /// assert_eq!(Value::set([3, 1, 3]).to_string(), "{1, 3}");
    /// ```
    pub fn set<T: Into<Value>>(items: impl IntoIterator<Item = T>) -> Value {
        Value::Set(Arc::new(items.into_iter().map(Into::into).collect()))
    }

    /// A [`Value::FrozenSet`] of the items.
    ///
    /// ```
    /// use libpython::value::Value;
    /// assert_eq!(Value::frozenset(["a"]).to_string(), "frozenset({'a'})");
    /// ```
    pub fn frozenset<T: Into<Value>>(items: impl IntoIterator<Item = T>) -> Value {
        Value::FrozenSet(Arc::new(items.into_iter().map(Into::into).collect()))
    }

    /// A [`Value::Bytes`].
    ///
    /// ```
    /// use libpython::value::Value;
    /// assert_eq!(Value::bytes(b"hi".to_vec()).as_bytes(), Some(&b"hi"[..]));
    /// ```
    pub fn bytes(bytes: impl Into<Arc<[u8]>>) -> Value {
        Value::Bytes(bytes.into())
    }

    /// Copies a Python object into a [`Value`], taking its interpreter's GIL.
    ///
    /// ```
    /// use libpython::value::Value;
    /// let v = Value::from_object(&libpython::eval("[1, 2 ** 100, 'x']")?)?;
    /// assert_eq!(v.to_string(), "[1, 1267650600228229401496703205376, 'x']");
    /// # Ok::<(), libpython::Error>(())
    /// ```
    ///
    /// # Errors
    /// See the [module documentation](self#conversions).
    pub fn from_object(obj: &Object) -> Result<Value> {
        obj.with(|b| from_python_iter(b, false))
    }

    /// Copies a Python object into a [`Value`] as [`from_object`](Self::from_object) does,
    /// but keeps what it cannot copy as a [`Value::Object`] handle instead of failing: an
    /// object of another type (a numpy array, a `datetime`, an instance of your class), a
    /// `str` with lone surrogates, and a container met again inside itself (the inner
    /// occurrence). libpython-clj's `->jvm` leaves such objects as bridged handles the same
    /// way. See [Objects kept as they are](self#objects-kept-as-they-are).
    ///
    /// ```
    /// use libpython::value::Value;
    /// let obj = libpython::eval("{'when': __import__('datetime').date(2024, 5, 1), 'n': [1, 2]}")?;
    /// assert!(Value::from_object(&obj).is_err());
    /// let v = Value::from_object_lossless(&obj)?;
    /// assert_eq!(v["n"][1].as_i64(), Some(2));
    /// let when = v["when"].as_object().expect("kept as an object");
    /// assert_eq!(when.getattr("year")?.extract::<i64>()?, 2024);
    /// // Back in Python it is the same object.
    /// assert!(v.to_object()?.get_item("when")?.as_ptr() == when.as_ptr());
    /// # Ok::<(), libpython::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`from_object`](Self::from_object), except those three cases.
    pub fn from_object_lossless(obj: &Object) -> Result<Value> {
        obj.with(|b| from_python_iter(b, true))
    }

    /// The object of a [`Value::Object`].
    ///
    /// ```
    /// use libpython::value::Value;
    /// let v = Value::from_object_lossless(&libpython::eval("[object()]")?)?;
    /// assert_eq!(v[0].as_object().unwrap().type_name()?, "object");
    /// assert!(Value::from(1).as_object().is_none());
    /// # Ok::<(), libpython::Error>(())
    /// ```
    pub fn as_object(&self) -> Option<&Object> {
        match self {
            Value::Object(o) => Some(o),
            _ => None,
        }
    }

    /// Copies the value into a new Python object, taking the GIL of the interpreter bound to
    /// this thread (use [`ToPython::to_python`](crate::ToPython::to_python) under a held GIL).
    ///
    /// ```
    /// use libpython::value::Value;
    /// let obj = Value::tuple([Value::None, Value::from(f64::NAN)]).to_object()?;
    /// assert_eq!(obj.repr()?, "(None, nan)");
    /// # Ok::<(), libpython::Error>(())
    /// ```
    ///
    /// # Errors
    /// See the [module documentation](self#conversions).
    pub fn to_object(&self) -> Result<Object> {
        crate::attach(|py| to_python_iter(py, self))
    }

    /// The Python type name of this kind of value (`"NoneType"`, `"int"`, `"list"`, ...;
    /// `"object"` for a [`Value::Object`], whose own type name
    /// [`Object::type_name`] gives).
    ///
    /// ```
    /// use libpython::value::Value;
    /// assert_eq!(Value::from(u64::MAX).type_name(), "int");
    /// assert_eq!(Value::set([1]).type_name(), "set");
    /// ```
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::None => "NoneType",
            Value::Bool(_) => "bool",
            Value::Int(_) | Value::BigInt(_) => "int",
            Value::Float(_) => "float",
            Value::Str(_) => "str",
            Value::Bytes(_) => "bytes",
            Value::List(_) => "list",
            Value::Tuple(_) => "tuple",
            Value::Object(_) => "object",
            Value::Dict(_) => "dict",
            Value::Set(_) => "set",
            Value::FrozenSet(_) => "frozenset",
        }
    }

    /// Whether it is [`Value::None`].
    pub fn is_none(&self) -> bool {
        matches!(self, Value::None)
    }

    /// The boolean, for [`Value::Bool`].
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The integer, for an [`Value::Int`] or a [`Value::BigInt`] that fits `i64`.
    ///
    /// ```
    /// use libpython::value::Value;
    /// assert_eq!(Value::from(-3).as_i64(), Some(-3));
    /// assert_eq!(Value::from(u64::MAX).as_i64(), None);
    /// assert_eq!(Value::from(1.0).as_i64(), None);
    /// ```
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            Value::BigInt(b) => i64::try_from(&**b).ok(),
            _ => None,
        }
    }

    /// The integer as a [`BigInt`], for [`Value::Int`] and [`Value::BigInt`].
    pub fn as_bigint(&self) -> Option<BigInt> {
        match self {
            Value::Int(i) => Some(BigInt::from(*i)),
            Value::BigInt(b) => Some(BigInt::clone(b)),
            _ => None,
        }
    }

    /// The number as `f64`: a [`Value::Float`], or a [`Value::Int`] converted (rounded to the
    /// nearest `f64` beyond 2^53). `None` for other kinds, [`Value::BigInt`] included.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Float(f) => Some(*f),
            Value::Int(i) => Some(*i as f64),
            _ => None,
        }
    }

    /// The text, for [`Value::Str`].
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The bytes, for [`Value::Bytes`].
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Value::Bytes(b) => Some(b),
            _ => None,
        }
    }

    /// The items, for [`Value::List`] and [`Value::Tuple`].
    pub fn as_seq(&self) -> Option<&Vector<Value>> {
        match self {
            Value::List(v) | Value::Tuple(v) => Some(v),
            _ => None,
        }
    }

    /// The items to change in place, for [`Value::List`] and [`Value::Tuple`].
    pub fn as_seq_mut(&mut self) -> Option<&mut Vector<Value>> {
        match self {
            Value::List(v) | Value::Tuple(v) => Some(Arc::make_mut(v)),
            _ => None,
        }
    }

    /// The map, for [`Value::Dict`].
    pub fn as_dict(&self) -> Option<&OrdMap<Value, Value>> {
        match self {
            Value::Dict(m) => Some(m),
            _ => None,
        }
    }

    /// The map to change in place, for [`Value::Dict`].
    ///
    /// ```
    /// use libpython::value::Value;
    /// let mut v = Value::dict([("a", 1)]);
    /// v.as_dict_mut().unwrap().insert("b".into(), 2.into());
    /// assert_eq!(v.to_string(), "{'a': 1, 'b': 2}");
    /// ```
    pub fn as_dict_mut(&mut self) -> Option<&mut OrdMap<Value, Value>> {
        match self {
            Value::Dict(m) => Some(Arc::make_mut(m)),
            _ => None,
        }
    }

    /// The elements, for [`Value::Set`] and [`Value::FrozenSet`].
    pub fn as_set(&self) -> Option<&OrdSet<Value>> {
        match self {
            Value::Set(s) | Value::FrozenSet(s) => Some(s),
            _ => None,
        }
    }

    /// The elements to change in place, for [`Value::Set`] and [`Value::FrozenSet`].
    pub fn as_set_mut(&mut self) -> Option<&mut OrdSet<Value>> {
        match self {
            Value::Set(s) | Value::FrozenSet(s) => Some(Arc::make_mut(s)),
            _ => None,
        }
    }

    /// Takes the items out of a [`Value::List`] or [`Value::Tuple`].
    pub fn into_seq(mut self) -> Option<Vector<Value>> {
        self.as_seq_mut().map(std::mem::take)
    }

    /// Takes the map out of a [`Value::Dict`].
    pub fn into_dict(mut self) -> Option<OrdMap<Value, Value>> {
        self.as_dict_mut().map(std::mem::take)
    }

    /// Takes the elements out of a [`Value::Set`] or [`Value::FrozenSet`].
    pub fn into_set(mut self) -> Option<OrdSet<Value>> {
        self.as_set_mut().map(std::mem::take)
    }

    /// Number of items of a container, bytes of [`Value::Bytes`], characters of
    /// [`Value::Str`]; 0 for everything else.
    ///
    /// ```
    /// use libpython::value::Value;
    /// assert_eq!(Value::from("héllo").len(), 5);
    /// assert_eq!(Value::dict([(1, 2)]).len(), 1);
    /// assert_eq!(Value::from(12).len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        match self {
            Value::Str(s) => s.chars().count(),
            Value::Bytes(b) => b.len(),
            Value::List(v) | Value::Tuple(v) => v.len(),
            Value::Dict(m) => m.len(),
            Value::Set(s) | Value::FrozenSet(s) => s.len(),
            _ => 0,
        }
    }

    /// Whether [`len`](Value::len) is 0.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// An item: `usize` indexes a list or tuple; a `&str`, `String` or `&Value` looks up a
    /// dict key. `None` when absent or when the value is not that kind of container.
    ///
    /// ```
    /// use libpython::value::Value;
    /// let v = Value::dict([(Value::from("xs"), Value::list([10, 20])), (Value::from(3), Value::from("three"))]);
    /// assert_eq!(v.get("xs").and_then(|xs| xs.get(1)).and_then(Value::as_i64), Some(20));
    /// assert_eq!(v.get(&Value::from(3)).and_then(Value::as_str), Some("three"));
    /// assert!(v.get("nope").is_none());
    /// assert!(v.get(0).is_none());
    /// ```
    pub fn get<I: ValueIndex>(&self, index: I) -> Option<&Value> {
        index.index_into(self)
    }

    /// An item to change in place (see [`get`](Value::get)).
    ///
    /// ```
    /// use libpython::value::Value;
    /// let mut v = Value::list([1, 2]);
    /// *v.get_mut(0).unwrap() = Value::from("one");
    /// assert_eq!(v.to_string(), "['one', 2]");
    /// ```
    pub fn get_mut<I: ValueIndex>(&mut self, index: I) -> Option<&mut Value> {
        index.index_into_mut(self)
    }

    /// Nesting depth: 0 for scalars and empty containers, 1 + the deepest element otherwise
    /// (keys included). Iterative, for any depth; visits every path (see
    /// [Sharing](self#sharing)).
    ///
    /// ```
    /// use libpython::value::Value;
    /// assert_eq!(Value::list([Value::list([1])]).depth(), 2);
    /// ```
    pub fn depth(&self) -> usize {
        let mut deepest = 0;
        let mut stack: Vec<(Kids<'_>, usize)> = Vec::new();
        if let Some(k) = self.kids() {
            stack.push((k, 1));
        }
        while let Some((top, d)) = stack.last_mut() {
            let d = *d;
            deepest = deepest.max(d);
            match top.next() {
                Some(child) => {
                    if let Some(k) = child.kids() {
                        stack.push((k, d + 1));
                    }
                }
                None => {
                    stack.pop();
                }
            }
        }
        deepest
    }

    /// The rank of the kind in the cross-kind order.
    fn rank(&self) -> u8 {
        match self {
            Value::None => 0,
            Value::Bool(_) => 1,
            Value::Int(_) | Value::BigInt(_) => 2,
            Value::Float(_) => 3,
            Value::Str(_) => 4,
            Value::Bytes(_) => 5,
            Value::List(_) => 6,
            Value::Tuple(_) => 7,
            Value::Dict(_) => 8,
            Value::Set(_) => 9,
            Value::FrozenSet(_) => 10,
            Value::Object(_) => 11,
        }
    }

    /// The elements of a non-empty container, in order (a dict's as key, value, key, ...).
    fn kids(&self) -> Option<Kids<'_>> {
        match self {
            Value::List(v) | Value::Tuple(v) if !v.is_empty() => Some(Kids::Seq(v.iter())),
            Value::Dict(m) if !m.is_empty() => Some(Kids::Map(m.iter(), None)),
            Value::Set(s) | Value::FrozenSet(s) if !s.is_empty() => Some(Kids::Set(s.iter())),
            _ => None,
        }
    }

    /// Number of elements of a container (dict: entries); `None` for scalars.
    fn container_len(&self) -> Option<usize> {
        match self {
            Value::List(v) | Value::Tuple(v) => Some(v.len()),
            Value::Dict(m) => Some(m.len()),
            Value::Set(s) | Value::FrozenSet(s) => Some(s.len()),
            _ => None,
        }
    }

    /// Whether two containers are the same shared tree (so equal without looking inside).
    fn same_tree(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::List(a), Value::List(b)) | (Value::Tuple(a), Value::Tuple(b)) => {
                Arc::ptr_eq(a, b) || a.ptr_eq(b)
            }
            (Value::Dict(a), Value::Dict(b)) => Arc::ptr_eq(a, b) || a.ptr_eq(b),
            (Value::Set(a), Value::Set(b)) | (Value::FrozenSet(a), Value::FrozenSet(b)) => {
                Arc::ptr_eq(a, b) || a.ptr_eq(b)
            }
            _ => false,
        }
    }
}

/// The elements of one container, as [`Value::kids`] yields them.
pub(super) enum Kids<'a> {
    Seq(imbl::vector::Iter<'a, Value, DefaultSharedPtr>),
    Map(
        imbl::ordmap::Iter<'a, Value, Value, DefaultSharedPtr>,
        Option<&'a Value>,
    ),
    Set(imbl::ordset::Iter<'a, Value, DefaultSharedPtr>),
}

impl<'a> Iterator for Kids<'a> {
    type Item = &'a Value;

    fn next(&mut self) -> Option<&'a Value> {
        match self {
            Kids::Seq(it) => it.next(),
            Kids::Map(it, pending) => match pending.take() {
                Some(v) => Some(v),
                None => {
                    let (k, v) = it.next()?;
                    *pending = Some(v);
                    Some(k)
                }
            },
            Kids::Set(it) => it.next(),
        }
    }
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for usize {}
    impl Sealed for str {}
    impl Sealed for String {}
    impl Sealed for super::Value {}
    impl<T: Sealed + ?Sized> Sealed for &T {}
}

/// What [`Value::get`] and `value[index]` accept: `usize` for lists and tuples; `&str`,
/// `String` or `&Value` for dict keys.
pub trait ValueIndex: sealed::Sealed {
    /// The item of `v` at this index, if any.
    fn index_into<'v>(&self, v: &'v Value) -> Option<&'v Value>;
    /// The item of `v` at this index to change in place, if any.
    fn index_into_mut<'v>(&self, v: &'v mut Value) -> Option<&'v mut Value>;
}

impl ValueIndex for usize {
    fn index_into<'v>(&self, v: &'v Value) -> Option<&'v Value> {
        v.as_seq()?.get(*self)
    }
    fn index_into_mut<'v>(&self, v: &'v mut Value) -> Option<&'v mut Value> {
        v.as_seq_mut()?.get_mut(*self)
    }
}

impl ValueIndex for str {
    fn index_into<'v>(&self, v: &'v Value) -> Option<&'v Value> {
        v.as_dict()?.get(&Value::from(self))
    }
    fn index_into_mut<'v>(&self, v: &'v mut Value) -> Option<&'v mut Value> {
        v.as_dict_mut()?.get_mut(&Value::from(self))
    }
}

impl ValueIndex for String {
    fn index_into<'v>(&self, v: &'v Value) -> Option<&'v Value> {
        self.as_str().index_into(v)
    }
    fn index_into_mut<'v>(&self, v: &'v mut Value) -> Option<&'v mut Value> {
        self.as_str().index_into_mut(v)
    }
}

impl ValueIndex for Value {
    fn index_into<'v>(&self, v: &'v Value) -> Option<&'v Value> {
        v.as_dict()?.get(self)
    }
    fn index_into_mut<'v>(&self, v: &'v mut Value) -> Option<&'v mut Value> {
        v.as_dict_mut()?.get_mut(self)
    }
}

impl<T: ValueIndex + ?Sized> ValueIndex for &T {
    fn index_into<'v>(&self, v: &'v Value) -> Option<&'v Value> {
        (**self).index_into(v)
    }
    fn index_into_mut<'v>(&self, v: &'v mut Value) -> Option<&'v mut Value> {
        (**self).index_into_mut(v)
    }
}

pub(super) static NONE: Value = Value::None;

/// `value[index]` as [`Value::get`], giving [`Value::None`] when absent (never panics).
///
/// ```
/// use libpython::value::Value;
/// let v = Value::dict([("a", Value::list([1, 2]))]);
/// assert_eq!(v["a"][1], Value::from(2));
/// assert!(v["b"][7].is_none());
/// ```
impl<I: ValueIndex> std::ops::Index<I> for Value {
    type Output = Value;

    fn index(&self, index: I) -> &Value {
        index.index_into(self).unwrap_or(&NONE)
    }
}

mod cmp;
mod drop;
mod format;
mod from;
mod from_python;
#[cfg(feature = "serde")]
mod serde;
mod to_python;

use from_python::from_python_iter;
use to_python::to_python_iter;
