//! DLPack: the C structs of the DLPack ABI (defined here, as `dlpack.h` 1.0 lays them out),
//! importing any `__dlpack__` producer's tensor without a copy ([`DlTensor`]), and the
//! `__dlpack__` / `__dlpack_device__` methods of the arrays this crate exports.
//!
//! The protocol: the producer's `__dlpack__()` returns a capsule named `"dltensor"` (or
//! `"dltensor_versioned"` when the consumer passed `max_version=(1, 0)` and the producer
//! supports it) holding a `DLManagedTensor`. The consumer renames the capsule
//! `"used_dltensor"` (`"used_dltensor_versioned"`) and calls the tensor's deleter when done;
//! the capsule's destructor calls the deleter only when the capsule was never consumed.
//!
//! ```
//! use libpython::array::{DlTensor, dlpack};
//! let a = libpython::eval("__import__('numpy').arange(6, dtype='float32').reshape(2, 3)")?;
//! let t = DlTensor::from_object(&a)?;
//! assert_eq!(t.device(), dlpack::DLDevice::CPU);
//! assert_eq!(t.shape(), [2, 3]);
//! let v = t.into_buffer::<f32>()?;
//! assert_eq!(v.to_vec(), [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]);
//! # Ok::<(), libpython::Error>(())
//! ```

use std::ffi::{CStr, c_void};
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::ptr::NonNull;

use libpython_interp::{DeferredRun, InterpKey, ffi};

use super::borrow::Domain;
use super::element::{Element, describe_dl, dl_code_of};
use super::export::{owner_of, raise_with};
use super::layout::c_strides;
use super::raw::{RawView, release_later, take_inner};
use super::view::PyBuffer;
use super::view_mut::PyBufferMut;
use crate::conversion::{ToPython, tname};
use crate::err::{Error, ErrorKind, Result, fetch};
use crate::function::{trampoline_obj, trampoline_void};
use crate::gil::Python;
use crate::object::{Bound, Object};

/// `DLDeviceType`: where a tensor's memory lives.
pub type DLDeviceType = i32;
/// CPU memory.
pub const KDL_CPU: DLDeviceType = 1;
/// CUDA GPU memory.
pub const KDL_CUDA: DLDeviceType = 2;
/// Pinned CUDA host memory (CPU-accessible).
pub const KDL_CUDA_HOST: DLDeviceType = 3;
/// OpenCL memory.
pub const KDL_OPENCL: DLDeviceType = 4;
/// Vulkan memory.
pub const KDL_VULKAN: DLDeviceType = 7;
/// Metal memory.
pub const KDL_METAL: DLDeviceType = 8;
/// ROCm GPU memory.
pub const KDL_ROCM: DLDeviceType = 10;
/// Pinned ROCm host memory (CPU-accessible).
pub const KDL_ROCM_HOST: DLDeviceType = 11;
/// CUDA managed (unified) memory.
pub const KDL_CUDA_MANAGED: DLDeviceType = 13;
/// oneAPI memory.
pub const KDL_ONEAPI: DLDeviceType = 14;

/// A device: its type and index (`DLDevice`).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DLDevice {
    /// One of the `KDL_*` constants.
    pub device_type: DLDeviceType,
    /// The device's index (0 for the CPU).
    pub device_id: i32,
}

impl DLDevice {
    /// The CPU.
    pub const CPU: DLDevice = DLDevice {
        device_type: KDL_CPU,
        device_id: 0,
    };

    /// Whether the CPU can read the memory directly (CPU, pinned CUDA or ROCm host memory).
    pub fn is_cpu_accessible(self) -> bool {
        matches!(self.device_type, KDL_CPU | KDL_CUDA_HOST | KDL_ROCM_HOST)
    }
}

/// An element type: kind code, bits per lane, lanes (`DLDataType`).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DLDataType {
    /// 0 int, 1 uint, 2 float, 3 opaque handle, 4 bfloat, 5 complex, 6 bool.
    pub code: u8,
    /// Bits of one lane.
    pub bits: u8,
    /// Lanes (1 for scalars).
    pub lanes: u16,
}

impl DLDataType {
    /// The data type of `T` (`bits` 0 for a type of more than 255 bits, which DLPack cannot
    /// describe).
    pub fn of<T: Element>() -> DLDataType {
        DLDataType {
            code: dl_code_of(T::KIND),
            bits: u8::try_from(std::mem::size_of::<T>() * 8).unwrap_or(0),
            lanes: 1,
        }
    }
}

impl fmt::Display for DLDataType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&describe_dl(self.code, self.bits, self.lanes))
    }
}

