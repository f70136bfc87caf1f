//! Opening libpython and filling the function table.

use std::cell::UnsafeCell;
use std::ffi::{CStr, c_char, c_int, c_void};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicPtr, Ordering};
use std::sync::{Mutex, OnceLock};

use libloading::os::unix::{Library as Handle, RTLD_GLOBAL, RTLD_LOCAL, RTLD_NOW};

use crate::Api;

/// The loaded library: where it came from, its version, and the resolved table.
///
/// There is at most one per process, created by [`load`] and never dropped.
pub struct Library {
    path: PathBuf,
    version: Version,
    ref_debug: bool,
    gil_disabled: bool,
    api: Api,
    /// The exported `Py_TYPE` (3.14+), used instead of reading the header on a version newer
    /// than [`Version::NEWEST_KNOWN`].
    py_type: Option<PyTypeFn>,
    /// Kept open for the life of the process: it lives in a static that is never dropped.
    _handle: Handle,
}

/// The signature of the exported `Py_TYPE` function (3.14+).
pub(crate) type PyTypeFn = unsafe extern "C" fn(*mut crate::PyObject) -> *mut crate::PyTypeObject;

impl fmt::Debug for Library {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Library")
            .field("path", &self.path)
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

impl Library {
    /// The path the library was opened from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The version the library reports (`Py_GetVersion`).
    pub fn version(&self) -> Version {
        self.version
    }

    /// The resolved function table.
    pub fn api(&self) -> &Api {
        &self.api
    }

    /// Whether the library counts references for debugging (`Py_REF_DEBUG`, part of every
    /// `--with-pydebug` build): its `Py_INCREF` also updates a global total, so reference
    /// counts must change through its exported functions.
    pub fn ref_debug(&self) -> bool {
        self.ref_debug
    }

    /// Whether the library is a free-threaded build (`Py_GIL_DISABLED`, the `t` builds of
    /// 3.13 and later): objects carry their owning thread and two reference counts.
    pub fn gil_disabled(&self) -> bool {
        self.gil_disabled
    }

    /// The exported function `Py_TYPE` (3.14 and later), if the library has it.
    pub(crate) fn py_type_fn(&self) -> Option<PyTypeFn> {
        self.py_type
    }

    /// Whether the library's version is one this crate knows (at most
    /// [`Version::NEWEST_KNOWN`]). A newer one is loaded all the same, with a warning, and
    /// only its exported functions are used where versions differ.
    pub fn is_known_version(&self) -> bool {
        self.version.is_known()
    }

    /// Whether the loaded library exports the declared function or data symbol `name`
    /// (always true for a required one, false for a withheld one); `None` if this crate does
    /// not declare `name`.
    pub fn has(&self, name: &str) -> Option<bool> {
        self.api.available(name)
    }

    /// `Ok` if the declared function or data symbol `name` can be used with this library,
    /// else the [`Unavailable`](crate::Unavailable) error a call to it reports (which Python
    /// retired it and what to use instead, where known).
    ///
    /// # Errors
    /// When the library lacks `name` or it is withheld, or this crate does not declare it.
    pub fn check(&self, name: &str) -> Result<(), crate::Unavailable> {
        match self.api.available(name) {
            Some(true) => Ok(()),
            _ => Err(crate::Unavailable::new(name, Some(self.version))),
        }
    }
}

/// A CPython version, as `Py_GetVersion` reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version {
    /// Major version (3).
    pub major: u8,
    /// Minor version (9 for 3.9).
    pub minor: u8,
    /// Micro version.
    pub micro: u8,
}

impl Version {
    /// Version 3.`minor`.0, for tests of what is decided by version.
    #[cfg(test)]
    pub(crate) const fn three(minor: u8) -> Version {
        Version {
            major: 3,
            minor,
            micro: 0,
        }
    }

    /// The oldest version this crate supports: 3.9.
    pub const MINIMUM: Version = Version {
        major: 3,
        minor: 9,
        micro: 0,
    };

    /// The newest version this crate was checked against: 3.15 (see `docs/python-versions.md`).
    ///
    /// A newer 3.x is loaded and run all the same, with a `tracing` warning, on the paths that
    /// depend on no version's layout: reference counts, object types and list and tuple items
    /// go through CPython's exported functions, and the functions of
    /// [`WITHHELD_WHEN_UNKNOWN`](crate::retired::WITHHELD_WHEN_UNKNOWN) are not used.
    pub const NEWEST_KNOWN: Version = Version {
        major: 3,
        minor: 15,
        micro: 0,
    };

