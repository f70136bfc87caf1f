//! The dynamic borrow check: a process-wide registry of the memory ranges Rust views hold, so
//! the safe API never gives out a mutable view of memory another view can see.
//!
//! Ranges are compared by address (the lowest and one past the highest byte a view can
//! reach), so two views of the same memory conflict whichever Python objects they came
//! through (`a` and `a[::2]`, `a` and `a.T`, a numpy array and the `bytearray` under it).
//! The check is conservative: interleaved views such as `a[::2]` and `a[1::2]` cover
//! overlapping ranges and count as aliasing.
//!
//! # How it is kept cheap
//!
//! Read (shared) borrows are by far the most common and never conflict with each other, so
//! they take no lock: each one claims a slot of a fixed table, writes its range there, and
//! checks one counter, [`EXCLUSIVE`], the number of mutable borrows that are live or being
//! made. Releasing it is a single store. Mutable (exclusive) borrows, and read borrows when
//! the tables are full, go through a mutex and scan the tables.
//!
//! There are two tables. Threads that hold the main interpreter's GIL on a GIL build (the
//! [`Domain`] of most programs) take their read borrows in [`MAIN_TABLE`]: they do so one at a
//! time, so a free slot is theirs without a claim: they write the range and publish the slot
//! active with plain stores. Everything else (sub-interpreters with a GIL of their
//! own, free-threaded builds, DLPack tensors, systems without a process-wide barrier) claims
//! slots of [`TABLE`] with a compare-and-swap.
//!
//! Why a read borrow and a concurrent mutable one cannot both succeed: the reader stores its
//! claim, then loads `EXCLUSIVE`; the writer increments `EXCLUSIVE`, then loads the slots.
//! Either the reader's load comes after the writer's increment (the reader sees a non-zero
//! count and checks the writer's range under the mutex, which the writer holds until its
//! entry is recorded), or the reader's claim comes before the writer's scan, which therefore
//! finds the slot claimed and waits for the range to be published before comparing. What
//! orders each side's store before its load: in [`TABLE`], the reader's compare-and-swap and
//! the writer's increment are sequentially consistent. In [`MAIN_TABLE`], a writer that holds
//! the main GIL too never runs beside the reader at all; any other writer runs a process-wide
//! barrier ([`libpython_interp::fence`]) between its increment and its scan, which the reader,
//! with a compiler fence only, pairs with. A slot is claimed for a few instructions only (no
//! call, no lock, no allocation in between), so a scan's wait is short.
//!
//! Under such a race both sides can be refused (a reader that is itself refused because of
//! another mutable borrow may have been seen by the writer meanwhile); never both accepted.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering, compiler_fence, fence};

use libpython_interp::{InterpKey, fence as process};

use crate::err::{Error, Result};
use crate::gil::Python;

/// Read borrows [`TABLE`] holds; more live read borrows than the two tables hold go through
/// the mutex.
const SLOTS: usize = 64;

/// Read borrows [`MAIN_TABLE`] holds (beyond them, [`TABLE`]'s slots are used).
const MAIN_SLOTS: usize = 32;

/// A slot's state: the low two bits are the tag, the rest a generation counted up on every
/// release (so a scan can tell a slot re-used between two of its loads).
const TAG: usize = 0b11;
/// The slot is free.
const FREE: usize = 0;
/// A reader has claimed the slot and is writing its range: scans wait.
const CLAIMED: usize = 1;
/// The slot holds a live read borrow of `lo..hi`.
const ACTIVE: usize = 2;
/// One generation.
const GENERATION: usize = TAG + 1;

/// One read borrow of the table, on a cache line of its own.
#[derive(Debug)]
#[repr(align(64))]
struct Slot {
    state: AtomicUsize,
    lo: AtomicUsize,
    hi: AtomicUsize,
}

impl Slot {
    const fn new() -> Slot {
        Slot {
            state: AtomicUsize::new(FREE),
            lo: AtomicUsize::new(0),
            hi: AtomicUsize::new(0),
        }
    }
}

