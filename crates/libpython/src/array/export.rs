//! Rust memory moved into Python without a copy: the `libpython.RustArray` type, which owns a
//! Rust storage (a `Vec`, boxed slice, `ndarray` array, ...) and exposes it through the
//! buffer protocol and DLPack.
//!
//! One type object per interpreter, made on first use with `PyType_FromSpec` and a basic
//! size read from the running interpreter (`object.__basicsize__` plus one pointer), so the
//! same code serves GIL and free-threaded builds. An instance holds, at the end of the object
//! header, a pointer to its boxed [`Owner`]; `tp_dealloc` drops the owner (and with it the
//! Rust storage) exactly once, after the last view: every buffer view and DLPack tensor of
//! the instance holds a reference to it.
//!
//! The slot functions and methods that run user code (`tp_dealloc`, which drops the storage;
//! the capsule destructors and `__dlpack__` in [`dlpack`](super::dlpack)) go through the
//! trampolines of `function.rs`, which mark the GIL the thread holds as held for this crate.
//! The others (`bf_getbuffer`, `bf_releasebuffer`, `tp_repr`, `tp_new`) run none, take no
//! lock, and catch panics themselves.

use std::ffi::{CStr, c_char, c_int, c_void};
use std::fmt;
use std::marker::PhantomData;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicUsize, Ordering};

use libpython_interp::{PerInterpreter, ffi};

use super::dlpack;
use super::element::{Element, ScalarKind, export_format, kind_name};
use super::layout::{c_strides, for_each_offset, is_contiguous};
use super::view::PyBuffer;
use super::view_mut::PyBufferMut;
use crate::conversion::ToPython;
use crate::err::{Error, ErrorKind, Result, fetch};
use crate::function::trampoline_void;
use crate::gil::{Python, attach as with_gil};
use crate::object::{Bound, Object};
use crate::rust_type::IMMUTABLETYPE;

/// Storage whose elements can be moved into Python without a copy: `Vec<T>`, `Box<[T]>`, or
/// your own type (to run code when Python lets go of the memory, for instance).
///
/// The storage is moved to the heap, [`as_mut_slice`](Storage::as_mut_slice) is called once,
/// and the storage is not touched again until it is dropped, after the last Python and Rust
/// view of it is gone. This crate never reads the elements at drop time.
///
/// The drop runs where the last view is released: on any thread, often one Python started,
/// with the GIL held. That GIL counts as held by this crate during the drop, so a `Drop` that
/// uses Python ([`attach`](crate::with_gil), releasing objects) works there. A panic in it
/// is reported through `sys.unraisablehook`, never unwound into Python.
///
/// ```
/// use libpython::array::{Storage, to_python_array};
///
/// /// Counts how many elements were handed back.
/// struct Logged(Vec<u16>);
/// impl Storage for Logged {
///     type Elem = u16;
///     fn as_mut_slice(&mut self) -> &mut [u16] {
///         &mut self.0
///     }
/// }
/// impl Drop for Logged {
///     fn drop(&mut self) {
///         println!("Python gave back {} elements", self.0.len());
///     }
/// }
///
/// let x = to_python_array(Logged(vec![1, 2, 3]), &[3])?;
/// assert_eq!(libpython::builtin("memoryview")?.call((x,))?.call_method("tolist", ())?.extract::<Vec<u16>>()?, [1, 2, 3]);
/// # Ok::<(), libpython::Error>(())
/// ```
pub trait Storage: Send + 'static {
    /// The element type.
    type Elem: Element;

    /// The elements. Called once, after the storage is moved to its final (heap) place.
    fn as_mut_slice(&mut self) -> &mut [Self::Elem];
}

impl<T: Element> Storage for Vec<T> {
    type Elem = T;
    fn as_mut_slice(&mut self) -> &mut [T] {
        self
    }
}

impl<T: Element> Storage for Box<[T]> {
    type Elem = T;
    fn as_mut_slice(&mut self) -> &mut [T] {
        self
    }
}

/// The Rust side of one exported array: the storage and the layout Python sees.
pub(crate) struct Owner {
    /// The storage, from `Box::into_raw`, dropped (once) by `Owner`'s `Drop`.
    storage: *mut dyn Send,
    pub(crate) data: *mut u8,
    pub(crate) shape: Box<[ffi::Py_ssize_t]>,
    /// Byte strides.
    pub(crate) strides: Box<[ffi::Py_ssize_t]>,
    pub(crate) itemsize: usize,
    pub(crate) kind: ScalarKind,
    format: &'static CStr,
    len_bytes: usize,
    c_contiguous: bool,
    f_contiguous: bool,
    /// Live buffer-protocol views.
    exports: AtomicUsize,
}

