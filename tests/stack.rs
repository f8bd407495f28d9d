//! End-to-end: the whole reference web stack (issue 6). `manifests/site.pp`, unchanged, is
//! applied on web-01, web-02 and lb-01 at once; then, from a client host, lb-01 spreads
//! requests round robin over the web servers, drops a stopped one, takes on a new one with
//! a reload that loses no request, and refuses a configuration HAProxy rejects. Every
//! apply ends with the manifests' own checks (http_check), listed in its report.
//! Needs root and the test image (`.ci/testbed-setup`); fails loudly without.

mod support;

use converge_testhost::{Host, HostKind};
use std::collections::BTreeSet;
use std::time::{Duration, Instant};
use support::{apply_all, apply_timed as apply, requests, statuses, Answer, Bed, Run};

/// Where the repository's manifests are copied to in every host.
const MANIFESTS: &str = "/etc/converge/manifests";
/// The live HAProxy configuration on lb-01.
const HAPROXY_CFG: &str = "/etc/haproxy/haproxy.cfg";

/// The checks `web_server` declares, in catalog order.
const WEB_CHECKS: [&str; 3] = [
    "web_server index",
    "web_server redirect",
    "web_server not found page",
];
/// The checks `load_balancer` declares for the default backends.
const LB_CHECKS: [&str; 2] = [
    "load_balancer backend web-01",
    "load_balancer backend web-02",
];

fn served_by(answers: &[Answer]) -> Vec<String> {
    answers
        .iter()
        .map(|a| {
            a.served_by
                .clone()
                .unwrap_or_else(|| format!("<{}>", a.status))
        })
        .collect()
}

