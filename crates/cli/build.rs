//! Records the commit converge is built from, for `converge --version`.
//!
//! The commit comes from `git` when the source is a checkout, else from the
//! `CONVERGE_COMMIT` environment variable (a source tarball or a packaging build), else it
//! is "unknown commit". Cargo reruns this when HEAD or a branch moves.

use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    (out.status.success() && !text.trim().is_empty()).then(|| text.trim().to_string())
}

fn main() {
    println!("cargo:rerun-if-env-changed=CONVERGE_COMMIT");
    // HEAD lives in the worktree's git dir, branches in the common one.
    for (flag, files) in [
        ("--git-dir", &["HEAD"][..]),
        ("--git-common-dir", &["refs/heads", "packed-refs"][..]),
    ] {
        if let Some(dir) = git(&["rev-parse", flag]) {
            for f in files {
                let path = std::path::Path::new(&dir).join(f);
                if path.exists() {
                    println!("cargo:rerun-if-changed={}", path.display());
                }
            }
        }
    }
    let commit = std::env::var("CONVERGE_COMMIT")
        .ok()
        .filter(|c| !c.trim().is_empty())
        .or_else(|| git(&["log", "-1", "--format=%h %cs", "--abbrev=12"]))
        .unwrap_or_else(|| "unknown commit".into());
    println!("cargo:rustc-env=CONVERGE_COMMIT={commit}");
}
