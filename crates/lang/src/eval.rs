//! Evaluation: AST plus facts to a catalog, with Puppet's semantics.

use converge_catalog::{Catalog, Diagnostic, Location, Value};
use indexmap::IndexMap;
use std::path::PathBuf;

/// What to compile and how.
#[derive(Debug, Clone, Default)]
pub struct CompileOptions {
    /// The main manifest file.
    pub manifest: PathBuf,
    /// The manifest's text, when it does not come from the file (`-e`, stdin, tests).
    pub code: Option<String>,
    /// Directories searched for modules; empty means `<manifest dir>/modules`.
    pub modulepath: Vec<PathBuf>,
    /// Top-level facts (facter's names and shapes).
    pub facts: IndexMap<String, Value>,
    /// The name node definitions are matched against.
    pub node_name: String,
    /// Unknown variables are errors (Puppet 8) instead of warnings (Puppet 7).
    pub strict_variables: bool,
}

/// Level of a message logged at compile time (`notice()`, `warning()`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum LogLevel {
    /// `debug()`.
    Debug,
    /// `info()`.
    Info,
    /// `notice()`.
    Notice,
    /// `warning()`.
    Warning,
    /// `err()`.
    Err,
}

/// A message logged by a logging function while compiling.
#[derive(Debug, Clone, PartialEq)]
pub struct LogMessage {
    /// Its level.
    pub level: LogLevel,
    /// `Scope(Class[main])`-style scope, as Puppet prints it.
    pub scope: String,
    /// The message.
    pub text: String,
    /// Where the call was.
    pub location: Option<Location>,
}

/// The outcome of a compilation.
#[derive(Debug, Clone, Default)]
pub struct Compiled {
    /// The catalog, when there was no error.
    pub catalog: Option<Catalog>,
    /// Errors and warnings, in the order found.
    pub diagnostics: Vec<Diagnostic>,
    /// Messages from logging functions.
    pub log: Vec<LogMessage>,
}

/// Compile a manifest into a catalog.
pub fn compile(opts: &CompileOptions) -> Compiled {
    let _ = opts;
    Compiled {
        catalog: None,
        diagnostics: vec![Diagnostic::error("internal", "evaluator not written yet")],
        log: Vec::new(),
    }
}
