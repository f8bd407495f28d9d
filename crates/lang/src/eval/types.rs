//! Puppet's type system as values: the types (`String[1]`, `Array[Integer, 1]`,
//! `Struct[{...}]`, `Variant[...]`, aliases), whether a value is an instance of a type,
//! whether one type is assignable to another (what `<`, `<=`, `=~` and `in` mean on
//! types), the type of a value (`type_of`), and printing types exactly as Puppet 7 prints
//! them. The rules follow Puppet's `Puppet::Pops::Types` (types.rb, type_calculator.rb,
//! type_formatter.rb), case for case.

use super::unroot;
use super::value::Val;
use std::cell::RefCell;
use std::fmt;
use std::rc::Rc;

/// Unbounded integer range ends (Puppet's `-Infinity`/`Infinity`).
pub(crate) const MAXI: i64 = i64::MAX;
pub(crate) const MINI: i64 = i64::MIN;

/// A named type alias (`type Stdlib::Port = Integer[0, 65535]`, or a built-in one such as
/// `Data`). The resolved type is filled in after creation so that an alias can refer to
/// itself (`type Tree = Array[Variant[Integer, Tree]]`).
#[derive(Debug)]
pub(crate) struct Alias {
    pub(crate) name: String,
    pub(crate) resolved: RefCell<Ty>,
}

/// An element of a `Struct`: its key, whether the key must be present, and the value type.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct StructElem {
    pub(crate) key: String,
    /// The key must be present (a plain key whose value type rejects `undef`, or
    /// `NotUndef['key']`).
    pub(crate) required: bool,
    pub(crate) value: Ty,
}

/// A Puppet type.
#[derive(Debug, Clone)]
pub(crate) enum Ty {
    Any,
    Unit,
    Undef,
    Default,
    NotUndef(Option<Box<Ty>>),
    Boolean(Option<bool>),
    Scalar,
    ScalarData,
    Numeric,
    Integer(i64, i64),
    Float(f64, f64),
    /// `String[min, max]`.
    String(i64, i64),
    /// The type of one string value (what `type_of('abc')` infers; prints as `String`).
    StrVal(String),
    /// `Regexp`, or `Regexp[/src/]`.
    Regexp(Option<String>),
    Pattern(Vec<String>),
    /// Values, and whether matching ignores case.
    Enum(Vec<String>, bool),
    Collection(i64, i64),
    Array(Box<Ty>, i64, i64),
    Hash(Box<Ty>, Box<Ty>, i64, i64),
    /// Element types and an explicit size range, if given.
    Tuple(Vec<Ty>, Option<(i64, i64)>),
    Struct(Vec<StructElem>),
    Optional(Option<Box<Ty>>),
    Variant(Vec<Ty>),
    Iterable(Option<Box<Ty>>),
    Iterator(Option<Box<Ty>>),
    /// `Callable[...]`, kept as written (converge has no callable values to match).
    Callable(Vec<Val>),
    CatalogEntry,
    /// A resource type (lowercase name; `None` for `Resource`), optionally with a title.
    Resource(Option<String>, Option<String>),
    /// `Class`, or `Class[name]` (lowercase, without a leading `::`).
    Class(Option<String>),
    Type(Option<Box<Ty>>),
    Sensitive(Option<Box<Ty>>),
    Binary,
    /// Nanoseconds since the epoch, each end optional.
    Timestamp(Option<i128>, Option<i128>),
    /// Nanoseconds, each end optional.
    Timespan(Option<i128>, Option<i128>),
    SemVer,
    SemVerRange,
    Init(Option<Box<Ty>>),
    Runtime,
    /// Types converge knows by name but models no further (`Object`, `TypeSet`, `URI`,
    /// `Error`, `Deferred`): they print and compare by name and match no value.
    Named(&'static str),
    Alias(Rc<Alias>),
}

impl PartialEq for Ty {
    fn eq(&self, other: &Ty) -> bool {
        use Ty::*;
        match (self, other) {
            (Alias(a), Alias(b)) => Rc::ptr_eq(a, b) || a.name == b.name,
            (Any, Any)
            | (Unit, Unit)
            | (Undef, Undef)
            | (Default, Default)
            | (Scalar, Scalar)
            | (ScalarData, ScalarData)
            | (Numeric, Numeric)
            | (CatalogEntry, CatalogEntry)
            | (Binary, Binary)
            | (SemVer, SemVer)
            | (SemVerRange, SemVerRange)
            | (Runtime, Runtime) => true,
            (NotUndef(a), NotUndef(b))
            | (Optional(a), Optional(b))
            | (Iterable(a), Iterable(b))
            | (Iterator(a), Iterator(b))
            | (Type(a), Type(b))
            | (Sensitive(a), Sensitive(b))
            | (Init(a), Init(b)) => a == b,
            (Boolean(a), Boolean(b)) => a == b,
            (Integer(a, b), Integer(c, d))
            | (String(a, b), String(c, d))
            | (Collection(a, b), Collection(c, d)) => a == c && b == d,
            (Float(a, b), Float(c, d)) => a == c && b == d,
            (StrVal(a), StrVal(b)) => a == b,
            (Regexp(a), Regexp(b)) => a == b,
            (Pattern(a), Pattern(b)) => a == b,
            (Enum(a, x), Enum(b, y)) => a == b && x == y,
            (Array(a, x, y), Array(b, z, w)) => a == b && x == z && y == w,
            (Hash(a, b, x, y), Hash(c, d, z, w)) => a == c && b == d && x == z && y == w,
            (Tuple(a, x), Tuple(b, y)) => a == b && x == y,
            (Struct(a), Struct(b)) => a == b,
            (Variant(a), Variant(b)) => a == b,
            (Callable(a), Callable(b)) => a == b,
            (Resource(a, x), Resource(b, y)) => a == b && x == y,
            (Class(a), Class(b)) => a == b,
            (Timestamp(a, x), Timestamp(b, y)) | (Timespan(a, x), Timespan(b, y)) => {
                a == b && x == y
            }
            (Named(a), Named(b)) => a == b,
            _ => false,
        }
    }
}

fn bx(t: Ty) -> Box<Ty> {
    Box::new(t)
}

/// The built-in aliases (`Data`, `RichData`, ...), made once per thread: they refer to
/// themselves, so they are shared rather than rebuilt.
fn builtin_alias(name: &str) -> Option<Ty> {
    thread_local! {
        static ALIASES: Vec<Rc<Alias>> = make_builtin_aliases();
    }
    ALIASES.with(|all| {
        all.iter()
            .find(|a| a.name == name)
            .map(|a| Ty::Alias(a.clone()))
    })
}

fn make_builtin_aliases() -> Vec<Rc<Alias>> {
    let mk = |name: &str| {
        Rc::new(Alias {
            name: name.to_string(),
            resolved: RefCell::new(Ty::Any),
        })
    };
    let data = mk("Data");
    let key = mk("RichDataKey");
    let rich = mk("RichData");
    *data.resolved.borrow_mut() = Ty::Variant(vec![
        Ty::ScalarData,
        Ty::Undef,
        Ty::Hash(
            bx(Ty::String(0, MAXI)),
            bx(Ty::Alias(data.clone())),
            0,
            MAXI,
        ),
        Ty::Array(bx(Ty::Alias(data.clone())), 0, MAXI),
    ]);
    *key.resolved.borrow_mut() = Ty::Variant(vec![Ty::String(0, MAXI), Ty::Numeric]);
    *rich.resolved.borrow_mut() = Ty::Variant(vec![
        Ty::Scalar,
        Ty::SemVerRange,
        Ty::Binary,
        Ty::Sensitive(None),
        Ty::Type(None),
        Ty::Named("TypeSet"),
        Ty::Named("URI"),
        Ty::Named("Object"),
        Ty::Undef,
        Ty::Default,
        Ty::Hash(
            bx(Ty::Alias(key.clone())),
            bx(Ty::Alias(rich.clone())),
            0,
            MAXI,
        ),
        Ty::Array(bx(Ty::Alias(rich.clone())), 0, MAXI),
    ]);
    let lookup_key = mk("Puppet::LookupKey");
    *lookup_key.resolved.borrow_mut() = Ty::Alias(key.clone());
    let lookup_value = mk("Puppet::LookupValue");
    *lookup_value.resolved.borrow_mut() = Ty::Alias(rich.clone());
    vec![data, key, rich, lookup_key, lookup_value]
}

/// A built-in type from its bare capitalised name; `None` when the name is not one (then
/// it is an alias, a resource type, a define, or unknown).
pub(crate) fn from_name(name: &str) -> Option<Ty> {
    let n = unroot(name);
    Some(match n {
        "Any" => Ty::Any,
        "Unit" => Ty::Unit,
        "Undef" => Ty::Undef,
        "Default" => Ty::Default,
        "NotUndef" => Ty::NotUndef(None),
        "Boolean" => Ty::Boolean(None),
        "Integer" => Ty::Integer(MINI, MAXI),
        "Float" => Ty::Float(f64::NEG_INFINITY, f64::INFINITY),
        "Numeric" => Ty::Numeric,
        "String" => Ty::String(0, MAXI),
        "Enum" => Ty::Enum(Vec::new(), false),
        "Pattern" => Ty::Pattern(Vec::new()),
        "Regexp" => Ty::Regexp(None),
        "Scalar" => Ty::Scalar,
        "ScalarData" => Ty::ScalarData,
        "Collection" => Ty::Collection(0, MAXI),
        "Array" => Ty::Array(bx(Ty::Any), 0, MAXI),
        "Hash" => Ty::Hash(bx(Ty::Any), bx(Ty::Any), 0, MAXI),
        "Tuple" => Ty::Tuple(Vec::new(), None),
        "Struct" => Ty::Struct(Vec::new()),
        "Optional" => Ty::Optional(None),
        "Variant" => Ty::Variant(Vec::new()),
        "Iterable" => Ty::Iterable(None),
        "Iterator" => Ty::Iterator(None),
        "Callable" => Ty::Callable(Vec::new()),
        "CatalogEntry" => Ty::CatalogEntry,
        "Resource" => Ty::Resource(None, None),
        "Class" => Ty::Class(None),
        "Type" => Ty::Type(None),
        "Sensitive" => Ty::Sensitive(None),
        "Binary" => Ty::Binary,
        "Timestamp" => Ty::Timestamp(None, None),
        "Timespan" => Ty::Timespan(None, None),
        "SemVer" => Ty::SemVer,
        "SemVerRange" => Ty::SemVerRange,
        "Init" => Ty::Init(None),
        "Runtime" => Ty::Runtime,
        "Object" => Ty::Named("Object"),
        "TypeSet" => Ty::Named("TypeSet"),
        "URI" => Ty::Named("URI"),
        "Error" => Ty::Named("Error"),
        "Deferred" => Ty::Named("Deferred"),
        "TypeReference" => Ty::Named("TypeReference"),
        "TypeAlias" => Ty::Named("TypeAlias"),
        _ => return builtin_alias(n),
    })
}

/// Puppet's label of a type in messages: `Integer-Type`.
fn type_label(t: &Ty) -> String {
    format!("{t}-Type")
}

/// "a"/"an" for a word, as Puppet's label provider picks it.
pub(crate) fn article(word: &str) -> &'static str {
    match word.chars().next().map(|c| c.to_ascii_lowercase()) {
        Some('a' | 'e' | 'i' | 'o' | 'u' | 'y') => "an",
        _ => "a",
    }
}

