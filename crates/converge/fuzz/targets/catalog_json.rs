// The body of the `catalog_json` fuzz target, shared with the smoke test
// (tests/fuzz_smoke.rs). A catalog that arrives through `apply --catalog -` is untrusted:
// whatever the bytes, reading gives a catalog or a located error, and checking it gives
// diagnostics or a plan, never a panic or a hang. A catalog read back from its own JSON is
// the same catalog, and its redacted form keeps no secret and reads back too.

/// Run one input.
pub(crate) fn run(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let catalog = match converge::read_catalog(text, "fuzz.json") {
        Ok(c) => c,
        Err(d) => {
            let at = d.location.expect("a catalog error is located");
            assert!(at.line >= 1 && at.column >= 1, "{at}");
            return;
        }
    };
    let json = catalog.to_json();
    let again = converge::read_catalog(&json, "again").expect("a printed catalog reads back");
    assert_eq!(again.to_json(), json, "printing is stable");
    let redacted = catalog.redacted();
    assert!(
        !redacted
            .resources
            .iter()
            .flat_map(|r| r.params.values())
            .any(has_clear_secret),
        "no Sensitive value survives redaction"
    );
    let red_json = redacted.to_json();
    converge::read_catalog(&red_json, "redacted").expect("a redacted catalog reads back");
    let _ = converge::check_catalog(catalog, true);
    let _ = converge::check_catalog(redacted, false);
}

fn has_clear_secret(v: &converge::catalog::Value) -> bool {
    use converge::catalog::Value;
    match v {
        Value::Sensitive(_) => true,
        Value::Array(a) => a.iter().any(has_clear_secret),
        Value::Hash(h) => h.values().any(has_clear_secret),
        _ => false,
    }
}
