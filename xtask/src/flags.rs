//! The command line of `cargo xtask`: every command, its options and their defaults.
//!
//! `cargo xtask --help` lists the commands, `cargo xtask COMMAND --help` one command's options.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

/// The workspace's automation: the demo, the test suite and its matrix of Pythons, CPython's
/// own tests, reliability runs and benchmarks.
#[derive(Debug, Parser)]
#[command(name = "cargo xtask", bin_name = "cargo xtask")]
pub struct Xtask {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    Demo(Demo),
    Test(Test),
    TestMatrix(TestMatrix),
    CpythonTests(CpythonTests),
    Valgrind(Valgrind),
    Soak(Soak),
    Fuzz(Fuzz),
    Bench(Bench),
}

/// Make the demo venv (numpy, matplotlib, pandas) once, then run the tour example.
#[derive(Debug, Args)]
pub struct Demo {
    /// Arguments for the tour example.
    #[arg(allow_hyphen_values = true)]
    pub args: Vec<String>,
    /// Arguments after `--`, also for the tour example.
    #[arg(last = true)]
    pub after: Vec<String>,
}

/// Make the test venv (numpy, matplotlib, pandas) once, then run the whole test suite against it.
///
/// ARGS go to `cargo test --workspace`, for instance
/// `cargo xtask test -p libpython-tests props:: -- --nocapture`.
#[derive(Debug, Args)]
pub struct Test {
    /// Arguments for `cargo test --workspace` (a package, a test filter, ...).
    #[arg(allow_hyphen_values = true)]
    pub args: Vec<String>,
    /// Arguments after `--`, for the test executables.
    #[arg(last = true)]
    pub after: Vec<String>,
}

/// Build the tests once and run them against every Python of the machine.
///
/// pyenv's, Debian's, a debug and a free-threaded build, and the newest versions wherever they
/// are found (see docs/testing.md). The last line is `matrix: N passed, M failed`.
#[derive(Debug, Args)]
pub struct TestMatrix {
    /// Do not run the doctests in each configuration.
    #[arg(long)]
    pub no_doc: bool,
    /// Ask the package archives again for 3.14 and 3.15 sources now, instead of trusting a
    /// negative answer of the last day.
    #[arg(long)]
    pub recheck_newest: bool,
    /// Run only the configurations whose name contains one of NAMES (comma-separated).
    #[arg(long, value_name = "NAMES", value_delimiter = ',')]
    pub only: Vec<String>,
    /// Kill a test executable that runs longer than SECONDS.
    #[arg(long, value_name = "SECONDS", default_value = "900", value_parser = seconds)]
    pub timeout: Duration,
}

/// Compare CPython's own test modules, test by test, under python and under pyrun.
///
/// pyrun is the example built on `libpython::PythonMain`.
/// The last line is `cpython-tests: ... N not explained` (see docs/testing.md).
#[derive(Debug, Args)]
pub struct CpythonTests {
    /// The Pythons to compare under: pyenv minor versions (3.12) or interpreter paths; each
    /// needs CPython's `test` package.
    #[arg(
        long,
        value_name = "VERSIONS",
        value_delimiter = ',',
        default_value = "3.12,3.13"
    )]
    pub python: Vec<String>,
    /// Only these test modules (default: every module of the list in docs/testing.md).
    #[arg(long, value_name = "MODULES", value_delimiter = ',')]
    pub only: Vec<String>,
    /// Kill one run of one module after SECONDS.
    #[arg(long, value_name = "SECONDS", default_value = "1800", value_parser = seconds)]
    pub timeout: Duration,
}

/// Run every integration test in a process of its own under valgrind memcheck.
///
/// Logs go to target/valgrind/; the last line is `valgrind: N errors in M tests`.
#[derive(Debug, Args)]
pub struct Valgrind {
    /// Only the tests whose name contains one of FILTERS.
    pub filters: Vec<String>,
    /// How many tests run at a time.
    #[arg(long, value_name = "N", default_value = "2", value_parser = positive::<usize>)]
    pub jobs: usize,
    /// Kill one test after SECONDS.
    #[arg(long, value_name = "SECONDS", default_value = "900", value_parser = seconds)]
    pub timeout: Duration,
    /// The Python to run against (default: the test venv `cargo xtask test` makes).
    #[arg(long, value_name = "EXE")]
    pub python: Option<PathBuf>,
}

