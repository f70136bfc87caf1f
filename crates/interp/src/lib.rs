//! The interpreter layer of libpython.
//!
//! Between the raw C API ([`libpython_ffi`]) and the public API, this crate knows about
//! interpreters: it finds a Python ([`discovery`]), starts and stops it ([`initialize`],
//! [`finalize`]), hands out the GIL to any thread ([`gil`]), makes sub-interpreters and binds
//! threads to them ([`Interpreter`], [`with_interpreter`]), keeps the shared type symbol table
//! ([`symbols`]) and each interpreter's state (deferred decrefs, bridge maps), and reports
//! what it does through `tracing` (targets `libpython::runtime`, `libpython::discovery`,
//! `libpython::interp`, `libpython::gc`).
//!
//! Users of this layer still think about the GIL and reference counts; the `libpython` crate
//! hides both.
//!
//! ```no_run
//! use libpython_interp as interp;
//! interp::initialize(&interp::Config::default())?;
//! let guard = interp::gil::acquire()?;
//! // ... raw calls through libpython_ffi while `guard` lives ...
//! drop(guard);
//! # Ok::<(), interp::Error>(())
//! ```

#![deny(missing_docs)]

mod active;
mod cache;
mod decrefs;
pub mod discovery;
mod error;
pub mod fence;
pub mod gil;
mod interpreter;
mod key;
mod lifecycle;
pub mod refs;
mod runtime;
mod state;
pub mod symbols;

pub use cache::PerInterpreter;
pub use decrefs::{Deferred, DeferredRun};
pub use error::{Error, Result};
pub use gil::{GilGuard, allow_threads, lock_without_gil};
pub use interpreter::{
    Interpreter, SubConfig, add_creation_hook, add_end_hook, ensure_bound_interpreter,
    with_interpreter,
};
pub use key::InterpKey;
pub use libpython_ffi as ffi;
pub use lifecycle::{Config, finalize, initialize};
pub use runtime::{
    Started, free_threaded, generation, interp_state_for_raw, is_finalized, is_running, lookup,
    main_key, object_header_size, started,
};
pub use state::{InterpState, RustIdentity};
