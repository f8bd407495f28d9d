//! Source texts and the mapping from byte spans to lines and columns.

use crate::ast::Span;
use converge_catalog::Location;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// A source text with the path it was read from.
#[derive(Debug)]
pub struct Source {
    /// Path as given (used in diagnostics).
    pub path: String,
    /// The text (CRLF left as is; columns count characters).
    pub text: String,
    line_starts: Vec<usize>,
    /// `path`, shared by every location in this file.
    file: Arc<str>,
    /// The line of the last look-up: the evaluator asks for locations in source order, so
    /// the next one is usually on the same line or the next (no binary search then).
    last_line: AtomicUsize,
}

impl Clone for Source {
    fn clone(&self) -> Self {
        Source {
            path: self.path.clone(),
            text: self.text.clone(),
            line_starts: self.line_starts.clone(),
            file: self.file.clone(),
            last_line: AtomicUsize::new(self.last_line.load(Ordering::Relaxed)),
        }
    }
}

impl Source {
    /// Wrap a text read from `path`.
    pub fn new(path: impl Into<String>, text: impl Into<String>) -> Self {
        let text = text.into();
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        let path: String = path.into();
        Source {
            file: Arc::from(path.as_str()),
            path,
            text,
            line_starts,
            last_line: AtomicUsize::new(0),
        }
    }

    /// The path as locations hold it (shared, cheap to clone).
    pub fn file(&self) -> Arc<str> {
        // Guards against `path` having been changed after construction (it is public).
        if *self.file == *self.path {
            self.file.clone()
        } else {
            Arc::from(self.path.as_str())
        }
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (u32, u32) {
        let offset = offset.min(self.text.len());
        let starts = &self.line_starts;
        // Line `l` holds the offsets from its start up to the next line's start.
        let holds = |l: usize| {
            starts.get(l).is_some_and(|&s| s <= offset)
                && starts.get(l + 1).is_none_or(|&next| offset < next)
        };
        let last = self.last_line.load(Ordering::Relaxed);
        let line = if holds(last) {
            last
        } else if holds(last + 1) {
            last + 1
        } else {
            match starts.binary_search(&offset) {
                Ok(i) => i,
                Err(i) => i - 1,
            }
        };
        self.last_line.store(line, Ordering::Relaxed);
        let start = self.line_starts[line];
        let col = char_count(&self.text[start..offset]) + 1;
        (line as u32 + 1, col as u32)
    }

    /// The location of a span: its start, underlining up to the end of that line.
    pub fn location(&self, span: Span) -> Location {
        let (line, column) = self.line_col(span.start as usize);
        let start = span.start as usize;
        let end = (span.end as usize).clamp(start, self.text.len());
        // Byte-wise: a char-pattern `find` decoded every character (this runs for every
        // attribute of every resource).
        let first_line_end = self.text.as_bytes()[start..end]
            .iter()
            .position(|&b| b == b'\n' || b == b'\r')
            .map_or(end, |i| start + i);
        let len = char_count(&self.text[start..first_line_end]).max(1) as u32;
        Location {
            file: self.file(),
            line,
            column,
            len,
        }
    }
}

/// Characters in `s`; ASCII (nearly all manifest text) without decoding.
fn char_count(s: &str) -> usize {
    if s.is_ascii() {
        s.len()
    } else {
        s.chars().count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_characters_across_crlf() {
        let s = Source::new("t.pp", "a\r\nbé c\n");
        assert_eq!(s.line_col(0), (1, 1));
        assert_eq!(s.line_col(3), (2, 1));
        // 'c' is after a two-byte 'é'.
        assert_eq!(s.line_col(7), (2, 4));
        assert_eq!(s.location(Span::new(3, 9)).len, 4);
    }

    #[test]
    fn lines_are_found_in_any_order_of_look_ups() {
        let text = "a\nbb\n\nccc\nd";
        let s = Source::new("t.pp", text);
        let want = |o: usize| {
            let line = text[..o].matches('\n').count() + 1;
            let col = o - text[..o].rfind('\n').map_or(0, |i| i + 1) + 1;
            (line as u32, col as u32)
        };
        // Forwards, backwards and jumping: the remembered line must never be trusted
        // for an offset outside it.
        let order: Vec<usize> = (0..=text.len())
            .chain((0..=text.len()).rev())
            .chain([0, 11, 3, 7, 2, 10, 6])
            .collect();
        for o in order {
            assert_eq!(s.line_col(o), want(o), "offset {o}");
        }
    }
}
