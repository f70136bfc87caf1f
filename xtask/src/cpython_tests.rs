//! `cargo xtask cpython-tests`: CPython's own test modules, run by the `pyrun` example (a
//! `python` command built on `libpython::PythonMain`, with the library's default stream
//! routing) and by the `python` command itself, then compared test by test. See
//! docs/testing.md, "CPython's own tests".

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Duration;

use crate::flags::CpythonTests;
use crate::util::{self, fmt_duration, run_logged, step};

/// A test module, and the regrtest arguments that select its tests (none: all of them).
struct Module {
    name: &'static str,
    select: &'static [&'static str],
}

/// The modules compared: CPython's tests of what embedding changes (standard streams, signals,
/// threads, subprocesses, faulthandler, exit, `sys`), and of libraries that lean on them.
const MODULES: &[Module] = &[
    Module {
        name: "test_sys",
        select: &[],
    },
    Module {
        name: "test_threading",
        select: &[],
    },
    Module {
        name: "test_signal",
        select: &[],
    },
    Module {
        name: "test_subprocess",
        select: &[],
    },
    Module {
        name: "test_faulthandler",
        select: &[],
    },
    Module {
        name: "test_io",
        select: &[
            "-m",
            "*TextIOWrapperTest*",
            "-m",
            "*IncrementalNewlineDecoderTest*",
            "-m",
            "*StatefulIncrementalDecoderTest*",
        ],
    },
    Module {
        name: "test_logging",
        select: &[],
    },
    Module {
        name: "test_argparse",
        select: &[],
    },
    Module {
        name: "test_pdb",
        select: &[],
    },
    Module {
        name: "test_atexit",
        select: &[],
    },
    Module {
        name: "test_embed",
        select: &[],
    },
    Module {
        name: "test_print",
        select: &[],
    },
    Module {
        name: "test_builtin",
        select: &[],
    },
    Module {
        name: "test_traceback",
        select: &[],
    },
    Module {
        name: "test_exceptions",
        select: &[],
    },
    Module {
        name: "test_warnings",
        select: &[],
    },
    Module {
        name: "test_unittest",
        select: &[],
    },
    Module {
        name: "test_doctest",
        select: &[],
    },
    Module {
        name: "test_contextlib",
        select: &[],
    },
    Module {
        name: "test_code_module",
        select: &[],
    },
    Module {
        name: "test_getpass",
        select: &[],
    },
    Module {
        name: "test_os",
        select: &[],
    },
    Module {
        name: "test_pty",
        select: &[],
    },
    Module {
        name: "test_readline",
        select: &[],
    },
    Module {
        name: "test_thread",
        select: &[],
    },
    Module {
        name: "test_audit",
        select: &[],
    },
    Module {
        name: "test_sys_settrace",
        select: &[],
    },
    Module {
        name: "test_site",
        select: &[],
    },
    Module {
        name: "test_cmd_line_script",
        select: &[],
    },
    Module {
        name: "test_runpy",
        select: &[],
    },
];

/// A difference that is expected, and why (each is explained in docs/testing.md).
struct Explained {
    /// The end of the test's id (`SysModuleTest.test_x`).
    test: &'static str,
    /// The minor versions it is seen under (`"3.12"`); empty for all.
    pythons: &'static [&'static str],
    why: &'static str,
}

const EXPLAINED: &[Explained] = &[];

/// Reads regrtest's JUnit XML with the Python's own XML parser: one `outcome<TAB>test id`
/// line per test.
const READ_JUNIT: &str = "import sys, xml.etree.ElementTree as ET
for case in ET.parse(sys.argv[1]).iter('testcase'):
    tags = {child.tag for child in case}
    outcome = next((t for t in ('error', 'failure', 'skipped') if t in tags), 'passed')
    print(outcome, case.get('name'), sep='\\t')
";

/// How one test ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Passed,
    Failed,
    Error,
    Skipped,
}

impl Outcome {
    fn parse(s: &str) -> Option<Outcome> {
        Some(match s {
            "passed" => Outcome::Passed,
            "failure" => Outcome::Failed,
            "error" => Outcome::Error,
            "skipped" => Outcome::Skipped,
            _ => return None,
        })
    }

