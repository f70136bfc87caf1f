//! Python objects as the nodes the deserializer reads: `None`, `bool`, `int` (and objects
//! with `__index__`), `float`, `str`, `bytes` / `bytearray`, `list` / `tuple` / `set` /
//! `frozenset` and `dict`.

use std::borrow::Cow;

use libpython_interp::ffi;

use crate::conversion::{DictWalk, FromPython};
use crate::err::{Error, fetch};
use crate::gil::Python;
use crate::object::Bound;

use super::de::{Children, Int, Kind, Node};
use super::error::{SerdeError, key_repr, key_step};

impl<'py> Node for Bound<'py> {
    type Items = Items<'py>;
    type Entries = Entries<'py>;

    fn kind(&self) -> Result<Kind, SerdeError> {
        let p = self.as_ptr();
        // SAFETY: `p` is live (held by `self`) and the GIL is held.
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
                    return Err(fetch(self.py()).into());
                }
                Kind::Float(x)
            } else if ffi::PyUnicode_Check(p) {
                Kind::Str
            } else if ffi::PyBytes_Check(p) || ffi::PyByteArray_Check(p) {
                Kind::Bytes
            } else if ffi::PyList_Check(p) || ffi::PyTuple_Check(p) {
                Kind::Seq
            } else if ffi::PyDict_Check(p) {
                Kind::Map
            } else if ffi::PyAnySet_Check(p) {
                Kind::Seq
            } else if ffi::PyIndex_Check(p) != 0 {
                Kind::Int
            } else {
                Kind::Other
            })
        }
    }

    fn int(&self) -> Result<Int, SerdeError> {
        let py = self.py();
        // SAFETY: the object is live and an int or has `__index__`; GIL held.
        let int = unsafe {
            if ffi::PyLong_Check(self.as_ptr()) {
                self.clone()
            } else {
                Bound::from_owned_ptr_or_err(py, ffi::PyNumber_Index(self.as_ptr()))?
            }
        };
        let int = &int;
        if let Ok(i) = i64::from_python(int) {
            Ok(Int::I64(i))
        } else if let Ok(u) = u64::from_python(int) {
            Ok(Int::U64(u))
        } else if let Ok(i) = i128::from_python(int) {
            Ok(Int::I128(i))
        } else if let Ok(u) = u128::from_python(int) {
            Ok(Int::U128(u))
        } else {
            Err(
                Error::Conversion(format!("the int {} does not fit in 128 bits", int.str()?))
                    .into(),
            )
        }
    }

    fn text(&self) -> Result<&str, SerdeError> {
        let mut n: ffi::Py_ssize_t = 0;
        // SAFETY: the object is a live str (its kind was read first) and the GIL is held; the
        // UTF-8 buffer belongs to the object (a str never changes), which `self` keeps alive
        // while the returned text is borrowed.
        let text = unsafe {
            let data = ffi::PyUnicode_AsUTF8AndSize(self.as_ptr(), &mut n);
            if data.is_null() {
                let e = fetch(self.py());
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
        std::str::from_utf8(text)
            .map_err(|e| Error::Conversion(format!("the str is not valid UTF-8: {e}")).into())
    }

    /// A copy: a `bytearray` can change as soon as Python code runs.
    fn bytes(&self) -> Result<Cow<'_, [u8]>, SerdeError> {
        let p = self.as_ptr();
        // SAFETY: the object is a live bytes or bytearray and the GIL is held; the data is
        // copied before anything else runs.
        unsafe {
            if ffi::PyBytes_Check(p) {
                let mut data: *mut std::ffi::c_char = std::ptr::null_mut();
                let mut n: ffi::Py_ssize_t = 0;
                if ffi::PyBytes_AsStringAndSize(p, &mut data, &mut n) < 0 {
                    return Err(fetch(self.py()).into());
                }
                return Ok(Cow::Owned(
                    std::slice::from_raw_parts(data.cast::<u8>(), n as usize).to_vec(),
                ));
            }
            let n = ffi::PyByteArray_Size(p);
            if n <= 0 {
                return Ok(Cow::Owned(Vec::new()));
            }
            Ok(Cow::Owned(
                std::slice::from_raw_parts(ffi::PyByteArray_AsString(p).cast::<u8>(), n as usize)
                    .to_vec(),
            ))
        }
    }

    fn items(&self) -> Result<Items<'py>, SerdeError> {
        let p = self.as_ptr();
        // SAFETY: live object, GIL held.
        let source = unsafe {
            if ffi::PyList_Check(p) {
                Source::List
            } else if ffi::PyTuple_Check(p) {
                Source::Tuple
            } else {
                Source::Iter(Bound::from_owned_ptr_or_err(
                    self.py(),
                    ffi::PyObject_GetIter(p),
                )?)
            }
        };
        Ok(Items {
            seq: self.clone(),
            source,
            index: 0,
        })
    }

    fn entries(&self) -> Result<Entries<'py>, SerdeError> {
        Ok(Entries {
            walk: DictWalk::new(self)?,
            py: self.py(),
        })
    }

    fn variant_entry(&self) -> Result<(Bound<'py>, Bound<'py>), SerdeError> {
        let mut entries = self.entries()?;
        let len = entries.walk.len();
        let entry = if len == 1 {
            entries.next_child()?
        } else {
            None
        };
        match entry {
            Some(entry) => Ok(entry),
            None => Err(Error::Conversion(format!(
                "an enum is a str (unit variant) or a dict with exactly one key (the variant), \
                 not a dict with {len} keys"
            ))
            .into()),
        }
    }

    fn is_none(&self) -> bool {
        self.as_ptr() == ffi::Py_None()
    }

    fn type_label(&self) -> String {
        crate::conversion::tname(self)
    }

    fn key_step(&self) -> String {
        key_step(self)
    }

    fn key_label(&self) -> String {
        key_repr(self)
    }

    fn unsupported(&self) -> SerdeError {
        Error::Conversion(format!(
            "cannot deserialize a Python {} (expected None, bool, int, float, str, bytes, list, tuple, \
             dict, set or frozenset)",
            crate::conversion::tname(self)
        ))
        .into()
    }

    fn not_an_enum(&self) -> SerdeError {
        Error::Conversion(format!(
            "an enum is a str (unit variant) or a dict with one key (the variant), not a Python {}",
            crate::conversion::tname(self)
        ))
        .into()
    }
}

