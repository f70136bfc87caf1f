//! The GIL token and automatic acquisition.

use std::marker::PhantomData;

use libpython_interp as interp;
use libpython_interp::{GilGuard, InterpKey};

use crate::err::{Error, Result};

/// Proof that the calling thread holds the GIL of one interpreter, for the lifetime `'py`.
///
/// Handed out by [`attach`] (and to Rust callbacks). It is `Copy` and costs nothing to pass
/// around; it is neither `Send` nor `Sync`, so it cannot leave the thread that holds the GIL,
/// and its lifetime keeps it inside the scope that holds it:
///
/// ```compile_fail
/// let mut keep = None;
/// libpython::attach(|py| { keep = Some(py); Ok(()) }).unwrap();
/// ```
///
/// ```compile_fail
/// libpython::attach(|py| {
///     std::thread::spawn(move || drop(py));
///     Ok(())
/// }).unwrap();
/// ```
#[derive(Clone, Copy)]
#[repr(transparent)]
pub struct Python<'py> {
    key: InterpKey,
    _marker: PhantomData<(&'py (), *mut ())>,
}

impl std::fmt::Debug for Python<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Python").field(&self.key).finish()
    }
}

impl<'py> Python<'py> {
    /// A token for the interpreter `key`.
    ///
    /// # Safety
    /// The calling thread holds that interpreter's GIL for all of `'py`.
    #[inline(always)]
    pub(crate) unsafe fn assume(key: InterpKey) -> Self {
        Python {
            key,
            _marker: PhantomData,
        }
    }

    /// The interpreter this token is for.
    #[inline(always)]
    pub fn interpreter_key(self) -> InterpKey {
        self.key
    }

    /// Runs `f` with the GIL of this thread's current interpreter held (see [`attach`]).
    ///
    /// ```
    /// use libpython::Python;
    /// let n: i64 = Python::attach(|py| py.eval("6 * 7")?.extract())?;
    /// assert_eq!(n, 42);
    /// # Ok::<(), libpython::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`attach`].
    #[inline]
    pub fn attach<R>(f: impl for<'a> FnOnce(Python<'a>) -> Result<R>) -> Result<R> {
        attach(f)
    }

    /// Runs `f` with the GIL released, so other threads can run Python meanwhile; takes it
    /// back afterwards (also if `f` panics).
    ///
    /// `f` and its result must be `Send`. That is how the compiler keeps GIL-bound values out
    /// of it: a [`Python`] token, a [`Bound`](crate::Bound) view and a call's
    /// [`Args`](crate::Args) are not `Send`, so `f` cannot use them while the GIL is released.
    /// Owned [`Object`](crate::Object)s are `Send`; their methods take the GIL again.
    ///
    /// ```
    /// libpython::attach(|py| {
    ///     let total: u64 = py.detach(|| (1..=1000u64).sum());
    ///     assert_eq!(total, 500500);
    ///     Ok(())
    /// }).unwrap();
    /// ```
    ///
    /// ```compile_fail
    /// libpython::attach(|py| {
    ///     // `py` cannot be used while the GIL is released.
    ///     py.detach(|| py.eval("1 + 1").map(drop))
    /// }).unwrap();
    /// ```
    pub fn detach<R: Send>(self, f: impl FnOnce() -> R + Send) -> R {
        interp::allow_threads(f)
    }

    /// Deprecated name of [`detach`](Self::detach).
    #[deprecated(since = "0.1.0", note = "renamed `detach`, as in PyO3")]
    pub fn allow_threads<R: Send>(self, f: impl FnOnce() -> R + Send) -> R {
        self.detach(f)
    }
}

/// Runs `f` with the GIL released (if this thread holds one), taking it back afterwards, also
/// when `f` panics: [`Python::detach`] for code that has no token at hand. `f` and its result
/// are `Send`, which keeps GIL-bound values out of it.
///
/// ```
/// let total: u64 = libpython::detach(|| (1..=1000u64).sum());
/// assert_eq!(total, 500500);
/// ```
pub fn detach<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    interp::allow_threads(f)
}

/// Deprecated name of [`detach`].
#[deprecated(since = "0.1.0", note = "renamed `detach`, as in PyO3")]
pub fn allow_threads<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    detach(f)
}

