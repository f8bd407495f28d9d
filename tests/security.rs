//! End-to-end: secrets and hostile paths (issue 18) on fresh Debian hosts. A planted secret
//! never shows in any output channel or in any file converge writes; symlinks another user
//! planted are refused by name and nothing is touched; a catalog from stdin is checked as
//! strictly as a compiled one and refused whole.

mod support;

use converge_testhost::{Host, HostKind};
use support::{converge, resource, run, Bed, Run};

/// The planted secret. Any trace of it anywhere is a failure.
const SECRET: &str = "S3cr3t-pl4nted-q7Zx";

/// Every place a secret goes: a private file, a file without diffs, an exec whose command
/// and output hold it (it fails, so that its error is reported and a dependent skipped),
/// a notify, and a user's password (whose useradd command line the debug log shows).
fn secret_manifest() -> String {
    r#"
$token = Sensitive.new('SECRET')
file { '/etc/app': ensure => directory, mode => '0755' }
file { '/etc/app/db.conf':
  content => Sensitive.new("user=app\npassword=SECRET\n"),
  mode    => '0600',
}
file { '/etc/app/token': content => $token }
file { '/etc/app/plain.conf': content => "shown nowhere\n", show_diff => false }
exec { 'login with the token':
  command   => Sensitive.new("/bin/sh -c 'echo SECRET; exit 3'"),
  logoutput => true,
}
file { '/etc/app/logged-in': content => "yes\n", require => Exec['login with the token'] }
notify { 'token': message => $token }
user { 'svc': ensure => present, password => Sensitive.new('SECRET') }
"#
    .replace("SECRET", SECRET)
}

/// Fail if `text` (what `what` printed) holds the secret or any long part of it.
fn assert_no_secret(what: &str, text: &str) {
    for probe in [SECRET, &SECRET[..10], &SECRET[9..]] {
        assert!(
            !text.contains(probe),
            "{what} shows the secret ({probe}):\n{text}"
        );
    }
}

fn checked(what: &str, r: &Run) -> String {
    let all = r.all();
    assert_no_secret(what, &all);
    all
}

