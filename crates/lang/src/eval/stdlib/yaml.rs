//! YAML as Ruby's Psych writes it (`to_yaml`): block style, two-space indentation,
//! sequences in mappings not indented, Psych's choice of quoting for each string.

use super::rs;
use crate::eval::value::Val;

/// `data.to_yaml`: the document with its `---` header.
pub(crate) fn to_yaml(v: &Val) -> String {
    let mut out = String::from("---");
    node(v, 0, Ctx::Top, &mut out);
    out
}

#[derive(Clone, Copy, PartialEq)]
enum Ctx {
    /// After `---`.
    Top,
    /// After `key:`.
    MapValue,
    /// After `-`.
    SeqItem,
}

fn node(v: &Val, indent: usize, ctx: Ctx, out: &mut String) {
    match v {
        Val::Hash(h) if !h.is_empty() => {
            let inner = match ctx {
                Ctx::Top => 0,
                Ctx::MapValue | Ctx::SeqItem => indent + 2,
            };
            for (i, (k, x)) in h.iter().enumerate() {
                if i == 0 && ctx == Ctx::SeqItem {
                    out.push(' ');
                } else {
                    out.push('\n');
                    out.push_str(&" ".repeat(inner));
                }
                out.push_str(&scalar(&k.0, inner));
                out.push(':');
                node(x, inner, Ctx::MapValue, out);
            }
        }
        Val::Array(a) if !a.is_empty() => {
            let inner = match ctx {
                Ctx::Top => 0,
                Ctx::MapValue => indent,
                Ctx::SeqItem => indent + 2,
            };
            for (i, x) in a.iter().enumerate() {
                if i == 0 && ctx == Ctx::SeqItem {
                    out.push(' ');
                } else {
                    out.push('\n');
                    out.push_str(&" ".repeat(inner));
                }
                out.push('-');
                node(x, inner, Ctx::SeqItem, out);
            }
        }
        v => {
            let s = scalar(v, indent);
            if !s.is_empty() {
                out.push(' ');
                out.push_str(&s);
            }
        }
    }
    if ctx == Ctx::Top {
        out.push('\n');
    }
}

/// A scalar's text, with the indentation its continuation lines need.
fn scalar(v: &Val, indent: usize) -> String {
    match v {
        Val::Undef => String::new(),
        Val::Bool(b) => b.to_string(),
        Val::Int(_) | Val::Float(_) => rs(v),
        Val::Hash(_) => "{}".into(),
        Val::Array(_) => "[]".into(),
        Val::Str(s) => string(s, indent),
        v => string(&rs(v), indent),
    }
}

/// Psych's `visit_String` and libyaml's checks of the style it asks for.
fn string(s: &str, indent: usize) -> String {
    let nl_inside = s.trim_end_matches('\n').contains('\n') || s.ends_with("\n\n");
    if nl_inside {
        if s.ends_with("\n\n") || special(s) || s.lines().any(|l| l.ends_with(' ')) {
            return double(s);
        }
        return literal(s, indent);
    }
    if s == "<<" {
        return "!!str '<<'".into();
    }
    if s == "y" || s == "n" {
        return double(s);
    }
    if s.starts_with(|c: char| !(c.is_alphanumeric() || c == '_')) && !s.contains('"') {
        return double(s);
    }
    if !resolves_as_string(s) || octalish_89(s) {
        return single(s, indent);
    }
    if special(s) {
        return double(s);
    }
    if !plain_allowed(s) {
        return single(s, indent);
    }
    fold(s, indent)
}

/// Characters libyaml will not write outside double quotes.
fn special(s: &str) -> bool {
    s.chars()
        .any(|c| (c < ' ' && c != '\n') || c == '\u{7f}' || c == '\u{feff}')
}

/// `/\A0[0-7]*[89]/`.
fn octalish_89(s: &str) -> bool {
    let Some(rest) = s.strip_prefix('0') else {
        return false;
    };
    let t = rest.trim_start_matches(|c: char| ('0'..='7').contains(&c));
    t.starts_with(['8', '9'])
}

