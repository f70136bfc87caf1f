//! Instruction counts of every case under `valgrind --tool=callgrind` (`cargo xtask bench
//! --callgrind`): one run per (case, side), counted inside the profile binaries' `measured`
//! function, read back for the report.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::*;
/// Instructions per iteration by (group, side), from `--callgrind`.
pub(super) type Counts = BTreeMap<(String, String), f64>;

/// One entry of `callgrind.json`.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct CallgrindRecord {
    case: String,
    side: String,
    instructions: f64,
}

/// Iterations counted per case under callgrind: enough that one iteration's share of the
/// measured region's edges is negligible, few enough to stay quick.
pub(super) fn callgrind_iterations(group: &str) -> Option<u64> {
    match group {
        // Work spread over threads (the event loop's): one thread's count says little.
        "startup_import_numpy" | "await_ready_coroutine" | "sleep0_10k" => None,
        "list_to_vec_1e6" | "vec_to_list_1e6" | "closure_loop_1e6" | "method_loop_1e6"
        | "list_iter_sum_1e6" => Some(1),
        "serde_roundtrip" => Some(200),
        "dict_to_hashmap_1e5" | "hashmap_to_dict_1e5" => Some(2),
        "str_1mb_to_string" => Some(20),
        _ => Some(2000),
    }
}

/// Whether `case/side` passes the filter: alternatives separated by `|`, each a substring of
/// the id, or its beginning when it starts with `^` (the part of criterion's regular
/// expressions that names cases).
pub(super) fn filter_matches(filter: &str, id: &str) -> bool {
    filter.split('|').any(|alt| match alt.strip_prefix('^') {
        Some(prefix) => id.starts_with(prefix),
        None => id.contains(alt),
    })
}

/// Runs every (case, side) once under `valgrind --tool=callgrind`, collecting only inside the
/// profile binaries' `measured` functions (a contending thread's loop is `measured_worker`:
/// callgrind toggles collection per thread, and the counts of all threads are summed), two at
/// a time; writes `callgrind.json` and keeps each profile in `callgrind/` for
/// `callgrind_annotate`. Without a filter, `key_only` keeps the key cases.
pub(super) fn run_callgrind(
    out: &Path,
    info: &PythonInfo,
    ours: &Path,
    pyo3: Option<&Path>,
    filter: Option<&str>,
    key_only: bool,
) -> Result<(), String> {
    if Command::new("valgrind").arg("--version").output().is_err() {
        return Err("--callgrind needs valgrind (apt-get install valgrind)".into());
    }
    let dir = out.join("callgrind");
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut jobs: Vec<(String, String, u64, PathBuf)> = Vec::new();
    for c in CASES {
        let Some(iters) = callgrind_iterations(c.group) else {
            continue;
        };
        if filter.is_none() && key_only && !c.key {
            continue;
        }
        let mut sides = vec![(c.floor, ours), (c.ours, ours)];
        if let Some(p) = pyo3
            && c.pyo3 != "none"
        {
            sides.push((c.pyo3, p));
        }
        for (side, exe) in sides {
            let id = format!("{}/{side}", c.group);
            if jobs.iter().any(|j| j.0 == c.group && j.1 == side)
                || filter.is_some_and(|f| !filter_matches(f, &id))
            {
                continue;
            }
            jobs.push((c.group.to_owned(), side.to_owned(), iters, exe.to_owned()));
        }
    }
    util::step(&format!(
        "counting instructions of {} case sides under callgrind",
        jobs.len()
    ));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some((group, side, iters, exe)) = jobs.get(i) else {
                        break;
                    };
                    let file = dir.join(format!("{group}.{side}.out"));
                    let r = Command::new("valgrind")
                        .arg("--tool=callgrind")
                        .arg(format!("--callgrind-out-file={}", file.display()))
                        .arg("--toggle-collect=*common::measured*")
                        .arg(exe)
                        .args([group.as_str(), side.as_str(), &iters.to_string()])
                        .env("LIBPYTHON_PYTHON", &info.executable)
                        .env("PYTHONPATH", &info.purelib)
                        // The same str hashes, and so the same probes in every dict, each run.
                        .env("PYTHONHASHSEED", "0")
                        .env("OPENBLAS_NUM_THREADS", "1")
                        .output();
                    let counted = match r {
                        Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stderr)
                            .lines()
                            .find_map(|l| {
                                l.split("Collected :")
                                    .nth(1)
                                    .and_then(|n| n.trim().parse::<f64>().ok())
                            })
                            .ok_or_else(|| {
                                format!("{group}/{side}: no count in valgrind's output")
                            }),
                        Ok(o) => Err(format!(
                            "{group}/{side} failed: {}\n{}",
                            o.status,
                            String::from_utf8_lossy(&o.stderr)
                        )),
                        Err(e) => Err(format!("cannot run valgrind: {e}")),
                    };
                    match &counted {
                        Ok(n) => eprintln!(
                            "    {group}/{side}: {:.1} instructions per iteration",
                            n / *iters as f64
                        ),
                        Err(e) => eprintln!("    {e}"),
                    }
                    results.lock().unwrap().push((
                        group.clone(),
                        side.clone(),
                        counted.map(|n| n / *iters as f64),
                    ));
                }
            });
        }
    });
    let path = out.join("callgrind.json");
    let mut counts = read_callgrind(&path)?;
    let mut failed = Vec::new();
    for (group, side, r) in results.into_inner().unwrap() {
        match r {
            Ok(n) => {
                counts.insert((group, side), n);
            }
            Err(e) => failed.push(e),
        }
    }
    let records: Vec<CallgrindRecord> = counts
        .iter()
        .map(|((case, side), n)| CallgrindRecord {
            case: case.clone(),
            side: side.clone(),
            instructions: (n * 10.0).round() / 10.0,
        })
        .collect();
    std::fs::write(&path, json_text(&records)).map_err(|e| format!("{}: {e}", path.display()))?;
    if failed.is_empty() {
        Ok(())
    } else {
        Err(failed.join("\n"))
    }
}

