//! Interpreters as handles: the main one and sub-interpreters made from Rust, their creation
//! and end, and binding a thread to one (`with_interpreter`).

use std::fmt;
use std::sync::atomic::Ordering;
use std::sync::{Arc, RwLock};

use libpython_ffi as ffi;

use crate::error::{Error, Result};
use crate::gil;
use crate::key::InterpKey;
use crate::runtime::{self, lookup, registry_read, registry_write};
use crate::state::{ENDING, InterpState, RawPtr};

/// Settings of a new sub-interpreter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SubConfig {
    /// Give it a GIL of its own, so it runs in parallel with the others (3.12+). Implies
    /// isolation: its own object allocator, and only extension modules that support
    /// multiple interpreters can be imported in it.
    pub own_gil: bool,
    /// Allow `threading` threads inside it.
    pub allow_threads: bool,
}

impl SubConfig {
    /// An isolated sub-interpreter with its own GIL (3.12+).
    pub const fn isolated() -> Self {
        SubConfig {
            own_gil: true,
            allow_threads: true,
        }
    }

    /// A sub-interpreter sharing the main GIL (every version; legacy extension modules load).
    pub const fn shared_gil() -> Self {
        SubConfig {
            own_gil: false,
            allow_threads: true,
        }
    }
}

impl Default for SubConfig {
    fn default() -> Self {
        Self::shared_gil()
    }
}

/// A handle on an interpreter: the main one, or a sub-interpreter made from Rust.
///
/// Cloning gives another handle on the same interpreter. A sub-interpreter lives until
/// [`Interpreter::end`] (or until Python is finalized).
#[derive(Clone)]
pub struct Interpreter {
    pub(crate) state: Arc<InterpState>,
}

impl fmt::Debug for Interpreter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Interpreter").field(&self.state.key).finish()
    }
}

impl PartialEq for Interpreter {
    fn eq(&self, other: &Self) -> bool {
        self.state.key == other.state.key
    }
}

impl Eq for Interpreter {}

impl Interpreter {
    /// The main interpreter.
    ///
    /// # Errors
    /// [`Error::NotInitialized`] before start-up, [`Error::Finalizing`] during shutdown.
    pub fn main() -> Result<Interpreter> {
        let reg = registry_read();
        match &reg.main {
            Some(m) if runtime::is_running() => Ok(Interpreter { state: m.clone() }),
            _ if runtime::is_finalizing() => Err(Error::Finalizing),
            _ => Err(Error::NotInitialized),
        }
    }

