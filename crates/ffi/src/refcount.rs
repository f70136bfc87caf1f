//! Reference counting as the C macros `Py_INCREF` / `Py_DECREF` do it: in place on the
//! object headers known to us, chosen once at start-up ([`init_refcount`]), else through the
//! exported `Py_IncRef` / `Py_DecRef`.

use std::sync::atomic::{AtomicU8, AtomicU32, AtomicUsize, Ordering};

use crate::functions::*;
use crate::load::Version;
use crate::types::*;

/// How [`Py_INCREF`] / [`Py_DECREF`] change a count: through the exported functions, or in
/// place as the C macros of the running version do.
static REFCOUNT: AtomicU8 = AtomicU8::new(RC_CALL);
/// Through `Py_IncRef` / `Py_DecRef` (any build, any version).
const RC_CALL: u8 = 0;
/// 3.9 to 3.11 release GIL builds: `ob_refcnt` is a plain `Py_ssize_t` at offset 0.
const RC_PLAIN: u8 = 1;
/// 3.12 and 3.13 release GIL builds: the low 32 bits of `ob_refcnt` (offset 0 on a
/// little-endian machine) hold the count, and an object whose low half is negative as an
/// `i32` is immortal (never counted); a mortal object's high half is 0.
const RC_IMMORTAL32: u8 = 2;
/// 3.13 free-threaded release builds (biased reference counting) on x86-64 and AArch64
/// Linux: the header starts with `ob_tid`, the id of the thread that owns the object
/// (`_Py_ThreadId`, see [`thread_id`]), and holds at offset 12 `ob_ref_local`, the `u32`
/// count only the owner changes (`u32::MAX`: immortal). The owner changes it in place; every
/// other case (another thread's object, a count reaching zero) goes through the exported
/// functions, which take the shared count's atomic path.
const RC_BIASED: u8 = 3;
/// Byte offset of `ob_ref_local` in a free-threaded object header.
const OB_REF_LOCAL: usize = 12;

/// Chooses how [`Py_INCREF`] / [`Py_DECREF`] work for the loaded library, whose object header
/// is `header_size` bytes (see [`refcount_mode`]); a free-threaded layout is used only once a
/// new object shows it.
///
/// # Safety
/// An interpreter must be initialised and the calling thread must hold its GIL.
pub(crate) unsafe fn init_refcount(header_size: usize) {
    let mut mode = refcount_mode(header_size);
    // SAFETY: forwarded contract.
    if mode == RC_BIASED && !unsafe { biased_layout_checks_out() } {
        mode = RC_CALL;
    }
    REFCOUNT.store(mode, Ordering::Relaxed);
}

/// The in-place reference counting the loaded library allows, if any: no `Py_REF_DEBUG`, a
/// little-endian machine, a version whose header we know, and either a 16-byte header (no
/// free threading, no `Py_TRACE_REFS`) or a free-threaded one on a platform whose thread id
/// we read as CPython does.
fn refcount_mode(header_size: usize) -> u8 {
    let Some(lib) = crate::library() else {
        return RC_CALL;
    };
    refcount_mode_for(
        lib.version(),
        header_size,
        lib.ref_debug(),
        lib.gil_disabled(),
    )
}

/// [`refcount_mode`] for a given version, header size, `Py_REF_DEBUG` and `Py_GIL_DISABLED`:
/// in place only on the headers named there; 3.14 and every later or unknown version use the
/// exported functions.
fn refcount_mode_for(v: Version, header_size: usize, ref_debug: bool, gil_disabled: bool) -> u8 {
    if ref_debug || cfg!(target_endian = "big") || v.major != 3 {
        return RC_CALL;
    }
    match (header_size, gil_disabled, v.minor) {
        (16, false, 9..=11) => RC_PLAIN,
        (16, false, 12 | 13) => RC_IMMORTAL32,
        (32, true, 13) if THREAD_ID_KNOWN => RC_BIASED,
        _ => RC_CALL,
    }
}

/// Whether [`thread_id`] reads the id free-threaded CPython records in `ob_tid` on this
/// target.
const THREAD_ID_KNOWN: bool = cfg!(all(
    target_os = "linux",
    any(target_arch = "x86_64", target_arch = "aarch64")
));

