//! The fresh-host test bed's promises, checked on real hosts: parallel start, names,
//! isolation from the outside, offline package installs on both kinds of host, private
//! /proc, file transfer, and teardown that leaves nothing behind. These tests need root,
//! debootstrap and the Debian mirror (for the first image build); without them they fail.

use std::collections::BTreeSet;
use std::path::Path;
use std::time::{Duration, Instant};

use converge_testhost::{Error, Host, HostKind, Image, Net};

fn image() -> Image {
    Image::default_image().expect("the default image builds or is cached")
}

/// Tries a TCP connection from inside `host` with bash's /dev/tcp; returns its stderr
/// (empty when the connection was accepted).
fn connect(host: &Host, target: &str, port: u16) -> String {
    let script = format!("exec 3<>/dev/tcp/{target}/{port}");
    let out = host
        .exec(&["timeout", "5", "bash", "-c", &script])
        .expect("bash runs");
    if out.success() {
        String::new()
    } else {
        format!("{} (status {})", out.stderr.trim(), out.status)
    }
}

#[test]
fn three_hosts_start_in_parallel_with_own_names_and_reach_each_other() {
    let image = image();
    let net = Net::new().unwrap();
    let start = Instant::now();
    let hosts = net
        .hosts(
            &image,
            &[
                ("web-01", HostKind::InitScript),
                ("web-02", HostKind::InitScript),
                ("lb-01", HostKind::Systemd),
            ],
        )
        .unwrap();
    eprintln!("three hosts up in {:.2} s", start.elapsed().as_secs_f64());

    let ips: BTreeSet<_> = hosts.iter().map(|h| h.ip()).collect();
    assert_eq!(ips.len(), 3, "every host has its own address");
    for host in &hosts {
        let out = host.exec(&["hostname"]).unwrap().ok().unwrap();
        assert_eq!(out.stdout.trim(), host.name());
        assert_eq!(
            host.read_file("/etc/hostname").unwrap(),
            format!("{}\n", host.name()).into_bytes()
        );
        for other in &hosts {
            // Nothing listens on port 9: a refused connection proves the name resolved
            // and the other host answered on the private network.
            let got = connect(host, other.name(), 9);
            assert!(
                got.contains("Connection refused"),
                "{} -> {}: {got}",
                host.name(),
                other.name()
            );
            let resolved = host.exec(&["getent", "hosts", other.name()]).unwrap();
            assert!(
                resolved.stdout.starts_with(&other.ip().to_string()),
                "{} resolves {} as {:?}",
                host.name(),
                other.name(),
                resolved.stdout
            );
        }
    }
}

#[test]
fn nothing_outside_the_private_network_is_reachable() {
    let image = image();
    let net = Net::new().unwrap();
    let hosts = net
        .hosts(
            &image,
            &[
                ("in-01", HostKind::InitScript),
                ("sd-01", HostKind::Systemd),
            ],
        )
        .unwrap();
    let client = net.client("probe").unwrap();
    for host in &hosts {
        // Fails at once because there is no route, not after a timeout.
        let t = Instant::now();
        let got = connect(host, "10.255.255.1", 80);
        assert!(
            got.contains("Network is unreachable"),
            "{}: {got}",
            host.name()
        );
        assert!(t.elapsed() < Duration::from_secs(3));
        // The only route is the private subnet itself.
        let routes = host.read_file("/proc/net/route").unwrap();
        let routes = String::from_utf8_lossy(&routes);
        let lines: Vec<_> = routes.lines().skip(1).collect();
        assert_eq!(lines.len(), 1, "{}: {routes}", host.name());
        assert!(lines[0].starts_with("eth0\t"), "{routes}");
    }
    let out = client
        .exec(&["curl", "-sS", "--max-time", "3", "http://10.255.255.1/"])
        .unwrap();
    assert!(!out.success());
    assert!(
        out.stderr.contains("unreachable") || out.stderr.contains("Couldn't connect"),
        "{}",
        out.stderr
    );
}

