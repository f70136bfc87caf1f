//! serde: any [`Serialize`] into Python objects and Python objects into any
//! [`Deserialize`], directly (no intermediate format), plus `Serialize` and `Deserialize`
//! for [`Value`].
//!
//! Rust to Python ([`to_python_serde`], [`to_python_serde`], [`Serde`]), in the shape
//! `serde_json` gives JSON:
//!
//! | serde | Python |
//! |---|---|
//! | `bool`, integers (`i128`/`u128` too), floats | `bool`, `int`, `float` |
//! | `char`, `str`, `String` | `str` |
//! | bytes (`serde_bytes`, `#[serde(with = ...)]`) | `bytes` |
//! | `None`, `()`, unit structs | `None` |
//! | `Some(x)`, newtype structs | `x` |
//! | sequences (`Vec`, sets, ...) | `list` |
//! | tuples, tuple structs | `tuple` |
//! | maps, structs | `dict` (keys in serialisation order) |
//! | enums, externally tagged | unit variant `'Name'`; others `{'Name': value}` |
//!
//! Python to Rust ([`from_python_serde`], [`from_python_serde`], [`Serde`]): `None`, `bool`,
//! `int` (any size up to 128 bits; numpy integers too), `float`, `str`, `bytes` /
//! `bytearray`, `list` / `tuple` / `set` / `frozenset` (as sequences) and `dict` (as maps
//! and structs). An enum reads from `'Name'` or `{'Name': value}`. Integers convert to
//! floats where a float is expected; the opposite is refused, as serde does.
//!
//! Errors are [`Error::Conversion`] with serde's message prefixed by where in the data it
//! happened, as `$.field[3]['key']`:
//!
//! ```
//! use serde::Deserialize;
//! #[derive(Deserialize, Debug)]
//! struct Point { x: i32, y: i32 }
//! #[derive(Deserialize, Debug)]
//! struct Shape { name: String, points: Vec<Point> }
//!
//! let obj = libpython::eval("{'name': 'tri', 'points': [{'x': 1, 'y': 2}, {'x': 3, 'y': 'four'}]}")?;
//! let err = libpython::value::from_python_serde::<Shape>(&obj).unwrap_err();
//! assert_eq!(err.to_string(), "$.points[1].y: invalid type: string \"four\", expected i32");
//! # Ok::<(), libpython::Error>(())
//! ```
//!
//! Errors of the interpreter layer ([`Error::Interp`]) are passed through unchanged; Python
//! exceptions raised on the way become conversion errors naming the exception.
//!
//! Both directions recurse, as serde's design does: nesting more than 128 levels of
//! containers is an error rather than a risk of overflowing the stack (`serde_json` has the
//! same limit). Copy deeper data with [`Value`]'s own conversions, which have no limit.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt::{self, Write as _};
use std::sync::Arc;

use imbl::{OrdMap, Vector};
use libpython_interp::ffi;
use num_bigint::BigInt;
use serde::de::{self, DeserializeOwned, DeserializeSeed, Visitor};
use serde::ser::{self, Serialize, SerializeMap as _, SerializeSeq as _, SerializeTuple as _};
use serde::{Deserialize, Deserializer, Serializer};

use crate::conv::{FromPython, ToPython};
use crate::err::{Error, Result, fetch};
use crate::gil::Python;
use crate::object::{Bound, Object};
use crate::value::Value;

/// How many levels of containers serialisation and deserialisation may nest. Each level is
/// several stack frames of serde code (up to ~10 KiB in debug builds, mostly in derived
/// impls), so this keeps within a 2 MiB thread stack; it is also `serde_json`'s limit.
const MAX_DEPTH: usize = 128;

// ---------------------------------------------------------------------------------------------
// Public entry points
// ---------------------------------------------------------------------------------------------

/// Serialises `value` into a new Python object, taking the GIL of the interpreter bound to
/// this thread.
///
/// ```
/// use serde::Serialize;
/// #[derive(Serialize)]
/// struct Run { id: u32, tags: Vec<&'static str>, best: Option<f64>, span: (u8, u8) }
///
/// let obj = libpython::value::to_python_serde(&Run { id: 7, tags: vec!["a"], best: None, span: (1, 2) })?;
/// assert_eq!(obj.repr()?, "{'id': 7, 'tags': ['a'], 'best': None, 'span': (1, 2)}");
/// # Ok::<(), libpython::Error>(())
/// ```
///
/// # Errors
/// [`Error::Conversion`] naming where serialisation failed (a `Serialize` impl's error, a
/// map key unhashable in Python, more than 128 levels of nesting).
pub fn to_python_serde<T: Serialize + ?Sized>(value: &T) -> Result<Object> {
    crate::attach(|py| serialize(py, value))
}

