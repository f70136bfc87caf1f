//! The three handles on a Python object: [`Object`] (owned, any thread, takes the GIL
//! itself), [`Bound`] (owned, under a held GIL: methods return more `Bound`s and chain), and
//! [`Borrowed`] (a copyable view under a held GIL, for arguments and container items).

use std::fmt;
use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::ops::Deref;
use std::ptr::NonNull;

use libpython_interp as interp;
use libpython_interp::InterpKey;
use libpython_interp::ffi;

use crate::call::IntoArgs;
use crate::conversion::{FromPython, ToPython};
use crate::err::{Error, ErrorKind, Result, fetch};
use crate::gil::{Python, acquire_for};
use crate::name::{IntoName, KwNames};

/// An owned reference to a Python object, usable from any thread.
///
/// `Send + Sync`: it can be moved to and shared between threads. Every method takes the GIL
/// of the object's interpreter automatically (a thread-local check when it is already held).
/// [`Clone`] adds a reference; [`Drop`] releases it at once when the thread holds the GIL,
/// and otherwise queues it for the interpreter's next GIL acquisition. Under a held GIL,
/// [`bind`](Self::bind) gives the [`Bound`] handle, whose methods cost no acquisition and
/// chain.
///
/// `Debug` shows `repr(obj)` and `Display` shows `str(obj)`. `==` and `Hash` go through
/// Python's `__eq__` and `__hash__` (a failure compares unequal / hashes alike; use
/// [`Object::eq_py`] and [`Object::hash_py`] to see errors).
///
/// ```
/// use libpython::Object;
/// let xs = libpython::eval("[1, 2, 3]")?;
/// assert_eq!(xs.len()?, 3);
/// assert_eq!(format!("{xs:?}"), "[1, 2, 3]");
/// let v: Vec<i32> = xs.extract()?;
/// assert_eq!(v, [1, 2, 3]);
/// # Ok::<(), libpython::Error>(())
/// ```
#[repr(C)]
pub struct Object {
    ptr: NonNull<ffi::PyObject>,
    key: InterpKey,
}

// SAFETY: the pointer is only dereferenced by CPython while the GIL of `key`'s interpreter is
// held (every method acquires it first), and releasing it from another thread is queued.
unsafe impl Send for Object {}
// SAFETY: as above: shared access only ever reaches the object under its interpreter's GIL.
unsafe impl Sync for Object {}

/// An owned reference to a Python object, under a held GIL (PyO3's `Bound<'py, PyAny>`).
///
/// Methods cost no acquisition (the token `'py` proves the GIL is held) and return further
/// `Bound`s, so calls chain; [`unbind`](Self::unbind) turns one into an [`Object`] to keep past
/// the GIL scope or send to another thread. Not `Send`: it never leaves the thread and the
/// scope that hold the GIL (the compiler refuses it in [`Python::detach`] and
/// [`with_interpreter`](crate::with_interpreter) closures).
///
/// ```
/// libpython::attach(|py| {
///     let text: String = py.import("os")?.getattr("path")?.call_method("join", ("a", "b"))?.extract()?;
///     assert_eq!(text, "a/b");
///     Ok(())
/// })?;
/// # Ok::<(), libpython::Error>(())
/// ```
#[repr(C)]
pub struct Bound<'py> {
    ptr: NonNull<ffi::PyObject>,
    py: Python<'py>,
}

/// A borrowed reference under a held GIL (PyO3's `Borrowed`): what callbacks receive as
/// arguments and conversions read container items as. It dereferences to [`Bound`], so every
/// method is there; [`to_owned`](Self::to_owned) makes an owned handle.
#[repr(C)]
pub struct Borrowed<'a, 'py> {
    ptr: NonNull<ffi::PyObject>,
    py: Python<'py>,
    _owner: PhantomData<&'a Object>,
}

impl Clone for Borrowed<'_, '_> {
    fn clone(&self) -> Self {
        *self
    }
}

impl Copy for Borrowed<'_, '_> {}

impl<'a, 'py> Borrowed<'a, 'py> {
    /// A view of a borrowed pointer.
    ///
    /// # Safety
    /// `ptr` is a live object of `py`'s interpreter that stays alive for `'a`.
    #[inline(always)]
    pub unsafe fn from_ptr(py: Python<'py>, ptr: *mut ffi::PyObject) -> Borrowed<'a, 'py> {
        Borrowed {
            // SAFETY: the caller promises a live, hence non-null, object.
            ptr: unsafe { NonNull::new_unchecked(ptr) },
            py,
            _owner: PhantomData,
        }
    }

    /// An owned handle on the same object (one more reference).
    #[inline(always)]
    pub fn to_owned(self) -> Bound<'py> {
        // SAFETY: the object is live and its interpreter's GIL is held (`py`).
        unsafe { Bound::from_borrowed_ptr(self.py, self.ptr.as_ptr()) }
    }
}

impl<'py> Deref for Borrowed<'_, 'py> {
    type Target = Bound<'py>;

    #[inline(always)]
    fn deref(&self) -> &Bound<'py> {
        // SAFETY: `Borrowed` and `Bound` are `repr(C)` with the same fields (a pointer and a
        // token; the marker is zero-sized), and a `&Bound` gives no ownership: it is only
        // read through, never dropped.
        unsafe { &*(self as *const Borrowed<'_, 'py>).cast::<Bound<'py>>() }
    }
}

/// The raw-pointer methods both owning handles have alike (two types, hence a macro).
macro_rules! raw_pointer {
    ($($handle:ty),*) => {$(
        impl $handle {
            /// The raw pointer (still owned by this handle).
            #[inline(always)]
            pub fn as_ptr(&self) -> *mut ffi::PyObject {
                self.ptr.as_ptr()
            }

            /// Gives up the handle's reference and returns it.
            #[inline(always)]
            pub fn into_ptr(self) -> *mut ffi::PyObject {
                ManuallyDrop::new(self).ptr.as_ptr()
            }
        }
    )*};
}

