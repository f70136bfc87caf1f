//! Python's standard streams over Rust: `sys.stdin`, `sys.stdout` and `sys.stderr` as the
//! `io.TextIOWrapper`s Python makes for itself, around a raw stream whose reads, writes and
//! flushes are done by Rust.
//!
//! Errors are Python's: a failed write or flush raises `OSError` with the errno
//! (`BrokenPipeError` for `EPIPE`), never a Rust panic. Blocking reads and writes release the
//! GIL, and a signal that interrupts one runs Python's signal handlers (so Ctrl-C can raise
//! `KeyboardInterrupt` while Python waits for input).

use std::io::{BufRead, IsTerminal, Write};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex};

use libpython_interp::ffi;

use crate::err::{PyErr, Result, fetch};
use crate::function::{Args, function_in};
use crate::gil::{Python, attach as with_gil};
use crate::object::Object;
use crate::views::Dict;

mod shared;
use shared::SharedWriter;

/// The Python side: the raw stream class and `install`.
const STREAMS_PY: &str = include_str!("streams.py");

/// Where a Python stream's bytes go.
#[derive(Clone)]
enum Sink {
    /// File descriptor 1, after Rust's stdout buffer (`print!`'s) is flushed, so Python's and
    /// Rust's output stay in order. Python's bytes are not buffered in Rust: a failed write
    /// fails at once and leaves nothing behind, as a `python -u` write does.
    Stdout,
    /// Rust's stderr (unbuffered).
    Stderr,
    /// A writer of the user's.
    Writer(Arc<SharedWriter>),
}

impl Sink {
    fn write(&self, b: &[u8]) -> std::io::Result<usize> {
        match self {
            Sink::Stdout => {
                let mut rust = std::io::stdout().lock();
                // What Rust printed before goes first. Its own failure is Rust's to see (at its
                // next `print!`); this write reports its own.
                let _ = rust.flush();
                // SAFETY: writes `b.len()` bytes from a live slice to file descriptor 1, which
                // stays open (it is the process's stdout; nothing here closes it).
                let n = unsafe { libc::write(1, b.as_ptr().cast(), b.len()) };
                if n < 0 {
                    Err(std::io::Error::last_os_error())
                } else {
                    Ok(n as usize)
                }
            }
            Sink::Stderr => std::io::stderr().lock().write(b),
            Sink::Writer(w) => w.write(b),
        }
    }

    fn flush(&self) -> std::io::Result<()> {
        match self {
            Sink::Stdout => std::io::stdout().lock().flush(),
            Sink::Stderr => std::io::stderr().lock().flush(),
            Sink::Writer(w) => w.flush(),
        }
    }

    fn isatty(&self) -> bool {
        match self {
            Sink::Stdout => std::io::stdout().is_terminal(),
            Sink::Stderr => std::io::stderr().is_terminal(),
            Sink::Writer(_) => false,
        }
    }

    /// The file descriptor behind it, -1 for none.
    fn fd(&self) -> i32 {
        match self {
            Sink::Stdout => 1,
            Sink::Stderr => 2,
            Sink::Writer(_) => -1,
        }
    }
}

/// Where a Python stream's bytes come from.
#[derive(Clone)]
enum Source {
    /// Rust's stdin (`std::io::stdin()`: Rust and Python share its buffer).
    Stdin,
    /// A reader of the user's.
    Reader(Arc<Mutex<Box<dyn BufRead + Send>>>),
}

impl Source {
    /// Reads at most `max` bytes, and at most one line, so that what Python does not ask for
    /// stays in the Rust buffer (for Rust code reading the same stdin).
    fn read(&self, max: usize) -> std::io::Result<Vec<u8>> {
        match self {
            Source::Stdin => read_line_part(&mut std::io::stdin().lock(), max),
            Source::Reader(r) => using(r, |r| read_line_part(&mut **r, max)),
        }
    }

    fn isatty(&self) -> bool {
        match self {
            Source::Stdin => std::io::stdin().is_terminal(),
            Source::Reader(_) => false,
        }
    }

    fn fd(&self) -> i32 {
        match self {
            Source::Stdin => 0,
            Source::Reader(_) => -1,
        }
    }
}

