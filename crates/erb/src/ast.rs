//! The syntax tree of a template's Ruby code. Positions are byte offsets in the generated
//! code (see `scan`), mapped back to template lines when something goes wrong.

use crate::value::Regexp;
use std::rc::Rc;

/// A piece of an interpolating literal.
#[derive(Debug)]
pub(crate) enum SPart {
    Lit(String),
    Code(Node),
}

/// A block: `{ |a, b| ... }` or `do |a, b| ... end`.
#[derive(Debug)]
pub(crate) struct Block {
    pub(crate) params: Vec<Param>,
    /// `|a, |` or more than one parameter: an Array argument is spread over them.
    pub(crate) spreads: bool,
    pub(crate) body: Node,
}

/// A block parameter.
#[derive(Debug)]
pub(crate) enum Param {
    Name(Rc<str>),
    /// `*rest`.
    Splat(Rc<str>),
    /// `(a, b)`.
    Nested(Vec<Param>),
}

/// A method call.
#[derive(Debug)]
pub(crate) struct Call {
    /// None: a call on the template itself (`scope`, `Array(x)`).
    pub(crate) recv: Option<Node>,
    pub(crate) name: Rc<str>,
    pub(crate) args: Vec<Node>,
    pub(crate) block: Option<Rc<Block>>,
    /// `&blk` / `&:sym`.
    pub(crate) block_arg: Option<Node>,
    /// `&.`.
    pub(crate) safe: bool,
    pub(crate) pos: usize,
}

/// What an assignment assigns to.
#[derive(Debug)]
pub(crate) enum Target {
    Local(Rc<str>),
    Ivar(Rc<str>),
    Global(Rc<str>),
    Index(Node, Vec<Node>),
    Attr(Node, Rc<str>),
    Splat(Box<Target>),
    Nested(Vec<Target>),
}

/// A `rescue` clause.
#[derive(Debug)]
pub(crate) struct Rescue {
    pub(crate) classes: Vec<Node>,
    pub(crate) var: Option<Target>,
    pub(crate) body: Node,
}

/// A node.
#[derive(Debug)]
pub(crate) enum Node {
    Nil,
    True,
    False,
    SelfRef,
    Int(i64),
    Float(f64),
    Str(Vec<SPart>),
    Sym(Rc<str>),
    DSym(Vec<SPart>),
    /// A regexp literal, compiled once when it has no interpolation.
    Regex(Vec<SPart>, u32, Option<Rc<Regexp>>, usize),
    Array(Vec<Node>),
    Hash(Vec<(Node, Node)>),
    Range(Box<Node>, Box<Node>, bool),
    Local(Rc<str>),
    Ivar(Rc<str>),
    Global(Rc<str>),
    NthRef(u32),
    Const(Rc<str>, usize),
    Call(Box<Call>),
    Assign(Box<Target>, Box<Node>),
    /// `x ||= y`, `x += y`: the operator without `=`.
    OpAssign(Box<Target>, &'static str, Box<Node>),
    MultiAssign(Vec<Target>, Box<Node>),
    And(Box<Node>, Box<Node>),
    Or(Box<Node>, Box<Node>),
    Not(Box<Node>),
    Defined(Box<Node>),
    If(Box<Node>, Box<Node>, Box<Node>),
    /// `while` (false) or `until` (true).
    While(Box<Node>, Box<Node>, bool),
    For(Box<Target>, Box<Node>, Box<Node>),
    Case(Option<Box<Node>>, Vec<(Vec<Node>, Node)>, Box<Node>),
    Begin(Box<Node>, Vec<Rescue>, Option<Box<Node>>, Option<Box<Node>>),
    /// Statements; each with its position.
    Seq(Vec<(usize, Node)>),
    Next(Option<Box<Node>>),
    Break(Option<Box<Node>>),
    /// Append to the output.
    Out(Box<Node>),
    /// Template text number n.
    Text(usize),
    Splat(Box<Node>),
}
