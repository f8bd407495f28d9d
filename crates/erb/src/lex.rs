//! Ruby tokens, for the subset of Ruby that templates use. Ruby's lexer depends on what
//! came before (`/` starts a regexp at the start of an expression and divides after a
//! value; `foo -1` passes -1 to foo); this one keeps the same state: expression start,
//! after a value, after a method name that may take arguments without parentheses.
//! Anything it does not know (heredocs, character literals, backticks, `@@vars`) is an
//! [`Unsupported`] error naming the construct, so the renderer declines the template.

use crate::scan::{MARK, OUT, TEXT_START};
use crate::Unsupported;

/// A piece of a string literal.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Part {
    /// Literal text.
    Lit(String),
    /// `#{...}`: the tokens inside.
    Code(Vec<Token>),
}

/// A token.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum T {
    Int(i64),
    Float(f64),
    /// A string literal (double-quoted ones may interpolate).
    Str(Vec<Part>),
    /// `:"..."`.
    DSym(Vec<Part>),
    Sym(String),
    /// A regexp literal: source pieces and flags.
    Regex(Vec<Part>, String),
    /// `%w[]` / `%i[]`: the words, and whether they are symbols.
    Words(Vec<String>, bool),
    Ident(String),
    Const(String),
    IVar(String),
    GVar(String),
    NthRef(u32),
    /// `key:` in a hash or argument list.
    Label(String),
    Kw(&'static str),
    Op(&'static str),
    /// A newline or `;`.
    Term,
    /// ERB's "append this" marker.
    Out,
    /// ERB text number n.
    Text(usize),
    Eof,
}

/// A token with where it starts and whether whitespace precedes it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Token {
    pub(crate) t: T,
    pub(crate) pos: usize,
    pub(crate) sp: bool,
}

const KEYWORDS: &[&str] = &[
    "alias",
    "and",
    "begin",
    "BEGIN",
    "break",
    "case",
    "class",
    "def",
    "defined?",
    "do",
    "else",
    "elsif",
    "end",
    "END",
    "ensure",
    "false",
    "for",
    "if",
    "in",
    "module",
    "next",
    "nil",
    "not",
    "or",
    "redo",
    "rescue",
    "retry",
    "return",
    "self",
    "super",
    "then",
    "true",
    "undef",
    "unless",
    "until",
    "when",
    "while",
    "yield",
    "__FILE__",
    "__LINE__",
    "__ENCODING__",
];

const OPS: &[&str] = &[
    "**=", "<=>", "===", "...", "<<=", ">>=", "&&=", "||=", "**", "==", "!=", ">=", "<=", "&&",
    "||", "<<", ">>", "=~", "!~", "..", "::", "->", "=>", "+=", "-=", "*=", "/=", "%=", "|=", "&=",
    "^=", "&.", "+", "-", "*", "/", "%", "=", "<", ">", "!", "&", "|", "^", "~", "?", ":", ",",
    ".", "(", ")", "[", "]", "{", "}",
];

#[derive(Clone, Copy, PartialEq, Debug)]
enum State {
    /// An expression may start here.
    Beg,
    /// After a value.
    End,
    /// After a method name: arguments without parentheses may follow.
    Arg,
    /// After `.`: a method name follows.
    Dot,
}

pub(crate) struct Lexer<'a> {
    src: &'a str,
    b: &'a [u8],
    pos: usize,
    state: State,
    /// Open `?` of ternaries (labels are off inside them).
    ternary: usize,
    /// Names assigned so far (a local followed by ` /` divides).
    locals: Vec<String>,
    /// Inside `|...|` block parameters.
    in_params: bool,
    /// How deeply `#{}` interpolations nest.
    nesting: usize,
    prev: Option<T>,
}

fn is_ident_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_' || c >= 0x80
}

fn is_ident_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80
}

type LR<T> = Result<T, Unsupported>;

impl<'a> Lexer<'a> {
    pub(crate) fn new(src: &'a str) -> Self {
        Lexer {
            src,
            b: src.as_bytes(),
            pos: 0,
            state: State::Beg,
            ternary: 0,
            locals: Vec::new(),
            in_params: false,
            nesting: 0,
            prev: None,
        }
    }

