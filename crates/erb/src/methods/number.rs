//! Integer and Float, with Ruby's division, modulo, rounding and coercion errors.
//! Integers beyond 64 bits make the renderer decline (Ruby would go on with a Bignum).

use super::{int_arg, type_name};
use crate::interp::{Blk, Interp, R};
use crate::value::{self, Value, B};
use std::cmp::Ordering;

#[derive(Clone, Copy)]
enum Num {
    I(i64),
    F(f64),
}

fn num(v: &Value) -> Option<Num> {
    match v {
        Value::Int(i) => Some(Num::I(*i)),
        Value::Float(f) => Some(Num::F(*f)),
        _ => None,
    }
}

fn as_f(n: Num) -> f64 {
    match n {
        Num::I(i) => i as f64,
        Num::F(f) => f,
    }
}

fn big<T>(it: &Interp<'_, '_>) -> R<T> {
    it.decline("Integer arithmetic beyond 64 bits")
}

/// Ruby's float modulo: the sign of the divisor.
fn fmod(x: f64, y: f64) -> f64 {
    let m = x % y;
    if m != 0.0 && (m < 0.0) != (y < 0.0) {
        m + y
    } else {
        m
    }
}

/// Ruby's `round_half_up` for `Float#round(digits)`.
fn round_half_up(x: f64, s: f64) -> f64 {
    let xs = x * s;
    let mut f = xs.round();
    if s == 1.0 {
        return f;
    }
    if x > 0.0 {
        if (f + 0.5) / s <= x {
            f += 1.0;
        }
    } else if (f - 0.5) / s >= x {
        f -= 1.0;
    }
    f
}

fn frexp_exp(x: f64) -> i32 {
    if x == 0.0 || !x.is_finite() {
        return 0;
    }
    let bits = x.to_bits();
    let e = ((bits >> 52) & 0x7ff) as i32;
    if e == 0 {
        // Subnormal.
        let m = x * 2f64.powi(64);
        return frexp_exp(m) - 64;
    }
    e - 1022
}

fn float_round(it: &Interp<'_, '_>, x: f64, digits: i64, mode: &str) -> R<Value> {
    if digits <= 0 {
        if !x.is_finite() {
            return it.raise(B::FloatDomainError, value::float_to_s(x));
        }
        let p = 10f64.powi((-digits) as i32);
        let r = match mode {
            "floor" => (x / p).floor() * p,
            "ceil" => (x / p).ceil() * p,
            "truncate" => (x / p).trunc() * p,
            _ => {
                if digits == 0 {
                    round_half_up(x, 1.0)
                } else {
                    round_half_up(x / p, 1.0) * p
                }
            }
        };
        if r.abs() >= 9.2e18 {
            return big(it);
        }
        return Ok(Value::Int(r as i64));
    }
    if !x.is_finite() {
        return Ok(Value::Float(x));
    }
    let binexp = frexp_exp(x);
    // float_round_overflow / underflow, as Ruby decides when rounding changes nothing.
    let limit = 17
        - if binexp > 0 {
            binexp / 4
        } else {
            binexp / 3 - 1
        };
    if digits >= limit as i64 {
        return Ok(Value::Float(x));
    }
    if digits > 14 {
        return it.decline("rounding a Float to more than 14 digits");
    }
    let s = 10f64.powi(digits as i32);
    let r = match mode {
        "floor" => {
            let f = (x * s).floor() / s;
            if f > x {
                ((x * s).floor() - 1.0) / s
            } else {
                f
            }
        }
        "ceil" => {
            let f = (x * s).ceil() / s;
            if f < x {
                ((x * s).ceil() + 1.0) / s
            } else {
                f
            }
        }
        "truncate" => (x * s).trunc() / s,
        _ => round_half_up(x, s) / s,
    };
    Ok(Value::Float(r))
}

