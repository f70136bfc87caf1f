//! Finding the Python to embed.
//!
//! The order, first match wins:
//!
//! 1. an explicit library path ([`Request::library`]);
//! 2. an explicit executable ([`Request::executable`]);
//! 3. `LIBPYTHON_LIBRARY`, a library path;
//! 4. `LIBPYTHON_PYTHON`, an executable;
//! 5. the active virtual environment (`VIRTUAL_ENV`);
//! 6. the active conda environment (`CONDA_PREFIX`);
//! 7. `python3`, then `python`, on `PATH` (pyenv's shims included).
//!
//! Every candidate executable is asked, by running it, for its version, library directory and
//! name, build kind, prefixes and whether it was built with a shared library. Steps 1 to 6 are
//! taken as the user's choice: if one is set and refused, discovery fails with the reason
//! instead of silently falling back to another Python. Errors list every place tried.

use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use libpython_ffi::Version;
use wait_timeout::ChildExt;

/// Environment variable naming a libpython to load.
pub const ENV_LIBRARY: &str = "LIBPYTHON_LIBRARY";
/// Environment variable naming a Python executable whose libpython to load.
pub const ENV_PYTHON: &str = "LIBPYTHON_PYTHON";

/// How long a candidate interpreter may take to answer the probe.
const PROBE_TIMEOUT: Duration = Duration::from_secs(30);

/// What to look for. The default looks in the environment and on `PATH`.
///
/// ```
/// use libpython_interp::discovery::Request;
/// let req = Request::default().executable("/usr/bin/python3");
/// assert_eq!(req.executable_path().unwrap().to_str(), Some("/usr/bin/python3"));
/// ```
#[derive(Debug, Clone, Default)]
pub struct Request {
    library: Option<PathBuf>,
    executable: Option<PathBuf>,
    ignore_environment: bool,
    environment: Option<std::collections::BTreeMap<String, std::ffi::OsString>>,
}

impl Request {
    /// Load this libpython (`.so`). Its interpreter executable is looked for beside it, to
    /// serve as the program name (so `sys.prefix` and `sys.executable` are right).
    pub fn library(mut self, path: impl Into<PathBuf>) -> Self {
        self.library = Some(path.into());
        self
    }

    /// Use the libpython of this interpreter (a venv's `bin/python` works: the venv's packages
    /// are used).
    pub fn executable(mut self, path: impl Into<PathBuf>) -> Self {
        self.executable = Some(path.into());
        self
    }

    /// Ignore `LIBPYTHON_*`, `VIRTUAL_ENV` and `CONDA_PREFIX`.
    pub fn ignore_environment(mut self, yes: bool) -> Self {
        self.ignore_environment = yes;
        self
    }

    /// Read environment variables (`LIBPYTHON_*`, `VIRTUAL_ENV`, `CONDA_PREFIX`, `PATH`) from
    /// this map instead of the process environment.
    pub fn environment(
        mut self,
        vars: impl IntoIterator<Item = (String, std::ffi::OsString)>,
    ) -> Self {
        self.environment = Some(vars.into_iter().collect());
        self
    }

    fn var(&self, name: &str) -> Option<std::ffi::OsString> {
        match &self.environment {
            Some(m) => m.get(name).cloned(),
            None => std::env::var_os(name),
        }
    }

    /// The explicit library, if any.
    pub fn library_path(&self) -> Option<&Path> {
        self.library.as_deref()
    }

    /// The explicit executable, if any.
    pub fn executable_path(&self) -> Option<&Path> {
        self.executable.as_deref()
    }
}

/// The kind of CPython build.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BuildKind {
    /// An ordinary release build.
    Release,
    /// A `Py_DEBUG` build (`sys.gettotalrefcount` exists).
    Debug,
    /// A free-threaded build (`Py_GIL_DISABLED`).
    FreeThreaded,
}

impl fmt::Display for BuildKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BuildKind::Release => "release",
            BuildKind::Debug => "debug",
            BuildKind::FreeThreaded => "free-threaded",
        })
    }
}

