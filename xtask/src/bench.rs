//! `cargo xtask bench`: converge and Puppet 7 side by side on fresh hosts built from the
//! Puppet image, the same manifest through both, in alternation (converge, Puppet, bare apt,
//! converge, …) so that noise on this shared machine hits every engine alike. Writes
//! `docs/benchmarks.md` (machine, versions, date, min / median / max and the ratio of
//! medians) and prints the same table.
//!
//! Every time is taken inside the host with bash's `$EPOCHREALTIME` around the command, so
//! the ~10 ms of `nsenter` that it takes to reach a host is not counted against either
//! engine; process start-up of the engine itself is.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Duration;

use converge_testhost::{Error, Host, HostKind, Image, Net};

use crate::forge_bench;

/// Where the benchmark's manifests go in each host.
const DIR: &str = "/etc/bench";
/// The Puppet-compatible web-01 manifest (stdlib `file_line` in place of `nginx_directive`).
const WEB: &str = include_str!("../bench/web-01.pp");
/// The standard 12-resource workload.
const WORKLOAD: &str = include_str!("../bench/workload.pp");
/// Files whose content must be the same after either engine converged web-01.
const WEB_OUTCOME: [&str; 3] = [
    "/etc/nginx/sites-available/default",
    "/var/www/html/index.html",
    "/var/www/html/404.html",
];

/// How the benchmark runs.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Options {
    /// Rounds of every measurement (each round starts fresh hosts).
    pub(crate) rounds: usize,
}

/// One manifest benchmarked: its file name in the host, the host's name (web-01 so that
/// the hostname fact is the stack's) and the packages it installs, for the apt floor.
struct Case {
    label: &'static str,
    file: &'static str,
    source: &'static str,
    host: &'static str,
    packages: &'static [&'static str],
}

const CASES: [Case; 2] = [
    Case {
        label: "web-01",
        file: "web-01.pp",
        source: WEB,
        host: "web-01",
        packages: &["nginx"],
    },
    Case {
        label: "standard workload",
        file: "workload.pp",
        source: WORKLOAD,
        host: "bench-01",
        packages: &["psmisc"],
    },
];

/// The two engines, with the command lines that do the same thing in each.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Engine {
    Converge,
    Puppet,
}

impl Engine {
    pub(crate) fn apply(self, manifest: &str, noop: bool) -> Vec<String> {
        let mut argv: Vec<&str> = match self {
            Engine::Converge => vec!["converge", "apply", "--color", "never"],
            Engine::Puppet => vec!["puppet", "apply", "--color", "false"],
        };
        argv.push("--detailed-exitcodes");
        if noop {
            argv.push("--noop");
        }
        argv.push(manifest);
        argv.into_iter().map(String::from).collect()
    }

    fn validate(self, manifest: &str) -> Vec<String> {
        match self {
            Engine::Converge => vec!["converge", "validate", manifest],
            Engine::Puppet => vec!["puppet", "parser", "validate", manifest],
        }
        .into_iter()
        .map(String::from)
        .collect()
    }

    fn facts(self) -> Vec<String> {
        match self {
            Engine::Converge => vec!["converge", "facts", "networking.hostname"],
            Engine::Puppet => vec!["facter", "networking.hostname"],
        }
        .into_iter()
        .map(String::from)
        .collect()
    }
}

/// Samples of one measurement for each engine (and the apt floor where there is one).
#[derive(Default)]
pub(crate) struct Row {
    pub(crate) converge: Vec<Duration>,
    pub(crate) puppet: Vec<Duration>,
    floor: Vec<Duration>,
}

impl Row {
    fn push(&mut self, engine: Engine, d: Duration) {
        match engine {
            Engine::Converge => self.converge.push(d),
            Engine::Puppet => self.puppet.push(d),
        }
    }
}

