//! Running code, modules and builtins.

use std::ffi::CString;

use libpython_interp::ffi;

use crate::conversion::ToPython;
use crate::err::{Error, ErrorKind, Result, fetch};
use crate::gil::{Python, attach as with_gil};
use crate::object::{Bound, Object};

/// The globals and locals a snippet ran with ([`run_simple_string`]): live `dict`s.
#[derive(Debug, Clone)]
pub struct RunResult {
    /// The globals (`__main__.__dict__`).
    pub globals: crate::Dict,
    /// The locals (the same dict at module level).
    pub locals: crate::Dict,
}

/// What kind of code [`compile`] makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Statements (`exec`).
    Exec,
    /// One expression (`eval`).
    Eval,
    /// One interactive statement (`single`): expression values are printed.
    Single,
}

impl Mode {
    fn start(self) -> std::ffi::c_int {
        match self {
            Mode::Exec => ffi::Py_file_input,
            Mode::Eval => ffi::Py_eval_input,
            Mode::Single => ffi::Py_single_input,
        }
    }
}

/// A compiled code object: compile once, run many times (clojure-py's "inject bytecode", done
/// through Python's own compiler so it is always valid for the running version).
#[derive(Debug, Clone)]
pub struct Code {
    code: Object,
    mode: Mode,
}

impl Code {
    /// The code object.
    pub fn as_object(&self) -> &Object {
        &self.code
    }

    /// Runs the code with `globals` (locals are the same dict) and returns the value of an
    /// `Eval` expression, `None` otherwise.
    ///
    /// # Errors
    /// The exception the code raised.
    pub fn run(&self, globals: &crate::Dict) -> Result<Object> {
        self.run_with(globals, None)
    }

    /// Runs the code with `globals` and `locals` (the globals when `None`).
    ///
    /// # Errors
    /// The exception the code raised; objects of another interpreter are refused.
    pub fn run_with(&self, globals: &crate::Dict, locals: Option<&crate::Dict>) -> Result<Object> {
        self.code.with(|c| {
            let py = c.py();
            let g = globals.as_object().bind(py)?;
            let l = match locals {
                Some(l) => l.as_object().bind(py)?,
                None => g,
            };
            ensure_builtins(py, globals)?;
            // SAFETY: live code object and dicts; GIL held.
            unsafe {
                Object::from_owned_ptr_or_err(
                    py,
                    ffi::PyEval_EvalCode(c.as_ptr(), g.as_ptr(), l.as_ptr()),
                )
            }
        })
    }

    /// The mode it was compiled in.
    pub fn mode(&self) -> Mode {
        self.mode
    }
}

