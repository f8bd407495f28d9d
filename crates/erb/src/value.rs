//! Ruby values as a template sees them: what Puppet hands over (nil, true/false, Integer,
//! Float, String, Array, Hash, the `:default` symbol, opaque Puppet objects) and what
//! templates build (symbols, ranges, regexps, match data, exceptions). Arrays, hashes and
//! strings are shared and mutable, as in Ruby: `aliases << x` changes every holder.

use indexmap::IndexMap;
use std::cell::RefCell;
use std::cmp::Ordering;
use std::fmt::Write as _;
use std::rc::Rc;

/// A Ruby array: shared, mutable.
pub type RArray = Rc<RefCell<Vec<Value>>>;
/// A Ruby hash: shared, mutable, in insertion order.
pub type RHash = Rc<RefCell<Hash>>;

/// A Ruby value.
#[derive(Clone, Debug, Default)]
pub enum Value {
    /// `nil` (Puppet's `undef`).
    #[default]
    Nil,
    /// `true` / `false`.
    Bool(bool),
    /// An Integer that fits 64 bits (a larger one makes the renderer decline).
    Int(i64),
    /// A Float.
    Float(f64),
    /// A String.
    Str(Rc<RefCell<String>>),
    /// A Symbol (`:undef`, `:default`, `:item`).
    Sym(Rc<str>),
    /// An Array.
    Array(RArray),
    /// A Hash.
    Hash(RHash),
    /// A Range (`2..5`).
    Range(Rc<Range>),
    /// A Regexp.
    Regexp(Rc<Regexp>),
    /// The MatchData of a successful match.
    Match(Rc<MatchData>),
    /// Anything else: classes, exceptions, Puppet's own objects, the template's `scope`.
    Object(Rc<Object>),
}

/// A Ruby hash's contents.
#[derive(Clone, Debug, Default)]
pub struct Hash {
    /// Entries in insertion order.
    pub map: IndexMap<Key, Value>,
    /// What `h[missing]` gives (`Hash.new(0)`).
    pub default: Value,
}

/// A Range.
#[derive(Clone, Debug)]
pub struct Range {
    /// The first value (nil: beginless).
    pub start: Value,
    /// The last value (nil: endless).
    pub end: Value,
    /// `...` rather than `..`.
    pub exclusive: bool,
}

/// A compiled Regexp with its Ruby source and options.
#[derive(Debug)]
pub struct Regexp {
    /// The source between the slashes.
    pub source: String,
    /// `i`, `m`, `x` as Ruby's option bits (1, 4, 2).
    pub options: u32,
    /// The translation to the `regex` crate's syntax.
    pub re: regex::Regex,
    /// Capture group names, by group index (None for unnamed).
    pub names: Vec<Option<String>>,
}

/// The result of a successful match.
#[derive(Debug)]
pub struct MatchData {
    /// The string matched against.
    pub subject: String,
    /// Byte ranges of the groups (0 = whole match).
    pub groups: Vec<Option<(usize, usize)>>,
    /// Group names by index.
    pub names: Vec<Option<String>>,
}

impl MatchData {
    /// Group `i` as a String value, nil when it did not take part.
    pub fn group(&self, i: usize) -> Value {
        match self.groups.get(i).copied().flatten() {
            Some((a, b)) => Value::str(&self.subject[a..b]),
            None => Value::Nil,
        }
    }
}

/// Objects that are not plain data.
#[derive(Debug)]
pub enum Object {
    /// A class or module constant (`Hash`, `ArgumentError`, `IPAddr`).
    Class(Class),
    /// An exception.
    Exception {
        /// Its class.
        class: Class,
        /// Its message.
        message: String,
    },
    /// A Puppet object without a Ruby data equivalent (a type, a resource reference,
    /// a Sensitive value): it prints as Puppet prints it.
    Opaque {
        /// Its Ruby class name (`Puppet::Pops::Types::PResourceType`).
        class: String,
        /// What `to_s` gives.
        to_s: String,
    },
    /// An `IPAddr`.
    IpAddr(crate::ipaddr::IpAddr),
    /// The template's `scope`.
    Scope,
    /// `:sym.to_proc` (`map(&:to_s)`).
    SymProc(Rc<str>),
    /// What an iterating method returns without a block (`each_with_index`, `map`):
    /// the receiver, the method and its arguments, and the values it would yield.
    Enumerator {
        /// The object iterated.
        receiver: Value,
        /// The method that made it.
        method: Rc<str>,
        /// That method's arguments.
        args: Vec<Value>,
        /// What `each` on the enumerator yields.
        items: Vec<Value>,
    },
}

