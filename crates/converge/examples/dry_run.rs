//! Embed converge: compile a manifest with this host's facts, check it, and show what an
//! apply would change — a dry run, so nothing on the host is touched.
//!
//! Run: `cargo run -p converge --example dry_run [MANIFEST]` (default: a small inline one).

use converge::{apply, check, ApplyOptions, CompileRequest, Observer, ResourceReport};

/// Prints each resource's pending changes as the walk reaches it.
struct Print;

impl Observer for Print {
    fn finished(&mut self, _r: &converge::catalog::Resource, rep: &ResourceReport) {
        for c in &rep.changes {
            println!("{}/{}: {} (noop)", rep.reference, c.property, c.message);
        }
    }
}

fn main() {
    let req = match std::env::args().nth(1) {
        Some(path) => CompileRequest::file(path),
        None => CompileRequest::code(
            "inline.pp",
            "file { '/tmp/converge-example': content => \"hello from ${hostname}\\n\" }",
        ),
    };
    let checked = check(&req);
    for d in &checked.diagnostics {
        eprintln!("{d}");
    }
    let (Some(catalog), Some(plan)) = (&checked.catalog, &checked.plan) else {
        std::process::exit(1);
    };
    let opts = ApplyOptions {
        noop: true,
        ..Default::default()
    };
    let report = apply(catalog, plan, &opts, &mut Print);
    println!(
        "{} to change, {} unchanged (dry run: nothing was changed)",
        report.summary.pending, report.summary.unchanged
    );
}
