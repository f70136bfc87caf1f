//! A buffer acquired from an exporter: `RawView`, checked against the element type and
//! registered with the borrow registry, released under its interpreter's GIL from any thread.

use std::cell::Cell;
use std::ffi::CStr;
use std::mem::ManuallyDrop;

use libpython_interp as interp;
use libpython_interp::{Deferred, DeferredRun, InterpKey, ffi};

use super::borrow::{self, Borrow, Domain};
use super::cell::load;
use super::dlpack::DlTensor;
use super::element::{Element, ScalarKind, check_format, is_common_format};
use crate::conversion::tname;
use crate::err::{Error, ErrorKind, Result, fetch};
use crate::object::Bound;

use super::layout::*;

/// Puts a release owed to interpreter `key` off to that interpreter's next drain (see
/// [`interp::refs::release_later`]): what a view or a tensor dropped by a thread that does not
/// hold that interpreter's GIL does, without waiting for the GIL (its holder may be waiting
/// for this thread). `f` is called once: with [`DeferredRun::UnderGil`] by a thread that holds
/// the GIL, to release; with [`DeferredRun::Gone`] when the interpreter or its runtime is gone
/// first, to free what is Rust's alone.
///
/// # Safety
/// `f` may be called on any thread: what it captures must be usable there (the raw parts of a
/// buffer or a tensor, which CPython lets any thread holding the GIL release), and with
/// [`DeferredRun::Gone`] it touches nothing of Python.
pub(crate) unsafe fn release_later(key: InterpKey, f: impl FnOnce(DeferredRun) + 'static) {
    /// `f`, declared sendable by the function's contract.
    struct AnyThread<F>(F);
    // SAFETY: see `release_later`'s contract.
    unsafe impl<F> Send for AnyThread<F> {}
    impl<F: FnOnce(DeferredRun)> AnyThread<F> {
        /// Calls `f` (a method, so that the closure below captures the whole wrapper).
        fn run(self, how: DeferredRun) {
            (self.0)(how)
        }
    }
    let f = AnyThread(f);
    interp::refs::release_later(key, Deferred::new(move |how| f.run(how)));
}

/// The part of a view that stays at one address: the `Py_buffer` (exporters may point its
/// `shape` and `strides` into the struct itself, as `PyBuffer_FillInfo` does for `bytes` and
/// `bytearray`, and its release hands the exporter the struct it filled), the shape and
/// strides, and what keeps the memory alive. Boxed, and the boxes are recycled through a
/// small per-thread pool ([`take_inner`], [`give_inner`]): a view costs no allocation, and
/// moving one moves a few words.
pub(crate) struct Inner {
    /// Filled by `PyObject_GetBuffer` when the view's `exporter` is set.
    buffer: ffi::Py_buffer,
    ndim: usize,
    /// `ndim` extents: the exporter's (non-negative `Py_ssize_t`s, checked), or in `owned`.
    shape: *const usize,
    /// `ndim` byte strides: the exporter's, or in `owned`.
    strides: *const isize,
    /// Storage for shape and strides when they are not the exporter's (extents, then strides);
    /// kept with its capacity when the box is recycled.
    owned: Vec<isize>,
    itemsize: usize,
    /// The format when the exporter gave none in `buffer` (a static string: `"B"`, or a
    /// DLPack tensor's type); see [`RawView::format`].
    format: *const std::ffi::c_char,
    /// The registered borrow, dropped before the memory's owner is released.
    borrow: Borrow,
    /// A consumed DLPack tensor whose memory the view shows, released when it is dropped.
    pub(crate) tensor: Option<DlTensor>,
}

impl Inner {
    pub(crate) fn new() -> Inner {
        Inner {
            buffer: ffi::Py_buffer::zeroed(),
            ndim: 0,
            shape: std::ptr::NonNull::dangling().as_ptr(),
            strides: std::ptr::NonNull::dangling().as_ptr(),
            owned: Vec::new(),
            itemsize: 0,
            format: c"B".as_ptr(),
            borrow: Borrow::NONE,
            tensor: None,
        }
    }

    /// The exporter's arrays as the view's dimensions, not copied.
    ///
    /// # Safety
    /// `shape` and `strides` point at `ndim` values each, every extent non-negative, which
    /// stay valid and unchanged until the export is released (inside `buffer`, or memory the
    /// exporter keeps for the export: the buffer protocol's rule).
    unsafe fn set_exporter_dims(
        &mut self,
        ndim: usize,
        shape: *const ffi::Py_ssize_t,
        strides: *const ffi::Py_ssize_t,
    ) {
        self.ndim = ndim;
        self.shape = shape.cast();
        self.strides = strides;
    }