fn int_round(it: &Interp<'_, '_>, i: i64, digits: i64, mode: &str) -> R<Value> {
    if digits >= 0 {
        return Ok(Value::Int(i));
    }
    if digits < -18 {
        return Ok(Value::Int(0));
    }
    let p = 10i64.pow((-digits) as u32);
    let r = i.rem_euclid(p);
    let down = i - r;
    let v = match mode {
        "floor" => down,
        "ceil" => {
            if r == 0 {
                i
            } else {
                down + p
            }
        }
        "truncate" => {
            if i < 0 && r != 0 {
                down + p
            } else {
                down
            }
        }
        _ => {
            // Half away from zero.
            let half = p / 2;
            if i >= 0 {
                if r >= half {
                    down + p
                } else {
                    down
                }
            } else if r > half {
                down + p
            } else {
                down
            }
        }
    };
    let _ = it;
    Ok(Value::Int(v))
}

fn coerce_err<T>(it: &Interp<'_, '_>, recv: &Value, other: &Value) -> R<T> {
    let what = match other {
        Value::Nil => "nil".to_string(),
        Value::Bool(b) => b.to_string(),
        o => o.class_of().name().to_string(),
    };
    it.raise(
        B::TypeError,
        format!("{what} can't be coerced into {}", recv.class_of().name()),
    )
}

fn arith(it: &Interp<'_, '_>, recv: &Value, op: &str, other: &Value) -> R<Value> {
    let (Some(a), Some(b)) = (num(recv), num(other)) else {
        return coerce_err(it, recv, other);
    };
    match (a, b) {
        (Num::I(x), Num::I(y)) => {
            let r = match op {
                "+" => x.checked_add(y),
                "-" => x.checked_sub(y),
                "*" => x.checked_mul(y),
                "/" | "div" | "%" | "modulo" => {
                    if y == 0 {
                        return it.raise(B::ZeroDivisionError, "divided by 0");
                    }
                    if op == "/" || op == "div" {
                        x.checked_div(y).map(|q| {
                            if x % y != 0 && ((x < 0) != (y < 0)) {
                                q - 1
                            } else {
                                q
                            }
                        })
                    } else {
                        let m = x.wrapping_rem(y);
                        Some(if m != 0 && ((m < 0) != (y < 0)) {
                            m + y
                        } else {
                            m
                        })
                    }
                }
                "**" | "pow" => {
                    if y < 0 {
                        return it.decline("Integer ** negative (a Rational)");
                    }
                    u32::try_from(y).ok().and_then(|e| x.checked_pow(e))
                }
                _ => return it.decline(format!("the operator {op}")),
            };
            match r {
                Some(v) => Ok(Value::Int(v)),
                None => big(it),
            }
        }
        (a, b) => {
            let (x, y) = (as_f(a), as_f(b));
            Ok(match op {
                "+" => Value::Float(x + y),
                "-" => Value::Float(x - y),
                "*" => Value::Float(x * y),
                "/" => Value::Float(x / y),
                "div" => {
                    if y == 0.0 {
                        return it.raise(B::ZeroDivisionError, "divided by 0");
                    }
                    let q = (x / y).floor();
                    if !q.is_finite() {
                        return it.raise(B::FloatDomainError, value::float_to_s(q));
                    }
                    Value::Int(q as i64)
                }
                "%" | "modulo" => Value::Float(fmod(x, y)),
                "**" | "pow" => {
                    if x < 0.0 && y.fract() != 0.0 {
                        return it.decline("a negative number to a fractional power (a Complex)");
                    }
                    Value::Float(x.powf(y))
                }
                _ => return it.decline(format!("the operator {op}")),
            })
        }
    }
}

fn compare(recv: &Value, other: &Value) -> Option<Ordering> {
    match (num(recv)?, num(other)?) {
        (Num::I(a), Num::I(b)) => Some(a.cmp(&b)),
        (a, b) => as_f(a).partial_cmp(&as_f(b)),
    }
}

