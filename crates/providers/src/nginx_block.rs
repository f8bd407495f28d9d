//! `nginx_server`, `nginx_location` and `nginx_upstream`: whole nginx blocks as resources,
//! edited structurally with `converge-nginx` (everything else in the file is kept byte for
//! byte), in the spirit of puppet-nginx's `nginx::resource::server`, `location` and
//! `upstream`.
//!
//! - `nginx_server { 'shop': server_name => ['shop.example'], listen => ['80'], directives
//!   => {...} }`: a server block, identified by its `server_name`s and `listen` addresses
//!   (defaults: the title, `80`), in `target` (default
//!   `/etc/nginx/sites-available/<title>.conf`, created when missing, with its
//!   `sites-enabled` link unless `enable => false`).
//! - `nginx_location { '= /redirect_me': server => 'shop', directives => {...} }`: a
//!   location block, identified by its modifier and path (`location`, default the title), in
//!   the server `server` names (an `nginx_server` title of the catalog, whose file it then
//!   uses, or a `server_name`; the default server when not given), in `target` (default
//!   Debian's default site).
//! - `nginx_upstream { 'web': members => ['web-01:80', 'web-02:80 max_fails=1'] }`: an
//!   upstream block, identified by its name, in `target` (default
//!   `/etc/nginx/conf.d/<title>.conf`, which Debian's nginx.conf includes in `http`).
//!
//! A block's body is what the resource declares: `directives` (a hash, in order: a string
//! value is the arguments, an array one directive per element, `true` or `''` a directive
//! without arguments) and/or `content` (raw nginx text, nested blocks allowed). Directives
//! the body does not declare are removed, which is how a whole body is replaced; to add
//! one directive to a block and leave the rest alone, use `nginx_directive`. Nested
//! `location` blocks are left alone unless the server (or location) says `purge => true`:
//! then the ones no `nginx_location` of the catalog declares are removed. A block the
//! manifest stops declaring is left alone; `ensure => absent` removes it.
//!
//! Before anything is written, the new file is checked against nginx's directive table
//! (located errors in nginx's words) and the whole configuration is tested with `nginx -t`
//! on a staged copy; a running nginx is then reloaded, as `nginx_directive` does.

use crate::context::{Context, FileView};
use crate::fsutil::{self, WriteSpec};
use crate::nginx_directive::{self as nd, CONF_DIR, DEFAULT_TARGET};
use crate::provider::{Change, Event, EventKind, Provider, ProviderError, State};
use converge_catalog::{Catalog, Diagnostic, Resource, Value};
use converge_nginx::directives::{check_block, Context as Cx};
use converge_nginx::{Block, Body, Config, Directive, Selector, ServerSel};
use std::path::{Path, PathBuf};

/// Where sites are kept and where they are enabled.
const SITES_AVAILABLE: &str = "/etc/nginx/sites-available";
const SITES_ENABLED: &str = "/etc/nginx/sites-enabled";

/// The servers and locations a catalog declares, for resolving `server => title` and for
/// `purge` (set by the engine before a run; empty otherwise).
#[derive(Debug, Clone, Default)]
pub struct Declared {
    /// Each `nginx_server`: title, target, server_names, listen addresses.
    pub servers: Vec<(String, PathBuf, Vec<String>, Vec<String>)>,
    /// Each `nginx_location`: the `server` it names (empty for the default) and its
    /// location's unquoted tokens.
    pub locations: Vec<(String, Vec<String>)>,
}

impl Declared {
    /// What a catalog declares.
    pub fn from_catalog(catalog: &Catalog) -> Declared {
        let mut d = Declared::default();
        for r in &catalog.resources {
            match r.type_name.as_str() {
                "nginx_server" => {
                    let s = ServerSpec::identity(r);
                    d.servers
                        .push((r.title.clone(), server_target(r), s.0, s.1));
                }
                "nginx_location" => {
                    let server = r.param_str("server").unwrap_or_default().to_string();
                    if let Some(v) = location_values(r) {
                        d.locations.push((server, v));
                    }
                }
                _ => {}
            }
        }
        d
    }
}

