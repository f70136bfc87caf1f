//! Argument lists for calls: tuples of Rust values, slices, vectors, and keyword arguments.

use libpython_interp::ffi;

use crate::conversion::ToPython;
use crate::err::Result;
use crate::gil::Python;
use crate::object::Object;

/// Positional arguments of a call: `()`, or a Rust tuple of up to 12 convertible values, each
/// one argument, or a [`Tuple`](crate::Tuple) object for a number of arguments known only at
/// run time.
///
/// A `Vec` or slice is never an argument list: inside a tuple it is one argument, a Python
/// `list`. So `np.call_method("ones", ((2, 3),))` passes the shape `(2, 3)`,
/// `f.call((vec![1, 2],))` passes one list, and `f.call((1, 2))` passes two numbers.
///
/// ```
/// let len = libpython::builtin("len")?;
/// assert_eq!(len.call((vec![1, 2, 3],))?.extract::<usize>()?, 3); // one argument, a list
/// let max = libpython::builtin("max")?;
/// assert_eq!(max.call((1, 5, 2))?.extract::<i64>()?, 5);          // three arguments
/// # Ok::<(), libpython::Error>(())
/// ```
///
/// Tuples are converted into an array on the stack: a call with a few arguments allocates
/// nothing on the Rust side.
///
/// The trait is sealed: the calls trust the array its implementations hand them, so only
/// this crate implements it (for the types above).
pub trait IntoArgs: sealed::Sealed {
    /// Converts the arguments into a C array (slot 0 left free: the callee may use it, as
    /// vectorcall allows, and method calls put `self` there) and runs `f` with it and the argument count; releases the arguments afterwards.
    #[doc(hidden)]
    fn with_args<R>(
        self,
        py: Python<'_>,
        f: impl FnOnce(*mut *mut ffi::PyObject, usize) -> R,
    ) -> Result<R>;

    /// As `with_args`, with `extra` values appended after the positional ones (keyword
    /// argument values).
    #[doc(hidden)]
    fn with_args_extra<R>(
        self,
        py: Python<'_>,
        extra: &[&dyn ToPython],
        f: impl FnOnce(*mut *mut ffi::PyObject, usize) -> R,
    ) -> Result<R>
    where
        Self: Sized,
    {
        self.with_args(py, |argv, n| {
            let total = 1 + n + extra.len();
            let mut stack = [std::ptr::null_mut::<ffi::PyObject>(); STACK_EXTRA];
            let mut heap = Vec::new();
            let buf: &mut [*mut ffi::PyObject] = if total <= STACK_EXTRA {
                &mut stack[..total]
            } else {
                heap.resize(total, std::ptr::null_mut());
                &mut heap
            };
            // SAFETY: `with_args` hands a free slot then `n` arguments.
            buf[1..1 + n].copy_from_slice(unsafe { std::slice::from_raw_parts(argv.add(1), n) });
            // The extra values are converted into the array and released after the call,
            // also when a later conversion fails.
            let mut extras = ExtraArgs {
                buf,
                from: 1 + n,
                filled: 0,
            };
            for e in extra {
                let o = crate::conversion::to_python_ptr(*e, py)?;
                extras.buf[extras.from + extras.filled] = o;
                extras.filled += 1;
            }
            Ok(f(extras.buf.as_mut_ptr(), n))
        })?
    }

    /// Converts the arguments into owned handles.
    #[doc(hidden)]
    fn collect(self, py: Python<'_>, out: &mut Vec<Object>) -> Result<()>;
}

/// Positional plus keyword arguments up to this many (with the free slot) are passed from the
/// stack.
const STACK_EXTRA: usize = 8;

/// Converts `args` into owned handles and runs `f` with them and `extra` as one array (a
/// free slot first): for argument lists too long for the stack.
fn collected_args<A: IntoArgs, R>(
    args: A,
    py: Python<'_>,
    extra: &[&dyn ToPython],
    f: impl FnOnce(*mut *mut ffi::PyObject, usize) -> R,
) -> Result<R> {
    let mut v: Vec<Object> = Vec::new();
    args.collect(py, &mut v)?;
    let n = v.len();
    for e in extra {
        v.push(crate::conversion::to_object(*e, py)?);
    }
    let mut argv: Vec<*mut ffi::PyObject> = Vec::with_capacity(n + extra.len() + 1);
    argv.push(std::ptr::null_mut());
    argv.extend(v.iter().map(Object::as_ptr));
    Ok(f(argv.as_mut_ptr(), n))
}

/// Owned references in `buf[from..from + filled]`, released on drop.
struct ExtraArgs<'a> {
    buf: &'a mut [*mut ffi::PyObject],
    from: usize,
    filled: usize,
}

impl Drop for ExtraArgs<'_> {
    #[inline]
    fn drop(&mut self) {
        debug_assert!(self.from + self.filled <= self.buf.len());
        for i in self.from..self.from + self.filled {
            // SAFETY: `from + filled` never exceeds the buffer (one slot is filled per extra
            // value, and the buffer has room for all); each of these slots owns a reference;
            // the GIL is held by the caller of `with_args_extra` (the token is borrowed for
            // the whole call).
            unsafe { ffi::Py_DECREF(*self.buf.get_unchecked(i)) };
        }
    }
}

