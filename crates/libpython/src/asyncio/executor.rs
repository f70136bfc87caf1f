//! Running Rust futures without an async runtime: the [`Spawn`] trait that hands the futures
//! Python awaits to an executor, the built-in executor (one thread of this crate, started on
//! first use, stopped when Python is finalized), [`block_on`], and the wrappers every such
//! future runs in (abort on request, panics caught).

use std::cell::Cell;
use std::collections::VecDeque;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{JoinHandle, ThreadId};

/// A future handed to a [`Spawn`]er: boxed, `Send`, with no output (it delivers its result
/// itself).
pub type Task = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

/// Runs the Rust futures that Python awaits: an executor of your choice, for
/// [`future_into_py_with`](super::future_into_py_with) and
/// [`async_function_with`](super::async_function_with).
///
/// `spawn` must poll the task to completion on some thread, without holding the GIL while it
/// waits, and may drop it unfinished only if the executor is shutting down (the Python code
/// awaiting it then gets a `RuntimeError`). The task is
/// runtime-agnostic (it needs no reactor of any runtime); the future inside it may need one:
/// a future using tokio's timers must run on tokio.
///
/// ```
/// use libpython::asyncio::{Spawn, Task};
///
/// /// One thread per task, each driving its task with `block_on`.
/// struct ThreadPerTask;
///
/// impl Spawn for ThreadPerTask {
///     fn spawn(&self, task: Task) {
///         std::thread::spawn(move || libpython::asyncio::block_on(task));
///     }
/// }
///
/// let answer = libpython::asyncio::future_into_py_with(std::sync::Arc::new(ThreadPerTask), async { Ok(21 * 2) })?;
/// let ns = libpython::Dict::from_pairs([("answer", &answer)])?;
/// libpython::exec("import asyncio\nasync def main():\n    return await answer\nr = asyncio.run(main())", &ns)?;
/// assert_eq!(ns.get_as::<i64>("r")?, Some(42));
/// # Ok::<(), libpython::Error>(())
/// ```
pub trait Spawn: Send + Sync + 'static {
    /// Runs `task` to completion.
    fn spawn(&self, task: Task);
}

/// The built-in executor as a [`Spawn`]er.
pub(crate) struct Builtin;

impl Spawn for Builtin {
    fn spawn(&self, task: Task) {
        spawn_builtin(task);
    }
}

// ---------------------------------------------------------------------------------------------
// block_on

/// Wakes the thread blocked in [`block_on`].
struct ThreadWaker(std::thread::Thread);

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

/// Runs `future` to completion on the calling thread, parking the thread while it waits: the
/// smallest executor there is, for programs without an async runtime.
///
/// Call it without the GIL held: Python has to run elsewhere for a Python awaitable to
/// finish. (A [`PyFuture`](super::PyFuture) polled by a thread that holds the GIL ends with
/// [`interp::Error::HoldsGil`](crate::interp::Error::HoldsGil) instead of waiting forever;
/// inside [`attach`](crate::attach), use [`detach`](crate::detach) around it.)
///
/// ```
/// let coro = libpython::eval("__import__('asyncio').sleep(0.01, result='slept')")?;
/// let r = libpython::asyncio::block_on(libpython::asyncio::into_future(coro))?;
/// assert_eq!(r.extract::<String>()?, "slept");
/// # Ok::<(), libpython::Error>(())
/// ```
///
/// # Panics
/// On the built-in executor's own thread (inside a future given to
/// [`future_into_py`](super::future_into_py)), when `future` is not ready at once: that thread
/// would wait for itself, since what `future` waits for may need it. The panic becomes the
/// error the awaiting Python code gets; `.await` the future instead.
pub fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let waker = Waker::from(Arc::new(ThreadWaker(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(v) = future.as_mut().poll(&mut cx) {
            return v;
        }
        if ON_EXECUTOR.with(Cell::get) {
            panic!(
                "libpython::asyncio::block_on on the built-in executor's thread would wait for \
                 itself: await the future instead"
            );
        }
        std::thread::park();
    }
}

thread_local! {
    /// Whether this thread is the built-in executor's.
    static ON_EXECUTOR: Cell<bool> = const { Cell::new(false) };
}

// ---------------------------------------------------------------------------------------------
// Wrappers

/// The abort switch of a Rust future that Python awaits: set when Python cancels the await or
/// the interpreter ends; the future is dropped at its next poll, on its executor's thread.
#[derive(Default)]
pub(crate) struct Abort {
    aborted: AtomicBool,
    waker: Mutex<Option<Waker>>,
}

impl Abort {
    /// Asks for the future to be dropped, and wakes it so its executor polls it (and drops it)
    /// soon.
    pub(crate) fn abort(&self) {
        self.aborted.store(true, Ordering::SeqCst);
        let waker = lock(&self.waker).take();
        if let Some(w) = waker {
            w.wake();
        }
    }

    /// Whether the future was asked to stop.
    pub(crate) fn is_aborted(&self) -> bool {
        self.aborted.load(Ordering::SeqCst)
    }
}

/// `inner`, until it is aborted; its output, or `Err` with the panic's payload if it panicked,
/// or `None` if it was aborted (`inner` is dropped then, when this future is).
pub(crate) struct Guarded<F> {
    abort: Arc<Abort>,
    inner: Pin<Box<F>>,
}

impl<F: Future> Guarded<F> {
    pub(crate) fn new(abort: Arc<Abort>, inner: F) -> Self {
        Guarded {
            abort,
            inner: Box::pin(inner),
        }
    }
}

impl<F: Future> Future for Guarded<F> {
    type Output = Option<std::thread::Result<F::Output>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if self.abort.is_aborted() {
            return Poll::Ready(None);
        }
        *lock(&self.abort.waker) = Some(cx.waker().clone());
        // An abort between the check above and the waker's store woke nobody: check again.
        if self.abort.is_aborted() {
            return Poll::Ready(None);
        }
        let inner = self.inner.as_mut();
        let out = match catch_unwind(AssertUnwindSafe(|| inner.poll(cx))) {
            Ok(Poll::Ready(v)) => Ok(v),
            Ok(Poll::Pending) => return Poll::Pending,
            Err(panic) => Err(panic),
        };
        // Done: a later abort (the control function dropped) has nothing to wake.
        let waker = lock(&self.abort.waker).take();
        drop(waker);
        Poll::Ready(Some(out))
    }
}

