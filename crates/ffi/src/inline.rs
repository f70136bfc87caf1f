//! C macros and static inline functions of the C API, as small Rust functions.
//!
//! None reads a field of an object except [`Py_TYPE`], which reads `ob_type` at an offset taken
//! from the running interpreter (see [`init_object_layout`]), so the same code serves GIL and
//! free-threaded builds; [`Py_INCREF`] / [`Py_DECREF`], which change the count in place
//! only for the layouts known to us (release GIL builds of 3.9 to 3.13, and the owning
//! thread's count of 3.13 free-threaded release builds on Linux, chosen at run time by
//! [`init_object_layout`]) and call the exported `Py_IncRef` / `Py_DecRef` everywhere else
//! (debug builds, later versions whose header may change again); and the
//! list and tuple accessors ([`SeqLayout`], [`PyList_GET_ITEM`], [`PyTuple_SET_ITEM`], ...),
//! which read and fill items inline at offsets found and checked at run time on GIL builds and
//! call the exported functions everywhere else.

use std::ffi::c_int;
use std::sync::atomic::{AtomicPtr, AtomicU8, AtomicU32, AtomicU64, AtomicUsize, Ordering};

use crate::functions::*;
use crate::load::Version;
use crate::types::*;

/// Byte offset of `ob_type` inside `PyObject`: 8 on GIL builds, 24 on free-threaded builds;
/// [`TYPE_BY_CALL`] on a version newer than [`Version::NEWEST_KNOWN`] that exports `Py_TYPE`.
static OB_TYPE_OFFSET: AtomicUsize = AtomicUsize::new(8);
/// [`Py_TYPE`] calls the exported function instead of reading the header.
const TYPE_BY_CALL: usize = usize::MAX;

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

