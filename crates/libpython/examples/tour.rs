//! A tour of libpython: the walk-through of libpython-clj's README, done from Rust, step by step.
//!
//! ```text
//! cargo xtask demo                      # makes the demo venv once, then runs this
//! cargo run --example tour -- [PNG]     # with a Python that has numpy and matplotlib
//! ```
//!
//! Each step prints what it does and what Python answered. The last step draws a figure
//! from data computed in Rust and saves it as a PNG (by default `target/tour/tour.png` of the
//! workspace, or the path given as first argument); the last line printed is always
//! `plot: <absolute path of the PNG>`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use libpython::array::PyBufferMut;
use libpython::{Object, call, call_attr, from_import};

fn main() -> ExitCode {
    let png = match std::env::args_os().nth(1) {
        Some(p) => PathBuf::from(p),
        None => workspace_target().join("tour").join("tour.png"),
    };
    match tour(&png) {
        Ok(path) => {
            println!("plot: {}", path.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("tour failed: {e}");
            eprintln!("(the tour needs numpy and matplotlib: run it with `cargo xtask demo`)");
            ExitCode::FAILURE
        }
    }
}

/// The workspace's `target/` directory.
fn workspace_target() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target")
}

/// Prints a step's heading.
fn step(n: u32, title: &str) {
    println!("\n== {n}. {title}");
}

/// Prints a Rust-side result, labelled like a REPL answer.
fn show(label: &str, value: impl std::fmt::Display) {
    println!("   {label} => {value}");
}

fn tour(png: &Path) -> Result<PathBuf, Box<dyn std::error::Error>> {
    // Starting Python is optional: the first call does it. Doing it here reports discovery
    // errors before anything else and shows which Python was found.
    libpython::initialize()?;
    let version: String = libpython::eval("__import__('sys').version.split()[0]")?.extract()?;
    let prefix: String = libpython::eval("__import__('sys').prefix")?.extract()?;
    println!("libpython tour: Python {version} ({prefix})");

    step(
        1,
        "run some Python: its output goes through Rust's stdout, its globals come back as a live dict",
    );
    let r = libpython::run_simple_string("print('hey')")?;
    show("globals", &r.globals);

    step(
        2,
        "the globals are __main__'s dict itself: set a variable from Rust, read it from Python",
    );
    let main_globals = libpython::module_dict(&libpython::add_module("__main__")?)?;
    let keys: Vec<String> = main_globals
        .keys()?
        .iter()
        .map(|k| k.extract())
        .collect::<libpython::Result<_>>()?;
    show("keys", format!("{keys:?}"));
    show(
        "__name__",
        main_globals
            .get_as::<String>("__name__")?
            .unwrap_or_default(),
    );
    main_globals.insert("my_var", 200)?;
    libpython::run_simple_string("print('your variable is:' + str(my_var))")?;

    step(
        3,
        "call numpy from Rust: ones, len, copy into Rust, shape, attribute types",
    );
    let np = libpython::import("numpy")?;
    let ones: Object = np.call_method("ones", ((2, 3),))?;
    println!("{ones}");
    show("len", ones.len()?);
    let rows: Vec<Vec<f64>> = ones.extract()?;
    show("as Vec<Vec<f64>>", format!("{rows:?}"));
    show("shape", format!("{:?}", ones.getattr("shape")?));
    let shape: Vec<usize> = ones.getattr("shape")?.extract()?;
    show("shape as Vec<usize>", format!("{shape:?}"));
    let types = ones.att_type_map()?;
    println!(
        "   att_type_map: {} attributes, a few of them:",
        types.len()
    );
    for name in [
        "T",
        "__abs__",
        "__array_interface__",
        "__array_struct__",
        "shape",
        "size",
        "sum",
    ] {
        if let Some(t) = types.get(name) {
            println!("     {name:22} {t}");
        }
    }

    step(
        4,
        "from numpy import linspace; linspace(2, 3, num=10), and its docstring",
    );
    from_import!(numpy: linspace);
    let xs = call!(linspace, 2, 3, num = 10)?;
    println!("{xs}");
    let v: Vec<f64> = xs.extract()?;
    show("as Vec<f64>", format!("{v:.4?}"));
    let doc = linspace.doc()?.unwrap_or_default();
    println!("   doc:");
    for line in doc.lines().filter(|l| !l.trim().is_empty()).take(3) {
        println!("     {}", line.trim());
    }

    step(
        5,
        "errors come back as Rust errors carrying Python's text verbatim",
    );
    match libpython::run_simple_string("print('syntax errrr") {
        Ok(_) => return Err("the syntax error was not reported".into()),
        Err(e) => {
            let kind = e
                .as_python()
                .map(|p| p.type_name().to_owned())
                .unwrap_or_default();
            println!("   error of type {kind}:");
            for line in e.to_string().lines() {
                println!("   | {line}");
            }
        }
    }

    step(
        6,
        "zero copy: write numpy's memory from Rust, print it from Python",
    );
    {
        // A mutable view of the array's own memory; no copy is made. While it lives no other
        // Rust view of this memory can be made.
        let mut view = PyBufferMut::<f64>::from_object(&ones)?;
        show("view shape", format!("{:?}", view.shape()));
        view.fill(5.0);
    }
    main_globals.insert("ones_ary", &ones)?;
    libpython::run_simple_string("print(ones_ary)")?;

    step(7, "a matplotlib figure of data computed in Rust");
    let path = plot(png)?;
    Ok(path)
}

