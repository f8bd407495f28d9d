//! stdlib's validation functions: `validate_legacy` and the `validate_*` family, with
//! the module's messages. The family is deprecated in stdlib 8.5: each call logs the
//! module's deprecation warning once per compile, unless `STDLIB_LOG_DEPRECATIONS` is
//! `false` (stdlib's own switch).

use super::{args3, ri, rs, ruby_class};
use crate::ast::{Lambda, Span};
use crate::eval::types::Ty;
use crate::eval::value::Val;
use crate::eval::{Compiler, R};
use converge_catalog::Diagnostic;

/// A validator: `Err(message)` when the value is invalid (Puppet's `ParseError`).
type Check = fn(&mut Compiler, &[Val], Span) -> Result<(), String>;

/// The Puppet 3 validator `validate_legacy` calls by name.
fn check_named(name: &str) -> Option<(Check, &'static str)> {
    Some(match name {
        "validate_string" => (v_string, "Stdlib::Compat::String"),
        "validate_array" => (v_array, "Stdlib::Compat::Array"),
        "validate_hash" => (v_hash, "Stdlib::Compat::Hash"),
        "validate_bool" => (v_bool, "Stdlib::Compat::Bool"),
        "validate_absolute_path" => (v_absolute_path, "Stdlib::Compat::Absolute_Path"),
        "validate_integer" => (v_integer, "Stdlib::Compat::Integer"),
        "validate_numeric" => (v_numeric, "Stdlib::Compat::Numeric"),
        "validate_re" => (v_re, "Pattern[]"),
        "validate_slength" => (v_slength, "String[]"),
        "validate_ip_address" => (v_ip, "Stdlib::Compat::Ip_Address"),
        "validate_ipv4_address" => (v_ipv4, "Stdlib::Compat::Ipv4_Address"),
        "validate_ipv6_address" => (v_ipv6, "Stdlib::Compat::Ipv6_address"),
        "validate_email_address" => (v_email, ""),
        "validate_domain_name" => (v_domain, ""),
        _ => return None,
    })
}

/// stdlib's `deprecation(key, message)`: a warning once per key and compile, located at
/// the call; `STDLIB_LOG_DEPRECATIONS=false` silences it, as in the module.
pub(super) fn deprecation(c: &mut Compiler, key: &str, message: &str, span: Span) {
    if std::env::var("STDLIB_LOG_DEPRECATIONS").is_ok_and(|v| v == "false") {
        return;
    }
    let code = format!("deprecation-{key}");
    if c.diags.iter().any(|d| d.code == code) {
        return;
    }
    let loc = c.loc(span);
    let text = format!("{message} at {}:{}", loc.file, loc.line);
    c.diags.push(Diagnostic::warning(&code, text).at(Some(loc)));
}

/// One of the family called directly: the deprecation warning, then the check.
fn family(c: &mut Compiler, name: &str, args: Vec<Val>, span: Span) -> R<Val> {
    let Some((check, compat)) = check_named(name) else {
        return Ok(Val::Undef);
    };
    if !compat.is_empty() {
        deprecation(
            c,
            name,
            &format!("This method is deprecated, please use the stdlib validate_legacy function, with {compat}. There is further documentation for validate_legacy function in the README."),
            span,
        );
    }
    match check(c, &args, span) {
        Ok(()) => Ok(Val::Undef),
        Err(m) => Err(c.err("validate", m, span)),
    }
}

macro_rules! family_fns {
    ($($f:ident),*) => {$(
        pub(super) fn $f(c: &mut Compiler, args: Vec<Val>, _: Option<&Lambda>, span: Span) -> R<Val> {
            family(c, stringify!($f), args, span)
        }
    )*};
}

family_fns!(
    validate_string,
    validate_array,
    validate_hash,
    validate_bool,
    validate_absolute_path,
    validate_integer,
    validate_numeric,
    validate_re,
    validate_slength,
    validate_ip_address,
    validate_ipv4_address,
    validate_ipv6_address,
    validate_email_address,
    validate_domain_name
);

fn need_some(name: &str, args: &[Val]) -> Result<(), String> {
    if args.is_empty() {
        return Err(format!(
            "{name}(): wrong number of arguments (0; must be > 0)"
        ));
    }
    Ok(())
}

