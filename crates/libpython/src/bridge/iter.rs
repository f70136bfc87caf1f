//! Rust iterators seen from Python as lazy iterators ([`IterBridge`]).

use std::sync::{Arc, Mutex};

use super::{Bridge, BridgeKind};
use crate::conversion::ToPython;
use crate::err::{Error, Result};
use crate::gil::Python;
use crate::object::Object;

/// One step of the erased iterator: the next item converted to Python, `None` at the end.
type Step = Box<dyn FnMut(Python<'_>) -> Option<Result<Object>> + Send>;

/// A Rust iterator handed to Python as a lazy Python iterator: `iter(it) is it`, each
/// `next(it)` runs the Rust iterator's `next` and converts that one item, and the end is
/// `StopIteration`. Nothing is computed before Python asks, so an endless iterator is fine.
///
/// Convert it with [`ToPython`] (pass it as an argument, or call
/// [`to_python`](crate::to_python)): the Python iterator takes the Rust iterator over. The
/// Rust iterator is dropped as soon as it is exhausted, or when Python drops the Python
/// iterator (its last reference, or the cycle collector), whichever comes first. Converting
/// the same `IterBridge` again gives the same Python iterator while that one lives, and an
/// exhausted one after it died.
///
/// The iterator runs with the GIL held (release it inside with
/// [`detach`](crate::detach) for long Rust work). It must be `Send + 'static`: Python may
/// advance it from any of its threads, at any later time. A `next` that uses the same Python
/// iterator again (a Rust iterator whose `next` calls Python code that calls `next(it)`), or
/// two threads advancing it at once, get `RuntimeError`, as two uses of one Python generator
/// get `ValueError`: no thread waits for the iterator, and no lock is held while it runs.
///
/// ```
/// use libpython::IterBridge;
/// let squares = IterBridge::new((1..).map(|i: i64| i * i)); // endless: Python takes what it needs
/// let islice = libpython::import("itertools")?.getattr("islice")?;
/// let first: Vec<i64> = libpython::builtin("list")?.call((islice.call((squares, 4))?,))?.extract()?;
/// assert_eq!(first, [1, 4, 9, 16]);
///
/// // Python consumes it lazily, item by item.
/// let words = IterBridge::new(vec!["a", "b", "c"].into_iter().map(str::to_uppercase));
/// let joined: String = libpython::eval("'-'.join")?.call((words,))?.extract()?;
/// assert_eq!(joined, "A-B-C");
/// # Ok::<(), libpython::Error>(())
/// ```
#[derive(Clone)]
pub struct IterBridge {
    state: Arc<IterState>,
}

impl std::fmt::Debug for IterBridge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.state.repr())
    }
}

/// Where the Rust iterator is: ready for the next step, inside a step (taken out of the
/// slot, so no lock is held while it runs), or gone.
enum Slot {
    Ready(Step),
    Running,
    Done,
}

/// The Rust side of one Python iterator.
struct IterState {
    slot: Mutex<Slot>,
}

impl IterBridge {
    /// Wraps a Rust iterator (anything `IntoIterator`) whose items convert to Python.
    ///
    /// ```
    /// let pairs = libpython::IterBridge::new(vec![("a", 1), ("b", 2)]);
    /// let d = libpython::builtin("dict")?.call((pairs,))?;
    /// assert_eq!(d.repr()?, "{'a': 1, 'b': 2}");
    /// # Ok::<(), libpython::Error>(())
    /// ```
    pub fn new<I>(iter: I) -> IterBridge
    where
        I: IntoIterator,
        I::IntoIter: Send + 'static,
        I::Item: ToPython,
    {
        let mut it = iter.into_iter();
        IterBridge::from_step(Box::new(move |py: Python<'_>| {
            it.next()
                .map(|item| crate::conversion::to_object(&item, py))
        }))
    }

    /// Wraps a Rust iterator of `Result`s: an `Err` item raises its error in Python's `next`
    /// (a Python exception as itself, other errors as [`Error`]'s usual exception). The
    /// iterator stays usable after an error: the next `next` asks it for the following item.
    ///
    /// ```
    /// use libpython::{Error, IterBridge};
    /// let lines = IterBridge::fallible(["1", "2", "x"].into_iter().map(|s| {
    ///     s.parse::<i64>().map_err(|e| Error::conversion(format!("{s:?}: {e}")))
    /// }));
    /// let e = libpython::builtin("list")?.call((lines,)).unwrap_err();
    /// assert_eq!(e.as_python().unwrap().type_name(), "ValueError");
    /// assert!(e.to_string().contains("\"x\": invalid digit"), "{e}");
    /// # Ok::<(), libpython::Error>(())
    /// ```
    pub fn fallible<I, T>(iter: I) -> IterBridge
    where
        I: IntoIterator<Item = Result<T>>,
        I::IntoIter: Send + 'static,
        T: ToPython,
    {
        let mut it = iter.into_iter();
        IterBridge::from_step(Box::new(move |py: Python<'_>| {
            it.next()
                .map(|item| item.and_then(|v| crate::conversion::to_object(&v, py)))
        }))
    }

    fn from_step(step: Step) -> IterBridge {
        IterBridge {
            state: Arc::new(IterState {
                slot: Mutex::new(Slot::Ready(step)),
            }),
        }
    }
}

