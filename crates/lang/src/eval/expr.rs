//! Expressions: literals, strings, variables, operators, access, control flow.

use super::ops;
use super::types::{self, Ty};
use super::value::Val;
use super::{unroot, Compiler, R};
use crate::ast::{BinOp, Expr, ExprKind, StrPart, UnaryOp};
use converge_catalog::ResourceRef;
use indexmap::IndexMap;
use std::cmp::Ordering;

impl Compiler {
    /// Evaluate one expression.
    pub(crate) fn eval(&mut self, e: &Expr) -> R<Val> {
        self.enter(e.span)?;
        let r = self.eval_inner(e);
        self.leave();
        r
    }

    /// Evaluate an expression whose value nobody reads (a statement before the last, a
    /// class or define body): a resource declaration then makes no references to return.
    pub(crate) fn eval_unused(&mut self, e: &Expr) -> R<Val> {
        if let ExprKind::Resource {
            type_name,
            is_virtual,
            is_exported,
            bodies,
        } = &e.kind
        {
            self.enter(e.span)?;
            let r = self.eval_resource(type_name, *is_virtual, *is_exported, bodies, e.span, false);
            self.leave();
            return r;
        }
        self.eval(e)
    }

    fn eval_inner(&mut self, e: &Expr) -> R<Val> {
        match &e.kind {
            ExprKind::Undef => Ok(Val::Undef),
            ExprKind::Default => Ok(Val::Default),
            ExprKind::Bool(b) => Ok(Val::Bool(*b)),
            ExprKind::Integer(i) => Ok(Val::Int(*i)),
            ExprKind::Float(f) => Ok(Val::Float(*f)),
            ExprKind::Str(s) => Ok(Val::Str(s.clone())),
            ExprKind::Bareword(s) => Ok(Val::Str(s.clone())),
            ExprKind::Regex(r) => Ok(Val::Regex(r.clone())),
            ExprKind::Interpolated(parts) => {
                let mut out = String::new();
                self.in_double_quotes += 1;
                let r = self.interpolate(parts, &mut out);
                self.in_double_quotes -= 1;
                r?;
                Ok(Val::Str(out))
            }
            ExprKind::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for it in items {
                    if let ExprKind::Unary {
                        op: UnaryOp::Splat,
                        expr,
                    } = &it.kind
                    {
                        let v = self.eval(expr)?;
                        out.extend(unfold(v));
                    } else {
                        out.push(self.eval(it)?);
                    }
                }
                Ok(Val::Array(out))
            }
            ExprKind::Hash(pairs) => {
                let mut h = IndexMap::with_capacity(pairs.len());
                for (k, v) in pairs {
                    let key = self.eval(k)?;
                    let val = self.eval(v)?;
                    h.insert(super::value::Key(key), val);
                }
                Ok(Val::Hash(h))
            }
            ExprKind::Variable(name) => self.lookup_var(name, e.span),
            ExprKind::TypeName(name) => self.type_from_name(name, e.span),
            ExprKind::Access { target, keys } => {
                if let (ExprKind::TypeName(name), [key]) = (&target.kind, keys.as_slice()) {
                    if !matches!(key.kind, ExprKind::Unary { .. }) {
                        return self.access_one(name, key, e);
                    }
                }
                if let Some(path) = literal_fact_path(e) {
                    // `$facts['os']['family']` reads that one path, not the whole hash.
                    if let Some(facts) = self.top_facts() {
                        self.reads.fact_path(facts, &path);
                    }
                    self.reads.mute();
                    let v = self.eval_access(target, keys, e);
                    self.reads.unmute();
                    return v;
                }
                self.eval_access(target, keys, e)
            }
            ExprKind::Unary { op, expr } => {
                let v = self.eval(expr)?;
                match op {
                    UnaryOp::Not => Ok(Val::Bool(!v.truthy())),
                    UnaryOp::Splat => Ok(v),
                    UnaryOp::Neg => {
                        let mut notes = Vec::new();
                        let n = ops::coerce_noting(&v, &mut notes);
                        self.coercion_warnings(notes, e.span);
                        match n {
                            Ok(Val::Int(i)) => match i.checked_neg() {
                                Some(n) => Ok(Val::Int(n)),
                                None => Err(self.err(
                                    "overflow",
                                    "A Unary Minus resulted in a value outside of Puppet Integer max range, got '+0x8000000000000000'",
                                    e.span,
                                )),
                            },
                            Ok(Val::Float(f)) => Ok(Val::Float(-f)),
                            Ok(Val::Timespan(t)) => Ok(Val::Timespan(-t)),
                            Ok(other) => Err(self.err(
                                "type-mismatch",
                                format!("Operator '-' is not applicable to {}.", ops::a_label(&other)),
                                e.span,
                            )),
                            Err(m) => Err(self.err("type-mismatch", m, e.span)),
                        }
                    }
                }
            }
            ExprKind::Binary { op, lhs, rhs } => self.binary(*op, lhs, rhs, e),
            ExprKind::Chain { arrow, lhs, rhs } => self.eval_chain(*arrow, lhs, rhs, e.span),
            ExprKind::Assign { target, value } => {
                let v = self.eval(value)?;
                self.assign(target, v.clone())?;
                Ok(v)
            }
            ExprKind::If {
                branches,
                else_body,
            } => {
                self.matches.push(None);
                let r = self.eval_if(branches, else_body.as_deref());
                self.matches.pop();
                r
            }
            ExprKind::Unless {
                cond,
                body,
                else_body,
            } => {
                self.matches.push(None);
                let r = (|| {
                    if !self.eval(cond)?.truthy() {
                        self.eval_body(body)
                    } else if let Some(b) = else_body {
                        self.eval_body(b)
                    } else {
                        Ok(Val::Undef)
                    }
                })();
                self.matches.pop();
                r
            }
            ExprKind::Case { subject, arms } => {
                let subj = self.eval(subject)?;
                self.matches.push(None);
                let r = (|| {
                    let mut default_arm = None;
                    for arm in arms {
                        for opt in &arm.values {
                            if matches!(opt.kind, ExprKind::Default) {
                                default_arm = Some(arm);
                                continue;
                            }
                            if self.case_match(&subj, opt)? {
                                return self.eval_body(&arm.body);
                            }
                        }
                    }
                    match default_arm {
                        Some(arm) => self.eval_body(&arm.body),
                        None => Ok(Val::Undef),
                    }
                })();
                self.matches.pop();
                r
            }
            ExprKind::Selector { subject, arms } => {
                let subj = self.eval(subject)?;
                self.matches.push(None);
                let r = (|| {
                    let mut default_val = None;
                    for (opt, val) in arms {
                        if matches!(opt.kind, ExprKind::Default) {
                            default_val = Some(val);
                            continue;
                        }
                        if self.case_match(&subj, opt)? {
                            return self.eval(val);
                        }
                    }
                    match default_val {
                        Some(v) => self.eval(v),
                        None => Err(self.err(
                            "no-match",
                            format!("No matching entry for selector parameter with value '{subj}'"),
                            e.span,
                        )),
                    }
                })();
                self.matches.pop();
                r
            }
            ExprKind::Call { name, args, lambda } => {
                self.call(name, None, args, lambda.as_deref(), e.span)
            }
            ExprKind::MethodCall {
                receiver,
                name,
                args,
                lambda,
            } => self.call(name, Some(receiver), args, lambda.as_deref(), e.span),
            ExprKind::Resource {
                type_name,
                is_virtual,
                is_exported,
                bodies,
            } => self.eval_resource(type_name, *is_virtual, *is_exported, bodies, e.span, true),
            ExprKind::ResourceDefaults { type_name, attrs } => {
                self.eval_defaults(type_name, attrs, e.span)
            }
            ExprKind::ResourceOverride { target, attrs } => {
                self.eval_override(target, attrs, e.span)
            }
            ExprKind::Collector {
                type_name,
                query,
                is_exported,
            } => self.eval_collector(type_name, query.as_deref(), *is_exported, e.span),
            ExprKind::Class(_)
            | ExprKind::Define(_)
            | ExprKind::Node(_)
            | ExprKind::TypeAlias(_)
            | ExprKind::Function(_) => Ok(Val::Undef),
            ExprKind::Paren(inner) => self.eval(inner),
            ExprKind::Block(body) => self.eval_body(body),
            ExprKind::EppText(t) => {
                if let Some(buf) = self.output.last_mut() {
                    buf.push_str(t);
                }
                Ok(Val::Undef)
            }
            ExprKind::EppRender(inner) => {
                let v = self.eval(inner)?;
                if let Some(buf) = self.output.last_mut() {
                    use std::fmt::Write;
                    let _ = write!(buf, "{v}");
                }
                Ok(Val::Undef)
            }
        }
    }

    fn interpolate(&mut self, parts: &[StrPart], out: &mut String) -> R<()> {
        use std::fmt::Write;
        for p in parts {
            match p {
                StrPart::Lit(s) => out.push_str(s),
                StrPart::Expr(e) => {
                    // A variable holding a string (`"${hostname}"`, the common case) is
                    // appended from where it lives: no copy of the value, no formatter.
                    let var_str = match &e.kind {
                        ExprKind::Variable(name) => match self.find_var(name) {
                            Some(Val::Str(s)) => {
                                out.push_str(s);
                                true
                            }
                            _ => false,
                        },
                        _ => false,
                    };
                    if !var_str {
                        match self.eval(e)? {
                            Val::Str(s) => out.push_str(&s),
                            v => {
                                let _ = write!(out, "{v}");
                            }
                        }
                    }
                }
            }
            if out.len() > super::MAX_VALUE_SIZE {
                let span = match p {
                    StrPart::Expr(e) => e.span,
                    StrPart::Lit(_) => crate::ast::Span::default(),
                };
                return Err(self.err("too-large", "A string grew beyond 16 MiB", span));
            }
        }
        Ok(())
    }

    fn eval_if(&mut self, branches: &[(Expr, Vec<Expr>)], else_body: Option<&[Expr]>) -> R<Val> {
        for (cond, body) in branches {
            if self.eval(cond)?.truthy() {
                return self.eval_body(body);
            }
        }
        match else_body {
            Some(b) => self.eval_body(b),
            None => Ok(Val::Undef),
        }
    }

    /// Whether a case/selector option matches the subject (setting captures for regexes).
    fn case_match(&mut self, subj: &Val, opt: &Expr) -> R<bool> {
        if let ExprKind::Unary {
            op: UnaryOp::Splat,
            expr,
        } = &opt.kind
        {
            let v = self.eval(expr)?;
            for it in unfold(v) {
                if self.option_matches(subj, &it, opt)? {
                    return Ok(true);
                }
            }
            return Ok(false);
        }
        let v = self.eval(opt)?;
        self.option_matches(subj, &v, opt)
    }

    fn option_matches(&mut self, subj: &Val, opt: &Val, e: &Expr) -> R<bool> {
        match opt {
            // A regex option sets `$0`..`$n`; everything else is Puppet's `match`.
            Val::Regex(r) => match subj {
                Val::Str(s) => self.regex_match(r, s, e.span),
                _ => Ok(false),
            },
            v => Ok(ops::matches_option(subj, v)),
        }
    }

    /// Match a regex against a string, setting `$0`..`$9` in the current ephemeral scope.
    pub(crate) fn regex_match(
        &mut self,
        pattern: &str,
        s: &str,
        span: crate::ast::Span,
    ) -> R<bool> {
        let re = self.regex(pattern, span)?;
        match re.captures(s) {
            Some(caps) => {
                let vals: Vec<Val> = caps
                    .strings(s)
                    .into_iter()
                    .map(|m| m.map_or(Val::Undef, |m| Val::Str(m.to_string())))
                    .collect();
                if let Some(top) = self.matches.last_mut() {
                    *top = Some(vals);
                }
                Ok(true)
            }
            None => Ok(false),
        }
    }

    fn assign(&mut self, target: &Expr, v: Val) -> R<()> {
        match &target.kind {
            ExprKind::Variable(name) => self.assign_var(name, v, target.span),
            ExprKind::Array(targets) => match v {
                // `[$a, $b] = {a => 1, b => 2}`: each variable from the key of its name.
                Val::Hash(h) => {
                    for t in targets {
                        let key = lvalue_names(t);
                        let val = match h.get(&super::value::Key(key.clone())) {
                            Some(v) => v.clone(),
                            None => {
                                return Err(self.err(
                                    "illegal-assignment",
                                    format!(
                                        "No value for required key '{}' in assignment to variables from hash",
                                        super::format::ruby_to_s(&key)
                                    ),
                                    target.span,
                                ))
                            }
                        };
                        self.assign(t, val)?;
                    }
                    Ok(())
                }
                v => {
                    let vals = match v {
                        Val::Array(a) => a,
                        v => vec![v],
                    };
                    if vals.len() != targets.len() {
                        return Err(self.err(
                            "illegal-assignment",
                            format!(
                                "Mismatched number of assignable entries and values, expected {}, got {}",
                                targets.len(),
                                vals.len()
                            ),
                            target.span,
                        ));
                    }
                    for (t, v) in targets.iter().zip(vals) {
                        self.assign(t, v)?;
                    }
                    Ok(())
                }
            },
            _ => Err(self.err(
                "illegal-assignment",
                "Illegal assignment target",
                target.span,
            )),
        }
    }

    /// `target[keys]`, the keys evaluated (splats spread).
    fn eval_access(&mut self, target: &Expr, keys: &[Expr], e: &Expr) -> R<Val> {
        let t = self.eval(target)?;
        let mut ks = Vec::with_capacity(keys.len());
        for k in keys {
            if let ExprKind::Unary {
                op: UnaryOp::Splat,
                expr,
            } = &k.kind
            {
                let v = self.eval(expr)?;
                ks.extend(unfold(v));
            } else {
                ks.push(self.eval(k)?);
            }
        }
        self.access(t, ks, e)
    }

    /// `Type[key]` with one key: `Package['x']` (in `require`, `notify`, chains) is the
    /// most common access there is, so a string key to a resource type is made into the
    /// reference directly, without the type value and the vectors of keys and titles.
    fn access_one(&mut self, name: &str, key: &Expr, e: &Expr) -> R<Val> {
        // `Package['nginx']`, the usual case: the title is read from the literal, not
        // copied into a value first.
        if let ExprKind::Str(title) = &key.kind {
            if let Some(r) = plain_ref(name, title) {
                return Ok(r);
            }
        }
        let k = self.eval(key)?;
        if let Val::Str(title) = &k {
            if let Some(r) = plain_ref(name, title) {
                return Ok(r);
            }
        }
        let t = self.type_from_name(name, e.span)?;
        self.access(t, vec![k], e)
    }

    fn access(&mut self, target: Val, keys: Vec<Val>, e: &Expr) -> R<Val> {
        match target {
            Val::Type(t) => self.access_type(t, keys, e),
            Val::Ref(r) => self.resource_param(&r, keys, e),
            v => {
                let mut notes = Vec::new();
                let r = ops::access_value(&v, keys, &mut notes);
                self.coercion_warnings(notes, e.span);
                r.map_err(|err| {
                    let span = match (&e.kind, err.key) {
                        (ExprKind::Access { keys, .. }, Some(i)) => {
                            keys.get(i).map_or(e.span, |k| k.span)
                        }
                        _ => e.span,
                    };
                    self.err("type-mismatch", err.message, span)
                })
            }
        }
    }

    /// `Notify[x][message]`, `Class[web][port]`: the parameters of a declared resource.
    fn resource_param(&mut self, r: &ResourceRef, keys: Vec<Val>, e: &Expr) -> R<Val> {
        let many = keys.len() > 1 || matches!(keys.first(), Some(Val::Array(_)));
        let mut names = Vec::new();
        for k in keys {
            match k {
                Val::Array(a) => names.extend(a),
                Val::Undef => {}
                v => names.push(v),
            }
        }
        let shown = if r.is_class() {
            format!("Class['{}']", r.title.to_lowercase())
        } else {
            types::ref_type(r).to_string()
        };
        let Some(i) = self.lookup(r) else {
            return Err(self.err(
                "unknown-resource",
                format!("Resource not found: {shown}"),
                e.span,
            ));
        };
        let mut out = Vec::new();
        for n in names {
            let name = n.to_string();
            let res = &self.resources[i];
            let default = || {
                self.defaults_for(res.scope, &res.type_name)
                    .get(&name)
                    .map(|d| d.val.clone())
            };
            let v = match res.attrs.get(&name).cloned().or_else(default) {
                Some(v) => v,
                None => {
                    if !self.is_parameter_of(i, &name) {
                        return Err(self.err(
                            "unknown-attribute",
                            format!(
                                "The resource {shown} does not have a parameter called '{name}'"
                            ),
                            e.span,
                        ));
                    }
                    Val::Undef
                }
            };
            out.push(v);
        }
        Ok(if many {
            Val::Array(out)
        } else {
            out.pop().unwrap_or(Val::Undef)
        })
    }

    /// Whether `name` is a parameter the resource's type accepts (metaparameters
    /// included). For built-in types converge knows no attribute lists here (they live
    /// in the providers' schemas), so any name but `title` is taken.
    fn is_parameter_of(&mut self, i: usize, name: &str) -> bool {
        if name == "title" {
            return false;
        }
        if super::resources::METAPARAMS.contains(&name) {
            return true;
        }
        let res = &self.resources[i];
        let ty = res.type_name.clone();
        if res.rref.is_class() {
            let class = res.title.to_lowercase();
            return self
                .find_class(&class)
                .is_some_and(|c| c.def.params.iter().any(|p| p.name == name));
        }
        if res.is_define {
            return name == "name"
                || self
                    .find_define(&ty)
                    .is_some_and(|d| d.def.params.iter().any(|p| p.name == name));
        }
        true
    }

    fn access_type(&mut self, t: Ty, keys: Vec<Val>, e: &Expr) -> R<Val> {
        // Keys are owned: titles move out of them (`require => Package['x']` is common).
        // Several keys, or one array of them, make an array of references; `undef`
        // titles are dropped (Puppet's EMPTY_RESOURCE_SPECIALIZATION).
        let titles = |keys: Vec<Val>| -> (Vec<Val>, bool) {
            let many = keys.len() > 1 || matches!(keys.first(), Some(Val::Array(_)));
            let mut out = Vec::with_capacity(keys.len());
            for k in keys {
                match k {
                    Val::Array(a) => out.extend(a.into_iter().filter(|v| !v.is_undef())),
                    Val::Undef => {}
                    v => out.push(v),
                }
            }
            (out, many)
        };
        let refs = |ty: &str, (ts, many): (Vec<Val>, bool)| -> Val {
            let mut r: Vec<Val> = ts
                .into_iter()
                .map(|t| {
                    let title = match t {
                        Val::Ref(r) if ty == "class" => r.title.to_lowercase(),
                        Val::Str(s) => s,
                        v => v.to_string(),
                    };
                    let title = if ty == "class" {
                        unroot(&title).to_string()
                    } else {
                        title
                    };
                    Val::Ref(ResourceRef::new(ty, &title))
                })
                .collect();
            if many {
                Val::Array(r)
            } else {
                r.pop().unwrap_or(Val::Undef)
            }
        };
        match t {
            Ty::Resource(Some(ty), None) => Ok(refs(&ty, titles(keys))),
            Ty::Class(None) => Ok(refs("class", titles(keys))),
            Ty::Resource(None, _) => {
                let Some(first) = keys.first() else {
                    return Err(self.err("type-mismatch", "Resource[] needs a type", e.span));
                };
                let ty = match first {
                    Val::Type(Ty::Resource(Some(t), _)) => t.clone(),
                    Val::Type(Ty::Class(None)) => "class".into(),
                    v => v.to_string().to_lowercase(),
                };
                if keys.len() == 1 {
                    return self.type_from_name(&ty, e.span);
                }
                Ok(refs(&ty, titles(keys.into_iter().skip(1).collect())))
            }
            base => match types::parameterize(&base, &keys) {
                Ok(t) => Ok(Val::Type(t)),
                Err(m) => Err(self.err("type-mismatch", m, e.span)),
            },
        }
    }

    fn binary(&mut self, op: BinOp, lhs: &Expr, rhs: &Expr, e: &Expr) -> R<Val> {
        match op {
            BinOp::And => {
                return Ok(Val::Bool(
                    self.eval(lhs)?.truthy() && self.eval(rhs)?.truthy(),
                ));
            }
            BinOp::Or => {
                return Ok(Val::Bool(
                    self.eval(lhs)?.truthy() || self.eval(rhs)?.truthy(),
                ));
            }
            _ => {}
        }
        let a = self.eval(lhs)?;
        let b = self.eval(rhs)?;
        match op {
            BinOp::Eq | BinOp::Ne => {
                let eq = match (ops::as_type(&a), ops::as_type(&b)) {
                    (Some(x), Some(y)) => types_equal(&x, &y),
                    _ => ops::equals(&a, &b),
                };
                Ok(Val::Bool(eq == (op == BinOp::Eq)))
            }
            BinOp::Lt | BinOp::Gt | BinOp::Le | BinOp::Ge => {
                // On types, comparison means subtyping.
                if let Some(x) = ops::as_type(&a) {
                    let y = ops::as_type(&b);
                    let le = y.as_ref().is_some_and(|y| y.assignable(&x));
                    let ge = y.as_ref().is_some_and(|y| x.assignable(y));
                    let eq = y.as_ref().is_some_and(|y| types_equal(&x, y));
                    return Ok(Val::Bool(match op {
                        BinOp::Lt => le && !eq,
                        BinOp::Le => le,
                        BinOp::Gt => ge && !eq,
                        _ => ge,
                    }));
                }
                let ord = match ops::compare(&a, &b) {
                    Ok(o) => o,
                    Err(detail) => {
                        return Err(self.err(
                            "type-mismatch",
                            format!(
                                "Comparison of: {} {} {}, is not possible. Caused by '{detail}'.",
                                ops::label(&a),
                                op_str(op),
                                ops::label(&b)
                            ),
                            e.span,
                        ))
                    }
                };
                Ok(Val::Bool(match op {
                    BinOp::Lt => ord == Ordering::Less,
                    BinOp::Gt => ord == Ordering::Greater,
                    BinOp::Le => ord != Ordering::Greater,
                    _ => ord != Ordering::Less,
                }))
            }
            BinOp::Match | BinOp::NotMatch => {
                let m = match (&a, &b) {
                    (_, Val::Type(t)) => t.matches(&a),
                    (_, Val::Ref(r)) => types::ref_type(r).matches(&a),
                    (Val::Str(s), Val::Regex(r)) => self.regex_match(r, s, rhs.span)?,
                    (Val::Str(s), Val::Str(r)) => {
                        if let Err(e) = converge_rubyre::Regex::cached(r) {
                            return Err(self.err(
                                "invalid-regex",
                                format!("Can not convert right match operand to a regular expression. Caused by '{e}'."),
                                rhs.span,
                            ));
                        }
                        self.regex_match(r, s, rhs.span)?
                    }
                    (_, Val::Regex(_) | Val::Str(_)) => {
                        return Err(self.err(
                            "type-mismatch",
                            format!(
                                "Left match operand must result in a String value. Got {}.",
                                ops::a_label(&a)
                            ),
                            lhs.span,
                        ))
                    }
                    _ => {
                        return Err(self.err(
                            "type-mismatch",
                            format!(
                                "Can not convert right match operand to a regular expression. Caused by 'no implicit conversion of {} into String'.",
                                ruby_class_name(&b)
                            ),
                            rhs.span,
                        ))
                    }
                };
                Ok(Val::Bool(if op == BinOp::Match { m } else { !m }))
            }
            BinOp::In => match ops::include(&b, &a) {
                ops::InQuery::Done(r) => Ok(Val::Bool(r)),
                ops::InQuery::Regex(r, strings) => {
                    for s in &strings {
                        if self.regex_match(&r, s, e.span)? {
                            return Ok(Val::Bool(true));
                        }
                    }
                    Ok(Val::Bool(false))
                }
            },
            _ => self.arith(op, a, b, lhs, e),
        }
    }

    /// Puppet 7 warns when arithmetic or an index converts a string to a number.
    fn coercion_warnings(&mut self, notes: Vec<String>, span: crate::ast::Span) {
        for n in notes {
            self.warn("numeric-coercion", n, span);
        }
    }

    fn arith(&mut self, op: BinOp, a: Val, b: Val, lhs: &Expr, e: &Expr) -> R<Val> {
        let size = |v: &Val| match v {
            Val::Array(a) => a.len(),
            Val::Hash(h) => h.len(),
            _ => 0,
        };
        if size(&a).saturating_add(size(&b)) > super::MAX_VALUE_SIZE / 16 {
            return Err(self.err(
                "too-large",
                "An array or hash grew beyond a million entries",
                e.span,
            ));
        }
        let mut notes = Vec::new();
        let r = ops::arithmetic(op, a, b, &mut notes);
        self.coercion_warnings(notes, e.span);
        match r {
            Ok(v) => Ok(v),
            Err(err) => {
                let code = if err.message.starts_with("Division by 0") {
                    "division-by-zero"
                } else if err.message.contains("outside of Puppet Integer")
                    || err.message.contains("is Infinity")
                {
                    "overflow"
                } else {
                    "type-mismatch"
                };
                let span = if err.blame_left { lhs.span } else { e.span };
                Err(self.err(code, err.message, span))
            }
        }
    }
}

