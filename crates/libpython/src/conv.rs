//! Copying conversions: Rust values into Python objects ([`ToPython`]) and back
//! ([`FromPython`]).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::ffi::c_int;
use std::hash::{BuildHasher, Hash};

use libpython_interp::ffi;

use crate::err::{Error, Result, fetch};
use crate::gil::Python;
use crate::object::{Borrowed, Bound, Object};

/// A Rust value that can be copied into a new Python object (libpython-clj's `->python`).
pub trait ToPython {
    /// The value as a new Python object.
    fn to_python(&self, py: Python<'_>) -> Result<Object>;
}

/// A Rust value that can be copied out of a Python object (libpython-clj's `->jvm`).
pub trait FromPython: Sized {
    /// Copies `obj` into a Rust value.
    ///
    /// # Errors
    /// [`Error::Type`] naming what was expected and what came, [`Error::Overflow`] for a
    /// number that does not fit, or a Python exception raised on the way.
    fn from_python(obj: &Bound<'_>) -> Result<Self>;

    /// Converts `obj` without running any Python code, when its exact type allows (an exact
    /// `int` for integers, `float` for floats, `str` for strings); `None` otherwise.
    ///
    /// Containers use it to convert items they only borrow: no Python code runs, so nothing
    /// can change the container meanwhile. The default never applies.
    #[doc(hidden)]
    #[inline(always)]
    fn from_python_exact(obj: &Bound<'_>) -> Option<Result<Self>> {
        let _ = obj;
        None
    }
}

/// Whether `obj`'s type is exactly `t` (one pointer comparison).
#[inline(always)]
fn is_exact(obj: &Bound<'_>, t: *mut ffi::PyTypeObject) -> bool {
    // SAFETY: live object; its header is read at the interpreter's offset.
    unsafe { ffi::Py_TYPE(obj.as_ptr()) == t }
}

#[inline(always)]
fn new(py: Python<'_>, p: *mut ffi::PyObject) -> Result<Object> {
    // SAFETY: `p` comes from a C-API constructor called just before, under `py`: a new
    // reference or NULL with an exception set.
    unsafe { Object::from_owned_ptr_or_err(py, p) }
}

/// Type name of `obj` for error messages.
pub(crate) fn tname(obj: &Bound<'_>) -> String {
    obj.type_name().unwrap_or_else(|_| "?".into())
}

/// A `str` object for a name that C will use, refusing NUL bytes.
pub(crate) fn name_object(py: Python<'_>, name: &str, what: &'static str) -> Result<Object> {
    if name.as_bytes().contains(&0) {
        return Err(Error::Nul { what, value: name.to_owned() });
    }
    // SAFETY: the pointer and length describe valid UTF-8; GIL held.
    new(py, unsafe { ffi::PyUnicode_FromStringAndSize(name.as_ptr().cast(), name.len() as ffi::Py_ssize_t) })
}

/// Copies a `str` object (exactly a `str` or a subclass) into a `String`, strictly.
#[inline]
pub(crate) fn str_to_string(obj: &Bound<'_>) -> Result<String> {
    let mut n: ffi::Py_ssize_t = 0;
    // SAFETY: GIL held; the caller passes a str (checked by callers, and the function itself
    // raises TypeError otherwise). The returned buffer lives as long as the object.
    unsafe {
        let p = ffi::PyUnicode_AsUTF8AndSize(obj.as_ptr(), &mut n);
        if p.is_null() {
            return Err(fetch(obj.py()));
        }
        let bytes = std::slice::from_raw_parts(p.cast::<u8>(), n as usize);
        Ok(std::str::from_utf8_unchecked(bytes).to_owned())
    }
}

/// A Python `str` read with every lone surrogate replaced by U+FFFD.
pub fn string_lossy(obj: &Bound<'_>) -> Result<String> {
    // SAFETY: live object, GIL held.
    if !unsafe { ffi::PyUnicode_Check(obj.as_ptr()) } {
        return Err(Error::type_error("str", tname(obj)));
    }
    if let Ok(s) = str_to_string(obj) {
        return Ok(s);
    }
    // SAFETY: GIL held; the copy is freed with PyMem_Free after use.
    unsafe {
        let len = ffi::PyUnicode_GetLength(obj.as_ptr());
        let buf = ffi::PyUnicode_AsUCS4Copy(obj.as_ptr());
        if buf.is_null() {
            return Err(fetch(obj.py()));
        }
        let s = std::slice::from_raw_parts(buf, len as usize)
            .iter()
            .map(|&c| char::from_u32(c).unwrap_or(char::REPLACEMENT_CHARACTER))
            .collect();
        ffi::PyMem_Free(buf.cast());
        Ok(s)
    }
}

impl ToPython for Object {
    fn to_python(&self, py: Python<'_>) -> Result<Object> {
        Ok(self.bind(py)?.clone().unbind())
    }
}

impl ToPython for Bound<'_> {
    fn to_python(&self, py: Python<'_>) -> Result<Object> {
        if self.py().interpreter_key() != py.interpreter_key() {
            return Err(Error::Interp(libpython_interp::Error::WrongInterpreter {
                object: self.py().interpreter_key().index(),
                current: py.interpreter_key().index(),
            }));
        }
        Ok(self.clone().unbind())
    }
}

impl ToPython for Borrowed<'_, '_> {
    fn to_python(&self, py: Python<'_>) -> Result<Object> {
        (**self).to_python(py)
    }
}

impl<T: ToPython + ?Sized> ToPython for &T {
    #[inline(always)]
    fn to_python(&self, py: Python<'_>) -> Result<Object> {
        (**self).to_python(py)
    }
}

impl<T: ToPython + ?Sized> ToPython for Box<T> {
    fn to_python(&self, py: Python<'_>) -> Result<Object> {
        (**self).to_python(py)
    }
}

impl<T: ToPython + ?Sized> ToPython for std::sync::Arc<T> {
    fn to_python(&self, py: Python<'_>) -> Result<Object> {
        (**self).to_python(py)
    }
}

impl FromPython for Object {
    fn from_python(obj: &Bound<'_>) -> Result<Self> {
        Ok(obj.clone().unbind())
    }

