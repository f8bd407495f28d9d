//! Shared pieces of the end-to-end tests: fresh hosts with the `converge` binary installed,
//! running it on a manifest, and a fingerprint of a host's whole file system.

#![allow(dead_code, unreachable_pub)]

use converge_testhost::{Host, HostKind, Image, Net, Output, Release};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// A private network with one image; hosts made from it have `converge` on their PATH.
pub struct Bed {
    /// The image every host starts from.
    pub image: Image,
    /// The private network (dropped after the hosts).
    pub net: Net,
}

impl Bed {
    /// A new network, with hosts of the Debian release `CONVERGE_TEST_RELEASE` names
    /// (default 12; `cargo xtask e2e --release N` sets it). Builds the image when it is
    /// missing; fails loudly when the test bed cannot run (not root).
    pub fn new() -> Bed {
        let image = Image::builder()
            .release(Release::from_env())
            .build()
            .unwrap_or_else(|e| panic!("the fresh-host image: {e}"));
        let net = Net::new().unwrap_or_else(|e| panic!("a private network for fresh hosts: {e}"));
        Bed { image, net }
    }

    /// A fresh host of the given kind with `/usr/local/bin/converge` installed.
    pub fn host(&self, name: &str, kind: HostKind) -> Host {
        let host = self
            .net
            .host(&self.image, name, kind)
            .unwrap_or_else(|e| panic!("starting {name}: {e}"));
        host.install_converge(Path::new(env!("CARGO_BIN_EXE_converge")))
            .expect("copying converge into the host");
        host
    }
}

/// The repository's `manifests/` folder (site.pp and its modules).
pub fn manifests_dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../manifests"))
}

/// What a `converge` run printed and returned.
#[derive(Debug)]
pub struct Run {
    /// Exit status.
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(out: Output) -> Run {
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: out.stdout,
            stderr: out.stderr,
        }
    }
}

impl Run {
    /// stdout and stderr together, for assertions on messages.
    pub fn all(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }

    /// The JSON report printed with `--format json`.
    pub fn report(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not a JSON report ({e}):\n{}", self.all()))
    }
}

/// Write `manifest` to `/root/site.pp` in the host and run `converge <args> /root/site.pp`.
pub fn converge(host: &Host, manifest: &str, args: &[&str]) -> Run {
    host.write_file("/root/site.pp", manifest.as_bytes())
        .expect("writing the manifest");
    let mut argv = vec!["converge"];
    argv.extend_from_slice(args);
    argv.push("/root/site.pp");
    run(host, &argv)
}

/// Run `argv` (a converge command line) in the host; what it printed and returned.
pub fn run(host: &Host, argv: &[&str]) -> Run {
    Run::from(host.exec(argv).expect("running converge"))
}

/// `converge apply --detailed-exitcodes --format json`.
pub fn apply_json(host: &Host, manifest: &str, extra: &[&str]) -> Run {
    let mut args = vec!["apply", "--detailed-exitcodes", "--format", "json"];
    args.extend_from_slice(extra);
    converge(host, manifest, &args)
}

/// `converge apply --detailed-exitcodes --format json <manifest>` on a host, `manifest`
/// being a path there.
pub fn apply_path(host: &Host, manifest: &str) -> Run {
    run(
        host,
        &[
            "converge",
            "apply",
            "--detailed-exitcodes",
            "--format",
            "json",
            manifest,
        ],
    )
}

/// [`apply_path`], timed.
pub fn apply_timed(host: &Host, manifest: &str) -> (Run, Duration) {
    let start = std::time::Instant::now();
    let run = apply_path(host, manifest);
    (run, start.elapsed())
}

/// web-01, web-02 and lb-01, each made by `make` on a thread of its own, all at once.
pub fn web_stack(make: impl Fn(&str) -> Host + Sync) -> [Host; 3] {
    std::thread::scope(|s| {
        let make = &make;
        let hs = ["web-01", "web-02", "lb-01"].map(|n| s.spawn(move || make(n)));
        hs.map(|h| h.join().expect("starting a host"))
    })
}