    fn unsupported<T>(&self, pos: usize, what: &str) -> LR<T> {
        Err(Unsupported {
            pos,
            construct: what.to_string(),
        })
    }

    fn peek(&self, off: usize) -> u8 {
        self.b.get(self.pos + off).copied().unwrap_or(0)
    }

    /// Tokenize everything.
    pub(crate) fn tokens(mut self) -> LR<Vec<Token>> {
        let (toks, _) = self.run(false)?;
        Ok(toks)
    }

    /// Lex until the end, or (nested) until the `}` closing an interpolation.
    fn run(&mut self, nested: bool) -> LR<(Vec<Token>, usize)> {
        let mut out = Vec::new();
        let mut depth = 0usize;
        loop {
            let sp = self.skip_space();
            let start = self.pos;
            if self.pos >= self.b.len() {
                if nested {
                    return self.unsupported(start, "an unterminated #{...}");
                }
                out.push(Token {
                    t: T::Eof,
                    pos: start,
                    sp,
                });
                return Ok((out, start));
            }
            let c = self.b[self.pos];
            if nested && c == b'}' && depth == 0 {
                self.pos += 1;
                return Ok((out, start));
            }
            let t = self.token(sp)?;
            let Some(t) = t else { continue };
            match &t {
                T::Op("{") => depth += 1,
                T::Op("}") => depth = depth.saturating_sub(1),
                _ => {}
            }
            self.note(&t, sp);
            out.push(Token { t, pos: start, sp });
        }
    }

    /// Update the state after a token.
    fn note(&mut self, t: &T, _sp: bool) {
        let was_dot = self.state == State::Dot;
        self.state = match t {
            T::Int(_)
            | T::Float(_)
            | T::Str(_)
            | T::DSym(_)
            | T::Sym(_)
            | T::Regex(..)
            | T::Words(..)
            | T::Const(_)
            | T::IVar(_)
            | T::GVar(_)
            | T::NthRef(_)
            | T::Text(_) => State::End,
            T::Ident(name) => {
                if !was_dot && self.locals.iter().any(|l| l == name) {
                    State::End
                } else {
                    State::Arg
                }
            }
            T::Kw("end" | "self" | "nil" | "true" | "false" | "__FILE__" | "__LINE__") => {
                State::End
            }
            T::Kw(_) => State::Beg,
            T::Op(")") | T::Op("]") | T::Op("}") => State::End,
            T::Op(".") | T::Op("&.") => State::Dot,
            T::Op("::") => State::Dot,
            _ => State::Beg,
        };
        match t {
            T::Op("?") => self.ternary += 1,
            T::Op(":") => self.ternary = self.ternary.saturating_sub(1),
            T::Op("|") => {
                let opens = matches!(self.prev, Some(T::Op("{")) | Some(T::Kw("do")));
                if opens {
                    self.in_params = true;
                } else if self.in_params {
                    self.in_params = false;
                }
            }
            T::Ident(name) if self.in_params => self.locals.push(name.clone()),
            _ => {}
        }
        self.prev = Some(t.clone());
    }

    /// Skip blanks, comments and escaped newlines; report whether anything was skipped.
    fn skip_space(&mut self) -> bool {
        let start = self.pos;
        loop {
            match self.peek(0) {
                b' ' | b'\t' | b'\r' | 0x0c | 0x0b => self.pos += 1,
                b'\\' if self.peek(1) == b'\n' => self.pos += 2,
                b'\\' if self.peek(1) == b'\r' && self.peek(2) == b'\n' => self.pos += 3,
                b'#' => {
                    while self.pos < self.b.len() && self.b[self.pos] != b'\n' {
                        self.pos += 1;
                    }
                }
                b'=' if self.at_line_start() && self.src[self.pos..].starts_with("=begin") => {
                    match self.src[self.pos..].find("\n=end") {
                        Some(i) => {
                            self.pos += i + 5;
                            while self.pos < self.b.len() && self.b[self.pos] != b'\n' {
                                self.pos += 1;
                            }
                        }
                        None => self.pos = self.b.len(),
                    }
                }
                _ => break,
            }
        }
        self.pos > start
    }

