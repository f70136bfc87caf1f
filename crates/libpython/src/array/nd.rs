//! `ndarray` interop (crate feature `ndarray`): views of Python memory as `ndarray` views of
//! cells (safe) or of plain elements (`unsafe`), of any dimension (strided and reversed axes
//! included), copies into owned arrays, and owned `Array`s moved into Python without a copy.

use ndarray::{
    Array, ArrayD, ArrayView, ArrayViewD, ArrayViewMut, ArrayViewMutD, Axis, Dimension, IxDyn,
    ShapeBuilder,
};

use super::cell::{ArrayCell, ReadOnlyCell};
use super::element::Element;
use super::export::{Owner, RustArray, new_instance};
use super::raw::RawView;
use super::view::PyBuffer;
use super::view_mut::PyBufferMut;
use crate::err::{Error, Result};
use crate::gil::attach as with_gil;
use crate::object::Object;

/// The view's layout as ndarray wants it: pointer to the lowest-address corner, non-negative
/// element strides, and the axes to invert afterwards.
struct NdLayout<T> {
    ptr: *mut T,
    shape: Vec<usize>,
    strides: Vec<usize>,
    inverted: Vec<usize>,
}

fn nd_layout<T: Element>(raw: &RawView, exclusive: bool) -> Result<NdLayout<T>> {
    let size = std::mem::size_of::<T>() as isize;
    let shape = raw.shape().to_vec();
    // ndarray's limit: the product of the non-zero extents fits in `isize` (a view's element
    // count only fits in `usize`, more with broadcast axes).
    let count = shape
        .iter()
        .filter(|&&n| n != 0)
        .try_fold(1usize, |a, &n| a.checked_mul(n))
        .filter(|&c| isize::try_from(c).is_ok());
    if count.is_none() {
        return Err(Error::overflow(
            "isize",
            format!("the number of elements of the shape {shape:?} (ndarray's limit)"),
        ));
    }
    if shape.contains(&0) {
        return Ok(NdLayout {
            ptr: std::ptr::NonNull::dangling().as_ptr(),
            strides: vec![0; shape.len()],
            shape,
            inverted: vec![],
        });
    }
    let mut ptr = raw.ptr;
    let mut strides = Vec::with_capacity(shape.len());
    let mut inverted = Vec::new();
    for (axis, (&n, &s)) in shape.iter().zip(raw.strides().iter()).enumerate() {
        if n <= 1 {
            strides.push(0);
            continue;
        }
        if s % size != 0 {
            return Err(Error::conversion(format!(
                "the buffer's stride of {s} bytes on axis {axis} is not a multiple of the size of {} ({size} bytes): ndarray cannot view it",
                T::NAME
            )));
        }
        if s == 0 && exclusive {
            return Err(Error::conversion(format!(
                "axis {axis} has stride 0 (a broadcast array): a mutable ndarray view would alias its elements"
            )));
        }
        if s < 0 {
            // Start from the lowest address along this axis and reverse the axis afterwards.
            ptr = ptr.wrapping_offset((n as isize - 1) * s);
            inverted.push(axis);
        }
        strides.push((s.unsigned_abs()) / size as usize);
    }
    if exclusive && !axes_disjoint(&shape, raw.strides(), raw.itemsize()) {
        return Err(Error::conversion(format!(
            "the buffer's axes overlap (shape {shape:?}, byte strides {:?}, as numpy's as_strided can make): a mutable ndarray view would alias its elements",
            raw.strides()
        )));
    }
    Ok(NdLayout {
        ptr: ptr.cast(),
        shape,
        strides,
        inverted,
    })
}

/// Whether no two indices reach the same element: with the axes sorted by stride, each
/// stride steps over everything the smaller ones reach (sufficient, and true of every layout
/// numpy makes without `as_strided`).
fn axes_disjoint(shape: &[usize], strides: &[isize], itemsize: usize) -> bool {
    let mut axes: Vec<(usize, usize)> = shape
        .iter()
        .zip(strides)
        .filter(|(n, _)| **n > 1)
        .map(|(&n, &s)| (s.unsigned_abs(), n))
        .collect();
    axes.sort_unstable();
    let mut reach = itemsize;
    for (s, n) in axes {
        if s < reach {
            return false;
        }
        reach = s.saturating_mul(n - 1).saturating_add(reach);
    }
    true
}