fn v_string(_: &mut Compiler, args: &[Val], _: Span) -> Result<(), String> {
    need_some("validate_string", args)?;
    for a in args {
        if !matches!(a, Val::Str(_) | Val::Undef) {
            return Err(format!(
                "{} is not a string.  It looks to be a {}",
                ri(a),
                ruby_class(a)
            ));
        }
    }
    Ok(())
}

fn v_array(_: &mut Compiler, args: &[Val], _: Span) -> Result<(), String> {
    need_some("validate_array", args)?;
    for a in args {
        if !matches!(a, Val::Array(_)) {
            return Err(format!(
                "{} is not an Array.  It looks to be a {}",
                ri(a),
                ruby_class(a)
            ));
        }
    }
    Ok(())
}

fn v_hash(_: &mut Compiler, args: &[Val], _: Span) -> Result<(), String> {
    need_some("validate_hash", args)?;
    for a in args {
        if !matches!(a, Val::Hash(_)) {
            return Err(format!(
                "{} is not a Hash.  It looks to be a {}",
                ri(a),
                ruby_class(a)
            ));
        }
    }
    Ok(())
}

fn v_bool(_: &mut Compiler, args: &[Val], _: Span) -> Result<(), String> {
    need_some("validate_bool", args)?;
    for a in args {
        if !matches!(a, Val::Bool(_)) {
            return Err(format!(
                "{} is not a boolean.  It looks to be a {}",
                ri(a),
                ruby_class(a)
            ));
        }
    }
    Ok(())
}

/// Puppet's `Puppet::Util.absolute_path?` for POSIX or Windows paths.
fn absolute(c: &mut Compiler, p: &Val, span: Span) -> bool {
    let Val::Str(s) = p else {
        // Puppet checks both platforms, and warns for each.
        for _ in 0..2 {
            let loc = c.loc(span);
            c.log.push(crate::eval::LogMessage {
                level: crate::eval::LogLevel::Warning,
                scope: String::new(),
                text: format!(
                    "Cannot check if {} is an absolute path because it is a '{}' and not a String'",
                    rs(p),
                    ruby_class(p)
                ),
                location: Some(loc),
            });
        }
        return false;
    };
    if s.starts_with('/') {
        return true;
    }
    let re = r"(?i)^(([A-Z]:[\\/])|([\\/][\\/][^\\/]+[\\/][^\\/]+)|([\\/][\\/]\?[\\/][^\\/]+))";
    converge_rubyre::Regex::cached(re).is_ok_and(|r| r.is_match(s))
}

fn v_absolute_path(c: &mut Compiler, args: &[Val], span: Span) -> Result<(), String> {
    need_some("validate_absolute_path", args)?;
    for a in args {
        let cands = match a {
            Val::Array(x) => x.clone(),
            v => vec![v.clone()],
        };
        for p in cands {
            if !absolute(c, &p, span) {
                return Err(format!("{} is not an absolute path.", ri(&p)));
            }
        }
    }
    Ok(())
}

/// Ruby's `Integer(string)`: decimal, `0x`, `0b`, `0o`/`0` octal, underscores between
/// digits.
fn ruby_integer(s: &str) -> Option<i64> {
    let t = s.trim();
    let (neg, b) = match t.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    if b.is_empty() || b.starts_with('_') || b.ends_with('_') || b.contains("__") {
        return None;
    }
    let b = b.replace('_', "");
    let lower = b.to_lowercase();
    let v = if let Some(h) = lower.strip_prefix("0x") {
        i64::from_str_radix(h, 16).ok()?
    } else if let Some(h) = lower.strip_prefix("0b") {
        i64::from_str_radix(h, 2).ok()?
    } else if let Some(h) = lower.strip_prefix("0o") {
        i64::from_str_radix(h, 8).ok()?
    } else if lower.len() > 1 && lower.starts_with('0') {
        i64::from_str_radix(&lower[1..], 8).ok()?
    } else if lower.bytes().all(|b| b.is_ascii_digit()) {
        lower.parse().ok()?
    } else {
        return None;
    };
    Some(if neg { -v } else { v })
}

/// Ruby's `to_s` of a number as the validators print it (`11.0`).
fn num_s(v: &Val) -> String {
    rs(v)
}