fn invalid(msg: impl Into<String>) -> ProviderError {
    ProviderError::Invalid(msg.into())
}

fn strings(v: Option<&Value>) -> Vec<String> {
    match v.map(Value::unwrap_sensitive) {
        Some(Value::Array(a)) => a.iter().map(|x| x.to_string()).collect(),
        Some(v) if !v.is_undef() => vec![v.to_string()],
        _ => Vec::new(),
    }
}

fn location_values(r: &Resource) -> Option<Vec<String>> {
    let spec = r.param_str("location").unwrap_or(&r.title);
    Some(
        converge_nginx::split_args(spec)
            .ok()?
            .iter()
            .map(|t| converge_nginx::unquote(t))
            .collect(),
    )
}

fn server_target(r: &Resource) -> PathBuf {
    r.param_str("target").map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(format!(
            "{SITES_AVAILABLE}/{}.conf",
            r.title.replace('/', "_")
        ))
    })
}

/// The body a resource declares: `directives` then `content`. Errors name the attribute.
pub fn declared_body(r: &Resource) -> Result<Block, (String, String)> {
    let mut b = Block::default();
    if let Some(Value::Hash(h)) = r.param("directives").map(Value::unwrap_sensitive) {
        for (name, v) in h {
            let values: Vec<&Value> = match v.unwrap_sensitive() {
                Value::Array(a) => a.iter().collect(),
                other => vec![other],
            };
            for v in values {
                let args = match v.unwrap_sensitive() {
                    Value::Bool(false) => continue,
                    Value::Bool(true) => Vec::new(),
                    v if v.is_undef() => Vec::new(),
                    v => converge_nginx::split_args(&v.to_string()).map_err(|e| {
                        ("directives".to_string(), format!("{name}: {}", e.message))
                    })?,
                };
                b.items.push(Directive::new(b"", name, &args));
            }
        }
    } else if let Some(v) = r.param("directives").filter(|v| !v.is_undef()) {
        return Err((
            "directives".into(),
            format!(
                "must be a Hash of directive => arguments, not '{}'",
                v.type_name()
            ),
        ));
    }
    if let Some(text) = r
        .param("content")
        .map(Value::unwrap_sensitive)
        .filter(|v| !v.is_undef())
    {
        let text = text.to_string();
        let cfg = Config::parse(text.as_bytes()).map_err(|e| {
            (
                "content".to_string(),
                format!(
                    "line {}, column {} of the content: {}",
                    e.line, e.col, e.message
                ),
            )
        })?;
        b.items.extend(cfg.root.items);
    }
    Ok(b)
}

/// A server resource's identity and where it goes.
struct ServerSpec;

impl ServerSpec {
    /// `server_name`s (default: the title) and `listen` specs (default `80`), as written.
    fn identity(r: &Resource) -> (Vec<String>, Vec<String>) {
        let mut names = strings(r.param("server_name"));
        if names.is_empty() {
            names.push(r.title.clone());
        }
        let mut listens = strings(r.param("listen"));
        if listens.is_empty() {
            listens.push("80".into());
        }
        (names, listens)
    }
}

/// Which block type a resource is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Server,
    Location,
    Upstream,
}

/// A block resource's settings as plain data.
struct Spec {
    kind: Kind,
    target: PathBuf,
    /// The block holding this one.
    parent: Selector,
    /// `server`, `location`, `upstream`.
    name: &'static str,
    /// The block's arguments (raw tokens).
    args: Vec<String>,
    /// The body.
    body: Block,
    /// How the block is found among its siblings.
    identity: Identity,
    absent: bool,
    purge: bool,
    /// The `sites-enabled` link to keep, for a server in `sites-available`.
    link: Option<PathBuf>,
    /// Locations the catalog declares in this block (for `purge`).
    declared_locations: Vec<Vec<String>>,
}

