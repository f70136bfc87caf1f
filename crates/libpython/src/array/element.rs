//! Element types: the Rust numbers a buffer can be viewed as, and the matching of Python's
//! `struct`-module format strings (and DLPack data types) against them.

use std::ffi::CStr;

/// What kind of number an array element is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ScalarKind {
    /// A signed integer (`i8` ... `i64`, `isize`).
    Int,
    /// An unsigned integer (`u8` ... `u64`, `usize`).
    UInt,
    /// An IEEE 754 float (`f32`, `f64`).
    Float,
    /// A one-byte boolean (`bool`: 0 or 1).
    Bool,
}

/// A number type whose memory can be shared with Python without a copy: the signed and
/// unsigned integers of every width, `f32`, `f64` and `bool`.
///
/// The buffer's format must match the element type exactly (kind and size, native byte
/// order); `numpy`'s `'l'` and `'q'` are both `i64` on 64-bit Linux, `'?'` is `bool`.
///
/// ```
/// use libpython::array::{Element, ScalarKind};
/// assert_eq!(<f64 as Element>::KIND, ScalarKind::Float);
/// assert_eq!(<u16 as Element>::NAME, "u16");
/// assert_eq!(<i64 as Element>::format().to_str().unwrap(), "q");
/// ```
///
/// Views read and write elements with one atomic access each, so they take element types of
/// 1, 2, 4 or 8 bytes (others are refused when a view is made).
///
/// # Safety
/// An implementation promises that `Self` has exactly the size, alignment and memory layout of
/// a native-endian number of kind [`KIND`](Element::KIND) and `size_of::<Self>()` bytes, with
/// no padding, and that every bit pattern of that size is a valid `Self`, except for
/// [`ScalarKind::Bool`] (one byte), where exactly the bytes 0 and 1 are valid (views check
/// this when they are made, and read any other byte as 1).
pub unsafe trait Element: Copy + Send + Sync + std::fmt::Debug + 'static {
    /// The kind of number.
    const KIND: ScalarKind;
    /// The Rust name, for error messages (`"f64"`).
    const NAME: &'static str;

    /// The `struct`-module format this crate exports the type with (`"d"` for `f64`).
    fn format() -> &'static CStr {
        export_format(Self::KIND, std::mem::size_of::<Self>()).unwrap_or(c"B")
    }
}

macro_rules! element {
    ($($t:ty => $kind:ident),* $(,)?) => {$(
        // SAFETY: a primitive number of that kind and size, every bit pattern valid (bool is
        // the documented exception, checked by views).
        unsafe impl Element for $t {
            const KIND: ScalarKind = ScalarKind::$kind;
            const NAME: &'static str = stringify!($t);
        }
    )*};
}

element! {
    i8 => Int, i16 => Int, i32 => Int, i64 => Int, isize => Int,
    u8 => UInt, u16 => UInt, u32 => UInt, u64 => UInt, usize => UInt,
    f32 => Float, f64 => Float,
    bool => Bool,
}

/// The format this crate exports elements of `kind` and `size` bytes with.
#[inline]
pub(crate) fn export_format(kind: ScalarKind, size: usize) -> Option<&'static CStr> {
    let code: &'static [u8; 2] = export_code(kind, size)?;
    CStr::from_bytes_with_nul(code).ok()
}

/// [`export_format`] as its one code character and the terminating NUL.
#[inline(always)]
fn export_code(kind: ScalarKind, size: usize) -> Option<&'static [u8; 2]> {
    Some(match (kind, size) {
        (ScalarKind::Int, 1) => b"b\0",
        (ScalarKind::Int, 2) => b"h\0",
        (ScalarKind::Int, 4) => b"i\0",
        (ScalarKind::Int, 8) => b"q\0",
        (ScalarKind::UInt, 1) => b"B\0",
        (ScalarKind::UInt, 2) => b"H\0",
        (ScalarKind::UInt, 4) => b"I\0",
        (ScalarKind::UInt, 8) => b"Q\0",
        (ScalarKind::Float, 2) => b"e\0",
        (ScalarKind::Float, 4) => b"f\0",
        (ScalarKind::Float, 8) => b"d\0",
        (ScalarKind::Bool, 1) => b"?\0",
        _ => return None,
    })
}

/// The byte-order character that means "native order, standard sizes" besides `=`.
const NATIVE_ORDER: u8 = if cfg!(target_endian = "little") {
    b'<'
} else {
    b'>'
};

