//! `Type(value)` and `Type.new(value)`: creating values of a type from other values, with
//! Puppet 7's rules (the `new_function` of each type in Puppet's types.rb) and messages:
//! `Integer('0x10')`, `Integer('10', 2)`, `Float('1e3')`, `Numeric('010')`,
//! `String($n, '%05d')`, `Boolean('yes')`, `Array($x, true)`, `Hash([[a, 1]])`,
//! `Sensitive('pw')`, `Binary('aGk=')`, `Timespan(60)`, `Timestamp('2020-01-01')`.

use super::format;
use super::ops;
use super::types::{self, Ty};
use super::value::{Key, Map, Val};
use super::{Compiler, R};
use crate::ast::Span;
use converge_rubyre::Regex;

const INTEGER_LENIENT: &str = r"\A[+-]?\s*(?:(?:\d+)|(?:0[xX][0-9A-Fa-f]+)|(?:0[bB][01]+))\z";
const FLOAT_PATTERN: &str = r"\A[+-]?\s*(?:(?:(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE]-?\d+)?)|(?:0[xX][0-9A-Fa-f]+)|(?:0[0-7]+)|(?:0[bB][01]+))\z";

fn matches(pattern: &str, s: &str) -> bool {
    Regex::cached(pattern).is_ok_and(|r| r.is_match(s))
}

/// The generalised type of a value, as "Value of type X cannot be converted" names it.
fn general_type(v: &Val) -> String {
    types::generalize(&types::infer(v)).to_string()
}

/// Ruby's `Integer(s)` / `Integer(s, radix)`: prefixes `0x`, `0b`, `0o`, `0` (octal),
/// underscores between digits, surrounding whitespace.
fn ruby_integer(s: &str, radix: Option<u32>) -> Result<i64, String> {
    let invalid = || format!("invalid value for Integer(): \"{s}\"");
    let t = s.trim();
    let (neg, t) = match t.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let lower = t.to_ascii_lowercase();
    let (base, digits) = match (radix, lower.as_str()) {
        (None | Some(16), d) if d.starts_with("0x") => (16, &t[2..]),
        (None | Some(2), d) if d.starts_with("0b") => (2, &t[2..]),
        (None | Some(8), d) if d.starts_with("0o") => (8, &t[2..]),
        (None, d) if d.len() > 1 && d.starts_with('0') => (8, &t[1..]),
        (None, _) => (10, t),
        (Some(r), _) => (r, t),
    };
    if digits.is_empty()
        || digits.starts_with('_')
        || digits.ends_with('_')
        || digits.contains("__")
    {
        return Err(invalid());
    }
    let clean: String = digits.chars().filter(|c| *c != '_').collect();
    let v = i64::from_str_radix(&clean, base).map_err(|_| invalid())?;
    Ok(if neg { -v } else { v })
}

/// Ruby's `Float(s)`: decimal with optional exponent, or hex (`0x1A`).
fn ruby_float(s: &str) -> Result<f64, String> {
    let invalid = || format!("invalid value for Float(): \"{s}\"");
    let t = s.trim();
    let (neg, u) = match t.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    if u.len() > 2 && u[..2].eq_ignore_ascii_case("0x") {
        let v = i64::from_str_radix(&u[2..], 16).map_err(|_| invalid())? as f64;
        return Ok(if neg { -v } else { v });
    }
    let clean: String = u.chars().filter(|c| *c != '_').collect();
    if clean.is_empty() || !clean.starts_with(|c: char| c.is_ascii_digit()) {
        return Err(invalid());
    }
    let v: f64 = clean.parse().map_err(|_| invalid())?;
    Ok(if neg { -v } else { v })
}

/// Remove the blanks between a sign and its number (`'- 5'`), as Puppet retries.
fn squeeze_sign(s: &str) -> Option<String> {
    let t = s.strip_prefix(['+', '-'])?;
    if !t.starts_with([' ', '\t']) {
        return None;
    }
    Some(format!("{}{}", &s[..1], t.trim_start_matches([' ', '\t'])))
}

impl Compiler {
    /// `Type(args)` and `Type.new(args)`: a new value of type `t`.
    pub(crate) fn new_value(&mut self, t: Ty, args: Vec<Val>, span: Span) -> R<Val> {
        match self.convert_to(&t, args) {
            Ok(v) => {
                // A parameterised type also checks the value it made.
                if !matches!(t, Ty::Alias(_)) && !t.matches(&v) && !matches!(t, Ty::Sensitive(_)) {
                    let m = t.mismatch(&v);
                    return Err(self.err(
                        "type-mismatch",
                        format!("Converted value from {t}.new() has wrong type, {m}"),
                        span,
                    ));
                }
                Ok(v)
            }
            Err(m) => Err(self.err("type-mismatch", m, span)),
        }
    }

