//! Finding blocks and editing a parsed file while keeping its layout.
//!
//! Blocks are chosen with a [`Selector`]: the `http` block, a `server` (the default one,
//! one picked by `server_name` or `listen`, or one by its whole identity), a `location` in
//! it, or an `upstream`. A file without an `http` block (a site in `sites-available/`,
//! included from inside `http`) is taken to be inside `http`: its top level is the http
//! context and its `server` blocks are found there.
//!
//! Simple directives are identified by their name and their first `key` arguments
//! (`add_header X-Served-By …` has key 1: one directive per header name). Blocks are
//! identified by their name and arguments (`location = /x`, `upstream web`), a server by
//! its `server_name`s and `listen` addresses ([`ServerSel::Identity`]).
//!
//! Layout rules, chosen so that every insertion is undone exactly by removing what it
//! added:
//! - a new item takes a line of its own, inserted right after the line of the item before
//!   it (the opening line of its block, or the start of the file), with the indentation of
//!   its siblings (or one level more than the parent's, in the file's style: tab or
//!   spaces) and the file's line ending (LF or CRLF); a new block after other items is
//!   preceded by a blank line;
//! - in a block written on one line (`{ a; b; }`) a new item joins that line;
//! - an empty block (`{}`) opens onto lines of its own, and closes back when emptied;
//! - at the end of a file without a final newline, the file still ends without one;
//! - removing an item removes its line (its comment lines above it stay), and the blank
//!   line above a removed block when nothing else was there.
//!
//! New simple directives go after the last directive of the same name, else before the
//! first nested block, else at the end of the block; a new location after the last
//! location, a new server after the last server, a new upstream after the last upstream
//! or before the first server.

use crate::syntax::{Arg, Block, Body, Config, Directive};

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
    /// The server whose `server_name`s are exactly these (in any order) and whose `listen`
    /// addresses are exactly these (`80` = `*:80` = `0.0.0.0:80`); an empty list is not
    /// compared. A server block's identity.
    Identity(Vec<String>, Vec<String>),
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
    /// An upstream block in the http context, by name.
    Upstream(String),
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
            Selector::Upstream(n) => write!(f, "upstream '{n}'"),
        }
    }
}

impl std::fmt::Display for ServerSel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ServerSel::Default => f.write_str("default"),
            ServerSel::Name(n) => write!(f, "server_name {n}"),
            ServerSel::Listen(l) => write!(f, "listen {l}"),
            ServerSel::Identity(names, listens) => {
                let mut parts = Vec::new();
                if !names.is_empty() {
                    parts.push(format!("server_name {}", names.join(" ")));
                }
                if !listens.is_empty() {
                    parts.push(format!("listen {}", listens.join(", ")));
                }
                f.write_str(&parts.join("; "))
            }
        }
    }
}

fn is_block(d: &Directive, name: &str) -> bool {
    d.block().is_some() && d.name() == name
}

/// A listen address in a comparable form: `80`, `*:80` and `0.0.0.0:80` are all `80`.
pub fn normalise_listen(addr: &str) -> String {
    addr.strip_prefix("*:")
        .or_else(|| addr.strip_prefix("0.0.0.0:"))
        .unwrap_or(addr)
        .to_string()
}

fn listen_matches(addr: &str, want: &str) -> bool {
    addr == want || (!want.contains(':') && normalise_listen(addr) == want)
}

/// The `server_name`s and normalised `listen` addresses of a server block.
pub fn server_identity(b: &Block) -> (Vec<String>, Vec<String>) {
    let mut names = Vec::new();
    let mut listens = Vec::new();
    for c in b.items.iter().filter(|c| c.is_simple()) {
        match c.name().as_str() {
            "server_name" => names.extend(c.values()),
            "listen" => listens.extend(c.values().first().map(|a| normalise_listen(a))),
            _ => {}
        }
    }
    (names, listens)
}

fn same_set(a: &[String], b: &[String]) -> bool {
    let mut a: Vec<&String> = a.iter().collect();
    let mut b: Vec<&String> = b.iter().collect();
    a.sort();
    a.dedup();
    b.sort();
    b.dedup();
    a == b
}