/// Reads the running interpreter's object header size (`object.__basicsize__`) and sets the
/// offset [`Py_TYPE`] reads `ob_type` at (`ob_type` is the header's last field in every build).
/// Chooses how [`Py_INCREF`] / [`Py_DECREF`] work (see there).
///
/// Returns the header size.
///
/// # Safety
/// An interpreter must be initialised and the calling thread must hold its GIL.
pub unsafe fn init_object_layout() -> usize {
    // SAFETY: the caller holds the GIL; `PyBaseObject_Type` is a static type object, and every
    // returned reference is released.
    unsafe {
        let base = crate::data::PyBaseObject_Type().cast::<PyObject>();
        let size = PyObject_GetAttrString(base, c"__basicsize__".as_ptr());
        assert!(!size.is_null(), "object.__basicsize__ is not readable");
        let n = PyLong_AsSsize_t(size);
        Py_DecRef(size);
        let n = usize::try_from(n).expect("object.__basicsize__ is negative");
        let by_call =
            crate::library().is_some_and(|l| !l.version().is_known() && l.py_type_fn().is_some());
        let offset = if by_call {
            TYPE_BY_CALL
        } else {
            n - std::mem::size_of::<*mut PyTypeObject>()
        };
        OB_TYPE_OFFSET.store(offset, Ordering::Relaxed);
        if let Some(f) = crate::api().PyObject_Vectorcall {
            VECTORCALL.store(f as *mut (), Ordering::Relaxed);
        }
        let mut mode = refcount_mode(n);
        if mode == RC_BIASED && !biased_layout_checks_out() {
            mode = RC_CALL;
        }
        REFCOUNT.store(mode, Ordering::Relaxed);
        init_seq_layout(n);
        crate::long::init_long_layout(n);
        n
    }
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
/// As [`init_object_layout`].
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

/// The type of `o`, borrowed (C's `Py_TYPE`).
///
/// # Safety
/// `o` must point to a live object, and [`init_object_layout`] must have run if the build is
/// free-threaded.
#[inline(always)]
pub unsafe fn Py_TYPE(o: *mut PyObject) -> *mut PyTypeObject {
    let off = OB_TYPE_OFFSET.load(Ordering::Relaxed);
    if off == TYPE_BY_CALL {
        // SAFETY: forwarded contract.
        return unsafe { type_by_call(o) };
    }
    // SAFETY: `o` is a live object, whose header holds `ob_type` at `off` (see above).
    unsafe { o.cast::<u8>().add(off).cast::<*mut PyTypeObject>().read() }
}

/// `Py_TYPE` through the exported function, on a version whose header we do not know.
///
/// # Safety
/// As [`Py_TYPE`]; [`init_object_layout`] chose this path, so the function is exported.
#[inline(never)]
unsafe fn type_by_call(o: *mut PyObject) -> *mut PyTypeObject {
    match crate::library().and_then(|l| l.py_type_fn()) {
        // SAFETY: forwarded contract; `f` is the library's own `Py_TYPE`.
        Some(f) => unsafe { f(o) },
        None => crate::load::missing("Py_TYPE"),
    }
}

/// Whether `o`'s type is exactly `t` (C's `Py_IS_TYPE`).
///
/// # Safety
/// As [`Py_TYPE`].
#[inline(always)]
pub unsafe fn Py_IS_TYPE(o: *mut PyObject, t: *mut PyTypeObject) -> bool {
    // SAFETY: forwarded contract.
    unsafe { Py_TYPE(o) == t }
}

/// New strong reference (C's `Py_INCREF`): in place on the layouts [`init_object_layout`]
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
/// last: in place on the layouts [`init_object_layout`] recognised, else through the
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

/// How reference counts change in the loaded library, as [`init_object_layout`] chose: for
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

/// The [`RefcountMode`] in use: [`RefcountMode::Call`] until [`init_object_layout`] chose
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

/// [`Py_DECREF`] of every object of `objs`, in order, with the way counts change (see
/// [`init_object_layout`]) read once for all: for releasing a call's arguments.
///
/// # Safety
/// As [`Py_DECREF`], for each object.
#[inline(always)]
pub unsafe fn Py_DECREF_all(objs: &[*mut PyObject]) {
    match REFCOUNT.load(Ordering::Relaxed) {
        RC_PLAIN => {
            for &o in objs {
                // SAFETY: forwarded contract; the mode is chosen once, before any object is
                // handled, and never changes afterwards.
                unsafe { Py_DECREF_plain(o) }
            }
        }
        _ => {
            for &o in objs {
                // SAFETY: forwarded contract.
                unsafe { Py_DECREF(o) }
            }
        }
    }
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

/// Where lists and tuples keep their size and items (see [`SeqLayout`]), packed as three
/// 16-bit byte offsets (size, list items, tuple items); 0 while unknown.
static SEQ_LAYOUT: AtomicU64 = AtomicU64::new(0);

/// Where the running interpreter keeps the size and the items of lists and tuples, for reading
/// and filling them inline as C's `PyList_GET_ITEM`, `PyTuple_SET_ITEM` and friends do.
///
/// Known ([`seq_layout`] returns it) only after [`init_object_layout`], on builds whose object
/// header is 16 bytes (GIL builds), and only when the layout found was checked on a list and a
/// tuple made for the purpose. On free-threaded builds [`seq_layout`] never returns it: there
/// another thread may change a list at any time (CPython's own readers use atomic operations),
/// so a reader either holds the list's critical section and reads with
/// [`locked_seq_layout`], or calls the exported functions (`PyList_GetItemRef` and friends).
///
/// The offsets come from the running interpreter: `ob_size` follows the object header in
/// every variable-size object; a list's `ob_item` (the pointer to its item array) follows
/// `ob_size` (`list.__basicsize__` is the header plus `ob_size`, `ob_item` and `allocated`);
/// a tuple's items are stored inline from `tuple.__basicsize__` on (after `ob_size`, and from
/// 3.14 on after a cached hash too).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SeqLayout {
    size: usize,
    list_items: usize,
    tuple_items: usize,
}

/// The layout of lists and tuples, if known (see [`SeqLayout`]); `None` means: use the
/// exported functions. One atomic load: read it once before a loop.
#[inline(always)]
pub fn seq_layout() -> Option<SeqLayout> {
    SeqLayout::unpack(SEQ_LAYOUT.load(Ordering::Relaxed))
}

/// [`SeqLayout`] for a reader that holds the list's critical section, packed as
/// [`SEQ_LAYOUT`]; 0 while unknown.
static LOCKED_SEQ_LAYOUT: AtomicU64 = AtomicU64::new(0);

/// The layout of lists and tuples for a reader that holds the list's critical section
/// ([`with_critical_section`]) as well as its interpreter: known wherever [`seq_layout`] is,
/// and on free-threaded builds of the versions this crate knows, where the critical section
/// keeps other threads from changing the list while it is held (on GIL builds, the GIL does
/// that and the critical section is nothing). A tuple never changes: its items may be read
/// with this layout without a critical section.
///
/// Under a critical section the [`SeqLayout`] methods' "GIL held" reads "the thread attached
/// and the list's critical section held"; as with the GIL, Python code run meanwhile (which
/// may suspend the section) may change the list.
#[inline(always)]
pub fn locked_seq_layout() -> Option<SeqLayout> {
    SeqLayout::unpack(LOCKED_SEQ_LAYOUT.load(Ordering::Relaxed))
}

/// Runs `f` holding the critical section of `op` (C's `Py_BEGIN_CRITICAL_SECTION(op)` ...
/// `Py_END_CRITICAL_SECTION()`): on free-threaded builds, the per-object lock CPython's own
/// code takes to change or read `op` consistently; on GIL builds (and before 3.13, which has
/// none) `f` just runs. The section ends when `f` returns or unwinds.
///
/// # Safety
/// `op` is a live object; the calling thread is attached to (holds the GIL of) `op`'s
/// interpreter, and stays so until `f` returns.
pub unsafe fn with_critical_section<R>(op: *mut PyObject, f: impl FnOnce() -> R) -> R {
    let api = crate::api();
    let (Some(begin), Some(end)) = (api.PyCriticalSection_Begin, api.PyCriticalSection_End) else {
        return f();
    };
    /// Ends the section when dropped, `f` returning or unwinding.
    struct End<'a>(
        &'a mut PyCriticalSection,
        unsafe extern "C" fn(*mut PyCriticalSection),
    );
    impl Drop for End<'_> {
        fn drop(&mut self) {
            // SAFETY: the section begun below, still this thread's innermost (any section
            // `f` began was ended by `f`), its storage not moved (borrowed by `self`).
            unsafe { (self.1)(self.0) }
        }
    }
    let mut cs = PyCriticalSection::zeroed();
    // SAFETY: `op` is live and the thread attached (the function's contract); `cs` stays
    // where it is until the section ends (it is borrowed by the guard, dropped before it).
    unsafe { begin(&mut cs, op) };
    let _end = End(&mut cs, end);
    f()
}

