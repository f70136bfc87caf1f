//! Types and constants of the C API.
//!
//! Everything here is defined by this crate, with the layout CPython gives it on every supported
//! version (3.9 and later) and every kind of build (release, debug, free-threaded). Nothing is
//! taken from another crate: no build script runs, no Python is needed to build, and nothing
//! links libpython.
//!
//! Structures whose layout differs between versions or builds are opaque here: the object
//! header ([`PyObject`], [`PyVarObject`]: 16 bytes on GIL builds, 32 on free-threaded ones, and
//! its reference-count field changed in 3.12 and 3.14), type objects ([`PyTypeObject`]), module
//! definitions ([`PyModuleDef`], which embed an object header), thread and interpreter states,
//! frames, code and integer objects. They are only ever handled through pointers; use the
//! functions of the C API (`PyType_GetSlot`, `PyType_GetFlags`, ...) and the helpers of this
//! crate ([`Py_TYPE`](crate::Py_TYPE)) to reach what is inside.

use std::ffi::{c_char, c_int, c_uint, c_ulong, c_void};
use std::marker::{PhantomData, PhantomPinned};

macro_rules! opaque {
    ($($(#[$m:meta])* $name:ident;)*) => {
        $(
            $(#[$m])*
            ///
            /// Opaque: its layout is not the same on every supported Python, so it is only
            /// handled through pointers.
            #[repr(C)]
            pub struct $name {
                _data: [u8; 0],
                _marker: PhantomData<(*mut u8, PhantomPinned)>,
            }

            impl std::fmt::Debug for $name {
                fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    write!(f, concat!(stringify!($name), " at {:p}"), self)
                }
            }
        )*
    };
}

opaque! {
    /// Any Python object (`PyObject`): a reference count and a type pointer, then the object's
    /// own fields.
    PyObject;
    /// An object with a variable number of items (`PyVarObject`): the header plus `ob_size`.
    PyVarObject;
    /// A type object (`PyTypeObject`).
    PyTypeObject;
    /// An `int` object (`PyLongObject`).
    PyLongObject;
    /// A frame object (`PyFrameObject`).
    PyFrameObject;
    /// A code object (`PyCodeObject`).
    PyCodeObject;
    /// The state of one thread in one interpreter (`PyThreadState`).
    PyThreadState;
    /// An interpreter (`PyInterpreterState`).
    PyInterpreterState;
    /// A module definition (`PyModuleDef`). It starts with an object header, whose size
    /// depends on the build, so one static definition cannot serve GIL and free-threaded
    /// builds alike: create modules with `PyModule_New` and `PyModule_AddFunctions` instead.
    PyModuleDef;
}

/// C's `Py_ssize_t`: a signed size.
pub type Py_ssize_t = isize;
/// C's `Py_hash_t`: a hash value, as wide as a pointer.
pub type Py_hash_t = isize;
/// One Unicode code point (`Py_UCS4`).
pub type Py_UCS4 = u32;
/// The largest `Py_ssize_t`.
pub const PY_SSIZE_T_MAX: Py_ssize_t = isize::MAX;

/// What `PyGILState_Ensure` returns and `PyGILState_Release` takes back: a C `enum`, carried
/// as its integer so that no value coming from C can be invalid in Rust.
pub type PyGILState_STATE = c_int;
/// The GIL was held before `PyGILState_Ensure`.
pub const PyGILState_LOCKED: PyGILState_STATE = 0;
/// The GIL was not held before `PyGILState_Ensure`.
pub const PyGILState_UNLOCKED: PyGILState_STATE = 1;

/// The function pointer types of type slots and method tables: each is the C typedef of the
/// same name, an `unsafe extern "C" fn`.
macro_rules! c_fn_types {
    ($($(#[$m:meta])* $name:ident = fn($($arg:ident: $t:ty),* $(,)?) $(-> $ret:ty)?;)*) => {
        $($(#[$m])* pub type $name = unsafe extern "C" fn($($arg: $t),*) $(-> $ret)?;)*
    };
}

c_fn_types! {
    /// `destructor`: frees an object (`tp_dealloc`).
    destructor = fn(o: *mut PyObject);
    /// `freefunc`: frees memory (`tp_free`, `m_free`).
    freefunc = fn(p: *mut c_void);
    /// `getattrofunc` (`tp_getattro`).
    getattrofunc = fn(o: *mut PyObject, name: *mut PyObject) -> *mut PyObject;
    /// `setattrofunc` (`tp_setattro`): a NULL value deletes.
    setattrofunc = fn(o: *mut PyObject, name: *mut PyObject, value: *mut PyObject) -> c_int;
    /// `reprfunc` (`tp_repr`, `tp_str`).
    reprfunc = fn(o: *mut PyObject) -> *mut PyObject;
    /// `hashfunc` (`tp_hash`).
    hashfunc = fn(o: *mut PyObject) -> Py_hash_t;
    /// `richcmpfunc` (`tp_richcompare`): `op` is one of [`Py_LT`] ... [`Py_GE`].
    richcmpfunc = fn(a: *mut PyObject, b: *mut PyObject, op: c_int) -> *mut PyObject;
    /// `getiterfunc` (`tp_iter`).
    getiterfunc = fn(o: *mut PyObject) -> *mut PyObject;
    /// `iternextfunc` (`tp_iternext`).
    iternextfunc = fn(o: *mut PyObject) -> *mut PyObject;
    /// `descrgetfunc` (`tp_descr_get`).
    descrgetfunc = fn(descr: *mut PyObject, obj: *mut PyObject, type_: *mut PyObject)
        -> *mut PyObject;
    /// `descrsetfunc` (`tp_descr_set`).
    descrsetfunc = fn(descr: *mut PyObject, obj: *mut PyObject, value: *mut PyObject) -> c_int;
    /// `initproc` (`tp_init`).
    initproc = fn(o: *mut PyObject, args: *mut PyObject, kwargs: *mut PyObject) -> c_int;
    /// `newfunc` (`tp_new`).
    newfunc = fn(type_: *mut PyTypeObject, args: *mut PyObject, kwargs: *mut PyObject)
        -> *mut PyObject;
    /// `allocfunc` (`tp_alloc`).
    allocfunc = fn(type_: *mut PyTypeObject, nitems: Py_ssize_t) -> *mut PyObject;
    /// `ternaryfunc` (`tp_call`, `nb_power`).
    ternaryfunc = fn(a: *mut PyObject, b: *mut PyObject, c: *mut PyObject) -> *mut PyObject;
    /// `binaryfunc` (`nb_add`, `mp_subscript`, ...).
    binaryfunc = fn(a: *mut PyObject, b: *mut PyObject) -> *mut PyObject;
    /// `unaryfunc` (`nb_negative`, ...).
    unaryfunc = fn(o: *mut PyObject) -> *mut PyObject;
    /// `inquiry` (`nb_bool`, `tp_clear`).
    inquiry = fn(o: *mut PyObject) -> c_int;
    /// `lenfunc` (`sq_length`, `mp_length`).
    lenfunc = fn(o: *mut PyObject) -> Py_ssize_t;
    /// `ssizeargfunc` (`sq_item`, `sq_repeat`).
    ssizeargfunc = fn(o: *mut PyObject, i: Py_ssize_t) -> *mut PyObject;
    /// `ssizeobjargproc` (`sq_ass_item`): a NULL value deletes.
    ssizeobjargproc = fn(o: *mut PyObject, i: Py_ssize_t, value: *mut PyObject) -> c_int;
    /// `objobjargproc` (`mp_ass_subscript`): a NULL value deletes.
    objobjargproc = fn(o: *mut PyObject, key: *mut PyObject, value: *mut PyObject) -> c_int;
    /// `objobjproc` (`sq_contains`).
    objobjproc = fn(o: *mut PyObject, value: *mut PyObject) -> c_int;
    /// `visitproc`: called by a `tp_traverse` for each object it refers to.
    visitproc = fn(o: *mut PyObject, arg: *mut c_void) -> c_int;
    /// `traverseproc` (`tp_traverse`).
    traverseproc = fn(o: *mut PyObject, visit: visitproc, arg: *mut c_void) -> c_int;
    /// `getter` of a [`PyGetSetDef`].
    getter = fn(o: *mut PyObject, closure: *mut c_void) -> *mut PyObject;
    /// `setter` of a [`PyGetSetDef`]: a NULL value deletes.
    setter = fn(o: *mut PyObject, value: *mut PyObject, closure: *mut c_void) -> c_int;

    /// `PyCFunction`: a method taking `self` and one object (`METH_O`), an argument tuple
    /// (`METH_VARARGS`) or NULL (`METH_NOARGS`).
    PyCFunction = fn(slf: *mut PyObject, args: *mut PyObject) -> *mut PyObject;
    /// `PyCFunctionWithKeywords` (`METH_VARARGS | METH_KEYWORDS`).
    PyCFunctionWithKeywords = fn(slf: *mut PyObject, args: *mut PyObject, kwargs: *mut PyObject)
        -> *mut PyObject;
    /// `PyCFunctionFast` (`METH_FASTCALL`): positional arguments as a C array and a count.
    PyCFunctionFast = fn(slf: *mut PyObject, args: *const *mut PyObject, nargs: Py_ssize_t)
        -> *mut PyObject;
    /// `PyCFunctionFastWithKeywords` (`METH_FASTCALL | METH_KEYWORDS`): the keyword values follow
    /// the positional ones in `args`, their names are the tuple `kwnames` (or NULL).
    PyCFunctionFastWithKeywords = fn(
        slf: *mut PyObject,
        args: *const *mut PyObject,
        nargs: Py_ssize_t,
        kwnames: *mut PyObject,
    ) -> *mut PyObject;
    /// `PyCMethod` (`METH_METHOD | METH_FASTCALL | METH_KEYWORDS`): also receives the class that
    /// defines the method.
    PyCMethod = fn(
        slf: *mut PyObject,
        defining_class: *mut PyTypeObject,
        args: *const *mut PyObject,
        nargs: Py_ssize_t,
        kwnames: *mut PyObject,
    ) -> *mut PyObject;
}

/// The function of a [`PyMethodDef`], as whichever signature its `ml_flags` say.
///
/// C declares the field as a `PyCFunction` and casts; here each signature has its own field,
/// and reading one that does not match the flags is undefined behaviour.
#[repr(C)]
#[derive(Clone, Copy)]
pub union PyMethodDefPointer {
    /// `METH_O`, `METH_VARARGS` or `METH_NOARGS`.
    pub PyCFunction: PyCFunction,
    /// `METH_VARARGS | METH_KEYWORDS`.
    pub PyCFunctionWithKeywords: PyCFunctionWithKeywords,
    /// `METH_FASTCALL`.
    pub PyCFunctionFast: PyCFunctionFast,
    /// `METH_FASTCALL | METH_KEYWORDS`.
    pub PyCFunctionFastWithKeywords: PyCFunctionFastWithKeywords,
    /// `METH_METHOD | METH_FASTCALL | METH_KEYWORDS`.
    pub PyCMethod: PyCMethod,
    /// No function: the terminating entry of a method table.
    pub Void: *mut c_void,
}

impl std::fmt::Debug for PyMethodDefPointer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // SAFETY: every field is one pointer wide, so reading it as a data pointer is sound.
        write!(f, "{:p}", unsafe { self.Void })
    }
}

/// One entry of a method table (`PyMethodDef`); a table ends with [`PyMethodDef::zeroed`].
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct PyMethodDef {
    /// The method's name.
    pub ml_name: *const c_char,
    /// Its function, of the signature `ml_flags` selects.
    pub ml_meth: PyMethodDefPointer,
    /// `METH_*` flags: the calling convention and binding.
    pub ml_flags: c_int,
    /// Docstring, or NULL.
    pub ml_doc: *const c_char,
}

impl PyMethodDef {
    /// The all-NULL entry that ends a method table.
    pub const fn zeroed() -> Self {
        PyMethodDef {
            ml_name: std::ptr::null(),
            ml_meth: PyMethodDefPointer {
                Void: std::ptr::null_mut(),
            },
            ml_flags: 0,
            ml_doc: std::ptr::null(),
        }
    }
}

/// A computed attribute (`PyGetSetDef`); a table ends with an all-NULL entry.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct PyGetSetDef {
    /// Attribute name.
    pub name: *const c_char,
    /// Reads the attribute; `None` makes it write-only.
    pub get: Option<getter>,
    /// Writes (or, with a NULL value, deletes) it; `None` makes it read-only.
    pub set: Option<setter>,
    /// Docstring, or NULL.
    pub doc: *const c_char,
    /// Passed to `get` and `set`.
    pub closure: *mut c_void,
}

/// An attribute stored in the object's memory (`PyMemberDef`); a table ends with an all-NULL
/// entry.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct PyMemberDef {
    /// Attribute name.
    pub name: *const c_char,
    /// C type of the field (`Py_T_INT`, `Py_T_OBJECT_EX`, ...).
    pub type_code: c_int,
    /// Byte offset of the field in the object.
    pub offset: Py_ssize_t,
    /// `Py_READONLY` and friends.
    pub flags: c_int,
    /// Docstring, or NULL.
    pub doc: *const c_char,
}

/// One slot of a [`PyType_Spec`] (`PyType_Slot`): a `Py_tp_*`, `Py_nb_*`, ... number and its
/// value. A slot table ends with `{ slot: 0, pfunc: NULL }`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct PyType_Slot {
    /// Which slot (`Py_tp_new`, ...).
    pub slot: c_int,
    /// Its value: a function, a table, or a string for `Py_tp_doc`.
    pub pfunc: *mut c_void,
}

/// The description `PyType_FromSpec` and friends make a type from (`PyType_Spec`).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct PyType_Spec {
    /// Qualified name (`"module.Name"`).
    pub name: *const c_char,
    /// Instance size in bytes, object header included (take the header's size from the running
    /// interpreter: `object.__basicsize__`).
    pub basicsize: c_int,
    /// Size of one item of a variable-size type, else 0.
    pub itemsize: c_int,
    /// `Py_TPFLAGS_*`.
    pub flags: c_uint,
    /// The slots, ending with a zero slot.
    pub slots: *mut PyType_Slot,
}

