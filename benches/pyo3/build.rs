//! Gives the PyO3 binaries an rpath to the libpython they link, so they run without
//! `LD_LIBRARY_PATH` (and never pick up another Python's library of the same soname from the
//! system's directories).
//!
//! The interpreter comes from `PYO3_CONFIG_FILE`, which `cargo xtask bench` writes: the main
//! workspace's `.cargo/config.toml` sets `PYO3_NO_PYTHON` and `PYO3_BUILD_EXTENSION_MODULE` for
//! every build under it, and a PyO3 config file is how this package still gets a full,
//! linked build.

fn main() {
    println!("cargo:rerun-if-env-changed=PYO3_CONFIG_FILE");
    let Some(path) = std::env::var_os("PYO3_CONFIG_FILE") else {
        println!(
            "cargo:warning=PYO3_CONFIG_FILE is not set: build this package through `cargo xtask bench`, which writes it"
        );
        return;
    };
    println!(
        "cargo:rerun-if-changed={}",
        std::path::Path::new(&path).display()
    );
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    for line in text.lines() {
        if let Some(dir) = line.strip_prefix("lib_dir=") {
            println!("cargo:rustc-link-arg=-Wl,-rpath,{dir}");
        }
    }
}