/// What a candidate interpreter says about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PythonInfo {
    /// The executable that was run.
    pub executable: PathBuf,
    /// `sys.version_info[:3]`.
    pub version: Version,
    /// `sys.executable` as the interpreter reports it (the venv's `bin/python` for a venv).
    pub sys_executable: PathBuf,
    /// `sys.prefix` (the venv for a venv).
    pub prefix: PathBuf,
    /// `sys.base_prefix` (the installation a venv was made from).
    pub base_prefix: PathBuf,
    /// `sysconfig`'s `LIBDIR`.
    pub libdir: Option<PathBuf>,
    /// `sysconfig`'s `INSTSONAME` (or `LDLIBRARY`): the shared library's file name.
    pub library_name: Option<String>,
    /// Other directories the library may be in (`LIBPL`, multiarch directory).
    pub other_dirs: Vec<PathBuf>,
    /// Built with `--enable-shared`.
    pub shared: bool,
    /// Release, debug or free-threaded.
    pub build: BuildKind,
}

impl PythonInfo {
    /// Whether this interpreter runs inside a virtual environment.
    pub fn is_venv(&self) -> bool {
        self.prefix != self.base_prefix
    }

    /// The shared library to load: the first of the candidate paths that exists.
    pub fn library_candidates(&self) -> Vec<PathBuf> {
        let mut names: Vec<String> = Vec::new();
        if let Some(n) = &self.library_name {
            names.push(n.clone());
        }
        let short = format!(
            "libpython{}.{}{}.so",
            self.version.major,
            self.version.minor,
            match self.build {
                BuildKind::FreeThreaded => "t",
                BuildKind::Debug => "d",
                BuildKind::Release => "",
            }
        );
        names.push(format!("{short}.1.0"));
        names.push(short);
        let mut dirs: Vec<PathBuf> = Vec::new();
        dirs.extend(self.libdir.iter().cloned());
        dirs.extend(self.other_dirs.iter().cloned());
        dirs.push(self.base_prefix.join("lib"));
        let mut out = Vec::new();
        for d in &dirs {
            for n in &names {
                let p = d.join(n);
                if !out.contains(&p) {
                    out.push(p);
                }
            }
        }
        out
    }
}

/// Where discovery ended up: what to load and how to start it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// The libpython to load.
    pub library: PathBuf,
    /// The program name to give Python before start-up (the interpreter executable, or the
    /// venv's `bin/python`), so `sys.prefix`, `sys.executable` and `site-packages` are those of
    /// the chosen environment. `None` when only a library was given and no executable was found
    /// beside it.
    pub program_name: Option<PathBuf>,
    /// What the interpreter said about itself, when an executable was run.
    pub info: Option<PythonInfo>,
    /// How it was found (`"explicit library"`, `"VIRTUAL_ENV"`, `"PATH python3"`, ...).
    pub source: &'static str,
    /// Every step tried before this one, with why it was passed over.
    pub tried: Vec<Attempt>,
}

/// One step of discovery and what came of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    /// The step (`"VIRTUAL_ENV"`, `"PATH python3"`, ...).
    pub source: &'static str,
    /// The path looked at, if the step had one.
    pub path: Option<PathBuf>,
    /// What happened.
    pub outcome: String,
}

impl fmt::Display for Attempt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.path {
            Some(p) => write!(f, "{}: {}: {}", self.source, p.display(), self.outcome),
            None => write!(f, "{}: {}", self.source, self.outcome),
        }
    }
}

