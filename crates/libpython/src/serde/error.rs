//! Serde errors that say where in the data they happened (`$.field[3]['key']`).

use std::fmt::{self, Write as _};

use ::serde::de::{self};
use ::serde::ser;
use libpython_interp::ffi;

use crate::err::{Error, ErrorKind, Result};
use crate::gil::Python;
use crate::object::Bound;

use super::MAX_DEPTH;

/// serde's error type here: an [`Error`] and where it happened (innermost step first), boxed
/// so that the results passed up and down every level of the data stay one word wider than
/// their values.
#[derive(Debug)]
pub(crate) struct SerdeError(Box<Located>);

#[derive(Debug)]
struct Located {
    error: Error,
    path: Vec<String>,
}

impl SerdeError {
    /// Adds the step `step` (`[3]`, `.name`) in front of the path.
    pub(crate) fn at(mut self, step: impl FnOnce() -> String) -> Self {
        if !matches!(self.0.error.kind(), ErrorKind::Interp(_)) {
            self.0.path.push(step());
        }
        self
    }

    pub(crate) fn into_error(self) -> Error {
        let Located { error, path } = *self.0;
        let message = match error.into_kind() {
            ErrorKind::Interp(e) => return Error::from(e),
            ErrorKind::Conversion(m) => m,
            ErrorKind::Python(p) => format!("{}: {}", p.type_name(), p.message()),
            other => other.to_string(),
        };
        if path.is_empty() {
            return Error::conversion(message);
        }
        // Outermost step first; a very long path keeps its two ends.
        let steps: Vec<&str> = path.iter().rev().map(String::as_str).collect();
        let mut path = String::from("$");
        if steps.len() > 24 {
            path.extend(steps[..12].iter().copied());
            let _ = write!(path, "...({} steps)...", steps.len() - 24);
            path.extend(steps[steps.len() - 12..].iter().copied());
        } else {
            path.extend(steps);
        }
        Error::conversion(format!("{path}: {message}"))
    }
}

impl From<Error> for SerdeError {
    #[cold]
    fn from(error: Error) -> Self {
        SerdeError(Box::new(Located {
            error,
            path: Vec::new(),
        }))
    }
}

impl fmt::Display for SerdeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0.error, f)
    }
}

impl std::error::Error for SerdeError {}

impl ser::Error for SerdeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error::conversion(msg.to_string()).into()
    }
}

impl de::Error for SerdeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error::conversion(msg.to_string()).into()
    }
}

pub(crate) fn too_deep() -> SerdeError {
    Error::conversion(format!("the data nests more than {MAX_DEPTH} levels deep")).into()
}

/// Whether one more level of nesting is refused: past [`MAX_DEPTH`], or when this thread's
/// stack is nearly exhausted (a thread Python started with a small `threading.stack_size`
/// has less room than the limit assumes).
#[inline(always)]
pub(crate) fn nesting_refused(depth: usize) -> Option<SerdeError> {
    if depth >= MAX_DEPTH {
        return Some(too_deep());
    }
    if libpython_interp::gil::stack_nearly_exhausted() {
        return Some(stack_nearly_exhausted());
    }
    None
}

#[cold]
#[inline(never)]
fn stack_nearly_exhausted() -> SerdeError {
    Error::conversion("the data nests too deep for this thread's stack, which is nearly exhausted")
        .into()
}

/// `repr(key)`, shortened, for messages.
pub(crate) fn key_repr(key: &Bound<'_>) -> String {
    let r = key.repr().unwrap_or_else(|_| "?".into());
    if r.chars().count() > 60 {
        r.chars().take(57).collect::<String>() + "..."
    } else {
        r
    }
}

/// A path step for a dict key: `.name` for an identifier-like str, else `[repr(key)]`.
pub(crate) fn key_step(key: &Bound<'_>) -> String {
    // SAFETY: live object, GIL held.
    if unsafe { ffi::PyUnicode_CheckExact(key.as_ptr()) }
        && let Ok(s) = crate::conversion::str_to_string(key)
        && is_identifier(&s)
    {
        return format!(".{s}");
    }
    format!("[{}]", key_repr(key))
}

/// The path step of a dict key that is the str `text` (as [`key_step`] writes it).
pub(crate) fn text_step(text: &str) -> String {
    if is_identifier(text) {
        format!(".{text}")
    } else if text
        .chars()
        .all(|c| c != '\'' && c != '\\' && !c.is_control())
    {
        // As Python's `repr` writes such a str.
        format!("['{text}']")
    } else {
        format!("[{text:?}]")
    }
}

/// Whether `s` reads as a name in a path (`.name`).
fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_')
}

#[inline(always)]
pub(crate) fn new_ref(py: Python<'_>, p: *mut ffi::PyObject) -> Result<Bound<'_>, SerdeError> {
    // SAFETY: `p` is the result of a C-API call made just before under `py`'s GIL: a new
    // reference or NULL with an exception set.
    unsafe { Bound::from_owned_ptr_or_err(py, p) }.map_err(SerdeError::from)
}
