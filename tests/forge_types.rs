//! End-to-end: the Forge modules' Ruby types (stdlib's anchor, concat's concat_file and
//! concat_fragment, inifile's ini_setting and ini_subsetting, apt's apt_key) and the pip3
//! and gem package providers, through `converge` on a fresh Debian host: validate, a dry run
//! that writes nothing, apply, a second apply that changes nothing, a change, a removal.
//! Fixtures (a signing key, wheels, gems) are made in the host: it has no network.

mod support;

use converge_testhost::{Host, HostKind};
use support::{apply_json, assert_unchanged, converge, fingerprint, resource, Bed};

const FIXTURES: &str = include_str!("fixtures/forge-fixtures.sh");

/// The manifest, with what varies between the runs.
fn manifest(fpr: &str, motd_line: &str, port: &str, pip: &str, ensure: &str) -> String {
    let file = if ensure == "absent" {
        "absent"
    } else {
        "present"
    };
    format!(
        r#"
file {{ '/root/motd.part': content => "from a source file\n" }}
anchor {{ 'site::begin': }}
-> concat_file {{ '/etc/motd':
  ensure         => {file},
  tag            => 'motd',
  order          => 'numeric',
  ensure_newline => true,
  mode           => '0640',
}}
-> anchor {{ 'site::end': }}
concat_fragment {{ 'motd header': target => '/etc/motd', content => "Managed by converge", order => '00' }}
concat_fragment {{ 'motd host': tag => 'motd', content => "{motd_line} ${{hostname}}", order => 10 }}
concat_fragment {{ 'motd file':
  target  => '/etc/motd',
  source  => '/root/motd.part',
  order   => '9',
  require => File['/root/motd.part'],
}}
ini_setting {{ 'app port':
  ensure  => {file},
  path    => '/etc/app.ini',
  section => 'server',
  setting => 'port',
  value   => '{port}',
}}
ini_setting {{ 'app host': ensure => {file}, path => '/etc/app.ini', section => 'server', setting => 'host', value => $hostname }}
ini_subsetting {{ 'app heap':
  ensure     => {file},
  path       => '/etc/app.ini',
  section    => 'server',
  setting    => 'opts',
  subsetting => '-Xmx',
  value      => '1g',
  quote_char => '"',
}}
apt_key {{ '{fpr}': ensure => {file}, source => '/root/converge-key.asc' }}
package {{ 'converge-demo': ensure => '{pip}', provider => pip3 }}
package {{ 'converge_demo':
  ensure   => {ensure},
  provider => gem,
  source   => '/srv/gems/converge_demo-1.0.0.gem',
}}
"#
    )
}

fn sh_ok(host: &Host, script: &str) -> String {
    let out = host.sh(script).unwrap();
    assert!(out.success(), "{script}:\n{}{}", out.stdout, out.stderr);
    out.stdout
}

#[test]
fn forge_types_and_language_packages_converge_on_a_fresh_host() {
    let bed = Bed::new();
    let h = bed.host("forge-01", HostKind::InitScript);
    sh_ok(
        &h,
        // Without python3-pip's recommends (a compiler, python3-dev): minutes of dpkg.
        "apt-get install -y -q --no-install-recommends gnupg python3-pip ruby >/dev/null 2>&1",
    );
    sh_ok(&h, FIXTURES);
    let fpr = sh_ok(&h, "cat /root/converge-key.fpr").trim().to_string();
    let v1 = manifest(&fpr, "served by", "8080", "1.0", "present");

    let valid = converge(&h, &v1, &["validate"]);
    assert_eq!(valid.code, 0, "{}", valid.all());

    // The dry run writes nothing and shows the files it would write.
    let before = fingerprint(&h);
    let dry = converge(&h, &v1, &["plan", "--detailed-exitcodes"]);
    assert_eq!(dry.code, 2, "{}", dry.all());
    assert_unchanged(&before, &fingerprint(&h), "the dry run");
    let text = dry.all();
    for expected in [
        "+Managed by converge",
        "+served by forge-01",
        "+port = 8080",
        "Apt_key[",
        "Package[converge-demo]/ensure: created",
    ] {
        assert!(text.contains(expected), "{expected} in:\n{text}");
    }

    let first = apply_json(&h, &v1, &[]);
    assert_eq!(first.code, 2, "{}", first.all());
    assert_eq!(
        sh_ok(&h, "cat /etc/motd"),
        "Managed by converge\nfrom a source file\nserved by forge-01\n"
    );
    assert_eq!(sh_ok(&h, "stat -c %a /etc/motd").trim(), "640");
    assert_eq!(
        sh_ok(&h, "cat /etc/app.ini"),
        "[server]\nport = 8080\nhost = forge-01\nopts = \"-Xmx1g\"\n"
    );
    assert!(sh_ok(&h, "apt-key adv --list-keys --with-colons 2>/dev/null").contains(&fpr));
    assert!(sh_ok(&h, "pip3 freeze --all").contains("==1.0"));
    assert!(sh_ok(&h, "gem list --local converge_demo").contains("converge_demo (1.0.0)"));

    let second = apply_json(&h, &v1, &[]);
    assert_eq!(
        second.code,
        0,
        "second apply changes nothing:\n{}",
        second.all()
    );

    // A change: one fragment, one setting, the pip version.
    let v2 = manifest(&fpr, "now served by", "9090", "2.0", "present");
    let changed = apply_json(&h, &v2, &[]);
    assert_eq!(changed.code, 2, "{}", changed.all());
    let report = changed.report();
    assert_eq!(
        resource(&report, "Concat_file[/etc/motd]")["status"],
        "changed"
    );
    assert_eq!(
        resource(&report, "Ini_setting[app port]")["changes"][0]["message"],
        "value changed 8080 to 9090"
    );
    assert_eq!(
        resource(&report, "Concat_fragment[motd host]")["status"],
        "unchanged"
    );
    assert!(sh_ok(&h, "cat /etc/motd").contains("now served by forge-01"));
    assert!(sh_ok(&h, "pip3 freeze --all").contains("==2.0"));
    assert_eq!(apply_json(&h, &v2, &[]).code, 0, "the change converged");

    // Removal.
    let v3 = manifest(&fpr, "now served by", "9090", "absent", "absent");
    let removed = apply_json(&h, &v3, &[]);
    assert_eq!(removed.code, 2, "{}", removed.all());
    sh_ok(&h, "test ! -e /etc/motd");
    // The emptied list stays, quoted: `""` is not empty (the module writes the same).
    assert_eq!(sh_ok(&h, "cat /etc/app.ini"), "[server]\nopts = \"\"\n");
    assert!(!sh_ok(&h, "apt-key adv --list-keys --with-colons 2>/dev/null").contains(&fpr));
    assert!(!sh_ok(&h, "pip3 freeze --all").contains("converge"));
    assert!(!sh_ok(&h, "gem list --local converge_demo").contains("converge_demo ("));
    assert_eq!(apply_json(&h, &v3, &[]).code, 0, "the removal converged");
}
