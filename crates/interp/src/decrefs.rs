//! The queue of references dropped by threads that did not hold their interpreter's GIL,
//! released by the next thread that holds it, and of the other releases put off the same way
//! ([`Deferred`]: a buffer view's export, a DLPack tensor's deleter).

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicUsize, Ordering};

use crossbeam_queue::{ArrayQueue, SegQueue};

/// How many queued references the bounded ring holds before pushes spill into the unbounded
/// queue: a burst of drops between two acquisitions does not allocate.
const RING: usize = 256;

/// Bit 0 of [`DecrefQueue::head`]: the ring or the spill may hold references. Object
/// addresses are aligned, so the bit is free.
const MORE: usize = 1;

/// How a [`Deferred`] release is finally dealt with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeferredRun {
    /// The calling thread holds the GIL of the interpreter the release was put off to (a
    /// drain of its queue): release.
    UnderGil,
    /// The interpreter ended or its runtime was finalized (or is being finalized) before a
    /// drain ran the release: whatever it held of Python is gone with it. Free what is Rust's
    /// and touch nothing of Python.
    Gone,
}

/// A release that needs an interpreter's GIL, put off by a thread that does not hold it
/// ([`refs::release_later`](crate::refs::release_later)) until the interpreter's next drain
/// (the queue of dropped references, which holds these too). Releases put off this way must
/// not depend on their order, as references do not.
///
/// It is called once: with [`DeferredRun::UnderGil`] by the drain, or with
/// [`DeferredRun::Gone`] when the interpreter is gone first. A panic is stopped there and
/// reported on stderr (drains run inside calls from Python).
pub struct Deferred(Box<dyn FnOnce(DeferredRun) + Send>);

impl Deferred {
    /// `f`, to be called once later (see the type's documentation).
    pub fn new(f: impl FnOnce(DeferredRun) + Send + 'static) -> Deferred {
        Deferred(Box::new(f))
    }

    /// Calls the release with `how`, stopping a panic.
    pub(crate) fn call(self, how: DeferredRun) {
        if catch_unwind(AssertUnwindSafe(|| (self.0)(how))).is_err() {
            eprintln!("libpython: a put-off release panicked; the panic was stopped");
        }
    }
}

impl std::fmt::Debug for Deferred {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Deferred")
    }
}

/// A lock-free multi-producer queue of object addresses, and of [`Deferred`] releases. The
/// order of release is not kept (releases commute).
///
/// The common case, one drop between two acquisitions, costs one compare-and-swap to push and
/// one swap to take: `head` holds one address. Pushes that find it taken go to a bounded ring,
/// then to an unbounded segmented queue (a burst of drops, a thread that holds the GIL for
/// long), and set the [`MORE`] bit of `head`; so do deferred releases, kept in a queue of
/// their own.
///
/// `head` is only ever written by read-modify-write operations (release or stronger), so the
/// swap that takes it synchronises with every push whose write it follows: the references of
/// those pushes are visible to the pops after it. A push that sets the bit after that swap
/// leaves it set for the next drain. Checking for work is one load of `head`.
pub(crate) struct DecrefQueue {
    head: AtomicUsize,
    ring: ArrayQueue<usize>,
    spill: SegQueue<usize>,
    deferred: SegQueue<Deferred>,
}

impl DecrefQueue {
    pub(crate) fn new() -> Self {
        DecrefQueue {
            head: AtomicUsize::new(0),
            ring: ArrayQueue::new(RING),
            spill: SegQueue::new(),
            deferred: SegQueue::new(),
        }
    }

    /// Queues the address `ptr` (non-zero, even).
    #[inline]
    pub(crate) fn push(&self, ptr: usize) {
        debug_assert!(ptr != 0 && ptr & MORE == 0);
        if self
            .head
            .compare_exchange(0, ptr, Ordering::Release, Ordering::Relaxed)
            .is_err()
        {
            self.push_more(ptr);
        }
    }

    #[cold]
    #[inline(never)]
    fn push_more(&self, ptr: usize) {
        if let Err(ptr) = self.ring.push(ptr) {
            self.spill.push(ptr);
        }
        self.head.fetch_or(MORE, Ordering::Release);
    }

    /// The head word, which is 0 exactly when nothing is queued (see [`DrainHint`](crate::gil::DrainHint)).
    pub(crate) fn head_word(&self) -> *const AtomicUsize {
        &raw const self.head
    }

    /// Whether anything may be queued: one load. A push under way may not be seen yet; it is
    /// then taken by a later drain.
    #[inline(always)]
    pub(crate) fn maybe_queued(&self) -> bool {
        self.head.load(Ordering::Relaxed) != 0
    }

    /// Starts a drain: takes the head word, returning the one address it held (0 if none) and
    /// whether more may be queued behind it (then taken with [`pop_more`](Self::pop_more)).
    /// Every push that set what it takes is visible to the pops after it.
    #[inline(always)]
    pub(crate) fn take_head(&self) -> (usize, bool) {
        let taken = self.head.swap(0, Ordering::AcqRel);
        (taken & !MORE, taken & MORE != 0)
    }

    /// Queues a deferred release, flagged in the head word as more work for the next drain.
    #[cold]
    pub(crate) fn push_deferred(&self, release: Deferred) {
        self.deferred.push(release);
        self.head.fetch_or(MORE, Ordering::Release);
    }

