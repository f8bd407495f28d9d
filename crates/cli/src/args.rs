//! Command-line arguments. Scripts and tests rely on these exact forms.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// converge: apply Puppet manifests to this host, fast and exactly.
#[derive(Debug, Parser)]
#[command(name = "converge", version = VERSION, about)]
pub(crate) struct Cli {
    #[command(flatten)]
    pub(crate) global: Global,
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// `converge --version`: the version and the commit it was built from (see build.rs).
const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (",
    env!("CONVERGE_COMMIT"),
    ")"
);

/// Options every command takes.
#[derive(Debug, Args)]
pub(crate) struct Global {
    /// Show what is being done (info level).
    #[arg(short, long, global = true)]
    pub(crate) verbose: bool,
    /// Show every command run and every decision (debug level).
    #[arg(short, long, global = true)]
    pub(crate) debug: bool,
    /// Only show errors.
    #[arg(short, long, global = true)]
    pub(crate) quiet: bool,
    /// Colour: auto (on a terminal), always, never.
    #[arg(long, global = true, value_enum, default_value_t = Color::Auto)]
    pub(crate) color: Color,
}

/// When to use colour.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum Color {
    /// On a terminal only.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// How a manifest is compiled: facts, node, modules.
#[derive(Debug, Args, Clone)]
pub(crate) struct CompileArgs {
    /// A JSON object merged over the discovered facts.
    #[arg(long, value_name = "F.json")]
    pub(crate) facts: Option<PathBuf>,
    /// The name node definitions match (default: the fqdn fact, then the hostname).
    #[arg(long, value_name = "NAME")]
    pub(crate) node: Option<String>,
    /// Where modules are, colon-separated or repeated (default: environment.conf's
    /// modulepath, else <manifest dir>/modules:/etc/puppet/code/modules:/usr/share/puppet/modules).
    #[arg(long, value_name = "DIR")]
    pub(crate) modulepath: Vec<String>,
    /// The global Hiera configuration (default: /etc/puppet/hiera.yaml). The environment's
    /// hiera.yaml (beside manifests/ in a control repository) and the modules' are read too.
    #[arg(long, value_name = "FILE")]
    pub(crate) hiera_config: Option<PathBuf>,
    /// Unknown variables are errors, as in Puppet 8.
    #[arg(long)]
    pub(crate) strict_variables: bool,
}

/// Output format for catalogs and graphs.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub(crate) enum Format {
    /// For people.
    Text,
    /// For machines.
    Json,
    /// Graphviz (graph only).
    Dot,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Parse, evaluate, type-check and plan; touch nothing. Exit 1 on any error.
    Validate {
        /// Manifests to check.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[command(flatten)]
        compile: CompileArgs,
    },
    /// Print the compiled catalog.
    Catalog {
        /// The manifest.
        file: PathBuf,
        /// json (default) or text.
        #[arg(long, value_enum, default_value_t = Format::Json)]
        format: Format,
        #[command(flatten)]
        compile: CompileArgs,
    },
    /// Print the ordered plan, or Graphviz dot.
    Graph {
        /// The manifest.
        file: PathBuf,
        /// text (default) or dot.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        #[command(flatten)]
        compile: CompileArgs,
    },
    /// Make this host match the manifest.
    Apply(ApplyArgs),
    /// Show what `apply` would change, with diffs, and change nothing (`apply --noop`).
    Plan(ApplyArgs),
    /// Check that the web stack this node's manifest describes is healthy; change nothing.
    /// Runs every http_check, diagnoses each web service layer by layer and names what
    /// drifted from the catalog. Exit 0 when healthy, 1 otherwise.
    Doctor {
        /// The manifest (default: the catalog the last `apply` on this host saved in
        /// /var/lib/converge/catalog.json).
        file: Option<PathBuf>,
        /// text (default) or json.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        #[command(flatten)]
        compile: CompileArgs,
    },
    /// Look keys up in Hiera for a node, like `puppet lookup`: the first key found wins.
    /// Exit 1 when none is found (0 with --explain).
    Lookup(LookupArgs),
    /// Print this host's facts as JSON, or one fact by its dotted name.
    Facts {
        /// A fact name such as `networking.hostname`.
        name: Option<String>,
        /// A JSON object merged over the discovered facts.
        #[arg(long, value_name = "F.json")]
        facts: Option<PathBuf>,
    },
    /// Print the shell completion script for bash, zsh, fish, elvish or powershell.
    ///
    /// bash: `converge completions bash > /etc/bash_completion.d/converge`;
    /// zsh: into a directory of your `$fpath` as `_converge`;
    /// fish: `~/.config/fish/completions/converge.fish`.
    /// The Debian package installs all three.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Write converge's man pages (converge.1 and one per command) into DIR.
    #[command(hide = true)]
    Man {
        /// The directory to write into (created if missing).
        dir: PathBuf,
    },
}

