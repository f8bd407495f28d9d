//! The command-running providers (package, service, user, group, exec) checked against a
//! recording fake runner: which commands they run, in which order, and what they conclude
//! from exit codes, without touching this machine. The same providers run for real in fresh
//! hosts.

use converge_catalog::{Resource, Value};
use converge_providers::context::{Cmd, Guards, Output, Runner};
use converge_providers::{
    plan_resource, provider_for, Context, Event, EventKind, InitSystem, ProviderError,
};
use std::sync::{Arc, Mutex};

/// Answers each command with the first scripted reply whose key is a prefix of its command
/// line (exit 0 and no output otherwise) and records what ran.
#[derive(Clone, Default)]
struct Fake {
    log: Arc<Mutex<Vec<String>>>,
    replies: Arc<Vec<(String, Output)>>,
}

impl Runner for Fake {
    fn run(&mut self, cmd: &Cmd) -> Result<Output, ProviderError> {
        let line = cmd.display();
        self.log.lock().unwrap().push(line.clone());
        Ok(self
            .replies
            .iter()
            .find(|(k, _)| line.starts_with(k.as_str()))
            .map(|(_, o)| o.clone())
            .unwrap_or(Output {
                code: Some(0),
                ..Default::default()
            }))
    }
}

fn out(code: i32, stdout: &str) -> Output {
    Output {
        code: Some(code),
        stdout: stdout.into(),
        ..Default::default()
    }
}

fn cx_with(
    dir: &std::path::Path,
    replies: Vec<(&str, Output)>,
) -> (Context, Arc<Mutex<Vec<String>>>) {
    let fake = Fake {
        log: Arc::default(),
        replies: Arc::new(
            replies
                .into_iter()
                .map(|(k, o)| (k.to_string(), o))
                .collect(),
        ),
    };
    let log = fake.log.clone();
    let mut cx = Context::new().with_runner(Box::new(fake));
    cx.dpkg_status_path = dir.join("status");
    cx.etc_dir = dir.to_path_buf();
    cx.initd_dir = dir.join("init.d");
    (cx, log)
}

fn res(ty: &str, title: &str, params: &[(&str, Value)]) -> Resource {
    let mut r = Resource::new(ty, title);
    for (k, v) in params {
        r.params.insert(k.to_string(), v.clone());
    }
    r
}

fn converge(r: &Resource, cx: &mut Context) -> Result<Vec<String>, ProviderError> {
    let p = provider_for(&r.type_name).unwrap();
    let (_, changes) = plan_resource(p, r, cx)?;
    let events = p.apply(r, &changes, cx)?;
    Ok(events.iter().map(|e| e.message.clone()).collect())
}

const STATUS: &str = "Package: nginx\nStatus: install ok installed\nVersion: 1.22.1-9\n\n\
Package: vim-tiny\nStatus: hold ok installed\nVersion: 9.0\n\n\
Package: apache2\nStatus: deinstall ok config-files\nVersion: 2.4.62-1\n";

#[test]
fn package_state_comes_from_one_read_of_dpkg_status() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("status"), STATUS).unwrap();
    let (mut cx, log) = cx_with(dir.path(), vec![]);
    let nginx = res("package", "nginx", &[("ensure", "installed".into())]);
    let curl = res("package", "curl", &[]);
    let apache = res("package", "apache2", &[("ensure", "purged".into())]);
    let p = provider_for("package").unwrap();
    assert!(plan_resource(p, &nginx, &mut cx).unwrap().1.is_empty());
    let (_, c) = plan_resource(p, &curl, &mut cx).unwrap();
    assert_eq!(c[0].message, "created");
    let (_, c) = plan_resource(p, &apache, &mut cx).unwrap();
    assert_eq!(c[0].message, "purged");
    assert!(
        log.lock().unwrap().is_empty(),
        "inspecting ran {:?}",
        log.lock().unwrap()
    );
}