/// A tensor: data, device, shape, strides (in elements) and type (`DLTensor`).
#[repr(C)]
#[derive(Debug)]
pub struct DLTensor {
    /// The data (add `byte_offset` for the first element).
    pub data: *mut c_void,
    /// Where the data lives.
    pub device: DLDevice,
    /// Number of dimensions.
    pub ndim: i32,
    /// The element type.
    pub dtype: DLDataType,
    /// `ndim` extents.
    pub shape: *mut i64,
    /// `ndim` strides in elements, or NULL for a compact row-major tensor.
    pub strides: *mut i64,
    /// Bytes from `data` to the first element.
    pub byte_offset: u64,
}

/// A tensor with its owner's context and deleter (`DLManagedTensor`, the legacy ABI).
#[repr(C)]
#[derive(Debug)]
pub struct DLManagedTensor {
    /// The tensor.
    pub dl_tensor: DLTensor,
    /// The producer's context.
    pub manager_ctx: *mut c_void,
    /// Frees the tensor; called once by the consumer (or by the unconsumed capsule).
    pub deleter: Option<unsafe extern "C" fn(*mut DLManagedTensor)>,
}

/// A DLPack ABI version (`DLPackVersion`).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DLPackVersion {
    /// Major version (1).
    pub major: u32,
    /// Minor version.
    pub minor: u32,
}

/// The flag of a read-only versioned tensor.
pub const DLPACK_FLAG_BITMASK_READ_ONLY: u64 = 1 << 0;
/// The flag of a versioned tensor the producer copied.
pub const DLPACK_FLAG_BITMASK_IS_COPIED: u64 = 1 << 1;

/// A versioned managed tensor (`DLManagedTensorVersioned`, DLPack 1.0).
#[repr(C)]
#[derive(Debug)]
pub struct DLManagedTensorVersioned {
    /// The ABI version.
    pub version: DLPackVersion,
    /// The producer's context.
    pub manager_ctx: *mut c_void,
    /// Frees the tensor.
    pub deleter: Option<unsafe extern "C" fn(*mut DLManagedTensorVersioned)>,
    /// `DLPACK_FLAG_BITMASK_*` bits.
    pub flags: u64,
    /// The tensor.
    pub dl_tensor: DLTensor,
}

const DLTENSOR: &CStr = c"dltensor";
const USED_DLTENSOR: &CStr = c"used_dltensor";
const DLTENSOR_VERSIONED: &CStr = c"dltensor_versioned";
const USED_DLTENSOR_VERSIONED: &CStr = c"used_dltensor_versioned";

/// A DLPack tensor imported from Python without a copy: the consumed managed tensor of a
/// producer's `__dlpack__` capsule (numpy, torch, jax, cupy, arrays this crate exports).
///
/// The memory may live on any device ([`device`](Self::device)); CPU-accessible memory can
/// be viewed as typed data with [`into_buffer`](Self::into_buffer) and
/// [`into_buffer_mut`](Self::into_buffer_mut). Dropping it (or the view made from it) calls
/// the producer's deleter once, under the GIL of the producer's interpreter: at once on a
/// thread that holds that GIL, else at that interpreter's next drain (as a dropped
/// [`Object`]'s reference), never waiting for the GIL; the producer keeps the memory (and
/// whatever counts its exports) until then. When the producer's interpreter is gone first,
/// the deleter is not called.
///
/// The tensor's description (device, type, shape, strides, flags) is copied when it is
/// imported: what this value reports cannot change afterwards, whatever the producer does
/// with its own copy.
///
/// ```
/// use libpython::array::DlTensor;
/// let r = libpython::run_simple_string("import numpy as np\na = np.zeros((2, 2), dtype='int64')")?;
/// let a = r.globals.get("a")?.unwrap();
/// let mut v = DlTensor::from_object(&a)?.into_buffer_mut::<i64>()?;
/// v.fill(3);
/// drop(v);
/// assert_eq!(a.call_method("sum", ())?.extract::<i64>()?, 12);
/// # Ok::<(), libpython::Error>(())
/// ```
pub struct DlTensor {
    managed: NonNull<c_void>,
    versioned: bool,
    key: InterpKey,
    /// The tensor's description, copied at import.
    device: DLDevice,
    dtype: DLDataType,
    data: *mut c_void,
    byte_offset: u64,
    shape: Box<[i64]>,
    strides: Option<Box<[i64]>>,
    readonly: bool,
}

/// The most dimensions an imported tensor may have (numpy's and the buffer protocol's limit).
const MAX_NDIM: usize = 64;

// SAFETY: DLPack allows the deleter to be called from any thread; this type calls it under
// the producer's interpreter's GIL. The managed tensor is not read after the import (its
// description is copied then).
unsafe impl Send for DlTensor {}
// SAFETY: shared access only reads the tensor struct.
unsafe impl Sync for DlTensor {}

