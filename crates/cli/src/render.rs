//! Rendering diagnostics for people: rustc-style, with the source line and a caret.
//!
//! Libraries hand us plain `Diagnostic` data; this is the only place that reads source
//! files back to show them, and the only place that knows about colour.

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
use converge_catalog::{Diagnostic, Location, Severity};
use std::collections::HashMap;

/// Source texts by path, read on first use; pre-filled for code that came from `-e`/stdin.
#[derive(Default)]
pub(crate) struct Sources {
    texts: HashMap<String, Option<String>>,
}

impl Sources {
    /// Remember a text that does not come from a file (a catalog on stdin, tests).
    pub(crate) fn insert(&mut self, path: &str, text: String) {
        self.texts.insert(path.to_string(), Some(text));
    }

    fn line(&mut self, loc: &Location) -> Option<String> {
        let text = self
            .texts
            .entry(loc.file.to_string())
            .or_insert_with(|| std::fs::read_to_string(&*loc.file).ok())
            .as_ref()?;
        let line = text.split('\n').nth(loc.line.checked_sub(1)? as usize)?;
        Some(line.trim_end_matches('\r').to_string())
    }
}

/// Byte range in `line` of `len` characters starting at 1-based character `column`.
fn byte_span(line: &str, column: u32, len: u32) -> std::ops::Range<usize> {
    let mut idx = line.char_indices().map(|(i, _)| i).chain([line.len()]);
    let start = idx
        .nth(column.saturating_sub(1) as usize)
        .unwrap_or(line.len());
    let end = line[start..]
        .char_indices()
        .map(|(i, _)| start + i)
        .chain([line.len()])
        .nth(len.max(1) as usize)
        .unwrap_or(line.len());
    start..end.max(start)
}

/// Render one diagnostic as text (`error[code]: message`, `--> file:line:col`, the source
/// line, a caret, labels and the hint).
pub(crate) fn render(diag: &Diagnostic, sources: &mut Sources, color: bool) -> String {
    let level = match diag.severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
    };
    let mut group = Group::with_title(
        level
            .primary_title(diag.message.as_str())
            .id(diag.code.as_str()),
    );
    let mut snippets = Vec::new();
    if let Some(loc) = &diag.location {
        snippets.push((loc.clone(), None::<String>, true));
    }
    for label in &diag.labels {
        snippets.push((label.location.clone(), Some(label.message.clone()), false));
    }
    let mut fallback_locs = Vec::new();
    let lines: Vec<_> = snippets
        .iter()
        .map(|(loc, _, _)| sources.line(loc))
        .collect();
    for ((loc, label, primary), line) in snippets.iter().zip(&lines) {
        match line {
            Some(line) if loc.line > 0 => {
                let span = byte_span(line, loc.column, loc.len);
                let kind = if *primary {
                    AnnotationKind::Primary
                } else {
                    AnnotationKind::Context
                };
                let mut ann = kind.span(span);
                if let Some(l) = label {
                    ann = ann.label(l.as_str());
                }
                group = group.element(
                    Snippet::source(line.as_str())
                        .line_start(loc.line as usize)
                        .path(&*loc.file)
                        .annotation(ann),
                );
            }
            _ => fallback_locs.push((loc, label)),
        }
    }
    let mut groups = vec![group];
    let extra: Vec<String> = fallback_locs
        .iter()
        .map(|(loc, label)| match label {
            Some(l) => format!("{l}: {loc}"),
            None => format!("at {loc}"),
        })
        .collect();
    for e in &extra {
        groups.push(Group::with_title(Level::NOTE.secondary_title(e.as_str())));
    }
    if let Some(h) = &diag.hint {
        groups.push(Group::with_title(Level::HELP.secondary_title(h.as_str())));
    }
    let renderer = if color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    renderer.render(&groups).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_rustc_style_with_caret_under_the_column() {
        let mut s = Sources::default();
        s.insert("t.pp", "package { 'nginx':\n  ensure => bogus,\n}\n".into());
        let mut loc = Location::new("t.pp", 2, 13);
        loc.len = 5;
        let d = Diagnostic::error("invalid-value", "Invalid value \"bogus\"")
            .at(Some(loc))
            .with_hint("valid values are present, absent");
        let out = render(&d, &mut s, false);
        assert!(
            out.starts_with("error[invalid-value]: Invalid value \"bogus\""),
            "{out}"
        );
        assert!(out.contains("--> t.pp:2:13"), "{out}");
        assert!(out.contains("  ensure => bogus,"), "{out}");
        assert!(out.contains("^^^^^"), "{out}");
        assert!(
            out.contains("help: valid values are present, absent"),
            "{out}"
        );
    }

    #[test]
    fn byte_span_counts_characters() {
        assert_eq!(byte_span("é ab", 3, 2), 3..5);
        assert_eq!(byte_span("ab", 5, 1), 2..2);
    }
}
