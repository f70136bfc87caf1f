//! Attribute and method names: Rust strings, converted on each use, or names interned once per
//! interpreter by [`intern!`](crate::intern!).

use std::ffi::CString;

use libpython_interp::{PerInterpreter, ffi};

use crate::err::{Error, ErrorKind, Result};
use crate::gil::Python;
use crate::object::Object;

/// A name for [`getattr`](crate::Object::getattr), [`call_method`](crate::Object::call_method)
/// and the other methods that look something up by name: a `&str` / `String` (a Python `str`
/// is made for each call) or an [`Interned`] name from [`intern!`](crate::intern!) (made once
/// per interpreter, then free).
///
/// ```
/// use libpython::intern;
/// let s = libpython::eval("'abc'")?;
/// let a: String = s.call_method("upper", ())?.extract()?;
/// let b: String = s.call_method(intern!("upper"), ())?.extract()?;
/// assert_eq!(a, b);
/// # Ok::<(), libpython::Error>(())
/// ```
///
/// The trait is sealed: the lookups trust the `str` object its implementations hand them, so
/// only this crate implements it (for the types above).
pub trait IntoName: sealed::Sealed {
    /// The name's text, for error messages (and the `str` made for each call).
    #[doc(hidden)]
    fn text(&self) -> &str;

    /// The name's interned `str`, for a name that has one.
    #[doc(hidden)]
    #[inline(always)]
    fn interned(&self) -> Option<&'static Interned> {
        None
    }

    /// Runs `f` with a borrowed `str` object holding the name: the interned one, else one
    /// made from the text for this call. `what` names the role of the name in errors
    /// ("attribute name").
    #[doc(hidden)]
    #[inline(always)]
    fn with_name<R>(
        &self,
        py: Python<'_>,
        what: &'static str,
        f: impl FnOnce(*mut ffi::PyObject) -> Result<R>,
    ) -> Result<R> {
        match self.interned() {
            Some(name) => f(name.str_ptr(py, what)?),
            None => {
                let n = crate::conversion::name_object(py, self.text(), what)?;
                f(n.as_ptr())
            }
        }
    }
}

/// Keeps [`IntoName`] to this crate's implementations.
mod sealed {
    pub trait Sealed {}
    impl Sealed for &'static super::Interned {}
}

/// Rust strings name the `str` of their text.
macro_rules! string_names {
    ($($t:ty),*) => {$(
        impl sealed::Sealed for $t {}

        impl IntoName for $t {
            fn text(&self) -> &str {
                self
            }
        }
    )*};
}

string_names!(&str, &String, String);

impl IntoName for &'static Interned {
    fn text(&self) -> &str {
        self.text
    }

    #[inline(always)]
    fn interned(&self) -> Option<&'static Interned> {
        Some(self)
    }
}

/// An interned `str` of `text`, a new reference.
fn intern_str(py: Python<'_>, text: &str, what: &'static str) -> Result<Object> {
    let c = CString::new(text).map_err(|_| {
        Error::from(ErrorKind::Nul {
            what,
            value: text.to_owned(),
        })
    })?;
    // SAFETY: a NUL-terminated string; the GIL of `py`'s interpreter is held; the result is a
    // new reference or NULL with an exception set.
    unsafe { Object::from_owned_ptr_or_err(py, ffi::PyUnicode_InternFromString(c.as_ptr())) }
}

/// A name interned once per interpreter: the static behind an [`intern!`](crate::intern!)
/// call site (each interpreter's `str` is kept by a [`PerInterpreter`] cache).
#[derive(Debug)]
pub struct Interned {
    text: &'static str,
    cache: PerInterpreter,
}

impl Interned {
    /// A name for `text`, interned at first use. Used by [`intern!`](crate::intern!).
    #[doc(hidden)]
    pub const fn new(text: &'static str) -> Interned {
        Interned {
            text,
            cache: PerInterpreter::new(),
        }
    }