impl DlTensor {
    /// Calls `obj.__dlpack__(max_version=(1, 0))` (or `obj.__dlpack__()` for producers that
    /// do not take `max_version`) and consumes the capsule it returns.
    ///
    /// # Errors
    /// [`ErrorKind::Type`] when `obj` has no `__dlpack__`; the producer's exception (numpy refuses
    /// read-only arrays through the legacy protocol); as [`from_capsule`](Self::from_capsule).
    pub fn from_object(obj: &Object) -> Result<Self> {
        obj.with(Self::from_bound)
    }

    /// As [`from_object`](Self::from_object), under a GIL already held.
    pub fn from_bound(obj: &Bound<'_>) -> Result<Self> {
        let max_version = (1u32, 0u32);
        let capsule = match obj.call_method_kw("__dlpack__", (), &[("max_version", &max_version)]) {
            Ok(c) => c,
            Err(e) if matches!(e.kind(), ErrorKind::NoAttribute { .. }) => {
                return Err(Error::type_error(
                    "a DLPack producer (an object with __dlpack__)",
                    tname(obj),
                ));
            }
            Err(e) if e.as_python().is_some_and(|e| e.type_name() == "TypeError") => {
                obj.call_method("__dlpack__", ())?
            }
            Err(e) => return Err(e),
        };
        Self::from_capsule(&capsule)
    }

    /// Consumes a DLPack capsule (`"dltensor"` or `"dltensor_versioned"`), renaming it
    /// `"used_..."` so its destructor leaves the tensor to this value.
    ///
    /// # Errors
    /// [`ErrorKind::Type`] for anything but an unconsumed DLPack capsule; [`ErrorKind::Conversion`]
    /// for a versioned tensor of another major version (left unconsumed).
    pub fn from_capsule(capsule: &Bound<'_>) -> Result<Self> {
        let py = capsule.py();
        let cap = capsule.as_ptr();
        // SAFETY: live object, GIL held.
        if !unsafe { ffi::PyCapsule_CheckExact(cap) } {
            return Err(Error::type_error("a DLPack capsule", tname(capsule)));
        }
        // SAFETY: a live capsule of the interpreter this thread holds (is attached to). The
        // check of the name, the read of the pointer and the rename run no Python code, so
        // nothing suspends the section between them: on free-threaded builds every other
        // thread consuming this capsule through this crate waits for the section, and finds
        // it renamed (two threads holding one capsule each took its tensor before, a double
        // free). On GIL builds the GIL does that and the section is nothing.
        let taken = unsafe { ffi::with_critical_section(cap, || take_capsule(cap)) };
        let (managed, versioned) = match taken {
            Taken::Tensor(managed, versioned) => (managed, versioned),
            Taken::Used => {
                return Err(Error::conversion(
                    "the DLPack capsule was already consumed (its name is \"used_...\")",
                ));
            }
            Taken::OtherName(other) => {
                return Err(Error::type_error(
                    "a DLPack capsule (named \"dltensor\")",
                    format!("capsule named {other:?}"),
                ));
            }
            Taken::Version(v) => {
                return Err(Error::conversion(format!(
                    "the producer returned a DLPack {}.{} tensor; this crate reads major version 1",
                    v.major, v.minor
                )));
            }
            // SAFETY: the capsule call that failed set an exception; the GIL is held.
            Taken::Failed => return Err(unsafe { fetch(py) }),
        };
        // From here on the tensor is ours: dropping `t` calls its deleter, also on errors.
        let mut t = DlTensor {
            managed,
            versioned,
            key: py.interpreter_key(),
            device: DLDevice::CPU,
            dtype: DLDataType {
                code: 0,
                bits: 0,
                lanes: 0,
            },
            data: std::ptr::null_mut(),
            byte_offset: 0,
            shape: Box::new([]),
            strides: None,
            readonly: false,
        };
        // SAFETY: the managed tensor is alive until our deleter call in `Drop`; both layouts
        // hold a `DLTensor` at the field read, and the versioned one its flags. It is read
        // here, once, before any Python code can run.
        let (tensor, flags) = unsafe {
            if versioned {
                let m = &*managed.cast::<DLManagedTensorVersioned>().as_ptr();
                (&m.dl_tensor, m.flags)
            } else {
                (&(*managed.cast::<DLManagedTensor>().as_ptr()).dl_tensor, 0)
            }
        };
        t.device = tensor.device;
        t.dtype = tensor.dtype;
        t.data = tensor.data;
        t.byte_offset = tensor.byte_offset;
        t.readonly = flags & DLPACK_FLAG_BITMASK_READ_ONLY != 0;
        let ndim = usize::try_from(tensor.ndim)
            .ok()
            .filter(|&n| n <= MAX_NDIM)
            .ok_or_else(|| {
                Error::conversion(format!(
                    "the DLPack tensor has {} dimensions (0 to {MAX_NDIM} are supported)",
                    tensor.ndim
                ))
            })?;
        if ndim > 0 {
            if tensor.shape.is_null() {
                return Err(Error::conversion("the DLPack tensor has no shape"));
            }
            // SAFETY: a tensor of `ndim` dimensions points at `ndim` extents (DLPack), alive
            // as long as the managed tensor; copied at once.
            t.shape = unsafe { std::slice::from_raw_parts(tensor.shape, ndim) }.into();
        }
        if !tensor.strides.is_null() {
            t.strides = Some(if ndim == 0 {
                Box::new([])
            } else {
                // SAFETY: as for the shape: `ndim` strides, copied at once.
                unsafe { std::slice::from_raw_parts(tensor.strides, ndim) }.into()
            });
        }
        Ok(t)
    }

