//! The two ERB routes measured side by side on the same renders: converge's native
//! renderer, and Ruby's ERB in one `ruby` child process per compile (converge's
//! fallback, `wire::SERVER_RB`). Input: what `tests/puppet/capture.rb` recorded while
//! Puppet 7 compiled the fixture manifests (each manifest is one compile):
//!
//! ```text
//! ruby crates/erb/tests/puppet/capture.rb /usr/share/puppet/modules \
//!     crates/erb/tests/puppet/facts.json crates/erb/tests/puppet/manifests/*.pp > /tmp/capture.json
//! cargo run --release -p converge-erb --example routes -- /tmp/capture.json [ROUNDS]
//! ```
//!
//! Per round and manifest: native = parse every template (once per compile, as the
//! compiler caches them) and render every case; Ruby = start the process, render every
//! case through it (variables sent once per process, the scope's questions answered over
//! the pipe). Prints medians over the rounds, per compile and per render.

#[path = "../tests/support/replay.rs"]
mod replay;

use converge_erb::wire::{Session, SERVER_RB};
use converge_erb::{Host, Template};
use replay::Replay;
use serde_json::Value as Json;
use std::collections::BTreeMap;
use std::io::BufReader;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v.get(v.len() / 2).copied().unwrap_or_default()
}

fn source(case: &Json) -> (String, String, Option<String>) {
    match case["template"].as_str() {
        Some(p) => (
            p.to_string(),
            std::fs::read_to_string(p).expect("template"),
            Some(p.to_string()),
        ),
        None => {
            let s = case["inline"].as_str().unwrap_or("").to_string();
            (s.clone(), s, None)
        }
    }
}

/// One render to do: the template's key, text and file, and its recorded scope (values
/// decoded before timing: in a compile the compiler's values are at hand).
struct Job {
    key: String,
    src: String,
    file: Option<String>,
    host: Replay,
}

fn jobs(cases: &[&Json]) -> Vec<Job> {
    cases
        .iter()
        .map(|c| {
            let (key, src, file) = source(c);
            Job {
                key,
                src,
                file,
                host: Replay::new(c),
            }
        })
        .collect()
}

/// Native: one compile's renders; returns the total and each render's time.
fn native(jobs: &mut [Job]) -> (Duration, Vec<Duration>) {
    let start = Instant::now();
    let mut parsed: BTreeMap<String, Template> = BTreeMap::new();
    let mut each = Vec::new();
    for job in jobs {
        let t0 = Instant::now();
        job.host.reset();
        let t = parsed
            .entry(job.key.clone())
            .or_insert_with(|| Template::parse(&job.key, &job.src).expect("native parse"));
        let _ = t.render(&mut job.host, job.file.as_deref());
        each.push(t0.elapsed());
    }
    (start.elapsed(), each)
}

/// Ruby: one process for the compile; returns the total, the start-up and each render.
fn ruby(jobs: &mut [Job]) -> (Duration, Duration, Vec<Duration>) {
    let start = Instant::now();
    let mut child = Command::new("ruby")
        .args(["--disable-gems", "-e", SERVER_RB])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("ruby");
    let mut stdin = child.stdin.take().expect("stdin");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut session = Session::new();
    let mut each = Vec::new();
    let mut startup = Duration::ZERO;
    for (i, job) in jobs.iter_mut().enumerate() {
        let t0 = Instant::now();
        job.host.reset();
        let vars = job.host.vars();
        let _ = session.render(
            &mut stdout,
            &mut stdin,
            &job.key,
            job.file.as_deref(),
            &job.src,
            vars,
            &mut job.host,
        );
        if i == 0 {
            // The first answer also waited for Ruby to start.
            startup = start.elapsed();
        }
        each.push(t0.elapsed());
    }
    drop(stdin);
    let _ = child.wait();
    (start.elapsed(), startup, each)
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1000.0)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let path = args.get(1).expect("usage: routes CAPTURE.json [ROUNDS]");
    let rounds: usize = args.get(2).and_then(|r| r.parse().ok()).unwrap_or(5);
    let captured: Json =
        serde_json::from_str(&std::fs::read_to_string(path).expect("read")).expect("json");
    let cases = captured["cases"].as_array().expect("cases");
    let mut by_manifest: BTreeMap<String, Vec<&Json>> = BTreeMap::new();
    for c in cases {
        by_manifest
            .entry(c["manifest"].as_str().unwrap_or("?").to_string())
            .or_default()
            .push(c);
    }
    println!("| compile (manifest) | renders | Puppet compile | native | Ruby process (start) | Ruby / native |");
    println!("|---|---:|---:|---:|---:|---:|");
    let mut all_native = Vec::new();
    let mut all_ruby = Vec::new();
    let mut all_start = Vec::new();
    for (m, cs) in &by_manifest {
        let (mut n, mut r, mut s) = (Vec::new(), Vec::new(), Vec::new());
        let mut js = jobs(cs);
        for _ in 0..rounds {
            let (nt, ne) = native(&mut js);
            let (rt, rs, re) = ruby(&mut js);
            n.push(nt);
            r.push(rt);
            s.push(rs);
            all_native.extend(ne);
            all_ruby.extend(re.into_iter().skip(1));
            all_start.push(rs);
        }
        let (n, r, s) = (median(n), median(r), median(s));
        let puppet = captured["compile_seconds"][m.as_str()]
            .as_f64()
            .map_or("-".to_string(), |x| format!("{:.0} ms", x * 1000.0));
        println!(
            "| {m} | {} | {puppet} | {} | {} ({}) | {:.0}x |",
            cs.len(),
            ms(n),
            ms(r),
            ms(s),
            r.as_secs_f64() / n.as_secs_f64().max(1e-9)
        );
    }
    println!();
    println!(
        "per render, median: native {}, Ruby {} (after start-up); Ruby start-up and first render: median {}",
        ms(median(all_native)),
        ms(median(all_ruby)),
        ms(median(all_start))
    );
}
