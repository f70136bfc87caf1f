//! Nothing the workspace builds links libpython.

use std::path::Path;

use libpython_tests::needed_libraries;

fn is_elf(p: &Path) -> bool {
    use std::io::Read;
    let mut magic = [0u8; 4];
    std::fs::File::open(p)
        .and_then(|mut f| f.read_exact(&mut magic))
        .is_ok()
        && magic == *b"\x7fELF"
}

fn needed(p: &Path) -> Vec<String> {
    needed_libraries(p).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn no_built_binary_needs_libpython() {
    let exe = std::env::current_exe().unwrap();
    // target/<profile>/deps/all-HASH: check everything under target/<profile>.
    let profile_dir = exe.parent().unwrap().parent().unwrap();
    let mut checked = 0;
    let mut offenders = Vec::new();
    for dir in ["deps", "examples", "."] {
        let Ok(entries) = std::fs::read_dir(profile_dir.join(dir)) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            let is_candidate =
                p.is_file() && (name.ends_with(".so") || !name.contains('.')) && is_elf(&p);
            if !is_candidate {
                continue;
            }
            checked += 1;
            if needed(&p).iter().any(|n| n.starts_with("libpython")) {
                offenders.push(p);
            }
        }
    }
    assert!(
        checked > 0,
        "no binary found under {}",
        profile_dir.display()
    );
    assert!(
        needed(&exe).iter().any(|n| n.starts_with("libc")),
        "no NEEDED entry read at all from {}",
        exe.display()
    );
    println!("checked {checked} binaries for NEEDED libpython");
    assert!(
        offenders.is_empty(),
        "these binaries link libpython: {offenders:?}"
    );
}

#[test]
fn needed_libraries_refuses_a_file_that_is_not_elf() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("not-elf");
    std::fs::write(&p, b"#!/bin/sh\n").unwrap();
    let e = needed_libraries(&p).unwrap_err();
    assert!(
        e.contains("not-elf") && e.contains("not a 64-bit ELF file"),
        "{e}"
    );
    let e = needed_libraries(&dir.path().join("missing")).unwrap_err();
    assert!(e.contains("missing") && e.contains("cannot read"), "{e}");
}
