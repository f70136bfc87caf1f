//! Embed CPython in Rust, with the Python chosen at run time.
//!
//! One binary serves every Python 3.9+ the user has: libpython is found and loaded when the
//! program starts (see [`Builder`] for choosing one), not linked at build time. The GIL is
//! taken automatically; handles ([`Object`]) are `Send + Sync` and release their reference
//! when dropped, on any thread.
//!
//! ```
//! use libpython::{call, from_import};
//! // Run code; globals come back as a live dict.
//! let r = libpython::run_simple_string("x = [i * i for i in range(4)]")?;
//! let x: Vec<i64> = r.globals.get_as("x")?.unwrap();
//! assert_eq!(x, [0, 1, 4, 9]);
//!
//! // Call with keyword arguments.
//! from_import!(textwrap: shorten);
//! let s: String = call!(shorten, "hello embedded world", width = 12)?.extract()?;
//! assert_eq!(s, "hello [...]");
//! # Ok::<(), libpython::Error>(())
//! ```
//!
//! ## Cargo features
//!
//! Without any (`default-features = false`), the library converts every scalar, string, bytes,
//! `Vec`, map, set, tuple and `Option`, calls, bridges, runs code and shares arrays.
//!
//! | feature | default | what it adds |
//! | --- | --- | --- |
//! | `derive` | yes | `#[derive(ToPython, FromPython)]` for structs: dicts keyed by field names, tuples, `None` |
//! | `serde` | yes | `to_python_serde`, `from_python_serde`, `Serde<T>`: any `Serialize`/`Deserialize` type to and from Python |
//! | `value` | yes | `Value`, the persistent copy of Python data (`imbl`), and bridges over `imbl` collections; turns on `num-bigint` |
//! | `num-bigint` | yes | Python ints of any size as `num_bigint::BigInt` |
//! | `ndarray` | no | numpy arrays as `ndarray` views and `ndarray` arrays as numpy arrays, without copies |

#![deny(missing_docs)]

/// Calls `$m!` with the tuple arities (1 to 12) the conversions and argument lists support.
macro_rules! for_each_tuple {
    ($m:ident) => {
        $m! {
            1: (A 0);
            2: (A 0, B 1);
            3: (A 0, B 1, C 2);
            4: (A 0, B 1, C 2, D 3);
            5: (A 0, B 1, C 2, D 3, E 4);
            6: (A 0, B 1, C 2, D 3, E 4, F 5);
            7: (A 0, B 1, C 2, D 3, E 4, F 5, G 6);
            8: (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);
            9: (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8);
            10: (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9);
            11: (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10);
            12: (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11);
        }
    };
}

pub mod array;
pub mod asyncio;
mod bridge;
mod call;
mod context;
mod conversion;
#[doc(hidden)]
pub mod __derive {
    //! What `#[derive(ToPython, FromPython)]` calls (not an API).
    pub use crate::derive::*;
}
mod derive;
mod err;
mod function;
mod gil;
mod interpreters;
mod iter;
mod name;
mod object;
mod output;
mod pymain;
mod run;
mod rust_type;
#[cfg(feature = "serde")]
mod serde;
#[cfg(feature = "value")]
pub mod value;
mod views;

