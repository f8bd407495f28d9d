//! Built-in functions: logging, `fail`, string and collection helpers, iteration with
//! lambdas, `include`/`require`/`contain`/`realize`, `lookup` with a default, `defined`,
//! templates and files, and type conversions.

use super::expr::a_type;
use super::resources::{AttrVal, BUILTIN_TYPES};
use super::types::{self, Ty};
use super::value::{Key, Map, Val};
use super::{closest, unroot, Compiler, Halt, LogLevel, LogMessage, R};
use crate::ast::{Expr, ExprKind, Lambda, Span, UnaryOp};
use converge_catalog::{Diagnostic, EdgeKind, EdgeOrigin, ResourceRef};
use converge_rubyre::{Flags, Regex};
use indexmap::IndexMap;
use std::cmp::Ordering;
use std::sync::Arc;

const FUNCTIONS: &[&str] = &[
    "include",
    "contain",
    "require",
    "realize",
    "notice",
    "info",
    "warning",
    "err",
    "debug",
    "alert",
    "crit",
    "emerg",
    "fail",
    "split",
    "join",
    "regsubst",
    "validate_re",
    "type_of",
    "reverse_each",
    "slice",
    "index",
    "tree_each",
    "sprintf",
    "upcase",
    "downcase",
    "capitalize",
    "strip",
    "lstrip",
    "rstrip",
    "chomp",
    "versioncmp",
    "strftime",
    "defined",
    "lookup",
    "each",
    "map",
    "filter",
    "reduce",
    "with",
    "then",
    "lest",
    "epp",
    "inline_epp",
    "file",
    "template",
    "inline_template",
    "tag",
    "tagged",
    "create_resources",
    "size",
    "length",
    "empty",
    "keys",
    "values",
    "flatten",
    "unique",
    "sort",
    "min",
    "max",
    "abs",
    "type",
    "assert_type",
    "next",
    "break",
    "return",
    "dig",
    "pick",
    "merge",
    "concat",
    "has_key",
    "member",
    "ensure_packages",
    "ensure_resource",
    "any",
    "all",
    "match",
    "basename",
    "dirname",
    "start_with",
    "end_with",
    "str2bool",
    "bool2str",
    "to_json",
    "delete",
    "prefix",
    "suffix",
    "reverse",
    "new",
    "range",
    "step",
    "assert_private",
    "delete_at",
];

/// Puppet's message for a `regsubst` call whose flags no signature accepts.
fn regsubst_signatures(flags: &str) -> String {
    format!(
        "The function 'regsubst' was called with arguments it does not accept. It expects one of:
  (Variant[Array[String], String] target, String pattern, Variant[String, Hash[String, String]] replacement, Pattern[/^[GEIM]*$/] flags?, Enum['E', 'N', 'S', 'U'] encoding?)
    rejected: parameter 'flags' expects an undef value or a match for Pattern[/^[GEIM]*$/], got '{flags}'
  (Variant[Array[String], String] target, Variant[Regexp, Type[Regexp]] pattern, Variant[String, Hash[String, String]] replacement, Pattern[/^G?$/] flags?)
    rejected: parameter 'pattern' expects a value of type Regexp or Type[Regexp], got String"
    )
}

