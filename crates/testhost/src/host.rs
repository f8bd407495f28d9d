//! A host: a fresh Debian system on a private network, with its own mount, UTS, IPC, PID
//! and network namespaces and its root on an overlay (a tmpfs upper layer over the cached
//! image), started in one of two ways:
//!
//! - [`HostKind::InitScript`]: no init system; PID 1 is a shell loop that reaps orphans,
//!   services are managed through `/etc/init.d` and `service`, as in a container.
//! - [`HostKind::Systemd`]: booted by `systemd-nspawn` with systemd as PID 1, like a stock
//!   server; services start on install and `systemctl` works.
//!
//! Commands run inside through `nsenter` with a clean environment. Dropping a host kills
//! its PID 1 (the kernel then ends every process in its PID namespace), unmounts its file
//! systems and deletes its network namespace.

use std::io::Write;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use nix::mount::MsFlags;
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

use crate::error::{Error, Result};
use crate::image::Image;
use crate::net::NetInner;
use crate::state::{self, HostRecord, ProcRecord};
use crate::sys::{self, BASE_DIR};

/// How a host is run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostKind {
    /// No init system: services through `/etc/init.d` and `service`.
    InitScript,
    /// systemd as PID 1, booted by `systemd-nspawn`.
    Systemd,
    /// No root file system of its own: the machine's programs inside the private network
    /// (made by [`crate::Net::client`]).
    Client,
}

impl std::fmt::Display for HostKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            HostKind::InitScript => "init-script",
            HostKind::Systemd => "systemd",
            HostKind::Client => "client",
        })
    }
}

/// What a command inside a host did.
#[derive(Debug, Clone)]
pub struct Output {
    /// What ran where, for messages: `host: argv...`.
    pub command: String,
    /// Its exit status.
    pub status: ExitStatus,
    /// Its standard output (invalid UTF-8 replaced).
    pub stdout: String,
    /// Its standard error (invalid UTF-8 replaced).
    pub stderr: String,
}

impl Output {
    /// Whether the command exited with status 0.
    pub fn success(&self) -> bool {
        self.status.success()
    }

    /// The output if the command succeeded; otherwise an [`Error::Command`] carrying its
    /// status and standard error.
    pub fn ok(self) -> Result<Output> {
        if self.success() {
            Ok(self)
        } else {
            Err(Error::Command {
                what: self.command,
                status: self.status.to_string(),
                stderr: format!("{}{}", self.stderr, self.stdout),
            })
        }
    }
}

/// A running fresh host; dropping it tears it down.
#[derive(Debug)]
pub struct Host {
    net: Arc<NetInner>,
    name: String,
    ip: Ipv4Addr,
    kind: HostKind,
    netns: String,
    /// The host's number on the network (last octet of its address).
    index: u8,
    /// The tmpfs on the machine that holds everything of this host.
    dir: PathBuf,
    /// The overlay root, `dir/root` (none for a client).
    root: Option<PathBuf>,
    /// The host's PID 1 as the machine sees it (0 until known).
    pid1: i32,
    /// `unshare` or `systemd-nspawn`.
    child: Mutex<Option<Child>>,
    record: HostRecord,
}

/// Prepares the host's file systems and starts its PID 1, before it chroots: `$1` is the
/// root, `$2` the host name. Runs in the host's fresh mount, UTS, IPC and PID namespaces.
const INIT_SCRIPT_SETUP: &str = r#"set -e
R="$1"
hostname "$2"
mount -t proc -o nosuid,nodev,noexec proc "$R/proc"
mount -t sysfs -o ro,nosuid,nodev,noexec sysfs "$R/sys"
mount -t tmpfs -o mode=755,nosuid,nodev tmpfs "$R/run"
mkdir -m 1777 "$R/run/lock"
mount -t tmpfs -o mode=755,nosuid tmpfs "$R/dev"
for d in null zero full random urandom tty; do
  : > "$R/dev/$d"
  mount --bind "/dev/$d" "$R/dev/$d"
done
mkdir "$R/dev/pts" "$R/dev/shm"
mount -t devpts -o newinstance,ptmxmode=0666,mode=620,gid=5 devpts "$R/dev/pts"
ln -s pts/ptmx "$R/dev/ptmx"
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$R/dev/shm"
ln -s /proc/self/fd "$R/dev/fd"
ln -s /proc/self/fd/0 "$R/dev/stdin"
ln -s /proc/self/fd/1 "$R/dev/stdout"
ln -s /proc/self/fd/2 "$R/dev/stderr"
: > "$R/run/.testhost-ready"
exec chroot "$R" /bin/sh -c 'while :; do sleep 2147483647 & wait; done'
"#;

