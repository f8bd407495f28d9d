//! The catalog: resources in catalog order and the edges between them.

use crate::{Resource, ResourceRef};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// What an edge does when its source changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EdgeKind {
    /// Ordering only (`before`, `require`, `->`).
    Before,
    /// Ordering plus a refresh event (`notify`, `subscribe`, `~>`).
    Notify,
}

/// Where an edge came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EdgeOrigin {
    /// A relationship metaparameter (`require`, `before`, `notify`, `subscribe`).
    Metaparam,
    /// A chaining arrow (`->`, `~>`, `<-`, `<~`).
    Chain,
    /// An autorequire (a file's parent directory, file_line's file, ...).
    Auto,
    /// Containment (a class or defined-type instance and what it holds).
    Container,
}

impl EdgeOrigin {
    /// The origin's name, as in the catalog's JSON (`metaparam`, `chain`, `auto`,
    /// `container`).
    pub fn as_str(self) -> &'static str {
        match self {
            EdgeOrigin::Metaparam => "metaparam",
            EdgeOrigin::Chain => "chain",
            EdgeOrigin::Auto => "auto",
            EdgeOrigin::Container => "container",
        }
    }
}

/// A relationship between two resources: `from` is applied before `to`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Edge {
    /// Applied first.
    pub from: ResourceRef,
    /// Applied after `from`; refreshed by it when `kind` is `notify`.
    pub to: ResourceRef,
    /// Ordering only, or ordering plus refresh.
    pub kind: EdgeKind,
    /// What declared the edge.
    pub origin: EdgeOrigin,
}

/// A compiled catalog for one node. Its JSON refuses fields it does not know: a catalog
/// may come from outside (`apply --catalog -`), and a misspelt field must not be ignored.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalog {
    /// The node the catalog was compiled for.
    pub node: String,
    /// Resources in catalog order (the order Puppet adds them).
    pub resources: Vec<Resource>,
    /// Relationships between resources (`require`/`subscribe` already turned around).
    pub edges: Vec<Edge>,
}

impl Catalog {
    /// An empty catalog for a node.
    pub fn new(node: impl Into<String>) -> Self {
        Catalog {
            node: node.into(),
            ..Default::default()
        }
    }

    /// A map from each resource's reference to its index in `resources`.
    pub fn index(&self) -> HashMap<ResourceRef, usize> {
        self.resources
            .iter()
            .enumerate()
            .map(|(i, r)| (r.reference(), i))
            .collect()
    }

    /// The resource a reference names, if the catalog has it (linear scan; build
    /// [`Catalog::index`] for many look-ups).
    pub fn get(&self, r: &ResourceRef) -> Option<&Resource> {
        self.resources.iter().find(|res| &res.reference() == r)
    }

    /// Serialise as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a catalog always serialises")
    }

    /// Read a catalog from JSON.
    pub fn from_json(s: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(s)
    }
}

/// serde_json's message without its ` at line L column C` tail, for errors that put the
/// location first (`file:line:column: ...`, like every other located error converge gives).
pub fn json_error_message(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let tail = format!(" at line {} column {}", e.line(), e.column());
    text.strip_suffix(&tail).unwrap_or(&text).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Value;

    #[test]
    fn json_has_the_documented_shape_and_round_trips() {
        let mut c = Catalog::new("web-01");
        let mut r = Resource::new("file_line", "add header");
        r.params.insert("path".into(), Value::from("/etc/x"));
        r.file = Some("site.pp".into());
        r.line = 3;
        r.container = Some(ResourceRef::new("class", "web"));
        c.resources.push(r);
        c.edges.push(Edge {
            from: ResourceRef::new("package", "nginx"),
            to: ResourceRef::new("service", "nginx"),
            kind: EdgeKind::Before,
            origin: EdgeOrigin::Metaparam,
        });
        let json = serde_json::to_string(&c).unwrap();
        assert_eq!(
            json,
            r#"{"node":"web-01","resources":[{"ref":"File_line[add header]","type":"file_line","title":"add header","params":{"path":"/etc/x"},"file":"site.pp","line":3,"container":"Class[Web]"}],"edges":[{"from":"Package[nginx]","to":"Service[nginx]","kind":"before","origin":"metaparam"}]}"#
        );
        assert_eq!(Catalog::from_json(&json).unwrap(), c);
    }

    /// Found by the catalog_json fuzz target: serde_json's fast float parsing read
    /// `1.0888888888888889e24` as a neighbouring number, so a catalog printed, read back
    /// and printed again changed (and with it any digest of it).
    #[test]
    fn a_float_reads_back_as_the_number_that_was_printed() {
        let json = r#"{"node":"n","resources":[{"ref":"Http_check[x]","type":"http_check","title":"x","params":{"retries":1.0888888888888889e24}}],"edges":[]}"#;
        let c = Catalog::from_json(json).unwrap();
        let again = Catalog::from_json(&c.to_json()).unwrap();
        assert_eq!(again.to_json(), c.to_json());
        assert_eq!(
            c.resources[0].params["retries"],
            Value::Float(1.0888888888888889e24)
        );
    }
}
