//! Values as they appear in a compiled catalog.
//!
//! JSON form: plain JSON for undef (`null`), booleans, numbers, strings, arrays and hashes;
//! Puppet's rich-data form for the rest, so that nothing is lost on a round trip:
//! `{"__ptype": "ResourceRef", "__pvalue": "Package[nginx]"}` and
//! `{"__ptype": "Sensitive", "__pvalue": ...}`; a secret known only by its digest (a saved or
//! printed catalog) is `{"__ptype": "Sensitive", "__pdigest": "sha256:<salt>:<hex>"}`.

use crate::{ResourceRef, SecretDigest};
use indexmap::IndexMap;
use serde::de::{self, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// A value in a catalog: a resource parameter, a fact, a hash entry.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Value {
    /// Puppet's `undef`.
    #[default]
    Undef,
    /// `true` or `false`.
    Bool(bool),
    /// A 64-bit integer.
    Integer(i64),
    /// A float.
    Float(f64),
    /// A string.
    String(String),
    /// An ordered array.
    Array(Vec<Value>),
    /// A hash with string keys, in insertion order.
    Hash(IndexMap<String, Value>),
    /// A reference to another resource.
    Ref(ResourceRef),
    /// A value that must never be shown in logs, diffs or reports.
    Sensitive(Box<Value>),
    /// A `Sensitive` value of which only a salted digest is kept (the catalog saved on a
    /// host, `converge catalog`): it can be compared with what is on the host, never shown
    /// or written.
    Redacted(SecretDigest),
}

impl Value {
    /// The string inside, if this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The boolean inside, accepting the strings `"true"`/`"false"` as Puppet's types do.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            Value::String(s) if s == "true" => Some(true),
            Value::String(s) if s == "false" => Some(false),
            _ => None,
        }
    }

    /// Whether this is `undef`.
    pub fn is_undef(&self) -> bool {
        matches!(self, Value::Undef)
    }

    /// The value with any `Sensitive` wrapper removed (for providers, never for output).
    pub fn unwrap_sensitive(&self) -> &Value {
        match self {
            Value::Sensitive(v) => v.unwrap_sensitive(),
            v => v,
        }
    }

    /// Whether this value is, or contains, a sensitive value.
    pub fn is_sensitive(&self) -> bool {
        match self {
            Value::Sensitive(_) | Value::Redacted(_) => true,
            Value::Array(a) => a.iter().any(Value::is_sensitive),
            Value::Hash(h) => h.values().any(Value::is_sensitive),
            _ => false,
        }
    }

    /// A single value or each element of an array, flattened one level (Puppet's
    /// "string or array of strings" attributes).
    pub fn as_list(&self) -> Vec<&Value> {
        match self {
            Value::Array(a) => a.iter().collect(),
            Value::Undef => Vec::new(),
            v => vec![v],
        }
    }

    /// Puppet's name for the type of this value (for messages like `got Integer`).
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Undef => "Undef",
            Value::Bool(_) => "Boolean",
            Value::Integer(_) => "Integer",
            Value::Float(_) => "Float",
            Value::String(_) => "String",
            Value::Array(_) => "Array",
            Value::Hash(_) => "Hash",
            Value::Ref(_) => "Resource",
            Value::Sensitive(_) | Value::Redacted(_) => "Sensitive",
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(s.to_string())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(s)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl From<i64> for Value {
    fn from(i: i64) -> Self {
        Value::Integer(i)
    }
}

/// Puppet's string form: what interpolation into a double-quoted string produces.
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Undef => Ok(()),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Integer(i) => write!(f, "{i}"),
            Value::Float(x) => {
                if x.fract() == 0.0 && x.is_finite() && x.abs() < 1e16 {
                    write!(f, "{x:.1}")
                } else {
                    write!(f, "{x}")
                }
            }
            Value::String(s) => f.write_str(s),
            Value::Array(a) => {
                f.write_str("[")?;
                for (i, v) in a.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write_nested(f, v)?;
                }
                f.write_str("]")
            }
            Value::Hash(h) => {
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
            Value::Ref(r) => write!(f, "{r}"),
            Value::Sensitive(_) | Value::Redacted(_) => f.write_str("Sensitive [value redacted]"),
        }
    }
}

/// Inside arrays and hashes Puppet quotes strings: `['a', 'b']`.
fn write_nested(f: &mut fmt::Formatter<'_>, v: &Value) -> fmt::Result {
    match v {
        Value::String(s) => write!(f, "'{s}'"),
        Value::Undef => f.write_str("undef"),
        v => write!(f, "{v}"),
    }
}

