//! End-to-end: `converge apply` on fresh Debian hosts (issue 4). Each test starts its own
//! hosts; they need root and the test image (`.ci/testbed-setup`), and fail loudly without.

mod support;

use converge_testhost::HostKind;
use support::{apply_json, assert_unchanged, converge, fingerprint, http_get, statuses, Bed};

/// The way people write it today: package, a header line after `listen`, a subscribed
/// service. `curl` rides along so that two adjacent installs go to apt together.
const NGINX_HEADER: &str = r#"
package { ['nginx', 'curl']:
  ensure => installed,
}
file_line { 'add header':
  path    => '/etc/nginx/sites-available/default',
  after   => 'listen 80 default_server;',
  line    => "\tadd_header X-Served-By ${hostname};",
  require => Package['nginx'],
}
service { 'nginx':
  ensure    => running,
  enable    => true,
  subscribe => File_line['add header'],
}
"#;

fn converges_nginx_then_changes_nothing(kind: HostKind) {
    let bed = Bed::new();
    let web = bed.host("web-01", kind);
    assert!(web.sh("apt-get update -q").unwrap().success());

    let first = apply_json(&web, NGINX_HEADER, &[]);
    assert_eq!(first.code, 2, "first apply makes changes:\n{}", first.all());
    let report = first.report();
    let st = statuses(&report);
    for r in ["Package[nginx]", "Package[curl]", "File_line[add header]"] {
        assert!(
            st.contains(&(r.to_string(), "changed".to_string())),
            "{r} changed: {st:?}"
        );
    }
    let batched = report["resources"][0]["notes"].to_string();
    assert!(
        batched.contains("one apt transaction") && batched.contains("curl"),
        "adjacent installs share one apt run: {batched}"
    );

    let client = bed.net.client("client").unwrap();
    let page = http_get(&client, "http://web-01/");
    assert!(page.starts_with("HTTP/1.1 200"), "nginx serves: {page}");
    assert!(
        page.to_lowercase().contains("x-served-by: web-01"),
        "header carries the hostname: {page}"
    );

    let second = apply_json(&web, NGINX_HEADER, &[]);
    assert_eq!(
        second.code,
        0,
        "second apply has nothing to do:\n{}",
        second.all()
    );
    assert_eq!(second.report()["summary"]["changed"], 0);
    let conf = web.read_file("/etc/nginx/sites-available/default").unwrap();
    let conf = String::from_utf8_lossy(&conf);
    assert_eq!(
        conf.matches("X-Served-By").count(),
        1,
        "one header line:\n{conf}"
    );
}

#[test]
fn init_script_host_converges_nginx_then_second_apply_changes_nothing() {
    converges_nginx_then_changes_nothing(HostKind::InitScript);
}

#[test]
fn systemd_host_converges_nginx_then_second_apply_changes_nothing() {
    converges_nginx_then_changes_nothing(HostKind::Systemd);
}

#[test]
fn dry_run_on_a_fresh_host_writes_nothing_and_predicts_the_apply() {
    let bed = Bed::new();
    let web = bed.host("web-01", HostKind::InitScript);
    assert!(web.sh("apt-get update -q").unwrap().success());
    let manifest = format!(
        "{NGINX_HEADER}\nfile {{ '/etc/motd': content => \"served by ${{hostname}}\\n\" }}\n"
    );
    web.write_file("/root/site.pp", manifest.as_bytes())
        .unwrap();

    let before = fingerprint(&web);
    let dry = converge(
        &web,
        &manifest,
        &["plan", "--detailed-exitcodes", "--format", "json"],
    );
    let after = fingerprint(&web);
    assert_eq!(
        dry.code,
        2,
        "pending changes exit 2 (Puppet says 0):\n{}",
        dry.all()
    );
    assert_unchanged(&before, &after, "the dry run");

    let plain = converge(&web, &manifest, &["plan"]);
    let text = plain.all();
    assert!(text.contains("Package[nginx]/ensure"), "{text}");
    assert!(
        text.contains("+served by web-01"),
        "new files get a diff too:\n{text}"
    );

    let predicted: Vec<String> = statuses(&dry.report())
        .into_iter()
        .filter(|(_, s)| s != "unchanged")
        .map(|(r, _)| r)
        .collect();
    let real = apply_json(&web, &manifest, &[]);
    assert_eq!(real.code, 2, "{}", real.all());
    let changed: Vec<String> = statuses(&real.report())
        .into_iter()
        .filter(|(_, s)| s == "changed")
        .map(|(r, _)| r)
        .collect();
    assert_eq!(
        predicted, changed,
        "the dry run listed exactly what the apply changed"
    );
}

