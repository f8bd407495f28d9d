//! Puppet's operators on values, with the exact semantics of Puppet 7's evaluator
//! (evaluator_impl.rb, compare_operator.rb, access_operator.rb): equality and ordering,
//! arithmetic with numeric strings and overflow checks, `+`/`-`/`<<` on arrays and hashes,
//! `in`, how `case`/selector options match, and indexing strings, arrays and hashes.
//! Errors are returned as Puppet's message text; the caller locates them.

use super::types::{self, Ty};
use super::value::{Key, Map, Val};
use crate::ast::BinOp;
use std::cmp::Ordering;

/// Puppet's `==` (CompareOperator#equals): strings ignore case, numbers compare by value
/// (`1 == 1.0`), arrays and hashes element by element, anything else by identity of value.
pub(crate) fn equals(a: &Val, b: &Val) -> bool {
    match (a, b) {
        (Val::Str(x), Val::Str(y)) => x == y || caseless_eq(x, y),
        (Val::Int(x), Val::Int(y)) => x == y,
        (Val::Int(x), Val::Float(y)) | (Val::Float(y), Val::Int(x)) => (*x as f64) == *y,
        (Val::Float(x), Val::Float(y)) => x == y,
        (Val::Array(x), Val::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| equals(p, q))
        }
        (Val::Hash(x), Val::Hash(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| equals(y.get(k).unwrap_or(&Val::Undef), v))
        }
        (Val::Sensitive(_), _) | (_, Val::Sensitive(_)) => false,
        (Val::Ref(r), Val::Type(t)) | (Val::Type(t), Val::Ref(r)) => types::ref_type(r) == *t,
        _ => a == b,
    }
}

/// Ruby's `String#casecmp` equality: ASCII letters only ignore case.
fn caseless_eq(x: &str, y: &str) -> bool {
    x.len() == y.len() && x.eq_ignore_ascii_case(y)
}

/// Ruby's `==` between two values (what `Array#delete` and `Hash#delete` use): strings
/// are case-sensitive, `1 == 1.0`.
pub(crate) fn ruby_eq(a: &Val, b: &Val) -> bool {
    match (a, b) {
        (Val::Int(x), Val::Float(y)) | (Val::Float(y), Val::Int(x)) => (*x as f64) == *y,
        (Val::Array(x), Val::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| ruby_eq(p, q))
        }
        _ => a == b,
    }
}

/// The label of a value in Puppet's messages (`Integer`, `String`, `Undef Value`).
pub(crate) fn label(v: &Val) -> String {
    types::value_label(v)
}

/// "a String", "an Integer", "an Undef Value".
pub(crate) fn a_label(v: &Val) -> String {
    let l = label(v);
    format!("{} {l}", types::article(&l))
}

/// Puppet's ordering (CompareOperator#compare), or the reason two values cannot be
/// ordered.
pub(crate) fn compare(a: &Val, b: &Val) -> Result<Ordering, String> {
    match (a, b) {
        (Val::Str(x), Val::Str(y)) => Ok(casecmp(x, y)),
        (Val::Str(_), _) => Err("A String is not comparable to a non String".into()),
        (Val::Int(x), Val::Int(y)) => Ok(x.cmp(y)),
        (Val::Int(_) | Val::Float(_), Val::Int(_) | Val::Float(_)) => {
            Ok(as_f64(a).partial_cmp(&as_f64(b)).unwrap_or(Ordering::Equal))
        }
        (Val::Int(_) | Val::Float(_), Val::Timespan(_) | Val::Timestamp(_)) => {
            compare(b, a).map(Ordering::reverse)
        }
        (Val::Int(_) | Val::Float(_), _) => {
            Err("A Numeric is not comparable to non Numeric".into())
        }
        (Val::Timespan(x), Val::Timespan(y)) | (Val::Timestamp(x), Val::Timestamp(y)) => {
            Ok(x.cmp(y))
        }
        (Val::Timespan(x) | Val::Timestamp(x), Val::Int(_) | Val::Float(_)) => {
            let ns = as_f64(b) * 1e9;
            Ok((*x as f64).partial_cmp(&ns).unwrap_or(Ordering::Equal))
        }
        (Val::Timespan(_), _) => {
            Err("Timespans are only comparable to Timespans, Integers, and Floats".into())
        }
        (Val::Timestamp(_), _) => {
            Err("Timestamps are only comparable to Timestamps, Integers, and Floats".into())
        }
        (Val::Default, Val::Default) => Ok(Ordering::Equal),
        (Val::Default, _) => Err("Symbol not comparable to non Symbol".into()),
        _ => {
            Err("Only Strings, Numbers, Timespans, Timestamps, and Versions are comparable".into())
        }
    }
}

