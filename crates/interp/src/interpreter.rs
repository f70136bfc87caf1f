//! Interpreters: the main one and sub-interpreters, their registry, and per-interpreter state
//! (deferred decrefs, bridge maps, named slots such as bridge type objects).

use std::collections::BTreeMap;
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::thread::ThreadId;

use crossbeam_queue::SegQueue;
use dashmap::DashMap;
use libpython_ffi as ffi;

use crate::error::{Error, Result};
use crate::{gil, runtime};

/// Identifies one interpreter of one runtime: the runtime's generation (it grows at each
/// start-up) and the interpreter's index (0 is the main interpreter).
///
/// Every owned handle carries one, so an object is never used or released under another
/// interpreter, nor in a later runtime.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct InterpKey {
    /// The generation in the high 32 bits, the index in the low ones: one word, so handles
    /// compare and store keys with single instructions on the hot paths.
    bits: u64,
}

impl InterpKey {
    pub(crate) const fn new(generation: u32, index: u32) -> Self {
        InterpKey { bits: ((generation as u64) << 32) | index as u64 }
    }

    /// The key packed into a `u64` (never 0 for a real interpreter: generations start at 1).
    #[inline(always)]
    pub const fn to_bits(self) -> u64 {
        self.bits
    }

    /// The key back from [`to_bits`](Self::to_bits).
    #[inline(always)]
    pub const fn from_bits(bits: u64) -> Self {
        InterpKey { bits }
    }

    /// The runtime generation.
    #[inline(always)]
    pub const fn generation(self) -> u32 {
        (self.bits >> 32) as u32
    }

    /// The interpreter's index in its runtime: 0 for the main interpreter.
    #[inline(always)]
    pub const fn index(self) -> u32 {
        self.bits as u32
    }

    /// Whether this is the main interpreter's key.
    #[inline(always)]
    pub const fn is_main(self) -> bool {
        self.index() == 0
    }
}

impl fmt::Debug for InterpKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "interp#{}/gen{}", self.index(), self.generation())
    }
}

/// A pointer held in a queue or map; only ever dereferenced under the owning interpreter's GIL.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub(crate) struct RawPtr(pub(crate) usize);

/// Users-count bit marking an interpreter that is ending or has ended.
pub(crate) const ENDING: usize = 1 << (usize::BITS - 1);

/// Everything the layer knows about one live interpreter.
pub struct InterpState {
    pub(crate) key: InterpKey,
    pub(crate) raw: *mut ffi::PyInterpreterState,
    pub(crate) own_gil: bool,
    /// Threads inside an outermost acquisition of this (sub-)interpreter, plus [`ENDING`].
    pub(crate) users: AtomicUsize,
    pub(crate) ended: AtomicBool,
    queue: SegQueue<RawPtr>,
    /// References pushed and not yet popped: raised before a push, lowered after a pop, so
    /// it is never below the queue's length and reading it is one load (an empty queue is
    /// the common case at every acquisition).
    queued: AtomicUsize,
    queue_peak: AtomicUsize,
    /// Thread states made for this sub-interpreter, one per thread (sub-interpreters only).
    pub(crate) tstates: Mutex<Vec<(ThreadId, RawPtr)>>,
    /// Rust object identity (an `Arc`'s address) to (a weak reference to its bridge object,
    /// the bridge object's address); both owned/read under this interpreter's GIL.
    bridges: DashMap<usize, (RawPtr, RawPtr)>,
    slots: DashMap<&'static str, usize>,
    /// Interned names of `intern!` call sites, by the address of the site's static.
    names: DashMap<usize, usize>,
}

// SAFETY: `raw` is an address CPython keeps valid until the interpreter ends, only passed back
// to CPython under the rules of the GIL; everything else is thread-safe (atomics, lock-free
// queue, concurrent maps, a mutex).
unsafe impl Send for InterpState {}
// SAFETY: as above.
unsafe impl Sync for InterpState {}

impl fmt::Debug for InterpState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InterpState")
            .field("key", &self.key)
            .field("own_gil", &self.own_gil)
            .field("ended", &self.ended.load(Ordering::Relaxed))
            .field("queued", &self.queue.len())
            .finish_non_exhaustive()
    }
}

