//! Compile, check and plan the pipeline benchmark's generated manifest once and print the
//! time, for measuring CPU time and peak memory from outside (`/usr/bin/time -v`), which
//! criterion cannot: `cargo run --release -p converge --example check_big 100000`.

use converge::{check, CompileRequest};

// Measured with the converge binary's allocator (see crates/cli/src/main.rs).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use std::time::Instant;

#[path = "../benches/support/pipeline_manifest.rs"]
mod pipeline_manifest;

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(10_000);
    let mut req =
        CompileRequest::code("/bench/site.pp", pipeline_manifest::manifest(n)).node("bench");
    req.discover_facts = false;
    req.facts_json = Some(serde_json::json!({"hostname": "bench", "fqdn": "bench"}));
    let t = Instant::now();
    let checked = check(&req);
    let dt = t.elapsed();
    let planned = checked.plan.as_ref().map_or(0, |p| p.order.len());
    assert!(!checked.has_errors(), "{:?}", checked.diagnostics.first());
    println!("{n}: {planned} resources planned in {dt:?}");
}
