//! Resource references: `Type[title]`, with Puppet's capitalisation of type names.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// A reference to a resource: its type and its title, e.g. `Package[nginx]`.
///
/// `type_name` is stored capitalised the way Puppet prints it (`File_line`, `Web::Vhost`,
/// `Class`); class titles are capitalised too (`Class[Web::Config]`), as Puppet does.
/// A file title keeps a trailing `/` as written (`File['/data/']`), but references compare
/// by the normalised path, so `File['/data']` finds it, as in Puppet.
#[derive(Debug, Clone)]
pub struct ResourceRef {
    /// Capitalised type name (`File`, `File_line`, `Web::Vhost`, `Class`).
    pub type_name: String,
    /// The title, as written.
    pub title: String,
}

impl ResourceRef {
    /// The title references compare by: a file path without its trailing slashes.
    fn key_title(&self) -> &str {
        if self.type_name == "File" && self.title.len() > 1 && self.title.ends_with('/') {
            let t = self.title.trim_end_matches('/');
            if t.is_empty() {
                "/"
            } else {
                t
            }
        } else {
            &self.title
        }
    }
}

impl PartialEq for ResourceRef {
    fn eq(&self, other: &Self) -> bool {
        self.type_name == other.type_name && self.key_title() == other.key_title()
    }
}

impl Eq for ResourceRef {}

impl std::hash::Hash for ResourceRef {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.type_name.hash(state);
        self.key_title().hash(state);
    }
}

impl PartialOrd for ResourceRef {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for ResourceRef {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (&self.type_name, self.key_title()).cmp(&(&other.type_name, other.key_title()))
    }
}

/// A string that is not of the form `Type[title]`.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("'{0}' is not a resource reference of the form Type[title]")]
pub struct ParseRefError(pub String);

/// Capitalise each `::` segment of a type name the way Puppet prints references:
/// `file_line` → `File_line`, `web::vhost` → `Web::Vhost`.
pub fn capitalize_type(mut name: &str) -> String {
    // Not `trim_start_matches("::")`, which builds a substring searcher on every call.
    while let Some(rest) = name.strip_prefix("::") {
        name = rest;
    }
    if !name.is_ascii() {
        return capitalize_unicode(name);
    }
    // Every resource declaration and reference comes through here: lowercase the ASCII
    // name in one go, then uppercase the first byte of each `::` segment in place.
    let mut out = name.to_ascii_lowercase();
    let bytes = name.as_bytes();
    if !bytes.contains(&b':') {
        if let Some(first) = out.get_mut(..1) {
            first.make_ascii_uppercase();
        }
        return out;
    }
    let mut at_start = true;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b':' && bytes.get(i + 1) == Some(&b':') {
            at_start = true;
            i += 2;
            continue;
        }
        if at_start {
            out[i..=i].make_ascii_uppercase();
        }
        at_start = false;
        i += 1;
    }
    out
}

fn capitalize_unicode(name: &str) -> String {
    name.split("::")
        .map(|seg| {
            let mut c = seg.chars();
            match c.next() {
                Some(f) => f
                    .to_uppercase()
                    .chain(c.flat_map(|ch| ch.to_lowercase()))
                    .collect(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join("::")
}

impl ResourceRef {
    /// Build a reference from a type name in any case and a title.
    ///
    /// Class titles are capitalised like type names; file titles are kept as written and
    /// compared without a trailing slash, so that `File['/etc/nginx/']` finds
    /// `File['/etc/nginx']`, as in Puppet.
    pub fn new(type_name: &str, title: &str) -> Self {
        let type_name = capitalize_type(type_name);
        let title = if type_name == "Class" {
            capitalize_type(title)
        } else {
            title.to_string()
        };
        ResourceRef { type_name, title }
    }

    /// The lowercase type name used in declarations (`file_line`, `web::vhost`).
    pub fn type_lower(&self) -> String {
        self.type_name.to_lowercase()
    }

    /// Whether this is a reference to a class.
    pub fn is_class(&self) -> bool {
        self.type_name == "Class"
    }

    /// Parse `Type[title]`; the title may be quoted (`Package['nginx']`).
    pub fn parse(s: &str) -> Result<Self, ParseRefError> {
        let err = || ParseRefError(s.to_string());
        let open = s.find('[').ok_or_else(err)?;
        if !s.ends_with(']') || open == 0 {
            return Err(err());
        }
        let ty = &s[..open];
        let mut title = &s[open + 1..s.len() - 1];
        if title.len() >= 2
            && ((title.starts_with('\'') && title.ends_with('\''))
                || (title.starts_with('"') && title.ends_with('"')))
        {
            title = &title[1..title.len() - 1];
        }
        if !ty
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
        {
            return Err(err());
        }
        Ok(ResourceRef::new(ty, title))
    }
}

impl fmt::Display for ResourceRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}[{}]", self.type_name, self.title)
    }
}

impl std::str::FromStr for ResourceRef {
    type Err = ParseRefError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ResourceRef::parse(s)
    }
}

impl Serialize for ResourceRef {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ResourceRef {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        ResourceRef::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capitalises_like_puppet() {
        assert_eq!(
            ResourceRef::new("file_line", "x").to_string(),
            "File_line[x]"
        );
        assert_eq!(
            ResourceRef::new("web::vhost", "a").to_string(),
            "Web::Vhost[a]"
        );
        assert_eq!(
            ResourceRef::new("class", "web::config").to_string(),
            "Class[Web::Config]"
        );
        assert_eq!(
            ResourceRef::new("File", "/etc/nginx/").to_string(),
            "File[/etc/nginx/]"
        );
        assert_eq!(ResourceRef::new("File", "/").to_string(), "File[/]");
    }

    #[test]
    fn file_titles_keep_their_slash_but_match_without_it() {
        let written = ResourceRef::new("file", "/data/");
        let plain = ResourceRef::new("File", "/data");
        assert_eq!(written.title, "/data/");
        assert_eq!(written, plain);
        let hash = |r: &ResourceRef| {
            use std::hash::{Hash, Hasher};
            let mut h = std::collections::hash_map::DefaultHasher::new();
            r.hash(&mut h);
            h.finish()
        };
        assert_eq!(hash(&written), hash(&plain));
        assert_ne!(
            ResourceRef::new("Package", "x/"),
            ResourceRef::new("Package", "x")
        );
        assert_eq!(
            ResourceRef::new("File", "/"),
            ResourceRef::new("File", "//")
        );
    }

    #[test]
    fn capitalises_ascii_and_unicode_names_alike() {
        // The ASCII fast path must agree with the per-character one.
        for (name, want) in [
            ("::web::VHOST", "Web::Vhost"),
            ("a:b", "A:b"),
            ("a:::b", "A:::b"),
            ("a::::b", "A::::B"),
            ("::", ""),
            ("ÉTÉ::ça", "Été::Ça"),
        ] {
            assert_eq!(capitalize_type(name), want, "{name}");
        }
    }

    #[test]
    fn parses_quoted_and_bare_titles() {
        assert_eq!(
            ResourceRef::parse("Package['nginx']").unwrap(),
            ResourceRef::new("package", "nginx")
        );
        assert_eq!(
            ResourceRef::parse("File_line[add header]").unwrap(),
            ResourceRef::new("file_line", "add header")
        );
        assert!(ResourceRef::parse("nginx").is_err());
        assert!(ResourceRef::parse("[x]").is_err());
    }
}
