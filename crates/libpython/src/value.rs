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
//! From Python ([`FromPython`], [`Value::from_object`]):
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
//! - any other type: [`Error::Type`];
//! - a container that contains itself (`x = []; x.append(x)`): [`Error::SelfReferential`]
//!   (containers are tracked by identity along the path being copied; the same container
//!   reached twice without a cycle is fine, and is copied once and shared);
//! - a `str` holding lone surrogates (`'\udc80'`, as `surrogateescape` produces), which is
//!   not Unicode text and cannot be a Rust `str`: [`Error::Conversion`]. Read such strings
//!   with [`string_lossy`](crate::string_lossy) if replacing them is acceptable;
//! - two dict keys (or set elements) that Python tells apart but that become equal values
//!   (two distinct NaN objects): [`Error::Conversion`], rather than losing an entry.
//!
//! [`Value::from_object_lossless`] keeps the first three as [`Value::Object`] handles instead
//! (see [below](#objects-kept-as-they-are)).
//!
//! To Python ([`ToPython`], [`Value::to_object`]) every variant becomes a new object of the
//! type in the table (`Bytes` becomes `bytes`). Python refuses lists and sets as dict keys and
//! set elements, so there a [`Value::List`] becomes a `tuple` and a [`Value::Set`] a
//! `frozenset`, also inside lists and tuples (as libpython-clj converts them):
//! `Value::dict([(Value::list([1, 2]), ...)])` is `{(1, 2): ...}`, which comes back as a
//! [`Value::Tuple`] key. It fails with [`Error::Conversion`] when a dict would lose entries
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
//! - converts back ([`ToPython`], [`Value::to_object`]) to the same object, not a copy (in
//!   another interpreter that is an error, as for any [`Object`]);
//! - prints the object's `repr` (taking its GIL) in [`Display`](fmt::Display);
//! - is an error for serde, both [`Serialize`](serde::Serialize) and reading a
//!   [`Deserialize`](serde::Deserialize) type out of it: a Python object is no data serde can
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

use std::cell::{Cell, RefCell};
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet, HashMap as StdHashMap, HashSet as StdHashSet};
use std::fmt::{self, Write as _};
use std::hash::{BuildHasher, Hash, Hasher};
use std::sync::Arc;

pub use imbl;

pub use crate::serde_impl::{Serde, from_python_serde, to_python_serde};
use imbl::shared_ptr::DefaultSharedPtr;
use imbl::{OrdMap, OrdSet, Vector};
use libpython_interp::ffi;
use num_bigint::BigInt;

use crate::conv::{FromPython, ToPython};
use crate::err::{Error, Result, fetch};
use crate::gil::Python;
use crate::object::{Bound, Object};

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

    /// Calls `visit` on every [`Value::Object`] inside this value (for the cycle collector,
    /// through a bridged container of values). Iterative.
    pub(crate) fn for_each_object(&self, visit: &mut dyn FnMut(&Object)) {
        if let Value::Object(o) = self {
            visit(o);
            return;
        }
        let mut stack: Vec<Kids<'_>> = self.kids().into_iter().collect();
        while let Some(top) = stack.last_mut() {
            match top.next() {
                Some(Value::Object(o)) => visit(o),
                Some(child) => stack.extend(child.kids()),
                None => {
                    stack.pop();
                }
            }
        }
    }

    /// Copies the value into a new Python object, taking the GIL of the interpreter bound to
    /// this thread (use [`ToPython::to_python`] under a held GIL).
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
enum Kids<'a> {
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

static NONE: Value = Value::None;

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

// ---------------------------------------------------------------------------------------------
// From impls
// ---------------------------------------------------------------------------------------------

macro_rules! from_small_int {
    ($($t:ty),*) => {$(
        /// A [`Value::Int`].
        impl From<$t> for Value {
            fn from(v: $t) -> Value {
                Value::Int(i64::from(v))
            }
        }
    )*};
}
from_small_int!(i8, i16, i32, i64, u8, u16, u32);

macro_rules! from_wide_int {
    ($($t:ty),*) => {$(
        /// A [`Value::Int`] when it fits `i64`, else a [`Value::BigInt`].
        impl From<$t> for Value {
            fn from(v: $t) -> Value {
                match i64::try_from(v) {
                    Ok(i) => Value::Int(i),
                    Err(_) => Value::BigInt(Arc::new(BigInt::from(v))),
                }
            }
        }
    )*};
}
from_wide_int!(isize, usize, u64, i128, u128);

/// A [`Value::Int`] when it fits `i64`, else a [`Value::BigInt`].
impl From<BigInt> for Value {
    fn from(v: BigInt) -> Value {
        match i64::try_from(&v) {
            Ok(i) => Value::Int(i),
            Err(_) => Value::BigInt(Arc::new(v)),
        }
    }
}

/// A [`Value::Bool`].
impl From<bool> for Value {
    fn from(v: bool) -> Value {
        Value::Bool(v)
    }
}

/// A [`Value::Float`].
impl From<f64> for Value {
    fn from(v: f64) -> Value {
        Value::Float(v)
    }
}

/// A [`Value::Float`].
impl From<f32> for Value {
    fn from(v: f32) -> Value {
        Value::Float(f64::from(v))
    }
}

/// A [`Value::Str`].
impl From<&str> for Value {
    fn from(v: &str) -> Value {
        Value::Str(Arc::from(v))
    }
}

/// A [`Value::Str`].
impl From<String> for Value {
    fn from(v: String) -> Value {
        Value::Str(Arc::from(v))
    }
}

/// A [`Value::Str`].
impl From<Arc<str>> for Value {
    fn from(v: Arc<str>) -> Value {
        Value::Str(v)
    }
}

/// A [`Value::Str`].
impl From<Box<str>> for Value {
    fn from(v: Box<str>) -> Value {
        Value::Str(Arc::from(v))
    }
}

/// A [`Value::Str`] of one character.
impl From<char> for Value {
    fn from(v: char) -> Value {
        Value::Str(Arc::from(v.encode_utf8(&mut [0; 4]) as &str))
    }
}

/// A [`Value::Bytes`].
impl From<crate::Bytes> for Value {
    fn from(v: crate::Bytes) -> Value {
        Value::Bytes(Arc::from(v.0))
    }
}

/// [`Value::None`].
impl From<()> for Value {
    fn from((): ()) -> Value {
        Value::None
    }
}

/// [`Value::None`] for `None`, else the value.
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Value {
        v.map_or(Value::None, Into::into)
    }
}

