//! stdlib's string and encoding functions: escaping, booleans as strings, JSON, YAML,
//! base64, paths and the small text helpers.

use super::{args3, exactly, need1, ri, rs, ruby_class};
use crate::ast::{Lambda, Span};
use crate::eval::types::{self, Ty};
use crate::eval::value::Val;
use crate::eval::{Compiler, R};

fn s_ty() -> Ty {
    types::from_name("String").unwrap_or(Ty::Any)
}

/// Apply a string function to a string or to the strings of an array.
fn each_str(
    c: &mut Compiler,
    name: &str,
    args: Vec<Val>,
    span: Span,
    f: impl Fn(&str) -> String,
) -> R<Val> {
    let args = args3(args);
    need1(c, name, &args, span)?;
    match &args[0] {
        Val::Str(s) => Ok(Val::Str(f(s))),
        Val::Array(a) => Ok(Val::Array(
            a.iter()
                .map(|v| {
                    if let Val::Str(s) = v {
                        Val::Str(f(s))
                    } else {
                        v.clone()
                    }
                })
                .collect(),
        )),
        _ => Err(c.stdlib_err(
            format!("{name}(): Requires either array or string to work with"),
            span,
        )),
    }
}

/// Ruby's `Regexp.escape`.
fn regexp_escape(s: &str) -> String {
    let mut out = String::new();
    for ch in s.chars() {
        match ch {
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\u{c}' => out.push_str("\\f"),
            '\u{b}' => out.push_str("\\v"),
            ' ' => out.push_str("\\ "),
            '.' | '*' | '?' | '+' | '^' | '$' | '|' | '(' | ')' | '[' | ']' | '{' | '}' | '\\'
            | '-' | '#' => {
                out.push('\\');
                out.push(ch);
            }
            c => out.push(c),
        }
    }
    out
}

pub(super) fn regexpescape(
    c: &mut Compiler,
    args: Vec<Val>,
    _: Option<&Lambda>,
    span: Span,
) -> R<Val> {
    each_str(c, "regexpescape", args, span, regexp_escape)
}

/// Ruby's `Shellwords.escape`.
pub(crate) fn shellescape(s: &str) -> String {
    if s.is_empty() {
        return "''".into();
    }
    let mut out = String::new();
    for ch in s.chars() {
        if ch == '\n' {
            out.push_str("'\n'");
        } else if ch.is_ascii_alphanumeric() || "_-.,:+/@".contains(ch) {
            out.push(ch);
        } else {
            out.push('\\');
            out.push(ch);
        }
    }
    out
}

pub(super) fn shell_escape(
    c: &mut Compiler,
    args: Vec<Val>,
    _: Option<&Lambda>,
    span: Span,
) -> R<Val> {
    c.arity4("shell_escape", &args, 1, 1, span)?;
    Ok(Val::Str(shellescape(&rs(&args[0]))))
}

pub(super) fn shell_join(
    c: &mut Compiler,
    args: Vec<Val>,
    _: Option<&Lambda>,
    span: Span,
) -> R<Val> {
    let args = args3(args);
    exactly(c, "shell_join", &args, 1, true, span)?;
    match &args[0] {
        Val::Array(a) => Ok(Val::Str(
            a.iter()
                .map(|v| shellescape(&rs(v)))
                .collect::<Vec<_>>()
                .join(" "),
        )),
        v => Err(c.stdlib_err(format!("First argument is not an Array: {}", ri(v)), span)),
    }
}

/// Ruby's `Shellwords.split`.
fn shellsplit(line: &str) -> Result<Vec<String>, String> {
    let cs: Vec<char> = line.chars().collect();
    let mut words = Vec::new();
    let mut field = String::new();
    let mut in_field = false;
    let mut i = 0;
    while i < cs.len() {
        let ch = cs[i];
        if ch.is_whitespace() {
            if in_field {
                words.push(std::mem::take(&mut field));
                in_field = false;
            }
            i += 1;
            continue;
        }
        in_field = true;
        match ch {
            '\'' => {
                let Some(end) = cs[i + 1..].iter().position(|&c| c == '\'') else {
                    return Err(format!("Unmatched quote: {}", ri(&Val::Str(line.into()))));
                };
                field.extend(&cs[i + 1..i + 1 + end]);
                i += end + 2;
            }
            '"' => {
                let mut j = i + 1;
                let mut closed = false;
                while j < cs.len() {
                    match cs[j] {
                        '"' => {
                            closed = true;
                            break;
                        }
                        '\\' if j + 1 < cs.len() => {
                            if "$`\"\\\n".contains(cs[j + 1]) {
                                field.push(cs[j + 1]);
                            } else {
                                field.push('\\');
                                field.push(cs[j + 1]);
                            }
                            j += 2;
                            continue;
                        }
                        c => field.push(c),
                    }
                    j += 1;
                }
                if !closed {
                    return Err(format!("Unmatched quote: {}", ri(&Val::Str(line.into()))));
                }
                i = j + 1;
            }
            '\\' => {
                if let Some(&n) = cs.get(i + 1) {
                    if n != '\n' {
                        field.push(n);
                    }
                }
                i += 2;
            }
            c => {
                field.push(c);
                i += 1;
            }
        }
    }
    if in_field {
        words.push(field);
    }
    Ok(words)
}

pub(super) fn shell_split(
    c: &mut Compiler,
    args: Vec<Val>,
    _: Option<&Lambda>,
    span: Span,
) -> R<Val> {
    let args = args3(args);
    exactly(c, "shell_split", &args, 1, true, span)?;
    match shellsplit(&rs(&args[0])) {
        Ok(w) => Ok(Val::Array(w.into_iter().map(Val::Str).collect())),
        Err(e) => Err(c.stdlib_err(e, span)),
    }
}