/// How the items of a sequence are reached.
enum Source<'py> {
    List,
    Tuple,
    /// An iterator over a set or frozenset.
    Iter(Bound<'py>),
}

/// The items of a list, tuple, set or frozenset.
pub(crate) struct Items<'py> {
    seq: Bound<'py>,
    source: Source<'py>,
    index: ffi::Py_ssize_t,
}

impl<'py> Children for Items<'py> {
    type Child = Bound<'py>;

    fn next_child(&mut self) -> Result<Option<Bound<'py>>, SerdeError> {
        let py = self.seq.py();
        let p = self.seq.as_ptr();
        let i = self.index;
        // SAFETY: `p` is the live container of the kind `source` says; GIL held. Borrowed
        // items gain a reference at once; the length is re-read for lists (not ours).
        let item = unsafe {
            match &self.source {
                Source::List => {
                    if i >= ffi::PyList_Size(p) {
                        return Ok(None);
                    }
                    crate::conversion::list_item(py, p, i)?.into_bound(py)?
                }
                Source::Tuple => {
                    if i >= ffi::PyTuple_Size(p) {
                        return Ok(None);
                    }
                    Bound::from_borrowed_ptr(py, ffi::PyTuple_GetItem(p, i))
                }
                Source::Iter(it) => {
                    let item = ffi::PyIter_Next(it.as_ptr());
                    if item.is_null() {
                        if !ffi::PyErr_Occurred().is_null() {
                            return Err(fetch(py).into());
                        }
                        return Ok(None);
                    }
                    Bound::from_owned_ptr(py, item)
                }
            }
        };
        self.index += 1;
        Ok(Some(item))
    }

    /// Read again each time: a list can change while it is read.
    fn len(&self) -> Option<usize> {
        self.seq.len().ok()
    }
}

/// The entries of a dict.
pub(crate) struct Entries<'py> {
    /// The walk of the dict's entries (an error if the dict changes meanwhile).
    walk: DictWalk,
    py: Python<'py>,
}

impl<'py> Children for Entries<'py> {
    type Child = (Bound<'py>, Bound<'py>);

    fn next_child(&mut self) -> Result<Option<(Bound<'py>, Bound<'py>)>, SerdeError> {
        let Some((k, v)) = self.walk.next(self.py)? else {
            return Ok(None);
        };
        // SAFETY: live references just read from the dict (GIL held), owned at once.
        Ok(Some(unsafe {
            (
                Bound::from_borrowed_ptr(self.py, k),
                Bound::from_borrowed_ptr(self.py, v),
            )
        }))
    }

    /// The number of entries when reading began.
    fn len(&self) -> Option<usize> {
        Some(self.walk.len())
    }
}
