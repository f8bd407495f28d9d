//! The `nginx_directive` provider: one directive in one block of an nginx configuration
//! file, edited structurally with `converge-nginx` (everything else in the file is kept byte
//! for byte).
//!
//! Identity: a directive is found by its name and its first `key` arguments, so a changed
//! value updates it in place (`add_header X-Served-By …` is one directive per header name;
//! `key` defaults to 1 for directives nginx allows many times with a distinguishing first
//! argument, 0 — the name alone — otherwise). Duplicates of the identity are removed.
//!
//! Safety: before the live file is replaced, the whole configuration is tested with
//! `nginx -t` on a staged copy of the configuration directory (`/etc/nginx`) holding the
//! edited file; the staged files' absolute `include`s of the configuration directory are
//! rewritten to point into the copy (only there). A failing test leaves the live files
//! untouched and fails the resource with nginx's message (paths shown as the live ones).
//! A target outside the configuration directory is substituted only where a file of the
//! directory links to it; an absolute `include` of it from elsewhere still reads the live
//! file during the test. Without `/usr/sbin/nginx` the test is skipped with a warning.
//!
//! Reload: after a successful change, if nginx is running (its pid file names a live
//! process), the provider runs `nginx -s reload` itself — a reload, never a restart, and
//! nothing to declare in manifests. A stopped nginx is left stopped (a `service` resource
//! starts it with the new configuration).

use crate::context::{Cmd, Context};
use crate::fsutil;
use crate::provider::{Change, Event, EventKind, Provider, ProviderError, State};
use converge_catalog::{Resource, Value};
use converge_nginx::{Config, Selector, ServerSel};
use std::path::{Path, PathBuf};

/// The file edited when a resource names none: Debian's default site.
pub const DEFAULT_TARGET: &str = "/etc/nginx/sites-available/default";
/// nginx's configuration directory, staged for `nginx -t`.
pub const CONF_DIR: &str = "/etc/nginx";
/// The nginx binary.
pub const NGINX: &str = "/usr/sbin/nginx";
/// Where a running nginx writes its pid (Debian's `pid` directive).
pub const PID_FILE: &str = "/run/nginx.pid";

/// Directives nginx accepts several times in one block, told apart by their first argument:
/// their `key` defaults to 1.
pub const KEYED: &[&str] = &[
    "add_header",
    "add_trailer",
    "proxy_set_header",
    "proxy_hide_header",
    "proxy_pass_header",
    "grpc_set_header",
    "fastcgi_param",
    "scgi_param",
    "uwsgi_param",
    "error_page",
    "rewrite",
    "set",
    "log_format",
    "listen",
    "include",
    "sub_filter",
    "limit_req_zone",
    "limit_conn_zone",
    "map_hash_bucket_size",
];

/// The `nginx_directive` provider.
#[derive(Debug, Default)]
pub struct NginxDirectiveProvider;

/// A resource's settings as plain data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spec {
    /// The file edited.
    pub target: PathBuf,
    /// The block holding the directive.
    pub selector: Selector,
    /// The directive's name.
    pub directive: String,
    /// Its arguments as raw nginx tokens.
    pub args: Vec<String>,
    /// How many leading arguments identify it.
    pub key: usize,
    /// `ensure => absent`.
    pub absent: bool,
}

fn invalid(msg: impl Into<String>) -> ProviderError {
    ProviderError::Invalid(msg.into())
}