/// All rows, in the order they are reported.
#[derive(Default)]
struct Results {
    first: [Row; 2],
    noop_reapply: [Row; 2],
    dry_run: [Row; 2],
    validate: Row,
    facts: Row,
    /// The control repository's compile of web-01 (on this machine, not in a host).
    control_repo: Row,
    /// The Forge-style site's compile of web-01 (on this machine): row (g).
    forge_compile: Row,
    /// No-op re-applies of the Forge-style lb-01 and of today's: row (h).
    lb_noop: forge_bench::LbNoop,
    /// Peak resident memory of each converge no-op re-apply of web-01, in KiB.
    converge_rss_kib: Vec<u64>,
    /// The same figure for `/bin/true`: the measuring wrapper's own share.
    wrapper_rss_kib: u64,
}

fn io_error(context: &str, source: std::io::Error) -> Error {
    Error::Io {
        context: context.into(),
        source,
    }
}

pub(crate) fn failed(what: String, status: String, stderr: String) -> Error {
    Error::Command {
        what,
        status,
        stderr,
    }
}

pub(crate) fn workspace_root() -> PathBuf {
    let xtask = Path::new(env!("CARGO_MANIFEST_DIR"));
    xtask.parent().unwrap_or(xtask).to_path_buf()
}

/// Runs `argv` in `host`, timed inside the host; returns its exit code and wall time. Its
/// output goes to `/tmp/bench.out` in the host, shown when the exit code is not one of
/// `expect`.
pub(crate) fn timed(host: &Host, argv: &[String], expect: &[i32]) -> Result<Duration, Error> {
    let script =
        r#"s=$EPOCHREALTIME; "$@" >/tmp/bench.out 2>&1; c=$?; e=$EPOCHREALTIME; echo "$c $s $e""#;
    let mut full = vec!["/bin/bash", "-c", script, "bench"];
    full.extend(argv.iter().map(String::as_str));
    let out = host.exec(&full)?.ok()?;
    let fields: Vec<&str> = out.stdout.split_whitespace().collect();
    let parsed = match fields.as_slice() {
        [c, s, e] => c
            .parse::<i32>()
            .ok()
            .zip(s.parse::<f64>().ok())
            .zip(e.parse::<f64>().ok())
            .map(|((c, s), e)| (c, e - s)),
        _ => None,
    };
    let Some((code, secs)) = parsed else {
        return Err(failed(
            format!("{}: timing {}", host.name(), argv.join(" ")),
            "unreadable timing".into(),
            out.stdout,
        ));
    };
    if !expect.contains(&code) {
        let log = host.read_file("/tmp/bench.out").unwrap_or_default();
        return Err(failed(
            format!("{}: {}", host.name(), argv.join(" ")),
            format!(
                "exit {code}, expected one of {}",
                expect
                    .iter()
                    .map(i32::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            String::from_utf8_lossy(&log).into_owned(),
        ));
    }
    Ok(Duration::from_secs_f64(secs.max(0.0)))
}

/// Runs `argv` in `host` under a tiny Perl wrapper (perl-base is in every Debian) that forks
/// it, waits, and reads `getrusage(RUSAGE_CHILDREN)` by raw syscall; returns the peak
/// resident memory in KiB. A child's peak includes what its parent had mapped before the
/// child's `exec`, so it is measured from a small process: `wait4` from this machine would
/// count the whole xtask process. The wrapper's own share is measured with `/bin/true`.
fn peak_rss_kib(host: &Host, argv: &[&str]) -> Result<u64, Error> {
    const WRAPPER: &str = r#"my $pid = fork() // die "fork: $!";
if ($pid == 0) { open(STDOUT, ">", "/dev/null"); open(STDERR, ">", "/dev/null"); exec(@ARGV) or exit 127 }
waitpid($pid, 0); my $st = $? >> 8;
my $buf = "\0" x 144;
syscall(98, -1, $buf) == 0 or die "getrusage: $!";
my @f = unpack("q18", $buf); print "$st $f[4]\n";"#;
    let mut full = vec!["perl", "-e", WRAPPER];
    full.extend_from_slice(argv);
    let out = host.exec(&full)?.ok()?;
    let fields: Vec<&str> = out.stdout.split_whitespace().collect();
    match fields.as_slice() {
        ["0", kib] => kib.parse().map_err(|_| {
            failed(
                format!("{}: peak memory of {}", host.name(), argv.join(" ")),
                "unreadable".into(),
                out.stdout.clone(),
            )
        }),
        _ => Err(failed(
            format!("{}: {}", host.name(), argv.join(" ")),
            "failed under the memory wrapper".into(),
            out.stdout,
        )),
    }
}

/// A fresh init-script host named `name` with converge and the manifests copied in.
fn fresh(net: &Net, image: &Image, name: &str, converge: &Path) -> Result<Host, Error> {
    let host = net.host(image, name, HostKind::InitScript)?;
    host.install_converge(converge)?;
    for case in &CASES {
        host.write_file(&format!("{DIR}/{}", case.file), case.source.as_bytes())?;
    }
    Ok(host)
}

/// The contents of `WEB_OUTCOME` in `host`, to check both engines reached the same state.
fn outcome(host: &Host) -> Result<Vec<Vec<u8>>, Error> {
    WEB_OUTCOME.iter().map(|p| host.read_file(p)).collect()
}

/// One engine through one case on a fresh host: (a), (b), (c), and for web-01 (d), (e),
/// the peak memory of a converge no-op, and the files of the outcome.
fn one(
    net: &Net,
    image: &Image,
    converge: &Path,
    engine: Engine,
    index: usize,
    results: &mut Results,
) -> Result<Option<Vec<Vec<u8>>>, Error> {
    let case = &CASES[index];
    let host = fresh(net, image, case.host, converge)?;
    let manifest = format!("{DIR}/{}", case.file);
    // Puppet's --detailed-exitcodes: 2 = changes, 0 = none; converge's are the same.
    let d = timed(&host, &engine.apply(&manifest, false), &[2])?;
    results.first[index].push(engine, d);
    let d = timed(&host, &engine.apply(&manifest, false), &[0])?;
    results.noop_reapply[index].push(engine, d);
    let d = timed(&host, &engine.apply(&manifest, true), &[0])?;
    results.dry_run[index].push(engine, d);
    if index != 0 {
        return Ok(None);
    }
    let d = timed(&host, &engine.validate(&manifest), &[0])?;
    results.validate.push(engine, d);
    let d = timed(&host, &engine.facts(), &[0])?;
    results.facts.push(engine, d);
    if engine == Engine::Converge {
        let argv = ["converge", "apply", "--color", "never", manifest.as_str()];
        results.converge_rss_kib.push(peak_rss_kib(&host, &argv)?);
        results.wrapper_rss_kib = peak_rss_kib(&host, &["/bin/true"])?;
    }
    Ok(Some(outcome(&host)?))
}

/// Bare `apt-get install` of a case's packages on a fresh host: the floor for (a).
fn floor(net: &Net, image: &Image, converge: &Path, index: usize) -> Result<Duration, Error> {
    let case = &CASES[index];
    let host = fresh(net, image, case.host, converge)?;
    let mut argv: Vec<String> = ["apt-get", "install", "-y", "-q"]
        .into_iter()
        .map(String::from)
        .collect();
    argv.extend(case.packages.iter().map(|p| p.to_string()));
    timed(&host, &argv, &[0])
}

/// Reads a command's output on this machine, trimmed; empty when it cannot run.
pub(crate) fn local(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .current_dir(workspace_root())
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}

pub(crate) fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|| "?".into())
}

