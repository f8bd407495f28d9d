//! `%{...}` in hiera.yaml paths and in data: variables (`%{facts.os.family}`,
//! `%{::osfamily}`, `%{scope('x')}`), `%{lookup('k')}` (alias `hiera`), `%{alias('k')}`
//! (the whole value, not a string) and `%{literal('%')}`, as Puppet's
//! `Lookup::Interpolation` does them.

use crate::explain::{ruby_float, ruby_str};
use crate::key::{split_key, Segment};
use crate::lookup::{Hiera, Stop, L};
use crate::{Error, Scope};
use converge_catalog::Value;
use std::sync::OnceLock;

const EMPTY: &[&str] = &["", "::", "\"\"", "''", "\"::\"", "'::'"];

fn fail(msg: String, needle: &str) -> Stop {
    Stop::Fail(
        Box::new(Error::new("hiera-interpolation", msg)),
        Some(needle.to_string()),
    )
}

impl Hiera {
    /// Interpolate every string in a value (hash keys too).
    pub(crate) fn interpolate(&mut self, v: Value, scope: &dyn Scope, methods: bool) -> L<Value> {
        match v {
            Value::String(s) if s.contains("%{") => self.interpolate_string(&s, scope, methods),
            Value::Array(a) => a
                .into_iter()
                .map(|x| self.interpolate(x, scope, methods))
                .collect::<L<Vec<_>>>()
                .map(Value::Array),
            Value::Hash(h) => {
                let mut out = indexmap::IndexMap::new();
                for (k, v) in h {
                    let k = if k.contains("%{") {
                        self.interpolate_string(&k, scope, methods)?.to_string()
                    } else {
                        k
                    };
                    out.insert(k, self.interpolate(v, scope, methods)?);
                }
                Ok(Value::Hash(out))
            }
            v => Ok(v),
        }
    }

    /// Interpolate a string into a string (paths): `alias` is refused there.
    pub(crate) fn interpolate_path(&mut self, s: &str, scope: &dyn Scope) -> L<String> {
        if !s.contains("%{") {
            return Ok(s.to_string());
        }
        // Puppet resolves hierarchy paths outside the explained lookup.
        let ex = self.ex.take();
        let r = self.interpolate_string(s, scope, false);
        self.ex = ex;
        Ok(ruby_to_s(&r?))
    }

    fn interpolate_string(&mut self, subject: &str, scope: &dyn Scope, methods: bool) -> L<Value> {
        self.explained(
            |e| e.push_interpolate(subject),
            |h| h.interpolate_inner(subject, scope, methods),
        )
    }

    fn interpolate_inner(&mut self, subject: &str, scope: &dyn Scope, methods: bool) -> L<Value> {
        static RE: OnceLock<regex::Regex> = OnceLock::new();
        let re = RE.get_or_init(|| regex::Regex::new(r"%\{([^}]*)\}").expect("constant"));
        let mut out = String::new();
        let mut last = 0;
        for m in re.captures_iter(subject) {
            let whole = m.get(0).expect("group 0");
            out.push_str(&subject[last..whole.start()]);
            last = whole.end();
            let expr = m[1].trim();
            if EMPTY.contains(&expr) {
                continue;
            }
            let (method, key) = method_and_key(expr);
            if method != "scope" && !methods {
                return Err(fail(
                    format!(
                        "Interpolation using method syntax is not allowed in this context: '{}'",
                        whole.as_str()
                    ),
                    whole.as_str(),
                ));
            }
            let is_alias = method == "alias";
            if is_alias && whole.as_str() != subject {
                return Err(fail(
                    format!("'alias' interpolation is only permitted if the expression is equal to the entire string: '{subject}'"),
                    whole.as_str(),
                ));
            }
            let value = match method {
                "lookup" | "hiera" | "alias" => self.nested_lookup(key, scope)?,
                "scope" => self.scope_lookup(key, subject, whole.as_str(), scope)?,
                "literal" => Value::String(key.to_string()),
                other => {
                    return Err(fail(
                        format!("Unknown interpolation method '{other}'"),
                        whole.as_str(),
                    )
                    .hinted("the methods are lookup, hiera, alias, scope and literal"))
                }
            };
            if is_alias {
                return Ok(value);
            }
            let name = if method == "scope" {
                format!("scope:{key}")
            } else {
                key.to_string()
            };
            let value = self.check(&name, |h| h.interpolate(value, scope, methods))?;
            if !matches!(value, Value::Undef) {
                out.push_str(&ruby_to_s(&value));
            }
        }
        out.push_str(&subject[last..]);
        Ok(Value::String(out))
    }

    /// `%{lookup('k')}`: a whole lookup whose miss is the empty string.
    fn nested_lookup(&mut self, key: &str, scope: &dyn Scope) -> L<Value> {
        match self.lookup_value(key, None, scope) {
            Ok(v) => Ok(v.value),
            Err(Stop::Miss) => Ok(Value::String(String::new())),
            Err(e) => Err(e),
        }
    }