/// Puppet's BAD_TYPE_SLICE_ARITY message. Some types name themselves with an article
/// (`A Regexp-Type[]`), others as a bare label (`Hash-Type[]`), as Puppet's access
/// operator passes them.
fn arity_error(base: &Ty, min: usize, max: Option<usize>, actual: usize) -> String {
    let label = base_label(base);
    let with_article = matches!(
        base,
        Ty::Regexp(_)
            | Ty::Timestamp(..)
            | Ty::Timespan(..)
            | Ty::Callable(_)
            | Ty::Enum(..)
            | Ty::Variant(_)
            | Ty::Pattern(_)
            | Ty::Struct(_)
            | Ty::Boolean(_)
            | Ty::Tuple(..)
            | Ty::Runtime
            | Ty::SemVer
    );
    let l = if with_article {
        format!(
            "{}{} {label}",
            article(&label)[..1].to_uppercase(),
            &article(&label)[1..]
        )
    } else {
        label
    };
    match max {
        None => format!("{l}[] accepts {min} or more arguments. Got {actual}"),
        Some(m) if m != min => format!("{l}[] accepts {min} to {m} arguments. Got {actual}"),
        _ => format!(
            "{l}[] accepts {min} argument{}. Got {actual}",
            if min == 1 { "" } else { "s" }
        ),
    }
}

/// The label of an unparameterised base type (`Array-Type`).
fn base_label(t: &Ty) -> String {
    type_label(t)
}

/// The label of a value in messages (`String`, `Integer`, `Integer-Type`).
pub(crate) fn value_label(v: &Val) -> String {
    match v {
        Val::Type(t) => type_label(t),
        Val::Ref(r) => format!("{} Resource-Reference", Val::Ref(r.clone())),
        Val::Undef => "Undef Value".into(),
        v => v.type_name(),
    }
}

/// A size or range argument: an Integer, or `default`.
fn int_or_default(v: &Val) -> Option<Option<i64>> {
    match v {
        Val::Int(i) => Some(Some(*i)),
        Val::Default => Some(None),
        _ => None,
    }
}

/// The `[min, max]` size arguments of a collection type (integers, `default`, or one
/// `Integer[...]` type).
fn size_args(args: &[Val]) -> Result<(i64, i64), String> {
    if let [Val::Type(Ty::Integer(a, b))] = args {
        return Ok((if *a == MINI { 0 } else { *a }, *b));
    }
    let mut out = [None, None];
    for (i, a) in args.iter().enumerate().take(2) {
        match int_or_default(a) {
            Some(v) => out[i] = v,
            None => {
                return Err(format!(
                    "A Type's size constraint arguments must be a single Integer type, or 1-2 integers (or default). Got {} {}",
                    article(&value_label(a)),
                    value_label(a)
                ))
            }
        }
    }
    let min = out[0].unwrap_or(0);
    let max = if args.len() >= 2 {
        out[1].unwrap_or(MAXI)
    } else {
        MAXI
    };
    Ok((min, max))
}

fn type_arg(base: &str, v: &Val) -> Result<Ty, String> {
    match v {
        Val::Type(t) => Ok(t.clone()),
        Val::Ref(r) => Ok(ref_type(r)),
        v => Err(format!(
            "{base}[] arguments must be types. Got {}",
            ruby_class(v)
        )),
    }
}

/// The Ruby class Puppet names in some messages ("Got String", "Got Integer").
fn ruby_class(v: &Val) -> String {
    match v {
        Val::Undef => "NilClass".into(),
        Val::Default => "Symbol".into(),
        Val::Bool(true) => "TrueClass".into(),
        Val::Bool(false) => "FalseClass".into(),
        Val::Type(t) => format!("Puppet::Pops::Types::P{}Type", base_name(t)),
        v => v.type_name(),
    }
}

/// A resource reference as a type (`Notify['x']`, `Class['web']`).
pub(crate) fn ref_type(r: &converge_catalog::ResourceRef) -> Ty {
    if r.is_class() {
        Ty::Class(Some(r.title.to_lowercase()))
    } else {
        Ty::Resource(Some(r.type_lower()), Some(r.title.clone()))
    }
}

/// The name of a type without parameters (`Integer` for `Integer[1]`).
pub(crate) fn base_name(t: &Ty) -> String {
    let s = t.to_string();
    s.split('[').next().unwrap_or("").to_string()
}

fn flatten(args: &[Val]) -> Vec<Val> {
    let mut out = Vec::new();
    for a in args {
        match a {
            Val::Array(x) => out.extend(flatten(x)),
            v => out.push(v.clone()),
        }
    }
    out
}

