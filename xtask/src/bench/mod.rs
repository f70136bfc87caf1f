//! `cargo xtask bench`: the benchmarks against the C floor and PyO3, and the sub-interpreter
//! parallelism benchmark, in one run; writes `target/bench/summary.json` and
//! `docs/benchmarks.md`.
//!
//! The bench crates live in `benches/`, a workspace of its own (see its `Cargo.toml`):
//!
//! 1. floor and ours (`libpython-benches`, bench `floor_ours`): one process, the test venv's
//!    Python 3.11 loaded at run time;
//! 2. PyO3 (`libpython-benches-pyo3`, bench `pyo3`): one process, PyO3 linked to the same
//!    `libpython3.11.so.1.0` through a PyO3 config file written here;
//! 3. sub-interpreters (`libpython-benches`, bench `subinterp`): once per Python 3.12+ found.
//!
//! Every criterion result goes to `target/bench/criterion`; the summary reads each
//! `new/estimates.json` (the median's point estimate) and `new/benchmark.json` (its ids).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde::{Deserialize, Serialize};

use crate::flags::Bench;
use crate::util;

mod callgrind;
use callgrind::*;

/// One row of the summary: a case and which side measured what.
struct Case {
    /// The criterion group.
    group: &'static str,
    /// The case's name in the summary.
    name: &'static str,
    /// Which criterion function is "ours" and which is "pyo3" in this row.
    ours: &'static str,
    pyo3: &'static str,
    gil_held: bool,
    /// What one iteration does, for the doc.
    what: &'static str,
}

