//! Directories opened without trusting what another user could have planted on the way.
//!
//! converge runs as root and writes where manifests say, often below directories other users
//! can write to (`/tmp`, `/srv/share`, a home directory, a web root owned by `www-data`).
//! Path-based calls follow every symlink in the path, so a user who plants
//! `/srv/share/conf -> /etc` turns a write to `/srv/share/conf/shadow` into a write to
//! `/etc/shadow`, and can swap a directory for such a link between a check and a write.
//!
//! [`SafeDir::open`] walks a directory path one component at a time from `/` with
//! `openat(O_NOFOLLOW)`, and follows a symlink only when root alone can change it: the link
//! is root's and sits in a directory owned by root that neither group nor others can write
//! (or a sticky one, like `/tmp`, where nobody else can replace root's link), the policy of
//! [`crate::fsutil::follow_safe_symlink`]. Every later
//! operation (`openat`, `renameat`, `fchmodat`, ...) is relative to the directory it opened,
//! so nothing can be swapped underneath it afterwards, and none of them follows a symlink
//! at the final component.

use crate::provider::ProviderError;
use nix::errno::Errno;
use nix::fcntl::AtFlags;
use nix::fcntl::{openat, OFlag};
use nix::sys::stat::{fstat, fstatat, FileStat, Mode, SFlag};
use std::ffi::OsString;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Component, Path, PathBuf};

/// How many symlinks a walk follows before it gives up (the kernel's own limit).
const MAX_HOPS: usize = 40;

/// A directory opened by [`SafeDir::open`]: an open descriptor plus the path it was opened
/// by (for messages).
#[derive(Debug)]
pub struct SafeDir {
    fd: OwnedFd,
    path: PathBuf,
}

/// Who besides root could replace `entry` in directory `dir` (rename it away, put a link in
/// its place), worded for a message; `None` when root alone can. That is the case when the
/// directory is owned by root and neither its group (unless root's) nor others can write
/// it, or when it is sticky (`/tmp`) and the entry is root's own.
fn others_can_replace(dir: &FileStat, entry: &FileStat) -> Option<String> {
    let mode = dir.st_mode;
    let root_only = dir.st_uid == 0 && mode & 0o002 == 0 && (mode & 0o020 == 0 || dir.st_gid == 0);
    let sticky_and_roots = mode & 0o1000 != 0 && dir.st_uid == 0 && entry.st_uid == 0;
    if entry.st_uid != 0 && is_kind(entry, SFlag::S_IFLNK) {
        // Its owner can replace it wherever it is (as fsutil::follow_safe_symlink says).
        return Some(user_name(entry.st_uid));
    }
    if root_only || sticky_and_roots {
        return None;
    }
    let group = |gid: u32| {
        nix::unistd::Group::from_gid(gid.into())
            .ok()
            .flatten()
            .map_or(format!("gid {gid}"), |g| format!("group {}", g.name))
    };
    let mut who = Vec::new();
    if dir.st_uid != 0 {
        who.push(user_name(dir.st_uid));
    }
    if mode & 0o020 != 0 && dir.st_gid != 0 {
        who.push(group(dir.st_gid));
    }
    if mode & 0o002 != 0 {
        who.push("every user".to_string());
    }
    if who.is_empty() {
        who.push(user_name(entry.st_uid));
    }
    Some(who.join(" and "))
}

fn user_name(uid: u32) -> String {
    nix::unistd::User::from_uid(uid.into())
        .ok()
        .flatten()
        .map_or(format!("uid {uid}"), |u| format!("user {}", u.name))
}

fn io(op: &'static str, path: &Path, e: Errno) -> ProviderError {
    ProviderError::io(op, path, std::io::Error::from(e))
}

fn is_kind(st: &FileStat, kind: SFlag) -> bool {
    SFlag::from_bits_truncate(st.st_mode) & SFlag::S_IFMT == kind
}

