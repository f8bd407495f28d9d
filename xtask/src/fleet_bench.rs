//! `cargo xtask bench --fleet [--hosts N] [--rounds R]`: converge and Ansible pushing the
//! same web server to N fresh hosts from one controller, side by side.
//!
//! Each round gives each engine its own private network: a controller and N fresh targets
//! (init-script Debian 12 hosts with sshd, python3 and python3-apt, as an Ansible-managed
//! host has them, and the controller's key), named alike in both, so that the files each
//! engine leaves can be compared byte for byte. The engines alternate which goes first.
//! On its hosts, each engine runs (a) the first converge, (b) a no-op run over the
//! converged hosts and (c) a dry run with the index page changed on every host. converge
//! applies `xtask/bench/fleet/web_server.pp` (the reference web server with its three HTTP
//! checks, pinned so that it and the playbook change together); Ansible
//! (Debian's `ansible-core`, installed on its controller from the image's offline
//! repository) runs `xtask/bench/fleet/site.yml`, with `xtask/bench/fleet/ansible.cfg`.
//! A third network per round measures the floor ([`floor_command`]): ssh alone, doing only
//! what no engine can skip, so that a ratio can be read against the most any engine could
//! reach on this machine.
//!
//! Measured on the controller: wall time (bash's `$EPOCHREALTIME` inside the controller),
//! CPU (user + system of the engine and everything it waited for, with `times`, plus what
//! the controller's init reaped meanwhile: Ansible's `ControlPersist` ssh masters are
//! closed after each run and counted there) and peak memory (the summed proportional set
//! size, PSS, of every process of the controller, sampled from outside every 50 ms).
//! Writes its section of `docs/benchmarks.md` and prints the same table.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use converge_testhost::{Error, Host, HostKind, Image, Net, Release};

use crate::bench::{build, cell, failed, loadavg, local, machine, workspace_root, write_section};

/// The playbook and Ansible's configuration.
const PLAYBOOK: &str = include_str!("../bench/fleet/site.yml");
const ANSIBLE_CFG: &str = include_str!("../bench/fleet/ansible.cfg");
/// The web server class converge applies, pinned with the playbook it must match.
const WEB_SERVER: &str = include_str!("../bench/fleet/web_server.pp");
/// How it is applied: as is, and with the index page changed for the dry run.
const NODE: &str = "node default {\n  include fleet_web_server\n}\n";
const NODE_CHANGED: &str =
    "node default {\n  class { 'fleet_web_server': index_text => 'Hello Fleet!' }\n}\n";
/// Files both engines must leave alike on every host.
const OUTCOME: [&str; 3] = [
    "/etc/nginx/sites-available/default",
    "/var/www/html/index.html",
    "/var/www/html/404.html",
];

/// How the fleet benchmark runs.
#[derive(Debug, Clone)]
pub(crate) struct Options {
    /// Targets per engine and round.
    pub(crate) hosts: usize,
    /// Rounds (each with fresh hosts for both engines).
    pub(crate) rounds: usize,
    /// A converge binary to use instead of building and stripping a release build.
    pub(crate) binary: Option<PathBuf>,
    /// converge alone at 20 hosts and at `hosts` (`--scale`, [`crate::fleet_scale`]).
    pub(crate) scale: bool,
    /// The Debian release of every host (`--release N`; its own section when not 12).
    pub(crate) release: Release,
}

impl Options {
    /// The flags naming this run's section of `docs/benchmarks.md` (`base` being
    /// `--fleet` or `--fleet --scale`): one section per Debian release.
    pub(crate) fn section(&self, base: &str) -> String {
        if self.release == Release::default() {
            base.to_string()
        } else {
            format!("{base} --release {}", self.release.number())
        }
    }

    /// What a section's heading adds for a release other than the default.
    pub(crate) fn on_release(&self) -> String {
        if self.release == Release::default() {
            String::new()
        } else {
            format!(", Debian {} hosts", self.release.number())
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Engine {
    Converge,
    Ansible,
    /// The floor: ssh alone, doing only what no engine can skip (see [`floor_command`]).
    Floor,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Measure {
    First,
    Noop,
    NoopClassicKex,
    DryRun,
}

impl std::fmt::Display for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Engine::Converge => "converge",
            Engine::Ansible => "Ansible",
            Engine::Floor => "ssh alone",
        })
    }
}

impl std::fmt::Display for Measure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Measure::First => "first converge",
            Measure::Noop => "no-op",
            Measure::NoopClassicKex => "no-op (classic kex)",
            Measure::DryRun => "dry run",
        })
    }
}

impl Measure {
    pub(crate) const ALL: [Measure; 4] = [
        Measure::First,
        Measure::Noop,
        Measure::NoopClassicKex,
        Measure::DryRun,
    ];

