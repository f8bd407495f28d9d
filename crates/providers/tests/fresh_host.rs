//! The conformance suite run for real inside fresh Debian hosts (crates/testhost), for the
//! providers that install packages, manage services and accounts or edit system files.
//!
//! Each test has two halves in one function. On the machine it starts a host, copies this
//! very test binary in and runs itself there with `CONVERGE_IN_TESTHOST=1` and `--exact
//! <name>`; inside the host, the same function sees the variable and runs the checks against
//! the host's real apt, init scripts or systemd, useradd and /etc. Nothing here ever touches
//! the machine the tests run on. Needs root and the testhost image (built or cached).

use converge_catalog::{Resource, Value};
use converge_providers::conformance::{self, tree_digest};
use converge_providers::{plan_resource, provider_for, Context, EventKind, Guards};
use converge_testhost::{HostKind, Image, Net, Release};
use std::path::{Path, PathBuf};

const INSIDE: &str = "CONVERGE_IN_TESTHOST";

fn inside() -> bool {
    std::env::var_os(INSIDE).is_some()
}

/// Run the test named `name` inside a fresh host of `kind` (of the Debian release
/// `CONVERGE_TEST_RELEASE` names, default 12); panics with its output on failure.
fn in_host(name: &str, kind: HostKind) {
    let image = Image::builder()
        .release(Release::from_env())
        .build()
        .unwrap_or_else(|e| panic!("the testhost image: {e}"));
    let net = Net::new().unwrap_or_else(|e| panic!("a private network: {e}"));
    let host = net.host(&image, "h1", kind).expect("a fresh host");
    let exe = std::env::current_exe().expect("the test binary");
    host.copy_in(&exe, "/usr/local/bin/provider-tests")
        .expect("copy the test binary in");
    let out = host
        .exec(&[
            "/usr/bin/env",
            &format!("{INSIDE}=1"),
            "RUST_BACKTRACE=1",
            "/usr/local/bin/provider-tests",
            "--exact",
            name,
            "--nocapture",
            "--test-threads=1",
        ])
        .expect("run the tests in the host");
    eprintln!("{}{}", out.stdout, out.stderr);
    assert!(
        out.success() && out.stdout.contains("1 passed"),
        "{name} failed inside the host"
    );
}

fn res(ty: &str, title: &str, params: &[(&str, Value)]) -> Resource {
    let mut r = Resource::new(ty, title);
    for (k, v) in params {
        r.params.insert(k.to_string(), v.clone());
    }
    r
}

/// Everything but the kernel's and the run's own trees: what a dry run must not change.
fn skip() -> Vec<PathBuf> {
    [
        "/proc",
        "/sys",
        "/dev",
        "/run",
        "/tmp",
        "/var/tmp",
        "/var/log",
        "/usr/local/bin",
    ]
    .iter()
    .map(PathBuf::from)
    .collect()
}

fn check(resources: &[Resource], watch: &[&str]) {
    let watch: Vec<PathBuf> = watch.iter().map(PathBuf::from).collect();
    let reports = conformance::check(resources, &Context::new, Path::new("/"), &skip(), &watch)
        .unwrap_or_else(|e| panic!("conformance: {e}"));
    for (r, rep) in resources.iter().zip(reports) {
        for c in rep.planned {
            eprintln!("{}/{}: {}", r.reference(), c.property, c.message);
        }
    }
}

fn dpkg_installed(name: &str) -> bool {
    std::process::Command::new("dpkg-query")
        .args(["-W", "-f", "${Status}", name])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout) == "install ok installed")
        .unwrap_or(false)
}

#[test]
fn packages_install_batch_and_remove() {
    if !inside() {
        return in_host("packages_install_batch_and_remove", HostKind::InitScript);
    }
    check(&[res("package", "curl", &[])], &[]);
    check(
        &[res("package", "curl", &[("ensure", "absent".into())])],
        &[],
    );
    assert!(!dpkg_installed("curl"));
    // Two installs in one apt transaction.
    let mut cx = Context::new();
    converge_providers::package::install_many(&["curl".into(), "haproxy".into()], &mut cx).unwrap();
    assert!(dpkg_installed("curl") && dpkg_installed("haproxy"));
    check(
        &[res("package", "haproxy", &[("ensure", "purged".into())])],
        &[],
    );
}

