//! Python behaves as under `python`: its standard streams (text wrappers over Rust, in order
//! with Rust's output, errors as `OSError` with errno), stdin shared with Rust or read from a
//! Rust reader, signal handlers on request, `sys.argv`.

use std::io::{BufRead, Read, Write};

use libpython_tests::{Captured, ChildTest, assert_child_passes, is_child};

/// Runs `code` in `__main__` and returns `__main__`'s dict.
fn run(code: &str) -> libpython::Dict {
    libpython::run_simple_string(code)
        .unwrap_or_else(|e| panic!("{e}"))
        .globals
}

fn get<T: libpython::FromPython>(g: &libpython::Dict, name: &str) -> T {
    g.get_as::<T>(name)
        .unwrap()
        .unwrap_or_else(|| panic!("{name} is not set"))
}

#[test]
fn default_streams_are_text_wrappers_over_rust() {
    if is_child() {
        let g = run("import io, sys\n\
             out, err, inp = sys.stdout, sys.stderr, sys.stdin\n\
             kinds = [type(s).__name__ for s in (inp, out, err)]\n\
             same_as_dunder = out is sys.__stdout__ and err is sys.__stderr__ and inp is sys.__stdin__\n\
             fds = [s.fileno() for s in (inp, out, err)]\n\
             buffers = [type(inp.buffer).__name__, type(inp.buffer.raw).__name__, type(out.buffer).__name__]\n\
             modes = [inp.mode, out.mode, err.mode, out.buffer.mode]\n\
             names = [inp.name, out.name, err.name]\n\
             out_encoding, err_errors = out.encoding, err.errors\n\
             write_through = [out.write_through, err.write_through]\n\
             atty = out.isatty()\n\
             out.reconfigure(errors='replace')\n\
             reconfigured = out.errors\n\
             out.reconfigure(line_buffering=True)\n\
             line_buffering = out.line_buffering\n\
             n = out.buffer.write(memoryview(b'raw bytes through buffer\\n'))\n\
             out.flush()\n\
             try:\n\
             \x20   out.buffer.write('text')\n\
             except TypeError as e:\n\
             \x20   bad_write = type(e).__name__\n");
        assert_eq!(get::<Vec<String>>(&g, "kinds"), ["TextIOWrapper"; 3]);
        assert!(get::<bool>(&g, "same_as_dunder"));
        assert_eq!(get::<Vec<i64>>(&g, "fds"), [0, 1, 2]);
        assert_eq!(
            get::<Vec<String>>(&g, "buffers"),
            ["BufferedReader", "RustStream", "RustStream"]
        );
        assert_eq!(get::<Vec<String>>(&g, "modes"), ["r", "w", "w", "wb"]);
        assert_eq!(
            get::<Vec<String>>(&g, "names"),
            ["<stdin>", "<stdout>", "<stderr>"]
        );
        assert!(!get::<String>(&g, "out_encoding").is_empty());
        assert_eq!(get::<String>(&g, "err_errors"), "backslashreplace");
        assert_eq!(get::<Vec<bool>>(&g, "write_through"), [true, true]);
        assert!(!get::<bool>(&g, "atty"), "the child's stdout is a pipe");
        assert_eq!(get::<String>(&g, "reconfigured"), "replace");
        assert!(get::<bool>(&g, "line_buffering"));
        assert_eq!(get::<i64>(&g, "n"), 25);
        assert_eq!(get::<String>(&g, "bad_write"), "TypeError");
        return;
    }
    let out = assert_child_passes(
        "embedding::default_streams_are_text_wrappers_over_rust",
        &[],
    );
    assert!(out.contains("raw bytes through buffer\n"), "{out}");
}

#[test]
fn python_and_rust_output_stay_in_order() {
    if is_child() {
        libpython::initialize().unwrap();
        print!("[a");
        run("print('b')");
        println!("c");
        run("import sys\nsys.stdout.buffer.write(b'd\\n')\nsys.stdout.write('e')");
        println!("f]");
        std::io::stdout().flush().unwrap();
        return;
    }
    let out = assert_child_passes("embedding::python_and_rust_output_stay_in_order", &[]);
    assert!(
        out.contains("[ab\nc\nd\nef]\n"),
        "Python's and Rust's writes are out of order:\n{out}"
    );
}

