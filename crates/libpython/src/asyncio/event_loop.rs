//! The asyncio event loops Python awaitables run on, as Rust sees them.
//!
//! A [`LoopHandle`] is a queue of work for one event loop's thread: start an awaitable, cancel
//! a task, complete the future of a Rust future that finished. Any thread queues work without
//! the GIL; the loop's thread runs it under the GIL, in `drain`, a Rust function the loop
//! calls. Two kinds of loops:
//!
//! - **Own loops**: one per interpreter, run by a thread of this crate, started on first use.
//!   Queuing work writes a byte to a socket the loop watches (`loop.add_reader`), so the
//!   queuing thread needs no GIL at all. The interpreter's end (the end hook of the
//!   interpreter layer: `Interpreter::end`, `finalize`) stops the loop, cancels its tasks,
//!   closes it and waits for its thread.
//! - **Foreign loops**: a loop of the program's own on which Python awaits a Rust future; the
//!   Rust future's own awaits go to that loop. Queuing work there calls
//!   `loop.call_soon_threadsafe(drain)` (which takes the interpreter's GIL).
//!
//! A task that finishes calls back `task_done` (another Rust function), which delivers the
//! result to the Rust future waiting for it and wakes it. Every Rust task that runs a Rust
//! future for Python is registered per interpreter, so the interpreter's end aborts them.
//!
//! What Rust holds of a foreign loop, it holds weakly: the loop itself, the tasks Rust awaits
//! there, and the loop's *anchor* (`helpers.anchor`), where the loop keeps, through a timer that
//! never fires, the Python side of the Rust futures awaited there and the tasks Rust awaits.
//! So the collector sees everything that keeps a loop alive, as for a pure Python program: a
//! loop the program closes or drops goes, with the tasks left pending on it, and the Rust
//! futures they awaited are aborted (their control functions are freed), instead of being
//! kept, with the loop and its file descriptors, by the static registry of Rust tasks.

use std::cell::RefCell;
use std::collections::HashMap;
use std::io::{Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex, MutexGuard, OnceLock, Weak};
use std::thread::{JoinHandle, ThreadId};

use libpython_interp as interp;
use libpython_interp::{InterpKey, PerInterpreter, ffi};

use super::executor::{self, Abort};
use super::future::Shared;
use crate::err::{Error, ErrorKind, Result};
use crate::function::{Args, function_in};
use crate::gil::Python;
use crate::object::{Borrowed, Bound, Object};
use crate::views::Dict;

/// The Python side (`helpers.py`), run once per interpreter.
const HELPERS_PY: &str = include_str!("helpers.py");

/// The namespace of `helpers.py`, one per interpreter.
static HELPERS: PerInterpreter = PerInterpreter::new();

/// The namespace of `helpers.py` in `py`'s interpreter, made on first use and kept for the
/// interpreter's life.
pub(crate) fn helpers(py: Python<'_>) -> Result<Bound<'_>> {
    // SAFETY: the GIL of `py`'s interpreter is held (`py`); `make` returns a new reference to
    // an object of that interpreter.
    let ns = unsafe {
        HELPERS.get_or_make(py.interpreter_key(), || -> Result<*mut ffi::PyObject> {
            let ns = Dict::new_in(py)?;
            ns.insert("__name__", "libpython.asyncio")?;
            py.exec(HELPERS_PY, &ns)?;
            Ok(ns.clone_ref(py).into_ptr())
        })?
    };
    // SAFETY: the cache keeps the namespace alive as long as the interpreter; the GIL is
    // held; the new handle takes a reference of its own.
    Ok(unsafe { Bound::from_borrowed_ptr(py, ns) })
}

/// Work for a loop's thread.
pub(crate) enum Job {
    /// Run `awaitable` as a task; its outcome goes to `shared`.
    Start {
        awaitable: Object,
        shared: Arc<Shared>,
    },
    /// Cancel the task of `shared` (its Rust future was dropped).
    Cancel(Arc<Shared>),
    /// Complete the asyncio future of a Rust future that finished: `finish(anchor, key)`, the
    /// future and its control function being `anchor[key]` (see [`LoopHandle::keep`]).
    Finish { key: u64 },
}

impl Job {
    /// The job will not run: an awaitable's Rust future gets `err`. Objects are dropped where
    /// the caller is (queued for their interpreter if it does not hold the GIL).
    fn refuse(self, err: &Error) {
        if let Job::Start { awaitable, shared } = self {
            shared.complete(Err(err.clone()));
            drop(awaitable);
        }
    }
}

/// The queue of a loop, and whether it still takes work.
struct Queue {
    jobs: Vec<Job>,
    /// Set when the loop stops taking work: what queuing more gives.
    closed: Option<Error>,
}

/// The event loop itself, as a handle holds it.
enum LoopRef {
    /// The library's own loop, kept for its interpreter's life.
    Own(Object),
    /// A weak reference to a loop of the program's own: a Rust future pending there (and the
    /// handle it holds) must not keep it alive, where Python's collector cannot see it. With
    /// the loop's address, to compare cheaply.
    Foreign { weak: Object, address: usize },
}

impl LoopRef {
    /// The loop; `Err` if it was freed.
    fn get<'py>(&self, py: Python<'py>) -> Result<Bound<'py>> {
        match self {
            LoopRef::Own(l) => Ok(l.bind(py)?.clone()),
            LoopRef::Foreign { weak, .. } => {
                let l = weak.bind(py)?.call0()?;
                if l.is_none()? {
                    return Err(loop_freed());
                }
                Ok(l)
            }
        }
    }
}

