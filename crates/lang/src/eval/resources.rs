//! Resources: declarations, defaults, overrides, virtual resources and collectors,
//! chaining arrows, and turning it all into the catalog at the end.

use super::index::RefIndex;
use super::ops::equals as puppet_eq;
use super::scope::{DefaultAttr, ScopeId};
use super::value::Val;
use super::{closest, unroot, Compiler, Halt, R};
use crate::ast::{Arrow, Attr, AttrOp, Expr, ExprKind, Query, ResourceBody, Span};
use converge_catalog::{
    capitalize_type, AttrMap, Catalog, Diagnostic, Edge, EdgeKind, EdgeOrigin, Location, Resource,
    ResourceRef,
};
use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use indexmap::IndexMap;
use std::borrow::Cow;

/// Resource types converge knows without a define.
pub(crate) const BUILTIN_TYPES: &[&str] = &[
    "package",
    "file",
    "service",
    "exec",
    "file_line",
    "notify",
    "user",
    "group",
    "host",
    "cron",
    "nginx_directive",
    "nginx_server",
    "nginx_location",
    "nginx_upstream",
    "http_check",
    // The Forge modules' Ruby types, native in converge-providers.
    "anchor",
    "concat_file",
    "concat_fragment",
    "ini_setting",
    "ini_subsetting",
    "apt_key",
    "stage",
];

/// Metaparameters every resource, class and define accepts.
pub(crate) const METAPARAMS: &[&str] = &[
    "require",
    "before",
    "notify",
    "subscribe",
    "alias",
    "tag",
    "noop",
    "loglevel",
    "audit",
    "schedule",
    "stage",
];

/// The metaparameters that become edges instead of parameters.
const RELATIONSHIPS: &[&str] = &["before", "notify", "require", "subscribe"];

/// A resource while compiling.
#[derive(Debug, Clone)]
pub(crate) struct Res {
    pub(crate) type_name: String,
    pub(crate) title: String,
    pub(crate) rref: ResourceRef,
    pub(crate) attrs: ResAttrs,
    pub(crate) loc: Location,
    pub(crate) container: Option<ResourceRef>,
    pub(crate) is_container: bool,
    pub(crate) is_define: bool,
    pub(crate) evaluated: bool,
    pub(crate) is_virtual: bool,
    pub(crate) tags: Vec<String>,
    pub(crate) scope: ScopeId,
    pub(crate) depth: usize,
}

/// A resource's attributes while compiling, in the order set. A resource has few, so a
/// vector searched by name: no hash tables per resource, and no second copy of each name
/// for its location (the catalog's maps are built once, when the catalog is finished).
#[derive(Debug, Clone, Default)]
pub(crate) struct ResAttrs(Vec<ResAttr>);

/// One attribute of a resource being compiled.
#[derive(Debug, Clone)]
pub(crate) struct ResAttr {
    pub(crate) name: String,
    pub(crate) val: Val,
    /// Where it was set; `None` for class parameters that took their default.
    pub(crate) loc: Option<Location>,
}

impl ResAttrs {
    /// An attribute's value, if set.
    pub(crate) fn get(&self, name: &str) -> Option<&Val> {
        self.0.iter().find(|a| a.name == name).map(|a| &a.val)
    }

    /// Set an attribute, keeping its place when already set. A location replaces the one
    /// recorded; `None` keeps it.
    pub(crate) fn set(&mut self, name: &str, val: Val, loc: Option<Location>) {
        match self.0.iter_mut().find(|a| a.name == name) {
            Some(a) => {
                a.val = val;
                if loc.is_some() {
                    a.loc = loc;
                }
            }
            None => self.0.push(ResAttr {
                name: name.to_string(),
                val,
                loc,
            }),
        }
    }

    /// The attributes in the order set.
    pub(crate) fn iter(&self) -> std::slice::Iter<'_, ResAttr> {
        self.0.iter()
    }

    /// How many attributes are set.
    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }
}

impl From<Vec<AttrVal>> for ResAttrs {
    /// Attributes as evaluated (their names are distinct: `eval_attrs` rejects repeats).
    fn from(attrs: Vec<AttrVal>) -> Self {
        ResAttrs(
            attrs
                .into_iter()
                .map(|a| ResAttr {
                    name: a.name,
                    val: a.val,
                    loc: Some(a.loc),
                })
                .collect(),
        )
    }
}

