//! The walk-through of libpython-clj's README, one test per snippet, done from Rust.

use libpython::array::PyBufferMut;
use libpython::{Object, call, from_import};
use libpython_tests::{Captured, assert_child_passes, is_child, python};

/// A writer whose text can be read back.
#[test]
fn run_simple_string_returns_live_globals_and_locals() {
    // (run-simple-string "print('hey')")
    if is_child() {
        let out = Captured::default();
        libpython::set_stdout(out.clone()).unwrap();
        let r = libpython::run_simple_string("print('hey')").unwrap();
        assert_eq!(out.text(), "hey\n");
        assert_eq!(
            r.globals.get_as::<String>("__name__").unwrap().as_deref(),
            Some("__main__")
        );
        assert!(r.globals.contains_key("__builtins__").unwrap());
        // The globals map is the main module's dict itself (bridged, not copied).
        let main_globals =
            libpython::module_dict(&libpython::add_module("__main__").unwrap()).unwrap();
        assert_eq!(
            main_globals.as_object().as_ptr(),
            r.globals.as_object().as_ptr()
        );
        assert!(main_globals.keys().unwrap().len() >= 5);
        // (.put main-globals "my_var" 200)
        main_globals.insert("my_var", 200).unwrap();
        libpython::run_simple_string("print('your variable is:' + str(my_var))").unwrap();
        assert!(
            out.text().ends_with("your variable is:200\n"),
            "{}",
            out.text()
        );
        // A Display of the dict shows Python's str of it.
        assert!(r.globals.to_string().contains("'my_var': 200"));
        return;
    }
    assert_child_passes(
        "api_seed::run_simple_string_returns_live_globals_and_locals",
        &[],
    );
}

#[test]
fn numpy_ones_shape_att_type_map_and_to_vec() {
    python();
    // (def np (import-module "numpy")) (def ones-ary (call-attr np "ones" [2 3]))
    let np = libpython::import("numpy").expect("numpy is installed in the Python under test");
    let ones = np.call_method("ones", ((2, 3),)).unwrap();
    assert_eq!(ones.to_string(), "[[1. 1. 1.]\n [1. 1. 1.]]");
    // (call-attr ones-ary "__len__")
    assert_eq!(
        ones.call_method("__len__", ())
            .unwrap()
            .extract::<i64>()
            .unwrap(),
        2
    );
    // (vec ones-ary)
    let rows: Vec<Vec<f64>> = ones.extract().unwrap();
    assert_eq!(rows, vec![vec![1.0; 3]; 2]);
    // (get-attr ones-ary "shape"), (vec (get-attr ones-ary "shape"))
    let shape = ones.getattr("shape").unwrap();
    assert_eq!(format!("{shape:?}"), "(2, 3)");
    assert_eq!(shape.extract::<Vec<usize>>().unwrap(), [2, 3]);
    // (att-type-map ones-ary)
    let m = ones.att_type_map().unwrap();
    assert_eq!(&*m["T"], "ndarray");
    assert_eq!(&*m["__abs__"], "method-wrapper");
    assert_eq!(&*m["__array__"], "builtin-function-or-method");
    assert_eq!(&*m["__array_interface__"], "dict");
    assert_eq!(&*m["__array_priority__"], "float");
    assert_eq!(&*m["__array_struct__"], "py-capsule");
    assert_eq!(&*m["__class__"], "type");
    assert_eq!(&*m["shape"], "tuple");
    assert_eq!(&*m["size"], "int");
    assert_eq!(&*m["sum"], "builtin-function-or-method");
}

#[test]
fn syntax_errors_keep_python_s_text_verbatim() {
    python();
    // (run-simple-string "print('syntax errrr")
    let e = libpython::run_simple_string("print('syntax errrr").unwrap_err();
    let p = e.as_python().expect("a Python exception");
    assert_eq!(p.type_name(), "SyntaxError");
    let text = e.to_string();
    assert!(text.contains("File \"<string>\", line 1"), "{text}");
    assert!(text.contains("    print('syntax errrr"), "{text}");
    assert!(
        text.lines().last().unwrap().starts_with("SyntaxError: "),
        "{text}"
    );
    // Exactly Python's own formatting of the same error.
    let g = libpython::Dict::new().unwrap();
    libpython::exec(
        "import traceback\ntry:\n    compile(\"print('syntax errrr\", '<string>', 'exec')\nexcept SyntaxError as e:\n    t = ''.join(traceback.format_exception_only(type(e), e))",
        &g,
    )
    .unwrap();
    let expected: String = g.get_as("t").unwrap().unwrap();
    assert!(
        p.traceback().ends_with(&expected),
        "{:?}\nvs\n{expected:?}",
        p.traceback()
    );
}

#[test]
fn linspace_with_keyword_num_and_its_doc() {
    python();
    // (py/from-import numpy linspace) (linspace 2 3 :num 10)
    let run = || -> libpython::Result<()> {
        from_import!(numpy: linspace);
        let xs: Vec<f64> = call!(linspace, 2, 3, num = 10)?.extract()?;
        assert_eq!(xs.len(), 10);
        assert_eq!((xs[0], xs[9]), (2.0, 3.0));
        assert!((xs[1] - 2.111_111_11).abs() < 1e-8);
        // (doc linspace)
        let doc = linspace.doc()?.expect("linspace has a docstring");
        assert!(
            doc.contains("Return evenly spaced numbers over a specified interval."),
            "{doc}"
        );
        Ok(())
    };
    run().unwrap();
}

#[test]
fn zero_copy_change_from_rust_is_seen_by_python() {
    if is_child() {
        let out = Captured::default();
        libpython::set_stdout(out.clone()).unwrap();
        let np = libpython::import("numpy").unwrap();
        let ones: Object = np.call_method("ones", ((2, 3),)).unwrap();
        // (def tens-data (as-tensor ones-ary)) (dtype/copy! (repeat 6 5) tens-data)
        {
            let mut t = PyBufferMut::<f64>::from_object(&ones).unwrap();
            assert_eq!(t.shape(), [2, 3]);
            t.fill(5.0);
        }
        // (.put main-globals "ones_ary" ones-ary) (run-simple-string "print(ones_ary)")
        let g = libpython::module_dict(&libpython::add_module("__main__").unwrap()).unwrap();
        g.insert("ones_ary", &ones).unwrap();
        libpython::run_simple_string("print(ones_ary)").unwrap();
        assert_eq!(out.text(), "[[5. 5. 5.]\n [5. 5. 5.]]\n");
        return;
    }
    assert_child_passes(
        "api_seed::zero_copy_change_from_rust_is_seen_by_python",
        &[],
    );
}
