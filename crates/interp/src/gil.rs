//! The GIL: acquisition from any thread, re-entrant through a thread-local depth, thread
//! states cached per thread and interpreter, scoped release, and deferred decrefs.
//!
//! # Model
//!
//! * A thread-local depth counts the GIL guards this thread holds. Nested acquisition of the
//!   interpreter already held costs a thread-local check and an increment, nothing more.
//! * One thread state per thread per interpreter, made on first use and reused: the outermost
//!   acquisition is `PyEval_RestoreThread`, the release `PyEval_SaveThread` (no thread state is
//!   created or deleted per acquisition). For the main interpreter, a thread that already has a
//!   main-interpreter state (the thread that started Python, threads Python created) uses that
//!   one; otherwise a new one is made, which CPython also registers as the thread's
//!   `PyGILState` state, so extension code using that API (numpy, pybind11, ctypes) finds it.
//!   States this layer made are deleted when the thread exits (or the interpreter ends); the
//!   `PyGILState` API itself is not used, because from 3.12 on it follows whichever thread
//!   state was activated last, which may be a sub-interpreter's.
//! * Holding interpreter A and acquiring B releases A's GIL first (no lock-order inversion) and
//!   takes it back when B's guard is released.
//! * A reference dropped by a thread that does not hold its interpreter's GIL is queued on
//!   that interpreter and released at its next outermost acquisition.

use std::cell::{Cell, RefCell};
use std::marker::PhantomData;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use libpython_ffi as ffi;

use crate::active;
use crate::error::{Error, Result};
use crate::key::InterpKey;
use crate::runtime::{self, lookup, lookup_raw};
use crate::state::{ENDING, InterpState, RawPtr};

mod checkpoint;
mod foreign;
mod hint;
mod stack;
mod switch;
mod thread_states;

pub use checkpoint::CHECKPOINT_EVERY;
use checkpoint::{checkpoint_due, checkpoint_main, checkpoint_sub};
pub(crate) use foreign::register_shutdown_wait;
pub use foreign::{assume_call, assume_counted};
pub use hint::DrainHint;
pub use stack::{stack_maybe_low, stack_nearly_exhausted};
use switch::refuse_switch;
pub use switch::{acquire_main_switching, acquire_switching, with_gil_of};
pub(crate) use switch::{quiet, with_gil_of_quiet};
use thread_states::{MainState, ThreadStates};

/// The thread-local every call from C into Rust reads, in one place so that one read of the
/// thread pointer serves both of its fields.
struct Entry {
    /// Key bits of the interpreter whose GIL is held; 0 exactly when `DEPTH` is 0 (key bits
    /// are never 0), so "does this thread hold interpreter K" is one thread-local load. The
    /// one exception is a collector traversal (`COLLECTING`), counted in `DEPTH` with `held`
    /// 0: the thread holds a GIL but nothing may use it.
    held: Cell<u64>,
    /// Lowest address this thread's stack may reach before calls refuse to nest deeper
    /// (`usize::MAX` until computed: the first check takes the slow path and computes it).
    stack_limit: Cell<usize>,
}

thread_local! {
    /// GIL guards held by this thread (0: the thread does not hold a GIL through us).
    static DEPTH: Cell<u32> = const { Cell::new(0) };
    /// What every call from C into Rust reads first (see [`Entry`]).
    static ENTRY: Entry = const { Entry { held: Cell::new(0), stack_limit: Cell::new(usize::MAX) } };
    /// Key bits of the interpreter whose objects CPython's garbage collector is traversing on
    /// this thread ([`collector_traversal`]), 0 otherwise.
    static COLLECTING: Cell<u64> = const { Cell::new(0) };
    /// Outermost holds suspended by `allow_threads` (the runtime must not finalize under them).
    static SUSPENDED: Cell<u32> = const { Cell::new(0) };
    /// The scope of this thread's holds that guards are checked against, with `DEPTH`: a new
    /// one begins whenever the holds are set aside (a switch to another interpreter,
    /// `allow_threads`) and the previous one comes back with them, so a guard of one scope
    /// dropped in another is out of order even at the same depth.
    static SCOPE: Cell<u32> = const { Cell::new(0) };
    /// The last scope begun on this thread (scopes are never reused).
    static SCOPES: Cell<u32> = const { Cell::new(0) };
    /// `with_interpreter` bindings, innermost last, each with the key bits this thread held
    /// when it was made (0: none).
    static BOUND: RefCell<Vec<(Arc<InterpState>, u64)>> = const { RefCell::new(Vec::new()) };
    /// `BOUND.len()`, readable without borrowing (0 on almost every thread).
    static BOUND_LEN: Cell<usize> = const { Cell::new(0) };
    /// Thread states this thread uses, released at thread exit.
    static STATES: ThreadStates = const { ThreadStates { main: Cell::new(None), subs: RefCell::new(Vec::new()) } };
    /// A copy of `STATES.main`'s (generation, thread state), in a thread-local without a
    /// destructor, so the outermost acquisition reads it with no registration check. Generation
    /// 0 (no runtime has it) when there is none, and again once `STATES` is dropped.
    static MAIN_TSTATE: Cell<(u32, *mut ffi::PyThreadState)> = const { Cell::new((0, std::ptr::null_mut())) };
}

/// Counts one more user of a sub-interpreter, unless it is ending.
fn enter_sub(state: &InterpState) -> bool {
    let prev = state.users.fetch_add(1, Ordering::AcqRel);
    if prev & ENDING != 0 {
        state.users.fetch_sub(1, Ordering::AcqRel);
        return false;
    }
    true
}