impl IntoIterator for ResAttrs {
    type Item = ResAttr;
    type IntoIter = std::vec::IntoIter<ResAttr>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

/// An evaluated attribute operation.
#[derive(Debug, Clone)]
pub(crate) struct AttrVal {
    pub(crate) name: String,
    pub(crate) val: Val,
    pub(crate) loc: Location,
    pub(crate) append: bool,
}

/// A collector query with its values evaluated.
#[derive(Debug, Clone)]
pub(crate) enum CQuery {
    Eq(String, Val),
    Ne(String, Val),
    And(Box<CQuery>, Box<CQuery>),
    Or(Box<CQuery>, Box<CQuery>),
}

/// A collector `Type <| query |>`.
#[derive(Debug, Clone)]
pub(crate) struct Collector {
    pub(crate) type_name: String,
    pub(crate) query: Option<CQuery>,
    pub(crate) matched: Vec<usize>,
    pub(crate) overrides: Vec<AttrVal>,
}

/// A resource override `File['/x'] { mode => '0600' }`.
#[derive(Debug, Clone)]
pub(crate) struct Override {
    pub(crate) refs: Vec<ResourceRef>,
    pub(crate) attrs: Vec<AttrVal>,
    pub(crate) loc: Location,
    /// The scope the override was written in (only it or a subclass may override).
    pub(crate) scope: ScopeId,
}

/// One side of a chaining arrow.
#[derive(Debug, Clone)]
pub(crate) enum Operand {
    Ref(ResourceRef),
    Collector(usize),
}

/// A chaining arrow, resolved when the catalog is finished.
#[derive(Debug, Clone)]
pub(crate) struct ChainRel {
    pub(crate) from: Vec<Operand>,
    pub(crate) to: Vec<Operand>,
    pub(crate) kind: EdgeKind,
    pub(crate) origin: EdgeOrigin,
    pub(crate) loc: Location,
}

/// Tags a type name gives: `web::vhost` → `web::vhost`, `web`, `vhost`.
pub(crate) fn name_tags(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    push_name_tags(&mut out, name);
    out
}

/// Append the tags a type name gives (see [`name_tags`]) to `out`.
fn push_name_tags(out: &mut Vec<String>, name: &str) {
    // Once per declared resource: ASCII names lowercase without Unicode tables, and a name
    // without `::` (most) is its only tag.
    let name = if name.is_ascii() {
        name.to_ascii_lowercase()
    } else {
        name.to_lowercase()
    };
    if name.contains(':') && name.contains("::") {
        out.push(name.clone());
        out.extend(name.split("::").map(str::to_string));
    } else {
        out.push(name);
    }
}

fn push_unique(tags: &mut Vec<String>, more: impl IntoIterator<Item = String>) {
    for t in more {
        if !tags.contains(&t) {
            tags.push(t);
        }
    }
}

impl Compiler {
    /// `type { title: attrs; ... }`: its value is the references declared, made only when
    /// `want_value` (a statement's value is read only when it is the last of a block).
    pub(crate) fn eval_resource(
        &mut self,
        type_name: &str,
        is_virtual: bool,
        is_exported: bool,
        bodies: &[ResourceBody],
        span: Span,
        want_value: bool,
    ) -> R<Val> {
        // Written in lowercase nearly always: then used as it is, not copied.
        let ty = unroot(type_name);
        let ty: Cow<str> = if ty.bytes().any(|b| b.is_ascii_uppercase()) || !ty.is_ascii() {
            Cow::Owned(ty.to_lowercase())
        } else {
            Cow::Borrowed(ty)
        };
        let is_define = if ty == "class" {
            false
        } else {
            self.check_type(&ty, span)?
        };
        let mut default_attrs: Vec<AttrVal> = Vec::new();
        for b in bodies {
            if matches!(b.title.kind, ExprKind::Default) {
                default_attrs = self.eval_attrs(&b.attrs, false)?;
            }
        }
        // What the expression evaluates to: one reference (nearly always), kept out of a
        // vector, or several.
        let mut only: Option<Val> = None;
        let mut refs = Vec::new();
        let mut push_ref = |v: Val| {
            if only.is_none() && refs.is_empty() {
                only = Some(v);
            } else {
                refs.extend(only.take());
                refs.push(v);
            }
        };
        let mut failed = false;
        for b in bodies {
            if matches!(b.title.kind, ExprKind::Default) {
                continue;
            }
            let r = (|| -> R<()> {
                // One title (nearly always) goes without a vector.
                let (one, many) = match self.eval(&b.title)? {
                    Val::Str(s) if !s.is_empty() => (Some(s), Vec::new()),
                    v => (None, self.titles(v, b.title.span)?),
                };
                let mut attrs = self.eval_attrs(&b.attrs, false)?;
                for d in &default_attrs {
                    if !attrs.iter().any(|a| a.name == d.name) {
                        attrs.push(d.clone());
                    }
                }
                let loc = self.loc(b.title.span);
                let n = usize::from(one.is_some()) + many.len();
                for (k, t) in one.into_iter().chain(many).enumerate() {
                    // The last title takes the attributes; the others get copies.
                    let attrs = if k + 1 == n {
                        std::mem::take(&mut attrs)
                    } else {
                        attrs.clone()
                    };
                    if ty == "class" {
                        push_ref(Val::Ref(self.declare_class(
                            &t,
                            Some(attrs),
                            loc.clone(),
                            false,
                        )?));
                    } else {
                        let idx = self.declare(
                            &ty,
                            t,
                            attrs,
                            loc.clone(),
                            is_virtual || is_exported,
                            is_define,
                        )?;
                        if want_value {
                            push_ref(Val::Ref(self.resources[idx].rref.clone()));
                        }
                    }
                }
                Ok(())
            })();
            match r {
                Ok(()) => {}
                Err(Halt::Error) => failed = true,
                Err(h) => return Err(h),
            }
        }
        if failed {
            return Err(Halt::Error);
        }
        Ok(only.unwrap_or(Val::Array(refs)))
    }

    /// Run stages (stdlib's `stdlib::stages` declares them): when any is declared, the
    /// implicit `Stage[main]` exists, and a class with `stage => x` is contained in
    /// `Stage[x]`, so that stage ordering orders the classes. Classes without a stage stay
    /// uncontained (Puppet puts them in `Stage[main]`): ordering them after a stage before
    /// main needs an explicit relationship in converge.
    fn place_in_stages(&mut self) {
        let Some(first) = self.resources.iter().position(|r| r.type_name == "stage") else {
            return;
        };
        let main = ResourceRef::new("stage", "main");
        if self.lookup(&main).is_none() {
            let r = &self.resources[first];
            let res = Res {
                type_name: "stage".into(),
                title: "main".into(),
                rref: main.clone(),
                attrs: ResAttrs::default(),
                loc: r.loc.clone(),
                container: None,
                is_container: true,
                is_define: false,
                evaluated: true,
                is_virtual: false,
                tags: vec!["stage".into()],
                scope: self.top,
                depth: 0,
            };
            let idx = self.resources.len();
            self.resources.push(res);
            self.index.insert(idx, |i| &self.resources[i].rref);
        }
        for i in 0..self.resources.len() {
            if self.resources[i].type_name != "class" || self.resources[i].container.is_some() {
                continue;
            }
            if let Some(Val::Str(st)) = self.resources[i].attrs.get("stage").cloned() {
                let sref = ResourceRef::new("stage", &st);
                if st != "main" && self.lookup(&sref).is_some() {
                    self.resources[i].container = Some(sref);
                }
            }
        }
    }

