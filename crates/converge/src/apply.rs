//! The apply engine: walk the plan, inspect and change each resource, relay refresh events,
//! skip what depends on a failure, and report.
//!
//! A dry run goes through exactly the same walk; the only difference is that each
//! provider's `predict` is called where a real run calls `apply`, so the report of a dry run
//! is the report the real run would give.

use crate::report::{ChangeRecord, Report, ResourceReport, Status};
use converge_catalog::{Catalog, Resource, Secrets, REDACTED};
use converge_plan::Plan;
use converge_providers::{
    package, plan_resource, provider_for, Change, Context, Event, EventKind, Guards,
};
use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Instant;

/// How to apply.
#[derive(Debug, Clone, Default)]
pub struct ApplyOptions {
    /// Dry run: inspect and diff everything, change nothing.
    pub noop: bool,
    /// In a dry run, also run exec `onlyif`/`unless` guards (Puppet always does; converge
    /// does not by default, since nothing guarantees a guard is read-only).
    pub run_guards_in_noop: bool,
    /// Module directories for `puppet:///modules/...` file sources.
    pub module_path: Vec<PathBuf>,
}

/// Told about progress as the apply goes, so a front end can show it live.
pub trait Observer {
    /// A resource is about to be inspected (and changed).
    fn started(&mut self, _r: &Resource) {}
    /// A resource is done.
    fn finished(&mut self, _r: &Resource, _report: &ResourceReport) {}
}

/// An observer that ignores everything.
#[derive(Debug, Default)]
pub struct Silent;

impl Observer for Silent {}

/// Per-resource bookkeeping during a walk.
struct Walk<'a> {
    catalog: &'a Catalog,
    plan: &'a Plan,
    opts: &'a ApplyOptions,
    cx: Context,
    status: HashMap<usize, Status>,
    /// Events queued for a resource by the resources that notify it: (source, events).
    inbox: HashMap<usize, Vec<(usize, usize)>>,
    /// Services this run started: their pending refreshes are dropped (Puppet's
    /// `invalidate_refreshes`): a freshly started daemon has already read its config.
    started: Vec<usize>,
    reports: Vec<ResourceReport>,
    /// Notes from a failed package batch (a repaired dpkg), for the next resource's report.
    carried: Vec<String>,
}

/// Apply a planned catalog to this host (or, with `noop`, report what would change).
pub fn apply(
    catalog: &Catalog,
    plan: &Plan,
    opts: &ApplyOptions,
    observer: &mut dyn Observer,
) -> Report {
    let began = Instant::now();
    let mut cx = Context::new();
    cx.module_path = opts.module_path.clone();
    cx.nginx = converge_providers::nginx_block::Declared::from_catalog(catalog);
    // What a purging directory keeps: the files the catalog manages (concat's targets too,
    // as Puppet's concat_file generates a file).
    cx.managed_files = catalog
        .resources
        .iter()
        .filter(|r| matches!(r.type_name.as_str(), "file" | "concat_file"))
        .map(converge_providers::file::path_of)
        .collect();
    // A concat_file's content is its fragments': hand each file its fragments up front.
    for (file, fragments) in plan.concat_files() {
        cx.set_fragments(
            catalog.resources[file].reference().to_string(),
            fragments
                .iter()
                .map(|&f| catalog.resources[f].clone())
                .collect(),
        );
    }
    cx.guards = if opts.noop && !opts.run_guards_in_noop {
        Guards::Skip
    } else {
        Guards::Run
    };
    let mut walk = Walk {
        catalog,
        plan,
        opts,
        cx,
        status: HashMap::new(),
        inbox: HashMap::new(),
        started: Vec::new(),
        reports: Vec::new(),
        carried: Vec::new(),
    };
    let order = &plan.order;
    let mut pos = 0;
    while pos < order.len() {
        let batch = walk.package_batch(&order[pos..]);
        if batch.len() > 1 {
            pos += batch.len();
            walk.install_batch(batch, observer);
        } else {
            walk.one(order[pos], observer);
            pos += 1;
        }
    }
    Report::new(
        catalog.node.clone(),
        opts.noop,
        walk.reports,
        began.elapsed(),
    )
}

