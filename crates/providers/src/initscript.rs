//! An init-script service's state read straight from the files its commands would read,
//! without spawning them: `service NAME status` for init scripts converge knows byte for
//! byte (the nginx and haproxy scripts, byte-identical in Debian 11, 12 and 13), and
//! `invoke-rc.d --query NAME start` where no
//! runlevel is known (a host without an init daemon, like the test hosts).
//!
//! Why: those commands are shell scripts that spawn 2-10 processes each, most of a no-op
//! run's time. Every function here answers `None` when anything differs from the case it
//! emulates (another script, a defaults file with settings, a policy-rc.d, a utmp, running
//! as non-root...), and the provider then runs the command as Puppet does. Each emulation
//! follows the shell code line by line, including its quirks (a stale pid file whose pid
//! was reused reads as running, exactly as `status_of_proc` would say; an empty haproxy
//! pid file reads as running, as its `for pid in $(cat $PIDFILE)` loop finds nothing
//! wrong).

use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// An init script converge can answer `status` for: its name, the SHA-256 of the exact
/// script and what its `status` action decides once the checks all scripts share passed.
struct Known {
    name: &'static str,
    sha256: &'static str,
    /// The daemon the script tests with `test -x $DAEMON || exit 0` (a missing daemon
    /// makes `status` exit 0).
    daemon: &'static str,
    /// Running or not, `None` when the script's answer cannot be told exactly.
    status: fn(&Path) -> Option<bool>,
}

const KNOWN: &[Known] = &[
    Known {
        // nginx-common 1.22.1-9+deb12u* (Debian 12; the same bytes in 1.18.0-6.1+deb11u*
        // and 1.26.3-3+deb13u*): `status_of_proc -p $PID "$DAEMON"
        // "$NAME"`.
        name: "nginx",
        sha256: "d856e15d5604ac0f430afe70b90ead159314049c431292f0c6a07238d0717627",
        daemon: "usr/sbin/nginx",
        status: nginx_status,
    },
    Known {
        // haproxy 2.6.12-1+deb12u* (Debian 12; the same bytes in 2.2.9-2+deb11u* and
        // 3.0.11-1+deb13u*): its own `haproxy_status`, with ps(1).
        name: "haproxy",
        sha256: "21da8cfd200693ffc88741504baa3f770ca1990637ea0ff316646607e25dceef",
        daemon: "usr/sbin/haproxy",
        status: haproxy_status,
    },
];

/// The hooks Debian's lsb-base ships in `/lib/lsb/init-functions.d`; another hook could
/// redefine `status_of_proc`.
const LSB_HOOKS: [&str; 2] = ["00-verbose", "40-systemd"];

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// Whether a defaults file sourced by the script sets nothing (absent, or only comments
/// and blank lines, as Debian ships them).
fn defaults_inert(path: &Path) -> bool {
    match std::fs::read_to_string(path) {
        Ok(text) => text
            .lines()
            .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#')),
        Err(e) => e.kind() == std::io::ErrorKind::NotFound,
    }
}

/// Whether the init system is one the commands would bypass: systemd (`service` and
/// `invoke-rc.d` then ask systemctl) or OpenRC.
fn other_init(root: &Path) -> bool {
    root.join("run/systemd/system").exists() || root.join("run/openrc/softlevel").exists()
}

/// What `service NAME status` would say (running or not) under `root` (`/` on a host), or
/// `None` when converge cannot be sure and must run it.
pub(crate) fn status(root: &Path, name: &str) -> Option<bool> {
    // As non-root, `kill -0` fails on a root daemon and pidofproc falls back to `ps`.
    if !nix::unistd::geteuid().is_root() || other_init(root) {
        return None;
    }
    let script_path = root.join("etc/init.d").join(name);
    if !is_executable(&script_path) {
        return None;
    }
    let script = std::fs::read(&script_path).ok()?;
    let digest = hex(&Sha256::digest(&script));
    let known = KNOWN
        .iter()
        .find(|k| k.name == name && k.sha256 == digest)?;
    let hooks_known = std::fs::read_dir(root.join("lib/lsb/init-functions.d"))
        .ok()?
        .flatten()
        .all(|e| LSB_HOOKS.iter().any(|h| e.file_name() == *h));
    // Both scripts source init-functions unconditionally; without it they stop there.
    if !hooks_known
        || !root.join("lib/lsb/init-functions").is_file()
        || !defaults_inert(&root.join("etc/default").join(name))
        || !is_executable(&root.join(known.daemon))
    {
        return None;
    }
    (known.status)(root)
}

