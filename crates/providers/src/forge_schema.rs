//! The schemas of the resource types that Forge modules write in Ruby (stdlib's `anchor`,
//! concat's `concat_file` and `concat_fragment`, inifile's `ini_setting` and
//! `ini_subsetting`, apt's `apt_key`), with the modules' own validation messages; and the
//! per-provider rules of `package` (pip, pip3 and gem lack features apt has).
//!
//! The tables live in [`crate::schema::TYPES`] like every other type; this module only keeps
//! them apart from the core types, next to the rules a table cannot express.

use crate::schema::{
    ignored, param, path_error, prop, values, Kind, TypeSchema, ENSURE_PRESENT_ABSENT,
};
use converge_catalog::{Diagnostic, Resource, Value};

/// `anchor` (stdlib): a no-op resource that only orders others.
pub static ANCHOR: TypeSchema = TypeSchema {
    name: "anchor",
    namevar: "name",
    attrs: &[param("name", Kind::String)],
    required: &[],
    exclusive: &[],
    check: None,
    placeholder: false,
};

/// `concat_file` (concat): a file assembled from the catalog's `concat_fragment`s.
pub static CONCAT_FILE: TypeSchema = TypeSchema {
    name: "concat_file",
    namevar: "path",
    attrs: &[
        param("path", Kind::AbsolutePath),
        prop("ensure", ENSURE_PRESENT_ABSENT),
        param("owner", Kind::NameOrId),
        param("group", Kind::NameOrId),
        param("mode", Kind::Mode),
        param("order", values(&["alpha", "numeric"], &[])),
        param("backup", Kind::Any),
        param("replace", Kind::Boolean),
        param("validate_cmd", Kind::Any),
        param("ensure_newline", Kind::Boolean),
        param(
            "format",
            values(
                &[
                    "plain",
                    "yaml",
                    "json",
                    "json-array",
                    "json-pretty",
                    "json-array-pretty",
                ],
                &[],
            ),
        ),
        param("force", Kind::Boolean),
        ignored(param("selinux_ignore_defaults", Kind::Boolean)),
        ignored(param("selrange", Kind::String)),
        ignored(param("selrole", Kind::String)),
        ignored(param("seltype", Kind::String)),
        ignored(param("seluser", Kind::String)),
        param("show_diff", Kind::Boolean),
    ],
    required: &[],
    exclusive: &[],
    check: Some(check_concat_file),
    placeholder: false,
};

/// `concat_fragment` (concat): one piece of a `concat_file`; changes nothing by itself.
pub static CONCAT_FRAGMENT: TypeSchema = TypeSchema {
    name: "concat_fragment",
    namevar: "name",
    attrs: &[
        param("name", Kind::String),
        param("target", Kind::Any),
        param("content", Kind::Any),
        param("source", Kind::Any),
        param("order", Kind::Any),
    ],
    required: &[],
    exclusive: &[],
    check: Some(check_concat_fragment),
    placeholder: false,
};

/// `ini_setting` (inifile): one setting in an INI file.
pub static INI_SETTING: TypeSchema = TypeSchema {
    name: "ini_setting",
    namevar: "name",
    attrs: &[
        param("name", Kind::String),
        prop("ensure", ENSURE_PRESENT_ABSENT),
        param("section", Kind::String),
        param("setting", Kind::String),
        param("force_new_section_creation", Kind::Boolean),
        param("path", Kind::AbsolutePath),
        param("show_diff", SHOW_DIFF),
        param("key_val_separator", Kind::String),
        prop("value", Kind::String),
        param("section_prefix", Kind::String),
        param("section_suffix", Kind::String),
        param("indent_char", Kind::String),
        param("indent_width", Kind::Integer),
        param("refreshonly", Kind::Boolean),
    ],
    required: &["path"],
    exclusive: &[],
    check: None,
    placeholder: false,
};