/// Why no Python could be used.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DiscoveryError {
    /// A path given (or named by the environment) does not exist.
    NotFound {
        /// The step that named it.
        source: &'static str,
        /// The path.
        path: PathBuf,
        /// The steps tried before.
        tried: Vec<Attempt>,
    },
    /// The interpreter is older than 3.9 (Python 2 included).
    Unsupported {
        /// The executable or library.
        path: PathBuf,
        /// Its version.
        version: Version,
        /// The steps tried.
        tried: Vec<Attempt>,
    },
    /// The interpreter was built without a shared library, so there is no libpython to load.
    NoSharedLibrary {
        /// The executable.
        executable: PathBuf,
        /// The steps tried.
        tried: Vec<Attempt>,
    },
    /// The interpreter says it has a shared library, but none of the expected files exists.
    LibraryMissing {
        /// The executable.
        executable: PathBuf,
        /// Every path looked at.
        looked_at: Vec<PathBuf>,
        /// The steps tried.
        tried: Vec<Attempt>,
    },
    /// Running the candidate failed, or it did not answer like a Python.
    NotPython {
        /// The executable.
        executable: PathBuf,
        /// What went wrong.
        reason: String,
        /// The steps tried.
        tried: Vec<Attempt>,
    },
    /// Nothing was found anywhere.
    NothingFound {
        /// Every step tried, in order.
        tried: Vec<Attempt>,
    },
}

impl DiscoveryError {
    /// Every step tried, in order, including the one that failed.
    pub fn tried(&self) -> &[Attempt] {
        match self {
            DiscoveryError::NotFound { tried, .. }
            | DiscoveryError::Unsupported { tried, .. }
            | DiscoveryError::NoSharedLibrary { tried, .. }
            | DiscoveryError::LibraryMissing { tried, .. }
            | DiscoveryError::NotPython { tried, .. }
            | DiscoveryError::NothingFound { tried } => tried,
        }
    }
}

impl DiscoveryError {
    /// The reason in a few words, without the path (for the list of steps tried).
    pub fn reason(&self) -> String {
        match self {
            DiscoveryError::NotFound { .. } => "does not exist".into(),
            DiscoveryError::Unsupported { version, .. } => format!(
                "Python {version} is older than {}.{}",
                Version::MINIMUM.major,
                Version::MINIMUM.minor
            ),
            DiscoveryError::NoSharedLibrary { .. } => "built without a shared library".into(),
            DiscoveryError::LibraryMissing { .. } => "its shared library was not found".into(),
            DiscoveryError::NotPython { reason, .. } => format!("not a usable Python: {reason}"),
            DiscoveryError::NothingFound { .. } => "nothing found".into(),
        }
    }
}

