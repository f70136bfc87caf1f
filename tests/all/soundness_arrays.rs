//! Misuses of the zero-copy array API, written with safe code only: Python writing memory a
//! Rust view shows (on this thread, from callbacks, from other threads), storage dropped on
//! threads Python made, shapes and strides that overflow.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use libpython::array::{DlTensor, PyBuffer, PyBufferMut, ReadOnlyCell, to_python_array};
use libpython::{Error, ErrorKind, Object};
use libpython_tests::namespace::{eval, get, numpy as ns, run};
use libpython_tests::storage::OnDrop;
use libpython_tests::{in_child, python};

#[test]
fn bool_views_stay_valid_when_python_writes_other_bytes() {
    let g = ns("a = np.array([True, False, True])\nbytes_of_a = a.view(np.uint8)");
    let v = PyBuffer::<bool>::from_object(&get(&g, "a")).unwrap();
    // Python writes bytes that are not valid Rust bools into the viewed memory.
    run(&g, "bytes_of_a[0] = 2\nbytes_of_a[1] = 255");
    let first = v.get(&[0]).map(u8::from);
    assert_eq!(first, Some(1), "a bool read from the view is 0 or 1");
    let all: Vec<u8> = v.to_vec().into_iter().map(u8::from).collect();
    assert_eq!(all, [1, 1, 1]);
    assert_eq!(v.iter().map(u8::from).collect::<Vec<_>>(), [1, 1, 1]);
    assert_eq!(u8::from(v.as_cells().unwrap()[1].get()), 1);
    // The plain slice is refused: its bools would not be valid.
    // SAFETY: refused before a slice exists.
    let e = unsafe { v.as_slice() }.unwrap_err().to_string();
    assert!(e.contains("byte 2") && e.contains("bool"), "{e}");
}

/// Python code that makes a DLPack producer with ctypes: the tensor's shape and strides are
/// in ctypes arrays Python can change, over `buf` (4 float64s).
const CTYPES_PRODUCER: &str = r#"
import ctypes
class DLDevice(ctypes.Structure):
    _fields_ = [("device_type", ctypes.c_int32), ("device_id", ctypes.c_int32)]
class DLDataType(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint8), ("bits", ctypes.c_uint8), ("lanes", ctypes.c_uint16)]
class DLTensor(ctypes.Structure):
    _fields_ = [("data", ctypes.c_void_p), ("device", DLDevice), ("ndim", ctypes.c_int32),
                ("dtype", DLDataType), ("shape", ctypes.POINTER(ctypes.c_int64)),
                ("strides", ctypes.POINTER(ctypes.c_int64)), ("byte_offset", ctypes.c_uint64)]
class DLManagedTensor(ctypes.Structure):
    _fields_ = [("dl_tensor", DLTensor), ("manager_ctx", ctypes.c_void_p), ("deleter", ctypes.c_void_p)]
capsule_new = ctypes.pythonapi.PyCapsule_New
capsule_new.restype = ctypes.py_object
capsule_new.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p]
buf = (ctypes.c_double * 4)(1.0, 2.0, 3.0, 4.0)

class Producer:
    """A DLPack producer of float64 tensors over `buf` with the given shape and strides."""
    def __init__(self, shape, strides):
        self.shape = (ctypes.c_int64 * len(shape))(*shape)
        self.strides = (ctypes.c_int64 * len(strides))(*strides)
        self.tensor = DLManagedTensor(DLTensor(ctypes.addressof(buf), DLDevice(1, 0), len(shape),
                                               DLDataType(2, 64, 1), self.shape, self.strides, 0),
                                      None, None)
    def __dlpack__(self, **kwargs):
        return capsule_new(ctypes.addressof(self.tensor), b"dltensor", None)
"#;