    #[inline(always)]
    fn from_python_exact(obj: &Bound<'_>) -> Option<Result<Self>> {
        Some(Ok(obj.clone().unbind()))
    }
}

/// `None`.
impl ToPython for () {
    fn to_python(&self, py: Python<'_>) -> Result<Object> {
        Ok(py.none().unbind())
    }
}

impl FromPython for () {
    fn from_python(obj: &Bound<'_>) -> Result<Self> {
        if obj.as_ptr() == ffi::Py_None() { Ok(()) } else { Err(Error::type_error("None", tname(obj))) }
    }
}

impl ToPython for bool {
    #[inline]
    fn to_python(&self, py: Python<'_>) -> Result<Object> {
        let p = if *self { ffi::Py_True() } else { ffi::Py_False() };
        // SAFETY: the singletons are live objects of every interpreter.
        Ok(unsafe { Object::from_borrowed_ptr(py, p) })
    }
}

impl FromPython for bool {
    #[inline(always)]
    fn from_python_exact(obj: &Bound<'_>) -> Option<Result<Self>> {
        let p = obj.as_ptr();
        if p == ffi::Py_True() {
            Some(Ok(true))
        } else if p == ffi::Py_False() {
            Some(Ok(false))
        } else {
            None
        }
    }

    fn from_python(obj: &Bound<'_>) -> Result<Self> {
        let p = obj.as_ptr();
        if p == ffi::Py_True() {
            return Ok(true);
        }
        if p == ffi::Py_False() {
            return Ok(false);
        }
        // numpy's bool scalars.
        let sym = obj.type_symbol()?;
        if &*sym == "bool" || &*sym == "bool-" {
            return obj.is_truthy();
        }
        Err(Error::type_error("bool", tname(obj)))
    }
}

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

fn overflow(obj: &Bound<'_>, target: &'static str) -> Error {
    let mut value = obj.repr().unwrap_or_default();
    if value.len() > 60 {
        value = format!("{}...{} ({} digits)", &value[..20], &value[value.len() - 20..], value.len());
    }
    Error::overflow(target, value)
}

macro_rules! int_via_i64 {
    ($($t:ty),*) => {$(
        impl ToPython for $t {
            #[inline]
            fn to_python(&self, py: Python<'_>) -> Result<Object> {
                // SAFETY: GIL held.
                new(py, unsafe { ffi::PyLong_FromLongLong(*self as i64) })
            }
        }
        impl FromPython for $t {
            #[inline]
            fn from_python(obj: &Bound<'_>) -> Result<Self> {
                let v = extract_i64(obj, stringify!($t))?;
                <$t>::try_from(v).map_err(|_| overflow(obj, stringify!($t)))
            }

            #[inline(always)]
            fn from_python_exact(obj: &Bound<'_>) -> Option<Result<Self>> {
                is_exact(obj, ffi::data::PyLong_Type()).then(|| {
                    let v = exact_int_i64(obj, stringify!($t))?;
                    <$t>::try_from(v).map_err(|_| overflow(obj, stringify!($t)))
                })
            }
        }
    )*};
}

macro_rules! int_via_u64 {
    ($($t:ty),*) => {$(
        impl ToPython for $t {
            #[inline]
            fn to_python(&self, py: Python<'_>) -> Result<Object> {
                // SAFETY: GIL held.
                new(py, unsafe { ffi::PyLong_FromUnsignedLongLong(*self as u64) })
            }
        }
        impl FromPython for $t {
            #[inline]
            fn from_python(obj: &Bound<'_>) -> Result<Self> {
                let v = extract_u64(obj, stringify!($t))?;
                <$t>::try_from(v).map_err(|_| overflow(obj, stringify!($t)))
            }

            #[inline(always)]
            fn from_python_exact(obj: &Bound<'_>) -> Option<Result<Self>> {
                is_exact(obj, ffi::data::PyLong_Type()).then(|| {
                    let v = extract_u64(obj, stringify!($t))?;
                    <$t>::try_from(v).map_err(|_| overflow(obj, stringify!($t)))
                })
            }
        }
    )*};
}

int_via_i64!(i8, i16, i32, i64, isize);
int_via_u64!(u8, u16, u32, u64, usize);

/// `int` to `i64` for an object known to be an `int`.
#[inline(always)]
fn exact_int_i64(o: &Bound<'_>, target: &'static str) -> Result<i64> {
    // SAFETY: `o` is an int; GIL held.
    let v = unsafe { ffi::PyLong_AsLongLong(o.as_ptr()) };
    // SAFETY: GIL held.
    if v == -1 && unsafe { !ffi::PyErr_Occurred().is_null() } {
        return Err(int_error(o, target));
    }
    Ok(v)
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
    py.builtins()?.getattr("int")?.call_method_kw("from_bytes", (b, "little"), &[("signed", &signed)]).map(Bound::unbind)
}

fn int_to_le_bytes(obj: &Bound<'_>, len: usize, signed: bool, target: &'static str) -> Result<Vec<u8>> {
    let idx = as_index(obj, target)?;
    let o = idx.as_ref().map_or(obj, |i| i.bound(obj.py()));
    match o.call_method_kw("to_bytes", (len, "little"), &[("signed", &signed)]) {
        Ok(b) => b.extract::<Vec<u8>>(),
        Err(Error::Python(e)) if e.type_name() == "OverflowError" => Err(overflow(o, target)),
        Err(e) => Err(e),
    }
}

impl ToPython for i128 {
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
            Err(Error::Overflow { .. }) => {
                let b = int_to_le_bytes(obj, 16, true, "i128")?;
                Ok(i128::from_le_bytes(b.try_into().map_err(|_| overflow(obj, "i128"))?))
            }
            Err(e) => Err(e),
        }
    }
}

impl ToPython for u128 {
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
            Err(Error::Overflow { .. }) => {
                let b = int_to_le_bytes(obj, 16, false, "u128")?;
                Ok(u128::from_le_bytes(b.try_into().map_err(|_| overflow(obj, "u128"))?))
            }
            Err(e) => Err(e),
        }
    }
}

impl ToPython for num_bigint::BigInt {
    fn to_python(&self, py: Python<'_>) -> Result<Object> {
        // Most values fit a machine word: no byte buffer then (and no `int.from_bytes` on an
        // empty or one-byte buffer, whose unwritten digit CPython 3.11 reads for 0).
        if let Ok(v) = i64::try_from(self) {
            return v.to_python(py);
        }
        int_from_le_bytes(py, &self.to_signed_bytes_le(), true)
    }
}

