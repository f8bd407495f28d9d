//! Catalogs that come from outside rather than from the compiler: `apply --catalog FILE` or
//! `--catalog -` (how a fleet run applies on each host) and the catalog an apply saved.
//! Such a catalog is read with errors located at line and column, and checked as strictly
//! as a compiled one before anything runs: its shape, every resource against its type's
//! schema (types, unknown attributes, values, absolute paths), duplicates, containers,
//! relationships and cycles. A catalog that fails is refused whole, never half-applied.

use crate::compile::Checked;
use converge_catalog::{json_error_message, Catalog, Diagnostic, Location, ResourceRef};
use std::collections::HashSet;

/// Parse catalog JSON; `origin` names it in the error (`<stdin>` for `-`). The error is
/// located at the line and column where the JSON stops making sense as a catalog.
pub fn read_catalog(text: &str, origin: &str) -> Result<Catalog, Box<Diagnostic>> {
    Catalog::from_json(text).map_err(|e| {
        let line = u32::try_from(e.line()).unwrap_or(u32::MAX).max(1);
        let column = u32::try_from(e.column()).unwrap_or(u32::MAX).max(1);
        Box::new(
            Diagnostic::error(
                "invalid-catalog",
                format!("{origin} is not a catalog: {}", json_error_message(&e)),
            )
            .at(Some(Location::new(origin, line, column)))
            .with_hint("a catalog is what `converge catalog --format json` prints for a manifest"),
        )
    })
}

