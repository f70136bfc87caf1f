//! Python awaitables as Rust futures: [`into_future`] and [`PyFuture`], and the completion
//! slot a loop thread fills and a Rust task waits on.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

use libpython_interp as interp;

use super::event_loop::{self, Job, LoopHandle};
use crate::err::{Error, Result};
use crate::object::Object;

/// What a Python awaitable's task and the Rust future waiting for it share.
#[derive(Default)]
pub(crate) struct Shared {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// The task's outcome, until the Rust future takes it.
    result: Option<Result<Object>>,
    /// The Rust task to wake when the outcome arrives.
    waker: Option<Waker>,
    /// The Rust future was dropped before the outcome arrived: the task is (to be) cancelled.
    cancelled: bool,
    /// The Rust future has taken the outcome.
    finished: bool,
    /// The address of the asyncio task once it runs (0 before): its key in its loop's map of
    /// pending tasks.
    task: usize,
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Delivers the task's outcome and wakes the Rust task waiting for it. An outcome nobody
    /// waits for any more is dropped, outside the lock (dropping an object can run Python).
    pub(crate) fn complete(&self, result: Result<Object>) {
        let mut st = self.lock();
        if st.cancelled || st.finished || st.result.is_some() {
            drop(st);
            drop(result);
            return;
        }
        st.result = Some(result);
        let waker = st.waker.take();
        drop(st);
        if let Some(w) = waker {
            w.wake();
        }
    }

    /// Whether the Rust future was dropped (its awaitable must not start, or must stop).
    pub(crate) fn is_cancelled(&self) -> bool {
        self.lock().cancelled
    }

    /// Records the running task's address; `false` if the Rust future was dropped meanwhile
    /// (the caller then cancels the task).
    pub(crate) fn set_task(&self, task: usize) -> bool {
        let mut st = self.lock();
        st.task = task;
        !st.cancelled
    }

    /// The running task's address (0 before it runs).
    pub(crate) fn task(&self) -> usize {
        self.lock().task
    }
}

/// A Python awaitable running on an asyncio event loop, as a Rust [`Future`] of its result.
///
/// Made by [`into_future`]. Waiting for it holds no GIL: the Rust task is woken when the
/// loop's thread has the result. Dropping it before it completes cancels the Python task
/// (`task.cancel()`, on the loop's thread). Python exceptions arrive as
/// [`ErrorKind::Python`](crate::ErrorKind::Python), with their traceback.
///
/// It is `Send`, `Sync` and `Unpin`, and works with any executor (tokio, `futures`,
/// [`block_on`](super::block_on)).
pub struct PyFuture {
    shared: Arc<Shared>,
    /// The loop it runs on (`None` when it could not be submitted: the error is in `shared`).
    handle: Option<Arc<LoopHandle>>,
    /// The outcome was taken (or the future gave up): nothing to cancel on drop.
    done: bool,
}

impl fmt::Debug for PyFuture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PyFuture")
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

/// Runs a Python awaitable (a coroutine, an `asyncio.Future`, any object with `__await__`) as
/// a task of an asyncio event loop and returns a Rust future of its result.
///
/// The task starts at once, as `asyncio.ensure_future` starts one; awaiting the returned
/// future waits for it, and dropping the future cancels it. Which loop runs it:
///
/// - inside a Rust future that Python code awaits (see [`future_into_py`](super::future_into_py)),
///   the loop of the Python task awaiting it, so the awaitable may use what belongs to that
///   loop;
/// - otherwise, the event loop of the awaitable's interpreter that this crate runs on a thread
///   of its own, started on first use and stopped when the interpreter ends (each
///   sub-interpreter has its own).
///
/// Making the future takes no GIL, and neither does waiting for it.
///
/// ```
/// use libpython::asyncio;
/// let sleep = libpython::eval("__import__('asyncio').sleep")?;
/// let coro = sleep.call((0.01, "done"))?;
/// let r = asyncio::block_on(asyncio::into_future(coro))?;
/// assert_eq!(r.extract::<String>()?, "done");
/// # Ok::<(), libpython::Error>(())
/// ```
///
/// # Errors
/// The future's output is `Err` with the Python exception the awaitable raised (`TypeError`
/// for an object that is not awaitable, `CancelledError` if Python code cancelled the task);
/// [`interp::Error::Finalizing`] if Python is shutting down (the task was cancelled for it),
/// [`interp::Error::InterpreterEnded`] if its sub-interpreter ended, [`interp::Error::Finalized`]
/// for an object of a finalized runtime; [`interp::Error::HoldsGil`] if it was polled by a
/// thread holding the GIL and was not ready (waiting there could never end).
pub fn into_future(awaitable: Object) -> PyFuture {
    let key = awaitable.interpreter_key();
    let shared = Arc::new(Shared::default());
    let handle = match event_loop::scoped(key) {
        Some(h) => Ok(h),
        None => event_loop::own_loop(key),
    };
    match handle {
        Ok(h) => {
            h.submit(Job::Start {
                awaitable,
                shared: shared.clone(),
            });
            PyFuture {
                shared,
                handle: Some(h),
                done: false,
            }
        }
        Err(e) => {
            shared.complete(Err(e));
            drop(awaitable);
            PyFuture {
                shared,
                handle: None,
                done: false,
            }
        }
    }
}

impl PyFuture {
    /// Gives up waiting: the task is cancelled if it runs, or never started if it did not
    /// yet.
    fn cancel(&mut self) {
        self.done = true;
        let (task, result, waker) = {
            let mut st = self.shared.lock();
            if st.finished {
                return;
            }
            st.cancelled = true;
            (st.task, st.result.take(), st.waker.take())
        };
        drop((result, waker));
        if task != 0
            && let Some(h) = &self.handle
        {
            h.submit(Job::Cancel(self.shared.clone()));
        }
    }

    /// Gives up with `err` (cancelling the task).
    #[cold]
    fn give_up(&mut self, err: Error) -> Poll<Result<Object>> {
        self.cancel();
        Poll::Ready(Err(err))
    }
}

impl Future for PyFuture {
    type Output = Result<Object>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<Object>> {
        let this = self.get_mut();
        if this.done {
            return Poll::Ready(Err(Error::from(interp::Error::Unsupported(
                "a PyFuture was polled again after it completed",
            ))));
        }
        let mut st = this.shared.lock();
        if let Some(r) = st.result.take() {
            st.finished = true;
            drop(st);
            this.done = true;
            return Poll::Ready(r);
        }
        // Waiting here could never end: the loop's thread needs the GIL this thread holds (on
        // a free-threaded build, a thread attached to Python that blocks holds up the others
        // too), or the loop runs on this very thread.
        if interp::gil::depth() > 0 {
            drop(st);
            return this.give_up(Error::from(interp::Error::HoldsGil(
                "waiting for a Python awaitable (a PyFuture)",
            )));
        }
        if this
            .handle
            .as_ref()
            .is_some_and(|h| h.runs_on_this_thread())
        {
            drop(st);
            return this.give_up(Error::from(interp::Error::Unsupported(
                "a PyFuture was waited for on the thread that runs its event loop, which cannot run while it waits",
            )));
        }
        match &st.waker {
            Some(w) if w.will_wake(cx.waker()) => {}
            _ => {
                let old = st.waker.replace(cx.waker().clone());
                drop(st);
                drop(old);
            }
        }
        Poll::Pending
    }
}

impl Drop for PyFuture {
    fn drop(&mut self) {
        if !self.done {
            self.cancel();
        }
    }
}
