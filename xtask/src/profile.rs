//! `cargo xtask profile`: where a converge no-op spends its time, on one fresh host.
//!
//! Starts a fresh web-01 (init scripts, or systemd with `--systemd`), converges it with
//! `manifests/site.pp` and the benchmark's `web-01.pp`, then times each no-op command
//! (`--rounds` times, inside the host like `cargo xtask bench`) and lists every program
//! each one spawned (`strace -f -e trace=execve` run on this machine around `nsenter`, so
//! the host needs no strace). For finding what to make faster; `cargo xtask bench` is the
//! figure of record.
//!
//! With `--role lb` the profiled host is lb-01 (the `load_balancer` role: HAProxy) instead:
//! web-01 and web-02 are started and converged too, because lb-01's `http_check`s ask each
//! of them through the frontend on every apply; the web-01.pp commands are left out.

use std::process::{Command, ExitCode};
use std::time::Duration;

use converge_testhost::{Error, Host, HostKind, Image, Net};

use crate::bench;

/// How the profile runs.
#[derive(Debug, Clone)]
pub(crate) struct Options {
    /// Boot the host with systemd as PID 1.
    pub(crate) systemd: bool,
    /// Timed runs of each command.
    pub(crate) rounds: usize,
    /// Also `perf record` the web-01 no-op and print where its time goes.
    pub(crate) perf: bool,
    /// Another converge binary (an older build) timed in alternation with this one on
    /// the same host, for a before/after comparison measured side by side.
    pub(crate) baseline: Option<std::path::PathBuf>,
    /// The host profiled.
    pub(crate) role: Role,
}

/// Which host of the reference stack is profiled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// web-01 (`web_server`: nginx), converged alone.
    Web,
    /// lb-01 (`load_balancer`: HAProxy), with web-01 and web-02 converged behind it.
    Lb,
}

/// The benchmark's web-01 manifest in the host (web-01 only).
const WEB_01_PP: &str = "/etc/bench/web-01.pp";

/// The commands profiled, after both manifests converged the host.
const COMMANDS: [&[&str]; 8] = [
    &["converge", "apply", "--detailed-exitcodes", WEB_01_PP],
    &[
        "converge",
        "apply",
        "--detailed-exitcodes",
        "/etc/converge/site.pp",
    ],
    &[
        "converge",
        "apply",
        "--noop",
        "--detailed-exitcodes",
        "/etc/converge/site.pp",
    ],
    &["converge", "validate", WEB_01_PP],
    &["converge", "validate", "/etc/converge/site.pp"],
    &["converge", "facts", "networking.hostname"],
    // Start-up alone: clap, tracing, the dynamic loader.
    &["converge", "--version"],
    &["/bin/true"],
];

/// The programs `argv` executes in `host` (its own exec excluded), from strace on this
/// machine.
fn spawned(host: &Host, argv: &[&str]) -> Result<Vec<String>, Error> {
    let log = std::env::temp_dir().join(format!("xtask-profile-{}.strace", std::process::id()));
    let inner = host.command(argv);
    let mut strace = Command::new("strace");
    // The host's clean environment, as `Host::command` would set it.
    strace.env_clear();
    for (k, v) in inner.get_envs() {
        if let Some(v) = v {
            strace.env(k, v);
        }
    }
    let status = strace
        .args(["-f", "-qq", "-e", "trace=execve", "-o"])
        .arg(&log)
        .arg(inner.get_program())
        .args(inner.get_args())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .map_err(|e| Error::Io {
            context: "running strace (apt-get install strace)".into(),
            source: e,
        })?;
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    let _ = std::fs::remove_file(&log);
    if status.code().is_none() {
        return Err(Error::Command {
            what: format!("strace of {}", argv.join(" ")),
            status: status.to_string(),
            stderr: String::new(),
        });
    }
    // The first execs are nsenter and the command itself.
    Ok(text
        .lines()
        .filter(|l| l.contains("execve(") && !l.contains("= -1"))
        .filter_map(|l| l.split("execve(").nth(1)?.split(", [").nth(1))
        .map(|args| args.split("], ").next().unwrap_or(args).replace('"', ""))
        .skip(2)
        .collect())
}

