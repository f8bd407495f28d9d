//! Data-driven conformance tests in a temporary directory: each `tests/data/apply/*.json`
//! sets up files, declares resources (paths start with `@`, the temp dir) and lists the paths
//! to watch. [`converge_providers::conformance::check`] runs the whole suite on it (dry run
//! writes nothing, apply does what the dry run showed, the prediction is right, a second run
//! changes nothing); the planned changes and diffs are snapshotted.

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

fn new_cx(root: &Path) -> Context {
    let mut cx = Context::new();
    cx.backup_root = root.join(".backup");
    cx.run_id = "run".into();
    cx.module_path = vec![root.join("modules")];
    cx
}

#[test]
fn apply_data() {
    insta::glob!("data/apply/*.json", |path| {
        let case: Json = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("t");
        std::fs::create_dir(&root).unwrap();
        let rs = root.display().to_string();
        setup(
            &root,
            case["setup"].as_array().map(Vec::as_slice).unwrap_or(&[]),
        );
        let resources: Vec<Resource> = case["resources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|j| {
                let j = subst(j, &rs);
                let mut r =
                    Resource::new(j["type"].as_str().unwrap(), j["title"].as_str().unwrap());
                if let Some(p) = j.get("params").and_then(Json::as_object) {
                    for (k, v) in p {
                        let v: Value = serde_json::from_value(v.clone()).unwrap();
                        r.params.insert(k.clone(), v);
                    }
                }
                r
            })
            .collect();
        let watch: Vec<_> = case["watch"]
            .as_array()
            .map(|a| a.iter().map(|w| root.join(w.as_str().unwrap())).collect())
            .unwrap_or_default();
        let mk = || new_cx(&root);
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
