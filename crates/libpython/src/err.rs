//! Errors: one type for everything that can go wrong, carrying Python's exception when there
//! is one.

use std::fmt;

use libpython_interp as interp;
use libpython_interp::ffi;

use crate::{Object, Python};

/// An exception raised by Python, as Rust sees it.
///
/// Holds the exception object and its type name. Its message (`str(exc)`) and the traceback
/// text exactly as Python prints it are computed on first use, under the exception's
/// interpreter's GIL: an error that is only passed on (a callback's error going back to
/// Python, an error matched by type) costs no formatting, and formatting cannot recurse into
/// the code that raised it. Cloning shares the object and the computed text.
#[derive(Clone)]
pub struct PyErr {
    inner: std::sync::Arc<Inner>,
}

struct Inner {
    type_name: String,
    value: Option<Object>,
    /// (message, traceback text), computed once.
    text: std::sync::OnceLock<(String, String)>,
}

impl PyErr {
    /// The exception's type name (`ValueError`, `SyntaxError`, ...).
    pub fn type_name(&self) -> &str {
        &self.inner.type_name
    }

    /// `str(exception)`; a placeholder naming the problem if `__str__` fails.
    pub fn message(&self) -> &str {
        &self.text().0
    }

    /// The traceback text as Python's `traceback.format_exception` gives it, ending with the
    /// `Type: message` line. For a syntax error it holds the offending line and the caret.
    pub fn traceback(&self) -> &str {
        &self.text().1
    }

    /// The exception object.
    pub fn value(&self) -> Option<&Object> {
        self.inner.value.as_ref()
    }

    /// Whether the exception is an instance of the builtin exception class `name`
    /// (`"KeyError"`, `"OSError"`, ...), subclasses included.
    pub fn is_instance_of(&self, name: &str) -> bool {
        let Some(v) = &self.inner.value else {
            return self.inner.type_name == name;
        };
        v.with_own_gil(|b| {
            let cls = b.py().builtins()?.getattr(name)?.unbind();
            b.is_instance(&cls)
        })
        .unwrap_or(false)
    }

    /// The error of the exception `value`, to return from Rust code that Python calls (a
    /// [`function`](crate::function), a [`Bridge`](crate::Bridge) method, an
    /// [`IterBridge`](crate::IterBridge) item), which Python then raises as it is: an
    /// exception instance is taken as it is, an exception class is called with no arguments,
    /// and anything else gives the `TypeError` Python's `raise` gives.
    ///
    /// ```
    /// use libpython::{Args, PyErr};
    /// let pick = libpython::function("pick", None, |a: &Args<'_>| -> libpython::Result<i64> {
    ///     let i: usize = a.extract(0)?;
    ///     match [10, 20].get(i) {
    ///         Some(v) => Ok(*v),
    ///         None => {
    ///             let exc = a.py().builtin("IndexError")?.call(("no such item",))?;
    ///             Err(PyErr::from_value(&exc).into())
    ///         }
    ///     }
    /// })?;
    /// let e = pick.call((5,)).unwrap_err();
    /// assert!(e.as_python().unwrap().is_instance_of("LookupError"));
    /// assert_eq!(e.as_python().unwrap().message(), "no such item");
    /// # Ok::<(), libpython::Error>(())
    /// ```
    pub fn from_value(value: &crate::Bound<'_>) -> PyErr {
        let py = value.py();
        let is_exception = |o: &crate::Bound<'_>| {
            // SAFETY: a live object; the GIL is held (its token).
            unsafe { ffi::PyExceptionInstance_Check(o.as_ptr()) }
        };
        // SAFETY: a live object; the GIL is held (its token).
        let is_class = unsafe { ffi::PyExceptionClass_Check(value.as_ptr()) };
        let made = if is_exception(value) {
            Ok(value.clone())
        } else if is_class {
            value.call0().and_then(|v| {
                if is_exception(&v) {
                    Ok(v)
                } else {
                    Err(runtime_like(
                        py,
                        "TypeError",
                        "calling the exception class did not make an exception",
                    ))
                }
            })
        } else {
            Err(runtime_like(
                py,
                "TypeError",
                "exceptions must derive from BaseException",
            ))
        };
        match made {
            Ok(v) => PyErr::from_object(py, v.unbind()),
            Err(e) => match e.into_kind() {
                ErrorKind::Python(e) => e,
                other => PyErr::new("TypeError".into(), other.to_string(), String::new()),
            },
        }
    }

    /// An error with fixed text and no exception object.
    pub(crate) fn new(type_name: String, message: String, traceback: String) -> Self {
        let text = std::sync::OnceLock::new();
        let _ = text.set((message, traceback));
        PyErr {
            inner: std::sync::Arc::new(Inner {
                type_name,
                value: None,
                text,
            }),
        }
    }

    /// Wraps an exception object (the GIL of its interpreter is held).
    pub(crate) fn from_object(py: Python<'_>, value: Object) -> Self {
        let type_name = value
            .bound(py)
            .type_name()
            .unwrap_or_else(|_| "<unknown exception type>".into());
        PyErr {
            inner: std::sync::Arc::new(Inner {
                type_name,
                value: Some(value),
                text: std::sync::OnceLock::new(),
            }),
        }
    }

    /// The message and traceback, made once. They are made outside the cell and then put in
    /// it: making them runs Python code, which may release the GIL to another thread asking
    /// for the same text (or call back into code that asks for it), and a cell's
    /// initialisation would make that thread wait with the GIL held, for ever. Two threads
    /// may both make the text; the first one stored is kept.
    fn text(&self) -> &(String, String) {
        if let Some(t) = self.inner.text.get() {
            return t;
        }
        let tn = &self.inner.type_name;
        let made = match &self.inner.value {
            None => (String::new(), tn.clone()),
            Some(v) => v.with_own_gil(|b| Ok(describe(b, tn))).unwrap_or_else(|e| {
                (
                    format!("<the exception could not be read: {e}>"),
                    tn.clone(),
                )
            }),
        };
        let _ = self.inner.text.set(made);
        self.inner
            .text
            .get()
            .unwrap_or_else(|| unreachable!("the text was just set"))
    }
}

