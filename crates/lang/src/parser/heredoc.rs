//! Heredocs: a pre-pass that finds every `@(TAG)` head, cuts its body out of the text
//! the grammar sees (replacing it with spaces, so byte offsets stay the same), and keeps
//! the body for the lowering step.
//!
//! Why a pre-pass: a heredoc's text starts on the line after its head while the rest of
//! the head's line goes on being code (`content => @(EOT),`), which a PEG cannot express.
//! The scanner knows just enough of the lexical structure (comments, quoted strings,
//! `${}` inside strings) not to mistake `@(` inside them for a heredoc.

use std::collections::HashMap;

/// A heredoc found by the pre-pass.
#[derive(Debug, Clone)]
pub(crate) struct Heredoc {
    /// Whether the tag was quoted (`@("END")`): the body interpolates.
    pub interpolate: bool,
    /// Escape flags given after `/` (`t r n s u L $`; `\\` is implied by any flag).
    pub escapes: String,
    /// The body after margin stripping and `-` trimming.
    pub text: String,
    /// For each byte run of `text`, where it came from: `(text offset, source offset)`.
    pub map: Vec<(usize, usize)>,
}

/// A problem found while scanning heredocs.
#[derive(Debug, Clone)]
pub(crate) struct HeredocError {
    /// Byte offset of the head.
    pub start: usize,
    /// Byte offset after the head.
    pub end: usize,
    /// What is wrong.
    pub message: String,
}

/// The outcome of the pre-pass.
#[derive(Debug, Default)]
pub(crate) struct Prepared {
    /// The text for the grammar (heredoc bodies blanked), same length as the input.
    pub text: String,
    /// Heredocs by the byte offset of their `@(`.
    pub heredocs: HashMap<usize, Heredoc>,
    /// The first problem, if any.
    pub error: Option<HeredocError>,
    /// Where a quoted string opened that never closed, if the scan ended inside one.
    pub unclosed_quote: Option<usize>,
    /// Where a `${` inside a string opened that never closed, if any.
    pub unclosed_interpolation: Option<usize>,
    /// Deepest nesting of brackets, braces and parentheses seen.
    pub max_depth: usize,
    /// Where that deepest level opened.
    pub deepest_at: usize,
    /// Offsets where a new top-level statement surely starts, about every [`CHUNK`] bytes.
    pub splits: Vec<usize>,
}

#[derive(Clone, Copy, PartialEq)]
enum State {
    Code,
    Sq,
    Dq,
}

/// A table of the bytes a state of [`prepare`]'s scan merely steps over: all but `special`
/// (and the newline, where a heredoc body may start).
const fn boring(special: &[u8]) -> [bool; 256] {
    let mut t = [true; 256];
    t[b'\n' as usize] = false;
    let mut k = 0;
    while k < special.len() {
        t[special[k] as usize] = false;
        k += 1;
    }
    t
}

const CODE_BORING: [bool; 256] = boring(b"#/'\"[()]{}@");
const SQ_BORING: [bool; 256] = boring(b"\\'");
const DQ_BORING: [bool; 256] = boring(b"\\\"$");