/// The calling thread's id as free-threaded CPython computes it (`_Py_ThreadId` in
/// `Include/object.h`): the thread pointer, `%fs:0` on x86-64 and `tpidr_el0` on AArch64
/// (Linux); 0 on other targets, where [`RC_BIASED`] is never chosen.
#[inline(always)]
fn thread_id() -> usize {
    let tid: usize;
    #[cfg(all(target_os = "linux", target_arch = "x86_64"))]
    // SAFETY: reads the first word of the thread control block, which the C library's TLS
    // ABI keeps pointing to itself for every thread; no other state is touched.
    unsafe {
        std::arch::asm!(
            "mov {}, qword ptr fs:[0]",
            out(reg) tid,
            options(nostack, preserves_flags, readonly, pure)
        );
    }
    #[cfg(all(target_os = "linux", target_arch = "aarch64"))]
    // SAFETY: reads the thread pointer register; no memory is touched.
    unsafe {
        std::arch::asm!(
            "mrs {}, tpidr_el0",
            out(reg) tid,
            options(nostack, preserves_flags, nomem, pure)
        );
    }
    #[cfg(not(all(
        target_os = "linux",
        any(target_arch = "x86_64", target_arch = "aarch64")
    )))]
    {
        tid = 0;
    }
    tid
}

/// Checks what [`RC_BIASED`] assumes on an object this thread makes: it is owned by
/// [`thread_id`], its local count is 1 at [`OB_REF_LOCAL`], and a reference added and given
/// up by the exported functions moves that count.
///
/// # Safety
/// As [`init_object_layout`](crate::init_object_layout).
unsafe fn biased_layout_checks_out() -> bool {
    // SAFETY: the GIL is held (the caller's contract); the list is new, owned here and
    // released once read; the header words read are inside its (32-byte) header.
    unsafe {
        let o = PyList_New(0);
        if o.is_null() {
            PyErr_Clear();
            return false;
        }
        let local = |o: *mut PyObject| o.cast::<u8>().add(OB_REF_LOCAL).cast::<u32>().read();
        let owner = o.cast::<usize>().read();
        let fresh = local(o);
        Py_IncRef(o);
        let added = local(o);
        Py_DecRef(o);
        let given_up = local(o);
        Py_DecRef(o);
        owner == thread_id() && fresh == 1 && added == 2 && given_up == 1
    }
}
/// New strong reference (C's `Py_INCREF`): in place on the layouts [`init_object_layout`](crate::init_object_layout)
/// recognised, else through the exported `Py_IncRef`.
///
/// # Safety
/// `o` must be a live object (not NULL) and the GIL of its interpreter held.
#[inline(always)]
pub unsafe fn Py_INCREF(o: *mut PyObject) {
    match REFCOUNT.load(Ordering::Relaxed) {
        // SAFETY: forwarded contract; the mode in use is `RC_PLAIN`.
        RC_PLAIN => unsafe { Py_INCREF_plain(o) },
        // SAFETY: forwarded contract; the mode in use is `RC_IMMORTAL32`.
        RC_IMMORTAL32 => unsafe { Py_INCREF_immortal32(o) },
        // SAFETY: forwarded contract; the mode in use is `RC_BIASED`.
        RC_BIASED => unsafe { Py_INCREF_biased(o) },
        // SAFETY: forwarded contract.
        _ => unsafe { Py_IncRef(o) },
    }
}

/// Releases a strong reference (C's `Py_DECREF`), deallocating the object when it was the
/// last: in place on the layouts [`init_object_layout`](crate::init_object_layout) recognised, else through the
/// exported `Py_DecRef`.
///
/// # Safety
/// `o` must be a live object (not NULL) whose reference the caller gives up, with the GIL of
/// its interpreter held.
#[inline(always)]
pub unsafe fn Py_DECREF(o: *mut PyObject) {
    match REFCOUNT.load(Ordering::Relaxed) {
        // SAFETY: forwarded contract; the mode in use is `RC_PLAIN`.
        RC_PLAIN => unsafe { Py_DECREF_plain(o) },
        // SAFETY: forwarded contract; the mode in use is `RC_IMMORTAL32`.
        RC_IMMORTAL32 => unsafe { Py_DECREF_immortal32(o) },
        // SAFETY: forwarded contract; the mode in use is `RC_BIASED`.
        RC_BIASED => unsafe { Py_DECREF_biased(o) },
        // SAFETY: forwarded contract.
        _ => unsafe { decref_call(o) },
    }
}