fn server_matches(d: &Directive, sel: &ServerSel) -> bool {
    let Some(b) = d.block() else { return false };
    let has = |name: &str, f: &dyn Fn(&[String]) -> bool| {
        b.items
            .iter()
            .filter(|c| c.is_simple() && c.name() == name)
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
        ServerSel::Identity(names, listens) => {
            let (n, l) = server_identity(b);
            let listens: Vec<String> = listens.iter().map(|a| normalise_listen(a)).collect();
            (names.is_empty() || same_set(&n, names))
                && (listens.is_empty() || same_set(&l, &listens))
        }
    }
}

/// The unquoted tokens of a location's or upstream's arguments as written in a selector.
fn spec_values(spec: &str) -> Option<Vec<String>> {
    Some(
        crate::syntax::split_args(spec)
            .ok()?
            .iter()
            .map(|t| crate::syntax::unquote(t))
            .collect(),
    )
}

fn nl_len(s: &[u8], at: usize) -> usize {
    if s[at..].starts_with(b"\r\n") {
        2
    } else if s[at..].starts_with(b"\n") {
        1
    } else {
        0
    }
}

/// Two directives say the same thing to nginx (names, values and bodies; layout and
/// comments aside).
pub fn same_shape(a: &Directive, b: &Directive) -> bool {
    a.name() == b.name()
        && a.values() == b.values()
        && match (&a.body, &b.body) {
            (Body::None, Body::None) => true,
            (Body::Raw(x), Body::Raw(y)) => x == y,
            (Body::Block(x), Body::Block(y)) => {
                x.items.len() == y.items.len()
                    && x.items.iter().zip(&y.items).all(|(p, q)| same_shape(p, q))
            }
            _ => false,
        }
}

impl Block {
    /// The http context: the `http` block, or this block when it has no `http` block and
    /// no `events` block (an included site file).
    fn http_mut(&mut self) -> Option<&mut Block> {
        let idx = self.items.iter().position(|d| is_block(d, "http"));
        match idx {
            Some(i) => self.items[i].block_mut(),
            None if !self.items.iter().any(|d| is_block(d, "events")) => Some(self),
            None => None,
        }
    }

    fn server_index(&self, sel: &ServerSel) -> Option<usize> {
        let servers: Vec<usize> = self
            .items
            .iter()
            .enumerate()
            .filter(|(_, d)| is_block(d, "server"))
            .map(|(i, _)| i)
            .collect();
        servers
            .iter()
            .copied()
            .find(|&i| server_matches(&self.items[i], sel))
            .or_else(|| {
                (*sel == ServerSel::Default)
                    .then(|| servers.first().copied())
                    .flatten()
            })
    }

    /// The index of the block directive `name` whose arguments are `values`.
    pub fn find_block(&self, name: &str, values: &[String]) -> Option<usize> {
        self.items
            .iter()
            .position(|d| is_block(d, name) && d.values() == values)
    }

    /// Indices of the simple directives called `name` whose first `key` argument values
    /// equal `key_values[..key]`.
    pub fn find(&self, name: &str, key_values: &[String]) -> Vec<usize> {
        self.items
            .iter()
            .enumerate()
            .filter(|(_, d)| {
                d.is_simple()
                    && d.name() == name
                    && d.values().get(..key_values.len()) == Some(key_values)
            })
            .map(|(i, _)| i)
            .collect()
    }