#[test]
fn failure_skips_only_its_dependents_and_exit_codes_say_so() {
    let bed = Bed::new();
    let h = bed.host("h1", HostKind::InitScript);
    let failing = r#"
        exec { 'boom': command => '/bin/false' }
        file { '/srv/after-boom': ensure => file, require => Exec['boom'] }
        file { '/srv/unrelated': ensure => file, content => "ok\n" }
    "#;
    let run = apply_json(&h, failing, &[]);
    assert_eq!(run.code, 6, "changes and failures:\n{}", run.all());
    let st = statuses(&run.report());
    assert!(
        st.contains(&("Exec[boom]".into(), "failed".into())),
        "{st:?}"
    );
    assert!(
        st.contains(&("File[/srv/after-boom]".into(), "skipped".into())),
        "{st:?}"
    );
    assert!(
        st.contains(&("File[/srv/unrelated]".into(), "changed".into())),
        "{st:?}"
    );
    assert!(!h.sh("test -e /srv/after-boom").unwrap().success());
    assert!(
        run.stdout.contains("Exec[boom] has failures"),
        "{}",
        run.stdout
    );

    // Only the failure left: 4. Without --detailed-exitcodes a failure is never 0.
    assert_eq!(apply_json(&h, failing, &[]).code, 4);
    let plain = converge(&h, failing, &["apply"]);
    assert_eq!(plain.code, 1, "{}", plain.all());
    assert!(
        plain.stderr.contains("'/bin/false' returned 1"),
        "{}",
        plain.stderr
    );

    // Nothing to do: 0.
    let calm = "file { '/srv/unrelated': ensure => file, content => \"ok\\n\" }";
    assert_eq!(apply_json(&h, calm, &[]).code, 0);

    // Could not run (a compile error): 1, and nothing was touched.
    let before = fingerprint(&h);
    let broken =
        "file { '/srv/x': ensure => file, content => 'x' }\nnotify { 'y': message => $nope[ }";
    let run = converge(&h, broken, &["apply", "--detailed-exitcodes"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.stderr.contains("error[syntax]"), "{}", run.stderr);
    assert_unchanged(&before, &fingerprint(&h), "a manifest with errors");
}

#[test]
fn refresh_runs_once_for_several_events_and_not_again() {
    let bed = Bed::new();
    let h = bed.host("h1", HostKind::InitScript);
    let manifest = r#"
        file { '/srv/a': content => "a\n", notify => Exec['reload'] }
        file { '/srv/b': content => "b\n", notify => Exec['reload'] }
        exec { 'reload':
          command     => 'echo reloaded >> /srv/reloads',
          provider    => shell,
          refreshonly => true,
        }
    "#;
    let run = converge(&h, manifest, &["apply"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(
        run.stderr.contains("Triggered 'refresh' from 2 events"),
        "{}",
        run.stderr
    );
    let log = h.read_file("/srv/reloads").unwrap();
    assert_eq!(String::from_utf8_lossy(&log), "reloaded\n");
    let again = converge(&h, manifest, &["apply"]);
    assert!(!again.stderr.contains("Triggered"), "{}", again.stderr);
    assert_eq!(
        String::from_utf8_lossy(&h.read_file("/srv/reloads").unwrap()),
        "reloaded\n"
    );
}

#[test]
fn a_second_apply_waits_for_the_lock_or_gives_up() {
    let bed = Bed::new();
    let h = bed.host("h1", HostKind::InitScript);
    let manifest = "file { '/srv/x': content => \"x\\n\" }";
    // Hold the lock from another process for a few seconds.
    h.sh("(flock /run/converge.lock sleep 4) >/dev/null 2>&1 & sleep 0.3")
        .unwrap();
    let gave_up = converge(&h, manifest, &["apply", "--lock-timeout", "1"]);
    assert_eq!(gave_up.code, 1, "{}", gave_up.all());
    assert!(
        gave_up.stderr.contains("another converge apply is running"),
        "{}",
        gave_up.stderr
    );
    assert!(
        !h.sh("test -e /srv/x").unwrap().success(),
        "nothing applied"
    );
    let waited = converge(&h, manifest, &["apply", "--lock-timeout", "20"]);
    assert_eq!(waited.code, 0, "{}", waited.all());
    assert!(
        waited.stderr.contains("waiting for another converge apply"),
        "{}",
        waited.stderr
    );
}

#[test]
fn kill_dash_nine_during_apply_never_leaves_a_partial_file() {
    let bed = Bed::new();
    let h = bed.host("h1", HostKind::InitScript);
    // 200 files of 32 KiB whose content flips between two versions each round, so every
    // round replaces files that exist (the dangerous case) as well as creating new ones.
    let manifest = |round: u32| {
        format!(
            "file {{ '/srv/many': ensure => directory }}\n\
             range(1, 200).each |$i| {{\n\
               file {{ \"/srv/many/f${{i}}\": content => \"{}${{i}}\\n\" }}\n\
             }}\n",
            format!("round-{}-", round % 2).repeat(4000)
        )
    };
    let expected =
        |round: u32, i: u32| format!("{}{i}\n", format!("round-{}-", round % 2).repeat(4000));
    let mut kills = 0;
    for round in 0..50u32 {
        h.write_file("/root/site.pp", manifest(round).as_bytes())
            .unwrap();
        // Kill after a pseudo-random delay of 0-150 ms, from inside the host.
        let delay = (round * 37 + 11) % 150;
        let out = h
            .sh(&format!(
                "converge apply -q /root/site.pp >/dev/null 2>&1 & pid=$!; \
                 sleep 0.{delay:03}; kill -9 $pid 2>/dev/null && echo killed; wait $pid 2>/dev/null; true"
            ))
            .unwrap();
        if out.stdout.contains("killed") {
            kills += 1;
        }
        let listing = h
            .sh("cd /srv/many 2>/dev/null && for f in f*; do [ -e \"$f\" ] && printf '%s %s\\n' \"$f\" \"$(sha256sum < \"$f\" | cut -c1-64)\"; done; true")
            .unwrap()
            .stdout;
        for line in listing.lines() {
            let (name, sum) = line.split_once(' ').unwrap();
            let i: u32 = name.trim_start_matches('f').parse().unwrap();
            let ok = [round, round + 1]
                .iter()
                .any(|r| sha256_hex(expected(*r, i).as_bytes()) == sum);
            assert!(
                ok,
                "round {round}: /srv/many/{name} is neither the old nor the new content"
            );
        }
    }
    assert!(
        kills >= 25,
        "most rounds must actually be interrupted (only {kills} were)"
    );
    let last = converge(&h, &manifest(50), &["apply", "--detailed-exitcodes"]);
    assert!(matches!(last.code, 0 | 2), "{}", last.all());
    let again = converge(&h, &manifest(50), &["apply", "--detailed-exitcodes"]);
    assert_eq!(
        again.code,
        0,
        "after the crashes a clean apply converges:\n{}",
        again.all()
    );
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