#[test]
fn package_commands_are_non_interactive_and_keep_conffiles() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("status"), STATUS).unwrap();
    let (mut cx, log) = cx_with(
        dir.path(),
        vec![(
            "/usr/bin/apt-cache policy -- nginx",
            out(
                0,
                "nginx:\n  Installed: 1.22.1-9\n  Candidate: 1.22.1-9+deb12u1\n",
            ),
        )],
    );
    assert_eq!(
        converge(&res("package", "curl", &[]), &mut cx).unwrap(),
        ["created"]
    );
    assert_eq!(
        converge(
            &res("package", "nginx", &[("ensure", "latest".into())]),
            &mut cx
        )
        .unwrap(),
        ["ensure changed '1.22.1-9' to '1.22.1-9+deb12u1'"]
    );
    assert_eq!(
        converge(
            &res("package", "nginx", &[("ensure", "absent".into())]),
            &mut cx
        )
        .unwrap(),
        ["removed"]
    );
    let (a, b) = (
        res("package", "a", &[]),
        res("package", "b", &[("ensure", "1.0".into())]),
    );
    let pa = plan_resource(provider_for("package").unwrap(), &a, &mut cx)
        .unwrap()
        .1;
    let pb = plan_resource(provider_for("package").unwrap(), &b, &mut cx)
        .unwrap()
        .1;
    let events =
        converge_providers::package::apply_batch(&[(&a, &pa), (&b, &pb)], &mut cx).unwrap();
    assert_eq!(
        events,
        [
            vec![Event::from_change(&pa[0], EventKind::Changed)],
            vec![Event::from_change(&pb[0], EventKind::Changed)]
        ]
    );
    let opts = res(
        "package",
        "vim",
        &[
            (
                "install_options",
                Value::Array(vec!["--no-install-recommends".into()]),
            ),
            ("configfiles", "replace".into()),
        ],
    );
    assert_eq!(converge(&opts, &mut cx).unwrap(), ["created"]);
    let log = log.lock().unwrap();
    assert_eq!(
        *log,
        [
            "/usr/bin/apt-get -q -y -o DPkg::Options::=--force-confold -o DPkg::Lock::Timeout=120 install curl",
            "/usr/bin/apt-cache policy -- nginx",
            "/usr/bin/apt-get -q -y -o DPkg::Options::=--force-confold -o DPkg::Lock::Timeout=120 install nginx=1.22.1-9+deb12u1",
            "/usr/bin/apt-get -q -y -o DPkg::Options::=--force-confold -o DPkg::Lock::Timeout=120 remove nginx",
            "/usr/bin/apt-get -q -y -o DPkg::Options::=--force-confold -o DPkg::Lock::Timeout=120 install a b=1.0",
            "/usr/bin/apt-get -q -y -o DPkg::Options::=--force-confold -o DPkg::Lock::Timeout=120 --no-install-recommends -o DPkg::Options::=--force-confnew install vim",
        ]
    );
}

#[test]
fn an_interrupted_dpkg_is_repaired_once_before_the_first_package_change_and_said() {
    let dir = tempfile::tempdir().unwrap();
    // haproxy was being configured when its dpkg was killed.
    let status = format!(
        "{STATUS}\nPackage: haproxy\nStatus: install ok half-configured\nVersion: 2.6.12-1\n"
    );
    std::fs::write(dir.path().join("status"), status).unwrap();
    let (mut cx, log) = cx_with(dir.path(), vec![]);
    assert_eq!(
        converge(&res("package", "haproxy", &[]), &mut cx).unwrap(),
        ["created"]
    );
    assert_eq!(
        converge(&res("package", "curl", &[]), &mut cx).unwrap(),
        ["created"]
    );
    assert_eq!(
        *log.lock().unwrap(),
        [
            "/usr/bin/dpkg --configure -a --force-confold",
            "/usr/bin/apt-get -q -y -o DPkg::Options::=--force-confold -o DPkg::Lock::Timeout=120 -f install",
            "/usr/bin/apt-get -q -y -o DPkg::Options::=--force-confold -o DPkg::Lock::Timeout=120 install haproxy",
            "/usr/bin/apt-get -q -y -o DPkg::Options::=--force-confold -o DPkg::Lock::Timeout=120 install curl",
        ],
        "repaired once, before the first change"
    );
    assert!(
        cx.warnings
            .iter()
            .any(|w| w.contains("dpkg was interrupted")
                && w.contains("haproxy (half-configured)")
                && w.contains("dpkg --configure -a")),
        "{:?}",
        cx.warnings
    );
}

#[test]
fn init_script_service_start_enable_and_refresh() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("init.d")).unwrap();
    std::fs::write(dir.path().join("init.d/nginx"), "#!/bin/sh\n").unwrap();
    let (mut cx, log) = cx_with(
        dir.path(),
        vec![
            ("/usr/sbin/service nginx status", out(3, "")),
            (
                "/usr/sbin/invoke-rc.d --quiet --query nginx start",
                out(101, ""),
            ),
        ],
    );
    cx.init = Some(InitSystem::InitScripts);
    let r = res(
        "service",
        "nginx",
        &[("ensure", "running".into()), ("enable", Value::Bool(true))],
    );
    let p = provider_for("service").unwrap();
    let (_, changes) = plan_resource(p, &r, &mut cx).unwrap();
    let msgs: Vec<_> = changes.iter().map(|c| c.message.as_str()).collect();
    assert_eq!(
        msgs,
        [
            "ensure changed 'stopped' to 'running'",
            "enable changed 'false' to 'true'"
        ]
    );
    let events = p.apply(&r, &changes, &mut cx).unwrap();
    assert_eq!(events[0].kind, EventKind::ServiceStarted);
    // Started in this run: a refresh does not restart it again.
    assert!(p.refresh(&r, &mut cx).unwrap().is_empty());
    assert_eq!(
        *log.lock().unwrap(),
        [
            "/usr/sbin/service nginx status",
            "/usr/sbin/invoke-rc.d --quiet --query nginx start",
            "/usr/sbin/service nginx start",
            "/usr/sbin/update-rc.d nginx defaults",
            "/usr/sbin/update-rc.d nginx enable",
        ]
    );
}