thread_local! {
    /// The users' readers and writers this thread is inside (their addresses).
    static USING: std::cell::RefCell<Vec<usize>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Runs `f` on the user's reader behind `shared`, locked (see [`entered`]).
fn using<T: ?Sized, R>(
    shared: &Mutex<Box<T>>,
    f: impl FnOnce(&mut Box<T>) -> std::io::Result<R>,
) -> std::io::Result<R> {
    let id = shared as *const Mutex<Box<T>> as *const () as usize;
    entered(id, || {
        f(&mut shared.lock().unwrap_or_else(|e| e.into_inner()))
    })
}

/// Runs `f` as a use of the user's reader or writer `id` by this thread. A reader or writer
/// that uses the Python stream it serves (a writer of `sys.stdout` that prints from Python, on
/// its own thread) would wait for itself: that is an `EDEADLK` error instead, which Python
/// raises as `OSError`.
fn entered<R>(id: usize, f: impl FnOnce() -> std::io::Result<R>) -> std::io::Result<R> {
    // A thread whose thread-locals are being destroyed (a destructor that prints) has no
    // record: it is not inside any reader or writer of ours any more.
    if USING.try_with(|_| ()).is_err() {
        return f();
    }
    if USING.with(|u| u.borrow().contains(&id)) {
        return Err(std::io::Error::new(
            std::io::ErrorKind::Deadlock,
            "a Rust reader or writer behind a Python stream used that same stream (it would wait for itself)",
        ));
    }
    USING.with(|u| u.borrow_mut().push(id));
    struct Leave(usize);
    impl Drop for Leave {
        fn drop(&mut self) {
            USING.with(|u| u.borrow_mut().retain(|i| *i != self.0));
        }
    }
    let _leave = Leave(id);
    f()
}

/// Up to `max` bytes of `r`, ending at the first newline; empty at the end of input.
fn read_line_part(r: &mut dyn BufRead, max: usize) -> std::io::Result<Vec<u8>> {
    let available = r.fill_buf()?;
    let window = &available[..available.len().min(max)];
    let n = window
        .iter()
        .position(|&b| b == b'\n')
        .map_or(window.len(), |i| i + 1);
    let line = window[..n].to_vec();
    r.consume(n);
    Ok(line)
}

/// The errno for an I/O error that carries none (a user's reader or writer): the one its kind
/// stands for, `EIO` for the rest.
fn errno_of(e: &std::io::Error) -> i32 {
    use std::io::ErrorKind as K;
    if let Some(code) = e.raw_os_error() {
        return code;
    }
    match e.kind() {
        K::BrokenPipe => libc::EPIPE,
        K::NotFound => libc::ENOENT,
        K::PermissionDenied => libc::EACCES,
        K::Interrupted => libc::EINTR,
        K::WouldBlock => libc::EAGAIN,
        K::TimedOut => libc::ETIMEDOUT,
        K::InvalidInput => libc::EINVAL,
        K::Unsupported => libc::EOPNOTSUPP,
        K::OutOfMemory => libc::ENOMEM,
        K::StorageFull => libc::ENOSPC,
        K::FileTooLarge => libc::EFBIG,
        K::Deadlock => libc::EDEADLK,
        _ => libc::EIO,
    }
}

/// The Python exception for an I/O error: `OSError(errno, text)`, which Python turns into the
/// subclass of the errno (`BrokenPipeError` for `EPIPE`). An OS error's text is Python's
/// (`os.strerror`); a user's error keeps its own message.
fn os_error(py: Python<'_>, e: &std::io::Error) -> crate::Error {
    let code = errno_of(e);
    let make = || -> Result<crate::Error> {
        let text: String = match e.raw_os_error() {
            Some(_) => py
                .import("os")?
                .call_method("strerror", (code,))?
                .extract()?,
            None => e.to_string(),
        };
        let exc = py.builtins()?.getattr("OSError")?.call((code, text))?;
        Ok(crate::Error::from(PyErr::from_object(py, exc.unbind())))
    };
    make().unwrap_or_else(|err| err)
}

/// Runs Python's signal handlers after a system call was interrupted: `Err` with their
/// exception (`KeyboardInterrupt`) if one raised, `Ok` to retry.
fn after_interrupt(py: Python<'_>) -> Result<()> {
    // SAFETY: the GIL is held (`py`); a failure leaves the handler's exception pending, which
    // `fetch` takes.
    unsafe {
        if ffi::PyErr_CheckSignals() < 0 {
            return Err(fetch(py));
        }
    }
    Ok(())
}

/// `builtins.<name>(message)` as an error to raise.
fn python_error(py: Python<'_>, name: &str, message: &str) -> crate::Error {
    let make = || -> Result<crate::Error> {
        let exc = py.builtins()?.getattr(name)?.call((message,))?;
        Ok(crate::Error::from(PyErr::from_object(py, exc.unbind())))
    };
    make().unwrap_or_else(|e| e)
}

/// `ValueError` if the raw stream (the first argument of its methods) is closed, as `FileIO`.
fn check_open(a: &Args<'_>) -> Result<()> {
    let py = a.py();
    let Some(stream) = a.get(0) else {
        return Err(python_error(py, "TypeError", "the stream is missing"));
    };
    if stream.getattr(crate::intern!("closed"))?.is_truthy()? {
        return Err(python_error(
            py,
            "ValueError",
            "I/O operation on closed file.",
        ));
    }
    Ok(())
}

/// A contiguous buffer of an object (`PyObject_GetBuffer`), released on drop.
struct Buffer<'py> {
    view: ffi::Py_buffer,
    _py: Python<'py>,
}