/// `perf record` of `argv` run `times` times in `host`, then the top of `perf report`
/// (converge's own symbols, read from the host's root file system).
fn perf(host: &Host, argv: &[&str], times: usize) -> Result<String, Error> {
    let data = std::env::temp_dir().join(format!("xtask-profile-{}.perf", std::process::id()));
    let script = format!("for i in $(seq {times}); do \"$@\" >/dev/null 2>&1; done");
    let mut full = vec!["/bin/sh", "-c", script.as_str(), "sh"];
    full.extend_from_slice(argv);
    let inner = host.command(&full);
    let mut rec = Command::new("perf");
    rec.env_clear();
    for (k, v) in inner.get_envs() {
        if let Some(v) = v {
            rec.env(k, v);
        }
    }
    let io = |e| Error::Io {
        context: "running perf".into(),
        source: e,
    };
    rec.args(["record", "-q", "-F", "20000", "-g", "-o"])
        .arg(&data)
        .arg("--")
        .arg(inner.get_program())
        .args(inner.get_args())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .map_err(io)?;
    let root = host
        .root_path()
        .map(|p| p.to_path_buf())
        .unwrap_or_default();
    let out = Command::new("perf")
        .args([
            "report",
            "--no-children",
            "--comm",
            "converge",
            "--sort",
            "dso,symbol",
        ])
        .args(["-g", "none", "--stdio", "-i"])
        .arg(&data)
        .arg(format!("--symfs={}", root.display()))
        .output()
        .map_err(io)?;
    let _ = std::fs::remove_file(&data);
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.contains('%') && !l.starts_with('#'))
        .take(40)
        .map(|l| format!("    {}\n", l.trim_end()))
        .collect())
}

/// Runs the profile and prints what it found.
pub(crate) fn run(options: Options) -> Result<ExitCode, Error> {
    let root = bench::workspace_root();
    let converge = bench::build(&root)?;
    let image = Image::default_image()?;
    let net = Net::new()?;
    let mut web_servers = Vec::new();
    let kind = if options.systemd {
        HostKind::Systemd
    } else {
        HostKind::InitScript
    };
    let host = match options.role {
        Role::Web => {
            let host = net.host(&image, "web-01", kind)?;
            host.install_converge(&converge)?;
            host.copy_in(&root.join("manifests"), "/etc/converge")?;
            host.copy_in(&root.join("xtask/bench"), "/etc/bench")?;
            for m in ["/etc/converge/site.pp", "/etc/bench/web-01.pp"] {
                let out = host.exec(&["converge", "apply", "--color", "never", m])?;
                eprintln!("xtask: first apply of {m}: {}", out.status);
            }
            host
        }
        Role::Lb => {
            let mut hosts = net.hosts(
                &image,
                &[("web-01", kind), ("web-02", kind), ("lb-01", kind)],
            )?;
            for h in &hosts {
                h.install_converge(&converge)?;
                h.copy_in(&root.join("manifests"), "/etc/converge")?;
                let out = h.exec(&[
                    "converge",
                    "apply",
                    "--color",
                    "never",
                    "/etc/converge/site.pp",
                ])?;
                eprintln!("xtask: first apply on {}: {}", h.name(), out.status);
            }
            // The web servers stay up (dropping a host removes it) while lb-01 is profiled.
            let lb = hosts.pop().expect("three hosts");
            web_servers = hosts;
            lb
        }
    };
    if let Some(b) = &options.baseline {
        host.copy_in(b, "/usr/local/bin/converge-baseline")?;
    }
    let commands = COMMANDS
        .iter()
        .filter(|argv| options.role == Role::Web || !argv.contains(&WEB_01_PP));
    for argv in commands {
        let argv: Vec<String> = argv.iter().map(|s| s.to_string()).collect();
        let mut before = argv.clone();
        before[0] = "converge-baseline".into();
        let compare = options.baseline.is_some() && argv[0] == "converge";
        let (mut samples, mut baseline) = (Vec::new(), Vec::new());
        for _ in 0..options.rounds {
            samples.push(bench::timed(&host, &argv, &[0, 2])?);
            if compare {
                baseline.push(bench::timed(&host, &before, &[0, 2])?);
            }
        }
        let borrowed: Vec<&str> = argv.iter().map(String::as_str).collect();
        let programs = spawned(&host, &borrowed)?;
        println!(
            "{}: {}; {} processes spawned",
            argv.join(" "),
            bench::cell(&samples).replace("**", ""),
            programs.len()
        );
        for p in programs {
            println!("    {p}");
        }
        if compare {
            let borrowed: Vec<&str> = before.iter().map(String::as_str).collect();
            let spawned_before = spawned(&host, &borrowed)?.len();
            let med = |v: &[Duration]| {
                let mut v = v.to_vec();
                v.sort();
                v[v.len() / 2].as_secs_f64()
            };
            println!(
                "    baseline: {}; {spawned_before} processes spawned; baseline / this = {:.1}x",
                bench::cell(&baseline).replace("**", ""),
                med(&baseline) / med(&samples)
            );
        }
    }
    if options.perf {
        // web-01.pp on web-01; site.pp on lb-01.
        let (argv, what) = match options.role {
            Role::Web => (COMMANDS[0], "web-01.pp on web-01"),
            Role::Lb => (COMMANDS[1], "site.pp on lb-01"),
        };
        println!("perf report of 50 no-op applies of {what}:");
        print!("{}", perf(&host, argv, 50)?);
    }
    drop(web_servers);
    Ok(ExitCode::SUCCESS)
}
