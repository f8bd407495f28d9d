//! The image: a minimal Debian root file system with systemd installed (not running) and an
//! offline apt repository inside, built once with debootstrap and cached on disk.
//!
//! The cache lives under `/var/tmp/converge/images/<hash>/root`, where the hash covers
//! everything that shapes the tree (suite, packages, recipe version). A build happens in a
//! `.build-<hash>` directory and is renamed into place when complete, under a file lock, so
//! two test processes that start at once build it only once and never see half a tree.
//! Hosts use the cached tree read-only, as the lower layer of an overlay.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use nix::fcntl::{Flock, FlockArg};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::progress;
use crate::release::Release;
use crate::sys::{self, BASE_DIR};

/// Bump when the build steps change in a way that changes the tree.
const RECIPE_VERSION: u32 = 1;

/// Installed in every image: lets a host boot with systemd as PID 1.
const BASE_PACKAGES: &[&str] = &["systemd-sysv", "dbus"];

/// Installed in the Puppet variant, for side-by-side benchmarks.
const PUPPET_PACKAGES: &[&str] = &["puppet", "puppet-module-puppetlabs-stdlib"];

/// Offered by every image's offline repository (downloaded, not installed); sudo for the
/// fleet tests of `run_as`; ansible-core and python3-apt (which Ansible's apt module needs
/// on a target) for `cargo xtask bench --fleet`; python3-pip, ruby and gnupg for the pip,
/// gem and apt_key providers' tests.
const REPO_PACKAGES: &[&str] = &[
    "nginx",
    "haproxy",
    "curl",
    "openssh-server",
    "sudo",
    "ansible-core",
    "python3-apt",
    "python3-pip",
    "ruby",
    "gnupg",
    // What the Forge modules (FORGE_MODULES, also in the repository) manage.
    "apache2",
    "ntp",
];

/// Debian's puppetlabs modules, in the offline repository of Debian 12 images (they are
/// Puppet 7's), for the Forge end-to-end test and bench to install as a user would
/// (`apt-get install` them).
pub const FORGE_MODULES: &[&str] = &[
    "puppet-module-puppetlabs-apache",
    "puppet-module-puppetlabs-apt",
    "puppet-module-puppetlabs-concat",
    "puppet-module-puppetlabs-haproxy",
    "puppet-module-puppetlabs-inifile",
    "puppet-module-puppetlabs-ntp",
    "puppet-module-puppetlabs-stdlib",
];

/// Where the offline repository sits inside the image.
pub const REPO_DIR: &str = "/srv/converge-repo";

/// Units masked in the image: timers that would run apt or other jobs at random moments
/// during a test and take apt's lock away from it, and units that only serve a person at
/// a console. The latter each hold inotify instances, of which the kernel allows 128 per
/// user for the whole machine (`fs.inotify.max_user_instances`): fewer per host means more
/// systemd hosts at once.
const MASKED_UNITS: &[&str] = &[
    "apt-daily.timer",
    "apt-daily-upgrade.timer",
    "dpkg-db-backup.timer",
    "e2scrub_all.timer",
    "fstrim.timer",
    "console-getty.service",
    "systemd-ask-password-console.path",
    "systemd-ask-password-wall.path",
];

/// A built, cached Debian root file system that hosts are started from.
#[derive(Debug, Clone)]
pub struct Image {
    key: String,
    release: Release,
    root: PathBuf,
    puppet: bool,
    packages: Vec<String>,
}

/// The recipe of an image; [`ImageBuilder::build`] builds it or reuses the cached one.
#[derive(Debug, Clone)]
pub struct ImageBuilder {
    release: Release,
    puppet: bool,
    packages: Vec<String>,
    mirror: Option<String>,
}

impl Image {
    /// The standard image: Debian 12 minbase with systemd and dbus, and nginx, haproxy, curl,
    /// openssh-server, sudo, ansible-core, python3-apt, python3-pip, ruby, gnupg, apache2, ntp
    /// and the puppetlabs modules (with their dependencies) in its offline repository.
    pub fn default_image() -> Result<Image> {
        Image::builder().build()
    }