#[test]
fn nginx_installs_offline_on_both_kinds_and_serves_another_host() {
    let image = image();
    let net = Net::new().unwrap();
    let hosts = net
        .hosts(
            &image,
            &[
                ("web-sd", HostKind::Systemd),
                ("web-init", HostKind::InitScript),
                ("fetch-01", HostKind::InitScript),
            ],
        )
        .unwrap();
    let (sd, init, fetch) = (&hosts[0], &hosts[1], &hosts[2]);
    std::thread::scope(|s| {
        for (host, pkg) in [(sd, "nginx"), (init, "nginx")] {
            s.spawn(move || {
                let t = Instant::now();
                let script = format!("apt-get update && apt-get install -y {pkg}");
                let out = host.sh(&script).unwrap();
                assert!(
                    out.success(),
                    "{}: {}\n{}",
                    host.name(),
                    out.stdout,
                    out.stderr
                );
                eprintln!(
                    "{}: apt-get install {pkg} in {:.2} s",
                    host.name(),
                    t.elapsed().as_secs_f64()
                );
            });
        }
    });

    // Under systemd the package's own scripts start and enable the service.
    let active = sd.exec(&["systemctl", "is-active", "nginx"]).unwrap();
    assert_eq!(active.stdout.trim(), "active", "{}", active.stderr);
    let enabled = sd.exec(&["systemctl", "is-enabled", "nginx"]).unwrap();
    assert_eq!(enabled.stdout.trim(), "enabled", "{}", enabled.stderr);

    // Without an init system nothing starts on install; the init script starts it.
    let status = init.exec(&["service", "nginx", "status"]).unwrap();
    assert!(!status.success(), "nginx runs before anyone started it");
    init.exec(&["service", "nginx", "start"])
        .unwrap()
        .ok()
        .unwrap();
    init.exec(&["service", "nginx", "status"])
        .unwrap()
        .ok()
        .unwrap();

    for web in [sd, init] {
        let page = format!("hello from {}\n", web.name());
        web.write_file("/var/www/html/index.html", page.as_bytes())
            .unwrap();
        // A plain HTTP/1.0 request from a fresh host, with bash alone (installing curl
        // would cost seconds: ca-certificates rehashes every certificate).
        let request = format!(
            "exec 3<>/dev/tcp/{0}/80 && printf 'GET / HTTP/1.0\\r\\nHost: {0}\\r\\n\\r\\n' >&3 && cat <&3",
            web.name()
        );
        let got = fetch
            .exec(&["timeout", "5", "bash", "-c", &request])
            .unwrap();
        assert!(got.stdout.starts_with("HTTP/1.1 200 OK\r\n"), "{got:?}");
        assert!(got.stdout.ends_with(&format!("\r\n\r\n{page}")), "{got:?}");
    }
    // The client uses the machine's curl inside the private network.
    let client = net.client("client").unwrap();
    let got = client
        .exec(&["curl", "-sS", "--max-time", "5", "http://web-init/"])
        .unwrap();
    assert_eq!(got.stdout, "hello from web-init\n", "{}", got.stderr);
}

#[test]
fn proc_inside_a_host_is_its_own() {
    let image = image();
    let net = Net::new().unwrap();
    let hosts = net
        .hosts(
            &image,
            &[
                ("proc-a", HostKind::InitScript),
                ("proc-b", HostKind::InitScript),
                ("proc-c", HostKind::Systemd),
            ],
        )
        .unwrap();
    let marker = "sleep 4242";
    hosts[0]
        .sh(&format!("{marker} >/dev/null 2>&1 &"))
        .unwrap()
        .ok()
        .unwrap();
    // Command lines are NUL-separated; anchored, the pattern cannot match this script.
    let find = format!(
        "for p in /proc/[0-9]*; do tr '\\0' ' ' < $p/cmdline; echo; done 2>/dev/null | grep -c '^{marker} '"
    );
    let seen = |h: &Host| h.sh(&find).unwrap().stdout.trim() != "0";
    assert!(seen(&hosts[0]), "the process is visible in its own host");
    assert!(!seen(&hosts[1]), "the process is visible in another host");
    assert!(!seen(&hosts[2]), "the process is visible in a systemd host");
    // PID 1 is the host's own init, and the machine's processes are not listed.
    let init = hosts[1].read_file("/proc/1/cmdline").unwrap();
    assert!(String::from_utf8_lossy(&init).contains("while"), "{init:?}");
    let comm = hosts[2].read_file("/proc/1/comm").unwrap();
    assert_eq!(comm, b"systemd\n");
    let pids = hosts[1].sh("ls -d /proc/[0-9]* | wc -l").unwrap();
    let count: usize = pids.stdout.trim().parse().unwrap();
    assert!(count < 10, "{count} processes visible in a fresh host");
}