fn int_to_s(mut i: i64, base: u32) -> String {
    if base == 10 {
        return i.to_string();
    }
    let neg = i < 0;
    let mut digits = Vec::new();
    if i == 0 {
        digits.push(b'0');
    }
    while i != 0 {
        let d = (i % base as i64).unsigned_abs() as u8;
        digits.push(if d < 10 { b'0' + d } else { b'a' + d - 10 });
        i /= base as i64;
    }
    if neg {
        digits.push(b'-');
    }
    digits.reverse();
    String::from_utf8(digits).unwrap_or_default()
}

pub(super) fn call<'t>(
    it: &mut Interp<'t, '_>,
    recv: &Value,
    name: &str,
    args: &[Value],
    blk: &Option<Blk<'t>>,
) -> R<Option<Value>> {
    let is_int = matches!(recv, Value::Int(_));
    let i = match recv {
        Value::Int(i) => *i,
        _ => 0,
    };
    let f = match recv {
        Value::Float(f) => *f,
        Value::Int(i) => *i as f64,
        _ => 0.0,
    };
    Ok(Some(match name {
        "+" | "-" | "*" | "/" | "%" | "modulo" | "**" | "pow" | "div" => {
            it.arity(args, 1, 1)?;
            arith(it, recv, name, &args[0])?
        }
        "fdiv" => {
            it.arity(args, 1, 1)?;
            match num(&args[0]) {
                Some(b) => Value::Float(f / as_f(b)),
                None => return coerce_err(it, recv, &args[0]),
            }
        }
        "divmod" => {
            it.arity(args, 1, 1)?;
            let q = arith(it, recv, "div", &args[0])?;
            let m = arith(it, recv, "%", &args[0])?;
            let q = match (&q, is_int && matches!(args[0], Value::Int(_))) {
                (Value::Int(_), true) => q,
                (Value::Int(n), false) => Value::Float(*n as f64),
                _ => q,
            };
            Value::array(vec![q, m])
        }
        "-@" => {
            if is_int {
                match i.checked_neg() {
                    Some(v) => Value::Int(v),
                    None => return big(it),
                }
            } else {
                Value::Float(-f)
            }
        }
        "+@" => recv.clone(),
        "~" if is_int => Value::Int(!i),
        "&" | "|" | "^" | "<<" | ">>" if is_int => {
            it.arity(args, 1, 1)?;
            let y = match &args[0] {
                Value::Int(y) => *y,
                Value::Float(y) if name == "<<" || name == ">>" => *y as i64,
                other => return coerce_err(it, recv, other),
            };
            Value::Int(match name {
                "&" => i & y,
                "|" => i | y,
                "^" => i ^ y,
                "<<" | ">>" => {
                    let left = (name == "<<") == (y >= 0);
                    let n = y.unsigned_abs();
                    if left {
                        if n >= 63 || i.checked_shl(n as u32).is_none_or(|v| v >> n != i) {
                            if i == 0 {
                                0
                            } else {
                                return big(it);
                            }
                        } else {
                            i << n
                        }
                    } else if n >= 64 {
                        if i < 0 {
                            -1
                        } else {
                            0
                        }
                    } else {
                        i >> n
                    }
                }
                _ => 0,
            })
        }
        "<=>" => {
            it.arity(args, 1, 1)?;
            match compare(recv, &args[0]) {
                Some(o) => Value::Int(o as i64),
                None => Value::Nil,
            }
        }
        "<" | "<=" | ">" | ">=" => {
            it.arity(args, 1, 1)?;
            let Some(o) = compare(recv, &args[0]) else {
                if num(&args[0]).is_some() {
                    return Ok(Some(Value::Bool(false)));
                }
                return it.cmp_failed(recv, &args[0]);
            };
            Value::Bool(match name {
                "<" => o == Ordering::Less,
                "<=" => o != Ordering::Greater,
                ">" => o == Ordering::Greater,
                _ => o != Ordering::Less,
            })
        }
        "between?" => {
            it.arity(args, 2, 2)?;
            let lo = it.compare(recv, &args[0])?;
            let hi = it.compare(recv, &args[1])?;
            Value::Bool(lo != Ordering::Less && hi != Ordering::Greater)
        }
        "clamp" => {
            it.arity(args, 2, 2)?;
            if it.compare(recv, &args[0])? == Ordering::Less {
                args[0].clone()
            } else if it.compare(recv, &args[1])? == Ordering::Greater {
                args[1].clone()
            } else {
                recv.clone()
            }
        }
        "to_s" | "inspect" => {
            if is_int {
                let base = match args.first() {
                    Some(b) => int_arg(it, b)?,
                    None => 10,
                };
                if !(2..=36).contains(&base) {
                    return it.raise(B::ArgumentError, format!("invalid radix {base}"));
                }
                Value::string(int_to_s(i, base as u32))
            } else {
                Value::string(value::float_to_s(f))
            }
        }
        "to_i" | "to_int" | "truncate" if args.is_empty() => {
            if is_int {
                recv.clone()
            } else if !f.is_finite() {
                return it.raise(B::FloatDomainError, value::float_to_s(f));
            } else if f.abs() >= 9.2e18 {
                return big(it);
            } else {
                Value::Int(f.trunc() as i64)
            }
        }
        "to_f" => Value::Float(f),
        "round" | "floor" | "ceil" | "truncate" => {
            it.arity(args, 0, 2)?;
            let digits = match args.first() {
                Some(Value::Hash(_)) => {
                    return it.decline(format!("`{name}` with a rounding mode"))
                }
                Some(d) => int_arg(it, d)?,
                None => 0,
            };
            if args.len() > 1 {
                return it.decline(format!("`{name}` with a rounding mode"));
            }
            if is_int {
                int_round(it, i, digits, name)?
            } else {
                float_round(it, f, digits, name)?
            }
        }
        "abs" | "magnitude" => {
            if is_int {
                match i.checked_abs() {
                    Some(v) => Value::Int(v),
                    None => return big(it),
                }
            } else {
                Value::Float(f.abs())
            }
        }
        "zero?" => Value::Bool(f == 0.0),
        "positive?" => Value::Bool(f > 0.0),
        "negative?" => Value::Bool(f < 0.0),
        "nonzero?" => {
            if f == 0.0 {
                Value::Nil
            } else {
                recv.clone()
            }
        }
        "even?" if is_int => Value::Bool(i % 2 == 0),
        "odd?" if is_int => Value::Bool(i % 2 != 0),
        "integer?" => Value::Bool(is_int),
        "finite?" => Value::Bool(is_int || f.is_finite()),
        "infinite?" => {
            if !is_int && f.is_infinite() {
                Value::Int(if f > 0.0 { 1 } else { -1 })
            } else {
                Value::Nil
            }
        }
        "nan?" if !is_int => Value::Bool(f.is_nan()),
        "succ" | "next" if is_int => match i.checked_add(1) {
            Some(v) => Value::Int(v),
            None => return big(it),
        },
        "pred" if is_int => match i.checked_sub(1) {
            Some(v) => Value::Int(v),
            None => return big(it),
        },
        "chr" if is_int => match u8::try_from(i) {
            Ok(b) if b < 0x80 => Value::string((b as char).to_string()),
            _ => return it.decline("Integer#chr outside ASCII"),
        },
        "ord" if is_int => recv.clone(),
        "times" if is_int => {
            let Some(b) = blk else {
                let items = (0..i.max(0)).map(Value::Int).collect();
                return Ok(Some(super::enumerable::enumerator(recv, name, args, items)));
            };
            for k in 0..i.max(0) {
                it.yield_blk(b, vec![Value::Int(k)])?;
            }
            recv.clone()
        }
        "upto" | "downto" if is_int => {
            it.arity(args, 1, 1)?;
            let Some(b) = blk else {
                return it.decline(format!("`{name}` without a block"));
            };
            let to = int_arg(it, &args[0])?;
            if name == "upto" {
                let mut k = i;
                while k <= to {
                    it.yield_blk(b, vec![Value::Int(k)])?;
                    k += 1;
                }
            } else {
                let mut k = i;
                while k >= to {
                    it.yield_blk(b, vec![Value::Int(k)])?;
                    k -= 1;
                }
            }
            recv.clone()
        }
        "gcd" | "lcm" if is_int => {
            it.arity(args, 1, 1)?;
            let Value::Int(y) = args[0] else {
                return it.raise(B::TypeError, "not an integer");
            };
            let (mut a, mut b) = (i.unsigned_abs(), y.unsigned_abs());
            while b != 0 {
                (a, b) = (b, a % b);
            }
            let g = a as i64;
            if name == "gcd" {
                Value::Int(g)
            } else if g == 0 {
                Value::Int(0)
            } else {
                match (i / g).checked_mul(y) {
                    Some(v) => Value::Int(v.abs()),
                    None => return big(it),
                }
            }
        }
        "digits" if is_int => {
            if i < 0 {
                return it.decline("Integer#digits of a negative number (Math::DomainError)");
            }
            let mut n = i;
            let mut out = vec![Value::Int(n % 10)];
            n /= 10;
            while n > 0 {
                out.push(Value::Int(n % 10));
                n /= 10;
            }
            Value::array(out)
        }
        "hash" | "coerce" | "step" | "rationalize" | "to_r" | "to_c" => {
            return it.decline(format!("the method `{name}` on {}", recv.class_of().name()));
        }
        _ => {
            let _ = type_name;
            return Ok(None);
        }
    }))
}

