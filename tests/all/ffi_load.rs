//! The raw layer against every Python of the machine, from this one binary: each version runs
//! in a child process that loads that version's libpython.

use std::ffi::CStr;

use libpython_ffi as ffi;
use libpython_interp::discovery::{Request, discover};
use libpython_tests::{VERSIONS, assert_child_passes, is_child, pyenv};

const LIB_ENV: &str = "LIBPYTHON_TEST_LIBRARY";

fn library_of(version: &str) -> String {
    let found = discover(&Request::default().executable(pyenv(version)))
        .expect("discovery of a pyenv Python");
    found.library.to_string_lossy().into_owned()
}

#[test]
fn table_loads_and_a_real_call_works_on_every_version() {
    if is_child() {
        return raw_worker(&std::env::var(LIB_ENV).expect("the child gets a library"));
    }
    for v in VERSIONS {
        let lib = library_of(v);
        let out = assert_child_passes(
            "ffi_load::table_loads_and_a_real_call_works_on_every_version",
            &[(LIB_ENV, &lib)],
        );
        assert!(out.contains(&format!("raw layer ok: Python {v}.")), "{out}");
    }
}

/// Loads `lib`, starts Python through the raw layer only, and exercises calls of each kind.
fn raw_worker(lib: &str) {
    let lib = ffi::load(lib).expect("the library loads");
    let version = lib.version();
    let api = ffi::api();
    assert_eq!(
        api.PyObject_Vectorcall.is_some(),
        version.at_least(3, 11),
        "PyObject_Vectorcall is exported from 3.11"
    );
    assert_eq!(
        api.Py_NewInterpreterFromConfig.is_some(),
        version.at_least(3, 12)
    );
    assert!(
        api.PyObject_VectorcallDict.is_some(),
        "every supported version exports PyObject_VectorcallDict"
    );
    // SAFETY: the library is loaded; this thread initialises Python and holds the GIL until
    // the end, where it finalises; every reference taken is released.
    unsafe {
        ffi::Py_InitializeEx(0);
        assert_eq!(ffi::Py_IsInitialized(), 1);
        let header = ffi::init_object_layout();
        assert_eq!(header, 16, "GIL builds have a 16-byte object header");

        // A plain call: math.copysign(3.0, -1.0) through vectorcall.
        let math = ffi::PyImport_ImportModule(c"math".as_ptr());
        assert!(!math.is_null());
        let copysign = ffi::PyObject_GetAttrString(math, c"copysign".as_ptr());
        let args = [
            std::ptr::null_mut(),
            ffi::PyFloat_FromDouble(3.0),
            ffi::PyFloat_FromDouble(-1.0),
        ];
        let r = ffi::vectorcall(
            copysign,
            args.as_ptr().add(1),
            2 | ffi::PY_VECTORCALL_ARGUMENTS_OFFSET,
            std::ptr::null_mut(),
        );
        assert_eq!(ffi::PyFloat_AsDouble(r), -3.0);
        ffi::Py_DecRef(r);

        // A keyword call: int("ff", base=16), through vectorcall's keyword names (on 3.9 and
        // 3.10 the fallback moves them into a dict).
        let int_type = ffi::data::PyLong_Type().cast::<ffi::PyObject>();
        let kwnames = ffi::PyTuple_New(1);
        ffi::PyTuple_SetItem(kwnames, 0, ffi::PyUnicode_FromString(c"base".as_ptr()));
        let kargs = [
            std::ptr::null_mut(),
            ffi::PyUnicode_FromString(c"ff".as_ptr()),
            ffi::PyLong_FromLong(16),
        ];
        let r = ffi::vectorcall(
            int_type,
            kargs.as_ptr().add(1),
            1 | ffi::PY_VECTORCALL_ARGUMENTS_OFFSET,
            kwnames,
        );
        assert!(!r.is_null(), "int('ff', base=16) failed");
        assert_eq!(ffi::PyLong_AsLong(r), 255);
        assert!(ffi::PyLong_CheckExact(r) && !ffi::PyFloat_Check(r));
        for p in [
            r, kwnames, kargs[1], kargs[2], args[1], args[2], copysign, math,
        ] {
            ffi::Py_DecRef(p);
        }

        // Variadic functions through the table.
        let s = (api.PyUnicode_FromFormat)(
            c"%s=%d".as_ptr(),
            c"answer".as_ptr(),
            42 as std::ffi::c_int,
        );
        let mut n = 0;
        let text = CStr::from_ptr(ffi::PyUnicode_AsUTF8AndSize(s, &mut n))
            .to_str()
            .unwrap()
            .to_owned();
        assert_eq!(text, "answer=42");
        ffi::Py_DecRef(s);
        let t = (api.Py_BuildValue)(c"(is)".as_ptr(), 7 as std::ffi::c_int, c"seven".as_ptr());
        assert_eq!(ffi::PyTuple_Size(t), 2);
        ffi::Py_DecRef(t);
        let null = (api.PyErr_Format)(
            *ffi::data::PyExc_ValueError(),
            c"bad %s".as_ptr(),
            c"thing".as_ptr(),
        );
        assert!(null.is_null());
        assert_eq!(
            ffi::PyErr_ExceptionMatches(*ffi::data::PyExc_ValueError()),
            1
        );
        ffi::PyErr_Clear();

        // Data symbols: singletons and type objects.
        let one = ffi::PyLong_FromLong(1);
        assert!(ffi::Py_IS_TYPE(one, ffi::data::PyLong_Type()));
        ffi::Py_DecRef(one);
        assert!(!ffi::Py_IS_TYPE(ffi::Py_None(), ffi::data::PyLong_Type()));
        assert_eq!(ffi::PyObject_IsTrue(ffi::Py_True()), 1);
        assert!(ffi::PyType_Check(ffi::data::PyFloat_Type().cast()));

        // Lists and tuples read and filled inline: the layout found at start-up is known on
        // this GIL build, and reads what the exported functions read, also on subclasses.
        let layout = ffi::seq_layout().expect("list and tuple layout known on a GIL build");
        let globals = ffi::PyDict_New();
        let builtins = ffi::PyImport_ImportModule(c"builtins".as_ptr());
        assert_eq!(
            ffi::PyDict_SetItemString(globals, c"__builtins__".as_ptr(), builtins),
            0
        );
        ffi::Py_DecRef(builtins);
        let code = c"class L(list): pass\nimport collections\nP = collections.namedtuple('P', 'a b c')\nl = [str(i) for i in range(1000)]\nl.append(None)\nsub = L(l)\nt = tuple(l)\np = P(1, 'b', None)\ne = []\n";
        let r = ffi::PyRun_StringFlags(
            code.as_ptr(),
            ffi::Py_file_input,
            globals,
            globals,
            std::ptr::null_mut(),
        );
        assert!(!r.is_null(), "the fixture runs");
        ffi::Py_DecRef(r);
        // Per type: the fixture's objects of it, then its exported size and item functions,
        // its inline ones, and the layout's item read.
        type Size = unsafe fn(*mut ffi::PyObject) -> ffi::Py_ssize_t;
        type Item = unsafe fn(*mut ffi::PyObject, ffi::Py_ssize_t) -> *mut ffi::PyObject;
        type LayoutItem =
            unsafe fn(ffi::SeqLayout, *mut ffi::PyObject, ffi::Py_ssize_t) -> *mut ffi::PyObject;
        type Kind = (&'static [&'static CStr], Size, Item, Size, Item, LayoutItem);
        let kinds: [Kind; 2] = [
            (
                &[c"l", c"sub", c"e"],
                ffi::PyList_Size,
                ffi::PyList_GetItem,
                ffi::PyList_GET_SIZE,
                ffi::PyList_GET_ITEM,
                ffi::SeqLayout::list_item,
            ),
            (
                &[c"t", c"p"],
                ffi::PyTuple_Size,
                ffi::PyTuple_GetItem,
                ffi::PyTuple_GET_SIZE,
                ffi::PyTuple_GET_ITEM,
                ffi::SeqLayout::tuple_item,
            ),
        ];
        for (names, size, get_item, inline_size, inline_item, layout_item) in kinds {
            for name in names {
                let o = ffi::PyDict_GetItemString(globals, name.as_ptr());
                let n = size(o);
                assert_eq!(layout.size(o), n, "{name:?}");
                assert_eq!(inline_size(o), n);
                for i in 0..n {
                    assert_eq!(layout_item(layout, o, i), get_item(o, i), "{name:?}[{i}]");
                    assert_eq!(inline_item(o, i), get_item(o, i));
                }
            }
        }
        // Filling new ones: what the exported functions then read back.
        let (list, tuple) = (ffi::PyList_New(3), ffi::PyTuple_New(3));
        let items = [
            ffi::PyLong_FromLong(7),
            ffi::PyUnicode_FromString(c"x".as_ptr()),
            ffi::PyFloat_FromDouble(0.5),
        ];
        for (i, &o) in items.iter().enumerate() {
            ffi::Py_IncRef(o);
            ffi::PyList_SET_ITEM(list, i as ffi::Py_ssize_t, o);
            ffi::Py_IncRef(o);
            layout.tuple_set_item(tuple, i as ffi::Py_ssize_t, o);
        }
        for (i, &o) in items.iter().enumerate() {
            assert_eq!(ffi::PyList_GetItem(list, i as ffi::Py_ssize_t), o);
            assert_eq!(ffi::PyTuple_GetItem(tuple, i as ffi::Py_ssize_t), o);
        }
        let repr = ffi::PyObject_Repr(tuple);
        assert_eq!(
            CStr::from_ptr(ffi::PyUnicode_AsUTF8AndSize(repr, &mut n))
                .to_str()
                .unwrap(),
            "(7, 'x', 0.5)"
        );
        for p in [repr, list, tuple, items[0], items[1], items[2], globals] {
            ffi::Py_DecRef(p);
        }

        let v = CStr::from_ptr(ffi::Py_GetVersion())
            .to_string_lossy()
            .into_owned();
        assert!(v.starts_with(&format!("{}.{}.", version.major, version.minor)));
        assert_eq!(ffi::Py_FinalizeEx(), 0);
    }
    println!("raw layer ok: Python {version}");
}

