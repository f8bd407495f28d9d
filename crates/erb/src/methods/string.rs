//! String, Regexp and MatchData. Ruby indexes strings by character, so do these.

use super::{format, int_arg, number, str_arg, type_name};
use crate::interp::{Blk, Interp, R};
use crate::value::{self, MatchData, Regexp, Value, B};
use std::rc::Rc;

const SPACE: &[char] = &[' ', '\t', '\n', '\x0b', '\x0c', '\r'];

fn byte_at_char(s: &str, ci: usize) -> usize {
    s.char_indices().nth(ci).map_or(s.len(), |(b, _)| b)
}

fn char_at_byte(s: &str, bi: usize) -> usize {
    s[..bi.min(s.len())].chars().count()
}

/// Match `re` against `s` from character `start`; sets `$~`.
pub(crate) fn do_match(
    it: &mut Interp<'_, '_>,
    re: &Regexp,
    s: &str,
    start: usize,
) -> Option<Rc<MatchData>> {
    let m = match_at(re, s, byte_at_char(s, start));
    it.last_match = match &m {
        Some(m) => Value::Match(m.clone()),
        None => Value::Nil,
    };
    m
}

fn match_at(re: &Regexp, s: &str, byte_start: usize) -> Option<Rc<MatchData>> {
    if byte_start > s.len() {
        return None;
    }
    let caps = re.re.captures_at(s, byte_start)?;
    Some(Rc::new(MatchData {
        subject: s.to_string(),
        groups: (0..caps.len())
            .map(|i| caps.get(i).map(|m| (m.start(), m.end())))
            .collect(),
        names: re.names.clone(),
    }))
}

/// A pattern argument as a Regexp: a String matches itself literally.
fn pattern(it: &Interp<'_, '_>, v: &Value) -> R<Rc<Regexp>> {
    match v {
        Value::Regexp(r) => Ok(r.clone()),
        Value::Str(s) => {
            let src = crate::rregex::escape(&s.borrow());
            match crate::rregex::compile(&src, 0) {
                Ok(r) => Ok(Rc::new(r)),
                Err(what) => it.decline(what),
            }
        }
        other => it.raise(
            B::TypeError,
            format!(
                "wrong argument type {} (expected Regexp)",
                other.class_of().name()
            ),
        ),
    }
}

/// A pattern given to `match`: a String is compiled as a regexp source.
fn source_pattern(it: &Interp<'_, '_>, v: &Value) -> R<Rc<Regexp>> {
    match v {
        Value::Regexp(r) => Ok(r.clone()),
        Value::Str(s) => match crate::rregex::compile(&s.borrow(), 0) {
            Ok(r) => Ok(Rc::new(r)),
            Err(what) => it.decline(what),
        },
        other => it.raise(
            B::TypeError,
            format!(
                "wrong argument type {} (expected Regexp)",
                other.class_of().name()
            ),
        ),
    }
}

/// Expand `\1`, `\0`, `\&`, `\k<name>`, `` \` ``, `\'` and `\\` in a replacement.
fn expand(repl: &str, m: &MatchData) -> String {
    let group = |i: usize| {
        m.groups
            .get(i)
            .copied()
            .flatten()
            .map_or("", |(a, b)| &m.subject[a..b])
    };
    let mut out = String::new();
    let mut cs = repl.chars().peekable();
    while let Some(c) = cs.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match cs.peek().copied() {
            Some(d @ '0'..='9') => {
                cs.next();
                out.push_str(group(d as usize - '0' as usize));
            }
            Some('&') => {
                cs.next();
                out.push_str(group(0));
            }
            Some('`') => {
                cs.next();
                let (a, _) = m.groups[0].unwrap_or((0, 0));
                out.push_str(&m.subject[..a]);
            }
            Some('\'') => {
                cs.next();
                let (_, b) = m.groups[0].unwrap_or((0, 0));
                out.push_str(&m.subject[b..]);
            }
            Some('\\') => {
                cs.next();
                out.push('\\');
            }
            Some('k') => {
                let rest: String = cs.clone().collect();
                if let Some(end) = rest.strip_prefix("k<").and_then(|r| r.find('>')) {
                    let name = &rest[2..2 + end];
                    if let Some(i) = m.names.iter().position(|n| n.as_deref() == Some(name)) {
                        out.push_str(group(i));
                    }
                    for _ in 0..end + 3 {
                        cs.next();
                    }
                } else {
                    out.push('\\');
                }
            }
            _ => out.push('\\'),
        }
    }
    out
}