    fn at_line_start(&self) -> bool {
        self.pos == 0 || self.b[self.pos - 1] == b'\n'
    }

    /// Whether the code after this newline continues the expression (`.method` on the
    /// next line).
    fn continues_with_dot(&self) -> bool {
        let mut p = self.pos;
        loop {
            while p < self.b.len() && matches!(self.b[p], b' ' | b'\t' | b'\r' | b'\n') {
                p += 1;
            }
            if p < self.b.len() && self.b[p] == b'#' {
                while p < self.b.len() && self.b[p] != b'\n' {
                    p += 1;
                }
                continue;
            }
            break;
        }
        let rest = &self.b[p.min(self.b.len())..];
        (rest.starts_with(b".") && !rest.starts_with(b"..")) || rest.starts_with(b"&.")
    }

    /// Whether an argument can start here without parentheses (`foo -1`, `foo /re/`):
    /// after a method name, with space before and none after.
    fn arg_start(&self, sp: bool) -> bool {
        self.state == State::Beg
            || (self.state == State::Arg
                && sp
                && !matches!(self.peek(1), b' ' | b'\t' | b'\n' | b'=' | 0))
    }

    fn token(&mut self, sp: bool) -> LR<Option<T>> {
        let start = self.pos;
        let c = self.peek(0);
        match c {
            0 => return self.marker(),
            b'\n' => {
                self.pos += 1;
                if self.continues_with_dot() {
                    return Ok(None);
                }
                return Ok(Some(T::Term));
            }
            b';' => {
                self.pos += 1;
                return Ok(Some(T::Term));
            }
            b'0'..=b'9' => return self.number(false).map(Some),
            b'-' | b'+' if self.peek(1).is_ascii_digit() && self.arg_start(sp) => {
                self.pos += 1;
                let t = self.number(c == b'-')?;
                return Ok(Some(t));
            }
            b'\'' => {
                self.pos += 1;
                let s = self.single_quoted(b'\'', 0)?;
                return Ok(Some(T::Str(vec![Part::Lit(s)])));
            }
            b'"' => {
                self.pos += 1;
                let parts = self.double_quoted(b'"', 0, false)?;
                return Ok(Some(T::Str(parts)));
            }
            b'`' => return self.unsupported(start, "backtick commands"),
            b'@' => {
                if self.peek(1) == b'@' {
                    return self.unsupported(start, "class variables (@@name)");
                }
                self.pos += 1;
                let name = self.ident_chars();
                if name.is_empty() {
                    return self.unsupported(start, "a bare @");
                }
                return Ok(Some(T::IVar(name)));
            }
            b'$' => {
                self.pos += 1;
                let d = self.peek(0);
                if d.is_ascii_digit() {
                    let s = self.pos;
                    while self.peek(0).is_ascii_digit() {
                        self.pos += 1;
                    }
                    let n = self.src[s..self.pos].parse().unwrap_or(u32::MAX);
                    return Ok(Some(T::NthRef(n)));
                }
                if matches!(
                    d,
                    b'~' | b'&' | b'!' | b'`' | b'\'' | b'+' | b';' | b',' | b'/'
                ) {
                    self.pos += 1;
                    return Ok(Some(T::GVar((d as char).to_string())));
                }
                let name = self.ident_chars();
                if name.is_empty() {
                    return self.unsupported(start, "this global variable");
                }
                return Ok(Some(T::GVar(name)));
            }
            b'/' if self.arg_start(sp) => {
                self.pos += 1;
                let parts = self.double_quoted(b'/', 0, true)?;
                let flags = self.regex_flags();
                return Ok(Some(T::Regex(parts, flags)));
            }
            b'%' if self.arg_start(sp) && self.percent_literal_follows() => {
                return self.percent().map(Some);
            }
            b':' if self.peek(1) == b'"' && self.state != State::End => {
                self.pos += 2;
                let parts = self.double_quoted(b'"', 0, false)?;
                return Ok(Some(T::DSym(parts)));
            }
            b':' if self.peek(1) == b'\'' && self.state != State::End => {
                self.pos += 2;
                let s = self.single_quoted(b'\'', 0)?;
                return Ok(Some(T::Sym(s)));
            }
            b':' if self.peek(1) != b':' && (self.state == State::Beg || self.arg_start(sp)) => {
                if let Some(sym) = self.symbol_name() {
                    return Ok(Some(T::Sym(sym)));
                }
            }
            b'?' if self.state == State::Beg
                && self.peek(1) != 0
                && !matches!(self.peek(1), b' ' | b'\t' | b'\n')
                && !is_ident_char(self.peek(2)) =>
            {
                return self.unsupported(start, "character literals (?c)");
            }
            b'<' if self.peek(1) == b'<'
                && self.arg_start(sp)
                && (is_ident_start(self.peek(2))
                    || matches!(self.peek(2), b'~' | b'-' | b'"' | b'\'')) =>
            {
                return self.unsupported(start, "heredocs");
            }
            _ => {}
        }
        if is_ident_start(c) {
            return self.word(sp).map(Some);
        }
        for op in OPS {
            if self.src[self.pos..].starts_with(op) {
                self.pos += op.len();
                return Ok(Some(T::Op(op)));
            }
        }
        // Named by its code point, and shown too unless it is a control character.
        let ch = (self.src.get(self.pos..).and_then(|r| r.chars().next())).unwrap_or(c as char);
        let what = if ch.is_control() {
            format!("the character U+{:04X}", ch as u32)
        } else {
            format!("the character `{ch}` (U+{:04X})", ch as u32)
        };
        self.unsupported(start, &what)
    }

