//! Any bytes either fail to parse or print back byte for byte; editing never panics, its
//! output parses again, and removing what was added restores the input. Run:
//! `cd crates/nginx/fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run round_trip`.
#![no_main]

include!("../targets/round_trip.rs");

libfuzzer_sys::fuzz_target!(|data: &[u8]| run(data));
