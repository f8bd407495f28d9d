//! Ruby regexps on the `regex` crate: Ruby's syntax translated where the meaning is the
//! same (`^`/`$` are line anchors, `\d`/`\w`/`\s` are ASCII, `/m` is dot-all, `{` that is
//! no quantifier is literal), and refused where the `regex` crate cannot match it
//! (look-around, back-references, atomic groups, possessive quantifiers).

use crate::value::Regexp;

/// Ruby's option bits from literal flags (`i` 1, `x` 2, `m` 4).
pub(crate) fn options(flags: &str) -> u32 {
    let mut o = 0;
    for c in flags.chars() {
        match c {
            'i' => o |= 1,
            'x' => o |= 2,
            'm' => o |= 4,
            _ => {}
        }
    }
    o
}

/// Compile a Ruby regexp; the error names what cannot be translated.
pub(crate) fn compile(source: &str, options: u32) -> Result<Regexp, String> {
    let (pattern, names) = translate(source)?;
    let mut flags = String::from("m");
    if options & 1 != 0 {
        flags.push('i');
    }
    if options & 2 != 0 {
        flags.push('x');
    }
    if options & 4 != 0 {
        flags.push('s');
    }
    let full = format!("(?{flags}){pattern}");
    let re = regex::Regex::new(&full)
        .map_err(|e| format!("the regexp /{source}/ ({})", first_line(&e.to_string())))?;
    Ok(Regexp {
        source: source.to_string(),
        options,
        re,
        names,
    })
}

fn first_line(s: &str) -> &str {
    s.lines().last().unwrap_or(s).trim()
}

/// Ruby's `Regexp.escape`.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\u{c}' => out.push_str("\\f"),
            '\u{b}' => out.push_str("\\v"),
            ' ' => out.push_str("\\ "),
            '[' | ']' | '{' | '}' | '(' | ')' | '|' | '-' | '*' | '.' | '\\' | '?' | '+' | '^'
            | '$' | '#' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

fn is_meta(c: char) -> bool {
    "\\.+*?()|[]{}^$#&-~ ".contains(c)
}

fn push_literal(out: &mut String, c: char) {
    if is_meta(c) {
        out.push('\\');
    }
    out.push(c);
}

/// A valid quantifier `{n}`, `{n,}`, `{n,m}` or `{,m}` at the start of `s`: its length
/// and its `regex` spelling.
fn quantifier(s: &str) -> Option<(usize, String)> {
    let end = s.find('}')?;
    let body = &s[1..end];
    let ok = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    let spelled = match body.split_once(',') {
        None if !body.is_empty() && ok(body) => format!("{{{body}}}"),
        Some((a, b)) if ok(a) && ok(b) && !(a.is_empty() && b.is_empty()) => {
            let a = if a.is_empty() { "0" } else { a };
            format!("{{{a},{b}}}")
        }
        _ => return None,
    };
    Some((end + 1, spelled))
}