enum Identity {
    Server(ServerSel),
    Args(Vec<String>),
}

impl Identity {
    fn matches(&self, d: &Directive) -> bool {
        match self {
            Identity::Server(sel) => converge_nginx::edit::server_with(sel)(d),
            Identity::Args(v) => d.values() == *v,
        }
    }
}

impl Spec {
    fn from_resource(r: &Resource, cx: &Context) -> Result<Spec, ProviderError> {
        let absent = r.param_str("ensure") == Some("absent");
        let purge = r.param("purge").and_then(Value::as_bool).unwrap_or(false);
        let body = declared_body(r).map_err(|(a, m)| invalid(format!("{a}: {m}")))?;
        match r.type_name.as_str() {
            "nginx_server" => {
                let (names, listens) = ServerSpec::identity(r);
                let target = server_target(r);
                let mut full = Block::default();
                for l in &listens {
                    let args = converge_nginx::split_args(l)
                        .map_err(|e| invalid(format!("listen: {}", e.message)))?;
                    full.items.push(Directive::new(b"", "listen", &args));
                }
                let quoted: Vec<String> = names.iter().map(|n| converge_nginx::quote(n)).collect();
                full.items.push(Directive::new(b"", "server_name", &quoted));
                full.items.extend(body.items);
                let addrs: Vec<String> = listens
                    .iter()
                    .filter_map(|l| l.split_whitespace().next().map(str::to_string))
                    .collect();
                let enable = r.param("enable").and_then(Value::as_bool).unwrap_or(true);
                let link = (enable && target.parent() == Some(Path::new(SITES_AVAILABLE)))
                    .then(|| target.file_name().map(|f| Path::new(SITES_ENABLED).join(f)))
                    .flatten();
                let declared_locations = cx
                    .nginx
                    .locations
                    .iter()
                    .filter(|(s, _)| *s == r.title || names.contains(s))
                    .map(|(_, v)| v.clone())
                    .collect();
                Ok(Spec {
                    kind: Kind::Server,
                    target,
                    parent: Selector::Http,
                    name: "server",
                    args: Vec::new(),
                    body: full,
                    identity: Identity::Server(ServerSel::Identity(names, addrs)),
                    absent,
                    purge,
                    link,
                    declared_locations,
                })
            }
            "nginx_location" => {
                let spec = r.param_str("location").unwrap_or(&r.title).to_string();
                let args = converge_nginx::split_args(&spec)
                    .map_err(|e| invalid(format!("location: {}", e.message)))?;
                let values = location_values(r).unwrap_or_default();
                let server = r.param_str("server");
                let declared = server.and_then(|s| cx.nginx.servers.iter().find(|d| d.0 == s));
                let (target, sel) = match (declared, server) {
                    (Some((_, t, names, listens)), _) => {
                        let addrs = listens
                            .iter()
                            .filter_map(|l| l.split_whitespace().next().map(str::to_string))
                            .collect();
                        (t.clone(), ServerSel::Identity(names.clone(), addrs))
                    }
                    (None, Some(name)) => {
                        (PathBuf::from(DEFAULT_TARGET), ServerSel::Name(name.into()))
                    }
                    (None, None) => (PathBuf::from(DEFAULT_TARGET), ServerSel::Default),
                };
                let target = r.param_str("target").map(PathBuf::from).unwrap_or(target);
                let server_key = server.unwrap_or_default().to_string();
                let declared_locations = cx
                    .nginx
                    .locations
                    .iter()
                    .filter(|(s, _)| *s == server_key)
                    .map(|(_, v)| v.clone())
                    .filter(|v| *v != values)
                    .collect();
                Ok(Spec {
                    kind: Kind::Location,
                    target,
                    parent: Selector::Server(sel),
                    name: "location",
                    args,
                    body,
                    identity: Identity::Args(values),
                    absent,
                    purge,
                    link: None,
                    declared_locations,
                })
            }
            _ => {
                let name = r.param_str("upstream").unwrap_or(&r.title).to_string();
                let target = r
                    .param_str("target")
                    .map(PathBuf::from)
                    .unwrap_or_else(|| PathBuf::from(format!("{CONF_DIR}/conf.d/{name}.conf")));
                let mut full = body;
                let members: Vec<String> = match r.param("members").map(Value::unwrap_sensitive) {
                    Some(Value::Hash(h)) => h
                        .iter()
                        .map(|(k, v)| {
                            let p = v.to_string();
                            if v.is_undef() || p.is_empty() {
                                k.clone()
                            } else {
                                format!("{k} {p}")
                            }
                        })
                        .collect(),
                    other => strings(other),
                };
                for m in members {
                    let args = converge_nginx::split_args(&m)
                        .map_err(|e| invalid(format!("members: {}", e.message)))?;
                    full.items.push(Directive::new(b"", "server", &args));
                }
                Ok(Spec {
                    kind: Kind::Upstream,
                    target,
                    parent: Selector::Http,
                    name: "upstream",
                    args: vec![converge_nginx::quote(&name)],
                    body: full,
                    identity: Identity::Args(vec![name]),
                    absent,
                    purge: false,
                    link: None,
                    declared_locations: Vec::new(),
                })
            }
        }
    }

