//! Scopes: where variables and resource defaults live.
//!
//! Variables are looked up lexically the way Puppet 4+ does: the local scope, then an
//! inherited class's scope, then the nearest enclosing node or top scope. Resource defaults
//! are dynamic: they are looked up along the chain of scopes that evaluated each other.

use super::value::Val;
use super::{unroot, Compiler, Halt, R};
use crate::ast::Span;
use converge_catalog::{Diagnostic, Location, ResourceRef};
use foldhash::{HashMap, HashMapExt};
use indexmap::IndexMap;

/// Index of a scope in the compiler's arena.
pub(crate) type ScopeId = usize;

/// What created a scope; decides where variable look-ups go next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ScopeKind {
    Top,
    Node,
    /// A class or define body: look-ups continue in the inherited class, then the nearest
    /// node or top scope.
    Named,
    /// A lambda or template: look-ups continue in the parent.
    Local,
}

/// A variable with where it was assigned.
#[derive(Debug, Clone)]
pub(crate) struct Var {
    pub(crate) val: Val,
    pub(crate) loc: Option<Location>,
}

/// One resource default attribute: `File { mode => '0644' }`.
#[derive(Debug, Clone)]
pub(crate) struct DefaultAttr {
    pub(crate) val: Val,
    pub(crate) loc: Location,
}

/// A scope.
#[derive(Debug, Clone)]
pub(crate) struct Scope {
    pub(crate) kind: ScopeKind,
    /// The scope this one was created from (dynamic; used for defaults).
    pub(crate) parent: Option<ScopeId>,
    /// The parent class's scope for `inherits`.
    pub(crate) inherited: Option<ScopeId>,
    pub(crate) vars: HashMap<String, Var>,
    /// Resource defaults by lowercase type name.
    pub(crate) defaults: HashMap<String, IndexMap<String, DefaultAttr>>,
    /// `Class[main]`, `Class[Web]`, `Web::Vhost[a]`: what logging functions print.
    pub(crate) label: String,
    /// The class or define instance resources declared here belong to.
    pub(crate) container: Option<ResourceRef>,
    /// Tags that resources declared here receive (enclosing class names, `tag()`).
    pub(crate) tags: Vec<String>,
}

impl Scope {
    pub(crate) fn new(kind: ScopeKind, parent: Option<ScopeId>, label: String) -> Self {
        Scope {
            kind,
            parent,
            inherited: None,
            vars: HashMap::new(),
            defaults: HashMap::new(),
            label,
            container: None,
            tags: Vec::new(),
        }
    }
}

/// Names Puppet reserves; assigning them is an error.
const RESERVED: &[&str] = &["facts", "trusted", "server_facts", "title", "name"];

impl Compiler {
    /// Create a scope and return its id.
    pub(crate) fn push_scope(&mut self, scope: Scope) -> ScopeId {
        self.scopes.push(scope);
        self.scopes.len() - 1
    }

    /// The next scope a look-up goes to after `id`.
    fn next_lookup_scope(&self, id: ScopeId) -> Option<ScopeId> {
        let s = &self.scopes[id];
        match s.kind {
            ScopeKind::Top => None,
            ScopeKind::Local => s.parent,
            ScopeKind::Node => Some(self.top),
            ScopeKind::Named => {
                if s.inherited.is_some() {
                    return s.inherited;
                }
                let mut p = s.parent;
                while let Some(pid) = p {
                    match self.scopes[pid].kind {
                        ScopeKind::Top | ScopeKind::Node => return Some(pid),
                        _ => p = self.scopes[pid].parent,
                    }
                }
                Some(self.top)
            }
        }
    }

    /// Look a variable up without reporting anything.
    pub(crate) fn find_var(&self, name: &str) -> Option<&Val> {
        if !name.is_empty() && name.bytes().all(|b| b.is_ascii_digit()) {
            let n: usize = name.parse().ok()?;
            return self
                .matches
                .iter()
                .rev()
                .flatten()
                .next()
                .map(|caps| caps.get(n).unwrap_or(&Val::Undef));
        }
        // Most names have no `:` at all: skip the substring searches (`rsplit_once("::")`
        // builds a searcher on every call).
        if name.contains(':') {
            if let Some(rest) = name.strip_prefix("::") {
                if let Some((class, var)) = rest.rsplit_once("::") {
                    return self.class_var(class, var);
                }
                return self.top_var(rest);
            }
            if let Some((class, var)) = name.rsplit_once("::") {
                return self.class_var(class, var);
            }
        }
        let mut cur = Some(self.scope);
        while let Some(id) = cur {
            if id == self.top {
                return self.top_var(name);
            }
            if let Some(v) = self.scopes[id].vars.get(name) {
                return Some(&v.val);
            }
            cur = self.next_lookup_scope(id);
        }
        None
    }

    /// A top-scope variable, its read reported when it comes from the node (a fact, or
    /// a fact's absence: the result depends on it too; `$facts`; `$trusted`).
    fn top_var(&self, name: &str) -> Option<&Val> {
        let var = self.scopes[self.top].vars.get(name);
        match var {
            // The manifest's own top-scope variable.
            Some(v) if v.loc.is_some() => {}
            _ => self.note_top_read(name),
        }
        var.map(|v| &v.val)
    }