impl InterpState {
    pub(crate) fn new(key: InterpKey, raw: *mut ffi::PyInterpreterState, own_gil: bool) -> Self {
        InterpState {
            key,
            raw,
            own_gil,
            users: AtomicUsize::new(0),
            ended: AtomicBool::new(false),
            queue: SegQueue::new(),
            queued: AtomicUsize::new(0),
            queue_peak: AtomicUsize::new(0),
            tstates: Mutex::new(Vec::new()),
            bridges: DashMap::new(),
            slots: DashMap::new(),
            names: DashMap::new(),
        }
    }

    /// This interpreter's key.
    pub fn key(&self) -> InterpKey {
        self.key
    }

    /// CPython's interpreter state.
    pub fn raw(&self) -> *mut ffi::PyInterpreterState {
        self.raw
    }

    /// Whether this interpreter has a GIL of its own (3.12+ sub-interpreters).
    pub fn own_gil(&self) -> bool {
        self.own_gil
    }

    /// Whether this interpreter has ended.
    pub fn has_ended(&self) -> bool {
        self.ended.load(Ordering::Acquire)
    }

    /// References waiting to be released at this interpreter's next GIL acquisition.
    pub fn queued_decrefs(&self) -> usize {
        self.queue.len()
    }

    /// The longest the deferred-decref queue has been.
    pub fn queue_peak(&self) -> usize {
        self.queue_peak.load(Ordering::Relaxed)
    }

    pub(crate) fn push_decref(&self, ptr: *mut ffi::PyObject) {
        let n = self.queued.fetch_add(1, Ordering::AcqRel) + 1;
        self.queue.push(RawPtr(ptr as usize));
        if n > self.queue_peak.load(Ordering::Relaxed) {
            self.queue_peak.fetch_max(n, Ordering::Relaxed);
        }
    }

    /// Releases every queued reference.
    ///
    /// # Safety
    /// The calling thread must hold this interpreter's GIL.
    #[inline(always)]
    pub(crate) unsafe fn drain(&self) {
        if self.queued.load(Ordering::Acquire) != 0 {
            // SAFETY: forwarded contract.
            unsafe { self.drain_queued() };
        }
    }

    /// Releases up to `budget` queued references (see [`drain`](Self::drain)).
    ///
    /// # Safety
    /// As [`drain`](Self::drain).
    #[inline(always)]
    pub(crate) unsafe fn drain_some(&self, budget: usize) {
        if self.queued.load(Ordering::Acquire) != 0 {
            // SAFETY: forwarded contract.
            unsafe { self.drain_at_most(budget) };
        }
    }

    /// [`drain_some`](Self::drain_some) when something is queued.
    ///
    /// # Safety
    /// As [`drain`](Self::drain).
    #[inline(never)]
    unsafe fn drain_at_most(&self, budget: usize) {
        if !gil::begin_drain() {
            return;
        }
        let mut n = 0usize;
        while n < budget {
            let Some(RawPtr(p)) = self.queue.pop() else { break };
            self.queued.fetch_sub(1, Ordering::AcqRel);
            // SAFETY: as in `drain_queued`.
            unsafe { ffi::Py_DECREF(p as *mut ffi::PyObject) };
            n += 1;
        }
        gil::end_drain();
        tracing::trace!(target: "libpython::gc", interp = ?self.key, released = n, "drained some deferred decrefs");
    }

    /// [`drain`](Self::drain) when something is queued.
    ///
    /// # Safety
    /// As [`drain`](Self::drain).
    #[inline(never)]
    unsafe fn drain_queued(&self) {
        if !gil::begin_drain() {
            return;
        }
        let mut n = 0usize;
        while let Some(RawPtr(p)) = self.queue.pop() {
            self.queued.fetch_sub(1, Ordering::AcqRel);
            // SAFETY: the pointer was a strong reference owned by a dropped handle of this
            // interpreter, whose GIL the caller holds. A destructor run here that drops more
            // handles finds the GIL held and releases them directly, not through the queue.
            unsafe { ffi::Py_DECREF(p as *mut ffi::PyObject) };
            n += 1;
        }
        gil::end_drain();
        tracing::debug!(target: "libpython::gc", interp = ?self.key, released = n, "drained deferred decrefs");
    }

