//! Lowering: pest pairs to our [`crate::ast`]. The grammar guarantees the shape of each
//! pair, but nothing here unwraps: an unexpected shape becomes an `internal` diagnostic.

use super::grammar::Rule;
use super::heredoc::{map_offset, Heredoc};
use super::strings::{unescape, unquote_single, BadEscape, Escapes};
use crate::ast::*;
use crate::Source;
use converge_catalog::Diagnostic;
use pest::iterators::Pair;
use std::collections::HashMap;

/// State shared while lowering one parse (the main text, or a heredoc body).
pub(crate) struct Lower<'a> {
    pub source: &'a Source,
    pub heredocs: &'a HashMap<usize, Heredoc>,
    pub epp_texts: &'a HashMap<usize, String>,
    /// Where the parsed text's offsets go in the source (`None`: the same).
    pub map: Option<&'a [(usize, usize)]>,
    pub diags: &'a mut Vec<Diagnostic>,
    /// Set when lowering found an error (the parse then yields no AST).
    pub failed: bool,
}

type P<'i> = Pair<'i, Rule>;

pub(super) fn binop(text: &str) -> Option<(BinOp, u8)> {
    // Puppet's precedence (egrammar.ra), loosest first: or, and, comparisons, equality,
    // shifts, additive, multiplicative, matching, in.
    Some(match text {
        "or" => (BinOp::Or, 1),
        "and" => (BinOp::And, 2),
        "<" => (BinOp::Lt, 3),
        ">" => (BinOp::Gt, 3),
        "<=" => (BinOp::Le, 3),
        ">=" => (BinOp::Ge, 3),
        "==" => (BinOp::Eq, 4),
        "!=" => (BinOp::Ne, 4),
        "<<" => (BinOp::Shl, 5),
        ">>" => (BinOp::Shr, 5),
        "+" => (BinOp::Add, 6),
        "-" => (BinOp::Sub, 6),
        "*" => (BinOp::Mul, 7),
        "/" => (BinOp::Div, 7),
        "%" => (BinOp::Mod, 7),
        "=~" => (BinOp::Match, 8),
        "!~" => (BinOp::NotMatch, 8),
        "in" => (BinOp::In, 9),
        _ => return None,
    })
}

fn is_keyword_pair(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::kw_if
            | Rule::kw_elsif
            | Rule::kw_else
            | Rule::kw_unless
            | Rule::kw_case
            | Rule::kw_class
            | Rule::kw_define
            | Rule::kw_node
            | Rule::kw_inherits
            | Rule::kw_function
    )
}

pub(super) fn mk(kind: ExprKind, span: Span) -> Expr {
    Expr { kind, span }
}

pub(super) fn join(a: Span, b: Span) -> Span {
    Span {
        start: a.start.min(b.start),
        end: a.end.max(b.end),
    }
}

impl<'a> Lower<'a> {
    fn off(&self, o: usize) -> usize {
        match self.map {
            Some(m) => map_offset(m, o),
            None => o,
        }
    }

    pub(crate) fn span(&self, p: &P<'_>) -> Span {
        let s = p.as_span();
        let start = self.off(s.start());
        let end = self.off(s.end()).max(start);
        Span::new(start, end)
    }

    fn error(&mut self, code: &str, msg: impl Into<String>, span: Span) -> Expr {
        self.failed = true;
        self.diags
            .push(Diagnostic::error(code, msg).at(Some(self.source.location(span))));
        mk(ExprKind::Undef, span)
    }

    fn internal(&mut self, p: &P<'_>) -> Expr {
        let span = self.span(p);
        self.error(
            "internal",
            // debug-format: an internal invariant, never reached by any input (fuzzed).
            format!("parser: unexpected {:?} in the syntax tree", p.as_rule()),
            span,
        )
    }

