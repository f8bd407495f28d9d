//! puppetlabs-concat's `concat_file` and `concat_fragment`, natively.
//!
//! A `concat_file` is a file whose content is the catalog's matching `concat_fragment`s,
//! sorted and joined, as concat 7's `should_content` builds it. The plan matches fragments
//! to files (by `target` naming the file's path or title, or by an equal `tag`) and orders
//! each fragment before its file; the engine hands the file its fragments through
//! [`Context::set_fragments`]. The file is then managed exactly like the `file` resource
//! concat's `generate` creates (owner, group, mode, replace, backup, validate_cmd,
//! show_diff): one atomic write with the whole content, validated before it replaces the old
//! file. A fragment changes nothing by itself.
//!
//! Ordering, as concat does it: each fragment's sort key is `"<order>___<name>"`. With
//! `order => numeric` (the type's default; the `concat` define defaults to `alpha`) the key
//! is split at the first `___` and each part that is all digits compares as a number; with
//! `alpha` the key is split at the first `__` and compared as strings. Where concat's numeric
//! sort raises "comparison of Array with Array failed" (a number against a word, e.g. orders
//! `10` and `a`), converge puts numbers first.

use crate::context::Context;
use crate::file::{resolve_source, FileProvider};
use crate::provider::{Change, Event, Provider, ProviderError, State};
use converge_catalog::{Resource, Value};
use std::cmp::Ordering;

/// The `concat_file` provider.
#[derive(Debug, Default)]
pub struct ConcatFileProvider;

/// The `concat_fragment` provider: its content is written by its `concat_file`.
#[derive(Debug, Default)]
pub struct ConcatFragmentProvider;

/// A fragment's place among its file's fragments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SortKey(String);

impl SortKey {
    /// The key concat sorts by: `"<order>___<name>"` (order defaults to `10`).
    pub fn of(fragment: &Resource) -> Self {
        let order = match fragment.param("order") {
            Some(Value::Undef) | None => "10".to_string(),
            Some(v) => v.to_string(),
        };
        SortKey(format!("{order}___{}", fragment.name_or_title("name")))
    }
}

/// One part of a numeric key: digits compare as numbers.
#[derive(Debug, PartialEq, Eq)]
enum Part<'a> {
    Num(&'a str),
    Word(&'a str),
}

fn part(s: &str) -> Part<'_> {
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        Part::Num(s.trim_start_matches('0'))
    } else {
        Part::Word(s)
    }
}

fn cmp_part(a: &Part<'_>, b: &Part<'_>) -> Ordering {
    match (a, b) {
        // Numbers of any size: fewer digits first, then digit by digit.
        (Part::Num(x), Part::Num(y)) => x.len().cmp(&y.len()).then_with(|| x.cmp(y)),
        (Part::Word(x), Part::Word(y)) => x.as_bytes().cmp(y.as_bytes()),
        (Part::Num(_), Part::Word(_)) => Ordering::Less,
        (Part::Word(_), Part::Num(_)) => Ordering::Greater,
    }
}

/// Ruby's `split(sep, 2)`: the text before the first `sep` and the rest, or the whole text.
fn split2<'a>(s: &'a str, sep: &str) -> Vec<&'a str> {
    match s.split_once(sep) {
        Some((a, b)) => vec![a, b],
        None => vec![s],
    }
}

/// Compare two keys the way concat's `numeric` order does.
pub fn cmp_numeric(a: &SortKey, b: &SortKey) -> Ordering {
    let (pa, pb) = (split2(&a.0, "___"), split2(&b.0, "___"));
    for (x, y) in pa.iter().zip(&pb) {
        let o = cmp_part(&part(x), &part(y));
        if o != Ordering::Equal {
            return o;
        }
    }
    pa.len().cmp(&pb.len())
}

/// Compare two keys the way concat's `alpha` order does (split at `__`, strings).
pub fn cmp_alpha(a: &SortKey, b: &SortKey) -> Ordering {
    split2(&a.0, "__").cmp(&split2(&b.0, "__"))
}

/// Whether the file wants fragments ordered numerically (concat_file's default).
fn numeric(file: &Resource) -> bool {
    file.param_str("order") != Some("alpha")
}

