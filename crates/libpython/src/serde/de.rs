//! The deserializer: Python objects into any `Deserialize` type.


use libpython_interp::ffi;
use ::serde::de::{self, DeserializeSeed, Visitor};
use ::serde::Deserializer;

use crate::conversion::{DictWalk, FromPython};
use crate::err::{Error, Result, fetch};
use crate::gil::Python;
use crate::object::Object;

use super::MAX_DEPTH;
use super::error::{SerdeError, key_repr, key_step, new_ref, too_deep};

/// Deserializes one Python object (holding a reference to it).
pub(super) struct De<'py> {
    pub(super) py: Python<'py>,
    pub(super) obj: Object,
    pub(super) depth: usize,
}

/// What a Python object is, for deserialisation.
enum Kind {
    None,
    Bool(bool),
    Int,
    Float(f64),
    Str,
    Bytes,
    ByteArray,
    List,
    Tuple,
    Dict,
    Set,
    Other,
}

impl<'py> De<'py> {
    fn kind(&self) -> Result<Kind, SerdeError> {
        let p = self.obj.as_ptr();
        // SAFETY: `p` is live (held by `self.obj`) and the GIL is held.
        unsafe {
            Ok(if p == ffi::Py_None() {
                Kind::None
            } else if p == ffi::Py_True() {
                Kind::Bool(true)
            } else if p == ffi::Py_False() {
                Kind::Bool(false)
            } else if ffi::PyLong_Check(p) {
                Kind::Int
            } else if ffi::PyFloat_Check(p) {
                let x = ffi::PyFloat_AsDouble(p);
                if x == -1.0 && !ffi::PyErr_Occurred().is_null() {
                    return Err(fetch(self.py).into());
                }
                Kind::Float(x)
            } else if ffi::PyUnicode_Check(p) {
                Kind::Str
            } else if ffi::PyBytes_Check(p) {
                Kind::Bytes
            } else if ffi::PyByteArray_Check(p) {
                Kind::ByteArray
            } else if ffi::PyList_Check(p) {
                Kind::List
            } else if ffi::PyTuple_Check(p) {
                Kind::Tuple
            } else if ffi::PyDict_Check(p) {
                Kind::Dict
            } else if ffi::PyAnySet_Check(p) {
                Kind::Set
            } else if ffi::PyIndex_Check(p) != 0 {
                Kind::Int
            } else {
                Kind::Other
            })
        }
    }

    fn child(&self, obj: Object) -> De<'py> {
        De {
            py: self.py,
            obj,
            depth: self.depth + 1,
        }
    }

    fn check_depth(&self) -> Result<(), SerdeError> {
        if self.depth >= MAX_DEPTH {
            Err(too_deep())
        } else {
            Ok(())
        }
    }

    fn type_name(&self) -> String {
        crate::conversion::tname(self.obj.bound(self.py))
    }

    /// Calls `f` with the UTF-8 text of the `str` (valid while the object lives).
    fn with_str<R>(&self, f: impl FnOnce(&str) -> Result<R, SerdeError>) -> Result<R, SerdeError> {
        let mut n: ffi::Py_ssize_t = 0;
        // SAFETY: the object is a live str (checked by the caller) and the GIL is held; the
        // buffer belongs to the object, which `self` keeps alive during `f`.
        let text = unsafe {
            let data = ffi::PyUnicode_AsUTF8AndSize(self.obj.as_ptr(), &mut n);
            if data.is_null() {
                let e = fetch(self.py);
                let detail = e
                    .as_python()
                    .map(|p| p.message().to_owned())
                    .unwrap_or_else(|| e.to_string());
                return Err(Error::Conversion(format!(
                    "the str is not valid Unicode text ({detail})"
                ))
                .into());
            }
            std::slice::from_raw_parts(data.cast::<u8>(), n as usize)
        };
        match std::str::from_utf8(text) {
            Ok(s) => f(s),
            Err(e) => Err(Error::Conversion(format!("the str is not valid UTF-8: {e}")).into()),
        }
    }

    /// Copies a `bytes` or `bytearray`.
    fn bytes(&self) -> Result<Vec<u8>, SerdeError> {
        let p = self.obj.as_ptr();
        // SAFETY: the object is a live bytes or bytearray and the GIL is held; the data is
        // copied before anything else runs.
        unsafe {
            if ffi::PyBytes_Check(p) {
                let mut data: *mut std::ffi::c_char = std::ptr::null_mut();
                let mut n: ffi::Py_ssize_t = 0;
                if ffi::PyBytes_AsStringAndSize(p, &mut data, &mut n) < 0 {
                    return Err(fetch(self.py).into());
                }
                return Ok(std::slice::from_raw_parts(data.cast::<u8>(), n as usize).to_vec());
            }
            let n = ffi::PyByteArray_Size(p);
            if n <= 0 {
                return Ok(Vec::new());
            }
            Ok(
                std::slice::from_raw_parts(ffi::PyByteArray_AsString(p).cast::<u8>(), n as usize)
                    .to_vec(),
            )
        }
    }

    fn visit_int<'de, V: Visitor<'de>>(&self, visitor: V) -> Result<V::Value, SerdeError> {
        let py = self.py;
        // SAFETY: the object is live and an int or has `__index__`; GIL held.
        let int = unsafe {
            if ffi::PyLong_Check(self.obj.as_ptr()) {
                self.obj.clone_ref(py)
            } else {
                new_ref(py, ffi::PyNumber_Index(self.obj.as_ptr()))?
            }
        };
        let int = int.bound(py);
        if let Ok(i) = i64::from_python(int) {
            visitor.visit_i64(i)
        } else if let Ok(u) = u64::from_python(int) {
            visitor.visit_u64(u)
        } else if let Ok(i) = i128::from_python(int) {
            visitor.visit_i128(i)
        } else if let Ok(u) = u128::from_python(int) {
            visitor.visit_u128(u)
        } else {
            Err(Error::Conversion(format!("the int {} does not fit in 128 bits", int.str()?)).into())
        }
    }

    fn seq_access(self) -> Result<SeqDe<'py>, SerdeError> {
        self.check_depth()?;
        let py = self.py;
        let p = self.obj.as_ptr();
        // SAFETY: live object, GIL held.
        let source = unsafe {
            if ffi::PyList_Check(p) {
                SeqSource::List
            } else if ffi::PyTuple_Check(p) {
                SeqSource::Tuple
            } else {
                SeqSource::Iter(new_ref(py, ffi::PyObject_GetIter(p))?)
            }
        };
        Ok(SeqDe {
            de: self,
            source,
            index: 0,
        })
    }
}