pub(super) fn str2bool(c: &mut Compiler, args: Vec<Val>, _: Option<&Lambda>, span: Span) -> R<Val> {
    let args = args3(args);
    need1(c, "str2bool", &args, span)?;
    match &args[0] {
        Val::Bool(b) => Ok(Val::Bool(*b)),
        Val::Str(s) => match s.to_lowercase().as_str() {
            "" => Ok(Val::Bool(false)),
            "1" | "t" | "y" | "true" | "yes" => Ok(Val::Bool(true)),
            "0" | "f" | "n" | "false" | "no" => Ok(Val::Bool(false)),
            _ if s == "undef" || s == "undefined" => Ok(Val::Bool(false)),
            _ => Err(c.stdlib_err("str2bool(): Unknown type of boolean given", span)),
        },
        _ => Err(c.stdlib_err("str2bool(): Requires string to work with", span)),
    }
}

pub(super) fn bool2str(c: &mut Compiler, args: Vec<Val>, _: Option<&Lambda>, span: Span) -> R<Val> {
    let args = args3(args);
    if args.len() != 1 && args.len() != 3 {
        return Err(c.stdlib_err(
            format!(
                "bool2str(): Wrong number of arguments given ({} for 3)",
                args.len()
            ),
            span,
        ));
    }
    let Val::Bool(b) = args[0] else {
        return Err(c.stdlib_err("bool2str(): Requires a boolean to work with", span));
    };
    let pick = |i: usize, d: &str| match args.get(i) {
        None => Some(d.to_string()),
        Some(Val::Str(s)) => Some(s.clone()),
        Some(_) => None,
    };
    match (pick(1, "true"), pick(2, "false")) {
        (Some(t), Some(f)) => Ok(Val::Str(if b { t } else { f })),
        _ => Err(c.stdlib_err("bool2str(): Requires strings to convert to", span)),
    }
}

pub(super) fn bool2num(c: &mut Compiler, args: Vec<Val>, _: Option<&Lambda>, span: Span) -> R<Val> {
    let args = args3(args);
    need1(c, "bool2num", &args, span)?;
    let b = str2bool(c, vec![args[0].clone()], None, span)?;
    Ok(Val::Int(i64::from(b == Val::Bool(true))))
}

/// Ruby's JSON text of a string.
fn json_str(s: &str) -> String {
    let mut out = String::from("\"");
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Layout of Ruby's `JSON.generate` / `pretty_generate`.
struct JsonStyle {
    indent: String,
    space: String,
    space_before: String,
    object_nl: String,
    array_nl: String,
}

fn json(v: &Val, st: &JsonStyle, depth: usize, out: &mut String) {
    match v {
        Val::Undef => out.push_str("null"),
        Val::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Val::Int(_) | Val::Float(_) => out.push_str(&rs(v)),
        Val::Str(s) => out.push_str(&json_str(s)),
        Val::Array(a) => {
            out.push('[');
            out.push_str(&st.array_nl);
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                    out.push_str(&st.array_nl);
                }
                out.push_str(&st.indent.repeat(depth + 1));
                json(x, st, depth + 1, out);
            }
            out.push_str(&st.array_nl);
            out.push_str(&st.indent.repeat(depth));
            out.push(']');
        }
        Val::Hash(h) => {
            out.push('{');
            out.push_str(&st.object_nl);
            for (i, (k, x)) in h.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                    out.push_str(&st.object_nl);
                }
                out.push_str(&st.indent.repeat(depth + 1));
                out.push_str(&json_str(&rs(&k.0)));
                out.push_str(&st.space_before);
                out.push(':');
                out.push_str(&st.space);
                json(x, st, depth + 1, out);
            }
            if !h.is_empty() {
                out.push_str(&st.object_nl);
            }
            out.push_str(&st.indent.repeat(depth));
            out.push('}');
        }
        Val::Sensitive(_) => out.push_str(&json_str("Sensitive [value redacted]")),
        v => out.push_str(&json_str(&rs(v))),
    }
}

pub(super) fn to_json(c: &mut Compiler, args: Vec<Val>, _: Option<&Lambda>, span: Span) -> R<Val> {
    c.arity4("to_json", &args, 1, 1, span)?;
    let st = JsonStyle {
        indent: String::new(),
        space: String::new(),
        space_before: String::new(),
        object_nl: String::new(),
        array_nl: String::new(),
    };
    let mut out = String::new();
    json(&args[0], &st, 0, &mut out);
    Ok(Val::Str(out))
}