/// What the Rust side waiting on a foreign loop gets when that loop was freed, or freed the
/// task it waited for.
fn loop_freed() -> Error {
    Error::from(interp::Error::Unsupported(
        "the asyncio event loop was closed or freed before the task finished",
    ))
}

/// What the loop's thread uses, made there once the loop exists.
struct Parts {
    event_loop: LoopRef,
    /// `helpers.start` (`helpers.start_foreign` for a foreign loop), `helpers.close`,
    /// `helpers.finish`.
    start: Object,
    close: Object,
    finish: Object,
    /// The Rust function `task_done(task)`.
    done: Object,
    /// For a foreign loop, the Rust function `task_gone(address)`, called when a task is freed
    /// before it is done.
    gone: Option<Object>,
}

/// One asyncio event loop, as the Rust side reaches it (see the module's documentation).
pub(crate) struct LoopHandle {
    key: InterpKey,
    /// An own loop's wake-up socket (the loop's thread reads the other end); `None` for a
    /// foreign loop, woken with `call_soon_threadsafe`.
    wake: Option<UnixStream>,
    parts: OnceLock<Parts>,
    /// The thread running the loop (for a foreign loop, the one that last awaited a Rust
    /// future there: a loop may run on one thread, then on another).
    thread: Mutex<Option<ThreadId>>,
    queue: Mutex<Queue>,
    /// A wake-up is on its way (so queuing more work needs none).
    scheduled: AtomicBool,
    /// The loop must stop (its interpreter ends); cleared when `drain` has stopped it.
    stop: AtomicBool,
    /// The error the Rust futures of tasks still running get when the loop stops.
    closing: OnceLock<Error>,
    /// Running tasks by address: the task (owned here until it is done; on a foreign loop, a
    /// weak reference to it, the loop keeping the task) and the Rust side's slot. Used on the
    /// loop's thread, and emptied when the loop stops taking work.
    pending: Mutex<HashMap<usize, (Object, Arc<Shared>)>>,
    /// An own loop's thread.
    join: Mutex<Option<JoinHandle<()>>>,
    /// A weak reference to the loop's anchor (`helpers.anchor`), which keeps the Python side of
    /// the Rust futures awaited there; `None` before the first.
    anchor: Mutex<Option<Object>>,
    /// The key of the next Rust future awaited here, in the anchor.
    next_key: AtomicU64,
}

