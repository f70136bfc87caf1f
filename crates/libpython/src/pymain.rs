//! Running a program the way the `python` command does: `-m MODULE`, `-c CODE`, `SCRIPT` or
//! `-`, with arguments, ending as `python` ends.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use libpython_interp as interp;
use libpython_interp::ffi;

use crate::Builder;
use crate::conversion::Bytes;
use crate::err::{Error, ErrorKind, Result, restore};
use crate::gil::{Python, attach as with_gil};
use crate::object::{Bound, Object};

/// What to run, as the `python` command names it on its command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Program {
    /// `-m MODULE`: the module run as `__main__` through `runpy`; `sys.argv[0]` becomes its
    /// file, `sys.path[0]` is the current directory.
    Module(String),
    /// `-c CODE`: the code run in `__main__` as `<string>`; `sys.argv[0]` is `-c`,
    /// `sys.path[0]` is `''`.
    Code(String),
    /// `SCRIPT`: a Python source file run in `__main__` under its absolute path (`__file__`,
    /// tracebacks; `sys.argv[0]` as given, `sys.path[0]` its directory), or a directory or zip
    /// file whose `__main__` module is run (`sys.path[0]` the path itself).
    Script(PathBuf),
    /// `-`: the program read from standard input, run as `<stdin>` (its `__file__` too);
    /// `sys.path[0]` is `''`.
    Stdin,
}

/// How a program ended, as the `python` command ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// End with this exit status: 0, a `SystemExit` code, 1 for an uncaught exception, 2 for
    /// a script that cannot be opened, 120 when flushing the standard streams at shutdown
    /// failed.
    Code(i32),
    /// An uncaught `KeyboardInterrupt`: end by `SIGINT`, so that a shell or a parent process
    /// sees the interrupt.
    Interrupted,
}

impl Exit {
    /// The status a shell reports for this outcome: the code, or 130 (128 + `SIGINT`).
    ///
    /// ```
    /// assert_eq!(libpython::Exit::Code(3).code(), 3);
    /// assert_eq!(libpython::Exit::Interrupted.code(), 130);
    /// ```
    pub fn code(self) -> i32 {
        match self {
            Exit::Code(c) => c,
            Exit::Interrupted => 128 + libc::SIGINT,
        }
    }

    /// Ends the process with this outcome: [`std::process::exit`] with the code, or, for
    /// [`Exit::Interrupted`], by `SIGINT` with its default action (as `python` does; status
    /// 130 if the signal does not end the process). Rust's stdout is flushed first.
    pub fn exit(self) -> ! {
        use std::io::Write;
        if self == Exit::Interrupted {
            let _ = std::io::stdout().flush();
            // SAFETY: plain system calls with valid arguments. Resetting SIGINT to its default
            // action and sending it to this process ends the process as an interrupt ends it.
            unsafe {
                if libc::signal(libc::SIGINT, libc::SIG_DFL) != libc::SIG_ERR {
                    libc::kill(libc::getpid(), libc::SIGINT);
                }
            }
        }
        std::process::exit(self.code())
    }
}

/// A program run the way the `python` command runs it: Python is started (with its signal
/// handlers, `sys.argv` set as `python` sets it, the standard streams routed through Rust), the
/// program runs in `__main__`, and Python is finalized (non-daemon threads joined, `atexit`
/// handlers run, the standard streams flushed). The outcome is the one `python` would have:
/// `SystemExit`'s code (its message printed if it is not a number), an uncaught exception's
/// traceback printed through `sys.excepthook` and status 1, an uncaught `KeyboardInterrupt` as
/// [`Exit::Interrupted`], status 120 if flushing the streams at shutdown fails.
///
/// ```
/// use libpython::{Exit, Program, PythonMain};
/// let exit = PythonMain::new(Program::Code("import sys; sys.exit(sys.argv[1:] != ['a', 'b'])".into()))
///     .args(["a", "b"])
///     .run()?;
/// assert_eq!(exit, Exit::Code(0));
/// # Ok::<(), libpython::Error>(())
/// ```
///
/// A program made of `python`'s own command line: `PythonMain::from_args(["-m", "json.tool",
/// "data.json"])`; an example binary, `pyrun`, is that line and [`Exit::exit`].
#[derive(Debug, Clone)]
pub struct PythonMain {
    program: Program,
    args: Vec<OsString>,
    builder: Builder,
    signal_handlers: bool,
}