pub(super) fn read_callgrind(path: &Path) -> Result<Counts, String> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return Ok(Counts::new());
    };
    let records: Vec<CallgrindRecord> =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(records
        .into_iter()
        .map(|r| ((r.case, r.side), r.instructions))
        .collect())
}

pub(super) fn print_counts(counts: &Counts) {
    println!(
        "{:<42} {:>12} {:>12} {:>12} {:>10} {:>10}",
        "instructions per iteration", "floor", "ours", "pyo3", "ours/floor", "ours/pyo3"
    );
    for r in counted_rows(counts) {
        let (c, floor, ours, pyo3) = (r.case, r.floor, r.ours, r.pyo3);
        let ratio = |a: Option<f64>, b: Option<f64>| {
            a.zip(b)
                .map_or_else(|| "–".to_owned(), |(a, b)| format!("{:.2}", a / b))
        };
        println!(
            "{:<42} {:>12} {:>12} {:>12} {:>10} {:>10}",
            c.name,
            fmt_ir(floor),
            fmt_ir(ours),
            fmt_ir(pyo3),
            ratio(ours, floor),
            ratio(ours, pyo3)
        );
    }
}

/// The rows of the cases counted.
fn counted_rows(counts: &Counts) -> Vec<Row> {
    rows(|g, side| counts.get(&(g.to_owned(), side.to_owned())).copied())
}

/// An instruction count, readable.
pub(super) fn fmt_ir(v: Option<f64>) -> String {
    match v {
        None => "–".to_owned(),
        Some(n) if n >= 1e9 => format!("{:.2} G", n / 1e9),
        Some(n) if n >= 1e6 => format!("{:.1} M", n / 1e6),
        Some(n) if n >= 1e4 => format!("{:.1} k", n / 1e3),
        Some(n) => format!("{n:.0}"),
    }
}

/// The instruction-count table of the doc.
pub(super) fn callgrind_section(s: &mut String, counts: &Counts) {
    let _ = writeln!(s, "\n## Instructions per iteration (callgrind)\n");
    if counts.is_empty() {
        let _ = writeln!(s, "Not counted: run `cargo xtask bench --callgrind`.");
        return;
    }
    let _ = writeln!(
        s,
        "Counted by `cargo xtask bench --callgrind`: each side of each case run by the profile binaries \
         (`benches/*/src/bin/profile*.rs`) under `valgrind --tool=callgrind`, collecting only the measured iterations, \
         with `PYTHONHASHSEED=0` (str hashes, and so the probes of every dict, differ from run to run otherwise). \
         Unlike times, these counts do not move with the machine's load; they do not see cache misses, page faults or \
         lock waits, so a case bound by memory (the 1 MB string) or by the GIL hand-off (`call3_nogil`) weighs more in \
         time than here. The profiles stay in `target/bench/callgrind/` for `callgrind_annotate`.\n"
    );
    counts_table(s, counts);
}

/// The instruction-count table, one row per case counted.
pub(super) fn counts_table(s: &mut String, counts: &Counts) {
    let _ = writeln!(
        s,
        "| case | GIL held | floor | ours | PyO3 | ours/floor | ours/PyO3 |"
    );
    let _ = writeln!(s, "|---|:-:|--:|--:|--:|--:|--:|");
    for row in counted_rows(counts) {
        let (c, floor, ours, pyo3) = (row.case, row.floor, row.ours, row.pyo3);
        let (gf, gp) = row.goals();
        let _ = writeln!(
            s,
            "| `{}` | {} | {} | {} | {} | {} | {} |",
            c.name,
            if c.gil_held { "yes" } else { "no" },
            fmt_ir(floor),
            fmt_ir(ours),
            fmt_ir(pyo3),
            fmt_ratio(row.ours_floor(), gf),
            fmt_ratio(row.ours_pyo3(), gp)
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_filter_takes_alternatives_and_anchors() {
        assert!(filter_matches("call3", "call3_nogil/ours"));
        assert!(filter_matches("^call3/", "call3/ours"));
        assert!(!filter_matches("^call3/", "call3_nogil/ours"));
        assert!(!filter_matches("^nogil", "call3_nogil/ours"));
        assert!(filter_matches("serde|^method_", "method_loop_1e6/floor"));
        assert!(filter_matches("serde|^method_", "serde_roundtrip/pyo3"));
        assert!(!filter_matches("serde|^method_", "getattr/ours"));
    }

    #[test]
    fn instruction_counts_round_trip_through_their_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("callgrind.json");
        assert!(
            read_callgrind(&path).unwrap().is_empty(),
            "a missing file is no counts"
        );
        let records = vec![
            CallgrindRecord {
                case: "call3".into(),
                side: "ours".into(),
                instructions: 512.25,
            },
            CallgrindRecord {
                case: "call3".into(),
                side: "floor".into(),
                instructions: 480.0,
            },
        ];
        std::fs::write(&path, json_text(&records)).unwrap();
        let counts = read_callgrind(&path).unwrap();
        assert_eq!(
            counts.get(&("call3".to_owned(), "ours".to_owned())),
            Some(&512.25)
        );
        assert_eq!(counts.len(), 2);
        std::fs::write(&path, "[{\"case\": 1}]").unwrap();
        assert!(
            read_callgrind(&path)
                .unwrap_err()
                .contains("callgrind.json")
        );
    }
}
