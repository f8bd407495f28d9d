//! Layer-by-layer diagnosis of a web service, as a person would debug it by hand: is the
//! package installed, is its config valid, is the service running, does something listen
//! on its port (and who), does a local request answer, and for a load balancer does each
//! upstream answer. Each layer says what was tested, what it found and the command that
//! reproduces it; the first failing layer is the likely cause.
//!
//! Read-only: it reads dpkg's database, /proc and logs, and runs only status and
//! config-test commands. Used by the `http_check` provider after a failed check and by
//! `converge doctor`.

use crate::context::{Cmd, Context, InitSystem};
use crate::http_check::{self, Spec};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, ToSocketAddrs};
use std::path::Path;
use std::time::Duration;

/// nginx's error log, shown when an nginx layer fails.
pub const NGINX_ERROR_LOG: &str = "/var/log/nginx/error.log";
/// HAProxy's configuration, whose `server` lines are the upstreams.
pub const HAPROXY_CFG: &str = "/etc/haproxy/haproxy.cfg";

/// One layer tested.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layer {
    /// Short name (`package`, `config`, `service`, `listening`, `local request`, `upstream`).
    pub name: String,
    /// What was tested, in words.
    pub tested: String,
    /// Whether it passed.
    pub ok: bool,
    /// What was found (command output, the holder of a port, ...).
    pub evidence: String,
    /// The exact command that reproduces the test on this host.
    pub reproduce: String,
    /// The likely fix when it failed.
    pub fix: Option<String>,
}

/// The diagnosis of one service or one check.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Diagnosis {
    /// What was diagnosed (`nginx on port 80`, `http://web-01:80/`).
    pub subject: String,
    /// Every layer, in order from the bottom.
    pub layers: Vec<Layer>,
    /// The last lines of the relevant error log: (path, lines).
    pub log: Option<(String, Vec<String>)>,
}

impl Diagnosis {
    /// The first layer that failed: the likely cause.
    pub fn first_failure(&self) -> Option<&Layer> {
        self.layers.iter().find(|l| !l.ok)
    }

    /// Whether every layer passed.
    pub fn healthy(&self) -> bool {
        self.first_failure().is_none()
    }

    /// The diagnosis as text for people.
    pub fn render(&self) -> String {
        let mut s = format!("diagnosis of {}:\n", self.subject);
        for l in &self.layers {
            let mark = if l.ok { "ok  " } else { "FAIL" };
            s.push_str(&format!("  {mark} {}: {}\n", l.name, l.tested));
            if !l.ok || l.name == "listening" {
                for line in l.evidence.lines().filter(|x| !x.trim().is_empty()).take(12) {
                    s.push_str(&format!("         | {line}\n"));
                }
            }
            if !l.ok {
                s.push_str(&format!("         reproduce: {}\n", l.reproduce));
                if let Some(f) = &l.fix {
                    s.push_str(&format!("         fix: {f}\n"));
                }
            }
        }
        match self.first_failure() {
            Some(l) => s.push_str(&format!("  first failing layer: {}\n", l.name)),
            None => s.push_str("  every layer passed\n"),
        }
        if let Some((path, lines)) = &self.log {
            if !self.healthy() && !lines.is_empty() {
                s.push_str(&format!("  last lines of {path}:\n"));
                for l in lines {
                    s.push_str(&format!("    {l}\n"));
                }
            }
        }
        s
    }
}

/// A listening TCP socket from /proc/net/tcp or tcp6.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listener {
    /// Local address.
    pub addr: IpAddr,
    /// Local port.
    pub port: u16,
    /// Socket inode, to find the owning process.
    pub inode: u64,
}