/// The names an assignment target stands for: `$a` is `'a'`, `[$b, $c]` is
/// `['b', 'c']` (the key a hash must have when it is destructured).
fn lvalue_names(t: &Expr) -> Val {
    match &t.kind {
        ExprKind::Variable(n) => Val::Str(n.clone()),
        ExprKind::Array(items) => Val::Array(items.iter().map(lvalue_names).collect()),
        _ => Val::Undef,
    }
}

/// What `*value` spreads into an array, argument list or case options: an array's
/// elements, a hash's `[key, value]` pairs, an iterator's values, nothing for `undef`,
/// the value itself otherwise.
pub(crate) fn unfold(v: Val) -> Vec<Val> {
    match v {
        Val::Undef => Vec::new(),
        Val::Array(a) => a,
        Val::Iterator(_, a) => a,
        Val::Hash(h) => h
            .into_iter()
            .map(|(k, v)| Val::Array(vec![k.0, v]))
            .collect(),
        v => vec![v],
    }
}

/// Puppet's type equality: the same type, or two types each assignable to the other
/// (`Tuple[Integer, Integer] == Array[Integer, 2, 2]`).
fn types_equal(x: &Ty, y: &Ty) -> bool {
    x == y || (x.assignable(y) && y.assignable(x))
}

/// The Ruby class of a value, as a few of Puppet's messages name it.
fn ruby_class_name(v: &Val) -> &'static str {
    match v {
        Val::Int(_) => "Integer",
        Val::Float(_) => "Float",
        Val::Undef => "nil",
        Val::Bool(true) => "true",
        Val::Bool(false) => "false",
        Val::Array(_) => "Array",
        Val::Hash(_) => "Hash",
        _ => "Object",
    }
}

