//! The lossless syntax tree of an nginx configuration file, its parser and its printer.
//!
//! The tree holds bytes, not text: nginx reads any byte sequence, so a comment in Latin-1 or
//! a stray invalid UTF-8 byte is kept exactly as it was, through every edit. Every byte of
//! the input lands in exactly one place of the tree — the whitespace and comments before a
//! directive (`leading`), the raw bytes of its name and arguments, the whitespace before its
//! terminator, the rest of its line after the terminator (`trailing`, so that a same-line
//! comment stays with its directive when a sibling is inserted) — so printing the tree
//! ([`Config::to_bytes`]) gives back the input byte for byte (CRLF, tabs, quoting included).
//!
//! Tokens follow nginx's own lexer, `ngx_conf_read_token` in `src/core/ngx_conf_file.c`
//! (nginx 1.22.1), state for state:
//! - a token starts after whitespace; there `#` starts a comment up to the end of the line,
//!   `;` and `{` end a directive, `}` closes a block;
//! - a token starting with `"` or `'` is quoted: it ends at the matching quote, and the next
//!   byte must be whitespace, `;`, `{` or `)` (`"a"b` is nginx's `unexpected "b"`; `)` starts
//!   a new token, as in `if ($a = "x")`);
//! - any other token is a word: it ends at whitespace, `;` or `{`, so `#`, `}` and quotes
//!   inside a word are plain bytes (`a"b`, `ab#c`, `a}`), and `{` right after `$` (`${name}`)
//!   does not end it;
//! - a backslash escapes the next byte everywhere; a value keeps other escapes as written
//!   and turns `\"`, `\'`, `\\`, `\t`, `\r`, `\n` into what they name, as nginx does.
//!
//! OpenResty's `*_by_lua_block { … }` directives hold Lua, not nginx syntax: as
//! lua-nginx-module does, their body is read with Lua's rules (strings, `--` and long
//! comments, long brackets) up to the `}` that closes it, and kept as raw bytes
//! ([`Body::Raw`]).

/// Why a configuration could not be parsed; the position is where nginx would stop.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column {col}: {message}")]
pub struct ParseError {
    /// 1-based line of the problem.
    pub line: usize,
    /// 1-based column (in bytes) of the problem.
    pub col: usize,
    /// What is wrong, in nginx's words.
    pub message: String,
    /// What to do about it, when more can be said than nginx says.
    pub hint: Option<String>,
}

/// One token as written (`raw`: quotes and escapes included) with what precedes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arg {
    /// Whitespace and comments between the previous token and this one.
    pub leading: Vec<u8>,
    /// The token exactly as written.
    pub raw: Vec<u8>,
}

impl Arg {
    /// A token written as given, after one space.
    pub fn new(raw: &str) -> Arg {
        Arg {
            leading: b" ".to_vec(),
            raw: raw.as_bytes().to_vec(),
        }
    }

    /// The token's value as nginx sees it (see [`unquote_bytes`]), as text (invalid UTF-8
    /// shown as U+FFFD: for comparing and showing, never for writing back).
    pub fn value(&self) -> String {
        String::from_utf8_lossy(&unquote_bytes(&self.raw)).into_owned()
    }
}

/// What follows a directive's arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    /// `name args;`
    None,
    /// `name args { directives }`
    Block(Block),
    /// `name args { raw }`: the content of a block nginx does not parse itself
    /// (`content_by_lua_block`), between the braces, byte for byte.
    Raw(Vec<u8>),
}

/// A directive: `name args;` or `name args { body }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    /// Whitespace and comments before the name (its indentation is the last line of it).
    pub leading: Vec<u8>,
    /// The name as written (it may be quoted, as nginx allows).
    pub name: Vec<u8>,
    /// The arguments.
    pub args: Vec<Arg>,
    /// Whitespace and comments between the last token and `;` or `{`.
    pub before_end: Vec<u8>,
    /// The block, if the directive has one.
    pub body: Body,
    /// Spaces and a comment after the `;` or `}` on the same line (no newline).
    pub trailing: Vec<u8>,
}

