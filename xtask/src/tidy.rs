//! Checks of the repository itself, run as ordinary tests (`cargo test -p xtask`, and so
//! `cargo xtask test`). Each check reads the files git tracks and reports every finding at once,
//! as `path:line: what`.
//!
//! - **No machine paths.** A path that starts at a home directory (`/root/`, `/home/`,
//!   `/Users/`) or at the directory this project is developed in (`/work/`) names one machine
//!   and means nothing on another: documents show `~/...` or the cache directory instead, and
//!   examples of user commands a generic place such as `/opt/py` or `/usr/bin`. `/tmp/` is
//!   refused in documents (a file of one run) but allowed in Rust code, where a test may name
//!   the system's temporary directory. Only a path's start counts: `/home/` inside a URL or
//!   after another path component is not one.
//! - **No words of our own process.** Documents and comments speak about the library, not
//!   about how it was made: no issue numbers (`issue 14`, `#14`; `interpreter #0`, the way the
//!   library names interpreters in its messages, is allowed), no "seed" in the sense of the
//!   project's starting document (`seed's`, `seed README`, `seed session`; a random seed is
//!   fine), no "session". Identifiers are not read as prose: `api_seed` passes.
//! - **A complete code map.** Every `.rs` file under `crates/<name>/src` is named in
//!   ARCHITECTURE.md's "Code map", in the section of its crate: by its path (`src/gil.rs`), or,
//!   inside a folder, by the folder's path (`src/bridge/`) and its file name (`lock.rs`); a
//!   folder's `mod.rs` by the folder's path alone, the crate's `lib.rs` by the section itself.
//! - **No ignored or panic-expecting tests**: no `#[ignore]`, no `#[should_panic]` (a test
//!   asserts the error it expects).
//! - **No trailing whitespace**, in every text file we write (not in `tests/data/`, which holds
//!   copies of upstream data, nor in the compiler's expected output `tests/ui/*.stderr`).
//! - **Files of one concept stay short.** No Rust file of the crates, the benchmarks or xtask
//!   is over 1,200 lines, except the C API's declaration list (`crates/ffi/src/api.rs`), which
//!   is long because the C API is. A longer file holds more than one concept: split it.
//! - **Every guide example compiled.** README.md and every chapter of `docs/guide/` (and any
//!   other guide page with Rust blocks) are included in the `documents` module of
//!   `crates/libpython/src/lib.rs`, which compiles and runs their Rust blocks as doctests, and
//!   no Rust block there is marked `ignore`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::util::workspace_root;

/// This file: it names the things it refuses, so the content rules skip it.
const THIS_FILE: &str = "xtask/src/tidy.rs";