/// A [`Value::List`] (use [`Value::bytes`] for `bytes`).
impl<T: Into<Value>> From<Vec<T>> for Value {
    fn from(v: Vec<T>) -> Value {
        Value::list(v)
    }
}

/// A [`Value::List`].
impl From<Vector<Value>> for Value {
    fn from(v: Vector<Value>) -> Value {
        Value::List(Arc::new(v))
    }
}

/// A [`Value::Dict`].
impl From<OrdMap<Value, Value>> for Value {
    fn from(v: OrdMap<Value, Value>) -> Value {
        Value::Dict(Arc::new(v))
    }
}

/// A [`Value::Set`].
impl From<OrdSet<Value>> for Value {
    fn from(v: OrdSet<Value>) -> Value {
        Value::Set(Arc::new(v))
    }
}

/// A [`Value::Dict`].
impl<K: Into<Value>, V: Into<Value>> From<BTreeMap<K, V>> for Value {
    fn from(v: BTreeMap<K, V>) -> Value {
        Value::dict(v)
    }
}

/// A [`Value::Dict`].
impl<K: Into<Value>, V: Into<Value>, S> From<StdHashMap<K, V, S>> for Value {
    fn from(v: StdHashMap<K, V, S>) -> Value {
        Value::dict(v)
    }
}

/// A [`Value::Set`].
impl<T: Into<Value>> From<BTreeSet<T>> for Value {
    fn from(v: BTreeSet<T>) -> Value {
        Value::set(v)
    }
}

/// A [`Value::Set`].
impl<T: Into<Value>, S> From<StdHashSet<T, S>> for Value {
    fn from(v: StdHashSet<T, S>) -> Value {
        Value::set(v)
    }
}

/// A [`Value::List`] of the items.
///
/// ```
/// use libpython::value::Value;
/// let v: Value = (1..=3).collect();
/// assert_eq!(v.to_string(), "[1, 2, 3]");
/// ```
impl<T: Into<Value>> FromIterator<T> for Value {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Value {
        Value::list(iter)
    }
}

// ---------------------------------------------------------------------------------------------
// Drop without recursion
// ---------------------------------------------------------------------------------------------

/// How many nested container drops run recursively before deeper ones are deferred.
const DROP_RECURSION: usize = 64;

struct DropState {
    depth: Cell<usize>,
    deferred: RefCell<Vec<Value>>,
}

thread_local! {
    static DROPS: DropState = const { DropState { depth: Cell::new(0), deferred: RefCell::new(Vec::new()) } };
}

/// The contents of a container, taken out so they drop without re-entering [`Value::drop`]
/// for the container itself.
#[allow(dead_code)] // The fields are only ever dropped.
enum Contents {
    Seq(Vector<Value>),
    Map(OrdMap<Value, Value>),
    Set(OrdSet<Value>),
}

/// Dropping is iterative in effect: a container drops its elements recursively (through the
/// imbl nodes) only up to 64 levels on the current thread; deeper values are moved to a
/// thread-local list that the outermost drop empties in a loop. Shared containers (other
/// clones alive) cost nothing: only their reference count is decremented.
impl Drop for Value {
    fn drop(&mut self) {
        // Only the last owner of a non-empty container has elements to free: dropping any
        // other value (a scalar, or a container shared with clones) frees nothing nested.
        let owns_elements = match self {
            Value::List(v) | Value::Tuple(v) => Arc::get_mut(v).is_some_and(|v| !v.is_empty()),
            Value::Dict(m) => Arc::get_mut(m).is_some_and(|m| !m.is_empty()),
            Value::Set(s) | Value::FrozenSet(s) => Arc::get_mut(s).is_some_and(|s| !s.is_empty()),
            _ => false,
        };
        if !owns_elements {
            return;
        }
        // During thread-local destruction `try_with` fails and the value drops recursively.
        let _ = DROPS.try_with(|st| {
            let depth = st.depth.get();
            if depth >= DROP_RECURSION {
                if let Ok(mut deferred) = st.deferred.try_borrow_mut() {
                    deferred.push(std::mem::take(self));
                }
                return;
            }
            st.depth.set(depth + 1);
            let contents = match self {
                Value::List(v) | Value::Tuple(v) => {
                    Arc::get_mut(v).map(|v| Contents::Seq(std::mem::take(v)))
                }
                Value::Dict(m) => Arc::get_mut(m).map(|m| Contents::Map(std::mem::take(m))),
                Value::Set(s) | Value::FrozenSet(s) => {
                    Arc::get_mut(s).map(|s| Contents::Set(std::mem::take(s)))
                }
                _ => None,
            };
            drop(contents);
            if depth == 0 {
                // The outermost drop: free what deeper levels deferred, each again with
                // bounded recursion, until nothing is left.
                loop {
                    let next = st.deferred.try_borrow_mut().ok().and_then(|mut d| d.pop());
                    match next {
                        Some(v) => drop(v),
                        None => break,
                    }
                }
            }
            st.depth.set(depth);
        });
    }
}

// ---------------------------------------------------------------------------------------------
// Equality, order, hashing (all iterative)
// ---------------------------------------------------------------------------------------------

/// How two values compare before looking at their elements.
enum Head {
    Decided(Ordering),
    /// Same kind of container: the elements decide.
    Descend,
}

fn int_cmp(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => x.cmp(y),
        (Value::Int(x), Value::BigInt(y)) => BigInt::from(*x).cmp(y),
        (Value::BigInt(x), Value::Int(y)) => (**x).cmp(&BigInt::from(*y)),
        (Value::BigInt(x), Value::BigInt(y)) => x.cmp(y),
        _ => Ordering::Equal,
    }
}

/// Compares the kinds and the scalar contents; `eq_only` makes containers of different
/// lengths differ at once (their order is then meaningless, only "not equal").
fn head_cmp(a: &Value, b: &Value, eq_only: bool) -> Head {
    let r = a.rank().cmp(&b.rank());
    if r != Ordering::Equal {
        return Head::Decided(r);
    }
    let o = match (a, b) {
        (Value::None, Value::None) => Ordering::Equal,
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        (Value::Float(x), Value::Float(y)) => x.total_cmp(y),
        (Value::Str(x), Value::Str(y)) => x.cmp(y),
        (Value::Bytes(x), Value::Bytes(y)) => x.cmp(y),
        (Value::Int(_) | Value::BigInt(_), _) => int_cmp(a, b),
        (Value::Object(x), Value::Object(y)) => object_identity(x).cmp(&object_identity(y)),
        _ => {
            if a.same_tree(b) {
                return Head::Decided(Ordering::Equal);
            }
            if eq_only && a.container_len() != b.container_len() {
                return Head::Decided(Ordering::Less);
            }
            return Head::Descend;
        }
    };
    Head::Decided(o)
}