    /// Children without keyword tokens.
    fn kids<'i>(&self, p: P<'i>) -> Vec<P<'i>> {
        p.into_inner()
            .filter(|c| !is_keyword_pair(c.as_rule()))
            .collect()
    }

    pub(crate) fn statements(&mut self, p: P<'_>) -> Vec<Expr> {
        let mut out = Vec::new();
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::statements => out.extend(self.statements(c)),
                Rule::EOI | Rule::epp_params => {}
                _ => out.push(self.statement(c)),
            }
        }
        out.shrink_to_fit();
        out
    }

    fn block(&mut self, p: P<'_>) -> Vec<Expr> {
        match p.into_inner().next() {
            Some(s) => self.statements(s),
            None => Vec::new(),
        }
    }

    fn statement(&mut self, p: P<'_>) -> Expr {
        match p.as_rule() {
            Rule::class_def => self.class_def(p),
            Rule::define_def => self.define_def(p),
            Rule::node_def => self.node_def(p),
            Rule::function_def => self.function_def(p),
            Rule::stmt_call => self.stmt_call(p),
            Rule::assignment => self.assignment(p),
            _ => self.internal(&p),
        }
    }

    fn stmt_call(&mut self, p: P<'_>) -> Expr {
        let span = self.span(&p);
        let mut it = p.into_inner();
        let name = it
            .next()
            .map(|n| n.as_str().to_string())
            .unwrap_or_default();
        let args = it.map(|a| self.expression(a)).collect();
        mk(
            ExprKind::Call {
                name,
                args,
                lambda: None,
            },
            span,
        )
    }

    fn assignment(&mut self, p: P<'_>) -> Expr {
        let span = self.span(&p);
        // Children: relationship chains separated by `=`; `$a = $b = 1` is `$a = ($b = 1)`.
        let mut parts = Vec::new();
        let mut segment = Vec::new();
        for c in p.into_inner() {
            if c.as_rule() == Rule::assign_op {
                parts.push(self.relationship(std::mem::take(&mut segment), span));
            } else {
                segment.push(c);
            }
        }
        parts.push(self.relationship(segment, span));
        if parts.len() > MAX_OPERANDS {
            return self.error(
                "syntax",
                format!("assignment chain too long: more than {MAX_OPERANDS} '=' in a row"),
                parts[0].span,
            );
        }
        let mut value = parts.pop().unwrap_or_else(|| mk(ExprKind::Undef, span));
        while let Some(lhs) = parts.pop() {
            if !matches!(lhs.kind, ExprKind::Variable(_) | ExprKind::Array(_))
                || matches!(&lhs.kind, ExprKind::Array(items) if items.iter().any(|i| !matches!(i.kind, ExprKind::Variable(_))))
            {
                self.error(
                    "syntax",
                    "Illegal attempt to assign to a value: only a variable ($x) or an array of variables ([$a, $b]) can be assigned to",
                    lhs.span,
                );
            }
            // Each assignment reaches from its target to the end of the whole chain.
            let at = Span {
                start: lhs.span.start,
                end: span.end,
            };
            value = mk(
                ExprKind::Assign {
                    target: Box::new(lhs),
                    value: Box::new(value),
                },
                at,
            );
        }
        value
    }

    /// Operands joined by arrows (`a -> b ~> c`), left-associative.
    fn relationship(&mut self, kids: Vec<P<'_>>, span: Span) -> Expr {
        let mut lhs: Option<Expr> = None;
        let mut arrow: Option<Arrow> = None;
        let mut chain_len = 0usize;
        for c in kids {
            match c.as_rule() {
                Rule::arrow => {
                    arrow = Some(match c.as_str() {
                        "->" => Arrow::Before,
                        "~>" => Arrow::Notify,
                        "<-" => Arrow::RevBefore,
                        _ => Arrow::RevNotify,
                    })
                }
                _ => {
                    let rhs = self.resource_expr(c);
                    lhs = Some(match (lhs.take(), arrow.take()) {
                        (Some(l), Some(arrow)) => {
                            chain_len += 1;
                            let span = join(l.span, rhs.span);
                            mk(
                                ExprKind::Chain {
                                    arrow,
                                    lhs: Box::new(l),
                                    rhs: Box::new(rhs),
                                },
                                span,
                            )
                        }
                        _ => rhs,
                    });
                }
            }
        }
        let lhs = lhs.unwrap_or_else(|| mk(ExprKind::Undef, span));
        if chain_len > MAX_OPERANDS {
            return self.error(
                "syntax",
                format!("relationship chain too long: more than {MAX_OPERANDS} arrows in a row"),
                lhs.span,
            );
        }
        lhs
    }

    fn resource_expr(&mut self, p: P<'_>) -> Expr {
        match p.as_rule() {
            Rule::resource_decl => self.resource_decl(p),
            Rule::resource_attrs => self.resource_attrs(p),
            Rule::resource_untitled => {
                let span = self.span(&p);
                let ty = p
                    .into_inner()
                    .find(|c| c.as_rule() == Rule::res_type)
                    .map_or(String::new(), |c| c.as_str().to_string());
                self.failed = true;
                self.diags.push(
                    Diagnostic::error(
                        "syntax",
                        format!("This '{ty}' resource declaration has no title: a title and ':' must come before the attributes"),
                    )
                    .at(Some(self.source.location(span)))
                    .with_hint(format!("write {ty} {{ 'name': attribute => value }}, or {}{} {{ ... }} with a capital letter for resource defaults", ty.get(..1).unwrap_or("").to_uppercase(), ty.get(1..).unwrap_or(""))),
                );
                mk(ExprKind::Undef, span)
            }
            Rule::expression => self.expression(p),
            _ => self.internal(&p),
        }
    }

    fn resource_decl(&mut self, p: P<'_>) -> Expr {
        let span = self.span(&p);
        let mut is_virtual = false;
        let mut is_exported = false;
        let mut type_name = String::new();
        let mut bodies = Vec::new();
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::res_at => {
                    if c.as_str() == "@@" {
                        is_exported = true;
                    } else {
                        is_virtual = true;
                    }
                }
                Rule::res_type => {
                    type_name = c.as_str().trim_start_matches("::").to_ascii_lowercase()
                }
                Rule::res_body => bodies.push(self.res_body(c)),
                _ => {
                    self.internal(&c);
                }
            }
        }
        // Syntax trees of class and define bodies live as long as the compilation: no
        // slack from growing vectors (most resources have one body, of a few attributes).
        bodies.shrink_to_fit();
        mk(
            ExprKind::Resource {
                type_name,
                is_virtual,
                is_exported,
                bodies,
            },
            span,
        )
    }

    fn res_body(&mut self, p: P<'_>) -> ResourceBody {
        let span = self.span(&p);
        let mut title = mk(ExprKind::Undef, span);
        let mut attrs = Vec::new();
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::expression => title = self.expression(c),
                Rule::attr => attrs.push(self.attr(c)),
                _ => {
                    self.internal(&c);
                }
            }
        }
        attrs.shrink_to_fit();
        ResourceBody { title, attrs, span }
    }

    fn attr(&mut self, p: P<'_>) -> Attr {
        let span = self.span(&p);
        let whole = p.as_str();
        let base = p.as_span().start();
        let mut it = p.into_inner();
        let (name, name_span, name_end) = match it.next() {
            Some(n) => (n.as_str().to_string(), self.span(&n), n.as_span().end()),
            None => (String::new(), span, base),
        };
        // The operator is silent in the grammar: read it from the text after the name.
        let op = attr_op_after(whole.get(name_end - base..).unwrap_or(""));
        let value = match it.next() {
            Some(v) => self.expression(v),
            None => mk(ExprKind::Undef, span),
        };
        Attr {
            name,
            name_span,
            op,
            value,
            span,
        }
    }

    fn resource_attrs(&mut self, p: P<'_>) -> Expr {
        let span = self.span(&p);
        let mut target = None;
        let mut attrs = Vec::new();
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::res_target => target = Some(self.res_target(c)),
                Rule::attr => attrs.push(self.attr(c)),
                _ => {
                    self.internal(&c);
                }
            }
        }
        let Some(target) = target else {
            return mk(ExprKind::Undef, span);
        };
        defaults_or_override(target, attrs, span)
    }

    fn res_target(&mut self, p: P<'_>) -> Expr {
        let mut expr: Option<Expr> = None;
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::collector => expr = Some(self.collector(c)),
                Rule::type_name => {
                    let span = self.span(&c);
                    expr = Some(mk(ExprKind::TypeName(c.as_str().to_string()), span));
                }
                Rule::access => {
                    if let Some(t) = expr.take() {
                        expr = Some(self.access(t, c));
                    }
                }
                _ => {
                    self.internal(&c);
                }
            }
        }
        expr.unwrap_or_else(|| mk(ExprKind::Undef, Span::default()))
    }

    // ------------------------------------------------------------ definitions

    fn params(&mut self, p: P<'_>) -> Vec<Param> {
        p.into_inner()
            .filter(|c| c.as_rule() == Rule::param)
            .map(|c| self.param(c))
            .collect()
    }

    /// The parameters of an EPP template's `<%- | ... | -%>` tag.
    pub(crate) fn epp_params(&mut self, p: P<'_>) -> Vec<Param> {
        self.params(p)
    }

    fn param(&mut self, p: P<'_>) -> Param {
        let span = self.span(&p);
        let mut param = Param {
            name: String::new(),
            type_expr: None,
            default: None,
            captures_rest: false,
            span,
        };
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::param_type => param.type_expr = Some(self.res_target(c)),
                Rule::param_splat => param.captures_rest = true,
                Rule::variable => param.name = c.as_str()[1..].to_string(),
                Rule::expression => param.default = Some(self.expression(c)),
                _ => {
                    self.internal(&c);
                }
            }
        }
        param
    }

    fn class_def(&mut self, p: P<'_>) -> Expr {
        let span = self.span(&p);
        let mut def = ClassDef {
            name: String::new(),
            params: Vec::new(),
            parent: None,
            body: Vec::new(),
            span,
        };
        for c in self.kids(p) {
            match c.as_rule() {
                Rule::class_name if def.name.is_empty() => {
                    def.name = c.as_str().trim_start_matches("::").to_string()
                }
                Rule::class_name => {
                    def.parent = Some(c.as_str().trim_start_matches("::").to_string())
                }
                Rule::param_list => def.params = self.params(c),
                Rule::block => def.body = self.block(c),
                _ => {
                    self.internal(&c);
                }
            }
        }
        mk(ExprKind::Class(Box::new(def)), span)
    }

    fn define_def(&mut self, p: P<'_>) -> Expr {
        let span = self.span(&p);
        let mut def = DefineDef {
            name: String::new(),
            params: Vec::new(),
            body: Vec::new(),
            span,
        };
        for c in self.kids(p) {
            match c.as_rule() {
                Rule::class_name => def.name = c.as_str().trim_start_matches("::").to_string(),
                Rule::param_list => def.params = self.params(c),
                Rule::block => def.body = self.block(c),
                _ => {
                    self.internal(&c);
                }
            }
        }
        mk(ExprKind::Define(Box::new(def)), span)
    }

    fn function_def(&mut self, p: P<'_>) -> Expr {
        let span = self.span(&p);
        let mut def = FunctionDef {
            name: String::new(),
            params: Vec::new(),
            return_type: None,
            body: Vec::new(),
            span,
        };
        for c in self.kids(p) {
            match c.as_rule() {
                Rule::class_name => def.name = c.as_str().trim_start_matches("::").to_string(),
                Rule::param_list => def.params = self.params(c),
                Rule::param_type => def.return_type = Some(Box::new(self.res_target(c))),
                Rule::block => def.body = self.block(c),
                _ => {
                    self.internal(&c);
                }
            }
        }
        mk(ExprKind::Function(Box::new(def)), span)
    }

    fn node_def(&mut self, p: P<'_>) -> Expr {
        let span = self.span(&p);
        let mut def = NodeDef {
            matches: Vec::new(),
            body: Vec::new(),
            span,
        };
        for c in self.kids(p) {
            match c.as_rule() {
                Rule::node_match => {
                    if let Some(m) = c.into_inner().next() {
                        let nm = match m.as_rule() {
                            Rule::kw_default => NodeMatch::Default,
                            Rule::regex => NodeMatch::Regex(regex_body(m.as_str())),
                            Rule::node_name => NodeMatch::Name(m.as_str().to_lowercase()),
                            _ => {
                                let e = self.primary_inner(m);
                                match e.kind {
                                    ExprKind::Str(s) => NodeMatch::Name(s.to_lowercase()),
                                    _ => {
                                        self.error(
                                            "syntax",
                                            "a node name must be a literal string, a name, a regex or 'default'",
                                            e.span,
                                        );
                                        continue;
                                    }
                                }
                            }
                        };
                        def.matches.push(nm);
                    }
                }
                Rule::block => def.body = self.block(c),
                _ => {
                    self.internal(&c);
                }
            }
        }
        mk(ExprKind::Node(Box::new(def)), span)
    }

    // ------------------------------------------------------------ expressions

    pub(crate) fn expression(&mut self, p: P<'_>) -> Expr {
        if !matches!(p.as_rule(), Rule::expression | Rule::query_value) {
            return self.internal(&p);
        }
        let mut operands: Vec<Expr> = Vec::new();
        let mut ops: Vec<(BinOp, u8)> = Vec::new();
        let mut prefixes: Vec<(UnaryOp, Span)> = Vec::new();
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::unary => {
                    let op = match c.as_str() {
                        "!" => UnaryOp::Not,
                        "-" => UnaryOp::Neg,
                        _ => UnaryOp::Splat,
                    };
                    prefixes.push((op, self.span(&c)));
                    if prefixes.len() > MAX_OPERANDS {
                        return self.error(
                            "syntax",
                            format!("expression too long: more than {MAX_OPERANDS} prefix operators in a row"),
                            prefixes[0].1,
                        );
                    }
                }
                Rule::access | Rule::method_call | Rule::selector => {
                    if let Some(target) = operands.pop() {
                        let e = match c.as_rule() {
                            Rule::access => self.access(target, c),
                            Rule::method_call => self.method_call(target, c),
                            _ => self.selector(target, c),
                        };
                        operands.push(e);
                    }
                }
                Rule::binop => {
                    // An infix operator closes the pending operand's prefixes.
                    apply_prefixes(&mut operands, &mut prefixes);
                    match binop(c.as_str()) {
                        Some(op) => ops.push(op),
                        None => {
                            self.internal(&c);
                        }
                    }
                }
                _ => {
                    let e = self.primary_inner(c);
                    operands.push(e);
                }
            }
        }
        apply_prefixes(&mut operands, &mut prefixes);
        if operands.len() != ops.len() + 1 {
            return self.error(
                "internal",
                "parser: operator and operand counts disagree",
                Span::default(),
            );
        }
        if operands.len() > MAX_OPERANDS {
            let span = join(operands[0].span, operands[operands.len() - 1].span);
            return self.error(
                "syntax",
                format!("expression too long: more than {MAX_OPERANDS} operands in a row"),
                span,
            );
        }
        let mut operands = operands.into_iter().map(Some).collect::<Vec<_>>();
        let mut pos = 0;
        climb(&mut operands, &ops, &mut pos, 0)
    }

    fn selector(&mut self, subject: Expr, p: P<'_>) -> Expr {
        let span = join(subject.span, self.span(&p));
        let mut arms = Vec::new();
        for arm in p.into_inner() {
            let mut it = arm.into_inner();
            if let (Some(k), Some(v)) = (it.next(), it.next()) {
                let k = self.expression(k);
                let v = self.expression(v);
                arms.push((k, v));
            }
        }
        mk(
            ExprKind::Selector {
                subject: Box::new(subject),
                arms,
            },
            span,
        )
    }

    fn access(&mut self, target: Expr, p: P<'_>) -> Expr {
        let span = join(target.span, self.span(&p));
        let keys = p.into_inner().map(|k| self.expression(k)).collect();
        mk(
            ExprKind::Access {
                target: Box::new(target),
                keys,
            },
            span,
        )
    }

    fn method_call(&mut self, receiver: Expr, p: P<'_>) -> Expr {
        let span = join(receiver.span, self.span(&p));
        let mut name = String::new();
        let mut args = Vec::new();
        let mut lambda = None;
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::fn_name => name = c.as_str().to_string(),
                Rule::call_args => args = self.call_args(c),
                Rule::lambda => lambda = Some(Box::new(self.lambda(c))),
                _ => {
                    self.internal(&c);
                }
            }
        }
        mk(
            ExprKind::MethodCall {
                receiver: Box::new(receiver),
                name,
                args,
                lambda,
            },
            span,
        )
    }

    fn call_args(&mut self, p: P<'_>) -> Vec<Expr> {
        p.into_inner().map(|a| self.expression(a)).collect()
    }

    fn lambda(&mut self, p: P<'_>) -> Lambda {
        let span = self.span(&p);
        let mut params = Vec::new();
        let mut body = Vec::new();
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::param => params.push(self.param(c)),
                Rule::block => body = self.block(c),
                _ => {
                    self.internal(&c);
                }
            }
        }
        Lambda { params, body, span }
    }

    fn primary_inner(&mut self, c: P<'_>) -> Expr {
        let span = self.span(&c);
        let kind = match c.as_rule() {
            Rule::hash => {
                let mut entries = Vec::new();
                for e in c.into_inner() {
                    let mut it = e.into_inner();
                    if let (Some(k), Some(v)) = (it.next(), it.next()) {
                        let k = if k.as_rule() == Rule::hash_kw_key {
                            let ks = self.span(&k);
                            mk(ExprKind::Bareword(k.as_str().to_string()), ks)
                        } else {
                            self.expression(k)
                        };
                        let v = self.expression(v);
                        entries.push((k, v));
                    }
                }
                ExprKind::Hash(entries)
            }
            Rule::array => ExprKind::Array(c.into_inner().map(|e| self.expression(e)).collect()),
            Rule::sq_string => {
                let raw = c.as_str();
                let inner = raw.get(1..raw.len().saturating_sub(1)).unwrap_or("");
                ExprKind::Str(unquote_single(inner))
            }
            Rule::dq_string => self.dq_parts(c, Escapes::double_quoted()),
            Rule::heredoc => return self.heredoc(c),
            Rule::number => return self.number(c),
            Rule::kw_lit => match c.as_str() {
                "true" => ExprKind::Bool(true),
                "false" => ExprKind::Bool(false),
                "undef" => ExprKind::Undef,
                _ => ExprKind::Default,
            },
            Rule::regex => ExprKind::Regex(regex_body(c.as_str())),
            Rule::variable => ExprKind::Variable(c.as_str()[1..].to_string()),
            Rule::if_expr => self.if_expr(c),
            Rule::unless_expr => self.unless_expr(c),
            Rule::case_expr => self.case_expr(c),
            Rule::type_or_collector => {
                let name = name_prefix(c.as_str());
                let kids: Vec<_> = c.into_inner().collect();
                if !kids.is_empty() {
                    return self.collector_parts(span, name, kids);
                }
                ExprKind::TypeName(name.to_string())
            }
            Rule::paren => match c.into_inner().next() {
                Some(e) => ExprKind::Paren(Box::new(self.expression(e))),
                None => ExprKind::Undef,
            },
            Rule::word_or_call => {
                let name = name_prefix(c.as_str()).to_string();
                let mut args = None;
                let mut lambda = None;
                for a in c.into_inner() {
                    match a.as_rule() {
                        Rule::call_args => args = Some(self.call_args(a)),
                        Rule::lambda => lambda = Some(Box::new(self.lambda(a))),
                        _ => {
                            self.internal(&a);
                        }
                    }
                }
                match args {
                    None => ExprKind::Bareword(name),
                    Some(_) if name.contains('-') => {
                        return self.error(
                            "syntax",
                            format!(
                                "'{name}' is not a valid function name (names cannot contain '-')"
                            ),
                            span,
                        )
                    }
                    Some(args) => ExprKind::Call {
                        name: name.trim_start_matches("::").to_string(),
                        args,
                        lambda,
                    },
                }
            }
            Rule::epp_render => match c.into_inner().next() {
                Some(e) => ExprKind::EppRender(Box::new(self.expression(e))),
                None => ExprKind::Undef,
            },
            Rule::epp_text => {
                let start = self.off(c.as_span().start());
                match self.epp_texts.get(&start) {
                    Some(t) => ExprKind::EppText(t.clone()),
                    None => {
                        return self.error(
                            "syntax",
                            "Syntax error: unexpected control character",
                            span,
                        )
                    }
                }
            }
            _ => return self.internal(&c),
        };
        mk(kind, span)
    }

    fn number(&mut self, c: P<'_>) -> Expr {
        let span = self.span(&c);
        match number_kind(c.as_str()) {
            Ok(k) => mk(k, span),
            Err(msg) => self.error("syntax", msg, span),
        }
    }

    fn if_expr(&mut self, p: P<'_>) -> ExprKind {
        let mut branches = Vec::new();
        let mut else_body = None;
        let mut cond: Option<Expr> = None;
        for c in self.kids(p) {
            match c.as_rule() {
                Rule::expression => cond = Some(self.expression(c)),
                Rule::block => {
                    let body = self.block(c);
                    match cond.take() {
                        Some(cnd) => branches.push((cnd, body)),
                        None => else_body = Some(body),
                    }
                }
                _ => {
                    self.internal(&c);
                }
            }
        }
        ExprKind::If {
            branches,
            else_body,
        }
    }

    fn unless_expr(&mut self, p: P<'_>) -> ExprKind {
        let mut cond = None;
        let mut body = None;
        let mut else_body = None;
        for c in self.kids(p) {
            match c.as_rule() {
                Rule::expression => cond = Some(self.expression(c)),
                Rule::block if body.is_none() => body = Some(self.block(c)),
                Rule::block => else_body = Some(self.block(c)),
                _ => {
                    self.internal(&c);
                }
            }
        }
        ExprKind::Unless {
            cond: Box::new(cond.unwrap_or_else(|| mk(ExprKind::Undef, Span::default()))),
            body: body.unwrap_or_default(),
            else_body,
        }
    }

    fn case_expr(&mut self, p: P<'_>) -> ExprKind {
        let mut subject = None;
        let mut arms = Vec::new();
        for c in self.kids(p) {
            match c.as_rule() {
                Rule::expression => subject = Some(self.expression(c)),
                Rule::case_arm => {
                    let span = self.span(&c);
                    let mut values = Vec::new();
                    let mut body = Vec::new();
                    for a in c.into_inner() {
                        match a.as_rule() {
                            Rule::expression => values.push(self.expression(a)),
                            Rule::block => body = self.block(a),
                            _ => {
                                self.internal(&a);
                            }
                        }
                    }
                    arms.push(CaseArm { values, body, span });
                }
                _ => {
                    self.internal(&c);
                }
            }
        }
        ExprKind::Case {
            subject: Box::new(subject.unwrap_or_else(|| mk(ExprKind::Undef, Span::default()))),
            arms,
        }
    }

    fn collector(&mut self, p: P<'_>) -> Expr {
        let span = self.span(&p);
        let name = name_prefix(p.as_str());
        self.collector_parts(span, name, p.into_inner().collect())
    }

    fn collector_parts(&mut self, span: Span, name: &str, kids: Vec<P<'_>>) -> Expr {
        let mut type_name = name.to_string();
        let mut query = None;
        let mut is_exported = false;
        for c in kids {
            match c.as_rule() {
                Rule::type_name => type_name = c.as_str().to_string(),
                Rule::virtual_q | Rule::exported_q => {
                    is_exported = c.as_rule() == Rule::exported_q;
                    if let Some(q) = c.into_inner().next() {
                        query = Some(Box::new(self.query(q)));
                    }
                }
                _ => {
                    self.internal(&c);
                }
            }
        }
        mk(
            ExprKind::Collector {
                type_name,
                query,
                is_exported,
            },
            span,
        )
    }

    fn query(&mut self, p: P<'_>) -> Query {
        match p.as_rule() {
            Rule::query | Rule::query_and => {
                let or = p.as_rule() == Rule::query;
                let mut acc: Option<Query> = None;
                for c in p.into_inner() {
                    if matches!(c.as_rule(), Rule::op_or | Rule::op_and) {
                        continue;
                    }
                    let q = self.query(c);
                    acc = Some(match acc {
                        None => q,
                        Some(a) if or => Query::Or(Box::new(a), Box::new(q)),
                        Some(a) => Query::And(Box::new(a), Box::new(q)),
                    });
                }
                acc.unwrap_or_else(|| Query::And(Box::new(empty_query()), Box::new(empty_query())))
            }
            Rule::query_prim => {
                let kids: Vec<_> = p.into_inner().collect();
                match kids.as_slice() {
                    [q] => self.query(q.clone()),
                    [name, op, value] => {
                        let v = self.expression(value.clone());
                        let name = name.as_str().to_string();
                        if op.as_rule() == Rule::op_ne {
                            Query::Ne(name, v)
                        } else {
                            Query::Eq(name, v)
                        }
                    }
                    _ => empty_query(),
                }
            }
            _ => empty_query(),
        }
    }

    // ------------------------------------------------------------ strings

    /// Parts of a double-quoted string or interpolated heredoc.
    fn dq_parts(&mut self, p: P<'_>, esc: Escapes) -> ExprKind {
        let mut parts: Vec<StrPart> = Vec::new();
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::dq_text | Rule::hd_text | Rule::hd_text_noesc => {
                    let mut bad = Vec::new();
                    let s = unescape(c.as_str(), esc, &mut bad);
                    self.bad_escapes(c.as_span().start(), bad);
                    match parts.last_mut() {
                        Some(StrPart::Lit(prev)) => prev.push_str(&s),
                        _ => parts.push(StrPart::Lit(s)),
                    }
                }
                Rule::dq_var => {
                    let span = self.span(&c);
                    parts.push(StrPart::Expr(mk(
                        ExprKind::Variable(c.as_str()[1..].to_string()),
                        span,
                    )));
                }
                Rule::dq_brace => {
                    if let Some(e) = c.into_inner().next() {
                        let e = self.expression(e);
                        parts.push(StrPart::Expr(interpolated_var(e)));
                    }
                }
                Rule::EOI => {}
                _ => {
                    self.internal(&c);
                }
            }
        }
        if parts.iter().all(|p| matches!(p, StrPart::Lit(_))) {
            let mut s = String::new();
            for p in parts {
                if let StrPart::Lit(l) = p {
                    s.push_str(&l);
                }
            }
            ExprKind::Str(s)
        } else {
            ExprKind::Interpolated({
                parts.shrink_to_fit();
                parts
            })
        }
    }

    fn bad_escapes(&mut self, base: usize, bad: Vec<BadEscape>) {
        for b in bad {
            let start = self.off(base + b.offset);
            let span = Span::new(start, start + b.seq.len());
            self.diags
                .push(bad_escape_warning(self.source, span, &b.seq));
        }
    }

    fn heredoc(&mut self, c: P<'_>) -> Expr {
        let span = self.span(&c);
        self.heredoc_at(span, c.as_str())
    }

    /// The heredoc whose `@(...)` head (text `head`) is at `span`: its body was cut out by
    /// the pre-pass and is looked up by the head's offset.
    pub(super) fn heredoc_at(&mut self, span: Span, head: &str) -> Expr {
        let Some(doc) = self.heredocs.get(&(span.start as usize)) else {
            return self.error("syntax", format!("Invalid heredoc tag: '{head}'"), span);
        };
        let heredocs = self.heredocs;
        let esc = Escapes::heredoc(&doc.escapes);
        if !doc.interpolate {
            let mut bad = Vec::new();
            let s = unescape(&doc.text, esc, &mut bad);
            let mut sub = Lower {
                source: self.source,
                heredocs,
                epp_texts: self.epp_texts,
                map: Some(&doc.map),
                diags: self.diags,
                failed: false,
            };
            sub.bad_escapes(0, bad);
            return mk(ExprKind::Str(s), span);
        }
        let rule = if esc.dollar() {
            Rule::heredoc_text
        } else {
            Rule::heredoc_text_noesc
        };
        match super::parse_rule(rule, &doc.text) {
            Ok(mut pairs) => {
                let mut sub = Lower {
                    source: self.source,
                    heredocs,
                    epp_texts: self.epp_texts,
                    map: Some(&doc.map),
                    diags: self.diags,
                    failed: false,
                };
                let kind = match pairs.next() {
                    Some(p) => sub.dq_parts(p, esc),
                    None => ExprKind::Str(String::new()),
                };
                if sub.failed {
                    self.failed = true;
                }
                mk(kind, span)
            }
            Err(e) => {
                let mut d = super::errors::syntax_error(self.source, &doc.text, &e, Some(&doc.map));
                if d.message.starts_with("syntax error at end of file") && doc.text.contains("${") {
                    d.message = "Unclosed interpolation: '${' in a heredoc without a matching '}'"
                        .to_string();
                }
                self.failed = true;
                self.diags.push(d);
                mk(ExprKind::Undef, span)
            }
        }
    }
}