/// Translate Ruby regexp syntax; returns the pattern and the capture names by index.
fn translate(src: &str) -> Result<(String, Vec<Option<String>>), String> {
    let unsupported = |what: &str| Err(format!("{what} in the regexp /{src}/"));
    let mut out = String::with_capacity(src.len() + 16);
    let mut names: Vec<Option<String>> = vec![None];
    let mut class_depth = 0usize;
    let mut i = 0;
    let b = src.as_bytes();
    while i < src.len() {
        let c = src[i..].chars().next().unwrap_or('\0');
        let len = c.len_utf8();
        if c == '\\' {
            let Some(n) = src[i + 1..].chars().next() else {
                return unsupported("a trailing backslash");
            };
            let nl = n.len_utf8();
            let in_class = class_depth > 0;
            let mapped: Option<&str> = match n {
                'd' => Some(if in_class { "[:digit:]" } else { "[[:digit:]]" }),
                'D' => Some(if in_class {
                    "[:^digit:]"
                } else {
                    "[[:^digit:]]"
                }),
                'w' => Some(if in_class { "[:word:]" } else { "[[:word:]]" }),
                'W' => Some(if in_class { "[:^word:]" } else { "[[:^word:]]" }),
                's' => Some(if in_class { "[:space:]" } else { "[[:space:]]" }),
                'S' => Some(if in_class {
                    "[:^space:]"
                } else {
                    "[[:^space:]]"
                }),
                'h' => Some(if in_class {
                    "[:xdigit:]"
                } else {
                    "[[:xdigit:]]"
                }),
                'H' => Some(if in_class {
                    "[:^xdigit:]"
                } else {
                    "[[:^xdigit:]]"
                }),
                'b' if !in_class => Some("(?-u:\\b)"),
                'B' if !in_class => Some("(?-u:\\B)"),
                'A' => Some("\\A"),
                'z' => Some("\\z"),
                'n' => Some("\\n"),
                't' => Some("\\t"),
                'r' => Some("\\r"),
                'f' => Some("\\x0C"),
                'v' => Some("\\x0B"),
                'e' => Some("\\x1B"),
                'a' => Some("\\x07"),
                _ => None,
            };
            if let Some(m) = mapped {
                out.push_str(m);
                i += 1 + nl;
                continue;
            }
            match n {
                'Z' => return unsupported("\\Z"),
                'G' | 'K' | 'R' | 'X' | 'g' | 'k' => {
                    return unsupported(&format!("\\{n}"));
                }
                '1'..='9' => return unsupported("back-references"),
                'b' if class_depth > 0 => {
                    out.push_str("\\x08");
                    i += 2;
                }
                'x' => {
                    let hex: String = src[i + 2..]
                        .chars()
                        .take(2)
                        .take_while(|c| c.is_ascii_hexdigit())
                        .collect();
                    if hex.is_empty() {
                        return unsupported("an empty \\x escape");
                    }
                    out.push_str(&format!("\\x{{{hex}}}"));
                    i += 2 + hex.len();
                }
                'u' => {
                    if src[i + 2..].starts_with('{') {
                        let end = src[i + 2..].find('}').map(|e| i + 2 + e);
                        let Some(end) = end else {
                            return unsupported("an unterminated \\u{}");
                        };
                        for h in src[i + 3..end].split_whitespace() {
                            out.push_str(&format!("\\x{{{h}}}"));
                        }
                        i = end + 1;
                    } else {
                        let hex: String = src[i + 2..].chars().take(4).collect();
                        if hex.len() != 4 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
                            return unsupported("a \\u escape");
                        }
                        out.push_str(&format!("\\x{{{hex}}}"));
                        i += 6;
                    }
                }
                '0' => {
                    let oct: String = src[i + 1..]
                        .chars()
                        .take(3)
                        .take_while(|c| ('0'..='7').contains(c))
                        .collect();
                    let v = u32::from_str_radix(&oct, 8).unwrap_or(0);
                    out.push_str(&format!("\\x{{{v:x}}}"));
                    i += 1 + oct.len();
                }
                'p' | 'P' => {
                    out.push('\\');
                    out.push(n);
                    i += 2;
                }
                'c' | 'C' | 'M' => return unsupported("control escapes"),
                n if n.is_ascii_alphanumeric() => {
                    // Ruby reads an unknown escape as the letter itself.
                    push_literal(&mut out, n);
                    i += 1 + nl;
                }
                n => {
                    push_literal(&mut out, n);
                    i += 1 + nl;
                }
            }
            continue;
        }
        if class_depth > 0 {
            match c {
                '[' => {
                    if src[i..].starts_with("[:") {
                        // A POSIX bracket: copied as it is.
                        if let Some(e) = src[i..].find(":]") {
                            out.push_str(&src[i..i + e + 2]);
                            i += e + 2;
                            continue;
                        }
                    }
                    class_depth += 1;
                    out.push('[');
                    i += 1;
                    if b.get(i) == Some(&b'^') {
                        out.push('^');
                        i += 1;
                    }
                    if b.get(i) == Some(&b']') {
                        out.push_str("\\]");
                        i += 1;
                    }
                }
                ']' => {
                    class_depth -= 1;
                    out.push(']');
                    i += 1;
                }
                '&' if src[i..].starts_with("&&") => {
                    out.push_str("&&");
                    i += 2;
                }
                '-' => {
                    out.push('-');
                    i += 1;
                }
                '^' | '~' | '&' | '#' | ' ' | '{' | '}' | '(' | ')' | '|' | '.' | '*' | '+'
                | '?' | '$' => {
                    out.push('\\');
                    out.push(c);
                    i += 1;
                }
                c => {
                    out.push(c);
                    i += len;
                }
            }
            continue;
        }
        match c {
            '[' => {
                class_depth = 1;
                out.push('[');
                i += 1;
                if b.get(i) == Some(&b'^') {
                    out.push('^');
                    i += 1;
                }
                if b.get(i) == Some(&b']') {
                    out.push_str("\\]");
                    i += 1;
                }
            }
            '(' => {
                let rest = &src[i..];
                if rest.starts_with("(?#") {
                    let Some(e) = rest.find(')') else {
                        return unsupported("an unterminated comment group");
                    };
                    i += e + 1;
                } else if rest.starts_with("(?=")
                    || rest.starts_with("(?!")
                    || rest.starts_with("(?<=")
                    || rest.starts_with("(?<!")
                {
                    return unsupported("look-around");
                } else if rest.starts_with("(?>") {
                    return unsupported("atomic groups");
                } else if rest.starts_with("(?~") {
                    return unsupported("absent operators");
                } else if rest.starts_with("(?<")
                    || rest.starts_with("(?'")
                    || rest.starts_with("(?P<")
                {
                    let open = if rest.starts_with("(?P<") { 4 } else { 3 };
                    let close = if rest.starts_with("(?'") { '\'' } else { '>' };
                    let Some(e) = rest[open..].find(close) else {
                        return unsupported("an unterminated group name");
                    };
                    let name = &rest[open..open + e];
                    names.push(Some(name.to_string()));
                    out.push_str(&format!("(?P<{name}>"));
                    i += open + e + 1;
                } else if let Some(inner) = rest.strip_prefix("(?") {
                    // Inline options: Ruby's m is dot-all (the `regex` crate's s).
                    let end = inner.find([':', ')']).map_or(rest.len(), |e| e + 2);
                    let flags = &rest[2..end];
                    if !flags.chars().all(|c| matches!(c, 'i' | 'm' | 'x' | '-')) {
                        return unsupported("this group");
                    }
                    out.push_str("(?");
                    out.push_str(&flags.replace('m', "s"));
                    i += end;
                } else {
                    names.push(None);
                    out.push('(');
                    i += 1;
                }
            }
            '{' => match quantifier(&src[i..]) {
                Some((n, q)) => {
                    out.push_str(&q);
                    i += n;
                    if matches!(b.get(i), Some(b'+')) {
                        return unsupported("possessive quantifiers");
                    }
                }
                None => {
                    out.push_str("\\{");
                    i += 1;
                }
            },
            '}' => {
                out.push_str("\\}");
                i += 1;
            }
            '*' | '+' | '?' => {
                out.push(c);
                i += 1;
                if c != '?' && b.get(i) == Some(&b'+') {
                    return unsupported("possessive quantifiers");
                }
                if c == '?'
                    && i >= 2
                    && matches!(b[i - 2], b'*' | b'+' | b'?' | b'}')
                    && b.get(i) == Some(&b'+')
                {
                    return unsupported("possessive quantifiers");
                }
            }
            c => {
                out.push(c);
                i += len;
            }
        }
    }
    if class_depth > 0 {
        return unsupported("an unterminated character class");
    }
    Ok((out, names))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(re: &str, opts: u32, s: &str) -> bool {
        compile(re, opts).unwrap().re.is_match(s)
    }

    #[test]
    fn ruby_semantics() {
        assert!(m("^b$", 0, "a\nb\nc"));
        assert!(!m("\\w", 0, "é"));
        assert!(m("a.b", 4, "a\nb"));
        assert!(!m("a.b", 0, "a\nb"));
        assert!(m("a{", 0, "a{"));
        assert!(m("x{,2}y", 0, "xxy"));
        assert!(m("TRUE|yes", 1, "true"));
        assert!(m("^[A-Za-z][A-Za-z0-9\\.-]+$", 0, "web-01.example"));
        assert!(m(
            "^((\\d+)\\.(\\d+)\\.(\\d+)\\.(\\d+))?(.*)",
            0,
            "10.0.0.1:80"
        ));
        assert!(compile("(?=x)", 0).is_err());
        assert!(compile("(a)\\1", 0).is_err());
    }

    #[test]
    fn escape_is_ruby_regexp_escape() {
        assert_eq!(
            escape("a.b*c?\n\t x-y[z]{1}(2)|^$#/\\ é"),
            "a\\.b\\*c\\?\\n\\t\\ x\\-y\\[z\\]\\{1\\}\\(2\\)\\|\\^\\$\\#/\\\\\\ é"
        );
    }
}
