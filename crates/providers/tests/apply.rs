//! Data-driven conformance tests in a temporary directory: each `tests/data/apply/*.json`
//! sets up files, declares resources (paths start with `@`, the temp dir) and lists the paths
//! to watch. [`converge_providers::conformance::check`] runs the whole suite on it (dry run
//! writes nothing, apply does what the dry run showed, the prediction is right, a second run
//! changes nothing); the planned changes and diffs are snapshotted.
//!
//! [`puppet_leaves_the_same_files`] applies every case made only of the Forge modules' types
//! (concat, inifile, anchor) with Puppet 7 and the modules' own Ruby as well
//! (`tests/oracle/apply.rb`), and compares the files both leave: the snapshots cannot
//! quietly agree with a bug. It needs `ruby`, `puppet` and the Debian packages
//! `puppet-module-puppetlabs-{stdlib,concat,inifile}` (.ci/run installs them).

use converge_catalog::{Resource, Value};
use converge_providers::conformance;
use converge_providers::Context;
use serde_json::Value as Json;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

fn subst(v: &Json, root: &str) -> Json {
    match v {
        Json::String(s) => Json::String(s.replace('@', root)),
        Json::Array(a) => Json::Array(a.iter().map(|x| subst(x, root)).collect()),
        Json::Object(o) => {
            Json::Object(o.iter().map(|(k, x)| (k.clone(), subst(x, root))).collect())
        }
        other => other.clone(),
    }
}

fn setup(root: &Path, entries: &[Json]) {
    for e in entries {
        let p = root.join(e["path"].as_str().unwrap());
        if let Some(t) = e.get("link").and_then(Json::as_str) {
            std::os::unix::fs::symlink(t, &p).unwrap();
        } else if e.get("dir").is_some() {
            std::fs::create_dir_all(&p).unwrap();
            if let Some(m) = e.get("mode").and_then(Json::as_str) {
                let mode = u32::from_str_radix(m, 8).unwrap();
                std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
            }
        } else {
            std::fs::write(&p, e["content"].as_str().unwrap_or("")).unwrap();
            let mode = u32::from_str_radix(e["mode"].as_str().unwrap_or("644"), 8).unwrap();
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
        }
    }
}

fn new_cx(root: &Path, resources: &[Resource]) -> Context {
    let mut cx = Context::new();
    cx.backup_root = root.join(".backup");
    cx.run_id = "run".into();
    cx.module_path = vec![root.join("modules")];
    // Each concat_file gets its fragments from the plan, as the engine hands them over.
    let mut catalog = converge_catalog::Catalog::new("test");
    catalog.resources = resources.to_vec();
    let plan = converge_plan::plan(&catalog).expect("the case plans");
    for (file, fragments) in plan.concat_files() {
        cx.set_fragments(
            resources[file].reference().to_string(),
            fragments.iter().map(|&f| resources[f].clone()).collect(),
        );
    }
    cx
}

/// The case's resources with `@` replaced by `root`.
fn resources_of(case: &Json, root: &str) -> Vec<Resource> {
    case["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| {
            let j = subst(j, root);
            let mut r = Resource::new(j["type"].as_str().unwrap(), j["title"].as_str().unwrap());
            if let Some(p) = j.get("params").and_then(Json::as_object) {
                for (k, v) in p {
                    let v: Value = serde_json::from_value(v.clone()).unwrap();
                    r.params.insert(k.clone(), v);
                }
            }
            r
        })
        .collect()
}

/// A fresh directory `<tmp>/t` with the case's files in it.
fn case_root(tmp: &Path, case: &Json) -> std::path::PathBuf {
    let root = tmp.join("t");
    std::fs::create_dir(&root).unwrap();
    setup(
        &root,
        case["setup"].as_array().map(Vec::as_slice).unwrap_or(&[]),
    );
    root
}