impl fmt::Display for DiscoveryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DiscoveryError::NotFound { source, path, .. } => {
                write!(f, "{} (from {source}) does not exist", path.display())?
            }
            DiscoveryError::Unsupported { path, version, .. } => write!(
                f,
                "{} is Python {version}; libpython needs Python {}.{} or newer",
                path.display(),
                Version::MINIMUM.major,
                Version::MINIMUM.minor
            )?,
            DiscoveryError::NoSharedLibrary { executable, .. } => write!(
                f,
                "{} was built without a shared library (libpython); rebuild it with \
                 --enable-shared (pyenv: PYTHON_CONFIGURE_OPTS=--enable-shared pyenv install \
                 VERSION) or install your distribution's libpython3.X package",
                executable.display()
            )?,
            DiscoveryError::LibraryMissing {
                executable,
                looked_at,
                ..
            } => {
                write!(
                    f,
                    "{} has a shared library, but it was not found; looked at:",
                    executable.display()
                )?;
                for p in looked_at {
                    write!(f, "\n    {}", p.display())?;
                }
            }
            DiscoveryError::NotPython {
                executable, reason, ..
            } => write!(
                f,
                "{} is not a usable Python: {reason}",
                executable.display()
            )?,
            DiscoveryError::NothingFound { .. } => f.write_str("no Python found")?,
        }
        let tried = self.tried();
        if !tried.is_empty() {
            f.write_str("\ntried, in order:")?;
            for a in tried {
                write!(f, "\n  - {a}")?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for DiscoveryError {}

const PROBE: &str = r#"
import sys
try:
    import sysconfig
    cv = sysconfig.get_config_var
except ImportError:
    from distutils import sysconfig
    cv = sysconfig.get_config_var
def s(x):
    return '' if x is None else str(x)
out = [
    'version=%d.%d.%d' % tuple(sys.version_info[:3]),
    'executable=' + s(sys.executable),
    'prefix=' + s(sys.prefix),
    'base_prefix=' + s(getattr(sys, 'base_prefix', sys.prefix)),
    'libdir=' + s(cv('LIBDIR')),
    'instsoname=' + s(cv('INSTSONAME')),
    'ldlibrary=' + s(cv('LDLIBRARY')),
    'multiarch=' + s(cv('MULTIARCH')),
    'libpl=' + s(cv('LIBPL')),
    'enable_shared=' + s(cv('Py_ENABLE_SHARED')),
    'gil_disabled=' + s(cv('Py_GIL_DISABLED')),
    'debug=' + ('1' if hasattr(sys, 'gettotalrefcount') else '0'),
]
sys.stdout.write('\n'.join(out) + '\n')
"#;

/// Runs `executable` and asks it about itself.
///
/// # Errors
/// [`DiscoveryError::NotFound`] if the file does not exist, [`DiscoveryError::NotPython`] if
/// it cannot be run, times out, or does not answer like a Python.
pub fn probe(executable: &Path) -> Result<PythonInfo, DiscoveryError> {
    let not_python = |reason: String| DiscoveryError::NotPython {
        executable: executable.to_owned(),
        reason,
        tried: Vec::new(),
    };
    if !executable.exists() {
        return Err(DiscoveryError::NotFound {
            source: "probe",
            path: executable.to_owned(),
            tried: Vec::new(),
        });
    }
    let cached = probe_cache::Entry::for_executable(executable);
    if let Some(entry) = &cached
        && let Some(text) = entry.read()
        && let Some(info) = parse_probe(executable, &text)
    {
        tracing::debug!(target: "libpython::discovery", executable = %executable.display(), "probe answer from the cache");
        return Ok(info);
    }
    let stdout = run_probe(executable)?;
    let info = parse_probe(executable, &stdout)
        .ok_or_else(|| not_python(format!("unexpected answer: {:?}", truncate(&stdout, 200))))?;
    if let Some(entry) = cached {
        entry.write(&stdout);
    }
    Ok(info)
}

/// Runs the probe script with `executable`; its standard output.
fn run_probe(executable: &Path) -> Result<String, DiscoveryError> {
    let not_python = |reason: String| DiscoveryError::NotPython {
        executable: executable.to_owned(),
        reason,
        tried: Vec::new(),
    };
    // -E: no PYTHON* variables. (Not -S: `site` is what makes a venv's `sys.prefix` the venv
    // before 3.12.)
    let mut child = Command::new(executable)
        .args(["-E", "-c", PROBE])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| not_python(format!("cannot run it: {e}")))?;
    // The answer is read on a helper thread, which ends when the child closes its output;
    // this thread waits for it with the deadline (no polling, so no added latency).
    let (mut out, mut err) = (child.stdout.take(), child.stderr.take());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut stdout = String::new();
        let mut stderr = String::new();
        if let Some(o) = out.as_mut() {
            let _ = o.read_to_string(&mut stdout);
        }
        if let Some(e) = err.as_mut() {
            let _ = e.read_to_string(&mut stderr);
        }
        let _ = tx.send((stdout, stderr));
    });
    let deadline = Instant::now() + PROBE_TIMEOUT;
    let timed_out = |child: &mut std::process::Child| {
        let _ = child.kill();
        let _ = child.wait();
        not_python(format!("no answer within {} s", PROBE_TIMEOUT.as_secs()))
    };
    let Ok((stdout, stderr)) = rx.recv_timeout(PROBE_TIMEOUT) else {
        return Err(timed_out(&mut child));
    };
    // Its output is closed: the child is exiting (or, if it is no Python, may linger).
    let left = deadline.saturating_duration_since(Instant::now());
    let status = match child.wait_timeout(left) {
        Ok(Some(status)) => status,
        Ok(None) => return Err(timed_out(&mut child)),
        Err(e) => return Err(not_python(format!("waiting for it failed: {e}"))),
    };
    if !status.success() {
        let first = stderr.lines().last().unwrap_or("").trim().to_owned();
        return Err(not_python(format!(
            "the probe exited with {status}: {first}"
        )));
    }
    Ok(stdout)
}

