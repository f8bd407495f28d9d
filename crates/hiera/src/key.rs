//! Lookup keys: `ntp::servers`, and dotted keys that dig into a value (`a.b.0`, `a."x.y"`).

use crate::Error;

/// One segment of a dotted key: a hash key or an array index.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Segment {
    Key(String),
    Index(i64),
}

impl std::fmt::Display for Segment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Segment::Key(k) => f.write_str(k),
            Segment::Index(i) => write!(f, "{i}"),
        }
    }
}

/// A parsed lookup key.
#[derive(Debug, Clone)]
pub(crate) struct LookupKey {
    pub(crate) key: String,
    pub(crate) root: String,
    pub(crate) module: Option<String>,
    pub(crate) segments: Vec<Segment>,
}

impl LookupKey {
    pub(crate) fn parse(key: &str) -> Result<Self, Error> {
        let mut segs = split_key(key)
            .ok_or_else(|| Error::new("hiera-key", format!("Syntax error in key: '{key}'")))?;
        let root = match segs.remove(0) {
            Segment::Key(k) => k,
            Segment::Index(i) => i.to_string(),
        };
        let module = root.find("::").map(|i| root[..i].to_string());
        Ok(LookupKey {
            key: key.to_string(),
            root,
            module,
            segments: segs,
        })
    }
}

/// Puppet's `SubLookup#split_key`: dots separate segments, quotes protect dots, a segment
/// of digits is an index. `None` on a syntax error.
pub(crate) fn split_key(key: &str) -> Option<Vec<Segment>> {
    if !key.contains(['.', '"', '\'']) {
        return Some(vec![Segment::Key(key.to_string())]);
    }
    let mut out = Vec::new();
    let mut rest = key;
    loop {
        let seg;
        let t = rest.trim_start();
        if let Some(q) = t.strip_prefix('"').or_else(|| t.strip_prefix('\'')) {
            let quote = t.as_bytes()[0] as char;
            let end = q.find(quote)?;
            if end == 0 {
                return None;
            }
            seg = Segment::Key(q[..end].to_string());
            rest = q[end + 1..].trim_start();
        } else {
            let end = rest.find(['.', '"', '\'']).unwrap_or(rest.len());
            let s = rest[..end].trim();
            if s.is_empty() {
                return None;
            }
            seg = if s
                .trim_start_matches(['+', '-'])
                .chars()
                .all(|c| c.is_ascii_digit())
                && !s.trim_start_matches(['+', '-']).is_empty()
            {
                Segment::Index(s.parse().ok()?)
            } else {
                Segment::Key(rest[..end].to_string())
            };
            rest = &rest[end..];
        }
        out.push(seg);
        if rest.is_empty() {
            return Some(out);
        }
        rest = rest.strip_prefix('.')?;
        if rest.is_empty() {
            return None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_split_like_puppet() {
        assert_eq!(split_key("a"), Some(vec![Segment::Key("a".into())]));
        assert_eq!(
            split_key("a.b.0"),
            Some(vec![
                Segment::Key("a".into()),
                Segment::Key("b".into()),
                Segment::Index(0)
            ])
        );
        assert_eq!(
            split_key("a.'x.y'"),
            Some(vec![Segment::Key("a".into()), Segment::Key("x.y".into())])
        );
        assert_eq!(split_key("a..b"), None);
        assert_eq!(split_key("a."), None);
        let k = LookupKey::parse("ntp::servers.0").unwrap();
        assert_eq!(k.root, "ntp::servers");
        assert_eq!(k.module.as_deref(), Some("ntp"));
    }
}