impl FromPython for num_bigint::BigInt {
    fn from_python(obj: &Bound<'_>) -> Result<Self> {
        if let Ok(v) = extract_i64(obj, "BigInt") {
            return Ok(v.into());
        }
        let idx = as_index(obj, "BigInt")?;
        let o = idx.as_ref().map_or(obj, |i| i.bound(obj.py()));
        let bits: usize = o.call_method("bit_length", ())?.extract()?;
        let b = int_to_le_bytes(o, bits / 8 + 1, true, "BigInt")?;
        Ok(num_bigint::BigInt::from_signed_bytes_le(&b))
    }
}

impl ToPython for f64 {
    #[inline]
    fn to_python(&self, py: Python<'_>) -> Result<Object> {
        // SAFETY: GIL held.
        new(py, unsafe { ffi::PyFloat_FromDouble(*self) })
    }
}

impl FromPython for f64 {
    #[inline]
    fn from_python(obj: &Bound<'_>) -> Result<Self> {
        if let Some(r) = Self::from_python_exact(obj) {
            return r;
        }
        // SAFETY: live object, GIL held.
        unsafe {
            if ffi::PyUnicode_Check(obj.as_ptr()) || ffi::PyBytes_Check(obj.as_ptr()) {
                return Err(Error::type_error("float", tname(obj)));
            }
            let v = ffi::PyFloat_AsDouble(obj.as_ptr());
            if v == -1.0 && !ffi::PyErr_Occurred().is_null() {
                if ffi::PyErr_ExceptionMatches(*ffi::data::PyExc_TypeError()) != 0 {
                    ffi::PyErr_Clear();
                    return Err(Error::type_error("float", tname(obj)));
                }
                return Err(fetch(obj.py()));
            }
            Ok(v)
        }
    }

    #[inline(always)]
    fn from_python_exact(obj: &Bound<'_>) -> Option<Result<Self>> {
        // SAFETY: an exact float converts without running Python code and cannot fail.
        is_exact(obj, ffi::data::PyFloat_Type()).then(|| Ok(unsafe { ffi::PyFloat_AsDouble(obj.as_ptr()) }))
    }
}

impl ToPython for f32 {
    fn to_python(&self, py: Python<'_>) -> Result<Object> {
        f64::from(*self).to_python(py)
    }
}

impl FromPython for f32 {
    fn from_python(obj: &Bound<'_>) -> Result<Self> {
        f64::from_python(obj).map(|v| v as f32)
    }

    #[inline(always)]
    fn from_python_exact(obj: &Bound<'_>) -> Option<Result<Self>> {
        f64::from_python_exact(obj).map(|r| r.map(|v| v as f32))
    }
}

impl ToPython for str {
    #[inline]
    fn to_python(&self, py: Python<'_>) -> Result<Object> {
        // SAFETY: pointer and length describe valid UTF-8; GIL held.
        new(py, unsafe { ffi::PyUnicode_FromStringAndSize(self.as_ptr().cast(), self.len() as ffi::Py_ssize_t) })
    }
}

impl ToPython for String {
    #[inline]
    fn to_python(&self, py: Python<'_>) -> Result<Object> {
        self.as_str().to_python(py)
    }
}

impl ToPython for std::borrow::Cow<'_, str> {
    #[inline]
    fn to_python(&self, py: Python<'_>) -> Result<Object> {
        (**self).to_python(py)
    }
}

impl FromPython for String {
    #[inline(always)]
    fn from_python_exact(obj: &Bound<'_>) -> Option<Result<Self>> {
        is_exact(obj, ffi::data::PyUnicode_Type()).then(|| str_to_string(obj))
    }

    #[inline]
    fn from_python(obj: &Bound<'_>) -> Result<Self> {
        // SAFETY: live object, GIL held.
        if !unsafe { ffi::PyUnicode_Check(obj.as_ptr()) } {
            return Err(Error::type_error("str", tname(obj)));
        }
        str_to_string(obj)
    }
}

impl ToPython for char {
    fn to_python(&self, py: Python<'_>) -> Result<Object> {
        let mut buf = [0u8; 4];
        self.encode_utf8(&mut buf).to_python(py)
    }
}

impl FromPython for char {
    fn from_python(obj: &Bound<'_>) -> Result<Self> {
        let s = String::from_python(obj)?;
        let mut it = s.chars();
        match (it.next(), it.next()) {
            (Some(c), None) => Ok(c),
            _ => Err(Error::type_error("a str of length 1", format!("str of length {}", s.chars().count()))),
        }
    }
}

impl ToPython for std::path::Path {
    fn to_python(&self, py: Python<'_>) -> Result<Object> {
        let s = self.to_str().ok_or_else(|| Error::Conversion(format!("{} is not valid UTF-8", self.display())))?;
        s.to_python(py)
    }
}

impl ToPython for std::path::PathBuf {
    fn to_python(&self, py: Python<'_>) -> Result<Object> {
        self.as_path().to_python(py)
    }
}

/// Bytes copied into a Python `bytes` object (a `Vec<u8>` or `&[u8]` becomes a `list` of
/// ints, like any other slice; reading a `bytes` or `bytearray` into `Vec<u8>` works).
///
/// ```
/// use libpython::{Bytes, ToPython};
/// let b = libpython::attach(|py| Bytes(b"hi".to_vec()).to_python(py))?;
/// assert_eq!(b.repr()?, "b'hi'");
/// # Ok::<(), libpython::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Bytes(pub Vec<u8>);

impl ToPython for Bytes {
    fn to_python(&self, py: Python<'_>) -> Result<Object> {
        // SAFETY: pointer and length describe the vector; GIL held.
        new(py, unsafe { ffi::PyBytes_FromStringAndSize(self.0.as_ptr().cast(), self.0.len() as ffi::Py_ssize_t) })
    }
}

impl FromPython for Bytes {
    fn from_python(obj: &Bound<'_>) -> Result<Self> {
        Vec::<u8>::from_python(obj).map(Bytes)
    }
}

