//! What a compilation read of facts and the node name (`Compiled::fact_reads`), which the
//! fleet uses to give one catalog to every node that agrees on it.
//!
//! The property that makes sharing safe: whenever another node's inputs *agree* with what a
//! compilation read, compiling for that node gives the same catalog, messages and
//! diagnostics. It is checked over every manifest of `data/ok` and `data/err` against nodes
//! that differ from `data/facts.json` in one way each. Then the cases that must share (or
//! must not) are named one by one.

use converge_catalog::{Catalog, Value};
use converge_lang::{compile, CompileOptions, Compiled};
use indexmap::IndexMap;
use std::path::{Path, PathBuf};

fn base_facts() -> IndexMap<String, Value> {
    let text = std::fs::read_to_string("tests/data/facts.json").expect("facts.json");
    match serde_json::from_str::<Value>(&text).expect("facts.json is JSON") {
        Value::Hash(h) => h,
        _ => panic!("facts.json must be an object"),
    }
}

/// Sets `path` (dotted) in `facts`, creating hashes on the way; `None` removes it.
fn set(facts: &mut IndexMap<String, Value>, path: &str, v: Option<Value>) {
    let keys: Vec<&str> = path.split('.').collect();
    let mut map = facts;
    for k in &keys[..keys.len() - 1] {
        let entry = map
            .entry((*k).to_string())
            .or_insert_with(|| Value::Hash(IndexMap::new()));
        if !matches!(entry, Value::Hash(_)) {
            *entry = Value::Hash(IndexMap::new());
        }
        let Value::Hash(h) = entry else {
            unreachable!()
        };
        map = h;
    }
    let last = keys[keys.len() - 1].to_string();
    match v {
        Some(v) => {
            map.insert(last, v);
        }
        None => {
            map.shift_remove(&last);
        }
    }
}

fn s(v: &str) -> Option<Value> {
    Some(Value::String(v.into()))
}

/// Another node: `web-02` with its own hostname, address and MAC; or one fact changed.
fn variants() -> Vec<(&'static str, String, IndexMap<String, Value>)> {
    let base = base_facts();
    let with = |changes: &[(&str, Option<Value>)]| {
        let mut f = base.clone();
        for (p, v) in changes {
            set(&mut f, p, v.clone());
        }
        f
    };
    let web02 = [
        ("hostname", s("web-02")),
        ("fqdn", s("web-02.example.com")),
        ("networking.hostname", s("web-02")),
        ("networking.fqdn", s("web-02.example.com")),
        ("networking.ip", s("10.0.0.12")),
        ("networking.mac", s("52:54:00:00:00:12")),
    ];
    vec![
        ("same node", "web-01".into(), base.clone()),
        ("web-02", "web-02".into(), with(&web02)),
        ("web-02, lb-01's node name", "lb-01".into(), with(&web02)),
        (
            "another OS family",
            "web-01".into(),
            with(&[("os.family", s("RedHat"))]),
        ),
        (
            "another address",
            "web-01".into(),
            with(&[("networking.ip", s("10.9.9.9"))]),
        ),
        ("no os fact", "web-01".into(), with(&[("os", None)])),
        (
            "os is a string",
            "web-01".into(),
            with(&[("os", s("linux"))]),
        ),
        ("a new fact", "web-01".into(), with(&[("role", s("db"))])),
        (
            "a node in a domain",
            "db-07.example.com".into(),
            with(&web02),
        ),
    ]
}

fn compile_for(path: &Path, node: &str, facts: &IndexMap<String, Value>) -> Compiled {
    compile(&CompileOptions {
        manifest: path.to_path_buf(),
        code: None,
        modulepath: vec!["tests/data/modules".into()],
        hiera_config: None,
        environment: None,
        facts: facts.clone(),
        node_name: node.into(),
        strict_variables: false,
    })
}

/// What a node gets from a compile, its name aside (the fleet names each node's copy).
fn outcome(c: &Compiled) -> String {
    let named = |cat: &Option<Catalog>| {
        cat.clone().map(|mut c| {
            c.node.clear();
            c.to_json()
        })
    };
    format!(
        "{:?}\n{:?}\n{:?}\n{:?}",
        named(&c.catalog),
        named(&c.partial),
        c.diagnostics,
        c.log
    )
}

fn manifests() -> Vec<PathBuf> {
    let mut all = Vec::new();
    for dir in ["tests/data/ok", "tests/data/err"] {
        for e in std::fs::read_dir(dir).expect(dir) {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "pp") {
                all.push(p);
            }
        }
    }
    all.sort();
    assert!(all.len() > 50, "the corpus is there: {}", all.len());
    all
}