impl fmt::Debug for PyErr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PyErr")
            .field("type_name", &self.type_name())
            .field("message", &self.message())
            .finish_non_exhaustive()
    }
}

impl fmt::Display for PyErr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (message, traceback) = self.text();
        if traceback.is_empty() {
            if message.is_empty() {
                f.write_str(self.type_name())
            } else {
                write!(f, "{}: {}", self.type_name(), message)
            }
        } else {
            f.write_str(traceback.trim_end())
        }
    }
}

/// Everything that can go wrong: what went wrong is its [`kind`](Error::kind).
///
/// One pointer wide (the kind is boxed), so a `Result` of a small value is returned in
/// registers, and the code that checks one stays small: an error is rare, its allocation
/// paid only when there is one. Python's exception, if that is what happened, is
/// [`as_python`](Error::as_python).
///
/// `Debug` prints what `Display` does (the Python traceback, the list of places where Python
/// was looked for, ...), so `fn main() -> libpython::Result<()>` reports an error readably;
/// `{:#?}` shows the kind and its fields.
///
/// ```
/// use libpython::ErrorKind;
/// let e = libpython::eval("'x'")?.extract::<i64>().unwrap_err();
/// assert!(matches!(e.kind(), ErrorKind::Type { found, .. } if found == "str"));
/// let e = libpython::eval("1 / 0").unwrap_err();
/// assert_eq!(e.as_python().unwrap().type_name(), "ZeroDivisionError");
/// # Ok::<(), libpython::Error>(())
/// ```
#[derive(Clone)]
pub struct Error(Box<ErrorKind>);

