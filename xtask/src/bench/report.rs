//! The report: `summary.json`, the table printed at the end of a run, and docs/benchmarks.md.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::process::Command;

use serde::Serialize;

use super::*;

/// One summary row.
pub(super) struct Row {
    pub(super) case: &'static Case,
    pub(super) ours: Option<f64>,
    pub(super) floor: Option<f64>,
    pub(super) pyo3: Option<f64>,
}

impl Row {
    pub(super) fn ours_floor(&self) -> Option<f64> {
        Some(self.ours? / self.floor?)
    }

    pub(super) fn ours_pyo3(&self) -> Option<f64> {
        Some(self.ours? / self.pyo3?)
    }

    /// The goals: ours/floor <= 1.10 where the GIL is held, ours <= PyO3 everywhere.
    pub(super) fn goals(&self) -> (Option<bool>, Option<bool>) {
        let floor = if self.case.gil_held {
            self.ours_floor().map(|r| r <= 1.10)
        } else {
            None
        };
        (floor, self.ours_pyo3().map(|r| r <= 1.0))
    }
}

pub(super) fn summarize(results: &Results) -> Vec<Row> {
    rows(|g, f| {
        results
            .get(&(g.to_owned(), f.to_owned()))
            .map(|e| e.median_ns)
    })
}

/// The rows of the cases with something to show, each side's figure read by `get(group,
/// side)`. A row that differs from its group's first by a variant side is shown only when
/// that side was measured: a variant of ours (`ours_auto`, `ours_derive`, ...) whenever ours
/// was, with or without PyO3's side; a variant of PyO3's alone (`pyo3_buffer`, ...) only with
/// PyO3's side; a variant floor (`floor_owned`, `floor_serde`) only when it was measured.
pub(super) fn rows(get: impl Fn(&str, &str) -> Option<f64>) -> Vec<Row> {
    CASES
        .iter()
        .map(|c| Row {
            case: c,
            ours: get(c.group, c.ours),
            floor: get(c.group, c.floor),
            pyo3: get(c.group, c.pyo3),
        })
        .filter(|r| {
            let variant_pyo3 = !matches!(r.case.pyo3, "pyo3" | "none");
            let variant_ours = r.case.ours != "ours";
            if r.case.floor != "floor" && r.floor.is_none() {
                false
            } else if variant_ours {
                r.ours.is_some()
            } else if variant_pyo3 {
                r.pyo3.is_some()
            } else {
                r.ours.is_some() || r.floor.is_some() || r.pyo3.is_some()
            }
        })
        .collect()
}

/// One row of `summary.json`: nanoseconds per iteration to one decimal, `null` where a side
/// has no equivalent.
#[derive(Debug, Serialize)]
struct SummaryRow<'a> {
    case: &'a str,
    ours_ns: Option<f64>,
    floor_ns: Option<f64>,
    pyo3_ns: Option<f64>,
    gil_held: bool,
}

fn tenths(v: Option<f64>) -> Option<f64> {
    v.map(|n| (n * 10.0).round() / 10.0)
}

pub(super) fn summary_json(rows: &[Row]) -> String {
    let rows: Vec<SummaryRow<'_>> = rows
        .iter()
        .map(|r| SummaryRow {
            case: r.case.name,
            ours_ns: tenths(r.ours),
            floor_ns: tenths(r.floor),
            pyo3_ns: tenths(r.pyo3),
            gil_held: r.case.gil_held,
        })
        .collect();
    json_text(&rows)
}

/// Pretty JSON with a final newline.
pub(super) fn json_text<T: Serialize>(value: &T) -> String {
    let mut s = serde_json::to_string_pretty(value).expect("plain data serializes");
    s.push('\n');
    s
}

/// A duration in nanoseconds, in the unit that reads best.
pub(super) fn fmt_ns(v: Option<f64>) -> String {
    let Some(ns) = v else { return "–".to_owned() };
    if ns < 1e3 {
        format!("{ns:.1} ns")
    } else if ns < 1e6 {
        format!("{:.2} µs", ns / 1e3)
    } else if ns < 1e9 {
        format!("{:.2} ms", ns / 1e6)
    } else {
        format!("{:.2} s", ns / 1e9)
    }
}

pub(super) fn fmt_ratio(r: Option<f64>, goal: Option<bool>) -> String {
    match (r, goal) {
        (Some(r), Some(true)) => format!("{r:.2} ✓"),
        (Some(r), Some(false)) => format!("**{r:.2}** ✗"),
        (Some(r), None) => format!("{r:.2}"),
        (None, _) => "–".to_owned(),
    }
}

