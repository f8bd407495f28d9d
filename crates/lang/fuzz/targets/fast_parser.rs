// The body of the `fast_parser` fuzz target, shared with the smoke test
// (tests/fuzz_smoke.rs): for any input the fast parser and pest give the same syntax tree
// (or the same errors) and the same diagnostics.

/// Run one input.
pub(crate) fn run(data: &[u8]) {
    use converge_lang::{compare_parsers, Source};
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Err(e) = compare_parsers(&Source::new("fuzz.pp", text)) {
        panic!("{e}");
    }
}
