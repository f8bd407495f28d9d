//! Hiera 5 for converge: where class parameters and `lookup()` find their data.
//!
//! Puppet's three layers, in lookup order: the global `hiera.yaml` (`/etc/puppet/hiera.yaml`
//! on Debian), the environment's (`hiera.yaml` at the root of the control repository) and
//! each module's (`<module>/hiera.yaml`, which answers only keys of its own namespace).
//! Version 5 configurations only; the `yaml_data` and `json_data` backends; hierarchy
//! levels with `path`, `paths`, `glob`, `globs` and `mapped_paths`; `%{...}` interpolation
//! in paths and data; the merge strategies `first`, `unique`, `hash` and `deep`;
//! `lookup_options` (regex keys included); and an explanation of every lookup in the words
//! of `puppet lookup --explain`.
//!
//! The crate reads only `hiera.yaml` and data files. Variables (facts, `$trusted`, scope)
//! come from the caller through [`Scope`]; converting values (`convert_to`) and checking
//! types is the caller's, since both are the language's.

mod config;
mod explain;
mod interpolate;
mod key;
mod lookup;
mod merge;
pub mod yaml;

pub use explain::Explainer;
pub use lookup::{Found, Hiera, Layers};
pub use merge::Merge;

use std::path::{Path, PathBuf};

/// Variables visible to interpolation (`%{facts.os.family}`, `%{::osfamily}`,
/// `%{scope('x')}`): the scope `lookup()` was called from.
pub trait Scope {
    /// The value of variable `name` (given without a leading `::`), if it is defined.
    fn variable(&self, name: &str) -> Option<converge_catalog::Value>;
}

/// A Hiera error: a bad configuration or data file, a bad interpolation, a merge of values
/// that do not merge. Located in the file at fault when there is one.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct Error {
    /// A stable kebab-case code (`hiera-yaml`, `hiera-config`, `hiera-interpolation`, ...).
    pub code: &'static str,
    /// What is wrong.
    pub message: String,
    /// The file at fault, if any.
    pub file: Option<PathBuf>,
    /// 1-based line in `file` (0 when unknown).
    pub line: u32,
    /// 1-based column in `file` (0 when unknown).
    pub column: u32,
    /// What to do about it.
    pub hint: Option<String>,
}

impl Error {
    /// An error with no location.
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Error {
            code,
            message: message.into(),
            file: None,
            line: 0,
            column: 0,
            hint: None,
        }
    }

    /// An error at a line and column of a file.
    pub fn at(
        code: &'static str,
        message: impl Into<String>,
        file: &Path,
        line: u32,
        column: u32,
    ) -> Self {
        Error {
            file: Some(file.to_path_buf()),
            line,
            column,
            ..Error::new(code, message)
        }
    }

    /// The same error with a hint.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Locate an unlocated error at the first line of `file` holding `needle` (Puppet's
    /// `find_line_matching`), or at the file's start.
    pub(crate) fn in_file(mut self, file: &Path, text: Option<&str>, needle: &str) -> Self {
        if self.file.is_none() {
            self.file = Some(file.to_path_buf());
            let (l, c) = text.and_then(|t| find_text(t, needle, 1)).unwrap_or((1, 1));
            self.line = l;
            self.column = c;
        }
        self
    }
}

/// The 1-based (line, column) of the first occurrence of `needle` at or after line `from`.
pub(crate) fn find_text(text: &str, needle: &str, from: u32) -> Option<(u32, u32)> {
    if needle.is_empty() {
        return None;
    }
    for (i, line) in text.lines().enumerate() {
        let n = i as u32 + 1;
        if n < from {
            continue;
        }
        if let Some(pos) = line.find(needle) {
            return Some((n, line[..pos].chars().count() as u32 + 1));
        }
    }
    None
}
