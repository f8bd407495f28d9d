//! End-to-end: the reference web stack written on the Forge modules, as a Puppet user has
//! it (issue 15). On fresh hosts, the puppetlabs modules are installed the way a user
//! installs them (`apt install puppet-module-puppetlabs-haproxy ...`, from the image's
//! offline repository); then `manifests/forge/manifests/site.pp`, unchanged, is
//! applied on web-01, web-02 and lb-01 at once. web-01 and web-02 serve "Hello World!"
//! from apache::vhost with the X-Served-By header, lb-01 spreads requests round robin over
//! them through haproxy::listen and haproxy::balancermember, ntp is installed and
//! configured from its module data alone (ntpd itself cannot run in a fresh host: see
//! [`NTP_SKIPPED`]), apt::source, concat and ini_setting write their files, and a second
//! apply changes nothing. Systemd hosts only: on init-script hosts Debian 12's ntpsec has
//! no `ntp` init script, which the module's service name needs. Needs root and the test
//! image; fails loudly without.

mod support;

use converge_testhost::{Host, HostKind};
use std::collections::BTreeSet;
use std::path::Path;
use std::time::{Duration, Instant};
use support::{apply_all, requests, statuses, Answer, Bed, Run};

/// Where the Forge-style site is copied to in every host.
const SITE: &str = "/etc/converge/forge";

/// A fresh host with converge, the Forge-style site and the modules from apt.
fn forge_host(bed: &Bed, name: &str, kind: HostKind) -> Host {
    let host = bed.host(name, kind);
    let site = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../manifests/forge");
    host.copy_in(&site, SITE).expect("copying the site in");
    // iproute2 as on a standard Debian install (minbase lacks it): Facter's networking
    // facts use `ip`, and the route below needs it.
    let out = host
        .sh(&format!(
            "apt-get install -y -q --no-install-recommends iproute2 {} 2>&1",
            converge_testhost::FORGE_MODULES.join(" ")
        ))
        .expect("running apt-get");
    assert!(
        out.success(),
        "{name}: installing the modules:\n{}",
        out.stdout
    );
    // A default route, as a server has (on-link: nothing leaves the private bridge). With
    // only link-local addresses and no route, Facter (and converge, which says what Facter
    // says) has no primary interface and no $ipaddress, and haproxy's `log ${::ipaddress}`
    // is then no configuration HAProxy accepts.
    let out = host.sh("ip route replace default dev eth0 2>&1").unwrap();
    assert!(out.success(), "{name}: a default route: {}", out.stdout);
    host
}

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

/// Requests through lb-01 until both web servers answer (bounded: HAProxy's health checks
/// take a just-started backend in after a moment), then `n` more that must alternate.
fn assert_round_robin(client: &Host, n: usize) {
    let want: BTreeSet<String> = ["web-01", "web-02"].map(String::from).into();
    let began = Instant::now();
    loop {
        let answers = requests(client, "http://lb-01/", 4);
        let seen: BTreeSet<String> = answers.iter().filter_map(|a| a.served_by.clone()).collect();
        if answers.iter().all(Answer::ok) && seen == want {
            break;
        }
        assert!(
            began.elapsed() < Duration::from_secs(30),
            "lb-01 did not come to serve from both web servers; last: {:?}",
            served_by(&answers)
        );
        std::thread::sleep(Duration::from_millis(300));
    }
    let answers = requests(client, "http://lb-01/", n);
    for a in &answers {
        assert!(a.ok(), "request failed: {a:?}");
        assert_eq!(a.body, "Hello World!", "{a:?}");
    }
    let order = served_by(&answers);
    for w in order.windows(2) {
        assert_ne!(w[0], w[1], "not round robin: {order:?}");
    }
}

/// ntpsec's unit starts only with CAP_SYS_TIME, which fresh hosts do not have (they must
/// not set the machine's clock): `systemctl start ntp` succeeds and systemd skips the unit.
/// Puppet reports "started" on every run; converge reports the resource failed, saying why.
const NTP_SKIPPED: &str = "Service[ntp]: failed: change from 'ensure' failed: \
     systemd did not start ntp: \
     ConditionCapability=CAP_SYS_TIME was not met (the unit cannot run on this host as it is)";

/// The resources of a run that were not applied or in sync: `ref: status: error`.
fn not_done(run: &Run) -> Vec<String> {
    let report = run.report();
    report["resources"]
        .as_array()
        .expect("resources in the report")
        .iter()
        .filter(|r| !matches!(r["status"].as_str(), Some("changed" | "unchanged")))
        .map(|r| {
            format!(
                "{}: {}: {}",
                r["ref"].as_str().unwrap_or("?"),
                r["status"].as_str().unwrap_or("?"),
                r["error"].as_str().unwrap_or("")
            )
        })
        .collect()
}