/// Drive Python from many threads for a while, watching for stalls, errors and leaks.
///
/// It fails on a stall, an operation error, RSS growth or a total refcount that moved.
/// T threads drive Python for N seconds after a warm-up, mixing calls, conversions, callbacks
/// into Rust, handles dropped on other threads, bridges and two sub-interpreters (see
/// docs/reliability.md).
#[derive(Debug, Args)]
pub struct Soak {
    /// How long the measured run lasts (the soak's default: 60).
    #[arg(long, value_name = "N")]
    pub seconds: Option<u64>,
    /// How many worker threads (the soak's default: 16).
    #[arg(long, value_name = "T")]
    pub threads: Option<u64>,
    /// How long the warm-up lasts, in seconds.
    #[arg(long, value_name = "S")]
    pub warmup: Option<u64>,
    /// The largest RSS growth allowed between the two rests, in MiB (the soak's default: 16).
    #[arg(long, value_name = "M")]
    pub rss_bound_mib: Option<u64>,
    /// Narrow the mix to these operation kinds (comma-separated: call, convert, value,
    /// callback, python-thread, drop-elsewhere, bridge, vec-bridge, closure, sub-interpreter,
    /// error, lock-without-gil).
    #[arg(long, value_name = "KIND,...")]
    pub ops: Option<String>,
    /// The Python to run against (default: the test venv `cargo xtask test` makes).
    #[arg(long, value_name = "EXE")]
    pub python: Option<PathBuf>,
    /// Build the soak binary optimized (default: a debug build, with debug assertions).
    #[arg(long)]
    pub release: bool,
}

impl Soak {
    /// The options the soak binary itself reads, as given.
    pub fn soak_args(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (flag, value) in [
            ("--seconds", self.seconds),
            ("--threads", self.threads),
            ("--warmup", self.warmup),
            ("--rss-bound-mib", self.rss_bound_mib),
        ] {
            if let Some(v) = value {
                out.extend([flag.to_owned(), v.to_string()]);
            }
        }
        if let Some(ops) = &self.ops {
            out.extend(["--ops".to_owned(), ops.clone()]);
        }
        out
    }
}

/// Run the property tests over and over with fresh seeds, for a while.
///
/// Each run has K cases per property and a new seed; failures are reported with the seed that
/// reproduces them (see docs/reliability.md).
#[derive(Debug, Args)]
pub struct Fuzz {
    /// How long to keep running, in seconds.
    #[arg(long, value_name = "N", default_value = "300")]
    pub seconds: u64,
    /// Cases per property per run.
    #[arg(long, value_name = "K", default_value = "500", value_parser = positive::<u64>)]
    pub cases: u64,
    /// The Python to run against (default: the test venv `cargo xtask test` makes).
    #[arg(long, value_name = "EXE")]
    pub python: Option<PathBuf>,
}

/// Benchmark against the C floor and PyO3, and write docs/benchmarks.md.
///
/// floor, libpython and PyO3 on the test venv's Python, and sub-interpreters on 3.12 and 3.13;
/// the results also go to target/bench/summary.json.
#[derive(Debug, Args)]
pub struct Bench {
    /// A criterion filter (a regular expression on `case/side`); earlier results of the other
    /// cases are kept.
    pub filter: Option<String>,
    /// Benchmark this Python 3.11+ (with numpy; a free-threaded build too) instead of the test
    /// venv's: the key cases only unless a filter is given, no sub-interpreters. Its results
    /// (kept in target/bench/python-TAG) make its part of the page's "Other Pythons" section;
    /// the rest of the page is kept.
    #[arg(long, value_name = "EXE")]
    pub python: Option<PathBuf>,
    /// Instead of timing, count instructions per iteration of every case and side under
    /// valgrind (repeatable whatever the machine's load; about 15 minutes).
    #[arg(long)]
    pub callgrind: bool,
    /// Only rewrite the summary and the doc from the last results (of the Python `--python`
    /// names, if given).
    #[arg(long)]
    pub report_only: bool,
    /// Do not build or run the PyO3 side.
    #[arg(long)]
    pub skip_pyo3: bool,
    /// Do not run the sub-interpreter benchmark.
    #[arg(long)]
    pub skip_subinterp: bool,
}

