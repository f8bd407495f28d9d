//! A systemd service's state asked of systemd itself over D-Bus, without spawning
//! `systemctl is-active`, `systemctl is-enabled` or `systemctl show -p LoadState`.
//!
//! Why: each of those is a process of its own (~13 ms, most of a no-op run on a systemd
//! host), and all systemctl does for them is ask the manager one question over D-Bus and
//! print the answer. converge asks the same manager the same question and derives the
//! same word and exit status:
//! - `is-active NAME`: the `ActiveState` property of the unit's object, whose path
//!   systemctl computes from the name (asking for it makes the manager load the unit, as
//!   systemctl's query does); it succeeds for `active` and `reloading` (and `refreshing`,
//!   which only newer systemd has).
//! - `is-enabled NAME`: the manager's `GetUnitFileState(NAME)`, printed as is; it succeeds
//!   for `enabled`, `enabled-runtime`, `static`, `alias`, `indirect` and `generated`. For a
//!   unit without a unit file systemd 252 (Debian 12) prints only an error and exits 1, as
//!   here; later versions print `not-found` and exit 4, which reads the same (not enabled).
//! - `show -p LoadState --value NAME`: the `LoadState` property.
//!
//! The way in is the system bus (`/run/dbus/system_bus_socket`, dbus-daemon), where the
//! manager answers as `org.freedesktop.systemd1`. systemctl run as root talks to the
//! manager's private socket `/run/systemd/private` instead, peer to peer, but the manager
//! stamps every message it sends there with the sender `org.freedesktop.systemd1`, a
//! well-known name where D-Bus wants a unique one, and zbus (5.19) panics in its reader
//! thread on such a reply. Both sockets reach the same manager, which gives the same
//! answers; without a system bus (no dbus-daemon), systemctl runs.
//!
//! Everything here answers `None` where systemctl would do something else, and the
//! provider then runs the command as Puppet does: not root, no bus, a chroot or the
//! environment variables that make systemctl work offline or client-side, names it would
//! mangle beyond adding `.service` (paths, globs, templates, odd characters), `is-enabled`
//! of a service that has an init script but no unit file of its own (systemctl then asks
//! `systemd-sysv-install`, which reads the rc?.d links), any D-Bus error, and any state
//! word it does not know.

use crate::context::Output;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::Duration;
use zbus::blocking::Connection;

const DESTINATION: &str = "org.freedesktop.systemd1";
const MANAGER_PATH: &str = "/org/freedesktop/systemd1";
const MANAGER_INTERFACE: &str = "org.freedesktop.systemd1.Manager";
const UNIT_INTERFACE: &str = "org.freedesktop.systemd1.Unit";
const PROPERTIES_INTERFACE: &str = "org.freedesktop.DBus.Properties";

/// Variables that make systemctl run offline or compute unit file state itself
/// (`SYSTEMD_OFFLINE`, `SYSTEMD_IGNORE_CHROOT`, `SYSTEMCTL_INSTALL_CLIENT_SIDE`), skip the
/// SysV redirect (`SYSTEMCTL_SKIP_SYSV`) or look for unit files elsewhere
/// (`SYSTEMD_UNIT_PATH`): with any of them set, its answers may differ from the manager's.
const CLIENT_SIDE_VARS: [&str; 5] = [
    "SYSTEMD_OFFLINE",
    "SYSTEMD_IGNORE_CHROOT",
    "SYSTEMCTL_INSTALL_CLIENT_SIDE",
    "SYSTEMCTL_SKIP_SYSV",
    "SYSTEMD_UNIT_PATH",
];

/// The unit types: a name ending in `.TYPE` is a unit name as it is; any other gets
/// `.service` appended.
const UNIT_TYPES: [&str; 11] = [
    "service",
    "socket",
    "target",
    "device",
    "mount",
    "automount",
    "swap",
    "timer",
    "path",
    "slice",
    "scope",
];

/// Where systemctl looks for a unit file when deciding whether a service is native or
/// SysV-only, in its order (systemd 252's system lookup paths without the generators'
/// directories).
const UNIT_DIRS: [&str; 10] = [
    "etc/systemd/system.control",
    "run/systemd/system.control",
    "run/systemd/transient",
    "etc/systemd/system",
    "etc/systemd/system.attached",
    "run/systemd/system",
    "run/systemd/system.attached",
    "usr/local/lib/systemd/system",
    "lib/systemd/system",
    "usr/lib/systemd/system",
];

/// How long one question may take before the command is asked instead (systemctl's own
/// limit is 25 s; the manager answers in well under a millisecond unless it is busy
/// reloading).
const TIMEOUT: Duration = Duration::from_secs(10);

/// A connection to the systemd manager of the host at `root`.
pub struct Manager {
    conn: Connection,
    root: PathBuf,
}

impl std::fmt::Debug for Manager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Manager")
            .field("root", &self.root)
            .finish_non_exhaustive()
    }
}

