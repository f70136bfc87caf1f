//! [`Node`], the tests' bridge that can be part of a reference cycle.

use std::sync::Mutex;

use libpython::{Bound, Bridge, Error, ErrorKind, Object, Python, Visit};

/// A bridge holding one Python object, its attribute `held`, and reporting it to the cycle
/// collector, so that it can be part of a reference cycle; `H` adds what a test needs (data
/// dropped with the node, more attributes, hooks that misbehave).
#[derive(Debug, Default)]
pub struct Node<H: NodeHooks = ()> {
    held: Mutex<Option<Object>>,
    /// What the test added.
    pub hooks: H,
}

/// What a test adds to a [`Node`]; every method does nothing by default.
pub trait NodeHooks: Send + Sync + 'static {
    /// An attribute other than `held`; `None` when there is no such attribute.
    fn get_attr(&self, py: Python<'_>, name: &str) -> libpython::Result<Option<Object>> {
        let _ = (py, name);
        Ok(None)
    }

    /// Called by [`Bridge::clear`] after the node let go of its object.
    fn after_clear(&self) {}

    /// [`Bridge::on_python_drop`].
    fn on_python_drop(&self) {}
}

impl NodeHooks for () {}

impl<H: NodeHooks> Node<H> {
    /// A node holding nothing yet.
    pub fn new(hooks: H) -> Self {
        Node {
            held: Mutex::new(None),
            hooks,
        }
    }
}

impl<H: NodeHooks> Bridge for Node<H> {
    fn get_attr(&self, py: Python<'_>, name: &str) -> libpython::Result<Option<Object>> {
        if name != "held" {
            return self.hooks.get_attr(py, name);
        }
        let held = self.held.lock().unwrap();
        Ok(Some(
            held.as_ref()
                .map_or_else(|| py.none().unbind(), |o| o.clone_ref(py)),
        ))
    }

    fn set_attr(
        &self,
        _py: Python<'_>,
        name: &str,
        value: Option<&Bound<'_>>,
    ) -> libpython::Result<()> {
        if name != "held" {
            return Err(Error::from(ErrorKind::NoAttribute {
                type_name: "Node".into(),
                name: name.into(),
            }));
        }
        // The object held before is released after the lock: its release may run Python code
        // that uses this node.
        let old = std::mem::replace(
            &mut *self.held.lock().unwrap(),
            value.map(|v| v.clone().unbind()),
        );
        drop(old);
        Ok(())
    }

    fn type_name(&self) -> &str {
        "Node"
    }

    fn on_python_drop(&self) {
        self.hooks.on_python_drop();
    }

    /// The lock is only tried: when it is busy the object is not reported, and so only kept
    /// alive.
    fn traverse(&self, visit: &mut Visit<'_>) {
        if let Ok(g) = self.held.try_lock()
            && let Some(o) = &*g
        {
            // SAFETY: the handle is this node's own (its slot), shared with no other value,
            // reported once.
            unsafe { visit.call(o) };
        }
    }

    fn clear(&self) {
        let old = self.held.lock().unwrap().take();
        drop(old);
        self.hooks.after_clear();
    }
}
