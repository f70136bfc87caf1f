//! The free-threaded Python of the matrix: CPython 3.13 built with `--disable-gil` from the
//! upstream source of Debian's trixie `python3.13` package (the `.orig` tarball, which apt
//! checks against the release's signed index; Debian's own patches are not applied, so the
//! result is a plain upstream build), installed under the cache directory and reused.

use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::util::{cache_dir, fmt_duration, python_output, step};

/// The Debian release whose source package is built.
pub const SUITE: &str = "trixie";
/// The source package.
pub const PACKAGE: &str = "python3.13";
/// The interpreter the build installs, under `<prefix>/bin`.
pub const EXECUTABLE: &str = "python3.13t";
/// `./configure` options besides `--prefix` and the rpath. The test modules (`_testcapi`, ...)
/// are kept: the suite uses them.
pub const CONFIGURE: &[&str] = &["--enable-shared", "--disable-gil", "--with-ensurepip=no"];

/// Standard-library modules the build must have (pip needs `ssl` and `zlib`), with the Debian
/// package whose absence at build time leaves each out.
pub(crate) const REQUIRED_MODULES: &[(&str, &str)] = &[
    ("ssl", "libssl-dev"),
    ("zlib", "zlib1g-dev"),
    ("ctypes", "libffi-dev"),
    ("bz2", "libbz2-dev"),
    ("lzma", "liblzma-dev"),
];

/// Where the build is installed.
pub fn prefix() -> PathBuf {
    cache_dir().join("python3.13t")
}

/// The installed interpreter, built first if it is not there yet (a few minutes on two cores).
pub fn ensure() -> Result<PathBuf, String> {
    let prefix = prefix();
    let python = prefix.join("bin").join(EXECUTABLE);
    let stamp = prefix.join(".libpython-build");
    let want = format!("{PACKAGE} ({SUITE}) {}", CONFIGURE.join(" "));
    if python.exists()
        && std::fs::read_to_string(&stamp).is_ok_and(|s| s == want)
        && verify(&python).is_ok()
    {
        step(&format!(
            "reusing the free-threaded build {}",
            python.display()
        ));
        return Ok(python);
    }
    let t0 = Instant::now();
    step(&format!(
        "building a free-threaded CPython from Debian {SUITE}'s {PACKAGE} source into {} (first time only)",
        prefix.display()
    ));
    let work = cache_dir().join("build").join("python3.13t");
    let downloads = work.join("downloads");
    let files = crate::apt::download_source(PACKAGE, SUITE, &work.join("apt"), &downloads)?;
    let orig = files
        .iter()
        .find(|f| {
            f.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.contains(".orig.tar."))
        })
        .ok_or_else(|| format!("no .orig.tar.* among the downloaded files {files:?}"))?;
    step(&format!("unpacking {}", orig.display()));
    let log = crate::cpython_build::build(orig, &work, &prefix, CONFIGURE)?;
    verify(&python)?;
    std::fs::write(&stamp, &want).map_err(|e| format!("cannot write {}: {e}", stamp.display()))?;
    step(&format!(
        "built {} in {} (log: {})",
        python.display(),
        fmt_duration(t0.elapsed()),
        log.display()
    ));
    Ok(python)
}

/// Checks that the build runs, is free-threaded with the GIL off, and has the modules pip
/// and the tests need.
fn verify(python: &Path) -> Result<(), String> {
    let out = python_output(
        python,
        "import sys, sysconfig; print(sysconfig.get_config_var('Py_GIL_DISABLED'), sys._is_gil_enabled())",
    )?;
    if out != "1 False" {
        return Err(format!(
            "{} is not free-threaded (Py_GIL_DISABLED, GIL enabled = {out})",
            python.display()
        ));
    }
    let mut missing = Vec::new();
    for (module, package) in REQUIRED_MODULES {
        if python_output(python, &format!("import {module}")).is_err() {
            missing.push(format!("{module} (install {package} and build again)"));
        }
    }
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{} was built without {}",
            python.display(),
            missing.join(", ")
        ))
    }
}