    /// One of the addresses behind the head, after a [`take_head`](Self::take_head) that
    /// said there may be more.
    #[inline]
    pub(crate) fn pop_more(&self) -> Option<usize> {
        self.ring.pop().or_else(|| self.spill.pop())
    }

    /// One of the deferred releases, after a [`take_head`](Self::take_head) that said there
    /// may be more.
    pub(crate) fn pop_deferred(&self) -> Option<Deferred> {
        self.deferred.pop()
    }

    /// Flags what a drain left behind the head (it stopped at its budget) for the next one.
    pub(crate) fn flag_left(&self) {
        if !self.ring.is_empty() || !self.spill.is_empty() || !self.deferred.is_empty() {
            self.head.fetch_or(MORE, Ordering::Release);
        }
    }

    /// Takes up to `budget` (at least 1) queued addresses, giving each to `release`; returns
    /// how many it took. What is left past the budget stays flagged for the next call.
    /// Deferred releases are left in their queue (see [`pop_deferred`](Self::pop_deferred)).
    #[cfg(test)]
    pub(crate) fn drain(&self, budget: usize, mut release: impl FnMut(usize)) -> usize {
        let (one, more) = self.take_head();
        let mut n = 0;
        if one != 0 {
            release(one);
            n = 1;
        }
        if !more {
            return n;
        }
        while n < budget {
            match self.pop_more() {
                Some(p) => {
                    release(p);
                    n += 1;
                }
                None => return n,
            }
        }
        self.flag_left();
        n
    }

    /// Takes every queued address and deferred release without releasing anything: the
    /// addresses are forgotten, the releases told [`DeferredRun::Gone`] (the interpreter is
    /// gone).
    pub(crate) fn discard(&self) {
        self.head.swap(0, Ordering::AcqRel);
        while self.pop_more().is_some() {}
        while let Some(d) = self.pop_deferred() {
            d.call(DeferredRun::Gone);
        }
    }

    /// How many addresses and deferred releases are queued (a snapshot).
    pub(crate) fn len(&self) -> usize {
        usize::from(self.head.load(Ordering::Acquire) & !MORE != 0)
            + self.ring.len()
            + self.spill.len()
            + self.deferred.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn take_all(q: &DecrefQueue) -> Vec<usize> {
        let mut seen = Vec::new();
        q.drain(usize::MAX, |p| seen.push(p));
        seen.sort_unstable();
        seen
    }

    #[test]
    fn every_pushed_address_comes_back_once_past_the_ring() {
        let q = DecrefQueue::new();
        assert!(!q.maybe_queued());
        let n = RING * 3 + 7;
        for i in 1..=n {
            q.push(i * 8);
        }
        assert_eq!(q.len(), n);
        assert!(q.maybe_queued());
        assert_eq!(take_all(&q), (1..=n).map(|i| i * 8).collect::<Vec<_>>());
        assert_eq!(q.len(), 0);
        assert!(!q.maybe_queued());
        assert!(take_all(&q).is_empty());
    }

    #[test]
    fn a_drain_stops_at_its_budget_and_leaves_the_rest_flagged() {
        let q = DecrefQueue::new();
        for i in 1..=10 {
            q.push(i * 8);
        }
        let mut first = Vec::new();
        assert_eq!(q.drain(4, |p| first.push(p)), 4);
        assert!(q.maybe_queued());
        assert_eq!(q.len(), 6);
        let mut all = take_all(&q);
        all.extend(first);
        all.sort_unstable();
        assert_eq!(all, (1..=10).map(|i| i * 8).collect::<Vec<_>>());
        assert!(!q.maybe_queued());
    }

    #[test]
    fn one_address_takes_the_head_alone() {
        let q = DecrefQueue::new();
        q.push(16);
        assert_eq!(q.len(), 1);
        assert!(q.ring.is_empty() && q.spill.is_empty());
        assert_eq!(take_all(&q), vec![16]);
        assert!(!q.maybe_queued());
    }

    #[test]
    fn deferred_releases_are_flagged_and_told_gone_when_discarded() {
        use std::sync::{Arc, Mutex};
        let q = DecrefQueue::new();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let s = seen.clone();
        q.push_deferred(Deferred::new(move |how| s.lock().unwrap().push(how)));
        q.push(16);
        assert!(q.maybe_queued());
        assert_eq!(q.len(), 2);
        let (one, more) = q.take_head();
        assert_eq!(
            one, 0,
            "the first push of a deferred release flags the head"
        );
        assert!(more);
        q.flag_left();
        assert!(q.maybe_queued(), "left behind for the next drain");
        q.discard();
        assert_eq!(*seen.lock().unwrap(), [DeferredRun::Gone]);
        assert_eq!(q.len(), 0);
        assert!(!q.maybe_queued());
    }

    #[test]
    fn pushes_from_many_threads_are_all_popped() {
        let q = DecrefQueue::new();
        let mut seen = Vec::new();
        std::thread::scope(|s| {
            for t in 0..4 {
                let q = &q;
                s.spawn(move || {
                    for i in 0..1000 {
                        q.push((t * 1000 + i + 1) * 8);
                    }
                });
            }
            // Drains race with the pushes.
            for _ in 0..100 {
                q.drain(usize::MAX, |p| seen.push(p));
            }
        });
        seen.extend(take_all(&q));
        seen.sort_unstable();
        assert_eq!(seen, (1..=4000).map(|i| i * 8).collect::<Vec<_>>());
    }
}
