//! Keeping `Sensitive` values secret: salted digests that stand in for them wherever a
//! catalog is stored or shown ([`Catalog::redacted`]), and [`Secrets`], which scrubs a
//! resource's secrets out of any text about it (reports, errors, debug logs).
//!
//! A digest lets `converge doctor` tell whether a file still holds the secret it was given
//! without keeping the secret: `sha256(salt || secret)`, the salt derived from the node, the
//! resource and the attribute, so equal secrets on two hosts or two files have unrelated
//! digests and a precomputed table is of no use.

use crate::{Catalog, Resource, Value};
use sha2::{Digest, Sha256};
use std::fmt;

/// What a message says in place of a secret (Puppet's word).
pub const REDACTED: &str = "[redacted]";

/// A salted SHA-256 of a secret: enough to compare, never enough to show or write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretDigest {
    salt: String,
    hex: String,
}

impl SecretDigest {
    /// The digest of `secret` under `salt`.
    pub fn of(salt: &str, secret: &[u8]) -> SecretDigest {
        SecretDigest {
            salt: salt.to_string(),
            hex: salted_hex(salt, secret),
        }
    }

    /// Whether `candidate` is the secret this digest was made of.
    pub fn matches(&self, candidate: &[u8]) -> bool {
        salted_hex(&self.salt, candidate) == self.hex
    }

    /// Read the form [`fmt::Display`] writes: `sha256:<salt>:<hex>`.
    pub fn parse(s: &str) -> Option<SecretDigest> {
        let rest = s.strip_prefix("sha256:")?;
        let (salt, hex) = rest.split_once(':')?;
        let is_hex = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_hexdigit());
        (is_hex(salt) && hex.len() == 64 && is_hex(hex)).then(|| SecretDigest {
            salt: salt.to_string(),
            hex: hex.to_ascii_lowercase(),
        })
    }
}

impl fmt::Display for SecretDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "sha256:{}:{}", self.salt, self.hex)
    }
}

fn salted_hex(salt: &str, secret: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(salt.as_bytes());
    h.update(secret);
    hex(&h.finalize())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The bytes a secret stands for: a string's own bytes (so that a file's content can be
/// compared with the digest of the `content` that wrote it), anything else as JSON.
pub fn secret_bytes(v: &Value) -> Vec<u8> {
    match v.unwrap_sensitive() {
        Value::String(s) => s.as_bytes().to_vec(),
        other => serde_json::to_vec(other).unwrap_or_default(),
    }
}

/// `v` with every `Sensitive` value in it replaced by its digest; `at` names where the
/// value is (node, resource, attribute, position) and seeds the salt.
fn redact_value(v: &Value, at: &str) -> Value {
    match v {
        Value::Sensitive(inner) => {
            let salt = &salted_hex("converge-secret", at.as_bytes())[..16];
            Value::Redacted(SecretDigest::of(salt, &secret_bytes(inner)))
        }
        Value::Array(a) => Value::Array(
            a.iter()
                .enumerate()
                .map(|(i, x)| redact_value(x, &format!("{at}[{i}]")))
                .collect(),
        ),
        Value::Hash(h) => Value::Hash(
            h.iter()
                // debug-format: a salt seed, never shown; changing it would change digests.
                .map(|(k, x)| (k.clone(), redact_value(x, &format!("{at}[{k:?}]"))))
                .collect(),
        ),
        other => other.clone(),
    }
}

impl Catalog {
    /// This catalog with every `Sensitive` value replaced by a salted digest of it: the
    /// form that is saved on the host and printed, never the one that is applied.
    pub fn redacted(&self) -> Catalog {
        let mut c = self.clone();
        for r in &mut c.resources {
            if !r.params.values().any(Value::is_sensitive) {
                continue;
            }
            let reference = r.reference().to_string();
            for (name, v) in r.params.iter_mut() {
                if v.is_sensitive() {
                    *v = redact_value(v, &format!("{}\0{reference}\0{name}", self.node));
                }
            }
        }
        c
    }

    /// Whether any resource holds a value known only by its digest (a catalog that was
    /// saved or printed, which cannot be applied).
    pub fn has_redacted(&self) -> bool {
        self.resources.iter().any(Resource::has_redacted)
    }
}

impl Resource {
    /// The attributes whose values (or part of them) are known only by their digest.
    pub fn redacted_params(&self) -> impl Iterator<Item = &str> {
        self.params
            .iter()
            .filter(|(_, v)| v.has_redacted())
            .map(|(k, _)| k.as_str())
    }

    /// Whether any attribute is known only by its digest.
    pub fn has_redacted(&self) -> bool {
        self.redacted_params().next().is_some()
    }
}

impl Value {
    /// Whether this value is, or contains, a digest standing in for a secret.
    pub fn has_redacted(&self) -> bool {
        match self {
            Value::Redacted(_) => true,
            Value::Sensitive(v) => v.has_redacted(),
            Value::Array(a) => a.iter().any(Value::has_redacted),
            Value::Hash(h) => h.values().any(Value::has_redacted),
            _ => false,
        }
    }
}

/// Secrets shorter than this are not scrubbed out of free text: replacing every `yes` or
/// `80` in a message would hide more than it protects. They are still redacted wherever
/// they are known to be shown (their attribute's changes, diffs, command lines).
const MIN_SCRUB: usize = 4;
/// Lines of a multi-line secret (a key, a config with a password in it) this long or
/// longer are scrubbed on their own too: an error may quote one line of it.
const MIN_SCRUB_LINE: usize = 8;

/// The secret texts of one resource, for scrubbing them out of what is said about it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Secrets(Vec<String>);

impl Secrets {
    /// The secrets in `r`'s `Sensitive` attributes.
    pub fn of(r: &Resource) -> Secrets {
        Secrets::of_all(std::iter::once(r))
    }

    /// The secrets of every resource of a catalog (for output about the whole catalog).
    pub fn of_catalog(c: &Catalog) -> Secrets {
        Secrets::of_all(c.resources.iter())
    }

    fn of_all<'a>(resources: impl Iterator<Item = &'a Resource>) -> Secrets {
        let mut found = Vec::new();
        for v in resources.flat_map(|r| r.params.values()) {
            if v.is_sensitive() {
                collect(v, false, &mut found);
            }
        }
        let mut texts = Vec::new();
        for s in found {
            if s.contains('\n') {
                texts.extend(
                    s.lines()
                        .map(str::trim)
                        .filter(|l| l.len() >= MIN_SCRUB_LINE)
                        .map(str::to_string),
                );
            }
            if s.trim().len() >= MIN_SCRUB {
                texts.push(s);
            }
        }
        // Longest first, so a secret that contains another is replaced whole.
        texts.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        texts.dedup();
        Secrets(texts)
    }

    /// Whether there is nothing to scrub.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `text` with every secret replaced by `[redacted]`.
    pub fn scrub(&self, text: &str) -> String {
        let mut out = text.to_string();
        self.scrub_in_place(&mut out);
        out
    }

    /// Replace every secret in `text` by `[redacted]`.
    pub fn scrub_in_place(&self, text: &mut String) {
        for s in &self.0 {
            if text.contains(s.as_str()) {
                *text = text.replace(s.as_str(), REDACTED);
            }
        }
    }
}

