//! Templates and files: `epp()`, `inline_epp()` (EPP reuses the evaluator: text and
//! `<%= %>` tags append to an output buffer) and `file()`.

use super::resources::AttrVal;
use super::scope::{Scope, ScopeKind};
use super::value::Val;
use super::{Compiler, Halt, R};
use crate::ast::Span;
use crate::Source;
use converge_catalog::Diagnostic;
use std::path::PathBuf;

impl Compiler {
    /// Resolve `module/rest` to `<modulepath>/module/<subdir>/rest`; absolute paths are
    /// used as they are.
    fn module_file(&self, spec: &str, subdir: &str) -> Option<PathBuf> {
        if spec.starts_with('/') {
            let p = PathBuf::from(spec);
            return p.is_file().then_some(p);
        }
        let (module, rest) = spec.split_once('/')?;
        if rest.split('/').any(|seg| seg == ".." || seg.is_empty()) {
            return None;
        }
        let p = self.module_dir(module)?.join(subdir).join(rest);
        p.is_file().then_some(p)
    }

    /// `epp('mod/x.epp', { params })`.
    pub(crate) fn epp_file(&mut self, spec: &str, params: Option<Val>, span: Span) -> R<Val> {
        let Some(path) = self.module_file(spec, "templates") else {
            let loc = self.loc(span);
            self.diags.push(
                Diagnostic::error(
                    "missing-template",
                    format!("Could not find template '{spec}'"),
                )
                .at(Some(loc))
                .with_hint("epp('MODULE/FILE.epp') reads <modulepath>/MODULE/templates/FILE.epp"),
            );
            return Err(Halt::Error);
        };
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) => {
                return Err(self.err(
                    "io",
                    format!("Could not read template {}: {e}", path.display()),
                    span,
                ))
            }
        };
        self.render_epp(
            Source::new(path.display().to_string(), text),
            params,
            false,
            span,
        )
    }

    /// `inline_epp('text', { params })`.
    pub(crate) fn epp_inline(&mut self, text: &str, params: Option<Val>, span: Span) -> R<Val> {
        let name = format!("{} (inline_epp)", self.sources[self.cur_src].path);
        self.render_epp(Source::new(name, text.to_string()), params, true, span)
    }

    fn render_epp(&mut self, src: Source, params: Option<Val>, inline: bool, span: Span) -> R<Val> {
        let (ast, diags) = crate::parse_epp(&src);
        let failed = diags.iter().any(Diagnostic::is_error);
        self.diags.extend(diags);
        let Some(tpl) = ast.filter(|_| !failed) else {
            let loc = self.loc(span);
            self.diags.push(
                Diagnostic::error(
                    "template",
                    format!("The template {} could not be parsed", src.path),
                )
                .at(Some(loc)),
            );
            return Err(Halt::Error);
        };
        let given: Vec<AttrVal> = match params {
            None | Some(Val::Undef) => Vec::new(),
            Some(Val::Hash(h)) => {
                let loc = self.loc(span);
                h.into_iter()
                    .map(|(k, v)| AttrVal {
                        name: k,
                        val: v,
                        loc: loc.clone(),
                        append: false,
                    })
                    .collect()
            }
            Some(v) => {
                return Err(self.err(
                    "type-mismatch",
                    format!("Template parameters must be a Hash, got {}", v.type_name()),
                    span,
                ))
            }
        };
        self.enter(span)?;
        let decl = self.loc(span);
        self.sources.push(src);
        let src_id = self.sources.len() - 1;
        // A template without declared parameters sees the caller's variables (as inline
        // templates do); one with parameters sees only its parameters and top scope.
        let parent = if tpl.params.is_none() || inline {
            self.scope
        } else {
            self.top
        };
        let label = self.scopes[self.scope].label.clone();
        let mut s = Scope::new(ScopeKind::Local, Some(parent), label);
        s.container = self.scopes[self.scope].container.clone();
        let sid = self.push_scope(s);
        let saved = (self.scope, self.cur_src);
        let saved_matches = std::mem::replace(&mut self.matches, vec![None]);
        self.scope = sid;
        self.cur_src = src_id;
        self.output.push(String::new());
        let r = (|| -> R<()> {
            match &tpl.params {
                Some(ps) => {
                    let owner = "Template";
                    self.bind_params(ps, &given, sid, owner, &decl, None)?;
                }
                None => {
                    for a in &given {
                        self.set_var(sid, &a.name, a.val.clone());
                    }
                }
            }
            match self.eval_body(&tpl.body) {
                Ok(_) | Err(Halt::Return(_)) => Ok(()),
                Err(h) => Err(h),
            }
        })();
        let out = self.output.pop().unwrap_or_default();
        self.scope = saved.0;
        self.cur_src = saved.1;
        self.matches = saved_matches;
        self.leave();
        r?;
        Ok(Val::Str(out))
    }

    /// `file('mod/x', ...)`: the first file found, from `<module>/files/x`.
    pub(crate) fn file_fn(&mut self, args: &[Val], span: Span) -> R<Val> {
        let mut tried = Vec::new();
        for a in args {
            let spec = a.to_string();
            if let Some(p) = self.module_file(&spec, "files") {
                return match std::fs::read(&p) {
                    Ok(bytes) => Ok(Val::Str(String::from_utf8_lossy(&bytes).into_owned())),
                    Err(e) => {
                        Err(self.err("io", format!("Could not read {}: {e}", p.display()), span))
                    }
                };
            }
            tried.push(spec);
        }
        let loc = self.loc(span);
        self.diags.push(
            Diagnostic::error(
                "missing-file",
                format!("Could not find any files from {}", tried.join(", ")),
            )
            .at(Some(loc))
            .with_hint("file('MODULE/NAME') reads <modulepath>/MODULE/files/NAME"),
        );
        Err(Halt::Error)
    }
}
