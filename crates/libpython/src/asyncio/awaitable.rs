//! Rust futures as Python awaitables: a `RustFuture` object (`helpers.py`) around a Rust
//! function that starts the future, aborts it, and hands its result to Python.
//!
//! Awaiting the object makes an asyncio future on the awaiting task's loop and starts the
//! Rust future on an executor ([`Spawn`]), inside [`Guarded`] (abort switch, panics caught)
//! and [`Scoped`] (its own awaits go to that loop). When it finishes, the loop's thread runs
//! `finish(fut, ctl)`: `ctl()` converts the output under the GIL, raising an `Err` as its
//! exception and resuming a panic inside the trampoline, which raises `RustPanic`. When the
//! asyncio future is cancelled, its done callback (`ctl(fut)`) aborts the Rust future.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};

use libpython_interp as interp;

use super::event_loop::{self, Job, Scoped};
use super::executor::{Abort, Guarded, Spawn};
use crate::conversion::ToPython;
use crate::err::{Error, Result};
use crate::function::{Args, function_in};
use crate::gil::Python;
use crate::object::{Borrowed, Object};

/// The output of a finished Rust future: its result, or the payload of its panic.
type Output<T> = std::thread::Result<Result<T>>;

/// A Rust future Python awaits, boxed.
type BoxedFuture<T> = Pin<Box<dyn Future<Output = Result<T>> + Send>>;

/// One Rust future made awaitable: what its control function (`ctl`) owns.
struct RustCall<T> {
    /// The future, until it is started (awaited).
    future: Mutex<Option<BoxedFuture<T>>>,
    spawner: Arc<dyn Spawn>,
    /// Its output, from the moment it finished until Python takes it.
    output: Mutex<Option<Output<T>>>,
    abort: Arc<Abort>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// A `RuntimeError` in Python, with `msg`.
fn runtime_error(msg: &'static str) -> Error {
    Error::from(interp::Error::Unsupported(msg))
}

impl<T: ToPython + Send + 'static> RustCall<T> {
    /// The control function's body, by the number of arguments: `(loop, fut, ctl)` starts the
    /// future, `(fut)` is `fut`'s done callback, `()` takes the output.
    fn ctl(self: &Arc<Self>, a: &Args<'_>) -> Result<Option<Object>> {
        match (a.get(0), a.get(1), a.get(2)) {
            (Some(event_loop), Some(fut), Some(ctl)) => {
                self.start(a.py(), event_loop, fut, ctl).map(|()| None)
            }
            (Some(fut), None, None) => {
                if fut.call_method("cancelled", ())?.is_truthy()? {
                    self.abort.abort();
                }
                Ok(None)
            }
            (None, _, _) => self.take_output(a.py()).map(Some),
            _ => Err(runtime_error(
                "the control function of a Rust future was called with the wrong arguments",
            )),
        }
    }

    /// Starts the future for `fut`, an asyncio future of `event_loop` (the running loop).
    fn start(
        self: &Arc<Self>,
        py: Python<'_>,
        event_loop: Borrowed<'_, '_>,
        fut: Borrowed<'_, '_>,
        ctl: Borrowed<'_, '_>,
    ) -> Result<()> {
        let handle = event_loop::running_loop(py, &event_loop)?;
        let registration = event_loop::register_task(py.interpreter_key(), self.abort.clone())?;
        let Some(future) = lock(&self.future).take() else {
            return Err(runtime_error("a Rust future can be awaited only once"));
        };
        let call = self.clone();
        let (fut, ctl) = (fut.to_owned().unbind(), ctl.to_owned().unbind());
        let task = async move {
            let _registration = registration;
            let out = Guarded::new(call.abort.clone(), Scoped::new(handle.clone(), future)).await;
            if let Some(out) = out {
                *lock(&call.output) = Some(out);
                handle.submit(Job::Finish { fut, ctl });
            }
        };
        self.spawner.spawn(Box::pin(task));
        Ok(())
    }

    /// The output as Python sees it: the value converted, an `Err` raised, a panic resumed
    /// (the trampoline turns it into `RustPanic`).
    fn take_output(&self, py: Python<'_>) -> Result<Object> {
        let out = lock(&self.output).take();
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
    let call = Arc::new(RustCall {
        future: Mutex::new(Some(Box::pin(future))),
        spawner,
        output: Mutex::new(None),
        abort: Arc::new(Abort::default()),
    });
    let ctl = function_in(
        py,
        "rust_future",
        Some("Controls a Rust future awaited by Python."),
        move |a: &Args<'_>| call.ctl(a),
    )?;
    let class = event_loop::helpers(py)?.get_item("RustFuture")?;
    Ok(class.call((ctl,))?.unbind())
}
