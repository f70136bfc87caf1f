//! The API's vocabulary: the three handles and their verbs, `attach`/`detach`, argument lists,
//! errors a newcomer reads (paths, tracebacks, builtins), keywords that are Rust keywords, and
//! the deprecated names that stay for one release.

use libpython::{Borrowed, Bound, Dict, ErrorKind, Object, Python, Tuple, call};
use libpython_tests::python;

#[test]
fn bound_handles_chain_and_unbind_into_objects() {
    python();
    let kept: Object = libpython::attach(|py| {
        let joined: String = py
            .import("os")?
            .getattr("path")?
            .call_method("join", ("a", "b"))?
            .extract()?;
        assert_eq!(joined, "a/b");
        let list = py.eval("[3, 1, 2]")?;
        list.call_method("sort", ())?;
        assert_eq!(list.get_item(0)?.extract::<i64>()?, 1);
        let again = list.clone();
        assert_eq!(again.as_ptr(), list.as_ptr());
        Ok(list.unbind())
    })
    .unwrap();
    // The `Object` outlives the block and works from any thread.
    let n = std::thread::spawn(move || kept.len().unwrap())
        .join()
        .unwrap();
    assert_eq!(n, 3);
}

#[test]
fn objects_bind_as_bound_references_and_into_owned_bounds() {
    python();
    let obj = libpython::eval("{'k': 1}").unwrap();
    libpython::attach(|py| {
        let b: &Bound<'_> = obj.bind(py)?;
        assert_eq!(b.get_item("k")?.extract::<i64>()?, 1);
        let owned: Bound<'_> = obj.clone().into_bound(py)?;
        assert!(owned.is_instance(&py.builtins()?.getattr("dict")?.unbind())?);
        let borrowed: Borrowed<'_, '_> = owned.as_borrowed();
        assert_eq!(borrowed.to_owned().len()?, 1);
        Ok(())
    })
    .unwrap();
}

#[test]
fn python_attach_and_detach_are_the_gil_verbs() {
    python();
    let n: i64 = Python::attach(|py| {
        let sum: u64 = py.detach(|| (1..=10u64).sum());
        assert_eq!(sum, 55);
        py.eval("6 * 7")?.extract()
    })
    .unwrap();
    assert_eq!(n, 42);
    assert_eq!(libpython::detach(|| 2 + 2), 4);
}

#[test]
fn a_vec_is_one_argument_and_a_tuple_object_spreads() {
    python();
    let count = libpython::eval("lambda *a: len(a)").unwrap();
    assert_eq!(
        count
            .call((vec![2, 3],))
            .unwrap()
            .extract::<usize>()
            .unwrap(),
        1
    );
    assert_eq!(count.call((2, 3)).unwrap().extract::<usize>().unwrap(), 2);
    assert_eq!(
        count
            .call(Tuple::new(vec![2, 3, 4]).unwrap())
            .unwrap()
            .extract::<usize>()
            .unwrap(),
        3
    );
    let shape: (i64, i64) = libpython::eval("lambda s: s")
        .unwrap()
        .call(((2, 3),))
        .unwrap()
        .extract()
        .unwrap();
    assert_eq!(shape, (2, 3));
}

#[test]
fn try_iter_gives_rust_iterators_with_and_without_a_held_gil() {
    python();
    let squares = libpython::eval("(i * i for i in range(4))").unwrap();
    let v: Vec<i64> = squares
        .try_iter()
        .unwrap()
        .map(|x| x?.extract())
        .collect::<libpython::Result<_>>()
        .unwrap();
    assert_eq!(v, [0, 1, 4, 9]);
    let total = libpython::attach(|py| {
        let mut t = 0i64;
        for x in py.eval("range(5)")?.try_iter()? {
            t += x?.extract::<i64>()?;
        }
        Ok(t)
    })
    .unwrap();
    assert_eq!(total, 10);
    let e = libpython::eval("1").unwrap().try_iter().unwrap_err();
    assert_eq!(e.as_python().unwrap().type_name(), "TypeError");
}

