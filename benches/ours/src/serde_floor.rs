//! serde over the raw layer with nothing a library adds: the floor of `serde_roundtrip (serde
//! floor)`. A `Serializer` that makes new references and a `Deserializer` that reads borrowed
//! ones, for the data the order has (structs, sequences, `str`, ints, floats, `bool`,
//! `Option`); no nesting limit, no paths in errors, no check that a dict keeps its size, no
//! reference held while a value is read (sound only because the bench's data is exact builtin
//! types and its `Deserialize` impls run no Python code). What it costs over the hand-written
//! floor is serde's protocol itself; what ours costs over it is those checks and the rest of
//! the data model.

use std::cell::RefCell;
use std::collections::HashMap;
use std::ptr::null_mut;

use libpython_ffi as ffi;
use libpython_ffi::PyObject;
use rustc_hash::FxBuildHasher;
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde::ser::{self, Serialize};

use crate::ok;

/// Both directions' error: serde's own.
type Error = serde::de::value::Error;

/// The interned `str`s of the field names met, by the address and length of their text (a
/// hash of the two words: as cheap a look-up as serde's `&'static str` names allow).
#[derive(Default)]
pub(crate) struct Names(RefCell<HashMap<(usize, usize), *mut PyObject, FxBuildHasher>>);

impl Names {
    /// The `str` of `text`, borrowed from the table (made on first use).
    ///
    /// # Safety
    /// The GIL is held (of the interpreter every use of this table runs in).
    unsafe fn get(&self, text: &'static str) -> *mut PyObject {
        let key = (text.as_ptr() as usize, text.len());
        if let Some(&s) = self.0.borrow().get(&key) {
            return s;
        }
        // SAFETY: the GIL is held; the new str is interned in place and kept by the table.
        let s = unsafe {
            let mut s = ok(ffi::PyUnicode_FromStringAndSize(
                text.as_ptr().cast(),
                text.len() as ffi::Py_ssize_t,
            ));
            ffi::PyUnicode_InternInPlace(&mut s);
            s
        };
        self.0.borrow_mut().insert(key, s);
        s
    }
}

fn unsupported<E: serde::ser::Error>() -> E {
    E::custom("not in the floor's data model")
}

/// Serializes into new references.
#[derive(Clone, Copy)]
pub(crate) struct Ser<'a>(pub(crate) &'a Names);

/// A dict being filled (for a struct).
pub(crate) struct StructSer<'a>(*mut PyObject, &'a Names);

/// A list being filled, with the number of items set.
pub(crate) struct SeqSer<'a>(*mut PyObject, ffi::Py_ssize_t, &'a Names);

type Made = Result<*mut PyObject, Error>;

impl<'a> ser::Serializer for Ser<'a> {
    type Ok = *mut PyObject;
    type Error = Error;
    type SerializeSeq = SeqSer<'a>;
    type SerializeTuple = ser::Impossible<*mut PyObject, Error>;
    type SerializeTupleStruct = ser::Impossible<*mut PyObject, Error>;
    type SerializeTupleVariant = ser::Impossible<*mut PyObject, Error>;
    type SerializeMap = ser::Impossible<*mut PyObject, Error>;
    type SerializeStruct = StructSer<'a>;
    type SerializeStructVariant = ser::Impossible<*mut PyObject, Error>;