pub(super) fn to_json_pretty(
    c: &mut Compiler,
    args: Vec<Val>,
    _: Option<&Lambda>,
    span: Span,
) -> R<Val> {
    c.arity4("to_json_pretty", &args, 1, 3, span)?;
    if !matches!(args[0], Val::Hash(_) | Val::Array(_)) {
        return Err(c.stdlib_err(
            format!(
                "'to_json_pretty' parameter 'data' expects a value of type Hash or Array, got {}",
                args[0].type_name()
            ),
            span,
        ));
    }
    let skip_undef = match args.get(1) {
        None | Some(Val::Undef) => false,
        Some(Val::Bool(b)) => *b,
        Some(v) => {
            return Err(c.stdlib_err(
                format!("'to_json_pretty' parameter 'skip_undef' expects a value of type Undef or Boolean, got {}", v.type_name()),
                span,
            ))
        }
    };
    let mut st = JsonStyle {
        indent: "  ".into(),
        space: " ".into(),
        space_before: String::new(),
        object_nl: "\n".into(),
        array_nl: "\n".into(),
    };
    if let Some(Val::Hash(o)) = args.get(2) {
        for (k, v) in o {
            let v = match v {
                Val::Str(s) => s.clone(),
                _ => continue,
            };
            match k.text().as_str() {
                "indent" => st.indent = v,
                "space" => st.space = v,
                "space_before" => st.space_before = v,
                "object_nl" => st.object_nl = v,
                "array_nl" => st.array_nl = v,
                _ => {}
            }
        }
    }
    let data = match (&args[0], skip_undef) {
        (Val::Array(a), true) => Val::Array(a.iter().filter(|v| !v.is_undef()).cloned().collect()),
        (Val::Hash(h), true) => Val::Hash(
            h.iter()
                .filter(|(_, v)| !v.is_undef())
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        ),
        (v, _) => v.clone(),
    };
    let mut out = String::new();
    json(&data, &st, 0, &mut out);
    out.push('\n');
    Ok(Val::Str(out))
}

pub(super) fn to_yaml(c: &mut Compiler, args: Vec<Val>, _: Option<&Lambda>, span: Span) -> R<Val> {
    c.arity4("to_yaml", &args, 1, 2, span)?;
    Ok(Val::Str(super::yaml::to_yaml(&args[0])))
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn b64_decode(s: &str, strict: bool, urlsafe: bool) -> Option<Vec<u8>> {
    let mut vals = Vec::new();
    let body = s.trim_end_matches('=');
    let pad = s.len() - body.len();
    for b in body.bytes() {
        let b = match (urlsafe, b) {
            (true, b'-') => b'+',
            (true, b'_') => b'/',
            (_, b) => b,
        };
        match B64.iter().position(|&x| x == b) {
            Some(p) => vals.push(p as u32),
            None if strict => return None,
            None => {}
        }
    }
    if strict && (pad > 2 || !(vals.len() + pad).is_multiple_of(4)) {
        return None;
    }
    let mut out = Vec::new();
    for chunk in vals.chunks(4) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, v)| acc | (v << (18 - 6 * i)));
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        let take = match chunk.len() {
            4 => 3,
            3 => 2,
            2 => 1,
            _ => {
                if strict {
                    return None;
                }
                0
            }
        };
        out.extend_from_slice(&bytes[..take]);
    }
    Some(out)
}

pub(super) fn base64(c: &mut Compiler, args: Vec<Val>, _: Option<&Lambda>, span: Span) -> R<Val> {
    let args = args3(args);
    if args.len() < 2 {
        return Err(c.stdlib_err(
            format!(
                "base64(): Wrong number of arguments ({}; must be >= 2)",
                args.len()
            ),
            span,
        ));
    }
    let action = match &args[0] {
        Val::Str(s) if s == "encode" || s == "decode" => s.clone(),
        _ => {
            return Err(c.stdlib_err(
                "base64(): the first argument must be one of 'encode' or 'decode'",
                span,
            ))
        }
    };
    let Val::Str(text) = &args[1] else {
        return Err(c.stdlib_err(
            "base64(): the second argument must be a string to base64",
            span,
        ));
    };
    let method = match args.get(2) {
        None => "default".to_string(),
        Some(Val::Str(m)) if ["default", "strict", "urlsafe"].contains(&m.as_str()) => m.clone(),
        Some(_) => {
            return Err(c.stdlib_err(
                "base64(): the third argument must be one of 'default', 'strict', or 'urlsafe'",
                span,
            ))
        }
    };
    if action == "encode" {
        let enc = crate::eval::format::base64(text.as_bytes());
        return Ok(Val::Str(match method.as_str() {
            "strict" => enc,
            "urlsafe" => enc.replace('+', "-").replace('/', "_"),
            _ => {
                let mut out = String::new();
                for chunk in enc.as_bytes().chunks(60) {
                    out.push_str(&String::from_utf8_lossy(chunk));
                    out.push('\n');
                }
                out
            }
        }));
    }
    match b64_decode(text, method == "strict", method == "urlsafe") {
        Some(b) => Ok(Val::Str(String::from_utf8_lossy(&b).into_owned())),
        None => Err(c.stdlib_err("invalid base64", span)),
    }
}

/// Ruby's `File.basename(path)`.
pub(crate) fn file_basename(p: &str) -> String {
    let t = p.trim_end_matches('/');
    if t.is_empty() {
        return if p.is_empty() {
            String::new()
        } else {
            "/".into()
        };
    }
    t.rsplit('/').next().unwrap_or(t).to_string()
}

/// Ruby's `File.dirname(path)`.
pub(crate) fn file_dirname(p: &str) -> String {
    let t = p.trim_end_matches('/');
    if t.is_empty() {
        return if p.starts_with('/') {
            "/".into()
        } else {
            ".".into()
        };
    }
    match t.rfind('/') {
        None => ".".into(),
        Some(i) => {
            let d = t[..i].trim_end_matches('/');
            if d.is_empty() {
                "/".into()
            } else {
                d.to_string()
            }
        }
    }
}