/// nginx's `status`: `status_of_proc -p $PID`, with the pid file nginx.conf names.
fn nginx_status(root: &Path) -> Option<bool> {
    pid_file_running(root, &nginx_pid_file(root)?)
}

/// The pid file Debian's nginx init script uses: the first `pid` directive of nginx.conf
/// as its shell pipeline finds it, else `/run/nginx.pid`:
/// `cat nginx.conf | grep -Ev '^\s*#' | awk 'BEGIN { RS="[;{}]" } { if ($1 == "pid")
/// print $2 }' | head -n1`.
fn nginx_pid_file(root: &Path) -> Option<PathBuf> {
    let conf = std::fs::read(root.join("etc/nginx/nginx.conf")).unwrap_or_default();
    let conf = String::from_utf8(conf).ok()?;
    // grep's `\s` is [ \t\n\r\f\v]; awk's default field separator is [ \t\n]+.
    let kept: Vec<&str> = conf
        .split('\n')
        .filter(|l| {
            !l.trim_start_matches([' ', '\t', '\r', '\x0b', '\x0c'])
                .starts_with('#')
        })
        .collect();
    let kept = kept.join("\n");
    let found = kept
        .split([';', '{', '}'])
        .map(|record| {
            record
                .split([' ', '\t', '\n'])
                .filter(|f| !f.is_empty())
                .collect::<Vec<_>>()
        })
        .find(|fields| fields.first() == Some(&"pid"))
        .map(|fields| fields.get(1).copied().unwrap_or("").to_string())
        .unwrap_or_default();
    let pid = if found.is_empty() {
        "/run/nginx.pid".to_string()
    } else {
        found
    };
    // `-p $PID` is unquoted: a glob would expand. Relative paths are relative to `/`, where
    // `service` runs scripts.
    if pid.contains(['*', '?', '[']) {
        return None;
    }
    Some(root.join(pid.trim_start_matches('/')))
}

/// `pidofproc -p FILE` from /lib/lsb/init-functions, as root: running iff the file exists,
/// its first line holds a pid and `kill -0` reaches that process (so /proc has it).
fn pid_file_running(root: &Path, pid_file: &Path) -> Option<bool> {
    let text = match std::fs::read(pid_file) {
        Ok(t) => t,
        // "specified pid file doesn't exist, program probably stopped"
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Some(false),
        Err(_) => return None,
    };
    let text = String::from_utf8(text).ok()?;
    // `read pid < FILE`: the first line without surrounding blanks.
    let pid = text.lines().next().unwrap_or("").trim_matches([' ', '\t']);
    if pid.is_empty() {
        return Some(false);
    }
    // `kill -0` of 0 or a negative number signals a process group, and of a word fails
    // in ways not worth copying: let the script answer those.
    if !pid.bytes().all(|b| b.is_ascii_digit()) || pid.trim_start_matches('0').is_empty() {
        return None;
    }
    Some(root.join("proc").join(pid).exists())
}

/// haproxy's `status`, after `test -x $HAPROXY || exit 0` and `. /etc/default/haproxy`
/// (checked by [`status`]):
///
/// ```sh
/// test -f "$CONFIG" || exit 0
/// [ -f /etc/default/rcS ] && . /etc/default/rcS
/// . /lib/lsb/init-functions
/// ...
/// haproxy_status: [ ! -f $PIDFILE ] && return 3
///     for pid in $(cat $PIDFILE); do
///         ps --no-headers p "$pid" | grep haproxy > /dev/null || return 1
///     done; return 0
/// ```
///
/// with `CONFIG=/etc/haproxy/haproxy.cfg`, `PIDFILE=/var/run/haproxy.pid` and
/// `PATH=/sbin:/usr/sbin:/bin:/usr/bin`.
fn haproxy_status(root: &Path) -> Option<bool> {
    // `test -f` follows links and fails on any error: no config, and `status` says 0.
    if !std::fs::metadata(root.join("etc/haproxy/haproxy.cfg")).is_ok_and(|m| m.is_file()) {
        return Some(true);
    }
    if !defaults_inert(&root.join("etc/default/rcS")) {
        return None;
    }
    let ps = ps_command(root)?;
    haproxy_pid_file_running(root, &root.join("var/run/haproxy.pid"), ps)
}