    fn serialize_bool(self, v: bool) -> Made {
        // SAFETY: the GIL is held while the floor runs.
        Ok(unsafe { ok(ffi::PyBool_FromLong(std::ffi::c_long::from(v))) })
    }
    fn serialize_i8(self, v: i8) -> Made {
        self.serialize_i64(v.into())
    }
    fn serialize_i16(self, v: i16) -> Made {
        self.serialize_i64(v.into())
    }
    fn serialize_i32(self, v: i32) -> Made {
        self.serialize_i64(v.into())
    }
    fn serialize_i64(self, v: i64) -> Made {
        // SAFETY: as above.
        Ok(unsafe { ok(ffi::PyLong_FromLongLong(v)) })
    }
    fn serialize_u8(self, v: u8) -> Made {
        self.serialize_u64(v.into())
    }
    fn serialize_u16(self, v: u16) -> Made {
        self.serialize_u64(v.into())
    }
    fn serialize_u32(self, v: u32) -> Made {
        self.serialize_u64(v.into())
    }
    fn serialize_u64(self, v: u64) -> Made {
        // SAFETY: as above.
        Ok(unsafe { ok(ffi::PyLong_FromUnsignedLongLong(v)) })
    }
    fn serialize_f32(self, v: f32) -> Made {
        self.serialize_f64(v.into())
    }
    fn serialize_f64(self, v: f64) -> Made {
        // SAFETY: as above.
        Ok(unsafe { ok(ffi::PyFloat_FromDouble(v)) })
    }
    fn serialize_char(self, _: char) -> Made {
        Err(unsupported())
    }
    fn serialize_str(self, v: &str) -> Made {
        // SAFETY: as above; pointer and length describe valid UTF-8.
        Ok(unsafe {
            ok(ffi::PyUnicode_FromStringAndSize(
                v.as_ptr().cast(),
                v.len() as ffi::Py_ssize_t,
            ))
        })
    }
    fn serialize_bytes(self, _: &[u8]) -> Made {
        Err(unsupported())
    }
    fn serialize_none(self) -> Made {
        let none = ffi::Py_None();
        // SAFETY: as above; the singleton gains the reference returned.
        unsafe { ffi::Py_INCREF(none) };
        Ok(none)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Made {
        v.serialize(self)
    }
    fn serialize_unit(self) -> Made {
        self.serialize_none()
    }
    fn serialize_unit_struct(self, _: &'static str) -> Made {
        self.serialize_none()
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, _: &'static str) -> Made {
        Err(unsupported())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, v: &T) -> Made {
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Made {
        Err(unsupported())
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<SeqSer<'a>, Error> {
        let len = len.ok_or_else(unsupported)? as ffi::Py_ssize_t;
        // SAFETY: as above; the slots are filled before the list is used.
        Ok(SeqSer(unsafe { ok(ffi::PyList_New(len)) }, 0, self.0))
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Error> {
        Err(unsupported())
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, Error> {
        Err(unsupported())
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Error> {
        Err(unsupported())
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Error> {
        Err(unsupported())
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<StructSer<'a>, Error> {
        // SAFETY: as above.
        Ok(StructSer(unsafe { ok(ffi::PyDict_New()) }, self.0))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Error> {
        Err(unsupported())
    }
}

impl ser::SerializeSeq for SeqSer<'_> {
    type Ok = *mut PyObject;
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Error> {
        let item = v.serialize(Ser(self.2))?;
        // SAFETY: the GIL is held; the announced length is the items' (a `Vec`'s), so slot
        // `self.1` is in range and empty; SET_ITEM takes the item's reference.
        unsafe { ffi::PyList_SET_ITEM(self.0, self.1, item) };
        self.1 += 1;
        Ok(())
    }
    fn end(self) -> Made {
        Ok(self.0)
    }
}

impl ser::SerializeStruct for StructSer<'_> {
    type Ok = *mut PyObject;
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        v: &T,
    ) -> Result<(), Error> {
        let value = v.serialize(Ser(self.1))?;
        // SAFETY: the GIL is held; a dict we made, a kept str and a new value, whose
        // reference is released once the dict holds its own.
        unsafe {
            assert_eq!(ffi::PyDict_SetItem(self.0, self.1.get(key), value), 0);
            ffi::Py_DECREF(value);
        }
        Ok(())
    }
    fn end(self) -> Made {
        Ok(self.0)
    }
}

/// Deserializes a borrowed object (see the module's note on what that relies on).
pub(crate) struct De(pub(crate) *mut PyObject);

/// A `str`'s text, borrowed from it.
///
/// # Safety
/// The GIL is held; `s` is a live `str` that outlives the text's use.
unsafe fn text<'a>(s: *mut PyObject) -> &'a str {
    let mut n = 0;
    // SAFETY: forwarded contract; CPython's UTF-8 form is valid UTF-8.
    unsafe {
        let p = ffi::PyUnicode_AsUTF8AndSize(s, &mut n);
        assert!(!p.is_null(), "not a str");
        std::str::from_utf8_unchecked(std::slice::from_raw_parts(p.cast(), n as usize))
    }
}

impl<'de> de::Deserializer<'de> for De {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        let o = self.0;
        let api = ffi::api();
        // SAFETY: the GIL is held; `o` is live (borrowed from its container, which nothing
        // changes meanwhile), read by the C API of its exact type.
        unsafe {
            let t = ffi::Py_TYPE(o);
            if t == api.PyUnicode_Type {
                v.visit_str(text(o))
            } else if t == api.PyLong_Type {
                v.visit_i64(ffi::PyLong_AsLongLong(o))
            } else if t == api.PyFloat_Type {
                v.visit_f64(ffi::PyFloat_AsDouble(o))
            } else if t == api.PyDict_Type {
                v.visit_map(Entries {
                    dict: o,
                    pos: 0,
                    value: null_mut(),
                })
            } else if t == api.PyList_Type {
                v.visit_seq(Items { list: o, next: 0 })
            } else if o == ffi::Py_True() || o == ffi::Py_False() {
                v.visit_bool(o == ffi::Py_True())
            } else if o == ffi::Py_None() {
                v.visit_unit()
            } else {
                Err(de::Error::custom("not in the floor's data model"))
            }
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        if self.0 == ffi::Py_None() {
            v.visit_none()
        } else {
            v.visit_some(self)
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        unit unit_struct newtype_struct seq tuple tuple_struct map struct enum identifier
        ignored_any
    }
}

/// A dict's entries, walked with `PyDict_Next`.
struct Entries {
    dict: *mut PyObject,
    pos: ffi::Py_ssize_t,
    /// The value of the entry whose key was read.
    value: *mut PyObject,
}

impl<'de> MapAccess<'de> for Entries {
    type Error = Error;
    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        let mut key = null_mut();
        // SAFETY: the GIL is held; a live dict nothing changes while it is read.
        if unsafe { ffi::PyDict_Next(self.dict, &mut self.pos, &mut key, &mut self.value) } == 0 {
            return Ok(None);
        }
        seed.deserialize(De(key)).map(Some)
    }
    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        seed.deserialize(De(self.value))
    }
}

/// A list's items, by index.
struct Items {
    list: *mut PyObject,
    next: ffi::Py_ssize_t,
}

impl<'de> SeqAccess<'de> for Items {
    type Error = Error;
    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        // SAFETY: the GIL is held; a live list nothing changes while it is read, its items
        // read within its size.
        let item = unsafe {
            if self.next >= ffi::PyList_GET_SIZE(self.list) {
                return Ok(None);
            }
            ffi::PyList_GET_ITEM(self.list, self.next)
        };
        self.next += 1;
        seed.deserialize(De(item)).map(Some)
    }
    fn size_hint(&self) -> Option<usize> {
        // SAFETY: the GIL is held; a live list.
        Some((unsafe { ffi::PyList_GET_SIZE(self.list) } - self.next) as usize)
    }
}