#[test]
fn a_dlpack_tensor_describes_itself_with_its_own_copy_of_shape_and_strides() {
    let g = ns(CTYPES_PRODUCER);
    run(&g, "p = Producer([2, 2], [2, 1])");
    let t = DlTensor::from_object(&get(&g, "p")).unwrap();
    let (shape, strides) = (t.shape(), t.strides().unwrap());
    // The producer's Python code changes the arrays it described the tensor with.
    run(&g, "p.shape[0] = 7\np.strides[0] = 9");
    assert_eq!((shape, strides), (&[2i64, 2][..], &[2i64, 1][..]));
    assert_eq!(
        t.into_buffer::<f64>().unwrap().to_vec(),
        [1.0, 2.0, 3.0, 4.0]
    );
}

fn conversion_message(e: Error) -> String {
    match e.into_kind() {
        ErrorKind::Conversion(m) => m,
        other => panic!("expected Error::conversion, got {other:?}"),
    }
}

fn overflow_message(e: Error) -> String {
    match e.into_kind() {
        ErrorKind::Overflow { target, value, .. } => format!("{value} does not fit in {target}"),
        other => panic!("expected Error::from, got {other:?}"),
    }
}

#[test]
fn hostile_dlpack_shapes_and_strides_are_refused() {
    let g = ns(CTYPES_PRODUCER);
    // 2**40 * 2**40 elements (all at one address: strides 0): more than usize::MAX.
    run(&g, "huge = Producer([2**40, 2**40], [0, 0])");
    let m = overflow_message(PyBuffer::<f64>::from_dlpack(&get(&g, "huge")).unwrap_err());
    assert!(m.contains("1099511627776"), "{m}");
    // Three elements 2**59 float64s apart: the last is 2**63 bytes away.
    run(&g, "far = Producer([3], [2**59])");
    let m = overflow_message(PyBuffer::<f64>::from_dlpack(&get(&g, "far")).unwrap_err());
    assert!(m.contains("stride"), "{m}");
}

#[test]
fn exports_refuse_extents_python_cannot_represent() {
    python();
    // No elements, but an extent above isize::MAX (Python's Py_ssize_t).
    let e = to_python_array(Vec::<u8>::new(), &[0, usize::MAX]).unwrap_err();
    let m = overflow_message(e);
    assert!(m.contains(&usize::MAX.to_string()), "{m}");
}

/// How long the child tests below may take: a drop that waits for the GIL forever is a hang,
/// and fails the test.
const DEADLINE: Duration = Duration::from_secs(30);

/// Makes an array whose storage uses Python when it is dropped (it takes the GIL, on whatever
/// thread drops it, and records what Python computed), lets the thread Python starts drop the
/// last reference (held by `holder`, an expression of the array `x`), and returns what the
/// storage's drop recorded: 42 when it could use Python.
fn last_reference_dropped_on_a_python_thread(holder: &str) -> usize {
    let seen = Arc::new(AtomicUsize::new(0));
    let s = seen.clone();
    let storage = OnDrop::new(vec![1.0f64; 4], move || {
        let n = libpython::attach(|py| py.eval("40 + 2")?.extract::<usize>()).unwrap_or(1);
        s.store(n, Ordering::SeqCst);
    });
    let x = to_python_array(storage, &[4]).unwrap();
    let g = ns("");
    g.insert("x", x).unwrap();
    run(
        &g,
        &format!(
            "holder = [{holder}]\ndel x\nt = threading.Thread(target=holder.clear)\nt.start()\nt.join()"
        ),
    );
    seen.load(Ordering::SeqCst)
}

#[test]
fn storage_dropped_on_a_thread_python_made_can_use_python() {
    in_child!(
        "storage_dropped_on_a_thread_python_made_can_use_python",
        within = DEADLINE,
        {
            // The storage's drop runs on the thread Python started, with the GIL held by that
            // thread, and takes it again through this crate.
            assert_eq!(last_reference_dropped_on_a_python_thread("x"), 42);
        }
    );
}