#[test]
fn iterating_lists_and_tuples_follows_them_as_pythons_own_loop_does() {
    python();
    libpython::attach(|py| {
        // A list the loop's body appends to: the new items are visited, as in Python.
        let l = py.eval("[1, 2, 3]")?;
        let mut seen = Vec::new();
        for x in l.try_iter()? {
            let x = x?.extract::<i64>()?;
            seen.push(x);
            if x < 3 {
                l.call_method("append", (x + 10,))?;
            }
        }
        assert_eq!(seen, [1, 2, 3, 11, 12]);
        // A list emptied by the body ends the loop.
        let l = py.eval("[1, 2, 3]")?;
        let mut n = 0;
        for x in l.try_iter()? {
            x?;
            n += 1;
            l.call_method("clear", ())?;
        }
        assert_eq!(n, 1);
        // The Python iterator handed out continues where the Rust one stopped.
        let t = py.eval("(1, 2, 3, 4)")?;
        let mut it = t.try_iter()?;
        assert_eq!(it.next().unwrap()?.extract::<i64>()?, 1);
        let rest: Vec<i64> = it.into_object()?.bind(py)?.extract()?;
        assert_eq!(rest, [2, 3, 4]);
        // An iterator that reached the end hands out an exhausted Python iterator, even if
        // the list grows afterwards (as Python's list iterator stays exhausted).
        let l = py.eval("[1]")?;
        let mut it = l.try_iter()?;
        assert!(it.next().is_some());
        assert!(it.next().is_none());
        l.call_method("append", (2,))?;
        assert!(it.next().is_none());
        let rest: Vec<i64> = it.into_object()?.bind(py)?.extract()?;
        assert!(rest.is_empty());
        // Subclasses keep their own `__iter__`.
        let odd =
            py.eval("type('Rev', (list,), {'__iter__': lambda self: iter([3, 2, 1])})([1, 2, 3])")?;
        let v: Vec<i64> = odd
            .try_iter()?
            .map(|x| x?.extract())
            .collect::<libpython::Result<_>>()?;
        assert_eq!(v, [3, 2, 1]);
        Ok(())
    })
    .unwrap();
}

#[test]
fn extracting_iterators_convert_each_item_as_extract_does() {
    python();
    libpython::attach(|py| {
        let sum = |src: &str| -> libpython::Result<Vec<i64>> {
            py.eval(src)?.try_iter()?.extract::<i64>().collect()
        };
        // Exact lists and tuples (read by index), a generator, a list subclass's own `__iter__`.
        assert_eq!(sum("[1, 2, 3]")?, [1, 2, 3]);
        assert_eq!(sum("(4, 5)")?, [4, 5]);
        assert_eq!(sum("(i * i for i in range(4))")?, [0, 1, 4, 9]);
        let rev = "type('Rev', (list,), {'__iter__': lambda self: iter([3, 2, 1])})([1, 2, 3])";
        assert_eq!(sum(rev)?, [3, 2, 1]);
        // An item that is not an exact int converts as `extract` converts it (`__index__`).
        let idx = "[1, type('I', (), {'__index__': lambda self: 7})(), True]";
        assert_eq!(sum(idx)?, [1, 7, 1]);
        // A failed conversion names the position and the iteration goes on.
        let got: Vec<libpython::Result<i64>> =
            py.eval("[1, 'two', 2**70, 4]")?.try_iter()?.extract().collect();
        assert_eq!(got.len(), 4);
        assert_eq!(
            got[1].as_ref().unwrap_err().to_string(),
            "[1]: expected int (for i64), got a Python str"
        );
        assert!(matches!(got[2].as_ref().map_err(libpython::Error::kind), Err(ErrorKind::Overflow { .. })), "{:?}", got[2]);
        assert_eq!(*got[3].as_ref().unwrap(), 4);
        let e = sum("(x for x in [1, 'two'])").unwrap_err();
        assert_eq!(e.to_string(), "[1]: expected int (for i64), got a Python str");
        // `__next__`'s exception is yielded once, then the iteration ends.
        let failing = py.eval("(1 // x for x in [1, 0, 1])")?;
        let got: Vec<libpython::Result<i64>> = failing.try_iter()?.extract().collect();
        assert_eq!(got.len(), 2);
        assert_eq!(
            got[1].as_ref().unwrap_err().as_python().unwrap().type_name(),
            "ZeroDivisionError"
        );
        // A list changed by the loop's body, or by a conversion's Python code, is followed
        // as Python's own loop follows it.
        let l = py.eval("[1, 2, 3]")?;
        let mut seen = Vec::new();
        for x in l.try_iter()?.extract::<i64>() {
            let x = x?;
            seen.push(x);
            if x < 3 {
                l.call_method("append", (x + 10,))?;
            }
        }
        assert_eq!(seen, [1, 2, 3, 11, 12]);
        let l = py.eval(
            "(lambda l: (l.append(type('C', (), {'__index__': lambda self: (l.clear(), 9)[1]})()), l.append(5), l)[2])([])",
        )?;
        assert_eq!(l.try_iter()?.extract::<i64>().collect::<libpython::Result<Vec<_>>>()?, [9]);
        assert_eq!(l.len()?, 0);
        // Other targets: strings, floats, objects.
        let v: Vec<String> = py.eval("['a', 'b']")?.try_iter()?.extract().collect::<libpython::Result<_>>()?;
        assert_eq!(v, ["a", "b"]);
        let v: Vec<f64> = py.eval("(0.5, 2)")?.try_iter()?.extract().collect::<libpython::Result<_>>()?;
        assert_eq!(v, [0.5, 2.0]);
        let v: Vec<Object> = py.eval("[None, [1]]")?.try_iter()?.extract().collect::<libpython::Result<_>>()?;
        assert_eq!(v[1].len()?, 1);
        Ok(())
    })
    .unwrap();
}

