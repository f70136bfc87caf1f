//! Versions this library does not know, and symbols a version lacks.
//!
//! A newer Python cannot be installed on the machines this suite runs on, so the unknown-version
//! path is exercised with a stand-in: a small shared library that exports its own
//! `Py_GetVersion` (reporting 3.16.0, or 4.0.0) and takes every other symbol from the Python
//! under test, which it names as a dependency. Loading it is loading "Python 3.16" as far as
//! the version is concerned; what runs is the real interpreter underneath.

use std::ffi::CStr;
use std::path::{Path, PathBuf};
use std::process::Command;

use libpython_ffi as ffi;
use libpython_interp::discovery::{Request, discover, which};
use libpython_tests::{Captured, assert_child_passes, is_child, pyenv};
use tempfile::TempDir;

const LIB_ENV: &str = "LIBPYTHON_TEST_LIBRARY";

/// Builds a library reporting `version` from `Py_GetVersion` and resolving everything else from
/// `real` (a libpython), in `dir`.
fn version_shim(dir: &Path, real: &Path, version: &str) -> PathBuf {
    let cc = which("cc").expect("a C compiler `cc` on PATH (the Rust toolchain links with it)");
    let src = dir.join("shim.c");
    std::fs::write(
        &src,
        format!(
            "const char *Py_GetVersion(void) {{ return \"{version} (a stand-in reporting a version number over an older CPython)\"; }}\n"
        ),
    )
    .unwrap();
    let out = dir.join(format!("libpython-shim-{version}.so"));
    let libdir = real.parent().expect("the library's directory");
    let status = Command::new(cc)
        .args(["-shared", "-fPIC", "-o"])
        .arg(&out)
        .arg(&src)
        .arg("-Wl,--no-as-needed")
        .arg(real)
        .arg(format!("-Wl,-rpath,{}", libdir.display()))
        .status()
        .expect("cc runs");
    assert!(status.success(), "cc could not build the version stand-in");
    out
}

/// The library of the Python under test.
fn library_under_test() -> PathBuf {
    discover(&Request::default())
        .unwrap_or_else(|e| panic!("the Python under test is not found: {e}"))
        .library
}

#[test]
fn an_unknown_newer_version_loads_warns_and_runs_on_exported_functions_only() {
    if is_child() {
        return unknown_version_worker(&std::env::var(LIB_ENV).expect("the child gets a library"));
    }
    let dir = TempDir::new().unwrap();
    let shim = version_shim(dir.path(), &library_under_test(), "3.16.0");
    let out = assert_child_passes(
        "versions::an_unknown_newer_version_loads_warns_and_runs_on_exported_functions_only",
        &[(LIB_ENV, shim.to_str().unwrap())],
    );
    assert!(out.contains("unknown version ok: 3.16.0"), "{out}");
}

fn unknown_version_worker(shim: &str) {
    let warnings = Captured::default();
    let writer = warnings.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::WARN)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let lib = tracing::subscriber::with_default(subscriber, || ffi::load(shim))
        .expect("the stand-in loads");
    let v = lib.version();
    assert_eq!((v.major, v.minor, v.micro), (3, 16, 0));
    assert!(!lib.is_known_version() && !v.is_known());
    let text = warnings.text();
    assert!(
        text.contains("WARN")
            && text.contains("3.16.0")
            && text.contains("newer than the newest version libpython knows (3.15.0)"),
        "no warning about the unknown version: {text:?}"
    );

    // What needs a layout this version may have changed is withheld, with a reason.
    assert!(ffi::api().Py_NewInterpreterFromConfig.is_none());
    assert_eq!(lib.has("Py_NewInterpreterFromConfig"), Some(false));
    let e = lib
        .check("Py_NewInterpreterFromConfig")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("not used with Python 3.16.0") && e.contains("PyInterpreterConfig"),
        "{e}"
    );
    assert_eq!(lib.has("PyObject_GetAttr"), Some(true));
    assert_eq!(lib.has("NoSuchFunction"), None);

    // SAFETY: the library is loaded; this thread initialises Python, holds the GIL until it
    // finalises, and releases every reference it takes.
    unsafe {
        ffi::Py_InitializeEx(0);
        let header = ffi::init_object_layout();
        assert!(header == 16 || header == 32, "object header {header}");
        assert_eq!(
            ffi::seq_layout(),
            None,
            "lists and tuples are not read in place on an unknown version"
        );
        assert_eq!(
            ffi::long_layout(),
            None,
            "ints are not read in place on an unknown version"
        );

        let globals = ffi::PyDict_New();
        let builtins = ffi::PyImport_ImportModule(c"builtins".as_ptr());
        assert_eq!(
            ffi::PyDict_SetItemString(globals, c"__builtins__".as_ptr(), builtins),
            0
        );
        let r = ffi::PyRun_StringFlags(
            c"[str(i) for i in range(10)] + [sum(range(10))]".as_ptr(),
            ffi::Py_eval_input,
            globals,
            globals,
            std::ptr::null_mut(),
        );
        assert!(!r.is_null(), "the expression failed");
        assert!(ffi::PyList_Check(r) && ffi::Py_IS_TYPE(r, ffi::data::PyList_Type()));
        assert_eq!(ffi::PyList_GET_SIZE(r), 11);
        let last = ffi::PyList_GET_ITEM(r, 10);
        assert_eq!(ffi::PyLong_AsLong(last), 45);
        let first = ffi::PyList_GET_ITEM(r, 0);
        ffi::Py_INCREF(first);
        let mut n = 0;
        assert_eq!(
            CStr::from_ptr(ffi::PyUnicode_AsUTF8AndSize(first, &mut n))
                .to_str()
                .unwrap(),
            "0"
        );
        ffi::Py_DECREF(first);
        let t = ffi::PyTuple_New(1);
        ffi::Py_INCREF(last);
        ffi::PyTuple_SET_ITEM(t, 0, last);
        assert_eq!(ffi::PyTuple_GET_ITEM(t, 0), last);
        for o in [t, r, builtins, globals] {
            ffi::Py_DECREF(o);
        }
        assert_eq!(ffi::Py_FinalizeEx(), 0);
    }
    println!("unknown version ok: {v}");
}

