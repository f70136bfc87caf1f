//! The text of a compact ASCII `str` read in place: CPython keeps such a string's characters,
//! which are also its UTF-8 form, right after the `PyASCIIObject` header, and its length in
//! the header; `PyUnicode_AsUTF8AndSize` returns that same buffer after a call and a few
//! checks. Every `str` made from ASCII text by `str` itself is compact ASCII.
//!
//! The layout (the `state` word's `compact` and `ascii` bits, and where the characters start)
//! is used only after [`init_object_layout`](crate::init_object_layout), on 3.9 to 3.14 with
//! the GIL (on a free-threaded build the `state` word is shared with the `interned` field,
//! which other threads may write), only when `str.__basicsize__` is the one of those versions,
//! and only when strings of every kind made for the purpose read back as
//! `PyUnicode_AsUTF8AndSize` and `PyUnicode_GetLength` give them. Everywhere else
//! [`unicode_utf8`] calls `PyUnicode_AsUTF8AndSize`.

use std::ffi::c_char;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::functions::*;
use crate::types::*;

/// The layout found: 0 while unknown, else the offset of the characters shifted left by 16,
/// or'ed with the offset of the `state` word shifted left by 8 (the length is the word
/// after the object header, at the `state` word's offset less 16).
static ASCII_LAYOUT: AtomicU64 = AtomicU64::new(0);
/// `state.compact` and `state.ascii`: bits 5 and 6 (after `interned:2` and `kind:3`).
const COMPACT_ASCII: u32 = 0b110_0000;
/// `state.kind`: bits 2 to 4.
const KIND_SHIFT: u32 = 2;

/// The characters of the `str` `o` and their number, read in place, if it is a compact ASCII
/// string and the layout is known (see the module); `None` otherwise. Calls nothing, so it
/// neither fails nor runs Python code. The characters, which are also the string's UTF-8
/// form, live as long as `o`.
///
/// # Safety
/// `o` must be a live object for which `PyUnicode_Check` is true; the GIL is held.
#[inline(always)]
pub unsafe fn unicode_ascii(o: *mut PyObject) -> Option<(*const u8, usize)> {
    let packed = ASCII_LAYOUT.load(Ordering::Relaxed);
    if packed == 0 {
        return None;
    }
    let state_at = (packed >> 8) as u8 as usize;
    // SAFETY: `o` is a live str: its `PyASCIIObject` header holds the length 16 bytes before
    // the `state` word (checked at start-up), and a compact ASCII string's characters follow
    // the header; neither changes while the string lives, and with the GIL held no other
    // thread writes the `state` word.
    unsafe {
        let base = o.cast::<u8>();
        let state = base.add(state_at).cast::<u32>().read();
        if state & COMPACT_ASCII != COMPACT_ASCII {
            return None;
        }
        let len = base.add(state_at - 16).cast::<Py_ssize_t>().read() as usize;
        Some((base.add((packed >> 16) as usize), len))
    }
}

/// The UTF-8 form of the `str` `o` and its size in bytes (C's `PyUnicode_AsUTF8AndSize`): read
/// in place for a compact ASCII string ([`unicode_ascii`]), else by `PyUnicode_AsUTF8AndSize`,
/// which may fail (a string with lone surrogates has no UTF-8 form: NULL is returned with
/// `UnicodeEncodeError` set, and making that exception may run the garbage collector, and so
/// Python code). The buffer lives as long as `o`.
///
/// # Safety
/// `o` must be a live object for which `PyUnicode_Check` is true; `size` is writable; the GIL
/// is held.
#[inline(always)]
pub unsafe fn unicode_utf8(o: *mut PyObject, size: *mut Py_ssize_t) -> *const c_char {
    // SAFETY: forwarded contract.
    unsafe {
        if let Some((p, n)) = unicode_ascii(o) {
            *size = n as Py_ssize_t;
            return p.cast();
        }
        PyUnicode_AsUTF8AndSize(o, size)
    }
}

