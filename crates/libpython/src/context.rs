//! Python context managers driven from Rust: the `with` statement ([`Bound::with_context`],
//! [`Object::with_context`]).

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};

use libpython_interp::ffi;

use crate::err::{Error, ErrorKind, Result, fetch, restore, runtime_like};
use crate::gil::Python;
use crate::object::{Bound, Object};

/// What the body of a `with` did: returned a value, returned an error, or panicked.
type Outcome<R> = std::result::Result<Result<R>, Box<dyn Any + Send>>;

impl<'py> Bound<'py> {
    /// Python's `with obj as entered: ...` with a Rust closure as the body (libpython-clj's
    /// `with`): calls `obj.__enter__()`, runs `body` with what it returned, then calls
    /// `obj.__exit__(...)`, whatever happens in `body`.
    ///
    /// - `body` returns `Ok(r)`: `__exit__(None, None, None)`, then `Ok(Some(r))`.
    /// - `body` returns `Err(e)`: `e` as a Python exception (a Python error as itself, any
    ///   other [`Error`] as the exception it becomes when a callback returns it) is passed to
    ///   `__exit__(type, value, traceback)`. If `__exit__` returns a true value it swallows the
    ///   error, as in Python: the result is `Ok(None)`, since the body produced no value.
    ///   Otherwise the result is `Err(e)`, the error as `body` returned it.
    /// - `body` panics: `__exit__` gets a `RustPanic` exception (so a transaction rolls back,
    ///   a file is closed), then the panic resumes; `__exit__` cannot swallow a panic, and an
    ///   exception it raises then is reported as unraisable.
    /// - `__exit__` raises: that exception is the result, with the body's exception as its
    ///   `__context__`, as Python chains them.
    ///
    /// `__enter__` and `__exit__` are looked up on the type, as the `with` statement does. The
    /// GIL stays held for the whole call (`body` gets a `Bound`); [`Object::with_context`]
    /// runs the body without holding it.
    ///
    /// ```
    /// libpython::attach(|py| {
    ///     let lock = py.import("threading")?.call_method("Lock", ())?;
    ///     let inside = lock.with_context(|_| lock.call_method("locked", ())?.extract::<bool>())?;
    ///     assert_eq!(inside, Some(true));
    ///     assert!(!lock.call_method("locked", ())?.extract::<bool>()?);
    ///
    ///     // `contextlib.suppress` swallows the error: no value came out of the body.
    ///     let zero_division = py.builtin("ZeroDivisionError")?;
    ///     let suppress = py.import("contextlib")?.call_method("suppress", (zero_division,))?;
    ///     let r = suppress.with_context(|_| py.eval("1 / 0").map(drop))?;
    ///     assert_eq!(r, None);
    ///     Ok(())
    /// })?;
    /// # Ok::<(), libpython::Error>(())
    /// ```
    ///
    /// # Errors
    /// `TypeError` when the object is no context manager; the exception `__enter__` or
    /// `__exit__` raised; the body's error when `__exit__` does not swallow it.
    pub fn with_context<R>(
        &self,
        body: impl FnOnce(&Bound<'py>) -> Result<R>,
    ) -> Result<Option<R>> {
        let py = self.py();
        let (enter, exit) = protocol(self)?;
        let entered = enter.call0()?;
        let outcome = catch_unwind(AssertUnwindSafe(|| body(&entered)));
        drop(entered);
        finish(py, &exit, outcome)
    }
}

impl Object {
    /// Python's `with obj as entered: ...` with a Rust closure as the body, as
    /// [`Bound::with_context`] (see there for errors, suppression and panics), with the GIL
    /// taken for `__enter__` and `__exit__` only: `body` gets the entered value as an
    /// [`Object`] and runs like any Rust code (each use of an `Object` takes the GIL).
    ///
    /// ```
    /// let dir = std::env::temp_dir().join(format!("libpython-with-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir).unwrap();
    /// let path = dir.join("notes.txt");
    /// let f = libpython::builtin("open")?.call((path.to_str().unwrap(), "w"))?;
    /// f.with_context(|f| f.call_method("write", ("hello\n",)))?;
    /// // The file was closed by __exit__.
    /// assert!(f.getattr("closed")?.extract::<bool>()?);
    /// assert_eq!(std::fs::read_to_string(&path).unwrap(), "hello\n");
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// # Ok::<(), libpython::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`Bound::with_context`]; [`ErrorKind::Interp`] when the object's interpreter cannot be
    /// entered.
    pub fn with_context<R>(&self, body: impl FnOnce(&Object) -> Result<R>) -> Result<Option<R>> {
        let (entered, exit) = self.with(|b| {
            let (enter, exit) = protocol(b)?;
            Ok((enter.call0()?.unbind(), exit.unbind()))
        })?;
        let mut outcome = Some(catch_unwind(AssertUnwindSafe(|| body(&entered))));
        drop(entered);
        let r = exit.with(|exit| match outcome.take() {
            Some(outcome) => finish(exit.py(), exit, outcome),
            None => Ok(None),
        });
        // The GIL could not be taken for `__exit__` (Python was finalized meanwhile): a panic
        // of the body still resumes.
        if let Some(Err(panic)) = outcome {
            resume_unwind(panic);
        }
        r
    }
}

/// `type(obj).__enter__` and `type(obj).__exit__`, bound to `obj`, as the `with` statement
/// finds them (on the type, through its MRO, with descriptors applied).
fn protocol<'py>(obj: &Bound<'py>) -> Result<(Bound<'py>, Bound<'py>)> {
    let enter = lookup_special(obj, "__enter__")?;
    let exit = lookup_special(obj, "__exit__")?;
    match (enter, exit) {
        (Some(enter), Some(exit)) => Ok((enter, exit)),
        (enter, _) => {
            let missing = if enter.is_none() {
                ""
            } else {
                " (no __exit__ method)"
            };
            let type_name = obj.type_name()?;
            Err(runtime_like(
                obj.py(),
                "TypeError",
                &format!(
                    "'{type_name}' object does not support the context manager protocol{missing}"
                ),
            ))
        }
    }
}

