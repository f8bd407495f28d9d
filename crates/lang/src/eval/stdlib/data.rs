//! stdlib's data functions: arrays and hashes built, filtered and combined.

use super::{args3, exactly, need1, ri, rs, ruby_class};
use crate::ast::{Lambda, Span};
use crate::eval::ops::ruby_eq;
use crate::eval::value::{Key, Map, Val};
use crate::eval::{Compiler, R};
use indexmap::IndexMap;

/// Ruby's `Array#-`/`&`/`|` element equality (`eql?` on hash keys).
fn has(a: &[Val], v: &Val) -> bool {
    a.iter().any(|x| ruby_eq(x, v))
}

fn dedup(a: impl IntoIterator<Item = Val>) -> Vec<Val> {
    let mut out: Vec<Val> = Vec::new();
    for v in a {
        if !has(&out, &v) {
            out.push(v);
        }
    }
    out
}

pub(super) fn any2array(_: &mut Compiler, args: Vec<Val>, _: Option<&Lambda>, _: Span) -> R<Val> {
    let args = args3(args);
    if args.len() != 1 {
        return Ok(Val::Array(args));
    }
    Ok(match args.into_iter().next().unwrap_or(Val::Undef) {
        Val::Array(a) => Val::Array(a),
        Val::Str(s) if s.is_empty() => Val::Array(Vec::new()),
        Val::Hash(h) => Val::Array(h.into_iter().flat_map(|(k, v)| [k.0, v]).collect()),
        v => Val::Array(vec![v]),
    })
}

pub(super) fn any2bool(c: &mut Compiler, args: Vec<Val>, _: Option<&Lambda>, span: Span) -> R<Val> {
    need1(c, "any2bool", &args, span)?;
    match &args[0] {
        Val::Bool(b) => Ok(Val::Bool(*b)),
        Val::Undef => Ok(Val::Bool(false)),
        v @ (Val::Int(_) | Val::Float(_)) => num2bool(c, vec![v.clone()], None, span),
        Val::Str(s) if float(s).is_some() => num2bool(c, vec![args[0].clone()], None, span),
        Val::Str(_) => super::strings::str2bool(c, vec![args[0].clone()], None, span),
        _ => Ok(Val::Bool(true)),
    }
}

/// Ruby's `Float(string)`: decimal, hex, with underscores between digits, surrounding
/// blanks allowed.
pub(super) fn float(s: &str) -> Option<f64> {
    let t = s.trim();
    if t.is_empty() || t.contains("__") || t.starts_with('_') || t.ends_with('_') {
        return None;
    }
    let t = t.replace('_', "");
    let (neg, body) = match t.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, t.strip_prefix('+').unwrap_or(&t)),
    };
    if let Some(h) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
        let v = i64::from_str_radix(h, 16).ok()? as f64;
        return Some(if neg { -v } else { v });
    }
    if !body.starts_with(|c: char| c.is_ascii_digit() || c == '.')
        || body.ends_with('.')
        || body.starts_with('.')
        || !body
            .bytes()
            .all(|b| b.is_ascii_digit() || b"eE.+-".contains(&b))
    {
        return None;
    }
    let v: f64 = body.parse().ok()?;
    Some(if neg { -v } else { v })
}

pub(super) fn count(c: &mut Compiler, args: Vec<Val>, _: Option<&Lambda>, span: Span) -> R<Val> {
    let args = args3(args);
    if args.len() > 2 {
        return Err(c.stdlib_err(
            format!(
                "count(): Wrong number of arguments given {} for 1 or 2.",
                args.len()
            ),
            span,
        ));
    }
    let items: Vec<Val> = match args.first() {
        Some(Val::Array(a)) => a.clone(),
        Some(Val::Hash(h)) => h
            .iter()
            .map(|(k, v)| Val::Array(vec![k.0.clone(), v.clone()]))
            .collect(),
        Some(v) => {
            return Err(c.stdlib_err(
                format!("undefined method `count' for {}:{}", ri(v), ruby_class(v)),
                span,
            ))
        }
        None => {
            return Err(c.stdlib_err(
                "count(): Wrong number of arguments given (0 for minimum 1)",
                span,
            ))
        }
    };
    let n = match args.get(1) {
        Some(item) if !matches!(item, Val::Str(s) if s.is_empty()) => {
            items.iter().filter(|x| ruby_eq(x, item)).count()
        }
        _ => items
            .iter()
            .filter(|x| !x.is_undef() && !matches!(x, Val::Str(s) if s.is_empty()))
            .count(),
    };
    Ok(Val::Int(n as i64))
}