/// Reads `bytes`, `bytearray`, or any list/tuple of small ints into a byte vector.
fn extract_bytes(obj: &Bound<'_>) -> Result<Option<Vec<u8>>> {
    // SAFETY: live object, GIL held; the buffers are copied before anything else runs.
    unsafe {
        if ffi::PyBytes_Check(obj.as_ptr()) {
            let mut p: *mut std::ffi::c_char = std::ptr::null_mut();
            let mut n: ffi::Py_ssize_t = 0;
            if ffi::PyBytes_AsStringAndSize(obj.as_ptr(), &mut p, &mut n) < 0 {
                return Err(fetch(obj.py()));
            }
            return Ok(Some(std::slice::from_raw_parts(p.cast::<u8>(), n as usize).to_vec()));
        }
        if ffi::PyByteArray_Check(obj.as_ptr()) {
            let p = ffi::PyByteArray_AsString(obj.as_ptr());
            let n = ffi::PyByteArray_Size(obj.as_ptr());
            return Ok(Some(std::slice::from_raw_parts(p.cast::<u8>(), n as usize).to_vec()));
        }
    }
    Ok(None)
}

impl<T: ToPython> ToPython for Option<T> {
    fn to_python(&self, py: Python<'_>) -> Result<Object> {
        match self {
            Some(v) => v.to_python(py),
            None => Ok(py.none().unbind()),
        }
    }
}

impl<T: FromPython> FromPython for Option<T> {
    fn from_python(obj: &Bound<'_>) -> Result<Self> {
        if obj.as_ptr() == ffi::Py_None() { Ok(None) } else { T::from_python(obj).map(Some) }
    }

    #[inline(always)]
    fn from_python_exact(obj: &Bound<'_>) -> Option<Result<Self>> {
        if obj.as_ptr() == ffi::Py_None() { Some(Ok(None)) } else { T::from_python_exact(obj).map(|r| r.map(Some)) }
    }
}

/// Builds a `list` of `len` items from an iterator of convertible items, refusing an
/// iterator that yields more or fewer.
pub(crate) fn list_from_iter<'a, T: ToPython + 'a>(py: Python<'_>, len: usize, items: impl Iterator<Item = &'a T>) -> Result<Object> {
    let n = ffi::Py_ssize_t::try_from(len).map_err(|_| Error::Conversion(format!("{len} items do not fit a list")))?;
    let layout = ffi::seq_layout();
    let api = ffi::api();
    // SAFETY: GIL held; the new list is ours alone until returned, and each slot is filled
    // once, in order, while `i < n` (SET_ITEM and SetItem steal the reference); on error the
    // list is released with its filled slots (empty slots are NULL, which list deallocation
    // skips).
    unsafe {
        let list = new(py, (api.PyList_New)(n))?;
        let mut i: ffi::Py_ssize_t = 0;
        for item in items {
            if i == n {
                return Err(length_mismatch(len, "more"));
            }
            let v = to_python_ptr(item, py)?;
            match layout {
                Some(l) => l.list_set_item(list.as_ptr(), i, v),
                None => {
                    (api.PyList_SetItem)(list.as_ptr(), i, v);
                }
            }
            i += 1;
        }
        if i != n {
            return Err(length_mismatch(len, "fewer"));
        }
        Ok(list)
    }
}

/// Builds a `list` of the items of `head` followed by those of `tail` (a `VecDeque`'s two
/// halves; `tail` is empty for the other slices).
pub(crate) fn list_from_slices<T: ToPython>(py: Python<'_>, head: &[T], tail: &[T]) -> Result<Object> {
    let len = head.len().checked_add(tail.len()).and_then(|n| ffi::Py_ssize_t::try_from(n).ok());
    let n = len.ok_or_else(|| Error::Conversion("too many items for a list".into()))?;
    // SAFETY: GIL held; the new list of `n` slots is ours alone until returned; slot `i` is
    // filled once, for `i` below `head.len() + tail.len() == n` (SET_ITEM and SetItem steal the
    // reference); on error the list is released with its filled slots (empty slots are NULL,
    // which list deallocation skips).
    unsafe {
        let api = ffi::api();
        let list = new(py, (api.PyList_New)(n))?;
        let l = list.as_ptr();
        match ffi::seq_layout() {
            Some(layout) => {
                fill_list(py, head, |i, v| layout.list_set_item(l, i, v))?;
                fill_list(py, tail, |i, v| layout.list_set_item(l, head.len() as ffi::Py_ssize_t + i, v))?;
            }
            None => {
                fill_list(py, head, |i, v| {
                    (api.PyList_SetItem)(l, i, v);
                })?;
                fill_list(py, tail, |i, v| {
                    (api.PyList_SetItem)(l, head.len() as ffi::Py_ssize_t + i, v);
                })?;
            }
        }
        Ok(list)
    }
}

/// Converts each item of `items` and hands it to `set` with its index.
#[inline(always)]
fn fill_list<T: ToPython>(py: Python<'_>, items: &[T], mut set: impl FnMut(ffi::Py_ssize_t, *mut ffi::PyObject)) -> Result<()> {
    for (i, item) in items.iter().enumerate() {
        set(i as ffi::Py_ssize_t, to_python_ptr(item, py)?);
    }
    Ok(())
}

/// `item` as a Python object of `py`'s interpreter. Every conversion whose result this crate
/// hands to C goes through here: an object of another interpreter (which a `ToPython` written
/// by hand could return) is refused, and released by its handle, so no object ever enters an
/// interpreter it does not belong to.
#[inline(always)]
pub(crate) fn to_object<T: ToPython + ?Sized>(item: &T, py: Python<'_>) -> Result<Object> {
    let o = item.to_python(py)?;
    if o.interpreter_key() != py.interpreter_key() {
        return Err(foreign(o.interpreter_key(), py));
    }
    Ok(o)
}

#[cold]
#[inline(never)]
fn foreign(key: libpython_interp::InterpKey, py: Python<'_>) -> Error {
    if key.generation() != py.interpreter_key().generation() {
        return Error::Interp(libpython_interp::Error::Finalized);
    }
    Error::Interp(libpython_interp::Error::WrongInterpreter { object: key.index(), current: py.interpreter_key().index() })
}

/// [`to_object`] as a strong reference given to the caller.
#[inline(always)]
pub(crate) fn to_python_ptr<T: ToPython + ?Sized>(item: &T, py: Python<'_>) -> Result<*mut ffi::PyObject> {
    to_object(item, py).map(Object::into_ptr)
}

/// `key` converted to a Python object that can be a dict key or a set element (see
/// [`freeze_key`]).
#[inline]
pub(crate) fn to_key_object<T: ToPython + ?Sized>(key: &T, py: Python<'_>) -> Result<Object> {
    freeze_key(py, to_object(key, py)?)
}

