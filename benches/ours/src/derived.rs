//! Ours side of `serde_roundtrip (derive)`: the serde case's order, as structs that derive
//! `ToPython` / `FromPython`, to the same dicts and lists and back (the floor is the serde
//! case's).

use libpython::{FromPython, Python, ToPython};

use crate::common::{self, case};
use crate::{Case, Size, ours};

#[derive(Debug, PartialEq, ToPython, FromPython)]
struct Order {
    id: u64,
    customer: Customer,
    lines: Vec<Line>,
    tags: Vec<String>,
    note: Option<String>,
}

#[derive(Debug, PartialEq, ToPython, FromPython)]
struct Customer {
    name: String,
    email: String,
    vip: bool,
}

#[derive(Debug, PartialEq, ToPython, FromPython)]
struct Line {
    sku: String,
    qty: u32,
    price: f64,
}

common::order_from_common!();

/// The case's ours side.
pub fn cases() -> Vec<Case<'static>> {
    let order: &'static Order = Box::leak(Box::new(Order::from(common::order())));
    let roundtrip = move |py: Python<'_>| -> libpython::Result<Order> {
        let o = order.to_python(py)?;
        o.bind(py)?.extract::<Order>()
    };
    let back = libpython::attach(roundtrip).expect("the round trip");
    assert_eq!(&back, order, "the derived round trip changes the order");
    vec![case(
        "serde_roundtrip",
        "ours_derive",
        Size::Small,
        ours(roundtrip),
    )]
}
