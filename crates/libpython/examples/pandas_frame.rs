//! A pandas DataFrame built from Rust structs with serde, summarised by pandas, and the
//! summary read back into Rust structs.
//!
//! ```text
//! cargo run --example pandas_frame
//! ```
//!
//! Needs pandas in the Python found (the demo venv made by `cargo xtask demo` has it).
//! `libpython::to_python_serde` turns any `Serialize` value into Python objects directly (a
//! `Vec` of structs becomes a list of dicts, the "records" pandas reads), and
//! `libpython::from_python_serde` reads Python objects into any `Deserialize` type.

use std::process::ExitCode;

use libpython::{call_attr, from_python_serde, to_python_serde};
use serde::{Deserialize, Serialize};

/// One sale, as the Rust side of an application keeps it.
#[derive(Serialize)]
struct Sale {
    region: &'static str,
    product: &'static str,
    units: u32,
    unit_price: f64,
}

/// One line of the summary pandas computes, read back into Rust.
#[derive(Deserialize, Debug)]
struct RegionSummary {
    region: String,
    sales: u32,
    units: u32,
    revenue: f64,
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("pandas_frame failed: {e}");
            eprintln!(
                "(this example needs pandas: run it with the demo venv made by `cargo xtask demo`)"
            );
            ExitCode::FAILURE
        }
    }
}

fn run() -> libpython::Result<()> {
    let sale = |region, product, units, unit_price| Sale {
        region,
        product,
        units,
        unit_price,
    };
    let sales = vec![
        sale("north", "widget", 12, 2.50),
        sale("north", "gadget", 3, 19.99),
        sale("south", "widget", 30, 2.40),
        sale("south", "gizmo", 7, 7.25),
        sale("east", "gadget", 5, 21.00),
        sale("east", "widget", 18, 2.55),
        sale("east", "gizmo", 2, 7.50),
        sale("west", "widget", 9, 2.45),
    ];

    // Rust structs -> a Python list of dicts, with serde; then a DataFrame of it.
    let records = to_python_serde(&sales)?;
    let pd = libpython::import("pandas")?;
    let df = pd.call_method("DataFrame", (records,))?;
    // A derived column, computed by pandas: df["units"] * df["unit_price"]. `assign` returns
    // a new frame with the column added. (pandas 3's `df["revenue"] = ...`, that is
    // `df.set_item(..)`, looks at its Python caller's frame and fails with "call stack is not
    // deep enough" when called straight from Rust: use `assign`, or do it in Python code.)
    let revenue = df
        .get_item("units")?
        .call_method("__mul__", (df.get_item("unit_price")?,))?;
    let df = call_attr!(df, "assign", revenue = revenue)?;
    println!("the DataFrame ({} rows):\n{df}\n", df.len()?);

    // pandas' statistics of the numeric columns.
    println!(
        "df.describe():\n{}\n",
        call_attr!(df, "describe")?.call_method("round", (2,))?
    );

    // Group by region: number of sales, units and revenue per region, largest revenue first.
    let scope = libpython::Dict::from_pairs([("df", &df)])?;
    let summary = libpython::eval_with(
        "df.groupby('region')\
           .agg(sales=('product', 'count'), units=('units', 'sum'), revenue=('revenue', 'sum'))\
           .sort_values('revenue', ascending=False)\
           .reset_index()",
        &scope,
        None,
    )?;
    println!("grouped by region:\n{summary}\n");

    // And back into Rust structs, with serde.
    let rows: Vec<RegionSummary> = from_python_serde(&call_attr!(summary, "to_dict", "records")?)?;
    println!("back in Rust:");
    for r in &rows {
        println!(
            "  {:6} {} sale(s), {:3} units, revenue {:7.2}",
            r.region, r.sales, r.units, r.revenue
        );
    }
    let total: f64 = rows.iter().map(|r| r.revenue).sum();
    println!("total revenue: {total:.2}");
    Ok(())
}
