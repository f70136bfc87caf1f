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
//! Errors are [`ErrorKind::Conversion`](crate::ErrorKind::Conversion) with serde's message prefixed by where in the data it
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
//! Errors of the interpreter layer ([`ErrorKind::Interp`](crate::ErrorKind::Interp)) are passed through unchanged; Python
//! exceptions raised on the way become conversion errors naming the exception.
//!
//! Both directions recurse, as serde's design does: nesting more than 128 levels of
//! containers is an error rather than a risk of overflowing the stack (`serde_json` has the
//! same limit). Copy deeper data with [`Value`]'s own conversions, which have no limit.

mod de;
mod error;
mod names;
mod python;
mod ser;

use ::serde::de::DeserializeOwned;
use ::serde::ser::Serialize;

use crate::conversion::{FromPython, ToPython};
use crate::err::Result;
use crate::gil::Python;
use crate::object::{Bound, Object};

pub(crate) use de::De;
#[cfg(feature = "value")]
pub(crate) use de::{Children, Int, Key, Kind, Node};
pub(crate) use error::SerdeError;
use ser::Ser;

/// How many levels of containers serialisation and deserialisation may nest. Each level is
/// several stack frames of serde code (up to ~10 KiB in debug builds, mostly in derived
/// impls), so this keeps within a 2 MiB thread stack; it is also `serde_json`'s limit.
pub(crate) const MAX_DEPTH: usize = 128;

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
/// [`ErrorKind::Conversion`](crate::ErrorKind::Conversion) naming where serialisation failed (a `Serialize` impl's error, a
/// map key unhashable in Python, more than 128 levels of nesting).
pub fn to_python_serde<T: Serialize + ?Sized>(value: &T) -> Result<Object> {
    crate::attach(|py| serialize(py, value))
}

/// Deprecated: under a held GIL, convert `Serde(value)` (it is [`ToPython`]), or call
/// [`to_python_serde`].
#[deprecated(
    since = "0.1.0",
    note = "use `to_python_serde`, or `Serde(value)` as a ToPython value under a held GIL"
)]
pub fn serde_to_python<T: Serialize + ?Sized>(py: Python<'_>, value: &T) -> Result<Object> {
    serialize(py, value)
}

/// Serialises `value` under a held GIL.
fn serialize<T: Serialize + ?Sized>(py: Python<'_>, value: &T) -> Result<Object> {
    let names = names::Names::of(py)?;
    value
        .serialize(Ser {
            py,
            depth: 0,
            names,
        })
        .map(Bound::unbind)
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
/// [`ErrorKind::Conversion`](crate::ErrorKind::Conversion) with serde's message and where in the data it happened, as
/// `$.field[3]['key']`.
pub fn from_python_serde<T: DeserializeOwned>(obj: &Object) -> Result<T> {
    obj.with(deserialize)
}

/// Deprecated: under a held GIL, extract a `Serde<T>` (it is [`FromPython`]), or call
/// [`from_python_serde`].
#[deprecated(
    since = "0.1.0",
    note = "use `from_python_serde`, or `extract::<Serde<T>>()` under a held GIL"
)]
pub fn serde_from_python<T: DeserializeOwned>(obj: &Bound<'_>) -> Result<T> {
    deserialize(obj)
}

/// Deserialises a Python object into `T` under a held GIL.
fn deserialize<T: DeserializeOwned>(obj: &Bound<'_>) -> Result<T> {
    T::deserialize(De::new(obj.clone())).map_err(SerdeError::into_error)
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