/// Ruby classes and modules the renderer knows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Class {
    /// A built-in one.
    Builtin(B),
    /// A class known by name only (Puppet's objects).
    Named(Rc<str>),
}

macro_rules! builtins {
    ($($v:ident = $name:literal : $parent:expr),* $(,)?) => {
        /// Built-in classes and modules.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        #[allow(missing_docs)]
        pub enum B { $($v),* }
        impl B {
            /// Ruby's name for it.
            pub fn name(self) -> &'static str {
                match self { $(B::$v => $name),* }
            }
            /// Its superclass (None for BasicObject and modules).
            pub fn superclass(self) -> Option<B> {
                match self { $(B::$v => $parent),* }
            }
            /// The constant for a name (`IPAddr::InvalidAddressError` included).
            pub fn from_name(name: &str) -> Option<B> {
                match name { $($name => Some(B::$v),)* _ => None }
            }
        }
    };
}

builtins! {
    BasicObject = "BasicObject": None,
    Object = "Object": Some(B::BasicObject),
    Kernel = "Kernel": None,
    Comparable = "Comparable": None,
    Enumerable = "Enumerable": None,
    Module = "Module": Some(B::Object),
    ClassClass = "Class": Some(B::Module),
    NilClass = "NilClass": Some(B::Object),
    TrueClass = "TrueClass": Some(B::Object),
    FalseClass = "FalseClass": Some(B::Object),
    Numeric = "Numeric": Some(B::Object),
    Integer = "Integer": Some(B::Numeric),
    Float = "Float": Some(B::Numeric),
    String = "String": Some(B::Object),
    Symbol = "Symbol": Some(B::Object),
    Array = "Array": Some(B::Object),
    Hash = "Hash": Some(B::Object),
    Range = "Range": Some(B::Object),
    Regexp = "Regexp": Some(B::Object),
    MatchData = "MatchData": Some(B::Object),
    Proc = "Proc": Some(B::Object),
    Enumerator = "Enumerator": Some(B::Object),
    IpAddr = "IPAddr": Some(B::Object),
    Exception = "Exception": Some(B::Object),
    ScriptError = "ScriptError": Some(B::Exception),
    NotImplementedError = "NotImplementedError": Some(B::ScriptError),
    StandardError = "StandardError": Some(B::Exception),
    ArgumentError = "ArgumentError": Some(B::StandardError),
    IpAddrError = "IPAddr::Error": Some(B::ArgumentError),
    InvalidAddressError = "IPAddr::InvalidAddressError": Some(B::IpAddrError),
    InvalidPrefixError = "IPAddr::InvalidPrefixError": Some(B::InvalidAddressError),
    AddressFamilyError = "IPAddr::AddressFamilyError": Some(B::IpAddrError),
    EncodingError = "EncodingError": Some(B::StandardError),
    FiberError = "FiberError": Some(B::StandardError),
    IoError = "IOError": Some(B::StandardError),
    IndexError = "IndexError": Some(B::StandardError),
    KeyError = "KeyError": Some(B::IndexError),
    StopIteration = "StopIteration": Some(B::IndexError),
    LocalJumpError = "LocalJumpError": Some(B::StandardError),
    NameError = "NameError": Some(B::StandardError),
    NoMethodError = "NoMethodError": Some(B::NameError),
    RangeError = "RangeError": Some(B::StandardError),
    FloatDomainError = "FloatDomainError": Some(B::RangeError),
    RegexpError = "RegexpError": Some(B::StandardError),
    RuntimeError = "RuntimeError": Some(B::StandardError),
    FrozenError = "FrozenError": Some(B::RuntimeError),
    TypeError = "TypeError": Some(B::StandardError),
    ZeroDivisionError = "ZeroDivisionError": Some(B::StandardError),
    PuppetError = "Puppet::Error": Some(B::RuntimeError),
    PuppetParseError = "Puppet::ParseError": Some(B::PuppetError),
}