/// `sub`/`gsub`: the new string, or None when nothing matched.
fn substitute<'t>(
    it: &mut Interp<'t, '_>,
    s: &str,
    args: &[Value],
    blk: &Option<Blk<'t>>,
    global: bool,
) -> R<Option<String>> {
    if args.is_empty() || args.len() > 2 || (args.len() == 1 && blk.is_none()) {
        if args.len() == 1 && blk.is_none() {
            return it.decline("`gsub` without a replacement (an Enumerator)");
        }
        return it.arg_error(args.len(), "1..2");
    }
    let re = pattern(it, &args[0])?;
    let repl = args.get(1).cloned();
    if let Some(r) = &repl {
        if !matches!(r, Value::Str(_) | Value::Hash(_)) {
            return it.raise(
                B::TypeError,
                format!("no implicit conversion of {} into String", type_name(r)),
            );
        }
    }
    let mut out = String::new();
    let mut last = 0;
    let mut any = false;
    let mut pos = 0;
    while pos <= s.len() {
        let Some(m) = match_at(&re, s, pos) else {
            break;
        };
        any = true;
        let (a, b) = m.groups[0].unwrap_or((pos, pos));
        out.push_str(&s[last..a]);
        it.last_match = Value::Match(m.clone());
        let piece = match &repl {
            Some(Value::Str(r)) => expand(&r.borrow(), &m),
            Some(Value::Hash(h)) => {
                let k = Value::str(&s[a..b]).to_key();
                let v = {
                    let hb = h.borrow();
                    hb.map
                        .get(&k)
                        .cloned()
                        .unwrap_or_else(|| hb.default.clone())
                };
                value::to_s(&v)
            }
            _ => {
                let Some(bl) = blk else { unreachable!() };
                let v = it.yield_blk(bl, vec![Value::str(&s[a..b])])?;
                it.last_match = Value::Match(m.clone());
                value::to_s(&v)
            }
        };
        out.push_str(&piece);
        last = b;
        if !global {
            break;
        }
        if b == a {
            // An empty match: copy one character and go on after it.
            match s[b..].chars().next() {
                Some(c) => {
                    out.push(c);
                    last = b + c.len_utf8();
                    pos = last;
                }
                None => break,
            }
        } else {
            pos = b;
        }
    }
    if !any {
        it.last_match = Value::Nil;
        return Ok(None);
    }
    if last <= s.len() {
        out.push_str(&s[last..]);
    }
    Ok(Some(out))
}

fn split(it: &mut Interp<'_, '_>, s: &str, args: &[Value]) -> R<Vec<Value>> {
    it.arity(args, 0, 2)?;
    let limit = match args.get(1) {
        Some(l) => int_arg(it, l)?,
        None => 0,
    };
    let mut parts: Vec<String> = Vec::new();
    let awk = match args.first() {
        None | Some(Value::Nil) => true,
        Some(Value::Str(p)) => *p.borrow() == " ",
        _ => false,
    };
    if s.is_empty() {
        return Ok(Vec::new());
    }
    if awk {
        let mut rest = s.trim_start_matches(SPACE);
        loop {
            if rest.is_empty() {
                break;
            }
            if limit > 0 && parts.len() as i64 == limit - 1 {
                parts.push(rest.to_string());
                break;
            }
            match rest.find(SPACE) {
                Some(i) => {
                    parts.push(rest[..i].to_string());
                    let after = &rest[i..];
                    let trimmed = after.trim_start_matches(SPACE);
                    if trimmed.is_empty() && limit < 0 {
                        parts.push(String::new());
                    }
                    rest = trimmed;
                }
                None => {
                    parts.push(rest.to_string());
                    break;
                }
            }
        }
    } else {
        let re = match &args[0] {
            Value::Str(p) if p.borrow().is_empty() => None,
            Value::Str(_) | Value::Regexp(_) => Some(pattern(it, &args[0])?),
            other => {
                return it.raise(
                    B::TypeError,
                    format!(
                        "wrong argument type {} (expected Regexp)",
                        other.class_of().name()
                    ),
                )
            }
        };
        match re {
            None => {
                for (i, c) in s.chars().enumerate() {
                    if limit > 0 && i as i64 == limit - 1 {
                        parts.push(s[byte_at_char(s, i)..].to_string());
                        break;
                    }
                    parts.push(c.to_string());
                }
            }
            Some(re) => {
                let mut start = 0;
                let mut search = 0;
                while search <= s.len() {
                    if limit > 0 && parts.len() as i64 >= limit - 1 {
                        break;
                    }
                    let Some(m) = match_at(&re, s, search) else {
                        break;
                    };
                    let (a, b) = m.groups[0].unwrap_or((search, search));
                    if a == b {
                        // An empty match splits between characters (never at 0).
                        if a >= s.len() {
                            break;
                        }
                        if a == start {
                            let next = a + s[a..].chars().next().map_or(1, char::len_utf8);
                            search = next;
                            if a == 0 {
                                continue;
                            }
                            parts.push(s[start..next].to_string());
                            start = next;
                            continue;
                        }
                    }
                    parts.push(s[start..a].to_string());
                    for g in 1..m.groups.len() {
                        if let Some((x, y)) = m.groups[g] {
                            parts.push(s[x..y].to_string());
                        }
                    }
                    start = b;
                    search = if b == a {
                        b + s[b..].chars().next().map_or(1, char::len_utf8)
                    } else {
                        b
                    };
                }
                parts.push(s[start.min(s.len())..].to_string());
            }
        }
    }
    if limit == 0 {
        while parts.last().is_some_and(String::is_empty) {
            parts.pop();
        }
    }
    Ok(parts.into_iter().map(Value::string).collect())
}