    /// Forgets queued references without releasing them (the runtime is gone).
    pub(crate) fn discard_queue(&self) {
        while self.queue.pop().is_some() {
            self.queued.fetch_sub(1, Ordering::AcqRel);
        }
    }

    /// The live bridge object of the Rust object `identity` (an address), as a new strong
    /// reference, or NULL when there is none (never made, or dying: its last reference is
    /// gone, which a weak reference sees atomically, also on free-threaded builds).
    ///
    /// # Safety
    /// The calling thread holds this interpreter's GIL.
    pub unsafe fn bridge_get(&self, identity: usize) -> *mut ffi::PyObject {
        let Some(weak) = self.bridges.get(&identity).map(|e| e.value().0) else {
            return std::ptr::null_mut();
        };
        // SAFETY: the weak reference is owned by the map and released only under this GIL
        // (which the caller holds), by `bridge_forget` or `clear_state`.
        unsafe { upgrade(weak.0 as *mut ffi::PyObject) }
    }

    /// Records `obj` as the bridge object of the Rust object `identity`, replacing any dead
    /// entry.
    ///
    /// # Safety
    /// The calling thread holds this interpreter's GIL; `obj` is a live object of this
    /// interpreter whose type supports weak references, and whose deallocation calls
    /// [`bridge_forget`](Self::bridge_forget) with the same identity.
    ///
    /// Returns `false` when the weak reference could not be made, with the Python exception
    /// left pending for the caller to fetch.
    #[must_use]
    pub unsafe fn bridge_insert(&self, identity: usize, obj: *mut ffi::PyObject) -> bool {
        // SAFETY: forwarded contract: GIL held, `obj` live and weakly referenceable.
        let weak = unsafe { ffi::PyWeakref_NewRef(obj, std::ptr::null_mut()) };
        if weak.is_null() {
            return false;
        }
        if let Some((old, _)) = self.bridges.insert(identity, (RawPtr(weak as usize), RawPtr(obj as usize))) {
            // SAFETY: the replaced weak reference was owned by the map; GIL held.
            unsafe { ffi::Py_DECREF(old.0 as *mut ffi::PyObject) };
        }
        true
    }

    /// Forgets the entry of `identity` if it names `obj` (a bridge object being deallocated;
    /// a newer bridge object of the same Rust object keeps its entry).
    ///
    /// # Safety
    /// The calling thread holds this interpreter's GIL.
    pub unsafe fn bridge_forget(&self, identity: usize, obj: *mut ffi::PyObject) {
        if let Some((_, (weak, _))) = self.bridges.remove_if(&identity, |_, (_, o)| o.0 == obj as usize) {
            // SAFETY: the weak reference was owned by the map; GIL held.
            unsafe { ffi::Py_DECREF(weak.0 as *mut ffi::PyObject) };
        }
    }

    /// A per-interpreter object kept under `name` (bridge type objects, writers, ...): an
    /// owned reference, released when the interpreter ends.
    pub fn slot(&self, name: &'static str) -> Option<*mut ffi::PyObject> {
        self.slots.get(name).map(|p| *p as *mut ffi::PyObject)
    }

    /// Stores an owned reference under `name`, returning the one already there if another
    /// thread got first (the caller then releases its own).
    ///
    /// # Safety
    /// `obj` must be an owned reference of this interpreter.
    pub unsafe fn set_slot(&self, name: &'static str, obj: *mut ffi::PyObject) -> std::result::Result<(), *mut ffi::PyObject> {
        match self.slots.entry(name) {
            dashmap::Entry::Occupied(e) => Err(*e.get() as *mut ffi::PyObject),
            dashmap::Entry::Vacant(v) => {
                v.insert(obj as usize);
                Ok(())
            }
        }
    }

    /// The interned name this interpreter keeps for the `intern!` site `site` (an address).
    pub fn interned_name(&self, site: usize) -> Option<*mut ffi::PyObject> {
        self.names.get(&site).map(|p| *p as *mut ffi::PyObject)
    }