/// The slots claimed by compare-and-swap, by any thread.
static TABLE: [Slot; SLOTS] = [const { Slot::new() }; SLOTS];

/// The slots claimed by plain stores, only by threads of [`Domain::main_gil`].
static MAIN_TABLE: [Slot; MAIN_SLOTS] = [const { Slot::new() }; MAIN_SLOTS];

/// The key of the last main interpreter found to be of [`Domain::main_gil`] (0: none yet): a
/// runtime's main interpreter keeps its key, and a later runtime's has another (its generation
/// differs), so a key equal to this one is of that domain without deciding again. The
/// decision's inputs never change once true (the barrier stays registered).
static MAIN_GIL_KEY: AtomicU64 = AtomicU64::new(0);

/// The key of the last interpreter found never to be of [`Domain::main_gil`] (0: none yet):
/// a sub-interpreter, or any interpreter of a free-threaded or debug build. That follows from
/// the key alone ([`Domain::may_be_main_gil`]), so it stays true; a main interpreter of a GIL
/// build found outside the domain (no barrier yet) is not remembered here.
static ANY_KEY: AtomicU64 = AtomicU64::new(0);

/// Which other borrows a borrow's thread cannot run beside while it is made.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Domain {
    /// The thread holds the main interpreter's GIL on a GIL build, and the process-wide
    /// barrier is available: it makes borrows one at a time with every other such thread.
    main_gil: bool,
}

impl Domain {
    /// A thread that may run beside any other (a view made without an interpreter's GIL).
    pub(crate) const ANY: Domain = Domain { main_gil: false };

    /// The domain of a thread holding `py`'s GIL.
    #[inline(always)]
    pub(crate) fn of(py: Python<'_>) -> Domain {
        let key = py.interpreter_key();
        if key.to_bits() == MAIN_GIL_KEY.load(Ordering::Relaxed) {
            return Domain { main_gil: true };
        }
        if key.to_bits() == ANY_KEY.load(Ordering::Relaxed) {
            return Domain::ANY;
        }
        Domain::of_key_slow(key)
    }

    /// Whether `key` can be of [`main_gil`](Self::main_gil) at all: the main interpreter of
    /// a GIL build, which the key records as how its runtime counts references (plainly or
    /// with 32-bit immortals on GIL builds only; free-threaded and debug builds count through
    /// calls): read from the key, without a lookup.
    #[inline(always)]
    fn may_be_main_gil(key: InterpKey) -> bool {
        key.is_main() && (key.counts_plain() || key.counts_immortal32())
    }

    /// [`of`](Self::of) for a key neither [`MAIN_GIL_KEY`] nor [`ANY_KEY`] remembers: decided,
    /// and remembered in the one that applies. (Deciding from the key's bits inline instead
    /// cost the main interpreter of a GIL build, the common case, two instructions a view:
    /// 745 against 743 on 3.11.)
    #[cold]
    #[inline(never)]
    fn of_key_slow(key: InterpKey) -> Domain {
        let domain = Domain::of_key(key);
        if domain.main_gil {
            MAIN_GIL_KEY.store(key.to_bits(), Ordering::Relaxed);
        } else if !Domain::may_be_main_gil(key) {
            ANY_KEY.store(key.to_bits(), Ordering::Relaxed);
        }
        domain
    }

    /// The domain of a thread holding the GIL of `key`'s interpreter (the caller proves it:
    /// see [`of`](Self::of)).
    #[inline(always)]
    fn of_key(key: InterpKey) -> Domain {
        Domain {
            main_gil: Domain::may_be_main_gil(key) && process::available(),
        }
    }
}

/// Mutable borrows that are live or being made (a reader that sees 0 needs no lock).
static EXCLUSIVE: AtomicUsize = AtomicUsize::new(0);

struct Entry {
    id: u64,
    lo: usize,
    hi: usize,
}

/// What the mutex guards: the live mutable borrows, the read borrows that did not fit in the
/// table, and the next id.
struct Locked {
    exclusive: Vec<Entry>,
    overflow: Vec<Entry>,
    next_id: u64,
    /// Whether the ids wrapped around (only then can a live entry have the next one).
    wrapped: bool,
}

