//! Which threads are inside an outermost hold of the main interpreter, so that `finalize`
//! waits for them (and a thread that comes after it started is refused).
//!
//! Taking the GIL is the hot path and finalizing happens once, so the cost is put on the
//! finalizing side (an asymmetric Dekker handshake). Each thread counts its holds in a slot of
//! a static table that it alone changes, with plain loads and stores; between counting itself
//! in and reading the runtime's state it needs only a compiler fence. `finalize` publishes its
//! state, then runs a process-wide memory barrier ([`crate::fence`], Linux's `membarrier`):
//! every other thread of the process executes a full barrier at some point of its program
//! while that call runs. A thread whose barrier falls before its count's store has not read
//! the state yet, and reads `FINALIZING`; one whose barrier falls after that store has made
//! the count visible, and `finalize`, which reads the slots after the call returns, sees it.
//! Either way the thread and `finalize` cannot both go on. Counts go down with release
//! stores, read by `finalize` with acquire loads: what a thread did in Python happens before
//! `Py_FinalizeEx`.
//!
//! Where `membarrier` is not available (another OS, an old kernel, a sandbox refusing it),
//! and for threads without a slot (more threads than slots, a thread whose slot was given
//! back while it exits), one shared counter changed by atomic read-modify-write operations,
//! sequentially consistent with the state's changes, does the same job.

use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering, compiler_fence};

use crate::runtime::{RUNNING, STATE};

/// Slots in the table: threads beyond this many count on the shared counter.
const SLOTS: usize = 128;

/// One thread's count, on a cache line of its own.
#[repr(align(64))]
struct Slot {
    /// Whether a thread owns the slot (claimed by compare-and-swap, once per thread).
    owned: AtomicBool,
    /// The owner's outermost holds of the main interpreter; stored by the owner only.
    count: AtomicUsize,
}

static TABLE: [Slot; SLOTS] = [const {
    Slot {
        owned: AtomicBool::new(false),
        count: AtomicUsize::new(0),
    }
}; SLOTS];

/// Holds counted without a slot (see the module).
static SHARED: AtomicUsize = AtomicUsize::new(0);

/// Whether this process registered for private expedited `membarrier`: set once, before the
/// first start-up marks the runtime running, never cleared. Slots are only used when set.
static ASYMMETRIC: AtomicBool = AtomicBool::new(false);

thread_local! {
    /// This thread's slot, null while it has none (or gave it back on exit).
    static MINE: Cell<*const Slot> = const { Cell::new(std::ptr::null()) };
    /// This thread's holds counted on [`SHARED`]: a slot is only claimed while there are
    /// none, so that every hold is released where it was counted.
    static ON_SHARED: Cell<usize> = const { Cell::new(0) };
    /// Gives the slot back when the thread exits.
    static GIVE_BACK: GiveBack = const { GiveBack };
}

/// The owner of a thread's slot for the thread's life (see [`GIVE_BACK`]).
struct GiveBack;

impl Drop for GiveBack {
    fn drop(&mut self) {
        let slot = MINE.get();
        // SAFETY: a non-null `MINE` is a slot of the static table.
        if let Some(s) = unsafe { slot.as_ref() }
            && s.count.load(Ordering::Relaxed) == 0
        {
            // Holds later in this thread's exit count on the shared counter.
            MINE.set(std::ptr::null());
            s.owned.store(false, Ordering::Release);
        }
        // A slot still counting a hold (never seen: holds end before a thread's destructors
        // run) stays this thread's, so `finalize` keeps waiting for it as it should.
    }
}

/// Registers the process for the barrier `finalize` uses, if the system has it. Called by
/// start-up before the runtime is marked running.
pub(crate) fn register() {
    if !ASYMMETRIC.load(Ordering::Relaxed) && crate::fence::register() {
        ASYMMETRIC.store(true, Ordering::SeqCst);
    }
}

/// Counts this thread in as active in the main interpreter, unless the runtime is not
/// running. Pairs with [`leave_main`].
#[inline]
pub(crate) fn enter_main() -> bool {
    let slot = MINE.get();
    if slot.is_null() {
        return enter_without_slot();
    }
    // SAFETY: a non-null `MINE` is a slot of the static table, owned by this thread.
    let s = unsafe { &*slot };
    let n = s.count.load(Ordering::Relaxed);
    s.count.store(n + 1, Ordering::Relaxed);
    // The store above and the load below stay in this order in the compiled code; the CPU's
    // side is `finalize`'s barrier (see the module).
    compiler_fence(Ordering::SeqCst);
    if STATE.load(Ordering::Acquire) != RUNNING {
        s.count.store(n, Ordering::Release);
        return false;
    }
    true
}

/// [`enter_main`] for a thread without a slot: claims one when it can, or counts on
/// [`SHARED`].
#[cold]
#[inline(never)]
fn enter_without_slot() -> bool {
    if ON_SHARED.get() == 0 && claim() {
        return enter_main();
    }
    SHARED.fetch_add(1, Ordering::SeqCst);
    if STATE.load(Ordering::SeqCst) != RUNNING {
        SHARED.fetch_sub(1, Ordering::SeqCst);
        return false;
    }
    ON_SHARED.set(ON_SHARED.get() + 1);
    true
}