/// Check a catalog that did not come from the compiler, as `check` checks a compiled one.
/// `applying`: it is about to be applied for real, so a secret it holds only as a digest
/// (a saved or printed catalog) is an error; a dry run can still compare such a file.
pub fn check_catalog(catalog: Catalog, applying: bool) -> Checked {
    let mut out = Checked::default();
    let refs: Vec<ResourceRef> = catalog.resources.iter().map(|r| r.reference()).collect();
    let mut seen = HashSet::new();
    for (r, reference) in catalog.resources.iter().zip(&refs) {
        if !seen.insert(reference) {
            out.diagnostics.push(
                Diagnostic::error(
                    "duplicate-declaration",
                    format!("Duplicate declaration: {reference} is in the catalog twice"),
                )
                .at(r.location()),
            );
        }
    }
    let known: HashSet<&ResourceRef> = refs.iter().collect();
    for r in &catalog.resources {
        if let Some(c) = r.container.as_ref().filter(|c| !known.contains(c)) {
            out.diagnostics.push(
                Diagnostic::error(
                    "unknown-container",
                    format!(
                        "{} is contained in {c}, which is not in the catalog",
                        r.reference()
                    ),
                )
                .at(r.location()),
            );
        }
        if applying {
            let held: Vec<&str> = r.redacted_params().collect();
            if !held.is_empty() {
                out.diagnostics.push(
                    Diagnostic::error(
                        "redacted-secret",
                        format!(
                            "{} {} only a digest of a Sensitive value",
                            r.reference(),
                            held.join(", ")
                        ),
                    )
                    .at(r.location())
                    .with_hint(
                        "saved and printed catalogs never keep secrets; apply the manifest, \
                         or a catalog from `converge::check`, instead",
                    ),
                );
            }
        }
    }
    out.diagnostics
        .extend(converge_providers::validate_catalog(&catalog));
    let failed = out.has_errors();
    match converge_plan::plan(&catalog) {
        Ok(plan) => {
            out.diagnostics.extend(plan.warnings().iter().cloned());
            if !failed {
                out.plan = Some(plan);
            }
        }
        Err(diags) => out.diagnostics.extend(diags),
    }
    out.catalog = Some(catalog);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checked(json: &str) -> Vec<String> {
        let c = read_catalog(json, "<stdin>").expect("parses");
        check_catalog(c, true)
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .map(|d| format!("{}: {}", d.code, d.message))
            .collect()
    }

    fn resource(ty: &str, title: &str, params: &str) -> String {
        let cap = converge_catalog::capitalize_type(ty);
        format!(
            r#"{{"ref": "{cap}[{title}]", "type": "{ty}", "title": "{title}", "params": {params}}}"#
        )
    }

    #[test]
    fn a_catalog_from_outside_is_refused_for_what_a_compiled_one_would_be() {
        let cases = [
            (
                resource("file", "etc/motd", r#"{"content": "x"}"#),
                "invalid-value",
            ),
            (
                resource("file", "/etc/motd", r#"{"contnet": "x"}"#),
                "unknown-attribute",
            ),
            (
                resource("file", "/etc/motd", r#"{"mode": ["x"]}"#),
                "invalid-value",
            ),
            (resource("fiel", "/etc/motd", "{}"), "unknown-resource-type"),
            (
                resource("service", "nginx", r#"{"ensure": "runing"}"#),
                "invalid-value",
            ),
            (
                resource("exec", "x", r#"{"command": "rm -rf /tmp/x"}"#),
                "unqualified-command",
            ),
        ];
        for (r, code) in cases {
            let json = format!(r#"{{"node": "n", "resources": [{r}], "edges": []}}"#);
            let errors = checked(&json);
            assert!(
                errors.iter().any(|e| e.starts_with(code)),
                "{code} for {r}: {errors:?}"
            );
        }
    }

    #[test]
    fn duplicates_cycles_strangers_and_digests_are_refused() {
        let a = resource("notify", "a", "{}");
        let b = resource("notify", "b", "{}");
        let edge = |f: &str, t: &str| {
            format!(
                r#"{{"from": "Notify[{f}]", "to": "Notify[{t}]", "kind": "before", "origin": "metaparam"}}"#
            )
        };
        let cycle = format!(
            r#"{{"node": "n", "resources": [{a}, {b}], "edges": [{}, {}]}}"#,
            edge("a", "b"),
            edge("b", "a")
        );
        assert!(
            checked(&cycle).iter().any(|e| e.contains("cycle")),
            "{:?}",
            checked(&cycle)
        );
        let dup = format!(r#"{{"node": "n", "resources": [{a}, {a}], "edges": []}}"#);
        assert!(checked(&dup)[0].starts_with("duplicate-declaration"));
        let stranger = format!(
            r#"{{"node": "n", "resources": [{a}], "edges": [{}]}}"#,
            edge("a", "zz")
        );
        assert!(!checked(&stranger).is_empty());
        let mut c = Catalog::new("n");
        let mut f = converge_catalog::Resource::new("file", "/etc/k");
        f.params.insert(
            "content".into(),
            converge_catalog::Value::Sensitive(Box::new("pw".into())),
        );
        c.resources.push(f);
        let saved = c.redacted().to_json();
        assert!(checked(&saved)[0].starts_with("redacted-secret"));
        let dry = check_catalog(read_catalog(&saved, "x").unwrap(), false);
        assert!(!dry.has_errors(), "a dry run may compare digests");
    }

    #[test]
    fn malformed_json_and_unknown_fields_are_located() {
        let e = read_catalog(
            "{\"node\": \"n\",\n \"resources\": [],\n \"edgs\": []}",
            "<stdin>",
        )
        .unwrap_err();
        assert_eq!(
            e.location.as_ref().map(|l| (l.line, l.column)),
            Some((3, 7))
        );
        assert!(e.message.contains("unknown field `edgs`"), "{}", e.message);
        let bad_ref = format!(
            r#"{{"node": "n", "resources": [{}], "edges": []}}"#,
            r#"{"ref": "File[/a]", "type": "file", "title": "/b"}"#
        );
        let e = read_catalog(&bad_ref, "c.json").unwrap_err();
        assert!(
            e.message.contains("does not match its type and title"),
            "{}",
            e.message
        );
    }
}
