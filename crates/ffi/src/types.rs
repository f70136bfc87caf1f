//! Types and constants of the C API.
//!
//! Everything that `pyo3-ffi` (built for the `abi3-py39` stable ABI) declares is re-exported
//! from it. What the abi3 view of 3.9 hides, and what only the full API has, is defined here
//! with the layout CPython uses on every supported version (3.9 and later).

use std::ffi::{c_char, c_int, c_void};

pub use pyo3_ffi::{
    // object headers and type machinery
    PyObject, PyVarObject, PyTypeObject, PyType_Slot, PyType_Spec, Py_hash_t, Py_ssize_t,
    // method, member and module definitions
    PyCFunction, PyCFunctionWithKeywords, PyGetSetDef, PyMemberDef, PyMethodDef, PyModuleDef,
    PyModuleDef_Base, PyModuleDef_Slot, getter, setter,
    // slot function types
    destructor, freefunc, getattrofunc, setattrofunc, reprfunc, hashfunc, richcmpfunc,
    getiterfunc, iternextfunc, descrgetfunc, descrsetfunc, initproc, newfunc, allocfunc,
    ternaryfunc, binaryfunc, unaryfunc, inquiry, lenfunc, ssizeargfunc, ssizeobjargproc,
    objobjargproc, objobjproc, visitproc, traverseproc,
    // capsules, struct sequences, threads
    PyMethodDefPointer, PyStructSequence_Desc, PyStructSequence_Field, PyGILState_STATE,
    PyThreadState, PyInterpreterState, PyFrameObject, PyCodeObject, PyLongObject,
    Py_UCS4,
    // constants
    METH_VARARGS, METH_KEYWORDS, METH_NOARGS, METH_O, METH_CLASS, METH_STATIC, METH_COEXIST,
    Py_TPFLAGS_DEFAULT, Py_TPFLAGS_BASETYPE, Py_TPFLAGS_HAVE_GC, Py_TPFLAGS_HEAPTYPE,
    Py_TPFLAGS_LONG_SUBCLASS, Py_TPFLAGS_LIST_SUBCLASS, Py_TPFLAGS_TUPLE_SUBCLASS,
    Py_TPFLAGS_BYTES_SUBCLASS, Py_TPFLAGS_UNICODE_SUBCLASS, Py_TPFLAGS_DICT_SUBCLASS,
    Py_TPFLAGS_BASE_EXC_SUBCLASS, Py_TPFLAGS_TYPE_SUBCLASS, Py_LT, Py_LE, Py_EQ, Py_NE, Py_GT,
    Py_GE, Py_file_input, Py_eval_input, Py_single_input, PY_SSIZE_T_MAX,
};
pub use pyo3_ffi::{
    Py_tp_alloc, Py_tp_base, Py_tp_bases, Py_tp_call, Py_tp_clear, Py_tp_dealloc, Py_tp_del,
    Py_tp_descr_get, Py_tp_descr_set, Py_tp_doc, Py_tp_free, Py_tp_getattr, Py_tp_getattro,
    Py_tp_getset, Py_tp_hash, Py_tp_init, Py_tp_is_gc, Py_tp_iter, Py_tp_iternext,
    Py_tp_members, Py_tp_methods, Py_tp_new, Py_tp_repr, Py_tp_richcompare, Py_tp_setattr,
    Py_tp_setattro, Py_tp_str, Py_tp_traverse, Py_tp_finalize, Py_mp_ass_subscript,
    Py_mp_length, Py_mp_subscript, Py_sq_contains, Py_sq_item, Py_sq_length,
    Py_sq_ass_item, Py_nb_bool, Py_bf_getbuffer, Py_bf_releasebuffer,
};

/// The platform's `wchar_t` (32-bit on Linux and macOS).
pub type wchar_t = libc::wchar_t;

/// A C `va_list` as received by a function parameter.
///
/// On x86-64 System V and AArch64 Linux a `va_list` parameter decays to a pointer to the
/// implementation's state record, which is what this alias stands for. Rust cannot build one
/// on stable; it exists so the `...V` functions can be declared and passed along.
pub type va_list = *mut c_void;

/// `METH_FASTCALL` (3.10 in the limited API; exported behaviour since 3.7): arguments arrive as
/// a C array plus a count.
pub const METH_FASTCALL: c_int = 0x0080;

/// `METH_METHOD` (3.9+): the method also receives its defining class.
pub const METH_METHOD: c_int = 0x0200;

/// Flag added to `nargsf` in a vectorcall when the callee may use `args[-1]` as scratch space.
pub const PY_VECTORCALL_ARGUMENTS_OFFSET: usize = 1 << (usize::BITS - 1);

