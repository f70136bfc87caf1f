//! Typed views of memory Python shares with Rust: [`PyBuffer`] (read) and [`PyBufferMut`]
//! (read and write), made from the buffer protocol or a DLPack tensor.

use std::cell::Cell;
use std::ffi::CStr;
use std::fmt;
use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::ops::Deref;

use libpython_interp as interp;
use libpython_interp::{GilGuard, InterpKey, ffi};

use super::borrow::{self, Borrow};
use super::cell::{ArrayCell, ReadOnlyCell, load, store};
use super::dlpack::DlTensor;
use super::element::{Element, ScalarKind, check_format, is_common_format};
use crate::conv::tname;
use crate::err::{Error, Result, fetch};
use crate::object::{Bound, Object};

/// Takes the GIL of interpreter `key` to release something of it from a `Drop`: nested when
/// the thread holds it, switching from another interpreter when it holds that one. `None` when
/// the interpreter or its runtime is gone (whatever was held died with it).
pub(crate) fn gil_for_release(key: InterpKey) -> Option<GilGuard> {
    if interp::gil::holds(key.to_bits()) {
        return interp::gil::acquire_interp_nested(key).ok();
    }
    if key.generation() != interp::generation() || !interp::is_running() {
        return None;
    }
    let state = interp::lookup(key)?;
    interp::gil::acquire_interp(&state).ok()
}

/// The part of a view that stays at one address: the `Py_buffer` (exporters may point its
/// `shape` and `strides` into the struct itself, as `PyBuffer_FillInfo` does for `bytes` and
/// `bytearray`, and its release hands the exporter the struct it filled), the shape and
/// strides, and what keeps the memory alive. Boxed, and the boxes are recycled through a
/// small per-thread pool ([`take_inner`], [`give_inner`]): a view costs no allocation, and
/// moving one moves a few words.
pub(crate) struct Inner {
    /// Filled by `PyObject_GetBuffer` when `exporter` is set.
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
    /// The exporter's format string (alive while the export is held), or a static one.
    format: *const std::ffi::c_char,
    /// The registered borrow, dropped before the memory's owner is released.
    borrow: Borrow,
    /// Set while `buffer` holds an export of this interpreter, released when the view is
    /// dropped.
    exporter: Option<InterpKey>,
    /// A consumed DLPack tensor whose memory the view shows, released when it is dropped.
    pub(crate) tensor: Option<DlTensor>,
}

