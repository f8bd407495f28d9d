//! What a `file { DIR: ensure => directory, recurse => true, purge => true }` removes: every
//! entry under the directory that no `file` (or `concat_file`) resource of the catalog
//! manages, as Puppet's recursion generates an absent child for each. The apache module
//! relies on it: Debian's `sites-enabled/000-default.conf` and the distribution's module
//! links go, or the default site answers instead of the managed vhost.
//!
//! Puppet's rules kept here: symbolic links are removed, never followed; `ignore` (glob
//! patterns on the entry's name) skips entries and what is below them; `recurselimit`
//! bounds the depth; an unmanaged directory is removed whole only with `force => true`,
//! otherwise its contents are purged and it stays (Puppet's "Not removing directory; use
//! 'force' to override"). Managed entries stay, and the walk goes on below managed
//! directories.

use converge_catalog::{Resource, Value};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// One entry to purge: its path and what it is (`file`, `link`, `directory`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Purged {
    /// The entry.
    pub path: PathBuf,
    /// `file`, `link` or `directory` (a directory goes with everything under it).
    pub kind: &'static str,
}

/// Whether `r` asks for purging (`recurse` true or `remote`, and `purge` true).
pub fn wanted(r: &Resource) -> bool {
    let on = |name: &str| match r.param(name) {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s == "true" || (name == "recurse" && s == "remote"),
        _ => false,
    };
    on("recurse") && on("purge")
}

/// The entries under `dir` that `managed` does not hold, depth first; directories that
/// could not be removed (no `force`) are noted in `kept`.
pub fn unmanaged(
    dir: &Path,
    r: &Resource,
    managed: &HashSet<PathBuf>,
    kept: &mut Vec<PathBuf>,
) -> Vec<Purged> {
    let ignore: Vec<String> = r
        .param("ignore")
        .map(|v| v.as_list().iter().map(|p| p.to_string()).collect())
        .unwrap_or_default();
    let limit = r
        .param("recurselimit")
        .and_then(|v| v.to_string().parse::<usize>().ok())
        .filter(|&l| l > 0);
    let force =
        matches!(r.param("force"), Some(Value::Bool(true))) || r.param_str("force") == Some("true");
    let mut out = Vec::new();
    let walk = Walk {
        managed,
        ignore: &ignore,
        limit,
        force,
    };
    walk.dir(dir, 1, &mut out, kept);
    out
}

struct Walk<'a> {
    managed: &'a HashSet<PathBuf>,
    ignore: &'a [String],
    limit: Option<usize>,
    force: bool,
}

impl Walk<'_> {
    fn dir(&self, dir: &Path, depth: usize, out: &mut Vec<Purged>, kept: &mut Vec<PathBuf>) {
        if self.limit.is_some_and(|l| depth > l) {
            return;
        }
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        let mut names: Vec<_> = entries.flatten().map(|e| e.file_name()).collect();
        names.sort();
        for name in names {
            let text = name.to_string_lossy();
            if self.ignore.iter().any(|p| glob(p, &text)) {
                continue;
            }
            let path = dir.join(&name);
            let Ok(meta) = std::fs::symlink_metadata(&path) else {
                continue;
            };
            let is_dir = meta.is_dir();
            if self.managed.contains(&path) {
                if is_dir {
                    self.dir(&path, depth + 1, out, kept);
                }
                continue;
            }
            let kind = if meta.file_type().is_symlink() {
                "link"
            } else if is_dir {
                "directory"
            } else {
                "file"
            };
            // Its contents go; it stays, as Puppet leaves it without `force`, and so does a
            // directory holding something managed.
            if is_dir && (!self.force || self.managed.iter().any(|m| m.starts_with(&path))) {
                self.dir(&path, depth + 1, out, kept);
                kept.push(path);
                continue;
            }
            out.push(Purged { path, kind });
        }
    }
}

/// Ruby's `File.fnmatch` (with `FNM_DOTMATCH`, as Puppet's fileset calls it) for `ignore`
/// patterns: `*`, `?` and `[...]` on one name, which is what nginx's include globs match
/// too (the leading-dot rule is the include's caller's, not the matcher's).
fn glob(pattern: &str, name: &str) -> bool {
    converge_nginx::include::glob_match(pattern, name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ignore_patterns_match_as_fnmatch() {
        assert!(glob("*.conf", "000-default.conf"));
        assert!(!glob("*.conf", "000-default.conf.bak"));
        assert!(glob("?pache", "apache"));
        assert!(glob("[a-c]x", "bx"));
        assert!(!glob("[!a-c]x", "bx"));
        assert!(glob(".git", ".git"));
    }

    fn res(params: &[(&str, Value)]) -> Resource {
        let mut r = Resource::new("file", "/x");
        for (k, v) in params {
            r.params.insert((*k).into(), v.clone());
        }
        r
    }

    #[test]
    fn unmanaged_entries_go_managed_ones_stay() {
        let t = tempfile::tempdir().unwrap();
        let d = t.path();
        std::fs::write(d.join("keep.conf"), "k").unwrap();
        std::fs::write(d.join("drop.conf"), "d").unwrap();
        std::fs::write(d.join("skip.bak"), "s").unwrap();
        std::os::unix::fs::symlink("/etc/shadow", d.join("link")).unwrap();
        std::fs::create_dir_all(d.join("sub/deeper")).unwrap();
        std::fs::write(d.join("sub/deeper/f"), "f").unwrap();
        let managed: HashSet<PathBuf> = [d.join("keep.conf")].into_iter().collect();
        let r = res(&[
            ("recurse", Value::Bool(true)),
            ("purge", Value::Bool(true)),
            ("ignore", Value::String("*.bak".into())),
        ]);
        assert!(wanted(&r));
        let mut kept = Vec::new();
        let got: Vec<(String, &str)> = unmanaged(d, &r, &managed, &mut kept)
            .into_iter()
            .map(|p| {
                (
                    p.path.strip_prefix(d).unwrap().display().to_string(),
                    p.kind,
                )
            })
            .collect();
        // Without force, the unmanaged directories stay and their files go.
        assert_eq!(
            got,
            [
                ("drop.conf".to_string(), "file"),
                ("link".to_string(), "link"),
                ("sub/deeper/f".to_string(), "file"),
            ]
        );
        assert_eq!(kept, [d.join("sub/deeper"), d.join("sub")]);
        // With force, a directory goes whole; recurselimit 1 stays at the top.
        let r = res(&[
            ("recurse", Value::Bool(true)),
            ("purge", Value::Bool(true)),
            ("force", Value::Bool(true)),
            ("recurselimit", Value::Integer(1)),
        ]);
        let mut kept = Vec::new();
        let got: Vec<String> = unmanaged(d, &r, &managed, &mut kept)
            .into_iter()
            .map(|p| p.path.strip_prefix(d).unwrap().display().to_string())
            .collect();
        assert_eq!(got, ["drop.conf", "link", "skip.bak", "sub"]);
        assert!(kept.is_empty());
    }

    #[test]
    fn purge_needs_recurse() {
        assert!(!wanted(&res(&[("purge", Value::Bool(true))])));
        assert!(!wanted(&res(&[("recurse", Value::Bool(true))])));
    }
}