    pub(crate) fn label(self) -> &'static str {
        match self {
            Measure::First => "(a) first converge of fresh hosts",
            Measure::Noop => "(b) no-op run over the converged hosts",
            Measure::NoopClassicKex => "(b′) the same, ssh told `KexAlgorithms=curve25519-sha256`",
            Measure::DryRun => "(c) dry run, index page changed on every host",
        }
    }
}

/// The key exchange (b′) asks for: classical, instead of OpenSSH 9's default post-quantum
/// hybrid `sntrup761x25519-sha512`, which costs ~85 ms of client CPU per connection here.
const CLASSIC_KEX: &str = "KexAlgorithms=curve25519-sha256";

/// One timed run on the controller.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sample {
    pub(crate) wall: Duration,
    pub(crate) cpu: Duration,
    pub(crate) peak_pss_kib: u64,
}

pub(crate) type Samples = BTreeMap<(Engine, Measure), Vec<Sample>>;

/// Runs `argv` on the controller; returns the sample and the exit code. Output goes to
/// `/tmp/bench.out` and `/tmp/bench.err` there.
fn measured(c: &Host, argv: &[&str]) -> Result<(Sample, i32), Error> {
    let script = r#"s=$EPOCHREALTIME; "$@" >/tmp/bench.out 2>/tmp/bench.err; c=$?; e=$EPOCHREALTIME; echo "$c $s $e"; times"#;
    let mut full = vec!["/bin/bash", "-c", script, "bench"];
    full.extend_from_slice(argv);
    let reaped_before = reaped_cpu(c.pid1());
    let stop = AtomicBool::new(false);
    let (out, peak) = std::thread::scope(|s| {
        let sampler = s.spawn(|| {
            let mut peak = 0;
            while !stop.load(Ordering::Relaxed) {
                peak = peak.max(controller_pss_kib(c.pid1()));
                std::thread::sleep(Duration::from_millis(50));
            }
            peak
        });
        let out = c.exec(&full);
        stop.store(true, Ordering::Relaxed);
        (out, sampler.join().unwrap_or(0))
    });
    let out = out?.ok()?;
    // Ansible leaves its ssh masters running (ControlPersist): close them, so that their
    // CPU is counted (the controller's init reaps them) and the next run starts afresh
    // as converge's does.
    c.sh("for s in /root/.ansible/cp/*; do [ -S \"$s\" ] && ssh -O exit -o ControlPath=\"$s\" x 2>/dev/null; done; sleep 0.3; true")?;
    let reaped = reaped_cpu(c.pid1()).saturating_sub(reaped_before);
    let mut lines = out.stdout.lines();
    let first: Vec<&str> = lines.next().unwrap_or("").split_whitespace().collect();
    let parsed = match first.as_slice() {
        [code, s, e] => code
            .parse::<i32>()
            .ok()
            .zip(s.parse::<f64>().ok())
            .zip(e.parse::<f64>().ok()),
        _ => None,
    };
    let Some(((code, s), e)) = parsed else {
        return Err(failed(
            format!("timing {}", argv.join(" ")),
            "unreadable timing".into(),
            out.stdout,
        ));
    };
    // `times`: the shell's own user and system time, then its children's.
    let children = lines.nth(1).unwrap_or("");
    let cpu: f64 = children.split_whitespace().map(times_secs).sum();
    Ok((
        Sample {
            wall: Duration::from_secs_f64((e - s).max(0.0)),
            cpu: Duration::from_secs_f64(cpu) + reaped,
            peak_pss_kib: peak,
        },
        code,
    ))
}

/// `0m1.250s` in seconds.
fn times_secs(t: &str) -> f64 {
    let Some((m, s)) = t.trim_end_matches('s').split_once('m') else {
        return 0.0;
    };
    m.parse::<f64>().unwrap_or(0.0) * 60.0 + s.parse::<f64>().unwrap_or(0.0)
}

/// The CPU time of the processes the controller's init has reaped (`cutime + cstime`).
fn reaped_cpu(pid1: i32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid1}/stat")).unwrap_or_default();
    // Fields after the command name, which is in parentheses and may hold spaces.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<u64> = rest
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0))
        .collect();
    // cutime and cstime are fields 16 and 17 of stat; `rest` starts at field 3.
    let ticks = f.get(13).copied().unwrap_or(0) + f.get(14).copied().unwrap_or(0);
    let hz: u64 = local("getconf", &["CLK_TCK"]).parse().unwrap_or(100).max(1);
    Duration::from_millis(ticks * 1000 / hz)
}

