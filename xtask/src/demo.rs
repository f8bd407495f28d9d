//! `cargo xtask demo`: the main job in one command, for a newcomer. Builds converge, starts
//! web-01, web-02 and lb-01 as fresh Debian hosts, applies `manifests/site.pp` on all three
//! at once with their output streamed live, prints each apply's summary, sends requests
//! through lb-01 from a client host to show which server answered each, and tears it all
//! down. `--nginx-lb` runs `manifests/site-nginx-lb.pp` instead: nginx balances on lb-01.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use converge_testhost::{Error, Host, HostKind, Net, Release};

/// Where the repository's manifests go in each host.
const MANIFESTS: &str = "/etc/converge/manifests";
/// The hosts of the reference stack, in the order their results are shown.
const HOSTS: [&str; 3] = ["web-01", "web-02", "lb-01"];
/// Requests sent through the load balancer once the stack is up.
const REQUESTS: usize = 6;

/// How the demo runs.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Options {
    /// Hosts boot systemd (as a stock server) instead of running init scripts directly.
    pub(crate) systemd: bool,
    /// Build and use converge's release binary.
    pub(crate) release: bool,
    /// nginx on lb-01 (`site-nginx-lb.pp`) instead of HAProxy (`site.pp`).
    pub(crate) nginx_lb: bool,
}

fn io_error(context: &str, source: std::io::Error) -> Error {
    Error::Io {
        context: context.into(),
        source,
    }
}

/// `cargo build -p converge-cli`, output shown; returns the binary's path.
fn build(root: &Path, release: bool) -> Result<PathBuf, Error> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(root)
        .args(["build", "-p", "converge-cli", "--bin", "converge"]);
    if release {
        cmd.arg("--release");
    }
    let status = cmd
        .status()
        .map_err(|e| io_error("running cargo build", e))?;
    if !status.success() {
        return Err(Error::Command {
            what: "cargo build -p converge-cli".into(),
            status: status.to_string(),
            stderr: String::new(),
        });
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    Ok(target
        .join(if release { "release" } else { "debug" })
        .join("converge"))
}

/// What one host's apply ended with.
struct Applied {
    code: Option<i32>,
    took: Duration,
    summary: String,
}

/// Runs `converge apply` on `host`, printing every line it writes as `[host] line`.
fn apply_streamed(host: &Host, manifest: &str, out: &Mutex<()>) -> Result<Applied, Error> {
    let start = Instant::now();
    let site = format!("{MANIFESTS}/{manifest}");
    let mut child = host
        .command(&[
            "converge",
            "apply",
            "--color",
            "never",
            "--detailed-exitcodes",
            &site,
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| io_error("starting converge apply", e))?;
    let name = host.name().to_string();
    let streams = (child.stdout.take(), child.stderr.take());
    let summary = std::thread::scope(|s| {
        let readers: Vec<_> = [
            streams
                .0
                .map(|o| Box::new(o) as Box<dyn std::io::Read + Send>),
            streams
                .1
                .map(|e| Box::new(e) as Box<dyn std::io::Read + Send>),
        ]
        .into_iter()
        .flatten()
        .map(|stream| {
            let name = &name;
            s.spawn(move || {
                let mut summary = String::new();
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    let _guard = out.lock();
                    println!("{name:>7} | {line}");
                    if line.starts_with("Applied catalog") {
                        summary = line;
                    }
                }
                summary
            })
        })
        .collect();
        readers
            .into_iter()
            .filter_map(|r| r.join().ok())
            .find(|s| !s.is_empty())
            .unwrap_or_default()
    });
    let status = child
        .wait()
        .map_err(|e| io_error("waiting for converge apply", e))?;
    Ok(Applied {
        code: status.code(),
        took: start.elapsed(),
        summary,
    })
}

/// One request through lb-01: status line, `X-Served-By` (any case) and body.
fn fetch(client: &Host) -> Result<(String, Option<String>, String), Error> {
    let out = client.exec(&["curl", "-s", "-i", "--max-time", "3", "http://lb-01/"])?;
    let raw = out.stdout.replace("\r\n", "\n");
    let (head, body) = raw.split_once("\n\n").unwrap_or((&raw, ""));
    let mut lines = head.lines();
    let status = lines.next().unwrap_or("no answer").trim().to_string();
    let served_by = lines.find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim()
            .eq_ignore_ascii_case("x-served-by")
            .then(|| v.trim().to_string())
    });
    Ok((status, served_by, body.trim_end().to_string()))
}