/// Ruby's `String#casecmp`: ASCII case folded, then bytes.
fn casecmp(x: &str, y: &str) -> Ordering {
    let fx = x.bytes().map(|b| b.to_ascii_lowercase());
    let fy = y.bytes().map(|b| b.to_ascii_lowercase());
    fx.cmp(fy)
}

fn as_f64(v: &Val) -> f64 {
    match v {
        Val::Int(i) => *i as f64,
        Val::Float(f) => *f,
        _ => 0.0,
    }
}

/// Puppet's `Utils.to_n`: a number from a numeric string (`'0x1F'`, `' -3 '`, `'1e3'`,
/// `'010'` is octal), or `None`.
pub(crate) fn to_n(s: &str) -> Option<Val> {
    let s = s.strip_prefix("::").unwrap_or(s);
    let blank = |c: char| c == ' ' || c == '\t';
    let t = s.trim_matches(blank);
    let (neg, t) = match t.strip_prefix('-') {
        Some(r) => (true, r.trim_start_matches(blank)),
        None => (
            false,
            t.strip_prefix('+').unwrap_or(t).trim_start_matches(blank),
        ),
    };
    if let Some(h) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        if h.is_empty() || !h.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let v = i64::from_str_radix(h, 16).ok()?;
        return Some(Val::Int(if neg { v.checked_neg()? } else { v }));
    }
    let digits_end = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    if digits_end == 0 {
        return None;
    }
    let (int_part, rest) = t.split_at(digits_end);
    if rest.is_empty() {
        let v = if int_part.len() > 1 && int_part.starts_with('0') {
            i64::from_str_radix(&int_part[1..], 8).ok()?
        } else {
            int_part.parse::<i64>().ok()?
        };
        return Some(Val::Int(if neg { -v } else { v }));
    }
    // `(\.\d+)?([eE]-?\d+)?`
    let mut r = rest;
    if let Some(f) = r.strip_prefix('.') {
        let n = f.find(|c: char| !c.is_ascii_digit()).unwrap_or(f.len());
        if n == 0 {
            return None;
        }
        r = &f[n..];
    }
    if let Some(e) = r.strip_prefix(['e', 'E']) {
        let e = e.strip_prefix('-').unwrap_or(e);
        if e.is_empty() || !e.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        r = "";
    }
    if !r.is_empty() {
        return None;
    }
    // A zero mantissa with an exponent (`0e1`) is not converted.
    if int_part.bytes().all(|b| b == b'0')
        && rest
            .trim_start_matches('.')
            .trim_start_matches('0')
            .starts_with(['e', 'E'])
    {
        return None;
    }
    let f: f64 = t.parse().ok()?;
    if f.is_infinite() {
        return None;
    }
    Some(Val::Float(if neg { -f } else { f }))
}

/// A value as a number for arithmetic (Puppet's `coerce_numeric`), or the error.
pub(crate) fn coerce_numeric(v: &Val) -> Result<Val, String> {
    match v {
        Val::Int(_) | Val::Float(_) | Val::Timespan(_) | Val::Timestamp(_) => Ok(v.clone()),
        Val::Str(s) => to_n(s).ok_or_else(|| not_numeric(v)),
        v => Err(not_numeric(v)),
    }
}

