//! ERB templates rendered as Puppet 7 renders them, without Ruby.
//!
//! Puppet renders `template()` and `inline_template()` with Ruby's ERB (`trim_mode: '-'`)
//! inside a `Puppet::Parser::TemplateWrapper`: every variable visible in the calling
//! scope is an instance variable (`@name`), `scope` answers `scope['x']`,
//! `scope.lookupvar`, `scope.call_function` and `scope.function_x([..])`, and the code
//! in the tags is real Ruby. This crate does the same natively:
//!
//! - `scan`: ERB to Ruby code, exactly as Ruby 3.1's ERB compiler generates it (so
//!   trimming, comments and line numbers are Ruby's);
//! - `lex`, `parse`, `ast`: the Ruby that templates use (blocks, `if`/`unless`/`case`,
//!   `begin`/`rescue`, string interpolation, `%w[]`, regexps, ranges, ...);
//! - `interp` and `methods`: an evaluator with Ruby 3.1's semantics for the core classes
//!   templates use (String, Array, Hash, Integer, Float, Symbol, nil, Range, Regexp,
//!   MatchData, IPAddr) and Ruby's exceptions and messages.
//!
//! What it cannot do exactly, it declines ([`Declined`]) rather than guess: at parse
//! time for syntax it does not know, at run time when the code reaches a method Ruby has
//! on a class but this crate does not implement (a method Ruby lacks too is Ruby's
//! NoMethodError, and a branch never taken costs nothing). A declined template goes to the system's
//! Ruby when one is there (see [`wire`] and the converge crate), and fails with the
//! template line and the construct when not.
//!
//! The crate does no I/O: the caller gives the template text and a [`Host`] (the
//! compiler's scope) that answers variables and function calls.

// Hash keys that are objects (`Key::Ident`) hash by address, which mutating the object
// does not change: the interior mutability clippy warns about is harmless here.
#![allow(clippy::mutable_key_type)]

mod ast;
mod interp;
pub mod ipaddr;
mod lex;
mod methods;
mod parse;
mod rregex;
mod ruby_methods;
mod scan;
pub mod value;
pub mod wire;

pub use value::Value;

/// A construct the native renderer does not run, at a position in the generated code.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Unsupported {
    pub(crate) pos: usize,
    pub(crate) construct: String,
}

/// Where in the template something is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    /// 1-based line.
    pub line: u32,
    /// 1-based column (in characters).
    pub column: u32,
}

/// The native renderer cannot render this template exactly; Ruby can.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {}: the template uses {construct}, which converge's ERB renderer does not run", .at.line)]
pub struct Declined {
    /// Where the construct is.
    pub at: Position,
    /// What it is ("the method `each_cons` on Array", "heredocs").
    pub construct: String,
}

/// Why a render failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RenderError {
    /// The template raised a Ruby exception (as it would in Puppet).
    #[error("line {}: {message} ({class})", .at.line)]
    Raised {
        /// Where.
        at: Position,
        /// The exception's class (`NoMethodError`).
        class: String,
        /// Its message.
        message: String,
    },
    /// A construct only Ruby can run was reached.
    #[error(transparent)]
    Declined(Declined),
    /// A function the template called failed; the host has recorded why.
    #[error("a function called by the template failed")]
    Host,
    /// The Ruby fallback process failed (it exited, or broke the protocol).
    #[error("the Ruby process rendering templates failed: {0}")]
    Fallback(String),
}

/// An error from the host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostError {
    /// The call raised (Puppet's functions raise `Puppet::ParseError`): a Ruby
    /// exception with this message, which the template may rescue.
    Raise(String),
    /// Stop rendering: the compilation cannot go on.
    Abort,
}