/// Locks a mutex of this module: its data stays consistent even if a holder panicked (only
/// moves in and out happen under these locks, never Python code).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl LoopHandle {
    fn new(key: InterpKey, wake: Option<UnixStream>) -> Self {
        LoopHandle {
            key,
            wake,
            parts: OnceLock::new(),
            thread: Mutex::new(None),
            queue: Mutex::new(Queue {
                jobs: Vec::new(),
                closed: None,
            }),
            scheduled: AtomicBool::new(false),
            stop: AtomicBool::new(false),
            closing: OnceLock::new(),
            pending: Mutex::new(HashMap::new()),
            join: Mutex::new(None),
            anchor: Mutex::new(None),
            next_key: AtomicU64::new(0),
        }
    }

    /// The loop's anchor if it has one (none before the first Rust future awaited there, nor
    /// once the loop is closed or freed).
    fn existing_anchor<'py>(&self, py: Python<'py>) -> Result<Option<Bound<'py>>> {
        let weak = lock(&self.anchor).as_ref().map(|w| w.clone_ref(py));
        let Some(weak) = weak else { return Ok(None) };
        let anchor = weak.into_bound(py)?.call0()?;
        Ok((!anchor.is_none()?).then_some(anchor))
    }

    /// Has the loop keep `fut`, the asyncio future of a Rust future, and `ctl`, its control
    /// function, until `fut` is done (see [`forget`](Self::forget)), or until the loop is
    /// closed or freed; gives their key. On the loop's thread.
    ///
    /// The loop keeps them in its anchor (`helpers.anchor`), through a timer that never fires,
    /// as it keeps a task sleeping on a timer: the collector sees it all, and Rust holds the
    /// anchor only weakly, so a loop the program drops (or closes) takes its pending Rust
    /// futures' Python side with it, and freeing `ctl` aborts the Rust future. The anchor of
    /// a foreign loop keeps the loop's handle too, so that one handle serves the loop while it
    /// lives.
    pub(crate) fn keep(
        self: &Arc<Self>,
        py: Python<'_>,
        fut: &Bound<'_>,
        ctl: &Bound<'_>,
    ) -> Result<u64> {
        let anchor = self.anchor(py)?;
        let key = self.next_key.fetch_add(1, Ordering::Relaxed);
        anchor.set_item(key, (fut, ctl))?;
        Ok(key)
    }

    /// Forgets what [`keep`](Self::keep) kept under `key` (its future is done).
    pub(crate) fn forget(&self, py: Python<'_>, key: u64) -> Result<()> {
        if let Some(anchor) = self.existing_anchor(py)? {
            anchor.call_method("pop", (key, ()))?;
        }
        Ok(())
    }

    /// The loop's anchor, made if it has none.
    fn anchor<'py>(self: &Arc<Self>, py: Python<'py>) -> Result<Bound<'py>> {
        if let Some(anchor) = self.existing_anchor(py)? {
            return Ok(anchor);
        }
        let parts = self.parts.get().ok_or_else(|| {
            Error::from(interp::Error::Unsupported("the event loop is not running"))
        })?;
        let ns = helpers(py)?;
        let keeper = match parts.event_loop {
            LoopRef::Own(_) => None,
            LoopRef::Foreign { .. } => {
                let me = self.clone();
                Some(function_in(
                    py,
                    "loop_handle",
                    None,
                    move |_a: &Args<'_>| {
                        let _ = &me;
                        Ok(())
                    },
                )?)
            }
        };
        let anchor = ns
            .get_item("anchor")?
            .call((parts.event_loop.get(py)?, keeper))?;
        let weak = ns.get_item("weak")?.call((&anchor,))?.unbind();
        let old = lock(&self.anchor).replace(weak);
        drop(old);
        Ok(anchor)
    }

    /// Whether the calling thread is the one running this loop.
    pub(crate) fn runs_on_this_thread(&self) -> bool {
        *lock(&self.thread) == Some(std::thread::current().id())
    }

    /// Queues `job` for the loop's thread and wakes it. Needs no GIL for an own loop. When
    /// the loop no longer takes work, the job is refused at once (an awaitable's Rust future
    /// gets the loop's error).
    pub(crate) fn submit(self: &Arc<Self>, job: Job) {
        let mut q = lock(&self.queue);
        if let Some(err) = &q.closed {
            let err = err.clone();
            drop(q);
            job.refuse(&err);
            return;
        }
        q.jobs.push(job);
        drop(q);
        if !self.scheduled.swap(true, Ordering::SeqCst) {
            self.wake_up();
        }
    }

    /// Makes the loop's thread run `drain` soon. A foreign loop is handed a new Rust function
    /// that owns this handle until it has run: nothing else keeps a foreign loop's handle
    /// alive while work waits in its queue.
    fn wake_up(self: &Arc<Self>) {
        if let Some(tx) = &self.wake {
            // A full socket means a wake-up is already waiting to be read.
            let _ = (&*tx).write(&[1]);
            return;
        }
        let Some(LoopRef::Foreign { weak, .. }) = self.parts.get().map(|p| &p.event_loop) else {
            return;
        };
        let once = DrainOnce {
            handle: self.clone(),
            ran: AtomicBool::new(false),
        };
        let r = weak.with_own_gil(move |w| {
            let l = w.call0()?;
            if l.is_none()? {
                return Err(loop_freed());
            }
            let drain = function_in(l.py(), "drain", None, move |a: &Args<'_>| {
                once.ran.store(true, Ordering::SeqCst);
                once.handle.drain(a.py())
            })?;
            l.call_method("call_soon_threadsafe", (drain,)).map(drop)
        });
        if let Err(e) = r {
            // The loop was closed or freed (or its interpreter is gone): nothing queued will
            // run. Python's exception is not kept: its traceback holds the loop.
            let e = match e.kind() {
                ErrorKind::Python(_) => loop_freed(),
                _ => e,
            };
            self.close_without_gil(e);
        }
    }

    /// Runs the queued work; called by the loop (the `drain` Rust function), on its thread.
    fn drain(self: &Arc<Self>, py: Python<'_>) -> Result<()> {
        self.scheduled.store(false, Ordering::SeqCst);
        let Some(parts) = self.parts.get() else {
            return Ok(());
        };
        // Once: the loop then runs a little longer on its own to end its tasks, which another
        // `stop` would cut short.
        if self.stop.swap(false, Ordering::SeqCst) {
            parts.event_loop.get(py)?.call_method("stop", ())?;
        }
        let jobs = std::mem::take(&mut lock(&self.queue).jobs);
        for job in jobs {
            self.run_job(py, parts, job);
        }
        Ok(())
    }

    /// Runs one job on the loop's thread. Failures go to the Rust future concerned; a job
    /// that has no one to tell is dropped (with a trace event).
    fn run_job(self: &Arc<Self>, py: Python<'_>, parts: &Parts, job: Job) {
        match job {
            Job::Start { awaitable, shared } => {
                if let Some(err) = self.closing.get() {
                    let _ = parts.close.bind(py).and_then(|c| c.call((&awaitable,)));
                    Job::Start { awaitable, shared }.refuse(err);
                    return;
                }
                if shared.is_cancelled() {
                    // Dropped before it started: it never runs.
                    let _ = parts.close.bind(py).and_then(|c| c.call((awaitable,)));
                    return;
                }
                match self.start(py, parts, awaitable) {
                    Err(e) => shared.complete(Err(e)),
                    Ok((task, kept)) => {
                        let address = task.as_ptr() as usize;
                        let replaced = lock(&self.pending).insert(address, (kept, shared.clone()));
                        drop(replaced);
                        if !shared.set_task(address) {
                            let _ = task.call_method("cancel", ());
                        }
                    }
                }
            }
            Job::Cancel(shared) => {
                let address = shared.task();
                let kept = lock(&self.pending)
                    .get(&address)
                    .map(|(t, _)| t.clone_ref(py));
                let Some(kept) = kept else { return };
                let cancelled = kept.bind(py).and_then(|t| {
                    let t = match parts.event_loop {
                        LoopRef::Foreign { .. } => t.call0()?,
                        LoopRef::Own(_) => t.clone(),
                    };
                    if t.is_none()? {
                        return Ok(());
                    }
                    t.call_method("cancel", ()).map(drop)
                });
                if let Err(e) = cancelled {
                    tracing::debug!(target: "libpython::asyncio", error = %e, "cancelling a task failed");
                }
            }
            Job::Finish { key } => {
                let finished = self.existing_anchor(py).and_then(|anchor| match anchor {
                    Some(anchor) => parts.finish.bind(py)?.call((anchor, key)).map(drop),
                    None => Ok(()),
                });
                if let Err(e) = finished {
                    tracing::debug!(target: "libpython::asyncio", error = %e, "completing the future of a Rust future failed");
                }
            }
        }
    }

    /// Runs `awaitable` as a task of the loop: the task, and what `pending` keeps of it (the
    /// task, or a weak reference to it on a foreign loop).
    fn start<'py>(
        self: &Arc<Self>,
        py: Python<'py>,
        parts: &Parts,
        awaitable: Object,
    ) -> Result<(Bound<'py>, Object)> {
        let event_loop = parts.event_loop.get(py)?;
        let start = parts.start.bind(py)?;
        match &parts.gone {
            None => {
                let task = start.call((event_loop, awaitable, &parts.done))?;
                let kept = task.clone().unbind();
                Ok((task, kept))
            }
            Some(gone) => {
                let anchor = self.anchor(py)?;
                let pair = start.call((event_loop, awaitable, &parts.done, gone, anchor))?;
                Ok((pair.get_item(0)?, pair.get_item(1)?.unbind()))
            }
        }
    }

    /// A task of a foreign loop was freed before it was done (its loop was closed or freed):
    /// the Rust future waiting for it gets an error.
    fn task_gone(&self, address: usize) {
        let entry = lock(&self.pending).remove(&address);
        if let Some((weak, shared)) = entry {
            shared.complete(Err(loop_freed()));
            drop(weak);
        }
    }

    /// A task ended (its done callback, on the loop's thread): its outcome goes to the Rust
    /// future waiting for it.
    fn task_done(&self, task: &Borrowed<'_, '_>) -> Result<()> {
        let entry = lock(&self.pending).remove(&(task.as_ptr() as usize));
        let Some((owned, shared)) = entry else {
            return Ok(());
        };
        let cancelled = || {
            task.call_method("cancelled", ())
                .and_then(|c| c.is_truthy())
                .unwrap_or(false)
        };
        let result = match self.closing.get() {
            Some(err) if cancelled() => Err(err.clone()),
            _ => task.call_method("result", ()).map(Bound::unbind),
        };
        shared.complete(result);
        drop(owned);
        Ok(())
    }

    /// Stops taking work and fails what is left, on the loop's thread under the GIL: queued
    /// jobs are refused (their coroutines closed), and the Rust futures of tasks still
    /// running get `err`.
    fn close(&self, py: Python<'_>, err: Error) {
        let _ = self.closing.set(err.clone());
        let jobs = {
            let mut q = lock(&self.queue);
            q.closed.get_or_insert(err.clone());
            std::mem::take(&mut q.jobs)
        };
        let close = helpers(py).and_then(|ns| ns.get_item("close"));
        for job in jobs {
            if let (Job::Start { awaitable, .. }, Ok(close)) = (&job, &close) {
                let _ = close.call((awaitable,));
            }
            job.refuse(&err);
        }
        let pending = std::mem::take(&mut *lock(&self.pending));
        for (_, (task, shared)) in pending {
            shared.complete(Err(err.clone()));
            drop(task);
        }
    }

    /// [`close`](Self::close) from a thread that may not hold the loop's GIL (a foreign
    /// loop, whose thread runs on): objects are released through their interpreter's queue.
    fn close_without_gil(&self, err: Error) {
        let _ = self.closing.set(err.clone());
        let jobs = {
            let mut q = lock(&self.queue);
            q.closed.get_or_insert(err.clone());
            std::mem::take(&mut q.jobs)
        };
        for job in jobs {
            job.refuse(&err);
        }
        let pending = std::mem::take(&mut *lock(&self.pending));
        for (_, (task, shared)) in pending {
            shared.complete(Err(err.clone()));
            drop(task);
        }
    }

    /// Stops an own loop for its interpreter's end and waits for its thread: no new work is
    /// taken; the loop cancels its tasks (their Rust futures get `err`), closes, and its
    /// thread exits.
    fn shut_down(&self, err: Error) {
        let _ = self.closing.set(err.clone());
        lock(&self.queue).closed.get_or_insert(err);
        self.stop.store(true, Ordering::SeqCst);
        self.scheduled.store(true, Ordering::SeqCst);
        if let Some(tx) = &self.wake {
            let _ = (&*tx).write(&[1]);
        }
        let thread = lock(&self.join).take();
        if let Some(t) = thread
            && t.thread().id() != std::thread::current().id()
        {
            let _ = t.join();
        }
    }
}

