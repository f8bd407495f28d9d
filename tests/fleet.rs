//! End-to-end: many hosts from one controller over SSH (issue 9). A controller host with
//! the converge binary and the repository's manifests converges fresh web-01, web-02 and
//! lb-01, which have nothing but sshd and the controller's key (generated here); converge
//! copies itself there, into a directory only root can reach, over the one ssh channel that
//! also carries the facts, the catalog and the report. Then one catalog shared by nodes that
//! agree on the facts it read, no secret on any command line, a deploy user with and without
//! `run_as` (sudo), a dry run and a rolling update of the web group under load, a rollout
//! that stops at a failing check, an unreachable host, a host that takes too long, host keys
//! (unknown, accepted on request, changed), and 20 hosts at once.
//! Needs root and the test image (`.ci/testbed-setup`); fails loudly without.

mod support;

use converge_testhost::{Host, HostKind};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use support::{requests, Answer, Bed, Run};

/// Where the manifests are on the controller.
const MANIFESTS: &str = "/root/manifests";
/// The index page the shipped manifest serves.
const OLD_TEXT: &str = "Hello World!";

/// Runs a shell script in `host`; it must succeed. Its stdout.
fn sh(host: &Host, script: &str) -> String {
    let out = host.sh(script).expect("running a shell command");
    assert!(
        out.success(),
        "{}: {script}: {}{}",
        host.name(),
        out.stdout,
        out.stderr
    );
    out.stdout
}

/// A controller: converge installed, the manifests copied, an ssh client and a new key.
/// `CONVERGE_FLEET_BINARY` names another converge build to install (docs/scaling.md
/// measures a release build with it).
fn controller(bed: &Bed) -> (Host, String) {
    let c = bed.host("controller", HostKind::InitScript);
    if let Ok(bin) = std::env::var("CONVERGE_FLEET_BINARY") {
        c.install_converge(Path::new(&bin))
            .expect("installing CONVERGE_FLEET_BINARY");
    }
    c.copy_in(support::manifests_dir(), MANIFESTS)
        .expect("copying the manifests in");
    sh(
        &c,
        "apt-get install -y -q openssh-client >/dev/null && \
         mkdir -p -m 700 /root/.ssh && \
         ssh-keygen -q -t ed25519 -N '' -C controller -f /root/.ssh/id_ed25519",
    );
    let key = String::from_utf8(c.read_file("/root/.ssh/id_ed25519.pub").unwrap()).unwrap();
    (c, key)
}

/// A fresh target: sshd running, the controller's key authorized, and no converge at all.
/// Returns the host and its known_hosts line (name and address).
fn target(bed: &Bed, name: &str, key: &str) -> (Host, String) {
    let h = bed
        .net
        .host(&bed.image, name, HostKind::InitScript)
        .unwrap_or_else(|e| panic!("starting {name}: {e}"));
    sh(
        &h,
        "apt-get install -y -q openssh-server >/dev/null && service ssh start >/dev/null",
    );
    h.write_file("/root/.ssh/authorized_keys", key.as_bytes())
        .unwrap();
    sh(
        &h,
        "chmod 700 /root/.ssh && chmod 600 /root/.ssh/authorized_keys",
    );
    assert!(
        !sh(&h, "ls /usr/local/bin /var/lib").contains("converge"),
        "{name} starts without converge"
    );
    let hostkey =
        String::from_utf8(h.read_file("/etc/ssh/ssh_host_ed25519_key.pub").unwrap()).unwrap();
    let mut parts = hostkey.split_whitespace();
    let line = format!(
        "{name},{} {} {}\n",
        h.ip(),
        parts.next().unwrap(),
        parts.next().unwrap()
    );
    (h, line)
}

/// Starts the controller and the targets, all at once; the controller trusts every
/// target's host key (strict checking stays on: an unknown key would fail).
fn fleet(bed: &Bed, names: &[&str]) -> (Host, Vec<Host>) {
    let (c, key) = controller(bed);
    let made: Vec<(Host, String)> = std::thread::scope(|s| {
        let hs: Vec<_> = names
            .iter()
            .map(|n| {
                let key = &key;
                s.spawn(move || target(bed, n, key))
            })
            .collect();
        hs.into_iter()
            .map(|h| h.join().expect("starting a target"))
            .collect()
    });
    let known: String = made.iter().map(|(_, l)| l.as_str()).collect();
    c.write_file("/root/.ssh/known_hosts", known.as_bytes())
        .unwrap();
    (c, made.into_iter().map(|(h, _)| h).collect())
}

