//! The state of the CPython runtime, owned here and nowhere else: the lifecycle state machine
//! (uninitialised, running, finalizing, finalized), the generation counter, the main
//! interpreter's key and record, the registry of live interpreters, and what start-up used.
//! Start-up and shutdown themselves (`lifecycle`) change it through the functions below.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{
    AtomicBool, AtomicPtr, AtomicU8, AtomicU32, AtomicU64, AtomicUsize, Ordering,
};
use std::sync::{Arc, Mutex, RwLock};

use libpython_ffi as ffi;

use crate::discovery::Found;
use crate::error::{Error, Result};
use crate::key::InterpKey;
use crate::state::InterpState;

pub(crate) const UNINIT: u8 = 0;
pub(crate) const RUNNING: u8 = 1;
pub(crate) const FINALIZING: u8 = 2;
pub(crate) const FINALIZED: u8 = 3;

pub(crate) static STATE: AtomicU8 = AtomicU8::new(UNINIT);
/// Grows by one at each start-up; 0 before the first.
pub(crate) static GENERATION: AtomicU32 = AtomicU32::new(0);
/// Key bits of the running main interpreter, 0 when none runs.
pub(crate) static MAIN_KEY: AtomicU64 = AtomicU64::new(0);
pub(crate) static MAIN_RAW: AtomicPtr<ffi::PyInterpreterState> =
    AtomicPtr::new(std::ptr::null_mut());
/// The main interpreter's record while Python runs (owned by the registry while it runs, by
/// [`RETIRED`] after; never freed).
pub(crate) static MAIN_STATE: AtomicPtr<InterpState> = AtomicPtr::new(std::ptr::null_mut());
/// The main-interpreter records of runtimes that were finalized, kept for the life of the
/// process (one per start-up, a few kilobytes each): a thread that drops a handle without the
/// GIL reads [`MAIN_STATE`] without counting itself in, so a record it read must never be
/// freed. A reference pushed onto a retired record's queue is never released (its runtime is
/// gone).
pub(crate) static RETIRED: Mutex<Vec<Arc<InterpState>>> = Mutex::new(Vec::new());
/// Serialises start-up and the state changes of shutdown; racing callers wait here for the one
/// that runs. Never held while Python code runs after start-up: in particular not across
/// `Py_FinalizeEx`, whose destructors and callbacks may reach code that reads [`started`].
pub(crate) static LIFECYCLE: Mutex<()> = Mutex::new(());
/// What the running runtime was started with.
pub(crate) static STARTED: RwLock<Option<Started>> = RwLock::new(None);
/// `object.__basicsize__` of the running runtime (0 before the first start-up).
pub(crate) static HEADER_SIZE: AtomicUsize = AtomicUsize::new(0);
/// Set while a `finalize` is ending sub-interpreters and shutting down: no new
/// sub-interpreter may start, nor a second `finalize`.
pub(crate) static CLOSING: AtomicBool = AtomicBool::new(false);

/// What start-up used.
#[derive(Debug, Clone)]
pub struct Started {
    /// How the library was found.
    pub found: Found,
    /// The loaded library's version.
    pub version: ffi::Version,
    /// The program name given to Python.
    pub program_name: Option<PathBuf>,
    /// `object.__basicsize__`: 16 on GIL builds, 32 on free-threaded builds.
    pub object_header_size: usize,
}

/// The runtime generation: 0 before the first start-up, then 1, 2, ... at each one.
#[inline(always)]
pub fn generation() -> u32 {
    GENERATION.load(Ordering::Acquire)
}

/// Whether Python is running (started and not finalizing).
#[inline(always)]
pub fn is_running() -> bool {
    STATE.load(Ordering::Acquire) == RUNNING
}

/// Whether Python is finalizing.
pub fn is_finalizing() -> bool {
    STATE.load(Ordering::Acquire) == FINALIZING
}

/// Whether Python was finalized and not started again.
pub fn is_finalized() -> bool {
    STATE.load(Ordering::Acquire) == FINALIZED
}

#[inline(always)]
pub(crate) fn main_key_bits() -> u64 {
    MAIN_KEY.load(Ordering::Acquire)
}