#[test]
fn init_script_service_and_file_line_on_a_real_nginx_config() {
    if !inside() {
        return in_host(
            "init_script_service_and_file_line_on_a_real_nginx_config",
            HostKind::InitScript,
        );
    }
    // Dry run of the whole chain before nginx exists: the file_line and the service are
    // pending on the package, not failures.
    let pkg = res("package", "nginx", &[]);
    let line = res(
        "file_line",
        "served-by",
        &[
            ("path", "/etc/nginx/sites-available/default".into()),
            ("line", "\tadd_header X-Served-By h1;".into()),
            ("after", "server_name _;".into()),
        ],
    );
    let svc = res(
        "service",
        "nginx",
        &[("ensure", "running".into()), ("enable", Value::Bool(true))],
    );
    let before = tree_digest(Path::new("/"), &skip());
    let mut dry = Context::new();
    dry.guards = Guards::Skip;
    for r in [&pkg, &line, &svc] {
        let p = provider_for(&r.type_name).unwrap();
        let (st, changes) = plan_resource(p, r, &mut dry).unwrap();
        if r.type_name != "package" {
            assert_eq!(st.pending_on.as_deref(), Some("Package[nginx]"));
        }
        assert!(!changes.is_empty());
        p.predict(r, &changes, &mut dry);
    }
    assert_eq!(
        before,
        tree_digest(Path::new("/"), &skip()),
        "dry run wrote"
    );

    check(&[pkg], &[]);
    check(&[line], &["/etc/nginx/sites-available/default"]);
    check(std::slice::from_ref(&svc), &[]);
    let status = std::process::Command::new("/usr/sbin/service")
        .args(["nginx", "status"])
        .status()
        .unwrap();
    assert!(status.success(), "nginx runs");
    // A refresh restarts a running service (it was started by an earlier run, not this one).
    let p = provider_for("service").unwrap();
    let events = p.refresh(&svc, &mut Context::new()).unwrap();
    assert_eq!(events[0].kind, EventKind::Restarted);
    check(
        &[res(
            "service",
            "nginx",
            &[("ensure", "stopped".into()), ("enable", Value::Bool(false))],
        )],
        &[],
    );
    // A stopped service is not restarted by a refresh.
    assert!(p.refresh(&svc, &mut Context::new()).unwrap().is_empty());
}

#[test]
fn systemd_service() {
    if !inside() {
        return in_host("systemd_service", HostKind::Systemd);
    }
    // Before nginx is installed, its service is pending on the package in a dry run.
    let mut dry = Context::new();
    dry.add_pending_creator("Package[nginx]".into());
    let svc = res("service", "nginx", &[("ensure", "running".into())]);
    let (st, changes) = plan_resource(provider_for("service").unwrap(), &svc, &mut dry).unwrap();
    assert_eq!(st.pending_on.as_deref(), Some("Package[nginx]"));
    assert_eq!(changes[0].message, "ensure changed 'stopped' to 'running'");
    check(&[res("package", "nginx", &[])], &[]);
    // On systemd the package's postinst already started and enabled it.
    check(
        &[res(
            "service",
            "nginx",
            &[("ensure", "running".into()), ("enable", Value::Bool(true))],
        )],
        &[],
    );
    check(
        &[res(
            "service",
            "nginx",
            &[("ensure", "stopped".into()), ("enable", Value::Bool(false))],
        )],
        &[],
    );
    check(
        &[res(
            "service",
            "nginx",
            &[("ensure", "running".into()), ("enable", Value::Bool(true))],
        )],
        &[],
    );
}