raw_pointer!(Object, Bound<'_>);

impl Object {
    /// Wraps an owned (new) reference.
    ///
    /// # Safety
    /// `ptr` is a non-null strong reference of `py`'s interpreter, given to the handle.
    #[inline(always)]
    pub unsafe fn from_owned_ptr(py: Python<'_>, ptr: *mut ffi::PyObject) -> Object {
        // SAFETY: the same contract.
        unsafe { Bound::from_owned_ptr(py, ptr) }.unbind()
    }

    /// Wraps an owned reference, or fetches the pending exception if `ptr` is NULL.
    ///
    /// # Safety
    /// `ptr` is NULL with an exception set, or a strong reference of `py`'s interpreter.
    #[inline(always)]
    pub unsafe fn from_owned_ptr_or_err(py: Python<'_>, ptr: *mut ffi::PyObject) -> Result<Object> {
        // SAFETY: the same contract.
        unsafe { Bound::from_owned_ptr_or_err(py, ptr) }.map(Bound::unbind)
    }

    /// Wraps a borrowed reference, adding one.
    ///
    /// # Safety
    /// `ptr` is a live object of `py`'s interpreter.
    #[inline(always)]
    pub unsafe fn from_borrowed_ptr(py: Python<'_>, ptr: *mut ffi::PyObject) -> Object {
        // SAFETY: the same contract.
        unsafe { Bound::from_borrowed_ptr(py, ptr) }.unbind()
    }

    /// The interpreter this object belongs to.
    #[inline(always)]
    pub fn interpreter_key(&self) -> InterpKey {
        self.key
    }

    /// This object under the GIL token `py`, as a [`Bound`] borrowed from this handle: methods
    /// cost no acquisition and return `Bound`s.
    ///
    /// ```
    /// let list = libpython::eval("[3, 1, 2]")?;
    /// libpython::attach(|py| {
    ///     let l = list.bind(py)?;
    ///     l.call_method("sort", ())?;
    ///     assert_eq!(l.get_item(0)?.extract::<i64>()?, 1);
    ///     Ok(())
    /// })?;
    /// # Ok::<(), libpython::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`interp::Error::WrongInterpreter`] if `py` is for another interpreter, or
    /// [`interp::Error::Finalized`] for an object of a finalized runtime.
    #[inline(always)]
    pub fn bind<'a, 'py>(&'a self, py: Python<'py>) -> Result<&'a Bound<'py>> {
        if self.key == py.interpreter_key() {
            Ok(self.bound(py))
        } else {
            Err(self.not_of(py))
        }
    }

    /// [`bind`](Self::bind)'s error, out of line and given the handle rather than its key, so
    /// the check compares the key in memory without keeping it in a register for this call.
    #[cold]
    #[inline(never)]
    fn not_of(&self, py: Python<'_>) -> Error {
        wrong_interpreter(self.key, py.interpreter_key())
    }

    /// This object under the GIL token `py`, as an owned [`Bound`] (the handle's reference
    /// moves into it).
    ///
    /// # Errors
    /// As [`bind`](Self::bind); the object is released then.
    #[inline(always)]
    pub fn into_bound(self, py: Python<'_>) -> Result<Bound<'_>> {
        if self.key != py.interpreter_key() {
            return Err(wrong_interpreter(self.key, py.interpreter_key()));
        }
        let b = Bound { ptr: self.ptr, py };
        std::mem::forget(self);
        Ok(b)
    }

    /// [`bind`](Self::bind) without the interpreter check, for objects known to be `py`'s.
    #[inline(always)]
    pub(crate) fn bound<'a, 'py>(&'a self, py: Python<'py>) -> &'a Bound<'py> {
        debug_assert_eq!(self.key, py.interpreter_key());
        // SAFETY: `Object` and `Bound` are `repr(C)` with the same layout (a pointer, then a key
        // or a token that is that key); the key is `py`'s, so the token read from it is `py`
        // (its lifetime is the caller's `'py`). A `&Bound` gives no ownership: it is never
        // dropped, and cannot outlive `self`.
        unsafe { &*(self as *const Object).cast::<Bound<'py>>() }
    }

    /// Another handle on the same object, under a GIL already held: no acquisition when `py`
    /// is the object's interpreter's token (otherwise this is [`Clone::clone`], which takes the
    /// object's own interpreter's GIL for the new reference).
    #[inline(always)]
    pub fn clone_ref(&self, py: Python<'_>) -> Object {
        if self.key != py.interpreter_key() {
            return self.clone();
        }
        // SAFETY: `py` proves this thread holds the GIL of the object's interpreter; the
        // object is live (this handle owns a reference); the key (the token's) records the way
        // counts change.
        unsafe { interp::refs::incref_in(self.ptr.as_ptr(), self.key) };
        Object {
            ptr: self.ptr,
            key: self.key,
        }
    }

    /// A handle that owns nothing: the copy of a handle whose object is gone (its runtime was
    /// finalized or its interpreter ended). Using it is an error; dropping it does nothing.
    #[cold]
    fn dead(&self) -> Object {
        Object {
            ptr: self.ptr,
            key: InterpKey::NONE,
        }
    }

    /// Runs `f` on this object under its interpreter's GIL (taken if this thread does not
    /// hold it).
    ///
    /// # Errors
    /// As [`bind`](Self::bind) when the thread runs another interpreter; start-up errors; and
    /// whatever `f` returns.
    #[inline(always)]
    pub fn with<R>(&self, f: impl FnOnce(&Bound<'_>) -> Result<R>) -> Result<R> {
        if interp::gil::holds(self.key) {
            // Already held: no guard is needed. Whatever `f` acquires in turn is released
            // before it returns (guards are LIFO), and `detach` inside `f` restores the hold
            // before returning too.
            // SAFETY: the thread holds this object's interpreter's GIL, for at least the
            // whole call.
            let py = unsafe { Python::assume(self.key) };
            return f(self.bound(py));
        }
        self.with_acquired(f)
    }

    /// [`with`](Self::with) when the GIL must be taken.
    #[inline(never)]
    fn with_acquired<R>(&self, f: impl FnOnce(&Bound<'_>) -> Result<R>) -> Result<R> {
        // The common case, an object of the main interpreter on a thread outside any GIL
        // scope, holds the GIL with a `MainHold` (released in place); the others with a guard,
        // on a path of their own (merged, the two holds went through memory).
        let Some(hold) = interp::gil::hold_main_for(self.key) else {
            return self.with_guard(f);
        };
        // SAFETY: `hold` holds this object's interpreter's GIL for the whole call.
        let py = unsafe { Python::assume(self.key) };
        let r = f(self.bound(py));
        drop(hold);
        r
    }

    /// [`with_acquired`](Self::with_acquired) with a guard.
    #[inline(never)]
    fn with_guard<R>(&self, f: impl FnOnce(&Bound<'_>) -> Result<R>) -> Result<R> {
        let guard = acquire_for(self.key)?;
        // SAFETY: `guard` holds this object's interpreter's GIL for the whole call.
        let py = unsafe { Python::assume(self.key) };
        let r = f(self.bound(py));
        drop(guard);
        r
    }

    /// Runs `f` on this object under its own interpreter's GIL, taking that GIL wherever this
    /// thread is: when it holds another interpreter's GIL, that one is released for the call
    /// and taken back after (no view of the other interpreter can be used in `f`: it is
    /// `Send`, which GIL-bound values are not).
    pub(crate) fn with_own_gil<R: Send>(
        &self,
        f: impl FnOnce(&Bound<'_>) -> Result<R> + Send,
    ) -> Result<R> {
        if interp::gil::holds(self.key) {
            return self.with(f);
        }
        let key = self.key;
        interp::gil::with_gil_of(key, move || {
            // SAFETY: `with_gil_of` runs this under the GIL of `key`, the object's interpreter.
            let py = unsafe { Python::assume(key) };
            f(self.bound(py))
        })?
    }
}

/// The keyword names tuple and the values of `kwargs`.
fn keyword_arguments<'a>(
    py: Python<'_>,
    kwargs: &[(&str, &'a dyn ToPython)],
) -> Result<(Object, Vec<&'a dyn ToPython>)> {
    let names = crate::conversion::Filling::tuple(py, kwargs.len() as ffi::Py_ssize_t)?;
    for (i, (name, _)) in kwargs.iter().enumerate() {
        let n = crate::conversion::name_object(py, name, "keyword argument name")?;
        // SAFETY: the tuple is new and unshared; SetItem steals the name's reference.
        unsafe { ffi::PyTuple_SetItem(names.as_ptr(), i as ffi::Py_ssize_t, n.into_ptr()) };
    }
    Ok((names.finish(), kwargs.iter().map(|(_, v)| *v).collect()))
}

#[cold]
fn wrong_interpreter(object: InterpKey, current: InterpKey) -> Error {
    if object.generation() != current.generation() {
        Error::from(interp::Error::Finalized)
    } else {
        Error::from(interp::Error::WrongInterpreter {
            object: object.index(),
            current: current.index(),
        })
    }
}

impl Drop for Object {
    #[inline(always)]
    fn drop(&mut self) {
        // SAFETY: the handle owns this reference of interpreter `key` and gives it up.
        unsafe { interp::refs::release(self.ptr.as_ptr(), self.key) }
    }
}

/// A new reference, always taken under the object's own interpreter's GIL: a thread-local
/// check when this thread holds it, else that GIL is taken (switching from another
/// interpreter's if this thread holds one, whatever interpreter the thread is bound to). When
/// the object is gone (its runtime finalized, its interpreter ended or shutting down) the copy
/// is a dead handle that owns nothing: using it is an error, dropping it does nothing, so two
/// handles never share one reference.
impl Clone for Object {
    #[inline]
    fn clone(&self) -> Self {
        // SAFETY: this handle owns a reference of interpreter `key`.
        if unsafe { interp::refs::incref(self.ptr.as_ptr(), self.key) } {
            Object {
                ptr: self.ptr,
                key: self.key,
            }
        } else {
            self.dead()
        }
    }
}

impl Drop for Bound<'_> {
    #[inline(always)]
    fn drop(&mut self) {
        let (o, key) = (self.ptr.as_ptr(), self.py.interpreter_key());
        // SAFETY: the handle owns this reference; `'py` proves this thread holds the GIL of
        // the object's interpreter (a `Bound` cannot leave that GIL's scope or thread). The
        // token's key was made by this crate as its runtime started, after the way counts
        // change was chosen, and records that way: testing the key (a register, usually)
        // replaces loading the mode.
        unsafe { interp::refs::decref_in(o, key) }
    }
}

impl Clone for Bound<'_> {
    #[inline(always)]
    fn clone(&self) -> Self {
        let (o, key) = (self.ptr.as_ptr(), self.py.interpreter_key());
        // SAFETY: the GIL is held (`py`); the object is live (this handle owns a reference);
        // the token's key records the way counts change (see `drop`).
        unsafe { interp::refs::incref_in(o, key) }
        Bound {
            ptr: self.ptr,
            py: self.py,
        }
    }
}

/// Generates the auto-GIL forwarding methods on [`Object`] from the [`Bound`] ones: those that
/// return a `Bound` return an `Object`.
macro_rules! forward {
    (
        objects { $(
            $(#[$m:meta])*
            fn $name:ident $(<$($g:ident: $b:path),*>)? (&self $(, $a:ident: $t:ty)*);
        )* }
        values { $(
            $(#[$vm:meta])*
            fn $vname:ident $(<$($vg:ident: $vb:path),*>)? (&self $(, $va:ident: $vt:ty)*) -> $r:ty;
        )* }
    ) => {
        impl Object {
            $(
                $(#[$m])*
                #[inline]
                pub fn $name $(<$($g: $b),*>)? (&self $(, $a: $t)*) -> Result<Object> {
                    self.with(|b| b.$name($($a),*).map(Bound::unbind))
                }
            )*
            $(
                $(#[$vm])*
                #[inline]
                pub fn $vname $(<$($vg: $vb),*>)? (&self $(, $va: $vt)*) -> $r {
                    self.with(|b| b.$vname($($va),*))
                }
            )*
        }
    };
}

forward! {
    objects {
        /// `getattr(obj, name)`.
        ///
        /// # Errors
        /// [`ErrorKind::NoAttribute`] naming the type and attribute, [`ErrorKind::Nul`] for a name with a
        /// NUL byte, or the exception the attribute's getter raised.
        fn getattr<N: IntoName>(&self, name: N);
        /// `obj[key]`.
        fn get_item<K: ToPython>(&self, key: K);
        /// `obj(*args)`. `args` is a tuple of Rust values (`(a, b)`, `(a,)`, `()`), each one
        /// argument; a `Vec` or slice inside it is one argument, a Python list. For a number
        /// of arguments known only at run time, pass a [`Tuple`](crate::Tuple).
        fn call<A: IntoArgs>(&self, args: A);
        /// `obj(*args, **kwargs)` with keyword arguments as `(name, value)` pairs.
        fn call_kw<A: IntoArgs>(&self, args: A, kwargs: &[(&str, &dyn ToPython)]);
        /// `obj()`.
        fn call0(&self);
        /// `obj.name(*args)`, the arguments as for [`call`](Self::call).
        fn call_method<N: IntoName, A: IntoArgs>(&self, name: N, args: A);
        /// `obj.name(*args, **kwargs)`.
        fn call_method_kw<N: IntoName, A: IntoArgs>(&self, name: N, args: A, kwargs: &[(&str, &dyn ToPython)]);
        /// `obj(*args, **kwargs)` with the keyword names of a `call!` site (used by the macro).
        #[doc(hidden)]
        fn call_kw_static<A: IntoArgs>(&self, args: A, names: &'static KwNames, values: &[&dyn ToPython]);
        /// `obj.name(*args, **kwargs)` with the keyword names of a `call_attr!` site (used by the
        /// macro).
        #[doc(hidden)]
        fn call_method_kw_static<N: IntoName, A: IntoArgs>(&self, name: N, args: A, names: &'static KwNames, values: &[&dyn ToPython]);
        /// `type(obj)`.
        fn get_type(&self);
    }
    values {
        /// `setattr(obj, name, value)`.
        fn setattr<N: IntoName, V: ToPython>(&self, name: N, value: V) -> Result<()>;
        /// `hasattr(obj, name)`; errors other than `AttributeError` are returned.
        fn hasattr<N: IntoName>(&self, name: N) -> Result<bool>;
        /// `delattr(obj, name)`.
        fn delattr<N: IntoName>(&self, name: N) -> Result<()>;
        /// `obj[key] = value`.
        fn set_item<K: ToPython, V: ToPython>(&self, key: K, value: V) -> Result<()>;
        /// `del obj[key]`.
        fn del_item<K: ToPython>(&self, key: K) -> Result<()>;
        /// `key in obj`.
        fn contains<K: ToPython>(&self, key: K) -> Result<bool>;
        /// `len(obj)`.
        fn len(&self) -> Result<usize>;
        /// `len(obj) == 0`.
        fn is_empty(&self) -> Result<bool>;
        /// `repr(obj)`.
        fn repr(&self) -> Result<String>;
        /// `str(obj)`.
        fn str(&self) -> Result<String>;
        /// `type(obj).__name__`.
        fn type_name(&self) -> Result<String>;
        /// The type symbol of `type(obj)` (`"int"`, `"ndarray"`, `"builtin-function-or-method"`).
        fn type_symbol(&self) -> Result<std::sync::Arc<str>>;
        /// `isinstance(obj, cls)`.
        fn is_instance(&self, cls: &Object) -> Result<bool>;
        /// `callable(obj)`.
        fn is_callable(&self) -> Result<bool>;
        /// `obj is None`.
        fn is_none(&self) -> Result<bool>;
        /// `bool(obj)`.
        fn is_truthy(&self) -> Result<bool>;
        /// `obj == other` through `__eq__`.
        fn eq_py<O: ToPython>(&self, other: O) -> Result<bool>;
        /// `hash(obj)` through `__hash__`.
        fn hash_py(&self) -> Result<isize>;
        /// `dir(obj)`.
        fn dir(&self) -> Result<Vec<String>>;
        /// `obj.__doc__`, if it is a string.
        fn doc(&self) -> Result<Option<String>>;
        /// Attribute name to type symbol for every name in `dir(obj)` (attributes whose getter
        /// fails are left out), as libpython-clj's `att-type-map`.
        fn att_type_map(&self) -> Result<std::collections::BTreeMap<String, std::sync::Arc<str>>>;
        /// Copies the object into a Rust value.
        fn extract<T: FromPython>(&self) -> Result<T>;
    }
}

impl Object {
    /// `iter(obj)`, as a Rust iterator of `Result<Object>` ([`Iter`](crate::Iter)).
    ///
    /// ```
    /// let squares = libpython::eval("(i * i for i in range(4))")?;
    /// let v: Vec<i64> = squares.try_iter()?.map(|x| x?.extract()).collect::<libpython::Result<_>>()?;
    /// assert_eq!(v, [0, 1, 4, 9]);
    /// # Ok::<(), libpython::Error>(())
    /// ```
    ///
    /// # Errors
    /// `TypeError` when the object is not iterable.
    pub fn try_iter(&self) -> Result<crate::Iter> {
        self.with(|b| b.try_iter().and_then(crate::Iter::from_bound))
    }

    /// Deprecated name of [`is_instance`](Self::is_instance).
    #[deprecated(since = "0.1.0", note = "renamed `is_instance`, as in PyO3")]
    pub fn isinstance(&self, cls: &Object) -> Result<bool> {
        self.is_instance(cls)
    }

    /// Deprecated name of [`str`](Self::str).
    #[deprecated(since = "0.1.0", note = "renamed `str`, as in PyO3")]
    pub fn str_(&self) -> Result<String> {
        self.str()
    }

    /// Deprecated: `iter(obj)` as an object; use [`try_iter`](Self::try_iter).
    #[deprecated(
        since = "0.1.0",
        note = "use `try_iter`, as in PyO3, which returns a Rust iterator"
    )]
    pub fn iter(&self) -> Result<Object> {
        self.with(|b| b.try_iter()?.into_object())
    }
}

impl<'py> Bound<'py> {
    /// Wraps an owned (new) reference.
    ///
    /// # Safety
    /// `ptr` is a non-null strong reference of `py`'s interpreter, given to the handle.
    #[inline(always)]
    pub unsafe fn from_owned_ptr(py: Python<'py>, ptr: *mut ffi::PyObject) -> Bound<'py> {
        debug_assert!(!ptr.is_null());
        Bound {
            // SAFETY: the caller promises a non-null pointer.
            ptr: unsafe { NonNull::new_unchecked(ptr) },
            py,
        }
    }

    /// Wraps an owned reference, or fetches the pending exception if `ptr` is NULL.
    ///
    /// # Safety
    /// `ptr` is NULL with an exception set, or a strong reference of `py`'s interpreter.
    #[inline(always)]
    pub unsafe fn from_owned_ptr_or_err(
        py: Python<'py>,
        ptr: *mut ffi::PyObject,
    ) -> Result<Bound<'py>> {
        match NonNull::new(ptr) {
            Some(ptr) => Ok(Bound { ptr, py }),
            // SAFETY: NULL means an exception is pending; the GIL is held.
            None => Err(unsafe { fetch(py) }),
        }
    }

    /// Wraps a borrowed reference, adding one.
    ///
    /// # Safety
    /// `ptr` is a live object of `py`'s interpreter.
    #[inline(always)]
    pub unsafe fn from_borrowed_ptr(py: Python<'py>, ptr: *mut ffi::PyObject) -> Bound<'py> {
        // SAFETY: the object is live and the GIL is held; the token's key records the way
        // counts change (see `drop`).
        unsafe {
            interp::refs::incref_in(ptr, py.interpreter_key());
            Self::from_owned_ptr(py, ptr)
        }
    }

    /// The GIL token.
    #[inline(always)]
    pub fn py(&self) -> Python<'py> {
        self.py
    }

    /// The handle without the GIL token: an [`Object`], which can be kept, sent to other
    /// threads, and used later (it takes the GIL itself).
    #[inline(always)]
    pub fn unbind(self) -> Object {
        let o = Object {
            ptr: self.ptr,
            key: self.py.interpreter_key(),
        };
        std::mem::forget(self);
        o
    }

    /// A borrowed view of this handle (copyable, no reference count change).
    #[inline(always)]
    pub fn as_borrowed(&self) -> Borrowed<'_, 'py> {
        Borrowed {
            ptr: self.ptr,
            py: self.py,
            _owner: PhantomData,
        }
    }

    #[inline(always)]
    fn wrap(&self, p: *mut ffi::PyObject) -> Result<Bound<'py>> {
        // SAFETY: `p` is the result of a C-API call returning a new reference or NULL with an
        // exception set, made under this view's GIL.
        unsafe { Bound::from_owned_ptr_or_err(self.py, p) }
    }

    #[inline(always)]
    fn check(&self, rc: std::ffi::c_int) -> Result<()> {
        if rc < 0 {
            // SAFETY: -1 means an exception is pending; the GIL is held.
            Err(unsafe { fetch(self.py) })
        } else {
            Ok(())
        }
    }

    #[inline(always)]
    fn check_bool(&self, rc: std::ffi::c_int) -> Result<bool> {
        self.check(rc).map(|()| rc != 0)
    }

    /// See [`Object::getattr`].
    #[inline]
    pub fn getattr<N: IntoName>(&self, name: N) -> Result<Bound<'py>> {
        name.with_name(self.py, "attribute name", |n| {
            // SAFETY: both objects are live; the GIL is held.
            let r = unsafe { ffi::PyObject_GetAttr(self.as_ptr(), n) };
            match NonNull::new(r) {
                // SAFETY: a new reference from the call above.
                Some(p) => Ok(unsafe { Bound::from_owned_ptr(self.py, p.as_ptr()) }),
                None => Err(self.attribute_error(name.text())),
            }
        })
    }

    #[cold]
    fn attribute_error(&self, name: &str) -> Error {
        // SAFETY: an exception is pending (the failed getattr); the GIL is held.
        let matches =
            unsafe { ffi::PyErr_ExceptionMatches(*ffi::data::PyExc_AttributeError()) } != 0;
        if matches {
            // SAFETY: clearing the pending AttributeError we are replacing; GIL held.
            unsafe { ffi::PyErr_Clear() };
            Error::from(ErrorKind::NoAttribute {
                type_name: self.type_name().unwrap_or_default(),
                name: name.to_owned(),
            })
        } else {
            // SAFETY: the exception is pending; GIL held.
            unsafe { fetch(self.py) }
        }
    }

    /// See [`Object::setattr`].
    pub fn setattr<N: IntoName, V: ToPython>(&self, name: N, value: V) -> Result<()> {
        name.with_name(self.py, "attribute name", |n| {
            let v = crate::conversion::to_object(&value, self.py)?;
            // SAFETY: all three objects are live; the GIL is held.
            self.check(unsafe { ffi::PyObject_SetAttr(self.as_ptr(), n, v.as_ptr()) })
        })
    }

    /// See [`Object::hasattr`].
    pub fn hasattr<N: IntoName>(&self, name: N) -> Result<bool> {
        match self.getattr(name) {
            Ok(_) => Ok(true),
            Err(e) if matches!(e.kind(), ErrorKind::NoAttribute { .. }) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// See [`Object::delattr`].
    pub fn delattr<N: IntoName>(&self, name: N) -> Result<()> {
        name.with_name(self.py, "attribute name", |n| {
            // SAFETY: live objects, GIL held; a NULL value deletes (PyObject_DelAttr is a
            // macro for this in older versions).
            self.check(unsafe { ffi::PyObject_SetAttr(self.as_ptr(), n, std::ptr::null_mut()) })
        })
    }

    /// See [`Object::get_item`].
    pub fn get_item<K: ToPython>(&self, key: K) -> Result<Bound<'py>> {
        let k = crate::conversion::to_object(&key, self.py)?;
        // SAFETY: live objects, GIL held.
        self.wrap(unsafe { ffi::PyObject_GetItem(self.as_ptr(), k.as_ptr()) })
    }

    /// See [`Object::set_item`].
    pub fn set_item<K: ToPython, V: ToPython>(&self, key: K, value: V) -> Result<()> {
        let k = crate::conversion::to_object(&key, self.py)?;
        let v = crate::conversion::to_object(&value, self.py)?;
        // SAFETY: live objects, GIL held.
        self.check(unsafe { ffi::PyObject_SetItem(self.as_ptr(), k.as_ptr(), v.as_ptr()) })
    }

    /// See [`Object::del_item`].
    pub fn del_item<K: ToPython>(&self, key: K) -> Result<()> {
        let k = crate::conversion::to_object(&key, self.py)?;
        // SAFETY: live objects, GIL held.
        self.check(unsafe { ffi::PyObject_DelItem(self.as_ptr(), k.as_ptr()) })
    }

    /// See [`Object::contains`].
    pub fn contains<K: ToPython>(&self, key: K) -> Result<bool> {
        let k = crate::conversion::to_object(&key, self.py)?;
        // SAFETY: live objects, GIL held.
        self.check_bool(unsafe { ffi::PySequence_Contains(self.as_ptr(), k.as_ptr()) })
    }

    /// See [`Object::len`].
    pub fn len(&self) -> Result<usize> {
        // SAFETY: live object, GIL held.
        let n = unsafe { ffi::PyObject_Size(self.as_ptr()) };
        if n < 0 {
            // SAFETY: -1 with an exception pending.
            Err(unsafe { fetch(self.py) })
        } else {
            Ok(n as usize)
        }
    }

    /// See [`Object::is_empty`].
    pub fn is_empty(&self) -> Result<bool> {
        self.len().map(|n| n == 0)
    }

    /// See [`Object::call`].
    #[inline]
    pub fn call<A: IntoArgs>(&self, args: A) -> Result<Bound<'py>> {
        let py = self.py;
        let r = args.with_args(py, |argv, nargs| {
            // SAFETY: `argv` holds a free slot then `nargs` live arguments; GIL held.
            unsafe {
                ffi::vectorcall(
                    self.as_ptr(),
                    argv.add(1),
                    nargs | ffi::PY_VECTORCALL_ARGUMENTS_OFFSET,
                    std::ptr::null_mut(),
                )
            }
        })?;
        match NonNull::new(r) {
            // SAFETY: a new reference from the call.
            Some(p) => Ok(unsafe { Bound::from_owned_ptr(py, p.as_ptr()) }),
            None => Err(self.call_error()),
        }
    }

    #[cold]
    fn call_error(&self) -> Error {
        // SAFETY: live object, GIL held.
        if unsafe { ffi::PyCallable_Check(self.as_ptr()) } == 0 {
            // SAFETY: the TypeError CPython set is replaced by our typed error.
            unsafe { ffi::PyErr_Clear() };
            return Error::from(ErrorKind::NotCallable {
                type_name: self.type_name().unwrap_or_default(),
            });
        }
        // SAFETY: the call failed with an exception pending.
        unsafe { fetch(self.py) }
    }

    /// See [`Object::call_kw`].
    pub fn call_kw<A: IntoArgs>(
        &self,
        args: A,
        kwargs: &[(&str, &dyn ToPython)],
    ) -> Result<Bound<'py>> {
        if kwargs.is_empty() {
            return self.call(args);
        }
        let (names, values) = keyword_arguments(self.py, kwargs)?;
        self.call_kw_names(args, names.as_ptr(), &values)
    }

    /// See [`Object::call_kw_static`].
    #[doc(hidden)]
    #[inline]
    pub fn call_kw_static<A: IntoArgs>(
        &self,
        args: A,
        names: &'static KwNames,
        values: &[&dyn ToPython],
    ) -> Result<Bound<'py>> {
        let names = names.get(self.py)?;
        self.call_kw_names(args, names, values)
    }

    /// A call with keyword values named by the tuple `names` (borrowed).
    #[inline]
    fn call_kw_names<A: IntoArgs>(
        &self,
        args: A,
        names: *mut ffi::PyObject,
        values: &[&dyn ToPython],
    ) -> Result<Bound<'py>> {
        let py = self.py;
        let r = args.with_args_extra(py, values, |argv, nargs| {
            // SAFETY: `argv` holds a free slot, `nargs` positional arguments, then the keyword
            // values named by `names`; GIL held.
            unsafe {
                ffi::vectorcall(
                    self.as_ptr(),
                    argv.add(1),
                    nargs | ffi::PY_VECTORCALL_ARGUMENTS_OFFSET,
                    names,
                )
            }
        })?;
        match NonNull::new(r) {
            // SAFETY: a new reference from the call.
            Some(p) => Ok(unsafe { Bound::from_owned_ptr(py, p.as_ptr()) }),
            None => Err(self.call_error()),
        }
    }

    /// See [`Object::call0`].
    pub fn call0(&self) -> Result<Bound<'py>> {
        self.call(())
    }

    /// See [`Object::call_method`].
    #[inline]
    pub fn call_method<N: IntoName, A: IntoArgs>(&self, name: N, args: A) -> Result<Bound<'py>> {
        let py = self.py;
        name.with_name(py, "method name", |n| {
            let r = args.with_args(py, |argv, nargs| {
                // SAFETY: `argv` has a free slot 0, which takes `self` as the method call
                // convention wants, then `nargs` live arguments; GIL held.
                unsafe {
                    *argv = self.as_ptr();
                    ffi::PyObject_VectorcallMethod(n, argv, nargs + 1, std::ptr::null_mut())
                }
            })?;
            self.method_result(r, n, name.text())
        })
    }

    /// See [`Object::call_method_kw`].
    pub fn call_method_kw<N: IntoName, A: IntoArgs>(
        &self,
        name: N,
        args: A,
        kwargs: &[(&str, &dyn ToPython)],
    ) -> Result<Bound<'py>> {
        if kwargs.is_empty() {
            return self.call_method(name, args);
        }
        let (names, values) = keyword_arguments(self.py, kwargs)?;
        self.call_method_kw_names(name, args, names.as_ptr(), &values)
    }

    /// See [`Object::call_method_kw_static`].
    #[doc(hidden)]
    #[inline]
    pub fn call_method_kw_static<N: IntoName, A: IntoArgs>(
        &self,
        name: N,
        args: A,
        names: &'static KwNames,
        values: &[&dyn ToPython],
    ) -> Result<Bound<'py>> {
        let names = names.get(self.py)?;
        self.call_method_kw_names(name, args, names, values)
    }

    /// A method call with keyword values named by the tuple `names` (borrowed).
    #[inline]
    fn call_method_kw_names<N: IntoName, A: IntoArgs>(
        &self,
        name: N,
        args: A,
        names: *mut ffi::PyObject,
        values: &[&dyn ToPython],
    ) -> Result<Bound<'py>> {
        let py = self.py;
        name.with_name(py, "method name", |n| {
            let r = args.with_args_extra(py, values, |argv, nargs| {
                // SAFETY: `argv` has a free slot 0 (takes `self`), `nargs` positional
                // arguments, then the keyword values named by `names`; GIL held.
                unsafe {
                    *argv = self.as_ptr();
                    ffi::PyObject_VectorcallMethod(n, argv, nargs + 1, names)
                }
            })?;
            self.method_result(r, n, name.text())
        })
    }

    /// Wraps a method call's result; a failed lookup of the method itself becomes
    /// [`ErrorKind::NoAttribute`], as from [`getattr`](Self::getattr).
    #[inline(always)]
    fn method_result(
        &self,
        r: *mut ffi::PyObject,
        n: *mut ffi::PyObject,
        name: &str,
    ) -> Result<Bound<'py>> {
        match NonNull::new(r) {
            // SAFETY: a new reference from the call.
            Some(p) => Ok(unsafe { Bound::from_owned_ptr(self.py, p.as_ptr()) }),
            None => Err(self.method_error(n, name)),
        }
    }

    #[cold]
    fn method_error(&self, n: *mut ffi::PyObject, name: &str) -> Error {
        let py = self.py;
        // SAFETY: the call failed with an exception pending; the GIL is held.
        let err = unsafe { fetch(py) };
        // SAFETY: live objects; the GIL is held. An AttributeError from the lookup itself
        // (not from inside the method) means the object has no such attribute.
        let missing = matches!(err.kind(), ErrorKind::Python(e) if e.is_instance_of("AttributeError"))
            && unsafe {
                let m = ffi::PyObject_GetAttr(self.as_ptr(), n);
                if m.is_null() {
                    ffi::PyErr_Clear();
                    true
                } else {
                    ffi::Py_DECREF(m);
                    false
                }
            };
        if missing {
            Error::from(ErrorKind::NoAttribute {
                type_name: self.type_name().unwrap_or_default(),
                name: name.to_owned(),
            })
        } else {
            err
        }
    }

    /// See [`Object::repr`].
    pub fn repr(&self) -> Result<String> {
        // SAFETY: live object, GIL held.
        let r = self.wrap(unsafe { ffi::PyObject_Repr(self.as_ptr()) })?;
        crate::conversion::str_to_string(&r)
    }

    /// See [`Object::str`].
    pub fn str(&self) -> Result<String> {
        // SAFETY: live object, GIL held.
        let r = self.wrap(unsafe { ffi::PyObject_Str(self.as_ptr()) })?;
        crate::conversion::str_to_string(&r)
    }

    /// See [`Object::get_type`].
    pub fn get_type(&self) -> Result<Bound<'py>> {
        // SAFETY: live object, GIL held; `Py_TYPE` is borrowed and gains a reference.
        Ok(unsafe { Bound::from_borrowed_ptr(self.py, ffi::Py_TYPE(self.as_ptr()).cast()) })
    }

    /// See [`Object::type_name`].
    pub fn type_name(&self) -> Result<String> {
        // SAFETY: live object, GIL held.
        Ok(unsafe { interp::symbols::type_name(ffi::Py_TYPE(self.as_ptr())) })
    }

    /// See [`Object::type_symbol`].
    pub fn type_symbol(&self) -> Result<std::sync::Arc<str>> {
        // SAFETY: live object, GIL held for its interpreter.
        Ok(unsafe {
            interp::symbols::type_symbol(ffi::Py_TYPE(self.as_ptr()), self.py.interpreter_key())
        })
    }

    /// See [`Object::is_instance`].
    pub fn is_instance(&self, cls: &Object) -> Result<bool> {
        let c = cls.bind(self.py)?;
        // SAFETY: live objects, GIL held.
        self.check_bool(unsafe { ffi::PyObject_IsInstance(self.as_ptr(), c.as_ptr()) })
    }

    /// See [`Object::is_callable`].
    pub fn is_callable(&self) -> Result<bool> {
        // SAFETY: live object, GIL held.
        Ok(unsafe { ffi::PyCallable_Check(self.as_ptr()) } != 0)
    }

    /// See [`Object::is_none`].
    pub fn is_none(&self) -> Result<bool> {
        Ok(self.as_ptr() == ffi::Py_None())
    }

    /// See [`Object::is_truthy`].
    pub fn is_truthy(&self) -> Result<bool> {
        // SAFETY: live object, GIL held.
        self.check_bool(unsafe { ffi::PyObject_IsTrue(self.as_ptr()) })
    }

    /// See [`Object::eq_py`].
    pub fn eq_py<O: ToPython>(&self, other: O) -> Result<bool> {
        let o = crate::conversion::to_object(&other, self.py)?;
        // SAFETY: live objects, GIL held.
        self.check_bool(unsafe {
            ffi::PyObject_RichCompareBool(self.as_ptr(), o.as_ptr(), ffi::Py_EQ)
        })
    }

    /// See [`Object::hash_py`].
    pub fn hash_py(&self) -> Result<isize> {
        // SAFETY: live object, GIL held.
        let h = unsafe { ffi::PyObject_Hash(self.as_ptr()) };
        if h == -1 {
            // SAFETY: -1 with an exception pending.
            Err(unsafe { fetch(self.py) })
        } else {
            Ok(h)
        }
    }

    /// See [`Object::dir`].
    pub fn dir(&self) -> Result<Vec<String>> {
        // SAFETY: live object, GIL held.
        let d = self.wrap(unsafe { ffi::PyObject_Dir(self.as_ptr()) })?;
        d.extract()
    }

    /// See [`Object::doc`].
    pub fn doc(&self) -> Result<Option<String>> {
        let d = self.getattr("__doc__")?;
        // SAFETY: live object, GIL held.
        if unsafe { ffi::PyUnicode_Check(d.as_ptr()) } {
            Ok(Some(crate::conversion::str_to_string(&d)?))
        } else {
            Ok(None)
        }
    }

    /// See [`Object::att_type_map`].
    pub fn att_type_map(&self) -> Result<std::collections::BTreeMap<String, std::sync::Arc<str>>> {
        let mut out = std::collections::BTreeMap::new();
        for name in self.dir()? {
            match self.getattr(&name) {
                Ok(v) => {
                    out.insert(name, v.type_symbol()?);
                }
                Err(e)
                    if matches!(
                        e.kind(),
                        ErrorKind::Python(_) | ErrorKind::NoAttribute { .. }
                    ) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }

    /// `iter(obj)`, as a Rust iterator of `Result<Bound>` ([`BoundIter`](crate::BoundIter)).
    ///
    /// # Errors
    /// `TypeError` when the object is not iterable.
    pub fn try_iter(&self) -> Result<crate::BoundIter<'py>> {
        crate::BoundIter::new(self)
    }

    /// `iter(obj)` as an object (for `tp_iter` slots and iterators read by index).
    pub(crate) fn get_iter(&self) -> Result<Bound<'py>> {
        // SAFETY: live object, GIL held.
        self.wrap(unsafe { ffi::PyObject_GetIter(self.as_ptr()) })
    }

    /// See [`Object::extract`].
    #[inline(always)]
    pub fn extract<T: FromPython>(&self) -> Result<T> {
        T::from_python(self)
    }
}

