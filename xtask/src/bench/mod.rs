//! `cargo xtask bench`: the benchmarks against the C floor and PyO3, and the sub-interpreter
//! parallelism benchmark, in one run; writes `summary.json` and `docs/benchmarks.md`.
//!
//! The bench crates live in `benches/`, a workspace of its own (see its `Cargo.toml`):
//!
//! 1. floor and ours (`libpython-benches`, bench `floor_ours`): one process, the benchmarked
//!    Python loaded at run time;
//! 2. PyO3 (`libpython-benches-pyo3`, bench `pyo3`): one process, PyO3 linked to the same
//!    `libpython3.X.so` through a PyO3 config file written here (with `Py_GIL_DISABLED` among
//!    its build flags for a free-threaded Python);
//! 3. sub-interpreters (`libpython-benches`, bench `subinterp`): once per Python 3.12+ found.
//!
//! **Which Python, and where its results go.** A run without `--python` measures the test
//! venv's Python (3.11): its results are kept in `target/bench/` and make the whole of
//! docs/benchmarks.md. A run with `--python EXE` measures that Python (only the key cases
//! unless a filter is given; no sub-interpreters, which the main run measures on 3.12 and
//! 3.13): its results are kept in `target/bench/python-<tag>/` (`tag` is `3.12`, `3.13t`, ...;
//! the PyO3 side is built in `target/bench-build/pyo3-<tag>/`) and make one subsection of the
//! page's "Other Pythons" section, between `<!-- python TAG -->` and `<!-- end python TAG -->`.
//! Each run rewrites only its own part: the main run keeps the other Pythons' subsections as
//! the page had them, a `--python` run replaces (or adds, in version order) its subsection and
//! keeps the rest of the page. So the page can be completed one Python at a time, and a
//! `target/` cleaned in between loses nothing already written.
//!
//! Every criterion result goes to the results directory's `criterion/`; the summary reads each
//! `new/estimates.json` (the median's point estimate) and `new/benchmark.json` (its ids).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Deserialize;

use crate::flags::Bench;
use crate::util;

mod callgrind;
mod cases;
mod report;
use callgrind::*;
use cases::*;
use report::*;

/// Sub-interpreter versions measured.
const SUBINTERP_MINORS: &[u32] = &[12, 13];

