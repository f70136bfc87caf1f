//! The `pyrun` example (built on `libpython::PythonMain`) against the `python` command of the
//! Python under test: the same command lines, run by both, give the same standard output,
//! standard error and exit status (or the same terminating signal).
//!
//! As for the other examples, the binary is built by `cargo test --workspace` (see
//! `examples.rs`).

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::Duration;

use libpython_tests::{scratch_dir, wait_for_output};

use crate::examples::example_binary;

/// The `python` command of the Python under test: `LIBPYTHON_PYTHON` if set (as under
/// `cargo xtask test`), else the one discovery finds (as `pyrun` itself would).
fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("LIBPYTHON_PYTHON") {
        return p.into();
    }
    let found =
        libpython_interp::discovery::discover(&Default::default()).expect("a Python is found");
    found.info.expect("discovery ran an interpreter").executable
}

/// How a process ended and what it wrote.
#[derive(Debug, PartialEq, Eq)]
struct Outcome {
    /// The exit code, or the terminating signal as `signal N`.
    status: String,
    stdout: String,
    stderr: String,
}

fn status_text(s: ExitStatus) -> String {
    match (s.code(), s.signal()) {
        (Some(c), _) => format!("exit {c}"),
        (None, Some(sig)) => format!("signal {sig}"),
        _ => format!("{s}"),
    }
}