#[test]
fn custom_writers_get_the_same_text_wrapper() {
    if is_child() {
        let out = Captured::default();
        libpython::set_stdout(out.clone()).unwrap();
        let g = run("import io, sys\n\
             kind = type(sys.stdout).__name__\n\
             enc = sys.stdout.encoding\n\
             sys.stdout.buffer.write(b'bytes ')\n\
             print('and text', 'é😀')\n\
             try:\n\
             \x20   sys.stdout.fileno()\n\
             except io.UnsupportedOperation as e:\n\
             \x20   no_fd = str(e)\n\
             atty = sys.stdout.isatty()\n\
             dunder_untouched = sys.__stdout__ is not sys.stdout\n");
        assert_eq!(get::<String>(&g, "kind"), "TextIOWrapper");
        assert_eq!(get::<String>(&g, "enc"), "utf-8");
        assert_eq!(out.text(), "bytes and text é😀\n");
        assert!(get::<String>(&g, "no_fd").contains("without a file descriptor"));
        assert!(!get::<bool>(&g, "atty"));
        assert!(get::<bool>(&g, "dunder_untouched"));
        return;
    }
    assert_child_passes("embedding::custom_writers_get_the_same_text_wrapper", &[]);
}

/// A writer whose writes or flushes fail with the error `make` gives.
struct Failing {
    make: fn() -> std::io::Error,
    fail_writes: bool,
}

impl Write for Failing {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        if self.fail_writes {
            Err((self.make)())
        } else {
            Ok(b.len())
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Err((self.make)())
    }
}

#[test]
fn failing_writes_and_flushes_raise_oserror_with_errno() {
    if is_child() {
        let probe = "import sys\n\
             try:\n\
             \x20   print('x')\n\
             \x20   sys.stdout.flush()\n\
             except OSError as e:\n\
             \x20   caught = (type(e).__name__, e.errno, e.strerror)\n";
        libpython::set_stdout(Failing {
            make: || std::io::Error::from_raw_os_error(32),
            fail_writes: true,
        })
        .unwrap();
        let g = run(probe);
        assert_eq!(
            get::<(String, i64, String)>(&g, "caught"),
            ("BrokenPipeError".into(), 32, "Broken pipe".into())
        );
        libpython::set_stdout(Failing {
            make: || std::io::Error::other("disk on fire"),
            fail_writes: true,
        })
        .unwrap();
        let g = run(probe);
        assert_eq!(
            get::<(String, i64, String)>(&g, "caught"),
            ("OSError".into(), 5, "disk on fire".into())
        );
        libpython::set_stdout(Failing {
            make: || std::io::ErrorKind::BrokenPipe.into(),
            fail_writes: false,
        })
        .unwrap();
        let g = run(probe);
        assert_eq!(
            get::<(String, i64, String)>(&g, "caught").0,
            "BrokenPipeError",
            "a failed flush is an OSError too"
        );
        libpython::set_stdout(Failing {
            make: || std::io::Error::from_raw_os_error(28),
            fail_writes: false,
        })
        .unwrap();
        let g = run(probe);
        assert_eq!(
            get::<(String, i64, String)>(&g, "caught"),
            ("OSError".into(), 28, "No space left on device".into())
        );
        libpython::redirect_to_rust().unwrap();
        return;
    }
    assert_child_passes(
        "embedding::failing_writes_and_flushes_raise_oserror_with_errno",
        &[],
    );
}

#[test]
fn python_and_rust_share_stdin() {
    if is_child() {
        libpython::initialize().unwrap();
        let first: String = libpython::eval("input()").unwrap().extract().unwrap();
        let mut second = String::new();
        std::io::stdin().lock().read_line(&mut second).unwrap();
        let third: String = libpython::eval("__import__('sys').stdin.readline()")
            .unwrap()
            .extract()
            .unwrap();
        let fourth: Vec<u8> = libpython::eval("__import__('sys').stdin.buffer.read(5)")
            .unwrap()
            .extract()
            .unwrap();
        let mut rest = String::new();
        std::io::stdin().lock().read_to_string(&mut rest).unwrap();
        assert_eq!(
            (
                first.as_str(),
                second.as_str(),
                third.as_str(),
                fourth.as_slice(),
                rest.as_str()
            ),
            ("one", "two\n", "three\n", &b"four\n"[..], "five\n")
        );
        let eof: String = libpython::eval("__import__('sys').stdin.read()")
            .unwrap()
            .extract()
            .unwrap();
        assert_eq!(eof, "");
        return;
    }
    ChildTest::new("embedding::python_and_rust_share_stdin")
        .stdin("one\ntwo\nthree\nfour\nfive\n")
        .assert_passes();
}