/// Why a resource holding a value known only by its digest cannot be worked on, if it
/// cannot: such a catalog was saved or printed by converge, never compiled. A dry run can
/// still compare a file's content with its digest (what `converge doctor` needs).
fn redacted_refusal(r: &Resource, noop: bool) -> Option<String> {
    let params: Vec<&str> = r
        .redacted_params()
        .filter(|p| !(noop && r.type_name == "file" && *p == "content"))
        .collect();
    (!params.is_empty()).then(|| {
        format!(
            "{} {} only a digest of a Sensitive value (this catalog was saved or printed by \
             converge, which never keeps secrets); compile the manifest to {}",
            params.join(", "),
            if params.len() == 1 { "holds" } else { "hold" },
            if noop { "compare it" } else { "apply it" }
        )
    })
}

/// Keep `r`'s secrets out of its report: a change to a Sensitive attribute shows
/// `[redacted]` for both values (as Puppet does), and any secret text that found its way
/// into a message, a diff, an error or a note (a command line, a validator's output) is
/// replaced by `[redacted]`. Everything shown or sent (live output, JSON reports, the
/// fleet's progress) is made from this report.
fn redact_report(r: &Resource, rep: &mut ResourceReport) {
    let secrets = Secrets::of(r);
    for c in &mut rep.changes {
        if r.param(&c.property)
            .is_some_and(converge_catalog::Value::is_sensitive)
        {
            for v in [&mut c.before, &mut c.after].into_iter().flatten() {
                *v = REDACTED.to_string();
            }
        }
        if secrets.is_empty() {
            continue;
        }
        for t in [&mut c.before, &mut c.after, &mut c.diff]
            .into_iter()
            .flatten()
            .chain([&mut c.message])
        {
            secrets.scrub_in_place(t);
        }
    }
    if secrets.is_empty() {
        return;
    }
    for t in [&mut rep.refresh, &mut rep.error]
        .into_iter()
        .flatten()
        .chain(rep.notes.iter_mut())
        .chain(rep.events.iter_mut())
    {
        secrets.scrub_in_place(t);
    }
}

fn records(changes: &[Change]) -> Vec<ChangeRecord> {
    changes
        .iter()
        .map(|c| ChangeRecord {
            property: c.property.clone(),
            before: c.before.clone(),
            after: c.after.clone(),
            message: c.message.clone(),
            diff: c.diff.clone(),
        })
        .collect()
}