fn leave_sub(state: &InterpState) {
    state.users.fetch_sub(1, Ordering::AcqRel);
}

/// How many GIL guards this thread holds.
#[inline(always)]
pub fn depth() -> u32 {
    DEPTH.with(Cell::get)
}

/// The interpreter whose GIL this thread holds (meaningful when [`depth`] > 0).
#[inline(always)]
pub fn held_key() -> InterpKey {
    InterpKey::from_bits(ENTRY.with(|e| e.held.get()))
}

/// Whether this thread holds the GIL of the interpreter `key`.
#[inline(always)]
pub fn holds(key: InterpKey) -> bool {
    ENTRY.with(|e| e.held.get()) == key.to_bits() && key.to_bits() != 0
}

/// The innermost `with_interpreter` binding of this thread.
pub fn bound() -> Option<Arc<InterpState>> {
    BOUND
        .try_with(|b| b.borrow().last().map(|(s, _)| s.clone()))
        .ok()
        .flatten()
}

/// The interpreter an acquisition without a named interpreter is for, when a binding decides
/// it: the innermost binding, unless this thread took another hold after making it (a
/// callback from a thread Python runs in some interpreter, say), which then wins.
fn current_binding() -> Option<Arc<InterpState>> {
    let held = ENTRY.with(|e| e.held.get());
    BOUND.with(|b| match b.borrow().last() {
        Some((state, held_at))
            if held == 0 || held == *held_at || held == state.key().to_bits() =>
        {
            Some(state.clone())
        }
        _ => None,
    })
}

pub(crate) struct Binding(PhantomData<*mut ()>);

pub(crate) fn bind(state: Arc<InterpState>) -> Binding {
    let held = ENTRY.with(|e| e.held.get());
    BOUND.with(|b| b.borrow_mut().push((state, held)));
    BOUND_LEN.with(|n| n.set(n.get() + 1));
    Binding(PhantomData)
}

impl Drop for Binding {
    fn drop(&mut self) {
        BOUND.with(|b| {
            b.borrow_mut().pop();
        });
        BOUND_LEN.with(|n| n.set(n.get() - 1));
    }
}

/// Records this thread's state for `state`. A thread whose record is already gone (a hold
/// taken by a thread-local destructor that runs after it) keeps the state until the
/// interpreter ends, when CPython deletes it.
pub(crate) fn remember_tstate(state: &Arc<InterpState>, t: *mut ffi::PyThreadState) {
    let _ = STATES.try_with(|s| {
        s.subs
            .borrow_mut()
            .push((state.clone(), RawPtr(t as usize)))
    });
}

/// Removes and returns this thread's cached state for `state`.
pub(crate) fn take_tstate(state: &Arc<InterpState>) -> Option<*mut ffi::PyThreadState> {
    STATES
        .try_with(|s| {
            let mut subs = s.subs.borrow_mut();
            let i = subs.iter().position(|(st, _)| Arc::ptr_eq(st, state))?;
            Some(subs.swap_remove(i).1.0 as *mut ffi::PyThreadState)
        })
        .ok()
        .flatten()
}

fn cached_tstate(state: &Arc<InterpState>) -> Option<*mut ffi::PyThreadState> {
    STATES
        .try_with(|s| {
            let mut subs = s.subs.borrow_mut();
            // Entries of ended interpreters or earlier runtimes point at freed thread states:
            // forget them without touching them.
            subs.retain(|(st, _)| {
                !st.has_ended() && st.key().generation() == runtime::generation()
            });
            subs.iter()
                .find(|(st, _)| Arc::ptr_eq(st, state))
                .map(|(_, t)| t.0 as *mut ffi::PyThreadState)
        })
        .ok()
        .flatten()
}

/// Proof that this thread holds an interpreter's GIL, released on drop.
///
/// Not `Send`: a guard is released on the thread that took it. Guards must be dropped in the
/// reverse order of their creation; dropping one out of order panics (it is a bug in the
/// caller, and releasing in the wrong order would corrupt the interpreter's state).
#[must_use = "the GIL is released when the guard is dropped"]
pub struct GilGuard {
    kind: Kind,
    level: u32,
    /// The scope of holds it was taken in (see `SCOPE`).
    scope: u32,
    key: InterpKey,
    _not_send: PhantomData<*mut ()>,
}

impl std::fmt::Debug for GilGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GilGuard")
            .field("interp", &self.key)
            .field("level", &self.level)
            .finish()
    }
}

enum Kind {
    /// Nested in another guard of the same interpreter: only the depth changes.
    Nested,
    /// Outermost acquisition of the main interpreter.
    Main,
    /// Outermost acquisition of a sub-interpreter.
    Sub(Arc<InterpState>),
    /// Entered from Python (a callback): the GIL was already held by this thread.
    /// `counted`: the hold is a call into Rust from a thread Python made, counted so that
    /// Python's shutdown waits for it (see [`assume_call`]).
    Assumed { prev_held: u64, counted: bool },
    /// Another interpreter's GIL was held and has been released for this one.
    Switched(Box<Switched>),
}

/// What [`Kind::Switched`] restores (boxed: rare, and it keeps guards small).
struct Switched {
    inner: Kind,
    prev_tstate: *mut ffi::PyThreadState,
    prev_held: u64,
    prev_depth: u32,
    prev_scope: u32,
}

impl GilGuard {
    /// The interpreter whose GIL this guard holds.
    #[inline(always)]
    pub fn key(&self) -> InterpKey {
        self.key
    }
}

