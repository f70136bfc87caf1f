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
        /// TODO
        fn PyObject_Init(o: *mut PyObject, type_: *mut PyTypeObject) -> *mut PyObject;
        /// TODO
        fn PyObject_InitVar(arg: *mut PyVarObject, type_: *mut PyTypeObject, n: Py_ssize_t) -> *mut PyVarObject;
    }
    page "apiabiversion" {
        statics {
            /// TODO
            [opt] Py_Version: c_ulong;
        }
    }
    page "arg" {
        /// TODO
        [var] fn PyArg_Parse(o: *mut PyObject, s: *const c_char) -> c_int;
        /// TODO
        [var] fn PyArg_ParseTuple(o: *mut PyObject, s: *const c_char) -> c_int;
        /// TODO
        [var] fn PyArg_ParseTupleAndKeywords(o1: *mut PyObject, o2: *mut PyObject, s: *const c_char, arg: *const *mut c_char) -> c_int;
        /// TODO
        [var] fn PyArg_UnpackTuple(o: *mut PyObject, s: *const c_char, n1: Py_ssize_t, n2: Py_ssize_t) -> c_int;
        /// TODO
        fn PyArg_VaParse(o: *mut PyObject, s: *const c_char, arg: va_list) -> c_int;
        /// TODO
        fn PyArg_VaParseTupleAndKeywords(o1: *mut PyObject, o2: *mut PyObject, s: *const c_char, arg1: *const *mut c_char, arg2: va_list) -> c_int;
        /// TODO
        fn PyArg_ValidateKeywordArguments(o: *mut PyObject) -> c_int;
        /// TODO
        [var] fn Py_BuildValue(s: *const c_char) -> *mut PyObject;
        /// TODO
        fn Py_VaBuildValue(s: *const c_char, arg: va_list) -> *mut PyObject;
    }
    page "bool" {
        /// TODO
        fn PyBool_FromLong(arg: c_long) -> *mut PyObject;
        statics {
            /// TODO
            PyBool_Type: PyTypeObject;
            /// TODO
            _Py_FalseStruct: PyLongObject;
            /// TODO
            _Py_TrueStruct: PyLongObject;
        }
    }
    page "buffer" {
        /// TODO
        fn PyBuffer_FillContiguousStrides(ndims: c_int, shape: *mut Py_ssize_t, strides: *mut Py_ssize_t, itemsize: c_int, fort: c_char) -> ();
        /// TODO
        fn PyBuffer_FillInfo(view: *mut Py_buffer, o: *mut PyObject, buf: *mut c_void, len: Py_ssize_t, readonly: c_int, flags: c_int) -> c_int;
        /// TODO
        fn PyBuffer_FromContiguous(view: *const Py_buffer, buf: *const c_void, len: Py_ssize_t, order: c_char) -> c_int;
        /// TODO
        fn PyBuffer_GetPointer(view: *const Py_buffer, indices: *const Py_ssize_t) -> *mut c_void;
        /// TODO
        fn PyBuffer_IsContiguous(view: *const Py_buffer, fort: c_char) -> c_int;
        /// TODO
        fn PyBuffer_Release(view: *mut Py_buffer) -> ();
        /// TODO
        fn PyBuffer_SizeFromFormat(format: *const c_char) -> Py_ssize_t;
        /// TODO
        fn PyBuffer_ToContiguous(buf: *mut c_void, view: *const Py_buffer, len: Py_ssize_t, order: c_char) -> c_int;
        /// TODO
        fn PyObject_CheckBuffer(obj: *mut PyObject) -> c_int;
        /// TODO
        fn PyObject_CopyData(dest: *mut PyObject, src: *mut PyObject) -> c_int;
        /// TODO
        fn PyObject_GetBuffer(obj: *mut PyObject, view: *mut Py_buffer, flags: c_int) -> c_int;
    }
    page "bytearray" {
        /// TODO
        fn PyByteArray_AsString(o: *mut PyObject) -> *mut c_char;
        /// TODO
        fn PyByteArray_Concat(o1: *mut PyObject, o2: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyByteArray_FromObject(o: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyByteArray_FromStringAndSize(s: *const c_char, n: Py_ssize_t) -> *mut PyObject;
        /// TODO
        fn PyByteArray_Resize(o: *mut PyObject, n: Py_ssize_t) -> c_int;
        /// TODO
        fn PyByteArray_Size(o: *mut PyObject) -> Py_ssize_t;
        statics {
            /// TODO
            PyByteArrayIter_Type: PyTypeObject;
            /// TODO
            PyByteArray_Type: PyTypeObject;
        }
    }
    page "bytes" {
        /// TODO
        fn PyBytes_AsString(o: *mut PyObject) -> *mut c_char;
        /// TODO
        fn PyBytes_AsStringAndSize(obj: *mut PyObject, s: *mut *mut c_char, len: *mut Py_ssize_t) -> c_int;
        /// TODO
        fn PyBytes_Concat(arg: *mut *mut PyObject, o: *mut PyObject) -> ();
        /// TODO
        fn PyBytes_ConcatAndDel(arg: *mut *mut PyObject, o: *mut PyObject) -> ();
        /// TODO
        fn PyBytes_DecodeEscape(s1: *const c_char, n1: Py_ssize_t, s2: *const c_char, n2: Py_ssize_t, s3: *const c_char) -> *mut PyObject;
        /// TODO
        [var] fn PyBytes_FromFormat(s: *const c_char) -> *mut PyObject;
        /// TODO
        fn PyBytes_FromFormatV(s: *const c_char, arg: va_list) -> *mut PyObject;
        /// TODO
        fn PyBytes_FromObject(o: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyBytes_FromString(s: *const c_char) -> *mut PyObject;
        /// TODO
        fn PyBytes_FromStringAndSize(s: *const c_char, n: Py_ssize_t) -> *mut PyObject;
        /// TODO
        fn PyBytes_Repr(o: *mut PyObject, i: c_int) -> *mut PyObject;
        /// TODO
        fn PyBytes_Size(o: *mut PyObject) -> Py_ssize_t;
        statics {
            /// TODO
            PyBytesIter_Type: PyTypeObject;
            /// TODO
            PyBytes_Type: PyTypeObject;
        }
    }
    page "call" {
        /// TODO
        fn PyObject_Call(callable: *mut PyObject, args: *mut PyObject, kwargs: *mut PyObject) -> *mut PyObject;
        /// TODO
        [var] fn PyObject_CallFunction(callable: *mut PyObject, format: *const c_char) -> *mut PyObject;
        /// TODO
        [var] fn PyObject_CallFunctionObjArgs(callable: *mut PyObject) -> *mut PyObject;
        /// TODO
        [var] fn PyObject_CallMethod(obj: *mut PyObject, name: *const c_char, format: *const c_char) -> *mut PyObject;
        /// TODO
        [var] fn PyObject_CallMethodObjArgs(obj: *mut PyObject, name: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyObject_CallNoArgs(func: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyObject_CallObject(callable: *mut PyObject, args: *mut PyObject) -> *mut PyObject;
        /// TODO
        [opt] fn PyObject_Vectorcall(callable: *mut PyObject, args: *const *mut PyObject, nargsf: usize, kwnames: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyObject_VectorcallMethod(name: *mut PyObject, args: *const *mut PyObject, nargsf: usize, kwnames: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyVectorcall_Call(callable: *mut PyObject, tuple: *mut PyObject, dict: *mut PyObject) -> *mut PyObject;
        /// TODO
        [opt] fn PyVectorcall_NARGS(nargsf: usize) -> Py_ssize_t;
        /// TODO
        [opt] fn PyObject_VectorcallDict(callable: *mut PyObject, args: *const *mut PyObject, nargsf: usize, kwargs: *mut PyObject) -> *mut PyObject;
        /// TODO
        [opt] fn PyObject_CallOneArg(callable: *mut PyObject, arg: *mut PyObject) -> *mut PyObject;
        /// TODO
        [opt] fn PyObject_CallMethodNoArgs(obj: *mut PyObject, name: *mut PyObject) -> *mut PyObject;
        /// TODO
        [opt] fn PyObject_CallMethodOneArg(obj: *mut PyObject, name: *mut PyObject, arg: *mut PyObject) -> *mut PyObject;
    }
    page "capsule" {
        /// TODO
        fn PyCapsule_GetContext(capsule: *mut PyObject) -> *mut c_void;
        /// TODO
        fn PyCapsule_GetDestructor(capsule: *mut PyObject) -> PyCapsule_Destructor;
        /// TODO
        fn PyCapsule_GetName(capsule: *mut PyObject) -> *const c_char;
        /// TODO
        fn PyCapsule_GetPointer(capsule: *mut PyObject, name: *const c_char) -> *mut c_void;
        /// TODO
        fn PyCapsule_Import(name: *const c_char, no_block: c_int) -> *mut c_void;
        /// TODO
        fn PyCapsule_IsValid(capsule: *mut PyObject, name: *const c_char) -> c_int;
        /// TODO
        fn PyCapsule_New(pointer: *mut c_void, name: *const c_char, destructor: PyCapsule_Destructor) -> *mut PyObject;
        /// TODO
        fn PyCapsule_SetContext(capsule: *mut PyObject, context: *mut c_void) -> c_int;
        /// TODO
        fn PyCapsule_SetDestructor(capsule: *mut PyObject, destructor: PyCapsule_Destructor) -> c_int;
        /// TODO
        fn PyCapsule_SetName(capsule: *mut PyObject, name: *const c_char) -> c_int;
        /// TODO
        fn PyCapsule_SetPointer(capsule: *mut PyObject, pointer: *mut c_void) -> c_int;
        statics {
            /// TODO
            PyCapsule_Type: PyTypeObject;
        }
    }
    page "codec" {
        /// TODO
        fn PyCodec_BackslashReplaceErrors(exc: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyCodec_Decode(object: *mut PyObject, encoding: *const c_char, errors: *const c_char) -> *mut PyObject;
        /// TODO
        fn PyCodec_Decoder(encoding: *const c_char) -> *mut PyObject;
        /// TODO
        fn PyCodec_Encode(object: *mut PyObject, encoding: *const c_char, errors: *const c_char) -> *mut PyObject;
        /// TODO
        fn PyCodec_Encoder(encoding: *const c_char) -> *mut PyObject;
        /// TODO
        fn PyCodec_IgnoreErrors(exc: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyCodec_IncrementalDecoder(encoding: *const c_char, errors: *const c_char) -> *mut PyObject;
        /// TODO
        fn PyCodec_IncrementalEncoder(encoding: *const c_char, errors: *const c_char) -> *mut PyObject;
        /// TODO
        fn PyCodec_KnownEncoding(encoding: *const c_char) -> c_int;
        /// TODO
        fn PyCodec_LookupError(name: *const c_char) -> *mut PyObject;
        /// TODO
        fn PyCodec_NameReplaceErrors(exc: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyCodec_Register(search_function: *mut PyObject) -> c_int;
        /// TODO
        fn PyCodec_RegisterError(name: *const c_char, error: *mut PyObject) -> c_int;
        /// TODO
        fn PyCodec_ReplaceErrors(exc: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyCodec_StreamReader(encoding: *const c_char, stream: *mut PyObject, errors: *const c_char) -> *mut PyObject;
        /// TODO
        fn PyCodec_StreamWriter(encoding: *const c_char, stream: *mut PyObject, errors: *const c_char) -> *mut PyObject;
        /// TODO
        fn PyCodec_StrictErrors(exc: *mut PyObject) -> *mut PyObject;
        /// TODO
        [opt] fn PyCodec_Unregister(search_function: *mut PyObject) -> c_int;
        /// TODO
        fn PyCodec_XMLCharRefReplaceErrors(exc: *mut PyObject) -> *mut PyObject;
    }
    page "complex" {
        /// TODO
        fn PyComplex_FromDoubles(real: f64, imag: f64) -> *mut PyObject;
        /// TODO
        fn PyComplex_ImagAsDouble(op: *mut PyObject) -> f64;
        /// TODO
        fn PyComplex_RealAsDouble(op: *mut PyObject) -> f64;
        statics {
            /// TODO
            PyComplex_Type: PyTypeObject;
        }
    }
    page "conversion" {
        /// TODO
        fn PyOS_double_to_string(val: f64, format_code: c_char, precision: c_int, flags: c_int, type_: *mut c_int) -> *mut c_char;
        /// TODO
        fn PyOS_mystricmp(s1: *const c_char, s2: *const c_char) -> c_int;
        /// TODO
        fn PyOS_mystrnicmp(s1: *const c_char, s2: *const c_char, n: Py_ssize_t) -> c_int;
        /// TODO
        [var] fn PyOS_snprintf(str_: *mut c_char, size: usize, format: *const c_char) -> c_int;
        /// TODO
        fn PyOS_string_to_double(str_: *const c_char, endptr: *mut *mut c_char, overflow_exception: *mut PyObject) -> f64;
        /// TODO
        fn PyOS_strtol(s: *const c_char, arg: *mut *mut c_char, i: c_int) -> c_long;
        /// TODO
        fn PyOS_strtoul(s: *const c_char, arg: *mut *mut c_char, i: c_int) -> c_ulong;
        /// TODO
        fn PyOS_vsnprintf(str_: *mut c_char, size: usize, format: *const c_char, va: va_list) -> c_int;
    }
    page "descriptor" {
        /// TODO
        fn PyDescr_NewClassMethod(type_: *mut PyTypeObject, arg: *mut PyMethodDef) -> *mut PyObject;
        /// TODO
        fn PyDescr_NewGetSet(type_: *mut PyTypeObject, arg: *mut PyGetSetDef) -> *mut PyObject;
        /// TODO
        fn PyDescr_NewMember(type_: *mut PyTypeObject, arg: *mut PyMemberDef) -> *mut PyObject;
        /// TODO
        fn PyDescr_NewMethod(type_: *mut PyTypeObject, arg: *mut PyMethodDef) -> *mut PyObject;
        /// TODO
        fn PyWrapper_New(o1: *mut PyObject, o2: *mut PyObject) -> *mut PyObject;
        statics {
            /// TODO
            PyClassMethodDescr_Type: PyTypeObject;
            /// TODO
            PyGetSetDescr_Type: PyTypeObject;
            /// TODO
            PyMemberDescr_Type: PyTypeObject;
            /// TODO
            PyProperty_Type: PyTypeObject;
            /// TODO
            PyWrapperDescr_Type: PyTypeObject;
        }
    }
    page "dict" {
        /// TODO
        fn PyDictProxy_New(o: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyDict_Clear(mp: *mut PyObject) -> ();
        /// TODO
        fn PyDict_Contains(mp: *mut PyObject, key: *mut PyObject) -> c_int;
        /// TODO
        fn PyDict_Copy(mp: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyDict_DelItem(mp: *mut PyObject, key: *mut PyObject) -> c_int;
        /// TODO
        fn PyDict_DelItemString(dp: *mut PyObject, key: *const c_char) -> c_int;
        /// TODO
        fn PyDict_GetItem(mp: *mut PyObject, key: *mut PyObject) -> *mut PyObject;
        /// TODO
        [opt] fn PyDict_GetItemRef(mp: *mut PyObject, key: *mut PyObject, result: *mut *mut PyObject) -> c_int;
        /// TODO
        fn PyDict_GetItemString(dp: *mut PyObject, key: *const c_char) -> *mut PyObject;
        /// TODO
        [opt] fn PyDict_GetItemStringRef(mp: *mut PyObject, key: *const c_char, result: *mut *mut PyObject) -> c_int;
        /// TODO
        fn PyDict_GetItemWithError(mp: *mut PyObject, key: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyDict_Items(mp: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyDict_Keys(mp: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyDict_Merge(mp: *mut PyObject, other: *mut PyObject, override_: c_int) -> c_int;
        /// TODO
        fn PyDict_MergeFromSeq2(d: *mut PyObject, seq2: *mut PyObject, override_: c_int) -> c_int;
        /// TODO
        fn PyDict_New() -> *mut PyObject;
        /// TODO
        fn PyDict_Next(mp: *mut PyObject, pos: *mut Py_ssize_t, key: *mut *mut PyObject, value: *mut *mut PyObject) -> c_int;
        /// TODO
        fn PyDict_SetItem(mp: *mut PyObject, key: *mut PyObject, item: *mut PyObject) -> c_int;
        /// TODO
        fn PyDict_SetItemString(dp: *mut PyObject, key: *const c_char, item: *mut PyObject) -> c_int;
        /// TODO
        fn PyDict_Size(mp: *mut PyObject) -> Py_ssize_t;
        /// TODO
        fn PyDict_Update(mp: *mut PyObject, other: *mut PyObject) -> c_int;
        /// TODO
        fn PyDict_Values(mp: *mut PyObject) -> *mut PyObject;
        /// TODO
        [opt] fn PyDict_SetDefault(mp: *mut PyObject, key: *mut PyObject, defaultobj: *mut PyObject) -> *mut PyObject;
        /// TODO
        [opt] fn PyDict_Pop(dict: *mut PyObject, key: *mut PyObject, result: *mut *mut PyObject) -> c_int;
        statics {
            /// TODO
            PyDictItems_Type: PyTypeObject;
            /// TODO
            PyDictIterItem_Type: PyTypeObject;
            /// TODO
            PyDictIterKey_Type: PyTypeObject;
            /// TODO
            PyDictIterValue_Type: PyTypeObject;
            /// TODO
            PyDictKeys_Type: PyTypeObject;
            /// TODO
            PyDictProxy_Type: PyTypeObject;
            /// TODO
            PyDictRevIterItem_Type: PyTypeObject;
            /// TODO
            PyDictRevIterKey_Type: PyTypeObject;
            /// TODO
            PyDictRevIterValue_Type: PyTypeObject;
            /// TODO
            PyDictValues_Type: PyTypeObject;
            /// TODO
            PyDict_Type: PyTypeObject;
        }
    }
    page "exceptions" {
        /// TODO
        fn PyErr_BadArgument() -> c_int;
        /// TODO
        fn PyErr_BadInternalCall() -> ();
        /// TODO
        fn PyErr_CheckSignals() -> c_int;
        /// TODO
        fn PyErr_Clear() -> ();
        /// TODO
        fn PyErr_Display(exc: *mut PyObject, value: *mut PyObject, tb: *mut PyObject) -> ();
        /// TODO
        [opt] fn PyErr_DisplayException(o: *mut PyObject) -> ();
        /// TODO
        fn PyErr_ExceptionMatches(o: *mut PyObject) -> c_int;
        /// TODO
        fn PyErr_Fetch(arg1: *mut *mut PyObject, arg2: *mut *mut PyObject, arg3: *mut *mut PyObject) -> ();
        /// TODO
        [var] fn PyErr_Format(exception: *mut PyObject, format: *const c_char) -> *mut PyObject;
        /// TODO
        fn PyErr_FormatV(exception: *mut PyObject, format: *const c_char, vargs: va_list) -> *mut PyObject;
        /// TODO
        fn PyErr_GetExcInfo(arg1: *mut *mut PyObject, arg2: *mut *mut PyObject, arg3: *mut *mut PyObject) -> ();
        /// TODO
        [opt] fn PyErr_GetHandledException() -> *mut PyObject;
        /// TODO
        [opt] fn PyErr_GetRaisedException() -> *mut PyObject;
        /// TODO
        fn PyErr_GivenExceptionMatches(o1: *mut PyObject, o2: *mut PyObject) -> c_int;
        /// TODO
        fn PyErr_NewException(name: *const c_char, base: *mut PyObject, dict: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyErr_NewExceptionWithDoc(name: *const c_char, doc: *const c_char, base: *mut PyObject, dict: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyErr_NoMemory() -> *mut PyObject;
        /// TODO
        fn PyErr_NormalizeException(arg1: *mut *mut PyObject, arg2: *mut *mut PyObject, arg3: *mut *mut PyObject) -> ();
        /// TODO
        fn PyErr_Occurred() -> *mut PyObject;
        /// TODO
        fn PyErr_Print() -> ();
        /// TODO
        fn PyErr_PrintEx(i: c_int) -> ();
        /// TODO
        fn PyErr_ProgramText(filename: *const c_char, lineno: c_int) -> *mut PyObject;
        /// TODO
        [var] fn PyErr_ResourceWarning(source: *mut PyObject, stack_level: Py_ssize_t, format: *const c_char) -> c_int;
        /// TODO
        fn PyErr_Restore(o1: *mut PyObject, o2: *mut PyObject, o3: *mut PyObject) -> ();
        /// TODO
        fn PyErr_SetExcInfo(o1: *mut PyObject, o2: *mut PyObject, o3: *mut PyObject) -> ();
        /// TODO
        fn PyErr_SetFromErrno(o: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyErr_SetFromErrnoWithFilename(exc: *mut PyObject, filename: *const c_char) -> *mut PyObject;
        /// TODO
        fn PyErr_SetFromErrnoWithFilenameObject(o1: *mut PyObject, o2: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyErr_SetFromErrnoWithFilenameObjects(o1: *mut PyObject, o2: *mut PyObject, o3: *mut PyObject) -> *mut PyObject;
        /// TODO
        [opt] fn PyErr_SetHandledException(exc: *mut PyObject) -> ();
        /// TODO
        fn PyErr_SetImportError(o1: *mut PyObject, o2: *mut PyObject, o3: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyErr_SetImportErrorSubclass(o1: *mut PyObject, o2: *mut PyObject, o3: *mut PyObject, o4: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyErr_SetInterrupt() -> ();
        /// TODO
        [opt] fn PyErr_SetInterruptEx(signum: c_int) -> c_int;
        /// TODO
        fn PyErr_SetNone(o: *mut PyObject) -> ();
        /// TODO
        fn PyErr_SetObject(o1: *mut PyObject, o2: *mut PyObject) -> ();
        /// TODO
        [opt] fn PyErr_SetRaisedException(o: *mut PyObject) -> ();
        /// TODO
        fn PyErr_SetString(exception: *mut PyObject, string: *const c_char) -> ();
        /// TODO
        fn PyErr_SyntaxLocation(filename: *const c_char, lineno: c_int) -> ();
        /// TODO
        fn PyErr_SyntaxLocationEx(filename: *const c_char, lineno: c_int, col_offset: c_int) -> ();
        /// TODO
        fn PyErr_WarnEx(category: *mut PyObject, message: *const c_char, stack_level: Py_ssize_t) -> c_int;
        /// TODO
        fn PyErr_WarnExplicit(category: *mut PyObject, message: *const c_char, filename: *const c_char, lineno: c_int, module: *const c_char, registry: *mut PyObject) -> c_int;
        /// TODO
        [var] fn PyErr_WarnFormat(category: *mut PyObject, stack_level: Py_ssize_t, format: *const c_char) -> c_int;
        /// TODO
        fn PyErr_WriteUnraisable(o: *mut PyObject) -> ();
        /// TODO
        fn PyExceptionClass_Name(o: *mut PyObject) -> *const c_char;
        /// TODO
        [opt] fn PyException_GetArgs(o: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyException_GetCause(o: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyException_GetContext(o: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyException_GetTraceback(o: *mut PyObject) -> *mut PyObject;
        /// TODO
        [opt] fn PyException_SetArgs(o1: *mut PyObject, o2: *mut PyObject) -> ();
        /// TODO
        fn PyException_SetCause(o1: *mut PyObject, o2: *mut PyObject) -> ();
        /// TODO
        fn PyException_SetContext(o1: *mut PyObject, o2: *mut PyObject) -> ();
        /// TODO
        fn PyException_SetTraceback(o1: *mut PyObject, o2: *mut PyObject) -> c_int;
        /// TODO
        fn PyTraceBack_Here(arg: *mut PyFrameObject) -> c_int;
        /// TODO
        fn PyTraceBack_Print(o1: *mut PyObject, o2: *mut PyObject) -> c_int;
        /// TODO
        fn PyUnicodeDecodeError_Create(encoding: *const c_char, object: *const c_char, length: Py_ssize_t, start: Py_ssize_t, end: Py_ssize_t, reason: *const c_char) -> *mut PyObject;
        /// TODO
        fn PyUnicodeDecodeError_GetEncoding(o: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyUnicodeDecodeError_GetEnd(o: *mut PyObject, arg: *mut Py_ssize_t) -> c_int;
        /// TODO
        fn PyUnicodeDecodeError_GetObject(o: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyUnicodeDecodeError_GetReason(o: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyUnicodeDecodeError_GetStart(o: *mut PyObject, arg: *mut Py_ssize_t) -> c_int;
        /// TODO
        fn PyUnicodeDecodeError_SetEnd(o: *mut PyObject, n: Py_ssize_t) -> c_int;
        /// TODO
        fn PyUnicodeDecodeError_SetReason(exc: *mut PyObject, reason: *const c_char) -> c_int;
        /// TODO
        fn PyUnicodeDecodeError_SetStart(o: *mut PyObject, n: Py_ssize_t) -> c_int;
        /// TODO
        fn PyUnicodeEncodeError_GetEncoding(o: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyUnicodeEncodeError_GetEnd(o: *mut PyObject, arg: *mut Py_ssize_t) -> c_int;
        /// TODO
        fn PyUnicodeEncodeError_GetObject(o: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyUnicodeEncodeError_GetReason(o: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyUnicodeEncodeError_GetStart(o: *mut PyObject, arg: *mut Py_ssize_t) -> c_int;
        /// TODO
        fn PyUnicodeEncodeError_SetEnd(o: *mut PyObject, n: Py_ssize_t) -> c_int;
        /// TODO
        fn PyUnicodeEncodeError_SetReason(exc: *mut PyObject, reason: *const c_char) -> c_int;
        /// TODO
        fn PyUnicodeEncodeError_SetStart(o: *mut PyObject, n: Py_ssize_t) -> c_int;
        /// TODO
        fn PyUnicodeTranslateError_GetEnd(o: *mut PyObject, arg: *mut Py_ssize_t) -> c_int;
        /// TODO
        fn PyUnicodeTranslateError_GetObject(o: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyUnicodeTranslateError_GetReason(o: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyUnicodeTranslateError_GetStart(o: *mut PyObject, arg: *mut Py_ssize_t) -> c_int;
        /// TODO
        fn PyUnicodeTranslateError_SetEnd(o: *mut PyObject, n: Py_ssize_t) -> c_int;
        /// TODO
        fn PyUnicodeTranslateError_SetReason(exc: *mut PyObject, reason: *const c_char) -> c_int;
        /// TODO
        fn PyUnicodeTranslateError_SetStart(o: *mut PyObject, n: Py_ssize_t) -> c_int;
        /// TODO
        fn Py_EnterRecursiveCall(where_: *const c_char) -> c_int;
        /// TODO
        fn Py_GetRecursionLimit() -> c_int;
        /// TODO
        fn Py_LeaveRecursiveCall() -> ();
        /// TODO
        fn Py_ReprEnter(o: *mut PyObject) -> c_int;
        /// TODO
        fn Py_ReprLeave(o: *mut PyObject) -> ();
        /// TODO
        fn Py_SetRecursionLimit(i: c_int) -> ();
        statics {
            /// TODO
            PyExc_ArithmeticError: *mut PyObject;
            /// TODO
            PyExc_AssertionError: *mut PyObject;
            /// TODO
            PyExc_AttributeError: *mut PyObject;
            /// TODO
            PyExc_BaseException: *mut PyObject;
            /// TODO
            [opt] PyExc_BaseExceptionGroup: *mut PyObject;
            /// TODO
            PyExc_BlockingIOError: *mut PyObject;
            /// TODO
            PyExc_BrokenPipeError: *mut PyObject;
            /// TODO
            PyExc_BufferError: *mut PyObject;
            /// TODO
            PyExc_BytesWarning: *mut PyObject;
            /// TODO
            PyExc_ChildProcessError: *mut PyObject;
            /// TODO
            PyExc_ConnectionAbortedError: *mut PyObject;
            /// TODO
            PyExc_ConnectionError: *mut PyObject;
            /// TODO
            PyExc_ConnectionRefusedError: *mut PyObject;
            /// TODO
            PyExc_ConnectionResetError: *mut PyObject;
            /// TODO
            PyExc_DeprecationWarning: *mut PyObject;
            /// TODO
            PyExc_EOFError: *mut PyObject;
            /// TODO
            [opt] PyExc_EncodingWarning: *mut PyObject;
            /// TODO
            PyExc_EnvironmentError: *mut PyObject;
            /// TODO
            PyExc_Exception: *mut PyObject;
            /// TODO
            PyExc_FileExistsError: *mut PyObject;
            /// TODO
            PyExc_FileNotFoundError: *mut PyObject;
            /// TODO
            PyExc_FloatingPointError: *mut PyObject;
            /// TODO
            PyExc_FutureWarning: *mut PyObject;
            /// TODO
            PyExc_GeneratorExit: *mut PyObject;
            /// TODO
            PyExc_IOError: *mut PyObject;
            /// TODO
            PyExc_ImportError: *mut PyObject;
            /// TODO
            PyExc_ImportWarning: *mut PyObject;
            /// TODO
            PyExc_IndentationError: *mut PyObject;
            /// TODO
            PyExc_IndexError: *mut PyObject;
            /// TODO
            PyExc_InterruptedError: *mut PyObject;
            /// TODO
            PyExc_IsADirectoryError: *mut PyObject;
            /// TODO
            PyExc_KeyError: *mut PyObject;
            /// TODO
            PyExc_KeyboardInterrupt: *mut PyObject;
            /// TODO
            PyExc_LookupError: *mut PyObject;
            /// TODO
            PyExc_MemoryError: *mut PyObject;
            /// TODO
            PyExc_ModuleNotFoundError: *mut PyObject;
            /// TODO
            PyExc_NameError: *mut PyObject;
            /// TODO
            PyExc_NotADirectoryError: *mut PyObject;
            /// TODO
            PyExc_NotImplementedError: *mut PyObject;
            /// TODO
            PyExc_OSError: *mut PyObject;
            /// TODO
            PyExc_OverflowError: *mut PyObject;
            /// TODO
            PyExc_PendingDeprecationWarning: *mut PyObject;
            /// TODO
            PyExc_PermissionError: *mut PyObject;
            /// TODO
            PyExc_ProcessLookupError: *mut PyObject;
            /// TODO
            PyExc_RecursionError: *mut PyObject;
            /// TODO
            PyExc_ReferenceError: *mut PyObject;
            /// TODO
            PyExc_ResourceWarning: *mut PyObject;
            /// TODO
            PyExc_RuntimeError: *mut PyObject;
            /// TODO
            PyExc_RuntimeWarning: *mut PyObject;
            /// TODO
            PyExc_StopAsyncIteration: *mut PyObject;
            /// TODO
            PyExc_StopIteration: *mut PyObject;
            /// TODO
            PyExc_SyntaxError: *mut PyObject;
            /// TODO
            PyExc_SyntaxWarning: *mut PyObject;
            /// TODO
            PyExc_SystemError: *mut PyObject;
            /// TODO
            PyExc_SystemExit: *mut PyObject;
            /// TODO
            PyExc_TabError: *mut PyObject;
            /// TODO
            PyExc_TimeoutError: *mut PyObject;
            /// TODO
            PyExc_TypeError: *mut PyObject;
            /// TODO
            PyExc_UnboundLocalError: *mut PyObject;
            /// TODO
            PyExc_UnicodeDecodeError: *mut PyObject;
            /// TODO
            PyExc_UnicodeEncodeError: *mut PyObject;
            /// TODO
            PyExc_UnicodeError: *mut PyObject;
            /// TODO
            PyExc_UnicodeTranslateError: *mut PyObject;
            /// TODO
            PyExc_UnicodeWarning: *mut PyObject;
            /// TODO
            PyExc_UserWarning: *mut PyObject;
            /// TODO
            PyExc_ValueError: *mut PyObject;
            /// TODO
            PyExc_Warning: *mut PyObject;
            /// TODO
            PyExc_ZeroDivisionError: *mut PyObject;
            /// TODO
            PyTraceBack_Type: PyTypeObject;
        }
    }
    page "file" {
        /// TODO
        fn PyFile_FromFd(fd: c_int, name: *const c_char, mode: *const c_char, buffering: c_int, encoding: *const c_char, errors: *const c_char, newline: *const c_char, closefd: c_int) -> *mut PyObject;
        /// TODO
        fn PyFile_GetLine(o: *mut PyObject, i: c_int) -> *mut PyObject;
        /// TODO
        fn PyFile_WriteObject(o1: *mut PyObject, o2: *mut PyObject, i: c_int) -> c_int;
        /// TODO
        fn PyFile_WriteString(s: *const c_char, o: *mut PyObject) -> c_int;
        /// TODO
        fn PyObject_AsFileDescriptor(o: *mut PyObject) -> c_int;
    }
    page "float" {
        /// TODO
        fn PyFloat_AsDouble(o: *mut PyObject) -> f64;
        /// TODO
        fn PyFloat_FromDouble(arg: f64) -> *mut PyObject;
        /// TODO
        fn PyFloat_FromString(o: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyFloat_GetInfo() -> *mut PyObject;
        /// TODO
        fn PyFloat_GetMax() -> f64;
        /// TODO
        fn PyFloat_GetMin() -> f64;
        statics {
            /// TODO
            PyFloat_Type: PyTypeObject;
        }
    }
    page "frame" {
        /// TODO
        fn PyFrame_GetCode(frame: *mut PyFrameObject) -> *mut PyCodeObject;
        /// TODO
        fn PyFrame_GetLineNumber(arg: *mut PyFrameObject) -> c_int;
    }
    page "gcsupport" {
        /// TODO
        fn PyGC_Collect() -> Py_ssize_t;
        /// TODO
        [opt] fn PyGC_Disable() -> c_int;
        /// TODO
        [opt] fn PyGC_Enable() -> c_int;
        /// TODO
        [opt] fn PyGC_IsEnabled() -> c_int;
        /// TODO
        fn PyObject_GC_Del(p: *mut c_void) -> ();
        /// TODO
        fn PyObject_GC_IsFinalized(o: *mut PyObject) -> c_int;
        /// TODO
        fn PyObject_GC_IsTracked(o: *mut PyObject) -> c_int;
        /// TODO
        fn PyObject_GC_Track(p: *mut c_void) -> ();
        /// TODO
        fn PyObject_GC_UnTrack(p: *mut c_void) -> ();
    }
    page "import" {
        /// TODO
        fn PyImport_AddModule(name: *const c_char) -> *mut PyObject;
        /// TODO
        fn PyImport_AddModuleObject(name: *mut PyObject) -> *mut PyObject;
        /// TODO
        [opt] fn PyImport_AddModuleRef(name: *const c_char) -> *mut PyObject;
        /// TODO
        fn PyImport_AppendInittab(name: *const c_char, initfunc: Option<unsafe extern "C" fn() -> *mut PyObject>) -> c_int;
        /// TODO
        fn PyImport_ExecCodeModule(name: *const c_char, co: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyImport_ExecCodeModuleEx(name: *const c_char, co: *mut PyObject, pathname: *const c_char) -> *mut PyObject;
        /// TODO
        fn PyImport_ExecCodeModuleObject(name: *mut PyObject, co: *mut PyObject, pathname: *mut PyObject, cpathname: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyImport_ExecCodeModuleWithPathnames(name: *const c_char, co: *mut PyObject, pathname: *const c_char, cpathname: *const c_char) -> *mut PyObject;
        /// TODO
        fn PyImport_GetImporter(path: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyImport_GetMagicNumber() -> c_long;
        /// TODO
        fn PyImport_GetMagicTag() -> *const c_char;
        /// TODO
        fn PyImport_GetModule(name: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyImport_GetModuleDict() -> *mut PyObject;
        /// TODO
        fn PyImport_Import(name: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyImport_ImportFrozenModule(name: *const c_char) -> c_int;
        /// TODO
        fn PyImport_ImportFrozenModuleObject(name: *mut PyObject) -> c_int;
        /// TODO
        fn PyImport_ImportModule(name: *const c_char) -> *mut PyObject;
        /// TODO
        fn PyImport_ImportModuleLevel(name: *const c_char, globals: *mut PyObject, locals: *mut PyObject, fromlist: *mut PyObject, level: c_int) -> *mut PyObject;
        /// TODO
        fn PyImport_ImportModuleLevelObject(name: *mut PyObject, globals: *mut PyObject, locals: *mut PyObject, fromlist: *mut PyObject, level: c_int) -> *mut PyObject;
        /// TODO
        fn PyImport_ImportModuleNoBlock(name: *const c_char) -> *mut PyObject;
        /// TODO
        fn PyImport_ReloadModule(m: *mut PyObject) -> *mut PyObject;
    }
    page "init" {
        /// TODO
        [unwind] fn PyEval_AcquireThread(tstate: *mut PyThreadState) -> ();
        /// TODO
        fn PyEval_InitThreads() -> ();
        /// TODO
        fn PyEval_ReleaseThread(tstate: *mut PyThreadState) -> ();
        /// TODO
        [unwind] fn PyEval_RestoreThread(arg: *mut PyThreadState) -> ();
        /// TODO
        fn PyEval_SaveThread() -> *mut PyThreadState;
        /// TODO
        [unwind] fn PyGILState_Ensure() -> PyGILState_STATE;
        /// TODO
        fn PyGILState_GetThisThreadState() -> *mut PyThreadState;
        /// TODO
        fn PyGILState_Release(arg: PyGILState_STATE) -> ();
        /// TODO
        fn PyInterpreterState_Clear(arg: *mut PyInterpreterState) -> ();
        /// TODO
        fn PyInterpreterState_Delete(arg: *mut PyInterpreterState) -> ();
        /// TODO
        fn PyInterpreterState_Get() -> *mut PyInterpreterState;
        /// TODO
        fn PyInterpreterState_GetDict(interp: *mut PyInterpreterState) -> *mut PyObject;
        /// TODO
        fn PyInterpreterState_GetID(arg: *mut PyInterpreterState) -> i64;
        /// TODO
        fn PyInterpreterState_New() -> *mut PyInterpreterState;
        /// TODO
        fn PyThreadState_Clear(arg: *mut PyThreadState) -> ();
        /// TODO
        fn PyThreadState_Delete(arg: *mut PyThreadState) -> ();
        /// TODO
        fn PyThreadState_DeleteCurrent() -> ();
        /// TODO
        fn PyThreadState_Get() -> *mut PyThreadState;
        /// TODO
        fn PyThreadState_GetDict() -> *mut PyObject;
        /// TODO
        fn PyThreadState_GetFrame(tstate: *mut PyThreadState) -> *mut PyFrameObject;
        /// TODO
        fn PyThreadState_GetID(tstate: *mut PyThreadState) -> u64;
        /// TODO
        fn PyThreadState_GetInterpreter(tstate: *mut PyThreadState) -> *mut PyInterpreterState;
        /// TODO
        fn PyThreadState_New(arg: *mut PyInterpreterState) -> *mut PyThreadState;
        /// TODO
        fn PyThreadState_SetAsyncExc(arg: c_ulong, o: *mut PyObject) -> c_int;
        /// TODO
        fn PyThreadState_Swap(arg: *mut PyThreadState) -> *mut PyThreadState;
        /// TODO
        fn PyThread_GetInfo() -> *mut PyObject;
        /// TODO
        fn PyThread_ReInitTLS() -> ();
        /// TODO
        fn PyThread_acquire_lock(arg: PyThread_type_lock, i: c_int) -> c_int;
        /// TODO
        fn PyThread_acquire_lock_timed(arg: PyThread_type_lock, microseconds: c_longlong, intr_flag: c_int) -> PyLockStatus;
        /// TODO
        fn PyThread_allocate_lock() -> PyThread_type_lock;
        /// TODO
        fn PyThread_create_key() -> c_int;
        /// TODO
        fn PyThread_delete_key(key: c_int) -> ();
        /// TODO
        fn PyThread_delete_key_value(key: c_int) -> ();
        /// TODO
        fn PyThread_exit_thread() -> ();
        /// TODO
        fn PyThread_free_lock(arg: PyThread_type_lock) -> ();
        /// TODO
        fn PyThread_get_key_value(key: c_int) -> *mut c_void;
        /// TODO
        fn PyThread_get_stacksize() -> usize;
        /// TODO
        fn PyThread_get_thread_ident() -> c_ulong;
        /// TODO
        fn PyThread_get_thread_native_id() -> c_ulong;
        /// TODO
        fn PyThread_init_thread() -> ();
        /// TODO
        fn PyThread_release_lock(arg: PyThread_type_lock) -> ();
        /// TODO
        fn PyThread_set_key_value(key: c_int, value: *mut c_void) -> c_int;
        /// TODO
        fn PyThread_set_stacksize(arg: usize) -> c_int;
        /// TODO
        fn PyThread_start_new_thread(func: Option<unsafe extern "C" fn(*mut c_void)>, p: *mut c_void) -> c_ulong;
        /// TODO
        fn PyThread_tss_alloc() -> *mut Py_tss_t;
        /// TODO
        fn PyThread_tss_create(key: *mut Py_tss_t) -> c_int;
        /// TODO
        fn PyThread_tss_delete(key: *mut Py_tss_t) -> ();
        /// TODO
        fn PyThread_tss_free(key: *mut Py_tss_t) -> ();
        /// TODO
        fn PyThread_tss_get(key: *mut Py_tss_t) -> *mut c_void;
        /// TODO
        fn PyThread_tss_is_created(key: *mut Py_tss_t) -> c_int;
        /// TODO
        fn PyThread_tss_set(key: *mut Py_tss_t, value: *mut c_void) -> c_int;
        /// TODO
        fn Py_AddPendingCall(func: Option<unsafe extern "C" fn(*mut c_void) -> c_int>, arg: *mut c_void) -> c_int;
        /// TODO
        fn Py_EndInterpreter(arg: *mut PyThreadState) -> ();
        /// TODO
        fn Py_Finalize() -> ();
        /// TODO
        fn Py_FinalizeEx() -> c_int;
        /// TODO
        fn Py_GetArgcArgv(argc: *mut c_int, argv: *mut *mut *mut wchar_t) -> ();
        /// TODO
        fn Py_GetBuildInfo() -> *const c_char;
        /// TODO
        fn Py_GetCompiler() -> *const c_char;
        /// TODO
        fn Py_GetCopyright() -> *const c_char;
        /// TODO
        fn Py_GetExecPrefix() -> *mut wchar_t;
        /// TODO
        fn Py_GetPath() -> *mut wchar_t;
        /// TODO
        fn Py_GetPlatform() -> *const c_char;
        /// TODO
        fn Py_GetPrefix() -> *mut wchar_t;
        /// TODO
        fn Py_GetProgramFullPath() -> *mut wchar_t;
        /// TODO
        fn Py_GetProgramName() -> *mut wchar_t;
        /// TODO
        fn Py_GetPythonHome() -> *mut wchar_t;
        /// TODO
        fn Py_GetVersion() -> *const c_char;
        /// TODO
        fn Py_Initialize() -> ();
        /// TODO
        fn Py_InitializeEx(i: c_int) -> ();
        /// TODO
        fn Py_MakePendingCalls() -> c_int;
        /// TODO
        fn Py_NewInterpreter() -> *mut PyThreadState;
        /// TODO
        fn Py_SetProgramName(arg: *const wchar_t) -> ();
        /// TODO
        fn Py_SetPythonHome(arg: *const wchar_t) -> ();
        /// TODO
        [opt] fn PyInterpreterState_Main() -> *mut PyInterpreterState;
        /// TODO
        [opt] fn PyInterpreterState_Head() -> *mut PyInterpreterState;
        /// TODO
        [opt] fn PyInterpreterState_Next(interp: *mut PyInterpreterState) -> *mut PyInterpreterState;
        /// TODO
        [opt] fn PyInterpreterState_ThreadHead(interp: *mut PyInterpreterState) -> *mut PyThreadState;
        /// TODO
        [opt] fn PyThreadState_Next(tstate: *mut PyThreadState) -> *mut PyThreadState;
        /// TODO
        [opt] fn Py_NewInterpreterFromConfig(tstate_p: *mut *mut PyThreadState, config: *const PyInterpreterConfig) -> PyStatus;
        /// TODO
        [opt] fn PyGILState_Check() -> c_int;
        /// TODO
        [opt] fn PyThreadState_GetUnchecked() -> *mut PyThreadState;
        /// TODO
        [opt] fn PyThreadState_EnterTracing(tstate: *mut PyThreadState) -> ();
        statics {
            /// TODO
            Py_FileSystemDefaultEncodeErrors: *mut c_char;
            /// TODO
            Py_FileSystemDefaultEncoding: *mut c_char;
            /// TODO
            Py_HasFileSystemDefaultEncoding: c_int;
            /// TODO
            Py_UTF8Mode: c_int;
        }
    }
    page "init_config" {
        /// TODO
        [opt] fn PyInitConfig_Create() -> *mut PyInitConfig;
        /// TODO
        [opt] fn PyInitConfig_Free(config: *mut PyInitConfig) -> ();
        /// TODO
        [opt] fn PyInitConfig_SetStr(config: *mut PyInitConfig, name: *const c_char, value: *const c_char) -> c_int;
        /// TODO
        [opt] fn PyInitConfig_SetInt(config: *mut PyInitConfig, name: *const c_char, value: i64) -> c_int;
        /// TODO
        [opt] fn PyInitConfig_GetError(config: *mut PyInitConfig, err_msg: *mut *const c_char) -> c_int;
        /// TODO
        [opt] fn Py_InitializeFromInitConfig(config: *mut PyInitConfig) -> c_int;
        /// TODO
        [opt] fn PyInitConfig_GetExitCode(config: *mut PyInitConfig, exitcode: *mut c_int) -> c_int;
    }
    page "intro" {
        /// TODO
        fn PyCallable_Check(o: *mut PyObject) -> c_int;
        /// TODO
        fn PyIndex_Check(o: *mut PyObject) -> c_int;
        /// TODO
        fn PyMember_GetOne(s: *const c_char, arg: *mut PyMemberDef) -> *mut PyObject;
        /// TODO
        fn PyMember_SetOne(arg1: *mut c_char, arg2: *mut PyMemberDef, o: *mut PyObject) -> c_int;
        /// TODO
        fn _PyErr_BadInternalCall(filename: *const c_char, lineno: c_int) -> ();
        /// TODO
        fn _PyObject_GC_New(type_: *mut PyTypeObject) -> *mut PyObject;
        /// TODO
        fn _PyObject_GC_NewVar(type_: *mut PyTypeObject, n: Py_ssize_t) -> *mut PyVarObject;
        /// TODO
        fn _PyObject_GC_Resize(arg: *mut PyVarObject, n: Py_ssize_t) -> *mut PyVarObject;
        /// TODO
        fn _PyObject_New(type_: *mut PyTypeObject) -> *mut PyObject;
        /// TODO
        fn _PyObject_NewVar(type_: *mut PyTypeObject, n: Py_ssize_t) -> *mut PyVarObject;
        /// TODO
        fn _Py_Dealloc(o: *mut PyObject) -> ();
        /// TODO
        [opt] fn _Py_DecRef(o: *mut PyObject) -> ();
        /// TODO
        [opt] fn _Py_IncRef(o: *mut PyObject) -> ();
        /// TODO
        [opt] fn _Py_IsFinalizing() -> c_int;
        /// TODO
        [opt] fn _PyLong_FromByteArray(bytes: *const c_uchar, n: usize, little_endian: c_int, is_signed: c_int) -> *mut PyObject;
        /// TODO
        [opt] fn _PyLong_AsByteArray(v: *mut PyLongObject, bytes: *mut c_uchar, n: usize, little_endian: c_int, is_signed: c_int) -> c_int;
        /// TODO
        [opt] fn PyUnstable_InterpreterState_GetMainModule(interp: *mut PyInterpreterState) -> *mut PyObject;
        /// TODO
        [opt] fn PyUnstable_Object_ClearWeakRefsNoCallbacks(o: *mut PyObject) -> ();
    }
    page "iter" {
        /// TODO
        [opt] fn PyAIter_Check(o: *mut PyObject) -> c_int;
        /// TODO
        fn PyIter_Check(o: *mut PyObject) -> c_int;
        /// TODO
        fn PyIter_Next(o: *mut PyObject) -> *mut PyObject;
        /// TODO
        [opt] fn PyIter_Send(o1: *mut PyObject, o2: *mut PyObject, arg: *mut *mut PyObject) -> PySendResult;
    }
    page "iterator" {
        /// TODO
        fn PyCallIter_New(o1: *mut PyObject, o2: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PySeqIter_New(o: *mut PyObject) -> *mut PyObject;
        statics {
            /// TODO
            PyCallIter_Type: PyTypeObject;
            /// TODO
            PyEnum_Type: PyTypeObject;
            /// TODO
            PyFilter_Type: PyTypeObject;
            /// TODO
            PyMap_Type: PyTypeObject;
            /// TODO
            PyReversed_Type: PyTypeObject;
            /// TODO
            PySeqIter_Type: PyTypeObject;
            /// TODO
            PyZip_Type: PyTypeObject;
        }
    }
    page "list" {
        /// TODO
        fn PyList_Append(o1: *mut PyObject, o2: *mut PyObject) -> c_int;
        /// TODO
        fn PyList_AsTuple(o: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyList_GetItem(o: *mut PyObject, n: Py_ssize_t) -> *mut PyObject;
        /// TODO
        [opt] fn PyList_GetItemRef(o: *mut PyObject, n: Py_ssize_t) -> *mut PyObject;
        /// TODO
        fn PyList_GetSlice(o: *mut PyObject, n1: Py_ssize_t, n2: Py_ssize_t) -> *mut PyObject;
        /// TODO
        fn PyList_Insert(o1: *mut PyObject, n: Py_ssize_t, o2: *mut PyObject) -> c_int;
        /// TODO
        fn PyList_New(size: Py_ssize_t) -> *mut PyObject;
        /// TODO
        fn PyList_Reverse(o: *mut PyObject) -> c_int;
        /// TODO
        fn PyList_SetItem(o1: *mut PyObject, n: Py_ssize_t, o2: *mut PyObject) -> c_int;
        /// TODO
        fn PyList_SetSlice(o1: *mut PyObject, n1: Py_ssize_t, n2: Py_ssize_t, o2: *mut PyObject) -> c_int;
        /// TODO
        fn PyList_Size(o: *mut PyObject) -> Py_ssize_t;
        /// TODO
        fn PyList_Sort(o: *mut PyObject) -> c_int;
        /// TODO
        [opt] fn PyList_Clear(self_: *mut PyObject) -> c_int;
        statics {
            /// TODO
            PyListIter_Type: PyTypeObject;
            /// TODO
            PyListRevIter_Type: PyTypeObject;
            /// TODO
            PyList_Type: PyTypeObject;
        }
    }
    page "long" {
        /// TODO
        fn PyLong_AsDouble(o: *mut PyObject) -> f64;
        /// TODO
        [opt] fn PyLong_AsInt(o: *mut PyObject) -> c_int;
        /// TODO
        fn PyLong_AsLong(o: *mut PyObject) -> c_long;
        /// TODO
        fn PyLong_AsLongAndOverflow(o: *mut PyObject, arg: *mut c_int) -> c_long;
        /// TODO
        fn PyLong_AsLongLong(o: *mut PyObject) -> c_longlong;
        /// TODO
        fn PyLong_AsLongLongAndOverflow(o: *mut PyObject, arg: *mut c_int) -> c_longlong;
        /// TODO
        fn PyLong_AsSize_t(o: *mut PyObject) -> usize;
        /// TODO
        fn PyLong_AsSsize_t(o: *mut PyObject) -> Py_ssize_t;
        /// TODO
        fn PyLong_AsUnsignedLong(o: *mut PyObject) -> c_ulong;
        /// TODO
        fn PyLong_AsUnsignedLongLong(o: *mut PyObject) -> c_ulonglong;
        /// TODO
        fn PyLong_AsUnsignedLongLongMask(o: *mut PyObject) -> c_ulonglong;
        /// TODO
        fn PyLong_AsUnsignedLongMask(o: *mut PyObject) -> c_ulong;
        /// TODO
        fn PyLong_AsVoidPtr(o: *mut PyObject) -> *mut c_void;
        /// TODO
        fn PyLong_FromDouble(arg: f64) -> *mut PyObject;
        /// TODO
        fn PyLong_FromLong(arg: c_long) -> *mut PyObject;
        /// TODO
        fn PyLong_FromLongLong(arg: c_longlong) -> *mut PyObject;
        /// TODO
        fn PyLong_FromSize_t(arg: usize) -> *mut PyObject;
        /// TODO
        fn PyLong_FromSsize_t(n: Py_ssize_t) -> *mut PyObject;
        /// TODO
        fn PyLong_FromString(s: *const c_char, arg: *mut *mut c_char, i: c_int) -> *mut PyObject;
        /// TODO
        fn PyLong_FromUnsignedLong(arg: c_ulong) -> *mut PyObject;
        /// TODO
        fn PyLong_FromUnsignedLongLong(arg: c_ulonglong) -> *mut PyObject;
        /// TODO
        fn PyLong_FromVoidPtr(p: *mut c_void) -> *mut PyObject;
        /// TODO
        fn PyLong_GetInfo() -> *mut PyObject;
        /// TODO
        [opt] fn PyLong_AsNativeBytes(v: *mut PyObject, buffer: *mut c_void, n_bytes: Py_ssize_t, flags: c_int) -> Py_ssize_t;
        /// TODO
        [opt] fn PyLong_FromNativeBytes(buffer: *const c_void, n_bytes: usize, flags: c_int) -> *mut PyObject;
        /// TODO
        [opt] fn PyLong_FromUnsignedNativeBytes(buffer: *const c_void, n_bytes: usize, flags: c_int) -> *mut PyObject;
        statics {
            /// TODO
            PyLongRangeIter_Type: PyTypeObject;
            /// TODO
            PyLong_Type: PyTypeObject;
        }
    }
    page "mapping" {
        /// TODO
        fn PyMapping_Check(o: *mut PyObject) -> c_int;
        /// TODO
        fn PyMapping_GetItemString(o: *mut PyObject, key: *const c_char) -> *mut PyObject;
        /// TODO
        [opt] fn PyMapping_GetOptionalItem(o1: *mut PyObject, o2: *mut PyObject, arg: *mut *mut PyObject) -> c_int;
        /// TODO
        [opt] fn PyMapping_GetOptionalItemString(o: *mut PyObject, s: *const c_char, arg: *mut *mut PyObject) -> c_int;
        /// TODO
        fn PyMapping_HasKey(o: *mut PyObject, key: *mut PyObject) -> c_int;
        /// TODO
        fn PyMapping_HasKeyString(o: *mut PyObject, key: *const c_char) -> c_int;
        /// TODO
        [opt] fn PyMapping_HasKeyStringWithError(o: *mut PyObject, key: *const c_char) -> c_int;
        /// TODO
        [opt] fn PyMapping_HasKeyWithError(o: *mut PyObject, key: *mut PyObject) -> c_int;
        /// TODO
        fn PyMapping_Items(o: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyMapping_Keys(o: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyMapping_Length(o: *mut PyObject) -> Py_ssize_t;
        /// TODO
        fn PyMapping_SetItemString(o: *mut PyObject, key: *const c_char, value: *mut PyObject) -> c_int;
        /// TODO
        fn PyMapping_Size(o: *mut PyObject) -> Py_ssize_t;
        /// TODO
        fn PyMapping_Values(o: *mut PyObject) -> *mut PyObject;
    }
    page "marshal" {
        /// TODO
        fn PyMarshal_ReadObjectFromString(s: *const c_char, n: Py_ssize_t) -> *mut PyObject;
        /// TODO
        fn PyMarshal_WriteObjectToString(o: *mut PyObject, i: c_int) -> *mut PyObject;
    }
    page "memory" {
        /// TODO
        fn PyMem_Calloc(nelem: usize, elsize: usize) -> *mut c_void;
        /// TODO
        fn PyMem_Free(ptr: *mut c_void) -> ();
        /// TODO
        fn PyMem_Malloc(size: usize) -> *mut c_void;
        /// TODO
        fn PyMem_RawCalloc(nelem: usize, elsize: usize) -> *mut c_void;
        /// TODO
        fn PyMem_RawFree(ptr: *mut c_void) -> ();
        /// TODO
        fn PyMem_RawMalloc(size: usize) -> *mut c_void;
        /// TODO
        fn PyMem_RawRealloc(ptr: *mut c_void, new_size: usize) -> *mut c_void;
        /// TODO
        fn PyMem_Realloc(ptr: *mut c_void, new_size: usize) -> *mut c_void;
        /// TODO
        fn PyObject_Calloc(nelem: usize, elsize: usize) -> *mut c_void;
        /// TODO
        fn PyObject_Free(ptr: *mut c_void) -> ();
        /// TODO
        fn PyObject_Malloc(size: usize) -> *mut c_void;
        /// TODO
        fn PyObject_Realloc(ptr: *mut c_void, new_size: usize) -> *mut c_void;
    }
    page "memoryview" {
        /// TODO
        fn PyMemoryView_FromBuffer(info: *const Py_buffer) -> *mut PyObject;
        /// TODO
        fn PyMemoryView_FromMemory(mem: *mut c_char, size: Py_ssize_t, flags: c_int) -> *mut PyObject;
        /// TODO
        fn PyMemoryView_FromObject(base: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyMemoryView_GetContiguous(base: *mut PyObject, buffertype: c_int, order: c_char) -> *mut PyObject;
        statics {
            /// TODO
            PyMemoryView_Type: PyTypeObject;
        }
    }
    page "method" {
        statics {
            /// TODO
            PyMethodDescr_Type: PyTypeObject;
        }
    }
    page "module" {
        /// TODO
        fn PyModuleDef_Init(arg: *mut PyModuleDef) -> *mut PyObject;
        /// TODO
        [opt] fn PyModule_Add(mod_: *mut PyObject, name: *const c_char, value: *mut PyObject) -> c_int;
        /// TODO
        fn PyModule_AddFunctions(o: *mut PyObject, arg: *mut PyMethodDef) -> c_int;
        /// TODO
        fn PyModule_AddIntConstant(o: *mut PyObject, s: *const c_char, arg: c_long) -> c_int;
        /// TODO
        fn PyModule_AddObject(mod_: *mut PyObject, s: *const c_char, value: *mut PyObject) -> c_int;
        /// TODO
        [opt] fn PyModule_AddObjectRef(mod_: *mut PyObject, name: *const c_char, value: *mut PyObject) -> c_int;
        /// TODO
        fn PyModule_AddStringConstant(o: *mut PyObject, s1: *const c_char, s2: *const c_char) -> c_int;
        /// TODO
        fn PyModule_AddType(module: *mut PyObject, type_: *mut PyTypeObject) -> c_int;
        /// TODO
        fn PyModule_Create2(arg: *mut PyModuleDef, apiver: c_int) -> *mut PyObject;
        /// TODO
        fn PyModule_ExecDef(module: *mut PyObject, def: *mut PyModuleDef) -> c_int;
        /// TODO
        fn PyModule_FromDefAndSpec2(def: *mut PyModuleDef, spec: *mut PyObject, module_api_version: c_int) -> *mut PyObject;
        /// TODO
        fn PyModule_GetDef(o: *mut PyObject) -> *mut PyModuleDef;
        /// TODO
        fn PyModule_GetDict(o: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyModule_GetFilename(o: *mut PyObject) -> *const c_char;
        /// TODO
        fn PyModule_GetFilenameObject(o: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyModule_GetName(o: *mut PyObject) -> *const c_char;
        /// TODO
        fn PyModule_GetNameObject(o: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyModule_GetState(o: *mut PyObject) -> *mut c_void;
        /// TODO
        fn PyModule_New(name: *const c_char) -> *mut PyObject;
        /// TODO
        fn PyModule_NewObject(name: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyModule_SetDocString(o: *mut PyObject, s: *const c_char) -> c_int;
        /// TODO
        fn PyState_AddModule(o: *mut PyObject, arg: *mut PyModuleDef) -> c_int;
        /// TODO
        fn PyState_FindModule(arg: *mut PyModuleDef) -> *mut PyObject;
        /// TODO
        fn PyState_RemoveModule(arg: *mut PyModuleDef) -> c_int;
        statics {
            /// TODO
            PyModuleDef_Type: PyTypeObject;
            /// TODO
            PyModule_Type: PyTypeObject;
        }
    }
    page "none" {
        statics {
            /// TODO
            _Py_NoneStruct: PyObject;
        }
    }
    page "number" {
        /// TODO
        fn PyNumber_Absolute(o: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyNumber_Add(o1: *mut PyObject, o2: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyNumber_And(o1: *mut PyObject, o2: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyNumber_AsSsize_t(o: *mut PyObject, exc: *mut PyObject) -> Py_ssize_t;
        /// TODO
        fn PyNumber_Check(o: *mut PyObject) -> c_int;
        /// TODO
        fn PyNumber_Divmod(o1: *mut PyObject, o2: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyNumber_Float(o: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyNumber_FloorDivide(o1: *mut PyObject, o2: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyNumber_InPlaceAdd(o1: *mut PyObject, o2: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyNumber_InPlaceAnd(o1: *mut PyObject, o2: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyNumber_InPlaceFloorDivide(o1: *mut PyObject, o2: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyNumber_InPlaceLshift(o1: *mut PyObject, o2: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyNumber_InPlaceMatrixMultiply(o1: *mut PyObject, o2: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyNumber_InPlaceMultiply(o1: *mut PyObject, o2: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyNumber_InPlaceOr(o1: *mut PyObject, o2: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyNumber_InPlacePower(o1: *mut PyObject, o2: *mut PyObject, o3: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyNumber_InPlaceRemainder(o1: *mut PyObject, o2: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyNumber_InPlaceRshift(o1: *mut PyObject, o2: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyNumber_InPlaceSubtract(o1: *mut PyObject, o2: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyNumber_InPlaceTrueDivide(o1: *mut PyObject, o2: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyNumber_InPlaceXor(o1: *mut PyObject, o2: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyNumber_Index(o: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyNumber_Invert(o: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyNumber_Long(o: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyNumber_Lshift(o1: *mut PyObject, o2: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyNumber_MatrixMultiply(o1: *mut PyObject, o2: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyNumber_Multiply(o1: *mut PyObject, o2: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyNumber_Negative(o: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyNumber_Or(o1: *mut PyObject, o2: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyNumber_Positive(o: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyNumber_Power(o1: *mut PyObject, o2: *mut PyObject, o3: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyNumber_Remainder(o1: *mut PyObject, o2: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyNumber_Rshift(o1: *mut PyObject, o2: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyNumber_Subtract(o1: *mut PyObject, o2: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyNumber_ToBase(n: *mut PyObject, base: c_int) -> *mut PyObject;
        /// TODO
        fn PyNumber_TrueDivide(o1: *mut PyObject, o2: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyNumber_Xor(o1: *mut PyObject, o2: *mut PyObject) -> *mut PyObject;
    }
    page "object" {
        /// TODO
        fn PyObject_ASCII(o: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyObject_Bytes(o: *mut PyObject) -> *mut PyObject;
        /// TODO
        [opt] fn PyObject_DelAttr(v: *mut PyObject, name: *mut PyObject) -> c_int;
        /// TODO
        [opt] fn PyObject_DelAttrString(v: *mut PyObject, name: *const c_char) -> c_int;
        /// TODO
        fn PyObject_DelItem(o: *mut PyObject, key: *mut PyObject) -> c_int;
        /// TODO
        fn PyObject_DelItemString(o: *mut PyObject, key: *const c_char) -> c_int;
        /// TODO
        fn PyObject_Dir(o: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyObject_Format(obj: *mut PyObject, format_spec: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyObject_GenericGetAttr(o1: *mut PyObject, o2: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyObject_GenericGetDict(o: *mut PyObject, p: *mut c_void) -> *mut PyObject;
        /// TODO
        fn PyObject_GenericSetAttr(o1: *mut PyObject, o2: *mut PyObject, o3: *mut PyObject) -> c_int;
        /// TODO
        fn PyObject_GenericSetDict(o1: *mut PyObject, o2: *mut PyObject, p: *mut c_void) -> c_int;
        /// TODO
        [opt] fn PyObject_GetAIter(o: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyObject_GetAttr(o1: *mut PyObject, o2: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyObject_GetAttrString(o: *mut PyObject, s: *const c_char) -> *mut PyObject;
        /// TODO
        fn PyObject_GetItem(o: *mut PyObject, key: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyObject_GetIter(o: *mut PyObject) -> *mut PyObject;
        /// TODO
        [opt] fn PyObject_GetOptionalAttr(o1: *mut PyObject, o2: *mut PyObject, arg: *mut *mut PyObject) -> c_int;
        /// TODO
        [opt] fn PyObject_GetOptionalAttrString(o: *mut PyObject, s: *const c_char, arg: *mut *mut PyObject) -> c_int;
        /// TODO
        [opt] fn PyObject_GetTypeData(obj: *mut PyObject, cls: *mut PyTypeObject) -> *mut c_void;
        /// TODO
        fn PyObject_HasAttr(o1: *mut PyObject, o2: *mut PyObject) -> c_int;
        /// TODO
        fn PyObject_HasAttrString(o: *mut PyObject, s: *const c_char) -> c_int;
        /// TODO
        [opt] fn PyObject_HasAttrStringWithError(o: *mut PyObject, s: *const c_char) -> c_int;
        /// TODO
        [opt] fn PyObject_HasAttrWithError(o1: *mut PyObject, o2: *mut PyObject) -> c_int;
        /// TODO
        fn PyObject_Hash(o: *mut PyObject) -> Py_hash_t;
        /// TODO
        fn PyObject_HashNotImplemented(o: *mut PyObject) -> Py_hash_t;
        /// TODO
        fn PyObject_IsInstance(object: *mut PyObject, typeorclass: *mut PyObject) -> c_int;
        /// TODO
        fn PyObject_IsSubclass(object: *mut PyObject, typeorclass: *mut PyObject) -> c_int;
        /// TODO
        fn PyObject_IsTrue(o: *mut PyObject) -> c_int;
        /// TODO
        fn PyObject_Length(o: *mut PyObject) -> Py_ssize_t;
        /// TODO
        fn PyObject_Not(o: *mut PyObject) -> c_int;
        /// TODO
        fn PyObject_Repr(o: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyObject_RichCompare(o1: *mut PyObject, o2: *mut PyObject, i: c_int) -> *mut PyObject;
        /// TODO
        fn PyObject_RichCompareBool(o1: *mut PyObject, o2: *mut PyObject, i: c_int) -> c_int;
        /// TODO
        fn PyObject_SelfIter(o: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyObject_SetAttr(o1: *mut PyObject, o2: *mut PyObject, o3: *mut PyObject) -> c_int;
        /// TODO
        fn PyObject_SetAttrString(o1: *mut PyObject, s: *const c_char, o2: *mut PyObject) -> c_int;
        /// TODO
        fn PyObject_SetItem(o: *mut PyObject, key: *mut PyObject, v: *mut PyObject) -> c_int;
        /// TODO
        fn PyObject_Size(o: *mut PyObject) -> Py_ssize_t;
        /// TODO
        fn PyObject_Str(o: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyObject_Type(o: *mut PyObject) -> *mut PyObject;
        /// TODO
        [opt] fn Py_GetConstant(constant_id: c_uint) -> *mut PyObject;
        /// TODO
        [opt] fn Py_GetConstantBorrowed(constant_id: c_uint) -> *mut PyObject;
        /// TODO
        [opt] fn PyObject_GetItemData(obj: *mut PyObject) -> *mut c_void;
        statics {
            /// TODO
            PyRangeIter_Type: PyTypeObject;
            /// TODO
            PyRange_Type: PyTypeObject;
            /// TODO
            _Py_NotImplementedStruct: PyObject;
            /// TODO
            _Py_SwappedOp: c_int;
        }
    }
    page "refcounting" {
        /// TODO
        fn Py_DecRef(o: *mut PyObject) -> ();
        /// TODO
        fn Py_IncRef(o: *mut PyObject) -> ();
        /// TODO
        [opt] fn Py_NewRef(obj: *mut PyObject) -> *mut PyObject;
        /// TODO
        [opt] fn Py_XNewRef(obj: *mut PyObject) -> *mut PyObject;
    }
    page "reflection" {
        /// TODO
        fn PyEval_GetBuiltins() -> *mut PyObject;
        /// TODO
        fn PyEval_GetFrame() -> *mut PyFrameObject;
        /// TODO
        [opt] fn PyEval_GetFrameBuiltins() -> *mut PyObject;
        /// TODO
        [opt] fn PyEval_GetFrameGlobals() -> *mut PyObject;
        /// TODO
        [opt] fn PyEval_GetFrameLocals() -> *mut PyObject;
        /// TODO
        fn PyEval_GetFuncDesc(o: *mut PyObject) -> *const c_char;
        /// TODO
        fn PyEval_GetFuncName(o: *mut PyObject) -> *const c_char;
        /// TODO
        fn PyEval_GetGlobals() -> *mut PyObject;
        /// TODO
        fn PyEval_GetLocals() -> *mut PyObject;
    }
    page "sequence" {
        /// TODO
        fn PySequence_Check(o: *mut PyObject) -> c_int;
        /// TODO
        fn PySequence_Concat(o1: *mut PyObject, o2: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PySequence_Contains(seq: *mut PyObject, ob: *mut PyObject) -> c_int;
        /// TODO
        fn PySequence_Count(o: *mut PyObject, value: *mut PyObject) -> Py_ssize_t;
        /// TODO
        fn PySequence_DelItem(o: *mut PyObject, i: Py_ssize_t) -> c_int;
        /// TODO
        fn PySequence_DelSlice(o: *mut PyObject, i1: Py_ssize_t, i2: Py_ssize_t) -> c_int;
        /// TODO
        fn PySequence_Fast(o: *mut PyObject, m: *const c_char) -> *mut PyObject;
        /// TODO
        fn PySequence_GetItem(o: *mut PyObject, i: Py_ssize_t) -> *mut PyObject;
        /// TODO
        fn PySequence_GetSlice(o: *mut PyObject, i1: Py_ssize_t, i2: Py_ssize_t) -> *mut PyObject;
        /// TODO
        fn PySequence_In(o: *mut PyObject, value: *mut PyObject) -> c_int;
        /// TODO
        fn PySequence_InPlaceConcat(o1: *mut PyObject, o2: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PySequence_InPlaceRepeat(o: *mut PyObject, count: Py_ssize_t) -> *mut PyObject;
        /// TODO
        fn PySequence_Index(o: *mut PyObject, value: *mut PyObject) -> Py_ssize_t;
        /// TODO
        fn PySequence_Length(o: *mut PyObject) -> Py_ssize_t;
        /// TODO
        fn PySequence_List(o: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PySequence_Repeat(o: *mut PyObject, count: Py_ssize_t) -> *mut PyObject;
        /// TODO
        fn PySequence_SetItem(o: *mut PyObject, i: Py_ssize_t, v: *mut PyObject) -> c_int;
        /// TODO
        fn PySequence_SetSlice(o: *mut PyObject, i1: Py_ssize_t, i2: Py_ssize_t, v: *mut PyObject) -> c_int;
        /// TODO
        fn PySequence_Size(o: *mut PyObject) -> Py_ssize_t;
        /// TODO
        fn PySequence_Tuple(o: *mut PyObject) -> *mut PyObject;
    }
    page "set" {
        /// TODO
        fn PyFrozenSet_New(o: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PySet_Add(set: *mut PyObject, key: *mut PyObject) -> c_int;
        /// TODO
        fn PySet_Clear(set: *mut PyObject) -> c_int;
        /// TODO
        fn PySet_Contains(anyset: *mut PyObject, key: *mut PyObject) -> c_int;
        /// TODO
        fn PySet_Discard(set: *mut PyObject, key: *mut PyObject) -> c_int;
        /// TODO
        fn PySet_New(o: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PySet_Pop(set: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PySet_Size(anyset: *mut PyObject) -> Py_ssize_t;
        statics {
            /// TODO
            PyFrozenSet_Type: PyTypeObject;
            /// TODO
            PySetIter_Type: PyTypeObject;
            /// TODO
            PySet_Type: PyTypeObject;
        }
    }
    page "slice" {
        /// TODO
        fn PySlice_AdjustIndices(length: Py_ssize_t, start: *mut Py_ssize_t, stop: *mut Py_ssize_t, step: Py_ssize_t) -> Py_ssize_t;
        /// TODO
        fn PySlice_GetIndices(r: *mut PyObject, length: Py_ssize_t, start: *mut Py_ssize_t, stop: *mut Py_ssize_t, step: *mut Py_ssize_t) -> c_int;
        /// TODO
        fn PySlice_GetIndicesEx(r: *mut PyObject, length: Py_ssize_t, start: *mut Py_ssize_t, stop: *mut Py_ssize_t, step: *mut Py_ssize_t, slicelength: *mut Py_ssize_t) -> c_int;
        /// TODO
        fn PySlice_New(start: *mut PyObject, stop: *mut PyObject, step: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PySlice_Unpack(slice: *mut PyObject, start: *mut Py_ssize_t, stop: *mut Py_ssize_t, step: *mut Py_ssize_t) -> c_int;
        statics {
            /// TODO
            PyEllipsis_Type: PyTypeObject;
            /// TODO
            PySlice_Type: PyTypeObject;
            /// TODO
            _Py_EllipsisObject: PyObject;
        }
    }
    page "structures" {
        /// TODO
        fn PyCFunction_GetFlags(o: *mut PyObject) -> c_int;
        /// TODO
        fn PyCFunction_GetFunction(o: *mut PyObject) -> PyCFunction;
        /// TODO
        fn PyCFunction_GetSelf(o: *mut PyObject) -> *mut PyObject;
        /// TODO
        [opt] fn PyCFunction_New(arg: *mut PyMethodDef, o: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyCFunction_NewEx(arg: *mut PyMethodDef, o1: *mut PyObject, o2: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyCMethod_New(arg: *mut PyMethodDef, o1: *mut PyObject, o2: *mut PyObject, type_: *mut PyTypeObject) -> *mut PyObject;
        /// TODO
        [opt] fn Py_Is(x: *mut PyObject, y: *mut PyObject) -> c_int;
        /// TODO
        [opt] fn Py_IsFalse(x: *mut PyObject) -> c_int;
        /// TODO
        [opt] fn Py_IsFinalizing() -> c_int;
        /// TODO
        fn Py_IsInitialized() -> c_int;
        /// TODO
        [opt] fn Py_IsNone(x: *mut PyObject) -> c_int;
        /// TODO
        [opt] fn Py_IsTrue(x: *mut PyObject) -> c_int;
        statics {
            /// TODO
            PyCFunction_Type: PyTypeObject;
        }
    }
    page "sys" {
        /// TODO
        fn PyOS_AfterFork() -> ();
        /// TODO
        fn PyOS_AfterFork_Child() -> ();
        /// TODO
        fn PyOS_AfterFork_Parent() -> ();
        /// TODO
        fn PyOS_BeforeFork() -> ();
        /// TODO
        [opt] fn PyOS_CheckStack() -> c_int;
        /// TODO
        fn PyOS_FSPath(path: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyOS_InterruptOccurred() -> c_int;
        /// TODO
        fn PyOS_getsig(i: c_int) -> PyOS_sighandler_t;
        /// TODO
        fn PyOS_setsig(i: c_int, arg: PyOS_sighandler_t) -> PyOS_sighandler_t;
        /// TODO
        [var] fn PySys_Audit(event: *const c_char, argFormat: *const c_char) -> c_int;
        /// TODO
        [opt] fn PySys_AuditTuple(event: *const c_char, args: *mut PyObject) -> c_int;
        /// TODO
        [var] fn PySys_FormatStderr(format: *const c_char) -> ();
        /// TODO
        [var] fn PySys_FormatStdout(format: *const c_char) -> ();
        /// TODO
        fn PySys_GetObject(s: *const c_char) -> *mut PyObject;
        /// TODO
        fn PySys_GetXOptions() -> *mut PyObject;
        /// TODO
        fn PySys_ResetWarnOptions() -> ();
        /// TODO
        fn PySys_SetArgv(i: c_int, arg: *mut *mut wchar_t) -> ();
        /// TODO
        fn PySys_SetArgvEx(i1: c_int, arg: *mut *mut wchar_t, i2: c_int) -> ();
        /// TODO
        fn PySys_SetObject(s: *const c_char, o: *mut PyObject) -> c_int;
        /// TODO
        [var] fn PySys_WriteStderr(format: *const c_char) -> ();
        /// TODO
        [var] fn PySys_WriteStdout(format: *const c_char) -> ();
        /// TODO
        fn Py_AtExit(func: Option<unsafe extern "C" fn()>) -> c_int;
        /// TODO
        fn Py_DecodeLocale(arg: *const c_char, size: *mut usize) -> *mut wchar_t;
        /// TODO
        fn Py_EncodeLocale(text: *const wchar_t, error_pos: *mut usize) -> *mut c_char;
        /// TODO
        fn Py_Exit(i: c_int) -> ();
        /// TODO
        fn Py_FatalError(message: *const c_char) -> ();
        statics {
            /// TODO
            PyOS_InputHook: PyOS_InputHookFn;
        }
    }
    page "tuple" {
        /// TODO
        fn PyStructSequence_GetItem(o: *mut PyObject, n: Py_ssize_t) -> *mut PyObject;
        /// TODO
        fn PyStructSequence_New(type_: *mut PyTypeObject) -> *mut PyObject;
        /// TODO
        fn PyStructSequence_NewType(desc: *mut PyStructSequence_Desc) -> *mut PyTypeObject;
        /// TODO
        fn PyStructSequence_SetItem(o1: *mut PyObject, n: Py_ssize_t, o2: *mut PyObject) -> ();
        /// TODO
        fn PyTuple_GetItem(o: *mut PyObject, n: Py_ssize_t) -> *mut PyObject;
        /// TODO
        fn PyTuple_GetSlice(o: *mut PyObject, n1: Py_ssize_t, n2: Py_ssize_t) -> *mut PyObject;
        /// TODO
        fn PyTuple_New(size: Py_ssize_t) -> *mut PyObject;
        /// TODO
        [var] fn PyTuple_Pack(n: Py_ssize_t) -> *mut PyObject;
        /// TODO
        fn PyTuple_SetItem(o1: *mut PyObject, n: Py_ssize_t, o2: *mut PyObject) -> c_int;
        /// TODO
        fn PyTuple_Size(o: *mut PyObject) -> Py_ssize_t;
        statics {
            /// TODO
            [opt] PyStructSequence_UnnamedField: *mut c_char;
            /// TODO
            PyTupleIter_Type: PyTypeObject;
            /// TODO
            PyTuple_Type: PyTypeObject;
        }
    }
    page "type" {
        /// TODO
        fn PyType_ClearCache() -> c_uint;
        /// TODO
        [opt] fn PyType_FromMetaclass(type_: *mut PyTypeObject, o1: *mut PyObject, arg: *mut PyType_Spec, o2: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyType_FromModuleAndSpec(o1: *mut PyObject, arg: *mut PyType_Spec, o2: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyType_FromSpec(arg: *mut PyType_Spec) -> *mut PyObject;
        /// TODO
        fn PyType_FromSpecWithBases(arg: *mut PyType_Spec, o: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyType_GenericAlloc(type_: *mut PyTypeObject, n: Py_ssize_t) -> *mut PyObject;
        /// TODO
        fn PyType_GenericNew(type_: *mut PyTypeObject, o1: *mut PyObject, o2: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyType_GetFlags(type_: *mut PyTypeObject) -> c_ulong;
        /// TODO
        [opt] fn PyType_GetFullyQualifiedName(type_: *mut PyTypeObject) -> *mut PyObject;
        /// TODO
        fn PyType_GetModule(type_: *mut PyTypeObject) -> *mut PyObject;
        /// TODO
        [opt] fn PyType_GetModuleByDef(type_: *mut PyTypeObject, def: *mut PyModuleDef) -> *mut PyObject;
        /// TODO
        [opt] fn PyType_GetModuleName(type_: *mut PyTypeObject) -> *mut PyObject;
        /// TODO
        fn PyType_GetModuleState(type_: *mut PyTypeObject) -> *mut c_void;
        /// TODO
        [opt] fn PyType_GetName(type_: *mut PyTypeObject) -> *mut PyObject;
        /// TODO
        [opt] fn PyType_GetQualName(type_: *mut PyTypeObject) -> *mut PyObject;
        /// TODO
        fn PyType_GetSlot(type_: *mut PyTypeObject, i: c_int) -> *mut c_void;
        /// TODO
        [opt] fn PyType_GetTypeDataSize(cls: *mut PyTypeObject) -> Py_ssize_t;
        /// TODO
        fn PyType_IsSubtype(type_1: *mut PyTypeObject, type_2: *mut PyTypeObject) -> c_int;
        /// TODO
        fn PyType_Modified(type_: *mut PyTypeObject) -> ();
        /// TODO
        fn PyType_Ready(type_: *mut PyTypeObject) -> c_int;
        statics {
            /// TODO
            PyBaseObject_Type: PyTypeObject;
            /// TODO
            PySuper_Type: PyTypeObject;
            /// TODO
            PyType_Type: PyTypeObject;
        }
    }
    page "typehints" {
        /// TODO
        fn Py_GenericAlias(o1: *mut PyObject, o2: *mut PyObject) -> *mut PyObject;
        statics {
            /// TODO
            Py_GenericAliasType: PyTypeObject;
        }
    }
    page "unicode" {
        /// TODO
        fn PyUnicode_Append(pleft: *mut *mut PyObject, right: *mut PyObject) -> ();
        /// TODO
        fn PyUnicode_AppendAndDel(pleft: *mut *mut PyObject, right: *mut PyObject) -> ();
        /// TODO
        fn PyUnicode_AsASCIIString(unicode: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyUnicode_AsCharmapString(unicode: *mut PyObject, mapping: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyUnicode_AsDecodedObject(unicode: *mut PyObject, encoding: *const c_char, errors: *const c_char) -> *mut PyObject;
        /// TODO
        fn PyUnicode_AsDecodedUnicode(unicode: *mut PyObject, encoding: *const c_char, errors: *const c_char) -> *mut PyObject;
        /// TODO
        fn PyUnicode_AsEncodedObject(unicode: *mut PyObject, encoding: *const c_char, errors: *const c_char) -> *mut PyObject;
        /// TODO
        fn PyUnicode_AsEncodedString(unicode: *mut PyObject, encoding: *const c_char, errors: *const c_char) -> *mut PyObject;
        /// TODO
        fn PyUnicode_AsEncodedUnicode(unicode: *mut PyObject, encoding: *const c_char, errors: *const c_char) -> *mut PyObject;
        /// TODO
        fn PyUnicode_AsLatin1String(unicode: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyUnicode_AsRawUnicodeEscapeString(unicode: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyUnicode_AsUCS4(unicode: *mut PyObject, buffer: *mut Py_UCS4, buflen: Py_ssize_t, copy_null: c_int) -> *mut Py_UCS4;
        /// TODO
        fn PyUnicode_AsUCS4Copy(unicode: *mut PyObject) -> *mut Py_UCS4;
        /// TODO
        fn PyUnicode_AsUTF16String(unicode: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyUnicode_AsUTF32String(unicode: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyUnicode_AsUTF8AndSize(unicode: *mut PyObject, size: *mut Py_ssize_t) -> *const c_char;
        /// TODO
        fn PyUnicode_AsUTF8String(unicode: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyUnicode_AsUnicodeEscapeString(unicode: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyUnicode_AsWideChar(unicode: *mut PyObject, w: *mut wchar_t, size: Py_ssize_t) -> Py_ssize_t;
        /// TODO
        fn PyUnicode_AsWideCharString(unicode: *mut PyObject, size: *mut Py_ssize_t) -> *mut wchar_t;
        /// TODO
        fn PyUnicode_BuildEncodingMap(string: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyUnicode_Compare(left: *mut PyObject, right: *mut PyObject) -> c_int;
        /// TODO
        fn PyUnicode_CompareWithASCIIString(left: *mut PyObject, right: *const c_char) -> c_int;
        /// TODO
        fn PyUnicode_Concat(left: *mut PyObject, right: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyUnicode_Contains(container: *mut PyObject, element: *mut PyObject) -> c_int;
        /// TODO
        fn PyUnicode_Count(str_: *mut PyObject, substr: *mut PyObject, start: Py_ssize_t, end: Py_ssize_t) -> Py_ssize_t;
        /// TODO
        fn PyUnicode_Decode(s: *const c_char, size: Py_ssize_t, encoding: *const c_char, errors: *const c_char) -> *mut PyObject;
        /// TODO
        fn PyUnicode_DecodeASCII(string: *const c_char, length: Py_ssize_t, errors: *const c_char) -> *mut PyObject;
        /// TODO
        fn PyUnicode_DecodeCharmap(string: *const c_char, length: Py_ssize_t, mapping: *mut PyObject, errors: *const c_char) -> *mut PyObject;
        /// TODO
        fn PyUnicode_DecodeFSDefault(s: *const c_char) -> *mut PyObject;
        /// TODO
        fn PyUnicode_DecodeFSDefaultAndSize(s: *const c_char, size: Py_ssize_t) -> *mut PyObject;
        /// TODO
        fn PyUnicode_DecodeLatin1(string: *const c_char, length: Py_ssize_t, errors: *const c_char) -> *mut PyObject;
        /// TODO
        fn PyUnicode_DecodeLocale(str_: *const c_char, errors: *const c_char) -> *mut PyObject;
        /// TODO
        fn PyUnicode_DecodeLocaleAndSize(str_: *const c_char, len: Py_ssize_t, errors: *const c_char) -> *mut PyObject;
        /// TODO
        fn PyUnicode_DecodeRawUnicodeEscape(string: *const c_char, length: Py_ssize_t, errors: *const c_char) -> *mut PyObject;
        /// TODO
        fn PyUnicode_DecodeUTF16(string: *const c_char, length: Py_ssize_t, errors: *const c_char, byteorder: *mut c_int) -> *mut PyObject;
        /// TODO
        fn PyUnicode_DecodeUTF16Stateful(string: *const c_char, length: Py_ssize_t, errors: *const c_char, byteorder: *mut c_int, consumed: *mut Py_ssize_t) -> *mut PyObject;
        /// TODO
        fn PyUnicode_DecodeUTF32(string: *const c_char, length: Py_ssize_t, errors: *const c_char, byteorder: *mut c_int) -> *mut PyObject;
        /// TODO
        fn PyUnicode_DecodeUTF32Stateful(string: *const c_char, length: Py_ssize_t, errors: *const c_char, byteorder: *mut c_int, consumed: *mut Py_ssize_t) -> *mut PyObject;
        /// TODO
        fn PyUnicode_DecodeUTF7(string: *const c_char, length: Py_ssize_t, errors: *const c_char) -> *mut PyObject;
        /// TODO
        fn PyUnicode_DecodeUTF7Stateful(string: *const c_char, length: Py_ssize_t, errors: *const c_char, consumed: *mut Py_ssize_t) -> *mut PyObject;
        /// TODO
        fn PyUnicode_DecodeUTF8(string: *const c_char, length: Py_ssize_t, errors: *const c_char) -> *mut PyObject;
        /// TODO
        fn PyUnicode_DecodeUTF8Stateful(string: *const c_char, length: Py_ssize_t, errors: *const c_char, consumed: *mut Py_ssize_t) -> *mut PyObject;
        /// TODO
        fn PyUnicode_DecodeUnicodeEscape(string: *const c_char, length: Py_ssize_t, errors: *const c_char) -> *mut PyObject;
        /// TODO
        fn PyUnicode_EncodeFSDefault(unicode: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyUnicode_EncodeLocale(unicode: *mut PyObject, errors: *const c_char) -> *mut PyObject;
        /// TODO
        [opt] fn PyUnicode_EqualToUTF8(o: *mut PyObject, s: *const c_char) -> c_int;
        /// TODO
        [opt] fn PyUnicode_EqualToUTF8AndSize(o: *mut PyObject, s: *const c_char, n: Py_ssize_t) -> c_int;
        /// TODO
        fn PyUnicode_FSConverter(o: *mut PyObject, p: *mut c_void) -> c_int;
        /// TODO
        fn PyUnicode_FSDecoder(o: *mut PyObject, p: *mut c_void) -> c_int;
        /// TODO
        fn PyUnicode_Find(str_: *mut PyObject, substr: *mut PyObject, start: Py_ssize_t, end: Py_ssize_t, direction: c_int) -> Py_ssize_t;
        /// TODO
        fn PyUnicode_FindChar(str_: *mut PyObject, ch: Py_UCS4, start: Py_ssize_t, end: Py_ssize_t, direction: c_int) -> Py_ssize_t;
        /// TODO
        fn PyUnicode_Format(format: *mut PyObject, args: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyUnicode_FromEncodedObject(obj: *mut PyObject, encoding: *const c_char, errors: *const c_char) -> *mut PyObject;
        /// TODO
        [var] fn PyUnicode_FromFormat(format: *const c_char) -> *mut PyObject;
        /// TODO
        fn PyUnicode_FromFormatV(format: *const c_char, vargs: va_list) -> *mut PyObject;
        /// TODO
        fn PyUnicode_FromObject(obj: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyUnicode_FromOrdinal(ordinal: c_int) -> *mut PyObject;
        /// TODO
        fn PyUnicode_FromString(u: *const c_char) -> *mut PyObject;
        /// TODO
        fn PyUnicode_FromStringAndSize(u: *const c_char, size: Py_ssize_t) -> *mut PyObject;
        /// TODO
        fn PyUnicode_FromWideChar(w: *const wchar_t, size: Py_ssize_t) -> *mut PyObject;
        /// TODO
        fn PyUnicode_GetDefaultEncoding() -> *const c_char;
        /// TODO
        fn PyUnicode_GetLength(unicode: *mut PyObject) -> Py_ssize_t;
        /// TODO
        fn PyUnicode_InternFromString(u: *const c_char) -> *mut PyObject;
        /// TODO
        fn PyUnicode_InternInPlace(arg: *mut *mut PyObject) -> ();
        /// TODO
        fn PyUnicode_IsIdentifier(s: *mut PyObject) -> c_int;
        /// TODO
        fn PyUnicode_Join(separator: *mut PyObject, seq: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyUnicode_Partition(s: *mut PyObject, sep: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyUnicode_RPartition(s: *mut PyObject, sep: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyUnicode_RSplit(s: *mut PyObject, sep: *mut PyObject, maxsplit: Py_ssize_t) -> *mut PyObject;
        /// TODO
        fn PyUnicode_ReadChar(unicode: *mut PyObject, index: Py_ssize_t) -> Py_UCS4;
        /// TODO
        fn PyUnicode_Replace(str_: *mut PyObject, substr: *mut PyObject, replstr: *mut PyObject, maxcount: Py_ssize_t) -> *mut PyObject;
        /// TODO
        fn PyUnicode_Resize(unicode: *mut *mut PyObject, length: Py_ssize_t) -> c_int;
        /// TODO
        fn PyUnicode_RichCompare(left: *mut PyObject, right: *mut PyObject, op: c_int) -> *mut PyObject;
        /// TODO
        fn PyUnicode_Split(s: *mut PyObject, sep: *mut PyObject, maxsplit: Py_ssize_t) -> *mut PyObject;
        /// TODO
        fn PyUnicode_Splitlines(s: *mut PyObject, keepends: c_int) -> *mut PyObject;
        /// TODO
        fn PyUnicode_Substring(str_: *mut PyObject, start: Py_ssize_t, end: Py_ssize_t) -> *mut PyObject;
        /// TODO
        fn PyUnicode_Tailmatch(str_: *mut PyObject, substr: *mut PyObject, start: Py_ssize_t, end: Py_ssize_t, direction: c_int) -> Py_ssize_t;
        /// TODO
        fn PyUnicode_Translate(str_: *mut PyObject, table: *mut PyObject, errors: *const c_char) -> *mut PyObject;
        /// TODO
        fn PyUnicode_WriteChar(unicode: *mut PyObject, index: Py_ssize_t, character: Py_UCS4) -> c_int;
        /// TODO
        [opt] fn PyUnicode_AsUTF8(unicode: *mut PyObject) -> *const c_char;
        statics {
            /// TODO
            PyUnicodeIter_Type: PyTypeObject;
            /// TODO
            PyUnicode_Type: PyTypeObject;
        }
    }
    page "veryhigh" {
        /// TODO
        fn PyEval_EvalCode(o1: *mut PyObject, o2: *mut PyObject, o3: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyEval_EvalCodeEx(co: *mut PyObject, globals: *mut PyObject, locals: *mut PyObject, args: *const *mut PyObject, argc: c_int, kwds: *const *mut PyObject, kwdc: c_int, defs: *const *mut PyObject, defc: c_int, kwdefs: *mut PyObject, closure: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyEval_EvalFrame(arg: *mut PyFrameObject) -> *mut PyObject;
        /// TODO
        fn PyEval_EvalFrameEx(f: *mut PyFrameObject, exc: c_int) -> *mut PyObject;
        /// TODO
        fn Py_BytesMain(argc: c_int, argv: *mut *mut c_char) -> c_int;
        /// TODO
        fn Py_CompileString(s1: *const c_char, s2: *const c_char, i: c_int) -> *mut PyObject;
        /// TODO
        fn Py_Main(argc: c_int, argv: *mut *mut wchar_t) -> c_int;
        /// TODO
        [opt] fn PyRun_StringFlags(str_: *const c_char, start: c_int, globals: *mut PyObject, locals: *mut PyObject, flags: *mut PyCompilerFlags) -> *mut PyObject;
        /// TODO
        [opt] fn PyRun_SimpleStringFlags(command: *const c_char, flags: *mut PyCompilerFlags) -> c_int;
        /// TODO
        [opt] fn Py_CompileStringExFlags(str_: *const c_char, filename: *const c_char, start: c_int, flags: *mut PyCompilerFlags, optimize: c_int) -> *mut PyObject;
        /// TODO
        [opt] fn Py_CompileStringObject(str_: *const c_char, filename: *mut PyObject, start: c_int, flags: *mut PyCompilerFlags, optimize: c_int) -> *mut PyObject;
        /// TODO
        [opt] fn PyEval_MergeCompilerFlags(cf: *mut PyCompilerFlags) -> c_int;
    }
    page "weakref" {
        /// TODO
        fn PyObject_ClearWeakRefs(o: *mut PyObject) -> ();
        /// TODO
        fn PyWeakref_GetObject(ref_: *mut PyObject) -> *mut PyObject;
        /// TODO
        [opt] fn PyWeakref_GetRef(ref_: *mut PyObject, pobj: *mut *mut PyObject) -> c_int;
        /// TODO
        fn PyWeakref_NewProxy(ob: *mut PyObject, callback: *mut PyObject) -> *mut PyObject;
        /// TODO
        fn PyWeakref_NewRef(ob: *mut PyObject, callback: *mut PyObject) -> *mut PyObject;
        statics {
            /// TODO
            _PyWeakref_CallableProxyType: PyTypeObject;
            /// TODO
            _PyWeakref_ProxyType: PyTypeObject;
            /// TODO
            _PyWeakref_RefType: PyTypeObject;
        }
    }

}
