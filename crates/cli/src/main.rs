//! The `converge` binary: parse arguments, run one command, render its output.
//!
//! Exit codes: 0 success; 1 the command found errors or could not run. `apply` adds
//! Puppet's `--detailed-exitcodes` (2 changes, 4 failures, 6 both).

mod apply;
mod args;
mod commands;
mod doctor;
mod fleet;
mod render;

use clap::Parser;

fn main() {
    // Die quietly on a closed pipe (`converge catalog x.pp | head`), like other Unix tools,
    // instead of panicking on the failed write.
    // SAFETY: setting a signal to its default disposition before any thread starts.
    unsafe {
        let _ = nix::sys::signal::signal(
            nix::sys::signal::Signal::SIGPIPE,
            nix::sys::signal::SigHandler::SigDfl,
        );
    }
    let cli = args::Cli::parse();
    init_tracing(&cli.global);
    let code = commands::run(cli);
    std::process::exit(code);
}

/// `-v` shows info, `-d` debug, `-q` only errors; `RUST_LOG` overrides all.
fn init_tracing(g: &args::Global) {
    let level = if g.debug {
        "debug"
    } else if g.verbose {
        "info"
    } else if g.quiet {
        "error"
    } else {
        "warn"
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .without_time()
        .with_target(false)
        .init();
}
