//! `converge apply site.pp --targets ...`: the fleet run's flags, live per-host progress,
//! each host's changes as it finishes, and the final table.

use crate::args::{ApplyArgs, Format};
use crate::commands::{request, Output};
use clap::Args;
use converge::fleet::{
    self, Binary, FleetObserver, FleetOptions, FleetReport, HostError, HostResult, Inventory,
    Phase, Rollout, SshOptions, Target,
};
use converge::LogLevel;
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use std::collections::HashMap;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

/// Options of `apply`/`plan` that send the run to other hosts over SSH.
#[derive(Debug, Args, Clone, Default)]
pub(crate) struct FleetArgs {
    /// Apply to these hosts over SSH instead of this one: host names, or groups and hosts
    /// of --inventory (`all` for every host). Comma-separated or repeated.
    #[arg(
        long,
        value_name = "HOSTS",
        value_delimiter = ',',
        conflicts_with = "catalog"
    )]
    pub(crate) targets: Vec<String>,
    /// TOML file of hosts (ssh address, user, port, run_as) and groups; alone it selects all hosts.
    #[arg(long, value_name = "FILE", conflicts_with = "catalog")]
    pub(crate) inventory: Option<PathBuf>,
    /// At most this many hosts at once.
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub(crate) parallel: usize,
    /// Rolling update: N hosts at a time; stop when a batch fails (checks included).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) serial: Option<u64>,
    /// Seconds a host may take from connect to report before it counts as failed.
    #[arg(long, default_value_t = 1800, value_name = "SECS")]
    pub(crate) host_timeout: u64,
    /// Seconds ssh may take to connect.
    #[arg(long, default_value_t = 10, value_name = "SECS")]
    pub(crate) connect_timeout: u64,
    /// Run the remote commands as USER through `sudo -n -u USER --` (e.g. root, when
    /// logging in as a deploy user); overrides the inventory's `run_as`.
    #[arg(long, value_name = "USER", value_parser = run_as_user)]
    pub(crate) run_as: Option<String>,
    /// Extra ssh option (`-o KEY=VALUE`), repeatable.
    #[arg(long, value_name = "KEY=VALUE")]
    pub(crate) ssh_option: Vec<String>,
    /// Trust hosts seen for the first time and record their keys in known_hosts (ssh's
    /// `StrictHostKeyChecking=accept-new`); a changed key is still refused. Without it,
    /// unknown hosts are refused unless your ssh config says otherwise.
    #[arg(long)]
    pub(crate) accept_new_host_keys: bool,
}

impl FleetArgs {
    /// Whether the run goes to other hosts.
    pub(crate) fn active(&self) -> bool {
        !self.targets.is_empty() || self.inventory.is_some()
    }
}

/// Runs the fleet apply; returns the exit code.
pub(crate) fn run(out: &Output, args: &ApplyArgs) -> i32 {
    let f = &args.fleet;
    let targets = match select(f) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {e}");
            return 1;
        }
    };
    let Some(file) = args.file.as_deref() else {
        eprintln!("error: --targets needs a manifest");
        return 1;
    };
    let exe = std::env::current_exe().and_then(|p| Binary::load(&p));
    let binary = match exe {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: cannot read the converge binary to copy to the hosts: {e}");
            return 1;
        }
    };
    let opts = FleetOptions {
        noop: args.noop,
        rollout: Rollout {
            parallel: f.parallel.max(1),
            serial: f.serial.map(|n| n as usize),
        },
        timeout: Duration::from_secs(f.host_timeout),
        ssh: SshOptions {
            connect_timeout: Duration::from_secs(f.connect_timeout),
            options: f.ssh_option.clone(),
            accept_new_host_keys: f.accept_new_host_keys,
            ..Default::default()
        },
    };
    let text = args.format != Format::Json;
    let live = Live::new(out, text && !out.quiet, &targets);
    let req = request(file, &args.compile);
    let report = fleet::run(&req, &targets, &binary, &opts, &live);
    live.done();
    if text {
        print!("{}", table(&report, args.noop));
        if !out.quiet {
            eprintln!("{}", footer(&report));
        }
    } else {
        println!("{}", json(&report));
    }
    report.exit_code(args.detailed_exitcodes)
}

/// `--run-as` names a user sudo can switch to.
fn run_as_user(s: &str) -> Result<String, String> {
    if fleet::inventory::is_user_name(s) {
        Ok(s.to_string())
    } else {
        Err("not a user name (e.g. --run-as root)".into())
    }
}

