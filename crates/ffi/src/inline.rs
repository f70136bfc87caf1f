//! C macros and static inline functions of the C API, as small Rust functions.
//!
//! None reads a field of an object except [`Py_TYPE`], which reads `ob_type` at an offset taken
//! from the running interpreter (see [`init_object_layout`]), so the same code serves GIL and
//! free-threaded builds; the list and tuple accessors ([`SeqLayout`], [`PyList_GET_ITEM`],
//! [`PyTuple_SET_ITEM`], ...), which read and fill items inline at offsets found and checked at
//! run time on GIL builds and call the exported functions everywhere else; and, in
//! [`refcount`](crate::refcount), `Py_INCREF` / `Py_DECREF`.

use std::ffi::c_int;
use std::sync::atomic::{AtomicPtr, AtomicU64, AtomicUsize, Ordering};

use crate::functions::*;
use crate::load::Version;
use crate::refcount::Py_XDECREF;
use crate::types::*;

/// Byte offset of `ob_type` inside `PyObject`: 8 on GIL builds, 24 on free-threaded builds;
/// [`TYPE_BY_CALL`] on a version newer than [`Version::NEWEST_KNOWN`] that exports `Py_TYPE`.
static OB_TYPE_OFFSET: AtomicUsize = AtomicUsize::new(8);
/// [`Py_TYPE`] calls the exported function instead of reading the header.
const TYPE_BY_CALL: usize = usize::MAX;

/// Reads the running interpreter's object header size (`object.__basicsize__`) and sets the
/// offset [`Py_TYPE`] reads `ob_type` at (`ob_type` is the header's last field in every build).
/// Chooses how [`Py_INCREF`](crate::Py_INCREF) / [`Py_DECREF`](crate::Py_DECREF) work (see there).
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
        crate::refcount::init_refcount(n);
        init_seq_layout(n);
        crate::long::init_long_layout(n);
        crate::float::init_float_layout(n);
        crate::unicode::init_unicode_layout(n);
        crate::dict::init_dict_layout(n);
        crate::dict::init_dict_entries(n);
        n
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

/// `Py_TYPE` through the exported function, on a version whose header we do not know (cold:
/// the inline read is laid out as the straight path).
///
/// # Safety
/// As [`Py_TYPE`]; [`init_object_layout`] chose this path, so the function is exported.
#[cold]
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
pub(crate) unsafe fn type_size(t: *mut PyObject, attr: &std::ffi::CStr) -> Option<usize> {
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

    const fn v(minor: u8) -> Version {
        Version::three(minor)
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
