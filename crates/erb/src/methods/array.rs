//! Array.

use super::enumerable;
use super::{int_arg, str_arg, type_name};
use crate::interp::{Blk, Interp, R};
use crate::value::{self, RArray, Value, B};
use std::collections::HashSet;

fn arr(v: &Value) -> RArray {
    match v {
        Value::Array(a) => a.clone(),
        _ => unreachable!("array method on a non-array"),
    }
}

fn need_array(it: &Interp<'_, '_>, v: &Value) -> R<Vec<Value>> {
    match v {
        Value::Array(a) => Ok(a.borrow().clone()),
        other => it.raise(
            B::TypeError,
            format!("no implicit conversion of {} into Array", type_name(other)),
        ),
    }
}

/// `join`, recursively through nested arrays.
pub(super) fn join(
    it: &mut Interp<'_, '_>,
    items: &[Value],
    sep: &str,
    out: &mut String,
    seen: &mut Vec<usize>,
) -> R<()> {
    for (i, x) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(sep);
        }
        match x {
            Value::Str(s) => out.push_str(&s.borrow()),
            Value::Array(a) => {
                let id = std::rc::Rc::as_ptr(a) as *const u8 as usize;
                if seen.contains(&id) {
                    return it.raise(B::ArgumentError, "recursive array join");
                }
                seen.push(id);
                let inner = a.borrow().clone();
                join(it, &inner, sep, out, seen)?;
                seen.pop();
            }
            other => {
                let s = it.stringify(other)?;
                out.push_str(&s);
            }
        }
    }
    Ok(())
}

fn flatten(
    it: &Interp<'_, '_>,
    items: &[Value],
    depth: i64,
    out: &mut Vec<Value>,
    seen: &mut Vec<usize>,
) -> R<bool> {
    let mut changed = false;
    for x in items {
        match x {
            Value::Array(a) if depth != 0 => {
                let id = std::rc::Rc::as_ptr(a) as *const u8 as usize;
                if seen.contains(&id) {
                    return it.raise(B::ArgumentError, "tried to flatten recursive array");
                }
                seen.push(id);
                let inner = a.borrow().clone();
                flatten(it, &inner, depth - 1, out, seen)?;
                seen.pop();
                changed = true;
            }
            x => out.push(x.clone()),
        }
    }
    Ok(changed)
}

/// Resolve `[start, len]` against a length: the start and the end (exclusive), or None
/// where Ruby answers nil.
fn span(len: usize, start: i64, count: i64) -> Option<(usize, usize)> {
    let len_i = len as i64;
    let start = if start < 0 { start + len_i } else { start };
    if start < 0 || start > len_i || count < 0 {
        return None;
    }
    let end = (start.saturating_add(count)).min(len_i);
    Some((start as usize, end as usize))
}

/// Resolve a Range against a length.
pub(super) fn range_span(len: usize, r: &value::Range) -> Option<(usize, usize)> {
    let len_i = len as i64;
    let start = match r.start {
        Value::Int(i) => i,
        Value::Nil => 0,
        _ => return None,
    };
    let start = if start < 0 { start + len_i } else { start };
    if start < 0 || start > len_i {
        return None;
    }
    let end = match r.end {
        Value::Int(e) => {
            let e = if e < 0 { e + len_i } else { e };
            if r.exclusive {
                e
            } else {
                e + 1
            }
        }
        Value::Nil => len_i,
        _ => return None,
    };
    let end = end.clamp(start, len_i);
    Some((start as usize, end as usize))
}

fn index(it: &Interp<'_, '_>, items: &[Value], args: &[Value]) -> R<Value> {
    it.arity(args, 1, 2)?;
    match args {
        [Value::Range(r)] => Ok(match range_span(items.len(), r) {
            Some((a, b)) => Value::array(items[a..b].to_vec()),
            None => Value::Nil,
        }),
        [i] => {
            let i = int_arg(it, i)?;
            let i = if i < 0 { i + items.len() as i64 } else { i };
            Ok(if i < 0 {
                Value::Nil
            } else {
                items.get(i as usize).cloned().unwrap_or(Value::Nil)
            })
        }
        [s, n] => {
            let (s, n) = (int_arg(it, s)?, int_arg(it, n)?);
            Ok(match span(items.len(), s, n) {
                Some((a, b)) => Value::array(items[a..b].to_vec()),
                None => Value::Nil,
            })
        }
        _ => Ok(Value::Nil),
    }
}