/// Ruby's `String#to_i(base)`: leading blanks, a sign, digits with single underscores;
/// stops at the first other character.
pub(crate) fn str_to_i(s: &str, base: u32) -> Option<i64> {
    let t = s.trim_start_matches([' ', '\t', '\n', '\x0b', '\x0c', '\r']);
    let (neg, t) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let lower = t.to_ascii_lowercase();
    let t = match base {
        16 if lower.starts_with("0x") => &t[2..],
        2 if lower.starts_with("0b") => &t[2..],
        8 if lower.starts_with("0o") => &t[2..],
        _ => t,
    };
    let mut v: i64 = 0;
    let mut last_us = true;
    for c in t.chars() {
        if c == '_' {
            if last_us {
                break;
            }
            last_us = true;
            continue;
        }
        let Some(d) = c.to_digit(base) else { break };
        v = v.checked_mul(base as i64)?.checked_add(d as i64)?;
        last_us = false;
    }
    Some(if neg { -v } else { v })
}

/// Ruby's `String#to_f`.
pub(crate) fn str_to_f(s: &str) -> f64 {
    let t = s.trim_start_matches([' ', '\t', '\n', '\x0b', '\x0c', '\r']);
    let b = t.as_bytes();
    let mut out = String::new();
    let mut i = 0;
    if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
        out.push(b[i] as char);
        i += 1;
    }
    let digits = |i: &mut usize, out: &mut String| {
        let start = out.len();
        while *i < b.len() {
            if b[*i].is_ascii_digit() {
                out.push(b[*i] as char);
            } else if b[*i] == b'_'
                && out.len() > start
                && *i + 1 < b.len()
                && b[*i + 1].is_ascii_digit()
            {
            } else {
                break;
            }
            *i += 1;
        }
        out.len() > start
    };
    let had_int = digits(&mut i, &mut out);
    if i + 1 < b.len() && b[i] == b'.' && b[i + 1].is_ascii_digit() {
        out.push('.');
        i += 1;
        digits(&mut i, &mut out);
    } else if !had_int {
        return 0.0;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        let mut exp = String::from("e");
        let mut j = i + 1;
        if j < b.len() && (b[j] == b'-' || b[j] == b'+') {
            exp.push(b[j] as char);
            j += 1;
        }
        if digits(&mut j, &mut exp) {
            out.push_str(&exp);
        }
    }
    out.parse().unwrap_or(0.0)
}