impl SeqLayout {
    /// The number of items of a list or tuple (C's `PyList_GET_SIZE` / `PyTuple_GET_SIZE`).
    ///
    /// # Safety
    /// `o` must be a live `list` or `tuple` (or an instance of a subclass of either), and the
    /// GIL of its interpreter held.
    #[inline(always)]
    pub unsafe fn size(self, o: *mut PyObject) -> Py_ssize_t {
        // SAFETY: `o` is a live list or tuple: a variable-size object whose `ob_size` is at
        // `self.size` (checked by `init_seq_layout`), changed only under the GIL we hold.
        unsafe { o.cast::<u8>().add(self.size).cast::<Py_ssize_t>().read() }
    }

    /// Item `i` of a list, borrowed (C's `PyList_GET_ITEM`): no bounds check.
    ///
    /// The reference is borrowed from the list: it stays valid while the list is not changed,
    /// and any Python code (a conversion calling `__index__`, a destructor) may change it.
    ///
    /// # Safety
    /// `o` must be a live `list` (or an instance of a subclass), `0 <= i <` its current
    /// size, and the GIL of its interpreter held.
    #[inline(always)]
    pub unsafe fn list_item(self, o: *mut PyObject, i: Py_ssize_t) -> *mut PyObject {
        // SAFETY: `o` is a live list, whose item array holds at least `ob_size` item
        // pointers, and `i` is below `ob_size`; the GIL is held, so neither changes while we
        // read.
        unsafe { self.list_slots(o).add(i as usize).read() }
    }

    /// Stores `v` as item `i` of a new list (C's `PyList_SET_ITEM`), stealing the reference
    /// and without releasing what the slot held: only for filling the empty (NULL) slots of a
    /// list made by `PyList_New`.
    ///
    /// # Safety
    /// `o` must be a live `list`, `0 <= i <` its size, slot `i` empty (or its reference
    /// accounted for elsewhere), `v` a strong reference the list takes over, and the GIL held.
    #[inline(always)]
    pub unsafe fn list_set_item(self, o: *mut PyObject, i: Py_ssize_t, v: *mut PyObject) {
        // SAFETY: as `list_item`, writing instead of reading; the caller hands `v`'s reference
        // to the list and promises the slot held none.
        unsafe { self.list_slots(o).add(i as usize).write(v) }
    }

    /// Item `i` of a tuple, borrowed (C's `PyTuple_GET_ITEM`): no bounds check. Valid while
    /// the tuple lives (tuples do not change).
    ///
    /// # Safety
    /// `o` must be a live `tuple` (or an instance of a subclass), `0 <= i <` its size, and the
    /// GIL of its interpreter held.
    #[inline(always)]
    pub unsafe fn tuple_item(self, o: *mut PyObject, i: Py_ssize_t) -> *mut PyObject {
        // SAFETY: `o` is a live tuple, whose `ob_size` item pointers are stored inline, and
        // `i` is below `ob_size`.
        unsafe { self.tuple_slots(o).add(i as usize).read() }
    }

    /// Stores `v` as item `i` of a new tuple (C's `PyTuple_SET_ITEM`), stealing the reference
    /// and without releasing what the slot held: only for filling a tuple made by
    /// `PyTuple_New` before it is shared.
    ///
    /// # Safety
    /// `o` must be a live `tuple` not yet shared, `0 <= i <` its size, slot `i` empty, `v` a
    /// strong reference the tuple takes over, and the GIL held.
    #[inline(always)]
    pub unsafe fn tuple_set_item(self, o: *mut PyObject, i: Py_ssize_t, v: *mut PyObject) {
        // SAFETY: as `tuple_item`, writing instead of reading; the tuple is not shared yet, so
        // nobody else sees the slot change.
        unsafe { self.tuple_slots(o).add(i as usize).write(v) }
    }