/// `Base[args]`: a parameterised type, with Puppet's messages for bad arguments.
pub(crate) fn parameterize(base: &Ty, args: &[Val]) -> Result<Ty, String> {
    let n = args.len();
    let arity = |min: usize, max: Option<usize>| -> Result<(), String> {
        if n < min || max.is_some_and(|m| n > m) {
            Err(arity_error(base, min, max, n))
        } else {
            Ok(())
        }
    };
    Ok(match base {
        Ty::Integer(..) => {
            if n == 0 || n > 2 {
                return Err(format!(
                    "Integer-Type supports [] with one or two arguments (from, to). Got {n}"
                ));
            }
            let mut ends = [MINI, MAXI];
            for (i, a) in args.iter().enumerate() {
                match int_or_default(a) {
                    Some(Some(v)) => ends[i] = v,
                    Some(None) => {}
                    None => {
                        return Err(format!(
                        "Integer-Type [] requires all arguments to be integers (or default). Got {}",
                        value_label(a)
                    ))
                    }
                }
            }
            if n == 1 {
                ends[1] = MAXI;
            }
            if ends[0] > ends[1] {
                // Puppet's message has lost its closing parenthesis.
                return Err(format!(
                    "Error while evaluating a '[]' expression, 'from' must be less or equal to 'to'. Got ({}, {}",
                    ends[0], ends[1]
                ));
            }
            Ty::Integer(ends[0], ends[1])
        }
        Ty::Float(..) => {
            if n == 0 || n > 2 {
                return Err(format!(
                    "Float-Type supports [] with one or two arguments (from, to). Got {n}"
                ));
            }
            let mut ends = [f64::NEG_INFINITY, f64::INFINITY];
            for (i, a) in args.iter().enumerate() {
                match a {
                    Val::Int(v) => ends[i] = *v as f64,
                    Val::Float(v) => ends[i] = *v,
                    Val::Default => {}
                    v => {
                        return Err(format!(
                        "Float-Type [] requires all arguments to be floats, or integers (or default). Got {}",
                        value_label(v)
                    ))
                    }
                }
            }
            if ends[0] > ends[1] {
                return Err(format!(
                    "Error while evaluating a '[]' expression, 'from' must be less or equal to 'to'. Got ({}, {}",
                    fmt_float(ends[0]),
                    fmt_float(ends[1])
                ));
            }
            Ty::Float(ends[0], ends[1])
        }
        Ty::String(..) => {
            if n == 0 || n > 2 {
                return Err(format!("String-Type[] accepts 1 to 2 arguments. Got {n}"));
            }
            let (a, b) = size_args(args)?;
            Ty::String(a, b)
        }
        Ty::Collection(..) => {
            arity(1, Some(2))?;
            let (a, b) = size_args(args)?;
            Ty::Collection(a, b)
        }
        Ty::Enum(..) => {
            let mut vals = Vec::new();
            let mut ci = false;
            for (i, a) in args.iter().enumerate() {
                match a {
                    Val::Str(s) => vals.push(s.clone()),
                    Val::Array(x) => {
                        for v in flatten(x) {
                            match v {
                                Val::Str(s) => vals.push(s),
                                v => return Err(enum_arg_error(&v)),
                            }
                        }
                    }
                    Val::Bool(b) if i + 1 == n && i > 0 => ci = *b,
                    v => return Err(enum_arg_error(v)),
                }
            }
            // Puppet keeps an enum's values sorted and unique.
            vals.sort();
            vals.dedup();
            Ty::Enum(vals, ci)
        }
        Ty::Pattern(_) => {
            let mut pats = Vec::new();
            for a in flatten(args) {
                match a {
                    Val::Str(s) | Val::Regex(s) => {
                        converge_rubyre::Regex::cached(&s).map_err(|e| {
                            format!("Error while evaluating a '[]' expression, {e}")
                        })?;
                        pats.push(s)
                    }
                    Val::Type(Ty::Regexp(Some(s))) => pats.push(s),
                    Val::Type(Ty::Pattern(ps)) => pats.extend(ps),
                    v => {
                        return Err(specialization_error(
                            base,
                            &v,
                            "String or Regexp or Pattern-Type or Regexp-Type",
                        ))
                    }
                }
            }
            Ty::Pattern(pats)
        }
        Ty::Regexp(_) => {
            arity(1, Some(1))?;
            match &args[0] {
                Val::Str(s) | Val::Regex(s) => {
                    converge_rubyre::Regex::cached(s)
                        .map_err(|e| format!("Error while evaluating a '[]' expression, {e}"))?;
                    Ty::Regexp(Some(s.clone()))
                }
                v => return Err(specialization_error(base, v, "String or Regexp")),
            }
        }
        Ty::Boolean(_) => {
            arity(1, Some(1))?;
            match &args[0] {
                Val::Bool(b) => Ty::Boolean(Some(*b)),
                v => return Err(specialization_error(base, v, "Boolean or Boolean")),
            }
        }
        Ty::Array(..) => {
            arity(1, Some(3))?;
            match &args[0] {
                Val::Int(_) | Val::Default if n <= 2 => {
                    let (a, b) = size_args(args)?;
                    Ty::Array(bx(Ty::Any), a, b)
                }
                v => {
                    let elem = type_arg("Array-Type", v)?;
                    let (a, b) = if n > 1 {
                        size_args(&args[1..])?
                    } else {
                        (0, MAXI)
                    };
                    Ty::Array(bx(elem), a, b)
                }
            }
        }
        Ty::Hash(..) => {
            if n == 1 {
                if let Val::Int(_) | Val::Default = args[0] {
                    let (a, b) = size_args(args)?;
                    return Ok(Ty::Hash(bx(Ty::Any), bx(Ty::Any), a, b));
                }
            }
            if n == 2 {
                if let (Val::Int(_) | Val::Default, Val::Int(_) | Val::Default) =
                    (&args[0], &args[1])
                {
                    let (a, b) = size_args(args)?;
                    return Ok(Ty::Hash(bx(Ty::Any), bx(Ty::Any), a, b));
                }
            }
            if !(2..=4).contains(&n) {
                return Err(arity_error(base, 2, Some(4), n));
            }
            let k = type_arg("Hash-Type", &args[0])?;
            let v = type_arg("Hash-Type", &args[1])?;
            let (a, b) = if n > 2 {
                size_args(&args[2..])?
            } else {
                (0, MAXI)
            };
            Ty::Hash(bx(k), bx(v), a, b)
        }
        Ty::Tuple(..) => {
            arity(1, None)?;
            let mut types = Vec::new();
            let mut rest = args;
            while let Some((first, tail)) = rest.split_first() {
                match first {
                    Val::Type(_) | Val::Ref(_) => {
                        types.push(type_arg("Tuple-Type", first)?);
                        rest = tail;
                    }
                    _ => break,
                }
            }
            let size = if rest.is_empty() {
                None
            } else {
                if rest.len() > 2 {
                    return Err(arity_error(base, 1, None, n));
                }
                let (a, b) = size_args(rest)?;
                Some((a, b))
            };
            Ty::Tuple(types, size)
        }
        Ty::Struct(_) => {
            arity(1, Some(1))?;
            let Val::Hash(h) = &args[0] else {
                return Err(specialization_error(base, &args[0], "Hash"));
            };
            let mut elems = Vec::new();
            for (k, v) in h {
                let value = type_arg("Struct-Type", v)?;
                // A key is a name, `Optional['name']` (may be missing) or
                // `NotUndef['name']` (must be present).
                let (key, required) = match &k.0 {
                    Val::Str(s) => (s.clone(), !value.accepts_undef()),
                    Val::Type(Ty::Optional(Some(t))) | Val::Type(Ty::NotUndef(Some(t))) => {
                        let Ty::StrVal(s) = &**t else {
                            return Err(struct_key_error(&k.0));
                        };
                        (s.clone(), matches!(k.0, Val::Type(Ty::NotUndef(_))))
                    }
                    other => return Err(struct_key_error(other)),
                };
                elems.push(StructElem {
                    required,
                    key,
                    value,
                });
            }
            Ty::Struct(elems)
        }
        Ty::Optional(_) => {
            arity(1, Some(1))?;
            Ty::Optional(Some(bx(str_or_type("Optional-Type", &args[0])?)))
        }
        Ty::NotUndef(_) => {
            arity(0, Some(1))?;
            match args.first() {
                None => Ty::NotUndef(None),
                Some(v) => {
                    Ty::NotUndef(Some(bx(str_or_type("NotUndef-Type", v).map_err(|_| {
                        format!(
                            "NotUndef-Type[] argument must be a Type or a String. Got {}",
                            ruby_class(v)
                        )
                    })?)))
                }
            }
        }
        Ty::Sensitive(_) => {
            arity(1, Some(1))?;
            Ty::Sensitive(Some(bx(type_arg("Sensitive-Type", &args[0])?)))
        }
        Ty::Type(_) => {
            arity(1, Some(1))?;
            Ty::Type(Some(bx(type_arg("Type-Type", &args[0])?)))
        }
        Ty::Iterable(_) => {
            arity(1, Some(1))?;
            Ty::Iterable(Some(bx(type_arg("Iterable-Type", &args[0])?)))
        }
        Ty::Iterator(_) => {
            arity(1, Some(1))?;
            Ty::Iterator(Some(bx(type_arg("Iterator-Type", &args[0])?)))
        }
        Ty::Init(_) => {
            arity(1, None)?;
            Ty::Init(Some(bx(type_arg("Init-Type", &args[0])?)))
        }
        Ty::Variant(_) => {
            let args = flatten(args);
            if args.is_empty() {
                return Err(arity_error(base, 1, None, 0));
            }
            Ty::Variant(
                args.iter()
                    .map(|a| {
                        type_arg("Variant-Type", a)
                            .map_err(|_| specialization_error(base, a, "Any-Type"))
                    })
                    .collect::<Result<_, _>>()?,
            )
        }
        Ty::Callable(_) => Ty::Callable(args.to_vec()),
        Ty::Timestamp(..) | Ty::Timespan(..) => {
            arity(0, Some(2))?;
            let mut ends = [None, None];
            for (i, a) in args.iter().enumerate() {
                ends[i] = match (base, a) {
                    (_, Val::Default) => None,
                    (Ty::Timestamp(..), Val::Timestamp(t)) => Some(*t),
                    (Ty::Timespan(..), Val::Timespan(t)) => Some(*t),
                    (Ty::Timespan(..), Val::Int(s)) => Some(i128::from(*s) * 1_000_000_000),
                    (Ty::Timespan(..), Val::Float(s)) => Some((s * 1e9) as i128),
                    (_, v) => {
                        return Err(format!(
                            "{}[] arguments must be {} values. Got {}",
                            base_label(base),
                            base_name(base),
                            value_label(v)
                        ))
                    }
                };
            }
            if n == 1 {
                ends[1] = ends[0];
            }
            match base {
                Ty::Timestamp(..) => Ty::Timestamp(ends[0], ends[1]),
                _ => Ty::Timespan(ends[0], ends[1]),
            }
        }
        t => return Err(format!("{}[] is not applicable", type_label(t))),
    })
}

