//! Functions from modules: Puppet-language functions (`functions/*.pp`, autoloaded by
//! name, called with typed parameters and return type), and the one place that decides,
//! for a name converge does not know, whether it is a function or resource type that a
//! module provides only in Ruby (`lib/puppet/...`), which converge cannot run.
//!
//! The order a call resolves in: a Puppet-language function, then a function converge
//! provides natively (the built-ins in `functions.rs`, stdlib's Ruby functions among
//! them), then a Ruby file on the module path (an error naming it), then unknown.

use super::scope::{Scope, ScopeKind};
use super::value::Val;
use super::{unroot, Compiler, Def, Halt, R};
use crate::ast::{FunctionDef, Span};
use converge_catalog::Diagnostic;
use std::path::PathBuf;

impl Compiler {
    /// A Puppet-language function, autoloading `mod::a::b` from `mod/functions/a/b.pp`.
    pub(crate) fn find_function(&mut self, name: &str) -> Option<Def<FunctionDef>> {
        let name = unroot(name).to_lowercase();
        if let Some(d) = self.functions.get(&name) {
            return Some(d.clone());
        }
        let segs: Vec<&str> = name.split("::").collect();
        if segs.len() < 2 {
            return None;
        }
        let dir = self.module_dir(segs[0])?;
        let mut f = dir.join("functions");
        for s in &segs[1..] {
            f.push(s);
        }
        f.set_extension("pp");
        self.load_manifest_file(&f);
        self.functions.get(&name).cloned()
    }

    /// Call a Puppet-language function.
    pub(crate) fn call_user_function(
        &mut self,
        def: Def<FunctionDef>,
        args: Vec<Val>,
        span: Span,
    ) -> R<Val> {
        let name = def.def.name.clone();
        let params = &def.def.params;
        let rest = params.iter().any(|p| p.captures_rest);
        let required = params
            .iter()
            .filter(|p| p.default.is_none() && !p.captures_rest)
            .count();
        let max = if rest { usize::MAX } else { params.len() };
        if args.len() < required || args.len() > max {
            let expected = match (required, max) {
                (a, b) if a == b => format!("{a} argument{}", if a == 1 { "" } else { "s" }),
                (1, usize::MAX) => "at least 1 argument".to_string(),
                (a, usize::MAX) => format!("at least {a} arguments"),
                (a, b) => format!("between {a} and {b} arguments"),
            };
            return Err(self.err(
                "wrong-arguments",
                format!("'{name}' expects {expected}, got {}", args.len()),
                span,
            ));
        }
        self.enter(span)?;
        let caller = self.find_var("module_name").cloned();
        let mut s = Scope::new(
            ScopeKind::Named,
            Some(self.top),
            self.scopes[self.scope].label.clone(),
        );
        s.container = self.scopes[self.scope].container.clone();
        s.tags = self.scopes[self.scope].tags.clone();
        let sid = self.push_scope(s);
        self.set_module_vars(sid, def.src, caller);
        let saved = (self.scope, self.cur_src);
        let saved_matches = std::mem::replace(&mut self.matches, vec![None]);
        self.scope = sid;
        self.cur_src = def.src;
        let r = (|| -> R<Val> {
            let mut args = args.into_iter();
            for p in params {
                let v = if p.captures_rest {
                    Val::Array(args.by_ref().collect())
                } else {
                    match args.next() {
                        Some(v) => v,
                        None => match &p.default {
                            Some(d) => self.eval(d)?,
                            None => Val::Undef,
                        },
                    }
                };
                if let Some(t) = &p.type_expr {
                    if let Val::Type(t) = self.eval(t)? {
                        let ok = if p.captures_rest {
                            matches!(&v, Val::Array(a) if a.iter().all(|x| t.matches(x)))
                        } else {
                            t.matches(&v)
                        };
                        if !ok {
                            let shown = match &v {
                                Val::Array(a) if p.captures_rest => a
                                    .iter()
                                    .find(|x| !t.matches(x))
                                    .cloned()
                                    .unwrap_or(Val::Undef),
                                v => v.clone(),
                            };
                            return Err(self.error_at(
                                "type-mismatch",
                                format!("'{name}' parameter '{}' {}", p.name, t.mismatch(&shown)),
                                saved_loc(self, saved.1, span),
                            ));
                        }
                    }
                }
                self.set_var(sid, &p.name, v);
            }
            let v = match self.eval_body_strict(&def.def.body) {
                Err(Halt::Return(v)) => v,
                r => r?,
            };
            if let Some(rt) = &def.def.return_type {
                if let Val::Type(t) = self.eval(rt)? {
                    if !t.matches(&v) {
                        return Err(self.err(
                            "type-mismatch",
                            format!(
                                "Value returned from function '{name}' has wrong type, {}",
                                t.mismatch(&v)
                            ),
                            rt.span,
                        ));
                    }
                }
            }
            Ok(v)
        })();
        self.scope = saved.0;
        self.cur_src = saved.1;
        self.matches = saved_matches;
        self.leave();
        r
    }

