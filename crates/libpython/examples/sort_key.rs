//! A Rust closure used by Python code as a sort key.
//!
//! ```text
//! cargo run --example sort_key
//! ```
//!
//! `libpython::function` turns a closure into a Python callable. Python's `sorted` calls it
//! once per element, through the crate's trampoline: the closure's `Err` becomes a Python
//! exception, and a panic would become a `RustPanic` exception, never an unwinding into C.
//! Needs nothing beyond the standard library of the Python found.

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use libpython::{Args, Dict, call};

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("sort_key failed: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> libpython::Result<()> {
    // The key: (number of vowels, length, the word lowercased). A tuple of Rust values
    // becomes a Python tuple, which Python compares element by element.
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let key = libpython::function(
        "vowel_key",
        Some("Sort key: (vowels, length, lowercase word)."),
        move |a: &Args<'_>| {
            counter.fetch_add(1, Ordering::Relaxed);
            let word: String = a.extract(0)?;
            let lower = word.to_lowercase();
            let vowels = lower.chars().filter(|c| "aeiouy".contains(*c)).count();
            Ok((vowels, word.chars().count(), lower))
        },
    )?;
    println!("the key, seen from Python: {key:?}");
    println!("its docstring: {:?}", key.doc()?.unwrap_or_default());

    // 1. Python code calls the Rust function: give it to the code through its globals.
    let scope = Dict::from_pairs([("vowel_key", &key)])?;
    libpython::exec(
        "words = 'Rust calls Python and Python calls Rust back through one trampoline'.split()\n\
         by_key = sorted(set(words), key=vowel_key)\n\
         print('sorted in Python with the Rust key:', by_key)",
        &scope,
    )?;
    let sorted: Vec<String> = scope.get_as("by_key")?.unwrap_or_default();
    println!("back in Rust: {sorted:?}");
    println!("the key ran {} times", calls.load(Ordering::Relaxed));

    // 2. The same from Rust: call Python's `sorted` with the key as a keyword argument.
    let sorted_fn = libpython::builtin("sorted")?;
    let names = vec!["Guido", "Ferris", "Ada", "Grace", "Linus", "Barbara"];
    let by_key: Vec<String> = call!(sorted_fn, &names, key = &key, reverse = true)?.extract()?;
    println!("sorted(names, key=vowel_key, reverse=True) = {by_key:?}");

    // 3. An error in the key (here: an element that is not a str) is a Python TypeError
    //    inside `sorted`, which comes back to Rust with Python's traceback.
    let err = libpython::exec("sorted(['a', 2, 'b'], key=vowel_key)", &scope).unwrap_err();
    let kind = err
        .as_python()
        .map(|p| p.type_name().to_owned())
        .unwrap_or_default();
    println!(
        "a bad element gives a {kind}: {}",
        err.to_string().lines().last().unwrap_or_default()
    );
    Ok(())
}