#[test]
fn users_groups_files_and_hosts() {
    if !inside() {
        return in_host("users_groups_files_and_hosts", HostKind::InitScript);
    }
    check(
        &[
            res("group", "ops", &[("gid", Value::Integer(3000))]),
            res(
                "user",
                "deploy",
                &[
                    ("uid", Value::Integer(3001)),
                    ("groups", Value::Array(vec!["ops".into()])),
                    ("home", "/home/deploy".into()),
                    ("managehome", Value::Bool(true)),
                    ("shell", "/bin/bash".into()),
                ],
            ),
            // Owned by the user created just above: the dry run plans it against the
            // predicted account, the real run against the refreshed /etc/passwd.
            res(
                "file",
                "/srv/app",
                &[
                    ("ensure", "directory".into()),
                    ("owner", "deploy".into()),
                    ("group", "ops".into()),
                    ("mode", "0750".into()),
                ],
            ),
            res(
                "file",
                "/srv/app/app.conf",
                &[
                    ("content", "port = 8080\n".into()),
                    ("owner", "deploy".into()),
                    ("mode", "0640".into()),
                ],
            ),
            res(
                "host",
                "db.internal",
                &[("ip", "169.254.9.9".into()), ("host_aliases", "db".into())],
            ),
        ],
        &["/srv/app", "/srv/app/app.conf", "/etc/hosts"],
    );
    check(
        &[
            res("user", "deploy", &[("ensure", "absent".into())]),
            res("group", "ops", &[("ensure", "absent".into())]),
        ],
        &[],
    );
}

#[test]
fn exec_guards_in_a_real_host() {
    if !inside() {
        return in_host("exec_guards_in_a_real_host", HostKind::InitScript);
    }
    check(
        &[res(
            "exec",
            "mark",
            &[
                ("command", "echo done > /root/marker".into()),
                ("unless", "test -f /root/marker".into()),
                ("path", "/usr/bin:/bin".into()),
            ],
        )],
        &[],
    );
    assert!(Path::new("/root/marker").exists());
}

/// Runs real commands and records them, to tell a direct read from a command.
#[derive(Clone, Default)]
struct Recording(std::sync::Arc<std::sync::Mutex<Vec<String>>>);

impl converge_providers::Runner for Recording {
    fn run(
        &mut self,
        cmd: &converge_providers::Cmd,
    ) -> Result<converge_providers::Output, converge_providers::ProviderError> {
        self.0.lock().unwrap().push(cmd.display());
        converge_providers::SystemRunner.run(cmd)
    }
}

/// The service's `ensure` and `enable` as the provider reads them directly, checked against
/// what `service NAME status` and `invoke-rc.d --query` say; and the commands the direct
/// path still ran.
fn state_both_ways(name: &str) -> ((String, String), Vec<String>) {
    let svc = res(
        "service",
        name,
        &[("ensure", "running".into()), ("enable", Value::Bool(true))],
    );
    let p = provider_for("service").unwrap();
    let ran = Recording::default();
    let mut direct = Context::new().with_runner(Box::new(ran.clone()));
    direct.system_root = Some(PathBuf::from("/"));
    let mut by_commands = Context::new();
    by_commands.system_root = None;
    let pair = |st: converge_providers::State| {
        (
            st.get("ensure").unwrap_or("").to_string(),
            st.get("enable").unwrap_or("").to_string(),
        )
    };
    let a = pair(p.inspect(&svc, &mut direct).unwrap());
    let b = pair(p.inspect(&svc, &mut by_commands).unwrap());
    assert_eq!(a, b, "direct read and commands disagree");
    let commands = ran.0.lock().unwrap().clone();
    (a, commands)
}

fn nginx_state_both_ways() -> ((String, String), Vec<String>) {
    state_both_ways("nginx")
}

fn sh(script: &str) {
    let st = std::process::Command::new("/bin/sh")
        .args(["-c", script])
        .status()
        .unwrap();
    assert!(st.success(), "{script}");
}

/// Asserts that `name`'s state is `expected`, read without running any command (and
/// that the commands agree, which `state_both_ways` checks). Debian 11, 12 and 13 ship
/// byte-identical nginx and haproxy init scripts, so this holds on each release
/// (`cargo xtask e2e --release N`), as does the fallback to the commands once a script or
/// its defaults file is edited, which the tests below also show.
fn read_directly(name: &str, expected: (String, String)) {
    let (st, ran) = state_both_ways(name);
    assert_eq!(st, expected, "{name}");
    assert!(ran.is_empty(), "{name}: ran {ran:?}");
}