/// Apply pending prefix operators (innermost last) to the last operand.
pub(super) fn apply_prefixes(operands: &mut [Expr], prefixes: &mut Vec<(UnaryOp, Span)>) {
    if prefixes.is_empty() {
        return;
    }
    let Some(last) = operands.last_mut() else {
        return;
    };
    let mut e = std::mem::replace(last, mk(ExprKind::Undef, Span::default()));
    while let Some((op, sp)) = prefixes.pop() {
        let span = join(sp, e.span);
        e = match (op, e.kind) {
            // Fold `-1` into a literal: the evaluator sees negative numbers directly.
            (UnaryOp::Neg, ExprKind::Integer(i)) if i != i64::MIN => {
                mk(ExprKind::Integer(-i), span)
            }
            (UnaryOp::Neg, ExprKind::Float(f)) => mk(ExprKind::Float(-f), span),
            (op, kind) => mk(
                ExprKind::Unary {
                    op,
                    expr: Box::new(Expr { kind, span: e.span }),
                },
                span,
            ),
        };
    }
    *last = e;
}

/// Precedence climbing over `operands[pos..]` joined by `ops` (all left-associative).
pub(super) fn climb(
    operands: &mut [Option<Expr>],
    ops: &[(BinOp, u8)],
    pos: &mut usize,
    min: u8,
) -> Expr {
    let mut lhs = operands
        .get_mut(*pos)
        .and_then(Option::take)
        .unwrap_or_else(|| mk(ExprKind::Undef, Span::default()));
    while let Some(&(op, prec)) = ops.get(*pos) {
        if prec < min {
            break;
        }
        *pos += 1;
        let rhs = climb(operands, ops, pos, prec + 1);
        let span = join(lhs.span, rhs.span);
        lhs = mk(
            ExprKind::Binary {
                op,
                lhs: Box::new(lhs),
                rhs: Box::new(rhs),
            },
            span,
        );
    }
    lhs
}