impl PythonMain {
    /// `program`, with no arguments, Python found by discovery, signal handlers installed.
    pub fn new(program: Program) -> Self {
        PythonMain {
            program,
            args: Vec::new(),
            builder: Builder::new(),
            signal_handlers: true,
        }
    }

    /// Reads `python`'s command line (without the program name): `-c CODE`, `-m MODULE`,
    /// `-` or `SCRIPT`, then the program's arguments. The value of `-c` and `-m` may be
    /// attached (`-mjson.tool`); `--` ends the options.
    ///
    /// ```
    /// use libpython::{Program, PythonMain};
    /// let m = PythonMain::from_args(["-m", "http.server", "8000"])?;
    /// assert_eq!(m.program(), &Program::Module("http.server".into()));
    /// assert_eq!(m.arguments(), ["8000"]);
    /// let bad = PythonMain::from_args(["-q"]).unwrap_err();
    /// assert!(bad.to_string().contains("-q"), "{bad}");
    /// # Ok::<(), libpython::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`ErrorKind::CommandLine`] naming what is wrong: no program, an option without its value,
    /// an option other than those above, a module name or code that is not valid UTF-8.
    pub fn from_args<I, S>(args: I) -> Result<Self>
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        let mut args = args.into_iter().map(Into::into);
        let utf8 = |value: OsString, what: &str| {
            value
                .into_string()
                .map_err(|v| Error::command_line(format!("the {what} {v:?} is not valid UTF-8")))
        };
        let Some(arg) = args.next() else {
            return Err(Error::command_line(
                "no program given: expected -c CODE, -m MODULE, - or a script",
            ));
        };
        let program = match arg.as_bytes() {
            b"--" => match args.next() {
                Some(script) => Program::Script(script.into()),
                None => return Err(Error::command_line("no script given after --")),
            },
            b"-" => Program::Stdin,
            [b'-', flag @ (b'c' | b'm'), rest @ ..] => {
                let attached = (!rest.is_empty()).then(|| OsStr::from_bytes(rest).to_owned());
                let Some(value) = attached.or_else(|| args.next()) else {
                    return Err(Error::command_line(format!(
                        "-{} needs an argument",
                        *flag as char
                    )));
                };
                if *flag == b'c' {
                    Program::Code(utf8(value, "code of -c")?)
                } else {
                    Program::Module(utf8(value, "module name of -m")?)
                }
            }
            [b'-', ..] => {
                return Err(Error::command_line(format!(
                    "unsupported option {}: this runner takes -c CODE, -m MODULE, - or a script, then the program's arguments",
                    arg.to_string_lossy()
                )));
            }
            _ => Program::Script(arg.into()),
        };
        Ok(PythonMain::new(program).args(args))
    }

    /// [`from_args`](Self::from_args) with this process's arguments (after its name).
    ///
    /// # Errors
    /// As [`from_args`](Self::from_args).
    pub fn from_env() -> Result<Self> {
        Self::from_args(std::env::args_os().skip(1))
    }

    /// The program's arguments: `sys.argv[1:]`.
    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        self.args = args.into_iter().map(Into::into).collect();
        self
    }

    /// Starts Python with `builder` (which Python, program name, stream routing); its
    /// `sys.argv` and signal handler settings are replaced by this program's.
    pub fn builder(mut self, builder: Builder) -> Self {
        self.builder = builder;
        self
    }

    /// Whether Python installs its signal handlers (default: yes, as `python` does).
    pub fn signal_handlers(mut self, on: bool) -> Self {
        self.signal_handlers = on;
        self
    }

    /// What runs.
    pub fn program(&self) -> &Program {
        &self.program
    }

    /// The program's arguments.
    pub fn arguments(&self) -> &[OsString] {
        &self.args
    }

    /// Starts Python, runs the program, finalizes Python, and returns how `python` would have
    /// ended ([`Exit::exit`] ends the process that way). Errors of the program are not
    /// `Err`: they are printed and become the exit status, as under `python`.
    ///
    /// # Errors
    /// Python cannot start (discovery, loading, start-up), or it runs already: this runs the
    /// whole life of Python, from start-up to finalization.
    pub fn run(self) -> Result<Exit> {
        if interp::is_running() {
            return Err(Error::from(interp::Error::Unsupported(
                "PythonMain starts and finalizes Python itself, but Python is already running",
            )));
        }
        let argv0: OsString = match &self.program {
            Program::Module(_) => "-m".into(),
            Program::Code(_) => "-c".into(),
            Program::Script(p) => p.clone().into(),
            Program::Stdin => "-".into(),
        };
        let argv = std::iter::once(argv0).chain(self.args.iter().cloned());
        self.builder
            .signal_handlers(self.signal_handlers)
            .argv(argv)
            .initialize()?;
        let ran = with_gil(|py| Ok(run_program(py, &self.program)));
        let exit = match ran {
            Ok(Ok(exit)) => exit,
            Ok(Err(e)) => with_gil(|py| Ok(report(py, e))).unwrap_or(Exit::Code(1)),
            Err(e) => {
                eprintln!("{e}");
                Exit::Code(1)
            }
        };
        match crate::finalize() {
            Ok(()) => Ok(exit),
            Err(e) if matches!(e.kind(), ErrorKind::Interp(interp::Error::Python(_))) => {
                Ok(if exit == Exit::Interrupted {
                    exit
                } else {
                    Exit::Code(120)
                })
            }
            Err(e) => {
                eprintln!("{e}");
                Ok(Exit::Code(120))
            }
        }
    }
}

