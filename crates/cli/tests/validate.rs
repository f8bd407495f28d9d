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
