//! One conformance suite for every provider: the same checks run against each of them, in a
//! temporary directory here and inside fresh hosts for the providers that touch the system.
//!
//! For resources applied in order, [`check`] verifies that
//! 1. a dry run (inspect, plan, predict) writes nothing: a digest of the watched tree is equal
//!    before and after;
//! 2. the real apply plans exactly the changes the dry run showed, applies them without error
//!    and emits one event per change (converges from absent);
//! 3. what the dry run predicted for each watched path is what the apply left there;
//! 4. a second run plans no change.
//!
//! [`check_failed_validation_keeps_file`] covers the last promise: a file whose new content
//! fails `validate_cmd` is left untouched.

use crate::context::{read_view, Context, FileView};
use crate::provider::{Change, Event, Provider};
use converge_catalog::Resource;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// What one provider did with one resource, for snapshots and reports.
#[derive(Debug, Clone)]
pub struct Report {
    /// What the dry run planned.
    pub planned: Vec<Change>,
    /// What the real apply emitted.
    pub events: Vec<Event>,
}

/// A digest of every entry under `root` (type, mode, owner, content or link target), without
/// following symlinks. Entries whose path starts with one of `skip` are left out.
pub fn tree_digest(root: &Path, skip: &[PathBuf]) -> BTreeMap<PathBuf, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(p) = stack.pop() {
        if skip.iter().any(|s| p.starts_with(s)) {
            continue;
        }
        let Ok(md) = std::fs::symlink_metadata(&p) else {
            continue;
        };
        let ft = md.file_type();
        let desc = if ft.is_symlink() {
            format!(
                "link {}",
                std::fs::read_link(&p).unwrap_or_default().display()
            )
        } else if ft.is_dir() {
            if let Ok(rd) = std::fs::read_dir(&p) {
                stack.extend(rd.flatten().map(|e| e.path()));
            }
            format!("dir {:o} {}:{}", md.mode() & 0o7777, md.uid(), md.gid())
        } else if ft.is_file() {
            let sum = std::fs::read(&p)
                .map(|b| format!("{:x}", Sha256::digest(b)))
                .unwrap_or_else(|e| format!("unreadable {e}"));
            format!(
                "file {:o} {}:{} {sum}",
                md.mode() & 0o7777,
                md.uid(),
                md.gid()
            )
        } else {
            "other".to_string()
        };
        out.insert(p, desc);
    }
    out
}

/// The parts of a view a prediction must get right (ownership is predicted only when set).
fn comparable(v: &FileView) -> String {
    match v {
        FileView::Missing => "missing".into(),
        FileView::File { content, mode, .. } => {
            format!("file {mode:o} {}", crate::fsutil::sha256(content))
        }
        FileView::Dir { mode, .. } => format!("dir {mode:o}"),
        FileView::Link { target } => format!("link {target}"),
        FileView::Other => "other".into(),
    }
}

