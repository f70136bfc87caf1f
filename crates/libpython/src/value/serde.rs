//! `Serialize` and `Deserialize` for [`Value`], and a `Value` as a serde `Deserializer` (the
//! deserializer over Python objects, reading `Value` nodes).

use std::borrow::Cow;
use std::fmt::{self, Write as _};
use std::sync::Arc;

use ::serde::de::{self, DeserializeSeed, Visitor};
use ::serde::ser::{self, Serialize, SerializeTuple as _};
use ::serde::{Deserialize, Deserializer, Serializer};
use imbl::shared_ptr::DefaultSharedPtr;
use imbl::{OrdMap, Vector};
use num_bigint::BigInt;

use crate::err::{Error, Result};
use crate::object::Object;

use super::Value;
use crate::serde::{Children, De, Int, Key, Kind, MAX_DEPTH, Node, SerdeError};

/// serde's data model has no sets and no integers beyond 128 bits: lists, sets and
/// frozensets serialise as sequences and tuples as tuples (both arrays in JSON), dicts as
/// maps, bytes as bytes, `None` as unit (`null`). A [`Value::BigInt`] beyond 128 bits is an
/// error, and so is a [`Value::Object`] (a Python object is no data serde can write). More
/// than 128 levels of nesting is an error (serde recurses).
///
/// ```
/// use libpython::value::Value;
/// let v = Value::dict([("a", Value::tuple([Value::from(1), Value::None])), ("b", Value::set(["x"]))]);
/// assert_eq!(serde_json::to_string(&v).unwrap(), r#"{"a":[1,null],"b":["x"]}"#);
/// ```
impl Serialize for Value {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        Depth(self, 0).serialize(serializer)
    }
}

/// The error of a Python object kept in a [`Value`] (by
/// [`Value::from_object_lossless`](crate::Value::from_object_lossless)) met by serde: it is no
/// data serde can read or write.
fn kept_object(o: &Object) -> String {
    let type_name = o.type_name().unwrap_or_else(|_| "object".into());
    format!(
        "a Python {type_name} kept in the value as an object is not data serde can read or write; convert it first"
    )
}

/// A value at a nesting depth (to refuse nesting too deep for recursion).
struct Depth<'a>(&'a Value, usize);

impl Serialize for Depth<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let Depth(v, depth) = *self;
        let container = v.as_seq().is_some() || v.as_dict().is_some() || v.as_set().is_some();
        if depth >= MAX_DEPTH && container {
            return Err(ser::Error::custom(format!(
                "the value nests more than {MAX_DEPTH} levels deep"
            )));
        }
        if container && libpython_interp::gil::stack_nearly_exhausted() {
            return Err(ser::Error::custom(
                "the value nests too deep for this thread's stack, which is nearly exhausted",
            ));
        }
        match v {
            Value::None => serializer.serialize_unit(),
            Value::Bool(b) => serializer.serialize_bool(*b),
            Value::Int(i) => serializer.serialize_i64(*i),
            Value::BigInt(b) => match narrow(b) {
                Some(Int::I64(i)) => serializer.serialize_i64(i),
                Some(Int::U64(u)) => serializer.serialize_u64(u),
                Some(Int::I128(i)) => serializer.serialize_i128(i),
                Some(Int::U128(u)) => serializer.serialize_u128(u),
                None => Err(ser::Error::custom(format!(
                    "the int {b} does not fit in 128 bits, the widest serde integer"
                ))),
            },
            Value::Float(x) => serializer.serialize_f64(*x),
            Value::Str(s) => serializer.serialize_str(s),
            Value::Bytes(b) => serializer.serialize_bytes(b),
            Value::List(items) => serializer.collect_seq(items.iter().map(|v| Depth(v, depth + 1))),
            Value::Tuple(items) => {
                let mut seq = serializer.serialize_tuple(items.len())?;
                for item in items.iter() {
                    seq.serialize_element(&Depth(item, depth + 1))?;
                }
                seq.end()
            }
            Value::Set(items) | Value::FrozenSet(items) => {
                serializer.collect_seq(items.iter().map(|v| Depth(v, depth + 1)))
            }
            Value::Dict(m) => serializer.collect_map(
                m.iter()
                    .map(|(k, v)| (Depth(k, depth + 1), Depth(v, depth + 1))),
            ),
            Value::Object(o) => Err(ser::Error::custom(kept_object(o))),
        }
    }
}

/// Reads any self-describing data: unit and `None` become [`Value::None`], integers
/// [`Value::Int`] (or [`Value::BigInt`] beyond `i64`), sequences [`Value::List`], maps
/// [`Value::Dict`] (a later duplicate key wins), bytes [`Value::Bytes`]. More than 128
/// levels of nesting is an error.
///
/// ```
/// use libpython::value::Value;
/// let v: Value = serde_json::from_str(r#"{"a": [1, 2.5, null, "x", 18446744073709551615]}"#).unwrap();
/// assert_eq!(v.to_string(), "{'a': [1, 2.5, None, 'x', 18446744073709551615]}");
/// ```
impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Value, D::Error> {
        ValueSeed(0).deserialize(deserializer)
    }
}