/// Whether this process is in a chroot, as systemd decides it: `/` is not PID 1's root.
fn in_chroot() -> bool {
    match (std::fs::metadata("/"), std::fs::metadata("/proc/1/root")) {
        (Ok(a), Ok(b)) => a.dev() != b.dev() || a.ino() != b.ino(),
        // Cannot tell: assume the worst.
        _ => true,
    }
}

impl Manager {
    /// Connects to the manager through the system bus; `None` (and systemctl runs instead)
    /// wherever systemctl would not simply ask the manager, or the bus is not there.
    pub fn connect(root: &Path) -> Option<Manager> {
        let why_not = if !nix::unistd::geteuid().is_root() {
            Some("not root")
        } else if CLIENT_SIDE_VARS
            .iter()
            .any(|v| std::env::var_os(v).is_some())
        {
            Some("a SYSTEMD*/SYSTEMCTL* variable is set")
        } else if !root.join("run/systemd/system").is_dir() {
            Some("systemd is not running")
        } else if in_chroot() {
            Some("in a chroot")
        } else {
            None
        };
        if let Some(why) = why_not {
            tracing::debug!("asking systemctl, not systemd's D-Bus: {why}");
            return None;
        }
        let socket = root.join("run/dbus/system_bus_socket");
        let conn = zbus::blocking::connection::Builder::address(unix_address(&socket).as_str())
            .and_then(|b| b.method_timeout(TIMEOUT).build());
        match conn {
            Ok(conn) => Some(Manager {
                conn,
                root: root.to_path_buf(),
            }),
            Err(e) => {
                tracing::debug!(socket = %socket.display(), "asking systemctl, not systemd's D-Bus: {e}");
                None
            }
        }
    }

    /// The manager's major version (`Version` is `257.9-1~deb13u1` on Debian 13).
    fn major_version(&self) -> Option<u32> {
        let reply = self
            .conn
            .call_method(
                Some(DESTINATION),
                MANAGER_PATH,
                Some(PROPERTIES_INTERFACE),
                "Get",
                &(MANAGER_INTERFACE, "Version"),
            )
            .ok()?;
        let value: zbus::zvariant::OwnedValue = reply.body().deserialize().ok()?;
        let version = String::try_from(value).ok()?;
        let digits: String = version.chars().take_while(char::is_ascii_digit).collect();
        digits.parse().ok()
    }

    /// A property of the `org.freedesktop.systemd1.Unit` interface of `unit`'s object.
    fn unit_property(&self, unit: &str, property: &str) -> Option<String> {
        let path = object_path(unit);
        let reply = self
            .conn
            .call_method(
                Some(DESTINATION),
                path.as_str(),
                Some(PROPERTIES_INTERFACE),
                "Get",
                &(UNIT_INTERFACE, property),
            )
            .map_err(|e| tracing::debug!(unit, property, "systemd's D-Bus: {e}"))
            .ok()?;
        let value: zbus::zvariant::OwnedValue = reply.body().deserialize().ok()?;
        String::try_from(value).ok()
    }

    /// Whether `systemctl is-active -- NAME` would succeed.
    pub fn is_active(&self, name: &str) -> Option<bool> {
        let unit = unit_name(name)?;
        let state = self.unit_property(&unit, "ActiveState")?;
        match state.as_str() {
            "active" | "reloading" | "refreshing" => Some(true),
            "inactive" | "failed" | "activating" | "deactivating" | "maintenance" => Some(false),
            _ => None,
        }
    }

    /// What `systemctl show -p LoadState --value -- NAME` would print.
    pub fn load_state(&self, name: &str) -> Option<String> {
        self.unit_property(&unit_name(name)?, "LoadState")
    }

    /// What `systemctl is-enabled -- NAME` would print and exit with.
    pub fn is_enabled(&self, name: &str) -> Option<Output> {
        let unit = unit_name(name)?;
        if self.sysv_only(&unit) {
            return None;
        }
        let reply = self.conn.call_method(
            Some(DESTINATION),
            MANAGER_PATH,
            Some(MANAGER_INTERFACE),
            "GetUnitFileState",
            &(unit.as_str(),),
        );
        let state: String = match reply {
            Ok(reply) => reply.body().deserialize().ok()?,
            Err(zbus::Error::MethodError(error, _, _))
                if error.as_str() == "org.freedesktop.DBus.Error.FileNotFound" =>
            {
                // systemctl 253 and later (Debian 13's 257) print "not-found" and exit 4;
                // earlier ones (Debian 11's 247, 12's 252) print an error and exit 1.
                return Some(match self.major_version() {
                    Some(v) if v >= 253 => Output {
                        code: Some(4),
                        stdout: "not-found\n".into(),
                        ..Output::default()
                    },
                    Some(_) => Output {
                        code: Some(1),
                        stderr: format!(
                            "Failed to get unit file state for {unit}: No such file or directory\n"
                        ),
                        ..Output::default()
                    },
                    None => return None,
                });
            }
            Err(e) => {
                tracing::debug!(unit, "systemd's D-Bus: {e}");
                return None;
            }
        };
        let enabled = matches!(
            state.as_str(),
            "enabled" | "enabled-runtime" | "static" | "alias" | "indirect" | "generated"
        );
        Some(Output {
            code: Some(if enabled { 0 } else { 1 }),
            stdout: format!("{state}\n"),
            ..Output::default()
        })
    }

