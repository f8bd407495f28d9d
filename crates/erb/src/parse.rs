//! A recursive-descent parser for the Ruby that templates use, with Ruby's precedence
//! and its command-call rules (`is_a? Hash and x` is `is_a?(Hash) and x`; a `do` block
//! belongs to the outermost call, a `{}` block to the nearest). It knows local variables
//! as Ruby does (assigned earlier in the scope), so `foo` is a variable or a method call
//! as in Ruby. Anything outside the subset is an [`Unsupported`] error naming it.

use crate::ast::{Block, Call, Node, Param, Rescue, SPart, Target};
use crate::lex::{Part, Token, T};
use crate::Unsupported;
use std::rc::Rc;

type PR<T> = Result<T, Unsupported>;

pub(crate) struct Parser {
    toks: Vec<Token>,
    i: usize,
    scopes: Vec<Vec<Rc<str>>>,
    no_do: bool,
    /// How deeply expressions nest here (bounded: the parser recurses).
    depth: usize,
}

/// How deeply a template's expressions may nest (Ruby itself stops far earlier in
/// practice; this keeps the recursion of parser and evaluator bounded).
const MAX_NESTING: usize = 150;

/// Operators by precedence, loosest first (below `&&`/`||`, which are handled apart).
const LEVELS: &[&[&str]] = &[
    &["<=>", "==", "===", "!=", "=~", "!~"],
    &["<", "<=", ">", ">="],
    &["|", "^"],
    &["&"],
    &["<<", ">>"],
    &["+", "-"],
    &["*", "/", "%"],
];

const OP_ASSIGN: &[&str] = &[
    "+=", "-=", "*=", "/=", "%=", "**=", "||=", "&&=", "|=", "&=", "<<=", ">>=", "^=",
];

impl Parser {
    pub(crate) fn new(toks: Vec<Token>) -> Self {
        Parser {
            toks,
            i: 0,
            scopes: vec![Vec::new()],
            no_do: false,
            depth: 0,
        }
    }

    fn peek(&self) -> &Token {
        &self.toks[self.i.min(self.toks.len() - 1)]
    }

    fn peek_at(&self, n: usize) -> &Token {
        &self.toks[(self.i + n).min(self.toks.len() - 1)]
    }

    fn t(&self) -> &T {
        &self.peek().t
    }

    fn pos(&self) -> usize {
        self.peek().pos
    }

    fn bump(&mut self) -> Token {
        let t = self.peek().clone();
        if self.i < self.toks.len() - 1 {
            self.i += 1;
        }
        t
    }

    fn is_op(&self, op: &str) -> bool {
        matches!(self.t(), T::Op(o) if *o == op)
    }

    fn is_kw(&self, kw: &str) -> bool {
        matches!(self.t(), T::Kw(k) if *k == kw)
    }

    fn eat_op(&mut self, op: &str) -> bool {
        if self.is_op(op) {
            self.bump();
            true
        } else {
            false
        }
    }

    fn eat_kw(&mut self, kw: &str) -> bool {
        if self.is_kw(kw) {
            self.bump();
            true
        } else {
            false
        }
    }

    fn skip_terms(&mut self) {
        while matches!(self.t(), T::Term) {
            self.bump();
        }
    }

    fn unsupported<X>(&self, pos: usize, what: impl Into<String>) -> PR<X> {
        Err(Unsupported {
            pos,
            construct: what.into(),
        })
    }

    fn unexpected<X>(&self) -> PR<X> {
        let tok = self.peek();
        let what = match &tok.t {
            T::Eof => "the end of the template".to_string(),
            T::Term => "a line end".to_string(),
            T::Op(o) => format!("`{o}`"),
            T::Kw(k) => format!("`{k}`"),
            T::Ident(n) | T::Const(n) => format!("`{n}`"),
            T::Out | T::Text(_) => "template text".to_string(),
            _ => "a value".to_string(),
        };
        self.unsupported(
            tok.pos,
            format!("Ruby syntax it cannot parse (unexpected {what})"),
        )
    }

    fn expect_op(&mut self, op: &str) -> PR<()> {
        if self.eat_op(op) {
            Ok(())
        } else {
            self.unexpected()
        }
    }

    fn expect_kw(&mut self, kw: &str) -> PR<()> {
        if self.eat_kw(kw) {
            Ok(())
        } else {
            self.unexpected()
        }
    }

    fn is_local(&self, name: &str) -> bool {
        self.scopes.iter().any(|s| s.iter().any(|n| &**n == name))
    }

    fn declare(&mut self, name: &str) {
        if !self.is_local(name) {
            if let Some(s) = self.scopes.last_mut() {
                s.push(Rc::from(name));
            }
        }
    }

