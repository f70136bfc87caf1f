//! Attribute and method names: Rust strings, converted on each use, or names interned once per
//! interpreter by [`intern!`](crate::intern!).

use std::ffi::CString;
use std::sync::atomic::{AtomicPtr, AtomicU64, Ordering};

use libpython_interp as interp;
use libpython_interp::ffi;

use crate::err::{Error, Result};
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
pub trait IntoName {
    /// Runs `f` with a borrowed `str` object holding the name. `what` names the role of the
    /// name in errors ("attribute name").
    #[doc(hidden)]
    fn with_name<R>(&self, py: Python<'_>, what: &'static str, f: impl FnOnce(*mut ffi::PyObject) -> Result<R>) -> Result<R>;

    /// The name's text, for error messages.
    #[doc(hidden)]
    fn text(&self) -> &str;
}

impl IntoName for &str {
    #[inline]
    fn with_name<R>(&self, py: Python<'_>, what: &'static str, f: impl FnOnce(*mut ffi::PyObject) -> Result<R>) -> Result<R> {
        let n = crate::conversion::name_object(py, self, what)?;
        f(n.as_ptr())
    }

    fn text(&self) -> &str {
        self
    }
}

impl IntoName for &String {
    #[inline]
    fn with_name<R>(&self, py: Python<'_>, what: &'static str, f: impl FnOnce(*mut ffi::PyObject) -> Result<R>) -> Result<R> {
        self.as_str().with_name(py, what, f)
    }

    fn text(&self) -> &str {
        self
    }
}

impl IntoName for String {
    #[inline]
    fn with_name<R>(&self, py: Python<'_>, what: &'static str, f: impl FnOnce(*mut ffi::PyObject) -> Result<R>) -> Result<R> {
        self.as_str().with_name(py, what, f)
    }

    fn text(&self) -> &str {
        self
    }
}

impl IntoName for &'static Interned {
    #[inline(always)]
    fn with_name<R>(&self, py: Python<'_>, what: &'static str, f: impl FnOnce(*mut ffi::PyObject) -> Result<R>) -> Result<R> {
        f(Interned::get(self, py, what)?)
    }

    fn text(&self) -> &str {
        self.text
    }
}

/// An object made once per interpreter for one static (an [`intern!`](crate::intern!) or
/// call site): the main interpreter's is kept in the static itself, found with one
/// comparison; sub-interpreters keep theirs in their own state, released when they end.
#[derive(Debug)]
struct SiteCache {
    /// Key bits of the interpreter `ptr` belongs to (the main one of the runtime that made
    /// it); 0 until then.
    key: AtomicU64,
    ptr: AtomicPtr<ffi::PyObject>,
}

impl SiteCache {
    const fn new() -> SiteCache {
        SiteCache { key: AtomicU64::new(0), ptr: AtomicPtr::new(std::ptr::null_mut()) }
    }

    /// The main interpreter's object when `py` is for it and it is made: borrowed, alive
    /// until the runtime is finalized, which cannot happen while `py` exists.
    #[inline(always)]
    fn hit(&self, py: Python<'_>) -> Option<*mut ffi::PyObject> {
        // The key is stored after the pointer (release) by a thread holding the main GIL, and
        // read here (acquire) by a thread holding the GIL named by `py`: when they match, the
        // pointer is the one stored with that key.
        (self.key.load(Ordering::Acquire) == py.interpreter_key().to_bits()).then(|| self.ptr.load(Ordering::Relaxed))
    }

    /// The object of `py`'s interpreter when [`hit`](Self::hit) has none, made by `make` the
    /// first time; borrowed, alive until the interpreter ends (or the runtime is finalized),
    /// which cannot happen while `py` exists.
    fn get_slow(&'static self, py: Python<'_>, make: impl FnOnce() -> Result<Object>) -> Result<*mut ffi::PyObject> {
        let key = py.interpreter_key();
        let state = interp::lookup(key).ok_or(Error::Interp(interp::Error::InterpreterEnded))?;
        let site = self as *const SiteCache as usize;
        if !key.is_main()
            && let Some(p) = state.interned_name(site)
        {
            return Ok(p);
        }
        let owned = make()?;
        if key.is_main() {
            // Kept by the static for the life of this runtime (never released: after a
            // finalize the key no longer matches and the pointer is never read again).
            let p = owned.into_ptr();
            self.ptr.store(p, Ordering::Relaxed);
            self.key.store(key.to_bits(), Ordering::Release);
            return Ok(p);
        }
        // SAFETY: an owned reference of this interpreter (made under `py`), handed to its state
        // (released when it ends); if another thread stored one first, ours is released by
        // `owned`'s drop.
        match unsafe { state.set_interned_name(site, owned.as_ptr()) } {
            Ok(()) => Ok(owned.into_ptr()),
            Err(theirs) => Ok(theirs),
        }
    }
}