/// `Type { attrs }` sets resource defaults; `Type['x'] { attrs }` or a collector's
/// `{ attrs }` overrides.
pub(super) fn defaults_or_override(target: Expr, attrs: Vec<Attr>, span: Span) -> Expr {
    match target.kind {
        ExprKind::TypeName(type_name) => mk(ExprKind::ResourceDefaults { type_name, attrs }, span),
        _ => mk(
            ExprKind::ResourceOverride {
                target: Box::new(target),
                attrs,
            },
            span,
        ),
    }
}

/// The value of a number literal as the grammar matched it, or the error to report.
pub(super) fn number_kind(s: &str) -> Result<ExprKind, String> {
    let parsed = if let Some(hex) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        i64::from_str_radix(hex, 16).map(ExprKind::Integer).ok()
    } else if s.contains(['.', 'e', 'E']) {
        s.parse::<f64>().ok().map(ExprKind::Float)
    } else if s.len() > 1 && s.starts_with('0') {
        if s.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
            i64::from_str_radix(&s[1..], 8).map(ExprKind::Integer).ok()
        } else {
            return Err(format!(
                "Not a valid octal number: '{s}' (a leading 0 means octal, digits 0-7)"
            ));
        }
    } else {
        s.parse::<i64>().map(ExprKind::Integer).ok()
    };
    parsed.ok_or_else(|| format!("Number out of range: '{s}'"))
}