/// `ini_subsetting` (inifile): one item in a list-valued INI setting.
pub static INI_SUBSETTING: TypeSchema = TypeSchema {
    name: "ini_subsetting",
    namevar: "name",
    attrs: &[
        param("name", Kind::String),
        prop("ensure", ENSURE_PRESENT_ABSENT),
        param("section", Kind::String),
        param("setting", Kind::String),
        param("subsetting", Kind::String),
        param("subsetting_separator", Kind::String),
        param("subsetting_key_val_separator", Kind::String),
        param("path", Kind::AbsolutePath),
        param("show_diff", SHOW_DIFF),
        param("key_val_separator", Kind::String),
        param("quote_char", Kind::String),
        param("use_exact_match", values(&["true", "false"], &[])),
        prop("value", Kind::String),
        param(
            "insert_type",
            values(&["start", "end", "before", "after", "index"], &[]),
        ),
        param("insert_value", Kind::String),
        param("delete_if_empty", values(&["true", "false"], &[])),
    ],
    required: &["path", "setting"],
    exclusive: &[],
    check: Some(check_ini_subsetting),
    placeholder: false,
};

/// inifile's `show_diff`: a boolean, or `md5` to show checksums of the values.
const SHOW_DIFF: Kind = Kind::Values {
    shown: &["true", "md5", "false"],
    aliases: &["yes", "no"],
    open: false,
};

/// `apt_key` (apt): a key in apt's keyring, by fingerprint or key id.
pub static APT_KEY: TypeSchema = TypeSchema {
    name: "apt_key",
    namevar: "id",
    attrs: &[
        param("id", Kind::String),
        prop("ensure", ENSURE_PRESENT_ABSENT),
        param("content", Kind::String),
        param("source", Kind::String),
        param("server", Kind::String),
        param("options", Kind::String),
        param("refresh", Kind::Boolean),
        param("weak_ssl", Kind::Boolean),
        prop("fingerprint", Kind::String),
        prop("long", Kind::String),
        prop("short", Kind::String),
        prop("expired", Kind::String),
        prop("expiry", Kind::String),
        prop("size", Kind::String),
        prop("type", Kind::String),
        prop("created", Kind::String),
    ],
    required: &[],
    exclusive: &[],
    check: Some(check_apt_key),
    placeholder: false,
};

/// apt_key's read-only properties: they describe the key found, and are never set.
pub const APT_KEY_READ_ONLY: &[&str] = &[
    "fingerprint",
    "long",
    "short",
    "expired",
    "expiry",
    "size",
    "type",
    "created",
];

fn set(r: &Resource, attr: &str) -> bool {
    r.param(attr).is_some_and(|v| !v.is_undef())
}

fn invalid(r: &Resource, attr: &str, msg: impl std::fmt::Display) -> Diagnostic {
    Diagnostic::error(
        "invalid-value",
        format!("Parameter {attr} failed on {}: {msg}", r.reference()),
    )
    .at(r.attr_location(attr))
}

fn validation(r: &Resource, msg: &str, at: Option<&str>) -> Diagnostic {
    Diagnostic::error(
        "invalid-resource",
        format!("Validation of {} failed: {msg}", r.reference()),
    )
    .at(at.map_or_else(|| r.location(), |a| r.attr_location(a)))
}

/// The format of the fragments' merge that converge can build.
pub fn check_concat_file(r: &Resource, schema: &TypeSchema, out: &mut Vec<Diagnostic>) {
    if r.param("path").is_none() && !crate::schema::is_absolute(&r.title) {
        out.push(path_error(r, schema.namevar, &r.title));
    }
    if let Some(v) = r.param("validate_cmd").filter(|v| !v.is_undef()) {
        if v.as_str().is_none() {
            out.push(invalid(r, "validate_cmd", "Validate_cmd must be a String"));
        }
    }
    if let Some(v) = r.param("backup").filter(|v| !v.is_undef()) {
        if !matches!(v, Value::Bool(_) | Value::String(_)) {
            out.push(invalid(r, "backup", "Backup must be a Boolean or String"));
        }
    }
    if let Some(f) = r.param_str("format").filter(|f| *f != "plain") {
        out.push(
            Diagnostic::error(
                "unsupported-value",
                format!(
                    "{}: converge assembles fragments as plain text only, not format => {f}",
                    r.reference()
                ),
            )
            .at(r.attr_location("format"))
            .with_hint("remove `format` (plain text), or build the merged data in the manifest"),
        );
    }
}