pub(crate) fn mem_total() -> String {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            let line = m.lines().find(|l| l.starts_with("MemTotal:"))?;
            let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
            Some(format!("{:.1} GiB", kib / 1024.0 / 1024.0))
        })
        .unwrap_or_else(|| "?".into())
}

/// `cargo build --release -p converge-cli`; returns the binary's path.
pub(crate) fn build(root: &Path) -> Result<PathBuf, Error> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(root)
        .args([
            "build",
            "--release",
            "-p",
            "converge-cli",
            "--bin",
            "converge",
        ])
        .status()
        .map_err(|e| io_error("running cargo build", e))?;
    if !status.success() {
        return Err(failed(
            "cargo build --release -p converge-cli".into(),
            status.to_string(),
            String::new(),
        ));
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    Ok(target.join("release").join("converge"))
}

/// Sorted samples' min, median and max.
fn stats(samples: &[Duration]) -> Option<(f64, f64, f64)> {
    let mut s: Vec<f64> = samples.iter().map(Duration::as_secs_f64).collect();
    s.sort_by(f64::total_cmp);
    Some((*s.first()?, s[s.len() / 2], *s.last()?))
}

/// A duration for the table: milliseconds below a second, seconds above.
pub(crate) fn human(secs: f64) -> String {
    if secs < 1.0 {
        format!("{:.1} ms", secs * 1000.0)
    } else {
        format!("{secs:.2} s")
    }
}

