//! The one provider trait and the plain data it exchanges with the engine.
//!
//! Every resource goes through the same three steps: [`Provider::inspect`] reads the host's
//! current state, [`Provider::plan`] compares it with the resource and returns the
//! [`Change`]s, [`Provider::apply`] makes them. A dry run is the same path without `apply`
//! (the engine calls [`Provider::predict`] instead, which only records the predicted outcome
//! in the [`Context`] so that later resources are planned against it). No provider ever checks
//! a "noop" flag: it cannot write anything in `inspect` or `plan`, since neither may.

use crate::context::Context;
use converge_catalog::Resource;
use indexmap::IndexMap;

/// What a provider found on the host for one resource.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct State {
    /// Current value of each property the provider looked at (`None` = absent / unset).
    pub props: IndexMap<String, Option<String>>,
    /// The current bytes of the text file the resource manages (file, file_line, host), for
    /// diffs; `None` when there is no such file.
    pub content: Option<Vec<u8>>,
    /// Set when the state cannot be known yet because an earlier pending change (named here,
    /// e.g. `Package[nginx]`) would create what this resource works on. The resource is then
    /// reported as pending on that change, not as failed.
    pub pending_on: Option<String>,
    /// Whether exec guards (`onlyif`/`unless`) were evaluated and allow the command to run:
    /// `None` when they were not run (the default in a dry run) or there are none.
    pub guards_pass: Option<bool>,
    /// Content the resource wants when it had to be read from the host (a file `source`).
    pub desired_content: Option<Vec<u8>>,
}

impl State {
    /// The current value of a property, if known and set.
    pub fn get(&self, prop: &str) -> Option<&str> {
        self.props.get(prop).and_then(|v| v.as_deref())
    }

    /// Record a property's current value.
    pub fn set(&mut self, prop: &str, value: Option<String>) {
        self.props.insert(prop.to_string(), value);
    }
}

/// One change a resource needs, as shown to the user and recorded in reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The property that changes (`ensure`, `content`, `mode`, `returns`, `message`).
    pub property: String,
    /// Its current value (`None` = absent).
    pub before: Option<String>,
    /// The value it will have.
    pub after: Option<String>,
    /// Puppet's event message: `created`, `ensure changed 'stopped' to 'running'`,
    /// `content changed '{sha256}a' to '{sha256}b'`, `mode changed '0644' to '0600'`.
    pub message: String,
    /// A unified diff for content changes (new files too); `[diff redacted]` for sensitive
    /// content.
    pub diff: Option<String>,
}

impl Change {
    /// A change with Puppet's default message, `<prop> changed '<before>' to '<after>'`.
    pub fn changed(property: &str, before: Option<String>, after: Option<String>) -> Self {
        let message = format!(
            "{property} changed '{}' to '{}'",
            before.as_deref().unwrap_or("absent"),
            after.as_deref().unwrap_or("absent")
        );
        Change {
            property: property.to_string(),
            before,
            after,
            message,
            diff: None,
        }
    }

    /// The `ensure` change of an edit to a file that is not there yet but that a pending
    /// change creates: that the edit will be made (or undone) is all that can be said yet.
    pub fn ensure_after_pending_file(absent: bool) -> Self {
        Change::with_message(
            "ensure",
            None,
            Some(if absent { "absent" } else { "present" }.into()),
            if absent { "removed" } else { "created" },
        )
    }

    /// A change with a given message.
    pub fn with_message(
        property: &str,
        before: Option<String>,
        after: Option<String>,
        message: impl Into<String>,
    ) -> Self {
        Change {
            property: property.to_string(),
            before,
            after,
            message: message.into(),
            diff: None,
        }
    }

    /// Attach a diff.
    pub fn diff(mut self, diff: Option<String>) -> Self {
        self.diff = diff;
        self
    }
}