    /// A file `source` of `puppet:///modules/<module>/<path>` URLs none of which exists
    /// in `<module>/files/` on the module path: found now, not half-way through an apply.
    fn missing_module_source(
        &self,
        title: &str,
        src: &converge_catalog::Value,
        at: Location,
    ) -> Option<Diagnostic> {
        let mut tried = Vec::new();
        for s in src.as_list() {
            let s = s.to_string();
            let rest = s.strip_prefix("puppet:///modules/")?;
            let (module, file) = rest.split_once('/')?;
            let path = self.module_dir(module).map(|d| d.join("files").join(file));
            match path {
                Some(p) if p.is_file() => return None,
                Some(p) => tried.push(p.display().to_string()),
                None => tried.push(format!(
                    "{module}/files/{file} (no module '{module}' in the module path)"
                )),
            }
        }
        Some(
            Diagnostic::error(
                "missing-source",
                format!("Could not find the source of File[{title}]: {}", tried.join(", ")),
            )
            .at(Some(at))
            .with_hint("puppet:///modules/MODULE/PATH is the file MODULE/files/PATH of a module on the module path"),
        )
    }

    /// Whether a type is a define (`Ok(true)`), a built-in (`Ok(false)`), or unknown (error).
    pub(crate) fn check_type(&mut self, ty: &str, span: Span) -> R<bool> {
        if BUILTIN_TYPES.contains(&ty) {
            return Ok(false);
        }
        if self.find_define(ty).is_some() {
            return Ok(true);
        }
        if let Some(rb) = self.ruby_type_file(ty) {
            return Err(self.ruby_only("resource type", ty, rb, span));
        }
        let loc = self.loc(span);
        let mut d = Diagnostic::error(
            "unknown-resource-type",
            format!("Unknown resource type: '{ty}'"),
        )
        .at(Some(loc));
        if self.find_class(ty).is_some() {
            d = d.with_hint(format!(
                "'{ty}' is a class: declare it with `include {ty}` or `class {{ '{ty}': }}`"
            ));
        } else {
            let names: Vec<String> = BUILTIN_TYPES
                .iter()
                .map(|s| s.to_string())
                .chain(self.defines.keys().cloned())
                .collect();
            if let Some(c) = closest(ty, names.iter().map(String::as_str)) {
                d = d.with_hint(format!("did you mean '{c}'?"));
            }
        }
        self.diags.push(d);
        Err(Halt::Error)
    }

    fn titles(&mut self, v: Val, span: Span) -> R<Vec<String>> {
        fn flatten(v: Val, out: &mut Vec<Val>) {
            match v {
                Val::Array(a) => a.into_iter().for_each(|x| flatten(x, out)),
                v => out.push(v),
            }
        }
        let mut items = Vec::new();
        flatten(v, &mut items);
        let mut out = Vec::with_capacity(items.len());
        for (index, it) in items.into_iter().enumerate() {
            match it {
                Val::Undef => {
                    return Err(self.err(
                        "missing-title",
                        "Missing title. The title expression resulted in undef",
                        span,
                    ))
                }
                Val::Str(s) if s.is_empty() => {
                    return Err(self.err(
                        "missing-title",
                        "Missing title. The title expression resulted in an empty string",
                        span,
                    ))
                }
                Val::Str(s) => out.push(s),
                Val::Ref(r) if r.is_class() => out.push(r.title.to_lowercase()),
                // Puppet takes strings only (a class reference names a class): `5` is an
                // error, not the title "5" (create_resources is another matter).
                v @ (Val::Int(_)
                | Val::Float(_)
                | Val::Bool(_)
                | Val::Hash(_)
                | Val::Type(_)
                | Val::Ref(_)
                | Val::Regex(_)) => {
                    let got = super::types::generalize(&super::types::infer(&v));
                    return Err(self.err(
                        "illegal-title",
                        format!("Illegal title type at index {index}. Expected String, got {got}"),
                        span,
                    ));
                }
                v => out.push(v.to_string()),
            }
        }
        Ok(out)
    }

    /// Evaluate attribute operations, expanding `*` splats and rejecting duplicates.
    pub(crate) fn eval_attrs(&mut self, attrs: &[Attr], allow_append: bool) -> R<Vec<AttrVal>> {
        let mut out: Vec<AttrVal> = Vec::with_capacity(attrs.len());
        for a in attrs {
            let loc = self.loc(a.name_span);
            let val = self.eval(&a.value)?;
            if a.op == AttrOp::Append && !allow_append {
                return Err(self.err(
                    "illegal-append",
                    format!(
                        "Illegal +> operation on attribute {}. This operator can not be used in a Resource Expression",
                        a.name
                    ),
                    a.span,
                ));
            }
            let append = a.op == AttrOp::Append;
            if a.name != "*" {
                // The common case, without the splat's intermediate vector.
                self.push_attr(&mut out, a.name.clone(), val, loc, append)?;
                continue;
            }
            let items: Vec<(String, Val)> = match val {
                Val::Hash(h) => h.into_iter().map(|(k, v)| (k.text(), v)).collect(),
                Val::Undef => Vec::new(),
                v => {
                    return Err(self.err(
                        "type-mismatch",
                        format!(
                            "The splat attribute '*' expects a Hash, got {}",
                            v.type_name()
                        ),
                        a.span,
                    ))
                }
            };
            for (name, val) in items {
                self.push_attr(&mut out, name, val, loc.clone(), append)?;
            }
        }
        Ok(out)
    }