/// An interned `str` of `text`, a new reference.
fn intern_str(py: Python<'_>, text: &str, what: &'static str) -> Result<Object> {
    let c = CString::new(text).map_err(|_| Error::Nul { what, value: text.to_owned() })?;
    // SAFETY: a NUL-terminated string; the GIL of `py`'s interpreter is held; the result is a
    // new reference or NULL with an exception set.
    unsafe { Object::from_owned_ptr_or_err(py, ffi::PyUnicode_InternFromString(c.as_ptr())) }
}

/// A name interned once per interpreter: the static behind an [`intern!`](crate::intern!)
/// call site (see `SiteCache` for where each interpreter's `str` is kept).
#[derive(Debug)]
pub struct Interned {
    text: &'static str,
    cache: SiteCache,
}

impl Interned {
    /// A name for `text`, interned at first use. Used by [`intern!`](crate::intern!).
    #[doc(hidden)]
    pub const fn new(text: &'static str) -> Interned {
        Interned { text, cache: SiteCache::new() }
    }

    /// The name's text.
    pub fn text(&self) -> &'static str {
        self.text
    }

    /// The interned `str` of `py`'s interpreter, borrowed (alive until the interpreter ends).
    #[inline(always)]
    fn get(&'static self, py: Python<'_>, what: &'static str) -> Result<*mut ffi::PyObject> {
        match self.cache.hit(py) {
            Some(p) => Ok(p),
            None => self.get_slow(py, what),
        }
    }

    #[cold]
    fn get_slow(&'static self, py: Python<'_>, what: &'static str) -> Result<*mut ffi::PyObject> {
        self.cache.get_slow(py, || intern_str(py, self.text, what))
    }
}

/// The keyword names of a [`call!`](crate::call!) / [`call_attr!`](crate::call_attr!) site, as
/// the `tuple` of interned names vectorcall takes, made once per interpreter (cached as
/// [`Interned`] names are).
#[doc(hidden)]
#[derive(Debug)]
pub struct KwNames {
    names: &'static [&'static str],
    cache: SiteCache,
}

impl KwNames {
    /// The names of one call site.
    pub const fn new(names: &'static [&'static str]) -> KwNames {
        KwNames { names, cache: SiteCache::new() }
    }

    /// The tuple of `py`'s interpreter, borrowed (alive until the interpreter ends).
    #[inline(always)]
    pub(crate) fn get(&'static self, py: Python<'_>) -> Result<*mut ffi::PyObject> {
        match self.cache.hit(py) {
            Some(p) => Ok(p),
            None => self.get_slow(py),
        }
    }

    #[cold]
    fn get_slow(&'static self, py: Python<'_>) -> Result<*mut ffi::PyObject> {
        self.cache.get_slow(py, || {
            // SAFETY: GIL held; the tuple is filled below before use.
            let t = unsafe { Object::from_owned_ptr_or_err(py, ffi::PyTuple_New(self.names.len() as ffi::Py_ssize_t))? };
            for (i, n) in self.names.iter().enumerate() {
                // `call!(f, r#match = 1)` names the keyword `match`: the raw-identifier prefix
                // that `stringify!` keeps is Rust's, not part of the name.
                let n = n.strip_prefix("r#").unwrap_or(n);
                let s = intern_str(py, n, "keyword argument name")?;
                // SAFETY: the tuple is new and unshared; SetItem steals the name's reference.
                unsafe { ffi::PyTuple_SetItem(t.as_ptr(), i as ffi::Py_ssize_t, s.into_ptr()) };
            }
            Ok(t)
        })
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
