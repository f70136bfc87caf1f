//! The serializer: any `Serialize` value into Python objects, with no format in between.

use ::serde::Serializer;
use ::serde::ser::{self, Serialize};
use libpython_interp::ffi;

use crate::conversion::ToPython;
use crate::err::{Error, Result, fetch};
use crate::gil::Python;
use crate::object::{Bound, Object};

use super::error::{SerdeError, key_step, nesting_refused, new_ref};
use super::names::Names;

/// The most slots a list is made with before its items are known (a `Serialize` impl may
/// announce more items than it has): more items are appended.
const MAX_PRESIZED: usize = 1 << 16;

#[derive(Clone, Copy)]
pub(super) struct Ser<'py> {
    pub(super) py: Python<'py>,
    pub(super) depth: usize,
    /// The interpreter's `str`s of field and variant names.
    pub(super) names: &'py Names,
}

impl<'py> Ser<'py> {
    fn nested(&self) -> Result<Ser<'py>, SerdeError> {
        if let Some(e) = nesting_refused(self.depth) {
            return Err(e);
        }
        Ok(Ser {
            depth: self.depth + 1,
            ..*self
        })
    }

    fn dict(&self) -> Result<Bound<'py>, SerdeError> {
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
    ) -> Result<SeqSer<'py>, SerdeError> {
        let slots = len.min(MAX_PRESIZED);
        let ser = self.nested()?;
        // SAFETY: GIL held; a new list.
        let list = new_ref(self.py, unsafe {
            ffi::PyList_New(slots as ffi::Py_ssize_t)
        })?;
        if slots > 0 {
            // Its slots are NULL until filled, while the items' `Serialize` impls run (which
            // may run Python code): untracked, the collector's `gc.get_objects()` cannot hand
            // it out meanwhile (nothing else refers to it).
            // SAFETY: GIL held; a live list that only we hold.
            unsafe { ffi::PyObject_GC_UnTrack(list.as_ptr().cast()) };
        }
        Ok(SeqSer {
            ser,
            list,
            slots,
            filled: 0,
            tuple,
            variant,
        })
    }

    /// The builder of a `dict`, wrapped in `{variant: ...}` for a variant.
    fn map(self, variant: Option<&'static str>) -> Result<MapSer<'py>, SerdeError> {
        Ok(MapSer {
            dict: self.dict()?,
            ser: self.nested()?,
            key: None,
            variant,
        })
    }

    /// `{variant: value}`.
    fn tagged(&self, variant: &'static str, value: Bound<'py>) -> Result<Bound<'py>, SerdeError> {
        let d = self.dict()?;
        let k = self.names.name(self.py, variant)?;
        set_item(self.py, &d, k.as_ptr(), &value)?;
        Ok(d)
    }
}

/// `dict[key] = value`.
#[inline(always)]
fn set_item(
    py: Python<'_>,
    dict: &Bound<'_>,
    key: *mut ffi::PyObject,
    value: &Bound<'_>,
) -> Result<(), SerdeError> {
    // SAFETY: live objects, GIL held; `dict` is a dict we made.
    if unsafe { ffi::PyDict_SetItem(dict.as_ptr(), key, value.as_ptr()) } < 0 {
        // SAFETY: -1 with an exception pending.
        return Err(unsafe { fetch(py) }.into());
    }
    Ok(())
}

/// A conversion's object under the serializer's token.
#[inline(always)]
fn bound(py: Python<'_>, obj: Result<Object>) -> Result<Bound<'_>, SerdeError> {
    Ok(obj?.into_bound(py)?)
}

/// serde's scalars, each converted as the crate converts its type ([`ToPython`]); serde has
/// one method per type, hence a macro.
macro_rules! scalars {
    ($($method:ident($t:ty)),* $(,)?) => {$(
        #[inline]
        fn $method(self, v: $t) -> Result<Bound<'py>, SerdeError> {
            bound(self.py, v.to_python(self.py))
        }
    )*};
}

/// serde's integers of up to 64 bits, each made by the C function that takes its widened
/// value.
macro_rules! small_ints {
    ($($make:ident($wide:ty): $($method:ident($t:ty)),*;)*) => {$($(
        #[inline]
        fn $method(self, v: $t) -> Result<Bound<'py>, SerdeError> {
            // SAFETY: GIL held.
            new_ref(self.py, unsafe { ffi::$make(<$wide>::from(v)) })
        }
    )*)*};
}

impl<'py> Serializer for Ser<'py> {
    type Ok = Bound<'py>;
    type Error = SerdeError;
    type SerializeSeq = SeqSer<'py>;
    type SerializeTuple = SeqSer<'py>;
    type SerializeTupleStruct = SeqSer<'py>;
    type SerializeTupleVariant = SeqSer<'py>;
    type SerializeMap = MapSer<'py>;
    type SerializeStruct = MapSer<'py>;
    type SerializeStructVariant = MapSer<'py>;

