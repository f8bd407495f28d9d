//! End-to-end: `converge doctor` and `http_check` on a fresh web-01 (issue 8). The shipped
//! web server is applied, then a manifest that adds checks to it is diagnosed healthy without
//! changing the host, and three breakages are named: nginx stopped, port 80 held by another
//! process, the 404 page deleted. Needs root and the test image.

mod support;

use converge_testhost::{Host, HostKind};
use std::path::Path;
use support::{assert_unchanged, fingerprint, Bed, Run};

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

fn run(host: &Host, argv: &[&str]) -> Run {
    let out = host.exec(argv).expect("running converge");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: out.stdout,
        stderr: out.stderr,
    }
}

fn doctor(host: &Host) -> Run {
    run(
        host,
        &[
            "converge",
            "doctor",
            "--modulepath",
            "/root/manifests/modules",
            "/root/checks.pp",
        ],
    )
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

#[test]
fn doctor_is_healthy_without_touching_the_host_and_names_each_breakage() {
    let bed = Bed::new();
    let web = bed.host("web-01", HostKind::InitScript);
    let manifests = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../manifests");
    web.copy_in(&manifests, "/root/manifests")
        .expect("copying the manifests");
    sh(&web, "apt-get update -q");
    web.write_file("/root/checks.pp", CHECKS.as_bytes())
        .expect("writing the checks");

    // A dry run on the fresh host: the checks wait for the changes they verify.
    let plan = run(
        &web,
        &[
            "converge",
            "plan",
            "--format",
            "json",
            "--modulepath",
            "/root/manifests/modules",
            "/root/checks.pp",
        ],
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
    let first = run(
        &web,
        &[
            "converge",
            "apply",
            "--detailed-exitcodes",
            "/root/manifests/site.pp",
        ],
    );
    assert_eq!(first.code, 2, "site.pp applies:\n{}", first.all());

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
    // The checks pass inside apply too: nothing to do.
    let again = run(
        &web,
        &[
            "converge",
            "apply",
            "--detailed-exitcodes",
            "--modulepath",
            "/root/manifests/modules",
            "/root/checks.pp",
        ],
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
        out.contains("diagnosis: see nginx on port 80 below"),
        "{out}"
    );
    let json = run(
        &web,
        &[
            "converge",
            "doctor",
            "--format",
            "json",
            "--modulepath",
            "/root/manifests/modules",
            "/root/checks.pp",
        ],
    );
    assert_eq!(json.code, 1);
    let report = json.report();
    assert_eq!(report["healthy"], false);
    assert_eq!(report["services"][0]["first_failure"], "service");

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

/// lb-01 in front of web-01 and web-02, with a check through it.
const LB_CHECKS: &str = r#"
node default {
  include load_balancer
  http_check { 'through lb-01':
    url     => 'http://127.0.0.1/',
    body    => 'Hello World!',
    retries => 10,
    timeout => 10,
    require => Service['haproxy'],
  }
}
"#;

#[test]
fn doctor_on_lb_01_names_a_down_backend_and_a_wrong_backend_address() {
    let bed = Bed::new();
    let manifests = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../manifests");
    let hosts = std::thread::scope(|s| {
        let hs = ["web-01", "web-02", "lb-01"].map(|n| {
            let (bed, manifests) = (&bed, &manifests);
            s.spawn(move || {
                let h = bed.host(n, HostKind::InitScript);
                h.copy_in(manifests, "/root/manifests")
                    .expect("copying the manifests");
                let r = run(
                    &h,
                    &[
                        "converge",
                        "apply",
                        "--detailed-exitcodes",
                        "/root/manifests/site.pp",
                    ],
                );
                assert_eq!(r.code, 2, "{n}: site.pp applies:\n{}", r.all());
                h
            })
        });
        hs.map(|h| h.join().expect("a host thread panicked"))
    });
    let [web1, _web2, lb] = hosts;
    lb.write_file("/root/checks.pp", LB_CHECKS.as_bytes())
        .expect("writing the checks");

    let healthy = doctor(&lb);
    eprintln!("doctor on a healthy lb-01:\n{}", healthy.stdout);
    assert_eq!(healthy.code, 0, "{}", healthy.all());
    assert!(healthy.stdout.contains("ok     Http_check[through lb-01]"));
    assert!(healthy.stdout.contains("ok     haproxy on port 80"));
    assert!(
        healthy.stdout.contains("upstream web-02"),
        "{}",
        healthy.stdout
    );

    // web-01's nginx stopped: lb-01 still answers, but doctor names web-01 as down.
    sh(&web1, "service nginx stop");
    let down = doctor(&lb);
    eprintln!("doctor on lb-01 with web-01 down:\n{}", down.stdout);
    assert_eq!(down.code, 1, "{}", down.all());
    assert!(
        down.stdout
            .contains("BROKEN haproxy on port 80: upstream web-01 failed"),
        "{}",
        down.stdout
    );
    assert!(
        down.stdout.contains("web-01 does not answer"),
        "{}",
        down.stdout
    );
    sh(&web1, "service nginx start");

    // web-02's address wrong in the HAProxy config (by hand): doctor names that backend.
    sh(
        &lb,
        "sed -i -E 's/(server web-02 [^ :]+):80 /\\1:81 /' /etc/haproxy/haproxy.cfg && \
         grep -q 'server web-02 .*:81' /etc/haproxy/haproxy.cfg && service haproxy reload",
    );
    let wrong = doctor(&lb);
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
}
