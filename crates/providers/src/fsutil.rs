//! File primitives every file-writing provider shares: atomic writes, checksums, diffs,
//! backups.
//!
//! Invariant: a managed file is only ever replaced by `rename` of a complete, fsynced temp
//! file from the same directory, after validation; a crash leaves the old file or the new
//! one, never a partial or empty one. A final symlink is never written through: the rename
//! replaces the link itself.

use crate::context::{Cmd, Context, FileView};
use crate::provider::ProviderError;
use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Read a file's bytes, refusing to follow a symlink at the final component.
pub fn read_nofollow(path: &Path) -> Result<Vec<u8>, ProviderError> {
    let mut f = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(nix::libc::O_NOFOLLOW)
        .open(path)
        .map_err(|e| ProviderError::io("Could not read", path, e))?;
    let mut b = Vec::new();
    f.read_to_end(&mut b)
        .map_err(|e| ProviderError::io("Could not read", path, e))?;
    Ok(b)
}

/// Why a symbolic link is not followed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnsafeLink {
    /// The link.
    pub link: PathBuf,
    /// What it points to.
    pub target: PathBuf,
    /// What makes it unsafe, in words (`/home/x is writable by uid 1000`).
    pub reason: String,
}

/// Who may write to `path` (not following a final link), in words, when someone other
/// than root can: owned by another user, or group- or world-writable.
fn writable_by_others(path: &Path) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let md = std::fs::symlink_metadata(path).ok()?;
    let mode = md.mode();
    if md.uid() != 0 {
        return Some(format!(
            "{} is owned by uid {}, not root",
            path.display(),
            md.uid()
        ));
    }
    if md.file_type().is_symlink() {
        return None;
    }
    if mode & 0o002 != 0 {
        return Some(format!(
            "{} is writable by everyone (mode {:04o})",
            path.display(),
            mode & 0o7777
        ));
    }
    if mode & 0o020 != 0 && md.gid() != 0 {
        return Some(format!(
            "{} is writable by group {} (mode {:04o})",
            path.display(),
            md.gid(),
            mode & 0o7777
        ));
    }
    None
}

/// Where to edit `path` in place: `path` itself when it is not a symbolic link, else the
/// file the link (and any link it leads to) finally points to, as Puppet and nginx read
/// it. Unlike Puppet, which follows any link, a link is followed only when nobody but root
/// can change where it leads or what it leads to: each link, the directory holding it, and
/// every directory above the final target must be owned by root and writable by root
/// alone (group write only for group root). Otherwise the answer names the unsafe link
/// and why, so that a link planted by another user never makes converge write where that
/// user chose. Shared with `file { links => follow }`.
pub fn follow_safe_symlink(path: &Path) -> Result<PathBuf, UnsafeLink> {
    let mut current = path.to_path_buf();
    for _ in 0..40 {
        let Ok(md) = std::fs::symlink_metadata(&current) else {
            return Ok(current);
        };
        if !md.file_type().is_symlink() {
            return Ok(current);
        }
        let raw = std::fs::read_link(&current).map_err(|e| UnsafeLink {
            link: current.clone(),
            target: PathBuf::new(),
            reason: format!("the link cannot be read: {e}"),
        })?;
        let dir = current.parent().unwrap_or(Path::new("/")).to_path_buf();
        let target = if raw.is_absolute() {
            raw
        } else {
            dir.join(raw)
        };
        let unsafe_link = |reason: String| UnsafeLink {
            link: current.clone(),
            target: target.clone(),
            reason,
        };
        if let Some(why) = writable_by_others(&current) {
            return Err(unsafe_link(why));
        }
        for d in dir.ancestors() {
            if let Some(why) = writable_by_others(d) {
                return Err(unsafe_link(why));
            }
        }
        let target_dir = target.parent().unwrap_or(Path::new("/")).to_path_buf();
        // The directories above the target, resolved, must be root's alone too (a
        // directory link on the way counts as what it points to).
        let resolved = target_dir.canonicalize().unwrap_or(target_dir.clone());
        for d in target_dir.ancestors().chain(resolved.ancestors()) {
            if let Some(why) = writable_by_others(d) {
                return Err(unsafe_link(why));
            }
        }
        current = match (resolved != target_dir, target.file_name()) {
            (true, Some(name)) => resolved.join(name),
            _ => target,
        };
    }
    Err(UnsafeLink {
        link: path.to_path_buf(),
        target: current,
        reason: "too many levels of symbolic links".into(),
    })
}