    fn marker(&mut self) -> LR<Option<T>> {
        let start = self.pos;
        if self.src[self.pos..].starts_with(OUT) {
            self.pos += OUT.len();
            return Ok(Some(T::Out));
        }
        if self.src[self.pos..].starts_with(TEXT_START) {
            let rest = &self.src[self.pos + TEXT_START.len()..];
            if let Some(end) = rest.find(MARK) {
                if let Ok(n) = rest[..end].parse() {
                    self.pos += TEXT_START.len() + end + 1;
                    return Ok(Some(T::Text(n)));
                }
            }
        }
        self.unsupported(start, "a NUL character in code")
    }

    fn ident_chars(&mut self) -> String {
        let s = self.pos;
        while is_ident_char(self.peek(0)) {
            self.pos += 1;
        }
        self.src[s..self.pos].to_string()
    }

    fn word(&mut self, sp: bool) -> LR<T> {
        let start = self.pos;
        let mut name = self.ident_chars();
        let after_dot = self.state == State::Dot;
        // `empty?`, `compact!` (but not `x!=y` or `x?a:b`-style ternaries on constants).
        if matches!(self.peek(0), b'?' | b'!') && self.peek(1) != b'=' {
            let is_const = name.as_bytes()[0].is_ascii_uppercase();
            if !is_const || after_dot {
                name.push(self.peek(0) as char);
                self.pos += 1;
            }
        } else if matches!(self.peek(0), b'?' | b'!')
            && self.peek(1) == b'='
            && self.peek(2) == b'='
        {
            name.push(self.peek(0) as char);
            self.pos += 1;
        }
        if name == "defined" && self.peek(0) == b'?' {
            self.pos += 1;
            name.push('?');
        }
        // `key:` labels in hashes and argument lists.
        if self.peek(0) == b':'
            && self.peek(1) != b':'
            && self.ternary == 0
            && !after_dot
            && !name.ends_with(['?', '!'])
            && (matches!(
                self.prev,
                Some(T::Op("{")) | Some(T::Op(",")) | Some(T::Op("(")) | Some(T::Term)
            ) || (self.state == State::Arg && sp))
        {
            self.pos += 1;
            return Ok(T::Label(name));
        }
        if after_dot {
            return Ok(if name.as_bytes()[0].is_ascii_uppercase() {
                T::Const(name)
            } else {
                T::Ident(name)
            });
        }
        if let Some(k) = KEYWORDS.iter().find(|k| **k == name) {
            return Ok(T::Kw(k));
        }
        if name.as_bytes()[0].is_ascii_uppercase() {
            return Ok(T::Const(name));
        }
        // A plain assignment makes a local variable (`x = 1`; not `x == 1`).
        let mut p = self.pos;
        while matches!(self.b.get(p), Some(b' ' | b'\t')) {
            p += 1;
        }
        if self.b.get(p) == Some(&b'=') && !matches!(self.b.get(p + 1), Some(b'=' | b'~' | b'>')) {
            self.locals.push(name.clone());
        }
        let _ = start;
        Ok(T::Ident(name))
    }