fn struct_key_error(v: &Val) -> String {
    format!(
        "Struct-Type[] keys must be strings, Optional[String] or NotUndef[String]. Got {}",
        value_label(v)
    )
}

fn enum_arg_error(v: &Val) -> String {
    specialization_error(&Ty::Enum(Vec::new(), false), v, "String")
}

/// Puppet's BAD_TYPE_SPECIALIZATION for a key of the wrong kind.
fn specialization_error(base: &Ty, v: &Val, expected: &str) -> String {
    let label = base_label(base);
    format!(
        "Error creating type specialization of {} {label}, Cannot use {} where {expected} is expected",
        article(&label),
        key_type_name(v)
    )
}

/// The name of a key's type in messages: the generalised type of the value.
fn key_type_name(v: &Val) -> String {
    match v {
        Val::Undef => "Undef".into(),
        Val::Default => "Default".into(),
        v => generalize(&infer(v)).to_string(),
    }
}

fn str_or_type(base: &str, v: &Val) -> Result<Ty, String> {
    match v {
        Val::Str(s) => Ok(Ty::StrVal(s.clone())),
        v => type_arg(base, v),
    }
}

fn in_range(n: i64, a: i64, b: i64) -> bool {
    n >= a && n <= b
}

/// Whether range `[c, d]` lies within `[a, b]`.
fn range_within(a: i64, b: i64, c: i64, d: i64) -> bool {
    a <= c && d <= b
}

fn is_stringish(t: &Ty) -> bool {
    matches!(
        t,
        Ty::String(..) | Ty::StrVal(_) | Ty::Enum(..) | Ty::Pattern(_)
    )
}

thread_local! {
    /// The pairs of aliases being compared by `assignable`, innermost last.
    static ALIAS_PAIRS: RefCell<Vec<(*const Alias, *const Alias)>> = const { RefCell::new(Vec::new()) };
}

/// Deepest alias resolution or type assignability check before we call it a cycle.
const MAX_DEPTH: u32 = 64;

impl Ty {
    /// Whether a value is an instance of this type.
    pub(crate) fn matches(&self, v: &Val) -> bool {
        let len_ok = |n: usize, a: i64, b: i64| in_range(n as i64, a, b);
        match (self, v) {
            (Ty::Alias(a), v) => a.resolved.borrow().matches(v),
            (Ty::Any, _) => true,
            (Ty::Undef, Val::Undef) => true,
            (Ty::Default, Val::Default) => true,
            (Ty::NotUndef(t), v) => !v.is_undef() && t.as_ref().is_none_or(|t| t.matches(v)),
            (Ty::Boolean(b), Val::Bool(x)) => b.is_none_or(|b| b == *x),
            (Ty::Integer(a, b), Val::Int(i)) => i >= a && i <= b,
            (Ty::Float(a, b), Val::Float(f)) => f >= a && f <= b,
            (Ty::Numeric, Val::Int(_) | Val::Float(_)) => true,
            (Ty::String(a, b), Val::Str(s)) => len_ok(s.chars().count(), *a, *b),
            (Ty::StrVal(x), Val::Str(s)) => x == s,
            (Ty::Enum(opts, ci), Val::Str(s)) => {
                if *ci {
                    let l = s.to_lowercase();
                    opts.iter().any(|o| o.to_lowercase() == l)
                } else {
                    opts.iter().any(|o| o == s)
                }
            }
            (Ty::Pattern(ps), Val::Str(s)) => {
                ps.is_empty()
                    || ps
                        .iter()
                        .any(|p| converge_rubyre::Regex::cached(p).is_ok_and(|r| r.is_match(s)))
            }
            (Ty::Regexp(p), Val::Regex(r)) => p.as_ref().is_none_or(|p| p == r),
            (
                Ty::Scalar,
                Val::Str(_)
                | Val::Int(_)
                | Val::Float(_)
                | Val::Bool(_)
                | Val::Regex(_)
                | Val::Timespan(_)
                | Val::Timestamp(_),
            ) => true,
            (Ty::ScalarData, Val::Str(_) | Val::Int(_) | Val::Float(_) | Val::Bool(_)) => true,
            (Ty::Collection(a, b), Val::Array(x)) => len_ok(x.len(), *a, *b),
            (Ty::Collection(a, b), Val::Hash(h)) => len_ok(h.len(), *a, *b),
            (Ty::Array(t, a, b), Val::Array(x)) => {
                len_ok(x.len(), *a, *b) && x.iter().all(|e| t.matches(e))
            }
            (Ty::Hash(k, t, a, b), Val::Hash(h)) => {
                len_ok(h.len(), *a, *b)
                    && h.iter().all(|(key, e)| k.matches(&key.0) && t.matches(e))
            }
            (Ty::Tuple(ts, size), Val::Array(x)) => {
                let size_ok = match size {
                    Some((a, b)) => len_ok(x.len(), *a, *b),
                    None => ts.is_empty() || ts.len() == x.len(),
                };
                size_ok
                    && (ts.is_empty()
                        || x.iter()
                            .enumerate()
                            .all(|(i, e)| ts.get(i).or(ts.last()).is_some_and(|t| t.matches(e))))
            }
            (Ty::Struct(elems), Val::Hash(h)) => {
                let mut matched = 0;
                elems.iter().all(|e| match h.get(&e.key) {
                    None => !e.required,
                    Some(v) => {
                        matched += 1;
                        e.value.matches(v)
                    }
                }) && matched == h.len()
            }
            (Ty::Optional(t), v) => v.is_undef() || t.as_ref().is_some_and(|t| t.matches(v)),
            (Ty::Variant(ts), v) => ts.iter().any(|t| t.matches(v)),
            (Ty::Iterable(t), v) | (Ty::Iterator(t), v) => {
                if matches!(self, Ty::Iterator(_)) && !matches!(v, Val::Iterator(..)) {
                    return false;
                }
                match t {
                    None => is_iterable_value(v),
                    Some(t) if t.assignable(&Ty::Any) => is_iterable_value(v),
                    Some(_) => self.assignable(&infer(v)),
                }
            }
            (Ty::CatalogEntry, Val::Ref(_)) => false,
            (Ty::Resource(..) | Ty::Class(_), _) => false,
            (Ty::Type(t), Val::Type(u)) => t.as_ref().is_none_or(|t| t.assignable(u)),
            (Ty::Type(t), Val::Ref(r)) => t.as_ref().is_none_or(|t| t.assignable(&ref_type(r))),
            (Ty::Sensitive(t), Val::Sensitive(v)) => t.as_ref().is_none_or(|t| t.matches(v)),
            (Ty::Binary, Val::Binary(_)) => true,
            (Ty::Timestamp(a, b), Val::Timestamp(t)) | (Ty::Timespan(a, b), Val::Timespan(t)) => {
                a.is_none_or(|a| *t >= a) && b.is_none_or(|b| *t <= b)
            }
            (Ty::Init(_), _) => true,
            _ => false,
        }
    }

    /// Whether `undef` is acceptable, so a parameter of this type without a default is
    /// optional.
    pub(crate) fn accepts_undef(&self) -> bool {
        self.assignable(&Ty::Undef)
    }

    /// Whether every instance of `o` is an instance of this type (Puppet's
    /// `assignable?`).
    pub(crate) fn assignable(&self, o: &Ty) -> bool {
        self.assignable_d(o, 0)
    }