    /// Dimensions of our own, from per-axis extent and stride functions. Every extent is at
    /// most `isize::MAX` (callers convert with a check).
    pub(crate) fn set_dims(
        &mut self,
        ndim: usize,
        extent: impl Fn(usize) -> usize,
        stride: impl Fn(usize) -> isize,
    ) {
        self.owned.clear();
        self.owned.extend((0..ndim).map(|i| {
            let n = extent(i);
            debug_assert!(
                isize::try_from(n).is_ok(),
                "extent {n} checked by the caller"
            );
            // At most `isize::MAX` (this function's contract): the same value.
            n as isize
        }));
        self.owned.extend((0..ndim).map(stride));
        self.ndim = ndim;
        self.shape = self.owned.as_ptr().cast();
        // SAFETY: `owned` holds 2 * ndim values: `ndim` is in bounds (one past the extents).
        self.strides = unsafe { self.owned.as_ptr().add(ndim) };
    }

    /// Records the view's borrow (the box holds none until then: a new or recycled box).
    #[inline(always)]
    fn set_borrow(&mut self, borrow: Borrow) {
        // The old value is `Borrow::NONE`, whose drop does nothing: not dropping it saves the
        // check.
        debug_assert!(self.borrow.is_none());
        std::mem::forget(std::mem::replace(&mut self.borrow, borrow));
    }

    #[inline]
    pub(crate) fn shape(&self) -> &[usize] {
        // SAFETY: `ndim` non-negative `Py_ssize_t`s / `isize`s (valid `usize`s of the same size
        // and alignment), in `owned` (not changed until the next `set_dims`, which takes
        // `&mut self`) or the exporter's (valid until the export is released, which happens
        // after the last use through `&self`: `set_exporter_dims`' contract); or dangling with
        // `ndim == 0`.
        unsafe { std::slice::from_raw_parts(self.shape, self.ndim) }
    }

    #[inline]
    pub(crate) fn strides(&self) -> &[isize] {
        // SAFETY: as for `shape`: `ndim` strides in `owned` or the exporter's.
        unsafe { std::slice::from_raw_parts(self.strides, self.ndim) }
    }
}

// The per-thread pool of spare boxes. Its first place is a thread-local without a destructor,
// which code reaches without checking the thread-local's state (one load or store); what it
// holds is freed by a guard that the first use of the pool on the thread registers. The
// place holds a box, or one of three markers: no guard yet, empty, or closed (the thread is
// exiting: boxes are freed, not kept). A second place, used out of line, holds one more box.

/// The pool's first place before its guard is registered.
const UNSET: *mut Inner = std::ptr::null_mut();
/// The pool's first place when it holds no box.
const EMPTY: *mut Inner = std::ptr::without_provenance_mut(1);
/// The pool's first place once its guard has run.
const CLOSED: *mut Inner = std::ptr::without_provenance_mut(2);

thread_local! {
    /// A box of a released view (nothing held, no borrow) for the next view of this thread,
    /// from `Box::into_raw`, or a marker.
    static SPARE: Cell<*mut Inner> = const { Cell::new(UNSET) };
    /// One more such box, or null.
    static SECOND: Cell<*mut Inner> = const { Cell::new(std::ptr::null_mut()) };
    /// Frees the boxes of this thread's pool when the thread exits.
    static POOL_GUARD: PoolGuard = const { PoolGuard };
}

/// Frees the boxes of the pool (see [`SPARE`]) when its thread exits, and closes it.
struct PoolGuard;

impl Drop for PoolGuard {
    fn drop(&mut self) {
        let spare = SPARE.replace(CLOSED);
        if spare as usize > CLOSED as usize {
            // SAFETY: a box the pool holds (from `Box::into_raw`, taken out of the pool here,
            // once: the place is now closed).
            drop(unsafe { Box::from_raw(spare) });
        }
        free_second();
    }
}

/// Frees the box in the pool's second place, if any.
fn free_second() {
    let second = SECOND.replace(std::ptr::null_mut());
    if !second.is_null() {
        // SAFETY: a box the second place held (from `Box::into_raw`), taken out of it here.
        drop(unsafe { Box::from_raw(second) });
    }
}