fn deep(a: Map, b: Map) -> Map {
    let mut out = a;
    for (k, v) in b {
        let merged = match (out.get(&k), v) {
            (Some(Val::Hash(old)), Val::Hash(new)) => Val::Hash(deep(old.clone(), new)),
            (_, v) => v,
        };
        out.insert(k, merged);
    }
    out
}

pub(super) fn deep_merge(
    c: &mut Compiler,
    args: Vec<Val>,
    _: Option<&Lambda>,
    span: Span,
) -> R<Val> {
    let args = args3(args);
    if args.len() < 2 {
        return Err(c.stdlib_err(
            format!(
                "deep_merge(): wrong number of arguments ({}; must be at least 2)",
                args.len()
            ),
            span,
        ));
    }
    let mut out = IndexMap::new();
    for a in args {
        match a {
            Val::Str(s) if s.is_empty() => {}
            Val::Hash(h) => out = deep(out, h),
            v => {
                return Err(c.stdlib_err(
                    format!(
                        "deep_merge: unexpected argument type {}, only expects hash arguments",
                        ruby_class(&v)
                    ),
                    span,
                ))
            }
        }
    }
    Ok(Val::Hash(out))
}

pub(super) fn delete(c: &mut Compiler, args: Vec<Val>, _: Option<&Lambda>, span: Span) -> R<Val> {
    let args = args3(args);
    exactly(c, "delete", &args, 2, false, span)?;
    let drop = match &args[1] {
        Val::Array(a) => a.clone(),
        Val::Hash(h) => h
            .iter()
            .map(|(k, v)| Val::Array(vec![k.0.clone(), v.clone()]))
            .collect(),
        v => vec![v.clone()],
    };
    let mut coll = args[0].clone();
    for d in &drop {
        coll = match coll {
            Val::Array(a) => Val::Array(a.into_iter().filter(|x| !ruby_eq(x, d)).collect()),
            Val::Hash(mut h) => {
                h.shift_remove(&Key(d.clone()));
                Val::Hash(h)
            }
            Val::Str(s) => match d {
                Val::Str(p) if !p.is_empty() => Val::Str(s.replace(p.as_str(), "")),
                Val::Regex(p) => {
                    let re = c.regex(p, span)?;
                    Val::Str(re.replace(&s, "", true))
                }
                _ => Val::Str(s),
            },
            v => {
                return Err(c.stdlib_err(
                    format!(
                        "delete(): First argument must be an Array, String, or Hash. Given an argument of class {}.",
                        ruby_class(&v)
                    ),
                    span,
                ))
            }
        };
    }
    Ok(coll)
}

