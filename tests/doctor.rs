//! End-to-end: `converge doctor` and `http_check` on fresh hosts (issue 8). On web-01 the
//! shipped web server is applied, then a manifest that adds checks to it is diagnosed
//! healthy without changing the host, and four breakages are named: nginx stopped, port 80
//! held by another process, the 404 page deleted, a syntax error in the site. A shorter
//! run does the same on a systemd host. On lb-01 (applied from a catalog on stdin, as over
//! SSH) doctor runs from the catalog apply saved, healthy without changing the host, then
//! names a stopped backend and a wrong backend address (and the drift from its catalog,
//! which the fix doctor names repairs). Every `reproduce` command doctor prints is run on
//! the host, which has no curl, and must work. Needs root and the test image.

mod support;

use converge_testhost::{Host, HostKind};
use std::time::Instant;
use support::{assert_unchanged, fingerprint, run, Bed, Run};

/// The shipped web server plus checks of its three behaviours.
const CHECKS: &str = r#"
node default {
  include web_server
  http_check { 'home':
    url     => 'http://127.0.0.1/',
    body    => 'Hello World!',
    headers => { 'x-served-by' => 'web-01' },
    timeout => 3,
    require => Service['nginx'],
  }
  http_check { 'redirect':
    url     => 'http://web-01/redirect_me',
    status  => 301,
    timeout => 3,
    require => Service['nginx'],
  }
  http_check { 'missing page':
    host    => '127.0.0.1',
    path    => '/no/such/page',
    status  => 404,
    body    => "Ceci n'est pas une page",
    retries => 1,
    timeout => 3,
    require => Service['nginx'],
  }
}
"#;

/// The arguments that name the checks manifest and the shipped modules it includes.
const CHECKS_PP: [&str; 3] = ["--modulepath", "/root/manifests/modules", "/root/checks.pp"];

/// `converge doctor <args>`, timed.
fn doctor_with(host: &Host, args: &[&str]) -> Run {
    let mut argv = vec!["converge", "doctor"];
    argv.extend_from_slice(args);
    let began = Instant::now();
    let r = run(host, &argv);
    eprintln!(
        "{}: doctor took {:.2?}, exit {}",
        host.name(),
        began.elapsed(),
        r.code
    );
    r
}

/// `converge doctor` on the checks manifest, timed.
fn doctor(host: &Host) -> Run {
    doctor_with(host, &CHECKS_PP)
}