// SAFETY: the storage is `Send`; the other fields are plain data read through `&Owner`
// (the counter is atomic). `storage` is only touched by `Drop`, which has `&mut self`.
unsafe impl Send for Owner {}
// SAFETY: shared access reads immutable layout fields and the atomic counter only; the
// storage itself is never accessed through `&Owner`.
unsafe impl Sync for Owner {}

impl Drop for Owner {
    fn drop(&mut self) {
        if matches!(self.kind, ScalarKind::Bool) {
            // SAFETY: the owner goes with the last Python view of the elements, so nothing
            // else reads or writes them now; they are the storage's, one byte each, at these
            // byte offsets (checked when the owner was made).
            unsafe { normalize_bools(self.data, &self.shape, &self.strides) };
        }
        // SAFETY: `storage` came from `Box::into_raw` and is dropped only here, once.
        drop(unsafe { Box::from_raw(self.storage) });
    }
}

/// Makes every `bool` element 0 or 1 again. Python code may have written any byte into one
/// (numpy's `view(np.uint8)` of the array), and the storage's own code (its `Drop`) reads
/// them as `bool`, for which any other byte is undefined behaviour; a non-zero byte counts as
/// `true`, as the crate's own reads of Python's booleans count it.
///
/// # Safety
/// `data` and the byte `strides` reach each element of `shape` inside one live allocation,
/// which nothing else uses meanwhile.
unsafe fn normalize_bools(data: *mut u8, shape: &[ffi::Py_ssize_t], strides: &[ffi::Py_ssize_t]) {
    // Extents are non-negative (checked when the owner was made).
    let shape: Vec<usize> = shape.iter().map(|&n| n as usize).collect();
    for_each_offset(&shape, strides, |offset| {
        // SAFETY: an element of the array (the function's contract).
        unsafe {
            let p = data.offset(offset);
            if p.read() > 1 {
                p.write(1);
            }
        }
    });
}

impl Owner {
    /// An owner for `storage`, whose elements of `kind` and `itemsize` bytes are at `data`
    /// with `shape` and byte `strides`.
    ///
    /// # Safety
    /// `storage` came from `Box::into_raw` and keeps the elements described by `data`,
    /// `shape` and `strides` alive, valid, aligned and unaliased until it is dropped, and
    /// nothing else touches them.
    pub(crate) unsafe fn new(
        storage: *mut dyn Send,
        data: *mut u8,
        shape: &[usize],
        strides: &[isize],
        itemsize: usize,
        kind: ScalarKind,
    ) -> Result<Owner> {
        /// Format, shape, strides, total bytes.
        type Checked = (
            &'static CStr,
            Box<[ffi::Py_ssize_t]>,
            Box<[ffi::Py_ssize_t]>,
            usize,
        );
        let check =
            || -> Result<Checked> {
                let format = export_format(kind, itemsize).ok_or_else(|| {
                    Error::conversion(format!(
                        "{} elements have no buffer format",
                        kind_name(kind, itemsize)
                    ))
                })?;
                if shape.len() > ffi::PyBUF_MAX_NDIM {
                    return Err(Error::conversion(format!(
                        "{} dimensions is more than Python's buffers allow ({})",
                        shape.len(),
                        ffi::PyBUF_MAX_NDIM
                    )));
                }
                // Python sees every extent as a `Py_ssize_t`, even where another one is 0.
                let sh = shape
                    .iter()
                    .map(|&n| {
                        ffi::Py_ssize_t::try_from(n).map_err(|_| {
                            Error::overflow(
                                "Py_ssize_t",
                                format!("the extent {n} of the shape {shape:?}"),
                            )
                        })
                    })
                    .collect::<Result<_>>()?;
                let count = super::layout::element_count(shape)?;
                let len_bytes = count
                .checked_mul(itemsize)
                .filter(|&b| ffi::Py_ssize_t::try_from(b).is_ok())
                .ok_or_else(|| Error::from(ErrorKind::Overflow {
                    target: "Py_ssize_t",
                    value: format!(
                        "the size in bytes of the shape {shape:?} of {itemsize}-byte elements"
                    ),
                    path: String::new(),
                }))?;
                // `isize` and `Py_ssize_t` are the same type.
                let st = strides.iter().map(|&s| s as ffi::Py_ssize_t).collect();
                Ok((format, sh, st, len_bytes))
            };
        let (format, shape_py, strides_py, len_bytes) = match check() {
            Ok(v) => v,
            Err(e) => {
                // SAFETY: the storage is ours (from `Box::into_raw`) and no one else saw it.
                drop(unsafe { Box::from_raw(storage) });
                return Err(e);
            }
        };
        let c = is_contiguous(shape, strides, itemsize, true);
        let f = is_contiguous(shape, strides, itemsize, false);
        Ok(Owner {
            storage,
            data,
            shape: shape_py,
            strides: strides_py,
            itemsize,
            kind,
            format,
            len_bytes,
            c_contiguous: c,
            f_contiguous: f,
            exports: AtomicUsize::new(0),
        })
    }