/// Registers the pool's guard on this thread and marks the pool empty; when the thread is
/// already exiting (the guard cannot be registered), closes it instead.
#[cold]
fn open_pool() {
    let open = POOL_GUARD.try_with(|_| ()).is_ok();
    SPARE.set(if open { EMPTY } else { CLOSED });
}

/// A box for a new view: a spare one of this thread (its `Py_buffer` cleared for an export),
/// or a new one.
#[inline(always)]
pub(crate) fn take_inner() -> Box<Inner> {
    let spare = SPARE.get();
    if spare as usize <= CLOSED as usize {
        return take_inner_slow(spare);
    }
    SPARE.set(EMPTY);
    // SAFETY: a box the pool held (from `Box::into_raw` in `give_inner`), taken out of it
    // here, once (the place is now empty).
    let mut b = unsafe { Box::from_raw(spare) };
    clear_for_export(&mut b.buffer);
    // No dimensions until they are set (the old pointers are stale).
    b.ndim = 0;
    b
}

/// Clears the fields of a recycled `Py_buffer` that an exporter may leave as it found them:
/// those the request's flags govern (`readonly`, `format`, `shape`, `strides`, `suboffsets`;
/// one not asked for must read NULL, not the previous export's pointer) and the exporter's
/// own `internal`. The others (`buf`, `obj`, `len`, `itemsize`, `ndim`) every exporter must
/// fill in, whatever the flags, as the buffer protocol's documentation says; `ndim` is
/// cleared with `readonly`, which shares its word.
#[inline(always)]
fn clear_for_export(b: &mut ffi::Py_buffer) {
    b.readonly = 0;
    b.ndim = 0;
    b.format = std::ptr::null_mut();
    b.shape = std::ptr::null_mut();
    b.strides = std::ptr::null_mut();
    b.suboffsets = std::ptr::null_mut();
    b.internal = std::ptr::null_mut();
}

/// [`take_inner`] when the first place holds no box: the second place's, or a new one.
#[cold]
#[inline(never)]
fn take_inner_slow(spare: *mut Inner) -> Box<Inner> {
    if spare == UNSET {
        open_pool();
    }
    let second = SECOND.replace(std::ptr::null_mut());
    if second.is_null() {
        return Box::new(Inner::new());
    }
    // SAFETY: a box the second place held (from `Box::into_raw`), taken out of it here.
    let mut b = unsafe { Box::from_raw(second) };
    clear_for_export(&mut b.buffer);
    b.ndim = 0;
    b
}

/// Keeps the box of a released view (nothing held, no borrow) for a later one; it is freed
/// when the pool is full (and the pool's boxes when the thread exits).
#[inline(always)]
pub(crate) fn give_inner(b: Box<Inner>) {
    debug_assert!(b.tensor.is_none());
    if SPARE.get() == EMPTY {
        SPARE.set(Box::into_raw(b));
    } else {
        give_inner_slow(b);
    }
}

/// [`give_inner`] when the first place is not empty: opens the pool, keeps the box in the
/// second place, or frees it (pool full or closed).
#[cold]
#[inline(never)]
fn give_inner_slow(b: Box<Inner>) {
    let spare = SPARE.get();
    if spare == UNSET {
        open_pool();
        if SPARE.get() == EMPTY {
            SPARE.set(Box::into_raw(b));
        }
        // Else closed: `b` is freed.
        return;
    }
    if spare != CLOSED && SECOND.get().is_null() {
        SECOND.set(Box::into_raw(b));
    }
    // Else the pool is full or closed: `b` is freed.
}

/// An untyped view: where the elements are, their layout, and what keeps them alive.
pub(crate) struct RawView {
    pub(crate) ptr: *mut u8,
    /// The number of elements (the product of the shape).
    len: usize,
    /// Whether the layout is C-contiguous.
    c_contiguous: bool,
    /// Whether the layout is Fortran-contiguous.
    f_contiguous: bool,
    pub(crate) readonly: bool,
    /// Taken out only in `Drop`.
    inner: ManuallyDrop<Box<Inner>>,
    /// The interpreter whose export `inner`'s buffer holds, released when the view is
    /// dropped; [`InterpKey::NONE`] when it holds none.
    exporter: InterpKey,
}