    /// Where the memory lives.
    pub fn device(&self) -> DLDevice {
        self.device
    }

    /// The element type.
    pub fn dtype(&self) -> DLDataType {
        self.dtype
    }

    /// Number of dimensions.
    pub fn ndim(&self) -> usize {
        self.shape.len()
    }

    /// The extents (copied when the tensor was imported).
    pub fn shape(&self) -> &[i64] {
        &self.shape
    }

    /// The strides in elements, or `None` for a compact row-major tensor (copied when the
    /// tensor was imported).
    pub fn strides(&self) -> Option<&[i64]> {
        self.strides.as_deref()
    }

    /// The address of the first element (`data + byte_offset`), on the tensor's device.
    pub fn data_ptr(&self) -> *mut c_void {
        // (An address computation only: `wrapping_add`, no memory is touched. An offset
        // beyond `usize` cannot address memory; it wraps and the view's checks see that.)
        self.data
            .cast::<u8>()
            .wrapping_add(usize::try_from(self.byte_offset).unwrap_or(usize::MAX))
            .cast()
    }

    /// Whether the producer marked the memory read-only (versioned tensors only; a legacy
    /// tensor carries no such flag, and producers such as numpy refuse to export read-only
    /// memory that way).
    pub fn is_readonly(&self) -> bool {
        self.readonly
    }

    /// Whether the capsule was a versioned (DLPack 1.x) one.
    pub fn is_versioned(&self) -> bool {
        self.versioned
    }

    /// A read view of the tensor's elements.
    ///
    /// # Errors
    /// [`ErrorKind::Conversion`] when the memory is not CPU-accessible, the element type is not
    /// `T` (naming both), or the layout is unusable; the tensor is released then.
    pub fn into_buffer<T: Element>(self) -> Result<PyBuffer<T>> {
        self.into_raw::<T>(false).map(PyBuffer::from_raw)
    }

    /// A read-write view of the tensor's elements.
    ///
    /// # Errors
    /// As [`into_buffer`](Self::into_buffer), and [`ErrorKind::Conversion`] for read-only tensors
    /// or while another Rust view of the memory is alive.
    pub fn into_buffer_mut<T: Element>(self) -> Result<PyBufferMut<T>> {
        if self.is_readonly() {
            return Err(Error::conversion(
                "the DLPack tensor is read-only: a mutable view (PyBufferMut) needs writable memory",
            ));
        }
        self.into_raw::<T>(true).map(PyBufferMut::from_raw)
    }