impl Walk<'_> {
    fn resource(&self, idx: usize) -> &Resource {
        &self.catalog.resources[idx]
    }

    /// The first dependency that failed or was skipped, if any.
    fn failed_dependency(&self, idx: usize) -> Option<usize> {
        self.plan.dependencies(idx).map(|(d, _)| d).find(|d| {
            matches!(
                self.status.get(d),
                Some(Status::Failed) | Some(Status::Skipped)
            )
        })
    }

    /// A dependency (direct or further up) whose changes are pending in this dry run.
    fn pending_dependency(&self, idx: usize) -> Option<usize> {
        let mut seen = vec![idx];
        let mut stack = vec![idx];
        while let Some(i) = stack.pop() {
            for (d, _) in self.plan.dependencies(i) {
                if seen.contains(&d) {
                    continue;
                }
                if self.status.get(&d) == Some(&Status::Pending) {
                    return Some(d);
                }
                seen.push(d);
                stack.push(d);
            }
        }
        None
    }

    /// Adjacent packages in the order that all need installing with the same apt options
    /// and do not depend on one another: apt installs them in one transaction, which is
    /// much faster than one each. Returns each one with its planned changes; fewer than two
    /// means no batch. A dry run never batches: it changes nothing, so there is nothing to
    /// save, and each package is planned once, by `one`.
    fn package_batch(&mut self, rest: &[usize]) -> Vec<(usize, Vec<Change>)> {
        let is_candidate = |w: &Self, idx: usize| {
            let r = w.resource(idx);
            r.type_name == "package"
                && r.param_str("provider").is_none_or(|p| p == "apt")
                && w.failed_dependency(idx).is_none()
                && !w.inbox.contains_key(&idx)
                && !r.has_redacted()
        };
        // Plan nothing unless a batch is possible at all: a lone package is planned by
        // `one`, and planning it here too would inspect it twice.
        if self.opts.noop
            || rest.len() < 2
            || !is_candidate(self, rest[0])
            || !is_candidate(self, rest[1])
        {
            return Vec::new();
        }
        let Some(p) = provider_for("package") else {
            return Vec::new();
        };
        let options = package::install_options(self.resource(rest[0]));
        let mut batch: Vec<(usize, Vec<Change>)> = Vec::new();
        for &idx in rest {
            if !is_candidate(self, idx)
                || package::install_options(self.resource(idx)) != options
                || self
                    .plan
                    .dependencies(idx)
                    .any(|(d, _)| batch.iter().any(|(b, _)| *b == d))
            {
                break;
            }
            let r = &self.catalog.resources[idx];
            match plan_resource(p, r, &mut self.cx) {
                Ok((_, changes)) if package::is_install(&changes) => batch.push((idx, changes)),
                _ => break,
            }
        }
        batch
    }

    /// Install a batch of packages with one apt run; on failure fall back to one at a time
    /// so that only the package that cannot be installed fails.
    fn install_batch(&mut self, batch: Vec<(usize, Vec<Change>)>, observer: &mut dyn Observer) {
        let began = Instant::now();
        for (idx, _) in &batch {
            observer.started(&self.catalog.resources[*idx]);
        }
        self.cx.secrets = Secrets::default();
        let warnings_before = self.cx.warnings.len();
        let catalog = self.catalog;
        let items: Vec<(&Resource, &[Change])> = batch
            .iter()
            .map(|(i, c)| (&catalog.resources[*i], c.as_slice()))
            .collect();
        let names = items
            .iter()
            .map(|(r, _)| r.title.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        let result = package::apply_batch(&items, &mut self.cx);
        // What the batch had to say (a repaired dpkg) goes with its first package.
        let mut said: Vec<String> = self.cx.warnings.drain(warnings_before..).collect();
        match result {
            Ok(events) => {
                let each = began.elapsed() / batch.len() as u32;
                for ((idx, changes), events) in batch.iter().zip(events) {
                    let r = &catalog.resources[*idx];
                    // Re-inspect: the report says what dpkg lists, not what apt claimed.
                    let verified = provider_for("package")
                        .and_then(|p| plan_resource(p, r, &mut self.cx).ok())
                        .is_some_and(|(_, rest)| rest.is_empty());
                    let mut notes = std::mem::take(&mut said);
                    notes.push(format!(
                        "installed in one apt transaction with {} packages: {names}",
                        batch.len()
                    ));
                    let mut rep = ResourceReport {
                        changes: records(changes),
                        notes,
                        duration: each,
                        ..ResourceReport::new(r.reference().to_string(), Status::Changed)
                    };
                    if !verified {
                        rep.status = Status::Failed;
                        rep.error = Some(
                            "apt-get reported success but dpkg does not list the package as installed"
                                .into(),
                        );
                    }
                    self.finish(*idx, rep, events, observer);
                }
            }
            Err(e) => {
                tracing::warn!("batched install of {names} failed ({e}); installing one by one");
                self.carried = said;
                for (idx, _) in batch {
                    self.one(idx, observer);
                }
            }
        }
    }

    /// Inspect, plan and apply (or predict) one resource, then handle its refreshes.
    fn one(&mut self, idx: usize, observer: &mut dyn Observer) {
        let began = Instant::now();
        let r = &self.catalog.resources[idx];
        observer.started(r);
        self.cx.secrets = Secrets::of(r);
        let mut rep = ResourceReport::new(r.reference().to_string(), Status::Unchanged);
        if let Some(dep) = self.failed_dependency(idx) {
            rep.status = Status::Skipped;
            rep.error = Some(format!(
                "Skipping because of failed dependencies: {} has failures",
                self.plan.reference(dep)
            ));
            // A skipped resource drops the events queued for it, as in Puppet.
            self.inbox.remove(&idx);
            rep.duration = began.elapsed();
            return self.finish(idx, rep, Vec::new(), observer);
        }
        let Some(provider) = provider_for(&r.type_name) else {
            rep.status = Status::Failed;
            rep.error = Some(format!(
                "no provider for resource type '{}' on this host",
                r.type_name
            ));
            return self.finish(idx, rep, Vec::new(), observer);
        };
        if let Some(why) = redacted_refusal(r, self.opts.noop) {
            rep.status = Status::Failed;
            rep.error = Some(why);
            return self.finish(idx, rep, Vec::new(), observer);
        }
        // A check run before the changes it verifies would only report what the dry run
        // already says: it is pending on them.
        if self.opts.noop && r.type_name == "http_check" {
            if let Some(dep) = self.pending_dependency(idx) {
                rep.status = Status::Pending;
                rep.notes.push(format!(
                    "to be checked after the pending changes ({} is pending)",
                    self.plan.reference(dep)
                ));
                rep.duration = began.elapsed();
                return self.finish(idx, rep, Vec::new(), observer);
            }
        }
        let warnings_before = self.cx.warnings.len();
        let mut events = Vec::new();
        match plan_resource(provider, r, &mut self.cx) {
            Err(e) => {
                rep.status = Status::Failed;
                rep.error = Some(format!("Could not evaluate: {e}"));
            }
            Ok((state, changes)) => {
                rep.changes = records(&changes);
                if let Some(on) = &state.pending_on {
                    rep.status = Status::Pending;
                    rep.notes
                        .push(format!("pending on {on}: its target does not exist yet"));
                } else if changes.is_empty() {
                    rep.status = Status::Unchanged;
                } else if self.opts.noop {
                    provider.predict(r, &changes, &mut self.cx);
                    rep.status = Status::Pending;
                    events = changes
                        .iter()
                        .map(|c| Event::from_change(c, EventKind::Changed))
                        .collect();
                } else {
                    match provider.apply(r, &changes, &mut self.cx) {
                        Ok(evs) => {
                            rep.status = Status::Changed;
                            if evs.iter().any(|e| e.kind == EventKind::ServiceStarted) {
                                self.started.push(idx);
                            }
                            for e in &evs {
                                if let Some(out) = &e.output {
                                    rep.notes.push(out.clone());
                                }
                            }
                            events = evs;
                        }
                        Err(e) => {
                            rep.status = Status::Failed;
                            rep.error = Some(format!(
                                "change from '{}' failed: {e}",
                                changes
                                    .iter()
                                    .map(|c| c.property.as_str())
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ));
                        }
                    }
                }
            }
        }
        rep.notes.append(&mut self.carried);
        rep.notes.extend(self.cx.warnings.drain(warnings_before..));
        self.refresh(idx, &mut rep, &mut events);
        rep.duration = began.elapsed();
        self.finish(idx, rep, events, observer);
    }

    /// Process the refresh events queued for `idx`: once, however many arrived.
    fn refresh(&mut self, idx: usize, rep: &mut ResourceReport, events: &mut Vec<Event>) {
        let Some(queued) = self.inbox.remove(&idx) else {
            return;
        };
        let count: usize = queued.iter().map(|(_, n)| n).sum();
        let plural = if count == 1 { "event" } else { "events" };
        let r = &self.catalog.resources[idx];
        let Some(provider) = provider_for(&r.type_name) else {
            return;
        };
        if rep.status == Status::Failed || !provider.refreshable(r) {
            return;
        }
        if self.started.contains(&idx) {
            rep.refresh = Some(format!(
                "Unscheduling refresh from {count} {plural}: started in this run"
            ));
            return;
        }
        if self.opts.noop {
            rep.refresh = Some(format!(
                "Would have triggered 'refresh' from {count} {plural}"
            ));
            if rep.status == Status::Unchanged {
                rep.status = Status::Pending;
            }
            return;
        }
        match provider.refresh(r, &mut self.cx) {
            Ok(evs) => {
                rep.refresh = Some(format!("Triggered 'refresh' from {count} {plural}"));
                if rep.status == Status::Unchanged {
                    rep.status = Status::Changed;
                }
                events.extend(evs);
            }
            Err(e) => {
                rep.status = Status::Failed;
                rep.refresh = Some(format!("Failed to call refresh: {e}"));
                rep.error = Some(format!("Failed to call refresh: {e}"));
            }
        }
    }

    /// Record the outcome and queue events for everything this resource notifies.
    fn finish(
        &mut self,
        idx: usize,
        mut rep: ResourceReport,
        events: Vec<Event>,
        observer: &mut dyn Observer,
    ) {
        let relayed: Vec<&Event> = events
            .iter()
            .filter(|e| e.kind != EventKind::Restarted)
            .collect();
        if matches!(rep.status, Status::Changed | Status::Pending) {
            rep.events = relayed.iter().map(|e| e.message.clone()).collect();
        }
        redact_report(&self.catalog.resources[idx], &mut rep);
        let relayed = relayed.len();
        observer.finished(&self.catalog.resources[idx], &rep);
        self.status.insert(idx, rep.status);
        if relayed > 0 && matches!(rep.status, Status::Changed | Status::Pending) {
            let targets: Vec<usize> = self.plan.notify_targets(idx).collect();
            for t in targets {
                self.inbox.entry(t).or_default().push((idx, relayed));
            }
        }
        self.reports.push(rep);
    }
}