const PTYPE: &str = "__ptype";
const PVALUE: &str = "__pvalue";
const PDIGEST: &str = "__pdigest";

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Undef => s.serialize_none(),
            Value::Bool(b) => s.serialize_bool(*b),
            Value::Integer(i) => s.serialize_i64(*i),
            Value::Float(x) => s.serialize_f64(*x),
            Value::String(v) => s.serialize_str(v),
            Value::Array(a) => {
                let mut seq = s.serialize_seq(Some(a.len()))?;
                for v in a {
                    seq.serialize_element(v)?;
                }
                seq.end()
            }
            Value::Hash(h) => {
                let mut map = s.serialize_map(Some(h.len()))?;
                for (k, v) in h {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
            Value::Ref(r) => {
                let mut map = s.serialize_map(Some(2))?;
                map.serialize_entry(PTYPE, "ResourceRef")?;
                map.serialize_entry(PVALUE, &r.to_string())?;
                map.end()
            }
            Value::Sensitive(v) => {
                let mut map = s.serialize_map(Some(2))?;
                map.serialize_entry(PTYPE, "Sensitive")?;
                map.serialize_entry(PVALUE, v)?;
                map.end()
            }
            Value::Redacted(d) => {
                let mut map = s.serialize_map(Some(2))?;
                map.serialize_entry(PTYPE, "Sensitive")?;
                map.serialize_entry(PDIGEST, &d.to_string())?;
                map.end()
            }
        }
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a catalog value")
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Undef)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Undef)
    }
    fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }
    fn visit_i64<E>(self, i: i64) -> Result<Value, E> {
        Ok(Value::Integer(i))
    }
    fn visit_u64<E: de::Error>(self, u: u64) -> Result<Value, E> {
        i64::try_from(u)
            .map(Value::Integer)
            .map_err(|_| E::custom(format!("integer {u} is too large")))
    }
    fn visit_f64<E>(self, x: f64) -> Result<Value, E> {
        Ok(Value::Float(x))
    }
    fn visit_str<E>(self, s: &str) -> Result<Value, E> {
        Ok(Value::String(s.to_string()))
    }
    fn visit_string<E>(self, s: String) -> Result<Value, E> {
        Ok(Value::String(s))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        while let Some(v) = seq.next_element()? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut h: IndexMap<String, Value> = IndexMap::new();
        while let Some((k, v)) = map.next_entry::<String, Value>()? {
            h.insert(k, v);
        }
        if h.len() == 2 {
            if let (Some(Value::String(t)), Some(d)) = (h.get(PTYPE), h.get(PDIGEST)) {
                if t == "Sensitive" {
                    return d
                        .as_str()
                        .and_then(SecretDigest::parse)
                        .map(Value::Redacted)
                        .ok_or_else(|| {
                            de::Error::custom("a Sensitive __pdigest must be sha256:<salt>:<hex>")
                        });
                }
            }
            if let (Some(Value::String(t)), Some(v)) = (h.get(PTYPE), h.get(PVALUE)) {
                match t.as_str() {
                    "ResourceRef" => {
                        let s = v.as_str().ok_or_else(|| {
                            de::Error::custom("a ResourceRef's __pvalue must be a string")
                        })?;
                        return ResourceRef::parse(s)
                            .map(Value::Ref)
                            .map_err(de::Error::custom);
                    }
                    "Sensitive" => return Ok(Value::Sensitive(Box::new(v.clone()))),
                    other => {
                        return Err(de::Error::custom(format!("unknown __ptype '{other}'")));
                    }
                }
            }
        }
        Ok(Value::Hash(h))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_round_trip_keeps_refs_and_sensitive() {
        let mut h = IndexMap::new();
        h.insert("b".to_string(), Value::Integer(1));
        h.insert("a".to_string(), Value::Undef);
        let v = Value::Array(vec![
            Value::Ref(ResourceRef::new("package", "nginx")),
            Value::Sensitive(Box::new("secret".into())),
            Value::Hash(h),
            Value::Float(1.5),
            Value::Bool(false),
        ]);
        let json = serde_json::to_string(&v).unwrap();
        assert_eq!(
            json,
            r#"[{"__ptype":"ResourceRef","__pvalue":"Package[nginx]"},{"__ptype":"Sensitive","__pvalue":"secret"},{"b":1,"a":null},1.5,false]"#
        );
        let back: Value = serde_json::from_str(&json).unwrap();
        assert_eq!(back, v);
    }

    #[test]
    fn display_matches_puppet_interpolation() {
        let v = Value::Array(vec!["x".into(), Value::Integer(2)]);
        assert_eq!(v.to_string(), "['x', 2]");
        assert_eq!(Value::Undef.to_string(), "");
        assert_eq!(Value::Float(2.0).to_string(), "2.0");
        assert_eq!(
            Value::Sensitive(Box::new("pw".into())).to_string(),
            "Sensitive [value redacted]"
        );
    }
}
