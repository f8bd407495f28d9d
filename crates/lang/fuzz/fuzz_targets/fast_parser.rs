//! Differential fuzzing of the fast parser against pest: for any input both must give the
//! same syntax tree (or the same errors) and the same diagnostics. Seed it with the
//! repository's manifests: `cd crates/lang/fuzz && mkdir -p corpus/fast_parser &&
//! find ../../.. -name '*.pp' -not -path '*/target/*' -exec cp {} corpus/fast_parser/ \; &&
//! RUSTC_BOOTSTRAP=1 cargo fuzz run fast_parser`.
#![no_main]

use converge_lang::{compare_parsers, Source};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Err(e) = compare_parsers(&Source::new("fuzz.pp", text)) {
        panic!("{e}");
    }
});
