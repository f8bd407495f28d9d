//! The standard small workload — 1 package, 1 directory, 10 one-line files with mode 0644 —
//! applied when there is nothing to do: the time a no-op re-apply costs (goal: < 10 ms).
//!
//! The package is `bash` (installed everywhere) and the files live in a temporary
//! directory, so the bench reads the machine's dpkg database but writes nothing outside its
//! own temp dir, and only on the first (converging) apply.

// criterion's macros generate undocumented functions.
#![allow(missing_docs)]

use converge::{apply, check, ApplyOptions, CompileRequest, Silent};

// Measured with the converge binary's allocator (see crates/cli/src/main.rs).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use criterion::{criterion_group, criterion_main, Criterion};

fn workload(dir: &str) -> String {
    let mut m = format!(
        "package {{ 'bash': ensure => installed }}\nfile {{ '{dir}/w': ensure => directory }}\n"
    );
    for i in 0..10 {
        m.push_str(&format!(
            "file {{ '{dir}/w/f{i}': content => \"line {i}\\n\", mode => '0644' }}\n"
        ));
    }
    m
}

fn bench(c: &mut Criterion) {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().display().to_string();
    let mut req = CompileRequest::code(format!("{dir}/site.pp"), workload(&dir)).node("bench");
    req.facts_json = Some(serde_json::json!({"hostname": "bench"}));
    let opts = ApplyOptions::default();

    // Converge once so every later run has nothing to do.
    let checked = check(&req);
    assert!(!checked.has_errors(), "{:?}", checked.diagnostics);
    let (catalog, plan) = (checked.catalog.unwrap(), checked.plan.unwrap());
    let first = apply(&catalog, &plan, &opts, &mut Silent);
    assert_eq!(first.summary.failed, 0, "{first:?}");
    let again = apply(&catalog, &plan, &opts, &mut Silent);
    assert_eq!(again.summary.changed, 0, "the workload must be a no-op now");

    let mut g = c.benchmark_group("standard_workload_noop");
    g.bench_function("apply_only", |b| {
        b.iter(|| apply(&catalog, &plan, &opts, &mut Silent))
    });
    g.bench_function("facts_compile_plan_apply", |b| {
        b.iter(|| {
            let checked = check(&req);
            let (c, p) = (checked.catalog.unwrap(), checked.plan.unwrap());
            apply(&c, &p, &opts, &mut Silent)
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
