//! Attributes and items, dir, att_type_map, doc, imports, call_attr and the call macros.

use libpython::{ErrorKind, call, call_attr, from_import, import_as};
use libpython_tests::python;

#[test]
fn attributes_get_set_has_delete() {
    python();
    let ns = libpython::eval("type('NS', (), {})()").unwrap();
    assert!(!ns.hasattr("x").unwrap());
    ns.setattr("x", 5).unwrap();
    assert!(ns.hasattr("x").unwrap());
    assert_eq!(ns.getattr("x").unwrap().extract::<i64>().unwrap(), 5);
    ns.delattr("x").unwrap();
    let e = ns.getattr("x").unwrap_err();
    match e.kind() {
        ErrorKind::NoAttribute { type_name, name } => {
            assert_eq!((type_name.as_str(), name.as_str()), ("NS", "x"))
        }
        other => panic!("{other:?}"),
    }
    assert!(e.to_string().contains("NS") && e.to_string().contains("\"x\""));
    // An exception other than AttributeError raised by a getter is not hidden.
    let p = libpython::eval("type('P', (), {'bad': property(lambda s: 1/0)})()").unwrap();
    assert_eq!(
        p.getattr("bad")
            .unwrap_err()
            .as_python()
            .unwrap()
            .type_name(),
        "ZeroDivisionError"
    );
    assert!(p.hasattr("bad").is_err());
}

#[test]
fn items_get_set_delete() {
    python();
    let d = libpython::eval("{}").unwrap();
    d.set_item("k", vec![1, 2]).unwrap();
    assert!(d.contains("k").unwrap());
    assert_eq!(
        d.get_item("k").unwrap().extract::<Vec<i64>>().unwrap(),
        [1, 2]
    );
    d.del_item("k").unwrap();
    assert_eq!(
        d.get_item("k")
            .unwrap_err()
            .as_python()
            .unwrap()
            .type_name(),
        "KeyError"
    );
    let l = libpython::eval("[10, 20, 30]").unwrap();
    assert_eq!(l.get_item(-1).unwrap().extract::<i64>().unwrap(), 30);
    l.set_item(0, 11).unwrap();
    l.del_item(1).unwrap();
    assert_eq!(l.extract::<Vec<i64>>().unwrap(), [11, 30]);
}

#[test]
fn dir_doc_and_att_type_map() {
    python();
    let m = libpython::import("math").unwrap();
    let names = m.dir().unwrap();
    assert!(names.iter().any(|n| n == "sqrt"));
    let sqrt = m.getattr("sqrt").unwrap();
    assert!(
        sqrt.doc()
            .unwrap()
            .unwrap()
            .to_lowercase()
            .contains("square root")
    );
    assert!(libpython::eval("1").unwrap().doc().unwrap().is_some());
    let types = m.att_type_map().unwrap();
    assert_eq!(&*types["sqrt"], "builtin-function-or-method");
    assert_eq!(&*types["pi"], "float");
    assert_eq!(&*types["__name__"], "str");
    assert_eq!(
        &*libpython::eval("None").unwrap().type_symbol().unwrap(),
        "none-type"
    );
}

#[test]
fn imports_and_sugar() {
    let run = || -> libpython::Result<()> {
        python();
        from_import!(os.path: join, basename);
        assert_eq!(join.call(("a", "b"))?.extract::<String>()?, "a/b");
        assert_eq!(basename.call(("/x/y.txt",))?.extract::<String>()?, "y.txt");
        import_as!(collections as col);
        let c = col.call_method("Counter", ("abca",))?;
        assert_eq!(c.get_item("a")?.extract::<i64>()?, 2);
        let e = libpython::import("no_such_module_xyz").unwrap_err();
        assert_eq!(e.as_python().unwrap().type_name(), "ModuleNotFoundError");
        Ok(())
    };
    run().unwrap();
}