/// Sets `sys.argv` to `argv`, and `sys.orig_argv` (3.10+) to this process's command line,
/// decoding each item as Python decodes its own command line.
pub(crate) fn set_argv(argv: &[OsString]) -> Result<()> {
    with_gil(|py| {
        let sys = py.import("sys")?;

        sys.setattr("argv", decoded(py, argv)?)?;
        if sys.hasattr("orig_argv")? {
            let own: Vec<OsString> = std::env::args_os().collect();
            sys.setattr("orig_argv", decoded(py, &own)?)?;
        }
        Ok(())
    })
}

/// A list of `str` from OS strings, through `os.fsdecode` (undecodable bytes become
/// surrogates, as in `sys.argv` of `python`).
fn decoded(py: Python<'_>, items: &[OsString]) -> Result<Vec<Object>> {
    let fsdecode = py.import("os")?.getattr("fsdecode")?;
    items
        .iter()
        .map(|item| {
            fsdecode
                .call((Bytes(item.as_bytes().to_vec()),))
                .map(Bound::unbind)
        })
        .collect()
}

/// Runs the program; `Ok` with the exit status when it ends without an exception (or cannot
/// start: a script that cannot be opened).
fn run_program(py: Python<'_>, program: &Program) -> Result<Exit> {
    let safe_path = py
        .import("sys")?
        .getattr("flags")?
        .getattr("safe_path")
        .and_then(|f| f.is_truthy())
        .unwrap_or(false);
    let path0 = |p: &dyn crate::ToPython| -> Result<()> {
        if !safe_path {
            py.import("sys")?
                .getattr("path")?
                .call_method("insert", (0, p))?;
        }
        Ok(())
    };
    match program {
        Program::Module(module) => {
            let cwd = std::env::current_dir().map_err(|e| {
                Error::command_line(format!("the current directory cannot be read: {e}"))
            })?;
            path0(&cwd)?;
            run_module_as_main(py, module, true)?;
        }
        Program::Code(source) => {
            path0(&"")?;
            let code = compile(py, &source.as_str(), &"<string>")?;
            show_source_in_tracebacks(py, source)?;
            exec_in_main(py, &code, None)?;
        }
        Program::Stdin => {
            path0(&"")?;
            let source = py
                .import("sys")?
                .getattr("stdin")?
                .getattr("buffer")?
                .call_method("read", ())?;
            let code = compile(py, &source, &"<stdin>")?;
            exec_in_main(py, &code, Some(Path::new("<stdin>")))?;
        }
        Program::Script(path) => {
            if is_package_path(py, path) {
                // A directory or zip file: its `__main__` module runs, found on sys.path[0].
                py.import("sys")?
                    .getattr("path")?
                    .call_method("insert", (0, path.as_path()))?;
                run_module_as_main(py, "__main__", false)?;
                return Ok(Exit::Code(0));
            }
            // As `python` (3.9+), the script runs under its absolute path (the current
            // directory joined to it, nothing normalised): `__file__` and tracebacks show it.
            let absolute = std::env::current_dir()
                .map(|d| d.join(path))
                .unwrap_or_else(|_| path.clone());
            let source = match std::fs::read(path) {
                Ok(s) => s,
                Err(e) => {
                    let shown = &absolute;
                    let me = std::env::args_os().next().unwrap_or_default();
                    let text: String = py
                        .import("os")?
                        .call_method("strerror", (e.raw_os_error().unwrap_or(libc::EIO),))?
                        .extract()?;
                    eprintln!(
                        "{}: can't open file {}: [Errno {}] {text}",
                        me.to_string_lossy(),
                        py_repr(py, shown)?,
                        e.raw_os_error().unwrap_or(libc::EIO)
                    );
                    return Ok(Exit::Code(2));
                }
            };
            let dir = std::fs::canonicalize(path)
                .ok()
                .and_then(|p| p.parent().map(Path::to_path_buf))
                .unwrap_or_default();
            path0(&dir)?;
            let code = compile(py, &Bytes(source), &absolute)?;
            exec_in_main(py, &code, Some(&absolute))?;
        }
    }
    Ok(Exit::Code(0))
}

