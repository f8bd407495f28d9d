//! The `file` provider: regular files, directories and symlinks.
//!
//! Content is compared by sha256 (`{sha256}<hex>`, as Puppet reports it); every write goes
//! through [`crate::fsutil::atomic_write`]. Replaced content is backed up under
//! `<backup_root>/<run_id>/<path>` unless `backup => false` (converge keeps backups by default,
//! unlike Puppet, so that any run can be undone with [`crate::fsutil::restore`]).

use crate::context::{Context, FileView};
use crate::fsutil::{self, WriteSpec};
use crate::mode;
use crate::provider::{Change, Event, EventKind, Provider, ProviderError, State};
use converge_catalog::{Resource, SecretDigest, Value, REDACTED};
use std::path::{Path, PathBuf};

/// The `file` provider.
#[derive(Debug, Default)]
pub struct FileProvider;

/// What `ensure` asks for, with Puppet's implications (content → file, target → link).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ensure {
    File,
    Directory,
    Link,
    Absent,
    Present,
    /// No ensure: manage only the other properties of whatever exists.
    Unmanaged,
}

fn ensure_of(r: &Resource) -> Ensure {
    match r.param_str("ensure").or_else(|| {
        r.param("ensure")
            .and_then(Value::as_bool)
            .map(|b| if b { "present" } else { "absent" })
    }) {
        Some("file") => Ensure::File,
        Some("directory") => Ensure::Directory,
        Some("link") => Ensure::Link,
        Some("absent") | Some("false") => Ensure::Absent,
        Some("present") => {
            if r.param("content").is_some() || r.param("source").is_some() {
                Ensure::File
            } else {
                Ensure::Present
            }
        }
        _ if r.param("content").is_some() || r.param("source").is_some() => Ensure::File,
        _ if r.param("target").is_some() => Ensure::Link,
        _ => Ensure::Unmanaged,
    }
}

/// The file's path: `path`, else the title, without a trailing slash.
pub fn path_of(r: &Resource) -> PathBuf {
    let p = r.name_or_title("path");
    let trimmed = if p.len() > 1 {
        p.trim_end_matches('/')
    } else {
        p
    };
    PathBuf::from(trimmed)
}

/// The file the resource acts on: its path, or with `links => follow` what a symlink there
/// points at, if root alone could have put the link and its target where they are
/// ([`fsutil::follow_safe_symlink`]). With `links => manage` (the default) a symlink is
/// managed as itself: replaced, never written through, as in Puppet.
fn managed_path(r: &Resource) -> Result<PathBuf, ProviderError> {
    let path = path_of(r);
    if r.param_str("links") != Some("follow") || ensure_of(r) == Ensure::Link {
        return Ok(path);
    }
    match std::fs::symlink_metadata(&path) {
        Ok(md) if md.file_type().is_symlink() => {
            fsutil::follow_safe_symlink(&path).map_err(|e| e.error())
        }
        _ => Ok(path),
    }
}

fn kind_name(v: &FileView) -> &'static str {
    match v {
        FileView::Missing => "absent",
        FileView::File { .. } => "file",
        FileView::Dir { .. } => "directory",
        FileView::Link { .. } => "link",
        FileView::Other => "other",
    }
}

/// Whether the content is Sensitive (its diffs and checksums are redacted).
fn sensitive(r: &Resource) -> bool {
    r.param("content").is_some_and(Value::is_sensitive)
}

/// The digest standing in for Sensitive content in a saved catalog (`converge doctor`
/// compares the file with it; nothing can write it).
fn content_digest(r: &Resource) -> Option<&SecretDigest> {
    match r.param("content")?.unwrap_sensitive() {
        Value::Redacted(d) => Some(d),
        _ => None,
    }
}

/// The diff to show for a content change: none with `show_diff => false`.
fn content_diff(r: &Resource, path: &str, old: Option<&[u8]>, new: &[u8]) -> Option<String> {
    if r.param("show_diff").and_then(Value::as_bool) == Some(false) {
        return None;
    }
    fsutil::unified_diff(path, old, new, sensitive(r))
}

