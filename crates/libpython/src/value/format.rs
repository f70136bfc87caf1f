//! `Display` and `Debug`: values in Python literal notation, iterative.

use std::fmt::{self, Write as _};

use super::{Kids, Value};

fn write_float(f: &mut fmt::Formatter<'_>, x: f64) -> fmt::Result {
    if x.is_nan() {
        return f.write_str("nan");
    }
    if x.is_infinite() {
        return f.write_str(if x > 0.0 { "inf" } else { "-inf" });
    }
    // Rust's shortest round-trip form, with Python's exponent spelling (`1e+16`, `1e-05`).
    let s = format!("{x:?}");
    match s.split_once('e') {
        None => f.write_str(&s),
        Some((mantissa, exp)) => {
            let (sign, digits) = match exp.strip_prefix('-') {
                Some(d) => ('-', d),
                None => ('+', exp),
            };
            let mantissa = mantissa.strip_suffix(".0").unwrap_or(mantissa);
            write!(f, "{mantissa}e{sign}{digits:0>2}")
        }
    }
}

fn write_str_literal(f: &mut fmt::Formatter<'_>, s: &str) -> fmt::Result {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    f.write_char(quote)?;
    for c in s.chars() {
        match c {
            '\\' => f.write_str("\\\\")?,
            '\n' => f.write_str("\\n")?,
            '\r' => f.write_str("\\r")?,
            '\t' => f.write_str("\\t")?,
            c if c == quote => write!(f, "\\{c}")?,
            c if (c as u32) < 0x20 || (0x7f..0xa0).contains(&(c as u32)) => {
                write!(f, "\\x{:02x}", c as u32)?
            }
            c if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}') => {
                if (c as u32) <= 0xffff {
                    write!(f, "\\u{:04x}", c as u32)?
                } else {
                    write!(f, "\\U{:08x}", c as u32)?
                }
            }
            c => f.write_char(c)?,
        }
    }
    f.write_char(quote)
}

fn write_bytes_literal(f: &mut fmt::Formatter<'_>, b: &[u8]) -> fmt::Result {
    let quote = if b.contains(&b'\'') && !b.contains(&b'"') {
        b'"'
    } else {
        b'\''
    };
    f.write_char('b')?;
    f.write_char(quote as char)?;
    for &c in b {
        match c {
            b'\\' => f.write_str("\\\\")?,
            b'\n' => f.write_str("\\n")?,
            b'\r' => f.write_str("\\r")?,
            b'\t' => f.write_str("\\t")?,
            c if c == quote => write!(f, "\\{}", c as char)?,
            0x20..=0x7e => f.write_char(c as char)?,
            c => write!(f, "\\x{c:02x}")?,
        }
    }
    f.write_char(quote as char)
}

/// Writes `v` as Python writes its `repr`, with an explicit stack.
fn write_value(f: &mut fmt::Formatter<'_>, v: &Value) -> fmt::Result {
    // (elements, closing text, elements written so far, is a dict, is a 1-tuple candidate)
    struct Open<'a> {
        kids: Kids<'a>,
        close: &'static str,
        written: usize,
        dict: bool,
        tuple: bool,
    }
    let mut stack: Vec<Open<'_>> = Vec::new();
    let mut cur = Some(v);
    loop {
        if let Some(v) = cur.take() {
            match v {
                Value::None => f.write_str("None")?,
                Value::Bool(true) => f.write_str("True")?,
                Value::Bool(false) => f.write_str("False")?,
                Value::Int(i) => write!(f, "{i}")?,
                Value::BigInt(b) => write!(f, "{b}")?,
                Value::Float(x) => write_float(f, *x)?,
                Value::Str(s) => write_str_literal(f, s)?,
                Value::Bytes(b) => write_bytes_literal(f, b)?,
                // `repr(obj)`, which takes the object's GIL.
                Value::Object(o) => write!(f, "{o:?}")?,
                container => {
                    let (open, close, empty) = match container {
                        Value::List(_) => ("[", "]", "[]"),
                        Value::Tuple(_) => ("(", ")", "()"),
                        Value::Dict(_) => ("{", "}", "{}"),
                        Value::Set(_) => ("{", "}", "set()"),
                        _ => ("frozenset({", "})", "frozenset()"),
                    };
                    match container.kids() {
                        None => f.write_str(empty)?,
                        Some(kids) => {
                            f.write_str(open)?;
                            stack.push(Open {
                                kids,
                                close,
                                written: 0,
                                dict: matches!(container, Value::Dict(_)),
                                tuple: matches!(container, Value::Tuple(_)),
                            });
                        }
                    }
                }
            }
        }
        let Some(top) = stack.last_mut() else {
            return Ok(());
        };
        match top.kids.next() {
            Some(child) => {
                if top.written > 0 {
                    f.write_str(if top.dict && top.written % 2 == 1 {
                        ": "
                    } else {
                        ", "
                    })?;
                }
                top.written += 1;
                cur = Some(child);
            }
            None => {
                if top.tuple && top.written == 1 {
                    f.write_char(',')?;
                }
                f.write_str(top.close)?;
                stack.pop();
            }
        }
    }
}

/// Python literal notation, as `repr` writes it: `{'a': [1, 2.5, None], 'b': (True,)}`.
/// Identical to Python's `repr` of the converted object, except that in strings only control
/// characters (and U+2028, U+2029, U+FEFF) are escaped: Python also escapes other characters
/// its Unicode tables call non-printable (U+00AD, unassigned code points, ...).
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_value(f, self)
    }
}

/// The same notation as [`Display`](fmt::Display) (the derived form would recurse, and
/// would be harder to read).
impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_value(f, self)
    }
}

/// Renders a value for an error message, shortened.
pub(super) fn short(v: &Value) -> String {
    let s = v.to_string();
    shorten(s)
}

pub(super) fn shorten(s: String) -> String {
    if s.chars().count() <= 60 {
        return s;
    }
    let head: String = s.chars().take(40).collect();
    let tail: Vec<char> = s.chars().rev().take(15).collect();
    let tail: String = tail.into_iter().rev().collect();
    format!("{head}...{tail}")
}
