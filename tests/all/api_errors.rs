//! Errors: Python exceptions with their traceback text and object; panics in callbacks;
//! typed errors for bad input (reliability scenarios 21, 22).

use libpython::{Args, ErrorKind, call};
use libpython_tests::{assert_child_passes, is_child, python};

#[test]
fn a_panic_in_a_callback_becomes_a_python_exception_and_never_unwinds_into_c() {
    python();
    let f = libpython::function("explode", None, |a: &Args<'_>| -> libpython::Result<i64> {
        let n: i64 = a.extract(0)?;
        if n > 2 {
            panic!("too big: {n}");
        }
        Ok(n)
    })
    .unwrap();
    assert_eq!(f.call((1,)).unwrap().extract::<i64>().unwrap(), 1);
    let e = f.call((5,)).unwrap_err();
    let p = e.as_python().expect("a Python exception, not an abort");
    assert_eq!(p.type_name(), "RustPanic");
    assert!(p.message().contains("too big: 5"), "{}", p.message());
    // Python sees it as a BaseException that `except Exception` does not swallow.
    let g = libpython::Dict::from_pairs([("explode", &f)]).unwrap();
    let r = libpython::exec(
        "try:\n    explode(9)\nexcept Exception:\n    caught = True\n",
        &g,
    );
    assert!(r.is_err(), "RustPanic passed through `except Exception`");
    libpython::exec(
        "try:\n    explode(9)\nexcept BaseException as e:\n    msg = str(e)\n",
        &g,
    )
    .unwrap();
    assert!(
        g.get_as::<String>("msg")
            .unwrap()
            .unwrap()
            .contains("too big: 9")
    );
    // The interpreter is fine afterwards.
    assert_eq!(f.call((2,)).unwrap().extract::<i64>().unwrap(), 2);
}

#[test]
fn an_error_returned_by_a_callback_is_raised_in_python() {
    python();
    let f = libpython::function("typed", None, |a: &Args<'_>| a.extract::<i64>(0)).unwrap();
    let g = libpython::Dict::from_pairs([("typed", &f)]).unwrap();
    libpython::exec(
        "try:\n    typed('x')\nexcept TypeError as e:\n    msg = str(e)\n",
        &g,
    )
    .unwrap();
    let msg: String = g.get_as("msg").unwrap().unwrap();
    assert!(msg.contains("int") && msg.contains("str"), "{msg}");
    // A Python exception coming back through Rust keeps its type and object.
    let raiser = libpython::function("raiser", None, |a: &Args<'_>| {
        a.py().eval("{}['missing']").map(libpython::Bound::unbind)
    })
    .unwrap();
    let e = raiser.call(()).unwrap_err();
    assert_eq!(e.as_python().unwrap().type_name(), "KeyError");
    assert!(e.as_python().unwrap().is_instance_of("LookupError"));
}

#[test]
fn unformattable_exceptions_still_give_an_error_value() {
    python();
    let e = libpython::run_simple_string("class E(Exception):\n    def __str__(self):\n        raise RuntimeError('no str')\nraise E()").unwrap_err();
    let p = e.as_python().unwrap();
    assert_eq!(p.type_name(), "E");
    assert!(p.message().contains("str() failed"), "{}", p.message());
    assert!(!e.to_string().is_empty());
    // A broken traceback module does not turn into a crash either.
    libpython::run_simple_string(
        "import traceback\n_saved = traceback.format_exception\ntraceback.format_exception = None",
    )
    .unwrap();
    let e = libpython::eval("1/0").unwrap_err();
    libpython::run_simple_string("traceback.format_exception = _saved").unwrap();
    assert_eq!(e.as_python().unwrap().type_name(), "ZeroDivisionError");
    assert!(e.to_string().contains("ZeroDivisionError"), "{e}");
}

#[test]
fn bad_input_gives_typed_errors_naming_what_was_wrong() {
    python();
    // Wrong Python type.
    let e = libpython::eval("'x'")
        .unwrap()
        .extract::<f64>()
        .unwrap_err();
    assert_eq!(e.to_string(), "expected float, got a Python str");
    // Calling a non-callable.
    let e = libpython::eval("42").unwrap().call(()).unwrap_err();
    assert!(
        matches!(e.kind(), ErrorKind::NotCallable { type_name } if type_name == "int"),
        "{e:?}"
    );
    assert_eq!(e.to_string(), "a Python int is not callable");
    let e = call!(libpython::eval("[1]").unwrap(), 1, k = 2).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::NotCallable { .. }));
    // A callable that raises TypeError itself is not mistaken for a non-callable.
    let e = libpython::eval("len").unwrap().call((1,)).unwrap_err();
    assert_eq!(e.as_python().unwrap().type_name(), "TypeError");
    // Missing attribute.
    let e = libpython::eval("1").unwrap().getattr("nope").unwrap_err();
    assert_eq!(e.to_string(), "a Python int has no attribute \"nope\"");
    // NUL inside a name.
    let e = libpython::eval("1").unwrap().getattr("re\0al").unwrap_err();
    assert_eq!(
        e.to_string(),
        "the attribute name \"re\\0al\" contains a NUL byte"
    );
    let e = libpython::run_simple_string("x = 1\0").unwrap_err();
    assert!(
        matches!(
            e.kind(),
            ErrorKind::Nul {
                what: "source code",
                ..
            }
        ),
        "{e:?}"
    );
}

#[test]
fn use_after_finalize_is_an_error() {
    if is_child() {
        let x = libpython::eval("[1, 2]").unwrap();
        libpython::finalize().unwrap();
        let e = x.len().unwrap_err();
        assert!(e.to_string().contains("use after finalize"), "{e}");
        let e = x.getattr("append").unwrap_err();
        assert!(matches!(
            e.kind(),
            ErrorKind::Interp(libpython::interp::Error::Finalized)
        ));
        let e = libpython::eval("1").unwrap_err();
        assert!(
            matches!(
                e.kind(),
                ErrorKind::Interp(libpython::interp::Error::Finalized)
            ),
            "{e:?}"
        );
        drop(x);
        return;
    }
    assert_child_passes("api_errors::use_after_finalize_is_an_error", &[]);
}

#[test]
fn two_threads_reading_one_error_s_text_while_python_releases_the_gil_both_finish() {
    if is_child() {
        python();
        libpython::run_simple_string(
            "import time\nclass SlowToSay(Exception):\n    def __str__(self):\n        time.sleep(0.3)\n        return 'slow'",
        )
        .unwrap();
        let err = libpython::eval("(_ for _ in ()).throw(__import__('__main__').SlowToSay())")
            .unwrap_err();
        let other = err.clone();
        // The text is made on this thread, whose `__str__` releases the GIL while it sleeps;
        // the other thread asks for the same text then, holding the GIL.
        let reader = std::thread::spawn(move || other.as_python().unwrap().message().to_owned());
        std::thread::sleep(std::time::Duration::from_millis(100));
        let here =
            libpython::attach(|_py| Ok(err.as_python().unwrap().message().to_owned())).unwrap();
        assert_eq!(here, "slow");
        assert_eq!(reader.join().unwrap(), "slow");
        return;
    }
    libpython_tests::assert_child_passes_within(
        "api_errors::two_threads_reading_one_error_s_text_while_python_releases_the_gil_both_finish",
        &[],
        std::time::Duration::from_secs(60),
    );
}