    /// Add one evaluated attribute, rejecting a second value for the same name.
    fn push_attr(
        &mut self,
        out: &mut Vec<AttrVal>,
        name: String,
        val: Val,
        loc: Location,
        append: bool,
    ) -> R<()> {
        if let Some(prev) = out.iter().find(|p| p.name == name) {
            let prev_loc = prev.loc.clone();
            self.diags.push(
                Diagnostic::error(
                    "duplicate-attribute",
                    format!("The attribute '{name}' has already been set"),
                )
                .at(Some(loc))
                .with_label(prev_loc, "first set here"),
            );
            return Err(Halt::Error);
        }
        out.push(AttrVal {
            name,
            val,
            loc,
            append,
        });
        Ok(())
    }

    /// Add a resource to the catalog; returns its number.
    pub(crate) fn declare(
        &mut self,
        ty: &str,
        title: String,
        attrs: Vec<AttrVal>,
        loc: Location,
        is_virtual: bool,
        is_define: bool,
    ) -> R<usize> {
        let rref = ResourceRef::new(ty, &title);
        if let Some(prev) = self.lookup(&rref) {
            let p = self.resources[prev].loc.clone();
            self.diags.push(
                Diagnostic::error(
                    "duplicate-declaration",
                    format!(
                        "Duplicate declaration: {rref} is already declared at (file: {}, line: {}); cannot redeclare",
                        p.file, p.line
                    ),
                )
                .at(Some(loc))
                .with_label(p, "first declared here"),
            );
            return Err(Halt::Error);
        }
        let scope = &self.scopes[self.scope];
        // Sized for the scope's tags up front, each copied only when new (not
        // `push_unique`, which copies first).
        let mut tags = Vec::with_capacity(1 + scope.tags.len());
        push_name_tags(&mut tags, ty);
        for t in &scope.tags {
            if !tags.contains(t) {
                tags.push(t.clone());
            }
        }
        let res = Res {
            type_name: ty.to_string(),
            title,
            rref,
            attrs: ResAttrs::from(attrs),
            loc,
            // A run stage is never contained; it contains the classes assigned to it.
            container: if ty == "stage" {
                None
            } else {
                scope.container.clone()
            },
            is_container: is_define || ty == "stage",
            is_define,
            evaluated: false,
            is_virtual,
            tags,
            scope: self.scope,
            depth: self.define_depth + 1,
        };
        let idx = self.resources.len();
        if idx >= super::MAX_RESOURCES {
            self.diags.push(
                Diagnostic::error(
                    "too-large",
                    format!(
                        "The catalog grew beyond {} resources (runaway defined types?)",
                        super::MAX_RESOURCES
                    ),
                )
                .at(Some(res.loc)),
            );
            return Err(Halt::Fatal);
        }
        self.resources.push(res);
        self.index.insert(idx, |i| &self.resources[i].rref);
        if is_define && !is_virtual {
            self.pending_defines.push_back(idx);
        }
        Ok(idx)
    }

    /// `File { mode => '0644' }`: defaults for the current scope and those it evaluates.
    pub(crate) fn eval_defaults(&mut self, type_name: &str, attrs: &[Attr], span: Span) -> R<Val> {
        let ty = unroot(type_name).to_lowercase();
        if ty != "class" {
            self.check_type(&ty, span)?;
        }
        let attrs = self.eval_attrs(attrs, false)?;
        let sid = self.scope;
        let entry = self.scopes[sid].defaults.entry(ty).or_default();
        for a in attrs {
            entry.insert(
                a.name.clone(),
                DefaultAttr {
                    val: a.val,
                    loc: a.loc,
                },
            );
        }
        Ok(Val::Undef)
    }

    /// `File['/x'] { mode => '0600' }` or `File <| |> { mode => '0600' }`.
    pub(crate) fn eval_override(&mut self, target: &Expr, attrs: &[Attr], span: Span) -> R<Val> {
        let t = self.eval(target)?;
        let attrs = self.eval_attrs(attrs, true)?;
        let mut refs = Vec::new();
        let mut stack = vec![t];
        while let Some(v) = stack.pop() {
            match v {
                Val::Ref(r) => refs.push(r),
                Val::Array(a) => stack.extend(a.into_iter().rev()),
                Val::Collector(id) => {
                    if let Some(c) = self.collectors.get_mut(id) {
                        c.overrides.extend(attrs.iter().cloned());
                    }
                }
                v => {
                    return Err(self.err(
                        "type-mismatch",
                        format!(
                            "A resource override needs resource references, got {}",
                            v.type_name()
                        ),
                        span,
                    ))
                }
            }
        }
        // A define instance not yet evaluated takes the override now, as Puppet merges an
        // override into a resource that exists: its body, evaluated later, sees the new
        // values (haproxy's `Concat[$config] { validate_cmd => ... }`). The rest, and
        // an override the scope may not make (reported at the end), wait for the finish.
        let scope = self.scope;
        refs.retain(|r| match self.lookup(r) {
            Some(i)
                if self.resources[i].is_define
                    && !self.resources[i].evaluated
                    && self.may_override(scope, self.resources[i].scope) =>
            {
                for a in &attrs {
                    self.apply_attr(i, a);
                }
                false
            }
            _ => true,
        });
        if !refs.is_empty() {
            let loc = self.loc(span);
            self.overrides.push(Override {
                refs,
                attrs,
                loc,
                scope,
            });
        }
        Ok(Val::Undef)
    }