    fn into_raw<T: Element>(self, exclusive: bool) -> Result<RawView> {
        let device = self.device();
        if !device.is_cpu_accessible() {
            return Err(Error::conversion(format!(
                "the DLPack tensor lives on device type {} (id {}), not in CPU memory: only CPU memory can be viewed",
                device.device_type, device.device_id
            )));
        }
        let dtype = self.dtype();
        if dtype != DLDataType::of::<T>() {
            return Err(Error::conversion(format!(
                "the DLPack tensor holds {dtype} elements, not {}",
                T::NAME
            )));
        }
        let itemsize = std::mem::size_of::<T>();
        let ndim = self.ndim();
        if let Some(n) = self.shape.iter().find(|&&n| n < 0) {
            return Err(Error::conversion(format!(
                "the DLPack tensor has a negative extent {n}"
            )));
        }
        // Extents as `usize`s of at most `isize::MAX` (what views and `set_dims` take).
        let shape: Vec<usize> = self
            .shape
            .iter()
            .map(|&n| {
                isize::try_from(n)
                    .ok()
                    .and_then(|n| usize::try_from(n).ok())
                    .ok_or_else(|| {
                        Error::overflow("isize", format!("the DLPack tensor's extent {n}"))
                    })
            })
            .collect::<Result<_>>()?;
        let strides: Vec<isize> = match self.strides() {
            None => c_strides(&shape, itemsize),
            Some(s) => s
                .iter()
                .map(|&e| {
                    isize::try_from(e)
                        .ok()
                        .and_then(|e| e.checked_mul(isize::try_from(itemsize).ok()?))
                        .ok_or_else(|| Error::from(ErrorKind::Overflow {
                            target: "isize",
                            value: format!(
                                "the DLPack tensor's stride of {e} elements of {itemsize} bytes, in bytes"
                            ),
                            path: String::new(),
                        }))
                })
                .collect::<Result<_>>()?,
        };
        let ptr = self.data_ptr().cast::<u8>();
        if ptr.is_null() && !shape.contains(&0) {
            return Err(Error::conversion("the DLPack tensor has no data"));
        }
        let readonly = self.is_readonly();
        let format = T::format().as_ptr();
        let mut inner = take_inner();
        inner.set_dims(ndim, |i| shape[i], |i| strides[i]);
        inner.tensor = Some(self);
        // SAFETY: no export: the view holds the tensor.
        let mut raw = unsafe { RawView::start(inner, InterpKey::NONE) };
        // A tensor may be viewed without any GIL: its borrow may be made beside any other.
        raw.finish::<T>(ptr, itemsize, readonly, format, exclusive, Domain::ANY)?;
        Ok(raw)
    }
}

/// What [`take_capsule`] found.
enum Taken {
    /// The managed tensor, now ours (the capsule renamed), and whether it is versioned.
    Tensor(NonNull<c_void>, bool),
    /// A capsule already consumed.
    Used,
    /// A capsule of another name.
    OtherName(String),
    /// A versioned tensor of a major version this crate does not read (left unconsumed).
    Version(DLPackVersion),
    /// A capsule call failed, with an exception set.
    Failed,
}

/// Checks the name of the DLPack capsule `cap`, reads its managed tensor and renames it
/// `"used_..."`, so its destructor leaves the tensor to the caller.
///
/// # Safety
/// `cap` is a live capsule; the thread holds its interpreter's GIL and its critical section,
/// so no other consumer that takes the section sees it between the check and the rename.
unsafe fn take_capsule(cap: *mut ffi::PyObject) -> Taken {
    // SAFETY: a capsule, GIL held; the name (possibly NULL) is borrowed from it.
    let name = unsafe { ffi::PyCapsule_GetName(cap) };
    let name = if name.is_null() {
        // SAFETY: GIL held; a NULL name sets no error, but clear defensively.
        unsafe { ffi::PyErr_Clear() };
        c""
    } else {
        // SAFETY: a NUL-terminated name owned by the capsule, read before anything can change
        // it (the section is held, no Python code runs).
        unsafe { CStr::from_ptr(name) }
    };
    let (versioned, cname, used) = match name.to_bytes() {
        b"dltensor" => (false, DLTENSOR, USED_DLTENSOR),
        b"dltensor_versioned" => (true, DLTENSOR_VERSIONED, USED_DLTENSOR_VERSIONED),
        b"used_dltensor" | b"used_dltensor_versioned" => return Taken::Used,
        other => return Taken::OtherName(String::from_utf8_lossy(other).into_owned()),
    };
    // SAFETY: a capsule of that name, GIL held.
    let p = unsafe { ffi::PyCapsule_GetPointer(cap, cname.as_ptr()) };
    let Some(managed) = NonNull::new(p) else {
        return Taken::Failed;
    };
    if versioned {
        // SAFETY: a "dltensor_versioned" capsule holds a DLManagedTensorVersioned, whose
        // version field is readable whatever its major version.
        let v = unsafe { managed.cast::<DLManagedTensorVersioned>().as_ref().version };
        if v.major != 1 {
            return Taken::Version(v);
        }
    }
    // SAFETY: a capsule, GIL held; the new name is static.
    if unsafe { ffi::PyCapsule_SetName(cap, used.as_ptr()) } != 0 {
        return Taken::Failed;
    }
    Taken::Tensor(managed, versioned)
}

impl Drop for DlTensor {
    fn drop(&mut self) {
        let (managed, versioned) = (self.managed, self.versioned);
        if libpython_interp::gil::holds(self.key) {
            // SAFETY: we consumed the capsule, so we own the managed tensor and call its
            // deleter exactly once, under the producer's interpreter's GIL, which this thread
            // holds (through a guard up its stack, released after this call returns; a
            // collector traversal marks no GIL as held).
            unsafe { delete(managed, versioned) };
            return;
        }
        // Another thread, another interpreter's GIL or a collector traversal: put off to the
        // producer's interpreter's next drain, without waiting for its GIL. Without that
        // interpreter (finalized, ended) the tensor is left alone: its owner is gone or going,
        // and calling into it could touch freed state.
        let release = move |how| {
            if how == DeferredRun::UnderGil {
                // SAFETY: as above: ours, deleted once, under the producer's GIL.
                unsafe { delete(managed, versioned) };
            }
        };
        // SAFETY: the closure holds the managed tensor's address alone (DLPack lets any thread
        // call the deleter); it calls the deleter only under the producer's GIL.
        unsafe { release_later(self.key, release) };
    }
}