/// Deprecated: under a held GIL, convert `Serde(value)` (it is [`ToPython`]), or call
/// [`to_python_serde`].
#[deprecated(since = "0.1.0", note = "use `to_python_serde`, or `Serde(value)` as a ToPython value under a held GIL")]
pub fn serde_to_python<T: Serialize + ?Sized>(py: Python<'_>, value: &T) -> Result<Object> {
    serialize(py, value)
}

/// Serialises `value` under a held GIL.
fn serialize<T: Serialize + ?Sized>(py: Python<'_>, value: &T) -> Result<Object> {
    let keys = RefCell::new(HashMap::new());
    value
        .serialize(Ser {
            py,
            depth: 0,
            keys: &keys,
        })
        .map_err(SerdeError::into_error)
}

/// Deserialises a Python object into `T`, taking the object's interpreter's GIL.
///
/// ```
/// use serde::Deserialize;
/// #[derive(Deserialize, Debug, PartialEq)]
/// enum Op { Stop, Move { dx: i8 }, Say(String) }
///
/// let obj = libpython::eval("['Stop', {'Move': {'dx': -1}}, {'Say': 'hi'}]")?;
/// let ops: Vec<Op> = libpython::value::from_python_serde(&obj)?;
/// assert_eq!(ops, [Op::Stop, Op::Move { dx: -1 }, Op::Say("hi".into())]);
/// # Ok::<(), libpython::Error>(())
/// ```
///
/// # Errors
/// [`Error::Conversion`] with serde's message and where in the data it happened, as
/// `$.field[3]['key']`.
pub fn from_python_serde<T: DeserializeOwned>(obj: &Object) -> Result<T> {
    obj.with(deserialize)
}

/// Deprecated: under a held GIL, extract a `Serde<T>` (it is [`FromPython`]), or call
/// [`from_python_serde`].
#[deprecated(since = "0.1.0", note = "use `from_python_serde`, or `extract::<Serde<T>>()` under a held GIL")]
pub fn serde_from_python<T: DeserializeOwned>(obj: &Bound<'_>) -> Result<T> {
    deserialize(obj)
}

/// Deserialises a Python object into `T` under a held GIL.
fn deserialize<T: DeserializeOwned>(obj: &Bound<'_>) -> Result<T> {
    T::deserialize(De {
        py: obj.py(),
        obj: obj.clone().unbind(),
        depth: 0,
    })
    .map_err(SerdeError::into_error)
}

/// A wrapper converting through serde: `Serde(x)` is [`ToPython`] for any `Serialize` `x`,
/// and [`FromPython`] for any `DeserializeOwned` type, so serde types work wherever
/// conversions do (arguments of calls, `extract`, and under a held GIL).
///
/// ```
/// use libpython::value::Serde;
/// libpython::attach(|py| {
///     let obj = py.eval("{'k': (1, 2.5)}")?;
///     let Serde(m) = obj.extract::<Serde<std::collections::HashMap<String, (u8, f32)>>>()?;
///     assert_eq!(m["k"], (1, 2.5));
///     Ok(())
/// })?;
/// # Ok::<(), libpython::Error>(())
/// ```
///
/// ```
/// use libpython::value::Serde;
/// use serde::{Deserialize, Serialize};
/// #[derive(Serialize, Deserialize, Debug, PartialEq)]
/// struct Cfg { depth: u8, name: String }
///
/// let json = libpython::import("json")?;
/// let text: String = json.call_method("dumps", (Serde(Cfg { depth: 2, name: "x".into() }),))?.extract()?;
/// assert_eq!(text, r#"{"depth": 2, "name": "x"}"#);
/// let Serde(back) = json.call_method("loads", (text,))?.extract::<Serde<Cfg>>()?;
/// assert_eq!(back, Cfg { depth: 2, name: "x".into() });
/// # Ok::<(), libpython::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Serde<T>(pub T);

impl<T: Serialize> ToPython for Serde<T> {
    fn to_python(&self, py: Python<'_>) -> Result<Object> {
        serialize(py, &self.0)
    }
}

