//! Small helpers around the machine: finding the programs the test bed runs, running them
//! with their errors captured, process identities that survive PID reuse, mounts.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::error::{Error, Result};

/// Where everything the test bed keeps on the machine lives.
pub(crate) const BASE_DIR: &str = "/var/tmp/converge";

/// The PATH used on the machine and inside hosts: the test process may have a PATH
/// without the sbin directories, where `ip`, `debootstrap` and friends live.
pub(crate) const STD_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// Fails with [`Error::NotRoot`] unless we run as root.
pub(crate) fn require_root() -> Result<()> {
    let uid = nix::unistd::geteuid();
    if uid.is_root() {
        Ok(())
    } else {
        Err(Error::NotRoot {
            uid: uid.as_raw(),
            command: crate::setup::command_as_root(),
        })
    }
}

/// Finds `tool` in the standard PATH, or names the Debian package that provides it.
pub(crate) fn tool(tool: &'static str, package: &'static str) -> Result<PathBuf> {
    let path = std::env::var("PATH").unwrap_or_default();
    for dir in path.split(':').chain(STD_PATH.split(':')) {
        if dir.is_empty() {
            continue;
        }
        let candidate = Path::new(dir).join(tool);
        if is_executable(&candidate) {
            return Ok(candidate);
        }
    }
    Err(Error::MissingTool { tool, package })
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

/// Runs a command to completion with stdin closed; a non-zero exit is an [`Error::Command`].
pub(crate) fn run(cmd: &mut Command, what: &str) -> Result<std::process::Output> {
    let out = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| Error::io(format!("starting {what}"), e))?;
    if !out.status.success() {
        return Err(Error::Command {
            what: what.to_string(),
            status: out.status.to_string(),
            stderr: tail(&String::from_utf8_lossy(&out.stderr), 2000),
        });
    }
    Ok(out)
}

/// The last `max` bytes of a text (on a char boundary), for error messages.
pub(crate) fn tail(text: &str, max: usize) -> String {
    let text = text.trim_end();
    if text.len() <= max {
        return text.to_string();
    }
    let mut start = text.len() - max;
    while !text.is_char_boundary(start) {
        start += 1;
    }
    format!("...{}", &text[start..])
}

/// A command with a clean environment, so nothing of the test process leaks into a host.
pub(crate) fn clean_command(program: impl AsRef<OsStr>) -> Command {
    let mut cmd = Command::new(program);
    cmd.env_clear()
        .env("PATH", STD_PATH)
        .env("HOME", "/root")
        .env("LANG", "C.UTF-8");
    cmd
}

/// The start time of a process in clock ticks since boot (field 22 of `/proc/PID/stat`);
/// together with the PID it names one process even after the PID is reused.
pub(crate) fn start_time(pid: i32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may contain spaces and parentheses: skip past its last `)`.
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(19)?.parse().ok()
}

/// The direct children of a process (needs `/proc/PID/task/PID/children`).
pub(crate) fn children(pid: i32) -> Vec<i32> {
    std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children"))
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|p| p.parse().ok())
        .collect()
}

/// Polls `check` every few milliseconds until it yields a value or `limit` passes.
pub(crate) fn poll<T>(
    what: impl FnOnce() -> String,
    limit: Duration,
    mut check: impl FnMut() -> Result<Option<T>>,
) -> Result<T> {
    let start = Instant::now();
    let mut pause = Duration::from_millis(1);
    loop {
        if let Some(v) = check()? {
            return Ok(v);
        }
        if start.elapsed() > limit {
            return Err(Error::Timeout {
                what: what(),
                secs: limit.as_secs_f64(),
            });
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(20));
    }
}

/// Mounts a file system on the machine.
pub(crate) fn mount(
    fstype: &str,
    target: &Path,
    flags: nix::mount::MsFlags,
    options: &str,
) -> Result<()> {
    nix::mount::mount(Some(fstype), target, Some(fstype), flags, Some(options)).map_err(|e| {
        Error::NoNamespaces {
            what: format!("a {fstype} mount on {}", target.display()),
            detail: e.to_string(),
        }
    })
}