/// Lexicographic comparison over the trees, with an explicit stack.
fn compare(a: &Value, b: &Value, eq_only: bool) -> Ordering {
    let mut stack: Vec<(Kids<'_>, Kids<'_>)> = Vec::new();
    let (mut x, mut y) = (a, b);
    loop {
        match head_cmp(x, y, eq_only) {
            Head::Decided(Ordering::Equal) => {}
            Head::Decided(o) => return o,
            Head::Descend => {
                if let (Some(kx), Some(ky)) = (x.kids(), y.kids()) {
                    stack.push((kx, ky));
                } else {
                    // One or both empty.
                    let o = x.container_len().cmp(&y.container_len());
                    if o != Ordering::Equal {
                        return o;
                    }
                }
            }
        }
        loop {
            let Some((ix, iy)) = stack.last_mut() else {
                return Ordering::Equal;
            };
            match (ix.next(), iy.next()) {
                (Some(p), Some(q)) => {
                    (x, y) = (p, q);
                    break;
                }
                (None, None) => {
                    stack.pop();
                }
                (None, Some(_)) => return Ordering::Less,
                (Some(_), None) => return Ordering::Greater,
            }
        }
    }
}

/// What identifies a kept object: its interpreter and its address (unique while the value
/// holds its reference).
fn object_identity(o: &Object) -> (u64, usize) {
    (o.interpreter_key().to_bits(), o.as_ptr() as usize)
}

impl PartialEq for Value {
    fn eq(&self, other: &Value) -> bool {
        compare(self, other, true) == Ordering::Equal
    }
}

impl Eq for Value {}

impl PartialOrd for Value {
    fn partial_cmp(&self, other: &Value) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// The total order described in the [module documentation](self#equality-order-and-hashing).
impl Ord for Value {
    fn cmp(&self, other: &Value) -> Ordering {
        compare(self, other, false)
    }
}

impl Hash for Value {
    fn hash<H: Hasher>(&self, state: &mut H) {
        let mut stack: Vec<Kids<'_>> = Vec::new();
        let mut cur = Some(self);
        loop {
            if let Some(v) = cur.take() {
                state.write_u8(v.rank());
                match v {
                    Value::None => {}
                    Value::Bool(b) => state.write_u8(u8::from(*b)),
                    Value::Int(i) => state.write_i64(*i),
                    Value::BigInt(b) => match i64::try_from(&**b) {
                        Ok(i) => state.write_i64(i),
                        Err(_) => b.to_signed_bytes_le().hash(state),
                    },
                    Value::Float(f) => state.write_u64(f.to_bits()),
                    Value::Str(s) => s.hash(state),
                    Value::Bytes(b) => b.hash(state),
                    Value::Object(o) => object_identity(o).hash(state),
                    _ => {
                        state.write_usize(v.container_len().unwrap_or(0));
                        if let Some(k) = v.kids() {
                            stack.push(k);
                        }
                    }
                }
            }
            let Some(top) = stack.last_mut() else { return };
            match top.next() {
                Some(child) => cur = Some(child),
                None => {
                    stack.pop();
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Formatting (Python literal notation, iterative)
// ---------------------------------------------------------------------------------------------

fn write_float(f: &mut fmt::Formatter<'_>, x: f64) -> fmt::Result {
    if x.is_nan() {
        return f.write_str("nan");
    }
    if x.is_infinite() {
        return f.write_str(if x > 0.0 { "inf" } else { "-inf" });
    }
    // Rust's shortest round-trip form, with Python's exponent spelling (`1e+16`, `1e-05`).
    let s = format!("{x:?}");
    match s.split_once('e') {
        None => f.write_str(&s),
        Some((mantissa, exp)) => {
            let (sign, digits) = match exp.strip_prefix('-') {
                Some(d) => ('-', d),
                None => ('+', exp),
            };
            let mantissa = mantissa.strip_suffix(".0").unwrap_or(mantissa);
            write!(f, "{mantissa}e{sign}{digits:0>2}")
        }
    }
}

fn write_str_literal(f: &mut fmt::Formatter<'_>, s: &str) -> fmt::Result {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    f.write_char(quote)?;
    for c in s.chars() {
        match c {
            '\\' => f.write_str("\\\\")?,
            '\n' => f.write_str("\\n")?,
            '\r' => f.write_str("\\r")?,
            '\t' => f.write_str("\\t")?,
            c if c == quote => write!(f, "\\{c}")?,
            c if (c as u32) < 0x20 || (0x7f..0xa0).contains(&(c as u32)) => {
                write!(f, "\\x{:02x}", c as u32)?
            }
            c if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}') => {
                if (c as u32) <= 0xffff {
                    write!(f, "\\u{:04x}", c as u32)?
                } else {
                    write!(f, "\\U{:08x}", c as u32)?
                }
            }
            c => f.write_char(c)?,
        }
    }
    f.write_char(quote)
}

fn write_bytes_literal(f: &mut fmt::Formatter<'_>, b: &[u8]) -> fmt::Result {
    let quote = if b.contains(&b'\'') && !b.contains(&b'"') {
        b'"'
    } else {
        b'\''
    };
    f.write_char('b')?;
    f.write_char(quote as char)?;
    for &c in b {
        match c {
            b'\\' => f.write_str("\\\\")?,
            b'\n' => f.write_str("\\n")?,
            b'\r' => f.write_str("\\r")?,
            b'\t' => f.write_str("\\t")?,
            c if c == quote => write!(f, "\\{}", c as char)?,
            0x20..=0x7e => f.write_char(c as char)?,
            c => write!(f, "\\x{c:02x}")?,
        }
    }
    f.write_char(quote as char)
}

/// Writes `v` as Python writes its `repr`, with an explicit stack.
fn write_value(f: &mut fmt::Formatter<'_>, v: &Value) -> fmt::Result {
    // (elements, closing text, elements written so far, is a dict, is a 1-tuple candidate)
    struct Open<'a> {
        kids: Kids<'a>,
        close: &'static str,
        written: usize,
        dict: bool,
        tuple: bool,
    }
    let mut stack: Vec<Open<'_>> = Vec::new();
    let mut cur = Some(v);
    loop {
        if let Some(v) = cur.take() {
            match v {
                Value::None => f.write_str("None")?,
                Value::Bool(true) => f.write_str("True")?,
                Value::Bool(false) => f.write_str("False")?,
                Value::Int(i) => write!(f, "{i}")?,
                Value::BigInt(b) => write!(f, "{b}")?,
                Value::Float(x) => write_float(f, *x)?,
                Value::Str(s) => write_str_literal(f, s)?,
                Value::Bytes(b) => write_bytes_literal(f, b)?,
                // `repr(obj)`, which takes the object's GIL.
                Value::Object(o) => write!(f, "{o:?}")?,
                container => {
                    let (open, close, empty) = match container {
                        Value::List(_) => ("[", "]", "[]"),
                        Value::Tuple(_) => ("(", ")", "()"),
                        Value::Dict(_) => ("{", "}", "{}"),
                        Value::Set(_) => ("{", "}", "set()"),
                        _ => ("frozenset({", "})", "frozenset()"),
                    };
                    match container.kids() {
                        None => f.write_str(empty)?,
                        Some(kids) => {
                            f.write_str(open)?;
                            stack.push(Open {
                                kids,
                                close,
                                written: 0,
                                dict: matches!(container, Value::Dict(_)),
                                tuple: matches!(container, Value::Tuple(_)),
                            });
                        }
                    }
                }
            }
        }
        let Some(top) = stack.last_mut() else {
            return Ok(());
        };
        match top.kids.next() {
            Some(child) => {
                if top.written > 0 {
                    f.write_str(if top.dict && top.written % 2 == 1 {
                        ": "
                    } else {
                        ", "
                    })?;
                }
                top.written += 1;
                cur = Some(child);
            }
            None => {
                if top.tuple && top.written == 1 {
                    f.write_char(',')?;
                }
                f.write_str(top.close)?;
                stack.pop();
            }
        }
    }
}

/// Python literal notation, as `repr` writes it: `{'a': [1, 2.5, None], 'b': (True,)}`.
/// Identical to Python's `repr` of the converted object, except that in strings only control
/// characters (and U+2028, U+2029, U+FEFF) are escaped: Python also escapes other characters
/// its Unicode tables call non-printable (U+00AD, unassigned code points, ...).
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_value(f, self)
    }
}

/// The same notation as [`Display`](fmt::Display) (the derived form would recurse, and
/// would be harder to read).
impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_value(f, self)
    }
}

