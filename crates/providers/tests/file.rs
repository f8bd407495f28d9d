//! File-specific promises beyond the data-driven cases: failed validation keeps the old file,
//! backups restore, and a file whose creator is pending is reported as pending.

use converge_catalog::{Resource, Value};
use converge_providers::{conformance, fsutil, plan_resource, provider_for, Context};

fn file(path: &str, params: &[(&str, Value)]) -> Resource {
    let mut r = Resource::new("file", path);
    for (k, v) in params {
        r.params.insert(k.to_string(), v.clone());
    }
    r
}

fn cx_in(dir: &std::path::Path) -> Context {
    let mut cx = Context::new();
    cx.backup_root = dir.join("backup");
    cx.run_id = "20261124T000000Z".into();
    cx
}

#[test]
fn failed_validation_leaves_the_old_file_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("etc");
    std::fs::create_dir(&conf).unwrap();
    let p = conf.join("haproxy.cfg");
    std::fs::write(&p, "good config\n").unwrap();
    let r = file(
        &p.display().to_string(),
        &[
            ("content", "broken config\n".into()),
            ("validate_cmd", "/bin/grep -q good %".into()),
        ],
    );
    let mk = || cx_in(dir.path());
    conformance::check_failed_validation_keeps_file(provider_for("file").unwrap(), &r, &p, &mk)
        .unwrap();
    assert_eq!(std::fs::read_to_string(&p).unwrap(), "good config\n");
}

#[test]
fn replaced_content_is_backed_up_and_restorable() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("motd");
    std::fs::write(&p, "original\n").unwrap();
    let r = file(&p.display().to_string(), &[("content", "managed\n".into())]);
    let prov = provider_for("file").unwrap();
    let mut cx = cx_in(dir.path());
    let (_, changes) = plan_resource(prov, &r, &mut cx).unwrap();
    prov.apply(&r, &changes, &mut cx).unwrap();
    assert_eq!(std::fs::read_to_string(&p).unwrap(), "managed\n");
    let saved = dir
        .path()
        .join("backup/20261124T000000Z")
        .join(p.strip_prefix("/").unwrap());
    assert_eq!(std::fs::read_to_string(&saved).unwrap(), "original\n");
    let restored = fsutil::restore(&dir.path().join("backup"), "20261124T000000Z").unwrap();
    assert_eq!(restored, vec![p.clone()]);
    assert_eq!(std::fs::read_to_string(&p).unwrap(), "original\n");
}

#[test]
fn a_file_a_pending_package_would_create_is_pending_not_failed() {
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("nginx/sites-enabled/default");
    let line = {
        let mut r = Resource::new("file_line", "header");
        r.params
            .insert("path".into(), conf.display().to_string().into());
        r.params
            .insert("line".into(), "add_header X-Served-By web;".into());
        r
    };
    let inner = file(&conf.display().to_string(), &[("content", "x\n".into())]);
    let mut cx = cx_in(dir.path());
    // Without anything pending, both are errors a user must fix.
    assert!(plan_resource(provider_for("file_line").unwrap(), &line, &mut cx).is_err());
    assert!(
        plan_resource(provider_for("file").unwrap(), &inner, &mut cx)
            .unwrap_err()
            .to_string()
            .contains("parent directory")
    );
    cx.add_pending_creator("Package[nginx]".into());
    for r in [&line, &inner] {
        let (st, changes) = plan_resource(provider_for(&r.type_name).unwrap(), r, &mut cx).unwrap();
        assert_eq!(
            st.pending_on.as_deref(),
            Some("Package[nginx]"),
            "{}",
            r.reference()
        );
        assert_eq!(changes.len(), 1);
    }
}

#[test]
fn numeric_owner_and_group_are_compared_by_id() {
    use std::os::unix::fs::MetadataExt;
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("owned");
    std::fs::write(&p, "x").unwrap();
    let md = std::fs::metadata(&p).unwrap();
    let r = file(
        &p.display().to_string(),
        &[
            ("owner", Value::Integer(md.uid().into())),
            ("group", md.gid().to_string().into()),
        ],
    );
    let mut cx = cx_in(dir.path());
    let (_, changes) = plan_resource(provider_for("file").unwrap(), &r, &mut cx).unwrap();
    assert!(changes.is_empty(), "{changes:?}");
}

#[test]
fn an_owner_a_pending_user_change_creates_is_planned_not_failed() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("app.conf");
    std::fs::write(&p, "x").unwrap();
    let r = file(
        &p.display().to_string(),
        &[("owner", "converge-test-nobody".into())],
    );
    let prov = provider_for("file").unwrap();
    let mut cx = cx_in(dir.path());
    let err = plan_resource(prov, &r, &mut cx).unwrap_err();
    assert_eq!(err.to_string(), "Could not find user converge-test-nobody");
    let user = Resource::new("user", "converge-test-nobody");
    let up = provider_for("user").unwrap();
    let (_, changes) = plan_resource(up, &user, &mut cx).unwrap();
    up.predict(&user, &changes, &mut cx);
    let (_, changes) = plan_resource(prov, &r, &mut cx).unwrap();
    assert_eq!(changes.len(), 1);
    assert!(
        changes[0].message.ends_with("to 'converge-test-nobody'"),
        "{}",
        changes[0].message
    );
}
