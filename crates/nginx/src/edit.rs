//! Finding blocks and editing directives in a parsed file while keeping its layout.
//!
//! Blocks are chosen with a [`Selector`]: the `http` block, a `server` (the default one,
//! or one picked by `server_name` or `listen`), and optionally a `location` in it. A file
//! without an `http` block (a site in `sites-available/`, included from inside `http`) is
//! taken to be inside `http`: its top level is the http context and its `server` blocks are
//! found there.
//!
//! Directives are identified by their name and their first `key` arguments
//! (`add_header X-Served-By …` has key 1: one directive per header name). New directives
//! copy the indentation of their siblings (or one level more than the parent's, in the
//! parent's style: tab or spaces) and go after the last directive of the same name, else
//! before the first nested block, else at the end of the block.

use crate::syntax::{Arg, Block, Config, Directive};

/// Which server block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerSel {
    /// The server with `default_server` in a `listen`, else the first one.
    Default,
    /// The server with this name in its `server_name`.
    Name(String),
    /// The server with a `listen` whose first argument is this (`80`, `[::]:80`,
    /// `127.0.0.1:8080`); `80` also matches `*:80` and `0.0.0.0:80`.
    Listen(String),
}

/// Which block a directive lives in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selector {
    /// The top level of the file (`main` context in nginx.conf).
    Main,
    /// The `http` block (or the top level of a file that has none).
    Http,
    /// A server block.
    Server(ServerSel),
    /// A location in a server block, by its arguments as written after `location`
    /// (`/`, `= /404.html`, `~ \.php$`; compared token by token, unquoted).
    Location(ServerSel, String),
}

/// Why an edit could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    /// The selected block is not in the file.
    #[error("no {0} block found")]
    NoBlock(String),
}

impl std::fmt::Display for Selector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Selector::Main => f.write_str("main"),
            Selector::Http => f.write_str("http"),
            Selector::Server(s) => write!(f, "server ({s})"),
            Selector::Location(s, l) => write!(f, "location '{l}' in server ({s})"),
        }
    }
}

impl std::fmt::Display for ServerSel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ServerSel::Default => f.write_str("default"),
            ServerSel::Name(n) => write!(f, "server_name {n}"),
            ServerSel::Listen(l) => write!(f, "listen {l}"),
        }
    }
}

fn is_block(d: &Directive, name: &str) -> bool {
    d.block.is_some() && d.name() == name
}

fn listen_matches(addr: &str, want: &str) -> bool {
    if addr == want {
        return true;
    }
    // A bare port also matches wildcard addresses on that port.
    !want.contains(':') && (addr == format!("*:{want}") || addr == format!("0.0.0.0:{want}"))
}

fn server_matches(d: &Directive, sel: &ServerSel) -> bool {
    let Some(b) = &d.block else { return false };
    let has = |name: &str, f: &dyn Fn(&[String]) -> bool| {
        b.items
            .iter()
            .filter(|c| c.block.is_none() && c.name() == name)
            .any(|c| f(&c.values()))
    };
    match sel {
        ServerSel::Default => has("listen", &|v| {
            v.iter().any(|a| a == "default_server" || a == "default")
        }),
        ServerSel::Name(n) => has("server_name", &|v| v.iter().any(|a| a == n)),
        ServerSel::Listen(l) => has("listen", &|v| {
            v.first().is_some_and(|a| listen_matches(a, l))
        }),
    }
}

impl Block {
    /// The http context: the `http` block, or this block when it has no `http` block and
    /// no `events` block (an included site file).
    fn http_mut(&mut self) -> Option<&mut Block> {
        let idx = self.items.iter().position(|d| is_block(d, "http"));
        match idx {
            Some(i) => self.items[i].block.as_mut(),
            None if !self.items.iter().any(|d| is_block(d, "events")) => Some(self),
            None => None,
        }
    }

    fn server_mut(&mut self, sel: &ServerSel) -> Option<&mut Block> {
        let http = self.http_mut()?;
        let servers: Vec<usize> = http
            .items
            .iter()
            .enumerate()
            .filter(|(_, d)| is_block(d, "server"))
            .map(|(i, _)| i)
            .collect();
        let pick = servers
            .iter()
            .copied()
            .find(|&i| server_matches(&http.items[i], sel))
            .or_else(|| {
                (*sel == ServerSel::Default)
                    .then(|| servers.first().copied())
                    .flatten()
            })?;
        http.items[pick].block.as_mut()
    }