/// Claims a free slot for this thread (which has none): only where the barrier is
/// registered, and while the thread can still give it back on exit.
fn claim() -> bool {
    if !ASYMMETRIC.load(Ordering::SeqCst) || GIVE_BACK.try_with(|_| ()).is_err() {
        return false;
    }
    for s in &TABLE {
        if !s.owned.load(Ordering::Relaxed)
            && s.owned
                .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
                .is_ok()
        {
            MINE.set(s);
            return true;
        }
    }
    false
}

/// Counts this thread in whatever the runtime's state: the holds taken while it may be
/// finalizing (by `finalize` itself, or to end sub-interpreters). Pairs with [`leave_main`],
/// or with [`reset_after_finalize`] for the hold `finalize` keeps.
pub(crate) fn enter_main_unchecked() {
    if MINE.get().is_null() && ON_SHARED.get() == 0 {
        claim();
    }
    // SAFETY: a non-null `MINE` is a slot of the static table, owned by this thread.
    match unsafe { MINE.get().as_ref() } {
        Some(s) => {
            let n = s.count.load(Ordering::Relaxed);
            s.count.store(n + 1, Ordering::Release);
        }
        None => {
            SHARED.fetch_add(1, Ordering::SeqCst);
            ON_SHARED.set(ON_SHARED.get() + 1);
        }
    }
}

/// Forgets the hold `finalize` kept across `Py_FinalizeEx` (the calling thread's; no other
/// thread holds one then).
pub(crate) fn reset_after_finalize() {
    SHARED.store(0, Ordering::SeqCst);
    ON_SHARED.set(0);
    // SAFETY: as in `enter_main_unchecked`.
    if let Some(s) = unsafe { MINE.get().as_ref() } {
        s.count.store(0, Ordering::Release);
    }
}

/// Counts this thread out (see [`enter_main`]).
#[inline]
pub(crate) fn leave_main() {
    let slot = MINE.get();
    if slot.is_null() {
        ON_SHARED.set(ON_SHARED.get() - 1);
        SHARED.fetch_sub(1, Ordering::SeqCst);
        return;
    }
    // SAFETY: as in `enter_main`; a thread with a slot counted every hold it has there.
    let s = unsafe { &*slot };
    let n = s.count.load(Ordering::Relaxed);
    s.count.store(n - 1, Ordering::Release);
}

/// Whether some thread is inside the main interpreter. `finalize` calls it in a loop after
/// marking the runtime finalizing and calling [`barrier_after_state`].
pub(crate) fn any_active() -> bool {
    SHARED.load(Ordering::SeqCst) != 0 || TABLE.iter().any(|s| s.count.load(Ordering::Acquire) != 0)
}

/// The process-wide barrier between `finalize`'s store of the state and its reads of the
/// counts (see the module).
pub(crate) fn barrier_after_state() {
    if ASYMMETRIC.load(Ordering::SeqCst) {
        crate::fence::all_threads();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Barrier};

    fn owned_slots() -> usize {
        TABLE
            .iter()
            .filter(|s| s.owned.load(Ordering::SeqCst))
            .count()
    }

    // More threads at once than there are slots: the last ones count on the shared counter;
    // every count goes back to zero, and every slot is given back when its thread exits.
    #[test]
    fn threads_count_in_their_own_slots_or_the_shared_counter_and_give_slots_back() {
        register();
        let threads = SLOTS + 8;
        let inside = Arc::new(Barrier::new(threads + 1));
        let leave = Arc::new(Barrier::new(threads + 1));
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                let (inside, leave) = (inside.clone(), leave.clone());
                std::thread::spawn(move || {
                    enter_main_unchecked();
                    enter_main_unchecked();
                    inside.wait();
                    leave.wait();
                    leave_main();
                    leave_main();
                    !MINE.get().is_null()
                })
            })
            .collect();
        inside.wait();
        assert!(any_active());
        if ASYMMETRIC.load(Ordering::SeqCst) {
            assert_eq!(owned_slots(), SLOTS);
            assert_eq!(SHARED.load(Ordering::SeqCst), 2 * (threads - SLOTS));
        } else {
            assert_eq!(owned_slots(), 0);
            assert_eq!(SHARED.load(Ordering::SeqCst), 2 * threads);
        }
        leave.wait();
        let with_slot = handles
            .into_iter()
            .map(|h| h.join().unwrap())
            .filter(|&b| b)
            .count();
        assert!(!any_active());
        assert_eq!(SHARED.load(Ordering::SeqCst), 0);
        assert_eq!(owned_slots(), 0, "slots not given back");
        let expected = if ASYMMETRIC.load(Ordering::SeqCst) {
            SLOTS
        } else {
            0
        };
        assert_eq!(with_slot, expected);
    }
}