fn hex_addr(h: &str) -> Option<IpAddr> {
    // The kernel prints each 32-bit word in host (little-endian) byte order.
    let words: Vec<u32> = (0..h.len() / 8)
        .map(|i| u32::from_str_radix(h.get(i * 8..i * 8 + 8)?, 16).ok())
        .collect::<Option<_>>()?;
    match words.as_slice() {
        [w] => Some(IpAddr::V4(Ipv4Addr::from(w.to_le_bytes()))),
        [a, b, c, d] => {
            let mut bytes = [0u8; 16];
            for (i, w) in [a, b, c, d].iter().enumerate() {
                bytes[i * 4..i * 4 + 4].copy_from_slice(&w.to_le_bytes());
            }
            Some(IpAddr::V6(Ipv6Addr::from(bytes)))
        }
        _ => None,
    }
}

/// The listening sockets in the text of /proc/net/tcp or /proc/net/tcp6; malformed lines
/// are skipped.
pub fn parse_proc_net_tcp(text: &str) -> Vec<Listener> {
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            if f.get(3) != Some(&"0A") {
                return None;
            }
            let (a, p) = f.get(1)?.split_once(':')?;
            Some(Listener {
                addr: hex_addr(a)?,
                port: u16::from_str_radix(p, 16).ok()?,
                inode: f.get(9)?.parse().ok()?,
            })
        })
        .collect()
}

/// Every listening TCP socket on this host.
pub fn listeners() -> Vec<Listener> {
    ["/proc/net/tcp", "/proc/net/tcp6"]
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .flat_map(|t| parse_proc_net_tcp(&t))
        .collect()
}

/// The process holding a socket inode: (pid, command name), from /proc/*/fd.
pub fn socket_owner(inode: u64) -> Option<(u32, String)> {
    let want = format!("socket:[{inode}]");
    for e in std::fs::read_dir("/proc").ok()?.flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
            continue;
        };
        let Ok(fds) = std::fs::read_dir(e.path().join("fd")) else {
            continue;
        };
        for fd in fds.flatten() {
            if std::fs::read_link(fd.path()).is_ok_and(|l| l.as_os_str() == want.as_str()) {
                let comm = std::fs::read_to_string(e.path().join("comm")).unwrap_or_default();
                return Some((pid, comm.trim().to_string()));
            }
        }
    }
    None
}

/// The last `n` lines of a file (empty when it cannot be read).
pub fn tail(path: &Path, n: usize) -> Vec<String> {
    let text = std::fs::read(path)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..]
        .iter()
        .map(|s| s.to_string())
        .collect()
}

/// `server NAME ADDR:PORT ...` lines of an HAProxy config: (name, host, port).
pub fn haproxy_servers(cfg: &str) -> Vec<(String, String, u16)> {
    cfg.lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            if f.first() != Some(&"server") {
                return None;
            }
            let (h, p) = f.get(2)?.rsplit_once(':')?;
            Some((f.get(1)?.to_string(), h.to_string(), p.parse().ok()?))
        })
        .collect()
}

/// The port of the first `bind` line of an HAProxy config.
pub fn haproxy_bind_port(cfg: &str) -> Option<u16> {
    cfg.lines().find_map(|l| {
        let f: Vec<&str> = l.split_whitespace().collect();
        (f.first() == Some(&"bind"))
            .then(|| f.get(1)?.rsplit_once(':')?.1.parse().ok())
            .flatten()
    })
}

fn short(out: &str) -> String {
    out.lines()
        .filter(|l| !l.trim().is_empty())
        .take(12)
        .collect::<Vec<_>>()
        .join("\n")
}

fn control(init: InitSystem, service: &str, action: &str) -> String {
    match init {
        InitSystem::Systemd => format!("systemctl {action} {service}"),
        InitSystem::InitScripts => format!("service {service} {action}"),
    }
}