/// Characters of a `tr`/`delete`/`count` set: (negated, characters).
fn charset(spec: &str) -> (bool, Vec<char>) {
    let cs: Vec<char> = spec.chars().collect();
    let (neg, cs) = if cs.len() > 1 && cs[0] == '^' {
        (true, &cs[1..])
    } else {
        (false, &cs[..])
    };
    let mut out = Vec::new();
    let mut i = 0;
    while i < cs.len() {
        let c = if cs[i] == '\\' && i + 1 < cs.len() {
            i += 1;
            cs[i]
        } else {
            cs[i]
        };
        if i + 2 < cs.len() && cs[i + 1] == '-' {
            let end = cs[i + 2];
            if end >= c {
                for x in c..=end {
                    out.push(x);
                }
            }
            i += 3;
            continue;
        }
        out.push(c);
        i += 1;
    }
    (neg, out)
}

fn in_set(set: &(bool, Vec<char>), c: char) -> bool {
    set.1.contains(&c) != set.0
}

fn tr(s: &str, from: &str, to: &str) -> String {
    let f = charset(from);
    let (_, t) = charset(to);
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if f.0 {
            if !f.1.contains(&c) {
                if let Some(l) = t.last() {
                    out.push(*l);
                }
            } else {
                out.push(c);
            }
            continue;
        }
        match f.1.iter().rposition(|x| *x == c) {
            Some(i) => {
                if let Some(r) = t.get(i).or(t.last()) {
                    out.push(*r);
                }
            }
            None => out.push(c),
        }
    }
    out
}

fn index_of(it: &Interp<'_, '_>, s: &str, args: &[Value]) -> R<Value> {
    let chars: Vec<char> = s.chars().collect();
    let n = chars.len() as i64;
    let args_err = it.arity(args, 1, 2);
    args_err?;
    let start = match args.get(1) {
        Some(v) => {
            let i = int_arg(it, v)?;
            let i = if i < 0 { i + n } else { i };
            if i < 0 || i > n {
                return Ok(Value::Nil);
            }
            i as usize
        }
        None => 0,
    };
    let b = byte_at_char(s, start);
    match &args[0] {
        Value::Str(sub) => Ok(s[b..]
            .find(&*sub.borrow())
            .map_or(Value::Nil, |i| Value::Int(char_at_byte(s, b + i) as i64))),
        Value::Regexp(re) => Ok(match match_at(re, s, b) {
            Some(m) => Value::Int(char_at_byte(s, m.groups[0].map_or(0, |g| g.0)) as i64),
            None => Value::Nil,
        }),
        other => it.raise(
            B::TypeError,
            format!("no implicit conversion of {} into String", type_name(other)),
        ),
    }
}

fn substr(it: &mut Interp<'_, '_>, s: &str, args: &[Value]) -> R<Value> {
    it.arity(args, 1, 2)?;
    let chars: Vec<char> = s.chars().collect();
    let n = chars.len();
    match args {
        [Value::Str(sub)] => Ok(if s.contains(&*sub.borrow()) {
            Value::string(sub.borrow().clone())
        } else {
            Value::Nil
        }),
        [Value::Regexp(re)] => Ok(match do_match(it, re, s, 0) {
            Some(m) => m.group(0),
            None => Value::Nil,
        }),
        [Value::Regexp(re), g] => Ok(match do_match(it, re, s, 0) {
            Some(m) => match g {
                Value::Int(i) => m.group(*i as usize),
                other => {
                    let name = value::to_s(other);
                    match m
                        .names
                        .iter()
                        .position(|x| x.as_deref() == Some(name.as_str()))
                    {
                        Some(i) => m.group(i),
                        None => {
                            return it.raise(
                                B::IndexError,
                                format!("undefined group name reference: {name}"),
                            )
                        }
                    }
                }
            },
            None => Value::Nil,
        }),
        [Value::Range(r)] => Ok(match super::array::range_span(n, r) {
            Some((a, b)) => Value::string(chars[a..b].iter().collect()),
            None => Value::Nil,
        }),
        [i] => {
            let i = int_arg(it, i)?;
            let i = if i < 0 { i + n as i64 } else { i };
            Ok(if i < 0 || i as usize >= n {
                Value::Nil
            } else {
                Value::string(chars[i as usize].to_string())
            })
        }
        [st, len] => {
            let (st, len) = (int_arg(it, st)?, int_arg(it, len)?);
            let st = if st < 0 { st + n as i64 } else { st };
            if st < 0 || st as usize > n || len < 0 {
                return Ok(Value::Nil);
            }
            let end = (st + len).min(n as i64) as usize;
            Ok(Value::string(chars[st as usize..end].iter().collect()))
        }
        _ => Ok(Value::Nil),
    }
}

fn pad(s: &str, width: usize, padstr: &str, mode: u8) -> String {
    let len = s.chars().count();
    if width <= len || padstr.is_empty() {
        return s.to_string();
    }
    let total = width - len;
    let (left, right) = match mode {
        b'l' => (0, total),
        b'r' => (total, 0),
        _ => (total / 2, total - total / 2),
    };
    let fill = |n: usize| padstr.chars().cycle().take(n).collect::<String>();
    format!("{}{s}{}", fill(left), fill(right))
}

