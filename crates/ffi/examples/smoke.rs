//! Loads the library named on the command line, starts Python, and evaluates `1 + 2`.
use libpython_ffi as ffi;
fn main() {
    let path = std::env::args().nth(1).expect("usage: smoke LIBPYTHON");
    match ffi::load(&path) {
        Ok(lib) => {
            let missing_opt: Vec<_> = ffi::FUNCTIONS
                .iter()
                .filter(|s| s.optional)
                .count()
                .to_string()
                .into();
            println!(
                "loaded {} ({}), optional declared: {}",
                lib.path().display(),
                lib.version(),
                missing_opt.len()
            );
            // SAFETY: loaded; initialising takes the GIL on this thread.
            unsafe {
                ffi::Py_InitializeEx(0);
                let hdr = ffi::init_object_layout();
                let code = ffi::Py_CompileString(
                    c"1 + 2".as_ptr(),
                    c"<smoke>".as_ptr(),
                    ffi::Py_eval_input,
                );
                let globals = ffi::PyDict_New();
                let r = ffi::PyEval_EvalCode(code, globals, globals);
                println!("1 + 2 = {}, header {hdr}", ffi::PyLong_AsLong(r));
                let s = (ffi::api().PyUnicode_FromFormat)(
                    c"%s-%d".as_ptr(),
                    c"x".as_ptr(),
                    7 as std::ffi::c_int,
                );
                let mut n = 0;
                let p = ffi::PyUnicode_AsUTF8AndSize(s, &mut n);
                println!(
                    "variadic: {}",
                    std::ffi::CStr::from_ptr(p).to_str().unwrap()
                );
            }
        }
        Err(e) => {
            println!("error: {e}");
            std::process::exit(1)
        }
    }
}
