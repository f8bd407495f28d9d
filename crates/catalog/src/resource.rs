//! A resource in a catalog: type, title, evaluated parameters and where it was declared.

use crate::{Location, ResourceRef, Value};
use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// A resource's attributes by name, in the order set. Hashed with foldhash: every stage
/// (schema check, plan, providers) looks attributes up by name, and SipHash was most of it.
pub type AttrMap<V> = IndexMap<String, V, foldhash::fast::RandomState>;

/// One resource of a compiled catalog.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(into = "ResourceJson", try_from = "ResourceJson")]
pub struct Resource {
    /// Lowercase type name as declared (`file_line`, `web::vhost`, `class`).
    pub type_name: String,
    /// The title (for classes: the class name in lowercase, `web::config`).
    pub title: String,
    /// Attributes the manifest set (resource defaults included), evaluated, without the
    /// relationship metaparameters (those became [`crate::Edge`]s).
    pub params: AttrMap<Value>,
    /// Manifest file the resource was declared in (shared with its locations).
    pub file: Option<Arc<str>>,
    /// 1-based line of the declaration (0 when unknown).
    pub line: u32,
    /// 1-based column of the declaration (0 when unknown).
    pub column: u32,
    /// The class or defined-type instance that contains it.
    pub container: Option<ResourceRef>,
    /// Whether this is a class or defined-type instance, which holds other resources and
    /// is never applied itself.
    pub is_container: bool,
    /// Tags: the type, the title words and the enclosing class names, plus any `tag`s.
    pub tags: Vec<String>,
    /// Where each attribute was set, for diagnostics that point at the attribute. Not part
    /// of the JSON form.
    pub attr_locations: AttrMap<Location>,
}

impl Resource {
    /// A resource with no parameters, declared nowhere in particular.
    pub fn new(type_name: &str, title: &str) -> Self {
        Resource {
            type_name: type_name.to_lowercase(),
            title: title.to_string(),
            params: AttrMap::default(),
            file: None,
            line: 0,
            column: 0,
            container: None,
            is_container: false,
            tags: Vec::new(),
            attr_locations: AttrMap::default(),
        }
    }

    /// The reference to this resource (`File_line[add header]`).
    pub fn reference(&self) -> ResourceRef {
        ResourceRef::new(&self.type_name, &self.title)
    }

    /// A parameter's value, if set.
    pub fn param(&self, name: &str) -> Option<&Value> {
        self.params.get(name)
    }

    /// A string parameter, if set and a string.
    pub fn param_str(&self, name: &str) -> Option<&str> {
        self.params
            .get(name)
            .and_then(|v| v.unwrap_sensitive().as_str())
    }

    /// The value of the namevar: the given parameter if set, otherwise the title.
    pub fn name_or_title(&self, namevar: &str) -> &str {
        self.param_str(namevar).unwrap_or(&self.title)
    }

    /// Where the resource was declared, if known.
    pub fn location(&self) -> Option<Location> {
        self.file
            .as_ref()
            .map(|f| Location::new(f.clone(), self.line, self.column))
    }

    /// Where an attribute was set, falling back to the declaration.
    pub fn attr_location(&self, attr: &str) -> Option<Location> {
        self.attr_locations
            .get(attr)
            .cloned()
            .or_else(|| self.location())
    }
}

/// The JSON form; catalogs also arrive from outside (`apply --catalog -`), so anything it
/// does not know is refused rather than ignored.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ResourceJson {
    #[serde(rename = "ref")]
    reference: String,
    #[serde(rename = "type")]
    type_name: String,
    title: String,
    #[serde(default)]
    params: AttrMap<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    file: Option<Arc<str>>,
    #[serde(default)]
    line: u32,
    #[serde(default, skip_serializing_if = "is_zero")]
    column: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    container: Option<ResourceRef>,
    #[serde(default, skip_serializing_if = "is_false")]
    is_container: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    tags: Vec<String>,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl From<Resource> for ResourceJson {
    fn from(r: Resource) -> Self {
        ResourceJson {
            reference: r.reference().to_string(),
            type_name: r.type_name,
            title: r.title,
            params: r.params,
            file: r.file,
            line: r.line,
            column: r.column,
            container: r.container,
            is_container: r.is_container,
            tags: r.tags,
        }
    }
}

impl TryFrom<ResourceJson> for Resource {
    type Error = String;

    fn try_from(j: ResourceJson) -> Result<Self, String> {
        let expected = ResourceRef::new(&j.type_name, &j.title);
        if ResourceRef::parse(&j.reference).ok().as_ref() != Some(&expected) {
            return Err(format!(
                "resource \"ref\" '{}' does not match its type and title ({expected})",
                j.reference
            ));
        }
        Ok(Resource {
            type_name: j.type_name.to_lowercase(),
            title: j.title,
            params: j.params,
            file: j.file,
            line: j.line,
            column: j.column,
            container: j.container,
            is_container: j.is_container,
            tags: j.tags,
            attr_locations: AttrMap::default(),
        })
    }
}
