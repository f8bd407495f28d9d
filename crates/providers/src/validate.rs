//! Catalog validation against the type schemas: everything Puppet would reject when it
//! converts the catalog for apply, found before the host is touched.
//!
//! Every diagnostic points at the attribute at fault (falling back to the declaration) and
//! carries a stable code: `unknown-resource-type`, `unknown-attribute`, `invalid-value`,
//! `unqualified-command`, `missing-attribute`, `conflicting-attributes`.

use crate::schema::{self, Attr, Kind, TypeSchema};
use converge_catalog::{Catalog, Diagnostic, Resource, Value};

/// Validate every resource of a catalog; containers (classes, defined-type instances) are
/// skipped since they are never applied themselves.
pub fn validate_catalog(catalog: &Catalog) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for r in catalog.resources.iter().filter(|r| !r.is_container) {
        validate_resource(r, &mut out);
    }
    check_file_line_fights(catalog, &mut out);
    out
}

/// A file_line on a file whose whole content the catalog also manages never converges: each
/// run the file resource writes its content back and the file_line edits it again.
fn check_file_line_fights(catalog: &Catalog, out: &mut Vec<Diagnostic>) {
    // Most catalogs have no file_line: then there is nothing to index (the map of every
    // managed file was a quarter of validating a big catalog).
    if !catalog.resources.iter().any(|r| r.type_name == "file_line") {
        return;
    }
    let managed: std::collections::HashMap<&str, &Resource> = catalog
        .resources
        .iter()
        .filter(|r| {
            r.type_name == "file"
                && (r.param("content").is_some() || r.param("source").is_some())
                && r.param("replace").and_then(Value::as_bool) != Some(false)
        })
        .map(|r| (r.name_or_title("path").trim_end_matches('/'), r))
        .collect();
    for fl in catalog
        .resources
        .iter()
        .filter(|r| r.type_name == "file_line")
    {
        let Some(path) = fl.param_str("path") else {
            continue;
        };
        if let Some(file) = managed.get(path) {
            out.push(
                Diagnostic::warning(
                    "conflicting-management",
                    format!(
                        "{} edits {path}, whose whole content {} also manages: every run will change it twice",
                        fl.reference(),
                        file.reference()
                    ),
                )
                .at(fl.attr_location("path"))
                .with_hint(format!(
                    "put the line into {}'s content, or set replace => false on it",
                    file.reference()
                )),
            );
        }
    }
}

/// Validate one resource, appending what is wrong with it.
pub fn validate_resource(r: &Resource, out: &mut Vec<Diagnostic>) {
    let Some(schema) = schema::lookup(&r.type_name) else {
        let mut d = Diagnostic::error(
            "unknown-resource-type",
            format!("Unknown resource type: '{}'", r.type_name),
        )
        .at(r.location());
        if let Some(best) = closest(&r.type_name, schema::TYPES.iter().map(|t| t.name)) {
            d = d.with_hint(format!("did you mean '{best}'?"));
        }
        out.push(d);
        return;
    };
    for (name, value) in &r.params {
        let Some(attr) = schema.attr(name) else {
            let mut d = Diagnostic::error(
                "unknown-attribute",
                format!("no parameter named '{name}' on {}", r.reference()),
            )
            .at(r.attr_location(name));
            if let Some(best) = closest(name, schema.attr_names()) {
                d = d.with_hint(format!("did you mean '{best}'?"));
            }
            out.push(d);
            continue;
        };
        if value.is_undef() {
            continue;
        }
        if attr.ignored && !schema.placeholder {
            out.push(
                Diagnostic::warning(
                    "unsupported-attribute",
                    format!(
                        "{}: converge accepts '{name}' but does not act on it yet",
                        r.reference()
                    ),
                )
                .at(r.attr_location(name)),
            );
        }
        if let Err(msg) = check_value(attr, value) {
            // The error quotes the value: never a secret one, nor a hint that echoes it.
            let sensitive = value.is_sensitive();
            let msg = if sensitive {
                converge_catalog::Secrets::of(r).scrub(&msg)
            } else {
                msg
            };
            let mut d = Diagnostic::error(
                "invalid-value",
                format!("Parameter {name} failed on {}: {msg}", r.reference()),
            )
            .at(r.attr_location(name));
            if let Some(best) = closest_value(attr, value).filter(|_| !sensitive) {
                d = d.with_hint(format!("did you mean '{best}'?"));
            }
            out.push(d);
        }
    }
    for name in schema.required {
        if *name != schema.namevar && r.param(name).is_none_or(Value::is_undef) {
            out.push(
                Diagnostic::error(
                    "missing-attribute",
                    format!("{}: {name} is a required attribute", r.reference()),
                )
                .at(r.location()),
            );
        }
    }
    for group in schema.exclusive {
        // Counted first: nearly always at most one is set, and then nothing is collected.
        let set_count = group
            .iter()
            .filter(|a| r.param(a).is_some_and(|v| !v.is_undef()))
            .count();
        if set_count < 2 {
            continue;
        }
        let set: Vec<&str> = group
            .iter()
            .copied()
            .filter(|a| r.param(a).is_some_and(|v| !v.is_undef()))
            .collect();
        if set.len() > 1 {
            out.push(
                Diagnostic::error(
                    "conflicting-attributes",
                    format!(
                        "{}: You cannot specify more than one of {}",
                        r.reference(),
                        group.join(", ")
                    ),
                )
                .at(r.attr_location(set[1]))
                .with_hint(format!("keep only one of {}", set.join(" and "))),
            );
        }
    }
    if let Some(check) = schema.check {
        check(r, schema, out);
    }
}