/// `String#succ`: the rightmost alphanumeric goes up, carrying leftwards over the other
/// alphanumerics (`"az9"` -> `"ba0"`, `"zz"` -> `"aaa"`, `"1.9"` -> `"2.0"`).
fn succ(s: &str) -> String {
    let mut cs: Vec<char> = s.chars().collect();
    let Some(mut i) = cs.iter().rposition(char::is_ascii_alphanumeric) else {
        if let Some(last) = cs.last_mut() {
            *last = char::from_u32(*last as u32 + 1).unwrap_or(*last);
        }
        return cs.into_iter().collect();
    };
    loop {
        let (next, carry, insert) = match cs[i] {
            'z' => ('a', true, 'a'),
            'Z' => ('A', true, 'A'),
            '9' => ('0', true, '1'),
            c => (char::from_u32(c as u32 + 1).unwrap_or(c), false, c),
        };
        cs[i] = next;
        if !carry {
            break;
        }
        match cs[..i].iter().rposition(char::is_ascii_alphanumeric) {
            Some(j) => i = j,
            None => {
                cs.insert(i, insert);
                break;
            }
        }
    }
    cs.into_iter().collect()
}

fn capitalize(s: &str) -> String {
    let mut cs = s.chars();
    match cs.next() {
        Some(f) => f
            .to_uppercase()
            .chain(cs.flat_map(char::to_lowercase))
            .collect(),
        None => String::new(),
    }
}

fn chomp(s: &str, arg: Option<&str>) -> String {
    match arg {
        None => s
            .strip_suffix("\r\n")
            .or_else(|| s.strip_suffix('\n'))
            .or_else(|| s.strip_suffix('\r'))
            .unwrap_or(s)
            .to_string(),
        Some("") => {
            let mut t = s;
            loop {
                if let Some(x) = t.strip_suffix("\r\n") {
                    t = x;
                } else if let Some(x) = t.strip_suffix('\n') {
                    t = x;
                } else {
                    break;
                }
            }
            t.to_string()
        }
        Some("\n") => chomp(s, None),
        Some(suffix) => s.strip_suffix(suffix).unwrap_or(s).to_string(),
    }
}