#[test]
fn another_major_version_is_refused_by_name() {
    if is_child() {
        let shim = std::env::var(LIB_ENV).expect("the child gets a library");
        let e = ffi::load(&shim).unwrap_err();
        assert!(matches!(e, ffi::LoadError::Unsupported { .. }), "{e:?}");
        let text = e.to_string();
        assert!(
            text.contains(&shim)
                && text.contains("Python 4.0.0 is not supported")
                && text.contains("major"),
            "{text}"
        );
        assert!(ffi::library().is_none(), "nothing was loaded");
        return;
    }
    let dir = TempDir::new().unwrap();
    let shim = version_shim(dir.path(), &library_under_test(), "4.0.0");
    assert_child_passes(
        "versions::another_major_version_is_refused_by_name",
        &[(LIB_ENV, shim.to_str().unwrap())],
    );
}

#[test]
fn calling_a_function_the_loaded_version_lacks_names_it_and_the_version() {
    if is_child() {
        let lib = ffi::load(std::env::var(LIB_ENV).unwrap()).expect("3.9 loads");
        assert!(lib.is_known_version());
        let e = lib.check("PyObject_Vectorcall").unwrap_err().to_string();
        assert!(
            e.starts_with("PyObject_Vectorcall is not exported by the loaded libpython 3.9."),
            "{e}"
        );
        // A retired function that 3.9 still exports is usable there.
        assert!(lib.check("Py_GetPath").is_ok() && lib.check("Py_SetProgramName").is_ok());
        // Calling through the table's free function reports the same message.
        let panic = std::panic::catch_unwind(|| {
            // SAFETY: the function is missing, so the call panics before reaching C.
            unsafe {
                ffi::PyObject_Vectorcall(
                    std::ptr::null_mut(),
                    std::ptr::null(),
                    0,
                    std::ptr::null_mut(),
                )
            }
        })
        .unwrap_err();
        let msg = panic.downcast_ref::<String>().cloned().unwrap_or_default();
        assert_eq!(msg, e);
        return;
    }
    let found = discover(&Request::default().executable(pyenv("3.9"))).expect("pyenv 3.9 is found");
    assert_child_passes(
        "versions::calling_a_function_the_loaded_version_lacks_names_it_and_the_version",
        &[(LIB_ENV, found.library.to_str().unwrap())],
    );
}

#[test]
fn retired_and_withheld_symbols_are_declared_optional() {
    let declared = |name: &str| {
        libpython_ffi::FUNCTIONS
            .iter()
            .chain(libpython_ffi::DATA)
            .find(|s| s.name == name)
            .copied()
    };
    for r in ffi::RETIRED {
        let s = declared(r.name)
            .unwrap_or_else(|| panic!("{} is listed as retired but not declared", r.name));
        assert!(
            s.optional,
            "{} is retired ({:?} in {:?}) but required: a library lacking it would not load",
            r.name, r.change, r.version
        );
    }
    for (name, _) in ffi::retired::WITHHELD_WHEN_UNKNOWN {
        assert!(
            declared(name).is_some_and(|s| s.optional),
            "{name} is withheld but not an optional declaration"
        );
    }
    assert!(
        ffi::RETIRED.len() >= 20,
        "the list lost entries: {}",
        ffi::RETIRED.len()
    );
}