const CASES: &[Case] = &[
    Case {
        group: "call3",
        name: "call3",
        ours: "ours",
        pyo3: "pyo3",
        gil_held: true,
        what: "`f(1, 2, 3)` on `def f(a, b, c): return a`, result read as `i64`",
    },
    Case {
        group: "call3_nogil",
        name: "call3_nogil",
        ours: "ours",
        pyo3: "pyo3",
        gil_held: false,
        what: "the same from a thread that does not hold the GIL: each iteration takes and releases it (ours: `with_gil`, PyO3: `Python::attach`, floor: `PyGILState_Ensure`)",
    },
    Case {
        group: "call3_nogil",
        name: "call3_nogil (auto-GIL methods)",
        ours: "ours_auto",
        // Informational: PyO3 has no handle that takes the GIL by itself.
        pyo3: "none",
        gil_held: false,
        what: "the same written with `Object` methods, no GIL scope: `f.call((1, 2, 3))?.extract::<i64>()` takes the GIL twice, and the result's release is queued",
    },
    Case {
        group: "call_attr_kw",
        name: "call_attr_kw",
        ours: "ours",
        pyo3: "pyo3",
        gil_held: true,
        what: "`obj.m(1, b=2)`, result read as `i64` (ours: `call_attr!(o, \"m\", 1, b = 2)`, which interns a literal method name)",
    },
    Case {
        group: "getattr",
        name: "getattr",
        ours: "ours",
        pyo3: "pyo3",
        gil_held: true,
        what: "`obj.x` (an instance attribute), the name interned once (ours: `intern!(\"x\")`, PyO3: `intern!(py, \"x\")`)",
    },
    Case {
        group: "list_to_vec_1e6",
        name: "list_to_vec_1e6",
        ours: "ours",
        pyo3: "pyo3",
        gil_held: true,
        what: "a `list` of 1,000,000 ints to `Vec<i64>`",
    },
    Case {
        group: "vec_to_list_1e6",
        name: "vec_to_list_1e6",
        ours: "ours",
        pyo3: "pyo3",
        gil_held: true,
        what: "a `Vec<i64>` of 1,000,000 to a `list` (and its release)",
    },
    Case {
        group: "dict_to_hashmap_1e5",
        name: "dict_to_hashmap_1e5",
        ours: "ours",
        pyo3: "pyo3",
        gil_held: true,
        what: "a `dict` of 100,000 `str` to `int` to `HashMap<String, i64>`",
    },
    Case {
        group: "hashmap_to_dict_1e5",
        name: "hashmap_to_dict_1e5",
        ours: "ours",
        pyo3: "pyo3",
        gil_held: true,
        what: "that `HashMap` back to a `dict` (and its release)",
    },
    Case {
        group: "closure_loop_1e6",
        name: "closure_loop_1e6",
        ours: "ours",
        pyo3: "pyo3",
        gil_held: true,
        what: "a Rust function (`int` in, `int` out) called 1,000,000 times from a Python `for` loop",
    },
    Case {
        group: "numpy_view_1e3",
        name: "numpy_view_1e3",
        ours: "ours",
        pyo3: "pyo3",
        gil_held: true,
        what: "a zero-copy view of a float64 numpy array of 1e3: first element and length, view released (PyO3: rust-numpy)",
    },
    Case {
        group: "numpy_view_1e3",
        name: "numpy_view_1e3 (pyo3::buffer)",
        ours: "ours",
        pyo3: "pyo3_buffer",
        gil_held: true,
        what: "the same, PyO3 side through `pyo3::buffer::PyBuffer<f64>`",
    },
    Case {
        group: "numpy_view_1e7",
        name: "numpy_view_1e7",
        ours: "ours",
        pyo3: "pyo3",
        gil_held: true,
        what: "the same on 1e7 elements (PyO3: rust-numpy)",
    },
    Case {
        group: "numpy_view_1e7",
        name: "numpy_view_1e7 (pyo3::buffer)",
        ours: "ours",
        pyo3: "pyo3_buffer",
        gil_held: true,
        what: "the same, PyO3 side through `pyo3::buffer::PyBuffer<f64>`",
    },
    Case {
        group: "str_1mb_to_string",
        name: "str_1mb_to_string",
        ours: "ours",
        pyo3: "pyo3",
        gil_held: true,
        what: "a 1 MB (ASCII) `str` to `String`",
    },
    Case {
        group: "startup_import_numpy",
        name: "startup_import_numpy",
        ours: "ours",
        pyo3: "pyo3",
        gil_held: false,
        what: "a fresh process: start Python, `import numpy`, exit (ours: `libpython::initialize()` with discovery from `LIBPYTHON_PYTHON`)",
    },
    Case {
        group: "startup_import_numpy",
        name: "startup_import_numpy (explicit library)",
        ours: "ours_explicit",
        pyo3: "pyo3",
        gil_held: false,
        what: "the same, ours told the library and program name (`Builder::library(..).program_name(..)`: no discovery)",
    },
    Case {
        group: "await_ready_coroutine",
        name: "await_ready_coroutine",
        ours: "ours",
        pyo3: "pyo3",
        gil_held: false,
        what: "from a tokio program (current-thread runtime), a Python coroutine that finishes without waiting made, awaited on an event loop running on another thread, and its result read as `i64` (ours: `asyncio::into_future`, on the library's loop; PyO3: pyo3-async-runtimes' `into_future_with_locals`, on a loop run by a Python thread)",
    },
    Case {
        group: "sleep0_10k",
        name: "sleep0_10k",
        ours: "ours",
        pyo3: "pyo3",
        gil_held: false,
        what: "the same with 10,000 `asyncio.sleep(0)` at once: all made under one GIL hold, then awaited",
    },
];

/// Sub-interpreter versions measured.
const SUBINTERP_MINORS: &[u32] = &[12, 13];