pub(super) fn delete_at(
    c: &mut Compiler,
    args: Vec<Val>,
    _: Option<&Lambda>,
    span: Span,
) -> R<Val> {
    let args = args3(args);
    if args.len() < 2 {
        return Err(c.stdlib_err(
            format!(
                "delete_at(): Wrong number of arguments given ({} for 2)",
                args.len()
            ),
            span,
        ));
    }
    let Val::Array(mut a) = args[0].clone() else {
        return Err(c.stdlib_err("delete_at(): Requires array to work with", span));
    };
    let idx = match &args[1] {
        Val::Int(i) => Some(*i),
        Val::Str(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => s.parse().ok(),
        Val::Str(s)
            if s.starts_with('-') && s.len() > 1 && s[1..].bytes().all(|b| b.is_ascii_digit()) =>
        {
            s.parse().ok()
        }
        _ => None,
    };
    let Some(i) = idx else {
        return Err(c.stdlib_err(
            "delete_at(): You must provide non-negative numeric index",
            span,
        ));
    };
    let len = a.len() as i64;
    if i > len - 1 {
        return Err(c.stdlib_err("delete_at(): Given index exceeds size of array given", span));
    }
    let at = if i < 0 { len + i } else { i };
    if at >= 0 {
        a.remove(at as usize);
    }
    Ok(Val::Array(a))
}

pub(super) fn delete_undef_values(
    c: &mut Compiler,
    args: Vec<Val>,
    _: Option<&Lambda>,
    span: Span,
) -> R<Val> {
    let args = args3(args);
    match args.first() {
        None => Err(c.stdlib_err(
            "delete_undef_values(): Wrong number of arguments given (0)",
            span,
        )),
        Some(Val::Array(a)) => Ok(Val::Array(
            a.iter().filter(|v| !v.is_undef()).cloned().collect(),
        )),
        Some(Val::Hash(h)) => Ok(Val::Hash(
            h.iter()
                .filter(|(_, v)| !v.is_undef())
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        )),
        Some(v) => Err(c.stdlib_err(
            format!(
                "delete_undef_values(): expected an array or hash, got {} type  {} ",
                rs(v),
                ruby_class(v)
            ),
            span,
        )),
    }
}

pub(super) fn delete_values(
    c: &mut Compiler,
    args: Vec<Val>,
    _: Option<&Lambda>,
    span: Span,
) -> R<Val> {
    let args = args3(args);
    if args.len() != 2 {
        return Err(c.stdlib_err(
            format!(
                "delete_values(): Wrong number of arguments given ({} of 2)",
                args.len()
            ),
            span,
        ));
    }
    match &args[0] {
        Val::Hash(h) => Ok(Val::Hash(
            h.iter()
                .filter(|(_, v)| !ruby_eq(v, &args[1]))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        )),
        v => Err(c.stdlib_err(
            format!(
                "delete_values(): First argument must be a Hash. Given an argument of class {}.",
                ruby_class(v)
            ),
            span,
        )),
    }
}

/// The two arrays of `difference` and `intersection`.
fn two_arrays(c: &mut Compiler, name: &str, args: Vec<Val>, span: Span) -> R<(Vec<Val>, Vec<Val>)> {
    let args = args3(args);
    exactly(c, name, &args, 2, true, span)?;
    match (&args[0], &args[1]) {
        (Val::Array(a), Val::Array(b)) => Ok((a.clone(), b.clone())),
        (a, b) if name == "intersection" => Err(c.stdlib_err(
            format!(
                "intersection(): Requires 2 arrays, got {} and {}",
                ruby_class(a),
                ruby_class(b)
            ),
            span,
        )),
        _ => Err(c.stdlib_err(format!("{name}(): Requires 2 arrays"), span)),
    }
}

pub(super) fn difference(
    c: &mut Compiler,
    args: Vec<Val>,
    _: Option<&Lambda>,
    span: Span,
) -> R<Val> {
    let (a, b) = two_arrays(c, "difference", args, span)?;
    Ok(Val::Array(a.into_iter().filter(|x| !has(&b, x)).collect()))
}

pub(super) fn intersection(
    c: &mut Compiler,
    args: Vec<Val>,
    _: Option<&Lambda>,
    span: Span,
) -> R<Val> {
    let (a, b) = two_arrays(c, "intersection", args, span)?;
    Ok(Val::Array(dedup(a.into_iter().filter(|x| has(&b, x)))))
}

pub(super) fn union(c: &mut Compiler, args: Vec<Val>, _: Option<&Lambda>, span: Span) -> R<Val> {
    let args = args3(args);
    if args.len() < 2 {
        return Err(c.stdlib_err(
            format!(
                "union(): Wrong number of arguments given ({} for < 2)",
                args.len()
            ),
            span,
        ));
    }
    let mut all = Vec::new();
    for a in args {
        match a {
            Val::Array(a) => all.extend(a),
            _ => return Err(c.stdlib_err("union(): Every parameter must be an array", span)),
        }
    }
    Ok(Val::Array(dedup(all)))
}

/// Core Puppet's `unique` (it shadows stdlib's): strings by character, hashes by value
/// with the keys that had it.
pub(super) fn unique(
    c: &mut Compiler,
    args: Vec<Val>,
    lambda: Option<&Lambda>,
    span: Span,
) -> R<Val> {
    c.arity4("unique", &args, 1, 1, span)?;
    let key = |c: &mut Compiler, v: &Val| -> R<Val> {
        match lambda {
            Some(l) => c.call_lambda(l, vec![v.clone()]),
            None => Ok(v.clone()),
        }
    };
    match args.into_iter().next().unwrap_or(Val::Undef) {
        Val::Str(s) => {
            let mut out = String::new();
            for ch in s.chars() {
                if !out.contains(ch) {
                    out.push(ch);
                }
            }
            Ok(Val::Str(out))
        }
        Val::Hash(h) => {
            let mut groups: Vec<(Val, Vec<Val>, Val)> = Vec::new();
            for (k, v) in h {
                let kv = key(c, &v)?;
                match groups.iter_mut().find(|g| g.0 == kv) {
                    Some(g) => g.1.push(k.0),
                    None => groups.push((kv, vec![k.0], v)),
                }
            }
            Ok(Val::Hash(
                groups
                    .into_iter()
                    .map(|(_, ks, v)| (Key(Val::Array(ks)), Val::Array(vec![v])))
                    .collect(),
            ))
        }
        Val::Array(a) => {
            let mut seen = Vec::new();
            let mut out = Vec::new();
            for v in a {
                let kv = key(c, &v)?;
                if !seen.contains(&kv) {
                    seen.push(kv);
                    out.push(v);
                }
            }
            Ok(Val::Array(out))
        }
        v => Err(c.stdlib_err(
            format!(
                "'unique' parameter 'values' expects an Iterable value, got {}",
                v.type_name()
            ),
            span,
        )),
    }
}

/// `grep` and `reject`: the elements that match (or do not match) a Ruby regex.
fn grep_like(c: &mut Compiler, name: &str, args: Vec<Val>, keep: bool, span: Span) -> R<Val> {
    let args = args3(args);
    exactly(c, name, &args, 2, false, span)?;
    let pat = match &args[1] {
        Val::Regex(p) | Val::Str(p) => p.clone(),
        v => rs(v),
    };
    let re = c.regex(&pat, span)?;
    match &args[0] {
        Val::Array(a) => Ok(Val::Array(
            a.iter()
                .filter(|v| matches!(v, Val::Str(s) if re.is_match(s)) == keep)
                .cloned()
                .collect(),
        )),
        v => Err(c.stdlib_err(
            format!("undefined method `{name}' for {}:{}", ri(v), ruby_class(v)),
            span,
        )),
    }
}

pub(super) fn grep(c: &mut Compiler, args: Vec<Val>, _: Option<&Lambda>, span: Span) -> R<Val> {
    grep_like(c, "grep", args, true, span)
}

pub(super) fn reject(c: &mut Compiler, args: Vec<Val>, _: Option<&Lambda>, span: Span) -> R<Val> {
    grep_like(c, "reject", args, false, span)
}

pub(super) fn hash(c: &mut Compiler, args: Vec<Val>, _: Option<&Lambda>, span: Span) -> R<Val> {
    let args = args3(args);
    need1(c, "hash", &args, span)?;
    let Val::Array(a) = &args[0] else {
        return Err(c.stdlib_err("hash(): Requires array to work with", span));
    };
    let mut flat = Vec::new();
    fn fl(v: &Val, out: &mut Vec<Val>) {
        match v {
            Val::Array(a) => a.iter().for_each(|x| fl(x, out)),
            v => out.push(v.clone()),
        }
    }
    a.iter().for_each(|v| fl(v, &mut flat));
    if flat.len() % 2 != 0 {
        return Err(c.stdlib_err("hash(): Unable to compute hash from array given", span));
    }
    Ok(Val::Hash(
        flat.chunks(2)
            .map(|p| (Key(p[0].clone()), p[1].clone()))
            .collect(),
    ))
}

pub(super) fn join_keys_to_values(
    c: &mut Compiler,
    args: Vec<Val>,
    _: Option<&Lambda>,
    span: Span,
) -> R<Val> {
    let args = args3(args);
    if args.len() != 2 {
        return Err(c.stdlib_err(
            format!(
                "join_keys_to_values(): Takes exactly two arguments, but {} given.",
                args.len()
            ),
            span,
        ));
    }
    let Val::Hash(h) = &args[0] else {
        return Err(c.stdlib_err(
            format!(
                "join_keys_to_values(): The first argument must be a hash, but a {} was given.",
                ruby_class(&args[0])
            ),
            span,
        ));
    };
    let Val::Str(sep) = &args[1] else {
        return Err(c.stdlib_err(
            format!(
                "join_keys_to_values(): The second argument must be a string, but a {} was given.",
                ruby_class(&args[1])
            ),
            span,
        ));
    };
    let mut out = Vec::new();
    for (k, v) in h {
        let k = rs(&k.0);
        match v {
            Val::Array(a) => out.extend(a.iter().map(|x| Val::Str(format!("{k}{sep}{}", rs(x))))),
            v if rs(v) == "undef" => out.push(Val::Str(k)),
            v => out.push(Val::Str(format!("{k}{sep}{}", rs(v)))),
        }
    }
    Ok(Val::Array(out))
}

/// stdlib's Puppet 4 `merge`: hashes merged left to right (`undef` and `''` skipped), or
/// a hash built by a lambda over an iterable.
pub(super) fn merge(
    c: &mut Compiler,
    args: Vec<Val>,
    lambda: Option<&Lambda>,
    span: Span,
) -> R<Val> {
    let reject_block = "\n  (Iterable args*, Callable[3, 3] block)\n    rejected: expects a block\n  (Iterable args*, Callable[2, 2] block)\n    rejected: expects a block";
    let head = "The function 'merge' was called with arguments it does not accept. It expects one of:\n  (Variant[Hash[Scalar, Any], Undef, String[0, 0]] args*)";
    if let Some(l) = lambda {
        let n = l.params.len();
        if (n != 2 && n != 3) || args.len() != 1 {
            let m = if args.len() != 1 {
                format!("{head}\n    rejected: does not expect a block\n  (Iterable args*, Callable[3, 3] block)\n    rejected: expects 1 argument, got {}\n  (Iterable args*, Callable[2, 2] block)\n    rejected: expects 1 argument, got {}", args.len(), args.len())
            } else {
                format!("{head}\n    rejected: does not expect a block\n  (Iterable args*, Callable[3, 3] block)\n    rejected: block expects 3 arguments, got {n}\n  (Iterable args*, Callable[2, 2] block)\n    rejected: block expects 2 arguments, got {n}")
            };
            return Err(c.stdlib_err(m, span));
        }
        let mut acc: Map = IndexMap::new();
        let items: Vec<(Val, Val)> = match &args[0] {
            Val::Hash(h) => h.iter().map(|(k, v)| (k.0.clone(), v.clone())).collect(),
            Val::Array(a) => a.iter().enumerate().map(|(i, v)| (Val::Int(i as i64), v.clone())).collect(),
            Val::Int(n) => (0..*n).map(|i| (Val::Int(i), Val::Int(i))).collect(),
            Val::Str(s) => s.chars().enumerate().map(|(i, ch)| (Val::Int(i as i64), Val::Str(ch.to_string()))).collect(),
            v => return Err(c.stdlib_err(format!("{head}\n    rejected: does not expect a block\n  (Iterable args*, Callable[3, 3] block)\n    rejected: parameter 'args' expects an Iterable value, got {}\n  (Iterable args*, Callable[2, 2] block)\n    rejected: parameter 'args' expects an Iterable value, got {}", v.type_name(), v.type_name()), span)),
        };
        let hash_style = matches!(args[0], Val::Hash(_));
        for (k, v) in items {
            let call_args = if n == 3 {
                vec![Val::Hash(acc.clone()), k, v]
            } else if hash_style {
                vec![Val::Hash(acc.clone()), Val::Array(vec![k, v])]
            } else {
                vec![Val::Hash(acc.clone()), v]
            };
            if let Val::Hash(r) = c.call_lambda(l, call_args)? {
                acc.extend(r);
            }
        }
        return Ok(Val::Hash(acc));
    }
    let mut out = IndexMap::new();
    for a in args {
        match a {
            Val::Hash(h) => out.extend(h),
            Val::Undef => {}
            Val::Str(s) if s.is_empty() => {}
            v => {
                let got = match &v {
                    Val::Str(_) => "String".to_string(),
                    Val::Array(_) => "Tuple".to_string(),
                    v => v.type_name(),
                };
                let expects = if matches!(v, Val::Str(_)) {
                    "Undef, Hash[Scalar, Any], or String[0, 0]"
                } else {
                    "Undef, Hash, or String"
                };
                return Err(c.stdlib_err(
                    format!("{head}\n    rejected: parameter 'args' expects a value of type {expects}, got {got}{reject_block}"),
                    span,
                ));
            }
        }
    }
    Ok(Val::Hash(out))
}

pub(super) fn num2bool(c: &mut Compiler, args: Vec<Val>, _: Option<&Lambda>, span: Span) -> R<Val> {
    let args = args3(args);
    exactly(c, "num2bool", &args, 1, true, span)?;
    let n: i64 = match &args[0] {
        Val::Int(i) => *i,
        Val::Float(f) => f.trunc() as i64,
        Val::Str(s) => match float(s) {
            Some(f) => f.trunc() as i64,
            None => {
                return Err(c.stdlib_err(
                    format!(
                    "num2bool(): '{s}' does not look like a number: invalid value for Float(): {}",
                    ri(&args[0])
                ),
                    span,
                ))
            }
        },
        // Anything else goes through `to_s.to_i`: a leading integer, else 0.
        v => {
            let s = rs(v);
            let t = s.trim_start();
            let digits: String = t.chars().take_while(|ch| ch.is_ascii_digit()).collect();
            digits.parse().unwrap_or(0)
        }
    };
    Ok(Val::Bool(n > 0))
}

pub(super) fn pick(c: &mut Compiler, args: Vec<Val>, _: Option<&Lambda>, span: Span) -> R<Val> {
    for a in args3(args) {
        if !matches!(&a, Val::Str(s) if s.is_empty()) && !a.is_undef() {
            return Ok(a);
        }
    }
    Err(c.stdlib_err("pick(): must receive at least one non empty value", span))
}

pub(super) fn pick_default(
    c: &mut Compiler,
    args: Vec<Val>,
    _: Option<&Lambda>,
    span: Span,
) -> R<Val> {
    let mut args = args3(args);
    let Some(default) = args.pop() else {
        return Err(c.stdlib_err("Must receive at least one argument.", span));
    };
    Ok(args
        .into_iter()
        .find(|a| !a.is_undef() && !matches!(a, Val::Str(s) if s.is_empty()))
        .unwrap_or(default))
}

/// `prefix` and `suffix`.
fn fix(c: &mut Compiler, name: &str, args: Vec<Val>, span: Span) -> R<Val> {
    let args = args3(args);
    need1(c, name, &args, span)?;
    if !matches!(args[0], Val::Array(_) | Val::Hash(_)) {
        return Err(c.stdlib_err(
            format!(
                "{name}(): expected first argument to be an Array or a Hash, got {}",
                ri(&args[0])
            ),
            span,
        ));
    }
    let fix = match args.get(1) {
        None => String::new(),
        Some(Val::Str(s)) => s.clone(),
        Some(v) if !v.truthy() => String::new(),
        Some(v) => {
            return Err(c.stdlib_err(
                format!(
                    "{name}(): expected second argument to be a String, got {}",
                    ri(v)
                ),
                span,
            ))
        }
    };
    let f = |s: String| {
        if name == "prefix" {
            format!("{fix}{s}")
        } else {
            format!("{s}{fix}")
        }
    };
    Ok(match &args[0] {
        Val::Array(a) => Val::Array(a.iter().map(|v| Val::Str(f(rs(v)))).collect()),
        Val::Hash(h) => Val::Hash(
            h.iter()
                .map(|(k, v)| (Key::from(f(rs(&k.0))), v.clone()))
                .collect(),
        ),
        _ => unreachable!("checked above"),
    })
}

pub(super) fn prefix(c: &mut Compiler, args: Vec<Val>, _: Option<&Lambda>, span: Span) -> R<Val> {
    fix(c, "prefix", args, span)
}

pub(super) fn suffix(c: &mut Compiler, args: Vec<Val>, _: Option<&Lambda>, span: Span) -> R<Val> {
    fix(c, "suffix", args, span)
}

/// Ruby's `String#succ`.
fn succ(s: &str) -> String {
    let mut cs: Vec<char> = s.chars().collect();
    if cs.is_empty() {
        return String::new();
    }
    let alnum = cs.iter().any(|c| c.is_ascii_alphanumeric());
    let mut i = cs.len();
    loop {
        if i == 0 {
            break;
        }
        i -= 1;
        let ch = cs[i];
        if alnum && !ch.is_ascii_alphanumeric() {
            continue;
        }
        let (next, carry, first) = match ch {
            'z' => ('a', true, 'a'),
            'Z' => ('A', true, 'A'),
            '9' => ('0', true, '1'),
            c if alnum => ((c as u8 + 1) as char, false, c),
            c => match char::from_u32(c as u32 + 1) {
                Some(n) => (n, false, c),
                None => (c, false, c),
            },
        };
        cs[i] = next;
        if !carry {
            return cs.into_iter().collect();
        }
        // Carry into the next alphanumeric to the left, or grow the string.
        if !cs[..i].iter().any(|c| c.is_ascii_alphanumeric()) {
            cs.insert(i, first);
            return cs.into_iter().collect();
        }
    }
    cs.into_iter().collect()
}

/// Ruby's `String#upto` (the elements of a string range), at most `limit` of them.
fn str_upto(a: &str, b: &str, excl: bool, limit: usize) -> Vec<String> {
    let mut out = Vec::new();
    let (ac, bc): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    if ac.len() == 1 && bc.len() == 1 && ac[0].is_ascii() && bc[0].is_ascii() {
        let (x, y) = (ac[0] as u8, bc[0] as u8);
        if x > y || (excl && x == y) {
            return out;
        }
        let end = if excl { y - 1 } else { y };
        return (x..=end)
            .map(|c| (c as char).to_string())
            .take(limit)
            .collect();
    }
    if a > b || (excl && a == b) {
        return out;
    }
    let after = succ(b);
    let mut cur = a.to_string();
    while cur != after && out.len() < limit {
        let next = if excl || cur != b {
            Some(succ(&cur))
        } else {
            None
        };
        out.push(cur.clone());
        let Some(n) = next else { break };
        cur = n;
        if excl && cur == b {
            break;
        }
        if cur.len() > b.len() || cur.is_empty() {
            break;
        }
    }
    out
}

pub(super) fn range(c: &mut Compiler, args: Vec<Val>, _: Option<&Lambda>, span: Span) -> R<Val> {
    let args = args3(args);
    need1(c, "range", &args, span)?;
    let (start, stop, excl, step) = if args.len() > 1 {
        let step = match args.get(2) {
            None => 1,
            Some(v) => to_i(v).unsigned_abs(),
        };
        if step == 0 {
            return Err(c.stdlib_err(
                "range(): 3rd arg (step size) must be a non zero integer (e.g. 1 or -1)",
                span,
            ));
        }
        (rs(&args[0]), rs(&args[1]), false, step)
    } else {
        let v = match &args[0] {
            Val::Str(s) => s.clone(),
            v => {
                return Err(c.stdlib_err(
                    format!("undefined method `match' for {}:{}", ri(v), ruby_class(v)),
                    span,
                ))
            }
        };
        let re = c.regex(r"^(\w+)(\.\.\.?|\-)(\w+)$", span)?;
        match re.captures(&v).map(|m| m.strings(&v)) {
            Some(m) => {
                let g = |i: usize| m.get(i).cloned().flatten().unwrap_or_default().to_string();
                (g(1), g(3), g(2) == "...", 1)
            }
            None if v.is_empty() => {
                return Err(c.stdlib_err(format!("range(): Unknown range format: {v}"), span))
            }
            None => {
                return Err(c.stdlib_err(
                    format!("range(): Unable to compute range from the value: {v}"),
                    span,
                ))
            }
        }
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let step = step as usize;
    if digits(&start) {
        let a: i64 = start.parse().unwrap_or(0);
        let b: i64 = if digits(&stop) {
            stop.parse().unwrap_or(0)
        } else {
            to_i(&Val::Str(stop.clone()))
        };
        let end = if excl { b - 1 } else { b };
        if a > end {
            return Ok(Val::Array(Vec::new()));
        }
        return Ok(Val::Array(
            (a..=end)
                .step_by(step)
                .take(1_000_000)
                .map(Val::Int)
                .collect(),
        ));
    }
    let all = str_upto(&start, &stop, excl, 1_000_000usize.saturating_mul(step));
    Ok(Val::Array(
        all.into_iter()
            .step_by(step)
            .take(1_000_000)
            .map(Val::Str)
            .collect(),
    ))
}

/// Ruby's `to_i`: a leading integer of the text, else 0.
fn to_i(v: &Val) -> i64 {
    match v {
        Val::Int(i) => *i,
        Val::Float(f) => f.trunc() as i64,
        v => {
            let s = rs(v);
            let t = s.trim_start();
            let (neg, t) = match t.strip_prefix('-') {
                Some(r) => (true, r),
                None => (false, t.strip_prefix('+').unwrap_or(t)),
            };
            let d: String = t.chars().take_while(|c| c.is_ascii_digit()).collect();
            let n: i64 = d.parse().unwrap_or(0);
            if neg {
                -n
            } else {
                n
            }
        }
    }
}

pub(super) fn values_at(
    c: &mut Compiler,
    args: Vec<Val>,
    _: Option<&Lambda>,
    span: Span,
) -> R<Val> {
    let args = args3(args);
    if args.len() < 2 {
        return Err(c.stdlib_err(
            format!(
                "values_at(): Wrong number of arguments given ({} for 2)",
                args.len()
            ),
            span,
        ));
    }
    let Val::Array(a) = &args[0] else {
        return Err(c.stdlib_err("values_at(): Requires array to work with", span));
    };
    let indices = match &args[1] {
        Val::Array(i) => i.clone(),
        v => vec![v.clone()],
    };
    if indices.is_empty() {
        return Err(c.stdlib_err(
            "values_at(): You must provide at least one positive index to collect",
            span,
        ));
    }
    let size = a.len() as i64;
    let re = c.regex(r"^(\d+)(\.\.\.?|\-)(\d+)$", span)?;
    let mut list = Vec::new();
    for i in indices {
        let s = rs(&i);
        if let Some(m) = re.captures(&s).map(|m| m.strings(&s)) {
            let g = |k: usize| m.get(k).cloned().flatten().unwrap_or_default().to_string();
            let (start, stop): (i64, i64) = (g(1).parse().unwrap_or(0), g(3).parse().unwrap_or(0));
            if start > stop {
                return Err(c.stdlib_err("values_at(): Stop index in given indices range is smaller than the start index", span));
            }
            if stop > size - 1 {
                return Err(c.stdlib_err(
                    "values_at(): Stop index in given indices range exceeds array size",
                    span,
                ));
            }
            let end = if g(2) == "..." { stop - 1 } else { stop };
            list.extend(start..=end);
        } else {
            if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
                return Err(c.stdlib_err("values_at(): Unknown format of given index", span));
            }
            let i: i64 = s.parse().unwrap_or(i64::MAX);
            if i > size - 1 {
                return Err(c.stdlib_err("values_at(): Given index exceeds array size", span));
            }
            list.push(i);
        }
    }
    Ok(Val::Array(
        list.into_iter()
            .filter_map(|i| a.get(i as usize).cloned())
            .filter(|v| !v.is_undef())
            .collect(),
    ))
}

pub(super) fn zip(c: &mut Compiler, args: Vec<Val>, _: Option<&Lambda>, span: Span) -> R<Val> {
    let args = args3(args);
    if args.len() < 2 {
        return Err(c.stdlib_err(
            format!(
                "zip(): Wrong number of arguments given ({} for 2)",
                args.len()
            ),
            span,
        ));
    }
    let (Val::Array(a), Val::Array(b)) = (&args[0], &args[1]) else {
        return Err(c.stdlib_err("zip(): Requires array to work with", span));
    };
    let flatten = match args.get(2) {
        Some(v) if v.truthy() => match super::strings::str2bool(c, vec![v.clone()], None, span)? {
            Val::Bool(b) => b,
            _ => false,
        },
        _ => false,
    };
    let pairs: Vec<Val> = a
        .iter()
        .enumerate()
        .map(|(i, x)| Val::Array(vec![x.clone(), b.get(i).cloned().unwrap_or(Val::Undef)]))
        .collect();
    if flatten {
        let mut out = Vec::new();
        fn fl(v: Val, out: &mut Vec<Val>) {
            match v {
                Val::Array(a) => a.into_iter().for_each(|x| fl(x, out)),
                v => out.push(v),
            }
        }
        pairs.into_iter().for_each(|p| fl(p, &mut out));
        return Ok(Val::Array(out));
    }
    Ok(Val::Array(pairs))
}

pub(super) fn concat(c: &mut Compiler, args: Vec<Val>, _: Option<&Lambda>, span: Span) -> R<Val> {
    let args = args3(args);
    if args.len() < 2 {
        return Err(c.stdlib_err(
            format!(
                "concat(): Wrong number of arguments given ({} for < 2)",
                args.len()
            ),
            span,
        ));
    }
    let Val::Array(first) = &args[0] else {
        return Err(c.stdlib_err("concat(): Requires array to work with", span));
    };
    let mut out = first.clone();
    for a in &args[1..] {
        match a {
            Val::Array(x) => out.extend(x.iter().cloned()),
            v => out.push(v.clone()),
        }
    }
    Ok(Val::Array(out))
}

pub(super) fn delete_regex(
    c: &mut Compiler,
    args: Vec<Val>,
    _: Option<&Lambda>,
    span: Span,
) -> R<Val> {
    let args = args3(args);
    exactly(c, "delete_regex", &args, 2, false, span)?;
    let pats = match &args[1] {
        Val::Array(a) => a.clone(),
        v => vec![v.clone()],
    };
    let mut coll = args[0].clone();
    for p in pats {
        let src = match &p {
            Val::Regex(r) | Val::Str(r) => r.clone(),
            v => rs(v),
        };
        let re = c.regex(&format!(r"\b{src}\b"), span)?;
        // Ruby's `=~` on a non-string element (or a hash's `[key, value]` pair) is nil.
        let hit = |v: &Val| matches!(v, Val::Str(s) if re.is_match(s));
        coll = match coll {
            Val::Array(a) => Val::Array(a.into_iter().filter(|v| !hit(v)).collect()),
            // `Hash#reject!` hands a one-parameter block the key.
            Val::Hash(h) => Val::Hash(h.into_iter().filter(|(k, _)| !hit(&k.0)).collect()),
            Val::Str(s) => {
                return Err(c.stdlib_err(format!("undefined method `reject!' for {}:String", ri(&Val::Str(s))), span))
            }
            v => {
                return Err(c.stdlib_err(
                    format!(
                        "delete_regex(): First argument must be an Array, Hash, or String. Given an argument of class {}.",
                        ruby_class(&v)
                    ),
                    span,
                ))
            }
        };
    }
    Ok(coll)
}
