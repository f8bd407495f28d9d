//! How long resolving every fact takes (facter needs about 270 ms on this kind of host).
#![allow(missing_docs)] // criterion_group! generates undocumented functions

use converge_facts::Facts;
use criterion::{criterion_group, criterion_main, Criterion};

fn discover(c: &mut Criterion) {
    c.bench_function("facts/discover", |b| b.iter(Facts::discover));
}

criterion_group!(benches, discover);
criterion_main!(benches);