pub fn run(opts: &Bench) -> Result<(), String> {
    let (report_only, callgrind, skip_pyo3, skip_subinterp) = (
        opts.report_only,
        opts.callgrind,
        opts.skip_pyo3,
        opts.skip_subinterp,
    );
    let filter = opts.filter.clone();
    let python = opts.python.clone();

    let root = util::workspace_root();
    let out = root.join("target/bench");
    let criterion_dir = out.join("criterion");
    let info_file = out.join("python.txt");
    let info = if report_only {
        // The Python the last run measured.
        let text = std::fs::read_to_string(&info_file).map_err(|e| {
            format!(
                "{}: {e} (run `cargo xtask bench` first)",
                info_file.display()
            )
        })?;
        PythonInfo::parse(&text).ok_or_else(|| format!("{}: unreadable", info_file.display()))?
    } else {
        let exe = match python {
            Some(p) => p,
            None => util::ensure_venv(&util::base_python()?, "test", crate::TEST_PACKAGES)?.python,
        };
        let info = PythonInfo::query(&exe)?;
        if info.minor < 11 {
            return Err(format!(
                "the benchmarks need Python 3.11+ (the floor calls PyObject_Vectorcall, exported from 3.11 on); {} is {}",
                exe.display(),
                info.version
            ));
        }
        info
    };

    if !report_only {
        std::fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
        std::fs::write(&info_file, info.to_text())
            .map_err(|e| format!("{}: {e}", info_file.display()))?;
        let started = std::time::Instant::now();
        if filter.is_none() {
            // A full run starts clean, so a case that is gone does not linger in the summary.
            let _ = std::fs::remove_dir_all(if callgrind {
                out.join("callgrind")
            } else {
                criterion_dir.clone()
            });
            if callgrind {
                let _ = std::fs::remove_file(out.join("callgrind.json"));
            }
        }
        let config = out.join("pyo3-config.txt");
        // Rewritten only when it changes: PyO3's build script reruns when the file does.
        if std::fs::read_to_string(&config).ok().as_deref() != Some(info.pyo3_config().as_str()) {
            std::fs::write(&config, info.pyo3_config())
                .map_err(|e| format!("{}: {e}", config.display()))?;
        }

        // Build first (each side in its own target directory), then run the executables.
        util::step("building the bench binaries (benches/)");
        let mut build = build_cmd(
            &root,
            "ours",
            "libpython-benches",
            &["floor_ours", "subinterp"],
        );
        let ours = bench_executables(&mut build)?;
        let pyo3 = if skip_pyo3 {
            BTreeMap::new()
        } else {
            let mut build = build_cmd(&root, "pyo3", "libpython-benches-pyo3", &["pyo3"]);
            build.env("PYO3_CONFIG_FILE", &config);
            bench_executables(&mut build)?
        };
        let exe = |map: &BTreeMap<String, PathBuf>, name: &str| {
            map.get(name)
                .cloned()
                .ok_or_else(|| format!("cargo built no bench executable named {name}"))
        };
        let floor_ours = exe(&ours, "floor_ours")?;
        let pyo3_exe = if skip_pyo3 {
            None
        } else {
            Some(exe(&pyo3, "pyo3")?)
        };

        if callgrind {
            let profile_ours = root.join("target/bench-build/ours/release/profile");
            let profile_pyo3 =
                (!skip_pyo3).then(|| root.join("target/bench-build/pyo3/release/profile-pyo3"));
            run_callgrind(
                &out,
                &info,
                &profile_ours,
                profile_pyo3.as_deref(),
                filter.as_deref(),
            )?;
        } else {
            // floor and ours in one process, PyO3 in another (PyO3 finds the venv's packages through
            // PYTHONPATH; the floor and ours get the same variable, and find them through the program
            // name as well). A full run alternates the two processes case by case, so a change in
            // the machine's load between the start and the end of the run does not favour a side.
            let run_side = |exe: &Path, filter: &str, pyo3_side: bool| -> Result<(), String> {
                let mut cmd = Command::new(exe);
                cmd.args(["--bench", filter])
                    .env("CRITERION_HOME", &criterion_dir)
                    .env("PYTHONPATH", &info.purelib);
                if pyo3_side {
                    cmd.env_remove("LIBPYTHON_PYTHON");
                } else {
                    cmd.env("LIBPYTHON_PYTHON", &info.executable);
                }
                util::run(&mut cmd)
            };
            let filters: Vec<String> = match &filter {
                Some(f) => vec![f.clone()],
                None => {
                    let mut groups: Vec<&str> = CASES.iter().map(|c| c.group).collect();
                    groups.dedup();
                    groups.iter().map(|g| format!("^{g}/")).collect()
                }
            };
            for f in &filters {
                util::step(&format!(
                    "floor and libpython: {f} ({} {})",
                    info.executable.display(),
                    info.version
                ));
                run_side(&floor_ours, f, false)?;
                if let Some(p) = &pyo3_exe {
                    util::step(&format!(
                        "PyO3: {f} (linked to {})",
                        info.library().display()
                    ));
                    run_side(p, f, true)?;
                }
            }

            if !skip_subinterp {
                let subinterp = exe(&ours, "subinterp")?;
                for &minor in SUBINTERP_MINORS {
                    let Some(python) = find_python(minor) else {
                        util::step(&format!(
                            "sub-interpreters: no Python 3.{minor} found (pyenv or python3.{minor} on PATH): skipped"
                        ));
                        continue;
                    };
                    util::step(&format!("sub-interpreters on {}", python.display()));
                    let mut cmd = Command::new(&subinterp);
                    cmd.arg("--bench")
                        .args(filter.iter())
                        .env("CRITERION_HOME", &criterion_dir)
                        .env("LIBPYTHON_PYTHON", &python)
                        .env_remove("PYTHONPATH")
                        .env_remove("VIRTUAL_ENV");
                    util::run(&mut cmd)?;
                }
            }
        }
        util::step(&format!(
            "benchmarks ran in {}",
            util::fmt_duration(started.elapsed())
        ));
    }

    let results = read_results(&criterion_dir)?;
    let counts = read_callgrind(&out.join("callgrind.json"))?;
    if results.is_empty() && counts.is_empty() {
        return Err(format!(
            "no results under {}: run `cargo xtask bench` first",
            out.display()
        ));
    }
    let rows = summarize(&results);
    let summary = out.join("summary.json");
    if !rows.is_empty() {
        std::fs::write(&summary, summary_json(&rows))
            .map_err(|e| format!("{}: {e}", summary.display()))?;
    }
    let doc = root.join("docs/benchmarks.md");
    std::fs::write(&doc, markdown(&rows, &results, &counts, &info))
        .map_err(|e| format!("{}: {e}", doc.display()))?;
    if !rows.is_empty() {
        print_table(&rows, &results);
        util::step(&format!("wrote {}", summary.display()));
    }
    if !counts.is_empty() {
        print_counts(&counts);
    }
    util::step(&format!("wrote {}", doc.display()));
    Ok(())
}