    fn location_mut(&mut self, spec: &str) -> Option<&mut Block> {
        let want: Vec<String> = crate::syntax::split_args(spec)
            .ok()?
            .iter()
            .map(|t| crate::syntax::unquote(t))
            .collect();
        self.items
            .iter_mut()
            .find(|d| is_block(d, "location") && d.values() == want)
            .and_then(|d| d.block.as_mut())
    }

    /// Indices of the simple directives called `name` whose first `key` argument values
    /// equal `key_values[..key]`.
    pub fn find(&self, name: &str, key_values: &[String]) -> Vec<usize> {
        self.items
            .iter()
            .enumerate()
            .filter(|(_, d)| {
                d.block.is_none()
                    && d.name() == name
                    && d.values().get(..key_values.len()) == Some(key_values)
            })
            .map(|(i, _)| i)
            .collect()
    }

    /// The indentation a new child of this block gets.
    fn child_indent(&self, parent_indent: &str) -> String {
        if let Some(d) = self.items.iter().find(|d| d.leading.contains('\n')) {
            return d.indent().to_string();
        }
        if parent_indent.contains('\t') || parent_indent.is_empty() && self.trailing.contains('\t')
        {
            format!("{parent_indent}\t")
        } else {
            format!("{parent_indent}    ")
        }
    }

    /// Set `name args` for the directives identified by `name` and `args[..key]`: the
    /// first match gets the new arguments (keeping its layout), further matches are
    /// removed, and when none matches a new directive is inserted. Returns whether
    /// anything changed.
    pub fn set(&mut self, parent_indent: &str, name: &str, args: &[String], key: usize) -> bool {
        let key_values: Vec<String> = args
            .iter()
            .take(key)
            .map(|a| crate::syntax::unquote(a))
            .collect();
        let found = self.find(name, &key_values);
        let want: Vec<String> = args.iter().map(|a| crate::syntax::unquote(a)).collect();
        if let Some((&first, rest)) = found.split_first() {
            let mut changed = false;
            for &i in rest.iter().rev() {
                self.remove_at(i);
                changed = true;
            }
            let d = &mut self.items[first];
            if d.values() != want {
                let old = std::mem::take(&mut d.args);
                d.args = args
                    .iter()
                    .enumerate()
                    .map(|(i, raw)| Arg {
                        leading: old
                            .get(i)
                            .map_or_else(|| " ".to_string(), |a| a.leading.clone()),
                        raw: raw.clone(),
                    })
                    .collect();
                changed = true;
            }
            return changed;
        }
        let indent = self.child_indent(parent_indent);
        let newline = if self.items.iter().any(|d| d.leading.contains("\r\n"))
            || self.trailing.contains("\r\n")
        {
            "\r\n"
        } else {
            "\n"
        };
        let same = self
            .items
            .iter()
            .rposition(|d| d.block.is_none() && d.name() == name);
        let at = match same {
            Some(i) => i + 1,
            None => self
                .items
                .iter()
                .position(|d| d.block.is_some())
                .unwrap_or(self.items.len()),
        };
        let mut leading = format!("{newline}{indent}");
        let at_end = at == self.items.len();
        // Something on the opening line (`server { # note`) stays on that line.
        let next_leading = if at < self.items.len() {
            &mut self.items[at].leading
        } else {
            &mut self.trailing
        };
        if let Some(nl) = next_leading.find('\n') {
            let cut = if nl > 0 && next_leading.as_bytes()[nl - 1] == b'\r' {
                nl - 1
            } else {
                nl
            };
            if at == 0 && !next_leading[..cut].trim().is_empty() {
                leading = format!("{}{leading}", &next_leading[..cut]);
                next_leading.replace_range(..cut, "");
            }
        } else if at_end {
            // `{}` or a last line without newline: close the block on its own line.
            let parent = parent_indent.to_string();
            if next_leading.trim().is_empty() {
                *next_leading = format!("{newline}{parent}");
            }
        } else if next_leading.trim().is_empty() {
            // The next directive was on the same line (`{ a; b; }`): it moves to its own.
            *next_leading = format!("{newline}{indent}");
        }
        self.items.insert(at, Directive::new(&leading, name, args));
        true
    }

