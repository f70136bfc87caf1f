//! Handles: Send + Sync, Clone and Drop, Debug / Display, equality and hashing, the GIL-token
//! path.

use std::collections::HashSet;

use libpython::{Object, attach};
use libpython_tests::{python, refcount};

#[test]
fn handles_are_send_and_sync() {
    fn check<T: Send + Sync + 'static>() {}
    check::<Object>();
    check::<libpython::Dict>();
    check::<libpython::List>();
    check::<libpython::Error>();
}

#[test]
fn clone_adds_a_reference_and_drop_releases_it() {
    python();
    let x = libpython::eval("object()").unwrap();
    let base = refcount(&x);
    let copies: Vec<Object> = (0..10).map(|_| x.clone()).collect();
    assert_eq!(refcount(&x), base + 10);
    attach(|_| {
        drop(copies);
        Ok(())
    })
    .unwrap();
    assert_eq!(refcount(&x), base);
}

#[test]
fn a_handle_moves_to_another_thread_and_is_used_there() {
    python();
    let xs = libpython::eval("[1, 2, 3]").unwrap();
    let n = std::thread::spawn(move || xs.len().unwrap())
        .join()
        .unwrap();
    assert_eq!(n, 3);
}

#[test]
fn debug_is_repr_and_display_is_str() {
    python();
    let s = libpython::eval("'a\\nb'").unwrap();
    assert_eq!(format!("{s:?}"), "'a\\nb'");
    assert_eq!(format!("{s}"), "a\nb");
    let bad = libpython::eval(
        "type('Bad', (), {'__repr__': lambda self: 1/0, '__str__': lambda self: 1/0})()",
    )
    .unwrap();
    let d = format!("{bad:?}");
    assert!(
        d.contains("repr failed") && d.contains("ZeroDivisionError"),
        "{d}"
    );
}

#[test]
fn equality_and_hashing_go_through_python() {
    python();
    // Built at run time: constant tuples may be shared (free-threaded builds make them immortal).
    let a = libpython::eval("tuple([1, 'x'])").unwrap();
    let b = libpython::eval("tuple([1, 'x'])").unwrap();
    let c = libpython::eval("(2, 'x')").unwrap();
    assert_ne!(a.as_ptr(), b.as_ptr());
    assert_eq!(a, b);
    assert_ne!(a, c);
    assert_eq!(a.hash_py().unwrap(), b.hash_py().unwrap());
    let set: HashSet<Object> = [a.clone(), b, c].into_iter().collect();
    assert_eq!(set.len(), 2);
    // The fallible forms report Python's errors.
    let unhashable = libpython::eval("[1]").unwrap();
    let e = unhashable.hash_py().unwrap_err();
    assert_eq!(e.as_python().unwrap().type_name(), "TypeError");
    let weird = libpython::eval("type('W', (), {'__eq__': lambda s, o: 1/0})()").unwrap();
    assert!(weird.eq_py(1).is_err());
    assert_ne!(weird, libpython::eval("1").unwrap());
}

#[test]
fn the_token_path_runs_many_operations_under_one_acquisition() {
    python();
    let f = libpython::eval("lambda a, b: a * b").unwrap();
    let total: i64 = attach(|py| {
        let f = f.bind(py)?;
        let mut t = 0;
        for i in 0..1000i64 {
            t += f.call((i, 2))?.extract::<i64>()?;
        }
        Ok(t)
    })
    .unwrap();
    assert_eq!(total, 2 * (0..1000).sum::<i64>());
    assert_eq!(libpython::interp::gil::depth(), 0);
}
