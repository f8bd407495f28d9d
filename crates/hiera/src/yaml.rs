//! YAML read the way Puppet reads Hiera data: Ruby's Psych, YAML 1.1.
//!
//! The event parser (saphyr) does the syntax; every plain scalar is then resolved as
//! Psych's `ScalarScanner#tokenize` resolves it, because that is where YAML 1.1 and 1.2
//! part: `yes`/`no`/`on`/`off` are booleans, `0644` is octal (420), `1_000` and `1,000`
//! are 1000, `1:30` is sexagesimal (5400, Psych's arithmetic), `09` stays a string, `1e3`
//! stays a string. Quoted and block scalars are strings. Anchors, aliases and `<<` merge
//! keys work. What Puppet refuses (dates and times, which Psych turns into Ruby objects
//! that Puppet's `safe_load` does not permit) is an error here too; Ruby symbols
//! (`:name`) become strings, as Puppet makes of symbol keys.

use crate::Error;
use converge_catalog::Value;
use indexmap::IndexMap;
use saphyr_parser::{Event, Parser, ScalarStyle, Span, Tag};
use std::collections::HashMap;
use std::path::Path;
use std::sync::OnceLock;

/// A YAML document: its value and where each top-level key's value starts.
#[derive(Debug, Clone, Default)]
pub struct Document {
    /// The document's value (`Undef` for an empty document).
    pub value: Value,
    /// 1-based (line, column) of each top-level key, for locating errors in its value.
    pub key_positions: HashMap<String, (u32, u32)>,
}

/// Parse YAML text as Psych would. `file` names the source in errors.
pub fn load(text: &str, file: &Path) -> Result<Document, Error> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut b = Builder {
        file,
        anchors: HashMap::new(),
        stack: Vec::new(),
        root: None,
        key_positions: HashMap::new(),
    };
    let mut docs = 0;
    for ev in Parser::new_from_str(text) {
        let (ev, span) = ev.map_err(|e| {
            let m = e.marker();
            Error::at(
                "hiera-yaml",
                format!("could not parse YAML: {}", e.info()),
                file,
                m.line() as u32,
                m.col() as u32 + 1,
            )
        })?;
        match ev {
            Event::DocumentStart(_) => {
                docs += 1;
                if docs > 1 {
                    // Psych's safe_load reads the first document only.
                    break;
                }
            }
            Event::Scalar(v, style, anchor, tag) => {
                let val = b.scalar(&v, style, tag.as_deref(), span)?;
                b.push(val, anchor, span)?;
            }
            Event::Alias(id) => {
                let val = b.anchors.get(&id).cloned().ok_or_else(|| {
                    b.err(span, "an alias refers to an unknown anchor".to_string())
                })?;
                b.push(val, 0, span)?;
            }
            Event::SequenceStart(anchor, _) => b.stack.push(Frame::Seq(Vec::new(), anchor)),
            Event::MappingStart(anchor, _) => b.stack.push(Frame::Map {
                map: IndexMap::new(),
                key: None,
                anchor,
                merges: Vec::new(),
            }),
            Event::SequenceEnd => {
                if let Some(Frame::Seq(items, anchor)) = b.stack.pop() {
                    b.push(Value::Array(items), anchor, span)?;
                }
            }
            Event::MappingEnd => {
                if let Some(Frame::Map {
                    map,
                    anchor,
                    merges,
                    ..
                }) = b.stack.pop()
                {
                    let map = apply_merges(map, merges);
                    b.push(Value::Hash(map), anchor, span)?;
                }
            }
            _ => {}
        }
    }
    Ok(Document {
        value: b.root.unwrap_or(Value::Undef),
        key_positions: b.key_positions,
    })
}

enum Frame {
    Seq(Vec<Value>, usize),
    Map {
        map: IndexMap<String, Value>,
        key: Option<(Value, Span)>,
        anchor: usize,
        /// Hashes given by `<<` keys, applied under the map's own keys at its end.
        merges: Vec<IndexMap<String, Value>>,
    },
}