/// A cache of probe answers, so that a program does not start a second Python at every
/// start-up. An answer is kept under the executable's path, with a stamp of everything it
/// depends on: the path as given (a venv's `bin/python` answers differently from its base),
/// the file it resolves to and that file's size and modification time, the venv's
/// `pyvenv.cfg` if there is one, and the probe script itself. A changed stamp means a new
/// probe. The cache lives in `$XDG_CACHE_HOME/libpython/probes` (else `~/.cache/...`);
/// `LIBPYTHON_PROBE_CACHE=0` turns it off. Failing to read or write it is never an error.
mod probe_cache {
    use std::hash::{Hash, Hasher};
    use std::path::{Path, PathBuf};

    pub(super) struct Entry {
        file: PathBuf,
        stamp: String,
    }

    fn file_stamp(p: &Path) -> String {
        match std::fs::metadata(p) {
            Ok(m) => {
                let mtime = m
                    .modified()
                    .ok()
                    .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                    .map_or(0, |d| d.as_nanos());
                format!("{}:{}:{}", p.display(), m.len(), mtime)
            }
            Err(_) => format!("{}:absent", p.display()),
        }
    }

    impl Entry {
        pub(super) fn for_executable(executable: &Path) -> Option<Entry> {
            if std::env::var_os("LIBPYTHON_PROBE_CACHE").is_some_and(|v| v == "0") {
                return None;
            }
            let dir = match std::env::var_os("XDG_CACHE_HOME").filter(|v| !v.is_empty()) {
                Some(d) => PathBuf::from(d),
                None => PathBuf::from(std::env::var_os("HOME").filter(|v| !v.is_empty())?)
                    .join(".cache"),
            }
            .join("libpython/probes");
            let given = std::path::absolute(executable).ok()?;
            let target = given.canonicalize().ok()?;
            let venv_cfg = given
                .parent()
                .and_then(Path::parent)
                .map(|d| d.join("pyvenv.cfg"));
            let mut stamp = format!("v1|{}|{}", given.display(), file_stamp(&target));
            if let Some(cfg) = venv_cfg {
                stamp.push('|');
                stamp.push_str(&file_stamp(&cfg));
            }
            let mut h = std::collections::hash_map::DefaultHasher::new();
            super::PROBE.hash(&mut h);
            stamp.push_str(&format!("|probe:{:016x}", h.finish()));
            if stamp.contains('\n') {
                return None;
            }
            let mut h = std::collections::hash_map::DefaultHasher::new();
            given.hash(&mut h);
            Some(Entry {
                file: dir.join(format!("{:016x}.txt", h.finish())),
                stamp,
            })
        }

        /// The cached answer, if its stamp is this one.
        pub(super) fn read(&self) -> Option<String> {
            let text = std::fs::read_to_string(&self.file).ok()?;
            let (stamp, answer) = text.split_once('\n')?;
            (stamp == self.stamp).then(|| answer.to_owned())
        }

        /// Keeps `answer` (written to a temporary file, then renamed: readers never see half).
        pub(super) fn write(&self, answer: &str) {
            let Some(dir) = self.file.parent() else {
                return;
            };
            if std::fs::create_dir_all(dir).is_err() {
                return;
            }
            let tmp = self
                .file
                .with_extension(format!("tmp{}", std::process::id()));
            if std::fs::write(&tmp, format!("{}\n{answer}", self.stamp)).is_ok()
                && std::fs::rename(&tmp, &self.file).is_err()
            {
                let _ = std::fs::remove_file(&tmp);
            }
        }
    }
}