/// Renders a value for an error message, shortened.
fn short(v: &Value) -> String {
    let s = v.to_string();
    shorten(s)
}

fn shorten(s: String) -> String {
    if s.chars().count() <= 60 {
        return s;
    }
    let head: String = s.chars().take(40).collect();
    let tail: Vec<char> = s.chars().rev().take(15).collect();
    let tail: String = tail.into_iter().rev().collect();
    format!("{head}...{tail}")
}

// ---------------------------------------------------------------------------------------------
// Python -> Value
// ---------------------------------------------------------------------------------------------

#[inline(always)]
fn new_ref(py: Python<'_>, p: *mut ffi::PyObject) -> Result<Object> {
    // SAFETY: `p` is the result of a C-API call made just before under `py`'s GIL: a new
    // reference or NULL with an exception set.
    unsafe { Object::from_owned_ptr_or_err(py, p) }
}

/// `repr(obj)`, shortened, for error messages (never fails).
fn short_repr(obj: &Bound<'_>) -> String {
    match obj.repr() {
        Ok(s) => shorten(s),
        Err(_) => format!("<{} object>", crate::conv::tname(obj)),
    }
}

/// Reads a Python `int` of any size.
///
/// # Safety
/// `p` is a live `int` (or subclass) and the GIL is held.
pub(crate) unsafe fn int_value(py: Python<'_>, p: *mut ffi::PyObject) -> Result<Value> {
    let mut overflow: std::ffi::c_int = 0;
    // SAFETY: forwarded contract.
    let v = unsafe { ffi::PyLong_AsLongLongAndOverflow(p, &mut overflow) };
    if overflow == 0 {
        // SAFETY: GIL held.
        if v == -1 && unsafe { !ffi::PyErr_Occurred().is_null() } {
            // SAFETY: an exception is pending.
            return Err(unsafe { fetch(py) });
        }
        return Ok(Value::Int(v));
    }
    // SAFETY: forwarded contract: `p` is an int, so `PyNumber_ToBase` formats it.
    unsafe { big_int(py, p) }.map(|b| Value::BigInt(Arc::new(b)))
}

/// A Python `int` of any size as a [`BigInt`], through its hexadecimal text (powers of two
/// are exempt from Python's int-to-str digit limit, and this is linear in the size).
///
/// # Safety
/// `p` is a live `int` (or subclass) and the GIL is held.
pub(crate) unsafe fn big_int(py: Python<'_>, p: *mut ffi::PyObject) -> Result<BigInt> {
    // SAFETY: forwarded contract.
    let hex = new_ref(py, unsafe { ffi::PyNumber_ToBase(p, 16) })?;
    let text = crate::conv::str_to_string(hex.bound(py))?;
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.as_str()),
    };
    let digits = digits.strip_prefix("0x").unwrap_or(digits);
    let magnitude = BigInt::parse_bytes(digits.as_bytes(), 16)
        .ok_or_else(|| Error::Conversion(format!("cannot read the int {text} as hexadecimal")))?;
    Ok(if negative { -magnitude } else { magnitude })
}

/// A new Python `int` from a [`BigInt`].
pub(crate) fn big_int_to_py(py: Python<'_>, b: &BigInt) -> Result<Object> {
    b.to_python(py)
}

/// A hasher for object addresses (SipHash is needlessly slow for them): a multiplication,
/// rotated so that the bits varying between aligned addresses reach the low bits.
#[derive(Default)]
struct AddrHasher(u64);

impl Hasher for AddrHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }

    fn write_usize(&mut self, n: usize) {
        self.0 = (self.0 ^ n as u64).wrapping_mul(0x9e_37_79_b9_7f_4a_7c_15);
    }

    fn finish(&self) -> u64 {
        self.0.rotate_left(26)
    }
}

type AddrMap<V> = StdHashMap<usize, V, std::hash::BuildHasherDefault<AddrHasher>>;

/// The container being copied at one level of the Python -> Value walk.
struct PyFrame {
    /// The container (a strong reference keeps its identity and items alive).
    obj: Object,
    state: PyFrameState,
}