    scalars!(
        serialize_i128(i128),
        serialize_u128(u128),
        serialize_f32(f32),
        serialize_char(char),
    );

    // The common scalars made directly, as their `ToPython` impls make them.
    small_ints!(
        PyLong_FromLongLong(i64): serialize_i8(i8), serialize_i16(i16), serialize_i32(i32),
        serialize_i64(i64);
        PyLong_FromUnsignedLongLong(u64): serialize_u8(u8), serialize_u16(u16),
        serialize_u32(u32), serialize_u64(u64);
    );

    #[inline]
    fn serialize_bool(self, v: bool) -> Result<Bound<'py>, SerdeError> {
        let p = if v { ffi::Py_True() } else { ffi::Py_False() };
        // SAFETY: the singletons are live objects of every interpreter; GIL held.
        Ok(unsafe { Bound::from_borrowed_ptr(self.py, p) })
    }

    #[inline]
    fn serialize_f64(self, v: f64) -> Result<Bound<'py>, SerdeError> {
        // SAFETY: GIL held.
        new_ref(self.py, unsafe { ffi::PyFloat_FromDouble(v) })
    }

    #[inline]
    fn serialize_str(self, v: &str) -> Result<Bound<'py>, SerdeError> {
        // SAFETY: pointer and length describe valid UTF-8; GIL held.
        new_ref(self.py, unsafe {
            ffi::PyUnicode_FromStringAndSize(v.as_ptr().cast(), v.len() as ffi::Py_ssize_t)
        })
    }

    fn serialize_bytes(self, v: &[u8]) -> Result<Bound<'py>, SerdeError> {
        // SAFETY: pointer and length describe the slice; GIL held.
        new_ref(self.py, unsafe {
            ffi::PyBytes_FromStringAndSize(v.as_ptr().cast(), v.len() as ffi::Py_ssize_t)
        })
    }

    fn serialize_none(self) -> Result<Bound<'py>, SerdeError> {
        Ok(self.py.none())
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<Bound<'py>, SerdeError> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<Bound<'py>, SerdeError> {
        Ok(self.py.none())
    }

    fn serialize_unit_struct(self, _name: &'static str) -> Result<Bound<'py>, SerdeError> {
        Ok(self.py.none())
    }

    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<Bound<'py>, SerdeError> {
        Ok(self.names.name(self.py, variant)?.into_bound(self.py))
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<Bound<'py>, SerdeError> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<Bound<'py>, SerdeError> {
        let inner = value
            .serialize(self.nested()?)
            .map_err(|e| e.at(|| format!(".{variant}")))?;
        self.tagged(variant, inner)
    }

    fn serialize_seq(self, len: Option<usize>) -> Result<SeqSer<'py>, SerdeError> {
        self.seq(len.unwrap_or(0), false, None)
    }

    fn serialize_tuple(self, len: usize) -> Result<SeqSer<'py>, SerdeError> {
        self.seq(len, true, None)
    }

    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<SeqSer<'py>, SerdeError> {
        self.serialize_tuple(len)
    }

    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<SeqSer<'py>, SerdeError> {
        self.seq(len, true, Some(variant))
    }

    fn serialize_map(self, _len: Option<usize>) -> Result<MapSer<'py>, SerdeError> {
        self.map(None)
    }

    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<MapSer<'py>, SerdeError> {
        self.serialize_map(None)
    }

    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<MapSer<'py>, SerdeError> {
        self.map(Some(variant))
    }
}

/// Builds a `list` or `tuple` (for a tuple variant, wrapped in `{variant: tuple}`): the items
/// go straight into a list made with the announced number of slots.
pub(super) struct SeqSer<'py> {
    /// The serializer for the elements (one level deeper).
    ser: Ser<'py>,
    /// The list being filled: its first `filled` of `slots` slots are items, the others NULL
    /// (it is shared with nothing, not even the collector, before `finish`); items past
    /// `slots` are appended.
    list: Bound<'py>,
    slots: usize,
    filled: usize,
    tuple: bool,
    variant: Option<&'static str>,
}