fn truncate(s: &str, n: usize) -> &str {
    match s.char_indices().nth(n) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

fn parse_probe(executable: &Path, out: &str) -> Option<PythonInfo> {
    let get = |key: &str| -> Option<&str> {
        out.lines()
            .find_map(|l| l.strip_prefix(key).and_then(|r| r.strip_prefix('=')))
    };
    let non_empty = |key: &str| get(key).filter(|v| !v.is_empty());
    let version = Version::parse(get("version")?)?;
    let prefix = PathBuf::from(get("prefix")?);
    let base_prefix = PathBuf::from(non_empty("base_prefix").unwrap_or(get("prefix")?));
    let flag = |key: &str| matches!(get(key), Some("1") | Some("True"));
    let build = if flag("gil_disabled") {
        BuildKind::FreeThreaded
    } else if flag("debug") {
        BuildKind::Debug
    } else {
        BuildKind::Release
    };
    let libdir = non_empty("libdir").map(PathBuf::from);
    let mut other_dirs = Vec::new();
    if let (Some(d), Some(m)) = (&libdir, non_empty("multiarch")) {
        other_dirs.push(d.join(m));
    }
    if let Some(p) = non_empty("libpl") {
        other_dirs.push(PathBuf::from(p));
    }
    let library_name = non_empty("instsoname")
        .filter(|n| n.contains(".so"))
        .or_else(|| non_empty("ldlibrary").filter(|n| n.contains(".so")))
        .map(str::to_owned);
    Some(PythonInfo {
        executable: executable.to_owned(),
        version,
        sys_executable: PathBuf::from(
            non_empty("executable").unwrap_or(&executable.to_string_lossy()),
        ),
        prefix,
        base_prefix,
        libdir,
        library_name,
        other_dirs,
        shared: flag("enable_shared"),
        build,
    })
}

/// Looks for `name` on `PATH`, like a shell would.
pub fn which(name: &str) -> Option<PathBuf> {
    which_in(std::env::var_os("PATH"), name)
}

fn which_in(path: Option<std::ffi::OsString>, name: &str) -> Option<PathBuf> {
    let path = path?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| is_executable(p))
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    p.metadata()
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

/// The interpreter of a pyenv version (`"3.12"` picks the newest installed `3.12.x`), if pyenv
/// has it.
pub fn pyenv_python(version: &str) -> Option<PathBuf> {
    let root = std::env::var_os("PYENV_ROOT")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".pyenv")))?;
    let mut matches: Vec<(Version, PathBuf)> = std::fs::read_dir(root.join("versions"))
        .ok()?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let ok = name == version || name.starts_with(&format!("{version}."));
            let v = Version::parse(&name)?;
            let bin = e.path().join("bin");
            let exe = ["python3", "python"]
                .iter()
                .map(|n| bin.join(n))
                .find(|p| p.exists())?;
            ok.then_some((v, exe))
        })
        .collect();
    matches.sort();
    matches.pop().map(|(_, p)| p)
}