/// Deserializes a [`Value`] at a nesting depth.
#[derive(Clone, Copy)]
struct ValueSeed(usize);

impl<'de> DeserializeSeed<'de> for ValueSeed {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl ValueSeed {
    fn nested<E: de::Error>(self) -> Result<ValueSeed, E> {
        if self.0 >= MAX_DEPTH {
            return Err(E::custom(format!(
                "the data nests more than {MAX_DEPTH} levels deep"
            )));
        }
        Ok(ValueSeed(self.0 + 1))
    }
}

impl<'de> Visitor<'de> for ValueSeed {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Int(v))
    }

    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Float(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::Str(Arc::from(v)))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Value, E> {
        Ok(Value::Bytes(Arc::from(v)))
    }

    fn visit_byte_buf<E: de::Error>(self, v: Vec<u8>) -> Result<Value, E> {
        Ok(Value::Bytes(Arc::from(v)))
    }

    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::None)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        self.deserialize(deserializer)
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Value, D::Error> {
        self.deserialize(deserializer)
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let inner = self.nested()?;
        let mut items = Vector::new();
        while let Some(item) = seq.next_element_seed(inner)? {
            items.push_back(item);
        }
        Ok(Value::List(Arc::new(items)))
    }

    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let inner = self.nested()?;
        let mut m = OrdMap::new();
        while let Some(k) = map.next_key_seed(inner)? {
            let v = map.next_value_seed(inner)?;
            m.insert(k, v);
        }
        Ok(Value::Dict(Arc::new(m)))
    }

    fn visit_enum<A: de::EnumAccess<'de>>(self, data: A) -> Result<Value, A::Error> {
        // An enum from a non-self-describing source: `{variant: content}` with the content
        // read as a newtype (the only shape that can be read without knowing the type).
        use de::VariantAccess as _;
        let inner = self.nested()?;
        let (name, variant): (Value, _) = data.variant_seed(inner)?;
        let content = variant.newtype_variant_seed(inner)?;
        Ok(Value::Dict(Arc::new(OrdMap::unit(name, content))))
    }
}

/// Lets a [`Value`] be read by any `Deserialize` type (`T::deserialize(&value)`), as
/// `serde_json::Value` can. Errors are [`ErrorKind::Conversion`](crate::ErrorKind::Conversion) naming where, and more than
/// 128 levels of nesting is an error.
///
/// ```
/// use libpython::value::Value;
/// use serde::Deserialize;
/// #[derive(Deserialize)]
/// struct P { x: i32, y: i32 }
/// let p = P::deserialize(&Value::dict([("x", 1), ("y", 2)]))?;
/// assert_eq!((p.x, p.y), (1, 2));
/// let err = P::deserialize(&Value::dict([("x", Value::from(1)), ("y", Value::None)])).err().unwrap();
/// assert_eq!(err.to_string(), "$.y: invalid type: unit value, expected i32");
/// # Ok::<(), libpython::Error>(())
/// ```
impl<'de> Deserializer<'de> for &Value {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        read(self, |de| de.deserialize_any(visitor))
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        read(self, |de| de.deserialize_option(visitor))
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        read(self, |de| de.deserialize_newtype_struct(name, visitor))
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        read(self, |de| de.deserialize_enum(name, variants, visitor))
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        read(self, |de| de.deserialize_ignored_any(visitor))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        unit unit_struct seq tuple tuple_struct map struct identifier
    }
}

/// Runs the deserializer over `value`, its errors made into [`Error`]s.
fn read<R>(value: &Value, f: impl FnOnce(De<&Value>) -> Result<R, SerdeError>) -> Result<R, Error> {
    f(De::new(value)).map_err(SerdeError::into_error)
}

/// A big int in the narrowest of serde's integer types that holds it.
fn narrow(b: &BigInt) -> Option<Int> {
    i64::try_from(b)
        .map(Int::I64)
        .or_else(|_| u64::try_from(b).map(Int::U64))
        .or_else(|_| i128::try_from(b).map(Int::I128))
        .or_else(|_| u128::try_from(b).map(Int::U128))
        .ok()
}

/// A path step for a dict key [`Value`]: `.name` for an identifier-like str, else `[key]`.
fn value_key_step(key: &Value) -> String {
    if let Some(s) = key.as_str() {
        let mut chars = s.chars();
        if chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
            && chars.all(|c| c.is_alphanumeric() || c == '_')
        {
            return format!(".{s}");
        }
    }
    let mut r = key.to_string();
    if r.chars().count() > 60 {
        r = r.chars().take(57).collect::<String>() + "...";
    }
    format!("[{r}]")
}

/// The error of a node asked for what its kind says it is not (the deserializer reads a node
/// by its kind, so this is never reached).
fn mismatch(v: &Value, expected: &str) -> SerdeError {
    Error::conversion(format!("a {} is not a {expected}", v.type_name())).into()
}

/// A [`Value`] as a node the deserializer reads.
impl<'a> Node for &'a Value {
    type Items = Items<'a>;
    type Entries = Entries<'a>;
    /// Never given: a `Value`'s keys are read by their text.
    type FieldKeys = &'static [usize];

