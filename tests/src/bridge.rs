//! Pieces of the tests' own [`Bridge`](libpython::Bridge) types.

use std::sync::Mutex;

use libpython::{Bound, Object, Python};

/// One Python object a bridge holds and reports to the cycle collector, so that a bridge can
/// be part of a reference cycle: [`set`](Self::set) is what its `set_attr` does,
/// [`traverse`](Self::traverse) and [`clear`](Self::clear) are its `Bridge::traverse` and
/// `Bridge::clear`.
#[derive(Debug, Default)]
pub struct HeldObject(Mutex<Option<Object>>);

impl HeldObject {
    /// Holds `value` (nothing for `None`, an attribute deleted). The object held before is
    /// released after the lock, since its release may run Python code that uses this bridge.
    pub fn set(&self, value: Option<&Bound<'_>>) {
        let old = std::mem::replace(
            &mut *self.0.lock().unwrap(),
            value.map(|v| v.clone().unbind()),
        );
        drop(old);
    }

    /// The object held, or `None`.
    pub fn get(&self, py: Python<'_>) -> Object {
        self.0
            .lock()
            .unwrap()
            .as_ref()
            .map_or_else(|| py.none().unbind(), |o| o.clone_ref(py))
    }

    /// Reports the object held to the collector. The lock is only tried: when it is busy the
    /// object is not reported, and so only kept alive.
    pub fn traverse(&self, visit: &mut dyn FnMut(&Object)) {
        if let Ok(g) = self.0.try_lock()
            && let Some(o) = &*g
        {
            visit(o);
        }
    }

    /// Releases the object held (the collector breaking a cycle), after the lock.
    pub fn clear(&self) {
        let old = self.0.lock().unwrap().take();
        drop(old);
    }
}