    /// Makes a new sub-interpreter.
    ///
    /// With `config.own_gil` it gets its own GIL and runs in parallel with the others, which
    /// needs Python 3.12 or newer; on older versions that is [`Error::NeedsVersion`]. A
    /// shared-GIL sub-interpreter works on every supported version.
    ///
    /// # Errors
    /// [`Error::NeedsVersion`], [`Error::HoldsGil`] if the calling thread holds a GIL,
    /// [`Error::Python`] if CPython refuses.
    pub fn new(config: SubConfig) -> Result<Interpreter> {
        runtime::ensure_running()?;
        if gil::depth() > 0 {
            return Err(Error::HoldsGil("creating a sub-interpreter"));
        }
        let lib = ffi::library().ok_or(Error::NotInitialized)?;
        let version = lib.version();
        if config.own_gil && !version.at_least(3, 12) {
            return Err(Error::NeedsVersion {
                feature: "a sub-interpreter with its own GIL",
                needs: "3.12",
                have: version,
            });
        }
        if config.own_gil && lib.api().Py_NewInterpreterFromConfig.is_none() {
            // A Python newer than libpython knows: its PyInterpreterConfig may have changed.
            return Err(Error::Unsupported(
                "a sub-interpreter with its own GIL: this Python is newer than libpython knows, and its PyInterpreterConfig layout may have changed",
            ));
        }
        if runtime::registry_read().next_index > InterpKey::MAX_INDEX {
            return Err(Error::Unsupported(
                "another sub-interpreter: this runtime made as many as a key can number",
            ));
        }
        // Counted in the main interpreter until the new one is registered (or, if `finalize`
        // started meanwhile, ended here): `finalize` waits for this thread, so it neither
        // misses the new interpreter nor runs `Py_FinalizeEx` while it is being made or ended.
        let _counted = CountedInMain::enter()?;
        // SAFETY: nothing of an interpreter this thread may hold is used while `main` lives
        // (a switch is undone when it is dropped).
        let main = unsafe { gil::acquire_main_switching() }?;
        // SAFETY: the main GIL is held through `main`, so the current thread state is the
        // main interpreter's; creating a sub-interpreter makes its first thread state
        // current (3.12+: and releases the main GIL); swapping back to the saved state
        // restores the main interpreter (3.12+: releasing the sub-interpreter's GIL and taking
        // the main one again), leaving the thread as `main` expects.
        let (raw, tstate) = unsafe {
            let saved = ffi::PyThreadState_Get();
            let mut tstate: *mut ffi::PyThreadState = std::ptr::null_mut();
            if let Some(new_from_config) = lib.api().Py_NewInterpreterFromConfig {
                // Free-threaded builds (a 32-byte object header) refuse sub-interpreters that
                // may load single-phase extension modules, so they always check.
                let free_threaded = crate::runtime::free_threaded();
                let cfg = ffi::PyInterpreterConfig {
                    use_main_obmalloc: i32::from(!config.own_gil),
                    allow_fork: 0,
                    allow_exec: 0,
                    allow_threads: i32::from(config.allow_threads),
                    allow_daemon_threads: 0,
                    check_multi_interp_extensions: i32::from(config.own_gil || free_threaded),
                    gil: if config.own_gil {
                        ffi::PyInterpreterConfig_OWN_GIL
                    } else {
                        ffi::PyInterpreterConfig_SHARED_GIL
                    },
                };
                let status = new_from_config(&mut tstate, &cfg);
                if status._type != ffi::PYSTATUS_OK || tstate.is_null() {
                    // The failed call left no new thread state current; put the main one back.
                    if ffi::PyThreadState_Get() != saved {
                        ffi::PyThreadState_Swap(saved);
                    }
                    let msg = if status.err_msg.is_null() {
                        "Py_NewInterpreterFromConfig failed".to_owned()
                    } else {
                        std::ffi::CStr::from_ptr(status.err_msg)
                            .to_string_lossy()
                            .into_owned()
                    };
                    drop(main);
                    return Err(Error::Python(msg));
                }
            } else {
                tstate = ffi::Py_NewInterpreter();
                if tstate.is_null() {
                    ffi::PyThreadState_Swap(saved);
                    drop(main);
                    return Err(Error::Python("Py_NewInterpreter failed".into()));
                }
            }
            let raw = ffi::PyThreadState_GetInterpreter(tstate);
            ffi::PyThreadState_Swap(saved);
            (raw, tstate)
        };
        drop(main);
        let (state, closing) = {
            let mut reg = registry_write();
            let index = reg.next_index;
            reg.next_index += 1;
            let key = InterpKey::new(runtime::generation(), index);
            let state = Arc::new(InterpState::new(key, raw, config.own_gil));
            reg.subs.insert(index, state.clone());
            reg.by_raw.insert(raw as usize, state.clone());
            // Read under the registry lock: a `finalize` that started before this point
            // either lists this interpreter (and ends it) or is seen here.
            (state, runtime::is_closing())
        };
        state
            .tstates
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((std::thread::current().id(), RawPtr(tstate as usize)));
        gil::remember_tstate(&state, tstate);
        if closing {
            let _ = end_sub(&state);
            return Err(Error::Finalizing);
        }
        tracing::info!(target: "libpython::interp", interp = ?state.key, own_gil = config.own_gil, "sub-interpreter created");
        let interp = Interpreter { state };
        let hooks = CREATION_HOOKS
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        for hook in hooks {
            with_interpreter(&interp, hook)?;
        }
        Ok(interp)
    }

    /// This interpreter's key.
    pub fn key(&self) -> InterpKey {
        self.state.key
    }

    /// The shared state record (queues, bridge maps, slots).
    pub fn state(&self) -> &Arc<InterpState> {
        &self.state
    }

    /// Whether this is the main interpreter.
    pub fn is_main(&self) -> bool {
        self.state.key.is_main()
    }

    /// Whether this interpreter has a GIL of its own.
    pub fn own_gil(&self) -> bool {
        self.state.own_gil
    }

    /// Whether the interpreter is still usable.
    pub fn is_alive(&self) -> bool {
        !self.state.has_ended()
            && runtime::generation() == self.state.key.generation()
            && runtime::is_running()
    }

    /// References dropped without this interpreter's GIL, waiting to be released.
    pub fn queued_decrefs(&self) -> usize {
        self.state.queued_decrefs()
    }

