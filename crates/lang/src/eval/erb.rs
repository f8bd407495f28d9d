//! ERB templates: `template()` and `inline_template()`, rendered by converge-erb the way
//! Puppet 7's TemplateWrapper renders them. The compiler is the template's scope
//! ([`ScopeHost`]): variables visible from the calling scope are its instance
//! variables, `scope['x']`/`lookupvar` look up as Puppet code does, `setvar` assigns in
//! the calling scope and `call_function`/`function_x` call converge's functions.
//!
//! A variable's Ruby value is made once per compile and kept, so templates share the
//! object as Ruby shares it (a template that mutates `scope.lookupvar('x')` is seen by
//! the next one; Puppet code keeps the value it assigned). A template the native
//! renderer declines goes to the Ruby fallback the caller injected
//! ([`CompileOptions::erb_fallback`](super::CompileOptions)); without one it is an
//! error naming the template line and the construct.

use super::scope::ScopeId;
use super::value::Val;
use super::{Compiler, Halt, R};
use crate::ast::Span;
use converge_catalog::{Diagnostic, Location};
use converge_erb::value::Key;
use converge_erb::wire::Fallback;
use converge_erb::{Declined, Host, HostError, Position, RenderError, Template, Value};
use foldhash::HashMap;
use indexmap::IndexMap;
use std::path::PathBuf;
use std::rc::Rc;

/// Functions a template may call without doing anything Ruby would do a second time
/// when it renders the template again after a decline.
const PURE_FUNCTIONS: &[&str] = &[
    "versioncmp",
    "template",
    "inline_template",
    "epp",
    "inline_epp",
    "file",
    "sprintf",
    "split",
    "join",
    "size",
    "length",
    "empty",
    "upcase",
    "downcase",
    "capitalize",
    "strip",
    "regsubst",
    "pick",
    "pick_default",
    "bool2str",
    "to_json",
    "dig",
    "defined",
    "flatten",
    "unique",
    "sort",
    "keys",
    "values",
    "merge",
    "concat",
    "member",
    "has_key",
    "lookup",
];

/// A parsed template and its text (the fallback needs the text).
struct Parsed {
    source: String,
    template: Result<Template, Declined>,
}

/// The compile's ERB state.
#[derive(Default)]
pub(crate) struct ErbState {
    /// Parsed templates by path (inline ones by text).
    parsed: HashMap<String, Rc<Parsed>>,
    /// Ruby values of variables, by the scope that holds them.
    values: HashMap<(ScopeId, String), Value>,
    /// Variables set by templates (`setvar`): when, so that a template started before
    /// does not bind them.
    set_serial: HashMap<(ScopeId, String), u64>,
    serial: u64,
    /// Things done that a second rendering would do again (warnings, setvar).
    effects: u64,
    /// The Ruby fallback, once started (or why it could not start).
    fallback: Option<Result<Box<dyn Fallback>, String>>,
    /// The fallback is rendering (a nested template that needs it too cannot have it).
    fallback_busy: bool,
}

impl std::fmt::Debug for ErbState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ErbState")
            .field("templates", &self.parsed.len())
            .finish()
    }
}

/// A compiler value as Ruby sees it in a template.
fn to_ruby(v: &Val) -> Value {
    match v {
        Val::Undef | Val::Collector(_) => Value::Nil,
        Val::Default => Value::sym("default"),
        Val::Bool(b) => Value::Bool(*b),
        Val::Int(i) => Value::Int(*i),
        Val::Float(f) => Value::Float(*f),
        Val::Str(s) => Value::str(s),
        Val::Array(a) => Value::array(a.iter().map(to_ruby).collect()),
        Val::Hash(h) => Value::hash(
            h.iter()
                .map(|(k, v)| (Key::Str(k.text()), to_ruby(v)))
                .collect(),
        ),
        Val::Ref(r) if r.is_class() => Value::opaque(
            "Puppet::Pops::Types::PClassType",
            &format!("Class[{}]", puppet_quote(&r.title.to_lowercase())),
        ),
        Val::Ref(r) => Value::opaque(
            "Puppet::Pops::Types::PResourceType",
            &format!("{}[{}]", r.type_name, puppet_quote(&r.title)),
        ),
        Val::Type(t) => {
            let s = t.to_string();
            let base = s.split('[').next().unwrap_or("Any").to_string();
            Value::opaque(&format!("Puppet::Pops::Types::P{base}Type"), &s)
        }
        Val::Regex(r) => Value::regexp(r).unwrap_or_else(|| Value::str(r)),
        Val::Sensitive(_) => Value::opaque(
            "Puppet::Pops::Types::PSensitiveType::Sensitive",
            "Sensitive [value redacted]",
        ),
        // Puppet hands these over as its own Ruby objects; a template sees their `to_s`.
        Val::Binary(_) => Value::opaque("Puppet::Pops::Types::PBinaryType::Binary", &v.to_string()),
        Val::Timestamp(_) => Value::opaque("Puppet::Pops::Time::Timestamp", &v.to_string()),
        Val::Timespan(_) => Value::opaque("Puppet::Pops::Time::Timespan", &v.to_string()),
        Val::Iterator(_, items) => Value::array(items.iter().map(to_ruby).collect()),
    }
}