/// What the `drain` function handed to a foreign loop owns: the handle, until the loop has run
/// it. Dropped without having run, the loop was closed or freed with it still scheduled: the
/// work queued will never run, and fails (its Rust futures get an error instead of waiting).
struct DrainOnce {
    handle: Arc<LoopHandle>,
    ran: AtomicBool,
}

impl Drop for DrainOnce {
    fn drop(&mut self) {
        if !self.ran.load(Ordering::SeqCst) {
            self.handle.close_without_gil(loop_freed());
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Loop threads

/// Makes the loop's Rust functions and looks up its helpers, on the loop's thread.
fn make_parts(py: Python<'_>, h: &Arc<LoopHandle>, event_loop: LoopRef) -> Result<Parts> {
    let ns = helpers(py)?;
    let weak = Arc::downgrade(h);
    let done = function_in(py, "task_done", None, move |a: &Args<'_>| {
        match (weak.upgrade(), a.get(0)) {
            (Some(h), Some(task)) => h.task_done(&task),
            _ => Ok(()),
        }
    })?;
    let (start, gone) = match event_loop {
        LoopRef::Own(_) => (ns.get_item("start")?, None),
        LoopRef::Foreign { .. } => {
            let weak = Arc::downgrade(h);
            let gone = function_in(py, "task_gone", None, move |a: &Args<'_>| {
                let address: usize = a.extract(0)?;
                if let Some(h) = weak.upgrade() {
                    h.task_gone(address);
                }
                Ok(())
            })?;
            (ns.get_item("start_foreign")?, Some(gone))
        }
    };
    Ok(Parts {
        event_loop,
        start: start.unbind(),
        close: ns.get_item("close")?.unbind(),
        finish: ns.get_item("finish")?.unbind(),
        done,
        gone,
    })
}

/// The GIL of `key`'s interpreter, for a loop's thread (which is bound to nothing).
fn acquire(key: InterpKey) -> Result<interp::GilGuard> {
    if key.is_main() {
        if interp::main_key() != Some(key) {
            return Err(Error::from(interp::Error::Finalized));
        }
        return Ok(interp::gil::acquire_main()?);
    }
    let state = interp::lookup(key).ok_or_else(|| Error::from(interp::Error::InterpreterEnded))?;
    Ok(interp::gil::acquire_interp(&state)?)
}

/// The body of an own loop's thread: makes the loop, runs it until the interpreter's end
/// stops it, then fails whatever is left.
fn run_own(h: Arc<LoopHandle>, rx: UnixStream) {
    let guard = match acquire(h.key) {
        Ok(g) => g,
        Err(e) => {
            h.close_without_gil(e);
            return;
        }
    };
    // SAFETY: `guard` holds the GIL of `guard.key()` until it is dropped at the end of this
    // function; the token does not outlive it.
    let py = unsafe { Python::assume(guard.key()) };
    let ran = (|| -> Result<()> {
        if h.stop.load(Ordering::SeqCst) {
            return Ok(());
        }
        let ns = helpers(py)?;
        let event_loop = ns.get_item("new_loop")?.call(())?.unbind();
        let fd = rx.as_raw_fd();
        let parts = make_parts(py, &h, LoopRef::Own(event_loop.clone_ref(py)))?;
        let weak = Arc::downgrade(&h);
        let drain = function_in(py, "drain", None, move |a: &Args<'_>| {
            // Read every wake-up byte: one drain serves them all. (There is rarely more than
            // one: a byte is only written when no wake-up is on its way.)
            let mut buf = [0u8; 64];
            while matches!((&rx).read(&mut buf), Ok(n) if n == buf.len()) {}
            match weak.upgrade() {
                Some(h) => h.drain(a.py()),
                None => Ok(()),
            }
        })?;
        *lock(&h.thread) = Some(std::thread::current().id());
        let _ = h.parts.set(parts);
        ns.get_item("run")?.call((event_loop, fd, drain))?;
        Ok(())
    })();
    let err = match (ran, h.closing.get()) {
        (Err(e), _) => {
            tracing::error!(target: "libpython::asyncio", error = %e, "an asyncio event loop thread failed");
            e
        }
        (Ok(()), Some(e)) => e.clone(),
        (Ok(()), None) => Error::from(interp::Error::Finalizing),
    };
    h.close(py, err);
    drop(guard);
}