impl B {
    /// Whether this is a module (no instances; `is_a?` by inclusion).
    pub fn is_module(self) -> bool {
        matches!(self, B::Kernel | B::Comparable | B::Enumerable)
    }

    /// Whether instances of `self` are `other` (`is_a?`).
    pub fn is_a(self, other: B) -> bool {
        match other {
            B::Kernel => true,
            B::Comparable => {
                matches!(self, B::Integer | B::Float | B::Numeric | B::String)
            }
            B::Enumerable => matches!(self, B::Array | B::Hash | B::Range | B::Enumerator),
            _ => {
                let mut c = Some(self);
                while let Some(k) = c {
                    if k == other {
                        return true;
                    }
                    c = k.superclass();
                }
                false
            }
        }
    }

    /// Whether this class descends from Exception.
    pub fn is_exception(self) -> bool {
        self.is_a(B::Exception)
    }
}

impl Class {
    /// Ruby's name for the class.
    pub fn name(&self) -> &str {
        match self {
            Class::Builtin(b) => b.name(),
            Class::Named(n) => n,
        }
    }
}

/// A hash key: Ruby's `eql?` equality (1 and 1.0 differ, so do "a" and :a). String keys
/// are copies, as Ruby copies (and freezes) them.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Key {
    /// nil.
    Nil,
    /// true/false.
    Bool(bool),
    /// An Integer.
    Int(i64),
    /// A Float by its bits (-0.0 folded into 0.0).
    Float(u64),
    /// A String.
    Str(String),
    /// A Symbol.
    Sym(Rc<str>),
    /// An Array (by contents).
    Array(Vec<Key>),
    /// Anything else, by identity.
    Ident(IdentKey),
}

/// A value compared by identity, for hash keys.
#[derive(Clone, Debug)]
pub struct IdentKey(pub Value);

impl IdentKey {
    fn addr(&self) -> usize {
        match &self.0 {
            Value::Hash(h) => Rc::as_ptr(h) as *const u8 as usize,
            Value::Range(r) => Rc::as_ptr(r) as *const u8 as usize,
            Value::Regexp(r) => Rc::as_ptr(r) as *const u8 as usize,
            Value::Match(m) => Rc::as_ptr(m) as *const u8 as usize,
            Value::Object(o) => Rc::as_ptr(o) as *const u8 as usize,
            _ => 0,
        }
    }
}

impl PartialEq for IdentKey {
    fn eq(&self, other: &Self) -> bool {
        self.addr() == other.addr()
    }
}
impl Eq for IdentKey {}
impl std::hash::Hash for IdentKey {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.addr().hash(state)
    }
}

impl Key {
    /// The value a key stands for (a fresh String for string keys).
    pub fn to_value(&self) -> Value {
        match self {
            Key::Nil => Value::Nil,
            Key::Bool(b) => Value::Bool(*b),
            Key::Int(i) => Value::Int(*i),
            Key::Float(b) => Value::Float(f64::from_bits(*b)),
            Key::Str(s) => Value::str(s),
            Key::Sym(s) => Value::Sym(s.clone()),
            Key::Array(a) => Value::array(a.iter().map(Key::to_value).collect()),
            Key::Ident(v) => v.0.clone(),
        }
    }
}

impl Value {
    /// A new String.
    pub fn str(s: &str) -> Value {
        Value::Str(Rc::new(RefCell::new(s.to_string())))
    }

    /// A new String, taking ownership.
    pub fn string(s: String) -> Value {
        Value::Str(Rc::new(RefCell::new(s)))
    }

    /// A Symbol.
    pub fn sym(s: &str) -> Value {
        Value::Sym(Rc::from(s))
    }

    /// A new Array.
    pub fn array(v: Vec<Value>) -> Value {
        Value::Array(Rc::new(RefCell::new(v)))
    }

    /// A new Hash.
    pub fn hash(map: IndexMap<Key, Value>) -> Value {
        Value::Hash(Rc::new(RefCell::new(Hash {
            map,
            default: Value::Nil,
        })))
    }

    /// An opaque Puppet object.
    pub fn opaque(class: &str, to_s: &str) -> Value {
        Value::Object(Rc::new(Object::Opaque {
            class: class.to_string(),
            to_s: to_s.to_string(),
        }))
    }