/// The client's PID 1: own hostname, own /proc, the network's hosts file over /etc/hosts.
/// `$1` is the host's directory, `$2` its name.
const CLIENT_SETUP: &str = r#"set -e
hostname "$2"
mount -t proc -o nosuid,nodev,noexec proc /proc
mount --bind "$1/hosts" /etc/hosts
: > "$1/ready"
exec /bin/sh -c 'while :; do sleep 2147483647 & wait; done'
"#;

/// How long a host may take to come up.
const START_LIMIT: Duration = Duration::from_secs(30);

impl Host {
    pub(crate) fn start(
        net: Arc<NetInner>,
        image: Option<&Image>,
        name: &str,
        kind: HostKind,
    ) -> Result<Host> {
        let nspawn = match kind {
            HostKind::Systemd => Some(sys::tool("systemd-nspawn", "systemd-container")?),
            _ => None,
        };
        let image = match (kind, image) {
            (HostKind::Client, _) => None,
            (_, Some(image)) => Some(image),
            (_, None) => {
                return Err(Error::HostStart {
                    host: name.into(),
                    detail: "no image given".into(),
                })
            }
        };
        let (index, ip) = net.reserve(name)?;
        let netns = format!("cvg{}-{index}", net.subnet);
        let dir = Path::new(BASE_DIR)
            .join("hosts")
            .join(format!("{netns}-{name}"));
        let record = HostRecord {
            name: name.to_string(),
            netns: netns.clone(),
            mount: dir.clone(),
            procs: Vec::new(),
            cgroups: Vec::new(),
        };
        // From here on, dropping `host` undoes whatever has been done.
        let mut host = Host {
            net,
            name: name.to_string(),
            ip,
            kind,
            netns,
            index,
            dir,
            root: None,
            pid1: 0,
            child: Mutex::new(None),
            record,
        };
        host.net.record_host(host.record.clone())?;
        host.plug_in(index)?;
        host.make_fs(image)?;
        match (kind, nspawn) {
            (HostKind::Systemd, Some(nspawn)) => host.boot_systemd(&nspawn)?,
            (HostKind::Client, _) => host.start_client()?,
            _ => host.start_init_script()?,
        }
        Ok(host)
    }

    /// Creates the host's network namespace and joins it to the bridge.
    fn plug_in(&self, index: u8) -> Result<()> {
        let net = &self.net;
        sys::run(
            Command::new(&net.tools.ip).args(["netns", "add", &self.netns]),
            "ip netns add",
        )
        .map_err(|e| Error::NoNamespaces {
            what: format!("network namespace {}", self.netns),
            detail: e.to_string(),
        })?;
        let port = format!("v{index}");
        let cidr = format!("{}/24", self.ip);
        net.ip_in(
            &net.bridge,
            &[
                "link",
                "add",
                &port,
                "type",
                "veth",
                "peer",
                "name",
                "eth0",
                "netns",
                &self.netns,
            ],
        )?;
        net.ip_in(&net.bridge, &["link", "set", &port, "master", "br0", "up"])?;
        net.ip_in(&self.netns, &["addr", "add", &cidr, "dev", "eth0"])?;
        net.ip_in(&self.netns, &["link", "set", "eth0", "up"])?;
        net.ip_in(&self.netns, &["link", "set", "lo", "up"])?;
        Ok(())
    }

    /// Mounts the host's tmpfs and, for a host with an image, the overlay root on it.
    fn make_fs(&mut self, image: Option<&Image>) -> Result<()> {
        std::fs::create_dir_all(&self.dir)
            .map_err(|e| Error::io(format!("creating {}", self.dir.display()), e))?;
        sys::mount(
            "tmpfs",
            &self.dir,
            MsFlags::MS_NOSUID | MsFlags::MS_NODEV,
            "mode=755",
        )?;
        let Some(image) = image else {
            let hosts = self.dir.join("hosts");
            std::fs::write(&hosts, b"")
                .map_err(|e| Error::io(format!("writing {}", hosts.display()), e))?;
            return self.net.attach_hosts_file(&self.name, &hosts);
        };
        let (upper, work, root) = (
            self.dir.join("upper"),
            self.dir.join("work"),
            self.dir.join("root"),
        );
        for d in [&upper, &work, &root] {
            std::fs::create_dir(d)
                .map_err(|e| Error::io(format!("creating {}", d.display()), e))?;
        }
        let options = format!(
            "lowerdir={},upperdir={},workdir={}",
            image.root().display(),
            upper.display(),
            work.display()
        );
        // No nosuid/nodev here: this is the host's whole root file system.
        sys::mount("overlay", &root, MsFlags::empty(), &options)?;
        self.root = Some(root.clone());
        let hostname = root.join("etc/hostname");
        std::fs::write(&hostname, format!("{}\n", self.name))
            .map_err(|e| Error::io(format!("writing {}", hostname.display()), e))?;
        self.net
            .attach_hosts_file(&self.name, &root.join("etc/hosts"))
    }

