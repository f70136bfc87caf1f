//! `#[derive(ToPython, FromPython)]`: structs as dicts keyed by their field names (interned per
//! interpreter), tuple structs as their field or a tuple, unit structs as `None`; errors that
//! name the missing key or the field's path.

use std::collections::BTreeMap;

use libpython::{ErrorKind, FromPython, Object, ToPython};
use libpython_tests::python;

#[derive(Debug, Clone, PartialEq, ToPython, FromPython)]
struct Customer {
    name: String,
    email: String,
    vip: bool,
}

#[derive(Debug, Clone, PartialEq, ToPython, FromPython)]
struct Line {
    sku: String,
    #[libpython(rename = "quantity")]
    qty: u32,
    price: f64,
}

#[derive(Debug, Clone, PartialEq, ToPython, FromPython)]
struct Order {
    id: u64,
    customer: Customer,
    lines: Vec<Line>,
    tags: Vec<String>,
    note: Option<String>,
    r#type: String,
    extra: BTreeMap<String, i64>,
}

#[derive(Debug, Clone, PartialEq, ToPython, FromPython)]
struct Meters(f64);

#[derive(Debug, Clone, PartialEq, ToPython, FromPython)]
struct Settings {
    name: String,
    #[libpython(default)]
    retries: u32,
    #[libpython(default, rename = "label")]
    note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, ToPython, FromPython)]
struct Pair(i64, String);

#[derive(Debug, Clone, PartialEq, ToPython, FromPython)]
struct Nothing;

#[derive(Debug, Clone, PartialEq, ToPython, FromPython)]
struct Tagged<T> {
    tag: String,
    value: T,
}

fn order() -> Order {
    Order {
        id: 4711,
        customer: Customer {
            name: "Ada".into(),
            email: "ada@example.org".into(),
            vip: true,
        },
        lines: (0..3)
            .map(|i| Line {
                sku: format!("SKU-{i}"),
                qty: i + 1,
                price: 9.5 + f64::from(i),
            })
            .collect(),
        tags: vec!["gift".into()],
        note: None,
        r#type: "retail".into(),
        extra: BTreeMap::from([("a".into(), 1)]),
    }
}

fn check(obj: &Object, expr: &str) {
    let g = libpython::Dict::new().unwrap();
    g.insert("x", obj).unwrap();
    let ok: bool = libpython::attach(|py| py.eval_with(expr, &g, None)?.extract()).unwrap();
    assert!(ok, "{expr}");
}

/// The error of reading a `T` from the value of the Python expression `expr`.
fn refused<T: FromPython + std::fmt::Debug>(expr: &str) -> libpython::Error {
    libpython::eval(expr).unwrap().extract::<T>().unwrap_err()
}

#[test]
fn structs_become_dicts_keyed_by_their_fields_and_come_back() {
    python();
    let o = order();
    let obj = libpython::to_python(&o).unwrap();
    check(
        &obj,
        "list(x) == ['id', 'customer', 'lines', 'tags', 'note', 'type', 'extra']",
    );
    check(
        &obj,
        "x['customer'] == {'name': 'Ada', 'email': 'ada@example.org', 'vip': True}",
    );
    check(
        &obj,
        "x['lines'][2] == {'sku': 'SKU-2', 'quantity': 3, 'price': 11.5} and x['note'] is None",
    );
    // Every key is the interpreter's interned str of its name.
    check(
        &obj,
        "all(k is __import__('sys').intern(k) for k in list(x) + list(x['lines'][0]))",
    );
    assert_eq!(obj.extract::<Order>().unwrap(), o);
    // Read back from dicts written in Python: keys in another order, keys made at run time,
    // a dict subclass, keys the struct does not have.
    let back: Line = libpython::eval(
        "type('D', (dict,), {})({''.join(['pri', 'ce']): 2.0, 'sku': 'x', 'quantity': 5, 'other': []})",
    )
    .unwrap()
    .extract()
    .unwrap();
    assert_eq!(
        back,
        Line {
            sku: "x".into(),
            qty: 5,
            price: 2.0
        }
    );
}