struct Builder<'a> {
    file: &'a Path,
    anchors: HashMap<usize, Value>,
    stack: Vec<Frame>,
    root: Option<Value>,
    key_positions: HashMap<String, (u32, u32)>,
}

/// A `<<` key's hashes go under the map's own keys; earlier merged hashes win over later.
fn apply_merges(
    map: IndexMap<String, Value>,
    merges: Vec<IndexMap<String, Value>>,
) -> IndexMap<String, Value> {
    if merges.is_empty() {
        return map;
    }
    let mut out = IndexMap::new();
    for m in merges.into_iter().rev() {
        for (k, v) in m {
            out.insert(k, v);
        }
    }
    for (k, v) in map {
        out.insert(k, v);
    }
    out
}

impl Builder<'_> {
    fn err(&self, span: Span, msg: String) -> Error {
        Error::at(
            "hiera-yaml",
            msg,
            self.file,
            span.start.line() as u32,
            span.start.col() as u32 + 1,
        )
    }

    fn push(&mut self, val: Value, anchor: usize, span: Span) -> Result<(), Error> {
        if anchor > 0 {
            self.anchors.insert(anchor, val.clone());
        }
        let depth = self.stack.len();
        match self.stack.last_mut() {
            None => self.root = Some(val),
            Some(Frame::Seq(items, _)) => items.push(val),
            Some(Frame::Map {
                map, key, merges, ..
            }) => match key.take() {
                None => *key = Some((val, span)),
                Some((k, kspan)) => {
                    if matches!(&k, Value::String(s) if s == "<<") {
                        match val {
                            Value::Hash(h) => merges.push(h),
                            Value::Array(a) => {
                                for v in a {
                                    if let Value::Hash(h) = v {
                                        merges.push(h);
                                    }
                                }
                            }
                            _ => {}
                        }
                        return Ok(());
                    }
                    let k = key_string(&k);
                    if depth == 1 {
                        self.key_positions.insert(
                            k.clone(),
                            (kspan.start.line() as u32, kspan.start.col() as u32 + 1),
                        );
                    }
                    map.insert(k, val);
                }
            },
        }
        Ok(())
    }

    fn scalar(
        &self,
        v: &str,
        style: ScalarStyle,
        tag: Option<&Tag>,
        span: Span,
    ) -> Result<Value, Error> {
        if let Some(tag) = tag {
            let core = tag.is_yaml_core_schema() || tag.handle == "!!";
            return match (core, tag.suffix.as_str()) {
                (true, "str") | (false, "") => Ok(Value::String(v.to_string())),
                (true, "int") => parse_int(v)
                    .map(Value::Integer)
                    .ok_or_else(|| self.err(span, format!("invalid value for Integer(): {v:?}"))),
                (true, "float") => parse_float(v)
                    .map(Value::Float)
                    .ok_or_else(|| self.err(span, format!("invalid value for Float(): {v:?}"))),
                (true, "bool") | (true, "null") => self.resolve(v, span),
                _ => Err(self.err(
                    span,
                    format!("the tag {tag} makes a Ruby object, which Puppet does not load"),
                )),
            };
        }
        if style != ScalarStyle::Plain {
            return Ok(Value::String(v.to_string()));
        }
        self.resolve(v, span)
    }

    /// Psych's `ScalarScanner#tokenize`, branch by branch.
    fn resolve(&self, s: &str, span: Span) -> Result<Value, Error> {
        if s.is_empty() {
            return Ok(Value::Undef);
        }
        if wordish(s) || s.contains('\n') {
            if s.chars().count() > 5 {
                return Ok(Value::String(s.into()));
            }
            let first = s.chars().next().unwrap_or(' ').to_ascii_lowercase();
            if !matches!(first, 'y' | 't' | 'o' | 'n' | 'f' | '~') {
                return Ok(Value::String(s.into()));
            }
            let l = s.to_ascii_lowercase();
            return Ok(match l.as_str() {
                "~" | "null" => Value::Undef,
                "yes" | "true" | "on" => Value::Bool(true),
                "no" | "false" | "off" => Value::Bool(false),
                _ => Value::String(s.into()),
            });
        }
        if is_time(s) || is_date(s) {
            return Err(self.err(
                span,
                format!(
                    "'{s}' is a date or time for Psych, a Ruby object Puppet refuses to load (\"Tried to load unspecified class\"); quote it to have a string"
                ),
            ));
        }
        let l = s.to_ascii_lowercase();
        if l == ".inf" || l == "+.inf" {
            return Ok(Value::Float(f64::INFINITY));
        }
        if l == "-.inf" {
            return Ok(Value::Float(f64::NEG_INFINITY));
        }
        if l == ".nan" {
            return Ok(Value::Float(f64::NAN));
        }
        if s.starts_with(':') && s.len() > 1 {
            // A Ruby symbol for Psych (Puppet permits them); Puppet turns symbol keys
            // into strings, and so does converge with every symbol.
            let body = &s[1..];
            let body = match (body.chars().next(), body.chars().last()) {
                (Some(q @ ('"' | '\'')), Some(e)) if q == e && body.len() > 1 => {
                    &body[1..body.len() - 1]
                }
                _ => body,
            };
            return Ok(Value::String(body.to_string()));
        }
        if let Some(n) = sexagesimal(s) {
            return Ok(n);
        }
        if is_float(s) {
            if s.trim_start_matches(['-', '+']) == "." {
                return Ok(Value::String(s.into()));
            }
            let cleaned: String = s.chars().filter(|c| *c != ',' && *c != '_').collect();
            // Ruby's Float() wants a digit after the point: `1.` and `1.e5` lose the point.
            let cleaned = cleaned.replace(".e", "e").replace(".E", "E");
            let cleaned = cleaned.strip_suffix('.').unwrap_or(&cleaned).to_string();
            let cleaned = if cleaned.starts_with('.')
                || cleaned.starts_with("-.")
                || cleaned.starts_with("+.")
            {
                cleaned.replacen('.', "0.", 1)
            } else {
                cleaned
            };
            return match cleaned.parse::<f64>() {
                Ok(f) => Ok(Value::Float(f)),
                Err(_) => Ok(Value::String(s.into())),
            };
        }
        if is_integer(s) {
            return match parse_int(s) {
                Some(i) => Ok(Value::Integer(i)),
                None => Err(self.err(span, format!("the integer {s} does not fit in 64 bits"))),
            };
        }
        Ok(Value::String(s.into()))
    }
}