impl Locked {
    /// An id for a new entry: none of the live entries has it, and it fits a borrow's word
    /// (below `usize::MAX >> 2`, so the count wraps around on 32-bit targets).
    fn new_id(&mut self) -> u64 {
        let max = (usize::MAX >> 2) as u64;
        loop {
            let id = self.next_id;
            if id >= max {
                self.next_id = 1;
                self.wrapped = true;
            } else {
                self.next_id = id + 1;
            }
            if !self.wrapped
                || !self
                    .exclusive
                    .iter()
                    .chain(&self.overflow)
                    .any(|e| e.id == id)
            {
                return id;
            }
        }
    }
}

static LOCKED: Mutex<Locked> = Mutex::new(Locked {
    exclusive: Vec::new(),
    overflow: Vec::new(),
    next_id: 1,
    wrapped: false,
});

fn lock() -> std::sync::MutexGuard<'static, Locked> {
    // The registry is consistent at every unlock (no code that can panic runs while an entry
    // is half made), so a poisoned lock is still good.
    LOCKED.lock().unwrap_or_else(|e| e.into_inner())
}

/// A registered borrow (or [`Borrow::NONE`]), removed on drop. One word, so that a view
/// stores and clears it with one instruction.
#[derive(Debug)]
pub(crate) struct Borrow {
    /// The address of the table's slot a read borrow holds (a static, aligned to 64 bytes:
    /// its low bit is clear); or, with the low bit set, a borrow under the lock ([`locked`]),
    /// or 1 for no borrow (id 0, which no entry has). A read borrow's release tests one bit.
    word: *const Slot,
}

// SAFETY: the word is a slot of the static table (whose fields are atomics: `Sync`) or a
// plain number; a borrow may be released from any thread.
unsafe impl Send for Borrow {}
// SAFETY: as above; shared access only reads the word.
unsafe impl Sync for Borrow {}

/// `Borrow::word` for no borrow: the word of an entry under the lock with id 0, which none has.
const NO_BORROW: usize = 1;

/// The borrow under the lock of entry `id`, mutable or not: its word is `id << 2`, plus 2 for
/// a mutable borrow, with the low bit set.
fn locked(id: u64, exclusive: bool) -> Borrow {
    debug_assert!(
        id != 0 && id <= (usize::MAX >> 2) as u64,
        "ids are not 0 and fit the word (`Locked::new_id`)"
    );
    let word = ((id as usize) << 2) | (usize::from(exclusive) << 1) | 1;
    Borrow {
        word: std::ptr::without_provenance(word),
    }
}

impl Borrow {
    /// No borrow: what an empty view (no memory) holds.
    pub(crate) const NONE: Borrow = Borrow {
        word: std::ptr::without_provenance(NO_BORROW),
    };

    /// A read borrow of `slot`.
    fn slot(slot: &'static Slot) -> Borrow {
        Borrow { word: slot }
    }

    /// Whether this is [`Borrow::NONE`].
    #[inline]
    pub(crate) fn is_none(&self) -> bool {
        self.word.addr() == NO_BORROW
    }

    /// Whether this is a read borrow under the lock.
    #[cfg(test)]
    fn is_overflow(&self) -> bool {
        self.word.addr() & 0b11 == 1 && !self.is_none()
    }
}

fn overlaps(lo: usize, hi: usize, e_lo: usize, e_hi: usize) -> bool {
    e_lo < hi && lo < e_hi
}

fn mutably_borrowed(lo: usize, hi: usize) -> Error {
    Error::conversion(format!(
        "the array memory at {lo:#x}..{hi:#x} is already borrowed mutably by a live PyBufferMut; \
         drop it before taking another view of the same memory"
    ))
}

