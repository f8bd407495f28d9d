//! Compile time (parse + evaluate) of generated manifests with 1k, 10k and 100k resources
//! and relationships between them.

// criterion_group! generates an undocumented function.
#![allow(missing_docs)]

use converge_lang::{compile, CompileOptions};

// Measured with the converge binary's allocator (see crates/cli/src/main.rs).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};

#[path = "../examples/support/generate.rs"]
mod generate;

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("compile");
    g.sample_size(10);
    for n in [1_000usize, 10_000, 100_000] {
        let opts = CompileOptions {
            hiera_config: None,
            environment: None,
            manifest: "bench.pp".into(),
            code: Some(generate::manifest(n)),
            node_name: "bench".into(),
            facts: generate::facts(),
            ..Default::default()
        };
        g.bench_with_input(BenchmarkId::from_parameter(n), &opts, |b, o| {
            b.iter(|| {
                let out = compile(o);
                assert!(out.catalog.is_some(), "{:?}", out.diagnostics.first());
            })
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default();
    targets = bench
}
criterion_main!(benches);
