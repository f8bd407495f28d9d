//! A lossless parser and editor for nginx configuration files.
//!
//! - [`syntax`]: the tree, its parser ([`Config::parse`], nginx's own lexer on bytes) and
//!   printer ([`Config::to_bytes`]); printing a parsed file gives back its bytes exactly.
//! - [`edit`]: choose a block ([`Selector`]) and get, set or remove directives in it, or
//!   create, update and remove whole blocks, keeping the file's layout; every insertion is
//!   undone exactly by the removal of what it added.
//! - [`directives`]: nginx's directive table (contexts and argument counts, from nginx's
//!   own command tables) and [`check`](directives::check), which finds the directives nginx
//!   would refuse where they are.
//! - [`include`]: read a main file with its `include`s followed ([`Tree::load`]), each file
//!   kept separate so that nothing is flattened when one is written back.
//!
//! Fuzzing (round trip, no panic, edits re-parse): `cd crates/nginx/fuzz &&
//! RUSTC_BOOTSTRAP=1 cargo fuzz run round_trip corpus/round_trip` after seeding
//! `corpus/round_trip` with `tests/data/*/*`.
//!
//! ```
//! use converge_nginx::{Config, Selector, ServerSel};
//! let mut cfg = Config::parse(b"server {\n\tlisten 80 default_server;\n}\n").unwrap();
//! let args = vec!["X-Served-By".to_string(), "web-01".into(), "always".into()];
//! cfg.set(&Selector::Server(ServerSel::Default), "add_header", &args, 1).unwrap();
//! assert_eq!(
//!     cfg.to_bytes(),
//!     b"server {\n\tlisten 80 default_server;\n\tadd_header X-Served-By web-01 always;\n}\n"
//! );
//! ```

pub mod directives;
pub mod edit;
pub mod include;
pub mod syntax;

pub use edit::{same_shape, server_identity, EditError, Selector, ServerSel};
pub use include::{LoadError, Tree};
pub use syntax::{
    quote, split_args, unquote, unquote_bytes, Arg, Block, Body, Config, Directive, ParseError,
};
