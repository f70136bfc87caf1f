//! [`PyBufferMut`]: the read-write view.

use std::fmt;
use std::ops::Deref;

use super::cell::{ArrayCell, load, store};
use super::dlpack::DlTensor;
use super::element::Element;
use crate::err::{Error, Result};
use crate::object::{Bound, Object};

use super::raw::*;
use super::view::PyBuffer;

/// A read-write, typed, zero-copy view: as [`PyBuffer`] (which it dereferences to), and the
/// only Rust view of its memory while it lives. Made with `PyBUF_WRITABLE`, so read-only
/// buffers (`bytes`, numpy arrays with `writeable=False`) are refused.
///
/// Writes go through [`set`](Self::set), [`fill`](Self::fill),
/// [`copy_from_slice`](Self::copy_from_slice), [`map_in_place`](Self::map_in_place) or the
/// cells of [`as_cells_mut`](Self::as_cells_mut); [`as_slice_mut`](Self::as_slice_mut) is the
/// `unsafe` plain `&mut [T]`. Dropping it releases the buffer as dropping a [`PyBuffer`]
/// does: at once under its interpreter's GIL, else at that interpreter's next drain, never
/// waiting for the GIL.
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

impl<T: Element> PyBufferMut<T> {
    pub(crate) fn from_raw(raw: RawView) -> Self {
        PyBufferMut {
            inner: PyBuffer::from_raw(raw),
        }
    }

    /// A read-write view of `obj`'s buffer (taking the GIL of its interpreter).
    ///
    /// # Errors
    /// As [`PyBuffer::from_object`], and [`ErrorKind::Conversion`](crate::ErrorKind::Conversion) when the buffer is read-only
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
    /// [`ErrorKind::Conversion`](crate::ErrorKind::Conversion) for any other layout.
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
    /// [`ErrorKind::Conversion`](crate::ErrorKind::Conversion) for non-contiguous layouts.
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
    /// [`ErrorKind::Conversion`](crate::ErrorKind::Conversion) for any other layout, and for `bool` elements when a byte is not
    /// 0 or 1.
    ///
    /// # Safety
    /// Until the returned slice is dropped, nothing but it may read or write the memory it
    /// shows: no Python code that reads or writes it (a numpy operation on the array or on
    /// any array sharing its memory, a `memoryview`, a C extension) may run on any thread,
    /// and no other process or foreign code may access it. Rust views of the same addresses
    /// are no concern: while this view lives, no other view whose addresses overlap this
    /// one's can be made. The registry that ensures this compares virtual addresses only: the
    /// same memory mapped twice at different addresses (two `np.memmap`s of one file, two
    /// `mmap`s of one shared-memory object) is not seen as shared, so a view of the other
    /// mapping counts as foreign access the caller must rule out.
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
    /// [`ErrorKind::Conversion`](crate::ErrorKind::Conversion) naming the index and the shape when it is out of bounds.
    pub fn set(&mut self, index: &[usize], value: T) -> Result<()> {
        let Some(off) = self.inner.raw.offset(index) else {
            return Err(Error::conversion(format!(
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
    /// [`ErrorKind::Conversion`](crate::ErrorKind::Conversion) when `src` does not have [`len`](PyBuffer::len) elements.
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