/// The summed PSS of the controller's processes but its init, in KiB, read from outside
/// (nothing runs in the controller to measure it).
fn controller_pss_kib(pid1: i32) -> u64 {
    let ns = |pid: &str| std::fs::read_link(format!("/proc/{pid}/ns/pid")).ok();
    let Some(want) = ns(&pid1.to_string()) else {
        return 0;
    };
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return 0;
    };
    let mut total = 0;
    for e in dir.flatten() {
        let name = e.file_name();
        let Some(pid) = name
            .to_str()
            .filter(|p| p.bytes().all(|b| b.is_ascii_digit()))
        else {
            continue;
        };
        if pid == pid1.to_string() || ns(pid).as_ref() != Some(&want) {
            continue;
        }
        let rollup =
            std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).unwrap_or_default();
        total += rollup
            .lines()
            .find_map(|l| l.strip_prefix("Pss:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .unwrap_or(0);
    }
    total
}

fn sh(host: &Host, script: &str) -> Result<String, Error> {
    let out = host.sh(script)?;
    if !out.success() {
        return Err(failed(
            format!("{}: {script}", host.name()),
            out.status.to_string(),
            format!("{}{}", out.stdout, out.stderr),
        ));
    }
    Ok(out.stdout)
}

/// A target as both engines find it: sshd, python3 and python3-apt (Ansible's apt module
/// needs it), the controller's key. Returns its known_hosts line.
fn prepare_target(h: &Host, key: &str) -> Result<String, Error> {
    sh(
        h,
        "apt-get install -y -q openssh-server python3 python3-apt >/dev/null 2>&1 && \
         service ssh start >/dev/null && mkdir -p -m 700 /root/.ssh",
    )?;
    h.write_file("/root/.ssh/authorized_keys", key.as_bytes())?;
    let hostkey =
        String::from_utf8_lossy(&h.read_file("/etc/ssh/ssh_host_ed25519_key.pub")?).into_owned();
    let mut parts = hostkey.split_whitespace();
    Ok(format!(
        "{} {} {}\n",
        h.name(),
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default()
    ))
}

/// A network with a controller set up for `engine` and `n` prepared targets.
fn setup(
    image: &Image,
    engine: Engine,
    n: usize,
    converge: &Path,
) -> Result<(Net, Host, Vec<Host>), Error> {
    let net = Net::new()?;
    let names: Vec<String> = (1..=n).map(|i| format!("node-{i:02}")).collect();
    let mut specs: Vec<(&str, HostKind)> = vec![("controller", HostKind::InitScript)];
    specs.extend(names.iter().map(|n| (n.as_str(), HostKind::InitScript)));
    let mut hosts = net.hosts(image, &specs)?;
    let targets = hosts.split_off(1);
    let c = hosts.remove(0);
    let install = match engine {
        Engine::Converge | Engine::Floor => "openssh-client",
        Engine::Ansible => "openssh-client ansible-core",
    };
    sh(
        &c,
        &format!(
            "apt-get install -y -q --no-install-recommends {install} >/dev/null 2>&1 && \
             mkdir -p -m 700 /root/.ssh && \
             ssh-keygen -q -t ed25519 -N '' -C controller -f /root/.ssh/id_ed25519"
        ),
    )?;
    let key = String::from_utf8_lossy(&c.read_file("/root/.ssh/id_ed25519.pub")?).into_owned();
    let lines: Vec<Result<String, Error>> = std::thread::scope(|s| {
        let hs: Vec<_> = targets
            .iter()
            .map(|t| {
                let key = &key;
                s.spawn(move || prepare_target(t, key))
            })
            .collect();
        hs.into_iter()
            .map(|h| h.join().unwrap_or_else(|_| Ok(String::new())))
            .collect()
    });
    let mut known = String::new();
    for l in lines {
        known.push_str(&l?);
    }
    c.write_file("/root/.ssh/known_hosts", known.as_bytes())?;
    match engine {
        Engine::Converge => {
            c.install_converge(converge)?;
            c.write_file(
                "/root/manifests/fleet.pp",
                format!("{WEB_SERVER}\n{NODE}").as_bytes(),
            )?;
            c.write_file(
                "/root/manifests/fleet-changed.pp",
                format!("{WEB_SERVER}\n{NODE_CHANGED}").as_bytes(),
            )?;
        }
        Engine::Ansible => {
            c.write_file("/root/ansible/site.yml", PLAYBOOK.as_bytes())?;
            c.write_file(
                "/root/ansible/ansible.cfg",
                ANSIBLE_CFG.replace("{forks}", &n.to_string()).as_bytes(),
            )?;
            let inventory = format!(
                "[web]\n{}\n\n[web:vars]\nansible_user=root\n",
                names.join("\n")
            );
            c.write_file("/root/ansible/inventory.ini", inventory.as_bytes())?;
        }
        Engine::Floor => {}
    }
    Ok((net, c, targets))
}

