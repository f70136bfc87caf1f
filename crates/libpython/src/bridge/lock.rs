//! The lock of a bridged Rust container: a read-write lock that never blocks a thread holding
//! the GIL, and that reports re-entry instead of waiting for itself.

use std::cell::RefCell;
use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard, TryLockError};
use std::time::Duration;

use libpython_interp as interp;

use crate::err::{Error, ErrorKind, Result};

thread_local! {
    /// The [`BridgeLock`]s this thread holds (their addresses), in either mode.
    static HELD: RefCell<Vec<usize>> = const { RefCell::new(Vec::new()) };
}

/// The lock around a Rust container shared with Python ([`MapBridge`](crate::MapBridge),
/// [`VecBridge`](crate::VecBridge)): a read-write lock that both Rust and Python code take.
///
/// Three rules keep it from hanging:
/// - **Re-entry is an error, never a wait.** A thread that holds the lock (in either mode) and
///   asks for it again gets [`ErrorKind::Busy`] (in Python, `RuntimeError`). That happens when
///   Python code runs while the lock is held and uses the container: a key's `__hash__` or
///   `__eq__` called by the map's lookup, or Rust code that calls Python while it holds a
///   guard.
/// - **No thread waits for a holder that runs Python code.** The bridges run Python code under
///   the lock only where they cannot avoid it (looking up a key that is a Python object runs
///   its `__hash__` and `__eq__`), and mark the lock while they do: that code may be waiting
///   for the very thread that asks, so the ask is [`ErrorKind::Busy`] instead of a wait. (Items
///   they replace or remove are dropped after the lock is released, since a `__del__` is
///   Python code too.) The guards [`read`](Self::read) and [`write`](Self::write) give Rust
///   code are marked the same way when the container holds Python objects ([`Object`],
///   [`Value`]): using it runs Python code.
///
/// [`Object`]: crate::Object
/// [`Value`]: crate::Value
/// - **No thread waits for it while holding the GIL.** A thread that holds the GIL and finds
///   the lock taken by another thread releases the GIL while it waits, so the holder can run
///   Python and finish.
///
/// ```
/// use std::collections::HashMap;
/// let m = libpython::MapBridge::new(HashMap::from([("a".to_string(), 1i64)]));
/// let py_m = libpython::bridge(m.clone())?;
/// let g = libpython::Dict::from_pairs([("m", &py_m)])?;
/// {
///     let held = m.map().read()?;
///     assert_eq!(held["a"], 1);
///     // Python code that uses the map while this thread holds its lock gets RuntimeError.
///     let e = libpython::exec("m['b'] = 2", &g).unwrap_err();
///     assert_eq!(e.as_python().unwrap().type_name(), "RuntimeError");
/// }
/// libpython::exec("m['b'] = 2", &g)?;
/// assert_eq!(m.map().read()?["b"], 2);
/// # Ok::<(), libpython::Error>(())
/// ```
#[derive(Debug, Default)]
pub struct BridgeLock<T> {
    inner: RwLock<T>,
    /// Holders that run Python code under the lock (see [`RunsPython`]).
    running_python: AtomicUsize,
}

/// Shared access to a [`BridgeLock`]'s value; the lock is released when it is dropped.
#[derive(Debug)]
pub struct BridgeReadGuard<'a, T> {
    // Fields drop in order: the mark goes before the lock is released, so a thread that
    // finds the lock taken and no mark knows the holder runs no Python code.
    _python: Option<RunsPython<'a>>,
    guard: RwLockReadGuard<'a, T>,
    _held: Held,
}

/// Exclusive access to a [`BridgeLock`]'s value; the lock is released when it is dropped.
#[derive(Debug)]
pub struct BridgeWriteGuard<'a, T> {
    _python: Option<RunsPython<'a>>,
    guard: RwLockWriteGuard<'a, T>,
    _held: Held,
}

/// A holder's mark that it may run Python code under the lock: while one is set, a thread
/// that finds the lock taken gets [`ErrorKind::Busy`] instead of waiting.
#[derive(Debug)]
struct RunsPython<'a>(&'a AtomicUsize);

impl<'a> RunsPython<'a> {
    fn set(count: &'a AtomicUsize) -> RunsPython<'a> {
        count.fetch_add(1, Ordering::AcqRel);
        RunsPython(count)
    }
}

impl Drop for RunsPython<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// This thread's record of holding one lock, removed on drop (guards are not `Send`, so the
/// drop happens on the thread that took the lock).
#[derive(Debug)]
struct Held(usize);

impl Held {
    fn new(addr: usize) -> Held {
        HELD.with(|h| h.borrow_mut().push(addr));
        Held(addr)
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        HELD.with(|h| {
            let mut h = h.borrow_mut();
            if let Some(i) = h.iter().rposition(|a| *a == self.0) {
                h.swap_remove(i);
            }
        });
    }
}

impl<T> BridgeLock<T> {
    /// A lock around `value`.
    pub fn new(value: T) -> Self {
        BridgeLock {
            inner: RwLock::new(value),
            running_python: AtomicUsize::new(0),
        }
    }

    /// The value, out of the lock.
    pub fn into_inner(self) -> T {
        self.inner.into_inner().unwrap_or_else(|e| e.into_inner())
    }

    fn addr(&self) -> usize {
        self as *const Self as usize
    }

    fn check_not_held(&self, what: &'static str) -> Result<()> {
        let addr = self.addr();
        if HELD.with(|h| h.borrow().contains(&addr)) {
            Err(Error::from(ErrorKind::Busy {
                what,
                other_thread: false,
            }))
        } else {
            Ok(())
        }
    }