/// From 3.13 on, `python -c` puts the code into `linecache` under `<string>`, so tracebacks
/// show its lines (with carets); the same entry is made here.
fn show_source_in_tracebacks(py: Python<'_>, source: &str) -> Result<()> {
    if !ffi::library().is_some_and(|l| l.version().at_least(3, 13)) {
        return Ok(());
    }
    let ns = crate::Dict::new_in(py)?;
    ns.insert("source", source)?;
    py.exec(
        "import linecache\n\
         linecache.cache['<string>'] = (len(source), None, [line + '\\n' for line in source.splitlines()], '<string>')\n",
        &ns,
    )
}

/// `repr()` of a path as Python shows it.
fn py_repr(py: Python<'_>, p: &Path) -> Result<String> {
    crate::ToPython::to_python(p, py)?.repr()
}

/// Whether `path` is a directory or a zip file (what `python` runs through its `__main__`
/// module, as its import system would find it there).
fn is_package_path(py: Python<'_>, path: &Path) -> bool {
    if path.is_dir() {
        return true;
    }
    if !path.is_file() {
        return false;
    }
    let zip = || -> Result<()> {
        py.import("zipimport")?
            .getattr("zipimporter")?
            .call((path,))?;
        Ok(())
    };
    zip().is_ok()
}

/// `runpy._run_module_as_main(name, alter_argv)`: what `python -m` calls.
fn run_module_as_main(py: Python<'_>, name: &str, alter_argv: bool) -> Result<()> {
    py.import("runpy")?
        .call_method("_run_module_as_main", (name, alter_argv))?;
    Ok(())
}

