//! The abstract syntax tree of a Puppet manifest (and of an EPP template).
//!
//! Puppet treats almost everything as an expression, so a manifest is a list of [`Expr`].
//! Every node carries a byte [`Span`] into its [`crate::Source`], which turns it into a
//! file/line/column [`converge_catalog::Location`] for diagnostics.
//!
//! API boundary: this is the only syntax the rest of converge sees; pest's types never
//! leave the parser module.

/// A byte range `[start, end)` in a source text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Span {
    /// First byte.
    pub start: u32,
    /// One past the last byte.
    pub end: u32,
}

impl Span {
    /// A span from byte offsets.
    pub fn new(start: usize, end: usize) -> Self {
        Span {
            start: start as u32,
            end: end as u32,
        }
    }
}

/// A parsed manifest file: its top-level statements.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Manifest {
    /// Statements in source order.
    pub body: Vec<Expr>,
}

/// An expression with its span.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    /// What it is.
    pub kind: ExprKind,
    /// Where it is.
    pub span: Span,
}

/// Binary operators, with Puppet's semantics applied by the evaluator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    /// `+` (numbers; arrays concatenate; hashes merge).
    Add,
    /// `-`.
    Sub,
    /// `*`.
    Mul,
    /// `/`.
    Div,
    /// `%`.
    Mod,
    /// `<<` (also array append).
    Shl,
    /// `>>`.
    Shr,
    /// `==` (strings compare case-insensitively).
    Eq,
    /// `!=`.
    Ne,
    /// `<`.
    Lt,
    /// `>`.
    Gt,
    /// `<=`.
    Le,
    /// `>=`.
    Ge,
    /// `=~` (sets `$0`..`$9`).
    Match,
    /// `!~`.
    NotMatch,
    /// `in`.
    In,
    /// `and`.
    And,
    /// `or`.
    Or,
}

/// Unary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnaryOp {
    /// `!`.
    Not,
    /// `-`.
    Neg,
    /// `*` (splat of an array into arguments or case options).
    Splat,
}

/// Chaining arrows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arrow {
    /// `->`: left before right.
    Before,
    /// `~>`: left before right and notifies it.
    Notify,
    /// `<-`: right before left.
    RevBefore,
    /// `<~`: right before left and notifies it.
    RevNotify,
}

/// One part of an interpolated (double-quoted or heredoc) string.
#[derive(Debug, Clone, PartialEq)]
pub enum StrPart {
    /// Literal text, escapes already processed.
    Lit(String),
    /// `$var`, `${var}` or `${expr}`.
    Expr(Expr),
}

/// `=>` or `+>` in an attribute operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttrOp {
    /// `=>`.
    Set,
    /// `+>` (append; only in overrides and collector overrides).
    Append,
}

/// `name => value` in a resource body, defaults or override. `name` is `*` for a splat.
#[derive(Debug, Clone, PartialEq)]
pub struct Attr {
    /// Attribute name (a keyword such as `unless` or `require` is fine), or `*`.
    pub name: String,
    /// Span of the name alone.
    pub name_span: Span,
    /// `=>` or `+>`.
    pub op: AttrOp,
    /// The value.
    pub value: Expr,
    /// Span of the whole operation.
    pub span: Span,
}

/// `title: attrs` in a resource declaration.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceBody {
    /// The title expression (string, variable, array, or `default` for a default body).
    pub title: Expr,
    /// Attribute operations.
    pub attrs: Vec<Attr>,
    /// Span of the body.
    pub span: Span,
}

/// A parameter of a class, define or lambda: `Type $name = default`.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    /// Name without `$`.
    pub name: String,
    /// Type expression (`String`, `Optional[Integer]`), if written.
    pub type_expr: Option<Expr>,
    /// Default value, if any.
    pub default: Option<Expr>,
    /// Whether it is a captures-rest parameter (`*$rest`).
    pub captures_rest: bool,
    /// Span of the parameter.
    pub span: Span,
}

/// A lambda block: `|$x, $y| { body }`.
#[derive(Debug, Clone, PartialEq)]
pub struct Lambda {
    /// Parameters.
    pub params: Vec<Param>,
    /// Body statements; the last one's value is the lambda's value.
    pub body: Vec<Expr>,
    /// Span of the lambda.
    pub span: Span,
}