// ---------------------------------------------------------------------------------------------
// The registry

/// Every loop and Rust task of every interpreter, by interpreter key.
#[derive(Default)]
struct Registry {
    /// Own loops.
    loops: HashMap<u64, Arc<LoopHandle>>,
    /// Foreign loops Rust futures run on (dead entries pruned as new ones come).
    foreign: HashMap<u64, Vec<Weak<LoopHandle>>>,
    /// Abort switches of the Rust futures Python awaits, by task number.
    tasks: HashMap<u64, HashMap<u64, Arc<Abort>>>,
    next_task: u64,
    /// Interpreters whose end has begun and that are still registered, with the error new
    /// work gets (an ended sub-interpreter is refused by the interpreter layer's registry).
    closed: HashMap<u64, Error>,
}

static REGISTRY: LazyLock<Mutex<Registry>> = LazyLock::new(Mutex::default);

impl Registry {
    /// Records that `key`'s interpreter is ending (new work gets `err`), forgetting the
    /// interpreters that have ended since (`registered` says which sub-interpreters the
    /// interpreter layer still has) and those of other runtimes: they are refused by
    /// `check_alive` without an entry. So `closed` holds at most one entry per interpreter
    /// still registered, however many have ended.
    fn record_end(&mut self, key: InterpKey, err: Error, registered: impl Fn(InterpKey) -> bool) {
        self.closed.retain(|k, _| {
            let k = InterpKey::from_bits(*k);
            k.generation() == key.generation() && (k.is_main() || registered(k))
        });
        self.closed.insert(key.to_bits(), err);
    }
}