/// A string as Puppet's type formatter quotes it (`File['/tmp/x']`).
fn puppet_quote(s: &str) -> String {
    if !s.contains(['\'', '\\']) && !s.chars().any(char::is_control) {
        return format!("'{s}'");
    }
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' => out.push_str("\\$"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:X}}}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A Ruby value handed back to Puppet code.
fn from_ruby(v: &Value) -> Val {
    match v {
        Value::Nil => Val::Undef,
        Value::Bool(b) => Val::Bool(*b),
        Value::Int(i) => Val::Int(*i),
        Value::Float(f) => Val::Float(*f),
        Value::Str(s) => Val::Str(s.borrow().clone()),
        Value::Sym(s) => match &**s {
            "undef" => Val::Undef,
            "default" => Val::Default,
            s => Val::Str(s.to_string()),
        },
        Value::Array(a) => Val::Array(a.borrow().iter().map(from_ruby).collect()),
        Value::Hash(h) => Val::Hash(
            h.borrow()
                .map
                .iter()
                .map(|(k, v)| {
                    (
                        converge_erb::value::to_s(&k.to_value()).into(),
                        from_ruby(v),
                    )
                })
                .collect::<IndexMap<_, _>>(),
        ),
        Value::Regexp(r) => Val::Regex(r.source.clone()),
        other => Val::Str(converge_erb::value::to_s(other)),
    }
}

/// The compiler as the scope of one template render.
struct ScopeHost<'c> {
    c: &'c mut Compiler,
    /// The scope `template()` was called from.
    scope: ScopeId,
    /// Variables set after this serial are not bound as instance variables.
    start: u64,
    span: Span,
    /// What stopped a failed function call, and the diagnostics it recorded: kept
    /// back until we know whether the template rescued the error.
    failed: Option<(Halt, Vec<Diagnostic>, String)>,
}

impl ScopeHost<'_> {
    /// The scope holding a variable visible from the calling scope, and its value.
    fn resolve(&self, name: &str) -> Option<(ScopeId, Val)> {
        let c = &*self.c;
        let name =
            name.strip_prefix("::").map_or(
                name,
                |rest| {
                    if rest.contains("::") {
                        rest
                    } else {
                        name
                    }
                },
            );
        if let Some(rest) = name.strip_prefix("::") {
            self.note_top(rest);
            return c.scopes[c.top]
                .vars
                .get(rest)
                .map(|v| (c.top, v.val.clone()));
        }
        if let Some((class, var)) = name.rsplit_once("::") {
            let mut cur = c.class_scopes.get(&class.to_lowercase()).copied();
            while let Some(id) = cur {
                if let Some(v) = c.scopes[id].vars.get(var) {
                    return Some((id, v.val.clone()));
                }
                cur = c.scopes[id].inherited;
            }
            return None;
        }
        let mut cur = Some(self.scope);
        while let Some(id) = cur {
            if id == c.top {
                self.note_top(name);
            }
            if let Some(v) = c.scopes[id].vars.get(name) {
                return Some((id, v.val.clone()));
            }
            cur = c.next_lookup_scope(id);
        }
        None
    }

    /// Reports, for `Compiled::fact_reads`, a lookup of `name` that reached top scope: a
    /// fact (or `$facts`, `$trusted`) found there, or a name missing there, whose absence
    /// the output then depends on.
    fn note_top(&self, name: &str) {
        let c = &*self.c;
        match c.scopes[c.top].vars.get(name) {
            // The manifest's own top-scope variable.
            Some(v) if v.loc.is_some() => {}
            _ => c.note_top_read(name),
        }
    }

    /// The Ruby value of a variable, made once per compile.
    fn value(&mut self, sid: ScopeId, name: &str, val: &Val) -> Value {
        let key = (sid, name.to_string());
        if let Some(v) = self.c.erb.values.get(&key) {
            return v.clone();
        }
        let v = to_ruby(val);
        self.c.erb.values.insert(key, v.clone());
        v
    }

    fn bound_after_start(&self, sid: ScopeId, name: &str) -> bool {
        self.c
            .erb
            .set_serial
            .get(&(sid, name.to_string()))
            .is_some_and(|s| *s >= self.start)
    }
}