pub(crate) fn cell(samples: &[Duration]) -> String {
    match stats(samples) {
        Some((min, med, max)) => format!("{} / **{}** / {}", human(min), human(med), human(max)),
        None => "—".into(),
    }
}

pub(crate) fn median(samples: &[Duration]) -> Option<f64> {
    stats(samples).map(|(_, m, _)| m)
}

/// Puppet's median over converge's, e.g. `412×`.
pub(crate) fn ratio(row: &Row) -> String {
    match (median(&row.puppet), median(&row.converge)) {
        (Some(p), Some(c)) if c > 0.0 && p / c < 10.0 => format!("{:.1}×", p / c),
        (Some(p), Some(c)) if c > 0.0 => format!("{:.0}×", p / c),
        _ => "—".into(),
    }
}

/// The results table in Markdown.
fn table(r: &Results) -> String {
    let mut t = String::from(
        "| measure | converge min / **median** / max | Puppet min / **median** / max | Puppet ÷ converge (medians) | bare `apt-get install` min / **median** / max |\n|---|---|---|---|---|\n",
    );
    let mut line = |name: String, row: &Row| {
        let floor = if row.floor.is_empty() {
            String::new()
        } else {
            cell(&row.floor)
        };
        let _ = writeln!(
            t,
            "| {name} | {} | {} | {} | {floor} |",
            cell(&row.converge),
            cell(&row.puppet),
            ratio(row)
        );
    };
    for (i, case) in CASES.iter().enumerate() {
        line(
            format!("(a) first apply from fresh, {}", case.label),
            &r.first[i],
        );
    }
    for (i, case) in CASES.iter().enumerate() {
        line(
            format!("(b) no-op re-apply, {}", case.label),
            &r.noop_reapply[i],
        );
    }
    for (i, case) in CASES.iter().enumerate() {
        line(
            format!("(c) `--noop` on a converged host, {}", case.label),
            &r.dry_run[i],
        );
    }
    line("(d) validate web-01".into(), &r.validate);
    line("(e) facts: `networking.hostname`".into(), &r.facts);
    line(
        "(f) compile of the control repository, web-01 (Puppet: its compiler in-process)".into(),
        &r.control_repo,
    );
    line(
        "(g) compile of the Forge-style site, web-01 (`apache::vhost`, ERB; Puppet: its compiler in-process)".into(),
        &r.forge_compile,
    );
    t
}

/// One environment's catalog compiled for one node by both engines, on this machine
/// (compiling changes nothing): the whole `converge catalog` process against Puppet's
/// `Puppet::Parser::Compiler.compile` alone, timed inside its Ruby process
/// (`tests/support/puppet_compile.rb`: not counting Ruby's start-up, Puppet's settings or
/// the facts file). Both get the same modulepath.
pub(crate) struct Compile {
    /// What is compiled, for errors and the printed row.
    label: &'static str,
    /// The environment: `manifests/site.pp`, `hiera.yaml`, `data/` below it.
    env: PathBuf,
    /// Colon-separated, searched in order.
    modulepath: String,
    node: &'static str,
    /// The node's facts, a JSON file.
    facts: PathBuf,
}

impl Compile {
    /// The control repository `tests/data/control-repo` (roles, profiles, Hiera, Debian's
    /// stdlib, apt and ntp) for web-01: row (f).
    pub(crate) fn control_repo() -> Compile {
        let env = workspace_root().join("tests/data/control-repo");
        Compile {
            label: "compile of the control repository, web-01",
            modulepath: format!(
                "{}:/etc/puppet/code/modules:/usr/share/puppet/modules",
                env.join("site-modules").display()
            ),
            facts: env.join("facts/web-01.json"),
            node: "web-01",
            env,
        }
    }

