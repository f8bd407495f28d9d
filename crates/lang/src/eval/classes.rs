//! Classes, defined types and module autoloading.
//!
//! Classes are evaluated when declared (`include`, `class { 'x': }`); defined-type
//! instances are queued and evaluated after the main code, which is why their resources
//! land later in catalog order, as in Puppet.

use super::resources::{name_tags, AttrVal, Res, ResAttrs, METAPARAMS};
use super::scope::{Scope, ScopeId, ScopeKind};
use super::types::Ty;
use super::value::Val;
use super::{closest, unroot, Compiler, Def, Halt, R};
use crate::ast::{ClassDef, DefineDef, Param};
use converge_catalog::{capitalize_type, Diagnostic, Location, ResourceRef};
use indexmap::IndexMap;
use std::path::PathBuf;
use std::rc::Rc;

/// How deep defines may declare defines before it is called runaway recursion.
const MAX_DEFINE_DEPTH: usize = 100;

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.split("::").all(|seg| {
            let mut c = seg.chars();
            c.next().is_some_and(|f| f.is_ascii_lowercase())
                && c.all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_')
        })
}

impl Compiler {
    /// Directories searched for modules.
    pub(crate) fn modulepath(&self) -> Vec<PathBuf> {
        // Resolved once, when the compiler is made (`Compiler::new`).
        self.opts.modulepath.clone()
    }

    /// Find a module's directory on the module path.
    pub(crate) fn module_dir(&self, module: &str) -> Option<PathBuf> {
        if !valid_name(module) || module.contains("::") {
            return None;
        }
        self.modulepath()
            .into_iter()
            .map(|d| d.join(module))
            .find(|d| d.is_dir())
    }

    /// Load the file that should define `name` (`web` → `web/manifests/init.pp`,
    /// `web::vhost` → `web/manifests/vhost.pp`).
    fn autoload(&mut self, name: &str) {
        if !valid_name(name) {
            return;
        }
        let segs: Vec<&str> = name.split("::").collect();
        let Some(dir) = self.module_dir(segs[0]) else {
            return;
        };
        let mut files = Vec::new();
        if segs.len() > 1 {
            let mut p = dir.join("manifests");
            for s in &segs[1..] {
                p.push(s);
            }
            p.set_extension("pp");
            files.push(p);
        }
        files.push(dir.join("manifests").join("init.pp"));
        for f in files {
            if self.classes.contains_key(name) || self.defines.contains_key(name) {
                return;
            }
            self.load_manifest_file(f);
        }
    }

    /// Parse a module file once and register its definitions.
    pub(crate) fn load_manifest_file(&mut self, f: PathBuf) {
        if !f.is_file() || !self.loaded_files.insert(f.clone()) {
            return;
        }
        let text = match std::fs::read_to_string(&f) {
            Ok(t) => t,
            Err(e) => {
                self.diags.push(Diagnostic::error(
                    "io",
                    format!("Could not read {}: {e}", f.display()),
                ));
                return;
            }
        };
        let src = crate::Source::new(f.display().to_string(), text);
        let (ast, diags) = crate::parse_manifest(&src);
        self.diags.extend(diags);
        self.sources.push(src);
        let id = self.sources.len() - 1;
        if let Some(mut ast) = ast {
            self.hoist(&mut ast.body, id, None);
        }
    }

    /// A class definition, autoloading it if needed.
    pub(crate) fn find_class(&mut self, name: &str) -> Option<Def<ClassDef>> {
        if let Some(d) = self.classes.get(name) {
            return Some(d.clone());
        }
        self.autoload(name);
        self.classes.get(name).cloned()
    }

    /// A define, autoloading it if needed.
    pub(crate) fn find_define(&mut self, name: &str) -> Option<Def<DefineDef>> {
        if let Some(d) = self.defines.get(name) {
            return Some(d.clone());
        }
        self.autoload(name);
        self.defines.get(name).cloned()
    }

    /// The module a source file belongs to: `<dir>/<module>/...` for a directory `<dir>` of
    /// the module path (`None` for the main manifest).
    pub(crate) fn module_of_src(&self, src: usize) -> Option<String> {
        let file = self.sources.get(src)?.file();
        let file = std::path::Path::new(&*file);
        self.modulepath().iter().find_map(|d| {
            let rest = file.strip_prefix(d).ok()?;
            let mut parts = rest.components();
            let module = parts.next()?.as_os_str().to_str()?.to_string();
            parts.next()?;
            valid_name(&module).then_some(module)
        })
    }