/// `converge <args>` on the controller, timed.
fn converge(c: &Host, args: &[&str]) -> (Run, Duration) {
    let mut argv = vec!["converge"];
    argv.extend_from_slice(args);
    let start = Instant::now();
    let run = support::run(c, &argv);
    (run, start.elapsed())
}

/// A fleet apply with `--format json`: the exit code and the per-host results by name.
fn apply_json(c: &Host, args: &[&str]) -> (i32, serde_json::Value, Run) {
    let mut all = vec!["apply", "--detailed-exitcodes", "--format", "json"];
    all.extend_from_slice(args);
    let (run, took) = converge(c, &all);
    eprintln!(
        "converge {}: exit {} in {took:.2?}",
        all.join(" "),
        run.code
    );
    let v = fleet_json(&run);
    (run.code, v, run)
}

/// The JSON fleet report of a run.
fn fleet_json(run: &Run) -> serde_json::Value {
    serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("not a JSON fleet report ({e}):\n{}", run.all()))
}

/// The line of host `name` in the table a fleet run printed.
fn table_row<'a>(run: &'a Run, name: &str) -> &'a str {
    run.stdout
        .lines()
        .find(|l| l.starts_with(name))
        .unwrap_or_else(|| panic!("{name} in the table:\n{}", run.stdout))
}

/// The result of `host` in a JSON fleet report.
fn host<'a>(v: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    v["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["host"] == name)
        .unwrap_or_else(|| panic!("{name} in {v:#}"))
}