    fn label(o: Option<Outcome>) -> &'static str {
        match o {
            Some(Outcome::Passed) => "passed",
            Some(Outcome::Failed) => "failed",
            Some(Outcome::Error) => "error",
            Some(Outcome::Skipped) => "skipped",
            None => "not run",
        }
    }
}

/// The outcomes in `READ_JUNIT`'s output.
fn parse_outcomes(text: &str) -> BTreeMap<String, Outcome> {
    text.lines()
        .filter_map(|l| {
            let (o, name) = l.split_once('\t')?;
            Some((name.to_owned(), Outcome::parse(o)?))
        })
        .collect()
}

/// One run of one module.
#[derive(Debug, Default)]
struct Run {
    tests: BTreeMap<String, Outcome>,
    /// regrtest's `Result: ...` line, or what went wrong.
    result: String,
    /// regrtest's own count (`Total tests: run=N skipped=M`): it also counts what the XML does
    /// not list (skipped subtests, classes skipped as a whole).
    totals: String,
    /// Whether regrtest wrote its XML (a run that crashed or was killed did not).
    complete: bool,
    elapsed: Duration,
}

impl Run {
    fn counts(&self) -> String {
        let n = |want: &[Outcome]| self.tests.values().filter(|o| want.contains(o)).count();
        format!(
            "{}/{}/{}",
            n(&[Outcome::Passed]),
            n(&[Outcome::Failed, Outcome::Error]),
            n(&[Outcome::Skipped])
        )
    }
}

/// A test whose outcome differs between the two runners.
#[derive(Debug)]
struct Difference {
    test: String,
    python: Option<Outcome>,
    pyrun: Option<Outcome>,
    /// The outcomes when the test ran again alone under both (`None`: not run again).
    again: Option<(Option<Outcome>, Option<Outcome>)>,
    why: Option<&'static str>,
}

impl Difference {
    /// Whether it counts: it did not go away when run again.
    fn confirmed(&self) -> bool {
        self.again.is_none_or(|(p, o)| p != o)
    }
}

/// The tests whose outcomes differ (or that ran under one runner only).
fn differences(
    python: &BTreeMap<String, Outcome>,
    pyrun: &BTreeMap<String, Outcome>,
) -> Vec<Difference> {
    let mut names: Vec<&String> = python.keys().chain(pyrun.keys()).collect();
    names.sort();
    names.dedup();
    names
        .into_iter()
        .filter(|n| python.get(*n) != pyrun.get(*n))
        .map(|n| Difference {
            test: n.clone(),
            python: python.get(n).copied(),
            pyrun: pyrun.get(n).copied(),
            again: None,
            why: None,
        })
        .collect()
}

/// The explanation of a difference of `test` under Python `minor`, if it is a known one.
fn explanation(explained: &[Explained], test: &str, minor: &str) -> Option<&'static str> {
    explained
        .iter()
        .find(|e| test.ends_with(e.test) && (e.pythons.is_empty() || e.pythons.contains(&minor)))
        .map(|e| e.why)
}

struct Options {
    pythons: Vec<String>,
    only: Vec<String>,
    timeout: Duration,
}

/// The command line's options, checked: every `--only` module is one of the compared ones.
fn options(flags: &CpythonTests) -> Result<Options, String> {
    let list =
        |v: &[String]| -> Vec<String> { v.iter().filter(|s| !s.is_empty()).cloned().collect() };
    let o = Options {
        pythons: list(&flags.python),
        only: list(&flags.only),
        timeout: flags.timeout,
    };
    if let Some(bad) = o
        .only
        .iter()
        .find(|m| !MODULES.iter().any(|k| k.name == m.as_str()))
    {
        let known: Vec<&str> = MODULES.iter().map(|m| m.name).collect();
        return Err(format!(
            "--only: {bad:?} is not one of the compared modules ({})",
            known.join(", ")
        ));
    }
    Ok(o)
}

/// The interpreter for `spec`: a path, or pyenv's newest patch release of a minor version.
fn interpreter(spec: &str) -> Result<PathBuf, String> {
    if spec.contains('/') {
        return Ok(spec.into());
    }
    let newest = spec
        .strip_prefix("3.")
        .and_then(|m| m.parse().ok())
        .and_then(util::pyenv_newest);
    newest.ok_or_else(|| format!("pyenv ({}) has no Python {spec}: `PYTHON_CONFIGURE_OPTS=--enable-shared pyenv install {spec}`", util::pyenv_root().display()))
}