    /// `Type <| query |>`.
    pub(crate) fn eval_collector(
        &mut self,
        type_name: &str,
        query: Option<&Query>,
        is_exported: bool,
        span: Span,
    ) -> R<Val> {
        let ty = unroot(type_name).to_lowercase();
        self.check_type(&ty, span)?;
        if is_exported {
            self.warn(
                "exported-resources",
                "Exported resources need PuppetDB; this collector only sees resources exported by this node",
                span,
            );
        }
        let query = match query {
            Some(q) => Some(self.eval_query(q)?),
            None => None,
        };
        self.collectors.push(Collector {
            type_name: ty,
            query,
            matched: Vec::new(),
            overrides: Vec::new(),
        });
        Ok(Val::Collector(self.collectors.len() - 1))
    }

    fn eval_query(&mut self, q: &Query) -> R<CQuery> {
        Ok(match q {
            Query::Eq(a, e) => CQuery::Eq(a.clone(), self.eval(e)?),
            Query::Ne(a, e) => CQuery::Ne(a.clone(), self.eval(e)?),
            Query::And(a, b) => {
                CQuery::And(Box::new(self.eval_query(a)?), Box::new(self.eval_query(b)?))
            }
            Query::Or(a, b) => {
                CQuery::Or(Box::new(self.eval_query(a)?), Box::new(self.eval_query(b)?))
            }
        })
    }

    fn query_matches(res: &Res, q: &CQuery) -> bool {
        let eq = |attr: &str, v: &Val| -> bool {
            match attr {
                "title" => puppet_eq(&Val::Str(res.title.clone()), v),
                "tag" => {
                    let t = v.to_string().to_lowercase();
                    res.tags.contains(&t)
                        || res.attrs.get("tag").is_some_and(|p| match p {
                            Val::Array(a) => a.iter().any(|x| puppet_eq(x, v)),
                            x => puppet_eq(x, v),
                        })
                }
                _ => match res.attrs.get(attr) {
                    Some(Val::Array(a)) => a.iter().any(|x| puppet_eq(x, v)),
                    Some(x) => puppet_eq(x, v),
                    None => false,
                },
            }
        };
        match q {
            CQuery::Eq(a, v) => eq(a, v),
            CQuery::Ne(a, v) => !eq(a, v),
            CQuery::And(a, b) => Self::query_matches(res, a) && Self::query_matches(res, b),
            CQuery::Or(a, b) => Self::query_matches(res, a) || Self::query_matches(res, b),
        }
    }

    /// Run every collector; returns whether it realized anything new.
    pub(crate) fn run_collectors(&mut self) -> bool {
        let mut progress = false;
        for ci in 0..self.collectors.len() {
            let (ty, query) = (
                self.collectors[ci].type_name.clone(),
                self.collectors[ci].query.clone(),
            );
            let seen: HashSet<usize> = self.collectors[ci].matched.iter().copied().collect();
            let mut new = Vec::new();
            for (i, r) in self.resources.iter().enumerate() {
                if r.type_name == ty
                    && !seen.contains(&i)
                    && query.as_ref().is_none_or(|q| Self::query_matches(r, q))
                {
                    new.push(i);
                }
            }
            for i in new {
                if self.realize_idx(i) {
                    progress = true;
                }
                self.collectors[ci].matched.push(i);
            }
        }
        // `realize()` of resources declared after the call.
        let pending = std::mem::take(&mut self.pending_realize);
        for (r, loc) in pending {
            match self.lookup(&r) {
                Some(i) => {
                    if self.realize_idx(i) {
                        progress = true;
                    }
                }
                None => self.pending_realize.push((r, loc)),
            }
        }
        progress
    }

    /// Make a virtual resource real; returns whether it was virtual.
    pub(crate) fn realize_idx(&mut self, i: usize) -> bool {
        let r = &mut self.resources[i];
        if !r.is_virtual {
            return false;
        }
        r.is_virtual = false;
        if r.is_define && !r.evaluated {
            self.pending_defines.push_back(i);
        }
        true
    }

    /// `realize(File['/x'])`.
    pub(crate) fn realize_ref(&mut self, r: ResourceRef, loc: Location) {
        match self.lookup(&r) {
            Some(i) => {
                self.realize_idx(i);
            }
            None => self.pending_realize.push((r, loc)),
        }
    }

    /// `a -> b`, `a ~> b`, `b <- a`, `b <~ a`.
    pub(crate) fn eval_chain(
        &mut self,
        arrow: Arrow,
        lhs: &Expr,
        rhs: &Expr,
        span: Span,
    ) -> R<Val> {
        let l = self.eval(lhs)?;
        let r = self.eval(rhs)?;
        let lo = self.operands(&l, lhs.span)?;
        let ro = self.operands(&r, rhs.span)?;
        let loc = self.loc(span);
        let (from, to, kind) = match arrow {
            Arrow::Before => (lo, ro, EdgeKind::Before),
            Arrow::Notify => (lo, ro, EdgeKind::Notify),
            Arrow::RevBefore => (ro, lo, EdgeKind::Before),
            Arrow::RevNotify => (ro, lo, EdgeKind::Notify),
        };
        self.chains.push(ChainRel {
            from,
            to,
            kind,
            origin: EdgeOrigin::Chain,
            loc,
        });
        Ok(r)
    }

    fn operands(&mut self, v: &Val, span: Span) -> R<Vec<Operand>> {
        let mut out = Vec::new();
        match v {
            Val::Ref(r) => out.push(Operand::Ref(r.clone())),
            Val::Collector(c) => out.push(Operand::Collector(*c)),
            Val::Array(a) => {
                for x in a {
                    out.extend(self.operands(x, span)?);
                }
            }
            Val::Str(s) => match ResourceRef::parse(s) {
                Ok(r) => out.push(Operand::Ref(r)),
                Err(_) => {
                    return Err(self.err(
                        "type-mismatch",
                        format!("Illegal relationship operand, can not form a relationship with a String: '{s}'"),
                        span,
                    ))
                }
            },
            v => {
                return Err(self.err(
                    "type-mismatch",
                    format!("Illegal relationship operand, can not form a relationship with {}", super::expr::a_type(v)),
                    span,
                ))
            }
        }
        Ok(out)
    }