impl fmt::Debug for Object {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.repr() {
            Ok(s) => f.write_str(&s),
            Err(e) => write!(f, "<object at {:p}: repr failed: {e}>", self.ptr),
        }
    }
}

impl fmt::Display for Object {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.str() {
            Ok(s) => f.write_str(&s),
            Err(e) => write!(f, "<object at {:p}: str failed: {e}>", self.ptr),
        }
    }
}

impl fmt::Debug for Bound<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.repr() {
            Ok(s) => f.write_str(&s),
            Err(e) => write!(f, "<object at {:p}: repr failed: {e}>", self.ptr),
        }
    }
}

impl fmt::Display for Bound<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.str() {
            Ok(s) => f.write_str(&s),
            Err(e) => write!(f, "<object at {:p}: str failed: {e}>", self.ptr),
        }
    }
}

impl fmt::Debug for Borrowed<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl fmt::Display for Borrowed<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}

impl PartialEq for Object {
    fn eq(&self, other: &Self) -> bool {
        self.ptr == other.ptr || self.with(|b| b.eq_py(other)).unwrap_or(false)
    }
}

impl std::hash::Hash for Object {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        match self.hash_py() {
            Ok(h) => h.hash(state),
            // Unhashable objects (lists, dicts) all hash alike, which keeps `Hash`
            // consistent with `==`.
            Err(_) => isize::MIN.hash(state),
        }
    }
}

/// `==` is reflexive for handles on the same object (a NaN float compares equal to itself
/// through the same handle), which is what `Eq` asks.
impl Eq for Object {}