/// Python's `compile(source, filename, "exec")` (which reads a source's encoding declaration
/// when given bytes). What it gives is checked to be a code object: code run at start-up
/// (`sitecustomize`, a `.pth` file) may have replaced `builtins.compile`.
fn compile(
    py: Python<'_>,
    source: &dyn crate::ToPython,
    filename: &dyn crate::ToPython,
) -> Result<Object> {
    let code = py
        .builtins()?
        .call_method("compile", (source, filename, "exec"))?;
    // SAFETY: the GIL is held; the constant source compiles to a new code object (of the one
    // code type, which cannot be subclassed), released after its type is read.
    let code_type = unsafe {
        let probe = Object::from_owned_ptr_or_err(
            py,
            ffi::Py_CompileString(c"0".as_ptr(), c"<code type>".as_ptr(), ffi::Py_eval_input),
        )?;
        ffi::Py_TYPE(probe.as_ptr())
    };
    // SAFETY: a live object; the GIL is held.
    if unsafe { ffi::Py_TYPE(code.as_ptr()) } != code_type {
        return Err(Error::type_error(
            "a code object from builtins.compile",
            crate::conversion::tname(&code),
        ));
    }
    Ok(code.unbind())
}

/// Runs `code` in `__main__`'s namespace, with `__file__` and `__cached__` set while it runs
/// for a script, as `python` does.
fn exec_in_main(py: Python<'_>, code: &Object, file: Option<&Path>) -> Result<()> {
    let globals = py.main_dict()?;
    let set_file = file.is_some() && !globals.contains_key("__file__")?;
    if let (true, Some(f)) = (set_file, file) {
        globals.insert("__file__", f)?;
        globals.insert("__cached__", py.none())?;
    }
    let g = globals.as_object().bind(py)?;
    // SAFETY: a live code object and dict; the GIL is held (`py`).
    let ran = unsafe {
        Object::from_owned_ptr_or_err(
            py,
            ffi::PyEval_EvalCode(code.as_ptr(), g.as_ptr(), g.as_ptr()),
        )
    };
    if set_file {
        globals.remove("__file__")?;
        globals.remove("__cached__")?;
    }
    ran.map(drop)
}

/// What an exception that ended the program means: prints it (a traceback through
/// `sys.excepthook`, or a `SystemExit` message) and gives the exit status.
fn report(py: Python<'_>, err: Error) -> Exit {
    if let ErrorKind::Python(p) = err.kind()
        && p.is_instance_of("SystemExit")
    {
        return system_exit(py, p.value());
    }
    let interrupted = err.as_python().and_then(|p| p.value()).is_some_and(|v| {
        // SAFETY: a live exception object of this interpreter; the GIL is held (`py`).
        unsafe {
            ffi::Py_TYPE(v.as_ptr()).cast::<ffi::PyObject>()
                == *ffi::data::PyExc_KeyboardInterrupt()
        }
    });
    // SAFETY: the GIL is held; `restore` makes `err` the pending exception, which
    // `PyErr_Print` prints through `sys.excepthook` and clears.
    unsafe {
        restore(py, err);
        ffi::PyErr_Print();
    }
    if interrupted {
        Exit::Interrupted
    } else {
        Exit::Code(1)
    }
}

/// The exit status of a `SystemExit`: its `code` if an int (0 for `None`), else 1 after
/// writing the code's `str` to `sys.stderr`, as `python` does.
fn system_exit(py: Python<'_>, value: Option<&Object>) -> Exit {
    let Some(value) = value else {
        return Exit::Code(1);
    };
    let status = || -> Result<Exit> {
        let code = value.bind(py)?.getattr("code")?;
        if code.is_none()? {
            return Ok(Exit::Code(0));
        }
        let is_int = py.eval("int")?.unbind();
        if code.is_instance(&is_int)? {
            // As C's `(int)PyLong_AsLong(code)`: -1 when it does not fit a long.
            let n: i64 = code.extract().unwrap_or(-1);
            return Ok(Exit::Code(n as i32));
        }
        let text = code.str()?;
        let stderr = py.import("sys")?.getattr("stderr")?;
        stderr.call_method("write", (text,))?;
        stderr.call_method("write", ("\n",))?;
        Ok(Exit::Code(1))
    };
    let exit = status().unwrap_or(Exit::Code(1));
    // SAFETY: the GIL is held; a failure above may have left an exception pending.
    unsafe { ffi::PyErr_Clear() };
    exit
}