    fn assignable_d(&self, o: &Ty, d: u32) -> bool {
        if d > MAX_DEPTH {
            return false;
        }
        let d = d + 1;
        // What PAnyType#assignable? settles before asking the type itself.
        match o {
            Ty::Unit => return true,
            Ty::Alias(a) => {
                if let Ty::Alias(s) = self {
                    if Rc::ptr_eq(s, a) {
                        return true;
                    }
                    // Recursive aliases (`Data`, `RichData`) meet themselves again deeper
                    // down: a pair already being compared is taken as assignable, as
                    // Puppet's recursion guard does.
                    let pair = (Rc::as_ptr(s), Rc::as_ptr(a));
                    if ALIAS_PAIRS.with(|g| g.borrow().contains(&pair)) {
                        return true;
                    }
                    ALIAS_PAIRS.with(|g| g.borrow_mut().push(pair));
                    let r = s.resolved.borrow().assignable_d(&a.resolved.borrow(), d);
                    ALIAS_PAIRS.with(|g| g.borrow_mut().pop());
                    return r;
                }
                return self.assignable_d(&a.resolved.borrow(), d);
            }
            Ty::Variant(vs) if !matches!(self, Ty::Alias(_)) => {
                if matches!(self, Ty::Any) {
                    return true;
                }
                if !(matches!(self, Ty::NotUndef(_)) && vs.is_empty()) {
                    return !vs.is_empty() && vs.iter().all(|v| self.assignable_d(v, d));
                }
            }
            Ty::Optional(t) if !matches!(self, Ty::Alias(_) | Ty::Optional(_)) => {
                return self.assignable_d(&Ty::Undef, d)
                    && t.as_ref().is_none_or(|t| self.assignable_d(t, d));
            }
            Ty::NotUndef(Some(t))
                if !matches!(self, Ty::Alias(_)) && !t.assignable_d(&Ty::Undef, d) =>
            {
                return self.assignable_d(t, d);
            }
            _ => {}
        }
        match (self, o) {
            (Ty::Alias(a), o) => a.resolved.borrow().assignable_d(o, d),
            (Ty::Any, _) => true,
            (Ty::Unit, _) => true,
            (Ty::Undef, Ty::Undef) => true,
            (Ty::Default, Ty::Default) => true,
            (Ty::NotUndef(t), o) => {
                !o.assignable_d(&Ty::Undef, d) && t.as_ref().is_none_or(|t| t.assignable_d(o, d))
            }
            (Ty::Boolean(a), Ty::Boolean(b)) => a.is_none() || a == b,
            (Ty::Scalar, o) => {
                matches!(
                    o,
                    Ty::Scalar
                        | Ty::ScalarData
                        | Ty::Numeric
                        | Ty::Integer(..)
                        | Ty::Float(..)
                        | Ty::Boolean(_)
                        | Ty::Regexp(_)
                        | Ty::SemVer
                        | Ty::SemVerRange
                        | Ty::Timespan(..)
                        | Ty::Timestamp(..)
                ) || is_stringish(o)
            }
            (Ty::ScalarData, o) => {
                matches!(
                    o,
                    Ty::ScalarData | Ty::Integer(..) | Ty::Float(..) | Ty::Boolean(_)
                ) || is_stringish(o)
            }
            (Ty::Numeric, o) => matches!(o, Ty::Numeric | Ty::Integer(..) | Ty::Float(..)),
            (Ty::Integer(a, b), Ty::Integer(c, e)) => a <= c && b >= e,
            (Ty::Float(a, b), Ty::Float(c, e)) => a <= c && b >= e,
            (Ty::String(a, b), o) => match o {
                Ty::String(c, e) => range_within(*a, *b, *c, *e),
                Ty::StrVal(s) => in_range(s.chars().count() as i64, *a, *b),
                Ty::Enum(vals, _) => {
                    if vals.is_empty() {
                        *a <= 0 && *b == MAXI
                    } else {
                        vals.iter()
                            .all(|v| in_range(v.chars().count() as i64, *a, *b))
                    }
                }
                Ty::Pattern(_) => *a <= 0 && *b == MAXI,
                _ => false,
            },
            (Ty::StrVal(s), Ty::StrVal(x)) => s == x,
            (Ty::Enum(vals, ci), o) => {
                if self == o {
                    return true;
                }
                if vals.is_empty() && is_stringish(o) {
                    return true;
                }
                match o {
                    Ty::StrVal(s) => self.matches(&Val::Str(s.clone())),
                    Ty::Enum(ovals, oci) => {
                        !ovals.is_empty()
                            && (*ci || !*oci)
                            && ovals.iter().all(|s| self.matches(&Val::Str(s.clone())))
                    }
                    _ => false,
                }
            }
            (Ty::Pattern(ps), o) => {
                if self == o {
                    return true;
                }
                let m = |s: &str| self.matches(&Val::Str(s.to_string()));
                match o {
                    Ty::String(..) => ps.is_empty(),
                    Ty::StrVal(s) => ps.is_empty() || m(s),
                    Ty::Enum(vals, _) => {
                        if vals.is_empty() {
                            ps.is_empty()
                        } else {
                            ps.is_empty() || vals.iter().all(|v| m(v))
                        }
                    }
                    Ty::Pattern(_) => ps.is_empty(),
                    _ => false,
                }
            }
            (Ty::Regexp(p), Ty::Regexp(q)) => p.is_none() || p == q,
            (Ty::Collection(a, b), o) => match o {
                Ty::Collection(c, e) | Ty::Array(_, c, e) | Ty::Hash(_, _, c, e) => {
                    range_within(*a, *b, *c, *e)
                }
                Ty::Tuple(ts, size) => {
                    let (c, e) = size.unwrap_or((ts.len() as i64, ts.len() as i64));
                    range_within(*a, *b, c, e)
                }
                Ty::Struct(es) => {
                    let n = es.len() as i64;
                    range_within(*a, *b, n, n)
                }
                _ => false,
            },
            (Ty::Array(t, a, b), o) => match o {
                Ty::Tuple(ts, size) => {
                    let (c, e) = size.unwrap_or((ts.len() as i64, ts.len() as i64));
                    range_within(*a, *b, c, e) && ts.iter().all(|x| t.assignable_d(x, d))
                }
                Ty::Array(u, c, e) => range_within(*a, *b, *c, *e) && t.assignable_d(u, d),
                _ => false,
            },
            (Ty::Hash(k, v, a, b), o) => match o {
                Ty::Hash(k2, v2, c, e) => {
                    if *a == 0 && *e == 0 {
                        return true;
                    }
                    k.assignable_d(k2, d) && v.assignable_d(v2, d) && range_within(*a, *b, *c, *e)
                }
                Ty::Struct(es) => {
                    in_range(es.len() as i64, *a, *b)
                        && es.iter().all(|e| {
                            k.matches(&Val::Str(e.key.clone())) && v.assignable_d(&e.value, d)
                        })
                }
                _ => false,
            },
            (Ty::Tuple(ts, size), o) => {
                if self == o {
                    return true;
                }
                let size_s = size.unwrap_or(if ts.is_empty() {
                    (0, MAXI)
                } else {
                    (ts.len() as i64, ts.len() as i64)
                });
                match o {
                    Ty::Tuple(us, osize) => {
                        let size_o = osize.unwrap_or(if us.is_empty() {
                            (0, MAXI)
                        } else {
                            (us.len() as i64, us.len() as i64)
                        });
                        if !range_within(size_s.0, size_s.1, size_o.0, size_o.1) {
                            return false;
                        }
                        if !ts.is_empty() {
                            if us.is_empty() {
                                return size_s.0 == 0;
                            }
                            for (i, u) in us.iter().enumerate() {
                                let t = ts.get(i).or(ts.last()).unwrap_or(&Ty::Any);
                                if !t.assignable_d(u, d) {
                                    return false;
                                }
                            }
                        }
                        true
                    }
                    Ty::Array(u, c, e) => {
                        if !range_within(size_s.0, size_s.1, *c, *e) {
                            return false;
                        }
                        let n = (ts.len() as i64).min(*e).max(0) as usize;
                        ts.is_empty()
                            || (0..n).all(|i| {
                                ts.get(i)
                                    .or(ts.last())
                                    .is_some_and(|t| t.assignable_d(u, d))
                            })
                    }
                    _ => false,
                }
            }
            (Ty::Struct(es), o) => match o {
                Ty::Struct(os) => {
                    let mut matched = 0;
                    es.iter()
                        .all(|e1| match os.iter().find(|e2| e2.key == e1.key) {
                            None => !e1.required,
                            Some(e2) => {
                                matched += 1;
                                (!e1.required || e2.required) && e1.value.assignable_d(&e2.value, d)
                            }
                        })
                        && matched == os.len()
                }
                Ty::Hash(k, v, c, e) => {
                    let mut required = 0;
                    let ok = es.iter().all(|el| {
                        if !el.required {
                            true
                        } else {
                            required += 1;
                            el.value.assignable_d(v, d) && Ty::String(0, MAXI).assignable_d(k, d)
                        }
                    });
                    ok && range_within(required, es.len() as i64, *c, *e)
                }
                _ => false,
            },
            (Ty::Optional(t), o) => match o {
                Ty::Undef => true,
                _ if t.is_none() => true,
                Ty::Optional(u) => match (t, u) {
                    (Some(t), Some(u)) => t.assignable_d(u, d),
                    (Some(_), None) => false,
                    _ => true,
                },
                o => t.as_ref().is_some_and(|t| t.assignable_d(o, d)),
            },
            (Ty::Variant(ts), o) => ts.iter().any(|t| t.assignable_d(o, d)),
            (Ty::Iterable(t), o) => match t {
                None => o.is_iterable_type(),
                Some(t) if t.assignable_d(&Ty::Any, d) => o.is_iterable_type(),
                Some(t) => o.iterable_element().is_some_and(|e| t.assignable_d(&e, d)),
            },
            (Ty::Iterator(t), Ty::Iterator(u)) => match (t, u) {
                (None, _) => true,
                (Some(t), Some(u)) => t.assignable_d(u, d),
                (Some(t), None) => t.assignable_d(&Ty::Any, d),
            },
            (Ty::CatalogEntry, o) => {
                matches!(o, Ty::CatalogEntry | Ty::Resource(..) | Ty::Class(_))
            }
            (Ty::Resource(n, t), Ty::Resource(m, u)) => {
                n.is_none() || (n == m && (t.is_none() || t == u))
            }
            (Ty::Class(c), Ty::Class(e)) => c.is_none() || c == e,
            (Ty::Type(t), Ty::Type(u)) => match (t, u) {
                (None, _) => true,
                (Some(_), None) => false,
                (Some(t), Some(u)) => t.assignable_d(u, d),
            },
            (Ty::Sensitive(t), Ty::Sensitive(u)) => match (t, u) {
                (None, _) => true,
                (Some(t), None) => t.assignable_d(&Ty::Any, d),
                (Some(t), Some(u)) => t.assignable_d(u, d),
            },
            (Ty::Binary, Ty::Binary)
            | (Ty::SemVer, Ty::SemVer)
            | (Ty::SemVerRange, Ty::SemVerRange)
            | (Ty::Runtime, Ty::Runtime) => true,
            (Ty::Timestamp(a, b), Ty::Timestamp(c, e))
            | (Ty::Timespan(a, b), Ty::Timespan(c, e)) => {
                a.is_none_or(|a| c.is_some_and(|c| c >= a))
                    && b.is_none_or(|b| e.is_some_and(|e| e <= b))
            }
            (Ty::Callable(_), Ty::Callable(_)) => {
                self == o || matches!(self, Ty::Callable(a) if a.is_empty())
            }
            (Ty::Init(_), _) => true,
            (Ty::Named(a), Ty::Named(b)) => a == b,
            _ => false,
        }
    }

