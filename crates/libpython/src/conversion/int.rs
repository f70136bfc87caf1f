//! Integers: every width of Rust integer, `i128`/`u128`, and big integers.

use std::ffi::c_int;

use libpython_interp::ffi;

use crate::err::{Error, ErrorKind, Result, fetch};
use crate::gil::Python;
use crate::object::{Bound, Object};

use super::bytes::Bytes;
use super::sealed::Sealed;
use super::{FromPython, ToPython, is_exact, new, tname};

/// The Python `int` behind `obj`: itself when it is an int, its `__index__` for other
/// integer-like objects (numpy integers), a type error otherwise (floats included).
fn as_index<'py>(obj: &Bound<'py>, target: &'static str) -> Result<Option<Object>> {
    // SAFETY: live object, GIL held.
    unsafe {
        if ffi::PyLong_Check(obj.as_ptr()) {
            return Ok(None);
        }
        if ffi::PyIndex_Check(obj.as_ptr()) != 0 {
            return new(obj.py(), ffi::PyNumber_Index(obj.as_ptr())).map(Some);
        }
    }
    Err(Error::type_error(format!("int (for {target})"), tname(obj)))
}

#[cold]
#[inline(never)]
fn overflow(obj: &Bound<'_>, target: &'static str) -> Error {
    let value = obj.repr().unwrap_or_default();
    // Cut by characters: the repr of an int subclass or an `__index__` object may be any text.
    let n = value.chars().count();
    let value = if n > 60 {
        let head: String = value.chars().take(20).collect();
        let tail: String = value.chars().skip(n - 20).collect();
        format!("{head}...{tail} ({n} digits)")
    } else {
        value
    };
    Error::overflow(target, value)
}

macro_rules! int_via_i64 {
    ($($t:ty),*) => {$(
        impl ToPython for $t {
            #[inline(always)]
            fn key_leaf(&self) -> bool {
                true
            }

            #[inline]
            fn to_python(&self, py: Python<'_>) -> Result<Object> {
                // SAFETY: GIL held.
                new(py, unsafe { ffi::PyLong_FromLongLong(*self as i64) })
            }
        }
        impl FromPython for $t {
            #[inline(always)]
            fn plain(_: Sealed) -> bool {
                true
            }

            // Small once the slow paths are out of line: inlined, the result needs no trip
            // through memory (the error type is large).
            #[inline(always)]
            fn from_python(obj: &Bound<'_>) -> Result<Self> {
                let v = extract_i64(obj, stringify!($t))?;
                <$t>::try_from(v).map_err(|_| overflow(obj, stringify!($t)))
            }

            #[inline(always)]
            fn from_python_exact(obj: &Bound<'_>, _: Sealed) -> Option<Self> {
                if let Some(v) = exact_compact(obj) {
                    return <$t>::try_from(v).ok();
                }
                if !is_exact(obj, ffi::data::PyLong_Type()) {
                    return None;
                }
                <$t>::try_from(exact_int_i64_or_none(obj)?).ok()
            }
        }
    )*};
}

macro_rules! int_via_u64 {
    ($($t:ty),*) => {$(
        impl ToPython for $t {
            #[inline(always)]
            fn key_leaf(&self) -> bool {
                true
            }

            #[inline]
            fn to_python(&self, py: Python<'_>) -> Result<Object> {
                // SAFETY: GIL held.
                new(py, unsafe { ffi::PyLong_FromUnsignedLongLong(*self as u64) })
            }
        }
        impl FromPython for $t {
            #[inline(always)]
            fn plain(_: Sealed) -> bool {
                true
            }

            #[inline]
            fn from_python(obj: &Bound<'_>) -> Result<Self> {
                let v = extract_u64(obj, stringify!($t))?;
                <$t>::try_from(v).map_err(|_| overflow(obj, stringify!($t)))
            }

            #[inline(always)]
            fn from_python_exact(obj: &Bound<'_>, _: Sealed) -> Option<Self> {
                if let Some(v) = exact_compact(obj) {
                    return <$t>::try_from(v).ok();
                }
                if !is_exact(obj, ffi::data::PyLong_Type()) {
                    return None;
                }
                <$t>::try_from(exact_int_u64_or_none(obj)?).ok()
            }
        }
    )*};
}