/// Whether the NUL-terminated format at `fmt` is one of the common spellings of `T`: its
/// export code ([`export_format`]: `"d"` for `f64`), or C `long`'s `l` / `L` when `T` has its
/// size (numpy's `int64` and `uint64` on 64-bit Unix), alone or after `@`, `=` or the native
/// byte-order character (`"<d"` on little-endian machines). No string is built or parsed: this
/// is the fast path of [`check_format`], which decides everything else. With
/// `itemsize == size_of::<T>()` (checked by the caller), every format it accepts,
/// [`check_format`] accepts too (a unit test checks it).
///
/// # Safety
/// `fmt` must point at a NUL-terminated string.
#[inline(always)]
pub(crate) unsafe fn is_common_format<T: Element>(fmt: *const std::ffi::c_char) -> bool {
    let size = std::mem::size_of::<T>();
    let Some(&[code, _]) = export_code(T::KIND, size) else {
        return false;
    };
    let long = match T::KIND {
        ScalarKind::Int if size == std::mem::size_of::<std::ffi::c_long>() => b'l',
        ScalarKind::UInt if size == std::mem::size_of::<std::ffi::c_long>() => b'L',
        _ => code,
    };
    let fmt = fmt.cast::<u8>();
    // SAFETY: a NUL-terminated string has at least one byte.
    let c = unsafe { *fmt };
    // The code alone first (what numpy, `array.array` and `memoryview` give).
    if c == code || c == long {
        // SAFETY: `c` (a code character) is not the NUL, so the byte after it is in the string.
        return unsafe { *fmt.add(1) } == 0;
    }
    // SAFETY: as this function's.
    unsafe { is_prefixed_code(fmt, code, long) }
}

/// Whether the NUL-terminated format at `fmt` is `code` or `long` after `@`, `=` or the
/// native byte-order character (out of line: exporters rarely spell the byte order).
///
/// # Safety
/// `fmt` must point at a NUL-terminated string.
#[cold]
#[inline(never)]
unsafe fn is_prefixed_code(fmt: *const u8, code: u8, long: u8) -> bool {
    // SAFETY: a NUL-terminated string has at least one byte.
    let c = unsafe { *fmt };
    if c == b'@' || c == b'=' || c == NATIVE_ORDER {
        // SAFETY: `c` is not the NUL, so the string goes on at least one more byte.
        let c = unsafe { *fmt.add(1) };
        // SAFETY: if `c` is a code character (not the NUL), the byte after it is in the string.
        return (c == code || c == long) && unsafe { *fmt.add(2) } == 0;
    }
    false
}

/// The Rust name of a number of `kind` and `size` bytes (`"i64"`), or a description.
pub(crate) fn kind_name(kind: ScalarKind, size: usize) -> String {
    let prefix = match kind {
        ScalarKind::Int => "i",
        ScalarKind::UInt => "u",
        ScalarKind::Float => "f",
        ScalarKind::Bool if size == 1 => return "bool".into(),
        ScalarKind::Bool => return format!("a {size}-byte bool"),
    };
    format!("{prefix}{}", size * 8)
}

/// What a buffer format string describes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Parsed {
    /// A number in native byte order.
    Number(ScalarKind, usize),
    /// A number in the other byte order.
    Swapped(ScalarKind, usize),
    /// Something no Rust element type matches (complex, structs, strings, pointers, ...).
    Other(&'static str),
}

impl Parsed {
    /// Describes the format for an error message.
    pub(crate) fn describe(&self) -> String {
        match self {
            Parsed::Number(k, s) => kind_name(*k, *s),
            Parsed::Swapped(k, s) => {
                let order = if cfg!(target_endian = "little") {
                    "big"
                } else {
                    "little"
                };
                format!("{}-endian {}", order, kind_name(*k, *s))
            }
            Parsed::Other(what) => (*what).to_owned(),
        }
    }
}