    /// The line ending this block uses, if it shows one.
    fn newline(&self) -> Option<&'static [u8]> {
        let crlf = |s: &[u8]| s.windows(2).any(|w| w == b"\r\n");
        if self.items.iter().any(|d| crlf(&d.leading)) || crlf(&self.trailing) {
            Some(b"\r\n")
        } else if self.items.iter().any(|d| d.leading.contains(&b'\n'))
            || self.trailing.contains(&b'\n')
        {
            Some(b"\n")
        } else {
            None
        }
    }

    /// The indentation a new child of this block gets.
    fn child_indent(&self, parent_indent: &[u8], root: bool) -> Vec<u8> {
        if let Some(d) = self.items.iter().find(|d| d.leading.contains(&b'\n')) {
            return d.indent().to_vec();
        }
        if root {
            return Vec::new();
        }
        let mut s = parent_indent.to_vec();
        if parent_indent.contains(&b'\t')
            || parent_indent.is_empty() && self.trailing.contains(&b'\t')
        {
            s.push(b'\t');
        } else {
            s.extend_from_slice(b"    ");
        }
        s
    }

    /// One level of indentation as this block's nested blocks show it.
    fn indent_unit(&self) -> Option<Vec<u8>> {
        self.items.iter().find_map(|d| {
            let inner = d.block()?;
            let child = inner.items.iter().find(|c| c.leading.contains(&b'\n'));
            match child.map(|c| c.indent().strip_prefix(d.indent())) {
                Some(Some(u)) if !u.is_empty() => Some(u.to_vec()),
                _ => inner.indent_unit(),
            }
        })
    }

    /// Whether the block is written on one line with items on it (`{ a; b; }`).
    fn one_line(&self) -> bool {
        !self.items.is_empty()
            && self.items.iter().all(|d| !d.leading.contains(&b'\n'))
            && !self.trailing.contains(&b'\n')
    }

    /// Insert `d` (its layout is set here) as item `at`; see the module's layout rules.
    /// `root`: this block is a whole file.
    pub fn insert_at(&mut self, at: usize, d: Directive, parent_indent: &[u8], root: bool) {
        self.insert_at_with(at, d, parent_indent, root, b"\n");
    }

    /// [`Block::insert_at`], with the file's line ending for a block that shows none.
    pub fn insert_at_with(
        &mut self,
        at: usize,
        mut d: Directive,
        parent_indent: &[u8],
        root: bool,
        file_nl: &'static [u8],
    ) {
        if !root && self.items.is_empty() && self.written_empty.is_none() {
            self.written_empty = Some(self.trailing.clone());
        }
        let nl = self.newline().unwrap_or(file_nl);
        let indent = self.child_indent(parent_indent, root);
        let unit = match indent.strip_prefix(parent_indent) {
            Some(u) if !u.is_empty() => u.to_vec(),
            _ => self.indent_unit().unwrap_or_else(|| {
                if indent.contains(&b' ') {
                    b"    ".to_vec()
                } else {
                    b"\t".to_vec()
                }
            }),
        };
        layout_body(&mut d, &indent, &unit, nl);
        if !root && self.one_line() {
            d.leading = b" ".to_vec();
            self.items.insert(at, d);
            return;
        }
        let blank = d.block().is_some() && at > 0;
        let at_end = at == self.items.len();
        let empty = self.items.is_empty();
        let next = if at_end {
            &mut self.trailing
        } else {
            &mut self.items[at].leading
        };
        let first_nl = next.iter().position(|&b| b == b'\n');
        match first_nl {
            _ if root && at == 0 => {
                // The start of the file is the line start.
                d.leading = indent.clone();
                let mut n = nl.to_vec();
                n.extend_from_slice(next);
                *next = n;
            }
            Some(p) => {
                let mut lead = next[..=p].to_vec();
                if blank {
                    lead.extend_from_slice(nl);
                }
                lead.extend_from_slice(&indent);
                d.leading = lead;
                let mut n = nl.to_vec();
                n.extend_from_slice(&next[p + 1..]);
                *next = n;
            }
            None if at_end && empty && !root => {
                // `{}`: the block opens onto lines of its own (what was between the braces
                // stays on the opening line, for the removal to put back).
                d.leading = [&next[..], nl, &indent].concat();
                *next = [nl, parent_indent].concat();
            }
            None if at_end => {
                // The last line has no line ending (a file without a final newline, or a
                // `}` on the last item's line): the new item goes on a line of its own and
                // what ended the block stays where it was.
                let mut lead = nl.to_vec();
                if blank {
                    lead.extend_from_slice(nl);
                }
                lead.extend_from_slice(&indent);
                d.leading = lead;
            }
            None => d.leading = b" ".to_vec(),
        }
        self.items.insert(at, d);
    }

    /// Remove item `i`, undoing exactly what [`Block::insert_at`] did: its line goes, the
    /// comments above it stay, the blank line above a block goes with it when nothing else
    /// was there. Returns the removed directive.
    pub fn remove_at(&mut self, i: usize, parent_indent: &[u8], root: bool) -> Directive {
        let d = self.items.remove(i);
        let nl_style = if d.leading.windows(2).any(|w| w == b"\r\n") {
            &b"\r\n"[..]
        } else {
            &b"\n"[..]
        };
        let has_next = i < self.items.len();
        let next = if has_next {
            &mut self.items[i].leading
        } else {
            &mut self.trailing
        };
        let n = nl_len(next, 0);
        match d.leading.iter().rposition(|&b| b == b'\n') {
            None => {
                if root && i == 0 {
                    // It was the first line of the file: the next line becomes the first.
                    next.drain(..n);
                }
                // Otherwise it shared a line with what came before: only it goes.
            }
            Some(p) => {
                let above = &d.leading[..=p];
                // A block takes the blank line above it.
                let two = [nl_style, nl_style].concat();
                let above = if d.block().is_some() && above.ends_with(&two) {
                    &above[..above.len() - nl_style.len()]
                } else {
                    above
                };
                if n > 0 {
                    let mut new = above.to_vec();
                    new.extend_from_slice(&next[n..]);
                    *next = new;
                } else if has_next {
                    // The next item was on the same line: it takes this one's place.
                    *next = d.leading.clone();
                } else {
                    // The block (or file) ended on this item's line: it still does, unless
                    // that would put the end behind a comment.
                    let cut = above.len() - if above.ends_with(b"\r\n") { 2 } else { 1 };
                    let without = &above[..cut];
                    let last_line = match without.iter().rposition(|&b| b == b'\n') {
                        Some(q) => &without[q + 1..],
                        None => without,
                    };
                    let keep = if last_line.contains(&b'#') {
                        above
                    } else {
                        without
                    };
                    let mut new = keep.to_vec();
                    new.extend_from_slice(next);
                    *next = new;
                }
            }
        }
        if !root && self.items.is_empty() {
            // A block this session opened goes back to exactly the bytes it had between
            // its braces (a newline, a lone carriage return, anything). One emptied after a
            // re-parse closes back onto its opening line (`{}`), with what was between the
            // braces before anything was inserted.
            if let Some(bytes) = self.written_empty.take() {
                self.trailing = bytes;
            } else {
                let opened = [nl_style, parent_indent].concat();
                if let Some(before) = self.trailing.strip_suffix(opened.as_slice()) {
                    if before.iter().all(|&b| b == b' ' || b == b'\t') {
                        self.trailing = before.to_vec();
                    }
                }
            }
        }
        d
    }

    /// Where a new directive called `name` goes (see the module's rules).
    fn position_for(&self, name: &str, block: bool) -> usize {
        let last = |pred: &dyn Fn(&Directive) -> bool| self.items.iter().rposition(pred);
        if !block {
            if let Some(i) = last(&|d| d.is_simple() && d.name() == name) {
                return i + 1;
            }
            return self
                .items
                .iter()
                .position(|d| !d.is_simple())
                .unwrap_or(self.items.len());
        }
        if let Some(i) = last(&|d| is_block(d, name)) {
            return i + 1;
        }
        if name == "upstream" {
            if let Some(i) = self.items.iter().position(|d| is_block(d, "server")) {
                return i;
            }
        }
        self.items.len()
    }

    /// Set `name args` for the directives identified by `name` and `args[..key]`: the
    /// first match gets the new arguments (keeping its layout), further matches are
    /// removed, and when none matches a new directive is inserted. Returns whether
    /// anything changed.
    pub fn set(
        &mut self,
        parent_indent: &[u8],
        root: bool,
        name: &str,
        args: &[String],
        key: usize,
        file_nl: &'static [u8],
    ) -> bool {
        let key_values: Vec<String> = args
            .iter()
            .take(key)
            .map(|a| crate::syntax::unquote(a))
            .collect();
        let found = self.find(name, &key_values);
        if let Some((&first, rest)) = found.split_first() {
            let mut changed = false;
            for &i in rest.iter().rev() {
                self.remove_at(i, parent_indent, root);
                changed = true;
            }
            changed |= set_args(&mut self.items[first], args);
            return changed;
        }
        let at = self.position_for(name, false);
        self.insert_at_with(
            at,
            Directive::new(b"", name, args),
            parent_indent,
            root,
            file_nl,
        );
        true
    }

    /// Remove the directives identified by `name` and `key_values`; returns how many.
    pub fn remove(
        &mut self,
        parent_indent: &[u8],
        root: bool,
        name: &str,
        key_values: &[String],
    ) -> usize {
        let found = self.find(name, key_values);
        for &i in found.iter().rev() {
            self.remove_at(i, parent_indent, root);
        }
        found.len()
    }

    /// Make this block's body say what `desired` says, keeping every item for which `keep`
    /// holds (blocks and directives other resources manage) and the layout and comments of
    /// every item that stays. Items are matched structurally; a directive whose arguments
    /// changed is updated in place, a nested block whose body changed is synced in turn.
    /// Returns whether anything changed.
    pub fn sync_body(
        &mut self,
        desired: &Block,
        parent_indent: &[u8],
        keep: &dyn Fn(&Directive) -> bool,
        file_nl: &'static [u8],
    ) -> bool {
        let existing: Vec<usize> = (0..self.items.len())
            .filter(|&i| !keep(&self.items[i]))
            .collect();
        let want = &desired.items;
        // Longest common subsequence of structurally equal items.
        let (m, n) = (existing.len(), want.len());
        let mut lcs = vec![vec![0usize; n + 1]; m + 1];
        for a in (0..m).rev() {
            for b in (0..n).rev() {
                lcs[a][b] = if same_shape(&self.items[existing[a]], &want[b]) {
                    lcs[a + 1][b + 1] + 1
                } else {
                    lcs[a + 1][b].max(lcs[a][b + 1])
                };
            }
        }
        let mut pairs = Vec::new();
        let (mut a, mut b) = (0, 0);
        while a < m && b < n {
            if same_shape(&self.items[existing[a]], &want[b]) {
                pairs.push((a, b));
                a += 1;
                b += 1;
            } else if lcs[a + 1][b] >= lcs[a][b + 1] {
                a += 1;
            } else {
                b += 1;
            }
        }
        pairs.push((m, n));
        // Gaps between matched items, last first so earlier indices stay valid.
        let mut changed = false;
        let mut gaps = Vec::new();
        let mut prev = (0usize, 0usize);
        let mut prev_item: Option<usize> = None;
        for &(pa, pb) in &pairs {
            gaps.push((prev.0..pa, prev.1..pb, prev_item));
            prev = (pa + 1, pb + 1);
            prev_item = existing.get(pa).copied();
        }
        for (ea, db, before) in gaps.into_iter().rev() {
            let olds: Vec<usize> = ea.map(|k| existing[k]).collect();
            // Pair same-named items in order: updated in place.
            let mut used = vec![false; olds.len()];
            let mut fresh: Vec<(Directive, Option<usize>)> = Vec::new();
            let mut last_kept: Option<usize> = None;
            for nd in &want[db] {
                let hit = (0..olds.len()).find(|&k| {
                    let od = &self.items[olds[k]];
                    !used[k]
                        && od.name() == nd.name()
                        && match (&od.body, &nd.body) {
                            (Body::None, Body::None) => true,
                            (Body::Block(_), Body::Block(_)) => od.values() == nd.values(),
                            _ => false,
                        }
                });
                match hit {
                    Some(k) => {
                        used[k] = true;
                        let oi = olds[k];
                        let item_indent = self.items[oi].indent().to_vec();
                        let item = &mut self.items[oi];
                        match (&mut item.body, &nd.body) {
                            (Body::Block(ob), Body::Block(nb)) => {
                                changed |= ob.sync_body(nb, &item_indent, &|_| false, file_nl);
                            }
                            _ => changed |= set_args(item, &raw_args(nd)),
                        }
                        last_kept = Some(oi);
                    }
                    None => {
                        let mut d = nd.clone();
                        d.trailing.clear();
                        fresh.push((d, last_kept));
                    }
                }
            }
            let mut removals: Vec<usize> = (0..olds.len())
                .filter(|&k| !used[k])
                .map(|k| olds[k])
                .collect();
            // New items go after the item before them in the desired order; one after
            // another when several follow the same item.
            let mut anchors: Vec<Option<usize>> =
                fresh.iter().map(|(_, after)| after.or(before)).collect();
            for (k, (d, _)) in fresh.into_iter().enumerate() {
                let at = match anchors[k] {
                    Some(i) => i + 1,
                    None => 0,
                }
                .min(self.items.len());
                self.insert_at_with(at, d, parent_indent, false, file_nl);
                for r in removals.iter_mut() {
                    if *r >= at {
                        *r += 1;
                    }
                }
                let this = anchors[k];
                for later in anchors.iter_mut().skip(k + 1) {
                    if *later == this {
                        // Several new items after the same one follow each other.
                        *later = Some(at);
                    } else if let Some(i) = later {
                        if *i >= at {
                            *i += 1;
                        }
                    }
                }
                changed = true;
            }
            removals.sort_unstable();
            for &r in removals.iter().rev() {
                self.remove_at(r, parent_indent, false);
                changed = true;
            }
        }
        changed
    }
}

