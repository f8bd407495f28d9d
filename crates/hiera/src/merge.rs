//! Merge strategies: `first`, `unique`, `hash` and `deep` (with `knockout_prefix`,
//! `merge_hash_arrays` and `sort_merged_arrays`), exactly as Puppet's `MergeStrategy` and
//! the `deep_merge` gem combine values.

use crate::Error;
use converge_catalog::Value;
use indexmap::IndexMap;

/// How the values found in several places combine.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Merge {
    /// The first value found wins (the default).
    #[default]
    First,
    /// Arrays (and single values) flattened into one array without duplicates.
    Unique,
    /// Hashes merged one level deep; earlier (higher priority) keys win.
    Hash,
    /// Hashes merged recursively, arrays unioned.
    Deep {
        /// Values starting with this prefix remove what lower levels gave.
        knockout_prefix: Option<String>,
        /// Arrays of hashes are merged element by element.
        merge_hash_arrays: bool,
        /// Merged arrays are sorted.
        sort_merged_arrays: bool,
    },
}

impl Merge {
    /// A strategy from a `merge` argument or lookup option: a name, or a hash with
    /// `strategy` and its options.
    pub fn from_value(v: &Value) -> Result<Merge, Error> {
        let (name, opts) = match v {
            Value::String(s) => (s.clone(), IndexMap::new()),
            Value::Hash(h) => match h.get("strategy") {
                Some(Value::String(s)) => (s.clone(), h.clone()),
                _ => {
                    return Err(Error::new(
                        "hiera-merge",
                        "The hash given as 'merge' must contain the name of a strategy in string form for the key 'strategy'",
                    ))
                }
            },
            Value::Undef => return Ok(Merge::First),
            v => {
                return Err(Error::new(
                    "hiera-merge",
                    format!("Unknown merge strategy: '{v}'"),
                ))
            }
        };
        let bool_opt = |k: &str| -> Result<bool, Error> {
            match opts.get(k) {
                None | Some(Value::Undef) => Ok(false),
                Some(Value::Bool(b)) => Ok(*b),
                Some(v) => Err(Error::new(
                    "hiera-merge",
                    format!("The merge options entry '{k}' expects a Boolean value, got {v}"),
                )),
            }
        };
        let allowed: &[&str] = match name.as_str() {
            "deep" => &[
                "strategy",
                "knockout_prefix",
                "merge_debug",
                "merge_hash_arrays",
                "sort_merged_arrays",
            ],
            _ => &["strategy"],
        };
        if let Some(k) = opts.keys().find(|k| !allowed.contains(&k.as_str())) {
            return Err(Error::new(
                "hiera-merge",
                format!("The merge options has wrong type, unrecognized key '{k}' for strategy '{name}'"),
            ));
        }
        Ok(match name.as_str() {
            "first" | "default" => Merge::First,
            "unique" => Merge::Unique,
            "hash" => Merge::Hash,
            "deep" => Merge::Deep {
                knockout_prefix: match opts.get("knockout_prefix") {
                    Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
                    _ => None,
                },
                merge_hash_arrays: bool_opt("merge_hash_arrays")?,
                sort_merged_arrays: bool_opt("sort_merged_arrays")?,
            },
            other => {
                return Err(
                    Error::new("hiera-merge", format!("Unknown merge strategy: '{other}'"))
                        .with_hint("use first, unique, hash or deep"),
                )
            }
        })
    }