impl<T: Element> PyBuffer<T> {
    /// A copy of the elements as an owned `ndarray` array of dynamic dimension (standard
    /// layout), whatever layout the buffer has.
    ///
    /// ```
    /// use libpython::array::PyBuffer;
    /// let a = libpython::eval("__import__('numpy').arange(12).reshape(3, 4)[::-1, ::2]")?;
    /// let v = PyBuffer::<i64>::from_object(&a)?;
    /// let m = v.to_array().into_dimensionality::<ndarray::Ix2>().unwrap();
    /// assert_eq!(m, ndarray::arr2(&[[8, 10], [4, 6], [0, 2]]));
    /// # Ok::<(), libpython::Error>(())
    /// ```
    pub fn to_array(&self) -> ArrayD<T> {
        // `to_vec` gives one element per index of the shape (and would have failed to allocate
        // more than `isize::MAX` bytes), which is all `from_shape_vec` checks.
        Array::from_shape_vec(IxDyn(self.shape()), self.to_vec())
            .expect("a view has as many elements as its shape")
    }

    /// The elements as an `ndarray` view of cells, of dynamic dimension, in any layout the
    /// buffer has (strided, transposed, reversed): zero-copy and safe however Python uses the
    /// memory meanwhile (each [`get`](ReadOnlyCell::get) reads the element as it is then).
    /// `into_dimensionality` gives a fixed dimension.
    ///
    /// ```
    /// use libpython::array::PyBuffer;
    /// let a = libpython::eval("__import__('numpy').arange(12).reshape(3, 4)[::-1, ::2]")?;
    /// let v = PyBuffer::<i64>::from_object(&a)?;
    /// let nd = v.as_cell_array()?;
    /// assert_eq!(nd.shape(), [3, 2]);
    /// assert_eq!(nd[[0, 1]].get(), 10);
    /// assert_eq!(nd.iter().map(|c| c.get()).sum::<i64>(), 30);
    /// # Ok::<(), libpython::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`ErrorKind::Conversion`](crate::ErrorKind::Conversion) when a byte stride is not a multiple of the element size.
    pub fn as_cell_array(&self) -> Result<ArrayViewD<'_, ReadOnlyCell<T>>> {
        let l = nd_layout::<T>(&self.raw, false)?;
        // SAFETY: the layout describes the view's elements (aligned for element accesses,
        // alive while `self` is borrowed) from their lowest address with non-negative
        // strides; a cell has the layout of `T` and only reads, through atomic loads.
        let mut v = unsafe {
            ArrayView::from_shape_ptr(
                IxDyn(&l.shape).strides(IxDyn(&l.strides)),
                l.ptr.cast_const().cast::<ReadOnlyCell<T>>(),
            )
        };
        for a in l.inverted {
            v.invert_axis(Axis(a));
        }
        Ok(v)
    }

    /// The elements as a plain `ndarray` view of dynamic dimension, in any layout the buffer
    /// has (strided, transposed, reversed).
    ///
    /// ```
    /// use libpython::array::PyBuffer;
    /// let a = libpython::eval("__import__('numpy').arange(12).reshape(3, 4)[::-1, ::2]")?;
    /// let v = PyBuffer::<i64>::from_object(&a)?;
    /// // SAFETY: no Python code runs while `nd` lives, and `a` is not shared with other
    /// // threads or processes.
    /// let nd = unsafe { v.as_array()? };
    /// assert_eq!(nd.shape(), [3, 2]);
    /// assert_eq!(nd[[0, 1]], 10);
    /// # Ok::<(), libpython::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`ErrorKind::Conversion`](crate::ErrorKind::Conversion) when a byte stride is not a multiple of the element size, and for
    /// `bool` elements when a byte is not 0 or 1.
    ///
    /// # Safety
    /// As [`as_slice`](Self::as_slice): until the returned view is dropped, nothing may write
    /// the memory it shows (no Python code that writes it may run, on any thread; no other
    /// process or foreign code may write it, nor a mutable view of the same memory mapped at
    /// another address, which the registry of views, comparing addresses, does not see).
    pub unsafe fn as_array(&self) -> Result<ArrayViewD<'_, T>> {
        let l = nd_layout::<T>(&self.raw, false)?;
        self.check_bools()?;
        // SAFETY: the layout describes the view's elements (aligned, valid `T`s kept alive
        // while `self` is borrowed, and not written while the view lives: the caller's
        // promise; no Rust view can write them: the registry) from their lowest address with
        // non-negative strides.
        let mut v = unsafe {
            ArrayView::from_shape_ptr(
                IxDyn(&l.shape).strides(IxDyn(&l.strides)),
                l.ptr.cast_const(),
            )
        };
        for a in l.inverted {
            v.invert_axis(Axis(a));
        }
        Ok(v)
    }

    /// As [`as_array`](Self::as_array), with a fixed dimension (`Ix1`, `Ix2`, ...).
    ///
    /// ```
    /// use libpython::array::PyBuffer;
    /// let a = libpython::eval("__import__('numpy').ones((2, 3), dtype='float32').T")?;
    /// let v = PyBuffer::<f32>::from_object(&a)?;
    /// // SAFETY: as for `as_array`.
    /// let m = unsafe { v.as_array_dim::<ndarray::Ix2>()? };
    /// assert_eq!(m.dim(), (3, 2));
    /// assert!(unsafe { v.as_array_dim::<ndarray::Ix1>() }.is_err());
    /// # Ok::<(), libpython::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`as_array`](Self::as_array), and [`ErrorKind::Conversion`](crate::ErrorKind::Conversion) for another number of
    /// dimensions.
    ///
    /// # Safety
    /// As [`as_array`](Self::as_array).
    pub unsafe fn as_array_dim<D: Dimension>(&self) -> Result<ArrayView<'_, T, D>> {
        let ndim = self.ndim();
        // SAFETY: forwarded: the caller keeps `as_array`'s promise for the returned view.
        unsafe { self.as_array()? }
            .into_dimensionality::<D>()
            .map_err(|e| dim_error::<D>(ndim, e))
    }
}

