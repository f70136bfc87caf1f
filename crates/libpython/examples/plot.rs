//! A matplotlib figure of data computed in Rust, handed to numpy without a copy.
//!
//! ```text
//! cargo run --example plot -- [PNG]
//! ```
//!
//! Needs numpy and matplotlib in the Python found (the demo venv made by `cargo xtask demo`
//! has both). Saves the figure as a PNG, by default `target/plot/plot.png` of the workspace,
//! and prints `plot: <absolute path>` as its last line.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use libpython::array::RustArray;
use libpython::{Object, call_attr};

fn main() -> ExitCode {
    let png = match std::env::args_os().nth(1) {
        Some(p) => PathBuf::from(p),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/plot/plot.png"),
    };
    match run(&png) {
        Ok(path) => {
            println!("plot: {}", path.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("plot failed: {e}");
            ExitCode::FAILURE
        }
    }
}

/// A small deterministic pseudo-random generator (xorshift64*), so the example needs no
/// crates beyond libpython.
struct Rng(u64);

impl Rng {
    /// A uniform sample in `[0, 1)`.
    fn next_f64(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn run(png: &Path) -> Result<PathBuf, Box<dyn std::error::Error>> {
    // 1. The data, computed in Rust: a Lissajous curve, and 20,000 samples of the sum of 12
    //    uniform numbers minus 6 (close to a standard normal distribution).
    let n = 2_000;
    let t: Vec<f64> = (0..n)
        .map(|i| 2.0 * std::f64::consts::PI * i as f64 / (n - 1) as f64)
        .collect();
    let x: Vec<f64> = t
        .iter()
        .map(|&t| (3.0 * t + std::f64::consts::FRAC_PI_2).sin())
        .collect();
    let y: Vec<f64> = t.iter().map(|&t| (4.0 * t).sin()).collect();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let samples: Vec<f64> = (0..20_000)
        .map(|_| (0..12).map(|_| rng.next_f64()).sum::<f64>() - 6.0)
        .collect();
    let mean = samples.iter().sum::<f64>() / samples.len() as f64;

    // 2. Move the vectors into Python without copying them: each becomes a `RustArray`, and
    //    `to_numpy` gives a numpy array viewing the Rust memory. The vectors are freed (in
    //    Rust) once Python no longer uses them.
    let x = RustArray::from_vec(x)?.to_numpy()?;
    let y = RustArray::from_vec(y)?.to_numpy()?;
    let samples = RustArray::from_vec(samples)?.to_numpy()?;
    println!(
        "x, y: numpy arrays of shape {} and dtype {}, viewing Rust memory",
        x.getattr("shape")?,
        x.getattr("dtype")?
    );
    println!(
        "samples: {} values, mean {mean:+.4} (computed in Rust)",
        samples.len()?
    );

    // 3. Draw with the file-only `Agg` backend (chosen before pyplot is imported).
    libpython::import("matplotlib")?.call_method("use", ("Agg",))?;
    let plt = libpython::import("matplotlib.pyplot")?;
    let (fig, axes): (Object, Vec<Object>) =
        call_attr!(plt, "subplots", 1, 2, figsize = (10.0, 4.5))?.extract()?;
    let (left, right) = (&axes[0], &axes[1]);

    call_attr!(
        left,
        "plot",
        &x,
        &y,
        color = "tab:purple",
        linewidth = 1.5,
        label = "x = sin(3t + π/2), y = sin(4t)"
    )?;
    left.call_method("set_xlabel", ("x",))?;
    left.call_method("set_ylabel", ("y",))?;
    left.call_method(
        "set_title",
        ("Lissajous curve (Rust data, zero-copy numpy view)",),
    )?;
    left.call_method("set_aspect", ("equal",))?;
    call_attr!(
        left,
        "legend",
        loc = "upper center",
        bbox_to_anchor = (0.5, -0.12),
        fontsize = 8
    )?;

    call_attr!(
        right,
        "hist",
        &samples,
        bins = 60,
        density = true,
        color = "tab:green",
        alpha = 0.7,
        label = "Rust samples"
    )?;
    // The normal density for comparison, computed by numpy this time.
    let np = libpython::import("numpy")?;
    let grid = call_attr!(np, "linspace", -4.0, 4.0, 200)?;
    let scope = libpython::Dict::from_pairs([("np", &np), ("x", &grid)])?;
    let pdf = libpython::eval_with("np.exp(-x**2 / 2) / np.sqrt(2 * np.pi)", &scope, None)?;
    call_attr!(
        right,
        "plot",
        &grid,
        &pdf,
        color = "black",
        label = "normal density"
    )?;
    call_attr!(
        right,
        "axvline",
        mean,
        color = "tab:red",
        linestyle = "--",
        label = format!("mean {mean:+.3}")
    )?;
    right.call_method("set_xlabel", ("value",))?;
    right.call_method("set_ylabel", ("density",))?;
    right.call_method("set_title", ("Sum of 12 uniforms − 6",))?;
    right.call_method("legend", ())?;

    fig.call_method("tight_layout", ())?;
    if let Some(dir) = png.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    fig.call_method("savefig", (png,))?;
    plt.call_method("close", (&fig,))?;
    Ok(std::fs::canonicalize(png)
        .map_err(|e| format!("matplotlib did not write {}: {e}", png.display()))?)
}