    /// A Regexp from Ruby source (None when the renderer cannot match it).
    pub fn regexp(source: &str) -> Option<Value> {
        crate::rregex::compile(source, 0)
            .ok()
            .map(|r| Value::Regexp(Rc::new(r)))
    }

    /// A class constant.
    pub fn class(b: B) -> Value {
        Value::Object(Rc::new(Object::Class(Class::Builtin(b))))
    }

    /// Ruby truthiness: only nil and false are false.
    pub fn truthy(&self) -> bool {
        !matches!(self, Value::Nil | Value::Bool(false))
    }

    /// Whether this is nil.
    pub fn is_nil(&self) -> bool {
        matches!(self, Value::Nil)
    }

    /// The key this value has in a hash.
    pub fn to_key(&self) -> Key {
        match self {
            Value::Nil => Key::Nil,
            Value::Bool(b) => Key::Bool(*b),
            Value::Int(i) => Key::Int(*i),
            Value::Float(f) => Key::Float(if *f == 0.0 { 0 } else { f.to_bits() }),
            Value::Str(s) => Key::Str(s.borrow().clone()),
            Value::Sym(s) => Key::Sym(s.clone()),
            Value::Array(a) => Key::Array(a.borrow().iter().map(Value::to_key).collect()),
            v => Key::Ident(IdentKey(v.clone())),
        }
    }

    /// The value's class.
    pub fn class_of(&self) -> Class {
        let b = match self {
            Value::Nil => B::NilClass,
            Value::Bool(true) => B::TrueClass,
            Value::Bool(false) => B::FalseClass,
            Value::Int(_) => B::Integer,
            Value::Float(_) => B::Float,
            Value::Str(_) => B::String,
            Value::Sym(_) => B::Symbol,
            Value::Array(_) => B::Array,
            Value::Hash(_) => B::Hash,
            Value::Range(_) => B::Range,
            Value::Regexp(_) => B::Regexp,
            Value::Match(_) => B::MatchData,
            Value::Object(o) => match &**o {
                Object::Class(c) => match c {
                    Class::Builtin(b) if b.is_module() => B::Module,
                    _ => B::ClassClass,
                },
                Object::Exception { class, .. } => return class.clone(),
                Object::Opaque { class, .. } => return Class::Named(Rc::from(class.as_str())),
                Object::IpAddr(_) => B::IpAddr,
                Object::Scope => return Class::Named(Rc::from("Puppet::Parser::Scope")),
                Object::SymProc(_) => B::Proc,
                Object::Enumerator { .. } => B::Enumerator,
            },
        };
        Class::Builtin(b)
    }

    /// Whether the value is an instance of `class` (`is_a?`).
    pub fn is_a(&self, class: &Class) -> bool {
        match (self.class_of(), class) {
            (Class::Builtin(mine), Class::Builtin(other)) => mine.is_a(*other),
            (Class::Named(mine), Class::Named(other)) => mine == *other,
            (Class::Named(_), Class::Builtin(other)) => {
                matches!(other, B::Object | B::BasicObject | B::Kernel)
            }
            (Class::Builtin(_), Class::Named(_)) => false,
        }
    }

    /// The String's contents (None for other values).
    pub fn as_str(&self) -> Option<std::cell::Ref<'_, String>> {
        match self {
            Value::Str(s) => Some(s.borrow()),
            _ => None,
        }
    }

    /// Same object (`equal?`).
    pub fn same(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Str(a), Value::Str(b)) => Rc::ptr_eq(a, b),
            (Value::Array(a), Value::Array(b)) => Rc::ptr_eq(a, b),
            (Value::Hash(a), Value::Hash(b)) => Rc::ptr_eq(a, b),
            (Value::Object(a), Value::Object(b)) => Rc::ptr_eq(a, b),
            (Value::Range(a), Value::Range(b)) => Rc::ptr_eq(a, b),
            (Value::Regexp(a), Value::Regexp(b)) => Rc::ptr_eq(a, b),
            (Value::Match(a), Value::Match(b)) => Rc::ptr_eq(a, b),
            (Value::Float(a), Value::Float(b)) => a.to_bits() == b.to_bits(),
            (a, b) => eq(a, b),
        }
    }
}