/// A fragment's text: its `content`, or the first of its `source`s that exists.
fn fragment_text(f: &Resource, cx: &Context) -> Result<String, ProviderError> {
    if let Some(c) = f.param("content").filter(|v| !v.is_undef()) {
        return Ok(c.unwrap_sensitive().to_string());
    }
    if let Some(src) = f.param("source").filter(|v| !v.is_undef()) {
        // The first source that exists; a local one as this run leaves it (a dry run sees
        // the file an earlier resource would write).
        for s in src.as_list() {
            let s = s.to_string();
            let local = s.strip_prefix("file://").unwrap_or(&s);
            let bytes = if local.starts_with('/') {
                match cx.view(std::path::Path::new(local))? {
                    crate::context::FileView::File { content, .. } => Some(content),
                    _ => None,
                }
            } else {
                match resolve_source(&Value::String(s.clone()), cx) {
                    Ok(path) => Some(
                        std::fs::read(&path)
                            .map_err(|e| ProviderError::io("Could not read source", path, e))?,
                    ),
                    Err(_) => None,
                }
            };
            if let Some(b) = bytes {
                return Ok(String::from_utf8_lossy(&b).into_owned());
            }
        }
        return Err(ProviderError::Invalid(format!(
            "{}: Could not retrieve source(s) {}",
            f.reference(),
            src.as_list()
                .iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    Err(ProviderError::Invalid(format!(
        "{}: Set either 'source' or 'content'",
        f.reference()
    )))
}

/// The content of a concat_file from its fragments: sorted as its `order` says, each ended
/// with a newline when `ensure_newline` is set, joined. Reads fragment sources.
pub fn assemble(
    file: &Resource,
    fragments: &[Resource],
    cx: &Context,
) -> Result<String, ProviderError> {
    let ensure_newline = file
        .param("ensure_newline")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let mut parts: Vec<(SortKey, String)> = Vec::with_capacity(fragments.len());
    for f in fragments {
        let mut text = fragment_text(f, cx)?;
        if ensure_newline && !text.ends_with('\n') {
            text.push('\n');
        }
        parts.push((SortKey::of(f), text));
    }
    let cmp = if numeric(file) {
        cmp_numeric
    } else {
        cmp_alpha
    };
    parts.sort_by(|a, b| cmp(&a.0, &b.0));
    Ok(parts.into_iter().map(|(_, t)| t).collect())
}

/// The `file` resource concat's `generate` makes of a concat_file, with `content` as its
/// content (`None` when the file is to be removed or the content is not known yet).
fn as_file(r: &Resource, content: Option<String>, sensitive: bool) -> Resource {
    let path = r.name_or_title("path").to_string();
    let mut f = Resource::new("file", &path);
    f.file = r.file.clone();
    f.line = r.line;
    f.column = r.column;
    let absent = r.param_str("ensure") == Some("absent");
    f.params.insert("path".into(), Value::String(path));
    f.params.insert(
        "ensure".into(),
        Value::from(if absent { "absent" } else { "file" }),
    );
    for p in [
        "owner",
        "group",
        "mode",
        "replace",
        "backup",
        "validate_cmd",
        "show_diff",
    ] {
        if let Some(v) = r.param(p).filter(|v| !v.is_undef()) {
            f.params.insert(p.to_string(), v.clone());
        }
    }
    if let (false, Some(c)) = (absent, content) {
        let c = Value::String(c);
        let c = if sensitive {
            Value::Sensitive(Box::new(c))
        } else {
            c
        };
        f.params.insert("content".into(), c);
    }
    f
}

/// The fragments the engine handed this concat_file.
fn fragments_of<'a>(r: &Resource, cx: &'a Context) -> &'a [Resource] {
    cx.fragments(&r.reference().to_string())
}

/// Whether a fragment's content is Sensitive: the whole file's diffs are then redacted.
fn sensitive(r: &Resource, cx: &Context) -> bool {
    fragments_of(r, cx)
        .iter()
        .any(|f| f.param("content").is_some_and(Value::is_sensitive))
}

/// The file resource with the whole content, built from the fragments (reads sources).
fn file_with_content(r: &Resource, cx: &Context) -> Result<Resource, ProviderError> {
    if r.param_str("ensure") == Some("absent") {
        return Ok(as_file(r, None, false));
    }
    let content = assemble(r, fragments_of(r, cx), cx)?;
    Ok(as_file(r, Some(content), sensitive(r, cx)))
}

impl Provider for ConcatFileProvider {
    fn name(&self) -> &'static str {
        "concat_file"
    }

    fn inspect(&self, r: &Resource, cx: &mut Context) -> Result<State, ProviderError> {
        let file = file_with_content(r, cx)?;
        FileProvider.inspect(&file, cx)
    }

    fn plan(&self, r: &Resource, st: &State, cx: &Context) -> Result<Vec<Change>, ProviderError> {
        // Pure: `inspect` read and assembled the content into the state.
        let content = st
            .desired_content
            .as_ref()
            .map(|c| String::from_utf8_lossy(c).into_owned());
        FileProvider.plan(&as_file(r, content, sensitive(r, cx)), st, cx)
    }

    fn apply(
        &self,
        r: &Resource,
        changes: &[Change],
        cx: &mut Context,
    ) -> Result<Vec<Event>, ProviderError> {
        let file = file_with_content(r, cx)?;
        FileProvider.apply(&file, changes, cx)
    }

    fn predict(&self, r: &Resource, changes: &[Change], cx: &mut Context) {
        if let Ok(file) = file_with_content(r, cx) {
            FileProvider.predict(&file, changes, cx);
        }
    }
}

impl Provider for ConcatFragmentProvider {
    fn name(&self) -> &'static str {
        "concat_fragment"
    }

    fn inspect(&self, _r: &Resource, _cx: &mut Context) -> Result<State, ProviderError> {
        Ok(State::default())
    }

    fn plan(
        &self,
        _r: &Resource,
        _st: &State,
        _cx: &Context,
    ) -> Result<Vec<Change>, ProviderError> {
        Ok(Vec::new())
    }

    fn apply(
        &self,
        _r: &Resource,
        _changes: &[Change],
        _cx: &mut Context,
    ) -> Result<Vec<Event>, ProviderError> {
        Ok(Vec::new())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frag(name: &str, order: Option<Value>, content: &str) -> Resource {
        let mut r = Resource::new("concat_fragment", name);
        if let Some(o) = order {
            r.params.insert("order".into(), o);
        }
        r.params.insert("content".into(), content.into());
        r
    }

    fn file(order: &str, ensure_newline: bool) -> Resource {
        let mut r = Resource::new("concat_file", "/x");
        r.params.insert("order".into(), order.into());
        r.params
            .insert("ensure_newline".into(), Value::Bool(ensure_newline));
        r
    }

    #[test]
    fn numeric_order_compares_numbers_then_names() {
        let frags = [
            frag("z", Some(Value::Integer(2)), "z"),
            frag("b", Some("10".into()), "b"),
            frag("a", Some("9".into()), "a"),
            frag("c", Some("100".into()), "c"),
            frag("d", None, "d"),
            frag("01", Some("09".into()), "e"),
        ];
        let cx = Context::new();
        assert_eq!(
            assemble(&file("numeric", false), &frags, &cx).unwrap(),
            "zeabdc"
        );
        // Alpha compares strings: "09" < "10" < "100" < "2" < "9"; `"10___b"` splits to
        // ["10", "_b"].
        assert_eq!(
            assemble(&file("alpha", false), &frags, &cx).unwrap(),
            "ebdcza"
        );
    }

    #[test]
    fn numbers_sort_before_words_where_concat_would_raise() {
        let frags = [
            frag("w", Some("a".into()), "w"),
            frag("n", Some("5".into()), "n"),
        ];
        assert_eq!(
            assemble(&file("numeric", false), &frags, &Context::new()).unwrap(),
            "nw"
        );
    }

    #[test]
    fn ensure_newline_adds_one_only_where_missing() {
        let frags = [
            frag("a", Some("1".into()), "one"),
            frag("b", Some("2".into()), "two\n"),
            frag("c", Some("3".into()), ""),
        ];
        assert_eq!(
            assemble(&file("numeric", true), &frags, &Context::new()).unwrap(),
            "one\ntwo\n\n"
        );
    }
}