#[test]
fn a_planted_secret_never_appears_in_any_output_or_any_file_converge_writes() {
    let bed = Bed::new();
    let h = bed.host("h1", HostKind::InitScript);
    // An older secret in place, private, so that the apply replaces (and backs up) it.
    h.sh(
        "mkdir -p /etc/app && printf 'password=OLD-v1\\n' > /etc/app/db.conf && \
          chmod 600 /etc/app/db.conf && printf 'old\\n' > /etc/app/plain.conf",
    )
    .unwrap();
    let manifest = secret_manifest();

    // Dry runs: text with debug logs, and JSON.
    let plan = converge(&h, &manifest, &["plan", "-d"]);
    let text = checked("plan -d", &plan);
    assert!(
        text.contains("File[/etc/app/db.conf]/content: content changed [redacted] (noop)"),
        "says what changed, not how:\n{text}"
    );
    assert!(text.contains("[diff redacted]"), "{text}");
    assert!(
        !text.contains("shown nowhere") && !text.contains("-old"),
        "show_diff => false shows no diff:\n{text}"
    );
    let plan_json = converge(&h, &manifest, &["plan", "--format", "json"]);
    checked("plan --format json", &plan_json);
    let rep = plan_json.report();
    let db = &support::resource(&rep, "File[/etc/app/db.conf]")["changes"][0];
    assert_eq!(
        (db["before"].as_str(), db["after"].as_str()),
        (Some("[redacted]"), Some("[redacted]"))
    );

    // The apply, with debug logs (every command converge runs is logged).
    let apply = converge(&h, &manifest, &["apply", "-d"]);
    let text = checked("apply -d", &apply);
    assert_eq!(apply.code, 1, "the exec fails:\n{text}");
    assert!(
        text.contains("[command redacted] returned 3 instead of one of [0]")
            && text.contains("[output redacted]"),
        "a Sensitive command and its output are never shown:\n{text}"
    );
    assert!(
        text.contains("File[/etc/app/logged-in]: skipped"),
        "its dependent is skipped:\n{text}"
    );
    assert!(text.contains("running"), "debug logs were on:\n{text}");
    assert_eq!(
        String::from_utf8(h.read_file("/etc/app/db.conf").unwrap()).unwrap(),
        format!("user=app\npassword={SECRET}\n"),
        "the secret is where the manifest puts it"
    );
    let again = converge(&h, &manifest, &["apply", "--format", "json", "-d"]);
    checked("apply --format json -d", &again);
    let rust_log = h
        .sh("cd /root && RUST_LOG=trace converge apply site.pp 2>&1")
        .unwrap();
    assert_no_secret("apply with RUST_LOG=trace", &rust_log.stdout);

    // What a fleet run streams back: the host applying a catalog from stdin with progress.
    let catalog = compiled_catalog(&manifest);
    assert!(
        catalog.contains(SECRET),
        "the wire catalog carries the secret"
    );
    let streamed = h
        .exec_with_input(
            &[
                "converge",
                "apply",
                "--catalog",
                "-",
                "--format",
                "json",
                "--progress",
                "-d",
            ],
            catalog.as_bytes(),
        )
        .unwrap();
    assert_no_secret("apply --catalog - --progress", &streamed.stdout);
    assert_no_secret("apply --catalog - --progress", &streamed.stderr);

    // The catalog, printed and saved.
    for args in [&["catalog"][..], &["catalog", "--format", "text"]] {
        let out = converge(&h, &manifest, args);
        assert_eq!(out.code, 0, "{}", out.all());
        checked("converge catalog", &out);
    }
    let saved = String::from_utf8(h.read_file("/var/lib/converge/catalog.json").unwrap()).unwrap();
    assert_no_secret("the saved catalog", &saved);
    assert!(saved.contains("__pdigest"), "{saved}");

    // doctor, with the saved catalog and with the manifest; then with drift to report.
    for argv in [
        &["converge", "doctor"][..],
        &["converge", "doctor", "--format", "json"],
        &["converge", "doctor", "/root/site.pp"],
    ] {
        checked(&argv.join(" "), &run(&h, argv));
    }
    h.sh("printf 'password=tampered\\n' > /etc/app/db.conf")
        .unwrap();
    let doctor = run(&h, &["converge", "doctor"]);
    let text = checked("doctor after tampering", &doctor);
    assert!(
        text.contains("File[/etc/app/db.conf]") && text.contains("content changed [redacted]"),
        "the saved digest still tells a changed secret file:\n{text}"
    );
    assert!(
        !text.contains("Could not evaluate"),
        "files are compared by digest:\n{text}"
    );
    let refused = run(
        &h,
        &[
            "converge",
            "apply",
            "--catalog",
            "/var/lib/converge/catalog.json",
        ],
    );
    let text = checked("apply of the saved catalog", &refused);
    assert_eq!(refused.code, 1, "{text}");
    assert!(
        text.contains("only a digest of a Sensitive value"),
        "{text}"
    );
    // The manifest restores it.
    let restore = converge(&h, &manifest, &["apply", "-d"]);
    let text = checked("apply that restores the secret", &restore);
    assert!(
        text.contains("File[/etc/app/db.conf]/content: content changed [redacted]"),
        "{text}"
    );

    // Backups: as private as what they hold, in a directory only root can enter.
    let perms = h
        .sh("stat -c '%a %U' /var/lib/converge/backup /var/lib/converge/backup/*/etc/app/db.conf")
        .unwrap()
        .stdout;
    let lines: Vec<&str> = perms.lines().collect();
    assert_eq!(lines.first(), Some(&"700 root"), "{perms}");
    assert!(
        lines[1..].iter().all(|l| *l == "600 root") && lines.len() > 1,
        "every backup of the 0600 file is 0600: {perms}"
    );

    // Every file on the host that holds the secret: only where the manifest put it (and
    // the manifest itself). Nothing converge wrote for itself, no temp file anywhere.
    let holders = h
        .sh(&format!(
            "grep -rlF --exclude-dir=proc --exclude-dir=sys --exclude-dir=dev {SECRET} / | sort"
        ))
        .unwrap()
        .stdout;
    assert_eq!(
        holders.lines().collect::<Vec<_>>(),
        [
            "/etc/app/db.conf",
            "/etc/app/token",
            "/etc/shadow",
            "/root/site.pp"
        ],
        "only the managed files hold the secret"
    );
    let temps = h
        .sh("find / -xdev -name '.converge-*' 2>/dev/null")
        .unwrap()
        .stdout;
    assert_eq!(temps, "", "no temp file left behind");
}

