//! Equality, order and hashing of values, all iterative.

use std::cmp::Ordering;
use std::hash::{Hash, Hasher};

use libpython_interp::InterpKey;
use num_bigint::BigInt;

use crate::object::Object;

use super::{Kids, Value};

/// How two values compare before looking at their elements.
enum Head {
    Decided(Ordering),
    /// Same kind of container: the elements decide.
    Descend,
}

fn int_cmp(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => x.cmp(y),
        (Value::Int(x), Value::BigInt(y)) => BigInt::from(*x).cmp(y),
        (Value::BigInt(x), Value::Int(y)) => (**x).cmp(&BigInt::from(*y)),
        (Value::BigInt(x), Value::BigInt(y)) => x.cmp(y),
        _ => Ordering::Equal,
    }
}

/// Compares the kinds and the scalar contents; `eq_only` makes containers of different
/// lengths differ at once (their order is then meaningless, only "not equal").
fn head_cmp(a: &Value, b: &Value, eq_only: bool) -> Head {
    let r = a.rank().cmp(&b.rank());
    if r != Ordering::Equal {
        return Head::Decided(r);
    }
    let o = match (a, b) {
        (Value::None, Value::None) => Ordering::Equal,
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        (Value::Float(x), Value::Float(y)) => x.total_cmp(y),
        (Value::Str(x), Value::Str(y)) => x.cmp(y),
        (Value::Bytes(x), Value::Bytes(y)) => x.cmp(y),
        (Value::Int(_) | Value::BigInt(_), _) => int_cmp(a, b),
        (Value::Object(x), Value::Object(y)) => object_identity(x).cmp(&object_identity(y)),
        _ => {
            if a.same_tree(b) {
                return Head::Decided(Ordering::Equal);
            }
            if eq_only && a.container_len() != b.container_len() {
                return Head::Decided(Ordering::Less);
            }
            return Head::Descend;
        }
    };
    Head::Decided(o)
}

/// Lexicographic comparison over the trees, with an explicit stack.
fn compare(a: &Value, b: &Value, eq_only: bool) -> Ordering {
    let mut stack: Vec<(Kids<'_>, Kids<'_>)> = Vec::new();
    let (mut x, mut y) = (a, b);
    loop {
        match head_cmp(x, y, eq_only) {
            Head::Decided(Ordering::Equal) => {}
            Head::Decided(o) => return o,
            Head::Descend => {
                if let (Some(kx), Some(ky)) = (x.kids(), y.kids()) {
                    stack.push((kx, ky));
                } else {
                    // One or both empty.
                    let o = x.container_len().cmp(&y.container_len());
                    if o != Ordering::Equal {
                        return o;
                    }
                }
            }
        }
        loop {
            let Some((ix, iy)) = stack.last_mut() else {
                return Ordering::Equal;
            };
            match (ix.next(), iy.next()) {
                (Some(p), Some(q)) => {
                    (x, y) = (p, q);
                    break;
                }
                (None, None) => {
                    stack.pop();
                }
                (None, Some(_)) => return Ordering::Less,
                (Some(_), None) => return Ordering::Greater,
            }
        }
    }
}

/// What identifies a kept object: its interpreter and its address (unique while the value
/// holds its reference).
fn object_identity(o: &Object) -> (InterpKey, usize) {
    (o.interpreter_key(), o.as_ptr() as usize)
}

impl PartialEq for Value {
    fn eq(&self, other: &Value) -> bool {
        compare(self, other, true) == Ordering::Equal
    }
}

impl Eq for Value {}

impl PartialOrd for Value {
    fn partial_cmp(&self, other: &Value) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// The total order described in the [module documentation](crate::value#equality-order-and-hashing).
impl Ord for Value {
    fn cmp(&self, other: &Value) -> Ordering {
        compare(self, other, false)
    }
}

impl Hash for Value {
    fn hash<H: Hasher>(&self, state: &mut H) {
        let mut stack: Vec<Kids<'_>> = Vec::new();
        let mut cur = Some(self);
        loop {
            if let Some(v) = cur.take() {
                state.write_u8(v.rank());
                match v {
                    Value::None => {}
                    Value::Bool(b) => state.write_u8(u8::from(*b)),
                    Value::Int(i) => state.write_i64(*i),
                    Value::BigInt(b) => match i64::try_from(&**b) {
                        Ok(i) => state.write_i64(i),
                        Err(_) => b.to_signed_bytes_le().hash(state),
                    },
                    Value::Float(f) => state.write_u64(f.to_bits()),
                    Value::Str(s) => s.hash(state),
                    Value::Bytes(b) => b.hash(state),
                    Value::Object(o) => object_identity(o).hash(state),
                    _ => {
                        state.write_usize(v.container_len().unwrap_or(0));
                        if let Some(k) = v.kids() {
                            stack.push(k);
                        }
                    }
                }
            }
            let Some(top) = stack.last_mut() else { return };
            match top.next() {
                Some(child) => cur = Some(child),
                None => {
                    stack.pop();
                }
            }
        }
    }
}