    /// The strategy's name, as explanations print it.
    pub fn name(&self) -> &'static str {
        match self {
            Merge::First => "first",
            Merge::Unique => "unique",
            Merge::Hash => "hash",
            Merge::Deep { .. } => "deep",
        }
    }

    /// The options besides the strategy, as explanations print them.
    pub(crate) fn options(&self) -> Option<Value> {
        let Merge::Deep {
            knockout_prefix,
            merge_hash_arrays,
            sort_merged_arrays,
        } = self
        else {
            return None;
        };
        let mut h = IndexMap::new();
        if let Some(k) = knockout_prefix {
            h.insert("knockout_prefix".to_string(), Value::String(k.clone()));
        }
        if *merge_hash_arrays {
            h.insert("merge_hash_arrays".to_string(), Value::Bool(true));
        }
        if *sort_merged_arrays {
            h.insert("sort_merged_arrays".to_string(), Value::Bool(true));
        }
        (!h.is_empty()).then_some(Value::Hash(h))
    }

    /// A value found alone (`merge_single`): `unique` removes duplicates.
    pub(crate) fn single(&self, v: Value) -> Value {
        match (self, v) {
            (Merge::Unique, Value::Array(a)) => Value::Array(uniq(a)),
            (_, v) => v,
        }
    }

    /// The first of several values found (`convert_value`).
    pub(crate) fn first_of_many(&self, v: Value) -> Value {
        match self {
            Merge::Unique => Value::Array(flat(v)),
            _ => v,
        }
    }

    /// Merge `lower` (found later, lower priority) into `memo` (found earlier).
    pub(crate) fn merge(&self, memo: Value, lower: Value) -> Result<Value, Error> {
        match self {
            Merge::First => Ok(memo),
            Merge::Unique => {
                for (which, v) in [("first", &memo), ("second", &lower)] {
                    if !matches!(v, Value::Array(_)) && !is_scalar(v) {
                        return Err(Error::new(
                            "hiera-merge",
                            format!("The {which} element of the merge expects a value of type Scalar or Array[Data], got {}", type_name(v)),
                        ));
                    }
                }
                let mut a = flat(memo);
                a.extend(flat(lower));
                Ok(Value::Array(uniq(a)))
            }
            Merge::Hash => {
                let (Value::Hash(hi), Value::Hash(lo)) = (&memo, &lower) else {
                    let bad = if matches!(memo, Value::Hash(_)) {
                        ("second", &lower)
                    } else {
                        ("first", &memo)
                    };
                    return Err(Error::new(
                        "hiera-merge",
                        format!(
                            "The {} element of the merge expects a Hash value, got {}",
                            bad.0,
                            type_name(bad.1)
                        ),
                    ));
                };
                // Ruby's `lower.merge(higher)`: lower's key order, higher's values.
                let mut out = lo.clone();
                for (k, v) in hi {
                    out.insert(k.clone(), v.clone());
                }
                Ok(Value::Hash(out))
            }
            Merge::Deep {
                knockout_prefix,
                merge_hash_arrays,
                sort_merged_arrays,
            } => {
                let o = DeepOpts {
                    knockout: knockout_prefix.as_deref(),
                    merge_hash_arrays: *merge_hash_arrays,
                    sort: *sort_merged_arrays,
                };
                Ok(deep_merge(memo, lower, &o))
            }
        }
    }
}

fn is_scalar(v: &Value) -> bool {
    matches!(
        v,
        Value::String(_) | Value::Integer(_) | Value::Float(_) | Value::Bool(_)
    )
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Undef => "Undef",
        Value::Bool(_) => "Boolean",
        Value::Integer(_) => "Integer",
        Value::Float(_) => "Float",
        Value::String(_) => "String",
        Value::Array(_) => "Array",
        Value::Hash(_) => "Hash",
        _ => "Object",
    }
}

/// Ruby's `flatten` of an array, or `[v]`.
fn flat(v: Value) -> Vec<Value> {
    fn go(v: Value, out: &mut Vec<Value>) {
        match v {
            Value::Array(a) => a.into_iter().for_each(|x| go(x, out)),
            v => out.push(v),
        }
    }
    match v {
        Value::Array(_) => {
            let mut out = Vec::new();
            go(v, &mut out);
            out
        }
        v => vec![v],
    }
}

fn uniq(a: Vec<Value>) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::with_capacity(a.len());
    for v in a {
        if !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

struct DeepOpts<'a> {
    knockout: Option<&'a str>,
    merge_hash_arrays: bool,
    sort: bool,
}

/// Ruby truthiness, which `deep_merge` uses to decide whether a key "exists".
fn truthy(v: &Value) -> bool {
    !matches!(v, Value::Undef | Value::Bool(false))
}

