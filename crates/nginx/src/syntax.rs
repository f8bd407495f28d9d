//! The lossless syntax tree of an nginx configuration file, its parser and its printer.
//!
//! Every byte of the input lands in exactly one place of the tree — the whitespace and
//! comments before a directive (`leading`), the raw text of its name and arguments, the
//! whitespace before its terminator, the rest of its line after the terminator (`trailing`,
//! so that a same-line comment stays with its directive when a sibling is inserted) — so
//! printing the tree gives back the input byte for byte (CRLF, tabs, quoting included).
//!
//! Tokens follow nginx's own lexer (`ngx_conf_read_token`): a token ends at whitespace, `;`
//! or `{`; `#` starts a comment only where a token could start; `"…"` and `'…'` quote, with
//! backslash escapes; a `{` right after `$` (`${name}`) does not end a word; `}` closes a block only where a token
//! could start. Adjacent quoted and bare segments (`"\.php$")` in an `if`) form one token,
//! which nginx also accepts inside `if (…)` conditions.

use std::fmt;

/// Why a configuration could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct ParseError {
    /// 1-based line of the problem.
    pub line: usize,
    /// What is wrong, in nginx's words where it has some.
    pub message: String,
}

/// One token as written (`raw`, quotes and escapes included) with what precedes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arg {
    /// Whitespace and comments between the previous token and this one.
    pub leading: String,
    /// The token exactly as written.
    pub raw: String,
}

impl Arg {
    /// The token's value as nginx sees it: quotes removed, `\"`, `\'`, `\\`, `\t`, `\r`,
    /// `\n` unescaped, other backslashes kept.
    pub fn value(&self) -> String {
        unquote(&self.raw)
    }
}

/// A directive: `name args;` or `name args { body }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    /// Whitespace and comments before the name (its indentation is the last line of it).
    pub leading: String,
    /// The name as written.
    pub name: String,
    /// The arguments.
    pub args: Vec<Arg>,
    /// Whitespace and comments between the last token and `;` or `{`.
    pub before_end: String,
    /// The block, for `name args { … }`; `None` for `name args;`.
    pub block: Option<Block>,
    /// Spaces and a comment after the `;` or `}` on the same line (no newline).
    pub trailing: String,
}

/// The directives inside `{ … }` (or of a whole file).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Block {
    /// The directives, in order.
    pub items: Vec<Directive>,
    /// Whitespace and comments after the last directive, before `}` or the end of file.
    pub trailing: String,
}

/// A parsed configuration file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Config {
    /// The top level of the file.
    pub root: Block,
}

impl Directive {
    /// The name as nginx sees it (unquoted).
    pub fn name(&self) -> String {
        unquote(&self.name)
    }

    /// The arguments' values as nginx sees them.
    pub fn values(&self) -> Vec<String> {
        self.args.iter().map(Arg::value).collect()
    }

    /// The indentation of this directive: what follows the last newline of `leading`
    /// (empty when it is on the first line).
    pub fn indent(&self) -> &str {
        match self.leading.rfind('\n') {
            Some(i) => &self.leading[i + 1..],
            None => "",
        }
    }

    /// A new simple directive (`name args;`) with the given leading whitespace; arguments
    /// are separated by one space and written as given (nginx syntax).
    pub fn new(leading: &str, name: &str, args: &[String]) -> Directive {
        Directive {
            leading: leading.to_string(),
            name: name.to_string(),
            args: args
                .iter()
                .map(|a| Arg {
                    leading: " ".into(),
                    raw: a.clone(),
                })
                .collect(),
            before_end: String::new(),
            block: None,
            trailing: String::new(),
        }
    }

    fn print(&self, out: &mut String) {
        out.push_str(&self.leading);
        out.push_str(&self.name);
        for a in &self.args {
            out.push_str(&a.leading);
            out.push_str(&a.raw);
        }
        out.push_str(&self.before_end);
        match &self.block {
            None => out.push(';'),
            Some(b) => {
                out.push('{');
                b.print(out);
                out.push('}');
            }
        }
        out.push_str(&self.trailing);
    }
}

impl Block {
    fn print(&self, out: &mut String) {
        for d in &self.items {
            d.print(out);
        }
        out.push_str(&self.trailing);
    }
}

impl fmt::Display for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = String::new();
        self.root.print(&mut s);
        f.write_str(&s)
    }
}

impl Config {
    /// Parse a whole file.
    pub fn parse(text: &str) -> Result<Config, ParseError> {
        let mut p = Parser {
            s: text.as_bytes(),
            text,
            pos: 0,
        };
        let root = p.block(false)?;
        Ok(Config { root })
    }
}

/// Remove quotes and nginx's escapes from a token.
pub fn unquote(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars().peekable();
    let mut quote: Option<char> = None;
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('"') => out.push('"'),
                Some('\'') => out.push('\''),
                Some('\\') => out.push('\\'),
                Some('t') => out.push('\t'),
                Some('r') => out.push('\r'),
                Some('n') => out.push('\n'),
                Some(o) => {
                    out.push('\\');
                    out.push(o);
                }
                None => out.push('\\'),
            },
            '"' | '\'' if quote.is_none() => quote = Some(c),
            c if Some(c) == quote => quote = None,
            c => out.push(c),
        }
    }
    out
}

/// Write a value as one nginx token: bare when nginx would read it back unchanged, double
/// quoted otherwise.
pub fn quote(value: &str) -> String {
    let bare_ok = !value.is_empty()
        && !value.starts_with('#')
        && !value.starts_with('}')
        && !value
            .chars()
            .any(|c| c.is_whitespace() || matches!(c, ';' | '{' | '"' | '\'' | '\\'));
    if bare_ok {
        return value.to_string();
    }
    let mut s = String::from("\"");
    for c in value.chars() {
        match c {
            '"' => s.push_str("\\\""),
            '\\' => s.push_str("\\\\"),
            c => s.push(c),
        }
    }
    s.push('"');
    s
}