    /// Whether instances of this type can be iterated (Puppet's `iterable?`).
    fn is_iterable_type(&self) -> bool {
        match self {
            Ty::Alias(a) => a.resolved.borrow().is_iterable_type(),
            Ty::Array(..)
            | Ty::Hash(..)
            | Ty::Tuple(..)
            | Ty::Struct(_)
            | Ty::Collection(..)
            | Ty::Iterable(_)
            | Ty::Iterator(_)
            | Ty::String(..)
            | Ty::StrVal(_)
            | Ty::Enum(..) => true,
            Ty::Integer(a, b) => *a != MINI && *b != MAXI,
            Ty::Type(Some(t)) => {
                matches!(**t, Ty::Enum(..))
                    || matches!(**t, Ty::Integer(a, b) if a != MINI && b != MAXI)
            }
            _ => false,
        }
    }

    /// The type of the elements an iteration over instances of this type yields.
    fn iterable_element(&self) -> Option<Ty> {
        Some(match self {
            Ty::Alias(a) => return a.resolved.borrow().iterable_element(),
            Ty::Array(t, ..) => (**t).clone(),
            Ty::Hash(k, v, ..) => Ty::Tuple(vec![(**k).clone(), (**v).clone()], None),
            Ty::Tuple(ts, _) => variant_of(ts.clone()),
            Ty::Struct(es) => Ty::Tuple(
                vec![
                    Ty::String(0, MAXI),
                    variant_of(es.iter().map(|e| e.value.clone()).collect()),
                ],
                None,
            ),
            Ty::Iterable(t) | Ty::Iterator(t) => t.as_deref().cloned().unwrap_or(Ty::Any),
            Ty::String(..) | Ty::StrVal(_) | Ty::Enum(..) => Ty::String(1, 1),
            Ty::Integer(a, b) if *a != MINI && *b != MAXI => Ty::Integer(*a, *b),
            Ty::Type(Some(t)) => match &**t {
                Ty::Enum(..) => Ty::String(0, MAXI),
                Ty::Integer(a, b) => Ty::Integer(*a, *b),
                _ => return None,
            },
            _ => return None,
        })
    }
}

fn variant_of(mut ts: Vec<Ty>) -> Ty {
    ts.dedup();
    if ts.len() == 1 {
        ts.pop().unwrap_or(Ty::Any)
    } else {
        Ty::Variant(ts)
    }
}

/// Whether a value can be iterated by `each` and friends.
pub(crate) fn is_iterable_value(v: &Val) -> bool {
    match v {
        Val::Array(_) | Val::Hash(_) | Val::Str(_) | Val::Iterator(..) => true,
        Val::Int(i) => *i >= 0,
        Val::Type(t) => t.is_iterable_type() && !matches!(t, Ty::String(..)),
        _ => false,
    }
}

/// The type of a value, as Puppet's `TypeCalculator.infer` sees it.
pub(crate) fn infer(v: &Val) -> Ty {
    match v {
        Val::Undef | Val::Collector(_) => Ty::Undef,
        Val::Default => Ty::Default,
        Val::Bool(b) => Ty::Boolean(Some(*b)),
        Val::Int(i) => Ty::Integer(*i, *i),
        Val::Float(f) => Ty::Float(*f, *f),
        Val::Str(s) => Ty::StrVal(s.clone()),
        Val::Regex(r) => Ty::Regexp(Some(r.clone())),
        Val::Array(a) => {
            if a.is_empty() {
                Ty::Array(bx(Ty::Unit), 0, 0)
            } else {
                let n = a.len() as i64;
                Ty::Array(bx(reduce(a.iter().map(infer).collect())), n, n)
            }
        }
        Val::Hash(h) => {
            if h.is_empty() {
                Ty::Hash(bx(Ty::Unit), bx(Ty::Unit), 0, 0)
            } else {
                let n = h.len() as i64;
                Ty::Hash(
                    bx(reduce(h.keys().map(|k| infer(&k.0)).collect())),
                    bx(reduce(h.values().map(infer).collect())),
                    n,
                    n,
                )
            }
        }
        Val::Ref(r) => Ty::Type(Some(bx(ref_type(r)))),
        Val::Type(t) => Ty::Type(Some(bx(t.clone()))),
        Val::Sensitive(v) => Ty::Sensitive(Some(bx(infer(v)))),
        Val::Binary(_) => Ty::Binary,
        Val::Timestamp(t) => Ty::Timestamp(Some(*t), Some(*t)),
        Val::Timespan(t) => Ty::Timespan(Some(*t), Some(*t)),
        Val::Iterator(t, _) => Ty::Iterator(Some(bx((**t).clone()))),
    }
}

/// The type of a value as `type_of` reports it (Puppet's `infer_set`: arrays become
/// tuples and hashes with string keys structs).
pub(crate) fn infer_set(v: &Val) -> Ty {
    match v {
        Val::Array(a) if !a.is_empty() => Ty::Tuple(a.iter().map(infer_set).collect(), None),
        Val::Hash(h) if !h.is_empty() => {
            if h.keys().all(|k| k.as_str().is_some_and(|s| !s.is_empty())) {
                Ty::Struct(
                    h.iter()
                        .map(|(k, v)| {
                            let value = infer_set(v);
                            StructElem {
                                key: k.text(),
                                required: !value.accepts_undef(),
                                value,
                            }
                        })
                        .collect(),
                )
            } else {
                let n = h.len() as i64;
                let mut ks: Vec<Ty> = h.keys().map(|k| infer_set(&k.0)).collect();
                ks.dedup();
                let mut vs: Vec<Ty> = h.values().map(infer_set).collect();
                vs.dedup();
                Ty::Hash(bx(variant_of(ks)), bx(variant_of(vs)), n, n)
            }
        }
        v => infer(v),
    }
}

/// Puppet's `reduce_type`: the common supertype of several types.
fn reduce(ts: Vec<Ty>) -> Ty {
    let mut it = ts.into_iter();
    let Some(mut acc) = it.next() else {
        return Ty::Unit;
    };
    for t in it {
        acc = common_type(&acc, &t);
    }
    acc
}

