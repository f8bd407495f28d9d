//! Parse + evaluate + schema check + plan of generated manifests with relationships, at
//! 1k, 10k and 100k resources (goals: 10k under 50 ms, 100k under 1 s).
//!
//! The manifest has classes of ten resources each: a package, a directory, files in it that
//! notify a service, and chains between consecutive classes.

// criterion's macros generate undocumented functions.
#![allow(missing_docs)]

use converge::{check, CompileRequest};

// Measured with the converge binary's allocator (see crates/cli/src/main.rs).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};

#[path = "support/pipeline_manifest.rs"]
mod pipeline_manifest;
use pipeline_manifest::manifest;

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("compile_check_plan");
    g.sample_size(10);
    for n in [1_000, 10_000, 100_000] {
        let mut req = CompileRequest::code("/bench/site.pp", manifest(n)).node("bench");
        req.discover_facts = false;
        req.facts_json = Some(serde_json::json!({"hostname": "bench", "fqdn": "bench"}));
        let checked = check(&req);
        assert!(!checked.has_errors(), "{:?}", &checked.diagnostics[..1]);
        assert_eq!(checked.plan.as_ref().map(|p| p.order.len()), Some(n));
        g.bench_with_input(BenchmarkId::from_parameter(n), &req, |b, req| {
            b.iter(|| check(req))
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