#[test]
fn a_capsule_deleted_on_a_thread_python_made_releases_the_array_at_once() {
    in_child!(
        "a_capsule_deleted_on_a_thread_python_made_releases_the_array_at_once",
        within = DEADLINE,
        {
            // A capsule never consumed holds the last reference to the array.
            assert_eq!(
                last_reference_dropped_on_a_python_thread("x.__dlpack__()"),
                42,
                "dropped when the capsule died, not later"
            );
        }
    );
}

/// Reads the first element, lets Python multiply the array in place, reads it again. With a
/// `&[f64]` parameter instead of cells, an optimised build returns the first value twice: the
/// compiler may assume memory behind a shared reference does not change during the call.
#[inline(never)]
fn read_around_python(cells: &[ReadOnlyCell<f64>], a: &Object) -> (f64, f64) {
    let before = cells[0].get();
    a.call_method("__imul__", (10,)).unwrap();
    (before, cells[0].get())
}

#[test]
fn views_read_what_python_wrote_while_they_lived() {
    let g = ns("ones = np.ones(4)");
    let ones = get(&g, "ones");
    let v = PyBuffer::<f64>::from_object(&ones).unwrap();
    assert_eq!(
        read_around_python(v.as_cells().unwrap(), &ones),
        (1.0, 10.0)
    );

    // The misuse the safe API must survive: keep a zero-copy handle on the elements, let
    // Python write them, read again.
    let g = ns("a = np.arange(4.0)");
    let a = get(&g, "a");
    let v = PyBuffer::<f64>::from_object(&a).unwrap();
    let cells = v.as_cells().unwrap();
    let mut it = v.iter();
    assert_eq!(it.next(), Some(0.0));
    a.call_method("__imul__", (10,)).unwrap();
    assert_eq!(cells[1].get(), 10.0);
    assert_eq!(cells, [0.0, 10.0, 20.0, 30.0]);
    assert_eq!(
        it.collect::<Vec<_>>(),
        [10.0, 20.0, 30.0],
        "the iterator reads as it goes"
    );
    run(&g, "a[3] = -1");
    assert_eq!(v.get(&[3]), Some(-1.0));
    let mut out = [0.0; 4];
    v.copy_to_slice(&mut out).unwrap();
    assert_eq!(out, [0.0, 10.0, 20.0, -1.0]);
    drop(v);

    // A mutable view's cells: Python writes between two Rust writes.
    let mut w = PyBufferMut::<f64>::from_object(&a).unwrap();
    let cells = w.as_cells_mut().unwrap();
    cells[0].set(1.0);
    a.call_method("__iadd__", (1,)).unwrap();
    cells[1].set(cells[0].get() + cells[1].get());
    drop(w);
    assert_eq!(eval::<Vec<f64>>(&g, "a.tolist()"), [2.0, 13.0, 21.0, 0.0]);
}

#[test]
fn a_numpy_array_reshaped_in_place_leaves_a_view_its_layout() {
    // The view's shape and strides are the exporter's, held for the export: numpy keeps them
    // when the array itself is reshaped in place.
    let g = ns("a = np.arange(6.0)");
    let v = PyBuffer::<f64>::from_object(&get(&g, "a")).unwrap();
    run(&g, "a.shape = (2, 3)\na[1, 2] = 50");
    assert_eq!((v.shape(), v.strides()), (&[6usize][..], &[8isize][..]));
    assert_eq!(v.to_vec(), [0.0, 1.0, 2.0, 3.0, 4.0, 50.0]);
    assert_eq!(eval::<Vec<usize>>(&g, "list(a.shape)"), [2, 3]);
}

