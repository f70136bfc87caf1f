//! Cells of shared array memory: how Rust reads and writes elements that Python code may
//! read and write too, at any time, on any thread.
//!
//! A Rust reference `&T` promises that nothing changes the `T` while the reference lives, and
//! `&mut T` that nothing else reads or writes it. Memory shared with Python makes neither
//! promise: any Python code that runs (a numpy operation, a `memoryview` assignment, another
//! thread that released the GIL) may write it. So the safe accessors never hand out such
//! references: they copy elements in and out, or hand out cells ([`ReadOnlyCell`],
//! [`ArrayCell`]), which, like [`std::cell::Cell`], allow the memory to change under a
//! shared reference. Every element access is one relaxed atomic load or store of the
//! element's size: the compiler assumes nothing about the value between two accesses, and
//! an access from Rust is never split in two.

use std::cell::UnsafeCell;
use std::fmt;
use std::sync::atomic::Ordering;

use super::element::{Element, ScalarKind};

/// Whether elements of `T` can be read and written with one atomic access on this target
/// (sizes of 1, 2, 4 and 8 bytes, where the target has atomics of that size). Views of other
/// element types are refused when they are made.
pub(crate) const fn supported<T: Element>() -> bool {
    let size = std::mem::size_of::<T>();
    (size == 1 && cfg!(target_has_atomic = "8"))
        || (size == 2 && cfg!(target_has_atomic = "16"))
        || (size == 4 && cfg!(target_has_atomic = "32"))
        || (size == 8 && cfg!(target_has_atomic = "64"))
}

/// The alignment element accesses need: `T`'s, or that of the atomic type of its size when
/// it is larger (a 64-bit integer on some 32-bit targets).
pub(crate) const fn access_align<T: Element>() -> usize {
    let atomic = match std::mem::size_of::<T>() {
        #[cfg(target_has_atomic = "16")]
        2 => std::mem::align_of::<std::sync::atomic::AtomicU16>(),
        #[cfg(target_has_atomic = "32")]
        4 => std::mem::align_of::<std::sync::atomic::AtomicU32>(),
        #[cfg(target_has_atomic = "64")]
        8 => std::mem::align_of::<std::sync::atomic::AtomicU64>(),
        _ => 1,
    };
    let own = std::mem::align_of::<T>();
    if atomic > own { atomic } else { own }
}

/// Runs `$via!(atomic type, bits type)` for the atomic type of the size of `$T` (which
/// [`supported`] has checked when the view was made).
macro_rules! by_size {
    ($T:ty, $via:ident) => {
        match std::mem::size_of::<$T>() {
            #[cfg(target_has_atomic = "8")]
            1 => $via!(std::sync::atomic::AtomicU8, u8),
            #[cfg(target_has_atomic = "16")]
            2 => $via!(std::sync::atomic::AtomicU16, u16),
            #[cfg(target_has_atomic = "32")]
            4 => $via!(std::sync::atomic::AtomicU32, u32),
            #[cfg(target_has_atomic = "64")]
            8 => $via!(std::sync::atomic::AtomicU64, u64),
            _ => unreachable!("views of {} are refused when they are made", <$T>::NAME),
        }
    };
}

/// Reads the element at `p` with one relaxed atomic load. A `bool` element reads as `true`
/// for any non-zero byte, so a byte Python wrote that is not 0 or 1 never becomes an invalid
/// Rust `bool`.
///
/// # Safety
/// `p` points at an element of `T` in memory that stays allocated for the call, aligned to
/// [`access_align`], and [`supported::<T>()`](supported) holds (views check both when they
/// are made). Other accesses may happen at the same time.
#[inline(always)]
pub(crate) unsafe fn load<T: Element>(p: *const T) -> T {
    macro_rules! via {
        ($atomic:ty, $bits:ty) => {{
            // SAFETY: `p` is aligned for the atomic type of the element's size and the memory
            // is allocated (this function's contract); a relaxed load is allowed on memory
            // others access at the same time, read-only memory included (a load of at most
            // the register width).
            let atomic = unsafe { <$atomic>::from_ptr(p.cast_mut().cast()) };
            let bits: $bits = atomic.load(Ordering::Relaxed);
            let bits = if matches!(T::KIND, ScalarKind::Bool) {
                <$bits>::from(bits != 0)
            } else {
                bits
            };
            // SAFETY: `T` is a number of this size whose every bit pattern is valid, or a bool
            // (given 0 or 1 here): `Element`'s contract.
            unsafe { std::mem::transmute_copy::<$bits, T>(&bits) }
        }};
    }
    by_size!(T, via)
}

/// Writes `value` to the element at `p` with one relaxed atomic store.
///
/// # Safety
/// As [`load`], and the memory is writable.
#[inline(always)]
pub(crate) unsafe fn store<T: Element>(p: *mut T, value: T) {
    macro_rules! via {
        ($atomic:ty, $bits:ty) => {{
            // SAFETY: `T` has this size (the match below).
            let bits = unsafe { std::mem::transmute_copy::<T, $bits>(&value) };
            // SAFETY: `p` is aligned for the atomic type of the element's size and the memory
            // is allocated and writable (this function's contract).
            unsafe { <$atomic>::from_ptr(p.cast()) }.store(bits, Ordering::Relaxed)
        }};
    }
    by_size!(T, via)
}