/// Resolve a `source` to a local file: `puppet:///modules/<mod>/<path>` from the module
/// path, `file://` URLs and plain absolute paths; an array means the first that exists.
pub fn resolve_source(src: &Value, cx: &Context) -> Result<PathBuf, ProviderError> {
    let mut tried = Vec::new();
    for s in src.as_list() {
        let s = s.to_string();
        let candidates: Vec<PathBuf> = if let Some(rest) = s.strip_prefix("puppet:///modules/") {
            match rest.split_once('/') {
                Some((module, file)) => cx
                    .module_path
                    .iter()
                    .map(|d| d.join(module).join("files").join(file))
                    .collect(),
                None => Vec::new(),
            }
        } else if let Some(p) = s.strip_prefix("file://") {
            vec![PathBuf::from(p)]
        } else if s.starts_with('/') {
            vec![PathBuf::from(&s)]
        } else {
            return Err(ProviderError::Invalid(format!(
                "Could not understand source {s}: only local paths and puppet:///modules/ URLs are supported"
            )));
        };
        if let Some(found) = candidates.into_iter().find(|c| c.is_file()) {
            return Ok(found);
        }
        tried.push(s);
    }
    Err(ProviderError::Invalid(format!(
        "Could not retrieve information from environment production source(s) {}",
        tried.join(", ")
    )))
}

/// The content the resource wants, if it manages content.
fn wanted_content(r: &Resource, cx: &Context) -> Result<Option<Vec<u8>>, ProviderError> {
    if content_digest(r).is_some() {
        return Err(ProviderError::Invalid(
            "the content is a Sensitive value known only by its digest; compile the manifest to write it"
                .into(),
        ));
    }
    if let Some(c) = r.param("content") {
        return Ok(Some(c.unwrap_sensitive().to_string().into_bytes()));
    }
    if let Some(src) = r.param("source") {
        let p = resolve_source(src, cx)?;
        return std::fs::read(&p)
            .map(Some)
            .map_err(|e| ProviderError::io("Could not read source", p, e));
    }
    Ok(None)
}

fn flag(r: &Resource, name: &str, default: bool) -> bool {
    r.param(name).and_then(Value::as_bool).unwrap_or(default)
}

/// The mode the file should get, given what is there now.
fn wanted_mode(r: &Resource, current: Option<u32>, is_dir: bool) -> Option<u32> {
    let m = r.param_str("mode")?;
    let resolved = mode::resolve(m, current, is_dir)?;
    // Puppet gives directories x wherever r is set by a numeric mode.
    if is_dir && m.bytes().all(|b| b.is_ascii_digit()) {
        Some(resolved | ((resolved & 0o444) >> 2))
    } else {
        Some(resolved)
    }
}

