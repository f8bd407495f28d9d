//! The differential test against Puppet 7: every ERB template Puppet renders while
//! compiling the manifests in `tests/puppet/manifests` (with the Debian-packaged haproxy
//! and apache modules) is rendered again natively, with the variables Puppet's
//! TemplateWrapper bound and Puppet's answers to what the template asked its scope, and
//! must come out byte for byte as Puppet rendered it (or fail with the same exception).
//! Puppet runs live (`capture.rb`), so its answers cannot go stale. Needs `ruby` and the
//! `puppet` package (CI installs them); fails when they are missing.

#[path = "support/replay.rs"]
mod replay;

use converge_erb::{RenderError, Template};
use replay::Replay;
use serde_json::Value as Json;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const MODULES: &str = "/usr/share/puppet/modules";

fn capture() -> Json {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/puppet");
    let mut manifests: Vec<PathBuf> = std::fs::read_dir(dir.join("manifests"))
        .expect("tests/puppet/manifests")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "pp"))
        .collect();
    manifests.sort();
    let out = std::process::Command::new("ruby")
        .arg(dir.join("capture.rb"))
        .arg(MODULES)
        .arg(dir.join("facts.json"))
        .args(&manifests)
        .output()
        .expect("this test needs ruby and Puppet 7 (apt-get install ruby puppet)");
    assert!(
        out.status.success(),
        "capture.rb failed (is the puppet package installed?):\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("capture.rb's JSON")
}

fn short(path: &str) -> String {
    path.strip_prefix(MODULES)
        .map(|p| p.trim_start_matches('/').replacen("/templates/", "/", 1))
        .unwrap_or_else(|| path.to_string())
}

#[test]
fn every_template_puppet_renders_comes_out_byte_for_byte() {
    let captured = capture();
    let errors = captured["errors"].as_array().expect("errors");
    assert!(
        errors.is_empty(),
        "Puppet could not compile a fixture: {errors:#?}"
    );
    let cases = captured["cases"].as_array().expect("cases");
    let mut failures = Vec::new();
    let mut rendered = BTreeSet::new();
    for (n, case) in cases.iter().enumerate() {
        let (name, source, file) = match case["template"].as_str() {
            Some(path) => (
                short(path),
                std::fs::read_to_string(path).expect("template"),
                Some(path),
            ),
            None => (
                format!("inline template #{n}"),
                case["inline"].as_str().unwrap_or("").to_string(),
                None,
            ),
        };
        rendered.insert(name.clone());
        let label = format!(
            "{name} (case {n}, {})",
            case["manifest"].as_str().unwrap_or("?")
        );
        let mut host = Replay::new(case);
        let got = Template::parse(&name, &source)
            .map_err(RenderError::Declined)
            .and_then(|t| t.render(&mut host, file));
        match (
            &got,
            case.get("output").and_then(Json::as_str),
            case.get("error"),
        ) {
            (Ok(out), Some(want), _) if out == want => {}
            (Ok(out), Some(want), _) => {
                failures.push(format!("{label}: output differs\n{}", diff(want, out)));
            }
            (Err(RenderError::Raised { class, message, .. }), None, Some(err))
                if err["class"] == *class && err["message"] == *message => {}
            (got, _, err) => failures.push(format!(
                "{label}: Puppet gave {}, converge gave {got:?}",
                err.map_or("output".to_string(), |e| e.to_string())
            )),
        }
        if host.next != host.recorded() && got.is_ok() {
            host.problems.push(format!(
                "asked its scope {} things where Puppet's template asked {}",
                host.next,
                host.recorded()
            ));
        }
        for p in host.problems {
            failures.push(format!("{label}: {p}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} renders differ:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
    eprintln!(
        "{} renders of {} templates identical",
        cases.len(),
        rendered.len()
    );
    let missing: Vec<String> = all_templates()
        .into_iter()
        .filter(|t| !rendered.contains(t) && !NOT_RENDERED.iter().any(|(n, _)| n == t))
        .collect();
    assert!(
        missing.is_empty(),
        "templates no fixture renders (add a manifest to tests/puppet/manifests): {missing:?}"
    );
}

/// Templates the modules ship but no manifest can make Puppet render, and why.
const NOT_RENDERED: &[(&str, &str)] = &[];

/// Every ERB template of the haproxy and apache modules, named `module/path.erb`.
fn all_templates() -> Vec<String> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "erb") {
                out.push(p);
            }
        }
    }
    let mut files = Vec::new();
    for m in ["haproxy", "apache"] {
        walk(&Path::new(MODULES).join(m).join("templates"), &mut files);
    }
    let mut names: Vec<String> = files
        .iter()
        .map(|p| short(&p.display().to_string()))
        .collect();
    names.sort();
    names
}

fn diff(want: &str, got: &str) -> String {
    let w: Vec<&str> = want.lines().collect();
    let g: Vec<&str> = got.lines().collect();
    for i in 0..w.len().max(g.len()) {
        if w.get(i) != g.get(i) {
            return format!(
                "first difference at line {}:\n  puppet:   {:?}\n  converge: {:?}",
                i + 1,
                w.get(i),
                g.get(i)
            );
        }
    }
    format!(
        "trailing difference: puppet {:?} / converge {:?}",
        want.len(),
        got.len()
    )
}
