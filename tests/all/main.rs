//! The integration suite, one binary. Tests that need a fresh process (start-up, shutdown,
//! another libpython) re-run this binary for one test with [`libpython_tests::run_child`].

mod api_attrs;
mod api_bridging;
mod api_conversions;
mod api_errors;
mod api_features;
mod api_handles;
mod api_output;
mod api_run;
mod api_seed;
mod api_vocabulary;
mod arrays;
mod asyncio;
mod compile_fail;
mod coverage;
mod derive;
mod discovery;
mod downstream;
mod embedding;
mod examples;
mod ffi_load;
mod hostile;
mod interp;
mod leaks;
mod no_link;
mod props;
mod pyrun;
mod reliability;
mod serde;
mod soundness;
mod soundness_arrays;
mod value;
mod versions;