/// Runs discovery for `req`, in the order given in the module documentation.
///
/// # Errors
/// [`DiscoveryError`], naming the candidate that was refused and every step tried.
pub fn discover(req: &Request) -> Result<Found, DiscoveryError> {
    let mut tried: Vec<Attempt> = Vec::new();
    let env = |name: &str| -> Option<PathBuf> {
        if req.ignore_environment {
            return None;
        }
        req.var(name).filter(|v| !v.is_empty()).map(PathBuf::from)
    };

    if let Some(lib) = &req.library {
        return from_library("explicit library", lib, req.executable.as_deref(), tried);
    }
    if let Some(exe) = &req.executable {
        return from_executable("explicit executable", exe, tried);
    }
    if let Some(lib) = env(ENV_LIBRARY) {
        return from_library(ENV_LIBRARY, &lib, None, tried);
    }
    tried.push(Attempt {
        source: ENV_LIBRARY,
        path: None,
        outcome: "not set".into(),
    });
    if let Some(exe) = env(ENV_PYTHON) {
        return from_executable(ENV_PYTHON, &exe, tried);
    }
    tried.push(Attempt {
        source: ENV_PYTHON,
        path: None,
        outcome: "not set".into(),
    });
    if let Some(venv) = env("VIRTUAL_ENV") {
        return from_executable("VIRTUAL_ENV", &venv.join("bin/python"), tried);
    }
    tried.push(Attempt {
        source: "VIRTUAL_ENV",
        path: None,
        outcome: "not set".into(),
    });
    if let Some(conda) = env("CONDA_PREFIX") {
        return from_executable("CONDA_PREFIX", &conda.join("bin/python"), tried);
    }
    tried.push(Attempt {
        source: "CONDA_PREFIX",
        path: None,
        outcome: "not set".into(),
    });
    for (source, name) in [("PATH python3", "python3"), ("PATH python", "python")] {
        match which_in(req.var("PATH"), name) {
            None => tried.push(Attempt {
                source,
                path: None,
                outcome: "not on PATH".into(),
            }),
            Some(exe) => match from_executable(source, &exe, Vec::new()) {
                Ok(mut found) => {
                    tried.append(&mut found.tried);
                    found.tried = tried;
                    return Ok(found);
                }
                Err(e) => {
                    tracing::debug!(target: "libpython::discovery", candidate = %exe.display(), error = %e, "candidate refused");
                    tried.push(Attempt {
                        source,
                        path: Some(exe),
                        outcome: e.reason(),
                    });
                }
            },
        }
    }
    Err(DiscoveryError::NothingFound { tried })
}

fn with_tried(
    mut e: DiscoveryError,
    source: &'static str,
    path: &Path,
    mut before: Vec<Attempt>,
) -> DiscoveryError {
    before.push(Attempt {
        source,
        path: Some(path.to_owned()),
        outcome: e.reason(),
    });
    match &mut e {
        DiscoveryError::NotFound {
            tried, source: s, ..
        } => {
            *s = source;
            *tried = before
        }
        DiscoveryError::Unsupported { tried, .. }
        | DiscoveryError::NoSharedLibrary { tried, .. }
        | DiscoveryError::LibraryMissing { tried, .. }
        | DiscoveryError::NotPython { tried, .. }
        | DiscoveryError::NothingFound { tried } => *tried = before,
    }
    e
}

/// Uses the libpython of `exe`.
fn from_executable(
    source: &'static str,
    exe: &Path,
    tried: Vec<Attempt>,
) -> Result<Found, DiscoveryError> {
    tracing::debug!(target: "libpython::discovery", source, executable = %exe.display(), "probing");
    if !exe.exists() {
        let e = DiscoveryError::NotFound {
            source,
            path: exe.to_owned(),
            tried: Vec::new(),
        };
        return Err(with_tried(e, source, exe, tried));
    }
    let info = probe(exe).map_err(|e| with_tried(e, source, exe, tried.clone()))?;
    if info.version < Version::MINIMUM {
        let e = DiscoveryError::Unsupported {
            path: exe.to_owned(),
            version: info.version,
            tried: Vec::new(),
        };
        return Err(with_tried(e, source, exe, tried));
    }
    if !info.shared {
        let e = DiscoveryError::NoSharedLibrary {
            executable: exe.to_owned(),
            tried: Vec::new(),
        };
        return Err(with_tried(e, source, exe, tried));
    }
    let candidates = info.library_candidates();
    let Some(library) = candidates.iter().find(|p| p.exists()).cloned() else {
        let e = DiscoveryError::LibraryMissing {
            executable: exe.to_owned(),
            looked_at: candidates,
            tried: Vec::new(),
        };
        return Err(with_tried(e, source, exe, tried));
    };
    tracing::info!(target: "libpython::discovery", source, executable = %exe.display(), library = %library.display(), version = %info.version, build = %info.build, "found Python");
    Ok(Found {
        library,
        program_name: Some(info.sys_executable.clone()),
        info: Some(info),
        source,
        tried,
    })
}

