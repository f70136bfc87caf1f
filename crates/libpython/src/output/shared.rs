//! A user's writer behind a Python stream, shared by every thread that prints. Only one thread
//! writes into it at a time, and no thread ever waits for it: the writer may run Python code
//! (or wait for a thread that prints), so a thread that finds it busy leaves its bytes to be
//! written by the thread using it, after that thread's own bytes and before it lets the writer
//! go. A writer that prints to the stream it serves, on its own thread, gets `EDEADLK`
//! ([`entered`]), as it would wait for itself.

use std::io::Write;
use std::sync::{Mutex, MutexGuard, PoisonError, TryLockError};

use super::entered;

/// See the module.
pub(super) struct SharedWriter {
    writer: Mutex<Box<dyn Write + Send>>,
    /// Bytes written by threads that found the writer busy, in the order they came.
    pending: Mutex<Vec<u8>>,
}

impl SharedWriter {
    pub(super) fn new(w: Box<dyn Write + Send>) -> Self {
        SharedWriter {
            writer: Mutex::new(w),
            pending: Mutex::new(Vec::new()),
        }
    }

    /// Writes `b` (part of it, as [`Write::write`] may), or when another thread is using the
    /// writer, leaves all of it to that thread.
    pub(super) fn write(&self, b: &[u8]) -> std::io::Result<usize> {
        entered(self.id(), || {
            let Some(mut w) = self.try_writer() else {
                self.pending().extend_from_slice(b);
                self.write_left_over();
                return Ok(b.len());
            };
            let r = w.write(b);
            self.write_pending(&mut w);
            drop(w);
            self.write_left_over();
            r
        })
    }

    /// Flushes the writer, after what other threads left; when another thread is using it,
    /// that thread writes what is left.
    pub(super) fn flush(&self) -> std::io::Result<()> {
        entered(self.id(), || {
            let Some(mut w) = self.try_writer() else {
                return Ok(());
            };
            self.write_pending(&mut w);
            let r = w.flush();
            drop(w);
            self.write_left_over();
            r
        })
    }

    /// The writer if no thread is using it (a writer whose user panicked is used as it is).
    fn try_writer(&self) -> Option<MutexGuard<'_, Box<dyn Write + Send>>> {
        match self.writer.try_lock() {
            Ok(w) => Some(w),
            Err(TryLockError::Poisoned(p)) => Some(p.into_inner()),
            Err(TryLockError::WouldBlock) => None,
        }
    }

    fn pending(&self) -> MutexGuard<'_, Vec<u8>> {
        self.pending.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Writes what other threads left, with the writer held. Their bytes were accepted
    /// already: an error writing them is not theirs to see, and they are dropped.
    fn write_pending(&self, w: &mut Box<dyn Write + Send>) {
        loop {
            let bytes = std::mem::take(&mut *self.pending());
            if bytes.is_empty() {
                return;
            }
            let _ = w.write_all(&bytes);
        }
    }

    /// After letting the writer go (or finding it busy): bytes left between the holder's last
    /// look and its letting go are written by whoever gets the writer now. A thread that
    /// leaves bytes and then finds the writer busy leaves them to its holder, which looks
    /// again here after letting it go.
    fn write_left_over(&self) {
        while !self.pending().is_empty() {
            let Some(mut w) = self.try_writer() else {
                return;
            };
            self.write_pending(&mut w);
        }
    }

    /// This writer's identity for [`entered`].
    fn id(&self) -> usize {
        self as *const SharedWriter as usize
    }
}