impl<'py> Python<'py> {
    /// `None`.
    #[inline]
    pub fn none(self) -> Bound<'py> {
        // SAFETY: `None` is a live object of every interpreter.
        unsafe { Bound::from_borrowed_ptr(self, ffi::Py_None()) }
    }

    /// `import name` (dotted names too: `py.import("os.path")` is the `os.path` module).
    ///
    /// # Errors
    /// `ModuleNotFoundError` and whatever the module raises while importing; [`ErrorKind::Nul`].
    pub fn import(self, name: &str) -> Result<Bound<'py>> {
        let n = crate::conversion::name_object(self, name, "module name")?;
        // SAFETY: live str; GIL held. (`PyImport_Import` asks `__import__` for a non-empty
        // `fromlist`, so a dotted name gives the submodule, not the top-level package.)
        unsafe { Bound::from_owned_ptr_or_err(self, ffi::PyImport_Import(n.as_ptr())) }
    }

    /// The `builtins` module (clojure-py's `py/` namespace): `py.builtins()?.getattr("len")`.
    pub fn builtins(self) -> Result<Bound<'py>> {
        self.import("builtins")
    }

    /// The builtin `name` (`py.builtin("len")`).
    ///
    /// # Errors
    /// An error saying no builtin has that name (it looked in the `builtins` module).
    pub fn builtin(self, name: &str) -> Result<Bound<'py>> {
        match self.builtins()?.getattr(name) {
            Err(e) if matches!(e.kind(), ErrorKind::NoAttribute { .. }) => {
                Err(Error::from(ErrorKind::NoAttribute {
                    type_name: "builtins module".into(),
                    name: name.to_owned(),
                }))
            }
            r => r,
        }
    }

    /// The module `name`, created empty if `sys.modules` lacks it (`PyImport_AddModule`).
    pub fn add_module(self, name: &str) -> Result<Bound<'py>> {
        let c = c_string(name, "module name")?;
        // SAFETY: NUL-terminated name; GIL held; the borrowed result gains a reference on the
        // next line, before anything else runs.
        unsafe {
            let m = ffi::PyImport_AddModule(c.as_ptr());
            if m.is_null() {
                return Err(fetch(self));
            }
            Ok(Bound::from_borrowed_ptr(self, m))
        }
    }

    /// The `__main__` module's dict.
    pub fn main_dict(self) -> Result<crate::Dict> {
        crate::Dict::try_from(self.add_module("__main__")?.getattr("__dict__")?.unbind())
    }

    /// Compiles `source` (named `filename` in tracebacks).
    ///
    /// # Errors
    /// `SyntaxError` with its text and caret, [`ErrorKind::Nul`].
    pub fn compile(self, source: &str, filename: &str, mode: Mode) -> Result<Code> {
        let src = c_string(source, "source code")?;
        let file = c_string(filename, "file name")?;
        // SAFETY: NUL-terminated strings; GIL held.
        let code = unsafe {
            Object::from_owned_ptr_or_err(
                self,
                ffi::Py_CompileString(src.as_ptr(), file.as_ptr(), mode.start()),
            )?
        };
        Ok(Code { code, mode })
    }

    /// Evaluates one expression in a fresh namespace whose builtins are Python's.
    pub fn eval(self, expr: &str) -> Result<Bound<'py>> {
        let globals = crate::Dict::new_in(self)?;
        self.eval_with(expr, &globals, None)
    }

    /// Evaluates one expression with `globals` (and `locals`: the globals when `None`), as
    /// Python's `eval(expr, globals, locals)`.
    ///
    /// ```
    /// use libpython::Dict;
    /// libpython::attach(|py| {
    ///     let g = Dict::namespace()?;
    ///     g.insert("x", 2)?;
    ///     let l = Dict::from_pairs([("y", 3)])?;
    ///     assert_eq!(py.eval_with("x * y", &g, Some(&l))?.extract::<i64>()?, 6);
    ///     Ok(())
    /// })?;
    /// # Ok::<(), libpython::Error>(())
    /// ```
    pub fn eval_with(
        self,
        expr: &str,
        globals: &crate::Dict,
        locals: Option<&crate::Dict>,
    ) -> Result<Bound<'py>> {
        self.compile(expr, "<eval>", Mode::Eval)?
            .run_with(globals, locals)?
            .into_bound(self)
    }

    /// Runs statements with `globals` (and `locals`: the globals when `None`), as Python's
    /// `exec(code, globals, locals)`: names the code binds go into `locals`.
    ///
    /// ```
    /// use libpython::Dict;
    /// libpython::attach(|py| {
    ///     let g = Dict::namespace()?;
    ///     let l = Dict::new()?;
    ///     py.exec_with("import math\nr = math.floor(2.5)", &g, Some(&l))?;
    ///     assert_eq!(l.get_as::<i64>("r")?, Some(2));
    ///     assert!(g.get("r")?.is_none());
    ///     Ok(())
    /// })?;
    /// # Ok::<(), libpython::Error>(())
    /// ```
    pub fn exec_with(
        self,
        code: &str,
        globals: &crate::Dict,
        locals: Option<&crate::Dict>,
    ) -> Result<()> {
        self.compile(code, "<string>", Mode::Exec)?
            .run_with(globals, locals)
            .map(drop)
    }

    /// Deprecated: `eval` with globals; use [`eval_with`](Self::eval_with).
    #[deprecated(since = "0.1.0", note = "use `eval_with(expr, globals, None)`")]
    pub fn eval_in(self, expr: &str, globals: &crate::Dict) -> Result<Bound<'py>> {
        self.eval_with(expr, globals, None)
    }

    /// Runs statements with `globals` (which are also the locals, as at module level).
    pub fn exec(self, code: &str, globals: &crate::Dict) -> Result<()> {
        self.exec_with(code, globals, None)
    }
}

/// Gives `globals` a `__builtins__` entry if it lacks one, as Python's `exec` does (3.9 and
/// 3.10 do not add it themselves, and imports need it).
fn ensure_builtins(py: Python<'_>, globals: &crate::Dict) -> Result<()> {
    let g = globals.as_object().bind(py)?;
    let key = "__builtins__".to_python(py)?;
    // SAFETY: live dict and key; GIL held.
    let has = unsafe { ffi::PyDict_Contains(g.as_ptr(), key.as_ptr()) };
    if has < 0 {
        // SAFETY: -1 with an exception pending.
        return Err(unsafe { fetch(py) });
    }
    if has == 0 {
        // SAFETY: GIL held; the borrowed builtins dict gains a reference inside SetItem.
        unsafe {
            let b = ffi::PyEval_GetBuiltins();
            if b.is_null() || ffi::PyDict_SetItem(g.as_ptr(), key.as_ptr(), b) < 0 {
                if ffi::PyErr_Occurred().is_null() {
                    let m = py.builtins()?;
                    return globals.insert("__builtins__", m);
                }
                return Err(fetch(py));
            }
        }
    }
    Ok(())
}