/// `DeepMerge.deep_merge!(source, dest)` with `preserve_unmergeables: false`: `source`
/// (higher priority) is merged into `dest`.
fn deep_merge(source: Value, dest: Value, o: &DeepOpts<'_>) -> Value {
    if matches!(source, Value::Undef) {
        return dest;
    }
    if !truthy(&dest) {
        return source;
    }
    match source {
        Value::Hash(src) => {
            let Value::Hash(mut d) = dest else {
                return overwrite(Value::Hash(src), o);
            };
            for (k, sv) in src {
                let merged = match d.get(&k) {
                    Some(dv) if truthy(dv) => deep_merge(sv, dv.clone(), o),
                    _ => deep_merge(sv.clone(), sv, o),
                };
                d.insert(k, merged);
            }
            Value::Hash(d)
        }
        Value::Array(mut src) => {
            let mut dest = dest;
            if let Some(ko) = o.knockout {
                if src.iter().any(|v| matches!(v, Value::String(s) if s == ko)) {
                    dest = match dest {
                        Value::Array(_) => Value::Array(Vec::new()),
                        Value::Hash(_) => Value::Hash(IndexMap::new()),
                        Value::String(_) => Value::String(String::new()),
                        _ => Value::Undef,
                    };
                    src.retain(|v| !matches!(v, Value::String(s) if s == ko));
                }
            }
            let Value::Array(mut d) = dest else {
                return overwrite(Value::Array(src), o);
            };
            if let Some(ko) = o.knockout {
                src.retain(|item| {
                    if let Value::String(s) = item {
                        if let Some(stripped) = s.strip_prefix(ko) {
                            let stripped = Value::String(stripped.to_string());
                            d.retain(|x| x != &stripped && x != item);
                            return false;
                        }
                    }
                    true
                });
            }
            let all_hashes = |a: &[Value]| a.iter().all(|v| matches!(v, Value::Hash(_)));
            let mut out = if o.merge_hash_arrays && all_hashes(&src) && all_hashes(&d) {
                let mut list: Vec<Value> = d
                    .iter()
                    .enumerate()
                    .map(|(i, dv)| {
                        let sv = src.get(i).cloned().unwrap_or(Value::Hash(IndexMap::new()));
                        deep_merge(sv, dv.clone(), o)
                    })
                    .collect();
                if src.len() > d.len() {
                    list.extend(src[d.len()..].iter().cloned());
                }
                list
            } else {
                // Ruby's `dest | source`.
                let mut u = uniq(std::mem::take(&mut d));
                for v in src {
                    if !u.contains(&v) {
                        u.push(v);
                    }
                }
                u
            };
            if o.sort {
                out.sort_by(ruby_cmp);
            }
            Value::Array(out)
        }
        source => overwrite(source, o),
    }
}

/// `overwrite_unmergeables`: the source replaces the destination, unless a knockout
/// prefix marks it, in which case the destination is emptied.
fn overwrite(source: Value, o: &DeepOpts<'_>) -> Value {
    let Some(ko) = o.knockout else {
        return source;
    };
    match source {
        Value::String(s) => match s.strip_prefix(ko) {
            Some(_) => Value::String(String::new()),
            None => Value::String(s),
        },
        Value::Array(a) => {
            let kept: Vec<Value> = a
                .iter()
                .filter(|v| !matches!(v, Value::String(s) if s.starts_with(ko)))
                .cloned()
                .collect();
            if kept.len() == a.len() {
                Value::Array(a)
            } else {
                Value::String(String::new())
            }
        }
        v => v,
    }
}

fn ruby_cmp(a: &Value, b: &Value) -> std::cmp::Ordering {
    match (a, b) {
        (Value::Integer(x), Value::Integer(y)) => x.cmp(y),
        (Value::Float(x), Value::Float(y)) => x.total_cmp(y),
        (Value::Integer(x), Value::Float(y)) => (*x as f64).total_cmp(y),
        (Value::Float(x), Value::Integer(y)) => x.total_cmp(&(*y as f64)),
        _ => a.to_string().cmp(&b.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn j(s: &str) -> Value {
        serde_json::from_str(s).unwrap()
    }

    #[test]
    fn deep_merge_unions_arrays_and_keeps_lower_key_order() {
        let m = Merge::from_value(&j(r#"{"strategy":"deep"}"#)).unwrap();
        let got = m
            .merge(
                j(r#"{"deploy":{"groups":["sudo"],"home":"/home/deploy"}}"#),
                j(r#"{"deploy":{"uid":2001,"groups":["adm"]}}"#),
            )
            .unwrap();
        assert_eq!(
            got,
            j(r#"{"deploy":{"uid":2001,"groups":["adm","sudo"],"home":"/home/deploy"}}"#)
        );
    }

    #[test]
    fn knockout_prefix_removes_lower_values() {
        let m = Merge::from_value(&j(r#"{"strategy":"deep","knockout_prefix":"--"}"#)).unwrap();
        let got = m
            .merge(j(r#"{"a":["--x","y"]}"#), j(r#"{"a":["x","z"]}"#))
            .unwrap();
        assert_eq!(got, j(r#"{"a":["z","y"]}"#));
    }

    #[test]
    fn hash_and_unique() {
        assert_eq!(
            Merge::Hash
                .merge(j(r#"{"a":1}"#), j(r#"{"b":2,"a":3}"#))
                .unwrap(),
            j(r#"{"b":2,"a":1}"#)
        );
        assert_eq!(
            Merge::Unique
                .merge(j(r#"["a",["b"]]"#), j(r#""a""#))
                .unwrap(),
            j(r#"["a","b"]"#)
        );
        assert!(Merge::Hash.merge(j("1"), j("{}")).is_err());
        assert!(Merge::from_value(&j(r#""nope""#)).is_err());
    }
}