impl<'py> Buffer<'py> {
    /// The buffer of `obj`, writable if `writable`. Errors as `FileIO`'s: a `TypeError` for
    /// what is not bytes-like, a `BufferError` for what is not contiguous or not writable.
    fn get(obj: &crate::Bound<'py>, writable: bool) -> Result<Self> {
        let mut view = ffi::Py_buffer::zeroed();
        let flags = if writable {
            ffi::PyBUF_WRITABLE
        } else {
            ffi::PyBUF_SIMPLE
        };
        // SAFETY: a live object and a zeroed view; the GIL is held (`obj`'s token).
        if unsafe { ffi::PyObject_GetBuffer(obj.as_ptr(), &mut view, flags) } < 0 {
            // SAFETY: the failed call left an exception pending; the GIL is held.
            return Err(unsafe { fetch(obj.py()) });
        }
        Ok(Buffer {
            view,
            _py: obj.py(),
        })
    }

    fn len(&self) -> usize {
        self.view.len as usize
    }

    /// The bytes, each read once with an atomic load: another thread may write the memory
    /// meanwhile (numpy writes with the GIL released; free-threaded builds have no GIL), so
    /// no plain Rust slice of it is made.
    fn to_vec(&self) -> Vec<u8> {
        let p = self.view.buf.cast::<u8>();
        (0..self.len())
            // SAFETY: a simple (contiguous, unsigned bytes) view of `len` bytes, held until
            // drop; each byte is read with an atomic load (see above).
            .map(|i| unsafe { AtomicU8::from_ptr(p.add(i)) }.load(Ordering::Relaxed))
            .collect()
    }

    /// Writes `data` (up to the view's length), each byte with an atomic store (see
    /// [`to_vec`](Self::to_vec)).
    fn fill(&mut self, data: &[u8]) {
        let p = self.view.buf.cast::<u8>();
        for (i, &b) in data.iter().take(self.len()).enumerate() {
            // SAFETY: a writable contiguous view of `len` bytes, held until drop; the byte is
            // written with an atomic store.
            unsafe { AtomicU8::from_ptr(p.add(i)) }.store(b, Ordering::Relaxed);
        }
    }
}

impl Drop for Buffer<'_> {
    fn drop(&mut self) {
        // SAFETY: filled by a successful `PyObject_GetBuffer`; the GIL is still held (`'py`).
        unsafe { ffi::PyBuffer_Release(&mut self.view) };
    }
}

/// The Rust methods of one raw stream (each takes the stream first): `readinto(buffer) ->
/// int`, `write(data) -> int`, `flush()`, `isatty() -> bool`; `None` for what the stream
/// does not do.
struct Ops {
    readinto: Option<Object>,
    write: Option<Object>,
    flush: Object,
    isatty: Object,
    fd: i32,
}

impl Ops {
    /// The methods of a stream that reads with `readinto` or writes with `write`, flushes
    /// with `flush` and is a terminal when `isatty` says.
    fn new(
        py: Python<'_>,
        readinto: Option<Object>,
        write: Option<Object>,
        flush: Object,
        isatty: impl Fn() -> bool + Send + Sync + 'static,
        fd: i32,
    ) -> Result<Ops> {
        let isatty = function_in(py, "isatty", None, move |a: &Args<'_>| {
            check_open(a)?;
            Ok(isatty())
        })?;
        Ok(Ops {
            readinto,
            write,
            flush,
            isatty,
            fd,
        })
    }
}