/// The warning for an escape sequence double-quoted text does not know.
pub(super) fn bad_escape_warning(source: &Source, span: Span, seq: &str) -> Diagnostic {
    Diagnostic::warning(
        "unknown-escape",
        format!("Unrecognized escape sequence '{seq}'"),
    )
    .at(Some(source.location(span)))
    .with_hint(format!(
        "the backslash is kept; write '\\{seq}' for a literal backslash"
    ))
}

/// The attribute operator at the start of `s` (the text after an attribute's name), past
/// whitespace and comments: one pass over a few bytes, where searching the whole value
/// for `+>` and `=>` cost more than the rest of lowering the attribute (and could be
/// fooled by a comment holding `+>`).
pub(super) fn attr_op_after(s: &str) -> AttrOp {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b' ' | b'\t' | b'\n' | b'\r' => i += 1,
            b'#' => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                match s.get(i + 2..).and_then(|r| r.find("*/")) {
                    Some(e) => i += 2 + e + 2,
                    None => break,
                }
            }
            b'+' => return AttrOp::Append,
            _ => return AttrOp::Set,
        }
    }
    AttrOp::Set
}

/// Longest run of binary operators (or arrows) accepted: the AST nests one level per
/// operator, and walking or dropping a very deep tree would exhaust the stack.
pub(super) const MAX_OPERANDS: usize = 256;