    /// An owner for a contiguous storage viewed with `shape` (C order).
    pub(crate) fn from_storage<S: Storage>(storage: S, shape: &[usize]) -> Result<Owner> {
        /// Frees the storage if `as_mut_slice` panics.
        struct FreeOnUnwind<S>(*mut S);
        impl<S> Drop for FreeOnUnwind<S> {
            fn drop(&mut self) {
                // SAFETY: the allocation from `Box::into_raw` below, given back once (the
                // guard is forgotten when the slice was taken).
                drop(unsafe { Box::from_raw(self.0) });
            }
        }
        let raw: *mut S = Box::into_raw(Box::new(storage));
        let guard = FreeOnUnwind(raw);
        // SAFETY: `raw` is a fresh, unique heap allocation; the slice borrowed from it is
        // turned into a raw pointer at once and the storage is not used again until dropped.
        let (data, len) = unsafe {
            let s = (*raw).as_mut_slice();
            (s.as_mut_ptr(), s.len())
        };
        std::mem::forget(guard);
        let count = shape.iter().try_fold(1usize, |a, &n| a.checked_mul(n));
        if let Some(&n) = shape
            .iter()
            .find(|&&n| ffi::Py_ssize_t::try_from(n).is_err())
        {
            // SAFETY: the storage is ours and unshared.
            drop(unsafe { Box::from_raw(raw) });
            return Err(Error::overflow(
                "Py_ssize_t",
                format!("the extent {n} of the shape {shape:?}"),
            ));
        }
        if count != Some(len) {
            // SAFETY: the storage is ours and unshared.
            drop(unsafe { Box::from_raw(raw) });
            let needs = count.map_or_else(|| "more than usize::MAX".to_owned(), |c| c.to_string());
            return Err(Error::conversion(format!(
                "the shape {shape:?} needs {needs} elements, the storage has {len}"
            )));
        }
        let size = std::mem::size_of::<S::Elem>();
        let strides = c_strides(shape, size);
        // SAFETY: the storage keeps its `len` elements at `data` (contiguous, C order for
        // `shape`) alive and untouched until it is dropped.
        unsafe {
            Owner::new(
                raw as *mut dyn Send,
                data.cast(),
                shape,
                &strides,
                size,
                S::Elem::KIND,
            )
        }
    }

    pub(crate) fn ndim(&self) -> usize {
        self.shape.len()
    }

    fn type_name(&self) -> String {
        kind_name(self.kind, self.itemsize)
    }
}

/// The `RustArray` type of each interpreter.
static ARRAY_TYPE: PerInterpreter = PerInterpreter::new();
/// Byte offset of the owner pointer in an instance: the object header size.
static HEADER: AtomicUsize = AtomicUsize::new(0);

/// The owner slot of an instance.
///
/// # Safety
/// `obj` is an instance of a `RustArray` type (or being deallocated as one), and `HEADER` was
/// set when that type was made.
unsafe fn owner_slot(obj: *mut ffi::PyObject) -> *mut *mut Owner {
    // SAFETY: instances are `HEADER + size_of::<*mut Owner>()` bytes; the slot follows the header.
    unsafe {
        obj.cast::<u8>()
            .add(HEADER.load(Ordering::Relaxed))
            .cast::<*mut Owner>()
    }
}

/// The owner of an instance, if it has one (instances made by `type(x).__new__` tricks have
/// none: `tp_new` refuses, but be safe).
///
/// # Safety
/// As [`owner_slot`]; the returned reference lives no longer than the instance.
pub(crate) unsafe fn owner_of<'a>(obj: *mut ffi::PyObject) -> Option<&'a Owner> {
    // SAFETY: forwarded; the owner is alive while the instance is.
    unsafe { owner_slot(obj).read().as_ref() }
}

/// Sets a Python exception of class `exc` with `msg`.
///
/// # Safety
/// The calling thread holds the GIL (slot functions and methods called by CPython do).
pub(crate) unsafe fn raise(exc: *mut ffi::PyObject, msg: &str) {
    let c = std::ffi::CString::new(msg.replace('\0', "\\0")).unwrap_or_default();
    // SAFETY: the GIL is held (caller's contract); the string is NUL-terminated.
    unsafe { ffi::PyErr_SetString(exc, c.as_ptr()) };
}

