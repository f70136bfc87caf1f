//! The integration suite, one binary. Tests that need a fresh process (start-up, shutdown,
//! another libpython) re-run this binary for one test with [`libpython_tests::run_child`].

mod api_attrs;
mod api_bridging;
mod api_conversions;
mod api_errors;
mod api_handles;
mod api_output;
mod api_run;
mod api_seed;
mod compile_fail;
mod coverage;
mod discovery;
mod examples;
mod ffi_load;
mod leaks;
mod interp;
mod no_link;
mod reliability;
mod props;
mod arrays;
mod soundness_arrays;
mod serde;
mod soundness;
mod value;