/// How deep [`freeze_key`] rebuilds a key.
const KEY_DEPTH: usize = 128;

/// What a converted key is made of, for [`freeze_key`].
enum KeyPart {
    /// Hashable as it is (or not a container this crate turns into a hashable one).
    Leaf,
    /// An exact `list`: becomes a tuple.
    List,
    /// An exact `tuple`: kept, unless an item changes.
    Tuple,
    /// An exact `set`: becomes a frozenset.
    Set,
}

fn key_part(o: *mut ffi::PyObject) -> KeyPart {
    // SAFETY: `o` is a live object (the caller holds it) and the GIL is held; type checks only.
    unsafe {
        let t = ffi::Py_TYPE(o);
        if t == ffi::data::PyList_Type() {
            KeyPart::List
        } else if t == ffi::data::PyTuple_Type() {
            KeyPart::Tuple
        } else if t == ffi::data::PySet_Type() {
            KeyPart::Set
        } else {
            KeyPart::Leaf
        }
    }
}

/// A converted dict key or set element made hashable as libpython-clj makes it: a `list` (what
/// a Rust `Vec`, slice, array or a [`Value`](crate::Value) list becomes) is turned into a
/// `tuple`, a `set` into a `frozenset`, at any depth inside lists and tuples; anything else is
/// kept. Python refuses lists and sets as keys; Rust code uses `Vec` keys freely. Iterative;
/// a key with no list or set inside is returned as it is. Containers nested deeper than
/// [`KEY_DEPTH`] are left as they are: Python hashes a tuple by hashing its items
/// recursively, in C, so it could not hash such a key without risking the stack (a list left
/// there makes the insertion fail with Python's `TypeError: unhashable type`).
pub(crate) fn freeze_key(py: Python<'_>, obj: Object) -> Result<Object> {
    /// A list or tuple being rebuilt: its items (a tuple: the tuple itself, or a snapshot of
    /// the list), the next one to look at, the frozen items so far, whether any changed (a
    /// list always does: it becomes a tuple), and the original.
    struct Frame {
        items: Object,
        len: ffi::Py_ssize_t,
        next: ffi::Py_ssize_t,
        out: Vec<Object>,
        changed: bool,
        original: Object,
    }
    fn open(py: Python<'_>, obj: Object, list: bool) -> Result<Frame> {
        let items = if list {
            // SAFETY: a live list; GIL held; a new tuple (a snapshot: Python code run by later
            // conversions cannot change it) or NULL with an exception.
            new(py, unsafe { ffi::PyList_AsTuple(obj.as_ptr()) })?
        } else {
            obj.clone_ref(py)
        };
        // SAFETY: a live tuple; GIL held.
        let len = unsafe { ffi::PyTuple_Size(items.as_ptr()) };
        Ok(Frame { items, len, next: 0, out: Vec::with_capacity(len.max(0) as usize), changed: list, original: obj })
    }
    fn frozenset(py: Python<'_>, set: &Object) -> Result<Object> {
        // SAFETY: a live set; GIL held; its elements are hashable already.
        new(py, unsafe { ffi::PyFrozenSet_New(set.as_ptr()) })
    }
    let first = match key_part(obj.as_ptr()) {
        KeyPart::Leaf => return Ok(obj),
        KeyPart::Set => return frozenset(py, &obj),
        KeyPart::List => open(py, obj, true)?,
        KeyPart::Tuple => {
            // The common case, a tuple of scalars, is returned at once.
            // SAFETY: a live tuple; GIL held; indexes below its size; items borrowed from the
            // tuple, which does not change, for a type check only.
            let plain = unsafe {
                let n = ffi::PyTuple_Size(obj.as_ptr());
                (0..n).all(|i| matches!(key_part(ffi::PyTuple_GetItem(obj.as_ptr(), i)), KeyPart::Leaf))
            };
            if plain {
                return Ok(obj);
            }
            open(py, obj, false)?
        }
    };
    let mut stack = vec![first];
    while let Some(top) = stack.last_mut() {
        if top.next < top.len {
            // SAFETY: a live tuple; GIL held; `next` is below its size; the item gains a
            // reference at once.
            let item = unsafe { Object::from_borrowed_ptr(py, ffi::PyTuple_GetItem(top.items.as_ptr(), top.next)) };
            top.next += 1;
            let part = if stack.len() >= KEY_DEPTH { KeyPart::Leaf } else { key_part(item.as_ptr()) };
            let Some(top) = stack.last_mut() else { break };
            match part {
                KeyPart::Leaf => top.out.push(item),
                KeyPart::Set => {
                    let f = frozenset(py, &item)?;
                    top.changed = true;
                    top.out.push(f);
                }
                KeyPart::List => stack.push(open(py, item, true)?),
                KeyPart::Tuple => stack.push(open(py, item, false)?),
            }
            continue;
        }
        let Some(done) = stack.pop() else { break };
        let changed = done.changed;
        let result = if changed {
            // SAFETY: GIL held; the new tuple is ours alone and filled completely, each slot
            // once (SetItem steals each reference), before it is shared.
            unsafe {
                let t = new(py, ffi::PyTuple_New(done.out.len() as ffi::Py_ssize_t))?;
                for (i, o) in done.out.into_iter().enumerate() {
                    ffi::PyTuple_SetItem(t.as_ptr(), i as ffi::Py_ssize_t, o.into_ptr());
                }
                t
            }
        } else {
            done.original
        };
        match stack.last_mut() {
            None => return Ok(result),
            Some(parent) => {
                parent.changed |= changed;
                parent.out.push(result);
            }
        }
    }
    // The loop returns when the outermost frame is done; it always has one.
    Err(Error::Conversion("a dict key could not be made hashable".into()))
}

/// An iterator that did not yield the number of items its collection announced.
#[cold]
#[inline(never)]
fn length_mismatch(len: usize, more_or_fewer: &str) -> Error {
    Error::Conversion(format!("a collection of length {len} yielded {more_or_fewer} items than that"))
}

/// Lists become `list`; `Vec<u8>` too (a list of ints). Use [`Bytes`] or `&[u8]` for `bytes`.
impl<T: ToPython> ToPython for Vec<T> {
    fn to_python(&self, py: Python<'_>) -> Result<Object> {
        list_from_slices(py, self, &[])
    }
}