/// As [`raise`], with a GIL token.
pub(crate) fn raise_with(py: Python<'_>, exc: *mut ffi::PyObject, msg: &str) {
    let _ = py;
    // SAFETY: the token proves the GIL is held.
    unsafe { raise(exc, msg) }
}

/// Sets a RuntimeError for a panic caught at the C boundary.
///
/// # Safety
/// As [`raise`].
pub(crate) unsafe fn raise_panic(what: &str) {
    // SAFETY: reading a data symbol of the loaded library; the GIL is held (caller's contract).
    unsafe {
        raise(
            *ffi::data::PyExc_RuntimeError(),
            &format!("a Rust panic in {what} (libpython.RustArray)"),
        )
    };
}

/// `tp_dealloc`: drops the Rust owner (and storage) once, frees the object, releases the type.
///
/// The storage's drop is user code: it runs inside the trampoline, with the GIL this thread
/// holds marked as held for this crate (on a thread Python made, too), so a drop that uses
/// Python (`attach`, releasing objects) uses that GIL instead of waiting for it.
///
/// # Safety
/// Called by CPython with the GIL, once, for an instance of a `RustArray` type whose
/// reference count reached zero.
unsafe extern "C" fn rust_array_dealloc(obj: *mut ffi::PyObject) {
    // SAFETY: CPython calls this once, with the GIL, for an instance of our type whose
    // reference count reached zero; the owner slot holds our pointer (from `Box::into_raw`)
    // or NULL, and is cleared so the owner is taken once.
    let owner = unsafe {
        let slot = owner_slot(obj);
        let owner = slot.read();
        slot.write(std::ptr::null_mut());
        (!owner.is_null()).then(|| Box::from_raw(owner))
    };
    if let Some(owner) = owner {
        // Dropping the owner drops the Rust storage: user code, which must not unwind into C,
        // and may release Python objects (running Python code) while an exception is pending
        // here (deallocation during unwinding): set that exception aside.
        let (mut t, mut v, mut tb) = (
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
        );
        // SAFETY: the GIL is held; the out-pointers are valid locals.
        unsafe { ffi::PyErr_Fetch(&mut t, &mut v, &mut tb) };
        trampoline_void(|| {
            if catch_unwind(AssertUnwindSafe(|| drop(owner))).is_err() {
                // SAFETY: the GIL is held (CPython called us with it).
                unsafe {
                    raise(
                        *ffi::data::PyExc_RuntimeError(),
                        "a Rust panic while dropping the storage of a libpython.RustArray",
                    )
                };
            }
        });
        // SAFETY: the GIL is held; the fetched exception (or NULLs) is restored once.
        unsafe {
            if !ffi::PyErr_Occurred().is_null() {
                // Reported as `__del__` errors are (sys.unraisablehook).
                ffi::PyErr_WriteUnraisable(std::ptr::null_mut());
            }
            ffi::PyErr_Restore(t, v, tb);
        }
    }
    // SAFETY: GIL held; `obj` is our dying instance: freed with its type's `tp_free` (a
    // function pointer of that signature), then the reference every heap-type instance holds
    // to its type is released.
    unsafe {
        let tp = ffi::Py_TYPE(obj);
        let free = ffi::PyType_GetSlot(tp, ffi::Py_tp_free);
        if !free.is_null() {
            let free: ffi::freefunc = std::mem::transmute::<*mut c_void, ffi::freefunc>(free);
            free(obj.cast());
        }
        // Instances of heap types hold a reference to their type.
        ffi::Py_DecRef(tp.cast());
    }
}

/// `bf_getbuffer`.
///
/// # Safety
/// Called by CPython with the GIL for an instance of a `RustArray` type; `view` is NULL or
/// a writable `Py_buffer`.
unsafe extern "C" fn rust_array_getbuffer(
    obj: *mut ffi::PyObject,
    view: *mut ffi::Py_buffer,
    flags: c_int,
) -> c_int {
    let r = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: CPython calls this with the GIL for an instance of our type.
        unsafe { fill_buffer(obj, view, flags) }
    }));
    match r {
        Ok(Ok(())) => 0,
        Ok(Err(())) => {
            if !view.is_null() {
                // SAFETY: `view` is the caller's Py_buffer; on failure `obj` must be NULL.
                unsafe { (*view).obj = std::ptr::null_mut() };
            }
            -1
        }
        Err(_) => {
            // SAFETY: CPython calls bf_getbuffer with the GIL held.
            unsafe { raise_panic("bf_getbuffer") };
            if !view.is_null() {
                // SAFETY: as above.
                unsafe { (*view).obj = std::ptr::null_mut() };
            }
            -1
        }
    }
}