/// Registers a borrow of the bytes `[lo, hi)`: shared (read) or exclusive (write), made by a
/// thread of `domain`. `None` (an empty view, which reaches no memory) registers nothing
/// ([`Borrow::NONE`]).
///
/// # Errors
/// [`ErrorKind::Conversion`](crate::ErrorKind::Conversion) when a conflicting view is alive:
/// any view of overlapping memory for an exclusive borrow, an exclusive one for a shared
/// borrow.
#[inline(always)]
pub(crate) fn acquire(
    range: Option<(usize, usize)>,
    exclusive: bool,
    domain: Domain,
) -> Result<Borrow> {
    let Some((lo, hi)) = range else {
        return Ok(Borrow::NONE);
    };
    if exclusive {
        return acquire_exclusive(lo, hi, domain);
    }
    // The first slot inline (free unless another read view lives), the others out of line.
    let first = if domain.main_gil {
        // SAFETY: the thread is of `Domain::main_gil` (how the domain is made).
        unsafe { claim_main(&MAIN_TABLE[0], lo, hi) }
    } else {
        claim(&TABLE[0], lo, hi)
    };
    let Some((borrow, writers)) = first else {
        return acquire_shared(lo, hi, domain);
    };
    if writers {
        return check_writers(borrow, lo, hi);
    }
    Ok(borrow)
}

/// A read borrow in a slot of the tables after the first, or under the lock when all are
/// taken.
#[inline(never)]
fn acquire_shared(lo: usize, hi: usize, domain: Domain) -> Result<Borrow> {
    if domain.main_gil {
        for slot in &MAIN_TABLE[1..] {
            // SAFETY: the thread is of `Domain::main_gil` (how the domain is made).
            if let Some((borrow, writers)) = unsafe { claim_main(slot, lo, hi) } {
                if writers {
                    return check_writers(borrow, lo, hi);
                }
                return Ok(borrow);
            }
        }
    }
    let rest = if domain.main_gil {
        &TABLE[..]
    } else {
        &TABLE[1..]
    };
    for slot in rest {
        if let Some((borrow, writers)) = claim(slot, lo, hi) {
            if writers {
                return check_writers(borrow, lo, hi);
            }
            return Ok(borrow);
        }
    }
    acquire_overflow(lo, hi)
}

/// A read borrow of `lo..hi` in `slot` if it is free (`None` if not), claimed and published,
/// and whether mutable borrows are live or being made (then the caller checks it against
/// them: [`check_writers`]).
#[inline(always)]
fn claim(slot: &'static Slot, lo: usize, hi: usize) -> Option<(Borrow, bool)> {
    let s = slot.state.load(Ordering::Relaxed);
    if s & TAG != FREE {
        return None;
    }
    let claimed = (s & !TAG) | CLAIMED;
    if slot
        .state
        .compare_exchange(s, claimed, Ordering::SeqCst, Ordering::Relaxed)
        .is_err()
    {
        return None;
    }
    // The range stores stay after the claim for a scan that reads them (seqlock order).
    fence(Ordering::Release);
    slot.lo.store(lo, Ordering::Relaxed);
    slot.hi.store(hi, Ordering::Relaxed);
    let writers = EXCLUSIVE.load(Ordering::SeqCst);
    let state = (s & !TAG) | ACTIVE;
    // Published before any lock is taken: a writer holding the lock may be waiting on it.
    slot.state.store(state, Ordering::Release);
    Some((Borrow::slot(slot), writers != 0))
}

/// [`claim`] for a slot of [`MAIN_TABLE`], claimed with plain stores.
///
/// # Safety
/// The calling thread is of [`Domain::main_gil`]: no other thread claims a slot of
/// `MAIN_TABLE` until this returns.
#[inline(always)]
unsafe fn claim_main(slot: &'static Slot, lo: usize, hi: usize) -> Option<(Borrow, bool)> {
    let s = slot.state.load(Ordering::Relaxed);
    if s & TAG != FREE {
        return None;
    }
    // Only a claim changes a free slot (a release changes its own, active one), and no other
    // claim of this table runs now (the caller's contract): the slot is this thread's, so
    // its range is written first (a scan reads the range of active slots only, and a change
    // of generation tells it the slot was re-used under it), then it is published active at
    // once (release: the range before the state).
    slot.lo.store(lo, Ordering::Relaxed);
    slot.hi.store(hi, Ordering::Relaxed);
    slot.state.store((s & !TAG) | ACTIVE, Ordering::Release);
    // The publication's store before the load of the writers' count: for the compiler here,
    // for the processor by the process-wide barrier of a writer of another domain (see the
    // module).
    compiler_fence(Ordering::SeqCst);
    let writers = EXCLUSIVE.load(Ordering::Relaxed);
    Some((Borrow::slot(slot), writers != 0))
}