/// `cargo bench --no-run` of bench targets of the bench workspace, in the side's own target
/// directory (each side's `pyo3-ffi` is built differently).
fn build_cmd(root: &Path, side: &str, package: &str, benches: &[&str]) -> Command {
    let mut cmd = util::cargo();
    cmd.args(["bench", "--no-run", "--manifest-path"])
        .arg(root.join("benches/Cargo.toml"))
        .args(["--package", package, "--target-dir"])
        .arg(root.join("target/bench-build").join(side));
    for b in benches {
        cmd.args(["--bench", b]);
    }
    cmd
}

/// Runs a `build_cmd` and returns its bench executables by target name.
fn bench_executables(cmd: &mut Command) -> Result<BTreeMap<String, PathBuf>, String> {
    let found = crate::cargo_json::build(cmd)?
        .into_iter()
        .filter(|a| a.target.kind.iter().any(|k| k == "bench"))
        .filter_map(|a| Some((a.target.name, a.executable?)))
        .collect();
    Ok(found)
}

/// What the benchmarks need to know about the venv's Python.
struct PythonInfo {
    executable: PathBuf,
    version: String,
    minor: u32,
    libdir: String,
    soname: String,
    purelib: String,
    full_version: String,
}

impl PythonInfo {
    fn query(python: &Path) -> Result<PythonInfo, String> {
        let out = util::python_output(
            python,
            "import sys, sysconfig\n\
             print('%d.%d' % sys.version_info[:2])\n\
             print(sysconfig.get_config_var('LIBDIR'))\n\
             print(sysconfig.get_config_var('INSTSONAME'))\n\
             print(sysconfig.get_paths()['purelib'])\n\
             print(sys.version.replace('\\n', ' '))",
        )?;
        PythonInfo::parse(&format!("{}\n{out}", python.display()))
            .ok_or_else(|| format!("unexpected answer from {}: {out:?}", python.display()))
    }