/// An element of memory shared with Python, readable from Rust: what
/// [`PyBuffer::as_cells`](super::PyBuffer::as_cells) and
/// [`PyBuffer::as_cell_array`](super::PyBuffer) give.
///
/// `&ReadOnlyCell<T>` is to `&T` what [`std::cell::Cell`] is to a plain value: the element may
/// change while the reference lives (Python code may write it), so it is read with
/// [`get`](Self::get), which copies the value as it is at that moment. It cannot be written
/// through.
///
/// ```
/// use libpython::array::PyBuffer;
/// let r = libpython::run_simple_string("import numpy as np\na = np.arange(3.0)")?;
/// let a = r.globals.get("a")?.unwrap();
/// let v = PyBuffer::<f64>::from_object(&a)?;
/// let cells = v.as_cells()?;
/// assert_eq!(cells[2].get(), 2.0);
/// a.call_method("__imul__", (10,))?;    // Python writes the memory ...
/// assert_eq!(cells[2].get(), 20.0);    // ... and the cell shows it
/// assert_eq!(cells, [0.0, 10.0, 20.0]);
/// # Ok::<(), libpython::Error>(())
/// ```
#[repr(transparent)]
pub struct ReadOnlyCell<T: Element>(UnsafeCell<T>);

// SAFETY: every access to the element goes through `load` (one atomic access), which may
// happen on several threads at once.
unsafe impl<T: Element> Sync for ReadOnlyCell<T> {}

impl<T: Element> ReadOnlyCell<T> {
    /// The element's address.
    #[inline]
    pub fn as_ptr(&self) -> *const T {
        self.0.get()
    }
}

/// An element of memory shared with Python, readable and writable from Rust: what
/// [`PyBufferMut::as_cells_mut`](super::PyBufferMut::as_cells_mut) gives.
///
/// Like [`std::cell::Cell`], it is read with [`get`](Self::get) and written with
/// [`set`](Self::set) through a shared reference, so Python code may run (and write the
/// same memory) while cells are held, and several cells may even be the same element (a
/// broadcast axis of stride 0). Each read and write is one atomic access of the element;
/// a sequence of them is not atomic as a whole.
///
/// ```
/// use libpython::array::PyBufferMut;
/// let r = libpython::run_simple_string("import numpy as np\na = np.zeros(3, dtype='int64')")?;
/// let a = r.globals.get("a")?.unwrap();
/// let mut v = PyBufferMut::<i64>::from_object(&a)?;
/// let cells = v.as_cells_mut()?;
/// cells[0].set(5);
/// a.call_method("__iadd__", (1,))?;         // Python writes too
/// cells[1].set(cells[0].get() * 2);         // 6 * 2
/// drop(v);
/// assert_eq!(a.call_method("tolist", ())?.extract::<Vec<i64>>()?, [6, 12, 1]);
/// # Ok::<(), libpython::Error>(())
/// ```
#[repr(transparent)]
pub struct ArrayCell<T: Element>(UnsafeCell<T>);

// SAFETY: every access to the element goes through `load` and `store` (one atomic access
// each), which may happen on several threads at once.
unsafe impl<T: Element> Sync for ArrayCell<T> {}

impl<T: Element> ArrayCell<T> {
    /// Writes the element.
    #[inline]
    pub fn set(&self, value: T) {
        // SAFETY: as in `get`; `ArrayCell`s are only made over writable memory (views made
        // with a writable request or of a writable tensor).
        unsafe { store(self.0.get(), value) }
    }

    /// Writes the element and returns the value it had (two accesses, not one atomic swap).
    #[inline]
    pub fn replace(&self, value: T) -> T {
        let old = self.get();
        self.set(value);
        old
    }

    /// The element's address.
    #[inline]
    pub fn as_ptr(&self) -> *mut T {
        self.0.get()
    }

    /// The same element, as a cell that only reads.
    #[inline]
    pub fn as_read_only(&self) -> &ReadOnlyCell<T> {
        // SAFETY: both are `repr(transparent)` over `UnsafeCell<T>`; a read-only cell of
        // writable memory only reads it.
        unsafe { &*(self as *const ArrayCell<T>).cast::<ReadOnlyCell<T>>() }
    }
}

/// What both cells have alike: reading the element, `Debug` (the value) and comparison with
/// a value (two public types, hence a macro).
macro_rules! cells {
    ($($cell:ident),*) => {$(
        impl<T: Element> $cell<T> {
            /// The element's current value.
            #[inline]
            pub fn get(&self) -> T {
                // SAFETY: cells are only made over elements of a live view (aligned for the
                // access, `T` supported: checked when the view was made), which the reference
                // borrows.
                unsafe { load(self.0.get()) }
            }
        }

        impl<T: Element> fmt::Debug for $cell<T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(&self.get(), f)
            }
        }

        impl<T: Element + PartialEq> PartialEq<T> for $cell<T> {
            fn eq(&self, other: &T) -> bool {
                self.get() == *other
            }
        }
    )*};
}

cells!(ReadOnlyCell, ArrayCell);
