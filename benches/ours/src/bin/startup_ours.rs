//! Start-up through the public API, as a user writes it: start Python, import numpy, exit.
//! Run once per measured start-up by the `startup_import_numpy` case.
//!
//! Usage: `startup-ours` (discovery: `LIBPYTHON_PYTHON`, the active venv, `PATH`), or
//! `startup-ours --library LIBPYTHON --program-name EXE` (no discovery: the library and the
//! venv's interpreter named explicitly).

fn main() -> libpython::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [] => libpython::initialize()?,
        [l, lib, p, exe] if l == "--library" && p == "--program-name" => libpython::Builder::new()
            .library(lib)
            .program_name(exe)
            .initialize()?,
        _ => {
            eprintln!("usage: startup-ours [--library LIBPYTHON --program-name EXE]");
            std::process::exit(2);
        }
    }
    libpython::import("numpy")?;
    Ok(())
}