/// Acquires the GIL of this thread's current interpreter: the one bound to it by the innermost
/// [`with_interpreter`](crate::with_interpreter), else the one whose GIL it holds (a callback
/// that Python running in a sub-interpreter made stays in that sub-interpreter), else the
/// main interpreter. A binding made before the thread took its current hold does not apply
/// inside that hold.
///
/// # Errors
/// [`Error::NotInitialized`], [`Error::Finalizing`], [`Error::InterpreterEnded`];
/// [`Error::HoldsOtherGil`] when the thread is bound to an interpreter but holds another's
/// GIL (see [`acquire_switching`]).
#[inline]
pub fn acquire() -> Result<GilGuard> {
    if BOUND_LEN.with(Cell::get) == 0 {
        let held = ENTRY.with(|e| e.held.get());
        if held != 0 {
            return Ok(nested(InterpKey::from_bits(held)));
        }
        return acquire_main_or_switch();
    }
    // A binding that applies names the interpreter wanted; one that does not (this thread
    // took its hold after making it) leaves the hold nested, which switches nothing.
    if let Some(state) = current_binding() {
        refuse_switch(Some(state.key()))?;
    }
    acquire_bound()
}

#[inline(never)]
fn acquire_bound() -> Result<GilGuard> {
    match current_binding() {
        // SAFETY: only reached from `acquire` (which refused a switch) and
        // `acquire_switching` (whose caller takes it on).
        Some(state) => unsafe { acquire_interp_switching(&state) },
        None => {
            let held = ENTRY.with(|e| e.held.get());
            if held != 0 {
                Ok(nested(InterpKey::from_bits(held)))
            } else {
                acquire_main_or_switch()
            }
        }
    }
}

/// Acquires the main interpreter's GIL.
///
/// # Errors
/// [`Error::NotInitialized`] or [`Error::Finalizing`]; [`Error::HoldsOtherGil`] when the
/// thread holds a sub-interpreter's GIL.
#[inline]
pub fn acquire_main() -> Result<GilGuard> {
    let main = runtime::main_key_bits();
    if main != 0 && holds(InterpKey::from_bits(main)) {
        return Ok(nested(InterpKey::from_bits(main)));
    }
    refuse_switch(None)?;
    acquire_main_slow()
}

/// The main interpreter's GIL, switched to if the thread holds another's (the callers decide
/// whether a switch may happen).
#[inline]
fn acquire_main_or_switch() -> Result<GilGuard> {
    let main = runtime::main_key_bits();
    if main != 0 && holds(InterpKey::from_bits(main)) {
        return Ok(nested(InterpKey::from_bits(main)));
    }
    acquire_main_slow()
}

/// A nested guard for the interpreter whose GIL this thread already holds: a thread-local
/// check and an increment.
///
/// # Errors
/// [`Error::GilNotHeld`] if this thread does not hold `key`'s GIL.
#[inline(always)]
pub fn acquire_interp_nested(key: InterpKey) -> Result<GilGuard> {
    if holds(key) {
        Ok(nested(key))
    } else {
        Err(Error::GilNotHeld)
    }
}

#[inline(always)]
fn nested(key: InterpKey) -> GilGuard {
    let level = DEPTH.with(|d| {
        let n = d.get() + 1;
        d.set(n);
        n
    });
    GilGuard {
        kind: Kind::Nested,
        level,
        scope: scope(),
        key,
        _not_send: PhantomData,
    }
}

/// The common acquisitions, with no error to report: the main interpreter's GIL for a
/// thread not bound to another interpreter, nested (already held) or outermost (no GIL
/// held). `None` when anything else is the case (Python not running, a binding, another
/// interpreter's GIL held): [`acquire`] then does the full work and names the error.
///
/// Always inline: returned through memory, the guard was copied by the caller with loads
/// wider than the stores that wrote it, which stalled every acquisition (a failed store
/// forward).
#[inline(always)]
pub fn try_acquire_main() -> Option<GilGuard> {
    if BOUND_LEN.with(Cell::get) != 0 {
        return None;
    }
    let main = runtime::main_key_bits();
    if main == 0 {
        return None;
    }
    if holds(InterpKey::from_bits(main)) {
        return Some(nested(InterpKey::from_bits(main)));
    }
    acquire_main_outermost_guard()
}

/// The GIL of `key` when it names the running main interpreter and this thread holds no GIL
/// and is bound to no interpreter: the outermost acquisition an `Object` method makes on a
/// thread outside any GIL scope, in one call, as a [`MainHold`] (whose release needs no look
/// at a guard's kind). `None` in every other case (the caller then does the full work, which
/// names the error if there is one).
///
/// ```no_run
/// use libpython_interp::{self as interp, gil};
/// interp::initialize(&interp::Config::default())?;
/// let key = interp::main_key().expect("Python runs");
/// let hold = gil::hold_main_for(key).expect("this thread holds no GIL");
/// assert_eq!(hold.key(), key);
/// drop(hold); // the GIL is released here
/// # Ok::<(), interp::Error>(())
/// ```
#[inline(never)]
pub fn hold_main_for(key: InterpKey) -> Option<MainHold> {
    if BOUND_LEN.with(Cell::get) != 0 || key.to_bits() != runtime::main_key_bits() {
        return None;
    }
    acquire_main_outermost().map(|key| MainHold {
        key,
        scope: scope(),
        _not_send: PhantomData,
    })
}

