//! [`Args`]: the arguments of a call from Python into a Rust function.

use libpython_interp::ffi;

use crate::conversion::{FromPython, SEALED};
use crate::err::{Error, ErrorKind, Result};
use crate::gil::Python;
use crate::object::{Borrowed, Object};

/// The arguments of a call from Python into a Rust function: positional arguments and
/// keyword arguments, borrowed from the caller (nothing is copied or allocated).
pub struct Args<'py> {
    py: Python<'py>,
    args: *const *mut ffi::PyObject,
    nargs: usize,
    kwnames: *mut ffi::PyObject,
}

impl std::fmt::Debug for Args<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Args")
            .field("positional", &self.nargs)
            .field("keywords", &self.kw_len())
            .finish()
    }
}

impl<'py> Args<'py> {
    /// The arguments of a vectorcall-convention call.
    ///
    /// # Safety
    /// The GIL of `py`'s interpreter is held; `args` holds `nargs` live positional arguments
    /// followed by one value per name in `kwnames` (NULL or a tuple of `str`), all kept alive
    /// by the caller for `'py`.
    #[inline(always)]
    pub(crate) unsafe fn from_vectorcall(
        py: Python<'py>,
        args: *const *mut ffi::PyObject,
        nargs: ffi::Py_ssize_t,
        kwnames: *mut ffi::PyObject,
    ) -> Args<'py> {
        Args {
            py,
            args,
            nargs: nargs.max(0) as usize,
            kwnames,
        }
    }

    /// The GIL token of the call.
    #[inline]
    pub fn py(&self) -> Python<'py> {
        self.py
    }

    /// Number of positional arguments.
    #[inline]
    pub fn len(&self) -> usize {
        self.nargs
    }

    /// Whether there are no positional arguments.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.nargs == 0
    }

    /// Positional argument `i`.
    #[inline]
    pub fn get(&self, i: usize) -> Option<Borrowed<'py, 'py>> {
        // SAFETY: `args` holds `nargs` live borrowed references for the duration of the call
        // (`'py`).
        (i < self.nargs).then(|| unsafe { Borrowed::from_ptr(self.py, *self.args.add(i)) })
    }

    /// Positional argument `i` converted to `T`.
    ///
    /// # Errors
    /// A `TypeError`-like [`ErrorKind::Type`] naming the argument when it is missing or of the
    /// wrong type.
    #[inline(always)]
    pub fn extract<T: FromPython>(&self, i: usize) -> Result<T> {
        let Some(b) = self.get(i) else {
            return Err(missing_argument(i, self.nargs));
        };
        // The exact types' own path first: its result holds no error, so the common case
        // returns without a trip through `Result`'s general form.
        if let Some(v) = T::from_python_exact(&b, SEALED) {
            return Ok(v);
        }
        T::from_python(&b).map_err(|e| argument_error(e, i))
    }

    fn kw_len(&self) -> usize {
        if self.kwnames.is_null() {
            0
        } else {
            // SAFETY: a live tuple for the duration of the call.
            unsafe { ffi::PyTuple_Size(self.kwnames) as usize }
        }
    }

    /// The keyword argument `name`, if given.
    pub fn kwarg(&self, name: &str) -> Option<Borrowed<'py, 'py>> {
        self.kwargs().find(|(k, _)| k == name).map(|(_, v)| v)
    }

    /// Keyword argument `name` converted to `T`, `None` when not given.
    pub fn kwarg_as<T: FromPython>(&self, name: &str) -> Result<Option<T>> {
        self.kwarg(name).map(|v| T::from_python(&v)).transpose()
    }

    /// Every keyword argument, in call order.
    pub fn kwargs(&self) -> impl Iterator<Item = (String, Borrowed<'py, 'py>)> + '_ {
        (0..self.kw_len()).map(move |i| {
            // SAFETY: the names tuple holds `kw_len` live strs, and their values follow the
            // positional arguments in `args`.
            unsafe {
                let k = Borrowed::from_ptr(
                    self.py,
                    ffi::PyTuple_GetItem(self.kwnames, i as ffi::Py_ssize_t),
                );
                let v = Borrowed::from_ptr(self.py, *self.args.add(self.nargs + i));
                (crate::conversion::str_to_string(&k).unwrap_or_default(), v)
            }
        })
    }
}

/// The error of a positional argument `i` that did not convert: a type error names the
/// argument.
#[cold]
#[inline(never)]
fn argument_error(e: Error, i: usize) -> Error {
    match e.into_kind() {
        ErrorKind::Type {
            expected,
            found,
            path,
        } => Error::from(ErrorKind::Type {
            expected: format!("{expected} for argument {}", i + 1),
            found,
            path,
        }),
        other => Error::from(other),
    }
}

/// The error of a missing positional argument `i` when `given` were passed.
#[cold]
#[inline(never)]
fn missing_argument(i: usize, given: usize) -> Error {
    Error::type_error(
        format!("at least {} positional argument(s)", i + 1),
        format!("{given} given"),
    )
}

/// Calls `f` with the arguments of a classic `tp_call` (a tuple and an optional dict),
/// arranged as vectorcall-style [`Args`].
///
/// # Safety
/// The GIL is held; `args` is a tuple and `kwargs` NULL or a dict.
pub(crate) unsafe fn with_tuple_args<R>(
    py: Python<'_>,
    args: *mut ffi::PyObject,
    kwargs: *mut ffi::PyObject,
    f: impl FnOnce(&Args<'_>) -> Result<R>,
) -> Result<R> {
    // SAFETY: see the function's contract. The positional items are borrowed from `args`, a
    // tuple (immutable) that the caller holds for the call. The keyword names and values are
    // owned here (`PyDict_Items` copies the pairs): the caller's dict may be changed or
    // cleared by Python code the callee runs, which must not free a value it still reads.
    unsafe {
        let n = ffi::PyTuple_Size(args) as usize;
        let mut argv: Vec<*mut ffi::PyObject> = (0..n)
            .map(|i| ffi::PyTuple_GetItem(args, i as ffi::Py_ssize_t))
            .collect();
        let mut names = None;
        let mut values: Vec<Object> = Vec::new();
        if !kwargs.is_null() && ffi::PyDict_Size(kwargs) > 0 {
            let items = Object::from_owned_ptr_or_err(py, ffi::PyDict_Items(kwargs))?;
            let m = ffi::PyList_Size(items.as_ptr());
            let tuple = Object::from_owned_ptr_or_err(py, ffi::PyTuple_New(m))?;
            for i in 0..m {
                // Each pair is a tuple of the new list, which only this function holds.
                let pair = ffi::PyList_GetItem(items.as_ptr(), i);
                let k = ffi::PyTuple_GetItem(pair, 0);
                let v = ffi::PyTuple_GetItem(pair, 1);
                ffi::Py_INCREF(k);
                ffi::PyTuple_SetItem(tuple.as_ptr(), i, k);
                values.push(Object::from_borrowed_ptr(py, v));
            }
            argv.extend(values.iter().map(Object::as_ptr));
            names = Some(tuple);
        }
        let a = Args {
            py,
            args: argv.as_ptr(),
            nargs: n,
            kwnames: names.as_ref().map_or(std::ptr::null_mut(), Object::as_ptr),
        };
        f(&a)
    }
}