/// Builds the `pyrun` example and returns its path, as cargo's JSON messages name it.
fn build_pyrun() -> Result<PathBuf, String> {
    step("building the pyrun example (cargo build -p libpython --example pyrun)");
    crate::cargo_json::build_executable(
        util::cargo().args(["build", "-p", "libpython", "--example", "pyrun"]),
        "pyrun",
    )
}

/// Runs `program -m test --junit-xml ... <regrtest args>` in `dir` (a fresh directory, where
/// its log and XML stay), both runners with the same environment: `LIBPYTHON_PYTHON` names
/// the interpreter (pyrun loads its library; python ignores it), and the variables that would
/// choose another Python are removed.
fn run_regrtest(
    program: &Path,
    python: &Path,
    regrtest: &[&str],
    dir: &Path,
    timeout: Duration,
) -> Run {
    let _ = std::fs::remove_dir_all(dir);
    if let Err(e) = std::fs::create_dir_all(dir) {
        return Run {
            result: format!("cannot create {}: {e}", dir.display()),
            ..Run::default()
        };
    }
    let xml = dir.join("junit.xml");
    let log = dir.join("output.log");
    let mut cmd = Command::new(program);
    cmd.args(["-m", "test", "--junit-xml"])
        .arg(&xml)
        .args(regrtest)
        .current_dir(dir)
        .env("LIBPYTHON_PYTHON", python);
    util::clear_python_env(&mut cmd).env_remove("PYTHONUNBUFFERED");
    let r = run_logged(&mut cmd, &log, timeout);
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    let mut result = text
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("Result: "))
        .unwrap_or("no result line")
        .to_owned();
    if r.timed_out {
        result = format!("killed after {} (timeout)", fmt_duration(r.elapsed));
    } else if !r.success && !result.starts_with("FAILURE") {
        result = format!("{result} ({})", r.status);
    }
    let tests = match Command::new(python)
        .arg("-c")
        .arg(READ_JUNIT)
        .arg(&xml)
        .output()
    {
        Ok(o) if o.status.success() && xml.exists() => {
            parse_outcomes(&String::from_utf8_lossy(&o.stdout))
        }
        _ => BTreeMap::new(),
    };
    let totals = text
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("Total tests: "))
        .unwrap_or("-")
        .to_owned();
    Run {
        complete: xml.exists() && !tests.is_empty(),
        tests,
        result,
        totals,
        elapsed: r.elapsed,
    }
}

/// One row of the table: a module under one Python.
struct Row {
    version: String,
    module: &'static str,
    python: Run,
    pyrun: Run,
    differences: Vec<Difference>,
}

impl Row {
    fn failed(&self) -> bool {
        !self.python.complete
            || !self.pyrun.complete
            || !self.same_totals()
            || self
                .differences
                .iter()
                .any(|d| d.confirmed() && d.why.is_none())
    }

    /// Whether regrtest counted the same under both (when no test differs).
    fn same_totals(&self) -> bool {
        !self.differences.is_empty() || self.python.totals == self.pyrun.totals
    }
}