/// How reference counts change in the loaded library, as [`init_object_layout`](crate::init_object_layout) chose: for
/// a caller that records it beside its objects (an interpreter key) and then calls the
/// function of that mode itself, testing what it recorded instead of loading the mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefcountMode {
    /// Through the exported `Py_IncRef` / `Py_DecRef` ([`Py_IncRef`], [`Py_DECREF_call`]):
    /// right on every build.
    Call,
    /// In place, a plain `Py_ssize_t` ([`Py_INCREF_plain`], [`Py_DECREF_plain`]).
    Plain,
    /// In place, the low 32 bits, immortal objects left alone ([`Py_INCREF_immortal32`],
    /// [`Py_DECREF_immortal32`]).
    Immortal32,
    /// Free-threaded: the owning thread's count in place, anything else through the exported
    /// functions ([`Py_INCREF_biased`], [`Py_DECREF_biased`]).
    Biased,
}

/// The [`RefcountMode`] in use: [`RefcountMode::Call`] until [`init_object_layout`](crate::init_object_layout) chose
/// another, and then that one for the rest of the process (every start of the same library
/// chooses the same).
pub fn refcount_mode_in_use() -> RefcountMode {
    match REFCOUNT.load(Ordering::Relaxed) {
        RC_PLAIN => RefcountMode::Plain,
        RC_IMMORTAL32 => RefcountMode::Immortal32,
        RC_BIASED => RefcountMode::Biased,
        _ => RefcountMode::Call,
    }
}

/// [`Py_INCREF`] in [`RefcountMode::Plain`] (3.9 to 3.11 release GIL builds).
///
/// # Safety
/// As [`Py_INCREF`], with [`refcount_mode_in_use`] saying [`RefcountMode::Plain`].
#[inline(always)]
pub unsafe fn Py_INCREF_plain(o: *mut PyObject) {
    let rc = o.cast::<isize>();
    // SAFETY: on these builds `ob_refcnt` is the `Py_ssize_t` at offset 0 of the live object,
    // only changed by the GIL's holder, which the caller is.
    unsafe { rc.write(rc.read() + 1) }
}

/// [`Py_INCREF`] in [`RefcountMode::Immortal32`] (3.12 and 3.13 release GIL builds).
///
/// # Safety
/// As [`Py_INCREF`], with [`refcount_mode_in_use`] saying [`RefcountMode::Immortal32`].
#[inline(always)]
pub unsafe fn Py_INCREF_immortal32(o: *mut PyObject) {
    let rc = o.cast::<u32>();
    // SAFETY: as `Py_INCREF_plain`, for the low half of `ob_refcnt` (see `RC_IMMORTAL32`); an
    // immortal object is left alone, as CPython's own `Py_INCREF` does.
    unsafe {
        let n = rc.read();
        if (n as i32) >= 0 {
            rc.write(n + 1);
        }
    }
}

/// [`Py_DECREF`] in [`RefcountMode::Plain`] (3.9 to 3.11 release GIL builds).
///
/// # Safety
/// As [`Py_DECREF`], with [`refcount_mode_in_use`] saying [`RefcountMode::Plain`].
#[inline(always)]
pub unsafe fn Py_DECREF_plain(o: *mut PyObject) {
    let rc = o.cast::<isize>();
    // SAFETY: on these builds `ob_refcnt` is the `Py_ssize_t` at offset 0 of the live object,
    // only changed by the GIL's holder, which the caller is; at zero the object is handed to
    // `_Py_Dealloc`, which is what the C macro does.
    unsafe {
        let n = rc.read() - 1;
        rc.write(n);
        if n == 0 {
            dealloc(o);
        }
    }
}

/// [`Py_DECREF`] in [`RefcountMode::Immortal32`] (3.12 and 3.13 release GIL builds).
///
/// # Safety
/// As [`Py_DECREF`], with [`refcount_mode_in_use`] saying [`RefcountMode::Immortal32`].
#[inline(always)]
pub unsafe fn Py_DECREF_immortal32(o: *mut PyObject) {
    let rc = o.cast::<u32>();
    // SAFETY: see `Py_INCREF_immortal32`; immortal objects are not counted; a mortal one's
    // high half is 0, so the low half is the whole count.
    unsafe {
        let n = rc.read();
        if (n as i32) >= 0 {
            rc.write(n - 1);
            if n == 1 {
                dealloc(o);
            }
        }
    }
}

