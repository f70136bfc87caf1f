//! Dropping deep values without recursion.

use std::cell::{Cell, RefCell};
use std::sync::Arc;

use imbl::{OrdMap, OrdSet, Vector};

use super::Value;

/// How many nested container drops run recursively before deeper ones are deferred.
const DROP_RECURSION: usize = 64;

struct DropState {
    depth: Cell<usize>,
    deferred: RefCell<Vec<Value>>,
}

thread_local! {
    static DROPS: DropState = const { DropState { depth: Cell::new(0), deferred: RefCell::new(Vec::new()) } };
}

/// The contents of a container, taken out so they drop without re-entering [`Value::drop`]
/// for the container itself.
#[allow(dead_code)] // The fields are only ever dropped.
enum Contents {
    Seq(Vector<Value>),
    Map(OrdMap<Value, Value>),
    Set(OrdSet<Value>),
}

/// Dropping is iterative in effect: a container drops its elements recursively (through the
/// imbl nodes) only up to 64 levels on the current thread; deeper values are moved to a
/// thread-local list that the outermost drop empties in a loop. Shared containers (other
/// clones alive) cost nothing: only their reference count is decremented.
impl Drop for Value {
    fn drop(&mut self) {
        // Only the last owner of a non-empty container has elements to free: dropping any
        // other value (a scalar, or a container shared with clones) frees nothing nested.
        let owns_elements = match self {
            Value::List(v) | Value::Tuple(v) => Arc::get_mut(v).is_some_and(|v| !v.is_empty()),
            Value::Dict(m) => Arc::get_mut(m).is_some_and(|m| !m.is_empty()),
            Value::Set(s) | Value::FrozenSet(s) => Arc::get_mut(s).is_some_and(|s| !s.is_empty()),
            _ => false,
        };
        if !owns_elements {
            return;
        }
        // During thread-local destruction `try_with` fails and the value drops recursively.
        let _ = DROPS.try_with(|st| {
            let depth = st.depth.get();
            if depth >= DROP_RECURSION {
                if let Ok(mut deferred) = st.deferred.try_borrow_mut() {
                    deferred.push(std::mem::take(self));
                }
                return;
            }
            st.depth.set(depth + 1);
            let contents = match self {
                Value::List(v) | Value::Tuple(v) => {
                    Arc::get_mut(v).map(|v| Contents::Seq(std::mem::take(v)))
                }
                Value::Dict(m) => Arc::get_mut(m).map(|m| Contents::Map(std::mem::take(m))),
                Value::Set(s) | Value::FrozenSet(s) => {
                    Arc::get_mut(s).map(|s| Contents::Set(std::mem::take(s)))
                }
                _ => None,
            };
            drop(contents);
            if depth == 0 {
                // The outermost drop: free what deeper levels deferred, each again with
                // bounded recursion, until nothing is left.
                loop {
                    let next = st.deferred.try_borrow_mut().ok().and_then(|mut d| d.pop());
                    match next {
                        Some(v) => drop(v),
                        None => break,
                    }
                }
            }
            st.depth.set(depth);
        });
    }
}