#[test]
fn fields_marked_default_may_be_missing() {
    python();
    let s: Settings = libpython::eval("{'name': 'a'}").unwrap().extract().unwrap();
    assert_eq!(
        s,
        Settings {
            name: "a".into(),
            retries: 0,
            note: None
        }
    );
    let s: Settings = libpython::eval("{'name': 'b', 'retries': 3, 'label': 'x'}")
        .unwrap()
        .extract()
        .unwrap();
    assert_eq!((s.retries, s.note.as_deref()), (3, Some("x")));
    // Present but wrong is still an error, named; a field without `default` is still needed.
    let e = refused::<Settings>("{'name': 'c', 'retries': 'many'}");
    assert!(
        matches!(e.kind(), ErrorKind::Type { path, .. } if path == "['retries']"),
        "{e:?}"
    );
    let e = refused::<Settings>("{'retries': 1}");
    assert!(
        e.to_string().contains("the key 'name' (field of Settings)"),
        "{e}"
    );
    // Written out, every field has its key.
    let obj = libpython::to_python(&s).unwrap();
    assert_eq!(
        obj.repr().unwrap(),
        "{'name': 'b', 'retries': 3, 'label': 'x'}"
    );
}

#[test]
fn tuple_newtype_unit_and_generic_structs_convert_as_documented() {
    python();
    let m = libpython::to_python(&Meters(2.5)).unwrap();
    assert_eq!(m.repr().unwrap(), "2.5");
    assert_eq!(m.extract::<Meters>().unwrap(), Meters(2.5));
    let p = libpython::to_python(&Pair(1, "a".into())).unwrap();
    assert_eq!(p.repr().unwrap(), "(1, 'a')");
    assert_eq!(p.extract::<Pair>().unwrap(), Pair(1, "a".into()));
    assert_eq!(
        libpython::eval("[2, 'b']")
            .unwrap()
            .extract::<Pair>()
            .unwrap(),
        Pair(2, "b".into())
    );
    let n = libpython::to_python(&Nothing).unwrap();
    assert_eq!(n.repr().unwrap(), "None");
    assert_eq!(n.extract::<Nothing>().unwrap(), Nothing);
    let t = Tagged {
        tag: "pair".into(),
        value: Pair(3, "c".into()),
    };
    let obj = libpython::to_python(&t).unwrap();
    assert_eq!(obj.repr().unwrap(), "{'tag': 'pair', 'value': (3, 'c')}");
    assert_eq!(obj.extract::<Tagged<Pair>>().unwrap(), t);
}

#[test]
fn errors_name_the_struct_the_missing_key_and_the_path_of_a_bad_field() {
    python();
    let err = |expr: &str| {
        libpython::eval(expr)
            .unwrap()
            .extract::<Order>()
            .unwrap_err()
    };
    let e = err("[1, 2]");
    assert!(
        matches!(e.kind(), ErrorKind::Type { expected, found, .. }
            if expected.contains("a dict (to read a Order)") && found == "list"),
        "{e}"
    );
    let good = "{'id': 1, 'customer': {'name': 'a', 'email': 'b', 'vip': False}, 'lines': [], \
                'tags': [], 'note': None, 'type': 't', 'extra': {}}";
    assert!(libpython::eval(good).unwrap().extract::<Order>().is_ok());
    let e = err(&good.replace("'type': 't', ", ""));
    assert!(
        e.to_string().contains("the key 'type' (field of Order)"),
        "{e}"
    );
    let e = err(&good.replace(
        "'lines': []",
        "'lines': [{'sku': 's', 'price': 1.0, 'quantity': -3}]",
    ));
    assert!(
        matches!(e.kind(), ErrorKind::Overflow { path, .. } if path == "['lines'][0]['quantity']"),
        "{e:?}"
    );
    let e = err(&good.replace("'vip': False", "'vip': 'no'"));
    assert!(
        matches!(e.kind(), ErrorKind::Type { path, found, .. }
            if path == "['customer']['vip']" && found == "str"),
        "{e:?}"
    );
    let e = refused::<Pair>("(1, 'a', 2)");
    assert!(
        e.to_string()
            .contains("a tuple or list of 2 items (to read a Pair)"),
        "{e}"
    );
    // A list whose `__iter__` never ends is read one item past the struct's length.
    let e =
        refused::<Pair>("type('Endless', (list,), {'__iter__': lambda s: iter(int, 1)})([1, 'a'])");
    assert!(e.to_string().contains("of more than 2 items"), "{e}");
    let e = refused::<Pair>("('a', 'b')");
    assert!(
        matches!(e.kind(), ErrorKind::Type { path, .. } if path == "[0]"),
        "{e:?}"
    );
    let e = refused::<Nothing>("0");
    assert!(e.to_string().contains("None (to read a Nothing)"), "{e}");
}

