//! The test bed prepares a new machine on its own. A fresh Debian host stands in for one
//! (its offline repository offers the test bed's packages; none is installed): this very
//! test binary, run inside as a user who is not root, is told in one line what to run;
//! run as root, it installs the packages with apt. Needs root and the mirror for the
//! image's first build.

use converge_testhost::{
    ensure_host_packages, missing_packages, HostKind, Image, Net, HOST_PACKAGES,
};

const INSIDE: &str = "CONVERGE_SETUP_INSIDE";

#[test]
fn a_new_machine_gets_the_test_beds_packages_and_a_user_is_told_what_to_run() {
    match std::env::var(INSIDE).as_deref() {
        Ok("user") => {
            assert!(!missing_packages(HOST_PACKAGES).unwrap().is_empty());
            let err = ensure_host_packages().unwrap_err().to_string();
            assert_eq!(err.lines().count(), 1, "{err}");
            assert!(
                err.ends_with("run as root: sudo -E env \"PATH=$PATH\" cargo test --workspace"),
                "{err}"
            );
            return;
        }
        Ok(_) => {
            ensure_host_packages().unwrap();
            assert_eq!(
                missing_packages(HOST_PACKAGES).unwrap(),
                Vec::<String>::new()
            );
            return;
        }
        Err(_) => {}
    }
    let image = Image::builder()
        .packages(HOST_PACKAGES.iter().copied())
        .build()
        .unwrap_or_else(|e| panic!("an image offering the test bed's packages: {e}"));
    let net = Net::new().unwrap_or_else(|e| panic!("a private network: {e}"));
    let host = net
        .host(&image, "new-machine", HostKind::InitScript)
        .unwrap();
    let exe = std::env::current_exe().unwrap();
    host.copy_in(&exe, "/usr/local/bin/setup-tests").unwrap();
    let name = "a_new_machine_gets_the_test_beds_packages_and_a_user_is_told_what_to_run";
    for (who, argv) in [
        (
            "user",
            &[
                "setpriv",
                "--reuid=65534",
                "--regid=65534",
                "--clear-groups",
            ][..],
        ),
        ("root", &[][..]),
    ] {
        let mut cmd: Vec<String> = argv.iter().map(|s| s.to_string()).collect();
        cmd.extend(
            [
                "/usr/bin/env",
                &format!("{INSIDE}={who}"),
                "/usr/local/bin/setup-tests",
                "--exact",
                name,
                "--nocapture",
            ]
            .map(String::from),
        );
        let cmd: Vec<&str> = cmd.iter().map(String::as_str).collect();
        let out = host.exec(&cmd).unwrap();
        eprintln!("{}{}", out.stdout, out.stderr);
        assert!(
            out.success() && out.stdout.contains("1 passed"),
            "as {who} inside the host"
        );
    }
}