/// The main interpreter's record, without taking the registry lock: the running runtime's,
/// or, read while a `finalize` runs on another thread, a retired one (a record is never
/// freed, see [`RETIRED`]). `None` when no runtime runs.
#[inline(always)]
pub(crate) fn main_state() -> Option<&'static InterpState> {
    let p = MAIN_STATE.load(Ordering::Acquire);
    // SAFETY: a non-null pointer was stored from an `Arc` that the registry, then `RETIRED`,
    // keeps for the life of the process.
    unsafe { p.as_ref() }
}

#[inline(always)]
pub(crate) fn main_raw() -> *mut ffi::PyInterpreterState {
    MAIN_RAW.load(Ordering::Acquire)
}

/// The main interpreter's key, when Python runs.
pub fn main_key() -> Option<InterpKey> {
    let k = main_key_bits();
    (k != 0).then(|| InterpKey::from_bits(k))
}

pub(crate) fn not_running_error() -> Error {
    match STATE.load(Ordering::Acquire) {
        FINALIZING => Error::Finalizing,
        FINALIZED => Error::Finalized,
        _ => Error::NotInitialized,
    }
}

pub(crate) fn ensure_running() -> Result<()> {
    if is_running() {
        Ok(())
    } else {
        Err(not_running_error())
    }
}

/// What the running runtime was started with, if it runs.
pub fn started() -> Option<Started> {
    STARTED.read().unwrap_or_else(|e| e.into_inner()).clone()
}

/// The size of an object header of the loaded Python (`object.__basicsize__`: 16 on GIL
/// builds, 32 on free-threaded ones): where the fields of types made from Rust start. 0 before
/// the first start-up. One atomic load, safe to call from any slot function, also while
/// Python shuts down.
#[inline(always)]
pub fn object_header_size() -> usize {
    HEADER_SIZE.load(Ordering::Relaxed)
}

/// Whether the loaded Python is a free-threaded build (`Py_GIL_DISABLED`): its object header
/// is larger than a GIL build's 16 bytes. `false` before the first start-up.
#[inline(always)]
pub fn free_threaded() -> bool {
    object_header_size() > 16
}

/// Whether a `finalize` is under way (ending sub-interpreters, or shutting Python down).
pub(crate) fn is_closing() -> bool {
    CLOSING.load(Ordering::SeqCst)
}

/// The registry of live interpreters of the current runtime.
pub(crate) struct Registry {
    pub(crate) main: Option<Arc<InterpState>>,
    pub(crate) subs: BTreeMap<u32, Arc<InterpState>>,
    pub(crate) by_raw: BTreeMap<usize, Arc<InterpState>>,
    pub(crate) next_index: u32,
}

pub(crate) static REGISTRY: RwLock<Registry> = RwLock::new(Registry {
    main: None,
    subs: BTreeMap::new(),
    by_raw: BTreeMap::new(),
    next_index: 1,
});

pub(crate) fn registry_read() -> std::sync::RwLockReadGuard<'static, Registry> {
    REGISTRY.read().unwrap_or_else(|e| e.into_inner())
}

pub(crate) fn registry_write() -> std::sync::RwLockWriteGuard<'static, Registry> {
    REGISTRY.write().unwrap_or_else(|e| e.into_inner())
}

/// The live interpreter with this key, if any.
pub fn lookup(key: InterpKey) -> Option<Arc<InterpState>> {
    let reg = registry_read();
    let found = if key.is_main() {
        reg.main.clone()
    } else {
        reg.subs.get(&key.index()).cloned()
    };
    found.filter(|s| s.key == key)
}

/// The live interpreter for CPython's interpreter state `raw`, if we know it (the main
/// interpreter and sub-interpreters made through this crate).
pub fn interp_state_for_raw(raw: *mut ffi::PyInterpreterState) -> Option<Arc<InterpState>> {
    lookup_raw(raw)
}

/// The live interpreter for CPython's interpreter state `raw`, if we know it.
pub(crate) fn lookup_raw(raw: *mut ffi::PyInterpreterState) -> Option<Arc<InterpState>> {
    registry_read().by_raw.get(&(raw as usize)).cloned()
}