enum PyFrameState {
    Seq {
        tuple: bool,
        next: ffi::Py_ssize_t,
        items: Vector<Value>,
    },
    Dict {
        /// The dict `PyDict_Next` walks: the container itself, or a private copy on
        /// free-threaded builds (see `conv::dict_to_walk`).
        walked: Object,
        pos: ffi::Py_ssize_t,
        entry: usize,
        key_obj: Option<Object>,
        value_obj: Option<Object>,
        key: Option<Value>,
        map: OrdMap<Value, Value>,
    },
    Set {
        frozen: bool,
        iter: Object,
        element: usize,
        items: OrdSet<Value>,
    },
}

/// What starting to copy one object gives.
enum Started {
    Done(Value),
    Open(PyFrame),
}

/// State of one Python -> Value copy.
struct FromPy<'py> {
    py: Python<'py>,
    stack: Vec<PyFrame>,
    /// Containers by address: `None` while being copied (on the current path: meeting one
    /// again is a cycle), then their copy (meeting one again shares it). The `Object` keeps
    /// the address from being reused during the walk.
    seen: AddrMap<Option<(Object, Value)>>,
    /// Keep what cannot be copied as [`Value::Object`] instead of failing.
    keep: bool,
}

impl<'py> FromPy<'py> {
    /// Where the walk is, as `$[0]['key']`.
    fn path(&self) -> String {
        self.path_to(self.stack.len())
    }

    /// The path through the outermost `levels` containers.
    fn path_to(&self, levels: usize) -> String {
        let mut s = String::from("$");
        for frame in self.stack.iter().take(levels) {
            let py = self.py;
            match &frame.state {
                PyFrameState::Seq { next, .. } => {
                    let _ = write!(s, "[{}]", next - 1);
                }
                PyFrameState::Dict {
                    key: Some(_),
                    key_obj: Some(k),
                    ..
                } => {
                    let _ = write!(s, "[{}]", short_repr(k.bound(py)));
                }
                PyFrameState::Dict { entry, .. } => {
                    let _ = write!(s, ".keys()[{entry}]");
                }
                PyFrameState::Set { element, .. } => {
                    let _ = write!(s, ".element[{element}]");
                }
            }
        }
        s
    }

    fn start(&mut self, obj: &Bound<'_>) -> Result<Started> {
        let py = self.py;
        let p = obj.as_ptr();
        // SAFETY: `p` is a live object (held by `obj`'s owner) and the GIL is held for all
        // checks and reads below; every new reference is wrapped in an `Object`.
        unsafe {
            if p == ffi::Py_None() {
                return Ok(Started::Done(Value::None));
            }
            if p == ffi::Py_True() {
                return Ok(Started::Done(Value::Bool(true)));
            }
            if p == ffi::Py_False() {
                return Ok(Started::Done(Value::Bool(false)));
            }
            if ffi::PyLong_Check(p) {
                return int_value(py, p).map(Started::Done);
            }
            if ffi::PyFloat_Check(p) {
                let x = ffi::PyFloat_AsDouble(p);
                if x == -1.0 && !ffi::PyErr_Occurred().is_null() {
                    return Err(fetch(py));
                }
                return Ok(Started::Done(Value::Float(x)));
            }
            if ffi::PyUnicode_Check(p) {
                return self.string(obj).map(Started::Done);
            }
            if ffi::PyBytes_Check(p) {
                let mut data: *mut std::ffi::c_char = std::ptr::null_mut();
                let mut n: ffi::Py_ssize_t = 0;
                if ffi::PyBytes_AsStringAndSize(p, &mut data, &mut n) < 0 {
                    return Err(fetch(py));
                }
                let bytes = std::slice::from_raw_parts(data.cast::<u8>(), n as usize);
                return Ok(Started::Done(Value::Bytes(Arc::from(bytes))));
            }
            if ffi::PyByteArray_Check(p) {
                let n = ffi::PyByteArray_Size(p);
                let data = ffi::PyByteArray_AsString(p);
                let bytes = if n > 0 {
                    std::slice::from_raw_parts(data.cast::<u8>(), n as usize)
                } else {
                    &[]
                };
                return Ok(Started::Done(Value::Bytes(Arc::from(bytes))));
            }
            let state = if ffi::PyList_Check(p) {
                PyFrameState::Seq {
                    tuple: false,
                    next: 0,
                    items: Vector::new(),
                }
            } else if ffi::PyTuple_Check(p) {
                PyFrameState::Seq {
                    tuple: true,
                    next: 0,
                    items: Vector::new(),
                }
            } else if ffi::PyDict_Check(p) {
                PyFrameState::Dict {
                    walked: crate::conv::dict_to_walk(obj)?,
                    pos: 0,
                    entry: 0,
                    key_obj: None,
                    value_obj: None,
                    key: None,
                    map: OrdMap::new(),
                }
            } else if ffi::PyAnySet_Check(p) {
                let frozen = ffi::PyObject_TypeCheck(p, ffi::data::PyFrozenSet_Type());
                let iter = new_ref(py, ffi::PyObject_GetIter(p))?;
                PyFrameState::Set {
                    frozen,
                    iter,
                    element: 0,
                    items: OrdSet::new(),
                }
            } else if ffi::PyIndex_Check(p) != 0 {
                // An integer-like object (a numpy integer); one whose `__index__` refuses (a
                // numpy array of more than one item) is kept when asked to.
                let int = match new_ref(py, ffi::PyNumber_Index(p)) {
                    Ok(int) => int,
                    Err(_) if self.keep => return Ok(Started::Done(Value::Object(obj.clone().unbind()))),
                    Err(e) => return Err(e),
                };
                return int_value(py, int.as_ptr()).map(Started::Done);
            } else if self.keep {
                return Ok(Started::Done(Value::Object(obj.clone().unbind())));
            } else {
                return Err(Error::type_error(
                    format!(
                        "None, bool, int, float, str, bytes, list, tuple, dict, set or frozenset (at {})",
                        self.path()
                    ),
                    crate::conv::tname(obj),
                ));
            };
            let id = p as usize;
            match self.seen.get(&id) {
                Some(Some((_, v))) => return Ok(Started::Done(v.clone())),
                Some(None) if self.keep => return Ok(Started::Done(Value::Object(obj.clone().unbind()))),
                Some(None) => {
                    return Err(Error::SelfReferential {
                        type_name: crate::conv::tname(obj),
                    });
                }
                None => {}
            }
            Ok(Started::Open(PyFrame {
                obj: obj.clone().unbind(),
                state,
            }))
        }
    }

