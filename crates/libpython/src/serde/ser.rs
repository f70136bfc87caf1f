//! The serializer: any `Serialize` value into Python objects, with no format in between.

use std::cell::RefCell;

use ::serde::Serializer;
use ::serde::ser::{self, Serialize};
use libpython_interp::ffi;

use crate::conversion::ToPython;
use crate::err::{Error, Result, fetch};
use crate::gil::Python;
use crate::object::Object;

use super::MAX_DEPTH;
use super::error::{SerdeError, key_step, new_ref, too_deep};

/// Field and variant names already made into `str` objects (reusing one object per name also
/// reuses its cached hash when dicts are filled), found by the address of the name: a type's
/// names are a few `&'static str`s, so a short list compared by address beats hashing them.
pub(super) type KeyCache = RefCell<Vec<(&'static str, Object)>>;

/// How many names one serialization keeps (later ones are made each time they are met).
const MAX_CACHED_NAMES: usize = 64;

#[derive(Clone, Copy)]
pub(super) struct Ser<'a, 'py> {
    pub(super) py: Python<'py>,
    pub(super) depth: usize,
    pub(super) keys: &'a KeyCache,
}

impl<'a, 'py> Ser<'a, 'py> {
    fn name(&self, name: &'static str) -> Result<Object, SerdeError> {
        if let Some((_, k)) = self
            .keys
            .borrow()
            .iter()
            .find(|(n, _)| std::ptr::eq(*n, name))
        {
            return Ok(k.clone_ref(self.py));
        }
        let k = name.to_python(self.py)?;
        let mut keys = self.keys.borrow_mut();
        if keys.len() < MAX_CACHED_NAMES {
            keys.push((name, k.clone_ref(self.py)));
        }
        Ok(k)
    }

    fn nested(&self) -> Result<Ser<'a, 'py>, SerdeError> {
        if self.depth >= MAX_DEPTH {
            return Err(too_deep());
        }
        Ok(Ser {
            depth: self.depth + 1,
            ..*self
        })
    }

    fn dict(&self) -> Result<Object, SerdeError> {
        // SAFETY: GIL held.
        new_ref(self.py, unsafe { ffi::PyDict_New() })
    }

    /// The builder of a `list` (a `tuple` if `tuple`) of about `len` items, wrapped in
    /// `{variant: ...}` for a variant.
    fn seq(
        self,
        len: usize,
        tuple: bool,
        variant: Option<&'static str>,
    ) -> Result<SeqSer<'a, 'py>, SerdeError> {
        Ok(SeqSer {
            ser: self.nested()?,
            items: Vec::with_capacity(len.min(4096)),
            tuple,
            variant,
        })
    }

    /// The builder of a `dict`, wrapped in `{variant: ...}` for a variant.
    fn map(self, variant: Option<&'static str>) -> Result<MapSer<'a, 'py>, SerdeError> {
        Ok(MapSer {
            dict: self.dict()?,
            ser: self.nested()?,
            key: None,
            variant,
        })
    }

    /// `{variant: value}`.
    fn tagged(&self, variant: &'static str, value: Object) -> Result<Object, SerdeError> {
        let d = self.dict()?;
        let k = self.name(variant)?;
        set_item(self.py, &d, &k, &value)?;
        Ok(d)
    }
}

fn set_item(py: Python<'_>, dict: &Object, key: &Object, value: &Object) -> Result<(), SerdeError> {
    // SAFETY: live objects, GIL held; `dict` is a dict we made.
    if unsafe { ffi::PyDict_SetItem(dict.as_ptr(), key.as_ptr(), value.as_ptr()) } < 0 {
        // SAFETY: -1 with an exception pending.
        return Err(unsafe { fetch(py) }.into());
    }
    Ok(())
}

/// A `list` or `tuple` of `items`.
fn sequence(py: Python<'_>, items: Vec<Object>, tuple: bool) -> Result<Object, SerdeError> {
    let n = items.len() as ffi::Py_ssize_t;
    // SAFETY: GIL held; the new container is filled completely (each SetItem steals one
    // reference, into a slot in range) before it is handed out.
    unsafe {
        let obj = new_ref(
            py,
            if tuple {
                ffi::PyTuple_New(n)
            } else {
                ffi::PyList_New(n)
            },
        )?;
        for (i, item) in items.into_iter().enumerate() {
            let rc = if tuple {
                ffi::PyTuple_SetItem(obj.as_ptr(), i as ffi::Py_ssize_t, item.into_ptr())
            } else {
                ffi::PyList_SetItem(obj.as_ptr(), i as ffi::Py_ssize_t, item.into_ptr())
            };
            if rc < 0 {
                return Err(fetch(py).into());
            }
        }
        Ok(obj)
    }
}

/// serde's scalars, each converted as the crate converts its type ([`ToPython`]); serde has
/// one method per type, hence a macro.
macro_rules! scalars {
    ($($method:ident($t:ty)),* $(,)?) => {$(
        fn $method(self, v: $t) -> Result<Object, SerdeError> {
            Ok(v.to_python(self.py)?)
        }
    )*};
}

impl<'a, 'py> Serializer for Ser<'a, 'py> {
    type Ok = Object;
    type Error = SerdeError;
    type SerializeSeq = SeqSer<'a, 'py>;
    type SerializeTuple = SeqSer<'a, 'py>;
    type SerializeTupleStruct = SeqSer<'a, 'py>;
    type SerializeTupleVariant = SeqSer<'a, 'py>;
    type SerializeMap = MapSer<'a, 'py>;
    type SerializeStruct = MapSer<'a, 'py>;
    type SerializeStructVariant = MapSer<'a, 'py>;

    scalars!(
        serialize_bool(bool),
        serialize_i8(i8),
        serialize_i16(i16),
        serialize_i32(i32),
        serialize_i64(i64),
        serialize_i128(i128),
        serialize_u8(u8),
        serialize_u16(u16),
        serialize_u32(u32),
        serialize_u64(u64),
        serialize_u128(u128),
        serialize_f32(f32),
        serialize_f64(f64),
        serialize_char(char),
        serialize_str(&str),
    );

    fn serialize_bytes(self, v: &[u8]) -> Result<Object, SerdeError> {
        // SAFETY: pointer and length describe the slice; GIL held.
        new_ref(self.py, unsafe {
            ffi::PyBytes_FromStringAndSize(v.as_ptr().cast(), v.len() as ffi::Py_ssize_t)
        })
    }

    fn serialize_none(self) -> Result<Object, SerdeError> {
        Ok(self.py.none().unbind())
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<Object, SerdeError> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<Object, SerdeError> {
        Ok(self.py.none().unbind())
    }

    fn serialize_unit_struct(self, _name: &'static str) -> Result<Object, SerdeError> {
        Ok(self.py.none().unbind())
    }

    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<Object, SerdeError> {
        self.name(variant)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<Object, SerdeError> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<Object, SerdeError> {
        let inner = value
            .serialize(self.nested()?)
            .map_err(|e| e.at(|| format!(".{variant}")))?;
        self.tagged(variant, inner)
    }

    fn serialize_seq(self, len: Option<usize>) -> Result<SeqSer<'a, 'py>, SerdeError> {
        self.seq(len.unwrap_or(0), false, None)
    }

    fn serialize_tuple(self, len: usize) -> Result<SeqSer<'a, 'py>, SerdeError> {
        self.seq(len, true, None)
    }

    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<SeqSer<'a, 'py>, SerdeError> {
        self.serialize_tuple(len)
    }

    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<SeqSer<'a, 'py>, SerdeError> {
        self.seq(len, true, Some(variant))
    }

    fn serialize_map(self, _len: Option<usize>) -> Result<MapSer<'a, 'py>, SerdeError> {
        self.map(None)
    }

    fn serialize_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<MapSer<'a, 'py>, SerdeError> {
        self.serialize_map(None)
    }

    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<MapSer<'a, 'py>, SerdeError> {
        self.map(Some(variant))
    }
}

/// Builds a `list` or `tuple` (for a tuple variant, wrapped in `{variant: tuple}`).
pub(super) struct SeqSer<'a, 'py> {
    /// The serializer for the elements (one level deeper).
    ser: Ser<'a, 'py>,
    items: Vec<Object>,
    tuple: bool,
    variant: Option<&'static str>,
}

impl SeqSer<'_, '_> {
    fn push<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SerdeError> {
        let i = self.items.len();
        let variant = self.variant;
        let obj = value.serialize(self.ser).map_err(|e| {
            e.at(|| format!("[{i}]"))
                .at(|| variant.map(|v| format!(".{v}")).unwrap_or_default())
        })?;
        self.items.push(obj);
        Ok(())
    }

    fn finish(self) -> Result<Object, SerdeError> {
        let py = self.ser.py;
        let seq = sequence(py, self.items, self.tuple)?;
        match self.variant {
            // The outer serializer's depth does not matter for one dict.
            Some(v) => self.ser.tagged(v, seq),
            None => Ok(seq),
        }
    }
}

/// The four sequence traits of serde, all served by [`SeqSer`] (each names its element
/// method its own way, hence a macro).
macro_rules! seq_traits {
    ($($name:ident :: $method:ident),*) => {$(
        impl ser::$name for SeqSer<'_, '_> {
            type Ok = Object;
            type Error = SerdeError;

            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SerdeError> {
                self.push(value)
            }

            fn end(self) -> Result<Object, SerdeError> {
                self.finish()
            }
        }
    )*};
}

seq_traits!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

/// Builds a `dict` (for a struct variant, wrapped in `{variant: dict}`).
pub(super) struct MapSer<'a, 'py> {
    dict: Object,
    /// The serializer for keys and values (one level deeper).
    ser: Ser<'a, 'py>,
    key: Option<Object>,
    variant: Option<&'static str>,
}

impl MapSer<'_, '_> {
    fn variant_step(&self) -> impl FnOnce() -> String + use<> {
        let v = self.variant;
        move || v.map(|v| format!(".{v}")).unwrap_or_default()
    }

    /// The entry `key: value` of a struct's dict.
    fn field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), SerdeError> {
        let step = self.variant_step();
        let value = value
            .serialize(self.ser)
            .map_err(|e| e.at(|| format!(".{key}")).at(step))?;
        let k = self.ser.name(key)?;
        set_item(self.ser.py, &self.dict, &k, &value)
    }

    fn finish(self) -> Result<Object, SerdeError> {
        if self.key.is_some() {
            return Err(
                Error::Conversion("a map key was serialised without its value".into()).into(),
            );
        }
        match self.variant {
            Some(v) => self.ser.tagged(v, self.dict),
            None => Ok(self.dict),
        }
    }
}

impl ser::SerializeMap for MapSer<'_, '_> {
    type Ok = Object;
    type Error = SerdeError;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), SerdeError> {
        let n = self.dict.bound(self.ser.py).len().unwrap_or(0);
        self.key = Some(
            key.serialize(self.ser)
                .map_err(|e| e.at(|| format!("[key #{n}]")))?,
        );
        Ok(())
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SerdeError> {
        let py = self.ser.py;
        let Some(key) = self.key.take() else {
            return Err(
                Error::Conversion("a map value was serialised without a key".into()).into(),
            );
        };
        let value = value
            .serialize(self.ser)
            .map_err(|e| e.at(|| key_step(key.bound(py))))?;
        set_item(py, &self.dict, &key, &value).map_err(|e| e.at(|| key_step(key.bound(py))))
    }

    fn end(self) -> Result<Object, SerdeError> {
        self.finish()
    }
}

/// The two struct traits of serde, both served by [`MapSer`] (a macro, as for the
/// sequence traits).
macro_rules! struct_traits {
    ($($name:ident),*) => {$(
        impl ser::$name for MapSer<'_, '_> {
            type Ok = Object;
            type Error = SerdeError;

            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                key: &'static str,
                value: &T,
            ) -> Result<(), SerdeError> {
                self.field(key, value)
            }

            fn end(self) -> Result<Object, SerdeError> {
                self.finish()
            }
        }
    )*};
}

struct_traits!(SerializeStruct, SerializeStructVariant);
