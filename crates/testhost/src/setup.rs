//! Preparing this machine for the test bed: the Debian packages it runs are installed with
//! apt when missing (as root), once per process, so that `cargo test --workspace` and
//! `cargo xtask demo` need no step before them. `.ci/testbed-setup`, `cargo xtask image`
//! and every [`crate::Image`] build come through here.

use std::fs::OpenOptions;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Mutex, OnceLock};

use nix::fcntl::{Flock, FlockArg};

use crate::error::{Error, Result};
use crate::progress;
use crate::sys::{self, BASE_DIR};

/// The Debian packages the test bed runs on the machine: debootstrap and dpkg-dev build
/// images, iproute2 and util-linux make networks and hosts, systemd-container boots
/// systemd hosts, curl is the tests' HTTP client.
pub const HOST_PACKAGES: &[&str] = &[
    "debootstrap",
    "dpkg-dev",
    "iproute2",
    "util-linux",
    "curl",
    "systemd-container",
];

/// Whether this process already made sure of the packages.
static READY: Mutex<bool> = Mutex::new(false);

/// The command a person should run as root, for [`Error::NotRoot`].
static COMMAND: OnceLock<String> = OnceLock::new();

/// Names the command that uses the test bed (`cargo xtask demo`), so that a user who is
/// not root is told exactly what to run instead. Default: `cargo test --workspace`.
pub fn set_command(command: &str) {
    let _ = COMMAND.set(command.to_string());
}

/// The command line that runs the current command as root with the same toolchain.
pub(crate) fn command_as_root() -> String {
    let command = COMMAND
        .get()
        .map(String::as_str)
        .unwrap_or("cargo test --workspace");
    format!("sudo -E env \"PATH=$PATH\" {command}")
}

/// Makes the test bed ready for a command that starts hosts, before it does anything
/// slow: root, the machine's packages and the image of `release`. A machine without them
/// learns what to run at once rather than after a build.
pub fn prepare(release: crate::Release) -> Result<crate::Image> {
    sys::require_root()?;
    crate::Image::builder().release(release).build()
}

/// Installs whichever of [`HOST_PACKAGES`] are missing, with apt (root only). Without root
/// and with packages missing, fails with [`Error::NotRoot`] naming what to run.
pub fn ensure_host_packages() -> Result<()> {
    let mut ready = READY.lock().unwrap_or_else(|e| e.into_inner());
    if *ready {
        return Ok(());
    }
    if !missing_packages(HOST_PACKAGES)?.is_empty() {
        sys::require_root()?;
        // One apt at a time: other test processes may be doing the same right now.
        std::fs::create_dir_all(BASE_DIR)
            .map_err(|e| Error::io(format!("creating {BASE_DIR}"), e))?;
        let lock_path = Path::new(BASE_DIR).join("setup.lock");
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| Error::io(format!("opening {}", lock_path.display()), e))?;
        let _lock = Flock::lock(lock, FlockArg::LockExclusive)
            .map_err(|(_, e)| Error::io(format!("locking {}", lock_path.display()), e.into()))?;
        let missing = missing_packages(HOST_PACKAGES)?;
        if !missing.is_empty() {
            install(&missing)?;
        }
    }
    *ready = true;
    Ok(())
}

/// The packages of `packages` that dpkg does not list as installed.
pub fn missing_packages(packages: &[&str]) -> Result<Vec<String>> {
    let dpkg_query = sys::tool("dpkg-query", "dpkg")?;
    // Exits 1 when some package is unknown; the ones it knows are on stdout either way.
    let out = Command::new(dpkg_query)
        .args(["-W", "-f", "${Package} ${db:Status-Status}\\n"])
        .args(packages)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .map_err(|e| Error::io("running dpkg-query", e))?;
    let listed = String::from_utf8_lossy(&out.stdout);
    let installed = |p: &str| {
        listed.lines().any(|l| {
            let mut words = l.split_whitespace();
            words.next().map(|n| n.split(':').next() == Some(p)) == Some(true)
                && words.next() == Some("installed")
        })
    };
    Ok(packages
        .iter()
        .filter(|p| !installed(p))
        .map(|p| p.to_string())
        .collect())
}

fn install(missing: &[String]) -> Result<()> {
    let apt = sys::tool("apt-get", "apt")?;
    progress::note(&format!(
        "installing the test bed's Debian packages: {}",
        missing.join(" ")
    ));
    let log = Path::new(BASE_DIR).join("setup.log");
    let steps: [(&str, Vec<&str>); 2] = [
        ("apt-get update", vec!["update"]),
        (
            "apt-get install",
            ["install", "-y", "--no-install-recommends"]
                .into_iter()
                .chain(missing.iter().map(String::as_str))
                .collect(),
        ),
    ];
    for (what, args) in steps {
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .map_err(|e| Error::io(format!("opening {}", log.display()), e))?;
        let err = file
            .try_clone()
            .map_err(|e| Error::io("duplicating the log file", e))?;
        let mut child = sys::clean_command(&apt)
            .args(&args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .stdin(Stdio::null())
            .stdout(file)
            .stderr(err)
            .spawn()
            .map_err(|e| Error::io(format!("starting {what}"), e))?;
        let status = progress::wait(&mut child, what, &log)
            .map_err(|e| Error::io(format!("waiting for {what}"), e))?;
        if !status.success() {
            let text = std::fs::read_to_string(&log).unwrap_or_default();
            return Err(Error::Command {
                what: format!("{what} (log: {})", log.display()),
                status: status.to_string(),
                stderr: sys::tail(&text, 2000),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dpkg_query_tells_installed_packages_from_missing_ones() {
        // dpkg itself is installed on any Debian machine that runs these tests.
        let missing = missing_packages(&["dpkg", "surely-not-a-package-xyz"]).unwrap();
        assert_eq!(missing, ["surely-not-a-package-xyz"]);
    }

    #[test]
    fn a_user_who_is_not_root_is_told_the_whole_command() {
        assert_eq!(
            command_as_root(),
            "sudo -E env \"PATH=$PATH\" cargo test --workspace"
        );
    }
}
