//! The integration suite, one binary. Tests that need a fresh process (start-up, shutdown,
//! another libpython) re-run this binary for one test with [`libpython_tests::run_child`].

mod coverage;
mod discovery;
mod ffi_load;
mod leaks;
mod interp;
mod no_link;
mod arrays;
mod serde;
mod value;