fn set_index(it: &Interp<'_, '_>, a: &RArray, args: &[Value]) -> R<Value> {
    it.arity(args, 2, 3)?;
    let val = args[args.len() - 1].clone();
    let len = a.borrow().len();
    let splice = |a: &RArray, start: usize, end: usize, val: &Value| {
        let repl = match val {
            Value::Array(v) => v.borrow().clone(),
            v => vec![v.clone()],
        };
        let mut v = a.borrow_mut();
        while v.len() < start {
            v.push(Value::Nil);
        }
        let end = end.min(v.len()).max(start);
        v.splice(start..end, repl);
    };
    match &args[..args.len() - 1] {
        [Value::Range(r)] => {
            let len_i = len as i64;
            let s = match r.start {
                Value::Int(i) => i,
                Value::Nil => 0,
                _ => return it.decline("this range index"),
            };
            let start = if s < 0 { s + len_i } else { s };
            if start < 0 {
                return it.raise(
                    B::RangeError,
                    format!("{} out of range", value::inspect(&args[0])),
                );
            }
            let end = match r.end {
                Value::Int(e) => {
                    let e = if e < 0 { e + len_i } else { e };
                    if r.exclusive {
                        e
                    } else {
                        e + 1
                    }
                }
                Value::Nil => len_i,
                _ => return it.decline("this range index"),
            };
            splice(a, start as usize, end.max(start) as usize, &val);
        }
        [i] => {
            let i = int_arg(it, i)?;
            let idx = if i < 0 { i + len as i64 } else { i };
            if idx < 0 {
                return it.raise(
                    B::IndexError,
                    format!("index {i} too small for array; minimum: -{len}"),
                );
            }
            let idx = idx as usize;
            let mut v = a.borrow_mut();
            while v.len() <= idx {
                v.push(Value::Nil);
            }
            v[idx] = val.clone();
        }
        [s, n] => {
            let (s, n) = (int_arg(it, s)?, int_arg(it, n)?);
            let start = if s < 0 { s + len as i64 } else { s };
            if start < 0 {
                return it.raise(
                    B::IndexError,
                    format!("index {s} too small for array; minimum: -{len}"),
                );
            }
            if n < 0 {
                return it.raise(B::IndexError, format!("negative length ({n})"));
            }
            splice(a, start as usize, (start + n) as usize, &val);
        }
        _ => {}
    }
    Ok(val)
}