int_via_i64!(i8, i16, i32, i64, isize);
int_via_u64!(u8, u16, u32, u64, usize);

/// The value of an exact `int` of one digit (below 2^30 in magnitude), read in place where
/// the layout of ints is known; `None` otherwise (the exported functions give it then).
#[inline(always)]
fn compact(o: &Bound<'_>) -> Option<i64> {
    // SAFETY: callers pass an exact int, alive while `o` is.
    ffi::long_layout().and_then(|l| unsafe { l.compact_value(o.as_ptr()) })
}

/// The value of `o` when it is an exact `int` of one digit, read in place where the layout of
/// ints is known: its type from the header's last word, then its size word, with no other
/// look at how the interpreter is built; `None` otherwise (not an exact int, a larger one, a
/// layout not known), when the general paths decide.
#[inline(always)]
fn exact_compact(o: &Bound<'_>) -> Option<i64> {
    let l = ffi::long_layout()?;
    // SAFETY: `o` is live (the caller's `Bound`); its value is read only once its type is
    // found to be exactly `int`.
    unsafe {
        if !l.has_type(o.as_ptr(), ffi::data::PyLong_Type()) {
            return None;
        }
        l.compact_value(o.as_ptr())
    }
}

/// `int` to `i64` for an object known to be an exact `int`.
#[inline(always)]
fn exact_int_i64(o: &Bound<'_>, target: &'static str) -> Result<i64> {
    if let Some(v) = compact(o) {
        return Ok(v);
    }
    exact_int_i64_by_call(o.as_ptr(), o.py(), target)
}

/// [`exact_int_i64`] for an int not read in place (at least 2^30 in magnitude, or a layout
/// not known), out of line and cold: the loops that convert small ints then keep no call's
/// table slot at hand, and a big int's conversion is a call into CPython anyway. It takes the
/// pointer, not the `Bound`, so the loops need not store a handle to pass its address.
#[cold]
#[inline(never)]
fn exact_int_i64_by_call(
    o: *mut ffi::PyObject,
    py: Python<'_>,
    target: &'static str,
) -> Result<i64> {
    // SAFETY: `o` is a live int of `py`'s interpreter (the caller's `Bound`); GIL held.
    let v = unsafe { ffi::PyLong_AsLongLong(o) };
    // SAFETY: GIL held.
    if v == -1 && unsafe { !ffi::PyErr_Occurred().is_null() } {
        // SAFETY: as above; the new reference is released when the error is made.
        let o = unsafe { Bound::from_borrowed_ptr(py, o) };
        return Err(int_error(&o, target));
    }
    Ok(v)
}

/// An exact `int` as `i64`, `None` if it does not fit (nothing raised).
#[inline(always)]
fn exact_int_i64_or_none(o: &Bound<'_>) -> Option<i64> {
    if let Some(v) = compact(o) {
        return Some(v);
    }
    exact_int_i64_or_none_by_call(o.as_ptr())
}

/// [`exact_int_i64_or_none`] for an int not read in place, out of line and cold (see
/// [`exact_int_i64_by_call`]). Raises nothing: `PyLong_AsLongLongAndOverflow` reports an
/// exact int out of range in its flag (raising would make an exception, and making one may run
/// the garbage collector, and so Python code, while the caller only borrows `o`).
#[cold]
#[inline(never)]
fn exact_int_i64_or_none_by_call(o: *mut ffi::PyObject) -> Option<i64> {
    let mut overflow = 0;
    // SAFETY: `o` is a live exact int (the caller's `Bound`, whose GIL this thread holds), for
    // which the call fails only by overflowing, which it reports in `overflow`.
    let v = unsafe { ffi::PyLong_AsLongLongAndOverflow(o, &mut overflow) };
    (overflow == 0).then_some(v)
}

/// An exact `int` as `u64`, `None` if it does not fit (nothing raised).
#[inline(always)]
fn exact_int_u64_or_none(o: &Bound<'_>) -> Option<u64> {
    if let Some(v) = compact(o) {
        return u64::try_from(v).ok();
    }
    exact_int_u64_or_none_by_call(o.as_ptr())
}