impl UnsafeLink {
    /// The provider error for an edit refused because of this link.
    pub fn error(&self) -> ProviderError {
        ProviderError::Invalid(format!(
            "refusing to follow the symbolic link {} (to {}): {}; only links that root alone can change are followed",
            self.link.display(),
            self.target.display(),
            self.reason
        ))
    }
}

/// Puppet's checksum form: `{sha256}<hex>`.
pub fn sha256(content: &[u8]) -> String {
    let digest = Sha256::digest(content);
    let mut s = String::with_capacity(72);
    s.push_str("{sha256}");
    for b in digest {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// A unified diff from `old` (`None` = the file does not exist yet) to `new`, labelled with
/// the path; `None` when they are equal. Binary content is summarised, not dumped.
pub fn unified_diff(path: &str, old: Option<&[u8]>, new: &[u8], sensitive: bool) -> Option<String> {
    if old == Some(new) {
        return None;
    }
    if sensitive {
        return Some("[diff redacted]".to_string());
    }
    let (Ok(o), Ok(n)) = (
        std::str::from_utf8(old.unwrap_or_default()),
        std::str::from_utf8(new),
    ) else {
        return Some(format!("Binary files {path} differ"));
    };
    let old_label = if old.is_some() { path } else { "/dev/null" };
    let diff = similar::TextDiff::from_lines(o, n);
    let text = diff
        .unified_diff()
        .context_radius(3)
        .header(old_label, path)
        .missing_newline_hint(true)
        .to_string();
    Some(text)
}

/// How a new file is written.
#[derive(Debug, Clone, Default)]
pub struct WriteSpec<'a> {
    /// Permission bits for the new file.
    pub mode: u32,
    /// Owner and group to give it (`None` = leave as created).
    pub owner: Option<u32>,
    /// Group to give it.
    pub group: Option<u32>,
    /// A validation command; `%` is replaced by the temp file's path. A non-zero exit leaves
    /// the old file untouched and fails the resource.
    pub validate_cmd: Option<&'a str>,
    /// What `%` is in `validate_cmd` (`validate_replacement`).
    pub validate_replacement: Option<&'a str>,
}

/// A regular file's content and the mode, owner and group that an edit in place keeps;
/// `None` when `path` is missing or is not a regular file.
pub fn read_for_edit(path: &Path) -> Result<Option<(Vec<u8>, WriteSpec<'static>)>, ProviderError> {
    match crate::context::read_view(path)? {
        FileView::File {
            content,
            mode,
            uid,
            gid,
        } => Ok(Some((
            content,
            WriteSpec {
                mode,
                owner: Some(uid),
                group: Some(gid),
                ..Default::default()
            },
        ))),
        _ => Ok(None),
    }
}

/// Replace `path` atomically with `content`: temp file in the same directory, write, chmod,
/// chown, fsync, validate, rename, fsync the directory.
pub fn atomic_write(
    path: &Path,
    content: &[u8],
    spec: &WriteSpec<'_>,
    cx: &mut Context,
) -> Result<(), ProviderError> {
    let dir = path.parent().unwrap_or(Path::new("/"));
    if !dir.is_dir() {
        return Err(ProviderError::Invalid(format!(
            "Cannot create {}; parent directory {} does not exist",
            path.display(),
            dir.display()
        )));
    }
    let mut tmp = tempfile::Builder::new()
        .prefix(".converge-")
        .tempfile_in(dir)
        .map_err(|e| ProviderError::io("Could not create a temp file in", dir, e))?;
    let werr = |e| ProviderError::io("Could not write", path, e);
    tmp.write_all(content).map_err(werr)?;
    let f = tmp.as_file();
    f.set_permissions(std::fs::Permissions::from_mode(spec.mode))
        .map_err(werr)?;
    if spec.owner.is_some() || spec.group.is_some() {
        std::os::unix::fs::fchown(f, spec.owner, spec.group).map_err(werr)?;
    }
    f.sync_all().map_err(werr)?;
    if let Some(cmd) = spec.validate_cmd {
        let token = spec.validate_replacement.unwrap_or("%");
        let line = cmd.replace(token, &shell_quote(&tmp.path().display().to_string()));
        let out = cx.run(&Cmd::shell(&line))?;
        if !out.success() {
            // Dropping `tmp` removes it; the managed file was never touched.
            return Err(ProviderError::Command {
                message: format!(
                    "Execution of '{line}' returned {}: validation failed, {} left untouched",
                    out.code.map_or("a signal".to_string(), |c| c.to_string()),
                    path.display()
                ),
                output: out.combined(),
            });
        }
    }
    tmp.persist(path)
        .map_err(|e| ProviderError::io("Could not rename into place", path, e.error))?;
    fsync_dir(dir);
    Ok(())
}

/// fsync a directory so a rename in it survives a crash; best effort (some filesystems
/// refuse it, and there is nothing better to do then).
pub fn fsync_dir(dir: &Path) {
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Quote a string for /bin/sh.
pub fn shell_quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+:=,@".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// Save the current content of `path` under `<backup_root>/<run_id>/<path>` before it is
/// replaced; returns where it went.
pub fn backup(path: &Path, content: &[u8], cx: &Context) -> Result<PathBuf, ProviderError> {
    let rel = path.strip_prefix("/").unwrap_or(path);
    let dest = cx.backup_root.join(&cx.run_id).join(rel);
    if let Some(parent) = dest.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| ProviderError::io("Could not create backup directory", parent, e))?;
    }
    std::fs::write(&dest, content)
        .map_err(|e| ProviderError::io("Could not back up to", &dest, e))?;
    Ok(dest)
}

