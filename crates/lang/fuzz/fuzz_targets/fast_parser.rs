//! Differential fuzzing of the fast parser against pest: for any input both must give the
//! same syntax tree (or the same errors) and the same diagnostics. Seed it with the
//! repository's manifests: `cd crates/lang/fuzz && mkdir -p corpus/fast_parser &&
//! find ../../.. -name '*.pp' -not -path '*/target/*' -exec cp {} corpus/fast_parser/ \; &&
//! RUSTC_BOOTSTRAP=1 cargo fuzz run fast_parser`.
#![no_main]

include!("../targets/fast_parser.rs");

libfuzzer_sys::fuzz_target!(|data: &[u8]| run(data));