/// Parses a `struct`-module format of one element: an optional byte-order character (`@`,
/// `=`, `<`, `>`, `!`), an optional repeat count of 1, and one type code. numpy's complex
/// codes (`Zf`, `Zd`) are recognised to be named in errors.
///
/// `itemsize` (the buffer's) settles one ambiguity: ctypes exports C `long` as `"<l"` with its
/// native size (8 bytes on 64-bit Unix) although `struct` says `"<l"` is 4 bytes.
pub(crate) fn parse_format(fmt: &str, itemsize: usize) -> Parsed {
    let mut s = fmt;
    let mut native_sizes = true;
    let mut swapped = false;
    if let Some(c) = s.chars().next() {
        match c {
            '@' => s = &s[1..],
            '=' => {
                native_sizes = false;
                s = &s[1..];
            }
            '<' | '>' | '!' => {
                native_sizes = false;
                let little = c == '<';
                swapped = little != cfg!(target_endian = "little");
                s = &s[1..];
            }
            _ => {}
        }
    }
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    if digits > 0 {
        if &s[..digits] != "1" {
            return Parsed::Other("a repeated (sub-array) element");
        }
        s = &s[digits..];
    }
    let (kind, size) = match s {
        "?" => (ScalarKind::Bool, 1),
        "b" => (ScalarKind::Int, 1),
        "B" | "c" => (ScalarKind::UInt, 1),
        "h" => (ScalarKind::Int, 2),
        "H" => (ScalarKind::UInt, 2),
        "i" => (ScalarKind::Int, 4),
        "I" => (ScalarKind::UInt, 4),
        "l" | "L" => {
            let kind = if s == "l" {
                ScalarKind::Int
            } else {
                ScalarKind::UInt
            };
            let size = if native_sizes {
                std::mem::size_of::<std::ffi::c_long>()
            } else if itemsize == std::mem::size_of::<std::ffi::c_long>() {
                itemsize
            } else {
                4
            };
            (kind, size)
        }
        "q" => (ScalarKind::Int, 8),
        "Q" => (ScalarKind::UInt, 8),
        "n" if native_sizes => (ScalarKind::Int, std::mem::size_of::<isize>()),
        "N" if native_sizes => (ScalarKind::UInt, std::mem::size_of::<usize>()),
        "e" => (ScalarKind::Float, 2),
        "f" => (ScalarKind::Float, 4),
        "d" => (ScalarKind::Float, 8),
        "g" => return Parsed::Other("long double"),
        "Zf" => return Parsed::Other("complex64"),
        "Zd" => return Parsed::Other("complex128"),
        "Zg" => return Parsed::Other("complex long double"),
        "s" | "p" => return Parsed::Other("bytes strings"),
        "w" | "u" => return Parsed::Other("unicode characters"),
        "P" => return Parsed::Other("pointers"),
        "O" => return Parsed::Other("Python objects"),
        _ if s.starts_with("T{") => return Parsed::Other("structured records"),
        _ => return Parsed::Other("an unsupported element type"),
    };
    if swapped {
        Parsed::Swapped(kind, size)
    } else {
        Parsed::Number(kind, size)
    }
}

/// Checks that a buffer of format `fmt` and `itemsize` bytes per element holds `T`s.
pub(crate) fn check_format<T: Element>(fmt: &str, itemsize: usize) -> crate::Result<()> {
    let parsed = parse_format(fmt, itemsize);
    let size = std::mem::size_of::<T>();
    if parsed == Parsed::Number(T::KIND, size) && itemsize == size {
        return Ok(());
    }
    let mut msg = format!(
        "the buffer holds {} elements (format {fmt:?}, {itemsize} bytes each), not {}",
        parsed.describe(),
        T::NAME
    );
    if matches!(parsed, Parsed::Swapped(..)) {
        msg.push_str(": data in the other byte order cannot be viewed without a copy (numpy: a.astype(a.dtype.newbyteorder('=')))");
    } else if matches!(parsed, Parsed::Number(k, s) if k == T::KIND && s == size) {
        msg.push_str(": the item size does not match the format");
    }
    Err(crate::Error::conversion(msg))
}

/// DLPack type codes (`DLDataTypeCode`).
pub(crate) mod dl_code {
    pub const INT: u8 = 0;
    pub const UINT: u8 = 1;
    pub const FLOAT: u8 = 2;
    pub const OPAQUE_HANDLE: u8 = 3;
    pub const BFLOAT: u8 = 4;
    pub const COMPLEX: u8 = 5;
    pub const BOOL: u8 = 6;
}

/// The DLPack type code of `kind`.
pub(crate) fn dl_code_of(kind: ScalarKind) -> u8 {
    match kind {
        ScalarKind::Int => dl_code::INT,
        ScalarKind::UInt => dl_code::UINT,
        ScalarKind::Float => dl_code::FLOAT,
        ScalarKind::Bool => dl_code::BOOL,
    }
}

