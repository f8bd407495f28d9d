//! End-to-end: the reference web server (issue 5). `manifests/site.pp` on fresh hosts
//! named web-01/web-02, seen from a client on the private network; plus the ways people
//! write it today (file_line, exec with sed). Needs root and the test image.

mod support;

use converge_testhost::{Host, HostKind};
use std::time::{Duration, Instant};
use support::{apply_json, assert_unchanged, fingerprint, http_get, run, statuses, Bed, Run};

const TARGET: &str = "https://www.youtube.com/watch?v=QH2-TGUlwu4";
const SITE: &str = "/etc/nginx/sites-available/default";

/// Copy the repository's manifests into the host and update apt's lists.
fn prepare(host: &Host) {
    host.copy_in(support::manifests_dir(), "/root/manifests")
        .expect("copying the manifests");
    assert!(host.sh("apt-get update -q").unwrap().success());
}

/// `converge <args> /root/manifests/site.pp`.
fn site(host: &Host, args: &[&str]) -> Run {
    let mut argv = vec!["converge"];
    argv.extend_from_slice(args);
    argv.push("/root/manifests/site.pp");
    run(host, &argv)
}

fn apply_site(host: &Host) -> (Run, Duration) {
    let t = Instant::now();
    let run = site(host, &["apply", "--detailed-exitcodes", "--format", "json"]);
    let took = t.elapsed();
    eprintln!("{}: apply took {:.1}s", host.name(), took.as_secs_f64());
    (run, took)
}