    /// Apply an attribute operation to a resource (overrides).
    fn apply_attr(&mut self, i: usize, a: &AttrVal) {
        let r = &mut self.resources[i];
        let val = if a.append {
            match r.attrs.get(&a.name) {
                Some(Val::Array(x)) => {
                    let mut out = x.clone();
                    match &a.val {
                        Val::Array(y) => out.extend(y.iter().cloned()),
                        v => out.push(v.clone()),
                    }
                    Val::Array(out)
                }
                Some(Val::Undef) | None => a.val.clone(),
                Some(x) => {
                    let mut out = vec![x.clone()];
                    match &a.val {
                        Val::Array(y) => out.extend(y.iter().cloned()),
                        v => out.push(v.clone()),
                    }
                    Val::Array(out)
                }
            }
        } else {
            a.val.clone()
        };
        r.attrs.set(&a.name, val, Some(a.loc.clone()));
    }

    /// Finish the catalog: overrides, defaults, relationships, output.
    pub(crate) fn finish(&mut self) -> Option<Catalog> {
        self.place_in_stages();
        for (r, loc) in std::mem::take(&mut self.pending_realize) {
            self.diags.push(
                Diagnostic::error(
                    "unknown-reference",
                    format!("Failed to realize virtual resources {r}"),
                )
                .at(Some(loc)),
            );
        }
        // Collector overrides, then reference overrides, in the order written.
        for ci in 0..self.collectors.len() {
            let c = self.collectors[ci].clone();
            for &i in &c.matched {
                for a in &c.overrides {
                    self.apply_attr(i, a);
                }
            }
        }
        for o in std::mem::take(&mut self.overrides) {
            for r in &o.refs {
                match self.lookup(r) {
                    Some(i) if !self.may_override(o.scope, self.resources[i].scope) => {
                        let decl = self.resources[i].loc.clone();
                        self.diags.push(
                            Diagnostic::error("illegal-override", format!("Only subclasses can override parameters ({r})"))
                                .at(Some(o.loc.clone()))
                                .with_label(decl, "declared here, in another class")
                                .with_hint(format!(
                                    "override it from a class that inherits the declaring class, or with a collector: {} <| title == '{}' |> {{ ... }}",
                                    r.type_name, r.title
                                )),
                        );
                    }
                    Some(i) => {
                        for a in &o.attrs {
                            self.apply_attr(i, a);
                        }
                    }
                    None => self.diags.push(
                        Diagnostic::error(
                            "unknown-reference",
                            format!("Could not find resource '{r}' for overriding"),
                        )
                        .at(Some(o.loc.clone())),
                    ),
                }
            }
        }
        // Resource defaults (define instances got theirs before their bodies ran).
        // By scope, then type: looked up with the resource's own strings, nothing copied.
        let mut cache: HashMap<usize, HashMap<String, IndexMap<String, DefaultAttr>>> =
            HashMap::new();
        let any_defaults = self.scopes.iter().any(|s| !s.defaults.is_empty());
        for i in 0..self.resources.len() {
            if !any_defaults {
                break;
            }
            if self.resources[i].is_container || self.resources[i].is_virtual {
                continue;
            }
            let (sid, ty) = (self.resources[i].scope, &self.resources[i].type_name);
            let per_scope = cache.entry(sid).or_default();
            if !per_scope.contains_key(ty.as_str()) {
                let defs = self.defaults_for(sid, ty);
                per_scope.insert(ty.clone(), defs);
            }
            let Some(defs) = cache
                .get(&sid)
                .and_then(|m| m.get(self.resources[i].type_name.as_str()))
            else {
                continue;
            };
            if defs.is_empty() {
                continue;
            }
            let r = &mut self.resources[i];
            for (k, d) in defs.iter() {
                if r.attrs.get(k).is_none_or(Val::is_undef) {
                    r.attrs.set(k, d.val.clone(), Some(d.loc.clone()));
                }
            }
        }
        // Namevar aliases: `File['/etc/x']` finds `file { 'x': path => '/etc/x' }`.
        let mut aliases: HashMap<ResourceRef, usize> = HashMap::new();
        for (i, r) in self.resources.iter().enumerate() {
            if r.is_virtual {
                continue;
            }
            // Types whose namevar is not `name` alias by it ([`namevar`]); of the others,
            // only these alias by `name`.
            let namevar = match (r.type_name.as_str(), namevar(&r.type_name)) {
                ("package" | "service" | "user" | "group" | "host", n) => n,
                (_, "name") => "",
                (_, n) => n,
            };
            let mut names: Vec<String> = Vec::new();
            if let Some(Val::Str(n)) = r.attrs.get(namevar) {
                names.push(n.clone());
            }
            if let Some(a) = r.attrs.get("alias") {
                match a {
                    Val::Array(x) => names.extend(x.iter().map(|v| v.to_string())),
                    v => names.push(v.to_string()),
                }
            }
            for n in names {
                let ar = ResourceRef::new(&r.type_name, &n);
                if ar == r.rref {
                    continue;
                }
                if let Some(other) = self.lookup(&ar).or_else(|| aliases.get(&ar).copied()) {
                    if other != i && !self.resources[other].is_virtual {
                        let o = &self.resources[other];
                        self.diags.push(
                            Diagnostic::error(
                                "duplicate-declaration",
                                format!(
                                    "Cannot alias {} to [\"{n}\"] at (file: {}, line: {}); resource [\"{}\", \"{n}\"] already declared (file: {}, line: {})",
                                    r.rref, r.loc.file, r.loc.line, capitalize_type(&r.type_name), o.loc.file, o.loc.line
                                ),
                            )
                            .at(Some(r.loc.clone()))
                            .with_label(o.loc.clone(), "already declared here"),
                        );
                    }
                    continue;
                }
                aliases.insert(ar, i);
            }
        }
        let resolve = |c: &Compiler, r: &ResourceRef| -> Option<usize> {
            match c.lookup(r).or_else(|| aliases.get(r).copied()) {
                Some(i) if !c.resources[i].is_virtual => Some(i),
                _ => None,
            }
        };
        // Edges by resource index, so that duplicates are found without copying names;
        // spelled out with references only once the compiler's resources are freed.
        let mut edges: Vec<(usize, usize, EdgeKind, EdgeOrigin)> = Vec::new();
        let mut seen: HashSet<(usize, usize, EdgeKind)> = HashSet::new();
        let mut add_edge = |from: usize, to: usize, kind: EdgeKind, origin: EdgeOrigin| {
            if seen.insert((from, to, kind)) {
                edges.push((from, to, kind, origin));
            }
        };
        let mut new_diags = Vec::new();
        for (ri, r) in self.resources.iter().enumerate() {
            if r.is_virtual {
                continue;
            }
            for a in r.attrs.iter() {
                let (name, val) = (&a.name, &a.val);
                if !RELATIONSHIPS.contains(&name.as_str()) {
                    continue;
                }
                // One reference (nearly always) needs no vector.
                let mut targets = Vec::new();
                let one = match val {
                    Val::Ref(r) => Some(Ok(Cow::Borrowed(r))),
                    v => {
                        flatten_refs(v, &mut targets);
                        None
                    }
                };
                let targets = one.into_iter().chain(targets);
                let attr_loc = a.loc.as_ref().unwrap_or(&r.loc);
                for t in targets {
                    let target = match t {
                        Ok(t) => t,
                        Err(s) => {
                            new_diags.push(
                                Diagnostic::error(
                                    "type-mismatch",
                                    format!(
                                        "Parameter '{name}' expects resource references, got '{s}'"
                                    ),
                                )
                                .at(Some(attr_loc.clone())),
                            );
                            continue;
                        }
                    };
                    let Some(t) = resolve(self, target.as_ref()) else {
                        let mut d = Diagnostic::error(
                            "unknown-reference",
                            format!("Could not find resource '{target}' in parameter '{name}'"),
                        )
                        .at(Some(attr_loc.clone()));
                        if let Some(h) = self.ref_hint(&target) {
                            d = d.with_hint(h);
                        }
                        new_diags.push(d);
                        continue;
                    };
                    let (from, to, kind) = match name.as_str() {
                        "before" => (ri, t, EdgeKind::Before),
                        "notify" => (ri, t, EdgeKind::Notify),
                        "require" => (t, ri, EdgeKind::Before),
                        _ => (t, ri, EdgeKind::Notify),
                    };
                    add_edge(from, to, kind, EdgeOrigin::Metaparam);
                }
            }
        }
        for ch in &self.chains {
            let expand = |ops: &[Operand]| -> Vec<ResourceRef> {
                let mut out = Vec::new();
                for o in ops {
                    match o {
                        Operand::Ref(r) => out.push(r.clone()),
                        Operand::Collector(c) => {
                            if let Some(col) = self.collectors.get(*c) {
                                out.extend(
                                    col.matched
                                        .iter()
                                        .filter(|&&i| !self.resources[i].is_virtual)
                                        .map(|&i| self.resources[i].rref.clone()),
                                );
                            }
                        }
                    }
                }
                out
            };
            let froms = expand(&ch.from);
            let tos = expand(&ch.to);
            for f in &froms {
                for t in &tos {
                    let (Some(fr), Some(tr)) = (resolve(self, f), resolve(self, t)) else {
                        let msg = if resolve(self, f).is_none() {
                            format!("Could not find resource '{f}' for relationship on '{t}'")
                        } else {
                            format!("Could not find resource '{t}' for relationship from '{f}'")
                        };
                        let missing = if resolve(self, f).is_none() { f } else { t };
                        let mut d =
                            Diagnostic::error("unknown-reference", msg).at(Some(ch.loc.clone()));
                        if let Some(h) = self.ref_hint(missing) {
                            d = d.with_hint(h);
                        }
                        if !new_diags.contains(&d) {
                            new_diags.push(d);
                        }
                        continue;
                    };
                    add_edge(fr, tr, ch.kind, ch.origin);
                }
            }
        }
        self.diags.extend(new_diags);
        // Edges are made: the look-up tables are no longer needed, free them before the
        // catalog grows.
        drop(aliases);
        drop(seen);
        self.index = RefIndex::new();
        // The references of edge ends, moved out of the resources as they go.
        let mut rrefs: Vec<Option<ResourceRef>> = vec![None; self.resources.len()];
        let mut cat = Catalog::new(self.node_name.clone());
        cat.resources.reserve(self.resources.len());
        // The compiler is done with its resources: move them into the catalog, from the
        // end, giving back the compiler's vector as it empties (it was ~50 MB at 100k
        // resources, alive until the catalog was complete). Reversed once at the end.
        while let Some(r) = self.resources.pop() {
            if self.resources.len() < self.resources.capacity() / 2 {
                self.resources.shrink_to_fit();
            }
            if r.is_virtual {
                continue;
            }
            rrefs[self.resources.len()] = Some(r.rref);
            let mut tags = r.tags;
            if let Some(t) = r.attrs.get("tag") {
                let mut ts = Vec::new();
                for v in t.to_value().as_list() {
                    ts.push(v.to_string().to_lowercase());
                }
                push_unique(&mut tags, ts);
            }
            let mut params = AttrMap::with_capacity_and_hasher(r.attrs.len(), Default::default());
            let mut locs = AttrMap::with_capacity_and_hasher(r.attrs.len(), Default::default());
            // As Puppet's catalog: a namevar equal to the title is not repeated.
            let namevar = namevar(&r.type_name);
            for mut a in r.attrs {
                if a.name == namevar {
                    match &a.val {
                        Val::Str(s) if *s == r.title => continue,
                        // A number title given to create_resources: Puppet keeps it, as
                        // the string its title is.
                        Val::Int(_) | Val::Float(_) if a.val.to_string() == r.title => {
                            a.val = Val::Str(r.title.clone());
                        }
                        _ => {}
                    }
                }
                // Relationships became edges (their locations stay, for diagnostics about
                // them); undef is the same as not set.
                let relationship = RELATIONSHIPS.contains(&a.name.as_str());
                if relationship || a.val.is_undef() {
                    if let (true, Some(l)) = (relationship, a.loc) {
                        locs.insert(a.name, l);
                    }
                    continue;
                }
                let v = a.val.into_value();
                match a.loc {
                    Some(l) => {
                        locs.insert(a.name.clone(), l);
                        params.insert(a.name, v);
                    }
                    None => {
                        params.insert(a.name, v);
                    }
                }
            }
            if r.type_name == "file" {
                if let Some(src) = params.get("source") {
                    let at = locs.get("source").cloned().unwrap_or_else(|| r.loc.clone());
                    if let Some(d) = self.missing_module_source(&r.title, src, at) {
                        self.diags.push(d);
                    }
                }
            }
            // Built whole: `Resource::new` would lowercase a type name already lowercase.
            cat.resources.push(Resource {
                type_name: r.type_name,
                title: r.title,
                params,
                file: Some(r.loc.file),
                line: r.loc.line,
                column: r.loc.column,
                container: r.container,
                is_container: r.is_container,
                tags,
                attr_locations: locs,
            });
        }
        cat.resources.reverse();
        // Both ends are always in the catalog (`resolve` skips virtual resources). A
        // reference's last edge takes it; only the ones before get copies.
        let mut uses = vec![0u32; rrefs.len()];
        for &(from, to, _, _) in &edges {
            uses[from] += 1;
            uses[to] += 1;
        }
        let mut end = |i: usize| -> Option<ResourceRef> {
            uses[i] -= 1;
            if uses[i] == 0 {
                rrefs[i].take()
            } else {
                rrefs[i].clone()
            }
        };
        // Sized up front: collected from a filter, the vector grew by doubling, copying
        // its edges (two references each) every time.
        cat.edges = Vec::with_capacity(edges.len());
        for (from, to, kind, origin) in edges {
            if let (Some(from), Some(to)) = (end(from), end(to)) {
                cat.edges.push(Edge {
                    from,
                    to,
                    kind,
                    origin,
                });
            }
        }
        Some(cat)
    }

