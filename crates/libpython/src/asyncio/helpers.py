"""The Python side of libpython's asyncio support, run once per interpreter.

Rust keeps this namespace for the interpreter's life. The functions run on an event loop's
thread (called by Rust functions that drain the loop's queue of work); `RustFuture` is the
awaitable a Rust future appears as.
"""

import asyncio
import weakref
from asyncio import get_running_loop
from types import CoroutineType

# How long the tasks still pending when an interpreter ends may take to finish once they have
# been cancelled (a task that catches the cancellation to clean up). Tasks still running after
# that are abandoned, and so is what the Rust side waits for from them.
GRACE = 5.0


# The delay of a timer that never fires: a loop keeps what the timer holds until the loop is
# closed (or freed), the way it keeps a sleeping task's timer.
FOREVER = 1e9


def _nothing(*_):
    pass


def new_loop():
    return asyncio.new_event_loop()


def weak(obj):
    return weakref.ref(obj)


def start(loop, awaitable, done):
    """Runs `awaitable` as a task of `loop`; `done` is called with the task when it ends."""
    if type(awaitable) is CoroutineType:
        task = loop.create_task(awaitable)
    else:
        task = asyncio.ensure_future(awaitable, loop=loop)
    task.add_done_callback(done)
    return task


class _Waiting(dict):
    """A dict Rust can hold weakly."""

    __slots__ = ("__weakref__",)


def anchor(loop, keeper):
    """A loop's anchor: what its tasks awaiting Rust futures wait on, `{key: (fut, ctl)}`
    (and on a foreign loop the tasks Rust awaits, `{task: None}`), which the loop keeps
    (through a timer that never fires, with `keeper`) until each is done, or until the loop is
    closed or freed. Rust holds it only weakly, and the keys."""
    waiting = _Waiting()
    loop.call_later(FOREVER, _nothing, waiting, keeper)
    return waiting


def start_foreign(loop, awaitable, done, gone, waiting):
    """`start` on a loop of the program's own, whose tasks Rust holds only weakly: the loop
    keeps the task in its anchor (`waiting`) until it is done, and `gone(id)` is called if it
    is freed before that (its loop was closed or freed). Gives the task and the weak reference
    to it."""
    task = start(loop, awaitable, done)
    waiting[task] = None
    task.add_done_callback(waiting.pop)
    return task, weakref.ref(task, lambda _ref, key=id(task): gone(key))


def close(awaitable):
    """A coroutine that will never run is closed, so Python does not warn that nobody awaited
    it."""
    if type(awaitable) is CoroutineType:
        awaitable.close()


def finish(waiting, key):
    """Completes the asyncio future of a Rust future that finished (`waiting[key]`, in its
    loop's anchor): `ctl()` gives its result or raises its error (or panic)."""
    entry = waiting.pop(key, None)
    if entry is None:
        return
    fut, ctl = entry
    if fut.done():
        return
    try:
        result = ctl()
    except BaseException as exc:
        fut.set_exception(exc)
    else:
        fut.set_result(result)


def run(loop, fd, drain):
    """The body of a loop thread: runs `loop` until it is stopped, calling `drain` whenever
    `fd` is readable (Rust queued work), then ends what is left on it."""
    loop.add_reader(fd, drain)
    try:
        loop.run_forever()
    finally:
        try:
            _cancel_all(loop)
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.run_until_complete(loop.shutdown_default_executor())
        finally:
            loop.remove_reader(fd)
            loop.close()


def _cancel_all(loop):
    tasks = asyncio.all_tasks(loop)
    if not tasks:
        return
    for task in tasks:
        task.cancel()
    loop.run_until_complete(asyncio.wait(tasks, timeout=GRACE))


class RustFuture:
    """A Rust future. Awaiting it (once) runs it and gives its result, on the awaiting task's
    event loop; cancelling the awaiting task drops the Rust future."""

    __slots__ = ("_ctl",)

    def __init__(self, ctl):
        self._ctl = ctl

    def __await__(self):
        ctl = self._ctl
        if ctl is None:
            raise RuntimeError("a Rust future can be awaited only once")
        # From here on only the loop's anchor and `fut` keep `ctl` (and so the Rust future).
        self._ctl = None
        loop = get_running_loop()
        fut = loop.create_future()
        # Starts the Rust future, `fut` and `ctl` kept in the loop's anchor: `finish` runs on
        # `loop` when it is done.
        ctl(loop, fut, ctl)
        # Called with `fut` when it is done: forgets it and, if it was cancelled, drops the
        # Rust future.
        fut.add_done_callback(ctl)
        return (yield from fut)

    def __repr__(self):
        return "<libpython.RustFuture>"
