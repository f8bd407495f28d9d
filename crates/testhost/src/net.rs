//! The private network: a bridge in a network namespace of its own, link-local addresses
//! (169.254.X.0/24, X unique among the test processes running at the same time), and every
//! host's name in every host's `/etc/hosts`. There is no default route: nothing leaves.

use std::fs::File;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex, MutexGuard};

use nix::fcntl::Flock;

use crate::error::{Error, Result};
use crate::host::{Host, HostKind};
use crate::image::Image;
use crate::state::{self, HostRecord, NetRecord};
use crate::sys;

/// The highest host number on a network (169.254.X.1 ..= 169.254.X.MAX_HOSTS).
const MAX_HOSTS: u8 = 250;

/// A private network that hosts join; dropping it (after its hosts) removes it.
#[derive(Debug)]
pub struct Net {
    inner: Arc<NetInner>,
}

/// The programs the test bed runs on the machine, found once.
#[derive(Debug)]
pub(crate) struct Tools {
    pub(crate) ip: PathBuf,
    pub(crate) nsenter: PathBuf,
    pub(crate) unshare: PathBuf,
}

/// The shared part of a network, kept alive by its hosts.
#[derive(Debug)]
pub(crate) struct NetInner {
    pub(crate) subnet: u8,
    pub(crate) bridge: String,
    pub(crate) tools: Tools,
    record_path: PathBuf,
    state: Mutex<NetState>,
    /// Held for the network's life: tells other processes the subnet is taken.
    _lock: Flock<File>,
}

#[derive(Debug)]
struct NetState {
    record: NetRecord,
    members: Vec<Member>,
    /// The host number handed out last.
    last_index: u8,
}

#[derive(Debug)]
struct Member {
    name: String,
    index: u8,
    /// Where the host's `/etc/hosts` is, on the machine, once its file system exists.
    hosts_file: Option<PathBuf>,
}

impl Net {
    /// Creates a private network on a subnet no other running test process uses.
    pub fn new() -> Result<Net> {
        sys::require_root()?;
        let tools = Tools {
            ip: sys::tool("ip", "iproute2")?,
            nsenter: sys::tool("nsenter", "util-linux")?,
            unshare: sys::tool("unshare", "util-linux")?,
        };
        let dir = state::state_dir();
        std::fs::create_dir_all(&dir)
            .map_err(|e| Error::io(format!("creating {}", dir.display()), e))?;
        // Once per process, remove what crashed (e.g. interrupted) runs left, so leftovers
        // do not pile up between explicit `cargo xtask gc` runs. Failures here are left for
        // that explicit gc to report.
        static CLEANED: std::sync::Once = std::sync::Once::new();
        CLEANED.call_once(|| {
            let _ = state::clean_stale_nets(&tools.ip, &mut Vec::new());
        });
        // Start the search at a place that depends on our PID, so that processes starting
        // at once rarely contend for the same lock.
        let first = (std::process::id() % 254) as u16;
        let mut found = None;
        for step in 0..254u16 {
            let x = ((first + step) % 254 + 1) as u8;
            if let Some(lock) = state::try_lock(x)? {
                found = Some((x, lock));
                break;
            }
        }
        let (subnet, lock) = found.ok_or(Error::NoFreeSubnet)?;
        let record_path = state::record_path(subnet);
        if record_path.exists() {
            // Its owner is gone (we hold the lock): clean up what it left first.
            let mut report = Vec::new();
            state::clean_stale(&record_path, &tools.ip, &mut report)?;
        }
        let bridge = format!("cvg{subnet}-br");
        let record = NetRecord {
            owner_pid: std::process::id(),
            subnet,
            bridge_netns: bridge.clone(),
            hosts: Vec::new(),
        };
        state::save(&record_path, &record)?;
        let inner = Arc::new(NetInner {
            subnet,
            bridge: bridge.clone(),
            tools,
            record_path,
            state: Mutex::new(NetState {
                record,
                members: Vec::new(),
                last_index: 0,
            }),
            _lock: lock,
        });
        sys::run(
            Command::new(&inner.tools.ip).args(["netns", "add", &bridge]),
            "ip netns add",
        )
        .map_err(|e| Error::NoNamespaces {
            what: format!("network namespace {bridge}"),
            detail: e.to_string(),
        })?;
        inner.ip_in(&bridge, &["link", "add", "br0", "type", "bridge"])?;
        inner.ip_in(&bridge, &["link", "set", "br0", "up"])?;
        Ok(Net { inner })
    }

    /// Starts a host of the given kind from `image`.
    pub fn host(&self, image: &Image, name: &str, kind: HostKind) -> Result<Host> {
        Host::start(self.inner.clone(), Some(image), name, kind)
    }

