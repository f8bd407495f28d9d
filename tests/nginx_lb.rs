//! End-to-end: nginx as the load balancer (issue 16). `manifests/site-nginx-lb.pp` on
//! web-01, web-02 and lb-01 at once: lb-01 is an `upstream` behind `proxy_pass`, made of
//! whole-block resources; requests alternate, a stopped backend loses no request, a third
//! backend joins with a reload that loses none, and a value nginx refuses fails with
//! nginx's words and leaves the live file alone. On web-01, the 0x0C redirect is a real
//! `location = /redirect_me`, a directive is edited through the `sites-enabled/default`
//! symlink, and a link others could change is refused. Needs root and the test image.

mod support;

use converge_testhost::{Host, HostKind};
use std::collections::BTreeSet;
use std::time::{Duration, Instant};
use support::{apply_path, requests, statuses, Answer, Bed, Run};

const MANIFESTS: &str = "/etc/converge/manifests";
const UPSTREAM_FILE: &str = "/etc/nginx/conf.d/web.conf";

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

fn wait_for_servers(client: &Host, servers: &[&str], limit: Duration) {
    let start = Instant::now();
    let want: BTreeSet<String> = servers.iter().map(|s| s.to_string()).collect();
    loop {
        let answers = requests(client, "http://lb-01/", 2 * servers.len());
        let seen: BTreeSet<String> = answers.iter().filter_map(|a| a.served_by.clone()).collect();
        if answers.iter().all(Answer::ok) && seen == want {
            return;
        }
        assert!(
            start.elapsed() < limit,
            "not serving from {want:?}: {:?}",
            served_by(&answers)
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

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

fn changed(run: &Run) -> Vec<String> {
    statuses(&run.report())
        .into_iter()
        .filter(|(_, s)| s == "changed")
        .map(|(r, _)| r)
        .collect()
}

/// site-nginx-lb.pp with lb-01 balancing over `backends` with `fail_timeout`.
fn variant(backends: &[&str], fail_timeout: &str) -> String {
    let list: Vec<String> = backends.iter().map(|b| format!("'{b}' => '{b}'")).collect();
    format!(
        "node 'web-01', 'web-02', 'web-03' {{\n  include web_server\n}}\n\
         node 'lb-01' {{\n  class {{ 'load_balancer::nginx':\n    backends => {{ {} }},\n    \
         fail_timeout => '{fail_timeout}',\n  }}\n}}\n",
        list.join(", ")
    )
}

fn stack_host(bed: &Bed, name: &str, kind: HostKind) -> Host {
    let host = bed.host(name, kind);
    host.copy_in(support::manifests_dir(), MANIFESTS)
        .expect("copying the manifests in");
    host
}

fn nginx_load_balancer(kind: HostKind) {
    let bed = Bed::new();
    let started = Instant::now();
    let [web1, web2, lb] = support::web_stack(|n| stack_host(&bed, n, kind));
    let client = bed.net.client("client").expect("a client host");
    let site = format!("{MANIFESTS}/site-nginx-lb.pp");
    let runs: Vec<Run> = support::apply_all(&[&web1, &web2, &lb], &site)
        .into_iter()
        .map(|(run, _)| run)
        .collect();
    for (run, name) in runs.iter().zip(["web-01", "web-02", "lb-01"]) {
        assert_eq!(run.code, 2, "{name}: changes, no failures:\n{}", run.all());
    }
    let lb_checks: Vec<(String, String)> = statuses(&runs[2].report())
        .into_iter()
        .filter(|(r, _)| r.starts_with("Http_check["))
        .collect();
    assert_eq!(
        lb_checks,
        ["web-01", "web-02"].map(|b| (
            format!("Http_check[load_balancer backend {b}]"),
            "unchanged".to_string()
        )),
        "every backend checked through lb-01"
    );
    for r in [
        "Nginx_upstream[web]",
        "Nginx_server[load_balancer]",
        "Nginx_location[load_balancer /]",
    ] {
        assert!(
            changed(&runs[2]).iter().any(|c| c == r),
            "{r} in {:?}",
            changed(&runs[2])
        );
    }
    let upstream = String::from_utf8(lb.read_file(UPSTREAM_FILE).unwrap()).unwrap();
    assert_eq!(
        upstream,
        "upstream web {\n\tzone web 64k;\n\tserver web-01:80 max_fails=1 fail_timeout=10s;\n\tserver web-02:80 max_fails=1 fail_timeout=10s;\n}\n"
    );
    let link = lb
        .sh("readlink /etc/nginx/sites-enabled/load_balancer.conf")
        .unwrap()
        .stdout;
    assert_eq!(link.trim(), "/etc/nginx/sites-available/load_balancer.conf");
    eprintln!("stack up in {:.1?}", started.elapsed());

    // The redirect is a real location on the web servers.
    let default_site = String::from_utf8(
        web1.read_file("/etc/nginx/sites-available/default")
            .unwrap(),
    )
    .unwrap();
    assert!(
        default_site.contains("\tlocation = /redirect_me {\n\t\treturn 301 https://www.youtube.com/watch?v=QH2-TGUlwu4;\n\t}\n"),
        "{default_site}"
    );
    let page = support::http_get(&client, "http://web-01/redirect_me");
    assert!(page.starts_with("HTTP/1.1 301"), "{page}");
    assert!(
        page.contains("Location: https://www.youtube.com/watch?v=QH2-TGUlwu4\r\n"),
        "{page}"
    );

    wait_for_servers(&client, &["web-01", "web-02"], Duration::from_secs(20));
    assert_round_robin(&client, &["web-01", "web-02"], 6);

    // Converged: nothing changes the second time.
    for (h, name) in [(&web1, "web-01"), (&web2, "web-02"), (&lb, "lb-01")] {
        let run = apply_path(h, &site);
        assert_eq!(run.code, 0, "{name}: nothing to do:\n{}", run.all());
    }

    // web-01's nginx stops: web-02 serves every request, none fails.
    assert!(web1.sh("service nginx stop").unwrap().success());
    let answers = requests(&client, "http://lb-01/", 12);
    assert!(
        answers
            .iter()
            .all(|a| a.ok() && a.served_by.as_deref() == Some("web-02")),
        "{:?}",
        served_by(&answers)
    );
    // `converge doctor` on lb-01 names web-01's state.
    let dr = lb.exec(&["converge", "doctor"]).expect("converge doctor");
    eprintln!("doctor on lb-01 with web-01 down:\n{}", dr.stdout);
    assert_eq!(dr.status.code(), Some(1), "{}\n{}", dr.stdout, dr.stderr);
    for want in [
        "BROKEN Http_check[load_balancer backend web-01]",
        "BROKEN nginx on port 80: upstream web-01:80 failed",
        "web-01:80 does not answer",
    ] {
        assert!(dr.stdout.contains(want), "{want}:\n{}", dr.stdout);
    }
    assert!(web1.sh("service nginx start").unwrap().success());
    wait_for_servers(&client, &["web-01", "web-02"], Duration::from_secs(20));

    // A third backend, under load: the reload loses no request.
    let web3 = stack_host(&bed, "web-03", kind);
    let three = format!("{MANIFESTS}/site-three.pp");
    let text = variant(&["web-01", "web-02", "web-03"], "10s");
    for h in [&web3, &lb] {
        h.write_file(&three, text.as_bytes()).unwrap();
    }
    assert_eq!(apply_path(&web3, &three).code, 2);
    let (answers, run) = support::under_load(
        &client,
        "http://lb-01/",
        Duration::from_millis(1500),
        || apply_path(&lb, &three),
    );
    assert_eq!(run.code, 2, "{}", run.all());
    assert_eq!(changed(&run), ["Nginx_upstream[web]"], "{}", run.all());
    let failed: Vec<&Answer> = answers.iter().filter(|a| !a.ok()).collect();
    assert!(answers.len() >= 10, "{}", answers.len());
    assert!(
        failed.is_empty(),
        "requests failed during the reload: {failed:?}"
    );
    wait_for_servers(
        &client,
        &["web-01", "web-02", "web-03"],
        Duration::from_secs(20),
    );
    assert_round_robin(&client, &["web-01", "web-02", "web-03"], 9);

    // A value nginx refuses: the resource fails with nginx's words, the file stays.
    let before = lb.read_file(UPSTREAM_FILE).unwrap();
    let bogus = format!("{MANIFESTS}/site-bogus.pp");
    lb.write_file(
        &bogus,
        variant(&["web-01", "web-02", "web-03"], "bogus").as_bytes(),
    )
    .unwrap();
    let run = apply_path(&lb, &bogus);
    assert_eq!(run.code, 4, "{}", run.all());
    assert!(
        run.all()
            .contains("invalid parameter \\\"fail_timeout=bogus\\\"")
            || run
                .all()
                .contains("invalid parameter \"fail_timeout=bogus\""),
        "{}",
        run.all()
    );
    assert_eq!(
        lb.read_file(UPSTREAM_FILE).unwrap(),
        before,
        "the live file is untouched"
    );
    assert_round_robin(&client, &["web-01", "web-02", "web-03"], 6);

    // On web-01: a directive edited through Debian's sites-enabled/default symlink.
    let through = "nginx_directive { 'gzip on': target => '/etc/nginx/sites-enabled/default' }\n\
                   file_line { 'comment': path => '/etc/nginx/sites-enabled/default', line => '# converge was here' }\n";
    let run = support::apply_json(&web1, through, &[]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(
        web1.sh("test -L /etc/nginx/sites-enabled/default")
            .unwrap()
            .success(),
        "the link stays"
    );
    let site_now = String::from_utf8(
        web1.read_file("/etc/nginx/sites-available/default")
            .unwrap(),
    )
    .unwrap();
    assert!(
        site_now.contains("\tgzip on;\n") && site_now.ends_with("# converge was here\n"),
        "{site_now}"
    );
    assert_eq!(
        support::apply_json(&web1, through, &[]).code,
        0,
        "idempotent through the link"
    );
    // A link into a directory another user can write: refused, naming the link.
    assert!(web1.sh("mkdir -p /srv/mallory && chown 1000 /srv/mallory && echo 'server { listen 81; }' > /srv/mallory/site && ln -s /srv/mallory/site /etc/nginx/sites-enabled/mallory").unwrap().success());
    let run = support::apply_json(&web1, "nginx_directive { 'gzip on': target => '/etc/nginx/sites-enabled/mallory', context => 'server' }\n", &[]);
    assert_eq!(run.code, 4, "{}", run.all());
    assert!(
        run.all()
            .contains("refusing to follow the symbolic link /etc/nginx/sites-enabled/mallory"),
        "{}",
        run.all()
    );
    assert!(run.all().contains("owned by uid 1000"), "{}", run.all());
}

#[test]
fn init_script_hosts_balance_with_nginx() {
    nginx_load_balancer(HostKind::InitScript);
}

#[test]
fn systemd_hosts_balance_with_nginx() {
    nginx_load_balancer(HostKind::Systemd);
}