impl Provider for FileProvider {
    fn name(&self) -> &'static str {
        "posix"
    }

    fn inspect(&self, r: &Resource, cx: &mut Context) -> Result<State, ProviderError> {
        let path = managed_path(r)?;
        // Warm the account caches so that `plan` can compare names with ids.
        cx.passwd();
        cx.groups();
        let view = cx.view(&path)?;
        let mut st = State::default();
        st.set("ensure", Some(kind_name(&view).to_string()));
        match &view {
            FileView::File {
                content,
                mode,
                uid,
                gid,
            } => {
                st.set("content", Some(fsutil::sha256(content)));
                st.set("mode", Some(mode::format(*mode)));
                st.set("owner", Some(uid.to_string()));
                st.set("group", Some(gid.to_string()));
                st.content = Some(content.clone());
            }
            FileView::Dir { mode, uid, gid } => {
                st.set("mode", Some(mode::format(*mode)));
                st.set("owner", Some(uid.to_string()));
                st.set("group", Some(gid.to_string()));
            }
            FileView::Link { target } => st.set("target", Some(target.clone())),
            FileView::Missing | FileView::Other => {}
        }
        if view == FileView::Missing {
            let parent = path.parent().unwrap_or(Path::new("/"));
            if !cx.is_dir(parent) {
                st.pending_on = cx.pending_creator().map(str::to_string);
            }
        }
        // An owner or group that does not exist yet, in a dry run where a package that may
        // add it is pending (haproxy's user comes with haproxy): pending on that package,
        // not a failure the apply would not have.
        let missing_account = (r
            .param("owner")
            .is_some_and(|o| cx.uid_of(&o.to_string()).is_none()))
            || (r
                .param("group")
                .is_some_and(|g| cx.gid_of(&g.to_string()).is_none()));
        if missing_account && st.pending_on.is_none() {
            let owner_pending = r
                .param("owner")
                .is_some_and(|o| cx.is_pending_account(true, &o.to_string()));
            let group_pending = r
                .param("group")
                .is_some_and(|g| cx.is_pending_account(false, &g.to_string()));
            if !owner_pending && !group_pending {
                st.pending_on = cx.pending_creator().map(str::to_string);
            }
        }
        let ensure = ensure_of(r);
        if matches!(view, FileView::Link { .. })
            && r.param_str("ensure") == Some("present")
            && (r.param("content").is_some() || r.param("source").is_some())
        {
            cx.warnings.push(
                "Ensure set to :present but file type is link so no content will be synced".into(),
            );
            return Ok(st);
        }
        if ensure == Ensure::File && content_digest(r).is_none() {
            st.desired_content = wanted_content(r, cx)?;
        }
        if ensure == Ensure::Directory
            && matches!(view, FileView::Dir { .. })
            && crate::purge::wanted(r)
        {
            let mut kept = Vec::new();
            let gone = crate::purge::unmanaged(&path, r, &cx.managed_files, &mut kept);
            for k in kept {
                cx.warnings.push(format!(
                    "{}: Not removing directory {}; use 'force' to override",
                    r.reference(),
                    k.display()
                ));
            }
            // One entry per line, `kind path`; a name with a line break is not purged.
            let list: Vec<String> = gone
                .iter()
                .map(|g| format!("{} {}", g.kind, g.path.display()))
                .filter(|l| !l.contains('\n'))
                .collect();
            if !list.is_empty() {
                st.set("purge", Some(list.join("\n")));
            }
        }
        Ok(st)
    }

    fn plan(&self, r: &Resource, st: &State, cx: &Context) -> Result<Vec<Change>, ProviderError> {
        let path = path_of(r);
        let pstr = path.display().to_string();
        let current = st.get("ensure").unwrap_or("absent");
        let ensure = ensure_of(r);
        let mut out = Vec::new();
        let force = flag(r, "force", false);
        let sens = sensitive(r);
        let parent_ok = || -> Result<(), ProviderError> {
            let parent = path.parent().unwrap_or(Path::new("/"));
            if cx.is_dir(parent) || st.pending_on.is_some() {
                Ok(())
            } else {
                Err(ProviderError::Invalid(format!(
                    "Cannot create {pstr}; parent directory {} does not exist",
                    parent.display()
                )))
            }
        };
        let want_kind = match ensure {
            Ensure::File => "file",
            Ensure::Directory => "directory",
            Ensure::Link => "link",
            Ensure::Absent => "absent",
            Ensure::Present => {
                if current == "absent" {
                    "file"
                } else {
                    current
                }
            }
            Ensure::Unmanaged => current,
        };
        // An owner or group that does not exist fails now, in a dry run too, whether the
        // file is created or changed: unless a pending change of this dry run may add it.
        if want_kind != "absent" && want_kind != "link" && st.pending_on.is_none() {
            for (prop, is_user) in [("owner", true), ("group", false)] {
                let Some(want) = r.param(prop).map(|v| v.to_string()) else {
                    continue;
                };
                let known = if is_user {
                    cx.cached_uid(&want).is_some()
                } else {
                    cx.cached_gid(&want).is_some()
                };
                if !known && !cx.is_pending_account(is_user, &want) {
                    return Err(ProviderError::Invalid(format!(
                        "Could not find {} {want}",
                        if is_user { "user" } else { "group" }
                    )));
                }
            }
        }
        if current == "absent" && ensure == Ensure::Unmanaged {
            // Puppet: nothing to manage.
            return Ok(out);
        }
        if current == "link" && r.param_str("ensure") == Some("present") {
            // A link is present; its target's content is not this resource's (inspect
            // warned, in Puppet's words).
            return Ok(out);
        }
        if want_kind != current {
            if current == "directory" && !force && want_kind != "directory" {
                // Puppet's wording for both cases; `force => true` is the way out of either.
                return Err(ProviderError::Invalid(if want_kind == "absent" {
                    format!("Not removing directory {pstr}; use 'force' to override")
                } else {
                    format!(
                        "Could not set '{want_kind}' on ensure: Is a directory - {pstr} (use 'force' to replace it)"
                    )
                }));
            }
            if want_kind == "absent" {
                out.push(Change::with_message(
                    "ensure",
                    Some(current.to_string()),
                    Some("absent".into()),
                    "removed",
                ));
                return Ok(out);
            }
            if current == "absent" {
                parent_ok()?;
            }
            let (message, diff) = match (want_kind, &st.desired_content) {
                ("file", Some(c)) => (
                    match current {
                        "absent" if sens => format!("defined content as {REDACTED}"),
                        "absent" => format!("defined content as '{}'", fsutil::sha256(c)),
                        _ => format!("ensure changed '{current}' to 'file'"),
                    },
                    content_diff(r, &pstr, st.content.as_deref(), c),
                ),
                ("file", None) if current == "absent" && content_digest(r).is_some() => {
                    (format!("defined content as {REDACTED}"), None)
                }
                (_, _) if current == "absent" => ("created".to_string(), None),
                (k, _) => (format!("ensure changed '{current}' to '{k}'"), None),
            };
            out.push(
                Change::with_message(
                    "ensure",
                    Some(current.to_string()),
                    Some(want_kind.to_string()),
                    message,
                )
                .diff(diff),
            );
            // Creation writes content, mode and ownership itself (Puppet syncs only ensure).
            return Ok(out);
        }
        if want_kind == "absent" {
            return Ok(out);
        }
        if want_kind == "file" {
            if let (Some(d), Some(have)) = (content_digest(r), &st.content) {
                if !d.matches(have) && flag(r, "replace", true) {
                    out.push(Change::with_message(
                        "content",
                        Some(REDACTED.into()),
                        Some(REDACTED.into()),
                        format!("content changed {REDACTED}"),
                    ));
                }
            }
            if let (Some(c), Some(have)) = (&st.desired_content, st.get("content")) {
                let want = fsutil::sha256(c);
                if want != have && flag(r, "replace", true) {
                    // Puppet says "changed [redacted] to [redacted]"; naming the property
                    // says what changed without saying how.
                    let message = if sens {
                        format!("content changed {REDACTED}")
                    } else {
                        format!("content changed '{have}' to '{want}'")
                    };
                    out.push(
                        Change::with_message(
                            "content",
                            Some(have.to_string()),
                            Some(want),
                            message,
                        )
                        .diff(content_diff(
                            r,
                            &pstr,
                            st.content.as_deref(),
                            c,
                        )),
                    );
                }
            }
        }
        if want_kind == "link" {
            if let Some(t) = r.param_str("target") {
                if st.get("target") != Some(t) {
                    out.push(Change::changed(
                        "target",
                        st.get("target").map(str::to_string),
                        Some(t.to_string()),
                    ));
                }
            }
            // Mode and ownership of a link are not managed (they would act on its target).
            return Ok(out);
        }
        let is_dir = want_kind == "directory";
        let cur_mode = st.get("mode").and_then(|m| u32::from_str_radix(m, 8).ok());
        if let Some(want) = wanted_mode(r, cur_mode, is_dir) {
            if Some(want) != cur_mode {
                out.push(Change::changed(
                    "mode",
                    st.get("mode").map(str::to_string),
                    Some(mode::format(want)),
                ));
            }
        }
        for (prop, cached) in [
            (
                "owner",
                Context::cached_uid as fn(&Context, &str) -> Option<u32>,
            ),
            ("group", Context::cached_gid),
        ] {
            if let Some(want) = r.param(prop).map(|v| v.to_string()) {
                // An unknown account got here only as one a pending change of this dry run
                // creates (checked above): it will differ.
                let have: Option<u32> = st.get(prop).and_then(|v| v.parse().ok());
                if cached(cx, &want).is_none_or(|id| have != Some(id)) {
                    let name = have.map(|n| {
                        if prop == "owner" {
                            cx.user_name(n)
                        } else {
                            cx.group_name(n)
                        }
                    });
                    out.push(Change::changed(prop, name, Some(want)));
                }
            }
        }
        if is_dir {
            // Puppet reports each purged entry as its own resource's `ensure: removed`.
            for line in st.get("purge").into_iter().flat_map(str::lines) {
                let (kind, child) = line.split_once(' ').unwrap_or(("file", line));
                out.push(Change::with_message(
                    "purge",
                    Some(kind.to_string()),
                    Some(child.to_string()),
                    format!("{child} ({kind}, not managed) removed"),
                ));
            }
        }
        Ok(out)
    }

    fn apply(
        &self,
        r: &Resource,
        changes: &[Change],
        cx: &mut Context,
    ) -> Result<Vec<Event>, ProviderError> {
        let path = managed_path(r)?;
        let mut events = Vec::new();
        let current = read_view_now(&path)?;
        let keep_backup = r.param("backup").is_none_or(|b| b.as_bool() != Some(false));
        for c in changes {
            match (c.property.as_str(), c.after.as_deref()) {
                ("ensure", Some("absent")) => {
                    backup_current(&current, &path, keep_backup, cx)?;
                    remove_any(&path, &current)?;
                }
                ("ensure", Some("file")) | ("content", _) => {
                    let content = wanted_content(r, cx)?.unwrap_or_default();
                    let (old_mode, old_uid, old_gid) = match &current {
                        FileView::File { mode, uid, gid, .. } => {
                            (Some(*mode), Some(*uid), Some(*gid))
                        }
                        _ => (None, None, None),
                    };
                    let mode = wanted_mode(r, old_mode, false)
                        .or(old_mode)
                        .unwrap_or(0o644);
                    let owner = match r.param("owner") {
                        Some(o) => Some(lookup_uid(cx, &o.to_string())?),
                        None => old_uid,
                    };
                    let group = match r.param("group") {
                        Some(g) => Some(lookup_gid(cx, &g.to_string())?),
                        None => old_gid,
                    };
                    backup_current(&current, &path, keep_backup, cx)?;
                    if matches!(current, FileView::Dir { .. }) {
                        remove_any(&path, &current)?;
                    }
                    let spec = WriteSpec {
                        mode,
                        owner,
                        group,
                        validate_cmd: r.param_str("validate_cmd"),
                        validate_replacement: r.param_str("validate_replacement"),
                    };
                    fsutil::atomic_write(&path, &content, &spec, cx)?;
                }
                ("ensure", Some("directory")) => {
                    if !matches!(current, FileView::Missing) {
                        backup_current(&current, &path, keep_backup, cx)?;
                        remove_any(&path, &current)?;
                    }
                    make_dir(&path, wanted_mode(r, None, true).unwrap_or(0o755))?;
                    chown_from(r, &path, cx)?;
                }
                ("ensure", Some("link")) | ("target", _) => {
                    let target = r.param_str("target").ok_or_else(|| {
                        ProviderError::Invalid("ensure => link requires a target".into())
                    })?;
                    if matches!(current, FileView::Dir { .. }) {
                        remove_any(&path, &current)?;
                    } else {
                        backup_current(&current, &path, keep_backup, cx)?;
                    }
                    replace_with_symlink(&path, target)?;
                }
                ("ensure", _) => {
                    // `present` on a missing path: an empty file.
                    let spec = WriteSpec {
                        mode: wanted_mode(r, None, false).unwrap_or(0o644),
                        ..Default::default()
                    };
                    fsutil::atomic_write(&path, b"", &spec, cx)?;
                    chown_from(r, &path, cx)?;
                }
                ("mode", Some(m)) => {
                    let m = u32::from_str_radix(m, 8)
                        .map_err(|_| ProviderError::Invalid(format!("bad mode {m}")))?;
                    set_mode(&path, m)?;
                }
                ("owner", _) | ("group", _) => chown_from(r, &path, cx)?,
                ("purge", Some(child)) => {
                    let child = Path::new(child);
                    let view = read_view_now(child)?;
                    backup_current(&view, child, keep_backup, cx)?;
                    remove_any(child, &view)?;
                }
                _ => continue,
            }
            events.push(Event::from_change(c, EventKind::Changed));
        }
        Ok(events)
    }

    fn predict(&self, r: &Resource, changes: &[Change], cx: &mut Context) {
        let Ok(path) = managed_path(r) else {
            return;
        };
        let Ok(mut view) = cx.view(&path) else {
            return;
        };
        for c in changes {
            match (c.property.as_str(), c.after.as_deref()) {
                ("ensure", Some("absent")) => view = FileView::Missing,
                ("ensure", Some("file")) | ("content", _) | ("ensure", Some("present")) => {
                    let content = wanted_content(r, cx).ok().flatten().unwrap_or_default();
                    let (mode, uid, gid) = match view {
                        FileView::File { mode, uid, gid, .. } => (mode, uid, gid),
                        _ => (wanted_mode(r, None, false).unwrap_or(0o644), 0, 0),
                    };
                    view = FileView::File {
                        content,
                        mode,
                        uid,
                        gid,
                    };
                }
                ("ensure", Some("directory")) => {
                    view = FileView::Dir {
                        mode: wanted_mode(r, None, true).unwrap_or(0o755),
                        uid: 0,
                        gid: 0,
                    }
                }
                ("ensure", Some("link")) | ("target", _) => {
                    view = FileView::Link {
                        target: r.param_str("target").unwrap_or_default().to_string(),
                    }
                }
                ("mode", Some(m)) => {
                    if let (Ok(n), FileView::File { mode, .. } | FileView::Dir { mode, .. }) =
                        (u32::from_str_radix(m, 8), &mut view)
                    {
                        *mode = n;
                    }
                }
                ("purge", Some(child)) => cx.predict_path(Path::new(child), FileView::Missing),
                _ => {}
            }
        }
        cx.predict_path(&path, view);
    }
}