fn state(ensure: &str, enable: &str) -> (String, String) {
    (ensure.to_string(), enable.to_string())
}

#[test]
fn init_script_service_state_is_read_without_commands_and_agrees_with_them() {
    if !inside() {
        return in_host(
            "init_script_service_state_is_read_without_commands_and_agrees_with_them",
            HostKind::InitScript,
        );
    }
    check(&[res("package", "nginx", &[])], &[]);
    // Installed, not started (no init daemon), enabled by its postinst's links.
    read_directly("nginx", state("stopped", "true"));
    sh("/usr/sbin/service nginx start");
    read_directly("nginx", state("running", "true"));

    // Regression: nginx killed by hand leaves its pid file behind; a stale pid reads as
    // stopped, and converge starts it again.
    sh("for p in /proc/[0-9]*; do \
          [ \"$(cat $p/comm 2>/dev/null)\" = nginx ] && kill -9 ${p#/proc/}; \
        done; \
        n=0; while [ -d /proc/$(cat /run/nginx.pid) ] && [ $n -lt 100 ]; do \
          sleep 0.05; n=$((n+1)); \
        done; \
        test -s /run/nginx.pid");
    read_directly("nginx", state("stopped", "true"));
    sh("rm -f /run/nginx.pid");
    check(
        &[res(
            "service",
            "nginx",
            &[("ensure", "running".into()), ("enable", Value::Bool(true))],
        )],
        &[],
    );
    assert_eq!(nginx_state_both_ways().0, state("running", "true"));

    // The pid file the script reads moves with nginx.conf's `pid`: the old one no longer
    // counts, even though that nginx still runs.
    sh("sed -i 's|^pid /run/nginx.pid;|pid /run/nginx-moved.pid;|' /etc/nginx/nginx.conf");
    read_directly("nginx", state("stopped", "true"));
    sh("cp /run/nginx.pid /run/nginx-moved.pid");
    assert_eq!(nginx_state_both_ways().0, state("running", "true"));

    // Disabled by hand: the start links become stop links.
    sh("update-rc.d nginx disable >/dev/null 2>&1");
    read_directly("nginx", state("running", "false"));

    // Anything converge cannot emulate exactly is asked of the commands: a defaults file
    // with settings, an edited script, a policy-rc.d.
    sh("echo 'ULIMIT=\"-n 4096\"' >> /etc/default/nginx");
    let (_, ran) = nginx_state_both_ways();
    assert_eq!(ran, ["/usr/sbin/service nginx status"]);
    sh("echo '# local edit' >> /etc/init.d/nginx");
    sh("printf '#!/bin/sh\\nexit 104\\n' > /usr/sbin/policy-rc.d; chmod 755 /usr/sbin/policy-rc.d");
    let (st, ran) = nginx_state_both_ways();
    assert_eq!(st, state("running", "true"), "policy-rc.d says enabled");
    assert_eq!(
        ran,
        [
            "/usr/sbin/service nginx status",
            "/usr/sbin/invoke-rc.d --quiet --query nginx start"
        ]
    );
}

/// SIGKILLs every process named `comm`, then waits (bounded) until /proc has none left.
fn kill_9(comm: &str) {
    sh(&format!(
        "for p in /proc/[0-9]*; do \
           [ \"$(cat $p/comm 2>/dev/null)\" = {comm} ] && kill -9 ${{p#/proc/}}; \
         done; \
         n=0; while grep -qx {comm} /proc/[0-9]*/comm 2>/dev/null && [ $n -lt 100 ]; do \
           sleep 0.05; n=$((n+1)); \
         done; \
         ! grep -qx {comm} /proc/[0-9]*/comm 2>/dev/null"
    ));
}

