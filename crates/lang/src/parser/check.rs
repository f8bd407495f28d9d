//! Static checks `puppet parser validate` makes after parsing (Puppet's Checker4_0):
//! values produced and forgotten, definitions in the wrong place, duplicate `default`
//! options and hash keys, `+>` in a declaration.

use crate::ast::*;
use crate::Source;
use converge_catalog::Diagnostic;

/// Where a statement list sits, for the definition-placement rule.
#[derive(Clone, Copy, PartialEq)]
enum Place {
    Top,
    Class,
    Other,
}

struct Checker<'a> {
    source: &'a Source,
    diags: &'a mut Vec<Diagnostic>,
}

/// Check a manifest's (or template's) statements, adding errors to `diags`.
pub(crate) fn check_manifest(source: &Source, body: &[Expr], diags: &mut Vec<Diagnostic>) {
    let mut c = Checker { source, diags };
    c.block(body, Place::Top);
}

/// Puppet's name for a kind of expression, as in "This Name has no effect".
fn label(e: &Expr) -> Option<String> {
    Some(match &e.kind {
        ExprKind::Undef => "Undef Literal".into(),
        ExprKind::Default => "Default Literal".into(),
        ExprKind::Bool(_) => "Boolean".into(),
        ExprKind::Integer(_) | ExprKind::Float(_) => "Literal Number".into(),
        ExprKind::Str(_) => "Literal String".into(),
        ExprKind::Interpolated(_) => "String".into(),
        ExprKind::Bareword(_) => "Name".into(),
        ExprKind::Regex(_) => "Regular Expression".into(),
        ExprKind::Array(items) if items.iter().all(|i| label(i).is_some()) => {
            "Array Expression".into()
        }
        ExprKind::Hash(items)
            if items
                .iter()
                .all(|(k, v)| label(k).is_some() && label(v).is_some()) =>
        {
            "Hash Expression".into()
        }
        ExprKind::Variable(_) => "Variable".into(),
        ExprKind::TypeName(_) => "Type-Name".into(),
        ExprKind::Access { target, .. } if label(target).is_some() => "Access Expression".into(),
        ExprKind::Unary { op, expr } if label(expr).is_some() && *op != UnaryOp::Splat => {
            match op {
                UnaryOp::Not => "'!' expression".into(),
                _ => "Unary Minus Expression".into(),
            }
        }
        ExprKind::Binary { op, lhs, rhs }
            if !matches!(op, BinOp::Match | BinOp::NotMatch)
                && label(lhs).is_some()
                && label(rhs).is_some() =>
        {
            format!("'{}' expression", binop_text(*op))
        }
        ExprKind::Paren(inner) => return label(inner).map(|_| "Parenthesized Expression".into()),
        _ => return None,
    })
}

fn binop_text(op: BinOp) -> &'static str {
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

