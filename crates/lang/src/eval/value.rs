//! Runtime values of the evaluator: the catalog's values plus what only exists while
//! compiling (`default`, types, regexes, collectors), and Puppet's operators on them.

use super::types::Ty;
use converge_catalog::{ResourceRef, Value};
use indexmap::IndexMap;
use std::cmp::Ordering;
use std::fmt;

/// A value while evaluating.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Val {
    Undef,
    Default,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Array(Vec<Val>),
    Hash(IndexMap<String, Val>),
    Ref(ResourceRef),
    Type(Ty),
    Regex(String),
    Sensitive(Box<Val>),
    /// A collector expression, by its index in the compiler's collector list.
    Collector(usize),
}

impl Val {
    /// Puppet's truthiness: only `undef` and `false` are false.
    pub(crate) fn truthy(&self) -> bool {
        !matches!(self, Val::Undef | Val::Bool(false))
    }

    /// Whether this is `undef`.
    pub(crate) fn is_undef(&self) -> bool {
        matches!(self, Val::Undef)
    }

    /// Puppet's name for the type of this value, as used in "got X" messages.
    pub(crate) fn type_name(&self) -> String {
        match self {
            Val::Undef => "Undef".into(),
            Val::Default => "Default".into(),
            Val::Bool(_) => "Boolean".into(),
            Val::Int(_) => "Integer".into(),
            Val::Float(_) => "Float".into(),
            Val::Str(_) => "String".into(),
            Val::Array(_) => "Array".into(),
            Val::Hash(_) => "Hash".into(),
            Val::Ref(r) => {
                if r.is_class() {
                    "Class".into()
                } else {
                    r.type_name.clone()
                }
            }
            Val::Type(_) => "Type".into(),
            Val::Regex(_) => "Regexp".into(),
            Val::Sensitive(_) => "Sensitive".into(),
            Val::Collector(_) => "Collector".into(),
        }
    }

    /// Convert to the catalog's value model.
    pub(crate) fn to_value(&self) -> Value {
        match self {
            Val::Undef | Val::Collector(_) => Value::Undef,
            Val::Default => Value::String("default".into()),
            Val::Bool(b) => Value::Bool(*b),
            Val::Int(i) => Value::Integer(*i),
            Val::Float(f) => Value::Float(*f),
            Val::Str(s) => Value::String(s.clone()),
            Val::Array(a) => Value::Array(a.iter().map(Val::to_value).collect()),
            Val::Hash(h) => Value::Hash(h.iter().map(|(k, v)| (k.clone(), v.to_value())).collect()),
            Val::Ref(r) => Value::Ref(r.clone()),
            Val::Type(t) => Value::String(t.to_string()),
            Val::Regex(r) => Value::String(format!("/{r}/")),
            Val::Sensitive(v) => Value::Sensitive(Box::new(v.to_value())),
        }
    }

    /// Convert to the catalog's value model, consuming the value (no copies of strings).
    pub(crate) fn into_value(self) -> Value {
        match self {
            Val::Str(s) => Value::String(s),
            Val::Array(a) => Value::Array(a.into_iter().map(Val::into_value).collect()),
            Val::Hash(h) => Value::Hash(h.into_iter().map(|(k, v)| (k, v.into_value())).collect()),
            Val::Ref(r) => Value::Ref(r),
            Val::Sensitive(v) => Value::Sensitive(Box::new(v.into_value())),
            v => v.to_value(),
        }
    }

    /// Convert from the catalog's value model (facts).
    pub(crate) fn from_value(v: &Value) -> Val {
        match v {
            Value::Undef => Val::Undef,
            Value::Bool(b) => Val::Bool(*b),
            Value::Integer(i) => Val::Int(*i),
            Value::Float(f) => Val::Float(*f),
            Value::String(s) => Val::Str(s.clone()),
            Value::Array(a) => Val::Array(a.iter().map(Val::from_value).collect()),
            Value::Hash(h) => Val::Hash(
                h.iter()
                    .map(|(k, v)| (k.clone(), Val::from_value(v)))
                    .collect(),
            ),
            Value::Ref(r) => Val::Ref(r.clone()),
            Value::Sensitive(v) => Val::Sensitive(Box::new(Val::from_value(v))),
            // Only saved or printed catalogs hold digests, never facts: still Sensitive,
            // with nothing inside to leak.
            Value::Redacted(_) => Val::Sensitive(Box::new(Val::Undef)),
        }
    }