pub(super) fn basename(c: &mut Compiler, args: Vec<Val>, _: Option<&Lambda>, span: Span) -> R<Val> {
    let args = args3(args);
    if args.is_empty() {
        return Err(c.stdlib_err("basename(): No arguments given", span));
    }
    if args.len() > 2 {
        return Err(c.stdlib_err(
            format!("basename(): Too many arguments given ({})", args.len()),
            span,
        ));
    }
    let Val::Str(p) = &args[0] else {
        return Err(c.stdlib_err("basename(): Requires string as first argument", span));
    };
    let base = file_basename(p);
    match args.get(1) {
        None => Ok(Val::Str(base)),
        Some(Val::Str(suffix)) => {
            if suffix == ".*" {
                if let Some(i) = base.rfind('.').filter(|&i| i > 0) {
                    return Ok(Val::Str(base[..i].to_string()));
                }
                return Ok(Val::Str(base));
            }
            match base.strip_suffix(suffix.as_str()) {
                Some(b) if !b.is_empty() => Ok(Val::Str(b.to_string())),
                _ => Ok(Val::Str(base)),
            }
        }
        Some(_) => Err(c.stdlib_err("basename(): Requires string as second argument", span)),
    }
}

pub(super) fn dirname(c: &mut Compiler, args: Vec<Val>, _: Option<&Lambda>, span: Span) -> R<Val> {
    let args = args3(args);
    if args.is_empty() {
        return Err(c.stdlib_err("dirname(): No arguments given", span));
    }
    if args.len() > 1 {
        return Err(c.stdlib_err(
            format!("dirname(): Too many arguments given ({})", args.len()),
            span,
        ));
    }
    match &args[0] {
        Val::Str(s) if s.is_empty() => {
            Err(c.stdlib_err("dirname(): Requires a non-empty string as argument", span))
        }
        Val::Str(s) => Ok(Val::Str(file_dirname(s))),
        _ => Err(c.stdlib_err("dirname(): Requires string as argument", span)),
    }
}

pub(super) fn swapcase(c: &mut Compiler, args: Vec<Val>, _: Option<&Lambda>, span: Span) -> R<Val> {
    each_str(c, "swapcase", args, span, |s| {
        s.chars()
            .flat_map(|ch| -> Vec<char> {
                if ch.is_uppercase() {
                    ch.to_lowercase().collect()
                } else if ch.is_lowercase() {
                    ch.to_uppercase().collect()
                } else {
                    vec![ch]
                }
            })
            .collect()
    })
}

/// Ruby's `String#squeeze(set)` for a plain set of characters (no ranges).
fn squeeze_str(s: &str, set: Option<&str>) -> String {
    let mut out = String::new();
    let mut last: Option<char> = None;
    for ch in s.chars() {
        if last == Some(ch) && set.is_none_or(|set| set.contains(ch)) {
            continue;
        }
        out.push(ch);
        last = Some(ch);
    }
    out
}

pub(super) fn squeeze(c: &mut Compiler, args: Vec<Val>, _: Option<&Lambda>, span: Span) -> R<Val> {
    let args = args3(args);
    if args.len() != 1 && args.len() != 2 {
        return Err(c.stdlib_err(
            format!(
                "squeeze(): Wrong number of arguments given {} for 2 or 1",
                args.len()
            ),
            span,
        ));
    }
    let set = match args.get(1) {
        Some(v) if v.truthy() => Some(rs(v)),
        _ => None,
    };
    let f = |v: &Val| -> Option<Val> {
        match v {
            Val::Str(s) => Some(Val::Str(squeeze_str(s, set.as_deref()))),
            _ => None,
        }
    };
    let bad = |c: &mut Compiler, v: &Val| {
        c.stdlib_err(
            format!("undefined method `squeeze' for {}:{}", ri(v), ruby_class(v)),
            span,
        )
    };
    match &args[0] {
        Val::Array(a) => {
            let mut out = Vec::new();
            for v in a {
                match f(v) {
                    Some(x) => out.push(x),
                    None => return Err(bad(c, v)),
                }
            }
            Ok(Val::Array(out))
        }
        v => match f(v) {
            Some(x) => Ok(x),
            None => Err(bad(c, v)),
        },
    }
}

pub(super) fn dos2unix(c: &mut Compiler, args: Vec<Val>, _: Option<&Lambda>, span: Span) -> R<Val> {
    match args3(args).first() {
        Some(Val::Str(s)) => Ok(Val::Str(s.replace("\r\n", "\n"))),
        _ => Err(c.stdlib_err("dos2unix(): Requires string as argument", span)),
    }
}

pub(super) fn unix2dos(c: &mut Compiler, args: Vec<Val>, _: Option<&Lambda>, span: Span) -> R<Val> {
    match args3(args).first() {
        Some(Val::Str(s)) => Ok(Val::Str(s.replace("\r\n", "\n").replace('\n', "\r\n"))),
        _ => Err(c.stdlib_err("unix2dos(): Requires string as argument", span)),
    }
}

pub(super) fn uriescape(
    c: &mut Compiler,
    args: Vec<Val>,
    _: Option<&Lambda>,
    span: Span,
) -> R<Val> {
    each_str(c, "uriescape", args, span, |s| {
        let mut out = String::new();
        for b in s.bytes() {
            if b.is_ascii_alphanumeric() || b"-_.!~*'();/?:@&=+$,[]".contains(&b) {
                out.push(b as char);
            } else {
                out.push_str(&format!("%{b:02X}"));
            }
        }
        out
    })
}

/// Ruby's `String#to_f`: the longest leading float, else 0.
fn ruby_to_f(s: &str) -> f64 {
    let t = s.trim_start();
    let mut best = 0.0;
    for end in (1..=t.len()).rev() {
        if !t.is_char_boundary(end) {
            continue;
        }
        if let Ok(f) = t[..end].parse::<f64>() {
            if t[..end]
                .bytes()
                .all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b))
            {
                best = f;
                break;
            }
        }
    }
    best
}

