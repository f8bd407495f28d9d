//! Fuzz parse + evaluate: any input must give a catalog or diagnostics, never a panic or a
//! hang. Run: `cd crates/lang/fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run compile`.
#![no_main]

include!("../targets/compile.rs");

libfuzzer_sys::fuzz_target!(|data: &[u8]| run(data));