    /// The key a value has in a hash (hash keys are kept as strings).
    pub(crate) fn key_string(&self) -> String {
        match self {
            Val::Str(s) => s.clone(),
            v => v.to_string(),
        }
    }

    /// A value as a number, accepting numeric strings as Puppet's arithmetic does.
    pub(crate) fn as_number(&self) -> Option<Val> {
        match self {
            Val::Int(_) | Val::Float(_) => Some(self.clone()),
            Val::Str(s) => parse_number(s.trim()),
            _ => None,
        }
    }
}

/// Parse Puppet's number syntax (decimal, hex, octal, float) from a string.
pub(crate) fn parse_number(s: &str) -> Option<Val> {
    let (neg, body) = match s.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let int = if let Some(h) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
        i64::from_str_radix(h, 16).ok()
    } else if body.len() > 1 && body.starts_with('0') && body.bytes().all(|b| b.is_ascii_digit()) {
        i64::from_str_radix(&body[1..], 8).ok()
    } else if !body.is_empty() && body.bytes().all(|b| b.is_ascii_digit()) {
        body.parse::<i64>().ok()
    } else {
        None
    };
    if let Some(i) = int {
        return Some(Val::Int(if neg { i.checked_neg()? } else { i }));
    }
    if body.is_empty() || !body.bytes().next().is_some_and(|b| b.is_ascii_digit()) {
        return None;
    }
    if body.bytes().all(|b| {
        b.is_ascii_digit() || b == b'.' || b == b'e' || b == b'E' || b == b'-' || b == b'+'
    }) {
        let f: f64 = body.parse().ok()?;
        return Some(Val::Float(if neg { -f } else { f }));
    }
    None
}

impl fmt::Display for Val {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Val::Undef | Val::Collector(_) => Ok(()),
            Val::Default => f.write_str("default"),
            Val::Bool(b) => write!(f, "{b}"),
            Val::Int(i) => write!(f, "{i}"),
            Val::Float(x) => write!(f, "{}", Value::Float(*x)),
            Val::Str(s) => f.write_str(s),
            Val::Array(a) => {
                f.write_str("[")?;
                for (i, v) in a.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write_nested(f, v)?;
                }
                f.write_str("]")
            }
            Val::Hash(h) => {
                if h.is_empty() {
                    return f.write_str("{}");
                }
                f.write_str("{")?;
                for (i, (k, v)) in h.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "'{k}' => ")?;
                    write_nested(f, v)?;
                }
                f.write_str("}")
            }
            Val::Ref(r) => write!(f, "{r}"),
            Val::Type(t) => write!(f, "{t}"),
            Val::Regex(r) => write!(f, "/{r}/"),
            Val::Sensitive(_) => f.write_str("Sensitive [value redacted]"),
        }
    }
}

fn write_nested(f: &mut fmt::Formatter<'_>, v: &Val) -> fmt::Result {
    match v {
        Val::Str(s) => write!(f, "'{s}'"),
        Val::Undef => f.write_str("undef"),
        v => write!(f, "{v}"),
    }
}

/// Puppet's `==`: strings ignore case, integers equal floats of the same value.
pub(crate) fn puppet_eq(a: &Val, b: &Val) -> bool {
    match (a, b) {
        (Val::Str(x), Val::Str(y)) => x == y || x.to_lowercase() == y.to_lowercase(),
        (Val::Int(x), Val::Float(y)) | (Val::Float(y), Val::Int(x)) => (*x as f64) == *y,
        (Val::Array(x), Val::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| puppet_eq(p, q))
        }
        (Val::Hash(x), Val::Hash(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| puppet_eq(v, w)))
        }
        (Val::Sensitive(_), _) | (_, Val::Sensitive(_)) => false,
        _ => a == b,
    }
}

/// Puppet's ordering for `<`, `>`, `<=`, `>=`: numbers numerically, strings ignoring case.
pub(crate) fn puppet_cmp(a: &Val, b: &Val) -> Option<Ordering> {
    match (a, b) {
        (Val::Int(x), Val::Int(y)) => Some(x.cmp(y)),
        (Val::Int(x), Val::Float(y)) => (*x as f64).partial_cmp(y),
        (Val::Float(x), Val::Int(y)) => x.partial_cmp(&(*y as f64)),
        (Val::Float(x), Val::Float(y)) => x.partial_cmp(y),
        (Val::Str(x), Val::Str(y)) => Some(x.to_lowercase().cmp(&y.to_lowercase())),
        _ => None,
    }
}