/// Polls (bounded) until a batch of requests is all answered and served by exactly
/// `servers`; returns how long that took.
fn wait_for_servers(client: &Host, servers: &[&str], limit: Duration) -> Duration {
    let start = Instant::now();
    let want: BTreeSet<String> = servers.iter().map(|s| s.to_string()).collect();
    loop {
        let answers = requests(client, "http://lb-01/", 2 * servers.len());
        let seen: BTreeSet<String> = answers.iter().filter_map(|a| a.served_by.clone()).collect();
        if answers.iter().all(Answer::ok) && seen == want {
            return start.elapsed();
        }
        assert!(
            start.elapsed() < limit,
            "lb-01 did not come to serve from {want:?} within {limit:?}; last: {:?}",
            served_by(&answers)
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// `n` requests must all answer `Hello World!` and rotate through `servers` in a fixed
/// cycle: every window of `servers.len()` consecutive answers holds each server once.
fn assert_round_robin(client: &Host, servers: &[&str], n: usize) {
    let answers = requests(client, "http://lb-01/", n);
    for a in &answers {
        assert!(a.ok(), "request failed: {a:?}");
        assert_eq!(a.body, "Hello World!", "{a:?}");
    }
    let order = served_by(&answers);
    let want: BTreeSet<&str> = servers.iter().copied().collect();
    for w in order.windows(servers.len()) {
        let got: BTreeSet<&str> = w.iter().map(String::as_str).collect();
        assert_eq!(got, want, "not round robin over {servers:?}: {order:?}");
    }
}

/// Reports changed resources only (status `changed`) as `ref`.
fn changed(run: &Run) -> Vec<String> {
    statuses(&run.report())
        .into_iter()
        .filter(|(_, s)| s == "changed")
        .map(|(r, _)| r)
        .collect()
}

/// A copy of site.pp where lb-01 balances over `backends` with `balance`, and web-03 is a
/// web server too.
fn site_variant(backends: &[&str], balance: &str) -> String {
    let list: Vec<String> = backends.iter().map(|b| format!("'{b}' => '{b}'")).collect();
    format!(
        "node 'web-01', 'web-02', 'web-03' {{\n  include web_server\n}}\n\
         node 'lb-01' {{\n  class {{ 'load_balancer':\n    backends => {{ {} }},\n    \
         balance  => '{balance}',\n  }}\n}}\n",
        list.join(", ")
    )
}

/// A fresh host with converge and the repository's manifests.
fn stack_host(bed: &Bed, name: &str, kind: HostKind) -> Host {
    let host = bed.host(name, kind);
    host.copy_in(support::manifests_dir(), MANIFESTS)
        .expect("copying the manifests in");
    host
}

fn whole_stack(kind: HostKind) {
    let bed = Bed::new();
    let started = Instant::now();
    let [web1, web2, lb] = support::web_stack(|n| stack_host(&bed, n, kind));
    let client = bed.net.client("client").expect("a client host");
    eprintln!("hosts up in {:.2?}", started.elapsed());

    // One manifest, unchanged, on all three hosts at once.
    let site = format!("{MANIFESTS}/site.pp");
    let first = apply_all(&[&web1, &web2, &lb], &site);
    for ((run, took), name) in first.iter().zip(["web-01", "web-02", "lb-01"]) {
        eprintln!("first apply on {name}: {took:.2?}, exit {}", run.code);
        assert_eq!(run.code, 2, "{name}: changes, no failures:\n{}", run.all());
    }
    // Each host verifies what it serves before its apply ends: the web servers their three
    // answers, lb-01 each backend through its frontend (waiting, bounded, for web servers
    // converging at the same time). The report lists every check, passed.
    for ((run, _), (name, want)) in first.iter().zip([
        ("web-01", &WEB_CHECKS[..]),
        ("web-02", &WEB_CHECKS[..]),
        ("lb-01", &LB_CHECKS[..]),
    ]) {
        let checks: Vec<(String, String)> = statuses(&run.report())
            .into_iter()
            .filter(|(r, _)| r.starts_with("Http_check["))
            .collect();
        let want: Vec<(String, String)> = want
            .iter()
            .map(|c| (format!("Http_check[{c}]"), "unchanged".to_string()))
            .collect();
        assert_eq!(checks, want, "{name}: every check listed and passed");
    }
    let lb_changed = changed(&first[2].0);
    for r in [
        "Package[haproxy]",
        "File[/etc/haproxy/haproxy.cfg]",
        "Service[haproxy]",
    ] {
        assert!(lb_changed.iter().any(|c| c == r), "{r} in {lb_changed:?}");
    }

    // Enabled at boot, the way this host's init system starts things.
    let enabled = match kind {
        HostKind::Systemd => "systemctl is-enabled --quiet haproxy",
        _ => "ls /etc/rc2.d/S*haproxy",
    };
    assert!(lb.sh(enabled).unwrap().success(), "haproxy enabled at boot");

    // Health checks bring a just-started backend in after a moment: wait, then assert.
    let waited = wait_for_servers(&client, &["web-01", "web-02"], Duration::from_secs(20));
    eprintln!("both backends in rotation {waited:.2?} after the applies");
    assert_round_robin(&client, &["web-01", "web-02"], 6);

    // Converged: a second apply changes nothing anywhere.
    for ((run, took), name) in apply_all(&[&web1, &web2, &lb], &site)
        .iter()
        .zip(["web-01", "web-02", "lb-01"])
    {
        eprintln!("second apply on {name}: {took:.2?}");
        assert_eq!(run.code, 0, "{name}: nothing to do:\n{}", run.all());
        assert_eq!(run.report()["summary"]["changed"], 0, "{name}");
    }

    // A backend goes away: everything goes to the other one, within a few seconds.
    assert!(web1.sh("service nginx stop").unwrap().success());
    let took = wait_for_servers(&client, &["web-02"], Duration::from_secs(10));
    eprintln!("web-01 out of rotation after {took:.2?}");
    // And it stays so while the health checks mark web-01 down (fall 3 x inter 1s).
    let since = Instant::now();
    let mut during = 0;
    while since.elapsed() < Duration::from_secs(4) {
        assert_round_robin(&client, &["web-02"], 4);
        during += 4;
    }
    eprintln!("{during} requests while web-01 was down, all served by web-02");
    // `converge doctor` on lb-01, from the catalog its apply saved, names web-01 as down,
    // with HAProxy's own view of it and, under systemd, HAProxy's journal.
    let began = Instant::now();
    let dr = lb
        .exec(&["converge", "doctor"])
        .expect("running converge doctor");
    eprintln!(
        "doctor on lb-01 with web-01 down ({:.2?}):\n{}",
        began.elapsed(),
        dr.stdout
    );
    assert_eq!(dr.status.code(), Some(1), "{}\n{}", dr.stdout, dr.stderr);
    let mut wants = vec![
        "BROKEN Http_check[load_balancer backend web-01]",
        "ok     Http_check[load_balancer backend web-02]",
        "BROKEN haproxy on port 80: upstream web-01 failed",
        "HAProxy reports web-01 DOWN",
    ];
    if kind == HostKind::Systemd {
        wants.extend(["last lines of journalctl -u haproxy", "web-01 is DOWN"]);
    }
    for want in wants {
        assert!(dr.stdout.contains(want), "{want}:\n{}", dr.stdout);
    }
    assert!(web1.sh("service nginx start").unwrap().success());
    let took = wait_for_servers(&client, &["web-01", "web-02"], Duration::from_secs(10));
    eprintln!("web-01 back in rotation after {took:.2?}");
    assert_round_robin(&client, &["web-01", "web-02"], 6);

    // A third web server; the backend list changes in the manifest; lb-01 reloads.
    let web3 = stack_host(&bed, "web-03", kind);
    let three = format!("{MANIFESTS}/site-three.pp");
    let variant = site_variant(&["web-01", "web-02", "web-03"], "roundrobin");
    for h in [&web3, &lb] {
        h.write_file(&three, variant.as_bytes()).unwrap();
    }
    let (run, took) = apply(&web3, &three);
    eprintln!("first apply on web-03: {took:.2?}");
    assert_eq!(run.code, 2, "{}", run.all());

    // Under systemd a reload keeps the master process; a restart would replace it.
    let main_pid = || {
        lb.sh("systemctl show -p MainPID --value haproxy")
            .unwrap()
            .stdout
            .trim()
            .to_string()
    };
    let pid_before = (kind == HostKind::Systemd).then(main_pid);
    let (answers, (run, took)) = support::under_load(
        &client,
        "http://lb-01/",
        Duration::from_millis(1500),
        || apply(&lb, &three),
    );
    eprintln!("apply on lb-01 with web-03 added: {took:.2?}");
    assert_eq!(run.code, 2, "{}", run.all());
    assert_eq!(
        changed(&run),
        ["File[/etc/haproxy/haproxy.cfg]", "Service[haproxy]"],
        "{}",
        run.all()
    );
    let report = run.report();
    let service = support::resource(&report, "Service[haproxy]");
    assert!(
        service["refresh"]
            .as_str()
            .is_some_and(|r| r.contains("Triggered 'refresh'")),
        "the config change reloads HAProxy: {service}"
    );
    let failed: Vec<&Answer> = answers.iter().filter(|a| !a.ok()).collect();
    eprintln!(
        "{} requests during the reload, {} failed",
        answers.len(),
        failed.len()
    );
    assert!(
        answers.len() >= 10,
        "the loop ran through the reload: {}",
        answers.len()
    );
    assert!(
        failed.is_empty(),
        "requests failed during the reload: {failed:?}"
    );
    if let Some(before) = pid_before {
        assert_eq!(main_pid(), before, "HAProxy was reloaded, not restarted");
    }
    let passed: Vec<(String, String)> = statuses(&report)
        .into_iter()
        .filter(|(r, _)| r.starts_with("Http_check["))
        .collect();
    assert_eq!(
        passed,
        ["web-01", "web-02", "web-03"].map(|b| (
            format!("Http_check[load_balancer backend {b}]"),
            "unchanged".to_string()
        )),
        "the new backend is checked through lb-01 too"
    );
    let cfg = String::from_utf8(lb.read_file(HAPROXY_CFG).unwrap()).unwrap();
    assert!(cfg.contains("server web-03 web-03:80 check"), "{cfg}");
    wait_for_servers(
        &client,
        &["web-01", "web-02", "web-03"],
        Duration::from_secs(10),
    );
    assert_round_robin(&client, &["web-01", "web-02", "web-03"], 9);

    // HAProxy refuses the setting: the resource fails with its words, nothing else moves.
    let bogus = format!("{MANIFESTS}/site-bogus.pp");
    lb.write_file(
        &bogus,
        site_variant(&["web-01", "web-02", "web-03"], "bogus").as_bytes(),
    )
    .unwrap();
    let (run, _) = apply(&lb, &bogus);
    assert_eq!(run.code, 4, "a failure and nothing else:\n{}", run.all());
    let st = statuses(&run.report());
    assert!(
        st.contains(&("File[/etc/haproxy/haproxy.cfg]".into(), "failed".into()))
            && st.contains(&("Service[haproxy]".into(), "skipped".into())),
        "the file fails and HAProxy is not reloaded: {st:?}"
    );
    let text = run.all();
    assert!(
        text.contains("[ALERT]") && text.contains("balance only supports 'roundrobin'"),
        "HAProxy's own message is shown:\n{text}"
    );
    // The checks depend on the service the failure skipped: skipped too, not run against
    // a configuration that was never loaded.
    for b in ["web-01", "web-02", "web-03"] {
        let check = format!("Http_check[load_balancer backend {b}]");
        assert!(
            st.contains(&(check.clone(), "skipped".into())),
            "{check} skipped: {st:?}"
        );
    }
    let left = lb.sh("ls -A /etc/haproxy").unwrap().stdout;
    assert!(
        !left.contains(".converge"),
        "the rejected copy is gone: {left}"
    );
    let after = String::from_utf8(lb.read_file(HAPROXY_CFG).unwrap()).unwrap();
    assert_eq!(after, cfg, "the live configuration is untouched");
    assert_round_robin(&client, &["web-01", "web-02", "web-03"], 6);
}

#[test]
fn init_script_hosts_run_the_whole_stack() {
    whole_stack(HostKind::InitScript);
}

#[test]
fn systemd_hosts_run_the_whole_stack() {
    whole_stack(HostKind::Systemd);
}