/// What went wrong: an [`Error`]'s [`kind`](Error::kind).
///
/// ```
/// use libpython::ErrorKind;
/// let e = libpython::eval("1").unwrap().getattr("nope").unwrap_err();
/// match e.kind() {
///     ErrorKind::NoAttribute { type_name, name } => assert_eq!((&**type_name, &**name), ("int", "nope")),
///     other => panic!("{other:?}"),
/// }
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Python raised an exception.
    Python(PyErr),
    /// A Python object was not of the type a conversion or operation needed.
    Type {
        /// What was expected (`"int"`, `"str"`, `"a sequence"`, ...).
        expected: String,
        /// The Python type that came.
        found: String,
        /// Where in the converted structure: `""` for the object itself, `"[1][0]"` for item 0
        /// of item 1, `"['a']"` for the value at key `'a'`.
        path: String,
    },
    /// A number does not fit the target type.
    Overflow {
        /// The Rust type asked for.
        target: &'static str,
        /// The value, as Python prints it (shortened if huge).
        value: String,
        /// Where in the converted structure (as for [`ErrorKind::Type`]).
        path: String,
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
    /// A command line that [`PythonMain::from_args`](crate::PythonMain::from_args) cannot
    /// run, or a program that cannot be prepared; the text says what is wrong.
    CommandLine(String),
    /// The interpreter layer refused: not started, finalized (use after finalize), the wrong
    /// interpreter, an ended sub-interpreter, ...
    Interp(interp::Error),
    /// A Rust value shared with Python is locked where waiting for it could wait for ever:
    /// by this very thread (Python code that runs while it is held, a key's `__hash__` or a
    /// callback, tried to use it again), or by another thread that runs Python code under the
    /// lock (which may be waiting for this one). Python sees `RuntimeError`.
    Busy {
        /// What is in use (`"map"`, `"vector"`, `"container"`).
        what: &'static str,
        /// Whether another thread holds it (running Python code), rather than this one.
        other_thread: bool,
    },
}

impl Error {
    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.0
    }

    /// What went wrong, taken out of the error.
    pub fn into_kind(self) -> ErrorKind {
        *self.0
    }

    /// The Python exception, if this error is one.
    pub fn as_python(&self) -> Option<&PyErr> {
        match self.kind() {
            ErrorKind::Python(e) => Some(e),
            _ => None,
        }
    }

    /// A Rust-side conversion error ([`ErrorKind::Conversion`]) with this message: the error
    /// for a value a [`FromPython`](crate::FromPython) or [`ToPython`](crate::ToPython)
    /// implementation cannot convert.
    ///
    /// ```
    /// let e = libpython::Error::conversion("not a colour");
    /// assert_eq!(e.to_string(), "not a colour");
    /// ```
    #[cold]
    pub fn conversion(message: impl Into<String>) -> Self {
        Error::from(ErrorKind::Conversion(message.into()))
    }

    /// An [`ErrorKind::CommandLine`] with this message.
    #[cold]
    pub(crate) fn command_line(message: impl Into<String>) -> Self {
        Error::from(ErrorKind::CommandLine(message.into()))
    }

    pub(crate) fn type_error(expected: impl Into<String>, found: impl Into<String>) -> Self {
        Error::from(ErrorKind::Type {
            expected: expected.into(),
            found: found.into(),
            path: String::new(),
        })
    }

    pub(crate) fn overflow(target: &'static str, value: impl Into<String>) -> Self {
        Error::from(ErrorKind::Overflow {
            target,
            value: value.into(),
            path: String::new(),
        })
    }

    /// The same error one level further out in a converted structure: `segment` (`"[1]"`,
    /// `"['key']"`) is put in front of the path of a type or overflow error; other errors are
    /// returned unchanged.
    #[cold]
    pub(crate) fn at(mut self, segment: impl fmt::Display) -> Self {
        if let ErrorKind::Type { path, .. } | ErrorKind::Overflow { path, .. } = &mut *self.0 {
            *path = format!("{segment}{path}");
        }
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.kind(), f)
    }
}

impl fmt::Debug for Error {
    /// What `Display` prints; with `{:#?}`, the kind and its fields.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if f.alternate() {
            fmt::Debug::fmt(self.kind(), f)
        } else {
            fmt::Display::fmt(self.kind(), f)
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorKind::Python(e) => fmt::Display::fmt(e, f),
            ErrorKind::Type {
                expected,
                found,
                path,
            } => {
                if !path.is_empty() {
                    write!(f, "{path}: ")?;
                }
                write!(f, "expected {expected}, got a Python {found}")
            }
            ErrorKind::Overflow {
                target,
                value,
                path,
            } => {
                if !path.is_empty() {
                    write!(f, "{path}: ")?;
                }
                write!(f, "{value} does not fit in {target}")
            }
            ErrorKind::NotCallable { type_name } => {
                write!(f, "a Python {type_name} is not callable")
            }
            ErrorKind::NoAttribute { type_name, name } => {
                write!(f, "a Python {type_name} has no attribute {name:?}")
            }
            ErrorKind::Nul { what, value } => write!(f, "the {what} {value:?} contains a NUL byte"),
            ErrorKind::SelfReferential { type_name } => {
                write!(
                    f,
                    "the {type_name} contains itself, so it cannot be copied into Rust values"
                )
            }
            ErrorKind::Conversion(m) | ErrorKind::CommandLine(m) => f.write_str(m),
            ErrorKind::Interp(e) => fmt::Display::fmt(e, f),
            ErrorKind::Busy {
                what,
                other_thread: false,
            } => write!(
                f,
                "the Rust {what} is in use by this thread: Python code running while it is locked tried to use it again"
            ),
            ErrorKind::Busy {
                what,
                other_thread: true,
            } => write!(
                f,
                "the Rust {what} is locked by another thread that may run Python code under its lock (Rust code holding a guard, a key's __hash__ or __eq__, an item's __del__), which may be waiting for this one"
            ),
        }
    }
}

