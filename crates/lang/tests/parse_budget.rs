//! The parser's call budget against real code: every manifest and EPP template in the
//! repository and in Debian's puppetlabs modules (which .ci/run installs) must parse
//! with pest within a small share of the budget, so that the bound that stops hostile
//! input (brackets that never close, nested deep) never refuses a real manifest.
//!
//! Its own test binary: the budget is process-wide, and the search below changes it.

use converge_lang::{compare_parsers, parse_epp, parse_manifest, set_calls_per_byte, Source};
use std::path::{Path, PathBuf};

/// The share of the budget real code may need at most: room for manifests written
/// differently from the ones measured here.
const HEADROOM: usize = 8;

#[path = "support/files.rs"]
mod files;

/// The manifests and templates below `dir`, error fixtures left out.
fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    files::files_below(dir, &["pp", "epp"], &["err"], out);
}

/// Whether pest accepts `text` within the budget in force.
fn parses(name: &str, text: &str) -> bool {
    let source = Source::new(name, text);
    if name.ends_with(".epp") {
        return parse_epp(&source).0.is_some();
    }
    // The fast parser does not use pest: the comparison makes pest parse too, and fails
    // when pest stopped on the budget while the fast parser accepted.
    compare_parsers(&source).is_ok() && parse_manifest(&source).0.is_some()
}

#[test]
fn real_manifests_parse_within_a_small_share_of_the_budget() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut all = Vec::new();
    files(&root.join("manifests"), &mut all);
    files(&root.join("crates/lang/tests/data/ok"), &mut all);
    files(&root.join("tests"), &mut all);
    let debian = Path::new("/usr/share/puppet/modules");
    assert!(
        debian.join("stdlib/manifests").is_dir(),
        "Debian's puppetlabs modules are missing: apt-get install puppet-module-puppetlabs-stdlib \\
         puppet-module-puppetlabs-apache (and the rest .ci/run installs)"
    );
    files(debian, &mut all);
    assert!(all.len() > 50, "found only {} files", all.len());

    // Per file, the least calls per byte (to a factor of two) that parses it.
    let mut worst: Vec<(usize, String)> = Vec::new();
    for f in &all {
        let text = std::fs::read_to_string(f).unwrap();
        let name = f.display().to_string();
        set_calls_per_byte(None);
        if !parses(&name, &text) {
            // Not valid on its own (a fixture of an error case): nothing to measure.
            continue;
        }
        let mut per_byte = 1;
        loop {
            set_calls_per_byte(Some(per_byte));
            if parses(&name, &text) {
                break;
            }
            per_byte *= 2;
            assert!(
                per_byte <= converge_lang::CALLS_PER_BYTE,
                "{name} needs more than the whole budget"
            );
        }
        worst.push((per_byte, name));
    }
    set_calls_per_byte(None);
    worst.sort();
    let top: Vec<String> = worst
        .iter()
        .rev()
        .take(5)
        .map(|(n, f)| format!("{n} calls/byte: {f}"))
        .collect();
    eprintln!(
        "{} files; the most demanding:\n{}",
        worst.len(),
        top.join("\n")
    );
    let (need, file) = worst.last().unwrap();
    assert!(
        need * HEADROOM <= converge_lang::CALLS_PER_BYTE,
        "{file} needs {need} rule calls per byte: the budget ({}) leaves less than {HEADROOM}x headroom",
        converge_lang::CALLS_PER_BYTE
    );
}