/// The directives inside `{ … }` (or of a whole file).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Block {
    /// The directives, in order.
    pub items: Vec<Directive>,
    /// Whitespace and comments after the last directive, before `}` or the end of file.
    pub trailing: Vec<u8>,
    /// The bytes an empty block had between its braces before this edit session inserted
    /// into it, so that emptying it again gives back exactly those. `None` for a block as
    /// parsed: emptied, it closes back onto one line.
    pub written_empty: Option<Vec<u8>>,
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
        String::from_utf8_lossy(&unquote_bytes(&self.name)).into_owned()
    }

    /// The arguments' values as nginx sees them.
    pub fn values(&self) -> Vec<String> {
        self.args.iter().map(Arg::value).collect()
    }

    /// The nested block of directives, if there is one.
    pub fn block(&self) -> Option<&Block> {
        match &self.body {
            Body::Block(b) => Some(b),
            _ => None,
        }
    }

    /// The nested block of directives, if there is one.
    pub fn block_mut(&mut self) -> Option<&mut Block> {
        match &mut self.body {
            Body::Block(b) => Some(b),
            _ => None,
        }
    }

    /// Whether this is `name args;` (no block of any kind).
    pub fn is_simple(&self) -> bool {
        matches!(self.body, Body::None)
    }

    /// The indentation of this directive: what follows the last newline of `leading`
    /// (empty when it is on the first line).
    pub fn indent(&self) -> &[u8] {
        match self.leading.iter().rposition(|&b| b == b'\n') {
            Some(i) => &self.leading[i + 1..],
            None => b"",
        }
    }

    /// A new simple directive (`name args;`) with the given leading whitespace; arguments
    /// are separated by one space and written as given (nginx syntax).
    pub fn new(leading: &[u8], name: &str, args: &[String]) -> Directive {
        Directive {
            leading: leading.to_vec(),
            name: name.as_bytes().to_vec(),
            args: args.iter().map(|a| Arg::new(a)).collect(),
            before_end: Vec::new(),
            body: Body::None,
            trailing: Vec::new(),
        }
    }

    /// Append this directive, as written, to `out`.
    pub fn print(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.leading);
        out.extend_from_slice(&self.name);
        for a in &self.args {
            out.extend_from_slice(&a.leading);
            out.extend_from_slice(&a.raw);
        }
        out.extend_from_slice(&self.before_end);
        match &self.body {
            Body::None => out.push(b';'),
            Body::Block(b) => {
                out.push(b'{');
                b.print(out);
                out.push(b'}');
            }
            Body::Raw(r) => {
                out.push(b'{');
                out.extend_from_slice(r);
                out.push(b'}');
            }
        }
        out.extend_from_slice(&self.trailing);
    }
}

impl Block {
    /// Append this block's content, as written, to `out`.
    pub fn print(&self, out: &mut Vec<u8>) {
        for d in &self.items {
            d.print(out);
        }
        out.extend_from_slice(&self.trailing);
    }
}

impl Config {
    /// Parse a whole file.
    pub fn parse(text: &[u8]) -> Result<Config, ParseError> {
        let mut p = Parser {
            s: text,
            pos: 0,
            eof_ends_word: false,
        };
        let root = p.block(false)?;
        Ok(Config { root })
    }

    /// The file's bytes: exactly the parsed input when nothing was edited.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.root.print(&mut out);
        out
    }
}

/// A token's value as nginx computes it: the bytes between the quotes of a quoted token (all
/// of a word), with `\"`, `\'` and `\\` turned into the character, `\t`, `\r`, `\n` into
/// tab, carriage return and newline, and any other backslash kept.
pub fn unquote_bytes(raw: &[u8]) -> Vec<u8> {
    let inner = match raw.first() {
        Some(&q @ (b'"' | b'\'')) if raw.len() >= 2 && raw[raw.len() - 1] == q => {
            &raw[1..raw.len() - 1]
        }
        _ => raw,
    };
    let mut out = Vec::with_capacity(inner.len());
    let mut i = 0;
    while i < inner.len() {
        if inner[i] == b'\\' && i + 1 < inner.len() {
            match inner[i + 1] {
                b'"' | b'\'' | b'\\' => {
                    out.push(inner[i + 1]);
                    i += 2;
                    continue;
                }
                b't' => {
                    out.push(b'\t');
                    i += 2;
                    continue;
                }
                b'r' => {
                    out.push(b'\r');
                    i += 2;
                    continue;
                }
                b'n' => {
                    out.push(b'\n');
                    i += 2;
                    continue;
                }
                _ => {}
            }
        }
        out.push(inner[i]);
        i += 1;
    }
    out
}

/// [`unquote_bytes`] of a token written as text.
pub fn unquote(raw: &str) -> String {
    String::from_utf8_lossy(&unquote_bytes(raw.as_bytes())).into_owned()
}

