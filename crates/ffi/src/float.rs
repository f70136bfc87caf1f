//! `float`s read in place: C's `PyFloat_AS_DOUBLE`, which reads `ob_fval`, the `double` right
//! after the object header, in every CPython this crate knows (GIL and free-threaded builds
//! alike, subclasses of `float` included).
//!
//! The offset is used only after [`init_object_layout`](crate::init_object_layout), on a
//! version this crate knows, and only when `float.__basicsize__` is the header and one
//! `double` and reading in place gives what `PyFloat_AsDouble` gives on floats made for the
//! purpose; everywhere else [`PyFloat_AS_DOUBLE`] calls `PyFloat_AsDouble`.

use std::sync::atomic::{AtomicUsize, Ordering};

use crate::functions::*;
use crate::types::*;

/// Byte offset of `ob_fval` in a `float`; 0 while unknown (then the exported function is
/// called).
static FLOAT_VALUE_OFFSET: AtomicUsize = AtomicUsize::new(0);

/// The value of a `float` (C's `PyFloat_AS_DOUBLE`): read in place where the layout is known
/// (see the module), else by `PyFloat_AsDouble`. Neither fails nor runs Python code on a
/// `float` or an instance of a subclass of `float` (whose `__float__` is not called, as in
/// CPython).
///
/// # Safety
/// `o` must be a live object for which `PyFloat_Check` is true; the GIL is held.
#[allow(non_snake_case)]
#[inline(always)]
pub unsafe fn PyFloat_AS_DOUBLE(o: *mut PyObject) -> f64 {
    let off = FLOAT_VALUE_OFFSET.load(Ordering::Relaxed);
    if off == 0 {
        // SAFETY: forwarded contract.
        return unsafe { PyFloat_AsDouble(o) };
    }
    // SAFETY: `o` is a live float, whose `ob_fval` is at `off` (checked at start-up), and a
    // float's value never changes.
    unsafe { o.cast::<u8>().add(off).cast::<f64>().read() }
}

/// Publishes the offset of `ob_fval` (the object header's size, `header`) when it checks out
/// for the running interpreter (see the module).
///
/// # Safety
/// As [`init_object_layout`](crate::init_object_layout): the GIL is held.
pub(crate) unsafe fn init_float_layout(header: usize) {
    FLOAT_VALUE_OFFSET.store(0, Ordering::Relaxed);
    let known = crate::library().is_some_and(|l| l.version().is_known());
    // SAFETY: forwarded contract; `PyFloat_Type` is a static type object.
    let basic =
        unsafe { crate::inline::type_size(crate::data::PyFloat_Type().cast(), c"__basicsize__") };
    if !known || basic != Some(header + size_of::<f64>()) {
        return;
    }
    let reads_back = |v: f64| {
        // SAFETY: the GIL is held; the float made here is released after the read, which is
        // within its `__basicsize__` bytes.
        unsafe {
            let o = PyFloat_FromDouble(v);
            if o.is_null() {
                PyErr_Clear();
                return false;
            }
            let read = o.cast::<u8>().add(header).cast::<f64>().read();
            let called = PyFloat_AsDouble(o);
            Py_DecRef(o);
            read.to_bits() == v.to_bits() && called.to_bits() == v.to_bits()
        }
    };
    if [0.0, -0.0, 1.5, -2.75e300, f64::MIN_POSITIVE, f64::INFINITY]
        .into_iter()
        .all(reads_back)
    {
        FLOAT_VALUE_OFFSET.store(header, Ordering::Relaxed);
    }
}

/// Whether floats are read in place (see the module).
pub fn float_read_in_place() -> bool {
    FLOAT_VALUE_OFFSET.load(Ordering::Relaxed) != 0
}