    /// The item array of a list: what its `ob_item` (at `self.list_items`) points to.
    ///
    /// # Safety
    /// `o` must be a live `list` (or an instance of a subclass), the GIL held.
    #[inline(always)]
    unsafe fn list_slots(self, o: *mut PyObject) -> *mut *mut PyObject {
        // SAFETY: `o` is a live list, whose `ob_item` pointer is at `self.list_items` (checked
        // by `init_seq_layout`).
        unsafe {
            o.cast::<u8>()
                .add(self.list_items)
                .cast::<*mut *mut PyObject>()
                .read()
        }
    }

    /// Where the items of a tuple are stored: inline, from `self.tuple_items` on.
    ///
    /// # Safety
    /// `o` must be a live `tuple` (or an instance of a subclass).
    #[inline(always)]
    unsafe fn tuple_slots(self, o: *mut PyObject) -> *mut *mut PyObject {
        // SAFETY: `o` is a live tuple, whose items start at `self.tuple_items` (checked by
        // `init_seq_layout`), inside its memory.
        unsafe { o.cast::<u8>().add(self.tuple_items).cast::<*mut PyObject>() }
    }

    fn pack(self) -> u64 {
        self.size as u64 | (self.list_items as u64) << 16 | (self.tuple_items as u64) << 32
    }

    /// The layout packed by [`pack`](Self::pack), `None` for 0 (unknown).
    #[inline(always)]
    fn unpack(packed: u64) -> Option<SeqLayout> {
        if packed == 0 {
            return None;
        }
        Some(SeqLayout {
            size: (packed & 0xffff) as usize,
            list_items: ((packed >> 16) & 0xffff) as usize,
            tuple_items: ((packed >> 32) & 0xffff) as usize,
        })
    }
}

/// Finds [`SeqLayout`] for the running interpreter (header size `header`) and publishes it
/// when it checks out on a list and a tuple made here; otherwise it is unknown and the helpers
/// call the exported functions. (One store of the result: a thread that read the layout
/// before, for a conversion under way, never sees it change.)
///
/// # Safety
/// As [`init_object_layout`].
unsafe fn init_seq_layout(header: usize) {
    // SAFETY: forwarded contract.
    let found = unsafe { find_seq_layout(header) };
    let packed = found.map_or(0, SeqLayout::pack);
    LOCKED_SEQ_LAYOUT.store(packed, Ordering::Relaxed);
    if unlocked_reads_allowed(header) {
        SEQ_LAYOUT.store(packed, Ordering::Relaxed);
    }
}

/// [`SeqLayout`] of the running interpreter, if its list and tuple types are as expected and
/// reading at the offsets found gives what the exported functions give.
///
/// # Safety
/// As [`init_object_layout`].
unsafe fn find_seq_layout(header: usize) -> Option<SeqLayout> {
    if !seq_layout_allowed(crate::library().map(|l| l.version())) {
        return None;
    }
    let ptr = std::mem::size_of::<*mut PyObject>();
    // SAFETY: the caller holds the GIL; the type objects are static.
    let (list_basic, tuple_basic, tuple_item) = unsafe {
        let list = crate::data::PyList_Type().cast::<PyObject>();
        let tuple = crate::data::PyTuple_Type().cast::<PyObject>();
        (
            type_size(list, c"__basicsize__"),
            type_size(tuple, c"__basicsize__"),
            type_size(tuple, c"__itemsize__"),
        )
    };
    // A list is the header, `ob_size`, `ob_item` and `allocated`; a tuple's items (pointers)
    // start at its basic size, after at least `ob_size`.
    if list_basic != Some(header + 3 * ptr) || tuple_item != Some(ptr) {
        return None;
    }
    let tuple_items = tuple_basic.filter(|&b| b >= header + ptr && b < 0x1_0000)?;
    let layout = SeqLayout {
        size: header,
        list_items: header + ptr,
        tuple_items,
    };
    // SAFETY: the GIL is held; the offsets lie inside a list's and a tuple's memory (their
    // basic sizes were checked above).
    unsafe { seq_layout_checks_out(layout) }.then_some(layout)
}

/// Whether lists and tuples may be read in place at all: only on a version this crate knows (a
/// newer one may store items differently, whatever a check on a few objects shows).
fn seq_layout_allowed(version: Option<Version>) -> bool {
    version.is_some_and(Version::is_known)
}

/// Whether a list may be read in place without its critical section ([`seq_layout`]): only
/// on a 16-byte header, a GIL build (free-threaded builds, whose header is larger, read a list
/// that other threads may change under its critical section, [`locked_seq_layout`]).
fn unlocked_reads_allowed(header: usize) -> bool {
    header == 16
}

/// `t.<attr>` as a size, `None` if unreadable (the exception is cleared).
///
/// # Safety
/// The GIL is held; `t` is a live object.
unsafe fn type_size(t: *mut PyObject, attr: &std::ffi::CStr) -> Option<usize> {
    // SAFETY: forwarded contract; the attribute's reference is released.
    unsafe {
        let v = PyObject_GetAttrString(t, attr.as_ptr());
        if v.is_null() {
            PyErr_Clear();
            return None;
        }
        let n = PyLong_AsSsize_t(v);
        Py_DecRef(v);
        if n == -1 && !PyErr_Occurred().is_null() {
            PyErr_Clear();
            return None;
        }
        usize::try_from(n).ok()
    }
}

