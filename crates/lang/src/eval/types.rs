//! Puppet's data types as values (`String`, `Array[Integer]`, `Optional[...]`), matching a
//! value against a type, and the "expects an X value, got Y" messages.

use super::unroot;
use super::value::Val;
use std::fmt;

/// A Puppet type.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Ty {
    Any,
    Undef,
    Default,
    NotUndef(Option<Box<Ty>>),
    Boolean,
    Integer(i64, i64),
    Float(f64, f64),
    Numeric,
    String(i64, i64),
    Enum(Vec<String>),
    Pattern(Vec<String>),
    Regexp,
    Scalar,
    ScalarData,
    Data,
    Array(Box<Ty>, i64, i64),
    Hash(Box<Ty>, Box<Ty>, i64, i64),
    Tuple(Vec<Ty>),
    Struct(Vec<(String, Ty)>),
    Optional(Box<Ty>),
    Variant(Vec<Ty>),
    Collection,
    Iterable,
    /// A resource type, optionally with a title: `File`, `Package['x']` as a type.
    Resource(Option<String>),
    /// `Class`, or `Class['x']`.
    Class(Option<String>),
    Type(Option<Box<Ty>>),
    Sensitive(Box<Ty>),
    Callable,
    CatalogEntry,
}

const MAXI: i64 = i64::MAX;
const MINI: i64 = i64::MIN;

/// A type from a bare capitalised name; `None` when the name is not a data type (then it
/// is a resource type, a define, or an unknown alias).
pub(crate) fn from_name(name: &str) -> Option<Ty> {
    let n = unroot(name);
    Some(match n {
        "Any" => Ty::Any,
        "Undef" => Ty::Undef,
        "Default" => Ty::Default,
        "NotUndef" => Ty::NotUndef(None),
        "Boolean" => Ty::Boolean,
        "Integer" => Ty::Integer(MINI, MAXI),
        "Float" => Ty::Float(f64::NEG_INFINITY, f64::INFINITY),
        "Numeric" => Ty::Numeric,
        "String" => Ty::String(0, MAXI),
        "Enum" => Ty::Enum(Vec::new()),
        "Pattern" => Ty::Pattern(Vec::new()),
        "Regexp" => Ty::Regexp,
        "Scalar" => Ty::Scalar,
        "ScalarData" => Ty::ScalarData,
        "Data" => Ty::Data,
        "Array" => Ty::Array(Box::new(Ty::Any), 0, MAXI),
        "Hash" => Ty::Hash(Box::new(Ty::Any), Box::new(Ty::Any), 0, MAXI),
        "Tuple" => Ty::Tuple(Vec::new()),
        "Struct" => Ty::Struct(Vec::new()),
        "Optional" => Ty::Optional(Box::new(Ty::Any)),
        "Variant" => Ty::Variant(Vec::new()),
        "Collection" => Ty::Collection,
        "Iterable" | "Iterator" => Ty::Iterable,
        "Resource" => Ty::Resource(None),
        "Class" => Ty::Class(None),
        "Type" => Ty::Type(None),
        "Sensitive" => Ty::Sensitive(Box::new(Ty::Any)),
        "Callable" => Ty::Callable,
        "CatalogEntry" => Ty::CatalogEntry,
        // stdlib's most used aliases, built in so that manifests need no module.
        "Stdlib::Port" => Ty::Integer(0, 65535),
        "Stdlib::Port::Unprivileged" => Ty::Integer(1024, 65535),
        "Stdlib::Port::Privileged" => Ty::Integer(1, 1023),
        "Stdlib::Absolutepath" | "Stdlib::Unixpath" => Ty::Pattern(vec![r"^/".into()]),
        "Stdlib::Filemode" => Ty::Pattern(vec![
            r"^[0-7]{3,4}$".into(),
            r"^[ugoa]*[-+=][rwxXst]*".into(),
        ]),
        "Stdlib::Host"
        | "Stdlib::Fqdn"
        | "Stdlib::IP::Address"
        | "Stdlib::IP::Address::V4"
        | "Stdlib::Httpurl"
        | "Stdlib::HTTPUrl"
        | "Stdlib::Email" => Ty::String(1, MAXI),
        "Stdlib::Ensure::Service" => Ty::Enum(vec!["running".into(), "stopped".into()]),
        "Stdlib::Ensure::File" => Ty::Enum(vec![
            "present".into(),
            "absent".into(),
            "file".into(),
            "directory".into(),
            "link".into(),
        ]),
        _ => return None,
    })
}