#[test]
fn haproxy_init_script_state_is_read_without_commands_and_agrees_with_them() {
    if !inside() {
        return in_host(
            "haproxy_init_script_state_is_read_without_commands_and_agrees_with_them",
            HostKind::InitScript,
        );
    }
    // Its `status` asks ps(1) for each pid in the pid file.
    check(
        &[
            res("package", "haproxy", &[]),
            res("package", "procps", &[]),
        ],
        &[],
    );
    let haproxy = || state_both_ways("haproxy");
    read_directly("haproxy", state("stopped", "true"));
    // Two threads whatever the machine's core count, so the worker-thread case below
    // always runs.
    sh("sed -i 's/^global$/global\\n\\tnbthread 2/' /etc/haproxy/haproxy.cfg && grep -q nbthread /etc/haproxy/haproxy.cfg");
    sh("/usr/sbin/service haproxy start >/dev/null");
    read_directly("haproxy", state("running", "true"));

    // A pid file naming one of haproxy's worker threads: /proc has it, ps does not list it.
    let main_pid = std::fs::read_to_string("/run/haproxy.pid").unwrap();
    let main_pid = main_pid.trim();
    let thread = std::fs::read_dir(format!("/proc/{main_pid}/task"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .find(|t| t != main_pid)
        .expect("haproxy runs a second thread (nbthread 2)");
    sh(&format!("echo {thread} > /run/haproxy.pid"));
    let (st, ran) = haproxy();
    assert_eq!(st, state("stopped", "true"), "thread {thread}");
    assert!(ran.is_empty(), "ran {ran:?}");
    // Two pids, one of them not haproxy's (PID 1, the host's init loop): dead.
    sh(&format!("printf '{main_pid}\\n1\\n' > /run/haproxy.pid"));
    read_directly("haproxy", state("stopped", "true"));
    // The script's quirk: an empty pid file is "running".
    sh(": > /run/haproxy.pid");
    read_directly("haproxy", state("running", "true"));
    sh(&format!("echo {main_pid} > /run/haproxy.pid"));
    assert_eq!(haproxy().0, state("running", "true"));

    // Killed by hand: the pid file stays behind, stale; converge starts haproxy again.
    kill_9("haproxy");
    read_directly("haproxy", state("stopped", "true"));
    check(
        &[res(
            "service",
            "haproxy",
            &[("ensure", "running".into()), ("enable", Value::Bool(true))],
        )],
        &[],
    );
    read_directly("haproxy", state("running", "true"));

    // Without ps every pid reads as dead, though haproxy serves.
    sh("apt-get remove -y -q procps >/dev/null 2>&1");
    read_directly("haproxy", state("stopped", "true"));
    check(&[res("package", "procps", &[])], &[]);
    assert_eq!(haproxy().0, state("running", "true"));

    // Without its config the script exits 0 before looking: "running", even when stopped.
    kill_9("haproxy");
    sh("mv /etc/haproxy/haproxy.cfg /etc/haproxy/haproxy.cfg.away");
    read_directly("haproxy", state("running", "true"));
    sh("mv /etc/haproxy/haproxy.cfg.away /etc/haproxy/haproxy.cfg");
    assert_eq!(haproxy().0, state("stopped", "true"));

    // Disabled by hand: the start links become stop links.
    sh("update-rc.d haproxy disable >/dev/null 2>&1");
    read_directly("haproxy", state("stopped", "false"));

    // Anything converge cannot emulate exactly is asked of the commands: settings in the
    // defaults file or in rcS (sourced after the config test), an edited script.
    sh("echo 'EXTRAOPTS=\"-de\"' >> /etc/default/haproxy");
    let (_, ran) = haproxy();
    assert_eq!(ran, ["/usr/sbin/service haproxy status"]);
    sh("sed -i '$d' /etc/default/haproxy; echo 'VERBOSE=yes' > /etc/default/rcS");
    let (_, ran) = haproxy();
    assert_eq!(ran, ["/usr/sbin/service haproxy status"]);
    sh("rm /etc/default/rcS; echo '# local edit' >> /etc/init.d/haproxy");
    let (st, ran) = haproxy();
    assert_eq!(st, state("stopped", "false"));
    assert_eq!(ran, ["/usr/sbin/service haproxy status"]);
}

/// What `systemctl ARGS` prints (trimmed) and whether it exits 0.
fn systemctl(args: &[&str]) -> (String, bool) {
    let out = std::process::Command::new("/bin/systemctl")
        .args(args)
        .output()
        .unwrap();
    (
        String::from_utf8_lossy(&out.stdout).trim().to_string(),
        out.status.success(),
    )
}

/// systemd's D-Bus answers for `name` checked word for word against `systemctl is-active`,
/// `is-enabled` and `show -p LoadState`; then the provider's state read both ways, with
/// the commands the direct path still ran. Returns systemctl's `is-active` and `is-enabled`
/// words, so a test can tell it reached the case it meant.
fn systemd_both_ways(name: &str) -> ((String, String), (String, String), Vec<String>) {
    use converge_providers::systemd::Manager;
    let m = Manager::connect(Path::new("/")).expect("systemd answers on the system bus");
    let (active_word, active) = systemctl(&["is-active", "--", name]);
    assert_eq!(
        m.is_active(name),
        Some(active),
        "is-active {name}: {active_word}"
    );
    let (enabled_word, enabled) = systemctl(&["is-enabled", "--", name]);
    if let Some(out) = m.is_enabled(name) {
        assert_eq!(
            (out.stdout.trim(), out.success()),
            (enabled_word.as_str(), enabled),
            "is-enabled {name}"
        );
    }
    let (load_state, _) = systemctl(&["show", "-p", "LoadState", "--value", "--", name]);
    assert_eq!(m.load_state(name), Some(load_state), "LoadState of {name}");
    let (st, ran) = state_both_ways(name);
    (st, (active_word, enabled_word), ran)
}

fn words(active: &str, enabled: &str) -> (String, String) {
    (active.to_string(), enabled.to_string())
}

#[test]
fn systemd_service_state_is_asked_of_systemd_and_agrees_with_systemctl() {
    if !inside() {
        return in_host(
            "systemd_service_state_is_asked_of_systemd_and_agrees_with_systemctl",
            HostKind::Systemd,
        );
    }
    // A unit that does not exist: systemctl 253 and later say `not-found` (Debian 13),
    // earlier ones nothing (11, 12); converge's direct answer is checked against it above.
    let (st, w, ran) = systemd_both_ways("no-such-unit");
    assert_eq!(st, state("stopped", "false"));
    assert_eq!(w.0, "inactive");
    assert!(["", "not-found"].contains(&w.1.as_str()), "{w:?}");
    assert!(ran.is_empty(), "ran {ran:?}");

    // Installed: the postinst started and enabled it.
    check(&[res("package", "nginx", &[])], &[]);
    let (st, w, ran) = systemd_both_ways("nginx");
    assert_eq!(
        (st, w),
        (state("running", "true"), words("active", "enabled"))
    );
    assert!(ran.is_empty(), "ran {ran:?}");
    // A no-op apply of it plans nothing and spawns nothing; neither do the single queries.
    let svc = res(
        "service",
        "nginx",
        &[("ensure", "running".into()), ("enable", Value::Bool(true))],
    );
    let p = provider_for("service").unwrap();
    let ran = Recording::default();
    let mut cx = Context::new().with_runner(Box::new(ran.clone()));
    cx.system_root = Some(PathBuf::from("/"));
    let (_, changes) = plan_resource(p, &svc, &mut cx).unwrap();
    assert!(changes.is_empty(), "{changes:?}");
    for only in [
        res("service", "nginx", &[("ensure", "running".into())]),
        res("service", "nginx", &[("enable", Value::Bool(true))]),
    ] {
        assert!(plan_resource(p, &only, &mut cx).unwrap().1.is_empty());
    }
    let ran = ran.0.lock().unwrap().clone();
    assert!(ran.is_empty(), "ran {ran:?}");

    sh("systemctl stop nginx");
    let (st, w, ran) = systemd_both_ways("nginx");
    assert_eq!(
        (st, w),
        (state("stopped", "true"), words("inactive", "enabled"))
    );
    assert!(ran.is_empty(), "ran {ran:?}");

    // Killed by hand: systemd marks it failed; converge starts it again.
    sh("systemctl start nginx && kill -9 $(cat /run/nginx.pid)");
    let mut w = systemctl(&["is-active", "nginx"]).0;
    for _ in 0..100 {
        if w == "failed" {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
        w = systemctl(&["is-active", "nginx"]).0;
    }
    let (st, w, ran) = systemd_both_ways("nginx");
    assert_eq!(
        (st, w),
        (state("stopped", "true"), words("failed", "enabled"))
    );
    assert!(ran.is_empty(), "ran {ran:?}");
    check(std::slice::from_ref(&svc), &[]);

    sh("systemctl disable nginx 2>/dev/null");
    let (st, w, ran) = systemd_both_ways("nginx");
    assert_eq!(
        (st, w),
        (state("running", "false"), words("active", "disabled"))
    );
    assert!(ran.is_empty(), "ran {ran:?}");

    sh("systemctl mask nginx 2>/dev/null");
    let (st, w, ran) = systemd_both_ways("nginx");
    assert_eq!(
        (st, w),
        (state("running", "mask"), words("active", "masked"))
    );
    assert!(ran.is_empty(), "ran {ran:?}");
    sh("systemctl unmask nginx 2>/dev/null && systemctl mask --runtime nginx 2>/dev/null");
    let (st, w, ran) = systemd_both_ways("nginx");
    assert_eq!(
        (st, w),
        (state("running", "mask"), words("active", "masked-runtime"))
    );
    assert!(ran.is_empty(), "ran {ran:?}");
    sh("systemctl unmask --runtime nginx 2>/dev/null");
    check(std::slice::from_ref(&svc), &[]);
    assert_eq!(systemd_both_ways("nginx").0, state("running", "true"));

    // Other unit file states: static, an alias, a linked unit file.
    let (st, w, ran) = systemd_both_ways("systemd-journald");
    assert_eq!(
        (st, w),
        (state("running", "true"), words("active", "static"))
    );
    assert!(ran.is_empty(), "ran {ran:?}");
    sh("ln -s /lib/systemd/system/nginx.service /etc/systemd/system/web.service && systemctl daemon-reload");
    let (st, w, ran) = systemd_both_ways("web");
    assert_eq!(
        (st, w),
        (state("running", "true"), words("active", "alias"))
    );
    assert!(ran.is_empty(), "ran {ran:?}");
    sh("printf '[Service]\\nExecStart=/bin/sleep 600\\n[Install]\\nWantedBy=multi-user.target\\n' > /root/demo.service && systemctl link /root/demo.service 2>/dev/null");
    let (st, w, ran) = systemd_both_ways("demo.service");
    assert_eq!(
        (st, w),
        (state("stopped", "false"), words("inactive", "linked"))
    );
    assert!(ran.is_empty(), "ran {ran:?}");

    // A service with an init script and no unit file: is-enabled asks systemd-sysv-install
    // (the rc?.d links), so converge runs it; is-active is systemd's own.
    sh("printf '#!/bin/sh\\n### BEGIN INIT INFO\\n# Provides: legacy\\n# Required-Start:\\n# Required-Stop:\\n# Default-Start: 2 3 4 5\\n# Default-Stop: 0 1 6\\n### END INIT INFO\\nexit 0\\n' > /etc/init.d/legacy && chmod 755 /etc/init.d/legacy && systemctl daemon-reload");
    let (st, w, ran) = systemd_both_ways("legacy");
    assert_eq!(
        (st, w),
        (state("stopped", "false"), words("inactive", "disabled"))
    );
    assert_eq!(ran, ["/bin/systemctl is-enabled -- legacy"]);
    sh("update-rc.d legacy defaults 2>/dev/null");
    let (st, w, ran) = systemd_both_ways("legacy");
    assert_eq!(
        (st, w),
        (state("stopped", "true"), words("inactive", "enabled"))
    );
    assert_eq!(ran, ["/bin/systemctl is-enabled -- legacy"]);
    // nginx has both: its unit file wins, as in systemctl.
    assert!(Path::new("/etc/init.d/nginx").exists());
}

/// The fixtures (a signing key, wheels, gems) made inside the host.
const FIXTURES: &str = include_str!("../../../tests/fixtures/forge-fixtures.sh");

#[test]
fn apt_key_pip_and_gem_in_a_real_host() {
    if !inside() {
        return in_host("apt_key_pip_and_gem_in_a_real_host", HostKind::InitScript);
    }
    // Before its manager is installed, a pip package is pending on the package that
    // brings it, in a dry run.
    let demo = |ensure: &str| {
        res(
            "package",
            "converge-demo",
            &[("ensure", ensure.into()), ("provider", "pip3".into())],
        )
    };
    let mut dry = Context::new();
    dry.add_pending_creator("Package[python3-pip]".into());
    let (st, changes) =
        plan_resource(provider_for("package").unwrap(), &demo("1.0"), &mut dry).unwrap();
    assert_eq!(st.pending_on.as_deref(), Some("Package[python3-pip]"));
    assert_eq!(changes[0].message, "created");

    // Without python3-pip's recommends (a compiler, python3-dev): minutes of dpkg.
    let lean = || {
        (
            "install_options",
            Value::Array(vec!["--no-install-recommends".into()]),
        )
    };
    check(
        &[
            res("package", "gnupg", &[lean()]),
            res("package", "python3-pip", &[lean()]),
            res("package", "ruby", &[lean()]),
        ],
        &[],
    );
    sh(FIXTURES);
    let fpr = std::fs::read_to_string("/root/converge-key.fpr").unwrap();
    let fpr = fpr.trim();
    assert_eq!(fpr.len(), 40, "{fpr}");

    if std::path::Path::new("/usr/bin/apt-key").exists() {
        // apt_key: added from a file by fingerprint, found again by its long id, removed.
        check(
            &[res(
                "apt_key",
                fpr,
                &[("source", "/root/converge-key.asc".into())],
            )],
            &[],
        );
        let long = &fpr[24..];
        let present = res("apt_key", &format!("0x{}", long.to_lowercase()), &[]);
        let (st, changes) = plan_resource(
            provider_for("apt_key").unwrap(),
            &present,
            &mut Context::new(),
        )
        .unwrap();
        assert!(changes.is_empty(), "{changes:?}");
        assert_eq!(st.get("fingerprint"), Some(fpr));
        check(&[res("apt_key", fpr, &[("ensure", "absent".into())])], &[]);
        // A key whose fingerprint is not the id is refused before anything is added.
        let wrong = res(
            "apt_key",
            "0123456789ABCDEF0123456789ABCDEF01234567",
            &[("source", "/root/converge-key.asc".into())],
        );
        let p = provider_for("apt_key").unwrap();
        let mut cx = Context::new();
        let (_, changes) = plan_resource(p, &wrong, &mut cx).unwrap();
        let err = p.apply(&wrong, &changes, &mut cx).unwrap_err().to_string();
        assert!(err.contains("don't match"), "{err}");
        // Content instead of a file.
        let key = std::fs::read_to_string("/root/converge-key.asc").unwrap();
        check(
            &[res("apt_key", fpr, &[("content", key.as_str().into())])],
            &[],
        );
    } else {
        // Debian 13: no apt-key. The resource fails before anything runs, saying what to
        // do instead.
        let r = res(
            "apt_key",
            fpr,
            &[("source", "/root/converge-key.asc".into())],
        );
        let err = plan_resource(provider_for("apt_key").unwrap(), &r, &mut Context::new())
            .unwrap_err()
            .to_string();
        assert!(err.contains("which this host does not have"), "{err}");
        assert!(err.contains("signed-by"), "{err}");
    }

    // pip3: a version, then latest (the other wheel), removed; pip's own config points it
    // at the local wheels.
    check(&[demo("1.0")], &[]);
    check(&[demo("latest")], &[]);
    check(&[demo("absent")], &[]);

    // gem: from a local .gem file, then a newer one, then removed.
    let gem = |ensure: &str, source: &str| {
        res(
            "package",
            "converge_demo",
            &[
                ("ensure", ensure.into()),
                ("provider", "gem".into()),
                ("source", source.into()),
            ],
        )
    };
    check(&[gem("present", "/srv/gems/converge_demo-1.0.0.gem")], &[]);
    check(&[gem("2.0.0", "/srv/gems/converge_demo-2.0.0.gem")], &[]);
    check(&[gem("absent", "/srv/gems/converge_demo-2.0.0.gem")], &[]);
}