/// [`coerce_numeric`], noting Puppet's warning when a string was converted.
pub(crate) fn coerce_noting(v: &Val, notes: &mut Vec<String>) -> Result<Val, String> {
    let n = coerce_numeric(v)?;
    if let Val::Str(s) = v {
        notes.push(format!(
            "The string '{s}' was automatically coerced to the numerical value {}",
            super::format::to_s(&n)
        ));
    }
    Ok(n)
}

fn not_numeric(v: &Val) -> String {
    format!(
        "The value '{}' cannot be converted to Numeric.",
        super::format::ruby_to_s(v)
    )
}

/// Why an arithmetic operation failed: the message, and whether the left operand (not
/// the whole expression) is to blame.
pub(crate) struct ArithError {
    pub(crate) message: String,
    pub(crate) blame_left: bool,
}

fn err(message: String, blame_left: bool) -> ArithError {
    ArithError {
        message,
        blame_left,
    }
}

fn op_symbol(op: BinOp) -> &'static str {
    match op {
        BinOp::Add => "+",
        BinOp::Sub => "-",
        BinOp::Mul => "*",
        BinOp::Div => "/",
        BinOp::Mod => "%",
        BinOp::Shl => "<<",
        BinOp::Shr => ">>",
        _ => "?",
    }
}