/// [`apply_timed`] on every host at once (one thread each); results in host order.
pub fn apply_all(hosts: &[&Host], manifest: &str) -> Vec<(Run, Duration)> {
    std::thread::scope(|s| {
        let handles: Vec<_> = hosts
            .iter()
            .map(|h| s.spawn(move || apply_timed(h, manifest)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("an apply thread panicked"))
            .collect()
    })
}

/// The statuses in a JSON report, as `(ref, status)`.
pub fn statuses(report: &serde_json::Value) -> Vec<(String, String)> {
    report["resources"]
        .as_array()
        .expect("resources in the report")
        .iter()
        .map(|r| {
            (
                r["ref"].as_str().unwrap_or_default().to_string(),
                r["status"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// The entry of resource `reference` (`Type[title]`) in a JSON report; fails without one.
pub fn resource<'a>(report: &'a serde_json::Value, reference: &str) -> &'a serde_json::Value {
    report["resources"]
        .as_array()
        .expect("resources in the report")
        .iter()
        .find(|r| r["ref"] == reference)
        .unwrap_or_else(|| panic!("{reference} in the report: {report:#}"))
}

/// Every file, directory and link on the host's root file system with its type, mode,
/// owner, size, mtime, link target and, for files, content hash. Equal fingerprints mean
/// nothing was written. Kernel file systems and the run-time directories are left out.
pub fn fingerprint(host: &Host) -> String {
    let script = r#"
        cd / && find / -xdev \( -path /proc -o -path /sys -o -path /dev -o -path /run \
            -o -path /tmp -o -path /root/site.pp \) -prune -o \
            -printf '%y %m %U:%G %s %T@ %p -> %l\n' | sort
        find / -xdev \( -path /proc -o -path /sys -o -path /dev -o -path /run -o -path /tmp \
            -o -path /root/site.pp \) -prune -o -type f -print0 | sort -z | xargs -0 sha256sum
    "#;
    let out = host.sh(script).expect("fingerprinting the host");
    assert!(out.success(), "fingerprint failed: {}", out.stderr);
    out.stdout
}

/// A fetch from another host on the private network: status line and headers, then body.
pub fn http_get(client: &Host, url: &str) -> String {
    let out = client
        .exec(&["curl", "-s", "-i", "--max-time", "5", url])
        .expect("running curl");
    out.stdout
}

/// One answer to a request through a load balancer or web server, as a client sees it.
#[derive(Debug, Clone)]
pub struct Answer {
    /// HTTP status, 0 when curl got no response at all.
    pub status: u16,
    /// The `X-Served-By` header, whatever the case of its name.
    pub served_by: Option<String>,
    /// The body, without trailing white space.
    pub body: String,
    /// curl's exit code.
    pub curl_exit: i32,
}

impl Answer {
    /// curl got a whole answer and it was 200 OK.
    pub fn ok(&self) -> bool {
        self.curl_exit == 0 && self.status == 200
    }
}

/// Parses one `curl -s -i` response (headers, blank line, body).
pub fn parse_answer(raw: &str, curl_exit: i32) -> Answer {
    let raw = raw.trim_start_matches('\n');
    let (head, body) = raw
        .split_once("\r\n\r\n")
        .or_else(|| raw.split_once("\n\n"))
        .unwrap_or((raw, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    // Header names are case-insensitive; HAProxy passes nginx's spelling through.
    let served_by = lines.find_map(|l| {
        let (name, value) = l.split_once(':')?;
        name.trim()
            .eq_ignore_ascii_case("x-served-by")
            .then(|| value.trim().to_string())
    });
    Answer {
        status,
        served_by,
        body: body.trim_end().to_string(),
        curl_exit,
    }
}

/// `n` requests from the client to `url`, one curl (one connection) each, in one go.
pub fn requests(client: &Host, url: &str, n: usize) -> Vec<Answer> {
    let script = format!(
        "for i in $(seq {n}); do curl -s -i --max-time 3 -w '\\n@@END %{{exitcode}}\\n' {url}; \
         done"
    );
    let out = client.sh(&script).expect("running curl in the client");
    let mut answers = Vec::new();
    let mut rest = out.stdout.as_str();
    while let Some(pos) = rest.find("\n@@END ") {
        let (raw, tail) = rest.split_at(pos);
        let tail = &tail["\n@@END ".len()..];
        let (code, next) = tail.split_once('\n').unwrap_or((tail, ""));
        answers.push(parse_answer(raw, code.trim().parse().unwrap_or(-1)));
        rest = next;
    }
    assert_eq!(answers.len(), n, "one answer per request:\n{}", out.stdout);
    answers
}

/// Runs `work` while the client keeps asking `url` (five requests a round, one connection
/// each), from half a second before `work` begins until `after` it ends, so that traffic
/// flows on both sides of the change. Every answer, in order, and what `work` returned.
pub fn under_load<T>(
    client: &Host,
    url: &str,
    after: Duration,
    work: impl FnOnce() -> T,
) -> (Vec<Answer>, T) {
    let stop = AtomicBool::new(false);
    std::thread::scope(|s| {
        let load = s.spawn(|| {
            let mut all = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                all.extend(requests(client, url, 5));
            }
            all
        });
        std::thread::sleep(Duration::from_millis(500));
        let done = work();
        std::thread::sleep(after);
        stop.store(true, Ordering::Relaxed);
        (load.join().expect("the request loop"), done)
    })
}

/// Fail with the lines that differ when two fingerprints are not equal.
pub fn assert_unchanged(before: &str, after: &str, what: &str) {
    if before == after {
        return;
    }
    let b: std::collections::BTreeSet<&str> = before.lines().collect();
    let a: std::collections::BTreeSet<&str> = after.lines().collect();
    let gone: Vec<&&str> = b.difference(&a).take(20).collect();
    let new: Vec<&&str> = a.difference(&b).take(20).collect();
    panic!("{what} changed the host:\n before: {gone:#?}\n after: {new:#?}");
}
