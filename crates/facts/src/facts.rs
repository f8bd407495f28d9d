//! The [`Facts`] map and what callers do with it: merge a facts file, apply environment
//! overrides, look up a dotted path.

use converge_catalog::Value;
use indexmap::IndexMap;
use serde::Deserialize;

/// What can go wrong when layering user-supplied facts over discovered ones.
#[derive(Debug, thiserror::Error)]
pub enum FactsError {
    /// A facts file whose top level is not a JSON object.
    #[error("facts must be a JSON object of fact names to values, found {0}")]
    NotAnObject(&'static str),
    /// A value that cannot become a catalog value (an unknown `__ptype`, a huge integer).
    #[error("invalid fact value: {0}")]
    InvalidValue(String),
}

/// The top-level facts of a host, by name, in facter's shapes (`networking`, `os`, ... are
/// hashes; legacy flat names such as `ipaddress` sit beside them).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Facts {
    map: IndexMap<String, Value>,
}

impl Facts {
    /// Resolve every fact of the running host (no process is spawned).
    pub fn discover() -> Facts {
        Facts {
            map: crate::discover::discover(),
        }
    }

    /// Facts from a ready map (tests, a catalog compiled for another host).
    pub fn from_map(map: IndexMap<String, Value>) -> Facts {
        Facts { map }
    }

    /// The facts by name.
    pub fn as_map(&self) -> &IndexMap<String, Value> {
        &self.map
    }

    /// The facts by name, owned.
    pub fn into_map(self) -> IndexMap<String, Value> {
        self.map
    }

    /// One top-level fact.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.map.get(name)
    }

    /// Set one top-level fact.
    pub fn insert(&mut self, name: impl Into<String>, value: Value) {
        self.map.insert(name.into(), value);
    }

    /// Lay a JSON object (a `--facts F.json` file) over the facts: hashes merge key by key,
    /// recursively, anything else replaces what was there.
    pub fn merge_json(&mut self, json: &serde_json::Value) -> Result<(), FactsError> {
        let obj = match json {
            serde_json::Value::Object(o) => o,
            other => return Err(FactsError::NotAnObject(json_kind(other))),
        };
        let mut facts = IndexMap::new();
        for (k, v) in obj {
            let v = Value::deserialize(v)
                .map_err(|e| FactsError::InvalidValue(format!("fact '{k}': {e}")))?;
            facts.insert(k.clone(), v);
        }
        self.merge(facts);
        Ok(())
    }

    /// Lay facts over these: hashes merge key by key, recursively, anything else replaces
    /// what was there.
    pub fn merge(&mut self, facts: IndexMap<String, Value>) {
        for (k, v) in facts {
            match self.map.get_mut(&k) {
                Some(old) => deep_merge(old, v),
                None => {
                    self.map.insert(k, v);
                }
            }
        }
    }

    /// Apply `FACTER_<name>=value` overrides from environment-like pairs: every key that
    /// starts with `FACTER_` (any case) sets the top-level fact `<name>` (lowercased) to the
    /// string value, replacing a structured fact wholesale, as Puppet does. Other keys are
    /// ignored, so `std::env::vars()` can be passed as it is.
    pub fn apply_env_overrides<I, K, V>(&mut self, vars: I)
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        for (k, v) in vars {
            let k = k.as_ref();
            let Some(prefix) = k.get(..7) else { continue };
            if !prefix.eq_ignore_ascii_case("FACTER_") || k.len() == 7 {
                continue;
            }
            let name = k[7..].to_lowercase();
            self.map.insert(name, Value::String(v.as_ref().to_string()));
        }
    }

    /// Look up a dotted path such as `networking.hostname`, `os.release.major` or
    /// `processors.models.0`. Keys that themselves hold dots (an interface `eth0.100`) are
    /// found too: the longest key that matches wins.
    pub fn get_path(&self, path: &str) -> Option<&Value> {
        if let Some(v) = self.map.get(path) {
            return Some(v);
        }
        let parts: Vec<&str> = path.split('.').collect();
        lookup_in_hash(&self.map, &parts)
    }

    /// The name `node` definitions match by default, as Puppet's certname: the `fqdn` fact
    /// lowercased, else the `hostname` fact, else `localhost`.
    pub fn node_name(&self) -> String {
        ["fqdn", "hostname"]
            .iter()
            .find_map(|k| {
                self.get(k)
                    .and_then(Value::as_str)
                    .filter(|s| !s.is_empty())
            })
            .unwrap_or("localhost")
            .to_lowercase()
    }

    /// The facts as a JSON object (what `converge facts` prints).
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(&self.map).unwrap_or(serde_json::Value::Null)
    }
}