    fn symbol_name(&mut self) -> Option<String> {
        let s = self.pos + 1;
        let b = self.b;
        if s >= b.len() {
            return None;
        }
        if is_ident_start(b[s]) || b[s] == b'@' || b[s] == b'$' {
            let mut p = s;
            while p < b.len() && (b[p] == b'@' || b[p] == b'$') {
                p += 1;
            }
            while p < b.len() && is_ident_char(b[p]) {
                p += 1;
            }
            if p < b.len() && matches!(b[p], b'?' | b'!' | b'=') {
                // `:a=>1` is the symbol :a and `=>`; `:x=` is a setter name.
                if !(b[p] == b'=' && matches!(b.get(p + 1), Some(b'>' | b'=' | b'~'))) {
                    p += 1;
                }
            }
            self.pos = p;
            return Some(self.src[s..p].to_string());
        }
        for op in [
            "[]=", "[]", "<=>", "===", "==", "=~", "!=", "!~", "**", "<<", ">>", "<=", ">=", "+@",
            "-@", "+", "-", "*", "/", "%", "<", ">", "!", "&", "|", "^", "~",
        ] {
            if self.src[s..].starts_with(op) {
                self.pos = s + op.len();
                return Some(op.to_string());
            }
        }
        None
    }

    fn number(&mut self, negative: bool) -> LR<T> {
        let start = self.pos;
        let b = self.b;
        let radix_of = |c: u8| match c {
            b'x' | b'X' => Some(16),
            b'b' | b'B' => Some(2),
            b'o' | b'O' => Some(8),
            b'd' | b'D' => Some(10),
            _ => None,
        };
        let mut radix = 10;
        if b[self.pos] == b'0' && self.pos + 1 < b.len() {
            if let Some(r) = radix_of(b[self.pos + 1]) {
                radix = r;
                self.pos += 2;
            } else if b[self.pos + 1].is_ascii_digit() || b[self.pos + 1] == b'_' {
                radix = 8;
                self.pos += 1;
            }
        }
        let digits_start = self.pos;
        while self.pos < b.len() && (b[self.pos].is_ascii_alphanumeric() || b[self.pos] == b'_') {
            if radix == 10 && matches!(b[self.pos], b'e' | b'E') {
                break;
            }
            self.pos += 1;
        }
        let mut is_float = false;
        if radix == 10
            && self.pos + 1 < b.len()
            && b[self.pos] == b'.'
            && b[self.pos + 1].is_ascii_digit()
        {
            is_float = true;
            self.pos += 1;
            while self.pos < b.len() && (b[self.pos].is_ascii_digit() || b[self.pos] == b'_') {
                self.pos += 1;
            }
        }
        if radix == 10 && self.pos < b.len() && matches!(b[self.pos], b'e' | b'E') {
            let mut p = self.pos + 1;
            if p < b.len() && matches!(b[p], b'+' | b'-') {
                p += 1;
            }
            if p < b.len() && b[p].is_ascii_digit() {
                is_float = true;
                self.pos = p;
                while self.pos < b.len() && b[self.pos].is_ascii_digit() {
                    self.pos += 1;
                }
            }
        }
        if self.pos < b.len() && matches!(b[self.pos], b'r' | b'i') && !is_ident_char(self.peek(1))
        {
            return self.unsupported(start, "rational and imaginary numbers");
        }
        let text: String = self.src[digits_start..self.pos]
            .chars()
            .filter(|c| *c != '_')
            .collect();
        if is_float {
            let f: f64 = text
                .parse()
                .or_else(|_| self.unsupported(start, "this number"))?;
            return Ok(T::Float(if negative { -f } else { f }));
        }
        match i64::from_str_radix(&text, radix) {
            Ok(i) => Ok(T::Int(if negative { -i } else { i })),
            Err(_) => self.unsupported(start, "integers beyond 64 bits"),
        }
    }