#[test]
fn files_go_in_and_come_out() {
    let image = image();
    let net = Net::new().unwrap();
    let host = net.host(&image, "files", HostKind::InitScript).unwrap();
    host.write_file("/etc/app/conf", b"a = 1\n").unwrap();
    assert_eq!(host.read_file("/etc/app/conf").unwrap(), b"a = 1\n");
    let on_machine = host.root_path().unwrap().join("etc/app/conf");
    assert_eq!(std::fs::read(on_machine).unwrap(), b"a = 1\n");

    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("converge");
    std::fs::write(&bin, "#!/bin/sh\necho converge-stand-in \"$@\"\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).unwrap();
    host.install_converge(&bin).unwrap();
    let out = host.exec(&["converge", "apply"]).unwrap().ok().unwrap();
    assert_eq!(out.stdout, "converge-stand-in apply\n");

    std::fs::create_dir_all(dir.path().join("tree/manifests")).unwrap();
    std::fs::write(dir.path().join("tree/manifests/site.pp"), "notice('hi')\n").unwrap();
    host.copy_in(&dir.path().join("tree"), "/srv/code").unwrap();
    assert_eq!(
        host.read_file("/srv/code/manifests/site.pp").unwrap(),
        b"notice('hi')\n"
    );
    let missing = host.read_file("/no/such/file").unwrap_err();
    assert!(missing.to_string().contains("/no/such/file"), "{missing}");
}

#[test]
fn names_are_checked_and_the_client_cannot_touch_the_machine() {
    let image = image();
    let net = Net::new().unwrap();
    let _a = net.host(&image, "dup", HostKind::InitScript).unwrap();
    assert!(matches!(
        net.host(&image, "dup", HostKind::InitScript),
        Err(Error::DuplicateName(_))
    ));
    assert!(matches!(
        net.host(&image, "Not_A_Name", HostKind::InitScript),
        Err(Error::BadName(_))
    ));
    let client = net.client("probe").unwrap();
    assert!(client.root_path().is_none());
    assert!(matches!(
        client.write_file("/etc/hosts", b"oops"),
        Err(Error::NoRootFs { .. })
    ));
    let out = client.exec(&["hostname"]).unwrap();
    assert_eq!(out.stdout.trim(), "probe");
}

/// Every process whose PID namespace is `ns` (as `/proc/PID/ns/pid` reads).
fn processes_in_pid_ns(ns: &Path) -> Vec<i32> {
    let Ok(target) = std::fs::read_link(ns) else {
        return Vec::new();
    };
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| {
            std::fs::read_link(format!("/proc/{pid}/ns/pid")).ok() == Some(target.clone())
        })
        .collect()
}

/// Every process whose command line mentions `needle`.
fn processes_mentioning(needle: &str) -> Vec<i32> {
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline"))
                .map(|c| String::from_utf8_lossy(&c).contains(needle))
                .unwrap_or(false)
        })
        .collect()
}

