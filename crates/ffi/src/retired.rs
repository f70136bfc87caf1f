//! Symbols that newer CPython versions take away, and the error a call to a missing optional
//! symbol reports.
//!
//! Every symbol listed in [`RETIRED`] is optional in the table ([`crate::Api`]), even where
//! the stable ABI promises to keep exporting it: a library that lacks it still loads, and only
//! a call to it fails, with an [`Unavailable`] message that says which Python took it away and
//! what to use instead. The list is checked against the declaration list by the test suite
//! (every entry is declared and optional).

use std::fmt;

use crate::load::Version;

/// What a CPython version did to a symbol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// Removed from the C API (its headers); still exported, for extensions built for the
    /// stable ABI (it is "ABI-only").
    AbiOnly,
    /// Removed: no longer exported.
    Removed,
    /// Deprecated, with its removal announced for that version.
    RemovalScheduled,
    /// Deprecated from that version on; no removal date yet.
    Deprecated,
}

/// A symbol of the declaration list that a newer CPython retired.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retired {
    /// The C name.
    pub name: &'static str,
    /// What happened to it.
    pub change: Change,
    /// In which version (`(3, 15)`).
    pub version: (u8, u8),
    /// What to use instead.
    pub instead: &'static str,
}

macro_rules! retired {
    ($($change:ident ($major:literal, $minor:literal): $($name:ident),+ => $instead:literal;)*) => {
        &[$($(Retired {
            name: stringify!($name),
            change: Change::$change,
            version: ($major, $minor),
            instead: $instead,
        },)+)*]
    };
}

/// Every declared symbol that a CPython from 3.12 to 3.16 removed, made ABI-only or scheduled
/// for removal (sources: CPython's `Misc/stable_abi.toml`, the "What's New" C API sections and
/// `Doc/deprecations/c-api-pending-removal-in-3.*.rst`; see `docs/python-versions.md`).
pub const RETIRED: &[Retired] = retired! {
    Removed (3, 13): _Py_IsFinalizing => "Py_IsFinalizing";
    AbiOnly (3, 15): PyUnicode_AsDecodedObject, PyUnicode_AsDecodedUnicode => "PyCodec_Decode";
    AbiOnly (3, 15): PyUnicode_AsEncodedObject, PyUnicode_AsEncodedUnicode => "PyCodec_Encode";
    AbiOnly (3, 15): PyImport_ImportModuleNoBlock => "PyImport_ImportModule";
    AbiOnly (3, 15): PyWeakref_GetObject => "PyWeakref_GetRef";
    AbiOnly (3, 15): PySys_ResetWarnOptions => "clearing sys.warnoptions and warnings.filters";
    AbiOnly (3, 15): Py_GetExecPrefix, Py_GetPrefix => "sys.base_exec_prefix / sys.base_prefix (PyConfig_Get)";
    AbiOnly (3, 15): Py_GetPath => "sys.path (PyConfig_Get(\"module_search_paths\"))";
    AbiOnly (3, 15): Py_GetProgramFullPath, Py_GetProgramName => "sys.executable (PyConfig_Get(\"executable\"))";
    AbiOnly (3, 15): Py_GetPythonHome => "PyConfig_Get(\"home\") or PYTHONHOME";
    RemovalScheduled (3, 16): PySys_SetArgv, PySys_SetArgvEx => "PyConfig.argv, or PyInitConfig_SetStrList(\"argv\") on 3.14+";
    RemovalScheduled (3, 16): Py_SetProgramName => "PyConfig.program_name, or PyInitConfig_SetStr(\"program_name\") on 3.14+";
    RemovalScheduled (3, 16): Py_SetPythonHome => "PyConfig.home, or PyInitConfig_SetStr(\"home\") on 3.14+";
    RemovalScheduled (3, 16): Py_FileSystemDefaultEncoding, Py_HasFileSystemDefaultEncoding => "PyConfig_Get(\"filesystem_encoding\")";
    RemovalScheduled (3, 16): Py_FileSystemDefaultEncodeErrors => "PyConfig_Get(\"filesystem_errors\")";
    RemovalScheduled (3, 16): Py_UTF8Mode => "PyConfig_Get(\"utf8_mode\")";
    Deprecated (3, 9): PyEval_InitThreads => "nothing: Py_Initialize creates the GIL";
};

/// Declared functions that are not used with a Python newer than
/// [`Version::NEWEST_KNOWN`], because an argument's layout is not part of the stable ABI and
/// may change between versions: (name, why).
pub const WITHHELD_WHEN_UNKNOWN: &[(&str, &str)] = &[(
    "Py_NewInterpreterFromConfig",
    "its PyInterpreterConfig argument is not part of the stable ABI, and its layout may have changed",
)];

