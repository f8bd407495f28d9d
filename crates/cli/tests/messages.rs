//! No message converge prints shows Rust's debug formatting (`Link { target: "/etc/x" }`,
//! `Some(..)`, `30.0s`, quoted strings with Rust escapes): every `{...:?}` in the sources
//! of the workspace's programs and libraries fails this test, outside test modules, unless
//! the line before says why with `// debug-format: ...` (a developer's diff, Puppet's own
//! `%p` quoting). Tracing's debug and trace events are for developers and may use it.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// `{x:?}`, `{:?}`, `{:#?}`, `{x:.1?}`: a format argument with the `?` (Debug) trait.
fn debug_placeholder(line: &str) -> bool {
    line.match_indices('{').any(|(i, _)| {
        let rest = &line[i + 1..];
        let Some(end) = rest.find('}') else {
            return false;
        };
        let inner = &rest[..end];
        match inner.split_once(':') {
            Some((name, spec)) => {
                spec.ends_with('?')
                    && name
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
                    && spec[..spec.len() - 1]
                        .chars()
                        .all(|c| c.is_ascii_digit() || "#.<>^+-".contains(c))
            }
            None => false,
        }
    })
}

#[test]
fn no_message_uses_rust_debug_formatting() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files = Vec::new();
    for dir in ["crates", "xtask/src"] {
        rust_files(&root.join(dir), &mut files);
    }
    // Sources of programs and libraries only: tests, benches, examples and fuzz targets
    // talk to developers.
    files.retain(|f| {
        let s = f.to_string_lossy();
        s.contains("/src/") && !s.contains("/fuzz/")
    });
    assert!(files.len() > 50, "found only {} source files", files.len());
    let mut found = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            if line.trim() == "#[cfg(test)]" {
                break; // the test module, last in each file
            }
            if !debug_placeholder(line) {
                continue;
            }
            let before = &lines[i.saturating_sub(3)..i];
            let allowed = before
                .iter()
                .chain(std::iter::once(line))
                .any(|l| l.contains("// debug-format:"));
            let tracing = lines[i.saturating_sub(4)..=i]
                .iter()
                .any(|l| l.contains("debug!(") || l.contains("trace!("));
            if !allowed && !tracing {
                found.push(format!(
                    "{}:{}: {}",
                    file.strip_prefix(&root).unwrap_or(file).display(),
                    i + 1,
                    line.trim()
                ));
            }
        }
    }
    assert!(
        found.is_empty(),
        "messages with Rust debug formatting (say what was found in words):\n{}",
        found.join("\n")
    );
}

#[test]
fn the_placeholder_check_knows_debug_from_display() {
    assert!(debug_placeholder(r#"format!("{} ({other:?})", p)"#));
    assert!(debug_placeholder(
        r#"#[error("timed out after {after:.1?}")]"#
    ));
    assert!(debug_placeholder(r#"format!("{:#?}", x)"#));
    assert!(!debug_placeholder(r#"format!("{name}: {:.1} s", t)"#));
    assert!(!debug_placeholder(
        "let h = HashMap::new(); if a { b } else { c }"
    ));
}