    /// Shared access, waiting while another thread writes (with the GIL released if this
    /// thread holds one). A poisoned lock is read as it is. The guard counts as running
    /// Python code while it lives: its holder may run any (and wait there for another
    /// thread), so a thread that finds the lock taken by it does not wait.
    ///
    /// # Errors
    /// [`ErrorKind::Busy`] if this thread already holds the lock, or another thread holds it
    /// through a guard of this method or [`write`](Self::write), or while it runs Python code.
    pub fn read(&self) -> Result<BridgeReadGuard<'_, T>> {
        self.read_as("container", true)
    }

    /// Exclusive access, waiting while another thread reads or writes (with the GIL released
    /// if this thread holds one). A poisoned lock is taken as it is.
    ///
    /// # Errors
    /// As [`read`](Self::read).
    pub fn write(&self) -> Result<BridgeWriteGuard<'_, T>> {
        self.write_as("container", true)
    }

    /// [`read`](Self::read), with errors naming `what`, and the lock marked while the guard
    /// lives if the holder may run Python code under it (`runs_python`).
    pub(crate) fn read_as(
        &self,
        what: &'static str,
        runs_python: bool,
    ) -> Result<BridgeReadGuard<'_, T>> {
        self.check_not_held(what)?;
        let guard = self.wait(what, || match self.inner.try_read() {
            Ok(g) => Some(g),
            Err(TryLockError::Poisoned(p)) => Some(p.into_inner()),
            Err(TryLockError::WouldBlock) => None,
        })?;
        let python = runs_python.then(|| RunsPython::set(&self.running_python));
        Ok(BridgeReadGuard {
            _python: python,
            guard,
            _held: Held::new(self.addr()),
        })
    }

    /// [`write`](Self::write), as [`read_as`](Self::read_as).
    pub(crate) fn write_as(
        &self,
        what: &'static str,
        runs_python: bool,
    ) -> Result<BridgeWriteGuard<'_, T>> {
        self.check_not_held(what)?;
        let guard = self.wait(what, || match self.inner.try_write() {
            Ok(g) => Some(g),
            Err(TryLockError::Poisoned(p)) => Some(p.into_inner()),
            Err(TryLockError::WouldBlock) => None,
        })?;
        let python = runs_python.then(|| RunsPython::set(&self.running_python));
        Ok(BridgeWriteGuard {
            _python: python,
            guard,
            _held: Held::new(self.addr()),
        })
    }

    /// Takes the lock through `attempt` (which tries once): while another thread holds it,
    /// this one pauses (with the GIL released if it holds one, so the holder can run Python
    /// and finish) and tries again, unless the holder runs Python code, which may be waiting
    /// for this thread: then [`ErrorKind::Busy`].
    fn wait<G>(&self, what: &'static str, mut attempt: impl FnMut() -> Option<G>) -> Result<G> {
        let mut pause = Duration::from_micros(20);
        loop {
            if let Some(g) = attempt() {
                return Ok(g);
            }
            if self.running_python.load(Ordering::Acquire) > 0 {
                return Err(Error::from(ErrorKind::Busy {
                    what,
                    other_thread: true,
                }));
            }
            // In a collector traversal the GIL cannot be released, and the holder may be
            // waiting for it: no wait.
            interp::gil::refuse_in_collector()?;
            if interp::gil::depth() > 0 {
                interp::allow_threads(move || std::thread::sleep(pause));
            } else {
                std::thread::sleep(pause);
            }
            pause = (pause * 2).min(Duration::from_millis(2));
        }
    }

    /// Shared access if it can be had at once (`None` while a writer holds the lock, or
    /// this thread holds it already). Like [`read`](Self::read)'s, the guard counts as running
    /// Python code while it lives.
    pub fn try_read(&self) -> Option<BridgeReadGuard<'_, T>> {
        self.try_read_as(true)
    }

    /// Exclusive access if it can be had at once (see [`try_read`](Self::try_read)).
    pub fn try_write(&self) -> Option<BridgeWriteGuard<'_, T>> {
        self.try_write_as(true)
    }

    /// [`try_read`](Self::try_read), the guard marked as running Python code only if
    /// `runs_python` (the bridges' own code that runs none, such as the cycle collector's
    /// visit, which must not wait).
    pub(crate) fn try_read_as(&self, runs_python: bool) -> Option<BridgeReadGuard<'_, T>> {
        self.check_not_held("container").ok()?;
        let guard = match self.inner.try_read() {
            Ok(g) => g,
            Err(TryLockError::Poisoned(p)) => p.into_inner(),
            Err(TryLockError::WouldBlock) => return None,
        };
        Some(BridgeReadGuard {
            _python: runs_python.then(|| RunsPython::set(&self.running_python)),
            guard,
            _held: Held::new(self.addr()),
        })
    }

    /// [`try_write`](Self::try_write), marked as [`try_read_as`](Self::try_read_as) says.
    pub(crate) fn try_write_as(&self, runs_python: bool) -> Option<BridgeWriteGuard<'_, T>> {
        self.check_not_held("container").ok()?;
        let guard = match self.inner.try_write() {
            Ok(g) => g,
            Err(TryLockError::Poisoned(p)) => p.into_inner(),
            Err(TryLockError::WouldBlock) => return None,
        };
        Some(BridgeWriteGuard {
            _python: runs_python.then(|| RunsPython::set(&self.running_python)),
            guard,
            _held: Held::new(self.addr()),
        })
    }
}

impl<T> Deref for BridgeReadGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.guard
    }
}

impl<T> Deref for BridgeWriteGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.guard
    }
}

impl<T> DerefMut for BridgeWriteGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.guard
    }
}