/// Ruby's `==`.
pub fn eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Nil, Value::Nil) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Int(x), Value::Int(y)) => x == y,
        (Value::Float(x), Value::Float(y)) => x == y,
        (Value::Int(x), Value::Float(y)) | (Value::Float(y), Value::Int(x)) => (*x as f64) == *y,
        (Value::Str(x), Value::Str(y)) => Rc::ptr_eq(x, y) || *x.borrow() == *y.borrow(),
        (Value::Sym(x), Value::Sym(y)) => x == y,
        (Value::Array(x), Value::Array(y)) => {
            if Rc::ptr_eq(x, y) {
                return true;
            }
            let (x, y) = (x.borrow(), y.borrow());
            x.len() == y.len() && x.iter().zip(y.iter()).all(|(a, b)| eq(a, b))
        }
        (Value::Hash(x), Value::Hash(y)) => {
            if Rc::ptr_eq(x, y) {
                return true;
            }
            let (x, y) = (x.borrow(), y.borrow());
            x.map.len() == y.map.len()
                && x.map
                    .iter()
                    .all(|(k, v)| y.map.get(k).is_some_and(|w| eq(v, w)))
        }
        (Value::Range(x), Value::Range(y)) => {
            x.exclusive == y.exclusive && eq(&x.start, &y.start) && eq(&x.end, &y.end)
        }
        (Value::Regexp(x), Value::Regexp(y)) => x.source == y.source && x.options == y.options,
        (Value::Object(x), Value::Object(y)) => match (&**x, &**y) {
            (Object::Class(a), Object::Class(b)) => a == b,
            (Object::IpAddr(a), Object::IpAddr(b)) => a == b,
            (Object::SymProc(a), Object::SymProc(b)) => a == b,
            _ => Rc::ptr_eq(x, y),
        },
        (Value::Match(x), Value::Match(y)) => Rc::ptr_eq(x, y),
        _ => false,
    }
}

/// Ruby's `<=>` for the values it is defined on; None where Ruby answers nil.
pub fn cmp(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => Some(x.cmp(y)),
        (Value::Float(x), Value::Float(y)) => x.partial_cmp(y),
        (Value::Int(x), Value::Float(y)) => (*x as f64).partial_cmp(y),
        (Value::Float(x), Value::Int(y)) => x.partial_cmp(&(*y as f64)),
        (Value::Str(x), Value::Str(y)) => Some(x.borrow().as_bytes().cmp(y.borrow().as_bytes())),
        (Value::Sym(x), Value::Sym(y)) => Some(x.as_bytes().cmp(y.as_bytes())),
        (Value::Array(x), Value::Array(y)) => {
            if Rc::ptr_eq(x, y) {
                return Some(Ordering::Equal);
            }
            let (x, y) = (x.borrow().clone(), y.borrow().clone());
            for (a, b) in x.iter().zip(y.iter()) {
                match cmp(a, b)? {
                    Ordering::Equal => {}
                    o => return Some(o),
                }
            }
            Some(x.len().cmp(&y.len()))
        }
        (a, b) if a.same(b) || eq(a, b) => Some(Ordering::Equal),
        _ => None,
    }
}

/// Ruby's `Float#to_s`: the shortest digits that read back the same, laid out fixed
/// between 1e-4 and 1e16, with an exponent outside.
pub fn float_to_s(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0.0" } else { "0.0" }.into();
    }
    let e = format!("{:e}", f.abs());
    let (mant, exp) = e.split_once('e').unwrap_or((&e, "0"));
    let digits: String = mant.chars().filter(|c| *c != '.').collect();
    let exp: i32 = exp.parse().unwrap_or(0);
    let decpt = exp + 1;
    let mut out = String::new();
    if f < 0.0 {
        out.push('-');
    }
    let n = digits.len() as i32;
    if decpt > 0 && decpt <= 15 {
        if n <= decpt {
            out.push_str(&digits);
            out.extend(std::iter::repeat_n('0', (decpt - n) as usize));
            out.push_str(".0");
        } else {
            out.push_str(&digits[..decpt as usize]);
            out.push('.');
            out.push_str(&digits[decpt as usize..]);
        }
    } else if decpt <= 0 && decpt > -4 {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', (-decpt) as usize));
        out.push_str(&digits);
    } else {
        out.push_str(&digits[..1]);
        out.push('.');
        if n > 1 {
            out.push_str(&digits[1..]);
        } else {
            out.push('0');
        }
        let x = decpt - 1;
        let _ = write!(out, "e{}{:02}", if x < 0 { '-' } else { '+' }, x.abs());
    }
    out
}