/// The buffer argument of `readinto` or `write` (`missing`: the error without one).
fn buffer_arg<'py>(a: &Args<'py>, writable: bool, missing: &str) -> Result<Buffer<'py>> {
    check_open(a)?;
    let Some(obj) = a.get(1) else {
        return Err(python_error(a.py(), "TypeError", missing));
    };
    Buffer::get(&obj, writable)
}

/// Runs the blocking `op` without the GIL, again after an interruption by a signal (once
/// Python's handlers ran without raising); its other errors become `OSError`s.
fn retrying<T: Send>(
    py: Python<'_>,
    mut op: impl FnMut() -> std::io::Result<T> + Send,
) -> Result<T> {
    loop {
        match py.detach(&mut op) {
            Ok(v) => return Ok(v),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => after_interrupt(py)?,
            Err(e) => return Err(os_error(py, &e)),
        }
    }
}

fn writer_ops(py: Python<'_>, sink: Sink, stream: Stream) -> Result<Ops> {
    let (w, f, t) = (sink.clone(), sink.clone(), sink.clone());
    let write = function_in(py, "write", None, move |a: &Args<'_>| {
        let data = buffer_arg(a, false, "write() takes the bytes to write")?.to_vec();
        if captured(stream, &data) {
            return Ok(data.len());
        }
        let py = a.py();
        let mut done = 0;
        while done < data.len() {
            match retrying(py, || w.write(&data[done..]))? {
                0 => return Err(os_error(py, &std::io::ErrorKind::WriteZero.into())),
                n => done += n,
            }
        }
        Ok(done)
    })?;
    let flush = function_in(py, "flush", None, move |a: &Args<'_>| {
        check_open(a)?;
        retrying(a.py(), || f.flush())
    })?;
    Ops::new(py, None, Some(write), flush, move || t.isatty(), sink.fd())
}

fn reader_ops(py: Python<'_>, source: Source) -> Result<Ops> {
    let (r, t) = (source.clone(), source.clone());
    let readinto = function_in(py, "readinto", None, move |a: &Args<'_>| {
        let mut buffer = buffer_arg(a, true, "readinto() takes a buffer to fill")?;
        let max = buffer.len();
        let data = retrying(a.py(), || r.read(max))?;
        buffer.fill(&data);
        Ok(data.len())
    })?;
    let flush = function_in(py, "flush", None, move |a: &Args<'_>| check_open(a))?;
    Ops::new(
        py,
        Some(readinto),
        None,
        flush,
        move || t.isatty(),
        source.fd(),
    )
}

/// The `install` function of `streams.py`, defined in the current interpreter.
fn installer(py: Python<'_>) -> Result<Object> {
    let ns = Dict::new_in(py)?;
    ns.insert("__name__", "libpython.streams")?;
    py.exec(STREAMS_PY, &ns)?;
    ns.get("install")?
        .ok_or_else(|| crate::Error::conversion("streams.py defines no install function"))
}

/// Makes each `sys.<name>` of the current interpreter (and with `standard`,
/// `sys.__<name>__`) a text stream over its methods, as `streams` makes them.
fn install<const N: usize>(
    standard: bool,
    streams: impl FnOnce(Python<'_>) -> Result<[(&'static str, Ops); N]>,
) -> Result<()> {
    with_gil(|py| {
        let installer = installer(py)?;
        for (name, ops) in streams(py)? {
            installer.bind(py)?.call((
                name,
                ops.fd,
                ops.readinto,
                ops.write,
                ops.flush,
                ops.isatty,
                standard,
            ))?;
        }
        Ok(())
    })
}

/// Routes the standard streams of the calling thread's interpreter through Rust's own:
/// `sys.stdout` writes into `std::io::stdout()` (the line buffer `print!` uses, so Python's
/// and Rust's output stay in order), `sys.stderr` into `std::io::stderr()`, and `sys.stdin`
/// reads from `std::io::stdin()` (one buffer for both languages). The streams are
/// `io.TextIOWrapper`s with the encoding, errors and line buffering Python chose for its own;
/// `sys.__stdout__` and friends are replaced too. Python starts with this unless
/// [`Builder::no_io_redirect`](crate::Builder::no_io_redirect) was used.
///
/// ```
/// libpython::redirect_to_rust()?;
/// let kind: String = libpython::eval("type(__import__('sys').stdout).__name__")?.extract()?;
/// assert_eq!(kind, "TextIOWrapper");
/// let fd: i64 = libpython::eval("__import__('sys').stderr.fileno()")?.extract()?;
/// assert_eq!(fd, 2);
/// # Ok::<(), libpython::Error>(())
/// ```
///
/// # Errors
/// Start-up errors, or a Python exception if the streams cannot be made.
pub fn redirect_to_rust() -> Result<()> {
    install(true, |py| {
        Ok([
            ("stdin", reader_ops(py, Source::Stdin)?),
            ("stdout", writer_ops(py, Sink::Stdout, Stream::Stdout)?),
            ("stderr", writer_ops(py, Sink::Stderr, Stream::Stderr)?),
        ])
    })
}

