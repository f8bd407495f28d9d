//! The data model every converge layer shares.
//!
//! A [`Catalog`] is what the language compiles a manifest into and what the engine applies:
//! resources in catalog order plus the edges between them. It serialises to JSON both ways so
//! a catalog compiled on one machine can be applied on another.
//!
//! Invariant: this crate does no I/O and knows nothing of the language or of providers.

mod catalog;
mod diagnostic;
mod reference;
mod resource;
mod secret;
mod value;

pub use catalog::{json_error_message, Catalog, Edge, EdgeKind, EdgeOrigin};
pub use diagnostic::{Diagnostic, Label, Location, Severity};
pub use reference::{capitalize_type, ParseRefError, ResourceRef};
pub use resource::{AttrMap, Resource};
pub use secret::{secret_bytes, SecretDigest, Secrets, REDACTED};
pub use value::Value;
