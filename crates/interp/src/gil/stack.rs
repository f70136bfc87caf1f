//! How deep this thread's stack may go before calls between Rust and Python refuse to nest
//! deeper: each level costs Rust and C frames that Python's own recursion limit does not
//! account for, so a deep enough nesting would overflow the stack without this check.

use super::ENTRY;

/// Stack headroom kept for raising the error and unwinding when calls between Rust and Python
/// nest too deep for the thread's stack (each level costs Rust and C frames that Python's own
/// recursion limit does not account for).
const STACK_RESERVE: usize = 256 * 1024;

/// Whether the current thread's stack is within its reserve (`STACK_RESERVE`) of its end: one
/// thread-local load and a comparison once the limit is known. Every call from C into Rust
/// asks, before anything else; the limit shares its thread-local with the GIL this thread
/// holds, which the same calls read next, so both come from one thread-pointer read.
#[inline(always)]
pub fn stack_nearly_exhausted() -> bool {
    let sp = stack_pointer();
    sp < ENTRY.with(|e| e.stack_limit.get()) && stack_nearly_exhausted_slow(sp)
}

/// The first half of [`stack_nearly_exhausted`], which calls nothing: `false` when the stack
/// has room for certain, `true` when it may not (or this thread's limit is not computed yet),
/// which [`stack_nearly_exhausted`] then decides. For entry points that take a slow path as a
/// tail call, so that their fast path makes no call.
#[inline(always)]
pub fn stack_maybe_low() -> bool {
    stack_pointer() < ENTRY.with(|e| e.stack_limit.get())
}

/// The current stack pointer: the register itself where we know its name (no local has to be
/// written to memory to take its address), else the address of a local.
#[inline(always)]
fn stack_pointer() -> usize {
    let sp: usize;
    #[cfg(target_arch = "x86_64")]
    // SAFETY: copies the stack pointer into a register; reads and writes no memory.
    unsafe {
        std::arch::asm!("mov {}, rsp", out(reg) sp, options(nomem, nostack, preserves_flags))
    };
    #[cfg(target_arch = "aarch64")]
    // SAFETY: as above.
    unsafe {
        std::arch::asm!("mov {}, sp", out(reg) sp, options(nomem, nostack, preserves_flags))
    };
    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    {
        let here = 0u8;
        sp = std::hint::black_box(std::ptr::addr_of!(here)) as usize;
    }
    sp
}

/// [`stack_nearly_exhausted`] when the limit is not computed yet or the stack is deep.
#[cold]
#[inline(never)]
fn stack_nearly_exhausted_slow(sp: usize) -> bool {
    let limit = ENTRY.with(|e| {
        if e.stack_limit.get() == usize::MAX {
            e.stack_limit.set(stack_limit());
        }
        e.stack_limit.get()
    });
    sp < limit
}

/// The thread's stack bottom plus the reserve, from the thread's attributes (1 when unknown,
/// which disables the check).
fn stack_limit() -> usize {
    // SAFETY: `attr` is initialised by `pthread_getattr_np` before use and destroyed after;
    // the out-pointers are valid locals.
    unsafe {
        let mut attr: libc::pthread_attr_t = std::mem::zeroed();
        if libc::pthread_getattr_np(libc::pthread_self(), &mut attr) != 0 {
            return 1;
        }
        let mut addr: *mut libc::c_void = std::ptr::null_mut();
        let mut size: libc::size_t = 0;
        let rc = libc::pthread_attr_getstack(&attr, &mut addr, &mut size);
        libc::pthread_attr_destroy(&mut attr);
        if rc != 0 || addr.is_null() {
            return 1;
        }
        (addr as usize).saturating_add(STACK_RESERVE.min(size / 4))
    }
}