/// The leading name of a word or type (`foo::bar` in `foo::bar (1)`).
pub(super) fn name_prefix(s: &str) -> &str {
    let end = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':' || c == '-'))
        .unwrap_or(s.len());
    &s[..end]
}

fn empty_query() -> Query {
    Query::Eq(String::new(), mk(ExprKind::Undef, Span::default()))
}

/// The text between a regex literal's slashes, with `\/` unescaped.
pub(super) fn regex_body(s: &str) -> String {
    let inner = s
        .strip_prefix('/')
        .and_then(|s| s.strip_suffix('/'))
        .unwrap_or(s);
    inner.replace("\\/", "/")
}

/// Inside `${}`, a bare name is a variable (`${hostname}`, `${facts['os']}`,
/// `${name.upcase}`), and so is a number (`${1}` is the capture `$1`).
pub(super) fn interpolated_var(e: Expr) -> Expr {
    let span = e.span;
    match e.kind {
        ExprKind::Bareword(n) => mk(ExprKind::Variable(n), span),
        ExprKind::Integer(i) if i >= 0 => mk(ExprKind::Variable(i.to_string()), span),
        ExprKind::Access { target, keys } => mk(
            ExprKind::Access {
                target: Box::new(interpolated_var(*target)),
                keys,
            },
            span,
        ),
        ExprKind::MethodCall {
            receiver,
            name,
            args,
            lambda,
        } => mk(
            ExprKind::MethodCall {
                receiver: Box::new(interpolated_var(*receiver)),
                name,
                args,
                lambda,
            },
            span,
        ),
        kind => mk(kind, span),
    }
}
