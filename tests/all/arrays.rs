//! Zero-copy arrays: buffer-protocol views of Python memory, Rust memory moved into
//! Python, the dynamic borrow check, lifetimes, `ndarray` interop and DLPack. numpy is
//! required: the tests fail, not skip, without it.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use libpython::array::{DlTensor, Element, PyBuffer, PyBufferMut, RustArray, to_python_array};
use libpython::{Dict, Error, ErrorKind, FromPython, Object, ToPython};
use libpython_tests::namespace::{eval, get, numpy as ns, run};
use libpython_tests::python;
use libpython_tests::storage::OnDrop;

/// The address numpy reports for the first element of `name`.
fn np_address(g: &Dict, name: &str) -> usize {
    eval(g, &format!("{name}.__array_interface__['data'][0]"))
}

fn conversion_message(e: Error) -> String {
    match e.into_kind() {
        ErrorKind::Conversion(m) => m,
        other => panic!("expected Error::conversion, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Python to Rust

/// Views numpy, memoryview and (with a type code) `array.array` sources of `values`.
fn view_every_source<T: Element + PartialEq + FromPython + ToPython + 'static>(
    dtype: &str,
    array_code: Option<&str>,
    values: Vec<T>,
) {
    let g = ns("");
    g.insert("vals", values.clone()).unwrap();
    run(
        &g,
        &format!("a = np.array(vals, dtype='{dtype}')\nm = memoryview(a)"),
    );
    let mut sources = vec!["a", "m"];
    if let Some(code) = array_code {
        run(
            &g,
            &format!("import array\narr = array.array('{code}', a.tolist())"),
        );
        sources.push("arr");
    }
    for name in sources {
        let obj = get(&g, name);
        let v = PyBuffer::<T>::from_object(&obj).unwrap_or_else(|e| panic!("{dtype} {name}: {e}"));
        assert_eq!(v.as_cells().unwrap(), values.as_slice(), "{dtype} {name}");
        assert_eq!(v.to_vec(), values, "{dtype} {name}");
        assert_eq!(v.shape(), [values.len()]);
        assert_eq!(v.strides(), [std::mem::size_of::<T>() as isize]);
        assert!(!v.is_readonly());
        if name == "a" {
            assert_eq!(
                v.as_ptr() as usize,
                np_address(&g, "a"),
                "{dtype}: the view is the numpy memory itself"
            );
        }
    }
    // A mutable view writes the numpy memory in place.
    let a = get(&g, "a");
    let mut w = PyBufferMut::<T>::from_object(&a).unwrap();
    let first = values[values.len() - 1];
    w.set(&[0], first).unwrap();
    drop(w);
    let back: Vec<T> = eval(&g, "a.tolist()");
    assert_eq!(back[0], first, "{dtype}");
}

#[test]
fn every_element_type_views_numpy_memoryview_and_array_array_in_place() {
    view_every_source::<i8>("int8", Some("b"), vec![-128, -1, 0, 1, 127]);
    view_every_source::<i16>("int16", Some("h"), vec![i16::MIN, -1, 0, 1, i16::MAX]);
    view_every_source::<i32>("int32", Some("i"), vec![i32::MIN, -1, 0, 1, i32::MAX]);
    view_every_source::<i64>("int64", Some("l"), vec![i64::MIN, -1, 0, 1, i64::MAX]);
    view_every_source::<i64>("int64", Some("q"), vec![i64::MIN, -1, 0, 1, i64::MAX]);
    view_every_source::<isize>("intp", Some("l"), vec![isize::MIN, -1, 0, 1, isize::MAX]);
    view_every_source::<u8>("uint8", Some("B"), vec![0, 1, 2, 254, 255]);
    view_every_source::<u16>("uint16", Some("H"), vec![0, 1, 2, u16::MAX - 1, u16::MAX]);
    view_every_source::<u32>("uint32", Some("I"), vec![0, 1, 2, u32::MAX - 1, u32::MAX]);
    view_every_source::<u64>("uint64", Some("L"), vec![0, 1, 2, u64::MAX - 1, u64::MAX]);
    view_every_source::<u64>("uint64", Some("Q"), vec![0, 1, 2, u64::MAX - 1, u64::MAX]);
    view_every_source::<f32>(
        "float32",
        Some("f"),
        vec![-1.5, 0.0, 0.25, 3.0e38, f32::MIN_POSITIVE],
    );
    view_every_source::<f64>(
        "float64",
        Some("d"),
        vec![-1.5, 0.0, 0.1, 1.0e300, f64::MIN_POSITIVE],
    );
    view_every_source::<bool>("bool", None, vec![true, false, false, true, true]);
}

#[test]
fn bytes_bytearray_and_memoryview_casts_are_viewed() {
    let g = ns(
        "b = b'hello'\nba = bytearray(b'abc')\nmv = memoryview(bytearray(16)).cast('d')\nmv[1] = 2.5\nmv2 = memoryview(b'abcdef').cast('B', (2, 3))",
    );
    let b = PyBuffer::<u8>::from_object(&get(&g, "b")).unwrap();
    assert_eq!(b.to_vec(), b"hello");
    assert!(b.is_readonly());
    assert_eq!(b.format(), "B");
    let mv = PyBuffer::<f64>::from_object(&get(&g, "mv")).unwrap();
    assert_eq!(mv.as_cells().unwrap(), [0.0, 2.5]);
    let mv2 = PyBuffer::<u8>::from_object(&get(&g, "mv2")).unwrap();
    assert_eq!(mv2.shape(), [2, 3]);
    assert_eq!(mv2.get(&[1, 0]), Some(b'd'));
    assert_eq!(mv2.get(&[2, 0]), None);
    assert_eq!(mv2.get(&[0]), None);
    let mut ba = PyBufferMut::<u8>::from_object(&get(&g, "ba")).unwrap();
    ba.copy_from_slice(b"xyz").unwrap();
    drop(ba);
    assert_eq!(eval::<String>(&g, "ba.decode()"), "xyz");
}

#[test]
fn explicit_byte_order_formats_are_understood() {
    // ctypes arrays export formats with a byte-order prefix ("<d", "<l", "<?").
    let g = ns(
        "import ctypes\nd = (ctypes.c_double * 3)(1.5, 2.5, 3.5)\nl = (ctypes.c_long * 2)(-7, 8)\nu = (ctypes.c_uint16 * 2)(1, 65535)\nb = (ctypes.c_bool * 2)(True, False)\ni = (ctypes.c_int32 * 2)(3, -4)",
    );
    let d = PyBuffer::<f64>::from_object(&get(&g, "d")).unwrap();
    assert!(d.format().starts_with('<'), "{}", d.format());
    assert_eq!(d.to_vec(), [1.5, 2.5, 3.5]);
    assert_eq!(
        PyBuffer::<i64>::from_object(&get(&g, "l"))
            .unwrap()
            .to_vec(),
        [-7, 8]
    );
    assert_eq!(
        PyBuffer::<u16>::from_object(&get(&g, "u"))
            .unwrap()
            .to_vec(),
        [1, 65535]
    );
    assert_eq!(
        PyBuffer::<bool>::from_object(&get(&g, "b"))
            .unwrap()
            .to_vec(),
        [true, false]
    );
    assert_eq!(
        PyBuffer::<i32>::from_object(&get(&g, "i"))
            .unwrap()
            .to_vec(),
        [3, -4]
    );
    assert!(
        PyBufferMut::<f64>::from_object(&get(&g, "d")).is_err(),
        "`d` is still viewed"
    );
    drop(d);
    let mut w = PyBufferMut::<f64>::from_object(&get(&g, "d")).unwrap();
    w.set(&[2], -1.0).unwrap();
    drop(w);
    assert_eq!(eval::<f64>(&g, "d[2]"), -1.0);
    let m = conversion_message(PyBuffer::<i32>::from_object(&get(&g, "l")).unwrap_err());
    assert!(m.contains("i64") && m.contains("i32"), "{m}");
}

#[test]
fn wrong_element_types_name_both_types() {
    let g = ns(
        "f = np.zeros(3)\ni = np.zeros(3, dtype='int64')\nc = np.zeros(3, dtype=complex)\nbe = np.arange(3, dtype='>i4')\nbad = np.array([0, 2], dtype=np.uint8).view(bool)\nlst = [1, 2]\nrec = np.zeros(4, dtype=[('a', '<f8'), ('b', '<i4')])['a']",
    );
    let m = conversion_message(PyBuffer::<i32>::from_object(&get(&g, "f")).unwrap_err());
    assert!(
        m.contains("f64") && m.contains("i32") && m.contains("\"d\""),
        "{m}"
    );
    let m = conversion_message(PyBufferMut::<f64>::from_object(&get(&g, "i")).unwrap_err());
    assert!(m.contains("i64") && m.contains("f64"), "{m}");
    let m = conversion_message(PyBuffer::<u64>::from_object(&get(&g, "i")).unwrap_err());
    assert!(m.contains("i64") && m.contains("u64"), "{m}");
    let m = conversion_message(PyBuffer::<f64>::from_object(&get(&g, "c")).unwrap_err());
    assert!(m.contains("complex128") && m.contains("f64"), "{m}");
    let m = conversion_message(PyBuffer::<i32>::from_object(&get(&g, "be")).unwrap_err());
    assert!(
        m.contains("big-endian i32") && m.contains("byte order"),
        "{m}"
    );
    let m = conversion_message(PyBuffer::<bool>::from_object(&get(&g, "bad")).unwrap_err());
    assert!(m.contains("byte 2") && m.contains("bool"), "{m}");
    let m = conversion_message(PyBuffer::<f64>::from_object(&get(&g, "rec")).unwrap_err());
    assert!(m.contains("stride of 12 bytes") && m.contains("f64"), "{m}");
    match PyBuffer::<u8>::from_object(&get(&g, "lst"))
        .unwrap_err()
        .into_kind()
    {
        ErrorKind::Type {
            expected, found, ..
        } => {
            assert!(expected.contains("buffer protocol"), "{expected}");
            assert_eq!(found, "list");
        }
        other => panic!("{other:?}"),
    }
    match PyBufferMut::<u8>::from_object(&get(&g, "lst"))
        .unwrap_err()
        .into_kind()
    {
        ErrorKind::Type { found, .. } => assert_eq!(found, "list"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn read_only_buffers_refuse_mutable_views() {
    let g = ns(
        "b = b'abc'\na = np.arange(4.0)\na.flags.writeable = False\nm = memoryview(bytearray(b'xy')).toreadonly()",
    );
    for name in ["b", "m"] {
        let m = conversion_message(PyBufferMut::<u8>::from_object(&get(&g, name)).unwrap_err());
        assert!(m.contains("read-only"), "{name}: {m}");
        assert!(
            PyBuffer::<u8>::from_object(&get(&g, name))
                .unwrap()
                .is_readonly()
        );
    }
    let m = conversion_message(PyBufferMut::<f64>::from_object(&get(&g, "a")).unwrap_err());
    assert!(m.contains("read-only") && m.contains("ndarray"), "{m}");
    let r = PyBuffer::<f64>::from_object(&get(&g, "a")).unwrap();
    assert!(r.is_readonly());
    assert_eq!(r.as_cells().unwrap(), [0.0, 1.0, 2.0, 3.0]);
}

#[test]
fn vectors_are_checked_for_alignment_and_bool_bytes() {
    // One-axis contiguous buffers of the element type (the common case, checked without the
    // general layout walk) are refused all the same when their start is misaligned or their
    // bools hold other bytes; a misaligned empty vector reaches no element and is fine.
    let g = ns(
        "raw = bytearray(40)\nodd = np.frombuffer(raw, dtype=np.float64, offset=1, count=2)\nnone = np.frombuffer(raw, dtype=np.float64, offset=1, count=0)\nbools = np.frombuffer(bytes([0, 1, 2]), dtype=np.bool_)\nfine = np.frombuffer(raw, dtype=np.float64, offset=8, count=2)",
    );
    let odd = get(&g, "odd");
    let m = conversion_message(PyBuffer::<f64>::from_object(&odd).unwrap_err());
    assert!(m.contains("not aligned for f64"), "{m}");
    let m = conversion_message(PyBufferMut::<f64>::from_object(&odd).unwrap_err());
    assert!(m.contains("not aligned for f64"), "{m}");
    let none = PyBuffer::<f64>::from_object(&get(&g, "none")).unwrap();
    assert!(none.is_empty() && none.as_cells().unwrap().is_empty());
    let m = conversion_message(PyBuffer::<bool>::from_object(&get(&g, "bools")).unwrap_err());
    assert!(m.contains("byte 2") && m.contains("bool"), "{m}");
    let mut fine = PyBufferMut::<f64>::from_object(&get(&g, "fine")).unwrap();
    fine.fill(0.5);
    assert_eq!(fine.len(), 2);
    // The refused views left no borrow behind, and the mutable one covers its own bytes only:
    // the float after it is free.
    drop(fine);
    run(
        &g,
        "after = np.frombuffer(raw, dtype=np.float64, offset=24, count=1)",
    );
    let w = PyBufferMut::<f64>::from_object(&get(&g, "fine")).unwrap();
    let after = PyBufferMut::<f64>::from_object(&get(&g, "after")).unwrap();
    drop((w, after));
    assert_eq!(eval::<f64>(&g, "float(fine.sum())"), 1.0);
}

/// Checks a view of `expr` against numpy's own idea of it.
fn check_strided(g: &Dict, expr: &str) {
    run(g, &format!("x = {expr}"));
    let x = get(g, "x");
    let v = PyBuffer::<i64>::from_object(&x).unwrap();
    let shape: Vec<usize> = eval(g, "list(x.shape)");
    let strides: Vec<isize> = eval(g, "list(x.strides)");
    assert_eq!(v.shape(), shape.as_slice(), "{expr}");
    if !shape.contains(&0) {
        // (numpy exports made-up strides for empty arrays)
        assert_eq!(v.strides(), strides.as_slice(), "{expr}");
    }
    let flat: Vec<i64> = eval(g, "x.ravel().tolist()");
    assert_eq!(v.to_vec(), flat, "{expr}");
    assert_eq!(v.iter().collect::<Vec<_>>(), flat, "{expr}");
    assert_eq!(
        v.is_c_contiguous(),
        eval::<bool>(g, "x.flags.c_contiguous"),
        "{expr}"
    );
    assert_eq!(
        v.is_f_contiguous(),
        eval::<bool>(g, "x.flags.f_contiguous"),
        "{expr}"
    );
    assert_eq!(v.as_cells().is_ok(), v.is_c_contiguous(), "{expr}");
    if !shape.is_empty() && !shape.contains(&0) {
        let last: Vec<usize> = shape.iter().map(|n| n - 1).collect();
        let want: i64 = eval(g, "x[tuple(n - 1 for n in x.shape)]");
        assert_eq!(v.get(&last), Some(want), "{expr}");
        let first: i64 = eval(g, "x.flat[0]");
        assert_eq!(v.get(&vec![0; shape.len()]), Some(first), "{expr}");
    }
}

#[test]
fn n_dimensional_and_strided_views_follow_numpy() {
    let g = ns(
        "a = np.arange(120, dtype='int64').reshape(2, 3, 4, 5)\nb = np.arange(10, dtype='int64')",
    );
    for expr in [
        "a",
        "a[1]",
        "a[:, ::2, ::-1]",
        "a.T",
        "a.transpose(2, 0, 3, 1)",
        "a[..., ::3]",
        "a[::-1, :, 1, ::-2]",
        "b[::2]",
        "b[::-1]",
        "b[3:3]",
        "np.array(7, dtype='int64')",
        "a[:, :, :0]",
        "np.broadcast_to(b, (3, 10))",
    ] {
        check_strided(&g, expr);
    }
    // Transposed C arrays are Fortran-contiguous: a slice in memory order.
    run(&g, "t = a[0].T");
    let t = PyBuffer::<i64>::from_object(&get(&g, "t")).unwrap();
    assert!(t.as_cells().is_err());
    let mem = t.as_cells_memory_order().unwrap();
    assert_eq!(mem, (0..60).collect::<Vec<i64>>().as_slice());
    let e = conversion_message(t.as_cells().unwrap_err());
    assert!(e.contains("not C-contiguous"), "{e}");
}

#[test]
fn mutable_strided_views_write_only_their_elements() {
    let g = ns("a = np.zeros((4, 6), dtype='int32')\nv = a[::2, ::-3]");
    let mut v = PyBufferMut::<i32>::from_object(&get(&g, "v")).unwrap();
    assert_eq!(v.shape(), [2, 2]);
    let mut n = 0;
    v.map_in_place(|x| {
        assert_eq!(x, 0);
        n += 1;
        n
    });
    v.set(&[1, 1], 40).unwrap();
    let m = conversion_message(v.set(&[2, 0], 1).unwrap_err());
    assert!(m.contains("[2, 0]") && m.contains("[2, 2]"), "{m}");
    drop(v);
    let rows: Vec<Vec<i32>> = eval(&g, "a.tolist()");
    assert_eq!(rows[0], [0, 0, 2, 0, 0, 1]);
    assert_eq!(rows[1], [0; 6]);
    assert_eq!(rows[2], [0, 0, 40, 0, 0, 3]);
    assert_eq!(rows[3], [0; 6]);
    let mut w = PyBufferMut::<i32>::from_object(&get(&g, "v")).unwrap();
    w.fill(-1);
    drop(w);
    assert_eq!(eval::<i64>(&g, "int((a == -1).sum())"), 4);
}

// ---------------------------------------------------------------------------------------------
// Aliasing

#[test]
fn a_second_mutable_view_of_the_same_memory_is_refused() {
    let g = ns(
        "a = np.arange(10.0)\nodd = a[1::2]\nhead = a[:5]\ntail = a[5:]\nmid = a[3:7]\nmv = memoryview(a)\nother = np.arange(10.0)",
    );
    let a = get(&g, "a");
    let w = PyBufferMut::<f64>::from_object(&a).unwrap();
    for name in ["a", "odd", "mv", "mid"] {
        let m = conversion_message(PyBufferMut::<f64>::from_object(&get(&g, name)).unwrap_err());
        assert!(m.contains("borrowed mutably"), "{name}: {m}");
        let m = conversion_message(PyBuffer::<f64>::from_object(&get(&g, name)).unwrap_err());
        assert!(m.contains("borrowed mutably"), "{name}: {m}");
    }
    // Other memory is unaffected.
    let o = PyBufferMut::<f64>::from_object(&get(&g, "other")).unwrap();
    drop((w, o));

    // Any number of read views, but then no mutable one.
    let r1 = PyBuffer::<f64>::from_object(&a).unwrap();
    let r2 = PyBuffer::<f64>::from_object(&get(&g, "odd")).unwrap();
    let m = conversion_message(PyBufferMut::<f64>::from_object(&get(&g, "mid")).unwrap_err());
    assert!(m.contains("read view"), "{m}");
    drop(r1);
    assert!(
        PyBufferMut::<f64>::from_object(&get(&g, "head")).is_err(),
        "r2 (a[1::2]) still reaches a[:5]"
    );
    drop(r2);

    // Disjoint halves can both be mutable; an overlapping middle cannot join them.
    let mut h = PyBufferMut::<f64>::from_object(&get(&g, "head")).unwrap();
    let mut t = PyBufferMut::<f64>::from_object(&get(&g, "tail")).unwrap();
    assert!(PyBufferMut::<f64>::from_object(&get(&g, "mid")).is_err());
    h.fill(1.0);
    t.fill(2.0);
    drop((h, t));
    assert_eq!(eval::<f64>(&g, "float(a.sum())"), 15.0);
    // Everything released: a mutable view of the whole is fine again.
    assert!(PyBufferMut::<f64>::from_object(&a).is_ok());
}

#[test]
fn many_live_read_views_all_count_and_all_release() {
    // More live read views than the registry's lock-free table holds (and than the per-thread
    // pool of buffer boxes keeps), some dropped on another thread: every one of them blocks a
    // mutable view while it lives, and once all are gone the memory is free again.
    let g = ns("a = np.arange(100.0)\nevery2 = a[::2]\nmv = memoryview(a)");
    let sources = [get(&g, "a"), get(&g, "every2"), get(&g, "mv")];
    let views: Vec<PyBuffer<f64>> = (0..150)
        .map(|i| PyBuffer::<f64>::from_object(&sources[i % 3]).unwrap())
        .collect();
    let m = conversion_message(PyBufferMut::<f64>::from_object(&sources[0]).unwrap_err());
    assert!(m.contains("150 live read view(s)"), "{m}");
    let (mine, theirs): (Vec<_>, Vec<_>) =
        views.into_iter().enumerate().partition(|(i, _)| i % 2 == 0);
    std::thread::spawn(move || {
        assert_eq!(
            theirs.iter().map(|(_, v)| v.len()).sum::<usize>(),
            25 * 100 + 25 * 50 + 25 * 100
        );
        drop(theirs);
    })
    .join()
    .unwrap();
    let m = conversion_message(PyBufferMut::<f64>::from_object(&sources[1]).unwrap_err());
    assert!(m.contains("75 live read view(s)"), "{m}");
    drop(mine);
    let mut w = PyBufferMut::<f64>::from_object(&sources[0]).unwrap();
    w.set(&[0], -1.0).unwrap();
    drop(w);
    assert_eq!(eval::<f64>(&g, "float(a[0])"), -1.0);
}

#[test]
fn recycled_views_describe_their_own_buffer() {
    // Views of different shapes, exporters and element types made and dropped in turn (their
    // buffer boxes are recycled): each one describes its own buffer, not an earlier one.
    let g = ns(
        "m = np.arange(12.0).reshape(3, 4)\nb = b'hello'\nz = np.float64(2.5)\ne = np.zeros(0)\nt = np.arange(6, dtype='int32').reshape(2, 3).T",
    );
    for _ in 0..3 {
        let m = PyBuffer::<f64>::from_object(&get(&g, "m")).unwrap();
        assert_eq!(
            (m.shape(), m.strides()),
            (&[3usize, 4][..], &[32isize, 8][..])
        );
        drop(m);
        let b = PyBuffer::<u8>::from_object(&get(&g, "b")).unwrap();
        assert_eq!(
            (b.shape(), b.strides(), b.to_vec().as_slice()),
            (&[5usize][..], &[1isize][..], &b"hello"[..])
        );
        drop(b);
        let z = PyBuffer::<f64>::from_object(&get(&g, "z")).unwrap();
        assert_eq!((z.ndim(), z.len(), z.to_vec()), (0, 1, vec![2.5]));
        drop(z);
        let e = PyBuffer::<f64>::from_object(&get(&g, "e")).unwrap();
        assert_eq!(
            (e.shape(), e.len(), e.to_vec().as_slice()),
            (&[0usize][..], 0, &[][..])
        );
        let t = PyBuffer::<i32>::from_object(&get(&g, "t")).unwrap();
        assert_eq!(
            (t.shape(), t.is_c_contiguous(), t.is_f_contiguous()),
            (&[3usize, 2][..], false, true)
        );
        assert_eq!(t.to_vec(), [0, 3, 1, 4, 2, 5]);
        assert_eq!(t.as_cells_memory_order().unwrap(), [0, 1, 2, 3, 4, 5]);
    }
}

#[test]
fn views_are_released_on_threads_that_do_not_hold_the_gil() {
    let g = ns("b = bytearray(b'abc')");
    let b = get(&g, "b");
    let v = PyBuffer::<u8>::from_object(&b).unwrap();
    // While exported, a bytearray cannot be resized.
    assert!(libpython::exec("b.append(1)", &g).is_err());
    let w = std::thread::spawn(move || {
        assert_eq!(v.to_vec(), b"abc");
        assert_eq!(libpython::interp::gil::depth(), 0);
        drop(v);
    });
    w.join().unwrap();
    run(&g, "b.append(100)");
    assert_eq!(eval::<Vec<u8>>(&g, "list(b)"), [97, 98, 99, 100]);
}

// ---------------------------------------------------------------------------------------------
// Rust to Python

#[test]
fn a_vec_moved_into_python_is_a_numpy_view_both_ways() {
    let data: Vec<f64> = (0..6).map(f64::from).collect();
    let ptr = data.as_ptr() as usize;
    let x = RustArray::new(data, &[2, 3]).unwrap();
    assert_eq!(x.shape(), [2, 3]);
    let g = ns("");
    g.insert("x", &x).unwrap();
    run(&g, "a = np.asarray(x)\nm = memoryview(x)");
    assert_eq!(
        np_address(&g, "a"),
        ptr,
        "numpy views the Rust vector's memory"
    );
    assert_eq!(eval::<(usize, usize)>(&g, "a.shape"), (2, 3));
    assert_eq!(eval::<String>(&g, "str(a.dtype)"), "float64");
    assert_eq!(
        eval::<(String, Vec<usize>, bool)>(&g, "(m.format, list(m.shape), m.readonly)"),
        ("d".into(), vec![2, 3], false)
    );
    assert_eq!(
        eval::<String>(&g, "repr(x)"),
        "RustArray(f64, shape=(2, 3))"
    );

    assert_eq!(x.buffer_exports(), 2, "numpy's and the memoryview's");
    // numpy writes, Rust reads.
    run(&g, "a[1, 2] = 42.0");
    assert_eq!(
        x.buffer().unwrap().to_vec(),
        [0.0, 1.0, 2.0, 3.0, 4.0, 42.0]
    );
    // Rust fills, Python prints the new values.
    x.buffer_mut().unwrap().fill(7.0);
    run(
        &g,
        "out = io.StringIO()\nwith contextlib.redirect_stdout(out): print(a)",
    );
    assert_eq!(
        eval::<String>(&g, "out.getvalue()"),
        "[[7. 7. 7.]\n [7. 7. 7.]]\n"
    );
    // The Rust views obey the borrow rules against each other.
    let w = x.buffer_mut().unwrap();
    assert!(x.buffer().is_err());
    assert_eq!(x.buffer_exports(), 3);
    drop(w);
    run(&g, "del a, m\ngc.collect()");
    assert_eq!(x.buffer_exports(), 0, "every view released its buffer");
}

fn export_type<T: Element + PartialEq + FromPython>(values: Vec<T>, dtype: &str) {
    let ptr = values.as_ptr() as usize;
    let x = RustArray::from_vec(values.clone()).unwrap_or_else(|e| panic!("{dtype}: {e}"));
    drop(values);
    let g = ns("");
    g.insert("x", x.as_object()).unwrap();
    run(&g, "a = np.asarray(x)");
    assert_eq!(eval::<String>(&g, "str(a.dtype)"), dtype);
    let back: Vec<T> = eval(&g, "a.tolist()");
    assert_eq!(back, x.buffer().unwrap().to_vec(), "{dtype}");
    assert_ne!(np_address(&g, "a"), 0);
    let _ = ptr;
}

#[test]
fn every_element_type_exports_to_numpy() {
    export_type(vec![i8::MIN, 0, i8::MAX], "int8");
    export_type(vec![i16::MIN, 0, i16::MAX], "int16");
    export_type(vec![i32::MIN, 0, i32::MAX], "int32");
    export_type(vec![i64::MIN, 0, i64::MAX], "int64");
    export_type(vec![isize::MIN, 0, isize::MAX], "int64");
    export_type(vec![0u8, 7, u8::MAX], "uint8");
    export_type(vec![0u16, 7, u16::MAX], "uint16");
    export_type(vec![0u32, 7, u32::MAX], "uint32");
    export_type(vec![0u64, 7, u64::MAX], "uint64");
    export_type(vec![usize::MAX, 1], "uint64");
    export_type(vec![1.5f32, -0.0, f32::MAX], "float32");
    export_type(vec![1.5f64, -0.0, f64::MAX], "float64");
    export_type(vec![true, false, true], "bool");
    // Boxed slices and empty arrays too.
    let x = RustArray::from_boxed_slice(vec![3u16, 4].into_boxed_slice()).unwrap();
    assert_eq!(
        x.to_numpy()
            .unwrap()
            .call_method("tolist", ())
            .unwrap()
            .extract::<Vec<u16>>()
            .unwrap(),
        [3, 4]
    );
    let e = RustArray::<f64>::new(Vec::new(), &[0, 3]).unwrap();
    assert_eq!(
        e.to_numpy()
            .unwrap()
            .getattr("shape")
            .unwrap()
            .extract::<(usize, usize)>()
            .unwrap(),
        (0, 3)
    );
    assert!(e.buffer().unwrap().is_empty());
    let s = RustArray::new(vec![9i32], &[]).unwrap();
    assert_eq!(
        s.to_numpy()
            .unwrap()
            .call_method("item", ())
            .unwrap()
            .extract::<i32>()
            .unwrap(),
        9
    );
}

#[test]
fn exports_refuse_bad_shapes_and_wrong_handles() {
    python();
    let m = conversion_message(to_python_array(vec![1u8, 2, 3], &[2, 2]).unwrap_err());
    assert!(m.contains("[2, 2]") && m.contains('3'), "{m}");
    let x = RustArray::from_vec(vec![1i32, 2]).unwrap();
    let m = conversion_message(RustArray::<f64>::from_object(x.as_object().clone()).unwrap_err());
    assert!(m.contains("i32") && m.contains("f64"), "{m}");
    let back = RustArray::<i32>::from_object(x.as_object().clone()).unwrap();
    assert_eq!(back.shape(), [2]);
    match RustArray::<i32>::from_object(libpython::eval("[1, 2]").unwrap())
        .unwrap_err()
        .into_kind()
    {
        ErrorKind::Type {
            expected, found, ..
        } => assert_eq!(
            (expected.as_str(), found.as_str()),
            ("a libpython.RustArray", "list")
        ),
        other => panic!("{other:?}"),
    }
    // Python cannot make instances without Rust.
    let g = ns("");
    g.insert("x", &x).unwrap();
    let e = libpython::exec("type(x)()", &g).unwrap_err();
    assert_eq!(e.as_python().unwrap().type_name(), "TypeError");
    // numpy asks for a Fortran-contiguous buffer of a C array: refused cleanly.
    let e = libpython::exec(
        "import ctypes\nmemoryview(np.asarray(x)); np.asarray(x, order='F')",
        &g,
    );
    assert!(e.is_ok(), "1-d arrays are both C and F contiguous: {e:?}");
}

/// An array of `n` ones whose storage counts its drops, and the count.
fn counted(n: usize) -> (Object, Arc<AtomicUsize>) {
    let drops = Arc::new(AtomicUsize::new(0));
    let d = drops.clone();
    let storage = OnDrop::new(vec![1.0; n], move || {
        d.fetch_add(1, Ordering::SeqCst);
    });
    (to_python_array(storage, &[n]).unwrap(), drops)
}

#[test]
fn the_rust_storage_is_dropped_once_after_the_last_python_view() {
    // memoryview
    let (x, drops) = counted(4);
    let g = ns("");
    g.insert("x", x).unwrap();
    run(&g, "m = memoryview(x)\ndel x\ngc.collect()");
    assert_eq!(
        drops.load(Ordering::SeqCst),
        0,
        "the memoryview keeps the storage alive"
    );
    assert_eq!(eval::<f64>(&g, "sum(m)"), 4.0);
    run(&g, "del m\ngc.collect()");
    assert_eq!(
        drops.load(Ordering::SeqCst),
        1,
        "dropped once the last view is gone"
    );
    run(&g, "gc.collect()");
    assert_eq!(drops.load(Ordering::SeqCst), 1, "and only once");

    // numpy arrays and slices of them
    let (x, drops) = counted(6);
    g.insert("x", x).unwrap();
    run(
        &g,
        "a = np.asarray(x)[::2]\nb = a[1:]\ndel x, a\ngc.collect()",
    );
    assert_eq!(drops.load(Ordering::SeqCst), 0);
    run(&g, "b[:] = 3\ns = float(b.sum())\ndel b\ngc.collect()");
    assert_eq!(eval::<f64>(&g, "s"), 6.0);
    assert_eq!(drops.load(Ordering::SeqCst), 1);

    // A Rust view keeps it alive too, and a Rust handle.
    let (x, drops) = counted(2);
    let v = PyBuffer::<f64>::from_object(&x).unwrap();
    drop(x);
    assert_eq!(drops.load(Ordering::SeqCst), 0);
    assert_eq!(v.to_vec(), [1.0, 1.0]);
    drop(v);
    // `x`'s reference was queued (dropped without the GIL) and may be released by another
    // test's thread: on free-threaded builds the storage then goes when this thread next runs
    // Python.
    libpython_tests::wait_for_release(|| drops.load(Ordering::SeqCst) > 0);
    assert_eq!(drops.load(Ordering::SeqCst), 1);

    // The last reference dropped on a thread without the GIL: released at the next
    // acquisition, still exactly once.
    let (x, drops) = counted(2);
    std::thread::spawn(move || {
        assert_eq!(libpython::interp::gil::depth(), 0);
        drop(x);
    })
    .join()
    .unwrap();
    libpython_tests::wait_for_release(|| drops.load(Ordering::SeqCst) > 0);
    assert_eq!(drops.load(Ordering::SeqCst), 1);

    // A DLPack import of it, dropped on another thread.
    let (x, drops) = counted(2);
    let t = DlTensor::from_object(&x).unwrap();
    drop(x);
    std::thread::spawn(move || drop(t)).join().unwrap();
    libpython_tests::wait_for_release(|| drops.load(Ordering::SeqCst) > 0);
    assert_eq!(drops.load(Ordering::SeqCst), 1);

    // DLPack: numpy.from_dlpack, and a capsule never consumed.
    let (x, drops) = counted(3);
    g.insert("x", x).unwrap();
    run(
        &g,
        "d = np.from_dlpack(x)\nc = x.__dlpack__()\ndel x\ngc.collect()",
    );
    assert_eq!(drops.load(Ordering::SeqCst), 0);
    run(&g, "del d\ngc.collect()");
    assert_eq!(
        drops.load(Ordering::SeqCst),
        0,
        "the unconsumed capsule still holds the array"
    );
    run(&g, "del c\ngc.collect()");
    assert_eq!(drops.load(Ordering::SeqCst), 1);
}

#[test]
fn a_panicking_storage_drop_does_not_unwind_into_python() {
    let drops = Arc::new(AtomicUsize::new(0));
    let d = drops.clone();
    let exploding = OnDrop::new(vec![1u8, 2], move || {
        d.fetch_add(1, Ordering::SeqCst);
        panic!("storage drop panics (on purpose)");
    });
    let x = to_python_array(exploding, &[2]).unwrap();
    let g = ns("");
    g.insert("x", x).unwrap();
    run(
        &g,
        "import sys\nseen = []\nsys.unraisablehook, old = (lambda u: seen.append(str(u.exc_value))), sys.unraisablehook\ndel x\nsys.unraisablehook = old",
    );
    assert_eq!(drops.load(Ordering::SeqCst), 1);
    let seen: Vec<String> = eval(&g, "seen");
    assert!(seen.iter().any(|s| s.contains("panic")), "{seen:?}");
    assert_eq!(eval::<i64>(&g, "1 + 1"), 2, "Python carries on");
}

#[test]
fn exported_arrays_work_in_a_sub_interpreter() {
    python();
    // Free-threaded builds only make isolated sub-interpreters (3.12+: own GIL and allocator).
    let version = libpython::ffi::library().unwrap().version();
    let config = if version.at_least(3, 12) {
        libpython::SubConfig::isolated()
    } else {
        libpython::SubConfig::shared_gil()
    };
    let sub = libpython::Interpreter::new(config).unwrap();
    let got = libpython::with_interpreter(&sub, || -> libpython::Result<(Vec<u32>, String)> {
        let x = to_python_array(vec![5u32, 6, 7], &[3])?;
        let mv = libpython::builtin("memoryview")?.call((x.clone(),))?;
        let v = PyBuffer::<u32>::from_object(&x)?.to_vec();
        let list: Vec<u32> = mv.call_method("tolist", ())?.extract()?;
        assert_eq!(v, list);
        Ok((list, x.repr()?))
    })
    .unwrap()
    .unwrap();
    assert_eq!(
        got,
        (vec![5, 6, 7], "RustArray(u32, shape=(3,))".to_owned())
    );
    sub.end().unwrap();
    // The main interpreter's type is its own.
    let x = RustArray::from_vec(vec![1u32]).unwrap();
    assert_eq!(x.as_object().repr().unwrap(), "RustArray(u32, shape=(1,))");
}

// ---------------------------------------------------------------------------------------------
// ndarray

#[test]
fn numpy_arrays_are_ndarray_views_of_any_dimension() {
    use ndarray::{Ix0, Ix2, Ix4};
    let g = ns("a = np.arange(120, dtype='float64').reshape(2, 3, 4, 5)");
    for expr in [
        "a",
        "a[1, 2]",
        "a[:, ::2, ::-1]",
        "a.T",
        "a[::-1, 1, :, ::-2]",
        "a[0, 0, 0, 0]",
        "a[:, :0]",
        "np.broadcast_to(a[0, 0, 0], (3, 5))",
    ] {
        run(&g, &format!("x = np.asarray({expr})"));
        let v = PyBuffer::<f64>::from_object(&get(&g, "x")).unwrap();
        let shape: Vec<usize> = eval(&g, "list(x.shape)");
        let flat: Vec<f64> = eval(&g, "x.ravel().tolist()");
        // Cells (safe), a copy (safe), and the plain view.
        let cells = v.as_cell_array().unwrap();
        assert_eq!(cells.shape(), shape.as_slice(), "{expr}");
        assert_eq!(
            cells.iter().map(|c| c.get()).collect::<Vec<_>>(),
            flat,
            "{expr}"
        );
        let copy = v.to_array();
        assert_eq!(copy.shape(), shape.as_slice(), "{expr}");
        assert_eq!(copy.iter().copied().collect::<Vec<_>>(), flat, "{expr}");
        // SAFETY: no Python code runs while `nd` lives; the array is this test's own.
        let nd = unsafe { v.as_array() }.unwrap();
        assert_eq!(nd.shape(), shape.as_slice(), "{expr}");
        assert_eq!(nd.iter().copied().collect::<Vec<_>>(), flat, "{expr}");
    }
    let v = PyBuffer::<f64>::from_object(&get(&g, "a")).unwrap();
    // SAFETY: as above.
    let a4 = unsafe { v.as_array_dim::<Ix4>() }.unwrap();
    assert_eq!(a4[[1, 2, 3, 4]], 119.0);
    let c4 = v
        .as_cell_array()
        .unwrap()
        .into_dimensionality::<Ix4>()
        .unwrap();
    assert_eq!(c4[[1, 2, 3, 4]].get(), 119.0);
    // SAFETY: as above.
    let m = conversion_message(unsafe { v.as_array_dim::<Ix2>() }.unwrap_err());
    assert!(m.contains("4 dimension") && m.contains('2'), "{m}");
    run(&g, "z = np.array(2.5)");
    let z = PyBuffer::<f64>::from_object(&get(&g, "z")).unwrap();
    // SAFETY: as above.
    assert_eq!(unsafe { z.as_array_dim::<Ix0>() }.unwrap()[()], 2.5);
    assert_eq!(z.to_array().into_dimensionality::<Ix0>().unwrap()[()], 2.5);
}

#[test]
fn ndarray_mutable_views_write_numpy_memory() {
    let g = ns(
        "a = np.zeros((3, 4), dtype='int64')\nv = a[::-1, 1::2]\nbc = np.broadcast_to(np.zeros(3), (2, 3))",
    );
    let mut v = PyBufferMut::<i64>::from_object(&get(&g, "v")).unwrap();
    {
        // SAFETY: no Python code runs while `nd` lives; the array is this test's own.
        let mut nd = unsafe { v.as_array_mut_dim::<ndarray::Ix2>() }.unwrap();
        assert_eq!(nd.dim(), (3, 2));
        for ((i, j), x) in nd.indexed_iter_mut() {
            *x = (10 * i + j) as i64 + 1;
        }
    }
    drop(v);
    let rows: Vec<Vec<i64>> = eval(&g, "a.tolist()");
    assert_eq!(
        rows,
        [vec![0, 21, 0, 22], vec![0, 11, 0, 12], vec![0, 1, 0, 2]]
    );
    // The same through cells, with Python writing the array between two cell writes.
    let mut v = PyBufferMut::<i64>::from_object(&get(&g, "v")).unwrap();
    {
        let nd = v.as_cell_array_mut().unwrap();
        assert_eq!(nd.shape(), [3, 2]);
        nd[[0, 0]].set(-1);
        run(&g, "a[:] += 100");
        nd[[2, 1]].set(nd[[0, 0]].get() * 2);
    }
    drop(v);
    let rows: Vec<Vec<i64>> = eval(&g, "a.tolist()");
    assert_eq!(
        rows,
        [
            vec![100, 121, 100, 198],
            vec![100, 111, 100, 112],
            vec![100, 99, 100, 102]
        ]
    );
    // Broadcast arrays are read-only in numpy; their memory is one row.
    assert!(PyBufferMut::<f64>::from_object(&get(&g, "bc")).is_err());
    // Writable arrays whose axes overlap get no mutable ndarray view.
    run(
        &g,
        "ov = np.lib.stride_tricks.as_strided(np.zeros(6, dtype='int64'), shape=(3, 3), strides=(8, 8), writeable=True)",
    );
    let mut ov = PyBufferMut::<i64>::from_object(&get(&g, "ov")).unwrap();
    // SAFETY: refused before any view exists.
    let m = conversion_message(unsafe { ov.as_array_mut() }.unwrap_err());
    assert!(m.contains("overlap"), "{m}");
    // SAFETY: no Python code runs while the view lives.
    let read = unsafe { ov.as_array() }.unwrap()[[2, 1]];
    assert_eq!(read, 0, "reading is fine");
    // Cells may alias: [0, 1] and [1, 0] are the same element.
    let cells = ov.as_cell_array_mut().unwrap();
    cells[[0, 1]].set(7);
    assert_eq!(cells[[1, 0]].get(), 7);
}

#[test]
fn ndarray_arrays_move_into_numpy_in_any_layout() {
    use ndarray::{Array, Array2, arr0, s};
    let g = ns("");
    let cases: Vec<(&str, Array<i64, ndarray::IxDyn>)> = vec![
        (
            "standard",
            Array::from_shape_fn((2, 3, 4), |(i, j, k)| (100 * i + 10 * j + k) as i64).into_dyn(),
        ),
        (
            "fortran",
            Array::from_shape_fn((3, 4).f(), |(i, j)| (10 * i + j) as i64).into_dyn(),
        ),
        (
            "transposed",
            Array::from_shape_fn((2, 5), |(i, j)| (10 * i + j) as i64)
                .reversed_axes()
                .into_dyn(),
        ),
        (
            "stepped",
            Array::from_shape_fn((4, 6), |(i, j)| (10 * i + j) as i64)
                .slice_move(s![..;2, ..;-2])
                .into_dyn(),
        ),
        ("scalar", arr0(42i64).into_dyn()),
        ("empty", Array2::<i64>::zeros((0, 3)).into_dyn()),
    ];
    use ndarray::ShapeBuilder;
    for (name, arr) in cases {
        let expected_shape = arr.shape().to_vec();
        let expected: Vec<i64> = arr.iter().copied().collect();
        let first = arr.as_ptr() as usize;
        let a = libpython::array::to_numpy(arr).unwrap();
        g.insert("a", a).unwrap();
        assert_eq!(
            eval::<Vec<usize>>(&g, "list(a.shape)"),
            expected_shape,
            "{name}"
        );
        assert_eq!(
            eval::<Vec<i64>>(&g, "a.ravel().tolist()"),
            expected,
            "{name}"
        );
        if !expected.is_empty() {
            assert_eq!(
                np_address(&g, "a"),
                first,
                "{name}: numpy views the ndarray's memory"
            );
        }
    }
    // Writes from numpy reach the Rust array.
    let x = RustArray::from_ndarray(Array2::<f32>::zeros((2, 2))).unwrap();
    g.insert("x", &x).unwrap();
    run(&g, "np.asarray(x)[1] = [3, 4]");
    let v = x.buffer().unwrap();
    assert_eq!(
        v.to_array().into_dimensionality::<ndarray::Ix2>().unwrap(),
        ndarray::arr2(&[[0.0f32, 0.0], [3.0, 4.0]])
    );
}

// ---------------------------------------------------------------------------------------------
// DLPack

#[test]
fn numpy_from_dlpack_views_rust_memory() {
    let data = vec![1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0];
    let ptr = data.as_ptr() as usize;
    let x = RustArray::new(data, &[3, 2]).unwrap();
    let g = ns("");
    g.insert("x", &x).unwrap();
    run(&g, "d = np.from_dlpack(x)");
    assert_eq!(np_address(&g, "d"), ptr);
    assert_eq!(eval::<(usize, usize)>(&g, "d.shape"), (3, 2));
    assert_eq!(eval::<String>(&g, "str(d.dtype)"), "float32");
    assert_eq!(eval::<(i32, i32)>(&g, "x.__dlpack_device__()"), (1, 0));
    // Rust writes, numpy sees.
    x.buffer_mut().unwrap().set(&[0, 0], 10.0).unwrap();
    assert_eq!(eval::<f64>(&g, "float(d[0, 0])"), 10.0);
    // numpy writes, Rust sees (numpy before 2.1 makes DLPack imports read-only).
    if eval::<bool>(&g, "d.flags.writeable") {
        run(&g, "d[2, 1] = -1");
        assert_eq!(x.buffer().unwrap().get(&[2, 1]), Some(-1.0));
    }
    // bool and ints go through DLPack as well.
    for (v, dtype) in [
        (to_python_array(vec![true, false], &[2]).unwrap(), "bool"),
        (to_python_array(vec![7u16, 8], &[2]).unwrap(), "uint16"),
    ] {
        g.insert("y", v).unwrap();
        assert_eq!(eval::<String>(&g, "str(np.from_dlpack(y).dtype)"), dtype);
    }
}

#[test]
fn dlpack_capsules_follow_the_protocol() {
    let x = RustArray::from_vec(vec![1i64, 2, 3]).unwrap();
    let g = ns("");
    g.insert("x", &x).unwrap();
    run(
        &g,
        "c = x.__dlpack__()\ncv = x.__dlpack__(max_version=(1, 0))\ncl = x.__dlpack__(stream=None, max_version=(0, 8), dl_device=(1, 0), copy=False)",
    );
    assert!(eval::<String>(&g, "repr(c)").contains("\"dltensor\""));
    assert!(eval::<String>(&g, "repr(cv)").contains("\"dltensor_versioned\""));
    assert!(eval::<String>(&g, "repr(cl)").contains("\"dltensor\""));
    for (call, exc) in [
        ("x.__dlpack__(copy=True)", "BufferError"),
        ("x.__dlpack__(stream=1)", "BufferError"),
        ("x.__dlpack__(dl_device=(2, 0))", "BufferError"),
        ("x.__dlpack__(colour='red')", "TypeError"),
        ("x.__dlpack__(None, None)", "TypeError"),
    ] {
        let e = libpython::exec(call, &g).unwrap_err();
        assert_eq!(
            e.as_python().map(|p| p.type_name().to_owned()),
            Some(exc.to_owned()),
            "{call}: {e}"
        );
    }
    // A consumer takes a capsule; it cannot be taken twice, and its destructor leaves the
    // tensor to the consumer.
    let c = get(&g, "c");
    let t = libpython::attach(|py| DlTensor::from_capsule(c.bind(py)?)).unwrap();
    assert!(eval::<String>(&g, "repr(c)").contains("used_dltensor"));
    let m = conversion_message(
        libpython::attach(|py| DlTensor::from_capsule(c.bind(py)?)).unwrap_err(),
    );
    assert!(m.contains("already consumed"), "{m}");
    run(&g, "del c");
    drop(c);
    assert_eq!(t.into_buffer::<i64>().unwrap().to_vec(), [1, 2, 3]);
    let cv = get(&g, "cv");
    let tv = libpython::attach(|py| DlTensor::from_capsule(cv.bind(py)?)).unwrap();
    assert!(tv.is_versioned() && !tv.is_readonly());
    drop(tv);
}

#[test]
fn dlpack_producers_are_imported_without_a_copy() {
    let g = ns(
        "a = np.arange(12, dtype='int32').reshape(3, 4)\nt = a.T\nst = a[:, ::2]\nb = np.array([True, False, True])\nro = np.arange(3.0)\nro.flags.writeable = False\nf = np.zeros(2)",
    );
    let a = get(&g, "a");
    let t = DlTensor::from_object(&a).unwrap();
    assert_eq!(t.device(), libpython::array::dlpack::DLDevice::CPU);
    assert_eq!(t.dtype(), libpython::array::dlpack::DLDataType::of::<i32>());
    assert_eq!(t.dtype().to_string(), "i32");
    assert_eq!(t.shape(), [3, 4]);
    assert_eq!(t.data_ptr() as usize, np_address(&g, "a"));
    let v = t.into_buffer::<i32>().unwrap();
    assert_eq!(v.to_vec(), (0..12).collect::<Vec<i32>>());
    // While a DLPack view is alive, the same memory cannot be borrowed mutably through the
    // buffer protocol either.
    assert!(PyBufferMut::<i32>::from_object(&a).is_err());
    drop(v);

    for (name, flat) in [
        ("t", vec![0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11]),
        ("st", vec![0, 2, 4, 6, 8, 10]),
    ] {
        let v = PyBuffer::<i32>::from_dlpack(&get(&g, name)).unwrap();
        assert_eq!(v.to_vec(), flat, "{name}");
    }
    let mut w = PyBufferMut::<i32>::from_dlpack(&get(&g, "st")).unwrap();
    w.fill(-5);
    drop(w);
    assert_eq!(
        eval::<i64>(&g, "int(a.sum())"),
        6 * -5 + (1 + 3 + 5 + 7 + 9 + 11)
    );

    let b = PyBuffer::<bool>::from_dlpack(&get(&g, "b")).unwrap();
    assert_eq!(b.to_vec(), [true, false, true]);

    let m = conversion_message(PyBuffer::<i64>::from_dlpack(&get(&g, "f")).unwrap_err());
    assert!(m.contains("f64") && m.contains("i64"), "{m}");

    // Read-only arrays: numpy exports them only as versioned tensors, flagged read-only.
    let ro = get(&g, "ro");
    match DlTensor::from_object(&ro).map_err(libpython::Error::into_kind) {
        Ok(t) => {
            assert!(t.is_versioned() && t.is_readonly());
            let m = conversion_message(t.into_buffer_mut::<f64>().unwrap_err());
            assert!(m.contains("read-only"), "{m}");
            assert_eq!(
                PyBuffer::<f64>::from_dlpack(&ro).unwrap().to_vec(),
                [0.0, 1.0, 2.0]
            );
        }
        // numpy 2.0 (Python 3.9) has no versioned export and refuses read-only arrays.
        Err(ErrorKind::Python(e)) => assert_eq!(e.type_name(), "BufferError", "{e}"),
        Err(e) => panic!("{e:?}"),
    }

    match DlTensor::from_object(&libpython::eval("[1]").unwrap())
        .unwrap_err()
        .into_kind()
    {
        ErrorKind::Type {
            expected, found, ..
        } => {
            assert!(expected.contains("__dlpack__"), "{expected}");
            assert_eq!(found, "list");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn rust_exports_round_trip_through_dlpack_and_the_buffer_protocol() {
    let x = RustArray::new((0..6).collect::<Vec<u64>>(), &[2, 3]).unwrap();
    let mut w = PyBufferMut::<u64>::from_dlpack(x.as_object()).unwrap();
    assert_eq!(w.shape(), [2, 3]);
    assert!(
        x.buffer().is_err(),
        "the DLPack view holds the memory mutably"
    );
    let mut all = w.to_vec();
    all.reverse();
    w.copy_from_slice(&all).unwrap();
    drop(w);
    assert_eq!(x.buffer().unwrap().to_vec(), [5, 4, 3, 2, 1, 0]);
}