/// Puppet's `calculate`: `+ - * / % << >>` on any two values.
pub(crate) fn arithmetic(
    op: BinOp,
    a: Val,
    b: Val,
    notes: &mut Vec<String>,
) -> Result<Val, ArithError> {
    let sym = op_symbol(op);
    let runtime = |detail: String| {
        err(
            format!("Error while evaluating a '{sym}' expression, {detail}"),
            false,
        )
    };
    if let (Val::Binary(x), BinOp::Add) = (&a, op) {
        return match b {
            Val::Binary(y) => {
                let mut out = x.clone();
                out.extend(y);
                Ok(Val::Binary(out))
            }
            _ => Err(runtime("Can only append Binary to a Binary".into())),
        };
    }
    if matches!(a, Val::Array(_) | Val::Hash(_))
        && matches!(op, BinOp::Add | BinOp::Sub | BinOp::Shl)
    {
        return match op {
            BinOp::Add => concatenate(a, b).map_err(runtime),
            BinOp::Sub => Ok(delete(a, b)),
            _ => match a {
                Val::Array(mut x) => {
                    x.push(b);
                    Ok(Val::Array(x))
                }
                a => Err(err(
                    format!("Operator '<<' is not applicable to {}.", a_label(&a)),
                    true,
                )),
            },
        };
    }
    let x = coerce_noting(&a, notes).map_err(|m| err(m, true))?;
    let y = coerce_noting(&b, notes).map_err(|m| err(m, false))?;
    if op == BinOp::Mod && (matches!(x, Val::Float(_)) || matches!(y, Val::Float(_))) {
        if matches!(x, Val::Float(_)) {
            return Err(err(
                format!("Operator '%' is not applicable to {}.", a_label(&x)),
                true,
            ));
        }
        return Err(err(
            format!(
                "Operator '%' is not applicable to {} when right side is {}.",
                a_label(&x),
                a_label(&y)
            ),
            true,
        ));
    }
    let not_applicable = |v: &Val| {
        err(
            format!("Operator '{sym}' is not applicable to {}.", a_label(v)),
            true,
        )
    };
    match (x, y) {
        (Val::Int(x), Val::Int(y)) => {
            let wide: Option<i128> = match op {
                BinOp::Add => Some(i128::from(x) + i128::from(y)),
                BinOp::Sub => Some(i128::from(x) - i128::from(y)),
                BinOp::Mul => Some(i128::from(x) * i128::from(y)),
                BinOp::Div | BinOp::Mod if y == 0 => {
                    return Err(err("Division by 0".into(), false));
                }
                BinOp::Div => {
                    // Ruby floors: -7 / 2 == -4.
                    let (p, q) = (i128::from(x), i128::from(y));
                    let d = p / q;
                    Some(if p % q != 0 && ((p < 0) != (q < 0)) {
                        d - 1
                    } else {
                        d
                    })
                }
                BinOp::Mod => {
                    let r = i128::from(x) % i128::from(y);
                    Some(if r != 0 && ((r < 0) != (y < 0)) {
                        r + i128::from(y)
                    } else {
                        r
                    })
                }
                BinOp::Shl | BinOp::Shr => {
                    let left = (op == BinOp::Shl) == (y >= 0);
                    let n = y.unsigned_abs();
                    if left {
                        if x == 0 {
                            Some(0)
                        } else if n >= 64 {
                            let digits = format!("{:x}", i128::from(x.unsigned_abs()) << (n % 4));
                            let hex = format!("{digits}{}", "0".repeat((n / 4) as usize));
                            return Err(overflow_hex(sym, x > 0, &hex));
                        } else {
                            Some(i128::from(x) << n)
                        }
                    } else {
                        Some(if n >= 64 {
                            if x < 0 {
                                -1
                            } else {
                                0
                            }
                        } else {
                            i128::from(x >> n)
                        })
                    }
                }
                _ => None,
            };
            match wide {
                Some(v) if v >= i128::from(i64::MIN) && v <= i128::from(i64::MAX) => {
                    Ok(Val::Int(v as i64))
                }
                Some(v) => Err(overflow_hex(sym, v > 0, &format!("{:x}", v.unsigned_abs()))),
                None => Err(not_applicable(&Val::Int(x))),
            }
        }
        (x @ (Val::Int(_) | Val::Float(_)), y @ (Val::Int(_) | Val::Float(_))) => {
            let (p, q) = (as_f64(&x), as_f64(&y));
            let r = match op {
                BinOp::Add => p + q,
                BinOp::Sub => p - q,
                BinOp::Mul => p * q,
                BinOp::Div => {
                    if q == 0.0 && matches!(y, Val::Int(_)) && matches!(x, Val::Int(_)) {
                        return Err(err("Division by 0".into(), false));
                    }
                    p / q
                }
                _ => return Err(not_applicable(&x)),
            };
            if r.is_infinite() {
                return Err(err(
                    format!("The result of the {sym} expression is Infinity"),
                    true,
                ));
            }
            Ok(Val::Float(r))
        }
        (Val::Timespan(x), Val::Timespan(y)) => match op {
            BinOp::Add => Ok(Val::Timespan(x + y)),
            BinOp::Sub => Ok(Val::Timespan(x - y)),
            _ => Err(not_applicable(&Val::Timespan(x))),
        },
        (Val::Timestamp(x), Val::Timespan(y)) => match op {
            BinOp::Add => Ok(Val::Timestamp(x + y)),
            BinOp::Sub => Ok(Val::Timestamp(x - y)),
            _ => Err(not_applicable(&Val::Timestamp(x))),
        },
        (Val::Timestamp(x), Val::Timestamp(y)) if op == BinOp::Sub => Ok(Val::Timespan(x - y)),
        (Val::Timespan(x), n @ (Val::Int(_) | Val::Float(_))) => {
            let ns = match &n {
                Val::Int(i) => i128::from(*i) * 1_000_000_000,
                _ => (as_f64(&n) * 1e9) as i128,
            };
            match op {
                BinOp::Add => Ok(Val::Timespan(x + ns)),
                BinOp::Sub => Ok(Val::Timespan(x - ns)),
                BinOp::Mul => Ok(Val::Timespan((x as f64 * as_f64(&n)) as i128)),
                BinOp::Div => {
                    if as_f64(&n) == 0.0 {
                        return Err(err("Division by 0".into(), false));
                    }
                    Ok(Val::Timespan((x as f64 / as_f64(&n)) as i128))
                }
                _ => Err(not_applicable(&Val::Timespan(x))),
            }
        }
        (Val::Timestamp(x), n @ (Val::Int(_) | Val::Float(_))) => {
            let ns = match &n {
                Val::Int(i) => i128::from(*i) * 1_000_000_000,
                _ => (as_f64(&n) * 1e9) as i128,
            };
            match op {
                BinOp::Add => Ok(Val::Timestamp(x + ns)),
                BinOp::Sub => Ok(Val::Timestamp(x - ns)),
                _ => Err(not_applicable(&Val::Timestamp(x))),
            }
        }
        (n @ (Val::Int(_) | Val::Float(_)), t @ (Val::Timespan(_) | Val::Timestamp(_))) => match op
        {
            BinOp::Add => arithmetic(op, t, n, notes),
            BinOp::Mul if matches!(t, Val::Timespan(_)) => arithmetic(op, t, n, notes),
            BinOp::Sub if matches!(t, Val::Timespan(_)) => {
                let ns = (as_f64(&n) * 1e9) as i128;
                arithmetic(op, Val::Timespan(ns), t, notes)
            }
            _ => Err(err(
                format!(
                    "Operator '{sym}' is not applicable to {} when right side is {}.",
                    a_label(&n),
                    a_label(&t)
                ),
                true,
            )),
        },
        (x, _) => Err(not_applicable(&x)),
    }
}