/// concat's fragment rules: a target or a tag, exactly one of content and source, and an
/// order that is a string or an integer without `/`, `:` or a newline.
pub fn check_concat_fragment(r: &Resource, _schema: &TypeSchema, out: &mut Vec<Diagnostic>) {
    if let Some(v) = r.param("target").filter(|v| !v.is_undef()) {
        if v.as_str().is_none() {
            out.push(invalid(r, "target", "Target must be a String"));
        }
    }
    if let Some(v) = r.param("content").filter(|v| !v.is_undef()) {
        if v.unwrap_sensitive().as_str().is_none() {
            out.push(invalid(r, "content", "Content must be a String"));
        }
    }
    if let Some(v) = r.param("source").filter(|v| !v.is_undef()) {
        let ok = match v {
            Value::String(_) => true,
            Value::Array(a) => a.iter().all(|s| s.as_str().is_some()),
            _ => false,
        };
        if !ok {
            out.push(invalid(r, "source", "Content must be a String or Array"));
        }
    }
    if let Some(v) = r.param("order").filter(|v| !v.is_undef()) {
        match v {
            Value::String(s) if s.contains([':', '\n', '/']) => out.push(invalid(
                r,
                "order",
                "Order cannot contain '/', ':', or '\\n'.",
            )),
            Value::String(_) | Value::Integer(_) => {}
            _ => out.push(invalid(r, "order", "$order is not a string or integer.")),
        }
    }
    if !set(r, "target") && !set(r, "tag") {
        out.push(
            validation(r, "No 'target' or 'tag' set", None)
                .with_hint("name the concat_file with `target => <its path or title>`"),
        );
    }
    match (set(r, "content"), set(r, "source")) {
        (false, false) => out.push(validation(r, "Set either 'source' or 'content'", None)),
        (true, true) => out.push(validation(
            r,
            "Can't use 'source' and 'content' at the same time",
            Some("source"),
        )),
        _ => {}
    }
}

fn check_ini_subsetting(r: &Resource, _schema: &TypeSchema, out: &mut Vec<Diagnostic>) {
    if let Some(q) = r.param_str("quote_char") {
        if !matches!(q, "" | "\"" | "'") {
            out.push(invalid(
                r,
                "quote_char",
                ":quote_char valid values are '', '\"' and \"'\"",
            ));
        }
    }
    let insert = r.param_str("insert_type").unwrap_or("end");
    if matches!(insert, "before" | "after" | "index") && !set(r, "insert_value") {
        out.push(
            Diagnostic::warning(
                "missing-attribute",
                format!(
                    "{}: insert_type => {insert} without insert_value inserts at the end",
                    r.reference()
                ),
            )
            .at(r.attr_location("insert_type")),
        );
    }
}