/// Whether compact ASCII strings are read in place (see the module).
pub fn unicode_read_in_place() -> bool {
    ASCII_LAYOUT.load(Ordering::Relaxed) != 0
}

/// Publishes the layout of compact ASCII strings when it checks out for the running
/// interpreter (see the module); `header` is the object header's size.
///
/// # Safety
/// As [`init_object_layout`](crate::init_object_layout): the GIL is held.
pub(crate) unsafe fn init_unicode_layout(header: usize) {
    ASCII_LAYOUT.store(0, Ordering::Relaxed);
    let Some(lib) = crate::library() else { return };
    let v = lib.version();
    if !cfg!(target_pointer_width = "64")
        || lib.gil_disabled()
        || v.major != 3
        || !(9..=14).contains(&v.minor)
    {
        return;
    }
    // After the header: `length`, `hash`, the `state` word (padded to 8 bytes), then until
    // 3.11 the `wstr` pointer. A `str` object is a `PyUnicodeObject`, three words more
    // (`utf8_length`, `utf8`, `data`), and until 3.11 a fourth (`wstr_length`).
    let state_at = header + 16;
    let (chars_at, basic) = if v.minor <= 11 {
        (header + 32, header + 64)
    } else {
        (header + 24, header + 48)
    };
    // SAFETY: forwarded contract; `PyUnicode_Type` is a static type object.
    let size =
        unsafe { crate::inline::type_size(crate::data::PyUnicode_Type().cast(), c"__basicsize__") };
    if size != Some(basic) {
        return;
    }
    // (text, kind, interned): ASCII of several lengths, a Latin-1, a two-byte and a
    // four-byte string, a one-character string (a shared static one from 3.12), and a name
    // every interpreter has interned already.
    let probes: [(&str, u32, bool); 9] = [
        ("", 1, false),
        ("a", 1, false),
        ("field_name", 1, false),
        (
            "an ASCII text longer than any small-string cache, to be sure",
            1,
            false,
        ),
        ("caf\u{e9}", 1, false),
        ("\u{20ac}uro", 2, false),
        ("\u{1f600}!", 4, false),
        ("a\u{e9}\u{20ac}\u{1f600}", 4, false),
        ("__name__", 1, true),
    ];
    let reads_back = |(text, kind, intern): (&str, u32, bool)| {
        // SAFETY: the GIL is held; the string made here is released after the reads, which
        // are within its header and, for an ASCII one, its characters.
        unsafe {
            let o = if intern {
                let Ok(name) = std::ffi::CString::new(text) else {
                    return false;
                };
                PyUnicode_InternFromString(name.as_ptr())
            } else {
                PyUnicode_FromStringAndSize(text.as_ptr().cast(), text.len() as Py_ssize_t)
            };
            if o.is_null() {
                PyErr_Clear();
                return false;
            }
            let base = o.cast::<u8>();
            let state = base.add(state_at).cast::<u32>().read();
            let length = base.add(header).cast::<Py_ssize_t>().read();
            let ascii = text.is_ascii();
            let mut n: Py_ssize_t = 0;
            let utf8 = PyUnicode_AsUTF8AndSize(o, &mut n);
            let ok = !utf8.is_null()
                && (state >> KIND_SHIFT) & 0b111 == kind
                && (state & COMPACT_ASCII == COMPACT_ASCII) == ascii
                && length == PyUnicode_GetLength(o)
                && std::slice::from_raw_parts(utf8.cast::<u8>(), n as usize) == text.as_bytes()
                && (!ascii
                    || (length as usize == text.len()
                        && std::slice::from_raw_parts(base.add(chars_at), text.len())
                            == text.as_bytes()));
            if utf8.is_null() {
                PyErr_Clear();
            }
            Py_DecRef(o);
            ok
        }
    };
    if probes.into_iter().all(reads_back) {
        ASCII_LAYOUT.store(
            ((chars_at as u64) << 16) | ((state_at as u64) << 8),
            Ordering::Relaxed,
        );
    }
}