    /// Ends a sub-interpreter: releases its queued references and per-interpreter state,
    /// deletes the thread states every thread had for it, and calls `Py_EndInterpreter`.
    ///
    /// # Errors
    /// [`Error::InterpreterBusy`] while a thread holds it (and, before Python 3.12, while a
    /// thread Python started in it is alive: CPython cannot end it then, and cannot finalize
    /// with it left either, so `finalize` is refused the same way), [`Error::HoldsGil`] if the calling
    /// thread holds a GIL, [`Error::InterpreterEnded`] if it already ended, and an error for
    /// the main interpreter (use `finalize`).
    pub fn end(&self) -> Result<()> {
        if self.is_main() {
            return Err(Error::Python(
                "the main interpreter ends with finalize, not end".into(),
            ));
        }
        if gil::depth() > 0 {
            return Err(Error::HoldsGil("ending a sub-interpreter"));
        }
        runtime::ensure_running()?;
        end_sub(&self.state)
    }
}

/// This thread counted as active in the main interpreter while it lives, without holding
/// its GIL (see [`crate::active`]).
struct CountedInMain;

impl CountedInMain {
    /// Counts this thread in, unless the runtime is not running.
    fn enter() -> Result<CountedInMain> {
        if crate::active::enter_main() {
            Ok(CountedInMain)
        } else {
            Err(runtime::not_running_error())
        }
    }
}

impl Drop for CountedInMain {
    fn drop(&mut self) {
        crate::active::leave_main();
    }
}

/// Ends `state`; the caller has checked it is a sub-interpreter and that the thread holds no
/// GIL.
pub(crate) fn end_sub(state: &Arc<InterpState>) -> Result<()> {
    if state.has_ended() {
        return Err(Error::InterpreterEnded);
    }
    run_end_hook(state.key);
    if state
        .users
        .compare_exchange(0, ENDING, Ordering::AcqRel, Ordering::Acquire)
        .is_err()
    {
        return if state.users.load(Ordering::Acquire) & ENDING != 0 {
            Err(Error::InterpreterEnded)
        } else {
            Err(Error::InterpreterBusy)
        };
    }
    let main = gil::acquire_main_internal()?;
    // Before 3.12 a sub-interpreter may run daemon threads Python started, and ending it
    // while one has a thread state is a fatal error in CPython ("not the last thread").
    let before_3_12 = ffi::library().is_some_and(|l| !l.version().at_least(3, 12));
    // SAFETY: the main GIL is held, which before 3.12 is every interpreter's: no thread state
    // of the sub-interpreter is made or deleted while its list is walked.
    if before_3_12 && unsafe { runs_threads_of_its_own(state) } {
        drop(main);
        state.users.fetch_sub(ENDING, Ordering::AcqRel);
        return Err(Error::InterpreterBusy);
    }
    let me = std::thread::current().id();
    // SAFETY: the main GIL is held (`main`), so its thread state is current. The
    // sub-interpreter has no users (the ENDING bit was set from 0), so no thread runs in it.
    // Swapping to our thread state for it takes its GIL (3.12+) or keeps the shared one;
    // other threads' states are cleared and deleted under that GIL (none is current); after
    // `Py_EndInterpreter` no thread state is current and swapping back to the saved main
    // state restores the main GIL, as CPython's own embedding tests do.
    unsafe {
        let saved = ffi::PyThreadState_Get();
        let mine = gil::take_tstate(state).unwrap_or_else(|| ffi::PyThreadState_New(state.raw));
        ffi::PyThreadState_Swap(mine);
        state.clear_state();
        let others: Vec<RawPtr> = {
            let mut list = state.tstates.lock().unwrap_or_else(|e| e.into_inner());
            let others = list
                .iter()
                .filter(|(_, t)| t.0 != mine as usize)
                .map(|(_, t)| *t)
                .collect();
            list.clear();
            others
        };
        for RawPtr(t) in &others {
            let t = *t as *mut ffi::PyThreadState;
            ffi::PyThreadState_Clear(t);
            ffi::PyThreadState_Delete(t);
        }
        let _ = me;
        ffi::Py_EndInterpreter(mine);
        // 3.12+: no thread state is current and no GIL held afterwards, so the main state is
        // restored by taking its GIL. Before 3.12 the (shared) GIL is still held and only the
        // current thread state needs setting back.
        if ffi::library().is_some_and(|l| l.version().at_least(3, 12)) {
            ffi::PyEval_RestoreThread(saved);
        } else {
            ffi::PyThreadState_Swap(saved);
        }
    }
    drop(main);
    state.mark_ended();
    {
        let mut reg = registry_write();
        reg.subs.remove(&state.key.index());
        reg.by_raw.remove(&(state.raw as usize));
    }
    tracing::info!(target: "libpython::interp", interp = ?state.key, "sub-interpreter ended");
    Ok(())
}