fn select(f: &FleetArgs) -> Result<Vec<Target>, fleet::InventoryError> {
    let mut targets = select_hosts(f)?;
    if let Some(user) = &f.run_as {
        for t in &mut targets {
            t.run_as = Some(user.clone());
        }
    }
    Ok(targets)
}

fn select_hosts(f: &FleetArgs) -> Result<Vec<Target>, fleet::InventoryError> {
    match &f.inventory {
        Some(path) => {
            let inv = Inventory::load(path)?;
            if f.targets.is_empty() {
                inv.select(&["all".to_string()])
            } else {
                inv.select(&f.targets)
            }
        }
        None => fleet::inventory::ad_hoc(&f.targets),
    }
}

/// Live progress: on a terminal, a spinner per host in flight under a bar of hosts done;
/// elsewhere one line per phase. Each host's changes, diffs and failures as they happen.
struct Live<'a> {
    out: &'a Output,
    enabled: bool,
    multi: Option<Multi>,
    /// Keeps one host's lines together when several finish at once.
    print: Mutex<()>,
}

/// The terminal's bars: hosts done out of all, and one spinner per host in flight (only
/// those, so that a fleet of thousands stays a screenful).
struct Multi {
    multi: MultiProgress,
    total: ProgressBar,
    style: ProgressStyle,
    bars: Mutex<HashMap<String, ProgressBar>>,
}