/// A hash key as a string: Puppet's data hashes are keyed by strings (a YAML integer key
/// becomes its decimal text here; Puppet would keep an Integer key no lookup can reach).
fn key_string(k: &Value) -> String {
    match k {
        Value::String(s) => s.clone(),
        Value::Undef => String::new(),
        v => v.to_string(),
    }
}

/// `^[^\d.:-]?[[:alpha:]_\s!@#$%\^&*(){}<>|/\\~;=]+`: Psych's test for word-like text.
fn wordish(s: &str) -> bool {
    let set = |c: char| {
        c.is_alphabetic() || c == '_' || c.is_whitespace() || "!@#$%^&*(){}<>|/\\~;=".contains(c)
    };
    let mut chars = s.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    if set(first) {
        return true;
    }
    if first.is_ascii_digit() || matches!(first, '.' | ':' | '-') {
        return false;
    }
    chars.next().is_some_and(set)
}

/// `^\d{4}-(?:1[012]|0\d|\d)-(?:[12]\d|3[01]|0\d|\d)$`
fn is_date(s: &str) -> bool {
    static RE: OnceLock<regex::Regex> = OnceLock::new();
    RE.get_or_init(|| {
        regex::Regex::new(r"^\d{4}-(?:1[012]|0\d|\d)-(?:[12]\d|3[01]|0\d|\d)$").expect("constant")
    })
    .is_match(s)
}