/// `s` as one shell word: unchanged when it holds only safe characters, else single-quoted.
fn shell_word(s: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "/._-:=?&%+~,@".contains(c);
    if !s.is_empty() && s.chars().all(safe) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// A command that repeats `GET path` to `host:port` on a fresh Debian host, which has no
/// curl: bash's `/dev/tcp` (bash and coreutils' `timeout` are on every Debian system)
/// prints the status line, headers and body, and exits non-zero when the connection fails.
pub fn http_reproduce(host: &str, port: u16, path: &str) -> String {
    let host_header = if port == 80 {
        host.to_string()
    } else {
        format!("{host}:{port}")
    };
    let script = format!(
        r#"exec 3<>/dev/tcp/{host}/{port} && printf "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n" {} {} >&3 && cat <&3"#,
        shell_word(path),
        shell_word(&host_header)
    );
    format!("timeout 5 bash -c {}", shell_word(&script))
}

fn awk_listen(port: u16) -> String {
    format!("awk '$4==\"0A\" && $2 ~ /:{port:04X}$/' /proc/net/tcp /proc/net/tcp6")
}

/// Diagnose a service (`nginx` or `haproxy`, or any other name with fewer layers) that
/// should serve HTTP on `port`.
pub fn service(name: &str, port: u16, cx: &mut Context) -> Diagnosis {
    let mut d = Diagnosis {
        subject: format!("{name} on port {port}"),
        ..Default::default()
    };
    let init = cx.init_system();
    // Package.
    let pkg = cx
        .dpkg()
        .ok()
        .and_then(|db| db.get(name).cloned())
        .map(|e| format!("{} {} (version {})", e.want, e.status, e.version));
    let installed = pkg.as_deref().is_some_and(|s| s.contains(" installed "));
    d.layers.push(Layer {
        name: "package".into(),
        tested: format!("package {name} is installed"),
        ok: installed,
        evidence: format!(
            "dpkg status: {}",
            pkg.as_deref().unwrap_or("not known to dpkg")
        ),
        reproduce: format!("dpkg-query -W -f='${{Status}}\\n' {name}"),
        fix: Some(format!(
            "apt-get install {name} (or apply the manifest again)"
        )),
    });
    // Config.
    let config_cmd: Option<Vec<&str>> = match name {
        "nginx" => Some(vec!["/usr/sbin/nginx", "-t"]),
        "haproxy" => Some(vec!["/usr/sbin/haproxy", "-c", "-f", HAPROXY_CFG]),
        _ => None,
    };
    if let Some(argv) = config_cmd {
        let mut c = Cmd::new(&argv);
        c.timeout = Some(Duration::from_secs(20));
        let (ok, evidence) = match cx.run(&c) {
            Ok(o) => (o.success(), short(&o.combined())),
            Err(e) => (false, e.to_string()),
        };
        d.layers.push(Layer {
            name: "config".into(),
            tested: format!("{name}'s configuration is valid"),
            ok,
            evidence,
            reproduce: argv.join(" "),
            fix: Some(format!(
                "correct the file and line named above, then {}",
                control(init, name, "reload")
            )),
        });
    }
    // Service.
    let status_cmd = match init {
        InitSystem::Systemd => Cmd::new(&["/bin/systemctl", "is-active", "--", name]),
        InitSystem::InitScripts => Cmd::new(&["/usr/sbin/service", name, "status"]),
    };
    let (running, evidence) = match cx.run(&status_cmd) {
        Ok(o) => (
            o.success(),
            format!(
                "{} exited {}: {}",
                status_cmd.display(),
                o.code.map_or("by a signal".into(), |c| c.to_string()),
                short(&o.combined())
            ),
        ),
        Err(e) => (false, e.to_string()),
    };
    // Who listens on the port: the evidence for both the service and the listening layers.
    let held: Vec<(Listener, Option<(u32, String)>)> = listeners()
        .into_iter()
        .filter(|l| l.port == port)
        .map(|l| {
            let o = socket_owner(l.inode);
            (l, o)
        })
        .collect();
    let ours = |o: &Option<(u32, String)>| o.as_ref().is_some_and(|(_, c)| c.contains(name));
    let other = held
        .iter()
        .find(|(_, o)| o.is_some() && !ours(o))
        .and_then(|(_, o)| o.clone());
    let start_fix = match &other {
        Some((pid, comm)) => format!(
            "port {port} is held by {comm} (pid {pid}): stop it (kill {pid}), then {}",
            control(init, name, "start")
        ),
        None => control(init, name, "start"),
    };
    d.layers.push(Layer {
        name: "service".into(),
        tested: format!("service {name} is running"),
        ok: running,
        evidence: if running {
            evidence
        } else {
            format!("{name} is not running ({evidence})")
        },
        reproduce: status_cmd.display(),
        fix: Some(start_fix.clone()),
    });
    // Listening.
    let described: Vec<String> = held
        .iter()
        .map(|(l, o)| match o {
            Some((pid, comm)) => format!("{}:{} held by {comm} (pid {pid})", l.addr, l.port),
            None => format!("{}:{} (owner not visible)", l.addr, l.port),
        })
        .collect();
    let listening_ok = held.iter().any(|(_, o)| ours(o)) && other.is_none();
    d.layers.push(Layer {
        name: "listening".into(),
        tested: format!("{name} listens on port {port}"),
        ok: listening_ok,
        evidence: if described.is_empty() {
            format!("nothing listens on port {port}")
        } else {
            described.join("\n")
        },
        reproduce: awk_listen(port),
        // Running yet not on the port: starting it again would not help.
        fix: Some(if running && other.is_none() {
            let listen_cmd = match name {
                "nginx" => "/usr/sbin/nginx -T | grep listen".to_string(),
                "haproxy" => format!("grep bind {HAPROXY_CFG}"),
                _ => format!("grep -r {port} /etc/{name}"),
            };
            format!(
                "{name} runs but does not listen on port {port}: check the port its configuration names ({listen_cmd})"
            )
        } else {
            start_fix
        }),
    });
    // Local request.
    let (ok, evidence) = match http_check::get("127.0.0.1", port, "/", Duration::from_secs(3)) {
        Ok(r) => (r.status < 500, format!("status {}", r.status)),
        Err(e) => (false, e.to_string()),
    };
    d.layers.push(Layer {
        name: "local request".into(),
        tested: format!("GET http://127.0.0.1:{port}/ answers"),
        ok,
        evidence,
        reproduce: http_reproduce("127.0.0.1", port, "/"),
        fix: Some(match name {
            "haproxy" => {
                "HAProxy answers but has no backend to pass the request to: see the upstream layers"
                    .to_string()
            }
            _ => format!("{name} accepts connections but does not answer well: see its log below"),
        }),
    });
    // Upstreams.
    if name == "haproxy" {
        let cfg = std::fs::read_to_string(HAPROXY_CFG).unwrap_or_default();
        let states = haproxy_states(&cfg);
        for (sname, host, sport) in haproxy_servers(&cfg) {
            let (ok, mut evidence) =
                match http_check::get(&host, sport, "/", Duration::from_secs(3)) {
                    Ok(r) => (r.status < 500, format!("status {}", r.status)),
                    Err(e) => (false, format!("{sname} does not answer: {e}")),
                };
            // HAProxy's own view: what its health checks say about this server.
            if let Some((_, state)) = states.iter().find(|(n, _)| *n == sname) {
                evidence.push_str(&format!("\nHAProxy reports {sname} {state}"));
            }
            d.layers.push(Layer {
                name: format!("upstream {sname}"),
                tested: format!("backend {sname} ({host}:{sport}) answers GET /"),
                ok,
                evidence,
                reproduce: http_reproduce(&host, sport, "/"),
                fix: Some(format!(
                    "{sname} is down or its address in {HAPROXY_CFG} is wrong: run `converge doctor` on {sname}"
                )),
            });
        }
    }
    if name == "nginx" {
        let log = tail(Path::new(NGINX_ERROR_LOG), 200);
        for (upstream, host, sport) in nginx_upstream_servers(Path::new("/etc/nginx/nginx.conf")) {
            let member = format!("{host}:{sport}");
            let (ok, mut evidence) =
                match http_check::get(&host, sport, "/", Duration::from_secs(3)) {
                    Ok(r) => (
                        r.status < 500,
                        format!("{member} answers: status {}", r.status),
                    ),
                    Err(e) => (false, format!("{member} does not answer: {e}")),
                };
            // nginx's own view: what its error log last said about this server.
            if let Some(line) = log.iter().rev().find(|l| {
                l.contains("upstream")
                    && (l.contains(&format!("//{member}")) || l.contains(&format!(" {member}")))
                    || l.contains(&format!("\"http://{host}:{sport}"))
            }) {
                evidence.push_str(&format!("\nnginx's error log: {line}"));
            }
            d.layers.push(Layer {
                name: format!("upstream {member}"),
                tested: format!("server {member} of upstream {upstream} answers GET /"),
                ok,
                evidence,
                reproduce: http_reproduce(&host, sport, "/"),
                fix: Some(format!(
                    "{host} is down or its address in upstream {upstream} is wrong: run `converge doctor` on {host}"
                )),
            });
        }
    }
    d.log = match (name, init) {
        ("nginx", _) => Some((
            NGINX_ERROR_LOG.to_string(),
            tail(Path::new(NGINX_ERROR_LOG), 10),
        )),
        // Other services (HAProxy's shipped config logs to stdout: a fresh host has no
        // syslog socket) log to the journal under systemd, and nowhere once an init script
        // has daemonised them.
        (_, InitSystem::Systemd) => {
            let mut c = Cmd::new(&[
                "/bin/journalctl",
                "--no-pager",
                "-o",
                "short-iso",
                "-n",
                "10",
                "-u",
                name,
            ]);
            c.timeout = Some(Duration::from_secs(10));
            cx.run(&c).ok().filter(|o| o.success()).map(|o| {
                let lines = o.stdout.lines().map(str::to_string).collect();
                (format!("journalctl -u {name}"), lines)
            })
        }
        _ => None,
    };
    d
}

/// The `server` members of every `upstream` block of an nginx configuration (its includes
/// followed): (upstream name, host, port; 80 when none is written). Unix sockets are left
/// out.
pub fn nginx_upstream_servers(main: &Path) -> Vec<(String, String, u16)> {
    let Ok(tree) = converge_nginx::Tree::load(main) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    fn walk(b: &converge_nginx::Block, out: &mut Vec<(String, String, u16)>) {
        for d in &b.items {
            let Some(inner) = d.block() else { continue };
            if d.name() == "upstream" {
                let name = d.values().join(" ");
                for m in inner
                    .items
                    .iter()
                    .filter(|m| m.is_simple() && m.name() == "server")
                {
                    let Some(addr) = m.values().into_iter().next() else {
                        continue;
                    };
                    if addr.starts_with("unix:") {
                        continue;
                    }
                    let (host, port) = match addr.rsplit_once(':') {
                        Some((h, p)) if !h.is_empty() && p.parse::<u16>().is_ok() => (
                            h.trim_matches(['[', ']']).to_string(),
                            p.parse().unwrap_or(80),
                        ),
                        _ => (addr.clone(), 80),
                    };
                    out.push((name.clone(), host, port));
                }
            } else {
                walk(inner, out);
            }
        }
    }
    for (_, cfg) in &tree.files {
        walk(&cfg.root, &mut out);
    }
    out
}

/// The path of the `stats socket` of an HAProxy config.
pub fn haproxy_stats_socket(cfg: &str) -> Option<String> {
    cfg.lines().find_map(|l| {
        let f: Vec<&str> = l.split_whitespace().collect();
        (f.first() == Some(&"stats") && f.get(1) == Some(&"socket"))
            .then(|| f.get(2).map(|p| p.to_string()))
            .flatten()
    })
}

/// Each server's state in HAProxy's `show stat` CSV: (server name, `DOWN (L4CON:
/// Connection refused)`). Columns are found by their header names.
pub fn parse_show_stat(csv: &str) -> Vec<(String, String)> {
    let mut lines = csv.lines();
    let Some(header) = lines.next().and_then(|h| h.strip_prefix("# ")) else {
        return Vec::new();
    };
    let cols: Vec<&str> = header.split(',').collect();
    let col = |name: &str| cols.iter().position(|c| *c == name);
    let (Some(sv), Some(st)) = (col("svname"), col("status")) else {
        return Vec::new();
    };
    let (check, last) = (col("check_status"), col("last_chk"));
    lines
        .filter_map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            let name = *f.get(sv)?;
            if name.is_empty() || name == "FRONTEND" || name == "BACKEND" {
                return None;
            }
            let field = |i: Option<usize>| i.and_then(|i| f.get(i)).filter(|v| !v.is_empty());
            let mut state = f.get(st)?.to_string();
            match (field(check), field(last)) {
                (Some(c), Some(l)) => state.push_str(&format!(" (last check {c}: {l})")),
                (Some(c), None) => state.push_str(&format!(" (last check {c})")),
                _ => {}
            }
            Some((name.to_string(), state))
        })
        .collect()
}