#[test]
fn python_called_from_map_in_place_may_write_the_same_array() {
    // The closure calls Python, which writes elements of the array being mapped: elements
    // already replaced and elements not reached yet.
    let g = ns("a = np.zeros(4, dtype='int64')");
    let a = get(&g, "a");
    let mut w = PyBufferMut::<i64>::from_object(&a).unwrap();
    let mut seen = Vec::new();
    w.map_in_place(|x| {
        seen.push(x);
        a.call_method("__iadd__", (1,)).unwrap();
        x + 100
    });
    drop(w);
    // Each element was read after the Python writes made so far, and written back after f.
    assert_eq!(seen, [0, 1, 2, 3]);
    assert_eq!(eval::<Vec<i64>>(&g, "a.tolist()"), [103, 103, 103, 103]);
}

#[test]
fn views_are_read_on_other_threads_while_python_writes() {
    // A Rust thread reads cells without the GIL while a Python thread rewrites the array
    // (numpy releases the GIL inside the operation): every value read is one Python wrote,
    // element by element.
    let g = ns(r#"
a = np.zeros(200_000, dtype='int64')
done = threading.Event()
def writer():
    for i in range(1, 51):
        a[:] = i
    done.set()
t = threading.Thread(target=writer)
"#);
    let v = PyBuffer::<i64>::from_object(&get(&g, "a")).unwrap();
    run(&g, "t.start()");
    let reader = std::thread::spawn(move || {
        let cells = v.as_cells().unwrap();
        let mut reads = 0usize;
        for round in 0..50 {
            for c in cells.iter().step_by(997 + round) {
                let x = c.get();
                assert!((0..=50).contains(&x), "a value no one wrote: {x}");
                reads += 1;
            }
            let copy = v.to_vec();
            assert!(copy.iter().all(|x| (0..=50).contains(x)));
        }
        reads
    });
    run(
        &g,
        "done.wait(60)
t.join()",
    );
    assert!(reader.join().unwrap() > 0);
    assert_eq!(eval::<i64>(&g, "int(a.sum())"), 50 * 200_000);
}

#[test]
fn out_of_bounds_writes_and_wrong_lengths_are_errors() {
    let g = ns("a = np.zeros((2, 3), dtype='int32')[:, ::2]");
    let mut w = PyBufferMut::<i32>::from_object(&get(&g, "a")).unwrap();
    for bad in [&[2, 0][..], &[0, 2], &[0], &[0, 0, 0]] {
        let m = conversion_message(w.set(bad, 1).unwrap_err());
        assert!(
            m.contains(&format!("{bad:?}")) && m.contains("[2, 2]"),
            "{m}"
        );
        assert_eq!(w.get(bad), None);
    }
    let m = conversion_message(w.copy_from_slice(&[1, 2, 3]).unwrap_err());
    assert!(m.contains("3 elements") && m.contains('4'), "{m}");
    let m = conversion_message(w.copy_to_slice(&mut [0; 5]).unwrap_err());
    assert!(m.contains("5 elements") && m.contains('4'), "{m}");
    assert!(w.as_cells_mut().is_err(), "strided: no cells");
    w.copy_from_slice(&[1, 2, 3, 4]).unwrap();
    assert_eq!(w.to_vec(), [1, 2, 3, 4]);
}

/// A bool storage whose `Drop` reads its own elements as `bool`, as safe code may.
struct BoolStorage(Vec<bool>, Arc<AtomicUsize>);

impl libpython::array::Storage for BoolStorage {
    type Elem = bool;
    fn as_mut_slice(&mut self) -> &mut [bool] {
        &mut self.0
    }
}

impl Drop for BoolStorage {
    fn drop(&mut self) {
        // Reading the raw byte: a `bool` of any other value than 0 or 1 is undefined.
        let raw: Vec<usize> = self.0.iter().map(|b| *b as usize).collect();
        // SAFETY: reading the bytes of our own vector as `u8` is always defined.
        let bytes: Vec<u8> =
            unsafe { std::slice::from_raw_parts(self.0.as_ptr().cast::<u8>(), self.0.len()) }
                .to_vec();
        assert!(
            bytes.iter().all(|&b| b <= 1),
            "invalid bools {bytes:?} ({raw:?})"
        );
        self.1.store(bytes[0] as usize + 10, Ordering::SeqCst);
    }
}

#[test]
fn bytes_python_writes_into_an_exported_bool_array_are_valid_bools_again_for_its_storage() {
    python();
    let seen = Arc::new(AtomicUsize::new(0));
    let x = to_python_array(BoolStorage(vec![false, false, true], seen.clone()), &[3]).unwrap();
    let g = ns("");
    g.insert("x", &x).unwrap();
    drop(x);
    run(
        &g,
        "a = np.asarray(x)\nb = a.view(np.uint8)\nb[0] = 2\nb[1] = 255\nb[2] = 0\ndel a, b, x\nimport gc\ngc.collect()",
    );
    // Non-zero bytes are `true`, as the crate reads Python's booleans.
    assert_eq!(
        seen.load(Ordering::SeqCst),
        11,
        "the storage was dropped, its bools valid"
    );
}

/// A storage whose `as_mut_slice` panics.
struct PanicsForItsSlice(Arc<AtomicUsize>);

impl libpython::array::Storage for PanicsForItsSlice {
    type Elem = u8;
    fn as_mut_slice(&mut self) -> &mut [u8] {
        panic!("no slice today")
    }
}

impl Drop for PanicsForItsSlice {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn a_storage_whose_slice_panics_is_dropped_not_leaked() {
    python();
    let drops = Arc::new(AtomicUsize::new(0));
    let s = PanicsForItsSlice(drops.clone());
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| to_python_array(s, &[64])));
    assert!(r.is_err(), "the panic reaches the caller");
    assert_eq!(drops.load(Ordering::SeqCst), 1);
}