    /// `$module_name` (the module `src` comes from) and `$caller_module_name` (the
    /// declaring scope's `$module_name`) in a new class, define or function scope.
    pub(crate) fn set_module_vars(&mut self, sid: ScopeId, src: usize, caller: Option<Val>) {
        if let Some(m) = self.module_of_src(src) {
            self.set_var(sid, "module_name", Val::Str(m));
        }
        if let Some(c) = caller {
            self.set_var(sid, "caller_module_name", c);
        }
    }

    /// Where a class or define was looked for, and the Debian package that would provide
    /// its module when one does.
    pub(crate) fn not_on_modulepath_hint(&self, name: &str) -> String {
        let module = unroot(name).split("::").next().unwrap_or("");
        let mp: Vec<String> = self
            .modulepath()
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        let mut hint = if self.module_dir(module).is_some() {
            format!(
                "the module '{module}' has no manifest defining it (module path: {})",
                mp.join(":")
            )
        } else {
            format!(
                "no module '{module}' in the module path {} (set it with --modulepath A:B)",
                mp.join(":")
            )
        };
        if self.module_dir(module).is_none() {
            if let Some(pkg) = crate::env::debian_package(module) {
                hint.push_str(&format!(
                    "; Debian's package {pkg} provides it: apt install {pkg}"
                ));
            }
        }
        hint
    }