    /// A function converge does not know: the Ruby file a module on the path has for it
    /// (`mod/lib/puppet/functions/mod/name.rb`, `lib/puppet/parser/functions/name.rb`).
    pub(crate) fn ruby_function_file(&self, name: &str) -> Option<PathBuf> {
        let name = unroot(name);
        let (module, rel) = match name.rsplit_once("::") {
            Some(_) => {
                let segs: Vec<&str> = name.split("::").collect();
                (Some(segs[0]), segs.join("/"))
            }
            None => (None, name.to_string()),
        };
        let candidates = |dir: PathBuf| {
            [
                dir.join("lib/puppet/functions").join(format!("{rel}.rb")),
                dir.join("lib/puppet/parser/functions")
                    .join(format!("{rel}.rb")),
            ]
        };
        match module {
            Some(m) => candidates(self.module_dir(m)?)
                .into_iter()
                .find(|p| p.is_file()),
            None => self
                .module_dirs()
                .into_iter()
                .find_map(|d| candidates(d).into_iter().find(|p| p.is_file())),
        }
    }

    /// A resource type some module on the path defines only in Ruby (`lib/puppet/type/`).
    pub(crate) fn ruby_type_file(&self, name: &str) -> Option<PathBuf> {
        self.module_dirs()
            .into_iter()
            .map(|d| d.join("lib/puppet/type").join(format!("{name}.rb")))
            .find(|p| p.is_file())
    }

    /// Every module directory on the module path, first occurrence of each name.
    fn module_dirs(&self) -> Vec<PathBuf> {
        let mut seen = std::collections::HashSet::new();
        let mut out = Vec::new();
        for d in self.modulepath() {
            let Ok(rd) = std::fs::read_dir(&d) else {
                continue;
            };
            let mut names: Vec<_> = rd.flatten().map(|e| e.file_name()).collect();
            names.sort();
            for n in names {
                if seen.insert(n.clone()) {
                    out.push(d.join(n));
                }
            }
        }
        out
    }

    /// The error for a function or type that exists only in Ruby.
    pub(crate) fn ruby_only(&mut self, what: &str, name: &str, file: PathBuf, span: Span) -> Halt {
        let loc = self.loc(span);
        self.diags.push(
            Diagnostic::error(
                "ruby-only",
                format!(
                    "the {what} '{name}' is written in Ruby ({}), which converge cannot run",
                    file.display()
                ),
            )
            .at(Some(loc))
            .with_hint(format!(
                "converge provides {} of the Forge modules' Ruby functions natively (stdlib's, apache's and inifile's), not this one (docs/puppet-differences.md lists those left out); write it in the Puppet language (functions/*.pp) or avoid it",
                super::stdlib::names().count()
            )),
        );
        Halt::Error
    }
}

fn saved_loc(c: &Compiler, src: usize, span: Span) -> converge_catalog::Location {
    super::loc_in(&c.sources[src], span)
}