/// Puppet's `TypeCalculator#common_type`, for the types inference produces.
pub(crate) fn common_type(a: &Ty, b: &Ty) -> Ty {
    if a.assignable(b) {
        return a.clone();
    }
    if b.assignable(a) {
        return b.clone();
    }
    match (a, b) {
        (Ty::Integer(x, y), Ty::Integer(z, w)) => Ty::Integer(*x.min(z), *y.max(w)),
        (Ty::Float(x, y), Ty::Float(z, w)) => Ty::Float(x.min(*z), y.max(*w)),
        (Ty::Integer(..) | Ty::Float(..) | Ty::Numeric, Ty::Integer(..) | Ty::Float(..)) => {
            Ty::Numeric
        }
        (Ty::StrVal(x), Ty::StrVal(y)) => {
            let (lx, ly) = (x.chars().count() as i64, y.chars().count() as i64);
            Ty::String(lx.min(ly), lx.max(ly))
        }
        (Ty::String(x, y), Ty::StrVal(s)) | (Ty::StrVal(s), Ty::String(x, y)) => {
            let l = s.chars().count() as i64;
            Ty::String(*x.min(&l), *y.max(&l))
        }
        (Ty::String(x, y), Ty::String(z, w)) => Ty::String(*x.min(z), *y.max(w)),
        (Ty::Enum(..) | Ty::Pattern(_) | Ty::String(..) | Ty::StrVal(_), o) if is_stringish(o) => {
            Ty::String(0, MAXI)
        }
        (Ty::Array(x, a1, b1), Ty::Array(y, a2, b2)) => {
            Ty::Array(bx(common_type(x, y)), *a1.min(a2), *b1.max(b2))
        }
        (Ty::Hash(k1, v1, a1, b1), Ty::Hash(k2, v2, a2, b2)) => Ty::Hash(
            bx(common_type(k1, k2)),
            bx(common_type(v1, v2)),
            *a1.min(a2),
            *b1.max(b2),
        ),
        (Ty::Type(Some(x)), Ty::Type(Some(y))) => Ty::Type(Some(bx(common_type(x, y)))),
        (Ty::Type(_), Ty::Type(_)) => Ty::Type(None),
        (Ty::Resource(..), Ty::Resource(..)) => Ty::Resource(None, None),
        (Ty::Boolean(_), Ty::Boolean(_)) => Ty::Boolean(None),
        (Ty::Regexp(_), Ty::Regexp(_)) => Ty::Regexp(None),
        (Ty::Sensitive(_), Ty::Sensitive(_)) => Ty::Sensitive(None),
        (Ty::Timestamp(..), Ty::Timestamp(..)) => Ty::Timestamp(None, None),
        (Ty::Timespan(..), Ty::Timespan(..)) => Ty::Timespan(None, None),
        (Ty::Undef, o) | (o, Ty::Undef) => Ty::Optional(Some(bx(o.clone()))),
        (x, y) if Ty::ScalarData.assignable(x) && Ty::ScalarData.assignable(y) => Ty::ScalarData,
        (x, y) if Ty::Scalar.assignable(x) && Ty::Scalar.assignable(y) => Ty::Scalar,
        _ => Ty::Any,
    }
}

/// A float as Ruby's `Float#to_s` writes it (`1.0`, `1.0e+20`, `1.5e-07`).
pub(crate) fn fmt_float(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0.0" } else { "0.0" }.into();
    }
    // Shortest round-trip digits, then Ruby's choice of notation: plain for exponents
    // from -4 to 14, scientific otherwise.
    let e = format!("{f:e}");
    let (mant, exp) = e.split_once('e').unwrap_or((&e, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let neg = mant.starts_with('-');
    let digits: String = mant.chars().filter(|c| c.is_ascii_digit()).collect();
    let sign = if neg { "-" } else { "" };
    if (-4..15).contains(&exp) {
        let mut s = String::new();
        if exp < 0 {
            s.push_str("0.");
            s.push_str(&"0".repeat((-exp - 1) as usize));
            s.push_str(&digits);
        } else {
            let int_len = exp as usize + 1;
            if digits.len() <= int_len {
                s.push_str(&digits);
                s.push_str(&"0".repeat(int_len - digits.len()));
                s.push_str(".0");
            } else {
                s.push_str(&digits[..int_len]);
                s.push('.');
                s.push_str(&digits[int_len..]);
            }
        }
        format!("{sign}{s}")
    } else {
        let (first, rest) = digits.split_at(1);
        let rest = if rest.is_empty() { "0" } else { rest };
        let esign = if exp < 0 { '-' } else { '+' };
        format!("{sign}{first}.{rest}e{esign}{:02}", exp.abs())
    }
}

/// How a value is written inside a type (`'a'`, `1`, `/re/`).
fn write_arg(f: &mut fmt::Formatter<'_>, v: &Val) -> fmt::Result {
    match v {
        Val::Str(s) => f.write_str(&super::format::puppet_quote(s, false)),
        Val::Undef => f.write_str("undef"),
        Val::Array(a) => {
            f.write_str("[")?;
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write_arg(f, x)?;
            }
            f.write_str("]")
        }
        Val::Hash(h) => {
            f.write_str("{")?;
            for (i, (k, x)) in h.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write_arg(f, &k.0)?;
                f.write_str(" => ")?;
                write_arg(f, x)?;
            }
            f.write_str("}")
        }
        Val::Timestamp(_) | Val::Timespan(_) => write!(f, "'{v}'"),
        v => write!(f, "{v}"),
    }
}

fn write_range(out: &mut Vec<String>, a: i64, b: i64, dmin: i64) {
    if a == dmin && b == MAXI {
        return;
    }
    out.push(if a == dmin {
        "default".into()
    } else {
        a.to_string()
    });
    if b != MAXI {
        out.push(b.to_string());
    }
}

/// Names of the aliases Puppet defines itself: they never print expanded.
const BUILTIN_ALIASES: &[&str] = &[
    "Data",
    "RichData",
    "RichDataKey",
    "Puppet::LookupKey",
    "Puppet::LookupValue",
];

/// State while printing a type: whether aliases print expanded (`Name = <type>`, as
/// Puppet prints a type that is an alias), and the aliases being expanded (a recursive
/// alias prints its name inside itself).
struct Printer {
    expanded: bool,
    guard: Vec<*const Alias>,
}

/// A type with every alias in it expanded (`Stdlib::Port = Integer[0, 65535]`), as
/// Puppet's `to_alias_expanded_s` writes it.
pub(crate) fn expanded_string(t: &Ty) -> String {
    let mut p = Printer {
        expanded: true,
        guard: Vec::new(),
    };
    p.ty(t)
}

impl fmt::Display for Ty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut p = Printer {
            expanded: matches!(self, Ty::Alias(_)),
            guard: Vec::new(),
        };
        f.write_str(&p.ty(self))
    }
}

impl Printer {
    fn list(&mut self, name: &str, parts: Vec<String>) -> String {
        if parts.is_empty() {
            name.to_string()
        } else {
            format!("{name}[{}]", parts.join(", "))
        }
    }

