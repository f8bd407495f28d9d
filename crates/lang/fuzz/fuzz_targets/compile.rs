//! Fuzz parse + evaluate: any input must give a catalog or diagnostics, never a panic or a
//! hang. Run: `cd crates/lang/fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run compile`.
#![no_main]

use converge_lang::{compile, parse_epp, CompileOptions, Source};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
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
});
