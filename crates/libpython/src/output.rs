//! `sys.stdout` and `sys.stderr` routed into Rust writers.

use std::io::{IsTerminal, Write};
use std::sync::{Arc, Mutex};

use crate::err::Result;
use crate::function::{Args, function_in};
use crate::gil::{Python, with_gil};
use crate::object::Object;
use crate::views::Dict;

/// Where a Python stream's text goes.
#[derive(Clone)]
enum Sink {
    /// The process's stdout through Rust's `print!` (so test harnesses capture it).
    Stdout,
    /// The process's stderr through `eprint!`.
    Stderr,
    /// A writer of the user's.
    Writer(Arc<Mutex<Box<dyn Write + Send>>>),
}

impl Sink {
    fn write(&self, s: &str) -> std::io::Result<()> {
        match self {
            Sink::Stdout => {
                print!("{s}");
                Ok(())
            }
            Sink::Stderr => {
                eprint!("{s}");
                Ok(())
            }
            Sink::Writer(w) => crate::lock_without_gil(w).write_all(s.as_bytes()),
        }
    }

    fn flush(&self) -> std::io::Result<()> {
        match self {
            Sink::Stdout => std::io::stdout().flush(),
            Sink::Stderr => std::io::stderr().flush(),
            Sink::Writer(w) => crate::lock_without_gil(w).flush(),
        }
    }

    fn isatty(&self) -> bool {
        match self {
            Sink::Stdout => std::io::stdout().is_terminal(),
            Sink::Stderr => std::io::stderr().is_terminal(),
            Sink::Writer(_) => false,
        }
    }
}

const WRITER_CLASS: &str = r#"
import io

class RustWriter(io.TextIOBase):
    """A text stream whose writes go to a Rust writer."""

    def __init__(self, name, write, flush, isatty):
        self._name = name
        self._write = write
        self._flush = flush
        self._isatty = isatty

    @property
    def name(self):
        return self._name

    @property
    def encoding(self):
        return "utf-8"

    @property
    def errors(self):
        return "strict"

    def writable(self):
        return True

    def write(self, s):
        if not isinstance(s, str):
            raise TypeError("write() argument must be str, not %s" % type(s).__name__)
        self._write(s)
        return len(s)

    def flush(self):
        self._flush()

    def isatty(self):
        return self._isatty()

    def fileno(self):
        raise io.UnsupportedOperation("a Rust writer has no file descriptor")
"#;

/// Makes a `RustWriter` stream for `sink`.
fn make_stream(py: Python<'_>, name: &str, sink: Sink) -> Result<Object> {
    let ns = Dict::new_in(py)?;
    py.exec(WRITER_CLASS, &ns)?;
    let class = ns.get("RustWriter")?.expect("defined just above");
    let (s1, s2, s3) = (sink.clone(), sink.clone(), sink);
    let write = function_in(py, "write", None, move |a: &Args<'_>| {
        let text: String = match a.get(0) {
            Some(b) => crate::conv::string_lossy(b)?,
            None => String::new(),
        };
        a.py().allow_threads(|| s1.write(&text)).map_err(|e| crate::Error::Conversion(format!("writing Python output failed: {e}")))?;
        Ok(())
    })?;
    let flush = function_in(py, "flush", None, move |a: &Args<'_>| {
        a.py().allow_threads(|| s2.flush()).map_err(|e| crate::Error::Conversion(format!("flushing Python output failed: {e}")))?;
        Ok(())
    })?;
    let isatty = function_in(py, "isatty", None, move |_: &Args<'_>| Ok(s3.isatty()))?;
    class.bind(py)?.call((format!("<{name}>"), write, flush, isatty))
}

fn install(py: Python<'_>, attr: &str, sink: Sink) -> Result<()> {
    let stream = make_stream(py, attr, sink)?;
    py.import("sys")?.bind(py)?.setattr(attr, stream)
}

/// Routes `sys.stdout` and `sys.stderr` of the calling thread's interpreter through Rust's
/// own stdout and stderr (`print!` / `eprint!`), so test harnesses capture Python's output.
/// Python starts with this unless [`Builder::no_io_redirect`](crate::Builder::no_io_redirect)
/// was used.
pub fn redirect_to_rust() -> Result<()> {
    with_gil(|py| {
        install(py, "stdout", Sink::Stdout)?;
        install(py, "stderr", Sink::Stderr)
    })
}

/// Sends `sys.stdout` of the current interpreter into `w`.
///
/// ```
/// use std::sync::{Arc, Mutex};
/// #[derive(Clone, Default)]
/// struct Shared(Arc<Mutex<Vec<u8>>>);
/// impl std::io::Write for Shared {
///     fn write(&mut self, b: &[u8]) -> std::io::Result<usize> { self.0.lock().unwrap().write(b) }
///     fn flush(&mut self) -> std::io::Result<()> { Ok(()) }
/// }
/// let buf = Shared::default();
/// libpython::set_stdout(buf.clone())?;
/// libpython::run_simple_string("print('hello from Python')")?;
/// libpython::redirect_to_rust()?;
/// assert_eq!(String::from_utf8(buf.0.lock().unwrap().clone()).unwrap(), "hello from Python\n");
/// # Ok::<(), libpython::Error>(())
/// ```
pub fn set_stdout(w: impl Write + Send + 'static) -> Result<()> {
    with_gil(|py| install(py, "stdout", Sink::Writer(Arc::new(Mutex::new(Box::new(w))))))
}

/// Sends `sys.stderr` of the current interpreter into `w` (tracebacks printed by Python go
/// there).
pub fn set_stderr(w: impl Write + Send + 'static) -> Result<()> {
    with_gil(|py| install(py, "stderr", Sink::Writer(Arc::new(Mutex::new(Box::new(w))))))
}
