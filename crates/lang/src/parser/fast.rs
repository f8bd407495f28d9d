//! The fast path: a hand-written recursive-descent parser that builds the same AST as the
//! pest grammar (`grammar.pest`) and its lowering (`lower.rs`), without pest's per-rule
//! bookkeeping and without the intermediate pairs.
//!
//! Why: pest's rule calls and the lowering of its pairs were about 60 % of compiling a
//! large manifest. The grammar stays the definition of the language and the source of
//! every syntax error: this parser gives up (`None`) at anything it does not handle
//! exactly — a syntax error, a heredoc, a collector, an over-long chain, a literal the
//! lowering would reject — and the caller then parses the text with pest as before. So it
//! only ever has to agree with pest on input pest accepts, spans included, which the
//! differential tests (`tests/fast_parser.rs`, the `compile` fuzz target) check.
//!
//! Each function mirrors one grammar rule, including pest's implicit whitespace: in a
//! non-atomic rule the whitespace before an optional or repeated part is consumed even
//! when the part is absent, so such rules' spans end after it (`res_body`, `param`,
//! `stmt_call`, a relationship without arrows).

use super::heredoc::Prepared;
use super::lower::{
    apply_prefixes, attr_op_after, binop, climb, defaults_or_override, interpolated_var, join, mk,
    number_kind, regex_body, Lower, MAX_OPERANDS,
};
use super::strings::{unescape, unquote_single, Escapes};
use crate::ast::*;
use crate::Source;
use converge_catalog::Diagnostic;

/// Gives up on the fast path: the caller parses with pest instead.
type R<T> = Option<T>;

/// Words the grammar's `keyword` rule matches (each followed by a non-word character).
const KEYWORDS: [&str; 22] = [
    "and", "attr", "apply", "case", "class", "default", "define", "elsif", "else", "false",
    "function", "if", "inherits", "in", "node", "or", "private", "plan", "true", "type", "undef",
    "unless",
];

/// The `::` before a top-scope name, as a char pattern: a `&str` pattern would build a
/// substring searcher on every call (a few million instructions per 10k resources).
const ROOT: [char; 1] = [':'];

/// Functions callable as statements without parentheses (`stmt_fn`).
const STMT_FNS: [&str; 14] = [
    "include", "info", "require", "realize", "contain", "crit", "tag", "notice", "warning", "err",
    "emerg", "debug", "fail", "alert",
];

/// Parse `prepared.text[start..end]` (a whole manifest, or a piece of one cut at a
/// top-level statement boundary) into statements, with absolute offsets. `None` when the
/// fast path does not apply; the warnings it found otherwise.
pub(super) fn parse(
    source: &Source,
    prepared: &Prepared,
    start: usize,
    end: usize,
) -> Option<(Vec<Expr>, Vec<Diagnostic>)> {
    let text = &prepared.text;
    let mut p = Fast {
        source,
        prepared,
        text: &text[..end],
        b: &text.as_bytes()[..end],
        pos: start,
        diags: Vec::new(),
    };
    let body = p.statements()?;
    p.skip();
    (p.pos == p.b.len()).then_some((body, p.diags))
}

/// The `wc` character class: ASCII letters, digits and `_`.
fn is_wc(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// The start of a lowercase name segment (`lname_seg`, `bw_seg`).
fn is_lower_start(c: u8) -> bool {
    c.is_ascii_lowercase() || c == b'_'
}

/// A node name character (`node_name`).
fn is_node_char(c: u8) -> bool {
    is_wc(c) || c == b'-'
}

struct Fast<'a> {
    source: &'a Source,
    /// The pre-pass's output: heredoc bodies, looked up by their head's offset.
    prepared: &'a Prepared,
    text: &'a str,
    b: &'a [u8],
    pos: usize,
    diags: Vec<Diagnostic>,
}

