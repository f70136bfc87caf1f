//! Rust futures as Python awaitables: a `RustFuture` object (`helpers.py`) around a Rust
//! function that starts the future, aborts it, and hands its result to Python.
//!
//! Awaiting the object makes an asyncio future `fut` on the awaiting task's loop, which the
//! loop keeps with the control function `ctl` until `fut` is done ([`LoopHandle::keep`]), and
//! starts the Rust future on an executor ([`Spawn`]), inside [`Guarded`] (abort switch, panics
//! caught) and [`Scoped`] (its own awaits go to that loop). When it finishes, the loop's thread
//! runs `finish`: `ctl()` converts the output under the GIL, raising an `Err` as its exception
//! and resuming a panic inside the trampoline, which raises `RustPanic`. When `fut` is done,
//! its done callback (`ctl(fut)`) has the loop forget it, and if it was cancelled aborts the
//! Rust future.
//!
//! The running task holds no Python object (only the key of `fut` and the loop's
//! [`LoopHandle`], which holds the loop weakly): what keeps the awaiting task alive is its
//! loop, as for a task sleeping on a timer, and the collector sees all of it. The Rust future
//! lives as long as `ctl`: when the loop is closed or freed with the task awaiting, `ctl` is
//! freed too, which aborts the Rust future. If the executor drops the task before the future
//! finished (it shuts down), the awaiting task gets a `RuntimeError`.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use libpython_interp as interp;

use super::event_loop::{self, Job, LoopHandle, Scoped};
use super::executor::{self, Abort, Guarded, Spawn};
use crate::conversion::ToPython;
use crate::err::{Error, Result};
use crate::function::{Args, function_in};
use crate::gil::Python;
use crate::object::{Borrowed, Object};

/// The output of a finished Rust future: its result, or the payload of its panic.
type Output<T> = std::thread::Result<Result<T>>;

/// A Rust future Python awaits, boxed.
type BoxedFuture<T> = Pin<Box<dyn Future<Output = Result<T>> + Send>>;

/// What the control function and the running task share.
struct Outcome<T> {
    /// The output, from the moment the future finished until Python takes it.
    output: Mutex<Option<Output<T>>>,
    abort: Arc<Abort>,
}

/// One Rust future made awaitable: what its control function (`ctl`) owns. Dropped with the
/// control function, it aborts the future (which then stops at its next poll).
struct RustCall<T> {
    /// The future, until it is started (awaited).
    future: Mutex<Option<BoxedFuture<T>>>,
    spawner: Arc<dyn Spawn>,
    outcome: Arc<Outcome<T>>,
    /// Once started: the loop it was awaited on, and the key of its asyncio future there.
    started: OnceLock<(Arc<LoopHandle>, u64)>,
}