    /// Keeps an owned reference to an interned name for the `intern!` site `site`, returning
    /// the one already there if another thread got first (the caller then releases its own).
    ///
    /// # Safety
    /// `obj` must be an owned reference of this interpreter.
    pub unsafe fn set_interned_name(&self, site: usize, obj: *mut ffi::PyObject) -> std::result::Result<(), *mut ffi::PyObject> {
        match self.names.entry(site) {
            dashmap::Entry::Occupied(e) => Err(*e.get() as *mut ffi::PyObject),
            dashmap::Entry::Vacant(v) => {
                v.insert(obj as usize);
                Ok(())
            }
        }
    }

    /// Releases the per-interpreter state: the queue, slots and bridge map.
    ///
    /// # Safety
    /// The calling thread holds this interpreter's GIL.
    pub(crate) unsafe fn clear_state(&self) {
        // SAFETY: forwarded: the GIL of this interpreter is held.
        unsafe { self.drain() };
        let mut slots: Vec<usize> = self.slots.iter().map(|e| *e.value()).collect();
        slots.extend(self.names.iter().map(|e| *e.value()));
        self.slots.clear();
        self.names.clear();
        for p in slots {
            // SAFETY: slots hold owned references of this interpreter; its GIL is held.
            unsafe { ffi::Py_DecRef(p as *mut ffi::PyObject) };
        }
        let weak: Vec<usize> = self.bridges.iter().map(|e| e.value().0.0).collect();
        self.bridges.clear();
        for w in weak {
            // SAFETY: the map owned these weak references; the GIL is held.
            unsafe { ffi::Py_DecRef(w as *mut ffi::PyObject) };
        }
        crate::symbols::forget_interpreter(self.key);
    }
}

/// The referent of the weak reference `weak` as a new strong reference, or NULL if it is dead.
///
/// # Safety
/// The GIL is held and `weak` is a live weak reference object.
unsafe fn upgrade(weak: *mut ffi::PyObject) -> *mut ffi::PyObject {
    // SAFETY: forwarded contract. `PyWeakref_GetRef` (3.13+) takes the reference atomically
    // (an object whose last reference is gone is reported dead, also without a GIL); before
    // 3.13 there are only GIL builds, where the borrowed referent cannot die before the
    // increment below.
    unsafe {
        if let Some(get_ref) = ffi::api().PyWeakref_GetRef {
            let mut obj = std::ptr::null_mut();
            if get_ref(weak, &mut obj) < 0 {
                ffi::PyErr_Clear();
                return std::ptr::null_mut();
            }
            return obj;
        }
        let obj = ffi::PyWeakref_GetObject(weak);
        if obj.is_null() {
            ffi::PyErr_Clear();
            return std::ptr::null_mut();
        }
        if obj == ffi::Py_None() {
            return std::ptr::null_mut();
        }
        ffi::Py_INCREF(obj);
        obj
    }
}

/// The registry of live interpreters of the current runtime.
pub(crate) struct Registry {
    pub(crate) main: Option<Arc<InterpState>>,
    pub(crate) subs: BTreeMap<u32, Arc<InterpState>>,
    pub(crate) by_raw: BTreeMap<usize, Arc<InterpState>>,
    pub(crate) next_index: u32,
}

pub(crate) static REGISTRY: RwLock<Registry> =
    RwLock::new(Registry { main: None, subs: BTreeMap::new(), by_raw: BTreeMap::new(), next_index: 1 });

pub(crate) fn registry_read() -> std::sync::RwLockReadGuard<'static, Registry> {
    REGISTRY.read().unwrap_or_else(|e| e.into_inner())
}

pub(crate) fn registry_write() -> std::sync::RwLockWriteGuard<'static, Registry> {
    REGISTRY.write().unwrap_or_else(|e| e.into_inner())
}

