//! `converge apply` and `converge plan`: run the engine and show each change as it happens.
//!
//! One line per change, diffs under content changes, a spinner while a slow resource (an apt
//! install, a long command) runs on a terminal, and a summary at the end.

use crate::args::{ApplyArgs, Format};
use crate::commands::{request, Output};
use converge::catalog::{Catalog, Resource};
use converge::{ApplyOptions, HostLock, Observer, Report, ResourceReport, Status};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::{IsTerminal, Read};
use std::path::Path;
use std::time::{Duration, Instant};

/// Exit code when the run could not happen at all (compile errors, cycles, lock timeout).
const COULD_NOT_RUN: i32 = 1;

/// Run `apply` (or `plan`, which forces `noop`).
pub(crate) fn run(out: &Output, mut args: ApplyArgs, force_noop: bool) -> i32 {
    args.noop |= force_noop;
    if args.fleet.active() {
        return crate::fleet::run(out, &args);
    }
    let began = Instant::now();
    let Some((catalog, plan)) = prepare(out, &args) else {
        return COULD_NOT_RUN;
    };
    let compiled_in = began.elapsed();
    let _lock = if args.noop {
        // A dry run changes nothing, so it neither needs nor blocks the host lock.
        None
    } else {
        match HostLock::acquire(
            Path::new(converge::DEFAULT_LOCK),
            Duration::from_secs(args.lock_timeout),
            || eprintln!("waiting for another converge apply on this host to finish..."),
        ) {
            Ok(l) => Some(l),
            Err(e) => {
                eprintln!("error: {e}");
                return COULD_NOT_RUN;
            }
        }
    };
    let opts = ApplyOptions {
        noop: args.noop,
        run_guards_in_noop: args.run_guards,
        module_path: module_path(&args),
    };
    let text = args.format != Format::Json;
    if text && !out.quiet {
        eprintln!(
            "{} catalog for {} ({} resources) in {:.2} s",
            if args.catalog.is_some() {
                "Loaded"
            } else {
                "Compiled"
            },
            catalog.node,
            plan.order.len(),
            compiled_in.as_secs_f64()
        );
    }
    let mut live = Live::new((text || args.progress) && !out.quiet, out.color, args.noop);
    live.brief = args.brief;
    let mut report = converge::apply(&catalog, &plan, &opts, &mut live);
    live.done();
    if !args.noop {
        // What `converge doctor` checks when given no manifest.
        let saved = Path::new(converge::DEFAULT_APPLIED_CATALOG);
        if let Err(e) = converge::save_applied(&catalog, saved) {
            eprintln!("warning: {e}");
        }
    }
    if text {
        print_summary(out, &report);
    } else if args.brief {
        report.resources.retain(worth_reporting);
        println!("{}", serde_json::to_string(&report).unwrap_or_default());
    } else {
        println!(
            "{}",
            serde_json::to_string_pretty(&report).unwrap_or_default()
        );
    }
    if args.detailed_exitcodes {
        report.detailed_exit_code()
    } else {
        report.exit_code()
    }
}

fn module_path(args: &ApplyArgs) -> Vec<std::path::PathBuf> {
    let req = args
        .file
        .as_deref()
        .map(|f| request(f, &args.compile))
        .unwrap_or_default();
    if !req.modulepath.is_empty() {
        return req.modulepath;
    }
    args.file
        .as_deref()
        .map(converge::default_modulepath)
        .unwrap_or_default()
}

/// Compile and plan (or load a catalog and plan it); print diagnostics. `None` when the run
/// cannot go ahead: nothing on the host has been touched.
fn prepare(out: &Output, args: &ApplyArgs) -> Option<(Catalog, converge::Plan)> {
    if let Some(path) = &args.catalog {
        // A catalog from outside (how a fleet run applies) is checked as strictly as a
        // compiled one, and refused whole on any error.
        let stdin = path.as_os_str() == "-";
        let origin = if stdin {
            "<stdin>".to_string()
        } else {
            path.display().to_string()
        };
        let text = if stdin {
            let mut s = String::new();
            std::io::stdin().read_to_string(&mut s).map(|_| s)
        } else {
            std::fs::read_to_string(path)
        };
        let text = match text {
            Ok(t) => t,
            Err(e) => {
                eprintln!("error: cannot read catalog {origin}: {e}");
                return None;
            }
        };
        let catalog = match converge::read_catalog(&text, &origin) {
            Ok(c) => c,
            Err(d) => {
                out.diagnostics_in(&[*d], &origin, text);
                eprintln!("error: nothing was applied: the catalog was refused");
                return None;
            }
        };
        let checked = converge::check_catalog(catalog, !args.noop);
        out.diagnostics(&checked.diagnostics);
        if checked.has_errors() {
            eprintln!("error: nothing was applied: the catalog was refused");
            return None;
        }
        return Some((checked.catalog?, checked.plan?));
    }
    let file = args.file.as_deref()?;
    let checked = converge::check(&request(file, &args.compile));
    out.log(&checked.log);
    out.diagnostics(&checked.diagnostics);
    if checked.has_errors() {
        eprintln!("error: nothing was applied: fix the errors above first");
        return None;
    }
    Some((checked.catalog?, checked.plan?))
}