/// `validate_integer` and `validate_numeric`: one shape, integers or floats.
fn v_number(args: &[Val], name: &str, integer: bool) -> Result<(), String> {
    if args.is_empty() || args.len() > 3 {
        return Err(format!(
            "{name}(): Wrong number of arguments; must be 1, 2 or 3, got {}",
            args.len()
        ));
    }
    let parse = |s: &str| -> Option<Val> {
        if integer {
            ruby_integer(s).map(Val::Int)
        } else {
            super::data::float(s).map(Val::Float)
        }
    };
    let kind = if integer { "an Integer" } else { "a Numeric" };
    let max = if args.len() > 1 {
        let m = rs(&args[1]);
        if args.len() > 2 && m.is_empty() {
            None
        } else {
            match parse(&m) {
                Some(v) => Some(v),
                None => {
                    return Err(format!(
                        "{name}(): Expected second argument to be unset or {kind}, got {m}:{}",
                        "String"
                    ))
                }
            }
        }
    } else {
        None
    };
    let min = if args.len() > 2 {
        let m = rs(&args[2]);
        match parse(&m) {
            Some(v) => Some(v),
            None => {
                return Err(format!(
                    "{name}(): Expected third argument to be unset or {kind}, got {m}:String"
                ))
            }
        }
    } else {
        None
    };
    let num = |v: &Val| match v {
        Val::Int(i) => *i as f64,
        Val::Float(f) => *f,
        _ => 0.0,
    };
    if let (Some(lo), Some(hi)) = (&min, &max) {
        if num(lo) > num(hi) {
            return Err(format!(
                "{name}(): Expected second argument to be larger than third argument, got {} < {}",
                num_s(hi),
                num_s(lo)
            ));
        }
    }
    let check = |input: &Val, n: &Val| -> Result<(), String> {
        if let Some(hi) = &max {
            if num(n) > num(hi) {
                return Err(format!(
                    "{name}(): Expected {} to be smaller or equal to {}, got {}.",
                    ri(input),
                    num_s(hi),
                    ri(input)
                ));
            }
        }
        if let Some(lo) = &min {
            if num(n) < num(lo) {
                return Err(format!(
                    "{name}(): Expected {} to be greater or equal to {}, got {}.",
                    ri(input),
                    num_s(lo),
                    ri(input)
                ));
            }
        }
        Ok(())
    };
    let what = if integer { "an Integer" } else { "a Numeric" };
    match &args[0] {
        Val::Array(a) => {
            for (pos, x) in a.iter().enumerate() {
                let n = match x {
                    Val::Hash(_) => None,
                    x => parse(&rs(x)),
                };
                let Some(n) = n else {
                    return Err(format!(
                        "{name}(): Expected element at array position {pos} to be {what}, got {}",
                        ruby_class(x)
                    ));
                };
                check(&n, &n)?;
            }
            Ok(())
        }
        Val::Hash(_) => Err(format!(
            "validate_integer(): Expected first argument to be {what} or Array, got Hash"
        )),
        v => match parse(&rs(v)) {
            Some(n) => check(&n, &n),
            None => Err(format!(
                "{name}(): Expected first argument to be {what} or Array, got {}",
                ruby_class(v)
            )),
        },
    }
}

fn v_integer(_: &mut Compiler, args: &[Val], _: Span) -> Result<(), String> {
    v_number(args, "validate_integer", true)
}

fn v_numeric(_: &mut Compiler, args: &[Val], _: Span) -> Result<(), String> {
    v_number(args, "validate_numeric", false)
}

fn v_re(_: &mut Compiler, args: &[Val], _: Span) -> Result<(), String> {
    if args.len() < 2 || args.len() > 3 {
        return Err(format!(
            "validate_re(): wrong number of arguments ({}; must be 2 or 3)",
            args.len()
        ));
    }
    let Val::Str(s) = &args[0] else {
        return Err(format!(
            "validate_re(): input needs to be a String, not a {}",
            ruby_class(&args[0])
        ));
    };
    let pats = match &args[1] {
        Val::Array(a) => a.clone(),
        v => vec![v.clone()],
    };
    for p in &pats {
        let src = match p {
            Val::Regex(r) | Val::Str(r) => r.clone(),
            v => rs(v),
        };
        let re = converge_rubyre::Regex::cached(&src).map_err(|e| e.to_string())?;
        if re.is_match(s) {
            return Ok(());
        }
    }
    Err(match args.get(2) {
        Some(m) if m.truthy() => rs(m),
        _ => format!(
            "validate_re(): {} does not match {}",
            ri(&args[0]),
            ri(&args[1])
        ),
    })
}

