//! `cargo xtask e2e --release N`: the end-to-end tests (web server, load balancers, apply,
//! doctor, the Debian package, facts, and the providers on a real host, fast paths
//! included) on hosts of one Debian release, both host kinds; the results go to
//! docs/releases.md.
//!
//! The tests choose their release from `CONVERGE_TEST_RELEASE`; for Debian 11 the tests
//! and converge are built against Debian 11's glibc ([`crate::compat`]), since the
//! provider tests run their own binary inside the host.

use std::io::{BufRead, BufReader};
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

use converge_testhost::{Error, Release, RELEASE_ENV};

use crate::compat;

/// The packages and the test targets run, in one `cargo test` (one feature resolution,
/// so one build).
const PACKAGES: &[&str] = &["converge-providers", "converge-cli"];
const TARGETS: &[&str] = &[
    "fresh_host",
    "e2e_web_server",
    "e2e_stack",
    "e2e_nginx_lb",
    "e2e_apply",
    "e2e_doctor",
    "e2e_package",
];

/// One test binary's result line.
struct Outcome {
    target: String,
    passed: u32,
    failed: u32,
    seconds: f64,
}

/// Runs the suites on `release`; rewrites that release's section of docs/releases.md.
pub(crate) fn run(release: Release) -> Result<ExitCode, Error> {
    converge_testhost::set_command(&format!("cargo xtask e2e --release {}", release.number()));
    // The image first: a machine that cannot run hosts is told so before any build.
    converge_testhost::prepare(release)?;
    let sysroot = match release {
        Release::Bullseye => Some(compat::sysroot()?),
        _ => None,
    };
    let began = Instant::now();
    let mut outcomes = Vec::new();
    let mut ok = true;
    // One `cargo test` per target (the first builds them all): cargo names the binary it
    // runs on stderr, and the provider tests print their in-host runs' result lines too,
    // so a target's result is the last result line of its own run.
    for target in TARGETS {
        let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
        cmd.current_dir(crate::workspace_root())
            .args(["test", "--locked"])
            .args(PACKAGES.iter().flat_map(|p| ["-p", p]))
            .args(["--test", target]);
        if let Some(s) = &sysroot {
            compat::configure(&mut cmd, s);
        }
        cmd.env(RELEASE_ENV, release.number().to_string())
            .stdout(Stdio::piped());
        let mut child = cmd.spawn().map_err(|e| Error::Io {
            context: "running cargo test".into(),
            source: e,
        })?;
        let stdout = child.stdout.take().expect("piped stdout");
        let mut last = None;
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            println!("{line}");
            if let Some(o) = parse_result(&line, target) {
                last = Some(o);
            }
        }
        let status = child.wait().map_err(|e| Error::Io {
            context: "waiting for cargo test".into(),
            source: e,
        })?;
        ok &= status.success();
        // No result line: the binary did not build or did not finish.
        outcomes.push(last.unwrap_or(Outcome {
            target: target.to_string(),
            passed: 0,
            failed: 1,
            seconds: 0.0,
        }));
    }
    let doc = crate::workspace_root().join("docs/releases.md");
    let old = std::fs::read_to_string(&doc).unwrap_or_default();
    let section = section(release, &outcomes, ok, began.elapsed().as_secs_f64());
    std::fs::write(&doc, replace_section(&old, release, &section)).map_err(|e| Error::Io {
        context: format!("writing {}", doc.display()),
        source: e,
    })?;
    println!("xtask: results in {}", doc.display());
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// `test result: ok. 5 passed; 0 failed; ...; finished in 12.3s`.
fn parse_result(line: &str, target: &str) -> Option<Outcome> {
    let rest = line.strip_prefix("test result: ")?;
    let number = |word: &str| -> Option<u32> {
        let before = rest.split(&format!(" {word}")).next()?;
        before.rsplit([' ', '.', ';']).next()?.parse().ok()
    };
    let seconds = rest
        .rsplit("finished in ")
        .next()?
        .trim_end_matches('s')
        .parse()
        .ok()?;
    Some(Outcome {
        target: target.to_string(),
        passed: number("passed")?,
        failed: number("failed")?,
        seconds,
    })
}

fn commit() -> String {
    Command::new("git")
        .args(["log", "-1", "--format=%h %cs", "--abbrev=12"])
        .current_dir(crate::workspace_root())
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}

fn section(release: Release, outcomes: &[Outcome], ok: bool, seconds: f64) -> String {
    let mut s = format!(
        "## {release}\n\n`cargo xtask e2e --release {}` on commit {}: **{}** in {:.0} s.\n\n\
         | tests | passed | failed | time |\n|---|---|---|---|\n",
        release.number(),
        commit(),
        if ok { "passed" } else { "FAILED" },
        seconds
    );
    for o in outcomes {
        s.push_str(&format!(
            "| {} | {} | {} | {:.0} s |\n",
            o.target, o.passed, o.failed, o.seconds
        ));
    }
    s
}

/// The document with `release`'s section replaced (or added, in release order).
fn replace_section(doc: &str, release: Release, new: &str) -> String {
    let header = "# End-to-end results per Debian release\n\n\
        Written by `cargo xtask e2e --release N`: the last run of the end-to-end tests\n\
        (web server, load balancer, doctor, the Debian package, providers and their no-op\n\
        fast paths) on fresh Debian N hosts of both kinds. CI runs them on Debian 12 with\n\
        every `cargo test --workspace`; see docs/guide.md for what differs per release.\n";
    let mut sections: Vec<(Release, String)> = Release::ALL
        .into_iter()
        .filter_map(|r| {
            let start = doc.find(&format!("## {r}\n"))?;
            let rest = &doc[start..];
            let end = rest[3..].find("\n## ").map_or(rest.len(), |i| i + 4);
            Some((r, rest[..end].trim_end().to_string() + "\n"))
        })
        .filter(|(r, _)| *r != release)
        .collect();
    sections.push((release, new.to_string()));
    sections.sort_by_key(|(r, _)| *r);
    let mut out = header.to_string();
    for (_, s) in sections {
        out.push('\n');
        out.push_str(&s);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn result_lines_parse_and_sections_replace_in_place() {
        let o = parse_result(
            "test result: ok. 5 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out; finished in 61.25s",
            "e2e_stack",
        )
        .unwrap();
        assert_eq!((o.passed, o.failed, o.seconds), (5, 1, 61.25));
        let a = replace_section("", Release::Trixie, "## Debian 13 (trixie)\n\nfirst\n");
        let b = replace_section(&a, Release::Bullseye, "## Debian 11 (bullseye)\n\neleven\n");
        let c = replace_section(&b, Release::Trixie, "## Debian 13 (trixie)\n\nsecond\n");
        assert!(c.contains("eleven") && c.contains("second") && !c.contains("first"));
        assert!(c.find("eleven") < c.find("second"));
    }
}