impl fmt::Debug for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorKind::Python(e) => f.debug_tuple("Python").field(e).finish(),
            ErrorKind::Type {
                expected,
                found,
                path,
            } => f
                .debug_struct("Type")
                .field("expected", expected)
                .field("found", found)
                .field("path", path)
                .finish(),
            ErrorKind::Overflow {
                target,
                value,
                path,
            } => f
                .debug_struct("Overflow")
                .field("target", target)
                .field("value", value)
                .field("path", path)
                .finish(),
            ErrorKind::NotCallable { type_name } => f
                .debug_struct("NotCallable")
                .field("type_name", type_name)
                .finish(),
            ErrorKind::NoAttribute { type_name, name } => f
                .debug_struct("NoAttribute")
                .field("type_name", type_name)
                .field("name", name)
                .finish(),
            ErrorKind::Nul { what, value } => f
                .debug_struct("Nul")
                .field("what", what)
                .field("value", value)
                .finish(),
            ErrorKind::SelfReferential { type_name } => f
                .debug_struct("SelfReferential")
                .field("type_name", type_name)
                .finish(),
            ErrorKind::Conversion(m) => f.debug_tuple("Conversion").field(m).finish(),
            ErrorKind::CommandLine(m) => f.debug_tuple("CommandLine").field(m).finish(),
            ErrorKind::Interp(e) => f.debug_tuple("Interp").field(e).finish(),
            ErrorKind::Busy { what, other_thread } => f
                .debug_struct("Busy")
                .field("what", what)
                .field("other_thread", other_thread)
                .finish(),
        }
    }
}

impl std::error::Error for Error {}

impl From<ErrorKind> for Error {
    #[cold]
    fn from(kind: ErrorKind) -> Self {
        Error(Box::new(kind))
    }
}

impl From<interp::Error> for Error {
    #[cold]
    fn from(e: interp::Error) -> Self {
        Error::from(ErrorKind::Interp(e))
    }
}

impl From<PyErr> for Error {
    #[cold]
    fn from(e: PyErr) -> Self {
        Error::from(ErrorKind::Python(e))
    }
}

/// Result with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Python's `RuntimeError(message)`, as an error to return.
pub(crate) fn runtime_error(py: Python<'_>, message: &str) -> Error {
    runtime_like(py, "RuntimeError", message)
}

/// Python's builtin exception `class(message)` (`RuntimeError`, `TypeError`, ...), as an error
/// to return; `RuntimeError` if `builtins` has no such exception class.
pub(crate) fn runtime_like(py: Python<'_>, class: &str, message: &str) -> Error {
    let cls = py.builtin(class).ok().filter(|c| {
        // SAFETY: live object, GIL held.
        unsafe { ffi::PyExceptionClass_Check(c.as_ptr()) }
    });
    let c = std::ffi::CString::new(message.replace('\0', "\\0")).unwrap_or_default();
    // SAFETY: the GIL is held (`py`); `cls` is a live exception class of this interpreter (or
    // the static `RuntimeError`); the exception is set and taken at once.
    unsafe {
        let cls = cls
            .as_ref()
            .map_or_else(|| *ffi::data::PyExc_RuntimeError(), |c| c.as_ptr());
        ffi::PyErr_SetString(cls, c.as_ptr());
        fetch(py)
    }
}