/// The outermost hold of the main interpreter's GIL by a thread that held no GIL, from
/// [`hold_main_for`]: a [`GilGuard`] of one kind, released in place when dropped.
#[must_use = "dropping the hold releases the GIL at once"]
pub struct MainHold {
    key: InterpKey,
    /// The scope of holds it was taken in (see `SCOPE`).
    scope: u32,
    _not_send: PhantomData<*mut ()>,
}

impl MainHold {
    /// The main interpreter's key.
    #[inline(always)]
    pub fn key(&self) -> InterpKey {
        self.key
    }
}

impl std::fmt::Debug for MainHold {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MainHold")
            .field("interp", &self.key)
            .finish()
    }
}

impl Drop for MainHold {
    #[inline(always)]
    fn drop(&mut self) {
        let depth = DEPTH.with(Cell::get);
        if depth != 1 || scope() != self.scope {
            out_of_order(1, depth);
            return;
        }
        DEPTH.with(|d| d.set(0));
        release_main();
    }
}

/// The outermost acquisition of the main interpreter by a thread that holds no GIL, kept
/// short: the thread state is cached, an empty queue is one load. Returns the main key, `None`
/// if the thread holds a GIL or Python is not running.
#[inline(always)]
fn acquire_main_outermost() -> Option<InterpKey> {
    if DEPTH.with(Cell::get) != 0 || !active::enter_main() {
        return None;
    }
    let key_bits = runtime::main_key_bits();
    // SAFETY: the runtime is running and counts this thread as active, so it will not
    // finalize before the matching release; the state is this thread's, not current (this
    // thread holds no GIL: DEPTH is 0); restoring it takes the main GIL.
    unsafe { ffi::PyEval_RestoreThread(main_tstate()) };
    DEPTH.with(|d| d.set(1));
    ENTRY.with(|e| e.held.set(key_bits));
    drain_main();
    if checkpoint_due() {
        checkpoint_main();
    }
    Some(InterpKey::from_bits(key_bits))
}

/// [`acquire_main_outermost`] as a guard.
#[inline(always)]
fn acquire_main_outermost_guard() -> Option<GilGuard> {
    acquire_main_outermost().map(|key| GilGuard {
        kind: Kind::Main,
        level: 1,
        scope: scope(),
        key,
        _not_send: PhantomData,
    })
}

#[cold]
fn acquire_main_slow() -> Result<GilGuard> {
    refuse_in_collector()?;
    if DEPTH.with(Cell::get) == 0
        && let Some(g) = acquire_main_outermost_guard()
    {
        return Ok(g);
    }
    if !active::enter_main() {
        return Err(runtime::not_running_error());
    }
    Ok(switch_to_main(runtime::main_key_bits()))
}

/// [`acquire_main_slow`] when another interpreter's GIL is held: released first.
#[cold]
fn switch_to_main(key_bits: u64) -> GilGuard {
    let switched = suspend_other();
    // SAFETY: as in `acquire_main_slow`; `suspend_other` released the other GIL, so this
    // thread holds none now.
    unsafe { ffi::PyEval_RestoreThread(main_tstate()) };
    finish_outermost(Kind::Main, key_bits, switched)
}

/// Acquires the main GIL while the runtime may be finalizing (finalize itself, ending
/// sub-interpreters): counted in whatever the runtime's state, never refused.
pub(crate) fn acquire_main_internal() -> Result<GilGuard> {
    let key_bits = runtime::main_key_bits();
    if key_bits == 0 {
        return Err(Error::NotInitialized);
    }
    if holds(InterpKey::from_bits(key_bits)) {
        return Ok(nested(InterpKey::from_bits(key_bits)));
    }
    active::enter_main_unchecked();
    // SAFETY: called by the thread driving shutdown or ending a sub-interpreter, before
    // `Py_FinalizeEx`; the runtime is alive and this thread holds no GIL.
    unsafe { ffi::PyEval_RestoreThread(main_tstate()) };
    Ok(finish_outermost(Kind::Main, key_bits, None))
}

/// This thread's main-interpreter thread state, made on first use: the thread's existing one
/// when CPython already has one for it in the main interpreter (the thread that started
/// Python, threads Python made), else a new one that this layer owns.
#[inline(always)]
fn main_tstate() -> *mut ffi::PyThreadState {
    let generation = runtime::generation();
    let (g, tstate) = MAIN_TSTATE.with(Cell::get);
    if g == generation {
        return tstate;
    }
    new_main_tstate(generation)
}

#[cold]
#[inline(never)]
fn new_main_tstate(generation: u32) -> *mut ffi::PyThreadState {
    if let Ok(Some(m)) = STATES.try_with(|s| s.main.get())
        && m.generation == generation
    {
        MAIN_TSTATE.with(|c| c.set((generation, m.tstate)));
        return m.tstate;
    }
    let main_raw = runtime::main_raw();
    // SAFETY: the runtime is running (callers count as active). Reading the thread's
    // registered state and its interpreter needs no GIL; `PyThreadState_New` needs none either.
    let (tstate, owned) = unsafe {
        let existing = ffi::PyGILState_GetThisThreadState();
        if !existing.is_null() && ffi::PyThreadState_GetInterpreter(existing) == main_raw {
            (existing, false)
        } else {
            (ffi::PyThreadState_New(main_raw), true)
        }
    };
    // A thread whose record is already gone (see `remember_tstate`) keeps the state.
    let _ = STATES.try_with(|s| {
        s.main.set(Some(MainState {
            generation,
            tstate,
            owned,
        }))
    });
    MAIN_TSTATE.with(|c| c.set((generation, tstate)));
    tstate
}