/// Sub-interpreter results: version, ours sequential and parallel, and the speedups of the
/// floor (the raw C API), of two `python` processes and of two Rust threads in the same run.
struct SubRow {
    version: String,
    seq: f64,
    par: f64,
    floor: Option<f64>,
    processes: Option<f64>,
    rust: Option<f64>,
    paired: Option<PairedRow>,
}

/// The round-by-round measurement of one Python: the median over the rounds of each pair's
/// speedup, and of the ratio of ours to the floor's and to the Rust threads' speedup of the
/// same round.
struct PairedRow {
    rounds: usize,
    ours: f64,
    floor: Option<f64>,
    processes: Option<f64>,
    rust: Option<f64>,
    ours_floor: Option<f64>,
    ours_rust: Option<f64>,
}

/// A speedup for the tables (`–` when not measured).
fn speedup(r: Option<f64>) -> String {
    r.map_or_else(|| "–".to_owned(), |r| format!("{r:.2}x"))
}

/// A ratio for the tables (`–` when a side is missing).
fn ratio(r: Option<f64>) -> String {
    r.map_or_else(|| "–".to_owned(), |r| format!("{r:.2}"))
}

/// The goal of the sub-interpreters: within 10% of the speedup two Rust threads reach.
const OF_RUST_GOAL: f64 = 0.90;

fn median(mut v: Vec<f64>) -> Option<f64> {
    v.retain(|x| x.is_finite());
    v.sort_by(f64::total_cmp);
    let n = v.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(v[n / 2]),
        _ => Some((v[n / 2 - 1] + v[n / 2]) / 2.0),
    }
}

fn paired_row(pairs: &BTreeMap<String, Vec<f64>>) -> Option<PairedRow> {
    let ours = pairs.get("ours")?;
    let of = |name: &str| pairs.get(name).and_then(|v| median(v.clone()));
    let per_round = |name: &str| {
        pairs
            .get(name)
            .and_then(|v| median(ours.iter().zip(v).map(|(a, b)| a / b).collect()))
    };
    Some(PairedRow {
        rounds: ours.len(),
        ours: median(ours.clone())?,
        floor: of("floor"),
        processes: of("processes"),
        rust: of("rust_threads"),
        ours_floor: per_round("floor"),
        ours_rust: per_round("rust_threads"),
    })
}

fn subinterp(results: &Results, paired: &Paired) -> Vec<SubRow> {
    let mut v = Vec::new();
    for ((g, f), e) in results {
        let get = |f: &str| results.get(&(g.clone(), f.to_owned())).map(|e| e.median_ns);
        let speedup = |kind: &str| {
            get(&format!("{kind}sequential"))
                .zip(get(&format!("{kind}parallel")))
                .map(|(s, p)| s / p)
        };
        if let Some(version) = g.strip_prefix("subinterp_")
            && f == "sequential"
            && let Some(p) = get("parallel")
        {
            v.push(SubRow {
                version: version.to_owned(),
                seq: e.median_ns,
                par: p,
                floor: speedup("floor_"),
                processes: speedup("processes_"),
                rust: speedup("rust_threads_"),
                paired: paired.get(g).and_then(paired_row),
            });
        }
    }
    v
}

pub(super) fn print_table(rows: &[Row], results: &Results, paired: &Paired) {
    println!(
        "{:<42} {:>12} {:>12} {:>12} {:>10} {:>10}",
        "case", "floor", "ours", "pyo3", "ours/floor", "ours/pyo3"
    );
    for r in rows {
        println!(
            "{:<42} {:>12} {:>12} {:>12} {:>10} {:>10}",
            r.case.name,
            fmt_ns(r.floor),
            fmt_ns(r.ours),
            fmt_ns(r.pyo3),
            ratio(r.ours_floor()),
            ratio(r.ours_pyo3())
        );
    }
    for r in subinterp(results, paired) {
        println!(
            "sub-interpreters {}: sequential {}, parallel {}, speedup {:.2}x (floor {}, processes {}, Rust threads {})",
            r.version,
            fmt_ns(Some(r.seq)),
            fmt_ns(Some(r.par)),
            r.seq / r.par,
            speedup(r.floor),
            speedup(r.processes),
            speedup(r.rust)
        );
        if let Some(p) = &r.paired {
            println!(
                "sub-interpreters {}, {} rounds (medians): speedup {:.2}x (floor {}, processes {}, Rust threads {}), ours/floor {}, ours/Rust threads {}",
                r.version,
                p.rounds,
                p.ours,
                speedup(p.floor),
                speedup(p.processes),
                speedup(p.rust),
                ratio(p.ours_floor),
                ratio(p.ours_rust)
            );
        }
    }
}