impl Checker<'_> {
    fn err(&mut self, code: &str, msg: String, span: Span) -> &mut Diagnostic {
        self.diags
            .push(Diagnostic::error(code, msg).at(Some(self.source.location(span))));
        let last = self.diags.len() - 1;
        &mut self.diags[last]
    }

    fn block(&mut self, body: &[Expr], place: Place) {
        let n = body.len();
        for (i, e) in body.iter().enumerate() {
            if i + 1 < n {
                if let Some(l) = label(e) {
                    let hint = if matches!(e.kind, ExprKind::Bareword(_)) {
                        "a bare word on its own does nothing: is it a function called without parentheses (only include, require, contain, realize, tag and the logging functions can be), or is a ',' missing before it?"
                    } else {
                        "a value on its own does nothing: assign it to a variable, pass it to a function, or check for a missing ',' or operator before it"
                    };
                    let d = self.err(
                        "no-effect",
                        format!("This {l} has no effect. A value was produced and then forgotten (one or more preceding expressions may have the wrong form)"),
                        e.span,
                    );
                    d.hint = Some(hint.to_string());
                }
            }
            self.stmt(e, place);
        }
    }

    fn stmt(&mut self, e: &Expr, place: Place) {
        match &e.kind {
            ExprKind::Class(c) => {
                self.placement(place, e.span);
                self.params(&c.params);
                self.block(&c.body, Place::Class);
            }
            ExprKind::Define(d) => {
                self.placement(place, e.span);
                self.params(&d.params);
                self.block(&d.body, Place::Other);
            }
            ExprKind::Node(n) => {
                self.placement(place, e.span);
                self.block(&n.body, Place::Other);
            }
            ExprKind::Function(f) => {
                // Functions, unlike classes, may not nest in classes either.
                self.placement(
                    if place == Place::Top {
                        place
                    } else {
                        Place::Other
                    },
                    e.span,
                );
                self.params(&f.params);
                if let Some(t) = &f.return_type {
                    self.expr(t);
                }
                self.block(&f.body, Place::Other);
            }
            _ => self.expr(e),
        }
    }

    fn placement(&mut self, place: Place, span: Span) {
        if place == Place::Other {
            self.err(
                "misplaced-definition",
                "Classes, definitions, and nodes may only appear at toplevel or inside other classes".into(),
                span,
            );
        }
    }

    fn params(&mut self, params: &[Param]) {
        for p in params {
            if let Some(t) = &p.type_expr {
                self.expr(t);
            }
            if let Some(d) = &p.default {
                self.expr(d);
            }
        }
    }

    fn attrs(&mut self, attrs: &[Attr], append_ok: bool, what: &str) {
        for a in attrs {
            if a.op == AttrOp::Append && !append_ok {
                self.err(
                    "illegal-append",
                    format!("Illegal +> operation on attribute {}. This operator can not be used in {what}", a.name),
                    a.span,
                );
            }
            self.expr(&a.value);
        }
    }

    fn nested(&mut self, body: &[Expr]) {
        self.block(body, Place::Other);
    }

    fn expr(&mut self, e: &Expr) {
        match &e.kind {
            ExprKind::Class(_)
            | ExprKind::Define(_)
            | ExprKind::Node(_)
            | ExprKind::Function(_) => self.stmt(e, Place::Other),
            ExprKind::Interpolated(parts) => {
                for p in parts {
                    if let StrPart::Expr(x) = p {
                        self.expr(x);
                    }
                }
            }
            ExprKind::Array(items) => items.iter().for_each(|i| self.expr(i)),
            ExprKind::Hash(entries) => {
                let mut seen: Vec<(&str, Span)> = Vec::new();
                for (k, v) in entries {
                    let key = match &k.kind {
                        ExprKind::Str(s) | ExprKind::Bareword(s) => Some(s.as_str()),
                        _ => None,
                    };
                    if let Some(key) = key {
                        if let Some((_, first)) = seen.iter().find(|(s, _)| *s == key) {
                            let first = self.source.location(*first);
                            let d = self.err(
                                "duplicate-key",
                                format!("The key '{key}' is declared more than once"),
                                k.span,
                            );
                            d.labels.push(converge_catalog::Label {
                                location: first,
                                message: "first declared here".into(),
                            });
                        } else {
                            seen.push((key, k.span));
                        }
                    }
                    self.expr(k);
                    self.expr(v);
                }
            }
            ExprKind::Access { target, keys } => {
                self.expr(target);
                keys.iter().for_each(|k| self.expr(k));
            }
            ExprKind::Unary { expr, .. } => self.expr(expr),
            ExprKind::Binary { lhs, rhs, .. } | ExprKind::Chain { lhs, rhs, .. } => {
                self.expr(lhs);
                self.expr(rhs);
            }
            ExprKind::Assign { target, value } => {
                self.expr(target);
                self.expr(value);
            }
            ExprKind::If {
                branches,
                else_body,
            } => {
                for (c, b) in branches {
                    self.expr(c);
                    self.nested(b);
                }
                if let Some(b) = else_body {
                    self.nested(b);
                }
            }
            ExprKind::Unless {
                cond,
                body,
                else_body,
            } => {
                self.expr(cond);
                self.nested(body);
                if let Some(b) = else_body {
                    self.nested(b);
                }
            }
            ExprKind::Case { subject, arms } => {
                self.expr(subject);
                let mut seen_default = false;
                for arm in arms {
                    for v in &arm.values {
                        if matches!(v.kind, ExprKind::Default) {
                            if seen_default {
                                self.err(
                                    "duplicate-default",
                                    "This case expression has more than one 'default' option"
                                        .into(),
                                    v.span,
                                );
                            }
                            seen_default = true;
                        }
                        self.expr(v);
                    }
                    self.nested(&arm.body);
                }
            }
            ExprKind::Selector { subject, arms } => {
                self.expr(subject);
                let mut seen_default = false;
                for (k, v) in arms {
                    if matches!(k.kind, ExprKind::Default) {
                        if seen_default {
                            self.err(
                                "duplicate-default",
                                "This selector has more than one 'default' option".into(),
                                k.span,
                            );
                        }
                        seen_default = true;
                    }
                    self.expr(k);
                    self.expr(v);
                }
            }
            ExprKind::Call { args, lambda, .. } => {
                args.iter().for_each(|a| self.expr(a));
                if let Some(l) = lambda {
                    self.params(&l.params);
                    self.nested(&l.body);
                }
            }
            ExprKind::MethodCall {
                receiver,
                args,
                lambda,
                ..
            } => {
                self.expr(receiver);
                args.iter().for_each(|a| self.expr(a));
                if let Some(l) = lambda {
                    self.params(&l.params);
                    self.nested(&l.body);
                }
            }
            ExprKind::Resource { bodies, .. } => {
                for b in bodies {
                    self.expr(&b.title);
                    self.attrs(&b.attrs, false, "a resource declaration");
                }
            }
            ExprKind::ResourceDefaults { attrs, .. } => {
                self.attrs(attrs, false, "resource defaults")
            }
            ExprKind::ResourceOverride { target, attrs } => {
                self.expr(target);
                self.attrs(attrs, true, "a resource override");
            }
            ExprKind::Paren(inner) | ExprKind::EppRender(inner) => self.expr(inner),
            ExprKind::Block(body) => self.nested(body),
            ExprKind::Undef
            | ExprKind::Default
            | ExprKind::Bool(_)
            | ExprKind::Integer(_)
            | ExprKind::Float(_)
            | ExprKind::Str(_)
            | ExprKind::Bareword(_)
            | ExprKind::Regex(_)
            | ExprKind::Variable(_)
            | ExprKind::TypeName(_)
            | ExprKind::Collector { .. }
            | ExprKind::EppText(_) => {}
        }
    }
}
