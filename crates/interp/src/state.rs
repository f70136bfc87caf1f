//! What the layer keeps for one live interpreter: its queue of deferred decrefs, its caches of
//! objects, and its map of bridge objects.

use std::cell::Cell;
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicUsize, Ordering, fence};
use std::sync::{Arc, Mutex};
use std::thread::ThreadId;

use dashmap::DashMap;
use libpython_ffi as ffi;

use crate::decrefs::{DecrefQueue, Deferred, DeferredRun};
use crate::key::InterpKey;

thread_local! {
    /// Set while this thread drains a deferred-decref queue.
    static DRAINING: Cell<bool> = const { Cell::new(false) };
}

/// Marks this thread as draining; `false` if it already is (a destructor run by the drain
/// dropped handles: those are released directly, the nested drain is skipped).
fn begin_drain() -> bool {
    DRAINING.with(|d| !d.replace(true))
}

fn end_drain() {
    DRAINING.with(|d| d.set(false));
}

/// A pointer held in a queue or map; only ever dereferenced under the owning interpreter's GIL.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub(crate) struct RawPtr(pub(crate) usize);

/// Users-count bit marking an interpreter that is ending or has ended.
pub(crate) const ENDING: usize = 1 << (usize::BITS - 1);

/// A Rust object shared with Python through bridge objects, as the bridge map knows it: the
/// address of its `Arc`'s allocation, the same for every clone of the `Arc` while one lives.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct RustIdentity(usize);

impl RustIdentity {
    /// The identity of the object `arc` points to.
    pub fn of<T: ?Sized>(arc: &Arc<T>) -> RustIdentity {
        RustIdentity(Arc::as_ptr(arc).cast::<()>() as usize)
    }
}

/// Everything the layer knows about one live interpreter.
pub struct InterpState {
    pub(crate) key: InterpKey,
    pub(crate) raw: *mut ffi::PyInterpreterState,
    pub(crate) own_gil: bool,
    /// Threads inside an outermost acquisition of this (sub-)interpreter, plus [`ENDING`].
    pub(crate) users: AtomicUsize,
    pub(crate) ended: AtomicBool,
    queue: DecrefQueue,
    /// The most references a drain found queued. Only drains shorten the queue, so with its
    /// current length this is the longest it has been (up to pushes made during a drain).
    queue_peak: AtomicUsize,
    /// Thread states made for this sub-interpreter, one per thread (sub-interpreters only).
    pub(crate) tstates: Mutex<Vec<(ThreadId, RawPtr)>>,
    /// Rust object identity (an `Arc`'s address) to (a weak reference to its bridge object,
    /// the bridge object's address); both owned/read under this interpreter's GIL.
    bridges: DashMap<RustIdentity, (RawPtr, RawPtr)>,
    /// The objects of `PerInterpreter` caches, by the address of their static (owned).
    cache: DashMap<usize, RawPtr>,
    /// `lambda: None` of this interpreter (owned), made on first use by
    /// [`checkpoint`](Self::checkpoint); null until then.
    checkpoint: AtomicPtr<ffi::PyObject>,
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
            queue: DecrefQueue::new(),
            queue_peak: AtomicUsize::new(0),
            tstates: Mutex::new(Vec::new()),
            bridges: DashMap::new(),
            cache: DashMap::new(),
            checkpoint: AtomicPtr::new(std::ptr::null_mut()),
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

    /// References (and deferred releases) waiting to be released at this interpreter's next
    /// GIL acquisition.
    pub fn queued_decrefs(&self) -> usize {
        self.queue.len()
    }

    /// The longest the deferred-decref queue has been.
    pub fn queue_peak(&self) -> usize {
        self.queue_peak
            .load(Ordering::Relaxed)
            .max(self.queue.len())
    }

    /// Queues a reference for the next drain (one compare-and-swap in the common case).
    #[inline]
    pub(crate) fn push_decref(&self, ptr: *mut ffi::PyObject) {
        self.queue.push(ptr as usize);
    }

    /// Queues a deferred release for the next drain. When the interpreter has ended meanwhile
    /// (nothing drains its queue any more), whatever its queue holds is discarded here.
    #[cold]
    pub(crate) fn push_deferred(&self, release: Deferred) {
        self.queue.push_deferred(release);
        // Either the thread that ends the interpreter (it marks it ended, then discards the
        // queue) sees this push, or this thread sees the mark: sequentially consistent fences
        // on both sides.
        fence(Ordering::SeqCst);
        if self.has_ended() {
            self.queue.discard();
        }
    }

    /// Marks the interpreter ended (its last drain has run, no thread holds its GIL any
    /// more) and discards what was queued since that drain.
    pub(crate) fn mark_ended(&self) {
        self.ended.store(true, Ordering::Release);
        fence(Ordering::SeqCst);
        self.queue.discard();
    }

