//! Hiera from the language: `lookup()` in all its forms, automatic parameter lookup of
//! class parameters, and `convert_to` from `lookup_options`. The data side (layers, files,
//! merges) is the `converge-hiera` crate's.

use super::types::Ty;
use super::value::Val;
use super::{Compiler, Halt, R};
use crate::ast::{Lambda, Span};
use converge_catalog::{Diagnostic, Label, Location, Value};
use converge_hiera::{Hiera, Layers, Merge};
use std::path::PathBuf;

/// The compiler's variables, as Hiera's interpolation sees them.
struct ScopeView<'a>(&'a Compiler);

impl converge_hiera::Scope for ScopeView<'_> {
    fn variable(&self, name: &str) -> Option<Value> {
        self.0.find_var(name).map(Val::to_value)
    }
}

/// What `lookup()` was asked, whichever form it was called in.
#[derive(Default)]
struct Request {
    names: Vec<String>,
    /// The names as given (a string or an array), for the default block.
    name_arg: Option<Val>,
    value_type: Option<Ty>,
    merge: Option<Merge>,
    default: Option<Val>,
    default_values: Option<indexmap::IndexMap<String, Val>>,
    overrides: Option<indexmap::IndexMap<String, Val>>,
}

impl Compiler {
    /// Hiera's layers for this compilation.
    pub(crate) fn hiera_layers(&self) -> Layers {
        Layers {
            global: Some(
                self.opts
                    .hiera_config
                    .clone()
                    .unwrap_or_else(|| PathBuf::from(crate::env::GLOBAL_HIERA_CONFIG)),
            ),
            environment: Some(
                self.opts
                    .environment
                    .clone()
                    .unwrap_or_else(|| crate::env::environment_dir(&self.opts.manifest)),
            ),
            modulepath: self.modulepath(),
        }
    }

    /// Look `key` up in Hiera from the current scope. `Ok(None)`: not found.
    pub(crate) fn hiera_lookup(
        &mut self,
        key: &str,
        merge: Option<&Merge>,
        span: Span,
    ) -> R<Option<Val>> {
        let mut h = self
            .hiera
            .take()
            .unwrap_or_else(|| Hiera::new(self.hiera_layers()));
        let mut ex = self.explain.take();
        let r = h.lookup(key, merge, &ScopeView(self), ex.as_mut());
        self.explain = ex;
        for w in h.take_warnings() {
            let d = hiera_diagnostic(w, None, false);
            self.diags.push(d);
        }
        self.hiera = Some(h);
        match r {
            Ok(None) => Ok(None),
            Ok(Some(found)) => {
                let val = Val::from_value(&found.value);
                match found.convert_to {
                    None => Ok(Some(val)),
                    Some(c) => {
                        let v = self.convert_to(key, val, &c, span)?;
                        if let Some(e) = self.explain.as_mut() {
                            e.text(format!(
                                "Applying convert_to lookup_option with arguments {}",
                                Val::from_value(&c)
                            ));
                        }
                        Ok(Some(v))
                    }
                }
            }
            Err(e) => {
                let call = self.loc(span);
                let d = hiera_diagnostic(e, Some((call, key)), true);
                self.diags.push(d);
                Err(Halt::Error)
            }
        }
    }

    /// `convert_to => 'Sensitive'` or `['Array', true]`: `new(Type, value, args...)`.
    fn convert_to(&mut self, key: &str, val: Val, conv: &Value, span: Span) -> R<Val> {
        let (ty, rest) = match conv {
            Value::Array(a) if !a.is_empty() => (a[0].clone(), a[1..].to_vec()),
            v => (v.clone(), Vec::new()),
        };
        let Value::String(tname) = ty else {
            return Err(self.err(
                "hiera-lookup-options",
                format!("Invalid data type in lookup_options for key '{key}': convert_to must name a type"),
                span,
            ));
        };
        let ty = match self.eval_type_text(&tname) {
            Some(t) => t,
            None => {
                return Err(self.err(
                    "hiera-lookup-options",
                    format!(
                    "Invalid data type in lookup_options for key '{key}' could not parse '{tname}'"
                ),
                    span,
                ))
            }
        };
        let mut args = vec![Val::Type(ty), val];
        args.extend(rest.iter().map(Val::from_value));
        self.call_fn("new", args, None, span)
    }

    /// A type written as text (`Sensitive`, `Array[String]`), evaluated like source.
    fn eval_type_text(&mut self, text: &str) -> Option<Ty> {
        let src = crate::Source::new("<lookup_options>".to_string(), text.to_string());
        let (ast, diags) = crate::parse_manifest(&src);
        if diags.iter().any(Diagnostic::is_error) {
            return None;
        }
        let ast = ast?;
        let [e] = ast.body.as_slice() else {
            return None;
        };
        self.sources.push(src);
        let saved = self.cur_src;
        self.cur_src = self.sources.len() - 1;
        let v = self.eval(e);
        self.cur_src = saved;
        match v {
            Ok(Val::Type(t)) => Some(t),
            _ => None,
        }
    }