/// Whether `s` is `0x`-optional hex of exactly one of the lengths.
fn is_hex_id(s: &str, lengths: &[usize]) -> bool {
    let h = s.strip_prefix("0x").unwrap_or(s);
    lengths.contains(&h.len()) && h.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Whether `s` matches apt's keyserver pattern:
/// `\A((hkp|hkps|http|https)://)?([a-z\d])([a-z\d-]{0,61}\.)+[a-z\d]+(:\d{2,5})?(/[a-zA-Z\d\-_.]+)*/?$`.
pub fn is_keyserver(s: &str) -> bool {
    crate::regex_cache::compile(
        r"\A((hkp|hkps|http|https)://)?([a-z\d])([a-z\d-]{0,61}\.)+[a-z\d]+(:\d{2,5})?(/[a-zA-Z\d\-_.]+)*/?\z",
    )
    .is_ok_and(|re| re.is_match(s))
}

/// apt_key's id, source and server patterns and its mutual exclusions, in the module's words.
fn check_apt_key(r: &Resource, _schema: &TypeSchema, out: &mut Vec<Diagnostic>) {
    let id = r.name_or_title("id");
    if !is_hex_id(id, &[8, 16, 40]) {
        out.push(invalid(
            r,
            "id",
            format!(
                "Invalid value \"{id}\". Valid values match /\\A(0x)?[0-9a-fA-F]{{8}}\\Z/, /\\A(0x)?[0-9a-fA-F]{{16}}\\Z/, /\\A(0x)?[0-9a-fA-F]{{40}}\\Z/."
            ),
        ));
    } else if id.strip_prefix("0x").unwrap_or(id).len() < 40 {
        out.push(
            Diagnostic::warning(
                "short-key-id",
                format!(
                    "{}: The id should be a full fingerprint (40 characters), see README.",
                    r.reference()
                ),
            )
            .at(r.attr_location("id"))
            .with_hint("a short id can name another key; give the 40-character fingerprint"),
        );
    }
    if let Some(src) = r.param_str("source") {
        let ok = src.starts_with("http://")
            || src.starts_with("https://")
            || src.starts_with("ftp://")
            || src
                .strip_prefix('/')
                .and_then(|s| s.chars().next())
                .is_some_and(|c| c.is_alphanumeric() || c == '_');
        if !ok {
            out.push(invalid(
                r,
                "source",
                format!("Invalid value \"{src}\". Valid values match /\\Ahttps?:\\/\\//, /\\Aftp:\\/\\//, /\\A\\/\\w+/."),
            ));
        }
    }
    if let Some(server) = r.param_str("server") {
        if !is_keyserver(server) {
            out.push(invalid(
                r,
                "server",
                format!("Invalid value \"{server}\". Valid values match /\\A((hkp|hkps|http|https):\\/\\/)?([a-z\\d])([a-z\\d-]{{0,61}}\\.)+[a-z\\d]+(:\\d{{2,5}})?(\\/[a-zA-Z\\d\\-_.]+)*\\/?$/."),
            ));
        }
    }
    let absent = r.param_str("ensure") == Some("absent");
    if absent && r.param("refresh").and_then(Value::as_bool) == Some(true) {
        out.push(validation(
            r,
            "ensure => absent and refresh => true are mutually exclusive",
            Some("refresh"),
        ));
    }
    if set(r, "content") && set(r, "source") {
        out.push(validation(
            r,
            "The properties content and source are mutually exclusive.",
            Some("source"),
        ));
    }
    for p in APT_KEY_READ_ONLY {
        if set(r, p) {
            out.push(
                Diagnostic::warning(
                    "read-only-property",
                    format!(
                        "{}: '{p}' is read-only: it is checked against the key found, never set",
                        r.reference()
                    ),
                )
                .at(r.attr_location(p)),
            );
        }
    }
}

/// What each package provider can do, as Puppet's provider features say.
struct Features {
    purgeable: bool,
    holdable: bool,
    uninstall_options: bool,
    source: bool,
}

fn features(provider: &str) -> Features {
    match provider {
        "pip" | "pip3" => Features {
            purgeable: false,
            holdable: false,
            uninstall_options: false,
            source: true,
        },
        "gem" => Features {
            purgeable: false,
            holdable: false,
            uninstall_options: true,
            source: true,
        },
        _ => Features {
            purgeable: true,
            holdable: true,
            uninstall_options: false,
            source: false,
        },
    }
}

/// Package rules that depend on the provider: pip and gem cannot purge or hold, only gem
/// takes `uninstall_options`, apt does not act on `source`.
pub fn check_package(r: &Resource, _schema: &TypeSchema, out: &mut Vec<Diagnostic>) {
    let provider = r.param_str("provider").unwrap_or("apt");
    let f = features(provider);
    let need = |feature: &str, what: &str| {
        Diagnostic::error(
            "unsupported-feature",
            format!(
                "Parameter {what} failed on {}: Provider {provider} must have features '{feature}' to set {}",
                r.reference(),
                if what == "ensure" {
                    format!("'ensure' to '{}'", r.param_str("ensure").unwrap_or(""))
                } else {
                    format!("'{what}'")
                }
            ),
        )
        .at(r.attr_location(what))
    };
    match r.param_str("ensure") {
        Some("purged") if !f.purgeable => out.push(need("purgeable", "ensure")),
        Some("held") if !f.holdable => out.push(need("holdable", "ensure")),
        _ => {}
    }
    let unused = |attr: &str| {
        Diagnostic::warning(
            "unsupported-attribute",
            format!(
                "{}: the {provider} provider does not act on '{attr}'",
                r.reference()
            ),
        )
        .at(r.attr_location(attr))
    };
    if set(r, "uninstall_options") && !f.uninstall_options {
        out.push(unused("uninstall_options"));
    }
    if set(r, "source") && !f.source {
        out.push(unused("source"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_ids_and_keyservers() {
        assert!(is_hex_id("0xDEADBEEF", &[8]));
        assert!(is_hex_id("deadbeefdeadbeef", &[8, 16]));
        assert!(!is_hex_id("xyz", &[8, 16, 40]));
        assert!(is_keyserver("keyserver.ubuntu.com"));
        assert!(is_keyserver("hkps://keys.openpgp.org:443/path"));
        assert!(!is_keyserver("localhost"));
    }
}