/// Whether any thread of this process can be of [`Domain::main_gil`]: only where the runtime
/// counts references in place as a GIL build does, a mode chosen at start-up, before any
/// view, and never changed (the crate's own tests make such borrows by hand, without a
/// runtime).
fn main_readers_possible() -> bool {
    cfg!(test)
        || matches!(
            libpython_interp::ffi::refcount_mode_in_use(),
            libpython_interp::ffi::RefcountMode::Plain
                | libpython_interp::ffi::RefcountMode::Immortal32
        )
}

/// The end of a read borrow made while mutable borrows are live or being made: refused (and
/// released) if one of them overlaps it.
#[cold]
#[inline(never)]
fn check_writers(borrow: Borrow, lo: usize, hi: usize) -> Result<Borrow> {
    if lock()
        .exclusive
        .iter()
        .any(|e| overlaps(lo, hi, e.lo, e.hi))
    {
        drop(borrow);
        return Err(mutably_borrowed(lo, hi));
    }
    Ok(borrow)
}

/// A read borrow when every slot of the table is taken.
#[cold]
fn acquire_overflow(lo: usize, hi: usize) -> Result<Borrow> {
    let mut reg = lock();
    if reg.exclusive.iter().any(|e| overlaps(lo, hi, e.lo, e.hi)) {
        return Err(mutably_borrowed(lo, hi));
    }
    let id = reg.new_id();
    reg.overflow.push(Entry { id, lo, hi });
    Ok(locked(id, false))
}

/// A mutable borrow: no other borrow of overlapping memory may be live.
#[cold]
fn acquire_exclusive(lo: usize, hi: usize, domain: Domain) -> Result<Borrow> {
    let mut reg = lock();
    if reg.exclusive.iter().any(|e| overlaps(lo, hi, e.lo, e.hi)) {
        return Err(mutably_borrowed(lo, hi));
    }
    let mut readers = reg
        .overflow
        .iter()
        .filter(|e| overlaps(lo, hi, e.lo, e.hi))
        .count();
    // From here on, new table readers check the mutable borrows under the lock (held).
    EXCLUSIVE.fetch_add(1, Ordering::SeqCst);
    // Readers of `MAIN_TABLE` order their claim before their load of the count for the
    // compiler only: unless this thread is one of them (and so never runs beside them), the
    // barrier makes their claims visible, or them see the count (see the module). Read after
    // the increment, `available` is true whenever such a reader could have seen it true. A
    // runtime whose objects are counted otherwise (free-threaded, debug) has no such readers.
    if !domain.main_gil && main_readers_possible() {
        process::all_threads();
    }
    for slot in MAIN_TABLE.iter().chain(&TABLE) {
        let mut spins = 0u32;
        loop {
            let s = slot.state.load(Ordering::SeqCst);
            match s & TAG {
                FREE => break,
                CLAIMED => {
                    // A reader is between its claim and its publication: a few instructions.
                    spins += 1;
                    if spins < 64 {
                        std::hint::spin_loop();
                    } else {
                        std::thread::yield_now();
                    }
                }
                _ => {
                    let (e_lo, e_hi) = (
                        slot.lo.load(Ordering::Relaxed),
                        slot.hi.load(Ordering::Relaxed),
                    );
                    fence(Ordering::Acquire);
                    if slot.state.load(Ordering::Relaxed) != s {
                        // Released or re-used meanwhile: look again. (A reader that claimed it
                        // after our increment checks us under the lock.)
                        continue;
                    }
                    if overlaps(lo, hi, e_lo, e_hi) {
                        readers += 1;
                    }
                    break;
                }
            }
        }
    }
    if readers > 0 {
        EXCLUSIVE.fetch_sub(1, Ordering::SeqCst);
        return Err(Error::conversion(format!(
            "the array memory at {lo:#x}..{hi:#x} is borrowed by {readers} live read view(s) (PyBuffer); \
             a mutable view needs it unshared: drop them first"
        )));
    }
    let id = reg.new_id();
    reg.exclusive.push(Entry { id, lo, hi });
    Ok(locked(id, true))
}