/// Ruby's `String#inspect` for UTF-8 strings.
pub fn str_inspect(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    let mut it = s.chars().peekable();
    while let Some(c) = it.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{c}' => out.push_str("\\f"),
            '\u{b}' => out.push_str("\\v"),
            '\u{8}' => out.push_str("\\b"),
            '\u{7}' => out.push_str("\\a"),
            '\u{1b}' => out.push_str("\\e"),
            '#' if matches!(it.peek(), Some('{' | '$' | '@')) => out.push_str("\\#"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Ruby's `Symbol#inspect`.
pub fn sym_inspect(s: &str) -> String {
    let plain_ident = {
        let body = s.strip_suffix(['?', '!', '=']).unwrap_or(s);
        let mut cs = body.chars();
        matches!(cs.next(), Some(c) if c.is_alphabetic() || c == '_' || !c.is_ascii())
            && cs.all(|c| c.is_alphanumeric() || c == '_' || !c.is_ascii())
    };
    let ivar = s
        .strip_prefix("@@")
        .or_else(|| s.strip_prefix('@'))
        .or_else(|| s.strip_prefix('$'))
        .is_some_and(|r| {
            let mut cs = r.chars();
            matches!(cs.next(), Some(c) if c.is_alphabetic() || c == '_')
                && cs.all(|c| c.is_alphanumeric() || c == '_')
        });
    const OPS: &[&str] = &[
        "+", "-", "*", "/", "%", "**", "==", "===", "!=", "<=>", "<", "<=", ">", ">=", "<<", ">>",
        "!", "~", "=~", "!~", "[]", "[]=", "&", "|", "^", "+@", "-@",
    ];
    if plain_ident || ivar || OPS.contains(&s) {
        format!(":{s}")
    } else {
        format!(":{}", str_inspect(s))
    }
}

/// `to_s` of plain values (what `<%= %>` prints).
pub fn to_s(v: &Value) -> String {
    match v {
        Value::Nil => String::new(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => float_to_s(*f),
        Value::Str(s) => s.borrow().clone(),
        Value::Sym(s) => s.to_string(),
        Value::Array(_) | Value::Hash(_) => inspect(v),
        Value::Range(r) => format!(
            "{}{}{}",
            to_s(&r.start),
            if r.exclusive { "..." } else { ".." },
            to_s(&r.end)
        ),
        Value::Regexp(r) => regexp_to_s(r),
        Value::Match(m) => m.group(0).as_str().map(|s| s.clone()).unwrap_or_default(),
        Value::Object(o) => match &**o {
            Object::Class(c) => c.name().to_string(),
            Object::Exception { message, .. } => message.clone(),
            Object::Opaque { to_s, .. } => to_s.clone(),
            Object::IpAddr(a) => a.to_s(),
            Object::Scope => "Scope()".into(),
            Object::SymProc(_) => "#<Proc:(&:sym) (lambda)>".into(),
            Object::Enumerator { .. } => inspect(v),
        },
    }
}

fn regexp_opts(options: u32) -> String {
    let mut s = String::new();
    if options & 4 != 0 {
        s.push('m');
    }
    if options & 1 != 0 {
        s.push('i');
    }
    if options & 2 != 0 {
        s.push('x');
    }
    s
}

fn regexp_to_s(r: &Regexp) -> String {
    let on = regexp_opts(r.options);
    let mut off = String::new();
    for (bit, c) in [(4, 'm'), (1, 'i'), (2, 'x')] {
        if r.options & bit == 0 {
            off.push(c);
        }
    }
    format!(
        "(?{on}{}{off}:{})",
        if off.is_empty() { "" } else { "-" },
        r.source
    )
}

/// Ruby's `inspect` (`p x`, `Array#to_s`, `Hash#to_s`).
pub fn inspect(v: &Value) -> String {
    let mut out = String::new();
    inspect_into(v, &mut out, &mut Vec::new());
    out
}

fn inspect_into(v: &Value, out: &mut String, seen: &mut Vec<usize>) {
    match v {
        Value::Nil => out.push_str("nil"),
        Value::Str(s) => out.push_str(&str_inspect(&s.borrow())),
        Value::Sym(s) => out.push_str(&sym_inspect(s)),
        Value::Array(a) => {
            let id = Rc::as_ptr(a) as *const u8 as usize;
            if seen.contains(&id) {
                out.push_str("[...]");
                return;
            }
            seen.push(id);
            out.push('[');
            for (i, x) in a.borrow().iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                inspect_into(x, out, seen);
            }
            out.push(']');
            seen.pop();
        }
        Value::Hash(h) => {
            let id = Rc::as_ptr(h) as *const u8 as usize;
            if seen.contains(&id) {
                out.push_str("{...}");
                return;
            }
            seen.push(id);
            out.push('{');
            for (i, (k, x)) in h.borrow().map.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                inspect_into(&k.to_value(), out, seen);
                out.push_str("=>");
                inspect_into(x, out, seen);
            }
            out.push('}');
            seen.pop();
        }
        Value::Range(r) => {
            inspect_into(&r.start, out, seen);
            out.push_str(if r.exclusive { "..." } else { ".." });
            inspect_into(&r.end, out, seen);
        }
        Value::Regexp(r) => {
            let _ = write!(out, "/{}/{}", r.source, regexp_opts(r.options));
        }
        Value::Match(m) => {
            out.push_str("#<MatchData ");
            out.push_str(&inspect(&m.group(0)));
            for i in 1..m.groups.len() {
                out.push(' ');
                match m.names.get(i).cloned().flatten() {
                    Some(n) => out.push_str(&n),
                    None => out.push_str(&i.to_string()),
                }
                out.push(':');
                out.push_str(&inspect(&m.group(i)));
            }
            out.push('>');
        }
        Value::Object(o) => match &**o {
            Object::Exception { class, message } => {
                if message.is_empty() {
                    out.push_str(class.name());
                } else {
                    let _ = write!(out, "#<{}: {}>", class.name(), message);
                }
            }
            Object::Opaque { class, to_s } => {
                if class.ends_with("Sensitive") {
                    out.push_str("#<Sensitive [value redacted]>");
                } else {
                    let _ = write!(out, "#<{class} {to_s}>");
                }
            }
            Object::IpAddr(a) => out.push_str(&a.inspect()),
            Object::Enumerator {
                receiver,
                method,
                args,
                ..
            } => {
                out.push_str("#<Enumerator: ");
                inspect_into(receiver, out, seen);
                out.push(':');
                out.push_str(method);
                if !args.is_empty() {
                    out.push('(');
                    for (i, a) in args.iter().enumerate() {
                        if i > 0 {
                            out.push_str(", ");
                        }
                        inspect_into(a, out, seen);
                    }
                    out.push(')');
                }
                out.push('>');
            }
            _ => out.push_str(&to_s(v)),
        },
        _ => out.push_str(&to_s(v)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_print_as_ruby_prints_them() {
        for (f, s) in [
            (1e14, "100000000000000.0"),
            (1e15, "1.0e+15"),
            (1234567890123456.0, "1.234567890123456e+15"),
            (0.0001, "0.0001"),
            (0.00012, "0.00012"),
            (0.00001, "1.0e-05"),
            (2.5e-5, "2.5e-05"),
            (100.0, "100.0"),
            (1.5, "1.5"),
            (-0.0, "-0.0"),
            (1.0 / 3.0, "0.3333333333333333"),
            (12345678901234567.0, "1.2345678901234568e+16"),
        ] {
            assert_eq!(float_to_s(f), s, "{f}");
        }
    }

    #[test]
    fn inspect_matches_ruby_3_1() {
        let h = Value::hash(
            [
                (Key::Str("a".into()), Value::Int(1)),
                (
                    Key::Sym("b".into()),
                    Value::array(vec![Value::Nil, Value::Float(1.5), Value::str("x\"#{")]),
                ),
            ]
            .into_iter()
            .collect(),
        );
        assert_eq!(inspect(&h), r#"{"a"=>1, :b=>[nil, 1.5, "x\"\#{"]}"#);
        assert_eq!(sym_inspect("foo bar"), r#":"foo bar""#);
        assert_eq!(sym_inspect("empty?"), ":empty?");
        assert_eq!(str_inspect("\u{1}é"), r#""\u0001é""#);
    }
}