    /// Automatic parameter lookup: `<class>::<param>` for a class parameter not given.
    pub(crate) fn lookup_class_param(
        &mut self,
        class: &str,
        param: &str,
        span: Span,
    ) -> R<Option<Val>> {
        let key = format!("{class}::{param}");
        Ok(self
            .hiera_lookup(&key, None, span)?
            .filter(|v| !v.is_undef()))
    }

    /// The `lookup()` function, every signature.
    pub(crate) fn lookup_fn(
        &mut self,
        args: Vec<Val>,
        lambda: Option<&Lambda>,
        span: Span,
    ) -> R<Val> {
        let req = self.lookup_request(args, span)?;
        for name in &req.names {
            let found = match req.overrides.as_ref().and_then(|o| o.get(name)) {
                Some(v) => Some(v.clone()),
                None => self.hiera_lookup(name, req.merge.as_ref(), span)?,
            };
            if let Some(v) = found {
                return self.lookup_typed("Found value", v, &req, span);
            }
        }
        if let Some(dv) = &req.default_values {
            if let Some(v) = req.names.iter().find_map(|n| dv.get(n)) {
                return self.lookup_typed(
                    "Value found in default values hash",
                    v.clone(),
                    &req,
                    span,
                );
            }
        }
        if let Some(l) = lambda {
            let v = self.call_lambda(l, vec![req.name_arg.clone().unwrap_or(Val::Undef)])?;
            return self.lookup_typed("Value returned from default block", v, &req, span);
        }
        if let Some(d) = &req.default {
            return self.lookup_typed("Default value", d.clone(), &req, span);
        }
        let msg = if req.names.len() == 1 {
            format!(
                "Function lookup() did not find a value for the name '{}'",
                req.names[0]
            )
        } else {
            format!(
                "Function lookup() did not find a value for any of the names [{}]",
                req.names
                    .iter()
                    .map(|n| format!("'{n}'"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        let loc = self.loc(span);
        self.diags.push(
            Diagnostic::error("lookup", msg)
                .at(Some(loc))
                .with_hint("add the key to the Hiera data (see `converge lookup KEY --explain`), or give lookup() a default"),
        );
        Err(Halt::Error)
    }

    fn lookup_typed(&mut self, what: &str, v: Val, req: &Request, span: Span) -> R<Val> {
        if let Some(t) = &req.value_type {
            if !t.matches(&v) {
                return Err(self.err(
                    "type-mismatch",
                    format!("{what} has wrong type, {}", t.mismatch(&v)),
                    span,
                ));
            }
        }
        Ok(v)
    }

    fn lookup_request(&mut self, mut args: Vec<Val>, span: Span) -> R<Request> {
        let bad = |c: &mut Compiler, msg: String| c.err("wrong-arguments", msg, span);
        if args.is_empty() || args.len() > 4 {
            return Err(bad(
                self,
                format!(
                    "'lookup' expects between 1 and 4 arguments, got {}",
                    args.len()
                ),
            ));
        }
        let mut req = Request::default();
        // lookup({name => ..., ...}) and lookup(name, {...}).
        let opts = match (args.len(), &args[0], args.get(1)) {
            (1, Val::Hash(h), _) => Some(h.clone()),
            (2, _, Some(Val::Hash(h))) => Some(h.clone()),
            _ => None,
        };
        if let Some(o) = opts {
            let name = if let Val::Hash(_) = &args[0] {
                o.get("name").cloned().unwrap_or(Val::Undef)
            } else {
                args.swap_remove(0)
            };
            for k in o.keys() {
                if ![
                    "name",
                    "value_type",
                    "merge",
                    "default_value",
                    "default_values_hash",
                    "override",
                ]
                .contains(&k.as_str())
                {
                    return Err(bad(
                        self,
                        format!("'lookup' options hash has an unrecognized key '{k}'"),
                    ));
                }
            }
            self.lookup_names(&mut req, name, span)?;
            req.value_type = match o.get("value_type") {
                Some(Val::Type(t)) => Some(t.clone()),
                Some(Val::Undef) | None => None,
                Some(v) => {
                    return Err(bad(
                        self,
                        format!(
                            "'lookup' option value_type expects a Type, got {}",
                            v.type_name()
                        ),
                    ))
                }
            };
            req.merge = self.lookup_merge(o.get("merge"), span)?;
            req.default = o.get("default_value").cloned();
            let hash = |c: &mut Compiler, k: &str| -> R<Option<indexmap::IndexMap<String, Val>>> {
                match o.get(k) {
                    None | Some(Val::Undef) => Ok(None),
                    Some(Val::Hash(h)) => Ok(Some(h.clone())),
                    Some(v) => Err(c.err(
                        "wrong-arguments",
                        format!("'lookup' option {k} expects a Hash, got {}", v.type_name()),
                        span,
                    )),
                }
            };
            req.default_values = hash(self, "default_values_hash")?;
            req.overrides = hash(self, "override")?;
            return Ok(req);
        }
        // As Puppet's dispatch: only the four-argument form takes `undef` for the type and
        // the merge; with fewer, what is given must be a type and a strategy.
        let optional = args.len() == 4;
        let mut it = args.into_iter();
        let name = it.next().unwrap_or(Val::Undef);
        self.lookup_names(&mut req, name, span)?;
        req.value_type = match it.next() {
            Some(Val::Type(t)) => Some(t),
            None => None,
            Some(Val::Undef) if optional => None,
            Some(v) => {
                return Err(bad(
                    self,
                    format!(
                        "'lookup' parameter 'value_type' expects a Type value, got {}",
                        v.type_name()
                    ),
                ))
            }
        };
        let merge = it.next();
        if matches!(merge, Some(Val::Undef)) && !optional {
            return Err(bad(
                self,
                "'lookup' parameter 'merge' expects a String or Hash value, got Undef".into(),
            ));
        }
        req.merge = self.lookup_merge(merge.as_ref(), span)?;
        req.default = it.next();
        Ok(req)
    }

    fn lookup_names(&mut self, req: &mut Request, name: Val, span: Span) -> R<()> {
        req.names = match &name {
            Val::Str(s) => vec![s.clone()],
            Val::Array(a) if a.iter().all(|v| matches!(v, Val::Str(_))) && !a.is_empty() => {
                a.iter().map(Val::key_string).collect()
            }
            v => {
                return Err(self.err(
                    "wrong-arguments",
                    format!(
                        "'lookup' parameter 'name' expects a String or an Array of String, got {}",
                        v.type_name()
                    ),
                    span,
                ))
            }
        };
        req.name_arg = Some(name);
        Ok(())
    }

    fn lookup_merge(&mut self, v: Option<&Val>, span: Span) -> R<Option<Merge>> {
        match v {
            None | Some(Val::Undef) => Ok(None),
            Some(v) => match Merge::from_value(&v.to_value()) {
                Ok(m) => Ok(Some(m)),
                Err(e) => {
                    let loc = self.loc(span);
                    let mut d = Diagnostic::error("lookup", e.message).at(Some(loc));
                    if let Some(h) = e.hint {
                        d = d.with_hint(h);
                    }
                    self.diags.push(d);
                    Err(Halt::Error)
                }
            },
        }
    }
}

/// A Hiera error as a diagnostic: at the data or configuration file at fault when known,
/// with the lookup call as a label.
fn hiera_diagnostic(
    e: converge_hiera::Error,
    call: Option<(Location, &str)>,
    error: bool,
) -> Diagnostic {
    let code = e.code;
    let mut d = if error {
        Diagnostic::error(code, e.message.clone())
    } else {
        Diagnostic::warning(code, e.message.clone())
    };
    let at = e.file.as_ref().map(|f| {
        let mut l = Location::new(f.display().to_string(), e.line.max(1), e.column.max(1));
        l.len = 1;
        l
    });
    match (at, call) {
        (Some(at), Some((call, key))) => {
            d = d.at(Some(at));
            d.labels.push(Label {
                location: call,
                message: format!("while looking up '{key}'"),
            });
        }
        (Some(at), None) => d = d.at(Some(at)),
        (None, Some((call, _))) => d = d.at(Some(call)),
        (None, None) => {}
    }
    if let Some(h) = e.hint {
        d = d.with_hint(h);
    }
    d
}

/// What [`lookup`] found.
#[derive(Debug, Clone, Default)]
pub struct LookupOutcome {
    /// The value, when found.
    pub value: Option<Value>,
    /// What was tried, in `puppet lookup --explain`'s words, when asked for.
    pub explanation: Option<String>,
    /// Errors and warnings.
    pub diagnostics: Vec<Diagnostic>,
}

/// `puppet lookup`: look keys up (the first found wins) for a node with its facts and
/// `$trusted`, outside any class, without compiling the manifest. `merge` is a strategy
/// name or hash; `None` lets `lookup_options` decide.
pub fn lookup(
    opts: super::CompileOptions,
    keys: &[String],
    merge: Option<&Value>,
    explain: bool,
) -> LookupOutcome {
    let mut c = Compiler::new(opts);
    c.init_top_scope();
    if explain {
        c.explain = Some(converge_hiera::Explainer::new());
    }
    let mut out = LookupOutcome::default();
    let merge = match merge.map(Merge::from_value).transpose() {
        Ok(m) => m,
        Err(e) => {
            out.diagnostics.push(hiera_diagnostic(e, None, true));
            return out;
        }
    };
    let span = Span::new(0, 0);
    c.sources
        .push(crate::Source::new("<lookup>".to_string(), String::new()));
    for k in keys {
        match c.hiera_lookup(k, merge.as_ref(), span) {
            Ok(Some(v)) => {
                out.value = Some(v.to_value());
                break;
            }
            Ok(None) => {}
            Err(_) => break,
        }
    }
    out.explanation = c.explain.take().map(|e| e.explain());
    out.diagnostics = std::mem::take(&mut c.diags);
    out
}