/// The arguments of a pass-through command: those before `--`, then `--` and those after it
/// when there are any (the parser takes a `--` right after the command as its own).
pub fn pass_through(args: &[String], after: &[String]) -> Vec<String> {
    let mut out = args.to_vec();
    if !after.is_empty() {
        out.push("--".to_owned());
        out.extend_from_slice(after);
    }
    out
}

fn seconds(s: &str) -> Result<Duration, String> {
    s.parse()
        .map(Duration::from_secs)
        .map_err(|_| format!("{s:?} is not a number of seconds"))
}

fn positive<T: std::str::FromStr + PartialOrd + Default>(s: &str) -> Result<T, String> {
    match s.parse() {
        Ok(n) if n > T::default() => Ok(n),
        _ => Err(format!("{s:?} is not a positive number")),
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    fn parse(args: &[&str]) -> Result<Command, clap::Error> {
        Xtask::try_parse_from(std::iter::once("xtask").chain(args.iter().copied()))
            .map(|x| x.command)
    }

    #[test]
    fn the_parser_is_consistent() {
        Xtask::command().debug_assert();
    }

    #[test]
    fn help_lists_every_command_with_a_description() {
        let mut cmd = Xtask::command();
        let help = cmd.render_help().to_string();
        let names: Vec<String> = cmd
            .get_subcommands()
            .map(|c| c.get_name().to_owned())
            .collect();
        assert_eq!(
            names,
            [
                "demo",
                "test",
                "test-matrix",
                "cpython-tests",
                "valgrind",
                "soak",
                "fuzz",
                "bench",
                "help"
            ]
        );
        for sub in cmd.get_subcommands() {
            let about = sub.get_about().map(|a| a.to_string()).unwrap_or_default();
            assert!(!about.is_empty(), "{} has no description", sub.get_name());
            let line = help
                .lines()
                .find(|l| l.split_whitespace().next() == Some(sub.get_name()))
                .unwrap_or_else(|| panic!("`{}` is not listed:\n{help}", sub.get_name()));
            assert!(line.contains(&about), "{line:?} lacks {about:?}");
        }
    }

    #[test]
    fn help_of_a_command_lists_its_options() {
        let err = parse(&["test-matrix", "--help"]).unwrap_err();
        assert_eq!(err.kind(), clap::error::ErrorKind::DisplayHelp);
        let text = err.to_string();
        for option in [
            "--no-doc",
            "--recheck-newest",
            "--only",
            "--timeout",
            "[default: 900]",
        ] {
            assert!(text.contains(option), "{option} missing from:\n{text}");
        }
    }

    #[test]
    fn a_missing_or_unknown_command_is_an_error() {
        assert!(parse(&[]).is_err());
        let e = parse(&["tset"]).unwrap_err().to_string();
        assert!(e.contains("tset") && e.contains("test"), "{e}");
    }

    #[test]
    fn test_passes_its_arguments_to_cargo_unchanged() {
        let cases: &[(&[&str], &[&str])] = &[
            (&[], &[]),
            (&["props::"], &["props::"]),
            (&["--", "--nocapture"], &["--", "--nocapture"]),
            (
                &["-p", "libpython-tests", "--", "--nocapture"],
                &["-p", "libpython-tests", "--", "--nocapture"],
            ),
            (
                &["--release", "-p", "x", "props::"],
                &["--release", "-p", "x", "props::"],
            ),
        ];
        for (given, expected) in cases {
            let args: Vec<&str> = std::iter::once("test")
                .chain(given.iter().copied())
                .collect();
            let Command::Test(t) = parse(&args).unwrap() else {
                panic!("not test")
            };
            assert_eq!(pass_through(&t.args, &t.after), *expected, "{given:?}");
        }
        let Command::Demo(d) = parse(&["demo", "--", "--quick"]).unwrap() else {
            panic!("not demo")
        };
        assert_eq!(pass_through(&d.args, &d.after), ["--", "--quick"]);
    }

    #[test]
    fn test_matrix_options_and_defaults() {
        let Command::TestMatrix(m) = parse(&["test-matrix"]).unwrap() else {
            panic!()
        };
        assert_eq!(
            (m.no_doc, m.recheck_newest, m.only.len(), m.timeout),
            (false, false, 0, Duration::from_secs(900))
        );
        let Command::TestMatrix(m) = parse(&[
            "test-matrix",
            "--no-doc",
            "--only",
            "3.13t,3.11d",
            "--only",
            "pyenv",
            "--timeout",
            "60",
            "--recheck-newest",
        ])
        .unwrap() else {
            panic!()
        };
        assert!(m.no_doc && m.recheck_newest);
        assert_eq!(m.only, ["3.13t", "3.11d", "pyenv"]);
        assert_eq!(m.timeout, Duration::from_secs(60));
        let e = parse(&["test-matrix", "--timeout", "soon"])
            .unwrap_err()
            .to_string();
        assert!(e.contains("not a number of seconds"), "{e}");
        assert!(parse(&["test-matrix", "--only"]).is_err());
        assert!(parse(&["test-matrix", "--bogus"]).is_err());
    }

    #[test]
    fn cpython_tests_options_and_defaults() {
        let Command::CpythonTests(c) = parse(&["cpython-tests"]).unwrap() else {
            panic!()
        };
        assert_eq!(c.python, ["3.12", "3.13"]);
        assert!(c.only.is_empty());
        assert_eq!(c.timeout, Duration::from_secs(1800));
        let Command::CpythonTests(c) = parse(&[
            "cpython-tests",
            "--python",
            "3.12",
            "--only",
            "test_sys,test_pdb",
            "--timeout",
            "5",
        ])
        .unwrap() else {
            panic!()
        };
        assert_eq!(
            (c.python, c.only, c.timeout),
            (
                vec!["3.12".to_owned()],
                vec!["test_sys".to_owned(), "test_pdb".to_owned()],
                Duration::from_secs(5)
            )
        );
    }

    #[test]
    fn valgrind_and_fuzz_refuse_zero_counts() {
        let Command::Valgrind(v) = parse(&[
            "valgrind",
            "bridge",
            "views::",
            "--jobs",
            "3",
            "--python",
            "/opt/py/bin/python3",
        ])
        .unwrap() else {
            panic!()
        };
        assert_eq!(
            (v.filters, v.jobs, v.timeout),
            (
                vec!["bridge".to_owned(), "views::".to_owned()],
                3,
                Duration::from_secs(900)
            )
        );
        assert_eq!(v.python, Some(PathBuf::from("/opt/py/bin/python3")));
        assert!(parse(&["valgrind", "--jobs", "0"]).is_err());
        let Command::Fuzz(f) = parse(&["fuzz"]).unwrap() else {
            panic!()
        };
        assert_eq!((f.seconds, f.cases, f.python), (300, 500, None));
        assert!(parse(&["fuzz", "--cases", "0"]).is_err());
        assert!(parse(&["fuzz", "--seconds", "-1"]).is_err());
    }

    #[test]
    fn soak_hands_only_the_given_options_to_the_soak_binary() {
        let Command::Soak(s) = parse(&["soak"]).unwrap() else {
            panic!()
        };
        assert!(s.soak_args().is_empty());
        let Command::Soak(s) = parse(&[
            "soak",
            "--seconds",
            "10",
            "--ops",
            "bridge,closure",
            "--rss-bound-mib",
            "32",
            "--release",
        ])
        .unwrap() else {
            panic!()
        };
        assert!(s.release);
        assert_eq!(
            s.soak_args(),
            [
                "--seconds",
                "10",
                "--rss-bound-mib",
                "32",
                "--ops",
                "bridge,closure"
            ]
        );
        assert!(parse(&["soak", "--threads", "many"]).is_err());
    }

    #[test]
    fn bench_takes_one_filter_and_its_switches() {
        let Command::Bench(b) = parse(&["bench", "^call3/", "--skip-pyo3", "--callgrind"]).unwrap()
        else {
            panic!()
        };
        assert_eq!(b.filter.as_deref(), Some("^call3/"));
        assert!(b.skip_pyo3 && b.callgrind && !b.report_only && !b.skip_subinterp);
        assert!(parse(&["bench", "a", "b"]).is_err());
    }
}