/// Whether a brief report (`--brief`) lists this resource: anything but a plain
/// unchanged one (the summary counts those).
fn worth_reporting(r: &ResourceReport) -> bool {
    r.status != Status::Unchanged
        || !r.changes.is_empty()
        || r.refresh.is_some()
        || !r.notes.is_empty()
}

/// Prints each resource's outcome as it finishes, with a spinner meanwhile on a terminal.
struct Live {
    enabled: bool,
    color: bool,
    noop: bool,
    /// No line for a passed check: only changes, failures and notes.
    brief: bool,
    spinner: Option<ProgressBar>,
}

impl Live {
    fn new(enabled: bool, color: bool, noop: bool) -> Self {
        let spinner = (enabled && std::io::stderr().is_terminal()).then(|| {
            let pb = ProgressBar::new_spinner();
            pb.set_style(
                ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            pb.enable_steady_tick(Duration::from_millis(120));
            pb
        });
        Live {
            enabled,
            color,
            noop,
            brief: false,
            spinner,
        }
    }

    fn say(&self, line: &str) {
        match &self.spinner {
            Some(pb) => pb.println(line),
            None => eprintln!("{line}"),
        }
    }

    fn paint(&self, code: &str, s: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }

    fn done(&self) {
        if let Some(pb) = &self.spinner {
            pb.finish_and_clear();
        }
    }
}

impl Observer for Live {
    fn started(&mut self, r: &Resource) {
        if let Some(pb) = &self.spinner {
            pb.set_message(r.reference().to_string());
        }
    }

    fn finished(&mut self, r: &Resource, rep: &ResourceReport) {
        if !self.enabled {
            return;
        }
        // A passed check changes nothing, yet it is what says the host serves: list it.
        if r.type_name == "http_check" && rep.status == Status::Unchanged && !self.brief {
            let url = converge_providers::http_check::spec(r)
                .map(|s| s.url())
                .unwrap_or_default();
            self.say(&format!(
                "{}: check passed: {url} ({:.1} s)",
                rep.reference,
                rep.duration.as_secs_f64()
            ));
        }
        for line in report_lines(rep, self.noop) {
            let painted = match rep.status {
                Status::Failed => self.paint("31", &line),
                Status::Skipped => self.paint("33", &line),
                Status::Changed => self.paint("32", &line),
                Status::Pending => self.paint("36", &line),
                Status::Unchanged => line,
            };
            self.say(&painted);
        }
    }
}

/// The lines a person sees for one resource: one per change, its diff, refreshes, errors.
pub(crate) fn report_lines(rep: &ResourceReport, noop: bool) -> Vec<String> {
    let mut lines = Vec::new();
    let suffix = if noop { " (noop)" } else { "" };
    for c in &rep.changes {
        lines.push(format!(
            "{}/{}: {}{suffix}",
            rep.reference, c.property, c.message
        ));
        if let Some(diff) = &c.diff {
            for l in diff.lines() {
                lines.push(format!("    {l}"));
            }
        }
    }
    if let Some(r) = &rep.refresh {
        lines.push(format!("{}: {r}", rep.reference));
    }
    for n in &rep.notes {
        lines.push(format!("{}: note: {n}", rep.reference));
    }
    match rep.status {
        Status::Failed => lines.push(format!(
            "{}: FAILED: {}",
            rep.reference,
            rep.error.as_deref().unwrap_or("unknown error")
        )),
        Status::Skipped => lines.push(format!(
            "{}: skipped: {}",
            rep.reference,
            rep.error.as_deref().unwrap_or("a dependency failed")
        )),
        _ => {}
    }
    lines
}

fn print_summary(out: &Output, report: &Report) {
    if out.quiet && report.summary.failed == 0 {
        return;
    }
    let s = &report.summary;
    if report.noop {
        eprintln!(
            "Dry run for {} in {:.2} s: {} to change, {} unchanged, {} failed, {} skipped; nothing was changed",
            report.node,
            report.duration.as_secs_f64(),
            s.pending,
            s.unchanged,
            s.failed,
            s.skipped
        );
    } else {
        eprintln!(
            "Applied catalog for {} in {:.2} s: {} changed, {} unchanged, {} failed, {} skipped{}",
            report.node,
            report.duration.as_secs_f64(),
            s.changed,
            s.unchanged,
            s.failed,
            s.skipped,
            checks_summary(report)
        );
    }
}

/// `; checks: 2 passed, 1 failed` when the catalog has http_checks, else nothing.
fn checks_summary(report: &Report) -> String {
    let checks: Vec<&ResourceReport> = report
        .resources
        .iter()
        .filter(|r| r.reference.starts_with("Http_check["))
        .collect();
    if checks.is_empty() {
        return String::new();
    }
    let count = |st: Status| checks.iter().filter(|r| r.status == st).count();
    let mut parts = vec![format!("{} passed", count(Status::Unchanged))];
    for (st, word) in [(Status::Failed, "failed"), (Status::Skipped, "skipped")] {
        if count(st) > 0 {
            parts.push(format!("{} {word}", count(st)));
        }
    }
    format!("; checks: {}", parts.join(", "))
}
