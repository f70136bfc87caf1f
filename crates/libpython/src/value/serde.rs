//! `Serialize` and `Deserialize` for [`Value`], and a `Value` as a serde `Deserializer`.

use std::fmt::{self, Write as _};
use std::sync::Arc;

use imbl::{OrdMap, Vector};
use num_bigint::BigInt;
use ::serde::de::{self, DeserializeSeed, Visitor};
use ::serde::ser::{self, Serialize, SerializeMap as _, SerializeSeq as _, SerializeTuple as _};
use ::serde::{Deserialize, Deserializer, Serializer};

use crate::err::{Error, Result};
use crate::object::Object;

use super::Value;
use crate::serde::{MAX_DEPTH, SerdeError, too_deep};

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
    format!("a Python {type_name} kept in the value as an object is not data serde can read or write; convert it first")
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
        match v {
            Value::None => serializer.serialize_unit(),
            Value::Bool(b) => serializer.serialize_bool(*b),
            Value::Int(i) => serializer.serialize_i64(*i),
            Value::BigInt(b) => {
                let b: &BigInt = b;
                if let Ok(i) = i64::try_from(b) {
                    serializer.serialize_i64(i)
                } else if let Ok(u) = u64::try_from(b) {
                    serializer.serialize_u64(u)
                } else if let Ok(i) = i128::try_from(b) {
                    serializer.serialize_i128(i)
                } else if let Ok(u) = u128::try_from(b) {
                    serializer.serialize_u128(u)
                } else {
                    Err(ser::Error::custom(format!(
                        "the int {b} does not fit in 128 bits, the widest serde integer"
                    )))
                }
            }
            Value::Float(x) => serializer.serialize_f64(*x),
            Value::Str(s) => serializer.serialize_str(s),
            Value::Bytes(b) => serializer.serialize_bytes(b),
            Value::List(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items.iter() {
                    seq.serialize_element(&Depth(item, depth + 1))?;
                }
                seq.end()
            }
            Value::Tuple(items) => {
                let mut seq = serializer.serialize_tuple(items.len())?;
                for item in items.iter() {
                    seq.serialize_element(&Depth(item, depth + 1))?;
                }
                seq.end()
            }
            Value::Set(items) | Value::FrozenSet(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items.iter() {
                    seq.serialize_element(&Depth(item, depth + 1))?;
                }
                seq.end()
            }
            Value::Dict(m) => {
                let mut map = serializer.serialize_map(Some(m.len()))?;
                for (k, v) in m.iter() {
                    map.serialize_entry(&Depth(k, depth + 1), &Depth(v, depth + 1))?;
                }
                map.end()
            }
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
/// `serde_json::Value` can. Errors are [`Error::Conversion`] naming where, and more than
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
        ValueDe { v: self, depth: 0 }
            .deserialize_any(visitor)
            .map_err(SerdeError::into_error)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        ValueDe { v: self, depth: 0 }
            .deserialize_option(visitor)
            .map_err(SerdeError::into_error)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        ValueDe { v: self, depth: 0 }
            .deserialize_newtype_struct(name, visitor)
            .map_err(SerdeError::into_error)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        ValueDe { v: self, depth: 0 }
            .deserialize_enum(name, variants, visitor)
            .map_err(SerdeError::into_error)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        unit unit_struct seq tuple tuple_struct map struct identifier ignored_any
    }
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

/// Deserializes one [`Value`] at a nesting depth.
#[derive(Clone, Copy)]
struct ValueDe<'a> {
    v: &'a Value,
    depth: usize,
}