/// Acquires the GIL of `state`'s interpreter.
///
/// # Errors
/// [`Error::InterpreterEnded`], [`Error::Finalized`], [`Error::Finalizing`];
/// [`Error::HoldsOtherGil`] when the thread holds another interpreter's GIL.
pub fn acquire_interp(state: &Arc<InterpState>) -> Result<GilGuard> {
    if !holds(state.key()) {
        refuse_switch(Some(state.key()))?;
    }
    // SAFETY: no switch (refused above).
    unsafe { acquire_interp_switching(state) }
}

/// [`acquire_interp`], switching from another interpreter whose GIL the thread holds.
///
/// # Errors
/// As [`acquire_interp`], without [`Error::HoldsOtherGil`].
///
/// # Safety
/// As [`acquire_switching`].
pub unsafe fn acquire_interp_switching(state: &Arc<InterpState>) -> Result<GilGuard> {
    let key = state.key();
    if holds(key) {
        return Ok(nested(key));
    }
    refuse_in_collector()?;
    if key.is_main() {
        if key.to_bits() != runtime::main_key_bits() {
            return Err(Error::Finalized);
        }
        return acquire_main_slow();
    }
    if key.generation() != runtime::generation() {
        return Err(Error::Finalized);
    }
    if !runtime::is_running() {
        return Err(runtime::not_running_error());
    }
    if !enter_sub(state) {
        return Err(Error::InterpreterEnded);
    }
    let switched = suspend_other();
    let t = match cached_tstate(state) {
        Some(t) => t,
        None => {
            // Make sure this thread's main-interpreter state exists first, so the PyGILState
            // API keeps naming the main interpreter on this thread.
            if let Err(e) = pin_main_for_thread() {
                leave_sub(state);
                resume_other(switched);
                return Err(e);
            }
            // SAFETY: the interpreter is alive (counted user); `PyThreadState_New` needs no
            // GIL.
            let t = unsafe { ffi::PyThreadState_New(state.raw()) };
            state
                .tstates
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push((std::thread::current().id(), RawPtr(t as usize)));
            remember_tstate(state, t);
            t
        }
    };
    // SAFETY: `t` is this thread's live state for the interpreter, which cannot end while we
    // count as its user; restoring it takes the interpreter's GIL.
    unsafe { ffi::PyEval_RestoreThread(t) };
    let outermost = switched.is_none();
    let guard = finish_outermost(Kind::Sub(state.clone()), key.to_bits(), switched);
    if outermost && checkpoint_due() {
        checkpoint_sub(state);
    }
    Ok(guard)
}

/// Makes sure this thread has its main-interpreter thread state before it gets one for a
/// sub-interpreter, so CPython registers the main one as the thread's `PyGILState` state.
fn pin_main_for_thread() -> Result<()> {
    let generation = runtime::generation();
    if STATES
        .try_with(|s| s.main.get().is_some_and(|m| m.generation == generation))
        .unwrap_or(false)
    {
        return Ok(());
    }
    if !active::enter_main() {
        return Err(runtime::not_running_error());
    }
    main_tstate();
    active::leave_main();
    Ok(())
}

/// A hold of another interpreter, released to take a new one.
struct Suspended {
    tstate: *mut ffi::PyThreadState,
    held: u64,
    depth: u32,
}

fn suspend_other() -> Option<Suspended> {
    let depth = DEPTH.with(Cell::get);
    if depth == 0 {
        return None;
    }
    // SAFETY: this thread holds a GIL (depth > 0) with a current thread state; saving it
    // releases that GIL until `resume_other`.
    let tstate = unsafe { ffi::PyEval_SaveThread() };
    let held = ENTRY.with(|e| e.held.replace(0));
    DEPTH.with(|d| d.set(0));
    Some(Suspended {
        tstate,
        held,
        depth,
    })
}

fn resume_other(s: Option<Suspended>) {
    if let Some(s) = s {
        // SAFETY: `s.tstate` was current on this thread until `suspend_other`.
        unsafe { ffi::PyEval_RestoreThread(s.tstate) };
        ENTRY.with(|e| e.held.set(s.held));
        DEPTH.with(|d| d.set(s.depth));
    }
}

/// Begins a new scope of holds (see `SCOPE`), returning the one it replaces.
fn begin_scope() -> u32 {
    let n = SCOPES.with(|s| {
        let n = s.get().wrapping_add(1);
        s.set(n);
        n
    });
    SCOPE.with(|s| s.replace(n))
}

/// The scope of holds this thread is in (see `SCOPE`).
#[inline(always)]
fn scope() -> u32 {
    SCOPE.with(Cell::get)
}

/// Releases the main interpreter's queued references; called right after an outermost
/// acquisition of the main GIL.
#[inline(always)]
fn drain_main() {
    debug_assert!(holds(InterpKey::from_bits(runtime::main_key_bits())));
    if let Some(main) = runtime::main_state() {
        // SAFETY: the caller holds the main GIL and counts as active, so this record is the
        // running runtime's; its queue is drained under its GIL.
        unsafe { main.drain() };
    }
}