#[test]
fn apply_data() {
    insta::glob!("data/apply/*.json", |path| {
        let case: Json = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let tmp = tempfile::tempdir().unwrap();
        let root = case_root(tmp.path(), &case);
        let rs = root.display().to_string();
        let resources = resources_of(&case, &rs);
        let watch: Vec<_> = case["watch"]
            .as_array()
            .map(|a| a.iter().map(|w| root.join(w.as_str().unwrap())).collect())
            .unwrap_or_default();
        let mk = || new_cx(&root, &resources);
        let mut out = String::new();
        match conformance::check(&resources, &mk, &root, &[], &watch) {
            Ok(reports) => {
                for (r, rep) in resources.iter().zip(reports) {
                    out.push_str(&format!("{}\n", r.reference()));
                    if rep.planned.is_empty() {
                        out.push_str("  (in sync)\n");
                    }
                    for c in rep.planned {
                        out.push_str(&format!("  {}: {}\n", c.property, c.message));
                        if let Some(d) = c.diff {
                            for l in d.lines() {
                                out.push_str(&format!("    |{l}\n"));
                            }
                        }
                    }
                }
            }
            Err(e) => out.push_str(&format!("FAILED: {e}\n")),
        }
        insta::assert_snapshot!(out.replace(&rs, "@"));
    });
}

/// The types whose Ruby the oracle can load from the Debian-packaged modules.
const FORGE_TYPES: &[&str] = &[
    "concat_file",
    "concat_fragment",
    "ini_setting",
    "ini_subsetting",
    "anchor",
];

/// Each watched path's content, or `None` when missing.
fn contents(root: &Path, watch: &[Json]) -> Vec<(String, Option<String>)> {
    watch
        .iter()
        .map(|w| {
            let w = w.as_str().unwrap();
            let c = std::fs::read(root.join(w))
                .ok()
                .map(|b| String::from_utf8_lossy(&b).into_owned());
            (w.to_string(), c)
        })
        .collect()
}

#[test]
fn puppet_leaves_the_same_files() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/apply");
    let mut compared = 0;
    let mut cases: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    cases.sort();
    for path in cases {
        let case: Json = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let types: Vec<&str> = case["resources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["type"].as_str().unwrap())
            .collect();
        if !types.iter().all(|t| FORGE_TYPES.contains(t)) {
            continue;
        }
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let watch = case["watch"].as_array().cloned().unwrap_or_default();
        // converge, as the engine applies: in order, one context for the run.
        let ours = tempfile::tempdir().unwrap();
        let root = case_root(ours.path(), &case);
        let resources = resources_of(&case, &root.display().to_string());
        let mut cx = new_cx(&root, &resources);
        for r in &resources {
            let p = converge_providers::provider_for(&r.type_name).unwrap();
            let (_, changes) = converge_providers::plan_resource(p, r, &mut cx)
                .unwrap_or_else(|e| panic!("{name}: {}: {e}", r.reference()));
            if !changes.is_empty() {
                p.apply(r, &changes, &mut cx)
                    .unwrap_or_else(|e| panic!("{name}: {}: {e}", r.reference()));
            }
        }
        // Puppet, on an identical copy.
        let theirs = tempfile::tempdir().unwrap();
        let proot = case_root(theirs.path(), &case);
        let pcase = subst(&case, &proot.display().to_string());
        let case_file = theirs.path().join("case.json");
        std::fs::write(&case_file, pcase.to_string()).unwrap();
        let vardir = theirs.path().join("var");
        let out = std::process::Command::new("ruby")
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oracle/apply.rb"))
            .arg(&case_file)
            .arg(&vardir)
            .output()
            .expect("ruby runs (install ruby, puppet and puppet-module-puppetlabs-{stdlib,concat,inifile})");
        assert!(
            out.status.success(),
            "{name}: Puppet failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let (a, b) = (contents(&root, &watch), contents(&proot, &watch));
        let differs = case["puppet_differs"].as_str();
        match differs {
            None => assert_eq!(a, b, "{name}: converge (left) and Puppet (right) differ"),
            Some(why) => assert_ne!(
                a, b,
                "{name}: documented as differing ({why}), but Puppet agrees"
            ),
        }
        compared += 1;
    }
    assert!(compared >= 5, "only {compared} cases compared with Puppet");
}
