//! Untrusted catalogs (`apply --catalog -`): any bytes give a catalog or a located error,
//! and checking never panics. Seed it with catalogs:
//! `cd crates/converge/fuzz && mkdir -p corpus/catalog_json && cp seeds/*.json
//! corpus/catalog_json/ && RUSTC_BOOTSTRAP=1 cargo fuzz run catalog_json`.
#![no_main]

include!("../targets/catalog_json.rs");

libfuzzer_sys::fuzz_target!(|data: &[u8]| run(data));