    /// The whole program.
    pub(crate) fn program(mut self) -> PR<Node> {
        let body = self.stmts()?;
        if !matches!(self.t(), T::Eof) {
            return self.unexpected();
        }
        Ok(body)
    }

    fn at_stmts_end(&self) -> bool {
        match self.t() {
            T::Eof => true,
            T::Op("}") | T::Op(")") => true,
            T::Kw(k) => matches!(
                *k,
                "end" | "else" | "elsif" | "when" | "rescue" | "ensure" | "then" | "in"
            ),
            _ => false,
        }
    }

    fn stmts(&mut self) -> PR<Node> {
        let mut out = Vec::new();
        loop {
            self.skip_terms();
            if self.at_stmts_end() {
                break;
            }
            let pos = self.pos();
            let s = self.stmt()?;
            out.push((pos, s));
            if !matches!(self.t(), T::Term) && !self.at_stmts_end() {
                return self.unexpected();
            }
        }
        Ok(Node::Seq(out))
    }

    fn stmt(&mut self) -> PR<Node> {
        let mut e = if matches!(self.t(), T::Out) {
            self.bump();
            if let T::Text(n) = *self.t() {
                self.bump();
                Node::Out(Box::new(Node::Text(n)))
            } else {
                Node::Out(Box::new(self.postfix(false)?))
            }
        } else if let Some(m) = self.try_multi_assign()? {
            m
        } else {
            self.expr()?
        };
        loop {
            let pos = self.pos();
            if self.eat_kw("if") {
                let c = self.expr()?;
                e = Node::If(Box::new(c), Box::new(e), Box::new(Node::Nil));
            } else if self.eat_kw("unless") {
                let c = self.expr()?;
                e = Node::If(Box::new(c), Box::new(Node::Nil), Box::new(e));
            } else if self.eat_kw("while") {
                let c = self.expr()?;
                e = Node::While(Box::new(c), Box::new(e), false);
            } else if self.eat_kw("until") {
                let c = self.expr()?;
                e = Node::While(Box::new(c), Box::new(e), true);
            } else if self.eat_kw("rescue") {
                let r = self.expr()?;
                e = Node::Begin(
                    Box::new(e),
                    vec![Rescue {
                        classes: Vec::new(),
                        var: None,
                        body: r,
                    }],
                    None,
                    None,
                );
            } else {
                let _ = pos;
                break;
            }
        }
        Ok(e)
    }

    /// `a, b = x`: tried at statement start, undone when it is not one.
    fn try_multi_assign(&mut self) -> PR<Option<Node>> {
        let looks = matches!(self.t(), T::Ident(_) | T::IVar(_) | T::Op("*"))
            && (matches!(self.peek_at(1).t, T::Op(",")) || matches!(self.t(), T::Op("*")));
        if !looks {
            return Ok(None);
        }
        let saved = (self.i, self.scopes.clone());
        let mut targets = Vec::new();
        loop {
            let splat = self.eat_op("*");
            let t = match self.bump().t {
                T::Ident(n) => Target::Local(Rc::from(n.as_str())),
                T::IVar(n) => Target::Ivar(Rc::from(n.as_str())),
                _ => {
                    (self.i, self.scopes) = saved;
                    return Ok(None);
                }
            };
            targets.push(if splat { Target::Splat(Box::new(t)) } else { t });
            if !self.eat_op(",") {
                break;
            }
        }
        if !self.is_op("=") {
            (self.i, self.scopes) = saved;
            return Ok(None);
        }
        self.bump();
        for t in &targets {
            let name = match t {
                Target::Local(n) => Some(n.clone()),
                Target::Splat(b) => match &**b {
                    Target::Local(n) => Some(n.clone()),
                    _ => None,
                },
                _ => None,
            };
            if let Some(n) = name {
                self.declare(&n);
            }
        }
        self.skip_terms();
        let first = self.arg(true)?;
        let rhs = if self.is_op(",") {
            let mut items = vec![first];
            while self.eat_op(",") {
                self.skip_terms();
                items.push(self.arg_elem()?);
            }
            Node::Array(items)
        } else {
            first
        };
        Ok(Some(Node::MultiAssign(targets, Box::new(rhs))))
    }

    /// `not`, `and`, `or` level.
    fn expr(&mut self) -> PR<Node> {
        let mut left = self.not_expr()?;
        loop {
            if self.eat_kw("and") {
                self.skip_terms();
                let r = self.not_expr()?;
                left = Node::And(Box::new(left), Box::new(r));
            } else if self.eat_kw("or") {
                self.skip_terms();
                let r = self.not_expr()?;
                left = Node::Or(Box::new(left), Box::new(r));
            } else {
                return Ok(left);
            }
        }
    }

