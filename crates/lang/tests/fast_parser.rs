//! The fast parser against pest: every manifest in the repository, and the generated
//! benchmark manifests, must parse to the same syntax tree, errors and warnings either
//! way, and every one of them that is valid must take the fast path.

use converge_lang::{compare_parsers, FastPath, Source};
use std::path::{Path, PathBuf};

// The generator also makes the facts the benchmarks use.
#[allow(dead_code)]
#[path = "../examples/support/generate.rs"]
mod generate;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[path = "support/files.rs"]
mod files;

fn manifests(dir: &Path, out: &mut Vec<PathBuf>) {
    files::files_below(dir, &["pp"], &[], out);
}

fn compare(name: &str, text: String) -> Result<FastPath, String> {
    compare_parsers(&Source::new(name, text)).map_err(|e| format!("{name}: {e}"))
}

#[test]
fn every_manifest_in_the_repository_parses_the_same_both_ways() {
    let mut files = Vec::new();
    manifests(&repo_root(), &mut files);
    assert!(files.len() > 200, "found only {} manifests", files.len());
    let mut failures = Vec::new();
    let mut declined = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        let parses = converge_lang::parse_manifest(&Source::new("x.pp", text.clone()))
            .0
            .is_some();
        match compare(&f.display().to_string(), text) {
            Ok(FastPath::Agreed) => {}
            // Syntax errors are pest's to report; anything else is a gap in the fast path.
            Ok(FastPath::Declined) if parses => declined.push(f.display().to_string()),
            Ok(FastPath::Declined) => {}
            Err(e) => failures.push(e),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert!(
        declined.is_empty(),
        "valid manifests the fast parser declined:\n{}",
        declined.join("\n")
    );
}

#[test]
fn shipped_and_benchmark_manifests_take_the_fast_path() {
    let root = repo_root();
    let mut files = Vec::new();
    manifests(&root.join("manifests"), &mut files);
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        assert_eq!(
            compare(&f.display().to_string(), text),
            Ok(FastPath::Agreed),
            "{}",
            f.display()
        );
    }
    assert_eq!(
        compare("bench.pp", generate::manifest(2_000)),
        Ok(FastPath::Agreed)
    );
}

/// Spans where pest's implicit whitespace makes a rule end past the blanks and comments
/// that follow it (an optional part at its end that is absent).
#[test]
fn spans_that_end_in_whitespace_agree() {
    for code in [
        "include foo  # c\n\n$a = 1",
        "include foo, bar  \n",
        "$a = 1  \n/* x */ $b = $c = 2 # t\n",
        "$a = Package['x'] -> Package['y']  \n",
        "file { 'x': }\nfile { 'y': ensure => file  }\nfile { 'z': mode => '0644', ; 'w': }",
        "define d ($a , Optional[String] $b = undef , *$rest ) { }",
        "$x = [1,2].map |$v , $w | { $v }",
        "File { mode => '0644' , }\nFile['/x'] { mode +> '0600' }",
    ] {
        assert_eq!(
            compare("spans.pp", code.to_string()),
            Ok(FastPath::Agreed),
            "{code}"
        );
    }
}

/// Input pest rejects, or that the lowering reports, is left to pest.
#[test]
fn errors_are_left_to_pest() {
    for code in [
        "file { ensure => file }",
        "$a = 08",
        "notice(",
        "foo-bar(1)",
        "1 = 2",
        "File <| title == |>",
        "$a = @(END)\n  x\n  END2\n",
    ] {
        assert_eq!(
            compare("err.pp", code.to_string()),
            Ok(FastPath::Declined),
            "{code}"
        );
    }
}
