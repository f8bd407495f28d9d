//! The expression suite: converge against Puppet 7, case by case.
//!
//! `tests/expr/*.cases` hold Puppet source, one case a line (a line ending in `\`
//! continues on the next; `#` lines are comments). `tests/expr/*.puppet` hold Puppet's
//! answer to each case: the messages it logged, then `=> value` (Puppet's `%p` format) or
//! `error: message (line N)`. Those files are written by Puppet itself: `oracle.rb` runs
//! every case in one Ruby process.
//!
//! - `converge_gives_puppets_answers` evaluates every case with converge and compares with
//!   the snapshot; an error must carry the same message and line.
//! - `snapshots_are_puppets_answers` runs Puppet over the cases again and fails on any
//!   difference from the committed snapshots, so a snapshot cannot drift into agreeing
//!   with a bug. It needs `ruby` and Debian's `puppet` package; in CI (`CI` set) their
//!   absence fails the test, elsewhere it is skipped with a note.
//!   `UPDATE_PUPPET_SNAPSHOTS=1` rewrites the snapshots from Puppet instead.

use converge_catalog::{Diagnostic, Value};
use converge_lang::{evaluate, CompileOptions, LogLevel};
use indexmap::IndexMap;
use std::path::{Path, PathBuf};
use std::process::Command;

const DIR: &str = "tests/expr";

fn case_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(DIR)
        .expect("tests/expr")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "cases"))
        .collect();
    files.sort();
    files
}

/// A case: its source, and converge's own answer where converge knowingly differs from
/// Puppet (`#! converge: <answer line>` lines just before the case; every such
/// difference is listed in docs/puppet-differences.md).
struct Case {
    src: String,
    differs: Vec<String>,
}

/// The cases of a file, as `oracle.rb` reads them.
fn read_cases(path: &Path) -> Vec<Case> {
    let text = std::fs::read_to_string(path).expect("read cases");
    let mut cases = Vec::new();
    let mut cur: Option<String> = None;
    let mut differs = Vec::new();
    let mut push = |src: String, differs: &mut Vec<String>| {
        cases.push(Case {
            src,
            differs: std::mem::take(differs),
        })
    };
    for l in text.lines() {
        if let Some(c) = cur.as_mut() {
            c.push('\n');
            c.push_str(l.strip_suffix('\\').unwrap_or(l));
            if !l.ends_with('\\') {
                push(cur.take().unwrap_or_default(), &mut differs);
            }
            continue;
        }
        if let Some(answer) = l.strip_prefix("#! converge: ") {
            differs.push(answer.to_string());
            continue;
        }
        if l.trim().is_empty() || l.starts_with('#') {
            continue;
        }
        match l.strip_suffix('\\') {
            Some(head) => cur = Some(head.to_string()),
            None => push(l.to_string(), &mut differs),
        }
    }
    if let Some(c) = cur {
        push(c, &mut differs);
    }
    cases
}

/// One answer block: the case's source (continuation lines marked `  | `), then its
/// indented answer lines.
fn block(src: &str, answer: &[String]) -> String {
    let mut out = src.lines().collect::<Vec<_>>().join("\n  | ");
    out.push('\n');
    for a in answer {
        out.push_str("  ");
        out.push_str(a);
        out.push('\n');
    }
    out
}

fn converge_answer(src: &str) -> Vec<String> {
    let opts = CompileOptions {
        manifest: PathBuf::from("case.pp"),
        code: Some(src.to_string()),
        modulepath: vec![PathBuf::from(DIR).join("modules")],
        facts: IndexMap::<String, Value>::new(),
        node_name: "testnode".into(),
        ..Default::default()
    };
    let e = evaluate(opts);
    let mut out = Vec::new();
    for m in &e.compiled.log {
        let level = match m.level {
            LogLevel::Notice => "notice",
            LogLevel::Warning => "warning",
            LogLevel::Err => "error",
            _ => continue,
        };
        out.push(format!("{level}: {}", m.text.replace('\n', "\n    ")));
    }
    // Puppet stops at the first error: only the warnings before it count.
    for d in e.compiled.diagnostics.iter().take_while(|d| !d.is_error()) {
        out.push(format!("warning: {}", d.message));
    }
    match (
        &e.value,
        e.compiled.diagnostics.iter().find(|d| d.is_error()),
    ) {
        (_, Some(d)) => out.push(error_line(d)),
        (Some(v), None) => out.push(format!("=> {v}")),
        (None, None) => out.push("=> (no value)".into()),
    }
    out
}

