//! Data-driven compile tests: every `data/ok/*.pp` must compile (snapshot: warnings, log
//! and catalog JSON); every `data/err/*.pp` must fail (snapshot: the diagnostics).
//!
//! Facts come from `data/facts.json`; the node is `web-01` unless the first line says
//! `# node: NAME`; modules live in `data/modules`.

use converge_catalog::{Diagnostic, Value};
use converge_lang::{compile, CompileOptions, Compiled};
use indexmap::IndexMap;
use std::path::Path;

fn facts() -> IndexMap<String, Value> {
    let text = std::fs::read_to_string("tests/data/facts.json").expect("facts.json");
    match serde_json::from_str::<Value>(&text).expect("facts.json is JSON") {
        Value::Hash(h) => h,
        _ => panic!("facts.json must be an object"),
    }
}

fn run(path: &Path) -> Compiled {
    let rel = path
        .strip_prefix(std::env::current_dir().unwrap())
        .unwrap_or(path);
    let code = std::fs::read_to_string(path).expect("read manifest");
    let first = code.lines().next().unwrap_or("");
    let node = first
        .strip_prefix("# node:")
        .map(|n| n.trim().to_string())
        .unwrap_or_else(|| "web-01".into());
    let opts = CompileOptions {
        hiera_config: None,
        environment: None,
        manifest: rel.to_path_buf(),
        code: None,
        modulepath: vec!["tests/data/modules".into()],
        facts: facts(),
        node_name: node,
        strict_variables: first.contains("strict_variables"),
    };
    compile(&opts)
}

fn render(d: &Diagnostic) -> String {
    let sev = if d.is_error() { "error" } else { "warning" };
    let mut s = format!("{sev}[{}]: {}", d.code, d.message);
    if let Some(l) = &d.location {
        s.push_str(&format!(" --> {l}"));
    }
    for l in &d.labels {
        s.push_str(&format!("\n    note: {} --> {}", l.message, l.location));
    }
    if let Some(h) = &d.hint {
        s.push_str(&format!("\n    hint: {h}"));
    }
    s
}

fn log_lines(c: &Compiled) -> String {
    let mut out = String::new();
    for d in &c.diagnostics {
        out.push_str(&render(d));
        out.push('\n');
    }
    for m in &c.log {
        out.push_str(&format!("{:?}: {}: {}\n", m.level, m.scope, m.text));
    }
    out
}

#[test]
fn ok_manifests_compile() {
    insta::glob!("data/ok/*.pp", |path| {
        let c = run(path);
        let Some(cat) = &c.catalog else {
            panic!("{} did not compile:\n{}", path.display(), log_lines(&c));
        };
        let out = format!("{}---\n{}", log_lines(&c), cat.to_json());
        insta::assert_snapshot!(out);
    });
}

#[test]
fn err_manifests_fail_with_diagnostics() {
    insta::glob!("data/err/*.pp", |path| {
        let c = run(path);
        assert!(
            c.catalog.is_none(),
            "{} compiled but should fail",
            path.display()
        );
        assert!(
            c.diagnostics.iter().any(Diagnostic::is_error),
            "{} failed without an error diagnostic",
            path.display()
        );
        insta::assert_snapshot!(log_lines(&c));
    });
}

/// Every prefix of every test manifest (cut at each line) compiles without the compiler
/// failing internally: partial input is the common case while someone is typing.
#[test]
fn truncated_manifests_never_crash_the_compiler() {
    let mut checked = 0;
    for dir in ["tests/data/ok", "tests/data/err"] {
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .collect();
        files.sort();
        for f in files {
            let code = std::fs::read_to_string(&f).unwrap();
            let cuts: Vec<usize> = code.match_indices('\n').map(|(i, _)| i).collect();
            for cut in cuts {
                let opts = CompileOptions {
                    hiera_config: None,
                    environment: None,
                    manifest: f.clone(),
                    code: Some(code[..cut].to_string()),
                    modulepath: vec!["tests/data/modules".into()],
                    facts: facts(),
                    node_name: "web-01".into(),
                    strict_variables: false,
                };
                let c = compile(&opts);
                assert!(
                    !c.diagnostics.iter().any(|d| d.code == "internal"),
                    "{} cut at byte {cut}: {:?}",
                    f.display(),
                    c.diagnostics
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 500, "only {checked} prefixes checked");
}

/// Without `--modulepath`, modules are found in `<manifest dir>/modules`.
#[test]
fn default_modulepath_is_next_to_the_manifest() {
    let opts = CompileOptions {
        hiera_config: None,
        environment: None,
        manifest: "tests/data/sites/default_modulepath/site.pp".into(),
        node_name: "web-01".into(),
        ..Default::default()
    };
    let c = compile(&opts);
    let cat = c
        .catalog
        .as_ref()
        .unwrap_or_else(|| panic!("{}", log_lines(&c)));
    let titles: Vec<String> = cat
        .resources
        .iter()
        .map(|r| r.reference().to_string())
        .collect();
    assert_eq!(
        titles,
        ["Class[Hello]", "Notify[hello from the default module path]"]
    );
}

/// A manifest that cannot be read is one clear diagnostic, not a crash.
#[test]
fn unreadable_manifest_is_a_diagnostic() {
    let opts = CompileOptions {
        hiera_config: None,
        environment: None,
        manifest: "tests/data/nosuch.pp".into(),
        ..Default::default()
    };
    let c = compile(&opts);
    assert!(c.catalog.is_none());
    assert_eq!(c.diagnostics.len(), 1);
    assert_eq!(c.diagnostics[0].code, "io");
    assert!(c.diagnostics[0].message.contains("tests/data/nosuch.pp"));
}