impl Drop for Borrow {
    #[inline]
    fn drop(&mut self) {
        let word = self.word.addr();
        if word & 1 == 0 {
            // SAFETY: a read borrow's word is the address of a slot of the static table.
            let slot = unsafe { &*self.word };
            // The slot is this borrow's (tag `ACTIVE`): only this store changes it now.
            let state = slot.state.load(Ordering::Relaxed);
            debug_assert_eq!(state & TAG, ACTIVE);
            // The next generation, free: `(state & !TAG) + GENERATION | FREE`, which with the
            // tag `ACTIVE` is one addition. Release: the view's reads of the memory happen
            // before a later writer sees the slot free.
            let next = state.wrapping_add(GENERATION - ACTIVE + FREE);
            slot.state.store(next, Ordering::Release);
        } else {
            release_locked(word);
        }
    }
}

/// Releases the borrow under the lock whose word is `word` (nothing for `NO_BORROW`).
#[cold]
#[inline(never)]
fn release_locked(word: usize) {
    if word == NO_BORROW {
        return;
    }
    let (id, exclusive) = ((word >> 2) as u64, word & 2 != 0);
    let mut reg = lock();
    let list = if exclusive {
        &mut reg.exclusive
    } else {
        &mut reg.overflow
    };
    if let Some(i) = list.iter().position(|e| e.id == id) {
        list.swap_remove(i);
        if exclusive {
            EXCLUSIVE.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

/// The bytes a view of `shape` and byte `strides`, starting at `ptr`, can reach: `None` when
/// it has no elements.
pub(crate) fn byte_range(
    ptr: *const u8,
    shape: &[usize],
    strides: &[isize],
    itemsize: usize,
) -> Option<(usize, usize)> {
    if shape.contains(&0) {
        return None;
    }
    let (mut lo, mut hi) = (0isize, 0isize);
    for (&n, &s) in shape.iter().zip(strides) {
        let reach = (n as isize - 1).saturating_mul(s);
        if reach < 0 {
            lo = lo.saturating_add(reach);
        } else {
            hi = hi.saturating_add(reach);
        }
    }
    let base = ptr as usize;
    Some((
        base.wrapping_add_signed(lo),
        base.wrapping_add_signed(hi).wrapping_add(itemsize.max(1)),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::MutexGuard;
    use std::sync::atomic::AtomicBool;

    /// The tables are the process's: a test that counts their slots runs alone among the
    /// tests that take them (a slot another test frees midway would be found free again).
    fn tables_alone() -> MutexGuard<'static, ()> {
        static TABLES: Mutex<()> = Mutex::new(());
        TABLES
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    #[test]
    fn overlapping_exclusive_borrows_conflict() {
        let _alone = tables_alone();
        let a = acquire(Some((0x1000, 0x1100)), true, Domain::ANY).unwrap();
        assert!(acquire(Some((0x10f0, 0x1200)), false, Domain::ANY).is_err());
        assert!(
            !acquire(Some((0x1100, 0x1200)), true, Domain::ANY)
                .unwrap()
                .is_none()
        );
        assert!(acquire(None, true, Domain::ANY).unwrap().is_none());
        drop(a);
        let r1 = acquire(Some((0x1000, 0x1100)), false, Domain::ANY).unwrap();
        let r2 = acquire(Some((0x1000, 0x1100)), false, Domain::ANY).unwrap();
        let e = acquire(Some((0x1000, 0x1001)), true, Domain::ANY)
            .unwrap_err()
            .to_string();
        assert!(e.contains("2 live read view(s)"), "{e}");
        drop((r1, r2));
        assert!(
            !acquire(Some((0x1000, 0x1001)), true, Domain::ANY)
                .unwrap()
                .is_none()
        );
        assert_eq!(
            byte_range(0x100 as *const u8, &[3], &[-8], 8),
            Some((0xf0, 0x108))
        );
        assert_eq!(byte_range(0x100 as *const u8, &[3, 0], &[8, 8], 8), None);
    }

    #[test]
    fn read_borrows_beyond_the_table_still_count() {
        let _alone = tables_alone();
        // More live readers than slots: the later ones go through the mutex, and a writer sees
        // every one of them; once all are gone the memory is free again.
        let base = 0x10_0000;
        let readers: Vec<_> = (0..SLOTS + 10)
            .map(|_| acquire(Some((base, base + 64)), false, Domain::ANY).unwrap())
            .collect();
        assert!(readers.iter().any(|r| r.is_overflow()));
        let e = acquire(Some((base + 8, base + 16)), true, Domain::ANY)
            .unwrap_err()
            .to_string();
        assert!(e.contains("read view"), "{e}");
        // Readers of the first and the last kind both block a writer on their own.
        let mut readers = readers;
        let last = readers.pop().unwrap();
        readers.truncate(1);
        drop(last);
        assert!(acquire(Some((base, base + 1)), true, Domain::ANY).is_err());
        drop(readers);
        let w = acquire(Some((base, base + 64)), true, Domain::ANY).unwrap();
        // And a reader that overflows the table sees a writer too.
        let fill: Vec<_> = (0..SLOTS)
            .map(|i| {
                acquire(
                    Some((0x20_0000 + i * 64, 0x20_0000 + i * 64 + 8)),
                    false,
                    Domain::ANY,
                )
                .unwrap()
            })
            .collect();
        assert!(acquire(Some((base, base + 8)), false, Domain::ANY).is_err());
        drop((fill, w));
    }

    /// What serialises the borrows of threads of `Domain::main_gil` here (the main GIL does
    /// in a program).
    static TEST_GIL: Mutex<()> = Mutex::new(());

    const MAIN: Domain = Domain { main_gil: true };

    /// `acquire` by a thread of `domain`, holding `TEST_GIL` as the main GIL's holders do.
    fn acquire_in(range: (usize, usize), exclusive: bool, domain: Domain) -> Result<Borrow> {
        let _gil = domain.main_gil.then(|| TEST_GIL.lock().unwrap());
        acquire(Some(range), exclusive, domain)
    }

    #[test]
    fn main_gil_read_borrows_fill_their_table_then_the_shared_one_then_the_lock() {
        let _alone = tables_alone();
        assert_eq!(process::register(), cfg!(target_os = "linux"));
        let base = 0x40_0000;
        let readers: Vec<_> = (0..MAIN_SLOTS + SLOTS + 4)
            .map(|_| acquire_in((base, base + 64), false, MAIN).unwrap())
            .collect();
        let in_main = |b: &Borrow| MAIN_TABLE.iter().any(|s| std::ptr::eq(s, b.word));
        assert!(readers[..MAIN_SLOTS].iter().all(in_main));
        assert!(!readers[MAIN_SLOTS..].iter().any(in_main));
        assert!(readers.last().unwrap().is_overflow());
        // Writers of either domain see readers of the main table.
        let mut readers = readers;
        readers.truncate(1);
        for domain in [MAIN, Domain::ANY] {
            let e = acquire_in((base + 8, base + 16), true, domain)
                .unwrap_err()
                .to_string();
            assert!(e.contains("1 live read view(s)"), "{e}");
        }
        drop(readers);
        // And a main-table reader sees a writer of the other domain.
        let w = acquire_in((base, base + 64), true, Domain::ANY).unwrap();
        assert!(acquire_in((base, base + 8), false, MAIN).is_err());
        drop(w);
        let r = acquire_in((base, base + 8), false, MAIN).unwrap();
        assert!(in_main(&r));
    }

    /// Four threads, the first `main_threads` of them of `Domain::main_gil`, race read and
    /// write borrows of `range`; whatever the interleaving, a writer never coexists with
    /// another borrow of it.
    fn race(range: (usize, usize), main_threads: usize) {
        static READERS: AtomicUsize = AtomicUsize::new(0);
        static WRITER: AtomicBool = AtomicBool::new(false);
        let (wrote, read) = (AtomicUsize::new(0), AtomicUsize::new(0));
        std::thread::scope(|s| {
            for t in 0..4 {
                let (wrote, read) = (&wrote, &read);
                let domain = if t < main_threads { MAIN } else { Domain::ANY };
                s.spawn(move || {
                    for i in 0..20_000 {
                        if (i + t) % 5 == 0 {
                            if let Ok(b) = acquire_in(range, true, domain) {
                                assert!(
                                    !WRITER.swap(true, Ordering::SeqCst),
                                    "two writers at once"
                                );
                                // Held a while, so that a wrongly admitted reader is seen.
                                for _ in 0..20 {
                                    assert_eq!(
                                        READERS.load(Ordering::SeqCst),
                                        0,
                                        "a writer beside a reader"
                                    );
                                    std::hint::spin_loop();
                                }
                                WRITER.store(false, Ordering::SeqCst);
                                drop(b);
                                wrote.fetch_add(1, Ordering::Relaxed);
                            }
                        } else if let Ok(b) = acquire_in(range, false, domain) {
                            READERS.fetch_add(1, Ordering::SeqCst);
                            assert!(!WRITER.load(Ordering::SeqCst), "a reader beside a writer");
                            // Held a while too, released without the lock (as a view may be).
                            for _ in 0..20 {
                                assert!(!WRITER.load(Ordering::SeqCst), "a reader beside a writer");
                                std::hint::spin_loop();
                            }
                            READERS.fetch_sub(1, Ordering::SeqCst);
                            drop(b);
                            read.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                });
            }
        });
        assert!(wrote.into_inner() > 0 && read.into_inner() > 0);
        assert!(
            !acquire_in(range, true, Domain::ANY).unwrap().is_none(),
            "every borrow was released"
        );
    }

    #[test]
    fn decided_domains_are_remembered_by_key() {
        // Keys of a runtime no test starts (generation 7), made by hand: plain counting is
        // bit 31, the index the low bits.
        let plain = 1 << 31;
        let sub = InterpKey::from_bits((7 << 32) | plain | 1);
        assert!(!Domain::of_key_slow(sub).main_gil);
        assert_eq!(ANY_KEY.load(Ordering::Relaxed), sub.to_bits());
        // A free-threaded build's main interpreter counts through calls: never of the domain.
        let free_threaded = InterpKey::from_bits(7 << 32);
        assert!(!Domain::of_key_slow(free_threaded).main_gil);
        assert_eq!(ANY_KEY.load(Ordering::Relaxed), free_threaded.to_bits());
        // A GIL build's main interpreter is of it once the barrier is registered, and is
        // remembered as such, never as `ANY`.
        assert_eq!(process::register(), cfg!(target_os = "linux"));
        let main = InterpKey::from_bits((7 << 32) | plain);
        assert_eq!(
            Domain::of_key_slow(main).main_gil,
            cfg!(target_os = "linux")
        );
        assert_eq!(
            MAIN_GIL_KEY.load(Ordering::Relaxed) == main.to_bits(),
            cfg!(target_os = "linux")
        );
        assert_ne!(ANY_KEY.load(Ordering::Relaxed), main.to_bits());
    }

    #[test]
    fn concurrent_readers_and_writers_never_alias() {
        let _alone = tables_alone();
        assert_eq!(process::register(), cfg!(target_os = "linux"));
        race((0x30_0000, 0x30_0100), 0);
        race((0x30_0000, 0x30_0100), 2);
    }
}
