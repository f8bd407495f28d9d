//! puppetlabs-apt's `apt_key`, natively: keys in apt's keyring through `apt-key`, as the
//! module's provider does it (`apt-key adv --list-keys --with-colons`, `apt-key add`,
//! `apt-key adv --recv-keys`, `apt-key del`), with its messages.
//!
//! A key is found by the resource's id: a 40-character fingerprint, a 16-character long id
//! or an 8-character short id (`0x` and case do not matter). With a full fingerprint, the
//! key in `content` or `source` must carry it (checked with gpg before anything is added).
//! `refresh => true` adds an expired key again.
//!
//! Where converge does better: a key is removed by its fingerprint, not by its short id
//! (which can name several keys); after adding, the key must be in the keyring, or the
//! resource fails (a short id the file does not carry would otherwise be added again on
//! every run); URLs are fetched with curl (`weak_ssl` is curl's `--insecure`).

use crate::context::{Cmd, Context};
use crate::provider::{Change, Event, EventKind, Provider, ProviderError, State};
use converge_catalog::{Resource, Value};
use std::io::Write;
use std::path::Path;

/// The `apt_key` provider.
#[derive(Debug, Default)]
pub struct AptKeyProvider;

const APT_KEY: &str = "/usr/bin/apt-key";
const GPG: &str = "/usr/bin/gpg";

/// One key of apt's keyring.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    /// The 40-character fingerprint.
    pub fingerprint: String,
    /// Its last 16 characters.
    pub long: String,
    /// Its last 8 characters.
    pub short: String,
    /// The key size in bits.
    pub size: String,
    /// `rsa`, `dsa`, `ecc`, `ecdsa`, or empty for other algorithms.
    pub key_type: String,
    /// Creation date, `YYYY-MM-DD` (UTC).
    pub created: String,
    /// Expiry date, `YYYY-MM-DD` (UTC), if the key expires.
    pub expiry: Option<String>,
    /// Whether it has expired.
    pub expired: bool,
}

/// The resource's id as the module munges it: without `0x`, upper case.
pub fn key_id(r: &Resource) -> String {
    let id = r.name_or_title("id");
    id.strip_prefix("0x").unwrap_or(id).to_uppercase()
}

/// A date from seconds since the epoch, `YYYY-MM-DD` in UTC.
fn date(epoch: i64) -> String {
    let t = std::time::UNIX_EPOCH + std::time::Duration::from_secs(epoch.max(0) as u64);
    crate::context::run_id(t)[..8]
        .chars()
        .enumerate()
        .flat_map(|(i, c)| {
            if i == 4 || i == 6 {
                vec!['-', c]
            } else {
                vec![c]
            }
        })
        .collect()
}

/// Parse `apt-key adv --list-keys --with-colons --fingerprint --fixed-list-mode` as the
/// module does: a `pub` line, then its own `fpr` line (subkeys' fingerprints are skipped).
pub fn parse_keys(out: &str, now: i64) -> Vec<Key> {
    let mut keys = Vec::new();
    let (mut pub_line, mut sub_line, mut fpr_line): (Option<&str>, Option<&str>, Option<&str>) =
        (None, None, None);
    for line in out.lines() {
        if line.starts_with("pub") {
            pub_line = Some(line);
            fpr_line = None;
            sub_line = None;
        } else if line.starts_with("sub") {
            sub_line = Some(line);
        } else if line.starts_with("fpr") {
            fpr_line = Some(line);
        }
        if sub_line.is_some() && fpr_line.is_some() {
            sub_line = None;
            fpr_line = None;
            continue;
        }
        let (Some(p), Some(f)) = (pub_line, fpr_line) else {
            continue;
        };
        pub_line = None;
        fpr_line = None;
        let ps: Vec<&str> = p.split(':').collect();
        let fingerprint = f
            .trim_end_matches(':')
            .rsplit(':')
            .next()
            .unwrap_or("")
            .to_string();
        if fingerprint.len() < 16 {
            continue;
        }
        let field = |i: usize| ps.get(i).copied().unwrap_or("");
        let expiry_epoch: Option<i64> = field(6).parse().ok();
        keys.push(Key {
            long: fingerprint[fingerprint.len() - 16..].to_string(),
            short: fingerprint[fingerprint.len() - 8..].to_string(),
            fingerprint,
            size: field(2).to_string(),
            key_type: match field(3) {
                "1" => "rsa",
                "17" => "dsa",
                "18" => "ecc",
                "19" => "ecdsa",
                _ => "",
            }
            .to_string(),
            created: date(field(5).parse().unwrap_or(0)),
            expiry: expiry_epoch.map(date),
            expired: expiry_epoch.is_some_and(|e| now >= e),
        });
    }
    keys
}

/// The key of the keyring that `id` names, by its length as the module matches.
pub fn find<'a>(keys: &'a [Key], id: &str) -> Option<&'a Key> {
    keys.iter().find(|k| match id.len() {
        40 => k.fingerprint == id,
        16 => k.long == id,
        8 => k.short == id,
        _ => false,
    })
}

