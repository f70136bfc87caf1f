//! sys.stdout and sys.stderr into Rust writers.

use libpython_tests::{Captured, assert_child_passes, is_child};

#[test]
fn stdout_and_stderr_go_to_rust_writers() {
    if is_child() {
        let (out, err) = (Captured::default(), Captured::default());
        libpython::set_stdout(out.clone()).unwrap();
        libpython::set_stderr(err.clone()).unwrap();
        libpython::run_simple_string("import sys\nprint('to out', 1)\nprint('to err', file=sys.stderr)\nsys.stdout.write('é😀\\n')\nsys.stdout.flush()\natty = sys.stdout.isatty()\nenc = sys.stdout.encoding").unwrap();
        assert_eq!(out.text(), "to out 1\né😀\n");
        assert_eq!(err.text(), "to err\n");
        assert!(out.flushes() >= 1, "flush reached the Rust writer");
        let g = libpython::module_dict(&libpython::add_module("__main__").unwrap()).unwrap();
        assert_eq!(g.get_as::<bool>("atty").unwrap(), Some(false));
        assert_eq!(g.get_as::<String>("enc").unwrap().as_deref(), Some("utf-8"));
        // Tracebacks printed by Python go to stderr.
        libpython::run_simple_string(
            "import traceback\ntry:\n    1/0\nexcept Exception:\n    traceback.print_exc()",
        )
        .unwrap();
        assert!(err.text().contains("ZeroDivisionError"), "{}", err.text());
        // Writing a non-str is a TypeError, as for a real text stream.
        let e = libpython::run_simple_string("sys.stdout.write(b'x')").unwrap_err();
        assert_eq!(e.as_python().unwrap().type_name(), "TypeError");
        return;
    }
    assert_child_passes("api_output::stdout_and_stderr_go_to_rust_writers", &[]);
}

#[test]
fn by_default_output_goes_through_rust_s_own_stdout() {
    if is_child() {
        libpython::run_simple_string(
            "import sys\nprint('through rust stdout')\nname = type(sys.stdout.buffer).__name__",
        )
        .unwrap();
        let g = libpython::module_dict(&libpython::add_module("__main__").unwrap()).unwrap();
        assert_eq!(
            g.get_as::<String>("name").unwrap().as_deref(),
            Some("RustStream")
        );
        return;
    }
    let out = assert_child_passes(
        "api_output::by_default_output_goes_through_rust_s_own_stdout",
        &[],
    );
    assert!(out.contains("through rust stdout"), "{out}");
}

#[test]
fn io_redirection_can_be_turned_off_at_start_up() {
    if is_child() {
        libpython::Builder::new()
            .no_io_redirect()
            .initialize()
            .unwrap();
        let name: String = libpython::eval("type(__import__('sys').stdout).__name__")
            .unwrap()
            .extract()
            .unwrap();
        assert_eq!(name, "TextIOWrapper");
        return;
    }
    assert_child_passes(
        "api_output::io_redirection_can_be_turned_off_at_start_up",
        &[],
    );
}

#[test]
fn sub_interpreters_get_their_own_rust_backed_streams() {
    if is_child() {
        libpython::initialize().unwrap();
        let sub = libpython::Interpreter::new(libpython::SubConfig::shared_gil()).unwrap();
        let name: String = libpython::with_interpreter(&sub, || {
            libpython::eval("type(__import__('sys').stdout.buffer).__name__")
                .unwrap()
                .extract()
                .unwrap()
        })
        .unwrap();
        assert_eq!(name, "RustStream");
        sub.end().unwrap();
        return;
    }
    assert_child_passes(
        "api_output::sub_interpreters_get_their_own_rust_backed_streams",
        &[],
    );
}

/// A writer of `sys.stdout` whose first write runs Python that waits for a thread that prints.
struct WaitsForAPrinter {
    out: Captured,
    first: bool,
}

impl std::io::Write for WaitsForAPrinter {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        if std::mem::take(&mut self.first) {
            libpython::run_simple_string(
                "import threading\nt = threading.Thread(target=lambda: print('from the thread'))\nt.start()\nt.join(20)\nprinter_alive = t.is_alive()",
            )
            .unwrap();
        }
        self.out.write(b)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

#[test]
fn a_writer_that_waits_for_another_thread_that_prints_is_not_waited_for() {
    if is_child() {
        // The printing thread finds the writer busy: its bytes are written by the thread
        // using it, after its own, and it does not wait.
        let out = Captured::default();
        libpython::set_stdout(WaitsForAPrinter {
            out: out.clone(),
            first: true,
        })
        .unwrap();
        libpython::run_simple_string("print('first')").unwrap();
        let g = libpython::module_dict(&libpython::add_module("__main__").unwrap()).unwrap();
        assert_eq!(g.get_as::<bool>("printer_alive").unwrap(), Some(false));
        let text = out.text();
        assert!(text.starts_with("first"), "{text}");
        assert!(text.contains("from the thread\n"), "{text}");
        return;
    }
    assert_child_passes(
        "api_output::a_writer_that_waits_for_another_thread_that_prints_is_not_waited_for",
        &[],
    );
}