/// [`exact_int_u64_or_none`] for an int not read in place, out of line and cold: read as
/// [`exact_int_i64_or_none_by_call`] reads it, raising nothing; an int above `i64::MAX` is
/// `None` too (the caller's `from_python` reads it, on a reference it owns).
#[cold]
#[inline(never)]
fn exact_int_u64_or_none_by_call(o: *mut ffi::PyObject) -> Option<u64> {
    u64::try_from(exact_int_i64_or_none_by_call(o)?).ok()
}

/// The error of a failed `PyLong_As*` on an int: ours for an overflow, else the pending one.
#[cold]
#[inline(never)]
fn int_error(o: &Bound<'_>, target: &'static str) -> Error {
    // SAFETY: an exception is pending (the caller saw it); GIL held.
    unsafe {
        if ffi::PyErr_ExceptionMatches(*ffi::data::PyExc_OverflowError()) != 0 {
            ffi::PyErr_Clear();
            return overflow(o, target);
        }
        fetch(o.py())
    }
}

#[inline(always)]
fn extract_i64(obj: &Bound<'_>, target: &'static str) -> Result<i64> {
    if let Some(v) = exact_compact(obj) {
        return Ok(v);
    }
    if is_exact(obj, ffi::data::PyLong_Type()) {
        return exact_int_i64(obj, target);
    }
    extract_i64_slow(obj, target)
}

/// [`extract_i64`] for anything but an exact `int` (subclasses, `__index__`).
#[inline(never)]
fn extract_i64_slow(obj: &Bound<'_>, target: &'static str) -> Result<i64> {
    let idx = as_index(obj, target)?;
    let o = idx.as_ref().map_or(obj, |i| i.bound(obj.py()));
    let mut overflowed: c_int = 0;
    // SAFETY: `o` is an int; GIL held.
    let v = unsafe { ffi::PyLong_AsLongLongAndOverflow(o.as_ptr(), &mut overflowed) };
    if overflowed != 0 {
        return Err(overflow(o, target));
    }
    // SAFETY: GIL held.
    if v == -1 && unsafe { !ffi::PyErr_Occurred().is_null() } {
        // SAFETY: an exception is pending.
        return Err(unsafe { fetch(obj.py()) });
    }
    Ok(v)
}

#[inline]
fn extract_u64(obj: &Bound<'_>, target: &'static str) -> Result<u64> {
    if let Some(v) = exact_compact(obj) {
        return u64::try_from(v).map_err(|_| overflow(obj, target));
    }
    let idx = as_index(obj, target)?;
    let o = idx.as_ref().map_or(obj, |i| i.bound(obj.py()));
    // SAFETY: `o` is an int; GIL held.
    let v = unsafe { ffi::PyLong_AsUnsignedLongLong(o.as_ptr()) };
    // SAFETY: GIL held.
    if v == u64::MAX && unsafe { !ffi::PyErr_Occurred().is_null() } {
        // SAFETY: an exception is pending; OverflowError (negative or too big) becomes ours.
        unsafe {
            if ffi::PyErr_ExceptionMatches(*ffi::data::PyExc_OverflowError()) != 0 {
                ffi::PyErr_Clear();
                return Err(overflow(o, target));
            }
            return Err(fetch(obj.py()));
        }
    }
    Ok(v)
}

/// Converts through `int.to_bytes` / `int.from_bytes`, for widths beyond 64 bits.
fn int_from_le_bytes(py: Python<'_>, bytes: &[u8], signed: bool) -> Result<Object> {
    let b = Bytes(bytes.to_vec()).to_python(py)?;
    py.builtins()?
        .getattr("int")?
        .call_method_kw("from_bytes", (b, "little"), &[("signed", &signed)])
        .map(Bound::unbind)
}

fn int_to_le_bytes(
    obj: &Bound<'_>,
    len: usize,
    signed: bool,
    target: &'static str,
) -> Result<Vec<u8>> {
    let idx = as_index(obj, target)?;
    let o = idx.as_ref().map_or(obj, |i| i.bound(obj.py()));
    match o.call_method_kw("to_bytes", (len, "little"), &[("signed", &signed)]) {
        Ok(b) => b.extract::<Vec<u8>>(),
        Err(e)
            if e.as_python()
                .is_some_and(|e| e.type_name() == "OverflowError") =>
        {
            Err(overflow(o, target))
        }
        Err(e) => Err(e),
    }
}

