//! Finds (or takes) a Python, loads it, starts it, and reports what it sees from inside.
//!
//! ```text
//! cargo run --example doctor -- [--python EXE | --library LIB]
//! ```
//!
//! Exits 0 when Python started and answered; 1 with the error and every step tried
//! otherwise.

use std::process::ExitCode;

use libpython::interp::discovery::{self, Request};

fn main() -> ExitCode {
    let mut request = Request::default();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match (a.as_str(), args.next()) {
            ("--python", Some(exe)) => request = request.executable(exe),
            ("--library", Some(lib)) => request = request.library(lib),
            _ => {
                eprintln!("usage: doctor [--python EXE | --library LIB]");
                return ExitCode::from(2);
            }
        }
    }
    match run(request) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            println!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(request: Request) -> Result<(), Box<dyn std::error::Error>> {
    println!("discovery:");
    let found = discovery::discover(&request)?;
    for attempt in &found.tried {
        println!("  - {attempt}");
    }
    println!("  = {}: {}", found.source, found.library.display());
    if let Some(p) = &found.program_name {
        println!("    program name: {}", p.display());
    }
    let mut b = libpython::Builder::new().library(&found.library);
    if let Some(p) = &found.program_name {
        b = b.program_name(p);
    }
    b.initialize()?;
    let lib = libpython::ffi::library().expect("loaded by initialize");
    println!(
        "loaded: {} (Python {})",
        lib.path().display(),
        lib.version()
    );
    let report = libpython::attach(|py| {
        let sys = py.import("sys")?;
        let sysconfig = py.import("sysconfig")?;
        let gil_disabled: Option<i64> = sysconfig
            .call_method("get_config_var", ("Py_GIL_DISABLED",))?
            .extract()?;
        let build = if gil_disabled == Some(1) {
            "free-threaded"
        } else if sys.hasattr("gettotalrefcount")? {
            "debug"
        } else {
            "release"
        };
        let numpy = match py.import("numpy") {
            Ok(np) => format!("yes ({})", np.getattr("__version__")?.str()?),
            Err(e) => format!(
                "no ({})",
                e.as_python()
                    .map(|p| p.message().to_owned())
                    .unwrap_or_else(|| e.to_string())
            ),
        };
        Ok(vec![
            (
                "sys.version",
                sys.getattr("version")?.str()?.replace('\n', " "),
            ),
            ("build", build.to_owned()),
            ("library", lib.path().display().to_string()),
            ("sys.prefix", sys.getattr("prefix")?.str()?),
            ("sys.base_prefix", sys.getattr("base_prefix")?.str()?),
            ("sys.executable", sys.getattr("executable")?.str()?),
            ("numpy", numpy),
        ])
    })?;
    println!("inside the interpreter:");
    for (k, v) in report {
        println!("  {k:16} {v}");
    }
    Ok(())
}