    /// Reads what [`to_text`](Self::to_text) wrote: the executable, then the query's lines.
    fn parse(text: &str) -> Option<PythonInfo> {
        let l: Vec<&str> = text.lines().collect();
        let [executable, version, libdir, soname, purelib, full_version] = l.as_slice() else {
            return None;
        };
        Some(PythonInfo {
            executable: PathBuf::from(executable),
            version: (*version).to_owned(),
            minor: version.split('.').nth(1)?.parse().ok()?,
            libdir: (*libdir).to_owned(),
            soname: (*soname).to_owned(),
            purelib: (*purelib).to_owned(),
            full_version: (*full_version).to_owned(),
        })
    }

    /// The record kept beside the results, for `--report-only`.
    fn to_text(&self) -> String {
        format!(
            "{}\n{}\n{}\n{}\n{}\n{}\n",
            self.executable.display(),
            self.version,
            self.libdir,
            self.soname,
            self.purelib,
            self.full_version
        )
    }

    fn library(&self) -> PathBuf {
        Path::new(&self.libdir).join(&self.soname)
    }

    /// A PyO3 config file for an embedding (linked) build against this Python. The link lines
    /// are given explicitly, so the build links this Python even when the environment has
    /// `PYO3_BUILD_EXTENSION_MODULE` set (which makes PyO3 omit its own).
    fn pyo3_config(&self) -> String {
        format!(
            "implementation=CPython\nversion={v}\nshared=true\nlib_name=python{v}\nlib_dir={d}\nexecutable={e}\npointer_width=64\nbuild_flags=\n\
             suppress_build_script_link_lines=false\n\
             extra_build_script_line=cargo:rustc-link-search=native={d}\n\
             extra_build_script_line=cargo:rustc-link-lib=python{v}\n",
            v = self.version,
            d = self.libdir,
            e = self.executable.display()
        )
    }
}

/// `~/.pyenv/versions/3.X.*` (the newest), else `python3.X` on `PATH`.
fn find_python(minor: u32) -> Option<PathBuf> {
    if let Some(exe) = util::pyenv_newest(minor) {
        return Some(exe);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(format!("python3.{minor}")))
        .find(|p| p.is_file())
}

/// One criterion result: the median's point estimate (less moved by outliers from other work on
/// the machine than the mean).
#[derive(Debug, Clone, Copy)]
struct Estimate {
    median_ns: f64,
}

/// Results by (group, function).
type Results = BTreeMap<(String, String), Estimate>;

/// What is read of criterion's `new/benchmark.json`.
#[derive(Deserialize)]
struct CriterionBenchmark {
    group_id: Option<String>,
    function_id: Option<String>,
}

/// What is read of criterion's `new/estimates.json`.
#[derive(Deserialize)]
struct CriterionEstimates {
    median: Option<PointEstimate>,
}

#[derive(Deserialize)]
struct PointEstimate {
    point_estimate: f64,
}

