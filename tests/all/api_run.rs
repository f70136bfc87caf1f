//! Running code: run_simple_string, add_module, module_dict, eval / exec with globals,
//! compile once and run many times, builtins.

use libpython::{Dict, Mode};
use libpython_tests::python;

#[test]
fn eval_and_exec_share_a_globals_map() {
    python();
    let g = Dict::new().unwrap();
    g.insert("base", 10).unwrap();
    libpython::exec("def add(x):\n    return base + x\nresult = add(5)", &g).unwrap();
    assert_eq!(g.get_as::<i64>("result").unwrap(), Some(15));
    let v: i64 = libpython::attach(|py| py.eval_with("add(32)", &g, None)?.extract()).unwrap();
    assert_eq!(v, 42);
}

#[test]
fn compile_once_and_run_many_times() {
    python();
    let code = libpython::compile("n = n + 1", "<counter>", Mode::Exec).unwrap();
    let g = Dict::from_pairs([("n", 0)]).unwrap();
    for _ in 0..100 {
        code.run(&g).unwrap();
    }
    assert_eq!(g.get_as::<i64>("n").unwrap(), Some(100));
    let expr = libpython::compile("x * x", "<square>", Mode::Eval).unwrap();
    let squares: Vec<i64> = (0..5)
        .map(|i| {
            g.insert("x", i).unwrap();
            expr.run(&g).unwrap().extract().unwrap()
        })
        .collect();
    assert_eq!(squares, [0, 1, 4, 9, 16]);
    assert_eq!(expr.mode(), Mode::Eval);
    let e = libpython::compile("1 +", "<bad>", Mode::Eval).unwrap_err();
    assert_eq!(e.as_python().unwrap().type_name(), "SyntaxError");
}

#[test]
fn add_module_creates_a_module_whose_dict_is_live() {
    python();
    let m = libpython::add_module("libpython_test_scratch").unwrap();
    let d = libpython::module_dict(&m).unwrap();
    d.insert("answer", 42).unwrap();
    let v: i64 = libpython::eval("__import__('libpython_test_scratch').answer")
        .unwrap()
        .extract()
        .unwrap();
    assert_eq!(v, 42);
    // Adding it again gives the same module.
    assert_eq!(
        libpython::add_module("libpython_test_scratch")
            .unwrap()
            .as_ptr(),
        m.as_ptr()
    );
}

#[test]
fn builtins_are_reachable_by_name() {
    python();
    let len = libpython::builtin("len").unwrap();
    assert_eq!(len.call(("four",)).unwrap().extract::<i64>().unwrap(), 4);
    let b = libpython::builtins().unwrap();
    let sorted: Vec<i64> = b
        .call_method("sorted", (vec![3, 1, 2],))
        .unwrap()
        .extract()
        .unwrap();
    assert_eq!(sorted, [1, 2, 3]);
    let e = libpython::builtin("no_such_builtin").unwrap_err();
    assert!(
        matches!(e.kind(), libpython::ErrorKind::NoAttribute { .. }),
        "{e:?}"
    );
}

#[test]
fn exceptions_from_running_code_carry_the_traceback() {
    python();
    let e =
        libpython::run_simple_string("def f():\n    raise ValueError('boom')\nf()").unwrap_err();
    let p = e.as_python().unwrap();
    assert_eq!((p.type_name(), p.message()), ("ValueError", "boom"));
    let tb = p.traceback();
    assert!(tb.starts_with("Traceback (most recent call last):"), "{tb}");
    assert!(tb.contains("line 2, in f"), "{tb}");
    assert!(tb.trim_end().ends_with("ValueError: boom"), "{tb}");
    assert_eq!(e.to_string(), tb.trim_end());
    assert!(p.is_instance_of("Exception"));
    assert!(p.value().is_some());
}