impl Host for ScopeHost<'_> {
    fn var(&mut self, name: &str) -> Option<Value> {
        // What Puppet's scope.to_hash binds: the nearest variable with a value (an
        // undef one lets an outer one show through), as the render started.
        let mut cur = Some(self.scope);
        while let Some(id) = cur {
            if id == self.c.top {
                self.note_top(name);
            }
            let found = self.c.scopes[id].vars.get(name).map(|v| v.val.clone());
            if let Some(val) = found {
                if !val.is_undef() && !self.bound_after_start(id, name) {
                    return Some(self.value(id, name, &val));
                }
            }
            cur = self.c.next_lookup_scope(id);
        }
        None
    }

    fn lookup(&mut self, name: &str) -> Value {
        match self.resolve(name) {
            Some((sid, val)) => {
                let bare = name.rsplit("::").next().unwrap_or(name);
                self.value(sid, bare, &val)
            }
            None => {
                // Unknown: Puppet warns (an error under strict_variables).
                let saved = self.c.scope;
                self.c.scope = self.scope;
                let r = self.c.lookup_var(name, self.span);
                self.c.scope = saved;
                r.map(|v| to_ruby(&v)).unwrap_or_default()
            }
        }
    }

    fn exists(&mut self, name: &str) -> bool {
        self.resolve(name).is_some()
    }

    fn set(&mut self, name: &str, value: Value) -> Result<(), HostError> {
        let sid = self.scope;
        if self.c.scopes[sid].vars.contains_key(name) {
            return Err(HostError::Raise(format!(
                "Cannot reassign variable '${name}'"
            )));
        }
        self.c.erb.effects += 1;
        self.c.erb.serial += 1;
        let serial = self.c.erb.serial;
        self.c.set_var(sid, name, from_ruby(&value));
        self.c.erb.values.insert((sid, name.to_string()), value);
        self.c
            .erb
            .set_serial
            .insert((sid, name.to_string()), serial);
        Ok(())
    }

    fn call(&mut self, name: &str, args: Vec<Value>) -> Result<Value, HostError> {
        if !PURE_FUNCTIONS.contains(&name) {
            self.c.erb.effects += 1;
        }
        let vals: Vec<Val> = args.iter().map(from_ruby).collect();
        let before = self.c.diags.len();
        let saved = self.c.scope;
        self.c.scope = self.scope;
        let r = self.c.call_fn(name, vals, None, self.span);
        self.c.scope = saved;
        match r {
            Ok(v) => Ok(to_ruby(&v)),
            Err(halt @ (Halt::Error | Halt::Fatal)) => {
                let diags: Vec<Diagnostic> = self.c.diags.drain(before..).collect();
                let message = diags
                    .iter()
                    .find(|d| d.is_error())
                    .map_or_else(|| format!("{name}() failed"), |d| d.message.clone());
                self.failed = Some((halt, diags, message.clone()));
                Err(HostError::Raise(message))
            }
            Err(_) => Err(HostError::Abort),
        }
    }

    fn vars(&mut self) -> Vec<(String, Value)> {
        // Every variable is bound, facts and the node's name among them.
        self.c.note_top_read("facts");
        self.c.note_top_read("trusted");
        let mut chain = Vec::new();
        let mut cur = Some(self.scope);
        while let Some(id) = cur {
            chain.push(id);
            cur = self.c.next_lookup_scope(id);
        }
        let mut out: IndexMap<String, Value> = IndexMap::new();
        for id in chain.into_iter().rev() {
            let vars: Vec<(String, Val)> = self.c.scopes[id]
                .vars
                .iter()
                .map(|(k, v)| (k.clone(), v.val.clone()))
                .collect();
            for (k, v) in vars {
                if !v.is_undef() && !k.contains("::") {
                    let rv = self.value(id, &k, &v);
                    out.insert(k, rv);
                }
            }
        }
        out.into_iter().collect()
    }
}