/// The round-by-round table of the sub-interpreter section, for the Pythons that have one.
fn paired_section(s: &mut String, sub: &[SubRow]) {
    let rows: Vec<(&str, &PairedRow)> = sub
        .iter()
        .filter_map(|r| Some((r.version.as_str(), r.paired.as_ref()?)))
        .collect();
    if rows.is_empty() {
        return;
    }
    let _ = writeln!(
        s,
        "\nRound by round: the medians above come from measurements minutes apart, and a shared machine's speed can \
         drift in between (a virtual machine's by as much as 2x). In each \
         round of the same run, every pair's sequential and parallel loops run back to back (which first \
         alternates), the pairs in an order rotated each round; the table gives the medians over the rounds of each \
         speedup and of ours divided by the floor's and by the Rust threads' in the same round. Goal: ours within \
         10% of the Rust threads (ours / Rust threads ≥ {OF_RUST_GOAL:.2}).\n"
    );
    let _ = writeln!(
        s,
        "| Python | rounds | ours | floor (raw C API) | two `python` processes | two Rust threads | ours / floor | ours / Rust threads |"
    );
    let _ = writeln!(s, "|---|--:|--:|--:|--:|--:|--:|--:|");
    for (version, p) in rows {
        let mark = match p.ours_rust {
            Some(r) if r >= OF_RUST_GOAL => " ✓",
            Some(_) => " ✗",
            None => "",
        };
        let _ = writeln!(
            s,
            "| {version} | {} | {:.2}x | {} | {} | {} | {} | {}{mark} |",
            p.rounds,
            p.ours,
            speedup(p.floor),
            speedup(p.processes),
            speedup(p.rust),
            ratio(p.ours_floor),
            ratio(p.ours_rust)
        );
    }
}

/// CPU model and core count, from `/proc/cpuinfo`.
fn machine() -> String {
    let info = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = info
        .lines()
        .find_map(|l| {
            l.strip_prefix("model name")
                .and_then(|r| r.split_once(':'))
                .map(|(_, m)| m.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned());
    let cores = info.lines().filter(|l| l.starts_with("processor")).count();
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .next()
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|k| k.parse::<u64>().ok())
        })
        .map(|kb| format!(", {:.0} GiB", kb as f64 / 1024.0 / 1024.0))
        .unwrap_or_default();
    format!("{model}, {cores} logical core(s){mem}")
}

/// Today's date (UTC), `YYYY-MM-DD`.
fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    // Days since 1970-01-01 to a civil date (H. Hinnant's algorithm).
    let z = (secs / 86_400) as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

fn command_line(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_else(|| "unknown".to_owned())
}

/// The machine's load average over the last minute.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_owned))
        .unwrap_or_default()
}

/// The Python line of a header: version, library, and the interpreter whose packages were used.
fn python_line(info: &PythonInfo) -> String {
    format!(
        "{} ({}, numpy from `{}`)",
        info.full_version,
        util::display_path(&info.library()),
        util::display_path(&info.executable)
    )
}

/// The times table, one row per case measured.
pub(super) fn times_table(s: &mut String, rows: &[Row]) {
    let _ = writeln!(
        s,
        "| case | GIL held | floor | ours | PyO3 | ours/floor | ours/PyO3 |"
    );
    let _ = writeln!(s, "|---|:-:|--:|--:|--:|--:|--:|");
    for r in rows {
        let (gf, gp) = r.goals();
        let _ = writeln!(
            s,
            "| `{}` | {} | {} | {} | {} | {} | {} |",
            r.case.name,
            if r.case.gil_held { "yes" } else { "no" },
            fmt_ns(r.floor),
            fmt_ns(r.ours),
            fmt_ns(r.pyo3),
            fmt_ratio(r.ours_floor(), gf),
            fmt_ratio(r.ours_pyo3(), gp)
        );
    }
}