/// Puppet's NUMERIC_OVERFLOW message; `hex` is the magnitude of the result in hex.
fn overflow_hex(sym: &str, positive: bool, hex: &str) -> ArithError {
    let (which, sign) = if positive { ("max", '+') } else { ("min", '-') };
    err(
        format!(
            "A '{sym}' expression resulted in a value outside of Puppet Integer {which} range, got '{sign}0x{hex}'"
        ),
        false,
    )
}

/// `x + y` for an array or hash `x` (Puppet's `concatenate`).
fn concatenate(a: Val, b: Val) -> Result<Val, String> {
    match a {
        Val::Array(mut x) => {
            match b {
                Val::Array(y) => x.extend(y),
                Val::Hash(h) => x.extend(h.into_iter().map(|(k, v)| Val::Array(vec![k.0, v]))),
                y => x.push(y),
            }
            Ok(Val::Array(x))
        }
        Val::Hash(mut x) => {
            match b {
                Val::Hash(y) => x.extend(y),
                Val::Array(y) => {
                    // An array of pairs, or a flat key, value, key, value list.
                    let pairs = !y.is_empty() && y.iter().all(|e| matches!(e, Val::Array(_)));
                    if pairs {
                        for e in y {
                            let Val::Array(p) = e else { continue };
                            match p.len() {
                                1 | 2 => {
                                    let mut it = p.into_iter();
                                    let k = it.next().unwrap_or(Val::Undef);
                                    x.insert(Key(k), it.next().unwrap_or(Val::Undef));
                                }
                                n => {
                                    return Err(format!(
                                        "invalid number of elements ({n} for 1..2)"
                                    ))
                                }
                            }
                        }
                    } else {
                        if !y.len().is_multiple_of(2) {
                            return Err("odd number of arguments for Hash".into());
                        }
                        let mut it = y.into_iter();
                        while let (Some(k), Some(v)) = (it.next(), it.next()) {
                            x.insert(Key(k), v);
                        }
                    }
                }
                _ => return Err("Can only append Array or Hash to a Hash".into()),
            }
            Ok(Val::Hash(x))
        }
        a => Ok(Val::Array(vec![a, b])),
    }
}

