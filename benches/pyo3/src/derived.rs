//! PyO3 side of `serde_roundtrip (derive)`: the serde case's order, as structs that derive
//! `IntoPyObjectRef` (named fields become a dict) and `FromPyObject` reading dict items
//! (`#[pyo3(from_item_all)]`), to the same dicts and lists and back.

use pyo3::prelude::*;

use crate::common::{self, case};
use crate::{Case, Size, pyo3};

#[derive(Debug, PartialEq, IntoPyObjectRef, FromPyObject)]
#[pyo3(from_item_all)]
struct Order {
    id: u64,
    customer: Customer,
    lines: Vec<Line>,
    tags: Vec<String>,
    note: Option<String>,
}

#[derive(Debug, PartialEq, IntoPyObjectRef, FromPyObject)]
#[pyo3(from_item_all)]
struct Customer {
    name: String,
    email: String,
    vip: bool,
}

#[derive(Debug, PartialEq, IntoPyObjectRef, FromPyObject)]
#[pyo3(from_item_all)]
struct Line {
    sku: String,
    qty: u32,
    price: f64,
}

common::order_from_common!();

/// The case's PyO3 side.
pub fn cases() -> Vec<Case<'static>> {
    let order: &'static Order = Box::leak(Box::new(Order::from(common::order())));
    let roundtrip = move |py: Python<'_>| -> PyResult<Order> {
        let o = order.into_pyobject(py)?;
        o.extract::<Order>()
    };
    let back = Python::attach(roundtrip).expect("the round trip");
    assert_eq!(&back, order, "the derived round trip changes the order");
    vec![case(
        "serde_roundtrip",
        "pyo3_derive",
        Size::Small,
        pyo3(roundtrip),
    )]
}