pub fn run(flags: &CpythonTests) -> ExitCode {
    match compare(flags) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("xtask cpython-tests: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Runs the comparison; `Ok(false)` when a module could not be compared or a difference is
/// not explained.
fn compare(flags: &CpythonTests) -> Result<bool, String> {
    let opts = options(flags)?;
    let pyrun = build_pyrun()?;
    let out_dir = util::workspace_root().join("target").join("cpython-tests");
    let modules: Vec<&Module> = MODULES
        .iter()
        .filter(|m| opts.only.is_empty() || opts.only.iter().any(|o| o == m.name))
        .collect();
    let mut rows = Vec::new();
    for spec in &opts.pythons {
        let python = interpreter(spec)?;
        let version = util::python_output(
            &python,
            "import sys; print('%d.%d.%d' % sys.version_info[:3])",
        )?;
        let minor = version
            .rsplit_once('.')
            .map_or(version.clone(), |(m, _)| m.to_owned());
        util::python_output(&python, "import test.libregrtest").map_err(|_| {
            format!("{} has no `test` package (CPython's own tests); pyenv's builds have it, Debian's needs libpython{minor}-testsuite", python.display())
        })?;
        for m in &modules {
            let dir = out_dir.join(&version).join(m.name);
            let regrtest: Vec<&str> = std::iter::once(m.name)
                .chain(m.select.iter().copied())
                .collect();
            step(&format!("Python {version}: {} under python", m.name));
            let py = run_regrtest(
                &python,
                &python,
                &regrtest,
                &dir.join("python"),
                opts.timeout,
            );
            step(&format!(
                "Python {version}: {} under pyrun ({} under python: {})",
                m.name,
                fmt_duration(py.elapsed),
                py.result
            ));
            let ours = run_regrtest(&pyrun, &python, &regrtest, &dir.join("pyrun"), opts.timeout);
            let mut diffs = differences(&py.tests, &ours.tests);
            if !diffs.is_empty() && py.complete && ours.complete {
                // Run the differing tests again, alone, under both: a difference that does not
                // repeat is timing (these modules test threads, signals and subprocesses).
                step(&format!(
                    "Python {version}: {} differing test(s) of {} run again under both",
                    diffs.len(),
                    m.name
                ));
                let matchfile = dir.join("again.txt");
                let ids: String = diffs.iter().map(|d| format!("{}\n", d.test)).collect();
                if std::fs::write(&matchfile, ids).is_ok() {
                    let file = matchfile.to_string_lossy().into_owned();
                    let again: Vec<&str> = vec![m.name, "--matchfile", &file];
                    let py2 = run_regrtest(
                        &python,
                        &python,
                        &again,
                        &dir.join("python-again"),
                        opts.timeout,
                    );
                    let ours2 = run_regrtest(
                        &pyrun,
                        &python,
                        &again,
                        &dir.join("pyrun-again"),
                        opts.timeout,
                    );
                    for d in &mut diffs {
                        d.again = Some((
                            py2.tests.get(&d.test).copied(),
                            ours2.tests.get(&d.test).copied(),
                        ));
                    }
                }
            }
            for d in &mut diffs {
                d.why = explanation(EXPLAINED, &d.test, &minor);
            }
            rows.push(Row {
                version: version.clone(),
                module: m.name,
                python: py,
                pyrun: ours,
                differences: diffs,
            });
        }
    }
    println!("{}", table(&rows));
    let mut ok = true;
    for r in &rows {
        if !r.python.complete || !r.pyrun.complete {
            ok = false;
            println!(
                "\n{} {}: no results from {} (logs in target/cpython-tests/{}/{})",
                r.version,
                r.module,
                if r.python.complete { "pyrun" } else { "python" },
                r.version,
                r.module
            );
        }
        if !r.same_totals() {
            ok = false;
            println!(
                "\n{} {}: regrtest counted {} under python, {} under pyrun",
                r.version, r.module, r.python.totals, r.pyrun.totals
            );
        }
        for d in &r.differences {
            let again = match d.again {
                Some((p, o)) => format!(
                    "; run again: python {}, pyrun {}",
                    Outcome::label(p),
                    Outcome::label(o)
                ),
                None => String::new(),
            };
            let verdict = match (d.confirmed(), d.why) {
                (false, _) => "did not repeat".to_owned(),
                (true, Some(why)) => format!("explained: {why}"),
                (true, None) => {
                    ok = false;
                    "NOT EXPLAINED".to_owned()
                }
            };
            println!(
                "\n{} {}: python {}, pyrun {}{again}\n    {verdict}",
                r.version,
                d.test,
                Outcome::label(d.python),
                Outcome::label(d.pyrun)
            );
        }
    }
    let counted: usize = rows
        .iter()
        .map(|r| r.differences.iter().filter(|d| d.confirmed()).count())
        .sum();
    let unexplained: usize = rows
        .iter()
        .map(|r| {
            r.differences
                .iter()
                .filter(|d| d.confirmed() && d.why.is_none())
                .count()
        })
        .sum();
    println!(
        "\ncpython-tests: {} module run(s), {} compared, {counted} difference(s), {unexplained} not explained",
        rows.len(),
        rows.iter()
            .filter(|r| r.python.complete && r.pyrun.complete)
            .count()
    );
    Ok(ok && rows.iter().all(|r| !r.failed()))
}

fn table(rows: &[Row]) -> String {
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let confirmed = r.differences.iter().filter(|d| d.confirmed()).count();
            let explained = r
                .differences
                .iter()
                .filter(|d| d.confirmed() && d.why.is_some())
                .count();
            let transient = r.differences.len() - confirmed;
            let mut diff = confirmed.to_string();
            if explained > 0 {
                diff += &format!(" ({explained} explained)");
            }
            if transient > 0 {
                diff += &format!(" (+{transient} did not repeat)");
            }
            vec![
                r.version.clone(),
                r.module.to_owned(),
                r.python.counts(),
                format!("{} ({})", r.python.result, r.python.totals),
                r.pyrun.counts(),
                format!("{} ({})", r.pyrun.result, r.pyrun.totals),
                diff,
                format!(
                    "{} / {}",
                    fmt_duration(r.python.elapsed),
                    fmt_duration(r.pyrun.elapsed)
                ),
            ]
        })
        .collect();
    crate::util::text_table(
        &[
            "python",
            "module",
            "python: pass/fail/skip",
            "regrtest",
            "pyrun: pass/fail/skip",
            "regrtest",
            "differences",
            "time (python / pyrun)",
        ],
        &cells,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_outcomes_and_finds_differences() {
        let py = parse_outcomes(
            "passed\ttest.test_x.A.test_a\nskipped\ttest.test_x.A.test_b\nfailure\ttest.test_x.A.test_c\nbogus line\n",
        );
        let ours = parse_outcomes(
            "passed\ttest.test_x.A.test_a\nerror\ttest.test_x.A.test_b\npassed\ttest.test_x.A.test_d\n",
        );
        assert_eq!(py.len(), 3);
        let d = differences(&py, &ours);
        let got: Vec<(&str, &str, &str)> = d
            .iter()
            .map(|d| {
                (
                    d.test.as_str(),
                    Outcome::label(d.python),
                    Outcome::label(d.pyrun),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("test.test_x.A.test_b", "skipped", "error"),
                ("test.test_x.A.test_c", "failed", "not run"),
                ("test.test_x.A.test_d", "not run", "passed")
            ]
        );
    }

    #[test]
    fn a_difference_that_does_not_repeat_does_not_count() {
        let mut d = Difference {
            test: "t".into(),
            python: Some(Outcome::Passed),
            pyrun: Some(Outcome::Failed),
            again: None,
            why: None,
        };
        assert!(d.confirmed());
        d.again = Some((Some(Outcome::Passed), Some(Outcome::Passed)));
        assert!(!d.confirmed());
        d.again = Some((Some(Outcome::Passed), Some(Outcome::Error)));
        assert!(d.confirmed());
    }

    #[test]
    fn explanations_match_the_end_of_the_id_and_the_version() {
        let known = [Explained {
            test: "A.test_b",
            pythons: &["3.13"],
            why: "because",
        }];
        assert_eq!(
            explanation(&known, "test.test_x.A.test_b", "3.13"),
            Some("because")
        );
        assert_eq!(explanation(&known, "test.test_x.A.test_b", "3.12"), None);
        assert_eq!(explanation(&known, "test.test_x.A.test_c", "3.13"), None);
    }

    #[test]
    fn options_refuse_unknown_modules() {
        let flags = |only: &[&str]| CpythonTests {
            python: vec!["3.12".into(), String::new()],
            only: only.iter().map(|s| s.to_string()).collect(),
            timeout: Duration::from_secs(1),
        };
        let e = options(&flags(&["test_nothing"])).err().unwrap();
        assert!(e.contains("test_nothing"), "{e}");
        let o = options(&flags(&["test_sys", "", "test_pdb"])).unwrap();
        assert_eq!(
            (o.pythons, o.only),
            (
                vec!["3.12".to_owned()],
                vec!["test_sys".to_owned(), "test_pdb".to_owned()]
            )
        );
    }
}