    /// The standard image with Puppet (`puppet`, `puppet-module-puppetlabs-stdlib`) installed.
    pub fn with_puppet() -> Result<Image> {
        Image::builder().puppet(true).build()
    }

    /// A recipe starting from the standard image.
    pub fn builder() -> ImageBuilder {
        ImageBuilder {
            release: Release::default(),
            puppet: false,
            packages: REPO_PACKAGES
                .iter()
                .chain(FORGE_MODULES)
                .map(|p| p.to_string())
                .collect(),
            mirror: None,
        }
    }

    /// The extracted root file system (read-only: hosts put an overlay on top).
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The cache key: a hash of the recipe.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The Debian release the image holds.
    pub fn release(&self) -> Release {
        self.release
    }

    /// Whether Puppet is installed in the image.
    pub fn has_puppet(&self) -> bool {
        self.puppet
    }

    /// The packages the offline repository offers (with their dependencies).
    pub fn repo_packages(&self) -> &[String] {
        &self.packages
    }
}

impl ImageBuilder {
    /// Adds packages to the offline repository (their dependencies come along).
    pub fn packages<I, S>(mut self, packages: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.packages.extend(packages.into_iter().map(Into::into));
        self
    }

    /// Builds the image from this Debian release (default: 12).
    pub fn release(mut self, release: Release) -> Self {
        self.release = release;
        self
    }

    /// Installs Puppet in the image.
    pub fn puppet(mut self, yes: bool) -> Self {
        self.puppet = yes;
        self
    }

    /// Uses this Debian mirror instead of the one in the machine's apt sources. The mirror
    /// is not part of the cache key: any mirror yields the same packages.
    pub fn mirror(mut self, url: impl Into<String>) -> Self {
        self.mirror = Some(url.into());
        self
    }

    fn normalized_packages(&self) -> Vec<String> {
        let mut p = self.packages.clone();
        // Debian 11 has no `ansible-core` (its Ansible is the older `ansible`); the fleet
        // bench that needs it runs on Debian 12 only.
        if self.release == Release::Bullseye {
            p.retain(|p| p != "ansible-core");
        }
        // The Forge modules are Puppet 7's (Debian 12's); the Forge test runs on 12 only,
        // and Debian 13 has no `ntp` package any more (ntpsec is all there is).
        if self.release != Release::Bookworm {
            p.retain(|p| !p.starts_with("puppet-module-") && p != "ntp");
        }
        p.sort();
        p.dedup();
        p
    }