impl<T: ToPython> ToPython for [T] {
    fn to_python(&self, py: Python<'_>) -> Result<Object> {
        list_from_slices(py, self, &[])
    }
}

impl<T: ToPython> ToPython for std::collections::VecDeque<T> {
    fn to_python(&self, py: Python<'_>) -> Result<Object> {
        let (head, tail) = self.as_slices();
        list_from_slices(py, head, tail)
    }
}

impl<T: ToPython, const N: usize> ToPython for [T; N] {
    fn to_python(&self, py: Python<'_>) -> Result<Object> {
        list_from_slices(py, self, &[])
    }
}

/// Copies any sequence or iterable of convertible items. `bytes` and `bytearray` are read as
/// their bytes (for `Vec<u8>`); a `str` is refused (it is not a list of characters).
impl<T: FromPython + 'static> FromPython for Vec<T> {
    fn from_python(obj: &Bound<'_>) -> Result<Self> {
        if std::any::TypeId::of::<T>() == std::any::TypeId::of::<u8>()
            && let Some(bytes) = extract_bytes(obj)?
        {
            // SAFETY: T is u8 (checked above), so Vec<u8> and Vec<T> are the same type.
            return Ok(unsafe { std::mem::transmute::<Vec<u8>, Vec<T>>(bytes) });
        }
        seq_extract(obj, |n| Vec::with_capacity(n), |v, x| v.push(x))
    }
}

/// Copies the items of a list, tuple or other iterable through `push`.
pub(crate) fn seq_extract<C, T: FromPython>(obj: &Bound<'_>, mk: impl FnOnce(usize) -> C, mut push: impl FnMut(&mut C, T)) -> Result<C> {
    let py = obj.py();
    let p = obj.as_ptr();
    // SAFETY: live object, GIL held.
    unsafe {
        if ffi::PyUnicode_Check(p) {
            return Err(Error::type_error("a sequence (not str)", "str"));
        }
        if ffi::PyList_Check(p) {
            return match ffi::seq_layout() {
                Some(layout) => list_extract_inline(obj, layout, mk, push),
                None => list_extract_calls(obj, mk, push),
            };
        }
        if ffi::PyTuple_Check(p) {
            let layout = ffi::seq_layout();
            let api = ffi::api();
            let n = match layout {
                Some(l) => l.size(p),
                None => (api.PyTuple_Size)(p),
            };
            let mut out = mk(n as usize);
            for i in 0..n {
                // SAFETY: `i` is below the size of the tuple, which does not change; the item
                // is borrowed from the tuple, which the caller keeps alive.
                let item = match layout {
                    Some(l) => l.tuple_item(p, i),
                    None => (api.PyTuple_GetItem)(p, i),
                };
                push(&mut out, T::from_python(&Borrowed::from_ptr(py, item)).map_err(|e| e.at(index(i)))?);
            }
            return Ok(out);
        }
    }
    let it = match obj.try_iter() {
        Ok(it) => it,
        Err(Error::Python(e)) if e.type_name() == "TypeError" => {
            return Err(Error::type_error("an iterable", tname(obj)));
        }
        Err(e) => return Err(e),
    };
    let mut out = mk(0);
    for (i, item) in it.enumerate() {
        push(&mut out, T::from_python(&item?).map_err(|e| e.at(index(i)))?);
    }
    Ok(out)
}

/// [`seq_extract`] for a list whose items are read inline (GIL builds).
///
/// Items are borrowed while converted without running Python code ([`FromPython::from_python_exact`]),
/// held otherwise. Python code may run in a conversion or in `push` (a `__hash__`, a
/// destructor) and change the list, so its size is read again (one load) before each item.
#[inline(always)]
fn list_extract_inline<C, T: FromPython>(
    obj: &Bound<'_>,
    layout: ffi::SeqLayout,
    mk: impl FnOnce(usize) -> C,
    mut push: impl FnMut(&mut C, T),
) -> Result<C> {
    let py = obj.py();
    let p = obj.as_ptr();
    // SAFETY: `obj` is a live list (checked by the caller), `layout` the running
    // interpreter's, the GIL held; `i` is below the size read just before the item.
    unsafe {
        let mut out = mk(layout.size(p) as usize);
        let mut i = 0;
        while i < layout.size(p) {
            let item = Borrowed::from_ptr(py, layout.list_item(p, i));
            let v = match T::from_python_exact(&item) {
                Some(r) => r,
                None => {
                    let held = item.to_owned();
                    T::from_python(&held)
                }
            }
            .map_err(|e| e.at(index(i)))?;
            push(&mut out, v);
            i += 1;
        }
        Ok(out)
    }
}

/// [`seq_extract`] for a list read through the exported functions (free-threaded builds):
/// each item is taken as a strong reference (`PyList_GetItemRef`, 3.13+), so a list that
/// other threads change cannot free an item under us; a list that shrank meanwhile ends the
/// copy, as it ends Python's own iteration.
#[inline(never)]
fn list_extract_calls<C, T: FromPython>(obj: &Bound<'_>, mk: impl FnOnce(usize) -> C, mut push: impl FnMut(&mut C, T)) -> Result<C> {
    let py = obj.py();
    let p = obj.as_ptr();
    let api = ffi::api();
    // SAFETY: `obj` is a live list (checked by the caller), the GIL (or on free-threaded
    // builds the thread state) held; every item is a strong reference owned by its handle.
    unsafe {
        let mut out = mk((api.PyList_Size)(p).max(0) as usize);
        let mut i = 0;
        while i < (api.PyList_Size)(p) {
            let item = match api.PyList_GetItemRef {
                Some(get) => get(p, i),
                None => {
                    let item = (api.PyList_GetItem)(p, i);
                    if !item.is_null() {
                        ffi::Py_INCREF(item);
                    }
                    item
                }
            };
            if item.is_null() {
                // Only an index out of range: the list shrank since its size was read.
                ffi::PyErr_Clear();
                break;
            }
            let held = Object::from_owned_ptr(py, item);
            let v = match T::from_python_exact(held.bound(py)) {
                Some(r) => r,
                None => T::from_python(held.bound(py)),
            }
            .map_err(|e| e.at(index(i)))?;
            push(&mut out, v);
            i += 1;
        }
        Ok(out)
    }
}