pub(super) fn to_bytes(c: &mut Compiler, args: Vec<Val>, _: Option<&Lambda>, span: Span) -> R<Val> {
    let args = args3(args);
    exactly(c, "to_bytes", &args, 1, true, span)?;
    let s = match &args[0] {
        v @ (Val::Int(_) | Val::Float(_)) => return Ok(v.clone()),
        v => rs(v),
    };
    let num_len = s
        .bytes()
        .take_while(|b| b.is_ascii_digit() || b"e.+-".contains(b))
        .count();
    let (num, rest) = s.split_at(num_len);
    let rest = rest.trim_start();
    let prefix = rest.chars().next().filter(|&c| c != 'b' && c != 'B');
    let v = ruby_to_f(num);
    let shift = match prefix {
        None => 0,
        Some('k') => 10,
        Some('M') => 20,
        Some('G') => 30,
        Some('T') => 40,
        Some('P') => 50,
        Some('E') => 60,
        Some(p) => return Err(c.stdlib_err(format!("to_bytes(): Unknown prefix {p}"), span)),
    };
    Ok(Val::Int((v * (1u64 << shift) as f64) as i64))
}

pub(super) fn convert_base(
    c: &mut Compiler,
    args: Vec<Val>,
    _: Option<&Lambda>,
    span: Span,
) -> R<Val> {
    let args = args3(args);
    if args.len() != 2 {
        return Err(c.stdlib_err(
            format!(
                "convert_base(): Wrong number of arguments ({}; must be 2)",
                args.len()
            ),
            span,
        ));
    }
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    for (i, which) in [(0, "First"), (1, "Second")] {
        match &args[i] {
            Val::Int(_) => {}
            Val::Str(s) if digits(s) => {}
            Val::Str(_) => {
                return Err(c.stdlib_err(
                    "convert_base(): First argument must be an integer or a string corresponding to an integer in base 10",
                    span,
                ))
            }
            _ => {
                return Err(c.stdlib_err(
                    format!("convert_base(): {which} argument must be either a string or an integer"),
                    span,
                ))
            }
        }
    }
    let n = |v: &Val| match v {
        Val::Int(i) => *i,
        v => rs(v).parse().unwrap_or(0),
    };
    let (num, base) = (n(&args[0]), n(&args[1]));
    if !(2..=36).contains(&base) {
        return Err(c.stdlib_err(
            "convert_base(): base must be at least 2 and must not be greater than 36",
            span,
        ));
    }
    let mut x = num.unsigned_abs();
    let mut out = Vec::new();
    loop {
        out.push(std::char::from_digit((x % base as u64) as u32, base as u32).unwrap_or('?'));
        x /= base as u64;
        if x == 0 {
            break;
        }
    }
    if num < 0 {
        out.push('-');
    }
    Ok(Val::Str(out.into_iter().rev().collect()))
}

pub(super) fn clamp(c: &mut Compiler, args: Vec<Val>, _: Option<&Lambda>, span: Span) -> R<Val> {
    let mut flat = Vec::new();
    fn fl(v: Val, out: &mut Vec<Val>) {
        match v {
            Val::Array(a) => a.into_iter().for_each(|x| fl(x, out)),
            v => out.push(v),
        }
    }
    args3(args).into_iter().for_each(|v| fl(v, &mut flat));
    if flat.len() != 3 {
        return Err(c.stdlib_err(
            "clamp(): Wrong number of arguments, need three to clamp",
            span,
        ));
    }
    let mut nums = Vec::new();
    for v in &flat {
        match v {
            Val::Str(s) if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) => {
                return Err(c.stdlib_err(
                    format!("clamp(): Required explicit numeric ({s}:String)"),
                    span,
                ))
            }
            Val::Hash(_) => {
                return Err(c.stdlib_err(
                    format!("clamp(): The Hash type is not allowed ({})", rs(v)),
                    span,
                ))
            }
            Val::Str(s) => nums.push(s.parse::<i64>().unwrap_or(0)),
            Val::Int(i) => nums.push(*i),
            Val::Float(f) => nums.push(f.trunc() as i64),
            v => {
                return Err(c.stdlib_err(
                    format!("undefined method `to_i' for {}:{}", ri(v), ruby_class(v)),
                    span,
                ))
            }
        }
    }
    nums.sort();
    Ok(Val::Int(nums[1]))
}

/// An IP address as Ruby's `IPAddr.new` reads it (brackets and a prefix length allowed):
/// the address and the prefix length.
pub(crate) fn parse_ip(s: &str) -> Option<(std::net::IpAddr, u8)> {
    let (addr, prefix) = match s.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (s, None),
    };
    let addr = addr
        .strip_prefix('[')
        .and_then(|a| a.strip_suffix(']'))
        .unwrap_or(addr);
    let ip: std::net::IpAddr = addr.parse().ok()?;
    let max = if ip.is_ipv4() { 32 } else { 128 };
    let len = match prefix {
        None => max,
        Some(p) => match p.parse::<u8>() {
            Ok(n) if n <= max => n,
            _ => {
                // A netmask (`255.255.0.0`).
                let m: std::net::IpAddr = p.parse().ok()?;
                match m {
                    std::net::IpAddr::V4(m) => u32::from(m).count_ones() as u8,
                    std::net::IpAddr::V6(m) => u128::from(m).count_ones() as u8,
                }
            }
        },
    };
    Some((ip, len))
}