/// Installs [`on_end`] as the interpreter layer's end hook, once.
fn ensure_hook() {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| interp::add_end_hook(on_end));
}

/// Whether `key`'s interpreter can take new work: `Err` with the reason if not.
fn check_alive(key: InterpKey, reg: &Registry) -> Result<()> {
    if key.generation() != interp::generation() {
        return Err(Error::from(interp::Error::Finalized));
    }
    if !interp::is_running() {
        return Err(Error::from(if interp::is_finalized() {
            interp::Error::Finalized
        } else {
            interp::Error::Finalizing
        }));
    }
    if let Some(e) = reg.closed.get(&key.to_bits()) {
        return Err(e.clone());
    }
    if !key.is_main() && interp::lookup(key).is_none() {
        return Err(Error::from(interp::Error::InterpreterEnded));
    }
    Ok(())
}

/// The own loop of `key`'s interpreter, its thread started if it is not running.
pub(crate) fn own_loop(key: InterpKey) -> Result<Arc<LoopHandle>> {
    ensure_hook();
    let mut reg = lock(&REGISTRY);
    check_alive(key, &reg)?;
    if let Some(h) = reg.loops.get(&key.to_bits()) {
        return Ok(h.clone());
    }
    let io = |e: std::io::Error| {
        Error::conversion(format!(
            "cannot make the wake-up socket of an asyncio event loop: {e}"
        ))
    };
    let (tx, rx) = UnixStream::pair().map_err(io)?;
    tx.set_nonblocking(true).map_err(io)?;
    rx.set_nonblocking(true).map_err(io)?;
    let h = Arc::new(LoopHandle::new(key, Some(tx)));
    let for_thread = h.clone();
    let thread = std::thread::Builder::new()
        .name("libpython-asyncio".into())
        .spawn(move || run_own(for_thread, rx))
        .map_err(|e| {
            Error::conversion(format!("cannot start the asyncio event loop thread: {e}"))
        })?;
    *lock(&h.join) = Some(thread);
    reg.loops.insert(key.to_bits(), h.clone());
    Ok(h)
}