    /// Reports the read of the compiler-provided top-scope variable `name`.
    pub(crate) fn note_top_read(&self, name: &str) {
        let Some(facts) = self.top_facts() else {
            return;
        };
        match name {
            "facts" => self.reads.all_facts(facts),
            "trusted" | "clientcert" => self.reads.node_name(&self.node_name),
            "server_facts" | "environment" | "title" | "name" => {}
            _ => self.reads.fact_path(facts, &[name]),
        }
    }

    /// The `$facts` hash.
    pub(crate) fn top_facts(&self) -> Option<&IndexMap<String, Val>> {
        match self.scopes[self.top].vars.get("facts").map(|v| &v.val) {
            Some(Val::Hash(facts)) => Some(facts),
            _ => None,
        }
    }

    fn class_var(&self, class: &str, var: &str) -> Option<&Val> {
        let sid = *self.class_scopes.get(&class.to_lowercase())?;
        // A class variable may come from the class's own parent (`inherits`).
        let mut cur = Some(sid);
        while let Some(id) = cur {
            if let Some(v) = self.scopes[id].vars.get(var) {
                return Some(&v.val);
            }
            cur = self.scopes[id].inherited;
        }
        None
    }

    /// Look a variable up; unknown is a warning and undef (an error when strict).
    pub(crate) fn lookup_var(&mut self, name: &str, span: Span) -> R<Val> {
        if let Some(v) = self.find_var(name) {
            return Ok(v.clone());
        }
        if !name.is_empty() && name.bytes().all(|b| b.is_ascii_digit()) {
            return Ok(Val::Undef);
        }
        let loc = self.loc(span);
        let mut d = if self.opts.strict_variables {
            Diagnostic::error("unknown-variable", format!("Unknown variable: '{name}'."))
        } else {
            Diagnostic::warning("unknown-variable", format!("Unknown variable: '{name}'."))
        }
        .at(Some(loc));
        let bare = unroot(name);
        if let Some((class, _)) = bare.rsplit_once("::") {
            if !self.class_scopes.contains_key(&class.to_lowercase()) {
                d = d.with_hint(format!(
                    "class {class} has not been evaluated; include it before using its variables"
                ));
            }
        } else if let Some(close) = self.closest_var(bare) {
            d = d.with_hint(format!("did you mean '${close}'?"));
        } else if self.in_double_quotes > 0 && !self.opts.strict_variables {
            d = d.with_hint(format!(
                "if this is meant for the target program (like nginx's ${bare}), write \\${bare} or use single quotes"
            ));
        }
        let strict = self.opts.strict_variables;
        self.diags.push(d);
        if strict {
            Err(Halt::Error)
        } else {
            Ok(Val::Undef)
        }
    }

    /// The visible variable whose name is closest to `name`, for hints.
    fn closest_var(&self, name: &str) -> Option<String> {
        let mut names: Vec<&str> = Vec::new();
        let mut cur = Some(self.scope);
        while let Some(id) = cur {
            if id == self.top {
                // The hint depends on which facts exist.
                if let Some(facts) = self.top_facts() {
                    self.reads.fact_names(facts);
                }
            }
            names.extend(self.scopes[id].vars.keys().map(String::as_str));
            cur = self.next_lookup_scope(id);
        }
        super::closest(name, names.into_iter())
    }

    /// Assign a variable in the current scope, once.
    pub(crate) fn assign_var(&mut self, name: &str, val: Val, span: Span) -> R<()> {
        let loc = self.loc(span);
        if name.contains("::") {
            return Err(self.error_at(
                "illegal-assignment",
                format!("Cannot assign to variables in other namespaces: '${name}'"),
                loc,
            ));
        }
        if name.bytes().all(|b| b.is_ascii_digit()) || RESERVED.contains(&name) {
            return Err(self.error_at(
                "illegal-assignment",
                format!("Attempt to assign to a reserved variable name: '${name}'"),
                loc,
            ));
        }
        let sid = self.scope;
        if let Some(prev) = self.scopes[sid].vars.get(name) {
            let mut d =
                Diagnostic::error("reassign", format!("Cannot reassign variable '${name}'"))
                    .at(Some(loc));
            match &prev.loc {
                Some(p) => d = d.with_label(p.clone(), "first assigned here"),
                None if sid == self.top => {
                    d = d.with_hint(format!("'${name}' is a fact; choose another variable name"))
                }
                None => {}
            }
            self.diags.push(d);
            return Err(Halt::Error);
        }
        self.scopes[sid].vars.insert(
            name.to_string(),
            Var {
                val,
                loc: Some(loc),
            },
        );
        Ok(())
    }

    /// Set a variable the compiler provides (parameters, `$title`), without a location.
    pub(crate) fn set_var(&mut self, sid: ScopeId, name: &str, val: Val) {
        self.scopes[sid]
            .vars
            .insert(name.to_string(), Var { val, loc: None });
    }

    /// The resource defaults for a type visible from scope `sid`, nearest first.
    pub(crate) fn defaults_for(
        &self,
        sid: ScopeId,
        type_name: &str,
    ) -> IndexMap<String, DefaultAttr> {
        let mut out: IndexMap<String, DefaultAttr> = IndexMap::new();
        let mut cur = Some(sid);
        while let Some(id) = cur {
            if let Some(d) = self.scopes[id].defaults.get(type_name) {
                for (k, v) in d {
                    if !out.contains_key(k) {
                        out.insert(k.clone(), v.clone());
                    }
                }
            }
            cur = self.scopes[id].parent;
        }
        out
    }
}