/// Split a directive's argument text (`X-Served-By "a b" always`) into raw tokens, with
/// the same lexer as files. A `;`, `{` or `}` outside quotes is an error.
pub fn split_args(text: &str) -> Result<Vec<String>, ParseError> {
    let mut p = Parser {
        s: text.as_bytes(),
        text,
        pos: 0,
    };
    let mut out = Vec::new();
    loop {
        let _ = p.trivia();
        if p.pos >= p.s.len() {
            return Ok(out);
        }
        match p.s[p.pos] {
            b';' | b'{' | b'}' => {
                return Err(p.err(format!("unexpected \"{}\" in a value", p.s[p.pos] as char)))
            }
            _ => out.push(p.token()?),
        }
    }
}

struct Parser<'a> {
    s: &'a [u8],
    text: &'a str,
    pos: usize,
}

impl Parser<'_> {
    fn err(&self, message: String) -> ParseError {
        let line = self.text.as_bytes()[..self.pos.min(self.s.len())]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1;
        ParseError { line, message }
    }

    /// Skip whitespace and comments; return them.
    fn trivia(&mut self) -> String {
        let start = self.pos;
        while self.pos < self.s.len() {
            match self.s[self.pos] {
                b' ' | b'\t' | b'\r' | b'\n' => self.pos += 1,
                b'#' => {
                    while self.pos < self.s.len() && self.s[self.pos] != b'\n' {
                        self.pos += 1;
                    }
                }
                _ => break,
            }
        }
        self.text[start..self.pos].to_string()
    }

    /// The rest of the current line after a terminator, if it is only spaces and a comment.
    fn same_line_trailing(&mut self) -> String {
        let start = self.pos;
        let mut i = self.pos;
        while i < self.s.len() && matches!(self.s[i], b' ' | b'\t') {
            i += 1;
        }
        if i < self.s.len() && self.s[i] == b'#' {
            while i < self.s.len() && self.s[i] != b'\n' {
                i += 1;
            }
            // A CR before the newline stays with the line ending (the next leading).
            if i > start && self.s[i - 1] == b'\r' {
                i -= 1;
            }
            self.pos = i;
            return self.text[start..i].to_string();
        }
        String::new()
    }

    /// One token at `pos` (not whitespace, `;`, `{`, `#`-comment start).
    fn token(&mut self) -> Result<String, ParseError> {
        let start = self.pos;
        let mut variable = false;
        while self.pos < self.s.len() {
            let c = self.s[self.pos];
            match c {
                b'"' | b'\'' => {
                    let open = self.pos;
                    self.pos += 1;
                    loop {
                        if self.pos >= self.s.len() {
                            self.pos = open;
                            return Err(self
                                .err("unexpected end of file, expecting a closing quote".into()));
                        }
                        match self.s[self.pos] {
                            b'\\' => self.pos += 2,
                            q if q == c => {
                                self.pos += 1;
                                break;
                            }
                            _ => self.pos += 1,
                        }
                    }
                    variable = false;
                    continue;
                }
                b'\\' => {
                    self.pos = (self.pos + 2).min(self.s.len());
                    variable = false;
                    continue;
                }
                // `${name}`: as in nginx, a `{` right after `$` does not end the word.
                b'{' if variable => {
                    self.pos += 1;
                    variable = false;
                    continue;
                }
                b' ' | b'\t' | b'\r' | b'\n' | b';' | b'{' => break,
                _ => {}
            }
            variable = c == b'$';
            self.pos += 1;
        }
        // A backslash escape may have stepped past the end; never split a UTF-8 char.
        self.pos = self.pos.min(self.s.len());
        while !self.text.is_char_boundary(self.pos) {
            self.pos += 1;
        }
        Ok(self.text[start..self.pos].to_string())
    }

    /// Directives until `}` (nested) or end of file (top level).
    fn block(&mut self, nested: bool) -> Result<Block, ParseError> {
        let mut items = Vec::new();
        loop {
            let leading = self.trivia();
            if self.pos >= self.s.len() {
                if nested {
                    return Err(self.err("unexpected end of file, expecting \"}\"".into()));
                }
                return Ok(Block {
                    items,
                    trailing: leading,
                });
            }
            match self.s[self.pos] {
                b'}' => {
                    if !nested {
                        return Err(self.err("unexpected \"}\"".into()));
                    }
                    return Ok(Block {
                        items,
                        trailing: leading,
                    });
                }
                b';' | b'{' => {
                    return Err(self.err(format!("unexpected \"{}\"", self.s[self.pos] as char)))
                }
                _ => {}
            }
            let name = self.token()?;
            let mut args = Vec::new();
            let (before_end, block) = loop {
                let ws = self.trivia();
                if self.pos >= self.s.len() {
                    return Err(self.err("unexpected end of file, expecting \";\" or \"}\"".into()));
                }
                match self.s[self.pos] {
                    b';' => {
                        self.pos += 1;
                        break (ws, None);
                    }
                    b'{' => {
                        self.pos += 1;
                        let b = self.block(true)?;
                        self.pos += 1; // the `}`
                        break (ws, Some(b));
                    }
                    b'}' => return Err(self.err("unexpected \"}\"".into())),
                    _ => {
                        let raw = self.token()?;
                        args.push(Arg { leading: ws, raw });
                    }
                }
            };
            let trailing = self.same_line_trailing();
            items.push(Directive {
                leading,
                name,
                args,
                before_end,
                block,
                trailing,
            });
        }
    }
}
