//! Errors: one type for everything that can go wrong, carrying Python's exception when there
//! is one.

use std::fmt;

use libpython_interp as interp;
use libpython_interp::ffi;

use crate::{Object, Python};

/// An exception raised by Python, as Rust sees it.
///
/// Holds the exception's type name, its message (`str(exc)`), the traceback text exactly as
/// Python prints it, and the exception object itself.
#[derive(Clone)]
pub struct PyErr {
    type_name: String,
    message: String,
    traceback: String,
    value: Option<Object>,
}

impl PyErr {
    /// The exception's type name (`ValueError`, `SyntaxError`, ...).
    pub fn type_name(&self) -> &str {
        &self.type_name
    }

    /// `str(exception)`.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The traceback text as Python's `traceback.format_exception` gives it, ending with the
    /// `Type: message` line. For a syntax error it holds the offending line and the caret.
    pub fn traceback(&self) -> &str {
        &self.traceback
    }

    /// The exception object.
    pub fn value(&self) -> Option<&Object> {
        self.value.as_ref()
    }

    /// Whether the exception is an instance of the builtin exception class `name`
    /// (`"KeyError"`, `"OSError"`, ...), subclasses included.
    pub fn is_instance_of(&self, name: &str) -> bool {
        let Some(v) = &self.value else { return self.type_name == name };
        crate::with_gil(|py| {
            let cls = py.builtins()?.bound(py).getattr(name)?;
            v.bind(py)?.isinstance(&cls)
        })
        .unwrap_or(false)
    }

    pub(crate) fn new(type_name: String, message: String, traceback: String, value: Option<Object>) -> Self {
        PyErr { type_name, message, traceback, value }
    }
}

impl fmt::Debug for PyErr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PyErr").field("type_name", &self.type_name).field("message", &self.message).finish_non_exhaustive()
    }
}

impl fmt::Display for PyErr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.traceback.is_empty() {
            if self.message.is_empty() { f.write_str(&self.type_name) } else { write!(f, "{}: {}", self.type_name, self.message) }
        } else {
            f.write_str(self.traceback.trim_end())
        }
    }
}

/// Everything that can go wrong, in one enum.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Error {
    /// Python raised an exception.
    Python(PyErr),
    /// A Python object was not of the type a conversion or operation needed.
    Type {
        /// What was expected (`"int"`, `"str"`, `"a sequence"`, ...).
        expected: String,
        /// The Python type that came.
        found: String,
    },
    /// A number does not fit the target type.
    Overflow {
        /// The Rust type asked for.
        target: &'static str,
        /// The value, as Python prints it (shortened if huge).
        value: String,
    },
    /// The object is not callable.
    NotCallable {
        /// Its Python type.
        type_name: String,
    },
    /// The object has no such attribute.
    NoAttribute {
        /// The object's Python type.
        type_name: String,
        /// The attribute asked for.
        name: String,
    },
    /// A Rust string given where C wants a C string contains a NUL byte.
    Nul {
        /// What the string was for (`"attribute name"`, `"module name"`, ...).
        what: &'static str,
        /// The string.
        value: String,
    },
    /// A container refers to itself, so it cannot be copied into a tree of Rust values.
    SelfReferential {
        /// The container's Python type.
        type_name: String,
    },
    /// A Rust-side conversion failed (serde, number parsing, ...).
    Conversion(String),
    /// The interpreter layer refused: not started, finalized (use after finalize), the wrong
    /// interpreter, an ended sub-interpreter, ...
    Interp(interp::Error),
}

impl Error {
    /// The Python exception, if this error is one.
    pub fn as_python(&self) -> Option<&PyErr> {
        match self {
            Error::Python(e) => Some(e),
            _ => None,
        }
    }

    pub(crate) fn type_error(expected: impl Into<String>, found: impl Into<String>) -> Self {
        Error::Type { expected: expected.into(), found: found.into() }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Python(e) => fmt::Display::fmt(e, f),
            Error::Type { expected, found } => write!(f, "expected {expected}, got a Python {found}"),
            Error::Overflow { target, value } => write!(f, "{value} does not fit in {target}"),
            Error::NotCallable { type_name } => write!(f, "a Python {type_name} is not callable"),
            Error::NoAttribute { type_name, name } => write!(f, "a Python {type_name} has no attribute {name:?}"),
            Error::Nul { what, value } => write!(f, "the {what} {value:?} contains a NUL byte"),
            Error::SelfReferential { type_name } => {
                write!(f, "the {type_name} contains itself, so it cannot be copied into Rust values")
            }
            Error::Conversion(m) => f.write_str(m),
            Error::Interp(e) => fmt::Display::fmt(e, f),
        }
    }
}