/// Why the walk stopped.
enum Stop {
    /// A component does not exist or is not a directory.
    Missing,
    /// Anything else, already worded.
    Error(ProviderError),
}

impl SafeDir {
    /// Open directory `dir` (absolute, or relative to the working directory), following
    /// only symlinks that root alone can change. Fails naming the link when a symlink on
    /// the way sits where another user could have put it.
    pub fn open(dir: &Path) -> Result<SafeDir, ProviderError> {
        match walk(dir) {
            Ok(fd) => Ok(SafeDir {
                fd,
                path: dir.to_path_buf(),
            }),
            Err(Stop::Missing) => Err(ProviderError::io(
                "Could not open directory",
                dir,
                std::io::Error::from(std::io::ErrorKind::NotFound),
            )),
            Err(Stop::Error(e)) => Err(e),
        }
    }

    /// Like [`SafeDir::open`], but `Ok(None)` when the directory (or one above it) does
    /// not exist or is not a directory.
    pub fn open_existing(dir: &Path) -> Result<Option<SafeDir>, ProviderError> {
        match walk(dir) {
            Ok(fd) => Ok(Some(SafeDir {
                fd,
                path: dir.to_path_buf(),
            })),
            Err(Stop::Missing) => Ok(None),
            Err(Stop::Error(e)) => Err(e),
        }
    }