/// The files git tracks, relative to the repository's root.
fn tracked_files() -> Vec<String> {
    let out = Command::new("git")
        .args(["ls-files", "-z"])
        .current_dir(workspace_root())
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git ls-files failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("file names are UTF-8")
        .split('\0')
        .filter(|f| !f.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Whether a tracked file is text we write (so the line rules apply to it).
fn is_our_text(path: &str) -> bool {
    if path.starts_with("tests/data/") || path.ends_with(".stderr") || path.ends_with("Cargo.lock")
    {
        return false;
    }
    let name = path.rsplit('/').next().unwrap_or(path);
    matches!(name, "run" | ".gitignore")
        || [
            ".rs", ".md", ".toml", ".supp", ".sh", ".yml", ".yaml", ".py", ".txt",
        ]
        .iter()
        .any(|e| name.ends_with(e))
}

/// The text files we write, with their contents.
fn our_texts() -> Vec<(String, String)> {
    let root = workspace_root();
    let texts: Vec<(String, String)> = tracked_files()
        .into_iter()
        .filter(|p| is_our_text(p))
        .filter_map(|p| {
            // A file deleted in the work tree but not yet in the index is not there to check.
            let text = std::fs::read_to_string(root.join(&p)).ok()?;
            Some((p, text))
        })
        .collect();
    assert!(
        texts.iter().any(|(p, _)| p == "ARCHITECTURE.md"),
        "no tracked files found: is this a git checkout?"
    );
    texts
}

/// Panics with every finding, if there are any.
fn report(what: &str, findings: &[String]) {
    assert!(
        findings.is_empty(),
        "\n{what} ({} found):\n  {}\n",
        findings.len(),
        findings.join("\n  ")
    );
}

/// Applies a line rule to every line of `texts`, skipping this file.
fn findings(texts: &[(String, String)], rule: impl Fn(&str, &str) -> Vec<String>) -> Vec<String> {
    let mut out = Vec::new();
    for (path, text) in texts.iter().filter(|(p, _)| p != THIS_FILE) {
        for (i, line) in text.lines().enumerate() {
            for f in rule(path, line) {
                out.push(format!("{path}:{}: {f}", i + 1));
            }
        }
    }
    out
}

#[test]
fn no_machine_paths() {
    let found = findings(&our_texts(), |path, line| {
        machine_paths(line, !path.ends_with(".rs"))
    });
    report(
        "absolute paths of one machine (show `~/...`, `<cache>/...` or a generic place such as /opt/py)",
        &found,
    );
}

#[test]
fn no_words_of_our_own_process() {
    let found = findings(&our_texts(), |_, line| process_words(line));
    report(
        "words of how the project is made, not of the library (reword them)",
        &found,
    );
}

#[test]
fn no_ignored_or_panic_expecting_tests() {
    let found = findings(&our_texts(), |path, line| {
        let t = line.trim_start();
        let attr = t.starts_with("#[ignore") || t.starts_with("#[should_panic");
        if path.ends_with(".rs") && attr {
            vec![t.to_owned()]
        } else {
            Vec::new()
        }
    });
    report(
        "tests that are skipped or expect a panic (assert the error instead)",
        &found,
    );
}

/// The longest a Rust file of the crates, benchmarks or xtask may be.
const MAX_LINES: usize = 1200;

#[test]
fn no_source_file_is_over_the_size_limit() {
    let texts = our_texts();
    let found: Vec<String> = texts
        .iter()
        .filter(|(p, _)| {
            p.ends_with(".rs")
                && ["crates/", "benches/", "xtask/"]
                    .iter()
                    .any(|d| p.starts_with(d))
                && p != "crates/ffi/src/api.rs"
        })
        .filter_map(|(p, text)| {
            let n = text.lines().count();
            (n > MAX_LINES).then(|| format!("{p}: {n} lines"))
        })
        .collect();
    report(&format!("Rust files over {MAX_LINES} lines"), &found);
}

#[test]
fn no_trailing_whitespace() {
    let texts = our_texts();
    let mut found = Vec::new();
    for (path, text) in &texts {
        for (i, line) in text.lines().enumerate() {
            if line.ends_with([' ', '\t']) {
                found.push(format!("{path}:{}", i + 1));
            }
        }
    }
    report("lines with trailing whitespace", &found);
}

#[test]
fn the_code_map_names_every_module() {
    let root = workspace_root();
    let architecture =
        std::fs::read_to_string(root.join("ARCHITECTURE.md")).expect("ARCHITECTURE.md");
    let sections = code_map(&architecture);
    assert!(
        sections.contains_key("crates/ffi"),
        "no `crates/ffi` section found in ARCHITECTURE.md's code map"
    );
    let missing = unnamed_modules(&tracked_files(), &sections);
    report(
        "modules ARCHITECTURE.md's code map does not name (add each to its crate's section)",
        &missing,
    );
}

#[test]
fn every_guide_chapter_is_compiled() {
    let root = workspace_root();
    let lib = "crates/libpython/src/lib.rs";
    let lib_text = std::fs::read_to_string(root.join(lib)).expect("the libpython crate's lib.rs");
    let included = included_documents(&lib_text, Path::new(lib));
    assert!(
        included.iter().any(|p| p == "README.md"),
        "{lib}: no `documents` module including README.md"
    );
    let mut found = Vec::new();
    for path in tracked_files()
        .iter()
        .filter(|p| *p == "README.md" || (p.starts_with("docs/guide/") && p.ends_with(".md")))
    {
        let text = std::fs::read_to_string(root.join(path)).unwrap_or_default();
        let blocks = rust_blocks(&text);
        let chapter = path.starts_with("docs/guide/") && !path.ends_with("/README.md");
        if (chapter || !blocks.is_empty()) && !included.contains(path) {
            found.push(format!("{path}: not included in the `documents` module of {lib}, so its examples are not compiled"));
        }
        for (line, info) in blocks {
            if info.split([',', ' ']).any(|t| t == "ignore") {
                found.push(format!("{path}:{line}: a Rust block marked `ignore` is not compiled (use no_run or compile_fail)"));
            }
        }
    }
    for path in &included {
        if !root.join(path).is_file() {
            found.push(format!("{lib}: includes {path}, which does not exist"));
        }
    }
    report("guide examples that are not compiled", &found);
}

// ---------------------------------------------------------------------------------------------
// The rules, on one line or one document.

/// Whether `c` can continue a path or a name, so a `/` after it does not start a path.
fn continues_a_path(c: char) -> bool {
    c.is_alphanumeric() || "._-~/$}".contains(c)
}

/// The machine paths in `line`; `/tmp/` counts only when `tmp_too`.
fn machine_paths(line: &str, tmp_too: bool) -> Vec<String> {
    let mut prefixes = vec!["/root/", "/home/", "/Users/", "/work/"];
    if tmp_too {
        prefixes.push("/tmp/");
    }
    let mut out = Vec::new();
    for prefix in prefixes {
        for (i, _) in line.match_indices(prefix) {
            if line[..i].chars().next_back().is_some_and(continues_a_path) {
                continue;
            }
            let end = line[i..]
                .find(|c: char| c.is_whitespace() || "`'\"()<>[],;".contains(c))
                .map_or(line.len(), |n| i + n);
            out.push(line[i..end].to_owned());
        }
    }
    out
}

/// Whether the word at `line[start..end]` stands alone (no letter, digit or `_` touching it).
fn stands_alone(line: &str, start: usize, end: usize) -> bool {
    let word_char = |c: char| c.is_alphanumeric() || c == '_';
    !line[..start].chars().next_back().is_some_and(word_char)
        && !line[end..].chars().next().is_some_and(word_char)
}

/// A few words of `line` from byte `start` on.
fn excerpt(line: &str, start: usize) -> String {
    line[start..].chars().take(30).collect()
}

/// The words of our own process in `line`.
fn process_words(line: &str) -> Vec<String> {
    // ASCII lowercase keeps every byte offset, so a match in `lower` is at the same place in
    // `line`.
    let lower = line.to_ascii_lowercase();
    let mut out = Vec::new();
    // `issue 14`, `issues 3 and 5`, `issue #14`.
    for word in ["issues", "issue"] {
        for (i, _) in lower.match_indices(word) {
            let end = i + word.len();
            let rest = lower[end..].trim_start_matches(' ').trim_start_matches('#');
            if stands_alone(&lower, i, end) && rest.starts_with(|c: char| c.is_ascii_digit()) {
                out.push(format!("an issue number: {:?}", excerpt(line, i)));
            }
        }
    }
    // `#14` in prose, not `interpreter #0`.
    for (i, _) in lower.match_indices('#') {
        let before = lower[..i].chars().next_back();
        let digits = lower[i + 1..]
            .chars()
            .take_while(char::is_ascii_digit)
            .count();
        let after = lower[i + 1 + digits..].chars().next();
        if before.is_none_or(|c| c.is_whitespace() || c == '(')
            && digits > 0
            && !after.is_some_and(|c| c.is_alphanumeric() || c == '_')
            && !lower[..i].trim_end().ends_with("interpreter")
        {
            out.push(format!(
                "an issue reference: {:?}",
                &line[i..i + 1 + digits]
            ));
        }
    }
    // The project's starting document: `the seed's`, `seed README`, `seed session`.
    for (i, _) in lower.match_indices("seed") {
        let end = i + 4;
        if !stands_alone(&lower, i, end)
            && !lower[end..].starts_with("'s")
            && !lower[end..].starts_with("\u{2019}s")
        {
            continue;
        }
        let next_word = lower[end..]
            .trim_start_matches(['\'', '\u{2019}', 's'])
            .trim_start();
        let possessive = lower[end..].starts_with("'s") || lower[end..].starts_with("\u{2019}s");
        if possessive || next_word.starts_with("readme") || next_word.starts_with("session") {
            out.push(format!("the project's seed: {:?}", excerpt(line, i)));
        }
    }
    for word in ["sessions", "session"] {
        for (i, _) in lower.match_indices(word) {
            let end = i + word.len();
            let end = if lower[end..].starts_with("'s") {
                end + 2
            } else {
                end
            };
            if stands_alone(&lower, i, end)
                || (lower[end..].starts_with('\'') && stands_alone(&lower, i, end + 1))
            {
                out.push(format!("a session: {:?}", &line[i..i + word.len()]));
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// The sections of ARCHITECTURE.md's code map, by the crate folder their heading names
/// (``### `crates/ffi` (`libpython-ffi`)`` is `crates/ffi`).
fn code_map(architecture: &str) -> BTreeMap<String, String> {
    let mut sections = BTreeMap::new();
    let mut in_map = false;
    let mut current: Option<String> = None;
    for line in architecture.lines() {
        if let Some(h) = line.strip_prefix("## ") {
            in_map = h.trim() == "Code map";
            current = None;
        } else if let Some(h) = line.strip_prefix("### ").filter(|_| in_map) {
            current = h
                .split('`')
                .nth(1)
                .filter(|n| n.starts_with("crates/"))
                .map(str::to_owned);
        } else if let (true, Some(c)) = (in_map, &current) {
            let text: &mut String = sections.entry(c.clone()).or_default();
            text.push_str(line);
            text.push('\n');
        }
    }
    sections
}

/// The `.rs` files under `crates/<name>/src` that the code map does not name.
fn unnamed_modules(files: &[String], sections: &BTreeMap<String, String>) -> Vec<String> {
    let mut missing = Vec::new();
    for file in files
        .iter()
        .filter(|f| f.starts_with("crates/") && f.ends_with(".rs"))
    {
        let mut parts = file.splitn(3, '/');
        let (Some(_), Some(name), Some(inner)) = (parts.next(), parts.next(), parts.next()) else {
            continue;
        };
        if !inner.starts_with("src/") || inner == "src/lib.rs" {
            continue;
        }
        let section = sections
            .get(&format!("crates/{name}"))
            .map_or("", String::as_str);
        let (folder, file_name) = inner.rsplit_once('/').expect("under src/");
        let folder = format!("{folder}/");
        let named = section.contains(inner)
            || (folder != "src/"
                && section.contains(&folder)
                && (file_name == "mod.rs" || section.contains(&format!("`{file_name}`"))));
        if !named {
            missing.push(file.clone());
        }
    }
    missing
}

/// The documents the `documents` module of `lib` includes, as paths from the repository's
/// root (`include_str!("../../../README.md")` in `crates/libpython/src/lib.rs` is `README.md`).
fn included_documents(lib_text: &str, lib: &Path) -> Vec<String> {
    let Some(start) = lib_text.find("mod documents") else {
        return Vec::new();
    };
    let dir = lib.parent().expect("lib.rs is in a folder");
    let mut out = Vec::new();
    for piece in lib_text[start..].split("include_str!(\"").skip(1) {
        let Some((relative, _)) = piece.split_once('"') else {
            continue;
        };
        let mut path = PathBuf::new();
        for c in dir.join(relative).components() {
            match c {
                std::path::Component::ParentDir => {
                    path.pop();
                }
                other => path.push(other),
            }
        }
        out.push(path.to_string_lossy().into_owned());
    }
    out
}

/// The code blocks of a Markdown document that rustdoc compiles as Rust: (line of the opening
/// fence, its info string). A block is Rust when its info string is empty or names only
/// rustdoc's own attributes.
fn rust_blocks(markdown: &str) -> Vec<(usize, String)> {
    const RUSTDOC: &[&str] = &[
        "rust",
        "ignore",
        "should_panic",
        "no_run",
        "compile_fail",
        "test_harness",
        "standalone_crate",
        "edition2015",
        "edition2018",
        "edition2021",
        "edition2024",
    ];
    let mut out = Vec::new();
    // The open fence: its character and length.
    let mut open: Option<(char, usize)> = None;
    for (i, line) in markdown.lines().enumerate() {
        let t = line.trim_start();
        let Some(c) = t.chars().next().filter(|c| *c == '`' || *c == '~') else {
            continue;
        };
        let len = t.chars().take_while(|x| *x == c).count();
        if len < 3 {
            continue;
        }
        let info = t[len..].trim();
        match open {
            Some((oc, olen)) if oc == c && len >= olen && info.is_empty() => open = None,
            Some(_) => {}
            None => {
                open = Some((c, len));
                if info
                    .split([',', ' '])
                    .filter(|s| !s.is_empty())
                    .all(|tok| RUSTDOC.contains(&tok))
                {
                    out.push((i + 1, info.to_owned()));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod rules {
    use super::*;

    #[test]
    fn machine_paths_are_the_starts_of_home_and_workplace_paths() {
        assert_eq!(
            machine_paths("linked to `/root/.pyenv/versions/3.11.7/lib/x.so` (a", true),
            ["/root/.pyenv/versions/3.11.7/lib/x.so"]
        );
        assert_eq!(
            machine_paths("see /work/shared/notes/a.md, and /home/me/x", true),
            ["/home/me/x", "/work/shared/notes/a.md"]
        );
        assert_eq!(machine_paths("\"/Users/me/py\"", false), ["/Users/me/py"]);
        assert_eq!(
            machine_paths("scratch in /tmp/run-1/out.txt", true),
            ["/tmp/run-1/out.txt"]
        );
        assert!(machine_paths("PathBuf::from(\"/tmp/libpython3.8.so\")", false).is_empty());
        for fine in [
            "~/.cache/libpython/venvs/test-3.11/bin/python",
            "<cache>/venvs/x and /opt/py/bin/python3 and /usr/bin/python3",
            "https://example.org/home/page and $HOME/work/x and a/work/b and ~/home/x",
        ] {
            assert!(machine_paths(fine, true).is_empty(), "{fine}");
        }
    }

    #[test]
    fn process_words_are_found_and_ordinary_words_pass() {
        for bad in [
            "Zero-copy arrays (issue 5): views",
            "as issues 3 and 5 say",
            "see Issue #14",
            "fixed in #14.",
            "(#7)",
            "the seed's `->python`",
            "The seed README's example",
            "the seed session: run code",
            "Session 2 (after the fix)",
            "while other sessions' builds ran",
            "naïve café — İstanbul, see #14",
        ] {
            assert!(!process_words(bad).is_empty(), "not found in {bad:?}");
        }
        for fine in [
            "the object belongs to interpreter #0 but the thread is running interpreter #1",
            "a fresh seed per run; the seed reproduces it",
            "fn tour_runs_the_seed_session() {} // api_seed, session_id",
            "#[test] #![deny] {:#010x} r#\"x\"#",
            "the tissue 5 and reissue 3",
            "seeds, seeded, linseed",
        ] {
            assert_eq!(process_words(fine), Vec::<String>::new(), "{fine:?}");
        }
    }

    #[test]
    fn the_code_map_is_read_by_crate_and_folder() {
        let map = code_map(
            "# A\n## Code map\n### `crates/ffi` (`x`)\n- `src/api.rs`: list\n### `crates/libpython` (`y`)\n\
             - `src/gil.rs`: token\n- `src/bridge/`: `mod.rs` the trait; `lock.rs` the lock\n- `src/array/`: arrays\n\
             ## Vocabulary\n`src/late.rs`\n",
        );
        assert_eq!(
            map.keys().collect::<Vec<_>>(),
            ["crates/ffi", "crates/libpython"]
        );
        let files: Vec<String> = [
            "crates/ffi/src/api.rs",
            "crates/ffi/src/lib.rs",
            "crates/ffi/src/load.rs",
            "crates/ffi/examples/smoke.rs",
            "crates/libpython/src/gil.rs",
            "crates/libpython/src/bridge/mod.rs",
            "crates/libpython/src/bridge/lock.rs",
            "crates/libpython/src/bridge/map.rs",
            "crates/libpython/src/array/mod.rs",
            "crates/libpython/src/array/view.rs",
            "crates/libpython/src/late.rs",
            "crates/interp/src/gil.rs",
            "tests/all/main.rs",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(
            unnamed_modules(&files, &map),
            [
                "crates/ffi/src/load.rs",
                "crates/libpython/src/bridge/map.rs",
                "crates/libpython/src/array/view.rs",
                "crates/libpython/src/late.rs",
                "crates/interp/src/gil.rs",
            ]
        );
    }

    #[test]
    fn documents_and_their_rust_blocks_are_found() {
        let lib = "mod a { include_str!(\"not/this.md\") }\n#[cfg(doctest)]\nmod documents {\n    #[doc = include_str!(\"../../../README.md\")]\n    struct R;\n    #[doc = include_str!(\"../../../docs/guide/01-x.md\")]\n    struct X;\n}\n";
        assert_eq!(
            included_documents(lib, Path::new("crates/libpython/src/lib.rs")),
            ["README.md", "docs/guide/01-x.md"]
        );
        let md = "text\n```rust\nlet a = 1;\n```\n```sh\ncargo run\n```\n```\nbare();\n```\n````text\n```rust\n````\n```rust,ignore\nx\n```\n~~~no_run\ny\n~~~\n";
        assert_eq!(
            rust_blocks(md),
            [
                (2, "rust".to_owned()),
                (8, String::new()),
                (14, "rust,ignore".to_owned()),
                (17, "no_run".to_owned())
            ]
        );
    }

    #[test]
    fn only_text_we_write_is_checked() {
        for ours in [
            "xtask/src/main.rs",
            "docs/guide/01-x.md",
            "Cargo.toml",
            ".ci/run",
            "xtask/valgrind.supp",
        ] {
            assert!(is_our_text(ours), "{ours}");
        }
        for theirs in [
            "Cargo.lock",
            "benches/Cargo.lock",
            "tests/data/stable-abi-3.13.tsv",
            "tests/ui/x.stderr",
            "docs/plot.png",
        ] {
            assert!(!is_our_text(theirs), "{theirs}");
        }
    }
}