fn file(host: &Host, path: &str) -> String {
    String::from_utf8(
        host.read_file(path)
            .unwrap_or_else(|e| panic!("{path}: {e}")),
    )
    .expect("UTF-8")
}

fn forge_stack(kind: HostKind) {
    let bed = Bed::new();
    let began = Instant::now();
    let [web1, web2, lb] = support::web_stack(|n| forge_host(&bed, n, kind));
    let client = bed.net.client("client").expect("a client host");
    eprintln!("hosts up, modules installed, in {:.2?}", began.elapsed());
    let site = format!("{SITE}/manifests/site.pp");

    let first = apply_all(&[&web1, &web2, &lb], &site);
    for ((run, took), name) in first.iter().zip(["web-01", "web-02", "lb-01"]) {
        eprintln!("first apply on {name}: {took:.2?}, exit {}", run.code);
        assert_eq!(
            not_done(run),
            [NTP_SKIPPED],
            "{name}: everything applied but ntpd:\n{}",
            run.all()
        );
        assert_eq!(run.code, 6, "{name}: changes and that failure");
    }
    let lb_changed: Vec<String> = statuses(&first[2].0.report())
        .into_iter()
        .filter(|(_, s)| s == "changed")
        .map(|(r, _)| r)
        .collect();
    for r in [
        "Package[haproxy]",
        "Concat_file[/etc/haproxy/haproxy.cfg]",
        "Service[haproxy]",
    ] {
        assert!(lb_changed.iter().any(|c| c == r), "{r} in {lb_changed:?}");
    }

    // The web servers answer themselves, with the header naming them.
    for (host, name) in [(&web1, "web-01"), (&web2, "web-02")] {
        let answers = requests(&client, &format!("http://{name}/"), 2);
        for a in &answers {
            assert!(a.ok(), "{name}: {a:?}");
            assert_eq!(a.body, "Hello World!", "{name}: {a:?}");
            assert_eq!(a.served_by.as_deref(), Some(name), "{name}: {a:?}");
        }
        // The distribution's default site is purged: the vhost is the only one.
        let sites = host.sh("ls /etc/apache2/sites-enabled").unwrap().stdout;
        assert!(!sites.contains("000-default"), "{name}: {sites}");
    }
    assert_round_robin(&client, 6);

    // The modules' files, as the modules write them.
    for (host, name, role) in [
        (&web1, "web-01", "web"),
        (&web2, "web-02", "web"),
        (&lb, "lb-01", "lb"),
    ] {
        assert_eq!(
            file(host, "/etc/motd"),
            format!("{name}: managed by Puppet code\nrole: {role}\n"),
            "{name}: concat"
        );
        assert_eq!(
            file(host, "/etc/site.ini"),
            format!("[site]\nhost = {name}\nrole = {role}\n"),
            "{name}: ini_setting"
        );
        let list = file(host, "/etc/apt/sources.list.d/local.list");
        assert!(
            list.contains("deb [trusted=yes] file:/srv/converge-repo ./"),
            "{name}: apt::source\n{list}"
        );
        let ntp = file(host, "/etc/ntp.conf");
        assert!(
            ntp.contains("server 0.debian.pool.ntp.org iburst"),
            "{name}: ntp's Debian data\n{ntp}"
        );
    }
    let cfg = file(&lb, "/etc/haproxy/haproxy.cfg");
    for want in [
        "listen web",
        "balance roundrobin",
        "server web-01 web-01:80 check inter 1s",
    ] {
        assert!(cfg.contains(want), "{want} in haproxy.cfg:\n{cfg}");
    }

    // Converged: a second apply changes nothing anywhere.
    for ((run, took), name) in apply_all(&[&web1, &web2, &lb], &site)
        .iter()
        .zip(["web-01", "web-02", "lb-01"])
    {
        eprintln!("second apply on {name}: {took:.2?}");
        assert_eq!(
            run.report()["summary"]["changed"],
            0,
            "{name}: nothing changed"
        );
        assert_eq!(not_done(run), [NTP_SKIPPED], "{name}:\n{}", run.all());
        assert_eq!(run.code, 4, "{name}: no change, ntpd still cannot run");
    }
    assert_round_robin(&client, 4);
}

#[test]
fn systemd_hosts_run_the_forge_stack() {
    forge_stack(HostKind::Systemd);
}