impl<'py> SeqSer<'py> {
    fn push<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SerdeError> {
        let i = self.filled;
        let variant = self.variant;
        let obj = value.serialize(self.ser).map_err(|e| {
            e.at(|| format!("[{i}]"))
                .at(|| variant.map(|v| format!(".{v}")).unwrap_or_default())
        })?;
        let l = self.list.as_ptr();
        if i < self.slots {
            // SAFETY: GIL held; the list is ours alone (see `list`) and slot `i` is in range
            // and still NULL; SET_ITEM steals the item's reference.
            unsafe { ffi::PyList_SET_ITEM(l, i as ffi::Py_ssize_t, obj.into_ptr()) };
        } else {
            // SAFETY: GIL held; every slot of the list is filled, so appending is allowed;
            // Append adds its own reference (ours is released with `obj`).
            if unsafe { ffi::PyList_Append(l, obj.as_ptr()) } < 0 {
                // SAFETY: -1 with an exception pending.
                return Err(unsafe { fetch(self.ser.py) }.into());
            }
        }
        self.filled += 1;
        Ok(())
    }

    fn finish(self) -> Result<Bound<'py>, SerdeError> {
        let py = self.ser.py;
        let list = self.list;
        // Fewer items than announced: the filled part is copied (releasing the list skips the
        // NULL slots); a tuple is copied from the list. A copy is a new tracked object.
        let seq = if self.filled < self.slots {
            // SAFETY: GIL held; the slice covers only filled slots.
            let part = new_ref(py, unsafe {
                ffi::PyList_GetSlice(list.as_ptr(), 0, self.filled as ffi::Py_ssize_t)
            })?;
            if self.tuple {
                // SAFETY: GIL held; a complete list.
                new_ref(py, unsafe { ffi::PyList_AsTuple(part.as_ptr()) })?
            } else {
                part
            }
        } else if self.tuple {
            // SAFETY: GIL held; a complete list.
            new_ref(py, unsafe { ffi::PyList_AsTuple(list.as_ptr()) })?
        } else {
            if self.slots > 0 {
                // SAFETY: GIL held; the list untracked by `seq`, now complete.
                unsafe { ffi::PyObject_GC_Track(list.as_ptr().cast()) };
            }
            list
        };
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
        impl<'py> ser::$name for SeqSer<'py> {
            type Ok = Bound<'py>;
            type Error = SerdeError;

            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SerdeError> {
                self.push(value)
            }

            fn end(self) -> Result<Bound<'py>, SerdeError> {
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
pub(super) struct MapSer<'py> {
    dict: Bound<'py>,
    /// The serializer for keys and values (one level deeper).
    ser: Ser<'py>,
    key: Option<Bound<'py>>,
    variant: Option<&'static str>,
}

impl<'py> MapSer<'py> {
    fn variant_step(&self) -> impl FnOnce() -> String + use<> {
        let v = self.variant;
        move || v.map(|v| format!(".{v}")).unwrap_or_default()
    }

    /// The entry `key: value` of a struct's dict.
    #[inline]
    fn field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), SerdeError> {
        let step = self.variant_step();
        let value = value
            .serialize(self.ser)
            .map_err(|e| e.at(|| format!(".{key}")).at(step))?;
        let k = self.ser.names.name(self.ser.py, key)?;
        set_item(self.ser.py, &self.dict, k.as_ptr(), &value)
    }

    fn finish(self) -> Result<Bound<'py>, SerdeError> {
        if self.key.is_some() {
            return Err(Error::conversion("a map key was serialised without its value").into());
        }
        match self.variant {
            Some(v) => self.ser.tagged(v, self.dict),
            None => Ok(self.dict),
        }
    }
}

impl<'py> ser::SerializeMap for MapSer<'py> {
    type Ok = Bound<'py>;
    type Error = SerdeError;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), SerdeError> {
        let n = self.dict.len().unwrap_or(0);
        self.key = Some(
            key.serialize(self.ser)
                .map_err(|e| e.at(|| format!("[key #{n}]")))?,
        );
        Ok(())
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SerdeError> {
        let py = self.ser.py;
        let Some(key) = self.key.take() else {
            return Err(Error::conversion("a map value was serialised without a key").into());
        };
        let value = value
            .serialize(self.ser)
            .map_err(|e| e.at(|| key_step(&key)))?;
        set_item(py, &self.dict, key.as_ptr(), &value).map_err(|e| e.at(|| key_step(&key)))
    }

    fn end(self) -> Result<Bound<'py>, SerdeError> {
        self.finish()
    }
}

/// The two struct traits of serde, both served by [`MapSer`] (a macro, as for the
/// sequence traits).
macro_rules! struct_traits {
    ($($name:ident),*) => {$(
        impl<'py> ser::$name for MapSer<'py> {
            type Ok = Bound<'py>;
            type Error = SerdeError;

            #[inline]
            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                key: &'static str,
                value: &T,
            ) -> Result<(), SerdeError> {
                self.field(key, value)
            }

            fn end(self) -> Result<Bound<'py>, SerdeError> {
                self.finish()
            }
        }
    )*};
}

struct_traits!(SerializeStruct, SerializeStructVariant);