    /// The cache key of this recipe.
    pub fn key(&self) -> String {
        let mut h = Sha256::new();
        // The suite's name keeps Debian 12's key what it was before releases were chosen.
        let suite = self.release.codename();
        h.update(format!("recipe {RECIPE_VERSION}\nsuite {suite}\n"));
        h.update(format!("base {}\n", BASE_PACKAGES.join(" ")));
        if self.puppet {
            h.update(format!("puppet {}\n", PUPPET_PACKAGES.join(" ")));
        }
        h.update(format!("repo {}\n", self.normalized_packages().join(" ")));
        h.update(format!("masked {}\n", MASKED_UNITS.join(" ")));
        let digest = h.finalize();
        digest[..8].iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Returns the cached image, building it first if needed (needs root, debootstrap,
    /// dpkg-scanpackages and the Debian mirror; 30-100 s).
    pub fn build(self) -> Result<Image> {
        // Hosts need the machine's packages too, so check them even for a cached image.
        crate::setup::ensure_host_packages()?;
        let key = self.key();
        let images = Path::new(BASE_DIR).join("images");
        let done = images.join(&key);
        let image = Image {
            key: key.clone(),
            release: self.release,
            root: done.join("root"),
            puppet: self.puppet,
            packages: self.normalized_packages(),
        };
        if done.join("recipe.txt").exists() {
            return Ok(image);
        }
        sys::require_root()?;
        fs::create_dir_all(&images)
            .map_err(|e| Error::io(format!("creating {}", images.display()), e))?;
        let lock_path = images.join(format!("{key}.lock"));
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| Error::io(format!("opening {}", lock_path.display()), e))?;
        let lock = match Flock::lock(lock, FlockArg::LockExclusiveNonblock) {
            Ok(held) => held,
            Err((lock, _)) => {
                progress::note(&format!(
                    "waiting for another process that builds the {} image {key}",
                    self.release
                ));
                Flock::lock(lock, FlockArg::LockExclusive).map_err(|(_, e)| {
                    Error::io(format!("locking {}", lock_path.display()), e.into())
                })?
            }
        };
        let _lock = lock;
        // Another process may have finished the build while we waited for the lock.
        if done.join("recipe.txt").exists() {
            return Ok(image);
        }
        let tmp = images.join(format!(".build-{key}"));
        if tmp.exists() {
            // A build that crashed; we hold the lock, so nobody else is using it.
            remove_build_dir(&tmp)?;
        }
        fs::create_dir_all(&tmp)
            .map_err(|e| Error::io(format!("creating {}", tmp.display()), e))?;
        let started = Instant::now();
        progress::note(&format!(
            "building the {} image {key} (once, one to five minutes: the mirror sets the pace; log: {})",
            self.release,
            tmp.join("build.log").display()
        ));
        let result = self.build_into(&tmp);
        sys::umount_tree(&tmp);
        result?;
        let recipe = format!(
            "recipe {RECIPE_VERSION}\nsuite {}\nbase {}\npuppet {}\nrepo {}\nmasked {}\nbuild seconds {:.1}\n",
            self.release.codename(),
            BASE_PACKAGES.join(" "),
            self.puppet,
            self.normalized_packages().join(" "),
            MASKED_UNITS.join(" "),
            started.elapsed().as_secs_f64()
        );
        write_file(&tmp.join("recipe.txt"), recipe.as_bytes())?;
        fs::rename(&tmp, &done).map_err(|e| {
            Error::io(
                format!("renaming {} to {}", tmp.display(), done.display()),
                e,
            )
        })?;
        progress::note(&format!(
            "image {key} built in {:.1} s",
            started.elapsed().as_secs_f64()
        ));
        Ok(image)
    }

    fn build_into(&self, dir: &Path) -> Result<()> {
        let debootstrap = sys::tool("debootstrap", "debootstrap")?;
        let scan = sys::tool("dpkg-scanpackages", "dpkg-dev")?;
        let chroot = sys::tool("chroot", "coreutils")?;
        let (mirror, security) = match &self.mirror {
            Some(m) => (m.clone(), None),
            None => machine_mirrors()?,
        };
        let root = dir.join("root");
        let log = dir.join("build.log");
        let suite = self.release.codename();

        run_logged(
            Command::new(&debootstrap)
                .arg("--variant=minbase")
                .arg(suite)
                .arg(&root)
                .arg(&mirror),
            &format!("debootstrap {suite}"),
            &log,
        )?;

        let mut sources = format!("deb {mirror} {suite} main\ndeb {mirror} {suite}-updates main\n");
        if let Some(sec) = &security {
            sources.push_str(&format!("deb {sec} {suite}-security main\n"));
        }
        write_file(&root.join("etc/apt/sources.list"), sources.as_bytes())?;
        // Keep services from starting inside the build chroot; removed again below so
        // hosts behave like a stock Debian without it.
        let policy = root.join("usr/sbin/policy-rc.d");
        write_file(&policy, b"#!/bin/sh\nexit 101\n")?;
        set_mode(&policy, 0o755)?;
        sys::mount(
            "proc",
            &root.join("proc"),
            nix::mount::MsFlags::MS_NOSUID | nix::mount::MsFlags::MS_NODEV,
            "",
        )?;

        let in_root = |args: &[&str]| {
            let mut c = sys::clean_command(&chroot);
            c.arg(&root)
                .args(args)
                .env("DEBIAN_FRONTEND", "noninteractive");
            c
        };
        run_logged(&mut in_root(&["apt-get", "update"]), "apt-get update", &log)?;
        let mut install = vec!["apt-get", "install", "-y", "--no-install-recommends"];
        install.extend(BASE_PACKAGES);
        run_logged(&mut in_root(&install), "installing systemd and dbus", &log)?;
        if self.puppet {
            let mut install = vec!["apt-get", "install", "-y"];
            install.extend(PUPPET_PACKAGES);
            run_logged(&mut in_root(&install), "installing puppet", &log)?;
        }
        run_logged(&mut in_root(&["apt-get", "clean"]), "apt-get clean", &log)?;
        let packages = self.normalized_packages();
        let mut download = vec!["apt-get", "install", "--download-only", "-y"];
        download.extend(packages.iter().map(String::as_str));
        run_logged(
            &mut in_root(&download),
            "downloading repository packages",
            &log,
        )?;

        // The downloaded .debs become a local repository.
        let repo = root.join(REPO_DIR.trim_start_matches('/'));
        fs::create_dir_all(&repo)
            .map_err(|e| Error::io(format!("creating {}", repo.display()), e))?;
        let archives = root.join("var/cache/apt/archives");
        let entries = fs::read_dir(&archives)
            .map_err(|e| Error::io(format!("reading {}", archives.display()), e))?;
        for entry in entries {
            let entry = entry.map_err(|e| Error::io("listing downloaded packages", e))?;
            let name = entry.file_name();
            if name.to_string_lossy().ends_with(".deb") {
                fs::rename(entry.path(), repo.join(&name))
                    .map_err(|e| Error::io(format!("moving {}", entry.path().display()), e))?;
            }
        }
        let scanned = sys::run(
            Command::new(&scan).args(["-m", "."]).current_dir(&repo),
            "dpkg-scanpackages",
        )?;
        write_file(&repo.join("Packages"), &scanned.stdout)?;
        write_file(
            &root.join("etc/apt/sources.list"),
            format!("deb [trusted=yes] file:{REPO_DIR} ./\n").as_bytes(),
        )?;
        clear_dir(&root.join("etc/apt/sources.list.d"))?;
        clear_dir(&root.join("var/lib/apt/lists"))?;
        for cache in ["pkgcache.bin", "srcpkgcache.bin"] {
            let _ = fs::remove_file(root.join("var/cache/apt").join(cache));
        }
        run_logged(
            &mut in_root(&["apt-get", "update"]),
            "offline apt-get update",
            &log,
        )?;

        // A fresh host: no name server, no identity shared between hosts, no policy-rc.d.
        write_file(&root.join("etc/resolv.conf"), b"nameserver 127.0.0.1\n")?;
        write_file(&root.join("etc/hostname"), b"localhost\n")?;
        write_file(&root.join("etc/machine-id"), b"")?;
        fs::remove_file(&policy).map_err(|e| Error::io("removing policy-rc.d", e))?;
        for unit in MASKED_UNITS {
            let link = root.join("etc/systemd/system").join(unit);
            let _ = fs::remove_file(&link);
            std::os::unix::fs::symlink("/dev/null", &link)
                .map_err(|e| Error::io(format!("masking {unit}"), e))?;
        }
        Ok(())
    }
}

/// The Debian mirror of the machine's apt sources (images and build sysroots come from it).
pub fn debian_mirror() -> Result<String> {
    machine_mirrors().map(|(main, _)| main)
}

/// Reads the Debian mirror (and the security mirror) from the machine's apt sources.
fn machine_mirrors() -> Result<(String, Option<String>)> {
    let path = PathBuf::from("/etc/apt/sources.list.d/debian.sources");
    if let Ok(text) = fs::read_to_string(&path) {
        let mut main = None;
        let mut security = None;
        for stanza in text.split("\n\n") {
            let field = |name: &str| {
                stanza.lines().find_map(|l| {
                    l.strip_prefix(name)
                        .and_then(|r| r.strip_prefix(':'))
                        .map(|v| v.trim().to_string())
                })
            };
            let (Some(uris), Some(suites)) = (field("URIs"), field("Suites")) else {
                continue;
            };
            let Some(uri) = uris.split_whitespace().next().map(str::to_string) else {
                continue;
            };
            if suites.contains("-security") {
                security.get_or_insert(uri);
            } else {
                main.get_or_insert(uri);
            }
        }
        return match main {
            Some(m) => Ok((m, security)),
            None => Err(Error::NoMirror {
                path,
                detail: "no stanza with URIs and Suites".into(),
            }),
        };
    }
    // Older machines: a one-line sources.list.
    let list = PathBuf::from("/etc/apt/sources.list");
    let text = fs::read_to_string(&list).map_err(|e| Error::NoMirror {
        path: list.clone(),
        detail: e.to_string(),
    })?;
    let mirror = text
        .lines()
        .filter(|l| l.starts_with("deb ") && !l.contains("-security"))
        .find_map(|l| l.split_whitespace().find(|w| w.starts_with("http")))
        .map(str::to_string)
        .ok_or_else(|| Error::NoMirror {
            path: list,
            detail: "no `deb http...` line".into(),
        })?;
    Ok((mirror, None))
}

/// Runs a build step with its output appended to the build log; on failure the error
/// carries the end of the log.
fn run_logged(cmd: &mut Command, what: &str, log: &Path) -> Result<()> {
    let mut file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .map_err(|e| Error::io(format!("opening {}", log.display()), e))?;
    let _ = writeln!(file, "==> {what}");
    let err_file = file
        .try_clone()
        .map_err(|e| Error::io("duplicating the log file", e))?;
    let mut child = cmd
        .stdin(std::process::Stdio::null())
        .stdout(file)
        .stderr(err_file)
        .spawn()
        .map_err(|e| Error::io(format!("starting {what}"), e))?;
    let status = progress::wait(&mut child, what, log)
        .map_err(|e| Error::io(format!("waiting for {what}"), e))?;
    if status.success() {
        return Ok(());
    }
    let text = fs::read_to_string(log).unwrap_or_default();
    Err(Error::Command {
        what: format!("image build step `{what}` (log: {})", log.display()),
        status: status.to_string(),
        stderr: sys::tail(&text, 3000),
    })
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    let _ = fs::remove_file(path); // may be a symlink (resolv.conf): replace, never follow
    let mut f =
        File::create(path).map_err(|e| Error::io(format!("writing {}", path.display()), e))?;
    f.write_all(bytes)
        .map_err(|e| Error::io(format!("writing {}", path.display()), e))
}

fn set_mode(path: &Path, mode: u32) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
        .map_err(|e| Error::io(format!("chmod {}", path.display()), e))
}

