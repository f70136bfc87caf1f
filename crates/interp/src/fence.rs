//! A process-wide memory barrier, for asymmetric handshakes: the hot side of a handshake
//! orders its store before its load with a compiler fence only, and the rare side, between
//! its own store and load, makes every thread of the process execute a full barrier
//! (Linux's `membarrier`, private expedited). Wherever the hot side's thread was in its
//! program when its barrier ran, one of the two sides sees the other's store.
//!
//! The process registers once ([`register`], which start-up calls); where the system has no
//! such barrier (another OS, a kernel older than 4.14, a sandbox that filters the call),
//! [`available`] stays false and the hot sides use read-modify-write operations instead.

use std::sync::atomic::{AtomicBool, Ordering};

/// Whether the process registered for the barrier: set once, never cleared.
static REGISTERED: AtomicBool = AtomicBool::new(false);

/// Registers the process for [`all_threads`], if the system has the barrier, and says
/// whether it is available. Start-up registers before Python runs; calling it again is
/// harmless.
///
/// ```
/// let available = libpython_interp::fence::register();
/// assert_eq!(available, libpython_interp::fence::available());
/// ```
pub fn register() -> bool {
    if !REGISTERED.load(Ordering::SeqCst) && sys::register() {
        REGISTERED.store(true, Ordering::SeqCst);
    }
    available()
}

/// Whether [`all_threads`] runs the barrier (the process [registered](register)).
///
/// ```
/// libpython_interp::fence::register();
/// assert_eq!(libpython_interp::fence::all_threads(), libpython_interp::fence::available());
/// ```
#[inline]
pub fn available() -> bool {
    REGISTERED.load(Ordering::SeqCst)
}

/// Makes every running thread of the process execute a full memory barrier before this
/// returns, and says so; `false` (and no barrier) where the process is not registered. It
/// costs a system call and an interrupt of each CPU running one of the process's threads.
///
/// ```
/// if libpython_interp::fence::register() {
///     assert!(libpython_interp::fence::all_threads());
/// }
/// ```
pub fn all_threads() -> bool {
    if !available() {
        return false;
    }
    sys::run();
    true
}

#[cfg(target_os = "linux")]
mod sys {
    /// `MEMBARRIER_CMD_PRIVATE_EXPEDITED` (Linux's `uapi/linux/membarrier.h`).
    const PRIVATE_EXPEDITED: libc::c_long = 1 << 3;
    /// `MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED`.
    const REGISTER_PRIVATE_EXPEDITED: libc::c_long = 1 << 4;

    /// Registers the process; `false` where the kernel refuses.
    pub(super) fn register() -> bool {
        // SAFETY: `membarrier` takes a command and flags, and touches no memory of ours.
        unsafe { libc::syscall(libc::SYS_membarrier, REGISTER_PRIVATE_EXPEDITED, 0) == 0 }
    }

    /// The barrier on every running thread of the (registered) process.
    pub(super) fn run() {
        // SAFETY: as above.
        let r = unsafe { libc::syscall(libc::SYS_membarrier, PRIVATE_EXPEDITED, 0) };
        // Only called once registered, so the call cannot be refused.
        assert_eq!(r, 0, "membarrier failed after registering");
    }
}

#[cfg(not(target_os = "linux"))]
mod sys {
    pub(super) fn register() -> bool {
        false
    }

    pub(super) fn run() {}
}

#[cfg(test)]
mod tests {
    #[test]
    fn linux_registers_and_runs_the_barrier() {
        let registered = super::register();
        assert_eq!(registered, cfg!(target_os = "linux"));
        assert_eq!(super::all_threads(), registered);
    }
}
