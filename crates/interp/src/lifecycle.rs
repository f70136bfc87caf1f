//! Start-up and shutdown: finding and loading libpython, initialising it, registering the
//! main interpreter; ending sub-interpreters, waiting for active threads and finalizing. Built
//! on the runtime's state (`runtime`), the GIL (`gil`) and interpreters (`interpreter`).

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicPtr, Ordering};

use libpython_ffi as ffi;

use crate::discovery::{self, Found, Request};
use crate::error::{Error, Result};
use crate::gil;
use crate::key::InterpKey;
use crate::runtime::{
    CLOSING, FINALIZED, FINALIZING, GENERATION, HEADER_SIZE, LIFECYCLE, MAIN_KEY, MAIN_RAW,
    MAIN_STATE, RETIRED, RUNNING, STARTED, STATE, Started, free_threaded, is_finalized, is_running,
    not_running_error, registry_read, registry_write, started,
};
use crate::state::InterpState;

/// How to start Python.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// Where to find Python.
    pub request: Request,
    /// Program name given to Python before start-up, overriding the discovered one. It decides
    /// `sys.executable` and, for a virtual environment's `bin/python`, `sys.prefix`.
    pub program_name: Option<PathBuf>,
    /// Whether Python installs its signal handlers at start-up, as the `python` command does:
    /// `SIGINT` raises `KeyboardInterrupt` in the thread that started Python, and `SIGPIPE`
    /// and `SIGXFSZ` are ignored (process-wide). Off by default: the host keeps its own.
    pub signal_handlers: bool,
}

/// Starts Python, once: finds and loads libpython, gives it the program name, initialises it
/// (without installing signal handlers unless `config.signal_handlers` asks for them; `site`
/// is imported as usual), and releases the GIL so any thread can take it.
///
/// Thread-safe and idempotent: racing callers wait for the one start-up, later calls return
/// at once. After [`finalize`], it starts Python again in the same library (CPython allows
/// this, though some extension modules, numpy among them, cannot be imported twice in one
/// process).
///
/// Once a library is loaded, whether Python runs or was finalized, `config.request` must name
/// nothing in particular or that same Python: the same library file, the executable it was
/// started from, or an executable that leads to the same library and `sys.prefix`.
///
/// # Errors
/// Discovery and load errors, [`Error::Startup`], or [`Error::OtherPythonRunning`] when the
/// request names another Python than the one this process loaded.
pub fn initialize(config: &Config) -> Result<Started> {
    if is_running()
        && let Some(s) = started()
    {
        return same_python(&config.request, &s.found).map(|()| s);
    }
    let lifecycle = LIFECYCLE.lock().unwrap_or_else(|e| e.into_inner());
    if is_running()
        && let Some(s) = started()
    {
        drop(lifecycle);
        return same_python(&config.request, &s.found).map(|()| s);
    }
    if STATE.load(Ordering::SeqCst) == FINALIZING {
        return Err(Error::Finalizing);
    }
    let _span = tracing::info_span!(target: "libpython::runtime", "initialize").entered();
    let found = match ffi::library() {
        // Started before in this process: the library stays, so does the choice.
        Some(lib) if is_finalized() => {
            let previous = PREVIOUS
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .clone()
                .unwrap_or_else(|| Found {
                    library: lib.path().to_owned(),
                    program_name: None,
                    info: None,
                    source: "previous start-up",
                    tried: Vec::new(),
                });
            same_python(&config.request, &previous)?;
            previous
        }
        _ => discovery::discover(&config.request)?,
    };
    let lib = ffi::load(&found.library)?;
    let program_name = config
        .program_name
        .clone()
        .or_else(|| found.program_name.clone());
    // SAFETY: the library is loaded and the runtime is not initialised (checked under the
    // lifecycle lock); start-up runs on this thread, which then holds the GIL.
    let header = unsafe { start(lib, program_name.as_deref(), config.signal_handlers)? };
    HEADER_SIZE.store(header, Ordering::Relaxed);
    let generation = GENERATION.fetch_add(1, Ordering::AcqRel) + 1;
    let key = InterpKey::new(generation, 0);
    // SAFETY: start-up left this thread holding the GIL with the main thread state current.
    let raw = unsafe { ffi::PyInterpreterState_Get() };
    {
        let mut reg = registry_write();
        let main = Arc::new(InterpState::new(key, raw, true));
        reg.by_raw.clear();
        reg.subs.clear();
        reg.by_raw.insert(raw as usize, main.clone());
        MAIN_STATE.store(Arc::as_ptr(&main).cast_mut(), Ordering::Release);
        reg.main = Some(main);
        reg.next_index = 1;
    }
    MAIN_RAW.store(raw, Ordering::Release);
    MAIN_KEY.store(key.to_bits(), Ordering::Release);
    // SAFETY: start-up left this thread holding the GIL with its thread state current.
    STARTUP_TSTATE.store(unsafe { ffi::PyThreadState_Get() }, Ordering::Release);
    *STARTUP_THREAD.lock().unwrap_or_else(|e| e.into_inner()) = Some(std::thread::current().id());
    // SAFETY: start-up left this thread holding the main GIL.
    unsafe { crate::gil::register_shutdown_wait() };
    // SAFETY: this thread holds the GIL; saving the thread state releases it for everyone.
    unsafe { ffi::PyEval_SaveThread() };
    // Before any thread can count itself in (see `active`).
    crate::active::register();
    STATE.store(RUNNING, Ordering::SeqCst);
    let started = Started {
        found: found.clone(),
        version: lib.version(),
        program_name,
        object_header_size: header,
    };
    *PREVIOUS.lock().unwrap_or_else(|e| e.into_inner()) = Some(found);
    tracing::info!(target: "libpython::runtime", version = %lib.version(), library = %lib.path().display(), generation, "Python started");
    *STARTED.write().unwrap_or_else(|e| e.into_inner()) = Some(started.clone());
    drop(lifecycle);
    Ok(started)
}

