//! What the map and vector bridges share: the Rust container behind its [`BridgeLock`],
//! writable from Python or not, named in Python's messages.

use super::lock::{BridgeLock, BridgeReadGuard, BridgeWriteGuard};
use crate::err::{Error, Result};

/// A Rust container shared with Python ([`MapBridge`](super::MapBridge),
/// [`VecBridge`](super::VecBridge)).
pub(super) struct Container<T> {
    lock: BridgeLock<T>,
    read_only: bool,
    /// What messages call the container (`map`, `vector`).
    what: &'static str,
}

impl<T> Container<T> {
    /// `value` under a lock whose guards may run Python code when `holds_objects` (dropping
    /// an item may; see [`BridgeLock::for_container`]).
    pub(super) fn new(value: T, what: &'static str, holds_objects: bool, read_only: bool) -> Self {
        Container {
            lock: BridgeLock::for_container(value, holds_objects),
            read_only,
            what,
        }
    }

    /// The container's lock.
    pub(super) fn lock(&self) -> &BridgeLock<T> {
        &self.lock
    }

    /// The container, read (`runs_python`: Python code runs under the guard, so others are
    /// refused rather than made to wait).
    pub(super) fn read(&self, runs_python: bool) -> Result<BridgeReadGuard<'_, T>> {
        self.lock.read_as(self.what, runs_python)
    }

    /// The container, written (`runs_python` as for [`read`](Self::read)).
    pub(super) fn write(&self, runs_python: bool) -> Result<BridgeWriteGuard<'_, T>> {
        self.lock.write_as(self.what, runs_python)
    }

    /// `read_only` for a container Python may not write, else `writable`.
    pub(super) fn pick<X>(&self, read_only: X, writable: X) -> X {
        if self.read_only { read_only } else { writable }
    }

    /// Refuses a write from Python to a read-only container (a `TypeError` expecting
    /// `expected`).
    pub(super) fn writable(&self, expected: &str) -> Result<()> {
        if self.read_only {
            Err(Error::type_error(
                expected,
                format!("read-only Rust {}", self.what),
            ))
        } else {
            Ok(())
        }
    }

    /// `<Rust {what} {size}>` (`size` says how large the container is), or `<Rust {what}
    /// (locked)>` while it is locked for writing.
    pub(super) fn repr(&self, size: impl FnOnce(&T) -> String) -> String {
        match self.lock.try_read() {
            Some(v) => format!("<Rust {} {}>", self.what, size(&v)),
            None => format!("<Rust {} (locked)>", self.what),
        }
    }

    /// Empties the container with `take` for the cycle collector, unless it is locked. What
    /// it held is dropped after the lock is released: dropping it can run Python code (a
    /// `__del__`) that uses the container again.
    pub(super) fn clear_for_collector(&self, take: impl FnOnce(&mut T) -> Option<T>) {
        let taken = self.lock.try_write().and_then(|mut v| take(&mut v));
        drop(taken);
    }
}