impl RawView {
    /// A view under construction around `inner`, which holds the export of `exporter`'s
    /// interpreter (or, with [`InterpKey::NONE`], a tensor): empty until
    /// [`finish`](Self::finish), released on drop.
    ///
    /// # Safety
    /// With a key other than `NONE`, `inner`'s buffer was filled by a successful
    /// `PyObject_GetBuffer` of that interpreter, and is not released elsewhere.
    #[inline]
    pub(crate) unsafe fn start(inner: Box<Inner>, exporter: InterpKey) -> RawView {
        RawView {
            ptr: std::ptr::null_mut(),
            len: 0,
            c_contiguous: true,
            f_contiguous: true,
            readonly: true,
            inner: ManuallyDrop::new(inner),
            exporter,
        }
    }

    /// The shape, strides and owner of the memory, to fill in before [`finish`](Self::finish).
    pub(crate) fn inner_mut(&mut self) -> &mut Inner {
        &mut self.inner
    }

    /// Makes the view one of elements `T`, `itemsize` bytes each, at `ptr`, laid out as the
    /// dimensions set in its [`Inner`]: checks that the element count and every element's
    /// byte offset fit (`usize`, `isize`), alignment for `T`, registers the borrow (shared,
    /// or `exclusive`) and, for `bool`, checks every byte is 0 or 1. Length and contiguity
    /// are computed here, once.
    ///
    /// Every offset the view's accessors compute afterwards (an in-bounds index, an element
    /// of the walk in C order) lies between the lowest and highest offsets checked here, so
    /// none of them overflows.
    ///
    /// # Errors
    /// [`ErrorKind::Overflow`] for a shape or strides whose element count or offsets do not fit;
    /// [`ErrorKind::Conversion`] for an element type without single-access loads and stores on
    /// this target, misaligned data, a conflicting live view, or invalid bools.
    #[inline]
    pub(crate) fn finish<T: Element>(
        &mut self,
        ptr: *mut u8,
        itemsize: usize,
        readonly: bool,
        format: *const std::ffi::c_char,
        exclusive: bool,
        domain: Domain,
    ) -> Result<()> {
        if !super::cell::supported::<T>() {
            return Err(unsupported::<T>());
        }
        let inner = &mut **self.inner;
        let (shape, strides) = (inner.shape(), inner.strides());
        let (len, c_contiguous, f_contiguous) = if let ([extent], [stride]) = (shape, strides) {
            // One axis (the common case, without the general walk). What `check_reach`
            // checks, for one axis: the farthest element's offset, `(extent - 1) * stride`,
            // and the whole byte range, `itemsize + |offset|`, fit in `isize`.
            if *extent > 1
                && isize::try_from(*extent - 1)
                    .ok()
                    .and_then(|n| n.checked_mul(*stride))
                    .and_then(isize::checked_abs)
                    .zip(isize::try_from(itemsize).ok())
                    .and_then(|(reach, size)| reach.checked_add(size))
                    .is_none()
            {
                return Err(offsets_overflow(shape, strides));
            }
            let contiguous = *extent <= 1 || *stride == itemsize as isize;
            (*extent, contiguous, contiguous)
        } else {
            let len = element_count(shape)?;
            check_reach(shape, strides, itemsize)?;
            (
                len,
                is_contiguous(shape, strides, itemsize, true),
                is_contiguous(shape, strides, itemsize, false),
            )
        };
        let contiguous = c_contiguous || f_contiguous;
        let borrow = check_and_borrow::<T>(ptr, shape, strides, itemsize, len, contiguous, |r| {
            borrow::acquire(r, exclusive, domain)
        })?;
        inner.set_borrow(borrow);
        inner.itemsize = itemsize;
        inner.format = format;
        self.ptr = ptr;
        self.len = len;
        self.c_contiguous = c_contiguous;
        self.f_contiguous = f_contiguous;
        self.readonly = readonly;
        Ok(())
    }