    /// The name's text.
    pub fn text(&self) -> &'static str {
        self.text
    }

    /// The interned `str` of `py`'s interpreter, borrowed (alive until the interpreter ends);
    /// `what` names the name's role in errors.
    #[inline(always)]
    pub(crate) fn str_ptr(
        &'static self,
        py: Python<'_>,
        what: &'static str,
    ) -> Result<*mut ffi::PyObject> {
        // The `?` stays in the slow arm: the hot path merges a pointer only.
        let p = match self.cache.get_main(py.interpreter_key()) {
            Some(p) => p,
            None => self.get_slow(py, what)?,
        };
        Ok(p)
    }

    /// The interned `str` of `py`'s interpreter, borrowed (alive until the interpreter ends):
    /// the path past the main interpreter's cached one (a sub-interpreter's, or the first use).
    #[cold]
    #[inline(never)]
    fn get_slow(&'static self, py: Python<'_>, what: &'static str) -> Result<*mut ffi::PyObject> {
        if let Some(p) = self.cache.get(py.interpreter_key()) {
            return Ok(p);
        }
        // SAFETY: `py` holds its interpreter's GIL; the name is a new reference of it.
        unsafe {
            self.cache.get_or_make(py.interpreter_key(), || {
                intern_str(py, self.text, what).map(Object::into_ptr)
            })
        }
    }
}

/// The keyword names of a [`call!`](crate::call!) / [`call_attr!`](crate::call_attr!) site, as
/// the `tuple` of interned names vectorcall takes, made once per interpreter (cached as
/// [`Interned`] names are).
#[doc(hidden)]
#[derive(Debug)]
pub struct KwNames {
    names: &'static [&'static str],
    cache: PerInterpreter,
}

impl KwNames {
    /// The names of one call site.
    pub const fn new(names: &'static [&'static str]) -> KwNames {
        KwNames {
            names,
            cache: PerInterpreter::new(),
        }
    }

    /// The tuple of `py`'s interpreter, borrowed (alive until the interpreter ends).
    #[inline(always)]
    pub(crate) fn get(&'static self, py: Python<'_>) -> Result<*mut ffi::PyObject> {
        // The `?` stays in the slow arm: the hot path merges a pointer only.
        let p = match self.cache.get_main(py.interpreter_key()) {
            Some(p) => p,
            None => self.get_slow(py)?,
        };
        Ok(p)
    }

    #[cold]
    #[inline(never)]
    fn get_slow(&'static self, py: Python<'_>) -> Result<*mut ffi::PyObject> {
        if let Some(p) = self.cache.get(py.interpreter_key()) {
            return Ok(p);
        }
        let make = || {
            let t = crate::conversion::Filling::tuple(py, self.names.len() as ffi::Py_ssize_t)?;
            for (i, n) in self.names.iter().enumerate() {
                // `call!(f, r#match = 1)` names the keyword `match`: the raw-identifier prefix
                // that `stringify!` keeps is Rust's, not part of the name.
                let n = n.strip_prefix("r#").unwrap_or(n);
                let s = intern_str(py, n, "keyword argument name")?;
                // SAFETY: the tuple is new and unshared; SetItem steals the name's reference.
                unsafe { ffi::PyTuple_SetItem(t.as_ptr(), i as ffi::Py_ssize_t, s.into_ptr()) };
            }
            Ok(t.finish().into_ptr())
        };
        // SAFETY: `py` holds its interpreter's GIL; the tuple is a new reference of it.
        unsafe { self.cache.get_or_make(py.interpreter_key(), make) }
    }
}

/// A name interned once per interpreter, for hot attribute lookups and method calls: the
/// first use makes the `str` (as `sys.intern` would), later uses cost one comparison.
///
/// ```
/// use libpython::intern;
/// let p = libpython::eval("complex(3, 4)")?;
/// let re: f64 = p.getattr(intern!("real"))?.extract()?;
/// assert_eq!(re, 3.0);
/// # Ok::<(), libpython::Error>(())
/// ```
#[macro_export]
macro_rules! intern {
    ($text:expr) => {{
        static NAME: $crate::Interned = $crate::Interned::new($text);
        &NAME
    }};
}