/// The whole page, from the main run's results; `others` are the other Pythons' subsections
/// (as [`other_pythons`] read them from the page).
pub(super) fn markdown(
    rows: &[Row],
    results: &Results,
    paired: &Paired,
    counts: &Counts,
    info: &PythonInfo,
    others: &BTreeMap<(u32, String), String>,
) -> String {
    let mut s = String::new();
    let load = load_average();
    let _ = writeln!(s, "# Benchmarks: libpython against the C floor and PyO3\n");
    let _ = writeln!(
        s,
        "Generated by `cargo xtask bench` (do not edit by hand: rerun it).\n"
    );
    let _ = writeln!(s, "- **Date**: {}", today());
    let _ = writeln!(
        s,
        "- **Machine**: {} (load average {load} when this page was written)",
        machine()
    );
    let _ = writeln!(s, "- **Python**: {}", python_line(info));
    let _ = writeln!(
        s,
        "- **Rust**: {}; PyO3 0.30, rust-numpy 0.30, criterion 0.8",
        command_line("rustc", &["--version"])
    );
    let _ = writeln!(s);
    let _ = writeln!(
        s,
        "**floor** is the raw layer (`libpython-ffi`) used as C uses the C API, GIL held by hand (on a free-threaded \
         build, reading shared containers as the C API asks there: a dict's or list's critical section around a walk, \
         `PyDict_GetItemRef` / `PyList_GetItemRef` for single items); **ours** is the public \
         `libpython` API as a user writes it; **PyO3** is PyO3 0.30 as its guide recommends. Goals: ours/floor ≤ 1.10 \
         wherever the GIL is held, ours ≤ PyO3 everywhere (✓ met, ✗ missed).\n"
    );
    let _ = writeln!(s, "## Times\n");
    if rows.is_empty() {
        let _ = writeln!(s, "Not measured: run `cargo xtask bench`.");
    } else {
        let _ = writeln!(
            s,
            "Criterion's median per iteration. The benchmark processes run with \
             `OPENBLAS_NUM_THREADS=1`: numpy's OpenBLAS otherwise starts a thread per core whose \
             idle loop spins, taking a core from the measured thread (no case calls BLAS).\n"
        );
        times_table(&mut s, rows);
    }
    let _ = writeln!(s, "\nWhat one iteration does:\n");
    for c in CASES {
        let _ = writeln!(s, "- `{}`: {}", c.name, c.what);
    }

    let _ = writeln!(s, "\n## Sub-interpreters in parallel\n");
    let _ = writeln!(
        s,
        "Two isolated sub-interpreters, each with its own GIL (`Interpreter::new(SubConfig::isolated())`, Python 3.12+), \
         run the same CPU-bound pure-Python loop (1,000,000 iterations of `s += i * i`) on two threads, each thread bound \
         to its interpreter for its life (`with_interpreter(..., || run_simple_string(\"work()\"))`), against the same two \
         loops one after the other. Goal: a speedup of at least 1.8x on 2 cores (which needs both cores free: other work \
         on the machine lowers it).\n"
    );
    let sub = subinterp(results, paired);
    if sub.is_empty() {
        let _ = writeln!(s, "Not measured (no Python 3.12+ found, or not run).");
    } else {
        let _ = writeln!(
            s,
            "| Python | both loops, one after the other | both loops in parallel | speedup | floor (raw C API) | two `python` processes | two Rust threads |"
        );
        let _ = writeln!(s, "|---|--:|--:|--:|--:|--:|--:|");
        for r in &sub {
            let sp = r.seq / r.par;
            let mark = if sp >= 1.8 { "✓" } else { "✗" };
            let _ = writeln!(
                s,
                "| {} | {} | {} | {sp:.2}x {mark} | {} | {} | {} |",
                r.version,
                fmt_ns(Some(r.seq)),
                fmt_ns(Some(r.par)),
                speedup(r.floor),
                speedup(r.processes),
                speedup(r.rust)
            );
        }
        let _ = writeln!(
            s,
            "\nThe other columns are speedups measured in the same run: the floor is the same pair of sub-interpreters \
             made and driven with the raw C API (`Py_NewInterpreterFromConfig`, `PyEval_RestoreThread`, \
             `PyRun_SimpleString`), so ours against it is what the library costs; two `python` processes running the \
             same loop share nothing, so the floor against them is what CPython's interpreters share; two Rust threads \
             doing pure arithmetic are the machine's parallelism at the time (other work on its cores lowers every \
             column alike)."
        );
        paired_section(&mut s, &sub);
    }

    callgrind_section(&mut s, counts);
    other_pythons_section(&mut s, others);

    let _ = writeln!(s, "\n## How it is measured\n");
    let _ = writeln!(
        s,
        "- The bench crates are in `benches/`, a workspace of its own (excluded from the main one) so PyO3 never reaches \
         the library's builds. Each side of each case is a runner (`benches/ours/src/lib.rs` for floor and ours, \
         `benches/pyo3/src/lib.rs` for PyO3) that takes the GIL its side needs and then times N iterations \
         (criterion's `iter_custom`); `benches/common/mod.rs` holds the Python fixtures (the same `SETUP` code for every \
         side), the sizes and the criterion settings. The same runners are what the profile binaries count.\n\
         - floor and ours run in one process, against the interpreter `libpython::initialize()` started from \
         `LIBPYTHON_PYTHON`. The floor takes the GIL with `PyGILState_Ensure`, interns names and builds keyword tuples \
         once, calls `PyObject_Vectorcall` / `PyObject_VectorcallMethod` straight from the loaded table, and checks \
         errors as C does.\n\
         - PyO3 runs in a process of its own, linked to the same `{lib}` (a PyO3 config file written by the xtask, an \
         rpath to its directory; for a free-threaded Python the file's build flags name `Py_GIL_DISABLED`). One process for all three would work at run time (the dynamic loader maps the one \
         library once; ours starts Python first and PyO3 finds it started), but PyO3 links libpython when it is built \
         and our crates never do: its own process and target directory keep that link out of the floor's and ours' \
         builds, and PyO3 is built for the full (not the stable) ABI of that Python, as it embeds Python.\n\
         - A full run alternates the two processes case by case (floor and ours, then PyO3, then the next case), so a \
         change in the machine's load during the run does not favour one side.\n\
         - The GIL contention case starts its two threads untimed; each makes one untimed iteration (its thread \
         state is made then), then both start together and the time runs until the last one ends. Under callgrind \
         each thread's loop is counted (collection is per thread) and the counts are summed.\n\
         - The start-up case runs a fresh child process per iteration (`startup-floor`, `startup-ours`, \
         `startup-pyo3`), timed from spawn to exit, with the same environment for all (`PYTHONPATH` names the venv's \
         `site-packages`, which PyO3 needs to find numpy).\n\
         - The sub-interpreter case is `benches/ours/benches/subinterp.rs`, run once per Python 3.12+ found (pyenv's \
         newest `3.12.x` and `3.13.x`, or `python3.12` / `python3.13` on `PATH`).\n\
         - Times are criterion's medians from `target/bench/criterion/*/*/new/estimates.json`; \
         `target/bench/summary.json` lists them per case (`null` where a side has no equivalent). A run for another \
         Python keeps the same files under `target/bench/python-TAG/` and rewrites only its part of \
         \"Other Pythons\".",
        lib = util::display_path(&info.library())
    );
    let _ = writeln!(s, "\n## Reproduce\n");
    let _ = writeln!(
        s,
        "```sh\n\
         cargo xtask bench                  # everything: builds, then about 10 minutes of measuring\n\
         cargo xtask bench '^call3/'        # only the cases matching a criterion filter\n\
         cargo xtask bench --callgrind      # instruction counts instead of times (repeatable under load; ~15 min)\n\
         cargo xtask bench --report-only    # rewrite summary.json and this page from the last results\n\
         cargo xtask bench --python EXE     # the key cases on another Python 3.11+ with numpy: its part of \"Other Pythons\"\n\
         cargo xtask bench --python EXE --callgrind   # and their instruction counts\n\
         ```\n\n\
         It uses the `cargo xtask test` virtual environment (made once in the cache directory described in docs/testing.md, \
         `<cache>` above, from `LIBPYTHON_PYTHON` or `python3`; Python 3.11+ \
         with numpy), or the interpreter given with `--python`. Times move with the machine's load: compare ratios from \
         one run, not times across runs or machines, and prefer the instruction counts for small differences. To see \
         where one side's instructions go: `callgrind_annotate --inclusive=yes target/bench/callgrind/CASE.SIDE.out`."
    );
    s
}