pub(super) fn enclose_ipv6(
    c: &mut Compiler,
    args: Vec<Val>,
    _: Option<&Lambda>,
    span: Span,
) -> R<Val> {
    let args = args3(args);
    exactly(c, "enclose_ipv6", &args, 1, false, span)?;
    let items = match &args[0] {
        Val::Str(_) => vec![args[0].clone()],
        Val::Array(a) => a.iter().filter(|v| !v.is_undef()).cloned().collect(),
        v => {
            return Err(c.stdlib_err(
                format!(
                    "enclose_ipv6(): Wrong argument type given {} expected String or Array",
                    ruby_class(v)
                ),
                span,
            ))
        }
    };
    let mut out: Vec<Val> = Vec::new();
    for v in items {
        let s = rs(&v);
        let r = if s == "*" {
            s
        } else {
            match parse_ip(&s) {
                Some((std::net::IpAddr::V6(ip), _)) => format!("[{ip}]"),
                Some(_) => s,
                None => {
                    return Err(c.stdlib_err(
                        format!("enclose_ipv6(): Wrong argument given {s} is not an ip address."),
                        span,
                    ))
                }
            }
        };
        if !out.contains(&Val::Str(r.clone())) {
            out.push(Val::Str(r));
        }
    }
    Ok(Val::Array(out))
}

/// `stdlib::start_with` and `stdlib::end_with`.
fn affix(c: &mut Compiler, name: &str, args: Vec<Val>, span: Span) -> R<Val> {
    c.arity4(name, &args, 2, 2, span)?;
    c.param4(name, "test_string", &s_ty(), &args[0], span)?;
    let ps = match &args[1] {
        Val::Str(p) if !p.is_empty() => vec![p.clone()],
        Val::Array(a)
            if !a.is_empty() && a.iter().all(|v| matches!(v, Val::Str(s) if !s.is_empty())) =>
        {
            a.iter().map(rs).collect()
        }
        v => {
            let which = if name.ends_with("start_with") {
                "prefixes"
            } else {
                "suffixes"
            };
            return Err(c.stdlib_err(
                format!(
                    "'{name}' parameter '{which}' expects a value of type String or Array, got {}",
                    v.type_name()
                ),
                span,
            ));
        }
    };
    let s = rs(&args[0]);
    Ok(Val::Bool(ps.iter().any(|p| {
        if name.ends_with("start_with") {
            s.starts_with(p.as_str())
        } else {
            s.ends_with(p.as_str())
        }
    })))
}

pub(super) fn start_with(
    c: &mut Compiler,
    args: Vec<Val>,
    _: Option<&Lambda>,
    span: Span,
) -> R<Val> {
    affix(c, "stdlib::start_with", args, span)
}

pub(super) fn end_with(c: &mut Compiler, args: Vec<Val>, _: Option<&Lambda>, span: Span) -> R<Val> {
    affix(c, "stdlib::end_with", args, span)
}

pub(super) fn extname(c: &mut Compiler, args: Vec<Val>, _: Option<&Lambda>, span: Span) -> R<Val> {
    c.arity4("stdlib::extname", &args, 1, 1, span)?;
    c.param4("stdlib::extname", "filename", &s_ty(), &args[0], span)?;
    let base = file_basename(&rs(&args[0]));
    let name = base.trim_start_matches('.');
    Ok(Val::Str(match name.rfind('.') {
        Some(i) => name[i..].to_string(),
        None => String::new(),
    }))
}

pub(super) fn xml_encode(
    c: &mut Compiler,
    args: Vec<Val>,
    _: Option<&Lambda>,
    span: Span,
) -> R<Val> {
    c.arity4("stdlib::xml_encode", &args, 1, 2, span)?;
    c.param4("stdlib::xml_encode", "str", &s_ty(), &args[0], span)?;
    let attr = match args.get(1) {
        None => false,
        Some(Val::Str(t)) if t == "text" => false,
        Some(Val::Str(t)) if t == "attr" => true,
        Some(v) => {
            return Err(c.stdlib_err(
                format!("'stdlib::xml_encode' parameter 'type' expects a match for Enum['attr', 'text'], got {}", ri(v).replace('"', "'")),
                span,
            ))
        }
    };
    let s = rs(&args[0]);
    let mut out = String::new();
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attr => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    Ok(Val::Str(if attr { format!("\"{out}\"") } else { out }))
}

/// Ruby's `inspect` of plain data, as `to_ruby` and `to_python` write scalars.
fn data_inspect(v: &Val) -> String {
    match v {
        Val::Str(_) | Val::Undef => ri(v),
        v => rs(v),
    }
}