fn json_kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

fn deep_merge(old: &mut Value, new: Value) {
    match (old, new) {
        (Value::Hash(o), Value::Hash(n)) => {
            for (k, v) in n {
                match o.get_mut(&k) {
                    Some(slot) => deep_merge(slot, v),
                    None => {
                        o.insert(k, v);
                    }
                }
            }
        }
        (slot, new) => *slot = new,
    }
}

fn lookup_in_hash<'a>(h: &'a IndexMap<String, Value>, parts: &[&str]) -> Option<&'a Value> {
    // Longest key first so `interfaces.eth0.100.ip` prefers the key `eth0.100`.
    for n in (1..=parts.len()).rev() {
        let key = parts[..n].join(".");
        if let Some(v) = h.get(&key) {
            let rest = &parts[n..];
            if rest.is_empty() {
                return Some(v);
            }
            if let Some(found) = lookup_in_value(v, rest) {
                return Some(found);
            }
        }
    }
    None
}

fn lookup_in_value<'a>(v: &'a Value, parts: &[&str]) -> Option<&'a Value> {
    match v {
        Value::Hash(h) => lookup_in_hash(h, parts),
        Value::Array(a) => {
            let i: usize = parts.first()?.parse().ok()?;
            let item = a.get(i)?;
            if parts.len() == 1 {
                Some(item)
            } else {
                lookup_in_value(item, &parts[1..])
            }
        }
        _ => None,
    }
}

/// Build a facter-style hash from pairs.
pub(crate) fn hash<I: IntoIterator<Item = (&'static str, Value)>>(pairs: I) -> Value {
    Value::Hash(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sample() -> Facts {
        let mut f = Facts::default();
        f.merge_json(&json!({
            "hostname": "web-01",
            "networking": {"hostname": "web-01", "interfaces": {"eth0.100": {"ip": "10.0.0.5"}}},
            "processors": {"models": ["a", "b"]}
        }))
        .unwrap();
        f
    }

    #[test]
    fn merge_is_deep_for_hashes_and_replaces_other_values() {
        let mut f = sample();
        f.merge_json(&json!({"networking": {"fqdn": "web-01.example.com"}, "hostname": "web-02"}))
            .unwrap();
        assert_eq!(
            f.get_path("networking.hostname"),
            Some(&Value::from("web-01"))
        );
        assert_eq!(
            f.get_path("networking.fqdn"),
            Some(&Value::from("web-01.example.com"))
        );
        assert_eq!(f.get("hostname"), Some(&Value::from("web-02")));
    }

    #[test]
    fn merge_rejects_a_non_object() {
        let mut f = sample();
        let err = f.merge_json(&json!(["x"])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "facts must be a JSON object of fact names to values, found an array"
        );
    }

    #[test]
    fn env_overrides_set_top_level_facts_only() {
        let mut f = sample();
        f.apply_env_overrides([
            ("FACTER_hostname", "lb-01"),
            ("facter_Role", "lb"),
            ("PATH", "/bin"),
            ("FACTER_", "ignored"),
        ]);
        assert_eq!(f.get("hostname"), Some(&Value::from("lb-01")));
        assert_eq!(f.get("role"), Some(&Value::from("lb")));
        assert_eq!(f.get("path"), None);
        assert_eq!(
            f.get_path("networking.hostname"),
            Some(&Value::from("web-01"))
        );
    }

    #[test]
    fn node_name_prefers_the_fqdn_lowercased() {
        let mut f = sample();
        assert_eq!(f.node_name(), "web-01");
        f.insert("fqdn", Value::from("Web-01.Example.COM"));
        assert_eq!(f.node_name(), "web-01.example.com");
        assert_eq!(Facts::default().node_name(), "localhost");
    }

    #[test]
    fn dotted_lookup_handles_arrays_and_keys_with_dots() {
        let f = sample();
        assert_eq!(f.get_path("processors.models.1"), Some(&Value::from("b")));
        assert_eq!(
            f.get_path("networking.interfaces.eth0.100.ip"),
            Some(&Value::from("10.0.0.5"))
        );
        assert_eq!(f.get_path("networking.nope"), None);
        assert_eq!(f.get_path("processors.models.9"), None);
        assert_eq!(f.get_path("hostname.x"), None);
    }
}