    /// Releases every queued reference.
    ///
    /// # Safety
    /// The calling thread must hold this interpreter's GIL.
    #[inline(always)]
    pub(crate) unsafe fn drain(&self) {
        // SAFETY: forwarded contract.
        unsafe { self.drain_some(usize::MAX) };
    }

    /// The head word of this interpreter's queue (see [`DrainHint`](crate::gil::DrainHint)),
    /// valid as long as this record is.
    pub(crate) fn queue_head(&self) -> *const std::sync::atomic::AtomicUsize {
        self.queue.head_word()
    }

    /// Releases up to `budget` queued references (see [`drain`](Self::drain)).
    ///
    /// # Safety
    /// As [`drain`](Self::drain).
    #[inline(always)]
    pub(crate) unsafe fn drain_some(&self, budget: usize) {
        if self.queue.maybe_queued() {
            // SAFETY: forwarded contract.
            unsafe { self.drain_at_most(budget) };
        }
    }

    /// [`drain_some`](Self::drain_some) when something is queued: the head's one reference
    /// here, what is behind it out of line.
    ///
    /// # Safety
    /// As [`drain`](Self::drain).
    #[inline(never)]
    unsafe fn drain_at_most(&self, budget: usize) {
        // A GIL taken for a reference count change only runs nothing (`gil::quiet`).
        if crate::gil::quiet() || !begin_drain() {
            return;
        }
        let (one, more) = self.queue.take_head();
        if one != 0 {
            // SAFETY: the address was a strong reference owned by a dropped handle of this
            // interpreter, whose GIL the caller holds. A destructor run here that drops more
            // handles finds the GIL held and releases them directly, not through the queue.
            unsafe { ffi::Py_DECREF(one as *mut ffi::PyObject) };
        }
        let n = usize::from(one != 0);
        if more {
            // SAFETY: forwarded contract.
            unsafe { self.drain_more(n, budget) };
        } else if n > self.queue_peak.load(Ordering::Relaxed) {
            self.queue_peak.fetch_max(n, Ordering::Relaxed);
        }
        end_drain();
    }

    /// The references queued behind the head, up to `budget` released in all (`n` already
    /// were); a `tracing` event says how many.
    ///
    /// # Safety
    /// As [`drain`](Self::drain), inside a drain (`begin_drain`).
    #[cold]
    #[inline(never)]
    unsafe fn drain_more(&self, mut n: usize, budget: usize) {
        while n < budget {
            let Some(p) = self.queue.pop_more() else {
                break;
            };
            // SAFETY: as in `drain_at_most`.
            unsafe { ffi::Py_DECREF(p as *mut ffi::PyObject) };
            n += 1;
        }
        while n < budget {
            let Some(d) = self.queue.pop_deferred() else {
                break;
            };
            // The caller holds this interpreter's GIL (the function's contract).
            d.call(DeferredRun::UnderGil);
            n += 1;
        }
        let found = if n < budget {
            n
        } else {
            self.queue.flag_left();
            n + self.queue.len()
        };
        if found > self.queue_peak.load(Ordering::Relaxed) {
            self.queue_peak.fetch_max(found, Ordering::Relaxed);
        }
        tracing::debug!(target: "libpython::gc", interp = ?self.key, released = n, "drained deferred decrefs");
    }

    /// Enters CPython's evaluation loop once (a call of this interpreter's `lambda: None`), so
    /// that the checks at its entry do for the calling thread what CPython defers to them. On
    /// free-threaded builds that is merging the reference counts of the objects this thread
    /// made that other threads released (and freeing those no longer used), freeing memory
    /// that waited for every thread to pass a quiescent state, and running a scheduled
    /// garbage collection. A thread that uses Python only through the C API never enters the
    /// loop otherwise, and what other threads release of its objects piles up.
    ///
    /// An exception raised there (an asynchronous exception aimed at this thread, a failing
    /// pending call) cannot be returned to anyone: it is reported as unraisable.
    ///
    /// # Safety
    /// The calling thread holds this interpreter's GIL (is attached to it), with no exception
    /// set and no lock held that Python code could wait for: destructors, finalizers and the
    /// collector may run.
    pub(crate) unsafe fn checkpoint(&self) {
        let mut f = self.checkpoint.load(Ordering::Acquire);
        if f.is_null() {
            // SAFETY: forwarded contract.
            f = unsafe { self.make_checkpoint() };
            if f.is_null() {
                return;
            }
        }
        // SAFETY: `f` is an owned function object of this interpreter, released only by
        // `clear_state`, which runs when no thread uses the interpreter; the GIL is held.
        unsafe {
            let r = ffi::PyObject_CallNoArgs(f);
            if r.is_null() {
                ffi::PyErr_WriteUnraisable(f);
            } else {
                ffi::Py_DECREF(r);
            }
        }
    }