/// Fills `view` for a `PyObject_GetBuffer(obj, view, flags)` request; sets a BufferError and
/// returns `Err` when the request cannot be met.
///
/// # Safety
/// GIL held; `obj` is an instance of our type; `view` is NULL or a writable `Py_buffer`.
unsafe fn fill_buffer(
    obj: *mut ffi::PyObject,
    view: *mut ffi::Py_buffer,
    flags: c_int,
) -> std::result::Result<(), ()> {
    let fail = |msg: &str| {
        // SAFETY: reading a data symbol; the GIL is held (this function's contract).
        unsafe { raise(*ffi::data::PyExc_BufferError(), msg) };
        Err(())
    };
    if view.is_null() {
        return fail("libpython.RustArray: NULL view in getbuffer");
    }
    // SAFETY: `obj` is our instance (caller's contract).
    let Some(owner) = (unsafe { owner_of(obj) }) else {
        return fail("this libpython.RustArray holds no data");
    };
    let has = |f: c_int| flags & f == f;
    let bit = |f: c_int| flags & (f & !ffi::PyBUF_STRIDES) != 0;
    if bit(ffi::PyBUF_C_CONTIGUOUS) && !owner.c_contiguous {
        return fail("libpython.RustArray: the array is not C-contiguous");
    }
    if bit(ffi::PyBUF_F_CONTIGUOUS) && !owner.f_contiguous {
        return fail("libpython.RustArray: the array is not Fortran-contiguous");
    }
    if bit(ffi::PyBUF_ANY_CONTIGUOUS) && !owner.c_contiguous && !owner.f_contiguous {
        return fail("libpython.RustArray: the array is not contiguous");
    }
    if !has(ffi::PyBUF_STRIDES) && !owner.c_contiguous {
        return fail("libpython.RustArray: the array is strided; ask for strides (PyBUF_STRIDES)");
    }
    let nd = has(ffi::PyBUF_ND);
    // SAFETY: `view` is writable (caller's contract); the pointers given out stay valid while
    // the instance lives, and `view.obj` keeps it alive until `PyBuffer_Release`.
    unsafe {
        let v = &mut *view;
        v.buf = owner.data.cast();
        ffi::Py_IncRef(obj);
        v.obj = obj;
        // Checked by `Owner::new`: the size fits in `Py_ssize_t`, the item size is 1 to 8
        // bytes, the number of dimensions at most 64.
        v.len = owner.len_bytes as ffi::Py_ssize_t;
        v.itemsize = owner.itemsize as ffi::Py_ssize_t;
        v.readonly = 0;
        v.ndim = if nd { owner.ndim() as c_int } else { 1 };
        v.format = if has(ffi::PyBUF_FORMAT) {
            owner.format.as_ptr().cast_mut()
        } else {
            std::ptr::null_mut()
        };
        v.shape = if nd {
            owner.shape.as_ptr().cast_mut()
        } else {
            std::ptr::null_mut()
        };
        v.strides = if has(ffi::PyBUF_STRIDES) {
            owner.strides.as_ptr().cast_mut()
        } else {
            std::ptr::null_mut()
        };
        v.suboffsets = std::ptr::null_mut();
        v.internal = std::ptr::null_mut();
    }
    owner.exports.fetch_add(1, Ordering::AcqRel);
    Ok(())
}

/// `bf_releasebuffer`: counts a view down.
///
/// # Safety
/// Called by CPython with the GIL for an instance of a `RustArray` type, while it is alive.
unsafe extern "C" fn rust_array_releasebuffer(obj: *mut ffi::PyObject, _view: *mut ffi::Py_buffer) {
    // SAFETY: CPython calls this with the GIL for an instance of ours, before releasing the
    // view's reference (so the instance is alive). Nothing here can panic.
    if let Some(owner) = unsafe { owner_of(obj) } {
        owner.exports.fetch_sub(1, Ordering::AcqRel);
    }
}