/// `x - y` for an array or hash `x` (Puppet's `delete`).
fn delete(a: Val, b: Val) -> Val {
    match a {
        Val::Array(x) => {
            let drop: Vec<Val> = match b {
                Val::Array(y) => y,
                Val::Hash(h) => h
                    .into_iter()
                    .map(|(k, v)| Val::Array(vec![k.0, v]))
                    .collect(),
                y => vec![y],
            };
            Val::Array(
                x.into_iter()
                    .filter(|v| !drop.iter().any(|d| ruby_eq(v, d)))
                    .collect(),
            )
        }
        Val::Hash(mut x) => {
            let drop: Vec<Val> = match b {
                Val::Array(y) => y,
                Val::Hash(h) => h.into_iter().map(|(k, _)| k.0).collect(),
                y => vec![y],
            };
            for d in drop {
                x.shift_remove(&Key(d));
            }
            Val::Hash(x)
        }
        a => a,
    }
}

/// What `needle in haystack` needs the caller to do beyond a plain answer.
pub(crate) enum InQuery {
    /// The answer.
    Done(bool),
    /// Match the regex against each string (the first match sets `$0`..`$n`).
    Regex(String, Vec<String>),
}

/// Puppet's `in` (CompareOperator#include?, which searches `haystack` for `needle`).
pub(crate) fn include(haystack: &Val, needle: &Val) -> InQuery {
    match haystack {
        Val::Str(s) => match needle {
            Val::Str(n) => InQuery::Done(s.to_lowercase().contains(&n.to_lowercase())),
            Val::Regex(r) => InQuery::Regex(r.clone(), vec![s.clone()]),
            Val::Int(_) | Val::Float(_) => InQuery::Done(equals(haystack, needle)),
            _ => InQuery::Done(false),
        },
        Val::Binary(b) => InQuery::Done(match needle {
            Val::Binary(n) => contains_bytes(b, n),
            Val::Str(n) => contains_bytes(b, n.as_bytes()),
            Val::Int(i) => u8::try_from(*i).is_ok_and(|x| b.contains(&x)),
            _ => false,
        }),
        Val::Array(a) => include_array(a, needle),
        Val::Iterator(_, a) => include_array(a, needle),
        Val::Hash(h) => {
            let keys: Vec<Val> = h.keys().map(|k| k.0.clone()).collect();
            include_array(&keys, needle)
        }
        _ => InQuery::Done(false),
    }
}

fn contains_bytes(hay: &[u8], n: &[u8]) -> bool {
    n.is_empty() || hay.windows(n.len()).any(|w| w == n)
}

fn include_array(a: &[Val], needle: &Val) -> InQuery {
    match needle {
        Val::Regex(r) => InQuery::Regex(
            r.clone(),
            a.iter()
                .filter_map(|e| match e {
                    Val::Str(s) => Some(s.clone()),
                    _ => None,
                })
                .collect(),
        ),
        Val::Str(_) => InQuery::Done(a.iter().any(|e| matches_option(e, needle))),
        Val::Type(t) => InQuery::Done(a.iter().any(|e| t.matches(e))),
        _ => InQuery::Done(a.iter().any(|e| equals(e, needle))),
    }
}

/// Whether a case or selector option that is not a regex matches the subject (Puppet's
/// `match`): a type by instance, an array element by element, a hash key by key,
/// `default` always, anything else by `==`.
pub(crate) fn matches_option(subject: &Val, option: &Val) -> bool {
    match option {
        Val::Type(t) => t.matches(subject),
        Val::Default => true,
        Val::Array(pats) => match subject {
            Val::Array(vals) => {
                vals.len() == pats.len() && vals.iter().zip(pats).all(|(v, p)| matches_option(v, p))
            }
            _ => false,
        },
        Val::Hash(pats) => match subject {
            Val::Hash(vals) => pats
                .iter()
                .all(|(k, p)| matches_option(vals.get(k).unwrap_or(&Val::Undef), p)),
            _ => false,
        },
        Val::Regex(r) => match subject {
            Val::Str(s) => converge_rubyre::Regex::cached(r).is_ok_and(|re| re.is_match(s)),
            _ => false,
        },
        o => equals(subject, o),
    }
}