    /// The path this directory was opened by.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The descriptor, for `*at` calls.
    pub fn fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }

    /// `name` in this directory, as a path for messages and for commands.
    pub fn join(&self, name: &Path) -> PathBuf {
        self.path.join(name)
    }

    /// `lstat` of `name`; `None` when it does not exist.
    pub fn lstat(&self, name: &Path) -> Result<Option<FileStat>, ProviderError> {
        match fstatat(self.fd(), name, AtFlags::AT_SYMLINK_NOFOLLOW) {
            Ok(st) => Ok(Some(st)),
            Err(Errno::ENOENT) | Err(Errno::ENOTDIR) => Ok(None),
            Err(e) => Err(io("Could not stat", &self.join(name), e)),
        }
    }

    /// `openat` of `name` with `flags`, never following a symlink there.
    fn open_at(
        &self,
        name: &Path,
        flags: OFlag,
        op: &'static str,
    ) -> Result<OwnedFd, ProviderError> {
        openat(
            self.fd(),
            name,
            flags | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
            Mode::empty(),
        )
        .map_err(|e| io(op, &self.join(name), e))
    }

    /// Open `name` for reading without following a symlink; with its metadata.
    pub fn open_read(&self, name: &Path) -> Result<(std::fs::File, FileStat), ProviderError> {
        let fd = self.open_at(name, OFlag::O_RDONLY | OFlag::O_NONBLOCK, "Could not read")?;
        let st = fstat(&fd).map_err(|e| io("Could not stat", &self.join(name), e))?;
        Ok((std::fs::File::from(fd), st))
    }

    /// The target of symlink `name`.
    pub fn read_link(&self, name: &Path) -> Result<PathBuf, ProviderError> {
        nix::fcntl::readlinkat(self.fd(), name)
            .map(PathBuf::from)
            .map_err(|e| io("Could not read link", &self.join(name), e))
    }

    /// Rename `from` to `to`, both in this directory (atomic; replaces `to`, never
    /// following it).
    pub fn rename(&self, from: &Path, to: &Path) -> Result<(), ProviderError> {
        nix::fcntl::renameat(self.fd(), from, self.fd(), to)
            .map_err(|e| io("Could not rename into place", &self.join(to), e))
    }

    /// Remove file or symlink `name`.
    pub fn unlink(&self, name: &Path) -> Result<(), ProviderError> {
        nix::unistd::unlinkat(self.fd(), name, nix::unistd::UnlinkatFlags::NoRemoveDir)
            .map_err(|e| io("Could not remove", &self.join(name), e))
    }

    /// Remove directory `name` and everything in it, following no symlink inside.
    pub fn remove_tree(&self, name: &Path) -> Result<(), ProviderError> {
        let sub = self.child(name)?;
        let entries = {
            let dup = sub
                .fd
                .try_clone()
                .map_err(|e| ProviderError::io("Could not read", sub.path(), e))?;
            let dir =
                nix::dir::Dir::from_fd(dup).map_err(|e| io("Could not read", sub.path(), e))?;
            let mut names = Vec::new();
            for entry in dir {
                let entry = entry.map_err(|e| io("Could not read", sub.path(), e))?;
                let n = entry.file_name().to_bytes();
                if n != b"." && n != b".." {
                    names.push(PathBuf::from(std::ffi::OsStr::from_bytes(n)));
                }
            }
            names
        };
        for n in entries {
            match sub.lstat(&n)? {
                Some(st) if is_kind(&st, SFlag::S_IFDIR) => sub.remove_tree(&n)?,
                Some(_) => sub.unlink(&n)?,
                None => {}
            }
        }
        nix::unistd::unlinkat(self.fd(), name, nix::unistd::UnlinkatFlags::RemoveDir)
            .map_err(|e| io("Could not remove", &self.join(name), e))
    }

    /// Subdirectory `name`, which must be a real directory (not a symlink).
    pub fn child(&self, name: &Path) -> Result<SafeDir, ProviderError> {
        let fd = self.open_at(
            name,
            OFlag::O_RDONLY | OFlag::O_DIRECTORY,
            "Could not open directory",
        )?;
        Ok(SafeDir {
            fd,
            path: self.join(name),
        })
    }

    /// Create directory `name` with exactly `mode` (the umask does not apply).
    pub fn mkdir(&self, name: &Path, mode: u32) -> Result<(), ProviderError> {
        nix::sys::stat::mkdirat(self.fd(), name, Mode::from_bits_truncate(0o700))
            .map_err(|e| io("Could not create directory", &self.join(name), e))?;
        self.chmod(name, mode)
    }

    /// Change the mode of `name`; fails rather than follow a symlink.
    pub fn chmod(&self, name: &Path, mode: u32) -> Result<(), ProviderError> {
        match nix::sys::stat::fchmodat(
            self.fd(),
            name,
            Mode::from_bits_truncate(mode),
            nix::sys::stat::FchmodatFlags::NoFollowSymlink,
        ) {
            // glibc before 2.32 (Debian 11) refuses AT_SYMLINK_NOFOLLOW here outright.
            Err(Errno::EOPNOTSUPP) => self.chmod_through_proc(name, mode),
            r => r.map_err(|e| io("Could not change mode of", &self.join(name), e)),
        }
    }

    /// `chmod` without following a symlink, as glibc 2.32 emulates it: open the entry
    /// itself (`O_PATH | O_NOFOLLOW`), refuse a symlink, and change the mode through
    /// `/proc/self/fd`, which names that inode and nothing a link could redirect.
    fn chmod_through_proc(&self, name: &Path, mode: u32) -> Result<(), ProviderError> {
        use std::os::fd::AsRawFd;
        use std::os::unix::fs::PermissionsExt;
        let fail = |e| io("Could not change mode of", &self.join(name), e);
        let fd = openat(
            self.fd(),
            name,
            OFlag::O_PATH | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
            Mode::empty(),
        )
        .map_err(fail)?;
        let st = fstat(&fd).map_err(fail)?;
        if is_kind(&st, SFlag::S_IFLNK) {
            return Err(fail(Errno::ELOOP));
        }
        let proc_path = format!("/proc/self/fd/{}", fd.as_raw_fd());
        std::fs::set_permissions(&proc_path, std::fs::Permissions::from_mode(mode & 0o7777))
            .map_err(|e| fail(Errno::from_raw(e.raw_os_error().unwrap_or(0))))
    }

    /// Change the owner and group of `name` (of a symlink itself, never of its target).
    pub fn chown(
        &self,
        name: &Path,
        owner: Option<u32>,
        group: Option<u32>,
    ) -> Result<(), ProviderError> {
        nix::unistd::fchownat(
            self.fd(),
            name,
            owner.map(Into::into),
            group.map(Into::into),
            AtFlags::AT_SYMLINK_NOFOLLOW,
        )
        .map_err(|e| io("Could not change ownership of", &self.join(name), e))
    }

    /// Create symlink `name` pointing at `target` (fails if `name` exists).
    pub fn symlink(&self, target: &str, name: &Path) -> Result<(), ProviderError> {
        nix::unistd::symlinkat(target, self.fd(), name)
            .map_err(|e| io("Could not create link", &self.join(name), e))
    }

    /// fsync the directory, so that a rename in it survives a crash; best effort (some
    /// file systems refuse it, and there is nothing better to do then).
    pub fn sync(&self) {
        let _ = nix::unistd::fsync(&self.fd);
    }
}