/// `PyBUF_MAX_NDIM`: the most dimensions a buffer may have (CPython's own limit).
pub const PyBUF_MAX_NDIM: usize = 64;

/// The buffer protocol's view of an exporter's memory (`Py_buffer`).
///
/// The layout (80 bytes on 64-bit targets) is the same on every CPython from 3.3 on, free-threaded
/// builds included. `pyo3-ffi` hides it from the 3.9 stable ABI, so it is defined here.
#[repr(C)]
#[derive(Debug)]
pub struct Py_buffer {
    /// Start of the memory (the first element for the view's shape and strides).
    pub buf: *mut c_void,
    /// A new reference to the exporter, released by `PyBuffer_Release`.
    pub obj: *mut PyObject,
    /// Total bytes: the product of the shape times `itemsize`.
    pub len: Py_ssize_t,
    /// Bytes of one element.
    pub itemsize: Py_ssize_t,
    /// Nonzero when the memory must not be written.
    pub readonly: c_int,
    /// Number of dimensions; 0 for a scalar.
    pub ndim: c_int,
    /// `struct`-module format of one element, or NULL for unsigned bytes (`"B"`).
    pub format: *mut c_char,
    /// `ndim` extents, or NULL when not requested.
    pub shape: *mut Py_ssize_t,
    /// `ndim` byte strides, or NULL when contiguous and not requested.
    pub strides: *mut Py_ssize_t,
    /// PIL-style sub-offsets, or NULL.
    pub suboffsets: *mut Py_ssize_t,
    /// Exporter-private.
    pub internal: *mut c_void,
}

impl Py_buffer {
    /// A zeroed buffer, ready to be filled by `PyObject_GetBuffer`.
    pub const fn zeroed() -> Self {
        Py_buffer {
            buf: std::ptr::null_mut(),
            obj: std::ptr::null_mut(),
            len: 0,
            itemsize: 0,
            readonly: 0,
            ndim: 0,
            format: std::ptr::null_mut(),
            shape: std::ptr::null_mut(),
            strides: std::ptr::null_mut(),
            suboffsets: std::ptr::null_mut(),
            internal: std::ptr::null_mut(),
        }
    }
}

/// Compiler flags passed to `PyRun_*` and `Py_CompileString*` (`PyCompilerFlags`).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct PyCompilerFlags {
    /// Bit set of `PyCF_*` and `CO_FUTURE_*` flags.
    pub cf_flags: c_int,
    /// Minor version of the language features to accept (3.8+).
    pub cf_feature_version: c_int,
}

/// Result of an initialisation-time call (`PyStatus`), returned by value.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct PyStatus {
    /// 0 ok, 1 error, 2 exit.
    pub _type: c_int,
    /// Name of the function that failed, or NULL.
    pub func: *const c_char,
    /// Error message, or NULL.
    pub err_msg: *const c_char,
    /// Exit code when `_type` is 2.
    pub exitcode: c_int,
}

/// `_PyStatus_TYPE_OK`.
pub const PYSTATUS_OK: c_int = 0;

/// Settings of a new sub-interpreter (`PyInterpreterConfig`, 3.12+).
///
/// Same layout in 3.12 and 3.13: seven `int`s.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct PyInterpreterConfig {
    /// Share the main interpreter's object allocator (must be 0 for an own GIL).
    pub use_main_obmalloc: c_int,
    /// Allow `os.fork()`.
    pub allow_fork: c_int,
    /// Allow `os.execv()` and friends.
    pub allow_exec: c_int,
    /// Allow `threading` threads.
    pub allow_threads: c_int,
    /// Allow daemon threads.
    pub allow_daemon_threads: c_int,
    /// Refuse extension modules that do not support multiple interpreters.
    pub check_multi_interp_extensions: c_int,
    /// One of [`PyInterpreterConfig_DEFAULT_GIL`], [`PyInterpreterConfig_SHARED_GIL`],
    /// [`PyInterpreterConfig_OWN_GIL`].
    pub gil: c_int,
}

/// `PyInterpreterConfig_DEFAULT_GIL`.
pub const PyInterpreterConfig_DEFAULT_GIL: c_int = 0;
/// `PyInterpreterConfig_SHARED_GIL`.
pub const PyInterpreterConfig_SHARED_GIL: c_int = 1;
/// `PyInterpreterConfig_OWN_GIL`.
pub const PyInterpreterConfig_OWN_GIL: c_int = 2;

/// Opaque initialisation configuration of PEP 741 (`PyInitConfig`, 3.14+).
#[repr(C)]
#[derive(Debug)]
pub struct PyInitConfig {
    _private: [u8; 0],
}

