//! Built-in functions: logging, `fail`, string and collection helpers, iteration with
//! lambdas, `include`/`require`/`contain`/`realize`, `lookup` with a default, `defined`,
//! templates and files, and type conversions.

use super::expr::a_type;
use super::resources::{AttrVal, BUILTIN_TYPES};
use super::scope::{Scope, ScopeKind};
use super::types::{self, Ty};
use super::value::{puppet_cmp, Val};
use super::{closest, unroot, Compiler, Halt, LogLevel, LogMessage, R};
use crate::ast::{Expr, ExprKind, Lambda, Span, UnaryOp};
use converge_catalog::{Diagnostic, EdgeKind, EdgeOrigin, ResourceRef};
use indexmap::IndexMap;
use std::cmp::Ordering;

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
    "sprintf",
    "upcase",
    "downcase",
    "capitalize",
    "strip",
    "lstrip",
    "rstrip",
    "chomp",
    "versioncmp",
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

/// Translate a Puppet (Ruby) regex to the regex crate's syntax: Ruby's `^`/`$` always
/// match at line boundaries, `\h` is a hex digit, `\Z` is the end of the text.
pub(crate) fn ruby_regex(src: &str) -> String {
    let mut out = String::with_capacity(src.len() + 4);
    out.push_str("(?m)");
    let mut chars = src.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('h') => out.push_str("[0-9a-fA-F]"),
                Some('H') => out.push_str("[^0-9a-fA-F]"),
                Some('Z') => out.push_str(r"\z"),
                Some('/') => out.push('/'),
                Some(n) => {
                    out.push('\\');
                    out.push(n);
                }
                None => out.push_str(r"\\"),
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Ruby's replacement syntax (`\1`, `\0`, `\\`) to the regex crate's (`${1}`), with `$`
/// made literal.
fn ruby_replacement(rep: &str) -> String {
    let mut out = String::with_capacity(rep.len());
    let mut chars = rep.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '$' => out.push_str("$$"),
            '\\' => match chars.peek().copied() {
                Some(d) if d.is_ascii_digit() => {
                    chars.next();
                    out.push_str(&format!("${{{d}}}"));
                }
                Some('\\') => {
                    chars.next();
                    out.push('\\');
                }
                Some('&') => {
                    chars.next();
                    out.push_str("${0}");
                }
                _ => out.push('\\'),
            },
            c => out.push(c),
        }
    }
    out
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
    /// Compile a Puppet regex (cached).
    pub(crate) fn regex(&mut self, pattern: &str, span: Span) -> R<regex::Regex> {
        if let Some(r) = self.regex_cache.get(pattern) {
            return Ok(r.clone());
        }
        match regex::Regex::new(&ruby_regex(pattern)) {
            Ok(r) => {
                self.regex_cache.insert(pattern.to_string(), r.clone());
                Ok(r)
            }
            Err(e) => {
                let msg = e.to_string();
                let last = msg.lines().last().unwrap_or("").trim().to_string();
                Err(self.err(
                    "invalid-regex",
                    format!("Invalid regex /{pattern}/: {last}"),
                    span,
                ))
            }
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
                match self.eval(expr)? {
                    Val::Array(x) => vals.extend(x),
                    v => vals.push(v),
                }
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
                Val::Type(Ty::Resource(Some(c))) => out.push(c),
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

    /// Call a lambda with arguments in a new local scope.
    pub(crate) fn call_lambda(&mut self, lambda: &Lambda, args: Vec<Val>) -> R<Val> {
        self.enter(lambda.span)?;
        let parent = &self.scopes[self.scope];
        let mut s = Scope::new(ScopeKind::Local, Some(self.scope), parent.label.clone());
        s.container = parent.container.clone();
        s.tags = parent.tags.clone();
        let sid = self.push_scope(s);
        let saved_scope = self.scope;
        let saved_matches = std::mem::replace(&mut self.matches, vec![None]);
        self.scope = sid;
        let r = (|| -> R<Val> {
            let mut args = args.into_iter();
            for p in &lambda.params {
                let v = if p.captures_rest {
                    Val::Array(args.by_ref().collect())
                } else {
                    match args.next() {
                        Some(v) => v,
                        None => match &p.default {
                            Some(d) => self.eval(d)?,
                            None => {
                                return Err(self.err(
                                    "wrong-arguments",
                                    format!(
                                        "The lambda expects a value for parameter '${}'",
                                        p.name
                                    ),
                                    p.span,
                                ))
                            }
                        },
                    }
                };
                if let Some(t) = &p.type_expr {
                    if let Val::Type(t) = self.eval(t)? {
                        if !t.matches(&v) {
                            return Err(self.err(
                                "type-mismatch",
                                format!("lambda parameter '{}' {}", p.name, t.mismatch(&v)),
                                p.span,
                            ));
                        }
                    }
                }
                self.set_var(sid, &p.name, v);
            }
            match self.eval_body_strict(&lambda.body) {
                Err(Halt::Next(v)) | Err(Halt::Return(v)) => Ok(v),
                r => r,
            }
        })();
        self.scope = saved_scope;
        self.matches = saved_matches;
        self.leave();
        r
    }

    /// The elements an iteration function walks, shaped for a lambda of `n` parameters.
    fn iteration_items(&mut self, v: &Val, n: usize, span: Span) -> R<Vec<Vec<Val>>> {
        Ok(match v {
            Val::Array(a) => a
                .iter()
                .enumerate()
                .map(|(i, x)| {
                    if n >= 2 {
                        vec![Val::Int(i as i64), x.clone()]
                    } else {
                        vec![x.clone()]
                    }
                })
                .collect(),
            Val::Hash(h) => h
                .iter()
                .map(|(k, x)| {
                    if n >= 2 {
                        vec![Val::Str(k.clone()), x.clone()]
                    } else {
                        vec![Val::Array(vec![Val::Str(k.clone()), x.clone()])]
                    }
                })
                .collect(),
            Val::Int(c) if *c >= 0 && *c <= 1_000_000 => (0..*c)
                .map(|i| {
                    if n >= 2 {
                        vec![Val::Int(i), Val::Int(i)]
                    } else {
                        vec![Val::Int(i)]
                    }
                })
                .collect(),
            Val::Str(s) => s
                .chars()
                .enumerate()
                .map(|(i, c)| {
                    if n >= 2 {
                        vec![Val::Int(i as i64), Val::Str(c.to_string())]
                    } else {
                        vec![Val::Str(c.to_string())]
                    }
                })
                .collect(),
            v => {
                return Err(self.err(
                    "type-mismatch",
                    format!("Cannot iterate over {}", a_type(v)),
                    span,
                ))
            }
        })
    }

    fn need_lambda<'a>(
        &mut self,
        name: &str,
        lambda: Option<&'a Lambda>,
        span: Span,
    ) -> R<&'a Lambda> {
        match lambda {
            Some(l) => Ok(l),
            None => Err(self.err(
                "wrong-arguments",
                format!("'{name}' expects a lambda (a block |$x| {{ ... }})"),
                span,
            )),
        }
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
            return self.convert(name, args, span);
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
                                format!("realize() expects resource references, got {}", a_type(&v)),
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
                let text = args.iter().map(|v| v.to_string()).collect::<Vec<_>>().join(" ");
                let loc = self.loc(span);
                self.diags.push(Diagnostic::error("fail", text).at(Some(loc)));
                Err(Halt::Fatal)
            }
            "split" => {
                self.arity(name, &args, 2, 2, span)?;
                let s = self.want_str(name, &args[0], span)?;
                let pat = match &args[1] {
                    Val::Str(p) | Val::Regex(p) => p.clone(),
                    v => return Err(self.err("type-mismatch", format!("'split' expects a String or Regexp separator, got {}", v.type_name()), span)),
                };
                let parts: Vec<Val> = if pat.is_empty() {
                    s.chars().map(|c| Val::Str(c.to_string())).collect()
                } else {
                    let re = self.regex(&pat, span)?;
                    let mut p: Vec<Val> = re.split(&s).map(|x| Val::Str(x.to_string())).collect();
                    while matches!(p.last(), Some(Val::Str(x)) if x.is_empty()) {
                        p.pop();
                    }
                    p
                };
                Ok(Val::Array(parts))
            }
            "join" => {
                self.arity(name, &args, 1, 2, span)?;
                let sep = args.get(1).map(|v| v.to_string()).unwrap_or_default();
                match &args[0] {
                    Val::Array(a) => Ok(Val::Str(a.iter().map(|v| v.to_string()).collect::<Vec<_>>().join(&sep))),
                    v => Err(self.err("type-mismatch", format!("'join' expects an Array, got {}", v.type_name()), span)),
                }
            }
            "regsubst" => {
                self.arity(name, &args, 3, 5, span)?;
                let pat = match &args[1] {
                    Val::Str(p) | Val::Regex(p) => p.clone(),
                    v => return Err(self.err("type-mismatch", format!("'regsubst' expects a pattern, got {}", v.type_name()), span)),
                };
                let rep = ruby_replacement(&args[2].to_string());
                let flags = args.get(3).map(|v| v.to_string()).unwrap_or_default();
                let mut prefix = String::new();
                for f in flags.chars() {
                    match f {
                        'I' => prefix.push_str("(?i)"),
                        'E' => prefix.push_str("(?x)"),
                        'M' => prefix.push_str("(?s)"),
                        'G' => {}
                        _ => return Err(self.err("wrong-arguments", format!("regsubst(): unknown flag '{f}' (valid: E, I, M, G)"), span)),
                    }
                }
                let re = self.regex(&format!("{prefix}{pat}"), span)?;
                let global = flags.contains('G');
                let sub = |s: &str| -> String {
                    if global {
                        re.replace_all(s, rep.as_str()).into_owned()
                    } else {
                        re.replace(s, rep.as_str()).into_owned()
                    }
                };
                match &args[0] {
                    Val::Array(a) => Ok(Val::Array(a.iter().map(|v| Val::Str(sub(&v.to_string()))).collect())),
                    v => Ok(Val::Str(sub(&v.to_string()))),
                }
            }
            "sprintf" => {
                self.arity(name, &args, 1, usize::MAX, span)?;
                let f = self.want_str(name, &args[0], span)?;
                match sprintf(&f, &args[1..]) {
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
                                Some(x) => x.to_uppercase().chain(c.flat_map(char::to_lowercase)).collect(),
                                None => String::new(),
                            }
                        }
                        "strip" => s.trim().to_string(),
                        "lstrip" => s.trim_start().to_string(),
                        "rstrip" => s.trim_end().to_string(),
                        _ => s.strip_suffix("\r\n").or_else(|| s.strip_suffix('\n')).or_else(|| s.strip_suffix('\r')).unwrap_or(s).to_string(),
                    }
                }
                match &args[0] {
                    Val::Str(s) => Ok(Val::Str(f(name, s))),
                    Val::Array(a) => Ok(Val::Array(
                        a.iter().map(|v| match v {
                            Val::Str(s) => Val::Str(f(name, s)),
                            v => v.clone(),
                        }).collect(),
                    )),
                    Val::Hash(h) if matches!(name, "upcase" | "downcase") => Ok(Val::Hash(
                        h.iter().map(|(k, v)| (f(name, k), match v {
                            Val::Str(s) => Val::Str(f(name, s)),
                            v => v.clone(),
                        })).collect(),
                    )),
                    v => Err(self.err("type-mismatch", format!("'{name}' expects a String or an Array, got {}", v.type_name()), span)),
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
                        Val::Type(Ty::Resource(Some(t))) => {
                            BUILTIN_TYPES.contains(&t.as_str()) || self.find_define(t).is_some()
                        }
                        Val::Type(Ty::Class(Some(c))) => self.declared_classes.contains_key(c),
                        Val::Type(_) => true,
                        Val::Ref(r) if r.is_class() => self.declared_classes.contains_key(&r.title.to_lowercase()),
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
            "each" | "map" | "filter" | "any" | "all" => {
                self.arity(name, &args, 1, 1, span)?;
                let l = self.need_lambda(name, lambda, span)?;
                let items = self.iteration_items(&args[0], l.params.len(), span)?;
                let mut mapped = Vec::new();
                let mut kept = Vec::new();
                for (i, it) in items.into_iter().enumerate() {
                    match self.call_lambda(l, it) {
                        Ok(v) => match name {
                            "map" => mapped.push(v),
                            "filter" if v.truthy() => kept.push(i),
                            "any" if v.truthy() => return Ok(Val::Bool(true)),
                            "all" if !v.truthy() => return Ok(Val::Bool(false)),
                            _ => {}
                        },
                        Err(Halt::Break) => break,
                        Err(h) => return Err(h),
                    }
                }
                Ok(match name {
                    "each" => args[0].clone(),
                    "map" => Val::Array(mapped),
                    "any" => Val::Bool(false),
                    "all" => Val::Bool(true),
                    _ => match &args[0] {
                        Val::Hash(h) => Val::Hash(
                            h.iter().enumerate().filter(|(i, _)| kept.contains(i)).map(|(_, (k, v))| (k.clone(), v.clone())).collect(),
                        ),
                        Val::Array(a) => Val::Array(kept.iter().filter_map(|&i| a.get(i).cloned()).collect()),
                        _ => Val::Array(kept.iter().map(|&i| Val::Int(i as i64)).collect()),
                    },
                })
            }
            "reduce" => {
                self.arity(name, &args, 1, 2, span)?;
                let l = self.need_lambda(name, lambda, span)?;
                let items: Vec<Val> = self.iteration_items(&args[0], 1, span)?.into_iter().filter_map(|mut v| v.pop()).collect();
                let mut it = items.into_iter();
                let mut acc = match args.get(1) {
                    Some(v) => v.clone(),
                    None => match it.next() {
                        Some(v) => v,
                        None => return Ok(Val::Undef),
                    },
                };
                for x in it {
                    match self.call_lambda(l, vec![acc.clone(), x]) {
                        Ok(v) => acc = v,
                        Err(Halt::Break) => break,
                        Err(h) => return Err(h),
                    }
                }
                Ok(acc)
            }
            "with" => {
                let l = self.need_lambda(name, lambda, span)?;
                self.call_lambda(l, args)
            }
            "then" => {
                let l = self.need_lambda(name, lambda, span)?;
                if s0(&args).is_undef() {
                    Ok(Val::Undef)
                } else {
                    self.call_lambda(l, args)
                }
            }
            "lest" => {
                let l = self.need_lambda(name, lambda, span)?;
                if s0(&args).is_undef() {
                    self.call_lambda(l, Vec::new())
                } else {
                    Ok(s0(&args))
                }
            }
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
            "template" | "inline_template" => Err(self.err_hint(
                "erb-unsupported",
                "ERB templates are not supported; convert to EPP",
                "rewrite the template in EPP (<%= $var %> instead of <%= @var %>) and call epp() or inline_epp()",
                span,
            )),
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
                Ok(Val::Bool(args.iter().all(|a| tags.contains(&a.to_string().to_lowercase()))))
            }
            "create_resources" | "ensure_resource" | "ensure_packages" => self.create_resources(name, args, span),
            "size" | "length" => {
                self.arity(name, &args, 1, 1, span)?;
                Ok(Val::Int(match &args[0] {
                    Val::Array(a) => a.len() as i64,
                    Val::Hash(h) => h.len() as i64,
                    Val::Str(s) => s.chars().count() as i64,
                    v => return Err(self.err("type-mismatch", format!("'{name}' expects a Collection or a String, got {}", v.type_name()), span)),
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
                        h.keys().map(|k| Val::Str(k.clone())).collect()
                    } else {
                        h.values().cloned().collect()
                    })),
                    v => Err(self.err("type-mismatch", format!("'{name}' expects a Hash, got {}", v.type_name()), span)),
                }
            }
            "flatten" => {
                let mut out = Vec::new();
                for a in args {
                    flatten_into(a, &mut out);
                }
                Ok(Val::Array(out))
            }
            "unique" => {
                let a = match s0(&args) {
                    Val::Array(a) => a,
                    v => return Ok(v),
                };
                let mut out: Vec<Val> = Vec::new();
                for v in a {
                    if !out.contains(&v) {
                        out.push(v);
                    }
                }
                Ok(Val::Array(out))
            }
            "sort" => match s0(&args) {
                Val::Array(mut a) => {
                    a.sort_by(|x, y| puppet_cmp(x, y).unwrap_or(Ordering::Equal));
                    Ok(Val::Array(a))
                }
                v => Err(self.err("type-mismatch", format!("'sort' expects an Array, got {}", v.type_name()), span)),
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
                            let o = puppet_cmp(&v, &b).unwrap_or(Ordering::Equal);
                            if (name == "min" && o == Ordering::Less) || (name == "max" && o == Ordering::Greater) { v } else { b }
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
            "type" => {
                let v = s0(&args);
                Ok(Val::Type(types::from_name(&v.type_name()).unwrap_or(Ty::Any)))
            }
            "assert_type" => {
                self.arity(name, &args, 2, 2, span)?;
                match &args[0] {
                    Val::Type(t) if t.matches(&args[1]) => Ok(args[1].clone()),
                    Val::Type(t) => {
                        if let Some(l) = lambda {
                            return self.call_lambda(l, vec![Val::Type(t.clone()), args[1].clone()]);
                        }
                        let m = t.mismatch(&args[1]);
                        Err(self.err("type-mismatch", format!("assert_type(): value {m}"), span))
                    }
                    v => Err(self.err("type-mismatch", format!("assert_type() expects a Type, got {}", v.type_name()), span)),
                }
            }
            "dig" => {
                let mut cur = s0(&args);
                for k in args.iter().skip(1) {
                    cur = match (&cur, k) {
                        (Val::Hash(h), k) => h.get(&k.key_string()).cloned().unwrap_or(Val::Undef),
                        (Val::Array(a), Val::Int(i)) => usize::try_from(*i).ok().and_then(|i| a.get(i).cloned()).unwrap_or(Val::Undef),
                        _ => Val::Undef,
                    };
                }
                Ok(cur)
            }
            "pick" => {
                for a in &args {
                    if !a.is_undef() && !matches!(a, Val::Str(s) if s.is_empty()) {
                        return Ok(a.clone());
                    }
                }
                Err(self.err("pick", "pick(): must receive at least one non empty value", span))
            }
            "merge" => {
                let mut out = IndexMap::new();
                for a in args {
                    match a {
                        Val::Hash(h) => out.extend(h),
                        Val::Undef => {}
                        Val::Str(s) if s.is_empty() => {}
                        v => return Err(self.err("type-mismatch", format!("merge(): expects Hashes, got {}", v.type_name()), span)),
                    }
                }
                Ok(Val::Hash(out))
            }
            "concat" => {
                let mut out = Vec::new();
                for a in args {
                    match a {
                        Val::Array(x) => out.extend(x),
                        v => out.push(v),
                    }
                }
                Ok(Val::Array(out))
            }
            "has_key" => {
                self.arity(name, &args, 2, 2, span)?;
                Ok(Val::Bool(matches!(&args[0], Val::Hash(h) if h.contains_key(&args[1].key_string()))))
            }
            "member" => {
                self.arity(name, &args, 2, 2, span)?;
                Ok(Val::Bool(match (&args[0], &args[1]) {
                    (Val::Array(a), Val::Array(b)) => b.iter().all(|x| a.contains(x)),
                    (Val::Array(a), x) => a.contains(x),
                    _ => false,
                }))
            }
            "match" => {
                self.arity(name, &args, 2, 2, span)?;
                let pat = match &args[1] {
                    Val::Str(p) | Val::Regex(p) => p.clone(),
                    v => return Err(self.err("type-mismatch", format!("'match' expects a pattern, got {}", v.type_name()), span)),
                };
                let re = self.regex(&pat, span)?;
                let m = |s: &str| match re.captures(s) {
                    Some(c) => Val::Array(c.iter().map(|m| m.map_or(Val::Undef, |m| Val::Str(m.as_str().into()))).collect()),
                    None => Val::Undef,
                };
                Ok(match &args[0] {
                    Val::Array(a) => Val::Array(a.iter().map(|v| m(&v.to_string())).collect()),
                    v => m(&v.to_string()),
                })
            }
            "basename" | "dirname" => {
                let s = self.want_str(name, &s0(&args), span)?;
                let p = std::path::Path::new(&s);
                let r = if name == "basename" {
                    p.file_name().map(|x| x.to_string_lossy().into_owned()).unwrap_or_default()
                } else {
                    p.parent().map(|x| x.to_string_lossy().into_owned()).filter(|x| !x.is_empty()).unwrap_or_else(|| ".".into())
                };
                Ok(Val::Str(r))
            }
            "start_with" | "end_with" => {
                self.arity(name, &args, 2, 2, span)?;
                let s = args[0].to_string();
                let mut ps = Vec::new();
                flatten_into(args[1].clone(), &mut ps);
                Ok(Val::Bool(ps.iter().any(|p| {
                    let p = p.to_string();
                    if name == "start_with" { s.starts_with(&p) } else { s.ends_with(&p) }
                })))
            }
            "str2bool" => match s0(&args) {
                Val::Bool(b) => Ok(Val::Bool(b)),
                Val::Str(s) => match s.to_lowercase().as_str() {
                    "1" | "t" | "y" | "true" | "yes" => Ok(Val::Bool(true)),
                    "" | "0" | "f" | "n" | "false" | "no" | "undef" | "undefined" => Ok(Val::Bool(false)),
                    _ => Err(self.err("type-mismatch", format!("str2bool(): Unknown type of boolean given: '{s}'"), span)),
                },
                v => Err(self.err("type-mismatch", format!("str2bool() expects a String, got {}", v.type_name()), span)),
            },
            "bool2str" => {
                let b = s0(&args).truthy();
                Ok(Val::Str(match (args.get(1), args.get(2)) {
                    (Some(t), Some(f)) => if b { t.to_string() } else { f.to_string() },
                    _ => b.to_string(),
                }))
            }
            "to_json" => Ok(Val::Str(serde_json::to_string(&s0(&args).to_value()).unwrap_or_default())),
            "delete" => {
                self.arity(name, &args, 2, 2, span)?;
                let mut drop = Vec::new();
                flatten_into(args[1].clone(), &mut drop);
                Ok(match &args[0] {
                    Val::Array(a) => Val::Array(a.iter().filter(|v| !drop.contains(v)).cloned().collect()),
                    Val::Hash(h) => {
                        let ks: Vec<String> = drop.iter().map(Val::key_string).collect();
                        Val::Hash(h.iter().filter(|(k, _)| !ks.contains(k)).map(|(k, v)| (k.clone(), v.clone())).collect())
                    }
                    Val::Str(s) => {
                        let mut s = s.clone();
                        for d in &drop {
                            s = s.replace(&d.to_string(), "");
                        }
                        Val::Str(s)
                    }
                    v => v.clone(),
                })
            }
            "delete_at" => {
                // stdlib's delete_at.rb: a copy without the element at a non-negative index.
                self.arity(name, &args, 2, 2, span)?;
                let Val::Array(a) = &args[0] else {
                    return Err(self.err("type-mismatch", "delete_at(): Requires array to work with", span));
                };
                let index = match &args[1] {
                    Val::Int(i) if *i >= 0 => *i as usize,
                    Val::Str(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => s.parse().unwrap_or(usize::MAX),
                    _ => return Err(self.err("type-mismatch", "delete_at(): You must provide non-negative numeric index", span)),
                };
                if index >= a.len() {
                    return Err(self.err("index-out-of-range", "delete_at(): Given index exceeds size of array given", span));
                }
                let mut a = a.clone();
                a.remove(index);
                Ok(Val::Array(a))
            }
            "prefix" | "suffix" => {
                self.arity(name, &args, 1, 2, span)?;
                let fix = args.get(1).map(|v| v.to_string()).unwrap_or_default();
                let f = |s: String| if name == "prefix" { format!("{fix}{s}") } else { format!("{s}{fix}") };
                Ok(match &args[0] {
                    Val::Array(a) => Val::Array(a.iter().map(|v| Val::Str(f(v.to_string()))).collect()),
                    Val::Hash(h) => Val::Hash(h.iter().map(|(k, v)| (f(k.clone()), v.clone())).collect()),
                    v => Val::Str(f(v.to_string())),
                })
            }
            "range" => {
                self.arity(name, &args, 2, 3, span)?;
                match (args[0].as_number(), args[1].as_number()) {
                    (Some(Val::Int(a)), Some(Val::Int(b))) if b.saturating_sub(a) <= 1_000_000 => {
                        Ok(Val::Array((a..=b).map(Val::Int).collect()))
                    }
                    _ => Err(self.err("wrong-arguments", "range() expects two integers at most a million apart", span)),
                }
            }
            "step" => {
                self.arity(name, &args, 2, 2, span)?;
                let n = match args[1] {
                    Val::Int(n) if n > 0 => n as usize,
                    _ => return Err(self.err("wrong-arguments", "step() expects a positive Integer step", span)),
                };
                match &args[0] {
                    Val::Array(a) => Ok(Val::Array(a.iter().step_by(n).cloned().collect())),
                    v => Err(self.err("type-mismatch", format!("step() expects an Array, got {}", v.type_name()), span)),
                }
            }
            "new" => {
                self.arity(name, &args, 1, usize::MAX, span)?;
                match &args[0] {
                    Val::Type(t) => {
                        let tn = t.to_string();
                        let base = tn.split('[').next().unwrap_or("").to_string();
                        self.convert(&base, args[1..].to_vec(), span)
                    }
                    v => Err(self.err("type-mismatch", format!("new() expects a Type, got {}", v.type_name()), span)),
                }
            }
            "assert_private" => {
                self.arity(name, &args, 0, 1, span)?;
                self.assert_private(&args, span)
            }
            _ => {
                if let Some(rb) = self.ruby_function_file(name) {
                    return Err(self.ruby_only("function", name, rb, span));
                }
                let loc = self.loc(span);
                let mut d = Diagnostic::error("unknown-function", format!("Unknown function: '{name}'")).at(Some(loc));
                if let Some(c) = closest(name, FUNCTIONS.iter().copied()) {
                    d = d.with_hint(format!("did you mean '{c}'?"));
                } else if name.contains("::") {
                    d = d.with_hint(format!(
                        "no {} in the module path ({})",
                        match name.split_once("::") {
                            Some((m, rest)) => format!("{m}/functions/{}.pp", rest.replace("::", "/")),
                            None => name.to_string(),
                        },
                        self.modulepath().iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(":")
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

    /// `Integer('80')`, `String(5)`, `Sensitive('pw')`, ...
    fn convert(&mut self, ty: &str, args: Vec<Val>, span: Span) -> R<Val> {
        let v = args.first().cloned().unwrap_or(Val::Undef);
        let bad = |c: &mut Compiler, v: &Val| {
            c.err(
                "type-mismatch",
                format!("Cannot convert {} '{v}' to {ty}", a_type(v)),
                span,
            )
        };
        match ty {
            "Integer" | "Float" | "Numeric" => {
                let n = match &v {
                    Val::Bool(b) => Some(Val::Int(i64::from(*b))),
                    v => v.as_number(),
                };
                match (ty, n) {
                    ("Integer", Some(Val::Int(i))) => Ok(Val::Int(i)),
                    ("Integer", Some(Val::Float(f))) if f.is_finite() && f.abs() < 9.2e18 => Ok(Val::Int(f.trunc() as i64)),
                    ("Float", Some(Val::Int(i))) => Ok(Val::Float(i as f64)),
                    ("Float" | "Numeric", Some(x)) => Ok(x),
                    _ => Err(bad(self, &v)),
                }
            }
            "String" => Ok(Val::Str(v.to_string())),
            "Boolean" => match &v {
                Val::Bool(b) => Ok(Val::Bool(*b)),
                Val::Str(s) => match s.to_lowercase().as_str() {
                    "true" | "yes" | "y" => Ok(Val::Bool(true)),
                    "false" | "no" | "n" | "" => Ok(Val::Bool(false)),
                    _ => Err(bad(self, &v)),
                },
                Val::Int(i) => Ok(Val::Bool(*i != 0)),
                _ => Err(bad(self, &v)),
            },
            "Array" => Ok(match v {
                Val::Array(a) => Val::Array(a),
                Val::Hash(h) => Val::Array(h.into_iter().map(|(k, v)| Val::Array(vec![Val::Str(k), v])).collect()),
                Val::Undef => Val::Array(Vec::new()),
                v => Val::Array(vec![v]),
            }),
            "Hash" => match v {
                Val::Hash(h) => Ok(Val::Hash(h)),
                Val::Array(a) => {
                    let mut h = IndexMap::new();
                    let mut it = a.into_iter();
                    while let Some(k) = it.next() {
                        match k {
                            Val::Array(pair) if pair.len() == 2 => {
                                h.insert(pair[0].key_string(), pair[1].clone());
                            }
                            k => {
                                h.insert(k.key_string(), it.next().unwrap_or(Val::Undef));
                            }
                        }
                    }
                    Ok(Val::Hash(h))
                }
                v => Err(bad(self, &v)),
            },
            "Sensitive" => Ok(Val::Sensitive(Box::new(v))),
            _ => Err(self.err(
                "unknown-function",
                format!("Cannot create a new {ty} by calling it; conversion is not supported for this type"),
                span,
            )),
        }
    }

    /// `create_resources`, stdlib's `ensure_resource` and `ensure_packages`.
    fn create_resources(&mut self, name: &str, args: Vec<Val>, span: Span) -> R<Val> {
        let loc = self.loc(span);
        let to_attrs =
            |h: &IndexMap<String, Val>, loc: &converge_catalog::Location| -> Vec<AttrVal> {
                h.iter()
                    .map(|(k, v)| AttrVal {
                        name: k.clone(),
                        val: v.clone(),
                        loc: loc.clone(),
                        append: false,
                    })
                    .collect()
            };
        let merge =
            |a: &IndexMap<String, Val>, d: &IndexMap<String, Val>| -> IndexMap<String, Val> {
                let mut out = d.clone();
                for (k, v) in a {
                    out.insert(k.clone(), v.clone());
                }
                out
            };
        let empty = IndexMap::new();
        type Items = Vec<(String, IndexMap<String, Val>)>;
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
                    items.push((title.clone(), merge(attrs, &defaults)));
                }
                (ty, items)
            }
            "ensure_resource" => {
                self.arity(name, &args, 2, 3, span)?;
                let ty = args[0].to_string().to_lowercase();
                let attrs = match args.get(2) {
                    Some(Val::Hash(h)) => h.clone(),
                    _ => IndexMap::new(),
                };
                let mut titles = Vec::new();
                flatten_into(args[1].clone(), &mut titles);
                (
                    ty,
                    titles
                        .into_iter()
                        .map(|t| (t.to_string(), attrs.clone()))
                        .collect(),
                )
            }
            _ => {
                self.arity(name, &args, 1, 2, span)?;
                let defaults = match args.get(1) {
                    Some(Val::Hash(h)) => h.clone(),
                    _ => IndexMap::new(),
                };
                let mut base = IndexMap::new();
                base.insert("ensure".to_string(), Val::Str("installed".into()));
                let defaults = merge(&defaults, &base);
                let items = match &args[0] {
                    Val::Hash(h) => h
                        .iter()
                        .map(|(k, v)| {
                            (
                                k.clone(),
                                match v {
                                    Val::Hash(a) => merge(a, &defaults),
                                    _ => defaults.clone(),
                                },
                            )
                        })
                        .collect(),
                    v => {
                        let mut names = Vec::new();
                        flatten_into(v.clone(), &mut names);
                        names
                            .into_iter()
                            .map(|n| (n.to_string(), defaults.clone()))
                            .collect()
                    }
                };
                ("package".to_string(), items)
            }
        };
        let (ty, is_virtual) = match ty.strip_prefix('@') {
            Some(t) => (t.trim_start_matches('@').to_string(), true),
            None => (ty, false),
        };
        let ensure = name != "create_resources";
        for (title, attrs) in items {
            if ty == "class" {
                self.declare_class(&title, Some(to_attrs(&attrs, &loc)), loc.clone(), false)?;
                continue;
            }
            if ensure && self.lookup(&ResourceRef::new(&ty, &title)).is_some() {
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

/// Ruby-style `sprintf`: `%s %d %i %f %e %x %X %o %b %%` with flags, width and precision.
fn sprintf(f: &str, args: &[Val]) -> Result<String, String> {
    let mut out = String::new();
    let cs: Vec<char> = f.chars().collect();
    let mut i = 0;
    let mut next = 0;
    while i < cs.len() {
        if cs[i] != '%' {
            out.push(cs[i]);
            i += 1;
            continue;
        }
        i += 1;
        if i < cs.len() && cs[i] == '%' {
            out.push('%');
            i += 1;
            continue;
        }
        let (mut left, mut zero, mut plus, mut space) = (false, false, false, false);
        while i < cs.len() && "-0+ #".contains(cs[i]) {
            match cs[i] {
                '-' => left = true,
                '0' => zero = true,
                '+' => plus = true,
                ' ' => space = true,
                _ => {}
            }
            i += 1;
        }
        let mut width = 0usize;
        while i < cs.len() && cs[i].is_ascii_digit() {
            width = width
                .saturating_mul(10)
                .saturating_add(cs[i] as usize - '0' as usize)
                .min(10_000);
            i += 1;
        }
        let mut prec: Option<usize> = None;
        if i < cs.len() && cs[i] == '.' {
            i += 1;
            let mut p = 0usize;
            while i < cs.len() && cs[i].is_ascii_digit() {
                p = p
                    .saturating_mul(10)
                    .saturating_add(cs[i] as usize - '0' as usize)
                    .min(10_000);
                i += 1;
            }
            prec = Some(p);
        }
        let Some(&conv) = cs.get(i) else {
            return Err("incomplete format specification".into());
        };
        i += 1;
        let arg = args.get(next).ok_or("too few arguments")?;
        next += 1;
        let num = || {
            arg.as_number()
                .ok_or_else(|| format!("expected a number for %{conv}, got '{arg}'"))
        };
        let sign = |neg: bool| {
            if neg {
                "-"
            } else if plus {
                "+"
            } else if space {
                " "
            } else {
                ""
            }
        };
        let (body, numeric) = match conv {
            's' | 'p' => {
                let s = if conv == 'p' {
                    // debug-format: sprintf's %p quotes as Puppet's `inspect` does.
                    format!("{:?}", arg.to_string())
                } else {
                    arg.to_string()
                };
                (
                    match prec {
                        Some(p) => s.chars().take(p).collect(),
                        None => s,
                    },
                    false,
                )
            }
            'd' | 'i' | 'u' => {
                let n = match num()? {
                    Val::Int(n) => n,
                    Val::Float(f) => f as i64,
                    _ => 0,
                };
                (format!("{}{}", sign(n < 0), n.unsigned_abs()), true)
            }
            'f' | 'e' | 'E' | 'g' => {
                let x = match num()? {
                    Val::Int(n) => n as f64,
                    Val::Float(f) => f,
                    _ => 0.0,
                };
                let p = prec.unwrap_or(6);
                let b = match conv {
                    'e' => format!("{:.*e}", p, x.abs()),
                    'E' => format!("{:.*E}", p, x.abs()),
                    'g' => format!("{}", x.abs()),
                    _ => format!("{:.*}", p, x.abs()),
                };
                (format!("{}{b}", sign(x < 0.0)), true)
            }
            'x' | 'X' | 'o' | 'b' => {
                let n = match num()? {
                    Val::Int(n) => n,
                    _ => return Err(format!("expected an integer for %{conv}")),
                };
                let m = n.unsigned_abs();
                let b = match conv {
                    'x' => format!("{m:x}"),
                    'X' => format!("{m:X}"),
                    'o' => format!("{m:o}"),
                    _ => format!("{m:b}"),
                };
                (format!("{}{b}", sign(n < 0)), true)
            }
            c => return Err(format!("unsupported conversion '%{c}'")),
        };
        let len = body.chars().count();
        if len >= width {
            out.push_str(&body);
        } else if left {
            out.push_str(&body);
            out.push_str(&" ".repeat(width - len));
        } else if zero && numeric {
            let (s, digits) = match body.chars().next() {
                Some(c @ ('-' | '+' | ' ')) => (c.to_string(), body[1..].to_string()),
                _ => (String::new(), body.clone()),
            };
            out.push_str(&s);
            out.push_str(&"0".repeat(width - len));
            out.push_str(&digits);
        } else {
            out.push_str(&" ".repeat(width - len));
            out.push_str(&body);
        }
    }
    Ok(out)
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
        let a = [Val::Int(5), Val::Str("ab".into()), Val::Float(1.23456)];
        assert_eq!(sprintf("%03d|%-4s|%.2f|%%", &a).unwrap(), "005|ab  |1.23|%");
        assert_eq!(sprintf("%x", &[Val::Int(255)]).unwrap(), "ff");
        assert!(sprintf("%d", &[]).is_err());
    }

    #[test]
    fn ruby_regex_and_replacement_translate() {
        let re = regex::Regex::new(&ruby_regex(r"^\h+$")).unwrap();
        assert!(re.is_match("zz\nbeef\n"));
        assert_eq!(ruby_replacement(r"<\1>$"), "<${1}>$$");
    }
}