pub(super) fn call<'t>(
    it: &mut Interp<'t, '_>,
    recv: &Value,
    name: &str,
    args: &[Value],
    blk: &Option<Blk<'t>>,
) -> R<Option<Value>> {
    let Value::Str(rc) = recv else {
        return Ok(None);
    };
    let s = rc.borrow().clone();
    // In-place variants: compute, store, answer nil when nothing changed.
    let bang = |v: String, it: &Interp<'_, '_>| -> Value {
        let _ = it;
        if v == *rc.borrow() {
            Value::Nil
        } else {
            *rc.borrow_mut() = v;
            recv.clone()
        }
    };
    Ok(Some(match name {
        "to_s" | "to_str" => recv.clone(),
        "length" | "size" => Value::Int(s.chars().count() as i64),
        "bytesize" => Value::Int(s.len() as i64),
        "empty?" => Value::Bool(s.is_empty()),
        "+" => {
            it.arity(args, 1, 1)?;
            let o = str_arg(it, &args[0])?;
            Value::string(s + &o)
        }
        "*" => {
            it.arity(args, 1, 1)?;
            let n = int_arg(it, &args[0])?;
            if n < 0 {
                return it.raise(B::ArgumentError, "negative argument");
            }
            Value::string(s.repeat(n as usize))
        }
        "%" => {
            it.arity(args, 1, 1)?;
            let fargs = match &args[0] {
                Value::Array(a) => a.borrow().clone(),
                v => vec![v.clone()],
            };
            Value::string(format::format(it, &s, &fargs)?)
        }
        "<<" | "concat" => {
            let mut add = String::new();
            for a in args {
                match a {
                    Value::Int(i) => match u32::try_from(*i).ok().and_then(char::from_u32) {
                        Some(c) => add.push(c),
                        None => return it.raise(B::RangeError, format!("{i} out of char range")),
                    },
                    v => add.push_str(&str_arg(it, v)?),
                }
            }
            rc.borrow_mut().push_str(&add);
            recv.clone()
        }
        "prepend" => {
            let mut add = String::new();
            for a in args {
                add.push_str(&str_arg(it, a)?);
            }
            rc.borrow_mut().insert_str(0, &add);
            recv.clone()
        }
        "replace" => {
            it.arity(args, 1, 1)?;
            let o = str_arg(it, &args[0])?;
            *rc.borrow_mut() = o;
            recv.clone()
        }
        "insert" => {
            it.arity(args, 2, 2)?;
            let i = int_arg(it, &args[0])?;
            let o = str_arg(it, &args[1])?;
            let n = s.chars().count() as i64;
            let idx = if i < 0 { i + n + 1 } else { i };
            if idx < 0 || idx > n {
                return it.raise(B::IndexError, format!("index {i} out of string"));
            }
            let b = byte_at_char(&s, idx as usize);
            rc.borrow_mut().insert_str(b, &o);
            recv.clone()
        }
        "==" | "===" | "eql?" => {
            it.arity(args, 1, 1)?;
            Value::Bool(matches!(&args[0], Value::Str(o) if *o.borrow() == s))
        }
        "<=>" => {
            it.arity(args, 1, 1)?;
            match &args[0] {
                Value::Str(o) => Value::Int(s.as_bytes().cmp(o.borrow().as_bytes()) as i64),
                _ => Value::Nil,
            }
        }
        "<" | "<=" | ">" | ">=" => {
            it.arity(args, 1, 1)?;
            let Value::Str(o) = &args[0] else {
                return it.cmp_failed(recv, &args[0]);
            };
            let ord = s.as_bytes().cmp(o.borrow().as_bytes());
            Value::Bool(match name {
                "<" => ord.is_lt(),
                "<=" => ord.is_le(),
                ">" => ord.is_gt(),
                _ => ord.is_ge(),
            })
        }
        "between?" => {
            it.arity(args, 2, 2)?;
            let lo = it.compare(recv, &args[0])?;
            let hi = it.compare(recv, &args[1])?;
            Value::Bool(lo.is_ge() && hi.is_le())
        }
        "casecmp" => {
            it.arity(args, 1, 1)?;
            match &args[0] {
                Value::Str(o) => Value::Int(
                    s.to_ascii_lowercase()
                        .as_bytes()
                        .cmp(o.borrow().to_ascii_lowercase().as_bytes()) as i64,
                ),
                _ => Value::Nil,
            }
        }
        "casecmp?" => {
            it.arity(args, 1, 1)?;
            match &args[0] {
                Value::Str(o) => Value::Bool(s.to_lowercase() == o.borrow().to_lowercase()),
                _ => Value::Nil,
            }
        }
        "=~" => {
            it.arity(args, 1, 1)?;
            match &args[0] {
                Value::Regexp(re) => match do_match(it, re, &s, 0) {
                    Some(m) => Value::Int(char_at_byte(&s, m.groups[0].map_or(0, |g| g.0)) as i64),
                    None => Value::Nil,
                },
                Value::Str(_) => {
                    return it.raise(B::TypeError, "wrong argument type String (expected Regexp)")
                }
                other => {
                    return it
                        .call_method(other.clone(), "=~", vec![recv.clone()], None)
                        .map(Some)
                }
            }
        }
        "match" => {
            it.arity(args, 1, 2)?;
            let re = source_pattern(it, &args[0])?;
            let start = match args.get(1) {
                Some(p) => int_arg(it, p)?.max(0) as usize,
                None => 0,
            };
            match do_match(it, &re, &s, start) {
                Some(m) => match blk {
                    Some(b) => it.yield_blk(b, vec![Value::Match(m)])?,
                    None => Value::Match(m),
                },
                None => Value::Nil,
            }
        }
        "match?" => {
            it.arity(args, 1, 2)?;
            let re = source_pattern(it, &args[0])?;
            let start = match args.get(1) {
                Some(p) => int_arg(it, p)?.max(0) as usize,
                None => 0,
            };
            Value::Bool(match_at(&re, &s, byte_at_char(&s, start)).is_some())
        }
        "scan" => {
            it.arity(args, 1, 1)?;
            let re = pattern(it, &args[0])?;
            let mut out = Vec::new();
            let mut pos = 0;
            while pos <= s.len() {
                let Some(m) = match_at(&re, &s, pos) else {
                    break;
                };
                let (a, b) = m.groups[0].unwrap_or((pos, pos));
                let item = if m.groups.len() > 1 {
                    Value::array((1..m.groups.len()).map(|i| m.group(i)).collect())
                } else {
                    m.group(0)
                };
                it.last_match = Value::Match(m);
                match blk {
                    Some(bl) => {
                        it.yield_blk(bl, vec![item])?;
                    }
                    None => out.push(item),
                }
                pos = if b == a {
                    b + s[b..].chars().next().map_or(1, char::len_utf8)
                } else {
                    b
                };
            }
            if blk.is_some() {
                recv.clone()
            } else {
                Value::array(out)
            }
        }
        "[]" | "slice" => substr(it, &s, args)?,
        "index" => index_of(it, &s, args)?,
        "rindex" => {
            it.arity(args, 1, 1)?;
            match &args[0] {
                Value::Str(sub) => s
                    .rfind(&*sub.borrow())
                    .map_or(Value::Nil, |i| Value::Int(char_at_byte(&s, i) as i64)),
                _ => return it.decline("`rindex` with a regexp"),
            }
        }
        "include?" => {
            it.arity(args, 1, 1)?;
            let o = str_arg(it, &args[0])?;
            Value::Bool(s.contains(&o))
        }
        "start_with?" => {
            let mut hit = false;
            for a in args {
                hit |= match a {
                    Value::Regexp(re) => {
                        match_at(re, &s, 0).is_some_and(|m| m.groups[0].is_some_and(|g| g.0 == 0))
                    }
                    v => s.starts_with(&str_arg(it, v)?),
                };
            }
            Value::Bool(hit)
        }
        "end_with?" => {
            let mut hit = false;
            for a in args {
                hit |= s.ends_with(&str_arg(it, a)?);
            }
            Value::Bool(hit)
        }
        "delete_prefix" | "delete_prefix!" => {
            it.arity(args, 1, 1)?;
            let p = str_arg(it, &args[0])?;
            let v = s.strip_prefix(&p).unwrap_or(&s).to_string();
            if name.ends_with('!') {
                bang(v, it)
            } else {
                Value::string(v)
            }
        }
        "delete_suffix" | "delete_suffix!" => {
            it.arity(args, 1, 1)?;
            let p = str_arg(it, &args[0])?;
            let v = s.strip_suffix(&p).unwrap_or(&s).to_string();
            if name.ends_with('!') {
                bang(v, it)
            } else {
                Value::string(v)
            }
        }
        "upcase" | "downcase" | "capitalize" | "swapcase" | "strip" | "lstrip" | "rstrip"
        | "chop" | "reverse" | "squeeze" | "upcase!" | "downcase!" | "capitalize!"
        | "swapcase!" | "strip!" | "lstrip!" | "rstrip!" | "chop!" | "reverse!" | "squeeze!" => {
            let base = name.trim_end_matches('!');
            if base != "squeeze" {
                it.arity(
                    args,
                    0,
                    if matches!(base, "upcase" | "downcase" | "capitalize" | "swapcase") {
                        1
                    } else {
                        0
                    },
                )?;
            }
            let v = match base {
                "upcase" => s.to_uppercase(),
                "downcase" => s.to_lowercase(),
                "capitalize" => capitalize(&s),
                "swapcase" => s
                    .chars()
                    .flat_map(|c| {
                        if c.is_uppercase() {
                            c.to_lowercase().collect::<Vec<_>>()
                        } else {
                            c.to_uppercase().collect()
                        }
                    })
                    .collect(),
                "strip" => s
                    .trim_start_matches(|c| SPACE.contains(&c) || c == '\0')
                    .trim_end_matches(|c| SPACE.contains(&c) || c == '\0')
                    .to_string(),
                "lstrip" => s
                    .trim_start_matches(|c| SPACE.contains(&c) || c == '\0')
                    .to_string(),
                "rstrip" => s
                    .trim_end_matches(|c| SPACE.contains(&c) || c == '\0')
                    .to_string(),
                "chop" => {
                    if let Some(x) = s.strip_suffix("\r\n") {
                        x.to_string()
                    } else {
                        let mut t = s.clone();
                        t.pop();
                        t
                    }
                }
                "reverse" => s.chars().rev().collect(),
                _ => {
                    let set = match args.first() {
                        Some(a) => Some(charset(&str_arg(it, a)?)),
                        None => None,
                    };
                    let mut out = String::new();
                    let mut prev: Option<char> = None;
                    for c in s.chars() {
                        if prev == Some(c) && set.as_ref().is_none_or(|st| in_set(st, c)) {
                            continue;
                        }
                        out.push(c);
                        prev = Some(c);
                    }
                    out
                }
            };
            if name.ends_with('!') {
                bang(v, it)
            } else {
                Value::string(v)
            }
        }
        "chomp" | "chomp!" => {
            it.arity(args, 0, 1)?;
            let arg = match args.first() {
                Some(Value::Nil) => {
                    return Ok(Some(if name == "chomp" {
                        Value::string(s)
                    } else {
                        Value::Nil
                    }))
                }
                Some(a) => Some(str_arg(it, a)?),
                None => None,
            };
            let v = chomp(&s, arg.as_deref());
            if name.ends_with('!') {
                bang(v, it)
            } else {
                Value::string(v)
            }
        }
        "sub" | "gsub" | "sub!" | "gsub!" => {
            let global = name.starts_with('g');
            let r = substitute(it, &s, args, blk, global)?;
            match (r, name.ends_with('!')) {
                (Some(v), true) => {
                    *rc.borrow_mut() = v;
                    recv.clone()
                }
                (None, true) => Value::Nil,
                (Some(v), false) => Value::string(v),
                (None, false) => Value::string(s),
            }
        }
        "tr" | "tr!" => {
            it.arity(args, 2, 2)?;
            let from = str_arg(it, &args[0])?;
            let to = str_arg(it, &args[1])?;
            let v = if to.is_empty() {
                let set = charset(&from);
                s.chars().filter(|c| !in_set(&set, *c)).collect()
            } else {
                tr(&s, &from, &to)
            };
            if name.ends_with('!') {
                bang(v, it)
            } else {
                Value::string(v)
            }
        }
        "delete" | "delete!" => {
            it.arity(args, 1, usize::MAX)?;
            let mut sets = Vec::new();
            for a in args {
                sets.push(charset(&str_arg(it, a)?));
            }
            let v: String = s
                .chars()
                .filter(|c| !sets.iter().all(|st| in_set(st, *c)))
                .collect();
            if name.ends_with('!') {
                bang(v, it)
            } else {
                Value::string(v)
            }
        }
        "count" => {
            it.arity(args, 1, usize::MAX)?;
            let mut sets = Vec::new();
            for a in args {
                sets.push(charset(&str_arg(it, a)?));
            }
            Value::Int(
                s.chars()
                    .filter(|c| sets.iter().all(|st| in_set(st, *c)))
                    .count() as i64,
            )
        }
        "center" | "ljust" | "rjust" => {
            it.arity(args, 1, 2)?;
            let w = int_arg(it, &args[0])?.max(0) as usize;
            let p = match args.get(1) {
                Some(p) => str_arg(it, p)?,
                None => " ".into(),
            };
            if p.is_empty() {
                return it.raise(B::ArgumentError, "zero width padding");
            }
            Value::string(pad(&s, w, &p, name.as_bytes()[0]))
        }
        "split" => Value::array(split(it, &s, args)?),
        "chars" | "each_char" => {
            let cs: Vec<Value> = s.chars().map(|c| Value::string(c.to_string())).collect();
            match (name, blk) {
                ("each_char", Some(b)) => {
                    for c in cs {
                        it.yield_blk(b, vec![c])?;
                    }
                    recv.clone()
                }
                ("each_char", None) => super::enumerable::enumerator(recv, name, args, cs),
                _ => Value::array(cs),
            }
        }
        "bytes" => Value::array(s.bytes().map(|b| Value::Int(b as i64)).collect()),
        "lines" | "each_line" => {
            let sep = match args.first() {
                Some(a) => str_arg(it, a)?,
                None => "\n".into(),
            };
            let mut out = Vec::new();
            let mut rest = s.as_str();
            while !rest.is_empty() {
                match rest.find(&sep) {
                    Some(i) if !sep.is_empty() => {
                        out.push(Value::str(&rest[..i + sep.len()]));
                        rest = &rest[i + sep.len()..];
                    }
                    _ => {
                        out.push(Value::str(rest));
                        break;
                    }
                }
            }
            match (name, blk) {
                ("each_line", Some(b)) => {
                    for l in out {
                        it.yield_blk(b, vec![l])?;
                    }
                    recv.clone()
                }
                ("each_line", None) => super::enumerable::enumerator(recv, name, args, out),
                _ => Value::array(out),
            }
        }
        "to_i" => {
            it.arity(args, 0, 1)?;
            let base = match args.first() {
                Some(b) => int_arg(it, b)?,
                None => 10,
            };
            if !(2..=36).contains(&base) {
                return it.raise(B::ArgumentError, format!("invalid radix {base}"));
            }
            match number::str_to_i(&s, base as u32) {
                Some(v) => Value::Int(v),
                None => return it.decline("Integer arithmetic beyond 64 bits"),
            }
        }
        "hex" => match number::str_to_i(&s, 16) {
            Some(v) => Value::Int(v),
            None => return it.decline("Integer arithmetic beyond 64 bits"),
        },
        "oct" => {
            let t = s.trim_start().to_ascii_lowercase();
            let body = t.trim_start_matches(['-', '+']);
            let base = if body.starts_with("0x") {
                16
            } else if body.starts_with("0b") {
                2
            } else {
                8
            };
            match number::str_to_i(&s, base) {
                Some(v) => Value::Int(v),
                None => return it.decline("Integer arithmetic beyond 64 bits"),
            }
        }
        "to_f" => Value::Float(number::str_to_f(&s)),
        "to_sym" | "intern" => Value::Sym(Rc::from(s.as_str())),
        "ord" => match s.chars().next() {
            Some(c) => Value::Int(c as i64),
            None => return it.raise(B::ArgumentError, "empty string"),
        },
        "chr" => Value::string(s.chars().next().map(String::from).unwrap_or_default()),
        "partition" | "rpartition" => {
            it.arity(args, 1, 1)?;
            let found = match &args[0] {
                Value::Str(sep) => {
                    let sep = sep.borrow().clone();
                    let pos = if name == "partition" {
                        s.find(&sep)
                    } else {
                        s.rfind(&sep)
                    };
                    pos.map(|i| (i, i + sep.len()))
                }
                Value::Regexp(re) if name == "partition" => match do_match(it, re, &s, 0) {
                    Some(m) => m.groups[0],
                    None => None,
                },
                _ => return it.decline(format!("`{name}` with this separator")),
            };
            match found {
                Some((a, b)) => Value::array(vec![
                    Value::str(&s[..a]),
                    Value::str(&s[a..b]),
                    Value::str(&s[b..]),
                ]),
                None if name == "partition" => {
                    Value::array(vec![Value::string(s), Value::str(""), Value::str("")])
                }
                None => Value::array(vec![Value::str(""), Value::str(""), Value::string(s)]),
            }
        }
        "succ" | "next" => Value::string(succ(&s)),
        "+@" => Value::string(s),
        "-@" => recv.clone(),
        _ => return Ok(None),
    }))
}

