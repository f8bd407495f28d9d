//! Runtime values of the evaluator: the catalog's values plus what only exists while
//! compiling (`default`, types, regexes, collectors), and Puppet's operators on them.

use super::types::Ty;
use converge_catalog::{ResourceRef, Value};
use indexmap::IndexMap;
use std::fmt;

/// A hash key: any value, as in Puppet (`{1 => a}`, `{[1, 2] => b}`). Keys compare as
/// Ruby's `eql?` does (`1` and `1.0` are different keys, strings are case-sensitive);
/// a string key hashes as its text, so maps can be searched with a `&str`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Key(pub(crate) Val);

/// A Puppet hash: insertion-ordered, any keys.
pub(crate) type Map = IndexMap<Key, Val>;

impl Eq for Key {}

impl std::hash::Hash for Key {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        hash_val(&self.0, h);
    }
}

fn hash_val<H: std::hash::Hasher>(v: &Val, h: &mut H) {
    use std::hash::Hash;
    match v {
        // Exactly as `str` hashes, for look-ups by `&str`.
        Val::Str(s) => s.as_str().hash(h),
        Val::Int(i) => (1u8, *i).hash(h),
        Val::Float(f) => (2u8, f.to_bits()).hash(h),
        Val::Bool(b) => (3u8, *b).hash(h),
        Val::Array(a) => {
            4u8.hash(h);
            for x in a {
                hash_val(x, h);
            }
        }
        Val::Hash(m) => (5u8, m.len()).hash(h),
        v => (6u8, v.to_string()).hash(h),
    }
}

impl indexmap::Equivalent<Key> for str {
    fn equivalent(&self, key: &Key) -> bool {
        matches!(&key.0, Val::Str(s) if s == self)
    }
}

impl indexmap::Equivalent<Key> for String {
    fn equivalent(&self, key: &Key) -> bool {
        matches!(&key.0, Val::Str(s) if s == self)
    }
}

impl From<String> for Key {
    fn from(s: String) -> Key {
        Key(Val::Str(s))
    }
}

impl From<&str> for Key {
    fn from(s: &str) -> Key {
        Key(Val::Str(s.to_string()))
    }
}

impl Key {
    /// The key as a string, when it is one.
    pub(crate) fn as_str(&self) -> Option<&str> {
        match &self.0 {
            Val::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The key's text: a string as is, anything else as interpolation writes it.
    pub(crate) fn text(&self) -> String {
        self.0.key_string()
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

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
    Hash(Map),
    Ref(ResourceRef),
    Type(Ty),
    Regex(String),
    Sensitive(Box<Val>),
    /// A collector expression, by its index in the compiler's collector list.
    Collector(usize),
    /// Bytes (`Binary('aGVsbG8=')`).
    Binary(Vec<u8>),
    /// Nanoseconds since the epoch, UTC.
    Timestamp(i128),
    /// Nanoseconds.
    Timespan(i128),
    /// An iterator (`$a.reverse_each`, `$a.step(2)`): its element type and its elements,
    /// computed eagerly (every Puppet iterator over a value is finite).
    Iterator(Box<Ty>, Vec<Val>),
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
            Val::Binary(_) => "Binary".into(),
            Val::Timestamp(_) => "Timestamp".into(),
            Val::Timespan(_) => "Timespan".into(),
            Val::Iterator(..) => "Iterator".into(),
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
            Val::Hash(h) => Value::Hash(h.iter().map(|(k, v)| (k.text(), v.to_value())).collect()),
            Val::Ref(r) => Value::Ref(r.clone()),
            Val::Type(t) => Value::String(t.to_string()),
            Val::Regex(r) => Value::String(format!("/{r}/")),
            Val::Sensitive(v) => Value::Sensitive(Box::new(v.to_value())),
            Val::Iterator(_, a) => Value::Array(a.iter().map(Val::to_value).collect()),
            v @ (Val::Binary(_) | Val::Timestamp(_) | Val::Timespan(_)) => {
                Value::String(v.to_string())
            }
        }
    }

    /// Convert to the catalog's value model, consuming the value (no copies of strings).
    pub(crate) fn into_value(self) -> Value {
        match self {
            Val::Str(s) => Value::String(s),
            Val::Array(a) => Value::Array(a.into_iter().map(Val::into_value).collect()),
            Val::Hash(h) => Value::Hash(
                h.into_iter()
                    .map(|(k, v)| (key_into_string(k), v.into_value()))
                    .collect(),
            ),
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
                    .map(|(k, v)| (Key::from(k.as_str()), Val::from_value(v)))
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

/// A hash key as the catalog's (string) key.
fn key_into_string(k: Key) -> String {
    match k.0 {
        Val::Str(s) => s,
        v => v.key_string(),
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
    /// The value as Puppet interpolates it (`"${x}"`) and logs it (`notice(x)`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Val::Str(s) => f.write_str(s),
            v => f.write_str(&super::format::to_s(v)),
        }
    }
}