/// Whether `layout` reads what the exported functions read, on a list of three items grown
/// by appending (so that its `allocated` differs from its size) and on a tuple of three.
///
/// # Safety
/// The GIL is held; the offsets of `layout` lie inside a list's and a tuple's memory.
unsafe fn seq_layout_checks_out(layout: SeqLayout) -> bool {
    let items = [Py_None(), Py_True(), Py_False()];
    // SAFETY: the GIL is held; the list and tuple are ours, every reference made here is
    // released (`PyTuple_SetItem` takes the one made for it even when it fails), and the
    // inline reads stay inside them (see the function's contract and `reads_as`).
    unsafe {
        let list = PyList_New(0);
        let tuple = PyTuple_New(3);
        let mut ok = !list.is_null() && !tuple.is_null();
        for (i, &o) in items.iter().enumerate() {
            if ok {
                ok &= PyList_Append(list, o) == 0;
                Py_IncRef(o);
                ok &= PyTuple_SetItem(tuple, i as Py_ssize_t, o) == 0;
            }
        }
        let list_fns: SeqFunctions = (PyList_Size, PyList_GetItem);
        let tuple_fns: SeqFunctions = (PyTuple_Size, PyTuple_GetItem);
        ok =
            ok && reads_as(list, &items, list_fns, |o, i| {
                (layout.size(o), layout.list_item(o, i))
            }) && reads_as(tuple, &items, tuple_fns, |o, i| {
                (layout.size(o), layout.tuple_item(o, i))
            });
        Py_XDECREF(list);
        Py_XDECREF(tuple);
        if !ok {
            PyErr_Clear();
        }
        ok
    }
}

/// The size and item functions of the C API for lists or tuples.
type SeqFunctions = (
    unsafe fn(*mut PyObject) -> Py_ssize_t,
    unsafe fn(*mut PyObject, Py_ssize_t) -> *mut PyObject,
);

/// Whether `seq` holds `items`, read both through `exported` and inline by `read` (which gives
/// the size and item `i`; it is called only once the exported size was found right).
///
/// # Safety
/// The GIL is held; `seq` is a live list or tuple that the functions of `exported` accept, and
/// `read` may be called with it and any index below its size.
unsafe fn reads_as(
    seq: *mut PyObject,
    items: &[*mut PyObject],
    (size, item): SeqFunctions,
    read: impl Fn(*mut PyObject, Py_ssize_t) -> (Py_ssize_t, *mut PyObject),
) -> bool {
    let n = items.len() as Py_ssize_t;
    // SAFETY: forwarded contract; every index is below the size just checked.
    unsafe {
        size(seq) == n
            && items.iter().enumerate().all(|(i, &o)| {
                let i = i as Py_ssize_t;
                item(seq, i) == o && read(seq, i) == (n, o)
            })
    }
}