impl<'a> ValueDe<'a> {
    fn child(self, v: &'a Value) -> ValueDe<'a> {
        ValueDe {
            v,
            depth: self.depth + 1,
        }
    }

    fn check_depth(self) -> Result<(), SerdeError> {
        if self.depth >= MAX_DEPTH {
            Err(too_deep())
        } else {
            Ok(())
        }
    }
}

impl<'de, 'a> Deserializer<'de> for ValueDe<'a> {
    type Error = SerdeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, SerdeError> {
        match self.v {
            Value::None => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::Int(i) => visitor.visit_i64(*i),
            Value::BigInt(b) => {
                let b: &BigInt = b;
                if let Ok(i) = i64::try_from(b) {
                    visitor.visit_i64(i)
                } else if let Ok(u) = u64::try_from(b) {
                    visitor.visit_u64(u)
                } else if let Ok(i) = i128::try_from(b) {
                    visitor.visit_i128(i)
                } else if let Ok(u) = u128::try_from(b) {
                    visitor.visit_u128(u)
                } else {
                    Err(Error::Conversion(format!("the int {b} does not fit in 128 bits")).into())
                }
            }
            Value::Float(x) => visitor.visit_f64(*x),
            Value::Str(s) => visitor.visit_str(s),
            Value::Bytes(b) => visitor.visit_bytes(b),
            Value::List(items) | Value::Tuple(items) => {
                self.check_depth()?;
                let mut seq = ValueSeqDe {
                    de: self,
                    it: items.iter(),
                    index: 0,
                    len: items.len(),
                };
                let v = visitor.visit_seq(&mut seq)?;
                seq.end()?;
                Ok(v)
            }
            Value::Set(items) | Value::FrozenSet(items) => {
                self.check_depth()?;
                let mut seq = ValueSeqDe {
                    de: self,
                    it: items.iter(),
                    index: 0,
                    len: items.len(),
                };
                let v = visitor.visit_seq(&mut seq)?;
                seq.end()?;
                Ok(v)
            }
            Value::Dict(m) => {
                self.check_depth()?;
                visitor.visit_map(ValueMapDe {
                    de: self,
                    it: m.iter(),
                    remaining: m.len(),
                    current: None,
                })
            }
            Value::Object(o) => Err(Error::Conversion(kept_object(o)).into()),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, SerdeError> {
        if self.v.is_none() {
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, SerdeError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, SerdeError> {
        match self.v {
            Value::Str(_) => visitor.visit_enum(ValueEnumDe { variant: self, value: None }),
            Value::Dict(m) if m.len() == 1 => {
                self.check_depth()?;
                let Some((k, v)) = m.iter().next() else {
                    return Err(Error::Conversion("an empty dict is not an enum".into()).into());
                };
                visitor.visit_enum(ValueEnumDe { variant: self.child(k), value: Some(self.child(v)) })
            }
            other => Err(Error::Conversion(format!(
                "an enum is a str (unit variant) or a dict with exactly one key (the variant), not a {} of {} items",
                other.type_name(),
                other.len()
            ))
            .into()),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        unit unit_struct seq tuple tuple_struct map struct identifier ignored_any
    }
}

/// The items of a list, tuple, set or frozenset [`Value`].
struct ValueSeqDe<'a, I: Iterator<Item = &'a Value>> {
    de: ValueDe<'a>,
    it: I,
    index: usize,
    len: usize,
}

impl<'a, I: Iterator<Item = &'a Value>> ValueSeqDe<'a, I> {
    /// Refuses elements left over (a tuple type shorter than the data).
    fn end(&mut self) -> Result<(), SerdeError> {
        if self.it.next().is_some() {
            return Err(de::Error::invalid_length(
                self.len,
                &format!("{} elements", self.index).as_str(),
            ));
        }
        Ok(())
    }
}

impl<'de, 'a, I: Iterator<Item = &'a Value>> de::SeqAccess<'de> for ValueSeqDe<'a, I> {
    type Error = SerdeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, SerdeError> {
        let Some(item) = self.it.next() else {
            return Ok(None);
        };
        let i = self.index;
        self.index += 1;
        seed.deserialize(self.de.child(item))
            .map(Some)
            .map_err(|e| e.at(|| format!("[{i}]")))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.len - self.index)
    }
}

/// The entries of a dict [`Value`].
struct ValueMapDe<'a> {
    de: ValueDe<'a>,
    it: imbl::ordmap::Iter<'a, Value, Value, imbl::shared_ptr::DefaultSharedPtr>,
    remaining: usize,
    current: Option<(&'a Value, &'a Value)>,
}

impl<'de> de::MapAccess<'de> for ValueMapDe<'_> {
    type Error = SerdeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, SerdeError> {
        let Some((k, v)) = self.it.next() else {
            return Ok(None);
        };
        self.remaining = self.remaining.saturating_sub(1);
        self.current = Some((k, v));
        seed.deserialize(self.de.child(k))
            .map(Some)
            .map_err(|e| e.at(|| format!("[key {}]", value_key_step(k))))
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, SerdeError> {
        let Some((k, v)) = self.current.take() else {
            return Err(
                Error::Conversion("a map value was asked for before its key".into()).into(),
            );
        };
        seed.deserialize(self.de.child(v))
            .map_err(|e| e.at(|| value_key_step(k)))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.remaining)
    }
}

/// An externally tagged enum in a [`Value`]: the variant name, and its content unless a
/// unit variant.
struct ValueEnumDe<'a> {
    variant: ValueDe<'a>,
    value: Option<ValueDe<'a>>,
}

impl<'de, 'a> de::EnumAccess<'de> for ValueEnumDe<'a> {
    type Error = SerdeError;
    type Variant = ValueVariantDe<'a>;

    fn variant_seed<V: DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, ValueVariantDe<'a>), SerdeError> {
        let step = value_key_step(self.variant.v);
        let name = seed.deserialize(self.variant)?;
        Ok((
            name,
            ValueVariantDe {
                value: self.value,
                step,
            },
        ))
    }
}

struct ValueVariantDe<'a> {
    value: Option<ValueDe<'a>>,
    step: String,
}

impl<'de> de::VariantAccess<'de> for ValueVariantDe<'_> {
    type Error = SerdeError;

    fn unit_variant(self) -> Result<(), SerdeError> {
        match self.value {
            None => Ok(()),
            Some(v) if v.v.is_none() => Ok(()),
            Some(v) => {
                let step = self.step;
                Err(SerdeError::from(Error::Conversion(format!(
                    "a unit variant has no content, found a {}",
                    v.v.type_name()
                )))
                .at(|| step))
            }
        }
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(
        self,
        seed: T,
    ) -> Result<T::Value, SerdeError> {
        let step = self.step;
        match self.value {
            Some(v) => seed.deserialize(v).map_err(|e| e.at(|| step)),
            None => Err(de::Error::invalid_type(
                de::Unexpected::UnitVariant,
                &"newtype variant",
            )),
        }
    }

    fn tuple_variant<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, SerdeError> {
        let step = self.step;
        match self.value {
            Some(v) => v.deserialize_seq(visitor).map_err(|e| e.at(|| step)),
            None => Err(de::Error::invalid_type(
                de::Unexpected::UnitVariant,
                &"tuple variant",
            )),
        }
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, SerdeError> {
        let step = self.step;
        match self.value {
            Some(v) => v.deserialize_map(visitor).map_err(|e| e.at(|| step)),
            None => Err(de::Error::invalid_type(
                de::Unexpected::UnitVariant,
                &"struct variant",
            )),
        }
    }
}

impl<'de> de::IntoDeserializer<'de, Error> for &Value {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

/// Reading a [`Value`] with serde (`T::deserialize(&value)`) fails with
/// [`Error::Conversion`] holding serde's message.
impl de::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        let mut s = String::new();
        let _ = write!(s, "{msg}");
        Error::Conversion(s)
    }
}