    /// The class or define (`class:web`, `define:web::vhost`) whose code a scope runs, or
    /// `""` for the main code and node bodies.
    fn source_of(&self, sid: ScopeId) -> String {
        match &self.scopes[sid].container {
            Some(r) if r.is_class() => format!("class:{}", r.title.to_lowercase()),
            Some(r) => format!("define:{}", r.type_lower()),
            None => String::new(),
        }
    }

    /// Puppet's rule for `Type['x'] { ... }`: only code of the declaring class (or
    /// define), or of a class inheriting from it, may override a resource's parameters.
    fn may_override(&self, override_scope: ScopeId, resource_scope: ScopeId) -> bool {
        let target = self.source_of(resource_scope);
        let mut cur = self.source_of(override_scope);
        for _ in 0..100 {
            if cur == target {
                return true;
            }
            let parent = cur
                .strip_prefix("class:")
                .and_then(|c| self.classes.get(c))
                .and_then(|d| d.def.parent.clone());
            match parent {
                Some(p) => cur = format!("class:{}", unroot(&p).to_lowercase()),
                None => return false,
            }
        }
        false
    }

    /// The number of the declared resource a reference names (virtual ones included).
    pub(crate) fn lookup(&self, r: &ResourceRef) -> Option<usize> {
        self.index.get(r, |i| &self.resources[i].rref)
    }

