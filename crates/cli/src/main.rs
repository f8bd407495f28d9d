//! The `converge` binary: parse arguments, run one command, render its output.
//!
//! Exit codes: 0 success; 1 the command found errors or could not run. `apply` adds
//! Puppet's `--detailed-exitcodes` (2 changes, 4 failures, 6 both).

mod apply;
mod args;
mod commands;
mod doctor;
mod fleet;
mod generate;
mod lookup;
mod render;

use clap::Parser;

/// mimalloc, not glibc's malloc: compiling allocates a few small objects per attribute
/// and frees them across threads, where glibc spends a third of the time (arena locks,
/// consolidation, page faults). With mimalloc, compile + check + plan of 10k resources
/// takes half as long. The libraries leave the choice to the program embedding them.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

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

/// `-v` shows info, `-d` debug, `-q` only errors; `RUST_LOG` (`level` or
/// `target=level,...`) overrides all.
///
/// `Targets`, not `EnvFilter`: EnvFilter compiles its directive regexes at start-up and its
/// `matchers` dependency turns on regex-automata's full DFAs, which made every regex
/// converge compiles (file_line patterns, `=~`) several times slower. Span and field
/// directives are not needed here.
fn init_tracing(g: &args::Global) {
    use tracing_subscriber::filter::{LevelFilter, Targets};
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let level = if g.debug {
        LevelFilter::DEBUG
    } else if g.verbose {
        LevelFilter::INFO
    } else if g.quiet {
        LevelFilter::ERROR
    } else {
        LevelFilter::WARN
    };
    let filter = std::env::var("RUST_LOG")
        .ok()
        .and_then(|v| v.parse::<Targets>().ok())
        .unwrap_or_else(|| Targets::new().with_default(level));
    // The builder alone stops at INFO; the `Targets` filter decides.
    tracing_subscriber::fmt()
        .with_max_level(LevelFilter::TRACE)
        .with_ansi(match g.color {
            args::Color::Always => true,
            args::Color::Never => false,
            args::Color::Auto => std::io::IsTerminal::is_terminal(&std::io::stderr()),
        })
        .with_writer(std::io::stderr)
        .without_time()
        .with_target(false)
        .finish()
        .with(filter)
        .init();
}
