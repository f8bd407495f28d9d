//! Parsing: pest grammar to [`crate::ast`]. No pest type leaves this module.

use crate::ast::{EppTemplate, Manifest};
use crate::Source;
use converge_catalog::Diagnostic;

/// Parse a manifest. Returns the AST when parsing succeeded, plus every diagnostic
/// (syntax errors, and warnings such as unknown escapes).
pub fn parse_manifest(source: &Source) -> (Option<Manifest>, Vec<Diagnostic>) {
    let _ = source;
    (
        None,
        vec![Diagnostic::error("syntax", "parser not written yet")],
    )
}

/// Parse an EPP template.
pub fn parse_epp(source: &Source) -> (Option<EppTemplate>, Vec<Diagnostic>) {
    let _ = source;
    (
        None,
        vec![Diagnostic::error("syntax", "parser not written yet")],
    )
}