/// Options of `lookup`.
#[derive(Debug, Args, Clone)]
pub(crate) struct LookupArgs {
    /// The keys (`ntp::servers`, `profile::base::users.deploy.uid`).
    #[arg(required = true)]
    pub(crate) keys: Vec<String>,
    /// Show every layer, level and file tried and what each one found.
    #[arg(long)]
    pub(crate) explain: bool,
    /// The merge strategy, instead of the one lookup_options give.
    #[arg(long, value_enum)]
    pub(crate) merge: Option<MergeArg>,
    /// With --merge deep: values with this prefix remove lower-priority values.
    #[arg(long, value_name = "PREFIX")]
    pub(crate) knock_out_prefix: Option<String>,
    /// With --merge deep: merge arrays of hashes element by element.
    #[arg(long)]
    pub(crate) merge_hash_arrays: bool,
    /// With --merge deep: sort merged arrays.
    #[arg(long)]
    pub(crate) sort_merged_arrays: bool,
    /// The environment directory, whose hiera.yaml is the environment layer (default: the
    /// current directory).
    #[arg(long, value_name = "DIR")]
    pub(crate) environment: Option<PathBuf>,
    /// yaml (default) or json.
    #[arg(long, value_enum, default_value_t = RenderAs::Yaml)]
    pub(crate) render_as: RenderAs,
    #[command(flatten)]
    pub(crate) compile: CompileArgs,
}

/// `--merge` strategies.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub(crate) enum MergeArg {
    /// The first value found (the default).
    First,
    /// Arrays (and single values) flattened, without duplicates.
    Unique,
    /// Hashes merged one level deep.
    Hash,
    /// Hashes merged recursively.
    Deep,
}

/// How `lookup` prints a value.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub(crate) enum RenderAs {
    /// YAML, as `puppet lookup` prints it.
    Yaml,
    /// JSON.
    Json,
}

/// Options of `apply` and `plan`.
#[derive(Debug, Args, Clone)]
pub(crate) struct ApplyArgs {
    /// The manifest (not needed with --catalog).
    #[arg(required_unless_present = "catalog")]
    pub(crate) file: Option<PathBuf>,
    /// Dry run: show what would change, with diffs; change nothing.
    #[arg(long)]
    pub(crate) noop: bool,
    /// Exit 0 = nothing to do, 2 = changes made (or pending under --noop), 4 = failures,
    /// 6 = both, 1 = could not run.
    #[arg(long)]
    pub(crate) detailed_exitcodes: bool,
    /// text (default) or json (the whole report, for machines).
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub(crate) format: Format,
    /// Apply a compiled catalog (JSON, `-` for stdin) instead of compiling a manifest.
    #[arg(long, value_name = "FILE")]
    pub(crate) catalog: Option<PathBuf>,
    /// In a dry run, run exec `onlyif`/`unless` guards too (Puppet always does).
    #[arg(long)]
    pub(crate) run_guards: bool,
    /// Seconds to wait for another apply on this host to finish.
    #[arg(long, default_value_t = 300, value_name = "SECS")]
    pub(crate) lock_timeout: u64,
    #[command(flatten)]
    pub(crate) compile: CompileArgs,
    /// Print each resource's outcome on stderr as it finishes, even with `--format json`
    /// (a fleet run streams these from each host).
    #[arg(long, hide = true)]
    pub(crate) progress: bool,
    /// Report only what changed, would change, failed or was skipped (the summary still
    /// counts everything), and print no passed checks: what a fleet run streams back, so
    /// that a converged host sends nothing but its summary.
    #[arg(long, hide = true)]
    pub(crate) brief: bool,
    #[command(flatten)]
    pub(crate) fleet: crate::fleet::FleetArgs,
}