/// Walk `dir` from `/`, following only symlinks root alone can change.
fn walk(dir: &Path) -> Result<OwnedFd, Stop> {
    let absolute = if dir.is_absolute() {
        dir.to_path_buf()
    } else {
        std::env::current_dir()
            .map_err(|e| Stop::Error(ProviderError::io("Could not resolve", dir, e)))?
            .join(dir)
    };
    let open_dir = |at: Option<BorrowedFd<'_>>, name: &Path| {
        let flags = OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC;
        match at {
            Some(fd) => openat(fd, name, flags, Mode::empty()),
            None => nix::fcntl::open(name, flags, Mode::empty()),
        }
    };
    // The open directories from `/` down, with the path each was reached by.
    let root = open_dir(None, Path::new("/"))
        .map_err(|e| Stop::Error(io("Could not open directory", Path::new("/"), e)))?;
    let mut stack: Vec<(OwnedFd, PathBuf)> = vec![(root, PathBuf::from("/"))];
    let mut todo: Vec<OsString> = components(&absolute);
    todo.reverse();
    let mut hops = 0;
    while let Some(name) = todo.pop() {
        let name = Path::new(&name);
        if name == Path::new("..") {
            if stack.len() > 1 {
                stack.pop();
            }
            continue;
        }
        let (cur, cur_path) = stack.last().expect("the root stays on the stack");
        let here = cur_path.join(name);
        match open_dir(Some(cur.as_fd()), name) {
            Ok(fd) => stack.push((fd, here)),
            Err(Errno::ENOENT) => return Err(Stop::Missing),
            Err(Errno::ELOOP) | Err(Errno::ENOTDIR) => {
                let st = fstatat(cur.as_fd(), name, AtFlags::AT_SYMLINK_NOFOLLOW)
                    .map_err(|e| Stop::Error(io("Could not stat", &here, e)))?;
                if !is_kind(&st, SFlag::S_IFLNK) {
                    return Err(Stop::Missing);
                }
                let holder =
                    fstat(cur).map_err(|e| Stop::Error(io("Could not stat", cur_path, e)))?;
                let target = nix::fcntl::readlinkat(cur.as_fd(), name)
                    .map_err(|e| Stop::Error(io("Could not read link", &here, e)))?;
                let target = PathBuf::from(target);
                if let Some(who) = others_can_replace(&holder, &st) {
                    return Err(Stop::Error(planted(&here, &target, &who, cur_path)));
                }
                hops += 1;
                if hops > MAX_HOPS {
                    return Err(Stop::Error(io("Could not resolve", &here, Errno::ELOOP)));
                }
                if target.is_absolute() {
                    stack.truncate(1);
                }
                let mut more = components(&target);
                more.reverse();
                todo.extend(more);
            }
            Err(e) => return Err(Stop::Error(io("Could not open directory", &here, e))),
        }
    }
    Ok(stack.pop().expect("the root stays on the stack").0)
}