/// The raw arguments of a directive, as written.
fn raw_args(d: &Directive) -> Vec<String> {
    d.args
        .iter()
        .map(|a| String::from_utf8_lossy(&a.raw).into_owned())
        .collect()
}

/// Give a directive new arguments, keeping the spacing of the ones it had; whether its
/// values changed.
fn set_args(d: &mut Directive, args: &[String]) -> bool {
    let want: Vec<String> = args.iter().map(|a| crate::syntax::unquote(a)).collect();
    if d.values() == want {
        return false;
    }
    let old = std::mem::take(&mut d.args);
    d.args = args
        .iter()
        .enumerate()
        .map(|(i, raw)| Arg {
            leading: old
                .get(i)
                .map_or_else(|| b" ".to_vec(), |a| a.leading.clone()),
            raw: raw.as_bytes().to_vec(),
        })
        .collect();
    true
}

/// Lay out a new directive's nested body: each item on its own line, one `unit` deeper
/// than `indent`, comments dropped.
fn layout_body(d: &mut Directive, indent: &[u8], unit: &[u8], nl: &[u8]) {
    d.before_end = if d.args.is_empty() && !d.is_simple() {
        b" ".to_vec()
    } else if d.is_simple() {
        Vec::new()
    } else {
        b" ".to_vec()
    };
    for a in &mut d.args {
        a.leading = b" ".to_vec();
    }
    if let Body::Block(b) = &mut d.body {
        let inner = [indent, unit].concat();
        for c in &mut b.items {
            c.leading = [nl, &inner].concat();
            c.trailing.clear();
            layout_body(c, &inner, unit, nl);
        }
        b.trailing = [nl, indent].concat();
    }
}

