//! Objects made once per interpreter for one `static`: the one per-interpreter cache
//! mechanism (interned names, keyword-name tuples, the types and classes the public crate
//! makes).

use std::sync::atomic::{AtomicPtr, AtomicU64, Ordering};

use crate::error::Error;
use crate::ffi;
use crate::key::InterpKey;

/// A cache of one Python object per interpreter, declared as a `static`: each interpreter
/// makes its own object on first use, and later uses find it again.
///
/// The main interpreter's object is mirrored in the static itself, found with one comparison;
/// every interpreter's is kept in its state (sub-interpreters release theirs when they end;
/// the main interpreter's stay alive through `Py_FinalizeEx`, since code it runs may still
/// reach them through the static).
///
/// ```no_run
/// use libpython_interp::{self as interp, ffi, PerInterpreter};
/// static EMPTY_TUPLE: PerInterpreter = PerInterpreter::new();
/// let guard = interp::gil::acquire()?;
/// // SAFETY: `guard` holds the GIL of `guard.key()`; `PyTuple_New` returns a new reference.
/// let t = unsafe {
///     EMPTY_TUPLE.get_or_make(guard.key(), || {
///         let t = ffi::PyTuple_New(0);
///         if t.is_null() { Err(interp::Error::Python("no tuple".into())) } else { Ok(t) }
///     })?
/// };
/// assert!(!t.is_null());
/// # Ok::<(), interp::Error>(())
/// ```
#[derive(Debug)]
pub struct PerInterpreter {
    /// The main interpreter's key (of the runtime that made `main`), 0 until it is made.
    main_key: AtomicU64,
    main: AtomicPtr<ffi::PyObject>,
}

impl PerInterpreter {
    /// An empty cache.
    #[allow(clippy::new_without_default)]
    pub const fn new() -> PerInterpreter {
        PerInterpreter {
            main_key: AtomicU64::new(0),
            main: AtomicPtr::new(std::ptr::null_mut()),
        }
    }

    /// The object of interpreter `key`, borrowed, if it was made (alive as long as that
    /// interpreter).
    #[inline(always)]
    pub fn get(&'static self, key: InterpKey) -> Option<*mut ffi::PyObject> {
        // The key is stored after the pointer (release) once the interpreter's state decided
        // which object is kept; loading it (acquire) and finding `key` makes the pointer the
        // one kept for `key`.
        if self.main_key.load(Ordering::Acquire) == key.to_bits() {
            return Some(self.main.load(Ordering::Relaxed));
        }
        self.get_kept(key)
    }

    /// The main interpreter's object when `key` is the main interpreter's and the object was
    /// made: [`get`](Self::get)'s one comparison, for a caller whose own slow path (out of
    /// line) does the rest, so the hot path merges no `Option` with a call's result.
    #[inline(always)]
    pub fn get_main(&'static self, key: InterpKey) -> Option<*mut ffi::PyObject> {
        if self.main_key.load(Ordering::Acquire) == key.to_bits() {
            Some(self.main.load(Ordering::Relaxed))
        } else {
            None
        }
    }

    /// [`get`](Self::get) from the interpreter's state (sub-interpreters).
    #[cold]
    fn get_kept(&'static self, key: InterpKey) -> Option<*mut ffi::PyObject> {
        if key.is_main() {
            // The main interpreter's object is always mirrored in the static.
            return None;
        }
        crate::runtime::lookup(key)?.cached(self.site())
    }

    /// The object of interpreter `key`, made by `make` if there is none yet; borrowed, alive
    /// as long as that interpreter. `make` runs with no lock held (it may run Python code);
    /// when another thread kept an object first, that one is returned and `make`'s released.
    ///
    /// # Errors
    /// [`Error::InterpreterEnded`] when `key` names no live interpreter; `make`'s error.
    ///
    /// # Safety
    /// The calling thread holds the GIL of `key`'s interpreter, and `make` returns a new
    /// (owned) reference to an object of that interpreter.
    pub unsafe fn get_or_make<E: From<Error>>(
        &'static self,
        key: InterpKey,
        make: impl FnOnce() -> Result<*mut ffi::PyObject, E>,
    ) -> Result<*mut ffi::PyObject, E> {
        if let Some(p) = self.get(key) {
            return Ok(p);
        }
        let state = crate::runtime::lookup(key).ok_or(Error::InterpreterEnded)?;
        let made = make()?;
        // SAFETY: `made` is an owned reference of this interpreter (the caller's contract).
        let kept = match unsafe { state.keep(self.site(), made) } {
            Ok(()) => made,
            Err(theirs) => {
                // SAFETY: our own reference, released with the GIL held and no lock.
                unsafe { ffi::Py_DecRef(made) };
                theirs
            }
        };
        if key.is_main() {
            self.main.store(kept, Ordering::Relaxed);
            self.main_key.store(key.to_bits(), Ordering::Release);
        }
        Ok(kept)
    }

    /// The map key of this cache in an interpreter's state: the static's address.
    fn site(&'static self) -> usize {
        self as *const PerInterpreter as usize
    }
}