    fn not_expr(&mut self) -> PR<Node> {
        if self.eat_kw("not") {
            let e = self.not_expr()?;
            return Ok(Node::Not(Box::new(e)));
        }
        self.arg(true)
    }

    /// Assignment level.
    fn arg(&mut self, cmd: bool) -> PR<Node> {
        let start = self.pos();
        let left = self.ternary(cmd)?;
        if let T::Op(op) = *self.t() {
            if op == "=" || OP_ASSIGN.contains(&op) {
                let Some(target) = self.target(left)? else {
                    return self.unsupported(start, "assignment to this kind of target");
                };
                self.bump();
                self.skip_terms();
                let rhs = self.arg(true)?;
                return Ok(if op == "=" {
                    Node::Assign(Box::new(target), Box::new(rhs))
                } else {
                    let bare: &'static str = &op[..op.len() - 1];
                    Node::OpAssign(Box::new(target), bare, Box::new(rhs))
                });
            }
        }
        Ok(left)
    }

    fn target(&mut self, n: Node) -> PR<Option<Target>> {
        Ok(Some(match n {
            Node::Local(name) => Target::Local(name),
            Node::Ivar(name) => Target::Ivar(name),
            Node::Global(name) => Target::Global(name),
            Node::Call(c) => {
                let c = *c;
                if c.block.is_some() || c.block_arg.is_some() {
                    return Ok(None);
                }
                match c.recv {
                    None if c.args.is_empty() => {
                        self.declare(&c.name);
                        Target::Local(c.name)
                    }
                    Some(recv) if &*c.name == "[]" => Target::Index(recv, c.args),
                    Some(recv) if c.args.is_empty() => Target::Attr(recv, c.name),
                    _ => return Ok(None),
                }
            }
            _ => return Ok(None),
        }))
    }

    fn ternary(&mut self, cmd: bool) -> PR<Node> {
        let c = self.range(cmd)?;
        if self.eat_op("?") {
            self.skip_terms();
            let a = self.arg(false)?;
            self.skip_terms();
            if !self.eat_op(":") {
                // `x ? a :b` lexes `:b` as a symbol in Ruby too (a syntax error there).
                return self.unexpected();
            }
            self.skip_terms();
            let b = self.arg(false)?;
            return Ok(Node::If(Box::new(c), Box::new(a), Box::new(b)));
        }
        Ok(c)
    }

    fn range(&mut self, cmd: bool) -> PR<Node> {
        let l = self.oror(cmd)?;
        for (op, excl) in [("..", false), ("...", true)] {
            if self.eat_op(op) {
                let r = if matches!(self.t(), T::Op("]") | T::Op(")") | T::Term | T::Eof) {
                    Node::Nil
                } else {
                    self.oror(false)?
                };
                return Ok(Node::Range(Box::new(l), Box::new(r), excl));
            }
        }
        Ok(l)
    }

    fn oror(&mut self, cmd: bool) -> PR<Node> {
        let mut l = self.andand(cmd)?;
        while self.eat_op("||") {
            self.skip_terms();
            let r = self.andand(false)?;
            l = Node::Or(Box::new(l), Box::new(r));
        }
        Ok(l)
    }

    fn andand(&mut self, cmd: bool) -> PR<Node> {
        let mut l = self.not_op(cmd)?;
        while self.eat_op("&&") {
            self.skip_terms();
            let r = self.not_op(false)?;
            l = Node::And(Box::new(l), Box::new(r));
        }
        Ok(l)
    }

    fn not_op(&mut self, cmd: bool) -> PR<Node> {
        self.binary(0, cmd)
    }

    /// After `defined?`: `defined?(x)` is a primary (`defined?(x).inspect` calls
    /// `inspect` on the answer); `defined? x` takes a unary-level operand.
    fn defined(&mut self) -> PR<Node> {
        let e = if self.is_op("(") && !self.peek().sp {
            self.bump();
            self.skip_terms();
            let e = self.expr()?;
            self.skip_terms();
            self.expect_op(")")?;
            e
        } else {
            self.unary(false)?
        };
        Ok(Node::Defined(Box::new(e)))
    }

    fn binary(&mut self, level: usize, cmd: bool) -> PR<Node> {
        if level == LEVELS.len() {
            return self.unary(cmd);
        }
        let mut l = self.binary(level + 1, cmd)?;
        let mut chain = 0;
        loop {
            let pos = self.pos();
            let op = match self.t() {
                T::Op(o) if LEVELS[level].contains(o) => *o,
                _ => return Ok(l),
            };
            chain += 1;
            if self.depth + chain > MAX_NESTING {
                return self.unsupported(pos, format!("operator chains longer than {MAX_NESTING}"));
            }
            self.bump();
            self.skip_terms();
            let r = self.binary(level + 1, false)?;
            l = self.call(Some(l), op, vec![r], pos)?;
        }
    }