/// The Python iterator of this Rust iterator (see [`IterBridge`]).
impl ToPython for IterBridge {
    fn to_python(&self, py: Python<'_>) -> Result<Object> {
        super::bridge_in(py, self.state.clone())
    }
}

impl IterState {
    fn lock(&self) -> std::sync::MutexGuard<'_, Slot> {
        // The lock is only held to move the iterator in or out (no user code runs under it),
        // so a poisoned lock holds a consistent slot.
        self.slot.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Puts the iterator back after a step that returned, or marks it gone if the step ended it
/// or unwound (a panic), as a Python generator is finished after raising.
struct StepGuard<'a> {
    state: &'a IterState,
    step: Option<Step>,
    returned: bool,
}

impl Drop for StepGuard<'_> {
    fn drop(&mut self) {
        let step = self.step.take();
        match step {
            Some(step) if self.returned => *self.state.lock() = Slot::Ready(step),
            gone => {
                *self.state.lock() = Slot::Done;
                // Dropped after the lock is released.
                drop(gone);
            }
        }
    }
}

impl Bridge for IterState {
    fn kind(&self) -> BridgeKind {
        BridgeKind::Iterator
    }

    // Its attributes are its methods (or none): Python finds them on the type.
    fn dynamic_attrs(&self) -> bool {
        false
    }

    fn iter_next(&self, py: Python<'_>) -> Result<Option<Object>> {
        let step = {
            let mut slot = self.lock();
            match std::mem::replace(&mut *slot, Slot::Running) {
                Slot::Ready(step) => step,
                Slot::Running => return Err(already_running(py)),
                Slot::Done => {
                    *slot = Slot::Done;
                    return Ok(None);
                }
            }
        };
        // No lock is held while the Rust iterator runs: it may run Python code, which may
        // use this iterator again (and finds it running) or let another thread do so.
        let mut guard = StepGuard {
            state: self,
            step: Some(step),
            returned: false,
        };
        let next = guard.step.as_mut().and_then(|step| step(py));
        if next.is_some() {
            guard.returned = true;
        }
        // An exhausted iterator is dropped here, with the guard, outside the lock.
        drop(guard);
        next.transpose()
    }

    fn repr(&self) -> String {
        match &*self.lock() {
            Slot::Ready(_) => "<Rust iterator>".to_owned(),
            Slot::Running => "<Rust iterator (running)>".to_owned(),
            Slot::Done => "<Rust iterator (exhausted)>".to_owned(),
        }
    }

    fn type_name(&self) -> &str {
        "RustIterator"
    }

    fn on_python_drop(&self) {
        // Python is done with it: the Rust iterator goes now, even if an `IterBridge` still
        // shares this state (dropped outside the lock).
        let taken = std::mem::replace(&mut *self.lock(), Slot::Done);
        drop(taken);
    }
}

/// The `RuntimeError` of a Rust iterator used again while its `next` runs.
fn already_running(py: Python<'_>) -> Error {
    crate::err::runtime_error(
        py,
        "the Rust iterator is already running: its next() used it again, or another thread is advancing it",
    )
}
