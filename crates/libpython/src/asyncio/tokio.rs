//! Rust futures awaited by Python, run on a tokio runtime (feature `tokio`).
//!
//! [`future_into_py`] and [`async_function`] are those of the parent module with the futures
//! spawned on tokio, so they can use tokio's timers, sockets and tasks. The runtime is the one
//! the caller runs in ([`Handle::try_current`]); where none runs (a Rust function Python
//! calls on a thread of its own), the one registered with [`set_handle`].
//!
//! Awaiting Python from tokio needs nothing of this module: a [`PyFuture`](super::PyFuture) is
//! an ordinary future.
//!
//! ```
//! # #[tokio::main]
//! # async fn main() -> libpython::Result<()> {
//! use libpython::asyncio;
//!
//! let sleep = libpython::eval("__import__('asyncio').sleep")?;
//! // A Python coroutine and a tokio timer, awaited together.
//! let (py_side, rust_side) = tokio::join!(
//!     asyncio::into_future(sleep.call((0.05, "python"))?),
//!     async {
//!         tokio::time::sleep(std::time::Duration::from_millis(50)).await;
//!         "rust"
//!     },
//! );
//! assert_eq!((py_side?.extract::<String>()?.as_str(), rust_side), ("python", "rust"));
//!
//! // A tokio future awaited by Python.
//! let later = asyncio::tokio::future_into_py(async {
//!     tokio::time::sleep(std::time::Duration::from_millis(10)).await;
//!     Ok("later")
//! })?;
//! let ns = libpython::Dict::from_pairs([("later", &later)])?;
//! libpython::exec("async def main():\n    return await later", &ns)?;
//! let main = ns.get("main")?.unwrap();
//! let r = asyncio::into_future(main.call(())?).await?;
//! assert_eq!(r.extract::<String>()?, "later");
//! # Ok(())
//! # }
//! ```

use std::future::Future;
use std::sync::{Arc, RwLock};

use ::tokio::runtime::Handle;
use libpython_interp as interp;

use super::executor::{Spawn, Task};
use crate::conversion::ToPython;
use crate::err::{Error, Result};
use crate::function::Args;
use crate::gil::attach;
use crate::object::Object;

/// A tokio runtime as a [`Spawn`]er.
struct Tokio(Handle);

impl Spawn for Tokio {
    fn spawn(&self, task: Task) {
        // Detached: the task reports its result itself, and is aborted through its own switch.
        drop(self.0.spawn(task));
    }
}

/// The runtime registered with [`set_handle`].
static HANDLE: RwLock<Option<Handle>> = RwLock::new(None);

/// Registers the tokio runtime that runs futures made where no runtime runs: inside a Rust
/// function Python calls from a thread of its own (an event loop's), and for
/// [`future_into_py`] called outside a runtime. Replaces the one registered before.
///
/// ```
/// let rt = tokio::runtime::Runtime::new().unwrap();
/// libpython::asyncio::tokio::set_handle(rt.handle().clone());
/// // Made outside the runtime, run on it.
/// let ready = libpython::asyncio::tokio::future_into_py(async { Ok(7) })?;
/// let ns = libpython::Dict::from_pairs([("ready", &ready)])?;
/// libpython::exec("import asyncio\nasync def main():\n    return await ready\nr = asyncio.run(main())", &ns)?;
/// assert_eq!(ns.get_as::<i64>("r")?, Some(7));
/// # Ok::<(), libpython::Error>(())
/// ```
pub fn set_handle(handle: Handle) {
    *HANDLE.write().unwrap_or_else(|e| e.into_inner()) = Some(handle);
}

/// The runtime this thread runs in, else the registered one.
fn handle() -> Result<Handle> {
    if let Ok(h) = Handle::try_current() {
        return Ok(h);
    }
    HANDLE.read().unwrap_or_else(|e| e.into_inner()).clone().ok_or_else(|| Error::from(interp::Error::Unsupported(
        "no tokio runtime to run a Rust future for Python: make it inside a runtime, or register one with libpython::asyncio::tokio::set_handle",
    )))
}

/// A Rust future as a Python awaitable, run on tokio (see the parent module's
/// [`future_into_py`](super::future_into_py) for how Python awaits it): the runtime the caller
/// runs in, else the one registered with [`set_handle`].
///
/// # Errors
/// [`interp::Error::Unsupported`](crate::interp::Error::Unsupported) when there is no runtime;
/// start-up errors.
pub fn future_into_py<F, T>(future: F) -> Result<Object>
where
    F: Future<Output = Result<T>> + Send + 'static,
    T: ToPython + Send + 'static,
{
    super::future_into_py_with(Arc::new(Tokio(handle()?)), future)
}

/// A Python function from an async Rust closure (see the parent module's
/// [`async_function`](super::async_function)), its futures run on tokio: the runtime this
/// function is called in, else the runtime the call from Python runs in, else the one
/// registered with [`set_handle`].
///
/// ```
/// # #[tokio::main]
/// # async fn main() -> libpython::Result<()> {
/// let nap = libpython::asyncio::tokio::async_function("nap", None, |a| {
///     let ms: u64 = a.extract(0)?;
///     Ok(async move {
///         tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
///         Ok(ms)
///     })
/// })?;
/// let ns = libpython::Dict::from_pairs([("nap", &nap)])?;
/// libpython::exec("import asyncio\nasync def main():\n    return sum(await asyncio.gather(nap(20), nap(10)))", &ns)?;
/// let main = ns.get("main")?.unwrap();
/// let total = libpython::asyncio::into_future(main.call(())?).await?;
/// assert_eq!(total.extract::<u64>()?, 30);
/// # Ok(())
/// # }
/// ```
///
/// # Errors
/// [`ErrorKind::Nul`](crate::ErrorKind::Nul) for a name or doc with a NUL byte. A call from Python
/// raises `RuntimeError` when there is no runtime.
pub fn async_function<F, Fut, T>(name: &str, doc: Option<&str>, f: F) -> Result<Object>
where
    F: Fn(&Args<'_>) -> Result<Fut> + Send + Sync + 'static,
    Fut: Future<Output = Result<T>> + Send + 'static,
    T: ToPython + Send + 'static,
{
    let made_in = Handle::try_current().ok();
    attach(|py| {
        crate::function::function_in(py, name, doc, move |a: &Args<'_>| {
            let future = f(a)?;
            let handle = match &made_in {
                Some(h) => h.clone(),
                None => handle()?,
            };
            super::awaitable::future_into_py_in(a.py(), Arc::new(Tokio(handle)), future)
        })
    })
}