/// Whether Psych's `ScalarScanner#tokenize` reads the text back as a string.
fn resolves_as_string(s: &str) -> bool {
    if s.is_empty() {
        return false;
    }
    if s.starts_with(|c: char| c.is_ascii_alphabetic() || c == '~') {
        if s.len() > 5 {
            return true;
        }
        let l = s.to_lowercase();
        return !matches!(
            l.as_str(),
            "~" | "null" | "yes" | "true" | "on" | "no" | "false" | "off"
        );
    }
    let re = |p: &str| converge_rubyre::Regex::cached(p).is_ok_and(|r| r.is_match(s));
    let time = r"^-?\d{4}-\d{1,2}-\d{1,2}(?:[Tt]|\s+)\d{1,2}:\d\d:\d\d(?:\.\d*)?(?:\s*(?:Z|[-+]\d{1,2}:?(?:\d\d)?))?$";
    let date = r"^\d{4}-(?:1[012]|0\d|\d)-(?:[12]\d|3[01]|0\d|\d)$";
    let special_float = r"^(?:\+?\.inf|-\.inf|\.nan)$";
    let sym = r"^:.";
    let sexa = r"^[-+]?[0-9][0-9_]*(:[0-5]?[0-9]){1,2}(\.[0-9_]*)?$";
    let float = r"^(?:[-+]?([0-9][0-9_,]*)?\.[0-9]*([eE][-+][0-9]+)?|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN))$";
    let int = r"^(?:[-+]?0b[0-1_,]+|[-+]?0[0-7_,]+|[-+]?(?:0|[1-9](?:[0-9]|,[0-9]|_[0-9])*)|[-+]?0x[0-9a-fA-F_,]+)$";
    if s.len() == 1 && !s.starts_with(|c: char| c.is_ascii_digit()) {
        return s != "~";
    }
    let lower = s.to_lowercase();
    if re(time) || re(date) || re(sexa) || re(int) || re(sym) {
        return false;
    }
    if converge_rubyre::Regex::cached(special_float).is_ok_and(|r| r.is_match(&lower)) {
        return false;
    }
    if re(float) {
        // `+.` and `.` stay strings.
        return matches!(s, "." | "+." | "-.");
    }
    true
}

/// libyaml's test for a plain scalar in block context.
fn plain_allowed(s: &str) -> bool {
    if s.starts_with(' ') || s.ends_with(' ') || s.ends_with(':') {
        return false;
    }
    if s.contains(": ") || s.contains(" #") || s.contains('\n') {
        return false;
    }
    let first = s.chars().next().unwrap_or(' ');
    if ",[]{}#&*!|>'\"%@`".contains(first) {
        return false;
    }
    if "-?:".contains(first) && (s.len() == 1 || s[1..].starts_with(' ')) {
        return false;
    }
    true
}

/// A plain scalar, folded at libyaml's 80 columns (on spaces).
fn fold(s: &str, indent: usize) -> String {
    let mut out = String::new();
    let mut column = indent + 2;
    let words: Vec<&str> = s.split(' ').collect();
    for (i, w) in words.iter().enumerate() {
        if i > 0 {
            if column > 80 && !w.is_empty() {
                out.push('\n');
                out.push_str(&" ".repeat(indent + 2));
                column = indent + 2;
            } else {
                out.push(' ');
                column += 1;
            }
        }
        out.push_str(w);
        column += w.chars().count();
    }
    out
}

fn single(s: &str, indent: usize) -> String {
    let mut out = String::from("'");
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => out.push_str("''"),
            '\n' => {
                out.push('\n');
                while chars.peek() == Some(&'\n') {
                    chars.next();
                    out.push('\n');
                }
                out.push('\n');
                out.push_str(&" ".repeat(indent + 2));
            }
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

fn double(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\0' => out.push_str("\\0"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{b}' => out.push_str("\\v"),
            '\u{c}' => out.push_str("\\f"),
            '\u{1b}' => out.push_str("\\e"),
            c if c < ' ' || c == '\u{7f}' => out.push_str(&format!("\\x{:02X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A literal block (`|`, `|-` without the final newline).
fn literal(s: &str, indent: usize) -> String {
    let chomp = if s.ends_with('\n') { "" } else { "-" };
    let mut out = format!("|{chomp}");
    for line in s.trim_end_matches('\n').split('\n') {
        out.push('\n');
        if !line.is_empty() {
            out.push_str(&" ".repeat(indent + 2));
            out.push_str(line);
        }
    }
    out
}