pub use bridge::{
    Bridge, BridgeKind, BridgeLock, BridgeReadGuard, BridgeWriteGuard, ClassBuilder, IterBridge,
    MapBridge, MapLike, Method, MethodFn, OwnsObjects, VecBridge, VecLike, Visit, bridge,
    bridge_in, bridged,
};
pub use call::IntoArgs;
pub use conversion::{Bytes, FromPython, ToPython, string_lossy};
pub use err::{Error, ErrorKind, PyErr, Result};
pub use function::{Args, function, function_in};
#[allow(deprecated)]
pub use gil::{Python, allow_threads, attach, detach, with_gil};
#[allow(deprecated)]
pub use iter::{BoundIter, Extracted, Iter, PyIter};
/// `#[derive(ToPython, FromPython)]` (feature `derive`, on by default): a struct with named
/// fields becomes a `dict` keyed by its field names and is read back from any `dict` (its own
/// entries, as `PyDict_GetItem` reads them: a subclass's `__getitem__` or `__missing__` is not
/// called; other keys are ignored, a missing one is an error naming it); a tuple struct of one field is that
/// field's object, one of several a `tuple` (read from a `tuple` or `list` of that length); a
/// unit struct is `None`. `#[libpython(rename = "key")]` gives a field another key, and
/// `#[libpython(default)]` reads a missing key as the field type's `Default`. Each
/// field converts with its own `ToPython` / `FromPython`, so derived structs nest, and type
/// parameters get the trait as a bound. Keys are interned once per interpreter and fields
/// are read by them, as hand-written C does: no serde visitor in between (for enums, or for
/// serde's attributes, use `Serde`).
///
/// ```
/// use libpython::{FromPython, ToPython};
///
/// #[derive(Debug, PartialEq, ToPython, FromPython)]
/// struct Line {
///     sku: String,
///     #[libpython(rename = "quantity")]
///     qty: u32,
///     price: f64,
/// }
///
/// #[derive(Debug, PartialEq, ToPython, FromPython)]
/// struct Pair(i64, String);
///
/// let line = Line { sku: "SKU-1".into(), qty: 2, price: 9.5 };
/// let obj = libpython::to_python(&line)?;
/// assert_eq!(obj.repr()?, "{'sku': 'SKU-1', 'quantity': 2, 'price': 9.5}");
/// assert_eq!(obj.extract::<Line>()?, line);
///
/// let back: Line = libpython::eval("{'price': 1.0, 'sku': 'x', 'quantity': 7, 'note': 0}")?.extract()?;
/// assert_eq!(back.qty, 7);
/// let e = libpython::eval("{'sku': 'x', 'price': 1.0}")?.extract::<Line>().unwrap_err();
/// assert!(e.to_string().contains("'quantity'"), "{e}");
/// let e = libpython::eval("{'sku': 'x', 'quantity': -1, 'price': 1.0}")?.extract::<Line>().unwrap_err();
/// assert!(e.to_string().contains("['quantity']"), "{e}");
///
/// assert_eq!(libpython::to_python(&Pair(1, "a".into()))?.repr()?, "(1, 'a')");
/// assert_eq!(libpython::eval("[2, 'b']")?.extract::<Pair>()?, Pair(2, "b".into()));
/// # Ok::<(), libpython::Error>(())
/// ```
#[cfg(feature = "derive")]
pub use libpython_macros::{FromPython, ToPython};
pub use name::{Interned, IntoName, KwNames};
pub use object::{Borrowed, Bound, Object};
pub use output::{
    CapturedOutput, capture_output, redirect_to_rust, set_stderr, set_stdin, set_stdout,
};
pub use pymain::{Exit, Program, PythonMain};
#[allow(deprecated)]
pub use run::{
    __dotted, __from, __resolve, Code, Mode, RunResult, add_module, builtin, builtins, compile,
    eval, eval_with, exec, exec_with, import, import_module, module_dict, run_simple_string,
    to_python,
};
#[cfg(feature = "serde")]
#[allow(deprecated)]
pub use serde::{Serde, from_python_serde, serde_from_python, serde_to_python, to_python_serde};
#[cfg(feature = "value")]
pub use value::Value;
pub use views::{Dict, List, Set, Tuple};

pub use interpreters::{Interpreter, SubConfig, ensure_bound_interpreter, with_interpreter};
pub use libpython_interp as interp;
pub use libpython_interp::ffi;
pub use libpython_interp::lock_without_gil;

use std::ffi::OsString;
use std::path::PathBuf;

/// How to start Python: which one, under what program name and `sys.argv`, with or without
/// its signal handlers.
///
/// ```no_run
/// libpython::Builder::new().executable("/usr/bin/python3").initialize()?;
/// # Ok::<(), libpython::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct Builder {
    config: interp::Config,
    no_io_redirect: bool,
    argv: Option<Vec<OsString>>,
}

