//! `converge validate` as a user sees it: every file in `tests/data/validate` is validated
//! with fixed facts and the exit code plus everything printed is snapshotted.

use std::process::Command;

fn converge() -> Command {
    Command::new(env!("CARGO_BIN_EXE_converge"))
}

#[test]
fn validate_output() {
    let data = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data");
    insta::glob!("data/validate/*.pp", |path| {
        let out = converge()
            .current_dir(data)
            .args(["validate", "--color", "never", "--facts", "facts.json"])
            .arg(path.strip_prefix(data).unwrap())
            .output()
            .unwrap();
        let shown = format!(
            "exit: {}\n--- stdout\n{}--- stderr\n{}",
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        insta::assert_snapshot!(shown);
    });
}

/// Regression: `converge catalog x.pp | head` panicked with "failed printing to stdout".
#[test]
fn catalog_into_a_closed_pipe_does_not_panic() {
    let data = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data");
    let out = Command::new("sh")
        .current_dir(data)
        .arg("-c")
        .arg(format!(
            "'{}' catalog --facts facts.json validate/clean_web.pp | head -c 10 >/dev/null",
            env!("CARGO_BIN_EXE_converge")
        ))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn facts_prints_one_value_or_the_whole_set() {
    let one = converge().args(["facts", "os.family"]).output().unwrap();
    assert!(one.status.success());
    assert_eq!(String::from_utf8_lossy(&one.stdout).trim(), "Debian");
    let all = converge().args(["facts"]).output().unwrap();
    let json: serde_json::Value = serde_json::from_slice(&all.stdout).unwrap();
    assert_eq!(json["hostname"], json["networking"]["hostname"]);
    let missing = converge().args(["facts", "no.such.fact"]).output().unwrap();
    assert_eq!(missing.status.code(), Some(1));
}

/// Every file a message names is named as the user gave it (relative, with its `./` and
/// `..`), including module files found from it and files that do not exist.
#[test]
fn errors_name_files_as_the_user_gave_them() {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("site");
    std::fs::create_dir_all(sub.join("modules/web/manifests")).unwrap();
    std::fs::write(sub.join("main.pp"), "include web\n").unwrap();
    std::fs::write(
        sub.join("modules/web/manifests/init.pp"),
        "class web {\n  package { 'nginx': ensur => installed }\n}\n",
    )
    .unwrap();
    let run = |args: &[&str]| {
        let out = converge()
            .current_dir(dir.path())
            .args(["--color", "never"])
            .args(args)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let err = run(&["validate", "./site/../site/main.pp"]);
    assert!(
        err.contains(" --> ./site/../site/modules/web/manifests/init.pp:2:22"),
        "{err}"
    );
    let err = run(&["apply", "--noop", "site/missing.pp"]);
    assert!(err.contains("'site/missing.pp'"), "{err}");
    let err = run(&["validate", "--facts", "./nope.json", "site/main.pp"]);
    assert!(err.contains("./nope.json"), "{err}");
    assert!(!err.contains(&dir.path().display().to_string()), "{err}");
}
