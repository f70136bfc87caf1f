//! The declaration list covers CPython's Stable ABI.

use std::collections::BTreeSet;

use libpython_tests::workspace_root;

/// (functions, data) of the Stable ABI list, without Windows-only and ABI-only entries.
fn listed() -> (BTreeSet<String>, BTreeSet<String>) {
    let text = std::fs::read_to_string(workspace_root().join("tests/data/stable-abi-3.13.tsv"))
        .expect("the list");
    let (mut f, mut d) = (BTreeSet::new(), BTreeSet::new());
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let cols: Vec<&str> = line.split('\t').collect();
        let (kind, name, only_if, abi_only) = (
            cols[0],
            cols[1],
            cols.get(3).copied().unwrap_or(""),
            cols.get(4).copied().unwrap_or(""),
        );
        if only_if == "MS_WINDOWS" || !abi_only.is_empty() {
            continue;
        }
        match kind {
            "function" => f.insert(name.to_owned()),
            "data" => d.insert(name.to_owned()),
            other => panic!("unknown kind {other}"),
        };
    }
    (f, d)
}

#[test]
fn declarations_cover_the_stable_abi() {
    let (functions, data) = listed();
    assert_eq!(
        (functions.len(), data.len()),
        (705, 132),
        "the list changed"
    );
    let declared_f: BTreeSet<&str> = libpython_ffi::FUNCTIONS.iter().map(|s| s.name).collect();
    let declared_d: BTreeSet<&str> = libpython_ffi::DATA.iter().map(|s| s.name).collect();
    let missing_f: Vec<&String> = functions
        .iter()
        .filter(|n| !declared_f.contains(n.as_str()))
        .collect();
    let missing_d: Vec<&String> = data
        .iter()
        .filter(|n| !declared_d.contains(n.as_str()))
        .collect();
    let pf = 100.0 * (functions.len() - missing_f.len()) as f64 / functions.len() as f64;
    let pd = 100.0 * (data.len() - missing_d.len()) as f64 / data.len() as f64;
    println!(
        "coverage: functions {}/{} ({pf:.1}%), data {}/{} ({pd:.1}%); declared in all: {} functions, {} data symbols",
        functions.len() - missing_f.len(),
        functions.len(),
        data.len() - missing_d.len(),
        data.len(),
        declared_f.len(),
        declared_d.len()
    );
    println!("not declared: {missing_f:?} {missing_d:?}");
    assert!(pf >= 95.0, "function coverage {pf:.1}% is below 95%");
    assert!(pd >= 95.0, "data coverage {pd:.1}% is below 95%");
}

#[test]
fn every_declaration_has_a_doc_page() {
    for s in libpython_ffi::FUNCTIONS.iter().chain(libpython_ffi::DATA) {
        assert!(
            !s.page.is_empty() && s.page.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
            "{s:?}"
        );
    }
}

#[test]
fn the_vectorcall_family_and_start_up_route_are_declared() {
    let names: BTreeSet<&str> = libpython_ffi::FUNCTIONS.iter().map(|s| s.name).collect();
    for n in [
        "PyObject_Vectorcall",
        "PyObject_VectorcallDict",
        "PyObject_VectorcallMethod",
        "PyVectorcall_Call",
        "PyRun_StringFlags",
        "PyRun_SimpleStringFlags",
        "Py_NewInterpreterFromConfig",
        "Py_SetProgramName",
        "PyInitConfig_Create",
        "Py_InitializeFromInitConfig",
        "PyGILState_Ensure",
        "PyThreadState_New",
        "PyInterpreterState_Main",
    ] {
        assert!(names.contains(n), "{n} is not declared");
    }
    let optional = |n: &str| {
        libpython_ffi::FUNCTIONS
            .iter()
            .find(|s| s.name == n)
            .unwrap()
            .optional
    };
    assert!(
        optional("PyObject_Vectorcall"),
        "3.9 and 3.10 do not export PyObject_Vectorcall"
    );
    assert!(optional("Py_NewInterpreterFromConfig"), "3.12+ only");
    assert!(!optional("PyObject_GetAttr"));
    let variadic = |n: &str| {
        libpython_ffi::FUNCTIONS
            .iter()
            .find(|s| s.name == n)
            .unwrap()
            .variadic
    };
    assert!(
        variadic("PyErr_Format") && variadic("Py_BuildValue") && variadic("PyUnicode_FromFormat")
    );
}

#[test]
fn declarations_outside_the_stable_abi_are_optional() {
    // Only the stable ABI promises that a symbol stays exported; anything else may go in any
    // version, so a library lacking it must still load.
    let text = std::fs::read_to_string(workspace_root().join("tests/data/stable-abi-3.13.tsv"))
        .expect("the list");
    let stable: BTreeSet<&str> = text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split('\t').nth(1))
        .collect();
    let required_outside: Vec<&str> = libpython_ffi::FUNCTIONS
        .iter()
        .chain(libpython_ffi::DATA)
        .filter(|s| !s.optional && !stable.contains(s.name))
        .map(|s| s.name)
        .collect();
    assert!(
        required_outside.is_empty(),
        "required but not in the stable ABI: {required_outside:?}"
    );
    assert!(
        libpython_ffi::FUNCTIONS
            .iter()
            .any(|s| s.name == "PyRun_StringFlags" && s.optional)
    );
}