/// A class definition.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassDef {
    /// Fully qualified lowercase name (`web`, `web::config`), without leading `::`.
    pub name: String,
    /// Parameters.
    pub params: Vec<Param>,
    /// `inherits` parent, if any.
    pub parent: Option<String>,
    /// Body.
    pub body: Vec<Expr>,
    /// Span of the whole definition.
    pub span: Span,
}

/// A function written in the Puppet language: `function mod::name(String $x) >> String { }`.
#[derive(Debug, Clone, PartialEq)]
pub struct FunctionDef {
    /// Fully qualified lowercase name (`profile::served_by`), without leading `::`.
    pub name: String,
    /// Parameters.
    pub params: Vec<Param>,
    /// The return type after `>>`, if written.
    pub return_type: Option<Box<Expr>>,
    /// Body; the last statement's value is the function's value.
    pub body: Vec<Expr>,
    /// Span of the whole definition.
    pub span: Span,
}

/// A defined resource type.
#[derive(Debug, Clone, PartialEq)]
pub struct DefineDef {
    /// Fully qualified lowercase name (`web::vhost`).
    pub name: String,
    /// Parameters.
    pub params: Vec<Param>,
    /// Body.
    pub body: Vec<Expr>,
    /// Span of the whole definition.
    pub span: Span,
}

/// What a node definition matches.
#[derive(Debug, Clone, PartialEq)]
pub enum NodeMatch {
    /// An exact (lowercased) name, e.g. `'web-01'` or a bare `web01`.
    Name(String),
    /// A regex, e.g. `/^web\d+$/`.
    Regex(String),
    /// `default`.
    Default,
}

/// A node definition.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeDef {
    /// Names, regexes or `default`.
    pub matches: Vec<NodeMatch>,
    /// Body.
    pub body: Vec<Expr>,
    /// Span of the whole definition.
    pub span: Span,
}

/// One arm of a `case`.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseArm {
    /// Options (`'a', 'b'`, regexes, `default`).
    pub values: Vec<Expr>,
    /// Body.
    pub body: Vec<Expr>,
    /// Span of the arm.
    pub span: Span,
}

/// A collector query: `title == 'x' and tag != 'y'`.
#[derive(Debug, Clone, PartialEq)]
pub enum Query {
    /// `attr == value`.
    Eq(String, Expr),
    /// `attr != value`.
    Ne(String, Expr),
    /// `a and b`.
    And(Box<Query>, Box<Query>),
    /// `a or b`.
    Or(Box<Query>, Box<Query>),
}

