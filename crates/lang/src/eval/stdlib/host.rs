//! stdlib's host and resource functions: facts, variables, resources declared once
//! (`ensure_resource`, `ensure_packages`), resource parameters, and the namespaced
//! helpers about hosts (`stdlib::ensure`, `stdlib::ip_in_range`).

use super::{args3, exactly, ri, rs};
use crate::ast::{Lambda, Span};
use crate::eval::ops::ruby_eq;
use crate::eval::types::{self, Ty};
use crate::eval::value::{Key, Map, Val};
use crate::eval::{Compiler, R};
use converge_catalog::ResourceRef;
use indexmap::IndexMap;

pub(super) fn has_key(c: &mut Compiler, args: Vec<Val>, _: Option<&Lambda>, span: Span) -> R<Val> {
    let args = args3(args);
    if args.len() != 2 {
        return Err(c.stdlib_err(
            format!(
                "has_key(): wrong number of arguments ({}; must be 2)",
                args.len()
            ),
            span,
        ));
    }
    match &args[0] {
        Val::Hash(h) => Ok(Val::Bool(h.contains_key(&Key(args[1].clone())))),
        v => Err(c.stdlib_err(
            format!(
                "has_key(): expects the first argument to be a hash, got {} which is of type {}",
                ri(v),
                super::ruby_class(v)
            ),
            span,
        )),
    }
}

pub(super) fn member(c: &mut Compiler, args: Vec<Val>, _: Option<&Lambda>, span: Span) -> R<Val> {
    let args = args3(args);
    if args.len() < 2 {
        return Err(c.stdlib_err(
            format!(
                "member(): Wrong number of arguments given ({} for 2)",
                args.len()
            ),
            span,
        ));
    }
    let Val::Array(a) = &args[0] else {
        return Err(c.stdlib_err("member(): Requires array to work with", span));
    };
    let items = match &args[1] {
        Val::Str(_) | Val::Int(_) => vec![args[1].clone()],
        Val::Array(x) => x.clone(),
        _ => {
            return Err(c.stdlib_err(
                "member(): Item to search for must be a string, fixnum, or array",
                span,
            ))
        }
    };
    if items.is_empty() {
        return Err(c.stdlib_err(
            "member(): You must provide item to search for within array given",
            span,
        ));
    }
    Ok(Val::Bool(
        items.iter().all(|i| a.iter().any(|x| ruby_eq(x, i))),
    ))
}

pub(super) fn is_a(c: &mut Compiler, args: Vec<Val>, _: Option<&Lambda>, span: Span) -> R<Val> {
    c.arity4("is_a", &args, 2, 2, span)?;
    match &args[1] {
        Val::Type(t) => Ok(Val::Bool(t.matches(&args[0]))),
        v => Err(c.stdlib_err(
            format!(
                "'is_a' parameter 'type' expects a Type value, got {}",
                v.type_name()
            ),
            span,
        )),
    }
}

/// `$facts`, as the compiler set it.
fn facts(c: &Compiler) -> Val {
    c.find_var("::facts")
        .cloned()
        .unwrap_or(Val::Hash(IndexMap::new()))
}

