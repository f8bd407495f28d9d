//! Hiera through the language, checked against Puppet 7: `data/hiera-env` is an environment
//! whose hierarchy uses `mapped_paths`, `glob`, `globs`, `paths` (one missing), a JSON level
//! and YAML 1.1 scalars, and whose `manifests/site.pp` puts each lookup's value in a
//! notify. Puppet's compiler (tests/support/puppet_compile.rb, one Ruby process, nothing on
//! the machine changed) and converge must give every notify the same message. Explanations
//! are snapshots.

use converge_catalog::Value;
use converge_lang::{compile, lookup, CompileOptions};
use indexmap::IndexMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn env_dir() -> PathBuf {
    named_env("hiera-env")
}

fn named_env(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
        .canonicalize()
        .unwrap()
}

fn options() -> CompileOptions {
    options_for(env_dir())
}

fn options_for(env: PathBuf) -> CompileOptions {
    let facts = std::fs::read_to_string(env.join("facts.json")).unwrap();
    let Value::Hash(facts) = serde_json::from_str::<Value>(&facts).unwrap() else {
        panic!("facts.json is an object")
    };
    CompileOptions {
        manifest: env.join("manifests/site.pp"),
        facts,
        node_name: "host-1".into(),
        ..Default::default()
    }
}

fn messages(
    catalog: &serde_json::Value,
    type_key: &str,
    params_key: &str,
) -> IndexMap<String, serde_json::Value> {
    catalog["resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| {
            r[type_key]
                .as_str()
                .is_some_and(|t| t.eq_ignore_ascii_case("notify"))
        })
        .map(|r| {
            (
                r["title"].as_str().unwrap().to_string(),
                r[params_key]
                    .get("message")
                    .cloned()
                    .unwrap_or(serde_json::Value::Null),
            )
        })
        .collect()
}

#[test]
fn lookups_give_puppets_values() {
    let ours = ours(&env_dir());
    assert_eq!(ours.len(), 20, "{ours:#?}");
    // Facts of our own: YAML 1.1 and the levels, whatever Puppet says.
    assert_eq!(ours["mode"], serde_json::json!(420));
    assert_eq!(
        ours["ports unique"],
        serde_json::json!([80, 443, 5432, 8080, 22])
    );
    same_as_puppet(&env_dir(), &ours);
}

/// A regression test for the per-compile memo of resolved hierarchies: a path that reads
/// a variable of the calling scope is resolved again for every lookup, one that reads only
/// facts may be kept.
#[test]
fn hierarchy_paths_follow_the_calling_scope() {
    let env = named_env("hiera-scope-env");
    let ours = ours(&env);
    let n = |v: i64| serde_json::json!(v);
    assert_eq!(ours["top before the assignment"], n(1));
    assert_eq!(ours["gold"], n(100));
    assert_eq!(ours["silver"], n(50));
    assert_eq!(ours["plain"], n(10));
    assert_eq!(ours["top after the assignment"], n(10));
    same_as_puppet(&env, &ours);
}

/// The notify messages of `env`'s catalog, compiled by converge.
fn ours(env: &Path) -> IndexMap<String, serde_json::Value> {
    let c = compile(&options_for(env.to_path_buf()));
    let cat = c.catalog.unwrap_or_else(|| panic!("{:#?}", c.diagnostics));
    messages(
        &serde_json::from_str(&cat.to_json()).unwrap(),
        "type",
        "params",
    )
}

/// Puppet's compiler gives `env`'s notifies the messages converge gave them.
fn same_as_puppet(env: &Path, ours: &IndexMap<String, serde_json::Value>) {
    let ok = Command::new("ruby")
        .args(["-e", "require 'puppet'"])
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        ok,
        "Puppet 7 is needed to check Hiera against it: apt-get install puppet"
    );
    let out = Command::new("ruby")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/support/puppet_compile.rb"))
        .arg(env)
        .arg("")
        .arg("host-1")
        .arg(env.join("facts.json"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let puppet: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let theirs = messages(&puppet, "type", "parameters");
    for (k, v) in &theirs {
        assert_eq!(
            ours.get(k),
            Some(v),
            "lookup '{k}': converge {:?}, Puppet {v}",
            ours.get(k)
        );
    }
    assert_eq!(ours.len(), theirs.len());
}

#[test]
fn explanations() {
    let env = env_dir();
    let mut out = String::new();
    for (key, merge) in [
        ("settings", None),
        ("ports", Some("unique")),
        ("role", None),
        ("owner", None),
        ("json_only.nested.1", None),
        ("lookup_options", None),
    ] {
        let merge = merge.map(|m| Value::String(m.into()));
        let o = lookup(options(), &[key.to_string()], merge.as_ref(), true);
        assert!(o.diagnostics.is_empty(), "{key}: {:#?}", o.diagnostics);
        out.push_str(&format!("== {key} ({merge:?}) => {:?}\n", o.value));
        out.push_str(
            &o.explanation
                .unwrap_or_default()
                .replace(&env.display().to_string(), "<env>"),
        );
    }
    insta::assert_snapshot!(out);
}

#[test]
fn hiera_errors_are_located() {
    let dir = tempfile_dir();
    std::fs::create_dir_all(dir.join("data")).unwrap();
    std::fs::write(
        dir.join("hiera.yaml"),
        "version: 5\nhierarchy:\n  - name: common\n    path: \"%{facts.os..family}.yaml\"\n",
    )
    .unwrap();
    let mut o = options();
    o.environment = Some(dir.clone());
    let r = lookup(o, &["x".into()], None, false);
    let d = &r.diagnostics[0];
    let l = d.location.as_ref().unwrap();
    assert_eq!((l.line, l.column), (4, 12), "{d:?}");
    assert!(d.message.contains("Syntax error"), "{d:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}

fn tempfile_dir() -> PathBuf {
    let d = std::env::temp_dir().join(format!("converge-hiera-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}