impl<'de, 'py> Deserializer<'de> for De<'py> {
    type Error = SerdeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, SerdeError> {
        match self.kind()? {
            Kind::None => visitor.visit_unit(),
            Kind::Bool(b) => visitor.visit_bool(b),
            Kind::Int => self.visit_int(visitor),
            Kind::Float(x) => visitor.visit_f64(x),
            Kind::Str => self.with_str(|s| visitor.visit_str(s)),
            Kind::Bytes | Kind::ByteArray => visitor.visit_byte_buf(self.bytes()?),
            Kind::List | Kind::Tuple | Kind::Set => {
                let mut seq = self.seq_access()?;
                let v = visitor.visit_seq(&mut seq)?;
                let used = seq.index;
                if seq.next_object()?.is_some() {
                    let total = seq.de.obj.bound(seq.de.py).len().unwrap_or(used + 1);
                    return Err(de::Error::invalid_length(total, &format!("{used} elements").as_str()));
                }
                Ok(v)
            }
            Kind::Dict => {
                self.check_depth()?;
                let walk = DictWalk::new(self.obj.bound(self.py))?;
                let remaining = walk.len();
                let v = visitor.visit_map(MapDe { de: self, walk, key: None, value: None, remaining })?;
                Ok(v)
            }
            Kind::Other => Err(Error::Conversion(format!(
                "cannot deserialize a Python {} (expected None, bool, int, float, str, bytes, list, tuple, \
                 dict, set or frozenset)",
                self.type_name()
            ))
            .into()),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, SerdeError> {
        if self.obj.as_ptr() == ffi::Py_None() {
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

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, SerdeError> {
        match self.kind()? {
            Kind::Bytes | Kind::ByteArray => visitor.visit_byte_buf(self.bytes()?),
            _ => self.deserialize_any(visitor),
        }
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, SerdeError> {
        self.deserialize_bytes(visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, SerdeError> {
        match self.kind()? {
            Kind::Str => visitor.visit_enum(EnumDe { variant: self, value: None }),
            Kind::Dict => {
                self.check_depth()?;
                let py = self.py;
                let mut walk = DictWalk::new(self.obj.bound(py))?;
                let len = walk.len();
                let entry = if len == 1 { walk.next(py)? } else { None };
                let Some((k, v)) = entry else {
                    return Err(Error::Conversion(format!(
                        "an enum is a str (unit variant) or a dict with exactly one key (the variant), \
                         not a dict with {len} keys"
                    ))
                    .into());
                };
                // SAFETY: live references just read from the dict (GIL held), owned at once.
                let (key, value) = unsafe { (Object::from_borrowed_ptr(py, k), Object::from_borrowed_ptr(py, v)) };
                let variant = self.child(key);
                let value = self.child(value);
                visitor.visit_enum(EnumDe { variant, value: Some(value) })
            }
            _ => Err(Error::Conversion(format!(
                "an enum is a str (unit variant) or a dict with one key (the variant), not a Python {}",
                self.type_name()
            ))
            .into()),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, SerdeError> {
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        unit unit_struct seq tuple tuple_struct map struct identifier
    }
}

enum SeqSource {
    List,
    Tuple,
    /// An iterator over a set or frozenset.
    Iter(Object),
}

/// The items of a list, tuple, set or frozenset.
struct SeqDe<'py> {
    de: De<'py>,
    source: SeqSource,
    index: usize,
}

impl SeqDe<'_> {
    fn next_object(&mut self) -> Result<Option<Object>, SerdeError> {
        let py = self.de.py;
        let p = self.de.obj.as_ptr();
        let i = self.index as ffi::Py_ssize_t;
        // SAFETY: `p` is the live container of the kind `source` says; GIL held. Borrowed
        // items gain a reference at once; the length is re-read for lists (not ours).
        unsafe {
            let item = match &self.source {
                SeqSource::List => {
                    if i >= ffi::PyList_Size(p) {
                        return Ok(None);
                    }
                    crate::conversion::list_item(py, p, i)?
                }
                SeqSource::Tuple => {
                    if i >= ffi::PyTuple_Size(p) {
                        return Ok(None);
                    }
                    Object::from_borrowed_ptr(py, ffi::PyTuple_GetItem(p, i))
                }
                SeqSource::Iter(it) => {
                    let item = ffi::PyIter_Next(it.as_ptr());
                    if item.is_null() {
                        if !ffi::PyErr_Occurred().is_null() {
                            return Err(fetch(py).into());
                        }
                        return Ok(None);
                    }
                    Object::from_owned_ptr(py, item)
                }
            };
            Ok(Some(item))
        }
    }
}

impl<'de> de::SeqAccess<'de> for SeqDe<'_> {
    type Error = SerdeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, SerdeError> {
        let Some(item) = self.next_object()? else {
            return Ok(None);
        };
        let i = self.index;
        self.index += 1;
        seed.deserialize(self.de.child(item))
            .map(Some)
            .map_err(|e| e.at(|| format!("[{i}]")))
    }

    fn size_hint(&self) -> Option<usize> {
        let n = self.de.obj.bound(self.de.py).len().ok()?;
        Some(n.saturating_sub(self.index))
    }
}

/// The entries of a dict.
struct MapDe<'py> {
    de: De<'py>,
    /// The walk of the dict's entries (an error if the dict changes meanwhile).
    walk: DictWalk,
    key: Option<Object>,
    value: Option<Object>,
    remaining: usize,
}

impl<'de> de::MapAccess<'de> for MapDe<'_> {
    type Error = SerdeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, SerdeError> {
        let py = self.de.py;
        let Some((k, v)) = self.walk.next(py)? else {
            return Ok(None);
        };
        // SAFETY: live references just read from the dict (GIL held), owned at once.
        let (key, value) = unsafe { (Object::from_borrowed_ptr(py, k), Object::from_borrowed_ptr(py, v)) };
        self.remaining = self.remaining.saturating_sub(1);
        self.value = Some(value);
        self.key = Some(key.clone_ref(py));
        let for_path = key.clone_ref(py);
        seed.deserialize(self.de.child(key))
            .map(Some)
            .map_err(|e| e.at(|| format!("[key {}]", key_repr(py, &for_path))))
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, SerdeError> {
        let py = self.de.py;
        let Some(value) = self.value.take() else {
            return Err(
                Error::Conversion("a map value was asked for before its key".into()).into(),
            );
        };
        let key = self.key.take();
        seed.deserialize(self.de.child(value))
            .map_err(|e| e.at(|| key.map_or_else(String::new, |k| key_step(py, &k))))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.remaining)
    }
}

/// An externally tagged enum: the variant name, and its content unless a unit variant.
struct EnumDe<'py> {
    variant: De<'py>,
    value: Option<De<'py>>,
}

impl<'de, 'py> de::EnumAccess<'de> for EnumDe<'py> {
    type Error = SerdeError;
    type Variant = VariantDe<'py>;

    fn variant_seed<V: DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, VariantDe<'py>), SerdeError> {
        let py = self.variant.py;
        let step = key_step(py, &self.variant.obj);
        let name = seed.deserialize(self.variant)?;
        Ok((
            name,
            VariantDe {
                value: self.value,
                step,
            },
        ))
    }
}

struct VariantDe<'py> {
    value: Option<De<'py>>,
    /// The path step of the variant (`.Name`).
    step: String,
}

impl<'de> de::VariantAccess<'de> for VariantDe<'_> {
    type Error = SerdeError;

    fn unit_variant(self) -> Result<(), SerdeError> {
        match self.value {
            None => Ok(()),
            Some(v) if v.obj.as_ptr() == ffi::Py_None() => Ok(()),
            Some(v) => {
                let step = self.step;
                Err(SerdeError::from(Error::Conversion(format!(
                    "a unit variant has no content, found a {}",
                    v.type_name()
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