    /// Parses the leading `X.Y[.Z]` of a version string such as `"3.11.7 (main, ...)"`.
    pub fn parse(s: &str) -> Option<Version> {
        let head = s
            .split(|c: char| !(c.is_ascii_digit() || c == '.'))
            .next()?;
        let mut parts = head.split('.');
        let major = parts.next()?.parse().ok()?;
        let minor = parts.next()?.parse().ok()?;
        let micro = parts.next().and_then(|m| m.parse().ok()).unwrap_or(0);
        Some(Version {
            major,
            minor,
            micro,
        })
    }

    /// Whether this version is at least `major.minor`.
    pub fn at_least(self, major: u8, minor: u8) -> bool {
        (self.major, self.minor) >= (major, minor)
    }

    /// Whether this is a version this crate knows: a 3.x no newer than
    /// [`Version::NEWEST_KNOWN`].
    pub fn is_known(self) -> bool {
        self.major == 3 && self.minor <= Version::NEWEST_KNOWN.minor
    }

    /// Whether this crate loads a library of this version: any 3.x from [`Version::MINIMUM`]
    /// on, later minors included. Another major version (Python 2, or a Python 4 whose C API
    /// is not known yet) is refused.
    pub fn is_supported(self) -> bool {
        self.major == 3 && self >= Version::MINIMUM
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.micro)
    }
}

/// Why a library could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LoadError {
    /// The path does not exist.
    NotFound {
        /// The path given.
        path: PathBuf,
    },
    /// The dynamic loader refused the file.
    Open {
        /// The path given.
        path: PathBuf,
        /// The loader's message.
        message: String,
    },
    /// The file loaded but is not a libpython (it has no `Py_GetVersion`, or its version
    /// string does not parse).
    NotLibpython {
        /// The path given.
        path: PathBuf,
    },
    /// The library is a Python older than 3.9, or of another major version than 3.
    Unsupported {
        /// The path given.
        path: PathBuf,
        /// The version it reports.
        version: Version,
    },
    /// Required symbols are missing from the library.
    MissingSymbols {
        /// The path given.
        path: PathBuf,
        /// Every required symbol that could not be resolved.
        names: Vec<&'static str>,
    },
    /// A different libpython is already loaded in this process; a process can hold only one.
    AlreadyLoaded {
        /// The library loaded earlier.
        loaded: PathBuf,
        /// The library asked for now.
        requested: PathBuf,
    },
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::NotFound { path } => write!(f, "{}: no such file", path.display()),
            LoadError::Open { path, message } => {
                write!(
                    f,
                    "{}: the dynamic loader refused it: {message}",
                    path.display()
                )
            }
            LoadError::NotLibpython { path } => write!(
                f,
                "{}: not a libpython (it exports no usable Py_GetVersion)",
                path.display()
            ),
            LoadError::Unsupported { path, version } if version.major == 3 => write!(
                f,
                "{}: Python {version} is not supported; libpython needs Python {}.{} or newer",
                path.display(),
                Version::MINIMUM.major,
                Version::MINIMUM.minor
            ),
            LoadError::Unsupported { path, version } => write!(
                f,
                "{}: Python {version} is not supported; libpython supports Python 3 from {}.{} on, and no other major version's C API",
                path.display(),
                Version::MINIMUM.major,
                Version::MINIMUM.minor
            ),
            LoadError::MissingSymbols { path, names } => write!(
                f,
                "{}: required symbols missing: {}",
                path.display(),
                names.join(", ")
            ),
            LoadError::AlreadyLoaded { loaded, requested } => write!(
                f,
                "cannot load {}: {} is already loaded in this process, and a process can hold only one libpython",
                requested.display(),
                loaded.display()
            ),
        }
    }
}

impl std::error::Error for LoadError {}

/// Symbol lookup in an open library (dlsym), used while filling the table.
pub(crate) struct Symbols<'a> {
    handle: &'a Handle,
}

impl Symbols<'_> {
    /// The address of `name` (NUL-terminated), or NULL when the library lacks it.
    pub(crate) fn address(&self, name: &str) -> *mut c_void {
        debug_assert!(name.ends_with('\0'));
        // SAFETY: the symbol is only read as an address (`*mut c_void`), never called or
        // dereferenced here; the handle is open for the duration of the call.
        match unsafe { self.handle.get::<*mut c_void>(name.as_bytes()) } {
            Ok(symbol) => symbol.into_raw(),
            Err(_) => std::ptr::null_mut(),
        }
    }
}

static LIBRARY: OnceLock<Library> = OnceLock::new();
static LOADING: Mutex<()> = Mutex::new(());

/// The loaded library, if [`load`] has succeeded.
pub fn library() -> Option<&'static Library> {
    LIBRARY.get()
}

/// The table [`api`] gives before a library is loaded.
struct Unloaded(Api);
// SAFETY: the table is immutable; its data fields are NULL and its functions are ours.
unsafe impl Sync for Unloaded {}
static UNLOADED: Unloaded = Unloaded(Api::UNLOADED);