/// The handle of `event_loop`, the running loop of `py`'s interpreter on this thread: the
/// own loop if it is that one, else a foreign handle (reused while one lives).
pub(crate) fn running_loop(py: Python<'_>, event_loop: &Bound<'_>) -> Result<Arc<LoopHandle>> {
    ensure_hook();
    let key = py.interpreter_key();
    let candidates: Vec<Arc<LoopHandle>> = {
        let mut reg = lock(&REGISTRY);
        check_alive(key, &reg)?;
        let mut candidates: Vec<_> = reg.loops.get(&key.to_bits()).cloned().into_iter().collect();
        if let Some(list) = reg.foreign.get_mut(&key.to_bits()) {
            list.retain(|w| w.strong_count() > 0);
            candidates.extend(list.iter().filter_map(Weak::upgrade));
        }
        candidates
    };
    // Compared outside the registry's lock: a foreign loop is read through its weak reference,
    // a call into Python.
    let same = |h: &LoopHandle| {
        h.parts.get().is_some_and(|p| match &p.event_loop {
            LoopRef::Own(l) => l.as_ptr() == event_loop.as_ptr(),
            LoopRef::Foreign { address, .. } => {
                *address == event_loop.as_ptr() as usize
                    && p.event_loop
                        .get(py)
                        .is_ok_and(|l| l.as_ptr() == event_loop.as_ptr())
            }
        })
    };
    if let Some(h) = candidates.iter().find(|h| same(h)) {
        *lock(&h.thread) = Some(std::thread::current().id());
        return Ok(h.clone());
    }
    drop(candidates);
    // Python objects are made outside the registry's lock.
    let h = Arc::new(LoopHandle::new(key, None));
    let weak = helpers(py)?.get_item("weak")?.call((event_loop,))?.unbind();
    let address = event_loop.as_ptr() as usize;
    let parts = make_parts(py, &h, LoopRef::Foreign { weak, address })?;
    let _ = h.parts.set(parts);
    *lock(&h.thread) = Some(std::thread::current().id());
    let mut reg = lock(&REGISTRY);
    check_alive(key, &reg)?;
    reg.foreign
        .entry(key.to_bits())
        .or_default()
        .push(Arc::downgrade(&h));
    Ok(h)
}

/// A registered Rust task (a Rust future Python awaits); unregistered when dropped.
pub(crate) struct Registration {
    key: u64,
    id: u64,
}

impl Drop for Registration {
    fn drop(&mut self) {
        let mut reg = lock(&REGISTRY);
        let removed = reg
            .tasks
            .get_mut(&self.key)
            .and_then(|t| t.remove(&self.id));
        drop(reg);
        drop(removed);
    }
}