/// Draws a damped sine computed in Rust (and its envelope) with matplotlib's `Agg` backend
/// and saves it as a PNG. Returns the PNG's absolute path.
fn plot(png: &Path) -> libpython::Result<PathBuf> {
    if let Some(dir) = png.parent() {
        std::fs::create_dir_all(dir).map_err(|e| {
            libpython::Error::conversion(format!("cannot create {}: {e}", dir.display()))
        })?;
    }
    // The data, in Rust.
    let n = 400;
    let t: Vec<f64> = (0..n).map(|i| 10.0 * i as f64 / (n - 1) as f64).collect();
    let y: Vec<f64> = t
        .iter()
        .map(|&t| (-0.3 * t).exp() * (2.0 * std::f64::consts::PI * 0.8 * t).cos())
        .collect();
    let envelope: Vec<f64> = t.iter().map(|&t| (-0.3 * t).exp()).collect();
    let below: Vec<f64> = envelope.iter().map(|e| -e).collect();
    println!("   computed {n} points of exp(-0.3 t) cos(2 pi 0.8 t) in Rust");

    // A backend that draws to files only: no display needed. It must be chosen before
    // pyplot is imported.
    let matplotlib = libpython::import("matplotlib")?;
    matplotlib.call_method("use", ("Agg",))?;
    let plt = libpython::import("matplotlib.pyplot")?;

    let (fig, ax): (Object, Object) =
        call_attr!(plt, "subplots", figsize = (8.0, 4.5), dpi = 100)?.extract()?;
    call_attr!(
        ax,
        "plot",
        &t,
        &y,
        label = "exp(-0.3 t) cos(2π·0.8 t)",
        linewidth = 2.0
    )?;
    call_attr!(
        ax,
        "plot",
        &t,
        &envelope,
        "--",
        color = "gray",
        label = "envelope ±exp(-0.3 t)"
    )?;
    call_attr!(ax, "plot", &t, &below, "--", color = "gray")?;
    ax.call_method("set_xlabel", ("time t [s]",))?;
    ax.call_method("set_ylabel", ("amplitude",))?;
    ax.call_method(
        "set_title",
        ("A damped oscillation computed in Rust, drawn by matplotlib",),
    )?;
    call_attr!(ax, "legend", loc = "upper right")?;
    call_attr!(ax, "grid", true, alpha = 0.3)?;
    fig.call_method("tight_layout", ())?;
    fig.call_method("savefig", (png,))?;
    plt.call_method("close", (&fig,))?;

    let path = std::fs::canonicalize(png).map_err(|e| {
        libpython::Error::conversion(format!("matplotlib did not write {}: {e}", png.display()))
    })?;
    println!(
        "   saved a {}-byte PNG",
        std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0)
    );
    Ok(path)
}