/// Puppet's `versioncmp`.
pub(crate) fn versioncmp(a: &str, b: &str) -> i64 {
    fn scan(s: &str) -> Vec<String> {
        let mut out = Vec::new();
        let cs: Vec<char> = s.chars().collect();
        let mut i = 0;
        while i < cs.len() {
            let c = cs[i];
            if c == '-' || c == '.' {
                out.push(c.to_string());
                i += 1;
            } else if c.is_ascii_digit() {
                let st = i;
                while i < cs.len() && cs[i].is_ascii_digit() {
                    i += 1;
                }
                out.push(cs[st..i].iter().collect());
            } else {
                let st = i;
                while i < cs.len() && !(cs[i] == '-' || cs[i] == '.' || cs[i].is_ascii_digit()) {
                    i += 1;
                }
                out.push(cs[st..i].iter().collect());
            }
        }
        out
    }
    let ord = |o: Ordering| match o {
        Ordering::Less => -1,
        Ordering::Equal => 0,
        Ordering::Greater => 1,
    };
    let (ax, bx) = (scan(a), scan(b));
    for (x, y) in ax.iter().zip(bx.iter()) {
        if x == y {
            continue;
        }
        let num = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        return match (x.as_str(), y.as_str()) {
            ("-", _) => -1,
            (_, "-") => 1,
            (".", _) => -1,
            (_, ".") => 1,
            (x, y) if num(x) && num(y) => {
                if x.starts_with('0') || y.starts_with('0') {
                    ord(x.to_uppercase().cmp(&y.to_uppercase()))
                } else {
                    let (p, q) = (x.trim_start_matches('0'), y.trim_start_matches('0'));
                    ord(p.len().cmp(&q.len()).then(p.cmp(q)))
                }
            }
            (x, y) => ord(x.to_uppercase().cmp(&y.to_uppercase())),
        };
    }
    if ax.len() != bx.len() {
        return ord(a.cmp(b));
    }
    ord(a.cmp(b))
}

fn flatten_into(v: Val, out: &mut Vec<Val>) {
    match v {
        Val::Array(a) => a.into_iter().for_each(|x| flatten_into(x, out)),
        v => out.push(v),
    }
}

impl Compiler {
    /// Compile a Puppet regex (cached), as Ruby's `Regexp.new` would.
    pub(crate) fn regex(&mut self, pattern: &str, span: Span) -> R<Arc<Regex>> {
        self.regex_with(pattern, Flags::default(), span)
    }

    /// [`Compiler::regex`] with flags (regsubst's `I`, `E`, `M`).
    pub(crate) fn regex_with(&mut self, pattern: &str, flags: Flags, span: Span) -> R<Arc<Regex>> {
        // Only plain patterns are cached: flags are regsubst's, and rare.
        let plain = flags == Flags::default();
        if plain {
            if let Some(r) = self.regex_cache.get(pattern) {
                return Ok(r.clone());
            }
        }
        match Regex::with_flags(pattern, flags) {
            Ok(r) => {
                let r = Arc::new(r);
                if plain {
                    self.regex_cache.insert(pattern.to_string(), r.clone());
                }
                Ok(r)
            }
            Err(e) => Err(self.err("invalid-regex", e.to_string(), span)),
        }
    }

    /// Evaluate a call's arguments (with `*` splats) and call the function.
    pub(crate) fn call(
        &mut self,
        name: &str,
        receiver: Option<&Expr>,
        args: &[Expr],
        lambda: Option<&Lambda>,
        span: Span,
    ) -> R<Val> {
        let mut vals = Vec::with_capacity(args.len() + 1);
        if let Some(r) = receiver {
            vals.push(self.eval(r)?);
        }
        for a in args {
            if let ExprKind::Unary {
                op: UnaryOp::Splat,
                expr,
            } = &a.kind
            {
                let v = self.eval(expr)?;
                vals.extend(super::expr::unfold(v));
            } else {
                vals.push(self.eval(a)?);
            }
        }
        self.call_fn(name, vals, lambda, span)
    }

    fn arity(&mut self, name: &str, args: &[Val], min: usize, max: usize, span: Span) -> R<()> {
        if args.len() < min || args.len() > max {
            let expected = if min == max {
                format!("{min}")
            } else if max == usize::MAX {
                format!("at least {min}")
            } else {
                format!("between {min} and {max}")
            };
            return Err(self.err(
                "wrong-arguments",
                format!("'{name}' expects {expected} arguments, got {}", args.len()),
                span,
            ));
        }
        Ok(())
    }

    fn want_str(&mut self, name: &str, v: &Val, span: Span) -> R<String> {
        match v {
            Val::Str(s) => Ok(s.clone()),
            v => Err(self.err(
                "type-mismatch",
                format!("'{name}' expects a String value, got {}", v.type_name()),
                span,
            )),
        }
    }

    fn log_msg(&mut self, level: LogLevel, args: &[Val], span: Span) {
        let text = args
            .iter()
            .map(|v| v.to_string())
            .collect::<Vec<_>>()
            .join(" ");
        let scope = format!("Scope({})", self.scopes[self.scope].label);
        let location = Some(self.loc(span));
        self.log.push(LogMessage {
            level,
            scope,
            text,
            location,
        });
    }