    /// Class names known so far plus the modules on the module path, for hints.
    fn known_class_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.classes.keys().cloned().collect();
        for d in self.modulepath() {
            if let Ok(rd) = std::fs::read_dir(d) {
                names.extend(
                    rd.flatten()
                        .filter_map(|e| e.file_name().into_string().ok()),
                );
            }
        }
        names
    }

    /// Declare a class: `include` (params `None`, idempotent) or resource-like (once, and
    /// before any `include`). Evaluates the class body immediately.
    pub(crate) fn declare_class(
        &mut self,
        name: &str,
        params: Option<Vec<AttrVal>>,
        loc: Location,
        contain: bool,
    ) -> R<ResourceRef> {
        let name = unroot(name).to_lowercase();
        let rref = ResourceRef::new("class", &name);
        if let Some(&idx) = self.declared_classes.get(&name) {
            if params.is_some() {
                let p = self.resources[idx].loc.clone();
                self.diags.push(
                    Diagnostic::error(
                        "duplicate-declaration",
                        format!(
                            "Duplicate declaration: {rref} is already declared at (file: {}, line: {}); cannot redeclare",
                            p.file, p.line
                        ),
                    )
                    .at(Some(loc))
                    .with_label(p, "first declared here")
                    .with_hint("a resource-like class declaration must come before any include of the class, and only once"),
                );
                return Err(Halt::Error);
            }
            if contain {
                self.contain_in_current(idx);
            }
            return Ok(rref);
        }
        let Some(def) = self.find_class(&name) else {
            self.reads.node_name(&self.node_name);
            let mut d = Diagnostic::error(
                "unknown-class",
                format!("Could not find class ::{name} for {}", self.node_name),
            )
            .at(Some(loc));
            let names = self.known_class_names();
            if let Some(c) = closest(&name, names.iter().map(String::as_str)) {
                d = d.with_hint(format!("did you mean '{c}'?"));
            } else if self.defines.contains_key(&name) {
                d = d.with_hint(format!(
                    "'{name}' is a defined type: declare it as `{name} {{ 'title': }}`"
                ));
            } else {
                d = d.with_hint(self.not_on_modulepath_hint(&name));
            }
            self.diags.push(d);
            return Err(Halt::Error);
        };
        let mut inherited: Option<ScopeId> = None;
        if let Some(parent) = &def.def.parent {
            let parent = unroot(parent).to_lowercase();
            self.declare_class(&parent, None, loc.clone(), false)?;
            inherited = self.class_scopes.get(&parent).copied();
        }
        let mut tags = vec!["class".to_string()];
        tags.extend(name_tags(&name));
        let idx = self.resources.len();
        self.resources.push(Res {
            type_name: "class".into(),
            title: name.clone(),
            rref: rref.clone(),
            attrs: ResAttrs::default(),
            loc: loc.clone(),
            container: None,
            is_container: true,
            is_define: false,
            evaluated: true,
            is_virtual: false,
            tags,
            scope: self.scope,
            depth: 0,
        });
        self.index.insert(idx, |i| &self.resources[i].rref);
        self.declared_classes.insert(name.clone(), idx);
        if contain {
            self.contain_in_current(idx);
        }
        let mut s = Scope::new(
            ScopeKind::Named,
            Some(self.scope),
            format!("Class[{}]", capitalize_type(&name)),
        );
        s.inherited = inherited;
        s.container = Some(rref.clone());
        // Puppet tags a class's resources with the class, not with the class it
        // inherits from.
        s.tags = name_tags(&name);
        let caller = self.find_var("module_name").cloned();
        let sid = self.push_scope(s);
        self.class_scopes.insert(name.clone(), sid);
        self.set_var(sid, "title", Val::Str(name.clone()));
        self.set_var(sid, "name", Val::Str(name.clone()));
        self.set_module_vars(sid, def.src, caller);
        let given = params.unwrap_or_default();
        let ran = self.run_body(sid, def.src, 0, |c| {
            let owner = rref.to_string();
            let bound = c.bind_params(&def.def.params, &given, sid, &owner, &loc, Some(&name))?;
            c.record_params(idx, bound, &given);
            c.eval_body_unused(&def.def.body)
        });
        // A class body runs at most once per compilation (`declared_classes` guards it):
        // free its syntax tree now rather than keep it until the catalog is built (at 100k
        // resources in classes, the bodies were ~90 MB of the memory peak).
        drop(def);
        if let Some(Def { def, .. }) = self.classes.get_mut(&name) {
            if let Some(d) = Rc::get_mut(def) {
                d.body = Vec::new();
            }
        }
        ran?;
        Ok(rref)
    }

    /// `contain`: the class is contained in the class or define being evaluated.
    fn contain_in_current(&mut self, idx: usize) {
        let container = self.scopes[self.scope].container.clone();
        if let Some(c) = container {
            if self.resources[idx].container.is_none() && c != self.resources[idx].rref {
                self.resources[idx].container = Some(c);
            }
        }
    }

    /// Run a class or define body in its own scope and source, restoring the caller's
    /// state afterwards whatever happens.
    fn run_body(
        &mut self,
        sid: ScopeId,
        src: usize,
        define_depth: usize,
        f: impl FnOnce(&mut Compiler) -> R<()>,
    ) -> R<()> {
        let saved = (self.scope, self.cur_src, self.define_depth);
        let saved_matches = std::mem::replace(&mut self.matches, vec![None]);
        self.scope = sid;
        self.cur_src = src;
        self.define_depth = define_depth;
        let r = f(self);
        self.scope = saved.0;
        self.cur_src = saved.1;
        self.define_depth = saved.2;
        self.matches = saved_matches;
        match r {
            Err(Halt::Return(_)) | Ok(()) => Ok(()),
            Err(h) => Err(h),
        }
    }

    /// Store the bound parameter values (and metaparameters) on a class or define resource.
    fn record_params(
        &mut self,
        idx: usize,
        bound: IndexMap<String, (Val, Option<Location>)>,
        given: &[AttrVal],
    ) {
        let r = &mut self.resources[idx];
        for (k, (v, l)) in bound {
            r.attrs.set(&k, v, l);
        }
        for a in given {
            if METAPARAMS.contains(&a.name.as_str()) {
                r.attrs.set(&a.name, a.val.clone(), Some(a.loc.clone()));
            }
        }
    }

    /// Bind class/define parameters in scope `sid` (the current scope): given values,
    /// then defaults, checking types. Reports every problem before failing.
    pub(crate) fn bind_params(
        &mut self,
        params: &[Param],
        given: &[AttrVal],
        sid: ScopeId,
        owner: &str,
        decl: &Location,
        class: Option<&str>,
    ) -> R<IndexMap<String, (Val, Option<Location>)>> {
        let mut failed = false;
        for a in given {
            if METAPARAMS.contains(&a.name.as_str()) || params.iter().any(|p| p.name == a.name) {
                continue;
            }
            let mut d = Diagnostic::error(
                "unknown-parameter",
                format!("{owner}: has no parameter named '{}'", a.name),
            )
            .at(Some(a.loc.clone()));
            if let Some(c) = closest(&a.name, params.iter().map(|p| p.name.as_str())) {
                d = d.with_hint(format!("did you mean '{c}'?"));
            }
            self.diags.push(d);
            failed = true;
        }
        let mut bound = IndexMap::new();
        for p in params {
            let ty = match &p.type_expr {
                Some(t) => match self.eval(t) {
                    Ok(Val::Type(t)) => Some(t),
                    Ok(_) => None,
                    Err(Halt::Error) => {
                        failed = true;
                        None
                    }
                    Err(h) => return Err(h),
                },
                None => None,
            };
            let given_val = given.iter().find(|a| a.name == p.name && !a.val.is_undef());
            // Automatic parameter lookup: a class parameter not given comes from Hiera
            // (`<class>::<param>`) before its default.
            let from_hiera = match (given_val, class) {
                (None, Some(cls)) => match self.lookup_class_param(cls, &p.name, p.span) {
                    Ok(v) => v,
                    Err(Halt::Error) => {
                        failed = true;
                        continue;
                    }
                    Err(h) => return Err(h),
                },
                _ => None,
            };
            let (val, loc) = if let Some(a) = given_val {
                (a.val.clone(), Some(a.loc.clone()))
            } else if let Some(v) = from_hiera {
                (v, None)
            } else if let Some(d) = &p.default {
                match self.eval(d) {
                    Ok(v) => (v, None),
                    Err(Halt::Error) => {
                        failed = true;
                        continue;
                    }
                    Err(h) => return Err(h),
                }
            } else if ty.as_ref().is_some_and(Ty::accepts_undef) {
                (Val::Undef, None)
            } else {
                self.diags.push(
                    Diagnostic::error(
                        "missing-parameter",
                        format!("{owner}: expects a value for parameter '{}'", p.name),
                    )
                    .at(Some(decl.clone())),
                );
                failed = true;
                continue;
            };
            if let Some(t) = &ty {
                if !t.matches(&val) {
                    let at = loc.clone().unwrap_or_else(|| self.loc(p.span));
                    self.diags.push(
                        Diagnostic::error(
                            "type-mismatch",
                            format!("{owner}: parameter '{}' {}", p.name, t.mismatch(&val)),
                        )
                        .at(Some(at)),
                    );
                    failed = true;
                    continue;
                }
            }
            self.set_var(sid, &p.name, val.clone());
            bound.insert(p.name.clone(), (val, loc));
        }
        if failed {
            return Err(Halt::Error);
        }
        Ok(bound)
    }

    /// Evaluate a queued defined-type instance.
    pub(crate) fn eval_define_instance(&mut self, idx: usize) -> R<()> {
        if self.resources[idx].evaluated || self.resources[idx].is_virtual {
            return Ok(());
        }
        self.resources[idx].evaluated = true;
        let ty = self.resources[idx].type_name.clone();
        let Some(def) = self.find_define(&ty) else {
            return Ok(());
        };
        let rref = self.resources[idx].rref.clone();
        let decl = self.resources[idx].loc.clone();
        let depth = self.resources[idx].depth;
        if depth > MAX_DEFINE_DEPTH {
            self.diags.push(
                Diagnostic::error(
                    "recursion",
                    format!("{rref}: defined types nest more than {MAX_DEFINE_DEPTH} deep (does '{ty}' declare itself?)"),
                )
                .at(Some(decl)),
            );
            return Err(Halt::Fatal);
        }
        let declaring_scope = self.resources[idx].scope;
        for (k, d) in self.defaults_for(declaring_scope, &ty) {
            let r = &mut self.resources[idx];
            if r.attrs.get(&k).is_none_or(Val::is_undef) {
                r.attrs.set(&k, d.val, Some(d.loc));
            }
        }
        let given: Vec<AttrVal> = {
            let r = &self.resources[idx];
            r.attrs
                .iter()
                .map(|a| AttrVal {
                    name: a.name.clone(),
                    val: a.val.clone(),
                    loc: a.loc.clone().unwrap_or_else(|| r.loc.clone()),
                    append: false,
                })
                .collect()
        };
        let title = self.resources[idx].title.clone();
        let name_val = given
            .iter()
            .find(|a| a.name == "name" && !a.val.is_undef())
            .map_or(Val::Str(title.clone()), |a| a.val.clone());
        let mut s = Scope::new(ScopeKind::Named, Some(declaring_scope), rref.to_string());
        s.container = Some(rref.clone());
        s.tags = self.resources[idx].tags.clone();
        let saved = self.scope;
        self.scope = declaring_scope;
        let caller = self.find_var("module_name").cloned();
        self.scope = saved;
        let sid = self.push_scope(s);
        self.set_var(sid, "title", Val::Str(title));
        self.set_var(sid, "name", name_val);
        self.set_module_vars(sid, def.src, caller);
        let given: Vec<AttrVal> = given.into_iter().filter(|a| a.name != "name").collect();
        self.run_body(sid, def.src, depth, |c| {
            let owner = rref.to_string();
            let bound = c.bind_params(&def.def.params, &given, sid, &owner, &decl, None)?;
            c.record_params(idx, bound, &[]);
            c.eval_body_unused(&def.def.body)
        })
    }
}