/// The command line of `measure` for `engine` over `n` hosts.
fn command(engine: Engine, measure: Measure, n: usize) -> Vec<String> {
    let targets: Vec<String> = (1..=n).map(|i| format!("node-{i:02}")).collect();
    let v: Vec<String> = match engine {
        Engine::Converge => {
            let (verb, file) = match measure {
                Measure::DryRun => ("plan", "/root/manifests/fleet-changed.pp"),
                _ => ("apply", "/root/manifests/fleet.pp"),
            };
            vec![
                "converge".into(),
                verb.into(),
                file.into(),
                "--targets".into(),
                targets.join(","),
                "--parallel".into(),
                n.to_string(),
                "--detailed-exitcodes".into(),
                "--format".into(),
                "json".into(),
            ]
            .into_iter()
            .chain(
                (measure == Measure::NoopClassicKex)
                    .then(|| ["--ssh-option".to_string(), CLASSIC_KEX.to_string()])
                    .into_iter()
                    .flatten(),
            )
            .collect()
        }
        Engine::Ansible => {
            let mut v: Vec<String> = [
                "env",
                "ANSIBLE_CONFIG=/root/ansible/ansible.cfg",
                "ANSIBLE_NOCOLOR=1",
                if measure == Measure::NoopClassicKex {
                    // Ansible's own default ssh_args, plus the key exchange.
                    "ANSIBLE_SSH_ARGS=-C -o ControlMaster=auto -o ControlPersist=60s -o KexAlgorithms=curve25519-sha256"
                } else {
                    "ANSIBLE_NOCOLOR=1"
                },
                "ansible-playbook",
                "/root/ansible/site.yml",
            ]
            .map(String::from)
            .to_vec();
            if measure == Measure::DryRun {
                v.extend(
                    [
                        "--check",
                        "--diff",
                        "-e",
                        r#"{"index_text": "Hello Fleet!"}"#,
                    ]
                    .map(String::from),
                );
            }
            v
        }
        Engine::Floor => floor_command(measure, &targets),
    };
    v
}

/// The least any push engine does for `measure`, as one shell line: one `ssh` per target,
/// all at once, running `apt-get install nginx` with converge's own options for the first
/// converge (no files, no service, no checks) and `true` for the no-op runs (a connection
/// and nothing else). Fails when any ssh fails. The dry run has no floor.
fn floor_command(measure: Measure, targets: &[String]) -> Vec<String> {
    let (kex, remote) = match measure {
        Measure::First => (
            "",
            "DEBIAN_FRONTEND=noninteractive apt-get -q -y -o DPkg::Options::=--force-confold \
             install nginx >/dev/null",
        ),
        Measure::NoopClassicKex => (" -o KexAlgorithms=curve25519-sha256", "true"),
        Measure::Noop | Measure::DryRun => ("", "true"),
    };
    let script = format!(
        "pids=; for t in {}; do ssh -o BatchMode=yes{kex} \"$t\" '{remote}' & pids=\"$pids $!\"; done; \
         f=0; for p in $pids; do wait $p || f=1; done; exit $f",
        targets.join(" ")
    );
    ["bash", "-c", script.as_str()].map(String::from).to_vec()
}

/// Checks a run did what it should on every host; returns the number of hosts whose
/// catalog was shared (converge) for the record.
fn check_run(
    c: &Host,
    engine: Engine,
    measure: Measure,
    code: i32,
    n: usize,
) -> Result<usize, Error> {
    let out = String::from_utf8_lossy(&c.read_file("/tmp/bench.out")?).into_owned();
    let err =
        String::from_utf8_lossy(&c.read_file("/tmp/bench.err").unwrap_or_default()).into_owned();
    let bad = |why: String| failed(format!("{engine} {measure}"), why, format!("{out}\n{err}"));
    match engine {
        Engine::Converge => {
            let want = match measure {
                Measure::Noop | Measure::NoopClassicKex => 0,
                _ => 2,
            };
            if code != want {
                return Err(bad(format!("exit {code}, expected {want}")));
            }
            let v: serde_json::Value =
                serde_json::from_str(&out).map_err(|e| bad(format!("not JSON: {e}")))?;
            let hosts = v["hosts"].as_array().cloned().unwrap_or_default();
            if hosts.len() != n || hosts.iter().any(|h| h["exit_code"] != want) {
                return Err(bad(format!("not every host exited {want}")));
            }
            Ok(hosts
                .iter()
                .filter(|h| !h["catalog_from"].is_null())
                .count())
        }
        Engine::Ansible => {
            if code != 0 {
                return Err(bad(format!("exit {code}")));
            }
            // The recap: `node-01 : ok=8 changed=6 unreachable=0 failed=0 ...`.
            let recap: Vec<&str> = out.lines().filter(|l| l.contains(" changed=")).collect();
            let field = |l: &str, k: &str| -> Option<u32> {
                l.split_whitespace()
                    .find_map(|w| w.strip_prefix(&format!("{k}=")))
                    .and_then(|x| x.parse().ok())
            };
            let ok = recap.len() == n
                && recap.iter().all(|l| {
                    let changed = field(l, "changed").unwrap_or(u32::MAX);
                    field(l, "failed") == Some(0)
                        && field(l, "unreachable") == Some(0)
                        && match measure {
                            Measure::First => changed > 0,
                            Measure::Noop | Measure::NoopClassicKex => changed == 0,
                            Measure::DryRun => changed == 1,
                        }
                });
            if !ok {
                return Err(bad("the recap is not as expected on every host".into()));
            }
            Ok(0)
        }
        Engine::Floor => {
            if code != 0 {
                return Err(bad(format!("exit {code}")));
            }
            Ok(0)
        }
    }
}