#[test]
fn call_attr_and_keyword_calls() {
    python();
    let s = libpython::eval("'a-b-c'").unwrap();
    let parts: Vec<String> = s.call_method("split", ("-",)).unwrap().extract().unwrap();
    assert_eq!(parts, ["a", "b", "c"]);
    let parts: Vec<String> = s
        .call_method_kw("split", ("-",), &[("maxsplit", &1)])
        .unwrap()
        .extract()
        .unwrap();
    assert_eq!(parts, ["a", "b-c"]);
    let parts: Vec<String> = call_attr!(s, "rsplit", "-", maxsplit = 1)
        .unwrap()
        .extract()
        .unwrap();
    assert_eq!(parts, ["a-b", "c"]);
    let sorted = libpython::builtin("sorted").unwrap();
    let r: Vec<i64> = call!(sorted, vec![3, 1, 2], reverse = true)
        .unwrap()
        .extract()
        .unwrap();
    assert_eq!(r, [3, 2, 1]);
    let x = 7;
    let max = libpython::builtin("max").unwrap();
    let r: i64 = call!(max, x + 1, x - 1, x * 2).unwrap().extract().unwrap();
    assert_eq!(r, 14);
    let f = libpython::eval("lambda *a, **k: (a, sorted(k.items()))").unwrap();
    let (a, k): (Vec<i64>, Vec<(String, i64)>) =
        call!(f, 1, 2, b = 3, a = 4).unwrap().extract().unwrap();
    assert_eq!(a, [1, 2]);
    assert_eq!(k, [("a".to_string(), 4), ("b".to_string(), 3)]);
}

#[test]
fn argument_lists_from_tuples_and_tuple_objects() {
    python();
    let f = libpython::eval("lambda *a: list(a)").unwrap();
    // A `Vec` inside the tuple is one argument, a list; a `Tuple` spreads its items.
    let r: Vec<Vec<i64>> = f.call((vec![1, 2, 3],)).unwrap().extract().unwrap();
    assert_eq!(r, [[1, 2, 3]]);
    let many: Vec<i64> = (0..20).collect();
    let r: Vec<i64> = f
        .call(libpython::Tuple::new(many.clone()).unwrap())
        .unwrap()
        .extract()
        .unwrap();
    assert_eq!(r, many);
    let args = libpython::Tuple::new([4, 5]).unwrap();
    let r: Vec<i64> = f.call(&args).unwrap().extract().unwrap();
    assert_eq!(r, [4, 5]);
    assert_eq!(args.len().unwrap(), 2, "a borrowed tuple stays usable");
    let mixed: (i64, String, f64, bool, Option<i64>) = f
        .call((1, "two", 3.0, true, None::<i64>))
        .unwrap()
        .extract()
        .unwrap();
    assert_eq!(mixed, (1, "two".into(), 3.0, true, None));
    let r: Vec<i64> = f.call(()).unwrap().extract().unwrap();
    assert!(r.is_empty());
}

#[test]
fn interned_names_and_call_site_keywords_work_in_every_interpreter() {
    libpython_tests::python();
    // The same call sites run in the main interpreter and a sub-interpreter, several times
    // each: every interpreter gets (and keeps) its own interned objects.
    fn site() -> libpython::Result<(f64, String)> {
        let z = libpython::eval("complex(3, 4)")?;
        let imag: f64 = z.getattr(libpython::intern!("imag"))?.extract()?;
        let s: String =
            libpython::call_attr!(libpython::eval("'{}-{x}'")?, "format", 1, x = 2)?.extract()?;
        Ok((imag, s))
    }
    let expected = (4.0, "1-2".to_owned());
    for _ in 0..3 {
        assert_eq!(site().unwrap(), expected);
    }
    let sub = libpython::Interpreter::new(libpython::SubConfig::shared_gil()).unwrap();
    for _ in 0..3 {
        assert_eq!(
            libpython::with_interpreter(&sub, site).unwrap().unwrap(),
            expected
        );
        assert_eq!(site().unwrap(), expected);
    }
    drop(sub);
    assert_eq!(site().unwrap(), expected);
}
