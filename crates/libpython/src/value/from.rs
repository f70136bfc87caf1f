//! `From` conversions of Rust values into [`Value`]s.

use std::collections::{BTreeMap, BTreeSet, HashMap as StdHashMap, HashSet as StdHashSet};
use std::sync::Arc;

use imbl::{OrdMap, OrdSet, Vector};
use num_bigint::BigInt;

use super::Value;

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