fn finish_outermost(kind: Kind, key_bits: u64, switched: Option<Suspended>) -> GilGuard {
    DEPTH.with(|d| d.set(1));
    ENTRY.with(|e| e.held.set(key_bits));
    let key = InterpKey::from_bits(key_bits);
    match &kind {
        Kind::Sub(state) => {
            // SAFETY: this thread now holds the interpreter's GIL.
            unsafe { state.drain() };
        }
        _ => {
            drain_main();
        }
    }
    let kind = match switched {
        None => kind,
        Some(s) => Kind::Switched(Box::new(Switched {
            inner: kind,
            prev_tstate: s.tstate,
            prev_held: s.held,
            prev_depth: s.depth,
            // The holds switched away from are set aside: guards of theirs are out of order
            // until this one is released.
            prev_scope: begin_scope(),
        })),
    };
    GilGuard {
        kind,
        level: 1,
        scope: scope(),
        key,
        _not_send: PhantomData,
    }
}

impl Drop for GilGuard {
    #[inline]
    fn drop(&mut self) {
        let depth = DEPTH.with(Cell::get);
        if depth != self.level || scope() != self.scope {
            // A counted call's count goes whatever the order: left, it would keep Python's
            // shutdown waiting for ever (see `foreign`).
            if let Kind::Assumed { counted: true, .. } = self.kind {
                foreign::uncount();
            }
            out_of_order(self.level, depth);
            return;
        }
        DEPTH.with(|d| d.set(depth - 1));
        match self.kind {
            Kind::Nested => {}
            // The outermost hold of the main interpreter, the common one, in place.
            Kind::Main => release_main(),
            _ => release_kind(&self.kind),
        }
    }
}

/// Releases the main GIL held with this thread's state as its outermost hold.
#[inline(always)]
fn release_main() {
    ENTRY.with(|e| e.held.set(0));
    // SAFETY: this thread holds the main GIL with its thread state (the guard's kind).
    unsafe { ffi::PyEval_SaveThread() };
    active::leave_main();
}

#[cold]
#[inline(never)]
fn out_of_order(level: u32, depth: u32) {
    if std::thread::panicking() {
        return;
    }
    panic!(
        "GIL guards released out of order: this guard was taken at depth {level}, but the thread is at depth {depth}; drop guards in the reverse order of their creation"
    );
}

#[inline(never)]
fn release_kind(kind: &Kind) {
    match kind {
        Kind::Nested => {}
        Kind::Assumed { prev_held, counted } => {
            ENTRY.with(|e| e.held.set(*prev_held));
            if *counted {
                foreign::uncount();
            }
        }
        Kind::Main => release_main(),
        Kind::Sub(state) => {
            ENTRY.with(|e| e.held.set(0));
            // SAFETY: this thread holds the sub-interpreter's GIL with its thread state.
            unsafe { ffi::PyEval_SaveThread() };
            leave_sub(state);
        }
        Kind::Switched(sw) => {
            release_kind(&sw.inner);
            // SAFETY: `prev_tstate` was current on this thread before the switch.
            unsafe { ffi::PyEval_RestoreThread(sw.prev_tstate) };
            ENTRY.with(|e| e.held.set(sw.prev_held));
            DEPTH.with(|d| d.set(sw.prev_depth));
            SCOPE.with(|s| s.set(sw.prev_scope));
        }
    }
}

/// Marks the GIL as held by this thread while C code that holds it calls into Rust (a
/// callback). The interpreter is the one whose thread state is current.
///
/// When this thread already holds that interpreter's GIL through this layer (Rust called
/// Python, which calls back), the guard is a nested one: a depth increment, nothing to restore.
///
/// # Safety
/// The calling thread must hold the GIL of an initialised interpreter (CPython calling us).
#[inline]
pub unsafe fn assume() -> GilGuard {
    let held = ENTRY.with(|e| e.held.get());
    // SAFETY: forwarded contract.
    let key_bits = unsafe { running_key_bits(held) };
    if key_bits == held && held != 0 {
        return nested(InterpKey::from_bits(key_bits));
    }
    let prev_held = ENTRY.with(|e| e.held.replace(key_bits));
    let level = DEPTH.with(|d| {
        let n = d.get() + 1;
        d.set(n);
        n
    });
    GilGuard {
        kind: Kind::Assumed {
            prev_held,
            counted: false,
        },
        level,
        scope: scope(),
        key: InterpKey::from_bits(key_bits),
        _not_send: PhantomData,
    }
}

/// References released per call from Python into Rust when some are queued: enough to keep
/// up with other threads' drops, small enough that no single call pays for a long backlog.
pub const DRAIN_BUDGET: usize = 64;

/// Releases up to [`DRAIN_BUDGET`] queued references of the interpreter whose GIL this
/// thread holds. Called at each call from Python into Rust (and when a released GIL is taken
/// back), so references dropped by other threads while one long Python computation runs are
/// released as it goes, not when its outermost hold ends. One load when nothing is queued
/// (for the main interpreter; sub-interpreters look their record up first).
///
/// Releasing a reference can run any destructor: call it only where Python code may run, never
/// from a garbage-collector traversal or a deallocation.
#[inline]
pub fn drain_held_some() {
    let held = ENTRY.with(|e| e.held.get());
    if held != 0 {
        // SAFETY: this thread holds the GIL of `held`'s interpreter (`Entry::held` says so), which
        // stays alive while it does.
        unsafe { drain_some_of(InterpKey::from_bits(held)) };
    }
}

/// [`drain_held_some`] for a caller that knows which GIL it holds: `key`'s. One load when
/// nothing is queued on the main interpreter.
///
/// # Safety
/// This thread holds the GIL of `key`'s interpreter (alive, of the running runtime); never
/// called from a garbage-collector traversal or a deallocation.
#[inline]
pub unsafe fn drain_some_of(key: InterpKey) {
    if key.is_main() {
        if let Some(main) = runtime::main_state() {
            // SAFETY: this thread holds the main GIL (the caller's contract), so the runtime
            // runs and this record is its main interpreter's.
            unsafe { main.drain_some(DRAIN_BUDGET) };
        }
        return;
    }
    drain_sub_some(key.to_bits());
}

