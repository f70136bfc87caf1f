//! Python's `asyncio` and Rust futures, both ways.
//!
//! - **Python from Rust**: [`into_future`] runs a coroutine (or any awaitable) on an asyncio
//!   event loop and gives a Rust [`Future`] of its result, a [`PyFuture`]. The loop is one this
//!   crate runs on a thread of its own, per interpreter, started on first use (or, inside a
//!   Rust future that Python awaits, the loop of the Python task awaiting it). Nothing holds
//!   the GIL while the future is pending; dropping it cancels the Python task; exceptions
//!   arrive as [`ErrorKind::Python`](crate::ErrorKind::Python) with their traceback.
//! - **Rust from Python**: [`future_into_py`] makes a Rust future a Python awaitable, and
//!   [`async_function`] makes an async Rust closure a Python function returning one. Awaiting
//!   it runs the future on an executor and completes on the awaiting task's loop; cancelling
//!   the awaiting task drops the Rust future; an `Err` is raised as an exception, a panic as
//!   `RustPanic`, as for [`function`](crate::function). While the future runs, the loop keeps
//!   the awaiting task (as it keeps one sleeping on a timer); a loop closed or dropped with
//!   the task still waiting drops the Rust future too, and an executor that drops the future
//!   before it finishes (it shuts down) has the awaiting task raise `RuntimeError`.
//!
//! The core needs no async runtime: `PyFuture` works under any executor (and
//! [`block_on`]), and the futures Python awaits run on a small built-in executor thread or on
//! any executor given as a [`Spawn`]er. With the `tokio` feature, [`tokio`](self::tokio) runs
//! them on a tokio runtime.
//!
//! ```
//! use libpython::asyncio;
//!
//! let ns = libpython::Dict::new()?;
//! libpython::exec(
//!     "import asyncio\n\
//!      async def twice(x):\n    await asyncio.sleep(0.01)\n    return 2 * x\n\
//!      async def call_rust(f):\n    return await f(20) + 2",
//!     &ns,
//! )?;
//! // Python from Rust.
//! let twice = ns.get("twice")?.unwrap();
//! let r = asyncio::block_on(asyncio::into_future(twice.call((21,))?))?;
//! assert_eq!(r.extract::<i64>()?, 42);
//!
//! // Rust from Python (from Rust).
//! let double = asyncio::async_function("double", None, |a| {
//!     let x: i64 = a.extract(0)?;
//!     Ok(async move { Ok(2 * x) })
//! })?;
//! let call_rust = ns.get("call_rust")?.unwrap();
//! let r = asyncio::block_on(asyncio::into_future(call_rust.call((double,))?))?;
//! assert_eq!(r.extract::<i64>()?, 42);
//! # Ok::<(), libpython::Error>(())
//! ```
//!
//! **Interpreters.** Each interpreter has its own loop (objects belong to one interpreter), on
//! 3.12+ isolated sub-interpreters too. When an interpreter ends ([`Interpreter::end`],
//! [`finalize`](crate::finalize)), its loop is stopped before anything else: its tasks are
//! cancelled (they get a few seconds to finish), the Rust futures still waiting for them end
//! with [`interp::Error::InterpreterEnded`] or [`interp::Error::Finalizing`], the Rust futures
//! Python awaited there are aborted, and the loop's thread exits (so does the built-in
//! executor's, at `finalize`); nothing new starts there afterwards.
//!
//! [`Future`]: std::future::Future
//! [`Interpreter::end`]: crate::interp::Interpreter::end
//! [`interp::Error::InterpreterEnded`]: crate::interp::Error::InterpreterEnded
//! [`interp::Error::Finalizing`]: crate::interp::Error::Finalizing

mod awaitable;
mod event_loop;
mod executor;
mod future;
#[cfg(feature = "tokio")]
pub mod tokio;

use std::future::Future;
use std::sync::Arc;

pub use executor::{Spawn, Task, block_on};
pub use future::{PyFuture, into_future};

use crate::conversion::ToPython;
use crate::err::Result;
use crate::function::{Args, function_in};
use crate::gil::attach;
use crate::object::Object;