/// Replaces what legitimately differs between the two runs: the programs' paths (python names
/// itself in "can't open file" messages, pyrun too) and object addresses.
fn normalise(text: &str) -> String {
    let mut text = text.to_owned();
    for program in [python(), example_binary("pyrun")] {
        text = text.replace(&*program.to_string_lossy(), "<program>");
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(i) = rest.find("0x") {
        out.push_str(&rest[..i + 2]);
        rest = rest[i + 2..].trim_start_matches(|c: char| c.is_ascii_hexdigit());
        out.push('…');
    }
    out.push_str(rest);
    out
}

fn start(program: &Path, args: &[&str], dir: &Path, stdin: bool) -> Child {
    let mut cmd = Command::new(program);
    libpython_tests::default_sigint(&mut cmd);
    cmd.args(args)
        .current_dir(dir)
        .env_remove("PYTHONUNBUFFERED")
        .stdin(if stdin { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", program.display()))
}

/// Waits at most 120 s for `child`, killing it after that.
fn finish(child: Child, program: &Path) -> Outcome {
    let out = wait_for_output(child, Some(Duration::from_secs(120)));
    let Some(status) = out.status else {
        panic!("{} ran longer than 120 s", program.display());
    };
    Outcome {
        status: status_text(status),
        stdout: normalise(&out.stdout),
        stderr: normalise(&out.stderr),
    }
}

/// Runs `args` with `input` on stdin under both programs and asserts the same outcome;
/// returns it.
fn same_as_python(name: &str, args: &[&str], input: &str, files: &[(&str, &str)]) -> Outcome {
    let scratch = scratch_dir(&format!("pyrun-{name}"));
    for (file, text) in files {
        std::fs::write(scratch.path().join(file), text).unwrap();
    }
    let run = |program: &Path| {
        let mut child = start(program, args, scratch.path(), true);
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(input.as_bytes()).unwrap();
        drop(stdin);
        finish(child, program)
    };
    let python = run(&python());
    let ours = run(&example_binary("pyrun"));
    assert_eq!(
        ours, python,
        "case {name}: pyrun {args:?} differs from python (left: pyrun, right: python)"
    );
    ours
}

#[test]
fn runs_code_with_arguments_and_prints_as_python() {
    let o = same_as_python(
        "code",
        &[
            "-c",
            "import sys\nprint('hello', 'é😀', sys.argv, flush=True)\nsys.stdout.buffer.write(b'bytes\\n')\nprint('to err', file=sys.stderr)\nsys.stderr.write('odd \\udcff\\n')",
            "a",
            "b c",
        ],
        "",
        &[],
    );
    assert_eq!(o.status, "exit 0");
    assert!(
        o.stdout.contains("hello é😀 ['-c', 'a', 'b c']\nbytes\n"),
        "{o:?}"
    );
    assert!(o.stderr.contains("to err\nodd \\udcff\n"), "{o:?}");
}

#[test]
fn system_exit_and_uncaught_exceptions_end_as_in_python() {
    for (name, code, status) in [
        ("exit-3", "import sys; sys.exit(3)", "exit 3"),
        ("exit-none", "import sys; sys.exit()", "exit 0"),
        ("exit-message", "raise SystemExit('bye')", "exit 1"),
        ("exit-true", "raise SystemExit(True)", "exit 1"),
        ("uncaught", "def f():\n    return 1 / 0\nf()", "exit 1"),
        ("syntax", "print('unclosed", "exit 1"),
    ] {
        let o = same_as_python(name, &["-c", code], "", &[]);
        assert_eq!(o.status, status, "{name}: {o:?}");
    }
    let o = same_as_python(
        "traceback",
        &["-c", "def f():\n    return 1 / 0\nf()"],
        "",
        &[],
    );
    assert!(
        o.stderr.contains("line 2, in f\n")
            && o.stderr.ends_with("ZeroDivisionError: division by zero\n"),
        "{o:?}"
    );
}

#[test]
fn scripts_modules_and_stdin_programs_run_as_main() {
    let probe = "import os, sys\nprint(__name__, sys.argv[1:], sys.path[0] == os.getcwd() or sys.path[0])\nprint(os.path.relpath(__file__) if '__file__' in globals() else None, os.path.isabs(globals().get('__file__', '')))\n";
    let o = same_as_python("script", &["prog.py", "x", "y"], "", &[("prog.py", probe)]);
    assert_eq!(o.stdout, "__main__ ['x', 'y'] True\nprog.py True\n");
    let o = same_as_python(
        "module",
        &["-m", "hello_mod", "arg"],
        "",
        &[("hello_mod.py", probe)],
    );
    assert_eq!(o.stdout, "__main__ ['arg'] True\nhello_mod.py True\n");
    let o = same_as_python("package", &["-m", "pkg", "p"], "", &[]);
    assert_eq!(o.status, "exit 1", "no such module: {o:?}");
    let o = same_as_python("stdin-program", &["-", "s"], probe, &[]);
    assert!(o.stdout.starts_with("__main__ ['s'] "), "{o:?}");
    let o = same_as_python(
        "stdin-traceback",
        &["-"],
        "def f():\n    return 1 / 0\nf()\n",
        &[],
    );
    assert!(o.stderr.contains("File \"<stdin>\", line 2, in f"), "{o:?}");
    let o = same_as_python(
        "script-traceback",
        &["bad.py"],
        "",
        &[("bad.py", "def f():\n    return 1 / 0\nf()\n")],
    );
    assert!(
        o.stderr
            .contains("bad.py\", line 2, in f\n    return 1 / 0\n"),
        "{o:?}"
    );
    let o = same_as_python("missing-script", &["missing.py"], "", &[]);
    assert_eq!(o.status, "exit 2");
    assert!(
        o.stderr.contains("can't open file")
            && o.stderr.contains("[Errno 2] No such file or directory"),
        "{o:?}"
    );
    let o = same_as_python("directory", &["app", "d"], "", &[]);
    assert_eq!(o.status, "exit 2", "{o:?}");
    let scratch = scratch_dir("pyrun-directory-main");
    std::fs::create_dir_all(scratch.path().join("app")).unwrap();
    std::fs::write(
        scratch.path().join("app/__main__.py"),
        "import sys\nprint('app main', sys.argv[1:])\n",
    )
    .unwrap();
    let py = finish(
        start(&python(), &["app", "d"], scratch.path(), false),
        &python(),
    );
    let ours = finish(
        start(
            &example_binary("pyrun"),
            &["app", "d"],
            scratch.path(),
            false,
        ),
        &example_binary("pyrun"),
    );
    assert_eq!(ours, py);
    assert_eq!(ours.stdout, "app main ['d']\n");
}

#[test]
fn input_reads_stdin_as_in_python() {
    let o = same_as_python(
        "input",
        &[
            "-c",
            "print(input('name? '))\nimport sys\nprint(sys.stdin.readline(), end='')\nprint(repr(sys.stdin.read()))",
        ],
        "alice\nbob\nrest\n",
        &[],
    );
    assert_eq!(o.stdout, "name? alice\nbob\n'rest\\n'\n");
}

#[test]
fn threads_are_joined_and_atexit_runs_before_the_end() {
    let o = same_as_python(
        "threads-atexit",
        &[
            "-c",
            "import atexit, threading, time\natexit.register(print, 'at exit')\ndef late():\n    time.sleep(0.3)\n    print('thread done')\nthreading.Thread(target=late).start()\nprint('main done')",
        ],
        "",
        &[],
    );
    assert_eq!(o.stdout, "main done\nthread done\nat exit\n");
}

#[test]
fn keyboard_interrupt_ends_the_process_by_sigint_after_finally() {
    let o = same_as_python(
        "keyboard-interrupt",
        &["-c", "raise KeyboardInterrupt"],
        "",
        &[],
    );
    assert_eq!(o.status, "signal 2");
    assert!(o.stderr.ends_with("KeyboardInterrupt\n"), "{o:?}");
    let o = same_as_python(
        "sigint",
        &[
            "-c",
            "import atexit, os, signal, time\natexit.register(print, 'at exit')\ntry:\n    os.kill(os.getpid(), signal.SIGINT)\n    time.sleep(30)\nfinally:\n    print('finally ran')",
        ],
        "",
        &[],
    );
    assert_eq!(
        (o.status.as_str(), o.stdout.as_str()),
        ("signal 2", "finally ran\nat exit\n")
    );
}

#[test]
fn ctrl_c_while_waiting_for_input_raises_keyboard_interrupt() {
    let scratch = scratch_dir("pyrun-ctrl-c");
    let run = |program: &Path| {
        let mut child = start(
            program,
            &[
                "-c",
                "import sys\nprint('ready', file=sys.stderr, flush=True)\ntry:\n    input()\nfinally:\n    print('finally ran')",
            ],
            scratch.path(),
            true,
        );
        let stdin = child.stdin.take().unwrap();
        let mut err = BufReader::new(child.stderr.take().unwrap());
        let mut line = String::new();
        err.read_line(&mut line).unwrap();
        assert_eq!(line, "ready\n");
        std::thread::sleep(Duration::from_millis(200));
        Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .unwrap();
        child.stderr = None;
        let mut rest = String::new();
        let status = child.wait().unwrap();
        err.read_to_string(&mut rest).unwrap();
        let mut out = String::new();
        child
            .stdout
            .take()
            .unwrap()
            .read_to_string(&mut out)
            .unwrap();
        drop(stdin);
        (
            status_text(status),
            out,
            rest.lines().last().unwrap_or_default().to_owned(),
        )
    };
    let python = run(&python());
    let ours = run(&example_binary("pyrun"));
    assert_eq!(ours, python);
    assert_eq!(
        ours,
        (
            "signal 2".to_owned(),
            "finally ran\n".to_owned(),
            "KeyboardInterrupt".to_owned()
        )
    );
}

#[test]
fn a_failed_flush_at_shutdown_gives_status_120() {
    let o = same_as_python(
        "flush-120",
        &[
            "-c",
            "import sys\nclass W:\n    def write(self, s):\n        return len(s)\n    def flush(self):\n        raise OSError(5, 'flush failed')\nsys.stdout = W()",
        ],
        "",
        &[],
    );
    assert_eq!(o.status, "exit 120");
    assert!(
        o.stderr.contains("OSError: [Errno 5] flush failed"),
        "{o:?}"
    );
}

/// `program -c <print many lines> | head -1`: the reader goes away after one line.
fn into_head(program: &Path, dir: &Path) -> (String, String, String) {
    let mut child = start(
        program,
        &["-c", "for i in range(100000):\n    print(i)"],
        dir,
        false,
    );
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    let status = child.wait().unwrap();
    (status_text(status), first, normalise(&err))
}

#[test]
fn piped_into_a_reader_that_stops_it_ends_with_broken_pipe_error() {
    let scratch = scratch_dir("pyrun-head");
    let python = into_head(&python(), scratch.path());
    let ours = into_head(&example_binary("pyrun"), scratch.path());
    assert_eq!(ours, python);
    assert_eq!(ours.0, "exit 1");
    assert!(
        ours.2
            .ends_with("BrokenPipeError: [Errno 32] Broken pipe\n"),
        "{ours:?}"
    );
    assert!(
        !ours.2.contains("RustPanic") && !ours.2.contains("panicked"),
        "{ours:?}"
    );
}

#[test]
fn a_compile_replaced_at_start_up_is_refused_not_run() {
    // Code run at start-up can replace `builtins.compile`, which runs `-c`, scripts and
    // stdin: what it gives is run only if it is a code object.
    let scratch = scratch_dir("pyrun-compile-replaced");
    std::fs::write(
        scratch.path().join("sitecustomize.py"),
        "import builtins\nbuiltins.compile = lambda *a, **k: 42\n",
    )
    .unwrap();
    let program = example_binary("pyrun");
    let mut cmd = Command::new(&program);
    libpython_tests::default_sigint(&mut cmd);
    let child = cmd
        .args(["-c", "print('hi')"])
        .current_dir(scratch.path())
        .env("PYTHONPATH", scratch.path())
        .env_remove("PYTHONUNBUFFERED")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", program.display()));
    let o = finish(child, &program);
    assert_eq!(o.status, "exit 1", "{o:?}");
    assert!(o.stderr.contains("code object"), "{o:?}");
    assert!(!o.stdout.contains("hi"), "{o:?}");
}