/// What Puppet's scope gives a template.
pub trait Host {
    /// `@name`: the variable as the template sees it when it starts (None when it is
    /// not set or undef, as Puppet binds only the variables that have a value).
    fn var(&mut self, name: &str) -> Option<Value>;
    /// `scope['name']` / `scope.lookupvar('name')` (qualified names too): nil when
    /// unknown (Puppet warns then).
    fn lookup(&mut self, name: &str) -> Value;
    /// `scope.include?('name')`: whether the variable exists.
    fn exists(&mut self, name: &str) -> bool;
    /// `scope.setvar('name', value)`.
    fn set(&mut self, name: &str, value: Value) -> Result<(), HostError>;
    /// `scope.call_function('name', [args])` and `scope.function_name([args])`.
    fn call(&mut self, name: &str, args: Vec<Value>) -> Result<Value, HostError>;
    /// Every variable visible with a value (what Ruby binds as instance variables; only
    /// the Ruby fallback needs them all at once).
    fn vars(&mut self) -> Vec<(String, Value)>;
}

/// A [`Host`] over a map of variables and no functions: for tests, and for embedders
/// that render a template outside a compile.
#[derive(Debug, Default)]
pub struct MapHost {
    /// The variables, by name.
    pub vars: indexmap::IndexMap<String, Value>,
}

impl Host for MapHost {
    fn var(&mut self, name: &str) -> Option<Value> {
        self.vars.get(name).filter(|v| !v.is_nil()).cloned()
    }
    fn lookup(&mut self, name: &str) -> Value {
        self.vars
            .get(name.trim_start_matches("::"))
            .cloned()
            .unwrap_or_default()
    }
    fn exists(&mut self, name: &str) -> bool {
        self.vars.contains_key(name.trim_start_matches("::"))
    }
    fn set(&mut self, name: &str, value: Value) -> Result<(), HostError> {
        self.vars.insert(name.to_string(), value);
        Ok(())
    }
    fn call(&mut self, name: &str, _args: Vec<Value>) -> Result<Value, HostError> {
        Err(HostError::Raise(format!("Unknown function: '{name}'")))
    }
    fn vars(&mut self) -> Vec<(String, Value)> {
        self.vars
            .iter()
            .filter(|(_, v)| !v.is_nil())
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }
}

/// A parsed template, ready to render any number of times.
#[derive(Debug)]
pub struct Template {
    name: String,
    source: String,
    gen: scan::Generated,
    ast: ast::Node,
}

impl Template {
    /// Parse a template. `name` is what errors call it (`apache/vhost/_proxy.erb`).
    pub fn parse(name: &str, source: &str) -> Result<Template, Declined> {
        let gen = scan::compile(source);
        let mut t = Template {
            name: name.to_string(),
            source: source.to_string(),
            gen,
            ast: ast::Node::Nil,
        };
        let parsed = lex::Lexer::new(&t.gen.code)
            .tokens()
            .and_then(|toks| parse::Parser::new(toks).program());
        match parsed {
            Ok(ast) => {
                t.ast = ast;
                Ok(t)
            }
            Err(u) => Err(t.declined(u)),
        }
    }

    /// The name given at parse time.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Render with the scope `host`; `file` is what the template's `file` method and
    /// `@__file__` give (None for inline templates).
    pub fn render(&self, host: &mut dyn Host, file: Option<&str>) -> Result<String, RenderError> {
        interp::Interp::new(self, host, file).run()
    }

    pub(crate) fn position(&self, gen_pos: usize) -> Position {
        let off = self.gen.template_offset(gen_pos).min(self.source.len());
        let mut off = off;
        while !self.source.is_char_boundary(off) {
            off -= 1;
        }
        let before = &self.source[..off];
        let line = before.matches('\n').count() as u32 + 1;
        let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) as u32 + 1;
        Position { line, column: col }
    }

    pub(crate) fn declined(&self, u: Unsupported) -> Declined {
        Declined {
            at: self.position(u.pos),
            construct: u.construct,
        }
    }

    pub(crate) fn text(&self, n: usize) -> &str {
        self.gen.texts.get(n).map_or("", String::as_str)
    }
}