/// One slot of a module definition (`PyModuleDef_Slot`): `Py_mod_exec` and friends.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct PyModuleDef_Slot {
    /// Which slot.
    pub slot: c_int,
    /// Its value.
    pub value: *mut c_void,
}

/// One field of a struct sequence type (`PyStructSequence_Field`).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct PyStructSequence_Field {
    /// Field name, or NULL to end the list.
    pub name: *const c_char,
    /// Docstring, or NULL.
    pub doc: *const c_char,
}

/// The description of a struct sequence type (`PyStructSequence_Desc`).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct PyStructSequence_Desc {
    /// Type name (`"module.Name"`).
    pub name: *const c_char,
    /// Docstring, or NULL.
    pub doc: *const c_char,
    /// The fields, ending with a NULL name.
    pub fields: *mut PyStructSequence_Field,
    /// How many fields are visible as a tuple.
    pub n_in_sequence: c_int,
}

/// Integer constants of the C API, in groups by C type.
macro_rules! int_consts {
    ($($ty:ty { $($(#[$m:meta])* $name:ident = $v:expr;)* })*) => {
        $($($(#[$m])* pub const $name: $ty = $v;)*)*
    };
}

int_consts! {
    // The flags of a method definition (`PyMethodDef.ml_flags`).
    c_int {
        /// `METH_VARARGS`: arguments as a tuple.
        METH_VARARGS = 0x0001;
        /// `METH_KEYWORDS`: with `METH_VARARGS` or `METH_FASTCALL`, keyword arguments too.
        METH_KEYWORDS = 0x0002;
        /// `METH_NOARGS`: no argument.
        METH_NOARGS = 0x0004;
        /// `METH_O`: exactly one argument.
        METH_O = 0x0008;
        /// `METH_CLASS`: a class method.
        METH_CLASS = 0x0010;
        /// `METH_STATIC`: a static method.
        METH_STATIC = 0x0020;
        /// `METH_COEXIST`: keep a slot wrapper of the same name.
        METH_COEXIST = 0x0040;
        /// `METH_FASTCALL` (in the limited API from 3.10; understood by every supported
        /// version): arguments arrive as a C array plus a count.
        METH_FASTCALL = 0x0080;
        /// `METH_METHOD` (3.9+): the method also receives its defining class.
        METH_METHOD = 0x0200;
    }
    // The flags of a type (`PyType_Spec.flags`, `PyType_GetFlags`).
    c_ulong {
        /// `Py_TPFLAGS_HEAPTYPE`: the type object is allocated on the heap.
        Py_TPFLAGS_HEAPTYPE = 1 << 9;
        /// `Py_TPFLAGS_BASETYPE`: the type can be subclassed.
        Py_TPFLAGS_BASETYPE = 1 << 10;
        /// `Py_TPFLAGS_HAVE_GC`: instances take part in cyclic garbage collection.
        Py_TPFLAGS_HAVE_GC = 1 << 14;
        /// `Py_TPFLAGS_DEFAULT`: the flags every type has (`Py_TPFLAGS_HAVE_VERSION_TAG`).
        Py_TPFLAGS_DEFAULT = 1 << 18;
    }
    // The fast subclass flags, which the `Py*_Check` functions test.
    c_ulong {
        /// `Py_TPFLAGS_LONG_SUBCLASS`.
        Py_TPFLAGS_LONG_SUBCLASS = 1 << 24;
        /// `Py_TPFLAGS_LIST_SUBCLASS`.
        Py_TPFLAGS_LIST_SUBCLASS = 1 << 25;
        /// `Py_TPFLAGS_TUPLE_SUBCLASS`.
        Py_TPFLAGS_TUPLE_SUBCLASS = 1 << 26;
        /// `Py_TPFLAGS_BYTES_SUBCLASS`.
        Py_TPFLAGS_BYTES_SUBCLASS = 1 << 27;
        /// `Py_TPFLAGS_UNICODE_SUBCLASS`.
        Py_TPFLAGS_UNICODE_SUBCLASS = 1 << 28;
        /// `Py_TPFLAGS_DICT_SUBCLASS`.
        Py_TPFLAGS_DICT_SUBCLASS = 1 << 29;
        /// `Py_TPFLAGS_BASE_EXC_SUBCLASS`.
        Py_TPFLAGS_BASE_EXC_SUBCLASS = 1 << 30;
        /// `Py_TPFLAGS_TYPE_SUBCLASS`.
        Py_TPFLAGS_TYPE_SUBCLASS = 1 << 31;
    }
    // Rich comparison operators, and the parser's start symbols.
    c_int {
        /// `Py_LT`: `<` in a rich comparison.
        Py_LT = 0;
        /// `Py_LE`: `<=`.
        Py_LE = 1;
        /// `Py_EQ`: `==`.
        Py_EQ = 2;
        /// `Py_NE`: `!=`.
        Py_NE = 3;
        /// `Py_GT`: `>`.
        Py_GT = 4;
        /// `Py_GE`: `>=`.
        Py_GE = 5;
        /// `Py_single_input`: one interactive statement.
        Py_single_input = 256;
        /// `Py_file_input`: a module's statements.
        Py_file_input = 257;
        /// `Py_eval_input`: one expression.
        Py_eval_input = 258;
    }
    // Type slot numbers (`Include/typeslots.h`). They are part of the Stable ABI: every
    // version accepts them.
    c_int {
        /// `bf_getbuffer`.
        Py_bf_getbuffer = 1;
        /// `bf_releasebuffer`.
        Py_bf_releasebuffer = 2;
        /// `mp_ass_subscript`.
        Py_mp_ass_subscript = 3;
        /// `mp_length`.
        Py_mp_length = 4;
        /// `mp_subscript`.
        Py_mp_subscript = 5;
        /// `nb_absolute`.
        Py_nb_absolute = 6;
        /// `nb_add`.
        Py_nb_add = 7;
        /// `nb_and`.
        Py_nb_and = 8;
        /// `nb_bool`.
        Py_nb_bool = 9;
        /// `nb_divmod`.
        Py_nb_divmod = 10;
        /// `nb_float`.
        Py_nb_float = 11;
        /// `nb_floor_divide`.
        Py_nb_floor_divide = 12;
        /// `nb_index`.
        Py_nb_index = 13;
        /// `nb_inplace_add`.
        Py_nb_inplace_add = 14;
        /// `nb_inplace_and`.
        Py_nb_inplace_and = 15;
        /// `nb_inplace_floor_divide`.
        Py_nb_inplace_floor_divide = 16;
        /// `nb_inplace_lshift`.
        Py_nb_inplace_lshift = 17;
        /// `nb_inplace_multiply`.
        Py_nb_inplace_multiply = 18;
        /// `nb_inplace_or`.
        Py_nb_inplace_or = 19;
        /// `nb_inplace_power`.
        Py_nb_inplace_power = 20;
        /// `nb_inplace_remainder`.
        Py_nb_inplace_remainder = 21;
        /// `nb_inplace_rshift`.
        Py_nb_inplace_rshift = 22;
        /// `nb_inplace_subtract`.
        Py_nb_inplace_subtract = 23;
        /// `nb_inplace_true_divide`.
        Py_nb_inplace_true_divide = 24;
        /// `nb_inplace_xor`.
        Py_nb_inplace_xor = 25;
        /// `nb_int`.
        Py_nb_int = 26;
        /// `nb_invert`.
        Py_nb_invert = 27;
        /// `nb_lshift`.
        Py_nb_lshift = 28;
        /// `nb_multiply`.
        Py_nb_multiply = 29;
        /// `nb_negative`.
        Py_nb_negative = 30;
        /// `nb_or`.
        Py_nb_or = 31;
        /// `nb_positive`.
        Py_nb_positive = 32;
        /// `nb_power`.
        Py_nb_power = 33;
        /// `nb_remainder`.
        Py_nb_remainder = 34;
        /// `nb_rshift`.
        Py_nb_rshift = 35;
        /// `nb_subtract`.
        Py_nb_subtract = 36;
        /// `nb_true_divide`.
        Py_nb_true_divide = 37;
        /// `nb_xor`.
        Py_nb_xor = 38;
        /// `sq_ass_item`.
        Py_sq_ass_item = 39;
        /// `sq_concat`.
        Py_sq_concat = 40;
        /// `sq_contains`.
        Py_sq_contains = 41;
        /// `sq_inplace_concat`.
        Py_sq_inplace_concat = 42;
        /// `sq_inplace_repeat`.
        Py_sq_inplace_repeat = 43;
        /// `sq_item`.
        Py_sq_item = 44;
        /// `sq_length`.
        Py_sq_length = 45;
        /// `sq_repeat`.
        Py_sq_repeat = 46;
        /// `tp_alloc`.
        Py_tp_alloc = 47;
        /// `tp_base`.
        Py_tp_base = 48;
        /// `tp_bases`.
        Py_tp_bases = 49;
        /// `tp_call`.
        Py_tp_call = 50;
        /// `tp_clear`.
        Py_tp_clear = 51;
        /// `tp_dealloc`.
        Py_tp_dealloc = 52;
        /// `tp_del`.
        Py_tp_del = 53;
        /// `tp_descr_get`.
        Py_tp_descr_get = 54;
        /// `tp_descr_set`.
        Py_tp_descr_set = 55;
        /// `tp_doc`.
        Py_tp_doc = 56;
        /// `tp_getattr`.
        Py_tp_getattr = 57;
        /// `tp_getattro`.
        Py_tp_getattro = 58;
        /// `tp_hash`.
        Py_tp_hash = 59;
        /// `tp_init`.
        Py_tp_init = 60;
        /// `tp_is_gc`.
        Py_tp_is_gc = 61;
        /// `tp_iter`.
        Py_tp_iter = 62;
        /// `tp_iternext`.
        Py_tp_iternext = 63;
        /// `tp_methods`.
        Py_tp_methods = 64;
        /// `tp_new`.
        Py_tp_new = 65;
        /// `tp_repr`.
        Py_tp_repr = 66;
        /// `tp_richcompare`.
        Py_tp_richcompare = 67;
        /// `tp_setattr`.
        Py_tp_setattr = 68;
        /// `tp_setattro`.
        Py_tp_setattro = 69;
        /// `tp_str`.
        Py_tp_str = 70;
        /// `tp_traverse`.
        Py_tp_traverse = 71;
        /// `tp_members`.
        Py_tp_members = 72;
        /// `tp_getset`.
        Py_tp_getset = 73;
        /// `tp_free`.
        Py_tp_free = 74;
        /// `nb_matrix_multiply`.
        Py_nb_matrix_multiply = 75;
        /// `nb_inplace_matrix_multiply`.
        Py_nb_inplace_matrix_multiply = 76;
        /// `am_await`.
        Py_am_await = 77;
        /// `am_aiter`.
        Py_am_aiter = 78;
        /// `am_anext`.
        Py_am_anext = 79;
        /// `tp_finalize`.
        Py_tp_finalize = 80;
        /// `am_send` (3.10+).
        Py_am_send = 81;
    }
}

/// The platform's `wchar_t` (32-bit on Linux and macOS).
pub type wchar_t = libc::wchar_t;

/// A C `va_list` as received by a function parameter.
///
/// On x86-64 System V and AArch64 Linux a `va_list` parameter decays to a pointer to the
/// implementation's state record, which is what this alias stands for. Rust cannot build one
/// on stable; it exists so the `...V` functions can be declared and passed along.
pub type va_list = *mut c_void;

/// Flag added to `nargsf` in a vectorcall when the callee may use `args[-1]` as scratch space.
pub const PY_VECTORCALL_ARGUMENTS_OFFSET: usize = 1 << (usize::BITS - 1);

/// `PyBUF_MAX_NDIM`: the most dimensions a buffer may have (CPython's own limit).
pub const PyBUF_MAX_NDIM: usize = 64;

/// The storage of a critical section (`PyCriticalSection`, 3.13+): filled by
/// `PyCriticalSection_Begin`, linked into the thread's state until `PyCriticalSection_End`,
/// so it must stay where it is meanwhile. The same two words on GIL and free-threaded builds
/// (3.13 and 3.14).
#[repr(C)]
#[derive(Debug)]
pub struct PyCriticalSection {
    /// The thread's previous innermost section, tagged (CPython's).
    _cs_prev: usize,
    /// The mutex held (CPython's).
    _cs_mutex: *mut c_void,
}

impl PyCriticalSection {
    /// Storage for a section not begun yet.
    pub const fn zeroed() -> Self {
        PyCriticalSection {
            _cs_prev: 0,
            _cs_mutex: std::ptr::null_mut(),
        }
    }
}

/// The buffer protocol's view of an exporter's memory (`Py_buffer`).
///
/// The layout (80 bytes on 64-bit targets) is the same on every CPython from 3.3 on, free-threaded
/// builds included.
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
pub const Py_tss_NEEDS_INIT: Py_tss_t = Py_tss_t {
    _is_initialized: 0,
    _key: 0,
};

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

int_consts! {
    // What a buffer request asks for (`PyObject_GetBuffer`).
    c_int {
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
}

/// A capsule's destructor (`PyCapsule_Destructor`): called with the capsule when it dies.
/// Nullable, as in C (`None` is no destructor).
pub type PyCapsule_Destructor = Option<unsafe extern "C" fn(capsule: *mut PyObject)>;