/// Every target's managed files, by host name.
fn outcome(targets: &[Host]) -> Result<BTreeMap<String, Vec<Vec<u8>>>, Error> {
    targets
        .iter()
        .map(|t| {
            let files: Result<Vec<Vec<u8>>, Error> =
                OUTCOME.iter().map(|p| t.read_file(p)).collect();
            Ok((t.name().to_string(), files?))
        })
        .collect()
}

/// One engine, one round: setup, (a), (b), (c); the managed files after (b).
///
/// With `floor_after`, the floor's connection-only runs ((b) and (b′), `ssh host true`)
/// follow on the same hosts, saving a network of fresh hosts when only those are wanted.
pub(crate) fn one(
    image: &Image,
    engine: Engine,
    n: usize,
    converge: &Path,
    samples: &mut Samples,
    shared: &mut Vec<usize>,
    floor_after: bool,
) -> Result<BTreeMap<String, Vec<Vec<u8>>>, Error> {
    let (net, c, targets) = setup(image, engine, n, converge)?;
    let mut files = BTreeMap::new();
    for m in Measure::ALL {
        // The floor has no dry run, and leaves none of the managed files.
        if engine == Engine::Floor && m == Measure::DryRun {
            continue;
        }
        let argv = command(engine, m, n);
        let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
        let (sample, code) = measured(&c, &argv)?;
        let s = check_run(&c, engine, m, code, n)?;
        if engine == Engine::Converge {
            shared.push(s);
        }
        eprintln!(
            "xtask: {engine} {m}: {:.2} s, CPU {:.2} s, peak PSS {:.0} MiB",
            sample.wall.as_secs_f64(),
            sample.cpu.as_secs_f64(),
            sample.peak_pss_kib as f64 / 1024.0
        );
        samples.entry((engine, m)).or_default().push(sample);
        if m == Measure::Noop && engine != Engine::Floor {
            files = outcome(&targets)?;
        }
    }
    // The dry run changed nothing.
    if engine != Engine::Floor && outcome(&targets)? != files {
        return Err(failed(
            format!("{engine} dry run"),
            "the dry run changed a managed file".into(),
            String::new(),
        ));
    }
    if floor_after {
        for m in [Measure::Noop, Measure::NoopClassicKex] {
            let argv = command(Engine::Floor, m, n);
            let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
            let (sample, code) = measured(&c, &argv)?;
            check_run(&c, Engine::Floor, m, code, n)?;
            eprintln!(
                "xtask: {} {m}: {:.2} s, CPU {:.2} s",
                Engine::Floor,
                sample.wall.as_secs_f64(),
                sample.cpu.as_secs_f64()
            );
            samples.entry((Engine::Floor, m)).or_default().push(sample);
        }
    }
    drop(targets);
    drop(c);
    drop(net);
    Ok(files)
}

pub(crate) fn median(v: &[f64]) -> Option<f64> {
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied()
}

pub(crate) fn walls(s: &[Sample]) -> Vec<Duration> {
    s.iter().map(|x| x.wall).collect()
}

