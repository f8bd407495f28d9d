//! Expressions: literals, strings, variables, operators, access, control flow.

use super::types::{self, Ty};
use super::value::{puppet_cmp, puppet_eq, Val};
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
                        match self.eval(expr)? {
                            Val::Array(a) => out.extend(a),
                            v => out.push(v),
                        }
                    } else {
                        out.push(self.eval(it)?);
                    }
                }
                Ok(Val::Array(out))
            }
            ExprKind::Hash(pairs) => {
                let mut h = IndexMap::with_capacity(pairs.len());
                for (k, v) in pairs {
                    let key = self.eval(k)?.key_string();
                    let val = self.eval(v)?;
                    h.insert(key, val);
                }
                Ok(Val::Hash(h))
            }
            ExprKind::Variable(name) => self.lookup_var(name, e.span),
            ExprKind::TypeName(name) => Ok(self.type_from_name(name)),
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
                    UnaryOp::Neg => match v.as_number() {
                        Some(Val::Int(i)) => match i.checked_neg() {
                            Some(n) => Ok(Val::Int(n)),
                            None => {
                                Err(self.err("overflow", "Integer overflow in negation", e.span))
                            }
                        },
                        Some(Val::Float(f)) => Ok(Val::Float(-f)),
                        _ => Err(self.err(
                            "type-mismatch",
                            format!("Operator '-' is not applicable to {}", a_type(&v)),
                            e.span,
                        )),
                    },
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
            let items = match v {
                Val::Array(a) => a,
                v => vec![v],
            };
            for it in items {
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
            Val::Regex(r) => match subj {
                Val::Str(s) => self.regex_match(r, s, e.span),
                _ => Ok(false),
            },
            Val::Type(t) => Ok(t.matches(subj)),
            v => Ok(puppet_eq(subj, v)),
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
                    .iter()
                    .map(|m| m.map_or(Val::Undef, |m| Val::Str(m.as_str().to_string())))
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
                Val::Array(vals) => {
                    if vals.len() != targets.len() {
                        return Err(self.err(
                            "illegal-assignment",
                            format!(
                                "Mismatched number of variables and values: {} variables, {} values",
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
                Val::Hash(h) => {
                    for t in targets {
                        if let ExprKind::Variable(n) = &t.kind {
                            let val = match h.get(n) {
                                Some(v) => v.clone(),
                                None => {
                                    return Err(self.err(
                                        "illegal-assignment",
                                        format!(
                                            "No value for required variable '${n}' in the hash"
                                        ),
                                        t.span,
                                    ))
                                }
                            };
                            self.assign_var(n, val, t.span)?;
                        }
                    }
                    Ok(())
                }
                v => Err(self.err(
                    "illegal-assignment",
                    format!("Cannot assign {} to several variables", a_type(&v)),
                    target.span,
                )),
            },
            _ => Err(self.err(
                "illegal-assignment",
                "Illegal assignment target",
                target.span,
            )),
        }
    }

    /// A capitalised name: a data type, `Class`, or a resource type.
    pub(crate) fn type_from_name(&mut self, name: &str) -> Val {
        if let Some(t) = types::from_name(name) {
            return Val::Type(t);
        }
        Val::Type(Ty::Resource(Some(unroot(name).to_lowercase())))
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
                match self.eval(expr)? {
                    Val::Array(a) => ks.extend(a),
                    v => ks.push(v),
                }
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
        let t = self.type_from_name(name);
        self.access(t, vec![k], e)
    }

    fn access(&mut self, target: Val, keys: Vec<Val>, e: &Expr) -> R<Val> {
        match target {
            Val::Array(a) => {
                let len = a.len() as i64;
                match keys.as_slice() {
                    [Val::Int(i)] => {
                        let i = if *i < 0 { len + i } else { *i };
                        Ok(if (0..len).contains(&i) {
                            a[i as usize].clone()
                        } else {
                            Val::Undef
                        })
                    }
                    [Val::Int(start), Val::Int(count)] => {
                        let s = if *start < 0 {
                            (len + start).max(0)
                        } else {
                            (*start).min(len)
                        };
                        let end = if *count < 0 {
                            len + count + 1
                        } else {
                            s.saturating_add(*count)
                        };
                        let end = end.clamp(s, len);
                        Ok(Val::Array(a[s as usize..end as usize].to_vec()))
                    }
                    _ => Err(self.err(
                        "type-mismatch",
                        format!(
                            "An Array can only be indexed by Integer, got {}",
                            keys.first()
                                .map_or("nothing".to_string(), |k| k.type_name())
                        ),
                        e.span,
                    )),
                }
            }
            Val::Hash(h) => {
                if keys.len() == 1 {
                    Ok(h.get(&keys[0].key_string()).cloned().unwrap_or(Val::Undef))
                } else {
                    Ok(Val::Array(
                        keys.iter()
                            .filter_map(|k| h.get(&k.key_string()).cloned())
                            .collect(),
                    ))
                }
            }
            Val::Str(s) => {
                let chars: Vec<char> = s.chars().collect();
                let len = chars.len() as i64;
                match keys.as_slice() {
                    [Val::Int(i)] => {
                        let i = if *i < 0 { len + i } else { *i };
                        Ok(if (0..len).contains(&i) {
                            Val::Str(chars[i as usize].to_string())
                        } else {
                            Val::Str(String::new())
                        })
                    }
                    [Val::Int(start), Val::Int(count)] => {
                        let st = if *start < 0 {
                            (len + start).max(0)
                        } else {
                            (*start).min(len)
                        };
                        let end = if *count < 0 {
                            len + count + 1
                        } else {
                            st.saturating_add(*count)
                        };
                        let end = end.clamp(st, len);
                        Ok(Val::Str(chars[st as usize..end as usize].iter().collect()))
                    }
                    _ => Err(self.err(
                        "type-mismatch",
                        "A String can only be indexed by Integer",
                        e.span,
                    )),
                }
            }
            Val::Type(t) => self.access_type(t, keys, e),
            v => Err(self.err(
                "type-mismatch",
                format!("Operator '[]' is not applicable to {}", a_type(&v)),
                e.span,
            )),
        }
    }

    fn access_type(&mut self, t: Ty, keys: Vec<Val>, e: &Expr) -> R<Val> {
        // Keys are owned: titles move out of them (`require => Package['x']` is common).
        let titles = |keys: Vec<Val>| -> Vec<Val> {
            let mut out = Vec::with_capacity(keys.len());
            for k in keys {
                match k {
                    Val::Array(a) => out.extend(a),
                    v => out.push(v),
                }
            }
            out
        };
        let refs = |ty: &str, ts: Vec<Val>| -> Val {
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
            if r.len() == 1 {
                r.pop().unwrap_or(Val::Undef)
            } else {
                Val::Array(r)
            }
        };
        match t {
            Ty::Resource(Some(ty)) => Ok(refs(&ty, titles(keys))),
            Ty::Class(None) => Ok(refs("class", titles(keys))),
            Ty::Resource(None) => {
                let Some(first) = keys.first() else {
                    return Err(self.err("type-mismatch", "Resource[] needs a type", e.span));
                };
                let ty = match first {
                    Val::Type(Ty::Resource(Some(t))) => t.clone(),
                    Val::Type(Ty::Class(None)) => "class".into(),
                    v => v.to_string().to_lowercase(),
                };
                if keys.len() == 1 {
                    return Ok(self.type_from_name(&ty));
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
            BinOp::Eq => Ok(Val::Bool(puppet_eq(&a, &b))),
            BinOp::Ne => Ok(Val::Bool(!puppet_eq(&a, &b))),
            BinOp::Lt | BinOp::Gt | BinOp::Le | BinOp::Ge => {
                let Some(ord) = puppet_cmp(&a, &b) else {
                    return Err(self.err(
                        "type-mismatch",
                        format!(
                            "Comparison of: {} {} {}, is not possible",
                            a.type_name(),
                            op_str(op),
                            b.type_name()
                        ),
                        e.span,
                    ));
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
                    (Val::Str(s), Val::Regex(r) | Val::Str(r)) => {
                        self.regex_match(r, s, rhs.span)?
                    }
                    (_, Val::Regex(_) | Val::Str(_)) => {
                        return Err(self.err(
                            "type-mismatch",
                            format!(
                                "Left operand of '{}' must be a String, got {}",
                                op_str(op),
                                a.type_name()
                            ),
                            e.span,
                        ))
                    }
                    _ => {
                        return Err(self.err(
                            "type-mismatch",
                            format!(
                                "Right operand of '{}' must be a regex, a string or a type",
                                op_str(op)
                            ),
                            e.span,
                        ))
                    }
                };
                Ok(Val::Bool(if op == BinOp::Match { m } else { !m }))
            }
            BinOp::In => self.eval_in(&a, &b, e),
            _ => self.arith(op, a, b, e),
        }
    }

    fn eval_in(&mut self, a: &Val, b: &Val, e: &Expr) -> R<Val> {
        let r = match (a, b) {
            (Val::Str(x), Val::Str(y)) => y.to_lowercase().contains(&x.to_lowercase()),
            (Val::Regex(r), Val::Str(y)) => self.regex_match(r, y, e.span)?,
            (Val::Regex(r), Val::Array(items)) => {
                let mut found = false;
                for it in items {
                    if let Val::Str(s) = it {
                        if self.regex_match(r, s, e.span)? {
                            found = true;
                            break;
                        }
                    }
                }
                found
            }
            (Val::Type(t), Val::Array(items)) => items.iter().any(|i| t.matches(i)),
            (x, Val::Array(items)) => items.iter().any(|i| puppet_eq(x, i)),
            (x, Val::Hash(h)) => h.keys().any(|k| puppet_eq(x, &Val::Str(k.clone()))),
            _ => false,
        };
        Ok(Val::Bool(r))
    }

    fn arith(&mut self, op: BinOp, a: Val, b: Val, e: &Expr) -> R<Val> {
        let too_big = |v: &Val| match v {
            Val::Array(a) => a.len(),
            Val::Hash(h) => h.len(),
            _ => 0,
        };
        if too_big(&a).saturating_add(too_big(&b)) > super::MAX_VALUE_SIZE / 16 {
            return Err(self.err(
                "too-large",
                "An array or hash grew beyond a million entries",
                e.span,
            ));
        }
        match (op, &a, &b) {
            (BinOp::Add, Val::Array(x), Val::Array(y)) => {
                let mut out = x.clone();
                out.extend(y.iter().cloned());
                return Ok(Val::Array(out));
            }
            (BinOp::Add, Val::Array(x), Val::Hash(h)) => {
                let mut out = x.clone();
                out.extend(
                    h.iter()
                        .map(|(k, v)| Val::Array(vec![Val::Str(k.clone()), v.clone()])),
                );
                return Ok(Val::Array(out));
            }
            (BinOp::Add, Val::Array(x), y) => {
                let mut out = x.clone();
                out.push(y.clone());
                return Ok(Val::Array(out));
            }
            (BinOp::Add, Val::Hash(x), Val::Hash(y)) => {
                let mut out = x.clone();
                for (k, v) in y {
                    out.insert(k.clone(), v.clone());
                }
                return Ok(Val::Hash(out));
            }
            (BinOp::Sub, Val::Array(x), Val::Array(y)) => {
                return Ok(Val::Array(
                    x.iter()
                        .filter(|v| !y.iter().any(|w| puppet_eq(v, w)))
                        .cloned()
                        .collect(),
                ));
            }
            (BinOp::Sub, Val::Array(x), y) => {
                return Ok(Val::Array(
                    x.iter().filter(|v| !puppet_eq(v, y)).cloned().collect(),
                ));
            }
            (BinOp::Sub, Val::Hash(x), Val::Hash(y)) => {
                return Ok(Val::Hash(
                    x.iter()
                        .filter(|(k, _)| !y.contains_key(*k))
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect(),
                ));
            }
            (BinOp::Sub, Val::Hash(x), Val::Array(y)) => {
                let drop: Vec<String> = y.iter().map(Val::key_string).collect();
                return Ok(Val::Hash(
                    x.iter()
                        .filter(|(k, _)| !drop.contains(k))
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect(),
                ));
            }
            (BinOp::Shl, Val::Array(x), y) => {
                let mut out = x.clone();
                out.push(y.clone());
                return Ok(Val::Array(out));
            }
            _ => {}
        }
        let (Some(x), Some(y)) = (a.as_number(), b.as_number()) else {
            let bad = if a.as_number().is_none() { &a } else { &b };
            return Err(self.err(
                "type-mismatch",
                format!(
                    "Operator '{}' is not applicable to {}",
                    op_str(op),
                    a_type(bad)
                ),
                e.span,
            ));
        };
        let overflow = |c: &mut Compiler| {
            c.err(
                "overflow",
                format!("Integer overflow in '{}'", op_str(op)),
                e.span,
            )
        };
        match (x, y) {
            (Val::Int(x), Val::Int(y)) => {
                let r = match op {
                    BinOp::Add => x.checked_add(y),
                    BinOp::Sub => x.checked_sub(y),
                    BinOp::Mul => x.checked_mul(y),
                    BinOp::Div | BinOp::Mod if y == 0 => {
                        return Err(self.err("division-by-zero", "Division by 0", e.span));
                    }
                    BinOp::Div => x.checked_div(y),
                    BinOp::Mod => x.checked_rem_euclid(y),
                    BinOp::Shl => u32::try_from(y)
                        .ok()
                        .and_then(|s| x.checked_shl(s))
                        .filter(|v| v >> y.min(63) == x),
                    BinOp::Shr => u32::try_from(y).ok().map(|s| {
                        if s >= 64 {
                            if x < 0 {
                                -1
                            } else {
                                0
                            }
                        } else {
                            x >> s
                        }
                    }),
                    _ => None,
                };
                match r {
                    Some(v) => Ok(Val::Int(v)),
                    None => Err(overflow(self)),
                }
            }
            (x, y) => {
                let f = |v: Val| match v {
                    Val::Int(i) => i as f64,
                    Val::Float(f) => f,
                    _ => 0.0,
                };
                let (x, y) = (f(x), f(y));
                let r = match op {
                    BinOp::Add => x + y,
                    BinOp::Sub => x - y,
                    BinOp::Mul => x * y,
                    BinOp::Div if y == 0.0 => {
                        return Err(self.err("division-by-zero", "Division by 0", e.span));
                    }
                    BinOp::Div => x / y,
                    _ => {
                        return Err(self.err(
                            "type-mismatch",
                            format!("Operator '{}' is not applicable to a Float", op_str(op)),
                            e.span,
                        ))
                    }
                };
                if r.is_finite() {
                    Ok(Val::Float(r))
                } else {
                    Err(self.err("overflow", "Float overflow", e.span))
                }
            }
        }
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