/// `PyList_GET_SIZE` and the like for one sequence type: each reads or writes inline where
/// [`seq_layout`] is known, else calls the exported function named after `=`.
macro_rules! seq_access {
    (
        $(#[$size_doc:meta])* $size:ident = $size_fn:ident;
        $(#[$get_doc:meta])* $get:ident = $get_fn:ident, $get_inline:ident;
        $(#[$set_doc:meta])* $set:ident = $set_fn:ident, $set_inline:ident;
    ) => {
        $(#[$size_doc])*
        #[inline(always)]
        pub unsafe fn $size(o: *mut PyObject) -> Py_ssize_t {
            match seq_layout() {
                // SAFETY: forwarded contract.
                Some(l) => unsafe { l.size(o) },
                // SAFETY: forwarded contract.
                None => unsafe { $size_fn(o) },
            }
        }

        $(#[$get_doc])*
        #[inline(always)]
        pub unsafe fn $get(o: *mut PyObject, i: Py_ssize_t) -> *mut PyObject {
            match seq_layout() {
                // SAFETY: forwarded contract.
                Some(l) => unsafe { l.$get_inline(o, i) },
                // SAFETY: forwarded contract.
                None => unsafe { $get_fn(o, i) },
            }
        }

        $(#[$set_doc])*
        #[inline(always)]
        pub unsafe fn $set(o: *mut PyObject, i: Py_ssize_t, v: *mut PyObject) {
            match seq_layout() {
                // SAFETY: forwarded contract.
                Some(l) => unsafe { l.$set_inline(o, i, v) },
                // SAFETY: forwarded contract; on a new sequence and an index in range it
                // cannot fail.
                None => unsafe {
                    $set_fn(o, i, v);
                },
            }
        }
    };
}

seq_access! {
    /// The number of items of a list (C's `PyList_GET_SIZE`): read inline where [`seq_layout`]
    /// is known, else `PyList_Size`.
    ///
    /// # Safety
    /// `o` must be a live `list` (or subclass instance), the GIL held.
    PyList_GET_SIZE = PyList_Size;
    /// Item `i` of a list, borrowed (C's `PyList_GET_ITEM`): read inline where [`seq_layout`] is
    /// known, else `PyList_GetItem`. See [`SeqLayout::list_item`] for how long it stays valid.
    ///
    /// # Safety
    /// `o` must be a live `list` (or subclass instance), `0 <= i <` its size, the GIL held.
    PyList_GET_ITEM = PyList_GetItem, list_item;
    /// Fills slot `i` of a new list with `v`, stealing it (C's `PyList_SET_ITEM`): inline where
    /// [`seq_layout`] is known, else `PyList_SetItem` (which, on an empty slot, does the same).
    ///
    /// # Safety
    /// As [`SeqLayout::list_set_item`].
    PyList_SET_ITEM = PyList_SetItem, list_set_item;
}

seq_access! {
    /// The number of items of a tuple (C's `PyTuple_GET_SIZE`): read inline where [`seq_layout`]
    /// is known, else `PyTuple_Size`.
    ///
    /// # Safety
    /// `o` must be a live `tuple` (or subclass instance), the GIL held.
    PyTuple_GET_SIZE = PyTuple_Size;
    /// Item `i` of a tuple, borrowed (C's `PyTuple_GET_ITEM`): read inline where [`seq_layout`]
    /// is known, else `PyTuple_GetItem`.
    ///
    /// # Safety
    /// `o` must be a live `tuple` (or subclass instance), `0 <= i <` its size, the GIL held.
    PyTuple_GET_ITEM = PyTuple_GetItem, tuple_item;
    /// Fills slot `i` of a new tuple with `v`, stealing it (C's `PyTuple_SET_ITEM`): inline where
    /// [`seq_layout`] is known, else `PyTuple_SetItem` (which, on a new tuple, does the same).
    ///
    /// # Safety
    /// As [`SeqLayout::tuple_set_item`]; the tuple has no other reference than the caller's.
    PyTuple_SET_ITEM = PyTuple_SetItem, tuple_set_item;
}

macro_rules! singleton {
    ($(#[$m:meta])* $name:ident = $sym:ident) => {
        $(#[$m])*
        ///
        /// NULL before libpython is loaded.
        #[inline(always)]
        pub fn $name() -> *mut PyObject {
            crate::data::$sym().cast::<PyObject>()
        }
    };
}

singleton!(/// `None` (C's `Py_None`), borrowed.
    Py_None = _Py_NoneStruct);
singleton!(/// `True` (C's `Py_True`), borrowed.
    Py_True = _Py_TrueStruct);
singleton!(/// `False` (C's `Py_False`), borrowed.
    Py_False = _Py_FalseStruct);
singleton!(/// `NotImplemented` (C's `Py_NotImplemented`), borrowed.
    Py_NotImplemented = _Py_NotImplementedStruct);
singleton!(/// `Ellipsis` (C's `Py_Ellipsis`), borrowed.
    Py_Ellipsis = _Py_EllipsisObject);

/// Whether `t` has the type flag `feature` (C's `PyType_HasFeature`).
///
/// # Safety
/// `t` must be a live type object.
#[inline(always)]
pub unsafe fn PyType_HasFeature(t: *mut PyTypeObject, feature: std::ffi::c_ulong) -> bool {
    // SAFETY: forwarded contract.
    unsafe { PyType_GetFlags(t) & feature != 0 }
}

/// C's `PyObject_TypeCheck`: `o` is an instance of `t` or of a subtype.
///
/// # Safety
/// `o` and `t` must be live, the GIL held.
#[inline(always)]
pub unsafe fn PyObject_TypeCheck(o: *mut PyObject, t: *mut PyTypeObject) -> bool {
    // SAFETY: forwarded contract.
    unsafe { Py_IS_TYPE(o, t) || PyType_IsSubtype(Py_TYPE(o), t) != 0 }
}

/// Type checks of one object, each by one of three tests: `flag F` (the type has the flag
/// `F`: C's fast subclass checks), `exact T` (the type is the data symbol `T`) or `subtype T`
/// (the type is `T` or a subtype).
macro_rules! type_checks {
    ($($(#[$m:meta])* $name:ident = $how:ident $what:ident;)*) => {$(
        $(#[$m])*
        ///
        /// # Safety
        /// `o` must be a live object, the GIL held.
        #[inline(always)]
        pub unsafe fn $name(o: *mut PyObject) -> bool {
            // SAFETY: forwarded contract.
            unsafe { type_checks!(@$how o, $what) }
        }
    )*};
    (@flag $o:ident, $flag:ident) => { PyType_HasFeature(Py_TYPE($o), $flag) };
    (@exact $o:ident, $ty:ident) => { Py_IS_TYPE($o, crate::data::$ty()) };
    (@subtype $o:ident, $ty:ident) => { PyObject_TypeCheck($o, crate::data::$ty()) };
}

type_checks! {
    /// `int` or a subclass (C's `PyLong_Check`).
    PyLong_Check = flag Py_TPFLAGS_LONG_SUBCLASS;
    /// Exactly `int` (C's `PyLong_CheckExact`).
    PyLong_CheckExact = exact PyLong_Type;
    /// `float` or a subclass (C's `PyFloat_Check`).
    PyFloat_Check = subtype PyFloat_Type;
    /// Exactly `float` (C's `PyFloat_CheckExact`).
    PyFloat_CheckExact = exact PyFloat_Type;
    /// Exactly `bool` (C's `PyBool_Check`: `bool` cannot be subclassed).
    PyBool_Check = exact PyBool_Type;
    /// `complex` or a subclass (C's `PyComplex_Check`).
    PyComplex_Check = subtype PyComplex_Type;
    /// `str` or a subclass (C's `PyUnicode_Check`).
    PyUnicode_Check = flag Py_TPFLAGS_UNICODE_SUBCLASS;
    /// Exactly `str` (C's `PyUnicode_CheckExact`).
    PyUnicode_CheckExact = exact PyUnicode_Type;
    /// `bytes` or a subclass (C's `PyBytes_Check`).
    PyBytes_Check = flag Py_TPFLAGS_BYTES_SUBCLASS;
    /// Exactly `bytes` (C's `PyBytes_CheckExact`).
    PyBytes_CheckExact = exact PyBytes_Type;
    /// `bytearray` or a subclass (C's `PyByteArray_Check`).
    PyByteArray_Check = subtype PyByteArray_Type;
    /// `memoryview` (C's `PyMemoryView_Check`).
    PyMemoryView_Check = subtype PyMemoryView_Type;
    /// `list` or a subclass (C's `PyList_Check`).
    PyList_Check = flag Py_TPFLAGS_LIST_SUBCLASS;
    /// Exactly `list` (C's `PyList_CheckExact`).
    PyList_CheckExact = exact PyList_Type;
    /// `tuple` or a subclass (C's `PyTuple_Check`).
    PyTuple_Check = flag Py_TPFLAGS_TUPLE_SUBCLASS;
    /// Exactly `tuple` (C's `PyTuple_CheckExact`).
    PyTuple_CheckExact = exact PyTuple_Type;
    /// `dict` or a subclass (C's `PyDict_Check`).
    PyDict_Check = flag Py_TPFLAGS_DICT_SUBCLASS;
    /// Exactly `dict` (C's `PyDict_CheckExact`).
    PyDict_CheckExact = exact PyDict_Type;
    /// Exactly `set` (C's `PySet_CheckExact`).
    PySet_CheckExact = exact PySet_Type;
    /// Exactly `frozenset` (C's `PyFrozenSet_CheckExact`).
    PyFrozenSet_CheckExact = exact PyFrozenSet_Type;
    /// A type object (C's `PyType_Check`).
    PyType_Check = flag Py_TPFLAGS_TYPE_SUBCLASS;
    /// A module (C's `PyModule_Check`).
    PyModule_Check = subtype PyModule_Type;
    /// A capsule (C's `PyCapsule_CheckExact`).
    PyCapsule_CheckExact = exact PyCapsule_Type;
    /// An exception instance (C's `PyExceptionInstance_Check`).
    PyExceptionInstance_Check = flag Py_TPFLAGS_BASE_EXC_SUBCLASS;
}

/// `set`, `frozenset` or a subclass of either (C's `PyAnySet_Check`).
///
/// # Safety
/// `o` must be a live object, the GIL held.
#[inline(always)]
pub unsafe fn PyAnySet_Check(o: *mut PyObject) -> bool {
    // SAFETY: forwarded contract.
    unsafe {
        PyObject_TypeCheck(o, crate::data::PySet_Type())
            || PyObject_TypeCheck(o, crate::data::PyFrozenSet_Type())
    }
}

/// An exception class (C's `PyExceptionClass_Check`).
///
/// # Safety
/// `o` must be a live object, the GIL held.
#[inline(always)]
pub unsafe fn PyExceptionClass_Check(o: *mut PyObject) -> bool {
    // SAFETY: forwarded contract; a type object's flags are read only after the type check.
    unsafe { PyType_Check(o) && PyType_HasFeature(o.cast(), Py_TPFLAGS_BASE_EXC_SUBCLASS) }
}

/// The argument count encoded in a vectorcall `nargsf` (C's `PyVectorcall_NARGS` macro, computed inline).
#[inline(always)]
pub const fn vectorcall_nargs(nargsf: usize) -> Py_ssize_t {
    (nargsf & !PY_VECTORCALL_ARGUMENTS_OFFSET) as Py_ssize_t
}

/// Calls `callable` with `nargsf` positional arguments at `args` and keyword names `kwnames`
/// through the best entry point the loaded version exports: `PyObject_Vectorcall` (3.11+),
/// else `PyObject_VectorcallDict` with the keywords moved into a dict (3.9, 3.10, where
/// `PyObject_Vectorcall` is an inline function not exported by the library).
///
/// # Safety
/// As `PyObject_Vectorcall`: the GIL held, `args` valid for the positional plus keyword
/// arguments, `kwnames` NULL or a tuple of `str`.
#[inline(always)]
pub unsafe fn vectorcall(
    callable: *mut PyObject,
    args: *const *mut PyObject,
    nargsf: usize,
    kwnames: *mut PyObject,
) -> *mut PyObject {
    let f = VECTORCALL.load(Ordering::Relaxed);
    // SAFETY: `VECTORCALL` only ever holds `vectorcall_dict_fallback` or the library's
    // `PyObject_Vectorcall`, both of this signature; the rest is the forwarded contract.
    unsafe { std::mem::transmute::<*mut (), VectorcallFn>(f)(callable, args, nargsf, kwnames) }
}

/// The signature of `PyObject_Vectorcall`.
type VectorcallFn = unsafe extern "C" fn(
    *mut PyObject,
    *const *mut PyObject,
    usize,
    *mut PyObject,
) -> *mut PyObject;

/// What [`vectorcall`] calls: the library's `PyObject_Vectorcall` once [`init_object_layout`]
/// found it exported (3.11+), else [`vectorcall_dict_fallback`]. Either is right at any
/// moment, so it is read with no ordering: a call is one load and an indirect call.
static VECTORCALL: AtomicPtr<()> =
    AtomicPtr::new(vectorcall_dict_fallback as VectorcallFn as *mut ());

/// [`vectorcall`] through `PyObject_VectorcallDict`, the keywords moved into a dict (3.9,
/// 3.10, or before the library's entry point is known).
///
/// # Safety
/// As [`vectorcall`].
unsafe extern "C" fn vectorcall_dict_fallback(
    callable: *mut PyObject,
    args: *const *mut PyObject,
    nargsf: usize,
    kwnames: *mut PyObject,
) -> *mut PyObject {
    let Some(f) = crate::api().PyObject_VectorcallDict else {
        // A C signature: no panic may leave it.
        eprintln!(
            "{}",
            crate::Unavailable::new(
                "PyObject_Vectorcall and PyObject_VectorcallDict",
                crate::library().map(|l| l.version())
            )
        );
        std::process::abort();
    };
    if kwnames.is_null() {
        // SAFETY: forwarded contract.
        return unsafe { f(callable, args, nargsf, std::ptr::null_mut()) };
    }
    let nargs = vectorcall_nargs(nargsf) as usize;
    // SAFETY: the GIL is held; `kwnames` is a tuple whose length says how many keyword values
    // follow the positional ones in `args`; every reference created here is released.
    unsafe {
        let nkw = PyTuple_Size(kwnames);
        let kwargs = PyDict_New();
        if kwargs.is_null() {
            return std::ptr::null_mut();
        }
        for i in 0..nkw {
            let key = PyTuple_GetItem(kwnames, i);
            if PyDict_SetItem(kwargs, key, *args.add(nargs + i as usize)) < 0 {
                Py_DecRef(kwargs);
                return std::ptr::null_mut();
            }
        }
        let r = f(callable, args, nargsf, kwargs);
        Py_DecRef(kwargs);
        r
    }
}

/// `Py_IsFinalizing` (3.13 public) or `_Py_IsFinalizing` (3.9 to 3.12): whether the runtime is
/// shutting down. `false` when neither is exported.
///
/// # Safety
/// libpython must be loaded.
#[inline]
pub unsafe fn is_finalizing() -> bool {
    let api = crate::api();
    // SAFETY: both take no arguments and only read runtime state.
    unsafe {
        match (api.Py_IsFinalizing, api._Py_IsFinalizing) {
            (Some(f), _) | (None, Some(f)) => f() != 0,
            (None, None) => false,
        }
    }
}

/// `c_int` result of `PyObject_RichCompareBool` and friends: -1 error, 0 false, 1 true.
pub type CBool = c_int;

#[cfg(test)]
mod tests {
    use super::*;

    fn v(minor: u8) -> Version {
        Version {
            major: 3,
            minor,
            micro: 0,
        }
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

    #[test]
    fn lists_and_tuples_are_read_in_place_only_on_known_versions_and_locked_if_free_threaded() {
        assert!(seq_layout_allowed(Some(v(9))));
        assert!(seq_layout_allowed(Some(v(15))));
        assert!(
            !seq_layout_allowed(Some(v(16))),
            "an unknown newer version uses the functions"
        );
        assert!(!seq_layout_allowed(None));
        assert!(unlocked_reads_allowed(16));
        assert!(
            !unlocked_reads_allowed(32),
            "free-threaded builds read lists under their critical section"
        );
    }
}