/// GET until `pred` holds (a reload takes effect a moment after `nginx -s reload` returns).
fn get_until(client: &Host, url: &str, pred: impl Fn(&str) -> bool) -> String {
    let mut page = String::new();
    for _ in 0..50 {
        page = http_get(client, url);
        if pred(&page) {
            return page;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    page
}

/// The four behaviours, each response carrying the header with `name`. Each request is
/// retried for a few seconds: `nginx -s reload` returns before the new workers take over.
fn assert_serves(client: &Host, ip: &str, name: &str) {
    let header = format!("x-served-by: {name}\r\n");
    let has = |p: &str| p.to_lowercase().contains(&header);
    // GET `path` until it answers `status` with `shows` and the header, then say which failed.
    let expect = |path: &str, status: &str, what: &str, shows: &dyn Fn(&str) -> bool| {
        let status = format!("HTTP/1.1 {status}");
        let page = get_until(client, &format!("http://{ip}{path}"), |p| {
            p.starts_with(&status) && shows(p) && has(p)
        });
        assert!(page.starts_with(&status), "GET {path}: {page}");
        assert!(shows(&page), "GET {path} {what}: {page}");
        assert!(has(&page), "GET {path} header {name}: {page}");
    };
    expect("/", "200", "body", &|p| {
        p.ends_with("\r\n\r\nHello World!\n")
    });
    let location = format!("Location: {TARGET}\r\n");
    expect("/redirect_me", "301", "target", &|p| p.contains(&location));
    expect("/no/such/page", "404", "body", &|p| {
        p.ends_with("\r\n\r\nCeci n'est pas une page\n")
    });
}

fn changed_count(run: &Run) -> u64 {
    run.report()["summary"]["changed"]
        .as_u64()
        .unwrap_or(u64::MAX)
}

fn web_01_serves_all_four_behaviours_then_changes_nothing(kind: HostKind) -> (Bed, Host) {
    let bed = Bed::new();
    let web = bed.host("web-01", kind);
    prepare(&web);
    let (first, _) = apply_site(&web);
    assert_eq!(
        first.code,
        2,
        "first apply changes things:\n{}",
        first.all()
    );
    let st = statuses(&first.report());
    // The package's own scripts may already have started nginx (systemd hosts do).
    // The module's http_checks change nothing: they pass, so they are unchanged.
    assert!(
        st.iter().all(|(r, s)| s == "changed"
            || (r == "Service[nginx]" && s == "unchanged")
            || (r.starts_with("Http_check[") && s == "unchanged")),
        "{st:?}"
    );
    assert_eq!(
        st.iter()
            .filter(|(r, _)| r.starts_with("Http_check["))
            .count(),
        3,
        "the module's three checks ran: {st:?}"
    );

    let client = bed.net.client("client").unwrap();
    assert_serves(&client, &web.ip().to_string(), "web-01");
    let running = web.sh("kill -0 \"$(cat /run/nginx.pid)\"").unwrap();
    assert!(running.success(), "nginx runs");
    let enabled = match kind {
        HostKind::Systemd => web.sh("systemctl is-enabled nginx").unwrap().success(),
        _ => web
            .sh("ls /etc/rc2.d/ | grep -q 'S..nginx'")
            .unwrap()
            .success(),
    };
    assert!(enabled, "nginx is enabled at boot");

    let (second, _) = apply_site(&web);
    assert_eq!(
        second.code,
        0,
        "second apply: nothing to do:\n{}",
        second.all()
    );
    assert_eq!(changed_count(&second), 0);
    drop(client);
    (bed, web)
}

#[test]
fn init_script_web_01_converges_and_keeps_its_header_through_a_rename() {
    let (bed, web) = web_01_serves_all_four_behaviours_then_changes_nothing(HostKind::InitScript);

    // The same host renamed: the header follows, still one directive.
    let rename = "hostname web-02 && echo web-02 > /etc/hostname && \
                  sed -i 's/\\bweb-01\\b/web-02/g' /etc/hosts";
    assert!(web.sh(rename).unwrap().success());
    let master = web.read_file("/run/nginx.pid").unwrap();
    let (run, _) = apply_site(&web);
    assert_eq!(
        web.read_file("/run/nginx.pid").unwrap(),
        master,
        "nginx was reloaded, not restarted"
    );
    assert_eq!(run.code, 2, "{}", run.all());
    let st = statuses(&run.report());
    let changed: Vec<&str> = st
        .iter()
        .filter(|(_, s)| s == "changed")
        .map(|(r, _)| r.as_str())
        .collect();
    assert_eq!(
        changed,
        ["Nginx_directive[header]"],
        "only the header changes"
    );
    let notes = run.report()["resources"].to_string();
    assert!(
        notes.contains("reloaded nginx"),
        "the report says so: {notes}"
    );
    let conf = String::from_utf8(web.read_file(SITE).unwrap()).unwrap();
    assert_eq!(
        conf.matches("X-Served-By").count(),
        1,
        "one directive:\n{conf}"
    );
    assert!(
        conf.contains("add_header X-Served-By web-02 always;"),
        "{conf}"
    );
    let client = bed.net.client("client2").unwrap();
    assert_serves(&client, &web.ip().to_string(), "web-02");
}

#[test]
fn systemd_web_01_converges_and_second_apply_changes_nothing() {
    web_01_serves_all_four_behaviours_then_changes_nothing(HostKind::Systemd);
}

#[test]
fn plan_lists_every_change_with_diffs_and_touches_nothing() {
    let bed = Bed::new();
    let web = bed.host("web-01", HostKind::InitScript);
    prepare(&web);

    let before = fingerprint(&web);
    let fresh = site(&web, &["plan", "--detailed-exitcodes", "--format", "json"]);
    assert_unchanged(&before, &fingerprint(&web), "plan on a fresh host");
    assert_eq!(fresh.code, 2, "{}", fresh.all());
    let st = statuses(&fresh.report());
    // 7 resources and the module's 3 checks, which wait for the pending changes.
    assert_eq!(st.len(), 10, "{st:?}");
    assert!(
        st.iter().all(|(_, s)| s == "pending"),
        "every resource pending: {st:?}"
    );
    let text = site(&web, &["plan"]).all();
    assert!(text.contains("+Hello World!"), "file diffs:\n{text}");

    // With nginx installed, the plan shows the edit of the site as a diff.
    assert!(web
        .sh("DEBIAN_FRONTEND=noninteractive apt-get install -y -q nginx")
        .unwrap()
        .success());
    let before = fingerprint(&web);
    let text = site(&web, &["plan"]).all();
    assert_unchanged(&before, &fingerprint(&web), "plan with nginx installed");
    for line in [
        "+\tadd_header X-Served-By web-01 always;",
        "+\tlocation = /redirect_me {",
        "+\t\treturn 301 https://www.youtube.com/watch?v=QH2-TGUlwu4;",
        "+\terror_page 404 /404.html;",
        "--- /etc/nginx/sites-available/default",
    ] {
        assert!(text.contains(line), "{line}:\n{text}");
    }
}

#[test]
fn an_invalid_value_fails_with_nginx_message_and_leaves_nginx_serving() {
    let bed = Bed::new();
    let web = bed.host("web-01", HostKind::InitScript);
    prepare(&web);
    let (first, _) = apply_site(&web);
    assert_eq!(first.code, 2, "{}", first.all());
    let conf_before = web.read_file(SITE).unwrap();

    // A value only nginx itself can judge: the directive table knows client_max_body_size
    // takes one argument, not that `lots` is no size, so `nginx -t` must catch it.
    let broken = r#"
        include web_server
        nginx_directive { 'bad header':
          directive => 'client_max_body_size',
          value     => 'lots',
        }
        file { '/srv/after-bad': ensure => file, require => Nginx_directive['bad header'] }
    "#;
    web.write_file("/root/manifests/broken.pp", broken.as_bytes())
        .unwrap();
    let run = run(
        &web,
        &[
            "converge",
            "apply",
            "--detailed-exitcodes",
            "--format",
            "json",
            "--node",
            "web-01",
            "/root/manifests/broken.pp",
        ],
    );
    assert_eq!(run.code, 4, "failures only:\n{}", run.all());
    let report = run.report();
    let bad = support::resource(&report, "Nginx_directive[bad header]");
    assert_eq!(bad["status"], "failed");
    let err = bad["error"].as_str().unwrap_or_default();
    assert!(
        err.contains("\"client_max_body_size\" directive invalid value in /etc/nginx/"),
        "nginx's message, with the live paths: {err}"
    );
    let st = statuses(&report);
    assert!(
        st.contains(&("File[/srv/after-bad]".into(), "skipped".into())),
        "{st:?}"
    );
    assert_eq!(
        web.read_file(SITE).unwrap(),
        conf_before,
        "live config unchanged"
    );
    let client = bed.net.client("client").unwrap();
    assert_serves(&client, &web.ip().to_string(), "web-01");

    // A wrong argument count is caught by the directive table before the host is touched.
    let miscounted = r#"
        include web_server
        nginx_directive { 'bad header': directive => 'add_header', value => 'X-Broken' }
    "#;
    web.write_file("/root/manifests/miscounted.pp", miscounted.as_bytes())
        .unwrap();
    let before = fingerprint(&web);
    let refused = support::run(
        &web,
        &[
            "converge",
            "apply",
            "--node",
            "web-01",
            "/root/manifests/miscounted.pp",
        ],
    );
    assert_eq!(
        refused.code,
        1,
        "refused before applying:\n{}",
        refused.all()
    );
    assert!(
        refused
            .all()
            .contains("invalid number of arguments in \"add_header\""),
        "{}",
        refused.all()
    );
    assert_unchanged(&before, &fingerprint(&web), "a refused manifest");
}

/// The way people write it today: a header line after `listen` with file_line.
const FILE_LINE: &str = r#"
package { 'nginx': ensure => installed }
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

/// And with sed in an exec: works once, and is not idempotent.
const EXEC_SED: &str = r#"
package { 'nginx': ensure => installed }
exec { 'add header':
  command => "/bin/sed -i 's/listen 80 default_server;/listen 80 default_server;\\n\\tadd_header X-Served-By ${hostname};/' /etc/nginx/sites-available/default",
  require => Package['nginx'],
  notify  => Service['nginx'],
}
service { 'nginx':
  ensure => running,
  enable => true,
}
"#;

#[test]
fn file_line_and_exec_sed_manifests_work_and_the_exec_is_reported_not_idempotent() {
    let bed = Bed::new();
    let hosts = [
        bed.host("web-01", HostKind::InitScript),
        bed.host("web-02", HostKind::InitScript),
    ];
    let client = bed.net.client("client").unwrap();
    for h in &hosts {
        assert!(h.sh("apt-get update -q").unwrap().success());
    }
    let [fl, sed] = &hosts;

    let run = apply_json(fl, FILE_LINE, &[]);
    assert_eq!(run.code, 2, "{}", run.all());
    let page = get_until(&client, &format!("http://{}/", fl.ip()), |p| {
        p.contains("X-Served-By: web-01")
    });
    assert!(
        page.contains("X-Served-By: web-01"),
        "file_line header: {page}"
    );
    assert_eq!(
        apply_json(fl, FILE_LINE, &[]).code,
        0,
        "file_line is idempotent"
    );

    let run = apply_json(sed, EXEC_SED, &[]);
    assert_eq!(run.code, 2, "{}", run.all());
    let page = get_until(&client, &format!("http://{}/", sed.ip()), |p| {
        p.contains("X-Served-By: web-02")
    });
    assert!(page.contains("X-Served-By: web-02"), "sed header: {page}");
    let again = apply_json(sed, EXEC_SED, &[]);
    assert_eq!(
        again.code,
        2,
        "the exec changes the host again:\n{}",
        again.all()
    );
    let report = again.report();
    let exec = support::resource(&report, "Exec[add header]");
    assert_eq!(exec["status"], "changed");
    assert!(
        exec["notes"].to_string().contains("not idempotent"),
        "the report says so: {exec}"
    );
    let conf = String::from_utf8(sed.read_file(SITE).unwrap()).unwrap();
    assert_eq!(
        conf.matches("X-Served-By").count(),
        2,
        "sed added a second line:\n{conf}"
    );
}

/// Facts name the Debian release the host runs (`CONVERGE_TEST_RELEASE`), structured and
/// legacy, with the point release from the host's own /etc/debian_version.
#[test]
fn facts_name_the_debian_release_of_the_host() {
    let bed = Bed::new();
    let release = bed.image.release();
    let host = bed.host("web-01", HostKind::InitScript);
    let out = run(&host, &["converge", "facts"]);
    assert_eq!(out.code, 0, "{}", out.all());
    let facts: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let point = host.sh("cat /etc/debian_version").unwrap().stdout;
    let full = point.trim();
    let major = release.number().to_string();
    assert!(full.starts_with(&format!("{major}.")), "{full}");
    assert_eq!(facts["os"]["release"]["full"], full);
    assert_eq!(facts["os"]["release"]["major"], major.as_str());
    assert_eq!(facts["os"]["distro"]["codename"], release.codename());
    assert_eq!(facts["os"]["distro"]["release"]["major"], major.as_str());
    assert_eq!(facts["operatingsystemrelease"], full);
    assert_eq!(facts["operatingsystemmajrelease"], major.as_str());
    assert_eq!(facts["lsbdistcodename"], release.codename());
    assert_eq!(facts["lsbmajdistrelease"], major.as_str());
    assert_eq!(facts["osfamily"], "Debian");
}
