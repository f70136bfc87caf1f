//! Numbers, `bool` and `None` read from a map's entry when the walk reaches it, as nodes the
//! deserializer reads: no reference to the Python object is held until serde asks for the
//! value (a Python `int`, `float`, `bool` or `None` never changes, so reading it early gives
//! what reading it then would).

use std::borrow::Cow;
use std::marker::PhantomData;

use crate::err::Error;

use super::de::{Children, EntryValue, Int, Key, Kind, Node};
use super::error::SerdeError;

/// A number, `bool` or `None`, read from a map's entry (see the module).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Leaf {
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
}

impl Leaf {
    /// The Python type's name, as messages name it.
    fn python_type(self) -> &'static str {
        match self {
            Leaf::None => "NoneType",
            Leaf::Bool(_) => "bool",
            Leaf::Int(_) => "int",
            Leaf::Float(_) => "float",
        }
    }

    /// The error for a read a leaf has nothing for (never asked: its [`Kind`] says what it is).
    fn not_a(self, what: &str) -> SerdeError {
        Error::conversion(format!("a Python {} is not a {what}", self.python_type())).into()
    }
}

/// The children of a leaf: none.
pub(crate) struct NoChildren<C>(PhantomData<fn() -> C>);

impl<C> Children for NoChildren<C> {
    type Child = C;

    fn next_child(&mut self, _index: usize) -> Result<Option<C>, SerdeError> {
        Ok(None)
    }

    fn len(&self) -> Option<usize> {
        Some(0)
    }
}

impl Node for Leaf {
    type Items = NoChildren<Leaf>;
    type Entries = NoChildren<(Key<Leaf>, EntryValue<Leaf>)>;
    type FieldKeys = &'static [usize];

    #[inline(always)]
    fn kind(&self) -> Result<Kind, SerdeError> {
        Ok(match *self {
            Leaf::None => Kind::None,
            Leaf::Bool(b) => Kind::Bool(b),
            Leaf::Int(_) => Kind::Int,
            Leaf::Float(x) => Kind::Float(x),
        })
    }

    #[inline(always)]
    fn int(&self) -> Result<Int, SerdeError> {
        match *self {
            Leaf::Int(v) => Ok(Int::I64(v)),
            other => Err(other.not_a("int")),
        }
    }

    fn text(&self) -> Result<&str, SerdeError> {
        Err(self.not_a("str"))
    }

    fn bytes(&self) -> Result<Cow<'_, [u8]>, SerdeError> {
        Err(self.not_a("bytes"))
    }

    fn items(self) -> Result<Self::Items, SerdeError> {
        Err(self.not_a("sequence"))
    }

    fn entries(self, _fields: Option<&'static [usize]>) -> Result<Self::Entries, SerdeError> {
        Err(self.not_a("dict"))
    }

    fn variant_entry(&self) -> Result<(Leaf, Leaf), SerdeError> {
        Err(self.not_an_enum())
    }

    #[inline(always)]
    fn is_none(&self) -> bool {
        *self == Leaf::None
    }

    fn type_label(&self) -> String {
        self.python_type().to_owned()
    }

    fn key_step(&self) -> String {
        format!("[{}]", self.key_label())
    }

    fn key_label(&self) -> String {
        match *self {
            Leaf::None => "None".to_owned(),
            Leaf::Bool(true) => "True".to_owned(),
            Leaf::Bool(false) => "False".to_owned(),
            Leaf::Int(v) => v.to_string(),
            Leaf::Float(x) => format!("{x:?}"),
        }
    }

    fn unsupported(&self) -> SerdeError {
        self.not_a("value serde reads")
    }

    /// As the message of a Python object's node.
    fn not_an_enum(&self) -> SerdeError {
        Error::conversion(format!(
            "an enum is a str (unit variant) or a dict with one key (the variant), not a Python {}",
            self.python_type()
        ))
        .into()
    }

    #[inline(always)]
    fn plain_i64(&self) -> Option<Result<i64, SerdeError>> {
        match *self {
            Leaf::Int(v) => Some(Ok(v)),
            _ => None,
        }
    }

    #[inline(always)]
    fn plain_f64(&self) -> Option<f64> {
        match *self {
            Leaf::Float(x) => Some(x),
            _ => None,
        }
    }
}
