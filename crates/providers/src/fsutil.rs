//! File primitives every file-writing provider shares: atomic writes, checksums, diffs,
//! backups.
//!
//! Invariant: a managed file is only ever replaced by `rename` of a complete, fsynced temp
//! file from the same directory, after validation; a crash leaves the old file or the new
//! one, never a partial or empty one. A final symlink is never written through: the rename
//! replaces the link itself.

use crate::context::{Cmd, Context, FileView};
use crate::provider::ProviderError;
pub use crate::safedir::SafeDir;
use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
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

/// Who besides root can change what `bottom` is, through a directory above it: each
/// directory from `bottom`'s parent up to `/` must be root's alone, except that a sticky
/// root-owned one (`/tmp`) is fine for an entry root owns (nobody else can rename or
/// remove it there). The same rule `SafeDir` applies to links on the way.
fn others_above(bottom: &Path) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let mut child = bottom;
    for d in bottom.parent()?.ancestors() {
        if let Some(why) = writable_by_others(d) {
            let sticky_root =
                std::fs::symlink_metadata(d).is_ok_and(|m| m.uid() == 0 && m.mode() & 0o1000 != 0);
            let child_root = std::fs::symlink_metadata(child).is_ok_and(|m| m.uid() == 0);
            if !(sticky_root && child_root) {
                return Some(why);
            }
        }
        child = d;
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
        if let Some(why) = others_above(&current) {
            return Err(unsafe_link(why));
        }
        let target_dir = target.parent().unwrap_or(Path::new("/")).to_path_buf();
        // The directories above the target, resolved, must be root's alone too (a
        // directory link on the way counts as what it points to).
        let resolved = target_dir.canonicalize().unwrap_or(target_dir.clone());
        let name = target.file_name().map(PathBuf::from).unwrap_or_default();
        for bottom in [target.clone(), resolved.join(&name)] {
            if let Some(why) = others_above(&bottom) {
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

/// The directory holding `path`, opened safely ([`SafeDir`]), and `path`'s last component.
/// A missing parent is Puppet's error; a planted symlink on the way is refused by name.
pub fn open_parent(path: &Path) -> Result<(SafeDir, PathBuf), ProviderError> {
    let dir = path.parent().unwrap_or(Path::new("/"));
    let Some(name) = path.file_name() else {
        return Err(ProviderError::Invalid(format!(
            "Could not write {}: not a file path",
            path.display()
        )));
    };
    match SafeDir::open_existing(dir) {
        Ok(Some(d)) => Ok((d, PathBuf::from(name))),
        Ok(None) => Err(ProviderError::Invalid(format!(
            "Cannot create {}; parent directory {} does not exist",
            path.display(),
            dir.display()
        ))),
        Err(ProviderError::Invalid(why)) => Err(ProviderError::Invalid(format!(
            "Could not write {}: {why}",
            path.display()
        ))),
        Err(e) => Err(e),
    }
}

/// A new file being written beside its target: created unnamed (`O_TMPFILE`, so that a
/// crash leaves nothing behind) where the file system can, else under a fresh
/// `.converge-*` name with `O_EXCL`; mode 0600 until it is complete. It gets a name only
/// when a validator must read it or it is renamed into place, and is removed if it never
/// gets there.
struct Staged<'d> {
    dir: &'d SafeDir,
    file: std::fs::File,
    /// The temp name, once it has one.
    name: Option<PathBuf>,
    /// The managed file, for messages.
    target: PathBuf,
}

/// A temp name nobody can guess ahead: pid, time and a per-process counter, hashed with
/// the process's random SipHash keys.
pub(crate) fn temp_name() -> PathBuf {
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u32(std::process::id());
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    if let Ok(t) = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        h.write_u128(t.as_nanos());
    }
    PathBuf::from(format!(".converge-{:016x}", h.finish()))
}

impl<'d> Staged<'d> {
    fn create(dir: &'d SafeDir, target: &Path) -> Result<Staged<'d>, ProviderError> {
        use nix::fcntl::{openat, OFlag};
        use nix::sys::stat::Mode;
        let werr = |e: nix::errno::Errno| {
            ProviderError::io("Could not write", target, std::io::Error::from(e))
        };
        let mode = Mode::from_bits_truncate(0o600);
        match openat(
            dir.fd(),
            ".",
            OFlag::O_TMPFILE | OFlag::O_WRONLY | OFlag::O_CLOEXEC,
            mode,
        ) {
            Ok(fd) => {
                return Ok(Staged {
                    dir,
                    file: fd.into(),
                    name: None,
                    target: target.to_path_buf(),
                })
            }
            // No O_TMPFILE on this file system: a named temp file instead.
            Err(nix::errno::Errno::EOPNOTSUPP)
            | Err(nix::errno::Errno::EISDIR)
            | Err(nix::errno::Errno::EINVAL) => {}
            Err(e) => return Err(werr(e)),
        }
        loop {
            let name = temp_name();
            match openat(
                dir.fd(),
                &name,
                OFlag::O_CREAT
                    | OFlag::O_EXCL
                    | OFlag::O_WRONLY
                    | OFlag::O_NOFOLLOW
                    | OFlag::O_CLOEXEC,
                mode,
            ) {
                Ok(fd) => {
                    return Ok(Staged {
                        dir,
                        file: fd.into(),
                        name: Some(name),
                        target: target.to_path_buf(),
                    })
                }
                Err(nix::errno::Errno::EEXIST) => continue,
                Err(e) => return Err(werr(e)),
            }
        }
    }

    /// Write the content, set mode and ownership, and make it durable.
    fn fill(&mut self, content: &[u8], spec: &WriteSpec<'_>) -> Result<(), ProviderError> {
        let target = &self.target;
        let werr = |e| ProviderError::io("Could not write", target, e);
        self.file.write_all(content).map_err(werr)?;
        self.file
            .set_permissions(std::fs::Permissions::from_mode(spec.mode))
            .map_err(werr)?;
        if spec.owner.is_some() || spec.group.is_some() {
            std::os::unix::fs::fchown(&self.file, spec.owner, spec.group).map_err(werr)?;
        }
        self.file.sync_all().map_err(werr)
    }

    /// The temp file's name in the directory, linking the unnamed file under a fresh name
    /// first if it has none yet.
    fn name(&mut self) -> Result<PathBuf, ProviderError> {
        if let Some(n) = &self.name {
            return Ok(n.clone());
        }
        use nix::fcntl::AtFlags;
        use std::os::fd::AsFd;
        loop {
            let name = temp_name();
            let mut linked = nix::unistd::linkat(
                self.file.as_fd(),
                "",
                self.dir.fd(),
                &name,
                AtFlags::AT_EMPTY_PATH,
            );
            if matches!(
                linked,
                Err(nix::errno::Errno::EPERM | nix::errno::Errno::ENOENT)
            ) {
                // AT_EMPTY_PATH wants CAP_DAC_READ_SEARCH; the /proc link does not.
                let proc = format!(
                    "/proc/self/fd/{}",
                    std::os::fd::AsRawFd::as_raw_fd(&self.file)
                );
                linked = nix::unistd::linkat(
                    nix::fcntl::AT_FDCWD,
                    proc.as_str(),
                    self.dir.fd(),
                    &name,
                    AtFlags::AT_SYMLINK_FOLLOW,
                );
            }
            match linked {
                Ok(()) => {
                    self.name = Some(name.clone());
                    return Ok(name);
                }
                Err(nix::errno::Errno::EEXIST) => continue,
                Err(e) => {
                    return Err(ProviderError::io(
                        "Could not write",
                        &self.target,
                        std::io::Error::from(e),
                    ))
                }
            }
        }
    }

    /// Rename into place over `name` (never following it) and sync the directory.
    fn commit(mut self, name: &Path) -> Result<(), ProviderError> {
        let tmp = self.name()?;
        self.dir.rename(&tmp, name)?;
        self.name = None;
        self.dir.sync();
        Ok(())
    }
}

impl Drop for Staged<'_> {
    fn drop(&mut self) {
        if let Some(n) = &self.name {
            let _ = self.dir.unlink(n);
        }
    }
}

/// Replace `path` atomically with `content`: a temp file beside it (see [`Staged`]),
/// written, chmod, chown, fsync, validated, renamed over `path`, directory fsynced. On any
/// failure the old file is untouched and no temp file is left; the error names `path` and
/// the cause (`No space left on device`, `Read-only file system`).
pub fn atomic_write(
    path: &Path,
    content: &[u8],
    spec: &WriteSpec<'_>,
    cx: &mut Context,
) -> Result<(), ProviderError> {
    let (dir, name) = open_parent(path)?;
    let mut staged = Staged::create(&dir, path)?;
    staged.fill(content, spec)?;
    if let Some(cmd) = spec.validate_cmd {
        let tmp = dir.join(&staged.name()?);
        let token = spec.validate_replacement.unwrap_or("%");
        let line = cmd.replace(token, &shell_quote(&tmp.display().to_string()));
        let out = cx.run(&Cmd::shell(&line))?;
        if !out.success() {
            // Dropping `staged` removes it; the managed file was never touched.
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
    staged.commit(&name)
}

/// [`atomic_write`] without a validator, for files converge keeps for itself (backups,
/// the applied catalog).
pub fn write_private(
    path: &Path,
    content: &[u8],
    spec: &WriteSpec<'_>,
) -> Result<(), ProviderError> {
    let (dir, name) = open_parent(path)?;
    let mut staged = Staged::create(&dir, path)?;
    staged.fill(content, spec)?;
    staged.commit(&name)
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

/// Save what `path` holds under `<backup_root>/<run_id>/<path>` before it is replaced:
/// its bytes with its own mode, owner and group (a 0600 secret stays 0600), in a backup
/// tree only root can enter (the backup root is made 0700, whatever it was). Returns
/// where it went.
pub fn backup(
    path: &Path,
    content: &[u8],
    keep: &WriteSpec<'_>,
    cx: &Context,
) -> Result<PathBuf, ProviderError> {
    let rel = path.strip_prefix("/").unwrap_or(path);
    let dest = cx.backup_root.join(&cx.run_id).join(rel);
    private_dirs(&cx.backup_root, dest.parent().unwrap_or(&cx.backup_root))?;
    let spec = WriteSpec {
        mode: keep.mode,
        owner: keep.owner,
        group: keep.group,
        ..Default::default()
    };
    write_private(&dest, content, &spec).map_err(|e| {
        ProviderError::Invalid(format!("Could not back up {}: {e}", path.display()))
    })?;
    Ok(dest)
}

/// Create `root` and every directory from it down to `dir` with mode 0700, and make
/// `root` itself 0700 if it already existed with more.
fn private_dirs(root: &Path, dir: &Path) -> Result<(), ProviderError> {
    use std::os::unix::fs::DirBuilderExt;
    let mkerr = |p: &Path, e| ProviderError::io("Could not create backup directory", p, e);
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| mkerr(dir, e))?;
    let md = std::fs::symlink_metadata(root).map_err(|e| mkerr(root, e))?;
    if !md.is_dir() {
        return Err(ProviderError::Invalid(format!(
            "Could not back up: {} is not a directory",
            root.display()
        )));
    }
    if md.permissions().mode() & 0o077 != 0 {
        std::fs::set_permissions(root, std::fs::Permissions::from_mode(0o700))
            .map_err(|e| ProviderError::io("Could not change mode of", root, e))?;
    }
    Ok(())
}

/// Put back every file a run backed up (`<backup_root>/<run_id>`), atomically each, with
/// the mode, owner and group it had; returns the restored paths.
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
            let md = std::fs::symlink_metadata(&p)
                .map_err(|e| ProviderError::io("Could not stat", &p, e))?;
            if md.is_dir() {
                stack.push(p);
                continue;
            }
            let Ok(rel) = p.strip_prefix(&base) else {
                continue;
            };
            let target = Path::new("/").join(rel);
            let content = read_nofollow(&p)?;
            write_private(
                &target,
                &content,
                &WriteSpec {
                    mode: md.permissions().mode() & 0o7777,
                    owner: Some(md.uid()),
                    group: Some(md.gid()),
                    ..Default::default()
                },
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
        // A tree under /var/tmp (sticky and world-writable, like /tmp).
        let safe_root =
            Path::new("/var/tmp").join(format!("converge-links-{}", std::process::id()));
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
        // Under sticky /tmp, root's own tree is root's alone (nobody else can rename or
        // remove root's entries there) ...
        assert_eq!(
            follow_safe_symlink(&enabled.join("default")).unwrap(),
            avail.join("default")
        );
        // ... but not a tree another user owns.
        std::os::unix::fs::chown(&base, Some(1000), None).unwrap();
        let err = follow_safe_symlink(&enabled.join("default")).unwrap_err();
        assert!(err.reason.contains("owned by uid 1000"), "{}", err.reason);
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