fn read_view_now(path: &Path) -> Result<FileView, ProviderError> {
    crate::context::read_view(path)
}

fn lookup_uid(cx: &mut Context, user: &str) -> Result<u32, ProviderError> {
    cx.uid_of(user)
        .ok_or_else(|| ProviderError::Invalid(format!("Could not find user {user}")))
}

fn lookup_gid(cx: &mut Context, group: &str) -> Result<u32, ProviderError> {
    cx.gid_of(group)
        .ok_or_else(|| ProviderError::Invalid(format!("Could not find group {group}")))
}

fn chown_from(r: &Resource, path: &Path, cx: &mut Context) -> Result<(), ProviderError> {
    let owner = match r.param("owner") {
        Some(o) => Some(lookup_uid(cx, &o.to_string())?),
        None => None,
    };
    let group = match r.param("group") {
        Some(g) => Some(lookup_gid(cx, &g.to_string())?),
        None => None,
    };
    if owner.is_some() || group.is_some() {
        let (dir, name) = fsutil::open_parent(path)?;
        dir.chown(&name, owner, group)?;
    }
    Ok(())
}

/// chmod that fails rather than follow a symlink put in the file's place.
fn set_mode(path: &Path, mode: u32) -> Result<(), ProviderError> {
    let (dir, name) = fsutil::open_parent(path)?;
    dir.chmod(&name, mode)
}