#[test]
fn teardown_leaves_no_mount_namespace_or_process() {
    let image = image();
    let net = Net::new().unwrap();
    let bridge = net.netns().to_string();
    let hosts = net
        .hosts(
            &image,
            &[
                ("gone-1", HostKind::InitScript),
                ("gone-2", HostKind::Systemd),
            ],
        )
        .unwrap();
    let client = net.client("gone-c").unwrap();
    hosts[0].sh("sleep 4343 >/dev/null 2>&1 &").unwrap();

    let mut pid_namespaces = Vec::new();
    let mut leftovers = Vec::new();
    for h in hosts.iter().chain([&client]) {
        let link = format!("/proc/{}/ns/pid", h.pid1());
        let ns = std::fs::read_link(&link).unwrap();
        assert!(!processes_in_pid_ns(Path::new(&link)).is_empty());
        pid_namespaces.push(ns);
        leftovers.push((h.netns().to_string(), h.mount_dir().to_path_buf()));
    }
    let mounts = std::fs::read_to_string("/proc/mounts").unwrap();
    for (_, dir) in &leftovers {
        assert!(mounts.contains(dir.to_str().unwrap()));
    }
    // The systemd host runs in a cgroup of its own.
    let cgroups: Vec<_> = [
        "/sys/fs/cgroup/systemd",
        "/sys/fs/cgroup/unified",
        "/sys/fs/cgroup",
    ]
    .iter()
    .map(|r| Path::new(r).join("converge").join(hosts[1].netns()))
    .collect();
    assert!(cgroups.iter().any(|c| c.exists()), "{cgroups:?}");
    drop(hosts);
    drop(client);
    drop(net);

    let mounts = std::fs::read_to_string("/proc/mounts").unwrap();
    let netns = std::process::Command::new("ip")
        .args(["netns", "list"])
        .output()
        .unwrap();
    let netns = String::from_utf8_lossy(&netns.stdout);
    let listed: Vec<&str> = netns
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert!(!listed.contains(&bridge.as_str()), "{netns}");
    for (ns, dir) in &leftovers {
        let dir = dir.to_str().unwrap();
        assert!(!mounts.contains(dir), "{dir} still mounted:\n{mounts}");
        assert!(!Path::new(dir).exists(), "{dir} still exists");
        assert!(!listed.contains(&ns.as_str()), "{ns} still listed: {netns}");
        assert_eq!(processes_mentioning(dir), Vec::<i32>::new(), "{dir}");
    }
    for c in &cgroups {
        assert!(!c.exists(), "cgroup {} left behind", c.display());
    }
    // No process is left in any of the hosts' PID namespaces.
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|p| p.parse::<i32>().ok())
        else {
            continue;
        };
        if let Ok(ns) = std::fs::read_link(format!("/proc/{pid}/ns/pid")) {
            assert!(
                !pid_namespaces.contains(&ns),
                "process {pid} survived in {ns:?}"
            );
        }
    }
}

/// Run alone, and twice at once as two processes by the test below.
#[test]
fn a_network_of_two_hosts_works() {
    let image = image();
    let net = Net::new().unwrap();
    println!("subnet={}", net.subnet());
    let hosts = net
        .hosts(
            &image,
            &[
                ("web-01", HostKind::Systemd),
                ("web-02", HostKind::InitScript),
            ],
        )
        .unwrap();
    let got = connect(&hosts[1], "web-01", 9);
    assert!(got.contains("Connection refused"), "{got}");
    println!("hosts up");
    // When run as one of two processes, stay up long enough to overlap with the other.
    if let Ok(ms) = std::env::var("TESTHOST_HOLD_MS") {
        std::thread::sleep(Duration::from_millis(ms.parse().unwrap()));
    }
    let got = connect(&hosts[0], "web-02", 9);
    assert!(got.contains("Connection refused"), "{got}");
}