impl<T: Element> PyBufferMut<T> {
    /// The elements as an `ndarray` view of writable cells, of dynamic dimension, in any
    /// layout: zero-copy and safe however Python uses the memory meanwhile. Elements reached
    /// by several indices (an axis of stride 0, overlapping axes) are simply the same cell.
    ///
    /// ```
    /// use libpython::array::PyBufferMut;
    /// let r = libpython::run_simple_string("import numpy as np\na = np.zeros((2, 3))")?;
    /// let a = r.globals.get("a")?.unwrap();
    /// let mut v = PyBufferMut::<f64>::from_object(&a)?;
    /// let nd = v.as_cell_array_mut()?;
    /// nd.index_axis(ndarray::Axis(0), 1).for_each(|c| c.set(2.0));
    /// drop(v);
    /// assert_eq!(a.call_method("sum", ())?.extract::<f64>()?, 6.0);
    /// # Ok::<(), libpython::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`ErrorKind::Conversion`](crate::ErrorKind::Conversion) when a byte stride is not a multiple of the element size.
    pub fn as_cell_array_mut(&mut self) -> Result<ArrayViewD<'_, ArrayCell<T>>> {
        let l = nd_layout::<T>(&self.raw, false)?;
        // SAFETY: as `as_cell_array`, over this view's writable memory (a writable request or
        // tensor), borrowed through `&mut self`; cells write through atomic stores only, so
        // several indices may share an element.
        let mut v = unsafe {
            ArrayView::from_shape_ptr(
                IxDyn(&l.shape).strides(IxDyn(&l.strides)),
                l.ptr.cast_const().cast::<ArrayCell<T>>(),
            )
        };
        for a in l.inverted {
            v.invert_axis(Axis(a));
        }
        Ok(v)
    }

    /// The elements as a plain mutable `ndarray` view of dynamic dimension.
    ///
    /// ```
    /// use libpython::array::PyBufferMut;
    /// let r = libpython::run_simple_string("import numpy as np\na = np.zeros((2, 3))")?;
    /// let a = r.globals.get("a")?.unwrap();
    /// let mut v = PyBufferMut::<f64>::from_object(&a)?;
    /// // SAFETY: no Python code runs while the view lives, and `a` is not shared with other
    /// // threads or processes.
    /// unsafe { v.as_array_mut()? }.index_axis_mut(ndarray::Axis(0), 1).fill(2.0);
    /// drop(v);
    /// assert_eq!(a.call_method("sum", ())?.extract::<f64>()?, 6.0);
    /// # Ok::<(), libpython::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`PyBuffer::as_array`], and for broadcast (stride 0) or overlapping axes, whose
    /// elements would alias.
    ///
    /// # Safety
    /// As [`as_slice_mut`](Self::as_slice_mut): until the returned view is dropped, nothing
    /// but it may read or write the memory it shows (no Python code that reads or writes it
    /// may run, on any thread; no other process or foreign code may access it). Other Rust
    /// views are ruled out by address only: a view of the same memory mapped at another
    /// address (a second `np.memmap` of the file) counts as foreign access the caller must
    /// rule out.
    pub unsafe fn as_array_mut(&mut self) -> Result<ArrayViewMutD<'_, T>> {
        let l = nd_layout::<T>(&self.raw, true)?;
        self.check_bools()?;
        // SAFETY: as `as_array`; this view is the only Rust view of the memory (exclusive
        // borrow registered), borrowed mutably through `&mut self`, nothing else accesses
        // the memory while the view lives (the caller's promise), and no two indices share
        // an element (checked by `nd_layout`).
        let mut v = unsafe {
            ArrayViewMut::from_shape_ptr(IxDyn(&l.shape).strides(IxDyn(&l.strides)), l.ptr)
        };
        for a in l.inverted {
            v.invert_axis(Axis(a));
        }
        Ok(v)
    }

    /// As [`as_array_mut`](Self::as_array_mut), with a fixed dimension.
    ///
    /// # Errors
    /// As [`as_array_mut`](Self::as_array_mut), and for another number of dimensions.
    ///
    /// # Safety
    /// As [`as_array_mut`](Self::as_array_mut).
    pub unsafe fn as_array_mut_dim<D: Dimension>(&mut self) -> Result<ArrayViewMut<'_, T, D>> {
        let ndim = self.ndim();
        // SAFETY: forwarded: the caller keeps `as_array_mut`'s promise for the returned view.
        unsafe { self.as_array_mut()? }
            .into_dimensionality::<D>()
            .map_err(|e| dim_error::<D>(ndim, e))
    }
}