fn install_writer(stream: Stream, w: Box<dyn Write + Send>) -> Result<()> {
    install(false, |py| {
        Ok([(
            stream.name(),
            writer_ops(py, Sink::Writer(Arc::new(SharedWriter::new(w))), stream)?,
        )])
    })
}

/// Sends `sys.stdout` of the current interpreter into `w`: a UTF-8 `io.TextIOWrapper` whose
/// writes reach `w` at once (`sys.stdout.buffer` takes bytes). An error of `w` raises
/// `OSError` in Python, with the errno of the error (`EIO` when it has none). `w` may run
/// Python code: a thread that prints while another thread is inside `w` does not wait for
/// it, but leaves its bytes to that thread, which writes them next (an error writing them is
/// not reported).
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
///
/// # Errors
/// Start-up errors, or a Python exception if the stream cannot be made.
pub fn set_stdout(w: impl Write + Send + 'static) -> Result<()> {
    install_writer(Stream::Stdout, Box::new(w))
}

/// Sends `sys.stderr` of the current interpreter into `w` (tracebacks printed by Python go
/// there); as [`set_stdout`], with errors `backslashreplace` as Python's own stderr.
///
/// # Errors
/// Start-up errors, or a Python exception if the stream cannot be made.
pub fn set_stderr(w: impl Write + Send + 'static) -> Result<()> {
    install_writer(Stream::Stderr, Box::new(w))
}

/// Makes `r` the `sys.stdin` of the current interpreter: `input()`, `sys.stdin.readline()` and
/// `sys.stdin.buffer.read()` read from it (UTF-8). Wrap a plain reader in a
/// [`std::io::BufReader`]. An error of `r` raises `OSError` in Python.
///
/// ```
/// libpython::set_stdin(std::io::Cursor::new("first line\nsecond\n"))?;
/// let line: String = libpython::eval("input()")?.extract()?;
/// assert_eq!(line, "first line");
/// let rest: String = libpython::eval("__import__('sys').stdin.read()")?.extract()?;
/// assert_eq!(rest, "second\n");
/// # Ok::<(), libpython::Error>(())
/// ```
///
/// # Errors
/// Start-up errors, or a Python exception if the stream cannot be made.
pub fn set_stdin(r: impl BufRead + Send + 'static) -> Result<()> {
    install(false, |py| {
        Ok([(
            "stdin",
            reader_ops(py, Source::Reader(Arc::new(Mutex::new(Box::new(r)))))?,
        )])
    })
}

/// Which standard output stream a raw stream serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stream {
    Stdout,
    Stderr,
}

impl Stream {
    fn name(self) -> &'static str {
        match self {
            Stream::Stdout => "stdout",
            Stream::Stderr => "stderr",
        }
    }
}

thread_local! {
    /// The captures open on this thread ([`capture_output`]), innermost last: what Python
    /// writes to `sys.stdout` and `sys.stderr` on this thread goes to the innermost.
    static CAPTURES: std::cell::RefCell<Vec<CapturedOutputBytes>> = const { std::cell::RefCell::new(Vec::new()) };
}

#[derive(Default)]
struct CapturedOutputBytes {
    stdout: Vec<u8>,
    stderr: Vec<u8>,
}

/// Appends `data`, written by Python to `stream` on this thread, to this thread's innermost
/// capture; whether there was one.
fn captured(stream: Stream, data: &[u8]) -> bool {
    CAPTURES
        .try_with(|c| {
            let mut c = c.borrow_mut();
            let Some(top) = c.last_mut() else {
                return false;
            };
            match stream {
                Stream::Stdout => top.stdout.extend_from_slice(data),
                Stream::Stderr => top.stderr.extend_from_slice(data),
            }
            true
        })
        .unwrap_or(false)
}

/// What Python printed during a [`capture_output`] call, decoded as UTF-8 (invalid bytes
/// replaced by U+FFFD).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CapturedOutput {
    /// What was written to `sys.stdout` (`print`, `sys.stdout.write`, `sys.stdout.buffer`).
    pub stdout: String,
    /// What was written to `sys.stderr` (tracebacks Python prints, warnings, `logging`'s
    /// default handler).
    pub stderr: String,
}