pub(super) fn call<'t>(
    it: &mut Interp<'t, '_>,
    recv: &Value,
    name: &str,
    args: &[Value],
    blk: &Option<Blk<'t>>,
) -> R<Option<Value>> {
    let a = arr(recv);
    let items = || a.borrow().clone();
    Ok(Some(match name {
        "length" | "size" => Value::Int(a.borrow().len() as i64),
        "empty?" => Value::Bool(a.borrow().is_empty()),
        "any?" if args.is_empty() && blk.is_none() => {
            Value::Bool(a.borrow().iter().any(Value::truthy))
        }
        "[]" | "slice" => index(it, &a.borrow(), args)?,
        "at" => {
            it.arity(args, 1, 1)?;
            index(it, &a.borrow(), args)?
        }
        "[]=" => set_index(it, &a, args)?,
        "dig" => {
            it.arity(args, 1, usize::MAX)?;
            let first = index(it, &a.borrow(), &args[..1])?;
            if args.len() == 1 || first.is_nil() {
                first
            } else {
                it.call_method(first, "dig", args[1..].to_vec(), None)?
            }
        }
        "fetch" => {
            it.arity(args, 1, 2)?;
            let i = int_arg(it, &args[0])?;
            let len = a.borrow().len() as i64;
            let idx = if i < 0 { i + len } else { i };
            if idx >= 0 && idx < len {
                a.borrow()[idx as usize].clone()
            } else if let Some(b) = blk {
                it.yield_blk(b, vec![args[0].clone()])?
            } else if let Some(d) = args.get(1) {
                d.clone()
            } else {
                return it.raise(
                    B::IndexError,
                    format!("index {i} outside of array bounds: {}...{len}", -len),
                );
            }
        }
        "first" if blk.is_none() => match args.first() {
            None => a.borrow().first().cloned().unwrap_or(Value::Nil),
            Some(n) => {
                let n = int_arg(it, n)?;
                if n < 0 {
                    return it.raise(B::ArgumentError, "negative array size");
                }
                Value::array(a.borrow().iter().take(n as usize).cloned().collect())
            }
        },
        "last" => match args.first() {
            None => a.borrow().last().cloned().unwrap_or(Value::Nil),
            Some(n) => {
                let n = int_arg(it, n)?;
                if n < 0 {
                    return it.raise(B::ArgumentError, "negative array size");
                }
                let v = a.borrow();
                let skip = v.len().saturating_sub(n as usize);
                Value::array(v[skip..].to_vec())
            }
        },
        "join" => {
            it.arity(args, 0, 1)?;
            let sep = match args.first() {
                None | Some(Value::Nil) => String::new(),
                Some(s) => str_arg(it, s)?,
            };
            let mut out = String::new();
            let id = std::rc::Rc::as_ptr(&a) as *const u8 as usize;
            join(it, &items(), &sep, &mut out, &mut vec![id])?;
            Value::string(out)
        }
        "to_a" | "entries" | "to_ary" => recv.clone(),
        "+" => {
            it.arity(args, 1, 1)?;
            let mut v = items();
            v.extend(need_array(it, &args[0])?);
            Value::array(v)
        }
        "-" | "difference" => {
            let mut remove = HashSet::new();
            for o in args {
                for x in need_array(it, o)? {
                    remove.insert(x.to_key());
                }
            }
            Value::array(
                items()
                    .into_iter()
                    .filter(|x| !remove.contains(&x.to_key()))
                    .collect(),
            )
        }
        "&" | "intersection" => {
            let mut v = items();
            for o in args {
                let keep: HashSet<_> = need_array(it, o)?.iter().map(Value::to_key).collect();
                v.retain(|x| keep.contains(&x.to_key()));
            }
            let mut seen = HashSet::new();
            Value::array(v.into_iter().filter(|x| seen.insert(x.to_key())).collect())
        }
        "|" | "union" => {
            let mut v = items();
            for o in args {
                v.extend(need_array(it, o)?);
            }
            let mut seen = HashSet::new();
            Value::array(v.into_iter().filter(|x| seen.insert(x.to_key())).collect())
        }
        "intersect?" => {
            it.arity(args, 1, 1)?;
            let other: HashSet<_> = need_array(it, &args[0])?
                .iter()
                .map(Value::to_key)
                .collect();
            Value::Bool(a.borrow().iter().any(|x| other.contains(&x.to_key())))
        }
        "*" => {
            it.arity(args, 1, 1)?;
            match &args[0] {
                Value::Str(s) => {
                    let sep = s.borrow().clone();
                    let mut out = String::new();
                    join(it, &items(), &sep, &mut out, &mut Vec::new())?;
                    Value::string(out)
                }
                n => {
                    let n = int_arg(it, n)?;
                    if n < 0 {
                        return it.raise(B::ArgumentError, "negative argument");
                    }
                    let v = items();
                    let mut out = Vec::with_capacity(v.len() * n as usize);
                    for _ in 0..n {
                        out.extend(v.iter().cloned());
                    }
                    Value::array(out)
                }
            }
        }
        "<=>" => {
            it.arity(args, 1, 1)?;
            match &args[0] {
                Value::Array(_) => match value::cmp(recv, &args[0]) {
                    Some(o) => Value::Int(o as i64),
                    None => Value::Nil,
                },
                _ => Value::Nil,
            }
        }
        "index" | "find_index" => {
            let v = items();
            for (i, x) in v.into_iter().enumerate() {
                let hit = match (args.first(), blk) {
                    (Some(t), _) => value::eq(&x, t),
                    (None, Some(b)) => it.yield_blk(b, vec![x])?.truthy(),
                    _ => return it.decline(format!("`{name}` without a block")),
                };
                if hit {
                    return Ok(Some(Value::Int(i as i64)));
                }
            }
            Value::Nil
        }
        "rindex" => {
            let v = items();
            for (i, x) in v.into_iter().enumerate().rev() {
                let hit = match (args.first(), blk) {
                    (Some(t), _) => value::eq(&x, t),
                    (None, Some(b)) => it.yield_blk(b, vec![x])?.truthy(),
                    _ => return it.decline("`rindex` without a block"),
                };
                if hit {
                    return Ok(Some(Value::Int(i as i64)));
                }
            }
            Value::Nil
        }
        "reverse" => Value::array(items().into_iter().rev().collect()),
        "rotate" => {
            it.arity(args, 0, 1)?;
            let n = match args.first() {
                Some(n) => int_arg(it, n)?,
                None => 1,
            };
            let mut v = items();
            if !v.is_empty() {
                let k = n.rem_euclid(v.len() as i64) as usize;
                v.rotate_left(k);
            }
            Value::array(v)
        }
        "compact" => Value::array(items().into_iter().filter(|x| !x.is_nil()).collect()),
        "flatten" => {
            it.arity(args, 0, 1)?;
            let depth = match args.first() {
                None | Some(Value::Nil) => -1,
                Some(d) => int_arg(it, d)?,
            };
            let mut out = Vec::new();
            let id = std::rc::Rc::as_ptr(&a) as *const u8 as usize;
            flatten(it, &items(), depth, &mut out, &mut vec![id])?;
            Value::array(out)
        }
        "transpose" => {
            let rows: Vec<Vec<Value>> = items()
                .iter()
                .map(|r| need_array(it, r))
                .collect::<R<_>>()?;
            let n = rows.first().map_or(0, Vec::len);
            if rows.iter().any(|r| r.len() != n) {
                let bad = rows.iter().map(Vec::len).find(|l| *l != n).unwrap_or(0);
                return it.raise(
                    B::IndexError,
                    format!("element size differs ({bad} should be {n})"),
                );
            }
            Value::array(
                (0..n)
                    .map(|i| Value::array(rows.iter().map(|r| r[i].clone()).collect()))
                    .collect(),
            )
        }
        "values_at" => {
            let v = items();
            let mut out = Vec::new();
            for i in args {
                out.push(index(it, &v, std::slice::from_ref(i))?);
            }
            Value::array(out)
        }
        "assoc" => {
            it.arity(args, 1, 1)?;
            items()
                .into_iter()
                .find(|x| match x {
                    Value::Array(p) => p.borrow().first().is_some_and(|k| value::eq(k, &args[0])),
                    _ => false,
                })
                .unwrap_or(Value::Nil)
        }
        "product" => {
            if blk.is_some() {
                return it.decline("`product` with a block");
            }
            let mut rows: Vec<Vec<Value>> = items().into_iter().map(|x| vec![x]).collect();
            for o in args {
                let other = need_array(it, o)?;
                let mut next = Vec::with_capacity(rows.len() * other.len());
                for r in &rows {
                    for y in &other {
                        let mut r2 = r.clone();
                        r2.push(y.clone());
                        next.push(r2);
                    }
                }
                rows = next;
            }
            Value::array(rows.into_iter().map(Value::array).collect())
        }
        "sample" | "shuffle" | "shuffle!" | "pack" | "combination" | "permutation" | "bsearch"
        | "cycle" => {
            return it.decline(format!("the method `{name}` on Array"));
        }
        // Mutation.
        "push" | "append" | "<<" => {
            if name == "<<" {
                it.arity(args, 1, 1)?;
            }
            a.borrow_mut().extend(args.iter().cloned());
            recv.clone()
        }
        "pop" | "shift" => {
            it.arity(args, 0, 1)?;
            let mut v = a.borrow_mut();
            match args.first() {
                None => {
                    let x = if name == "pop" {
                        v.pop()
                    } else if v.is_empty() {
                        None
                    } else {
                        Some(v.remove(0))
                    };
                    x.unwrap_or(Value::Nil)
                }
                Some(n) => {
                    let n = int_arg(it, n)?.max(0) as usize;
                    let n = n.min(v.len());
                    let taken: Vec<Value> = if name == "pop" {
                        let at = v.len() - n;
                        v.split_off(at)
                    } else {
                        v.drain(..n).collect()
                    };
                    Value::array(taken)
                }
            }
        }
        "unshift" | "prepend" => {
            let mut v = a.borrow_mut();
            for (i, x) in args.iter().enumerate() {
                v.insert(i, x.clone());
            }
            drop(v);
            recv.clone()
        }
        "insert" => {
            it.arity(args, 1, usize::MAX)?;
            let i = int_arg(it, &args[0])?;
            let len = a.borrow().len() as i64;
            let idx = if i < 0 { i + len + 1 } else { i };
            if idx < 0 {
                return it.raise(
                    B::IndexError,
                    format!("index {} too small for array; minimum: -{}", i, len + 1),
                );
            }
            let mut v = a.borrow_mut();
            while (v.len() as i64) < idx {
                v.push(Value::Nil);
            }
            for (k, x) in args[1..].iter().enumerate() {
                v.insert(idx as usize + k, x.clone());
            }
            drop(v);
            recv.clone()
        }
        "concat" => {
            let mut add = Vec::new();
            for o in args {
                add.extend(need_array(it, o)?);
            }
            a.borrow_mut().extend(add);
            recv.clone()
        }
        "delete" => {
            it.arity(args, 1, 1)?;
            let mut v = a.borrow_mut();
            let before = v.len();
            v.retain(|x| !value::eq(x, &args[0]));
            if v.len() == before {
                Value::Nil
            } else {
                args[0].clone()
            }
        }
        "delete_at" => {
            it.arity(args, 1, 1)?;
            let i = int_arg(it, &args[0])?;
            let mut v = a.borrow_mut();
            let idx = if i < 0 { i + v.len() as i64 } else { i };
            if idx < 0 || idx as usize >= v.len() {
                Value::Nil
            } else {
                v.remove(idx as usize)
            }
        }
        "clear" => {
            a.borrow_mut().clear();
            recv.clone()
        }
        "replace" => {
            it.arity(args, 1, 1)?;
            let v = need_array(it, &args[0])?;
            *a.borrow_mut() = v;
            recv.clone()
        }
        "compact!" | "uniq!" | "flatten!" | "reject!" | "select!" | "filter!" | "delete_if"
        | "keep_if" | "map!" | "collect!" | "sort!" | "sort_by!" | "reverse!" => {
            let base = name.trim_end_matches('!');
            let base = match base {
                "delete_if" => "reject",
                "keep_if" => "select",
                b => b,
            };
            let before = items();
            let r = call(it, &Value::array(before.clone()), base, args, blk)?;
            let Some(Value::Array(new)) = r else {
                return Ok(None);
            };
            let new = new.borrow().clone();
            let changed = new.len() != before.len()
                || !matches!(
                    base,
                    "reject" | "select" | "filter" | "compact" | "uniq" | "flatten"
                )
                || new.iter().zip(before.iter()).any(|(x, y)| !x.same(y));
            *a.borrow_mut() = new;
            if !changed
                && matches!(
                    name,
                    "compact!" | "uniq!" | "flatten!" | "reject!" | "select!" | "filter!"
                )
            {
                Value::Nil
            } else {
                recv.clone()
            }
        }
        "count" if args.is_empty() && blk.is_none() => Value::Int(a.borrow().len() as i64),
        "sum" => {
            it.arity(args, 0, 1)?;
            let init = args.first().cloned().unwrap_or(Value::Int(0));
            enumerable::sum(it, items(), init, blk)?
        }
        "each" => match blk {
            Some(b) => {
                // Ruby's each sees elements pushed while it runs.
                let mut i = 0;
                loop {
                    let x = match a.borrow().get(i) {
                        Some(x) => x.clone(),
                        None => break,
                    };
                    it.yield_blk(b, vec![x])?;
                    i += 1;
                }
                recv.clone()
            }
            None => enumerable::enumerator(recv, "each", args, items()),
        },
        "each_index" => {
            let Some(b) = blk else {
                return it.decline("`each_index` without a block");
            };
            let n = a.borrow().len();
            for i in 0..n {
                it.yield_blk(b, vec![Value::Int(i as i64)])?;
            }
            recv.clone()
        }
        _ => return enumerable::call(it, recv, items(), name, args, blk),
    }))
}