/// The heading of the other Pythons' section.
const OTHERS_HEADING: &str = "## Other Pythons";

/// A subsection's first and last lines (HTML comments: invisible on the page).
fn markers(tag: &str) -> (String, String) {
    (
        format!("<!-- python {tag} -->"),
        format!("<!-- end python {tag} -->"),
    )
}

/// Where a Python's subsection goes: by minor version, then GIL before free-threaded.
fn tag_order(tag: &str) -> (u32, String) {
    let rest = tag.strip_prefix("3.").unwrap_or(tag);
    let digits = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    (
        rest[..digits].parse().unwrap_or(u32::MAX),
        rest[digits..].to_owned(),
    )
}

/// The other Pythons' subsections of a page, markers included, by version.
pub(super) fn other_pythons(page: &str) -> BTreeMap<(u32, String), String> {
    let mut out = BTreeMap::new();
    let mut lines = page.lines();
    while let Some(line) = lines.next() {
        let Some(tag) = line
            .strip_prefix("<!-- python ")
            .and_then(|r| r.strip_suffix(" -->"))
        else {
            continue;
        };
        let (_, end) = markers(tag);
        let mut block = vec![line];
        for l in lines.by_ref() {
            block.push(l);
            if l == end {
                out.insert(tag_order(tag), block.join("\n"));
                break;
            }
        }
    }
    out
}