impl<'a> Live<'a> {
    fn new(out: &'a Output, enabled: bool, targets: &[Target]) -> Live<'a> {
        let width = targets.iter().map(|t| t.name.len()).max().unwrap_or(0);
        let multi = (enabled && std::io::stderr().is_terminal()).then(|| {
            let multi = MultiProgress::new();
            let total = multi.add(ProgressBar::new(targets.len() as u64));
            total.set_style(
                ProgressStyle::with_template("{bar:30} {pos}/{len} hosts done ({elapsed})")
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            let style = ProgressStyle::with_template(&format!(
                "{{spinner}} {{prefix:{width}}}  {{msg}} ({{elapsed}})"
            ))
            .unwrap_or_else(|_| ProgressStyle::default_spinner());
            Multi {
                multi,
                total,
                style,
                bars: Mutex::new(HashMap::new()),
            }
        });
        Live {
            out,
            enabled,
            multi,
            print: Mutex::new(()),
        }
    }

    fn say(&self, line: &str) {
        match &self.multi {
            Some(m) => {
                let _ = m.multi.println(line);
            }
            None => eprintln!("{line}"),
        }
    }

    fn done(&self) {
        if let Some(m) = &self.multi {
            for pb in m.bars.lock().unwrap_or_else(|e| e.into_inner()).values() {
                pb.finish_and_clear();
            }
            m.total.finish_and_clear();
        }
    }
}

impl FleetObserver for Live<'_> {
    fn phase(&self, host: &str, phase: Phase) {
        match &self.multi {
            Some(m) => {
                let mut bars = m.bars.lock().unwrap_or_else(|e| e.into_inner());
                let pb = bars.entry(host.to_string()).or_insert_with(|| {
                    let pb = m.multi.add(ProgressBar::new_spinner());
                    pb.set_style(m.style.clone());
                    pb.set_prefix(host.to_string());
                    pb.enable_steady_tick(Duration::from_millis(120));
                    pb
                });
                pb.set_message(phase.to_string());
            }
            None if self.enabled => self.say(&format!("{host}: {phase}")),
            None => {}
        }
    }

    fn batch(&self, index: usize, count: usize, hosts: &[Target]) {
        if self.enabled {
            let names: Vec<&str> = hosts.iter().map(|t| t.name.as_str()).collect();
            self.say(&format!("batch {index}/{count}: {}", names.join(", ")));
        }
    }

    fn compiled(
        &self,
        host: &str,
        warnings: &[converge::catalog::Diagnostic],
        log: &[converge::LogMessage],
    ) {
        if self.enabled && (!warnings.is_empty() || log.iter().any(|m| m.level > LogLevel::Info)) {
            let _held = self.print.lock().unwrap_or_else(|e| e.into_inner());
            self.say(&format!("{host}: compiled with these messages:"));
            self.out.log(log);
            self.out.diagnostics(warnings);
        }
    }

    fn line(&self, host: &str, line: &str) {
        if self.enabled {
            self.say(&format!("{host}: {line}"));
        }
    }

    fn finished(&self, r: &HostResult) {
        if let Some(m) = &self.multi {
            let bar = m
                .bars
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(&r.name);
            if let Some(pb) = bar {
                pb.finish_and_clear();
                m.multi.remove(&pb);
            }
            m.total.inc(1);
        }
        if !self.enabled {
            return;
        }
        let _held = self.print.lock().unwrap_or_else(|e| e.into_inner());
        let host = &r.name;
        // Each resource's outcome was streamed by `line` while the host applied.
        if let Err(HostError::Compile(diags)) = &r.outcome {
            self.say(&format!(
                "{host}: the catalog does not compile; nothing was sent"
            ));
            self.out.diagnostics(diags);
        }
        self.say(&format!(
            "{host}: {} ({:.1} s)",
            outcome(r),
            secs(r.duration)
        ));
    }
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

/// One phrase for a host's result.
fn outcome(r: &HostResult) -> String {
    match &r.outcome {
        Ok(rep) => {
            let s = &rep.summary;
            let what = if rep.noop {
                format!("{} to change", s.pending)
            } else {
                format!("{} changed", s.changed)
            };
            let failed = if s.failed + s.skipped > 0 {
                format!(", {} failed, {} skipped", s.failed, s.skipped)
            } else {
                String::new()
            };
            format!("{}{what}{failed}", if r.failed() { "FAILED: " } else { "" })
        }
        Err(e) => format!("FAILED: {e}"),
    }
}

/// The final table: host, result, changed, failed, time. Hand-padded: five columns do not
/// warrant a table crate.
fn table(report: &FleetReport, noop: bool) -> String {
    let rows: Vec<[String; 5]> = report
        .hosts
        .iter()
        .map(|h| {
            let (status, changed, failed) = match &h.outcome {
                Ok(r) => {
                    let n = if noop {
                        r.summary.pending
                    } else {
                        r.summary.changed
                    };
                    let status = if h.failed() {
                        "failed"
                    } else if n > 0 {
                        if noop {
                            "pending"
                        } else {
                            "changed"
                        }
                    } else {
                        "unchanged"
                    };
                    (
                        status.to_string(),
                        n.to_string(),
                        r.summary.failed.to_string(),
                    )
                }
                Err(e) => (
                    match e {
                        HostError::Unreachable(_) => "unreachable",
                        HostError::HostKey(_) => "untrusted",
                        HostError::Timeout { .. } => "timeout",
                        HostError::NotRun(_) => "not run",
                        _ => "failed",
                    }
                    .to_string(),
                    "-".into(),
                    "-".into(),
                ),
            };
            [
                h.name.clone(),
                status,
                changed,
                failed,
                format!("{:.1} s", secs(h.duration)),
            ]
        })
        .collect();
    let head = [
        "HOST",
        "RESULT",
        if noop { "TO CHANGE" } else { "CHANGED" },
        "FAILED",
        "TIME",
    ];
    let mut w = head.map(str::len);
    for r in &rows {
        for (i, c) in r.iter().enumerate() {
            w[i] = w[i].max(c.len());
        }
    }
    // Host and result left-aligned, the figures right-aligned, two spaces between.
    let line = |cells: [&str; 5]| {
        format!(
            "{:<a$}  {:<b$}  {:>c$}  {:>d$}  {:>e$}",
            cells[0],
            cells[1],
            cells[2],
            cells[3],
            cells[4],
            a = w[0],
            b = w[1],
            c = w[2],
            d = w[3],
            e = w[4]
        )
    };
    let mut s = format!("{}\n", line(head));
    for (r, h) in rows.iter().zip(&report.hosts) {
        // The RESULT column already says unreachable or not run; the reason follows.
        let why = match &h.outcome {
            Err(HostError::Unreachable(m) | HostError::NotRun(m) | HostError::HostKey(m)) => {
                format!("  {m}")
            }
            Err(e) => format!("  {e}"),
            Ok(_) => String::new(),
        };
        s.push_str(&format!(
            "{}{why}\n",
            line(r.each_ref().map(String::as_str))
        ));
    }
    s
}

/// Totals, the rollout's fate and what the run cost this machine.
fn footer(report: &FleetReport) -> String {
    let failed = report.hosts.iter().filter(|h| h.failed()).count();
    let copied = report.hosts.iter().filter(|h| h.copied_binary).count();
    let shared = report
        .hosts
        .iter()
        .filter(|h| h.catalog_from.is_some())
        .count();
    let mut s = format!(
        "{} hosts in {:.1} s: {} ok, {} failed; converge copied to {}; {} reused another node's catalog",
        report.hosts.len(),
        secs(report.duration),
        report.hosts.len() - failed,
        failed,
        copied,
        shared
    );
    if let Some(b) = report.stopped_after {
        s.push_str(&format!(
            "\nrollout stopped after batch {b} failed: later hosts were not touched"
        ));
    }
    if let Some(kib) = peak_rss_kib() {
        s.push_str(&format!(
            "\ncontroller peak memory: {:.1} MiB (this process; each ssh connection is a separate process)",
            kib as f64 / 1024.0
        ));
    }
    s
}

/// This process's peak resident memory (`VmHWM`), in KiB.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

/// The whole run for machines: per host its exit code, time and report or error.
fn json(report: &FleetReport) -> String {
    let hosts: Vec<serde_json::Value> = report
        .hosts
        .iter()
        .map(|h| {
            let mut v = serde_json::json!({
                "host": h.name,
                "exit_code": h.exit_code(),
                "failed": h.failed(),
                "duration": secs(h.duration),
                "copied_binary": h.copied_binary,
                "catalog_from": h.catalog_from,
                "phases": h
                    .phases
                    .iter()
                    .map(|(p, d)| (p.key().to_string(), serde_json::Value::from(secs(*d))))
                    .collect::<serde_json::Map<_, _>>(),
            });
            match &h.outcome {
                Ok(r) => v["report"] = serde_json::to_value(r).unwrap_or_default(),
                Err(e) => {
                    v["error"] = e.to_string().into();
                    if let HostError::Compile(diags) = e {
                        v["diagnostics"] = serde_json::to_value(diags).unwrap_or_default();
                    }
                }
            }
            v
        })
        .collect();
    let v = serde_json::json!({
        "hosts": hosts,
        "stopped_after_batch": report.stopped_after,
        "duration": secs(report.duration),
        "controller_peak_rss_kib": peak_rss_kib(),
    });
    serde_json::to_string_pretty(&v).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use converge::{Report, ResourceReport, Status};

    fn report(statuses: &[Status], noop: bool) -> Report {
        let resources = statuses
            .iter()
            .map(|s| ResourceReport::new("File[/x]", *s))
            .collect();
        Report::new("n", noop, resources, Duration::ZERO)
    }

    #[test]
    fn run_as_on_the_command_line_applies_to_every_target() {
        let args = FleetArgs {
            targets: vec!["web-01".into(), "lb-01".into()],
            run_as: Some("root".into()),
            ..Default::default()
        };
        let t = select(&args).unwrap();
        assert!(
            t.iter().all(|t| t.run_as.as_deref() == Some("root")),
            "{t:?}"
        );
        assert!(run_as_user("").is_err() && run_as_user("-x").is_err());
    }

    fn host(name: &str, outcome: Result<Report, HostError>, ms: u64) -> HostResult {
        HostResult {
            name: name.into(),
            outcome,
            copied_binary: false,
            catalog_from: None,
            duration: Duration::from_millis(ms),
            phases: vec![],
        }
    }

    fn fleet(hosts: Vec<HostResult>) -> FleetReport {
        FleetReport {
            hosts,
            stopped_after: None,
            duration: Duration::ZERO,
        }
    }

    #[test]
    fn the_table_names_each_hosts_result_and_why_it_failed() {
        use Status::*;
        let r = fleet(vec![
            host("web-01", Ok(report(&[Changed, Unchanged], false)), 4210),
            host("lb-01", Ok(report(&[Unchanged], false)), 1300),
            host(
                "web-02",
                Ok(report(&[Changed, Failed, Skipped], false)),
                2000,
            ),
            host(
                "web-03",
                Err(HostError::Unreachable(
                    "ssh: connect to host web-03 port 22: Connection refused".into(),
                )),
                12,
            ),
            host(
                "web-04",
                Err(HostError::Timeout {
                    after: Duration::from_secs(30),
                    phase: Phase::Applying,
                }),
                30000,
            ),
            host(
                "web-05",
                Err(HostError::NotRun(
                    "the rollout stopped after batch 3 failed".into(),
                )),
                0,
            ),
        ]);
        insta::assert_snapshot!(table(&r, false));
        assert_eq!(r.exit_code(true), 1, "an unreachable host is the worst");
        assert_eq!(r.exit_code(false), 1);
    }

    #[test]
    fn a_dry_run_table_counts_pending_changes() {
        use Status::*;
        let r = fleet(vec![
            host("web-01", Ok(report(&[Pending, Unchanged], true)), 800),
            host("web-02", Ok(report(&[Unchanged], true)), 700),
        ]);
        insta::assert_snapshot!(table(&r, true));
        assert_eq!(r.exit_code(true), 2);
        assert_eq!(r.exit_code(false), 0);
    }
}