/// HAProxy's view of its servers, asked on its stats socket (read-only `show stat`);
/// empty when there is no socket or no answer.
fn haproxy_states(cfg: &str) -> Vec<(String, String)> {
    use std::io::{Read, Write};
    let Some(path) = haproxy_stats_socket(cfg) else {
        return Vec::new();
    };
    let ask = || -> std::io::Result<String> {
        let mut s = std::os::unix::net::UnixStream::connect(&path)?;
        s.set_read_timeout(Some(Duration::from_secs(2)))?;
        s.set_write_timeout(Some(Duration::from_secs(2)))?;
        s.write_all(b"show stat\n")?;
        let mut out = String::new();
        s.read_to_string(&mut out)?;
        Ok(out)
    };
    ask().map(|csv| parse_show_stat(&csv)).unwrap_or_default()
}

/// Whether `host` names this machine.
fn is_local(host: &str) -> bool {
    let own = std::fs::read_to_string("/etc/hostname").unwrap_or_default();
    if host == "localhost" || host == own.trim() {
        return true;
    }
    (host, 0).to_socket_addrs().is_ok_and(|mut a| {
        a.any(|a| a.ip().is_loopback() || std::net::UdpSocket::bind((a.ip(), 0)).is_ok())
    })
}

/// The local service a check's failure is diagnosed through: the one it requires, else
/// whoever listens on its port, else what is installed; `None` for a check of another host.
pub fn local_service(spec: &Spec, cx: &mut Context) -> Option<String> {
    if !is_local(&spec.host) {
        return None;
    }
    Some(spec.service.clone().unwrap_or_else(|| {
        listeners()
            .into_iter()
            .find(|l| l.port == spec.port)
            .and_then(|l| socket_owner(l.inode))
            .map(|(_, c)| c)
            .filter(|c| c == "nginx" || c == "haproxy")
            .unwrap_or_else(|| {
                let mut has = |p: &str| {
                    cx.dpkg()
                        .ok()
                        .is_some_and(|db| db.get(p).is_some_and(|e| e.status == "installed"))
                };
                if has("haproxy") { "haproxy" } else { "nginx" }.to_string()
            })
    }))
}