/// Checks that `req` asks for the Python this process loaded (`running`), or for nothing in
/// particular: a process keeps the libpython it loaded first. An explicit library must be the
/// same file. An explicit executable must be the one Python was started from, or lead (when
/// probed) to the same library and the same `sys.prefix` (a different venv of the same base
/// interpreter is a different Python: its packages would be missing); the prefix is only
/// compared when start-up probed an executable too.
fn same_python(req: &Request, running: &Found) -> Result<()> {
    let describe_running = || {
        let mut s = format!("the Python of {}", running.library.display());
        if let Some(exe) = running
            .info
            .as_ref()
            .map(|i| &i.sys_executable)
            .or(running.program_name.as_ref())
        {
            s += &format!(" (executable {})", exe.display());
        }
        s
    };
    if let Some(lib) = req.library_path()
        && !same_file(lib, &running.library)
    {
        return Err(Error::OtherPythonRunning {
            requested: format!("the library {}", lib.display()),
            running: describe_running(),
        });
    }
    let Some(exe) = req.executable_path() else {
        return Ok(());
    };
    let known = [
        running.info.as_ref().map(|i| &i.executable),
        running.info.as_ref().map(|i| &i.sys_executable),
        running.program_name.as_ref(),
    ];
    if known.into_iter().flatten().any(|k| same_path(k, exe)) {
        return Ok(());
    }
    // Another path: probe it (only on this path, which is rare: a second explicit request).
    let other = match discovery::discover(&Request::default().executable(exe)) {
        Ok(f) => f,
        Err(e) => {
            return Err(Error::OtherPythonRunning {
                requested: format!("the executable {} ({e})", exe.display()),
                running: describe_running(),
            });
        }
    };
    let prefix = |f: &Found| {
        f.info
            .as_ref()
            .map(|i| std::fs::canonicalize(&i.prefix).unwrap_or_else(|_| i.prefix.clone()))
    };
    let same_prefix = match (prefix(&other), prefix(running)) {
        (Some(a), Some(b)) => a == b,
        _ => true,
    };
    if same_file(&other.library, &running.library) && same_prefix {
        return Ok(());
    }
    let mut requested = format!(
        "the executable {} (library {}",
        exe.display(),
        other.library.display()
    );
    if let Some(i) = &other.info {
        requested += &format!(", sys.prefix {}", i.prefix.display());
    }
    requested.push(')');
    let mut running_text = describe_running();
    if let Some(i) = &running.info {
        running_text += &format!(" with sys.prefix {}", i.prefix.display());
    }
    Err(Error::OtherPythonRunning {
        requested,
        running: running_text,
    })
}