impl Spec {
    /// Read the settings from a resource.
    pub fn from_resource(r: &Resource) -> Result<Spec, ProviderError> {
        let absent = r.param_str("ensure") == Some("absent");
        let target = r
            .param_str("target")
            .or_else(|| r.param_str("file"))
            .unwrap_or(DEFAULT_TARGET);
        let mut title_words = r.title.split_whitespace();
        let directive = match r.param_str("directive") {
            Some(d) => d.to_string(),
            None => title_words
                .next()
                .ok_or_else(|| invalid("directive: no name given and the title is empty"))?
                .to_string(),
        };
        if directive.is_empty()
            || directive
                .chars()
                .any(|c| c.is_whitespace() || matches!(c, ';' | '{' | '}' | '"' | '\'' | '#'))
        {
            return Err(invalid(format!(
                "directive: '{directive}' is not a directive name"
            )));
        }
        let args = match r.param("value").map(Value::unwrap_sensitive) {
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| converge_nginx::quote(&v.to_string()))
                .collect(),
            Some(v) if !v.is_undef() => converge_nginx::split_args(&v.to_string())
                .map_err(|e| invalid(format!("value: {}", e.message)))?,
            _ if r.param_str("directive").is_none() => {
                title_words.map(converge_nginx::quote).collect()
            }
            _ => Vec::new(),
        };
        if args.is_empty() && !absent {
            return Err(invalid(format!(
                "value is required to ensure '{directive}' is present"
            )));
        }
        let key = match r.param("key") {
            Some(Value::Integer(k)) if *k >= 0 => *k as usize,
            Some(Value::String(s)) => s
                .parse()
                .map_err(|_| invalid(format!("key: '{s}' is not a number of arguments")))?,
            Some(other) if !other.is_undef() => {
                return Err(invalid(format!(
                    "key: '{other}' is not a number of arguments"
                )))
            }
            _ => usize::from(KEYED.contains(&directive.as_str())),
        };
        let server = if let Some(n) = r.param_str("server_name") {
            ServerSel::Name(n.to_string())
        } else if let Some(l) = r.param("listen").filter(|v| !v.is_undef()) {
            ServerSel::Listen(l.to_string())
        } else {
            ServerSel::Default
        };
        let location = r.param_str("location").map(str::to_string);
        let context = r.param_str("context").or_else(|| r.param_str("block"));
        let upstream = r.param_str("upstream").map(str::to_string);
        let selector = match (context, location) {
            (Some("main"), _) => Selector::Main,
            (Some("http"), _) => Selector::Http,
            (Some("upstream") | None, _) if upstream.is_some() => {
                Selector::Upstream(upstream.unwrap_or_default())
            }
            (Some("upstream"), _) => {
                return Err(invalid("context 'upstream' needs the upstream attribute"))
            }
            (Some("location") | None, Some(l)) => Selector::Location(server, l),
            (Some("location"), None) => {
                return Err(invalid("context 'location' needs the location attribute"))
            }
            (Some("server") | None, None) => Selector::Server(server),
            (Some("server"), Some(_)) => Selector::Server(server),
            (Some(other), _) => {
                return Err(invalid(format!(
                    "context: '{other}' is not one of main, http, server, location, upstream"
                )))
            }
        };
        Ok(Spec {
            target: PathBuf::from(target),
            selector,
            directive,
            args,
            key,
            absent,
        })
    }

    /// The identity values (unquoted first `key` arguments).
    fn key_values(&self) -> Vec<String> {
        self.args
            .iter()
            .take(self.key)
            .map(|a| converge_nginx::unquote(a))
            .collect()
    }

    /// The nginx context the directive stands in.
    pub fn context(&self) -> converge_nginx::directives::Context {
        use converge_nginx::directives::Context;
        match self.selector {
            Selector::Main => Context::Main,
            Selector::Http => Context::Http,
            Selector::Server(_) => Context::Server,
            Selector::Location(..) => Context::Location,
            Selector::Upstream(_) => Context::Upstream,
        }
    }

    /// The file's new content, or `None` when it is already in sync; also the current
    /// values of the directive (for the change message).
    pub fn edit(&self, text: &[u8]) -> Result<(Option<Vec<u8>>, Option<String>), ProviderError> {
        let mut cfg = parse(&self.target, text)?;
        let nerr =
            |e: converge_nginx::EditError| invalid(format!("{}: {e}", self.target.display()));
        let current = cfg
            .get(&self.selector, &self.directive, &self.key_values())
            .map_err(nerr)?;
        let before = (!current.is_empty()).then(|| {
            current
                .iter()
                .map(|v| {
                    v.iter()
                        .map(|a| converge_nginx::quote(a))
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .collect::<Vec<_>>()
                .join("; ")
        });
        let changed = if self.absent {
            cfg.remove(&self.selector, &self.directive, &self.key_values())
                .map_err(nerr)?
                > 0
        } else {
            cfg.set(&self.selector, &self.directive, &self.args, self.key)
                .map_err(nerr)?
        };
        Ok((changed.then(|| cfg.to_bytes()), before))
    }
}

/// Parse a configuration file, or say where and why it cannot be.
pub fn parse(path: &Path, text: &[u8]) -> Result<Config, ProviderError> {
    Config::parse(text).map_err(|e| {
        let hint = e.hint.map(|h| format!(" ({h})")).unwrap_or_default();
        invalid(format!(
            "{}:{}:{}: cannot parse: {}{hint}",
            path.display(),
            e.line,
            e.col,
            e.message
        ))
    })
}

/// The file an edit of `path` writes: `path`, or the target of a symbolic link that only
/// root can change ([`fsutil::follow_safe_symlink`]).
pub fn edited_path(path: &Path) -> Result<PathBuf, ProviderError> {
    fsutil::follow_safe_symlink(path).map_err(|e| e.error())
}

/// The directives of the edited file that nginx would refuse where they stand, as one
/// error naming file, line and column (in nginx's words), so that nothing is written.
pub fn check_file(path: &Path, content: &[u8]) -> Result<(), ProviderError> {
    let cfg = parse(path, content)?;
    let cx = converge_nginx::directives::file_context(&cfg);
    let errors: Vec<String> = converge_nginx::directives::check(&cfg, cx)
        .into_iter()
        .filter(|p| p.is_error())
        .map(|p| {
            let hint = p.hint.map(|h| format!(" ({h})")).unwrap_or_default();
            format!(
                "{}:{}:{}: {}{hint}",
                path.display(),
                p.line,
                p.col,
                p.message
            )
        })
        .collect();
    if errors.is_empty() {
        return Ok(());
    }
    Err(ProviderError::Invalid(format!(
        "nginx would refuse the edited configuration; {} left untouched: {}",
        path.display(),
        errors.join("; ")
    )))
}

/// Copy the configuration directory into `stage`, with each changed file (by canonical
/// path) holding its new content wherever it appears (also through symlinks such as
/// `sites-enabled/default`).
fn stage_tree(
    src: &Path,
    dst: &Path,
    changes: &[(PathBuf, Vec<u8>)],
    staged: &mut Vec<PathBuf>,
) -> std::io::Result<()> {
    std::fs::create_dir_all(dst)?;
    for entry in std::fs::read_dir(src)? {
        let entry = entry?;
        let p = entry.path();
        let d = dst.join(entry.file_name());
        // Follow symlinks: the staged copy must not point back into the live tree.
        let Ok(meta) = std::fs::metadata(&p) else {
            continue;
        };
        if meta.is_dir() {
            stage_tree(&p, &d, changes, staged)?;
            continue;
        }
        let canon = p.canonicalize().ok();
        match changes.iter().find(|(t, _)| Some(t) == canon.as_ref()) {
            Some((_, content)) => std::fs::write(&d, content)?,
            None => {
                std::fs::copy(&p, &d)?;
            }
        }
        staged.push(d);
    }
    Ok(())
}

/// Point absolute includes of the live configuration directory into the staged copy.
fn rewrite_includes(file: &Path, live: &str, stage: &str) {
    let Ok(text) = std::fs::read(file) else {
        return;
    };
    if !text.windows(live.len()).any(|w| w == live.as_bytes()) {
        return;
    }
    let Ok(mut cfg) = Config::parse(&text) else {
        return;
    };
    fn walk(b: &mut converge_nginx::Block, live: &str, stage: &str) {
        for d in &mut b.items {
            if d.is_simple() && d.name() == "include" {
                for a in &mut d.args {
                    let v = a.value();
                    if let Some(rest) = v.strip_prefix(live) {
                        a.raw = converge_nginx::quote(&format!("{stage}{rest}")).into_bytes();
                    }
                }
            }
            if let Some(inner) = d.block_mut() {
                walk(inner, live, stage);
            }
        }
    }
    walk(&mut cfg.root, live, stage);
    let _ = std::fs::write(file, cfg.to_bytes());
}

/// Test the whole configuration with `target` holding `content`, on a staged copy.
pub fn test_config(
    target: &Path,
    content: &[u8],
    conf_dir: &Path,
    cx: &mut Context,
) -> Result<(), ProviderError> {
    test_changes(&[(target.to_path_buf(), content.to_vec())], conf_dir, cx)
}

/// Test the whole configuration as it will be after `changes` (files with their new
/// content; a file that does not exist yet, such as a new site and its `sites-enabled`
/// link, is added to the staged copy), with `nginx -t` on a staged copy of `conf_dir`.
pub fn test_changes(
    changes: &[(PathBuf, Vec<u8>)],
    conf_dir: &Path,
    cx: &mut Context,
) -> Result<(), ProviderError> {
    if !Path::new(NGINX).exists() {
        cx.warnings.push(format!(
            "{NGINX} is not installed: the configuration was not tested"
        ));
        return Ok(());
    }
    let canon: Vec<(PathBuf, Vec<u8>)> = changes
        .iter()
        .map(|(p, c)| (p.canonicalize().unwrap_or_else(|_| p.clone()), c.clone()))
        .collect();
    let stage = tempfile::Builder::new()
        .prefix("converge-nginx-")
        .tempdir()
        .map_err(|e| ProviderError::io("Could not create a staging directory", "/tmp", e))?;
    let root = stage.path().join("conf");
    let mut staged = Vec::new();
    stage_tree(conf_dir, &root, &canon, &mut staged)
        .map_err(|e| ProviderError::io("Could not stage a copy of", conf_dir, e))?;
    for (p, content) in changes {
        let Ok(rel) = p.strip_prefix(conf_dir) else {
            continue;
        };
        let d = root.join(rel);
        if !d.exists() {
            if let Some(parent) = d.parent() {
                let _ = std::fs::create_dir_all(parent);
            }
            std::fs::write(&d, content).map_err(|e| ProviderError::io("Could not stage", &d, e))?;
            staged.push(d);
        }
    }
    let live = conf_dir.display().to_string();
    let staged_dir = root.display().to_string();
    for f in &staged {
        rewrite_includes(f, &live, &staged_dir);
    }
    let main = root.join("nginx.conf");
    let out = cx.run(&Cmd::new(&[
        NGINX,
        "-t",
        "-q",
        "-c",
        &main.display().to_string(),
    ]))?;
    if out.success() {
        return Ok(());
    }
    let message = out.combined().replace(&staged_dir, &live);
    let names: Vec<String> = changes
        .iter()
        .map(|(p, _)| p.display().to_string())
        .collect();
    Err(ProviderError::Command {
        message: format!(
            "nginx -t rejected the new configuration; {} left untouched",
            names.join(", ")
        ),
        output: message,
    })
}

/// Reload nginx if it is running (a stopped nginx stays stopped); whether it was.
pub fn reload_if_running(cx: &mut Context) -> Result<bool, ProviderError> {
    match nginx_master() {
        Some(master) => {
            reload_master(master, cx)?;
            Ok(true)
        }
        None => Ok(false),
    }
}

/// The pid of a running nginx master: its pid file names a live process.
fn nginx_master() -> Option<u32> {
    std::fs::read_to_string(PID_FILE)
        .ok()
        .and_then(|s| s.trim().parse::<u32>().ok())
        .filter(|pid| Path::new(&format!("/proc/{pid}")).exists())
}

/// The master's worker processes, when the kernel lists children.
fn workers(master: u32) -> Option<Vec<String>> {
    let list = std::fs::read_to_string(format!("/proc/{master}/task/{master}/children")).ok()?;
    Some(list.split_whitespace().map(str::to_string).collect())
}

/// `nginx -s reload`, then wait (briefly) until the master has started new workers, so
/// that the next request is likely served with the new configuration. nginx reloads
/// asynchronously; this narrows the window, it cannot close it.
fn reload_master(master: u32, cx: &mut Context) -> Result<(), ProviderError> {
    let before = workers(master);
    cx.run_ok(&Cmd::new(&[NGINX, "-s", "reload"]))?;
    let Some(before) = before else { return Ok(()) };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(3);
    while std::time::Instant::now() < deadline {
        match workers(master) {
            Some(now) if now.iter().any(|w| !before.contains(w)) => break,
            None => break,
            _ => std::thread::sleep(std::time::Duration::from_millis(20)),
        }
    }
    Ok(())
}

impl Provider for NginxDirectiveProvider {
    fn name(&self) -> &'static str {
        "converge"
    }

    fn inspect(&self, r: &Resource, cx: &mut Context) -> Result<State, ProviderError> {
        let spec = Spec::from_resource(r)?;
        let path = edited_path(&spec.target)?;
        let mut st = State::default();
        cx.inspect_for_edit(
            &path,
            || format!("{}: no such file", spec.target.display()),
            &mut st,
        )?;
        Ok(st)
    }

    fn plan(&self, r: &Resource, st: &State, _cx: &Context) -> Result<Vec<Change>, ProviderError> {
        let spec = Spec::from_resource(r)?;
        let want = spec.args.join(" ");
        let Some(old) = &st.content else {
            return Ok(vec![Change::ensure_after_pending_file(spec.absent)]);
        };
        let (new, before) = spec.edit(old)?;
        let Some(new) = new else {
            return Ok(Vec::new());
        };
        let diff = fsutil::unified_diff(
            &spec.target.display().to_string(),
            Some(old),
            &new,
            r.param("value").is_some_and(Value::is_sensitive),
        );
        let change = match (spec.absent, before) {
            (true, b) => Change::with_message("ensure", b, None, "removed"),
            (false, None) => Change::with_message("ensure", None, Some(want), "created"),
            (false, Some(b)) => Change::changed("value", Some(b), Some(want)),
        };
        Ok(vec![change.diff(diff)])
    }

    fn apply(
        &self,
        r: &Resource,
        changes: &[Change],
        cx: &mut Context,
    ) -> Result<Vec<Event>, ProviderError> {
        let spec = Spec::from_resource(r)?;
        let path = edited_path(&spec.target)?;
        let Some((content, ws)) = fsutil::read_for_edit(&path)? else {
            return Err(invalid(format!("{}: no such file", spec.target.display())));
        };
        let (new, _) = spec.edit(&content)?;
        let mut reloaded = false;
        if let Some(new) = new {
            check_file(&path, &new)?;
            test_config(&path, &new, Path::new(CONF_DIR), cx)?;
            fsutil::atomic_write(&path, &new, &ws, cx)?;
            reloaded = reload_if_running(cx)?;
        }
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
        let Ok(spec) = Spec::from_resource(r) else {
            return;
        };
        let Ok(path) = edited_path(&spec.target) else {
            return;
        };
        cx.predict_edit_bytes(&path, |text| spec.edit(text).ok().and_then(|(new, _)| new));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn res(title: &str, params: &[(&str, Value)]) -> Resource {
        let mut r = Resource::new("nginx_directive", title);
        for (k, v) in params {
            r.params.insert(k.to_string(), v.clone());
        }
        r
    }

    const SITE: &str = "server {\n\tlisten 80 default_server;\n\tserver_name _;\n\tlocation / {\n\t\ttry_files $uri =404;\n\t}\n}\n";

    #[test]
    fn header_identity_is_its_name_so_a_new_value_updates_in_place() {
        let r = res(
            "X-Served-By",
            &[
                ("directive", "add_header".into()),
                (
                    "value",
                    Value::Array(vec!["X-Served-By".into(), "web-01".into(), "always".into()]),
                ),
            ],
        );
        let spec = Spec::from_resource(&r).unwrap();
        assert_eq!(spec.key, 1);
        assert_eq!(spec.target, PathBuf::from(DEFAULT_TARGET));
        let (once, before) = spec.edit(SITE.as_bytes()).unwrap();
        let once = String::from_utf8(once.unwrap()).unwrap();
        assert_eq!(before, None);
        assert!(once.contains("\tserver_name _;\n\tadd_header X-Served-By web-01 always;\n"));
        assert_eq!(spec.edit(once.as_bytes()).unwrap().0, None, "idempotent");

        let r2 = res(
            "X-Served-By",
            &[
                ("directive", "add_header".into()),
                ("value", "X-Served-By web-02 always".into()),
            ],
        );
        let (twice, before) = Spec::from_resource(&r2)
            .unwrap()
            .edit(once.as_bytes())
            .unwrap();
        assert_eq!(before.as_deref(), Some("X-Served-By web-01 always"));
        assert_eq!(
            String::from_utf8(twice.unwrap())
                .unwrap()
                .matches("X-Served-By")
                .count(),
            1
        );
    }

    #[test]
    fn name_from_title_location_and_absent() {
        let r = res("gzip on", &[("location", "/".into())]);
        let spec = Spec::from_resource(&r).unwrap();
        assert_eq!(spec.directive, "gzip");
        assert_eq!(spec.args, vec!["on"]);
        assert_eq!(spec.key, 0);
        let (new, _) = spec.edit(SITE.as_bytes()).unwrap();
        let new = String::from_utf8(new.unwrap()).unwrap();
        assert!(
            new.contains("\t\ttry_files $uri =404;\n\t\tgzip on;\n\t}"),
            "{new}"
        );
        let gone = res(
            "gzip",
            &[("ensure", "absent".into()), ("location", "/".into())],
        );
        let (back, before) = Spec::from_resource(&gone)
            .unwrap()
            .edit(new.as_bytes())
            .unwrap();
        assert_eq!(back.as_deref(), Some(SITE.as_bytes()));
        assert_eq!(before.as_deref(), Some("on"));
    }

    #[test]
    fn bad_settings_are_errors() {
        let e = Spec::from_resource(&res("add_header", &[])).unwrap_err();
        assert_eq!(
            e.to_string(),
            "value is required to ensure 'add_header' is present"
        );
        let e = Spec::from_resource(&res("x", &[("value", "a;b".into())])).unwrap_err();
        assert!(e.to_string().starts_with("value: unexpected \";\""), "{e}");
        let r = res("root /x", &[("server_name", "nowhere".into())]);
        let e = Spec::from_resource(&r)
            .unwrap()
            .edit(SITE.as_bytes())
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "/etc/nginx/sites-available/default: no server (server_name nowhere) block found"
        );
    }

    #[test]
    fn staging_rewrites_absolute_includes_and_substitutes_the_target_behind_symlinks() {
        let dir = tempfile::tempdir().unwrap();
        let conf = dir.path().join("etc-nginx");
        std::fs::create_dir_all(conf.join("sites-available")).unwrap();
        std::fs::create_dir_all(conf.join("sites-enabled")).unwrap();
        let live = conf.display().to_string();
        std::fs::write(
            conf.join("nginx.conf"),
            format!("http {{\n\tinclude {live}/sites-enabled/*;\n}}\n"),
        )
        .unwrap();
        let target = conf.join("sites-available/default");
        std::fs::write(&target, "server {}\n").unwrap();
        std::os::unix::fs::symlink(&target, conf.join("sites-enabled/default")).unwrap();
        let stage = dir.path().join("stage");
        let mut staged = Vec::new();
        stage_tree(
            &conf,
            &stage,
            &[(target.canonicalize().unwrap(), b"new\n".to_vec())],
            &mut staged,
        )
        .unwrap();
        for f in &staged {
            rewrite_includes(f, &live, &stage.display().to_string());
        }
        assert_eq!(
            std::fs::read(stage.join("sites-enabled/default")).unwrap(),
            b"new\n"
        );
        assert!(!stage.join("sites-enabled/default").is_symlink());
        let main = std::fs::read_to_string(stage.join("nginx.conf")).unwrap();
        assert_eq!(
            main,
            format!(
                "http {{\n\tinclude {}/sites-enabled/*;\n}}\n",
                stage.display()
            )
        );
        assert_eq!(
            std::fs::read(&target).unwrap(),
            b"server {}\n",
            "live file untouched"
        );
    }
}