/// The live interpreter with this key, if any.
pub fn lookup(key: InterpKey) -> Option<Arc<InterpState>> {
    let reg = registry_read();
    let found = if key.is_main() { reg.main.clone() } else { reg.subs.get(&key.index()).cloned() };
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
        SubConfig { own_gil: true, allow_threads: true }
    }

    /// A sub-interpreter sharing the main GIL (every version; legacy extension modules load).
    pub const fn shared_gil() -> Self {
        SubConfig { own_gil: false, allow_threads: true }
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
            return Err(Error::NeedsVersion { feature: "a sub-interpreter with its own GIL", needs: "3.12", have: version });
        }
        if config.own_gil && lib.api().Py_NewInterpreterFromConfig.is_none() {
            // A Python newer than libpython knows: its PyInterpreterConfig may have changed.
            return Err(Error::Unsupported("a sub-interpreter with its own GIL: this Python is newer than libpython knows, and its PyInterpreterConfig layout may have changed"));
        }
        let main = gil::acquire_main()?;
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
                let free_threaded = crate::runtime::object_header_size() > 16;
                let cfg = ffi::PyInterpreterConfig {
                    use_main_obmalloc: i32::from(!config.own_gil),
                    allow_fork: 0,
                    allow_exec: 0,
                    allow_threads: i32::from(config.allow_threads),
                    allow_daemon_threads: 0,
                    check_multi_interp_extensions: i32::from(config.own_gil || free_threaded),
                    gil: if config.own_gil { ffi::PyInterpreterConfig_OWN_GIL } else { ffi::PyInterpreterConfig_SHARED_GIL },
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
                        std::ffi::CStr::from_ptr(status.err_msg).to_string_lossy().into_owned()
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
        state.tstates.lock().unwrap_or_else(|e| e.into_inner()).push((std::thread::current().id(), RawPtr(tstate as usize)));
        gil::remember_tstate(&state, tstate);
        if closing {
            let _ = end_sub(&state);
            return Err(Error::Finalizing);
        }
        tracing::info!(target: "libpython::interp", interp = ?state.key, own_gil = config.own_gil, "sub-interpreter created");
        let interp = Interpreter { state };
        if let Some(hook) = *CREATION_HOOK.read().unwrap_or_else(|e| e.into_inner()) {
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
        !self.state.has_ended() && runtime::generation() == self.state.key.generation() && runtime::is_running()
    }

    /// References dropped without this interpreter's GIL, waiting to be released.
    pub fn queued_decrefs(&self) -> usize {
        self.state.queued_decrefs()
    }

    /// Ends a sub-interpreter: releases its queued references and per-interpreter state,
    /// deletes the thread states every thread had for it, and calls `Py_EndInterpreter`.
    ///
    /// # Errors
    /// [`Error::InterpreterBusy`] while a thread holds it, [`Error::HoldsGil`] if the calling
    /// thread holds a GIL, [`Error::InterpreterEnded`] if it already ended, and an error for
    /// the main interpreter (use `finalize`).
    pub fn end(&self) -> Result<()> {
        if self.is_main() {
            return Err(Error::Python("the main interpreter ends with finalize, not end".into()));
        }
        if gil::depth() > 0 {
            return Err(Error::HoldsGil("ending a sub-interpreter"));
        }
        runtime::ensure_running()?;
        end_sub(&self.state)
    }
}

/// Ends `state`; the caller has checked it is a sub-interpreter and that the thread holds no
/// GIL.
pub(crate) fn end_sub(state: &Arc<InterpState>) -> Result<()> {
    if state.has_ended() {
        return Err(Error::InterpreterEnded);
    }
    if state.users.compare_exchange(0, ENDING, Ordering::AcqRel, Ordering::Acquire).is_err() {
        return if state.users.load(Ordering::Acquire) & ENDING != 0 {
            Err(Error::InterpreterEnded)
        } else {
            Err(Error::InterpreterBusy)
        };
    }
    let main = gil::acquire_main_internal()?;
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
            let others = list.iter().filter(|(_, t)| t.0 != mine as usize).map(|(_, t)| *t).collect();
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
    state.ended.store(true, Ordering::Release);
    {
        let mut reg = registry_write();
        reg.subs.remove(&state.key.index());
        reg.by_raw.remove(&(state.raw as usize));
    }
    tracing::info!(target: "libpython::interp", interp = ?state.key, "sub-interpreter ended");
    Ok(())
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

static CREATION_HOOK: RwLock<Option<fn()>> = RwLock::new(None);

/// Sets a function run in every new sub-interpreter right after its creation, with the
/// calling thread bound to it (the public layer routes its output through Rust there).
pub fn set_creation_hook(hook: fn()) {
    *CREATION_HOOK.write().unwrap_or_else(|e| e.into_inner()) = Some(hook);
}