impl ToPython for i128 {
    #[inline(always)]
    fn key_leaf(&self) -> bool {
        true
    }

    fn to_python(&self, py: Python<'_>) -> Result<Object> {
        match i64::try_from(*self) {
            Ok(v) => v.to_python(py),
            Err(_) => int_from_le_bytes(py, &self.to_le_bytes(), true),
        }
    }
}

impl FromPython for i128 {
    fn from_python(obj: &Bound<'_>) -> Result<Self> {
        match extract_i64(obj, "i128") {
            Ok(v) => Ok(v as i128),
            Err(e) if matches!(e.kind(), ErrorKind::Overflow { .. }) => {
                let b = int_to_le_bytes(obj, 16, true, "i128")?;
                Ok(i128::from_le_bytes(
                    b.try_into().map_err(|_| overflow(obj, "i128"))?,
                ))
            }
            Err(e) => Err(e),
        }
    }
}

impl ToPython for u128 {
    #[inline(always)]
    fn key_leaf(&self) -> bool {
        true
    }

    fn to_python(&self, py: Python<'_>) -> Result<Object> {
        match u64::try_from(*self) {
            Ok(v) => v.to_python(py),
            Err(_) => int_from_le_bytes(py, &self.to_le_bytes(), false),
        }
    }
}

impl FromPython for u128 {
    fn from_python(obj: &Bound<'_>) -> Result<Self> {
        match extract_u64(obj, "u128") {
            Ok(v) => Ok(v as u128),
            Err(e) if matches!(e.kind(), ErrorKind::Overflow { .. }) => {
                let b = int_to_le_bytes(obj, 16, false, "u128")?;
                Ok(u128::from_le_bytes(
                    b.try_into().map_err(|_| overflow(obj, "u128"))?,
                ))
            }
            Err(e) => Err(e),
        }
    }
}

#[cfg(feature = "num-bigint")]
impl ToPython for num_bigint::BigInt {
    #[inline(always)]
    fn key_leaf(&self) -> bool {
        true
    }

    fn to_python(&self, py: Python<'_>) -> Result<Object> {
        // Most values fit a machine word: no byte buffer then (and no `int.from_bytes` on an
        // empty or one-byte buffer, whose unwritten digit CPython 3.11 reads for 0).
        if let Ok(v) = i64::try_from(self) {
            return v.to_python(py);
        }
        int_from_le_bytes(py, &self.to_signed_bytes_le(), true)
    }
}

#[cfg(feature = "num-bigint")]
impl FromPython for num_bigint::BigInt {
    fn from_python(obj: &Bound<'_>) -> Result<Self> {
        if let Ok(v) = extract_i64(obj, "BigInt") {
            return Ok(v.into());
        }
        let idx = as_index(obj, "BigInt")?;
        let o = idx.as_ref().map_or(obj, |i| i.bound(obj.py()));
        // SAFETY: `o` is a live `int` (checked or made by `as_index`); the GIL is held.
        unsafe { big_int(obj.py(), o.as_ptr()) }
    }
}

/// A Python `int` of any size as a [`BigInt`](num_bigint::BigInt), through its hexadecimal
/// text (powers of two are exempt from Python's int-to-str digit limit, and this is linear in
/// the size). The one conversion of big ints into Rust: [`Value`](crate::Value) and serde use it
/// too.
///
/// # Safety
/// `p` is a live `int` (or subclass) and the GIL is held.
#[cfg(feature = "num-bigint")]
pub(crate) unsafe fn big_int(py: Python<'_>, p: *mut ffi::PyObject) -> Result<num_bigint::BigInt> {
    // SAFETY: forwarded contract.
    let hex = new(py, unsafe { ffi::PyNumber_ToBase(p, 16) })?;
    let text = super::str_to_string(hex.bound(py))?;
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.as_str()),
    };
    let digits = digits.strip_prefix("0x").unwrap_or(digits);
    let magnitude = num_bigint::BigInt::parse_bytes(digits.as_bytes(), 16)
        .ok_or_else(|| Error::conversion(format!("cannot read the int {text} as hexadecimal")))?;
    Ok(if negative { -magnitude } else { magnitude })
}
