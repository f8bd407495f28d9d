//! converge's resource types and their Debian providers.
//!
//! Two halves:
//! - [`schema`] and [`validate`]: every built-in type as data, and the catalog validation that
//!   `converge validate` runs before the host is touched.
//! - the providers, behind one small trait ([`Provider`]): inspect the current state, plan the
//!   changes, apply them. A dry run is the same path with [`Provider::predict`] in place of
//!   [`Provider::apply`]; no provider checks a noop flag.
//!
//! Invariant: `inspect` and `plan` never change the host; only `apply` and `refresh` do.
//!
//! # How the engine drives it
//! One [`Context`] per run (it caches dpkg's status database, /etc/passwd, /etc/group and the
//! init system). For each resource in plan order: [`provider_for`] its type, then
//! [`plan_resource`] (inspect + plan). Then, for a real run, [`Provider::apply`] (adjacent
//! package installs may go through [`package::apply_batch`] as one apt transaction), and
//! [`Provider::refresh`] for resources that received events — unless the resource emitted
//! [`EventKind::ServiceStarted`] in this run, in which case its pending refreshes are
//! dropped. For a dry run, [`Provider::predict`] instead of `apply`, with
//! `cx.guards = Guards::Skip`; a [`State::pending_on`] means "pending on that change", not a
//! failure.
//!
//! # Where converge differs from Puppet, on purpose
//! - Dry runs do not execute exec `onlyif`/`unless` guards (unless `Guards::Run`); such an exec
//!   is shown as "would run unless its onlyif/unless guards say otherwise".
//! - A dry run plans later resources against the predicted result of earlier ones (a
//!   file_line on a file an earlier file resource writes is diffed against that content), and
//!   something a pending package or exec would create is pending, not failed.
//! - Diffs are shown for new files too; Sensitive content shows `[diff redacted]`.
//! - Replaced file content is backed up under `/var/lib/converge/backup/<run id>/<path>` unless
//!   `backup => false` ([`fsutil::restore`] puts a run back); Puppet's `.puppet-bak` suffix and
//!   filebuckets are not used.
//! - file_line writes atomically (temp file + rename) and treats a `line` with newlines as a
//!   block, so it does not grow the file on every run.
//! - Attributes accepted for compatibility but not acted on yet (file `recurse`/`purge`,
//!   package `mark`, ...) are flagged `ignored` in the schema and warned about by validation.

pub mod accounts;
pub mod anchor;
pub mod apt_key;
pub mod concat;
pub mod conformance;
pub mod context;
pub mod diagnose;
pub mod exec;
pub mod file;
pub mod file_line;
pub mod forge_schema;
pub mod fsutil;
pub mod host;
pub mod http_check;
pub mod ini_setting;
pub mod inifile;
mod initscript;
pub mod langpkg;
pub mod mode;
pub mod nginx_block;
pub mod nginx_directive;
pub mod notify;
pub mod package;
pub mod provider;
pub mod purge;
mod safedir;
pub mod schema;
pub mod service;
pub mod systemd;
#[cfg(test)]
mod test_http;
pub mod validate;

pub use context::{Cmd, Context, FileView, Guards, InitSystem, Output, Runner, SystemRunner};
pub use provider::{Change, Event, EventKind, Provider, ProviderError, State};
pub use schema::{lookup, Attr, Kind, TypeSchema, METAPARAMS, TYPES};
pub use validate::{validate_catalog, validate_resource};

/// Every provider, by the resource type it manages.
static PROVIDERS: &[(&str, &dyn Provider)] = &[
    ("package", &package::PackageProvider),
    ("file", &file::FileProvider),
    ("service", &service::ServiceProvider),
    ("exec", &exec::ExecProvider),
    ("file_line", &file_line::FileLineProvider),
    ("notify", &notify::NotifyProvider),
    ("user", &accounts::UserProvider),
    ("group", &accounts::GroupProvider),
    ("host", &host::HostProvider),
    ("nginx_directive", &nginx_directive::NginxDirectiveProvider),
    ("nginx_server", &nginx_block::NginxBlockProvider),
    ("nginx_location", &nginx_block::NginxBlockProvider),
    ("nginx_upstream", &nginx_block::NginxBlockProvider),
    ("http_check", &http_check::HttpCheckProvider),
    ("anchor", &anchor::AnchorProvider),
    ("concat_file", &concat::ConcatFileProvider),
    ("concat_fragment", &concat::ConcatFragmentProvider),
    ("ini_setting", &ini_setting::IniSettingProvider),
    ("ini_subsetting", &ini_setting::IniSubsettingProvider),
    ("apt_key", &apt_key::AptKeyProvider),
];

/// The provider for a resource type (`None` for containers and types without one yet).
pub fn provider_for(type_name: &str) -> Option<&'static dyn Provider> {
    PROVIDERS
        .iter()
        .find(|(t, _)| *t == type_name)
        .map(|(_, p)| *p)
}

/// Inspect and plan one resource: what a dry run shows and what `apply` would then do.
pub fn plan_resource(
    provider: &dyn Provider,
    r: &converge_catalog::Resource,
    cx: &mut Context,
) -> Result<(State, Vec<Change>), ProviderError> {
    let state = provider.inspect(r, cx)?;
    let changes = provider.plan(r, &state, cx)?;
    Ok((state, changes))
}