/// The diagnosis after a failed check: the local service it depends on layer by layer
/// ([`local_service`]), or, for another host, name resolution and connection.
pub fn for_check(spec: &Spec, cx: &mut Context) -> Diagnosis {
    if let Some(name) = local_service(spec, cx) {
        return service(&name, spec.port, cx);
    }
    remote(spec)
}

/// A check of another host: does its name resolve, does it answer.
fn remote(spec: &Spec) -> Diagnosis {
    let mut d = Diagnosis {
        subject: spec.url(),
        ..Default::default()
    };
    let resolved = (spec.host.as_str(), spec.port).to_socket_addrs();
    let addrs: Vec<String> = resolved
        .as_ref()
        .map(|a| a.clone().map(|x| x.to_string()).collect())
        .unwrap_or_default();
    d.layers.push(Layer {
        name: "name".into(),
        tested: format!("{} resolves", spec.host),
        ok: !addrs.is_empty(),
        evidence: match &resolved {
            Ok(_) => addrs.join(", "),
            Err(e) => e.to_string(),
        },
        reproduce: format!("getent hosts {}", spec.host),
        fix: Some(format!("add {} to /etc/hosts", spec.host)),
    });
    let (ok, evidence) =
        match http_check::get(&spec.host, spec.port, &spec.path, Duration::from_secs(3)) {
            Ok(r) => (true, format!("status {}", r.status)),
            Err(e) => (false, e.to_string()),
        };
    d.layers.push(Layer {
        name: "remote request".into(),
        tested: format!("{} answers", spec.url()),
        ok,
        evidence,
        reproduce: http_reproduce(&spec.host, spec.port, &spec.path),
        fix: Some(format!("run `converge doctor` on {}", spec.host)),
    });
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    const TCP: &str = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 41234 1 0000000000000000 100 0 0 10 0
   1: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5555 1 0000000000000000 100 0 0 10 0
   2: 0100007F:0050 0100007F:D2B4 01 00000000:00000000 00:00000000 00000000     0        0 0 1 0000000000000000 100 0 0 10 0
   3: garbage
";
    const TCP6: &str = "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000000000000:0050 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 777 1 0000000000000000 100 0 0 10 0
   1: 00000000000000000000000001000000:0016 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 778 1 0000000000000000 100 0 0 10 0
";

    #[test]
    fn proc_net_tcp_lists_only_listening_sockets_with_addresses_ports_and_inodes() {
        let l = parse_proc_net_tcp(TCP);
        assert_eq!(
            l,
            vec![
                Listener {
                    addr: "0.0.0.0".parse().expect("ip"),
                    port: 80,
                    inode: 41234
                },
                Listener {
                    addr: "127.0.0.1".parse().expect("ip"),
                    port: 8080,
                    inode: 5555
                },
            ]
        );
    }

    #[test]
    fn proc_net_tcp6_addresses_are_decoded() {
        let l = parse_proc_net_tcp(TCP6);
        assert_eq!(l.len(), 2);
        assert_eq!(l[0].addr, "::".parse::<IpAddr>().expect("ip"));
        assert_eq!(l[1].addr, "::1".parse::<IpAddr>().expect("ip"));
        assert_eq!((l[1].port, l[1].inode), (22, 778));
    }

    #[test]
    fn a_listener_in_this_process_is_found_with_its_owner() {
        let sock = std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let port = sock.local_addr().expect("addr").port();
        let l = listeners()
            .into_iter()
            .find(|l| l.port == port)
            .expect("our listener is in /proc/net/tcp");
        let (pid, _) = socket_owner(l.inode).expect("owner found");
        assert_eq!(pid, std::process::id());
    }

    #[test]
    fn nginx_upstream_members_are_read_through_includes() {
        let dir = tempfile::tempdir().unwrap();
        let main = dir.path().join("nginx.conf");
        std::fs::create_dir_all(dir.path().join("conf.d")).unwrap();
        std::fs::write(&main, "events {}\nhttp {\n\tinclude conf.d/*.conf;\n}\n").unwrap();
        std::fs::write(
            dir.path().join("conf.d/web.conf"),
            "upstream web {\n\tserver web-01:80 max_fails=1;\n\tserver web-02;\n\tserver unix:/run/x.sock;\n\tserver [::1]:8080;\n}\n",
        )
        .unwrap();
        assert_eq!(
            nginx_upstream_servers(&main),
            vec![
                ("web".into(), "web-01".into(), 80),
                ("web".into(), "web-02".into(), 80),
                ("web".into(), "::1".into(), 8080),
            ]
        );
    }

    #[test]
    fn haproxy_server_and_bind_lines_are_read() {
        let cfg = "frontend web\n    bind *:80\nbackend b\n    balance roundrobin\n    server web-01 169.254.7.2:80 check\n    server web-02 169.254.7.3:8080 check\n";
        assert_eq!(
            haproxy_servers(cfg),
            vec![
                ("web-01".into(), "169.254.7.2".into(), 80),
                ("web-02".into(), "169.254.7.3".into(), 8080)
            ]
        );
        assert_eq!(haproxy_bind_port(cfg), Some(80));
    }

    #[test]
    fn haproxy_show_stat_gives_each_servers_state_and_last_check() {
        let cfg = "global\n\tstats socket /run/haproxy/admin.sock mode 660 level admin\n";
        assert_eq!(
            haproxy_stats_socket(cfg).as_deref(),
            Some("/run/haproxy/admin.sock")
        );
        let csv = "# pxname,svname,qcur,status,weight,check_status,check_code,last_chk,\n\
                   http-in,FRONTEND,,OPEN,,,,,\n\
                   web,web-01,0,DOWN,1,L4CON,,Connection refused,\n\
                   web,web-02,0,UP,1,L7OK,200,,\n\
                   web,BACKEND,0,UP,1,,,,\n";
        assert_eq!(
            parse_show_stat(csv),
            vec![
                (
                    "web-01".to_string(),
                    "DOWN (last check L4CON: Connection refused)".to_string()
                ),
                ("web-02".to_string(), "UP (last check L7OK)".to_string()),
            ]
        );
        assert!(parse_show_stat("Unknown command\n").is_empty());
    }

    #[test]
    fn http_reproduce_uses_bash_not_curl() {
        assert_eq!(
            http_reproduce("127.0.0.1", 80, "/"),
            r#"timeout 5 bash -c 'exec 3<>/dev/tcp/127.0.0.1/80 && printf "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n" / 127.0.0.1 >&3 && cat <&3'"#
        );
    }

    #[test]
    fn http_reproduce_runs_in_sh_and_prints_the_answer_even_for_awkward_paths() {
        let (port, server) =
            crate::test_http::serve(vec!["HTTP/1.1 200 OK\r\nX-Served-By: here\r\n\r\nhi"]);
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(http_reproduce("127.0.0.1", port, "/it's $HOME"))
            .output()
            .expect("running sh");
        let req = server.join().expect("server thread").concat();
        assert!(out.status.success(), "{out:?}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("X-Served-By: here") && text.ends_with("hi"),
            "{text}"
        );
        assert!(
            req.starts_with(&format!(
                "GET /it's $HOME HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            )),
            "{req:?}"
        );
    }

    #[test]
    fn http_reproduce_fails_when_nothing_answers() {
        // A port just released: nothing listens there.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(http_reproduce("127.0.0.1", port, "/"))
            .output()
            .expect("running sh");
        assert!(!out.status.success());
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("Connection refused"),
            "{out:?}"
        );
    }

    #[test]
    fn the_first_failing_layer_is_named_with_reproduce_and_fix() {
        let ok = |n: &str| Layer {
            name: n.into(),
            tested: n.into(),
            ok: true,
            evidence: String::new(),
            reproduce: String::new(),
            fix: None,
        };
        let d = Diagnosis {
            subject: "nginx on port 80".into(),
            layers: vec![
                ok("package"),
                Layer {
                    ok: false,
                    evidence: "nginx is not running".into(),
                    reproduce: "service nginx status".into(),
                    fix: Some("service nginx start".into()),
                    ..ok("service")
                },
                Layer {
                    ok: false,
                    ..ok("listening")
                },
            ],
            log: Some(("/var/log/nginx/error.log".into(), vec!["boom".into()])),
        };
        let text = d.render();
        assert!(text.contains("first failing layer: service"), "{text}");
        assert!(text.contains("reproduce: service nginx status"), "{text}");
        assert!(text.contains("fix: service nginx start"), "{text}");
        assert!(text.contains("    boom"), "{text}");
    }
}
