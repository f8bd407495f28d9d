//! What on the host differs from its catalog: a dry run of the managed resources. A check
//! can fail while every service layer passes (a page deleted, a config edited by hand);
//! the resource that drifted, with its diff, is then the evidence and `converge apply` the
//! fix. Read-only: a dry run changes nothing and runs no exec guards.

use converge::catalog::{Catalog, ResourceRef};
use converge::{ApplyOptions, ResourceReport, Silent, Status};
use std::collections::HashSet;
use std::path::PathBuf;

/// Types left out: checks are doctor's own business, and an exec or a notify is an action
/// whose dry run says "would run", not a state that drifted.
const NOT_STATE: &[&str] = &["http_check", "exec", "notify"];

/// The dry run's findings.
#[derive(Debug, Default)]
pub(crate) struct Drift {
    /// Resources whose state differs from the catalog, with their pending changes.
    pub(crate) drifted: Vec<ResourceReport>,
    /// Resources the dry run could not inspect (or plan), with why.
    pub(crate) not_compared: Vec<(String, String)>,
}

/// Dry-run the state-holding resources of `catalog`.
pub(crate) fn drift(catalog: &Catalog, module_path: Vec<PathBuf>) -> Drift {
    let mut c = catalog.clone();
    let dropped: HashSet<ResourceRef> = c
        .resources
        .iter()
        .filter(|r| NOT_STATE.contains(&r.type_name.as_str()))
        .map(|r| r.reference())
        .collect();
    c.resources
        .retain(|r| !NOT_STATE.contains(&r.type_name.as_str()));
    c.edges
        .retain(|e| !dropped.contains(&e.from) && !dropped.contains(&e.to));
    let plan = match converge_plan::plan(&c) {
        Ok(p) => p,
        Err(diags) => {
            return Drift {
                drifted: Vec::new(),
                not_compared: vec![(
                    format!("catalog for {}", c.node),
                    diags
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join("; "),
                )],
            }
        }
    };
    let opts = ApplyOptions {
        noop: true,
        run_guards_in_noop: false,
        module_path,
    };
    let report = converge::apply(&c, &plan, &opts, &mut Silent);
    let mut out = Drift::default();
    for r in report.resources {
        match r.status {
            Status::Pending if !r.changes.is_empty() => out.drifted.push(r),
            Status::Failed => {
                let why = r.error.clone().unwrap_or_default();
                out.not_compared.push((r.reference, why));
            }
            _ => {}
        }
    }
    out
}