/// A bridge that drops the buffer view it holds when the collector traverses it.
struct DropsItsViewInTraverse {
    view: std::sync::Mutex<Option<PyBuffer<u8>>>,
}

impl libpython::Bridge for DropsItsViewInTraverse {
    fn traverse(&self, _visit: &mut libpython::Visit<'_>) {
        if let Ok(mut v) = self.view.try_lock() {
            drop(v.take());
        }
    }
}

#[test]
fn a_view_dropped_in_a_collector_traversal_is_released_afterwards() {
    in_child!(
        "a_view_dropped_in_a_collector_traversal_is_released_afterwards",
        {
            python();
            let g = ns("import gc\nba = bytearray(b'abcdef')");
            let v = PyBuffer::<u8>::from_object(&get(&g, "ba")).unwrap();
            let b = libpython::bridge(Arc::new(DropsItsViewInTraverse {
                view: std::sync::Mutex::new(Some(v)),
            }))
            .unwrap();
            g.insert("b", &b).unwrap();
            drop(b);
            // The view is dropped during the collection; it is released at the next drain
            // (here: the next call into Python), and the bytearray can grow again.
            run(&g, "gc.collect()");
            run(&g, "ba.extend(b'x')\nassert bytes(ba) == b'abcdefx'");
        }
    );
}

#[test]
fn one_dlpack_capsule_consumed_by_threads_at_once_is_taken_once() {
    in_child!(
        "one_dlpack_capsule_consumed_by_threads_at_once_is_taken_once",
        within = Duration::from_secs(120),
        {
            // Free-threaded builds run the consumers in parallel: each one checked the name,
            // read the tensor and renamed the capsule in separate steps, so two could take the
            // same tensor, and both called its deleter (a crash). GIL builds serialise them.
            let g = ns("");
            for _ in 0..1000 {
                run(&g, "c = np.arange(1000.0).__dlpack__()");
                let cap = get(&g, "c");
                run(&g, "del c");
                let threads = 4;
                let barrier = Arc::new(std::sync::Barrier::new(threads));
                let taken = Arc::new(AtomicUsize::new(0));
                let handles: Vec<_> = (0..threads)
                    .map(|_| {
                        let (cap, barrier, taken) = (cap.clone(), barrier.clone(), taken.clone());
                        std::thread::spawn(move || {
                            barrier.wait();
                            if let Ok(t) = cap.with(DlTensor::from_capsule) {
                                taken.fetch_add(1, Ordering::SeqCst);
                                drop(t);
                            }
                        })
                    })
                    .collect();
                for h in handles {
                    h.join().unwrap();
                }
                assert_eq!(
                    taken.load(Ordering::SeqCst),
                    1,
                    "one consumer owns the tensor"
                );
            }
        }
    );
}