pub(super) fn regexp_call(
    it: &mut Interp<'_, '_>,
    re: &Rc<Regexp>,
    name: &str,
    args: &[Value],
) -> R<Option<Value>> {
    let subject = |v: &Value| -> Option<String> {
        match v {
            Value::Str(s) => Some(s.borrow().clone()),
            Value::Sym(s) => Some(s.to_string()),
            _ => None,
        }
    };
    Ok(Some(match name {
        "match" => {
            it.arity(args, 1, 2)?;
            if args[0].is_nil() {
                it.last_match = Value::Nil;
                return Ok(Some(Value::Nil));
            }
            let Some(s) = subject(&args[0]) else {
                return it.raise(
                    B::TypeError,
                    format!(
                        "no implicit conversion of {} into String",
                        type_name(&args[0])
                    ),
                );
            };
            let start = match args.get(1) {
                Some(p) => int_arg(it, p)?.max(0) as usize,
                None => 0,
            };
            match do_match(it, re, &s, start) {
                Some(m) => Value::Match(m),
                None => Value::Nil,
            }
        }
        "match?" => {
            it.arity(args, 1, 2)?;
            match subject(&args[0]) {
                Some(s) => Value::Bool(match_at(re, &s, 0).is_some()),
                None => Value::Bool(false),
            }
        }
        "=~" => {
            it.arity(args, 1, 1)?;
            if args[0].is_nil() {
                it.last_match = Value::Nil;
                return Ok(Some(Value::Nil));
            }
            let Some(s) = subject(&args[0]) else {
                return it.raise(
                    B::TypeError,
                    format!(
                        "no implicit conversion of {} into String",
                        type_name(&args[0])
                    ),
                );
            };
            match do_match(it, re, &s, 0) {
                Some(m) => Value::Int(char_at_byte(&s, m.groups[0].map_or(0, |g| g.0)) as i64),
                None => Value::Nil,
            }
        }
        "===" => {
            it.arity(args, 1, 1)?;
            match subject(&args[0]) {
                Some(s) => Value::Bool(do_match(it, re, &s, 0).is_some()),
                None => Value::Bool(false),
            }
        }
        "source" => Value::str(&re.source),
        "options" => Value::Int(re.options as i64),
        "casefold?" => Value::Bool(re.options & 1 != 0),
        "names" => Value::array(re.names.iter().flatten().map(|n| Value::str(n)).collect()),
        _ => return Ok(None),
    }))
}

