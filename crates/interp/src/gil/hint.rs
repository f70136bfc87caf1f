//! [`DrainHint`]: where a call from Python into Rust data looks to see whether the data's
//! interpreter has references queued for release, found once when the data is made.

use std::sync::atomic::{AtomicUsize, Ordering};

use crate::key::InterpKey;
use crate::runtime::lookup;
use crate::state::InterpState;

/// The head word of one interpreter's queue of references dropped by threads without its GIL
/// (see [`drain_some_of`](super::drain_some_of)), kept beside Rust data that Python calls (a function's closure, a
/// bridged object), so that the check each call makes is one load through a pointer the data
/// already holds: no test of which interpreter it is, no lookup of its record.
///
/// ```no_run
/// use libpython_interp::{self as interp, gil};
/// interp::initialize(&interp::Config::default())?;
/// let key = interp::main_key().expect("Python runs");
/// let hint = gil::DrainHint::of(key);
/// let hold = gil::hold_main_for(key).expect("this thread holds no GIL");
/// // SAFETY: this thread holds `key`'s GIL, the interpreter the hint was made for.
/// if unsafe { hint.maybe_queued() } {
///     // SAFETY: as above; Python code may run here.
///     unsafe { gil::drain_some_of(key) };
/// }
/// drop(hold);
/// # Ok::<(), interp::Error>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct DrainHint {
    /// The queue's head word inside the interpreter's record, or [`ALWAYS_LOOK`].
    head: *const AtomicUsize,
}

// SAFETY: the pointer is only read, atomically, by a thread holding the GIL of the interpreter
// whose record it points into (see `maybe_queued`); the record is shared between threads anyway.
unsafe impl Send for DrainHint {}
// SAFETY: as above.
unsafe impl Sync for DrainHint {}

/// The word of a hint made for no live interpreter: never 0, so every check takes the careful
/// path, which looks the interpreter up.
static ALWAYS_LOOK: AtomicUsize = AtomicUsize::new(1);

impl DrainHint {
    /// The hint of interpreter `key`: its queue's head word when `key` names a live
    /// interpreter, else a word that sends every check to [`drain_some_of`](super::drain_some_of).
    pub fn of(key: InterpKey) -> DrainHint {
        lookup(key).map_or(
            DrainHint {
                head: &raw const ALWAYS_LOOK,
            },
            |s| Self::of_state(&s),
        )
    }

    /// The hint of the interpreter `state` records (as [`of`](Self::of), without looking the
    /// record up).
    pub fn of_state(state: &InterpState) -> DrainHint {
        DrainHint {
            head: state.queue_head(),
        }
    }

    /// Whether references may be queued on the hint's interpreter (one load); then
    /// [`drain_some_of`](super::drain_some_of) releases some.
    ///
    /// # Safety
    /// This thread holds the GIL of the interpreter the hint was made for, which keeps the
    /// record it points into alive: a record is freed only after its interpreter ended (the
    /// main interpreter's never), and no thread holds the GIL of an ended interpreter.
    #[inline(always)]
    pub unsafe fn maybe_queued(self) -> bool {
        // SAFETY: the record (or `ALWAYS_LOOK`) is alive while this thread holds its
        // interpreter's GIL (the function's contract).
        unsafe { (*self.head).load(Ordering::Relaxed) != 0 }
    }
}
