//! The methods a Rust type lists in [`Bridge::method_table`]: each is one of CPython's own
//! method descriptors on the type's bridge type, whose C function is made for the Rust type
//! and the method's index. A call from Python reaches the method's body with no name matched,
//! no trait object and no second frame in between: the function reads the method from the
//! type's table at a constant index, so the compiler calls (and usually inlines) it directly.
//!
//! The Rust object is cast to the type only when the [`TypeId`] the bridge recorded for it is
//! the type's (never on the descriptor's word alone).
//!
//! [`Bridge::method_table`]: super::Bridge::method_table

use std::any::TypeId;
use std::collections::HashMap;
use std::ffi::CString;
use std::sync::Mutex;

use libpython_interp::ffi;

use super::{Bridge, Cell, on_cell};
use crate::err::{Error, ErrorKind, Result};
use crate::function::Args;
use crate::object::Object;

/// A method's Rust function: the object, the call's arguments, the result.
pub type MethodFn<T> = fn(&T, &Args<'_>) -> Result<Object>;

/// One method of a Rust type seen from Python, an entry of [`Bridge::method_table`]: its name
/// and its function, which gets the Rust object itself (no downcast to write) and the call's
/// [`Args`].
///
/// [`Method::positional`] is the faster kind: Python refuses keyword arguments before the call
/// (with the `TypeError` a C method gives) and the call costs what a C method's costs.
/// [`Method::new`] accepts them ([`Args::kwarg`], [`Args::kwarg_as`]).
///
/// The function is an inherent method of the type (`Scaler::scale` below) or a closure that
/// captures nothing. The method's C function calls it directly; a small one marked
/// `#[inline(always)]` is compiled into that C function, which saves the call (a closure
/// cannot be marked: the compiler decides).
///
/// ```
/// use libpython::{Args, Bridge, Method, Object, Result, ToPython};
/// struct Scaler {
///     factor: i64,
/// }
/// impl Scaler {
///     #[inline(always)]
///     fn scale(&self, a: &Args<'_>) -> Result<Object> {
///         (a.extract::<i64>(0)? * self.factor).to_python(a.py())
///     }
/// }
/// impl Bridge for Scaler {
///     fn method_table() -> &'static [Method<Self>] {
///         const METHODS: &[Method<Scaler>] = &[
///             Method::positional("scale", Scaler::scale),
///             Method::new("offset", |s, a| {
///                 let by: i64 = a.kwarg_as("by")?.unwrap_or(1);
///                 (s.factor + by).to_python(a.py())
///             }),
///         ];
///         METHODS
///     }
/// }
/// let obj = libpython::bridge(std::sync::Arc::new(Scaler { factor: 3 }))?;
/// assert_eq!(obj.call_method("scale", (5,))?.extract::<i64>()?, 15);
/// assert_eq!(obj.call_method_kw("offset", (), &[("by", &4)])?.extract::<i64>()?, 7);
/// let f = libpython::eval("lambda s: sum(s.scale(i) for i in range(4))")?;
/// assert_eq!(f.call((&obj,))?.extract::<i64>()?, 18);
/// // A positional method refuses keywords, as a C method does.
/// assert!(obj.call_method_kw("scale", (), &[("x", &1)]).is_err());
/// # Ok::<(), libpython::Error>(())
/// ```
pub struct Method<T> {
    name: &'static str,
    f: MethodFn<T>,
    keywords: bool,
}

impl<T> Method<T> {
    /// The method `name`, calling `f`, accepting keyword arguments.
    pub const fn new(name: &'static str, f: MethodFn<T>) -> Method<T> {
        Method {
            name,
            f,
            keywords: true,
        }
    }

    /// The method `name`, calling `f`, with positional arguments only: a call with keywords
    /// is Python's `TypeError` (the method is never called).
    pub const fn positional(name: &'static str, f: MethodFn<T>) -> Method<T> {
        Method {
            name,
            f,
            keywords: false,
        }
    }

    /// The method's name.
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// Whether the method accepts keyword arguments.
    pub const fn accepts_keywords(&self) -> bool {
        self.keywords
    }
}

impl<T> Clone for Method<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Method<T> {}

impl<T> std::fmt::Debug for Method<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Method")
            .field("name", &self.name)
            .field("keywords", &self.keywords)
            .finish_non_exhaustive()
    }
}

/// How many entries of a method table get a function of their own (made for each index).
pub(super) const MAX_TYPED_METHODS: usize = super::OWN_FUNCTIONS;

/// The method definitions of one Rust type's table, made once for the process (CPython keeps
/// pointing at them), and the number that tells the type's bridge types apart from others'.
#[derive(Clone, Copy)]
pub(super) struct TypedDefs {
    /// Unique per Rust type in the process, never 0.
    pub(super) id: usize,
    /// One definition per method, in table order; never freed.
    pub(super) defs: &'static [Def],
}

/// A leaked method definition (an address CPython may keep) and the method's name.
#[derive(Clone, Copy)]
pub(super) struct Def {
    pub(super) def: *mut ffi::PyMethodDef,
    pub(super) name: &'static str,
}

// SAFETY: the definition is written once, before it is shared, and never changed or freed;
// CPython reads it under a GIL.
unsafe impl Send for Def {}
// SAFETY: as above.
unsafe impl Sync for Def {}