/// The `ps` the script's `PATH` finds: `Some(true)` for procps's `/usr/bin/ps`,
/// `Some(false)` for none at all (`ps: not found`, so every pid reads as dead), `None` for
/// anything else.
fn ps_command(root: &Path) -> Option<bool> {
    let procps = std::fs::canonicalize(root.join("usr/bin/ps")).ok();
    for dir in ["sbin", "usr/sbin", "bin", "usr/bin"] {
        let candidate = root.join(dir).join("ps");
        match std::fs::symlink_metadata(&candidate) {
            Ok(_) => {
                let same = procps.is_some() && std::fs::canonicalize(&candidate).ok() == procps;
                return (same && is_executable(&candidate)).then_some(true);
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(_) => return None,
        }
    }
    Some(false)
}

/// The longest command line [`ps_shows_haproxy`] reads: far below what ps prints into a
/// pipe (it only cuts lines at a terminal's width), so nothing here is ever cut.
const MAX_CMDLINE: usize = 4096;

/// `haproxy_status` from its pid file on: not running without the file; running when
/// every pid in it is a process whose command line holds `haproxy` (so also when the
/// file holds no pid at all). `have_ps`: whether procps's `ps` is on the script's PATH.
fn haproxy_pid_file_running(root: &Path, pid_file: &Path, have_ps: bool) -> Option<bool> {
    match std::fs::metadata(pid_file) {
        // `[ ! -f $PIDFILE ]`: return 3, "not running".
        Ok(m) if !m.is_file() => return Some(false),
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Some(false),
        Err(_) => return None,
    }
    let text = String::from_utf8(std::fs::read(pid_file).ok()?).ok()?;
    // `$(cat $PIDFILE)` unquoted: split at the default IFS (and globbed, but digits never
    // are). Other characters would reach ps in ways not worth copying.
    if !text
        .chars()
        .all(|c| c.is_ascii_digit() || [' ', '\t', '\n'].contains(&c))
    {
        return None;
    }
    for pid in text.split([' ', '\t', '\n']).filter(|w| !w.is_empty()) {
        // ps reads a leading 0 its own way; pid_max is at most 4194304.
        if pid.starts_with('0') || pid.len() > 7 {
            return None;
        }
        // `ps: not found`: the pipeline fails, "dead, but pid file exists" (1).
        if !have_ps || !ps_shows_haproxy(root, pid)? {
            return Some(false);
        }
    }
    Some(true)
}

/// Whether `ps --no-headers p PID | grep haproxy` matches: ps prints one line for a
/// process (none for a thread that is not its process's main one, nor for no process),
/// and of that line only the command line can hold `haproxy`.
fn ps_shows_haproxy(root: &Path, pid: &str) -> Option<bool> {
    let dir = root.join("proc").join(pid);
    let status = match std::fs::read_to_string(dir.join("status")) {
        Ok(s) => s,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Some(false),
        Err(_) => return None,
    };
    let tgid = status.lines().find_map(|l| l.strip_prefix("Tgid:"))?.trim();
    if tgid != pid {
        return Some(false);
    }
    let cmdline = std::fs::read(dir.join("cmdline")).ok()?;
    // An empty command line (a zombie, a kernel thread) shows as `[comm]`, and ps escapes
    // unprintable bytes: leave those to ps.
    if cmdline.is_empty()
        || cmdline.len() > MAX_CMDLINE
        || !cmdline.iter().all(|b| *b == 0 || (b' '..=b'~').contains(b))
    {
        return None;
    }
    // ps joins the arguments with spaces: `hap` `roxy` is no match.
    let line: Vec<u8> = cmdline
        .iter()
        .map(|b| if *b == 0 { b' ' } else { *b })
        .collect();
    Some(line.windows(b"haproxy".len()).any(|w| w == b"haproxy"))
}

/// What `invoke-rc.d --quiet --query NAME start` leaves to the provider's start-link count,
/// i.e. `Some(())` when it would exit 101 or 105 (no runlevel known: no utmp; no
/// policy-rc.d), `None` when it might say something else and must be run.
pub(crate) fn query_defers_to_links(root: &Path) -> Option<()> {
    // `runlevel` reads utmp; without one it fails and invoke-rc.d goes on with no runlevel,
    // then answers 105 (script executable, /sbin/init present) or 101: both mean "look at
    // the links". A policy-rc.d could answer anything.
    // systemd's `runlevel` believes $RUNLEVEL before utmp (set while init runs scripts).
    let decided_elsewhere = other_init(root)
        || std::env::var_os("RUNLEVEL").is_some_and(|v| !v.is_empty())
        || root.join("run/utmp").exists()
        || root.join("var/run/utmp").exists()
        || root.join("usr/sbin/policy-rc.d").exists()
        // Without invoke-rc.d the provider reads the failure as "not enabled".
        || !is_executable(&root.join("usr/sbin/invoke-rc.d"));
    (!decided_elsewhere).then_some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conf(root: &Path, text: &str) {
        std::fs::create_dir_all(root.join("etc/nginx")).unwrap();
        std::fs::write(root.join("etc/nginx/nginx.conf"), text).unwrap();
    }

    #[test]
    fn nginx_pid_file_follows_the_scripts_pipeline() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        // No nginx.conf: the script's default.
        assert_eq!(nginx_pid_file(root), Some(root.join("run/nginx.pid")));
        conf(
            root,
            "user www-data;\nworker_processes auto;\npid /run/nginx.pid;\n",
        );
        assert_eq!(nginx_pid_file(root), Some(root.join("run/nginx.pid")));
        // Commented lines are dropped; a pid inside a block still counts (awk sees records).
        conf(
            root,
            "#pid /old.pid;\n  # pid /older.pid;\nevents { pid /in/events.pid; }\npid /x.pid;",
        );
        assert_eq!(nginx_pid_file(root), Some(root.join("in/events.pid")));
        // A directive split over lines is one record to awk.
        conf(root, "pid\n   /var/run/split.pid\n;");
        assert_eq!(nginx_pid_file(root), Some(root.join("var/run/split.pid")));
        // `pid;` prints an empty line: the script falls back to its default.
        conf(root, "pid;\npid /later.pid;");
        assert_eq!(nginx_pid_file(root), Some(root.join("run/nginx.pid")));
        conf(root, "pid /run/*.pid;");
        assert_eq!(nginx_pid_file(root), None);
    }

    #[test]
    fn pid_file_reads_like_pidofproc() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let pid_file = root.join("run/x.pid");
        std::fs::create_dir_all(root.join("run")).unwrap();
        std::fs::create_dir_all(root.join("proc/4242")).unwrap();
        assert_eq!(pid_file_running(root, &pid_file), Some(false), "no file");
        std::fs::write(&pid_file, "").unwrap();
        assert_eq!(pid_file_running(root, &pid_file), Some(false), "empty");
        std::fs::write(&pid_file, " 4242 \nignored\n").unwrap();
        assert_eq!(pid_file_running(root, &pid_file), Some(true));
        std::fs::write(&pid_file, "4243\n").unwrap();
        assert_eq!(pid_file_running(root, &pid_file), Some(false), "stale");
        for odd in ["0\n", "-1\n", "12 34\n", "abc\n"] {
            std::fs::write(&pid_file, odd).unwrap();
            assert_eq!(pid_file_running(root, &pid_file), None, "{odd:?}");
        }
    }

    #[test]
    fn unknown_scripts_and_settings_are_left_to_the_command() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let exec = |p: &Path, text: &[u8]| {
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
            std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).unwrap();
        };
        exec(&root.join("etc/init.d/nginx"), b"#!/bin/sh\nexit 0\n");
        exec(&root.join("usr/sbin/nginx"), b"");
        std::fs::create_dir_all(root.join("lib/lsb/init-functions.d")).unwrap();
        if nix::unistd::geteuid().is_root() {
            // Not the script converge knows: run it.
            assert_eq!(status(root, "nginx"), None);
        }
        assert_eq!(query_defers_to_links(root), None, "no invoke-rc.d");
        exec(&root.join("usr/sbin/invoke-rc.d"), b"#!/bin/sh\n");
        assert_eq!(query_defers_to_links(root), Some(()));
        exec(&root.join("usr/sbin/policy-rc.d"), b"#!/bin/sh\nexit 101\n");
        assert_eq!(query_defers_to_links(root), None);
        std::fs::remove_file(root.join("usr/sbin/policy-rc.d")).unwrap();
        std::fs::create_dir_all(root.join("run")).unwrap();
        std::fs::write(root.join("run/utmp"), b"").unwrap();
        assert_eq!(query_defers_to_links(root), None);
    }

    /// A process in a fake /proc: its `status` (thread group) and `cmdline`.
    fn process(root: &Path, pid: u32, tgid: u32, cmdline: &[u8]) {
        let dir = root.join("proc").join(pid.to_string());
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("status"),
            format!("Name:\tx\nTgid:\t{tgid}\nPid:\t{pid}\n"),
        )
        .unwrap();
        std::fs::write(dir.join("cmdline"), cmdline).unwrap();
    }

    #[test]
    fn haproxy_pid_file_reads_like_its_status_loop() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let pid_file = root.join("run/haproxy.pid");
        let read = |text: &str, have_ps: bool| {
            std::fs::write(&pid_file, text).unwrap();
            haproxy_pid_file_running(root, &pid_file, have_ps)
        };
        std::fs::create_dir_all(root.join("run")).unwrap();
        process(
            root,
            208,
            208,
            b"/usr/sbin/haproxy\0-f\0/etc/haproxy/haproxy.cfg\0-D\0-p\0/var/run/haproxy.pid\0",
        );
        // One of haproxy's worker threads: /proc has it, ps shows nothing.
        process(
            root,
            209,
            208,
            b"/usr/sbin/haproxy\0-f\0/etc/haproxy/haproxy.cfg\0",
        );
        process(root, 300, 300, b"/usr/bin/sleep\x00100\0");
        process(root, 301, 301, b"hap\0roxy\0");
        process(root, 302, 302, b"/opt/haproxy-2.8/bin/lb\0");
        assert_eq!(
            haproxy_pid_file_running(root, &pid_file, true),
            Some(false),
            "no pid file: 3"
        );
        assert_eq!(read("208\n", true), Some(true));
        assert_eq!(read("208\n", false), Some(false), "ps: not found");
        // Quirk: no pid at all, nothing in the loop fails: "haproxy is running."
        assert_eq!(read("", true), Some(true), "empty");
        assert_eq!(read(" \n\t\n", false), Some(true), "blanks");
        assert_eq!(read("299\n", true), Some(false), "stale: no such process");
        assert_eq!(
            read("300\n", true),
            Some(false),
            "pid reused by another program"
        );
        assert_eq!(
            read("301\n", true),
            Some(false),
            "ps joins arguments with spaces"
        );
        assert_eq!(
            read("302\n", true),
            Some(true),
            "any command line naming haproxy"
        );
        assert_eq!(read("209\n", true), Some(false), "a thread id");
        assert_eq!(read("208 302\n", true), Some(true), "every pid must match");
        assert_eq!(read("208\n300\n", true), Some(false));
        for odd in ["0208\n", "12345678\n", "-1\n", "208\r\n", "20*\n", "abc\n"] {
            assert_eq!(read(odd, true), None, "{odd:?}");
        }
        process(root, 303, 303, b"");
        assert_eq!(read("303\n", true), None, "zombie or kernel thread: [comm]");
        process(root, 304, 304, b"haproxy\0\xff\0");
        assert_eq!(read("304\n", true), None, "ps escapes unprintable bytes");
        std::fs::remove_file(&pid_file).unwrap();
        std::fs::create_dir(&pid_file).unwrap();
        assert_eq!(
            haproxy_pid_file_running(root, &pid_file, true),
            Some(false),
            "[ ! -f ] on a directory"
        );
    }

    #[test]
    fn haproxy_without_a_config_reads_as_running() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        // `test -f "$CONFIG" || exit 0`, whatever the pid file says.
        assert_eq!(haproxy_status(root), Some(true));
        std::fs::create_dir_all(root.join("etc/haproxy/haproxy.cfg")).unwrap();
        assert_eq!(haproxy_status(root), Some(true), "a directory is no file");
        std::fs::remove_dir(root.join("etc/haproxy/haproxy.cfg")).unwrap();
        std::fs::write(root.join("etc/haproxy/haproxy.cfg"), "global\n").unwrap();
        // With a config, no ps and no pid file: not running.
        assert_eq!(haproxy_status(root), Some(false));
        std::fs::create_dir_all(root.join("etc/default")).unwrap();
        std::fs::write(root.join("etc/default/rcS"), "VERBOSE=yes\n").unwrap();
        assert_eq!(haproxy_status(root), None, "rcS with settings");
    }

    #[test]
    fn ps_is_procps_or_missing() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        assert_eq!(ps_command(root), Some(false), "not found");
        std::fs::create_dir_all(root.join("usr/bin")).unwrap();
        std::fs::create_dir_all(root.join("usr/sbin")).unwrap();
        std::os::unix::fs::symlink("usr/bin", root.join("bin")).unwrap();
        std::fs::write(root.join("usr/bin/ps"), b"").unwrap();
        assert_eq!(ps_command(root), None, "not executable");
        std::fs::set_permissions(
            root.join("usr/bin/ps"),
            std::fs::Permissions::from_mode(0o755),
        )
        .unwrap();
        assert_eq!(ps_command(root), Some(true));
        // Earlier on the script's PATH: another ps.
        std::fs::write(root.join("usr/sbin/ps"), b"").unwrap();
        assert_eq!(ps_command(root), None);
    }

    #[test]
    fn defaults_with_settings_are_not_inert() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("nginx");
        assert!(defaults_inert(&f));
        std::fs::write(&f, "# comment\n\n  #ULIMIT=\"-n 4096\"\n").unwrap();
        assert!(defaults_inert(&f));
        std::fs::write(&f, "ULIMIT=\"-n 4096\"\n").unwrap();
        assert!(!defaults_inert(&f));
    }
}