/// The table [`api`] gives: [`UNLOADED`] until [`load`] stores [`TABLE`]'s address (after
/// filling it, with release ordering), never changed after that.
static API: AtomicPtr<Api> = AtomicPtr::new(&UNLOADED.0 as *const Api as *mut Api);

/// The table the free functions call through, read in place: a call is one instruction
/// (`call *slot`), where reaching the table through [`API`] first would take two. Written
/// once, by the [`load`] that loads the library, before it publishes the table and returns;
/// never written again.
struct Table(UnsafeCell<Api>);
// SAFETY: written once, before any reader may read it (see `loaded_api`); only read after.
unsafe impl Sync for Table {}
static TABLE: Table = Table(UnsafeCell::new(Api::UNLOADED));

/// The table the free functions call through, read in place (no atomic load: see [`TABLE`]).
///
/// # Safety
/// [`load`] has returned a library, on this thread or on one whose progress this thread has
/// since synchronized with (as taking a GIL does: no interpreter runs before the library is
/// loaded), so the table is not being written. The free functions' contract ("libpython
/// must be loaded") is this.
#[doc(hidden)]
#[inline(always)]
pub unsafe fn loaded_api() -> *const Api {
    TABLE.0.get()
}

/// The loaded function table, safe to read at any time: one atomic load, no check. For
/// asking whether an optional function is there and for the data symbols; the free functions
/// read the same table in place (see `loaded_api`).
///
/// Before a library is loaded ([`load`]; the upper crates do this when they start Python) it
/// is a table without optional functions or data symbols, whose required functions say that
/// no library is loaded and abort the process: calling them then breaks their contract.
#[inline(always)]
pub fn api() -> &'static Api {
    // SAFETY: the pointer is `UNLOADED`'s or the loaded table (`TABLE`), both alive for the
    // rest of the process; the acquire load sees the table complete (stored with release).
    unsafe { &*API.load(Ordering::Acquire) }
}

/// Called through an optional function that the loaded library lacks: panics with the
/// [`Unavailable`](crate::Unavailable) message (which Python retired it, what to use instead).
#[doc(hidden)]
#[cold]
#[inline(never)]
pub fn missing(name: &str) -> ! {
    panic!(
        "{}",
        crate::Unavailable::new(name, library().map(|l| l.version))
    )
}

/// Every required function of the table before a library is loaded (and of a table being
/// filled, for a missing symbol: that table is thrown away): says that no library is loaded
/// and aborts (it is called from C signatures, where a panic cannot unwind).
#[doc(hidden)]
pub extern "C" fn not_loaded() {
    eprintln!("libpython is not loaded: call libpython_ffi::load first");
    std::process::abort()
}

/// Opens `path` with `RTLD_NOW | RTLD_GLOBAL`, checks that it is a libpython 3.9 or newer, and
/// fills the function table. Loading the same file again returns the loaded library.
///
/// The library stays open until the process exits, on purpose: the table's pointers, every
/// Python object and every extension module (numpy, ...) point into it, and CPython does not
/// support being unloaded and reloaded. `RTLD_GLOBAL` is needed because extension modules do
/// not name libpython as a dependency: they expect its symbols (`PyFloat_Type`, ...) to be
/// visible globally already.
///
/// Before the library is made global, it is opened privately (`RTLD_LOCAL`) to read its
/// version, so a refused library (Python 2, 3.8, not a libpython) never pollutes the process's
/// global symbol namespace.
///
/// # Errors
/// [`LoadError`] names the path and what was wrong with it.
pub fn load(path: impl AsRef<Path>) -> Result<&'static Library, LoadError> {
    let path = path.as_ref();
    let _serial = LOADING.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(lib) = LIBRARY.get() {
        return if same_file(&lib.path, path) {
            Ok(lib)
        } else {
            Err(LoadError::AlreadyLoaded {
                loaded: lib.path.clone(),
                requested: path.to_owned(),
            })
        };
    }
    if !path.exists() {
        return Err(LoadError::NotFound {
            path: path.to_owned(),
        });
    }
    let version = probe_version(path)?;
    if !version.is_supported() {
        return Err(LoadError::Unsupported {
            path: path.to_owned(),
            version,
        });
    }
    let handle = open(path, RTLD_NOW | RTLD_GLOBAL)?;
    let symbols = Symbols { handle: &handle };
    // On failure nothing resolved from the handle is kept, and the handle is never closed (see
    // `never_close`).
    let mut api = match Api::resolve(&symbols) {
        Ok(api) => api,
        Err(names) => {
            never_close(handle);
            return Err(LoadError::MissingSymbols {
                path: path.to_owned(),
                names,
            });
        }
    };
    // `_Py_NegativeRefcount` is compiled in exactly when `Py_REF_DEBUG` is defined.
    let ref_debug = !symbols.address("_Py_NegativeRefcount\0").is_null();
    // `_Py_MergeZeroLocalRefcount` is exported exactly when `Py_GIL_DISABLED` is defined (its
    // inline `Py_DECREF` calls it).
    let gil_disabled = !symbols.address("_Py_MergeZeroLocalRefcount\0").is_null();
    // SAFETY: `Py_TYPE` is exported (3.14+) as `PyTypeObject *Py_TYPE(PyObject *)`; `Option`
    // of a function pointer has the representation of a nullable pointer, so NULL is `None`.
    let py_type = unsafe {
        std::mem::transmute::<*mut c_void, Option<PyTypeFn>>(symbols.address("Py_TYPE\0"))
    };
    if !version.is_known() {
        // See `WITHHELD_WHEN_UNKNOWN`: an argument of these has no layout to trust here.
        api.Py_NewInterpreterFromConfig = None;
        tracing::warn!(
            target: "libpython::runtime",
            %version,
            newest_known = %Version::NEWEST_KNOWN,
            library = %path.display(),
            "Python {version} is newer than the newest version libpython knows ({}): it is used \
             through CPython's exported functions only (reference counts, object types, list \
             and tuple items), and sub-interpreters with their own GIL are not available",
            Version::NEWEST_KNOWN
        );
    }
    // The handle is kept in the static below and therefore never closed (see above).
    let lib = Library {
        path: path.to_owned(),
        version,
        ref_debug,
        gil_disabled,
        api,
        py_type,
        _handle: handle,
    };
    let lib = LIBRARY.get_or_init(|| lib);
    // SAFETY: the only write of the table: `LOADING` is held and no library was loaded, so no
    // `load` wrote it before and none will after; no free function may read it yet (their
    // contract: a library is loaded, and `load` returns only after this). `lib.api` is a
    // complete table of plain pointers, copied bit for bit.
    unsafe { std::ptr::copy_nonoverlapping(&lib.api, TABLE.0.get(), 1) };
    API.store(TABLE.0.get(), Ordering::Release);
    Ok(lib)
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