    fn class_names(&mut self, args: Vec<Val>, span: Span) -> R<Vec<String>> {
        let mut flat = Vec::new();
        for a in args {
            flatten_into(a, &mut flat);
        }
        let mut out = Vec::new();
        for v in flat {
            match v {
                Val::Str(s) if !s.is_empty() => out.push(s),
                Val::Ref(r) if r.is_class() => out.push(r.title.to_lowercase()),
                Val::Type(Ty::Class(Some(c))) => out.push(c),
                Val::Type(Ty::Resource(Some(c), None)) => out.push(c),
                v => {
                    return Err(self.err(
                        "type-mismatch",
                        format!("Expected a class name, got {}", a_type(&v)),
                        span,
                    ))
                }
            }
        }
        Ok(out)
    }

    /// Call a built-in function with evaluated arguments.
    pub(crate) fn call_fn(
        &mut self,
        name: &str,
        args: Vec<Val>,
        lambda: Option<&Lambda>,
        span: Span,
    ) -> R<Val> {
        let name = unroot(name);
        if name.starts_with(|c: char| c.is_ascii_uppercase()) {
            // `Integer('0x10')`: the type's `new`.
            let t = match self.type_from_name(name, span)? {
                Val::Type(t) => t,
                Val::Ref(r) => types::ref_type(&r),
                _ => Ty::Any,
            };
            return self.new_value(t, args, span);
        }
        // stdlib's functions (and core ones it relies on), native: one table drives
        // this dispatch and the count the ruby-only error gives.
        if let Some(f) = super::stdlib::find(name) {
            return f(self, args, lambda, span);
        }
        if let Some(r) = self.call_iteration(name, args.clone(), lambda, span) {
            return r;
        }
        if name.contains("::") || !self.functions.is_empty() {
            if let Some(def) = self.find_function(name) {
                return self.call_user_function(def, args, span);
            }
        }
        let s0 = |args: &[Val]| args.first().cloned().unwrap_or(Val::Undef);
        match name {
            "include" | "contain" | "require" => {
                let names = self.class_names(args, span)?;
                let loc = self.loc(span);
                let mut refs = Vec::new();
                for n in names {
                    let r = self.declare_class(&n, None, loc.clone(), name == "contain")?;
                    if name == "require" {
                        if let Some(c) = self.scopes[self.scope].container.clone() {
                            self.chains.push(super::resources::ChainRel {
                                from: vec![super::resources::Operand::Ref(r.clone())],
                                to: vec![super::resources::Operand::Ref(c)],
                                kind: EdgeKind::Before,
                                origin: EdgeOrigin::Metaparam,
                                loc: loc.clone(),
                            });
                        }
                    }
                    refs.push(Val::Ref(r));
                }
                Ok(Val::Array(refs))
            }
            "realize" => {
                let mut flat = Vec::new();
                for a in args {
                    flatten_into(a, &mut flat);
                }
                let loc = self.loc(span);
                for v in flat {
                    match v {
                        Val::Ref(r) => self.realize_ref(r, loc.clone()),
                        Val::Str(s) => match ResourceRef::parse(&s) {
                            Ok(r) => self.realize_ref(r, loc.clone()),
                            Err(e) => return Err(self.err("type-mismatch", e.to_string(), span)),
                        },
                        v => {
                            return Err(self.err(
                                "type-mismatch",
                                format!(
                                    "realize() expects resource references, got {}",
                                    a_type(&v)
                                ),
                                span,
                            ))
                        }
                    }
                }
                Ok(Val::Undef)
            }
            "notice" | "info" | "warning" | "err" | "debug" | "alert" | "crit" | "emerg" => {
                let level = match name {
                    "notice" => LogLevel::Notice,
                    "info" => LogLevel::Info,
                    "warning" => LogLevel::Warning,
                    "debug" => LogLevel::Debug,
                    _ => LogLevel::Err,
                };
                self.log_msg(level, &args, span);
                Ok(Val::Undef)
            }
            "fail" => {
                let text = args
                    .iter()
                    .map(|v| v.to_string())
                    .collect::<Vec<_>>()
                    .join(" ");
                let loc = self.loc(span);
                self.diags
                    .push(Diagnostic::error("fail", text).at(Some(loc)));
                Err(Halt::Fatal)
            }
            "split" => {
                self.arity(name, &args, 2, 2, span)?;
                let s = self.want_str(name, &args[0], span)?;
                let pat = match &args[1] {
                    Val::Str(p) | Val::Regex(p) => p.clone(),
                    v => {
                        return Err(self.err(
                            "type-mismatch",
                            format!(
                                "'split' expects a String or Regexp separator, got {}",
                                v.type_name()
                            ),
                            span,
                        ))
                    }
                };
                let re = self.regex(&pat, span)?;
                Ok(Val::Array(re.split(&s).into_iter().map(Val::Str).collect()))
            }
            "join" => {
                self.arity(name, &args, 1, 2, span)?;
                let sep = args.get(1).map(|v| v.to_string()).unwrap_or_default();
                match &args[0] {
                    Val::Array(a) => Ok(Val::Str(
                        a.iter()
                            .map(|v| v.to_string())
                            .collect::<Vec<_>>()
                            .join(&sep),
                    )),
                    v => Err(self.err(
                        "type-mismatch",
                        format!("'join' expects an Array, got {}", v.type_name()),
                        span,
                    )),
                }
            }
            "regsubst" => {
                self.arity(name, &args, 3, 5, span)?;
                let pat = match &args[1] {
                    Val::Str(p) | Val::Regex(p) => p.clone(),
                    v => {
                        return Err(self.err(
                            "type-mismatch",
                            format!("'regsubst' expects a pattern, got {}", v.type_name()),
                            span,
                        ))
                    }
                };
                let rep = args[2].to_string();
                let flag_text = args.get(3).map(|v| v.to_string()).unwrap_or_default();
                let mut flags = Flags::default();
                for f in flag_text.chars() {
                    match f {
                        'I' => flags.ignore_case = true,
                        'E' => flags.extended = true,
                        'M' => flags.multiline = true,
                        'G' => {}
                        _ => {
                            return Err(self.err(
                                "wrong-arguments",
                                regsubst_signatures(&flag_text),
                                span,
                            ))
                        }
                    }
                }
                let re = self.regex_with(&pat, flags, span)?;
                let global = flag_text.contains('G');
                let sub = |s: &str| -> String { re.replace(s, &rep, global) };
                match &args[0] {
                    Val::Array(a) => Ok(Val::Array(
                        a.iter().map(|v| Val::Str(sub(&v.to_string()))).collect(),
                    )),
                    v => Ok(Val::Str(sub(&v.to_string()))),
                }
            }
            "sprintf" => {
                self.arity(name, &args, 1, usize::MAX, span)?;
                let f = self.want_str(name, &args[0], span)?;
                match super::format::ruby_sprintf(&f, &args[1..]) {
                    Ok(s) => Ok(Val::Str(s)),
                    Err(m) => Err(self.err("wrong-arguments", format!("sprintf(): {m}"), span)),
                }
            }
            "upcase" | "downcase" | "capitalize" | "strip" | "lstrip" | "rstrip" | "chomp" => {
                self.arity(name, &args, 1, 1, span)?;
                fn f(name: &str, s: &str) -> String {
                    match name {
                        "upcase" => s.to_uppercase(),
                        "downcase" => s.to_lowercase(),
                        "capitalize" => {
                            let mut c = s.chars();
                            match c.next() {
                                Some(x) => x
                                    .to_uppercase()
                                    .chain(c.flat_map(char::to_lowercase))
                                    .collect(),
                                None => String::new(),
                            }
                        }
                        "strip" => s.trim().to_string(),
                        "lstrip" => s.trim_start().to_string(),
                        "rstrip" => s.trim_end().to_string(),
                        _ => s
                            .strip_suffix("\r\n")
                            .or_else(|| s.strip_suffix('\n'))
                            .or_else(|| s.strip_suffix('\r'))
                            .unwrap_or(s)
                            .to_string(),
                    }
                }
                match &args[0] {
                    Val::Str(s) => Ok(Val::Str(f(name, s))),
                    Val::Array(a) => Ok(Val::Array(
                        a.iter()
                            .map(|v| match v {
                                Val::Str(s) => Val::Str(f(name, s)),
                                v => v.clone(),
                            })
                            .collect(),
                    )),
                    Val::Hash(h) if matches!(name, "upcase" | "downcase") => Ok(Val::Hash(
                        h.iter()
                            .map(|(k, v)| {
                                (
                                    Key::from(f(name, &k.text())),
                                    match v {
                                        Val::Str(s) => Val::Str(f(name, s)),
                                        v => v.clone(),
                                    },
                                )
                            })
                            .collect(),
                    )),
                    v => Err(self.err(
                        "type-mismatch",
                        format!(
                            "'{name}' expects a String or an Array, got {}",
                            v.type_name()
                        ),
                        span,
                    )),
                }
            }
            "versioncmp" => {
                self.arity(name, &args, 2, 3, span)?;
                let a = self.want_str(name, &args[0], span)?;
                let b = self.want_str(name, &args[1], span)?;
                Ok(Val::Int(versioncmp(&a, &b)))
            }
            "defined" => {
                self.arity(name, &args, 1, usize::MAX, span)?;
                for a in &args {
                    let d = match a {
                        Val::Str(s) if s.starts_with('$') => self.find_var(&s[1..]).is_some(),
                        Val::Str(s) => {
                            let n = unroot(s).to_lowercase();
                            BUILTIN_TYPES.contains(&n.as_str())
                                || self.find_define(&n).is_some()
                                || self.find_class(&n).is_some()
                                || FUNCTIONS.contains(&n.as_str())
                        }
                        Val::Type(Ty::Resource(Some(t), _)) => {
                            BUILTIN_TYPES.contains(&t.as_str()) || self.find_define(t).is_some()
                        }
                        Val::Type(Ty::Class(Some(c))) => self.declared_classes.contains_key(c),
                        Val::Type(_) => true,
                        Val::Ref(r) if r.is_class() => {
                            self.declared_classes.contains_key(&r.title.to_lowercase())
                        }
                        Val::Ref(r) => self.lookup(r).is_some(),
                        _ => false,
                    };
                    if d {
                        return Ok(Val::Bool(true));
                    }
                }
                Ok(Val::Bool(false))
            }
            "lookup" => self.lookup_fn(args, lambda, span),
            "next" => Err(Halt::Next(s0(&args))),
            "return" => Err(Halt::Return(s0(&args))),
            "break" => Err(Halt::Break),
            "epp" => {
                self.arity(name, &args, 1, 2, span)?;
                let path = self.want_str(name, &args[0], span)?;
                self.epp_file(&path, args.get(1).cloned(), span)
            }
            "inline_epp" => {
                self.arity(name, &args, 1, 2, span)?;
                let text = self.want_str(name, &args[0], span)?;
                self.epp_inline(&text, args.get(1).cloned(), span)
            }
            "file" => {
                self.arity(name, &args, 1, usize::MAX, span)?;
                self.file_fn(&args, span)
            }
            "template" | "inline_template" => {
                self.arity(name, &args, 1, usize::MAX, span)?;
                if name == "template" {
                    self.erb_template(&args, span)
                } else {
                    self.erb_inline(&args, span)
                }
            }
            "tag" => {
                let mut flat = Vec::new();
                for a in args {
                    flatten_into(a, &mut flat);
                }
                let tags: Vec<String> = flat.iter().map(|v| v.to_string().to_lowercase()).collect();
                let sid = self.scope;
                for t in &tags {
                    if !self.scopes[sid].tags.contains(t) {
                        self.scopes[sid].tags.push(t.clone());
                    }
                }
                if let Some(c) = self.scopes[sid].container.clone() {
                    if let Some(i) = self.lookup(&c) {
                        for t in tags {
                            if !self.resources[i].tags.contains(&t) {
                                self.resources[i].tags.push(t);
                            }
                        }
                    }
                }
                Ok(Val::Undef)
            }
            "tagged" => {
                let tags = &self.scopes[self.scope].tags;
                Ok(Val::Bool(
                    args.iter()
                        .all(|a| tags.contains(&a.to_string().to_lowercase())),
                ))
            }
            "create_resources" => self.create_resources(name, args, span),
            "size" | "length" => {
                self.arity(name, &args, 1, 1, span)?;
                Ok(Val::Int(match &args[0] {
                    Val::Array(a) => a.len() as i64,
                    Val::Hash(h) => h.len() as i64,
                    Val::Str(s) => s.chars().count() as i64,
                    v => {
                        return Err(self.err(
                            "type-mismatch",
                            format!(
                                "'{name}' expects a Collection or a String, got {}",
                                v.type_name()
                            ),
                            span,
                        ))
                    }
                }))
            }
            "empty" => {
                self.arity(name, &args, 1, 1, span)?;
                Ok(Val::Bool(match &args[0] {
                    Val::Array(a) => a.is_empty(),
                    Val::Hash(h) => h.is_empty(),
                    Val::Str(s) => s.is_empty(),
                    Val::Undef => true,
                    _ => false,
                }))
            }
            "keys" | "values" => {
                self.arity(name, &args, 1, 1, span)?;
                match &args[0] {
                    Val::Hash(h) => Ok(Val::Array(if name == "keys" {
                        h.keys().map(|k| k.0.clone()).collect()
                    } else {
                        h.values().cloned().collect()
                    })),
                    v => Err(self.err(
                        "type-mismatch",
                        format!("'{name}' expects a Hash, got {}", v.type_name()),
                        span,
                    )),
                }
            }
            "flatten" => {
                let mut out = Vec::new();
                for a in args {
                    flatten_into(a, &mut out);
                }
                Ok(Val::Array(out))
            }
            "sort" => match s0(&args) {
                Val::Array(mut a) => {
                    a.sort_by(|x, y| super::ops::compare(x, y).unwrap_or(Ordering::Equal));
                    Ok(Val::Array(a))
                }
                v => Err(self.err(
                    "type-mismatch",
                    format!("'sort' expects an Array, got {}", v.type_name()),
                    span,
                )),
            },
            "reverse" => match s0(&args) {
                Val::Array(mut a) => {
                    a.reverse();
                    Ok(Val::Array(a))
                }
                Val::Str(s) => Ok(Val::Str(s.chars().rev().collect())),
                v => Ok(v),
            },
            "min" | "max" => {
                let mut flat = Vec::new();
                for a in args {
                    flatten_into(a, &mut flat);
                }
                let mut best: Option<Val> = None;
                for v in flat {
                    best = Some(match best {
                        None => v,
                        Some(b) => {
                            let o = super::ops::compare(&v, &b).unwrap_or(Ordering::Equal);
                            if (name == "min" && o == Ordering::Less)
                                || (name == "max" && o == Ordering::Greater)
                            {
                                v
                            } else {
                                b
                            }
                        }
                    });
                }
                Ok(best.unwrap_or(Val::Undef))
            }
            "abs" => match s0(&args).as_number() {
                Some(Val::Int(i)) => match i.checked_abs() {
                    Some(v) => Ok(Val::Int(v)),
                    None => Err(self.err("overflow", "Integer overflow in abs()", span)),
                },
                Some(Val::Float(f)) => Ok(Val::Float(f.abs())),
                _ => Err(self.err("type-mismatch", "'abs' expects a Numeric value", span)),
            },
            "type" | "type_of" => {
                self.arity(name, &args, 1, 2, span)?;
                let v = s0(&args);
                let t = match args.get(1).map(|m| m.to_string()).as_deref() {
                    None | Some("detailed") => types::infer_set(&v),
                    Some("reduced") => types::infer(&v),
                    Some("generalized") => types::generalize(&types::infer(&v)),
                    Some(m) => {
                        return Err(self.err(
                            "wrong-arguments",
                            format!("'type' parameter 'inference_method' expects a match for Enum['detailed', 'generalized', 'reduced'], got '{m}'"),
                            span,
                        ))
                    }
                };
                Ok(Val::Type(t))
            }
            "assert_type" => {
                self.arity(name, &args, 2, 2, span)?;
                let t = match &args[0] {
                    Val::Str(s) => match self.type_from_name(s, span)? {
                        Val::Type(t) => t,
                        _ => Ty::Any,
                    },
                    v => match super::ops::as_type(v) {
                        Some(t) => t,
                        None => {
                            return Err(self.err(
                                "type-mismatch",
                                format!("assert_type() expects a Type, got {}", v.type_name()),
                                span,
                            ))
                        }
                    },
                };
                if t.matches(&args[1]) {
                    return Ok(args[1].clone());
                }
                if let Some(l) = lambda {
                    return self.call_lambda(
                        l,
                        vec![Val::Type(t.clone()), Val::Type(types::infer_set(&args[1]))],
                    );
                }
                let m = super::describe::describe_mismatch("assert_type():", &t, &args[1]);
                Err(self.err("type-mismatch", m, span))
            }
            "dig" => {
                let mut cur = s0(&args);
                for k in args.iter().skip(1) {
                    cur = match (&cur, k) {
                        (Val::Hash(h), k) => h.get(&k.key_string()).cloned().unwrap_or(Val::Undef),
                        (Val::Array(a), Val::Int(i)) => usize::try_from(*i)
                            .ok()
                            .and_then(|i| a.get(i).cloned())
                            .unwrap_or(Val::Undef),
                        _ => Val::Undef,
                    };
                }
                Ok(cur)
            }
            "match" => {
                self.arity(name, &args, 2, 2, span)?;
                let pat = match &args[1] {
                    Val::Str(p) | Val::Regex(p) => p.clone(),
                    v => {
                        return Err(self.err(
                            "type-mismatch",
                            format!("'match' expects a pattern, got {}", v.type_name()),
                            span,
                        ))
                    }
                };
                let re = self.regex(&pat, span)?;
                let m = |s: &str| match re.captures(s) {
                    Some(c) => Val::Array(
                        c.strings(s)
                            .into_iter()
                            .map(|m| m.map_or(Val::Undef, |m| Val::Str(m.into())))
                            .collect(),
                    ),
                    None => Val::Undef,
                };
                Ok(match &args[0] {
                    Val::Array(a) => Val::Array(a.iter().map(|v| m(&v.to_string())).collect()),
                    v => m(&v.to_string()),
                })
            }
            "start_with" | "end_with" => {
                self.arity(name, &args, 2, 2, span)?;
                let s = args[0].to_string();
                let mut ps = Vec::new();
                flatten_into(args[1].clone(), &mut ps);
                Ok(Val::Bool(ps.iter().any(|p| {
                    let p = p.to_string();
                    if name == "start_with" {
                        s.starts_with(&p)
                    } else {
                        s.ends_with(&p)
                    }
                })))
            }
            "new" => {
                self.arity(name, &args, 1, usize::MAX, span)?;
                match super::ops::as_type(&args[0]) {
                    Some(t) => self.new_value(t, args[1..].to_vec(), span),
                    None => Err(self.err(
                        "type-mismatch",
                        format!("new() expects a Type, got {}", args[0].type_name()),
                        span,
                    )),
                }
            }
            _ => {
                if let Some(rb) = self.ruby_function_file(name) {
                    return Err(self.ruby_only("function", name, rb, span));
                }
                let loc = self.loc(span);
                let mut d =
                    Diagnostic::error("unknown-function", format!("Unknown function: '{name}'"))
                        .at(Some(loc));
                if let Some(c) = closest(
                    name,
                    FUNCTIONS.iter().copied().chain(super::stdlib::names()),
                ) {
                    d = d.with_hint(format!("did you mean '{c}'?"));
                } else if name.contains("::") {
                    d = d.with_hint(format!(
                        "no {} in the module path ({})",
                        match name.split_once("::") {
                            Some((m, rest)) =>
                                format!("{m}/functions/{}.pp", rest.replace("::", "/")),
                            None => name.to_string(),
                        },
                        self.modulepath()
                            .iter()
                            .map(|p| p.display().to_string())
                            .collect::<Vec<_>>()
                            .join(":")
                    ));
                }
                self.diags.push(d);
                Err(Halt::Error)
            }
        }
    }

