//! The Ruby functions of the other Debian-packaged puppetlabs modules, native: apache's
//! (`apache::bool2httpd`, `apache::pw_hash` and their deprecated names) and inifile's
//! `create_ini_settings`. Each follows its module's Ruby source, messages included; the
//! cases in `tests/expr/forge.cases` check them against Puppet 7 with the real modules.

use super::super::format::base64;
use super::super::types::{self, Ty};
use super::super::value::{Map, Val};
use super::super::{Compiler, R};
use super::rs;
use super::validate::deprecation;
use crate::ast::{Lambda, Span};
use indexmap::IndexMap;
use sha1::{Digest, Sha1};

/// `apache::bool2httpd`: `Off` for undef, false or a string containing "false" (any
/// case), `On` for true or a string containing "true", else the value as Ruby's `to_s`.
pub(super) fn bool2httpd(
    c: &mut Compiler,
    args: Vec<Val>,
    _: Option<&Lambda>,
    span: Span,
) -> R<Val> {
    c.arity4("apache::bool2httpd", &args, 1, 1, span)?;
    let has = |v: &Val, word: &str| matches!(v, Val::Str(s) if s.to_lowercase().contains(word));
    let arg = &args[0];
    Ok(Val::Str(match arg {
        Val::Undef | Val::Bool(false) => "Off".into(),
        v if has(v, "false") => "Off".into(),
        Val::Bool(true) => "On".into(),
        v if has(v, "true") => "On".into(),
        v => rs(v),
    }))
}

/// `bool2httpd`, deprecated for `apache::bool2httpd`.
pub(super) fn bool2httpd_old(
    c: &mut Compiler,
    args: Vec<Val>,
    l: Option<&Lambda>,
    span: Span,
) -> R<Val> {
    deprecation(
        c,
        "bool2httpd",
        "This function is deprecated, please use apache::bool2httpd instead.",
        span,
    );
    bool2httpd(c, args, l, span)
}

/// `apache::pw_hash`: `{SHA}` and the base64 of the password's SHA-1, as htpasswd -s.
pub(super) fn pw_hash(c: &mut Compiler, args: Vec<Val>, _: Option<&Lambda>, span: Span) -> R<Val> {
    let name = "apache::pw_hash";
    c.arity4(name, &args, 1, 1, span)?;
    c.param4(name, "password", &Ty::String(1, i64::MAX), &args[0], span)?;
    let digest = Sha1::digest(rs(&args[0]).as_bytes());
    Ok(Val::Str(format!("{{SHA}}{}", base64(&digest))))
}

/// `apache_pw_hash` and `apache::apache_pw_hash`, deprecated for `apache::pw_hash`.
pub(super) fn pw_hash_old(
    c: &mut Compiler,
    args: Vec<Val>,
    l: Option<&Lambda>,
    span: Span,
) -> R<Val> {
    // The two differ only in the name their warning gives; the call names neither, so
    // the shorter (the one manifests wrote before namespaces) speaks for both.
    deprecation(
        c,
        "apache_pw_hash",
        "This function is deprecated, please use apache::pw_hash instead.",
        span,
    );
    pw_hash(c, args, l, span)
}

/// `inifile::create_ini_settings` (and its old name): an `ini_setting` per setting of
/// each section, titled `"<path> [<section>] <setting>"`, through `create_resources`.
pub(super) fn create_ini_settings(
    c: &mut Compiler,
    args: Vec<Val>,
    _: Option<&Lambda>,
    span: Span,
) -> R<Val> {
    let name = "inifile::create_ini_settings";
    c.arity4(name, &args, 1, 2, span)?;
    let hash_ty = types::from_name("Hash").unwrap_or(Ty::Any);
    c.param4(name, "settings", &hash_ty, &args[0], span)?;
    if let Some(d) = args.get(1) {
        c.param4(name, "defaults", &hash_ty, d, span)?;
    }
    let (Val::Hash(settings), defaults) = (&args[0], args.get(1).cloned()) else {
        unreachable!("checked against Hash above")
    };
    let defaults = match defaults {
        Some(Val::Hash(d)) => d,
        _ => IndexMap::new(),
    };
    let mut resources: Map = IndexMap::new();
    for (section, body) in settings {
        let Val::Hash(body) = body else {
            let msg = format!(
                "create_ini_settings(): Section {} must contain a Hash",
                section.text()
            );
            return Err(c.stdlib_err(msg, span));
        };
        // `defaults.merge(settings)['path']`: a section named `path` wins over the default.
        let path = settings
            .get("path")
            .or_else(|| defaults.get("path"))
            .filter(|v| !v.is_undef());
        let Some(path) = path.map(rs) else {
            return Err(c.stdlib_err(
                "create_ini_settings(): must pass the path parameter to the Ini_setting resource!",
                span,
            ));
        };
        for (setting, value) in body {
            let mut attrs: Map = [
                ("ensure", Val::Str("present".into())),
                ("section", Val::Str(section.text())),
                ("setting", Val::Str(setting.text())),
            ]
            .into_iter()
            .map(|(k, v)| (k.into(), v))
            .collect();
            match value {
                Val::Hash(h) => attrs.extend(h.iter().map(|(k, v)| (k.clone(), v.clone()))),
                v => {
                    attrs.insert("value".into(), v.clone());
                }
            }
            let title = format!("{path} [{}] {}", section.text(), setting.text());
            resources.insert(title.as_str().into(), Val::Hash(attrs));
        }
    }
    c.create_resources(
        "create_resources",
        vec![
            Val::Str("ini_setting".into()),
            Val::Hash(resources),
            Val::Hash(defaults),
        ],
        span,
    )
}
