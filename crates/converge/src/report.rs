//! The result of an apply: what happened to each resource, and the exit code it implies.

use serde::{Deserialize, Serialize};
use std::time::Duration;

/// What happened to one resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Already as the manifest says.
    Unchanged,
    /// Changed (or, in a dry run, would be changed).
    Changed,
    /// A dry run found changes it did not make.
    Pending,
    /// Its changes or its refresh failed.
    Failed,
    /// Not evaluated because something it depends on failed.
    Skipped,
}

/// One property change, with its before and after as text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChangeRecord {
    /// The property (`ensure`, `content`, `mode`, ...).
    pub property: String,
    /// Current value, as shown to people (redacted when sensitive).
    pub before: Option<String>,
    /// Desired value, as shown to people (redacted when sensitive).
    pub after: Option<String>,
    /// Puppet-style message: `created`, `mode changed '0644' to '0600'`.
    pub message: String,
    /// Unified diff of content changes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diff: Option<String>,
}

/// The report for one resource.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourceReport {
    /// `Type[title]`.
    #[serde(rename = "ref")]
    pub reference: String,
    /// What happened.
    pub status: Status,
    /// Each change made (or pending).
    pub changes: Vec<ChangeRecord>,
    /// Refresh events it received, and whether it refreshed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh: Option<String>,
    /// Why it failed or was skipped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Notes worth a person's attention (a non-idempotent exec, a batched install).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Events it sent along its notify edges (in a dry run: would have sent).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<String>,
    /// Time spent on it.
    #[serde(with = "secs")]
    pub duration: Duration,
}

impl ResourceReport {
    /// A report on `reference` with `status` alone: no changes, refresh, error, notes or
    /// events yet, no time spent.
    pub fn new(reference: impl Into<String>, status: Status) -> ResourceReport {
        ResourceReport {
            reference: reference.into(),
            status,
            changes: Vec::new(),
            refresh: None,
            error: None,
            notes: Vec::new(),
            events: Vec::new(),
            duration: Duration::ZERO,
        }
    }
}

/// Totals over a run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// Resources changed.
    pub changed: usize,
    /// Resources with pending changes (dry run).
    pub pending: usize,
    /// Resources already in sync.
    pub unchanged: usize,
    /// Resources that failed.
    pub failed: usize,
    /// Resources skipped because a dependency failed.
    pub skipped: usize,
}

/// The whole run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// The node applied.
    pub node: String,
    /// Whether this was a dry run.
    pub noop: bool,
    /// Per resource, in apply order.
    pub resources: Vec<ResourceReport>,
    /// Totals.
    pub summary: Summary,
    /// Wall time of the apply.
    #[serde(with = "secs")]
    pub duration: Duration,
}

impl Report {
    /// The report of a run on `node` over `resources` that took `duration`, its summary
    /// tallied from them.
    pub fn new(
        node: impl Into<String>,
        noop: bool,
        resources: Vec<ResourceReport>,
        duration: Duration,
    ) -> Report {
        let mut report = Report {
            node: node.into(),
            noop,
            resources,
            summary: Summary::default(),
            duration,
        };
        report.tally();
        report
    }

    /// Count statuses into `summary`.
    pub fn tally(&mut self) {
        let mut s = Summary::default();
        for r in &self.resources {
            match r.status {
                Status::Unchanged => s.unchanged += 1,
                Status::Changed => s.changed += 1,
                Status::Pending => s.pending += 1,
                Status::Failed => s.failed += 1,
                Status::Skipped => s.skipped += 1,
            }
        }
        self.summary = s;
    }

    /// Puppet's `--detailed-exitcodes`, done right: 2 when changes were made or are
    /// pending in a dry run (Puppet returns 0 for pending ones, PUP-686), 4 on failures,
    /// 6 for both, 0 when there was nothing to do.
    pub fn detailed_exit_code(&self) -> i32 {
        let changes = self.summary.changed + self.summary.pending > 0;
        let failures = self.summary.failed > 0;
        i32::from(changes) * 2 + i32::from(failures) * 4
    }

    /// Without `--detailed-exitcodes`: 0 on success, 1 on any failure (Puppet exits 0 even
    /// when resources fail, PUP-2754; converge never hides a failure).
    pub fn exit_code(&self) -> i32 {
        i32::from(self.summary.failed > 0 || self.summary.skipped > 0)
    }
}

mod secs {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::time::Duration;

    pub(super) fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(d.as_secs_f64())
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let f = f64::deserialize(d)?;
        Ok(Duration::try_from_secs_f64(f).unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(statuses: &[Status]) -> Report {
        let resources = statuses
            .iter()
            .map(|s| ResourceReport::new("Notify[x]", *s))
            .collect();
        Report::new("n", false, resources, Duration::ZERO)
    }

    #[test]
    fn detailed_exit_codes_follow_puppet_and_count_pending_changes() {
        use Status::*;
        assert_eq!(report(&[Unchanged]).detailed_exit_code(), 0);
        assert_eq!(report(&[Changed, Unchanged]).detailed_exit_code(), 2);
        assert_eq!(report(&[Pending]).detailed_exit_code(), 2);
        assert_eq!(report(&[Failed, Skipped]).detailed_exit_code(), 4);
        assert_eq!(report(&[Changed, Failed]).detailed_exit_code(), 6);
    }

    #[test]
    fn plain_exit_code_never_hides_a_failure() {
        use Status::*;
        assert_eq!(report(&[Changed]).exit_code(), 0);
        assert_eq!(report(&[Changed, Failed]).exit_code(), 1);
    }
}