    /// [`finish`](Self::finish) for `len` contiguous elements of `T` (one axis, or any
    /// layout whose elements follow each other from `ptr`), each `size_of::<T>()` bytes, when
    /// the caller has checked that `len * size_of::<T>()` fits in `isize`: the same checks
    /// (alignment: of the start only; the borrow; bools), without the general layout walk.
    /// The view's format is the exporter's (in its `Py_buffer`).
    #[inline(always)]
    pub(crate) fn finish_contiguous<T: Element>(
        &mut self,
        ptr: *mut u8,
        len: usize,
        readonly: bool,
        exclusive: bool,
        domain: Domain,
    ) -> Result<()> {
        if !super::cell::supported::<T>() {
            return Err(unsupported::<T>());
        }
        let size = std::mem::size_of::<T>();
        debug_assert!(len <= isize::MAX as usize / size.max(1));
        let inner = &mut **self.inner;
        let range = if len == 0 {
            None
        } else {
            // Strides of `size` bytes are multiples of the alignment: only the start can be
            // misaligned.
            if (ptr as usize) % const { super::cell::access_align::<T>() } != 0 {
                return Err(misaligned::<T>(ptr, inner.shape(), inner.strides()));
            }
            // No overflow: at most `isize::MAX` bytes (the caller's check).
            Some((ptr as usize, (ptr as usize).wrapping_add(len * size)))
        };
        let borrow = borrow::acquire(range, exclusive, domain)?;
        if T::KIND == ScalarKind::Bool {
            check_bool_bytes(ptr, inner.shape(), inner.strides())?;
        }
        inner.set_borrow(borrow);
        inner.itemsize = size;
        self.ptr = ptr;
        self.len = len;
        self.c_contiguous = true;
        self.f_contiguous = true;
        self.readonly = readonly;
        Ok(())
    }

    pub(crate) fn shape(&self) -> &[usize] {
        self.inner.shape()
    }

    pub(crate) fn strides(&self) -> &[isize] {
        self.inner.strides()
    }

    #[cfg(feature = "ndarray")]
    pub(crate) fn itemsize(&self) -> usize {
        self.inner.itemsize
    }