    fn closing(open: u8) -> u8 {
        match open {
            b'(' => b')',
            b'[' => b']',
            b'{' => b'}',
            b'<' => b'>',
            c => c,
        }
    }

    /// A single-quoted body up to `close`; `open` nests (0: none).
    fn single_quoted(&mut self, close: u8, open: u8) -> LR<String> {
        let start = self.pos;
        let mut s = String::new();
        let mut depth = 0;
        loop {
            let Some(ch) = self.src[self.pos..].chars().next() else {
                return self.unsupported(start, "an unterminated string");
            };
            let c = self.b[self.pos];
            if c == b'\\'
                && (self.peek(1) == close
                    || self.peek(1) == b'\\'
                    || (open != 0 && self.peek(1) == open))
            {
                s.push(self.peek(1) as char);
                self.pos += 2;
                continue;
            }
            if open != 0 && c == open {
                depth += 1;
            } else if c == close {
                if depth == 0 {
                    self.pos += 1;
                    return Ok(s);
                }
                depth -= 1;
            }
            s.push(ch);
            self.pos += ch.len_utf8();
        }
    }

    /// A double-quoted (or regexp) body with escapes and interpolation.
    fn double_quoted(&mut self, close: u8, open: u8, regex: bool) -> LR<Vec<Part>> {
        let start = self.pos;
        let mut parts = Vec::new();
        let mut lit = String::new();
        let mut depth = 0;
        loop {
            let Some(ch) = self.src[self.pos..].chars().next() else {
                return self.unsupported(start, "an unterminated string");
            };
            let c = self.b[self.pos];
            if c == b'\\' {
                let n = self.peek(1);
                if regex {
                    // Regexps keep their escapes for the regexp engine, except the
                    // escaped delimiter.
                    if n == close || (open != 0 && n == open) {
                        lit.push(n as char);
                        self.pos += 2;
                    } else if n == b'\n' {
                        self.pos += 2;
                    } else {
                        lit.push('\\');
                        self.pos += 1;
                        if let Some(nc) = self.src[self.pos..].chars().next() {
                            lit.push(nc);
                            self.pos += nc.len_utf8();
                        }
                    }
                    continue;
                }
                self.escape(&mut lit)?;
                continue;
            }
            if c == b'#' && self.peek(1) == b'{' {
                if !lit.is_empty() {
                    parts.push(Part::Lit(std::mem::take(&mut lit)));
                }
                self.pos += 2;
                if self.nesting >= 50 {
                    return self.unsupported(start, "interpolations nested deeper than 50");
                }
                self.nesting += 1;
                let saved = (self.state, self.ternary, self.prev.take(), self.in_params);
                self.state = State::Beg;
                self.ternary = 0;
                let (toks, end) = self.run(true)?;
                let mut toks = toks;
                toks.push(Token {
                    t: T::Eof,
                    pos: end,
                    sp: false,
                });
                (self.state, self.ternary, self.prev, self.in_params) = saved;
                self.nesting -= 1;
                parts.push(Part::Code(toks));
                continue;
            }
            if c == b'#' && self.peek(1) == b'@' && is_ident_start(self.peek(2)) {
                if !lit.is_empty() {
                    parts.push(Part::Lit(std::mem::take(&mut lit)));
                }
                let p = self.pos + 1;
                self.pos += 2;
                let name = self.ident_chars();
                parts.push(Part::Code(vec![
                    Token {
                        t: T::IVar(name),
                        pos: p,
                        sp: false,
                    },
                    Token {
                        t: T::Eof,
                        pos: self.pos,
                        sp: false,
                    },
                ]));
                continue;
            }
            if open != 0 && c == open {
                depth += 1;
            } else if c == close {
                if depth == 0 {
                    self.pos += 1;
                    if !lit.is_empty() || parts.is_empty() {
                        parts.push(Part::Lit(lit));
                    }
                    return Ok(parts);
                }
                depth -= 1;
            }
            lit.push(ch);
            self.pos += ch.len_utf8();
        }
    }