/// A Rust future as a Python awaitable, run on the built-in executor: one thread of this
/// crate, started on first use, for futures that wait rather than compute (and that need no
/// particular runtime). Use [`future_into_py_with`], or [`tokio::future_into_py`](self::tokio)
/// with the `tokio` feature, for others.
///
/// Awaiting the object (once) starts the future and gives its output converted to Python; an
/// `Err` is raised as its exception, a panic as `RustPanic`. The future starts when Python
/// awaits the object, on the awaiting task's event loop, not before; if it is never awaited,
/// it is dropped with the object. Cancelling the awaiting task drops the future.
///
/// ```
/// use libpython::asyncio;
/// let answer = asyncio::future_into_py(async { Ok(vec![4, 2]) })?;
/// let ns = libpython::Dict::from_pairs([("answer", &answer)])?;
/// libpython::exec("import asyncio\nasync def main():\n    return await answer\nr = asyncio.run(main())", &ns)?;
/// assert_eq!(ns.get_as::<Vec<i64>>("r")?, Some(vec![4, 2]));
/// # Ok::<(), libpython::Error>(())
/// ```
///
/// # Errors
/// Start-up errors; a Python exception if the awaitable cannot be made.
pub fn future_into_py<F, T>(future: F) -> Result<Object>
where
    F: Future<Output = Result<T>> + Send + 'static,
    T: ToPython + Send + 'static,
{
    future_into_py_with(Arc::new(executor::Builtin), future)
}

/// [`future_into_py`] with the future run by `spawner` (see [`Spawn`]).
///
/// # Errors
/// As [`future_into_py`].
pub fn future_into_py_with<F, T>(spawner: Arc<dyn Spawn>, future: F) -> Result<Object>
where
    F: Future<Output = Result<T>> + Send + 'static,
    T: ToPython + Send + 'static,
{
    attach(|py| awaitable::future_into_py_in(py, spawner, future))
}

/// Makes a Python function from an async Rust closure: calling it runs `f` with the call's
/// [`Args`] under the GIL (convert the arguments there), and returns an awaitable of the future
/// `f` returns, as [`future_into_py`] makes it (run on the built-in executor).
///
/// The future is `Send + 'static`: it cannot keep the arguments, only what was copied out of
/// them.
///
/// ```
/// use libpython::asyncio;
/// let add = asyncio::async_function("add", Some("Adds two numbers, later."), |a| {
///     let (x, y): (f64, f64) = (a.extract(0)?, a.extract(1)?);
///     Ok(async move { Ok(x + y) })
/// })?;
/// let ns = libpython::Dict::from_pairs([("add", &add)])?;
/// libpython::exec("import asyncio\nasync def main():\n    return await add(1.5, 2.0)\nr = asyncio.run(main())", &ns)?;
/// assert_eq!(ns.get_as::<f64>("r")?, Some(3.5));
/// # Ok::<(), libpython::Error>(())
/// ```
///
/// # Errors
/// [`ErrorKind::Nul`](crate::ErrorKind::Nul) for a name or doc with a NUL byte.
pub fn async_function<F, Fut, T>(name: &str, doc: Option<&str>, f: F) -> Result<Object>
where
    F: Fn(&Args<'_>) -> Result<Fut> + Send + Sync + 'static,
    Fut: Future<Output = Result<T>> + Send + 'static,
    T: ToPython + Send + 'static,
{
    async_function_with(Arc::new(executor::Builtin), name, doc, f)
}

/// [`async_function`] with the futures run by `spawner` (see [`Spawn`]).
///
/// # Errors
/// As [`async_function`].
pub fn async_function_with<F, Fut, T>(
    spawner: Arc<dyn Spawn>,
    name: &str,
    doc: Option<&str>,
    f: F,
) -> Result<Object>
where
    F: Fn(&Args<'_>) -> Result<Fut> + Send + Sync + 'static,
    Fut: Future<Output = Result<T>> + Send + 'static,
    T: ToPython + Send + 'static,
{
    attach(|py| {
        function_in(py, name, doc, move |a: &Args<'_>| {
            let future = f(a)?;
            awaitable::future_into_py_in(a.py(), spawner.clone(), future)
        })
    })
}