/// What a host holds at each path converge's catalog manages (files, directories, links:
/// kind, mode, owner, group, and a file's sha256 or a link's target), and the entries of
/// each purged directory: one line each, sorted. The host's own address reads `<ip>` in a
/// file (haproxy's `log <ip> local0`): the two hosts compared have different ones.
fn managed_state(host: &Host, catalog: &serde_json::Value) -> Vec<String> {
    let ip = host.ip().to_string().replace('.', "\\.");
    let mut paths = BTreeSet::new();
    let mut purged = BTreeSet::new();
    for r in catalog["resources"].as_array().expect("resources") {
        let ty = r["type"].as_str().unwrap_or("");
        if !["file", "concat_file", "ini_setting"].contains(&ty) {
            continue;
        }
        let path = r["params"]["path"]
            .as_str()
            .unwrap_or_else(|| r["title"].as_str().unwrap())
            .to_string();
        if r["params"]["purge"] == serde_json::Value::Bool(true) {
            purged.insert(path.clone());
        }
        paths.insert(path);
    }
    let mut script = String::from("set -u\n");
    for p in &paths {
        script.push_str(&format!(
            "if [ -L '{p}' ]; then echo \"{p} link $(readlink '{p}')\"; \
             elif [ -d '{p}' ]; then echo \"{p} $(stat -c 'dir %a %U %G' '{p}')\"; \
             elif [ -e '{p}' ]; then echo \"{p} $(stat -c 'file %a %U %G' '{p}') $(sed 's/{ip}/<ip>/g' '{p}' | sha256sum | cut -c1-16)\"; \
             else echo '{p} absent'; fi\n"
        ));
    }
    for d in &purged {
        script.push_str(&format!(
            "echo \"{d} holds: $(ls -A '{d}' | tr '\\n' ' ')\"\n"
        ));
    }
    let out = host.sh(&script).expect("reading the managed paths");
    let mut lines: Vec<String> = out.stdout.lines().map(String::from).collect();
    lines.sort();
    lines
}

/// `getent hosts web-01`'s address also names web-02, for an lb-01 without a web-02 (HAProxy
/// refuses a configuration naming a server it cannot resolve).
fn alias_web_02(host: &Host) {
    let out = host
        .sh("getent hosts web-02 >/dev/null || echo \"$(getent hosts web-01 | cut -d' ' -f1) web-02\" >> /etc/hosts")
        .unwrap();
    assert!(out.success(), "{}", out.stdout);
}

/// Puppet 7 and converge, each on its own fresh web-01 and lb-01, apply the same site: the
/// paths the catalog manages end up the same (kind, mode, ownership, content, link target),
/// and the purged directories hold the same entries.
#[test]
fn puppet_leaves_the_files_converge_leaves() {
    let ours = Bed::new();
    let theirs = Bed {
        image: converge_testhost::Image::builder()
            .release(converge_testhost::Release::from_env())
            .puppet(true)
            .build()
            .unwrap_or_else(|e| panic!("the fresh-host image with Puppet: {e}")),
        net: converge_testhost::Net::new().expect("a second private network"),
    };
    let kind = HostKind::Systemd;
    let [ours, theirs] = std::thread::scope(|s| {
        [&ours, &theirs]
            .map(|bed| s.spawn(move || ["web-01", "lb-01"].map(|n| forge_host(bed, n, kind))))
            .map(|h| h.join().expect("starting hosts"))
    });
    let site = format!("{SITE}/manifests/site.pp");
    let mut differences = Vec::new();
    for (i, name) in ["web-01", "lb-01"].into_iter().enumerate() {
        let (c, p) = (&ours[i], &theirs[i]);
        if name == "lb-01" {
            alias_web_02(c);
            alias_web_02(p);
        }
        let run = support::run(c, &["converge", "apply", "--detailed-exitcodes", &site]);
        assert_eq!(
            run.code,
            6,
            "{name}: converge (ntpd cannot start):\n{}",
            run.all()
        );
        // Puppet reads the environment's hiera.yaml from its production environment.
        let env = "/etc/puppet/code/environments/production";
        let out = p
            .sh(&format!(
                "mkdir -p {env} && cp -r {SITE}/. {env}/ && \
                 puppet apply --detailed-exitcodes --color false {env}/manifests/site.pp 2>&1"
            ))
            .unwrap();
        // Puppet reports Service[ntp] started (2); it is not (ntpd needs CAP_SYS_TIME).
        assert_eq!(
            out.status.code(),
            Some(2),
            "{name}: puppet apply:\n{}",
            out.stdout
        );
        let catalog: serde_json::Value =
            serde_json::from_str(&support::run(c, &["converge", "catalog", &site]).stdout)
                .expect("converge catalog prints JSON");
        let (mine, puppets) = (managed_state(c, &catalog), managed_state(p, &catalog));
        assert!(
            mine.len() > 10,
            "{name}: too few managed paths to mean much: {mine:?}"
        );
        for line in puppets.iter().filter(|l| !mine.contains(l)) {
            differences.push(format!("{name}: Puppet {line}"));
        }
        for line in mine.iter().filter(|l| !puppets.contains(l)) {
            differences.push(format!("{name}: converge {line}"));
        }
    }
    assert!(
        differences.is_empty(),
        "the hosts differ:\n{}",
        differences.join("\n")
    );
}
