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
//! describe N-dimensional, strided and reversed layouts; contiguous ones are slices.
//!
//! ```
//! use libpython::array::PyBuffer;
//! let a = libpython::eval("__import__('numpy').arange(10, dtype='int32')[::3]")?;
//! let v = PyBuffer::<i32>::from_object(&a)?;
//! assert_eq!((v.shape(), v.strides()), (&[4usize][..], &[12isize][..]));
//! assert_eq!(v.to_vec(), [0, 3, 6, 9]);
//! assert!(v.as_slice().is_err()); // strided: no slice
//! # Ok::<(), libpython::Error>(())
//! ```
//!
//! ## Aliasing
//!
//! Rust's rules hold between Rust views: a process-wide registry of the memory ranges live
//! views cover (lowest to highest byte reachable) refuses a [`PyBufferMut`] while any other
//! view of overlapping memory lives, and a [`PyBuffer`] while a [`PyBufferMut`] does, whatever
//! objects the views came through (`a`, `a[::2]`, `a.T`, a `memoryview` of `a`). The check is
//! conservative: interleaved views such as `a[::2]` and `a[1::2]` count as overlapping.
//! Read-only buffers never give mutable views. Python code itself is not stopped from writing
//! memory Rust views (as with any shared memory, don't run such code while holding a view).
//!
//! # Rust to Python
//!
//! [`to_python_array`] and [`RustArray`] move a `Vec<T>`, a boxed slice, any [`Storage`], or
//! (feature `ndarray`) an `ndarray::Array` into a `libpython.RustArray` object that exposes the
//! memory through the buffer protocol and DLPack: `numpy.asarray(x)`, `memoryview(x)` and
//! `numpy.from_dlpack(x)` are views. The storage is dropped in Rust after the last view of it.
//!
//! ```
//! use libpython::array::RustArray;
//! let x = RustArray::new(vec![1.0f64, 2.0, 3.0, 4.0], &[2, 2])?;
//! let a = x.to_numpy()?;
//! a.call_method("__imul__", (10,))?;                 // numpy writes the Rust memory
//! assert_eq!(x.buffer()?.as_slice()?, [10.0, 20.0, 30.0, 40.0]);
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
#[cfg(feature = "ndarray")]
mod nd;
mod view;

pub use cell::{ArrayCell, ReadOnlyCell};
pub use dlpack::DlTensor;
pub use element::{Element, ScalarKind};
pub use export::{RustArray, Storage, to_python_array, to_python_array_in};
#[cfg(feature = "ndarray")]
pub use nd::to_numpy;
pub use view::{Iter, PyBuffer, PyBufferMut};
