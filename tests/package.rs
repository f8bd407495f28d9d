//! End-to-end: the Debian package. `cargo xtask dist` packages this build's converge; on a
//! fresh host `apt install ./converge_*.deb` installs it with its man pages, completions,
//! documentation and modules, and the example site.pp, applied as it ships (its modules
//! found in /usr/share/puppet/modules), makes the host serve with its own name in
//! `X-Served-By`. Needs root, the test image and cargo-deb (`cargo xtask dist` installs
//! it when missing).

mod support;

use converge_testhost::HostKind;
use std::path::Path;
use std::process::Command;
use support::{http_get, run, Bed};

/// `cargo xtask dist --binary <this build's converge> --out DIR`; the .deb's path.
fn package(out: &Path) -> std::path::PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let made = Command::new(cargo)
        .current_dir(&root)
        .args([
            "xtask",
            "dist",
            "--fast",
            "--binary",
            env!("CARGO_BIN_EXE_converge"),
            "--out",
        ])
        .arg(out)
        // `cargo xtask e2e --release 11` builds the tests for Debian 11's glibc with these;
        // xtask itself is built for this machine.
        .env_remove("CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUSTFLAGS")
        .env_remove("CFLAGS_x86_64_unknown_linux_gnu")
        .output()
        .expect("running cargo xtask dist");
    let stdout = String::from_utf8_lossy(&made.stdout);
    assert!(
        made.status.success(),
        "cargo xtask dist failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let deb = std::path::PathBuf::from(stdout.trim());
    let name = deb.file_name().unwrap().to_string_lossy().into_owned();
    assert_eq!(
        name,
        concat!("converge_", env!("CARGO_PKG_VERSION"), "_amd64.deb")
    );
    deb
}

#[test]
fn the_debian_package_installs_and_its_example_site_serves_the_header() {
    let out = tempfile::tempdir().unwrap();
    let deb = package(out.path());
    let bed = Bed::new();
    let web = bed
        .net
        .host(&bed.image, "web-01", HostKind::InitScript)
        .expect("a fresh host");
    let client = bed.net.client("client").expect("a client");
    let name = deb.file_name().unwrap().to_string_lossy().into_owned();
    web.copy_in(&deb, &format!("/root/{name}")).unwrap();

    let installed = web
        .sh("cd /root && apt-get update -q && apt install -y ./converge_*.deb")
        .unwrap();
    assert!(
        installed.success(),
        "{}{}",
        installed.stdout,
        installed.stderr
    );
    let version = run(&web, &["converge", "--version"]);
    assert_eq!(version.code, 0, "{}", version.all());
    assert!(
        version
            .stdout
            .starts_with(concat!("converge ", env!("CARGO_PKG_VERSION"), " (")),
        "{}",
        version.stdout
    );
    // Everything the package promises, where Debian's tools look for it.
    let files = web.sh("dpkg -L converge").unwrap().stdout;
    for path in [
        "/usr/bin/converge",
        "/usr/share/man/man1/converge.1.gz",
        "/usr/share/man/man1/converge-apply.1.gz",
        "/usr/share/man/man1/converge-doctor.1.gz",
        "/usr/share/bash-completion/completions/converge",
        "/usr/share/zsh/vendor-completions/_converge",
        "/usr/share/fish/vendor_completions.d/converge.fish",
        "/usr/share/doc/converge/README",
        "/usr/share/doc/converge/copyright",
        "/usr/share/doc/converge/examples/site.pp",
        "/usr/share/puppet/modules/web_server/manifests/init.pp",
        "/usr/share/puppet/modules/load_balancer/templates/haproxy.cfg.epp",
    ] {
        assert!(files.lines().any(|l| l == path), "{path} not in:\n{files}");
    }
    let man = web
        .sh("zcat /usr/share/man/man1/converge-apply.1.gz | grep -c noop")
        .unwrap();
    assert!(man.success(), "the apply man page documents --noop");

    // The example as it ships: no modules beside it, so they come from the package's.
    let site = "/usr/share/doc/converge/examples/site.pp";
    let first = run(&web, &["converge", "apply", "--detailed-exitcodes", site]);
    assert_eq!(first.code, 2, "first apply makes changes:\n{}", first.all());
    let page = http_get(&client, "http://web-01/");
    assert!(
        page.to_lowercase().contains("x-served-by: web-01\r\n"),
        "the header names the host:\n{page}"
    );
    let second = run(&web, &["converge", "apply", "--detailed-exitcodes", site]);
    assert_eq!(
        second.code,
        0,
        "second apply changes nothing:\n{}",
        second.all()
    );

    let removed = web.sh("apt-get remove -y converge").unwrap();
    assert!(removed.success(), "{}", removed.stderr);
    assert!(!web.sh("test -e /usr/bin/converge").unwrap().success());
}
