//! CPython's C API, loaded from a libpython chosen at run time.
//!
//! This is the bottom layer of the `libpython` workspace: the C API one to one, under its C
//! names, with nothing added. The caller manages the GIL and reference counts exactly as C
//! code would.
//!
//! * [`load()`] opens a libpython (3.9 or newer) with `RTLD_NOW | RTLD_GLOBAL` and fills one
//!   table of function pointers, [`Api`]. Nothing links libpython at build time, so one binary
//!   serves every Python the user has.
//! * Every declared function is a free `unsafe fn` under its C name ([`PyObject_GetAttr`],
//!   ...) calling through that table. Functions that not every supported version exports are
//!   `Option`s in the table. Variadic functions are called through the table:
//!   `(api().PyErr_Format)(exc, fmt, ...)`.
//! * Data symbols (type objects, exception types, singletons) are functions returning the
//!   symbol's address: [`PyFloat_Type()`](data::PyFloat_Type) is C's `&PyFloat_Type`, and
//!   `*PyExc_TypeError()` is C's `PyExc_TypeError`.
//! * C macros and inline functions are small Rust functions ([`Py_TYPE`], [`PyLong_Check`],
//!   [`Py_None`], [`vectorcall`]).
//! * Types and constants are this crate's own ([`types`]), with the layout every supported
//!   version shares; structures whose layout differs between versions or builds (the object
//!   header, type objects) are opaque. The crate has no build script and no native
//!   dependency: building it needs no Python.
//!
//! ```no_run
//! use libpython_ffi as ffi;
//! let lib = ffi::load("/usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0")?;
//! println!("loaded Python {}", lib.version());
//! // SAFETY: the library is loaded; Py_InitializeEx takes the GIL on this thread.
//! unsafe {
//!     ffi::Py_InitializeEx(0);
//!     let n = ffi::PyLong_FromLong(42);
//!     assert_eq!(ffi::PyLong_AsLong(n), 42);
//!     ffi::Py_DecRef(n);
//! }
//! # Ok::<(), ffi::LoadError>(())
//! ```

#![deny(missing_docs)]
#![allow(non_snake_case, non_camel_case_types, non_upper_case_globals)]

#[macro_use]
mod macros;
mod api;
mod dict;
mod float;
mod inline;
pub mod load;
mod long;
mod refcount;
pub mod retired;
pub mod types;
mod unicode;

pub use api::{Api, DATA, FUNCTIONS, data, functions};
pub use dict::{PyDict_GET_SIZE, dict_entries_in_place, dict_next, dict_size_in_place};
pub use float::{PyFloat_AS_DOUBLE, float_read_in_place};
pub use functions::*;
pub use inline::*;
pub use load::{Library, LoadError, Version, api, library, load};
pub use long::{LongLayout, long_layout};
pub use refcount::*;
pub use retired::{RETIRED, Retired, Unavailable};
pub use types::*;
pub use unicode::{unicode_ascii, unicode_read_in_place, unicode_utf8};

/// One entry of the declaration list, for coverage checks and diagnostics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Symbol {
    /// The C name.
    pub name: &'static str,
    /// The C-API documentation page it is described on (`object` for
    /// `https://docs.python.org/3/c-api/object.html`).
    pub page: &'static str,
    /// Not exported by every supported version: `Option` in the table.
    pub optional: bool,
    /// Takes C varargs: call it through the table.
    pub variadic: bool,
}