/// Scan `text`, cutting out heredoc bodies.
pub(crate) fn prepare(text: &str) -> Prepared {
    let bytes = text.as_bytes();
    let mut out: Option<Vec<u8>> = None;
    let mut heredocs = HashMap::new();
    // Each entry is a string or `${` context: Code frames count open braces.
    let mut stack: Vec<(State, usize, usize)> = vec![(State::Code, 0, 0)];
    let mut nesting = 0usize;
    let mut max_depth = 0usize;
    let mut deepest_at = 0usize;
    // Where the next heredoc body on the current line starts (after an earlier one's end).
    let mut resume: Option<usize> = None;
    let mut splits: Vec<usize> = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let Some(&(state, depth, _)) = stack.last() else {
            break;
        };
        // Skip the run of bytes this state does nothing with but step over (most of a
        // manifest): one table look-up each instead of the whole match below.
        let boring = match state {
            State::Code => &CODE_BORING,
            State::Sq => &SQ_BORING,
            State::Dq => &DQ_BORING,
        };
        while i < bytes.len() && boring[usize::from(bytes[i])] {
            i += 1;
        }
        if i >= bytes.len() {
            break;
        }
        let b = bytes[i];
        if b == b'\n' {
            if let Some(r) = resume.take() {
                i = r;
                continue;
            }
        }
        match state {
            State::Code => match b {
                b'#' => {
                    while i < bytes.len() && bytes[i] != b'\n' {
                        i += 1;
                    }
                    continue;
                }
                b'/' if bytes.get(i + 1) == Some(&b'*') => {
                    i += 2;
                    while i + 1 < bytes.len() && !(bytes[i] == b'*' && bytes[i + 1] == b'/') {
                        i += 1;
                    }
                    i += 2;
                    continue;
                }
                b'\'' => stack.push((State::Sq, 0, i)),
                b'"' => stack.push((State::Dq, 0, i)),
                b'[' | b'(' => {
                    nesting += 1;
                    if nesting > max_depth {
                        max_depth = nesting;
                        deepest_at = i;
                    }
                }
                b']' | b')' => nesting = nesting.saturating_sub(1),
                b'{' => {
                    nesting += 1;
                    if nesting > max_depth {
                        max_depth = nesting;
                        deepest_at = i;
                    }
                    if let Some(top) = stack.last_mut() {
                        top.1 += 1;
                    }
                }
                b'}' => {
                    nesting = nesting.saturating_sub(1);
                    if nesting == 0
                        && stack.len() == 1
                        && resume.is_none()
                        && i + 1 >= splits.last().copied().unwrap_or(0) + CHUNK
                    {
                        if let Some(at) = split_after(text, i + 1) {
                            splits.push(at);
                        }
                    }
                    if depth == 0 && stack.len() > 1 {
                        stack.pop();
                    } else if let Some(top) = stack.last_mut() {
                        top.1 = top.1.saturating_sub(1);
                    }
                }
                b'@' if bytes.get(i + 1) == Some(&b'(') => {
                    let head = match parse_head(text, i) {
                        Ok(h) => h,
                        Err(Some((end, message))) => {
                            return Prepared {
                                text: text.to_string(),
                                heredocs,
                                error: Some(HeredocError {
                                    start: i,
                                    end,
                                    message,
                                }),
                                unclosed_quote: None,
                                unclosed_interpolation: None,
                                max_depth,
                                deepest_at,
                                splits,
                            };
                        }
                        Err(None) => None,
                    };
                    if let Some(head) = head {
                        let body_start = match resume {
                            Some(r) => r,
                            None => match text[i..].find('\n') {
                                Some(n) => i + n + 1,
                                None => text.len(),
                            },
                        };
                        match find_end(text, body_start, &head.tag) {
                            Some(end) => {
                                let doc = build(text, body_start, &end, &head);
                                let buf = out.get_or_insert_with(|| bytes.to_vec());
                                for b in &mut buf[body_start..end.after] {
                                    if *b != b'\n' {
                                        *b = b' ';
                                    }
                                }
                                heredocs.insert(i, doc);
                                resume = Some(end.after);
                                i = head.end;
                                continue;
                            }
                            None => {
                                return Prepared {
                                    text: text.to_string(),
                                    heredocs,
                                    error: Some(HeredocError {
                                        start: i,
                                        end: head.end,
                                        message: format!(
                                            "Heredoc without end-tagged line: no line '{}' (or '| {}', '|- {}') closes '{}'",
                                            head.tag,
                                            head.tag,
                                            head.tag,
                                            &text[i..head.end]
                                        ),
                                    }),
                                    unclosed_quote: None,
                                    unclosed_interpolation: None,
                                    max_depth,
                                    deepest_at,
                                    splits,
                                };
                            }
                        }
                    }
                }
                _ => {}
            },
            State::Sq => match b {
                b'\\' => i += 1,
                b'\'' => {
                    stack.pop();
                }
                _ => {}
            },
            State::Dq => match b {
                b'\\' => i += 1,
                b'"' => {
                    stack.pop();
                }
                b'$' if bytes.get(i + 1) == Some(&b'{') => {
                    stack.push((State::Code, 0, i));
                    nesting += 1;
                    if nesting > max_depth {
                        max_depth = nesting;
                        deepest_at = i;
                    }
                    i += 2;
                    continue;
                }
                _ => {}
            },
        }
        i += 1;
    }
    if text.starts_with('\u{FEFF}') {
        let buf = out.get_or_insert_with(|| bytes.to_vec());
        buf[..3].copy_from_slice(b"   ");
    }
    let text = match out {
        // Only ASCII spaces replaced whole lines' bytes, but a multi-byte character may
        // have been cut: the replaced range always covers whole lines, so it is valid.
        Some(buf) => String::from_utf8(buf)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
        None => text.to_string(),
    };
    // The outermost open string is the likely culprit; an open `${` inside it even more.
    let unclosed_interpolation = stack
        .iter()
        .skip(1)
        .find(|(s, _, _)| *s == State::Code)
        .map(|&(_, _, at)| at);
    let unclosed_quote = stack
        .iter()
        .find(|(s, _, _)| *s != State::Code)
        .map(|&(_, _, at)| at);
    Prepared {
        text,
        heredocs,
        error: None,
        unclosed_quote,
        unclosed_interpolation,
        max_depth,
        deepest_at,
        splits,
    }
}