    fn convert_to(&mut self, t: &Ty, args: Vec<Val>) -> Result<Val, String> {
        let resolved = match t {
            Ty::Alias(a) => a.resolved.borrow().clone(),
            t => t.clone(),
        };
        let n = args.len();
        let arity = |min: usize, max: usize| -> Result<(), String> {
            if n < min || n > max {
                let expected = if min == max {
                    format!("{min}")
                } else {
                    format!("between {min} and {max}")
                };
                let got = if n == 0 {
                    "none".to_string()
                } else {
                    n.to_string()
                };
                Err(format!("'new' expects {expected} arguments, got {got}"))
            } else {
                Ok(())
            }
        };
        match resolved {
            Ty::Integer(..) => {
                arity(1, 3)?;
                let (from, radix, abs) = named_args(&args, &["from", "radix", "abs"]);
                let radix = match radix {
                    None | Some(Val::Default) => None,
                    Some(Val::Int(r @ (2 | 8 | 10 | 16))) => Some(r as u32),
                    Some(Val::Int(r)) => {
                        return Err(format!(
                            "Illegal radix: {r}, expected 2, 8, 10, 16, or default"
                        ))
                    }
                    Some(v) => {
                        return Err(format!(
                            "Illegal radix: {}, expected 2, 8, 10, 16, or default",
                            format::to_s(&v)
                        ))
                    }
                };
                let v = match &from {
                    Val::Int(i) => *i,
                    Val::Float(f) => f.trunc() as i64,
                    Val::Bool(b) => i64::from(*b),
                    Val::Timespan(t) | Val::Timestamp(t) => (t / 1_000_000_000) as i64,
                    Val::Str(s) if matches(INTEGER_LENIENT, s) => match ruby_integer(s, radix) {
                        Ok(v) => v,
                        Err(e) => match squeeze_sign(s) {
                            Some(sq) => ruby_integer(&sq, radix).map_err(|_| e)?,
                            None => return Err(e),
                        },
                    },
                    Val::Str(s) => {
                        return Err(format!("The string '{s}' cannot be converted to Integer"))
                    }
                    v => {
                        return Err(format!(
                            "Value of type {} cannot be converted to Integer",
                            general_type(v)
                        ))
                    }
                };
                Ok(Val::Int(if abs.is_some_and(|a| a.truthy()) {
                    v.abs()
                } else {
                    v
                }))
            }
            Ty::Float(..) => {
                arity(1, 2)?;
                let (from, abs, _) = named_args(&args, &["from", "abs"]);
                let v = match &from {
                    Val::Float(f) => *f,
                    Val::Int(i) => *i as f64,
                    Val::Bool(b) => f64::from(u8::from(*b)),
                    Val::Timespan(t) | Val::Timestamp(t) => *t as f64 / 1e9,
                    Val::Str(s) if matches(FLOAT_PATTERN, s) => {
                        let t = s.trim_start_matches(['+', '-']).trim_start();
                        if t.len() > 1 && t[..2].eq_ignore_ascii_case("0b") {
                            ruby_integer(s, None)? as f64
                        } else {
                            match ruby_float(s) {
                                Ok(v) => v,
                                Err(e) => match squeeze_sign(s) {
                                    Some(sq) => ruby_float(&sq).map_err(|_| e)?,
                                    None => return Err(e),
                                },
                            }
                        }
                    }
                    Val::Str(s) => {
                        return Err(format!("The string '{s}' cannot be converted to Float"))
                    }
                    v => {
                        return Err(format!(
                            "Value of type {} cannot be converted to Float",
                            general_type(v)
                        ))
                    }
                };
                Ok(Val::Float(if abs.is_some_and(|a| a.truthy()) {
                    v.abs()
                } else {
                    v
                }))
            }
            Ty::Numeric => {
                arity(1, 2)?;
                let (from, abs, _) = named_args(&args, &["from", "abs"]);
                let v = match &from {
                    Val::Int(_) | Val::Float(_) => from.clone(),
                    Val::Bool(b) => Val::Int(i64::from(*b)),
                    Val::Timespan(t) | Val::Timestamp(t) => Val::Float(*t as f64 / 1e9),
                    Val::Str(s) if matches(FLOAT_PATTERN, s) => {
                        let lower = s.to_ascii_lowercase();
                        if lower.starts_with("0b") || lower.starts_with("0x") {
                            Val::Int(ruby_integer(s, None)?)
                        } else {
                            ops::to_n(s).unwrap_or(Val::Undef)
                        }
                    }
                    Val::Str(s) => {
                        return Err(format!("The string '{s}' cannot be converted to Numeric"))
                    }
                    v => {
                        return Err(format!(
                            "Value of type {} cannot be converted to Numeric",
                            general_type(v)
                        ))
                    }
                };
                Ok(match (v, abs.is_some_and(|a| a.truthy())) {
                    (Val::Int(i), true) => Val::Int(i.abs()),
                    (Val::Float(f), true) => Val::Float(f.abs()),
                    (v, _) => v,
                })
            }
            Ty::String(..) | Ty::StrVal(_) | Ty::Enum(..) | Ty::Pattern(_) => {
                arity(1, 2)?;
                let mut it = args.into_iter();
                let from = it.next().unwrap_or(Val::Undef);
                let map = match it.next() {
                    None => format::parse_format_arg(&Val::Default, &from)?,
                    Some(Val::Hash(h)) => format::format_map_from_pairs(
                        h.into_iter()
                            .map(|(k, v)| match k.0 {
                                Val::Type(t) => Ok((t, v)),
                                Val::Ref(r) => Ok((types::ref_type(&r), v)),
                                k => Err(format!(
                                    "top level keys in the format hash must be data types, got instance of '{}'",
                                    k.type_name()
                                )),
                            })
                            .collect::<Result<_, _>>()?,
                    )?,
                    Some(f) => format::parse_format_arg(&f, &from)?,
                };
                format::convert(&from, map).map(Val::Str)
            }
            Ty::Boolean(_) => {
                arity(1, 1)?;
                let from = &args[0];
                match from {
                    Val::Float(f) => Ok(Val::Bool(*f != 0.0)),
                    Val::Int(i) => Ok(Val::Bool(*i != 0)),
                    Val::Bool(b) => Ok(Val::Bool(*b)),
                    Val::Str(s) => match s.to_lowercase().as_str() {
                        "false" | "no" | "n" => Ok(Val::Bool(false)),
                        "true" | "yes" | "y" => Ok(Val::Bool(true)),
                        _ => Err(format!("The string '{s}' cannot be converted to Boolean")),
                    },
                    v => Err(format!(
                        "Value of type {} cannot be converted to Boolean",
                        general_type(v)
                    )),
                }
            }
            Ty::Array(..) | Ty::Tuple(..) | Ty::Collection(..) => {
                arity(1, 2)?;
                let mut it = args.into_iter();
                let from = it.next().unwrap_or(Val::Undef);
                let wrap = it.next();
                match wrap {
                    Some(Val::Bool(true)) => Ok(match from {
                        Val::Array(a) => Val::Array(a),
                        v => Val::Array(vec![v]),
                    }),
                    None | Some(Val::Bool(false)) => match from {
                        Val::Array(a) => Ok(Val::Array(a)),
                        Val::Hash(h) => Ok(Val::Array(
                            h.into_iter()
                                .map(|(k, v)| Val::Array(vec![k.0, v]))
                                .collect(),
                        )),
                        Val::Binary(b) => Ok(Val::Array(
                            b.into_iter().map(|x| Val::Int(i64::from(x))).collect(),
                        )),
                        v if types::is_iterable_value(&v) => {
                            Ok(Val::Array(self.iterate_values(&v)))
                        }
                        v => Err(format!(
                            "Value of type {} cannot be converted to Array",
                            general_type(&v)
                        )),
                    },
                    Some(w) => Err(format!(
                        "'new' parameter 'wrap' expects a Boolean value, got {}",
                        types::generalize(&types::infer(&w))
                    )),
                }
            }
            Ty::Hash(..) | Ty::Struct(_) => {
                arity(1, 2)?;
                let mut it = args.into_iter();
                let from = it.next().unwrap_or(Val::Undef);
                match from {
                    Val::Hash(h) => Ok(Val::Hash(h)),
                    Val::Array(a)
                        if !a.is_empty()
                            && a.iter().all(|e| matches!(e, Val::Array(p) if p.len() == 2)) =>
                    {
                        let mut h = Map::new();
                        for e in a {
                            if let Val::Array(p) = e {
                                let mut p = p.into_iter();
                                let k = p.next().unwrap_or(Val::Undef);
                                h.insert(Key(k), p.next().unwrap_or(Val::Undef));
                            }
                        }
                        Ok(Val::Hash(h))
                    }
                    Val::Array(a) => {
                        if !a.len().is_multiple_of(2) {
                            return Err("odd number of arguments for Hash".into());
                        }
                        let mut h = Map::new();
                        let mut it = a.into_iter();
                        while let (Some(k), Some(v)) = (it.next(), it.next()) {
                            h.insert(Key(k), v);
                        }
                        Ok(Val::Hash(h))
                    }
                    v if types::is_iterable_value(&v) => {
                        let items = self.iterate_values(&v);
                        if !items.len().is_multiple_of(2) {
                            return Err("odd number of arguments for Hash".into());
                        }
                        let mut h = Map::new();
                        let mut it = items.into_iter();
                        while let (Some(k), Some(v)) = (it.next(), it.next()) {
                            h.insert(Key(k), v);
                        }
                        Ok(Val::Hash(h))
                    }
                    v => Err(format!(
                        "Value of type {} cannot be converted to Hash",
                        general_type(&v)
                    )),
                }
            }
            Ty::Sensitive(_) => {
                arity(1, 1)?;
                Ok(Val::Sensitive(Box::new(
                    args.into_iter().next().unwrap_or(Val::Undef),
                )))
            }
            Ty::Binary => {
                arity(1, 2)?;
                let mut it = args.into_iter();
                let from = it.next().unwrap_or(Val::Undef);
                let fmt = match it.next() {
                    Some(Val::Str(f)) => f,
                    _ => "%B".into(),
                };
                match from {
                    Val::Str(s) => match fmt.as_str() {
                        "%s" => Ok(Val::Binary(s.into_bytes())),
                        "%b" | "%B" | "%u" | "%r" => {
                            decode_base64(&s, fmt == "%B", fmt == "%u").map(Val::Binary)
                        }
                        f => Err(format!("Unsupported Binary format: {f}")),
                    },
                    Val::Array(a) => a
                        .iter()
                        .map(|x| match x {
                            Val::Int(i) if (0..=255).contains(i) => Ok(*i as u8),
                            _ => Err("an Array of Integer[0, 255] is required".to_string()),
                        })
                        .collect::<Result<Vec<u8>, String>>()
                        .map(Val::Binary),
                    Val::Binary(b) => Ok(Val::Binary(b)),
                    v => Err(format!(
                        "Value of type {} cannot be converted to Binary",
                        general_type(&v)
                    )),
                }
            }
            Ty::Timespan(..) => {
                arity(1, 3)?;
                match &args[0] {
                    Val::Int(i) => Ok(Val::Timespan(i128::from(*i) * 1_000_000_000)),
                    Val::Float(f) => Ok(Val::Timespan((f * 1e9) as i128)),
                    Val::Timespan(t) => Ok(Val::Timespan(*t)),
                    Val::Str(s) => super::time::parse_timespan(s)
                        .map(Val::Timespan)
                        .ok_or_else(|| format!("Unable to parse '{s}' using any of the formats %D-%H:%M:%S.%-N, %H:%M:%S.%-N, %M:%S.%-N, %S.%-N, %D-%H:%M:%S, %H:%M:%S, %D-%H:%M, %S")),
                    Val::Hash(h) => {
                        let get = |k: &str| match h.get(k) {
                            Some(Val::Int(i)) => i128::from(*i),
                            _ => 0,
                        };
                        let ns = ((get("days") * 24 + get("hours")) * 60 + get("minutes")) * 60
                            + get("seconds");
                        let neg = h.get("negative").is_some_and(Val::truthy);
                        let v = ns * 1_000_000_000
                            + get("milliseconds") * 1_000_000
                            + get("microseconds") * 1_000
                            + get("nanoseconds");
                        Ok(Val::Timespan(if neg { -v } else { v }))
                    }
                    v => Err(format!(
                        "Value of type {} cannot be converted to Timespan",
                        general_type(v)
                    )),
                }
            }
            Ty::Timestamp(..) => {
                arity(0, 3)?;
                // `Timestamp()` is now, as in Puppet (apt compares it with a fact).
                let Some(first) = args.first() else {
                    return Ok(Val::Timestamp(super::time::now()));
                };
                match first {
                    Val::Int(i) => Ok(Val::Timestamp(i128::from(*i) * 1_000_000_000)),
                    Val::Float(f) => Ok(Val::Timestamp((f * 1e9) as i128)),
                    Val::Timestamp(t) => Ok(Val::Timestamp(*t)),
                    Val::Str(s) => super::time::parse_timestamp(s)
                        .map(Val::Timestamp)
                        .ok_or_else(|| format!("Unable to parse '{s}' using any of the formats %FT%T.%N %Z, %FT%T %Z, %F %T.%N %Z, %F %T %Z, %F %Z, %FT%T.%N, %FT%T, %F %T.%N, %F %T, %F")),
                    v => Err(format!(
                        "Value of type {} cannot be converted to Timestamp",
                        general_type(v)
                    )),
                }
            }
            Ty::Optional(Some(inner)) | Ty::NotUndef(Some(inner)) => self.convert_to(&inner, args),
            Ty::Variant(members) => {
                // A value already of the variant stays as it is; otherwise the first
                // member that can convert it does.
                if let [v] = args.as_slice() {
                    if members.iter().any(|m| m.matches(v)) {
                        return Ok(v.clone());
                    }
                }
                let mut first_err = None;
                for m in &members {
                    match self.convert_to(m, args.clone()) {
                        Ok(v) => return Ok(v),
                        Err(e) => {
                            first_err.get_or_insert(e);
                        }
                    }
                }
                Err(first_err.unwrap_or_else(|| {
                    "Creation of new instance of type 'Variant' is not supported".into()
                }))
            }
            Ty::Regexp(_) => {
                arity(1, 1)?;
                match &args[0] {
                    Val::Str(s) => {
                        Regex::cached(s).map_err(|e| e.to_string())?;
                        Ok(Val::Regex(s.clone()))
                    }
                    Val::Regex(r) => Ok(Val::Regex(r.clone())),
                    v => Err(format!(
                        "Value of type {} cannot be converted to Regexp",
                        general_type(v)
                    )),
                }
            }
            Ty::Any => {
                arity(1, 1)?;
                Ok(args.into_iter().next().unwrap_or(Val::Undef))
            }
            t => Err(format!(
                "Creation of new instance of type '{}' is not supported",
                types::base_name(&t)
            )),
        }
    }
}