/// Names a DLPack data type for error messages.
pub(crate) fn describe_dl(code: u8, bits: u8, lanes: u16) -> String {
    let base = match code {
        dl_code::INT => format!("i{bits}"),
        dl_code::UINT => format!("u{bits}"),
        dl_code::FLOAT => format!("f{bits}"),
        dl_code::BOOL if bits == 8 => "bool".to_owned(),
        dl_code::BOOL => format!("a {bits}-bit bool"),
        dl_code::BFLOAT => format!("bfloat{bits}"),
        dl_code::COMPLEX => format!("complex{bits}"),
        dl_code::OPAQUE_HANDLE => "opaque handles".to_owned(),
        other => format!("DLPack type code {other} ({bits} bits)"),
    };
    if lanes == 1 {
        base
    } else {
        format!("{base}x{lanes} vectors")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_parse() {
        let long = std::mem::size_of::<std::ffi::c_long>();
        assert_eq!(parse_format("d", 8), Parsed::Number(ScalarKind::Float, 8));
        assert_eq!(parse_format("<d", 8), Parsed::Number(ScalarKind::Float, 8));
        assert_eq!(
            parse_format("@l", long),
            Parsed::Number(ScalarKind::Int, long)
        );
        assert_eq!(parse_format("=l", 4), Parsed::Number(ScalarKind::Int, 4));
        assert_eq!(
            parse_format("<L", long),
            Parsed::Number(ScalarKind::UInt, long)
        );
        assert_eq!(parse_format("<l", 2), Parsed::Number(ScalarKind::Int, 4));
        assert_eq!(parse_format(">i", 4), Parsed::Swapped(ScalarKind::Int, 4));
        assert_eq!(parse_format("1q", 8), Parsed::Number(ScalarKind::Int, 8));
        assert_eq!(
            parse_format("2q", 16),
            Parsed::Other("a repeated (sub-array) element")
        );
        assert_eq!(parse_format("Zd", 16), Parsed::Other("complex128"));
        assert_eq!(
            parse_format("T{d:x:}", 8),
            Parsed::Other("structured records")
        );
        assert!(
            check_format::<i32>("i", 8)
                .unwrap_err()
                .to_string()
                .contains("item size")
        );
        assert!(check_format::<f64>("d", 8).is_ok());
        let e = check_format::<i32>("d", 8).unwrap_err().to_string();
        assert!(e.contains("f64") && e.contains("i32"), "{e}");
    }

    /// Whether the fast path takes `fmt` for `T`, and then that the full check agrees.
    fn common<T: Element>(fmt: &CStr) -> bool {
        // SAFETY: a CStr is NUL-terminated.
        let fast = unsafe { is_common_format::<T>(fmt.as_ptr()) };
        if fast {
            let s = fmt.to_str().unwrap();
            assert!(
                check_format::<T>(s, std::mem::size_of::<T>()).is_ok(),
                "{s:?} taken for {} by the fast path only",
                T::NAME
            );
        }
        fast
    }

    fn every_format<T: Element>() -> usize {
        let mut taken = 0;
        for prefix in ["", "@", "=", "<", ">", "!", "1", "2", "<1"] {
            for code in "?bBchHiIlLqQnNefdgZsPOTx".chars() {
                for suffix in ["", "f", "d", "x", "{d:x:}"] {
                    let f = std::ffi::CString::new(format!("{prefix}{code}{suffix}")).unwrap();
                    taken += usize::from(common::<T>(&f));
                }
            }
        }
        assert!(!common::<T>(c"") && !common::<T>(c"@") && !common::<T>(c"<"));
        taken
    }

    #[test]
    fn the_format_fast_path_takes_common_spellings_only() {
        // The usual spellings are taken; each is one the full parser accepts (checked inside).
        for f in [c"d", c"@d", c"=d", c"<d"] {
            assert_eq!(
                common::<f64>(f),
                cfg!(target_endian = "little") || f != c"<d",
                "{f:?}"
            );
        }
        assert!(
            common::<f32>(c"f")
                && common::<bool>(c"?")
                && common::<u8>(c"B")
                && common::<i32>(c"=i")
        );
        if std::mem::size_of::<std::ffi::c_long>() == 8 {
            assert!(
                common::<i64>(c"l")
                    && common::<i64>(c"q")
                    && common::<u64>(c"L")
                    && common::<isize>(c"l")
            );
        }
        // Others are left to the parser: other types, byte orders, counts, trailing codes.
        for f in [
            c"f", c"dd", c"d ", c">d", c"!d", c"1d", c"Zd", c"@@d", c"==d", c"T{d:x:}",
        ] {
            assert!(!common::<f64>(f), "{f:?}");
        }
        assert!(!common::<i32>(c"l") && !common::<i8>(c"c") && !common::<u16>(c"h"));
        // Every combination: nothing the parser would refuse is taken.
        let counts = [
            every_format::<i8>(),
            every_format::<u64>(),
            every_format::<i64>(),
            every_format::<f64>(),
            every_format::<bool>(),
        ];
        assert!(counts.iter().all(|&n| n >= 3), "{counts:?}");
    }
}
