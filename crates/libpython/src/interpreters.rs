//! Interpreters as the public API sees them: the interpreter layer's, started on first use.

use libpython_interp as interp;

use crate::err::Result;

pub use interp::SubConfig;

/// An interpreter: the main one, or a sub-interpreter made from Rust.
///
/// Dereferences to the interpreter layer's [`interp::Interpreter`] for `key`, `own_gil`,
/// `is_alive`, `queued_decrefs` and `end`.
///
/// ```
/// use libpython::{Interpreter, SubConfig};
/// let sub = Interpreter::new(SubConfig::shared_gil())?;
/// let n: i64 = libpython::with_interpreter(&sub, || libpython::eval("40 + 2")?.extract())??;
/// assert_eq!(n, 42);
/// sub.end()?;
/// # Ok::<(), libpython::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Interpreter(interp::Interpreter);

impl Interpreter {
    /// The main interpreter, starting Python first if nobody has.
    ///
    /// # Errors
    /// Start-up errors; [`interp::Error::Finalized`] after `finalize`.
    pub fn main() -> Result<Interpreter> {
        ensure_started()?;
        Ok(Interpreter(interp::Interpreter::main()?))
    }

    /// Makes a sub-interpreter (starting Python first if nobody has). With
    /// [`SubConfig::isolated`] it has its own GIL and runs in parallel with the others
    /// (3.12+; older versions give [`interp::Error::NeedsVersion`]).
    ///
    /// Its `sys.stdout` and `sys.stderr` go through Rust like the main interpreter's.
    pub fn new(config: SubConfig) -> Result<Interpreter> {
        ensure_started()?;
        Ok(Interpreter(interp::Interpreter::new(config)?))
    }

    /// The interpreter layer's handle.
    pub fn as_interp(&self) -> &interp::Interpreter {
        &self.0
    }
}

impl std::ops::Deref for Interpreter {
    type Target = interp::Interpreter;
    fn deref(&self) -> &interp::Interpreter {
        &self.0
    }
}

impl From<interp::Interpreter> for Interpreter {
    fn from(i: interp::Interpreter) -> Self {
        Interpreter(i)
    }
}

fn ensure_started() -> Result<()> {
    if interp::is_running() || interp::is_finalized() {
        return Ok(());
    }
    crate::initialize()
}

/// Runs `f` with the calling thread bound to `interp` (libpython-clj's `with-interpreter`): every
/// GIL acquisition inside takes that interpreter's GIL, with this thread's own thread state for
/// it. Bindings nest and are undone when `f` returns or panics.
///
/// `f` and its result must be `Send`, so a [`Python`](crate::Python) token or a
/// [`Bound`](crate::Bound) view of the interpreter the thread was running cannot be captured
/// and used under another interpreter's GIL. Owned [`Object`](crate::Object)s can be
/// captured: each one checks that it is used under its own interpreter's GIL.
///
/// ```compile_fail
/// let sub = libpython::Interpreter::new(libpython::SubConfig::shared_gil())?;
/// libpython::attach(|py| {
///     // `py` is the main interpreter's token: it cannot enter the sub-interpreter.
///     libpython::with_interpreter(&sub, || py.eval("1").map(drop))?
/// })?;
/// # Ok::<(), libpython::Error>(())
/// ```
///
/// # Errors
/// The interpreter has ended, or its runtime was finalized.
pub fn with_interpreter<R: Send>(interp: &Interpreter, f: impl FnOnce() -> R + Send) -> Result<R> {
    Ok(interp::with_interpreter(&interp.0, f)?)
}

/// The interpreter bound to this thread (innermost [`with_interpreter`], else the one whose GIL
/// the thread holds); an error when there is none.
pub fn ensure_bound_interpreter() -> Result<Interpreter> {
    Ok(Interpreter(interp::ensure_bound_interpreter()?))
}
