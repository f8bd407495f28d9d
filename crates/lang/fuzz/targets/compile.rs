// The body of the `compile` fuzz target, shared with the smoke test that replays seeds
// and mutations through it in `cargo test` (tests/fuzz_smoke.rs): parse + evaluate, any
// input must give a catalog or diagnostics, never a panic or a hang.

/// Run one input.
pub(crate) fn run(data: &[u8]) {
    use converge_lang::{compile, parse_epp, CompileOptions, Source};
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = parse_epp(&Source::new("fuzz.epp", text));
    let opts = CompileOptions {
        manifest: "/nonexistent/fuzz.pp".into(),
        code: Some(text.to_string()),
        node_name: "web-01".into(),
        ..Default::default()
    };
    let _ = compile(&opts);
}