/// `dlopen(path, flags)`, the loader's own message (`dlerror`) kept in the error.
fn open(path: &Path, flags: c_int) -> Result<Handle, LoadError> {
    use std::os::unix::ffi::OsStrExt;
    if path.as_os_str().as_bytes().contains(&0) {
        return Err(LoadError::Open {
            path: path.to_owned(),
            message: "the path contains a NUL byte".into(),
        });
    }
    // SAFETY: opening runs the library's constructors; a libpython has none that need anything
    // from us. Its destructors never run: no handle is ever closed (`never_close`).
    unsafe { Handle::open(Some(path), flags) }.map_err(|e| LoadError::Open {
        path: path.to_owned(),
        message: e.to_string(),
    })
}

/// Opens the library privately, reads `Py_GetVersion()` (safe before initialisation: it
/// formats static build data), and closes it again.
fn probe_version(path: &Path) -> Result<Version, LoadError> {
    let handle = open(path, RTLD_NOW | RTLD_LOCAL)?;
    let f = Symbols { handle: &handle }.address("Py_GetVersion\0");
    let version = if f.is_null() {
        None
    } else {
        // SAFETY: `Py_GetVersion` has type `const char *(void)` in every CPython, needs no
        // initialised interpreter, and returns a pointer to a static NUL-terminated string.
        unsafe {
            let f: unsafe extern "C" fn() -> *const c_char = std::mem::transmute(f);
            let s = f();
            if s.is_null() {
                None
            } else {
                Version::parse(&CStr::from_ptr(s).to_string_lossy())
            }
        }
    };
    // Nothing obtained from the private handle outlives this function; the handle itself is
    // never closed.
    never_close(handle);
    version.ok_or_else(|| LoadError::NotLibpython {
        path: path.to_owned(),
    })
}

/// Keeps a library mapped for the rest of the process instead of closing it. Opening it ran
/// its constructors, which may have registered code of the library to run later: a
/// free-threaded libpython's allocator (mimalloc) installs a thread-exit destructor, which
/// would jump into unmapped memory at the next thread exit if the library were closed, even one
/// that was only probed for its version and refused.
fn never_close(handle: Handle) {
    std::mem::forget(handle);
}

impl fmt::Debug for Api {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Api")
            .field("functions", &crate::FUNCTIONS.len())
            .field("data", &crate::DATA.len())
            .finish_non_exhaustive()
    }
}

// SAFETY: the table holds function pointers and addresses of data symbols of a library that is
// never unloaded; reading them from any thread is sound. Whether a call is sound is the
// caller's business (the GIL), as for C.
unsafe impl Send for Api {}
// SAFETY: as above; the table is never written after `load` publishes it.
unsafe impl Sync for Api {}