/// Uses the library at `lib`, with `exe` (or an interpreter found beside the library) as the
/// program name.
fn from_library(
    source: &'static str,
    lib: &Path,
    exe: Option<&Path>,
    tried: Vec<Attempt>,
) -> Result<Found, DiscoveryError> {
    if !lib.exists() {
        let e = DiscoveryError::NotFound {
            source,
            path: lib.to_owned(),
            tried: Vec::new(),
        };
        return Err(with_tried(e, source, lib, tried));
    }
    if let Some(v) = version_from_file_name(lib)
        && v < Version::MINIMUM
    {
        let e = DiscoveryError::Unsupported {
            path: lib.to_owned(),
            version: v,
            tried: Vec::new(),
        };
        return Err(with_tried(e, source, lib, tried));
    }
    let (program_name, info) = match exe {
        Some(exe) => {
            let info = probe(exe).map_err(|e| with_tried(e, source, exe, tried.clone()))?;
            (Some(info.sys_executable.clone()), Some(info))
        }
        None => (sibling_executable(lib), None),
    };
    tracing::info!(target: "libpython::discovery", source, library = %lib.display(), "using library");
    Ok(Found {
        library: lib.to_owned(),
        program_name,
        info,
        source,
        tried,
    })
}

/// `3.11` from `libpython3.11.so.1.0` (or `libpython3.13t.so`).
fn version_from_file_name(lib: &Path) -> Option<Version> {
    let name = lib.file_name()?.to_str()?;
    let rest = name.strip_prefix("libpython")?;
    Version::parse(rest)
}

/// `PREFIX/bin/python3.X` for a library in `PREFIX/lib` (pyenv, python.org builds, Debian's
/// `/usr/lib/<multiarch>` with `/usr/bin`).
fn sibling_executable(lib: &Path) -> Option<PathBuf> {
    let v = version_from_file_name(lib)?;
    let name = lib.file_name()?.to_str()?;
    let suffix = if name.contains(&format!("{}.{}t", v.major, v.minor)) {
        "t"
    } else {
        ""
    };
    let exe_name = format!("python{}.{}{suffix}", v.major, v.minor);
    let mut dir = lib.parent();
    while let Some(d) = dir {
        let candidate = d.parent().map(|p| p.join("bin").join(&exe_name));
        if let Some(c) = candidate.filter(|c| c.exists()) {
            return Some(c);
        }
        if d.file_name().is_some_and(|n| n == "lib") {
            break;
        }
        dir = d.parent();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_probe_answer() {
        let out = "version=3.11.7\nexecutable=/v/bin/python\nprefix=/v\nbase_prefix=/usr\nlibdir=/usr/lib\ninstsoname=libpython3.11.so.1.0\nldlibrary=libpython3.11.so\nmultiarch=x86_64-linux-gnu\nlibpl=\nenable_shared=1\ngil_disabled=\ndebug=0\n";
        let info = parse_probe(Path::new("/v/bin/python"), out).unwrap();
        assert_eq!(
            info.version,
            Version {
                major: 3,
                minor: 11,
                micro: 7
            }
        );
        assert!(info.is_venv());
        assert!(info.shared);
        assert_eq!(info.build, BuildKind::Release);
        assert_eq!(
            info.library_candidates()[0],
            PathBuf::from("/usr/lib/libpython3.11.so.1.0")
        );
        assert!(info.library_candidates().contains(&PathBuf::from(
            "/usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0"
        )));
    }

    #[test]
    fn versions_from_library_names() {
        assert_eq!(
            version_from_file_name(Path::new("/x/libpython3.13t.so.1.0")).map(|v| v.minor),
            Some(13)
        );
        assert_eq!(
            version_from_file_name(Path::new("/x/libpython2.7.so")).map(|v| v.major),
            Some(2)
        );
        assert_eq!(version_from_file_name(Path::new("/x/libc.so.6")), None);
    }
}