/// The values of positional arguments, or of a single hash of named ones.
fn named_args(args: &[Val], names: &[&str]) -> (Val, Option<Val>, Option<Val>) {
    if let [Val::Hash(h)] = args {
        if h.contains_key(names[0]) {
            let get = |i: usize| names.get(i).and_then(|n| h.get(*n)).cloned();
            return (get(0).unwrap_or(Val::Undef), get(1), get(2));
        }
    }
    (
        args.first().cloned().unwrap_or(Val::Undef),
        args.get(1).cloned(),
        args.get(2).cloned(),
    )
}

/// Base64 in strict (RFC 4648, padding required), relaxed (whitespace and missing padding
/// allowed) or URL-safe form.
fn decode_base64(s: &str, strict: bool, url: bool) -> Result<Vec<u8>, String> {
    let val = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => u32::from(c - b'A'),
            b'a'..=b'z' => u32::from(c - b'a') + 26,
            b'0'..=b'9' => u32::from(c - b'0') + 52,
            b'+' if !url => 62,
            b'/' if !url => 63,
            b'-' if url => 62,
            b'_' if url => 63,
            _ => return None,
        })
    };
    let bytes: Vec<u8> = if strict {
        s.bytes().collect()
    } else {
        s.bytes().filter(|b| !b.is_ascii_whitespace()).collect()
    };
    if strict && !bytes.len().is_multiple_of(4) {
        return Err("invalid base64".into());
    }
    let trimmed: Vec<u8> = bytes.iter().copied().take_while(|b| *b != b'=').collect();
    if bytes[trimmed.len()..].iter().any(|b| *b != b'=') {
        return Err("invalid base64".into());
    }
    let mut out = Vec::with_capacity(trimmed.len() * 3 / 4);
    for chunk in trimmed.chunks(4) {
        let mut n = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            n |= val(c).ok_or("invalid base64")? << (18 - 6 * i);
        }
        let k = chunk.len();
        if k == 1 {
            return Err("invalid base64".into());
        }
        out.push((n >> 16) as u8);
        if k > 2 {
            out.push((n >> 8) as u8);
        }
        if k > 3 {
            out.push(n as u8);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ruby_integer_conversions() {
        assert_eq!(ruby_integer("0x10", None), Ok(16));
        assert_eq!(ruby_integer("010", None), Ok(8));
        assert_eq!(ruby_integer("0b101", None), Ok(5));
        assert_eq!(ruby_integer("10", Some(2)), Ok(2));
        assert_eq!(ruby_integer(" -42 ", None), Ok(-42));
        assert!(ruby_integer("08", None).is_err());
        assert_eq!(decode_base64("aGVsbG8=", true, false).unwrap(), b"hello");
    }
}