/// Registers the abort switch of a Rust future about to run for `key`'s interpreter, so its
/// end aborts it.
pub(crate) fn register_task(key: InterpKey, abort: Arc<Abort>) -> Result<Registration> {
    ensure_hook();
    let mut reg = lock(&REGISTRY);
    check_alive(key, &reg)?;
    reg.next_task += 1;
    let id = reg.next_task;
    reg.tasks
        .entry(key.to_bits())
        .or_default()
        .insert(id, abort);
    Ok(Registration {
        key: key.to_bits(),
        id,
    })
}

/// The end hook: `key`'s interpreter is about to end (this thread holds no GIL). Takes no new
/// work for it, aborts its Rust tasks, fails what waits on foreign loops, stops its own loop
/// and waits for the loop's thread; for the main interpreter (Python is being finalized), also
/// stops the built-in executor's thread.
fn on_end(key: InterpKey) {
    let err = Error::from(if key.is_main() {
        interp::Error::Finalizing
    } else {
        interp::Error::InterpreterEnded
    });
    let (own, foreign, tasks) = {
        let mut reg = lock(&REGISTRY);
        reg.record_end(key, err.clone(), |k| interp::lookup(k).is_some());
        let bits = key.to_bits();
        (
            reg.loops.remove(&bits),
            reg.foreign.remove(&bits).unwrap_or_default(),
            reg.tasks.remove(&bits).unwrap_or_default(),
        )
    };
    for abort in tasks.values() {
        abort.abort();
    }
    for h in foreign.iter().filter_map(Weak::upgrade) {
        h.close_without_gil(err.clone());
    }
    if let Some(h) = own {
        h.shut_down(err);
    }
    if key.is_main() {
        executor::stop_builtin();
    }
    tracing::debug!(target: "libpython::asyncio", interp = ?key, "asyncio support ended for an interpreter");
}

// ---------------------------------------------------------------------------------------------
// The loop of the Python task awaiting a Rust future

thread_local! {
    /// While a Rust future that Python awaits is polled: the loop of the Python task awaiting
    /// it, where the awaits it makes go.
    static CURRENT: RefCell<Option<Arc<LoopHandle>>> = const { RefCell::new(None) };
}

/// The loop set by [`Scoped`] on this thread, if it is `key`'s interpreter's and takes work.
pub(crate) fn scoped(key: InterpKey) -> Option<Arc<LoopHandle>> {
    CURRENT.with(|c| {
        c.borrow()
            .as_ref()
            .filter(|h| h.key == key && h.closing.get().is_none())
            .cloned()
    })
}

/// `inner`, polled with [`CURRENT`] set to `handle`.
pub(crate) struct Scoped<F> {
    handle: Arc<LoopHandle>,
    inner: std::pin::Pin<Box<F>>,
}

impl<F> Scoped<F> {
    pub(crate) fn new(handle: Arc<LoopHandle>, inner: F) -> Self {
        Scoped {
            handle,
            inner: Box::pin(inner),
        }
    }
}

impl<F: std::future::Future> std::future::Future for Scoped<F> {
    type Output = F::Output;

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<F::Output> {
        /// Puts the previous value back, also when the poll panics.
        struct Restore(Option<Arc<LoopHandle>>);
        impl Drop for Restore {
            fn drop(&mut self) {
                let prev = self.0.take();
                let _ = CURRENT.try_with(|c| *c.borrow_mut() = prev);
            }
        }
        let prev = CURRENT.with(|c| c.borrow_mut().replace(self.handle.clone()));
        let _restore = Restore(prev);
        self.inner.as_mut().poll(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The key of interpreter `index` of runtime `generation`.
    fn key(generation: u32, index: u32) -> InterpKey {
        InterpKey::from_bits((u64::from(generation) << 32) | u64::from(index))
    }

    #[test]
    fn ended_interpreters_leave_no_record_behind() {
        let mut reg = Registry::default();
        let err = || Error::from(interp::Error::InterpreterEnded);
        // A thousand sub-interpreters end one after another, each gone from the interpreter
        // layer's registry before the next ends.
        for index in 1..=1000 {
            reg.record_end(key(1, index), err(), |k| k.index() == index);
        }
        assert_eq!(
            reg.closed.len(),
            1,
            "only the last, still registered, is kept"
        );
        // Two still registered while they end, then the main interpreter (finalize).
        reg.record_end(key(1, 2000), err(), |_| true);
        reg.record_end(key(1, 0), err(), |k| k.index() == 2000);
        assert_eq!(reg.closed.len(), 2);
        // A new runtime forgets the old one's.
        reg.record_end(key(2, 1), err(), |_| true);
        assert_eq!(
            reg.closed.keys().copied().collect::<Vec<_>>(),
            [key(2, 1).to_bits()]
        );
    }
}