    fn string(&self, obj: &Bound<'_>) -> Result<Value> {
        let mut n: ffi::Py_ssize_t = 0;
        // SAFETY: `obj` is a live str and the GIL is held; the UTF-8 buffer lives as long as
        // the object, and is copied at once.
        unsafe {
            let data = ffi::PyUnicode_AsUTF8AndSize(obj.as_ptr(), &mut n);
            if data.is_null() {
                if ffi::PyErr_ExceptionMatches(*ffi::data::PyExc_UnicodeEncodeError()) != 0 {
                    let e = fetch(self.py);
                    if self.keep {
                        return Ok(Value::Object(obj.clone().unbind()));
                    }
                    let detail = e
                        .as_python()
                        .map(|p| p.message().to_owned())
                        .unwrap_or_default();
                    return Err(Error::Conversion(format!(
                        "the str at {} is not valid Unicode text ({detail}); a Value holds only Unicode \
                         scalar values (read such strings with libpython::string_lossy)",
                        self.path()
                    )));
                }
                return Err(fetch(self.py));
            }
            let bytes = std::slice::from_raw_parts(data.cast::<u8>(), n as usize);
            // CPython's UTF-8 encoding of a str without surrogates is valid UTF-8.
            match std::str::from_utf8(bytes) {
                Ok(s) => Ok(Value::Str(Arc::from(s))),
                Err(e) => Err(Error::Conversion(format!(
                    "the str at {} is not valid UTF-8: {e}",
                    self.path()
                ))),
            }
        }
    }

    fn push(&mut self, frame: PyFrame) {
        self.seen.insert(frame.obj.as_ptr() as usize, None);
        self.stack.push(frame);
    }

    /// The next element of the innermost container, or `None` when it is complete.
    fn next_child(&mut self) -> Result<Option<Object>> {
        let py = self.py;
        let Some(frame) = self.stack.last_mut() else {
            return Ok(None);
        };
        let p = frame.obj.as_ptr();
        // SAFETY: `p` is the live container of the frame (the frame owns a reference), of the
        // kind its state was made for; the GIL is held. Borrowed items gain a reference at
        // once, before anything else can run.
        unsafe {
            match &mut frame.state {
                PyFrameState::Seq {
                    tuple: false, next, ..
                } => {
                    // Re-read the length: the list is not ours.
                    if *next >= ffi::PyList_Size(p) {
                        return Ok(None);
                    }
                    let item = crate::conv::list_item(py, p, *next)?;
                    *next += 1;
                    Ok(Some(item))
                }
                PyFrameState::Seq {
                    tuple: true, next, ..
                } => {
                    if *next >= ffi::PyTuple_Size(p) {
                        return Ok(None);
                    }
                    let item = ffi::PyTuple_GetItem(p, *next);
                    if item.is_null() {
                        return Err(fetch(py));
                    }
                    *next += 1;
                    Ok(Some(Object::from_borrowed_ptr(py, item)))
                }
                PyFrameState::Dict {
                    walked,
                    pos,
                    key_obj,
                    value_obj,
                    key,
                    ..
                } => {
                    if key.is_some() {
                        // The key is copied: now its value.
                        return Ok(value_obj.take());
                    }
                    let mut k = std::ptr::null_mut();
                    let mut v = std::ptr::null_mut();
                    if ffi::PyDict_Next(walked.as_ptr(), pos, &mut k, &mut v) == 0 {
                        return Ok(None);
                    }
                    let k = Object::from_borrowed_ptr(py, k);
                    *value_obj = Some(Object::from_borrowed_ptr(py, v));
                    *key_obj = Some(k.clone_ref(py));
                    Ok(Some(k))
                }
                PyFrameState::Set { iter, element, .. } => {
                    let item = ffi::PyIter_Next(iter.as_ptr());
                    if item.is_null() {
                        if !ffi::PyErr_Occurred().is_null() {
                            return Err(fetch(py));
                        }
                        return Ok(None);
                    }
                    *element += 1;
                    Ok(Some(Object::from_owned_ptr(py, item)))
                }
            }
        }
    }

    /// Gives the copy of the element last handed out to the innermost container.
    fn accept(&mut self, v: Value) -> Result<()> {
        let Some(frame) = self.stack.last_mut() else {
            return Ok(());
        };
        // A key or element equal to an earlier one: (what, the container's kind, its value).
        let clash = match &mut frame.state {
            PyFrameState::Seq { items, .. } => {
                items.push_back(v);
                return Ok(());
            }
            PyFrameState::Dict {
                key,
                key_obj,
                map,
                entry,
                ..
            } => match key.take() {
                None => {
                    *key = Some(v);
                    return Ok(());
                }
                Some(k) => {
                    *entry += 1;
                    match map.get(&k) {
                        None => {
                            map.insert(k, v);
                            *key_obj = None;
                            return Ok(());
                        }
                        Some(_) => ("keys", "dict", short(&k), "an entry"),
                    }
                }
            },
            PyFrameState::Set { items, .. } => {
                if !items.contains(&v) {
                    items.insert(v);
                    return Ok(());
                }
                ("elements", "set", short(&v), "an element")
            }
        };
        // The path of the container itself: drop the innermost step.
        let depth = self.stack.len() - 1;
        let path = self.path_to(depth);
        let (what, kind, shown, lost) = clash;
        Err(Error::Conversion(format!(
            "the {kind} at {path} has two {what} that are distinct in Python but equal as Values \
             ({shown}); copying it would lose {lost}"
        )))
    }

    /// Closes the innermost container, giving its value.
    fn finish(&mut self) -> Option<Value> {
        let frame = self.stack.pop()?;
        let id = frame.obj.as_ptr() as usize;
        let v = match frame.state {
            PyFrameState::Seq {
                tuple: false,
                items,
                ..
            } => Value::List(Arc::new(items)),
            PyFrameState::Seq {
                tuple: true, items, ..
            } => Value::Tuple(Arc::new(items)),
            PyFrameState::Dict { map, .. } => Value::Dict(Arc::new(map)),
            PyFrameState::Set {
                frozen: false,
                items,
                ..
            } => Value::Set(Arc::new(items)),
            PyFrameState::Set {
                frozen: true,
                items,
                ..
            } => Value::FrozenSet(Arc::new(items)),
        };
        self.seen.insert(id, Some((frame.obj, v.clone())));
        Some(v)
    }
}