impl<T> Drop for RustCall<T> {
    fn drop(&mut self) {
        self.outcome.abort.abort();
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// A `RuntimeError` in Python, with `msg`.
fn runtime_error(msg: &'static str) -> Error {
    Error::from(interp::Error::Unsupported(msg))
}

/// The running task's side of the completion: stores the output and has the loop's thread
/// complete the awaiting future. Dropped before that (the executor dropped the task) without
/// an abort, it completes it with a `RuntimeError`, so the awaiting task does not wait
/// forever.
struct Completion<T> {
    outcome: Arc<Outcome<T>>,
    handle: Arc<LoopHandle>,
    /// The key of the asyncio future in its loop's anchor, until the completion is given.
    key: Option<u64>,
}

impl<T> Completion<T> {
    /// Stores `out`, and gives the job that completes the awaiting future (`None` once
    /// given).
    fn job(&mut self, out: Output<T>) -> Option<Job> {
        let key = self.key.take()?;
        *lock(&self.outcome.output) = Some(out);
        Some(Job::Finish { key })
    }
}

impl<T> Drop for Completion<T> {
    fn drop(&mut self) {
        if self.key.is_none() || self.outcome.abort.is_aborted() {
            return;
        }
        let Some(job) = self.job(Ok(Err(runtime_error(
            "the executor dropped the Rust future before it finished",
        )))) else {
            return;
        };
        // Queuing on a loop of the program's own takes its GIL, which the thread dropping the
        // task (an executor shutting down, perhaps waited for by a thread holding that GIL)
        // must not wait for: the built-in executor's thread queues it.
        let handle = self.handle.clone();
        executor::spawn_builtin(Box::pin(async move { handle.submit(job) }));
    }
}

impl<T: ToPython + Send + 'static> RustCall<T> {
    /// The control function's body, by the number of arguments: `(loop, fut, ctl)` starts the
    /// future, `(fut)` is `fut`'s done callback, `()` takes the output.
    fn ctl(&self, a: &Args<'_>) -> Result<Option<Object>> {
        match (a.get(0), a.get(1), a.get(2)) {
            (Some(event_loop), Some(fut), Some(ctl)) => {
                self.start(a.py(), event_loop, fut, ctl).map(|()| None)
            }
            (Some(fut), None, None) => {
                if let Some((handle, key)) = self.started.get() {
                    handle.forget(a.py(), *key)?;
                }
                if fut.call_method("cancelled", ())?.is_truthy()? {
                    self.outcome.abort.abort();
                }
                Ok(None)
            }
            (None, _, _) => self.take_output(a.py()).map(Some),
            _ => Err(runtime_error(
                "the control function of a Rust future was called with the wrong arguments",
            )),
        }
    }

    /// Starts the future for `fut`, an asyncio future of `event_loop` (the running loop);
    /// `ctl` is the control function.
    fn start(
        &self,
        py: Python<'_>,
        event_loop: Borrowed<'_, '_>,
        fut: Borrowed<'_, '_>,
        ctl: Borrowed<'_, '_>,
    ) -> Result<()> {
        let handle = event_loop::running_loop(py, &event_loop)?;
        let abort = self.outcome.abort.clone();
        let registration = event_loop::register_task(py.interpreter_key(), abort.clone())?;
        let Some(future) = lock(&self.future).take() else {
            return Err(runtime_error("a Rust future can be awaited only once"));
        };
        let key = handle.keep(py, &fut.to_owned(), &ctl.to_owned())?;
        let _ = self.started.set((handle.clone(), key));
        let mut completion = Completion {
            outcome: self.outcome.clone(),
            handle: handle.clone(),
            key: Some(key),
        };
        let task = async move {
            let _registration = registration;
            let out = Guarded::new(abort, Scoped::new(handle, future)).await;
            if let Some(job) = out.and_then(|out| completion.job(out)) {
                completion.handle.submit(job);
            }
        };
        self.spawner.spawn(Box::pin(task));
        Ok(())
    }

    /// The output as Python sees it: the value converted, an `Err` raised, a panic resumed
    /// (the trampoline turns it into `RustPanic`).
    fn take_output(&self, py: Python<'_>) -> Result<Object> {
        let out = lock(&self.outcome.output).take();
        match out {
            Some(Ok(Ok(v))) => crate::conversion::to_object(&v, py),
            Some(Ok(Err(e))) => Err(e),
            Some(Err(panic)) => std::panic::resume_unwind(panic),
            None => Err(runtime_error("the Rust future has no result to give")),
        }
    }
}

/// A Rust future as a Python awaitable, under a held GIL, run by `spawner`.
pub(crate) fn future_into_py_in<F, T>(
    py: Python<'_>,
    spawner: Arc<dyn Spawn>,
    future: F,
) -> Result<Object>
where
    F: Future<Output = Result<T>> + Send + 'static,
    T: ToPython + Send + 'static,
{
    let call = RustCall {
        future: Mutex::new(Some(Box::pin(future))),
        spawner,
        outcome: Arc::new(Outcome {
            output: Mutex::new(None),
            abort: Arc::new(Abort::default()),
        }),
        started: OnceLock::new(),
    };
    let ctl = function_in(
        py,
        "rust_future",
        Some("Controls a Rust future awaited by Python."),
        move |a: &Args<'_>| call.ctl(a),
    )?;
    let class = event_loop::helpers(py)?.get_item("RustFuture")?;
    Ok(class.call((ctl,))?.unbind())
}