fn clear_dir(dir: &Path) -> Result<()> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Ok(());
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let res = if entry.file_type().map(|t| t.is_dir()).unwrap_or(false) {
            fs::remove_dir_all(&path)
        } else {
            fs::remove_file(&path)
        };
        res.map_err(|e| Error::io(format!("removing {}", path.display()), e))?;
    }
    Ok(())
}

/// Removes a half-built image, unmounting anything a crashed build left mounted in it.
pub(crate) fn remove_build_dir(dir: &Path) -> Result<()> {
    sys::umount_tree(dir);
    if sys::is_mounted_below(dir) {
        return Err(Error::State {
            path: dir.to_path_buf(),
            detail: "still mounted; not removing".into(),
        });
    }
    fs::remove_dir_all(dir).map_err(|e| Error::io(format!("removing {}", dir.display()), e))
}

/// Removes the half-built images of crashed builds (those whose lock nobody holds).
pub(crate) fn gc_builds(report: &mut Vec<String>) -> Result<()> {
    let images = Path::new(BASE_DIR).join("images");
    let Ok(entries) = fs::read_dir(&images) else {
        return Ok(());
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        let Some(key) = name.strip_prefix(".build-") else {
            continue;
        };
        let lock_path = images.join(format!("{key}.lock"));
        let Ok(lock) = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
        else {
            continue;
        };
        // A held lock means a build is running right now.
        if let Ok(_held) = Flock::lock(lock, FlockArg::LockExclusiveNonblock) {
            remove_build_dir(&entry.path())?;
            report.push(format!(
                "removed half-built image {}",
                entry.path().display()
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_follows_the_recipe_not_the_order() {
        let a = Image::builder().packages(["jq", "tree"]).key();
        let b = Image::builder().packages(["tree", "jq", "nginx"]).key();
        assert_eq!(a, b);
        assert_ne!(a, Image::builder().key());
        assert_ne!(Image::builder().key(), Image::builder().puppet(true).key());
        assert_eq!(
            Image::builder().key(),
            Image::builder().mirror("http://x/").key()
        );
    }
}
