//! Finding Python: the order of the steps, venvs, conda, PATH, and every refusal.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use libpython_interp::discovery::{BuildKind, DiscoveryError, Request, discover, probe};
use libpython_tests::{assert_child_passes, is_child, pyenv};

fn env(pairs: &[(&str, &Path)]) -> Vec<(String, OsString)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.as_os_str().to_owned()))
        .collect()
}

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("libpython-tests-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A directory holding `bin/python` (and `python3`) linked to a real interpreter.
fn fake_prefix(name: &str, target: &Path) -> PathBuf {
    let d = temp_dir(name);
    std::fs::create_dir_all(d.join("bin")).unwrap();
    std::os::unix::fs::symlink(target, d.join("bin/python")).unwrap();
    std::os::unix::fs::symlink(target, d.join("bin/python3")).unwrap();
    d
}

fn venv(name: &str, base: &Path) -> PathBuf {
    let d = temp_dir(name);
    let st = std::process::Command::new(base)
        .args(["-m", "venv", "--without-pip"])
        .arg(d.join("v"))
        .status()
        .unwrap();
    assert!(st.success());
    d.join("v")
}

#[test]
fn an_explicit_executable_is_probed() {
    let exe = pyenv("3.12");
    let found = discover(&Request::default().executable(&exe)).unwrap();
    assert_eq!(found.source, "explicit executable");
    let info = found.info.unwrap();
    assert_eq!((info.version.major, info.version.minor), (3, 12));
    assert_eq!(info.build, BuildKind::Release);
    assert!(info.shared);
    assert!(
        found.library.ends_with("libpython3.12.so.1.0"),
        "{:?}",
        found.library
    );
    assert!(found.library.exists());
    assert_eq!(
        found.program_name.as_deref(),
        Some(info.sys_executable.as_path())
    );
}

#[test]
fn an_explicit_library_finds_its_interpreter_beside_it() {
    let lib = discover(&Request::default().executable(pyenv("3.10")))
        .unwrap()
        .library;
    let found = discover(&Request::default().library(&lib).environment([])).unwrap();
    assert_eq!(found.source, "explicit library");
    assert_eq!(found.library, lib);
    let name = found
        .program_name
        .expect("python3.10 lives in the prefix's bin/");
    assert!(name.ends_with("bin/python3.10"), "{name:?}");
}

#[test]
fn the_explicit_choice_wins_over_the_environment() {
    let v = venv("order", &pyenv("3.11"));
    let found = discover(
        &Request::default()
            .executable(pyenv("3.9"))
            .environment(env(&[("VIRTUAL_ENV", &v)])),
    )
    .unwrap();
    assert_eq!(found.source, "explicit executable");
    assert!(found.library.ends_with("libpython3.9.so.1.0"));
}

#[test]
fn environment_variables_name_a_library_or_an_executable() {
    let lib = discover(&Request::default().executable(pyenv("3.13")))
        .unwrap()
        .library;
    let f = discover(&Request::default().environment(env(&[("LIBPYTHON_LIBRARY", &lib)]))).unwrap();
    assert_eq!(
        (f.source, f.library.clone()),
        ("LIBPYTHON_LIBRARY", lib.clone())
    );
    let f = discover(&Request::default().environment(env(&[("LIBPYTHON_PYTHON", &pyenv("3.13"))])))
        .unwrap();
    assert_eq!((f.source, f.library.clone()), ("LIBPYTHON_PYTHON", lib));
    // The library variable comes first.
    let lib9 = discover(&Request::default().executable(pyenv("3.9")))
        .unwrap()
        .library;
    let f = discover(&Request::default().environment(env(&[
        ("LIBPYTHON_LIBRARY", &lib9),
        ("LIBPYTHON_PYTHON", &pyenv("3.13")),
    ])))
    .unwrap();
    assert_eq!(f.library, lib9);
}

#[test]
fn an_active_venv_loads_its_base_library_with_the_venv_as_program() {
    let v = venv("venv", &pyenv("3.11"));
    let f = discover(&Request::default().environment(env(&[
        ("VIRTUAL_ENV", &v),
        ("PATH", Path::new("/nonexistent")),
    ])))
    .unwrap();
    assert_eq!(f.source, "VIRTUAL_ENV");
    assert!(f.library.ends_with("libpython3.11.so.1.0"));
    let info = f.info.unwrap();
    assert!(info.is_venv());
    assert_eq!(info.prefix, v);
    assert_eq!(
        f.program_name.unwrap(),
        v.join("bin/python"),
        "the venv's python is the program name"
    );
    let tried: Vec<&str> = f.tried.iter().map(|a| a.source).collect();
    assert_eq!(tried, ["LIBPYTHON_LIBRARY", "LIBPYTHON_PYTHON"]);
}

#[test]
fn an_active_conda_env_is_used() {
    let c = fake_prefix("conda", &pyenv("3.12"));
    let f = discover(&Request::default().environment(env(&[("CONDA_PREFIX", &c)]))).unwrap();
    assert_eq!(f.source, "CONDA_PREFIX");
    assert!(f.library.ends_with("libpython3.12.so.1.0"));
}

#[test]
fn path_is_searched_for_python3_then_python() {
    let d = fake_prefix("path", &pyenv("3.10"));
    std::fs::remove_file(d.join("bin/python3")).unwrap();
    let f = discover(&Request::default().environment(env(&[("PATH", &d.join("bin"))]))).unwrap();
    assert_eq!(f.source, "PATH python");
    assert!(f.library.ends_with("libpython3.10.so.1.0"));
    let tried: Vec<String> = f.tried.iter().map(|a| a.to_string()).collect();
    assert!(
        tried.iter().any(|t| t == "PATH python3: not on PATH"),
        "{tried:?}"
    );
}

#[test]
fn python_2_and_3_8_are_refused_naming_3_9() {
    for (exe, v) in [(pyenv("2.7"), "2.7"), (pyenv("3.8"), "3.8")] {
        let e = discover(&Request::default().executable(&exe)).unwrap_err();
        assert!(matches!(e, DiscoveryError::Unsupported { .. }), "{e:?}");
        let msg = e.to_string();
        assert!(
            msg.contains(&format!("Python {v}")) && msg.contains("3.9 or newer"),
            "{msg}"
        );
    }
    let lib = std::path::PathBuf::from("/tmp/libpython3.8.so.1.0");
    let _ = std::fs::write(&lib, b"not really");
    let e = discover(&Request::default().library(&lib)).unwrap_err();
    assert!(e.to_string().contains("3.9 or newer"), "{e}");
}

#[test]
fn an_interpreter_without_a_shared_library_is_refused_with_advice() {
    let d = temp_dir("static");
    let exe = d.join("python3");
    std::fs::write(
        &exe,
        "#!/bin/sh\nprintf 'version=3.12.1\\nexecutable=%s\\nprefix=/opt/py\\nbase_prefix=/opt/py\\nlibdir=/opt/py/lib\\ninstsoname=\\nldlibrary=libpython3.12.a\\nmultiarch=\\nlibpl=\\nenable_shared=0\\ngil_disabled=\\ndebug=0\\n' \"$0\"\n",
    )
    .unwrap();
    std::fs::set_permissions(&exe, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let e = discover(&Request::default().executable(&exe)).unwrap_err();
    assert!(matches!(e, DiscoveryError::NoSharedLibrary { .. }), "{e:?}");
    let msg = e.to_string();
    assert!(
        msg.contains("--enable-shared") && msg.contains(&exe.display().to_string()),
        "{msg}"
    );
}

#[test]
fn missing_paths_are_named() {
    let e = discover(&Request::default().executable("/no/such/python3")).unwrap_err();
    assert!(
        e.to_string().contains("/no/such/python3") && e.to_string().contains("does not exist"),
        "{e}"
    );
    let e = discover(&Request::default().library("/no/such/libpython3.12.so")).unwrap_err();
    assert!(e.to_string().contains("/no/such/libpython3.12.so"), "{e}");
    let e = discover(
        &Request::default().environment(env(&[("VIRTUAL_ENV", Path::new("/no/such/venv"))])),
    )
    .unwrap_err();
    assert!(
        e.to_string().contains("/no/such/venv/bin/python") && e.to_string().contains("VIRTUAL_ENV"),
        "{e}"
    );
}

#[test]
fn something_that_is_not_python_is_refused() {
    let e = discover(&Request::default().executable("/bin/false")).unwrap_err();
    assert!(matches!(e, DiscoveryError::NotPython { .. }), "{e:?}");
    assert!(e.to_string().contains("/bin/false"), "{e}");
}

#[test]
fn nothing_found_lists_every_place_tried_in_order() {
    let e = discover(&Request::default().environment(env(&[("PATH", Path::new("/nonexistent"))])))
        .unwrap_err();
    assert!(matches!(e, DiscoveryError::NothingFound { .. }));
    let tried: Vec<&str> = e.tried().iter().map(|a| a.source).collect();
    assert_eq!(
        tried,
        [
            "LIBPYTHON_LIBRARY",
            "LIBPYTHON_PYTHON",
            "VIRTUAL_ENV",
            "CONDA_PREFIX",
            "PATH python3",
            "PATH python"
        ]
    );
    let msg = e.to_string();
    assert!(
        msg.contains("no Python found") && msg.contains("PATH python3: not on PATH"),
        "{msg}"
    );
}

#[test]
fn the_probe_reports_prefixes_and_build() {
    let info = probe(&pyenv("3.13")).unwrap();
    assert_eq!(info.prefix, info.base_prefix);
    assert!(!info.is_venv());
    assert!(info.libdir.is_some());
    assert_eq!(info.build, BuildKind::Release);
}

#[test]
fn a_venv_starts_with_the_venv_as_prefix_and_a_real_executable() {
    const VENV: &str = "LIBPYTHON_TEST_VENV";
    if is_child() {
        let v = std::env::var(VENV).unwrap();
        libpython::Builder::new()
            .executable(format!("{v}/bin/python"))
            .initialize()
            .unwrap();
        let (prefix, base, exe): (String, String, String) = libpython::eval(
            "__import__('sys').prefix, __import__('sys').base_prefix, __import__('sys').executable",
        )
        .unwrap()
        .extract()
        .unwrap();
        assert_eq!(prefix, v);
        assert_ne!(base, v);
        assert_eq!(exe, format!("{v}/bin/python"));
        // Not the test binary: multiprocessing would re-run it.
        assert!(!exe.contains("deps/all-"));
        return;
    }
    let v = venv("startvenv", &pyenv("3.12"));
    assert_child_passes(
        "discovery::a_venv_starts_with_the_venv_as_prefix_and_a_real_executable",
        &[(VENV, v.to_str().unwrap())],
    );
}

#[test]
fn start_up_installs_no_signal_handlers_and_releases_the_gil() {
    if is_child() {
        // SAFETY: reading the current SIGINT disposition into a zeroed struct.
        let before = unsafe {
            let mut old: libc_sigaction = std::mem::zeroed();
            sigaction(2, std::ptr::null(), &mut old);
            old.handler
        };
        libpython::initialize().unwrap();
        // SAFETY: as above.
        let after = unsafe {
            let mut old: libc_sigaction = std::mem::zeroed();
            sigaction(2, std::ptr::null(), &mut old);
            old.handler
        };
        assert_eq!(before, after, "Python replaced the SIGINT handler");
        // The GIL is free: another thread takes it while this one holds nothing.
        let t = std::thread::spawn(|| libpython::eval("1 + 1").unwrap().extract::<i64>().unwrap());
        assert_eq!(t.join().unwrap(), 2);
        return;
    }
    assert_child_passes(
        "discovery::start_up_installs_no_signal_handlers_and_releases_the_gil",
        &[],
    );
}

#[repr(C)]
struct libc_sigaction {
    handler: usize,
    mask: [u64; 16],
    flags: i32,
    restorer: usize,
}

unsafe extern "C" {
    fn sigaction(sig: i32, act: *const libc_sigaction, old: *mut libc_sigaction) -> i32;
}

#[test]
fn asking_for_another_python_once_one_runs_is_an_error_naming_both() {
    use libpython::Builder;
    use libpython::interp::Error as InterpError;
    if !is_child() {
        assert_child_passes(
            "discovery::asking_for_another_python_once_one_runs_is_an_error_naming_both",
            &[],
        );
        return;
    }
    libpython_tests::python();
    let s = libpython::interp::started().unwrap();
    let lib = s.found.library.clone();
    let exe = s
        .found
        .info
        .as_ref()
        .expect("the suite starts Python from an executable (LIBPYTHON_PYTHON)")
        .executable
        .clone();
    let other_exe = pyenv(if s.version.minor == 9 { "3.10" } else { "3.9" });
    let other_lib = discover(&Request::default().executable(&other_exe))
        .unwrap()
        .library;
    let refused = |b: Builder, names: &[&Path]| {
        let e = b.initialize().unwrap_err();
        assert!(
            matches!(
                e.kind(),
                libpython::ErrorKind::Interp(InterpError::OtherPythonRunning { .. })
            ),
            "{e:?}"
        );
        let msg = e.to_string();
        for n in names {
            assert!(
                msg.contains(n.to_str().unwrap()),
                "{msg:?} does not name {n:?}"
            );
        }
        assert_eq!(
            libpython::eval("6 * 7").unwrap().extract::<i64>().unwrap(),
            42,
            "Python still runs"
        );
    };

    // Nothing in particular, or the running Python by any of its names: Ok.
    libpython::initialize().unwrap();
    Builder::new().library(&lib).initialize().unwrap();
    Builder::new().executable(&exe).initialize().unwrap();
    let sibling = exe.with_file_name(if exe.file_name().unwrap() == "python" {
        "python3"
    } else {
        "python"
    });
    assert!(sibling.exists(), "{sibling:?}");
    Builder::new().executable(&sibling).initialize().unwrap();

    // Another Python: refused, naming what was asked for and what runs.
    refused(Builder::new().executable(&other_exe), &[&other_exe, &lib]);
    refused(Builder::new().library(&other_lib), &[&other_lib, &lib]);
    refused(
        Builder::new().library(&lib).executable(&other_exe),
        &[&other_exe, &lib],
    );
    refused(
        Builder::new().executable("/nonexistent/bin/python"),
        &[Path::new("/nonexistent/bin/python"), &lib],
    );
    // The same library under another prefix: a venv's base interpreter is another Python than
    // the venv (its packages differ), the venv's interpreter the same as itself.
    let base = std::fs::canonicalize(&exe).unwrap();
    if s.found.info.as_ref().unwrap().is_venv() {
        refused(Builder::new().executable(&base), &[&base, &lib]);
    } else {
        Builder::new().executable(&base).initialize().unwrap();
    }

    // After finalizing, the process still has its libpython: a restart asking for another is
    // refused, one asking for nothing in particular starts the same one again.
    libpython::finalize().unwrap();
    let e = Builder::new()
        .executable(&other_exe)
        .initialize()
        .unwrap_err();
    assert!(
        matches!(
            e.kind(),
            libpython::ErrorKind::Interp(InterpError::OtherPythonRunning { .. })
        ),
        "{e:?}"
    );
    assert!(!libpython::interp::is_running());
    Builder::new().initialize().unwrap();
    assert_eq!(
        libpython::eval("6 * 7").unwrap().extract::<i64>().unwrap(),
        42
    );
}

#[test]
fn probe_answers_are_cached_under_a_stamp_of_the_interpreter() {
    const NAME: &str = "discovery::probe_answers_are_cached_under_a_stamp_of_the_interpreter";
    if !is_child() {
        let cache = temp_dir("probe-cache");
        assert_child_passes(NAME, &[("XDG_CACHE_HOME", cache.to_str().unwrap())]);
        return;
    }
    let exe = pyenv("3.11");
    let dir = PathBuf::from(std::env::var_os("XDG_CACHE_HOME").unwrap()).join("libpython/probes");
    let first = probe(&exe).unwrap();
    let files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let file = &files[0];
    let text = std::fs::read_to_string(file).unwrap();
    let (stamp, answer) = text.split_once('\n').unwrap();
    assert!(stamp.contains(&exe.display().to_string()), "{stamp}");
    assert!(answer.contains("version=3.11."), "{answer}");
    // The next probe reads the cache: an edited answer comes back as it is.
    let edited = answer.replace("version=3.11.", "version=3.99.");
    std::fs::write(file, format!("{stamp}\n{edited}")).unwrap();
    assert_eq!(probe(&exe).unwrap().version.minor, 99);
    // A stamp that no longer matches (the interpreter file or the venv's configuration
    // changed) means a new probe, whose answer replaces the entry.
    std::fs::write(file, format!("{stamp}-changed\n{edited}")).unwrap();
    assert_eq!(probe(&exe).unwrap().version, first.version);
    assert!(
        std::fs::read_to_string(file)
            .unwrap()
            .starts_with(&format!("{stamp}\n"))
    );
}