fn backup_current(
    current: &FileView,
    path: &Path,
    enabled: bool,
    cx: &Context,
) -> Result<(), ProviderError> {
    if let (
        true,
        FileView::File {
            content,
            mode,
            uid,
            gid,
        },
    ) = (enabled, current)
    {
        let keep = WriteSpec {
            mode: *mode,
            owner: Some(*uid),
            group: Some(*gid),
            ..Default::default()
        };
        fsutil::backup(path, content, &keep, cx)?;
    }
    Ok(())
}

fn remove_any(path: &Path, current: &FileView) -> Result<(), ProviderError> {
    if matches!(current, FileView::Missing) {
        return Ok(());
    }
    let (dir, name) = fsutil::open_parent(path)?;
    match current {
        FileView::Dir { .. } => dir.remove_tree(&name)?,
        _ => dir.unlink(&name)?,
    }
    dir.sync();
    Ok(())
}

/// Create directory `path` with `mode`.
fn make_dir(path: &Path, mode: u32) -> Result<(), ProviderError> {
    let (dir, name) = fsutil::open_parent(path)?;
    dir.mkdir(&name, mode)?;
    dir.sync();
    Ok(())
}

/// Point `path` at `target` atomically: a new link under a temp name, renamed over.
fn replace_with_symlink(path: &Path, target: &str) -> Result<(), ProviderError> {
    let (dir, name) = fsutil::open_parent(path)?;
    let tmp = fsutil::temp_name();
    dir.symlink(target, &tmp)?;
    if let Err(e) = dir.rename(&tmp, &name) {
        let _ = dir.unlink(&tmp);
        return Err(e);
    }
    dir.sync();
    Ok(())
}