fn read_results(dir: &Path) -> Result<Results, String> {
    let mut out = Results::new();
    let Ok(groups) = std::fs::read_dir(dir) else {
        return Ok(out);
    };
    for g in groups.flatten() {
        let Ok(functions) = std::fs::read_dir(g.path()) else {
            continue;
        };
        for f in functions.flatten() {
            let new = f.path().join("new");
            let (Ok(bench), Ok(est)) = (
                std::fs::read_to_string(new.join("benchmark.json")),
                std::fs::read_to_string(new.join("estimates.json")),
            ) else {
                continue;
            };
            let bench: CriterionBenchmark = serde_json::from_str(&bench)
                .map_err(|e| format!("{}: {e}", new.join("benchmark.json").display()))?;
            let est: CriterionEstimates = serde_json::from_str(&est)
                .map_err(|e| format!("{}: {e}", new.join("estimates.json").display()))?;
            let (Some(group), Some(function)) = (bench.group_id, bench.function_id) else {
                continue;
            };
            if let Some(median) = est.median {
                out.insert(
                    (group, function),
                    Estimate {
                        median_ns: median.point_estimate,
                    },
                );
            }
        }
    }
    Ok(out)
}

/// One summary row.
struct Row {
    case: &'static Case,
    ours: Option<f64>,
    floor: Option<f64>,
    pyo3: Option<f64>,
}

impl Row {
    fn ours_floor(&self) -> Option<f64> {
        Some(self.ours? / self.floor?)
    }

    fn ours_pyo3(&self) -> Option<f64> {
        Some(self.ours? / self.pyo3?)
    }

    /// The goals: ours/floor <= 1.10 where the GIL is held, ours <= PyO3 everywhere.
    fn goals(&self) -> (Option<bool>, Option<bool>) {
        let floor = if self.case.gil_held {
            self.ours_floor().map(|r| r <= 1.10)
        } else {
            None
        };
        (floor, self.ours_pyo3().map(|r| r <= 1.0))
    }
}

fn summarize(results: &Results) -> Vec<Row> {
    let get = |g: &str, f: &str| {
        results
            .get(&(g.to_owned(), f.to_owned()))
            .map(|e| e.median_ns)
    };
    CASES
        .iter()
        .map(|c| Row {
            case: c,
            ours: get(c.group, c.ours),
            floor: get(c.group, "floor"),
            pyo3: get(c.group, c.pyo3),
        })
        .filter(|r| r.ours.is_some() || r.floor.is_some() || r.pyo3.is_some())
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

fn summary_json(rows: &[Row]) -> String {
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
fn json_text<T: Serialize>(value: &T) -> String {
    let mut s = serde_json::to_string_pretty(value).expect("plain data serializes");
    s.push('\n');
    s
}

/// A duration in nanoseconds, in the unit that reads best.
fn fmt_ns(v: Option<f64>) -> String {
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

fn fmt_ratio(r: Option<f64>, goal: Option<bool>) -> String {
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
}

fn subinterp(results: &Results) -> Vec<SubRow> {
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
            });
        }
    }
    v
}