impl Builder {
    /// Discovery defaults: environment, active venv or conda env, then `PATH`.
    pub fn new() -> Self {
        Self::default()
    }

    /// Use this interpreter's libpython (a venv's `bin/python` uses the venv).
    pub fn executable(mut self, path: impl Into<PathBuf>) -> Self {
        self.config.request = self.config.request.executable(path);
        self
    }

    /// Load this libpython.
    pub fn library(mut self, path: impl Into<PathBuf>) -> Self {
        self.config.request = self.config.request.library(path);
        self
    }

    /// The program name Python starts with (decides `sys.executable` and `sys.prefix`).
    pub fn program_name(mut self, name: impl Into<PathBuf>) -> Self {
        self.config.program_name = Some(name.into());
        self
    }

    /// Leave `sys.stdout` and `sys.stderr` as Python sets them up (writing to file
    /// descriptors 1 and 2 directly) instead of routing them through Rust.
    pub fn no_io_redirect(mut self) -> Self {
        self.no_io_redirect = true;
        self
    }

    /// Install Python's signal handlers at start-up, as the `python` command does (off by
    /// default, which leaves every signal to the host). With them, Ctrl-C (`SIGINT`) raises
    /// `KeyboardInterrupt` in the thread that started Python, the next time it runs Python
    /// code, so `finally` blocks and `atexit` run; `signal.signal` works in that thread; and
    /// `SIGPIPE` and `SIGXFSZ` are ignored for the whole process (writes then fail with
    /// `EPIPE` / `EFBIG` instead of killing it). The guide's chapter on errors and output has
    /// the details.
    ///
    /// ```
    /// libpython::Builder::new().signal_handlers(true).initialize()?;
    /// let handler: String = libpython::eval("__import__('signal').getsignal(2).__name__")?.extract()?;
    /// assert_eq!(handler, "default_int_handler");
    /// # Ok::<(), libpython::Error>(())
    /// ```
    pub fn signal_handlers(mut self, on: bool) -> Self {
        self.config.signal_handlers = on;
        self
    }

    /// `sys.argv` for Python code (default `[""]`, as for any embedded Python; a program name
    /// and arguments otherwise). Items that are not valid UTF-8 are decoded as Python decodes
    /// its own command line (`os.fsdecode`). `sys.orig_argv` (3.10+) is always the command
    /// line of this process, and `sys.executable` stays the Python interpreter.
    ///
    /// ```
    /// libpython::Builder::new().argv(["tool.py", "--verbose"]).initialize()?;
    /// let argv: Vec<String> = libpython::eval("__import__('sys').argv")?.extract()?;
    /// assert_eq!(argv, ["tool.py", "--verbose"]);
    /// # Ok::<(), libpython::Error>(())
    /// ```
    pub fn argv<I, S>(mut self, argv: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        self.argv = Some(argv.into_iter().map(Into::into).collect());
        self
    }

    /// Starts Python (once; later calls return at once, if they ask for the same Python).
    /// The builder's options (signal handlers, `sys.argv`, stream routing) take effect in the
    /// call that starts Python.
    ///
    /// A process loads one libpython and keeps it, also after [`finalize`]. Once Python runs
    /// (or ran), a builder naming nothing in particular, or the same Python (the same library
    /// file; the executable it was started from, or one leading to the same library and
    /// `sys.prefix`), gets `Ok`; one naming another Python gets an error naming both. After
    /// [`finalize`] it starts Python again, with the limits [`finalize`] describes.
    ///
    /// # Errors
    /// Discovery, load and start-up errors, each naming what was wrong;
    /// [`interp::Error::OtherPythonRunning`] when another Python was asked for than the one
    /// this process loaded.
    pub fn initialize(self) -> Result<()> {
        let first = !interp::is_running();
        interp::initialize(&self.config)?;
        if first {
            let argv = self.argv.unwrap_or_else(|| vec![OsString::new()]);
            pymain::set_argv(&argv)?;
            if !self.no_io_redirect {
                interp::add_creation_hook(setup_interpreter);
                redirect_to_rust()?;
            }
        }
        Ok(())
    }
}