fn c_string(s: &str, what: &'static str) -> Result<CString> {
    CString::new(s).map_err(|_| {
        Error::from(ErrorKind::Nul {
            what,
            value: s.chars().take(80).collect(),
        })
    })
}

/// Runs `code` as statements in `__main__` and returns its globals and locals as live dicts
/// (libpython-clj's `run-simple-string`).
///
/// ```
/// let r = libpython::run_simple_string("x = 40 + 2")?;
/// let x: i64 = r.globals.get_as("x")?.unwrap();
/// assert_eq!(x, 42);
/// # Ok::<(), libpython::Error>(())
/// ```
///
/// # Errors
/// The exception, with Python's traceback text (a `SyntaxError` keeps the offending line
/// and caret verbatim).
pub fn run_simple_string(code: &str) -> Result<RunResult> {
    with_gil(|py| {
        let globals = py.main_dict()?;
        py.compile(code, "<string>", Mode::Exec)?.run(&globals)?;
        Ok(RunResult {
            locals: globals.clone(),
            globals,
        })
    })
}

/// Evaluates one expression (see [`Python::eval`]).
pub fn eval(expr: &str) -> Result<Object> {
    with_gil(|py| py.eval(expr).map(Bound::unbind))
}

/// Evaluates one expression with `globals` and `locals` (see [`Python::eval_with`]).
pub fn eval_with(
    expr: &str,
    globals: &crate::Dict,
    locals: Option<&crate::Dict>,
) -> Result<Object> {
    with_gil(|py| py.eval_with(expr, globals, locals).map(Bound::unbind))
}

/// Runs statements with `globals` (see [`Python::exec`]).
pub fn exec(code: &str, globals: &crate::Dict) -> Result<()> {
    with_gil(|py| py.exec(code, globals))
}

/// Runs statements with `globals` and `locals` (see [`Python::exec_with`]).
pub fn exec_with(code: &str, globals: &crate::Dict, locals: Option<&crate::Dict>) -> Result<()> {
    with_gil(|py| py.exec_with(code, globals, locals))
}

/// Compiles source once, to run many times (see [`Python::compile`]).
pub fn compile(source: &str, filename: &str, mode: Mode) -> Result<Code> {
    with_gil(|py| py.compile(source, filename, mode))
}

/// `import name` (libpython-clj's `import-module`; dotted names give the submodule).
///
/// ```
/// let math = libpython::import("math")?;
/// let r: f64 = math.call_method("sqrt", (16.0,))?.extract()?;
/// assert_eq!(r, 4.0);
/// assert_eq!(libpython::import("os.path")?.getattr("__name__")?.extract::<String>()?, "posixpath");
/// # Ok::<(), libpython::Error>(())
/// ```
pub fn import(name: &str) -> Result<Object> {
    with_gil(|py| py.import(name).map(Bound::unbind))
}

/// Deprecated name of [`import`].
#[deprecated(since = "0.1.0", note = "renamed `import`, as in PyO3")]
pub fn import_module(name: &str) -> Result<Object> {
    import(name)
}

/// The `builtins` module.
pub fn builtins() -> Result<Object> {
    with_gil(|py| py.builtins().map(Bound::unbind))
}

/// A builtin by name (`builtin("len")`): clojure-py's `py/len`.
///
/// ```
/// let e = libpython::builtin("nope").unwrap_err();
/// assert!(e.to_string().contains("builtins"), "{e}");
/// # Ok::<(), libpython::Error>(())
/// ```
///
/// # Errors
/// An error saying no builtin has that name (it looked in the `builtins` module).
pub fn builtin(name: &str) -> Result<Object> {
    with_gil(|py| py.builtin(name).map(Bound::unbind))
}

/// `PyImport_AddModule` (libpython-clj's `add-module`).
pub fn add_module(name: &str) -> Result<Object> {
    with_gil(|py| py.add_module(name).map(Bound::unbind))
}

/// A module's `__dict__` as a live dict (libpython-clj's `module-dict`).
pub fn module_dict(module: &Object) -> Result<crate::Dict> {
    crate::Dict::try_from(module.getattr("__dict__")?)
}

/// Converts a Rust value into a Python object (libpython-clj's `->python`).
pub fn to_python<T: ToPython + ?Sized>(value: &T) -> Result<Object> {
    with_gil(|py| value.to_python(py))
}

