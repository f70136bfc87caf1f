//! Zero-copy arrays: Python memory viewed from Rust, Rust memory moved into Python, `ndarray`
//! interop and DLPack, with no numpy C API and on every supported Python (GIL and
//! free-threaded builds alike).
//!
//! # Python to Rust
//!
//! [`PyBuffer<T>`] (read) and [`PyBufferMut<T>`] (read-write) view any object with the buffer
//! protocol (numpy arrays, `bytes`, `bytearray`, `memoryview`, `array.array`) or a DLPack
//! tensor ([`DlTensor`]) as elements of type `T` ([`Element`]: `i8` ... `i64`, `u8` ...
//! `u64`, `f32`, `f64`, `bool`), checked against the buffer's format. Shape and strides
//! describe N-dimensional, strided and reversed layouts.
//!
//! ```
//! use libpython::array::PyBuffer;
//! let a = libpython::eval("__import__('numpy').arange(10, dtype='int32')[::3]")?;
//! let v = PyBuffer::<i32>::from_object(&a)?;
//! assert_eq!((v.shape(), v.strides()), (&[4usize][..], &[12isize][..]));
//! assert_eq!(v.to_vec(), [0, 3, 6, 9]);
//! assert_eq!(v.get(&[2]), Some(6));
//! assert!(v.as_cells().is_err()); // strided: no slice of cells
//! # Ok::<(), libpython::Error>(())
//! ```
//!
//! ## Aliasing
//!
//! A view shares memory with Python, and Python code can write that memory at any moment
//! Rust does not control: a method call on the array (`a *= 10`), any Python code that runs
//! while the view lives (a callback, a `__del__`, the closure given to
//! [`map_in_place`](PyBufferMut::map_in_place)), or another thread (numpy releases the GIL
//! inside its operations; a free-threaded build has no GIL at all). A Rust `&T` or `&mut T`
//! into that memory would promise the compiler that nothing else writes it while the
//! reference lives, a promise no one can keep for Python. So the safe API never hands one
//! out:
//!
//! - **Copies**: [`get`](PyBuffer::get), [`iter`](PyBuffer::iter),
//!   [`to_vec`](PyBuffer::to_vec), [`copy_to_slice`](PyBuffer::copy_to_slice) read;
//!   [`set`](PyBufferMut::set), [`fill`](PyBufferMut::fill),
//!   [`copy_from_slice`](PyBufferMut::copy_from_slice) and
//!   [`map_in_place`](PyBufferMut::map_in_place) write.
//! - **Cells**, zero-copy: [`as_cells`](PyBuffer::as_cells) gives `&[ReadOnlyCell<T>]` and
//!   [`as_cells_mut`](PyBufferMut::as_cells_mut) `&[ArrayCell<T>]` (and, with the `ndarray`
//!   feature, `ndarray` views of cells). Like [`std::cell::Cell`], a cell is read with `get`
//!   and written with `set`, each time as the memory is then.
//!
//! Every element access of these is one relaxed atomic load or store of the element's size,
//! so it is defined even when another thread writes at the same time, and a `bool` reads as
//! `true` for any non-zero byte (Python may write bytes that are not valid Rust bools). The
//! values seen are those of the moment of each access: nothing makes a sequence of accesses
//! atomic, as with any memory shared between threads.
//!
//! The plain views, `&[T]` and `&mut [T]` ([`as_slice`](PyBuffer::as_slice),
//! [`as_slice_mut`](PyBufferMut::as_slice_mut)) and `ndarray`'s `ArrayView` /
//! `ArrayViewMut` (`as_array`, `as_array_mut`), are `unsafe` functions: the caller promises
//! that while the returned reference lives, no Python code that writes this memory (or, for
//! the mutable ones, reads it) runs on any thread, and no other process or foreign code
//! touches it. Use them for hot loops over memory you know nothing else uses meanwhile.
//!
//! Rust views are checked against each other: a process-wide registry of the memory ranges
//! live views cover (lowest to highest byte reachable) refuses a [`PyBufferMut`] while any
//! other view of overlapping memory lives, and a [`PyBuffer`] while a [`PyBufferMut`] does,
//! whatever objects the views came through (`a`, `a[::2]`, `a.T`, a `memoryview` of `a`). The
//! check is conservative: interleaved views such as `a[::2]` and `a[1::2]` count as
//! overlapping. Read-only buffers never give mutable views.
//!
//! ```
//! use libpython::array::PyBuffer;
//! let r = libpython::run_simple_string("import numpy as np\na = np.arange(3.0)")?;
//! let a = r.globals.get("a")?.unwrap();
//! let v = PyBuffer::<f64>::from_object(&a)?;
//! let cells = v.as_cells()?;
//! a.call_method("__imul__", (10,))?;      // Python writes while `cells` lives ...
//! assert_eq!(cells[1].get(), 10.0);      // ... and the cell reads the new value
//! assert_eq!(v.to_vec(), [0.0, 10.0, 20.0]);
//! # Ok::<(), libpython::Error>(())
//! ```
//!
//! # Rust to Python
//!
//! [`to_python_array`] and [`RustArray`] move a `Vec<T>`, a boxed slice, any [`Storage`], or
//! (feature `ndarray`) an `ndarray::Array` into a `libpython.RustArray` object that exposes the
//! memory through the buffer protocol and DLPack: `numpy.asarray(x)`, `memoryview(x)` and
//! `numpy.from_dlpack(x)` are views. The storage is dropped in Rust after the last view of it,
//! on the thread that releases that view, with the GIL that thread holds (a storage whose
//! drop uses Python may do so).
//!
//! ```
//! use libpython::array::RustArray;
//! let x = RustArray::new(vec![1.0f64, 2.0, 3.0, 4.0], &[2, 2])?;
//! let a = x.to_numpy()?;
//! a.call_method("__imul__", (10,))?;                 // numpy writes the Rust memory
//! assert_eq!(x.buffer()?.to_vec(), [10.0, 20.0, 30.0, 40.0]);
//! # Ok::<(), libpython::Error>(())
//! ```
//!
//! # DLPack
//!
//! Exported arrays have `__dlpack__` and `__dlpack_device__`; [`DlTensor`] imports any
//! producer's tensor (device kept, CPU memory viewable). The structs of the ABI are in
//! [`dlpack`].

mod borrow;
mod cell;
pub mod dlpack;
mod element;
mod export;
mod layout;
#[cfg(feature = "ndarray")]
mod nd;
mod raw;
mod view;
mod view_mut;

pub use cell::{ArrayCell, ReadOnlyCell};
pub use dlpack::DlTensor;
pub use element::{Element, ScalarKind};
pub use export::{RustArray, Storage, to_python_array, to_python_array_in};
#[cfg(feature = "ndarray")]
pub use nd::to_numpy;
pub use view::{Iter, PyBuffer};
pub use view_mut::PyBufferMut;
