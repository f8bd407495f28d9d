//! Quoting rules: single-quoted text, double-quoted escapes and heredoc escape flags.

/// An unrecognised escape: byte offset of the backslash (relative to the text given)
/// and the sequence as written.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct BadEscape {
    pub offset: usize,
    pub seq: String,
}

/// Single-quoted: only `\\` and `\'` are escapes; every other backslash is literal.
pub(crate) fn unquote_single(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.peek() {
                Some('\\') | Some('\'') => {
                    if let Some(n) = chars.next() {
                        out.push(n);
                    }
                }
                _ => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Which escapes are active. Double-quoted strings have all of them; heredocs only those
/// named by their flags.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Escapes {
    t: bool,
    r: bool,
    n: bool,
    s: bool,
    u: bool,
    newline: bool,
    dollar: bool,
    quotes: bool,
    any: bool,
}

impl Escapes {
    /// Everything a double-quoted string understands.
    pub(crate) fn double_quoted() -> Self {
        Escapes {
            t: true,
            r: true,
            n: true,
            s: true,
            u: true,
            newline: true,
            dollar: true,
            quotes: true,
            any: true,
        }
    }

    /// From heredoc flags (`t r n s u L $`); empty means no escapes at all.
    pub(crate) fn heredoc(flags: &str) -> Self {
        Escapes {
            t: flags.contains('t'),
            r: flags.contains('r'),
            n: flags.contains('n'),
            s: flags.contains('s'),
            u: flags.contains('u'),
            newline: flags.contains('L'),
            dollar: flags.contains('$'),
            quotes: false,
            any: !flags.is_empty(),
        }
    }

    /// Whether `\$` is an escape (so `$` after a backslash does not interpolate).
    pub(crate) fn dollar(&self) -> bool {
        self.dollar
    }
}

/// Process escapes in a run of double-quoted (or heredoc) text.
pub(crate) fn unescape(raw: &str, esc: Escapes, bad: &mut Vec<BadEscape>) -> String {
    if !esc.any || !raw.contains('\\') {
        return raw.to_string();
    }
    let mut out = String::with_capacity(raw.len());
    let mut iter = raw.char_indices().peekable();
    while let Some((i, c)) = iter.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some(&(_, n)) = iter.peek() else {
            out.push('\\');
            break;
        };
        let simple = match n {
            '\\' => Some('\\'),
            '$' if esc.dollar => Some('$'),
            '"' | '\'' if esc.quotes => Some(n),
            'n' if esc.n => Some('\n'),
            'r' if esc.r => Some('\r'),
            't' if esc.t => Some('\t'),
            's' if esc.s => Some(' '),
            _ => None,
        };
        if let Some(ch) = simple {
            iter.next();
            out.push(ch);
            continue;
        }
        if esc.newline && (n == '\n' || n == '\r') {
            iter.next();
            if n == '\r' {
                if let Some(&(_, '\n')) = iter.peek() {
                    iter.next();
                }
            }
            continue;
        }
        if n == 'u' && esc.u {
            let rest = &raw[i + 2..];
            if let Some((ch, used)) = unicode_escape(rest) {
                iter.next();
                for _ in 0..used {
                    iter.next();
                }
                out.push(ch);
                continue;
            }
        }
        // Unknown: keep the backslash, and the character is read normally next.
        if !(n == '\n' || n == '\r') {
            bad.push(BadEscape {
                offset: i,
                seq: format!("\\{n}"),
            });
        }
        out.push('\\');
    }
    out
}

/// `XXXX` or `{X..}` after `\u`: the character and how many chars were used.
fn unicode_escape(rest: &str) -> Option<(char, usize)> {
    if let Some(inner) = rest.strip_prefix('{') {
        let close = inner.find('}')?;
        let hex = &inner[..close];
        if hex.is_empty() || hex.len() > 6 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        let ch = char::from_u32(u32::from_str_radix(hex, 16).ok()?)?;
        return Some((ch, close + 2));
    }
    let hex = rest.get(..4)?;
    if !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let ch = char::from_u32(u32::from_str_radix(hex, 16).ok()?)?;
    Some((ch, 4))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_quotes_keep_other_backslashes() {
        assert_eq!(unquote_single(r"a\nb\\c\'d"), "a\\nb\\c'd");
    }

    #[test]
    fn double_quote_escapes() {
        let mut bad = Vec::new();
        let s = unescape(
            "\\t\\n\\$uri\\s\\u263A\\u{1F600}\\q\\\nx",
            Escapes::double_quoted(),
            &mut bad,
        );
        assert_eq!(s, "\t\n$uri \u{263A}\u{1F600}\\qx");
        assert_eq!(bad.len(), 1);
        assert_eq!(bad[0].seq, "\\q");
    }
}
