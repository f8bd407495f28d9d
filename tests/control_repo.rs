//! The control repository in `tests/data/control-repo` (roles and profiles, Hiera data with
//! node, OS and common levels, deep merges and lookup_options, and Debian's packaged
//! stdlib, apt and ntp modules) compiles to the same catalog as Puppet 7's compiler gives
//! for web-01, web-02 and lb-01: resource by resource, parameters, containment and
//! relationships, and tags (converge's are a subset of Puppet's: converge does not tag
//! resources with the classes and nodes that declared their class). Puppet is asked in
//! one Ruby process (`tests/support/puppet_compile.rb`), changing nothing on the machine;
//! `converge lookup --explain` is checked against `puppet lookup --explain` the same way.

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

const NODES: &[&str] = &["web-01", "web-02", "lb-01"];

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/data")
        .join(name)
        .canonicalize()
        .unwrap_or_else(|e| panic!("tests/data/{name}: {e}"))
}

fn repo() -> PathBuf {
    data("control-repo")
}

/// The Forge-style site (`manifests/forge`): the reference stack on Debian's packaged
/// puppetlabs modules; its nodes' facts are in tests/data/forge-facts.
fn forge_site() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../manifests/forge")
        .canonicalize()
        .expect("manifests/forge")
}

/// Where the packaged modules are; the control repository's own come first.
fn modulepath(dir: &Path) -> String {
    format!(
        "{}:/etc/puppet/code/modules:/usr/share/puppet/modules",
        dir.join("site-modules").display()
    )
}

/// Puppet must be there: CI installs it (`.ci/run`); a missing Puppet fails the test.
fn require_puppet(modules: &[&str]) {
    let ok = Command::new("ruby")
        .args(["-e", "require 'puppet'"])
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        ok,
        "Puppet 7 is needed to check the control repository against it: apt-get install puppet puppet-module-puppetlabs-{{stdlib,apt,ntp}}"
    );
    for m in modules {
        assert!(
            Path::new("/usr/share/puppet/modules").join(m).is_dir(),
            "Debian's puppet-module-puppetlabs-{m} is needed"
        );
    }
}

fn json(out: std::process::Output, what: &str) -> Value {
    assert!(
        out.status.success(),
        "{what} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{what}: not JSON: {e}"))
}

fn puppet_catalog(dir: &Path, facts: &Path, node: &str) -> Value {
    let out = Command::new("ruby")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/support/puppet_compile.rb"))
        .arg(dir)
        .arg(modulepath(dir))
        .arg(node)
        .arg(facts.join(format!("{node}.json")))
        .output()
        .expect("ruby runs");
    json(out, &format!("Puppet's compile of {node}"))
}

fn converge_catalog(dir: &Path, facts: &Path, node: &str) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_converge"))
        .current_dir(dir)
        .args(["catalog", "manifests/site.pp", "--node", node, "--facts"])
        .arg(facts.join(format!("{node}.json")))
        .arg("--modulepath")
        .arg(modulepath(dir))
        .output()
        .expect("converge runs");
    json(out, &format!("converge's compile of {node}"))
}

/// A catalog reduced to what both engines must agree on.
#[derive(Debug, Default, PartialEq)]
struct Normal {
    /// `Type[title]` → parameters (relationship metaparameters and `undef`s left out;
    /// sensitive values marked).
    params: BTreeMap<String, BTreeMap<String, String>>,
    /// (from, to, before|notify).
    relationships: BTreeSet<(String, String, String)>,
    /// resource → its container (none for top-level classes and main's resources).
    containers: BTreeMap<String, String>,
    tags: BTreeMap<String, BTreeSet<String>>,
}

/// Puppet's implicit resources, which converge does not make.
fn implicit(r: &str) -> bool {
    r == "Stage[main]" || r == "Class[Settings]" || r == "Class[main]" || r.starts_with("Node[")
}