/// Calls a managed tensor's deleter.
///
/// # Safety
/// The tensor is ours (its capsule consumed) and this is the one call; the GIL of the
/// producer's interpreter is held.
unsafe fn delete(managed: NonNull<c_void>, versioned: bool) {
    // SAFETY: the function's contract; the struct's kind is the one the capsule's name gave.
    unsafe {
        if versioned {
            let m = managed.cast::<DLManagedTensorVersioned>().as_ptr();
            if let Some(d) = (*m).deleter {
                d(m);
            }
        } else {
            let m = managed.cast::<DLManagedTensor>().as_ptr();
            if let Some(d) = (*m).deleter {
                d(m);
            }
        }
    }
}

impl fmt::Debug for DlTensor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DlTensor")
            .field("device", &self.device())
            .field("dtype", &self.dtype())
            .field("shape", &self.shape())
            .field("strides", &self.strides())
            .field("versioned", &self.versioned)
            .field("readonly", &self.readonly)
            .finish()
    }
}

// ---------------------------------------------------------------------------------------------
// Export: `__dlpack__` and `__dlpack_device__` of `libpython.RustArray`.

/// What an exported tensor keeps alive: its shape and strides, and a reference to the
/// exporting object (which owns the Rust storage).
struct ExportCtx {
    shape: Box<[i64]>,
    strides: Box<[i64]>,
    _keep: Object,
}

/// The deleter of exported legacy tensors: frees the managed tensor and its context, which
/// releases the exporter.
///
/// Any thread may call it, with or without the GIL, so it neither takes nor assumes the GIL:
/// the exporter's reference is released at once when this thread holds its interpreter's GIL
/// through this crate (our capsule destructor and [`DlTensor`]'s drop call it that way),
/// else queued for the interpreter's next acquisition (a consumer such as numpy deleting the
/// tensor on a thread of its own).
///
/// # Safety
/// `m` was made by `export_capsule` and is deleted once (DLPack's rule for deleters).
unsafe extern "C" fn legacy_deleter(m: *mut DLManagedTensor) {
    let _ = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: `m` and its context were made by `export_capsule` with `Box::into_raw`, and
        // DLPack calls the deleter once.
        unsafe {
            let m = Box::from_raw(m);
            drop(Box::from_raw(m.manager_ctx.cast::<ExportCtx>()));
        }
    }));
}

/// The deleter of exported versioned tensors (see [`legacy_deleter`]).
///
/// # Safety
/// As [`legacy_deleter`].
unsafe extern "C" fn versioned_deleter(m: *mut DLManagedTensorVersioned) {
    let _ = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: as `legacy_deleter`.
        unsafe {
            let m = Box::from_raw(m);
            drop(Box::from_raw(m.manager_ctx.cast::<ExportCtx>()));
        }
    }));
}

/// Destructor of the capsules `__dlpack__` returns: deletes the tensor unless a consumer took
/// it (renamed the capsule). It runs with the GIL marked as held for this crate (the
/// trampoline), so the array it releases, and the Rust storage dropped with it, use the GIL
/// this thread holds.
///
/// # Safety
/// CPython calls it with the GIL for a dying capsule made by `export_capsule`.
unsafe extern "C" fn legacy_capsule_destructor(cap: *mut ffi::PyObject) {
    trampoline_void(|| {
        // SAFETY: CPython calls this with the GIL when the capsule dies. Only a capsule still
        // named "dltensor" was never consumed; a consumer renamed it and owns the tensor.
        unsafe {
            if ffi::PyCapsule_IsValid(cap, DLTENSOR.as_ptr()) == 1 {
                let m = ffi::PyCapsule_GetPointer(cap, DLTENSOR.as_ptr()).cast::<DLManagedTensor>();
                if let Some(d) = m.as_ref().and_then(|m| m.deleter) {
                    d(m);
                }
            }
        }
    });
}