    /// One backslash escape of a double-quoted string.
    fn escape(&mut self, out: &mut String) -> LR<()> {
        let start = self.pos;
        self.pos += 1;
        let Some(c) = self.src[self.pos..].chars().next() else {
            return self.unsupported(start, "an unterminated string");
        };
        self.pos += c.len_utf8();
        match c {
            'n' => out.push('\n'),
            't' => out.push('\t'),
            's' => out.push(' '),
            'r' => out.push('\r'),
            '0' if !self.peek(0).is_ascii_digit() => out.push('\0'),
            'e' => out.push('\u{1b}'),
            'a' => out.push('\u{7}'),
            'b' => out.push('\u{8}'),
            'f' => out.push('\u{c}'),
            'v' => out.push('\u{b}'),
            '\n' => {}
            'u' => {
                let hex_run = |s: &str| s.bytes().take_while(|b| b.is_ascii_hexdigit()).count();
                if self.peek(0) == b'{' {
                    let end = self.src[self.pos..].find('}').unwrap_or(0);
                    let body = &self.src[self.pos + 1..self.pos + end];
                    for h in body.split_whitespace() {
                        match u32::from_str_radix(h, 16).ok().and_then(char::from_u32) {
                            Some(ch) => out.push(ch),
                            None => return self.unsupported(start, "this \\u escape"),
                        }
                    }
                    self.pos += end + 1;
                } else {
                    let n = hex_run(&self.src[self.pos..]).min(4);
                    match u32::from_str_radix(&self.src[self.pos..self.pos + n], 16)
                        .ok()
                        .and_then(char::from_u32)
                    {
                        Some(ch) if n == 4 => out.push(ch),
                        _ => return self.unsupported(start, "this \\u escape"),
                    }
                    self.pos += 4;
                }
            }
            'x' => {
                let n = self.src[self.pos..]
                    .bytes()
                    .take(2)
                    .take_while(|b| b.is_ascii_hexdigit())
                    .count();
                let v = u8::from_str_radix(&self.src[self.pos..self.pos + n], 16)
                    .or_else(|_| self.unsupported(start, "this \\x escape"))?;
                if v >= 0x80 {
                    return self.unsupported(start, "\\x escapes of non-ASCII bytes");
                }
                out.push(v as char);
                self.pos += n;
            }
            '0'..='7' => {
                let s = self.pos - 1;
                let n = 1 + self.src[self.pos..]
                    .bytes()
                    .take(2)
                    .take_while(|b| (b'0'..=b'7').contains(b))
                    .count();
                let v = u32::from_str_radix(&self.src[s..s + n], 8).unwrap_or(0);
                if v >= 0x80 {
                    return self.unsupported(start, "octal escapes of non-ASCII bytes");
                }
                out.push(char::from_u32(v).unwrap_or('\0'));
                self.pos = s + n;
            }
            'M' | 'C' | 'c' => return self.unsupported(start, "control and meta escapes"),
            c => out.push(c),
        }
        Ok(())
    }

    fn regex_flags(&mut self) -> String {
        let s = self.pos;
        while matches!(
            self.peek(0),
            b'i' | b'm' | b'x' | b'o' | b'u' | b'n' | b'e' | b's'
        ) {
            self.pos += 1;
        }
        self.src[s..self.pos].to_string()
    }