/// Write a value as one nginx token: bare when nginx reads it back unchanged, double quoted
/// otherwise.
pub fn quote(value: &str) -> String {
    let bare_ok = !value.is_empty()
        && !value.starts_with(['#', '}', '"', '\'', ')'])
        && !value
            .chars()
            .any(|c| c.is_whitespace() || matches!(c, ';' | '{' | '\\'));
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
/// the same lexer as files. A `;`, `{` or `}` that would end the directive is an error.
pub fn split_args(text: &str) -> Result<Vec<String>, ParseError> {
    let mut p = Parser {
        s: text.as_bytes(),
        pos: 0,
        eof_ends_word: true,
    };
    let mut out = Vec::new();
    loop {
        let _ = p.trivia();
        if p.pos >= p.s.len() {
            return Ok(out);
        }
        match p.s[p.pos] {
            c @ (b';' | b'{' | b'}') => {
                return Err(p.err(format!("unexpected \"{}\" in a value", c as char)))
            }
            _ => {
                let raw = p.token()?;
                out.push(String::from_utf8_lossy(&raw).into_owned());
            }
        }
    }
}

/// Whether a directive holds Lua instead of nginx syntax (lua-nginx-module's and
/// stream-lua-nginx-module's `*_by_lua_block`).
pub fn is_raw_block(name: &str) -> bool {
    name.ends_with("_by_lua_block")
}

/// Line and column (1-based, column in bytes) of a byte offset.
pub fn line_col(s: &[u8], pos: usize) -> (usize, usize) {
    let pos = pos.min(s.len());
    let before = &s[..pos];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let col = match before.iter().rposition(|&b| b == b'\n') {
        Some(nl) => pos - nl,
        None => pos + 1,
    };
    (line, col)
}

const EOF_IN_DIRECTIVE: &str = "unexpected end of file, expecting \";\" or \"}\"";

struct Parser<'a> {
    s: &'a [u8],
    pos: usize,
    /// Whether the end of the input ends a word (argument text) rather than being an error
    /// (a file, where every directive must be terminated).
    eof_ends_word: bool,
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

impl Parser<'_> {
    fn err(&self, message: String) -> ParseError {
        self.err_at(self.pos, message)
    }

    fn err_at(&self, pos: usize, message: String) -> ParseError {
        let (line, col) = line_col(self.s, pos);
        ParseError {
            line,
            col,
            message,
            hint: None,
        }
    }

    /// Skip whitespace and comments; return them.
    fn trivia(&mut self) -> Vec<u8> {
        let start = self.pos;
        while self.pos < self.s.len() {
            match self.s[self.pos] {
                b if is_space(b) => self.pos += 1,
                b'#' => {
                    while self.pos < self.s.len() && self.s[self.pos] != b'\n' {
                        self.pos += 1;
                    }
                }
                _ => break,
            }
        }
        self.s[start..self.pos].to_vec()
    }

    /// The rest of the current line after a terminator, if it is only spaces and a comment.
    fn same_line_trailing(&mut self) -> Vec<u8> {
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
            return self.s[start..i].to_vec();
        }
        Vec::new()
    }

    /// One token at `pos` (not whitespace, `;`, `{`, `}` or a comment start).
    fn token(&mut self) -> Result<Vec<u8>, ParseError> {
        let start = self.pos;
        let s = self.s;
        let first = s[self.pos];
        if first == b'"' || first == b'\'' {
            self.pos += 1;
            loop {
                let Some(&c) = s.get(self.pos) else {
                    return Err(self.unclosed_quote(start));
                };
                self.pos += 1;
                if c == b'\\' {
                    if self.pos >= s.len() {
                        return Err(self.unclosed_quote(start));
                    }
                    self.pos += 1;
                } else if c == first {
                    break;
                }
            }
            // nginx's `need_space`: what follows a closing quote.
            if let Some(&c) = s.get(self.pos) {
                if !(is_space(c) || matches!(c, b';' | b'{' | b')')) {
                    let mut e = self.err(format!("unexpected \"{}\"", c as char));
                    e.hint = Some(format!(
                        "a quoted value ends at its closing quote: put the whole value inside the quotes, or a space after {}",
                        first as char
                    ));
                    return Err(e);
                }
            }
            return Ok(s[start..self.pos].to_vec());
        }
        let mut variable = false;
        while let Some(&c) = s.get(self.pos) {
            if c == b'{' && variable {
                // `${name}`: nginx keeps reading the word (and stays in this state).
                self.pos += 1;
                continue;
            }
            variable = false;
            match c {
                b'\\' => {
                    if self.pos + 1 >= s.len() {
                        self.pos = s.len();
                        if self.eof_ends_word {
                            break;
                        }
                        return Err(self.err(EOF_IN_DIRECTIVE.into()));
                    }
                    self.pos += 2;
                    continue;
                }
                b'$' => variable = true,
                c if is_space(c) || c == b';' || c == b'{' => break,
                _ => {}
            }
            self.pos += 1;
        }
        if self.pos >= s.len() && !self.eof_ends_word {
            return Err(self.err(EOF_IN_DIRECTIVE.into()));
        }
        Ok(s[start..self.pos].to_vec())
    }

    fn unclosed_quote(&self, open: usize) -> ParseError {
        let (line, col) = line_col(self.s, open);
        let mut e = self.err_at(self.s.len(), EOF_IN_DIRECTIVE.into());
        e.hint = Some(format!(
            "the quote opened at line {line}, column {col} is never closed"
        ));
        e
    }

    /// The Lua code of a `*_by_lua_block` after its `{`, up to (not including) the `}` that
    /// closes it, which is consumed.
    fn lua_body(&mut self) -> Result<Vec<u8>, ParseError> {
        let s = self.s;
        let start = self.pos;
        let mut depth = 0usize;
        let long_bracket = |at: usize| -> Option<usize> {
            // `[` `=`* `[`: the number of `=`.
            if s.get(at) != Some(&b'[') {
                return None;
            }
            let mut i = at + 1;
            while s.get(i) == Some(&b'=') {
                i += 1;
            }
            (s.get(i) == Some(&b'[')).then_some(i - at - 1)
        };
        let close_long = |from: usize, level: usize| -> Option<usize> {
            let mut close = vec![b']'];
            close.extend(std::iter::repeat_n(b'=', level));
            close.push(b']');
            s[from..]
                .windows(close.len())
                .position(|w| w == close.as_slice())
                .map(|p| from + p + close.len())
        };
        let eof = |p: &Parser<'_>| {
            let mut e = p.err_at(s.len(), "unexpected end of file, expecting \"}\"".into());
            let (line, col) = line_col(s, start);
            e.hint = Some(format!(
                "the Lua block opened before line {line}, column {col} is never closed"
            ));
            e
        };
        while self.pos < s.len() {
            let c = s[self.pos];
            match c {
                b'-' if s.get(self.pos + 1) == Some(&b'-') => {
                    if let Some(level) = long_bracket(self.pos + 2) {
                        let from = self.pos + 4 + level;
                        self.pos = close_long(from, level).ok_or_else(|| eof(self))?;
                    } else {
                        while self.pos < s.len() && s[self.pos] != b'\n' {
                            self.pos += 1;
                        }
                    }
                }
                b'[' => match long_bracket(self.pos) {
                    Some(level) => {
                        let from = self.pos + 2 + level;
                        self.pos = close_long(from, level).ok_or_else(|| eof(self))?;
                    }
                    None => self.pos += 1,
                },
                b'"' | b'\'' => {
                    self.pos += 1;
                    while self.pos < s.len() && s[self.pos] != c {
                        if s[self.pos] == b'\\' {
                            self.pos += 1;
                        }
                        self.pos += 1;
                    }
                    if self.pos >= s.len() {
                        return Err(eof(self));
                    }
                    self.pos += 1;
                }
                b'{' => {
                    depth += 1;
                    self.pos += 1;
                }
                b'}' => {
                    if depth == 0 {
                        let body = s[start..self.pos].to_vec();
                        self.pos += 1;
                        return Ok(body);
                    }
                    depth -= 1;
                    self.pos += 1;
                }
                _ => self.pos += 1,
            }
        }
        Err(eof(self))
    }

    /// Directives until `}` (nested; the `}` is left for the caller) or end of file (top
    /// level).
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
                    written_empty: None,
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
                        written_empty: None,
                    });
                }
                c @ (b';' | b'{') => return Err(self.err(format!("unexpected \"{}\"", c as char))),
                _ => {}
            }
            let name = self.token()?;
            let mut args = Vec::new();
            let (before_end, body) = loop {
                let ws = self.trivia();
                if self.pos >= self.s.len() {
                    return Err(self.err(EOF_IN_DIRECTIVE.into()));
                }
                match self.s[self.pos] {
                    b';' => {
                        self.pos += 1;
                        break (ws, Body::None);
                    }
                    b'{' => {
                        self.pos += 1;
                        let lua = is_raw_block(&String::from_utf8_lossy(&unquote_bytes(&name)));
                        if lua {
                            break (ws, Body::Raw(self.lua_body()?));
                        }
                        let b = self.block(true)?;
                        self.pos += 1; // the `}`
                        break (ws, Body::Block(b));
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
                body,
                trailing,
            });
        }
    }
}
