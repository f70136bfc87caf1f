//! A user's own crate, outside this workspace, depending on `libpython` (or only on
//! `libpython-ffi`) by a path dependency: it builds with no Python on the machine, no
//! `.cargo/config.toml` and no environment variable, its binary names no libpython among its
//! `NEEDED` libraries, a later build under another `PATH` (with a Python on it), `VIRTUAL_ENV`
//! and `CONDA_PREFIX` recompiles nothing, and the binary runs against the Python under test.
//!
//! The scratch crates are written to a temporary directory and share one target directory that
//! outlives the run ([`target_dir`]), so only the first run compiles their dependencies. Nothing is skipped: a missing C linker or Python under
//! test fails the test.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

use libpython_interp::discovery::{Request, discover, which};
use libpython_tests::{needed_libraries, workspace_root};
use tempfile::TempDir;

/// The cargo running this suite (the toolchain's own binary, next to its `rustc`).
fn cargo() -> PathBuf {
    std::env::var_os("CARGO")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO")))
}

/// A `PATH` holding the Rust toolchain and the C linker (`cc`) and nothing else: no Python.
struct BuildPath {
    /// Holds the `cc` link; removed on drop.
    _tools: TempDir,
    path: OsString,
}

fn build_path() -> BuildPath {
    let toolchain = cargo().parent().expect("cargo's directory").to_owned();
    let cc = which("cc").expect("a C linker `cc` on PATH (the Rust toolchain links with it)");
    let tools = tempfile::tempdir().expect("a temporary directory");
    std::os::unix::fs::symlink(&cc, tools.path().join("cc")).expect("a link to cc");
    let dirs = [toolchain, tools.path().to_owned()];
    for d in &dirs {
        for e in std::fs::read_dir(d)
            .unwrap_or_else(|e| panic!("{}: {e}", d.display()))
            .flatten()
        {
            let name = e.file_name().to_string_lossy().into_owned();
            assert!(
                !name.starts_with("python"),
                "the build PATH must hold no Python, but {} has {name}",
                d.display()
            );
        }
    }
    let path = std::env::join_paths(&dirs).expect("a PATH");
    BuildPath {
        _tools: tools,
        path,
    }
}

/// `cargo ARGS --offline` in the crate at `dir`, with nothing from this process's environment
/// but `HOME` and cargo's and rustup's own locations, plus `path` as `PATH` and `extra`.
fn cargo_in(dir: &Path, args: &[&str], path: &OsString, extra: &[(&str, OsString)]) -> Output {
    let mut cmd = Command::new(cargo());
    cmd.args(args).arg("--offline").current_dir(dir).env_clear();
    for var in ["HOME", "CARGO_HOME", "RUSTUP_HOME", "RUSTUP_TOOLCHAIN"] {
        if let Some(v) = std::env::var_os(var) {
            cmd.env(var, v);
        }
    }
    cmd.env("PATH", path).env("CARGO_TARGET_DIR", target_dir());
    for (k, v) in extra {
        cmd.env(k, v);
    }
    cmd.output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", cargo().display()))
}