#[test]
fn a_rust_reader_can_be_stdin() {
    if is_child() {
        libpython::set_stdin(std::io::Cursor::new(
            "héllo\nsecond line\nthird\n".as_bytes().to_vec(),
        ))
        .unwrap();
        let g = run("import io, sys\n\
             a = input()\n\
             b = sys.stdin.readline()\n\
             c = sys.stdin.buffer.read()\n\
             eof = input.__name__\n\
             try:\n\
             \x20   input()\n\
             except EOFError:\n\
             \x20   eof = 'EOFError'\n\
             try:\n\
             \x20   sys.stdin.fileno()\n\
             except io.UnsupportedOperation:\n\
             \x20   no_fd = True\n\
             atty = sys.stdin.isatty()\n");
        assert_eq!(get::<String>(&g, "a"), "héllo");
        assert_eq!(get::<String>(&g, "b"), "second line\n");
        assert_eq!(get::<Vec<u8>>(&g, "c"), b"third\n");
        assert_eq!(get::<String>(&g, "eof"), "EOFError");
        assert!(get::<bool>(&g, "no_fd"));
        assert!(!get::<bool>(&g, "atty"));
        return;
    }
    assert_child_passes("embedding::a_rust_reader_can_be_stdin", &[]);
}

/// The SIGINT and SIGPIPE dispositions, as Python sees them, and whether `import signal`
/// finds Python's own SIGINT handler.
const SIGNAL_PROBE: &str = "import signal\n\
     handler = signal.getsignal(signal.SIGINT)\n\
     python_handler = handler is signal.default_int_handler\n\
     sigpipe_ignored = signal.getsignal(signal.SIGPIPE) is signal.SIG_IGN\n";

#[test]
fn signal_handlers_are_installed_only_when_asked() {
    if is_child() {
        let asked = std::env::var("ASK_FOR_HANDLERS").unwrap() == "1";
        libpython::Builder::new()
            .signal_handlers(asked)
            .initialize()
            .unwrap();
        // SAFETY: reading a signal disposition (sigaction with no new action).
        let sigint = unsafe { libpython::ffi::PyOS_getsig(2) };
        assert_eq!(
            sigint == 0,
            !asked,
            "SIGINT's disposition after start-up (0 is SIG_DFL)"
        );
        if asked {
            let g = run(&format!(
                "{SIGNAL_PROBE}\
                 import threading\n\
                 order = []\n\
                 try:\n\
                 \x20   try:\n\
                 \x20       signal.pthread_kill(threading.get_ident(), signal.SIGINT)\n\
                 \x20       for _ in range(10_000_000):\n\
                 \x20           pass\n\
                 \x20   finally:\n\
                 \x20       order.append('finally')\n\
                 except KeyboardInterrupt:\n\
                 \x20   order.append('KeyboardInterrupt')\n"
            ));
            assert!(get::<bool>(&g, "python_handler"));
            assert_eq!(
                get::<Vec<String>>(&g, "order"),
                ["finally", "KeyboardInterrupt"]
            );
        }
        return;
    }
    for asked in ["0", "1"] {
        assert_child_passes(
            "embedding::signal_handlers_are_installed_only_when_asked",
            &[("ASK_FOR_HANDLERS", asked)],
        );
    }
}

#[test]
fn argv_is_chosen_and_orig_argv_is_the_process_s() {
    if is_child() {
        use std::os::unix::ffi::OsStringExt;
        let odd = std::ffi::OsString::from_vec(b"caf\xe9".to_vec());
        let mut b = libpython::Builder::new();
        if std::env::var("SET_ARGV").unwrap() == "1" {
            b = b.argv([std::ffi::OsString::from("tool.py"), "--flag".into(), odd]);
        }
        b.initialize().unwrap();
        let g = run("import sys, os\n\
             argv = [a.encode('utf-8', 'backslashreplace').decode() for a in sys.argv]\n\
             orig = getattr(sys, 'orig_argv', None)\n\
             exe = os.path.realpath(sys.executable)\n");
        let argv: Vec<String> = get(&g, "argv");
        if std::env::var("SET_ARGV").unwrap() == "1" {
            assert_eq!(
                argv,
                ["tool.py", "--flag", "caf\\udce9"],
                "undecodable bytes become surrogates, as in python"
            );
        } else {
            assert_eq!(argv, [""]);
        }
        let version: (i64, i64) = libpython::eval("__import__('sys').version_info[:2]")
            .unwrap()
            .extract()
            .unwrap();
        let orig: Option<Vec<String>> = g.get_as("orig").unwrap().unwrap();
        if version >= (3, 10) {
            let own: Vec<String> = std::env::args().collect();
            assert_eq!(orig.unwrap(), own);
        } else {
            assert!(orig.is_none());
        }
        let exe: String = get(&g, "exe");
        let me = std::fs::canonicalize(std::env::current_exe().unwrap()).unwrap();
        assert_ne!(
            std::path::Path::new(&exe),
            me,
            "sys.executable is the host, not the interpreter"
        );
        assert!(exe.contains("python"), "sys.executable is {exe}");
        return;
    }
    for set in ["0", "1"] {
        assert_child_passes(
            "embedding::argv_is_chosen_and_orig_argv_is_the_process_s",
            &[("SET_ARGV", set)],
        );
    }
}