    fn percent_literal_follows(&self) -> bool {
        let c1 = self.peek(1);
        match c1 {
            b'w' | b'W' | b'i' | b'I' | b'q' | b'Q' | b'r' | b's' => {
                let c2 = self.peek(2);
                !c2.is_ascii_alphanumeric() && c2 != 0 && !c2.is_ascii_whitespace()
            }
            b'(' | b'[' | b'{' | b'<' | b'|' | b'!' | b'/' => true,
            _ => false,
        }
    }

    fn percent(&mut self) -> LR<T> {
        let start = self.pos;
        self.pos += 1;
        let mut kind = b'Q';
        if self.peek(0).is_ascii_alphabetic() {
            kind = self.peek(0);
            self.pos += 1;
        }
        let open = self.peek(0);
        self.pos += 1;
        let close = Self::closing(open);
        let nest = if close != open { open } else { 0 };
        match kind {
            b'q' => Ok(T::Str(vec![Part::Lit(self.single_quoted(close, nest)?)])),
            b'Q' => Ok(T::Str(self.double_quoted(close, nest, false)?)),
            b'w' | b'i' => {
                let body = self.single_quoted(close, nest)?;
                let words = body.split_whitespace().map(str::to_string).collect();
                Ok(T::Words(words, kind == b'i'))
            }
            b'W' | b'I' => {
                let parts = self.double_quoted(close, nest, false)?;
                if parts.iter().any(|p| matches!(p, Part::Code(_))) {
                    return self.unsupported(start, "interpolation in %W[] and %I[]");
                }
                let body: String = parts
                    .into_iter()
                    .map(|p| match p {
                        Part::Lit(s) => s,
                        Part::Code(_) => String::new(),
                    })
                    .collect();
                let words = body.split_whitespace().map(str::to_string).collect();
                Ok(T::Words(words, kind == b'I'))
            }
            b'r' => {
                let parts = self.double_quoted(close, nest, true)?;
                let flags = self.regex_flags();
                Ok(T::Regex(parts, flags))
            }
            b's' => Ok(T::Sym(self.single_quoted(close, nest)?)),
            _ => self.unsupported(start, "this %-literal"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<T> {
        Lexer::new(src)
            .tokens()
            .unwrap()
            .into_iter()
            .map(|t| t.t)
            .collect()
    }

    fn declined(src: &str) -> String {
        match Lexer::new(src).tokens() {
            Err(e) => e.construct,
            Ok(t) => panic!("{src:?} lexed: {} tokens", t.len()),
        }
    }

    /// Regression: the construct was worded with Rust's debug formatting (`'\u{1}'`).
    #[test]
    fn a_character_ruby_code_cannot_hold_is_named_in_words() {
        assert_eq!(declined("a \u{1} b"), "the character U+0001");
        assert_eq!(declined("a \\ b"), "the character `\\` (U+005C)");
    }

    #[test]
    fn slash_divides_after_values_and_starts_regexps_elsewhere() {
        assert!(matches!(kinds("x = a / 2")[3], T::Op("/")));
        assert!(matches!(kinds("if flag =~ /true/i")[3], T::Regex(_, ref f) if f == "i"));
        assert!(matches!(kinds("x.split /,/")[3], T::Regex(..)));
    }

    #[test]
    fn symbols_labels_and_ternaries() {
        assert_eq!(
            kinds("a ? :b : c"),
            vec![
                T::Ident("a".into()),
                T::Op("?"),
                T::Sym("b".into()),
                T::Op(":"),
                T::Ident("c".into()),
                T::Eof
            ]
        );
        assert_eq!(kinds("{a: 1}")[1], T::Label("a".into()));
        assert_eq!(kinds("x.empty?")[2], T::Ident("empty?".into()));
        assert_eq!(kinds("x != y")[1], T::Op("!="));
        assert_eq!(
            kinds("%w[a b]")[0],
            T::Words(vec!["a".into(), "b".into()], false)
        );
    }

    #[test]
    fn leading_dot_continues_the_line() {
        assert!(!kinds("a\n  .b").contains(&T::Term));
    }
}