/// The closest of `candidates` to `name`, if close enough to be a plausible typo.
fn closest<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (name.chars().count() / 3).max(2);
    candidates
        .map(|c| (strsim::damerau_levenshtein(name, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Puppet's name for a value's type in "must be a string, not 'Integer'" messages.
fn type_of(v: &Value) -> &'static str {
    v.type_name()
}

/// Check a value against an attribute's kind; the error is Puppet's wording.
/// The allowed value closest to a misspelt one (`runing` → `running`), as for attributes.
fn closest_value(attr: &Attr, value: &Value) -> Option<&'static str> {
    let Kind::Values { shown, aliases, .. } = attr.kind else {
        return None;
    };
    let given = scalar_string(value.unwrap_sensitive())?;
    closest(&given, shown.iter().chain(aliases.iter()).copied())
}

fn check_value(attr: &Attr, value: &Value) -> Result<(), String> {
    let v = value.unwrap_sensitive();
    if let Value::Redacted(_) = v {
        // Only its digest is known (a saved catalog): it was checked when it was compiled,
        // and it can never be applied.
        return Ok(());
    }
    match attr.kind {
        Kind::Any => Ok(()),
        Kind::Hash => match v {
            Value::Hash(_) => Ok(()),
            other => Err(format!("must be a Hash, not '{}'", type_of(other))),
        },
        Kind::String => is_scalar(v)
            .then_some(())
            .ok_or_else(|| format!("must be a String, not '{}'", type_of(v))),
        Kind::Strings => match v {
            Value::Array(items) => items.iter().try_for_each(|i| {
                is_scalar(i.unwrap_sensitive())
                    .then_some(())
                    .ok_or_else(|| {
                        format!(
                            "must be a String or an Array of String, not an Array containing '{}'",
                            type_of(i)
                        )
                    })
            }),
            other => is_scalar(other).then_some(()).ok_or_else(|| {
                format!(
                    "must be a String or an Array of String, not '{}'",
                    type_of(other)
                )
            }),
        },
        Kind::Values {
            shown,
            aliases,
            open,
        } => {
            let Some(s) = scalar_string(v) else {
                return Err(format!(
                    "Invalid value {}. Valid values are {}.",
                    v,
                    shown.join(", ")
                ));
            };
            if shown.contains(&s.as_str())
                || aliases.contains(&s.as_str())
                || (open && !s.is_empty())
            {
                Ok(())
            } else {
                Err(format!(
                    "Invalid value \"{s}\". Valid values are {}.",
                    shown.join(", ")
                ))
            }
        }
        Kind::Boolean => match v {
            Value::Bool(_) => Ok(()),
            Value::String(s) if matches!(s.as_str(), "true" | "false" | "yes" | "no") => Ok(()),
            other => Err(format!(
                "Invalid value {}. Valid values are true, false, yes, no.",
                quoted(other)
            )),
        },
        Kind::Integer => match v {
            Value::Integer(_) => Ok(()),
            Value::String(s) if s.parse::<i64>().is_ok() => Ok(()),
            other => Err(format!(
                "Invalid value {}: must be an Integer",
                quoted(other)
            )),
        },
        Kind::Number => match v {
            Value::Integer(_) | Value::Float(_) => Ok(()),
            Value::String(s) if s.parse::<f64>().is_ok() => Ok(()),
            other => Err(format!("Invalid value {}: must be a number", quoted(other))),
        },
        Kind::Integers => {
            let ok = |i: &Value| match i {
                Value::Integer(_) => true,
                Value::String(s) => s.parse::<i64>().is_ok(),
                _ => false,
            };
            let good = match v {
                Value::Array(items) => items.iter().all(ok),
                other => ok(other),
            };
            if good {
                Ok(())
            } else {
                Err(format!(
                    "Invalid value {}: must be an Integer or an Array of Integer",
                    quoted(v)
                ))
            }
        }
        Kind::AbsolutePath => match v {
            Value::String(s) if schema::is_absolute(s) => Ok(()),
            Value::String(s) => Err(format!("File paths must be fully qualified, not '{s}'")),
            other => Err(format!(
                "must be a fully qualified path, not '{}'",
                type_of(other)
            )),
        },
        Kind::Mode => match v {
            Value::String(s) if schema::is_valid_mode(s) => Ok(()),
            Value::String(s) => Err(format!("The file mode specification is invalid: \"{s}\"")),
            other => Err(format!(
                "The file mode specification must be a string, not '{}'",
                type_of(other)
            )),
        },
        Kind::Command => match v {
            Value::String(_) => Ok(()),
            Value::Array(items)
                if !items.is_empty()
                    && items.iter().all(|i| {
                        matches!(i.unwrap_sensitive(), Value::String(_) | Value::Array(_))
                    }) =>
            {
                Ok(())
            }
            other => Err(format!(
                "Command must be a String or an Array of String, not '{}'",
                type_of(other)
            )),
        },
        Kind::NameOrId => match v {
            Value::String(s) if !s.is_empty() => Ok(()),
            Value::Integer(i) if *i >= 0 => Ok(()),
            other => Err(format!(
                "Invalid value {}: must be a name or a numeric id",
                quoted(other)
            )),
        },
    }
}

/// The string form of a scalar that Puppet munges into a string, `None` for the rest.
/// Whether [`scalar_string`] has a string for `v` (without making it).
fn is_scalar(v: &Value) -> bool {
    matches!(
        v,
        Value::String(_) | Value::Integer(_) | Value::Float(_) | Value::Bool(_)
    )
}

fn scalar_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Integer(i) => Some(i.to_string()),
        Value::Float(_) => Some(v.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A value in a message: strings in double quotes as Puppet prints them.
fn quoted(v: &Value) -> String {
    match v {
        Value::String(s) => format!("\"{s}\""),
        other => other.to_string(),
    }
}

/// The schema for a type name, for callers that already validated.
pub fn schema_of(r: &Resource) -> Option<&'static TypeSchema> {
    schema::lookup(&r.type_name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use converge_catalog::Location;

    #[test]
    fn diagnostics_point_at_the_attribute_not_the_declaration() {
        let mut r = Resource::new("service", "nginx");
        r.file = Some("site.pp".into());
        r.line = 1;
        r.column = 1;
        r.params.insert("ensure".into(), Value::from("bogus"));
        r.attr_locations
            .insert("ensure".into(), Location::new("site.pp", 2, 3));
        let mut out = Vec::new();
        validate_resource(&r, &mut out);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].location, Some(Location::new("site.pp", 2, 3)));
        assert!(out[0]
            .message
            .ends_with("Invalid value \"bogus\". Valid values are stopped, running."));
    }

    #[test]
    fn undef_values_are_not_checked() {
        let mut r = Resource::new("file", "/etc/x");
        r.params.insert("mode".into(), Value::Undef);
        r.params.insert("content".into(), Value::Undef);
        r.params.insert("source".into(), Value::from("/x"));
        let mut out = Vec::new();
        validate_resource(&r, &mut out);
        assert!(out.is_empty(), "{out:?}");
    }
}