/// The normal and `..` components of a path (`/` and `.` dropped).
fn components(p: &Path) -> Vec<OsString> {
    p.components()
        .filter_map(|c| match c {
            Component::Normal(n) => Some(n.to_os_string()),
            Component::ParentDir => Some(OsString::from("..")),
            _ => None,
        })
        .collect()
}

/// The error for a symlink another user could have planted or retargeted.
fn planted(link: &Path, target: &Path, who: &str, dir: &Path) -> ProviderError {
    crate::fsutil::UnsafeLink {
        link: link.to_path_buf(),
        target: target.to_path_buf(),
        reason: format!(
            "{who} can change what is in {}, so the link may have been planted",
            dir.display()
        ),
    }
    .error()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chmod_through_proc_changes_a_file_and_refuses_a_symlink() {
        // The fallback for glibc before 2.32 (Debian 11), where fchmodat refused to run.
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("f"), "x").unwrap();
        std::os::unix::fs::symlink("f", tmp.path().join("l")).unwrap();
        let d = SafeDir::open(tmp.path()).unwrap();
        d.chmod_through_proc(Path::new("f"), 0o640).unwrap();
        let mode = std::fs::metadata(tmp.path().join("f"))
            .unwrap()
            .permissions();
        assert_eq!(
            std::os::unix::fs::PermissionsExt::mode(&mode) & 0o7777,
            0o640
        );
        assert!(d.chmod_through_proc(Path::new("l"), 0o600).is_err());
        let mode = std::fs::metadata(tmp.path().join("f"))
            .unwrap()
            .permissions();
        assert_eq!(
            std::os::unix::fs::PermissionsExt::mode(&mode) & 0o7777,
            0o640
        );
    }
    use std::os::unix::fs::{symlink, PermissionsExt};

    fn chmod(p: &Path, mode: u32) {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
    }

    #[test]
    fn a_symlink_in_a_directory_others_can_write_is_refused_by_name() {
        let t = tempfile::tempdir().unwrap();
        let share = t.path().join("share");
        std::fs::create_dir(&share).unwrap();
        chmod(&share, 0o1777);
        let etc = t.path().join("etc");
        std::fs::create_dir(&etc).unwrap();
        symlink(&etc, share.join("conf")).unwrap();
        // Planted by another user: in a sticky directory, the link's owner can swap it.
        std::os::unix::fs::lchown(share.join("conf"), Some(65534), None).unwrap();
        let err = SafeDir::open(&share.join("conf")).unwrap_err().to_string();
        assert!(
            err.contains(&format!(
                "refusing to follow the symbolic link {}",
                share.join("conf").display()
            )) && err.contains("user nobody can change what is in"),
            "{err}"
        );
        // Root's own link in the sticky directory: nobody else can replace it.
        std::os::unix::fs::lchown(share.join("conf"), Some(0), None).unwrap();
        let d = SafeDir::open(&share.join("conf")).unwrap();
        std::fs::write(etc.join("x"), "x").unwrap();
        assert!(d.lstat(Path::new("x")).unwrap().is_some());
        // In a directory everyone can write and that is not sticky, even root's link could
        // have been swapped.
        chmod(&share, 0o777);
        let err = SafeDir::open(&share.join("conf")).unwrap_err().to_string();
        assert!(err.contains("every user can change what is in"), "{err}");
    }

    #[test]
    fn missing_and_relative_paths_and_dot_dot_walk_like_the_kernel() {
        let t = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(t.path().join("a/b")).unwrap();
        symlink("../a/b", t.path().join("a/up")).unwrap();
        let d = SafeDir::open(&t.path().join("a/up/../b")).unwrap();
        assert_eq!(d.path(), t.path().join("a/up/../b"));
        assert!(SafeDir::open_existing(&t.path().join("nope/x"))
            .unwrap()
            .is_none());
        std::fs::write(t.path().join("f"), "").unwrap();
        assert!(SafeDir::open_existing(&t.path().join("f/x"))
            .unwrap()
            .is_none());
    }
}