/// Takes the pending Python exception (there must be one) and turns it into an [`Error`].
///
/// # Safety
/// The GIL is held (`py`).
pub(crate) unsafe fn fetch(py: Python<'_>) -> Error {
    // SAFETY: the GIL is held; every reference taken is owned and released or wrapped.
    unsafe {
        let value = take_raised();
        if value.is_null() {
            return Error::from(PyErr::new(
                "SystemError".into(),
                "an operation failed without setting an exception".into(),
                String::new(),
            ));
        }
        Error::from(PyErr::from_object(py, Object::from_owned_ptr(py, value)))
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
        let (mut t, mut v, mut tb) = (
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
        );
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

/// Reads the message and traceback text of an exception object. Never fails: what cannot be
/// read is described as unreadable. Leaves no exception pending.
fn describe(v: &crate::Bound<'_>, type_name: &str) -> (String, String) {
    // Whatever exception was pending is not this error's; formatting needs a clean slate.
    let message = match v.str() {
        Ok(s) => s,
        Err(_) => format!("<exception str() failed for {type_name}>"),
    };
    let traceback = format_traceback(v).unwrap_or_else(|_| {
        if message.is_empty() {
            type_name.to_owned()
        } else {
            format!("{type_name}: {message}")
        }
    });
    // SAFETY: the GIL is held; formatting may have left an exception pending, which is not
    // this error's.
    unsafe { ffi::PyErr_Clear() };
    (message, traceback)
}

fn format_traceback(v: &crate::Bound<'_>) -> Result<String> {
    let py = v.py();
    let tb_mod = py.import("traceback")?;
    let tp = v.get_type()?;
    let tb = v.getattr("__traceback__")?;
    let lines = tb_mod.call_method("format_exception", (tp, v, tb))?;
    let text: Vec<String> = lines.extract()?;
    Ok(text.concat())
}

/// Sets `err` as the pending Python exception (for returning to Python from a callback).
///
/// # Safety
/// The GIL is held.
pub(crate) unsafe fn restore(py: Python<'_>, err: Error) {
    // SAFETY: the GIL is held.
    unsafe {
        match err.into_kind() {
            ErrorKind::Python(e)
                if e.inner
                    .value
                    .as_ref()
                    .is_some_and(|v| v.interpreter_key() != py.interpreter_key()) =>
            {
                raise_copy(py, &e);
            }
            ErrorKind::Python(e) if e.inner.value.is_some() => {
                let v = e
                    .inner
                    .value
                    .as_ref()
                    .expect("checked")
                    .clone_ref(py)
                    .into_ptr();
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
                    ErrorKind::Type { .. } | ErrorKind::NotCallable { .. } => {
                        *ffi::data::PyExc_TypeError()
                    }
                    ErrorKind::Overflow { .. } => *ffi::data::PyExc_OverflowError(),
                    ErrorKind::NoAttribute { .. } => *ffi::data::PyExc_AttributeError(),
                    ErrorKind::Nul { .. }
                    | ErrorKind::Conversion(_)
                    | ErrorKind::SelfReferential { .. } => *ffi::data::PyExc_ValueError(),
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

/// Raises, in `py`'s interpreter, a copy of an exception that belongs to another interpreter
/// or to a finalized runtime (its object must not enter this one): the builtin exception class
/// of the same name when there is one (`KeyError`, `ValueError`, ...), else `RuntimeError`,
/// with the original's type name and message.
///
/// # Safety
/// The GIL of `py`'s interpreter is held.
#[cold]
unsafe fn raise_copy(py: Python<'_>, e: &PyErr) {
    let builtin = py
        .builtins()
        .and_then(|b| b.getattr(e.type_name()))
        .ok()
        .filter(|c| {
            // SAFETY: live object, GIL held.
            unsafe { ffi::PyExceptionClass_Check(c.as_ptr()) }
        });
    let (cls, text) = match &builtin {
        Some(c) => (c.as_ptr(), e.message().to_owned()),
        None => {
            // SAFETY: the exception class is a static object of every interpreter.
            (
                unsafe { *ffi::data::PyExc_RuntimeError() },
                format!("{}: {}", e.type_name(), e.message()),
            )
        }
    };
    let c = std::ffi::CString::new(text.replace('\0', "\\0")).unwrap_or_default();
    // SAFETY: the GIL is held; `cls` is a live exception class of this interpreter.
    unsafe { ffi::PyErr_SetString(cls, c.as_ptr()) };
}
