//! State files: what each live network has created on the machine (namespaces, mounts,
//! processes), written before each thing is created, so that [`gc`] can remove what a
//! crashed test run left behind — by recorded PID (checked against its start time),
//! mount point and namespace name, never by process name.
//!
//! Each network holds an exclusive lock on `net-<subnet>.lock` for its whole life; a
//! state file whose lock nobody holds belongs to a process that is gone.

use std::fs::{self, File, OpenOptions};
use std::path::{Path, PathBuf};
use std::time::Duration;

use nix::fcntl::{Flock, FlockArg};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::sys::{self, BASE_DIR};

/// A process recorded by PID and start time, so a reused PID is never mistaken for it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct ProcRecord {
    pub(crate) pid: i32,
    pub(crate) start: u64,
}

/// What one host has created.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct HostRecord {
    pub(crate) name: String,
    pub(crate) netns: String,
    pub(crate) mount: PathBuf,
    pub(crate) procs: Vec<ProcRecord>,
    /// The host's own cgroups, holding all its processes.
    #[serde(default)]
    pub(crate) cgroups: Vec<PathBuf>,
}

/// What one network has created.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct NetRecord {
    pub(crate) owner_pid: u32,
    pub(crate) subnet: u8,
    pub(crate) bridge_netns: String,
    pub(crate) hosts: Vec<HostRecord>,
}

/// The directory of state files and network locks.
pub(crate) fn state_dir() -> PathBuf {
    Path::new(BASE_DIR).join("state")
}

/// The state file of the network on subnet `x`.
pub(crate) fn record_path(x: u8) -> PathBuf {
    state_dir().join(format!("net-{x}.json"))
}

/// Takes the lock of subnet `x` without waiting; `None` when another process holds it.
pub(crate) fn try_lock(x: u8) -> Result<Option<Flock<File>>> {
    let path = state_dir().join(format!("net-{x}.lock"));
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| Error::io(format!("opening {}", path.display()), e))?;
    match Flock::lock(file, FlockArg::LockExclusiveNonblock) {
        Ok(lock) => Ok(Some(lock)),
        Err((_, nix::errno::Errno::EWOULDBLOCK)) => Ok(None),
        Err((_, e)) => Err(Error::io(format!("locking {}", path.display()), e.into())),
    }
}

/// Writes a state file atomically (temporary file, then rename).
pub(crate) fn save(path: &Path, record: &NetRecord) -> Result<()> {
    let text = serde_json::to_vec_pretty(record).map_err(|e| Error::State {
        path: path.to_path_buf(),
        detail: e.to_string(),
    })?;
    let tmp = path.with_extension("json.tmp");
    fs::write(&tmp, text).map_err(|e| Error::io(format!("writing {}", tmp.display()), e))?;
    fs::rename(&tmp, path).map_err(|e| Error::io(format!("renaming {}", tmp.display()), e))
}

fn load(path: &Path) -> Result<NetRecord> {
    let text = fs::read(path).map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
    serde_json::from_slice(&text).map_err(|e| Error::State {
        path: path.to_path_buf(),
        detail: e.to_string(),
    })
}

/// Kills a recorded process if it is still the same process, and waits until it is gone.
pub(crate) fn kill_recorded(p: &ProcRecord) {
    if sys::start_time(p.pid) != Some(p.start) {
        return;
    }
    let pid = nix::unistd::Pid::from_raw(p.pid);
    let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGKILL);
    let _ = sys::poll(
        || format!("process {} to end", p.pid),
        Duration::from_secs(5),
        || Ok((sys::start_time(p.pid) != Some(p.start) || is_zombie(p.pid)).then_some(())),
    );
}

fn is_zombie(pid: i32) -> bool {
    fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            s.rfind(')')
                .and_then(|i| s[i + 1..].split_whitespace().next().map(|st| st == "Z"))
        })
        .unwrap_or(false)
}

/// Deletes a network namespace by name; a missing one is not an error.
pub(crate) fn delete_netns(ip: &Path, name: &str) -> Result<()> {
    if !Path::new("/run/netns").join(name).exists() {
        return Ok(());
    }
    sys::run(
        std::process::Command::new(ip).args(["netns", "delete", name]),
        &format!("ip netns delete {name}"),
    )
    .map(|_| ())
}

/// Removes a host's mount tree and its (then empty) mount point.
pub(crate) fn remove_mount(dir: &Path) {
    sys::umount_tree(dir);
    if !sys::is_mounted_below(dir) {
        let _ = fs::remove_dir(dir);
    }
}

/// Removes everything a stale state file records, then the file.
pub(crate) fn clean_stale(path: &Path, ip: &Path, report: &mut Vec<String>) -> Result<()> {
    let record = load(path)?;
    for host in record.hosts.iter().rev() {
        for p in &host.procs {
            kill_recorded(p);
        }
        // The cgroup holds what the record may miss (a systemd never recorded).
        for cg in &host.cgroups {
            sys::remove_cgroup_tree(cg);
        }
        remove_mount(&host.mount);
        delete_netns(ip, &host.netns)?;
        report.push(format!(
            "removed host `{}` of process {} (netns {}, mount {})",
            host.name,
            record.owner_pid,
            host.netns,
            host.mount.display()
        ));
    }
    delete_netns(ip, &record.bridge_netns)?;
    report.push(format!(
        "removed network 169.254.{}.0/24 of process {} (netns {})",
        record.subnet, record.owner_pid, record.bridge_netns
    ));
    fs::remove_file(path).map_err(|e| Error::io(format!("removing {}", path.display()), e))
}

/// Removes what crashed test runs left on the machine: hosts, networks and half-built
/// images whose owner is gone. Returns one line per thing removed. Live runs are left alone.
pub fn gc() -> Result<Vec<String>> {
    sys::require_root()?;
    let ip = sys::tool("ip", "iproute2")?;
    let mut report = Vec::new();
    clean_stale_nets(&ip, &mut report)?;
    crate::image::gc_builds(&mut report)?;
    // The parent of the hosts' cgroups; removing it fails while any host has one. (Only
    // here: a host starting in another process could be about to create its cgroup in it.)
    for root in sys::systemd_cgroup_roots() {
        let _ = fs::remove_dir(root.join("converge"));
    }
    Ok(report)
}

/// Removes the hosts and networks of every state file whose owner is gone.
pub(crate) fn clean_stale_nets(ip: &Path, report: &mut Vec<String>) -> Result<()> {
    if let Ok(entries) = fs::read_dir(state_dir()) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().to_string();
            let Some(x) = name
                .strip_prefix("net-")
                .and_then(|n| n.strip_suffix(".json"))
                .and_then(|n| n.parse::<u8>().ok())
            else {
                continue;
            };
            // Holding the lock proves the owner is gone; keep it while cleaning. Another
            // gc may have cleaned it up between our listing and our lock.
            if let Some(_lock) = try_lock(x)? {
                if entry.path().exists() {
                    clean_stale(&entry.path(), ip, report)?;
                }
            }
        }
    }
    Ok(())
}