impl Fast<'_> {
    // ------------------------------------------------------------ characters

    /// The byte at `i`, or 0 past the end (no rule starts with NUL, so this only ever
    /// makes a rule fail, as the end of input does).
    fn at(&self, i: usize) -> u8 {
        self.b.get(i).copied().unwrap_or(0)
    }

    fn peek(&self) -> u8 {
        self.at(self.pos)
    }

    fn eof(&self) -> bool {
        self.pos >= self.b.len()
    }

    fn starts(&self, s: &str) -> bool {
        self.b[self.pos.min(self.b.len())..].starts_with(s.as_bytes())
    }

    /// Consume `c` if it is next.
    fn eat(&mut self, c: u8) -> bool {
        let hit = self.peek() == c;
        self.pos += usize::from(hit);
        hit
    }

    /// Require `c` next.
    fn expect(&mut self, c: u8) -> R<()> {
        self.eat(c).then_some(())
    }

    /// The `WHITESPACE` rule, repeated: blanks, `#` comments and closed `/* */` comments.
    fn skip(&mut self) {
        self.pos = self.skip_from(self.pos);
    }

    /// Where the whitespace starting at `i` ends.
    fn skip_from(&self, mut i: usize) -> usize {
        loop {
            match self.at(i) {
                b' ' | b'\t' | b'\n' | b'\r' => i += 1,
                b'#' => {
                    while i < self.b.len() && self.b[i] != b'\n' {
                        i += 1;
                    }
                }
                b'/' if self.at(i + 1) == b'*' => match self.text[i + 2..].find("*/") {
                    Some(e) => i += 2 + e + 2,
                    None => return i,
                },
                _ => return i,
            }
        }
    }

    /// End of the run of word characters starting at `i`.
    fn word_end(&self, mut i: usize) -> usize {
        while is_wc(self.at(i)) {
            i += 1;
        }
        i
    }

    /// The run of word characters at the cursor (what `keyword`-style rules look at:
    /// a keyword matches exactly when this run is the keyword).
    fn word(&self) -> &str {
        &self.text[self.pos..self.word_end(self.pos)]
    }

    fn is_keyword(word: &str) -> bool {
        KEYWORDS.contains(&word)
    }

    fn span(&self, start: usize) -> Span {
        Span::new(start, self.pos)
    }

    // ------------------------------------------------------------ statements

    /// `(statement | ";")*`, stopping before `}` or the end.
    fn statements(&mut self) -> R<Vec<Expr>> {
        let mut out = Vec::new();
        loop {
            self.skip();
            if self.eof() || self.peek() == b'}' {
                break;
            }
            if self.eat(b';') {
                continue;
            }
            out.push(self.statement()?);
        }
        out.shrink_to_fit();
        Some(out)
    }

    fn statement(&mut self) -> R<Expr> {
        let c = self.peek();
        if matches!(c, b'c' | b'd' | b'n') {
            let word = self.word();
            match word {
                "define" => return self.define_def(),
                "node" => return self.node_def(),
                "class" => {
                    // `class { 'x': }` declares a class like a resource.
                    let after = self.skip_from(self.pos + 5);
                    let n = self.at(after);
                    if is_lower_start(n) || n == b':' {
                        return self.class_def();
                    }
                }
                _ => {}
            }
        }
        if c == b'f' && self.word() == "function" {
            return self.function_def();
        }
        if (b'a'..=b'w').contains(&c) {
            if let Some(call) = self.stmt_call()? {
                return Some(call);
            }
        }
        self.assignment()
    }

    /// `include x`, `notice 'y', 'z'`: `Some(None)` when this is not such a call.
    fn stmt_call(&mut self) -> R<Option<Expr>> {
        let start = self.pos;
        let word_end = self.word_end(start);
        let name = &self.text[start..word_end];
        if !STMT_FNS.contains(&name) || self.b[word_end..].starts_with(b"::") {
            return Some(None);
        }
        let after = self.skip_from(word_end);
        let rest = &self.b[after..];
        let refused: [&[u8]; 10] = [
            b"(", b"=", b"{", b"->", b"~>", b"<-", b"<~", b",", b";", b"}",
        ];
        if rest.is_empty() || refused.iter().any(|r| rest.starts_with(r)) {
            return Some(None);
        }
        let name = name.to_string();
        self.pos = after;
        let mut args = vec![self.expression()?];
        let mut last_end = self.pos;
        self.skip();
        // Without a second argument the rule ends past the whitespace that follows.
        let after_first = self.pos;
        while self.eat(b',') {
            self.skip();
            args.push(self.expression()?);
            last_end = self.pos;
            self.skip();
        }
        let end = if args.len() == 1 {
            after_first
        } else {
            last_end
        };
        Some(Some(mk(
            ExprKind::Call {
                name,
                args,
                lambda: None,
            },
            Span::new(start, end),
        )))
    }

    /// `assign_op`: `=` not starting `==`, `=~` or `=>`.
    fn at_assign_op(&self) -> bool {
        self.peek() == b'=' && !matches!(self.at(self.pos + 1), b'=' | b'~' | b'>')
    }

    /// `relationship (= relationship)*`, right-associative.
    fn assignment(&mut self) -> R<Expr> {
        let (first, mut end) = self.relationship()?;
        self.skip();
        if !self.at_assign_op() {
            return Some(first);
        }
        let mut parts = vec![first];
        while self.at_assign_op() {
            self.pos += 1;
            self.skip();
            let (part, part_end) = self.relationship()?;
            parts.push(part);
            end = part_end;
            if parts.len() > MAX_OPERANDS {
                return None;
            }
            self.skip();
        }
        let mut value = parts.pop()?;
        while let Some(lhs) = parts.pop() {
            let assignable = match &lhs.kind {
                ExprKind::Variable(_) => true,
                ExprKind::Array(items) => items
                    .iter()
                    .all(|i| matches!(i.kind, ExprKind::Variable(_))),
                _ => false,
            };
            if !assignable {
                return None;
            }
            let at = Span {
                start: lhs.span.start,
                end: end as u32,
            };
            value = mk(
                ExprKind::Assign {
                    target: Box::new(lhs),
                    value: Box::new(value),
                },
                at,
            );
        }
        Some(value)
    }

    /// `resource_expr (arrow resource_expr)*`, left-associative. Also returns where the
    /// rule ends: past the whitespace that follows when there is no arrow.
    fn relationship(&mut self) -> R<(Expr, usize)> {
        let mut lhs = self.resource_expr()?;
        let mut chains = 0usize;
        loop {
            let last_end = self.pos;
            self.skip();
            let arrow = match (self.peek(), self.at(self.pos + 1)) {
                (b'-', b'>') => Arrow::Before,
                (b'~', b'>') => Arrow::Notify,
                (b'<', b'-') => Arrow::RevBefore,
                (b'<', b'~') => Arrow::RevNotify,
                _ => {
                    let end = if chains == 0 { self.pos } else { last_end };
                    return Some((lhs, end));
                }
            };
            self.pos += 2;
            self.skip();
            let rhs = self.resource_expr()?;
            chains += 1;
            if chains > MAX_OPERANDS {
                return None;
            }
            let span = join(lhs.span, rhs.span);
            lhs = mk(
                ExprKind::Chain {
                    arrow,
                    lhs: Box::new(lhs),
                    rhs: Box::new(rhs),
                },
                span,
            );
        }
    }

    fn resource_expr(&mut self) -> R<Expr> {
        let c = self.peek();
        if c.is_ascii_lowercase() || c == b'_' || c == b'@' || (c == b':' && self.starts("::")) {
            if let Some(decl) = self.resource_decl()? {
                return Some(decl);
            }
        }
        if c.is_ascii_uppercase()
            || (self.starts("::") && self.at(self.pos + 2).is_ascii_uppercase())
        {
            return self.resource_attrs_or_expression();
        }
        self.expression()
    }

    /// `type { title: attrs; ... }`: `Some(None)` when no `{` follows a type name.
    fn resource_decl(&mut self) -> R<Option<Expr>> {
        let start = self.pos;
        let mut is_virtual = false;
        let mut is_exported = false;
        if self.starts("@@") {
            self.pos += 2;
            is_exported = true;
        } else if self.eat(b'@') {
            is_virtual = true;
        }
        if is_virtual || is_exported {
            self.skip();
        }
        let type_start = self.pos;
        let word = self.word();
        if word == "class" {
            self.pos += 5;
        } else if Self::is_keyword(word) || !self.lname() {
            if is_virtual && self.b[start..].starts_with(b"@(") {
                // A heredoc.
                self.pos = start;
                return Some(None);
            }
            if is_virtual || is_exported {
                return None;
            }
            self.pos = start;
            return Some(None);
        }
        let type_end = self.pos;
        self.skip();
        if self.peek() != b'{' {
            if is_virtual || is_exported {
                return None;
            }
            self.pos = start;
            return Some(None);
        }
        self.pos += 1;
        let type_name = self.text[type_start..type_end]
            .trim_start_matches(ROOT)
            .to_ascii_lowercase();
        let mut bodies = Vec::new();
        loop {
            self.skip();
            bodies.push(self.res_body()?);
            self.skip();
            if self.eat(b';') {
                self.skip();
                if self.peek() == b'}' {
                    break;
                }
            } else {
                break;
            }
        }
        self.expect(b'}')?;
        bodies.shrink_to_fit();
        Some(Some(mk(
            ExprKind::Resource {
                type_name,
                is_virtual,
                is_exported,
                bodies,
            },
            self.span(start),
        )))
    }

    /// `lname`: `::`? segment (`::` segment)*; false (cursor unmoved) when none.
    fn lname(&mut self) -> bool {
        let start = self.pos;
        if self.starts("::") {
            self.pos += 2;
        }
        if !is_lower_start(self.peek()) {
            self.pos = start;
            return false;
        }
        self.pos = self.word_end(self.pos);
        while self.starts("::") && is_lower_start(self.at(self.pos + 2)) {
            self.pos = self.word_end(self.pos + 2);
        }
        true
    }

    fn res_body(&mut self) -> R<ResourceBody> {
        let start = self.pos;
        let title = self.expression()?;
        self.skip();
        self.expect(b':')?;
        self.skip();
        let (attrs, end) = if matches!(self.peek(), b'}' | b';') {
            (Vec::new(), self.pos)
        } else {
            self.attr_list()?
        };
        self.pos = end;
        Some(ResourceBody {
            title,
            attrs,
            span: Span::new(start, end),
        })
    }

    /// `attr ("," attr)* ","?`, and where it ends: past a trailing comma, or past the
    /// whitespace after the last attribute.
    fn attr_list(&mut self) -> R<(Vec<Attr>, usize)> {
        let mut attrs = Vec::new();
        loop {
            attrs.push(self.attr()?);
            self.skip();
            if !self.eat(b',') {
                break;
            }
            let after_comma = self.pos;
            self.skip();
            if matches!(self.peek(), b'}' | b';') {
                attrs.shrink_to_fit();
                return Some((attrs, after_comma));
            }
        }
        attrs.shrink_to_fit();
        Some((attrs, self.pos))
    }

    fn attr(&mut self) -> R<Attr> {
        let start = self.pos;
        self.attr_name()?;
        let name_span = self.span(start);
        let name = self.text[start..self.pos].to_string();
        self.skip();
        let op = match (self.peek(), self.at(self.pos + 1)) {
            (b'=', b'>') | (b'+', b'>') => attr_op_after(&self.text[self.pos..]),
            _ => return None,
        };
        self.pos += 2;
        self.skip();
        let value = self.expression()?;
        Some(Attr {
            name,
            name_span,
            op,
            value,
            span: self.span(start),
        })
    }

    /// `attr_name`: `*`, or lowercase segments joined by `::`.
    fn attr_name(&mut self) -> R<()> {
        if self.eat(b'*') {
            return Some(());
        }
        if !is_lower_start(self.peek()) {
            return None;
        }
        self.pos = self.word_end(self.pos);
        while self.starts("::") && is_lower_start(self.at(self.pos + 2)) {
            self.pos = self.word_end(self.pos + 2);
        }
        Some(())
    }

    /// A capitalised start: resource defaults or an override when `{` follows the type
    /// and its keys, an expression otherwise.
    fn resource_attrs_or_expression(&mut self) -> R<Expr> {
        let start = self.pos;
        let target = self.type_with_keys()?;
        let after = self.skip_from(self.pos);
        if self.at(after) != b'{' {
            return self.expression_from(target);
        }
        self.pos = after + 1;
        self.skip();
        let attrs = if self.peek() == b'}' {
            Vec::new()
        } else {
            let (attrs, end) = self.attr_list()?;
            self.pos = end;
            attrs
        };
        self.skip();
        self.expect(b'}')?;
        Some(defaults_or_override(target, attrs, self.span(start)))
    }

    /// `type_name access*` with no space before each `[` (`res_target`, `param_type`).
    fn type_with_keys(&mut self) -> R<Expr> {
        let mut e = self.type_name()?;
        if matches!(e.kind, ExprKind::Collector { .. }) {
            return Some(e);
        }
        while self.peek() == b'[' {
            e = self.access(e)?;
        }
        Some(e)
    }

    /// `type_text` as a `TypeName`; gives up before a collector (`File <| |>`).
    fn type_name(&mut self) -> R<Expr> {
        let start = self.pos;
        if self.starts("::") {
            self.pos += 2;
        }
        if !self.peek().is_ascii_uppercase() {
            return None;
        }
        self.pos = self.word_end(self.pos);
        while self.starts("::") && self.at(self.pos + 2).is_ascii_uppercase() {
            self.pos = self.word_end(self.pos + 2);
        }
        let type_name = self.text[start..self.pos].to_string();
        let after = self.skip_from(self.pos);
        let rest = &self.b[after..];
        let is_exported = rest.starts_with(b"<<|");
        if !(is_exported || rest.starts_with(b"<|")) {
            return Some(mk(ExprKind::TypeName(type_name), self.span(start)));
        }
        // A collector: `Type <| query |>` or `Type <<| query |>>`.
        self.pos = after + if is_exported { 3 } else { 2 };
        self.skip();
        let close: &[u8] = if is_exported { b"|>>" } else { b"|>" };
        let query = if self.b[self.pos..].starts_with(close) {
            None
        } else {
            let q = self.query()?;
            self.skip();
            Some(Box::new(q))
        };
        if !self.b[self.pos..].starts_with(close) {
            return None;
        }
        self.pos += close.len();
        Some(mk(
            ExprKind::Collector {
                type_name,
                query,
                is_exported,
            },
            self.span(start),
        ))
    }

    /// `query_and (or query_and)*`, left-associative.
    fn query(&mut self) -> R<Query> {
        self.query_chain("or", Self::query_and, Query::Or)
    }

    /// `query_prim (and query_prim)*`, left-associative.
    fn query_and(&mut self) -> R<Query> {
        self.query_chain("and", Self::query_prim, Query::And)
    }

    /// `item (op item)*` folded to the left with `join`.
    fn query_chain(
        &mut self,
        op: &str,
        item: fn(&mut Self) -> R<Query>,
        join: fn(Box<Query>, Box<Query>) -> Query,
    ) -> R<Query> {
        let mut acc = item(self)?;
        loop {
            let save = self.pos;
            self.skip();
            if self.word() != op {
                self.pos = save;
                return Some(acc);
            }
            self.pos += op.len();
            self.skip();
            acc = join(Box::new(acc), Box::new(item(self)?));
        }
    }

    /// `( query )`, or `attr == value` / `attr != value`, the value an operand with its
    /// keys and method calls.
    fn query_prim(&mut self) -> R<Query> {
        if self.eat(b'(') {
            self.skip();
            let q = self.query()?;
            self.skip();
            self.expect(b')')?;
            return Some(q);
        }
        let start = self.pos;
        self.attr_name()?;
        let name = self.text[start..self.pos].to_string();
        self.skip();
        let ne = match (self.peek(), self.at(self.pos + 1)) {
            (b'=', b'=') => false,
            (b'!', b'=') => true,
            _ => return None,
        };
        self.pos += 2;
        self.skip();
        let mut value = self.primary()?;
        loop {
            if self.peek() == b'[' {
                value = self.access(value)?;
                continue;
            }
            let save = self.pos;
            self.skip();
            if self.peek() == b'.' {
                value = self.method_call(value)?;
            } else {
                self.pos = save;
                break;
            }
        }
        Some(if ne {
            Query::Ne(name, value)
        } else {
            Query::Eq(name, value)
        })
    }

    // ------------------------------------------------------------ definitions

    fn class_name(&mut self) -> R<String> {
        let start = self.pos;
        if !self.lname() {
            return None;
        }
        Some(
            self.text[start..self.pos]
                .trim_start_matches(ROOT)
                .to_string(),
        )
    }

    fn class_def(&mut self) -> R<Expr> {
        let start = self.pos;
        self.pos += 5;
        self.skip();
        let name = self.class_name()?;
        self.skip();
        let params = self.optional_param_list()?;
        let mut parent = None;
        if self.word() == "inherits" {
            self.pos += 8;
            self.skip();
            parent = Some(self.class_name()?);
            self.skip();
        }
        let body = self.block()?;
        let span = self.span(start);
        Some(mk(
            ExprKind::Class(Box::new(ClassDef {
                name,
                params,
                parent,
                body,
                span,
            })),
            span,
        ))
    }

    fn define_def(&mut self) -> R<Expr> {
        let start = self.pos;
        self.pos += 6;
        self.skip();
        let name = self.class_name()?;
        self.skip();
        let params = self.optional_param_list()?;
        let body = self.block()?;
        let span = self.span(start);
        Some(mk(
            ExprKind::Define(Box::new(DefineDef {
                name,
                params,
                body,
                span,
            })),
            span,
        ))
    }

    fn function_def(&mut self) -> R<Expr> {
        let start = self.pos;
        self.pos += 8;
        self.skip();
        let name = self.class_name()?;
        self.skip();
        let params = self.optional_param_list()?;
        let mut return_type = None;
        if self.starts(">>") {
            self.pos += 2;
            self.skip();
            return_type = Some(Box::new(self.type_with_keys()?));
            self.skip();
        }
        let body = self.block()?;
        let span = self.span(start);
        Some(mk(
            ExprKind::Function(Box::new(FunctionDef {
                name,
                params,
                return_type,
                body,
                span,
            })),
            span,
        ))
    }

    fn node_def(&mut self) -> R<Expr> {
        let start = self.pos;
        self.pos += 4;
        let mut matches = Vec::new();
        loop {
            self.skip();
            if !matches.is_empty() && self.peek() == b'{' {
                break;
            }
            matches.push(self.node_match()?);
            self.skip();
            if !self.eat(b',') {
                break;
            }
        }
        self.skip();
        let body = self.block()?;
        let span = self.span(start);
        Some(mk(
            ExprKind::Node(Box::new(NodeDef {
                matches,
                body,
                span,
            })),
            span,
        ))
    }

    fn node_match(&mut self) -> R<NodeMatch> {
        match self.peek() {
            b'\'' | b'"' => match self.primary()?.kind {
                ExprKind::Str(s) => Some(NodeMatch::Name(s.to_lowercase())),
                _ => None,
            },
            b'/' => match self.primary()?.kind {
                ExprKind::Regex(r) => Some(NodeMatch::Regex(r)),
                _ => None,
            },
            _ if self.word() == "default" => {
                self.pos += 7;
                Some(NodeMatch::Default)
            }
            c if is_node_char(c) => {
                let start = self.pos;
                loop {
                    while is_node_char(self.peek()) {
                        self.pos += 1;
                    }
                    if self.peek() == b'.' && is_node_char(self.at(self.pos + 1)) {
                        self.pos += 1;
                    } else {
                        break;
                    }
                }
                Some(NodeMatch::Name(self.text[start..self.pos].to_lowercase()))
            }
            _ => None,
        }
    }

    /// A class's or define's `( param, ... )` and the whitespace after it, if written.
    fn optional_param_list(&mut self) -> R<Vec<Param>> {
        if self.peek() != b'(' {
            return Some(Vec::new());
        }
        let params = self.param_list()?;
        self.skip();
        Some(params)
    }

    /// `( param, ... )` of a class or define.
    fn param_list(&mut self) -> R<Vec<Param>> {
        self.expect(b'(')?;
        self.params_until(b')')
    }

    /// Parameters up to and including `close`, the cursor just past the opener.
    fn params_until(&mut self, close: u8) -> R<Vec<Param>> {
        self.comma_list(close, Self::param)
    }

    /// `(item ("," item)* ","?)?` and then `close`, the cursor just past the opener.
    fn comma_list<T>(&mut self, close: u8, item: fn(&mut Self) -> R<T>) -> R<Vec<T>> {
        let mut items = Vec::new();
        self.skip();
        if !self.eat(close) {
            loop {
                items.push(item(self)?);
                self.skip();
                if !self.eat(b',') {
                    break;
                }
                self.skip();
                if self.peek() == close {
                    break;
                }
            }
            self.expect(close)?;
        }
        Some(items)
    }

    fn param(&mut self) -> R<Param> {
        let start = self.pos;
        let c = self.peek();
        let type_expr = if c.is_ascii_uppercase() || (c == b':' && self.starts("::")) {
            let t = self.type_with_keys()?;
            self.skip();
            Some(t)
        } else {
            None
        };
        let captures_rest = self.eat(b'*');
        if captures_rest {
            self.skip();
        }
        let var = self.variable()?;
        let ExprKind::Variable(name) = var.kind else {
            return None;
        };
        self.skip();
        let default = if self.eat(b'=') {
            self.skip();
            Some(self.expression()?)
        } else {
            None
        };
        Some(Param {
            name,
            type_expr,
            default,
            captures_rest,
            span: self.span(start),
        })
    }

    fn block(&mut self) -> R<Vec<Expr>> {
        self.expect(b'{')?;
        let body = self.statements()?;
        self.expect(b'}')?;
        Some(body)
    }

    // ------------------------------------------------------------ expressions

    fn expression(&mut self) -> R<Expr> {
        let first = self.operand(None)?;
        self.binary_tail(first)
    }

    /// An expression whose first primary (with its glued keys) is already parsed.
    fn expression_from(&mut self, primary: Expr) -> R<Expr> {
        let first = self.operand(Some(primary))?;
        self.binary_tail(first)
    }

    /// Binary operators and their operands after the first operand, by precedence.
    fn binary_tail(&mut self, first: Expr) -> R<Expr> {
        let Some(op) = self.binop_next() else {
            return Some(first);
        };
        let mut operands = vec![Some(first)];
        let mut ops = vec![op];
        loop {
            self.skip();
            operands.push(Some(self.operand(None)?));
            if operands.len() > MAX_OPERANDS {
                return None;
            }
            match self.binop_next() {
                Some(op) => ops.push(op),
                None => break,
            }
        }
        let mut pos = 0;
        Some(climb(&mut operands, &ops, &mut pos, 0))
    }

    /// The binary operator after optional whitespace (`binop`), consumed; the cursor is
    /// left where it was when there is none.
    fn binop_next(&mut self) -> Option<(BinOp, u8)> {
        let save = self.pos;
        self.skip();
        let c = self.peek();
        let n = self.at(self.pos + 1);
        let len = match c {
            b'o' if n == b'r' && !is_wc(self.at(self.pos + 2)) => 2,
            b'a' if self.starts("and") && !is_wc(self.at(self.pos + 3)) => 3,
            b'i' if n == b'n' && !is_wc(self.at(self.pos + 2)) => 2,
            b'=' | b'!' if n == b'~' || n == b'=' => 2,
            b'<' | b'>' if n == b'=' => 2,
            b'<' if n == b'<' && self.at(self.pos + 2) != b'|' => 2,
            b'>' if n == b'>' => 2,
            b'<' if !matches!(n, b'-' | b'~' | b'|' | b'<') => 1,
            b'>' => 1,
            b'+' | b'-' if n != b'>' => 1,
            b'*' | b'/' | b'%' => 1,
            _ => 0,
        };
        if len == 0 {
            self.pos = save;
            return None;
        }
        let op = binop(&self.text[self.pos..self.pos + len])?;
        self.pos += len;
        Some(op)
    }

    /// Prefix operators, a primary (unless given) and what binds to it: keys glued to
    /// it, method calls and selectors. The prefixes apply last, as in the lowering.
    fn operand(&mut self, primary: Option<Expr>) -> R<Expr> {
        let mut prefixes: Vec<(UnaryOp, Span)> = Vec::new();
        let mut e = match primary {
            Some(p) => p,
            None => {
                loop {
                    let c = self.peek();
                    let n = self.at(self.pos + 1);
                    let op = match c {
                        b'!' if !matches!(n, b'=' | b'~') => UnaryOp::Not,
                        b'-' if n != b'>' => UnaryOp::Neg,
                        b'*' => UnaryOp::Splat,
                        _ => break,
                    };
                    prefixes.push((op, Span::new(self.pos, self.pos + 1)));
                    if prefixes.len() > MAX_OPERANDS {
                        return None;
                    }
                    self.pos += 1;
                    self.skip();
                }
                self.primary()?
            }
        };
        loop {
            if self.peek() == b'[' {
                e = self.access(e)?;
                continue;
            }
            let save = self.pos;
            self.skip();
            match self.peek() {
                b'.' => e = self.method_call(e)?,
                b'?' => e = self.selector(e)?,
                _ => {
                    self.pos = save;
                    break;
                }
            }
        }
        let mut one = [e];
        apply_prefixes(&mut one, &mut prefixes);
        let [e] = one;
        Some(e)
    }

    fn access(&mut self, target: Expr) -> R<Expr> {
        let start = self.pos;
        self.expect(b'[')?;
        self.skip();
        let mut keys = vec![self.expression()?];
        loop {
            self.skip();
            if !self.eat(b',') {
                break;
            }
            self.skip();
            if self.peek() == b']' {
                break;
            }
            keys.push(self.expression()?);
        }
        self.expect(b']')?;
        let span = join(target.span, self.span(start));
        Some(mk(
            ExprKind::Access {
                target: Box::new(target),
                keys,
            },
            span,
        ))
    }

    fn selector(&mut self, subject: Expr) -> R<Expr> {
        let start = self.pos;
        self.expect(b'?')?;
        self.skip();
        self.expect(b'{')?;
        let mut arms = Vec::new();
        loop {
            self.skip();
            if !arms.is_empty() && self.peek() == b'}' {
                break;
            }
            let k = self.expression()?;
            self.skip();
            if !self.starts("=>") {
                return None;
            }
            self.pos += 2;
            self.skip();
            let v = self.expression()?;
            arms.push((k, v));
            self.skip();
            if !self.eat(b',') {
                break;
            }
        }
        self.skip();
        self.expect(b'}')?;
        let span = join(subject.span, self.span(start));
        Some(mk(
            ExprKind::Selector {
                subject: Box::new(subject),
                arms,
            },
            span,
        ))
    }

    fn method_call(&mut self, receiver: Expr) -> R<Expr> {
        let start = self.pos;
        self.expect(b'.')?;
        self.skip();
        if Self::is_keyword(self.word()) {
            return None;
        }
        let name_start = self.pos;
        if !self.lname() {
            return None;
        }
        let name = self.text[name_start..self.pos].to_string();
        let (args, lambda) = self.call_suffix(false)?;
        let span = join(receiver.span, self.span(start));
        Some(mk(
            ExprKind::MethodCall {
                receiver: Box::new(receiver),
                name,
                args: args.unwrap_or_default(),
                lambda,
            },
            span,
        ))
    }

    /// `(ws call_args)? (ws lambda)?` after a method name, or `(ws call_args (ws
    /// lambda)?)?` after a function name (`lambda_needs_args`).
    #[allow(clippy::type_complexity)]
    fn call_suffix(
        &mut self,
        lambda_needs_args: bool,
    ) -> R<(Option<Vec<Expr>>, Option<Box<Lambda>>)> {
        let save = self.pos;
        self.skip();
        let args = if self.peek() == b'(' {
            Some(self.call_args()?)
        } else {
            self.pos = save;
            None
        };
        if lambda_needs_args && args.is_none() {
            return Some((None, None));
        }
        let save = self.pos;
        self.skip();
        if self.peek() == b'|' {
            let inner = self.skip_from(self.pos + 1);
            let c = self.at(inner);
            if matches!(c, b'$' | b'|' | b'*' | b':') || c.is_ascii_uppercase() {
                let lambda = self.lambda()?;
                return Some((args, Some(Box::new(lambda))));
            }
        }
        self.pos = save;
        Some((args, None))
    }

    fn call_args(&mut self) -> R<Vec<Expr>> {
        self.expect(b'(')?;
        self.list_until(b')')
    }

    /// Expressions up to and including `close`, the cursor just past the opener.
    fn list_until(&mut self, close: u8) -> R<Vec<Expr>> {
        self.comma_list(close, Self::expression)
    }

    fn lambda(&mut self) -> R<Lambda> {
        let start = self.pos;
        self.expect(b'|')?;
        let params = self.params_until(b'|')?;
        self.skip();
        let body = self.block()?;
        Some(Lambda {
            params,
            body,
            span: self.span(start),
        })
    }

    fn primary(&mut self) -> R<Expr> {
        let start = self.pos;
        let kind = match self.peek() {
            b'\'' => self.sq_string()?,
            b'"' => self.dq_string()?,
            b'$' => return self.variable(),
            b'a'..=b'z' | b'_' => {
                let word = self.word();
                match word {
                    "true" | "false" | "undef" | "default" => {
                        let kind = match word {
                            "true" => ExprKind::Bool(true),
                            "false" => ExprKind::Bool(false),
                            "undef" => ExprKind::Undef,
                            _ => ExprKind::Default,
                        };
                        self.pos += word.len();
                        kind
                    }
                    "if" => self.if_expr()?,
                    "unless" => self.unless_expr()?,
                    "case" => self.case_expr()?,
                    w if Self::is_keyword(w) => return None,
                    _ => return self.word_or_call(),
                }
            }
            b':' if self.starts("::") => {
                let n = self.at(self.pos + 2);
                if is_lower_start(n) {
                    return self.word_or_call();
                }
                return self.type_name();
            }
            b'A'..=b'Z' => return self.type_name(),
            b'0'..=b'9' => return self.number(),
            b'[' => {
                self.pos += 1;
                ExprKind::Array(self.list_until(b']')?)
            }
            b'{' => self.hash()?,
            b'@' if self.at(self.pos + 1) == b'(' => return self.heredoc(),
            b'/' => {
                self.regex()?;
                ExprKind::Regex(regex_body(&self.text[start..self.pos]))
            }
            b'(' => {
                self.pos += 1;
                self.skip();
                let e = self.expression()?;
                self.skip();
                self.expect(b')')?;
                ExprKind::Paren(Box::new(e))
            }
            _ => return None,
        };
        Some(mk(kind, self.span(start)))
    }

    /// `@(TAG)`: the body was cut out by the pre-pass; the lowering's code turns it into
    /// a string (and parses an interpolating body), so both paths share it.
    fn heredoc(&mut self) -> R<Expr> {
        let start = self.pos;
        self.pos += 2;
        loop {
            match self.peek() {
                b')' => break,
                b'\n' => return None,
                _ if self.eof() => return None,
                _ => self.pos += 1,
            }
        }
        self.pos += 1;
        let (span, head) = (self.span(start), &self.text[start..self.pos]);
        let no_texts = std::collections::HashMap::new();
        let mut lower = Lower {
            source: self.source,
            heredocs: &self.prepared.heredocs,
            epp_texts: &no_texts,
            map: None,
            diags: &mut self.diags,
            failed: false,
        };
        let e = lower.heredoc_at(span, head);
        (!lower.failed).then_some(e)
    }

    fn variable(&mut self) -> R<Expr> {
        let start = self.pos;
        self.expect(b'$')?;
        if self.starts("::") {
            self.pos += 2;
        }
        let end = self.word_end(self.pos);
        if end == self.pos {
            return None;
        }
        self.pos = end;
        while self.starts("::") && is_wc(self.at(self.pos + 2)) {
            self.pos = self.word_end(self.pos + 2);
        }
        Some(mk(
            ExprKind::Variable(self.text[start + 1..self.pos].to_string()),
            self.span(start),
        ))
    }

    /// `bw_seg`: a lowercase segment that may hold single or repeated `-` between word
    /// characters.
    fn bw_seg(&mut self) -> bool {
        if !is_lower_start(self.peek()) {
            return false;
        }
        loop {
            let c = self.peek();
            if is_wc(c) {
                self.pos += 1;
            } else if c == b'-' {
                let mut i = self.pos;
                while self.at(i) == b'-' {
                    i += 1;
                }
                if is_wc(self.at(i)) {
                    self.pos = i;
                } else {
                    return true;
                }
            } else {
                return true;
            }
        }
    }

    fn word_or_call(&mut self) -> R<Expr> {
        let start = self.pos;
        if self.starts("::") {
            self.pos += 2;
        }
        if !self.bw_seg() {
            return None;
        }
        while self.starts("::") && is_lower_start(self.at(self.pos + 2)) {
            self.pos += 2;
            self.bw_seg();
        }
        let name = &self.text[start..self.pos];
        let (args, lambda) = self.call_suffix(true)?;
        let kind = match args {
            None => ExprKind::Bareword(name.to_string()),
            Some(_) if name.contains('-') => return None,
            Some(args) => ExprKind::Call {
                name: name.trim_start_matches(ROOT).to_string(),
                args,
                lambda,
            },
        };
        Some(mk(kind, self.span(start)))
    }

    fn number(&mut self) -> R<Expr> {
        let start = self.pos;
        if self.peek() == b'0'
            && matches!(self.at(self.pos + 1), b'x' | b'X')
            && self.at(self.pos + 2).is_ascii_hexdigit()
        {
            self.pos += 2;
            while self.peek().is_ascii_hexdigit() {
                self.pos += 1;
            }
        } else {
            while self.peek().is_ascii_digit() {
                self.pos += 1;
            }
            if self.peek() == b'.' && self.at(self.pos + 1).is_ascii_digit() {
                self.pos += 1;
                while self.peek().is_ascii_digit() {
                    self.pos += 1;
                }
            }
            if matches!(self.peek(), b'e' | b'E') {
                let mut i = self.pos + 1;
                if matches!(self.at(i), b'-' | b'+') {
                    i += 1;
                }
                if self.at(i).is_ascii_digit() {
                    self.pos = i;
                    while self.peek().is_ascii_digit() {
                        self.pos += 1;
                    }
                }
            }
        }
        if is_wc(self.peek()) {
            return None;
        }
        let kind = number_kind(&self.text[start..self.pos]).ok()?;
        Some(mk(kind, self.span(start)))
    }

    fn hash(&mut self) -> R<ExprKind> {
        self.expect(b'{')?;
        let mut entries = Vec::new();
        self.skip();
        if !self.eat(b'}') {
            loop {
                let k = self.hash_key()?;
                self.skip();
                if !self.starts("=>") {
                    return None;
                }
                self.pos += 2;
                self.skip();
                let v = self.expression()?;
                entries.push((k, v));
                self.skip();
                if !self.eat(b',') {
                    break;
                }
                self.skip();
                if self.peek() == b'}' {
                    break;
                }
            }
            self.expect(b'}')?;
        }
        Some(ExprKind::Hash(entries))
    }

    /// A hash key: an expression, or a keyword such as `if` or `class` as a bare word
    /// (`hash_kw_key`), which is what pest ends up with when no expression can start
    /// with that keyword followed by `=>`.
    fn hash_key(&mut self) -> R<Expr> {
        let word = self.word();
        if Self::is_keyword(word) && !matches!(word, "true" | "false" | "undef" | "default") {
            let start = self.pos;
            let end = start + word.len();
            let after = self.skip_from(end);
            if self.b[after..].starts_with(b"=>") {
                let word = word.to_string();
                self.pos = end;
                return Some(mk(ExprKind::Bareword(word), self.span(start)));
            }
        }
        self.expression()
    }

    /// A regex literal `/.../` on one line; the cursor ends past the closing slash.
    fn regex(&mut self) -> R<()> {
        self.expect(b'/')?;
        loop {
            match self.peek() {
                b'\\' if !self.eof() && self.at(self.pos + 1) != b'\n' => {
                    if self.pos + 1 >= self.b.len() {
                        return None;
                    }
                    self.pos += 2;
                }
                b'/' => {
                    self.pos += 1;
                    return Some(());
                }
                b'\n' => return None,
                _ if self.eof() => return None,
                _ => self.pos += 1,
            }
        }
    }

    fn if_expr(&mut self) -> R<ExprKind> {
        self.pos += 2;
        self.skip();
        let mut branches = Vec::new();
        let cond = self.expression()?;
        self.skip();
        branches.push((cond, self.block()?));
        let mut else_body = None;
        loop {
            let save = self.pos;
            self.skip();
            match self.word() {
                "elsif" => {
                    self.pos += 5;
                    self.skip();
                    let cond = self.expression()?;
                    self.skip();
                    branches.push((cond, self.block()?));
                }
                "else" => {
                    self.pos += 4;
                    self.skip();
                    else_body = Some(self.block()?);
                    break;
                }
                _ => {
                    self.pos = save;
                    break;
                }
            }
        }
        Some(ExprKind::If {
            branches,
            else_body,
        })
    }

    fn unless_expr(&mut self) -> R<ExprKind> {
        self.pos += 6;
        self.skip();
        let cond = self.expression()?;
        self.skip();
        let body = self.block()?;
        let save = self.pos;
        self.skip();
        let else_body = if self.word() == "else" {
            self.pos += 4;
            self.skip();
            Some(self.block()?)
        } else {
            self.pos = save;
            None
        };
        Some(ExprKind::Unless {
            cond: Box::new(cond),
            body,
            else_body,
        })
    }

    fn case_expr(&mut self) -> R<ExprKind> {
        self.pos += 4;
        self.skip();
        let subject = self.expression()?;
        self.skip();
        self.expect(b'{')?;
        let mut arms = Vec::new();
        loop {
            self.skip();
            if self.peek() == b'}' {
                break;
            }
            let start = self.pos;
            let mut values = vec![self.expression()?];
            loop {
                self.skip();
                if !self.eat(b',') {
                    break;
                }
                self.skip();
                if self.peek() == b':' {
                    break;
                }
                values.push(self.expression()?);
            }
            self.skip();
            self.expect(b':')?;
            self.skip();
            let body = self.block()?;
            arms.push(CaseArm {
                values,
                body,
                span: self.span(start),
            });
        }
        self.expect(b'}')?;
        Some(ExprKind::Case {
            subject: Box::new(subject),
            arms,
        })
    }

    // ------------------------------------------------------------ strings

    fn sq_string(&mut self) -> R<ExprKind> {
        self.expect(b'\'')?;
        let start = self.pos;
        loop {
            match self.peek() {
                _ if self.eof() => return None,
                b'\\' => {
                    if self.pos + 1 >= self.b.len() {
                        return None;
                    }
                    self.pos += 2;
                }
                b'\'' => break,
                _ => self.pos += 1,
            }
        }
        let s = unquote_single(&self.text[start..self.pos]);
        self.pos += 1;
        Some(ExprKind::Str(s))
    }

    fn dq_string(&mut self) -> R<ExprKind> {
        self.expect(b'"')?;
        let mut parts: Vec<StrPart> = Vec::new();
        loop {
            if self.eof() {
                return None;
            }
            match self.peek() {
                b'"' => break,
                b'$' if self.at(self.pos + 1) == b'{' => {
                    self.pos += 2;
                    self.skip();
                    let e = self.expression()?;
                    self.skip();
                    self.expect(b'}')?;
                    parts.push(StrPart::Expr(interpolated_var(e)));
                }
                b'$' if self.dollar_starts_variable() => {
                    parts.push(StrPart::Expr(self.variable()?));
                }
                _ => {
                    let start = self.pos;
                    self.dq_text()?;
                    let mut bad = Vec::new();
                    let s = unescape(
                        &self.text[start..self.pos],
                        Escapes::double_quoted(),
                        &mut bad,
                    );
                    for b in bad {
                        let at = start + b.offset;
                        let span = Span::new(at, at + b.seq.len());
                        self.diags.push(super::lower::bad_escape_warning(
                            self.source,
                            span,
                            &b.seq,
                        ));
                    }
                    match parts.last_mut() {
                        Some(StrPart::Lit(prev)) => prev.push_str(&s),
                        _ => parts.push(StrPart::Lit(s)),
                    }
                }
            }
        }
        self.pos += 1;
        if parts.iter().all(|p| matches!(p, StrPart::Lit(_))) {
            let mut s = String::new();
            for p in parts {
                if let StrPart::Lit(l) = p {
                    s.push_str(&l);
                }
            }
            Some(ExprKind::Str(s))
        } else {
            parts.shrink_to_fit();
            Some(ExprKind::Interpolated(parts))
        }
    }

    /// `$` followed by a word, or by `::` and a word (`dq_var`).
    fn dollar_starts_variable(&self) -> bool {
        let n = self.at(self.pos + 1);
        is_wc(n) || (n == b':' && self.at(self.pos + 2) == b':' && is_wc(self.at(self.pos + 3)))
    }

    /// A run of literal text in a double-quoted string (`dq_text`): escapes, a `$` that
    /// starts nothing, and anything but `"`, `\` and `$`.
    fn dq_text(&mut self) -> R<()> {
        let start = self.pos;
        loop {
            match self.peek() {
                _ if self.eof() => break,
                b'"' => break,
                b'\\' => {
                    if self.pos + 1 >= self.b.len() {
                        return None;
                    }
                    self.pos += 2;
                }
                b'$' => {
                    if self.at(self.pos + 1) == b'{' || self.dollar_starts_variable() {
                        break;
                    }
                    self.pos += 1;
                }
                _ => self.pos += 1,
            }
        }
        (self.pos > start).then_some(())
    }
}
