//! ERB templates end to end against Puppet 7: the manifests in `tests/erb/manifests`
//! (module `demo` in `tests/erb/modules`) are compiled by converge and by Puppet
//! itself (`tests/erb/catalog.rb`, live), and every File content and Notify message
//! must be the same, as must the messages the templates logged. The templates cover
//! every kind of value Puppet hands a template, `scope` lookups, `setvar`, nested
//! templates, functions, the Ruby templates use, and one the native renderer declines
//! (rendered by the Ruby fallback, `converge::RubyErb`). Manifests marked
//! `# expect: error TEXT` must fail in both, converge's error naming TEXT (a message
//! or the template's `file:line`). Needs `ruby` and `puppet` (CI installs them).

use converge::catalog::Value;
use converge::{compile, facts, CompileRequest};
use serde_json::Value as Json;
use std::path::{Path, PathBuf};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/erb")
}

fn manifests() -> Vec<PathBuf> {
    let mut m: Vec<PathBuf> = std::fs::read_dir(dir().join("manifests"))
        .expect("tests/erb/manifests")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "pp"))
        .collect();
    m.sort();
    m
}

fn puppet(manifests: &[PathBuf]) -> Json {
    let out = std::process::Command::new("ruby")
        .arg(dir().join("catalog.rb"))
        .arg(dir().join("modules"))
        .arg(dir().join("facts.json"))
        .args(manifests)
        .output()
        .expect("this test needs ruby and Puppet 7 (apt-get install ruby puppet)");
    assert!(
        out.status.success(),
        "catalog.rb failed (is the puppet package installed?):\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("catalog.rb's JSON")
}

#[test]
fn templates_render_as_puppet_renders_them() {
    let files = manifests();
    let want = puppet(&files);
    let facts_json: Json =
        serde_json::from_str(&std::fs::read_to_string(dir().join("facts.json")).unwrap()).unwrap();
    let mut failures = Vec::new();
    for m in &files {
        let name = m.file_name().unwrap().to_string_lossy().to_string();
        let req = CompileRequest {
            manifest: m.clone(),
            modulepath: vec![dir().join("modules")],
            facts_json: Some(facts_json.clone()),
            discover_facts: false,
            node: Some("web-01.example.com".into()),
            ..Default::default()
        };
        let compiled = compile(&req, &facts(&req).unwrap());
        let puppet = &want[&name];
        let code = std::fs::read_to_string(m).unwrap();
        let expect_error = code
            .lines()
            .find_map(|l| l.strip_prefix("# expect: error "))
            .map(str::to_string);
        let errors: Vec<String> = compiled
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .map(|d| {
                format!(
                    "{} at {}",
                    d.message,
                    d.location.as_ref().map_or(String::new(), |l| l.to_string())
                )
            })
            .collect();
        if let Some(text) = expect_error {
            assert!(puppet.get("error").is_some(), "{name}: Puppet did not fail");
            if !errors.iter().any(|e| e.contains(&text)) {
                failures.push(format!("{name}: no error names {text:?}: {errors:#?}"));
            }
            continue;
        }
        let Some(catalog) = compiled.catalog else {
            failures.push(format!("{name}: converge failed: {errors:#?}"));
            continue;
        };
        let mut got = serde_json::Map::new();
        for r in &catalog.resources {
            let (ty, param) = match r.type_name.to_lowercase().as_str() {
                "file" => ("File", "content"),
                "notify" => ("Notify", "message"),
                _ => continue,
            };
            let v = match r.params.get(param) {
                Some(Value::String(s)) => Json::String(s.clone()),
                Some(v) => Json::String(v.to_string()),
                None => Json::Null,
            };
            got.insert(format!("{ty}[{}]", r.title), v);
        }
        let Some(resources) = puppet["resources"].as_object() else {
            failures.push(format!("{name}: Puppet failed: {}", puppet["error"]));
            continue;
        };
        for (k, v) in resources {
            match got.get(k) {
                Some(g) if g == v => {}
                g => failures.push(format!(
                    "{name}: {k} differs\n--- puppet\n{}\n--- converge\n{}",
                    v.as_str().unwrap_or_default(),
                    g.and_then(Json::as_str).unwrap_or("(missing)")
                )),
            }
        }
        let logs: Vec<Json> = compiled
            .log
            .iter()
            .map(|l| {
                let level = format!("{:?}", l.level).to_lowercase();
                Json::Array(vec![Json::String(level), Json::String(l.text.clone())])
            })
            .collect();
        if Json::Array(logs.clone()) != puppet["logs"] {
            failures.push(format!(
                "{name}: logs differ: puppet {} converge {logs:?}",
                puppet["logs"]
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
