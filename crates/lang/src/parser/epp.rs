//! EPP templates, rewritten into the manifest language the way Puppet does it: template
//! text becomes an `EppText` statement and `<%= e %>` an `EppRender(e)`, so a block opened
//! in one tag (`<% $xs.each |$x| { -%>`) can close in a later one.
//!
//! The rewrite keeps every byte offset: code inside tags is copied in place, text runs
//! become one U+0001 marker followed by spaces (their content is kept aside, keyed by
//! offset), `<%=` becomes U+0002 and its `%>` U+0003, other delimiters become blanks.

use crate::ast::Span;
use std::collections::HashMap;

/// A template rewritten as code.
pub(crate) struct Rewritten {
    /// Code of the same byte length as the template.
    pub code: String,
    /// Template text by the offset of its marker.
    pub texts: HashMap<usize, String>,
}

/// Rewrite a template; an unclosed tag is an error at its opening.
pub(crate) fn rewrite(tpl: &str) -> Result<Rewritten, (Span, String)> {
    let bytes = tpl.as_bytes();
    let mut code = vec![b' '; bytes.len()];
    // Keep line structure so `#` comments inside code tags end where they should.
    for (i, b) in bytes.iter().enumerate() {
        if *b == b'\n' {
            code[i] = b'\n';
        }
    }
    let mut texts = HashMap::new();
    let mut pos = 0;
    let mut trim_next_newline = false;
    let mut first_tag = true;
    while pos <= bytes.len() {
        // Collect a text run up to the next real tag.
        let seg_start = pos;
        let mut text = String::new();
        let mut tag_at = None;
        let mut i = pos;
        if trim_next_newline {
            // Puppet's `sub!(/^[ \t]*\r?(?:\n|\z)?/, '')`: the blanks after `-%>` go too,
            // with or without the line break (`deb <% } -%> <%= $location %>` has one space).
            while tpl[i..].starts_with([' ', '\t']) {
                i += 1;
            }
            if tpl[i..].starts_with("\r\n") {
                i += 2;
            } else if tpl[i..].starts_with(['\r', '\n']) {
                i += 1;
            }
        }
        let mut run_start = i;
        while i < bytes.len() {
            if tpl[i..].starts_with("<%%") || tpl[i..].starts_with("%%>") {
                text.push_str(&tpl[run_start..i]);
                text.push_str(if tpl[i..].starts_with("<%%") {
                    "<%"
                } else {
                    "%>"
                });
                i += 3;
                run_start = i;
                continue;
            }
            if tpl[i..].starts_with("<%") {
                tag_at = Some(i);
                break;
            }
            i += 1;
            while i < bytes.len() && !tpl.is_char_boundary(i) {
                i += 1;
            }
        }
        text.push_str(&tpl[run_start..i]);
        let Some(open) = tag_at else {
            emit_text(&mut code, &mut texts, seg_start, text);
            break;
        };
        let mut after_open = open + 2;
        let trim_left = tpl[after_open..].starts_with('-');
        if trim_left {
            after_open += 1;
            let kept = text.trim_end_matches([' ', '\t']);
            if kept.is_empty() || kept.ends_with('\n') {
                text.truncate(kept.len());
            }
        }
        let kind = match bytes.get(after_open) {
            Some(b'=') => {
                after_open += 1;
                Kind::Render
            }
            Some(b'#') => Kind::Comment,
            _ => Kind::Code,
        };
        let close_at = if kind == Kind::Comment {
            tpl[after_open..].find("%>")
        } else {
            find_tag_end(&tpl[after_open..])
        };
        let Some(close_rel) = close_at else {
            return Err((
                Span::new(open, after_open),
                "Unbalanced epp tag: reached the end of the template without a closing '%>'"
                    .to_string(),
            ));
        };
        let mut close = after_open + close_rel;
        let trim_right = close > after_open && bytes[close - 1] == b'-';
        if trim_right {
            close -= 1;
        }
        let is_params = first_tag
            && kind == Kind::Code
            && text.trim().is_empty()
            && tpl[after_open..close].trim_start().starts_with('|');
        if is_params {
            text.clear();
        }
        first_tag = false;
        emit_text(&mut code, &mut texts, seg_start, text);
        match kind {
            Kind::Comment => {}
            Kind::Render | Kind::Code => {
                code[after_open..close].copy_from_slice(&bytes[after_open..close]);
                if kind == Kind::Render {
                    code[open] = 0x02;
                    code[close] = 0x03;
                } else {
                    // A `#` comment in the tag must end at the tag.
                    code[close] = b'\n';
                }
            }
        }
        pos = close + if trim_right { 3 } else { 2 };
        trim_next_newline = trim_right;
        if pos >= bytes.len() {
            break;
        }
    }
    // Only ASCII bytes were written over whole characters, and code was copied whole.
    let code = String::from_utf8(code).map_err(|_| {
        (
            Span::new(0, 0),
            "template is not valid UTF-8 after rewriting".to_string(),
        )
    })?;
    Ok(Rewritten { code, texts })
}

/// Where `%>` closes a code tag, skipping quoted strings (`<%= "100%>" %>`).
fn find_tag_end(code: &str) -> Option<usize> {
    let bytes = code.as_bytes();
    let mut quote: Option<u8> = None;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match quote {
            Some(q) => {
                if b == b'\\' {
                    i += 1;
                } else if b == q {
                    quote = None;
                }
            }
            None => {
                if b == b'%' && bytes.get(i + 1) == Some(&b'>') {
                    return Some(i);
                }
                if b == b'\'' || b == b'"' {
                    quote = Some(b);
                }
            }
        }
        i += 1;
    }
    // An unbalanced quote: fall back to the first `%>`, so the error is about the code.
    code.find("%>")
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Render,
    Code,
    Comment,
}

fn emit_text(code: &mut [u8], texts: &mut HashMap<usize, String>, at: usize, text: String) {
    if text.is_empty() || at >= code.len() {
        return;
    }
    code[at] = 0x01;
    texts.insert(at, text);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_are_kept() {
        let tpl = "a <%= $x %> b\n<% if $y { -%>\nc\n<% } -%>\n";
        let r = rewrite(tpl)
            .map_err(|e| e.1)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.code.len(), tpl.len());
        assert_eq!(r.texts[&0], "a ");
        assert!(r.code.contains("$x"));
        assert_eq!(r.texts.values().filter(|t| t.as_str() == "c\n").count(), 1);
    }
}
