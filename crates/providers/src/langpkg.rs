//! Package providers for language package managers: `pip`, `pip3` (Python) and `gem`
//! (Ruby), with Puppet's commands, options and messages.
//!
//! - pip: state from `pip freeze --all`, install with `pip install -q [install_options]
//!   SPEC`, remove with `pip uninstall -y -q NAME`, `latest` from the versions pip reports
//!   for `NAME==versionplease`. A `source` is an installable URL or path (`SOURCE#egg=NAME`,
//!   as Puppet builds it; a local path is passed as it is).
//! - gem: state from `gem list --local '\ANAME\z'`, install with `gem install
//!   [install_options] [-v VERSION] --no-document NAME|SOURCE`, remove with `gem uninstall
//!   --executables --all NAME [uninstall_options]`; a `source` that is a path or `file://`
//!   URL is a local .gem, any other URL a gem repository (`--source URL NAME`).
//!
//! Where pip and gem look is theirs to configure: `/etc/pip.conf` or `PIP_*` variables
//! (`find-links`, `no-index`, Debian's `break-system-packages`), `~/.gemrc` or `--source`.
//!
//! Where converge does better: pip names compare as PEP 503 says (`Foo_Bar` is `foo-bar`),
//! where Puppet compares case-insensitively only and so reinstalls such a package on every
//! run; a version range (`>=1.0 <2.0`) is handed to pip as one specifier and pip picks the
//! best version, instead of Puppet listing every version first; after an install, the
//! package must be listed, or the resource fails.

use crate::context::{Cmd, Context};
use crate::provider::{Change, Event, EventKind, Provider, ProviderError, State};
use converge_catalog::{Resource, Value};
use std::cmp::Ordering;
use std::path::PathBuf;

/// Which language package manager.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Manager {
    /// `pip` (Puppet looks for pip, pip-python, pip2, pip-2).
    Pip,
    /// `pip3`.
    Pip3,
    /// `gem`.
    Gem,
}

/// The provider for one manager.
#[derive(Debug)]
pub struct LangPackageProvider(pub Manager);

const PATH: &[&str] = &[
    "/usr/local/sbin",
    "/usr/local/bin",
    "/usr/sbin",
    "/usr/bin",
    "/sbin",
    "/bin",
];

impl Manager {
    fn name(self) -> &'static str {
        match self {
            Manager::Pip => "pip",
            Manager::Pip3 => "pip3",
            Manager::Gem => "gem",
        }
    }

    fn commands(self) -> &'static [&'static str] {
        match self {
            Manager::Pip => &["pip", "pip-python", "pip2", "pip-2"],
            Manager::Pip3 => &["pip3"],
            Manager::Gem => &["gem"],
        }
    }

    /// The manager's program, found in the standard PATH.
    fn program(self) -> Option<PathBuf> {
        self.commands().iter().find_map(|c| {
            PATH.iter()
                .map(|d| PathBuf::from(d).join(c))
                .find(|p| p.is_file())
        })
    }

    fn is_pip(self) -> bool {
        self != Manager::Gem
    }
}