    /// The file's new bytes (`old`: `None` when it does not exist yet), or `None` when
    /// the block is already as declared.
    fn edit(&self, old: Option<&[u8]>) -> Result<Option<Vec<u8>>, ProviderError> {
        let mut cfg = match old {
            Some(text) => nd::parse(&self.target, text)?,
            None if self.absent => return Ok(None),
            None if self.kind == Kind::Location => {
                return Err(invalid(format!("{}: no such file", self.target.display())))
            }
            None => Config::default(),
        };
        let find = |d: &Directive| self.identity.matches(d);
        if self.absent {
            let n = cfg.remove_block(&self.parent, self.name, &find);
            return Ok((n > 0).then(|| cfg.to_bytes()));
        }
        let purge = self.purge;
        let declared = &self.declared_locations;
        let keep = |d: &Directive| {
            // Nested blocks other resources manage stay, unless purged.
            !d.is_simple()
                && match d.name().as_str() {
                    "location" => !purge || declared.contains(&d.values()),
                    _ => false,
                }
        };
        let nerr =
            |e: converge_nginx::EditError| invalid(format!("{}: {e}", self.target.display()));
        let changed = cfg
            .put_block(
                &self.parent,
                self.name,
                &self.args,
                &self.body,
                &find,
                &keep,
            )
            .map_err(nerr)?;
        let mut bytes = cfg.to_bytes();
        if old.is_none() && !bytes.ends_with(b"\n") {
            bytes.push(b'\n');
        }
        Ok(changed.then_some(bytes))
    }

    /// Whether the `sites-enabled` link is missing (or points elsewhere).
    fn link_missing(&self) -> bool {
        let Some(link) = &self.link else { return false };
        if self.absent {
            return false;
        }
        std::fs::read_link(link).ok().map(|t| {
            if t.is_absolute() {
                t
            } else {
                link.parent().unwrap_or(Path::new("/")).join(t)
            }
        }) != Some(self.target.clone())
    }
}

/// The provider behind the three block types.
#[derive(Debug, Default)]
pub struct NginxBlockProvider;