fn refs(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => vec![s.clone()],
        Value::Array(a) => a.iter().flat_map(refs).collect(),
        _ => Vec::new(),
    }
}

fn add_rel(n: &mut Normal, kind: &str, me: &str, other: &str) {
    let (from, to, k) = match kind {
        "before" => (me, other, "before"),
        "notify" => (me, other, "notify"),
        "require" => (other, me, "before"),
        _ => (other, me, "notify"),
    };
    n.relationships
        .insert((from.to_string(), to.to_string(), k.to_string()));
}

fn normal_puppet(c: &Value) -> Normal {
    let mut n = Normal::default();
    for r in c["resources"].as_array().expect("resources") {
        let key = format!(
            "{}[{}]",
            r["type"].as_str().unwrap(),
            r["title"].as_str().unwrap()
        );
        if implicit(&key) {
            continue;
        }
        let sensitive: Vec<&str> = r["sensitive_parameters"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let mut params = BTreeMap::new();
        if let Some(p) = r["parameters"].as_object() {
            for (k, v) in p {
                if ["before", "notify", "require", "subscribe"].contains(&k.as_str()) {
                    for o in refs(v) {
                        add_rel(&mut n, k, &key, &o);
                    }
                    continue;
                }
                let shown = if sensitive.contains(&k.as_str()) {
                    format!("Sensitive({v})")
                } else {
                    v.to_string()
                };
                params.insert(k.clone(), shown);
            }
        }
        n.params.insert(key.clone(), params);
        let tags = r["tags"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default();
        n.tags.insert(key, tags);
    }
    for e in c["edges"].as_array().expect("edges") {
        let (s, t) = (e["source"].as_str().unwrap(), e["target"].as_str().unwrap());
        if !implicit(s) && !implicit(t) {
            n.containers.insert(t.to_string(), s.to_string());
        }
    }
    n
}

fn normal_converge(c: &Value) -> Normal {
    let mut n = Normal::default();
    for r in c["resources"].as_array().expect("resources") {
        let key = r["ref"].as_str().unwrap().to_string();
        if implicit(&key) {
            continue;
        }
        let mut params = BTreeMap::new();
        if let Some(p) = r["params"].as_object() {
            for (k, v) in p {
                let shown = match v {
                    Value::Object(o)
                        if o.get("__ptype").and_then(Value::as_str) == Some("Sensitive") =>
                    {
                        // converge prints a secret as its salted digest, never in clear.
                        match (
                            o.get("__pvalue"),
                            o.get("__pdigest").and_then(Value::as_str),
                        ) {
                            (Some(v), _) => format!("Sensitive({v})"),
                            (None, Some(d)) => format!("Sensitive(digest {d})"),
                            (None, None) => format!("Sensitive(?) {v}"),
                        }
                    }
                    Value::Null => continue,
                    v => v.to_string(),
                };
                params.insert(k.clone(), shown);
            }
        }
        n.params.insert(key.clone(), params);
        if let Some(parent) = r["container"].as_str() {
            if !implicit(parent) {
                n.containers.insert(key.clone(), parent.to_string());
            }
        }
        let tags = r["tags"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default();
        n.tags.insert(key, tags);
    }
    for e in c["edges"].as_array().expect("edges") {
        if matches!(e["origin"].as_str(), Some("metaparam" | "chain")) {
            n.relationships.insert((
                e["from"].as_str().unwrap().to_string(),
                e["to"].as_str().unwrap().to_string(),
                e["kind"].as_str().unwrap().to_string(),
            ));
        }
    }
    n
}

/// Every difference, one per line.
fn differences(p: &Normal, c: &Normal) -> Vec<String> {
    let mut out = Vec::new();
    for (k, pp) in &p.params {
        match c.params.get(k) {
            None => out.push(format!("{k}: in Puppet's catalog only")),
            Some(cp) => {
                for (a, v) in pp {
                    match cp.get(a) {
                        Some(cv) if cv == v => {}
                        Some(cv) => out.push(format!("{k}/{a}: Puppet {v}, converge {cv}")),
                        None => out.push(format!("{k}/{a}: Puppet {v}, converge has none")),
                    }
                }
                for (a, v) in cp {
                    if !pp.contains_key(a) {
                        out.push(format!("{k}/{a}: converge {v}, Puppet has none"));
                    }
                }
            }
        }
    }
    for k in c.params.keys() {
        if !p.params.contains_key(k) {
            out.push(format!("{k}: in converge's catalog only"));
        }
    }
    for r in p.relationships.symmetric_difference(&c.relationships) {
        let who = if p.relationships.contains(r) {
            "Puppet"
        } else {
            "converge"
        };
        out.push(format!(
            "relationship {} -{}-> {}: {who} only",
            r.0, r.2, r.1
        ));
    }
    for k in p.params.keys() {
        let (pc, cc) = (p.containers.get(k), c.containers.get(k));
        if pc != cc {
            out.push(format!("{k} contained in: Puppet {pc:?}, converge {cc:?}"));
        }
    }
    for (k, ct) in &c.tags {
        if let Some(pt) = p.tags.get(k) {
            let extra: Vec<_> = ct.difference(pt).collect();
            if !extra.is_empty() {
                out.push(format!("{k}: tags {extra:?} are not Puppet's"));
            }
        }
    }
    out
}

/// A secret converge printed as a digest counts as Puppet's value when the digest is of
/// that value (so the comparison holds without converge ever printing a secret).
fn reveal_digests(puppet: &Normal, converge: &mut Normal) {
    for (res, params) in converge.params.iter_mut() {
        for (k, shown) in params.iter_mut() {
            let Some(d) = shown
                .strip_prefix("Sensitive(digest ")
                .and_then(|s| s.strip_suffix(')'))
            else {
                continue;
            };
            let Some(theirs) = puppet.params.get(res).and_then(|p| p.get(k)) else {
                continue;
            };
            let Some(inner) = theirs
                .strip_prefix("Sensitive(")
                .and_then(|s| s.strip_suffix(')'))
            else {
                continue;
            };
            let bytes = match serde_json::from_str::<Value>(inner) {
                Ok(Value::String(s)) => s.into_bytes(),
                Ok(other) => other.to_string().into_bytes(),
                Err(_) => continue,
            };
            if converge_catalog::SecretDigest::parse(d).is_some_and(|g| g.matches(&bytes)) {
                *shown = theirs.clone();
            }
        }
    }
}

/// Compiles `dir`'s site.pp for every node with both engines; fails on any difference
/// but the `known` ones: `(type, parameter)` pairs whose values differ for a reason that
/// docs/puppet-differences.md gives.
fn compiles_to_puppets_catalog(dir: &Path, facts: &Path, known: &[(&str, &str)]) {
    for node in NODES {
        let p = normal_puppet(&puppet_catalog(dir, facts, node));
        let mut c = normal_converge(&converge_catalog(dir, facts, node));
        reveal_digests(&p, &mut c);
        assert!(
            p.params.len() > 30,
            "{node}: Puppet's catalog is too small to mean much"
        );
        let diff: Vec<String> = differences(&p, &c)
            .into_iter()
            .filter(|d| {
                !known.iter().any(|(ty, param)| {
                    d.starts_with(&format!("{ty}[")) && d.contains(&format!("]/{param}: "))
                })
            })
            .collect();
        assert!(
            diff.is_empty(),
            "{node}: converge's catalog differs from Puppet's:\n{}",
            diff.join("\n")
        );
    }
}

#[test]
fn control_repository_compiles_to_puppets_catalog() {
    require_puppet(&["stdlib", "apt", "ntp"]);
    compiles_to_puppets_catalog(&repo(), &repo().join("facts"), &[]);
}

/// The reference stack written on the Forge modules (haproxy, apache, ntp, apt, concat,
/// inifile, stdlib), unchanged from Debian's packages, compiles as Puppet compiles it.
#[test]
fn forge_site_compiles_to_puppets_catalog() {
    require_puppet(&[
        "stdlib", "apt", "ntp", "concat", "inifile", "haproxy", "apache",
    ]);
    // apache's _scriptalias.erb appends to `@scriptaliases` in place, and Puppet's
    // catalog shows the parameter as the template left it; converge's templates get
    // copies, so the parameter stays as declared. The rendered config is the same.
    compiles_to_puppets_catalog(
        &forge_site(),
        &data("forge-facts"),
        &[("Apache::Vhost", "scriptaliases")],
    );
}

/// `converge lookup --explain` prints what `puppet lookup --explain` prints, line for line
/// (paths aside): the same layers, levels and files tried, the same values found, the
/// same merges. Its output is also a snapshot.
#[test]
fn lookup_explain_matches_puppet_lookup() {
    require_puppet(&["stdlib", "apt", "ntp"]);
    let repo = repo();
    // `puppet lookup` finds environments by name in an environment path.
    let tmp = tempfile::tempdir().expect("a temporary directory");
    let envs = tmp.path().join("envs");
    std::fs::create_dir(&envs).unwrap();
    std::os::unix::fs::symlink(&repo, envs.join("production")).unwrap();
    let cases = [
        // lookup_options, a deep merge with merge_hash_arrays, node/OS/common levels.
        ("web-01", "profile::base::users"),
        // Interpolation: lookup() inside data, and $trusted.
        ("web-01", "profile::base::motd_message"),
        // The module layer: ntp's own hiera.yaml and data.
        ("web-02", "ntp::servers"),
        // A JSON level, and a key found nowhere but there.
        ("lb-01", "profile::lb::backends"),
        // A unique merge from lookup_options, with a node level.
        ("lb-01", "profile::base::packages"),
        // A dotted key digging into a hash.
        ("lb-01", "profile::base::users.haproxy-admin.uid"),
    ];
    let mut snapshot = String::new();
    for (node, key) in cases {
        let facts = repo.join(format!("facts/{node}.json"));
        let ours = Command::new(env!("CARGO_BIN_EXE_converge"))
            .args(["lookup", "--explain", "--node", node, "--environment"])
            .arg(&repo)
            .arg("--facts")
            .arg(&facts)
            .arg(key)
            .output()
            .expect("converge runs");
        assert!(
            ours.status.success(),
            "{}",
            String::from_utf8_lossy(&ours.stderr)
        );
        let ours = String::from_utf8_lossy(&ours.stdout).to_string();
        let t = tmp.path();
        let theirs = Command::new("puppet")
            .arg("lookup")
            .args(
                ["--confdir", "--vardir", "--codedir", "--logdir", "--rundir"]
                    .iter()
                    .flat_map(|o| [std::ffi::OsStr::new(o), t.as_os_str()]),
            )
            .arg("--environmentpath")
            .arg(&envs)
            .args([
                "--modulepath",
                &modulepath(&repo),
                "--hiera_config",
                "/etc/puppet/hiera.yaml",
            ])
            .args(["--node", node, "--explain", "--facts"])
            .arg(&facts)
            .arg(key)
            .output()
            .expect("puppet runs");
        assert!(
            theirs.status.success(),
            "{}",
            String::from_utf8_lossy(&theirs.stderr)
        );
        let theirs = String::from_utf8_lossy(&theirs.stdout).replace(
            &envs.join("production").display().to_string(),
            &repo.display().to_string(),
        );
        assert_eq!(
            ours, theirs,
            "{node} {key}: converge lookup --explain differs from puppet lookup --explain"
        );
        snapshot.push_str(&format!("== {node}: {key}\n"));
        snapshot.push_str(&ours.replace(&repo.display().to_string(), "<control-repo>"));
    }
    insta::assert_snapshot!(snapshot);
}