/// A package name as PEP 503 compares them: lower case, runs of `-`, `_`, `.` as one `-`.
pub fn pep503(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut sep = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            sep = true;
        } else {
            if sep && !out.is_empty() {
                out.push('-');
            }
            sep = false;
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

/// Compare two versions segment by segment (`1.10` > `1.9`; `1.0` == `1.0.0`), numbers
/// numerically, anything else as text.
pub fn cmp_versions(a: &str, b: &str) -> Ordering {
    let seg = |s: &str| -> Vec<String> { s.split(['.', '-', '+']).map(str::to_string).collect() };
    let (x, y) = (seg(a), seg(b));
    for i in 0..x.len().max(y.len()) {
        let (p, q) = (
            x.get(i).map_or("0", String::as_str),
            y.get(i).map_or("0", String::as_str),
        );
        let o = match (p.parse::<u64>(), q.parse::<u64>()) {
            (Ok(m), Ok(n)) => m.cmp(&n),
            (Ok(_), Err(_)) => Ordering::Greater,
            (Err(_), Ok(_)) => Ordering::Less,
            _ => p.cmp(q),
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    Ordering::Equal
}

/// Whether `version` satisfies `want`: a version, or requirements such as `>=1.0 <2.0`,
/// `>= 1.0, < 2`, `~> 1.2` (each `op version`; all must hold).
pub fn satisfies(version: &str, want: &str) -> bool {
    let reqs = parse_requirements(want);
    !reqs.is_empty()
        && reqs.iter().all(|(op, v)| {
            let o = cmp_versions(version, v);
            match op.as_str() {
                "" | "=" | "==" | "===" => o == Ordering::Equal,
                "!=" => o != Ordering::Equal,
                ">" => o == Ordering::Greater,
                ">=" => o != Ordering::Less,
                "<" => o == Ordering::Less,
                "<=" => o != Ordering::Greater,
                "~>" | "~=" => {
                    // Pessimistic: at least v, below the next release of its next-to-last part.
                    let mut parts: Vec<u64> =
                        v.split('.').map(|p| p.parse().unwrap_or(0)).collect();
                    if parts.len() > 1 {
                        parts.pop();
                    }
                    if let Some(last) = parts.last_mut() {
                        *last += 1;
                    }
                    let upper: Vec<String> = parts.iter().map(u64::to_string).collect();
                    o != Ordering::Less && cmp_versions(version, &upper.join(".")) == Ordering::Less
                }
                _ => false,
            }
        })
}

fn parse_requirements(want: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut op = String::new();
    for tok in want.split([' ', ',']).filter(|t| !t.is_empty()) {
        let split = tok
            .find(|c: char| !"<>=!~".contains(c))
            .unwrap_or(tok.len());
        let (o, v) = tok.split_at(split);
        op.push_str(o);
        if !v.is_empty() {
            out.push((std::mem::take(&mut op), v.to_string()));
        }
    }
    out
}

/// Whether `want` is a range rather than one version.
fn is_range(want: &str) -> bool {
    want.contains(['<', '>', '=', '!', '~', ' ', ','])
}

/// `install_options`/`uninstall_options` as Puppet joins them: hashes become `key=value`.
fn options(r: &Resource, attr: &str) -> Vec<String> {
    r.param(attr)
        .map(|v| {
            v.as_list()
                .iter()
                .flat_map(|o| match o {
                    Value::Hash(h) => h.iter().map(|(k, v)| format!("{k}={v}")).collect(),
                    other => vec![other.to_string()],
                })
                .collect()
        })
        .unwrap_or_default()
}

fn name_of(r: &Resource) -> &str {
    r.name_or_title("name")
}

impl LangPackageProvider {
    fn program(&self) -> Result<String, ProviderError> {
        self.0
            .program()
            .map(|p| p.display().to_string())
            .ok_or_else(|| {
                ProviderError::Invalid(format!(
                    "Provider {} package command is not functional on this host",
                    self.0.name()
                ))
            })
    }

    /// The installed versions of the package (newest first for gem).
    fn installed(&self, r: &Resource, cx: &mut Context) -> Result<Vec<String>, ProviderError> {
        let prog = self.program()?;
        let name = name_of(r);
        if self.0.is_pip() {
            let out = cx.run_ok(&Cmd::new(&[prog.as_str(), "freeze", "--all"]))?;
            let want = pep503(name);
            Ok(out
                .stdout
                .lines()
                .filter_map(|l| {
                    let (n, v) = l.trim().split_once("==")?;
                    let v = v.strip_prefix('=').unwrap_or(v);
                    (pep503(n) == want && !v.contains('=')).then(|| v.to_string())
                })
                .collect())
        } else {
            let pattern = format!("\\A{name}\\z");
            let out = cx.run_ok(
                &Cmd::new(&[prog.as_str(), "list", "--local", &pattern]).env(
                    "HOME",
                    &std::env::var("HOME").unwrap_or_else(|_| "/root".into()),
                ),
            )?;
            Ok(gem_versions(&out.stdout, name))
        }
    }

    /// The newest version available (`latest`).
    fn latest(&self, r: &Resource, cx: &mut Context) -> Result<Option<String>, ProviderError> {
        let prog = self.program()?;
        let name = name_of(r);
        if self.0.is_pip() {
            let spec = format!("{name}==versionplease");
            let mut argv = vec![prog.clone(), "install".into(), spec];
            argv.extend(options(r, "install_options"));
            let out = cx.run(&Cmd::new(&argv))?;
            let text = out.combined();
            let Some(list) = text
                .split("from versions: ")
                .nth(1)
                .and_then(|s| s.split(')').next())
            else {
                return Ok(None);
            };
            let mut versions: Vec<&str> = list
                .split(", ")
                .map(str::trim)
                .filter(|v| !v.is_empty() && *v != "none")
                .collect();
            versions.sort_by(|a, b| cmp_versions(a, b));
            Ok(versions.last().map(|v| v.to_string()))
        } else {
            let pattern = format!("\\A{name}\\z");
            let mut argv = vec![prog, "list".into(), "--remote".into()];
            if let Some(s) = r.param_str("source") {
                argv.extend(["--source".into(), s.to_string()]);
            }
            argv.push(pattern);
            let out = cx.run_ok(&Cmd::new(&argv))?;
            Ok(gem_versions(&out.stdout, name).into_iter().next())
        }
    }

    fn install(&self, r: &Resource, want: &str, cx: &mut Context) -> Result<(), ProviderError> {
        let prog = self.program()?;
        let name = name_of(r);
        let mut argv = vec![prog, "install".to_string()];
        let version = !matches!(want, "present" | "installed" | "latest");
        if self.0.is_pip() {
            argv.push("-q".into());
            argv.extend(options(r, "install_options"));
            match r.param_str("source") {
                Some(s) if s.starts_with('/') || s.starts_with("file://") => {
                    argv.push(s.to_string())
                }
                Some(s) if version => argv.push(format!("{s}@{want}#egg={name}")),
                Some(s) => argv.push(format!("{s}#egg={name}")),
                None if want == "latest" => argv.extend(["--upgrade".into(), name.to_string()]),
                None if version && is_range(want) => argv.push(format!(
                    "{name}{}",
                    want.split_whitespace().collect::<Vec<_>>().join(",")
                )),
                None if version => argv.push(format!("{name}=={want}")),
                None => argv.push(name.to_string()),
            }
        } else {
            argv.extend(options(r, "install_options"));
            if version {
                argv.extend(["-v".into(), want.to_string()]);
            }
            argv.push("--no-document".into());
            match r.param_str("source") {
                Some(s) if s.starts_with("puppet:") => {
                    return Err(ProviderError::Invalid(
                        "puppet:// URLs are not supported as gem sources".into(),
                    ))
                }
                Some(s) if s.starts_with("file://") => {
                    argv.push(s.trim_start_matches("file://").to_string())
                }
                Some(s) if s.starts_with('/') || !s.contains("://") => argv.push(s.to_string()),
                Some(s) => argv.extend(["--source".into(), s.to_string(), name.to_string()]),
                None => argv.push(name.to_string()),
            }
        }
        let out = cx.run_ok(&Cmd::new(&argv))?;
        if !self.0.is_pip() && out.combined().contains("ERROR") {
            return Err(ProviderError::Invalid(format!(
                "Could not install: {}",
                out.combined().trim_end()
            )));
        }
        Ok(())
    }

    fn uninstall(&self, r: &Resource, cx: &mut Context) -> Result<(), ProviderError> {
        let prog = self.program()?;
        let name = name_of(r).to_string();
        let argv: Vec<String> = if self.0.is_pip() {
            vec![prog, "uninstall".into(), "-y".into(), "-q".into(), name]
        } else {
            let mut a = vec![
                prog,
                "uninstall".into(),
                "--executables".into(),
                "--all".into(),
                name,
            ];
            a.extend(options(r, "uninstall_options"));
            a
        };
        let out = cx.run_ok(&Cmd::new(&argv))?;
        if !self.0.is_pip() && out.combined().contains("ERROR") {
            return Err(ProviderError::Invalid(format!(
                "Could not uninstall: {}",
                out.combined().trim_end()
            )));
        }
        Ok(())
    }
}

/// The versions `gem list` prints for exactly `name`: `name (2.0, 1.0)`,
/// `name (default: 1.0)`.
fn gem_versions(out: &str, name: &str) -> Vec<String> {
    out.lines()
        .filter_map(|l| {
            let (n, rest) = l.split_once(" (")?;
            (n.trim() == name).then_some(rest.trim_end().trim_end_matches(')'))
        })
        .flat_map(|vs| {
            vs.split(',')
                .map(|v| v.trim().trim_start_matches("default: "))
                .filter_map(|v| v.split_whitespace().next())
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect()
}

fn wanted(r: &Resource) -> &str {
    r.param_str("ensure").unwrap_or("present")
}

impl Provider for LangPackageProvider {
    fn name(&self) -> &'static str {
        self.0.name()
    }

    fn inspect(&self, r: &Resource, cx: &mut Context) -> Result<State, ProviderError> {
        let mut st = State::default();
        if self.0.program().is_none() {
            // The manager comes with a package this run installs first.
            if let Some(p) = cx.pending_creator() {
                st.pending_on = Some(p.to_string());
                st.set("ensure", Some("absent".into()));
                return Ok(st);
            }
        }
        let versions = self.installed(r, cx)?;
        st.set(
            "ensure",
            Some(if versions.is_empty() {
                "absent".to_string()
            } else {
                versions.join(", ")
            }),
        );
        if wanted(r) == "latest" && st.pending_on.is_none() {
            st.set("candidate", self.latest(r, cx)?);
        }
        Ok(st)
    }

    fn plan(&self, r: &Resource, st: &State, _cx: &Context) -> Result<Vec<Change>, ProviderError> {
        let have = st.get("ensure").unwrap_or("absent").to_string();
        let installed = have != "absent";
        let versions: Vec<&str> = have.split(", ").collect();
        let want = wanted(r);
        let after = match want {
            "purged" | "held" | "disabled" => {
                return Err(ProviderError::NotSupported {
                    operation: "this ensure value",
                    provider: self.0.name(),
                })
            }
            "absent" if installed => "absent".to_string(),
            "absent" => return Ok(Vec::new()),
            "present" | "installed" if !installed => "present".to_string(),
            "present" | "installed" => return Ok(Vec::new()),
            "latest" => match st.get("candidate") {
                Some(c) if installed && versions.iter().any(|v| cmp_versions(v, c).is_eq()) => {
                    return Ok(Vec::new())
                }
                Some(c) => c.to_string(),
                None if installed => return Ok(Vec::new()),
                None if st.pending_on.is_some() => "latest".to_string(),
                None => {
                    return Err(ProviderError::Invalid(format!(
                        "Could not find a version of {} to install",
                        name_of(r)
                    )))
                }
            },
            v if installed && versions.iter().any(|i| satisfies(i, v)) => return Ok(Vec::new()),
            v => v.to_string(),
        };
        let message = match after.as_str() {
            "absent" => "removed".to_string(),
            _ if !installed => "created".to_string(),
            a => format!("ensure changed '{have}' to '{a}'"),
        };
        Ok(vec![Change::with_message(
            "ensure",
            Some(have),
            Some(after),
            message,
        )])
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
        let want = wanted(r).to_string();
        if c.after.as_deref() == Some("absent") {
            self.uninstall(r, cx)?;
        } else {
            self.install(r, &want, cx)?;
        }
        // The report says what the manager lists, not what it claimed.
        let now = self.installed(r, cx)?;
        let ok = match want.as_str() {
            "absent" => now.is_empty(),
            "present" | "installed" | "latest" => !now.is_empty(),
            v => now.iter().any(|i| satisfies(i, v)),
        };
        if !ok {
            return Err(ProviderError::Invalid(format!(
                "{} reported success but lists {} as {}",
                self.0.name(),
                name_of(r),
                if now.is_empty() {
                    "not installed".to_string()
                } else {
                    now.join(", ")
                }
            )));
        }
        Ok(vec![Event::from_change(c, EventKind::Changed)])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_compare_as_pep_503_says() {
        assert_eq!(pep503("Foo_Bar.baz"), "foo-bar-baz");
        assert_eq!(pep503("requests"), "requests");
    }

    #[test]
    fn versions_and_ranges() {
        assert!(satisfies("1.0.0", "1.0"));
        assert!(satisfies("1.10", ">=1.9 <2.0"));
        assert!(!satisfies("2.0", ">=1.9 <2.0"));
        assert!(satisfies("1.2.5", "~> 1.2.0"));
        assert!(!satisfies("1.3.0", "~> 1.2.0"));
        assert!(satisfies("3.1", ">= 3.0, < 4"));
        assert!(!satisfies("1.0", "2.0"));
    }

    #[test]
    fn gem_list_output() {
        let out = "rake (13.0.6, 12.3.3)\nrake-compiler (1.2.0)\njson (default: 2.6.1)\n";
        assert_eq!(gem_versions(out, "rake"), ["13.0.6", "12.3.3"]);
        assert_eq!(gem_versions(out, "json"), ["2.6.1"]);
        assert!(gem_versions(out, "rak").is_empty());
    }
}