/// Destructor of versioned capsules (see [`legacy_capsule_destructor`]).
///
/// # Safety
/// As [`legacy_capsule_destructor`].
unsafe extern "C" fn versioned_capsule_destructor(cap: *mut ffi::PyObject) {
    trampoline_void(|| {
        // SAFETY: as `legacy_capsule_destructor`, for the versioned name.
        unsafe {
            if ffi::PyCapsule_IsValid(cap, DLTENSOR_VERSIONED.as_ptr()) == 1 {
                let m = ffi::PyCapsule_GetPointer(cap, DLTENSOR_VERSIONED.as_ptr())
                    .cast::<DLManagedTensorVersioned>();
                if let Some(d) = m.as_ref().and_then(|m| m.deleter) {
                    d(m);
                }
            }
        }
    });
}

/// `RustArray.__dlpack__(*, stream=None, max_version=None, dl_device=None, copy=None)`.
///
/// # Safety
/// Called by CPython (`METH_VARARGS | METH_KEYWORDS`) with the GIL: `slf` an instance of
/// `RustArray`, `args` a tuple, `kwargs` NULL or a dict.
pub(crate) unsafe extern "C" fn dunder_dlpack(
    slf: *mut ffi::PyObject,
    args: *mut ffi::PyObject,
    kwargs: *mut ffi::PyObject,
) -> *mut ffi::PyObject {
    let body = |py: Python<'_>| {
        // SAFETY: `slf` is our instance; `args` a tuple; `kwargs` NULL or a dict (CPython's
        // call); the GIL is held (`py`).
        unsafe { export_capsule(py, slf, args, kwargs) }
    };
    // SAFETY: CPython calls methods with the GIL held.
    unsafe { trampoline_obj(body) }
}

/// `RustArray.__dlpack_device__()`: `(1, 0)`, the CPU.
///
/// # Safety
/// Called by CPython (`METH_NOARGS`) with the GIL.
pub(crate) unsafe extern "C" fn dunder_dlpack_device(
    _slf: *mut ffi::PyObject,
    _unused: *mut ffi::PyObject,
) -> *mut ffi::PyObject {
    // SAFETY: CPython calls methods with the GIL held.
    unsafe { trampoline_obj(|py| (KDL_CPU, 0i32).to_python(py)) }
}

/// Raises `exc` with `msg` and returns it as an error (re-raised as is by the trampoline).
fn raised(py: Python<'_>, exc: *mut ffi::PyObject, msg: &str) -> Error {
    raise_with(py, exc, msg);
    // SAFETY: the GIL is held (`py`) and an exception was just set.
    unsafe { fetch(py) }
}

/// The entries of `dict`, owned.
///
/// # Safety
/// `dict` is a live dict of `py`'s interpreter, and the thread holds its critical section
/// (`PyDict_Next` hands out borrowed entries, which another thread of a free-threaded build
/// could otherwise remove, and free, before they are owned).
unsafe fn dict_items<'py>(
    py: Python<'py>,
    dict: *mut ffi::PyObject,
) -> Vec<(Bound<'py>, Bound<'py>)> {
    let mut items = Vec::new();
    let mut pos: ffi::Py_ssize_t = 0;
    let (mut k, mut v) = (std::ptr::null_mut(), std::ptr::null_mut());
    // SAFETY: a live dict, its section held (the function's contract); the borrowed keys and
    // values gain references at once. No Python code runs in the loop, so nothing changes
    // the dict while it is walked.
    while unsafe { ffi::PyDict_Next(dict, &mut pos, &mut k, &mut v) } != 0 {
        // SAFETY: live borrowed key and value of the dict; GIL held.
        items.push(unsafe {
            (
                Bound::from_borrowed_ptr(py, k),
                Bound::from_borrowed_ptr(py, v),
            )
        });
    }
    items
}