    /// Spawns the host's first process inside its network namespace, its output going to
    /// `console.log` in the host's directory.
    fn spawn(&mut self, cmd: &mut Command) -> Result<i32> {
        let log_path = self.dir.join("console.log");
        let log = std::fs::File::create(&log_path)
            .map_err(|e| Error::io(format!("creating {}", log_path.display()), e))?;
        let log2 = log
            .try_clone()
            .map_err(|e| Error::io("duplicating the console log", e))?;
        let child = cmd
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log2)
            .spawn()
            .map_err(|e| Error::io(format!("starting host {}", self.name), e))?;
        let pid = child.id() as i32;
        *self.child.lock().unwrap_or_else(|p| p.into_inner()) = Some(child);
        self.remember(pid)?;
        Ok(pid)
    }

    /// Records a process of this host in the state file.
    fn remember(&mut self, pid: i32) -> Result<()> {
        if let Some(start) = sys::start_time(pid) {
            self.record.procs.push(ProcRecord { pid, start });
            self.net.record_host(self.record.clone())?;
        }
        Ok(())
    }

    /// The console output so far, for error messages.
    fn console(&self) -> String {
        let text = std::fs::read_to_string(self.dir.join("console.log")).unwrap_or_default();
        sys::tail(&text, 3000)
    }

    /// Fails if the host's first process has ended.
    fn check_alive(&self) -> Result<()> {
        let mut guard = self.child.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(child) = guard.as_mut() {
            if let Ok(Some(status)) = child.try_wait() {
                return Err(Error::HostStart {
                    host: self.name.clone(),
                    detail: format!("its first process exited ({status}):\n{}", self.console()),
                });
            }
        }
        Ok(())
    }

    fn unshare_command(&mut self) -> Result<Command> {
        let mut cmd = self.in_own_cgroup()?;
        let tools = &self.net.tools;
        cmd.arg(&tools.nsenter)
            .arg(format!("--net=/run/netns/{}", self.netns))
            .arg("--")
            .arg(&tools.unshare)
            .args([
                "--mount",
                "--uts",
                "--ipc",
                "--pid",
                "--fork",
                "--kill-child",
                "--propagation",
                "private",
                "/bin/sh",
                "-c",
            ]);
        Ok(cmd)
    }

    /// The PID of the first child of `parent` that passes `check`.
    fn find_child(&self, parent: i32, what: &str, check: impl Fn(i32) -> bool) -> Result<i32> {
        sys::poll(
            || format!("{what} of host {}", self.name),
            START_LIMIT,
            || {
                self.check_alive()?;
                Ok(sys::children(parent).into_iter().find(|c| check(*c)))
            },
        )
    }

    fn start_init_script(&mut self) -> Result<()> {
        let root = self.root.clone().unwrap_or_default();
        let mut cmd = self.unshare_command()?;
        cmd.arg(INIT_SCRIPT_SETUP)
            .arg("sh")
            .arg(&root)
            .arg(&self.name);
        let outer = self.spawn(&mut cmd)?;
        let pid1 = self.find_child(outer, "PID 1", |_| true)?;
        self.remember(pid1)?;
        // The marker is only reachable through PID 1's root once PID 1 has chrooted; before
        // that, commands entering it would run on the machine's root.
        let marker = format!("/proc/{pid1}/root/run/.testhost-ready");
        sys::poll(
            || format!("host {} to set up its file systems", self.name),
            START_LIMIT,
            || {
                self.check_alive()?;
                Ok(Path::new(&marker).exists().then_some(()))
            },
        )?;
        self.pid1 = pid1;
        Ok(())
    }

    fn start_client(&mut self) -> Result<()> {
        let mut cmd = self.unshare_command()?;
        cmd.arg(CLIENT_SETUP)
            .arg("sh")
            .arg(&self.dir)
            .arg(&self.name);
        let outer = self.spawn(&mut cmd)?;
        let pid1 = self.find_child(outer, "PID 1", |_| true)?;
        self.remember(pid1)?;
        let marker = self.dir.join("ready");
        sys::poll(
            || format!("client {} to start", self.name),
            START_LIMIT,
            || {
                self.check_alive()?;
                Ok(marker.exists().then_some(()))
            },
        )?;
        self.pid1 = pid1;
        Ok(())
    }

    /// A command that moves itself into cgroups of the host's own and then execs the
    /// arguments added to it. Every process of the host lives in them, so teardown and gc
    /// can kill what no record names (a process spawned just before a crash, a container's
    /// systemd). For a systemd host the cgroup is required: with --keep-unit, nspawn makes
    /// the cgroup it is started in the container's root cgroup, and the machine has no
    /// systemd to give each container a scope; sharing one, concurrent containers' systemd
    /// would create and remove each other's unit cgroups ("Failed to attach to cgroup").
    fn in_own_cgroup(&mut self) -> Result<Command> {
        let cgroups: Vec<PathBuf> = sys::systemd_cgroup_roots()
            .into_iter()
            .map(|r| r.join("converge").join(&self.netns))
            .collect();
        if cgroups.is_empty() && self.kind == HostKind::Systemd {
            return Err(Error::NoNamespaces {
                what: "a cgroup for systemd-nspawn".into(),
                detail: "no cgroup2 or name=systemd cgroup hierarchy is mounted".into(),
            });
        }
        self.record.cgroups = cgroups.clone();
        self.net.record_host(self.record.clone())?;
        let mut join = String::from("set -e\n");
        for cg in &cgroups {
            // Left by a crashed run of the same network number (its lock is ours now).
            sys::remove_cgroup_tree(cg);
            // Retried: an explicit gc may remove the empty parent between our steps.
            let mut made = std::fs::create_dir_all(cg);
            for _ in 0..3 {
                if made.is_ok() {
                    break;
                }
                made = std::fs::create_dir_all(cg);
            }
            made.map_err(|e| Error::NoNamespaces {
                what: format!("cgroup {}", cg.display()),
                detail: e.to_string(),
            })?;
            join.push_str(&format!("echo $$ > '{}/cgroup.procs'\n", cg.display()));
        }
        join.push_str("exec \"$@\"\n");
        let mut cmd = sys::clean_command("/bin/sh");
        cmd.args(["-c", &join, "sh"]);
        Ok(cmd)
    }

    fn boot_systemd(&mut self, nspawn: &Path) -> Result<()> {
        let root = self.root.clone().unwrap_or_default();
        let mut cmd = self.in_own_cgroup()?;
        cmd.arg(nspawn)
            .arg("--quiet")
            .arg("--directory")
            .arg(&root)
            .arg("--boot")
            // Unique on the machine (nspawn keeps per-machine-name state in /run), while
            // the hostname is the host's name.
            .arg(format!("--machine={}", self.netns))
            .arg(format!("--hostname={}", self.name))
            // The machine itself does not run systemd: no registration, no scope unit.
            .args(["--register=no", "--keep-unit"])
            .arg(format!(
                "--network-namespace-path=/run/netns/{}",
                self.netns
            ))
            .args([
                "--resolv-conf=off",
                "--timezone=off",
                "--link-journal=no",
                "--console=read-only",
            ]);
        let nspawn_pid = self.spawn(&mut cmd)?;
        // systemd is nspawn's child once nspawn's own helper has exec'd it.
        let pid1 = self.find_child(nspawn_pid, "systemd", |c| {
            std::fs::read_link(format!("/proc/{c}/exe"))
                .map(|exe| exe.file_name().is_some_and(|n| n == "systemd"))
                .unwrap_or(false)
        })?;
        self.remember(pid1)?;
        let socket = format!("/proc/{pid1}/root/run/systemd/private");
        sys::poll(
            || format!("systemd in host {} to listen", self.name),
            START_LIMIT,
            || {
                self.check_alive()?;
                Ok(Path::new(&socket).exists().then_some(()))
            },
        )?;
        self.pid1 = pid1;
        let limit = START_LIMIT.as_secs().to_string();
        let out = self.exec(&[
            "timeout",
            &limit,
            "systemctl",
            "is-system-running",
            "--wait",
        ])?;
        let state = out.stdout.trim().to_string();
        if state != "running" {
            let failed = self
                .sh("systemctl --failed --no-legend --no-pager; journalctl -b -p warning --no-pager -n 40")
                .map(|o| o.stdout)
                .unwrap_or_default();
            let hint = if failed.contains("inotify") {
                // Each systemd host holds several inotify instances; the limit is per user
                // for the whole machine.
                let limit = std::fs::read_to_string("/proc/sys/fs/inotify/max_user_instances")
                    .unwrap_or_default();
                format!(
                    ": out of inotify instances (fs.inotify.max_user_instances = {}); \
                     run fewer systemd hosts at once or raise that limit",
                    limit.trim()
                )
            } else {
                String::new()
            };
            return Err(Error::Boot {
                host: self.name.clone(),
                state: format!("{state}{}", out.stderr.trim()),
                hint,
                failed,
            });
        }
        Ok(())
    }

    /// A command that runs `argv` inside the host (its namespaces and root, a clean
    /// environment with PATH, HOME=/root and LANG=C.UTF-8), for callers that want their
    /// own stdio, e.g. an interactive shell.
    pub fn command(&self, argv: &[&str]) -> Command {
        let mut cmd = sys::clean_command(&self.net.tools.nsenter);
        cmd.arg("-t")
            .arg(self.pid1.to_string())
            .args(["-m", "-u", "-i", "-n", "-p"]);
        if self.root.is_some() {
            cmd.args(["-r", "-w"]);
        }
        cmd.arg("--").args(argv);
        cmd
    }

    fn run_raw(&self, argv: &[&str], input: Option<&[u8]>) -> Result<std::process::Output> {
        let mut cmd = self.command(argv);
        cmd.stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
        let mut child = cmd.spawn().map_err(|e| {
            Error::io(
                format!("running `{}` in host {}", argv.join(" "), self.name),
                e,
            )
        })?;
        let writer = match (input, child.stdin.take()) {
            (Some(bytes), Some(mut stdin)) => {
                let bytes = bytes.to_vec();
                // Written from another thread: the command may fill its stdout first.
                Some(std::thread::spawn(move || stdin.write_all(&bytes)))
            }
            _ => None,
        };
        let out = child.wait_with_output().map_err(|e| {
            Error::io(
                format!("running `{}` in host {}", argv.join(" "), self.name),
                e,
            )
        })?;
        if let Some(w) = writer {
            // A command that exits without reading its input is reported by its status.
            let _ = w.join();
        }
        Ok(out)
    }

    /// Runs a program inside the host and waits for it. A non-zero exit is not an error
    /// here: look at [`Output::status`] or use [`Output::ok`].
    pub fn exec(&self, argv: &[&str]) -> Result<Output> {
        let out = self.run_raw(argv, None)?;
        Ok(Output {
            command: format!("{}: {}", self.name, argv.join(" ")),
            status: out.status,
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        })
    }

    /// Runs a program inside the host with `input` on its standard input.
    pub fn exec_with_input(&self, argv: &[&str], input: &[u8]) -> Result<Output> {
        let out = self.run_raw(argv, Some(input))?;
        Ok(Output {
            command: format!("{}: {}", self.name, argv.join(" ")),
            status: out.status,
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        })
    }

    /// Runs a shell script inside the host with `/bin/sh -c`.
    pub fn sh(&self, script: &str) -> Result<Output> {
        self.exec(&["/bin/sh", "-c", script])
    }

    fn require_root_fs(&self, what: &'static str) -> Result<()> {
        if self.root.is_none() {
            return Err(Error::NoRootFs {
                host: self.name.clone(),
                what,
            });
        }
        Ok(())
    }

    fn checked(&self, what: String, out: std::process::Output) -> Result<std::process::Output> {
        if out.status.success() {
            Ok(out)
        } else {
            Err(Error::Command {
                what,
                status: out.status.to_string(),
                stderr: String::from_utf8_lossy(&out.stderr).trim().to_string(),
            })
        }
    }

    /// Reads a file inside the host (resolved inside the host, symlinks included).
    pub fn read_file(&self, path: &str) -> Result<Vec<u8>> {
        let out = self.run_raw(&["cat", "--", path], None)?;
        let out = self.checked(format!("reading {path} in host {}", self.name), out)?;
        Ok(out.stdout)
    }

    /// Writes a file inside the host (mode 0644 if new), creating parent directories.
    pub fn write_file(&self, path: &str, bytes: &[u8]) -> Result<()> {
        self.require_root_fs("write_file")?;
        let script = r#"mkdir -p "$(dirname "$1")" && cat > "$1""#;
        let out = self.run_raw(&["/bin/sh", "-c", script, "sh", path], Some(bytes))?;
        self.checked(format!("writing {path} in host {}", self.name), out)
            .map(|_| ())
    }

    /// Copies a file or a directory tree from the machine into the host at `dst`, keeping
    /// permission bits; files end up owned by root.
    pub fn copy_in(&self, src: &Path, dst: &str) -> Result<()> {
        use std::os::unix::fs::PermissionsExt;
        self.require_root_fs("copy_in")?;
        let meta = std::fs::metadata(src)
            .map_err(|e| Error::io(format!("reading {}", src.display()), e))?;
        if meta.is_dir() {
            let tar = sys::tool("tar", "tar")?;
            let archive = sys::run(
                Command::new(tar).arg("-C").arg(src).args(["-cf", "-", "."]),
                &format!("packing {}", src.display()),
            )?;
            let script = r#"mkdir -p "$1" && tar -C "$1" --no-same-owner -xf -"#;
            let out = self.run_raw(&["/bin/sh", "-c", script, "sh", dst], Some(&archive.stdout))?;
            return self
                .checked(format!("copying {} to {dst}", src.display()), out)
                .map(|_| ());
        }
        let bytes =
            std::fs::read(src).map_err(|e| Error::io(format!("reading {}", src.display()), e))?;
        let mode = format!("{:o}", meta.permissions().mode() & 0o7777);
        let script = r#"mkdir -p "$(dirname "$1")" && cat > "$1" && chmod "$2" "$1""#;
        let out = self.run_raw(&["/bin/sh", "-c", script, "sh", dst, &mode], Some(&bytes))?;
        self.checked(format!("copying {} to {dst}", src.display()), out)
            .map(|_| ())
    }

    /// Copies the `converge` binary into the host as `/usr/local/bin/converge`.
    pub fn install_converge(&self, binary: &Path) -> Result<()> {
        self.copy_in(binary, "/usr/local/bin/converge")?;
        self.exec(&["chmod", "0755", "/usr/local/bin/converge"])?
            .ok()
            .map(|_| ())
    }

    /// The host's name (also its hostname and its `/etc/hosts` entry).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The host's address on the private network.
    pub fn ip(&self) -> Ipv4Addr {
        self.ip
    }

    /// How the host runs.
    pub fn kind(&self) -> HostKind {
        self.kind
    }

    /// The host's root file system as the machine sees it (an overlay mount; file systems
    /// mounted inside the host such as /proc and /run are not visible there). `None` for a
    /// client, which has no root file system of its own.
    pub fn root_path(&self) -> Option<&Path> {
        self.root.as_deref()
    }

    /// The host's PID 1 as the machine sees it.
    pub fn pid1(&self) -> i32 {
        self.pid1
    }

    /// The name of the host's network namespace.
    pub fn netns(&self) -> &str {
        &self.netns
    }

    /// The directory on the machine where the host's tmpfs (and overlay) is mounted.
    pub fn mount_dir(&self) -> &Path {
        &self.dir
    }

    fn teardown(&mut self) {
        let mut guard = self.child.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(mut child) = guard.take() {
            // SIGKILL of a PID namespace's init ends every process in it; unshare and
            // nspawn then exit on their own.
            // The record holds [outer process, PID 1]; PID 1 is known there before
            // `self.pid1` is set at the end of a start.
            match self.record.procs.get(1) {
                Some(p) if sys::start_time(p.pid) == Some(p.start) => {
                    let _ = kill(Pid::from_raw(p.pid), Signal::SIGKILL);
                }
                _ => {
                    let _ = child.kill();
                }
            }
            let exited = sys::poll(
                || "host process to exit".into(),
                Duration::from_secs(5),
                || Ok(child.try_wait().ok().flatten()),
            );
            if exited.is_err() {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
        drop(guard);
        // Deleting our end of the veth pair removes both ends now; deleting the namespace
        // alone leaves the kernel to do it later.
        let _ = self.net.ip_in(
            &self.net.bridge,
            &["link", "delete", &format!("v{}", self.index)],
        );
        for cg in &self.record.cgroups {
            sys::remove_cgroup_tree(cg);
        }
        state::remove_mount(&self.dir);
        let _ = state::delete_netns(&self.net.tools.ip, &self.netns);
        self.net.release(&self.name);
    }
}

impl Drop for Host {
    fn drop(&mut self) {
        self.teardown();
    }
}