impl Config {
    /// The file's line ending: CRLF when it has any, else LF.
    pub fn newline(&self) -> &'static [u8] {
        if self.to_bytes().windows(2).any(|w| w == b"\r\n") {
            b"\r\n"
        } else {
            b"\n"
        }
    }

    /// The block a selector names, with the indentation of the directive that opens it
    /// (empty for the top level) and whether it is the top level of the file.
    pub fn block_mut(&mut self, sel: &Selector) -> Result<(&mut Block, Vec<u8>, bool), EditError> {
        let missing = || EditError::NoBlock(sel.to_string());
        let http_indent = self
            .root
            .items
            .iter()
            .find(|d| is_block(d, "http"))
            .map(|d| d.indent().to_vec());
        match sel {
            Selector::Main => Ok((&mut self.root, Vec::new(), true)),
            Selector::Http => {
                let root = http_indent.is_none();
                let b = self.root.http_mut().ok_or_else(missing)?;
                Ok((b, http_indent.unwrap_or_default(), root))
            }
            Selector::Upstream(name) => {
                let want = spec_values(name).ok_or_else(missing)?;
                let http = self.root.http_mut().ok_or_else(missing)?;
                let i = http.find_block("upstream", &want).ok_or_else(missing)?;
                let indent = http.items[i].indent().to_vec();
                let b = http.items[i].block_mut().ok_or_else(missing)?;
                Ok((b, indent, false))
            }
            Selector::Server(s) | Selector::Location(s, _) => {
                let http = self.root.http_mut().ok_or_else(missing)?;
                let si = http.server_index(s).ok_or_else(missing)?;
                let indent = http.items[si].indent().to_vec();
                let server = http.items[si].block_mut().ok_or_else(missing)?;
                match sel {
                    Selector::Location(_, loc) => {
                        let want = spec_values(loc).ok_or_else(missing)?;
                        let li = server.find_block("location", &want).ok_or_else(missing)?;
                        let lindent = server.items[li].indent().to_vec();
                        let b = server.items[li].block_mut().ok_or_else(missing)?;
                        Ok((b, lindent, false))
                    }
                    _ => Ok((server, indent, false)),
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
        let (b, _, _) = self.block_mut(sel)?;
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
        let nl = self.newline();
        let (b, indent, root) = self.block_mut(sel)?;
        Ok(b.set(&indent, root, name, args, key, nl))
    }

    /// Remove directives from a block; returns how many were removed.
    pub fn remove(
        &mut self,
        sel: &Selector,
        name: &str,
        key_values: &[String],
    ) -> Result<usize, EditError> {
        let (b, indent, root) = self.block_mut(sel)?;
        Ok(b.remove(&indent, root, name, key_values))
    }

    /// Make sure block `name args { body }` exists in the block `parent` selects, found by
    /// `find` among the blocks called `name` there: created (in its place, see the module's
    /// rules) when missing, else its arguments set to `args` and its body synced with
    /// `body` ([`Block::sync_body`], keeping what `keep` says). Returns whether anything
    /// changed.
    pub fn put_block(
        &mut self,
        parent: &Selector,
        name: &str,
        args: &[String],
        body: &Block,
        find: &dyn Fn(&Directive) -> bool,
        keep: &dyn Fn(&Directive) -> bool,
    ) -> Result<bool, EditError> {
        let nl = self.newline();
        let (b, indent, root) = self.block_mut(parent)?;
        let found = b.items.iter().position(|d| is_block(d, name) && find(d));
        match found {
            Some(i) => {
                let item_indent = b.items[i].indent().to_vec();
                let mut changed = set_args(&mut b.items[i], args);
                if let Some(inner) = b.items[i].block_mut() {
                    changed |= inner.sync_body(body, &item_indent, keep, nl);
                }
                Ok(changed)
            }
            None => {
                let mut d = Directive::new(b"", name, args);
                d.body = Body::Block(body.clone());
                let at = b.position_for(name, true);
                b.insert_at_with(at, d, &indent, root, nl);
                Ok(true)
            }
        }
    }

    /// Remove the blocks called `name` that `find` picks from the block `parent` selects;
    /// returns how many went. A missing parent block means there is nothing to remove.
    pub fn remove_block(
        &mut self,
        parent: &Selector,
        name: &str,
        find: &dyn Fn(&Directive) -> bool,
    ) -> usize {
        let Ok((b, indent, root)) = self.block_mut(parent) else {
            return 0;
        };
        let hits: Vec<usize> = (0..b.items.len())
            .filter(|&i| is_block(&b.items[i], name) && find(&b.items[i]))
            .collect();
        for &i in hits.iter().rev() {
            b.remove_at(i, &indent, root);
        }
        hits.len()
    }

    /// The block called `name` that `find` picks in the block `parent` selects.
    pub fn find_block(
        &mut self,
        parent: &Selector,
        name: &str,
        find: &dyn Fn(&Directive) -> bool,
    ) -> Option<Directive> {
        let (b, _, _) = self.block_mut(parent).ok()?;
        b.items
            .iter()
            .find(|d| is_block(d, name) && find(d))
            .cloned()
    }
}

/// A matcher for [`Config::put_block`]: a server block with this identity.
pub fn server_with(sel: &ServerSel) -> impl Fn(&Directive) -> bool + '_ {
    move |d| server_matches(d, sel)
}
