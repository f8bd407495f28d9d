//! Malformed input a user hands converge, as they see it: a facts file, an inventory and a
//! catalog (from a file or stdin), each refused with an error at file, line and column
//! before anything else happens. Nothing here can change this machine: every input is
//! refused while it is being read.

use std::io::Write;
use std::process::{Command, Stdio};

fn converge(dir: &std::path::Path, args: &[&str], stdin: &str) -> (i32, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_converge"))
        .current_dir(dir)
        .args(["--color", "never"])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[test]
fn malformed_facts_inventories_and_catalogs_are_refused_at_their_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("site.pp"), "notify { 'hi': }\n").unwrap();
    std::fs::write(
        d.join("facts.json"),
        "{\n  \"os\": {\"family\": \"Debian\",}\n}\n",
    )
    .unwrap();
    std::fs::write(d.join("inventory.toml"), "[hosts.web-01]\naddress = 10\n").unwrap();
    std::fs::write(
        d.join("catalog.json"),
        "{\"node\": \"n\",\n \"resources\": [\n  {\"ref\": \"Notify[a]\", \"type\": \"notify\", \"title\": \"a\", \"parms\": {}}\n ],\n \"edges\": []}\n",
    )
    .unwrap();

    let (code, out) = converge(d, &["validate", "--facts", "facts.json", "site.pp"], "");
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("facts.json is not a facts file") && out.contains("--> facts.json:2:29"),
        "{out}"
    );

    let (code, out) = converge(
        d,
        &[
            "plan",
            "site.pp",
            "--inventory",
            "inventory.toml",
            "--targets",
            "web-01",
        ],
        "",
    );
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("inventory.toml") && out.contains("line 2, column 11"),
        "{out}"
    );

    let (code, out) = converge(d, &["apply", "--catalog", "catalog.json"], "");
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("catalog.json is not a catalog: unknown field `parms`")
            && out.contains("--> catalog.json:3:"),
        "{out}"
    );
    assert!(out.contains("nothing was applied"), "{out}");

    let (code, out) = converge(
        d,
        &["apply", "--catalog", "-"],
        "{\"node\": \"n\", \"resources\": [}",
    );
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("--> <stdin>:1:29"), "{out}");
}