impl Provider for NginxBlockProvider {
    fn name(&self) -> &'static str {
        "converge"
    }

    fn inspect(&self, r: &Resource, cx: &mut Context) -> Result<State, ProviderError> {
        let spec = Spec::from_resource(r, cx)?;
        let path = nd::edited_path(&spec.target)?;
        let mut st = State::default();
        match cx.view(&path)? {
            FileView::File { content, .. } => st.content = Some(content),
            FileView::Missing => {
                let dir_ok = path.parent().is_some_and(|p| cx.is_dir(p));
                if spec.kind == Kind::Location || !dir_ok {
                    match cx.pending_creator() {
                        Some(p) => st.pending_on = Some(p.to_string()),
                        None if spec.absent => {}
                        None => {
                            return Err(invalid(if dir_ok {
                                format!("{}: no such file", spec.target.display())
                            } else {
                                format!(
                                    "{}: its directory does not exist (is nginx installed?)",
                                    spec.target.display()
                                )
                            }))
                        }
                    }
                }
            }
            _ => {
                return Err(invalid(format!(
                    "{} is not a regular file",
                    spec.target.display()
                )))
            }
        }
        Ok(st)
    }

    fn plan(&self, r: &Resource, st: &State, cx: &Context) -> Result<Vec<Change>, ProviderError> {
        let spec = Spec::from_resource(r, cx)?;
        if st.pending_on.is_some() {
            return Ok(vec![Change::ensure_after_pending_file(spec.absent)]);
        }
        let new = spec.edit(st.content.as_deref())?;
        let mut changes = Vec::new();
        if let Some(new) = &new {
            let diff = fsutil::unified_diff(
                &spec.target.display().to_string(),
                st.content.as_deref(),
                new,
                false,
            );
            let what = format!("{} {}", spec.name, r.title);
            let change = if spec.absent {
                Change::with_message(
                    "ensure",
                    Some("present".into()),
                    Some("absent".into()),
                    "removed",
                )
            } else {
                let existed = st.content.as_deref().is_some_and(|old| {
                    Config::parse(old).ok().is_some_and(|mut c| {
                        c.find_block(&spec.parent, spec.name, &|d| spec.identity.matches(d))
                            .is_some()
                    })
                });
                if existed {
                    Change::with_message("body", None, None, format!("{what} changed"))
                } else {
                    Change::with_message(
                        "ensure",
                        Some("absent".into()),
                        Some("present".into()),
                        "created",
                    )
                }
            };
            changes.push(change.diff(diff));
        }
        if spec.link_missing() {
            let link = spec.link.clone().unwrap_or_default();
            changes.push(Change::with_message(
                "enable",
                None,
                Some(link.display().to_string()),
                format!("linked {} to {}", link.display(), spec.target.display()),
            ));
        }
        Ok(changes)
    }

    fn apply(
        &self,
        r: &Resource,
        changes: &[Change],
        cx: &mut Context,
    ) -> Result<Vec<Event>, ProviderError> {
        let spec = Spec::from_resource(r, cx)?;
        let path = nd::edited_path(&spec.target)?;
        let (old, ws) = match fsutil::read_for_edit(&path)? {
            Some((c, ws)) => (Some(c), ws),
            None => (
                None,
                WriteSpec {
                    mode: 0o644,
                    owner: Some(0),
                    group: Some(0),
                    ..Default::default()
                },
            ),
        };
        let new = spec.edit(old.as_deref())?;
        let link = spec.link_missing().then(|| spec.link.clone()).flatten();
        if new.is_none() && link.is_none() {
            return Ok(Vec::new());
        }
        let content = new.clone().or(old.clone()).unwrap_or_default();
        nd::check_file(&path, &content)?;
        let mut staged = vec![(path.clone(), content.clone())];
        if let Some(l) = &link {
            staged.push((l.clone(), content.clone()));
        }
        nd::test_changes(&staged, Path::new(CONF_DIR), cx)?;
        if let Some(new) = &new {
            fsutil::atomic_write(&path, new, &ws, cx)?;
        }
        if let Some(l) = &link {
            let _ = std::fs::remove_file(l);
            std::os::unix::fs::symlink(&spec.target, l)
                .map_err(|e| ProviderError::io("Could not create the link", l, e))?;
        }
        let reloaded = nd::reload_if_running(cx)?;
        Ok(changes
            .iter()
            .map(|c| {
                let mut e = Event::from_change(c, EventKind::Changed);
                if reloaded {
                    e.output = Some("reloaded nginx".into());
                }
                e
            })
            .collect())
    }

    fn predict(&self, r: &Resource, _changes: &[Change], cx: &mut Context) {
        let Ok(spec) = Spec::from_resource(r, cx) else {
            return;
        };
        let Ok(path) = nd::edited_path(&spec.target) else {
            return;
        };
        let old = match cx.view(&path) {
            Ok(FileView::File { content, .. }) => Some(content),
            _ => None,
        };
        if let Ok(Some(new)) = spec.edit(old.as_deref()) {
            cx.predict_path(
                &path,
                FileView::File {
                    content: new,
                    mode: 0o644,
                    uid: 0,
                    gid: 0,
                },
            );
        }
    }
}