#[test]
fn conversion_errors_name_the_path_to_the_failing_element() {
    python();
    let nested = libpython::eval("[[1.0, 2.0], ['x', 3.0]]").unwrap();
    let e = nested.extract::<Vec<Vec<f64>>>().unwrap_err();
    assert_eq!(e.to_string(), "[1][0]: expected float, got a Python str");
    assert!(
        matches!(e.kind(), ErrorKind::Type { path, .. } if path == "[1][0]"),
        "{e:#?}"
    );
    let m = libpython::eval("{'a': [1], 'b': [2, 'two']}").unwrap();
    let e = m
        .extract::<std::collections::HashMap<String, Vec<i64>>>()
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "['b'][1]: expected int (for i64), got a Python str"
    );
    let t = libpython::eval("(1, (2, 2**70))").unwrap();
    let e = t.extract::<(i64, (i64, i64))>().unwrap_err();
    assert!(
        e.to_string()
            .starts_with("[1][1]: 1180591620717411303424 does not fit in i64"),
        "{e}"
    );
    let e = libpython::eval("{1.5: 0}")
        .unwrap()
        .extract::<std::collections::HashMap<i64, i64>>()
        .unwrap_err();
    assert!(e.to_string().starts_with("[key 1.5]: expected int"), "{e}");
}

#[test]
fn errors_print_python_tracebacks_in_debug_too() {
    python();
    let e = libpython::run_simple_string("def f():\n    raise ValueError('bad value')\nf()")
        .unwrap_err();
    // `fn main() -> libpython::Result<()>` prints the error with `{:?}`.
    let debug = format!("{e:?}");
    assert!(
        debug.starts_with("Traceback (most recent call last):"),
        "{debug}"
    );
    assert!(
        debug.contains("ValueError: bad value") && debug.contains("in f"),
        "{debug}"
    );
    assert_eq!(debug, e.to_string());
    // `{:#?}` keeps the structure for those who want it.
    let pretty = format!("{e:#?}");
    assert!(
        pretty.starts_with("Python(") && pretty.contains("ValueError"),
        "{pretty}"
    );
}

#[test]
fn a_failed_start_up_prints_every_place_tried() {
    python();
    let e = libpython::Builder::new()
        .executable("/nonexistent/bin/python3")
        .initialize()
        .unwrap_err();
    let debug = format!("{e:?}");
    assert_eq!(debug, e.to_string());
    assert!(debug.contains("/nonexistent/bin/python3"), "{debug}");
}

#[test]
fn rust_keywords_pass_as_python_keywords() {
    python();
    let f = libpython::eval("lambda **kw: sorted(kw.items())").unwrap();
    let got: Vec<(String, i64)> = call!(f, r#match = 1, r#type = 2, plain = 3)
        .unwrap()
        .extract()
        .unwrap();
    assert_eq!(
        got,
        [
            ("match".to_string(), 1),
            ("plain".to_string(), 3),
            ("type".to_string(), 2)
        ]
    );
}

#[test]
fn a_missing_builtin_says_it_looked_in_builtins() {
    python();
    let e = libpython::builtin("nope").unwrap_err();
    assert_eq!(
        e.to_string(),
        r#"a Python builtins module has no attribute "nope""#
    );
    assert_eq!(
        libpython::builtin("len")
            .unwrap()
            .call(("abc",))
            .unwrap()
            .extract::<usize>()
            .unwrap(),
        3
    );
}

#[test]
fn eval_and_exec_take_globals_and_locals() {
    python();
    let g = Dict::namespace().unwrap();
    let l = Dict::new().unwrap();
    libpython::exec_with("import math\nx = math.floor(7.5)", &g, Some(&l)).unwrap();
    assert_eq!(l.get_as::<i64>("x").unwrap(), Some(7));
    assert!(
        g.get("x").unwrap().is_none(),
        "names bound by the code go into the locals"
    );
    assert!(g.contains_key("__builtins__").unwrap());
    let r: i64 = libpython::eval_with("x * 6", &g, Some(&l))
        .unwrap()
        .extract()
        .unwrap();
    assert_eq!(r, 42);
    // Without locals, the globals are both.
    libpython::exec_with("y = 1", &g, None).unwrap();
    assert_eq!(g.get_as::<i64>("y").unwrap(), Some(1));
}

#[test]
#[allow(deprecated)]
fn deprecated_names_still_work_for_one_release() {
    python();
    let n: i64 = libpython::with_gil(|py| {
        let total: u64 = py.allow_threads(|| 1 + 1);
        assert_eq!(total, 2);
        py.eval("1 + 1")?.extract()
    })
    .unwrap();
    assert_eq!(n, 2);
    assert_eq!(libpython::allow_threads(|| 3), 3);
    let math = libpython::import_module("math").unwrap();
    let int = libpython::builtin("int").unwrap();
    assert!(!math.isinstance(&int).unwrap());
    assert_eq!(libpython::eval("'s'").unwrap().str_().unwrap(), "s");
    let it = libpython::PyIter::new(&libpython::eval("[1]").unwrap()).unwrap();
    assert_eq!(it.count(), 1);
}