/// The message as `oracle.rb` reduces Puppet's: without the function name Puppet puts
/// first in some (`'new' The string ...`), lines joined.
fn error_line(d: &Diagnostic) -> String {
    let mut msg = d.message.replace('\n', " ");
    if let Some(rest) = msg.strip_prefix('\'') {
        if let Some((name, tail)) = rest.split_once("' ") {
            if !name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_') {
                msg = tail.to_string();
            }
        }
    }
    match &d.location {
        Some(l) => format!("error: {msg} (line {})", l.line),
        None => format!("error: {msg} (NOT LOCATED)"),
    }
}

/// The snapshot's blocks by case source.
fn read_snapshot(path: &Path) -> Vec<(String, Vec<String>)> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for l in text.lines() {
        if let Some(cont) = l.strip_prefix("  | ") {
            if let Some(last) = out.last_mut() {
                last.0.push('\n');
                last.0.push_str(cont);
            }
        } else if let Some(ans) = l.strip_prefix("  ") {
            if let Some(last) = out.last_mut() {
                if ans.starts_with("  ") {
                    if let Some(prev) = last.1.last_mut() {
                        prev.push_str("\n  ");
                        prev.push_str(ans);
                    }
                } else {
                    last.1.push(ans.to_string());
                }
            }
        } else if !l.starts_with("===") {
            out.push((l.to_string(), Vec::new()));
        }
    }
    out
}

#[test]
fn converge_gives_puppets_answers() {
    // stdlib's deprecation warnings are off on Puppet's side (`oracle.rb`), by the
    // module's own switch, which converge honours too.
    std::env::set_var("STDLIB_LOG_DEPRECATIONS", "false");
    let mut failures = Vec::new();
    let mut total = 0;
    for file in case_files() {
        let snap_path = file.with_extension("puppet");
        let snapshot = read_snapshot(&snap_path);
        let cases = read_cases(&file);
        assert_eq!(
            cases.len(),
            snapshot.len(),
            "{} has {} cases but {} has {} answers: run with UPDATE_PUPPET_SNAPSHOTS=1 where Puppet is installed",
            file.display(),
            cases.len(),
            snap_path.display(),
            snapshot.len()
        );
        for (case, (snap_src, puppet)) in cases.iter().zip(&snapshot) {
            total += 1;
            let src = &case.src;
            assert_eq!(src, snap_src, "{} is out of date", snap_path.display());
            // A known difference: converge must give its own documented answer, and
            // Puppet must still give the one recorded (the other test checks that).
            let want = if case.differs.is_empty() {
                puppet
            } else {
                &case.differs
            };
            let mut got = converge_answer(src);
            // Errors Puppet finds while parsing carry no line: only the message counts.
            if let (Some(w), Some(g)) = (want.last(), got.last_mut()) {
                if w.starts_with("error: ") && !w.ends_with(')') {
                    if let Some(i) = g.rfind(" (line ") {
                        g.truncate(i);
                    }
                }
            }
            if &got != want {
                failures.push(format!(
                    "{}:\n  puppet:\n{}  converge:\n{}",
                    file.file_name().unwrap_or_default().to_string_lossy(),
                    block(src, want),
                    block(src, &got)
                ));
            }
        }
    }
    assert!(total >= 100, "only {total} cases found");
    assert!(
        failures.is_empty(),
        "{} of {total} cases differ from Puppet:\n\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn puppet_available() -> bool {
    Command::new("ruby")
        .args(["-e", "require 'puppet'"])
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn snapshots_are_puppets_answers() {
    if !puppet_available() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must have ruby and Debian's puppet package to check the expression snapshots"
        );
        eprintln!("note: puppet is not installed; the expression snapshots were not re-derived");
        return;
    }
    let files = case_files();
    let modules = std::fs::canonicalize(PathBuf::from(DIR).join("modules")).expect("modules");
    let out = Command::new("ruby")
        .arg(PathBuf::from(DIR).join("oracle.rb"))
        .arg(&modules)
        .args(&files)
        .output()
        .expect("run oracle.rb");
    assert!(
        out.status.success(),
        "oracle.rb failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let update = std::env::var_os("UPDATE_PUPPET_SNAPSHOTS").is_some();
    let mut differ = Vec::new();
    for section in text.split("=== ").filter(|s| !s.is_empty()) {
        let (name, body) = section.split_once('\n').unwrap_or((section, ""));
        let path = PathBuf::from(DIR)
            .join(name.trim())
            .with_extension("puppet");
        if update {
            std::fs::write(&path, body).expect("write snapshot");
            continue;
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        if committed != body {
            let diff = similar::TextDiff::from_lines(committed.as_str(), body)
                .unified_diff()
                .header("committed", "puppet")
                .to_string();
            differ.push(format!("{}:\n{diff}", path.display()));
        }
    }
    assert!(
        differ.is_empty(),
        "Puppet's answers differ from the committed snapshots (UPDATE_PUPPET_SNAPSHOTS=1 rewrites them):\n{}",
        differ.join("\n")
    );
}