/// The nginx context a block resource's body stands in.
fn body_context(type_name: &str) -> Cx {
    match type_name {
        "nginx_server" => Cx::Server,
        "nginx_location" => Cx::Location,
        _ => Cx::Upstream,
    }
}

fn table_diagnostics(r: &Resource, b: &Block, cx: Cx, attr: &str, out: &mut Vec<Diagnostic>) {
    for (_, p) in check_block(b, cx) {
        let msg = format!("{}: {} (in {})", r.reference(), p.message, cx.name());
        let d = if p.is_error() {
            Diagnostic::error("nginx-directive", msg)
        } else {
            Diagnostic::warning("nginx-unknown-directive", msg)
        };
        let mut d = d.at(r.attr_location(attr));
        if let Some(h) = p.hint {
            d = d.with_hint(h);
        }
        out.push(d);
    }
}

/// `validate`'s check of a block resource: its body parses and every directive in it is
/// one nginx accepts there, with the right number of arguments.
pub fn check_block_resource(
    r: &Resource,
    _schema: &crate::schema::TypeSchema,
    out: &mut Vec<Diagnostic>,
) {
    match declared_body(r) {
        Err((attr, msg)) => out.push(
            Diagnostic::error("invalid-value", format!("{}: {attr}: {msg}", r.reference()))
                .at(r.attr_location(&attr)),
        ),
        Ok(body) => {
            let attr = if r.param("directives").is_some() {
                "directives"
            } else {
                "content"
            };
            table_diagnostics(r, &body, body_context(&r.type_name), attr, out);
        }
    }
    if r.type_name == "nginx_upstream" {
        let members = strings(r.param("members"));
        let hash = matches!(r.param("members"), Some(Value::Hash(_)));
        if members.is_empty() && !hash && r.param_str("ensure") != Some("absent") {
            out.push(
                Diagnostic::error(
                    "missing-attribute",
                    format!("{}: an upstream needs members", r.reference()),
                )
                .at(r.location())
                .with_hint("members => ['web-01:80', 'web-02:80']"),
            );
        }
    }
}

/// `validate`'s check of an `nginx_directive`: the directive is one nginx accepts in the
/// block it goes into, with that many arguments.
pub fn check_directive_resource(
    r: &Resource,
    _schema: &crate::schema::TypeSchema,
    out: &mut Vec<Diagnostic>,
) {
    let spec = match nd::Spec::from_resource(r) {
        Ok(s) => s,
        Err(e) => {
            out.push(
                Diagnostic::error("invalid-value", format!("{}: {e}", r.reference()))
                    .at(r.location()),
            );
            return;
        }
    };
    if spec.absent {
        return;
    }
    let mut b = Block::default();
    b.items
        .push(Directive::new(b"", &spec.directive, &spec.args));
    let attr = if r.param("value").is_some() {
        "value"
    } else {
        "directive"
    };
    table_diagnostics(r, &b, spec.context(), attr, out);
}

/// Whether a directive holds a block nginx parses (for callers outside this module).
pub fn is_block(d: &Directive) -> bool {
    matches!(d.body, Body::Block(_))
}