/// What kind of thing happened, for refresh handling in the engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventKind {
    /// A resource was created, removed or changed.
    Changed,
    /// A service was started in this run: the engine drops its pending refreshes, since a
    /// fresh start already reads the new configuration.
    ServiceStarted,
    /// A service was restarted by a refresh.
    Restarted,
    /// An exec ran its command.
    Executed,
    /// A notify printed its message.
    Message,
}

/// Something a successful apply or refresh did; events travel along notify edges.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// The property that changed.
    pub property: String,
    /// The message, as in [`Change::message`].
    pub message: String,
    /// What kind of event.
    pub kind: EventKind,
    /// Output worth showing (exec `logoutput => true`, a notify's message).
    pub output: Option<String>,
}

impl Event {
    /// The event for an applied change.
    pub fn from_change(c: &Change, kind: EventKind) -> Self {
        Event {
            property: c.property.clone(),
            message: c.message.clone(),
            kind,
            output: None,
        }
    }
}

/// Why a provider could not inspect, plan or apply a resource.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProviderError {
    /// A command ran and failed; `output` is what it printed.
    #[error("{message}{}", fmt_output(output))]
    Command {
        /// Puppet-like summary (`'/bin/false' returned 1 instead of one of [0]`).
        message: String,
        /// Captured stdout and stderr.
        output: String,
    },
    /// A file operation failed.
    #[error("{op} {path}: {source}")]
    Io {
        /// What was being done (`Could not write`, `Could not read`).
        op: &'static str,
        /// The path involved.
        path: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The resource asks for something that cannot be done as stated.
    #[error("{0}")]
    Invalid(String),
    /// This provider does not support the operation.
    #[error("{operation} is not supported by the {provider} provider")]
    NotSupported {
        /// What was asked.
        operation: &'static str,
        /// Which provider.
        provider: &'static str,
    },
}

fn fmt_output(output: &str) -> String {
    if output.trim().is_empty() {
        String::new()
    } else {
        format!("\n{}", output.trim_end())
    }
}

impl ProviderError {
    /// An I/O error with the operation and path it concerned.
    pub fn io(op: &'static str, path: impl AsRef<std::path::Path>, source: std::io::Error) -> Self {
        ProviderError::Io {
            op,
            path: path.as_ref().display().to_string(),
            source,
        }
    }
}

/// A resource type's provider: inspect the host, plan the changes, apply them.
///
/// Object-safe so that the registry is a plain list ([`crate::provider_for`]).
pub trait Provider: Sync {
    /// The provider's name (`apt`, `posix`, `systemd`, `debian`, `file`).
    fn name(&self) -> &'static str;

    /// Read the current state of what `r` manages. Never changes the host.
    fn inspect(&self, r: &Resource, cx: &mut Context) -> Result<State, ProviderError>;

    /// The changes that bring `state` to what `r` declares; empty when in sync. Pure: no I/O.
    fn plan(&self, r: &Resource, state: &State, cx: &Context)
        -> Result<Vec<Change>, ProviderError>;

    /// Make the planned changes; returns one event per change made.
    fn apply(
        &self,
        r: &Resource,
        changes: &[Change],
        cx: &mut Context,
    ) -> Result<Vec<Event>, ProviderError>;

    /// In a dry run, instead of `apply`: record in the context what applying would leave
    /// behind (a file's new content, a pending package), so later resources are planned
    /// against the prediction. Never touches the host.
    fn predict(&self, _r: &Resource, _changes: &[Change], _cx: &mut Context) {}

    /// React to refresh events (`notify`, `subscribe`, `~>`). Default: nothing to do.
    fn refresh(&self, _r: &Resource, _cx: &mut Context) -> Result<Vec<Event>, ProviderError> {
        Ok(Vec::new())
    }

    /// Whether a refresh would do something for this resource (for "would have triggered
    /// 'refresh'" in a dry run).
    fn refreshable(&self, _r: &Resource) -> bool {
        false
    }
}