fn print_table(rows: &[Row], results: &Results) {
    println!(
        "{:<42} {:>12} {:>12} {:>12} {:>10} {:>10}",
        "case", "floor", "ours", "pyo3", "ours/floor", "ours/pyo3"
    );
    for r in rows {
        let ratio = |x: Option<f64>| x.map_or_else(|| "–".to_owned(), |x| format!("{x:.2}"));
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
    let x = |r: Option<f64>| r.map_or_else(|| "–".to_owned(), |r| format!("{r:.2}x"));
    for r in subinterp(results) {
        println!(
            "sub-interpreters {}: sequential {}, parallel {}, speedup {:.2}x (floor {}, processes {}, Rust threads {})",
            r.version,
            fmt_ns(Some(r.seq)),
            fmt_ns(Some(r.par)),
            r.seq / r.par,
            x(r.floor),
            x(r.processes),
            x(r.rust)
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

fn markdown(rows: &[Row], results: &Results, counts: &Counts, info: &PythonInfo) -> String {
    let mut s = String::new();
    let load = std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_owned))
        .unwrap_or_default();
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
    let _ = writeln!(
        s,
        "- **Python**: {} ({}, numpy from `{}`)",
        info.full_version,
        util::display_path(&info.library()),
        util::display_path(&info.executable)
    );
    let _ = writeln!(
        s,
        "- **Rust**: {}; PyO3 0.30, rust-numpy 0.30, criterion 0.8",
        command_line("rustc", &["--version"])
    );
    let _ = writeln!(s);
    let _ = writeln!(
        s,
        "**floor** is the raw layer (`libpython-ffi`) used as C uses the C API, GIL held by hand; **ours** is the public \
         `libpython` API as a user writes it; **PyO3** is PyO3 0.30 as its guide recommends. Goals: ours/floor ≤ 1.10 \
         wherever the GIL is held, ours ≤ PyO3 everywhere (✓ met, ✗ missed).\n"
    );
    let _ = writeln!(s, "## Times\n");
    if rows.is_empty() {
        let _ = writeln!(s, "Not measured: run `cargo xtask bench`.");
    } else {
        let _ = writeln!(s, "Criterion's median per iteration.\n");
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
    let sub = subinterp(results);
    if sub.is_empty() {
        let _ = writeln!(s, "Not measured (no Python 3.12+ found, or not run).");
    } else {
        let _ = writeln!(
            s,
            "| Python | both loops, one after the other | both loops in parallel | speedup | floor (raw C API) | two `python` processes | two Rust threads |"
        );
        let _ = writeln!(s, "|---|--:|--:|--:|--:|--:|--:|");
        let x = |r: Option<f64>| r.map_or_else(|| "–".to_owned(), |r| format!("{r:.2}x"));
        for r in sub {
            let sp = r.seq / r.par;
            let mark = if sp >= 1.8 { "✓" } else { "✗" };
            let _ = writeln!(
                s,
                "| {} | {} | {} | {sp:.2}x {mark} | {} | {} | {} |",
                r.version,
                fmt_ns(Some(r.seq)),
                fmt_ns(Some(r.par)),
                x(r.floor),
                x(r.processes),
                x(r.rust)
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
    }

    callgrind_section(&mut s, counts);

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
         rpath to its directory). One process for all three would work at run time (the dynamic loader maps the one \
         library once; ours starts Python first and PyO3 finds it started), but not at build time: both sides depend on \
         `pyo3-ffi`, whose features Cargo unifies, so PyO3 would be built for the 3.9 stable ABI `libpython-ffi` asks \
         for (no vectorcall, function calls for tuple and list access): not how PyO3 embeds Python.\n\
         - A full run alternates the two processes case by case (floor and ours, then PyO3, then the next case), so a \
         change in the machine's load during the run does not favour one side.\n\
         - The start-up case runs a fresh child process per iteration (`startup-floor`, `startup-ours`, \
         `startup-pyo3`), timed from spawn to exit, with the same environment for all (`PYTHONPATH` names the venv's \
         `site-packages`, which PyO3 needs to find numpy).\n\
         - The sub-interpreter case is `benches/ours/benches/subinterp.rs`, run once per Python 3.12+ found (pyenv's \
         newest `3.12.x` and `3.13.x`, or `python3.12` / `python3.13` on `PATH`).\n\
         - Times are criterion's medians from `target/bench/criterion/*/*/new/estimates.json`; \
         `target/bench/summary.json` lists them per case (`null` where a side has no equivalent).",
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
         ```\n\n\
         It uses the `cargo xtask test` virtual environment (made once in the cache directory described in docs/testing.md, \
         `<cache>` above, from `LIBPYTHON_PYTHON` or `python3`; Python 3.11+ \
         with numpy), or the interpreter given with `--python`. Times move with the machine's load: compare ratios from \
         one run, not times across runs or machines, and prefer the instruction counts for small differences. To see \
         where one side's instructions go: `callgrind_annotate --inclusive=yes target/bench/callgrind/CASE.SIDE.out`."
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

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
