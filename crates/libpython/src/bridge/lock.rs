//! The lock of a bridged Rust container: a read-write lock that never blocks a thread holding
//! the GIL, and that reports re-entry instead of waiting for itself.

use std::cell::RefCell;
use std::ops::{Deref, DerefMut};
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard, TryLockError};
use std::time::Duration;

use libpython_interp as interp;

use crate::err::{Error, Result};

thread_local! {
    /// The [`BridgeLock`]s this thread holds (their addresses), in either mode.
    static HELD: RefCell<Vec<usize>> = const { RefCell::new(Vec::new()) };
}

/// The lock around a Rust container shared with Python ([`MapBridge`](crate::MapBridge),
/// [`VecBridge`](crate::VecBridge)): a read-write lock that both Rust and Python code take.
///
/// Two rules keep it from hanging:
/// - **Re-entry is an error, never a wait.** A thread that holds the lock (in either mode) and
///   asks for it again gets [`Error::Busy`] (in Python, `RuntimeError`). That happens when
///   Python code runs while the lock is held and uses the container: a key's `__hash__` or
///   `__eq__` called by the map's lookup, or Rust code that calls Python while it holds a
///   guard.
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
}

/// Shared access to a [`BridgeLock`]'s value; the lock is released when it is dropped.
#[derive(Debug)]
pub struct BridgeReadGuard<'a, T> {
    guard: RwLockReadGuard<'a, T>,
    _held: Held,
}

/// Exclusive access to a [`BridgeLock`]'s value; the lock is released when it is dropped.
#[derive(Debug)]
pub struct BridgeWriteGuard<'a, T> {
    guard: RwLockWriteGuard<'a, T>,
    _held: Held,
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
        BridgeLock { inner: RwLock::new(value) }
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
        if HELD.with(|h| h.borrow().contains(&addr)) { Err(Error::Busy { what }) } else { Ok(()) }
    }

    /// Shared access, waiting while another thread writes (with the GIL released if this
    /// thread holds one). A poisoned lock is read as it is.
    ///
    /// # Errors
    /// [`Error::Busy`] if this thread already holds the lock.
    pub fn read(&self) -> Result<BridgeReadGuard<'_, T>> {
        self.check_not_held("container")?;
        let guard = wait(|| match self.inner.try_read() {
            Ok(g) => Some(g),
            Err(TryLockError::Poisoned(p)) => Some(p.into_inner()),
            Err(TryLockError::WouldBlock) => None,
        })
        .unwrap_or_else(|| self.inner.read().unwrap_or_else(|e| e.into_inner()));
        Ok(BridgeReadGuard { guard, _held: Held::new(self.addr()) })
    }

    /// Exclusive access, waiting while another thread reads or writes (with the GIL released
    /// if this thread holds one). A poisoned lock is taken as it is.
    ///
    /// # Errors
    /// [`Error::Busy`] if this thread already holds the lock.
    pub fn write(&self) -> Result<BridgeWriteGuard<'_, T>> {
        self.check_not_held("container")?;
        let guard = wait(|| match self.inner.try_write() {
            Ok(g) => Some(g),
            Err(TryLockError::Poisoned(p)) => Some(p.into_inner()),
            Err(TryLockError::WouldBlock) => None,
        })
        .unwrap_or_else(|| self.inner.write().unwrap_or_else(|e| e.into_inner()));
        Ok(BridgeWriteGuard { guard, _held: Held::new(self.addr()) })
    }

    /// Shared access if it can be had at once (`None` while a writer holds the lock, or
    /// this thread holds it already): for code that must not wait, such as Python's cycle
    /// collector.
    pub fn try_read(&self) -> Option<BridgeReadGuard<'_, T>> {
        self.check_not_held("container").ok()?;
        let guard = match self.inner.try_read() {
            Ok(g) => g,
            Err(TryLockError::Poisoned(p)) => p.into_inner(),
            Err(TryLockError::WouldBlock) => return None,
        };
        Some(BridgeReadGuard { guard, _held: Held::new(self.addr()) })
    }

    /// Exclusive access if it can be had at once (see [`try_read`](Self::try_read)).
    pub fn try_write(&self) -> Option<BridgeWriteGuard<'_, T>> {
        self.check_not_held("container").ok()?;
        let guard = match self.inner.try_write() {
            Ok(g) => g,
            Err(TryLockError::Poisoned(p)) => p.into_inner(),
            Err(TryLockError::WouldBlock) => return None,
        };
        Some(BridgeWriteGuard { guard, _held: Held::new(self.addr()) })
    }
}

/// Takes a lock through `attempt` (which tries once) when this thread holds a GIL: while
/// another thread holds the lock, the GIL is released for short pauses and the attempt
/// repeated, so no thread ever blocks inside the lock while holding the GIL (the holder may
/// need it to finish). `None` when this thread holds no GIL: the caller then blocks as usual.
fn wait<G>(mut attempt: impl FnMut() -> Option<G>) -> Option<G> {
    if let Some(g) = attempt() {
        return Some(g);
    }
    if interp::gil::depth() == 0 {
        return None;
    }
    let mut pause = Duration::from_micros(20);
    loop {
        interp::allow_threads(move || std::thread::sleep(pause));
        if let Some(g) = attempt() {
            return Some(g);
        }
        pause = (pause * 2).min(Duration::from_millis(2));
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