impl<T: DeserializeOwned> FromPython for Serde<T> {
    fn from_python(obj: &Bound<'_>) -> Result<Self> {
        deserialize(obj).map(Serde)
    }
}

// ---------------------------------------------------------------------------------------------
// Errors with a path
// ---------------------------------------------------------------------------------------------

/// serde's error type here: an [`Error`] and where it happened (innermost step first).
#[derive(Debug)]
struct SerdeError {
    error: Error,
    path: Vec<String>,
}

impl SerdeError {
    /// Adds the step `step` (`[3]`, `.name`) in front of the path.
    fn at(mut self, step: impl FnOnce() -> String) -> Self {
        if !matches!(self.error, Error::Interp(_)) {
            self.path.push(step());
        }
        self
    }

    fn into_error(self) -> Error {
        let message = match self.error {
            Error::Interp(e) => return Error::Interp(e),
            Error::Conversion(m) => m,
            Error::Python(p) => format!("{}: {}", p.type_name(), p.message()),
            other => other.to_string(),
        };
        if self.path.is_empty() {
            return Error::Conversion(message);
        }
        // Outermost step first; a very long path keeps its two ends.
        let steps: Vec<&str> = self.path.iter().rev().map(String::as_str).collect();
        let mut path = String::from("$");
        if steps.len() > 24 {
            path.extend(steps[..12].iter().copied());
            let _ = write!(path, "...({} steps)...", steps.len() - 24);
            path.extend(steps[steps.len() - 12..].iter().copied());
        } else {
            path.extend(steps);
        }
        Error::Conversion(format!("{path}: {message}"))
    }
}

impl From<Error> for SerdeError {
    fn from(error: Error) -> Self {
        SerdeError {
            error,
            path: Vec::new(),
        }
    }
}

impl fmt::Display for SerdeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.error, f)
    }
}

impl std::error::Error for SerdeError {}

impl ser::Error for SerdeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error::Conversion(msg.to_string()).into()
    }
}

impl de::Error for SerdeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error::Conversion(msg.to_string()).into()
    }
}

fn too_deep() -> SerdeError {
    Error::Conversion(format!("the data nests more than {MAX_DEPTH} levels deep")).into()
}

/// `repr(key)`, shortened, for messages.
fn key_repr(py: Python<'_>, key: &Object) -> String {
    let r = key.bound(py).repr().unwrap_or_else(|_| "?".into());
    if r.chars().count() > 60 {
        r.chars().take(57).collect::<String>() + "..."
    } else {
        r
    }
}

/// A path step for a dict key: `.name` for an identifier-like str, else `[repr(key)]`.
fn key_step(py: Python<'_>, key: &Object) -> String {
    let k = key.bound(py);
    // SAFETY: live object, GIL held.
    if unsafe { ffi::PyUnicode_CheckExact(k.as_ptr()) }
        && let Ok(s) = crate::conv::str_to_string(k)
    {
        let mut chars = s.chars();
        if chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
            && chars.all(|c| c.is_alphanumeric() || c == '_')
        {
            return format!(".{s}");
        }
    }
    format!("[{}]", key_repr(py, key))
}

#[inline(always)]
fn new_ref(py: Python<'_>, p: *mut ffi::PyObject) -> Result<Object, SerdeError> {
    // SAFETY: `p` is the result of a C-API call made just before under `py`'s GIL: a new
    // reference or NULL with an exception set.
    unsafe { Object::from_owned_ptr_or_err(py, p) }.map_err(SerdeError::from)
}

// ---------------------------------------------------------------------------------------------
// Serializer: Rust -> Python
// ---------------------------------------------------------------------------------------------

/// Field and variant names already made into `str` objects (reusing one object per name also
/// reuses its cached hash when dicts are filled).
type KeyCache = RefCell<HashMap<&'static str, Object>>;

#[derive(Clone, Copy)]
struct Ser<'a, 'py> {
    py: Python<'py>,
    depth: usize,
    keys: &'a KeyCache,
}