/// Rough size of the pieces a big manifest is parsed in: pest keeps a token queue for
/// the whole input it parses, so parsing piecewise bounds that memory.
const CHUNK: usize = 64 * 1024;

/// Whether a top-level `}` ending just before `at` certainly ends a statement, so that
/// parsing may restart after its line: the line has nothing more, and the next one starts
/// a new statement (a name, reference, variable or `@`), not `else`, `elsif`, an operator
/// or an arrow continuing the statement.
fn split_after(text: &str, at: usize) -> Option<usize> {
    let rest = &text[at..];
    let nl = rest.find('\n')?;
    if !rest[..nl]
        .bytes()
        .all(|b| b == b' ' || b == b'\t' || b == b'\r')
    {
        return None;
    }
    let next_start = at + nl + 1;
    let next = text[next_start..].trim_start_matches([' ', '\t', '\r', '\n']);
    let first = next.bytes().next()?;
    if !(first.is_ascii_alphabetic() || first == b'$' || first == b'@') {
        return None;
    }
    let word: String = next
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    if matches!(
        word.as_str(),
        "else" | "elsif" | "and" | "or" | "in" | "inherits"
    ) {
        return None;
    }
    Some(next_start)
}

struct Head {
    tag: String,
    interpolate: bool,
    escapes: String,
    end: usize,
}

/// Parse `@( "TAG" :syntax /flags )` at `at`. `Ok(None)`-like `Err(None)`: not a head
/// at all (no `)` on the line); `Err(Some(..))`: a head with a problem.
fn parse_head(text: &str, at: usize) -> Result<Option<Head>, Option<(usize, String)>> {
    let rest = &text[at + 2..];
    let Some(close) = rest.find([')', '\n']) else {
        return Err(None);
    };
    if rest.as_bytes()[close] != b')' {
        return Err(None);
    }
    let end = at + 2 + close + 1;
    let inner = rest[..close].trim();
    let (spec, flags) = match inner.split_once('/') {
        Some((s, f)) => (s.trim(), Some(f.trim())),
        None => (inner, None),
    };
    let spec = match spec.split_once(':') {
        Some((s, _syntax)) => s.trim(),
        None => spec,
    };
    let (tag, interpolate) = if spec.len() >= 2 && spec.starts_with('"') && spec.ends_with('"') {
        (&spec[1..spec.len() - 1], true)
    } else {
        (spec, false)
    };
    if tag.is_empty() || tag.contains('"') {
        return Err(Some((
            end,
            format!(
                "Invalid heredoc tag in '{}': expected @(TAG) or @(\"TAG\")",
                &text[at..end]
            ),
        )));
    }
    let escapes = match flags {
        None => String::new(),
        Some("") => "trnsuL$".to_string(),
        Some(f) => f.to_string(),
    };
    if let Some(bad) = escapes.chars().find(|c| !"trnsuL$".contains(*c)) {
        return Err(Some((
            end,
            format!("Invalid heredoc escape char. Only t, r, n, s, u, L, $ allowed. Got '{bad}'"),
        )));
    }
    Ok(Some(Head {
        tag: tag.to_string(),
        interpolate,
        escapes,
        end,
    }))
}