pub(super) fn fact(c: &mut Compiler, args: Vec<Val>, _: Option<&Lambda>, span: Span) -> R<Val> {
    c.arity4("fact", &args, 1, 1, span)?;
    let Val::Str(name) = &args[0] else {
        return Err(c.stdlib_err(
            format!(
                "'fact' parameter 'fact_name' expects a String value, got {}",
                args[0].type_name()
            ),
            span,
        ));
    };
    // `a.b`, `a."b.c"`: dots separate, double quotes keep dots in a key.
    let mut path = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for ch in name.chars() {
        match ch {
            '"' => {
                quoted = !quoted;
                if !cur.is_empty() {
                    path.push(std::mem::take(&mut cur));
                }
            }
            '.' if !quoted => {
                if !cur.is_empty() {
                    path.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        path.push(cur);
    }
    let mut d = facts(c);
    let mut walked: Vec<String> = Vec::new();
    let dotted = |w: &[String]| {
        w.iter()
            .map(|s| {
                if s.contains('.') {
                    format!("\"{s}\"")
                } else {
                    s.clone()
                }
            })
            .collect::<Vec<_>>()
            .join(".")
    };
    for k in path {
        d = match &d {
            Val::Undef => return Ok(Val::Undef),
            Val::Array(a) => match k.parse::<i64>() {
                Ok(i) => {
                    let i = if i < 0 { a.len() as i64 + i } else { i };
                    usize::try_from(i)
                        .ok()
                        .and_then(|i| a.get(i).cloned())
                        .unwrap_or(Val::Undef)
                }
                Err(_) => {
                    c.warn(
                        "fact-path",
                        format!("fact request for {name} returning nil: '{}' is an array; cannot index to '{k}'", dotted(&walked)),
                        span,
                    );
                    Val::Undef
                }
            },
            Val::Hash(h) => h.get(k.as_str()).cloned().unwrap_or(Val::Undef),
            _ => {
                c.warn(
                    "fact-path",
                    format!("fact request for {name} returning nil: '{}' is not a collection; cannot walk to '{k}'", dotted(&walked)),
                    span,
                );
                Val::Undef
            }
        };
        walked.push(k);
    }
    Ok(d)
}

/// Core Puppet's `getvar`: a variable by name, with `.key` navigation into its value.
pub(super) fn getvar(c: &mut Compiler, args: Vec<Val>, _: Option<&Lambda>, span: Span) -> R<Val> {
    c.arity4("getvar", &args, 1, 2, span)?;
    let pat = r"\A(?:::)?(?:[a-z]\w*::)*[a-z_]\w*(?:\.|\Z)";
    let name = match &args[0] {
        Val::Str(s) if c.regex(pat, span)?.is_match(s) => s.clone(),
        v => {
            let got = match v {
                Val::Str(s) => format!("'{s}'"),
                v => v.type_name(),
            };
            return Err(c.stdlib_err(
                format!("'getvar' parameter 'get_string' expects a match for Pattern[/{pat}/], got {got}"),
                span,
            ));
        }
    };
    let default = args.get(1).cloned().unwrap_or(Val::Undef);
    let (var, nav) = match name.split_once('.') {
        Some((v, n)) => (v.to_string(), Some(n.to_string())),
        None => (name.clone(), None),
    };
    let Some(mut v) = c.find_var(&var).cloned() else {
        return Ok(default);
    };
    if let Some(nav) = nav {
        for k in nav.split('.') {
            v = match &v {
                Val::Hash(h) => match h.get(k) {
                    Some(x) => x.clone(),
                    None => match k.parse::<i64>() {
                        Ok(i) => h.get(&Key(Val::Int(i))).cloned().unwrap_or(Val::Undef),
                        Err(_) => Val::Undef,
                    },
                },
                Val::Array(a) => match k.parse::<usize>() {
                    Ok(i) => a.get(i).cloned().unwrap_or(Val::Undef),
                    Err(_) => Val::Undef,
                },
                _ => Val::Undef,
            };
            if v.is_undef() {
                return Ok(default);
            }
        }
    }
    Ok(if v.is_undef() { default } else { v })
}

pub(super) fn os_version_gte(
    c: &mut Compiler,
    args: Vec<Val>,
    _: Option<&Lambda>,
    span: Span,
) -> R<Val> {
    c.arity4("os_version_gte", &args, 2, 2, span)?;
    for (i, p) in ["os", "version"].iter().enumerate() {
        if !matches!(&args[i], Val::Str(s) if !s.is_empty()) {
            let got = match &args[i] {
                Val::Str(_) => "String".to_string(),
                v => v.type_name(),
            };
            return Err(c.stdlib_err(
                format!("'os_version_gte' parameter '{p}' expects a String[1] value, got {got}"),
                span,
            ));
        }
    }
    let f = facts(c);
    let Val::Hash(f) = f else {
        return Ok(Val::Bool(false));
    };
    let os = f.get("operatingsystem").cloned().unwrap_or(Val::Undef);
    if os != args[0] {
        return Ok(Val::Bool(false));
    }
    let major = f
        .get("operatingsystemmajrelease")
        .map(rs)
        .unwrap_or_default();
    Ok(Val::Bool(
        crate::eval::functions::versioncmp(&major, &rs(&args[1])) >= 0,
    ))
}

/// stdlib's `stdlib::ensure` (a Puppet function in the module, carried natively).
pub(super) fn ensure(c: &mut Compiler, args: Vec<Val>, _: Option<&Lambda>, span: Span) -> R<Val> {
    let name = "stdlib::ensure";
    c.arity4(name, &args, 2, 2, span)?;
    let en = |v: &[&str]| Ty::Enum(v.iter().map(|s| s.to_string()).collect(), false);
    let ens_t = Ty::Variant(vec![Ty::Boolean(None), en(&["absent", "present"])]);
    let res_t = en(&["directory", "file", "link", "mounted", "package", "service"]);
    c.param4(name, "ensure", &ens_t, &args[0], span)?;
    c.param4(name, "resource", &res_t, &args[1], span)?;
    let ensure = match &args[0] {
        Val::Bool(true) => "present".to_string(),
        Val::Bool(false) => "absent".to_string(),
        v => rs(v),
    };
    let resource = rs(&args[1]);
    let present = ensure == "present";
    Ok(Val::Str(match resource.as_str() {
        "package" => if present { "installed" } else { "absent" }.to_string(),
        "service" => if present { "running" } else { "stopped" }.to_string(),
        _ => {
            if present {
                resource
            } else {
                ensure
            }
        }
    }))
}

pub(super) fn ip_in_range(
    c: &mut Compiler,
    args: Vec<Val>,
    _: Option<&Lambda>,
    span: Span,
) -> R<Val> {
    let name = "stdlib::ip_in_range";
    c.arity4(name, &args, 2, 2, span)?;
    let Val::Str(ip) = &args[0] else {
        return Err(c.stdlib_err(
            format!(
                "'{name}' parameter 'ipaddress' expects a String value, got {}",
                args[0].type_name()
            ),
            span,
        ));
    };
    let ranges = match &args[1] {
        Val::Str(r) => vec![r.clone()],
        Val::Array(a) => a.iter().map(rs).collect(),
        v => {
            return Err(c.stdlib_err(
                format!(
                    "'{name}' parameter 'range' expects a value of type String or Array, got {}",
                    v.type_name()
                ),
                span,
            ))
        }
    };
    let Some((addr, _)) = super::strings::parse_ip(ip) else {
        return Err(c.stdlib_err("invalid address: ", span));
    };
    let mut nets = Vec::new();
    for r in &ranges {
        match super::strings::parse_ip(r) {
            Some(n) => nets.push(n),
            None => return Err(c.stdlib_err("invalid address: ", span)),
        }
    }
    use std::net::IpAddr;
    Ok(Val::Bool(nets.iter().any(|(net, len)| match (net, addr) {
        (IpAddr::V4(n), IpAddr::V4(a)) => {
            let mask = if *len == 0 {
                0
            } else {
                u32::MAX << (32 - u32::from(*len))
            };
            u32::from(*n) & mask == u32::from(a) & mask
        }
        (IpAddr::V6(n), IpAddr::V6(a)) => {
            let mask = if *len == 0 {
                0
            } else {
                u128::MAX << (128 - u32::from(*len))
            };
            u128::from(*n) & mask == u128::from(a) & mask
        }
        _ => false,
    })))
}

/// A resource reference as stdlib's Ruby reads one: a reference value, or its text
/// (`User[bob]`).
fn reference(v: &Val) -> Option<ResourceRef> {
    match v {
        Val::Ref(r) => Some(r.clone()),
        Val::Type(Ty::Resource(Some(t), Some(title))) => Some(ResourceRef::new(t, title)),
        Val::Type(Ty::Class(Some(c))) => Some(ResourceRef::new("class", c)),
        Val::Str(s) => {
            let (t, rest) = s.split_once('[')?;
            let title = rest.strip_suffix(']')?;
            let title = title.trim_matches(|c| c == '\'' || c == '"');
            Some(ResourceRef::new(&t.to_lowercase(), title))
        }
        _ => None,
    }
}

/// Whether a resource with these parameters is declared (`defined_with_params`).
fn declared_with(c: &Compiler, r: &ResourceRef, params: &Map) -> bool {
    let Some(i) = c.lookup(r) else { return false };
    let res = &c.resources[i];
    params.iter().all(|(k, v)| {
        let have = res.attrs.get(&k.text());
        match have {
            None | Some(Val::Undef) => v.is_undef(),
            Some(h) => ruby_eq(h, v),
        }
    })
}

pub(super) fn defined_with_params(
    c: &mut Compiler,
    args: Vec<Val>,
    _: Option<&Lambda>,
    span: Span,
) -> R<Val> {
    let args = args3(args);
    let Some(first) = args
        .first()
        .filter(|v| !matches!(v, Val::Str(s) if s.is_empty()))
    else {
        return Err(c.stdlib_err("Must specify a reference", span));
    };
    let Some(r) = reference(first) else {
        return Err(c.stdlib_err(
            format!(
                "Reference is not understood: '{}'",
                super::ruby_class(first)
            ),
            span,
        ));
    };
    let params = match args.get(1) {
        Some(Val::Hash(h)) => h.clone(),
        _ => IndexMap::new(),
    };
    Ok(Val::Bool(declared_with(c, &r, &params)))
}

/// `ensure_resource(type, title(s), params)`: declare each resource unless one with the
/// same parameters exists (a different one is a duplicate declaration, as in Puppet).
fn ensure_one(c: &mut Compiler, ty: &str, titles: &Val, params: &Map, span: Span) -> R<()> {
    let mut flat = Vec::new();
    fn fl(v: &Val, out: &mut Vec<Val>) {
        match v {
            Val::Array(a) => a.iter().for_each(|x| fl(x, out)),
            v => out.push(v.clone()),
        }
    }
    fl(titles, &mut flat);
    let lower = ty.to_lowercase();
    for t in flat {
        let title = rs(&t);
        let r = if lower == "class" {
            ResourceRef::new("class", &title)
        } else {
            ResourceRef::new(&lower, &title)
        };
        if declared_with(c, &r, params) {
            continue;
        }
        let mut h = IndexMap::new();
        // The title as given: create_resources treats one that is not a string apart.
        h.insert(Key(t), Val::Hash(params.clone()));
        c.call_fn(
            "create_resources",
            vec![Val::Str(ty.to_string()), Val::Hash(h)],
            None,
            span,
        )?;
    }
    Ok(())
}

pub(super) fn ensure_resource(
    c: &mut Compiler,
    args: Vec<Val>,
    _: Option<&Lambda>,
    span: Span,
) -> R<Val> {
    let args = args3(args);
    let present = |i: usize| {
        args.get(i)
            .is_some_and(|v| !matches!(v, Val::Str(s) if s.is_empty()) || i == 1 && args.len() > 1)
    };
    if !present(0) {
        return Err(c.stdlib_err("Must specify a type", span));
    }
    if !present(1) {
        return Err(c.stdlib_err("Must specify a title", span));
    }
    let params = match args.get(2) {
        Some(Val::Hash(h)) => h.clone(),
        _ => IndexMap::new(),
    };
    ensure_one(c, &rs(&args[0]), &args[1], &params, span)?;
    Ok(Val::Undef)
}

pub(super) fn ensure_resources(
    c: &mut Compiler,
    args: Vec<Val>,
    _: Option<&Lambda>,
    span: Span,
) -> R<Val> {
    let args = args3(args);
    if args.is_empty() {
        return Err(c.stdlib_err("Must specify a type", span));
    }
    if args.len() < 2 {
        return Err(c.stdlib_err("Must specify a title", span));
    }
    let Val::Hash(items) = &args[1] else {
        return Err(c.stdlib_err(
            "ensure_resources(): Requires second argument to be a Hash",
            span,
        ));
    };
    let defaults = match args.get(2) {
        Some(Val::Hash(h)) => h.clone(),
        _ => IndexMap::new(),
    };
    let ty = rs(&args[0]);
    for (title, attrs) in items {
        let mut params = defaults.clone();
        if let Val::Hash(a) = attrs {
            for (k, v) in a {
                params.insert(k.clone(), v.clone());
            }
        }
        ensure_one(c, &ty, &title.0, &params, span)?;
    }
    Ok(Val::Undef)
}

pub(super) fn ensure_packages(
    c: &mut Compiler,
    args: Vec<Val>,
    _: Option<&Lambda>,
    span: Span,
) -> R<Val> {
    c.arity4("ensure_packages", &args, 1, 2, span)?;
    let ok = match &args[0] {
        Val::Str(s) => !s.is_empty(),
        Val::Array(a) => a.iter().all(|v| matches!(v, Val::Str(s) if !s.is_empty())),
        Val::Hash(h) => h
            .keys()
            .all(|k| matches!(k.as_str(), Some(s) if !s.is_empty())),
        _ => false,
    };
    if !ok {
        let got = types::value_label(&args[0]);
        return Err(c.stdlib_err(
            format!("'ensure_packages' parameter 'packages' expects a value of type String, Array, or Hash, got {got}"),
            span,
        ));
    }
    let mut defaults: Map = IndexMap::new();
    defaults.insert(Key::from("ensure"), Val::Str("installed".into()));
    match args.get(1) {
        None => {}
        Some(Val::Hash(h)) => {
            for (k, v) in h {
                defaults.insert(k.clone(), v.clone());
            }
            if defaults.get("ensure") == Some(&Val::Str("present".into())) {
                defaults.insert(Key::from("ensure"), Val::Str("installed".into()));
            }
        }
        Some(v) => {
            return Err(c.stdlib_err(
                format!(
                    "'ensure_packages' parameter 'default_attributes' expects a Hash value, got {}",
                    v.type_name()
                ),
                span,
            ))
        }
    }
    match &args[0] {
        Val::Hash(h) => {
            ensure_resources(
                c,
                vec![
                    Val::Str("package".into()),
                    Val::Hash(h.clone()),
                    Val::Hash(defaults),
                ],
                None,
                span,
            )?;
        }
        v => {
            let names = match v {
                Val::Array(a) => a.clone(),
                v => vec![v.clone()],
            };
            for n in names {
                ensure_one(c, "package", &n, &defaults, span)?;
            }
        }
    }
    Ok(Val::Undef)
}

pub(super) fn getparam(c: &mut Compiler, args: Vec<Val>, _: Option<&Lambda>, span: Span) -> R<Val> {
    let args = args3(args);
    let Some(first) = args
        .first()
        .filter(|v| !matches!(v, Val::Str(s) if s.is_empty()))
    else {
        return Err(c.stdlib_err("Must specify a reference", span));
    };
    let Some(Val::Str(param)) = args.get(1) else {
        return Err(c.stdlib_err("Must specify name of a parameter", span));
    };
    if param.is_empty() {
        return Ok(Val::Str(String::new()));
    }
    let Some(r) = reference(first) else {
        return Err(c.stdlib_err(
            format!(
                "No title provided and {} is not a valid resource reference",
                ri(&Val::Str(rs(first)))
            ),
            span,
        ));
    };
    let v = c
        .lookup(&r)
        .and_then(|i| c.resources[i].attrs.get(param).cloned());
    Ok(match v {
        Some(v) if !v.is_undef() => v,
        _ => Val::Str(String::new()),
    })
}

/// A top-scope (fact) variable, if set.
fn top_var(c: &Compiler, name: &str) -> Option<Val> {
    c.find_var(&format!("::{name}")).cloned()
}

pub(super) fn has_interface_with(
    c: &mut Compiler,
    args: Vec<Val>,
    _: Option<&Lambda>,
    span: Span,
) -> R<Val> {
    let args = args3(args);
    if args.is_empty() || args.len() > 2 {
        return Err(c.stdlib_err(
            format!(
                "has_interface_with(): Wrong number of arguments given ({} for 1 or 2)",
                args.len()
            ),
            span,
        ));
    }
    let Some(ifaces) = top_var(c, "interfaces").filter(|v| !v.is_undef()) else {
        return Ok(Val::Bool(false));
    };
    let ifaces: Vec<String> = rs(&ifaces).split(',').map(str::to_string).collect();
    if args.len() == 1 {
        return Ok(Val::Bool(
            ifaces.iter().any(|i| Val::Str(i.clone()) == args[0]),
        ));
    }
    let kind = rs(&args[0]);
    if top_var(c, &kind).as_ref() == Some(&args[1]) {
        return Ok(Val::Bool(true));
    }
    Ok(Val::Bool(ifaces.iter().any(|i| {
        top_var(c, &format!("{kind}_{}", i.to_lowercase())).as_ref() == Some(&args[1])
    })))
}

fn has_kind(c: &mut Compiler, name: &str, kind: &str, args: Vec<Val>, span: Span) -> R<Val> {
    let args = args3(args);
    exactly(c, name, &args, 1, true, span)?;
    has_interface_with(c, vec![Val::Str(kind.into()), args[0].clone()], None, span)
}

pub(super) fn has_ip_address(
    c: &mut Compiler,
    args: Vec<Val>,
    _: Option<&Lambda>,
    span: Span,
) -> R<Val> {
    has_kind(c, "has_ip_address", "ipaddress", args, span)
}

pub(super) fn has_ip_network(
    c: &mut Compiler,
    args: Vec<Val>,
    _: Option<&Lambda>,
    span: Span,
) -> R<Val> {
    has_kind(c, "has_ip_network", "network", args, span)
}

pub(super) fn str2resource(
    c: &mut Compiler,
    args: Vec<Val>,
    _: Option<&Lambda>,
    span: Span,
) -> R<Val> {
    let name = "stdlib::str2resource";
    c.arity4(name, &args, 1, 1, span)?;
    let Val::Str(s) = &args[0] else {
        return Err(c.stdlib_err(
            format!(
                "'{name}' parameter 'res_string' expects a String value, got {}",
                args[0].type_name()
            ),
            span,
        ));
    };
    let found = reference(&args[0]).filter(|r| c.lookup(r).is_some());
    match found {
        Some(r) => Ok(Val::Ref(r)),
        None => {
            let (t, title) = s
                .split_once('[')
                .map_or((s.as_str(), ""), |(t, r)| (t, r.trim_end_matches(']')));
            let t = t
                .split("::")
                .map(|p| {
                    let mut cs = p.chars();
                    cs.next().map_or(String::new(), |f| {
                        f.to_uppercase().collect::<String>() + &cs.as_str().to_lowercase()
                    })
                })
                .collect::<Vec<_>>()
                .join("::");
            Err(c.stdlib_err(
                format!("stdlib::str2resource(): could not find {t}[{title}], this is parse order dependent and values should not be quoted"),
                span,
            ))
        }
    }
}

/// The module a class or define scope belongs to (`apt` for `apt::update`), or `""` for
/// top and node scopes; and the scope's own name, for the message.
fn scope_module(
    c: &Compiler,
    mut id: crate::eval::scope::ScopeId,
) -> (String, Option<(bool, String)>, Option<usize>) {
    use crate::eval::scope::ScopeKind;
    while c.scopes[id].kind == ScopeKind::Local {
        match c.scopes[id].parent {
            Some(p) => id = p,
            None => break,
        }
    }
    let s = &c.scopes[id];
    if s.kind != ScopeKind::Named {
        return (String::new(), None, None);
    }
    let Some(r) = &s.container else {
        return (String::new(), None, s.parent);
    };
    let (is_class, name) = if r.is_class() {
        (true, r.title.to_lowercase())
    } else {
        (false, r.type_name.to_lowercase())
    };
    let module = name.split("::").next().unwrap_or_default().to_string();
    (module, Some((is_class, name)), s.parent)
}

/// stdlib's `assert_private([message])`: fail unless the current class or define is
/// declared from its own module.
pub(super) fn assert_private(
    c: &mut Compiler,
    args: Vec<Val>,
    _: Option<&Lambda>,
    span: Span,
) -> R<Val> {
    let args = args3(args);
    if args.len() > 1 {
        return Err(c.stdlib_err(
            format!(
                "assert_private(): Wrong number of arguments given ({}}}) for 0 or 1)",
                args.len()
            ),
            span,
        ));
    }
    let (module, me, parent) = scope_module(c, c.scope);
    let caller = match parent {
        Some(p) => scope_module(c, p).0,
        None => String::new(),
    };
    if module == caller {
        return Ok(Val::Undef);
    }
    let msg = match (args.first(), me) {
        (Some(Val::Str(m)), _) => m.clone(),
        (_, Some((true, name))) => format!("Class {name} is private"),
        (_, Some((false, name))) => format!("Definition {name} is private"),
        (_, None) => "Class main is private".to_string(),
    };
    Err(c.err("private", msg, span))
}

/// SHA-1 (FIPS 180-4), only for `fqdn_uuid`'s name-based UUIDs: RFC 4122 version 5 is
/// defined over SHA-1, which the workspace's `sha2` does not provide.
fn sha1(data: &[u8]) -> [u8; 20] {
    let mut h: [u32; 5] = [
        0x6745_2301,
        0xEFCD_AB89,
        0x98BA_DCFE,
        0x1032_5476,
        0xC3D2_E1F0,
    ];
    let mut msg = data.to_vec();
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend_from_slice(&((data.len() as u64) * 8).to_be_bytes());
    for chunk in msg.chunks(64) {
        let mut w = [0u32; 80];
        for (i, b) in chunk.chunks(4).enumerate() {
            w[i] = u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
        }
        for i in 16..80 {
            w[i] = (w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]).rotate_left(1);
        }
        let [mut a, mut b, mut c, mut d, mut e] = h;
        for (i, wi) in w.iter().enumerate() {
            let (f, k) = match i {
                0..=19 => ((b & c) | (!b & d), 0x5A82_7999),
                20..=39 => (b ^ c ^ d, 0x6ED9_EBA1),
                40..=59 => ((b & c) | (b & d) | (c & d), 0x8F1B_BCDC),
                _ => (b ^ c ^ d, 0xCA62_C1D6),
            };
            let t = a
                .rotate_left(5)
                .wrapping_add(f)
                .wrapping_add(e)
                .wrapping_add(k)
                .wrapping_add(*wi);
            e = d;
            d = c;
            c = b.rotate_left(30);
            b = a;
            a = t;
        }
        for (x, y) in h.iter_mut().zip([a, b, c, d, e]) {
            *x = x.wrapping_add(y);
        }
    }
    let mut out = [0u8; 20];
    for (i, x) in h.iter().enumerate() {
        out[i * 4..i * 4 + 4].copy_from_slice(&x.to_be_bytes());
    }
    out
}

/// stdlib's `fqdn_uuid(fqdn)`: the RFC 4122 version 5 UUID of a name in the DNS namespace.
pub(super) fn fqdn_uuid(
    c: &mut Compiler,
    args: Vec<Val>,
    _: Option<&Lambda>,
    span: Span,
) -> R<Val> {
    let args = args3(args);
    if args.is_empty() {
        return Err(c.stdlib_err("fqdn_uuid: No arguments given", span));
    }
    if args.len() != 1 {
        return Err(c.stdlib_err(
            format!("fqdn_uuid: Too many arguments given ({})", args.len()),
            span,
        ));
    }
    let Val::Str(fqdn) = &args[0] else {
        return Err(c.stdlib_err(
            format!(
                "no implicit conversion of {} into String",
                super::ruby_class(&args[0])
            ),
            span,
        ));
    };
    const DNS: [u8; 16] = [
        0x6b, 0xa7, 0xb8, 0x10, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30,
        0xc8,
    ];
    let mut data = DNS.to_vec();
    data.extend_from_slice(fqdn.as_bytes());
    let mut b = sha1(&data);
    b[6] = (b[6] & 0x0f) | 0x50;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex =
        |r: std::ops::Range<usize>| b[r].iter().map(|x| format!("{x:02x}")).collect::<String>();
    Ok(Val::Str(format!(
        "{}-{}-{}-{}-{}",
        hex(0..4),
        hex(4..6),
        hex(6..8),
        hex(8..10),
        hex(10..16)
    )))
}