/// Shuts Python down (see [`interp::finalize`]): afterwards every handle is dead (using one is
/// an error, dropping one does nothing), and nothing restarts Python implicitly; call
/// [`initialize`] to start it again.
///
/// # Starting again
///
/// [`initialize`] after `finalize` starts a fresh interpreter in the same process, with the
/// same library. What it runs well: the standard library, pure-Python packages, and Rust
/// functions, bridges and classes made anew. What it may not: an extension module written in
/// C (or Rust, or Cython) that was imported before the `finalize`. CPython unloads no shared
/// library, and many extension modules keep process-wide state that a second initialisation
/// cannot rebuild: numpy refuses with `ImportError: cannot load module more than once per
/// process`, and so does everything that imports it (pandas, matplotlib, scipy, ...); others
/// may misbehave or crash. An extension module first imported after the restart loads
/// normally. Objects of the earlier runtime stay dead, including [`Value::Object`]s kept in a
/// [`Value`]. So finalize at the end of a program, or restart only programs that use the
/// standard library and pure-Python code; for a fresh interpreter with numpy, start a new
/// process.
///
/// ```
/// # // Doctests run in a process of their own: finalizing here touches nothing else.
/// libpython::initialize()?;
/// libpython::finalize()?;
/// libpython::initialize()?;
/// assert_eq!(libpython::eval("__import__('json').dumps([1])")?.extract::<String>()?, "[1]");
/// # Ok::<(), libpython::Error>(())
/// ```
///
/// # Threads Python started
///
/// Once Python has joined the threads `threading` waits for, calls into Rust from threads
/// Python started (daemon threads) raise `RuntimeError`, and shutting down waits for those
/// under way; one inside [`detach`] when its closure ends stays parked for good instead of
/// taking the GIL back (a Rust lock it holds across the `detach` is never released).
///
/// # Errors
/// The calling thread holds the GIL, a sub-interpreter is in use (before Python 3.12: or runs
/// a thread Python started there), or Python is not running.
pub fn finalize() -> Result<()> {
    Ok(interp::finalize()?)
}

/// Starts Python with discovery defaults, if nobody has. Every entry point of this crate
/// calls it on first use, so calling it yourself is only needed to choose when start-up
/// happens or to see its errors early.
///
/// # Errors
/// Discovery, load and start-up errors.
pub fn initialize() -> Result<()> {
    Builder::new().initialize()
}

/// Runs in every sub-interpreter made after start-up, under its GIL: routes its output through
/// Rust as the main interpreter's is.
fn setup_interpreter() {
    if let Err(e) = redirect_to_rust() {
        tracing::warn!(target: "libpython::interp", error = %e, "could not route a sub-interpreter's output through Rust");
    }
}

/// The README's and the guide's examples, compiled and run as doctests so the documents
/// cannot drift from the API.
#[cfg(doctest)]
mod documents {
    #[doc = include_str!("../../../README.md")]
    struct Readme;
    #[doc = include_str!("../../../docs/guide/01-getting-started.md")]
    struct GettingStarted;
    #[doc = include_str!("../../../docs/guide/02-choosing-a-python.md")]
    struct ChoosingAPython;
    #[doc = include_str!("../../../docs/guide/03-gil-and-threads.md")]
    struct GilAndThreads;
    #[doc = include_str!("../../../docs/guide/04-copying-vs-bridging.md")]
    struct CopyingVsBridging;
    #[doc = include_str!("../../../docs/guide/05-arrays.md")]
    struct Arrays;
    #[doc = include_str!("../../../docs/guide/06-sub-interpreters.md")]
    struct SubInterpreters;
    #[doc = include_str!("../../../docs/guide/07-errors-and-output.md")]
    struct ErrorsAndOutput;
    #[doc = include_str!("../../../docs/guide/08-troubleshooting.md")]
    struct Troubleshooting;
    #[doc = include_str!("../../../docs/guide/09-running-like-python.md")]
    struct RunningLikePython;
    #[doc = include_str!("../../../docs/guide/10-async.md")]
    struct Async;
}