fn apt_key(args: &[&str]) -> Cmd {
    let mut argv = vec![APT_KEY];
    argv.extend_from_slice(args);
    Cmd::new(&argv).env("APT_KEY_DONT_WARN_ON_DANGEROUS_USAGE", "1")
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// The keys in apt's keyring.
fn list(cx: &mut Context) -> Result<Vec<Key>, ProviderError> {
    let out = cx.run_ok(&apt_key(&[
        "adv",
        "--no-tty",
        "--list-keys",
        "--with-colons",
        "--fingerprint",
        "--fixed-list-mode",
    ]))?;
    Ok(parse_keys(&out.stdout, now()))
}

fn flag(r: &Resource, name: &str) -> bool {
    r.param(name).and_then(Value::as_bool).unwrap_or(false)
}

/// The fingerprints of the keys in a key file, as gpg lists them.
fn file_fingerprints(path: &Path, cx: &mut Context) -> Result<Vec<String>, ProviderError> {
    let out = cx.run(&Cmd::new(&[
        GPG,
        "--no-tty",
        "--with-fingerprint",
        "--with-colons",
        &path.display().to_string(),
    ]))?;
    Ok(out
        .stdout
        .lines()
        .filter(|l| l.starts_with("fpr:"))
        .filter_map(|l| l.split(':').nth(9))
        .map(str::to_string)
        .collect())
}

/// Write the key to add into a temp file: `content`, a local `source`, or a fetched URL.
fn key_file(r: &Resource, cx: &mut Context) -> Result<tempfile::NamedTempFile, ProviderError> {
    let mut tmp = tempfile::Builder::new()
        .prefix("apt_key")
        .tempfile()
        .map_err(|e| ProviderError::io("Could not create a temp file in", "/tmp", e))?;
    let werr = |e| ProviderError::io("Could not write", "the key's temp file", e);
    if let Some(c) = r.param("content").filter(|v| !v.is_undef()) {
        tmp.write_all(c.unwrap_sensitive().to_string().as_bytes())
            .map_err(werr)?;
    } else if let Some(src) = r.param_str("source") {
        if src.starts_with('/') {
            let bytes = std::fs::read(src)
                .map_err(|_| ProviderError::Invalid(format!("The file {src} does not exist")))?;
            tmp.write_all(&bytes).map_err(werr)?;
        } else {
            let mut cmd = vec!["/usr/bin/curl", "-fsSL", "--retry", "2", "-o"];
            let out_path = tmp.path().display().to_string();
            cmd.push(&out_path);
            if flag(r, "weak_ssl") {
                cmd.push("--insecure");
            }
            cmd.push(src);
            let out = cx.run(&Cmd::new(&cmd)).map_err(|_| {
                ProviderError::Invalid(format!(
                    "could not fetch {src}: converge fetches key URLs with curl, which is not installed"
                ))
            })?;
            if !out.success() {
                return Err(ProviderError::Command {
                    message: format!("{} for {src}", out.stderr.trim()),
                    output: String::new(),
                });
            }
        }
    }
    tmp.flush().map_err(werr)?;
    Ok(tmp)
}

impl Provider for AptKeyProvider {
    fn name(&self) -> &'static str {
        "apt_key"
    }

    fn inspect(&self, r: &Resource, cx: &mut Context) -> Result<State, ProviderError> {
        let mut st = State::default();
        if !Path::new(APT_KEY).exists() && cx.pending_creator().is_none() {
            // Debian 13 has no apt-key, and no package brings it back: say so, and what
            // to do instead (puppetlabs-apt's provider fails with "Could not find apt-key").
            return Err(ProviderError::Invalid(format!(
                "{} needs {APT_KEY}, which this host does not have (Debian 13 and later \
                 removed it); give the key as a file in /etc/apt/keyrings and name it in its \
                 source with signed-by (apt::source's `keyring`, or a `file` resource and \
                 `[signed-by=...]`)",
                r.reference()
            )));
        }
        let keys = match list(cx) {
            Ok(k) => k,
            // apt-key needs gnupg: a pending package that brings it makes this pending.
            Err(e) => match cx.pending_creator() {
                Some(p) => {
                    st.pending_on = Some(p.to_string());
                    st.set("ensure", Some("absent".into()));
                    return Ok(st);
                }
                None => return Err(e),
            },
        };
        match find(&keys, &key_id(r)) {
            None => st.set("ensure", Some("absent".into())),
            Some(k) => {
                st.set("ensure", Some("present".into()));
                st.set("fingerprint", Some(k.fingerprint.clone()));
                st.set("long", Some(k.long.clone()));
                st.set("short", Some(k.short.clone()));
                st.set("size", Some(k.size.clone()));
                st.set("type", Some(k.key_type.clone()));
                st.set("created", Some(k.created.clone()));
                st.set("expiry", k.expiry.clone());
                st.set("expired", Some(k.expired.to_string()));
            }
        }
        Ok(st)
    }

    fn plan(&self, r: &Resource, st: &State, _cx: &Context) -> Result<Vec<Change>, ProviderError> {
        let absent = r.param_str("ensure") == Some("absent");
        let present = st.get("ensure") == Some("present");
        // The module: an expired key counts as missing when `refresh` is set.
        let exists = present && !(flag(r, "refresh") && st.get("expired") == Some("true"));
        if absent {
            return Ok(if present {
                vec![Change::with_message(
                    "ensure",
                    Some("present".into()),
                    Some("absent".into()),
                    "removed",
                )]
            } else {
                Vec::new()
            });
        }
        if !exists {
            return Ok(vec![Change::with_message(
                "ensure",
                Some("absent".into()),
                Some("present".into()),
                "created",
            )]);
        }
        for p in crate::forge_schema::APT_KEY_READ_ONLY {
            if let Some(want) = r.param(p).filter(|v| !v.is_undef()) {
                let want = want.to_string();
                if st.get(p) != Some(want.as_str()) {
                    return Err(ProviderError::Invalid(format!(
                        "{p} changed '{}' to '{want}' failed: This is a read-only property.",
                        st.get(p).unwrap_or("")
                    )));
                }
            }
        }
        Ok(Vec::new())
    }

    fn apply(
        &self,
        r: &Resource,
        changes: &[Change],
        cx: &mut Context,
    ) -> Result<Vec<Event>, ProviderError> {
        let Some(c) = changes.iter().find(|c| c.property == "ensure") else {
            return Ok(Vec::new());
        };
        let id = key_id(r);
        if c.after.as_deref() == Some("absent") {
            for _ in 0..5 {
                let Some(k) = find(&list(cx)?, &id).cloned() else {
                    break;
                };
                cx.run_ok(&apt_key(&["del", &k.fingerprint]))?;
            }
        } else if r.param("content").is_none_or(Value::is_undef)
            && r.param("source").is_none_or(Value::is_undef)
        {
            let server = r.param_str("server").unwrap_or("keyserver.ubuntu.com");
            let mut args = vec!["adv", "--no-tty", "--keyserver", server];
            if let Some(o) = r.param_str("options") {
                args.extend(["--keyserver-options", o]);
            }
            args.extend(["--recv-keys", &id]);
            cx.run_ok(&apt_key(&args))?;
        } else {
            let file = key_file(r, cx)?;
            if id.len() == 40 {
                if Path::new(GPG).exists() {
                    if !file_fingerprints(file.path(), cx)?.contains(&id) {
                        return Err(ProviderError::Invalid(format!(
                            "The id in your manifest {} and the fingerprint from content/source don't match. Check for an error in the id and content/source is legitimate.",
                            r.name_or_title("id")
                        )));
                    }
                } else {
                    cx.warnings
                        .push("/usr/bin/gpg cannot be found for verification of the id.".into());
                }
            }
            cx.run_ok(&apt_key(&["add", &file.path().display().to_string()]))?;
        }
        let found = find(&list(cx)?, &id).is_some();
        if found == (c.after.as_deref() == Some("absent")) {
            return Err(ProviderError::Invalid(format!(
                "apt-key succeeded but key {id} is {} apt's keyring",
                if found { "still in" } else { "not in" }
            )));
        }
        Ok(vec![Event::from_change(c, EventKind::Changed)])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_parsed_as_the_module_parses_them() {
        let out = "tru::1:1700000000:0:3:1:5\n\
pub:-:4096:1:7F438280EF8D349F:1471554150:1692385350::-:::scSC::::::23::0:\n\
fpr:::::::::6F6B15509CF8E59E6E469F327F438280EF8D349F:\n\
uid:-::::1471554150::A6AD7A0FD1B3B9E0::Puppet, Inc. Release Key::::::::::0:\n\
sub:-:4096:1:A2A0E3A39B0D6A2F:1471554150:1692385350:::::e::::::23:\n\
fpr:::::::::BB7DB7B2F5B0B0D5A2A0E3A39B0D6A2F5C1B2A2F:\n\
pub:-:255:22:ED25519ED25519ED:1700000000:::-:::scSC::::::23::0:\n\
fpr:::::::::0123456789ABCDEF0123456789ABCDEF01234567:\n";
        let keys = parse_keys(out, 1_800_000_000);
        assert_eq!(keys.len(), 2);
        assert_eq!(
            keys[0].fingerprint,
            "6F6B15509CF8E59E6E469F327F438280EF8D349F"
        );
        assert_eq!(keys[0].long, "7F438280EF8D349F");
        assert_eq!(keys[0].short, "EF8D349F");
        assert_eq!(keys[0].key_type, "rsa");
        assert_eq!(keys[0].created, "2016-08-18");
        assert_eq!(keys[0].expiry.as_deref(), Some("2023-08-18"));
        assert!(keys[0].expired);
        assert_eq!(keys[1].key_type, "");
        assert!(!keys[1].expired && keys[1].expiry.is_none());
        assert_eq!(find(&keys, "01234567").unwrap().size, "255");
        assert!(find(&keys, "BB7DB7B2F5B0B0D5A2A0E3A39B0D6A2F5C1B2A2F").is_none());
    }
}