impl Inner {
    fn new() -> Inner {
        Inner {
            buffer: ffi::Py_buffer::zeroed(),
            ndim: 0,
            shape: std::ptr::NonNull::dangling().as_ptr(),
            strides: std::ptr::NonNull::dangling().as_ptr(),
            owned: Vec::new(),
            itemsize: 0,
            format: c"B".as_ptr(),
            borrow: Borrow::NONE,
            exporter: None,
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

/// Spare boxes kept per thread.
const POOL: usize = 2;

thread_local! {
    /// Boxes of released views (nothing held, no borrow), for the next views of this thread.
    static SPARE: [Cell<Option<Box<Inner>>>; POOL] = const { [const { Cell::new(None) }; POOL] };
}

/// A box for a new view: a spare one of this thread (its `Py_buffer` zeroed), or a new one.
#[inline]
pub(crate) fn take_inner() -> Box<Inner> {
    let spare = SPARE
        .try_with(|s| s[0].take().or_else(|| s[1].take()))
        .ok()
        .flatten();
    match spare {
        Some(mut b) => {
            b.buffer = ffi::Py_buffer::zeroed();
            // No dimensions until they are set (the old pointers are stale).
            b.ndim = 0;
            b
        }
        None => Box::new(Inner::new()),
    }
}

/// Keeps the box of a released view (nothing held, no borrow) for a later one; the oldest
/// spare is freed when the pool is full (and everything while the thread exits).
#[inline]
fn give_inner(b: Box<Inner>) {
    debug_assert!(b.exporter.is_none() && b.tensor.is_none());
    let _ = SPARE.try_with(move |s| {
        if let Some(old) = s[0].replace(Some(b)) {
            drop(s[1].replace(Some(old)));
        }
    });
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
}

impl RawView {
    /// A view under construction around `inner` (which holds the export or tensor): empty until
    /// [`finish`](Self::finish), released on drop.
    #[inline]
    pub(crate) fn start(inner: Box<Inner>) -> RawView {
        RawView {
            ptr: std::ptr::null_mut(),
            len: 0,
            c_contiguous: true,
            f_contiguous: true,
            readonly: true,
            inner: ManuallyDrop::new(inner),
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
    /// [`Error::Overflow`] for a shape or strides whose element count or offsets do not fit;
    /// [`Error::Conversion`] for an element type without single-access loads and stores on
    /// this target, misaligned data, a conflicting live view, or invalid bools.
    #[inline]
    pub(crate) fn finish<T: Element>(
        &mut self,
        ptr: *mut u8,
        itemsize: usize,
        readonly: bool,
        format: *const std::ffi::c_char,
        exclusive: bool,
    ) -> Result<()> {
        if !super::cell::supported::<T>() {
            return Err(unsupported::<T>());
        }
        let inner = &mut **self.inner;
        let (shape, strides) = (inner.shape(), inner.strides());
        let (len, c_contiguous, f_contiguous) = if let ([extent], [stride]) = (shape, strides) {
            // One axis (the common case, without the general walk).
            if *extent > 1 {
                check_reach(shape, strides, itemsize)?;
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
        let borrow =
            check_and_borrow::<T>(ptr, shape, strides, itemsize, len, contiguous, exclusive)?;
        inner.borrow = borrow;
        inner.itemsize = itemsize;
        inner.format = format;
        self.ptr = ptr;
        self.len = len;
        self.c_contiguous = c_contiguous;
        self.f_contiguous = f_contiguous;
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

    fn format(&self) -> *const std::ffi::c_char {
        self.inner.format
    }

    fn len(&self) -> usize {
        self.len
    }

    fn is_c_contiguous(&self) -> bool {
        self.c_contiguous
    }

    fn is_f_contiguous(&self) -> bool {
        self.f_contiguous
    }

    /// Byte offset of `index`, if it is inside the shape. (No overflow: see
    /// [`finish`](Self::finish).)
    fn offset(&self, index: &[usize]) -> Option<isize> {
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
        if let Some(key) = inner.exporter.take() {
            if interp::gil::holds(key.to_bits()) {
                // SAFETY: the buffer was filled by a successful `PyObject_GetBuffer` of this
                // interpreter and is released once (`exporter` is now `None`), with its GIL
                // held by this thread (an outer guard, which cannot be released before this
                // call returns).
                unsafe { ffi::PyBuffer_Release(&mut inner.buffer) };
            } else {
                release_elsewhere(&mut inner.buffer, key);
            }
        }
        drop(inner.tensor.take());
        give_inner(inner);
    }
}

/// Releases a buffer when this thread does not hold its interpreter's GIL: takes it (or does
/// nothing when the interpreter or its runtime is gone: the exporter died with it).
#[cold]
fn release_elsewhere(buffer: &mut ffi::Py_buffer, key: InterpKey) {
    if let Some(guard) = gil_for_release(key) {
        // SAFETY: the buffer was filled by a successful `PyObject_GetBuffer` of this
        // interpreter and is released once, with its GIL held (`guard`).
        unsafe { ffi::PyBuffer_Release(buffer) };
        drop(guard);
    }
}

/// The checks and the borrow of [`RawView::finish`], for `len` elements at `ptr` laid out as
/// `shape` and `strides` (`contiguous` in C or Fortran order).
#[inline]
fn check_and_borrow<T: Element>(
    ptr: *mut u8,
    shape: &[usize],
    strides: &[isize],
    itemsize: usize,
    len: usize,
    contiguous: bool,
    exclusive: bool,
) -> Result<Borrow> {
    let align = super::cell::access_align::<T>();
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
    let borrow = borrow::acquire(range, exclusive)?;
    if T::KIND == ScalarKind::Bool {
        let mut bad = None;
        for_each_offset(shape, strides, |off| {
            // SAFETY: the offset is inside the view (shape and strides describe it, offsets
            // checked by `finish`), the memory is readable and held by this view; a byte read
            // as a `u8` is valid whatever its value.
            let b: u8 = unsafe { load(ptr.offset(off)) };
            if b > 1 && bad.is_none() {
                bad = Some(b);
            }
        });
        if let Some(b) = bad {
            return Err(Error::Conversion(format!(
                "the buffer's bool elements include the byte {b}, which is not a valid Rust bool (0 or 1)"
            )));
        }
    }
    Ok(borrow)
}

/// The error for data or strides not aligned for `T`.
#[cold]
fn misaligned<T: Element>(ptr: *mut u8, shape: &[usize], strides: &[isize]) -> Error {
    let align = super::cell::access_align::<T>();
    if (ptr as usize) % align != 0 {
        return Error::Conversion(format!(
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
    Error::Conversion(format!(
        "the buffer's stride of {s} bytes on axis {axis} is not a multiple of the alignment of {} ({align} bytes)",
        T::NAME
    ))
}

/// Whether the layout is contiguous in C order (last axis fastest) or Fortran order.
pub(crate) fn is_contiguous(
    shape: &[usize],
    strides: &[isize],
    itemsize: usize,
    c_order: bool,
) -> bool {
    if shape.contains(&0) {
        return true;
    }
    let n = shape.len();
    let mut expected = itemsize as isize;
    for i in 0..n {
        let a = if c_order { n - 1 - i } else { i };
        if shape[a] != 1 && strides[a] != expected {
            return false;
        }
        expected = expected.saturating_mul(shape[a] as isize);
    }
    true
}

/// Calls `f` with the byte offset of every element, in C (row-major) order.
pub(crate) fn for_each_offset(shape: &[usize], strides: &[isize], mut f: impl FnMut(isize)) {
    if shape.contains(&0) {
        return;
    }
    let nd = shape.len();
    let mut idx = vec![0usize; nd];
    let mut off = 0isize;
    loop {
        f(off);
        let mut d = nd;
        loop {
            if d == 0 {
                return;
            }
            d -= 1;
            idx[d] += 1;
            if idx[d] < shape[d] {
                off += strides[d];
                break;
            }
            // Back to index 0 on this axis: (n - 1) * stride is within the reach checked when
            // the view was made.
            off -= strides[d] * (shape[d] - 1) as isize;
            idx[d] = 0;
        }
    }
}

/// C-contiguous byte strides of `shape` (saturating at `isize::MAX`: such a layout is refused
/// later, by [`RawView::finish`] or the export's checks).
pub(crate) fn c_strides(shape: &[usize], itemsize: usize) -> Vec<isize> {
    let mut strides = vec![0isize; shape.len()];
    let mut acc = isize::try_from(itemsize).unwrap_or(isize::MAX);
    for (s, &n) in strides.iter_mut().zip(shape).rev() {
        *s = acc;
        acc = acc.saturating_mul(isize::try_from(n.max(1)).unwrap_or(isize::MAX));
    }
    strides
}

/// The number of elements of `shape`.
///
/// # Errors
/// [`Error::Overflow`] when it does not fit in `usize`.
pub(crate) fn element_count(shape: &[usize]) -> Result<usize> {
    shape
        .iter()
        .try_fold(1usize, |acc, &n| acc.checked_mul(n))
        .ok_or_else(|| Error::Overflow {
            target: "usize",
            value: format!("the number of elements of the shape {shape:?}"),
            path: String::new(),
        })
}

/// Checks that every element of the layout (`shape`, byte `strides`, items of `itemsize`
/// bytes) lies at an offset from the first element that fits in `isize`, and so does one past
/// the last byte of the farthest element, in either direction.
///
/// # Errors
/// [`Error::Overflow`] otherwise.
#[inline]
fn check_reach(shape: &[usize], strides: &[isize], itemsize: usize) -> Result<()> {
    if shape.contains(&0) {
        return Ok(());
    }
    let (mut lo, mut hi) = (0isize, isize::try_from(itemsize).ok());
    for (&n, &s) in shape.iter().zip(strides) {
        let Some(reach) = isize::try_from(n - 1).ok().and_then(|n| n.checked_mul(s)) else {
            return Err(offsets_overflow(shape, strides));
        };
        if reach < 0 {
            lo = match lo.checked_add(reach) {
                Some(v) => v,
                None => return Err(offsets_overflow(shape, strides)),
            };
        } else {
            hi = hi.and_then(|h| h.checked_add(reach));
        }
    }
    // The whole range, lowest to one past the highest byte, is at most `isize::MAX` bytes.
    match hi.and_then(|h| h.checked_sub(lo)) {
        Some(_) => Ok(()),
        None => Err(offsets_overflow(shape, strides)),
    }
}

#[cold]
fn offsets_overflow(shape: &[usize], strides: &[isize]) -> Error {
    Error::Overflow {
        target: "isize",
        value: format!(
            "the byte offsets of the elements of shape {shape:?} with byte strides {strides:?}"
        ),
        path: String::new(),
    }
}

/// The error for an element type whose elements this target cannot read or write with one
/// access.
#[cold]
fn unsupported<T: Element>() -> Error {
    Error::Conversion(format!(
        "{}: elements of {} bytes cannot be viewed (views read and write elements of 1, 2, 4 or 8 bytes)",
        T::NAME,
        std::mem::size_of::<T>()
    ))
}

/// Whether `obj` gives a read-only buffer (after a writable request failed).
fn is_readonly_buffer(obj: &Bound<'_>) -> bool {
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
fn acquire_buffer<T: Element>(obj: &Bound<'_>, writable: bool) -> Result<RawView> {
    let py = obj.py();
    let flags = ffi::PyBUF_RECORDS_RO | if writable { ffi::PyBUF_WRITABLE } else { 0 };
    let mut inner = take_inner();
    // SAFETY: a live object of `py`'s interpreter, whose GIL is held (`Bound`); the zeroed
    // `Py_buffer` is in a box, which keeps its address until the view releases it.
    if unsafe { ffi::PyObject_GetBuffer(obj.as_ptr(), &mut inner.buffer, flags) } < 0 {
        give_inner(inner);
        return Err(refused(obj, writable));
    }
    inner.exporter = Some(py.interpreter_key());
    // From here on, every early return releases the buffer (`raw`'s drop).
    let mut raw = RawView::start(inner);
    let inner = raw.inner_mut();
    let v = &inner.buffer;
    if !v.suboffsets.is_null() {
        return Err(Error::Conversion(format!(
            "the {} buffer uses suboffsets (PIL-style indirection), which views do not support",
            tname(obj)
        )));
    }
    let ndim = usize::try_from(v.ndim).map_err(|_| {
        Error::Conversion(format!(
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
        return Err(Error::Conversion(format!(
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
            return Err(Error::Conversion(format!(
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
    raw.finish::<T>(ptr, itemsize, readonly, format, writable)?;
    Ok(raw)
}

/// The error for a buffer request `obj` refused (its exception is pending).
#[cold]
fn refused(obj: &Bound<'_>, writable: bool) -> Error {
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
        let said = match &err {
            Error::Python(e) => format!("{}: {}", e.type_name(), e.message()),
            other => other.to_string(),
        };
        return Error::Conversion(format!(
            "the {} buffer is read-only: a mutable view (PyBufferMut) needs a writable buffer ({said})",
            tname(obj)
        ));
    }
    err
}

/// A read-only, typed, zero-copy view of memory Python shares: any object with the buffer
/// protocol (numpy arrays, `bytes`, `bytearray`, `memoryview`, `array.array`, arrays this
/// crate exports) or a DLPack tensor ([`DlTensor`](super::DlTensor)).
///
/// The element type is checked against the buffer's format when the view is made; shape and
/// (byte) strides describe N-dimensional, strided and negatively strided layouts. While it
/// lives, no [`PyBufferMut`] of the same memory can be made (see [the module docs](super)).
/// Dropping it releases the buffer under its interpreter's GIL, from any thread.
///
/// Python code may still write the memory while the view lives, so the safe accessors copy:
/// [`get`](Self::get), [`iter`](Self::iter), [`to_vec`](Self::to_vec),
/// [`copy_to_slice`](Self::copy_to_slice), or hand out cells that are read one element at a
/// time ([`as_cells`](Self::as_cells)). A plain `&[T]` is [`as_slice`](Self::as_slice), an
/// `unsafe` function whose caller promises that nothing writes the memory meanwhile.
///
/// ```
/// use libpython::array::PyBuffer;
/// let a = libpython::eval("__import__('numpy').arange(6.0).reshape(2, 3)")?;
/// let v = PyBuffer::<f64>::from_object(&a)?;
/// assert_eq!(v.shape(), [2, 3]);
/// assert_eq!(v.to_vec(), [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]);
/// assert_eq!(v.get(&[1, 2]), Some(5.0));
/// assert_eq!(v.iter().sum::<f64>(), 15.0);
///
/// // The element type must match: this array holds f64.
/// let err = PyBuffer::<i32>::from_object(&a).unwrap_err();
/// assert!(err.to_string().contains("f64") && err.to_string().contains("i32"));
/// # Ok::<(), libpython::Error>(())
/// ```
pub struct PyBuffer<T: Element> {
    pub(crate) raw: RawView,
    _t: PhantomData<T>,
}

// SAFETY: the view hands out copies of elements and `ReadOnlyCell`s (`Sync`: one atomic
// access per read) only, and its buffer is released under the GIL of its interpreter from
// whatever thread drops it (`RawView`'s drop).
unsafe impl<T: Element> Send for PyBuffer<T> {}
// SAFETY: as above; shared access only reads, through atomic loads.
unsafe impl<T: Element> Sync for PyBuffer<T> {}

/// A read-write, typed, zero-copy view: as [`PyBuffer`] (which it dereferences to), and the
/// only Rust view of its memory while it lives. Made with `PyBUF_WRITABLE`, so read-only
/// buffers (`bytes`, numpy arrays with `writeable=False`) are refused.
///
/// Writes go through [`set`](Self::set), [`fill`](Self::fill),
/// [`copy_from_slice`](Self::copy_from_slice), [`map_in_place`](Self::map_in_place) or the
/// cells of [`as_cells_mut`](Self::as_cells_mut); [`as_slice_mut`](Self::as_slice_mut) is the
/// `unsafe` plain `&mut [T]`.
///
/// ```
/// use libpython::array::PyBufferMut;
/// let r = libpython::run_simple_string("import numpy as np\na = np.zeros(4)")?;
/// let a = r.globals.get("a")?.unwrap();
/// let mut v = PyBufferMut::<f64>::from_object(&a)?;
/// v.copy_from_slice(&[1.0, 2.0, 3.0, 4.0])?;
/// v.set(&[3], 40.0)?;
/// // A second mutable view of the same memory is refused while `v` lives.
/// assert!(PyBufferMut::<f64>::from_object(&a).is_err());
/// drop(v);
/// assert_eq!(a.call_method("sum", ())?.extract::<f64>()?, 46.0);
///
/// // `bytes` is read-only.
/// let b = libpython::eval("b'abc'")?;
/// assert!(PyBufferMut::<u8>::from_object(&b).unwrap_err().to_string().contains("read-only"));
/// # Ok::<(), libpython::Error>(())
/// ```
pub struct PyBufferMut<T: Element> {
    inner: PyBuffer<T>,
}

// SAFETY: as for `PyBuffer`; writes go through `&mut self` and atomic stores only.
unsafe impl<T: Element> Send for PyBufferMut<T> {}
// SAFETY: `&PyBufferMut` gives only what `&PyBuffer` gives (copies and read-only cells).
unsafe impl<T: Element> Sync for PyBufferMut<T> {}

impl<T: Element> PyBuffer<T> {
    pub(crate) fn from_raw(raw: RawView) -> Self {
        PyBuffer {
            raw,
            _t: PhantomData,
        }
    }

    /// A read view of `obj`'s buffer (taking the GIL of its interpreter).
    ///
    /// # Errors
    /// [`Error::Type`] if `obj` has no buffer protocol; [`Error::Conversion`] if its elements
    /// are not `T`s (the message names both), if its data is not aligned for `T`, or if a
    /// [`PyBufferMut`] of the same memory is alive; [`Error::Overflow`] for a layout whose
    /// element count or byte offsets do not fit in `usize` / `isize`; the exporter's exception
    /// otherwise.
    pub fn from_object(obj: &Object) -> Result<Self> {
        obj.with(Self::from_bound)
    }

    /// As [`from_object`](Self::from_object), under a GIL already held.
    pub fn from_bound(obj: &Bound<'_>) -> Result<Self> {
        acquire_buffer::<T>(obj, false).map(Self::from_raw)
    }

    /// A read view of a DLPack producer's tensor (`obj.__dlpack__()`), CPU memory only.
    ///
    /// ```
    /// use libpython::array::PyBuffer;
    /// let a = libpython::eval("__import__('numpy').arange(4, dtype='int32')")?;
    /// let v = PyBuffer::<i32>::from_dlpack(&a)?;
    /// assert_eq!(v.to_vec(), [0, 1, 2, 3]);
    /// # Ok::<(), libpython::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`DlTensor::from_object`](super::DlTensor::from_object) and
    /// [`DlTensor::into_buffer`](super::DlTensor::into_buffer).
    pub fn from_dlpack(obj: &Object) -> Result<Self> {
        DlTensor::from_object(obj)?.into_buffer()
    }

    /// Number of dimensions.
    pub fn ndim(&self) -> usize {
        self.raw.shape().len()
    }

    /// The extent of each dimension.
    pub fn shape(&self) -> &[usize] {
        self.raw.shape()
    }

    /// The byte stride of each dimension (negative for reversed axes).
    pub fn strides(&self) -> &[isize] {
        self.raw.strides()
    }

    /// Number of elements (the product of the shape).
    pub fn len(&self) -> usize {
        self.raw.len()
    }

    /// Whether there are no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the exporter marked the memory read-only (`bytes`, a numpy array with
    /// `writeable=False`).
    pub fn is_readonly(&self) -> bool {
        self.raw.readonly
    }

    /// The buffer's `struct`-module format (`"d"`, `"<i4"` style codes as the exporter gave
    /// them; `"B"` when it gave none; a DLPack tensor's type as this crate would export it).
    pub fn format(&self) -> &str {
        // SAFETY: the exporter's NUL-terminated format, alive and unchanged while the view
        // holds its buffer (the buffer protocol's rule), or a static string.
        unsafe { CStr::from_ptr(self.raw.format()) }
            .to_str()
            .unwrap_or("?")
    }

    /// Whether the elements are contiguous in C (row-major) order.
    pub fn is_c_contiguous(&self) -> bool {
        self.raw.is_c_contiguous()
    }

    /// Whether the elements are contiguous in Fortran (column-major) order.
    pub fn is_f_contiguous(&self) -> bool {
        self.raw.is_f_contiguous()
    }

    /// Pointer to the first element (index `[0, 0, ...]`; not the lowest address when an axis
    /// is reversed).
    pub fn as_ptr(&self) -> *const T {
        self.raw.ptr.cast()
    }

    /// The elements as cells, in C order, when they are C-contiguous: zero-copy and safe
    /// however Python uses the memory meanwhile (each [`get`](ReadOnlyCell::get) reads the
    /// element as it is then).
    ///
    /// ```
    /// use libpython::array::PyBuffer;
    /// let a = libpython::eval("__import__('numpy').arange(4, dtype='int64')")?;
    /// let v = PyBuffer::<i64>::from_object(&a)?;
    /// let cells = v.as_cells()?;
    /// assert_eq!(cells.len(), 4);
    /// assert_eq!(cells[3].get(), 3);
    /// assert_eq!(cells.iter().map(|c| c.get()).max(), Some(3));
    /// # Ok::<(), libpython::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Conversion`] for any other layout (use [`get`](Self::get),
    /// [`iter`](Self::iter) or [`to_vec`](Self::to_vec)).
    pub fn as_cells(&self) -> Result<&[ReadOnlyCell<T>]> {
        if !self.is_c_contiguous() {
            return Err(self.not_contiguous("C-contiguous"));
        }
        // SAFETY: C-contiguous memory of `len` elements, aligned for element accesses and
        // alive while `self` is (checked and held when the view was made); a cell has the
        // layout of `T` and is only read through atomic loads, whoever else writes the memory.
        Ok(unsafe { std::slice::from_raw_parts(self.data_ptr().cast(), self.len()) })
    }

    /// The elements as cells in memory order, when they are C- or Fortran-contiguous (a
    /// transposed C array gives its elements in its original order).
    ///
    /// # Errors
    /// [`Error::Conversion`] for non-contiguous layouts.
    pub fn as_cells_memory_order(&self) -> Result<&[ReadOnlyCell<T>]> {
        self.check_memory_order()?;
        // SAFETY: contiguous memory (in C or Fortran order: it starts at the first element,
        // strides non-negative) of `len` elements, as in `as_cells`.
        Ok(unsafe { std::slice::from_raw_parts(self.data_ptr().cast(), self.len()) })
    }

    /// The elements as a plain slice, in C order, when they are C-contiguous: the fastest
    /// access, for code that knows nothing writes the memory while it reads.
    ///
    /// ```
    /// use libpython::array::PyBuffer;
    /// let a = libpython::eval("__import__('numpy').arange(4.0)")?;
    /// let v = PyBuffer::<f64>::from_object(&a)?;
    /// // SAFETY: no Python code runs while `s` lives, and `a` is not shared with other
    /// // threads or processes.
    /// let s = unsafe { v.as_slice()? };
    /// assert_eq!(s.iter().sum::<f64>(), 6.0);
    /// # Ok::<(), libpython::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Conversion`] for any other layout, and for `bool` elements when a byte is not
    /// 0 or 1 (Python wrote one since the view was made).
    ///
    /// # Safety
    /// Until the returned slice is dropped, nothing may write the memory it shows: no Python
    /// code that writes it (a numpy operation on the array or on any array sharing its
    /// memory, a `memoryview` assignment, a C extension) may run on any thread, and no other
    /// process or foreign code may write it. Rust views are no concern: while this view
    /// lives, no [`PyBufferMut`] of overlapping memory can be made.
    pub unsafe fn as_slice(&self) -> Result<&[T]> {
        if !self.is_c_contiguous() {
            return Err(self.not_contiguous("C-contiguous"));
        }
        self.check_bools()?;
        // SAFETY: C-contiguous memory of `len` aligned, valid `T`s (checked when the view was
        // made, and just now for bools), alive while `self` lives, and not written while the
        // slice lives (the caller's promise; Rust views cannot write it: the registry).
        Ok(unsafe { std::slice::from_raw_parts(self.data_ptr(), self.len()) })
    }

    /// The elements as a plain slice in memory order, when they are C- or
    /// Fortran-contiguous.
    ///
    /// # Errors
    /// As [`as_slice`](Self::as_slice), for non-contiguous layouts.
    ///
    /// # Safety
    /// As [`as_slice`](Self::as_slice).
    pub unsafe fn as_slice_memory_order(&self) -> Result<&[T]> {
        self.check_memory_order()?;
        self.check_bools()?;
        // SAFETY: contiguous memory of `len` valid `T`s from the first element, not written
        // while the slice lives (as in `as_slice`).
        Ok(unsafe { std::slice::from_raw_parts(self.data_ptr(), self.len()) })
    }

    /// A copy of the element at `index` (one index per dimension), or `None` when out of
    /// bounds.
    pub fn get(&self, index: &[usize]) -> Option<T> {
        let off = self.raw.offset(index)?;
        // SAFETY: the offset of an in-bounds index is an element of the view, aligned for
        // element accesses and alive while `self` is.
        Some(unsafe { load(self.raw.ptr.offset(off).cast::<T>()) })
    }

    /// The elements in C (row-major) order, whatever the layout, each copied when the
    /// iterator reaches it.
    pub fn iter(&self) -> Iter<'_, T> {
        let nd = self.raw.shape().len();
        Iter {
            view: self,
            index: vec![0; nd],
            offset: 0,
            remaining: self.len(),
        }
    }

    /// Copies the elements into a vector, in C order.
    pub fn to_vec(&self) -> Vec<T> {
        if self.is_c_contiguous() {
            let base = self.data_ptr();
            // SAFETY: C-contiguous: the `len` elements follow each other from the first, each
            // aligned for element accesses and alive while `self` is.
            return (0..self.len())
                .map(|i| unsafe { load(base.add(i)) })
                .collect();
        }
        let mut out = Vec::with_capacity(self.len());
        // SAFETY: every pointer is an element of the view (see `for_each_element`).
        self.for_each_element(|p| out.push(unsafe { load(p) }));
        out
    }

    /// Copies the elements into `dst`, in C order.
    ///
    /// ```
    /// use libpython::array::PyBuffer;
    /// let a = libpython::eval("__import__('numpy').arange(6, dtype='uint8').reshape(2, 3).T")?;
    /// let v = PyBuffer::<u8>::from_object(&a)?;
    /// let mut out = [0u8; 6];
    /// v.copy_to_slice(&mut out)?;
    /// assert_eq!(out, [0, 3, 1, 4, 2, 5]);
    /// assert!(v.copy_to_slice(&mut [0u8; 5]).is_err());
    /// # Ok::<(), libpython::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Conversion`] when `dst` does not have [`len`](Self::len) elements.
    pub fn copy_to_slice(&self, dst: &mut [T]) -> Result<()> {
        self.check_len(dst.len(), "destination")?;
        let mut out = dst.iter_mut();
        self.for_each_element(|p| {
            if let Some(d) = out.next() {
                // SAFETY: `p` is an element of the view (see `for_each_element`).
                *d = unsafe { load(p) };
            }
        });
        Ok(())
    }

    /// Calls `f` with a pointer to every element, in C order. Each is an element of the view:
    /// aligned for element accesses and alive while `self` is.
    #[inline]
    fn for_each_element(&self, mut f: impl FnMut(*mut T)) {
        if self.is_c_contiguous() {
            let base = self.data_ptr();
            for i in 0..self.len() {
                // SAFETY: C-contiguous: the `len` elements follow each other from the first.
                f(unsafe { base.add(i) });
            }
        } else {
            let ptr = self.raw.ptr;
            for_each_offset(self.raw.shape(), self.raw.strides(), |o| {
                // SAFETY: each offset is an element of the view (no overflow: `finish`).
                f(unsafe { ptr.offset(o) }.cast())
            });
        }
    }

    fn check_len(&self, n: usize, what: &str) -> Result<()> {
        if n == self.len() {
            return Ok(());
        }
        Err(Error::Conversion(format!(
            "the {what} has {n} elements, the view {} (shape {:?})",
            self.len(),
            self.raw.shape()
        )))
    }

    fn check_memory_order(&self) -> Result<()> {
        if self.is_c_contiguous() || self.is_f_contiguous() {
            Ok(())
        } else {
            Err(self.not_contiguous("contiguous in C or Fortran order"))
        }
    }

    /// For `bool` elements: checks that every byte is still 0 or 1 (Python code may have
    /// written others since the view was made).
    pub(crate) fn check_bools(&self) -> Result<()> {
        if !matches!(T::KIND, ScalarKind::Bool) {
            return Ok(());
        }
        let mut bad = None;
        let ptr = self.raw.ptr;
        for_each_offset(self.raw.shape(), self.raw.strides(), |o| {
            // SAFETY: each offset is an element of the view (one byte: a bool); the byte is
            // read as a `u8`, valid whatever its value.
            let b = unsafe { load(ptr.offset(o)) };
            bad = bad.or((b > 1).then_some(b));
        });
        match bad {
            None => Ok(()),
            Some(b) => Err(Error::Conversion(format!(
                "the buffer's bool elements now include the byte {b}, which is not a valid Rust bool (0 or 1)"
            ))),
        }
    }

    fn data_ptr(&self) -> *mut T {
        if self.is_empty() {
            std::ptr::NonNull::dangling().as_ptr()
        } else {
            self.raw.ptr.cast()
        }
    }

    fn not_contiguous(&self, what: &str) -> Error {
        Error::Conversion(format!(
            "the buffer is not {what} (shape {:?}, byte strides {:?}): use get/iter/to_vec, or copy it (numpy: np.ascontiguousarray)",
            self.raw.shape(),
            self.raw.strides()
        ))
    }
}

/// The elements of a [`PyBuffer`] in C (row-major) order ([`PyBuffer::iter`]), each copied
/// when it is reached: Python code that runs between two steps may have changed the ones not
/// reached yet.
pub struct Iter<'a, T: Element> {
    view: &'a PyBuffer<T>,
    index: Vec<usize>,
    offset: isize,
    remaining: usize,
}

impl<T: Element> Iterator for Iter<'_, T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        if self.remaining == 0 {
            return None;
        }
        self.remaining -= 1;
        let raw = &self.view.raw;
        // SAFETY: `offset` is the byte offset of `index`, an in-bounds index (there are
        // elements left), so it points at an element of the view, alive for 'a.
        let item = unsafe { load(raw.ptr.offset(self.offset).cast::<T>()) };
        // Step the index odometer, last axis fastest (no overflow: see `RawView::finish`).
        for d in (0..self.index.len()).rev() {
            self.index[d] += 1;
            if self.index[d] < raw.shape()[d] {
                self.offset += raw.strides()[d];
                break;
            }
            self.offset -= raw.strides()[d] * (raw.shape()[d] - 1) as isize;
            self.index[d] = 0;
        }
        Some(item)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl<T: Element> ExactSizeIterator for Iter<'_, T> {}

impl<T: Element> fmt::Debug for Iter<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Iter")
            .field("index", &self.index)
            .field("remaining", &self.remaining)
            .finish()
    }
}

impl<'a, T: Element> IntoIterator for &'a PyBuffer<T> {
    type Item = T;
    type IntoIter = Iter<'a, T>;

    fn into_iter(self) -> Iter<'a, T> {
        self.iter()
    }
}

impl<T: Element> fmt::Debug for PyBuffer<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PyBuffer")
            .field("element", &T::NAME)
            .field("format", &self.format())
            .field("shape", &self.raw.shape())
            .field("strides", &self.raw.strides())
            .field("readonly", &self.raw.readonly)
            .finish()
    }
}

impl<T: Element> PyBufferMut<T> {
    pub(crate) fn from_raw(raw: RawView) -> Self {
        PyBufferMut {
            inner: PyBuffer::from_raw(raw),
        }
    }

    /// A read-write view of `obj`'s buffer (taking the GIL of its interpreter).
    ///
    /// # Errors
    /// As [`PyBuffer::from_object`], and [`Error::Conversion`] when the buffer is read-only
    /// or any other Rust view of the same memory is alive.
    pub fn from_object(obj: &Object) -> Result<Self> {
        obj.with(Self::from_bound)
    }

    /// As [`from_object`](Self::from_object), under a GIL already held.
    pub fn from_bound(obj: &Bound<'_>) -> Result<Self> {
        acquire_buffer::<T>(obj, true).map(Self::from_raw)
    }

    /// A read-write view of a DLPack producer's tensor (`obj.__dlpack__()`), CPU memory only.
    ///
    /// # Errors
    /// As [`DlTensor::into_buffer_mut`](super::DlTensor::into_buffer_mut).
    pub fn from_dlpack(obj: &Object) -> Result<Self> {
        DlTensor::from_object(obj)?.into_buffer_mut()
    }

    /// The elements as writable cells, in C order, when they are C-contiguous: zero-copy and
    /// safe however Python uses the memory meanwhile.
    ///
    /// ```
    /// use libpython::array::PyBufferMut;
    /// let r = libpython::run_simple_string("import numpy as np\na = np.ones(3)")?;
    /// let a = r.globals.get("a")?.unwrap();
    /// let mut v = PyBufferMut::<f64>::from_object(&a)?;
    /// for (i, c) in v.as_cells_mut()?.iter().enumerate() {
    ///     c.set(c.get() + i as f64);
    /// }
    /// drop(v);
    /// assert_eq!(a.call_method("tolist", ())?.extract::<Vec<f64>>()?, [1.0, 2.0, 3.0]);
    /// # Ok::<(), libpython::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Conversion`] for any other layout.
    pub fn as_cells_mut(&mut self) -> Result<&[ArrayCell<T>]> {
        if !self.is_c_contiguous() {
            return Err(self.inner.not_contiguous("C-contiguous"));
        }
        // SAFETY: as `PyBuffer::as_cells`, over writable memory (a writable request or
        // tensor): a cell writes through atomic stores only.
        Ok(unsafe { std::slice::from_raw_parts(self.inner.data_ptr().cast(), self.len()) })
    }

    /// The elements as writable cells in memory order, when C- or Fortran-contiguous.
    ///
    /// # Errors
    /// [`Error::Conversion`] for non-contiguous layouts.
    pub fn as_cells_memory_order_mut(&mut self) -> Result<&[ArrayCell<T>]> {
        self.inner.check_memory_order()?;
        // SAFETY: as `as_cells_mut`, for memory contiguous from the first element.
        Ok(unsafe { std::slice::from_raw_parts(self.inner.data_ptr().cast(), self.len()) })
    }

    /// The elements as a plain mutable slice, in C order, when they are C-contiguous.
    ///
    /// ```
    /// use libpython::array::PyBufferMut;
    /// let r = libpython::run_simple_string("import numpy as np\na = np.arange(4.0)")?;
    /// let a = r.globals.get("a")?.unwrap();
    /// let mut v = PyBufferMut::<f64>::from_object(&a)?;
    /// // SAFETY: no Python code runs while `s` lives, and `a` is not shared with other
    /// // threads or processes.
    /// let s = unsafe { v.as_slice_mut()? };
    /// s.reverse();
    /// drop(v);
    /// assert_eq!(a.call_method("tolist", ())?.extract::<Vec<f64>>()?, [3.0, 2.0, 1.0, 0.0]);
    /// # Ok::<(), libpython::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Conversion`] for any other layout, and for `bool` elements when a byte is not
    /// 0 or 1.
    ///
    /// # Safety
    /// Until the returned slice is dropped, nothing but it may read or write the memory it
    /// shows: no Python code that reads or writes it (a numpy operation on the array or on
    /// any array sharing its memory, a `memoryview`, a C extension) may run on any thread,
    /// and no other process or foreign code may access it. Rust views are no concern: this
    /// is the only one of its memory.
    pub unsafe fn as_slice_mut(&mut self) -> Result<&mut [T]> {
        if !self.is_c_contiguous() {
            return Err(self.inner.not_contiguous("C-contiguous"));
        }
        self.inner.check_bools()?;
        // SAFETY: as `as_slice`; this is the only Rust view of the memory (exclusive borrow
        // registered), borrowed mutably through `&mut self`, and nothing else accesses the
        // memory while the slice lives (the caller's promise).
        Ok(unsafe { std::slice::from_raw_parts_mut(self.inner.data_ptr(), self.len()) })
    }

    /// The elements as a plain mutable slice in memory order, when C- or
    /// Fortran-contiguous.
    ///
    /// # Errors
    /// As [`as_slice_mut`](Self::as_slice_mut), for non-contiguous layouts.
    ///
    /// # Safety
    /// As [`as_slice_mut`](Self::as_slice_mut).
    pub unsafe fn as_slice_memory_order_mut(&mut self) -> Result<&mut [T]> {
        self.inner.check_memory_order()?;
        self.inner.check_bools()?;
        // SAFETY: as `as_slice_mut`, for memory contiguous from the first element.
        Ok(unsafe { std::slice::from_raw_parts_mut(self.inner.data_ptr(), self.len()) })
    }

    /// Writes `value` at `index` (one index per dimension).
    ///
    /// # Errors
    /// [`Error::Conversion`] naming the index and the shape when it is out of bounds.
    pub fn set(&mut self, index: &[usize], value: T) -> Result<()> {
        let Some(off) = self.inner.raw.offset(index) else {
            return Err(Error::Conversion(format!(
                "the index {index:?} is outside the view's shape {:?}",
                self.shape()
            )));
        };
        // SAFETY: an in-bounds element of this writable view, aligned for element accesses.
        unsafe { store(self.inner.raw.ptr.offset(off).cast::<T>(), value) };
        Ok(())
    }

    /// Replaces every element `x` by `f(x)`, in C order, whatever the layout. Each element is
    /// read, passed to `f` and written back before the next is read; `f` may run Python code
    /// (which then sees the elements already replaced). An element reached by several indices
    /// (an axis of stride 0) is replaced once per index.
    ///
    /// ```
    /// use libpython::array::PyBufferMut;
    /// let r = libpython::run_simple_string("import numpy as np\na = np.arange(6).reshape(2, 3)[:, ::2]")?;
    /// let a = r.globals.get("a")?.unwrap();
    /// let mut v = PyBufferMut::<i64>::from_object(&a)?;
    /// v.map_in_place(|x| x * 10);
    /// drop(v);
    /// assert_eq!(a.call_method("tolist", ())?.extract::<Vec<Vec<i64>>>()?, [[0, 20], [30, 50]]);
    /// # Ok::<(), libpython::Error>(())
    /// ```
    pub fn map_in_place(&mut self, mut f: impl FnMut(T) -> T) {
        self.inner.for_each_element(|p| {
            // SAFETY: `p` is an element of this writable view (see `for_each_element`); no
            // reference to it exists while `f` runs.
            let x = unsafe { load(p) };
            let y = f(x);
            // SAFETY: as above.
            unsafe { store(p, y) };
        });
    }

    /// Sets every element to `value`.
    pub fn fill(&mut self, value: T) {
        // SAFETY: `p` is an element of this writable view (see `for_each_element`).
        self.inner.for_each_element(|p| unsafe { store(p, value) });
    }

    /// Copies `src` into the elements, in C order.
    ///
    /// # Errors
    /// [`Error::Conversion`] when `src` does not have [`len`](PyBuffer::len) elements.
    pub fn copy_from_slice(&mut self, src: &[T]) -> Result<()> {
        self.inner.check_len(src.len(), "source")?;
        let mut values = src.iter();
        self.inner.for_each_element(|p| {
            if let Some(&v) = values.next() {
                // SAFETY: `p` is an element of this writable view (see `for_each_element`).
                unsafe { store(p, v) };
            }
        });
        Ok(())
    }
}

impl<T: Element> Deref for PyBufferMut<T> {
    type Target = PyBuffer<T>;

    fn deref(&self) -> &PyBuffer<T> {
        &self.inner
    }
}

impl<T: Element> fmt::Debug for PyBufferMut<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("PyBufferMut").field(&self.inner).finish()
    }
}
