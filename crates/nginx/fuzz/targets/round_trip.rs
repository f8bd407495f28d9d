// The body of the `round_trip` fuzz target, shared with the smoke test
// (tests/fuzz_smoke.rs): any bytes either fail to parse or print back byte for byte;
// editing never panics, its output parses again, and removing what was added restores the
// input.

/// Run one input.
pub(crate) fn run(data: &[u8]) {
    use converge_nginx::{Config, Selector, ServerSel};
    let Ok(mut cfg) = Config::parse(data) else {
        return;
    };
    assert_eq!(cfg.to_bytes(), data);
    let args = vec!["X-Served-By".to_string(), "h".into(), "always".into()];
    for sel in [
        Selector::Main,
        Selector::Http,
        Selector::Server(ServerSel::Default),
    ] {
        let before = cfg.to_bytes();
        let had = cfg
            .get(&sel, "add_header", &args[..1])
            .map(|v| v.len())
            .unwrap_or(1);
        if cfg.set(&sel, "add_header", &args, 1).is_ok() {
            let edited = cfg.to_bytes();
            let again = Config::parse(&edited).expect("an edited config parses");
            assert_eq!(again.to_bytes(), edited);
            if had == 0 {
                cfg.remove(&sel, "add_header", &args[..1]).unwrap();
                assert_eq!(
                    cfg.to_bytes(),
                    before,
                    "removing what was added restores the file"
                );
            }
        }
    }
}