fn dim_error<D: Dimension>(ndim: usize, e: ndarray::ShapeError) -> Error {
    let want = D::NDIM.map_or("a dynamic number of".to_owned(), |n| n.to_string());
    Error::conversion(format!(
        "the buffer has {ndim} dimension(s), not {want} ({e})"
    ))
}

impl<T: Element> RustArray<T> {
    /// Moves an owned `ndarray` array into Python without a copy, in whatever layout it has
    /// (standard, Fortran, sliced with steps, reversed axes).
    ///
    /// ```
    /// use libpython::array::RustArray;
    /// let a = ndarray::Array::from_shape_fn((2, 3), |(i, j)| (10 * i + j) as i32).reversed_axes();
    /// let x = RustArray::from_ndarray(a)?;
    /// let np = x.to_numpy()?;
    /// assert_eq!(np.getattr("shape")?.extract::<(usize, usize)>()?, (3, 2));
    /// assert_eq!(np.get_item((2, 1))?.extract::<i32>()?, 12);
    /// # Ok::<(), libpython::Error>(())
    /// ```
    ///
    /// # Errors
    /// Start-up and interpreter errors; arrays of more than 64 dimensions.
    pub fn from_ndarray<D: Dimension + 'static>(array: Array<T, D>) -> Result<Self> {
        let shape: Box<[usize]> = array.shape().into();
        let obj = with_gil(|py| new_instance(py, owner_from_ndarray(array)?))?;
        Ok(RustArray::from_parts(obj, shape))
    }
}

fn owner_from_ndarray<T: Element, D: Dimension + 'static>(array: Array<T, D>) -> Result<Owner> {
    let size = std::mem::size_of::<T>();
    let shape = array.shape().to_vec();
    // (ndarray keeps an owned array's strides within its allocation, so this does not
    // overflow; checked all the same.)
    let strides = array
        .strides()
        .iter()
        .map(|&s| {
            s.checked_mul(size as isize).ok_or_else(|| {
                Error::overflow(
                    "isize",
                    format!("the stride of {s} elements of {size} bytes, in bytes"),
                )
            })
        })
        .collect::<Result<Vec<isize>>>()?;
    let raw: *mut Array<T, D> = Box::into_raw(Box::new(array));
    // SAFETY: `raw` is a fresh unique allocation; the data pointer is taken once and the array
    // is not used again until the owner drops it.
    let data = unsafe { (*raw).as_mut_ptr() };
    // SAFETY: the array owns its elements at `data` with that shape and those strides, alive
    // and untouched until dropped.
    unsafe {
        Owner::new(
            raw as *mut dyn Send,
            data.cast(),
            &shape,
            &strides,
            size,
            T::KIND,
        )
    }
}

/// Moves an owned `ndarray` array into Python and returns `numpy.asarray` of it: a numpy
/// array viewing the Rust memory, which is dropped after the last Python view is gone.
///
/// ```
/// let a = ndarray::Array::linspace(0.0, 1.0, 5);
/// let np = libpython::array::to_numpy(a)?;
/// assert_eq!(np.call_method("tolist", ())?.extract::<Vec<f64>>()?, [0.0, 0.25, 0.5, 0.75, 1.0]);
/// # Ok::<(), libpython::Error>(())
/// ```
///
/// # Errors
/// `ModuleNotFoundError` without numpy; as [`RustArray::from_ndarray`].
pub fn to_numpy<T: Element, D: Dimension + 'static>(array: Array<T, D>) -> Result<Object> {
    RustArray::from_ndarray(array)?.to_numpy()
}