fn v_slength(_: &mut Compiler, args: &[Val], _: Span) -> Result<(), String> {
    if args.len() != 2 && args.len() != 3 {
        return Err(format!(
            "validate_slength(): Wrong number of arguments ({}; must be 2 or 3)",
            args.len()
        ));
    }
    let int = |v: &Val| match v {
        Val::Int(i) => Some(*i),
        Val::Float(f) => Some(f.trunc() as i64),
        Val::Str(s) => ruby_integer(s),
        _ => None,
    };
    let max = match int(&args[1]) {
        Some(m) if m > 0 => m,
        _ => {
            return Err(format!(
                "validate_slength(): Expected second argument to be a positive Numeric, got {}:{}",
                rs(&args[1]),
                ruby_class(&args[1])
            ))
        }
    };
    let min = match args.get(2) {
        None | Some(Val::Undef) => 0,
        Some(v) => match int(v) {
            Some(m) if m >= 0 => m,
            _ => {
                return Err(format!(
                    "validate_slength(): Expected third argument to be unset or a positive Numeric, got {}:{}",
                    rs(v),
                    ruby_class(v)
                ))
            }
        },
    };
    if max < min {
        return Err("validate_slength(): Expected second argument to be equal to or larger than third argument".into());
    }
    let input = &args[0];
    let input_len = match input {
        Val::Str(s) => s.chars().count(),
        Val::Array(a) => a.len(),
        _ => 0,
    };
    let check = |s: &str| -> Result<(), String> {
        let n = s.chars().count() as i64;
        if n > max || n < min {
            return Err(format!(
                "validate_slength(): Expected length of {} to be between {min} and {max}, was {input_len}",
                ri(input)
            ));
        }
        Ok(())
    };
    match input {
        Val::Str(s) => check(s),
        Val::Array(a) => {
            for (pos, x) in a.iter().enumerate() {
                let Val::Str(s) = x else {
                    return Err(format!(
                        "validate_slength(): Expected element at array position {pos} to be a String, got {}",
                        ruby_class(x)
                    ));
                };
                check(s)?;
            }
            Ok(())
        }
        v => Err(format!(
            "validate_slength(): Expected first argument to be a String or Array, got {}",
            ruby_class(v)
        )),
    }
}

fn v_ip_kind(
    name: &str,
    args: &[Val],
    what: &str,
    ok: fn(&std::net::IpAddr) -> bool,
) -> Result<(), String> {
    need_some(name, args)?;
    for a in args {
        let Val::Str(s) = a else {
            return Err(format!("{} is not a string.", ri(a)));
        };
        match super::strings::parse_ip(s) {
            Some((ip, _)) if ok(&ip) => {}
            _ => return Err(format!("{} is not a valid {what} address.", ri(a))),
        }
    }
    Ok(())
}

fn v_ip(_: &mut Compiler, args: &[Val], _: Span) -> Result<(), String> {
    v_ip_kind("validate_ip_address", args, "IP", |_| true)
}

fn v_ipv4(_: &mut Compiler, args: &[Val], _: Span) -> Result<(), String> {
    v_ip_kind("validate_ipv4_address", args, "IPv4", |ip| ip.is_ipv4())
}

fn v_ipv6(_: &mut Compiler, args: &[Val], _: Span) -> Result<(), String> {
    v_ip_kind("validate_ipv6_address", args, "IPv6", |ip| ip.is_ipv6())
}

fn v_email(_: &mut Compiler, args: &[Val], _: Span) -> Result<(), String> {
    need_some("validate_email_address", args)?;
    let re = converge_rubyre::Regex::cached(r"\A([\w+\-].?)+@[a-z\d\-]+(\.[a-z]+)*\.[a-z]+\z")
        .map_err(|e| e.to_string())?;
    for a in args {
        let Val::Str(s) = a else {
            return Err(format!("{} is not a string.", ri(a)));
        };
        if !re.is_match(s) {
            return Err(format!("{} is not a valid email address", ri(a)));
        }
    }
    Ok(())
}