impl<T: FromPython + 'static, const N: usize> FromPython for [T; N] {
    fn from_python(obj: &Bound<'_>) -> Result<Self> {
        let v: Vec<T> = Vec::from_python(obj)?;
        let n = v.len();
        v.try_into().map_err(|_| Error::type_error(format!("a sequence of length {N}"), format!("{} of length {n}", tname(obj))))
    }
}

impl<T: FromPython> FromPython for std::collections::VecDeque<T> {
    fn from_python(obj: &Bound<'_>) -> Result<Self> {
        seq_extract(obj, std::collections::VecDeque::with_capacity, |v, x| v.push_back(x))
    }
}

/// Builds a `dict` from key-value pairs; keys are made hashable by [`freeze_key`].
pub(crate) fn dict_from_iter<'a, K: ToPython + 'a, V: ToPython + 'a>(
    py: Python<'_>,
    items: impl Iterator<Item = (&'a K, &'a V)>,
) -> Result<Object> {
    let api = ffi::api();
    // SAFETY: GIL held (`py`); the keys and values are references of its interpreter, so they
    // are released at once with `Py_DECREF` after `PyDict_SetItem` (which does not steal),
    // also on every error path.
    unsafe {
        let d = new(py, (api.PyDict_New)())?;
        for (k, v) in items {
            let k = to_key_object(k, py)?.into_ptr();
            let v = match to_python_ptr(v, py) {
                Ok(v) => v,
                Err(e) => {
                    ffi::Py_DECREF(k);
                    return Err(e);
                }
            };
            let r = (api.PyDict_SetItem)(d.as_ptr(), k, v);
            ffi::Py_DECREF(k);
            ffi::Py_DECREF(v);
            if r < 0 {
                return Err(fetch(py));
            }
        }
        Ok(d)
    }
}

/// The number of items of a `dict` (to size a Rust map), 0 for other mappings.
fn dict_len_hint(obj: &Bound<'_>) -> usize {
    // SAFETY: live object, GIL held; `PyDict_Size` of a dict cannot fail.
    unsafe { if ffi::PyDict_Check(obj.as_ptr()) { ffi::PyDict_Size(obj.as_ptr()).max(0) as usize } else { 0 } }
}

/// Copies a mapping's items (a `dict` directly, anything else with `.items()`).
///
/// A `dict` is walked with `PyDict_Next`, whose key and value are borrowed from the dict. They
/// stay borrowed only while nothing can run Python code (exact `int`, `float`, `str` ...
/// conversions); before a conversion or an insertion that can (a key's `__index__` or
/// `__hash__`, which may change or clear the dict), both are owned. A dict whose size changes
/// meanwhile ends the copy with `RuntimeError`, as Python's own iteration does. Free-threaded
/// builds walk a private copy (other threads may change the dict at any time).
pub(crate) fn map_extract<K: FromPython, V: FromPython>(obj: &Bound<'_>, mut insert: impl FnMut(K, V)) -> Result<()> {
    let py = obj.py();
    // SAFETY: live object, GIL held.
    if unsafe { ffi::PyDict_Check(obj.as_ptr()) } {
        let walked = dict_to_walk(obj)?;
        let d = walked.bound(py);
        let next = ffi::api().PyDict_Next;
        // SAFETY: a live dict; GIL held.
        let size = unsafe { ffi::PyDict_Size(d.as_ptr()) };
        let mut pos: ffi::Py_ssize_t = 0;
        let mut k = std::ptr::null_mut();
        let mut v = std::ptr::null_mut();
        // SAFETY: `d` is a live dict; `PyDict_Next` hands out borrowed references valid until
        // the dict changes, which only Python code can do, and none runs before the next call
        // except where both are owned (below).
        while unsafe { next(d.as_ptr(), &mut pos, &mut k, &mut v) } != 0 {
            // SAFETY: live references from the dict, just read.
            let (kb, vb) = unsafe { (Borrowed::from_ptr(py, k), Borrowed::from_ptr(py, v)) };
            let (key, value) = match (K::from_python_exact(&kb), V::from_python_exact(&vb)) {
                (Some(Ok(key)), Some(Ok(value))) => (key, value),
                (key, value) => {
                    let (kh, vh) = (kb.to_owned(), vb.to_owned());
                    let key = match key {
                        Some(r) => r,
                        None => K::from_python(&kh),
                    }
                    .map_err(|e| e.at(key_segment(&kh, true)))?;
                    let value = match value {
                        Some(r) => r,
                        None => V::from_python(&vh),
                    }
                    .map_err(|e| e.at(key_segment(&kh, false)))?;
                    (key, value)
                }
            };
            insert(key, value);
            // SAFETY: a live dict; GIL held.
            if unsafe { ffi::PyDict_Size(d.as_ptr()) } != size {
                return Err(changed_during_iteration(py, "dictionary"));
            }
        }
        return Ok(());
    }
    let items = match obj.call_method("items", ()) {
        Ok(i) => i,
        Err(Error::NoAttribute { .. }) => return Err(Error::type_error("a mapping (dict)", tname(obj))),
        Err(e) => return Err(e),
    };
    seq_extract(&items, |_| (), |_, (k, v): (K, V)| insert(k, v))
}

/// The dict to walk with `PyDict_Next` for reading `d`: `d` itself on GIL builds (where the
/// walker keeps no borrowed reference across Python code), a private copy on free-threaded
/// builds, where another thread may change `d` at any moment and `PyDict_Next` is not safe
/// against that.
pub(crate) fn dict_to_walk(d: &Bound<'_>) -> Result<Object> {
    if libpython_interp::object_header_size() > 16 {
        // SAFETY: a live dict (the caller checked); the copy is a new reference or NULL with
        // an exception set.
        new(d.py(), unsafe { ffi::PyDict_Copy(d.as_ptr()) })
    } else {
        Ok(d.clone().unbind())
    }
}

/// The `list[i]` item as a new reference (`PyList_GetItemRef` where the version has it, so
/// that on free-threaded builds another thread cannot free it between the read and the
/// increment).
///
/// # Safety
/// `list` is a live `list` and the GIL is held; `0 <= i < len(list)` (an index out of range is
/// an `IndexError`).
pub(crate) unsafe fn list_item(py: Python<'_>, list: *mut ffi::PyObject, i: ffi::Py_ssize_t) -> Result<Object> {
    // SAFETY: forwarded contract: live list, GIL held.
    unsafe {
        if let Some(get_ref) = ffi::api().PyList_GetItemRef {
            return new(py, get_ref(list, i));
        }
        let p = ffi::PyList_GetItem(list, i);
        if p.is_null() {
            return Err(fetch(py));
        }
        Ok(Object::from_borrowed_ptr(py, p))
    }
}

