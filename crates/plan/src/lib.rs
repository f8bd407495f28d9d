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
//! ```
//! use converge_catalog::{Catalog, Edge, EdgeKind, EdgeOrigin, Resource, ResourceRef};
//!
//! let mut catalog = Catalog::new("web-01");
//! catalog.resources.push(Resource::new("service", "nginx"));
//! catalog.resources.push(Resource::new("package", "nginx"));
//! catalog.resources.push(Resource::new("file", "/etc/nginx/nginx.conf"));
//! catalog.resources.push(Resource::new("file", "/etc/nginx"));
//! catalog.edges.push(Edge {
//!     from: ResourceRef::new("file", "/etc/nginx/nginx.conf"),
//!     to: ResourceRef::new("service", "nginx"),
//!     kind: EdgeKind::Notify,
//!     origin: EdgeOrigin::Metaparam,
//! });
//! let plan = converge_plan::plan(&catalog).expect("no cycles");
//! // The directory comes before the file in it (an autorequire), the file before the
//! // service it notifies; the package has no relations and keeps its catalog place.
//! assert_eq!(plan.order, [1, 3, 2, 0]);
//! assert_eq!(plan.notify_targets(2).collect::<Vec<_>>(), [0]);
//! ```
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