/// [`Py_INCREF`] in [`RefcountMode::Biased`] (3.13 free-threaded release builds): the
/// owner's count in place, as CPython's `Py_INCREF` does; another thread's object through
/// `Py_IncRef` (an atomic addition to the shared count).
///
/// # Safety
/// As [`Py_INCREF`], with [`refcount_mode_in_use`] saying [`RefcountMode::Biased`].
#[inline(always)]
pub unsafe fn Py_INCREF_biased(o: *mut PyObject) {
    // SAFETY: a live object with the free-threaded header (see `RC_BIASED`); `ob_ref_local`
    // is only stored by the owning thread, which this thread is when `ob_tid` says so, and
    // read with relaxed atomics as CPython reads it; `ob_tid` is only changed by its owner or
    // with every thread stopped.
    unsafe {
        let local = AtomicU32::from_ptr(o.cast::<u8>().add(OB_REF_LOCAL).cast::<u32>());
        let next = local.load(Ordering::Relaxed).wrapping_add(1);
        if next == 0 {
            // Immortal (`u32::MAX`): not counted.
            return;
        }
        if AtomicUsize::from_ptr(o.cast::<usize>()).load(Ordering::Relaxed) == thread_id() {
            local.store(next, Ordering::Relaxed);
        } else {
            incref_call(o);
        }
    }
}

/// [`Py_DECREF`] in [`RefcountMode::Biased`] (3.13 free-threaded release builds): the
/// owner's count in place while it stays above zero; the last local reference, and another
/// thread's object, through `Py_DecRef` (which merges the counts or deallocates, as
/// CPython's `Py_DECREF` does).
///
/// # Safety
/// As [`Py_DECREF`], with [`refcount_mode_in_use`] saying [`RefcountMode::Biased`].
#[inline(always)]
pub unsafe fn Py_DECREF_biased(o: *mut PyObject) {
    // SAFETY: as `Py_INCREF_biased`; a count above 1 stays above 0 here, so nothing is freed
    // in place, and every other case is left, unchanged, to `Py_DecRef`.
    unsafe {
        let local = AtomicU32::from_ptr(o.cast::<u8>().add(OB_REF_LOCAL).cast::<u32>());
        let n = local.load(Ordering::Relaxed);
        if n == u32::MAX {
            // Immortal: not counted.
            return;
        }
        if n > 1 && AtomicUsize::from_ptr(o.cast::<usize>()).load(Ordering::Relaxed) == thread_id()
        {
            local.store(n - 1, Ordering::Relaxed);
        } else {
            decref_call(o);
        }
    }
}

/// [`Py_INCREF`] when the mode in use is known to be [`RefcountMode::Biased`] or
/// [`RefcountMode::Call`] (a caller that recorded the other two and found neither): one test
/// of the mode instead of [`Py_INCREF`]'s three.
///
/// # Safety
/// As [`Py_INCREF`], with the mode in use one of those two.
#[inline(always)]
pub unsafe fn Py_INCREF_biased_or_call(o: *mut PyObject) {
    if REFCOUNT.load(Ordering::Relaxed) == RC_BIASED {
        // SAFETY: forwarded contract; the mode in use is `RC_BIASED`.
        unsafe { Py_INCREF_biased(o) }
    } else {
        // SAFETY: forwarded contract; right in every mode.
        unsafe { incref_call(o) }
    }
}

/// [`Py_DECREF`] when the mode in use is known to be [`RefcountMode::Biased`] or
/// [`RefcountMode::Call`] (see [`Py_INCREF_biased_or_call`]).
///
/// # Safety
/// As [`Py_DECREF`], with the mode in use one of those two.
#[inline(always)]
pub unsafe fn Py_DECREF_biased_or_call(o: *mut PyObject) {
    if REFCOUNT.load(Ordering::Relaxed) == RC_BIASED {
        // SAFETY: forwarded contract; the mode in use is `RC_BIASED`.
        unsafe { Py_DECREF_biased(o) }
    } else {
        // SAFETY: forwarded contract; right in every mode.
        unsafe { decref_call(o) }
    }
}