/// Owned argument pointers on the stack, released on drop (also when a later conversion
/// fails): the slots start NULL, and every non-NULL one after the free slot owns a reference.
/// No count is kept, so filling a slot is one store.
struct StackArgs<const N: usize> {
    argv: [*mut ffi::PyObject; N],
}

impl<const N: usize> Drop for StackArgs<N> {
    #[cold]
    fn drop(&mut self) {
        for &p in &self.argv[1..] {
            if !p.is_null() {
                // SAFETY: a non-NULL slot owns a reference; the GIL is held by the caller of
                // `with_args` for the whole call (the token is borrowed).
                unsafe { ffi::Py_DECREF(p) };
            }
        }
    }
}

/// Gives up the references of a call's arguments once it returned, counted the way the
/// token's key records (a test of the key, not a load of the mode per argument).
///
/// # Safety
/// Each pointer is an owned reference of `py`'s interpreter, not used again; its GIL is held.
#[inline(always)]
unsafe fn decref_all(args: &[*mut ffi::PyObject], py: Python<'_>) {
    let key = py.interpreter_key();
    for &a in args {
        // SAFETY: the function's contract.
        unsafe { libpython_interp::refs::decref_in_loop(a, key) };
    }
}

/// Keeps [`IntoArgs`] to this crate's implementations.
mod sealed {
    pub trait Sealed {}
    impl Sealed for () {}
    impl Sealed for &crate::Tuple {}
    impl Sealed for crate::Tuple {}
}

impl IntoArgs for () {
    #[inline]
    fn with_args<R>(
        self,
        _py: Python<'_>,
        f: impl FnOnce(*mut *mut ffi::PyObject, usize) -> R,
    ) -> Result<R> {
        let mut argv = [std::ptr::null_mut::<ffi::PyObject>(); 1];
        Ok(f(argv.as_mut_ptr(), 0))
    }

    fn collect(self, _py: Python<'_>, _out: &mut Vec<Object>) -> Result<()> {
        Ok(())
    }
}

macro_rules! tuple_args {
    ($($n:literal: ($($T:ident $i:tt),+);)*) => {$(
        impl<$($T: ToPython),+> sealed::Sealed for ($($T,)+) {}

        impl<$($T: ToPython),+> IntoArgs for ($($T,)+) {
            #[inline]
            fn with_args<R>(self, py: Python<'_>, f: impl FnOnce(*mut *mut ffi::PyObject, usize) -> R) -> Result<R> {
                // The guard releases the arguments converted so far if a later conversion
                // fails (or panics); once all are in, they are released inline below.
                let mut args = StackArgs::<{ $n + 1 }> { argv: [std::ptr::null_mut(); $n + 1] };
                $(
                    args.argv[$i + 1] = crate::conversion::to_python_ptr(&self.$i, py)?;
                )+
                let r = f(args.argv.as_mut_ptr(), $n);
                let argv = args.argv;
                std::mem::forget(args);
                // SAFETY: each slot after the free one owns the reference converted above; the
                // GIL is held (the token is borrowed for the whole call).
                unsafe { decref_all(&argv[1..], py) };
                Ok(r)
            }

            #[inline]
            fn with_args_extra<R>(self, py: Python<'_>, extra: &[&dyn ToPython], f: impl FnOnce(*mut *mut ffi::PyObject, usize) -> R) -> Result<R> {
                if extra.len() > STACK_EXTRA {
                    return collected_args(self, py, extra, f);
                }
                // One array for the free slot, the positional and the keyword values; the
                // guard releases whatever was converted on an error, and after the call they
                // are released inline below.
                let mut args = StackArgs::<{ $n + 1 + STACK_EXTRA }> { argv: [std::ptr::null_mut(); $n + 1 + STACK_EXTRA] };
                $(
                    args.argv[$i + 1] = crate::conversion::to_python_ptr(&self.$i, py)?;
                )+
                let mut filled = $n;
                for e in extra {
                    args.argv[1 + filled] = crate::conversion::to_python_ptr(*e, py)?;
                    filled += 1;
                }
                let r = f(args.argv.as_mut_ptr(), $n);
                let argv = args.argv;
                std::mem::forget(args);
                // SAFETY: slots 1 to `filled` own the references converted above (`filled` is
                // at most `$n + extra.len()`, which fits: `extra.len() <= STACK_EXTRA`); the GIL
                // is held (the token is borrowed for the whole call).
                unsafe { decref_all(&argv[1..1 + filled], py) };
                Ok(r)
            }

            fn collect(self, py: Python<'_>, out: &mut Vec<Object>) -> Result<()> {
                $( out.push(crate::conversion::to_object(&self.$i, py)?); )+
                Ok(())
            }
        }
    )*};
}

for_each_tuple!(tuple_args);

