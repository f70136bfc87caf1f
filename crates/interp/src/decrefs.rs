//! The queue of references dropped by threads that did not hold their interpreter's GIL,
//! released by the next thread that holds it.

use crossbeam_queue::{ArrayQueue, SegQueue};

/// How many queued references the bounded ring holds before pushes spill into the unbounded
/// queue: the common case (a few drops between two acquisitions) never allocates, and one
/// push or pop is a handful of atomic instructions.
const RING: usize = 256;

/// A lock-free multi-producer queue of object addresses: a bounded ring first, an unbounded
/// segmented queue for what does not fit (a burst of drops, a thread that holds the GIL for
/// long). The order of release is not kept (releases commute).
pub(crate) struct DecrefQueue {
    ring: ArrayQueue<usize>,
    spill: SegQueue<usize>,
}

impl DecrefQueue {
    pub(crate) fn new() -> Self {
        DecrefQueue {
            ring: ArrayQueue::new(RING),
            spill: SegQueue::new(),
        }
    }

    #[inline]
    pub(crate) fn push(&self, ptr: usize) {
        if let Err(ptr) = self.ring.push(ptr) {
            self.spill.push(ptr);
        }
    }

    #[inline]
    pub(crate) fn pop(&self) -> Option<usize> {
        self.ring.pop().or_else(|| self.spill.pop())
    }

    pub(crate) fn len(&self) -> usize {
        self.ring.len() + self.spill.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pushed_address_comes_back_once_past_the_ring() {
        let q = DecrefQueue::new();
        let n = RING * 3 + 7;
        for i in 1..=n {
            q.push(i);
        }
        assert_eq!(q.len(), n);
        let mut seen: Vec<usize> = std::iter::from_fn(|| q.pop()).collect();
        seen.sort_unstable();
        assert_eq!(seen, (1..=n).collect::<Vec<_>>());
        assert_eq!(q.len(), 0);
        assert_eq!(q.pop(), None);
    }

    #[test]
    fn pushes_from_many_threads_are_all_popped() {
        let q = DecrefQueue::new();
        std::thread::scope(|s| {
            for t in 0..4 {
                let q = &q;
                s.spawn(move || {
                    for i in 0..1000 {
                        q.push(t * 1000 + i + 1);
                    }
                });
            }
        });
        let mut seen: Vec<usize> = std::iter::from_fn(|| q.pop()).collect();
        seen.sort_unstable();
        assert_eq!(seen, (1..=4000).collect::<Vec<_>>());
    }
}