    fn call(&self, recv: Option<Node>, name: &str, args: Vec<Node>, pos: usize) -> PR<Node> {
        Ok(Node::Call(Box::new(Call {
            recv,
            name: Rc::from(name),
            args,
            block: None,
            block_arg: None,
            safe: false,
            pos,
        })))
    }

    fn unary(&mut self, cmd: bool) -> PR<Node> {
        let pos = self.pos();
        if self.eat_op("!") {
            // `! a.include? b` is `!(a.include?(b))`: a command call may follow `!`.
            let e = self.unary(cmd)?;
            return Ok(Node::Not(Box::new(e)));
        }
        if self.is_kw("not") {
            self.bump();
            let e = self.unary(false)?;
            return Ok(Node::Not(Box::new(e)));
        }
        if self.eat_op("-") {
            let e = self.unary(false)?;
            return self.call(Some(e), "-@", Vec::new(), pos);
        }
        if self.eat_op("+") {
            return self.unary(false);
        }
        if self.eat_op("~") {
            let e = self.unary(false)?;
            return self.call(Some(e), "~", Vec::new(), pos);
        }
        if self.is_op("&") || self.is_op("*") || self.is_op("**") {
            return self.unexpected();
        }
        let base = self.postfix(cmd)?;
        if self.is_op("**") {
            let pos = self.pos();
            self.bump();
            self.skip_terms();
            let e = self.unary(false)?;
            return self.call(Some(base), "**", vec![e], pos);
        }
        Ok(base)
    }

    /// Whether the next token can start an argument of a call without parentheses
    /// (`name` ends with `?` or `!`, after which Ruby needs no space: `include?x`).
    fn starts_command_arg(&self, name: &str) -> bool {
        let tok = self.peek();
        if !tok.sp {
            let tight = name.ends_with(['?', '!'])
                && matches!(
                    tok.t,
                    T::Ident(_) | T::Const(_) | T::IVar(_) | T::Str(_) | T::Sym(_) | T::Int(_)
                );
            if !tight {
                return false;
            }
        }
        let tight_next = !self.peek_at(1).sp;
        match &tok.t {
            T::Int(_)
            | T::Float(_)
            | T::Str(_)
            | T::DSym(_)
            | T::Sym(_)
            | T::Regex(..)
            | T::Words(..)
            | T::Ident(_)
            | T::Const(_)
            | T::IVar(_)
            | T::GVar(_)
            | T::NthRef(_)
            | T::Label(_) => true,
            T::Kw(k) => matches!(*k, "nil" | "true" | "false" | "self" | "not" | "defined?"),
            T::Op("[") | T::Op("(") | T::Op("->") => true,
            T::Op("!") | T::Op("*") | T::Op("&") | T::Op("**") | T::Op("::") | T::Op("-") => {
                tight_next
            }
            _ => false,
        }
    }

    fn postfix(&mut self, cmd: bool) -> PR<Node> {
        let mut e = self.primary(cmd)?;
        let mut chain = 0;
        loop {
            let pos = self.pos();
            chain += 1;
            if self.depth + chain > MAX_NESTING + 1 {
                return self.unsupported(pos, format!("method chains longer than {MAX_NESTING}"));
            }
            if self.is_op(".") || self.is_op("&.") {
                let safe = self.is_op("&.");
                self.bump();
                self.skip_terms();
                let name = match self.bump().t {
                    T::Ident(n) | T::Const(n) => n,
                    T::Label(_) => return self.unsupported(pos, "a method call followed by `:`"),
                    T::Op("(") => return self.unsupported(pos, "`.()` calls"),
                    _ => return self.unsupported(pos, "this method name"),
                };
                let mut c = Call {
                    recv: Some(e),
                    name: Rc::from(name.as_str()),
                    args: Vec::new(),
                    block: None,
                    block_arg: None,
                    safe,
                    pos,
                };
                self.call_rest(&mut c, cmd)?;
                e = Node::Call(Box::new(c));
                continue;
            }
            if self.is_op("::") && !self.peek().sp {
                self.bump();
                match self.bump().t {
                    T::Const(n) if !self.is_op("(") || self.peek().sp => {
                        let Node::Const(base, _) = &e else {
                            return self.unsupported(pos, "`::` on a value");
                        };
                        e = Node::Const(Rc::from(format!("{base}::{n}").as_str()), pos);
                    }
                    T::Const(n) | T::Ident(n) => {
                        let mut c = Call {
                            recv: Some(e),
                            name: Rc::from(n.as_str()),
                            args: Vec::new(),
                            block: None,
                            block_arg: None,
                            safe: false,
                            pos,
                        };
                        self.call_rest(&mut c, cmd)?;
                        e = Node::Call(Box::new(c));
                    }
                    _ => return self.unexpected(),
                }
                continue;
            }
            if self.is_op("[") && (!self.peek().sp || matches!(e, Node::Local(_))) {
                self.bump();
                let (args, block_arg) = self.args_until("]")?;
                if block_arg.is_some() {
                    return self.unsupported(pos, "a block argument in []");
                }
                e = self.call(Some(e), "[]", args, pos)?;
                continue;
            }
            return Ok(e);
        }
    }