/// The results tables in Markdown.
fn tables(samples: &Samples, n: usize) -> String {
    let get = |e, m| samples.get(&(e, m)).map(Vec::as_slice).unwrap_or(&[]);
    let ratio = |a: Option<f64>, c: Option<f64>| match (a, c) {
        (Some(a), Some(c)) if c > 0.0 => format!("{:.1}×", a / c),
        _ => "—".into(),
    };
    let mut t = String::from(
        "| measure | converge wall, min / **median** / max | Ansible wall, min / **median** / max | ssh alone (the floor), min / **median** / max | Ansible ÷ converge (medians) | Ansible ÷ the floor |\n|---|---|---|---|---|---|\n",
    );
    for m in Measure::ALL {
        let (c, a, f) = (
            get(Engine::Converge, m),
            get(Engine::Ansible, m),
            get(Engine::Floor, m),
        );
        let med =
            |s: &[Sample]| median(&s.iter().map(|x| x.wall.as_secs_f64()).collect::<Vec<_>>());
        let floor = if f.is_empty() {
            "—".to_string()
        } else {
            cell(&walls(f))
        };
        let _ = writeln!(
            t,
            "| {} | {} | {} | {floor} | {} | {} |",
            m.label(),
            cell(&walls(c)),
            cell(&walls(a)),
            ratio(med(a), med(c)),
            ratio(med(a), med(f))
        );
    }
    t.push_str(
        "\nController cost, medians: CPU (user + system, ssh included) per run and per host, and peak memory (summed PSS of the controller's processes).\n\n\
         | measure | converge CPU | per host | Ansible CPU | per host | Ansible ÷ converge | ssh alone, per host | converge peak memory | Ansible peak memory |\n|---|---|---|---|---|---|---|---|---|\n",
    );
    for m in Measure::ALL {
        let (c, a, f) = (
            get(Engine::Converge, m),
            get(Engine::Ansible, m),
            get(Engine::Floor, m),
        );
        let cpu = |s: &[Sample]| median(&s.iter().map(|x| x.cpu.as_secs_f64()).collect::<Vec<_>>());
        let mem = |s: &[Sample]| {
            median(
                &s.iter()
                    .map(|x| x.peak_pss_kib as f64 / 1024.0)
                    .collect::<Vec<_>>(),
            )
            .map_or("—".into(), |m| format!("{m:.0} MiB"))
        };
        let secs = |x: Option<f64>| x.map_or("—".into(), |x| format!("{x:.2} s"));
        let per =
            |x: Option<f64>| x.map_or("—".into(), |x| format!("{:.0} ms", x * 1000.0 / n as f64));
        let _ = writeln!(
            t,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            m.label(),
            secs(cpu(c)),
            per(cpu(c)),
            secs(cpu(a)),
            per(cpu(a)),
            ratio(cpu(a), cpu(c)),
            per(cpu(f)),
            mem(c),
            mem(a)
        );
    }
    t
}

/// How the figures stand against issue 17's goals (measured, never asserted).
fn goals(samples: &Samples, n: usize) -> String {
    let med = |e, m, f: fn(&Sample) -> f64| {
        samples
            .get(&(e, m))
            .and_then(|s| median(&s.iter().map(f).collect::<Vec<_>>()))
    };
    let wall = |s: &Sample| s.wall.as_secs_f64();
    let cpu = |s: &Sample| s.cpu.as_secs_f64();
    let r = |m| {
        med(Engine::Ansible, m, wall)
            .zip(med(Engine::Converge, m, wall))
            .map(|(a, c)| a / c)
    };
    let verdict = |ok: bool| if ok { "met" } else { "not met" };
    let x = |v: Option<f64>| v.map_or("—".into(), |v| format!("{v:.1}×"));
    let mut g = String::new();
    let noop = r(Measure::Noop);
    let _ = writeln!(
        g,
        "- no-op run over {n} converged hosts at least 10× faster than Ansible's: {} ({})",
        x(noop),
        verdict(noop.is_some_and(|v| v >= 10.0))
    );
    let first = r(Measure::First);
    let most = med(Engine::Ansible, Measure::First, wall)
        .zip(med(Engine::Floor, Measure::First, wall))
        .map(|(a, f)| a / f);
    let _ = writeln!(
        g,
        "- first converge at least 5× faster: {} ({}); Ansible ÷ the floor (`apt-get install \
         nginx` alone over ssh on every host), the most any engine could reach here: {}",
        x(first),
        verdict(first.is_some_and(|v| v >= 5.0)),
        x(most)
    );
    let per_host = |m| med(Engine::Converge, m, cpu).map(|c| c * 1000.0 / n as f64);
    let ms = |v: Option<f64>| v.map_or("—".into(), |v| format!("{v:.0} ms"));
    let (pq, classic) = (per_host(Measure::Noop), per_host(Measure::NoopClassicKex));
    let bare = |m| {
        med(Engine::Floor, m, cpu)
            .map(|c| c * 1000.0 / n as f64)
            .map_or("—".into(), |v| format!("{v:.0} ms"))
    };
    let _ = writeln!(
        g,
        "- controller CPU per host in a no-op run at most 20 ms, ssh included: {} with ssh's \
         default key exchange ({}; `ssh host true` alone: {}), {} with `{CLASSIC_KEX}` ({}; \
         `ssh host true` alone: {})",
        ms(pq),
        verdict(pq.is_some_and(|v| v <= 20.0)),
        bare(Measure::Noop),
        ms(classic),
        verdict(classic.is_some_and(|v| v <= 20.0)),
        bare(Measure::NoopClassicKex)
    );
    g
}

/// The flag that names this benchmark's section of `docs/benchmarks.md`.
const SECTION: &str = "--fleet";