/// stdlib's `is_domain_name`.
fn is_domain_name(s: &str) -> bool {
    if s == "." {
        return true;
    }
    let d = s.strip_suffix('.').unwrap_or(s);
    if d.is_empty() || d.len() > 255 {
        return false;
    }
    if d.contains('.') {
        let tld = d.rsplit('.').next().unwrap_or("");
        if tld.is_empty() || !tld.bytes().all(|b| b.is_ascii_alphabetic()) {
            return false;
        }
    }
    d.split('.').all(|l| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    })
}

fn v_domain(_: &mut Compiler, args: &[Val], _: Span) -> Result<(), String> {
    need_some("validate_domain_name", args)?;
    for a in args {
        let Val::Str(s) = a else {
            return Err(format!("{} is not a string.", ri(a)));
        };
        if !is_domain_name(s) {
            return Err(format!(
                "{} is not a syntactically correct domain name",
                ri(a)
            ));
        }
    }
    Ok(())
}

/// `validate_legacy(type, function, value, *args)`: the type decides; where it rejects
/// a value the old function accepted, a deprecation warning instead of an error.
pub(super) fn validate_legacy(
    c: &mut Compiler,
    args: Vec<Val>,
    _: Option<&Lambda>,
    span: Span,
) -> R<Val> {
    let name = "validate_legacy";
    if args.len() < 3 {
        // Puppet counts its own scope argument.
        return Err(c.stdlib_err(
            format!(
                "'{name}' expects at least 4 arguments, got {}",
                args.len() + 1
            ),
            span,
        ));
    }
    let t = match &args[0] {
        Val::Type(t) => t.clone(),
        Val::Str(s) => match c.type_from_name(s, span)? {
            Val::Type(t) => t,
            _ => Ty::Any,
        },
        v => {
            return Err(c.stdlib_err(
                format!(
                    "'{name}' parameter 'target_type' expects a Type value, got {}",
                    v.type_name()
                ),
                span,
            ))
        }
    };
    let Val::Str(func) = &args[1] else {
        return Err(c.stdlib_err(
            format!(
                "'{name}' parameter 'function_name' expects a String value, got {}",
                args[1].type_name()
            ),
            span,
        ));
    };
    let func = func.clone();
    let value = args[2].clone();
    let mut prev = vec![value.clone()];
    prev.extend(args[3..].iter().cloned());
    let prev = args3(prev);
    let previous_ok = match check_named(&func) {
        Some((check, _)) => check(c, &prev, span).is_ok(),
        None => {
            return Err(c.stdlib_err(format!("Unknown function: '{func}'"), span));
        }
    };
    if t.matches(&value) {
        if !previous_ok {
            let loc = c.loc(span);
            c.log.push(crate::eval::LogMessage {
                level: crate::eval::LogLevel::Notice,
                scope: String::new(),
                text: format!("Accepting previously invalid value for target type '{t}'"),
                location: Some(loc),
            });
        }
        return Ok(Val::Undef);
    }
    let msg =
        crate::eval::describe::describe_mismatch(&format!("validate_legacy({func})"), &t, &value);
    if previous_ok {
        deprecation(c, "validate_legacy", &msg, span);
        return Ok(Val::Undef);
    }
    Err(c.err("validate", msg, span))
}

/// stdlib's `deprecation(key, message)` called from a manifest.
pub(super) fn deprecation_fn(
    c: &mut Compiler,
    args: Vec<Val>,
    _: Option<&Lambda>,
    span: Span,
) -> R<Val> {
    c.arity4("deprecation", &args, 2, 2, span)?;
    for (i, p) in ["key", "message"].iter().enumerate() {
        if !matches!(args[i], Val::Str(_)) {
            return Err(c.stdlib_err(
                format!(
                    "'deprecation' parameter '{p}' expects a String value, got {}",
                    args[i].type_name()
                ),
                span,
            ));
        }
    }
    deprecation(c, &rs(&args[0]), &rs(&args[1]), span);
    Ok(Val::Undef)
}