#[test]
fn a_node_that_agrees_with_what_was_read_gets_the_same_catalog() {
    let base = base_facts();
    let mut shared = 0;
    let mut checked = 0;
    for path in manifests() {
        let first = compile_for(&path, "web-01", &base);
        assert!(
            first.fact_reads.agrees(&base, "web-01"),
            "{}: a node agrees with itself",
            path.display()
        );
        for (what, node, facts) in variants() {
            checked += 1;
            if !first.fact_reads.agrees(&facts, &node) {
                continue;
            }
            shared += 1;
            let second = compile_for(&path, &node, &facts);
            assert_eq!(
                outcome(&first),
                outcome(&second),
                "{} for {what}: agreed on {:?}, yet compiled differently",
                path.display(),
                first.fact_reads.paths().collect::<Vec<_>>()
            );
        }
    }
    // The check above means something only if sharing happens often.
    assert!(
        shared * 3 > checked,
        "{shared} of {checked} compiles would be shared"
    );
}

fn reads_of(code: &str) -> Compiled {
    compile(&CompileOptions {
        manifest: "site.pp".into(),
        code: Some(code.into()),
        facts: base_facts(),
        node_name: "web-01".into(),
        ..Default::default()
    })
}

#[test]
fn sharing_follows_exactly_the_facts_a_manifest_reads() {
    let base = base_facts();
    let web02 = &variants()[1].2;
    let redhat = &variants()[3].2;
    // (manifest, shared with web-02, shared with a RedHat web-01)
    let cases: &[(&str, bool, bool)] = &[
        // Reads nothing from the node.
        ("file { '/etc/motd': content => 'hi' }", true, true),
        // One structured path, whatever else differs.
        (
            "file { '/etc/motd': content => $facts['os']['family'] }",
            true,
            false,
        ),
        ("file { '/etc/motd': content => $::osfamily }", true, false),
        (
            "file { '/etc/motd': content => \"${facts['os']['family']}\" }",
            true,
            false,
        ),
        (
            "if $facts['os']['family'] == 'Debian' { notice('deb') }",
            true,
            false,
        ),
        // The hostname, in any spelling.
        (
            "file { '/etc/motd': content => $facts['networking']['hostname'] }",
            false,
            true,
        ),
        (
            "file { '/etc/motd': content => \"${hostname}\" }",
            false,
            true,
        ),
        ("file { '/etc/motd': content => $::fqdn }", false, true),
        // The whole hash, the node name: nothing is shared.
        (
            "$f = $facts\nfile { '/etc/motd': content => $f['os']['family'] }",
            false,
            false,
        ),
        (
            "file { '/etc/motd': content => $trusted['certname'] }",
            false,
            true,
        ),
        ("file { '/etc/motd': content => $clientcert }", false, true),
        // Node definitions: `default` is shared by every name that matches no other one.
        (
            "node 'lb-01' { }\nnode default { file { '/etc/motd': content => 'web' } }",
            true,
            true,
        ),
        (
            "node 'web-01', 'web-02' { file { '/etc/motd': content => 'web' } }",
            false,
            true,
        ),
        (
            "node /^web/ { file { '/etc/motd': content => 'web' } }",
            false,
            true,
        ),
        // A variable that is not a fact here would be one on a node that has it.
        ("notice(\"${role}\")", true, true),
    ];
    for (code, with_web02, with_redhat) in cases {
        let c = reads_of(code);
        assert!(c.catalog.is_some(), "{code}: {:?}", c.diagnostics);
        assert_eq!(
            c.fact_reads.agrees(web02, "web-02"),
            *with_web02,
            "{code} shared with web-02 (read {:?})",
            c.fact_reads.paths().collect::<Vec<_>>()
        );
        assert_eq!(
            c.fact_reads.agrees(redhat, "web-01"),
            *with_redhat,
            "{code} shared with a RedHat web-01"
        );
        assert!(c.fact_reads.agrees(&base, "web-01"), "{code}");
    }
    let mut db = base.clone();
    set(&mut db, "role", s("db"));
    assert!(
        !reads_of("notice(\"${role}\")")
            .fact_reads
            .agrees(&db, "web-01"),
        "a node that has the fact the manifest missed compiles on its own"
    );
    let web03 = reads_of("node 'lb-01' { }\nnode default { }");
    assert!(
        !web03.fact_reads.agrees(&base, "lb-01"),
        "lb-01 matches its own node definition, not default"
    );
}