fn int_arg(v: &Val) -> Result<i64, String> {
    match v {
        Val::Int(i) => Ok(*i),
        Val::Default => Ok(MAXI),
        Val::Float(f) if f.is_finite() => Ok(*f as i64),
        v => Err(format!(
            "expected an Integer type parameter, got {}",
            v.type_name()
        )),
    }
}

fn ty_arg(v: &Val) -> Result<Ty, String> {
    match v {
        Val::Type(t) => Ok(t.clone()),
        Val::Str(s) => Ok(Ty::Enum(vec![s.clone()])),
        Val::Undef => Ok(Ty::Undef),
        v => Err(format!("expected a type parameter, got {}", v.type_name())),
    }
}

fn range(args: &[Val], dmin: i64) -> Result<(i64, i64), String> {
    let min = match args.first() {
        Some(Val::Default) | None => dmin,
        Some(v) => int_arg(v)?,
    };
    let max = match args.get(1) {
        Some(v) => int_arg(v)?,
        None => MAXI,
    };
    Ok((min, max))
}

/// `Base[args]`: a parameterised type.
pub(crate) fn parameterize(base: &Ty, args: &[Val]) -> Result<Ty, String> {
    Ok(match base {
        Ty::Integer(..) => {
            let (a, b) = range(args, MINI)?;
            Ty::Integer(a, b)
        }
        Ty::Float(..) => {
            let f = |v: Option<&Val>, d: f64| match v {
                Some(Val::Int(i)) => Ok(*i as f64),
                Some(Val::Float(x)) => Ok(*x),
                Some(Val::Default) | None => Ok(d),
                Some(v) => Err(format!(
                    "expected a Float type parameter, got {}",
                    v.type_name()
                )),
            };
            Ty::Float(
                f(args.first(), f64::NEG_INFINITY)?,
                f(args.get(1), f64::INFINITY)?,
            )
        }
        Ty::String(..) => {
            let (a, b) = range(args, 0)?;
            Ty::String(a, b)
        }
        Ty::Enum(_) => Ty::Enum(
            flatten(args)
                .iter()
                .map(|v| match v {
                    Val::Str(s) => Ok(s.clone()),
                    v => Err(format!(
                        "Enum parameters must be strings, got {}",
                        v.type_name()
                    )),
                })
                .collect::<Result<_, _>>()?,
        ),
        Ty::Pattern(_) => Ty::Pattern(
            flatten(args)
                .iter()
                .map(|v| match v {
                    Val::Str(s) | Val::Regex(s) => Ok(s.clone()),
                    v => Err(format!(
                        "Pattern parameters must be regexes, got {}",
                        v.type_name()
                    )),
                })
                .collect::<Result<_, _>>()?,
        ),
        Ty::Array(..) => {
            let elem = match args.first() {
                Some(v) => ty_arg(v)?,
                None => Ty::Any,
            };
            let (a, b) = range(args.get(1..).unwrap_or(&[]), 0)?;
            Ty::Array(Box::new(elem), a, b)
        }
        Ty::Hash(..) => {
            let k = args.first().map(ty_arg).transpose()?.unwrap_or(Ty::Any);
            let v = args.get(1).map(ty_arg).transpose()?.unwrap_or(Ty::Any);
            let (a, b) = range(args.get(2..).unwrap_or(&[]), 0)?;
            Ty::Hash(Box::new(k), Box::new(v), a, b)
        }
        Ty::Tuple(_) => Ty::Tuple(
            args.iter()
                .filter(|a| matches!(a, Val::Type(_)))
                .map(ty_arg)
                .collect::<Result<_, _>>()?,
        ),
        Ty::Struct(_) => match args.first() {
            Some(Val::Hash(h)) => Ty::Struct(
                h.iter()
                    .map(|(k, v)| Ok((k.clone(), ty_arg(v)?)))
                    .collect::<Result<_, String>>()?,
            ),
            _ => return Err("Struct expects a Hash of types".into()),
        },
        Ty::Optional(_) => Ty::Optional(Box::new(
            args.first().map(ty_arg).transpose()?.unwrap_or(Ty::Any),
        )),
        Ty::NotUndef(_) => Ty::NotUndef(args.first().map(ty_arg).transpose()?.map(Box::new)),
        Ty::Sensitive(_) => Ty::Sensitive(Box::new(
            args.first().map(ty_arg).transpose()?.unwrap_or(Ty::Any),
        )),
        Ty::Type(_) => Ty::Type(args.first().map(ty_arg).transpose()?.map(Box::new)),
        Ty::Variant(_) => Ty::Variant(args.iter().map(ty_arg).collect::<Result<_, _>>()?),
        Ty::Callable | Ty::Iterable | Ty::Collection => base.clone(),
        t => return Err(format!("{t} does not take parameters")),
    })
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

fn regex_matches(pat: &str, s: &str) -> bool {
    regex::Regex::new(pat)
        .map(|r| r.is_match(s))
        .unwrap_or(false)
}

impl Ty {
    /// Whether a value is an instance of this type.
    pub(crate) fn matches(&self, v: &Val) -> bool {
        let len_ok = |n: usize, a: i64, b: i64| (n as i64) >= a && (n as i64) <= b;
        match (self, v) {
            (Ty::Any, _) => true,
            (Ty::Undef, Val::Undef) => true,
            (Ty::Default, Val::Default) => true,
            (Ty::NotUndef(t), v) => {
                !matches!(v, Val::Undef) && t.as_ref().is_none_or(|t| t.matches(v))
            }
            (Ty::Boolean, Val::Bool(_)) => true,
            (Ty::Integer(a, b), Val::Int(i)) => i >= a && i <= b,
            (Ty::Float(a, b), Val::Float(f)) => f >= a && f <= b,
            (Ty::Numeric, Val::Int(_) | Val::Float(_)) => true,
            (Ty::String(a, b), Val::Str(s)) => len_ok(s.chars().count(), *a, *b),
            (Ty::Enum(opts), Val::Str(s)) => opts.is_empty() || opts.iter().any(|o| o == s),
            (Ty::Pattern(ps), Val::Str(s)) => {
                ps.is_empty() || ps.iter().any(|p| regex_matches(p, s))
            }
            (Ty::Regexp, Val::Regex(_)) => true,
            (
                Ty::Scalar,
                Val::Str(_) | Val::Int(_) | Val::Float(_) | Val::Bool(_) | Val::Regex(_),
            ) => true,
            (Ty::ScalarData, Val::Str(_) | Val::Int(_) | Val::Float(_) | Val::Bool(_)) => true,
            (Ty::Data, v) => is_data(v),
            (Ty::Array(t, a, b), Val::Array(x)) => {
                len_ok(x.len(), *a, *b) && x.iter().all(|e| t.matches(e))
            }
            (Ty::Hash(k, t, a, b), Val::Hash(h)) => {
                len_ok(h.len(), *a, *b)
                    && h.iter()
                        .all(|(key, e)| k.matches(&Val::Str(key.clone())) && t.matches(e))
            }
            (Ty::Tuple(ts), Val::Array(x)) => {
                x.len() == ts.len() && ts.iter().zip(x).all(|(t, e)| t.matches(e))
            }
            (Ty::Struct(fields), Val::Hash(h)) => {
                h.keys().all(|k| fields.iter().any(|(f, _)| f == k))
                    && fields
                        .iter()
                        .all(|(f, t)| t.matches(h.get(f).unwrap_or(&Val::Undef)))
            }
            (Ty::Optional(t), v) => matches!(v, Val::Undef) || t.matches(v),
            (Ty::Variant(ts), v) => ts.iter().any(|t| t.matches(v)),
            (Ty::Collection | Ty::Iterable, Val::Array(_) | Val::Hash(_)) => true,
            (Ty::Iterable, Val::Str(_) | Val::Int(_)) => true,
            (Ty::Resource(None) | Ty::CatalogEntry, Val::Ref(_)) => true,
            (Ty::Resource(Some(t)), Val::Ref(r)) => r.type_lower() == *t,
            (Ty::Class(None), Val::Ref(r)) => r.is_class(),
            (Ty::Class(Some(c)), Val::Ref(r)) => r.is_class() && r.title.eq_ignore_ascii_case(c),
            (Ty::Type(None), Val::Type(_)) => true,
            (Ty::Type(Some(t)), Val::Type(u)) => t.as_ref() == u || **t == Ty::Any,
            (Ty::Sensitive(t), Val::Sensitive(v)) => t.matches(v),
            _ => false,
        }
    }

    /// Whether `undef` is acceptable, so a parameter of this type without a default is
    /// optional.
    pub(crate) fn accepts_undef(&self) -> bool {
        self.matches(&Val::Undef)
    }

    /// The "expects ..." phrase of a mismatch message for value `v`, with an index path
    /// into arrays and hashes (`index 1 expects a String value, got Integer`).
    pub(crate) fn mismatch(&self, v: &Val) -> String {
        match (self, v) {
            (Ty::Array(t, a, b), Val::Array(x))
                if (x.len() as i64) >= *a && (x.len() as i64) <= *b =>
            {
                if let Some((i, e)) = x.iter().enumerate().find(|(_, e)| !t.matches(e)) {
                    return format!("index {i} {}", t.mismatch(e));
                }
            }
            (Ty::Hash(_, t, _, _), Val::Hash(h)) => {
                if let Some((k, e)) = h.iter().find(|(_, e)| !t.matches(e)) {
                    return format!("entry '{k}' {}", t.mismatch(e));
                }
            }
            (Ty::Optional(t), v) if !matches!(v, Val::Undef) => {
                if let Ty::Enum(_) | Ty::Pattern(_) = **t {
                    return t.mismatch(v);
                }
                return format!("expects a value of type Undef or {t}, got {}", describe(v));
            }
            _ => {}
        }
        match self {
            Ty::Enum(_) | Ty::Pattern(_) if matches!(v, Val::Str(_)) => {
                format!("expects a match for {self}, got '{v}'")
            }
            Ty::Variant(ts) => {
                let names: Vec<String> = ts.iter().map(|t| t.to_string()).collect();
                let list = match names.len() {
                    0 => String::new(),
                    1 => names[0].clone(),
                    n => format!("{} or {}", names[..n - 1].join(", "), names[n - 1]),
                };
                format!("expects a value of type {list}, got {}", describe(v))
            }
            _ => {
                let s = self.to_string();
                let article = if s.starts_with(['A', 'E', 'I', 'O', 'U']) {
                    "an"
                } else {
                    "a"
                };
                format!("expects {article} {s} value, got {}", describe(v))
            }
        }
    }
}

/// The type of a value as mismatch messages print it (`Integer`, `String`, `Undef`).
fn describe(v: &Val) -> String {
    v.type_name()
}

fn is_data(v: &Val) -> bool {
    match v {
        Val::Undef | Val::Str(_) | Val::Int(_) | Val::Float(_) | Val::Bool(_) => true,
        Val::Array(a) => a.iter().all(is_data),
        Val::Hash(h) => h.values().all(is_data),
        _ => false,
    }
}

fn fmt_range(f: &mut fmt::Formatter<'_>, name: &str, a: i64, b: i64, dmin: i64) -> fmt::Result {
    if a == dmin && b == MAXI {
        f.write_str(name)
    } else if b == MAXI {
        write!(f, "{name}[{a}]")
    } else {
        write!(f, "{name}[{a}, {b}]")
    }
}

fn quoted(list: &[String]) -> String {
    list.iter()
        .map(|s| format!("'{s}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl fmt::Display for Ty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ty::Any => f.write_str("Any"),
            Ty::Undef => f.write_str("Undef"),
            Ty::Default => f.write_str("Default"),
            Ty::NotUndef(None) => f.write_str("NotUndef"),
            Ty::NotUndef(Some(t)) => write!(f, "NotUndef[{t}]"),
            Ty::Boolean => f.write_str("Boolean"),
            Ty::Integer(a, b) => fmt_range(f, "Integer", *a, *b, MINI),
            Ty::Float(a, b) => {
                if a.is_infinite() && b.is_infinite() {
                    f.write_str("Float")
                } else {
                    write!(f, "Float[{a}, {b}]")
                }
            }
            Ty::Numeric => f.write_str("Numeric"),
            Ty::String(a, b) => fmt_range(f, "String", *a, *b, 0),
            Ty::Enum(v) if v.is_empty() => f.write_str("Enum"),
            Ty::Enum(v) => write!(f, "Enum[{}]", quoted(v)),
            Ty::Pattern(v) if v.is_empty() => f.write_str("Pattern"),
            Ty::Pattern(v) => write!(
                f,
                "Pattern[{}]",
                v.iter()
                    .map(|s| format!("/{s}/"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Ty::Regexp => f.write_str("Regexp"),
            Ty::Scalar => f.write_str("Scalar"),
            Ty::ScalarData => f.write_str("ScalarData"),
            Ty::Data => f.write_str("Data"),
            Ty::Array(t, a, b) => {
                if **t == Ty::Any && *a == 0 && *b == MAXI {
                    f.write_str("Array")
                } else if *a == 0 && *b == MAXI {
                    write!(f, "Array[{t}]")
                } else {
                    write!(f, "Array[{t}, {a}, {b}]")
                }
            }
            Ty::Hash(k, v, _, _) => {
                if **k == Ty::Any && **v == Ty::Any {
                    f.write_str("Hash")
                } else {
                    write!(f, "Hash[{k}, {v}]")
                }
            }
            Ty::Tuple(ts) => write!(
                f,
                "Tuple[{}]",
                ts.iter()
                    .map(|t| t.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Ty::Struct(fs) => write!(
                f,
                "Struct[{{{}}}]",
                fs.iter()
                    .map(|(k, t)| format!("'{k}' => {t}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Ty::Optional(t) => write!(f, "Optional[{t}]"),
            Ty::Variant(ts) => write!(
                f,
                "Variant[{}]",
                ts.iter()
                    .map(|t| t.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Ty::Collection => f.write_str("Collection"),
            Ty::Iterable => f.write_str("Iterable"),
            Ty::Resource(None) => f.write_str("Resource"),
            Ty::Resource(Some(t)) => f.write_str(&converge_catalog::capitalize_type(t)),
            Ty::Class(None) => f.write_str("Class"),
            Ty::Class(Some(c)) => write!(f, "Class[{}]", converge_catalog::capitalize_type(c)),
            Ty::Type(None) => f.write_str("Type"),
            Ty::Type(Some(t)) => write!(f, "Type[{t}]"),
            Ty::Sensitive(t) => write!(f, "Sensitive[{t}]"),
            Ty::Callable => f.write_str("Callable"),
            Ty::CatalogEntry => f.write_str("CatalogEntry"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mismatch_messages_read_like_puppet() {
        let int = from_name("Integer").unwrap();
        assert_eq!(
            int.mismatch(&Val::Str("x".into())),
            "expects an Integer value, got String"
        );
        let e = parameterize(
            &Ty::Enum(vec![]),
            &[Val::Str("a".into()), Val::Str("b".into())],
        )
        .unwrap();
        assert_eq!(
            e.mismatch(&Val::Str("c".into())),
            "expects a match for Enum['a', 'b'], got 'c'"
        );
        let opt = Ty::Optional(Box::new(int.clone()));
        assert!(opt.matches(&Val::Undef));
        assert_eq!(
            opt.mismatch(&Val::Str("x".into())),
            "expects a value of type Undef or Integer, got String"
        );
        let arr = parameterize(
            &from_name("Array").unwrap(),
            &[Val::Type(from_name("String").unwrap())],
        )
        .unwrap();
        assert_eq!(
            arr.mismatch(&Val::Array(vec![Val::Str("a".into()), Val::Int(1)])),
            "index 1 expects a String value, got Integer"
        );
        assert!(from_name("Stdlib::Port").unwrap().matches(&Val::Int(8080)));
        assert!(!from_name("Stdlib::Port").unwrap().matches(&Val::Int(70000)));
    }
}
