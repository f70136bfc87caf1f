//! The macro that turns the declaration list in `api.rs` into the function table, its loader,
//! the free functions under their C names and the symbol lists used by the coverage test.
//!
//! Entry forms, inside `page "DOC-PAGE" { ... }`:
//!
//! ```text
//! /// One-line doc.
//! fn Name(arg: Type, ...) -> Ret;             required: every supported version exports it
//! [opt] fn Name(arg: Type, ...) -> Ret;       optional: `Option<fn>` in the table
//! [var] fn Name(fixed: Type, ...) -> Ret;     variadic: `...` follows the fixed arguments
//! [unwind] fn Name(...) -> Ret;               may unwind (pthread_exit at shutdown): "C-unwind"
//! statics {
//!     /// One-line doc.
//!     Name: Type;                             data symbol: the table holds its address
//!     [opt] Name: Type;                       optional data symbol: NULL when absent
//! }
//! ```

/// Function-pointer type of one table entry.
#[doc(hidden)]
#[macro_export]
macro_rules! __fn_ptr {
    ([] ($($t:ty),*) -> $r:ty) => { unsafe extern "C" fn($($t),*) -> $r };
    ([opt] ($($t:ty),*) -> $r:ty) => { ::core::option::Option<unsafe extern "C" fn($($t),*) -> $r> };
    ([var] ($($t:ty),*) -> $r:ty) => { unsafe extern "C" fn($($t),*, ...) -> $r };
    ([opt, var] ($($t:ty),*) -> $r:ty) => { ::core::option::Option<unsafe extern "C" fn($($t),*, ...) -> $r> };
    ([unwind] ($($t:ty),*) -> $r:ty) => { unsafe extern "C-unwind" fn($($t),*) -> $r };
}

/// Resolves one function symbol into its table slot.
#[doc(hidden)]
#[macro_export]
macro_rules! __fn_load {
    ([opt $(, $f:ident)*] $lib:ident, $missing:ident, $name:ident, $sig:tt -> $r:ty) => {{
        let p = $lib.address(concat!(stringify!($name), "\0"));
        // SAFETY: `p` is the address dlsym gave for this exported function, or NULL; the
        // declared signature is the one CPython's headers give it, and `Option` of a function
        // pointer has the representation of a nullable `*mut c_void`.
        unsafe { ::core::mem::transmute::<*mut ::core::ffi::c_void, $crate::__fn_ptr!([opt $(, $f)*] $sig -> $r)>(p) }
    }};
    ([$($f:ident)?] $lib:ident, $missing:ident, $name:ident, $sig:tt -> $r:ty) => {{
        let mut p = $lib.address(concat!(stringify!($name), "\0"));
        if p.is_null() {
            $missing.push(stringify!($name));
            p = $crate::load::not_loaded as *mut ::core::ffi::c_void;
        }
        // SAFETY: `p` is non-null: the exported function, or (when the symbol is missing, in
        // which case the table is discarded and the load fails) a stub never called. The
        // declared signature is the one CPython's headers give the function.
        unsafe { ::core::mem::transmute::<*mut ::core::ffi::c_void, $crate::__fn_ptr!([$($f)?] $sig -> $r)>(p) }
    }};
}

/// One table entry before a library is loaded: an optional function is absent, a required one
/// is [`not_loaded`](crate::load::not_loaded), which says so and aborts.
#[doc(hidden)]
#[macro_export]
macro_rules! __fn_unloaded {
    ([opt $(, $f:ident)*] $sig:tt -> $r:ty) => {
        ::core::option::Option::None
    };
    ([$($f:ident)?] $sig:tt -> $r:ty) => {
        // SAFETY: a function pointer becomes another function pointer type; it is called only
        // by a caller breaking the free functions' contract (libpython loaded), and then
        // aborts at once, reading no argument.
        unsafe {
            ::core::mem::transmute::<extern "C" fn(), $crate::__fn_ptr!([$($f)?] $sig -> $r)>(
                $crate::load::not_loaded,
            )
        }
    };
}

