//! Start-up floor: what a C program embedding Python does, through the raw layer. Loads
//! `LIBPYTHON` (no discovery), sets the program name (so a virtual environment's packages are
//! found), starts Python, imports numpy, exits. Run once per measured start-up by the
//! `startup_import_numpy` case.
//!
//! Usage: `startup-floor LIBPYTHON PROGRAM_NAME`

use libpython_ffi as ffi;

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(lib), Some(program)) = (args.next(), args.next()) else {
        eprintln!("usage: startup-floor LIBPYTHON PROGRAM_NAME");
        std::process::exit(2);
    };
    if let Err(e) = ffi::load(&lib) {
        eprintln!("startup-floor: {e}");
        std::process::exit(1);
    }
    // CPython keeps the program name's pointer for the life of the runtime: leaked on purpose.
    let wide: &'static [ffi::wchar_t] = Box::leak(
        program
            .chars()
            .map(|c| c as ffi::wchar_t)
            .chain(std::iter::once(0))
            .collect::<Box<[_]>>(),
    );
    // SAFETY: the library is loaded and not initialised; the program name is NUL-terminated and
    // outlives the runtime; `Py_InitializeEx` leaves this thread holding the GIL, under which
    // the import runs and its reference is released.
    unsafe {
        ffi::Py_SetProgramName(wide.as_ptr());
        ffi::Py_InitializeEx(0);
        let m = ffi::PyImport_ImportModule(c"numpy".as_ptr());
        if m.is_null() {
            ffi::PyErr_Print();
            std::process::exit(1);
        }
        ffi::Py_DecRef(m);
    }
}