/// The special method `name` of `obj`: looked up in the dicts of its type's MRO (not on the
/// instance), and bound through the descriptor protocol, as CPython's own lookup does.
fn lookup_special<'py>(obj: &Bound<'py>, name: &str) -> Result<Option<Bound<'py>>> {
    let tp = obj.get_type()?;
    for base in tp.getattr("__mro__")?.try_iter()? {
        let dict = base?.getattr("__dict__")?;
        if !dict.contains(name)? {
            continue;
        }
        let attr = dict.get_item(name)?;
        let attr_type = attr.get_type()?;
        if attr_type.hasattr("__get__")? {
            return Ok(Some(attr_type.getattr("__get__")?.call((&attr, obj, &tp))?));
        }
        return Ok(Some(attr));
    }
    Ok(None)
}

/// Calls `__exit__` for the outcome of the body and decides the result (see
/// [`Bound::with_context`]); a panic resumes after `__exit__`.
fn finish<R>(py: Python<'_>, exit: &Bound<'_>, outcome: Outcome<R>) -> Result<Option<R>> {
    match outcome {
        Ok(Ok(r)) => {
            let none = py.none();
            exit.call((&none, &none, &none))?;
            Ok(Some(r))
        }
        Ok(Err(e)) => {
            let exc = exception_of(py, &e)?;
            match call_exit(exit, &exc) {
                Ok(suppressed) if suppressed.is_truthy()? => Ok(None),
                Ok(_) => Err(e),
                Err(raised) => Err(chained(py, raised, &exc)),
            }
        }
        Err(panic) => {
            let msg = crate::function::panic_message(&panic);
            // SAFETY: the GIL is held (`py`); the exception is set and taken at once.
            let exc = match unsafe {
                crate::function::raise_panic(&msg);
                fetch(py)
            }
            .into_kind()
            {
                ErrorKind::Python(p) => p.value().map(|v| v.clone_ref(py)),
                _ => None,
            };
            if let Some(exc) = exc {
                let exc = exc.into_bound(py)?;
                if let Err(raised) = call_exit(exit, &exc) {
                    // SAFETY: the GIL is held; the error is set, then reported and cleared.
                    unsafe {
                        restore(py, raised);
                        ffi::PyErr_WriteUnraisable(exit.as_ptr());
                    }
                }
            }
            resume_unwind(panic)
        }
    }
}

/// `__exit__(type(exc), exc, exc.__traceback__)`.
fn call_exit<'py>(exit: &Bound<'py>, exc: &Bound<'py>) -> Result<Bound<'py>> {
    exit.call((exc.get_type()?, exc, exc.getattr("__traceback__")?))
}

/// The exception object Python code sees for `e`: a Python error's own exception, any other
/// error as the exception a callback returning it raises.
fn exception_of<'py>(py: Python<'py>, e: &Error) -> Result<Bound<'py>> {
    // SAFETY: the GIL is held (`py`); the error is set as the pending exception and taken
    // back at once, normalised into one exception object of this interpreter.
    let raised = unsafe {
        restore(py, e.clone());
        fetch(py)
    };
    match raised.as_python().and_then(|p| p.value()) {
        Some(v) => v.clone_ref(py).into_bound(py),
        None => Err(raised),
    }
}

/// The error `__exit__` raised, with the body's exception `exc` as its `__context__` unless it
/// is that exception or already has a context (Python chains an exception raised while
/// another is handled the same way).
fn chained(py: Python<'_>, raised: Error, exc: &Bound<'_>) -> Error {
    if let Some(v) = raised.as_python().and_then(|p| p.value())
        && v.interpreter_key() == py.interpreter_key()
        && v.as_ptr() != exc.as_ptr()
    {
        // SAFETY: live exception objects of this interpreter; the GIL is held. The context is
        // read as a new reference (released at once); SetContext steals the reference given.
        unsafe {
            let ctx = ffi::PyException_GetContext(v.as_ptr());
            if ctx.is_null() {
                ffi::PyException_SetContext(v.as_ptr(), exc.clone().into_ptr());
            } else {
                ffi::Py_DecRef(ctx);
            }
        }
    }
    raised
}
