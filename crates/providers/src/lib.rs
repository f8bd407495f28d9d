//! converge's resource types and their Debian providers.
//!
//! Two halves:
//! - [`schema`] and [`validate`]: every built-in type as data, and the catalog validation that
//!   `converge validate` runs before the host is touched.
//! - the providers, behind one small trait: inspect the current state, plan the changes, apply
//!   them. A dry run is the same path without the last step.

pub mod mode;
pub mod schema;
pub mod validate;

pub use schema::{lookup, Attr, Kind, TypeSchema, METAPARAMS, TYPES};
pub use validate::{validate_catalog, validate_resource};