pub(super) fn match_call(
    it: &mut Interp<'_, '_>,
    m: &Rc<MatchData>,
    name: &str,
    args: &[Value],
) -> R<Option<Value>> {
    let named = |n: &str| m.names.iter().position(|x| x.as_deref() == Some(n));
    Ok(Some(match name {
        "[]" => {
            it.arity(args, 1, 2)?;
            match args {
                [Value::Int(i)] => {
                    let n = m.groups.len() as i64;
                    let i = if *i < 0 { i + n } else { *i };
                    if i < 0 {
                        Value::Nil
                    } else {
                        m.group(i as usize)
                    }
                }
                [Value::Str(_) | Value::Sym(_)] => {
                    let n = value::to_s(&args[0]);
                    match named(&n) {
                        Some(i) => m.group(i),
                        None => {
                            return it.raise(
                                B::IndexError,
                                format!("undefined group name reference: {n}"),
                            )
                        }
                    }
                }
                _ => {
                    let all = Value::array((0..m.groups.len()).map(|i| m.group(i)).collect());
                    return it.call_method(all, "[]", args.to_vec(), None).map(Some);
                }
            }
        }
        "captures" => Value::array((1..m.groups.len()).map(|i| m.group(i)).collect()),
        "to_a" => Value::array((0..m.groups.len()).map(|i| m.group(i)).collect()),
        "named_captures" => Value::hash(
            m.names
                .iter()
                .enumerate()
                .filter_map(|(i, n)| n.as_ref().map(|n| (Value::str(n).to_key(), m.group(i))))
                .collect(),
        ),
        "names" => Value::array(m.names.iter().flatten().map(|n| Value::str(n)).collect()),
        "to_s" => m.group(0),
        "string" => Value::str(&m.subject),
        "size" | "length" => Value::Int(m.groups.len() as i64),
        "pre_match" => Value::str(&m.subject[..m.groups[0].map_or(0, |g| g.0)]),
        "post_match" => Value::str(&m.subject[m.groups[0].map_or(0, |g| g.1)..]),
        "begin" | "end" => {
            it.arity(args, 1, 1)?;
            let i = int_arg(it, &args[0])? as usize;
            match m.groups.get(i).copied().flatten() {
                Some((a, b)) => {
                    Value::Int(char_at_byte(&m.subject, if name == "begin" { a } else { b }) as i64)
                }
                None => Value::Nil,
            }
        }
        "values_at" => {
            let mut out = Vec::new();
            for a in args {
                let i = int_arg(it, a)?;
                out.push(if i < 0 {
                    Value::Nil
                } else {
                    m.group(i as usize)
                });
            }
            Value::array(out)
        }
        _ => return Ok(None),
    }))
}