/// Locks a mutex of this module, whose data stays consistent even if a holder panicked (only
/// plain stores happen under them).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

// ---------------------------------------------------------------------------------------------
// The built-in executor

/// A task of the built-in executor.
struct Job {
    /// `None` once it has finished (or was dropped because the executor stopped).
    future: Mutex<Option<Task>>,
    /// Whether it is in the run queue (a wake while it is there adds nothing).
    queued: AtomicBool,
}

impl Wake for Job {
    fn wake(self: Arc<Self>) {
        if !self.queued.swap(true, Ordering::AcqRel) {
            schedule(self);
        }
    }
}

/// The built-in executor's run queue and thread.
struct Executor {
    queue: VecDeque<Arc<Job>>,
    /// Set when the thread should finish the queue and exit.
    stopping: bool,
    thread: Option<(ThreadId, JoinHandle<()>)>,
}

static EXECUTOR: Mutex<Executor> = Mutex::new(Executor {
    queue: VecDeque::new(),
    stopping: false,
    thread: None,
});
static WORK: Condvar = Condvar::new();

/// Runs `task` on the built-in executor, starting its thread if it is not running.
pub(crate) fn spawn_builtin(task: Task) {
    let job = Arc::new(Job {
        future: Mutex::new(Some(task)),
        queued: AtomicBool::new(true),
    });
    schedule(job);
}

/// Puts `job` in the run queue (starting the thread if needed).
fn schedule(job: Arc<Job>) {
    let mut ex = lock(&EXECUTOR);
    if ex.thread.is_none() || ex.stopping {
        if ex.stopping {
            // Stopping for good (Python is being finalized): the task is dropped, outside the
            // lock (its destructor may do anything).
            drop(ex);
            let future = lock(&job.future).take();
            drop(future);
            return;
        }
        let spawned = std::thread::Builder::new()
            .name("libpython-executor".into())
            .spawn(run_executor);
        match spawned {
            Ok(h) => ex.thread = Some((h.thread().id(), h)),
            Err(e) => {
                drop(ex);
                tracing::error!(target: "libpython::asyncio", error = %e, "could not start the executor thread; a Rust future is dropped");
                let future = lock(&job.future).take();
                drop(future);
                return;
            }
        }
    }
    ex.queue.push_back(job);
    drop(ex);
    WORK.notify_one();
}

/// The executor thread: polls queued tasks until asked to stop and the queue is empty.
fn run_executor() {
    ON_EXECUTOR.with(|o| o.set(true));
    loop {
        let job = {
            let mut ex = lock(&EXECUTOR);
            loop {
                if let Some(j) = ex.queue.pop_front() {
                    break j;
                }
                if ex.stopping {
                    // Asked to stop, and the queue is empty: the next spawn starts a new
                    // thread.
                    ex.stopping = false;
                    return;
                }
                ex = WORK.wait(ex).unwrap_or_else(|e| e.into_inner());
            }
        };
        job.queued.store(false, Ordering::Release);
        let waker = Waker::from(job.clone());
        let mut cx = Context::from_waker(&waker);
        let mut slot = lock(&job.future);
        let Some(future) = slot.as_mut() else {
            continue;
        };
        // Tasks catch their own future's panics; this catches one of a destructor, so the
        // thread survives it.
        let done = catch_unwind(AssertUnwindSafe(|| {
            future.as_mut().poll(&mut cx).is_ready()
        }))
        .unwrap_or(true);
        if done {
            let finished = slot.take();
            drop(slot);
            let _ = catch_unwind(AssertUnwindSafe(move || drop(finished)));
        }
    }
}

/// Stops the built-in executor's thread once its queue is empty and waits for it (unless
/// called on that thread); it starts again on the next spawn. Runs when the main interpreter
/// ends, after every task has been aborted, so no thread of this crate outlives Python.
pub(crate) fn stop_builtin() {
    let thread = {
        let mut ex = lock(&EXECUTOR);
        let Some(t) = ex.thread.take() else { return };
        ex.stopping = true;
        t
    };
    WORK.notify_all();
    let (id, handle) = thread;
    // Called from a task (a Rust future that finalizes Python): the thread exits after that
    // task's poll, without being waited for.
    if id != std::thread::current().id() {
        let _ = handle.join();
    }
}
