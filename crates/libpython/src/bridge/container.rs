//! What the map and vector bridges share: the Rust container behind its [`BridgeLock`],
//! writable from Python or not, described by its [`Flavor`] (its names, the ABC it registers
//! as, its methods); the bridges' constructors, accessor and `Debug` ([`container_bridge!`]).

use super::BridgeKind;
use super::lock::{BridgeLock, BridgeReadGuard, BridgeWriteGuard};
use crate::conversion::ToPython;
use crate::err::{Error, ErrorKind, Result};
use crate::gil::Python;
use crate::object::{Bound, Object};

/// What one kind of container bridge is called and offers to Python.
pub(super) struct Flavor {
    /// What messages call the container (`map`, `vector`).
    pub(super) what: &'static str,
    /// The name Python shows for the type (`RustMap`).
    pub(super) type_name: &'static str,
    /// What Python expects where it writes (`a writable mapping`), for the `TypeError` of a
    /// write to a read-only container.
    pub(super) writable: &'static str,
    /// The kind of a read-only container, and of a writable one.
    pub(super) kinds: [BridgeKind; 2],
    /// The methods Python sees on a read-only container, and on a writable one.
    pub(super) methods: [&'static [&'static str]; 2],
}

/// A Rust container shared with Python ([`MapBridge`](super::MapBridge),
/// [`VecBridge`](super::VecBridge)).
pub(super) struct Container<T> {
    lock: BridgeLock<T>,
    read_only: bool,
    flavor: &'static Flavor,
}

impl<T> Container<T> {
    /// `value` under a lock.
    pub(super) fn new(value: T, flavor: &'static Flavor, read_only: bool) -> Self {
        Container {
            lock: BridgeLock::new(value),
            read_only,
            flavor,
        }
    }

    /// The container's lock.
    pub(super) fn lock(&self) -> &BridgeLock<T> {
        &self.lock
    }

    /// The container, read (`runs_python`: Python code runs under the guard, so others are
    /// refused rather than made to wait).
    pub(super) fn read(&self, runs_python: bool) -> Result<BridgeReadGuard<'_, T>> {
        self.lock.read_as(self.flavor.what, runs_python)
    }

    /// The container, written (`runs_python` as for [`read`](Self::read)).
    pub(super) fn write(&self, runs_python: bool) -> Result<BridgeWriteGuard<'_, T>> {
        self.lock.write_as(self.flavor.what, runs_python)
    }

    /// [`Bridge::kind`](super::Bridge::kind): the flavor's, read-only or writable.
    pub(super) fn kind(&self) -> BridgeKind {
        self.flavor.kinds[usize::from(!self.read_only)]
    }

    /// [`Bridge::methods`](super::Bridge::methods): the flavor's, read-only or writable.
    pub(super) fn methods(&self) -> &'static [&'static str] {
        self.flavor.methods[usize::from(!self.read_only)]
    }

    /// [`Bridge::type_name`](super::Bridge::type_name).
    pub(super) fn type_name(&self) -> &'static str {
        self.flavor.type_name
    }

    /// The error of a method name that is none of the container's.
    pub(super) fn no_method(&self, name: &str) -> Error {
        Error::from(ErrorKind::NoAttribute {
            type_name: self.flavor.type_name.into(),
            name: name.into(),
        })
    }

    /// Refuses a write from Python to a read-only container (a `TypeError`).
    pub(super) fn writable(&self) -> Result<()> {
        if self.read_only {
            Err(Error::type_error(
                self.flavor.writable,
                format!("read-only Rust {}", self.flavor.what),
            ))
        } else {
            Ok(())
        }
    }

    /// `<Rust {what} {size}>` (`size` says how large the container is), or `<Rust {what}
    /// (locked)>` while it is locked for writing.
    pub(super) fn repr(&self, size: impl FnOnce(&T) -> String) -> String {
        let what = self.flavor.what;
        match self.lock.try_read_as(false) {
            Some(v) => format!("<Rust {what} {}>", size(&v)),
            None => format!("<Rust {what} (locked)>"),
        }
    }

    /// Empties the container with `take` for the cycle collector, unless it is locked. What
    /// it held is dropped after the lock is released: dropping it can run Python code (a
    /// `__del__`) that uses the container again.
    pub(super) fn clear_for_collector(&self, take: impl FnOnce(&mut T) -> Option<T>) {
        let taken = self.lock.try_write_as(false).and_then(|mut v| take(&mut v));
        drop(taken);
    }
}

/// A Python iterator over `copies` (items or keys copied out of a container), as a list's.
pub(super) fn iter_copies<C: ToPython + ?Sized>(py: Python<'_>, copies: &C) -> Result<Object> {
    crate::conversion::to_object(copies, py)?
        .bound(py)
        .get_iter()
        .map(Bound::unbind)
}

/// The constructors, the accessor and `Debug` of a container bridge: `$bridge<$t>` keeps its
/// `$t` in a [`Container`] field `$field` of flavor `$flavor`, whose guards may run Python
/// code when `$holds` (see [`Container::new`]).
macro_rules! container_bridge {
    ($bridge:ident<$t:ident: $like:ident>, $field:ident, $flavor:expr) => {
        impl<$t: $like> std::fmt::Debug for $bridge<$t> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&<Self as super::Bridge>::repr(self))
            }
        }

        impl<$t: $like> $bridge<$t> {
            #[doc = concat!("A writable bridge over `", stringify!($field), "`.")]
            pub fn new($field: $t) -> std::sync::Arc<Self> {
                Self::with_access($field, false)
            }

            #[doc = concat!(
                        "A bridge over `", stringify!($field), "` that refuses writes from Python ",
                        "(for persistent `imbl` values)."
                    )]
            pub fn read_only($field: $t) -> std::sync::Arc<Self> {
                Self::with_access($field, true)
            }

            #[doc = concat!("The shared ", stringify!($field), ".")]
            pub fn $field(&self) -> &super::BridgeLock<$t> {
                self.$field.lock()
            }

            fn with_access($field: $t, read_only: bool) -> std::sync::Arc<Self> {
                let $field = super::container::Container::new($field, $flavor, read_only);
                std::sync::Arc::new($bridge { $field })
            }
        }
    };
}
pub(super) use container_bridge;