/// Builds the capsule for `__dlpack__`.
///
/// # Safety
/// GIL held; `slf` is a `RustArray` instance; `args` a tuple; `kwargs` NULL or a dict.
unsafe fn export_capsule(
    py: Python<'_>,
    slf: *mut ffi::PyObject,
    args: *mut ffi::PyObject,
    kwargs: *mut ffi::PyObject,
) -> Result<Object> {
    // SAFETY: reading data symbols of the loaded library.
    let (type_error, buffer_error) = unsafe {
        (
            *ffi::data::PyExc_TypeError(),
            *ffi::data::PyExc_BufferError(),
        )
    };
    // SAFETY: `args` is the call's tuple, alive for the call.
    let args = unsafe { Bound::from_borrowed_ptr(py, args) };
    let nargs = args.len()?;
    if nargs > 1 {
        return Err(raised(
            py,
            type_error,
            "__dlpack__() takes at most 1 positional argument (stream)",
        ));
    }
    let mut stream = if nargs == 1 {
        Some(args.get_item(0)?)
    } else {
        None
    };
    let mut max_version = None;
    let mut dl_device = None;
    let mut copy = None;
    if !kwargs.is_null() {
        // SAFETY: `kwargs` is a live dict (the caller's contract) of the interpreter whose GIL
        // this thread holds; the walk runs no Python code (it only owns what it reads), so the
        // section is not suspended meanwhile.
        let items = unsafe { ffi::with_critical_section(kwargs, || dict_items(py, kwargs)) };
        for (key, value) in items {
            let name: String = key.extract()?;
            let slot = match name.as_str() {
                "stream" => &mut stream,
                "max_version" => &mut max_version,
                "dl_device" => &mut dl_device,
                "copy" => &mut copy,
                other => {
                    return Err(raised(
                        py,
                        type_error,
                        &format!("__dlpack__() got an unexpected keyword argument {other:?}"),
                    ));
                }
            };
            *slot = Some(value);
        }
    }
    let is_none = |o: &Option<Bound<'_>>| o.as_ref().is_none_or(|o| o.as_ptr() == ffi::Py_None());
    if !is_none(&stream) {
        return Err(raised(
            py,
            buffer_error,
            "libpython.RustArray is CPU memory: __dlpack__ takes stream=None only",
        ));
    }
    if !is_none(&dl_device) {
        let d: (i32, i32) = dl_device
            .as_ref()
            .map(|d| d.extract())
            .transpose()?
            .unwrap_or((KDL_CPU, 0));
        if d != (KDL_CPU, 0) {
            return Err(raised(
                py,
                buffer_error,
                &format!(
                    "libpython.RustArray lives on the CPU and cannot be exported to device {d:?}"
                ),
            ));
        }
    }
    if let Some(c) = &copy
        && c.as_ptr() != ffi::Py_None()
        && c.is_truthy()?
    {
        return Err(raised(
            py,
            buffer_error,
            "libpython.RustArray exports its memory without copying: copy=True is not supported",
        ));
    }
    let versioned = match &max_version {
        Some(m) if m.as_ptr() != ffi::Py_None() => m.extract::<(u32, u32)>()?.0 >= 1,
        _ => false,
    };
    // SAFETY: `slf` is our instance (caller's contract); the owner lives while it does, and
    // the context below keeps a reference to it.
    let Some(owner) = (unsafe { owner_of(slf) }) else {
        return Err(raised(
            py,
            buffer_error,
            "this libpython.RustArray holds no data",
        ));
    };
    // `isize` to `i64` is lossless (`isize` is at most 64 bits); the item size is 1 to 8
    // bytes (`export_format` knows no others), the number of dimensions at most 64
    // (`Owner::new` refuses more).
    let size = owner.itemsize as i64;
    let mut ctx = Box::new(ExportCtx {
        shape: owner.shape.iter().map(|&n| n as i64).collect(),
        strides: owner.strides.iter().map(|&s| s as i64 / size).collect(),
        // SAFETY: `slf` is alive (the call holds it); the context owns the new reference.
        _keep: unsafe { Object::from_borrowed_ptr(py, slf) },
    });
    let tensor = DLTensor {
        data: owner.data.cast(),
        device: DLDevice::CPU,
        ndim: owner.ndim() as i32,
        dtype: DLDataType {
            code: dl_code_of(owner.kind),
            bits: (owner.itemsize * 8) as u8,
            lanes: 1,
        },
        shape: ctx.shape.as_mut_ptr(),
        strides: ctx.strides.as_mut_ptr(),
        byte_offset: 0,
    };
    let ctx = Box::into_raw(ctx).cast::<c_void>();
    // SAFETY: the managed tensors and their contexts are fresh boxes handed to the capsule;
    // if the capsule cannot be made, the deleter frees them at once. GIL held.
    let capsule = unsafe {
        if versioned {
            let m = Box::into_raw(Box::new(DLManagedTensorVersioned {
                version: DLPackVersion { major: 1, minor: 0 },
                manager_ctx: ctx,
                deleter: Some(versioned_deleter),
                flags: 0,
                dl_tensor: tensor,
            }));
            let c = ffi::PyCapsule_New(
                m.cast(),
                DLTENSOR_VERSIONED.as_ptr(),
                Some(versioned_capsule_destructor),
            );
            if c.is_null() {
                versioned_deleter(m);
            }
            c
        } else {
            let m = Box::into_raw(Box::new(DLManagedTensor {
                dl_tensor: tensor,
                manager_ctx: ctx,
                deleter: Some(legacy_deleter),
            }));
            let c =
                ffi::PyCapsule_New(m.cast(), DLTENSOR.as_ptr(), Some(legacy_capsule_destructor));
            if c.is_null() {
                legacy_deleter(m);
            }
            c
        }
    };
    // SAFETY: a new reference or NULL with an exception set.
    unsafe { Object::from_owned_ptr_or_err(py, capsule) }
}