#[cold]
#[inline(never)]
fn drain_sub_some(held: u64) {
    if let Some(state) = lookup(InterpKey::from_bits(held)) {
        // SAFETY: this thread holds that interpreter's GIL.
        unsafe { state.drain_some(DRAIN_BUDGET) };
    }
}

thread_local! {
    /// The last sub-interpreter [`assume`] looked up on this thread: (key bits, raw
    /// interpreter). Keys are never reused, and an interpreter's raw pointer does not change
    /// while it lives, so when this thread holds that key's GIL (the interpreter is alive),
    /// the pair still names the same interpreter.
    static ASSUMED_SUB: Cell<(u64, usize)> = const { Cell::new((0, 0)) };
}

/// The key bits of the interpreter whose GIL this thread holds, asked of CPython (`held`:
/// this thread's held key bits, the likely answer).
///
/// # Safety
/// The calling thread holds the GIL of an initialised interpreter.
#[inline(always)]
unsafe fn running_key_bits(held: u64) -> u64 {
    // SAFETY: the GIL is held, so the current thread state and its interpreter are valid.
    let raw = unsafe { ffi::PyInterpreterState_Get() };
    let main = runtime::main_key_bits();
    if main != 0 && runtime::main_raw() == raw {
        main
    } else if held != 0 && ASSUMED_SUB.with(Cell::get) == (held, raw as usize) {
        held
    } else {
        assumed_sub_key(raw, main)
    }
}

/// Runs `f`, code that reports to CPython's garbage collector the objects a Rust value holds
/// (a bridge's `tp_traverse`), given the key of the interpreter being collected.
///
/// The collector walks lists of objects that must not change meanwhile: no object may be
/// freed and no Python code may run until the traversal returns. So while `f` runs, this
/// thread counts as holding no GIL through this layer: a reference dropped is queued (released
/// at a later acquisition), a reference added to an object of this interpreter is added in
/// place (that frees nothing), and whatever would run Python code, take a GIL or release one
/// fails with [`Error::CollectorRunning`] ([`allow_threads`] runs its closure with the GIL
/// kept).
///
/// # Safety
/// Called by CPython's collector with the GIL of an initialised interpreter held.
pub unsafe fn collector_traversal<R>(f: impl FnOnce(InterpKey) -> R) -> R {
    // SAFETY: forwarded contract.
    let key_bits = unsafe { running_key_bits(ENTRY.with(|e| e.held.get())) };
    /// Puts the thread back as it was, also when `f` panics.
    struct Restore {
        held: u64,
        collecting: u64,
    }
    impl Drop for Restore {
        fn drop(&mut self) {
            ENTRY.with(|e| e.held.set(self.held));
            COLLECTING.with(|c| c.set(self.collecting));
            DEPTH.with(|d| d.set(d.get() - 1));
        }
    }
    let restore = Restore {
        held: ENTRY.with(|e| e.held.replace(0)),
        collecting: COLLECTING.with(|c| c.replace(key_bits)),
    };
    // Counted as a hold, so the outermost acquisitions (which check `DEPTH` first) are never
    // tried on a thread that holds a GIL.
    DEPTH.with(|d| d.set(d.get() + 1));
    let r = f(InterpKey::from_bits(key_bits));
    drop(restore);
    r
}

/// The interpreter a [`collector_traversal`] on this thread is for, if the thread is inside
/// one: what would release something of that interpreter must put it off (see
/// [`crate::refs::release`], which queues).
#[inline]
pub fn collecting() -> Option<InterpKey> {
    match COLLECTING.with(Cell::get) {
        0 => None,
        bits => Some(InterpKey::from_bits(bits)),
    }
}

/// The key bits of the interpreter a [`collector_traversal`] on this thread is for, 0 when
/// there is none.
#[inline]
pub(crate) fn collecting_bits() -> u64 {
    COLLECTING.with(Cell::get)
}

/// [`Error::CollectorRunning`] when this thread is inside a [`collector_traversal`].
///
/// # Errors
/// As above.
#[inline]
pub fn refuse_in_collector() -> Result<()> {
    if COLLECTING.with(Cell::get) == 0 {
        Ok(())
    } else {
        Err(Error::CollectorRunning)
    }
}

/// The key of the (non-main) interpreter `raw`, from the registry; remembered for the next
/// [`assume`] on this thread. An interpreter this layer does not know counts as the main one.
#[cold]
#[inline(never)]
fn assumed_sub_key(raw: *mut ffi::PyInterpreterState, main: u64) -> u64 {
    match lookup_raw(raw) {
        Some(s) => {
            let key = s.key().to_bits();
            ASSUMED_SUB.with(|c| c.set((key, raw as usize)));
            key
        }
        None => main,
    }
}