/// Psych's TIME pattern.
fn is_time(s: &str) -> bool {
    static RE: OnceLock<regex::Regex> = OnceLock::new();
    RE.get_or_init(|| {
        regex::Regex::new(
            r"^-?\d{4}-\d{1,2}-\d{1,2}(?:[Tt]|\s+)\d{1,2}:\d\d:\d\d(?:\.\d*)?(?:\s*(?:Z|[-+]\d{1,2}:?(?:\d\d)?))?$",
        )
        .expect("constant")
    })
    .is_match(s)
}

/// Psych's FLOAT: `^[-+]?([0-9][0-9_,]*)?\.[0-9]*([eE][-+][0-9]+)?$`.
fn is_float(s: &str) -> bool {
    let s = s.strip_prefix(['-', '+']).unwrap_or(s);
    let int_len = if s.starts_with(|c: char| c.is_ascii_digit()) {
        s.bytes()
            .take_while(|b| b.is_ascii_digit() || *b == b'_' || *b == b',')
            .count()
    } else {
        0
    };
    let Some(rest) = s[int_len..].strip_prefix('.') else {
        return false;
    };
    let frac = rest.bytes().take_while(u8::is_ascii_digit).count();
    let rest = &rest[frac..];
    if rest.is_empty() {
        return true;
    }
    let Some(exp) = rest.strip_prefix(['e', 'E']) else {
        return false;
    };
    let Some(exp) = exp.strip_prefix(['-', '+']) else {
        return false;
    };
    !exp.is_empty() && exp.bytes().all(|b| b.is_ascii_digit())
}

/// Psych's INTEGER: binary, octal (leading 0), decimal, hexadecimal, with `_` and `,`.
fn is_integer(s: &str) -> bool {
    let u = s.strip_prefix(['-', '+']).unwrap_or(s);
    let all = |t: &str, f: fn(u8) -> bool| {
        !t.is_empty() && t.bytes().all(|b| f(b) || b == b'_' || b == b',')
    };
    if let Some(b) = u.strip_prefix("0b") {
        return all(b, |c| c == b'0' || c == b'1');
    }
    if let Some(h) = u.strip_prefix("0x") {
        return all(h, |c| c.is_ascii_hexdigit());
    }
    if let Some(o) = u.strip_prefix('0') {
        return o.is_empty() || all(o, |c| (b'0'..=b'7').contains(&c));
    }
    // [1-9](?:[0-9]|,[0-9]|_[0-9])*
    let b = u.as_bytes();
    if b.is_empty() || !(b'1'..=b'9').contains(&b[0]) {
        return false;
    }
    let mut i = 1;
    while i < b.len() {
        if b[i].is_ascii_digit() {
            i += 1;
        } else if (b[i] == b',' || b[i] == b'_') && b.get(i + 1).is_some_and(u8::is_ascii_digit) {
            i += 2;
        } else {
            return false;
        }
    }
    true
}

/// Ruby's `Integer(s.gsub(/[,_]/, ''))` for what [`is_integer`] accepts.
fn parse_int(s: &str) -> Option<i64> {
    let c: String = s.chars().filter(|c| *c != ',' && *c != '_').collect();
    let (neg, u) = match c.strip_prefix('-') {
        Some(u) => (true, u),
        None => (false, c.strip_prefix('+').unwrap_or(&c)),
    };
    let n = if let Some(b) = u.strip_prefix("0b") {
        i64::from_str_radix(b, 2).ok()?
    } else if let Some(h) = u.strip_prefix("0x") {
        i64::from_str_radix(h, 16).ok()?
    } else if u.len() > 1 && u.starts_with('0') {
        i64::from_str_radix(&u[1..], 8).ok()?
    } else {
        u.parse::<i64>().ok()?
    };
    Some(if neg { -n } else { n })
}

fn parse_float(s: &str) -> Option<f64> {
    s.replace(['_', ','], "").parse().ok()
}