impl Compiler {
    /// `template('mod/file.erb', ...)`: each template rendered, the outputs joined.
    pub(crate) fn erb_template(&mut self, args: &[Val], span: Span) -> R<Val> {
        let mut out = String::new();
        for a in args {
            let spec = match a {
                Val::Str(s) => s.clone(),
                v => {
                    return Err(self.err(
                        "type-mismatch",
                        format!("'template' expects a String value, got {}", v.type_name()),
                        span,
                    ))
                }
            };
            let Some(path) = self.module_file(&spec, "templates") else {
                return Err(self.err_hint(
                    "missing-template",
                    &format!("Could not find template '{spec}'"),
                    "template('MODULE/FILE.erb') reads <modulepath>/MODULE/templates/FILE.erb",
                    span,
                ));
            };
            let key = path.display().to_string();
            let parsed = match self.erb.parsed.get(&key) {
                Some(p) => p.clone(),
                None => {
                    let source = match std::fs::read_to_string(&path) {
                        Ok(t) => t,
                        Err(e) => {
                            return Err(self.err(
                                "io",
                                format!("Could not read template {}: {e}", path.display()),
                                span,
                            ))
                        }
                    };
                    let template = Template::parse(&spec, &source);
                    let p = Rc::new(Parsed { source, template });
                    self.erb.parsed.insert(key, p.clone());
                    p
                }
            };
            out.push_str(&self.erb_render(&spec, Some(path), &parsed, span)?);
        }
        Ok(Val::Str(out))
    }

    /// `inline_template('<%= ... %>', ...)`.
    pub(crate) fn erb_inline(&mut self, args: &[Val], span: Span) -> R<Val> {
        let mut out = String::new();
        for a in args {
            let text = a.to_string();
            let parsed = match self.erb.parsed.get(&text) {
                Some(p) => p.clone(),
                None => {
                    let template = Template::parse("inline template", &text);
                    let p = Rc::new(Parsed {
                        source: text.clone(),
                        template,
                    });
                    self.erb.parsed.insert(text, p.clone());
                    p
                }
            };
            out.push_str(&self.erb_render("inline template", None, &parsed, span)?);
        }
        Ok(Val::Str(out))
    }

    /// A diagnostic at a template position: in the template file with the call as a
    /// label, or (inline templates) at the call.
    fn erb_located(
        &self,
        d: Diagnostic,
        file: Option<&PathBuf>,
        at: Position,
        span: Span,
    ) -> Diagnostic {
        let call = self.loc(span);
        match file {
            Some(f) if at.line > 0 => d
                .at(Some(Location::new(
                    f.display().to_string(),
                    at.line,
                    at.column,
                )))
                .with_label(call, "rendered here"),
            _ => d.at(Some(call)),
        }
    }

    fn erb_render(
        &mut self,
        name: &str,
        file: Option<PathBuf>,
        parsed: &Parsed,
        span: Span,
    ) -> R<String> {
        self.enter(span)?;
        let r = self.erb_render_inner(name, file, parsed, span);
        self.leave();
        // Variables templates set with `setvar` hold Ruby objects later templates may
        // have changed (`scope.lookupvar('x')[:k] = v`): Puppet code sees them as
        // they are now, as it does in Puppet.
        let set: Vec<(ScopeId, String)> = self.erb.set_serial.keys().cloned().collect();
        for (sid, name) in set {
            if let Some(v) = self.erb.values.get(&(sid, name.clone())) {
                let val = from_ruby(v);
                if let Some(var) = self.scopes[sid].vars.get_mut(&name) {
                    var.val = val;
                }
            }
        }
        r
    }