/// Runs `f` and returns, with its result, what Python code running **on this thread** wrote
/// to `sys.stdout` and `sys.stderr` meanwhile, instead of letting it through.
///
/// The capture is per thread, not interpreter-wide: Python's `sys.stdout` is one object for
/// the whole interpreter, but the standard streams libpython installs are written by Rust, on
/// the thread that writes, which looks at that thread's captures. So two threads can capture
/// at the same time and each gets only its own output, and output of other threads, including
/// Python threads that `f` starts (`threading.Thread`), passes through uncaptured. Captures
/// nest: an inner one takes what is written during it, and the outer one does not see that
/// text. Both streams are flushed before the capture ends, so text held in a buffer
/// (`sys.stdout.reconfigure(write_through=False)`) is included.
///
/// Only Python's writes to its standard streams are captured: not Rust's `print!`, nor C code
/// writing to file descriptor 1 or 2 directly. It works while `sys.stdout` and `sys.stderr`
/// are libpython's streams, which they are unless Python started with
/// [`Builder::no_io_redirect`](crate::Builder::no_io_redirect) or Python code replaced them
/// (a stream given to [`set_stdout`] or [`set_stderr`] is libpython's, and is captured too).
/// The GIL is taken only to check the streams before `f` and flush them after; `f` runs as
/// it would without the capture, and may use Python freely.
///
/// ```
/// let (n, out) = libpython::capture_output(|| {
///     libpython::run_simple_string("print('hello'); import sys; print('oops', file=sys.stderr)")?;
///     libpython::eval("6 * 7")?.extract::<i64>()
/// })?;
/// assert_eq!(n?, 42);
/// assert_eq!(out.stdout, "hello\n");
/// assert_eq!(out.stderr, "oops\n");
///
/// // Nested: the inner capture takes its own text.
/// let ((_, inner), outer) = libpython::capture_output(|| {
///     libpython::run_simple_string("print('outer')").unwrap();
///     libpython::capture_output(|| libpython::run_simple_string("print('inner')")).unwrap()
/// })?;
/// assert_eq!((inner.stdout.as_str(), outer.stdout.as_str()), ("inner\n", "outer\n"));
/// # Ok::<(), libpython::Error>(())
/// ```
///
/// # Errors
/// Start-up errors; a `RuntimeError` (before `f` runs) when `sys.stdout` or `sys.stderr` of
/// the thread's interpreter is not one of libpython's streams.
pub fn capture_output<R>(f: impl FnOnce() -> R) -> Result<(R, CapturedOutput)> {
    with_gil(|py| {
        let sys = py.import("sys")?;
        for stream in [Stream::Stdout, Stream::Stderr] {
            let ours = sys
                .getattr(stream.name())
                .and_then(|s| s.getattr("buffer"))
                .and_then(|b| b.get_type()?.getattr("__module__"))
                .and_then(|m| m.extract::<String>())
                .is_ok_and(|m| m == "libpython.streams");
            if !ours {
                return Err(python_error(
                    py,
                    "RuntimeError",
                    &format!(
                        "sys.{} is not one of libpython's streams (Python started with no_io_redirect, or Python \
                         code replaced it), so capture_output cannot see what is written to it",
                        stream.name()
                    ),
                ));
            }
        }
        Ok(())
    })?;
    /// Closes this thread's innermost capture when dropped (also when `f` panics).
    struct Open;
    impl Drop for Open {
        fn drop(&mut self) {
            let _ = CAPTURES.try_with(|c| c.borrow_mut().pop());
        }
    }
    CAPTURES.with(|c| c.borrow_mut().push(CapturedOutputBytes::default()));
    let open = Open;
    let r = f();
    // Text a stream still holds (written without write-through) belongs to this capture.
    let _ = with_gil(|py| {
        let sys = py.import("sys")?;
        for stream in [Stream::Stdout, Stream::Stderr] {
            sys.getattr(stream.name())?.call_method("flush", ())?;
        }
        Ok(())
    });
    let bytes = CAPTURES.with(|c| c.borrow_mut().pop()).unwrap_or_default();
    std::mem::forget(open);
    let text = |b: Vec<u8>| {
        String::from_utf8(b).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
    };
    Ok((
        r,
        CapturedOutput {
            stdout: text(bytes.stdout),
            stderr: text(bytes.stderr),
        },
    ))
}