#[test]
fn two_test_processes_at_once_do_not_clash() {
    let _ = image(); // built once, before the two processes race for it
    let me = std::env::current_exe().unwrap();
    let spawn = || {
        std::process::Command::new(&me)
            .args(["--exact", "a_network_of_two_hosts_works", "--nocapture"])
            .env("TESTHOST_HOLD_MS", "1500")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (spawn(), spawn());
    let mut subnets = Vec::new();
    for child in [a, b] {
        let out = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let subnet = stdout
            .lines()
            .find_map(|l| l.strip_prefix("subnet="))
            .expect("the child names its subnet")
            .to_string();
        assert!(stdout.contains("1 passed"), "{stdout}");
        subnets.push(subnet);
    }
    assert_ne!(subnets[0], subnets[1], "both processes used one subnet");
}

/// When the child process in [`crash_then_gc`] is killed.
#[derive(PartialEq)]
enum Crash {
    /// Once its hosts are up.
    WhenUp,
    /// As soon as its systemd host's nspawn is recorded, before its systemd is.
    WhileBooting,
}

/// Starts `a_network_of_two_hosts_works` in a child process, kills it (no destructors
/// run), then checks that gc leaves nothing of it behind.
fn crash_then_gc(when: Crash) {
    use std::io::BufRead;
    let _ = image();
    let me = std::env::current_exe().unwrap();
    let mut child = std::process::Command::new(&me)
        .args(["--exact", "a_network_of_two_hosts_works", "--nocapture"])
        .env("TESTHOST_HOLD_MS", "60000")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let subnet = lines
        .by_ref()
        .find_map(|l| l.unwrap().strip_prefix("subnet=").map(str::to_string))
        .expect("the child names its subnet");
    let state = format!("/var/tmp/converge/state/net-{subnet}.json");
    match when {
        Crash::WhenUp => {
            assert!(lines.any(|l| l.unwrap() == "hosts up"));
        }
        Crash::WhileBooting => {
            let deadline = Instant::now() + Duration::from_secs(20);
            loop {
                let record: serde_json::Value = std::fs::read(&state)
                    .ok()
                    .and_then(|t| serde_json::from_slice(&t).ok())
                    .unwrap_or_default();
                let booting = record["hosts"].as_array().is_some_and(|hosts| {
                    hosts.iter().any(|h| {
                        h["name"] == "web-01"
                            && h["procs"].as_array().is_some_and(|p| !p.is_empty())
                    })
                });
                if booting {
                    break;
                }
                assert!(
                    Instant::now() < deadline,
                    "no systemd host recorded: {record}"
                );
                std::thread::sleep(Duration::from_millis(1));
            }
        }
    }
    // A crash: no destructors run.
    child.kill().unwrap();
    child.wait().unwrap();
    if when == Crash::WhileBooting {
        // The orphaned nspawn boots its container anyway; let systemd come up, unrecorded.
        let journald = format!(
            "converge/cvg{subnet}-1/payload/system.slice/systemd-journald.service/cgroup.procs"
        );
        // A new process's first Net cleans stale networks: one started by a concurrent test
        // may already be killing this container. Then it never boots; stop waiting (the
        // end-state checks below still apply).
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline
            && Path::new(&state).exists()
            && ![
                "/sys/fs/cgroup/systemd",
                "/sys/fs/cgroup/unified",
                "/sys/fs/cgroup",
            ]
            .iter()
            .any(|r| {
                std::fs::read_to_string(Path::new(r).join(&journald))
                    .is_ok_and(|p| !p.trim().is_empty())
            })
        {
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    let report = converge_testhost::gc().unwrap();
    let mentions = report
        .iter()
        .filter(|l| l.contains(&format!("169.254.{subnet}.0/24")))
        .count();
    assert!(mentions <= 1, "{report:#?}");
    // Zero when another process's cleanup got there first: it holds the network's lock, so
    // our gc skipped it. Its state file goes last; once it is gone, the cleanup is done.
    let deadline = Instant::now() + Duration::from_secs(30);
    while Path::new(&state).exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(!Path::new(&state).exists(), "nobody cleaned up {state}");
    let prefix = format!("cvg{subnet}-");
    let hosts_dir = format!("/var/tmp/converge/hosts/{prefix}");
    let mounts = std::fs::read_to_string("/proc/mounts").unwrap();
    assert!(!mounts.contains(&hosts_dir), "{mounts}");
    let netns = std::process::Command::new("ip")
        .args(["netns", "list"])
        .output()
        .unwrap();
    let netns = String::from_utf8_lossy(&netns.stdout);
    assert!(!netns.lines().any(|l| l.starts_with(&prefix)), "{netns}");
    assert_eq!(processes_mentioning(&hosts_dir), Vec::<i32>::new());
    for root in [
        "/sys/fs/cgroup/systemd",
        "/sys/fs/cgroup/unified",
        "/sys/fs/cgroup",
    ] {
        let Ok(entries) = std::fs::read_dir(Path::new(root).join("converge")) else {
            continue;
        };
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            assert!(
                !name.starts_with(&prefix),
                "cgroup {root}/converge/{name} left"
            );
        }
    }
}

/// One test, not two: a gc in one would clean up the other's crashed child early.
#[test]
fn gc_removes_what_killed_test_processes_left() {
    crash_then_gc(Crash::WhenUp);
    crash_then_gc(Crash::WhileBooting);
}