/// The path segment of item `i` of a sequence: `[i]`.
#[cold]
fn index(i: impl std::fmt::Display) -> String {
    format!("[{i}]")
}

/// The path segment of the entry at key `k` of a mapping: `['a']` for its value, `[key 'a']`
/// for the key itself.
#[cold]
fn key_segment(k: &Bound<'_>, of_key: bool) -> String {
    let r = k.repr().unwrap_or_else(|_| "?".into());
    if of_key { format!("[key {r}]") } else { format!("[{r}]") }
}

/// Python's `RuntimeError: <what> changed size during iteration`.
#[cold]
fn changed_during_iteration(py: Python<'_>, what: &str) -> Error {
    let msg = std::ffi::CString::new(format!("{what} changed size during iteration")).unwrap_or_default();
    // SAFETY: the GIL is held; the exception is set and fetched at once.
    unsafe {
        ffi::PyErr_SetString(*ffi::data::PyExc_RuntimeError(), msg.as_ptr());
        fetch(py)
    }
}

impl<K: ToPython, V: ToPython, S> ToPython for HashMap<K, V, S> {
    fn to_python(&self, py: Python<'_>) -> Result<Object> {
        dict_from_iter(py, self.iter())
    }
}

impl<K: FromPython + Eq + Hash, V: FromPython, S: BuildHasher + Default> FromPython for HashMap<K, V, S> {
    fn from_python(obj: &Bound<'_>) -> Result<Self> {
        let mut m = HashMap::with_capacity_and_hasher(dict_len_hint(obj), S::default());
        map_extract(obj, |k, v| {
            m.insert(k, v);
        })?;
        Ok(m)
    }
}

impl<K: ToPython, V: ToPython> ToPython for BTreeMap<K, V> {
    fn to_python(&self, py: Python<'_>) -> Result<Object> {
        dict_from_iter(py, self.iter())
    }
}

impl<K: FromPython + Ord, V: FromPython> FromPython for BTreeMap<K, V> {
    fn from_python(obj: &Bound<'_>) -> Result<Self> {
        let mut m = BTreeMap::new();
        map_extract(obj, |k, v| {
            m.insert(k, v);
        })?;
        Ok(m)
    }
}

/// Builds a `set` from items, made hashable by [`freeze_key`].
pub(crate) fn set_from_iter<'a, T: ToPython + 'a>(py: Python<'_>, items: impl Iterator<Item = &'a T>) -> Result<Object> {
    let api = ffi::api();
    // SAFETY: GIL held (`py`); PySet_Add does not steal, so each item (a reference of `py`'s
    // interpreter) is released at once with `Py_DECREF`.
    unsafe {
        let s = new(py, (api.PySet_New)(std::ptr::null_mut()))?;
        for item in items {
            let v = to_key_object(item, py)?.into_ptr();
            let r = (api.PySet_Add)(s.as_ptr(), v);
            ffi::Py_DECREF(v);
            if r < 0 {
                return Err(fetch(py));
            }
        }
        Ok(s)
    }
}

impl<T: ToPython, S> ToPython for HashSet<T, S> {
    fn to_python(&self, py: Python<'_>) -> Result<Object> {
        set_from_iter(py, self.iter())
    }
}

impl<T: FromPython + Eq + Hash, S: BuildHasher + Default> FromPython for HashSet<T, S> {
    fn from_python(obj: &Bound<'_>) -> Result<Self> {
        seq_extract(
            obj,
            |n| HashSet::with_capacity_and_hasher(n, S::default()),
            |s, x| {
                s.insert(x);
            },
        )
    }
}

impl<T: ToPython> ToPython for BTreeSet<T> {
    fn to_python(&self, py: Python<'_>) -> Result<Object> {
        set_from_iter(py, self.iter())
    }
}

impl<T: FromPython + Ord> FromPython for BTreeSet<T> {
    fn from_python(obj: &Bound<'_>) -> Result<Self> {
        seq_extract(obj, |_| BTreeSet::new(), |s, x| {
            s.insert(x);
        })
    }
}

macro_rules! tuples {
    ($($n:literal: ($($T:ident $i:tt),+);)*) => {$(
        /// Tuples become `tuple`.
        impl<$($T: ToPython),+> ToPython for ($($T,)+) {
            fn to_python(&self, py: Python<'_>) -> Result<Object> {
                // SAFETY: GIL held; the new tuple is ours alone and filled completely, each
                // slot once, before it is shared (SET_ITEM steals each reference; empty slots
                // are NULL, which deallocation skips on error).
                unsafe {
                    let t = new(py, ffi::PyTuple_New($n))?;
                    $(
                        ffi::PyTuple_SET_ITEM(t.as_ptr(), $i, to_python_ptr(&self.$i, py)?);
                    )+
                    Ok(t)
                }
            }
        }

        /// Any sequence of exactly this length.
        impl<$($T: FromPython),+> FromPython for ($($T,)+) {
            fn from_python(obj: &Bound<'_>) -> Result<Self> {
                let py = obj.py();
                // SAFETY: live object, GIL held; tuple items are borrowed from the tuple.
                unsafe {
                    let tuple;
                    let t = if ffi::PyTuple_Check(obj.as_ptr()) {
                        obj
                    } else if ffi::PyList_Check(obj.as_ptr()) {
                        tuple = new(py, ffi::PySequence_Tuple(obj.as_ptr()))?;
                        tuple.bound(py)
                    } else {
                        return Err(Error::type_error(format!("a tuple of length {}", $n), tname(obj)));
                    };
                    let len = ffi::PyTuple_GET_SIZE(t.as_ptr());
                    if len != $n {
                        return Err(Error::type_error(format!("a tuple of length {}", $n), format!("{} of length {len}", tname(obj))));
                    }
                    // The items are in range (the length was just checked) and borrowed from
                    // the tuple, which does not change.
                    Ok(($($T::from_python(&Borrowed::from_ptr(py, ffi::PyTuple_GET_ITEM(t.as_ptr(), $i))).map_err(|e| e.at(index($i)))?,)+))
                }
            }
        }
    )*};
}

for_each_tuple!(tuples);