impl<'a, 'py> Ser<'a, 'py> {
    fn name(&self, name: &'static str) -> Result<Object, SerdeError> {
        if let Some(k) = self.keys.borrow().get(name) {
            return Ok(k.clone_ref(self.py));
        }
        let k = name.to_python(self.py)?;
        self.keys.borrow_mut().insert(name, k.clone_ref(self.py));
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

    fn serialize_bool(self, v: bool) -> Result<Object, SerdeError> {
        Ok(v.to_python(self.py)?)
    }

    fn serialize_i8(self, v: i8) -> Result<Object, SerdeError> {
        self.serialize_i64(i64::from(v))
    }

    fn serialize_i16(self, v: i16) -> Result<Object, SerdeError> {
        self.serialize_i64(i64::from(v))
    }

    fn serialize_i32(self, v: i32) -> Result<Object, SerdeError> {
        self.serialize_i64(i64::from(v))
    }

    fn serialize_i64(self, v: i64) -> Result<Object, SerdeError> {
        // SAFETY: GIL held.
        new_ref(self.py, unsafe { ffi::PyLong_FromLongLong(v) })
    }

    fn serialize_i128(self, v: i128) -> Result<Object, SerdeError> {
        Ok(crate::value::big_int_to_py(self.py, &BigInt::from(v))?)
    }

    fn serialize_u8(self, v: u8) -> Result<Object, SerdeError> {
        self.serialize_i64(i64::from(v))
    }

    fn serialize_u16(self, v: u16) -> Result<Object, SerdeError> {
        self.serialize_i64(i64::from(v))
    }

    fn serialize_u32(self, v: u32) -> Result<Object, SerdeError> {
        self.serialize_i64(i64::from(v))
    }

    fn serialize_u64(self, v: u64) -> Result<Object, SerdeError> {
        // SAFETY: GIL held.
        new_ref(self.py, unsafe { ffi::PyLong_FromUnsignedLongLong(v) })
    }

    fn serialize_u128(self, v: u128) -> Result<Object, SerdeError> {
        Ok(crate::value::big_int_to_py(self.py, &BigInt::from(v))?)
    }

    fn serialize_f32(self, v: f32) -> Result<Object, SerdeError> {
        self.serialize_f64(f64::from(v))
    }

    fn serialize_f64(self, v: f64) -> Result<Object, SerdeError> {
        // SAFETY: GIL held.
        new_ref(self.py, unsafe { ffi::PyFloat_FromDouble(v) })
    }

    fn serialize_char(self, v: char) -> Result<Object, SerdeError> {
        Ok(v.to_python(self.py)?)
    }

    fn serialize_str(self, v: &str) -> Result<Object, SerdeError> {
        Ok(v.to_python(self.py)?)
    }

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
        Ok(SeqSer {
            ser: self.nested()?,
            items: Vec::with_capacity(len.unwrap_or(0).min(4096)),
            tuple: false,
            variant: None,
        })
    }

    fn serialize_tuple(self, len: usize) -> Result<SeqSer<'a, 'py>, SerdeError> {
        Ok(SeqSer {
            ser: self.nested()?,
            items: Vec::with_capacity(len.min(4096)),
            tuple: true,
            variant: None,
        })
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
        Ok(SeqSer {
            ser: self.nested()?,
            items: Vec::with_capacity(len.min(4096)),
            tuple: true,
            variant: Some(variant),
        })
    }

    fn serialize_map(self, _len: Option<usize>) -> Result<MapSer<'a, 'py>, SerdeError> {
        Ok(MapSer {
            dict: self.dict()?,
            ser: self.nested()?,
            key: None,
            variant: None,
        })
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
        Ok(MapSer {
            dict: self.dict()?,
            ser: self.nested()?,
            key: None,
            variant: Some(variant),
        })
    }
}

/// Builds a `list` or `tuple` (for a tuple variant, wrapped in `{variant: tuple}`).
struct SeqSer<'a, 'py> {
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

impl ser::SerializeSeq for SeqSer<'_, '_> {
    type Ok = Object;
    type Error = SerdeError;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SerdeError> {
        self.push(value)
    }

    fn end(self) -> Result<Object, SerdeError> {
        self.finish()
    }
}

impl ser::SerializeTuple for SeqSer<'_, '_> {
    type Ok = Object;
    type Error = SerdeError;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SerdeError> {
        self.push(value)
    }

    fn end(self) -> Result<Object, SerdeError> {
        self.finish()
    }
}

impl ser::SerializeTupleStruct for SeqSer<'_, '_> {
    type Ok = Object;
    type Error = SerdeError;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SerdeError> {
        self.push(value)
    }