/// `tp_repr`: `RustArray(f64, shape=(2, 3))`.
///
/// # Safety
/// Called by CPython with the GIL for an instance of a `RustArray` type.
unsafe extern "C" fn rust_array_repr(obj: *mut ffi::PyObject) -> *mut ffi::PyObject {
    let r = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: our instance, GIL held.
        let text = match unsafe { owner_of(obj) } {
            Some(o) => {
                let shape: Vec<String> = o.shape.iter().map(|n| n.to_string()).collect();
                let comma = if shape.len() == 1 { "," } else { "" };
                format!(
                    "RustArray({}, shape=({}{comma}))",
                    o.type_name(),
                    shape.join(", ")
                )
            }
            None => "RustArray(<empty>)".to_owned(),
        };
        // SAFETY: valid UTF-8 of the given length; GIL held.
        unsafe {
            // (A Rust string is at most `isize::MAX` bytes.)
            ffi::PyUnicode_FromStringAndSize(text.as_ptr().cast(), text.len() as ffi::Py_ssize_t)
        }
    }));
    r.unwrap_or_else(|_| {
        // SAFETY: CPython calls tp_repr with the GIL held.
        unsafe { raise_panic("tp_repr") };
        std::ptr::null_mut()
    })
}

/// A `PyMethodDef` with the layout CPython uses on every version (32 bytes on 64-bit).
#[repr(C)]
struct MethodDef {
    name: *const c_char,
    meth: *const c_void,
    flags: c_int,
    doc: *const c_char,
}

/// The method table: `__dlpack__`, `__dlpack_device__`, and the NULL sentinel.
struct Methods([MethodDef; 3]);

// SAFETY: the table is immutable and holds pointers to static strings and functions only.
unsafe impl Sync for Methods {}

static METHODS: Methods = Methods([
    MethodDef {
        name: c"__dlpack__".as_ptr(),
        meth: dlpack::dunder_dlpack as *const c_void,
        flags: ffi::METH_VARARGS | ffi::METH_KEYWORDS,
        doc: c"__dlpack__(*, stream=None, max_version=None, dl_device=None, copy=None)\n--\n\nExports the array as a DLPack capsule (CPU memory, no copy).".as_ptr(),
    },
    MethodDef {
        name: c"__dlpack_device__".as_ptr(),
        meth: dlpack::dunder_dlpack_device as *const c_void,
        flags: ffi::METH_NOARGS,
        doc: c"__dlpack_device__()\n--\n\nThe array's DLPack device: (1, 0), the CPU.".as_ptr(),
    },
    MethodDef { name: std::ptr::null(), meth: std::ptr::null(), flags: 0, doc: std::ptr::null() },
]);

/// Makes the type object for the current interpreter.
fn create_type(py: Python<'_>) -> Result<*mut ffi::PyObject> {
    let slots = [
        (ffi::Py_tp_dealloc, rust_array_dealloc as *mut c_void),
        (ffi::Py_tp_repr, rust_array_repr as *mut c_void),
        (ffi::Py_bf_getbuffer, rust_array_getbuffer as *mut c_void),
        (
            ffi::Py_bf_releasebuffer,
            rust_array_releasebuffer as *mut c_void,
        ),
        (ffi::Py_tp_methods, METHODS.0.as_ptr().cast_mut().cast()),
    ];
    // SAFETY: the slots are this type's functions and its static method table.
    let (t, header) = unsafe {
        crate::rust_type::new_type(
            py,
            c"libpython.RustArray",
            c"Rust-owned array memory shared with Python without a copy (buffer protocol and DLPack).",
            std::mem::size_of::<*mut Owner>(),
            // Python code cannot replace its methods or slots (`RustArray.__release_buffer__
            // = ...` would put Python code where the export count is kept): from 3.10 on.
            // 3.9 has no such flag (the bit is unused there) and lets heap types be changed.
            IMMUTABLETYPE,
            &slots,
        )?
    };
    // `object.__basicsize__` of the running interpreter: 16 on GIL builds, 32 on
    // free-threaded ones. (Read when the type is made, under the GIL, rather than from
    // `interp::started()`, whose lock must not be waited for while holding the GIL.)
    HEADER.store(header, Ordering::Relaxed);
    Ok(t.into_ptr())
}

/// The `RustArray` type of `py`'s interpreter (borrowed: the interpreter keeps it), made on
/// first use.
fn array_type(py: Python<'_>) -> Result<*mut ffi::PyTypeObject> {
    // SAFETY: `py` holds its interpreter's GIL; `create_type` returns a new reference of it.
    unsafe { ARRAY_TYPE.get_or_make(py.interpreter_key(), || create_type(py)) }.map(|t| t.cast())
}

/// Whether `obj` is a `RustArray` of its interpreter.
///
/// # Safety
/// GIL held; `obj` live.
pub(crate) unsafe fn is_rust_array(py: Python<'_>, obj: *mut ffi::PyObject) -> bool {
    match ARRAY_TYPE.get(py.interpreter_key()) {
        // SAFETY: forwarded contract.
        Some(t) => unsafe { ffi::Py_TYPE(obj) == t.cast() },
        None => false,
    }
}