/// Why an index into a value failed, and which key (by position) is to blame.
pub(crate) struct AccessError {
    pub(crate) message: String,
    pub(crate) key: Option<usize>,
}

fn access_err(message: String, key: Option<usize>) -> AccessError {
    AccessError { message, key }
}

fn flatten(keys: Vec<Val>) -> Vec<Val> {
    let mut out = Vec::with_capacity(keys.len());
    for k in keys {
        match k {
            Val::Array(a) => out.extend(flatten(a)),
            v => out.push(v),
        }
    }
    out
}

/// The name of a key's type in messages (`String`, `Undef`, `Float`).
fn key_type_name(v: &Val) -> String {
    match v {
        Val::Undef => "Undef".into(),
        Val::Default => "Default".into(),
        v => types::generalize(&types::infer(v)).to_string(),
    }
}

/// `$string[...]`, `$array[...]`, `$hash[...]`.
pub(crate) fn access_value(
    target: &Val,
    keys: Vec<Val>,
    notes: &mut Vec<String>,
) -> Result<Val, AccessError> {
    match target {
        Val::Str(s) => {
            let keys = flatten(keys);
            let chars: Vec<char> = s.chars().collect();
            let len = chars.len() as i64;
            let int = |i: usize, k: &Val| -> Result<i64, AccessError> {
                let n = match k {
                    Val::Str(x) => to_n(x),
                    v => Some(v.clone()),
                };
                match n {
                    Some(Val::Int(v)) => Ok(v),
                    n => Err(access_err(
                        {
                            let t = key_type_name(n.as_ref().unwrap_or(k));
                            format!(
                                "A substring operation does not accept {} {t} as a character index. Expected an Integer",
                                types::article(&t)
                            )
                        },
                        Some(i),
                    )),
                }
            };
            let slice = |from: i64, count: i64| -> String {
                if from < 0 || from > len || count < 0 {
                    return String::new();
                }
                let end = (from.saturating_add(count)).min(len);
                chars[from as usize..end as usize].iter().collect()
            };
            match keys.as_slice() {
                [k] => {
                    let k1 = int(0, k)?;
                    let k1 = if k1 < 0 { len + k1 } else { k1 };
                    Ok(Val::Str(slice(k1, 1)))
                }
                [a, b] => {
                    let (mut k1, mut k2) = (int(0, a)?, int(1, b)?);
                    k1 = if k1 < 0 { len + k1 } else { k1 };
                    k2 = if k2 < 0 { len - k1 + k2 + 1 } else { k2 };
                    if k1 < 0 {
                        k2 += k1;
                        k1 = 0;
                    }
                    Ok(Val::Str(slice(k1, k2)))
                }
                ks => Err(access_err(
                    format!(
                        "String supports [] with one or two arguments. Got {}",
                        ks.len()
                    ),
                    None,
                )),
            }
        }
        Val::Array(a) => {
            let keys = flatten(keys);
            let len = a.len() as i64;
            let mut int = |i: usize, k: &Val| -> Result<i64, AccessError> {
                match coerce_noting(k, notes) {
                    Ok(Val::Int(v)) => Ok(v),
                    Ok(v) => Err(access_err(
                        format!(
                            "An Array[] cannot use {} where Integer is expected",
                            key_type_name(&v)
                        ),
                        Some(i),
                    )),
                    Err(m) => Err(access_err(m, Some(i))),
                }
            };
            match keys.as_slice() {
                [k] => {
                    let k1 = int(0, k)?;
                    let k1 = if k1 < 0 { len + k1 } else { k1 };
                    Ok(if (0..len).contains(&k1) {
                        a[k1 as usize].clone()
                    } else {
                        Val::Undef
                    })
                }
                [x, y] => {
                    let (mut k1, mut k2) = (int(0, x)?, int(1, y)?);
                    k1 = if k1 < 0 { len + k1 } else { k1 };
                    k2 = if k2 < 0 { len - k1 + k2 + 1 } else { k2 };
                    if k1 < 0 {
                        k2 += k1;
                        k1 = 0;
                    }
                    if k1 > len || k2 < 0 {
                        return Ok(Val::Array(Vec::new()));
                    }
                    let end = k1.saturating_add(k2).min(len);
                    Ok(Val::Array(a[k1 as usize..end as usize].to_vec()))
                }
                ks => Err(access_err(
                    format!(
                        "Array supports [] with one or two arguments. Got {}",
                        ks.len()
                    ),
                    None,
                )),
            }
        }
        Val::Hash(h) => hash_access(h, keys),
        Val::Binary(b) => {
            let s: String = b.iter().map(|&x| x as char).collect();
            match access_value(&Val::Str(s), keys, notes)? {
                Val::Str(r) => Ok(Val::Binary(r.chars().map(|c| c as u8).collect())),
                v => Ok(v),
            }
        }
        v => Err(access_err(
            format!("Operator '[]' is not applicable to {}.", a_label(v)),
            None,
        )),
    }
}