/// The host's fingerprint without nginx's access log, which grows with every request.
fn fingerprint_but_access_log(host: &Host) -> String {
    let fp = fingerprint(host);
    assert!(
        fp.contains("/var/log/nginx/error.log"),
        "nginx's logs are fingerprinted"
    );
    fp.lines()
        .filter(|l| {
            !l.ends_with("/var/log/nginx/access.log") && !l.contains("/var/log/nginx/access.log ->")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn sh(host: &Host, script: &str) {
    let out = host.sh(script).expect("running a shell command");
    assert!(out.success(), "{script}: {}", out.stderr);
}

/// `converge doctor --format json [MANIFEST]`, timed.
fn doctor_json(host: &Host, manifest: Option<&str>) -> Run {
    let mut args = vec!["--format", "json"];
    if let Some(m) = manifest {
        args.extend(["--modulepath", "/root/manifests/modules", m]);
    }
    doctor_with(host, &args)
}

/// Every layer of every diagnosis in a doctor JSON report: (subject, layer).
fn layers(report: &serde_json::Value) -> Vec<(String, serde_json::Value)> {
    let checks = report["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .filter_map(|c| c.get("diagnosis").filter(|d| !d.is_null()));
    let services = report["services"].as_array().expect("services").iter();
    checks
        .chain(services)
        .flat_map(|d| {
            let subject = d["subject"].as_str().unwrap_or_default().to_string();
            d["layers"]
                .as_array()
                .expect("layers")
                .iter()
                .map(move |l| (subject.clone(), l.clone()))
        })
        .collect()
}

/// What running a layer's `reproduce` command on the host printed, by layer name.
struct Reproduced {
    layer: String,
    command: String,
    ok: bool,
    output: String,
}

/// Runs every `reproduce` command of the report on the host, as a person would paste it.
/// Each must exist on a fresh host (no "not found"), and succeed exactly when its layer
/// passed.
fn reproduce_all(host: &Host, report: &serde_json::Value) -> Vec<Reproduced> {
    let ls = layers(report);
    assert!(!ls.is_empty(), "layers in the report: {report}");
    ls.into_iter()
        .map(|(subject, l)| {
            let command = l["reproduce"].as_str().expect("reproduce").to_string();
            let out = host.sh(&command).expect("running a reproduce command");
            let output = format!("{}{}", out.stdout, out.stderr);
            let name = l["layer"].as_str().unwrap_or_default().to_string();
            assert_ne!(
                out.status.code(),
                Some(127),
                "{subject}/{name}: `{command}` does not run on a fresh host:\n{output}"
            );
            assert!(
                !output.contains("not found"),
                "{subject}/{name}: `{command}`:\n{output}"
            );
            // awk prints the listening sockets and exits 0 either way; its output says.
            if name != "listening" {
                assert_eq!(
                    out.success(),
                    l["ok"] == true,
                    "{subject}/{name}: `{command}` agrees with the layer ({}):\n{output}",
                    l["evidence"]
                );
            }
            Reproduced {
                layer: name,
                command,
                ok: out.success(),
                output,
            }
        })
        .collect()
}

impl Reproduced {
    /// Fails, with the command and its output, unless the output contains `want`.
    fn assert_shows(&self, want: &str) {
        assert!(
            self.output.contains(want),
            "`{}` shows {want:?}:\n{}",
            self.command,
            self.output
        );
    }
}

fn reproduced<'a>(all: &'a [Reproduced], layer: &str) -> &'a Reproduced {
    all.iter()
        .find(|r| r.layer == layer)
        .unwrap_or_else(|| panic!("no layer {layer}"))
}

/// A fresh host with the repository's manifests in /root/manifests.
fn host_with_manifests(bed: &Bed, name: &str, kind: HostKind) -> Host {
    let host = bed.host(name, kind);
    host.copy_in(support::manifests_dir(), "/root/manifests")
        .expect("copying the manifests");
    host
}

/// `converge apply --detailed-exitcodes /root/manifests/site.pp`.
fn apply_site(host: &Host) -> Run {
    run(
        host,
        &[
            "converge",
            "apply",
            "--detailed-exitcodes",
            "/root/manifests/site.pp",
        ],
    )
}

/// The host is fresh: no curl, so reproduce commands cannot lean on it.
fn assert_no_curl(host: &Host) {
    let out = host.sh("command -v curl").expect("running sh");
    assert!(!out.success(), "curl is on the host: {}", out.stdout.trim());
}

#[test]
fn doctor_is_healthy_without_touching_the_host_and_names_each_breakage() {
    let bed = Bed::new();
    let web = host_with_manifests(&bed, "web-01", HostKind::InitScript);
    sh(&web, "apt-get update -q");
    web.write_file("/root/checks.pp", CHECKS.as_bytes())
        .expect("writing the checks");

    // A dry run on the fresh host: the checks wait for the changes they verify.
    let plan = run(
        &web,
        &[&["converge", "plan", "--format", "json"][..], &CHECKS_PP].concat(),
    );
    let report = plan.report();
    let checks: Vec<&serde_json::Value> = report["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .filter(|r| {
            r["ref"]
                .as_str()
                .is_some_and(|x| x.starts_with("Http_check"))
        })
        .collect();
    // Its three checks and the web_server module's own three.
    assert_eq!(checks.len(), 6, "{}", plan.all());
    for c in checks {
        assert_eq!(c["status"], "pending", "{c}");
        assert!(
            c.to_string()
                .contains("to be checked after the pending changes"),
            "{c}"
        );
    }
    // Nothing applied yet (a dry run saves nothing): doctor without a manifest says so.
    let nothing = run(&web, &["converge", "doctor"]);
    assert_eq!(nothing.code, 1, "{}", nothing.all());
    assert!(
        nothing
            .stderr
            .contains("no catalog has been applied on this host")
            && nothing.stderr.contains("help: name the manifest"),
        "{}",
        nothing.all()
    );
    let first = apply_site(&web);
    assert_eq!(first.code, 2, "site.pp applies:\n{}", first.all());
    // The text report lists the module's checks, passed.
    for c in ["index", "redirect", "not found page"] {
        let want = format!("Http_check[web_server {c}]: check passed: http://127.0.0.1:80/");
        assert!(first.stderr.contains(&want), "{want}:\n{}", first.stderr);
    }
    assert!(
        first.stderr.contains("; checks: 3 passed"),
        "{}",
        first.stderr
    );

    // Healthy: exit 0, every check and nginx reported, nothing written (but nginx's own
    // access log, where nginx records the requests the checks made).
    let before = fingerprint_but_access_log(&web);
    let healthy = doctor(&web);
    assert_unchanged(
        &before,
        &fingerprint_but_access_log(&web),
        "doctor on a healthy host",
    );
    assert_eq!(healthy.code, 0, "healthy:\n{}", healthy.all());
    let out = healthy.stdout.clone();
    for want in [
        "ok     Http_check[home]",
        "ok     Http_check[redirect]",
        "ok     Http_check[missing page]",
        "ok     nginx on port 80",
        "healthy: 6 checks passed",
    ] {
        assert!(out.contains(want), "{want}:\n{out}");
    }
    // Every reproduce command doctor prints runs on this fresh host, without curl; the
    // local request shows the answer nginx gives.
    assert_no_curl(&web);
    let healthy_json = doctor_json(&web, Some("/root/checks.pp"));
    assert_eq!(healthy_json.code, 0, "{}", healthy_json.all());
    let all = reproduce_all(&web, &healthy_json.report());
    let local = reproduced(&all, "local request");
    local.assert_shows("HTTP/1.1 200");
    local.assert_shows("X-Served-By: web-01");
    // The checks pass inside apply too: nothing to do.
    let again = run(
        &web,
        &[
            &["converge", "apply", "--detailed-exitcodes"][..],
            &CHECKS_PP,
        ]
        .concat(),
    );
    assert_eq!(again.code, 0, "checks pass in apply:\n{}", again.all());

    // nginx stopped: the service layer fails and says how to start it.
    sh(&web, "service nginx stop");
    let stopped = doctor(&web);
    eprintln!("doctor with nginx stopped:\n{}", stopped.stdout);
    assert_eq!(stopped.code, 1, "{}", stopped.all());
    let out = stopped.stdout.clone();
    assert!(
        out.contains("BROKEN nginx on port 80: service failed"),
        "{out}"
    );
    assert!(out.contains("nginx is not running"), "{out}");
    assert!(out.contains("likely fix: service nginx start"), "{out}");
    assert!(out.contains("nothing listens on port 80"), "{out}");
    assert!(
        out.contains("DRIFT  Service[nginx]/ensure"),
        "the dry run names the stopped service:\n{out}"
    );
    assert!(
        out.contains("diagnosis: see nginx on port 80 below"),
        "{out}"
    );
    let json = doctor_json(&web, Some("/root/checks.pp"));
    assert_eq!(json.code, 1);
    let report = json.report();
    assert_eq!(report["healthy"], false);
    assert_eq!(report["services"][0]["first_failure"], "service");
    let all = reproduce_all(&web, &report);
    assert!(!reproduced(&all, "service").ok);
    reproduced(&all, "local request").assert_shows("Connection refused");

    // Port 80 held by another process: the listening layer names it.
    sh(
        &web,
        "nohup perl -MIO::Socket::INET -e '$s = IO::Socket::INET->new(LocalPort => 80, \
         Listen => 5, ReuseAddr => 1) or die $!; sleep 600' >/dev/null 2>&1 & echo $! > /tmp/holder.pid; \
         for i in $(seq 50); do grep -q ':0050 00000000:0000 0A' /proc/net/tcp && exit 0; \
         sleep 0.1; done; exit 1",
    );
    let held = doctor(&web);
    eprintln!("doctor with port 80 held:\n{}", held.stdout);
    assert_eq!(held.code, 1, "{}", held.all());
    assert!(held.stdout.contains("held by perl (pid"), "{}", held.stdout);
    assert!(
        held.stdout.contains("port 80 is held by perl"),
        "the fix names the holder:\n{}",
        held.stdout
    );
    sh(
        &web,
        "kill \"$(cat /tmp/holder.pid)\"; sleep 0.3; service nginx start",
    );

    // The 404 page deleted: the missing-page check fails and says why.
    sh(&web, "rm /var/www/html/404.html");
    let no404 = doctor(&web);
    assert_eq!(no404.code, 1, "{}", no404.all());
    assert!(
        no404.stdout.contains("BROKEN Http_check[missing page]"),
        "{}",
        no404.stdout
    );
    assert!(
        no404
            .stdout
            .contains("body does not contain 'Ceci n'est pas une page'"),
        "{}",
        no404.stdout
    );
    assert!(
        no404.stdout.contains("ok     Http_check[home]"),
        "{}",
        no404.stdout
    );
    // Every service layer passes: the evidence is the file that drifted, the fix apply.
    for want in [
        "diagnosis: nginx on port 80 is healthy, but the host differs from its manifest",
        "DRIFT  File[/var/www/html/404.html]/ensure",
        "likely fix: converge apply /root/checks.pp",
    ] {
        assert!(no404.stdout.contains(want), "{want}:\n{}", no404.stdout);
    }

    // A syntax error written into the site by hand: nginx keeps serving the old config,
    // but the config layer fails with nginx -t's file and line.
    sh(
        &web,
        "echo 'this is not nginx;' >> /etc/nginx/sites-available/default",
    );
    let syntax = doctor(&web);
    eprintln!("doctor with a syntax error:\n{}", syntax.stdout);
    assert_eq!(syntax.code, 1, "{}", syntax.all());
    assert!(
        syntax
            .stdout
            .contains("BROKEN nginx on port 80: config failed"),
        "{}",
        syntax.stdout
    );
    assert!(
        syntax.stdout.contains("/etc/nginx/sites-enabled/default:"),
        "nginx -t names file and line:\n{}",
        syntax.stdout
    );
    assert!(syntax.stdout.contains("reproduce: /usr/sbin/nginx -t"));
}

/// A shorter run on a systemd host: healthy from the saved catalog, then nginx stopped
/// through systemd, named with systemd's commands; then nginx moved to another port.
#[test]
fn doctor_on_a_systemd_host_names_a_stopped_nginx_with_systemctl() {
    let bed = Bed::new();
    let web = host_with_manifests(&bed, "web-01", HostKind::Systemd);
    let first = apply_site(&web);
    assert_eq!(first.code, 2, "site.pp applies:\n{}", first.all());

    // No manifest: doctor checks what apply saved, the web_server module's three checks.
    let healthy = run(&web, &["converge", "doctor"]);
    assert_eq!(healthy.code, 0, "{}", healthy.all());
    assert!(
        healthy
            .stdout
            .contains("healthy: 3 checks passed, 1 services healthy"),
        "{}",
        healthy.stdout
    );
    assert_no_curl(&web);
    reproduce_all(&web, &doctor_json(&web, None).report());

    sh(&web, "systemctl stop nginx");
    let stopped = run(&web, &["converge", "doctor"]);
    eprintln!("doctor with nginx stopped (systemd):\n{}", stopped.stdout);
    assert_eq!(stopped.code, 1, "{}", stopped.all());
    for want in [
        "BROKEN Http_check[web_server index]",
        "BROKEN nginx on port 80: service failed",
        "likely fix: systemctl start nginx",
        "reproduce: /bin/systemctl is-active -- nginx",
        "nothing listens on port 80",
    ] {
        assert!(stopped.stdout.contains(want), "{want}:\n{}", stopped.stdout);
    }
    let all = reproduce_all(&web, &doctor_json(&web, None).report());
    assert!(reproduced(&all, "service").output.contains("inactive"));

    // The fix it names works.
    sh(&web, "systemctl start nginx");
    let again = run(&web, &["converge", "doctor"]);
    assert_eq!(again.code, 0, "{}", again.all());

    // nginx running, but moved to another port by hand: starting it would not help; the
    // fix points at its listen directives.
    sh(
        &web,
        "sed -i 's/80 default_server/8080 default_server/' /etc/nginx/sites-available/default \
         && systemctl reload nginx && for i in $(seq 100); do \
         awk '$4==\"0A\" && $2 ~ /:0050$/' /proc/net/tcp /proc/net/tcp6 | grep -q . || exit 0; \
         sleep 0.1; done; exit 1",
    );
    let moved = run(&web, &["converge", "doctor"]);
    eprintln!("doctor with nginx on port 8080:\n{}", moved.stdout);
    assert_eq!(moved.code, 1, "{}", moved.all());
    for want in [
        "BROKEN nginx on port 80: listening failed",
        "likely fix: nginx runs but does not listen on port 80",
        "nginx -T | grep listen",
    ] {
        assert!(moved.stdout.contains(want), "{want}:\n{}", moved.stdout);
    }
}

#[test]
fn doctor_on_lb_01_names_a_down_backend_and_a_wrong_backend_address() {
    let bed = Bed::new();
    let hosts = std::thread::scope(|s| {
        let hs = ["web-01", "web-02", "lb-01"].map(|n| {
            let bed = &bed;
            s.spawn(move || {
                let h = host_with_manifests(bed, n, HostKind::InitScript);
                let r = if n == "lb-01" {
                    // As a fleet run over SSH does: the catalog compiled elsewhere, on stdin.
                    let catalog = run(&h, &["converge", "catalog", "/root/manifests/site.pp"]);
                    assert_eq!(catalog.code, 0, "{}", catalog.all());
                    Run::from(
                        h.exec_with_input(
                            &[
                                "converge",
                                "apply",
                                "--detailed-exitcodes",
                                "--catalog",
                                "-",
                            ],
                            catalog.stdout.as_bytes(),
                        )
                        .expect("running converge"),
                    )
                } else {
                    apply_site(&h)
                };
                assert_eq!(r.code, 2, "{n}: site.pp applies:\n{}", r.all());
                h
            })
        });
        hs.map(|h| h.join().expect("a host thread panicked"))
    });
    let [web1, _web2, lb] = hosts;
    assert!(
        lb.sh("test -f /root/manifests/site.pp && rm -r /root/manifests")
            .expect("sh")
            .success(),
        "no manifest left on lb-01: doctor has only the saved catalog"
    );

    // Healthy: each backend answers through the frontend; nothing on lb-01 is written.
    let before = fingerprint(&lb);
    let began = Instant::now();
    let healthy = run(&lb, &["converge", "doctor"]);
    let took = began.elapsed();
    assert_unchanged(&before, &fingerprint(&lb), "doctor on a healthy lb-01");
    eprintln!(
        "doctor on a healthy lb-01 ({took:.2?}):\n{}",
        healthy.stdout
    );
    assert_eq!(healthy.code, 0, "{}", healthy.all());
    for want in [
        "ok     Http_check[load_balancer backend web-01] http://127.0.0.1:80/",
        "ok     Http_check[load_balancer backend web-02] http://127.0.0.1:80/",
        "ok     haproxy on port 80",
        "upstream web-02",
        "healthy: 2 checks passed, 1 services healthy",
    ] {
        assert!(healthy.stdout.contains(want), "{want}:\n{}", healthy.stdout);
    }
    assert_no_curl(&lb);
    let report = doctor_json(&lb, None).report();
    reproduce_all(&lb, &report);
    // HAProxy's own view of each backend, from its stats socket, is part of the evidence.
    let upstream = layers(&report)
        .into_iter()
        .find(|(_, l)| l["layer"] == "upstream web-02")
        .expect("an upstream web-02 layer");
    assert!(
        upstream.1["evidence"]
            .as_str()
            .is_some_and(|e| e.contains("HAProxy reports web-02 UP")),
        "{}",
        upstream.1
    );

    // web-01's nginx stopped: lb-01 still answers, but doctor names web-01 as down.
    sh(&web1, "service nginx stop");
    let down = run(&lb, &["converge", "doctor"]);
    eprintln!("doctor on lb-01 with web-01 down:\n{}", down.stdout);
    assert_eq!(down.code, 1, "{}", down.all());
    for want in [
        "BROKEN Http_check[load_balancer backend web-01]",
        "header X-Served-By is 'web-02' instead of 'web-01'",
        "ok     Http_check[load_balancer backend web-02]",
        "BROKEN haproxy on port 80: upstream web-01 failed",
        "web-01 does not answer",
        "HAProxy reports web-01 DOWN",
    ] {
        assert!(down.stdout.contains(want), "{want}:\n{}", down.stdout);
    }
    // The printed commands reproduce it from lb-01: web-01 refuses, web-02 answers.
    let all = reproduce_all(&lb, &doctor_json(&lb, None).report());
    reproduced(&all, "upstream web-01").assert_shows("Connection refused");
    reproduced(&all, "upstream web-02").assert_shows("X-Served-By: web-02");
    sh(&web1, "service nginx start");

    // web-02's address wrong in the HAProxy config (by hand): doctor names that backend.
    sh(
        &lb,
        "sed -i -E 's/(server web-02 [^ :]+):80 /\\1:81 /' /etc/haproxy/haproxy.cfg && \
         grep -q 'server web-02 .*:81' /etc/haproxy/haproxy.cfg && service haproxy reload",
    );
    let wrong = run(&lb, &["converge", "doctor"]);
    eprintln!(
        "doctor on lb-01 with web-02's port wrong:\n{}",
        wrong.stdout
    );
    assert_eq!(wrong.code, 1, "{}", wrong.all());
    assert!(
        wrong
            .stdout
            .contains("BROKEN haproxy on port 80: upstream web-02 failed"),
        "{}",
        wrong.stdout
    );
    assert!(wrong.stdout.contains(":81"), "{}", wrong.stdout);
    // The edit by hand is drift from the saved catalog, shown as a diff; the fix doctor
    // names puts it right.
    let fix = "converge apply --catalog /var/lib/converge/catalog.json";
    for want in [
        "DRIFT  File[/etc/haproxy/haproxy.cfg]/content",
        "server web-02 web-02:81 check",
        &format!("likely fix: {fix}"),
    ] {
        assert!(wrong.stdout.contains(want), "{want}:\n{}", wrong.stdout);
    }
    sh(&lb, fix);
    let fixed = run(&lb, &["converge", "doctor"]);
    assert_eq!(fixed.code, 0, "the named fix works:\n{}", fixed.all());
}