    /// Whether `is-enabled` may redirect to `systemd-sysv-install`: a service with an init
    /// script whose unit file systemctl might not find. It does not when the first entry
    /// for the unit in its lookup paths is a regular file or a mask (a link to /dev/null);
    /// anything else (nothing, another link, a directory) is left to systemctl.
    fn sysv_only(&self, unit: &str) -> bool {
        let Some(base) = unit.strip_suffix(".service") else {
            return false;
        };
        if !self.root.join("etc/init.d").join(base).exists() {
            return false;
        }
        for dir in UNIT_DIRS {
            let path = self.root.join(dir).join(unit);
            let Ok(meta) = std::fs::symlink_metadata(&path) else {
                continue;
            };
            let native = meta.is_file()
                || (meta.file_type().is_symlink()
                    && std::fs::read_link(&path).is_ok_and(|t| t == Path::new("/dev/null")));
            return !native;
        }
        true
    }
}

/// The D-Bus address of a unix socket: `unix:path=`, with every byte but the few the
/// specification leaves bare %-escaped.
fn unix_address(socket: &Path) -> String {
    use std::os::unix::ffi::OsStrExt;
    let mut address = String::from("unix:path=");
    for &b in socket.as_os_str().as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'/' | b'.' | b'\\' | b'*') {
            address.push(b as char);
        } else {
            address.push_str(&format!("%{b:02x}"));
        }
    }
    address
}

/// The unit systemctl asks about for `name`: `name` itself when it ends in a unit type,
/// else `name.service`. `None` for anything systemctl would mangle otherwise or treat as
/// a path, a glob or a template.
pub(crate) fn unit_name(name: &str) -> Option<String> {
    let plain = |c: char| c.is_ascii_alphanumeric() || matches!(c, ':' | '_' | '.' | '-');
    if name.is_empty()
        || name.len() > 200
        || !name.chars().all(plain)
        || name.starts_with('.')
        || name.ends_with('.')
    {
        return None;
    }
    match name.rsplit_once('.') {
        Some((_, ty)) if UNIT_TYPES.contains(&ty) => Some(name.to_string()),
        _ => Some(format!("{name}.service")),
    }
}

/// The object path of a unit, as systemd's `unit_dbus_path_from_name` makes it: every
/// byte but ASCII letters and digits escaped as `_xx`.
pub(crate) fn object_path(unit: &str) -> String {
    let mut path = String::from("/org/freedesktop/systemd1/unit/");
    if unit.is_empty() {
        path.push('_');
    }
    for b in unit.bytes() {
        if b.is_ascii_alphanumeric() {
            path.push(b as char);
        } else {
            path.push_str(&format!("_{b:02x}"));
        }
    }
    path
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_names_are_systemctls() {
        assert_eq!(unit_name("nginx").as_deref(), Some("nginx.service"));
        assert_eq!(unit_name("nginx.service").as_deref(), Some("nginx.service"));
        assert_eq!(unit_name("ssh.socket").as_deref(), Some("ssh.socket"));
        assert_eq!(
            unit_name("php8.2-fpm").as_deref(),
            Some("php8.2-fpm.service")
        );
        for odd in [
            "",
            "/etc/fstab",
            "getty@tty1",
            "ng*",
            "a b",
            ".service",
            "x.",
        ] {
            assert_eq!(unit_name(odd), None, "{odd:?}");
        }
    }

    #[test]
    fn object_paths_escape_like_systemd() {
        assert_eq!(
            object_path("nginx.service"),
            "/org/freedesktop/systemd1/unit/nginx_2eservice"
        );
        assert_eq!(
            object_path("php8.2-fpm.service"),
            "/org/freedesktop/systemd1/unit/php8_2e2_2dfpm_2eservice"
        );
        assert_eq!(
            object_path("a_b.service"),
            "/org/freedesktop/systemd1/unit/a_5fb_2eservice"
        );
    }

    #[test]
    fn socket_addresses_are_escaped() {
        assert_eq!(
            unix_address(Path::new("/run/dbus/system_bus_socket")),
            "unix:path=/run/dbus/system_bus_socket"
        );
        assert_eq!(
            unix_address(Path::new("/tmp/a b=c/private")),
            "unix:path=/tmp/a%20b%3dc/private"
        );
    }

    #[test]
    fn no_manager_socket_means_no_answer() {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(root.path().join("run/systemd/system")).unwrap();
        assert!(Manager::connect(root.path()).is_none());
    }
}