    fn ty(&mut self, t: &Ty) -> String {
        match t {
            Ty::Any => "Any".into(),
            Ty::Unit => "Unit".into(),
            Ty::Undef => "Undef".into(),
            Ty::Default => "Default".into(),
            Ty::NotUndef(None) => "NotUndef".into(),
            Ty::NotUndef(Some(t)) => match &**t {
                Ty::Any => "NotUndef".into(),
                Ty::StrVal(v) => format!("NotUndef[{}]", super::format::puppet_quote(v, false)),
                t => format!("NotUndef[{}]", self.ty(t)),
            },
            Ty::Boolean(None) => "Boolean".into(),
            Ty::Boolean(Some(b)) => format!("Boolean[{b}]"),
            Ty::Scalar => "Scalar".into(),
            Ty::ScalarData => "ScalarData".into(),
            Ty::Numeric => "Numeric".into(),
            Ty::Integer(a, b) => {
                let mut p = Vec::new();
                write_range(&mut p, *a, *b, MINI);
                self.list("Integer", p)
            }
            Ty::Float(a, b) => {
                let mut p = Vec::new();
                if !(a.is_infinite() && b.is_infinite()) {
                    p.push(if a.is_infinite() {
                        "default".into()
                    } else {
                        fmt_float(*a)
                    });
                    if !b.is_infinite() {
                        p.push(fmt_float(*b));
                    }
                }
                self.list("Float", p)
            }
            Ty::String(a, b) => {
                let mut p = Vec::new();
                write_range(&mut p, *a, *b, 0);
                if *a == 0 && *b != MAXI {
                    p[0] = "0".into();
                }
                self.list("String", p)
            }
            Ty::StrVal(_) => "String".into(),
            Ty::Regexp(None) => "Regexp".into(),
            Ty::Regexp(Some(r)) => format!("Regexp[/{r}/]"),
            Ty::Pattern(ps) => {
                let p = ps.iter().map(|p| format!("/{p}/")).collect();
                self.list("Pattern", p)
            }
            Ty::Enum(vs, ci) => {
                let mut p: Vec<String> = vs
                    .iter()
                    .map(|v| super::format::puppet_quote(v, false))
                    .collect();
                if *ci {
                    p.push("true".into());
                }
                self.list("Enum", p)
            }
            Ty::Collection(a, b) => {
                let mut p = Vec::new();
                write_range(&mut p, *a, *b, 0);
                if *a == 0 && *b != MAXI {
                    p[0] = "0".into();
                }
                self.list("Collection", p)
            }
            Ty::Array(t, a, b) => {
                if *b == 0 {
                    return "Array[0, 0]".into();
                }
                if **t == Ty::Any && *a == 0 && *b == MAXI {
                    return "Array".into();
                }
                let mut p = vec![self.ty(t)];
                write_range(&mut p, *a, *b, 0);
                if *a == 0 && *b != MAXI {
                    p[1] = "0".into();
                }
                self.list("Array", p)
            }
            Ty::Hash(k, v, a, b) => {
                if *b == 0 {
                    return "Hash[0, 0]".into();
                }
                if **k == Ty::Any && **v == Ty::Any && *a == 0 && *b == MAXI {
                    return "Hash".into();
                }
                let mut p = vec![self.ty(k), self.ty(v)];
                write_range(&mut p, *a, *b, 0);
                if *a == 0 && *b != MAXI {
                    p[2] = "0".into();
                }
                self.list("Hash", p)
            }
            Ty::Tuple(ts, size) => {
                let mut p: Vec<String> = ts.iter().map(|t| self.ty(t)).collect();
                if let Some((a, b)) = size {
                    write_range(&mut p, *a, *b, MINI);
                }
                self.list("Tuple", p)
            }
            Ty::Struct(es) => {
                if es.is_empty() {
                    return "Struct".into();
                }
                let mut parts = Vec::new();
                for e in es {
                    let q = super::format::puppet_quote(&e.key, false);
                    let value_optional = e.value.accepts_undef();
                    let key = match (e.required, value_optional) {
                        (false, false) => format!("Optional[{q}]"),
                        (true, true) => format!("NotUndef[{q}]"),
                        _ => q,
                    };
                    parts.push(format!("{key} => {}", self.ty(&e.value)));
                }
                format!("Struct[{{{}}}]", parts.join(", "))
            }
            Ty::Optional(None) => "Optional".into(),
            Ty::Optional(Some(t)) => match &**t {
                Ty::StrVal(v) => format!("Optional[{}]", super::format::puppet_quote(v, false)),
                t => format!("Optional[{}]", self.ty(t)),
            },
            Ty::Variant(ts) => {
                let p = ts.iter().map(|t| self.ty(t)).collect();
                self.list("Variant", p)
            }
            Ty::Iterable(None) => "Iterable".into(),
            Ty::Iterable(Some(t)) => format!("Iterable[{}]", self.ty(t)),
            Ty::Iterator(None) => "Iterator".into(),
            Ty::Iterator(Some(t)) => format!("Iterator[{}]", self.ty(t)),
            Ty::Callable(args) => {
                let p = args.iter().map(arg_str).collect();
                self.list("Callable", p)
            }
            Ty::CatalogEntry => "CatalogEntry".into(),
            Ty::Resource(None, _) => "Resource".into(),
            Ty::Resource(Some(t), None) => converge_catalog::capitalize_type(t),
            Ty::Resource(Some(t), Some(title)) => format!(
                "{}[{}]",
                converge_catalog::capitalize_type(t),
                super::format::puppet_quote(title, false)
            ),
            Ty::Class(None) => "Class".into(),
            Ty::Class(Some(c)) => format!("Class[{c}]"),
            Ty::Type(None) => "Type".into(),
            Ty::Type(Some(t)) => format!("Type[{}]", self.ty(t)),
            Ty::Sensitive(None) => "Sensitive".into(),
            Ty::Sensitive(Some(t)) => match &**t {
                Ty::Any => "Sensitive".into(),
                t => format!("Sensitive[{}]", self.ty(t)),
            },
            Ty::Binary => "Binary".into(),
            Ty::Timestamp(a, b) | Ty::Timespan(a, b) => {
                let stamp = matches!(t, Ty::Timestamp(..));
                let name = if stamp { "Timestamp" } else { "Timespan" };
                if a.is_none() && b.is_none() {
                    return name.into();
                }
                let val = |n: i128| {
                    if stamp {
                        Val::Timestamp(n)
                    } else {
                        Val::Timespan(n)
                    }
                };
                let mut p = vec![match a {
                    Some(a) => format!("'{}'", val(*a)),
                    None => "default".into(),
                }];
                if let Some(b) = b {
                    if Some(*b) != *a {
                        p.push(format!("'{}'", val(*b)));
                    }
                }
                self.list(name, p)
            }
            Ty::SemVer => "SemVer".into(),
            Ty::SemVerRange => "SemVerRange".into(),
            Ty::Init(None) => "Init".into(),
            Ty::Init(Some(t)) => format!("Init[{}]", self.ty(t)),
            Ty::Runtime => "Runtime".into(),
            Ty::Named(n) => (*n).into(),
            Ty::Alias(a) => {
                let ptr = Rc::as_ptr(a);
                if !self.expanded
                    || BUILTIN_ALIASES.contains(&a.name.as_str())
                    || self.guard.contains(&ptr)
                {
                    return a.name.clone();
                }
                self.guard.push(ptr);
                let inner = self.ty(&a.resolved.borrow());
                self.guard.pop();
                format!("{} = {inner}", a.name)
            }
        }
    }
}

/// How a value is written inside a type (`'a'`, `1`, `/re/`).
fn arg_str(v: &Val) -> String {
    struct W<'a>(&'a Val);
    impl fmt::Display for W<'_> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write_arg(f, self.0)
        }
    }
    W(v).to_string()
}

impl Ty {
    /// The "expects ..." phrase of a mismatch message for value `v`, with a path into
    /// arrays and hashes (`index 1 expects a String value, got Integer`), worded as
    /// Puppet's type mismatch describer words it.
    pub(crate) fn mismatch(&self, v: &Val) -> String {
        super::describe::describe_mismatch("", self, v)
    }
}

/// A type without the detail inference adds (`Integer[1, 1]` -> `Integer`), as Puppet's
/// `generalize` makes it.
pub(crate) fn generalize(t: &Ty) -> Ty {
    match t {
        Ty::Integer(..) => Ty::Integer(MINI, MAXI),
        Ty::Float(..) => Ty::Float(f64::NEG_INFINITY, f64::INFINITY),
        Ty::String(..) | Ty::StrVal(_) => Ty::String(0, MAXI),
        Ty::Boolean(_) => Ty::Boolean(None),
        Ty::Regexp(_) => Ty::Regexp(None),
        Ty::Array(e, ..) => Ty::Array(bx(generalize(e)), 0, MAXI),
        Ty::Hash(k, v, ..) => Ty::Hash(bx(generalize(k)), bx(generalize(v)), 0, MAXI),
        Ty::Tuple(ts, _) => Ty::Tuple(ts.iter().map(generalize).collect(), None),
        Ty::Struct(es) => Ty::Struct(
            es.iter()
                .map(|e| StructElem {
                    key: e.key.clone(),
                    required: e.required,
                    value: generalize(&e.value),
                })
                .collect(),
        ),
        Ty::Optional(Some(t)) => Ty::Optional(Some(bx(generalize(t)))),
        Ty::Sensitive(Some(t)) => Ty::Sensitive(Some(bx(generalize(t)))),
        Ty::Timestamp(..) => Ty::Timestamp(None, None),
        Ty::Timespan(..) => Ty::Timespan(None, None),
        t => t.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(name: &str) -> Ty {
        from_name(name).unwrap()
    }

    #[test]
    fn floats_print_as_ruby_does() {
        for (f, s) in [
            (1.0, "1.0"),
            (1e20, "1.0e+20"),
            (1.5e-7, "1.5e-07"),
            (100.0 / 3.0, "33.333333333333336"),
            (0.1, "0.1"),
            (1234567890123456.0, "1.234567890123456e+15"),
            (123456789012345.0, "123456789012345.0"),
            (0.0001, "0.0001"),
            (-2.5, "-2.5"),
        ] {
            assert_eq!(fmt_float(f), s);
        }
    }

    #[test]
    fn data_is_recursive_and_assignable() {
        let data = t("Data");
        assert!(data.matches(&Val::Array(vec![Val::Int(1), Val::Undef])));
        assert!(!data.matches(&Val::Default));
        assert!(data.assignable(&Ty::Array(bx(Ty::String(0, MAXI)), 0, MAXI)));
        assert!(t("RichData").assignable(&data));
        assert_eq!(data.to_string(), "Data");
    }
}