#[test]
fn a_field_whose_conversion_runs_python_is_read_from_an_owned_value() {
    python();
    // A value of a type with `__index__` (not an exact int) converts by calling Python code,
    // which empties the dict it came from: the value read is still whole, and a field read
    // after it is missing.
    let obj = libpython::eval(
        "(lambda d: (d.update(tag='t', value=type('I', (), {'__index__': lambda self: (d.clear(), 4)[1]})()), d)[1])({})",
    )
    .unwrap();
    let t: Tagged<u32> = obj.extract().unwrap();
    assert_eq!((t.tag.as_str(), t.value), ("t", 4));
    check(&obj, "x == {}");
    let obj = libpython::eval(
        "(lambda d: (d.update(sku='s', price=1.0, quantity=type('I', (), {'__index__': lambda self: (d.clear(), 4)[1]})()), d)[1])({})",
    )
    .unwrap();
    let e = obj.extract::<Line>().unwrap_err();
    assert!(
        e.to_string().contains("the key 'price' (field of Line)"),
        "{e}"
    );
}

#[test]
fn each_interpreter_gets_its_own_keys() {
    python();
    let sub = libpython::Interpreter::new(libpython::SubConfig::shared_gil()).unwrap();
    for _ in 0..2 {
        let back = libpython::with_interpreter(&sub, || {
            let obj = libpython::to_python(&order())?;
            check(&obj, "all(k is __import__('sys').intern(k) for k in x)");
            obj.extract::<Order>()
        })
        .unwrap()
        .unwrap();
        assert_eq!(back, order());
        assert_eq!(
            libpython::to_python(&order())
                .unwrap()
                .extract::<Order>()
                .unwrap(),
            order()
        );
    }
    sub.end().unwrap();
}

/// A type that holds itself, for the test below.
#[derive(Debug, FromPython)]
struct Tree {
    kids: Vec<Tree>,
}

#[test]
fn data_nested_deeper_than_the_stack_allows_is_an_error_not_a_crash() {
    python();
    let shallow = libpython::eval("{'kids': [{'kids': []}, {'kids': [{'kids': []}]}]}").unwrap();
    let t = shallow.extract::<Tree>().unwrap();
    assert_eq!(t.kids.len(), 2);
    assert_eq!(t.kids[1].kids.len(), 1);
    // Far deeper than any thread's stack holds, one Rust call per level.
    let deep = libpython::eval(
        "(lambda: [d := {'kids': []}, [(d := {'kids': [d]}) for _ in range(100000)], d][-1])()",
    )
    .unwrap();
    let e = deep.extract::<Tree>().unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::Conversion(_)), "{e:?}");
    assert!(
        e.to_string().contains("nested too deep to read a Tree"),
        "{e}"
    );
}