/// Drops the value `make` returns (a view or a tensor of the bytearray `ba` of `g`) on a thread
/// that the thread holding the GIL joins, then checks that the export is released by the next
/// acquisition.
fn drop_joined_under_the_gil<V: Send + 'static>(make: impl FnOnce(&Object) -> V) {
    let g = ns("ba = bytearray(b'abc')");
    let ba = get(&g, "ba");
    let view = make(&ba);
    libpython::attach(|_py| {
        // The thread that holds the GIL waits for a thread that drops a view: the drop used to
        // wait for the GIL, which never came.
        std::thread::scope(|s| s.spawn(move || drop(view)).join().unwrap());
        Ok(())
    })
    .unwrap();
    // Put off to the interpreter's next drain: this acquisition's.
    run(&g, "ba.extend(b'd')\nassert bytes(ba) == b'abcd'");
}

#[test]
fn views_dropped_on_a_thread_the_gil_holder_joins_do_not_hang() {
    in_child!(
        "views_dropped_on_a_thread_the_gil_holder_joins_do_not_hang",
        within = DEADLINE,
        {
            drop_joined_under_the_gil(|ba| PyBuffer::<u8>::from_object(ba).unwrap());
            drop_joined_under_the_gil(|ba| PyBufferMut::<u8>::from_object(ba).unwrap());
            // A view moved into a scoped worker that reads it, joined inside `attach`.
            let a = libpython::eval("__import__('numpy').arange(1000.0)").unwrap();
            let sum = libpython::attach(|py| {
                let v = PyBuffer::<f64>::from_bound(a.bind(py)?)?;
                Ok(std::thread::scope(|s| {
                    s.spawn(move || v.iter().sum::<f64>()).join().unwrap()
                }))
            })
            .unwrap();
            assert_eq!(sum, 499_500.0);
            // A DLPack tensor: its deleter is put off the same way.
            let drops = Arc::new(AtomicUsize::new(0));
            let d = drops.clone();
            let x = to_python_array(
                OnDrop::new(vec![1.0f64; 4], move || {
                    d.fetch_add(1, Ordering::SeqCst);
                }),
                &[4],
            )
            .unwrap();
            let t = DlTensor::from_object(&x).unwrap();
            drop(x);
            libpython::attach(|_py| {
                std::thread::scope(|s| s.spawn(move || drop(t)).join().unwrap());
                Ok(())
            })
            .unwrap();
            libpython::attach(|_py| Ok(())).unwrap();
            assert_eq!(
                drops.load(Ordering::SeqCst),
                1,
                "the storage is dropped once"
            );
        }
    );
}

/// The sub-interpreter a test runs beside the main one: isolated where the version has them
/// (free-threaded builds make no other kind), else sharing the GIL.
fn sub_interpreter() -> libpython::Interpreter {
    let version = libpython::ffi::library().unwrap().version();
    let config = if version.at_least(3, 12) {
        libpython::SubConfig::isolated()
    } else {
        libpython::SubConfig::shared_gil()
    };
    libpython::Interpreter::new(config).unwrap()
}