/// The catalog a fleet run sends to a host: compiled here, secrets included.
fn compiled_catalog(manifest: &str) -> String {
    let dir = tempfile_dir();
    let path = dir.join("site.pp");
    std::fs::write(&path, manifest).unwrap();
    let checked = converge::check(&converge::CompileRequest::file(&path).node("h1"));
    assert!(!checked.has_errors(), "{:?}", checked.diagnostics);
    let json = checked.catalog.expect("a catalog").to_json();
    std::fs::remove_dir_all(&dir).unwrap();
    json
}

fn tempfile_dir() -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("converge-security-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A directory `alice` can write to, with links she planted to /etc/shadow: as the file
/// itself, as a directory on the way, and one a resource asks to follow.
fn plant(h: &Host) {
    let script = "useradd -m alice && mkdir -p /srv/share && chmod 1777 /srv/share && \
        setpriv --reuid=alice --regid=alice --init-groups sh -c '\
          ln -s /etc/shadow /srv/share/app.conf && \
          ln -s /etc /srv/share/conf && \
          ln -s /etc/shadow /srv/share/follow.conf'";
    let out = h.sh(script).unwrap();
    assert!(out.success(), "planting: {}", out.stderr);
}

#[test]
fn symlinks_planted_to_etc_shadow_are_refused_by_name_and_nothing_is_touched() {
    let bed = Bed::new();
    let h = bed.host("h1", HostKind::InitScript);
    plant(&h);
    let etc = "sha256sum /etc/shadow /etc/passwd; stat -c '%a %U %i' /etc/shadow /etc/passwd";
    let etc_before = h.sh(etc).unwrap().stdout;
    let manifest = r#"
file { '/srv/share/conf/shadow': content => "root::0:0:::::\n" }
file { '/srv/share/follow.conf': content => "owned\n", links => follow }
file { '/srv/share/conf/passwd': content => "x\n", mode => '0644' }
file { '/srv/share/app.conf': content => "managed\n" }
"#;
    let plan = converge(&h, manifest, &["plan", "--format", "json"]);
    let rep = plan.report();
    for (r, link) in [
        ("File[/srv/share/conf/shadow]", "/srv/share/conf"),
        ("File[/srv/share/follow.conf]", "/srv/share/follow.conf"),
        ("File[/srv/share/conf/passwd]", "/srv/share/conf"),
    ] {
        let entry = resource(&rep, r);
        assert_eq!(entry["status"], "failed", "{r}: {entry}");
        let err = entry["error"].as_str().unwrap_or_default();
        assert!(
            err.contains(&format!("refusing to follow the symbolic link {link}"))
                && (err.contains("user alice can change what is in /srv/share")
                    || err.contains(&format!("{link} is owned by uid 1000"))),
            "{r} names the link and why: {err}"
        );
    }
    let apply = converge(&h, manifest, &["apply"]);
    assert_eq!(apply.code, 1, "{}", apply.all());
    assert_eq!(
        h.sh(etc).unwrap().stdout,
        etc_before,
        "/etc/shadow and /etc/passwd untouched"
    );
    // links => manage (the default) replaces a planted link with the file, as Puppet does:
    // the link's target is never written.
    let app = h
        .sh("stat -c %F /srv/share/app.conf; cat /srv/share/app.conf")
        .unwrap()
        .stdout;
    assert_eq!(app, "regular file\nmanaged\n");
    assert_eq!(
        h.sh("find /srv/share /etc -xdev -name '.converge-*'")
            .unwrap()
            .stdout,
        "",
        "no temp file left behind"
    );
    // Where root alone could have put the link, `links => follow` writes its target.
    h.sh("mkdir -p /etc/app && printf 'old\\n' > /etc/app/real.conf && ln -s real.conf /etc/app/site.conf")
        .unwrap();
    let follow = converge(
        &h,
        "file { '/etc/app/site.conf': content => \"new\\n\", links => follow, mode => '0640' }",
        &["apply", "--detailed-exitcodes"],
    );
    assert_eq!(follow.code, 2, "{}", follow.all());
    assert_eq!(
        h.sh("readlink /etc/app/site.conf; cat /etc/app/real.conf; stat -c %a /etc/app/real.conf")
            .unwrap()
            .stdout,
        "real.conf\nnew\n640\n"
    );
}

#[test]
fn a_catalog_on_stdin_is_checked_like_a_compiled_one_and_refused_whole() {
    let bed = Bed::new();
    let h = bed.host("h1", HostKind::InitScript);
    let good = r#"{"ref": "File[/srv/good]", "type": "file", "title": "/srv/good", "params": {"content": "x"}}"#;
    let cases = [
        (
            r#"{"ref": "File[srv/rel]", "type": "file", "title": "srv/rel", "params": {"content": "x"}}"#,
            "fully qualified",
        ),
        (
            r#"{"ref": "File[/srv/b]", "type": "file", "title": "/srv/b", "params": {"contnet": "x"}}"#,
            "no parameter named 'contnet'",
        ),
        (
            r#"{"ref": "Service[x]", "type": "service", "title": "x", "params": {"ensure": 7}}"#,
            "Parameter ensure failed",
        ),
        (
            r#"{"ref": "Exec[x]", "type": "exec", "title": "x", "params": {"command": "touch /srv/pwned"}}"#,
            "is not qualified",
        ),
    ];
    for (bad, why) in cases {
        let json = format!(r#"{{"node": "h1", "resources": [{good}, {bad}], "edges": []}}"#);
        let out = h
            .exec_with_input(&["converge", "apply", "--catalog", "-"], json.as_bytes())
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{bad}: {}", out.stderr);
        assert!(out.stderr.contains(why), "{bad}: {}", out.stderr);
        assert!(out.stderr.contains("nothing was applied"), "{}", out.stderr);
    }
    let cycle = format!(
        r#"{{"node": "h1", "resources": [{good}, {}], "edges": [
            {{"from": "File[/srv/good]", "to": "File[/srv/other]", "kind": "before", "origin": "metaparam"}},
            {{"from": "File[/srv/other]", "to": "File[/srv/good]", "kind": "before", "origin": "metaparam"}}]}}"#,
        r#"{"ref": "File[/srv/other]", "type": "file", "title": "/srv/other", "params": {"content": "y"}}"#
    );
    let malformed = "{\"node\": \"h1\",\n \"resources\": [\n  {\"ref\": 3}]}";
    for (json, why) in [(cycle.as_str(), "cycle"), (malformed, "<stdin>:3:")] {
        let out = h
            .exec_with_input(&["converge", "apply", "--catalog", "-"], json.as_bytes())
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{}", out.stderr);
        assert!(out.stderr.contains(why), "{why}: {}", out.stderr);
    }
    assert!(
        h.sh("test ! -e /srv/good && test ! -e /srv/pwned && test ! -e /var/lib/converge/catalog.json")
            .unwrap()
            .success(),
        "nothing applied, nothing saved"
    );
}