/// Put back every file a run backed up (`<backup_root>/<run_id>`), atomically each; returns
/// the restored paths.
pub fn restore(backup_root: &Path, run_id: &str) -> Result<Vec<PathBuf>, ProviderError> {
    let base = backup_root.join(run_id);
    let mut restored = Vec::new();
    let mut stack = vec![base.clone()];
    while let Some(dir) = stack.pop() {
        let entries =
            std::fs::read_dir(&dir).map_err(|e| ProviderError::io("Could not read", &dir, e))?;
        for e in entries {
            let e = e.map_err(|e| ProviderError::io("Could not read", &dir, e))?;
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let Ok(rel) = p.strip_prefix(&base) else {
                continue;
            };
            let target = Path::new("/").join(rel);
            let content =
                std::fs::read(&p).map_err(|e| ProviderError::io("Could not read", &p, e))?;
            let mode = std::fs::symlink_metadata(&target)
                .map(|m| m.permissions().mode() & 0o7777)
                .unwrap_or(0o644);
            let mut cx = Context::new();
            atomic_write(
                &target,
                &content,
                &WriteSpec {
                    mode,
                    ..Default::default()
                },
                &mut cx,
            )?;
            restored.push(target);
        }
    }
    restored.sort();
    Ok(restored)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diff_of_a_new_file_shows_every_line_added() {
        let d = unified_diff("/etc/x", None, b"a\nb\n", false).unwrap();
        assert!(d.starts_with("--- /dev/null\n+++ /etc/x\n"), "{d}");
        assert!(d.contains("+a\n+b\n"));
        assert_eq!(unified_diff("/etc/x", Some(b"a\n"), b"a\n", false), None);
        assert_eq!(
            unified_diff("/etc/x", Some(b"a\n"), b"b\n", true).as_deref(),
            Some("[diff redacted]")
        );
    }

    #[test]
    fn failed_validation_leaves_the_old_file_and_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("conf");
        std::fs::write(&p, "old\n").unwrap();
        let mut cx = Context::new();
        let spec = WriteSpec {
            mode: 0o644,
            validate_cmd: Some("/bin/grep -q good %"),
            ..Default::default()
        };
        let err = atomic_write(&p, b"bad\n", &spec, &mut cx).unwrap_err();
        assert!(err.to_string().contains("validation failed"), "{err}");
        assert_eq!(std::fs::read(&p).unwrap(), b"old\n");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        atomic_write(&p, b"good\n", &spec, &mut cx).unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"good\n");
    }

    #[test]
    fn only_links_root_alone_controls_are_followed() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().canonicalize().unwrap();
        // A root-owned tree the test controls: tempdir is 0700 under root (CI is root).
        let avail = base.join("sites-available");
        let enabled = base.join("sites-enabled");
        std::fs::create_dir_all(&avail).unwrap();
        std::fs::create_dir_all(&enabled).unwrap();
        std::fs::write(avail.join("default"), "server {}\n").unwrap();
        std::os::unix::fs::symlink("../sites-available/default", enabled.join("default")).unwrap();
        let is_root = nix::unistd::geteuid().is_root();
        assert!(is_root, "this test needs root, as CI has");
        // /tmp and /var/tmp are world-writable (sticky): the check climbs above the tree,
        // so the safe tree goes under /run, which only root can write to.
        let safe_root = Path::new("/run").join(format!("converge-links-{}", std::process::id()));
        std::fs::create_dir_all(&safe_root).unwrap();
        std::fs::set_permissions(&safe_root, std::fs::Permissions::from_mode(0o755)).unwrap();
        let a = safe_root.join("sites-available");
        let e = safe_root.join("sites-enabled");
        std::fs::create_dir_all(&a).unwrap();
        std::fs::create_dir_all(&e).unwrap();
        std::fs::write(a.join("default"), "server {}\n").unwrap();
        let link = e.join("default");
        let _ = std::fs::remove_file(&link);
        std::os::unix::fs::symlink("../sites-available/default", &link).unwrap();
        assert_eq!(follow_safe_symlink(&link).unwrap(), a.join("default"));
        assert_eq!(
            follow_safe_symlink(&a.join("default")).unwrap(),
            a.join("default")
        );
        // A target directory others can write to: refused, naming the link and why.
        std::fs::set_permissions(&a, std::fs::Permissions::from_mode(0o777)).unwrap();
        let err = follow_safe_symlink(&link).unwrap_err();
        assert_eq!(err.link, link);
        assert!(
            err.reason.contains("writable by everyone"),
            "{}",
            err.reason
        );
        let msg = err.error().to_string();
        assert!(
            msg.starts_with(&format!(
                "refusing to follow the symbolic link {}",
                link.display()
            )),
            "{msg}"
        );
        std::fs::set_permissions(&a, std::fs::Permissions::from_mode(0o755)).unwrap();
        // A link owned by someone else: refused.
        std::os::unix::fs::lchown(&link, Some(1000), None).unwrap();
        let err = follow_safe_symlink(&link).unwrap_err();
        assert!(err.reason.contains("owned by uid 1000"), "{}", err.reason);
        // The unsafe /tmp above the first tree: refused too.
        assert!(follow_safe_symlink(&enabled.join("default")).is_err());
        std::fs::remove_dir_all(&safe_root).unwrap();
    }

    #[test]
    fn writing_replaces_a_symlink_instead_of_following_it() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "keep\n").unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&victim, &link).unwrap();
        assert!(read_nofollow(&link).is_err());
        let mut cx = Context::new();
        atomic_write(
            &link,
            b"new\n",
            &WriteSpec {
                mode: 0o600,
                ..Default::default()
            },
            &mut cx,
        )
        .unwrap();
        assert_eq!(std::fs::read(&victim).unwrap(), b"keep\n");
        assert_eq!(read_nofollow(&link).unwrap(), b"new\n");
    }
}
