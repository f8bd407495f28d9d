//! The apply plan: a catalog turned into an ordered relationship graph.
//!
//! [`plan`] builds a petgraph graph of the catalog's edges, adds containment (Puppet's
//! Whit anchors: every class or defined-type instance becomes a *start* and an *end*
//! vertex, so an edge to a container orders and refreshes everything inside it) and
//! autorequires (a file's parent directory, file_line's file, ...), then orders the
//! resources topologically with catalog order as the tie-break, as Puppet's
//! SequentialPrioritizer does. A graph with cycles yields one `dependency-cycle`
//! diagnostic per strongly connected component, naming every resource on a concrete cycle.
//!
//! Invariant: this crate does no I/O; it reads a [`Catalog`] and returns data.
//!
//! [`Catalog`]: converge_catalog::Catalog

mod autorequire;
mod build;
mod cycles;
mod plan;
mod render;

pub use autorequire::NGINX_DEFAULT_SITES;
pub use build::plan;
pub use plan::Plan;