    /// Arguments and block after a method name.
    fn call_rest(&mut self, c: &mut Call, cmd: bool) -> PR<()> {
        if self.is_op("(") && !self.peek().sp {
            self.bump();
            let (args, block_arg) = self.args_until(")")?;
            c.args = args;
            c.block_arg = block_arg;
        } else if cmd && self.starts_command_arg(&c.name) {
            let saved = self.no_do;
            self.no_do = true;
            let r = self.command_args();
            self.no_do = saved;
            let (args, block_arg) = r?;
            c.args = args;
            c.block_arg = block_arg;
        }
        if self.is_op("{") {
            if c.block_arg.is_some() {
                return self.unexpected();
            }
            self.bump();
            let b = self.block_body("}")?;
            c.block = Some(Rc::new(b));
        } else if self.is_kw("do") && !self.no_do {
            if c.block_arg.is_some() {
                return self.unexpected();
            }
            self.bump();
            let b = self.block_body("end")?;
            c.block = Some(Rc::new(b));
        }
        Ok(())
    }

    fn block_body(&mut self, close: &str) -> PR<Block> {
        self.scopes.push(Vec::new());
        let saved = self.no_do;
        self.no_do = false;
        let r = (|| {
            self.skip_terms();
            let (params, spreads) = self.block_params()?;
            let body = self.stmts()?;
            if close == "}" {
                self.expect_op("}")?;
            } else {
                self.expect_kw("end")?;
            }
            Ok(Block {
                params,
                spreads,
                body,
            })
        })();
        self.no_do = saved;
        self.scopes.pop();
        r
    }

    fn block_params(&mut self) -> PR<(Vec<Param>, bool)> {
        if self.eat_op("||") {
            return Ok((Vec::new(), false));
        }
        if !self.eat_op("|") {
            return Ok((Vec::new(), false));
        }
        let (params, trailing) = self.param_list("|")?;
        let spreads = params.len() > 1 || trailing;
        Ok((params, spreads))
    }

    fn param_list(&mut self, close: &str) -> PR<(Vec<Param>, bool)> {
        let mut params = Vec::new();
        let mut trailing = false;
        loop {
            if self.eat_op(close) {
                break;
            }
            let pos = self.pos();
            let p = match self.bump().t {
                T::Ident(n) => {
                    self.declare(&n);
                    Param::Name(Rc::from(n.as_str()))
                }
                T::Op("*") => match self.bump().t {
                    T::Ident(n) => {
                        self.declare(&n);
                        Param::Splat(Rc::from(n.as_str()))
                    }
                    _ => return self.unsupported(pos, "this block parameter"),
                },
                T::Op("(") => Param::Nested(self.param_list(")")?.0),
                T::Term => return self.unsupported(pos, "block-local variables (|a; b|)"),
                _ => return self.unsupported(pos, "this block parameter"),
            };
            params.push(p);
            trailing = false;
            if self.is_op("=") {
                return self.unsupported(self.pos(), "default values of block parameters");
            }
            if self.eat_op(",") {
                trailing = true;
                continue;
            }
            if self.eat_op(close) {
                break;
            }
            return self.unexpected();
        }
        Ok((params, trailing))
    }

    /// One argument in a list: a splat, `key: value`, `key => value` or a value.
    fn arg_elem(&mut self) -> PR<Node> {
        let pos = self.pos();
        if self.eat_op("*") {
            let e = self.arg(false)?;
            return Ok(Node::Splat(Box::new(e)));
        }
        if self.is_op("**") {
            return self.unsupported(pos, "double splats (**h)");
        }
        self.arg(false)
    }

    /// Arguments up to `close`, with trailing `k => v` / `k: v` pairs as one Hash.
    fn args_until(&mut self, close: &str) -> PR<(Vec<Node>, Option<Node>)> {
        let saved = self.no_do;
        self.no_do = false;
        let r = self.arg_list(Some(close));
        self.no_do = saved;
        r
    }

    fn command_args(&mut self) -> PR<(Vec<Node>, Option<Node>)> {
        self.arg_list(None)
    }

