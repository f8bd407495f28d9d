//! What converge generates from its own command-line definition: the version line, shell
//! completions and man pages (all three go into the Debian package).

use std::process::Command;

fn converge(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_converge"))
        .args(args)
        .output()
        .expect("running converge");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The subcommands `converge --help` lists, besides `help`.
fn subcommands() -> Vec<String> {
    let (_, help, _) = converge(&["--help"]);
    help.split("Commands:")
        .nth(1)
        .expect("a Commands: section")
        .split("Options:")
        .next()
        .unwrap()
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|w| *w != "help")
        .map(str::to_string)
        .collect()
}

#[test]
fn the_version_names_the_commit_it_was_built_from() {
    let (code, out, _) = converge(&["--version"]);
    assert_eq!(code, 0);
    let line = out.trim();
    let rest = line
        .strip_prefix(concat!("converge ", env!("CARGO_PKG_VERSION"), " ("))
        .unwrap_or_else(|| panic!("{line}"));
    let commit = rest.split([' ', ')']).next().unwrap();
    // Built from this repository's checkout: the commit is git's, as `git log` shows it.
    assert_eq!(commit.len(), 12, "{line}");
    assert!(commit.chars().all(|c| c.is_ascii_hexdigit()), "{line}");
    let git = Command::new("git")
        .args(["cat-file", "-t", commit])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("git");
    assert_eq!(
        String::from_utf8_lossy(&git.stdout).trim(),
        "commit",
        "{line}"
    );
}

#[test]
fn completions_cover_every_subcommand_in_each_shell() {
    let subs = subcommands();
    assert!(subs.contains(&"apply".to_string()) && subs.contains(&"completions".to_string()));
    for (shell, marker) in [
        ("bash", "complete -F _converge"),
        ("zsh", "#compdef converge"),
        ("fish", "complete -c converge"),
    ] {
        let (code, script, err) = converge(&["completions", shell]);
        assert_eq!(code, 0, "{shell}: {err}");
        assert!(script.contains(marker), "{shell}: no `{marker}`");
        for sub in &subs {
            assert!(
                script.contains(sub.as_str()),
                "{shell} completion lacks {sub}"
            );
        }
    }
    let (code, _, err) = converge(&["completions", "tcsh"]);
    assert_eq!(code, 2);
    assert!(err.contains("possible values: bash"), "{err}");
}

#[test]
fn man_pages_exist_for_converge_and_each_subcommand() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) = converge(&["man", dir.path().to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let mut pages: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    pages.sort();
    let mut expected: Vec<String> = subcommands()
        .iter()
        .map(|s| format!("converge-{s}.1"))
        .chain(["converge.1".to_string()])
        .collect();
    expected.sort();
    assert_eq!(pages, expected);
    let apply = std::fs::read_to_string(dir.path().join("converge-apply.1")).unwrap();
    assert!(
        apply.starts_with(".ie \\n(.g .ds Aq"),
        "roff: {}",
        &apply[..80]
    );
    assert!(
        apply.contains("\\-\\-noop"),
        "the page lists apply's options"
    );
}