    /// The Forge-style site `manifests/forge` for web-01 (apache::vhost and its ERB
    /// templates, concat, inifile, apt, ntp, stdlib from Debian's packages): row (g).
    pub(crate) fn forge_web() -> Compile {
        let root = workspace_root();
        Compile {
            label: "compile of the Forge-style site, web-01 (apache::vhost, ERB)",
            env: root.join("manifests/forge"),
            modulepath: "/usr/share/puppet/modules".into(),
            node: "web-01",
            facts: root.join("tests/data/forge-facts/web-01.json"),
        }
    }
}

/// One round of `compile`: converge, then Puppet, each in a fresh process.
pub(crate) fn compile_round(
    converge: &Path,
    compile: &Compile,
    row: &mut Row,
) -> Result<(), Error> {
    let start = std::time::Instant::now();
    let out = Command::new(converge)
        .current_dir(&compile.env)
        .args(["catalog", "manifests/site.pp", "--node", compile.node])
        .arg("--facts")
        .arg(&compile.facts)
        .args(["--modulepath", &compile.modulepath])
        .output()
        .map_err(|e| io_error("running converge catalog", e))?;
    let took = start.elapsed();
    if !out.status.success() {
        return Err(failed(
            format!("converge: {}", compile.label),
            out.status.to_string(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        ));
    }
    row.converge.push(took);
    let out = Command::new("ruby")
        .arg(workspace_root().join("tests/support/puppet_compile.rb"))
        .arg(&compile.env)
        .arg(&compile.modulepath)
        .arg(compile.node)
        .arg(&compile.facts)
        .env("CONVERGE_COMPILE_TIME", "1")
        .output()
        .map_err(|e| io_error("running Puppet's compiler", e))?;
    let secs = String::from_utf8_lossy(&out.stderr).lines().find_map(|l| {
        l.strip_prefix("compile_seconds=")?
            .trim()
            .parse::<f64>()
            .ok()
    });
    match (out.status.success(), secs) {
        (true, Some(s)) => row.puppet.push(Duration::from_secs_f64(s)),
        _ => {
            return Err(failed(
                format!("Puppet: {}", compile.label),
                out.status.to_string(),
                String::from_utf8_lossy(&out.stderr).into_owned(),
            ))
        }
    }
    Ok(())
}

/// ` (with uncommitted changes)` when the tree differs from HEAD, else empty. The page the
/// benches rewrite does not count as a change to what was measured.
pub(crate) fn dirty() -> &'static str {
    let status = local(
        "git",
        &["status", "--porcelain", "--", ".", ":!docs/benchmarks.md"],
    );
    if status.is_empty() {
        ""
    } else {
        " (with uncommitted changes)"
    }
}

/// `cargo xtask bench --control-repo`: only row (f), printed.
pub(crate) fn control_repo_only(rounds: usize) -> Result<ExitCode, Error> {
    let converge = build(&workspace_root())?;
    let compile = Compile::control_repo();
    let mut row = Row::default();
    for round in 1..=rounds {
        eprintln!("xtask: round {round} of {rounds}");
        compile_round(&converge, &compile, &mut row)?;
    }
    println!(
        "| {} | {} | {} | {} |",
        compile.label,
        cell(&row.converge),
        cell(&row.puppet),
        ratio(&row)
    );
    Ok(ExitCode::SUCCESS)
}