/// The target directory the scratch crates share: `downstream-target` in the cache directory
/// `cargo xtask` uses (it names it in `LIBPYTHON_CACHE` for everything it runs), else in the
/// directory cargo gives integration tests for their files (`target/tmp`).
fn target_dir() -> PathBuf {
    std::env::var_os("LIBPYTHON_CACHE")
        .map_or_else(|| PathBuf::from(env!("CARGO_TARGET_TMPDIR")), PathBuf::from)
        .join("downstream-target")
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Writes a scratch crate named `name` depending on `dependency` (a crate of this checkout,
/// by path) with `main` as its `src/main.rs`. The workspace's lock file is copied in, so the
/// scratch crate uses the versions the suite was built with.
fn scratch_crate(name: &str, dependency: &str, main: &str) -> TempDir {
    let dir = tempfile::Builder::new()
        .prefix("libpython-downstream-")
        .tempdir()
        .expect("a temporary directory");
    let crate_path = workspace_root().join("crates").join(match dependency {
        "libpython" => "libpython",
        "libpython-ffi" => "ffi",
        other => panic!("no crate {other} in this checkout"),
    });
    let manifest = format!(
        "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2024\"\npublish = false\n\n\
         [dependencies]\n{dependency} = {{ path = {:?} }}\n\n[workspace]\n",
        crate_path.to_str().expect("a UTF-8 checkout path")
    );
    std::fs::write(dir.path().join("Cargo.toml"), manifest).unwrap();
    std::fs::copy(
        workspace_root().join("Cargo.lock"),
        dir.path().join("Cargo.lock"),
    )
    .unwrap();
    std::fs::create_dir(dir.path().join("src")).unwrap();
    std::fs::write(dir.path().join("src/main.rs"), main).unwrap();
    dir
}

/// Builds the scratch crate with no Python on `PATH`, checks its binary, and checks that a
/// second build with a Python on `PATH` and `VIRTUAL_ENV` / `CONDA_PREFIX` set finds
/// everything fresh. Returns the binary.
fn build_without_python(dir: &Path, name: &str) -> PathBuf {
    let path = build_path();
    let started = Instant::now();
    let out = cargo_in(dir, &["build"], &path.path, &[]);
    let elapsed = started.elapsed();
    assert!(
        out.status.success(),
        "the scratch crate {name} did not build with no Python on PATH:\n{}",
        text(&out)
    );
    println!(
        "scratch crate {name} built with no Python on PATH in {:.1} s",
        elapsed.as_secs_f64()
    );

    let bin = target_dir().join("debug").join(name);
    let needed = needed_libraries(&bin).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        needed.iter().any(|n| n.starts_with("libc.so")),
        "{}: no libc among NEEDED {needed:?}",
        bin.display()
    );
    assert!(
        !needed.iter().any(|n| n.starts_with("libpython")),
        "{} links libpython: NEEDED {needed:?}",
        bin.display()
    );

    // The same build under another PATH, one with the Python under test on it, and with an
    // active virtual environment and conda environment: nothing may be rebuilt.
    let python = discover(&Request::default())
        .ok()
        .and_then(|f| f.info)
        .map(|i| i.executable);
    let python_dir = python
        .as_deref()
        .and_then(Path::parent)
        .map(Path::to_owned)
        .unwrap_or_else(|| PathBuf::from("/usr/bin"));
    let other_path =
        std::env::join_paths(std::iter::once(python_dir).chain(std::env::split_paths(&path.path)))
            .unwrap();
    let envs = tempfile::tempdir().unwrap();
    let extra = [
        ("VIRTUAL_ENV", envs.path().join("venv").into_os_string()),
        ("CONDA_PREFIX", envs.path().join("conda").into_os_string()),
    ];
    let out = cargo_in(dir, &["build", "-v"], &other_path, &extra);
    let log = text(&out);
    assert!(out.status.success(), "the second build failed:\n{log}");
    let rebuilt: Vec<&str> = log
        .lines()
        .map(str::trim_start)
        .filter(|l| {
            l.starts_with("Compiling") || l.starts_with("Dirty") || l.starts_with("Running")
        })
        .collect();
    assert!(
        rebuilt.is_empty(),
        "a change of PATH, VIRTUAL_ENV and CONDA_PREFIX rebuilt: {rebuilt:#?}\n{log}"
    );
    assert!(
        log.lines()
            .any(|l| l.trim_start().starts_with("Fresh libpython-ffi")),
        "cargo -v did not report the dependencies fresh:\n{log}"
    );
    assert!(
        log.lines().any(|l| l.trim_start().starts_with("Finished")),
        "{log}"
    );
    bin
}

/// Runs `bin` with this process's environment (so with the Python under test) and `args`;
/// asserts success and returns its standard output.
fn run(bin: &Path, args: &[&std::ffi::OsStr]) -> String {
    let out = Command::new(bin)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", bin.display()));
    assert!(
        out.status.success(),
        "{} failed: {}\n{}",
        bin.display(),
        out.status,
        text(&out)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The version of the Python under test, as `X.Y.Z`.
fn python_under_test_version() -> String {
    let found = discover(&Request::default())
        .unwrap_or_else(|e| panic!("the Python under test is not found: {e}"));
    let info = found.info.expect("discovery probed the Python under test");
    format!(
        "{}.{}.{}",
        info.version.major, info.version.minor, info.version.micro
    )
}

const APP_MAIN: &str = r#"fn main() -> libpython::Result<()> {
    let r = libpython::run_simple_string("import sys\nx = sum(range(10))\nv = '%d.%d.%d' % sys.version_info[:3]")?;
    let x: i64 = r.globals.get_as("x")?.expect("x is set");
    let v: String = r.globals.get_as("v")?.expect("v is set");
    println!("x={x} python={v}");
    Ok(())
}
"#;

#[test]
fn a_crate_depending_on_libpython_builds_without_python_and_runs() {
    let dir = scratch_crate("libpython-downstream-app", "libpython", APP_MAIN);
    let bin = build_without_python(dir.path(), "libpython-downstream-app");
    let out = run(&bin, &[]);
    let want = format!("x=45 python={}", python_under_test_version());
    assert!(
        out.lines().any(|l| l == want),
        "expected {want:?}, got:\n{out}"
    );

    // The public crates' documentation builds with no Python either (as on docs.rs).
    let path = build_path();
    let args = [
        "doc",
        "--no-deps",
        "-p",
        "libpython",
        "-p",
        "libpython-interp",
        "-p",
        "libpython-ffi",
    ];
    let out = cargo_in(dir.path(), &args, &path.path, &[]);
    assert!(
        out.status.success(),
        "cargo doc failed with no Python on PATH:\n{}",
        text(&out)
    );
    for krate in ["libpython", "libpython_interp", "libpython_ffi"] {
        let index = target_dir().join("doc").join(krate).join("index.html");
        assert!(index.is_file(), "cargo doc wrote no {}", index.display());
    }
}

const FFI_APP_MAIN: &str = r#"use libpython_ffi as ffi;

fn main() {
    let path = std::env::args_os().nth(1).expect("usage: libpython-downstream-ffi LIBPYTHON");
    let lib = match ffi::load(&path) {
        Ok(lib) => lib,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    // SAFETY: the library is loaded; this thread initialises Python and holds the GIL until it
    // finalises; every new reference is released.
    unsafe {
        ffi::Py_InitializeEx(0);
        let globals = ffi::PyDict_New();
        let builtins = ffi::PyImport_ImportModule(c"builtins".as_ptr());
        assert_eq!(ffi::PyDict_SetItemString(globals, c"__builtins__".as_ptr(), builtins), 0);
        let r = ffi::PyRun_StringFlags(c"sum(range(10))".as_ptr(), ffi::Py_eval_input, globals, globals, std::ptr::null_mut());
        assert!(!r.is_null(), "the expression failed");
        let x = ffi::PyLong_AsLong(r);
        for o in [r, builtins, globals] {
            ffi::Py_DecRef(o);
        }
        assert_eq!(ffi::Py_FinalizeEx(), 0);
        println!("x={x} python={}", lib.version());
    }
}
"#;

#[test]
fn a_crate_depending_only_on_libpython_ffi_builds_without_python_and_runs() {
    let dir = scratch_crate("libpython-downstream-ffi", "libpython-ffi", FFI_APP_MAIN);
    let bin = build_without_python(dir.path(), "libpython-downstream-ffi");
    let found = discover(&Request::default())
        .unwrap_or_else(|e| panic!("the Python under test is not found: {e}"));
    let out = run(&bin, &[found.library.as_os_str()]);
    let want = format!("x=45 python={}", python_under_test_version());
    assert!(
        out.lines().any(|l| l == want),
        "expected {want:?}, got:\n{out}"
    );
}