impl std::error::Error for Error {}

impl From<interp::Error> for Error {
    fn from(e: interp::Error) -> Self {
        Error::Interp(e)
    }
}

impl From<PyErr> for Error {
    fn from(e: PyErr) -> Self {
        Error::Python(e)
    }
}

/// Result with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Takes the pending Python exception (there must be one) and turns it into an [`Error`].
///
/// # Safety
/// The GIL is held (`py`).
pub(crate) unsafe fn fetch(py: Python<'_>) -> Error {
    // SAFETY: the GIL is held; every reference taken is owned and released or wrapped.
    unsafe {
        let value = take_raised();
        if value.is_null() {
            return Error::Python(PyErr::new("SystemError".into(), "an operation failed without setting an exception".into(), String::new(), None));
        }
        let value = Object::from_owned_ptr(py, value);
        Error::Python(describe(py, &value))
    }
}

/// The pending exception as one object (normalised), or NULL.
unsafe fn take_raised() -> *mut ffi::PyObject {
    let api = ffi::api();
    // SAFETY: the caller holds the GIL.
    unsafe {
        if let Some(get) = api.PyErr_GetRaisedException {
            return get();
        }
        let (mut t, mut v, mut tb) = (std::ptr::null_mut(), std::ptr::null_mut(), std::ptr::null_mut());
        ffi::PyErr_Fetch(&mut t, &mut v, &mut tb);
        if t.is_null() {
            return std::ptr::null_mut();
        }
        ffi::PyErr_NormalizeException(&mut t, &mut v, &mut tb);
        if !tb.is_null() && !v.is_null() {
            ffi::PyException_SetTraceback(v, tb);
        }
        ffi::Py_DecRef(t);
        ffi::Py_DecRef(tb);
        v
    }
}

/// Reads type name, message and traceback text of an exception object. Never fails: what
/// cannot be read is described as unreadable.
pub(crate) fn describe(py: Python<'_>, value: &Object) -> PyErr {
    let v = value.bound(py);
    let type_name = v.type_name().unwrap_or_else(|_| "<unknown exception type>".into());
    let message = match v.str_() {
        Ok(s) => s,
        Err(_) => format!("<exception str() failed for {type_name}>"),
    };
    let traceback = format_traceback(py, value).unwrap_or_else(|_| {
        if message.is_empty() { type_name.clone() } else { format!("{type_name}: {message}") }
    });
    // SAFETY: the GIL is held; formatting may have left an exception pending, which is not
    // this error's.
    unsafe { ffi::PyErr_Clear() };
    PyErr::new(type_name, message, traceback, Some(value.clone_ref(py)))
}

fn format_traceback(py: Python<'_>, value: &Object) -> Result<String> {
    let tb_mod = py.import("traceback")?;
    let v = value.bound(py);
    let tp = v.get_type()?;
    let tb = v.getattr("__traceback__")?;
    let lines = tb_mod.bound(py).call_method("format_exception", (tp, value.clone_ref(py), tb))?;
    let text: Vec<String> = lines.bound(py).extract()?;
    Ok(text.concat())
}

/// Sets `err` as the pending Python exception (for returning to Python from a callback).
///
/// # Safety
/// The GIL is held.
pub(crate) unsafe fn restore(py: Python<'_>, err: Error) {
    // SAFETY: the GIL is held.
    unsafe {
        match err {
            Error::Python(PyErr { value: Some(v), .. }) => {
                let v = v.into_ptr();
                if let Some(set) = ffi::api().PyErr_SetRaisedException {
                    // Steals `v`.
                    set(v);
                } else {
                    // Steals all three: the type and traceback are new references.
                    ffi::PyErr_Restore(ffi::PyObject_Type(v), v, ffi::PyException_GetTraceback(v));
                }
            }
            other => {
                let exc = match &other {
                    Error::Type { .. } | Error::NotCallable { .. } => *ffi::data::PyExc_TypeError(),
                    Error::Overflow { .. } => *ffi::data::PyExc_OverflowError(),
                    Error::NoAttribute { .. } => *ffi::data::PyExc_AttributeError(),
                    Error::Nul { .. } | Error::Conversion(_) | Error::SelfReferential { .. } => *ffi::data::PyExc_ValueError(),
                    _ => *ffi::data::PyExc_RuntimeError(),
                };
                let msg = other.to_string().replace('\0', "\\0");
                let c = std::ffi::CString::new(msg).unwrap_or_default();
                ffi::PyErr_SetString(exc, c.as_ptr());
            }
        }
        let _ = py;
    }
}