/// Run the conformance checks for resources applied in order (as the engine would, one
/// context per run, so a dry run plans later resources against earlier predictions).
/// `new_cx` makes a fresh context per run; `root` is the tree whose digest must not change in
/// a dry run, less the `skip` subtrees (/proc, /sys, ... when `root` is `/`); `watch` are the
/// paths whose predicted state must equal the applied one.
pub fn check(
    resources: &[Resource],
    new_cx: &dyn Fn() -> Context,
    root: &Path,
    skip: &[PathBuf],
    watch: &[PathBuf],
) -> Result<Vec<Report>, String> {
    let provider = |r: &Resource| {
        crate::provider_for(&r.type_name).ok_or_else(|| format!("no provider for {}", r.type_name))
    };
    // 1. The dry run writes nothing.
    let before = tree_digest(root, skip);
    let mut dry = new_cx();
    let mut planned_all = Vec::new();
    for r in resources {
        let p = provider(r)?;
        let what = r.reference();
        let state = p
            .inspect(r, &mut dry)
            .map_err(|e| format!("{what}: dry-run inspect failed: {e}"))?;
        let planned = p
            .plan(r, &state, &dry)
            .map_err(|e| format!("{what}: dry-run plan failed: {e}"))?;
        p.predict(r, &planned, &mut dry);
        planned_all.push(planned);
    }
    let after = tree_digest(root, skip);
    if before != after {
        return Err(format!(
            // debug-format: the conformance harness reports to test authors.
            "the dry run changed the filesystem: {:?}",
            diff_keys(&before, &after)
        ));
    }
    let predicted: Vec<String> = watch
        .iter()
        .map(|p| dry.view(p).map(|v| comparable(&v)).unwrap_or_default())
        .collect();
    // 2. The real run plans what the dry run showed, and applies it.
    let mut cx = new_cx();
    let mut reports = Vec::new();
    for (r, planned) in resources.iter().zip(planned_all) {
        let p = provider(r)?;
        let what = r.reference();
        let state = p
            .inspect(r, &mut cx)
            .map_err(|e| format!("{what}: inspect failed: {e}"))?;
        let changes = p
            .plan(r, &state, &cx)
            .map_err(|e| format!("{what}: plan failed: {e}"))?;
        if changes != planned {
            return Err(format!(
                // debug-format: the conformance harness reports to test authors.
                "{what}: the dry run planned {planned:?} but the apply planned {changes:?}"
            ));
        }
        let events = p
            .apply(r, &changes, &mut cx)
            .map_err(|e| format!("{what}: apply failed: {e}"))?;
        if events.len() != changes.len() {
            return Err(format!(
                "{what}: {} changes but {} events",
                changes.len(),
                events.len()
            ));
        }
        reports.push(Report { planned, events });
    }
    // 3. The prediction was right.
    for (path, want) in watch.iter().zip(&predicted) {
        let got = read_view(path).map(|v| comparable(&v)).unwrap_or_default();
        if &got != want {
            return Err(format!(
                "predicted {} as `{want}` but the apply left `{got}`",
                path.display()
            ));
        }
    }
    // 4. A second run changes nothing.
    let mut again = new_cx();
    for r in resources {
        let p = provider(r)?;
        let what = r.reference();
        let state = p
            .inspect(r, &mut again)
            .map_err(|e| format!("{what}: second inspect failed: {e}"))?;
        let second = p
            .plan(r, &state, &again)
            .map_err(|e| format!("{what}: second plan failed: {e}"))?;
        if !second.is_empty() {
            // debug-format: the conformance harness reports to test authors.
            return Err(format!("{what}: second run still plans {second:?}"));
        }
    }
    Ok(reports)
}

/// A resource whose `validate_cmd` fails must leave the file exactly as it was.
pub fn check_failed_validation_keeps_file(
    provider: &dyn Provider,
    r: &Resource,
    path: &Path,
    new_cx: &dyn Fn() -> Context,
) -> Result<(), String> {
    let parent = path.parent().unwrap_or(Path::new("/"));
    let before = tree_digest(parent, &[]);
    let mut cx = new_cx();
    let state = provider.inspect(r, &mut cx).map_err(|e| e.to_string())?;
    let changes = provider.plan(r, &state, &cx).map_err(|e| e.to_string())?;
    if changes.is_empty() {
        return Err(format!(
            "{}: nothing to change, nothing checked",
            r.reference()
        ));
    }
    match provider.apply(r, &changes, &mut cx) {
        Ok(_) => Err(format!(
            "{}: apply succeeded despite validation",
            r.reference()
        )),
        Err(_) if tree_digest(parent, &[]) == before => Ok(()),
        Err(e) => Err(format!(
            // debug-format: the conformance harness reports to test authors.
            "{}: failed ({e}) but changed {:?}",
            r.reference(),
            diff_keys(&before, &tree_digest(parent, &[]))
        )),
    }
}

fn diff_keys(a: &BTreeMap<PathBuf, String>, b: &BTreeMap<PathBuf, String>) -> Vec<PathBuf> {
    a.keys()
        .chain(b.keys())
        .filter(|k| a.get(*k) != b.get(*k))
        .cloned()
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect()
}