    /// Starts several hosts at once, in parallel; all or none.
    pub fn hosts(&self, image: &Image, specs: &[(&str, HostKind)]) -> Result<Vec<Host>> {
        let results: Vec<Result<Host>> = std::thread::scope(|s| {
            let handles: Vec<_> = specs
                .iter()
                .map(|(name, kind)| s.spawn(move || self.host(image, name, *kind)))
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join().unwrap_or_else(|_| {
                        Err(Error::HostStart {
                            host: "?".into(),
                            detail: "the thread starting it panicked".into(),
                        })
                    })
                })
                .collect()
        });
        // On any failure the hosts that did start are dropped, i.e. torn down.
        results.into_iter().collect()
    }

    /// Starts a client: a host with no root file system of its own that runs the
    /// machine's programs (curl, ...) inside the private network, with its own name, PID
    /// and mount namespaces.
    pub fn client(&self, name: &str) -> Result<Host> {
        Host::start(self.inner.clone(), None, name, HostKind::Client)
    }

    /// The third octet X of the network 169.254.X.0/24.
    pub fn subnet(&self) -> u8 {
        self.inner.subnet
    }

    /// The name of the network namespace holding the bridge.
    pub fn netns(&self) -> &str {
        &self.inner.bridge
    }
}

impl NetInner {
    fn lock(&self) -> MutexGuard<'_, NetState> {
        // A panic while holding the lock leaves consistent data: every update is one step.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `ip` inside a network namespace of ours.
    pub(crate) fn ip_in(&self, netns: &str, args: &[&str]) -> Result<()> {
        sys::run(
            Command::new(&self.tools.ip).arg("-n").arg(netns).args(args),
            &format!("ip -n {netns} {}", args.join(" ")),
        )
        .map(|_| ())
    }

    /// Takes a name and a host number on this network.
    pub(crate) fn reserve(&self, name: &str) -> Result<(u8, Ipv4Addr)> {
        validate_name(name)?;
        let mut st = self.lock();
        if st.members.iter().any(|m| m.name == name) {
            return Err(Error::DuplicateName(name.to_string()));
        }
        // Next fit: a number just released is taken last, so nothing of a host that is
        // still going away (the kernel frees a namespace's devices lazily) meets its successor.
        let index = (st.last_index..MAX_HOSTS)
            .chain(0..st.last_index)
            .map(|i| i + 1)
            .find(|i| st.members.iter().all(|m| m.index != *i))
            .ok_or(Error::NetworkFull {
                subnet: self.subnet,
            })?;
        st.last_index = index;
        st.members.push(Member {
            name: name.to_string(),
            index,
            hosts_file: None,
        });
        Ok((index, self.addr(index)))
    }

    /// The address of host number `index`.
    pub(crate) fn addr(&self, index: u8) -> Ipv4Addr {
        Ipv4Addr::new(169, 254, self.subnet, index)
    }

    /// Tells the network where a host's `/etc/hosts` is, and rewrites every host's file so
    /// that all of them list all names.
    pub(crate) fn attach_hosts_file(&self, name: &str, path: &Path) -> Result<()> {
        let mut st = self.lock();
        if let Some(m) = st.members.iter_mut().find(|m| m.name == name) {
            m.hosts_file = Some(path.to_path_buf());
        }
        let mut text = String::from(
            "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n\n",
        );
        for m in &st.members {
            text.push_str(&format!("{}\t{}\n", self.addr(m.index), m.name));
        }
        for file in st.members.iter().filter_map(|m| m.hosts_file.as_ref()) {
            // Written in place (not replaced): the client sees its file through a bind mount.
            std::fs::write(file, &text)
                .map_err(|e| Error::io(format!("writing {}", file.display()), e))?;
        }
        Ok(())
    }

    /// Forgets a host that is gone.
    pub(crate) fn release(&self, name: &str) {
        let mut st = self.lock();
        st.members.retain(|m| m.name != name);
        st.record.hosts.retain(|h| h.name != name);
        let _ = state::save(&self.record_path, &st.record);
    }

    /// Records (or updates) what a host has created, before it is created.
    pub(crate) fn record_host(&self, host: HostRecord) -> Result<()> {
        let mut st = self.lock();
        match st.record.hosts.iter_mut().find(|h| h.name == host.name) {
            Some(h) => *h = host,
            None => st.record.hosts.push(host),
        }
        state::save(&self.record_path, &st.record)
    }
}

impl Drop for NetInner {
    fn drop(&mut self) {
        // Hosts keep this alive, so they are all gone by now.
        let _ = state::delete_netns(&self.tools.ip, &self.bridge);
        let _ = std::fs::remove_file(&self.record_path);
    }
}

/// A host name must be one DNS label: it becomes the hostname and an `/etc/hosts` entry.
fn validate_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 63
        && !name.starts_with('-')
        && !name.ends_with('-')
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(Error::BadName(name.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_names_are_dns_labels() {
        for good in ["web-01", "lb", "a1"] {
            assert!(validate_name(good).is_ok(), "{good}");
        }
        for bad in ["", "-a", "a-", "Web", "a.b", "a b", &"x".repeat(64)] {
            assert!(
                matches!(validate_name(bad), Err(Error::BadName(_))),
                "{bad}"
            );
        }
    }
}
