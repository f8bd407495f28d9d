//! File-specific promises beyond the data-driven cases: failed validation keeps the old file,
//! backups restore and stay as private as what they back up, no temp file outlives a failed
//! write, and a file whose creator is pending is reported as pending.

use converge_catalog::{Resource, Value};
use converge_providers::{conformance, fsutil, plan_resource, provider_for, Context};
use std::os::unix::fs::{MetadataExt, PermissionsExt};

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
fn an_owner_a_pending_package_may_add_is_pending_not_failed() {
    // haproxy's File[/var/lib/haproxy] is owned by the user Package[haproxy] adds: a dry
    // run on a fresh host reported it failed.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("haproxy").display().to_string();
    let r = file(
        &path,
        &[
            ("ensure", "directory".into()),
            ("owner", "converge-no-such-user".into()),
        ],
    );
    let mut cx = cx_in(dir.path());
    let err = plan_resource(provider_for("file").unwrap(), &r, &mut cx).unwrap_err();
    assert!(err.to_string().contains("Could not find user"), "{err}");
    cx.add_pending_creator("Package[haproxy]".into());
    let (st, changes) = plan_resource(provider_for("file").unwrap(), &r, &mut cx).unwrap();
    assert_eq!(st.pending_on.as_deref(), Some("Package[haproxy]"));
    assert_eq!(changes[0].message, "created");
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

#[test]
fn a_backup_keeps_the_mode_and_owner_of_a_private_file_in_a_root_only_directory() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("secret.key");
    std::fs::write(&p, "old secret\n").unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
    std::os::unix::fs::chown(&p, Some(65534), Some(65534)).unwrap();
    // A backup root left readable by an older converge is made private again.
    std::fs::create_dir(dir.path().join("backup")).unwrap();
    std::fs::set_permissions(
        dir.path().join("backup"),
        std::fs::Permissions::from_mode(0o755),
    )
    .unwrap();
    let r = file(
        &p.display().to_string(),
        &[("content", Value::Sensitive(Box::new("new secret\n".into())))],
    );
    let prov = provider_for("file").unwrap();
    let mut cx = cx_in(dir.path());
    let (_, changes) = plan_resource(prov, &r, &mut cx).unwrap();
    prov.apply(&r, &changes, &mut cx).unwrap();
    let saved = dir
        .path()
        .join("backup/20261124T000000Z")
        .join(p.strip_prefix("/").unwrap());
    let md = std::fs::metadata(&saved).unwrap();
    assert_eq!(md.permissions().mode() & 0o7777, 0o600, "the backup's mode");
    assert_eq!((md.uid(), md.gid()), (65534, 65534), "the backup's owner");
    let root_mode = std::fs::metadata(dir.path().join("backup"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(root_mode & 0o777, 0o700, "the backup root is root's alone");
    // The replaced file kept its mode and owner too, and restoring keeps them.
    let now = std::fs::metadata(&p).unwrap();
    assert_eq!(
        (now.permissions().mode() & 0o777, now.uid()),
        (0o600, 65534)
    );
    fsutil::restore(&dir.path().join("backup"), "20261124T000000Z").unwrap();
    let back = std::fs::metadata(&p).unwrap();
    assert_eq!(std::fs::read_to_string(&p).unwrap(), "old secret\n");
    assert_eq!(
        (back.permissions().mode() & 0o777, back.uid()),
        (0o600, 65534)
    );
}

#[test]
fn a_write_through_a_planted_parent_symlink_is_refused_and_touches_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let share = dir.path().join("share");
    let etc = dir.path().join("etc");
    std::fs::create_dir(&share).unwrap();
    std::fs::create_dir(&etc).unwrap();
    std::fs::write(etc.join("shadow"), "root:hash\n").unwrap();
    std::fs::set_permissions(&share, std::fs::Permissions::from_mode(0o777)).unwrap();
    std::os::unix::fs::symlink(&etc, share.join("conf")).unwrap();
    let target = share.join("conf/shadow");
    let r = file(
        &target.display().to_string(),
        &[("content", "owned\n".into())],
    );
    let prov = provider_for("file").unwrap();
    let mut cx = cx_in(dir.path());
    let err = plan_resource(prov, &r, &mut cx).unwrap_err().to_string();
    assert!(
        err.contains(&format!(
            "refusing to follow the symbolic link {}",
            share.join("conf").display()
        )),
        "{err}"
    );
    // Even a caller that skips inspection cannot write through it.
    let spec = fsutil::WriteSpec {
        mode: 0o644,
        ..Default::default()
    };
    let err = fsutil::atomic_write(&target, b"owned\n", &spec, &mut cx)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("refusing to follow the symbolic link"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(etc.join("shadow")).unwrap(),
        "root:hash\n"
    );
    assert_eq!(
        std::fs::read_dir(&etc).unwrap().count(),
        1,
        "no temp file left"
    );
}

#[test]
fn a_failed_write_leaves_no_temp_file_and_the_old_content() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("conf");
    std::fs::write(&p, "old\n").unwrap();
    let mut cx = cx_in(dir.path());
    // A validator that says no fails the write after the temp file was filled and named.
    let spec = fsutil::WriteSpec {
        mode: 0o644,
        validate_cmd: Some("/bin/false %"),
        ..Default::default()
    };
    assert!(fsutil::atomic_write(&p, b"new\n", &spec, &mut cx).is_err());
    assert_eq!(std::fs::read_to_string(&p).unwrap(), "old\n");
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("conf")]);
}
