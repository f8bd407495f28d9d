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