    fn erb_render_inner(
        &mut self,
        name: &str,
        file: Option<PathBuf>,
        parsed: &Parsed,
        span: Span,
    ) -> R<String> {
        let file_str = file.as_ref().map(|f| f.display().to_string());
        let effects_before = self.erb.effects;
        let start = self.erb.serial + 1;
        let scope = self.scope;
        let declined = match &parsed.template {
            Ok(t) => {
                let mut host = ScopeHost {
                    c: self,
                    scope,
                    start,
                    span,
                    failed: None,
                };
                let r = t.render(&mut host, file_str.as_deref());
                let failed = host.failed.take();
                match r {
                    Ok(out) => return Ok(out),
                    Err(RenderError::Declined(d)) if self.erb.effects == effects_before => d,
                    Err(e) => return Err(self.erb_failure(name, file.as_ref(), e, failed, span)),
                }
            }
            Err(d) => d.clone(),
        };
        // The native renderer declined before doing anything: Ruby renders it.
        if self.erb.fallback.is_none() {
            self.erb.fallback = self.opts.erb_fallback.clone().map(|f| f.start());
        }
        let fallback = match self.erb.fallback.as_mut() {
            Some(Ok(_)) if self.erb.fallback_busy => None,
            Some(Ok(f)) => Some(std::mem::replace(f, Box::new(Busy))),
            _ => None,
        };
        let Some(mut fallback) = fallback else {
            let why = match &self.erb.fallback {
                Some(Err(e)) => format!("no Ruby to render it with ({e})"),
                Some(Ok(_)) => {
                    "Ruby is already rendering the template that includes it".to_string()
                }
                None => "no Ruby to render it with".to_string(),
            };
            let d = Diagnostic::error(
                "erb-unsupported",
                format!(
                    "{name}, line {}: the template uses {}, which converge's ERB renderer does not run, and there is {why}",
                    declined.at.line, declined.construct
                ),
            )
            .with_hint("install Ruby (apt-get install ruby) and converge renders such templates with Ruby's own ERB");
            let d = self.erb_located(d, file.as_ref(), declined.at, span);
            self.diags.push(d);
            return Err(Halt::Error);
        };
        self.erb.fallback_busy = true;
        let mut host = ScopeHost {
            c: self,
            scope,
            start,
            span,
            failed: None,
        };
        let vars = host.vars();
        let r = fallback.render(name, file_str.as_deref(), &parsed.source, vars, &mut host);
        let failed = host.failed.take();
        self.erb.fallback_busy = false;
        if let Some(Ok(slot)) = self.erb.fallback.as_mut() {
            *slot = fallback;
        }
        match r {
            Ok(out) => Ok(out),
            Err(e) => Err(self.erb_failure(name, file.as_ref(), e, failed, span)),
        }
    }

    /// Report a failed render (unless a failed function call reported it already).
    fn erb_failure(
        &mut self,
        name: &str,
        file: Option<&PathBuf>,
        e: RenderError,
        failed: Option<(Halt, Vec<Diagnostic>, String)>,
        span: Span,
    ) -> Halt {
        let call = self.loc(span);
        match e {
            RenderError::Raised { at, class, message } => {
                if let Some((halt, diags, msg)) = failed {
                    if msg == message && class == "Puppet::ParseError" {
                        // The function's own error, not rescued: report it as it was.
                        self.diags.extend(diags);
                        return halt;
                    }
                }
                let what = match file {
                    Some(_) => format!("template {name}"),
                    None => "inline template".to_string(),
                };
                let d = Diagnostic::error(
                    "template",
                    format!(
                        "Failed to parse {what}: line {}: {message} ({class})",
                        at.line
                    ),
                );
                let d = self.erb_located(d, file, at, span);
                self.diags.push(d);
                Halt::Error
            }
            RenderError::Declined(d) => {
                let diag = Diagnostic::error(
                    "erb-unsupported",
                    format!(
                        "{name}, line {}: the template uses {}, which converge's ERB renderer does not run; it got that far after calling functions or setting variables, so Ruby cannot render it again",
                        d.at.line, d.construct
                    ),
                );
                let diag = self.erb_located(diag, file, d.at, span);
                self.diags.push(diag);
                Halt::Error
            }
            RenderError::Host => match failed {
                Some((halt, diags, _)) => {
                    self.diags.extend(diags);
                    halt
                }
                None => Halt::Error,
            },
            RenderError::Fallback(msg) => {
                self.diags.push(
                    Diagnostic::error(
                        "erb-ruby",
                        format!("{name}: the Ruby process rendering it failed: {msg}"),
                    )
                    .at(Some(call)),
                );
                Halt::Error
            }
        }
    }
}

/// Stands in for the fallback while it is lent out.
struct Busy;

impl Fallback for Busy {
    fn render(
        &mut self,
        _: &str,
        _: Option<&str>,
        _: &str,
        _: Vec<(String, Value)>,
        _: &mut dyn Host,
    ) -> Result<String, RenderError> {
        Err(RenderError::Fallback("busy".into()))
    }
}