/// Unmounts `target` and everything below it; a busy mount is detached lazily so it
/// leaves the mount table at once.
pub(crate) fn umount_tree(target: &Path) {
    let prefix = target.to_string_lossy().to_string();
    // Innermost first: longest mount points first.
    let mut points: Vec<String> = std::fs::read_to_string("/proc/self/mounts")
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split(' ').nth(1))
        .map(unescape_mount_path)
        .filter(|p| *p == prefix || p.starts_with(&format!("{prefix}/")))
        .collect();
    points.sort_by_key(|p| std::cmp::Reverse(p.len()));
    points.dedup();
    for p in points {
        if nix::mount::umount(p.as_str()).is_err() {
            let _ = nix::mount::umount2(p.as_str(), nix::mount::MntFlags::MNT_DETACH);
        }
    }
}

/// `/proc/mounts` writes spaces, tabs, newlines and backslashes in octal.
fn unescape_mount_path(raw: &str) -> String {
    raw.replace("\\040", " ")
        .replace("\\011", "\t")
        .replace("\\012", "\n")
        .replace("\\134", "\\")
}

/// Whether something is mounted at or below `target`.
pub(crate) fn is_mounted_below(target: &Path) -> bool {
    let prefix = target.to_string_lossy().to_string();
    std::fs::read_to_string("/proc/self/mounts")
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split(' ').nth(1))
        .map(unescape_mount_path)
        .any(|p| p == prefix || p.starts_with(&format!("{prefix}/")))
}

/// The cgroup hierarchies systemd tracks processes in: every cgroup2 mount, and the v1
/// `name=systemd` hierarchy of a hybrid setup.
pub(crate) fn systemd_cgroup_roots() -> Vec<PathBuf> {
    std::fs::read_to_string("/proc/self/mounts")
        .unwrap_or_default()
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split(' ').collect();
            let (point, fstype, opts) = (f.get(1)?, f.get(2)?, f.get(3)?);
            let tracked = *fstype == "cgroup2"
                || (*fstype == "cgroup" && opts.split(',').any(|o| o == "name=systemd"));
            tracked.then(|| PathBuf::from(unescape_mount_path(point)))
        })
        .collect()
}

/// Kills every process in a cgroup and the cgroups below it, removes them deepest first,
/// and waits a little for the kernel to release the cgroups of processes that just died.
/// The cgroup is the reliable list of a systemd host's processes: when a crashed run left
/// a container whose systemd was never recorded, killing nspawn alone leaves systemd running.
pub(crate) fn remove_cgroup_tree(dir: &Path) {
    fn dirs(dir: &Path, out: &mut Vec<PathBuf>) {
        if let Ok(entries) = std::fs::read_dir(dir) {
            for e in entries.flatten() {
                if e.file_type().map(|t| t.is_dir()).unwrap_or(false) {
                    dirs(&e.path(), out);
                }
            }
        }
        out.push(dir.to_path_buf());
    }
    let _ = poll(
        || format!("cgroup {} to empty", dir.display()),
        Duration::from_secs(5),
        || {
            let mut all = Vec::new();
            dirs(dir, &mut all);
            for d in &all {
                let procs = std::fs::read_to_string(d.join("cgroup.procs")).unwrap_or_default();
                for pid in procs.lines().filter_map(|p| p.trim().parse::<i32>().ok()) {
                    let _ = nix::sys::signal::kill(
                        nix::unistd::Pid::from_raw(pid),
                        nix::sys::signal::Signal::SIGKILL,
                    );
                }
            }
            for d in &all {
                let _ = std::fs::remove_dir(d);
            }
            Ok((!dir.exists()).then_some(()))
        },
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_tool_names_its_package() {
        let err = tool("surely-not-a-real-tool-xyz", "some-package").unwrap_err();
        assert!(err.to_string().contains("some-package"), "{err}");
    }

    #[test]
    fn start_time_of_ourselves_is_stable() {
        let me = std::process::id() as i32;
        let a = start_time(me);
        assert!(a.is_some());
        assert_eq!(a, start_time(me));
    }

    #[test]
    fn tail_keeps_the_end() {
        assert_eq!(tail("abcdef", 3), "...def");
        assert_eq!(tail("abc\n", 10), "abc");
    }
}