struct End {
    /// Start of the end-tag line.
    line_start: usize,
    /// After the end-tag line (and its newline).
    after: usize,
    margin: usize,
    trim: bool,
}

fn find_end(text: &str, from: usize, tag: &str) -> Option<End> {
    let mut pos = from;
    while pos < text.len() {
        let line_end = text[pos..].find('\n').map_or(text.len(), |n| pos + n);
        let line = text[pos..line_end].trim_end_matches('\r');
        let indent = line.len() - line.trim_start_matches([' ', '\t']).len();
        let mut rest = &line[indent..];
        let mut margin = 0;
        if let Some(r) = rest.strip_prefix('|') {
            margin = indent;
            rest = r.trim_start_matches([' ', '\t']);
        }
        let mut trim = false;
        if let Some(r) = rest.strip_prefix('-') {
            trim = true;
            rest = r.trim_start_matches([' ', '\t']);
        }
        if rest.trim_end_matches([' ', '\t']) == tag {
            let after = if line_end < text.len() {
                line_end + 1
            } else {
                line_end
            };
            return Some(End {
                line_start: pos,
                after,
                margin,
                trim,
            });
        }
        pos = line_end + 1;
    }
    None
}

fn build(text: &str, body_start: usize, end: &End, head: &Head) -> Heredoc {
    let body_end = end.line_start.max(body_start);
    let mut out = String::new();
    let mut map = Vec::new();
    let mut pos = body_start;
    while pos < body_end {
        let line_end = text[pos..body_end]
            .find('\n')
            .map_or(body_end, |n| pos + n + 1);
        let line = &text[pos..line_end];
        let strip = line
            .bytes()
            .take(end.margin)
            .take_while(|b| *b == b' ' || *b == b'\t')
            .count();
        map.push((out.len(), pos + strip));
        out.push_str(&line[strip..]);
        pos = line_end;
    }
    if end.trim {
        if out.ends_with("\r\n") {
            out.truncate(out.len() - 2);
        } else if out.ends_with('\n') {
            out.truncate(out.len() - 1);
        }
    }
    if map.is_empty() {
        map.push((0, body_start));
    }
    Heredoc {
        interpolate: head.interpolate,
        escapes: head.escapes.clone(),
        text: out,
        map,
    }
}

/// Map an offset into a heredoc's text back to the source.
pub(crate) fn map_offset(map: &[(usize, usize)], off: usize) -> usize {
    let i = match map.binary_search_by(|(t, _)| t.cmp(&off)) {
        Ok(i) => i,
        Err(0) => 0,
        Err(i) => i - 1,
    };
    let (t, s) = map[i];
    s + off.saturating_sub(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_is_blanked_and_margin_stripped() {
        let src = "$a = @(END)\n  one\n    two\n  | END\n$b = 1\n";
        let p = prepare(src);
        assert!(p.error.is_none());
        assert_eq!(p.text.len(), src.len());
        assert!(p.text.contains("$b = 1"));
        assert!(!p.text.contains("one"));
        assert_eq!(p.heredocs[&5].text, "one\n  two\n");
    }

    #[test]
    fn missing_end_is_reported() {
        let p = prepare("$a = @(END)\nxx\n");
        assert!(p.error.is_some());
    }
}