/// "a String", "an Integer" for messages.
pub(crate) fn a_type(v: &Val) -> String {
    let t = v.type_name();
    let article = if t.starts_with(['A', 'E', 'I', 'O', 'U']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {t}")
}

fn op_str(op: BinOp) -> &'static str {
    match op {
        BinOp::Add => "+",
        BinOp::Sub => "-",
        BinOp::Mul => "*",
        BinOp::Div => "/",
        BinOp::Mod => "%",
        BinOp::Shl => "<<",
        BinOp::Shr => ">>",
        BinOp::Eq => "==",
        BinOp::Ne => "!=",
        BinOp::Lt => "<",
        BinOp::Gt => ">",
        BinOp::Le => "<=",
        BinOp::Ge => ">=",
        BinOp::Match => "=~",
        BinOp::NotMatch => "!~",
        BinOp::In => "in",
        BinOp::And => "and",
        BinOp::Or => "or",
    }
}

/// `Type['title']` as a resource reference, unless `Type` is a data type other than
/// `Class` (handled by `access`). An ASCII type name is not lowercased first:
/// `ResourceRef::new` lowercases it as it capitalizes.
fn plain_ref(name: &str, title: &str) -> Option<Val> {
    let ty = unroot(name);
    // `Class['web']` (chains between classes): what `access_type` makes of one string key.
    if ty == "Class" {
        return Some(Val::Ref(ResourceRef::new("class", unroot(title))));
    }
    if types::from_name(ty).is_some() {
        return None;
    }
    if ty.is_ascii() {
        if ty.eq_ignore_ascii_case("class") {
            return None;
        }
        return Some(Val::Ref(ResourceRef::new(ty, title)));
    }
    let ty = ty.to_lowercase();
    (ty != "class").then(|| Val::Ref(ResourceRef::new(&ty, title)))
}

/// The keys of `$facts['a']['b']...` when every one is a literal string: the path it reads.
fn literal_fact_path(e: &Expr) -> Option<Vec<&str>> {
    let mut path = Vec::new();
    let mut cur = e;
    loop {
        match &cur.kind {
            ExprKind::Access { target, keys } => {
                let [key] = keys.as_slice() else {
                    return None;
                };
                let ExprKind::Str(s) = &key.kind else {
                    return None;
                };
                path.push(s.as_str());
                cur = target;
            }
            ExprKind::Variable(name) if name == "facts" || name == "::facts" => break,
            _ => return None,
        }
    }
    path.reverse();
    Some(path)
}
