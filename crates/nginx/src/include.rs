//! Reading a configuration with its `include`s followed, as nginx does: relative patterns
//! resolve against the directory of the main file (nginx's conf prefix), globs (`*`, `?`,
//! `[…]`) expand in sorted order, and a pattern that matches nothing is not an error when it
//! contains a glob character. Each file stays a separate [`Config`]: nothing is flattened,
//! so each can be edited and written back on its own.

use crate::syntax::{Block, Config, ParseError};
use std::path::{Path, PathBuf};

/// Why a configuration tree could not be read.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// A file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// A file could not be parsed.
    #[error("{path}: {source}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// The error.
        #[source]
        source: ParseError,
    },
    /// An `include` of a plain path names a missing file.
    #[error("{path}: include of a missing file {missing}")]
    Missing {
        /// The including file.
        path: PathBuf,
        /// The included path.
        missing: PathBuf,
    },
}

/// A main file and every file it includes, each parsed on its own, in the order nginx
/// reads them.
#[derive(Debug, Default)]
pub struct Tree {
    /// `(path, parsed file)`, the main file first.
    pub files: Vec<(PathBuf, Config)>,
}

impl Tree {
    /// Read `main` and follow its includes (loops are cut: a file is read once).
    pub fn load(main: &Path) -> Result<Tree, LoadError> {
        let prefix = main.parent().unwrap_or(Path::new("/")).to_path_buf();
        let mut tree = Tree::default();
        tree.read(main, &prefix)?;
        Ok(tree)
    }

    /// The parsed file at `path`, if it is part of the tree.
    pub fn get(&self, path: &Path) -> Option<&Config> {
        self.files.iter().find(|(p, _)| p == path).map(|(_, c)| c)
    }

    fn read(&mut self, path: &Path, prefix: &Path) -> Result<(), LoadError> {
        if self.files.iter().any(|(p, _)| p == path) {
            return Ok(());
        }
        let text = std::fs::read(path).map_err(|source| LoadError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let cfg = Config::parse(&text).map_err(|source| LoadError::Parse {
            path: path.to_path_buf(),
            source,
        })?;
        let mut patterns = Vec::new();
        collect_includes(&cfg.root, &mut patterns);
        self.files.push((path.to_path_buf(), cfg));
        for pat in patterns {
            let full = if Path::new(&pat).is_absolute() {
                PathBuf::from(&pat)
            } else {
                prefix.join(&pat)
            };
            let matches = expand(&full);
            if matches.is_empty() && !has_glob(&pat) {
                return Err(LoadError::Missing {
                    path: path.to_path_buf(),
                    missing: full,
                });
            }
            for m in matches {
                self.read(&m, prefix)?;
            }
        }
        Ok(())
    }
}

fn collect_includes(b: &Block, out: &mut Vec<String>) {
    for d in &b.items {
        if d.is_simple() && d.name() == "include" {
            if let Some(p) = d.values().first() {
                out.push(p.clone());
            }
        }
        if let Some(inner) = d.block() {
            collect_includes(inner, out);
        }
    }
}

fn has_glob(s: &str) -> bool {
    s.contains(['*', '?', '['])
}

/// Expand a glob path component by component; sorted, hidden files only when the pattern
/// names them.
pub fn expand(pattern: &Path) -> Vec<PathBuf> {
    let mut current = vec![PathBuf::from("/")];
    if pattern.is_relative() {
        current = vec![PathBuf::new()];
    }
    for comp in pattern.components() {
        let part = comp.as_os_str().to_string_lossy();
        if matches!(comp, std::path::Component::RootDir) {
            continue;
        }
        let mut next = Vec::new();
        for base in &current {
            if !has_glob(&part) {
                next.push(base.join(&*part));
                continue;
            }
            let dir = if base.as_os_str().is_empty() {
                Path::new(".")
            } else {
                base.as_path()
            };
            let Ok(rd) = std::fs::read_dir(dir) else {
                continue;
            };
            let mut names: Vec<String> = rd
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| (!n.starts_with('.') || part.starts_with('.')) && glob_match(&part, n))
                .collect();
            names.sort();
            next.extend(names.into_iter().map(|n| base.join(n)));
        }
        current = next;
    }
    current.into_iter().filter(|p| p.exists()).collect()
}

/// Match one path component against a glob (`*`, `?`, `[abc]`, `[a-z]`, `[!a]`).
pub fn glob_match(pat: &str, name: &str) -> bool {
    let p: Vec<char> = pat.chars().collect();
    let n: Vec<char> = name.chars().collect();
    fn go(p: &[char], n: &[char]) -> bool {
        match p.first() {
            None => n.is_empty(),
            Some('*') => (0..=n.len()).any(|i| go(&p[1..], &n[i..])),
            Some('?') => !n.is_empty() && go(&p[1..], &n[1..]),
            Some('[') => {
                let Some(end) = p.iter().skip(1).position(|&c| c == ']').map(|e| e + 1) else {
                    return n.first() == Some(&'[') && go(&p[1..], &n[1..]);
                };
                let Some(&c) = n.first() else { return false };
                let mut set = &p[1..end];
                let negate = matches!(set.first(), Some('!') | Some('^'));
                if negate {
                    set = &set[1..];
                }
                let mut hit = false;
                let mut i = 0;
                while i < set.len() {
                    if i + 2 < set.len() && set[i + 1] == '-' {
                        hit |= set[i] <= c && c <= set[i + 2];
                        i += 3;
                    } else {
                        hit |= set[i] == c;
                        i += 1;
                    }
                }
                hit != negate && go(&p[end + 1..], &n[1..])
            }
            Some(&c) => n.first() == Some(&c) && go(&p[1..], &n[1..]),
        }
    }
    go(&p, &n)
}
