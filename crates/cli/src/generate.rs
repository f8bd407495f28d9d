//! Files generated from the command-line definition itself, so they never drift from it:
//! shell completions (`converge completions SHELL`, clap_complete) and man pages
//! (`converge man DIR`, clap_mangen: `converge.1` and one page per subcommand), which
//! `cargo xtask dist` puts in the Debian package.

use crate::args::Cli;
use clap::CommandFactory;
use std::path::Path;

/// Prints the completion script for `shell` on stdout.
pub(crate) fn completions(shell: clap_complete::Shell) -> i32 {
    let mut cmd = Cli::command();
    clap_complete::generate(shell, &mut cmd, "converge", &mut std::io::stdout());
    0
}

/// Writes `converge.1` and `converge-SUBCOMMAND.1` for every subcommand into `dir`.
pub(crate) fn man_pages(dir: &Path) -> i32 {
    let written =
        std::fs::create_dir_all(dir).and_then(|()| clap_mangen::generate_to(Cli::command(), dir));
    match written {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("error: cannot write man pages to {}: {e}", dir.display());
            1
        }
    }
}