/// [`Py_DECREF`] in [`RefcountMode::Call`]: the exported `Py_DecRef`, out of line.
///
/// # Safety
/// As [`Py_DECREF`] (right in every mode).
#[inline(always)]
pub unsafe fn Py_DECREF_call(o: *mut PyObject) {
    // SAFETY: forwarded contract.
    unsafe { decref_call(o) }
}

/// `_Py_Dealloc`, out of line: keeps the inline `Py_DECREF` small where it is used.
///
/// # Safety
/// `o` is an object whose count just reached zero; the GIL is held.
#[inline(never)]
unsafe fn dealloc(o: *mut PyObject) {
    // SAFETY: forwarded contract.
    unsafe { _Py_Dealloc(o) }
}

/// `Py_IncRef`, out of line (another thread's object on a free-threaded build).
///
/// # Safety
/// As [`Py_INCREF`].
#[inline(never)]
unsafe fn incref_call(o: *mut PyObject) {
    // SAFETY: forwarded contract.
    unsafe { Py_IncRef(o) }
}

/// `Py_DecRef`, out of line (builds whose counts are not changed in place).
///
/// # Safety
/// As [`Py_DECREF`].
#[inline(never)]
unsafe fn decref_call(o: *mut PyObject) {
    // SAFETY: forwarded contract.
    unsafe { Py_DecRef(o) }
}

/// `Py_XDECREF`: as [`Py_DECREF`] but NULL is allowed.
///
/// # Safety
/// As [`Py_DECREF`] when `o` is not NULL.
#[inline(always)]
pub unsafe fn Py_XDECREF(o: *mut PyObject) {
    // SAFETY: `Py_DecRef` accepts NULL.
    unsafe { Py_DecRef(o) }
}

#[cfg(test)]
mod tests {
    use super::*;

    const fn v(minor: u8) -> Version {
        Version::three(minor)
    }

    #[test]
    fn counts_change_in_place_only_on_known_gil_headers() {
        assert_eq!(refcount_mode_for(v(9), 16, false, false), RC_PLAIN);
        assert_eq!(refcount_mode_for(v(11), 16, false, false), RC_PLAIN);
        assert_eq!(refcount_mode_for(v(12), 16, false, false), RC_IMMORTAL32);
        assert_eq!(refcount_mode_for(v(13), 16, false, false), RC_IMMORTAL32);
        // 3.14 packs flags next to the count; 3.15 and an unknown 3.16 are not assumed.
        for minor in [14, 15, 16, 40] {
            assert_eq!(
                refcount_mode_for(v(minor), 16, false, false),
                RC_CALL,
                "3.{minor}"
            );
            assert_eq!(
                refcount_mode_for(v(minor), 32, false, true),
                RC_CALL,
                "3.{minor}t"
            );
        }
        // Free-threaded 3.13 where the thread id is read as CPython reads it.
        let biased = if THREAD_ID_KNOWN { RC_BIASED } else { RC_CALL };
        assert_eq!(refcount_mode_for(v(13), 32, false, true), biased);
        // Debug builds; a 32-byte header that is not free-threaded (`Py_TRACE_REFS`); another
        // major version.
        assert_eq!(refcount_mode_for(v(11), 16, true, false), RC_CALL);
        assert_eq!(refcount_mode_for(v(13), 32, true, true), RC_CALL);
        assert_eq!(refcount_mode_for(v(12), 32, false, false), RC_CALL);
        assert_eq!(
            refcount_mode_for(
                Version {
                    major: 4,
                    minor: 0,
                    micro: 0
                },
                16,
                false,
                false
            ),
            RC_CALL
        );
    }

    #[test]
    fn the_thread_id_is_the_thread_pointer_and_differs_between_threads() {
        let here = thread_id();
        let there = std::thread::spawn(thread_id).join().unwrap();
        if THREAD_ID_KNOWN {
            assert_ne!(here, 0);
            assert_ne!(here, there);
            assert_eq!(here, thread_id(), "stable within a thread");
        } else {
            assert_eq!((here, there), (0, 0));
        }
    }
}