    /// A variable, then a dig into it for a dotted name (`facts.os.family`).
    fn scope_lookup(
        &mut self,
        key: &str,
        subject: &str,
        needle: &str,
        scope: &dyn Scope,
    ) -> L<Value> {
        let Some(mut segs) = split_key(key) else {
            return Err(fail(format!("Syntax error in string: {subject}"), needle));
        };
        let root = match segs.remove(0) {
            Segment::Key(k) => k,
            Segment::Index(i) => i.to_string(),
        };
        let name = root.strip_prefix("::").unwrap_or(&root).to_string();
        let local = self
            .locals
            .iter()
            .rev()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.clone());
        let val = local.or_else(|| scope.variable(&name));
        let val = self.explained(
            |e| e.push_scope("Global Scope"),
            |h| {
                if let (Some(v), Some(e)) = (&val, h.ex.as_mut()) {
                    e.found(&root, v);
                }
                Ok(val.clone())
            },
        )?;
        let Some(v) = val else {
            return Ok(Value::Undef);
        };
        if segs.is_empty() {
            return Ok(v);
        }
        match self.sub_lookup(key, &segs, v) {
            Ok(v) => Ok(v),
            Err(Stop::Miss) => Ok(Value::Undef),
            Err(e) => Err(e),
        }
    }
}

impl Stop {
    fn hinted(self, hint: &str) -> Stop {
        match self {
            Stop::Fail(e, n) => Stop::Fail(Box::new(e.with_hint(hint)), n),
            s => s,
        }
    }
}

/// Whether interpolating `s` gives the same string for the whole compilation: every
/// `%{...}` in it reads `$facts`, `$trusted` or `$server_facts`, which Puppet sets before
/// the first statement and which no scope can assign or shadow (reserved names).
pub(crate) fn fixed_for_the_compile(s: &str) -> bool {
    const FIXED: &[&str] = &["facts", "trusted", "server_facts"];
    let mut rest = s;
    while let Some(at) = rest.find("%{") {
        let Some(len) = rest[at..].find('}') else {
            return false;
        };
        let expr = rest[at + 2..at + len].trim();
        rest = &rest[at + len + 1..];
        if EMPTY.contains(&expr) {
            continue;
        }
        let (method, key) = method_and_key(expr);
        let root = match split_key(key).as_deref() {
            Some([Segment::Key(k), ..]) => k.strip_prefix("::").unwrap_or(k).to_string(),
            _ => return false,
        };
        if method != "scope" || !FIXED.contains(&root.as_str()) {
            return false;
        }
    }
    true
}

/// `name('key')` / `name("key")`, else the whole expression is a variable.
fn method_and_key(expr: &str) -> (&str, &str) {
    static RE: OnceLock<regex::Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        regex::Regex::new(r#"^(\w+)\((?:"([^"]+)"|'([^']+)')\)$"#).expect("constant")
    });
    match re.captures(expr) {
        Some(c) => {
            let m = c.get(1).map_or("", |m| m.as_str());
            let k = c.get(2).or_else(|| c.get(3)).map_or("", |m| m.as_str());
            (m, k)
        }
        None => ("scope", expr),
    }
}

/// Ruby's `to_s` of a value spliced into a string.
pub(crate) fn ruby_to_s(v: &Value) -> String {
    match v {
        Value::Undef => String::new(),
        Value::String(s) => s.clone(),
        Value::Float(f) => ruby_float(*f),
        Value::Array(a) => format!(
            "[{}]",
            a.iter()
                .map(ruby_inspect_inline)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Value::Hash(_) => ruby_inspect_inline(v),
        v => v.to_string(),
    }
}

fn ruby_inspect_inline(v: &Value) -> String {
    match v {
        Value::Undef => "nil".into(),
        Value::String(s) => ruby_str(s),
        Value::Hash(h) => format!(
            "{{{}}}",
            h.iter()
                .map(|(k, v)| format!("{}=>{}", ruby_str(k), ruby_inspect_inline(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        v => ruby_to_s(v),
    }
}

#[cfg(test)]
mod tests {
    use super::fixed_for_the_compile as fixed;

    #[test]
    fn only_facts_trusted_and_server_facts_are_fixed_for_the_compile() {
        assert!(fixed("common.yaml"));
        assert!(fixed("os/%{facts.os.name}-%{facts.os.release.major}.yaml"));
        assert!(fixed("nodes/%{trusted.certname}.yaml"));
        assert!(fixed(
            "%{::facts.os.family}/%{scope('server_facts')}%{}.yaml"
        ));
        // Variables of the calling scope, top-scope variables (set later, or shadowed),
        // nested lookups and broken syntax are resolved per lookup.
        assert!(!fixed("tiers/%{tier}.yaml"));
        assert!(!fixed("%{::osfamily}.yaml"));
        assert!(!fixed("%{facts_extra.x}.yaml"));
        assert!(!fixed("%{lookup('facts')}.yaml"));
        assert!(!fixed("%{facts.os"));
    }
}
