//! Compile a generated manifest of N resources once and print the time (for measuring
//! peak memory with `/usr/bin/time -v`): `cargo run --release --example compile_big 100000`.

use converge_lang::{compile, CompileOptions};

// Measured with the converge binary's allocator (see crates/cli/src/main.rs).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use std::time::Instant;

mod support {
    pub(crate) mod generate;
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(10_000);
    let code = support::generate::manifest(n);
    let opts = CompileOptions {
        hiera_config: None,
        environment: None,
        manifest: "big.pp".into(),
        code: Some(code),
        node_name: "bench".into(),
        facts: support::generate::facts(),
        ..Default::default()
    };
    let t = Instant::now();
    if std::env::args().nth(2).as_deref() == Some("parse") {
        let src = converge_lang::Source::new("big.pp", opts.code.clone().unwrap_or_default());
        let (ast, _) = converge_lang::parse_manifest(&src);
        println!(
            "{n}: parsed {} bytes in {:?} ({})",
            src.text.len(),
            t.elapsed(),
            ast.is_some()
        );
        return;
    }
    let out = compile(&opts);
    let dt = t.elapsed();
    let cat = out.catalog.expect("compiles");
    println!(
        "{n}: {} resources, {} edges in {:?}",
        cat.resources.len(),
        cat.edges.len(),
        dt
    );
}