/// Whether `state`'s interpreter has a thread state this layer did not make: a thread Python
/// started there (a `threading` or `_thread` thread) that is still alive.
///
/// # Safety
/// The calling thread holds a GIL that keeps the interpreter's list of thread states from
/// changing (before 3.12: any, the GIL being shared).
unsafe fn runs_threads_of_its_own(state: &InterpState) -> bool {
    let api = ffi::api();
    let (Some(head), Some(next)) = (api.PyInterpreterState_ThreadHead, api.PyThreadState_Next)
    else {
        return false;
    };
    let ours: Vec<usize> = state
        .tstates
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .map(|(_, t)| t.0)
        .collect();
    // SAFETY: the interpreter is alive (no users, not ended); its list does not change while
    // it is walked (the caller's contract).
    unsafe {
        let mut t = head(state.raw);
        while !t.is_null() {
            if !ours.contains(&(t as usize)) {
                return true;
            }
            t = next(t);
        }
    }
    false
}

/// Runs `f` with the calling thread bound to `interp`: GIL acquisitions inside take that
/// interpreter's GIL, with a thread state of this thread for it (made once, then reused).
///
/// Bindings nest; the previous one is restored when `f` returns or panics.
///
/// `f` and its result are `Send`: a GIL token or borrowed view of the interpreter the thread
/// was running cannot be captured and used under another interpreter's GIL, nor handed out.
///
/// # Errors
/// [`Error::InterpreterEnded`] if the interpreter has ended, [`Error::Finalized`] if its
/// runtime is gone.
pub fn with_interpreter<R: Send>(interp: &Interpreter, f: impl FnOnce() -> R + Send) -> Result<R> {
    if interp.state.has_ended() {
        return Err(Error::InterpreterEnded);
    }
    if interp.state.key.generation() != runtime::generation() || !runtime::is_running() {
        return Err(Error::Finalized);
    }
    let _binding = gil::bind(interp.state.clone());
    Ok(f())
}

/// The interpreter bound to this thread: the innermost [`with_interpreter`], else the one
/// whose GIL this thread holds.
///
/// # Errors
/// [`Error::NotBound`] when neither applies.
pub fn ensure_bound_interpreter() -> Result<Interpreter> {
    if let Some(state) = gil::bound() {
        return Ok(Interpreter { state });
    }
    if gil::depth() > 0 {
        let key = gil::held_key();
        if let Some(state) = lookup(key) {
            return Ok(Interpreter { state });
        }
    }
    Err(Error::NotBound)
}

static CREATION_HOOKS: RwLock<Vec<fn()>> = RwLock::new(Vec::new());
static END_HOOKS: RwLock<Vec<fn(InterpKey)>> = RwLock::new(Vec::new());

/// Adds a function run in every new sub-interpreter right after its creation, with the
/// calling thread bound to it (the public layer routes its output through Rust there). Hooks
/// run in the order they were added; one cannot be removed, so a hook of one layer never
/// undoes another's.
pub fn add_creation_hook(hook: fn()) {
    CREATION_HOOKS
        .write()
        .unwrap_or_else(|e| e.into_inner())
        .push(hook);
}

/// Adds a function run when an interpreter is about to end, with its key: before a
/// sub-interpreter's [`Interpreter::end`], and during `finalize` for every sub-interpreter and
/// then for the main interpreter. It runs on the thread that ends the interpreter, which holds
/// no GIL, with no lock of this layer held, while the interpreter is still fully usable, so it
/// can stop threads that run Python there (the public layer's asyncio event loops) and wait for
/// them. If ending then fails (another thread is using the sub-interpreter), the interpreter
/// lives on without what the hook stopped. Hooks run in the order they were added; one
/// cannot be removed (the public layer's must run for `finalize` not to wait for its loops).
pub fn add_end_hook(hook: fn(InterpKey)) {
    END_HOOKS
        .write()
        .unwrap_or_else(|e| e.into_inner())
        .push(hook);
}

/// Runs the end hooks for the interpreter `key` (their lock is not held while they run).
pub(crate) fn run_end_hook(key: InterpKey) {
    let hooks = END_HOOKS.read().unwrap_or_else(|e| e.into_inner()).clone();
    for hook in hooks {
        hook(key);
    }
}