/// `1:30` and `1:30.5`: Psych adds `part * 60 ** |index - 2|` over the parts (so `1:30`
/// is 5400 and `12:30:45` is 45045), each part read with Ruby's `to_i`/`to_f`.
fn sexagesimal(s: &str) -> Option<Value> {
    static INT: OnceLock<regex::Regex> = OnceLock::new();
    static FLOAT: OnceLock<regex::Regex> = OnceLock::new();
    let int = INT.get_or_init(|| {
        regex::Regex::new(r"^[-+]?[0-9][0-9_]*(:[0-5]?[0-9]){1,2}$").expect("constant")
    });
    let float = FLOAT.get_or_init(|| {
        regex::Regex::new(r"^[-+]?[0-9][0-9_]*(:[0-5]?[0-9]){1,2}\.[0-9_]*$").expect("constant")
    });
    let weight = |e: usize| 60i64.pow((e as i64 - 2).unsigned_abs() as u32);
    if int.is_match(s) {
        let mut total: i64 = 0;
        for (e, n) in s.split(':').enumerate() {
            let v: i64 = n.replace('_', "").parse().ok()?;
            total = total.checked_add(v.checked_mul(weight(e))?)?;
        }
        return Some(Value::Integer(total));
    }
    if float.is_match(s) {
        let mut total = 0.0;
        for (e, n) in s.split(':').enumerate() {
            let t = n.replace('_', "");
            let v: f64 = t.trim_end_matches('.').parse().ok()?;
            total += v * weight(e) as f64;
        }
        return Some(Value::Float(total));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(s: &str) -> Value {
        let doc = load(&format!("k: {s}\n"), Path::new("t.yaml")).expect("loads");
        match doc.value {
            Value::Hash(h) => h["k"].clone(),
            v => panic!("{v:?}"),
        }
    }

    #[test]
    fn plain_scalars_resolve_as_psych_resolves_them() {
        assert_eq!(one("yes"), Value::Bool(true));
        assert_eq!(one("Off"), Value::Bool(false));
        assert_eq!(one("NO"), Value::Bool(false));
        assert_eq!(one("y"), Value::String("y".into()));
        assert_eq!(one("0644"), Value::Integer(420));
        assert_eq!(one("'0644'"), Value::String("0644".into()));
        assert_eq!(one("09"), Value::String("09".into()));
        assert_eq!(one("1_000"), Value::Integer(1000));
        assert_eq!(one("1,234"), Value::Integer(1234));
        assert_eq!(one("1:30"), Value::Integer(5400));
        assert_eq!(one("12:30:45"), Value::Integer(45045));
        assert_eq!(one(".5"), Value::Float(0.5));
        assert_eq!(one("1e3"), Value::String("1e3".into()));
        assert_eq!(one("1.0e+3"), Value::Float(1000.0));
        assert_eq!(one("0x1F"), Value::Integer(31));
        assert_eq!(one("0b101"), Value::Integer(5));
        assert_eq!(one("0o17"), Value::String("0o17".into()));
        assert_eq!(one("+12"), Value::Integer(12));
        assert_eq!(one("~"), Value::Undef);
        assert_eq!(one(""), Value::Undef);
    }

    #[test]
    fn merge_keys_and_aliases() {
        let doc = load(
            "base: &b {a: 1, b: 2}\nother:\n  <<: *b\n  b: 3\n",
            Path::new("t.yaml"),
        )
        .unwrap();
        let Value::Hash(h) = doc.value else { panic!() };
        assert_eq!(
            h["other"],
            Value::Hash(
                [
                    ("a".to_string(), Value::Integer(1)),
                    ("b".to_string(), Value::Integer(3))
                ]
                .into_iter()
                .collect()
            )
        );
    }

    #[test]
    fn dates_and_bad_syntax_are_located_errors() {
        let e = load("a: 1\nd: 2024-01-15\n", Path::new("t.yaml")).unwrap_err();
        assert_eq!((e.line, e.column), (2, 4));
        let e = load("a: [1, 2\nb: 3\n", Path::new("t.yaml")).unwrap_err();
        assert!(e.line >= 1, "{e:?}");
    }
}