/// The refs a host's report lists with `status`.
fn with_status(h: &serde_json::Value, status: &str) -> Vec<String> {
    h["report"]["resources"]
        .as_array()
        .map(|rs| {
            rs.iter()
                .filter(|r| r["status"] == status)
                .map(|r| r["ref"].as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// Waits (bounded) until lb-01 answers from both web servers, then checks that
/// consecutive answers alternate between them.
fn assert_alternates(client: &Host) {
    let start = Instant::now();
    loop {
        let a = requests(client, "http://lb-01/", 4);
        let both = a.iter().all(Answer::ok)
            && a.iter().any(|a| a.served_by.as_deref() == Some("web-01"))
            && a.iter().any(|a| a.served_by.as_deref() == Some("web-02"));
        if both {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "lb-01 never served from both web servers: {a:?}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let a = requests(client, "http://lb-01/", 6);
    let order: Vec<String> = a
        .iter()
        .map(|a| a.served_by.clone().unwrap_or_default())
        .collect();
    for (x, w) in a.iter().zip(&order) {
        assert!(x.ok() && x.body == OLD_TEXT, "{x:?}");
        assert!(w == "web-01" || w == "web-02", "{order:?}");
    }
    for pair in order.windows(2) {
        assert_ne!(pair[0], pair[1], "requests alternate: {order:?}");
    }
}

/// site.pp with the web servers' index text changed (and, if given, an extra check).
fn site_with_text(text: &str, extra: &str) -> String {
    format!(
        "node 'web-01', 'web-02' {{\n  class {{ 'web_server': index_text => '{text}' }}\n\
         notice(\"index text for ${{facts['networking']['hostname']}}: {text}\")\n{extra}}}\n\
         node 'lb-01' {{\n  include load_balancer\n}}\n"
    )
}

/// The scenario in order: converge three fresh hosts, converge again (no change),
/// a dry run of the web group, a rolling update under load, a rollout stopped by a failed
/// check, an unreachable host, a host cut off by --host-timeout. One set of hosts serves all
/// phases to keep CI time small.
#[test]
fn a_controller_converges_rolls_and_survives_an_unreachable_host() {
    let bed = Bed::new();
    let started = Instant::now();
    let (c, hosts) = fleet(&bed, &["web-01", "web-02", "lb-01"]);
    let [web1, web2, lb] = [&hosts[0], &hosts[1], &hosts[2]];
    let client = bed.net.client("client").expect("a client host");
    eprintln!(
        "controller and 3 targets with sshd up in {:.2?}",
        started.elapsed()
    );
    let inventory = format!(
        "[defaults]\nuser = \"root\"\n\n[hosts.web-01]\n[hosts.web-02]\n\
         [hosts.lb-01]\naddress = \"{}\"\nport = 22\n\n\
         [groups]\nweb = [\"web-01\", \"web-02\"]\nlb = [\"lb-01\"]\n",
        lb.ip()
    );
    c.write_file("/root/inventory.toml", inventory.as_bytes())
        .unwrap();
    let site = format!("{MANIFESTS}/site.pp");

    // Every ssh the controller runs is logged (its arguments, NUL-separated, after a line
    // `CALL`), to count round trips and to look for secrets.
    c.write_file(
        "/usr/local/bin/ssh",
        b"#!/bin/sh\necho CALL >> /root/ssh-calls\nprintf '%s\\0' \"$@\" >> /root/ssh-calls\necho >> /root/ssh-calls\nexec /usr/bin/ssh \"$@\"\n",
    )
    .unwrap();
    sh(
        &c,
        "chmod 755 /usr/local/bin/ssh && command -v ssh | grep -q /usr/local/bin/ssh",
    );
    let ssh_calls = |c: &Host| -> usize {
        let n = sh(c, "grep -c '^CALL$' /root/ssh-calls; rm -f /root/ssh-calls");
        n.trim().parse().unwrap()
    };

    // The shipped site.pp, unchanged, on all three at once.
    let (code, v, run) = apply_json(&c, &[&site, "--targets", "web-01,web-02,lb-01"]);
    eprintln!("{}", run.stderr);
    assert_eq!(code, 2, "changes on every host, no failure:\n{}", run.all());
    for name in ["web-01", "web-02", "lb-01"] {
        let h = host(&v, name);
        assert_eq!(h["exit_code"], 2, "{name}: {h:#}");
        assert_eq!(h["copied_binary"], true, "converge was copied to {name}");
        assert!(with_status(h, "failed").is_empty(), "{name}: {h:#}");
    }
    let lb_changed = with_status(host(&v, "lb-01"), "changed");
    assert!(
        lb_changed.contains(&"Service[haproxy]".to_string()),
        "{lb_changed:?}"
    );
    // Per fresh host, one ssh: who, whether the build is there, its copy, the facts, the
    // catalog and the report all go over one channel.
    assert_eq!(ssh_calls(&c), 3, "ssh invocations for three fresh hosts");
    // The copied binary is there under its version and checksum, root's alone, executable,
    // and nothing of it was left in /tmp.
    let bin = sh(web1, "ls /var/lib/converge/bin");
    assert!(bin.starts_with("converge-0."), "{bin}");
    assert_eq!(
        sh(
            web1,
            "stat -c '%U %a' /var/lib/converge/bin /var/lib/converge/bin/converge-*"
        ),
        "root 700\nroot 700\n"
    );
    assert!(sh(web1, "/var/lib/converge/bin/converge-* --version").contains("converge"));
    assert_eq!(sh(web1, "ls -A /tmp /var/tmp"), "/tmp:\n\n/var/tmp:\n");
    assert_alternates(&client);

    // Converged: a second run changes nothing anywhere and copies nothing.
    let (code, v, run) = apply_json(&c, &[&site, "--targets", "web-01,web-02,lb-01"]);
    assert_eq!(code, 0, "nothing to do:\n{}", run.all());
    for name in ["web-01", "web-02", "lb-01"] {
        let h = host(&v, name);
        assert_eq!(h["report"]["summary"]["changed"], 0, "{name}: {h:#}");
        assert_eq!(h["copied_binary"], false, "{name}");
        // A converged host streams back its summary and nothing else.
        assert_eq!(
            h["report"]["resources"],
            serde_json::json!([]),
            "{name}: {h:#}"
        );
    }
    // One ssh per converged host too, and one round trip before the apply.
    assert_eq!(
        ssh_calls(&c),
        3,
        "ssh invocations for three converged hosts"
    );
    let (run, _) = converge(&c, &["apply", &site, "--targets", "web-01,web-02,lb-01"]);
    assert_eq!(run.code, 0, "{}", run.all());
    for name in ["web-01", "web-02", "lb-01"] {
        let lines: Vec<&str> = run
            .stderr
            .lines()
            .filter(|l| l.starts_with(&format!("{name}: ")))
            .filter(|l| !l.ends_with(": connecting") && !l.ends_with(": gathering facts"))
            .filter(|l| !l.ends_with(": compiling") && !l.ends_with(": applying"))
            .collect();
        assert_eq!(lines.len(), 1, "{name}: only its summary:\n{}", run.stderr);
        assert!(lines[0].contains(": 0 changed ("), "{}", lines[0]);
    }
    ssh_calls(&c);

    // A manifest that reads no fact of the host's: one compile serves all three. Its
    // secret travels on stdin only: no command line on the controller or a target shows it.
    shared_catalog_and_no_secret_on_a_command_line(&c, web1);

    // A deploy user instead of root (issue 9's gap): web-01 lets it sudo without a
    // password, lb-01 has no sudoers rule. Without run_as both refuse before touching
    // anything; with it web-01 converges through sudo and lb-01 fails alone, saying why.
    deploy_user_with_run_as(&c, web1, lb);

    // A new index text: a dry run of the web group shows each host's diff, changes nothing.
    let new_text = "Hello Fleet!";
    c.write_file(&site, site_with_text(new_text, "").as_bytes())
        .unwrap();
    let (run, _) = converge(
        &c,
        &[
            "plan",
            &site,
            "--inventory",
            "/root/inventory.toml",
            "--targets",
            "web",
            "--detailed-exitcodes",
        ],
    );
    assert_eq!(run.code, 2, "changes pending:\n{}", run.all());
    for name in ["web-01", "web-02"] {
        for want in [
            format!("{name}: File[/var/www/html/index.html]/content: "),
            format!("{name}:     -{OLD_TEXT}"),
            format!("{name}:     +{new_text}"),
        ] {
            assert!(run.stderr.contains(&want), "{want:?} in\n{}", run.stderr);
        }
    }
    assert!(
        !run.all().contains("lb-01"),
        "lb-01 is not in the web group"
    );
    assert_eq!(
        requests(&client, "http://lb-01/", 2)[0].body,
        OLD_TEXT,
        "the dry run changed nothing"
    );
    // Each host's compile messages are shown under its name, with its facts.
    assert!(
        run.stderr
            .contains(&format!("index text for web-02: {new_text}")),
        "{}",
        run.stderr
    );

    // A manifest that does not compile for a host sends it nothing and says why.
    c.write_file(
        "/root/manifests/broken.pp",
        b"node default {\n  package { 'nginx': ensur => installed }\n}\n",
    )
    .unwrap();
    let (run, _) = converge(
        &c,
        &["apply", "/root/manifests/broken.pp", "--targets", "web-01"],
    );
    assert_eq!(run.code, 1, "{}", run.all());
    for want in [
        "web-01: the catalog does not compile; nothing was sent",
        "no parameter named 'ensur'",
        "broken.pp:2:",
    ] {
        assert!(run.stderr.contains(want), "{want:?} in\n{}", run.stderr);
    }
    assert!(run.stdout.contains("web-01  failed"), "{}", run.stdout);

    // Rolling, one web server at a time, while a client keeps asking lb-01.
    let (answers, (run, took)) = support::under_load(
        &client,
        "http://lb-01/",
        Duration::from_millis(1000),
        || {
            converge(
                &c,
                &[
                    "apply",
                    &site,
                    "--inventory",
                    "/root/inventory.toml",
                    "--targets",
                    "web",
                    "--serial",
                    "1",
                    "--detailed-exitcodes",
                ],
            )
        },
    );
    eprintln!("rolling update of the web group: {took:.2?}\n{}", run.all());
    assert_eq!(run.code, 2, "{}", run.all());
    let b1 = run
        .stderr
        .find("batch 1/2: web-01")
        .expect("batch 1 is web-01");
    let b2 = run
        .stderr
        .find("batch 2/2: web-02")
        .expect("batch 2 is web-02");
    let web1_done = run.stderr.find("web-01: 1 changed").expect("web-01 done");
    assert!(
        b1 < web1_done && web1_done < b2,
        "web-01 finished before web-02 began"
    );
    let failed = answers.iter().filter(|a| !a.ok()).count();
    let old = answers.iter().filter(|a| a.body == OLD_TEXT).count();
    let new = answers.iter().filter(|a| a.body == new_text).count();
    eprintln!(
        "{} requests during the rollout: {failed} failed, {old} old text, {new} new text",
        answers.len()
    );
    assert!(
        answers.len() >= 10,
        "the client ran throughout: {}",
        answers.len()
    );
    assert_eq!(failed, 0, "failed requests: {answers:?}");
    assert_eq!(
        old + new,
        answers.len(),
        "old or new text only: {answers:?}"
    );
    assert!(new > 0, "the new text was served before the end");
    for a in requests(&client, "http://lb-01/", 4) {
        assert_eq!(a.body, new_text, "{a:?}");
    }

    // A change whose check fails on the first batch stops the rollout there.
    let broken = "  http_check { 'missing': url => 'http://127.0.0.1/missing', timeout => 2 }\n";
    c.write_file(&site, site_with_text("Hello Broken!", broken).as_bytes())
        .unwrap();
    let (code, v, run) = apply_json(
        &c,
        &[
            &site,
            "--inventory",
            "/root/inventory.toml",
            "--targets",
            "web",
            "--serial",
            "1",
        ],
    );
    assert_eq!(code, 6, "changes and a failure:\n{}", run.all());
    assert_eq!(
        with_status(host(&v, "web-01"), "failed"),
        ["Http_check[missing]"],
        "{v:#}"
    );
    assert_eq!(v["stopped_after_batch"], 1, "{v:#}");
    let w2 = host(&v, "web-02");
    assert!(
        w2["error"]
            .as_str()
            .unwrap_or_default()
            .starts_with("not run"),
        "{w2:#}"
    );
    assert_eq!(
        String::from_utf8(web2.read_file("/var/www/html/index.html").unwrap()).unwrap(),
        format!("{new_text}\n"),
        "web-02 was not touched"
    );

    // web-02 becomes unreachable: the others converge; the table and exit code name it.
    sh(web2, "service ssh stop >/dev/null");
    let final_text = "Hello Again!";
    c.write_file(&site, site_with_text(final_text, "").as_bytes())
        .unwrap();
    let (run, _) = converge(
        &c,
        &[
            "apply",
            &site,
            "--targets",
            "web-01,web-02,lb-01",
            "--detailed-exitcodes",
        ],
    );
    eprintln!("{}", run.all());
    assert_eq!(run.code, 1, "a host could not be reached:\n{}", run.all());
    let row = |name: &str| {
        let cells: Vec<&str> = table_row(&run, name).split_whitespace().take(4).collect();
        cells.join(" ")
    };
    assert_eq!(row("web-01"), "web-01 changed 1 0", "{}", run.stdout);
    assert_eq!(row("lb-01"), "lb-01 unchanged 0 0", "{}", run.stdout);
    assert_eq!(row("web-02"), "web-02 unreachable - -", "{}", run.stdout);
    assert!(run.stdout.contains("Connection refused"), "{}", run.stdout);
    assert_eq!(
        String::from_utf8(web1.read_file("/var/www/html/index.html").unwrap()).unwrap(),
        format!("{final_text}\n")
    );

    // A host that takes too long is cut off at --host-timeout and reported; lb-01 finishes.
    let slow = "  exec { 'slow': command => '/bin/sleep 300' }\n";
    c.write_file(&site, site_with_text(final_text, slow).as_bytes())
        .unwrap();
    let (run, took) = converge(
        &c,
        &[
            "apply",
            &site,
            "--targets",
            "web-01,lb-01",
            "--host-timeout",
            "10",
            "--detailed-exitcodes",
        ],
    );
    eprintln!("{}", run.all());
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(took < Duration::from_secs(60), "cut off in time: {took:?}");
    let row = |name: &str| table_row(&run, name);
    assert!(
        row("web-01").contains(" timeout ") && row("web-01").contains("while applying"),
        "{}",
        run.stdout
    );
    assert!(row("lb-01").contains(" unchanged "), "{}", run.stdout);

    host_keys(&c, lb, &site);
}

/// Host keys as ssh checks them: an unknown host is refused (BatchMode never asks), taken
/// with --accept-new-host-keys and recorded; a changed key is refused even then.
fn host_keys(c: &Host, lb: &Host, site: &str) {
    sh(
        c,
        // ssh also recorded lb-01's other keys, hashed, when it first logged in
        // (UpdateHostKeys): ssh-keygen -R removes those, grep the line the test wrote.
        "ssh-keygen -R lb-01 -f /root/.ssh/known_hosts >/dev/null 2>&1; \
         grep -v '^lb-01,' /root/.ssh/known_hosts > /root/kh; mv /root/kh /root/.ssh/known_hosts && \
         ! ssh-keygen -F lb-01 -f /root/.ssh/known_hosts",
    );
    let apply = |extra: &[&str]| {
        let mut args = vec!["apply", site, "--targets", "lb-01", "--detailed-exitcodes"];
        args.extend_from_slice(extra);
        let (run, _) = converge(c, &args);
        eprintln!("{}", run.all());
        run
    };
    let run = apply(&[]);
    assert_eq!(run.code, 1, "{}", run.all());
    let row = table_row(&run, "lb-01");
    assert!(
        row.contains(" untrusted ")
            && row.contains("is not in known_hosts")
            && row.contains("--accept-new-host-keys"),
        "{row}"
    );
    let run = apply(&["--accept-new-host-keys"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(
        !sh(c, "ssh-keygen -F lb-01 -f /root/.ssh/known_hosts").is_empty(),
        "lb-01's key is recorded"
    );
    // lb-01 is reinstalled: new host keys. Never accepted silently.
    sh(
        lb,
        "rm -f /etc/ssh/ssh_host_* && ssh-keygen -A >/dev/null && service ssh restart >/dev/null",
    );
    let run = apply(&["--accept-new-host-keys"]);
    assert_eq!(run.code, 1, "{}", run.all());
    let row = table_row(&run, "lb-01");
    assert!(
        row.contains(" untrusted ") && row.contains("has changed"),
        "{row}"
    );
}

/// Reads what processes' command lines say on `host`, every few milliseconds, into
/// /root/cmdlines until /root/stop-sampling appears (30 s at most).
fn start_sampling(host: &Host) {
    sh(
        host,
        "rm -f /root/stop-sampling /root/cmdlines; \
         (end=$(($(date +%s) + 30)); \
          while [ ! -e /root/stop-sampling ] && [ $(date +%s) -lt $end ]; do \
            cat /proc/[0-9]*/cmdline 2>/dev/null | tr '\\0' ' '; echo; sleep 0.005; \
          done > /root/cmdlines 2>/dev/null) >/dev/null 2>&1 &",
    );
}

fn stop_sampling(host: &Host) -> String {
    sh(host, "touch /root/stop-sampling; sleep 0.2");
    String::from_utf8(host.read_file("/root/cmdlines").unwrap()).unwrap()
}

/// The phase of the scenario where a manifest reads no fact: every host gets the one
/// compile, and its secret never shows on a command line (ssh's, sudo's, converge's).
fn shared_catalog_and_no_secret_on_a_command_line(c: &Host, web1: &Host) {
    let secret = "hunter2-planted-secret-7f3a";
    let manifest = "/root/manifests/secret.pp";
    c.write_file(
        manifest,
        format!(
            "node default {{\n  file {{ '/etc/app.secret': content => '{secret}', mode => '0600' }}\n  \
             exec {{ 'hold the apply open': command => '/bin/sleep 2' }}\n}}\n"
        )
        .as_bytes(),
    )
    .unwrap();
    start_sampling(c);
    start_sampling(web1);
    let (code, v, run) = apply_json(c, &[manifest, "--targets", "web-01,web-02,lb-01"]);
    let on_target = stop_sampling(web1);
    let on_controller = stop_sampling(c);
    assert_eq!(code, 2, "{}", run.all());
    let compiled: Vec<&serde_json::Value> = v["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["catalog_from"].is_null())
        .collect();
    assert_eq!(compiled.len(), 1, "one compile for all three: {v:#}");
    for name in ["web-01", "web-02", "lb-01"] {
        assert_eq!(
            with_status(host(&v, name), "changed").len(),
            2,
            "{name}: {v:#}"
        );
    }
    assert_eq!(
        String::from_utf8(web1.read_file("/etc/app.secret").unwrap()).unwrap(),
        secret
    );
    // The samplers did see the apply running, on both sides.
    assert!(
        on_target.contains("apply --catalog - "),
        "the target's sampler saw the apply"
    );
    assert!(
        on_controller.contains(&format!(
            "converge apply --detailed-exitcodes --format json {manifest}"
        )),
        "the controller's sampler saw converge"
    );
    let argv = sh(c, "tr '\\0' ' ' < /root/ssh-calls; rm -f /root/ssh-calls");
    for (place, text) in [
        ("a target's processes", &on_target),
        ("the controller's processes", &on_controller),
        ("ssh's arguments", &argv),
    ] {
        assert!(
            !text.contains(secret),
            "the secret is on a command line in {place}"
        );
    }
}

/// The `run_as` phase of the scenario on web-01 (NOPASSWD sudo) and lb-01 (sudo, no rule).
fn deploy_user_with_run_as(c: &Host, web1: &Host, lb: &Host) {
    let started = Instant::now();
    let deploy = "apt-get install -y -q sudo >/dev/null && \
                  useradd -m -s /bin/sh deploy && usermod -p '*' deploy && \
                  install -d -m 700 -o deploy -g deploy /home/deploy/.ssh && \
                  install -m 600 -o deploy -g deploy /root/.ssh/authorized_keys /home/deploy/.ssh/";
    std::thread::scope(|s| {
        s.spawn(|| sh(lb, deploy));
        sh(
            web1,
            &format!(
                "{deploy} && echo 'deploy ALL=(root) NOPASSWD: ALL' > /etc/sudoers.d/converge && \
                 chmod 440 /etc/sudoers.d/converge && rm -r /var/lib/converge/bin"
            ),
        );
    });
    let manifest = "/root/manifests/run_as.pp";
    c.write_file(
        manifest,
        b"node default {\n  file { '/etc/converged-by': content => \"run_as\\n\" }\n}\n",
    )
    .unwrap();
    let inventory = |run_as: &str| {
        format!("[defaults]\nuser = \"deploy\"\n{run_as}\n[hosts.web-01]\n[hosts.lb-01]\n")
    };
    c.write_file("/root/deploy.toml", inventory("").as_bytes())
        .unwrap();
    let (code, v, run) = apply_json(c, &[manifest, "--inventory", "/root/deploy.toml"]);
    assert_eq!(code, 1, "{}", run.all());
    for name in ["web-01", "lb-01"] {
        assert_eq!(
            host(&v, name)["error"],
            format!(
                "apply needs root on {name}: deploy is not root; log in as root or set run_as (--run-as root)"
            ),
            "{v:#}"
        );
    }
    sh(
        web1,
        "test ! -e /etc/converged-by && test ! -e /var/lib/converge/bin",
    );

    c.write_file(
        "/root/deploy.toml",
        inventory("run_as = \"root\"").as_bytes(),
    )
    .unwrap();
    let (code, v, run) = apply_json(c, &[manifest, "--inventory", "/root/deploy.toml"]);
    eprintln!("{}", run.stderr);
    assert_eq!(code, 1, "lb-01 failed:\n{}", run.all());
    let w1 = host(&v, "web-01");
    assert_eq!(w1["exit_code"], 2, "{w1:#}");
    assert_eq!(with_status(w1, "changed"), ["File[/etc/converged-by]"]);
    assert_eq!(w1["copied_binary"], true, "copied through sudo: {w1:#}");
    assert_eq!(
        sh(
            web1,
            "stat -c '%U %a' /etc/converged-by /var/lib/converge/bin /var/lib/converge/bin/converge-*"
        ),
        "root 644\nroot 700\nroot 700\n"
    );
    assert_eq!(
        host(&v, "lb-01")["error"],
        "sudo needs a password for deploy on lb-01: allow NOPASSWD for converge, or log in as root",
        "{v:#}"
    );
    assert!(
        !sh(lb, "ls /etc").contains("converged-by"),
        "lb-01 untouched"
    );
    eprintln!("run_as phase, setup included: {:.2?}", started.elapsed());
}

/// The resident memory of converge and its ssh processes on the controller, summed, in KiB.
fn controller_rss_kib(c: &Host) -> u64 {
    let out = c
        .sh("grep -h -E '^(Name|VmRSS):' /proc/[0-9]*/status 2>/dev/null")
        .expect("reading the controller's processes");
    let mut total = 0;
    let mut name = "";
    for line in out.stdout.lines() {
        if let Some(n) = line.strip_prefix("Name:") {
            name = n.trim();
        } else if let Some(kb) = line.strip_prefix("VmRSS:") {
            if name == "converge" || name == "ssh" {
                total += kb
                    .trim()
                    .trim_end_matches("kB")
                    .trim()
                    .parse::<u64>()
                    .unwrap_or(0);
            }
        }
    }
    total
}

/// A fleet apply on the controller, timed, with the peak memory of converge and its ssh
/// processes sampled meanwhile and the CPU time they used (the shell's `times`).
fn measured_apply(c: &Host, args: &[&str]) -> (Run, Duration, u64, String) {
    let stop = AtomicBool::new(false);
    let script = format!(
        "converge apply {} >/tmp/fleet.out 2>/tmp/fleet.err; echo $? >/tmp/fleet.code; times",
        args.join(" ")
    );
    let (out, took, peak) = std::thread::scope(|s| {
        let sampler = s.spawn(|| {
            let mut peak = 0;
            while !stop.load(Ordering::Relaxed) {
                peak = peak.max(controller_rss_kib(c));
                std::thread::sleep(Duration::from_millis(100));
            }
            peak
        });
        let start = Instant::now();
        let out = c.sh(&script).expect("running converge");
        let took = start.elapsed();
        stop.store(true, Ordering::Relaxed);
        (out, took, sampler.join().expect("the memory sampler"))
    });
    let read = |p: &str| String::from_utf8(c.read_file(p).unwrap()).unwrap();
    let run = Run {
        code: read("/tmp/fleet.code").trim().parse().unwrap_or(-1),
        stdout: read("/tmp/fleet.out"),
        stderr: read("/tmp/fleet.err"),
    };
    // `times`: the shell's user and system time, then its children's (converge and the ssh
    // processes converge waited for).
    let cpu = out.stdout.lines().nth(1).unwrap_or_default().to_string();
    (run, took, peak, cpu)
}

/// The median over hosts of the time spent in `phase`, in seconds.
fn median_phase(v: &serde_json::Value, phase: &str) -> f64 {
    let mut t: Vec<f64> = v["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|h| h["phases"][phase].as_f64())
        .collect();
    assert!(!t.is_empty(), "{phase} timed: {v:#}");
    t.sort_by(f64::total_cmp);
    t[t.len() / 2]
}

/// converge's own peak memory (VmHWM) as its report says, in MiB.
fn reported_peak_mib(v: &serde_json::Value) -> f64 {
    v["controller_peak_rss_kib"]
        .as_f64()
        .expect("the peak memory")
        / 1024.0
}

/// Twenty fresh hosts converged from one controller, timed against one; the figures go into
/// docs/scaling.md. `CONVERGE_FLEET_HOSTS=N` measures another size.
#[test]
fn a_fleet_of_fresh_hosts_from_one_controller() {
    let fleet_size: usize = std::env::var("CONVERGE_FLEET_HOSTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(20);
    let bed = Bed::new();
    let started = Instant::now();
    let names: Vec<String> = (0..=fleet_size).map(|i| format!("node-{i:02}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let (c, _hosts) = fleet(&bed, &refs);
    eprintln!(
        "controller and {} targets with sshd up in {:.2?}",
        names.len(),
        started.elapsed()
    );
    let manifest = format!("{MANIFESTS}/scale.pp");
    c.write_file(&manifest, b"node default {\n  include web_server\n}\n")
        .unwrap();
    let json = ["--detailed-exitcodes", "--format", "json"];

    // One fresh host alone, then twenty fresh hosts at once: same manifest, same work each.
    let mut args = vec![manifest.as_str(), "--targets", &names[0]];
    args.extend(json);
    let (one, one_took, one_peak, one_cpu) = measured_apply(&c, &args);
    assert_eq!(one.code, 2, "{}", one.all());
    let one_v = fleet_json(&one);
    let many = names[1..].join(",");
    let parallel = fleet_size.to_string();
    let mut args = vec![
        manifest.as_str(),
        "--targets",
        &many,
        "--parallel",
        &parallel,
    ];
    args.extend(json);
    let (run, took, peak, cpu) = measured_apply(&c, &args);
    assert_eq!(
        run.code,
        2,
        "changes on every host, no failure:\n{}",
        run.all()
    );
    let v = fleet_json(&run);
    let hosts = v["hosts"].as_array().unwrap();
    assert_eq!(hosts.len(), fleet_size);
    for h in hosts {
        assert_eq!(h["exit_code"], 2, "{h:#}");
        assert_eq!(h["copied_binary"], true, "{}", h["host"]);
    }
    eprintln!(
        "scale: 1 host {:.2} s, {fleet_size} hosts {:.2} s (ratio {:.2})\n\
         scale: controller peak memory, converge + ssh sampled: 1 host {:.1} MiB, {fleet_size} hosts \
         {:.1} MiB; converge alone (VmHWM): {:.1} MiB, {:.1} MiB\n\
         scale: controller CPU (user system, converge + ssh): 1 host {one_cpu}, {fleet_size} hosts {cpu}",
        one_took.as_secs_f64(),
        took.as_secs_f64(),
        took.as_secs_f64() / one_took.as_secs_f64(),
        one_peak as f64 / 1024.0,
        peak as f64 / 1024.0,
        reported_peak_mib(&one_v),
        reported_peak_mib(&v),
    );
    for phase in ["connect", "copy", "facts", "compile", "apply"] {
        eprintln!(
            "scale: median {phase}: 1 host {:.3} s, {fleet_size} hosts {:.3} s",
            median_phase(&one_v, phase),
            median_phase(&v, phase)
        );
    }

    // Converged: the second run over all of them changes nothing and copies nothing.
    let (again, again_took, again_peak, again_cpu) = measured_apply(&c, &args);
    assert_eq!(again.code, 0, "{}", again.all());
    let again_v = fleet_json(&again);
    for h in again_v["hosts"].as_array().unwrap() {
        assert_eq!(h["copied_binary"], false, "{h:#}");
    }
    eprintln!(
        "scale: second run over {fleet_size} hosts {:.2} s, peak {:.1} MiB, controller CPU {again_cpu}, \
         median compile {:.3} s, median apply {:.3} s",
        again_took.as_secs_f64(),
        again_peak as f64 / 1024.0,
        median_phase(&again_v, "compile"),
        median_phase(&again_v, "apply"),
    );
}