/// The other Pythons' section: its introduction and the subsections.
fn other_pythons_section(s: &mut String, others: &BTreeMap<(u32, String), String>) {
    let _ = writeln!(s, "\n{OTHERS_HEADING}\n");
    let _ = writeln!(
        s,
        "The key cases on other Pythons, each written by a run of its own (`cargo xtask bench --python EXE`, and \
         `--callgrind` for the instruction counts), which replaces only its Python's part of this section. Each run \
         has its own day and load: compare the ratios within one Python, not times across Pythons. On a \
         free-threaded build (`t`) there is no GIL: \"GIL held\" means attached to the interpreter, and the two \
         threads of `gil_contention_2x` run at once."
    );
    if others.is_empty() {
        let _ = writeln!(
            s,
            "\nNot measured yet: run `cargo xtask bench --python EXE`."
        );
    }
    for block in others.values() {
        let _ = writeln!(s, "\n{block}");
    }
}

/// One other Python's subsection (without its markers): its header and tables.
pub(super) fn python_section(rows: &[Row], counts: &Counts, info: &PythonInfo) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "### Python {}\n", info.tag());
    let _ = writeln!(
        s,
        "- **Date**: {} (load average {} when this part was written)",
        today(),
        load_average()
    );
    let _ = writeln!(s, "- **Python**: {}", python_line(info));
    if let Some(why) = info.pyo3_refuses() {
        let _ = writeln!(s, "- **PyO3**: not measured ({why})");
    }
    if !rows.is_empty() {
        let _ = writeln!(s, "\nTimes (criterion's median per iteration):\n");
        times_table(&mut s, rows);
    }
    if !counts.is_empty() {
        let _ = writeln!(s, "\nInstructions per iteration (callgrind):\n");
        counts_table(&mut s, counts);
    }
    s
}