    fn end(self) -> Result<Object, SerdeError> {
        self.finish()
    }
}

impl ser::SerializeTupleVariant for SeqSer<'_, '_> {
    type Ok = Object;
    type Error = SerdeError;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SerdeError> {
        self.push(value)
    }

    fn end(self) -> Result<Object, SerdeError> {
        self.finish()
    }
}

/// Builds a `dict` (for a struct variant, wrapped in `{variant: dict}`).
struct MapSer<'a, 'py> {
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
            .map_err(|e| e.at(|| key_step(py, &key)))?;
        set_item(py, &self.dict, &key, &value).map_err(|e| e.at(|| key_step(py, &key)))
    }

    fn end(self) -> Result<Object, SerdeError> {
        self.finish()
    }
}

impl ser::SerializeStruct for MapSer<'_, '_> {
    type Ok = Object;
    type Error = SerdeError;

    fn serialize_field<T: Serialize + ?Sized>(
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

    fn end(self) -> Result<Object, SerdeError> {
        self.finish()
    }
}

impl ser::SerializeStructVariant for MapSer<'_, '_> {
    type Ok = Object;
    type Error = SerdeError;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), SerdeError> {
        ser::SerializeStruct::serialize_field(self, key, value)
    }

    fn end(self) -> Result<Object, SerdeError> {
        self.finish()
    }
}

// ---------------------------------------------------------------------------------------------
// Deserializer: Python -> Rust
// ---------------------------------------------------------------------------------------------

/// Deserializes one Python object (holding a reference to it).
struct De<'py> {
    py: Python<'py>,
    obj: Object,
    depth: usize,
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
        crate::conv::tname(self.obj.bound(self.py))
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
        // SAFETY: `int` is a live int; GIL held.
        match &unsafe { crate::value::int_value(py, int.as_ptr()) }? {
            Value::Int(i) => visitor.visit_i64(*i),
            Value::BigInt(b) => {
                let b: &BigInt = b;
                if let Ok(u) = u64::try_from(b) {
                    visitor.visit_u64(u)
                } else if let Ok(i) = i128::try_from(b) {
                    visitor.visit_i128(i)
                } else if let Ok(u) = u128::try_from(b) {
                    visitor.visit_u128(u)
                } else {
                    Err(Error::Conversion(format!("the int {b} does not fit in 128 bits")).into())
                }
            }
            _ => Err(Error::Conversion("an int read as something else".into()).into()),
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
                let len = self.obj.bound(self.py).len()?;
                let walked = crate::conv::dict_to_walk(self.obj.bound(self.py))?;
                let v = visitor.visit_map(MapDe { de: self, walked, pos: 0, key: None, value: None, remaining: len })?;
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
                let mut pos: ffi::Py_ssize_t = 0;
                let mut k = std::ptr::null_mut();
                let mut v = std::ptr::null_mut();
                let walked = crate::conv::dict_to_walk(self.obj.bound(py))?;
                let len = walked.bound(py).len()?;
                // SAFETY: live dict, GIL held; the borrowed key and value gain a reference
                // at once.
                let (key, value) = unsafe {
                    if len != 1 || ffi::PyDict_Next(walked.as_ptr(), &mut pos, &mut k, &mut v) == 0 {
                        return Err(Error::Conversion(format!(
                            "an enum is a str (unit variant) or a dict with exactly one key (the variant), \
                             not a dict with {len} keys"
                        ))
                        .into());
                    }
                    (Object::from_borrowed_ptr(py, k), Object::from_borrowed_ptr(py, v))
                };
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
                    crate::conv::list_item(py, p, i)?
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
    /// The dict walked (see `conv::dict_to_walk`).
    walked: Object,
    pos: ffi::Py_ssize_t,
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
        let mut k = std::ptr::null_mut();
        let mut v = std::ptr::null_mut();
        // SAFETY: live dict, GIL held; the borrowed key and value gain a reference at once.
        let (key, value) = unsafe {
            if ffi::PyDict_Next(self.walked.as_ptr(), &mut self.pos, &mut k, &mut v) == 0 {
                return Ok(None);
            }
            (
                Object::from_borrowed_ptr(py, k),
                Object::from_borrowed_ptr(py, v),
            )
        };
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

// ---------------------------------------------------------------------------------------------
// Serialize and Deserialize for Value
// ---------------------------------------------------------------------------------------------

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
