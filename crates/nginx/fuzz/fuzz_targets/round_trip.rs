//! Any text either fails to parse or prints back byte for byte; editing never panics and
//! its output parses again.
#![no_main]

use converge_nginx::{Config, Selector, ServerSel};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(mut cfg) = Config::parse(text) else { return };
    assert_eq!(cfg.to_string(), text);
    let args = vec!["X-Served-By".to_string(), "h".into(), "always".into()];
    for sel in [Selector::Http, Selector::Server(ServerSel::Default)] {
        if cfg.set(&sel, "add_header", &args, 1).is_ok() {
            let edited = cfg.to_string();
            let again = Config::parse(&edited).expect("an edited config parses");
            assert_eq!(again.to_string(), edited);
        }
    }
});
