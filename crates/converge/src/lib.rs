//! converge as a library: compile a Puppet manifest for a node, check it, plan it, apply it.
//!
//! ```no_run
//! use converge::{apply, check, ApplyOptions, CompileRequest, Silent};
//!
//! let req = CompileRequest::file("manifests/site.pp").node("web-01");
//! let checked = check(&req);
//! for d in &checked.diagnostics {
//!     eprintln!("{d}");
//! }
//! if let (Some(catalog), Some(plan)) = (&checked.catalog, &checked.plan) {
//!     let report = apply(catalog, plan, &ApplyOptions { noop: true, ..Default::default() }, &mut Silent);
//!     println!("{} resources would change", report.summary.pending);
//! }
//! ```
//!
//! The pipeline is `source -> AST -> catalog -> plan -> providers -> report`; this crate
//! wires the layers together so embedders and the `converge` binary share one path.

mod applied;
mod apply;
mod catalog_input;
mod compile;
mod erb_ruby;
pub mod fleet;
mod lock;
mod report;

pub use applied::{load_applied, save_applied, AppliedCatalogError, DEFAULT_APPLIED_CATALOG};
pub use apply::{apply, ApplyOptions, Observer, Silent};
pub use catalog_input::{check_catalog, read_catalog};
pub use compile::{check, compile, facts, lookup, Checked, CompileRequest, FactsError};
pub use converge_catalog as catalog;
pub use converge_lang::env::default_modulepath;
pub use converge_lang::{LogLevel, LogMessage, LookupOutcome};
pub use converge_plan::Plan;
pub use erb_ruby::RubyErb;
pub use lock::{HostLock, LockError, DEFAULT_LOCK};
pub use report::{ChangeRecord, Report, ResourceReport, Status, Summary};