pub fn run(opts: &Bench) -> Result<(), String> {
    let (report_only, callgrind, skip_pyo3) = (opts.report_only, opts.callgrind, opts.skip_pyo3);
    let filter = opts.filter.clone();
    // The main report's Python (the test venv's), or another one for its own subsection.
    let main = opts.python.is_none();
    let skip_subinterp = opts.skip_subinterp || !main;

    let root = util::workspace_root();
    let doc = root.join("docs/benchmarks.md");
    let (info, out) = if report_only && main {
        // The Python the last run measured.
        let out = root.join("target/bench");
        (PythonInfo::read(&out.join("python.txt"))?, out)
    } else {
        let exe = match &opts.python {
            Some(p) => p.clone(),
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
        let out = if main {
            root.join("target/bench")
        } else {
            root.join("target/bench")
                .join(format!("python-{}", info.tag()))
        };
        (info, out)
    };
    let criterion_dir = out.join("criterion");
    let skip_pyo3 = skip_pyo3 || {
        let refused = info.pyo3_refuses();
        if let Some(why) = refused {
            util::step(&format!("the PyO3 side is skipped: {why}"));
        }
        refused.is_some()
    };
    let pyo3_build = if main {
        "pyo3".to_owned()
    } else {
        format!("pyo3-{}", info.tag())
    };

    if !report_only {
        std::fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
        let info_file = out.join("python.txt");
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
            let mut build = build_cmd(&root, &pyo3_build, "libpython-benches-pyo3", &["pyo3"]);
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
        util::step(&format!(
            "benchmarking {} ({}){}",
            info.full_version,
            info.executable.display(),
            if main {
                String::new()
            } else {
                format!(", for the \"Other Pythons\" section of {}", doc.display())
            }
        ));

        if callgrind {
            let profile_ours = root.join("target/bench-build/ours/release/profile");
            let profile_pyo3 = (!skip_pyo3).then(|| {
                root.join("target/bench-build")
                    .join(&pyo3_build)
                    .join("release/profile-pyo3")
            });
            run_callgrind(
                &out,
                &info,
                &profile_ours,
                profile_pyo3.as_deref(),
                filter.as_deref(),
                !main,
            )?;
        } else {
            // floor and ours in one process, PyO3 in another (PyO3 finds the venv's packages through
            // PYTHONPATH; the floor and ours get the same variable, and find them through the program
            // name as well). A full run alternates the two processes case by case, so a change in
            // the machine's load between the start and the end of the run does not favour a side.
            let run_side = |exe: &Path, filter: &str, pyo3_side: bool| -> Result<(), String> {
                // numpy's OpenBLAS starts a thread per core whose idle loop spins for a while:
                // on a small machine it takes a core from the measured thread (and from the
                // contention case's second thread). No case calls BLAS.
                let mut cmd = Command::new(exe);
                cmd.args(["--bench", filter])
                    .env("CRITERION_HOME", &criterion_dir)
                    .env("PYTHONPATH", &info.purelib)
                    .env("OPENBLAS_NUM_THREADS", "1");
                if pyo3_side {
                    cmd.env_remove("LIBPYTHON_PYTHON");
                } else {
                    cmd.env("LIBPYTHON_PYTHON", &info.executable);
                }
                util::run(&mut cmd)
            };
            let filters: Vec<String> = match &filter {
                Some(f) => vec![f.clone()],
                None => groups(!main).iter().map(|g| format!("^{g}/")).collect(),
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
    let paired = read_paired(&criterion_dir)?;
    let counts = read_callgrind(&out.join("callgrind.json"))?;
    if results.is_empty() && counts.is_empty() {
        return Err(format!(
            "no results under {}: run `cargo xtask bench{}` first",
            out.display(),
            if main { "" } else { " --python EXE" }
        ));
    }
    let rows = summarize(&results);
    let summary = out.join("summary.json");
    if !rows.is_empty() {
        std::fs::write(&summary, summary_json(&rows))
            .map_err(|e| format!("{}: {e}", summary.display()))?;
    }
    let old = std::fs::read_to_string(&doc).unwrap_or_default();
    let page = if main {
        markdown(
            &rows,
            &results,
            &paired,
            &counts,
            &info,
            &other_pythons(&old),
        )
    } else {
        with_python_section(&old, &info.tag(), &python_section(&rows, &counts, &info))
    };
    std::fs::write(&doc, page).map_err(|e| format!("{}: {e}", doc.display()))?;
    if !rows.is_empty() {
        print_table(&rows, &results, &paired);
        util::step(&format!("wrote {}", summary.display()));
    }
    if !counts.is_empty() {
        print_counts(&counts);
    }
    util::step(&format!("wrote {}", doc.display()));
    Ok(())
}

/// `cargo bench --no-run` of bench targets of the bench workspace, in the side's own target
/// directory (PyO3 links libpython when built; the library's crates must not).
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

/// What the benchmarks need to know about the benchmarked Python.
struct PythonInfo {
    executable: PathBuf,
    version: String,
    minor: u32,
    libdir: String,
    soname: String,
    purelib: String,
    full_version: String,
    /// A free-threaded build (`Py_GIL_DISABLED`).
    free_threaded: bool,
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
             print(sys.version.replace('\\n', ' '))\n\
             print(int(bool(sysconfig.get_config_var('Py_GIL_DISABLED'))))",
        )?;
        PythonInfo::parse(&format!("{}\n{out}", python.display()))
            .ok_or_else(|| format!("unexpected answer from {}: {out:?}", python.display()))
    }

    /// The record a run kept beside its results.
    fn read(path: &Path) -> Result<PythonInfo, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("{}: {e} (run `cargo xtask bench` first)", path.display()))?;
        PythonInfo::parse(&text).ok_or_else(|| format!("{}: unreadable", path.display()))
    }

    /// Reads what [`to_text`](Self::to_text) wrote: the executable, then the query's lines
    /// (a record without the last, free-threaded, line is of a GIL build).
    fn parse(text: &str) -> Option<PythonInfo> {
        let l: Vec<&str> = text.lines().collect();
        let (executable, version, libdir, soname, purelib, full_version, free_threaded) =
            match l.as_slice() {
                [e, v, d, s, p, f] => (e, v, d, s, p, f, false),
                [e, v, d, s, p, f, t] => (e, v, d, s, p, f, *t == "1"),
                _ => return None,
            };
        Some(PythonInfo {
            executable: PathBuf::from(executable),
            version: (*version).to_owned(),
            minor: version.split('.').nth(1)?.parse().ok()?,
            libdir: (*libdir).to_owned(),
            soname: (*soname).to_owned(),
            purelib: (*purelib).to_owned(),
            full_version: (*full_version).to_owned(),
            free_threaded,
        })
    }

    /// The record kept beside the results, for `--report-only`.
    fn to_text(&self) -> String {
        format!(
            "{}\n{}\n{}\n{}\n{}\n{}\n{}\n",
            self.executable.display(),
            self.version,
            self.libdir,
            self.soname,
            self.purelib,
            self.full_version,
            u8::from(self.free_threaded)
        )
    }

    /// `3.12`, or `3.13t` for a free-threaded build: what names its results and its section.
    fn tag(&self) -> String {
        format!(
            "{}{}",
            self.version,
            if self.free_threaded { "t" } else { "" }
        )
    }

    /// Why PyO3 cannot be built for this Python, if it cannot.
    fn pyo3_refuses(&self) -> Option<&'static str> {
        (self.free_threaded && self.minor < 14)
            .then_some("PyO3 0.30 builds for a free-threaded Python from 3.14 on only")
    }

    /// The library's link name: `python3.13t` for `libpython3.13t.so.1.0`.
    fn lib_name(&self) -> String {
        let name = self.soname.strip_prefix("lib").unwrap_or(&self.soname);
        name.split(".so").next().unwrap_or(name).to_owned()
    }

    fn library(&self) -> PathBuf {
        Path::new(&self.libdir).join(&self.soname)
    }

    /// A PyO3 config file for an embedding (linked) build against this Python. The link lines
    /// are given explicitly, so the build links this Python even when the environment has
    /// `PYO3_BUILD_EXTENSION_MODULE` set (which makes PyO3 omit its own).
    /// A free-threaded Python gets `Py_GIL_DISABLED` among the build flags, which is how PyO3
    /// builds for it.
    fn pyo3_config(&self) -> String {
        format!(
            "implementation=CPython\nversion={v}\nshared=true\nlib_name={l}\nlib_dir={d}\nexecutable={e}\npointer_width=64\nbuild_flags={f}\n\
             suppress_build_script_link_lines=false\n\
             extra_build_script_line=cargo:rustc-link-search=native={d}\n\
             extra_build_script_line=cargo:rustc-link-lib={l}\n",
            v = self.version,
            l = self.lib_name(),
            d = self.libdir,
            e = self.executable.display(),
            f = if self.free_threaded {
                "Py_GIL_DISABLED"
            } else {
                ""
            }
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

/// The sub-interpreter groups' speedups measured round by round, by group, then pair (`ours`,
/// `floor`, `processes`, `rust_threads`): one speedup per round, in round order (see
/// `benches/ours/benches/subinterp.rs`).
type Paired = BTreeMap<String, BTreeMap<String, Vec<f64>>>;

/// Reads the `paired.json` the sub-interpreter bench writes in its group's directory.
fn read_paired(dir: &Path) -> Result<Paired, String> {
    let mut out = Paired::new();
    let Ok(groups) = std::fs::read_dir(dir) else {
        return Ok(out);
    };
    for g in groups.flatten() {
        let path = g.path().join("paired.json");
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let pairs = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        out.insert(g.file_name().to_string_lossy().into_owned(), pairs);
    }
    Ok(out)
}

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