#[test]
fn a_view_of_another_interpreter_dropped_in_a_collector_traversal_is_released_there() {
    in_child!(
        "a_view_of_another_interpreter_dropped_in_a_collector_traversal_is_released_there",
        within = DEADLINE,
        {
            python();
            let sub = sub_interpreter();
            let (sub_g, view) = libpython::with_interpreter(&sub, || {
                let g = libpython::Dict::namespace().unwrap();
                libpython::exec("ba = bytearray(b'abc')", &g).unwrap();
                let view = PyBuffer::<u8>::from_object(&g.get("ba").unwrap().unwrap()).unwrap();
                (g, view)
            })
            .unwrap();
            // The main interpreter's collector drops the sub-interpreter's view: it was
            // leaked (the bytearray could never grow again); now it is released at the
            // sub-interpreter's next drain.
            let g = ns("import gc");
            let b = libpython::bridge(Arc::new(DropsItsViewInTraverse {
                view: std::sync::Mutex::new(Some(view)),
            }))
            .unwrap();
            g.insert("b", &b).unwrap();
            drop(b);
            run(&g, "gc.collect()");
            libpython::with_interpreter(&sub, || {
                libpython::exec("ba.extend(b'd')\nassert bytes(ba) == b'abcd'", &sub_g).unwrap();
            })
            .unwrap();
            sub.end().unwrap();
        }
    );
}

#[test]
fn views_whose_interpreter_is_gone_are_dropped_without_python() {
    in_child!(
        "views_whose_interpreter_is_gone_are_dropped_without_python",
        env = &[("PYTHONMALLOC", "debug")],
        within = DEADLINE,
        {
            python();
            let sub = sub_interpreter();
            let view = libpython::with_interpreter(&sub, || {
                let ba = libpython::eval("bytearray(b'abc')").unwrap();
                PyBuffer::<u8>::from_object(&ba).unwrap()
            })
            .unwrap();
            // A tensor of an array exported there, whose storage is dropped with the array.
            let drops = Arc::new(AtomicUsize::new(0));
            let d = drops.clone();
            let tensor = libpython::with_interpreter(&sub, move || {
                let storage = OnDrop::new(vec![1.0f64; 4], move || {
                    d.fetch_add(1, Ordering::SeqCst);
                });
                DlTensor::from_object(&to_python_array(storage, &[4]).unwrap()).unwrap()
            })
            .unwrap();
            // Both queued on the sub-interpreter by a thread without its GIL, then released
            // when it ends (the tensor's deleter releases the array, the array its storage).
            std::thread::spawn(move || {
                drop(view);
                drop(tensor);
            })
            .join()
            .unwrap();
            assert_eq!(drops.load(Ordering::SeqCst), 0, "put off");
            sub.end().unwrap();
            assert_eq!(drops.load(Ordering::SeqCst), 1, "released by the end");
            // Dropped after its interpreter ended: nothing of Python is touched.
            let sub = sub_interpreter();
            let view = libpython::with_interpreter(&sub, || {
                let ba = libpython::eval("bytearray(b'abc')").unwrap();
                PyBuffer::<u8>::from_object(&ba).unwrap()
            })
            .unwrap();
            sub.end().unwrap();
            drop(view);
            // Queued on the main interpreter, then released by `finalize`; and dropped after
            // it.
            let g = ns("ba = bytearray(b'abc')");
            let queued = PyBuffer::<u8>::from_object(&get(&g, "ba")).unwrap();
            let late = PyBuffer::<u8>::from_object(&get(&g, "ba")).unwrap();
            let t =
                DlTensor::from_object(&libpython::eval("__import__('numpy').zeros(3)").unwrap())
                    .unwrap();
            std::thread::spawn(move || drop(queued)).join().unwrap();
            drop(g);
            libpython::finalize().unwrap();
            drop(late);
            drop(t);
        }
    );
}

