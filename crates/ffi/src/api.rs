//! The declaration list: every C-API function and data symbol this crate loads, grouped by the
//! page of the C-API documentation that describes it. `declare_api!` (see `macros.rs`) turns it
//! into the table, its loader and the free functions.
//!
//! A function is required when it is in CPython's Stable ABI and exported by every supported
//! version (the Stable ABI promises it stays exported); everything else is `[opt]`.

#![allow(clippy::missing_safety_doc)]

use crate::types::*;
use core::ffi::{c_char, c_int, c_long, c_longlong, c_uchar, c_uint, c_ulong, c_ulonglong, c_void};

declare_api! {
    page "allocation" {
        /// Initialise a freshly allocated `op` with type `type_` and refcount 1; returns `op`.
        fn PyObject_Init(op: *mut PyObject, type_: *mut PyTypeObject) -> *mut PyObject;
        /// Like `PyObject_Init` but also sets the variable-size field `ob_size` to `size`; returns `op`.
        fn PyObject_InitVar(op: *mut PyVarObject, type_: *mut PyTypeObject, size: Py_ssize_t) -> *mut PyVarObject;
    }
    page "apiabiversion" {
        statics {
            /// The running CPython version packed like `PY_VERSION_HEX` (exported since 3.11).
            [opt] Py_Version: c_ulong;
        }
    }
    page "arg" {
        /// Legacy parser: unpack `args` into the C pointers that follow per `format`; 1 on success, 0 with an exception set.
        [var] fn PyArg_Parse(args: *mut PyObject, format: *const c_char) -> c_int;
        /// Parse positional `args` into the C pointers that follow per `format`; 1 on success, 0 with an exception set.
        [var] fn PyArg_ParseTuple(args: *mut PyObject, format: *const c_char) -> c_int;
        /// Parse `args` and dict `kwargs` using `format` and the NULL-terminated `keywords` names; 1 ok, 0 with an exception set.
        [var] fn PyArg_ParseTupleAndKeywords(args: *mut PyObject, kwargs: *mut PyObject, format: *const c_char, keywords: *const *mut c_char) -> c_int;
        /// Unpack between `min` and `max` objects of tuple `args` into `PyObject **` outputs (borrowed); 1 ok, 0 on error.
        [var] fn PyArg_UnpackTuple(args: *mut PyObject, name: *const c_char, min: Py_ssize_t, max: Py_ssize_t) -> c_int;
        /// `va_list` form of `PyArg_ParseTuple`; 1 on success, 0 with an exception set.
        fn PyArg_VaParse(args: *mut PyObject, format: *const c_char, vargs: va_list) -> c_int;
        /// `va_list` form of `PyArg_ParseTupleAndKeywords`; 1 on success, 0 with an exception set.
        fn PyArg_VaParseTupleAndKeywords(args: *mut PyObject, kwargs: *mut PyObject, format: *const c_char, keywords: *const *mut c_char, vargs: va_list) -> c_int;
        /// Check that every key of the keyword dict `kwargs` is a string; 1 if valid, 0 with an exception set.
        fn PyArg_ValidateKeywordArguments(kwargs: *mut PyObject) -> c_int;
        /// Build a Python value from the C arguments that follow per `format`; new reference, or NULL with an exception set.
        [var] fn Py_BuildValue(format: *const c_char) -> *mut PyObject;
        /// `va_list` form of `Py_BuildValue`; new reference, or NULL with an exception set.
        fn Py_VaBuildValue(format: *const c_char, vargs: va_list) -> *mut PyObject;
    }
    page "bool" {
        /// Return `True` or `False` depending on the truth of `v`, as a new reference.
        fn PyBool_FromLong(v: c_long) -> *mut PyObject;
        statics {
            /// The `bool` type object.
            PyBool_Type: PyTypeObject;
            /// The `False` singleton object that `Py_False` points to.
            _Py_FalseStruct: PyLongObject;
            /// The `True` singleton object that `Py_True` points to.
            _Py_TrueStruct: PyLongObject;
        }
    }
    page "buffer" {
        /// Fill `strides` for a contiguous array of `shape` and `itemsize` in C (`'C'`) or Fortran (`'F'`) order.
        fn PyBuffer_FillContiguousStrides(ndims: c_int, shape: *mut Py_ssize_t, strides: *mut Py_ssize_t, itemsize: c_int, order: c_char) -> ();
        /// Fill `view` to expose `len` bytes at `buf` owned by `exporter`, honouring `flags`; 0, or -1 with an exception set.
        fn PyBuffer_FillInfo(view: *mut Py_buffer, exporter: *mut PyObject, buf: *mut c_void, len: Py_ssize_t, readonly: c_int, flags: c_int) -> c_int;
        /// Copy `len` bytes from contiguous `buf` into the buffer `view` in the given `order`; 0, or -1 on error.
        fn PyBuffer_FromContiguous(view: *const Py_buffer, buf: *const c_void, len: Py_ssize_t, order: c_char) -> c_int;
        /// Return a pointer to the element of `view` addressed by the N-dimensional `indices`.
        fn PyBuffer_GetPointer(view: *const Py_buffer, indices: *const Py_ssize_t) -> *mut c_void;
        /// Return 1 if `view` is contiguous in `order` (`'C'`, `'F'` or `'A'`), else 0; never fails.
        fn PyBuffer_IsContiguous(view: *const Py_buffer, order: c_char) -> c_int;
        /// Release the buffer `view` and drop its reference to the exporting object.
        fn PyBuffer_Release(view: *mut Py_buffer) -> ();
        /// Return the item size implied by struct-style `format`, or -1 with an exception set.
        fn PyBuffer_SizeFromFormat(format: *const c_char) -> Py_ssize_t;
        /// Copy `len` bytes of `view` into contiguous memory `buf` in the given `order`; 0, or -1 on error.
        fn PyBuffer_ToContiguous(buf: *mut c_void, view: *const Py_buffer, len: Py_ssize_t, order: c_char) -> c_int;
        /// Return 1 if `obj` supports the buffer protocol, else 0; never fails.
        fn PyObject_CheckBuffer(obj: *mut PyObject) -> c_int;
        /// Copy the buffer contents of `src` into the buffer of `dest`; 0, or -1 with an exception set.
        fn PyObject_CopyData(dest: *mut PyObject, src: *mut PyObject) -> c_int;
        /// Request a buffer view of `obj` into `view` according to `flags`; 0, or -1 with an exception set.
        fn PyObject_GetBuffer(obj: *mut PyObject, view: *mut Py_buffer, flags: c_int) -> c_int;
    }
    page "bytearray" {
        /// Return a pointer to the NUL-terminated internal storage of `bytearray` (no type check).
        fn PyByteArray_AsString(bytearray: *mut PyObject) -> *mut c_char;
        /// Concatenate bytes-like `a` and `b` into a new bytearray; new reference, or NULL with an exception set.
        fn PyByteArray_Concat(a: *mut PyObject, b: *mut PyObject) -> *mut PyObject;
        /// Return `bytearray(obj)` for a buffer-protocol object as a new reference, or NULL with an exception set.
        fn PyByteArray_FromObject(obj: *mut PyObject) -> *mut PyObject;
        /// New bytearray copying `len` bytes from `string`; new reference, or NULL with an exception set.
        fn PyByteArray_FromStringAndSize(string: *const c_char, len: Py_ssize_t) -> *mut PyObject;
        /// Resize the internal buffer of `bytearray` to `len` bytes; 0, or -1 with an exception set.
        fn PyByteArray_Resize(bytearray: *mut PyObject, len: Py_ssize_t) -> c_int;
        /// Return the length of `bytearray` in bytes.
        fn PyByteArray_Size(bytearray: *mut PyObject) -> Py_ssize_t;
        statics {
            /// The type object of bytearray iterators.
            PyByteArrayIter_Type: PyTypeObject;
            /// The `bytearray` type object.
            PyByteArray_Type: PyTypeObject;
        }
    }
    page "bytes" {
        /// Return a pointer to the NUL-terminated buffer of bytes `obj` (do not modify), or NULL with `TypeError` set.
        fn PyBytes_AsString(obj: *mut PyObject) -> *mut c_char;
        /// Store the internal buffer and size of `obj` in `buffer` and `length`; 0, or -1 with an exception set.
        fn PyBytes_AsStringAndSize(obj: *mut PyObject, buffer: *mut *mut c_char, length: *mut Py_ssize_t) -> c_int;
        /// Replace `*bytes` with `*bytes + newpart`; on failure `*bytes` becomes NULL with an exception set.
        fn PyBytes_Concat(bytes: *mut *mut PyObject, newpart: *mut PyObject) -> ();
        /// Like `PyBytes_Concat` but also releases (steals) the reference to `newpart`.
        fn PyBytes_ConcatAndDel(bytes: *mut *mut PyObject, newpart: *mut PyObject) -> ();
        /// Decode backslash escapes in `len` bytes of `string` into new bytes; the last two arguments are unused; NULL on error.
        fn PyBytes_DecodeEscape(string: *const c_char, len: Py_ssize_t, errors: *const c_char, unicode: Py_ssize_t, recode_encoding: *const c_char) -> *mut PyObject;
        /// Build a bytes object from printf-style `format` and the C arguments that follow; new reference or NULL.
        [var] fn PyBytes_FromFormat(format: *const c_char) -> *mut PyObject;
        /// `va_list` form of `PyBytes_FromFormat`; new reference, or NULL with an exception set.
        fn PyBytes_FromFormatV(format: *const c_char, vargs: va_list) -> *mut PyObject;
        /// Return `bytes(obj)` for an object supporting the buffer protocol; new reference, or NULL with an exception set.
        fn PyBytes_FromObject(obj: *mut PyObject) -> *mut PyObject;
        /// New bytes object copied from the NUL-terminated C `string`; NULL with an exception set on failure.
        fn PyBytes_FromString(string: *const c_char) -> *mut PyObject;
        /// New bytes object of `len` bytes copied from `string` (uninitialised if NULL); NULL on failure.
        fn PyBytes_FromStringAndSize(string: *const c_char, len: Py_ssize_t) -> *mut PyObject;
        /// Return the `repr()` of bytes `obj` (`smartquotes` picks the quote style); new reference or NULL.
        fn PyBytes_Repr(obj: *mut PyObject, smartquotes: c_int) -> *mut PyObject;
        /// Return the length of bytes `obj`, or -1 with `TypeError` set if it is not bytes.
        fn PyBytes_Size(obj: *mut PyObject) -> Py_ssize_t;
        statics {
            /// The type object of bytes iterators.
            PyBytesIter_Type: PyTypeObject;
            /// The `bytes` type object.
            PyBytes_Type: PyTypeObject;
        }
    }
    page "call" {
        /// Call `callable(*args, **kwargs)` (`kwargs` may be NULL); new reference, or NULL with an exception set.
        fn PyObject_Call(callable: *mut PyObject, args: *mut PyObject, kwargs: *mut PyObject) -> *mut PyObject;
        /// Call `callable` with arguments built from `format` like `Py_BuildValue`; new reference or NULL on error.
        [var] fn PyObject_CallFunction(callable: *mut PyObject, format: *const c_char) -> *mut PyObject;
        /// Call `callable` with the NULL-terminated `PyObject *` arguments that follow; new reference or NULL.
        [var] fn PyObject_CallFunctionObjArgs(callable: *mut PyObject) -> *mut PyObject;
        /// Call method `name` of `obj` with arguments built from `format`; new reference, or NULL with an exception set.
        [var] fn PyObject_CallMethod(obj: *mut PyObject, name: *const c_char, format: *const c_char) -> *mut PyObject;
        /// Call method `name` (a str) of `obj` with NULL-terminated object arguments; new reference or NULL.
        [var] fn PyObject_CallMethodObjArgs(obj: *mut PyObject, name: *mut PyObject) -> *mut PyObject;
        /// Call `callable()` with no arguments; new reference, or NULL with an exception set.
        fn PyObject_CallNoArgs(callable: *mut PyObject) -> *mut PyObject;
        /// Call `callable(*args)` where `args` is a tuple or NULL; new reference, or NULL with an exception set.
        fn PyObject_CallObject(callable: *mut PyObject, args: *mut PyObject) -> *mut PyObject;
        /// Vectorcall `callable` with positional `args` then keyword values named by `kwnames`; new reference or NULL.
        [opt] fn PyObject_Vectorcall(callable: *mut PyObject, args: *const *mut PyObject, nargsf: usize, kwnames: *mut PyObject) -> *mut PyObject;
        /// Call method `name` on `args[0]` using vectorcall conventions; new reference, or NULL with an exception set.
        fn PyObject_VectorcallMethod(name: *mut PyObject, args: *const *mut PyObject, nargsf: usize, kwnames: *mut PyObject) -> *mut PyObject;
        /// Call `callable` through its vectorcall slot with a `tuple` and optional `dict` of arguments; new ref or NULL.
        fn PyVectorcall_Call(callable: *mut PyObject, tuple: *mut PyObject, dict: *mut PyObject) -> *mut PyObject;
        /// Return the real positional-argument count encoded in `nargsf` (strips the offset flag).
        [opt] fn PyVectorcall_NARGS(nargsf: usize) -> Py_ssize_t;
        /// Vectorcall `callable` with keyword arguments given as a dict `kwargs`; new reference, or NULL on error.
        [opt] fn PyObject_VectorcallDict(callable: *mut PyObject, args: *const *mut PyObject, nargsf: usize, kwargs: *mut PyObject) -> *mut PyObject;
        /// Call `callable(arg)`; new reference, or NULL with an exception set.
        [opt] fn PyObject_CallOneArg(callable: *mut PyObject, arg: *mut PyObject) -> *mut PyObject;
        /// Call `obj.name()` with no arguments; new reference, or NULL with an exception set.
        [opt] fn PyObject_CallMethodNoArgs(obj: *mut PyObject, name: *mut PyObject) -> *mut PyObject;
        /// Call `obj.name(arg)`; new reference, or NULL with an exception set.
        [opt] fn PyObject_CallMethodOneArg(obj: *mut PyObject, name: *mut PyObject, arg: *mut PyObject) -> *mut PyObject;
    }
    page "capsule" {
        /// Return the context pointer of `capsule`; NULL may be valid, so check `PyErr_Occurred` on NULL.
        fn PyCapsule_GetContext(capsule: *mut PyObject) -> *mut c_void;
        /// Return the destructor of `capsule`; NULL may be valid, so check `PyErr_Occurred` on NULL.
        fn PyCapsule_GetDestructor(capsule: *mut PyObject) -> PyCapsule_Destructor;
        /// Return the name of `capsule` (borrowed C string); NULL may be valid, so check `PyErr_Occurred`.
        fn PyCapsule_GetName(capsule: *mut PyObject) -> *const c_char;
        /// Return the pointer in `capsule` if its name matches `name`, else NULL with an exception set.
        fn PyCapsule_GetPointer(capsule: *mut PyObject, name: *const c_char) -> *mut c_void;
        /// Import a capsule from a dotted `module.attr` `name` and return its pointer, or NULL on error; `no_block` is ignored.
        fn PyCapsule_Import(name: *const c_char, no_block: c_int) -> *mut c_void;
        /// Return nonzero if `capsule` is a valid capsule named `name` with a non-NULL pointer; never fails.
        fn PyCapsule_IsValid(capsule: *mut PyObject, name: *const c_char) -> c_int;
        /// Wrap non-NULL `pointer` in a new capsule named `name` with optional `destructor`; new reference or NULL.
        fn PyCapsule_New(pointer: *mut c_void, name: *const c_char, destructor: PyCapsule_Destructor) -> *mut PyObject;
        /// Set the context pointer of `capsule`; 0 on success, nonzero with an exception set on failure.
        fn PyCapsule_SetContext(capsule: *mut PyObject, context: *mut c_void) -> c_int;
        /// Set the destructor of `capsule`; 0 on success, nonzero with an exception set on failure.
        fn PyCapsule_SetDestructor(capsule: *mut PyObject, destructor: PyCapsule_Destructor) -> c_int;
        /// Set the name of `capsule` (must outlive it); 0 on success, nonzero with an exception set on failure.
        fn PyCapsule_SetName(capsule: *mut PyObject, name: *const c_char) -> c_int;
        /// Replace the non-NULL pointer stored in `capsule`; 0 on success, nonzero with an exception set on failure.
        fn PyCapsule_SetPointer(capsule: *mut PyObject, pointer: *mut c_void) -> c_int;
        statics {
            /// The type object of capsules (`PyCapsule`).
            PyCapsule_Type: PyTypeObject;
        }
    }
    page "codec" {
        /// The `backslashreplace` error handler: replace bad data in `exc` with backslash escapes.
        fn PyCodec_BackslashReplaceErrors(exc: *mut PyObject) -> *mut PyObject;
        /// Decode `object` with the codec for `encoding` and `errors` policy; new reference, or NULL with an exception set.
        fn PyCodec_Decode(object: *mut PyObject, encoding: *const c_char, errors: *const c_char) -> *mut PyObject;
        /// Look up the decoder function for `encoding`; new reference, or NULL with an exception set.
        fn PyCodec_Decoder(encoding: *const c_char) -> *mut PyObject;
        /// Encode `object` with the codec for `encoding` and `errors` policy; new reference, or NULL with an exception set.
        fn PyCodec_Encode(object: *mut PyObject, encoding: *const c_char, errors: *const c_char) -> *mut PyObject;
        /// Look up the encoder function for `encoding`; new reference, or NULL with an exception set.
        fn PyCodec_Encoder(encoding: *const c_char) -> *mut PyObject;
        /// The `ignore` error handler: skip the malformed data described by `exc`.
        fn PyCodec_IgnoreErrors(exc: *mut PyObject) -> *mut PyObject;
        /// Create an incremental decoder for `encoding` with `errors` policy; new reference or NULL on error.
        fn PyCodec_IncrementalDecoder(encoding: *const c_char, errors: *const c_char) -> *mut PyObject;
        /// Create an incremental encoder for `encoding` with `errors` policy; new reference or NULL on error.
        fn PyCodec_IncrementalEncoder(encoding: *const c_char, errors: *const c_char) -> *mut PyObject;
        /// Return 1 if a codec is registered for `encoding`, else 0; never fails.
        fn PyCodec_KnownEncoding(encoding: *const c_char) -> c_int;
        /// Return the error handler registered as `name` (NULL means `strict`); new reference, NULL with `LookupError`.
        fn PyCodec_LookupError(name: *const c_char) -> *mut PyObject;
        /// The `namereplace` error handler: replace unencodable characters in `exc` with `\N{...}` escapes.
        fn PyCodec_NameReplaceErrors(exc: *mut PyObject) -> *mut PyObject;
        /// Register a new codec `search_function`; 0 on success, -1 with an exception set.
        fn PyCodec_Register(search_function: *mut PyObject) -> c_int;
        /// Register callable `error` as the codec error handler `name`; 0 on success, -1 with an exception set.
        fn PyCodec_RegisterError(name: *const c_char, error: *mut PyObject) -> c_int;
        /// The `replace` error handler: substitute `?` or U+FFFD for the bad data in `exc`.
        fn PyCodec_ReplaceErrors(exc: *mut PyObject) -> *mut PyObject;
        /// Create a `StreamReader` for `encoding` reading from `stream`; new reference or NULL on error.
        fn PyCodec_StreamReader(encoding: *const c_char, stream: *mut PyObject, errors: *const c_char) -> *mut PyObject;
        /// Create a `StreamWriter` for `encoding` writing to `stream`; new reference or NULL on error.
        fn PyCodec_StreamWriter(encoding: *const c_char, stream: *mut PyObject, errors: *const c_char) -> *mut PyObject;
        /// The `strict` error handler: raise `exc`; always returns NULL.
        fn PyCodec_StrictErrors(exc: *mut PyObject) -> *mut PyObject;
        /// Unregister a codec `search_function` (3.10+); 0 on success, -1 on error; does nothing if not found.
        [opt] fn PyCodec_Unregister(search_function: *mut PyObject) -> c_int;
        /// The `xmlcharrefreplace` error handler: replace unencodable characters in `exc` with `&#NNN;` refs.
        fn PyCodec_XMLCharRefReplaceErrors(exc: *mut PyObject) -> *mut PyObject;
    }
    page "complex" {
        /// New complex object from `real` and `imag` parts; new reference, or NULL with an exception set.
        fn PyComplex_FromDoubles(real: f64, imag: f64) -> *mut PyObject;
        /// Return the imaginary part of `op` as a C double (0.0 for real numbers); -1.0 with an exception on error.
        fn PyComplex_ImagAsDouble(op: *mut PyObject) -> f64;
        /// Return the real part of `op` as a C double; -1.0 with an exception set on error.
        fn PyComplex_RealAsDouble(op: *mut PyObject) -> f64;
        statics {
            /// The `complex` type object.
            PyComplex_Type: PyTypeObject;
        }
    }
    page "conversion" {
        /// Format `val` into a `PyMem_Malloc`ed string (free with `PyMem_Free`); NULL with `MemoryError` on failure.
        fn PyOS_double_to_string(val: f64, format_code: c_char, precision: c_int, flags: c_int, ptype: *mut c_int) -> *mut c_char;
        /// Compare C strings `s1` and `s2` ignoring ASCII case, like `strcasecmp` (`PyOS_stricmp`).
        fn PyOS_mystricmp(s1: *const c_char, s2: *const c_char) -> c_int;
        /// Compare at most `size` chars of `s1` and `s2` ignoring ASCII case (`PyOS_strnicmp`).
        fn PyOS_mystrnicmp(s1: *const c_char, s2: *const c_char, size: Py_ssize_t) -> c_int;
        /// Locale-independent `snprintf` into `str_` of `size` bytes, always NUL-terminated; printf-style arguments follow.
        [var] fn PyOS_snprintf(str_: *mut c_char, size: usize, format: *const c_char) -> c_int;
        /// Parse a float from `str_`; -1.0 with an exception on error, or `overflow_exception` on overflow if given.
        fn PyOS_string_to_double(str_: *const c_char, endptr: *mut *mut c_char, overflow_exception: *mut PyObject) -> f64;
        /// Convert C string `str_` to a `long` in `base`, storing the end in `*ptr`; sets `errno` on error.
        fn PyOS_strtol(str_: *const c_char, ptr: *mut *mut c_char, base: c_int) -> c_long;
        /// Convert C string `str_` to an `unsigned long` in `base`, storing the end in `*ptr`; sets `errno` on error.
        fn PyOS_strtoul(str_: *const c_char, ptr: *mut *mut c_char, base: c_int) -> c_ulong;
        /// `va_list` form of `PyOS_snprintf`: format into `str_` of `size` bytes, always NUL-terminated.
        fn PyOS_vsnprintf(str_: *mut c_char, size: usize, format: *const c_char, va: va_list) -> c_int;
    }
    page "descriptor" {
        /// Create a class-method descriptor for `method` on `type_`; new reference, or NULL with an exception set.
        fn PyDescr_NewClassMethod(type_: *mut PyTypeObject, method: *mut PyMethodDef) -> *mut PyObject;
        /// Create a getset descriptor for `getset` on `type_`; new reference, or NULL with an exception set.
        fn PyDescr_NewGetSet(type_: *mut PyTypeObject, getset: *mut PyGetSetDef) -> *mut PyObject;
        /// Create a member descriptor for `member` on `type_`; new reference, or NULL with an exception set.
        fn PyDescr_NewMember(type_: *mut PyTypeObject, member: *mut PyMemberDef) -> *mut PyObject;
        /// Create a method descriptor for `method` on `type_`; new reference, or NULL with an exception set.
        fn PyDescr_NewMethod(type_: *mut PyTypeObject, method: *mut PyMethodDef) -> *mut PyObject;
        /// Bind wrapper descriptor `descr` to `obj`, giving a `method-wrapper`; new reference or NULL on error.
        fn PyWrapper_New(descr: *mut PyObject, obj: *mut PyObject) -> *mut PyObject;
        statics {
            /// The type object of built-in class-method descriptors (`classmethod_descriptor`).
            PyClassMethodDescr_Type: PyTypeObject;
            /// The type object of getset descriptors (`getset_descriptor`).
            PyGetSetDescr_Type: PyTypeObject;
            /// The type object of member descriptors (`member_descriptor`).
            PyMemberDescr_Type: PyTypeObject;
            /// The `property` type object.
            PyProperty_Type: PyTypeObject;
            /// The type object of slot wrapper descriptors (`wrapper_descriptor`).
            PyWrapperDescr_Type: PyTypeObject;
        }
    }
    page "dict" {
        /// Return a read-only `mappingproxy` view of `mapping`; new reference, or NULL with an exception set.
        fn PyDictProxy_New(mapping: *mut PyObject) -> *mut PyObject;
        /// Remove all items from dict `mp`.
        fn PyDict_Clear(mp: *mut PyObject) -> ();
        /// Return 1 if `key` is in dict `mp`, 0 if not, -1 with an exception set on error.
        fn PyDict_Contains(mp: *mut PyObject, key: *mut PyObject) -> c_int;
        /// Return a shallow copy of dict `mp` as a new reference, or NULL with an exception set.
        fn PyDict_Copy(mp: *mut PyObject) -> *mut PyObject;
        /// Delete `key` from dict `mp`; 0 on success, -1 with an exception (`KeyError` if missing).
        fn PyDict_DelItem(mp: *mut PyObject, key: *mut PyObject) -> c_int;
        /// Delete the C-string `key` from dict `dp`; 0 on success, -1 with an exception set.
        fn PyDict_DelItemString(dp: *mut PyObject, key: *const c_char) -> c_int;
        /// Return `mp[key]` as a borrowed reference, or NULL if absent; errors are suppressed (prefer `PyDict_GetItemRef`).
        fn PyDict_GetItem(mp: *mut PyObject, key: *mut PyObject) -> *mut PyObject;
        /// Look up `key`, storing a new reference in `*result`; 1 if found, 0 if missing (NULL stored), -1 on error (3.13+).
        [opt] fn PyDict_GetItemRef(mp: *mut PyObject, key: *mut PyObject, result: *mut *mut PyObject) -> c_int;
        /// Return `dp[key]` for a C-string `key` as a borrowed reference or NULL; errors are suppressed.
        fn PyDict_GetItemString(dp: *mut PyObject, key: *const c_char) -> *mut PyObject;
        /// Like `PyDict_GetItemRef` with a C-string `key`; 1 found, 0 missing, -1 on error (3.13+).
        [opt] fn PyDict_GetItemStringRef(mp: *mut PyObject, key: *const c_char, result: *mut *mut PyObject) -> c_int;
        /// Return `mp[key]` as a borrowed reference; NULL without an exception if missing, with one on error.
        fn PyDict_GetItemWithError(mp: *mut PyObject, key: *mut PyObject) -> *mut PyObject;
        /// Return a new list of the `(key, value)` tuples of dict `mp`, or NULL with an exception set.
        fn PyDict_Items(mp: *mut PyObject) -> *mut PyObject;
        /// Return a new list of the keys of dict `mp`, or NULL with an exception set.
        fn PyDict_Keys(mp: *mut PyObject) -> *mut PyObject;
        /// Merge mapping `other` into `mp`, replacing existing keys only if `override_` is nonzero; 0, or -1 on error.
        fn PyDict_Merge(mp: *mut PyObject, other: *mut PyObject, override_: c_int) -> c_int;
        /// Merge key/value pairs from iterable `seq2` into `d` (`override_` replaces existing keys); 0, or -1 on error.
        fn PyDict_MergeFromSeq2(d: *mut PyObject, seq2: *mut PyObject, override_: c_int) -> c_int;
        /// Return a new empty dict, or NULL with an exception set.
        fn PyDict_New() -> *mut PyObject;
        /// Iterate dict `mp` from `*pos`, setting borrowed `key`/`value`; returns true while items remain.
        fn PyDict_Next(mp: *mut PyObject, pos: *mut Py_ssize_t, key: *mut *mut PyObject, value: *mut *mut PyObject) -> c_int;
        /// Set `mp[key] = item` without stealing either reference; 0, or -1 with an exception set.
        fn PyDict_SetItem(mp: *mut PyObject, key: *mut PyObject, item: *mut PyObject) -> c_int;
        /// Set `dp[key] = item` for a C-string `key` (no reference stolen); 0, or -1 with an exception set.
        fn PyDict_SetItemString(dp: *mut PyObject, key: *const c_char, item: *mut PyObject) -> c_int;
        /// Return the number of items in dict `mp`, or -1 with an exception set.
        fn PyDict_Size(mp: *mut PyObject) -> Py_ssize_t;
        /// Update dict `mp` from mapping `other`, overwriting existing keys; 0, or -1 with an exception set.
        fn PyDict_Update(mp: *mut PyObject, other: *mut PyObject) -> c_int;
        /// Return a new list of the values of dict `mp`, or NULL with an exception set.
        fn PyDict_Values(mp: *mut PyObject) -> *mut PyObject;
        /// Like `dict.setdefault`: return `mp[key]` (inserting `defaultobj` if absent) as a borrowed ref; NULL on error.
        [opt] fn PyDict_SetDefault(mp: *mut PyObject, key: *mut PyObject, defaultobj: *mut PyObject) -> *mut PyObject;
        /// Remove `key`, storing its value as a new ref in `*result` if non-NULL; 1 found, 0 missing, -1 on error (3.13+).
        [opt] fn PyDict_Pop(dict: *mut PyObject, key: *mut PyObject, result: *mut *mut PyObject) -> c_int;
        statics {
            /// The type object of `dict.items()` views (`dict_items`).
            PyDictItems_Type: PyTypeObject;
            /// The type object of dict item iterators (`dict_itemiterator`).
            PyDictIterItem_Type: PyTypeObject;
            /// The type object of dict key iterators (`dict_keyiterator`).
            PyDictIterKey_Type: PyTypeObject;
            /// The type object of dict value iterators (`dict_valueiterator`).
            PyDictIterValue_Type: PyTypeObject;
            /// The type object of `dict.keys()` views (`dict_keys`).
            PyDictKeys_Type: PyTypeObject;
            /// The `types.MappingProxyType` (`mappingproxy`) type object.
            PyDictProxy_Type: PyTypeObject;
            /// The type object of reversed dict item iterators (`dict_reverseitemiterator`).
            PyDictRevIterItem_Type: PyTypeObject;
            /// The type object of reversed dict key iterators (`dict_reversekeyiterator`).
            PyDictRevIterKey_Type: PyTypeObject;
            /// The type object of reversed dict value iterators (`dict_reversevalueiterator`).
            PyDictRevIterValue_Type: PyTypeObject;
            /// The type object of `dict.values()` views (`dict_values`).
            PyDictValues_Type: PyTypeObject;
            /// The `dict` type object.
            PyDict_Type: PyTypeObject;
        }
    }
    page "exceptions" {
        /// Raise `TypeError` for a bad argument to a built-in operation; always returns 0.
        fn PyErr_BadArgument() -> c_int;
        /// Raise `SystemError` reporting that a C API function was called with an invalid argument.
        fn PyErr_BadInternalCall() -> ();
        /// Run pending Python signal handlers; 0, or -1 with an exception (e.g. `KeyboardInterrupt`) set.
        fn PyErr_CheckSignals() -> c_int;
        /// Clear the error indicator; does nothing if no exception is set.
        fn PyErr_Clear() -> ();
        /// Print the exception triple `exc`, `value`, `tb` with its traceback to `sys.stderr` (legacy form).
        fn PyErr_Display(exc: *mut PyObject, value: *mut PyObject, tb: *mut PyObject) -> ();
        /// Print exception `exc` with its traceback to `sys.stderr` (3.12+).
        [opt] fn PyErr_DisplayException(exc: *mut PyObject) -> ();
        /// Return nonzero if the currently raised exception matches `exc` (class or tuple); call only when one is set.
        fn PyErr_ExceptionMatches(exc: *mut PyObject) -> c_int;
        /// Move the error indicator into `ptype`/`pvalue`/`ptraceback` as new references and clear it; deprecated in 3.12.
        fn PyErr_Fetch(ptype: *mut *mut PyObject, pvalue: *mut *mut PyObject, ptraceback: *mut *mut PyObject) -> ();
        /// Raise `exception` with a message from printf-style `format` and the arguments that follow; always returns NULL.
        [var] fn PyErr_Format(exception: *mut PyObject, format: *const c_char) -> *mut PyObject;
        /// `va_list` form of `PyErr_Format`; always returns NULL.
        fn PyErr_FormatV(exception: *mut PyObject, format: *const c_char, vargs: va_list) -> *mut PyObject;
        /// Store `sys.exc_info()` as new references (possibly NULL) in the three outputs; legacy, see `PyErr_GetHandledException`.
        fn PyErr_GetExcInfo(ptype: *mut *mut PyObject, pvalue: *mut *mut PyObject, ptraceback: *mut *mut PyObject) -> ();
        /// Return the exception currently being handled (`sys.exception()`) as a new reference, or NULL (3.11+).
        [opt] fn PyErr_GetHandledException() -> *mut PyObject;
        /// Return the raised exception as a new reference and clear the indicator; NULL if none is set (3.12+).
        [opt] fn PyErr_GetRaisedException() -> *mut PyObject;
        /// Return nonzero if exception `given` matches `exc` (a class or tuple of classes), else 0.
        fn PyErr_GivenExceptionMatches(given: *mut PyObject, exc: *mut PyObject) -> c_int;
        /// Create a new exception class `name` ("module.Class") with optional `base` and `dict`; new reference or NULL.
        fn PyErr_NewException(name: *const c_char, base: *mut PyObject, dict: *mut PyObject) -> *mut PyObject;
        /// Like `PyErr_NewException` but also sets the class docstring to `doc`; new reference or NULL.
        fn PyErr_NewExceptionWithDoc(name: *const c_char, doc: *const c_char, base: *mut PyObject, dict: *mut PyObject) -> *mut PyObject;
        /// Raise `MemoryError`; always returns NULL.
        fn PyErr_NoMemory() -> *mut PyObject;
        /// Normalise an exception triple in place so the value is an instance of the type; deprecated in 3.12.
        fn PyErr_NormalizeException(exc: *mut *mut PyObject, val: *mut *mut PyObject, tb: *mut *mut PyObject) -> ();
        /// Return the type of the currently raised exception (borrowed reference), or NULL if none is set.
        fn PyErr_Occurred() -> *mut PyObject;
        /// Print the current exception with traceback to `sys.stderr` and clear it; same as `PyErr_PrintEx(1)`.
        fn PyErr_Print() -> ();
        /// Print and clear the current exception; if `set_sys_last_vars` is nonzero also store it in `sys.last_exc` etc.
        fn PyErr_PrintEx(set_sys_last_vars: c_int) -> ();
        /// Return line `lineno` of source file `filename` as a new str reference, or NULL if unavailable.
        fn PyErr_ProgramText(filename: *const c_char, lineno: c_int) -> *mut PyObject;
        /// Issue a `ResourceWarning` about `source` with a printf-style message; 0, or -1 if it became an exception.
        [var] fn PyErr_ResourceWarning(source: *mut PyObject, stack_level: Py_ssize_t, format: *const c_char) -> c_int;
        /// Set the error indicator from the triple, stealing all three references; deprecated in 3.12.
        fn PyErr_Restore(type_: *mut PyObject, value: *mut PyObject, traceback: *mut PyObject) -> ();
        /// Set `sys.exc_info()` from the triple, stealing all three references; legacy, see `PyErr_SetHandledException`.
        fn PyErr_SetExcInfo(type_: *mut PyObject, value: *mut PyObject, traceback: *mut PyObject) -> ();
        /// Raise `type_` built from the C `errno` value and its message; always returns NULL.
        fn PyErr_SetFromErrno(type_: *mut PyObject) -> *mut PyObject;
        /// Like `PyErr_SetFromErrno` with a C-string `filename` (decoded from the FS encoding); always returns NULL.
        fn PyErr_SetFromErrnoWithFilename(exc: *mut PyObject, filename: *const c_char) -> *mut PyObject;
        /// Like `PyErr_SetFromErrno` with `filename_object` passed to the exception; always returns NULL.
        fn PyErr_SetFromErrnoWithFilenameObject(type_: *mut PyObject, filename_object: *mut PyObject) -> *mut PyObject;
        /// Like `PyErr_SetFromErrnoWithFilenameObject` with a second filename; always returns NULL.
        fn PyErr_SetFromErrnoWithFilenameObjects(type_: *mut PyObject, filename_object: *mut PyObject, filename_object2: *mut PyObject) -> *mut PyObject;
        /// Set the exception being handled (`sys.exception()`) to `exc`, or clear it with NULL; no steal (3.11+).
        [opt] fn PyErr_SetHandledException(exc: *mut PyObject) -> ();
        /// Raise `ImportError` with message `msg` and `name`/`path` attributes (may be NULL); always returns NULL.
        fn PyErr_SetImportError(msg: *mut PyObject, name: *mut PyObject, path: *mut PyObject) -> *mut PyObject;
        /// Like `PyErr_SetImportError` but raise the `ImportError` subclass `exception`; always returns NULL.
        fn PyErr_SetImportErrorSubclass(exception: *mut PyObject, msg: *mut PyObject, name: *mut PyObject, path: *mut PyObject) -> *mut PyObject;
        /// Simulate a `SIGINT` so `KeyboardInterrupt` is raised at the next signal check; GIL not needed.
        fn PyErr_SetInterrupt() -> ();
        /// Simulate the arrival of signal `signum` (3.10+); 0, or -1 if `signum` is invalid; GIL not needed.
        [opt] fn PyErr_SetInterruptEx(signum: c_int) -> c_int;
        /// Raise exception class `type_` with no value; like `PyErr_SetObject(type_, NULL)`.
        fn PyErr_SetNone(type_: *mut PyObject) -> ();
        /// Raise exception `type_` with `value` (no reference stolen).
        fn PyErr_SetObject(type_: *mut PyObject, value: *mut PyObject) -> ();
        /// Make `exc` the raised exception, replacing any existing one; steals a reference to `exc` (3.12+).
        [opt] fn PyErr_SetRaisedException(exc: *mut PyObject) -> ();
        /// Raise `exception` with the UTF-8 C-string message `string`.
        fn PyErr_SetString(exception: *mut PyObject, string: *const c_char) -> ();
        /// Set file and line information on the current `SyntaxError`; like the Ex form without a column.
        fn PyErr_SyntaxLocation(filename: *const c_char, lineno: c_int) -> ();
        /// Set `filename`, `lineno` and `col_offset` on the current `SyntaxError` exception.
        fn PyErr_SyntaxLocationEx(filename: *const c_char, lineno: c_int, col_offset: c_int) -> ();
        /// Issue a warning of `category` with `message`; 0, or -1 with an exception set if it was turned into an error.
        fn PyErr_WarnEx(category: *mut PyObject, message: *const c_char, stack_level: Py_ssize_t) -> c_int;
        /// Issue a warning with explicit location and `registry`, like `warnings.warn_explicit`; 0, or -1 on error.
        fn PyErr_WarnExplicit(category: *mut PyObject, message: *const c_char, filename: *const c_char, lineno: c_int, module: *const c_char, registry: *mut PyObject) -> c_int;
        /// Like `PyErr_WarnEx` with a printf-style message; 0, or -1 with an exception set on error.
        [var] fn PyErr_WarnFormat(category: *mut PyObject, stack_level: Py_ssize_t, format: *const c_char) -> c_int;
        /// Report and clear the current exception via `sys.unraisablehook`; `obj` gives context (may be NULL).
        fn PyErr_WriteUnraisable(obj: *mut PyObject) -> ();
        /// Return the `tp_name` of exception class `exc_class` as a borrowed C string.
        fn PyExceptionClass_Name(exc_class: *mut PyObject) -> *const c_char;
        /// Return `exc.args` as a new reference (3.12+).
        [opt] fn PyException_GetArgs(exc: *mut PyObject) -> *mut PyObject;
        /// Return `exc.__cause__` as a new reference, or NULL if unset (no exception set).
        fn PyException_GetCause(exc: *mut PyObject) -> *mut PyObject;
        /// Return `exc.__context__` as a new reference, or NULL if unset (no exception set).
        fn PyException_GetContext(exc: *mut PyObject) -> *mut PyObject;
        /// Return `exc.__traceback__` as a new reference, or NULL if unset (no exception set).
        fn PyException_GetTraceback(exc: *mut PyObject) -> *mut PyObject;
        /// Set `exc.args` to `args` (3.12+).
        [opt] fn PyException_SetArgs(exc: *mut PyObject, args: *mut PyObject) -> ();
        /// Set `exc.__cause__` to `cause` (NULL clears it), stealing a reference; also sets `__suppress_context__`.
        fn PyException_SetCause(exc: *mut PyObject, cause: *mut PyObject) -> ();
        /// Set `exc.__context__` to `ctx` (NULL clears it), stealing a reference to `ctx`.
        fn PyException_SetContext(exc: *mut PyObject, ctx: *mut PyObject) -> ();
        /// Set `exc.__traceback__` to `tb` (no steal); 0, or -1 with an exception set.
        fn PyException_SetTraceback(exc: *mut PyObject, tb: *mut PyObject) -> c_int;
        /// Add an entry for `frame` to the traceback of the current exception; 0, or -1 on error.
        fn PyTraceBack_Here(frame: *mut PyFrameObject) -> c_int;
        /// Print traceback `tb` to the file object `file`; 0, or -1 with an exception set.
        fn PyTraceBack_Print(tb: *mut PyObject, file: *mut PyObject) -> c_int;
        /// Create a `UnicodeDecodeError` for `object` bytes with range and `reason`; new reference or NULL.
        fn PyUnicodeDecodeError_Create(encoding: *const c_char, object: *const c_char, length: Py_ssize_t, start: Py_ssize_t, end: Py_ssize_t, reason: *const c_char) -> *mut PyObject;
        /// Return the `encoding` attribute of `UnicodeDecodeError` `exc` as a new reference, or NULL on error.
        fn PyUnicodeDecodeError_GetEncoding(exc: *mut PyObject) -> *mut PyObject;
        /// Store the `end` index of `UnicodeDecodeError` `exc` in `*end`; 0, or -1 with an exception set.
        fn PyUnicodeDecodeError_GetEnd(exc: *mut PyObject, end: *mut Py_ssize_t) -> c_int;
        /// Return the `object` attribute of `UnicodeDecodeError` `exc` as a new reference, or NULL on error.
        fn PyUnicodeDecodeError_GetObject(exc: *mut PyObject) -> *mut PyObject;
        /// Return the `reason` attribute of `UnicodeDecodeError` `exc` as a new reference, or NULL on error.
        fn PyUnicodeDecodeError_GetReason(exc: *mut PyObject) -> *mut PyObject;
        /// Store the `start` index of `UnicodeDecodeError` `exc` in `*start`; 0, or -1 with an exception set.
        fn PyUnicodeDecodeError_GetStart(exc: *mut PyObject, start: *mut Py_ssize_t) -> c_int;
        /// Set the `end` index of `UnicodeDecodeError` `exc`; 0, or -1 with an exception set.
        fn PyUnicodeDecodeError_SetEnd(exc: *mut PyObject, end: Py_ssize_t) -> c_int;
        /// Set the `reason` of `UnicodeDecodeError` `exc` from a UTF-8 C string; 0, or -1 with an exception set.
        fn PyUnicodeDecodeError_SetReason(exc: *mut PyObject, reason: *const c_char) -> c_int;
        /// Set the `start` index of `UnicodeDecodeError` `exc`; 0, or -1 with an exception set.
        fn PyUnicodeDecodeError_SetStart(exc: *mut PyObject, start: Py_ssize_t) -> c_int;
        /// Return the `encoding` attribute of `UnicodeEncodeError` `exc` as a new reference, or NULL on error.
        fn PyUnicodeEncodeError_GetEncoding(exc: *mut PyObject) -> *mut PyObject;
        /// Store the `end` index of `UnicodeEncodeError` `exc` in `*end`; 0, or -1 with an exception set.
        fn PyUnicodeEncodeError_GetEnd(exc: *mut PyObject, end: *mut Py_ssize_t) -> c_int;
        /// Return the `object` attribute of `UnicodeEncodeError` `exc` as a new reference, or NULL on error.
        fn PyUnicodeEncodeError_GetObject(exc: *mut PyObject) -> *mut PyObject;
        /// Return the `reason` attribute of `UnicodeEncodeError` `exc` as a new reference, or NULL on error.
        fn PyUnicodeEncodeError_GetReason(exc: *mut PyObject) -> *mut PyObject;
        /// Store the `start` index of `UnicodeEncodeError` `exc` in `*start`; 0, or -1 with an exception set.
        fn PyUnicodeEncodeError_GetStart(exc: *mut PyObject, start: *mut Py_ssize_t) -> c_int;
        /// Set the `end` index of `UnicodeEncodeError` `exc`; 0, or -1 with an exception set.
        fn PyUnicodeEncodeError_SetEnd(exc: *mut PyObject, end: Py_ssize_t) -> c_int;
        /// Set the `reason` of `UnicodeEncodeError` `exc` from a UTF-8 C string; 0, or -1 with an exception set.
        fn PyUnicodeEncodeError_SetReason(exc: *mut PyObject, reason: *const c_char) -> c_int;
        /// Set the `start` index of `UnicodeEncodeError` `exc`; 0, or -1 with an exception set.
        fn PyUnicodeEncodeError_SetStart(exc: *mut PyObject, start: Py_ssize_t) -> c_int;
        /// Store the `end` index of `UnicodeTranslateError` `exc` in `*end`; 0, or -1 with an exception set.
        fn PyUnicodeTranslateError_GetEnd(exc: *mut PyObject, end: *mut Py_ssize_t) -> c_int;
        /// Return the `object` attribute of `UnicodeTranslateError` `exc` as a new reference, or NULL on error.
        fn PyUnicodeTranslateError_GetObject(exc: *mut PyObject) -> *mut PyObject;
        /// Return the `reason` attribute of `UnicodeTranslateError` `exc` as a new reference, or NULL on error.
        fn PyUnicodeTranslateError_GetReason(exc: *mut PyObject) -> *mut PyObject;
        /// Store the `start` index of `UnicodeTranslateError` `exc` in `*start`; 0, or -1 with an exception set.
        fn PyUnicodeTranslateError_GetStart(exc: *mut PyObject, start: *mut Py_ssize_t) -> c_int;
        /// Set the `end` index of `UnicodeTranslateError` `exc`; 0, or -1 with an exception set.
        fn PyUnicodeTranslateError_SetEnd(exc: *mut PyObject, end: Py_ssize_t) -> c_int;
        /// Set the `reason` of `UnicodeTranslateError` `exc` from a UTF-8 C string; 0, or -1 with an exception set.
        fn PyUnicodeTranslateError_SetReason(exc: *mut PyObject, reason: *const c_char) -> c_int;
        /// Set the `start` index of `UnicodeTranslateError` `exc`; 0, or -1 with an exception set.
        fn PyUnicodeTranslateError_SetStart(exc: *mut PyObject, start: Py_ssize_t) -> c_int;
        /// Mark entry into a recursive C call; 0, or -1 with `RecursionError` (message suffix `where_`) set.
        fn Py_EnterRecursiveCall(where_: *const c_char) -> c_int;
        /// Return the current interpreter recursion limit (`sys.getrecursionlimit()`).
        fn Py_GetRecursionLimit() -> c_int;
        /// End a recursive call guarded by a successful `Py_EnterRecursiveCall`.
        fn Py_LeaveRecursiveCall() -> ();
        /// Guard `repr` recursion: 0 on first entry for `obj`, 1 if already being repr'd, -1 on error.
        fn Py_ReprEnter(obj: *mut PyObject) -> c_int;
        /// End the `repr` recursion guard for `obj` begun by a `Py_ReprEnter` that returned 0.
        fn Py_ReprLeave(obj: *mut PyObject) -> ();
        /// Set the interpreter recursion limit to `new_limit` (`sys.setrecursionlimit`).
        fn Py_SetRecursionLimit(new_limit: c_int) -> ();
        statics {
            /// The `ArithmeticError` exception class (a `PyObject *` variable).
            PyExc_ArithmeticError: *mut PyObject;
            /// The `AssertionError` exception class (a `PyObject *` variable).
            PyExc_AssertionError: *mut PyObject;
            /// The `AttributeError` exception class (a `PyObject *` variable).
            PyExc_AttributeError: *mut PyObject;
            /// The `BaseException` exception class (a `PyObject *` variable).
            PyExc_BaseException: *mut PyObject;
            /// The `BaseExceptionGroup` exception class, 3.11+ (a `PyObject *` variable).
            [opt] PyExc_BaseExceptionGroup: *mut PyObject;
            /// The `BlockingIOError` exception class (a `PyObject *` variable).
            PyExc_BlockingIOError: *mut PyObject;
            /// The `BrokenPipeError` exception class (a `PyObject *` variable).
            PyExc_BrokenPipeError: *mut PyObject;
            /// The `BufferError` exception class (a `PyObject *` variable).
            PyExc_BufferError: *mut PyObject;
            /// The `BytesWarning` warning category class (a `PyObject *` variable).
            PyExc_BytesWarning: *mut PyObject;
            /// The `ChildProcessError` exception class (a `PyObject *` variable).
            PyExc_ChildProcessError: *mut PyObject;
            /// The `ConnectionAbortedError` exception class (a `PyObject *` variable).
            PyExc_ConnectionAbortedError: *mut PyObject;
            /// The `ConnectionError` exception class (a `PyObject *` variable).
            PyExc_ConnectionError: *mut PyObject;
            /// The `ConnectionRefusedError` exception class (a `PyObject *` variable).
            PyExc_ConnectionRefusedError: *mut PyObject;
            /// The `ConnectionResetError` exception class (a `PyObject *` variable).
            PyExc_ConnectionResetError: *mut PyObject;
            /// The `DeprecationWarning` warning category class (a `PyObject *` variable).
            PyExc_DeprecationWarning: *mut PyObject;
            /// The `EOFError` exception class (a `PyObject *` variable).
            PyExc_EOFError: *mut PyObject;
            /// The `EncodingWarning` warning category class, 3.10+ (a `PyObject *` variable).
            [opt] PyExc_EncodingWarning: *mut PyObject;
            /// The `EnvironmentError` exception class, an alias of `OSError` (a `PyObject *` variable).
            PyExc_EnvironmentError: *mut PyObject;
            /// The `Exception` exception class (a `PyObject *` variable).
            PyExc_Exception: *mut PyObject;
            /// The `FileExistsError` exception class (a `PyObject *` variable).
            PyExc_FileExistsError: *mut PyObject;
            /// The `FileNotFoundError` exception class (a `PyObject *` variable).
            PyExc_FileNotFoundError: *mut PyObject;
            /// The `FloatingPointError` exception class (a `PyObject *` variable).
            PyExc_FloatingPointError: *mut PyObject;
            /// The `FutureWarning` warning category class (a `PyObject *` variable).
            PyExc_FutureWarning: *mut PyObject;
            /// The `GeneratorExit` exception class (a `PyObject *` variable).
            PyExc_GeneratorExit: *mut PyObject;
            /// The `IOError` exception class, an alias of `OSError` (a `PyObject *` variable).
            PyExc_IOError: *mut PyObject;
            /// The `ImportError` exception class (a `PyObject *` variable).
            PyExc_ImportError: *mut PyObject;
            /// The `ImportWarning` warning category class (a `PyObject *` variable).
            PyExc_ImportWarning: *mut PyObject;
            /// The `IndentationError` exception class (a `PyObject *` variable).
            PyExc_IndentationError: *mut PyObject;
            /// The `IndexError` exception class (a `PyObject *` variable).
            PyExc_IndexError: *mut PyObject;
            /// The `InterruptedError` exception class (a `PyObject *` variable).
            PyExc_InterruptedError: *mut PyObject;
            /// The `IsADirectoryError` exception class (a `PyObject *` variable).
            PyExc_IsADirectoryError: *mut PyObject;
            /// The `KeyError` exception class (a `PyObject *` variable).
            PyExc_KeyError: *mut PyObject;
            /// The `KeyboardInterrupt` exception class (a `PyObject *` variable).
            PyExc_KeyboardInterrupt: *mut PyObject;
            /// The `LookupError` exception class (a `PyObject *` variable).
            PyExc_LookupError: *mut PyObject;
            /// The `MemoryError` exception class (a `PyObject *` variable).
            PyExc_MemoryError: *mut PyObject;
            /// The `ModuleNotFoundError` exception class (a `PyObject *` variable).
            PyExc_ModuleNotFoundError: *mut PyObject;
            /// The `NameError` exception class (a `PyObject *` variable).
            PyExc_NameError: *mut PyObject;
            /// The `NotADirectoryError` exception class (a `PyObject *` variable).
            PyExc_NotADirectoryError: *mut PyObject;
            /// The `NotImplementedError` exception class (a `PyObject *` variable).
            PyExc_NotImplementedError: *mut PyObject;
            /// The `OSError` exception class (a `PyObject *` variable).
            PyExc_OSError: *mut PyObject;
            /// The `OverflowError` exception class (a `PyObject *` variable).
            PyExc_OverflowError: *mut PyObject;
            /// The `PendingDeprecationWarning` warning category class (a `PyObject *` variable).
            PyExc_PendingDeprecationWarning: *mut PyObject;
            /// The `PermissionError` exception class (a `PyObject *` variable).
            PyExc_PermissionError: *mut PyObject;
            /// The `ProcessLookupError` exception class (a `PyObject *` variable).
            PyExc_ProcessLookupError: *mut PyObject;
            /// The `RecursionError` exception class (a `PyObject *` variable).
            PyExc_RecursionError: *mut PyObject;
            /// The `ReferenceError` exception class (a `PyObject *` variable).
            PyExc_ReferenceError: *mut PyObject;
            /// The `ResourceWarning` warning category class (a `PyObject *` variable).
            PyExc_ResourceWarning: *mut PyObject;
            /// The `RuntimeError` exception class (a `PyObject *` variable).
            PyExc_RuntimeError: *mut PyObject;
            /// The `RuntimeWarning` warning category class (a `PyObject *` variable).
            PyExc_RuntimeWarning: *mut PyObject;
            /// The `StopAsyncIteration` exception class (a `PyObject *` variable).
            PyExc_StopAsyncIteration: *mut PyObject;
            /// The `StopIteration` exception class (a `PyObject *` variable).
            PyExc_StopIteration: *mut PyObject;
            /// The `SyntaxError` exception class (a `PyObject *` variable).
            PyExc_SyntaxError: *mut PyObject;
            /// The `SyntaxWarning` warning category class (a `PyObject *` variable).
            PyExc_SyntaxWarning: *mut PyObject;
            /// The `SystemError` exception class (a `PyObject *` variable).
            PyExc_SystemError: *mut PyObject;
            /// The `SystemExit` exception class (a `PyObject *` variable).
            PyExc_SystemExit: *mut PyObject;
            /// The `TabError` exception class (a `PyObject *` variable).
            PyExc_TabError: *mut PyObject;
            /// The `TimeoutError` exception class (a `PyObject *` variable).
            PyExc_TimeoutError: *mut PyObject;
            /// The `TypeError` exception class (a `PyObject *` variable).
            PyExc_TypeError: *mut PyObject;
            /// The `UnboundLocalError` exception class (a `PyObject *` variable).
            PyExc_UnboundLocalError: *mut PyObject;
            /// The `UnicodeDecodeError` exception class (a `PyObject *` variable).
            PyExc_UnicodeDecodeError: *mut PyObject;
            /// The `UnicodeEncodeError` exception class (a `PyObject *` variable).
            PyExc_UnicodeEncodeError: *mut PyObject;
            /// The `UnicodeError` exception class (a `PyObject *` variable).
            PyExc_UnicodeError: *mut PyObject;
            /// The `UnicodeTranslateError` exception class (a `PyObject *` variable).
            PyExc_UnicodeTranslateError: *mut PyObject;
            /// The `UnicodeWarning` warning category class (a `PyObject *` variable).
            PyExc_UnicodeWarning: *mut PyObject;
            /// The `UserWarning` warning category class (a `PyObject *` variable).
            PyExc_UserWarning: *mut PyObject;
            /// The `ValueError` exception class (a `PyObject *` variable).
            PyExc_ValueError: *mut PyObject;
            /// The `Warning` warning category class (a `PyObject *` variable).
            PyExc_Warning: *mut PyObject;
            /// The `ZeroDivisionError` exception class (a `PyObject *` variable).
            PyExc_ZeroDivisionError: *mut PyObject;
            /// The type object of traceback objects.
            PyTraceBack_Type: PyTypeObject;
        }
    }
    page "file" {
        /// Wrap file descriptor `fd` in a Python file object via `io.open()`; new reference, or NULL with an exception set.
        fn PyFile_FromFd(fd: c_int, name: *const c_char, mode: *const c_char, buffering: c_int, encoding: *const c_char, errors: *const c_char, newline: *const c_char, closefd: c_int) -> *mut PyObject;
        /// Read a line from `file` like `file.readline(max_len)` (EOFError at EOF if `max_len` < 0); new reference or NULL.
        fn PyFile_GetLine(file: *mut PyObject, max_len: c_int) -> *mut PyObject;
        /// Write `obj` to `file`, using `str()` if `flags` has Py_PRINT_RAW, else `repr()`; 0 on success, -1 on error.
        fn PyFile_WriteObject(obj: *mut PyObject, file: *mut PyObject, flags: c_int) -> c_int;
        /// Write the C string `text` to file object `file`; 0 on success, -1 with an exception set on failure.
        fn PyFile_WriteString(text: *const c_char, file: *mut PyObject) -> c_int;
        /// Get the file descriptor of `obj` (an int or an object with `fileno()`), or -1 with an exception set.
        fn PyObject_AsFileDescriptor(obj: *mut PyObject) -> c_int;
    }
    page "float" {
        /// Convert `pyfloat` (or an object with `__float__`/`__index__`) to a C double; -1.0 with an exception set on error.
        fn PyFloat_AsDouble(pyfloat: *mut PyObject) -> f64;
        /// Create a new `float` from the C double `v`; new reference, or NULL on failure.
        fn PyFloat_FromDouble(v: f64) -> *mut PyObject;
        /// Parse the str or bytes-like `str` into a new `float`; new reference, or NULL with an exception set.
        fn PyFloat_FromString(str: *mut PyObject) -> *mut PyObject;
        /// Return a `sys.float_info` struct sequence describing C double precision and limits; new reference.
        fn PyFloat_GetInfo() -> *mut PyObject;
        /// Return DBL_MAX, the largest finite value a C double can hold.
        fn PyFloat_GetMax() -> f64;
        /// Return DBL_MIN, the smallest positive normalized C double.
        fn PyFloat_GetMin() -> f64;
        statics {
            /// The `float` type object.
            PyFloat_Type: PyTypeObject;
        }
    }
    page "frame" {
        /// Return the code object run by `frame` as a new (strong) reference; never NULL.
        fn PyFrame_GetCode(frame: *mut PyFrameObject) -> *mut PyCodeObject;
        /// Return the source line number currently being executed in `frame`.
        fn PyFrame_GetLineNumber(frame: *mut PyFrameObject) -> c_int;
    }
    page "gcsupport" {
        /// Run a full garbage collection and return the number of unreachable objects found; 0 if GC is disabled.
        fn PyGC_Collect() -> Py_ssize_t;
        /// Turn off automatic garbage collection; returns 1 if it was enabled before, else 0.
        [opt] fn PyGC_Disable() -> c_int;
        /// Turn on automatic garbage collection; returns 1 if it was enabled before, else 0.
        [opt] fn PyGC_Enable() -> c_int;
        /// Return 1 if automatic garbage collection is enabled, else 0 (like `gc.isenabled()`).
        [opt] fn PyGC_IsEnabled() -> c_int;
        /// Release the memory of a GC-aware object allocated with PyObject_GC_New/PyObject_GC_NewVar.
        fn PyObject_GC_Del(op: *mut c_void) -> ();
        /// Return 1 if the garbage collector has already finalized `op` (ran its finalizer), else 0.
        fn PyObject_GC_IsFinalized(op: *mut PyObject) -> c_int;
        /// Return 1 if `op`'s type supports GC and `op` is currently tracked by the collector, else 0.
        fn PyObject_GC_IsTracked(op: *mut PyObject) -> c_int;
        /// Begin tracking container `op` in the garbage collector; call once all its fields are valid.
        fn PyObject_GC_Track(op: *mut c_void) -> ();
        /// Stop the garbage collector from tracking `op`; usually the first step of a `tp_dealloc`.
        fn PyObject_GC_UnTrack(op: *mut c_void) -> ();
    }
    page "import" {
        /// Get `sys.modules[name]`, inserting a new empty module if absent; borrowed reference, NULL on error.
        fn PyImport_AddModule(name: *const c_char) -> *mut PyObject;
        /// Like PyImport_AddModule but `name` is a str object; borrowed reference, NULL with an exception set.
        fn PyImport_AddModuleObject(name: *mut PyObject) -> *mut PyObject;
        /// Get `sys.modules[name]`, inserting an empty module if absent; new (strong) reference, NULL on error.
        [opt] fn PyImport_AddModuleRef(name: *const c_char) -> *mut PyObject;
        /// Register built-in module `name` with init function `initfunc` before Py_Initialize; 0 on success, -1 on failure.
        fn PyImport_AppendInittab(name: *const c_char, initfunc: Option<unsafe extern "C" fn() -> *mut PyObject>) -> c_int;
        /// Run code object `co` as the body of module `name` (created if needed); new reference, NULL on error.
        fn PyImport_ExecCodeModule(name: *const c_char, co: *mut PyObject) -> *mut PyObject;
        /// Like PyImport_ExecCodeModule, additionally using `pathname` for the module's `__file__`.
        fn PyImport_ExecCodeModuleEx(name: *const c_char, co: *mut PyObject, pathname: *const c_char) -> *mut PyObject;
        /// Like PyImport_ExecCodeModuleEx with str arguments; `cpathname` sets `__cached__`. New reference or NULL.
        fn PyImport_ExecCodeModuleObject(name: *mut PyObject, co: *mut PyObject, pathname: *mut PyObject, cpathname: *mut PyObject) -> *mut PyObject;
        /// Like PyImport_ExecCodeModuleObject, but `name`, `pathname` and `cpathname` are C strings.
        fn PyImport_ExecCodeModuleWithPathnames(name: *const c_char, co: *mut PyObject, pathname: *const c_char, cpathname: *const c_char) -> *mut PyObject;
        /// Return the finder for path entry `path`, cached in `sys.path_importer_cache`; new reference, NULL on error.
        fn PyImport_GetImporter(path: *mut PyObject) -> *mut PyObject;
        /// Return the magic number that starts .pyc bytecode files, or -1 on error.
        fn PyImport_GetMagicNumber() -> c_long;
        /// Return the PEP 3147 tag for .pyc file names (e.g. "cpython-312"); static string, do not free.
        fn PyImport_GetMagicTag() -> *const c_char;
        /// Look up already-imported module `name` in `sys.modules`; new reference, NULL (no exception) if not present.
        fn PyImport_GetModule(name: *mut PyObject) -> *mut PyObject;
        /// Return the current interpreter's `sys.modules` dict as a borrowed reference.
        fn PyImport_GetModuleDict() -> *mut PyObject;
        /// Import module `name` (a str) through the current `__import__` hook; new reference, or NULL with an exception set.
        fn PyImport_Import(name: *mut PyObject) -> *mut PyObject;
        /// Load frozen module `name`; 1 if loaded, 0 if no such frozen module, -1 with an exception set on error.
        fn PyImport_ImportFrozenModule(name: *const c_char) -> c_int;
        /// Like PyImport_ImportFrozenModule with a str `name`; 1 loaded, 0 not found, -1 on error.
        fn PyImport_ImportFrozenModuleObject(name: *mut PyObject) -> c_int;
        /// Import module `name` (UTF-8 C string); new reference, or NULL with an exception set.
        fn PyImport_ImportModule(name: *const c_char) -> *mut PyObject;
        /// Import `name` like `__import__()` with `globals`, `locals`, `fromlist` and `level`; new reference or NULL.
        fn PyImport_ImportModuleLevel(name: *const c_char, globals: *mut PyObject, locals: *mut PyObject, fromlist: *mut PyObject, level: c_int) -> *mut PyObject;
        /// Like PyImport_ImportModuleLevel with a str `name`; new reference, or NULL with an exception set.
        fn PyImport_ImportModuleLevelObject(name: *mut PyObject, globals: *mut PyObject, locals: *mut PyObject, fromlist: *mut PyObject, level: c_int) -> *mut PyObject;
        /// Alias of PyImport_ImportModule kept for compatibility; deprecated since 3.13 and removed in 3.15.
        [opt] fn PyImport_ImportModuleNoBlock(name: *const c_char) -> *mut PyObject;
        /// Reload module `m` (like `importlib.reload()`); new reference to the result, or NULL with an exception set.
        fn PyImport_ReloadModule(m: *mut PyObject) -> *mut PyObject;
    }
    page "init" {
        /// Begin the critical section of `op` in `c` (3.13+): on free-threaded builds, lock `op`'s per-object mutex (suspended while the thread detaches); nothing on GIL builds; `c` must not move until PyCriticalSection_End.
        [opt] fn PyCriticalSection_Begin(c: *mut PyCriticalSection, op: *mut PyObject) -> ();
        /// End the critical section `c`, begun by PyCriticalSection_Begin and this thread's innermost (3.13+).
        [opt] fn PyCriticalSection_End(c: *mut PyCriticalSection) -> ();
        /// Take the GIL and make `tstate` (non-NULL) the current thread state; may end the thread during shutdown.
        [unwind] fn PyEval_AcquireThread(tstate: *mut PyThreadState) -> ();
        /// Deprecated no-op since 3.9; the GIL is already created by Py_Initialize.
        [opt] fn PyEval_InitThreads() -> ();
        /// Clear the current thread state (which must be `tstate`) and release the GIL.
        fn PyEval_ReleaseThread(tstate: *mut PyThreadState) -> ();
        /// Take the GIL and make `tstate` current, undoing PyEval_SaveThread; may end the thread during shutdown.
        [unwind] fn PyEval_RestoreThread(tstate: *mut PyThreadState) -> ();
        /// Release the GIL and clear the current thread state; returns the old state for PyEval_RestoreThread.
        fn PyEval_SaveThread() -> *mut PyThreadState;
        /// Make the calling thread (any thread) able to use the C API, taking the GIL; pair with PyGILState_Release.
        [unwind] fn PyGILState_Ensure() -> PyGILState_STATE;
        /// Return the calling thread's thread state used by the PyGILState API, or NULL if it has none.
        fn PyGILState_GetThisThreadState() -> *mut PyThreadState;
        /// Undo the matching PyGILState_Ensure, restoring the GIL state in `oldstate`.
        fn PyGILState_Release(oldstate: PyGILState_STATE) -> ();
        /// Reset all data held by interpreter state `interp`; the GIL must be held.
        fn PyInterpreterState_Clear(interp: *mut PyInterpreterState) -> ();
        /// Free interpreter state `interp`, which must already be cleared; the GIL need not be held.
        fn PyInterpreterState_Delete(interp: *mut PyInterpreterState) -> ();
        /// Return the current interpreter state; fatal error if there is no current thread state.
        fn PyInterpreterState_Get() -> *mut PyInterpreterState;
        /// Return a dict for per-interpreter extension data as a borrowed reference; NULL (no exception) if unavailable.
        fn PyInterpreterState_GetDict(interp: *mut PyInterpreterState) -> *mut PyObject;
        /// Return the unique ID of `interp`, or -1 with an exception set on error.
        fn PyInterpreterState_GetID(interp: *mut PyInterpreterState) -> i64;
        /// Create a new, empty interpreter state object.
        fn PyInterpreterState_New() -> *mut PyInterpreterState;
        /// Reset all data held by thread state `tstate`; requires an attached thread state (GIL held).
        fn PyThreadState_Clear(tstate: *mut PyThreadState) -> ();
        /// Free thread state `tstate`, which must have been cleared and must not be the current one.
        fn PyThreadState_Delete(tstate: *mut PyThreadState) -> ();
        /// Free the current thread state and release the GIL.
        fn PyThreadState_DeleteCurrent() -> ();
        /// Return the current thread state; fatal error if there is none (the GIL must be held).
        fn PyThreadState_Get() -> *mut PyThreadState;
        /// Return a dict for per-thread extension data as a borrowed reference; NULL (no exception) if no thread state.
        fn PyThreadState_GetDict() -> *mut PyObject;
        /// Return the frame currently executing in `tstate` as a new reference, or NULL if none.
        fn PyThreadState_GetFrame(tstate: *mut PyThreadState) -> *mut PyFrameObject;
        /// Return the unique identifier of thread state `tstate`.
        fn PyThreadState_GetID(tstate: *mut PyThreadState) -> u64;
        /// Return the interpreter that thread state `tstate` belongs to.
        fn PyThreadState_GetInterpreter(tstate: *mut PyThreadState) -> *mut PyInterpreterState;
        /// Create a thread state belonging to `interp`; the GIL need not be held.
        fn PyThreadState_New(interp: *mut PyInterpreterState) -> *mut PyThreadState;
        /// Schedule exception `exc` (NULL clears it) in thread `id`; returns the number of thread states changed.
        fn PyThreadState_SetAsyncExc(id: c_ulong, exc: *mut PyObject) -> c_int;
        /// Make `tstate` (may be NULL) the current thread state and return the previous one.
        fn PyThreadState_Swap(tstate: *mut PyThreadState) -> *mut PyThreadState;
        /// Return `sys.thread_info` describing the threading implementation; new reference, NULL on error.
        fn PyThread_GetInfo() -> *mut PyObject;
        /// Legacy TLS API: reinitialize thread-local storage after fork; now a no-op, deprecated since 3.7.
        fn PyThread_ReInitTLS() -> ();
        /// Acquire `lock`, blocking if `waitflag` is nonzero; returns 1 if acquired, 0 otherwise. GIL not needed.
        fn PyThread_acquire_lock(lock: PyThread_type_lock, waitflag: c_int) -> c_int;
        /// Acquire `lock`, waiting up to `microseconds` (-1 = forever), interruptible if `intr_flag`; returns a PyLockStatus.
        fn PyThread_acquire_lock_timed(lock: PyThread_type_lock, microseconds: c_longlong, intr_flag: c_int) -> PyLockStatus;
        /// Allocate a new non-recursive lock, or NULL on failure; GIL not needed.
        fn PyThread_allocate_lock() -> PyThread_type_lock;
        /// Legacy TLS API (deprecated since 3.7): create a key, returning it or -1 on failure.
        fn PyThread_create_key() -> c_int;
        /// Legacy TLS API (deprecated since 3.7): destroy TLS key `key`.
        fn PyThread_delete_key(key: c_int) -> ();
        /// Legacy TLS API (deprecated since 3.7): remove the calling thread's value for `key`.
        fn PyThread_delete_key_value(key: c_int) -> ();
        /// Terminate the calling thread immediately; does not return.
        fn PyThread_exit_thread() -> ();
        /// Free a lock obtained from PyThread_allocate_lock.
        fn PyThread_free_lock(lock: PyThread_type_lock) -> ();
        /// Legacy TLS API (deprecated since 3.7): return the calling thread's value for `key`, or NULL.
        fn PyThread_get_key_value(key: c_int) -> *mut c_void;
        /// Return the stack size used for new threads; 0 means the platform default.
        fn PyThread_get_stacksize() -> usize;
        /// Return the calling thread's identifier (like `threading.get_ident()`); GIL not needed.
        fn PyThread_get_thread_ident() -> c_ulong;
        /// Return the OS-assigned native ID of the calling thread (like `threading.get_native_id()`).
        fn PyThread_get_thread_native_id() -> c_ulong;
        /// Initialize the threading subsystem; called automatically and safe to call again.
        fn PyThread_init_thread() -> ();
        /// Release `lock`, which must currently be held; GIL not needed.
        fn PyThread_release_lock(lock: PyThread_type_lock) -> ();
        /// Legacy TLS API (deprecated since 3.7): set the calling thread's value for `key`; 0 ok, -1 on failure.
        fn PyThread_set_key_value(key: c_int, value: *mut c_void) -> c_int;
        /// Set the stack size for new threads (0 = default); 0 on success, -1 if invalid, -2 if unsupported.
        fn PyThread_set_stacksize(size: usize) -> c_int;
        /// Start an OS thread running `func(arg)`; returns its ident, or `(unsigned long)-1` on failure.
        fn PyThread_start_new_thread(func: Option<unsafe extern "C" fn(*mut c_void)>, arg: *mut c_void) -> c_ulong;
        /// Heap-allocate a TSS key in the uninitialized state, or NULL on failure; GIL not needed.
        fn PyThread_tss_alloc() -> *mut Py_tss_t;
        /// Initialize TSS key `key` (no-op if already created); 0 on success, nonzero on failure. GIL not needed.
        fn PyThread_tss_create(key: *mut Py_tss_t) -> c_int;
        /// Destroy TSS key `key`, discarding every thread's value; it may be created again later.
        fn PyThread_tss_delete(key: *mut Py_tss_t) -> ();
        /// Delete and free a key obtained from PyThread_tss_alloc.
        fn PyThread_tss_free(key: *mut Py_tss_t) -> ();
        /// Return the calling thread's value for TSS key `key`, or NULL if unset; GIL not needed.
        fn PyThread_tss_get(key: *mut Py_tss_t) -> *mut c_void;
        /// Return nonzero if TSS key `key` has been initialized with PyThread_tss_create, else 0.
        fn PyThread_tss_is_created(key: *mut Py_tss_t) -> c_int;
        /// Store `value` for the calling thread under TSS key `key`; 0 on success, nonzero on failure.
        fn PyThread_tss_set(key: *mut Py_tss_t, value: *mut c_void) -> c_int;
        /// Queue `func(arg)` to run later in the main thread; callable without the GIL. 0 on success, -1 on failure.
        fn Py_AddPendingCall(func: Option<unsafe extern "C" fn(*mut c_void) -> c_int>, arg: *mut c_void) -> c_int;
        /// Destroy the sub-interpreter of current thread state `tstate`; the current thread state becomes NULL.
        fn Py_EndInterpreter(tstate: *mut PyThreadState) -> ();
        /// Shut down the interpreter like Py_FinalizeEx, discarding any error result.
        fn Py_Finalize() -> ();
        /// Undo Py_Initialize and free interpreter resources; 0 on success, -1 if flushing buffered data failed.
        fn Py_FinalizeEx() -> c_int;
        /// Store the original, unmodified command-line `argc` and `argv` into the given pointers.
        fn Py_GetArgcArgv(argc: *mut c_int, argv: *mut *mut *mut wchar_t) -> ();
        /// Return a static string describing the build (revision and date) of this interpreter.
        fn Py_GetBuildInfo() -> *const c_char;
        /// Return a static string naming the C compiler that built this interpreter.
        fn Py_GetCompiler() -> *const c_char;
        /// Return the static copyright notice string (as in `sys.copyright`).
        fn Py_GetCopyright() -> *const c_char;
        /// Return the platform-specific install prefix (`sys.base_exec_prefix`); deprecated since 3.13.
        [opt] fn Py_GetExecPrefix() -> *mut wchar_t;
        /// Return the default module search path as one delimiter-joined string; deprecated since 3.13 (use `sys.path`).
        [opt] fn Py_GetPath() -> *mut wchar_t;
        /// Return the platform identifier string, the same value as `sys.platform`.
        fn Py_GetPlatform() -> *const c_char;
        /// Return the platform-independent install prefix (`sys.base_prefix`); deprecated since 3.13.
        [opt] fn Py_GetPrefix() -> *mut wchar_t;
        /// Return the full path of the Python executable (`sys.executable`); deprecated since 3.13.
        [opt] fn Py_GetProgramFullPath() -> *mut wchar_t;
        /// Return the configured program name (`argv[0]`-style); deprecated since 3.13.
        [opt] fn Py_GetProgramName() -> *mut wchar_t;
        /// Return the Python home directory set via Py_SetPythonHome or PYTHONHOME; deprecated since 3.13.
        [opt] fn Py_GetPythonHome() -> *mut wchar_t;
        /// Return the interpreter version string, the same as `sys.version`.
        fn Py_GetVersion() -> *const c_char;
        /// Initialize the Python interpreter with default settings; aborts with a fatal error on failure.
        fn Py_Initialize() -> ();
        /// Like Py_Initialize, but skip installing signal handlers when `initsigs` is 0.
        fn Py_InitializeEx(initsigs: c_int) -> ();
        /// Run calls queued by Py_AddPendingCall (main thread only); 0 on success, -1 with an exception set.
        fn Py_MakePendingCalls() -> c_int;
        /// Create a sub-interpreter and return its (now current) thread state, or NULL on failure.
        fn Py_NewInterpreter() -> *mut PyThreadState;
        /// Set the program name before Py_Initialize; deprecated since 3.11 (use PyConfig.program_name).
        [opt] fn Py_SetProgramName(name: *const wchar_t) -> ();
        /// Set the Python home directory before Py_Initialize; deprecated since 3.11 (use PyConfig.home).
        [opt] fn Py_SetPythonHome(home: *const wchar_t) -> ();
        /// Return the main interpreter's state.
        [opt] fn PyInterpreterState_Main() -> *mut PyInterpreterState;
        /// Return the first interpreter state in the list of all interpreters.
        [opt] fn PyInterpreterState_Head() -> *mut PyInterpreterState;
        /// Return the interpreter state after `interp` in the global list, or NULL at the end.
        [opt] fn PyInterpreterState_Next(interp: *mut PyInterpreterState) -> *mut PyInterpreterState;
        /// Return the first thread state in `interp`'s list of threads.
        [opt] fn PyInterpreterState_ThreadHead(interp: *mut PyInterpreterState) -> *mut PyThreadState;
        /// Return the thread state after `tstate` within its interpreter, or NULL at the end.
        [opt] fn PyThreadState_Next(tstate: *mut PyThreadState) -> *mut PyThreadState;
        /// Create a sub-interpreter from `config`, storing its thread state in `*tstate_p`; returns a PyStatus.
        [opt] fn Py_NewInterpreterFromConfig(tstate_p: *mut *mut PyThreadState, config: *const PyInterpreterConfig) -> PyStatus;
        /// Return 1 if the calling thread holds the GIL, else 0; callable from any thread at any time.
        [opt] fn PyGILState_Check() -> c_int;
        /// Return the current thread state, or NULL if there is none, without a fatal error.
        [opt] fn PyThreadState_GetUnchecked() -> *mut PyThreadState;
        /// Suspend tracing and profiling in `tstate`; undo with PyThreadState_LeaveTracing.
        [opt] fn PyThreadState_EnterTracing(tstate: *mut PyThreadState) -> ();
        statics {
            /// Name of the filesystem encoding error handler, e.g. "surrogateescape"; deprecated since 3.12.
            [opt] Py_FileSystemDefaultEncodeErrors: *mut c_char;
            /// Name of the filesystem encoding, e.g. "utf-8", as a C string; deprecated since 3.12.
            [opt] Py_FileSystemDefaultEncoding: *mut c_char;
            /// Nonzero if Py_FileSystemDefaultEncoding is a built-in constant (not to be freed); deprecated.
            [opt] Py_HasFileSystemDefaultEncoding: c_int;
            /// Nonzero when Python UTF-8 Mode (PEP 540) is enabled; deprecated since 3.12, use PyConfig.utf8_mode.
            [opt] Py_UTF8Mode: c_int;
        }
    }
    page "init_config" {
        /// Create an initialization config filled with Python defaults, or NULL if memory allocation fails.
        [opt] fn PyInitConfig_Create() -> *mut PyInitConfig;
        /// Release the memory of initialization config `config`.
        [opt] fn PyInitConfig_Free(config: *mut PyInitConfig) -> ();
        /// Set string option `name` of `config` to UTF-8 `value`; 0 on success, -1 with the error kept in `config`.
        [opt] fn PyInitConfig_SetStr(config: *mut PyInitConfig, name: *const c_char, value: *const c_char) -> c_int;
        /// Set integer option `name` of `config` to `value`; 0 on success, -1 with the error kept in `config`.
        [opt] fn PyInitConfig_SetInt(config: *mut PyInitConfig, name: *const c_char, value: i64) -> c_int;
        /// If `config` holds an error, point `*err_msg` at its message and return 1; otherwise return 0.
        [opt] fn PyInitConfig_GetError(config: *mut PyInitConfig, err_msg: *mut *const c_char) -> c_int;
        /// Initialize Python from `config`; 0 on success, -1 with the error stored in `config`.
        [opt] fn Py_InitializeFromInitConfig(config: *mut PyInitConfig) -> c_int;
        /// If `config` asked to exit, store the exit status in `*exitcode` and return 1; otherwise return 0.
        [opt] fn PyInitConfig_GetExitCode(config: *mut PyInitConfig, exitcode: *mut c_int) -> c_int;
    }
    page "intro" {
        /// Return 1 if `obj` is callable, else 0; never fails.
        fn PyCallable_Check(obj: *mut PyObject) -> c_int;
        /// Return 1 if `obj` implements `__index__` (usable as an integer index), else 0; never fails.
        fn PyIndex_Check(obj: *mut PyObject) -> c_int;
        /// Read the field described by `member` from the object at `obj_addr`; new reference, or NULL on error.
        fn PyMember_GetOne(obj_addr: *const c_char, member: *mut PyMemberDef) -> *mut PyObject;
        /// Store `value` into the field described by `member` of the object at `obj_addr`; 0 on success, -1 on error.
        fn PyMember_SetOne(obj_addr: *mut c_char, member: *mut PyMemberDef, value: *mut PyObject) -> c_int;
        /// Private: raise SystemError for a bad internal call, naming the C `filename` and `lineno`.
        fn _PyErr_BadInternalCall(filename: *const c_char, lineno: c_int) -> ();
        /// Private backend of PyObject_GC_New: allocate a GC-aware object of type `tp`; NULL with an exception on failure.
        fn _PyObject_GC_New(tp: *mut PyTypeObject) -> *mut PyObject;
        /// Private backend of PyObject_GC_NewVar: allocate a GC-aware object of `tp` with `nitems` items; NULL on failure.
        fn _PyObject_GC_NewVar(tp: *mut PyTypeObject, nitems: Py_ssize_t) -> *mut PyVarObject;
        /// Private: resize GC-aware variable-size `op` to `nitems` items; returns the possibly moved object, or NULL.
        fn _PyObject_GC_Resize(op: *mut PyVarObject, nitems: Py_ssize_t) -> *mut PyVarObject;
        /// Private backend of PyObject_New: allocate an object of type `tp`; NULL with an exception set on failure.
        fn _PyObject_New(tp: *mut PyTypeObject) -> *mut PyObject;
        /// Private backend of PyObject_NewVar: allocate an object of `tp` with `nitems` items; NULL on failure.
        fn _PyObject_NewVar(tp: *mut PyTypeObject, nitems: Py_ssize_t) -> *mut PyVarObject;
        /// Private: invoke the type's `tp_dealloc` on `op`, used when its reference count drops to zero.
        fn _Py_Dealloc(op: *mut PyObject) -> ();
        /// Private function form of Py_DECREF: release one reference to `op`.
        [opt] fn _Py_DecRef(op: *mut PyObject) -> ();
        /// Private function form of Py_INCREF: add one reference to `op`.
        [opt] fn _Py_IncRef(op: *mut PyObject) -> ();
        /// Private: return nonzero while the main interpreter is shutting down (see Py_IsFinalizing).
        [opt] fn _Py_IsFinalizing() -> c_int;
        /// Private: build an int from `n_bytes` bytes with the given endianness and signedness; new reference, NULL on error.
        [opt] fn _PyLong_FromByteArray(bytes: *const c_uchar, n_bytes: usize, little_endian: c_int, is_signed: c_int) -> *mut PyObject;
        /// Return the `__main__` module of `interp` as a new reference, or NULL with an exception set.
        [opt] fn PyUnstable_InterpreterState_GetMainModule(interp: *mut PyInterpreterState) -> *mut PyObject;
        /// Clear all weak references to `obj` without invoking their callbacks.
        [opt] fn PyUnstable_Object_ClearWeakRefsNoCallbacks(obj: *mut PyObject) -> ();
    }
    page "iter" {
        /// Return 1 if `obj` implements the async iterator protocol (`__anext__`), else 0; never fails.
        [opt] fn PyAIter_Check(obj: *mut PyObject) -> c_int;
        /// Return 1 if `obj` is an iterator (has `__next__`), else 0; never fails.
        fn PyIter_Check(obj: *mut PyObject) -> c_int;
        /// Return the next item of iterator `iter` as a new reference; NULL when exhausted (no exception) or on error.
        fn PyIter_Next(iter: *mut PyObject) -> *mut PyObject;
        /// Send `value` into `iter`, storing the yielded/returned value in `*presult`; returns PYGEN_NEXT, RETURN or ERROR.
        [opt] fn PyIter_Send(iter: *mut PyObject, value: *mut PyObject, presult: *mut *mut PyObject) -> PySendResult;
    }
    page "iterator" {
        /// Return an iterator calling `callable` until it returns `sentinel` (two-argument `iter()`); new reference.
        fn PyCallIter_New(callable: *mut PyObject, sentinel: *mut PyObject) -> *mut PyObject;
        /// Return an iterator over `seq` that uses `__getitem__` until IndexError; new reference, NULL on error.
        fn PySeqIter_New(seq: *mut PyObject) -> *mut PyObject;
        statics {
            /// Type of the callable iterators created by PyCallIter_New and two-argument `iter()`.
            PyCallIter_Type: PyTypeObject;
            /// The `enumerate` type object.
            PyEnum_Type: PyTypeObject;
            /// The `filter` type object.
            PyFilter_Type: PyTypeObject;
            /// The `map` type object.
            PyMap_Type: PyTypeObject;
            /// The `reversed` type object.
            PyReversed_Type: PyTypeObject;
            /// Type of the sequence iterators created by PySeqIter_New for `__getitem__`-based iteration.
            PySeqIter_Type: PyTypeObject;
            /// The `zip` type object.
            PyZip_Type: PyTypeObject;
        }
    }
    page "list" {
        /// Append `item` to `list` without stealing a reference; 0 on success, -1 with an exception set.
        fn PyList_Append(list: *mut PyObject, item: *mut PyObject) -> c_int;
        /// Return a new tuple holding the items of `list`; new reference, or NULL on failure.
        fn PyList_AsTuple(list: *mut PyObject) -> *mut PyObject;
        /// Return `list[index]` as a borrowed reference; NULL with IndexError if out of range (no negative indexing).
        fn PyList_GetItem(list: *mut PyObject, index: Py_ssize_t) -> *mut PyObject;
        /// Like PyList_GetItem but return a new (strong) reference; NULL with an exception set on error.
        [opt] fn PyList_GetItemRef(list: *mut PyObject, index: Py_ssize_t) -> *mut PyObject;
        /// Return a new list containing `list[low:high]`; new reference, or NULL on failure.
        fn PyList_GetSlice(list: *mut PyObject, low: Py_ssize_t, high: Py_ssize_t) -> *mut PyObject;
        /// Insert `item` into `list` before `index` without stealing a reference; 0 on success, -1 on error.
        fn PyList_Insert(list: *mut PyObject, index: Py_ssize_t, item: *mut PyObject) -> c_int;
        /// Create a list of length `size` with NULL slots that must be filled before use; new reference, NULL on failure.
        fn PyList_New(size: Py_ssize_t) -> *mut PyObject;
        /// Reverse `list` in place; 0 on success, -1 with an exception set.
        fn PyList_Reverse(list: *mut PyObject) -> c_int;
        /// Set `list[index]` to `item`, stealing a reference to `item` even on failure; 0 on success, -1 on error.
        fn PyList_SetItem(list: *mut PyObject, index: Py_ssize_t, item: *mut PyObject) -> c_int;
        /// Replace `list[low:high]` with the items of `itemlist` (NULL deletes them); 0 on success, -1 on error.
        fn PyList_SetSlice(list: *mut PyObject, low: Py_ssize_t, high: Py_ssize_t, itemlist: *mut PyObject) -> c_int;
        /// Return the length of `list`, or -1 with an exception set if it is not a list.
        fn PyList_Size(list: *mut PyObject) -> Py_ssize_t;
        /// Sort `list` in place; 0 on success, -1 with an exception set.
        fn PyList_Sort(list: *mut PyObject) -> c_int;
        /// Remove all items from `list`; 0 on success, -1 with an exception set.
        [opt] fn PyList_Clear(list: *mut PyObject) -> c_int;
        statics {
            /// Type of the iterators returned by `iter(list)`.
            PyListIter_Type: PyTypeObject;
            /// Type of the iterators returned by `reversed(list)`.
            PyListRevIter_Type: PyTypeObject;
            /// The `list` type object.
            PyList_Type: PyTypeObject;
        }
    }
    page "long" {
        /// Convert int `pylong` to a C double; -1.0 with an exception set (e.g. OverflowError) on failure.
        fn PyLong_AsDouble(pylong: *mut PyObject) -> f64;
        /// Convert `obj` (using `__index__` if needed) to a C int; -1 with an exception set on error.
        [opt] fn PyLong_AsInt(obj: *mut PyObject) -> c_int;
        /// Convert `obj` (using `__index__` if needed) to a C long; -1 with an exception set (e.g. OverflowError).
        fn PyLong_AsLong(obj: *mut PyObject) -> c_long;
        /// Convert `obj` to a C long; on overflow set `*overflow` to 1 or -1 and return -1, else `*overflow` = 0.
        fn PyLong_AsLongAndOverflow(obj: *mut PyObject, overflow: *mut c_int) -> c_long;
        /// Convert `obj` (using `__index__` if needed) to a C long long; -1 with an exception set on error.
        fn PyLong_AsLongLong(obj: *mut PyObject) -> c_longlong;
        /// Convert `obj` to a C long long; on overflow set `*overflow` to 1 or -1 and return -1, else 0 there.
        fn PyLong_AsLongLongAndOverflow(obj: *mut PyObject, overflow: *mut c_int) -> c_longlong;
        /// Convert int `pylong` to a size_t; `(size_t)-1` with an exception set on error.
        fn PyLong_AsSize_t(pylong: *mut PyObject) -> usize;
        /// Convert int `pylong` to a Py_ssize_t; -1 with an exception set on error.
        fn PyLong_AsSsize_t(pylong: *mut PyObject) -> Py_ssize_t;
        /// Convert int `pylong` to an unsigned long; `(unsigned long)-1` with an exception set on error.
        fn PyLong_AsUnsignedLong(pylong: *mut PyObject) -> c_ulong;
        /// Convert int `pylong` to an unsigned long long; `(unsigned long long)-1` with an exception set on error.
        fn PyLong_AsUnsignedLongLong(pylong: *mut PyObject) -> c_ulonglong;
        /// Convert `obj` to unsigned long long, wrapping modulo 2**64 on overflow; `(unsigned long long)-1` on error.
        fn PyLong_AsUnsignedLongLongMask(obj: *mut PyObject) -> c_ulonglong;
        /// Convert `obj` to unsigned long, wrapping modulo ULONG_MAX+1 instead of overflowing; `(unsigned long)-1` on error.
        fn PyLong_AsUnsignedLongMask(obj: *mut PyObject) -> c_ulong;
        /// Convert int `pylong` to a C `void*`; NULL with an exception set on error.
        fn PyLong_AsVoidPtr(pylong: *mut PyObject) -> *mut c_void;
        /// Create an int from the integer part of `v`; new reference, or NULL with an exception set.
        fn PyLong_FromDouble(v: f64) -> *mut PyObject;
        /// Create an int from the C long `v`; new reference, or NULL on failure.
        fn PyLong_FromLong(v: c_long) -> *mut PyObject;
        /// Create an int from the C long long `v`; new reference, or NULL on failure.
        fn PyLong_FromLongLong(v: c_longlong) -> *mut PyObject;
        /// Create an int from the size_t `v`; new reference, or NULL on failure.
        fn PyLong_FromSize_t(v: usize) -> *mut PyObject;
        /// Create an int from the Py_ssize_t `v`; new reference, or NULL on failure.
        fn PyLong_FromSsize_t(v: Py_ssize_t) -> *mut PyObject;
        /// Parse C string `str` as an int in `base` (0 = auto-detect), storing the end in `*pend`; new reference or NULL.
        fn PyLong_FromString(str: *const c_char, pend: *mut *mut c_char, base: c_int) -> *mut PyObject;
        /// Create an int from the unsigned long `v`; new reference, or NULL on failure.
        fn PyLong_FromUnsignedLong(v: c_ulong) -> *mut PyObject;
        /// Create an int from the unsigned long long `v`; new reference, or NULL on failure.
        fn PyLong_FromUnsignedLongLong(v: c_ulonglong) -> *mut PyObject;
        /// Create an int holding the address `ptr`; new reference, or NULL on failure.
        fn PyLong_FromVoidPtr(ptr: *mut c_void) -> *mut PyObject;
        /// Return `sys.int_info` describing the internal int representation; new reference, NULL on error.
        fn PyLong_GetInfo() -> *mut PyObject;
        /// Copy int `v` into `buffer` as a native integer; returns the byte count needed (may exceed `n_bytes`), -1 on error.
        [opt] fn PyLong_AsNativeBytes(v: *mut PyObject, buffer: *mut c_void, n_bytes: Py_ssize_t, flags: c_int) -> Py_ssize_t;
        /// Create an int from `n_bytes` at `buffer` read as a signed native integer; new reference, NULL on error.
        [opt] fn PyLong_FromNativeBytes(buffer: *const c_void, n_bytes: usize, flags: c_int) -> *mut PyObject;
        /// Create an int from `n_bytes` at `buffer` read as an unsigned native integer; new reference, NULL on error.
        [opt] fn PyLong_FromUnsignedNativeBytes(buffer: *const c_void, n_bytes: usize, flags: c_int) -> *mut PyObject;
        statics {
            /// Type of `range` iterators used when the bounds do not fit in a C long.
            PyLongRangeIter_Type: PyTypeObject;
            /// The `int` type object.
            PyLong_Type: PyTypeObject;
        }
    }
    page "mapping" {
        /// Return 1 if `obj` supports the mapping protocol (`__getitem__`), else 0; never fails.
        fn PyMapping_Check(obj: *mut PyObject) -> c_int;
        /// Return `obj[key]` for the UTF-8 C string `key`; new reference, or NULL with an exception set.
        fn PyMapping_GetItemString(obj: *mut PyObject, key: *const c_char) -> *mut PyObject;
        /// Set `*result` to `obj[key]` (new reference); 1 if found, 0 if missing (no KeyError), -1 on error.
        [opt] fn PyMapping_GetOptionalItem(obj: *mut PyObject, key: *mut PyObject, result: *mut *mut PyObject) -> c_int;
        /// Like PyMapping_GetOptionalItem with a UTF-8 C string `key`; 1 found, 0 missing, -1 on error.
        [opt] fn PyMapping_GetOptionalItemString(obj: *mut PyObject, key: *const c_char, result: *mut *mut PyObject) -> c_int;
        /// Return 1 if `obj` contains `key`, else 0; errors are silently swallowed (prefer the WithError variant).
        fn PyMapping_HasKey(obj: *mut PyObject, key: *mut PyObject) -> c_int;
        /// Return 1 if `obj` contains C-string `key`, else 0; errors are silently swallowed.
        fn PyMapping_HasKeyString(obj: *mut PyObject, key: *const c_char) -> c_int;
        /// Return 1 if `obj` contains C-string `key`, 0 if not, -1 with an exception set on error.
        [opt] fn PyMapping_HasKeyStringWithError(obj: *mut PyObject, key: *const c_char) -> c_int;
        /// Return 1 if `obj` contains `key`, 0 if not, -1 with an exception set on error.
        [opt] fn PyMapping_HasKeyWithError(obj: *mut PyObject, key: *mut PyObject) -> c_int;
        /// Return a list of `obj`'s `(key, value)` pairs; new reference, or NULL on failure.
        fn PyMapping_Items(obj: *mut PyObject) -> *mut PyObject;
        /// Return a list of `obj`'s keys; new reference, or NULL on failure.
        fn PyMapping_Keys(obj: *mut PyObject) -> *mut PyObject;
        /// Return the number of keys in `obj`, or -1 on failure; alias of PyMapping_Size.
        fn PyMapping_Length(obj: *mut PyObject) -> Py_ssize_t;
        /// Do `obj[key] = value` for C-string `key` without stealing `value`; 0 on success, -1 on failure.
        fn PyMapping_SetItemString(obj: *mut PyObject, key: *const c_char, value: *mut PyObject) -> c_int;
        /// Return the number of keys in `obj`, or -1 with an exception set on failure.
        fn PyMapping_Size(obj: *mut PyObject) -> Py_ssize_t;
        /// Return a list of `obj`'s values; new reference, or NULL on failure.
        fn PyMapping_Values(obj: *mut PyObject) -> *mut PyObject;
    }
    page "marshal" {
        /// Unmarshal one object from the `len` bytes at `data`; new reference, or NULL with an exception set.
        fn PyMarshal_ReadObjectFromString(data: *const c_char, len: Py_ssize_t) -> *mut PyObject;
        /// Marshal `value` with format `version` into a new bytes object; NULL with an exception set on error.
        fn PyMarshal_WriteObjectToString(value: *mut PyObject, version: c_int) -> *mut PyObject;
    }
    page "memory" {
        /// Allocate `nelem` zeroed elements of `elsize` bytes from the PyMem domain (GIL needed); NULL on failure.
        fn PyMem_Calloc(nelem: usize, elsize: usize) -> *mut c_void;
        /// Free a block from PyMem_Malloc/Calloc/Realloc; NULL is ignored. GIL needed.
        fn PyMem_Free(ptr: *mut c_void) -> ();
        /// Allocate `size` bytes from the PyMem domain (GIL needed); NULL on failure, non-NULL even for 0.
        fn PyMem_Malloc(size: usize) -> *mut c_void;
        /// Allocate `nelem` zeroed elements of `elsize` bytes from the raw domain; NULL on failure. GIL not needed.
        fn PyMem_RawCalloc(nelem: usize, elsize: usize) -> *mut c_void;
        /// Free a block from the PyMem_Raw* allocators; NULL is ignored. GIL not needed.
        fn PyMem_RawFree(ptr: *mut c_void) -> ();
        /// Allocate `size` bytes from the raw domain; NULL on failure. GIL not needed.
        fn PyMem_RawMalloc(size: usize) -> *mut c_void;
        /// Resize raw-domain block `ptr` to `new_size` bytes; NULL on failure (`ptr` stays valid). GIL not needed.
        fn PyMem_RawRealloc(ptr: *mut c_void, new_size: usize) -> *mut c_void;
        /// Resize PyMem-domain block `ptr` to `new_size` bytes (GIL needed); NULL on failure with `ptr` left valid.
        fn PyMem_Realloc(ptr: *mut c_void, new_size: usize) -> *mut c_void;
        /// Allocate `nelem` zeroed elements of `elsize` bytes from the object domain (GIL needed); NULL on failure.
        fn PyObject_Calloc(nelem: usize, elsize: usize) -> *mut c_void;
        /// Free a block from PyObject_Malloc/Calloc/Realloc; NULL is ignored. GIL needed.
        fn PyObject_Free(ptr: *mut c_void) -> ();
        /// Allocate `size` bytes from the object allocator domain (GIL needed); NULL on failure.
        fn PyObject_Malloc(size: usize) -> *mut c_void;
        /// Resize object-domain block `ptr` to `new_size` bytes (GIL needed); NULL on failure with `ptr` left valid.
        fn PyObject_Realloc(ptr: *mut c_void, new_size: usize) -> *mut c_void;
    }
    page "memoryview" {
        /// Create a memoryview wrapping the buffer described by `info` (no exporter kept); new reference, NULL on error.
        fn PyMemoryView_FromBuffer(info: *const Py_buffer) -> *mut PyObject;
        /// Create a memoryview over `size` bytes at `mem`, with `flags` PyBUF_READ or PyBUF_WRITE; new reference.
        fn PyMemoryView_FromMemory(mem: *mut c_char, size: Py_ssize_t, flags: c_int) -> *mut PyObject;
        /// Create a memoryview of buffer-exporting object `base`; new reference, or NULL with an exception set.
        fn PyMemoryView_FromObject(base: *mut PyObject) -> *mut PyObject;
        /// Return a memoryview of a contiguous copy (if needed) of `base` in `order` 'C', 'F' or 'A'; new reference.
        fn PyMemoryView_GetContiguous(base: *mut PyObject, buffertype: c_int, order: c_char) -> *mut PyObject;
        statics {
            /// The `memoryview` type object.
            PyMemoryView_Type: PyTypeObject;
        }
    }
    page "method" {
        statics {
            /// Type of descriptors for methods implemented in C, e.g. `str.join`.
            PyMethodDescr_Type: PyTypeObject;
        }
    }
    page "module" {
        /// Prepare `def` for multi-phase initialization and return it cast to PyObject*; never fails.
        fn PyModuleDef_Init(def: *mut PyModuleDef) -> *mut PyObject;
        /// Add `value` to `module` as `name`, always stealing the reference (even on error); 0 on success, -1 on error.
        [opt] fn PyModule_Add(module: *mut PyObject, name: *const c_char, value: *mut PyObject) -> c_int;
        /// Add the functions in the NULL-terminated array `functions` to `module`; 0 on success, -1 on error.
        fn PyModule_AddFunctions(module: *mut PyObject, functions: *mut PyMethodDef) -> c_int;
        /// Add int constant `value` to `module` as attribute `name`; 0 on success, -1 on error.
        fn PyModule_AddIntConstant(module: *mut PyObject, name: *const c_char, value: c_long) -> c_int;
        /// Add `value` as `name` to `module`, stealing it only on success; 0 or -1. Prefer PyModule_AddObjectRef.
        fn PyModule_AddObject(module: *mut PyObject, name: *const c_char, value: *mut PyObject) -> c_int;
        /// Add `value` to `module` as `name` without stealing a reference; 0 on success, -1 on error.
        [opt] fn PyModule_AddObjectRef(module: *mut PyObject, name: *const c_char, value: *mut PyObject) -> c_int;
        /// Add the UTF-8 string constant `value` to `module` as `name`; 0 on success, -1 on error.
        fn PyModule_AddStringConstant(module: *mut PyObject, name: *const c_char, value: *const c_char) -> c_int;
        /// Ready type `tp` if needed and add it to `module` under its short name; 0 on success, -1 on error.
        fn PyModule_AddType(module: *mut PyObject, tp: *mut PyTypeObject) -> c_int;
        /// Create a module from `def` for API version `module_api_version` (single-phase init); new reference or NULL.
        fn PyModule_Create2(def: *mut PyModuleDef, module_api_version: c_int) -> *mut PyObject;
        /// Run the `Py_mod_exec` slots of `def` on `module`; 0 on success, -1 on error.
        fn PyModule_ExecDef(module: *mut PyObject, def: *mut PyModuleDef) -> c_int;
        /// Create a module from `def` and ModuleSpec `spec` (multi-phase init) for an API version; new reference.
        fn PyModule_FromDefAndSpec2(def: *mut PyModuleDef, spec: *mut PyObject, module_api_version: c_int) -> *mut PyObject;
        /// Return the PyModuleDef `module` was created from, or NULL (no exception) if it has none.
        fn PyModule_GetDef(module: *mut PyObject) -> *mut PyModuleDef;
        /// Return `module`'s namespace dict as a borrowed reference; NULL with SystemError if not a module.
        fn PyModule_GetDict(module: *mut PyObject) -> *mut PyObject;
        /// Deprecated: return `module.__file__` as an encoded C string; use PyModule_GetFilenameObject.
        fn PyModule_GetFilename(module: *mut PyObject) -> *const c_char;
        /// Return `module.__file__` as a new reference, or NULL with an exception set.
        fn PyModule_GetFilenameObject(module: *mut PyObject) -> *mut PyObject;
        /// Return `module.__name__` as a UTF-8 C string owned by the module, or NULL with an exception set.
        fn PyModule_GetName(module: *mut PyObject) -> *const c_char;
        /// Return `module.__name__` as a new reference, or NULL with an exception set.
        fn PyModule_GetNameObject(module: *mut PyObject) -> *mut PyObject;
        /// Return a pointer to `module`'s per-module state block, or NULL if it has none.
        fn PyModule_GetState(module: *mut PyObject) -> *mut c_void;
        /// Create an empty module whose `__name__` is `name`; new reference, or NULL on failure.
        fn PyModule_New(name: *const c_char) -> *mut PyObject;
        /// Like PyModule_New with a str `name`; new reference, or NULL with an exception set.
        fn PyModule_NewObject(name: *mut PyObject) -> *mut PyObject;
        /// Set `module.__doc__` to the C string `docstring`; 0 on success, -1 on error.
        fn PyModule_SetDocString(module: *mut PyObject, docstring: *const c_char) -> c_int;
        /// Register single-phase `module` in the interpreter under `def`; 0 on success, -1 on error.
        fn PyState_AddModule(module: *mut PyObject, def: *mut PyModuleDef) -> c_int;
        /// Return the module created from `def` in this interpreter as a borrowed reference, or NULL if none.
        fn PyState_FindModule(def: *mut PyModuleDef) -> *mut PyObject;
        /// Remove the module registered for `def` from the interpreter state; 0 on success, -1 on error.
        fn PyState_RemoveModule(def: *mut PyModuleDef) -> c_int;
        statics {
            /// Type object for PyModuleDef instances used in multi-phase initialization.
            PyModuleDef_Type: PyTypeObject;
            /// The module type object (`types.ModuleType`).
            PyModule_Type: PyTypeObject;
        }
    }
    page "none" {
        statics {
            /// The `None` singleton object; `Py_None` is its address.
            _Py_NoneStruct: PyObject;
        }
    }
    page "number" {
        /// Return `abs(obj)` as a new reference, or NULL with an exception set.
        fn PyNumber_Absolute(obj: *mut PyObject) -> *mut PyObject;
        /// Return `lhs + rhs` as a new reference, or NULL with an exception set.
        fn PyNumber_Add(lhs: *mut PyObject, rhs: *mut PyObject) -> *mut PyObject;
        /// Return `lhs & rhs` as a new reference, or NULL with an exception set.
        fn PyNumber_And(lhs: *mut PyObject, rhs: *mut PyObject) -> *mut PyObject;
        /// Convert integer-like `obj` to Py_ssize_t; overflow raises `exc` or clamps if `exc` is NULL; -1 on error.
        fn PyNumber_AsSsize_t(obj: *mut PyObject, exc: *mut PyObject) -> Py_ssize_t;
        /// Return 1 if `obj` provides numeric protocols (`__index__`, `__int__`, `__float__`...), else 0; never fails.
        fn PyNumber_Check(obj: *mut PyObject) -> c_int;
        /// Return `divmod(lhs, rhs)` as a new reference, or NULL with an exception set.
        fn PyNumber_Divmod(lhs: *mut PyObject, rhs: *mut PyObject) -> *mut PyObject;
        /// Return `float(obj)` as a new reference, or NULL with an exception set.
        fn PyNumber_Float(obj: *mut PyObject) -> *mut PyObject;
        /// Return `lhs // rhs` as a new reference, or NULL with an exception set.
        fn PyNumber_FloorDivide(lhs: *mut PyObject, rhs: *mut PyObject) -> *mut PyObject;
        /// Compute `lhs += rhs`, in place when supported; new reference, or NULL with an exception set.
        fn PyNumber_InPlaceAdd(lhs: *mut PyObject, rhs: *mut PyObject) -> *mut PyObject;
        /// Compute `lhs &= rhs`, in place when supported; new reference, or NULL with an exception set.
        fn PyNumber_InPlaceAnd(lhs: *mut PyObject, rhs: *mut PyObject) -> *mut PyObject;
        /// Compute `lhs //= rhs`, in place when supported; new reference, or NULL with an exception set.
        fn PyNumber_InPlaceFloorDivide(lhs: *mut PyObject, rhs: *mut PyObject) -> *mut PyObject;
        /// Compute `lhs <<= rhs`, in place when supported; new reference, or NULL with an exception set.
        fn PyNumber_InPlaceLshift(lhs: *mut PyObject, rhs: *mut PyObject) -> *mut PyObject;
        /// Compute `lhs @= rhs`, in place when supported; new reference, or NULL with an exception set.
        fn PyNumber_InPlaceMatrixMultiply(lhs: *mut PyObject, rhs: *mut PyObject) -> *mut PyObject;
        /// Compute `lhs *= rhs`, in place when supported; new reference, or NULL with an exception set.
        fn PyNumber_InPlaceMultiply(lhs: *mut PyObject, rhs: *mut PyObject) -> *mut PyObject;
        /// Compute `lhs |= rhs`, in place when supported; new reference, or NULL with an exception set.
        fn PyNumber_InPlaceOr(lhs: *mut PyObject, rhs: *mut PyObject) -> *mut PyObject;
        /// Compute `base **= exponent` (modulo `modulus` unless Py_None), in place if supported; new reference or NULL.
        fn PyNumber_InPlacePower(base: *mut PyObject, exponent: *mut PyObject, modulus: *mut PyObject) -> *mut PyObject;
        /// Compute `lhs %= rhs`, in place when supported; new reference, or NULL with an exception set.
        fn PyNumber_InPlaceRemainder(lhs: *mut PyObject, rhs: *mut PyObject) -> *mut PyObject;
        /// Compute `lhs >>= rhs`, in place when supported; new reference, or NULL with an exception set.
        fn PyNumber_InPlaceRshift(lhs: *mut PyObject, rhs: *mut PyObject) -> *mut PyObject;
        /// Compute `lhs -= rhs`, in place when supported; new reference, or NULL with an exception set.
        fn PyNumber_InPlaceSubtract(lhs: *mut PyObject, rhs: *mut PyObject) -> *mut PyObject;
        /// Compute `lhs /= rhs`, in place when supported; new reference, or NULL with an exception set.
        fn PyNumber_InPlaceTrueDivide(lhs: *mut PyObject, rhs: *mut PyObject) -> *mut PyObject;
        /// Compute `lhs ^= rhs`, in place when supported; new reference, or NULL with an exception set.
        fn PyNumber_InPlaceXor(lhs: *mut PyObject, rhs: *mut PyObject) -> *mut PyObject;
        /// Return `operator.index(obj)` as an int (new reference), or NULL with an exception set.
        fn PyNumber_Index(obj: *mut PyObject) -> *mut PyObject;
        /// Return `~obj` as a new reference, or NULL with an exception set.
        fn PyNumber_Invert(obj: *mut PyObject) -> *mut PyObject;
        /// Return `int(obj)` as a new reference, or NULL with an exception set.
        fn PyNumber_Long(obj: *mut PyObject) -> *mut PyObject;
        /// Return `lhs << rhs` as a new reference, or NULL with an exception set.
        fn PyNumber_Lshift(lhs: *mut PyObject, rhs: *mut PyObject) -> *mut PyObject;
        /// Return `lhs @ rhs` as a new reference, or NULL with an exception set.
        fn PyNumber_MatrixMultiply(lhs: *mut PyObject, rhs: *mut PyObject) -> *mut PyObject;
        /// Return `lhs * rhs` as a new reference, or NULL with an exception set.
        fn PyNumber_Multiply(lhs: *mut PyObject, rhs: *mut PyObject) -> *mut PyObject;
        /// Return `-obj` as a new reference, or NULL with an exception set.
        fn PyNumber_Negative(obj: *mut PyObject) -> *mut PyObject;
        /// Return `lhs | rhs` as a new reference, or NULL with an exception set.
        fn PyNumber_Or(lhs: *mut PyObject, rhs: *mut PyObject) -> *mut PyObject;
        /// Return `+obj` as a new reference, or NULL with an exception set.
        fn PyNumber_Positive(obj: *mut PyObject) -> *mut PyObject;
        /// Return `pow(base, exponent, modulus)` (pass Py_None to omit `modulus`); new reference, or NULL on error.
        fn PyNumber_Power(base: *mut PyObject, exponent: *mut PyObject, modulus: *mut PyObject) -> *mut PyObject;
        /// Return `lhs % rhs` as a new reference, or NULL with an exception set.
        fn PyNumber_Remainder(lhs: *mut PyObject, rhs: *mut PyObject) -> *mut PyObject;
        /// Return `lhs >> rhs` as a new reference, or NULL with an exception set.
        fn PyNumber_Rshift(lhs: *mut PyObject, rhs: *mut PyObject) -> *mut PyObject;
        /// Return `lhs - rhs` as a new reference, or NULL with an exception set.
        fn PyNumber_Subtract(lhs: *mut PyObject, rhs: *mut PyObject) -> *mut PyObject;
        /// Return integer `number` as a prefixed string in `base` 2, 8, 10 or 16; new reference, or NULL on error.
        fn PyNumber_ToBase(number: *mut PyObject, base: c_int) -> *mut PyObject;
        /// Return `lhs / rhs` as a new reference, or NULL with an exception set.
        fn PyNumber_TrueDivide(lhs: *mut PyObject, rhs: *mut PyObject) -> *mut PyObject;
        /// Return `lhs ^ rhs` as a new reference, or NULL with an exception set.
        fn PyNumber_Xor(lhs: *mut PyObject, rhs: *mut PyObject) -> *mut PyObject;
    }
    page "object" {
        /// Return `ascii(o)` as a new reference, or NULL with an exception set.
        fn PyObject_ASCII(o: *mut PyObject) -> *mut PyObject;
        /// Return `bytes(o)` as a new reference, or NULL with an exception set.
        fn PyObject_Bytes(o: *mut PyObject) -> *mut PyObject;
        /// Delete attribute `attr_name` of `o` (`del o.attr_name`); 0 on success, -1 with an exception set on failure.
        [opt] fn PyObject_DelAttr(o: *mut PyObject, attr_name: *mut PyObject) -> c_int;
        /// Like `PyObject_DelAttr` with a UTF-8 C string `attr_name`; 0 on success, -1 on error.
        [opt] fn PyObject_DelAttrString(o: *mut PyObject, attr_name: *const c_char) -> c_int;
        /// Perform `del o[key]`; 0 on success, -1 with an exception set on failure.
        fn PyObject_DelItem(o: *mut PyObject, key: *mut PyObject) -> c_int;
        /// Perform `del o[key]` with `key` a UTF-8 C string; 0 on success, -1 on error.
        fn PyObject_DelItemString(o: *mut PyObject, key: *const c_char) -> c_int;
        /// Return `dir(o)` as a new list reference (current locals if `o` is NULL), or NULL on failure.
        fn PyObject_Dir(o: *mut PyObject) -> *mut PyObject;
        /// Return `format(obj, format_spec)` as a new reference, or NULL with an exception set.
        fn PyObject_Format(obj: *mut PyObject, format_spec: *mut PyObject) -> *mut PyObject;
        /// Generic `tp_getattro` lookup (MRO descriptors, then instance dict); new reference or NULL on error.
        fn PyObject_GenericGetAttr(o: *mut PyObject, name: *mut PyObject) -> *mut PyObject;
        /// Generic `__dict__` getter for `tp_getset`, creating the dict if needed; new reference or NULL on error.
        fn PyObject_GenericGetDict(o: *mut PyObject, context: *mut c_void) -> *mut PyObject;
        /// Generic `tp_setattro` setter (NULL `value` deletes); 0 on success, -1 with an exception set.
        fn PyObject_GenericSetAttr(o: *mut PyObject, name: *mut PyObject, value: *mut PyObject) -> c_int;
        /// Generic `__dict__` setter for `tp_getset`; 0 on success, -1 with an exception set on failure.
        fn PyObject_GenericSetDict(o: *mut PyObject, value: *mut PyObject, context: *mut c_void) -> c_int;
        /// Return `aiter(o)` (an async iterator) as a new reference, or NULL with an exception set; 3.10+.
        [opt] fn PyObject_GetAIter(o: *mut PyObject) -> *mut PyObject;
        /// Return `o.attr_name` as a new reference, or NULL with an exception set.
        fn PyObject_GetAttr(o: *mut PyObject, attr_name: *mut PyObject) -> *mut PyObject;
        /// Like `PyObject_GetAttr` with a UTF-8 C string name; new reference or NULL with an exception set.
        fn PyObject_GetAttrString(o: *mut PyObject, attr_name: *const c_char) -> *mut PyObject;
        /// Return `o[key]` as a new reference, or NULL with an exception set.
        fn PyObject_GetItem(o: *mut PyObject, key: *mut PyObject) -> *mut PyObject;
        /// Return `iter(o)` as a new reference, or NULL with an exception set (TypeError if not iterable).
        fn PyObject_GetIter(o: *mut PyObject) -> *mut PyObject;
        /// Look up `attr_name` into `*result` (new reference); 1 found, 0 missing (no exception), -1 on error; 3.13+.
        [opt] fn PyObject_GetOptionalAttr(obj: *mut PyObject, attr_name: *mut PyObject, result: *mut *mut PyObject) -> c_int;
        /// Like `PyObject_GetOptionalAttr` with a UTF-8 C string name; 1/0, -1 on error; 3.13+.
        [opt] fn PyObject_GetOptionalAttrString(obj: *mut PyObject, attr_name: *const c_char, result: *mut *mut PyObject) -> c_int;
        /// Return a pointer to the instance data that class `cls` reserved in `obj` (negative basicsize); 3.12+.
        [opt] fn PyObject_GetTypeData(obj: *mut PyObject, cls: *mut PyTypeObject) -> *mut c_void;
        /// Return 1 if `o` has attribute `attr_name`, else 0; never fails, lookup errors are not propagated.
        fn PyObject_HasAttr(o: *mut PyObject, attr_name: *mut PyObject) -> c_int;
        /// Like `PyObject_HasAttr` with a UTF-8 C string name; 1/0, lookup errors are not propagated.
        fn PyObject_HasAttrString(o: *mut PyObject, attr_name: *const c_char) -> c_int;
        /// Return 1 if `o` has attribute `attr_name` (C string), 0 if not, -1 on error; 3.13+.
        [opt] fn PyObject_HasAttrStringWithError(o: *mut PyObject, attr_name: *const c_char) -> c_int;
        /// Return 1 if `o` has attribute `attr_name`, 0 if not, -1 with an exception set on error; 3.13+.
        [opt] fn PyObject_HasAttrWithError(o: *mut PyObject, attr_name: *mut PyObject) -> c_int;
        /// Return `hash(o)`, or -1 with an exception set on failure.
        fn PyObject_Hash(o: *mut PyObject) -> Py_hash_t;
        /// `tp_hash` for unhashable types: set TypeError and return -1.
        fn PyObject_HashNotImplemented(o: *mut PyObject) -> Py_hash_t;
        /// Return 1 if `object` is an instance of `typeorclass` (or tuple of them), 0 if not, -1 on error.
        fn PyObject_IsInstance(object: *mut PyObject, typeorclass: *mut PyObject) -> c_int;
        /// Return 1 if `object` is a subclass of `typeorclass` (or tuple of them), 0 if not, -1 on error.
        fn PyObject_IsSubclass(object: *mut PyObject, typeorclass: *mut PyObject) -> c_int;
        /// Return 1 if `o` is truthy, 0 if falsy, -1 with an exception set on error.
        fn PyObject_IsTrue(o: *mut PyObject) -> c_int;
        /// Return `len(o)`, or -1 with an exception set; alias of `PyObject_Size`.
        fn PyObject_Length(o: *mut PyObject) -> Py_ssize_t;
        /// Return 0 if `o` is truthy, 1 if falsy (`not o`), -1 with an exception set on error.
        fn PyObject_Not(o: *mut PyObject) -> c_int;
        /// Return `repr(o)` as a new reference, or NULL with an exception set.
        fn PyObject_Repr(o: *mut PyObject) -> *mut PyObject;
        /// Compare `o1` and `o2` with operator `opid` (`Py_LT`..`Py_GE`); new reference or NULL on error.
        fn PyObject_RichCompare(o1: *mut PyObject, o2: *mut PyObject, opid: c_int) -> *mut PyObject;
        /// Compare `o1` and `o2` with `opid` as a bool: 1/0, -1 on error; identity implies equality.
        fn PyObject_RichCompareBool(o1: *mut PyObject, o2: *mut PyObject, opid: c_int) -> c_int;
        /// `tp_iter` helper that returns `obj` itself as a new reference.
        fn PyObject_SelfIter(obj: *mut PyObject) -> *mut PyObject;
        /// Set `o.attr_name = v` (NULL `v` deletes); 0 on success, -1 with an exception set.
        fn PyObject_SetAttr(o: *mut PyObject, attr_name: *mut PyObject, v: *mut PyObject) -> c_int;
        /// Like `PyObject_SetAttr` with a UTF-8 C string name; 0 on success, -1 on error.
        fn PyObject_SetAttrString(o: *mut PyObject, attr_name: *const c_char, v: *mut PyObject) -> c_int;
        /// Perform `o[key] = v` without stealing `v`; 0 on success, -1 with an exception set.
        fn PyObject_SetItem(o: *mut PyObject, key: *mut PyObject, v: *mut PyObject) -> c_int;
        /// Return `len(o)`, or -1 with an exception set on failure.
        fn PyObject_Size(o: *mut PyObject) -> Py_ssize_t;
        /// Return `str(o)` as a new reference, or NULL with an exception set.
        fn PyObject_Str(o: *mut PyObject) -> *mut PyObject;
        /// Return `type(o)` as a new reference, or NULL with an exception set.
        fn PyObject_Type(o: *mut PyObject) -> *mut PyObject;
        /// Return a new reference to a built-in constant (`None`, `True`, empty tuple, ...) by id; 3.13+.
        [opt] fn Py_GetConstant(constant_id: c_uint) -> *mut PyObject;
        /// Like `Py_GetConstant` but returns a borrowed reference; 3.13+.
        [opt] fn Py_GetConstantBorrowed(constant_id: c_uint) -> *mut PyObject;
        /// Return a pointer to the variable-size item area of `obj` (`Py_TPFLAGS_ITEMS_AT_END`), or NULL; 3.12+.
        [opt] fn PyObject_GetItemData(obj: *mut PyObject) -> *mut c_void;
        statics {
            /// The type object of `range` iterators.
            PyRangeIter_Type: PyTypeObject;
            /// The `range` type object.
            PyRange_Type: PyTypeObject;
            /// The `NotImplemented` singleton object (what `Py_NotImplemented` points to).
            _Py_NotImplementedStruct: PyObject;
            /// First entry of CPython's private table mapping each rich-comparison op to its reflected op.
            _Py_SwappedOp: c_int;
        }
    }
    page "refcounting" {
        /// Function form of `Py_XDECREF`: release a reference to `o`; NULL is allowed.
        fn Py_DecRef(o: *mut PyObject) -> ();
        /// Function form of `Py_XINCREF`: take a new reference to `o`; NULL is allowed.
        fn Py_IncRef(o: *mut PyObject) -> ();
        /// Increment the refcount of `obj` and return it as a new (strong) reference; 3.10+.
        [opt] fn Py_NewRef(obj: *mut PyObject) -> *mut PyObject;
        /// Like `Py_NewRef` but accepts NULL, in which case it returns NULL; 3.10+.
        [opt] fn Py_XNewRef(obj: *mut PyObject) -> *mut PyObject;
    }
    page "reflection" {
        /// Borrowed reference to the current frame's builtins dict; deprecated since 3.13 for `PyEval_GetFrameBuiltins`.
        fn PyEval_GetBuiltins() -> *mut PyObject;
        /// Borrowed reference to the current thread's executing frame, or NULL if none is running.
        fn PyEval_GetFrame() -> *mut PyFrameObject;
        /// Return the builtins of the current frame (or interpreter) as a new reference; 3.13+.
        [opt] fn PyEval_GetFrameBuiltins() -> *mut PyObject;
        /// Return the globals of the current frame as a new reference, or NULL if no frame runs; 3.13+.
        [opt] fn PyEval_GetFrameGlobals() -> *mut PyObject;
        /// Return `locals()` of the current frame as a new reference, or NULL with an exception set; 3.13+.
        [opt] fn PyEval_GetFrameLocals() -> *mut PyObject;
        /// Return a C string describing the kind of `func` (e.g. "()" or " object") for messages.
        fn PyEval_GetFuncDesc(func: *mut PyObject) -> *const c_char;
        /// Return the name of `func` (or of its type) as a C string owned by the object.
        fn PyEval_GetFuncName(func: *mut PyObject) -> *const c_char;
        /// Borrowed reference to the current frame's globals, or NULL; deprecated since 3.13 for `PyEval_GetFrameGlobals`.
        fn PyEval_GetGlobals() -> *mut PyObject;
        /// Borrowed reference to the current frame's locals, or NULL; deprecated since 3.13 for `PyEval_GetFrameLocals`.
        fn PyEval_GetLocals() -> *mut PyObject;
    }
    page "sequence" {
        /// Return 1 if `o` supports the sequence protocol (not dict subclasses), else 0; never fails.
        fn PySequence_Check(o: *mut PyObject) -> c_int;
        /// Return `o1 + o2` as a new reference, or NULL with an exception set.
        fn PySequence_Concat(o1: *mut PyObject, o2: *mut PyObject) -> *mut PyObject;
        /// Return 1 if `ob in seq`, 0 if not, -1 with an exception set on error.
        fn PySequence_Contains(seq: *mut PyObject, ob: *mut PyObject) -> c_int;
        /// Return how many items of `o` equal `value`, or -1 with an exception set.
        fn PySequence_Count(o: *mut PyObject, value: *mut PyObject) -> Py_ssize_t;
        /// Perform `del o[index]`; 0 on success, -1 with an exception set.
        fn PySequence_DelItem(o: *mut PyObject, index: Py_ssize_t) -> c_int;
        /// Perform `del o[low:high]`; 0 on success, -1 with an exception set.
        fn PySequence_DelSlice(o: *mut PyObject, low: Py_ssize_t, high: Py_ssize_t) -> c_int;
        /// Return `o` as a list or tuple (new reference), converting other iterables; NULL with TypeError(`message`).
        fn PySequence_Fast(o: *mut PyObject, message: *const c_char) -> *mut PyObject;
        /// Return `o[index]` as a new reference, or NULL with an exception set.
        fn PySequence_GetItem(o: *mut PyObject, index: Py_ssize_t) -> *mut PyObject;
        /// Return `o[low:high]` as a new reference, or NULL with an exception set.
        fn PySequence_GetSlice(o: *mut PyObject, low: Py_ssize_t, high: Py_ssize_t) -> *mut PyObject;
        /// Old alias of `PySequence_Contains`: 1 if `value in o`, 0 if not, -1 on error.
        fn PySequence_In(o: *mut PyObject, value: *mut PyObject) -> c_int;
        /// Return `o1 += o2` (in place when supported) as a new reference, or NULL with an exception set.
        fn PySequence_InPlaceConcat(o1: *mut PyObject, o2: *mut PyObject) -> *mut PyObject;
        /// Return `o *= count` (in place when supported) as a new reference, or NULL with an exception set.
        fn PySequence_InPlaceRepeat(o: *mut PyObject, count: Py_ssize_t) -> *mut PyObject;
        /// Return the first index of `value` in `o`, or -1 with an exception set (ValueError if absent).
        fn PySequence_Index(o: *mut PyObject, value: *mut PyObject) -> Py_ssize_t;
        /// Return `len(o)` for a sequence, or -1 with an exception set; alias of `PySequence_Size`.
        fn PySequence_Length(o: *mut PyObject) -> Py_ssize_t;
        /// Return `list(o)` as a new reference, or NULL with an exception set.
        fn PySequence_List(o: *mut PyObject) -> *mut PyObject;
        /// Return `o * count` as a new reference, or NULL with an exception set.
        fn PySequence_Repeat(o: *mut PyObject, count: Py_ssize_t) -> *mut PyObject;
        /// Perform `o[index] = v` without stealing `v`; 0 on success, -1 with an exception set.
        fn PySequence_SetItem(o: *mut PyObject, index: Py_ssize_t, v: *mut PyObject) -> c_int;
        /// Perform `o[low:high] = v` (NULL `v` deletes); 0 on success, -1 with an exception set.
        fn PySequence_SetSlice(o: *mut PyObject, low: Py_ssize_t, high: Py_ssize_t, v: *mut PyObject) -> c_int;
        /// Return the length of sequence `o`, or -1 with an exception set on failure.
        fn PySequence_Size(o: *mut PyObject) -> Py_ssize_t;
        /// Return `tuple(o)` as a new reference (`o` itself if already a tuple), or NULL on error.
        fn PySequence_Tuple(o: *mut PyObject) -> *mut PyObject;
    }
    page "set" {
        /// Return a new `frozenset` built from `iterable` (empty if NULL), or NULL with an exception set.
        fn PyFrozenSet_New(iterable: *mut PyObject) -> *mut PyObject;
        /// Add `key` to `set` (or a brand-new frozenset); 0 on success, -1 with an exception set.
        fn PySet_Add(set: *mut PyObject, key: *mut PyObject) -> c_int;
        /// Remove all elements of `set`; 0 on success, -1 with an exception set.
        fn PySet_Clear(set: *mut PyObject) -> c_int;
        /// Return 1 if `key` is in `anyset`, 0 if not, -1 with an exception set (e.g. unhashable key).
        fn PySet_Contains(anyset: *mut PyObject, key: *mut PyObject) -> c_int;
        /// Remove `key` from `set` if present: 1 if removed, 0 if absent (no KeyError), -1 on error.
        fn PySet_Discard(set: *mut PyObject, key: *mut PyObject) -> c_int;
        /// Return a new `set` built from `iterable` (empty if NULL), or NULL with an exception set.
        fn PySet_New(iterable: *mut PyObject) -> *mut PyObject;
        /// Remove and return an arbitrary element as a new reference; NULL with KeyError if `set` is empty.
        fn PySet_Pop(set: *mut PyObject) -> *mut PyObject;
        /// Return the number of elements of `anyset`, or -1 with an exception set.
        fn PySet_Size(anyset: *mut PyObject) -> Py_ssize_t;
        statics {
            /// The `frozenset` type object.
            PyFrozenSet_Type: PyTypeObject;
            /// The type object of `set`/`frozenset` iterators.
            PySetIter_Type: PyTypeObject;
            /// The `set` type object.
            PySet_Type: PyTypeObject;
        }
    }
    page "slice" {
        /// Clamp `*start`/`*stop` for a sequence of `length` with `step`; returns the slice length, never fails.
        fn PySlice_AdjustIndices(length: Py_ssize_t, start: *mut Py_ssize_t, stop: *mut Py_ssize_t, step: Py_ssize_t) -> Py_ssize_t;
        /// Legacy: store the slice's indices for a sequence of `length`; 0 on success, -1 on error.
        fn PySlice_GetIndices(slice: *mut PyObject, length: Py_ssize_t, start: *mut Py_ssize_t, stop: *mut Py_ssize_t, step: *mut Py_ssize_t) -> c_int;
        /// Compute clamped indices and `slicelength` of `slice`; 0/-1; prefer `PySlice_Unpack` + `PySlice_AdjustIndices`.
        fn PySlice_GetIndicesEx(slice: *mut PyObject, length: Py_ssize_t, start: *mut Py_ssize_t, stop: *mut Py_ssize_t, step: *mut Py_ssize_t, slicelength: *mut Py_ssize_t) -> c_int;
        /// Return a new `slice(start, stop, step)` (NULL arguments mean None), or NULL with an exception set.
        fn PySlice_New(start: *mut PyObject, stop: *mut PyObject, step: *mut PyObject) -> *mut PyObject;
        /// Extract a slice's start/stop/step as `Py_ssize_t` (not clamped to a length); 0 on success, -1 on error.
        fn PySlice_Unpack(slice: *mut PyObject, start: *mut Py_ssize_t, stop: *mut Py_ssize_t, step: *mut Py_ssize_t) -> c_int;
        statics {
            /// The type object of `Ellipsis` (`types.EllipsisType`).
            PyEllipsis_Type: PyTypeObject;
            /// The `slice` type object.
            PySlice_Type: PyTypeObject;
            /// The `Ellipsis` singleton object (what `Py_Ellipsis` points to).
            _Py_EllipsisObject: PyObject;
        }
    }
    page "structures" {
        /// Return the `ml_flags` of built-in function `op`, or -1 with SystemError if it is not one.
        fn PyCFunction_GetFlags(op: *mut PyObject) -> c_int;
        /// Return the C function pointer of built-in function `op`, or NULL with SystemError.
        fn PyCFunction_GetFunction(op: *mut PyObject) -> PyCFunction;
        /// Borrowed reference to the bound `self` (or module) of built-in function `op`; may be NULL.
        fn PyCFunction_GetSelf(op: *mut PyObject) -> *mut PyObject;
        /// Create a built-in function from method def `ml` bound to `self_`; new reference or NULL on error.
        [opt] fn PyCFunction_New(ml: *mut PyMethodDef, self_: *mut PyObject) -> *mut PyObject;
        /// Like `PyCFunction_New` also setting `__module__` to `module`; new reference or NULL on error.
        fn PyCFunction_NewEx(ml: *mut PyMethodDef, self_: *mut PyObject, module: *mut PyObject) -> *mut PyObject;
        /// Like `PyCFunction_NewEx` with defining class `cls` (for `METH_METHOD`); new reference or NULL.
        fn PyCMethod_New(ml: *mut PyMethodDef, self_: *mut PyObject, module: *mut PyObject, cls: *mut PyTypeObject) -> *mut PyObject;
        /// Return 1 if `x is y`, else 0; 3.10+.
        [opt] fn Py_Is(x: *mut PyObject, y: *mut PyObject) -> c_int;
        /// Return 1 if `x` is the `False` singleton, else 0; 3.10+.
        [opt] fn Py_IsFalse(x: *mut PyObject) -> c_int;
        /// Return non-zero if the main interpreter is shutting down, else 0; 3.13+.
        [opt] fn Py_IsFinalizing() -> c_int;
        /// Return non-zero if the interpreter is initialized, 0 otherwise; safe to call before initialization.
        fn Py_IsInitialized() -> c_int;
        /// Return 1 if `x` is `None`, else 0; 3.10+.
        [opt] fn Py_IsNone(x: *mut PyObject) -> c_int;
        /// Return 1 if `x` is the `True` singleton, else 0; 3.10+.
        [opt] fn Py_IsTrue(x: *mut PyObject) -> c_int;
        statics {
            /// The type object of built-in functions and methods (`builtin_function_or_method`).
            PyCFunction_Type: PyTypeObject;
        }
    }
    page "sys" {
        /// Update interpreter state in the child after `fork()`; deprecated since 3.7 for `PyOS_AfterFork_Child`.
        fn PyOS_AfterFork() -> ();
        /// Call in the child process right after `fork()` to reset interpreter internals (locks, threads).
        fn PyOS_AfterFork_Child() -> ();
        /// Call in the parent process after `fork()` to undo `PyOS_BeforeFork` (releases locks).
        fn PyOS_AfterFork_Parent() -> ();
        /// Call right before `fork()` to prepare interpreter state (acquire locks, run `os.register_at_fork`).
        fn PyOS_BeforeFork() -> ();
        /// Return non-zero if the C stack is close to overflowing; only exported on some (Windows) builds.
        [opt] fn PyOS_CheckStack() -> c_int;
        /// Return `os.fspath(path)` (a str or bytes) as a new reference, or NULL with TypeError.
        fn PyOS_FSPath(path: *mut PyObject) -> *mut PyObject;
        /// Return 1 (and clear the flag) if SIGINT arrived since the last check, else 0; main thread only.
        fn PyOS_InterruptOccurred() -> c_int;
        /// Return the current handler installed for signal `signum`.
        fn PyOS_getsig(signum: c_int) -> PyOS_sighandler_t;
        /// Install `handler` for signal `signum` and return the previous handler.
        fn PyOS_setsig(signum: c_int, handler: PyOS_sighandler_t) -> PyOS_sighandler_t;
        /// Raise audit event `event`, args built from `Py_BuildValue` `format` (varargs follow); 0 or -1 on error.
        [var] fn PySys_Audit(event: *const c_char, format: *const c_char) -> c_int;
        /// Raise audit event `event` with the tuple `args` (NULL means none); 0 on success, -1 on error; 3.13+.
        [opt] fn PySys_AuditTuple(event: *const c_char, args: *mut PyObject) -> c_int;
        /// Write a `PyUnicode_FromFormat`-style message to `sys.stderr` (printf-style arguments follow).
        [var] fn PySys_FormatStderr(format: *const c_char) -> ();
        /// Write a `PyUnicode_FromFormat`-style message to `sys.stdout` (printf-style arguments follow).
        [var] fn PySys_FormatStdout(format: *const c_char) -> ();
        /// Borrowed reference to `sys.<name>`, or NULL (without an exception) if it does not exist.
        fn PySys_GetObject(name: *const c_char) -> *mut PyObject;
        /// Borrowed reference to the `sys._xoptions` dict (the `-X` options), or NULL on error.
        fn PySys_GetXOptions() -> *mut PyObject;
        /// Clear `sys.warnoptions`; deprecated since 3.13 (edit `sys.warnoptions` directly).
        [opt] fn PySys_ResetWarnOptions() -> ();
        /// Set `sys.argv` from `argc`/`argv` (and maybe `sys.path[0]`); deprecated since 3.11 (use PyConfig).
        [opt] fn PySys_SetArgv(argc: c_int, argv: *mut *mut wchar_t) -> ();
        /// Set `sys.argv`, prepending to `sys.path` if `updatepath`; deprecated since 3.11 (use PyConfig).
        [opt] fn PySys_SetArgvEx(argc: c_int, argv: *mut *mut wchar_t, updatepath: c_int) -> ();
        /// Set `sys.<name>` to `v` (NULL deletes it); 0 on success, -1 with an exception set.
        fn PySys_SetObject(name: *const c_char, v: *mut PyObject) -> c_int;
        /// Write a C printf-style message (at most ~1000 bytes) to `sys.stderr`; arguments follow, never raises.
        [var] fn PySys_WriteStderr(format: *const c_char) -> ();
        /// Write a C printf-style message (at most ~1000 bytes) to `sys.stdout`; arguments follow, never raises.
        [var] fn PySys_WriteStdout(format: *const c_char) -> ();
        /// Register `func` to run at the end of `Py_FinalizeEx` (max 32); 0 on success, -1 on failure.
        fn Py_AtExit(func: Option<unsafe extern "C" fn()>) -> c_int;
        /// Decode `text` from the locale encoding (surrogateescape) to a `PyMem_RawMalloc`'d string; NULL on error.
        fn Py_DecodeLocale(text: *const c_char, size: *mut usize) -> *mut wchar_t;
        /// Encode wide string `text` to the locale encoding as a `PyMem_Malloc`'d string; NULL on error.
        fn Py_EncodeLocale(text: *const wchar_t, error_pos: *mut usize) -> *mut c_char;
        /// Finalize the interpreter and exit the process with `status`; does not return.
        fn Py_Exit(status: c_int) -> ();
        /// Print `message` to stderr and abort the process; does not return.
        fn Py_FatalError(message: *const c_char) -> ();
        statics {
            /// Optional hook called repeatedly by the interactive prompt while it waits for input (e.g. GUI loops).
            PyOS_InputHook: PyOS_InputHookFn;
        }
    }
    page "tuple" {
        /// Borrowed reference to field `pos` of struct sequence `obj`.
        fn PyStructSequence_GetItem(obj: *mut PyObject, pos: Py_ssize_t) -> *mut PyObject;
        /// Create an instance of struct sequence type `type_` with unset fields; new reference or NULL.
        fn PyStructSequence_New(type_: *mut PyTypeObject) -> *mut PyObject;
        /// Create a new struct sequence type from `desc`; new reference or NULL with an exception set.
        fn PyStructSequence_NewType(desc: *mut PyStructSequence_Desc) -> *mut PyTypeObject;
        /// Set field `pos` of a fresh struct sequence `obj`, stealing a reference to `value`; no checks.
        fn PyStructSequence_SetItem(obj: *mut PyObject, pos: Py_ssize_t, value: *mut PyObject) -> ();
        /// Borrowed reference to `tuple[pos]`, or NULL with IndexError/SystemError on bad input.
        fn PyTuple_GetItem(tuple: *mut PyObject, pos: Py_ssize_t) -> *mut PyObject;
        /// Return `tuple[low:high]` as a new reference, or NULL with an exception set.
        fn PyTuple_GetSlice(tuple: *mut PyObject, low: Py_ssize_t, high: Py_ssize_t) -> *mut PyObject;
        /// Return a new tuple of `size` NULL slots (fill with `PyTuple_SetItem`), or NULL on failure.
        fn PyTuple_New(size: Py_ssize_t) -> *mut PyObject;
        /// Return a new tuple of the `count` object arguments that follow (not stolen), or NULL on failure.
        [var] fn PyTuple_Pack(count: Py_ssize_t) -> *mut PyObject;
        /// Store `item` at `pos` of a fresh tuple, stealing a reference to `item` even on error; 0 or -1.
        fn PyTuple_SetItem(tuple: *mut PyObject, pos: Py_ssize_t, item: *mut PyObject) -> c_int;
        /// Return the length of `tuple`, or -1 with an exception set if it is not a tuple.
        fn PyTuple_Size(tuple: *mut PyObject) -> Py_ssize_t;
        statics {
            /// Special field name marking a struct sequence field as unnamed.
            [opt] PyStructSequence_UnnamedField: *mut c_char;
            /// The type object of `tuple` iterators.
            PyTupleIter_Type: PyTypeObject;
            /// The `tuple` type object.
            PyTuple_Type: PyTypeObject;
        }
    }
    page "type" {
        /// Clear the internal method lookup cache; returns the current version tag.
        fn PyType_ClearCache() -> c_uint;
        /// Create a heap type from `spec` with `metaclass`, `module` and `bases`; new reference or NULL; 3.12+.
        [opt] fn PyType_FromMetaclass(metaclass: *mut PyTypeObject, module: *mut PyObject, spec: *mut PyType_Spec, bases: *mut PyObject) -> *mut PyObject;
        /// Create a heap type from `spec` tied to `module`, with optional `bases`; new reference or NULL.
        fn PyType_FromModuleAndSpec(module: *mut PyObject, spec: *mut PyType_Spec, bases: *mut PyObject) -> *mut PyObject;
        /// Create a heap type from `spec`; new reference, or NULL with an exception set.
        fn PyType_FromSpec(spec: *mut PyType_Spec) -> *mut PyObject;
        /// Create a heap type from `spec` with base class(es) `bases`; new reference or NULL.
        fn PyType_FromSpecWithBases(spec: *mut PyType_Spec, bases: *mut PyObject) -> *mut PyObject;
        /// Default `tp_alloc`: zeroed instance of `type_` with room for `nitems` items; new reference or NULL.
        fn PyType_GenericAlloc(type_: *mut PyTypeObject, nitems: Py_ssize_t) -> *mut PyObject;
        /// Default `tp_new`: allocate via `tp_alloc`, ignoring `args`/`kwds`; new reference or NULL.
        fn PyType_GenericNew(type_: *mut PyTypeObject, args: *mut PyObject, kwds: *mut PyObject) -> *mut PyObject;
        /// Return the `tp_flags` of `type_`.
        fn PyType_GetFlags(type_: *mut PyTypeObject) -> c_ulong;
        /// Return `"module.qualname"` of `type_` as a new str reference, or NULL; 3.13+.
        [opt] fn PyType_GetFullyQualifiedName(type_: *mut PyTypeObject) -> *mut PyObject;
        /// Borrowed reference to the module `type_` was created with, or NULL with TypeError if none.
        fn PyType_GetModule(type_: *mut PyTypeObject) -> *mut PyObject;
        /// Borrowed reference to the first module in `type_`'s MRO created from `def`, or NULL with TypeError.
        [opt] fn PyType_GetModuleByDef(type_: *mut PyTypeObject, def: *mut PyModuleDef) -> *mut PyObject;
        /// Return `type_.__module__` as a new reference, or NULL with an exception set; 3.13+.
        [opt] fn PyType_GetModuleName(type_: *mut PyTypeObject) -> *mut PyObject;
        /// Return the state of the module associated with `type_`, or NULL (TypeError if no module).
        fn PyType_GetModuleState(type_: *mut PyTypeObject) -> *mut c_void;
        /// Return `type_.__name__` as a new reference, or NULL with an exception set; 3.11+.
        [opt] fn PyType_GetName(type_: *mut PyTypeObject) -> *mut PyObject;
        /// Return `type_.__qualname__` as a new reference, or NULL with an exception set; 3.11+.
        [opt] fn PyType_GetQualName(type_: *mut PyTypeObject) -> *mut PyObject;
        /// Return the function pointer stored in slot id `slot` of `type_`, or NULL if unset/invalid.
        fn PyType_GetSlot(type_: *mut PyTypeObject, slot: c_int) -> *mut c_void;
        /// Return the size of the instance data reserved by `cls` (see `PyObject_GetTypeData`); 3.12+.
        [opt] fn PyType_GetTypeDataSize(cls: *mut PyTypeObject) -> Py_ssize_t;
        /// Return 1 if type `a` is a subtype of `b` (per the MRO), else 0; never fails.
        fn PyType_IsSubtype(a: *mut PyTypeObject, b: *mut PyTypeObject) -> c_int;
        /// Invalidate the lookup cache of `type_` and its subclasses after changing its attributes directly.
        fn PyType_Modified(type_: *mut PyTypeObject) -> ();
        /// Finalize a (static) type object, filling inherited slots; 0 on success, -1 with an exception set.
        fn PyType_Ready(type_: *mut PyTypeObject) -> c_int;
        statics {
            /// The `object` type object.
            PyBaseObject_Type: PyTypeObject;
            /// The `super` type object.
            PySuper_Type: PyTypeObject;
            /// The `type` type object (the default metaclass).
            PyType_Type: PyTypeObject;
        }
    }
    page "typehints" {
        /// Return a new `types.GenericAlias` for `origin[args]`, or NULL with an exception set.
        fn Py_GenericAlias(origin: *mut PyObject, args: *mut PyObject) -> *mut PyObject;
        statics {
            /// The `types.GenericAlias` type object.
            Py_GenericAliasType: PyTypeObject;
        }
    }
    page "unicode" {
        /// Replace `*pleft` with `*pleft + right` (old reference released); `*pleft` is NULL with an exception on error.
        fn PyUnicode_Append(pleft: *mut *mut PyObject, right: *mut PyObject) -> ();
        /// Like `PyUnicode_Append` but also releases (steals) the reference to `right`.
        fn PyUnicode_AppendAndDel(pleft: *mut *mut PyObject, right: *mut PyObject) -> ();
        /// Encode `unicode` as ASCII (strict) into a new bytes reference, or NULL with an exception set.
        fn PyUnicode_AsASCIIString(unicode: *mut PyObject) -> *mut PyObject;
        /// Encode `unicode` with the charmap codec using `mapping`; new bytes reference or NULL on error.
        fn PyUnicode_AsCharmapString(unicode: *mut PyObject, mapping: *mut PyObject) -> *mut PyObject;
        /// Deprecated: decode `unicode` through the codec registry; new reference or NULL on error.
        [opt] fn PyUnicode_AsDecodedObject(unicode: *mut PyObject, encoding: *const c_char, errors: *const c_char) -> *mut PyObject;
        /// Deprecated: decode `unicode` through the codec registry to a str; new reference or NULL on error.
        [opt] fn PyUnicode_AsDecodedUnicode(unicode: *mut PyObject, encoding: *const c_char, errors: *const c_char) -> *mut PyObject;
        /// Deprecated: encode `unicode` through the codec registry to any object; new reference or NULL.
        [opt] fn PyUnicode_AsEncodedObject(unicode: *mut PyObject, encoding: *const c_char, errors: *const c_char) -> *mut PyObject;
        /// Encode `unicode` with codec `encoding` into a new bytes reference, or NULL with an exception set.
        fn PyUnicode_AsEncodedString(unicode: *mut PyObject, encoding: *const c_char, errors: *const c_char) -> *mut PyObject;
        /// Deprecated: encode `unicode` through the codec registry to a str; new reference or NULL.
        [opt] fn PyUnicode_AsEncodedUnicode(unicode: *mut PyObject, encoding: *const c_char, errors: *const c_char) -> *mut PyObject;
        /// Encode `unicode` as Latin-1 (strict) into a new bytes reference, or NULL with an exception set.
        fn PyUnicode_AsLatin1String(unicode: *mut PyObject) -> *mut PyObject;
        /// Encode `unicode` with the raw-unicode-escape codec; new bytes reference or NULL on error.
        fn PyUnicode_AsRawUnicodeEscapeString(unicode: *mut PyObject) -> *mut PyObject;
        /// Copy `unicode` into `buffer` (`buflen` code points, NUL added if `copy_null`); returns `buffer` or NULL.
        fn PyUnicode_AsUCS4(unicode: *mut PyObject, buffer: *mut Py_UCS4, buflen: Py_ssize_t, copy_null: c_int) -> *mut Py_UCS4;
        /// Return a NUL-terminated UCS4 copy in `PyMem_Malloc`'d memory (free with `PyMem_Free`), or NULL.
        fn PyUnicode_AsUCS4Copy(unicode: *mut PyObject) -> *mut Py_UCS4;
        /// Encode `unicode` as UTF-16 (with BOM, native order) into a new bytes reference, or NULL.
        fn PyUnicode_AsUTF16String(unicode: *mut PyObject) -> *mut PyObject;
        /// Encode `unicode` as UTF-32 (with BOM, native order) into a new bytes reference, or NULL.
        fn PyUnicode_AsUTF32String(unicode: *mut PyObject) -> *mut PyObject;
        /// Return the UTF-8 buffer owned by the string (length in `*size`); NULL with an exception on error.
        fn PyUnicode_AsUTF8AndSize(unicode: *mut PyObject, size: *mut Py_ssize_t) -> *const c_char;
        /// Encode `unicode` as UTF-8 into a new bytes reference, or NULL with an exception set.
        fn PyUnicode_AsUTF8String(unicode: *mut PyObject) -> *mut PyObject;
        /// Encode `unicode` with the unicode-escape codec; new bytes reference or NULL on error.
        fn PyUnicode_AsUnicodeEscapeString(unicode: *mut PyObject) -> *mut PyObject;
        /// Copy up to `size` wchar_t into `wstr` (maybe without NUL); returns the count or -1 on error.
        fn PyUnicode_AsWideChar(unicode: *mut PyObject, wstr: *mut wchar_t, size: Py_ssize_t) -> Py_ssize_t;
        /// Return a `PyMem_Malloc`'d NUL-terminated wchar_t copy (free with `PyMem_Free`), or NULL.
        fn PyUnicode_AsWideCharString(unicode: *mut PyObject, size: *mut Py_ssize_t) -> *mut wchar_t;
        /// Build a charmap encoding map from the 256-char decoding table `string`; new reference or NULL.
        fn PyUnicode_BuildEncodingMap(string: *mut PyObject) -> *mut PyObject;
        /// Compare two strings: -1, 0 or 1; -1 is also returned on error (check `PyErr_Occurred`).
        fn PyUnicode_Compare(left: *mut PyObject, right: *mut PyObject) -> c_int;
        /// Compare str `left` with ASCII C string `right`: -1, 0 or 1; does not raise.
        fn PyUnicode_CompareWithASCIIString(left: *mut PyObject, right: *const c_char) -> c_int;
        /// Return `left + right` as a new str reference, or NULL with an exception set.
        fn PyUnicode_Concat(left: *mut PyObject, right: *mut PyObject) -> *mut PyObject;
        /// Return 1 if `element` is a substring of `container`, 0 if not, -1 with an exception set.
        fn PyUnicode_Contains(container: *mut PyObject, element: *mut PyObject) -> c_int;
        /// Count non-overlapping `substr` in `str_[start:end]`; -1 with an exception set on error.
        fn PyUnicode_Count(str_: *mut PyObject, substr: *mut PyObject, start: Py_ssize_t, end: Py_ssize_t) -> Py_ssize_t;
        /// Decode `size` bytes at `str_` with codec `encoding`; new str reference or NULL on error.
        fn PyUnicode_Decode(str_: *const c_char, size: Py_ssize_t, encoding: *const c_char, errors: *const c_char) -> *mut PyObject;
        /// Decode `length` ASCII bytes at `string`; new str reference or NULL with an exception set.
        fn PyUnicode_DecodeASCII(string: *const c_char, length: Py_ssize_t, errors: *const c_char) -> *mut PyObject;
        /// Decode bytes with the charmap codec using `mapping` (NULL means Latin-1); new reference or NULL.
        fn PyUnicode_DecodeCharmap(string: *const c_char, length: Py_ssize_t, mapping: *mut PyObject, errors: *const c_char) -> *mut PyObject;
        /// Decode the C string `str_` with the filesystem encoding and error handler; new reference or NULL.
        fn PyUnicode_DecodeFSDefault(str_: *const c_char) -> *mut PyObject;
        /// Decode `size` bytes at `str_` with the filesystem encoding/error handler; new reference or NULL.
        fn PyUnicode_DecodeFSDefaultAndSize(str_: *const c_char, size: Py_ssize_t) -> *mut PyObject;
        /// Decode `length` Latin-1 bytes at `string`; new str reference or NULL with an exception set.
        fn PyUnicode_DecodeLatin1(string: *const c_char, length: Py_ssize_t, errors: *const c_char) -> *mut PyObject;
        /// Decode the C string `str_` from the current locale encoding; new reference or NULL on error.
        fn PyUnicode_DecodeLocale(str_: *const c_char, errors: *const c_char) -> *mut PyObject;
        /// Decode `len` bytes (NUL-terminated) from the current locale encoding; new reference or NULL.
        fn PyUnicode_DecodeLocaleAndSize(str_: *const c_char, len: Py_ssize_t, errors: *const c_char) -> *mut PyObject;
        /// Decode raw-unicode-escape encoded bytes; new str reference or NULL with an exception set.
        fn PyUnicode_DecodeRawUnicodeEscape(string: *const c_char, length: Py_ssize_t, errors: *const c_char) -> *mut PyObject;
        /// Decode UTF-16 bytes, honouring/updating `*byteorder` (-1 LE, 0 BOM, 1 BE); new reference or NULL.
        fn PyUnicode_DecodeUTF16(string: *const c_char, length: Py_ssize_t, errors: *const c_char, byteorder: *mut c_int) -> *mut PyObject;
        /// Like `PyUnicode_DecodeUTF16`, leaving a truncated tail undecoded and storing bytes used in `*consumed`.
        fn PyUnicode_DecodeUTF16Stateful(string: *const c_char, length: Py_ssize_t, errors: *const c_char, byteorder: *mut c_int, consumed: *mut Py_ssize_t) -> *mut PyObject;
        /// Decode UTF-32 bytes, honouring/updating `*byteorder` (-1 LE, 0 BOM, 1 BE); new reference or NULL.
        fn PyUnicode_DecodeUTF32(string: *const c_char, length: Py_ssize_t, errors: *const c_char, byteorder: *mut c_int) -> *mut PyObject;
        /// Like `PyUnicode_DecodeUTF32`, leaving a truncated tail undecoded and storing bytes used in `*consumed`.
        fn PyUnicode_DecodeUTF32Stateful(string: *const c_char, length: Py_ssize_t, errors: *const c_char, byteorder: *mut c_int, consumed: *mut Py_ssize_t) -> *mut PyObject;
        /// Decode `length` UTF-7 bytes at `string`; new str reference or NULL with an exception set.
        fn PyUnicode_DecodeUTF7(string: *const c_char, length: Py_ssize_t, errors: *const c_char) -> *mut PyObject;
        /// Like `PyUnicode_DecodeUTF7`, tolerating a truncated tail and storing bytes used in `*consumed`.
        fn PyUnicode_DecodeUTF7Stateful(string: *const c_char, length: Py_ssize_t, errors: *const c_char, consumed: *mut Py_ssize_t) -> *mut PyObject;
        /// Decode `length` UTF-8 bytes at `string`; new str reference or NULL with an exception set.
        fn PyUnicode_DecodeUTF8(string: *const c_char, length: Py_ssize_t, errors: *const c_char) -> *mut PyObject;
        /// Like `PyUnicode_DecodeUTF8`, tolerating a truncated tail and storing bytes used in `*consumed`.
        fn PyUnicode_DecodeUTF8Stateful(string: *const c_char, length: Py_ssize_t, errors: *const c_char, consumed: *mut Py_ssize_t) -> *mut PyObject;
        /// Decode unicode-escape encoded bytes; new str reference or NULL with an exception set.
        fn PyUnicode_DecodeUnicodeEscape(string: *const c_char, length: Py_ssize_t, errors: *const c_char) -> *mut PyObject;
        /// Encode `unicode` with the filesystem encoding and error handler; new bytes reference or NULL.
        fn PyUnicode_EncodeFSDefault(unicode: *mut PyObject) -> *mut PyObject;
        /// Encode `unicode` to the current locale encoding; new bytes reference or NULL with an exception set.
        fn PyUnicode_EncodeLocale(unicode: *mut PyObject, errors: *const c_char) -> *mut PyObject;
        /// Return 1 if str `unicode` equals the UTF-8 C string `string`, else 0; never raises; 3.13+.
        [opt] fn PyUnicode_EqualToUTF8(unicode: *mut PyObject, string: *const c_char) -> c_int;
        /// Like `PyUnicode_EqualToUTF8` for `size` bytes at `string`; 1/0, never raises; 3.13+.
        [opt] fn PyUnicode_EqualToUTF8AndSize(unicode: *mut PyObject, string: *const c_char, size: Py_ssize_t) -> c_int;
        /// "O&" converter: turn str/path-like `obj` into bytes stored in `*result`; 0 on failure.
        fn PyUnicode_FSConverter(obj: *mut PyObject, result: *mut c_void) -> c_int;
        /// "O&" converter: turn bytes/path-like `obj` into a str stored in `*result`; 0 on failure.
        fn PyUnicode_FSDecoder(obj: *mut PyObject, result: *mut c_void) -> c_int;
        /// Index of `substr` in `str_[start:end]` (searching forward if `direction` > 0); -1 if absent, -2 on error.
        fn PyUnicode_Find(str_: *mut PyObject, substr: *mut PyObject, start: Py_ssize_t, end: Py_ssize_t, direction: c_int) -> Py_ssize_t;
        /// Index of code point `ch` in `str_[start:end]` (forward if `direction` > 0); -1 if absent, -2 on error.
        fn PyUnicode_FindChar(str_: *mut PyObject, ch: Py_UCS4, start: Py_ssize_t, end: Py_ssize_t, direction: c_int) -> Py_ssize_t;
        /// Return `format % args` as a new str reference, or NULL with an exception set.
        fn PyUnicode_Format(format: *mut PyObject, args: *mut PyObject) -> *mut PyObject;
        /// Decode bytes-like `obj` with `encoding` into a new str reference, or NULL with an exception set.
        fn PyUnicode_FromEncodedObject(obj: *mut PyObject, encoding: *const c_char, errors: *const c_char) -> *mut PyObject;
        /// Build a str from a C `format` string; printf-style arguments follow; new reference or NULL.
        [var] fn PyUnicode_FromFormat(format: *const c_char) -> *mut PyObject;
        /// Like `PyUnicode_FromFormat` but takes a `va_list`; new reference or NULL with an exception set.
        fn PyUnicode_FromFormatV(format: *const c_char, vargs: va_list) -> *mut PyObject;
        /// Return `obj` as an exact str (copying str subclasses) as a new reference, or NULL on error.
        fn PyUnicode_FromObject(obj: *mut PyObject) -> *mut PyObject;
        /// Return a one-character str for code point `ordinal`; NULL with ValueError if out of range.
        fn PyUnicode_FromOrdinal(ordinal: c_int) -> *mut PyObject;
        /// Create a str from the NUL-terminated UTF-8 string `str_`; new reference or NULL on error.
        fn PyUnicode_FromString(str_: *const c_char) -> *mut PyObject;
        /// Create a str from `size` UTF-8 bytes at `str_`; new reference or NULL on error.
        fn PyUnicode_FromStringAndSize(str_: *const c_char, size: Py_ssize_t) -> *mut PyObject;
        /// Create a str from `size` wchar_t at `wstr` (-1 means NUL-terminated); new reference or NULL.
        fn PyUnicode_FromWideChar(wstr: *const wchar_t, size: Py_ssize_t) -> *mut PyObject;
        /// Return the name of the default string encoding (`"utf-8"`) as a static C string.
        fn PyUnicode_GetDefaultEncoding() -> *const c_char;
        /// Return the length of `unicode` in code points, or -1 with an exception set.
        fn PyUnicode_GetLength(unicode: *mut PyObject) -> Py_ssize_t;
        /// Create an interned str from the UTF-8 C string `str_`; new reference or NULL.
        fn PyUnicode_InternFromString(str_: *const c_char) -> *mut PyObject;
        /// Intern `*p_unicode` in place, possibly swapping it for the existing interned string.
        fn PyUnicode_InternInPlace(p_unicode: *mut *mut PyObject) -> ();
        /// Return 1 if `unicode` is a valid Python identifier, else 0.
        fn PyUnicode_IsIdentifier(unicode: *mut PyObject) -> c_int;
        /// Join the strings of `seq` with `separator`; new str reference or NULL with an exception set.
        fn PyUnicode_Join(separator: *mut PyObject, seq: *mut PyObject) -> *mut PyObject;
        /// Return `unicode.partition(sep)` as a new 3-tuple reference, or NULL with an exception set.
        fn PyUnicode_Partition(unicode: *mut PyObject, sep: *mut PyObject) -> *mut PyObject;
        /// Return `unicode.rpartition(sep)` as a new 3-tuple reference, or NULL with an exception set.
        fn PyUnicode_RPartition(unicode: *mut PyObject, sep: *mut PyObject) -> *mut PyObject;
        /// Return `unicode.rsplit(sep, maxsplit)` as a new list (NULL `sep` splits on whitespace), or NULL.
        fn PyUnicode_RSplit(unicode: *mut PyObject, sep: *mut PyObject, maxsplit: Py_ssize_t) -> *mut PyObject;
        /// Return the code point at `index`, or `(Py_UCS4)-1` with an exception set on error.
        fn PyUnicode_ReadChar(unicode: *mut PyObject, index: Py_ssize_t) -> Py_UCS4;
        /// Replace up to `maxcount` (-1: all) `substr` with `replstr`; new str reference or NULL on error.
        fn PyUnicode_Replace(str_: *mut PyObject, substr: *mut PyObject, replstr: *mut PyObject, maxcount: Py_ssize_t) -> *mut PyObject;
        /// Resize the fresh, unshared string `*unicode` to `length` (may reallocate); 0 on success, -1 on error.
        fn PyUnicode_Resize(unicode: *mut *mut PyObject, length: Py_ssize_t) -> c_int;
        /// Compare strings with operator `op`; new reference to a bool or `NotImplemented`, NULL on error.
        fn PyUnicode_RichCompare(left: *mut PyObject, right: *mut PyObject, op: c_int) -> *mut PyObject;
        /// Return `unicode.split(sep, maxsplit)` as a new list (NULL `sep` splits on whitespace), or NULL.
        fn PyUnicode_Split(unicode: *mut PyObject, sep: *mut PyObject, maxsplit: Py_ssize_t) -> *mut PyObject;
        /// Return `unicode.splitlines(keepends)` as a new list reference, or NULL with an exception set.
        fn PyUnicode_Splitlines(unicode: *mut PyObject, keepends: c_int) -> *mut PyObject;
        /// Return `str_[start:end]` as a new str reference, or NULL with an exception set.
        fn PyUnicode_Substring(str_: *mut PyObject, start: Py_ssize_t, end: Py_ssize_t) -> *mut PyObject;
        /// 1 if `substr` matches `str_[start:end]` at the end (`direction` > 0) or start, else 0; -1 on error.
        fn PyUnicode_Tailmatch(str_: *mut PyObject, substr: *mut PyObject, start: Py_ssize_t, end: Py_ssize_t, direction: c_int) -> Py_ssize_t;
        /// Map the characters of `str_` through `table` (like `str.translate`); new reference or NULL.
        fn PyUnicode_Translate(str_: *mut PyObject, table: *mut PyObject, errors: *const c_char) -> *mut PyObject;
        /// Write code point `character` at `index` of a fresh, unshared string; 0 on success, -1 on error.
        fn PyUnicode_WriteChar(unicode: *mut PyObject, index: Py_ssize_t, character: Py_UCS4) -> c_int;
        /// Return the UTF-8 buffer owned by the string (valid while it lives), or NULL with an exception set.
        [opt] fn PyUnicode_AsUTF8(unicode: *mut PyObject) -> *const c_char;
        statics {
            /// The type object of `str` iterators.
            PyUnicodeIter_Type: PyTypeObject;
            /// The `str` type object.
            PyUnicode_Type: PyTypeObject;
        }
    }
    page "veryhigh" {
        /// Execute code object `co` with `globals`/`locals`; result as a new reference, or NULL with an exception.
        fn PyEval_EvalCode(co: *mut PyObject, globals: *mut PyObject, locals: *mut PyObject) -> *mut PyObject;
        /// Execute `co` with explicit args, keywords, defaults and closure; new reference or NULL on error.
        fn PyEval_EvalCodeEx(co: *mut PyObject, globals: *mut PyObject, locals: *mut PyObject, args: *const *mut PyObject, argc: c_int, kwds: *const *mut PyObject, kwdc: c_int, defs: *const *mut PyObject, defc: c_int, kwdefs: *mut PyObject, closure: *mut PyObject) -> *mut PyObject;
        /// Evaluate frame `f`; new reference to the result, or NULL with an exception set.
        fn PyEval_EvalFrame(f: *mut PyFrameObject) -> *mut PyObject;
        /// Evaluate frame `f`, raising the pending exception at once if `throwflag`; new reference or NULL.
        fn PyEval_EvalFrameEx(f: *mut PyFrameObject, throwflag: c_int) -> *mut PyObject;
        /// Run the standard `python` main program with byte-string `argv`; returns the exit status.
        fn Py_BytesMain(argc: c_int, argv: *mut *mut c_char) -> c_int;
        /// Compile source `str_` (start token `start`) into a code object; new reference or NULL on error.
        fn Py_CompileString(str_: *const c_char, filename: *const c_char, start: c_int) -> *mut PyObject;
        /// Run the standard `python` main program with wide-string `argv`; returns the exit status.
        fn Py_Main(argc: c_int, argv: *mut *mut wchar_t) -> c_int;
        /// Execute source `str_` in `globals`/`locals` with compiler `flags`; new reference to the result, or NULL.
        [opt] fn PyRun_StringFlags(str_: *const c_char, start: c_int, globals: *mut PyObject, locals: *mut PyObject, flags: *mut PyCompilerFlags) -> *mut PyObject;
        /// Run `command` in `__main__` with compiler `flags`; 0 on success, -1 if an exception was raised (printed).
        [opt] fn PyRun_SimpleStringFlags(command: *const c_char, flags: *mut PyCompilerFlags) -> c_int;
        /// Compile `str_` with `flags` and `optimize` level (-1: interpreter's); new code reference or NULL.
        [opt] fn Py_CompileStringExFlags(str_: *const c_char, filename: *const c_char, start: c_int, flags: *mut PyCompilerFlags, optimize: c_int) -> *mut PyObject;
        /// Like `Py_CompileStringExFlags` with `filename` as a str object; new code reference or NULL.
        [opt] fn Py_CompileStringObject(str_: *const c_char, filename: *mut PyObject, start: c_int, flags: *mut PyCompilerFlags, optimize: c_int) -> *mut PyObject;
        /// Merge the current frame's compiler flags into `cf`; returns non-zero if any flags are set.
        [opt] fn PyEval_MergeCompilerFlags(cf: *mut PyCompilerFlags) -> c_int;
    }
    page "weakref" {
        /// Clear weak references to `object` and call their callbacks; call from `tp_dealloc`.
        fn PyObject_ClearWeakRefs(object: *mut PyObject) -> ();
        /// Borrowed reference to the referent (None if dead); deprecated since 3.13 for `PyWeakref_GetRef`.
        [opt] fn PyWeakref_GetObject(ref_: *mut PyObject) -> *mut PyObject;
        /// Store a new reference to the referent in `*pobj`: 1 if alive, 0 if dead (NULL), -1 on error; 3.13+.
        [opt] fn PyWeakref_GetRef(ref_: *mut PyObject, pobj: *mut *mut PyObject) -> c_int;
        /// Create a weak proxy to `ob` with optional `callback`; new reference or NULL (TypeError if unsupported).
        fn PyWeakref_NewProxy(ob: *mut PyObject, callback: *mut PyObject) -> *mut PyObject;
        /// Create a weak reference to `ob` with optional `callback`; new reference or NULL (TypeError if unsupported).
        fn PyWeakref_NewRef(ob: *mut PyObject, callback: *mut PyObject) -> *mut PyObject;
        statics {
            /// The type object of weak proxies to callable objects (`weakref.CallableProxyType`).
            _PyWeakref_CallableProxyType: PyTypeObject;
            /// The type object of weak proxies to non-callable objects (`weakref.ProxyType`).
            _PyWeakref_ProxyType: PyTypeObject;
            /// The `weakref.ref` type object.
            _PyWeakref_RefType: PyTypeObject;
        }
    }

}