/// The definitions of `T`'s [`Bridge::method_table`], `None` when it is empty; made on first
/// use. Refuses a table longer than [`MAX_TYPED_METHODS`] and a name with a NUL byte.
pub(super) fn typed_defs<T: Bridge>() -> Result<Option<TypedDefs>> {
    let table = T::method_table();
    if table.is_empty() {
        return Ok(None);
    }
    /// Every Rust type's definitions, by its `TypeId`.
    static DEFS: Mutex<Option<HashMap<TypeId, TypedDefs>>> = Mutex::new(None);
    // No Python code runs under this lock.
    let mut all = DEFS.lock().unwrap_or_else(|e| e.into_inner());
    let all = all.get_or_insert_with(HashMap::new);
    if let Some(d) = all.get(&TypeId::of::<T>()) {
        return Ok(Some(*d));
    }
    if table.len() > MAX_TYPED_METHODS {
        return Err(Error::type_error(
            format!("a method table of at most {MAX_TYPED_METHODS} methods"),
            format!(
                "{} methods in the table of {}",
                table.len(),
                std::any::type_name::<T>()
            ),
        ));
    }
    let positional: [ffi::PyCFunctionFast; MAX_TYPED_METHODS] = per_index!(typed_positional, T);
    let keywords: [ffi::PyCFunctionFastWithKeywords; MAX_TYPED_METHODS] =
        per_index!(typed_keywords, T);
    let mut defs = Vec::with_capacity(table.len());
    for (i, m) in table.iter().enumerate() {
        let name = CString::new(m.name).map_err(|_| {
            Error::from(ErrorKind::Nul {
                what: "method name",
                value: m.name.to_owned(),
            })
        })?;
        let (ml_meth, ml_flags) = if m.keywords {
            (
                ffi::PyMethodDefPointer {
                    PyCFunctionFastWithKeywords: keywords[i],
                },
                ffi::METH_FASTCALL | ffi::METH_KEYWORDS,
            )
        } else {
            (
                ffi::PyMethodDefPointer {
                    PyCFunctionFast: positional[i],
                },
                ffi::METH_FASTCALL,
            )
        };
        defs.push(ffi::PyMethodDef {
            ml_name: name.into_raw(),
            ml_meth,
            ml_flags,
            ml_doc: std::ptr::null(),
        });
    }
    let defs: &'static mut [ffi::PyMethodDef] = defs.leak();
    let defs: &'static [Def] = defs
        .iter_mut()
        .zip(table)
        .map(|(def, m)| Def { def, name: m.name })
        .collect::<Vec<_>>()
        .leak();
    let made = TypedDefs {
        id: all.len() + 1,
        defs,
    };
    all.insert(TypeId::of::<T>(), made);
    Ok(Some(made))
}

/// Method `I` of `T`'s table, positional arguments only (`METH_FASTCALL`).
///
/// # Safety
/// Called by CPython with the GIL held, `slf` an instance of the descriptor's type (checked by
/// the descriptor: a bridge type made for `T`'s table), `args` holding `nargs` arguments.
unsafe extern "C" fn typed_positional<T: Bridge, const I: usize>(
    slf: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargs: ffi::Py_ssize_t,
) -> *mut ffi::PyObject {
    // SAFETY: the function's contract; a positional call has no keyword names.
    unsafe { typed_call::<T, I>(slf, args, nargs, std::ptr::null_mut()) }
}

/// Method `I` of `T`'s table, with keywords (`METH_FASTCALL | METH_KEYWORDS`).
///
/// # Safety
/// As [`typed_positional`], `args` followed by one value per name in `kwnames`.
unsafe extern "C" fn typed_keywords<T: Bridge, const I: usize>(
    slf: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargs: ffi::Py_ssize_t,
    kwnames: *mut ffi::PyObject,
) -> *mut ffi::PyObject {
    // SAFETY: the function's contract.
    unsafe { typed_call::<T, I>(slf, args, nargs, kwnames) }
}

/// The body of both: the cell's object as a `T` (when its recorded `TypeId` says it is one),
/// method `I` of the table called with it.
///
/// # Safety
/// As [`typed_keywords`].
#[inline(always)]
unsafe fn typed_call<T: Bridge, const I: usize>(
    slf: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargs: ffi::Py_ssize_t,
    kwnames: *mut ffi::PyObject,
) -> *mut ffi::PyObject {
    // SAFETY: `slf` is a live bridge instance held by the caller for the call (the function's
    // contract), so its cell outlives the body.
    unsafe {
        on_cell(slf, move |py, c| {
            let Some(m) = T::method_table().get(I) else {
                return Err(not_in_table::<T>());
            };
            let t = as_type::<T>(c)?;
            // SAFETY: the arguments as CPython passed them, alive for the call.
            let a = Args::from_vectorcall(py, args, nargs, kwnames);
            (m.f)(t, &a)
        })
    }
}

/// The cell's Rust object as a `T`, decided by the `TypeId` recorded when it was bridged.
#[inline(always)]
fn as_type<T: Bridge>(c: &Cell) -> Result<&T> {
    if c.type_id != TypeId::of::<T>() {
        return Err(not_a::<T>());
    }
    // SAFETY: the cell's object is a `T` (the `TypeId` of the concrete type `bridge_in` was
    // given, recorded with it), and `target` points at it for as long as the cell lives.
    Ok(unsafe { &*c.target.cast::<T>() })
}

/// A method function called on an object of another Rust type (never: the descriptor checks
/// the Python type, made for one Rust type's table).
#[cold]
#[inline(never)]
fn not_a<T>() -> Error {
    Error::type_error(
        format!("a bridged {}", std::any::type_name::<T>()),
        "a bridge of another Rust type",
    )
}

/// A method function past the table's end (never registered).
#[cold]
#[inline(never)]
fn not_in_table<T>() -> Error {
    Error::type_error(
        format!("a method of {}'s table", std::any::type_name::<T>()),
        "an index past its end",
    )
}
