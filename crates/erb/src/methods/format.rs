//! `format`/`sprintf`/`String#%` with Ruby's directives, and `to_json` as Ruby's json
//! library generates it.

use super::number;
use crate::interp::{Interp, R};
use crate::value::{self, Value, B};

fn to_int(it: &mut Interp<'_, '_>, v: &Value) -> R<i64> {
    match v {
        Value::Int(i) => Ok(*i),
        Value::Float(f) => {
            if !f.is_finite() {
                return it.raise(B::FloatDomainError, value::float_to_s(*f));
            }
            Ok(f.floor() as i64)
        }
        other => match number::kernel_integer(it, std::slice::from_ref(other))? {
            Value::Int(i) => Ok(i),
            _ => it.decline("this %d argument"),
        },
    }
}

fn to_float(it: &mut Interp<'_, '_>, v: &Value) -> R<f64> {
    match v {
        Value::Int(i) => Ok(*i as f64),
        Value::Float(f) => Ok(*f),
        other => match number::kernel_float(it, other)? {
            Value::Float(f) => Ok(f),
            _ => it.decline("this %f argument"),
        },
    }
}

/// C's `%e` exponent form: `1.500000e+03`.
fn exp_form(f: f64, prec: usize, upper: bool) -> String {
    let s = format!("{:.*e}", prec, f);
    let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
    let e: i32 = e.parse().unwrap_or(0);
    let out = format!("{m}e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs());
    if upper {
        out.to_uppercase()
    } else {
        out
    }
}

fn g_form(f: f64, prec: usize, alt: bool, upper: bool) -> String {
    let p = if prec == 0 { 1 } else { prec };
    if f == 0.0 {
        let mut s = format!("{:.*}", p - 1, f);
        if !alt && s.contains('.') {
            s = s.trim_end_matches('0').trim_end_matches('.').to_string();
        }
        return s;
    }
    let e = exp_form(f, p - 1, false);
    let x: i32 = e
        .rsplit_once('e')
        .and_then(|(_, x)| x.parse().ok())
        .unwrap_or(0);
    let mut s = if (x as i64) < p as i64 && x >= -4 {
        format!("{:.*}", (p as i64 - 1 - x as i64).max(0) as usize, f)
    } else {
        e
    };
    if !alt {
        if let Some((m, ex)) = s.clone().split_once('e') {
            let m = if m.contains('.') {
                m.trim_end_matches('0').trim_end_matches('.')
            } else {
                m
            };
            s = format!("{m}e{ex}");
        } else if s.contains('.') {
            s = s.trim_end_matches('0').trim_end_matches('.').to_string();
        }
    }
    if upper {
        s.to_uppercase()
    } else {
        s
    }
}

/// Format `fmt` with `args`.
pub(crate) fn format(it: &mut Interp<'_, '_>, fmt: &str, args: &[Value]) -> R<String> {
    let mut out = String::new();
    let mut next_arg = 0usize;
    let cs: Vec<char> = fmt.chars().collect();
    let mut i = 0;
    let mut take = |it: &Interp<'_, '_>| -> R<Value> {
        let v = args.get(next_arg).cloned();
        next_arg += 1;
        match v {
            Some(v) => Ok(v),
            None => it.raise(B::ArgumentError, "too few arguments"),
        }
    };
    while i < cs.len() {
        let c = cs[i];
        if c != '%' {
            out.push(c);
            i += 1;
            continue;
        }
        i += 1;
        if i >= cs.len() {
            return it.raise(
                B::ArgumentError,
                "incomplete format specifier; use %% (double %) instead",
            );
        }
        if cs[i] == '%' {
            out.push('%');
            i += 1;
            continue;
        }
        let (mut minus, mut plus, mut space, mut zero, mut alt) =
            (false, false, false, false, false);
        let mut width: Option<usize> = None;
        let mut prec: Option<usize> = None;
        let mut named: Option<Value> = None;
        let mut printed = false;
        loop {
            match cs.get(i) {
                Some('-') => minus = true,
                Some('+') => plus = true,
                Some(' ') => space = true,
                Some('0') => zero = true,
                Some('#') => alt = true,
                Some('<') | Some('{') => {
                    let close = if cs[i] == '<' { '>' } else { '}' };
                    let end = cs[i..].iter().position(|c| *c == close).map(|e| e + i);
                    let Some(end) = end else {
                        return it
                            .raise(B::ArgumentError, "malformed name - unmatched parenthesis");
                    };
                    let key: String = cs[i + 1..end].iter().collect();
                    let Some(Value::Hash(h)) = args.first() else {
                        return it.raise(B::ArgumentError, "one hash required");
                    };
                    let v = h.borrow().map.get(&Value::sym(&key).to_key()).cloned();
                    let Some(v) = v else {
                        return it.raise(B::KeyError, format!("key<{key}> not found"));
                    };
                    if close == '}' {
                        out.push_str(&value::to_s(&v));
                        i = end + 1;
                        printed = true;
                        break;
                    }
                    named = Some(v);
                    i = end;
                }
                _ => break,
            }
            i += 1;
        }
        if printed {
            continue;
        }
        if cs.get(i) == Some(&'*') {
            let w = to_int(it, &take(it)?)?;
            if w < 0 {
                minus = true;
            }
            width = Some(w.unsigned_abs() as usize);
            i += 1;
        } else {
            let s = i;
            while cs.get(i).is_some_and(char::is_ascii_digit) {
                i += 1;
            }
            if i > s {
                width = cs[s..i].iter().collect::<String>().parse().ok();
            }
        }
        if cs.get(i) == Some(&'.') {
            i += 1;
            if cs.get(i) == Some(&'*') {
                prec = Some(to_int(it, &take(it)?)?.max(0) as usize);
                i += 1;
            } else {
                let s = i;
                while cs.get(i).is_some_and(char::is_ascii_digit) {
                    i += 1;
                }
                prec = Some(cs[s..i].iter().collect::<String>().parse().unwrap_or(0));
            }
        }
        let Some(&conv) = cs.get(i) else {
            return it.raise(B::ArgumentError, "malformed format string - %");
        };
        i += 1;
        let arg = match named.take() {
            Some(v) => v,
            None => take(it)?,
        };
        let sign = |neg: bool| {
            if neg {
                "-"
            } else if plus {
                "+"
            } else if space {
                " "
            } else {
                ""
            }
        };
        let (body, numeric, prefix): (String, bool, String) = match conv {
            's' | 'p' => {
                let mut s = if conv == 's' {
                    value::to_s(&arg)
                } else {
                    value::inspect(&arg)
                };
                if let Some(p) = prec {
                    s = s.chars().take(p).collect();
                }
                (s, false, String::new())
            }
            'd' | 'i' | 'u' => {
                let n = to_int(it, &arg)?;
                let mut digits = n.unsigned_abs().to_string();
                if let Some(p) = prec {
                    while digits.len() < p {
                        digits.insert(0, '0');
                    }
                }
                (digits, prec.is_none(), sign(n < 0).to_string())
            }
            'x' | 'X' | 'o' | 'b' | 'B' => {
                let n = to_int(it, &arg)?;
                if n < 0 && !plus && !space {
                    return it.decline("two's complement %x of a negative number");
                }
                let a = n.unsigned_abs();
                let mut digits = match conv {
                    'x' => format!("{a:x}"),
                    'X' => format!("{a:X}"),
                    'o' => format!("{a:o}"),
                    _ => format!("{a:b}"),
                };
                if let Some(p) = prec {
                    while digits.len() < p {
                        digits.insert(0, '0');
                    }
                }
                let mut pre = sign(n < 0).to_string();
                if alt && a != 0 {
                    pre.push_str(match conv {
                        'x' => "0x",
                        'X' => "0X",
                        'o' => "0",
                        'b' => "0b",
                        _ => "0B",
                    });
                }
                (digits, prec.is_none(), pre)
            }
            'f' | 'e' | 'E' | 'g' | 'G' => {
                let f = to_float(it, &arg)?;
                if !f.is_finite() {
                    let s = if f.is_nan() { "NaN" } else { "Inf" };
                    (s.to_string(), false, sign(f < 0.0).to_string())
                } else {
                    let p = prec.unwrap_or(6);
                    let a = f.abs();
                    let body = match conv {
                        'f' => {
                            let mut s = format!("{:.*}", p, a);
                            if alt && p == 0 {
                                s.push('.');
                            }
                            s
                        }
                        'e' | 'E' => exp_form(a, p, conv == 'E'),
                        _ => g_form(a, p, alt, conv == 'G'),
                    };
                    (
                        body,
                        true,
                        sign(
                            f.is_sign_negative() && f != 0.0 || (f == 0.0 && f.is_sign_negative()),
                        )
                        .to_string(),
                    )
                }
            }
            'c' => {
                let s = match &arg {
                    Value::Int(n) => char::from_u32(*n as u32)
                        .map(String::from)
                        .unwrap_or_default(),
                    v => value::to_s(v)
                        .chars()
                        .next()
                        .map(String::from)
                        .unwrap_or_default(),
                };
                (s, false, String::new())
            }
            other => {
                return it.raise(
                    B::ArgumentError,
                    format!("malformed format string - %{other}"),
                )
            }
        };
        let len = prefix.chars().count() + body.chars().count();
        let w = width.unwrap_or(0);
        if len >= w {
            out.push_str(&prefix);
            out.push_str(&body);
        } else if minus {
            out.push_str(&prefix);
            out.push_str(&body);
            out.extend(std::iter::repeat_n(' ', w - len));
        } else if zero && numeric {
            out.push_str(&prefix);
            out.extend(std::iter::repeat_n('0', w - len));
            out.push_str(&body);
        } else {
            out.extend(std::iter::repeat_n(' ', w - len));
            out.push_str(&prefix);
            out.push_str(&body);
        }
    }
    Ok(out)
}

fn json_str(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

fn json_into(it: &mut Interp<'_, '_>, v: &Value, out: &mut String, depth: usize) -> R<()> {
    if depth > 100 {
        return it.decline("to_json nested deeper than 100");
    }
    match v {
        Value::Nil => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => out.push_str(&i.to_string()),
        Value::Float(f) => {
            if !f.is_finite() {
                return it.decline("to_json of NaN or Infinity (JSON::GeneratorError)");
            }
            out.push_str(&value::float_to_s(*f));
        }
        Value::Str(s) => json_str(&s.borrow(), out),
        Value::Sym(s) => json_str(s, out),
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.borrow().clone().iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json_into(it, x, out, depth + 1)?;
            }
            out.push(']');
        }
        Value::Hash(h) => {
            out.push('{');
            let entries: Vec<_> = h
                .borrow()
                .map
                .iter()
                .map(|(k, v)| (k.to_value(), v.clone()))
                .collect();
            for (i, (k, x)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json_str(&value::to_s(k), out);
                out.push(':');
                json_into(it, x, out, depth + 1)?;
            }
            out.push('}');
        }
        other => json_str(&value::to_s(other), out),
    }
    Ok(())
}

/// `to_json` (Ruby's json, compact).
pub(crate) fn to_json(it: &mut Interp<'_, '_>, v: &Value) -> R<String> {
    let mut out = String::new();
    json_into(it, v, &mut out, 0)?;
    Ok(out)
}