fn collect(v: &Value, inside: bool, out: &mut Vec<String>) {
    match v {
        Value::Sensitive(x) => collect(x, true, out),
        Value::Array(a) => a.iter().for_each(|x| collect(x, inside, out)),
        Value::Hash(h) => {
            for (k, x) in h {
                if inside {
                    out.push(k.clone());
                }
                collect(x, inside, out);
            }
        }
        Value::Undef | Value::Redacted(_) | Value::Bool(_) => {}
        other if inside => out.push(other.to_string()),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret_file() -> Resource {
        let mut r = Resource::new("file", "/etc/app.key");
        r.params.insert(
            "content".into(),
            Value::Sensitive(Box::new("line one is long\nhunter2-secret\n".into())),
        );
        r.params.insert("mode".into(), "0600".into());
        r
    }

    #[test]
    fn a_redacted_catalog_keeps_a_digest_that_matches_the_secret_and_not_the_secret() {
        let mut c = Catalog::new("web-01");
        c.resources.push(secret_file());
        let red = c.redacted();
        let json = red.to_json();
        assert!(!json.contains("hunter2"), "{json}");
        assert!(json.contains("\"__pdigest\""), "{json}");
        let Some(Value::Redacted(d)) = red.resources[0].param("content") else {
            panic!("a digest: {json}");
        };
        assert!(d.matches(b"line one is long\nhunter2-secret\n"));
        assert!(!d.matches(b"something else\n"));
        assert_eq!(red.resources[0].param_str("mode"), Some("0600"));
        let back = Catalog::from_json(&json).unwrap();
        assert_eq!(back, red, "the digest survives a round trip");
        assert!(back.has_redacted() && !c.has_redacted());
        assert_eq!(red.redacted(), red, "redacting twice changes nothing");
    }

    #[test]
    fn the_same_secret_has_different_digests_on_other_hosts_and_attributes() {
        let mut a = Catalog::new("web-01");
        a.resources.push(secret_file());
        let mut b = a.clone();
        b.node = "web-02".into();
        let da = a.redacted().resources[0].params["content"].clone();
        let db = b.redacted().resources[0].params["content"].clone();
        assert_ne!(da, db);
        assert_eq!(da, a.redacted().resources[0].params["content"], "stable");
    }

    #[test]
    fn secrets_are_scrubbed_whole_and_line_by_line_but_short_ones_are_left() {
        let s = Secrets::of(&secret_file());
        assert_eq!(
            s.scrub("error near 'hunter2-secret' in line one is long"),
            "error near '[redacted]' in [redacted]"
        );
        let mut r = Resource::new("exec", "x");
        r.params
            .insert("command".into(), Value::Sensitive(Box::new("no".into())));
        assert!(Secrets::of(&r).is_empty());
        assert_eq!(Secrets::of(&r).scrub("no change"), "no change");
    }

    #[test]
    fn digests_parse_back_and_reject_garbage() {
        let d = SecretDigest::of("00ff", b"x");
        assert_eq!(SecretDigest::parse(&d.to_string()), Some(d));
        for bad in ["", "sha256:", "sha256:zz:00", "md5:00:00", "sha256:00:abc"] {
            assert_eq!(SecretDigest::parse(bad), None, "{bad}");
        }
    }
}