/// Whether two paths name the same file (symbolic links followed); paths that do not exist
/// are compared as written.
fn same_file(a: &std::path::Path, b: &std::path::Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

/// Whether two paths are the same once made absolute, without following symbolic links (a
/// venv's `bin/python` links to its base interpreter, which is another Python).
fn same_path(a: &std::path::Path, b: &std::path::Path) -> bool {
    match (std::path::absolute(a), std::path::absolute(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

static PREVIOUS: Mutex<Option<Found>> = Mutex::new(None);
/// The thread state start-up made, and the thread it belongs to: `threading` regards that
/// thread as the main thread and waits at shutdown until its state is gone.
static STARTUP_TSTATE: AtomicPtr<ffi::PyThreadState> = AtomicPtr::new(std::ptr::null_mut());
static STARTUP_THREAD: Mutex<Option<std::thread::ThreadId>> = Mutex::new(None);

/// Sets the program name and initialises, with Python's signal handlers if `signals`. Returns
/// the object header size.
///
/// # Safety
/// The library is loaded and no runtime is initialised.
unsafe fn start(
    lib: &ffi::Library,
    program_name: Option<&std::path::Path>,
    signals: bool,
) -> Result<usize> {
    let api = lib.api();
    // SAFETY: see the function's contract. The program name's wide string must outlive the
    // runtime (CPython keeps the pointer), so it is leaked on purpose: once per start-up.
    unsafe {
        if let (Some(create), Some(set_str), Some(set_int), Some(init), Some(free)) = (
            api.PyInitConfig_Create,
            api.PyInitConfig_SetStr,
            api.PyInitConfig_SetInt,
            api.Py_InitializeFromInitConfig,
            api.PyInitConfig_Free,
        ) {
            // 3.14+: PEP 741's configuration API needs no struct layouts.
            let cfg = create();
            if cfg.is_null() {
                return Err(Error::Startup("PyInitConfig_Create failed".into()));
            }
            let mut ok = set_int(cfg, c"install_signal_handlers".as_ptr(), i64::from(signals)) == 0;
            if let Some(name) = program_name {
                let c = std::ffi::CString::new(name.to_string_lossy().into_owned())
                    .map_err(|_| Error::Startup("the program name contains a NUL byte".into()))?;
                ok &= set_str(cfg, c"program_name".as_ptr(), c.as_ptr()) == 0;
            }
            ok = ok && init(cfg) == 0;
            if !ok {
                let mut msg: *const std::ffi::c_char = std::ptr::null();
                let text = match api.PyInitConfig_GetError {
                    Some(get) if get(cfg, &mut msg) != 0 && !msg.is_null() => {
                        std::ffi::CStr::from_ptr(msg).to_string_lossy().into_owned()
                    }
                    _ => "initialisation failed".to_owned(),
                };
                free(cfg);
                return Err(Error::Startup(text));
            }
            free(cfg);
        } else {
            if let Some(name) = program_name {
                let wide = to_wide(name)?;
                ffi::Py_SetProgramName(Box::leak(wide).as_ptr());
            }
            ffi::Py_InitializeEx(std::ffi::c_int::from(signals));
        }
        if ffi::Py_IsInitialized() == 0 {
            return Err(Error::Startup(
                "Py_InitializeEx returned without an initialised interpreter".into(),
            ));
        }
        Ok(ffi::init_object_layout())
    }
}

/// The path as a NUL-terminated `wchar_t` string (UTF-32 on Linux).
fn to_wide(p: &std::path::Path) -> Result<Box<[ffi::wchar_t]>> {
    let s = p.to_str().ok_or_else(|| {
        Error::Startup(format!(
            "the program name {} is not valid UTF-8",
            p.display()
        ))
    })?;
    if s.contains('\0') {
        return Err(Error::Startup(
            "the program name contains a NUL byte".into(),
        ));
    }
    Ok(s.chars()
        .map(|c| c as ffi::wchar_t)
        .chain(std::iter::once(0))
        .collect())
}

/// Shuts Python down: ends every sub-interpreter, releases queued references and
/// per-interpreter state, and calls `Py_FinalizeEx`. New acquisitions fail from the moment it
/// starts; it waits for threads that hold the GIL to release it.
///
/// Afterwards every handle of this runtime is dead: using one is an error, dropping one does
/// nothing (its object is gone), and none is ever released into a later runtime.
///
/// # Errors
/// [`Error::HoldsGil`] if this thread holds the GIL (it would wait for itself),
/// [`Error::InterpreterBusy`] if a sub-interpreter is in use, [`Error::NotInitialized`].
pub fn finalize() -> Result<()> {
    if gil::depth() > 0 || gil::suspended() {
        return Err(Error::HoldsGil("finalize"));
    }
    {
        let _lifecycle = LIFECYCLE.lock().unwrap_or_else(|e| e.into_inner());
        if STATE.load(Ordering::Acquire) != RUNNING {
            return Err(not_running_error());
        }
        // CPython 3.13t crashes in `Py_FinalizeEx` (flushing the standard streams) when the
        // thread that finalizes is not the one that started it: refuse clearly instead.
        let startup_thread = *STARTUP_THREAD.lock().unwrap_or_else(|e| e.into_inner());
        if free_threaded() && startup_thread.is_some_and(|t| t != std::thread::current().id()) {
            return Err(Error::Unsupported(
                "a free-threaded Python can only be finalized by the thread that started it",
            ));
        }
        if CLOSING.swap(true, Ordering::SeqCst) {
            return Err(Error::Finalizing);
        }
    }
    // From here on no lock of ours is held while Python code runs (ending sub-interpreters
    // and `Py_FinalizeEx` run destructors and callbacks, which may call into this crate).
    let r = shut_down();
    if r.is_err() && is_running() {
        // Refused before anything was shut down (a sub-interpreter in use): Python runs on.
        CLOSING.store(false, Ordering::SeqCst);
    }
    r
}

/// The work of [`finalize`], once it has claimed the shutdown (`CLOSING`).
fn shut_down() -> Result<()> {
    let _span = tracing::info_span!(target: "libpython::runtime", "finalize").entered();
    // End sub-interpreters while new work may still start in the main one.
    let subs: Vec<Arc<InterpState>> = registry_read().subs.values().cloned().collect();
    for s in &subs {
        match crate::interpreter::end_sub(s) {
            Ok(()) | Err(Error::InterpreterEnded) => {}
            Err(e) => return Err(e),
        }
    }
    // Threads that run Python in the main interpreter for as long as it lives (an asyncio
    // event loop) are stopped by the end hook before Python refuses new work.
    if let Some(key) = crate::runtime::main_key() {
        crate::interpreter::run_end_hook(key);
    }
    STATE.store(FINALIZING, Ordering::SeqCst);
    crate::active::barrier_after_state();
    while crate::active::any_active() {
        std::thread::sleep(std::time::Duration::from_micros(200));
    }
    let main = registry_read().main.clone();
    let guard = gil::acquire_main_internal()?;
    // SAFETY: this thread holds the main GIL; no other thread can hold or take it (the state
    // is FINALIZING and no thread is active). The guard is forgotten, not released: after
    // `Py_FinalizeEx` there is no thread state to release.
    let rc = unsafe {
        if let Some(m) = &main {
            m.clear_state();
        }
        // Shutting down from another thread than the one that started Python: before 3.13,
        // that thread's state would make `threading` wait forever for a "main thread" that is
        // not coming back (it may have exited). It runs no Python now (no thread is active),
        // so its state is deleted here, as CPython would on that thread's exit. (3.13 tracks
        // threads with handles instead, and needs the state kept.)
        let startup = STARTUP_TSTATE.swap(std::ptr::null_mut(), Ordering::AcqRel);
        let startup_thread = STARTUP_THREAD
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        let before_3_13 = ffi::library().is_some_and(|l| !l.version().at_least(3, 13));
        if before_3_13 && !startup.is_null() && startup_thread != Some(std::thread::current().id())
        {
            ffi::PyThreadState_Clear(startup);
            ffi::PyThreadState_Delete(startup);
        }
        std::mem::forget(guard);
        ffi::Py_FinalizeEx()
    };
    gil::forget_after_finalize();
    crate::active::reset_after_finalize();
    MAIN_KEY.store(0, Ordering::Release);
    MAIN_RAW.store(std::ptr::null_mut(), Ordering::Release);
    MAIN_STATE.store(std::ptr::null_mut(), Ordering::Release);
    {
        let mut reg = registry_write();
        if let Some(m) = reg.main.take() {
            m.mark_ended();
            RETIRED.lock().unwrap_or_else(|e| e.into_inner()).push(m);
        }
        reg.subs.clear();
        reg.by_raw.clear();
    }
    {
        let _lifecycle = LIFECYCLE.lock().unwrap_or_else(|e| e.into_inner());
        STATE.store(FINALIZED, Ordering::SeqCst);
        *STARTED.write().unwrap_or_else(|e| e.into_inner()) = None;
        CLOSING.store(false, Ordering::SeqCst);
    }
    tracing::info!(target: "libpython::runtime", rc, "Python finalized");
    if rc < 0 {
        return Err(Error::Python(
            "Py_FinalizeEx reported an error flushing buffered data".into(),
        ));
    }
    Ok(())
}