/// Runs `f` with the GIL released (if this thread holds one), taking it back afterwards,
/// also when `f` panics. Use it around long Rust work or blocking waits so other threads can
/// run Python meanwhile.
///
/// On a thread Python started, inside a call into Rust, the GIL is not taken back once
/// Python's shutdown has passed the point where CPython would end such a thread for taking
/// it: the thread stays parked in here instead (see `gil::foreign`). Once `Py_FinalizeEx` has
/// marked Python finalizing, the GIL is kept and `f` runs with it.
///
/// `f` and its result are `Send`: what only makes sense while the GIL is held (a GIL token, a
/// borrowed view, a call's arguments) is not `Send`, so `f` cannot use it while the GIL is
/// released, nor hand it back out. Owned handles are `Send` and take the GIL again themselves.
///
/// ```compile_fail
/// # fn demo(py_thing: std::rc::Rc<()>) {
/// libpython_interp::allow_threads(move || drop(py_thing));
/// # }
/// ```
pub fn allow_threads<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    without_gil(f, true)
}

/// [`allow_threads`] without the `Send` bounds, for this crate's own waits for a lock (a lock
/// guard is not `Send`): the queue of deferred references is not drained when the GIL is
/// taken back, since the caller then holds the lock and destructors must not run under it.
pub(crate) fn release_gil_for<R>(f: impl FnOnce() -> R) -> R {
    without_gil(f, false)
}

/// Runs `f` with this thread's GIL (if any) released; with `drain`, releases some queued
/// references once the GIL is taken back (not while unwinding from a panic).
fn without_gil<R>(f: impl FnOnce() -> R, drain: bool) -> R {
    let depth = DEPTH.with(Cell::get);
    // Inside a collector traversal the GIL is kept: another thread must not run Python code
    // while the collector walks its lists.
    if depth == 0 || COLLECTING.with(Cell::get) != 0 {
        return f();
    }
    // Once `Py_FinalizeEx` has marked Python finalizing (flushing `sys.stdout` through Rust, say),
    // the GIL is kept: CPython may end a thread that takes it back then (before 3.14), even the
    // one finalizing when it is not the one that started Python.
    // SAFETY: this thread holds a GIL, so libpython is loaded.
    if unsafe { ffi::is_finalizing() } {
        return f();
    }
    // A call from a thread Python made is not counted while the GIL is released, and may
    // not take it back once Python's shutdown has passed a point (see `foreign`).
    let counted = foreign::holds_counted();
    // SAFETY: this thread holds a GIL (depth > 0) with a current thread state.
    let tstate = unsafe { ffi::PyEval_SaveThread() };
    if counted {
        foreign::leave_for_detach();
    }
    let held = ENTRY.with(|e| e.held.replace(0));
    DEPTH.with(|d| d.set(0));
    SUSPENDED.with(|s| s.set(s.get() + 1));
    // Holds taken in `f` are of a scope of their own (one kept past `f` is out of order).
    let scope = begin_scope();
    struct Restore {
        tstate: *mut ffi::PyThreadState,
        held: u64,
        depth: u32,
        scope: u32,
        drain: bool,
        counted: bool,
    }
    impl Drop for Restore {
        fn drop(&mut self) {
            if self.counted {
                // Parks the thread for good if Python's shutdown is past the point where it
                // may take the GIL back.
                foreign::before_restore(InterpKey::from_bits(self.held).generation());
            }
            // SAFETY: `tstate` was current on this thread before `PyEval_SaveThread` above.
            unsafe { ffi::PyEval_RestoreThread(self.tstate) };
            if self.counted {
                foreign::restored();
            }
            ENTRY.with(|e| e.held.set(self.held));
            DEPTH.with(|d| d.set(self.depth));
            SCOPE.with(|s| s.set(self.scope));
            SUSPENDED.with(|s| s.set(s.get() - 1));
            if self.drain && !std::thread::panicking() {
                drain_held_some();
            }
        }
    }
    let _restore = Restore {
        tstate,
        held,
        depth,
        scope,
        drain,
        counted,
    };
    let r = f();
    // A thread about to be parked for good lets go of what `f` gave back first (a lock guard
    // taken by `lock_without_gil`, say), which would otherwise stay held for ever.
    if counted && foreign::closed(InterpKey::from_bits(held).generation()) {
        drop(r);
        foreign::park();
    }
    r
}

/// Whether this thread has holds suspended by [`allow_threads`].
pub(crate) fn suspended() -> bool {
    SUSPENDED.with(Cell::get) > 0
}

/// Locks `mutex` without holding the GIL while waiting: if the lock is taken, the GIL is
/// released for the wait and taken back with the lock. This avoids the deadlock where one
/// thread holds the mutex and wants Python while another holds Python and wants the mutex.
///
/// A poisoned mutex is recovered (the data is returned as it is).
pub fn lock_without_gil<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    match mutex.try_lock() {
        Ok(g) => g,
        Err(std::sync::TryLockError::Poisoned(p)) => p.into_inner(),
        Err(std::sync::TryLockError::WouldBlock) => {
            release_gil_for(|| mutex.lock().unwrap_or_else(|e| e.into_inner()))
        }
    }
}

/// Releases every queued reference of the interpreter whose GIL this thread holds.
pub fn drain_current() {
    if DEPTH.with(Cell::get) == 0 {
        return;
    }
    if let Some(state) = lookup(held_key()) {
        // SAFETY: this thread holds that interpreter's GIL.
        unsafe { state.drain() };
    }
}
/// Resets this thread's GIL bookkeeping after `Py_FinalizeEx` (which freed its thread state).
pub(crate) fn forget_after_finalize() {
    DEPTH.with(|d| d.set(0));
    ENTRY.with(|e| e.held.set(0));
    let _ = STATES.try_with(|s| {
        s.main.set(None);
        s.subs.borrow_mut().clear();
    });
    MAIN_TSTATE.with(|m| m.set((0, std::ptr::null_mut())));
}