/// The converge to push and what it is: `--binary`'s, else a release build stripped of its
/// line tables (what a fleet should push, docs/scaling.md).
pub(crate) fn binary(o: &Options) -> Result<(PathBuf, &'static str), Error> {
    if let Some(b) = &o.binary {
        return Ok((b.clone(), "the build given with --binary"));
    }
    let built = build(&workspace_root())?;
    let stripped = built.with_file_name("converge-stripped");
    let ok = std::process::Command::new("strip")
        .arg("-o")
        .arg(&stripped)
        .arg(&built)
        .status()
        .is_ok_and(|s| s.success());
    Ok(if ok {
        (stripped, "stripped release build")
    } else {
        (built, "release build")
    })
}

/// Runs the benchmark and writes its section of `docs/benchmarks.md`.
pub(crate) fn run(o: Options) -> Result<ExitCode, Error> {
    let (converge, what_build) = binary(&o)?;
    let image = Image::builder().release(o.release).build()?;
    // The commit built, read before the rounds: a run takes many minutes, and work goes on.
    let commit = local("git", &["rev-parse", "--short", "HEAD"]);
    let dirty = crate::bench::dirty();
    let load_start = loadavg();
    let date = local("date", &["-u", "+%Y-%m-%d %H:%M UTC"]);
    let mut samples = Samples::new();
    let mut shared = Vec::new();
    for round in 1..=o.rounds {
        // The floor between the two, which alternate.
        let order = if round % 2 == 1 {
            [Engine::Converge, Engine::Floor, Engine::Ansible]
        } else {
            [Engine::Ansible, Engine::Floor, Engine::Converge]
        };
        let mut files = BTreeMap::new();
        for engine in order {
            eprintln!(
                "xtask: round {round} of {}, {engine}, {} hosts",
                o.rounds, o.hosts
            );
            files.insert(
                engine,
                one(
                    &image,
                    engine,
                    o.hosts,
                    &converge,
                    &mut samples,
                    &mut shared,
                    false,
                )?,
            );
        }
        if files.get(&Engine::Converge) != files.get(&Engine::Ansible) {
            return Err(failed(
                "comparing the managed files".into(),
                "converge and Ansible left different files".into(),
                OUTCOME.join(", "),
            ));
        }
    }
    let load_end = loadavg();
    let versions = {
        let net = Net::new()?;
        let h = net.host(&image, "versions", HostKind::InitScript)?;
        h.install_converge(&converge)?;
        let v = sh(
            &h,
            "apt-get install -y -q --no-install-recommends ansible-core >/dev/null 2>&1; \
             ansible --version | head -1; converge --version",
        )?;
        v.lines().map(str::trim).collect::<Vec<_>>().join(", ")
    };
    let size = std::fs::metadata(&converge).map_or(0.0, |m| m.len() as f64 / 1e6);
    let tables = tables(&samples, o.hosts);
    let goals = goals(&samples, o.hosts);
    println!("{tables}\n{goals}");
    let max_shared = shared.iter().max().copied().unwrap_or(0);
    let section = format!(
        "## Fleets: converge and Ansible side by side{on} (issue 17)

Generated by `cargo xtask bench {flags} --hosts {n} --rounds {rounds}` (xtask/src/fleet_bench.rs);
run it again to regenerate this section. Each round gives each engine its own private
network: a controller and {n} fresh init-script Debian {release} targets (sshd, python3 and
python3-apt, as an Ansible-managed host has them, and the controller's key; same names
in both, so the files are compared byte for byte), the engines alternating which goes
first. converge applies `xtask/bench/fleet/web_server.pp` (the reference web server as
`manifests/` had it, with its three HTTP checks, pinned beside the playbook) with
`--parallel {n}`; Ansible runs `xtask/bench/fleet/site.yml` (apt, copy,
lineinfile, service and a reload handler) with `forks = {n}`, pipelining and a set
interpreter (`xtask/bench/fleet/ansible.cfg`). After (b), both engines' index page, 404 page
and default site are identical on every host; the dry runs change nothing.

- (a) the first converge of {n} fresh hosts (nginx from the image's offline repository;
  converge copies itself to each host);
- (b) the same run again over the converged hosts: nothing to change;
- (b′) (b) again with ssh told to use the classical key exchange (`--ssh-option
  KexAlgorithms=curve25519-sha256`; `ANSIBLE_SSH_ARGS` with the same option): OpenSSH 9's
  default, the post-quantum hybrid `sntrup761x25519-sha512`, costs the client about 85 ms
  of CPU per connection on this machine, against about 15 ms for the whole of a one-shot
  `ssh host true` with curve25519. Which to use is the user's choice (their ssh config);
  converge does not override it;
- (c) a dry run (`converge plan`, `ansible-playbook --check --diff`) with the index text
  changed: one pending change on every host.

The floor (\"ssh alone\", a third network of {n} fresh targets each round, run between the
two engines) is what no push engine can skip: one `ssh` per target, all at once, running
`apt-get install nginx` with converge's own apt options for (a), and `true` for (b) and
(b′). Its wall time bounds every engine's from below on this machine (the {n} targets'
dpkg shares the same 2 cores), so Ansible ÷ the floor is the largest ratio any engine
could reach; its CPU per host is what ssh alone costs the controller.

Wall time is taken inside the controller with bash's `$EPOCHREALTIME`; CPU is user + system
of the engine and everything it waited for (`times`), plus what the controller's init
reaped (Ansible's `ControlPersist` ssh masters, closed after each run so that every run
starts without open connections, as converge's do); memory is the peak of the summed PSS
of the controller's processes, sampled every 50 ms. The targets' own work (dpkg, sshd,
Python) runs on the same 2 cores as the controller: compare the engines, not the absolute
times. Catalogs shared between hosts: {max_shared} of {n} (`web_server` puts each host's
name in its header, so every host compiles its own).

- date (start): {date}
{machine}
- {versions}; converge commit {commit}{dirty}, {what_build} ({size:.1} MB)
- {rounds} rounds

{tables}
Against the goals of issue 17:

{goals}",
        n = o.hosts,
        rounds = o.rounds,
        flags = o.section(SECTION),
        on = o.on_release(),
        release = o.release.number(),
        machine = machine(&load_start, &load_end),
    );
    write_section(&o.section(SECTION), "fleet", &section)?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::with_section;

    #[test]
    fn the_fleet_section_is_replaced_in_place_or_added_at_the_end() {
        let doc = "# B\n\ntable\n\n<!-- Everything below is written by hand -->\n\nhand\n";
        const BEGIN: &str = "<!-- cargo xtask bench --fleet: begin -->";
        const END: &str = "<!-- cargo xtask bench --fleet: end -->";
        let once = with_section(doc, SECTION, "fleet 1\n");
        assert_eq!(once, format!("{doc}\n{BEGIN}\nfleet 1\n{END}\n"));
        let twice = with_section(&once, SECTION, "fleet 2\n");
        assert_eq!(twice, format!("{doc}\n{BEGIN}\nfleet 2\n{END}\n"));
        let more = format!("{twice}\n## after\n");
        assert_eq!(
            with_section(&more, SECTION, "fleet 3\n"),
            format!("{doc}\n{BEGIN}\nfleet 3\n{END}\n## after\n")
        );
    }

    #[test]
    fn the_floor_reaches_every_target_at_once_and_fails_when_one_fails() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        // An ssh that logs its target and fails for node-02.
        let ssh = dir.path().join("ssh");
        let log = dir.path().join("log");
        std::fs::write(
            &ssh,
            format!(
                "#!/bin/sh\nfor a; do t=$p; p=$a; done\necho \"$t\" >> {}\n[ \"$t\" != node-02 ]\n",
                log.display()
            ),
        )
        .unwrap();
        std::fs::set_permissions(&ssh, std::fs::Permissions::from_mode(0o755)).unwrap();
        let run = |targets: &[&str]| {
            let t: Vec<String> = targets.iter().map(|s| s.to_string()).collect();
            let argv = floor_command(Measure::Noop, &t);
            let path = format!(
                "{}:{}",
                dir.path().display(),
                std::env::var("PATH").unwrap()
            );
            std::process::Command::new(&argv[0])
                .args(&argv[1..])
                .env("PATH", path)
                .status()
                .unwrap()
                .success()
        };
        assert!(run(&["node-01", "node-03"]));
        assert!(!run(&["node-01", "node-02", "node-03"]));
        let mut seen: Vec<String> = std::fs::read_to_string(&log)
            .unwrap()
            .lines()
            .map(String::from)
            .collect();
        seen.sort();
        assert_eq!(
            seen,
            ["node-01", "node-01", "node-02", "node-03", "node-03"]
        );
    }

    #[test]
    fn the_machine_line_names_cores_memory_kernel_and_both_loads() {
        let m = machine("0.10 0.20 0.30", "9.00 8.00 7.00");
        let (first, second) = m.split_once('\n').unwrap();
        assert!(
            first.starts_with("- machine: ") && first.contains(" cores, "),
            "{m}"
        );
        assert!(first.ends_with("; load average (1, 5, 15 min) at"), "{m}");
        assert_eq!(
            second,
            "  start 0.10 0.20 0.30, at end 9.00 8.00 7.00 (other jobs share this machine)"
        );
    }

    #[test]
    fn times_reads_minutes_and_seconds() {
        assert!((times_secs("1m2.500s") - 62.5).abs() < 1e-9);
        assert_eq!(times_secs("junk"), 0.0);
    }
}