    /// An error with a hint, at a span.
    pub(crate) fn err_hint(&mut self, code: &str, msg: &str, hint: &str, span: Span) -> Halt {
        let loc = self.loc(span);
        self.diags
            .push(Diagnostic::error(code, msg).at(Some(loc)).with_hint(hint));
        Halt::Error
    }

    /// `create_resources` (stdlib's `ensure_resource` and `ensure_packages` build on it).
    pub(crate) fn create_resources(&mut self, name: &str, args: Vec<Val>, span: Span) -> R<Val> {
        let loc = self.loc(span);
        let to_attrs = |h: &Map, loc: &converge_catalog::Location| -> Vec<AttrVal> {
            h.iter()
                .map(|(k, v)| AttrVal {
                    name: k.text(),
                    val: v.clone(),
                    loc: loc.clone(),
                    append: false,
                })
                .collect()
        };
        let merge = |a: &Map, d: &Map| -> Map {
            let mut out = d.clone();
            for (k, v) in a {
                out.insert(k.clone(), v.clone());
            }
            out
        };
        let empty = IndexMap::new();
        type Items = Vec<(String, Map)>;
        let (ty, items): (String, Items) = match name {
            "create_resources" => {
                self.arity(name, &args, 2, 3, span)?;
                let ty = args[0].to_string().to_lowercase();
                let defaults = match args.get(2) {
                    Some(Val::Hash(h)) => h.clone(),
                    _ => IndexMap::new(),
                };
                let Val::Hash(h) = &args[1] else {
                    return Err(self.err(
                        "type-mismatch",
                        format!(
                            "create_resources() expects a Hash, got {}",
                            args[1].type_name()
                        ),
                        span,
                    ));
                };
                let mut items = Vec::new();
                for (title, attrs) in h {
                    let attrs = match attrs {
                        Val::Hash(a) => a,
                        Val::Undef => &empty,
                        v => return Err(self.err("type-mismatch", format!("create_resources(): the attributes of '{title}' must be a Hash, got {}", v.type_name()), span)),
                    };
                    let mut attrs = merge(attrs, &defaults);
                    // Puppet's create_resources gives a resource whose title is not a
                    // string (apache's `ensure_resource('apache::listen', $port)` with
                    // an Integer port) a `name` parameter: the title as it was, which
                    // the catalog then keeps (it is not the string title).
                    if !matches!(title.0, Val::Str(_)) && !attrs.contains_key("name") {
                        attrs.insert(Key::from("name"), title.0.clone());
                    }
                    items.push((title.text(), attrs));
                }
                (ty, items)
            }
            _ => unreachable!("only create_resources comes here"),
        };
        let (ty, is_virtual) = match ty.strip_prefix('@') {
            Some(t) => (t.trim_start_matches('@').to_string(), true),
            None => (ty, false),
        };
        for (title, attrs) in items {
            if ty == "class" {
                self.declare_class(&title, Some(to_attrs(&attrs, &loc)), loc.clone(), false)?;
                continue;
            }
            let is_define = self.check_type(&ty, span)?;
            self.declare(
                &ty,
                title,
                to_attrs(&attrs, &loc),
                loc.clone(),
                is_virtual,
                is_define,
            )?;
        }
        Ok(Val::Undef)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versioncmp_follows_puppet() {
        assert_eq!(versioncmp("1.2.10", "1.2.9"), 1);
        assert_eq!(versioncmp("1.0", "1.0"), 0);
        assert_eq!(versioncmp("1.0-rc1", "1.0.1"), -1);
        assert_eq!(versioncmp("2.4", "10.0"), -1);
    }

    #[test]
    fn sprintf_formats_like_ruby() {
        use super::super::format::ruby_sprintf as sprintf;
        let a = [Val::Int(5), Val::Str("ab".into()), Val::Float(1.23456)];
        assert_eq!(sprintf("%03d|%-4s|%.2f|%%", &a).unwrap(), "005|ab  |1.23|%");
        assert_eq!(sprintf("%x", &[Val::Int(255)]).unwrap(), "ff");
        assert!(sprintf("%d", &[]).is_err());
    }
}
