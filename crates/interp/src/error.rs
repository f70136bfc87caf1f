//! The interpreter layer's error type.

use std::fmt;

use libpython_ffi::{LoadError, Version};

use crate::discovery::DiscoveryError;

/// Everything that can go wrong below the public API.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// No usable Python was found.
    Discovery(DiscoveryError),
    /// The library could not be loaded.
    Load(LoadError),
    /// Python failed to start.
    Startup(String),
    /// Python has not been started.
    NotInitialized,
    /// Python is shutting down; nothing new may start.
    Finalizing,
    /// Python was shut down (or restarted since): the object or interpreter belongs to a
    /// runtime that no longer exists.
    Finalized,
    /// The sub-interpreter has ended.
    InterpreterEnded,
    /// The sub-interpreter is in use by a thread and cannot end now.
    InterpreterBusy,
    /// A guard of one interpreter's GIL was asked for while the thread holds another's: a
    /// safe acquisition never switches, since what the thread holds of the other one would
    /// stay usable (see `gil::acquire_switching`).
    HoldsOtherGil {
        /// The interpreter asked for.
        wanted: u32,
        /// The interpreter whose GIL the thread holds.
        held: u32,
    },
    /// An object of one interpreter was used under another.
    WrongInterpreter {
        /// The object's interpreter.
        object: u32,
        /// The interpreter whose GIL the thread holds.
        current: u32,
    },
    /// The thread is bound to no interpreter.
    NotBound,
    /// The operation needs the GIL, which this thread does not hold.
    GilNotHeld,
    /// The calling thread holds the GIL, which the operation must not be called with.
    HoldsGil(&'static str),
    /// Python's garbage collector is traversing objects on this thread (a bridge's
    /// `traverse`): no Python code may run and no GIL may be taken or released until it
    /// returns.
    CollectorRunning,
    /// The feature needs a newer Python than the one loaded.
    NeedsVersion {
        /// What was asked for.
        feature: &'static str,
        /// The version it needs.
        needs: &'static str,
        /// The version loaded.
        have: Version,
    },
    /// The operation cannot work with the loaded Python; the text says why.
    Unsupported(&'static str),
    /// Python raised an exception inside the interpreter layer (start-up, sub-interpreter
    /// creation); the text is Python's.
    Python(String),
    /// Start-up asked for a Python other than the one this process already loaded (a process
    /// can load only one libpython, and keeps it after finalizing).
    OtherPythonRunning {
        /// The Python asked for (the library or executable, and what it leads to).
        requested: String,
        /// The Python the process runs (its library, and its executable when known).
        running: String,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Discovery(e) => write!(f, "finding Python: {e}"),
            Error::Load(e) => write!(f, "loading libpython: {e}"),
            Error::Startup(m) => write!(f, "starting Python: {m}"),
            Error::NotInitialized => f.write_str("Python is not initialized"),
            Error::Finalizing => f.write_str("Python is finalizing; no new work can start"),
            Error::Finalized => f.write_str(
                "the object belongs to a Python runtime that has been finalized (use after finalize)",
            ),
            Error::InterpreterEnded => f.write_str("the sub-interpreter has ended"),
            Error::InterpreterBusy => {
                f.write_str("the sub-interpreter is in use by another thread and cannot end now")
            }
            Error::HoldsOtherGil { wanted, held } => write!(
                f,
                "the GIL of interpreter #{wanted} was asked for while the thread holds that of interpreter #{held}"
            ),
            Error::WrongInterpreter { object, current } => write!(
                f,
                "the object belongs to interpreter #{object} but the thread is running interpreter #{current}"
            ),
            Error::NotBound => f.write_str("no interpreter is bound to this thread"),
            Error::GilNotHeld => f.write_str("this thread does not hold the interpreter's GIL"),
            Error::HoldsGil(what) => write!(f, "{what} cannot be called while this thread holds the GIL"),
            Error::CollectorRunning => f.write_str(
                "Python's garbage collector is traversing objects on this thread: no Python code may run and no GIL may be taken or released in a traversal",
            ),
            Error::NeedsVersion { feature, needs, have } => {
                write!(f, "{feature} needs Python {needs} or newer; the loaded Python is {have}")
            }
            Error::Unsupported(m) => f.write_str(m),
            Error::Python(m) => f.write_str(m),
            Error::OtherPythonRunning { requested, running } => write!(
                f,
                "cannot start {requested}: this process already loaded {running}, and a process can load only one libpython"
            ),
        }
    }
}

impl std::error::Error for Error {}

impl From<DiscoveryError> for Error {
    fn from(e: DiscoveryError) -> Self {
        Error::Discovery(e)
    }
}

impl From<LoadError> for Error {
    fn from(e: LoadError) -> Self {
        Error::Load(e)
    }
}

/// Result with the interpreter layer's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