/// The free function under the C name, calling through the loaded table.
#[doc(hidden)]
#[macro_export]
macro_rules! __free_fn {
    ([] $page:literal $name:ident ($($a:ident: $t:ty),*) -> $r:ty; $($doc:literal)*) => {
        $(#[doc = $doc])*
        #[doc = ""]
        #[doc = concat!("C API: [`", stringify!($name), "`](https://docs.python.org/3/c-api/", $page, ".html#c.", stringify!($name), ")")]
        #[doc = ""]
        #[doc = "# Safety"]
        #[doc = "libpython must be loaded ([`load`](crate::load())), the arguments must satisfy the C API's contract for this function, and, unless the C API says otherwise, the calling thread must hold the GIL of an initialised interpreter."]
        #[inline(always)]
        #[allow(clippy::too_many_arguments)]
        pub unsafe fn $name($($a: $t),*) -> $r {
            // SAFETY: the caller upholds this function's C contract (see `# Safety`), which
            // includes the library being loaded (`loaded_api`'s contract).
            unsafe { ((*$crate::load::loaded_api()).$name)($($a),*) }
        }
    };
    ([unwind] $page:literal $name:ident ($($a:ident: $t:ty),*) -> $r:ty; $($doc:literal)*) => {
        $crate::__free_fn!([] $page $name ($($a: $t),*) -> $r; $($doc)*);
    };
    ([opt] $page:literal $name:ident ($($a:ident: $t:ty),*) -> $r:ty; $($doc:literal)*) => {
        $(#[doc = $doc])*
        #[doc = ""]
        #[doc = concat!("C API: [`", stringify!($name), "`](https://docs.python.org/3/c-api/", $page, ".html#c.", stringify!($name), ")")]
        #[doc = ""]
        #[doc = concat!("Not every supported version exports this function: check `api().", stringify!($name), ".is_some()` first.")]
        #[doc = ""]
        #[doc = "# Safety"]
        #[doc = "libpython must be loaded ([`load`](crate::load())), the arguments must satisfy the C API's contract for this function, and, unless the C API says otherwise, the calling thread must hold the GIL of an initialised interpreter."]
        #[doc = ""]
        #[doc = "# Panics"]
        #[doc = "If the loaded library does not export the function."]
        #[inline(always)]
        #[allow(clippy::too_many_arguments)]
        pub unsafe fn $name($($a: $t),*) -> $r {
            // SAFETY: the library is loaded (this function's contract, `loaded_api`'s).
            match unsafe { (*$crate::load::loaded_api()).$name } {
                // SAFETY: the caller upholds this function's C contract (see `# Safety`).
                Some(f) => unsafe { f($($a),*) },
                None => $crate::load::missing(stringify!($name)),
            }
        }
    };
    ([var] $($rest:tt)*) => {};
    ([opt, var] $($rest:tt)*) => {};
}

/// The declaration list's expansion: see the module documentation.
#[doc(hidden)]
#[macro_export]
macro_rules! declare_api {
    ($(
        page $page:literal {
            $(
                $(#[doc = $doc:literal])*
                $([$($flag:ident),*])? fn $name:ident ($($a:ident: $t:ty),* $(,)?) -> $r:ty;
            )*
            $(statics {
                $(
                    $(#[doc = $ddoc:literal])*
                    $([$dflag:ident])? $dname:ident: $dty:ty;
                )*
            })?
        }
    )*) => {
        /// Every function and data symbol of the C API that this crate declares, resolved from
        /// one loaded libpython.
        ///
        /// Function fields hold function pointers (an `Option` where not every supported
        /// version exports the function); data fields hold the symbol's address (NULL for an
        /// optional symbol the library lacks). The free functions of this crate call through
        /// the table installed by [`load`](crate::load()).
        #[allow(non_snake_case)]
        pub struct Api {
            $($(
                $(#[doc = $doc])*
                pub $name: $crate::__fn_ptr!([$($($flag),*)?] ($($t),*) -> $r),
            )*)*
            $($($(
                $(#[doc = $ddoc])*
                #[doc = ""]
                #[doc = "The address of the C symbol (C's `&name`)."]
                pub $dname: *mut $dty,
            )*)?)*
        }

        impl Api {
            /// The table before a library is loaded: no optional function and no data symbol,
            /// and every required function says that no library is loaded and aborts.
            pub(crate) const UNLOADED: Api = Api {
                $($(
                    $name: $crate::__fn_unloaded!([$($($flag),*)?] ($($t),*) -> $r),
                )*)*
                $($($(
                    $dname: ::core::ptr::null_mut(),
                )*)?)*
            };

            /// Resolves every symbol in `lib`. Fails naming each required symbol it lacks.
            pub(crate) fn resolve(lib: &$crate::load::Symbols<'_>) -> ::core::result::Result<Api, ::std::vec::Vec<&'static str>> {
                let mut missing: ::std::vec::Vec<&'static str> = ::std::vec::Vec::new();
                let api = Api {
                    $($(
                        $name: $crate::__fn_load!([$($($flag),*)?] lib, missing, $name, ($($t),*) -> $r),
                    )*)*
                    $($($(
                        $dname: {
                            let p = lib.address(concat!(stringify!($dname), "\0"));
                            $crate::__data_check!([$($dflag)?] p, missing, $dname);
                            p.cast::<$dty>()
                        },
                    )*)?)*
                };
                if missing.is_empty() { Ok(api) } else { Err(missing) }
            }

            /// Whether the declared function or data symbol `name` is present in this table
            /// (always for a required one); `None` if `name` is not declared.
            pub fn available(&self, name: &str) -> ::core::option::Option<bool> {
                match name {
                    $($(
                        stringify!($name) => Some($crate::__present!([$($($flag),*)?] self.$name)),
                    )*)*
                    $($($(
                        stringify!($dname) => Some(!self.$dname.is_null()),
                    )*)?)*
                    _ => None,
                }
            }
        }

        /// Every function the declaration list holds, in declaration order.
        pub const FUNCTIONS: &[$crate::Symbol] = &[
            $($(
                $crate::Symbol {
                    name: stringify!($name),
                    page: $page,
                    optional: $crate::__is_opt!([$($($flag),*)?]),
                    variadic: $crate::__is_var!([$($($flag),*)?]),
                },
            )*)*
        ];

        /// Every data symbol the declaration list holds, in declaration order.
        pub const DATA: &[$crate::Symbol] = &[
            $($($(
                $crate::Symbol {
                    name: stringify!($dname),
                    page: $page,
                    optional: $crate::__is_opt!([$($dflag)?]),
                    variadic: false,
                },
            )*)?)*
        ];

        /// The C API's functions under their C names, each calling through the loaded table.
        ///
        /// Variadic functions (`PyErr_Format`, `Py_BuildValue`, ...) cannot be defined in
        /// stable Rust: call them through the table, `(api().PyErr_Format)(exc, fmt, args...)`.
        pub mod functions {
            #[allow(unused_imports)]
            use $crate::types::*;
            #[allow(unused_imports)]
            use ::core::ffi::{c_char, c_double, c_int, c_long, c_longlong, c_uchar, c_uint, c_ulong, c_ulonglong, c_void};
            $($(
                $crate::__free_fn!([$($($flag),*)?] $page $name ($($a: $t),*) -> $r; $($doc)*);
            )*)*
        }

        /// The C API's data symbols under their C names: each function returns the symbol's
        /// address (C's `&PyFloat_Type`, `&PyExc_TypeError`), NULL for an optional symbol the
        /// loaded library lacks.
        pub mod data {
            #[allow(unused_imports)]
            use $crate::types::*;
            #[allow(unused_imports)]
            use ::core::ffi::{c_char, c_int, c_ulong};
            $($($(
                $(#[doc = $ddoc])*
                #[doc = ""]
                #[doc = concat!("C API: [`", stringify!($dname), "`](https://docs.python.org/3/c-api/", $page, ".html#c.", stringify!($dname), ")")]
                #[doc = ""]
                #[doc = "NULL before libpython is loaded."]
                #[inline(always)]
                #[allow(non_snake_case)]
                pub fn $dname() -> *mut $dty {
                    $crate::api().$dname
                }
            )*)?)*
        }
    };
}

/// Whether a table entry holds a function: an optional one may be `None`.
#[doc(hidden)]
#[macro_export]
macro_rules! __present {
    ([opt $(, $f:ident)*] $e:expr) => {
        $e.is_some()
    };
    ([$($f:ident),*] $e:expr) => {
        true
    };
}

/// Whether a flag list marks an optional symbol.
#[doc(hidden)]
#[macro_export]
macro_rules! __is_opt {
    ([opt $(, $f:ident)*]) => {
        true
    };
    ([$($f:ident),*]) => {
        false
    };
}

/// Whether a flag list marks a variadic function.
#[doc(hidden)]
#[macro_export]
macro_rules! __is_var {
    ([var]) => {
        true
    };
    ([opt, var]) => {
        true
    };
    ([$($f:ident),*]) => {
        false
    };
}

/// Records a missing required data symbol.
#[doc(hidden)]
#[macro_export]
macro_rules! __data_check {
    ([opt] $p:ident, $missing:ident, $name:ident) => {};
    ([] $p:ident, $missing:ident, $name:ident) => {
        if $p.is_null() {
            $missing.push(stringify!($name));
        }
    };
}