/// Copies a Python object into a [`Value`] with an explicit stack; with `keep`, what cannot be
/// copied is kept as [`Value::Object`].
fn from_python_iter(obj: &Bound<'_>, keep: bool) -> Result<Value> {
    let mut w = FromPy {
        py: obj.py(),
        stack: Vec::new(),
        seen: AddrMap::default(),
        keep,
    };
    match w.start(obj)? {
        Started::Done(v) => return Ok(v),
        Started::Open(frame) => w.push(frame),
    }
    loop {
        match w.next_child()? {
            Some(child) => match w.start(child.bound(w.py))? {
                Started::Done(v) => w.accept(v)?,
                Started::Open(frame) => w.push(frame),
            },
            None => {
                let Some(v) = w.finish() else {
                    return Ok(Value::None);
                };
                if w.stack.is_empty() {
                    return Ok(v);
                }
                w.accept(v)?;
            }
        }
    }
}

impl FromPython for Value {
    /// See the [module documentation](self#conversions).
    fn from_python(obj: &Bound<'_>) -> Result<Self> {
        from_python_iter(obj, false)
    }
}

// ---------------------------------------------------------------------------------------------
// Value -> Python
// ---------------------------------------------------------------------------------------------

/// The container being built at one level of the Value -> Python walk.
struct OutFrame<'a> {
    /// The new container.
    obj: Object,
    state: OutState<'a>,
}

enum OutState<'a> {
    Seq {
        list: bool,
        it: imbl::vector::Iter<'a, Value, DefaultSharedPtr>,
        next: ffi::Py_ssize_t,
    },
    /// `current` is the entry being converted; `key_obj` its key once converted.
    Dict {
        it: imbl::ordmap::Iter<'a, Value, Value, DefaultSharedPtr>,
        current: Option<(&'a Value, &'a Value)>,
        key_obj: Option<Object>,
    },
    Set {
        frozen: bool,
        it: imbl::ordset::Iter<'a, Value, DefaultSharedPtr>,
        current: Option<&'a Value>,
    },
}

fn out_path(stack: &[OutFrame<'_>]) -> String {
    let mut s = String::from("$");
    for frame in stack {
        match &frame.state {
            OutState::Seq { next, .. } => {
                let _ = write!(s, "[{next}]");
            }
            OutState::Dict {
                current: Some((k, _)),
                key_obj: Some(_),
                ..
            } => {
                let _ = write!(s, "[{}]", short(k));
            }
            OutState::Dict {
                current: Some((k, _)),
                key_obj: None,
                ..
            } => {
                let _ = write!(s, ".keys()[{}]", short(k));
            }
            OutState::Dict { .. } => {}
            OutState::Set { current, .. } => {
                let _ = write!(s, "{{{}}}", current.map(short).unwrap_or_default());
            }
        }
    }
    s
}

/// A Python `TypeError` (unhashable) met while filling a dict or set, as a conversion error
/// naming where (`parents` are the frames outside the dict or set).
fn unhashable(py: Python<'_>, parents: &[OutFrame<'_>], role: &str, what: &Value) -> Error {
    // SAFETY: called right after a failed C-API call, with its exception pending; GIL held.
    let e = unsafe { fetch(py) };
    match e.as_python() {
        Some(p) if p.type_name() == "TypeError" => Error::Conversion(format!(
            "{}: the {role} {} cannot be one in Python ({})",
            out_path(parents),
            short(what),
            p.message()
        )),
        _ => e,
    }
}

/// A new Python object for a scalar value, or the (empty) container to fill for a container.
fn out_start<'a>(
    py: Python<'_>,
    v: &'a Value,
) -> Result<std::result::Result<Object, OutFrame<'a>>> {
    // SAFETY (whole function): GIL held; pointers and lengths describe live Rust data.
    let obj = match v {
        Value::None => return Ok(Ok(py.none().unbind())),
        Value::Bool(b) => return b.to_python(py).map(Ok),
        // SAFETY: see above.
        Value::Int(i) => return new_ref(py, unsafe { ffi::PyLong_FromLongLong(*i) }).map(Ok),
        Value::BigInt(b) => return big_int_to_py(py, b).map(Ok),
        // SAFETY: see above.
        Value::Float(x) => return new_ref(py, unsafe { ffi::PyFloat_FromDouble(*x) }).map(Ok),
        Value::Str(s) => return s.to_python(py).map(Ok),
        // The same object (refused in another interpreter).
        Value::Object(o) => return crate::conv::to_object(o, py).map(Ok),
        Value::Bytes(b) => {
            // SAFETY: see above.
            return new_ref(py, unsafe {
                ffi::PyBytes_FromStringAndSize(b.as_ptr().cast(), b.len() as ffi::Py_ssize_t)
            })
            .map(Ok);
        }
        Value::List(items) => OutFrame {
            // SAFETY: see above; the list is filled completely before it is handed out.
            obj: new_ref(py, unsafe {
                ffi::PyList_New(items.len() as ffi::Py_ssize_t)
            })?,
            state: OutState::Seq {
                list: true,
                it: items.iter(),
                next: 0,
            },
        },
        Value::Tuple(items) => OutFrame {
            // SAFETY: see above; the tuple is filled completely before it is handed out.
            obj: new_ref(py, unsafe {
                ffi::PyTuple_New(items.len() as ffi::Py_ssize_t)
            })?,
            state: OutState::Seq {
                list: false,
                it: items.iter(),
                next: 0,
            },
        },
        Value::Dict(m) => OutFrame {
            // SAFETY: see above.
            obj: new_ref(py, unsafe { ffi::PyDict_New() })?,
            state: OutState::Dict {
                it: m.iter(),
                current: None,
                key_obj: None,
            },
        },
        Value::Set(s) | Value::FrozenSet(s) => OutFrame {
            // SAFETY: see above. A frozenset is built as a set, then frozen.
            obj: new_ref(py, unsafe { ffi::PySet_New(std::ptr::null_mut()) })?,
            state: OutState::Set {
                frozen: matches!(v, Value::FrozenSet(_)),
                it: s.iter(),
                current: None,
            },
        },
    };
    Ok(Err(obj))
}