/// `from module import a, b`: binds each name to the module's attribute (libpython-clj's
/// `from-import`). The left side is a dotted path, which may go on past the module into its
/// attributes, and each name may be a submodule not imported yet, as Python's `from ... import`
/// finds it.
///
/// ```
/// libpython::from_import!(math: sqrt, pi);
/// let r: f64 = sqrt.call((pi,))?.extract()?;
/// assert!((r - std::f64::consts::PI.sqrt()).abs() < 1e-12);
///
/// // A path into a module's attributes: `collections.OrderedDict` is a class.
/// libpython::from_import!(collections.OrderedDict: fromkeys);
/// let d = fromkeys.call((vec!["a", "b"],))?;
/// assert_eq!(d.type_name()?, "OrderedDict");
/// // A submodule of a package, imported on the way, as `from xml import dom` does.
/// libpython::from_import!(xml: dom);
/// assert_eq!(dom.getattr("__name__")?.extract::<String>()?, "xml.dom");
/// # Ok::<(), libpython::Error>(())
/// ```
///
/// # Errors
/// As [`import`]; a name the module does not have is Python's `ImportError` (`cannot import
/// name 'x' from 'module'`), an attribute an object lacks [`ErrorKind::NoAttribute`].
#[macro_export]
macro_rules! from_import {
    ($($path:ident).+ : $($name:ident),+ $(,)?) => {
        let __from_path: &[&str] = &[$(stringify!($path)),+];
        let __from = $crate::__resolve(__from_path)?;
        $( let $name = $crate::__from(&__from, __from_path, stringify!($name))?; )+
    };
}

/// `import module as alias` (libpython-clj's `import-as`). The path may go on past the module into
/// its attributes (`os.path.join as join`); `import_as!(os.path, p)` is the same as
/// `import_as!(os.path as p)`, in libpython-clj's order.
///
/// ```
/// libpython::import_as!(os.path as osp);
/// let j: String = osp.call_method("join", ("a", "b"))?.extract()?;
/// assert_eq!(j, "a/b");
/// libpython::import_as!(os.path.basename as base);
/// assert_eq!(base.call(("/tmp/x.txt",))?.extract::<String>()?, "x.txt");
/// libpython::import_as!(json.decoder, dec);
/// assert!(dec.hasattr("JSONDecoder")?);
/// # Ok::<(), libpython::Error>(())
/// ```
///
/// # Errors
/// As [`from_import!`].
#[macro_export]
macro_rules! import_as {
    ($($path:ident).+ as $alias:ident) => {
        let $alias = $crate::__resolve(&[$(stringify!($path)),+])?;
    };
    ($($path:ident).+ , $alias:ident) => {
        let $alias = $crate::__resolve(&[$(stringify!($path)),+])?;
    };
}

#[doc(hidden)]
pub fn __dotted(parts: &[&str]) -> String {
    parts.join(".")
}

/// The object a dotted path names: its first part imported, then each further part an
/// attribute, or a submodule imported on the way (see [`from_import!`]).
#[doc(hidden)]
pub fn __resolve(parts: &[&str]) -> Result<Object> {
    with_gil(|py| {
        let Some((first, rest)) = parts.split_first() else {
            return Err(Error::conversion("an empty import path"));
        };
        let mut obj = py.import(first)?;
        let mut path = (*first).to_owned();
        for seg in rest {
            obj = attribute_or_submodule(&obj, &path, seg)?;
            path = format!("{path}.{seg}");
        }
        Ok(obj.unbind())
    })
}

/// `from <path> import name`, `from` being what `path` resolved to (see [`from_import!`]).
#[doc(hidden)]
pub fn __from(from: &Object, path: &[&str], name: &str) -> Result<Object> {
    from.with(|b| attribute_or_submodule(b, &path.join("."), name).map(Bound::unbind))
}

/// `obj.name`, where `obj` is what the dotted `path` names; for a package, a submodule not
/// imported yet is imported, as Python's `from path import name` does.
fn attribute_or_submodule<'py>(obj: &Bound<'py>, path: &str, name: &str) -> Result<Bound<'py>> {
    let py = obj.py();
    match obj.getattr(name) {
        Err(e) if matches!(e.kind(), ErrorKind::NoAttribute { .. }) => {}
        found => return found,
    }
    // SAFETY: live object, GIL held.
    if !unsafe { ffi::PyModule_Check(obj.as_ptr()) } {
        return Err(Error::from(ErrorKind::NoAttribute {
            type_name: obj.type_name()?,
            name: name.to_owned(),
        }));
    }
    if obj.hasattr("__path__")? {
        let full = format!("{path}.{name}");
        match py.import(&full) {
            Ok(m) => return Ok(m),
            // Only "no such module" means the name is missing; an error raised while importing
            // a submodule that exists is that error.
            Err(e)
                if e.as_python().is_some_and(|e| {
                    e.is_instance_of("ModuleNotFoundError")
                        && e.value()
                            .and_then(|v| v.getattr("name").ok())
                            .and_then(|n| n.extract::<String>().ok())
                            .as_deref()
                            == Some(full.as_str())
                }) => {}
            Err(e) => return Err(e),
        }
    }
    Err(crate::err::runtime_like(
        py,
        "ImportError",
        &format!("cannot import name '{name}' from '{path}'"),
    ))
}