fn hash_access(h: &Map, keys: Vec<Val>) -> Result<Val, AccessError> {
    match keys.len() {
        0 => Err(access_err(
            "Hash supports [] with one or more arguments. Got 0".into(),
            None,
        )),
        1 => {
            let k = keys.into_iter().next().unwrap_or(Val::Undef);
            Ok(h.get(&Key(k)).cloned().unwrap_or(Val::Undef))
        }
        _ => Ok(Val::Array(
            keys.into_iter()
                .filter_map(|k| h.get(&Key(k)).cloned())
                .filter(|v| !v.is_undef())
                .collect(),
        )),
    }
}

/// Whether `t` is a type (for the comparison operators, which mean subtyping on types).
pub(crate) fn as_type(v: &Val) -> Option<Ty> {
    match v {
        Val::Type(t) => Some(t.clone()),
        Val::Ref(r) => Some(types::ref_type(r)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_strings_convert_as_puppet_does() {
        assert_eq!(to_n("0x1F"), Some(Val::Int(31)));
        assert_eq!(to_n(" -3 "), Some(Val::Int(-3)));
        assert_eq!(to_n("010"), Some(Val::Int(8)));
        assert_eq!(to_n("1e3"), Some(Val::Float(1000.0)));
        assert_eq!(to_n("1.5"), Some(Val::Float(1.5)));
        assert_eq!(to_n("0e1"), None);
        assert_eq!(to_n("09"), None);
        assert_eq!(to_n("abc"), None);
        assert_eq!(to_n("1."), None);
    }

    #[test]
    fn ruby_integer_division_and_modulo() {
        let div = |a, b| arithmetic(BinOp::Div, Val::Int(a), Val::Int(b), &mut Vec::new()).ok();
        let rem = |a, b| arithmetic(BinOp::Mod, Val::Int(a), Val::Int(b), &mut Vec::new()).ok();
        assert_eq!(div(-7, 2), Some(Val::Int(-4)));
        assert_eq!(div(7, -2), Some(Val::Int(-4)));
        assert_eq!(div(-7, -2), Some(Val::Int(3)));
        assert_eq!(rem(-7, 3), Some(Val::Int(2)));
        assert_eq!(rem(7, -3), Some(Val::Int(-2)));
        let shl = |a, b| arithmetic(BinOp::Shl, Val::Int(a), Val::Int(b), &mut Vec::new()).ok();
        assert_eq!(shl(1, -1), Some(Val::Int(0)));
        assert_eq!(shl(8, -2), Some(Val::Int(2)));
        let shr = |a, b| arithmetic(BinOp::Shr, Val::Int(a), Val::Int(b), &mut Vec::new()).ok();
        assert_eq!(shr(8, -1), Some(Val::Int(16)));
        assert_eq!(shr(-1, 3), Some(Val::Int(-1)));
    }
}