/// The retirement record of `name`, if a newer Python retired it.
pub fn retired(name: &str) -> Option<&'static Retired> {
    RETIRED.iter().find(|r| r.name == name)
}

/// Why an optional symbol is missing from the loaded library: the error a call to it reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unavailable {
    /// The C name.
    pub name: String,
    /// The loaded library's version, if one is loaded.
    pub loaded: Option<Version>,
}

impl Unavailable {
    /// The error for `name` with the library `loaded` (a version, or `None` when nothing is
    /// loaded).
    pub fn new(name: &str, loaded: Option<Version>) -> Unavailable {
        Unavailable {
            name: name.to_owned(),
            loaded,
        }
    }
}

impl fmt::Display for Unavailable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = &self.name;
        let Some(v) = self.loaded else {
            return write!(
                f,
                "{name} cannot be called: libpython is not loaded (call libpython_ffi::load first)"
            );
        };
        if !v.is_known()
            && let Some((_, why)) = WITHHELD_WHEN_UNKNOWN.iter().find(|(n, _)| n == name)
        {
            return write!(
                f,
                "{name} is not used with Python {v}, which is newer than the newest version this library knows ({}): {why}",
                Version::NEWEST_KNOWN
            );
        }
        write!(f, "{name} is not exported by the loaded libpython {v}")?;
        match retired(name) {
            Some(r) => {
                let (major, minor) = r.version;
                match r.change {
                    Change::AbiOnly => write!(
                        f,
                        ": Python {major}.{minor} removed it from the C API (only the stable ABI kept it)"
                    )?,
                    Change::Removed => write!(f, ": Python {major}.{minor} removed it")?,
                    Change::RemovalScheduled => {
                        write!(f, ": its removal was announced for Python {major}.{minor}")?
                    }
                    Change::Deprecated => {
                        write!(f, ": it is deprecated since Python {major}.{minor}")?
                    }
                }
                write!(f, "; use {} instead", r.instead)
            }
            None => {
                f.write_str(": it is newer than that version, or not part of this kind of build")
            }
        }
    }
}

impl std::error::Error for Unavailable {}

#[cfg(test)]
mod tests {
    use super::*;

    const V: fn(u8, u8) -> Version = |major, minor| Version {
        major,
        minor,
        micro: 0,
    };

    #[test]
    fn names_the_version_that_retired_it_and_the_replacement() {
        let e = Unavailable::new("Py_GetPath", Some(V(3, 16))).to_string();
        assert_eq!(
            e,
            "Py_GetPath is not exported by the loaded libpython 3.16.0: Python 3.15 removed it from the C API \
             (only the stable ABI kept it); use sys.path (PyConfig_Get(\"module_search_paths\")) instead"
        );
        let e = Unavailable::new("Py_SetProgramName", Some(V(3, 17))).to_string();
        assert!(
            e.contains("3.17.0")
                && e.contains("announced for Python 3.16")
                && e.contains("program_name"),
            "{e}"
        );
        let e = Unavailable::new("_Py_IsFinalizing", Some(V(3, 13))).to_string();
        assert!(
            e.contains("Python 3.13 removed it; use Py_IsFinalizing instead"),
            "{e}"
        );
    }

    #[test]
    fn a_newer_symbol_is_reported_as_newer_than_the_loaded_version() {
        let e = Unavailable::new("PyObject_Vectorcall", Some(V(3, 9))).to_string();
        assert_eq!(
            e,
            "PyObject_Vectorcall is not exported by the loaded libpython 3.9.0: it is newer than that version, or not part of this kind of build"
        );
        let e = Unavailable::new("PyObject_Vectorcall", None).to_string();
        assert!(e.contains("not loaded"), "{e}");
    }

    #[test]
    fn a_withheld_function_says_why_on_an_unknown_version_only() {
        let e = Unavailable::new("Py_NewInterpreterFromConfig", Some(V(3, 16))).to_string();
        assert!(
            e.contains("not used with Python 3.16.0") && e.contains("PyInterpreterConfig"),
            "{e}"
        );
        let e = Unavailable::new("Py_NewInterpreterFromConfig", Some(V(3, 11))).to_string();
        assert!(e.contains("newer than that version"), "{e}");
    }

    #[test]
    fn every_retired_name_is_listed_once() {
        for (i, r) in RETIRED.iter().enumerate() {
            assert!(
                RETIRED[..i].iter().all(|s| s.name != r.name),
                "{} listed twice",
                r.name
            );
            assert!(r.version >= (3, 9), "{r:?}");
        }
    }
}