    fn arg_list(&mut self, close: Option<&str>) -> PR<(Vec<Node>, Option<Node>)> {
        let mut args = Vec::new();
        let mut pairs: Vec<(Node, Node)> = Vec::new();
        let mut block_arg = None;
        loop {
            if close.is_some() {
                self.skip_terms();
            }
            if let Some(c) = close {
                if self.eat_op(c) {
                    break;
                }
            }
            if self.eat_op("&") {
                block_arg = Some(self.arg(false)?);
            } else if let T::Label(l) = self.t().clone() {
                self.bump();
                self.skip_terms();
                let v = self.arg(false)?;
                pairs.push((Node::Sym(Rc::from(l.as_str())), v));
            } else {
                let e = self.arg_elem()?;
                if self.eat_op("=>") {
                    self.skip_terms();
                    let v = self.arg(false)?;
                    pairs.push((e, v));
                } else {
                    if !pairs.is_empty() {
                        return self.unexpected();
                    }
                    args.push(e);
                }
            }
            if close.is_some() {
                self.skip_terms();
            }
            if self.eat_op(",") {
                continue;
            }
            match close {
                Some(c) => {
                    self.expect_op(c)?;
                    break;
                }
                None => break,
            }
        }
        if !pairs.is_empty() {
            args.push(Node::Hash(pairs));
        }
        Ok((args, block_arg))
    }

    fn parts(&mut self, parts: Vec<Part>) -> PR<Vec<SPart>> {
        let mut out = Vec::new();
        for p in parts {
            match p {
                Part::Lit(s) => out.push(SPart::Lit(s)),
                Part::Code(toks) => {
                    let mut sub = Parser {
                        toks,
                        i: 0,
                        scopes: std::mem::take(&mut self.scopes),
                        no_do: false,
                        depth: self.depth,
                    };
                    let r = sub.stmts().and_then(|n| {
                        if matches!(sub.t(), T::Eof) {
                            Ok(n)
                        } else {
                            sub.unexpected()
                        }
                    });
                    self.scopes = sub.scopes;
                    out.push(SPart::Code(r?));
                }
            }
        }
        Ok(out)
    }

    fn primary(&mut self, cmd: bool) -> PR<Node> {
        self.depth += 1;
        let r = if self.depth > MAX_NESTING {
            self.unsupported(
                self.pos(),
                format!("expressions nested deeper than {MAX_NESTING}"),
            )
        } else {
            self.primary_inner(cmd)
        };
        self.depth -= 1;
        r
    }

    fn primary_inner(&mut self, cmd: bool) -> PR<Node> {
        let tok = self.bump();
        let pos = tok.pos;
        Ok(match tok.t {
            T::Int(i) => Node::Int(i),
            T::Float(f) => Node::Float(f),
            T::Str(parts) => {
                let mut parts = self.parts(parts)?;
                // Adjacent literals are one string: "a" "b".
                while let T::Str(more) = self.t().clone() {
                    self.bump();
                    parts.extend(self.parts(more)?);
                }
                Node::Str(parts)
            }
            T::DSym(parts) => Node::DSym(self.parts(parts)?),
            T::Sym(s) => Node::Sym(Rc::from(s.as_str())),
            T::Regex(parts, flags) => {
                let parts = self.parts(parts)?;
                let options = crate::rregex::options(&flags);
                let fixed = match parts.as_slice() {
                    [] => Some(String::new()),
                    [SPart::Lit(s)] => Some(s.clone()),
                    _ => None,
                };
                let compiled = match fixed {
                    Some(src) => Some(Rc::new(crate::rregex::compile(&src, options).map_err(
                        |what| Unsupported {
                            pos,
                            construct: what,
                        },
                    )?)),
                    None => None,
                };
                Node::Regex(parts, options, compiled, pos)
            }
            T::Words(ws, syms) => Node::Array(
                ws.into_iter()
                    .map(|w| {
                        if syms {
                            Node::Sym(Rc::from(w.as_str()))
                        } else {
                            Node::Str(vec![SPart::Lit(w)])
                        }
                    })
                    .collect(),
            ),
            T::IVar(n) => Node::Ivar(Rc::from(n.as_str())),
            T::GVar(n) => Node::Global(Rc::from(n.as_str())),
            T::NthRef(n) => Node::NthRef(n),
            T::Text(n) => Node::Text(n),
            T::Const(n) => {
                if self.is_op("(") && !self.peek().sp {
                    let mut c = Call {
                        recv: None,
                        name: Rc::from(n.as_str()),
                        args: Vec::new(),
                        block: None,
                        block_arg: None,
                        safe: false,
                        pos,
                    };
                    self.call_rest(&mut c, cmd)?;
                    Node::Call(Box::new(c))
                } else {
                    Node::Const(Rc::from(n.as_str()), pos)
                }
            }
            T::Op("::") => match self.bump().t {
                T::Const(n) => Node::Const(Rc::from(n.as_str()), pos),
                _ => return self.unsupported(pos, "`::` before a non-constant"),
            },
            T::Ident(n) => {
                let local = self.is_local(&n);
                let paren = self.is_op("(") && !self.peek().sp;
                let assigned = matches!(self.t(), T::Op(o) if *o == "=" || OP_ASSIGN.contains(o));
                if local && !paren {
                    Node::Local(Rc::from(n.as_str()))
                } else if assigned && !paren {
                    self.declare(&n);
                    Node::Local(Rc::from(n.as_str()))
                } else {
                    let mut c = Call {
                        recv: None,
                        name: Rc::from(n.as_str()),
                        args: Vec::new(),
                        block: None,
                        block_arg: None,
                        safe: false,
                        pos,
                    };
                    self.call_rest(&mut c, cmd)?;
                    Node::Call(Box::new(c))
                }
            }
            T::Label(l) => {
                return self.unsupported(pos, format!("`{l}:` outside a hash or argument list"))
            }
            T::Kw(k) => return self.keyword(k, pos, cmd),
            T::Op("(") => {
                let saved = self.no_do;
                self.no_do = false;
                let r = (|| {
                    self.skip_terms();
                    if self.eat_op(")") {
                        return Ok(Node::Nil);
                    }
                    let body = self.stmts()?;
                    self.expect_op(")")?;
                    Ok(match body {
                        Node::Seq(mut v) if v.len() == 1 => {
                            v.pop().map(|(_, n)| n).unwrap_or(Node::Nil)
                        }
                        b => b,
                    })
                })();
                self.no_do = saved;
                r?
            }
            T::Op("[") => {
                let (items, block_arg) = self.args_until("]")?;
                if block_arg.is_some() {
                    return self.unsupported(pos, "`&` in an array literal");
                }
                Node::Array(items)
            }
            T::Op("{") => self.hash_literal()?,
            T::Op("->") => return self.unsupported(pos, "lambdas (->)"),
            T::Op("..") | T::Op("...") => return self.unsupported(pos, "beginless ranges"),
            T::Op("!") => {
                let e = self.unary(false)?;
                Node::Not(Box::new(e))
            }
            _ => {
                self.i -= 1;
                return self.unexpected();
            }
        })
    }