/// Type of the `PyOS_InputHook` variable: called while the interactive prompt waits.
pub type PyOS_InputHookFn = Option<unsafe extern "C" fn() -> c_int>;

/// Thread-specific storage key (`Py_tss_t`): an initialised flag and a `pthread_key_t`.
#[repr(C)]
#[derive(Debug)]
pub struct Py_tss_t {
    /// Nonzero once created.
    pub _is_initialized: c_int,
    /// The native key.
    pub _key: libc::pthread_key_t,
}

/// `Py_tss_NEEDS_INIT`: a key that has not been created yet.
pub const Py_tss_NEEDS_INIT: Py_tss_t = Py_tss_t { _is_initialized: 0, _key: 0 };

/// Result of `PyIter_Send` (`PySendResult`): [`PYGEN_RETURN`], [`PYGEN_ERROR`] or [`PYGEN_NEXT`].
pub type PySendResult = c_int;
/// The generator returned.
pub const PYGEN_RETURN: PySendResult = 0;
/// An exception was raised.
pub const PYGEN_ERROR: PySendResult = -1;
/// The generator yielded.
pub const PYGEN_NEXT: PySendResult = 1;

/// Result of `PyThread_acquire_lock_timed` (`PyLockStatus`).
pub type PyLockStatus = c_int;
/// The lock was not acquired.
pub const PY_LOCK_FAILURE: PyLockStatus = 0;
/// The lock was acquired.
pub const PY_LOCK_ACQUIRED: PyLockStatus = 1;
/// The wait was interrupted by a signal.
pub const PY_LOCK_INTR: PyLockStatus = 2;

/// An opaque lock of `PyThread_allocate_lock`.
pub type PyThread_type_lock = *mut c_void;

/// A signal handler as `PyOS_getsig` / `PyOS_setsig` pass it (C's `void (*)(int)`, or
/// `SIG_DFL` / `SIG_IGN`), carried as the platform's `sighandler_t`.
pub type PyOS_sighandler_t = libc::sighandler_t;

macro_rules! buf_flags {
    ($($(#[$m:meta])* $name:ident = $v:expr;)*) => {
        $($(#[$m])* pub const $name: c_int = $v;)*
    };
}

buf_flags! {
    /// No requirement: unsigned bytes, contiguous.
    PyBUF_SIMPLE = 0;
    /// The view must be writable.
    PyBUF_WRITABLE = 0x0001;
    /// Ask for the element format.
    PyBUF_FORMAT = 0x0004;
    /// Ask for the shape.
    PyBUF_ND = 0x0008;
    /// Ask for shape and strides.
    PyBUF_STRIDES = 0x0010 | PyBUF_ND;
    /// Require C-contiguous memory.
    PyBUF_C_CONTIGUOUS = 0x0020 | PyBUF_STRIDES;
    /// Require Fortran-contiguous memory.
    PyBUF_F_CONTIGUOUS = 0x0040 | PyBUF_STRIDES;
    /// Require either contiguity.
    PyBUF_ANY_CONTIGUOUS = 0x0080 | PyBUF_STRIDES;
    /// Accept suboffsets (PIL-style).
    PyBUF_INDIRECT = 0x0100 | PyBUF_STRIDES;
    /// Contiguous, writable, with shape.
    PyBUF_CONTIG = PyBUF_ND | PyBUF_WRITABLE;
    /// Contiguous with shape.
    PyBUF_CONTIG_RO = PyBUF_ND;
    /// Strided, writable.
    PyBUF_STRIDED = PyBUF_STRIDES | PyBUF_WRITABLE;
    /// Strided.
    PyBUF_STRIDED_RO = PyBUF_STRIDES;
    /// Strided, writable, with format.
    PyBUF_RECORDS = PyBUF_STRIDES | PyBUF_WRITABLE | PyBUF_FORMAT;
    /// Strided with format.
    PyBUF_RECORDS_RO = PyBUF_STRIDES | PyBUF_FORMAT;
    /// Everything, writable.
    PyBUF_FULL = PyBUF_INDIRECT | PyBUF_WRITABLE | PyBUF_FORMAT;
    /// Everything.
    PyBUF_FULL_RO = PyBUF_INDIRECT | PyBUF_FORMAT;
    /// `PyMemoryView_FromMemory`: read-only memory.
    PyBUF_READ = 0x100;
    /// `PyMemoryView_FromMemory`: writable memory.
    PyBUF_WRITE = 0x200;
}

/// A capsule's destructor (`PyCapsule_Destructor`): called with the capsule when it dies.
/// Nullable, as in C (`None` is no destructor).
pub type PyCapsule_Destructor = Option<unsafe extern "C" fn(capsule: *mut PyObject)>;