    /// Remove the directives identified by `name` and `key_values`; returns how many.
    pub fn remove(&mut self, name: &str, key_values: &[String]) -> usize {
        let found = self.find(name, key_values);
        for &i in found.iter().rev() {
            self.remove_at(i);
        }
        found.len()
    }

    /// Remove one item; comments and blank lines before it stay (joined to what follows),
    /// its own line goes. When what follows is on the same line (`add_header X 1;x 1;`),
    /// it takes the removed directive's place, line break and indentation included, so
    /// that it never lands behind a comment.
    fn remove_at(&mut self, i: usize) {
        let d = self.items.remove(i);
        let next = if i < self.items.len() {
            &mut self.items[i].leading
        } else {
            &mut self.trailing
        };
        // Only LF ends a comment (a lone CR does not).
        let keep = if next.starts_with('\n') || next.starts_with("\r\n") {
            match d.leading.rfind('\n') {
                Some(nl) => {
                    let cut = if nl > 0 && d.leading.as_bytes()[nl - 1] == b'\r' {
                        nl - 1
                    } else {
                        nl
                    };
                    &d.leading[..cut]
                }
                None => d.leading.as_str(),
            }
        } else {
            d.leading.as_str()
        };
        next.insert_str(0, keep);
    }
}

impl Config {
    /// The block a selector names, with the indentation of the directive that opens it
    /// (empty for the top level).
    pub fn block_mut(&mut self, sel: &Selector) -> Result<(&mut Block, String), EditError> {
        let indent_of = |b: &Block, pred: &dyn Fn(&Directive) -> bool| {
            b.items
                .iter()
                .find(|d| pred(d))
                .map(|d| d.indent().to_string())
        };
        let missing = || EditError::NoBlock(sel.to_string());
        match sel {
            Selector::Main => Ok((&mut self.root, String::new())),
            Selector::Http => {
                let indent = indent_of(&self.root, &|d| is_block(d, "http")).unwrap_or_default();
                let b = self.root.http_mut().ok_or_else(missing)?;
                Ok((b, indent))
            }
            Selector::Server(s) | Selector::Location(s, _) => {
                let indent = {
                    let mut probe = self.root.clone();
                    let http = probe.http_mut().ok_or_else(missing)?;
                    let servers: Vec<&Directive> = http
                        .items
                        .iter()
                        .filter(|d| is_block(d, "server"))
                        .collect();
                    servers
                        .iter()
                        .find(|d| server_matches(d, s))
                        .or(if *s == ServerSel::Default {
                            servers.first()
                        } else {
                            None
                        })
                        .map(|d| d.indent().to_string())
                        .unwrap_or_default()
                };
                let server = self.root.server_mut(s).ok_or_else(missing)?;
                match sel {
                    Selector::Location(_, loc) => {
                        let li = server
                            .items
                            .iter()
                            .find(|d| is_block(d, "location"))
                            .map(|d| d.indent().to_string())
                            .unwrap_or_else(|| format!("{indent}\t"));
                        let b = server.location_mut(loc).ok_or_else(missing)?;
                        Ok((b, li))
                    }
                    _ => Ok((server, indent)),
                }
            }
        }
    }

    /// The values of the directives `name` (identified by `key_values`) in a block.
    pub fn get(
        &mut self,
        sel: &Selector,
        name: &str,
        key_values: &[String],
    ) -> Result<Vec<Vec<String>>, EditError> {
        let (b, _) = self.block_mut(sel)?;
        let idx = b.find(name, key_values);
        Ok(idx.iter().map(|&i| b.items[i].values()).collect())
    }

    /// Set a directive in a block (see [`Block::set`]); `args` are raw nginx tokens.
    pub fn set(
        &mut self,
        sel: &Selector,
        name: &str,
        args: &[String],
        key: usize,
    ) -> Result<bool, EditError> {
        let (b, indent) = self.block_mut(sel)?;
        Ok(b.set(&indent, name, args, key))
    }

    /// Remove directives from a block; returns how many were removed.
    pub fn remove(
        &mut self,
        sel: &Selector,
        name: &str,
        key_values: &[String],
    ) -> Result<usize, EditError> {
        let (b, _) = self.block_mut(sel)?;
        Ok(b.remove(name, key_values))
    }
}