    fn hash_literal(&mut self) -> PR<Node> {
        let saved = self.no_do;
        self.no_do = false;
        let r = (|| {
            let mut pairs = Vec::new();
            loop {
                self.skip_terms();
                if self.eat_op("}") {
                    break;
                }
                let pos = self.pos();
                if let T::Label(l) = self.t().clone() {
                    self.bump();
                    self.skip_terms();
                    let v = self.arg(false)?;
                    pairs.push((Node::Sym(Rc::from(l.as_str())), v));
                } else if self.is_op("**") {
                    return self.unsupported(pos, "double splats (**h)");
                } else {
                    let k = self.arg(false)?;
                    self.skip_terms();
                    self.expect_op("=>")?;
                    self.skip_terms();
                    let v = self.arg(false)?;
                    pairs.push((k, v));
                }
                self.skip_terms();
                if self.eat_op(",") {
                    continue;
                }
                self.skip_terms();
                self.expect_op("}")?;
                break;
            }
            Ok(Node::Hash(pairs))
        })();
        self.no_do = saved;
        r
    }

    /// `then` or a line end after a condition.
    fn then(&mut self) -> PR<()> {
        let had_term = matches!(self.t(), T::Term);
        self.skip_terms();
        if self.eat_kw("then") || had_term {
            return Ok(());
        }
        self.unexpected()
    }

    fn cond(&mut self) -> PR<Node> {
        let saved = self.no_do;
        self.no_do = true;
        let r = self.expr();
        self.no_do = saved;
        r
    }

