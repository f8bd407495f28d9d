//! The Puppet language for converge: source text to [`converge_catalog::Catalog`].
//!
//! `parse_manifest` turns text into our own [`ast`] (pest stays inside the parser module);
//! `compile` evaluates a manifest with facts for one node, autoloading classes and defines
//! from a module path, and produces a catalog plus diagnostics. Neither ever panics,
//! whatever the input.
//!
//! Invariant: the only I/O here is reading manifests, modules and templates.

pub mod ast;
pub mod env;
mod eval;
mod parser;
mod source;

pub use eval::hiera::{lookup, LookupOutcome};
pub use eval::{
    compile, compile_owned, evaluate, CompileOptions, Compiled, Evaluated, FactReads, LogLevel,
    LogMessage, NodeInputs,
};
#[doc(hidden)]
pub use parser::{compare_parsers, set_calls_per_byte, FastPath, CALLS_PER_BYTE};
pub use parser::{parse_epp, parse_manifest};
pub use source::Source;