/// `Integer(x)`.
pub(super) fn kernel_integer(it: &mut Interp<'_, '_>, args: &[Value]) -> R<Value> {
    let v = &args[0];
    match v {
        Value::Int(_) => Ok(v.clone()),
        Value::Float(f) => {
            if !f.is_finite() {
                return it.raise(B::FloatDomainError, value::float_to_s(*f));
            }
            Ok(Value::Int(f.trunc() as i64))
        }
        Value::Str(s) => {
            let s = s.borrow().clone();
            let t = s.trim_matches([' ', '\t', '\n', '\x0b', '\x0c', '\r']);
            let base = match args.get(1) {
                Some(b) => int_arg(it, b)? as u32,
                None => 0,
            };
            let (neg, body) = match t.as_bytes().first() {
                Some(b'-') => (true, &t[1..]),
                Some(b'+') => (false, &t[1..]),
                _ => (false, t),
            };
            let lower = body.to_ascii_lowercase();
            let (radix, digits) = if base == 0 || base == 16 && lower.starts_with("0x") {
                if lower.starts_with("0x") {
                    (16, &body[2..])
                } else if lower.starts_with("0b") {
                    (2, &body[2..])
                } else if lower.starts_with("0o") {
                    (8, &body[2..])
                } else if lower.starts_with('0') && body.len() > 1 {
                    (8, &body[1..])
                } else {
                    (10, body)
                }
            } else {
                (base, body)
            };
            let valid = !digits.is_empty()
                && !digits.starts_with('_')
                && !digits.ends_with('_')
                && !digits.contains("__")
                && digits.chars().all(|c| c == '_' || c.is_digit(radix));
            if !valid {
                return it.raise(
                    B::ArgumentError,
                    format!("invalid value for Integer(): {}", value::str_inspect(&s)),
                );
            }
            let clean: String = digits.chars().filter(|c| *c != '_').collect();
            match i64::from_str_radix(&clean, radix) {
                Ok(n) => Ok(Value::Int(if neg { -n } else { n })),
                Err(_) => big(it),
            }
        }
        Value::Nil => it.raise(B::TypeError, "can't convert nil into Integer"),
        other => it.raise(
            B::TypeError,
            format!("can't convert {} into Integer", other.class_of().name()),
        ),
    }
}

/// `Float(x)`.
pub(super) fn kernel_float(it: &mut Interp<'_, '_>, v: &Value) -> R<Value> {
    match v {
        Value::Int(i) => Ok(Value::Float(*i as f64)),
        Value::Float(_) => Ok(v.clone()),
        Value::Str(s) => {
            let s = s.borrow().clone();
            let t = s.trim_matches([' ', '\t', '\n', '\x0b', '\x0c', '\r']);
            let ok = !t.is_empty()
                && !t.contains("__")
                && t.parse::<f64>().is_ok()
                && !t.to_ascii_lowercase().contains("inf")
                && !t.to_ascii_lowercase().contains("nan")
                && !t.ends_with('.')
                && !t.starts_with('.');
            if !ok {
                return it.raise(
                    B::ArgumentError,
                    format!("invalid value for Float(): {}", value::str_inspect(&s)),
                );
            }
            Ok(Value::Float(t.parse().unwrap_or(0.0)))
        }
        Value::Nil => it.raise(B::TypeError, "can't convert nil into Float"),
        other => it.raise(
            B::TypeError,
            format!("can't convert {} into Float", other.class_of().name()),
        ),
    }
}