/// How the measured figures stand against the goals of issues 7, 14 and 15.
fn goals(r: &Results) -> String {
    let mut g = String::new();
    let verdict = |ok: bool| if ok { "met" } else { "not met" };
    let ms = |x: Option<f64>| x.map_or("—".into(), human);
    let web_ratio = median(&r.noop_reapply[0].puppet)
        .zip(median(&r.noop_reapply[0].converge))
        .map(|(p, c)| p / c);
    let _ = writeln!(
        g,
        "- no-op re-apply of web-01 at least 200× faster than Puppet: {} ({})",
        web_ratio.map_or("—".into(), |x| format!("{x:.0}×")),
        verdict(web_ratio.is_some_and(|x| x >= 200.0))
    );
    let wl = median(&r.noop_reapply[1].converge);
    let _ = writeln!(
        g,
        "- standard workload no-op under 10 ms median: {} ({})",
        ms(wl),
        verdict(wl.is_some_and(|x| x < 0.010))
    );
    for (i, case) in CASES.iter().enumerate() {
        let over = median(&r.first[i].converge)
            .zip(median(&r.first[i].floor))
            .map(|(c, f)| (c / f - 1.0) * 100.0);
        let _ = writeln!(
            g,
            "- first converge of {} within 10 % of bare `apt-get install`: {} ({})",
            case.label,
            over.map_or("—".into(), |x| format!("{x:+.0} %")),
            verdict(over.is_some_and(|x| x <= 10.0))
        );
    }
    let (v, f) = (median(&r.validate.converge), median(&r.facts.converge));
    let _ = writeln!(
        g,
        "- validate under 5 ms: {} ({}); facts under 5 ms: {} ({})",
        ms(v),
        verdict(v.is_some_and(|x| x < 0.005)),
        ms(f),
        verdict(f.is_some_and(|x| x < 0.005))
    );
    let mut rss = r.converge_rss_kib.clone();
    rss.sort_unstable();
    let peak = rss.last().map(|k| *k as f64 / 1024.0);
    let cr = median(&r.control_repo.puppet)
        .zip(median(&r.control_repo.converge))
        .map(|(p, c)| p / c);
    let _ = writeln!(
        g,
        "- control repository compile at least 50× faster than Puppet's (issue 14): {} ({})",
        cr.map_or("—".into(), |x| format!("{x:.0}×")),
        verdict(cr.is_some_and(|x| x >= 50.0))
    );
    let _ = writeln!(
        g,
        "- peak memory of a no-op apply under 15 MB: {} ({})",
        peak.map_or("—".into(), |m| format!(
            "{m:.1} MiB (largest of {} runs)",
            rss.len()
        )),
        verdict(peak.is_some_and(|m| m < 15.0))
    );
    g.push_str(&forge_bench::goals(&r.forge_compile, &r.lb_noop));
    g
}