    fn kind(&self) -> Result<Kind, SerdeError> {
        Ok(match self {
            Value::None => Kind::None,
            Value::Bool(b) => Kind::Bool(*b),
            Value::Int(_) | Value::BigInt(_) => Kind::Int,
            Value::Float(x) => Kind::Float(*x),
            Value::Str(_) => Kind::Str,
            Value::Bytes(_) => Kind::Bytes,
            Value::List(_) | Value::Tuple(_) | Value::Set(_) | Value::FrozenSet(_) => Kind::Seq,
            Value::Dict(_) => Kind::Map,
            Value::Object(_) => Kind::Other,
        })
    }

    fn int(&self) -> Result<Int, SerdeError> {
        match self {
            Value::Int(i) => Ok(Int::I64(*i)),
            Value::BigInt(b) => narrow(b).ok_or_else(|| {
                Error::conversion(format!("the int {b} does not fit in 128 bits")).into()
            }),
            other => Err(mismatch(other, "int")),
        }
    }

    fn text(&self) -> Result<&str, SerdeError> {
        self.as_str().ok_or_else(|| mismatch(self, "str"))
    }

    fn bytes(&self) -> Result<Cow<'_, [u8]>, SerdeError> {
        self.as_bytes()
            .map(Cow::Borrowed)
            .ok_or_else(|| mismatch(self, "bytes"))
    }

    fn items(self) -> Result<Items<'a>, SerdeError> {
        let it = match self {
            Value::List(v) | Value::Tuple(v) => ItemIter::Vector(v.iter()),
            Value::Set(s) | Value::FrozenSet(s) => ItemIter::Set(s.iter()),
            other => return Err(mismatch(other, "sequence")),
        };
        Ok(Items {
            len: self.len(),
            it,
        })
    }

    fn entries(self, _fields: Option<&'static [usize]>) -> Result<Entries<'a>, SerdeError> {
        let m = self.as_dict().ok_or_else(|| mismatch(self, "dict"))?;
        Ok(Entries {
            it: m.iter(),
            len: m.len(),
        })
    }

    fn variant_entry(&self) -> Result<(&'a Value, &'a Value), SerdeError> {
        let mut entries = self.entries(None)?;
        match entries.next_child(0)? {
            Some((Key::Other(key), value)) if entries.len == 1 => Ok((key, value)),
            _ => Err(self.not_an_enum()),
        }
    }

    fn is_none(&self) -> bool {
        Value::is_none(self)
    }

    fn type_label(&self) -> String {
        Value::type_name(self).to_owned()
    }

    fn key_step(&self) -> String {
        value_key_step(self)
    }

    fn key_label(&self) -> String {
        value_key_step(self)
    }

    fn unsupported(&self) -> SerdeError {
        match self {
            Value::Object(o) => Error::conversion(kept_object(o)).into(),
            other => mismatch(other, "value serde reads"),
        }
    }

    fn not_an_enum(&self) -> SerdeError {
        Error::conversion(format!(
            "an enum is a str (unit variant) or a dict with exactly one key (the variant), not a {} of {} items",
            Value::type_name(self),
            Value::len(self)
        ))
        .into()
    }
}

/// How the items of a sequence [`Value`] are reached.
enum ItemIter<'a> {
    Vector(imbl::vector::Iter<'a, Value, DefaultSharedPtr>),
    Set(imbl::ordset::Iter<'a, Value, DefaultSharedPtr>),
}

/// The items of a list, tuple, set or frozenset [`Value`].
pub(crate) struct Items<'a> {
    it: ItemIter<'a>,
    len: usize,
}

impl<'a> Children for Items<'a> {
    type Child = &'a Value;

    fn next_child(&mut self, _index: usize) -> Result<Option<&'a Value>, SerdeError> {
        Ok(match &mut self.it {
            ItemIter::Vector(it) => it.next(),
            ItemIter::Set(it) => it.next(),
        })
    }

    fn len(&self) -> Option<usize> {
        Some(self.len)
    }
}

/// The entries of a dict [`Value`].
pub(crate) struct Entries<'a> {
    it: imbl::ordmap::Iter<'a, Value, Value, DefaultSharedPtr>,
    len: usize,
}

impl<'a> Children for Entries<'a> {
    type Child = (Key<&'a Value>, &'a Value);

    fn next_child(
        &mut self,
        _index: usize,
    ) -> Result<Option<(Key<&'a Value>, &'a Value)>, SerdeError> {
        Ok(self.it.next().map(|(k, v)| (Key::Other(k), v)))
    }

    fn len(&self) -> Option<usize> {
        Some(self.len)
    }
}

impl<'de> de::IntoDeserializer<'de, Error> for &Value {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

/// Reading a [`Value`] with serde (`T::deserialize(&value)`) fails with
/// [`ErrorKind::Conversion`](crate::ErrorKind::Conversion) holding serde's message.
impl de::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        let mut s = String::new();
        let _ = write!(s, "{msg}");
        Error::conversion(s)
    }
}