    /// The format: the exporter's when it gave one, else the one [`finish`](Self::finish) set.
    pub(crate) fn format(&self) -> *const std::ffi::c_char {
        let exporters = self.inner.buffer.format.cast_const();
        if exporters.is_null() {
            self.inner.format
        } else {
            exporters
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    pub(crate) fn is_c_contiguous(&self) -> bool {
        self.c_contiguous
    }

    pub(crate) fn is_f_contiguous(&self) -> bool {
        self.f_contiguous
    }

    /// Byte offset of `index`, if it is inside the shape. (No overflow: see
    /// [`finish`](Self::finish).)
    pub(crate) fn offset(&self, index: &[usize]) -> Option<isize> {
        if index.len() != self.shape().len() {
            return None;
        }
        let mut off = 0isize;
        for ((&i, &n), &s) in index
            .iter()
            .zip(self.shape().iter())
            .zip(self.strides().iter())
        {
            if i >= n {
                return None;
            }
            off += i as isize * s;
        }
        Some(off)
    }
}

impl Drop for RawView {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: taken out once, here; `self.inner` is not used again.
        let mut inner = unsafe { ManuallyDrop::take(&mut self.inner) };
        // Unregistered before the memory can go.
        inner.borrow = Borrow::NONE;
        let key = self.exporter;
        // (`holds` is false for `InterpKey::NONE`: a tensor goes the slow way.)
        if interp::gil::holds(key) {
            // SAFETY: the buffer was filled by a successful `PyObject_GetBuffer` of this
            // interpreter (`start`'s contract) and is released once (here: the view is
            // dropped), with its GIL held by this thread (an outer guard, which cannot be
            // released before this call returns). A collector traversal marks no GIL as
            // held, so this is not one.
            unsafe { ffi::PyBuffer_Release(&mut inner.buffer) };
            give_inner(inner);
        } else {
            release_slow(inner, key);
        }
    }
}

/// [`RawView`]'s release of a tensor, or of a buffer whose interpreter's GIL this thread does
/// not hold (out of line: the view's drop inlines the common case).
#[cold]
#[inline(never)]
fn release_slow(mut inner: Box<Inner>, key: InterpKey) {
    if key != InterpKey::NONE {
        defer_buffer(inner, key);
        return;
    }
    if inner.tensor.is_some() {
        // A view holds an export or a tensor, never both.
        drop_tensor(&mut inner);
    }
    give_inner(inner);
}

/// [`RawView`]'s release of a buffer whose interpreter's GIL this thread does not hold (another
/// thread, another interpreter's GIL, a collector traversal): put off to that interpreter's
/// next drain, without waiting for its GIL. The exporter counts the export until then.
#[cold]
#[inline(never)]
fn defer_buffer(inner: Box<Inner>, key: InterpKey) {
    let release = move |how| {
        let mut inner = inner;
        if how == DeferredRun::UnderGil {
            // SAFETY: the buffer was filled by a successful `PyObject_GetBuffer` of `key`'s
            // interpreter (`RawView::start`'s contract), whose GIL this thread holds, and is
            // released once, here; the box kept it at its address.
            unsafe { ffi::PyBuffer_Release(&mut inner.buffer) };
            give_inner(inner);
        }
        // Else the exporter is gone with its interpreter: the box is freed, nothing released.
    };
    // SAFETY: the closure owns the box, plain memory any thread may free; the buffer is
    // released only under `key`'s GIL (CPython allows any thread that holds it), and not at
    // all when the interpreter is gone.
    unsafe { release_later(key, release) };
}

/// Releases the DLPack tensor a view showed (out of line: buffer-protocol views have none, and
/// moving the empty `Option` out costs more than the check).
#[cold]
#[inline(never)]
fn drop_tensor(inner: &mut Inner) {
    drop(inner.tensor.take());
}

/// The checks and the borrow of [`RawView::finish`], for `len` elements at `ptr` laid out as
/// `shape` and `strides` (`contiguous` in C or Fortran order); `acquire` registers the
/// borrow of the byte range the view reaches.
#[inline]
pub(crate) fn check_and_borrow<T: Element>(
    ptr: *mut u8,
    shape: &[usize],
    strides: &[isize],
    itemsize: usize,
    len: usize,
    contiguous: bool,
    acquire: impl FnOnce(Option<(usize, usize)>) -> Result<Borrow>,
) -> Result<Borrow> {
    let align = const { super::cell::access_align::<T>() };
    if len != 0 {
        // A contiguous layout of `T`-sized items has strides that are multiples of the size,
        // hence of the alignment: only the start can be misaligned.
        let strided = !(contiguous && itemsize == std::mem::size_of::<T>());
        if (ptr as usize) % align != 0
            || (strided
                && shape
                    .iter()
                    .zip(strides)
                    .any(|(&n, &s)| n > 1 && s.unsigned_abs() % align != 0))
        {
            return Err(misaligned::<T>(ptr, shape, strides));
        }
    }
    let range = if len == 0 {
        None
    } else if contiguous {
        // Both orders start at the lowest address and cover `len` elements: what `byte_range`
        // computes for them, without the walk over the axes.
        let base = ptr as usize;
        Some((base, base.wrapping_add(len.saturating_mul(itemsize.max(1)))))
    } else {
        borrow::byte_range(ptr, shape, strides, itemsize)
    };
    let borrow = acquire(range)?;
    if T::KIND == ScalarKind::Bool {
        check_bool_bytes(ptr, shape, strides)?;
    }
    Ok(borrow)
}

/// Checks that every byte of a `bool` view at `ptr` laid out as `shape` and byte `strides` (a
/// layout `finish` checked, memory the view holds) is 0 or 1.
fn check_bool_bytes(ptr: *mut u8, shape: &[usize], strides: &[isize]) -> Result<()> {
    let mut bad = None;
    for_each_offset(shape, strides, |off| {
        // SAFETY: the offset is inside the view (shape and strides describe it, offsets
        // checked by `finish`), the memory is readable and held by this view; a byte read as
        // a `u8` is valid whatever its value.
        let b: u8 = unsafe { load(ptr.offset(off)) };
        if b > 1 && bad.is_none() {
            bad = Some(b);
        }
    });
    match bad {
        None => Ok(()),
        Some(b) => Err(Error::conversion(format!(
            "the buffer's bool elements include the byte {b}, which is not a valid Rust bool (0 or 1)"
        ))),
    }
}

/// The error for data or strides not aligned for `T`.
#[cold]
pub(crate) fn misaligned<T: Element>(ptr: *mut u8, shape: &[usize], strides: &[isize]) -> Error {
    let align = super::cell::access_align::<T>();
    if (ptr as usize) % align != 0 {
        return Error::conversion(format!(
            "the buffer's data at {ptr:p} is not aligned for {} ({align} bytes): copy it first (numpy: np.ascontiguousarray)",
            T::NAME
        ));
    }
    let (axis, s) = shape
        .iter()
        .zip(strides)
        .enumerate()
        .find_map(|(axis, (&n, &s))| (n > 1 && s.unsigned_abs() % align != 0).then_some((axis, s)))
        .unwrap_or((0, 0));
    Error::conversion(format!(
        "the buffer's stride of {s} bytes on axis {axis} is not a multiple of the alignment of {} ({align} bytes)",
        T::NAME
    ))
}

/// The error for an element type whose elements this target cannot read or write with one
/// access.
#[cold]
pub(crate) fn unsupported<T: Element>() -> Error {
    Error::conversion(format!(
        "{}: elements of {} bytes cannot be viewed (views read and write elements of 1, 2, 4 or 8 bytes)",
        T::NAME,
        std::mem::size_of::<T>()
    ))
}

/// Whether `obj` gives a read-only buffer (after a writable request failed).
pub(crate) fn is_readonly_buffer(obj: &Bound<'_>) -> bool {
    let mut view = Box::new(ffi::Py_buffer::zeroed());
    // SAFETY: live object, GIL held; a successful request is released at once.
    unsafe {
        if ffi::PyObject_GetBuffer(obj.as_ptr(), &mut *view, ffi::PyBUF_RECORDS_RO) < 0 {
            ffi::PyErr_Clear();
            return false;
        }
        let readonly = view.readonly != 0;
        ffi::PyBuffer_Release(&mut *view);
        readonly
    }
}

/// Gets a buffer of `obj`, writable or not, with strides and format, and checks it holds `T`s.
#[inline]
pub(crate) fn acquire_buffer<T: Element>(obj: &Bound<'_>, writable: bool) -> Result<RawView> {
    let py = obj.py();
    let flags = ffi::PyBUF_RECORDS_RO | if writable { ffi::PyBUF_WRITABLE } else { 0 };
    let mut inner = take_inner();
    // SAFETY: a live object of `py`'s interpreter, whose GIL is held (`Bound`); the cleared
    // `Py_buffer` is in a box, which keeps its address until the view releases it.
    if unsafe { ffi::PyObject_GetBuffer(obj.as_ptr(), &mut inner.buffer, flags) } < 0 {
        give_inner(inner);
        return Err(refused(obj, writable));
    }
    // From here on, every early return releases the buffer (`raw`'s drop).
    // SAFETY: the buffer was just filled by this interpreter's `PyObject_GetBuffer`; only the
    // view releases it.
    let mut raw = unsafe { RawView::start(inner, py.interpreter_key()) };
    let inner = raw.inner_mut();
    let v = &inner.buffer;
    // The common case: one axis of contiguous `T`s, in one of the usual spellings of `T` (a
    // numpy vector, `bytes`, `array.array`). What the general path below checks, with the
    // layout known: the element count and byte reach (`extent * size` fits in `isize`, which
    // also rules out a negative extent), and only the start's alignment (the stride is the
    // element size).
    let size = std::mem::size_of::<T>();
    if v.ndim == 1
        && v.itemsize == size as ffi::Py_ssize_t
        && !v.shape.is_null()
        && !v.strides.is_null()
        && v.suboffsets.is_null()
        && !v.format.is_null()
        // SAFETY: with PyBUF_STRIDES the exporter gives `ndim` (1) strides, valid while the
        // view is held.
        && unsafe { *v.strides } == v.itemsize
        // SAFETY: the exporter's NUL-terminated format, valid while the view is held.
        && unsafe { is_common_format::<T>(v.format) }
        && !(writable && v.readonly != 0)
    {
        // SAFETY: with PyBUF_ND the exporter gives `ndim` (1) extents, valid while the view is
        // held.
        let extent = unsafe { *v.shape };
        // A negative extent is above `isize::MAX` as a `usize`.
        if extent as usize <= isize::MAX as usize / size.max(1) {
            let (ptr, readonly) = (v.buf.cast::<u8>(), v.readonly != 0);
            let (shape, strides) = (v.shape, v.strides);
            // SAFETY: one extent (non-negative: checked above) and one stride of the
            // exporter's, valid and unchanged until the buffer, which `inner` keeps, is
            // released.
            unsafe { inner.set_exporter_dims(1, shape, strides) };
            raw.finish_contiguous::<T>(ptr, extent as usize, readonly, writable, Domain::of(py))?;
            return Ok(raw);
        }
    }
    finish_buffer::<T>(obj, raw, writable)
}

/// The rest of [`acquire_buffer`] for any layout (out of line: the common case is inlined),
/// with the exporter's buffer in `raw`.
#[inline(never)]
fn finish_buffer<T: Element>(obj: &Bound<'_>, mut raw: RawView, writable: bool) -> Result<RawView> {
    let inner = raw.inner_mut();
    let v = &inner.buffer;
    if !v.suboffsets.is_null() {
        return Err(Error::conversion(format!(
            "the {} buffer uses suboffsets (PIL-style indirection), which views do not support",
            tname(obj)
        )));
    }
    let ndim = usize::try_from(v.ndim).map_err(|_| {
        Error::conversion(format!(
            "the {} buffer has {} dimensions",
            tname(obj),
            v.ndim
        ))
    })?;
    let itemsize = usize::try_from(v.itemsize).unwrap_or(0);
    let format = if v.format.is_null() {
        c"B".as_ptr()
    } else {
        v.format.cast_const()
    };
    // The common spellings of `T` are recognised without building or parsing a string.
    // SAFETY: a NUL-terminated string: the exporter's (valid while the view is held) or ours.
    if itemsize != std::mem::size_of::<T>() || !unsafe { is_common_format::<T>(format) } {
        // SAFETY: as above.
        let fmt = unsafe { CStr::from_ptr(format) }.to_str().unwrap_or("?");
        check_format::<T>(fmt, itemsize)?;
    }
    let (ptr, readonly) = (v.buf.cast::<u8>(), v.readonly != 0);
    if writable && readonly {
        return Err(Error::conversion(format!(
            "the {} buffer is read-only: a mutable view (PyBufferMut) needs a writable buffer",
            tname(obj)
        )));
    }
    let (shape, strides, len) = (v.shape, v.strides, v.len);
    if ndim == 0 {
        inner.set_dims(0, |_| 0, |_| 0);
    } else if shape.is_null() {
        // A plain contiguous buffer of `len` bytes.
        let n = usize::try_from(len).unwrap_or(0) / itemsize.max(1);
        inner.set_dims(1, |_| n, |_| itemsize as isize);
    } else {
        // SAFETY: with PyBUF_ND the exporter gives `ndim` extents, valid while the view is held.
        let extents = unsafe { std::slice::from_raw_parts(shape, ndim) };
        if extents.iter().any(|&n| n < 0) {
            return Err(Error::conversion(format!(
                "the {} buffer has a negative extent: {extents:?}",
                tname(obj)
            )));
        }
        if strides.is_null() {
            let extents: Vec<usize> = extents.iter().map(|&n| n as usize).collect();
            let strides = c_strides(&extents, itemsize);
            inner.set_dims(ndim, |i| extents[i], |i| strides[i]);
        } else {
            // SAFETY: with PyBUF_STRIDES the exporter gives `ndim` strides and (PyBUF_ND)
            // `ndim` extents, checked non-negative above, valid and unchanged until the
            // buffer, which `inner` keeps, is released.
            unsafe { inner.set_exporter_dims(ndim, shape, strides) };
        }
    }
    raw.finish::<T>(
        ptr,
        itemsize,
        readonly,
        format,
        writable,
        Domain::of(obj.py()),
    )?;
    Ok(raw)
}

/// The error for a buffer request `obj` refused (its exception is pending).
#[cold]
pub(crate) fn refused(obj: &Bound<'_>, writable: bool) -> Error {
    let py = obj.py();
    // SAFETY: live object, GIL held.
    if unsafe { ffi::PyObject_CheckBuffer(obj.as_ptr()) } == 0 {
        // SAFETY: GIL held; the exporter-less object's TypeError is replaced by ours.
        unsafe { ffi::PyErr_Clear() };
        return Error::type_error(
            "an object with the buffer protocol (a numpy array, bytes, bytearray, memoryview or array.array)",
            tname(obj),
        );
    }
    // SAFETY: the request returned -1 with an exception pending; GIL held.
    let err = unsafe { fetch(py) };
    // Exporters word a refused writable request differently (BufferError, numpy's
    // ValueError): if a read-only view would be given, say so plainly.
    if writable && is_readonly_buffer(obj) {
        let said = match err.kind() {
            ErrorKind::Python(e) => format!("{}: {}", e.type_name(), e.message()),
            other => other.to_string(),
        };
        return Error::conversion(format!(
            "the {} buffer is read-only: a mutable view (PyBufferMut) needs a writable buffer ({said})",
            tname(obj)
        ));
    }
    err
}