/// Runs the benchmark and writes `docs/benchmarks.md`.
pub(crate) fn run(options: Options) -> Result<ExitCode, Error> {
    let root = workspace_root();
    let converge = build(&root)?;
    let image = Image::with_puppet()?;
    let net = Net::new()?;
    // The commit built, read before the rounds: a run takes minutes, and work goes on.
    let commit = local("git", &["rev-parse", "--short", "HEAD"]);
    let dirty = dirty();
    let load_start = loadavg();
    let date = local("date", &["-u", "+%Y-%m-%d %H:%M UTC"]);
    let mut results = Results::default();
    for round in 1..=options.rounds {
        eprintln!("xtask: round {round} of {}", options.rounds);
        for (index, case) in CASES.iter().enumerate() {
            // Alternation: converge, Puppet, then the apt floor, in every round.
            let by_converge = one(
                &net,
                &image,
                &converge,
                Engine::Converge,
                index,
                &mut results,
            )?;
            let by_puppet = one(&net, &image, &converge, Engine::Puppet, index, &mut results)?;
            if by_converge != by_puppet {
                return Err(failed(
                    format!("{}: comparing outcomes", case.label),
                    "converge and Puppet left different files".into(),
                    WEB_OUTCOME.join(", "),
                ));
            }
            let d = floor(&net, &image, &converge, index)?;
            results.first[index].floor.push(d);
        }
        compile_round(
            &converge,
            &Compile::control_repo(),
            &mut results.control_repo,
        )?;
        compile_round(&converge, &Compile::forge_web(), &mut results.forge_compile)?;
    }
    results.lb_noop = forge_bench::lb_noop(&converge, options.rounds)?;
    let load_end = loadavg();
    let versions = {
        let host = fresh(&net, &image, "versions", &converge)?;
        let puppet = host.exec(&["puppet", "--version"])?.ok()?.stdout;
        let facter = host.exec(&["facter", "--version"])?.ok()?.stdout;
        let converge_version = host.exec(&["converge", "--version"])?.ok()?.stdout;
        (
            puppet.trim().to_string(),
            facter.trim().to_string(),
            converge_version.trim().to_string(),
        )
    };
    let table = table(&results);
    let goals = goals(&results);
    println!("{table}\n{goals}");

    let mut doc = String::new();
    let _ = write!(
        doc,
        "# Benchmarks: converge and Puppet side by side

Generated by `cargo xtask bench --rounds {rounds}` (xtask/src/bench.rs); run it again to
regenerate this page. Each round starts fresh init-script hosts from the Puppet test image
(Debian 12 with `puppet` and `puppet-module-puppetlabs-stdlib`; both engines installed
side by side in the same kind of host) and runs, in this order, converge, Puppet and a bare
`apt-get install`, so that noise on the machine hits all of them alike. The same manifest
file goes through both engines: `xtask/bench/web-01.pp` (web-01 of the reference stack,
with stdlib's `file_line` in place of converge's own `nginx_directive`, which Puppet does
not have; after the first apply both engines must have left the same site file, index and
404 page) and `xtask/bench/workload.pp` (the standard workload: 1 package, 1 directory,
10 files of one line, mode 0644). Times are taken inside the host with bash's
`$EPOCHREALTIME` around the command, so they include each engine's process start-up but
not the ~10 ms it takes to reach the host.

- (a) `apply` on a fresh host (a new host per round), the package from the image's local
  apt repository; beside it the floor, `apt-get install -y` of the same packages on a
  fresh host.
- (b) the same `apply` again, nothing to change (exit 0 with `--detailed-exitcodes`).
- (c) `apply --noop` on the converged host.
- (d) `puppet parser validate` / `converge validate` of web-01.pp.
- (e) `facter networking.hostname` / `converge facts networking.hostname`.
- (f) the control repository `tests/data/control-repo` compiled for web-01 on this machine
  (compiling changes nothing): the whole `converge catalog` process against Puppet's
  `Puppet::Parser::Compiler.compile` alone, timed inside its Ruby process
  (`tests/support/puppet_compile.rb`), so Puppet's start-up is not counted against it.
- (g) the same for the Forge-style site `manifests/forge` (apache::vhost and its ERB
  templates, Debian's puppetlabs modules), web-01.
- (h) (below the table) converge against converge: no-op re-applies of the Forge-style
  lb-01 and of today's lb-01, each on a fresh systemd host with the seed's web servers
  behind it, in alternation; see xtask/src/forge_bench.rs, and the section that
  `cargo xtask bench --forge` writes, for why the Forge side runs without ntp.

## Machine and versions

- date (start): {date}
{machine}
- Puppet {puppet}, facter {facter}
- {converge_version}, commit {commit}{dirty}, release build
- {rounds} rounds

## Results

{table}
(h) no-op re-apply of lb-01, converge min / **median** / max: Forge-style (without ntp)
{lb_forge}; today's (`site.pp`) {lb_seed}; Forge ÷ today's {lb_ratio}.

Peak resident memory of a converge no-op apply of web-01, min / median / max: {rss}
(`getrusage` of a small Perl wrapper's children; the same wrapper around `/bin/true` reads
{wrapper:.1} MiB, the floor of this method).

## Against the goals of issues 7, 14 and 15

{goals}",
        rounds = options.rounds,
        machine = machine(&load_start, &load_end),
        puppet = versions.0,
        facter = versions.1,
        converge_version = versions.2,
        wrapper = results.wrapper_rss_kib as f64 / 1024.0,
        lb_forge = cell(&results.lb_noop.forge),
        lb_seed = cell(&results.lb_noop.seed),
        lb_ratio = results
            .lb_noop
            .ratio()
            .map_or("—".into(), |x| format!("{x:.2}×")),
        rss = {
            let mut k = results.converge_rss_kib.clone();
            k.sort_unstable();
            match (k.first(), k.last()) {
                (Some(lo), Some(hi)) => format!(
                    "{:.1} / {:.1} / {:.1} MiB",
                    *lo as f64 / 1024.0,
                    k[k.len() / 2] as f64 / 1024.0,
                    *hi as f64 / 1024.0
                ),
                _ => "—".into(),
            }
        },
    );
    let path = root.join("docs").join("benchmarks.md");
    std::fs::create_dir_all(root.join("docs")).map_err(|e| io_error("creating docs/", e))?;
    let doc = keep_hand_written(doc, std::fs::read_to_string(&path).ok().as_deref());
    std::fs::write(&path, doc).map_err(|e| io_error("writing docs/benchmarks.md", e))?;
    eprintln!("xtask: wrote {}", path.display());
    Ok(ExitCode::SUCCESS)
}

/// The `- machine:` line of a benchmark section: cores, memory, kernel and the load
/// average at the start and the end of the run.
pub(crate) fn machine(load_start: &str, load_end: &str) -> String {
    format!(
        "- machine: {} cores, {} memory, kernel {}; load average (1, 5, 15 min) at\n  \
         start {load_start}, at end {load_end} (other jobs share this machine)",
        local("nproc", &[]),
        mem_total(),
        local("uname", &["-r"])
    )
}

/// Writes `section` as the section of `docs/benchmarks.md` that `cargo xtask bench {flag}`
/// owns (see [`with_section`]) and says so, naming it `what`.
pub(crate) fn write_section(flag: &str, what: &str, section: &str) -> Result<(), Error> {
    let path = workspace_root().join("docs").join("benchmarks.md");
    let old = std::fs::read_to_string(&path).unwrap_or_default();
    std::fs::write(&path, with_section(&old, flag, section))
        .map_err(|e| io_error("writing docs/benchmarks.md", e))?;
    eprintln!("xtask: wrote the {what} section of {}", path.display());
    Ok(())
}

/// `doc` with the section that `cargo xtask bench {flag}` writes replaced by `section`
/// (between a pair of HTML comments naming the flag), or added at the end, in the
/// hand-written part that a full `cargo xtask bench` keeps.
pub(crate) fn with_section(doc: &str, flag: &str, section: &str) -> String {
    let begin = format!("<!-- cargo xtask bench {flag}: begin -->");
    let end = format!("<!-- cargo xtask bench {flag}: end -->");
    let block = format!("{begin}\n{section}{end}\n");
    match (doc.find(&begin), doc.find(&end)) {
        (Some(b), Some(e)) if b < e => {
            format!(
                "{}{block}{}",
                &doc[..b],
                doc[e + end.len()..].trim_start_matches('\n')
            )
        }
        _ => format!("{}\n{block}", doc.trim_end_matches('\n').to_string() + "\n"),
    }
}

/// The marker after which `docs/benchmarks.md` is written by hand (the compile-speed
/// figures, measured with criterion and callgrind rather than on fresh hosts).
const HAND_WRITTEN: &str = "<!-- Everything below is written by hand";

/// Appends the hand-written part of the old page to the regenerated one, so that a new
/// `cargo xtask bench` run does not erase figures it does not measure.
fn keep_hand_written(mut doc: String, old: Option<&str>) -> String {
    if let Some(at) = old.and_then(|o| o.find(HAND_WRITTEN).map(|at| &o[at..])) {
        if !doc.ends_with("\n\n") {
            doc.push('\n');
        }
        doc.push_str(at);
    }
    doc
}

#[cfg(test)]
mod hand_written_tests {
    use super::*;

    #[test]
    fn regenerating_keeps_the_hand_written_section() {
        let old = "# old\n\nold table\n\n<!-- Everything below is written by hand -->\n\n## Compile\nfigures\n";
        let new = keep_hand_written("# new\n\nnew table\n".into(), Some(old));
        assert_eq!(
            new,
            "# new\n\nnew table\n\n<!-- Everything below is written by hand -->\n\n## Compile\nfigures\n"
        );
        assert_eq!(keep_hand_written("# new\n".into(), None), "# new\n");
    }
}