/// Wraps `owner` in a new `RustArray` instance of `py`'s interpreter.
pub(crate) fn new_instance(py: Python<'_>, owner: Owner) -> Result<Object> {
    let owner = Box::new(owner);
    let tp = array_type(py)?;
    // SAFETY: GIL held; `tp` is our live heap type. The allocator zero-fills the instance and
    // takes a reference to the type; the owner pointer is written into its slot before the
    // object is shared.
    unsafe {
        let alloc = ffi::PyType_GetSlot(tp, ffi::Py_tp_alloc);
        let obj = if alloc.is_null() {
            ffi::PyType_GenericAlloc(tp, 0)
        } else {
            let alloc: ffi::allocfunc = std::mem::transmute::<*mut c_void, ffi::allocfunc>(alloc);
            alloc(tp, 0)
        };
        if obj.is_null() {
            return Err(fetch(py));
        }
        owner_slot(obj).write(Box::into_raw(owner));
        Ok(Object::from_owned_ptr(py, obj))
    }
}

/// Moves `storage` into a new Python object that exposes its elements with `shape` (C order)
/// through the buffer protocol and DLPack, without a copy.
///
/// `numpy.asarray(x)`, `memoryview(x)` and `numpy.from_dlpack(x)` are views of the Rust
/// memory: writes through them are seen by Rust views ([`PyBufferMut::from_object`] on the
/// returned object) and back. The storage is dropped in Rust after the last Python view is
/// gone. Use [`RustArray`] for a typed handle.
///
/// ```
/// use libpython::array::to_python_array;
/// let x = to_python_array(vec![1.5f64, 2.5, 3.5, 4.5], &[2, 2])?;
/// let np = libpython::import("numpy")?;
/// let a = np.call_method("asarray", (x,))?;
/// assert_eq!(a.getattr("shape")?.extract::<(usize, usize)>()?, (2, 2));
/// assert_eq!(a.call_method("sum", ())?.extract::<f64>()?, 12.0);
/// # Ok::<(), libpython::Error>(())
/// ```
///
/// # Errors
/// [`ErrorKind::Conversion`] when the shape does not match the number of elements; start-up
/// and interpreter errors.
pub fn to_python_array<S: Storage>(storage: S, shape: &[usize]) -> Result<Object> {
    with_gil(|py| to_python_array_in(py, storage, shape))
}

/// As [`to_python_array`], under a GIL already held.
pub fn to_python_array_in<S: Storage>(
    py: Python<'_>,
    storage: S,
    shape: &[usize],
) -> Result<Object> {
    new_instance(py, Owner::from_storage(storage, shape)?)
}

/// A typed handle on Rust memory moved into Python (a `libpython.RustArray` object).
///
/// Python sees the elements through the buffer protocol and DLPack without a copy; Rust reads
/// and writes them through [`buffer`](Self::buffer) and [`buffer_mut`](Self::buffer_mut),
/// under the same borrow rules as any Python memory. The storage is dropped in Rust after
/// the last view (Python or Rust) is gone and this handle is dropped.
///
/// ```
/// use libpython::array::RustArray;
/// let x = RustArray::new(vec![0i32; 6], &[2, 3])?;
/// let a = x.to_numpy()?;                      // a numpy view of the Rust memory
/// x.buffer_mut()?.fill(7);                    // fill from Rust ...
/// assert_eq!(a.call_method("sum", ())?.extract::<i64>()?, 42); // ... numpy sees it
/// a.set_item((0, 0), 1)?;                     // write from numpy ...
/// assert_eq!(x.buffer()?.get(&[0, 0]), Some(1)); // ... Rust sees it
/// # Ok::<(), libpython::Error>(())
/// ```
pub struct RustArray<T: Element> {
    obj: Object,
    shape: Box<[usize]>,
    _t: PhantomData<fn() -> T>,
}

impl<T: Element> RustArray<T> {
    /// Moves `storage` into Python, viewed with `shape` (C order).
    ///
    /// # Errors
    /// As [`to_python_array`].
    pub fn new<S: Storage<Elem = T>>(storage: S, shape: &[usize]) -> Result<Self> {
        Ok(RustArray {
            obj: to_python_array(storage, shape)?,
            shape: shape.into(),
            _t: PhantomData,
        })
    }