#[test]
fn python_command_lines_are_read_as_python_reads_them() {
    use libpython::{Program, PythonMain};
    use std::os::unix::ffi::OsStringExt;
    let read = |args: &[&str]| PythonMain::from_args(args.iter().copied());
    let m = read(&["-c", "print(1)", "a", "-m", "b"]).unwrap();
    assert_eq!(
        (m.program(), m.arguments()),
        (
            &Program::Code("print(1)".into()),
            &["a".into(), "-m".into(), "b".into()][..]
        )
    );
    assert_eq!(
        read(&["-cprint(2)"]).unwrap().program(),
        &Program::Code("print(2)".into())
    );
    assert_eq!(
        read(&["-mjson.tool", "x"]).unwrap().program(),
        &Program::Module("json.tool".into())
    );
    assert_eq!(read(&["-", "x"]).unwrap().program(), &Program::Stdin);
    assert_eq!(
        read(&["--", "-odd.py"]).unwrap().program(),
        &Program::Script("-odd.py".into())
    );
    assert_eq!(read(&["tool.py", "-c"]).unwrap().arguments(), ["-c"]);
    for (args, says) in [
        (&[][..], "no program given"),
        (&["-c"][..], "-c needs an argument"),
        (&["-m"][..], "-m needs an argument"),
        (&["--"][..], "no script given after --"),
        (&["-u", "x.py"][..], "unsupported option -u"),
    ] {
        let e = read(args).unwrap_err();
        assert!(
            matches!(e.kind(), libpython::ErrorKind::CommandLine(_))
                && e.to_string().contains(says),
            "{args:?}: {e}"
        );
    }
    let e = PythonMain::from_args([
        std::ffi::OsString::from("-c"),
        std::ffi::OsString::from_vec(b"\xff".to_vec()),
    ])
    .unwrap_err();
    assert!(e.to_string().contains("not valid UTF-8"), "{e}");
}

#[test]
fn python_main_refuses_to_run_inside_a_running_python() {
    if is_child() {
        libpython::initialize().unwrap();
        let e = libpython::PythonMain::new(libpython::Program::Code("pass".into()))
            .run()
            .unwrap_err();
        assert!(e.to_string().contains("already running"), "{e}");
        return;
    }
    assert_child_passes(
        "embedding::python_main_refuses_to_run_inside_a_running_python",
        &[],
    );
}

/// What the re-entering writer and reader below saw from their inner Python calls.
static INNER: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

#[test]
fn a_writer_or_reader_that_uses_its_own_stream_gets_an_error_not_a_hang() {
    if is_child() {
        fn inner(code: &str) {
            let seen = match libpython::run_simple_string(code) {
                Ok(_) => "no error".to_owned(),
                Err(e) => match e.as_python() {
                    Some(p) if p.type_name() == "OSError" => {
                        let errno: i64 = p
                            .value()
                            .unwrap()
                            .getattr("errno")
                            .unwrap()
                            .extract()
                            .unwrap();
                        format!("OSError {errno}")
                    }
                    Some(p) => format!("{}: {}", p.type_name(), p.message()),
                    None => e.to_string(),
                },
            };
            INNER.lock().unwrap().push(seen);
        }
        struct Echo(Captured);
        impl Write for Echo {
            fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
                inner("print('inner')");
                self.0.write(b)
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        struct Asking(std::io::Cursor<Vec<u8>>);
        impl Read for Asking {
            fn read(&mut self, b: &mut [u8]) -> std::io::Result<usize> {
                self.0.read(b)
            }
        }
        impl BufRead for Asking {
            fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
                inner("input()");
                self.0.fill_buf()
            }
            fn consume(&mut self, n: usize) {
                self.0.consume(n)
            }
        }
        let out = Captured::default();
        libpython::set_stdout(Echo(out.clone())).unwrap();
        libpython::set_stdin(Asking(std::io::Cursor::new(b"answer\n".to_vec()))).unwrap();
        let g = run("print('outer')\nline = input()");
        assert_eq!(out.text(), "outer\n");
        assert_eq!(get::<String>(&g, "line"), "answer");
        // The writer's print fails with EDEADLK; the reader's input() is refused by Python's
        // own buffered reader, which detects the re-entry first.
        let seen = INNER.lock().unwrap().clone();
        assert_eq!(seen[0], format!("OSError {}", 35), "{seen:?}");
        assert!(
            seen[1..]
                .iter()
                .any(|s| s.starts_with("RuntimeError: reentrant call inside")),
            "{seen:?}"
        );
        return;
    }
    libpython_tests::assert_child_passes_within(
        "embedding::a_writer_or_reader_that_uses_its_own_stream_gets_an_error_not_a_hang",
        &[],
        std::time::Duration::from_secs(60),
    );
}