/// Runs `f` with the GIL of this thread's current interpreter, starting Python first if
/// nobody has: the one [`with_interpreter`](crate::with_interpreter) bound the thread to;
/// inside a Rust function that Python called, the interpreter that called it; else the main
/// interpreter. Re-entrant: calling it while the GIL is held costs a thread-local check.
///
/// ```
/// let n: i64 = libpython::attach(|py| py.eval("6 * 7")?.extract()).unwrap();
/// assert_eq!(n, 42);
/// ```
///
/// # Errors
/// Start-up errors, [`ErrorKind::Interp`](crate::ErrorKind::Interp) after finalize, and whatever `f` returns.
#[inline]
pub fn attach<R>(f: impl FnOnce(Python<'_>) -> Result<R>) -> Result<R> {
    // The common acquisition's guard stays in registers: merged with the other path's, which
    // comes back through memory, it was stored and copied with wider loads than the stores
    // that wrote it, a stall of every acquisition (a failed store forward).
    let guard = match interp::gil::try_acquire_main() {
        Some(g) => g,
        None => {
            // Through a `dyn`: `f` is then compiled into the common path only.
            let mut f = Some(f);
            return attach_slow(&mut |py| f.take().expect("called once")(py));
        }
    };
    // SAFETY: `guard` holds the GIL of `guard.key()` until the end of this function, and the
    // token cannot escape `f`.
    let py = unsafe { Python::assume(guard.key()) };
    let r = f(py);
    drop(guard);
    r
}

/// [`attach`] on the paths besides the common one.
#[inline(never)]
fn attach_slow<R>(f: &mut dyn FnMut(Python<'_>) -> Result<R>) -> Result<R> {
    let guard = acquire_slow()?;
    // SAFETY: as in `attach`.
    let py = unsafe { Python::assume(guard.key()) };
    let r = f(py);
    drop(guard);
    r
}

/// Acquires the bound interpreter's GIL, starting Python on first use: [`attach`] when the
/// common acquisition (`interp::gil::try_acquire_main`) does not apply.
#[inline(never)]
fn acquire_slow() -> Result<GilGuard> {
    // SAFETY: the guard is `attach`'s, whose closure is given a token of the guard's own
    // interpreter. It switches only when the thread is bound (by `with_interpreter`, whose
    // closure is `Send`) to an interpreter other than the one whose GIL it holds: nothing of
    // that one can be used in the closure.
    match unsafe { interp::gil::acquire_switching() } {
        Ok(g) => Ok(g),
        Err(interp::Error::NotInitialized) => {
            crate::initialize()?;
            // SAFETY: as above.
            Ok(unsafe { interp::gil::acquire_switching() }?)
        }
        Err(e) => Err(e.into()),
    }
}

/// Acquires the GIL of the interpreter `key` for using one of its objects, on the paths
/// besides the common one (`Object`'s methods try `interp::gil::hold_main_for` first).
///
/// # Errors
/// [`interp::Error::WrongInterpreter`] when the thread holds, or is bound to, another
/// interpreter; [`interp::Error::Finalized`] for an object of a finalized runtime;
/// [`interp::Error::InterpreterEnded`].
#[inline(never)]
pub(crate) fn acquire_for(key: InterpKey) -> Result<GilGuard> {
    if interp::gil::holds(key) {
        return Ok(interp::gil::acquire_interp_nested(key)?);
    }
    if key.is_main()
        && let Some(g) = interp::gil::try_acquire_main()
    {
        if g.key() == key {
            return Ok(g);
        }
        drop(g);
    }
    if key.generation() != interp::generation() || !interp::is_running() {
        return Err(Error::from(interp::Error::Finalized));
    }
    interp::gil::refuse_in_collector()?;
    if interp::gil::depth() > 0 {
        return Err(Error::from(interp::Error::WrongInterpreter {
            object: key.index(),
            current: interp::gil::held_key().index(),
        }));
    }
    if let Some(b) = interp::gil::bound()
        && b.key() != key
    {
        return Err(Error::from(interp::Error::WrongInterpreter {
            object: key.index(),
            current: b.key().index(),
        }));
    }
    if key.is_main() {
        return Ok(interp::gil::acquire_main()?);
    }
    let state = interp::lookup(key).ok_or(interp::Error::InterpreterEnded)?;
    Ok(interp::gil::acquire_interp(&state)?)
}

/// Deprecated name of [`attach`].
#[deprecated(since = "0.1.0", note = "renamed `attach`, as in PyO3")]
#[inline]
pub fn with_gil<R>(f: impl FnOnce(Python<'_>) -> Result<R>) -> Result<R> {
    attach(f)
}