/// A tuple object's items as the arguments: for a number of arguments known only at run time
/// (`f.call(&Tuple::new(vec)?)` is `f(*vec)`). The items are borrowed from the tuple, which is
/// immutable and outlives the call.
impl IntoArgs for &crate::Tuple {
    fn with_args<R>(
        self,
        py: Python<'_>,
        f: impl FnOnce(*mut *mut ffi::PyObject, usize) -> R,
    ) -> Result<R> {
        let t = self.as_object().bind(py)?;
        // SAFETY: a live tuple of `py`'s interpreter (checked), GIL held; its size and items
        // never change, and it is kept alive by `self` for the whole call.
        unsafe {
            let n = ffi::PyTuple_Size(t.as_ptr()).max(0) as usize;
            let mut argv: Vec<*mut ffi::PyObject> = Vec::with_capacity(n + 1);
            argv.push(std::ptr::null_mut());
            argv.extend((0..n).map(|i| ffi::PyTuple_GetItem(t.as_ptr(), i as ffi::Py_ssize_t)));
            Ok(f(argv.as_mut_ptr(), n))
        }
    }

    fn collect(self, py: Python<'_>, out: &mut Vec<Object>) -> Result<()> {
        let t = self.as_object().bind(py)?;
        // SAFETY: as in `with_args`; each item gains a reference.
        unsafe {
            for i in 0..ffi::PyTuple_Size(t.as_ptr()) {
                out.push(Object::from_borrowed_ptr(
                    py,
                    ffi::PyTuple_GetItem(t.as_ptr(), i),
                ));
            }
        }
        Ok(())
    }
}

impl IntoArgs for crate::Tuple {
    fn with_args<R>(
        self,
        py: Python<'_>,
        f: impl FnOnce(*mut *mut ffi::PyObject, usize) -> R,
    ) -> Result<R> {
        (&self).with_args(py, f)
    }

    fn collect(self, py: Python<'_>, out: &mut Vec<Object>) -> Result<()> {
        (&self).collect(py, out)
    }
}

/// Calls a Python callable with positional and keyword arguments, reading like Python:
/// `call!(f, a, b, key = value)`. Keyword arguments follow the positional ones.
///
/// ```
/// use libpython::call;
/// let round = libpython::builtins()?.getattr("round")?;
/// let r: f64 = call!(round, 2.71828, ndigits = 2)?.extract()?;
/// assert_eq!(r, 2.72);
/// # Ok::<(), libpython::Error>(())
/// ```
#[macro_export]
macro_rules! call {
    ($f:expr $(, $($rest:tt)*)?) => {
        $crate::__call_args!(@call [$f] [] [] $($($rest)*)?)
    };
}

/// Sorts a call's arguments into positional ones and `name = value` pairs.
#[doc(hidden)]
#[macro_export]
macro_rules! __call_args {
    (@call [$f:expr] [$($a:expr,)*] []) => {
        $f.call(($($a,)*))
    };
    (@call [$f:expr] [$($a:expr,)*] [$($k:ident = $v:expr,)+]) => {{
        static KW: $crate::KwNames = $crate::KwNames::new(&[$(stringify!($k)),+]);
        $f.call_kw_static(($($a,)*), &KW, &[$(&$v as &dyn $crate::ToPython),+])
    }};
    (@method [$o:expr, $name:expr] [$($a:expr,)*] []) => {
        $o.call_method($name, ($($a,)*))
    };
    (@method [$o:expr, $name:expr] [$($a:expr,)*] [$($k:ident = $v:expr,)+]) => {{
        static KW: $crate::KwNames = $crate::KwNames::new(&[$(stringify!($k)),+]);
        $o.call_method_kw_static($name, ($($a,)*), &KW, &[$(&$v as &dyn $crate::ToPython),+])
    }};
    (@$mode:ident [$($head:tt)*] [$($a:expr,)*] [$($kw:tt)*] $k:ident = $v:expr $(, $($rest:tt)*)?) => {
        $crate::__call_args!(@$mode [$($head)*] [$($a,)*] [$($kw)* $k = $v,] $($($rest)*)?)
    };
    (@$mode:ident [$($head:tt)*] [$($a:expr,)*] [$($kw:tt)*] $x:expr $(, $($rest:tt)*)?) => {
        $crate::__call_args!(@$mode [$($head)*] [$($a,)* $x,] [$($kw)*] $($($rest)*)?)
    };
}

/// Calls a method with positional and keyword arguments: `call_attr!(obj, "name", a, key = v)`
/// (libpython-clj's `a$`).
///
/// ```
/// use libpython::call_attr;
/// let s = libpython::eval("'a,b,,c'")?;
/// let parts: Vec<String> = call_attr!(s, "split", ",", maxsplit = 1)?.extract()?;
/// assert_eq!(parts, ["a", "b,,c"]);
/// # Ok::<(), libpython::Error>(())
/// ```
#[macro_export]
macro_rules! call_attr {
    ($obj:expr, $name:literal $(, $($rest:tt)*)?) => {
        $crate::__call_args!(@method [$obj, $crate::intern!($name)] [] [] $($($rest)*)?)
    };
    ($obj:expr, $name:expr $(, $($rest:tt)*)?) => {
        $crate::__call_args!(@method [$obj, $name] [] [] $($($rest)*)?)
    };
}