/// Waits (at most `limit`) until both web servers have answered through lb-01: HAProxy
/// brings a backend in only after its health checks pass.
fn wait_for_backends(client: &Host, limit: Duration) -> Result<Option<Duration>, Error> {
    let start = Instant::now();
    let mut seen = std::collections::BTreeSet::new();
    while start.elapsed() < limit {
        if let (_, Some(by), _) = fetch(client)? {
            seen.insert(by);
        }
        if seen.contains("web-01") && seen.contains("web-02") {
            return Ok(Some(start.elapsed()));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok(None)
}

/// The whole demo.
pub(crate) fn run(opts: Options) -> Result<ExitCode, Error> {
    let began = Instant::now();
    let root = crate::workspace_root();
    // The test bed first: a machine without it is told what to run before any build, and
    // as root the packages and the image are installed and built here, with progress.
    converge_testhost::set_command("cargo xtask demo");
    let image = converge_testhost::prepare(Release::default())?;
    println!("==> building converge");
    let binary = build(&root, opts.release)?;
    let built = began.elapsed();

    let kind = if opts.systemd {
        HostKind::Systemd
    } else {
        HostKind::InitScript
    };
    println!(
        "==> starting {} as fresh {} {kind} hosts",
        HOSTS.join(", "),
        image.release()
    );
    let t = Instant::now();
    let net = Net::new()?;
    let specs: Vec<(&str, HostKind)> = HOSTS.iter().map(|h| (*h, kind)).collect();
    let hosts = net.hosts(&image, &specs)?;
    for h in &hosts {
        h.install_converge(&binary)?;
        h.copy_in(&root.join("manifests"), MANIFESTS)?;
    }
    let client = net.client("client")?;
    println!(
        "    up in {:.2} s, converge and manifests/ copied in",
        t.elapsed().as_secs_f64()
    );

    let manifest = if opts.nginx_lb {
        "site-nginx-lb.pp"
    } else {
        "site.pp"
    };
    println!("==> converge apply {MANIFESTS}/{manifest} on all three at once");
    let t = Instant::now();
    let out = Mutex::new(());
    let results: Vec<Result<Applied, Error>> = std::thread::scope(|s| {
        let handles: Vec<_> = hosts
            .iter()
            .map(|h| {
                let out = &out;
                s.spawn(move || apply_streamed(h, manifest, out))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|_| {
                    Err(io_error(
                        "an apply thread panicked",
                        std::io::Error::other("panic"),
                    ))
                })
            })
            .collect()
    });
    let applied_in = t.elapsed();
    println!(
        "==> summaries (all three in {:.2} s)",
        applied_in.as_secs_f64()
    );
    let mut all_ok = true;
    for (h, r) in hosts.iter().zip(results) {
        let r = r?;
        // --detailed-exitcodes: 0 nothing to do, 2 changes; 4 and 6 mean failures.
        let ok = matches!(r.code, Some(0) | Some(2));
        all_ok &= ok;
        println!(
            "    {:<7} {:>6.2} s  {}{}",
            h.name(),
            r.took.as_secs_f64(),
            if r.summary.is_empty() {
                "(no summary)"
            } else {
                &r.summary
            },
            if ok { "" } else { "  <-- FAILED" }
        );
    }
    if !all_ok {
        println!("==> an apply failed; see its lines above");
        return Ok(ExitCode::FAILURE);
    }

    println!("==> requests through lb-01 from a client host");
    match wait_for_backends(&client, Duration::from_secs(20))? {
        Some(d) => println!(
            "    both web servers in rotation after {:.2} s ({})",
            d.as_secs_f64(),
            if opts.nginx_lb {
                "nginx's upstream"
            } else {
                "HAProxy health checks"
            }
        ),
        None => println!("    only one web server answered within 20 s"),
    }
    for i in 1..=REQUESTS {
        let (status, by, body) = fetch(&client)?;
        println!(
            "    request {i}: {status:<16} {body:<14} X-Served-By: {}",
            by.as_deref().unwrap_or("(none)")
        );
    }

    println!("==> tearing down");
    let t = Instant::now();
    drop(client);
    drop(hosts);
    drop(net);
    println!(
        "==> done in {:.1} s (build {:.1} s, applies {:.1} s, teardown {:.2} s)",
        began.elapsed().as_secs_f64(),
        built.as_secs_f64(),
        applied_in.as_secs_f64(),
        t.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}