    fn keyword(&mut self, k: &'static str, pos: usize, cmd: bool) -> PR<Node> {
        let _ = cmd;
        Ok(match k {
            "nil" => Node::Nil,
            "true" => Node::True,
            "false" => Node::False,
            "self" => Node::SelfRef,
            "if" | "unless" => {
                let c = self.expr()?;
                self.then()?;
                let body = self.stmts()?;
                let mut elifs = Vec::new();
                while k == "if" && self.eat_kw("elsif") {
                    let c2 = self.expr()?;
                    self.then()?;
                    let b2 = self.stmts()?;
                    elifs.push((c2, b2));
                }
                let mut els = if self.eat_kw("else") {
                    self.stmts()?
                } else {
                    Node::Nil
                };
                self.expect_kw("end")?;
                for (c2, b2) in elifs.into_iter().rev() {
                    els = Node::If(Box::new(c2), Box::new(b2), Box::new(els));
                }
                if k == "if" {
                    Node::If(Box::new(c), Box::new(body), Box::new(els))
                } else {
                    Node::If(Box::new(c), Box::new(els), Box::new(body))
                }
            }
            "while" | "until" => {
                let c = self.cond()?;
                let had_term = matches!(self.t(), T::Term);
                self.skip_terms();
                if !self.eat_kw("do") && !had_term {
                    return self.unexpected();
                }
                let body = self.stmts()?;
                self.expect_kw("end")?;
                Node::While(Box::new(c), Box::new(body), k == "until")
            }
            "for" => {
                let mut targets = Vec::new();
                loop {
                    match self.bump().t {
                        T::Ident(n) => {
                            self.declare(&n);
                            targets.push(Target::Local(Rc::from(n.as_str())));
                        }
                        _ => return self.unsupported(pos, "this `for` variable"),
                    }
                    if !self.eat_op(",") {
                        break;
                    }
                }
                self.expect_kw("in")?;
                let iter = self.cond()?;
                let had_term = matches!(self.t(), T::Term);
                self.skip_terms();
                if !self.eat_kw("do") && !had_term {
                    return self.unexpected();
                }
                let body = self.stmts()?;
                self.expect_kw("end")?;
                let target = if targets.len() == 1 {
                    targets.pop().unwrap_or(Target::Nested(Vec::new()))
                } else {
                    Target::Nested(targets)
                };
                Node::For(Box::new(target), Box::new(iter), Box::new(body))
            }
            "case" => {
                let subject = if matches!(self.t(), T::Term) || self.is_kw("when") {
                    None
                } else {
                    Some(Box::new(self.expr()?))
                };
                self.skip_terms();
                let mut whens = Vec::new();
                while self.eat_kw("when") {
                    let mut vals = Vec::new();
                    loop {
                        self.skip_terms();
                        vals.push(self.arg_elem()?);
                        if !self.eat_op(",") {
                            break;
                        }
                    }
                    self.then()?;
                    let body = self.stmts()?;
                    whens.push((vals, body));
                }
                if self.is_kw("in") {
                    return self.unsupported(self.pos(), "pattern matching (case/in)");
                }
                let els = if self.eat_kw("else") {
                    self.stmts()?
                } else {
                    Node::Nil
                };
                self.expect_kw("end")?;
                Node::Case(subject, whens, Box::new(els))
            }
            "begin" => {
                let body = self.stmts()?;
                let mut rescues = Vec::new();
                while self.eat_kw("rescue") {
                    let mut classes = Vec::new();
                    while !matches!(self.t(), T::Term | T::Op("=>")) && !self.is_kw("then") {
                        classes.push(self.arg_elem()?);
                        if !self.eat_op(",") {
                            break;
                        }
                        self.skip_terms();
                    }
                    let var = if self.eat_op("=>") {
                        match self.bump().t {
                            T::Ident(n) => {
                                self.declare(&n);
                                Some(Target::Local(Rc::from(n.as_str())))
                            }
                            T::IVar(n) => Some(Target::Ivar(Rc::from(n.as_str()))),
                            _ => return self.unsupported(pos, "this rescue variable"),
                        }
                    } else {
                        None
                    };
                    self.then()?;
                    let body = self.stmts()?;
                    rescues.push(Rescue { classes, var, body });
                }
                let els = if self.eat_kw("else") {
                    Some(Box::new(self.stmts()?))
                } else {
                    None
                };
                let ensure = if self.eat_kw("ensure") {
                    Some(Box::new(self.stmts()?))
                } else {
                    None
                };
                self.expect_kw("end")?;
                if self.is_kw("while") || self.is_kw("until") {
                    return self.unsupported(self.pos(), "begin/end while loops");
                }
                Node::Begin(Box::new(body), rescues, els, ensure)
            }
            "next" | "break" => {
                let val = if matches!(self.t(), T::Term | T::Eof)
                    || self.at_stmts_end()
                    || matches!(self.t(), T::Kw("if" | "unless" | "while" | "until"))
                    || self.is_op("}")
                {
                    None
                } else {
                    Some(Box::new(self.arg(true)?))
                };
                if k == "next" {
                    Node::Next(val)
                } else {
                    Node::Break(val)
                }
            }
            "defined?" => return self.defined(),
            "not" => {
                let e = self.expr()?;
                Node::Not(Box::new(e))
            }
            "__FILE__" | "__LINE__" | "__ENCODING__" => {
                return self.unsupported(pos, format!("`{k}`"))
            }
            "return" => return self.unsupported(pos, "`return` in a template"),
            "def" => return self.unsupported(pos, "method definitions (`def`)"),
            "class" | "module" => return self.unsupported(pos, format!("{k} definitions (`{k}`)")),
            _ => return self.unsupported(pos, format!("`{k}`")),
        })
    }
}