#[test]
fn refresh_restarts_only_a_running_service() {
    let dir = tempfile::tempdir().unwrap();
    let (mut cx, log) = cx_with(
        dir.path(),
        vec![("/bin/systemctl is-active -- stopped", out(3, "inactive\n"))],
    );
    cx.init = Some(InitSystem::Systemd);
    let p = provider_for("service").unwrap();
    let running = res("service", "web", &[("ensure", "running".into())]);
    let stopped = res("service", "stopped", &[]);
    assert_eq!(
        p.refresh(&running, &mut cx).unwrap()[0].kind,
        EventKind::Restarted
    );
    assert!(p.refresh(&stopped, &mut cx).unwrap().is_empty());
    assert_eq!(
        *log.lock().unwrap(),
        [
            "/bin/systemctl is-active -- web",
            "/bin/systemctl restart -- web",
            "/bin/systemctl is-active -- stopped",
        ]
    );
}

#[test]
fn missing_init_script_is_pending_behind_a_package_or_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let (mut cx, _) = cx_with(dir.path(), vec![]);
    cx.init = Some(InitSystem::InitScripts);
    let p = provider_for("service").unwrap();
    let r = res("service", "nginx", &[("ensure", "running".into())]);
    let err = p.inspect(&r, &mut cx).unwrap_err();
    assert_eq!(err.to_string(), "Could not find init script for 'nginx'");
    cx.add_pending_creator("Package[nginx]".into());
    let st = p.inspect(&r, &mut cx).unwrap();
    assert_eq!(st.pending_on.as_deref(), Some("Package[nginx]"));
}

#[test]
fn users_and_groups_read_passwd_and_run_useradd() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("passwd"),
        "root:x:0:0:root:/root:/bin/bash\ndeploy:x:1001:1001::/home/deploy:/bin/sh\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("group"),
        "root:x:0:\nwww-data:x:33:\ndeploy:x:1001:\n",
    )
    .unwrap();
    let (mut cx, log) = cx_with(dir.path(), vec![]);
    let deploy = res(
        "user",
        "deploy",
        &[
            ("shell", "/bin/bash".into()),
            ("groups", Value::Array(vec!["www-data".into()])),
        ],
    );
    let msgs = converge(&deploy, &mut cx).unwrap();
    assert_eq!(
        msgs,
        [
            "shell changed '/bin/sh' to '/bin/bash'",
            "groups changed '' to 'www-data'"
        ]
    );
    let app = res(
        "user",
        "app",
        &[
            ("uid", Value::Integer(2000)),
            ("managehome", Value::Bool(true)),
        ],
    );
    assert_eq!(converge(&app, &mut cx).unwrap(), ["created"]);
    let g = res("group", "ops", &[("gid", Value::Integer(3000))]);
    assert_eq!(converge(&g, &mut cx).unwrap(), ["created"]);
    assert!(converge(&res("group", "www-data", &[]), &mut cx)
        .unwrap()
        .is_empty());
    assert_eq!(
        *log.lock().unwrap(),
        [
            "/usr/sbin/usermod -s /bin/bash deploy",
            "/usr/sbin/usermod -a -G www-data deploy",
            "/usr/sbin/useradd -u 2000 -m app",
            "/usr/sbin/groupadd -g 3000 ops",
        ]
    );
}

#[test]
fn exec_guards_are_not_run_in_a_dry_run_by_default() {
    let dir = tempfile::tempdir().unwrap();
    let (mut cx, log) = cx_with(dir.path(), vec![("/usr/bin/test -f /x", out(0, ""))]);
    cx.guards = Guards::Skip;
    let r = res(
        "exec",
        "/usr/bin/apt-get update",
        &[("unless", "/usr/bin/test -f /x".into())],
    );
    let p = provider_for("exec").unwrap();
    let (_, changes) = plan_resource(p, &r, &mut cx).unwrap();
    assert_eq!(
        changes[0].message,
        "would run unless its onlyif/unless guards say otherwise"
    );
    assert!(log.lock().unwrap().is_empty());
    // Applying evaluates the guard, which says the command must not run.
    assert!(p.apply(&r, &changes, &mut cx).unwrap().is_empty());
    assert_eq!(*log.lock().unwrap(), ["/usr/bin/test -f /x"]);
    // In a real run the guard runs while inspecting and the exec is simply in sync.
    cx.guards = Guards::Run;
    assert!(plan_resource(p, &r, &mut cx).unwrap().1.is_empty());
}