/// What an expression is.
#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// `undef`.
    Undef,
    /// `default`.
    Default,
    /// `true`/`false`.
    Bool(bool),
    /// An integer literal (decimal, `0x` hex, `0` octal).
    Integer(i64),
    /// A float literal.
    Float(f64),
    /// A literal string: single-quoted, literal heredoc, or a double-quoted string without
    /// interpolation (escapes processed).
    Str(String),
    /// A double-quoted string or heredoc with interpolation.
    Interpolated(Vec<StrPart>),
    /// A bare lowercase word used as a value (`running`, `installed`, `web::config`).
    Bareword(String),
    /// A regex literal's source between the slashes.
    Regex(String),
    /// `[a, b]`.
    Array(Vec<Expr>),
    /// `{ k => v }`, in order.
    Hash(Vec<(Expr, Expr)>),
    /// `$name`, `$::name`, `$web::port`: the name without `$` (a leading `::` is kept).
    Variable(String),
    /// A capitalised name: a type or resource type (`File`, `Class`, `String`, `Web::Vhost`).
    TypeName(String),
    /// `target[k1, k2]`: indexing, slicing, resource references (`Package['nginx']`) and
    /// parameterised types (`Array[String]`).
    Access {
        /// What is indexed.
        target: Box<Expr>,
        /// The keys.
        keys: Vec<Expr>,
    },
    /// A unary operation.
    Unary {
        /// The operator.
        op: UnaryOp,
        /// The operand.
        expr: Box<Expr>,
    },
    /// A binary operation.
    Binary {
        /// The operator.
        op: BinOp,
        /// Left operand.
        lhs: Box<Expr>,
        /// Right operand.
        rhs: Box<Expr>,
    },
    /// A chaining arrow between resources, references, collectors or arrays of them.
    Chain {
        /// The arrow.
        arrow: Arrow,
        /// Left operand.
        lhs: Box<Expr>,
        /// Right operand.
        rhs: Box<Expr>,
    },
    /// `$x = value` (or `[$a, $b] = [1, 2]`).
    Assign {
        /// A `Variable`, or an `Array` of them.
        target: Box<Expr>,
        /// The value.
        value: Box<Expr>,
    },
    /// `if c { } elsif c { } else { }`.
    If {
        /// `(condition, body)` for `if` and each `elsif`.
        branches: Vec<(Expr, Vec<Expr>)>,
        /// The `else` body.
        else_body: Option<Vec<Expr>>,
    },
    /// `unless c { } else { }`.
    Unless {
        /// The condition.
        cond: Box<Expr>,
        /// Runs when the condition is false.
        body: Vec<Expr>,
        /// Runs when it is true.
        else_body: Option<Vec<Expr>>,
    },
    /// `case x { ... }`.
    Case {
        /// The value matched.
        subject: Box<Expr>,
        /// Arms in order.
        arms: Vec<CaseArm>,
    },
    /// `x ? { a => 1, default => 2 }`.
    Selector {
        /// The value matched.
        subject: Box<Expr>,
        /// `(option, value)` pairs in order.
        arms: Vec<(Expr, Expr)>,
    },
    /// A function call: `f(a, b)`, `f(a) |$x| { }`, or a statement call without
    /// parentheses (`include web`, `notice 'x'`, `require x`, `contain x`, `realize X[a]`).
    Call {
        /// Function name (may be namespaced: `stdlib::ensure`).
        name: String,
        /// Arguments.
        args: Vec<Expr>,
        /// Attached lambda, if any.
        lambda: Option<Box<Lambda>>,
    },
    /// A method-style call: `$x.each |$v| { }`, `$s.split(',')`, `$a.join`.
    MethodCall {
        /// The receiver, passed as first argument.
        receiver: Box<Expr>,
        /// Function name.
        name: String,
        /// Further arguments.
        args: Vec<Expr>,
        /// Attached lambda, if any.
        lambda: Option<Box<Lambda>>,
    },
    /// `type { title: attrs; ... }`, with `@` (virtual) or `@@` (exported).
    /// For `class { 'web': port => 80 }` the type name is `class`.
    Resource {
        /// Lowercase type name (`file`, `web::vhost`, `class`).
        type_name: String,
        /// Declared with `@`.
        is_virtual: bool,
        /// Declared with `@@`.
        is_exported: bool,
        /// Bodies separated by `;`.
        bodies: Vec<ResourceBody>,
    },
    /// Resource defaults: `File { mode => '0644' }` (capitalised type name).
    ResourceDefaults {
        /// Capitalised type name as written.
        type_name: String,
        /// Attributes.
        attrs: Vec<Attr>,
    },
    /// Resource override: `File['/x'] { mode => '0600' }` or `File <| |> { mode => ... }`.
    ResourceOverride {
        /// A reference (Access on a TypeName) or a Collector.
        target: Box<Expr>,
        /// Attributes.
        attrs: Vec<Attr>,
    },
    /// `Type <| query |>` (or `<<| |>>` when exported).
    Collector {
        /// Capitalised type name as written.
        type_name: String,
        /// The query; `None` collects all.
        query: Option<Box<Query>>,
        /// `<<| |>>`.
        is_exported: bool,
    },
    /// A class definition.
    Class(Box<ClassDef>),
    /// A defined type.
    Define(Box<DefineDef>),
    /// A function definition.
    Function(Box<FunctionDef>),
    /// A node definition.
    Node(Box<NodeDef>),
    /// `( expr )`, kept so that `$x [1]` vs `$x[1]` and precedence stay visible.
    Paren(Box<Expr>),
    /// A `{ ... }` block used as an expression (rare; lambda bodies use `Lambda`).
    Block(Vec<Expr>),
    /// EPP only: literal template text to append to the output.
    EppText(String),
    /// EPP only: `<%= expr %>`, whose value is appended to the output.
    EppRender(Box<Expr>),
}

/// A parsed EPP template: its optional parameter list and its body.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EppTemplate {
    /// `<%- | String $x, Integer $y = 1 | -%>`, if the template declares parameters.
    pub params: Option<Vec<Param>>,
    /// Text, render and code statements in order.
    pub body: Vec<Expr>,
}
