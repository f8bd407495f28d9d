//! Type aliases: `type Mod::Name = <type>` statements, registered before any code runs
//! (like classes), autoloaded from `<module>/types/<path>.pp` on the module path
//! (`Stdlib::IP::Address::V4` -> `stdlib/types/ip/address/v4.pp`), and resolved when first
//! used. An alias may refer to itself (`type Tree = Array[Variant[Integer, Tree]]`): it is
//! created before its body is evaluated, so the body finds it.

use super::types::{self, Alias, Ty};
use super::value::Val;
use super::{unroot, Compiler, Halt, R};
use crate::ast::{Span, TypeAliasDef};
use converge_catalog::Diagnostic;
use std::cell::RefCell;
use std::rc::Rc;

/// A type alias definition and, once resolved, its type.
#[derive(Debug, Clone)]
pub(crate) struct AliasEntry {
    def: Rc<TypeAliasDef>,
    src: usize,
    ty: Option<Rc<Alias>>,
}

impl Compiler {
    /// Record a `type` statement found while hoisting a file's definitions.
    pub(crate) fn register_alias(&mut self, def: TypeAliasDef, src: usize) {
        let key = unroot(&def.name).to_lowercase();
        let loc = super::loc_in(&self.sources[src], def.span);
        if types::from_name(&def.name).is_some() {
            self.diags.push(
                Diagnostic::error(
                    "reserved-name",
                    format!(
                        "The name: '{}' is already defined by Puppet and can not be used as the name of a Type Alias.",
                        def.name
                    ),
                )
                .at(Some(loc)),
            );
            return;
        }
        if let Some(prev) = self.aliases.get(&key) {
            let prev_loc = super::loc_in(&self.sources[prev.src], prev.def.span);
            self.diags.push(
                Diagnostic::error(
                    "duplicate-definition",
                    format!("Type alias '{}' is already defined", def.name),
                )
                .at(Some(loc))
                .with_label(prev_loc, "first defined here"),
            );
            return;
        }
        self.aliases.insert(
            key,
            AliasEntry {
                def: Rc::new(def),
                src,
                ty: None,
            },
        );
    }

    /// The type alias `name` (`Stdlib::Port`), autoloading and resolving it as needed;
    /// `None` when no such alias exists.
    pub(crate) fn find_alias(&mut self, name: &str) -> R<Option<Ty>> {
        let key = unroot(name).to_lowercase();
        if !self.aliases.contains_key(&key) {
            self.autoload_alias(&key);
        }
        let Some(entry) = self.aliases.get(&key) else {
            return Ok(None);
        };
        if let Some(t) = &entry.ty {
            return Ok(Some(Ty::Alias(t.clone())));
        }
        let (def, src) = (entry.def.clone(), entry.src);
        let alias = Rc::new(Alias {
            name: def.name.clone(),
            resolved: RefCell::new(Ty::Any),
        });
        if let Some(e) = self.aliases.get_mut(&key) {
            e.ty = Some(alias.clone());
        }
        // The body is evaluated where it was written, in top scope.
        let (saved_src, saved_scope) = (self.cur_src, self.scope);
        self.cur_src = src;
        self.scope = self.top;
        let v = self.eval(&def.value);
        let resolved = match v {
            Ok(Val::Type(t)) => Ok(t),
            Ok(Val::Ref(r)) => Ok(types::ref_type(&r)),
            Ok(v) => Err(self.err(
                "type-mismatch",
                format!(
                    "The type alias '{}' must be given a type, not {}",
                    def.name,
                    super::ops::a_label(&v)
                ),
                def.value.span,
            )),
            Err(h) => Err(h),
        };
        self.cur_src = saved_src;
        self.scope = saved_scope;
        *alias.resolved.borrow_mut() = resolved?;
        Ok(Some(Ty::Alias(alias)))
    }

    /// Load `<module>/types/<rest>.pp` for `module::rest`, if it exists.
    fn autoload_alias(&mut self, key: &str) {
        let segs: Vec<&str> = key.split("::").collect();
        if segs.len() < 2 {
            return;
        }
        let Some(dir) = self.module_dir(segs[0]) else {
            return;
        };
        let mut p = dir.join("types");
        for s in &segs[1..] {
            p.push(s);
        }
        p.set_extension("pp");
        self.load_manifest_file(&p);
    }

    /// A capitalised name as a type: a built-in type, a type alias, or a resource type
    /// (built in, or a define or class converge can find); anything else is an error.
    pub(crate) fn type_from_name(&mut self, name: &str, span: Span) -> R<Val> {
        if let Some(t) = types::from_name(name) {
            return Ok(Val::Type(t));
        }
        if let Some(t) = self.find_alias(name)? {
            return Ok(Val::Type(t));
        }
        let lower = unroot(name).to_lowercase();
        if self.is_resource_type(&lower) {
            return Ok(Val::Type(Ty::Resource(Some(lower), None)));
        }
        let loc = self.loc(span);
        self.diags.push(
            Diagnostic::error(
                "unknown-type",
                format!("Resource type not found: {}", unroot(name)),
            )
            .at(Some(loc))
            .with_hint(
                "no data type, type alias (<module>/types/*.pp on the module path), resource type or defined type has this name",
            ),
        );
        Err(Halt::Error)
    }

    /// Whether `name` (lowercase) is a resource type: built in, or a define (autoloaded).
    pub(crate) fn is_resource_type(&mut self, name: &str) -> bool {
        super::resources::BUILTIN_TYPES.contains(&name) || self.find_define(name).is_some()
    }
}