#[test]
fn the_rust_array_type_cannot_be_changed_from_python() {
    // In a child: a type that could be changed would be changed for every test.
    in_child!("the_rust_array_type_cannot_be_changed_from_python", {
        let g = ns("");
        g.insert("x", to_python_array(vec![1.0f64; 4], &[4]).unwrap())
            .unwrap();
        // 3.9 has no immutable heap types: the flag is from 3.10 on.
        if libpython::ffi::library().unwrap().version().at_least(3, 10) {
            for code in [
                "type(x).__release_buffer__ = lambda self, mv: None",
                "type(x).__dlpack__ = lambda self, **k: 1",
                "type(x).anything = 1",
            ] {
                let e = libpython::exec(code, &g).expect_err(code);
                assert!(
                    e.as_python().is_some_and(|p| p.type_name() == "TypeError"),
                    "{code}: {e}"
                );
            }
        }
        // The type's own slots and methods still serve buffers and DLPack.
        let v = PyBuffer::<f64>::from_object(&get(&g, "x")).unwrap();
        assert_eq!(v.to_vec(), [1.0; 4]);
        drop(v);
        assert_eq!(DlTensor::from_object(&get(&g, "x")).unwrap().shape(), [4]);
    });
}

#[test]
fn dlpack_keywords_changed_by_another_thread_while_read_are_read_whole() {
    in_child!(
        "dlpack_keywords_changed_by_another_thread_while_read_are_read_whole",
        env = &[("PYTHONMALLOC", "debug")],
        within = Duration::from_secs(120),
        {
            // A caller in C may pass its own dict of keywords (`PyObject_Call`), which another
            // thread changes meanwhile; on free-threaded builds the walk of that dict ran
            // beside the changes, and an entry it read could be freed before it was owned.
            let g = ns("");
            g.insert("x", to_python_array(vec![1.0f64; 4], &[4]).unwrap())
                .unwrap();
            run(
                &g,
                r#"
import ctypes
call = ctypes.pythonapi.PyObject_Call
call.restype = ctypes.py_object
call.argtypes = [ctypes.py_object, ctypes.py_object, ctypes.py_object]
d = {'stream': None, 'copy': []}
stop = False
def churn():
    while not stop:
        d['copy'] = []
        d['dl_device'] = None
        del d['dl_device']
t = threading.Thread(target=churn)
t.start()
try:
    meth = x.__dlpack__
    for _ in range(100000):
        call(meth, (), d)
finally:
    stop = True
    t.join()
"#,
            );
        }
    );
}

#[test]
fn a_bytearray_copied_while_another_thread_writes_it_through_a_writable_buffer_reads_whole_bytes() {
    python();
    // A writable buffer writes without the GIL; the copies into `Vec<u8>`, `Value` and serde
    // read each byte with an atomic load meanwhile (a plain copy is a data race).
    let g = libpython::Dict::new().unwrap();
    run(&g, "ba = bytearray(4096)");
    let ba = get(&g, "ba");
    let mut w = PyBufferMut::<u8>::from_object(&ba).unwrap();
    let stop = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|s| {
        let writer = s.spawn(|| {
            let mut n = 0u32;
            while !stop.load(Ordering::Relaxed) {
                w.fill(if n.is_multiple_of(2) { 0xAA } else { 0x55 });
                n += 1;
            }
        });
        let whole = |v: &[u8]| v.len() == 4096 && v.iter().all(|&b| matches!(b, 0 | 0xAA | 0x55));
        for _ in 0..50 {
            let v: Vec<u8> = ba.extract().unwrap();
            assert!(whole(&v), "a copy read a byte no writer wrote");
            let value = libpython::value::Value::from_object(&ba).unwrap();
            let libpython::value::Value::Bytes(ref b) = value else {
                panic!("a bytearray is bytes in the value model")
            };
            assert!(whole(b));
            let read: libpython::value::Value = libpython::value::from_python_serde(&ba).unwrap();
            let libpython::value::Value::Bytes(ref b) = read else {
                panic!("serde reads a bytearray as bytes")
            };
            assert!(whole(b));
        }
        stop.store(true, Ordering::Relaxed);
        writer.join().unwrap();
    });
}