    /// A hint for a reference to a resource that does not exist: the closest title of the
    /// same type.
    fn ref_hint(&self, r: &ResourceRef) -> Option<String> {
        let titles: Vec<&str> = self
            .resources
            .iter()
            .filter(|x| x.rref.type_name == r.type_name && !x.is_virtual)
            .map(|x| x.rref.title.as_str())
            .collect();
        if let Some(c) = closest(&r.title, titles.into_iter()) {
            return Some(format!("did you mean '{}[{c}]'?", r.type_name));
        }
        if self.lookup(r).is_some_and(|i| self.resources[i].is_virtual) {
            return Some(format!(
                "{r} is virtual; realize it with realize({r}) or a collector"
            ));
        }
        None
    }
}

/// Collect resource references from a relationship value; strings are parsed as
/// `Type[title]`, anything else is reported.
fn flatten_refs<'v>(v: &'v Val, out: &mut Vec<Result<Cow<'v, ResourceRef>, String>>) {
    match v {
        Val::Ref(r) => out.push(Ok(Cow::Borrowed(r))),
        Val::Array(a) => a.iter().for_each(|x| flatten_refs(x, out)),
        Val::Undef => {}
        Val::Str(s) => out.push(ResourceRef::parse(s).map(Cow::Owned).map_err(|_| s.clone())),
        v => out.push(Err(v.to_string())),
    }
}

/// The parameter a type's title stands for when not given (its namevar), for the types
/// whose namevar is not `name`; Puppet's catalog leaves it out when it equals the title.
fn namevar(type_name: &str) -> &'static str {
    match type_name {
        "file" | "concat_file" | "tidy" => "path",
        "exec" => "command",
        "apt_key" => "id",
        _ => "name",
    }
}