    /// Makes and keeps [`checkpoint`](Self::checkpoint)'s function; null (nothing pending) if
    /// that fails. Of two threads racing, the first to store its function wins.
    ///
    /// # Safety
    /// As [`checkpoint`](Self::checkpoint).
    #[cold]
    #[inline(never)]
    unsafe fn make_checkpoint(&self) -> *mut ffi::PyObject {
        // SAFETY: the GIL is held (the caller's contract); every new reference made here is
        // released or kept, and a failure's exception is cleared.
        unsafe {
            let code = ffi::Py_CompileString(
                c"lambda: None".as_ptr(),
                c"<libpython checkpoint>".as_ptr(),
                ffi::Py_eval_input,
            );
            if code.is_null() {
                ffi::PyErr_Clear();
                return std::ptr::null_mut();
            }
            let globals = ffi::PyDict_New();
            let f = if globals.is_null() {
                std::ptr::null_mut()
            } else {
                let f = ffi::PyEval_EvalCode(code, globals, globals);
                ffi::Py_DecRef(globals);
                f
            };
            ffi::Py_DecRef(code);
            if f.is_null() {
                ffi::PyErr_Clear();
                return std::ptr::null_mut();
            }
            match self.checkpoint.compare_exchange(
                std::ptr::null_mut(),
                f,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => f,
                Err(theirs) => {
                    ffi::Py_DecRef(f);
                    theirs
                }
            }
        }
    }

    /// The live bridge object of the Rust object `identity`, as a new strong
    /// reference, or NULL when there is none (never made, or dying: its last reference is
    /// gone, which a weak reference sees atomically, also on free-threaded builds).
    ///
    /// # Safety
    /// The calling thread holds this interpreter's GIL.
    pub unsafe fn bridge_get(&self, identity: RustIdentity) -> *mut ffi::PyObject {
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
    pub unsafe fn bridge_insert(&self, identity: RustIdentity, obj: *mut ffi::PyObject) -> bool {
        // SAFETY: forwarded contract: GIL held, `obj` live and weakly referenceable.
        let weak = unsafe { ffi::PyWeakref_NewRef(obj, std::ptr::null_mut()) };
        if weak.is_null() {
            return false;
        }
        if let Some((old, _)) = self
            .bridges
            .insert(identity, (RawPtr(weak as usize), RawPtr(obj as usize)))
        {
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
    pub unsafe fn bridge_forget(&self, identity: RustIdentity, obj: *mut ffi::PyObject) {
        if let Some((_, (weak, _))) = self
            .bridges
            .remove_if(&identity, |_, (_, o)| o.0 == obj as usize)
        {
            // SAFETY: the weak reference was owned by the map; GIL held.
            unsafe { ffi::Py_DECREF(weak.0 as *mut ffi::PyObject) };
        }
    }

    /// The object the cache `site` (a `PerInterpreter`'s address) keeps for this
    /// interpreter, borrowed.
    pub(crate) fn cached(&self, site: usize) -> Option<*mut ffi::PyObject> {
        self.cache.get(&site).map(|p| p.0 as *mut ffi::PyObject)
    }

    /// Keeps the owned reference `obj` for `site`, or returns the object already kept (the
    /// caller then releases its own).
    ///
    /// # Safety
    /// `obj` is an owned reference of this interpreter.
    pub(crate) unsafe fn keep(
        &self,
        site: usize,
        obj: *mut ffi::PyObject,
    ) -> std::result::Result<(), *mut ffi::PyObject> {
        match self.cache.entry(site) {
            dashmap::Entry::Occupied(e) => Err(e.get().0 as *mut ffi::PyObject),
            dashmap::Entry::Vacant(v) => {
                v.insert(RawPtr(obj as usize));
                Ok(())
            }
        }
    }

    /// Releases the per-interpreter state: the queue, the cached objects (of a
    /// sub-interpreter), the checkpoint's function and the bridge map.
    ///
    /// # Safety
    /// The calling thread holds this interpreter's GIL.
    pub(crate) unsafe fn clear_state(&self) {
        // What the releases queue again while the drain runs is drained too, a few rounds at
        // most: ending a sub-interpreter runs them under its GIL on a thread whose bookkeeping
        // names the main interpreter's, so a handle of this one that a deferred release drops
        // (the reference a DLPack tensor's context keeps) is queued, not released at once.
        for _ in 0..8 {
            if !self.queue.maybe_queued() {
                break;
            }
            // SAFETY: forwarded: the GIL of this interpreter is held.
            unsafe { self.drain() };
        }
        // The main interpreter's cached objects stay: `Py_FinalizeEx` runs code that may
        // still reach them through their statics (see `PerInterpreter`).
        if !self.key.is_main() {
            let kept: Vec<RawPtr> = self.cache.iter().map(|e| *e.value()).collect();
            self.cache.clear();
            for p in kept {
                // SAFETY: the cache holds owned references of this interpreter; its GIL is held.
                unsafe { ffi::Py_DecRef(p.0 as *mut ffi::PyObject) };
            }
        }
        let f = self.checkpoint.swap(std::ptr::null_mut(), Ordering::AcqRel);
        if !f.is_null() {
            // SAFETY: the function was owned by this record; the GIL is held.
            unsafe { ffi::Py_DecRef(f) };
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