    /// Moves a vector into Python as a one-dimensional array.
    ///
    /// ```
    /// let x = libpython::array::RustArray::from_vec(vec![1u8, 2, 3])?;
    /// assert_eq!(x.as_object().repr()?, "RustArray(u8, shape=(3,))");
    /// # Ok::<(), libpython::Error>(())
    /// ```
    ///
    /// # Errors
    /// Start-up and interpreter errors.
    pub fn from_vec(v: Vec<T>) -> Result<Self> {
        let n = v.len();
        Self::new(v, &[n])
    }

    /// Moves a boxed slice into Python as a one-dimensional array.
    ///
    /// # Errors
    /// Start-up and interpreter errors.
    pub fn from_boxed_slice(v: Box<[T]>) -> Result<Self> {
        let n = v.len();
        Self::new(v, &[n])
    }

    /// Wraps an object made by this crate's export functions, checking its type and element
    /// type.
    ///
    /// # Errors
    /// [`ErrorKind::Type`] for other objects, [`ErrorKind::Conversion`] for another element type.
    pub fn from_object(obj: Object) -> Result<Self> {
        let shape = obj.with(|b| {
            // SAFETY: live object, GIL held.
            if !unsafe { is_rust_array(b.py(), b.as_ptr()) } {
                return Err(Error::type_error(
                    "a libpython.RustArray",
                    crate::conversion::tname(b),
                ));
            }
            // SAFETY: an instance of our type, alive while `obj` is.
            let Some(o) = (unsafe { owner_of(b.as_ptr()) }) else {
                return Err(Error::conversion("this libpython.RustArray holds no data"));
            };
            if o.kind != T::KIND || o.itemsize != std::mem::size_of::<T>() {
                return Err(Error::conversion(format!(
                    "the RustArray holds {} elements, not {}",
                    o.type_name(),
                    T::NAME
                )));
            }
            // Non-negative: made from `usize`s by `Owner::new`.
            Ok(o.shape
                .iter()
                .map(|&n| n as usize)
                .collect::<Box<[usize]>>())
        })?;
        Ok(RustArray {
            obj,
            shape,
            _t: PhantomData,
        })
    }

    #[cfg(feature = "ndarray")]
    pub(crate) fn from_parts(obj: Object, shape: Box<[usize]>) -> Self {
        RustArray {
            obj,
            shape,
            _t: PhantomData,
        }
    }

    /// The shape Python sees.
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// The Python object.
    pub fn as_object(&self) -> &Object {
        &self.obj
    }

    /// The Python object, giving up the typed handle.
    pub fn into_object(self) -> Object {
        self.obj
    }

    /// How many buffer-protocol views of the memory are alive (Python's `memoryview`s and
    /// numpy arrays, and this crate's [`PyBuffer`]s); DLPack tensors are not counted.
    pub fn buffer_exports(&self) -> usize {
        // SAFETY: `obj` is a live instance of our type (checked when the handle was made);
        // the owner lives as long as it and its counter is atomic.
        unsafe { owner_of(self.obj.as_ptr()) }.map_or(0, |o| o.exports.load(Ordering::Acquire))
    }

    /// A read view of the elements (see [`PyBuffer`]).
    ///
    /// # Errors
    /// [`ErrorKind::Conversion`] while a [`PyBufferMut`] of the memory is alive.
    pub fn buffer(&self) -> Result<PyBuffer<T>> {
        PyBuffer::from_object(&self.obj)
    }

    /// A read-write view of the elements (see [`PyBufferMut`]).
    ///
    /// # Errors
    /// [`ErrorKind::Conversion`] while any other Rust view of the memory is alive.
    pub fn buffer_mut(&self) -> Result<PyBufferMut<T>> {
        PyBufferMut::from_object(&self.obj)
    }

    /// `numpy.asarray(self)`: a numpy array viewing the Rust memory.
    ///
    /// # Errors
    /// `ModuleNotFoundError` without numpy.
    pub fn to_numpy(&self) -> Result<Object> {
        self.obj.with(|b| {
            b.py()
                .import("numpy")?
                .call_method("asarray", (b,))
                .map(Bound::unbind)
        })
    }
}

impl<T: Element> Clone for RustArray<T> {
    fn clone(&self) -> Self {
        RustArray {
            obj: self.obj.clone(),
            shape: self.shape.clone(),
            _t: PhantomData,
        }
    }
}

impl<T: Element> fmt::Debug for RustArray<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RustArray")
            .field("element", &T::NAME)
            .field("shape", &self.shape)
            .finish()
    }
}

impl<T: Element> ToPython for RustArray<T> {
    fn to_python(&self, py: Python<'_>) -> Result<Object> {
        self.obj.to_python(py)
    }
}