/// Copies a [`Value`] into new Python objects with an explicit stack.
fn to_python_iter(py: Python<'_>, v: &Value) -> Result<Object> {
    let mut stack: Vec<OutFrame<'_>> = Vec::new();
    match out_start(py, v)? {
        Ok(obj) => return Ok(obj),
        Err(frame) => stack.push(frame),
    }
    loop {
        let Some(frame) = stack.last_mut() else {
            return Ok(py.none().unbind());
        };
        // The next element to convert, or `None` when the container is full.
        let child = match &mut frame.state {
            OutState::Seq { it, .. } => it.next(),
            OutState::Dict {
                it,
                current,
                key_obj,
            } => {
                if key_obj.is_some() {
                    // The key is converted: now its value.
                    current.map(|(_, v)| v)
                } else {
                    *current = it.next();
                    current.map(|(k, _)| k)
                }
            }
            OutState::Set { it, current, .. } => {
                *current = it.next();
                *current
            }
        };
        let obj = match child {
            Some(c) => match out_start(py, c)? {
                Ok(obj) => obj,
                Err(frame) => {
                    stack.push(frame);
                    continue;
                }
            },
            None => {
                let Some(done) = stack.pop() else {
                    return Ok(py.none().unbind());
                };
                let obj = match done.state {
                    OutState::Set { frozen: true, .. } => {
                        // SAFETY: GIL held; `done.obj` is a live set.
                        new_ref(py, unsafe { ffi::PyFrozenSet_New(done.obj.as_ptr()) })?
                    }
                    _ => done.obj,
                };
                if stack.is_empty() {
                    return Ok(obj);
                }
                obj
            }
        };
        out_accept(py, &mut stack, obj)?;
    }
}

/// Puts a converted element into the innermost container being built.
fn out_accept(py: Python<'_>, stack: &mut [OutFrame<'_>], obj: Object) -> Result<()> {
    let Some((frame, parents)) = stack.split_last_mut() else {
        return Ok(());
    };
    let p = frame.obj.as_ptr();
    // SAFETY: `p` is the new container of the frame (not shared with any other code yet),
    // of the kind its state was made for; the GIL is held. `PyList_SetItem` and
    // `PyTuple_SetItem` steal the element's reference, into a slot in range (the slots match
    // the Rust vector's length, and each is set once).
    unsafe {
        match &mut frame.state {
            OutState::Seq { list, next, .. } => {
                let rc = if *list {
                    ffi::PyList_SetItem(p, *next, obj.into_ptr())
                } else {
                    ffi::PyTuple_SetItem(p, *next, obj.into_ptr())
                };
                if rc < 0 {
                    return Err(fetch(py));
                }
                *next += 1;
            }
            OutState::Dict {
                current, key_obj, ..
            } => match key_obj.take() {
                None => *key_obj = Some(obj),
                Some(k_obj) => {
                    let key = current.map_or(&NONE, |(k, _)| k);
                    // A list key becomes a tuple (a set a frozenset), as for Rust maps.
                    let k_obj = crate::conv::freeze_key(py, k_obj)?;
                    let before = ffi::PyDict_Size(p);
                    if ffi::PyDict_SetItem(p, k_obj.as_ptr(), obj.as_ptr()) < 0 {
                        return Err(unhashable(py, parents, "dict key", key));
                    }
                    if ffi::PyDict_Size(p) == before {
                        return Err(Error::Conversion(format!(
                            "{}: the dict key {} equals an earlier key in Python (as 1, 1.0 and True \
                             do, or 0.0 and -0.0), so the dict would lose an entry",
                            out_path(parents),
                            short(key)
                        )));
                    }
                }
            },
            OutState::Set { current, .. } => {
                let element = current.unwrap_or(&NONE);
                let obj = crate::conv::freeze_key(py, obj)?;
                let before = ffi::PySet_Size(p);
                if ffi::PySet_Add(p, obj.as_ptr()) < 0 {
                    return Err(unhashable(py, parents, "set element", element));
                }
                if ffi::PySet_Size(p) == before {
                    return Err(Error::Conversion(format!(
                        "{}: the set element {} equals an earlier one in Python (as 1, 1.0 and True \
                         do, or 0.0 and -0.0), so the set would lose an element",
                        out_path(parents),
                        short(element)
                    )));
                }
            }
        }
    }
    Ok(())
}

impl ToPython for Value {
    /// See the [module documentation](self#conversions).
    fn to_python(&self, py: Python<'_>) -> Result<Object> {
        to_python_iter(py, self)
    }
}

// ---------------------------------------------------------------------------------------------
// imbl collections of convertible values
// ---------------------------------------------------------------------------------------------

/// A `list`.
impl<T: ToPython + Clone> ToPython for Vector<T> {
    fn to_python(&self, py: Python<'_>) -> Result<Object> {
        crate::conv::list_from_iter(py, self.len(), self.iter())
    }
}

/// Any sequence or iterable (not a `str`).
impl<T: FromPython + Clone> FromPython for Vector<T> {
    fn from_python(obj: &Bound<'_>) -> Result<Self> {
        crate::conv::seq_extract(obj, |_| Vector::new(), |v, x| v.push_back(x))
    }
}

/// A `dict`.
impl<K: ToPython, V: ToPython, S> ToPython for imbl::GenericHashMap<K, V, S, DefaultSharedPtr> {
    fn to_python(&self, py: Python<'_>) -> Result<Object> {
        crate::conv::dict_from_iter(py, self.iter())
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
        crate::conv::map_extract(obj, |k, v| {
            m.insert(k, v);
        })?;
        Ok(m)
    }
}

/// A `dict`.
impl<K: ToPython + Ord, V: ToPython> ToPython for OrdMap<K, V> {
    fn to_python(&self, py: Python<'_>) -> Result<Object> {
        crate::conv::dict_from_iter(py, self.iter())
    }
}

/// Any mapping.
impl<K: FromPython + Ord + Clone, V: FromPython + Clone> FromPython for OrdMap<K, V> {
    fn from_python(obj: &Bound<'_>) -> Result<Self> {
        let mut m = OrdMap::new();
        crate::conv::map_extract(obj, |k, v| {
            m.insert(k, v);
        })?;
        Ok(m)
    }
}

/// A `set`.
impl<T: ToPython, S> ToPython for imbl::GenericHashSet<T, S, DefaultSharedPtr> {
    fn to_python(&self, py: Python<'_>) -> Result<Object> {
        crate::conv::set_from_iter(py, self.iter())
    }
}

/// Any iterable (not a `str`).
impl<T, S> FromPython for imbl::GenericHashSet<T, S, DefaultSharedPtr>
where
    T: FromPython + Hash + Eq + Clone,
    S: BuildHasher + Default + Clone,
{
    fn from_python(obj: &Bound<'_>) -> Result<Self> {
        crate::conv::seq_extract(
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
        crate::conv::set_from_iter(py, self.iter())
    }
}

/// Any iterable (not a `str`).
impl<T: FromPython + Ord + Clone> FromPython for OrdSet<T> {
    fn from_python(obj: &Bound<'_>) -> Result<Self> {
        crate::conv::seq_extract(
            obj,
            |_| OrdSet::new(),
            |s, x| {
                s.insert(x);
            },
        )
    }
}