/// `page` with the subsection of Python `tag` replaced by `body` (or added, in version order),
/// the rest of the page kept. A page without the section gets it before "How it is measured";
/// no page at all gets a page of only this section.
pub(super) fn with_python_section(page: &str, tag: &str, body: &str) -> String {
    let mut others = other_pythons(page);
    let (start, end) = markers(tag);
    others.insert(
        tag_order(tag),
        format!("{start}\n{}\n{end}", body.trim_end()),
    );
    let mut section = String::new();
    other_pythons_section(&mut section, &others);
    let section = section.trim_start_matches('\n');
    let heading_at = |h: &str| {
        page.match_indices(h)
            .find(|(i, _)| *i == 0 || page[..*i].ends_with('\n'))
            .map(|(i, _)| i)
    };
    if let Some(at) = heading_at(OTHERS_HEADING) {
        let after = at + OTHERS_HEADING.len();
        let next = page[after..]
            .find("\n## ")
            .map_or(page.len(), |i| after + i + 1);
        format!("{}{section}\n{}", &page[..at], &page[next..])
    } else if let Some(at) = heading_at("## How it is measured") {
        format!("{}{section}\n{}", &page[..at], &page[at..])
    } else if page.trim().is_empty() {
        format!(
            "# Benchmarks: libpython against the C floor and PyO3\n\n\
             Generated by `cargo xtask bench` (do not edit by hand: rerun it).\n\n{section}"
        )
    } else {
        format!("{}\n\n{section}", page.trim_end())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paired_rounds_give_medians_of_speedups_and_of_per_round_ratios() {
        let pairs: BTreeMap<String, Vec<f64>> = [
            ("ours", vec![1.8, 1.2, 2.0]),
            ("floor", vec![2.0, 1.0, 2.0]),
            ("rust_threads", vec![2.0, 1.5, 1.6]),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        let p = paired_row(&pairs).unwrap();
        assert_eq!(p.rounds, 3);
        assert_eq!(p.ours, 1.8);
        assert_eq!(p.floor, Some(2.0));
        assert_eq!(p.processes, None);
        // Per round: 0.9, 1.2, 1.0 against the floor; 0.9, 0.8, 1.25 against Rust threads.
        assert_eq!(p.ours_floor, Some(1.0));
        assert_eq!(p.ours_rust, Some(0.9));
        assert_eq!(median(vec![3.0, 1.0, 2.0, 4.0]), Some(2.5));
        assert_eq!(median(vec![f64::NAN]), None);
        assert!(paired_row(&BTreeMap::new()).is_none());

        let sub = [SubRow {
            version: "3.13".into(),
            seq: 2e8,
            par: 1e8,
            floor: None,
            processes: None,
            rust: None,
            paired: Some(p),
        }];
        let mut page = String::new();
        paired_section(&mut page, &sub);
        assert!(
            page.contains("| 3.13 | 3 | 1.80x | 2.00x | – | 1.60x | 1.00 | 0.90 ✓ |"),
            "{page}"
        );
    }

    fn info(version: &str, free_threaded: bool) -> PythonInfo {
        PythonInfo {
            executable: PathBuf::from("/opt/py/bin/python"),
            version: version.to_owned(),
            minor: version[2..].parse().unwrap(),
            libdir: "/opt/py/lib".to_owned(),
            soname: format!(
                "libpython{version}{}.so.1.0",
                if free_threaded { "t" } else { "" }
            ),
            purelib: "/opt/py/site".to_owned(),
            full_version: format!("{version}.0 (main)"),
            free_threaded,
        }
    }

    fn rows() -> Vec<Row> {
        let mut results = Results::new();
        for (side, ns) in [("floor", 40.0), ("ours", 44.0), ("pyo3", 50.0)] {
            results.insert(("call3".into(), side.into()), Estimate { median_ns: ns });
        }
        summarize(&results)
    }

    #[test]
    fn python_sections_are_replaced_or_added_in_version_order_and_the_page_is_kept() {
        let page = "# Title\n\n## Times\n\nmain table\n\n## How it is measured\n\n- how\n";
        let t = with_python_section(
            page,
            "3.13t",
            &python_section(&rows(), &Counts::new(), &info("3.13", true)),
        );
        assert!(
            t.starts_with("# Title\n\n## Times\n\nmain table\n\n## Other Pythons\n"),
            "{t}"
        );
        assert!(
            t.ends_with("<!-- end python 3.13t -->\n\n## How it is measured\n\n- how\n"),
            "{t}"
        );
        assert!(t.contains("### Python 3.13t") && t.contains("| `call3` | yes |"));
        assert!(t.contains("libpython3.13t.so.1.0"));
        assert!(t.contains("- **PyO3**: not measured (PyO3 0.30 builds for a free-threaded Python from 3.14 on only)"));

        let t = with_python_section(&t, "3.12", "### Python 3.12\n\nfirst\n");
        let t = with_python_section(&t, "3.13", "### Python 3.13\n\nthirteen\n");
        let t = with_python_section(&t, "3.12", "### Python 3.12\n\nsecond\n");
        let others = other_pythons(&t);
        let tags: Vec<&(u32, String)> = others.keys().collect();
        assert_eq!(
            tags,
            [
                &(12, String::new()),
                &(13, String::new()),
                &(13, "t".to_owned())
            ]
        );
        assert!(!t.contains("first") && t.contains("second") && t.contains("thirteen"));
        let (a, b, c) = (
            t.find("3.12 -->").unwrap(),
            t.find("3.13 -->").unwrap(),
            t.find("3.13t -->").unwrap(),
        );
        assert!(a < b && b < c);
        assert_eq!(t.matches("## Other Pythons").count(), 1);
        assert!(t.ends_with("## How it is measured\n\n- how\n"));
        assert!(!t.contains("\n\n\n"), "no double blank lines:\n{t}");

        // The main report keeps them.
        let main = markdown(
            &rows(),
            &Results::new(),
            &Paired::new(),
            &Counts::new(),
            &info("3.11", false),
            &other_pythons(&t),
        );
        assert_eq!(other_pythons(&main), others);
        assert!(
            main.find("## Other Pythons").unwrap() < main.find("## How it is measured").unwrap()
        );
        assert!(!main.contains("\n\n\n"), "no double blank lines:\n{main}");

        // No page yet: a page of the section alone.
        let t = with_python_section("", "3.12", "### Python 3.12\n");
        assert!(t.starts_with("# Benchmarks") && t.contains("<!-- python 3.12 -->"));
    }

    #[test]
    fn a_variant_row_is_shown_only_when_its_variant_side_was_measured() {
        let mut results = Results::new();
        for side in ["floor", "ours", "pyo3"] {
            results.insert(
                ("closure_loop_1e6".into(), side.into()),
                Estimate { median_ns: 1.0 },
            );
        }
        let names = |r: &[Row]| r.iter().map(|r| r.case.name).collect::<Vec<_>>();
        assert_eq!(names(&summarize(&results)), ["closure_loop_1e6"]);
        results.insert(
            ("closure_loop_1e6".into(), "pyo3_pyfunction".into()),
            Estimate { median_ns: 1.0 },
        );
        assert_eq!(
            names(&summarize(&results)),
            ["closure_loop_1e6", "closure_loop_1e6 (#[pyfunction])"]
        );

        // A row with a floor of its own: shown with that floor only, ratios taken against it.
        let mut results = Results::new();
        for (side, ns) in [("floor", 2.0), ("ours", 3.0), ("pyo3", 6.0)] {
            results.insert(
                ("serde_roundtrip".into(), side.into()),
                Estimate { median_ns: ns },
            );
        }
        let rows = summarize(&results);
        assert!(!names(&rows).contains(&"serde_roundtrip (serde floor)"));
        results.insert(
            ("serde_roundtrip".into(), "floor_serde".into()),
            Estimate { median_ns: 2.5 },
        );
        let rows = summarize(&results);
        let own = rows
            .iter()
            .find(|r| r.case.name == "serde_roundtrip (serde floor)")
            .expect("the row with its own floor");
        assert_eq!(own.ours_floor(), Some(1.2));
        let plain = rows
            .iter()
            .find(|r| r.case.name == "serde_roundtrip")
            .unwrap();
        assert_eq!(plain.ours_floor(), Some(1.5));
    }

    #[test]
    fn tags_sort_by_minor_version_then_build() {
        assert!(tag_order("3.9") < tag_order("3.12"));
        assert!(tag_order("3.13") < tag_order("3.13t"));
        assert!(tag_order("3.13t") < tag_order("3.14"));
    }

    #[test]
    fn a_free_threaded_python_gets_its_tag_link_name_and_pyo3_build_flag() {
        let ft = info("3.13", true);
        assert_eq!(ft.tag(), "3.13t");
        assert!(ft.pyo3_refuses().is_some());
        assert!(info("3.14", true).pyo3_refuses().is_none());
        assert!(info("3.13", false).pyo3_refuses().is_none());
        assert_eq!(ft.lib_name(), "python3.13t");
        let config = ft.pyo3_config();
        assert!(
            config.contains("\nbuild_flags=Py_GIL_DISABLED\n"),
            "{config}"
        );
        assert!(config.contains("\nlib_name=python3.13t\n"));
        assert!(config.contains("rustc-link-lib=python3.13t\n"));
        let gil = info("3.12", false);
        assert_eq!(gil.tag(), "3.12");
        assert!(gil.pyo3_config().contains("\nbuild_flags=\n"));
        assert!(gil.pyo3_config().contains("\nlib_name=python3.12\n"));
        // The record round-trips; one of an earlier run (no free-threaded line) is a GIL build.
        let back = PythonInfo::parse(&ft.to_text()).unwrap();
        assert!(back.free_threaded && back.tag() == "3.13t");
        let text = gil.to_text();
        let old: Vec<&str> = text.lines().take(6).collect();
        let old = PythonInfo::parse(&old.join("\n")).unwrap();
        assert!(!old.free_threaded && old.minor == 12);
        assert!(PythonInfo::parse("a\nb").is_none());
    }

    #[test]
    fn the_summary_has_one_entry_per_case_with_nulls_for_missing_sides() {
        let mut results = Results::new();
        results.insert(
            ("call3".into(), "ours".into()),
            Estimate { median_ns: 41.26 },
        );
        results.insert(
            ("call3".into(), "floor".into()),
            Estimate { median_ns: 40.0 },
        );
        let rows = summarize(&results);
        let v: serde_json::Value = serde_json::from_str(&summary_json(&rows)).unwrap();
        let first = &v.as_array().unwrap()[0];
        assert_eq!(first["case"], "call3");
        assert_eq!(first["ours_ns"], 41.3);
        assert_eq!(first["floor_ns"], 40.0);
        assert!(first["pyo3_ns"].is_null());
        assert_eq!(first["gil_held"], true);
    }
}