fn to_lang(v: &Val, python: bool) -> String {
    match v {
        Val::Bool(true) if python => "True".into(),
        Val::Bool(false) if python => "False".into(),
        Val::Undef if python => "None".into(),
        Val::Array(a) => format!(
            "[{}]",
            a.iter()
                .map(|x| to_lang(x, python))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Val::Hash(h) => {
            let sep = if python { ": " } else { " => " };
            format!(
                "{{{}}}",
                h.iter()
                    .map(|(k, x)| format!("{}{sep}{}", to_lang(&k.0, python), to_lang(x, python)))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
        v => data_inspect(v),
    }
}

pub(super) fn to_python(
    c: &mut Compiler,
    args: Vec<Val>,
    _: Option<&Lambda>,
    span: Span,
) -> R<Val> {
    c.arity4("to_python", &args, 1, 1, span)?;
    Ok(Val::Str(to_lang(&args[0], true)))
}

pub(super) fn to_ruby(c: &mut Compiler, args: Vec<Val>, _: Option<&Lambda>, span: Span) -> R<Val> {
    c.arity4("to_ruby", &args, 1, 1, span)?;
    Ok(Val::Str(to_lang(&args[0], false)))
}

pub(super) fn batch_escape(
    c: &mut Compiler,
    args: Vec<Val>,
    _: Option<&Lambda>,
    span: Span,
) -> R<Val> {
    c.arity4("batch_escape", &args, 1, 1, span)?;
    let mut out = String::from("\"");
    for ch in rs(&args[0]).chars() {
        match ch {
            '"' => out.push_str("\"\""),
            '$' | '\\' => {
                out.push('\\');
                out.push(ch);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    Ok(Val::Str(out))
}

pub(super) fn powershell_escape(
    c: &mut Compiler,
    args: Vec<Val>,
    _: Option<&Lambda>,
    span: Span,
) -> R<Val> {
    c.arity4("powershell_escape", &args, 1, 1, span)?;
    let mut out = String::new();
    for ch in rs(&args[0]).chars() {
        match ch {
            ' ' | '\'' | '`' | '|' | '\n' | '$' => {
                out.push('`');
                out.push(ch);
            }
            '"' => out.push_str("\\`\""),
            c => out.push(c),
        }
    }
    Ok(Val::Str(out))
}

pub(super) fn parsejson(
    c: &mut Compiler,
    args: Vec<Val>,
    _: Option<&Lambda>,
    span: Span,
) -> R<Val> {
    let args = args3(args);
    if args.is_empty() {
        return Err(c.stdlib_err(
            "Wrong number of arguments. 1 or 2 arguments should be provided.",
            span,
        ));
    }
    let default = args.get(1).cloned();
    match serde_json::from_str::<serde_json::Value>(&rs(&args[0])) {
        Ok(serde_json::Value::Null) => Ok(default.unwrap_or(Val::Undef)),
        Ok(j) => Ok(from_json(&j)),
        Err(e) => match default {
            Some(d) => Ok(d),
            None => Err(c.stdlib_err(format!("parsejson(): {e}"), span)),
        },
    }
}

/// JSON as Puppet data (integers stay integers).
fn from_json(j: &serde_json::Value) -> Val {
    use serde_json::Value as J;
    match j {
        J::Null => Val::Undef,
        J::Bool(b) => Val::Bool(*b),
        J::Number(n) => match n.as_i64() {
            Some(i) => Val::Int(i),
            None => Val::Float(n.as_f64().unwrap_or(0.0)),
        },
        J::String(s) => Val::Str(s.clone()),
        J::Array(a) => Val::Array(a.iter().map(from_json).collect()),
        J::Object(o) => Val::Hash(
            o.iter()
                .map(|(k, v)| (crate::eval::value::Key::from(k.as_str()), from_json(v)))
                .collect(),
        ),
    }
}

/// HMAC-SHA512 under one key, its padded key blocks absorbed once (PBKDF2 runs it tens
/// of thousands of times).
struct HmacSha512 {
    inner: sha2::Sha512,
    outer: sha2::Sha512,
}

impl HmacSha512 {
    fn new(key: &[u8]) -> Self {
        use sha2::{Digest, Sha512};
        let mut k = [0u8; 128];
        if key.len() > 128 {
            k[..64].copy_from_slice(&Sha512::digest(key));
        } else {
            k[..key.len()].copy_from_slice(key);
        }
        let mut inner = Sha512::new();
        inner.update(k.map(|b| b ^ 0x36));
        let mut outer = Sha512::new();
        outer.update(k.map(|b| b ^ 0x5c));
        HmacSha512 { inner, outer }
    }

    fn mac(&self, msg: &[&[u8]]) -> [u8; 64] {
        use sha2::Digest;
        let mut inner = self.inner.clone();
        for m in msg {
            inner.update(m);
        }
        let mut outer = self.outer.clone();
        outer.update(inner.finalize());
        outer.finalize().into()
    }
}

/// PBKDF2 with HMAC-SHA512 (RFC 8018), `len` bytes.
fn pbkdf2_sha512(password: &[u8], salt: &[u8], iterations: u32, len: usize) -> Vec<u8> {
    let prf = HmacSha512::new(password);
    let mut out = Vec::with_capacity(len);
    let mut block = 1u32;
    while out.len() < len {
        let mut u = prf.mac(&[salt, &block.to_be_bytes()]);
        let mut t = u;
        for _ in 1..iterations {
            u = prf.mac(&[&u]);
            t.iter_mut().zip(u.iter()).for_each(|(a, b)| *a ^= b);
        }
        out.extend_from_slice(&t);
        block += 1;
    }
    out.truncate(len);
    out
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

pub(super) fn str2saltedpbkdf2(
    c: &mut Compiler,
    args: Vec<Val>,
    _: Option<&Lambda>,
    span: Span,
) -> R<Val> {
    let args: Vec<Val> = args3(args)
        .into_iter()
        .map(|v| match v {
            Val::Sensitive(x) => *x,
            v => v,
        })
        .collect();
    if args.len() != 3 {
        return Err(c.stdlib_err(
            format!(
                "str2saltedpbkdf2(): wrong number of arguments ({} for 3)",
                args.len()
            ),
            span,
        ));
    }
    let Val::Str(password) = &args[0] else {
        return Err(c.stdlib_err("str2saltedpbkdf2(): first argument must be a string", span));
    };
    let Val::Str(salt) = &args[1] else {
        return Err(c.stdlib_err("str2saltedpbkdf2(): second argument must be a string", span));
    };
    if salt.len() < 8 {
        return Err(c.stdlib_err(
            "str2saltedpbkdf2(): second argument must be at least 8 bytes long",
            span,
        ));
    }
    let Val::Int(iterations) = args[2] else {
        return Err(c.stdlib_err(
            "str2saltedpbkdf2(): third argument must be an integer",
            span,
        ));
    };
    if !(40_001..70_000).contains(&iterations) {
        return Err(c.stdlib_err(
            "str2saltedpbkdf2(): third argument must be between 40,000 and 70,000",
            span,
        ));
    }
    let hash = pbkdf2_sha512(password.as_bytes(), salt.as_bytes(), iterations as u32, 128);
    let mut out = indexmap::IndexMap::new();
    out.insert(
        crate::eval::value::Key::from("password_hex"),
        Val::Str(hex(&hash)),
    );
    out.insert(
        crate::eval::value::Key::from("salt_hex"),
        Val::Str(hex(salt.as_bytes())),
    );
    out.insert(
        crate::eval::value::Key::from("iterations"),
        Val::Int(iterations),
    );
    Ok(Val::Hash(out))
}

/// stdlib's `PuppetX::Stdlib::TomlDumper`: keys sorted, plain pairs first, then tables,
/// then arrays of tables; values as Ruby's `inspect` writes them.
struct Toml(String);

impl Toml {
    fn key(k: &str) -> String {
        if k.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        {
            k.to_string()
        } else {
            format!("\"{}\"", k.replace('"', "\\\""))
        }
    }

    fn sort(h: &crate::eval::value::Map) -> [Vec<(String, Val)>; 3] {
        let mut pairs: Vec<(String, Val)> = h.iter().map(|(k, v)| (rs(&k.0), v.clone())).collect();
        pairs.sort_by(|a, b| a.0.cmp(&b.0));
        let (mut simple, mut nested, mut tables) = (Vec::new(), Vec::new(), Vec::new());
        for (k, v) in pairs {
            match &v {
                Val::Hash(_) => nested.push((k, v)),
                Val::Array(a) if matches!(a.first(), Some(Val::Hash(_))) => tables.push((k, v)),
                _ => simple.push((k, v)),
            }
        }
        [simple, nested, tables]
    }

    fn visit(&mut self, h: &crate::eval::value::Map, prefix: &[String]) {
        let [simple, nested, tables] = Self::sort(h);
        if !prefix.is_empty() && (!simple.is_empty() || h.is_empty()) {
            self.prefix(prefix, false);
        }
        self.pairs(simple, nested, tables, prefix);
    }

    fn prefix(&mut self, prefix: &[String], extra: bool) {
        let p = prefix.join(".");
        if extra {
            self.0.push_str(&format!("[[{p}]]\n"));
        } else {
            self.0.push_str(&format!("[{p}]\n"));
        }
    }

    fn pairs(
        &mut self,
        simple: Vec<(String, Val)>,
        nested: Vec<(String, Val)>,
        tables: Vec<(String, Val)>,
        prefix: &[String],
    ) {
        for (k, v) in simple {
            let val = match &v {
                Val::Str(s) => ri(&Val::Str(s.clone()))
                    .replace("\\#{", "#{")
                    .replace("\\#$", "#$")
                    .replace("\\#@", "#@"),
                v => ri(v),
            };
            self.0.push_str(&format!("{} = {val}\n", Self::key(&k)));
        }
        for (k, v) in nested {
            if let Val::Hash(h) = v {
                let mut p = prefix.to_vec();
                p.push(Self::key(&k));
                self.visit(&h, &p);
            }
        }
        for (k, v) in tables {
            let mut p = prefix.to_vec();
            p.push(Self::key(&k));
            if let Val::Array(items) = v {
                for child in items {
                    self.prefix(&p, true);
                    if let Val::Hash(h) = child {
                        let [s, n, t] = Self::sort(&h);
                        self.pairs(s, n, t, &p);
                    }
                }
            }
        }
    }
}

pub(super) fn to_toml(c: &mut Compiler, args: Vec<Val>, _: Option<&Lambda>, span: Span) -> R<Val> {
    c.arity4("to_toml", &args, 1, 1, span)?;
    let Val::Hash(h) = &args[0] else {
        return Err(c.stdlib_err(
            format!(
                "'to_toml' parameter 'data' expects a Hash value, got {}",
                args[0].type_name()
            ),
            span,
        ));
    };
    let mut t = Toml(String::new());
    t.visit(h, &[]);
    Ok(Val::Str(t.0))
}

pub(super) fn parsepson(
    c: &mut Compiler,
    args: Vec<Val>,
    _: Option<&Lambda>,
    span: Span,
) -> R<Val> {
    c.arity4("parsepson", &args, 1, 2, span)?;
    if !matches!(&args[0], Val::Str(s) if !s.is_empty()) {
        let got = match &args[0] {
            Val::Str(_) => "String".to_string(),
            v => v.type_name(),
        };
        return Err(c.stdlib_err(
            format!("'parsepson' parameter 'pson_string' expects a String[1] value, got {got}"),
            span,
        ));
    }
    match serde_json::from_str::<serde_json::Value>(&rs(&args[0])) {
        Ok(j) => Ok(from_json(&j)),
        Err(e) => match args.get(1) {
            Some(d) => Ok(d.clone()),
            None => Err(c.stdlib_err(format!("parsepson(): {e}"), span)),
        },
    }
}