#[test]
fn a_file_that_is_not_libpython_is_refused_by_name() {
    if is_child() {
        let libc = "/lib/x86_64-linux-gnu/libc.so.6";
        let e = ffi::load(libc).unwrap_err();
        assert!(matches!(e, ffi::LoadError::NotLibpython { .. }), "{e:?}");
        assert!(e.to_string().contains(libc), "{e}");
        let e = ffi::load("/no/such/libpython3.11.so").unwrap_err();
        assert!(
            e.to_string().contains("/no/such/libpython3.11.so")
                && e.to_string().contains("no such file"),
            "{e}"
        );
        let old = library_of_path(&pyenv_exact("3.8"));
        let e = ffi::load(&old).unwrap_err();
        assert!(e.to_string().contains("3.9 or newer"), "{e}");
        assert!(ffi::library().is_none(), "nothing was loaded");
        return;
    }
    assert_child_passes(
        "ffi_load::a_file_that_is_not_libpython_is_refused_by_name",
        &[],
    );
}

fn pyenv_exact(v: &str) -> std::path::PathBuf {
    pyenv(v)
}

fn library_of_path(python: &std::path::Path) -> String {
    let info = libpython_interp::discovery::probe(python).expect("probe");
    info.library_candidates()
        .into_iter()
        .find(|p| p.exists())
        .expect("a library")
        .to_string_lossy()
        .into_owned()
}
