//! Typed views of memory Python shares with Rust: [`PyBuffer`] (read) and [`PyBufferMut`](super::PyBufferMut)
//! (read and write), made from the buffer protocol or a DLPack tensor.

use std::ffi::CStr;
use std::fmt;
use std::marker::PhantomData;

use super::cell::{ReadOnlyCell, load};
use super::dlpack::DlTensor;
use super::element::{Element, ScalarKind};
use crate::err::{Error, Result};
use crate::object::{Bound, Object};

use super::layout::*;
use super::raw::*;

/// A read-only, typed, zero-copy view of memory Python shares: any object with the buffer
/// protocol (numpy arrays, `bytes`, `bytearray`, `memoryview`, `array.array`, arrays this
/// crate exports) or a DLPack tensor ([`DlTensor`](super::DlTensor)).
///
/// The element type is checked against the buffer's format when the view is made; shape and
/// (byte) strides describe N-dimensional, strided and negatively strided layouts. While it
/// lives, no [`PyBufferMut`](super::PyBufferMut) of the same memory can be made (see [the module docs](super)).
/// Dropping it releases the buffer under its interpreter's GIL, from any thread, and never
/// waits for that GIL: on a thread that holds it the buffer is released at once; elsewhere
/// (another thread, under another interpreter's GIL, inside a collector traversal) the
/// release is put off to that interpreter's next drain, as a dropped
/// [`Object`](crate::Object)'s reference is (the next outermost acquisition of its GIL, a
/// call from Python into Rust, a return from [`detach`](crate::detach)). Until then the
/// exporter still counts the export: a `bytearray` refuses to change its size
/// (`BufferError`), a `RustArray` reports it in its export count. The Rust side is released
/// at once: a [`PyBufferMut`](super::PyBufferMut) of the same memory can be made right away.
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

impl<T: Element> PyBuffer<T> {
    #[inline(always)]
    pub(crate) fn from_raw(raw: RawView) -> Self {
        PyBuffer {
            raw,
            _t: PhantomData,
        }
    }

    /// A read view of `obj`'s buffer (taking the GIL of its interpreter).
    ///
    /// # Errors
    /// [`ErrorKind::Type`](crate::ErrorKind::Type) if `obj` has no buffer protocol; [`ErrorKind::Conversion`](crate::ErrorKind::Conversion) if its elements
    /// are not `T`s (the message names both), if its data is not aligned for `T`, or if a
    /// [`PyBufferMut`](super::PyBufferMut) of the same memory is alive; [`ErrorKind::Overflow`](crate::ErrorKind::Overflow) for a layout whose
    /// element count or byte offsets do not fit in `usize` / `isize`; the exporter's exception
    /// otherwise.
    pub fn from_object(obj: &Object) -> Result<Self> {
        obj.with(Self::from_bound)
    }

    /// As [`from_object`](Self::from_object), under a GIL already held.
    #[inline]
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
    /// [`ErrorKind::Conversion`](crate::ErrorKind::Conversion) for any other layout (use [`get`](Self::get),
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
    /// [`ErrorKind::Conversion`](crate::ErrorKind::Conversion) for non-contiguous layouts.
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
    /// [`ErrorKind::Conversion`](crate::ErrorKind::Conversion) for any other layout, and for `bool` elements when a byte is not
    /// 0 or 1 (Python wrote one since the view was made).
    ///
    /// # Safety
    /// Until the returned slice is dropped, nothing may write the memory it shows: no Python
    /// code that writes it (a numpy operation on the array or on any array sharing its
    /// memory, a `memoryview` assignment, a C extension) may run on any thread, and no other
    /// process or foreign code may write it. Rust views of the same addresses are no concern:
    /// while this view lives, no [`PyBufferMut`](super::PyBufferMut) whose addresses overlap
    /// this one's can be made. The registry that ensures this compares virtual addresses
    /// only: the same memory mapped twice at different addresses (two `np.memmap`s of one
    /// file, two `mmap`s of one shared-memory object) is not seen as shared, so a mutable view
    /// of the other mapping counts as foreign access the caller must rule out.
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
    /// [`ErrorKind::Conversion`](crate::ErrorKind::Conversion) when `dst` does not have [`len`](Self::len) elements.
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
    pub(crate) fn for_each_element(&self, mut f: impl FnMut(*mut T)) {
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

    pub(crate) fn check_len(&self, n: usize, what: &str) -> Result<()> {
        if n == self.len() {
            return Ok(());
        }
        Err(Error::conversion(format!(
            "the {what} has {n} elements, the view {} (shape {:?})",
            self.len(),
            self.raw.shape()
        )))
    }

    pub(crate) fn check_memory_order(&self) -> Result<()> {
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
            Some(b) => Err(Error::conversion(format!(
                "the buffer's bool elements now include the byte {b}, which is not a valid Rust bool (0 or 1)"
            ))),
        }
    }

    pub(crate) fn data_ptr(&self) -> *mut T {
        if self.is_empty() {
            std::ptr::NonNull::dangling().as_ptr()
        } else {
            self.raw.ptr.cast()
        }
    }

    pub(crate) fn not_contiguous(&self, what: &str) -> Error {
        Error::conversion(format!(
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
