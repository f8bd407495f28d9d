//! Enumerable: the methods Array, Hash and Range share, over the items `each` yields
//! (a Hash yields `[key, value]` pairs, which a block with two parameters spreads).

use crate::interp::{Blk, Interp, R};
use crate::value::{self, Key, Range, Value, B};
use indexmap::IndexMap;
use std::cmp::Ordering;

fn need_block<'a, 't>(it: &Interp<'t, '_>, blk: &'a Option<Blk<'t>>, name: &str) -> R<&'a Blk<'t>> {
    match blk {
        Some(b) => Ok(b),
        None => it.decline(format!("`{name}` without a block (an Enumerator)")),
    }
}

/// Methods that, without a block, return an Enumerator over what they would yield.
const ENUMERATING: &[&str] = &[
    "each",
    "each_entry",
    "map",
    "collect",
    "flat_map",
    "collect_concat",
    "select",
    "filter",
    "reject",
    "filter_map",
    "each_with_index",
    "sort_by",
    "min_by",
    "max_by",
    "group_by",
    "partition",
    "find_all",
    "each_pair",
    "each_char",
    "each_line",
    "times",
];

/// An Enumerator for `recv.name(args)` without a block, yielding `items`.
pub(super) fn enumerator(recv: &Value, name: &str, args: &[Value], items: Vec<Value>) -> Value {
    Value::Object(std::rc::Rc::new(crate::value::Object::Enumerator {
        receiver: recv.clone(),
        method: std::rc::Rc::from(name),
        args: args.to_vec(),
        items,
    }))
}

/// Methods of an Enumerator.
pub(super) fn enumerator_call<'t>(
    it: &mut Interp<'t, '_>,
    recv: &Value,
    (receiver, method, margs, items): (&Value, &str, &[Value], &[Value]),
    name: &str,
    args: &[Value],
    blk: &Option<Blk<'t>>,
) -> R<Option<Value>> {
    let each_like = matches!(
        method,
        "each" | "each_entry" | "each_char" | "each_line" | "each_pair" | "times"
    );
    Ok(Some(match name {
        "with_index" | "each_with_index" => {
            let offset = match (name, args.first()) {
                ("with_index", Some(o)) => super::int_arg(it, o)?,
                _ => 0,
            };
            let Some(b) = blk else {
                let pairs = items
                    .iter()
                    .enumerate()
                    .map(|(i, x)| Value::array(vec![x.clone(), Value::Int(i as i64 + offset)]))
                    .collect();
                return Ok(Some(enumerator(recv, name, args, pairs)));
            };
            let mut out = Vec::new();
            for (i, x) in items.iter().enumerate() {
                let r = it.yield_blk(b, vec![x.clone(), Value::Int(i as i64 + offset)])?;
                let keep = match method {
                    "select" | "filter" | "find_all" => r.truthy(),
                    "reject" => !r.truthy(),
                    _ => true,
                };
                match method {
                    "map" | "collect" => out.push(r),
                    "flat_map" | "collect_concat" => match r {
                        Value::Array(a) => out.extend(a.borrow().iter().cloned()),
                        v => out.push(v),
                    },
                    "filter_map" if r.truthy() => out.push(r),
                    "select" | "filter" | "find_all" | "reject" if keep => out.push(x.clone()),
                    _ => {}
                }
            }
            match method {
                _ if each_like || name == "each_with_index" && method == "each_with_index" => {
                    receiver.clone()
                }
                "map" | "collect" | "flat_map" | "collect_concat" | "filter_map" | "find_all" => {
                    Value::array(out)
                }
                "select" | "filter" | "reject" if !matches!(receiver, Value::Hash(_)) => {
                    Value::array(out)
                }
                _ => return it.decline(format!("`{method}.{name}`")),
            }
        }
        "with_object" | "each_with_object" if each_like => {
            it.arity(args, 1, 1)?;
            let Some(b) = blk else {
                return it.decline(format!("`{method}.{name}` without a block"));
            };
            for x in items {
                it.yield_blk(b, vec![x.clone(), args[0].clone()])?;
            }
            args[0].clone()
        }
        "each" => match blk {
            Some(_) => {
                return it
                    .call_method(receiver.clone(), method, margs.to_vec(), blk.clone())
                    .map(Some)
            }
            None => recv.clone(),
        },
        "to_a" | "entries" | "force" => Value::array(items.to_vec()),
        "size" => Value::Int(items.len() as i64),
        "count" if args.is_empty() && blk.is_none() => Value::Int(items.len() as i64),
        "next" | "peek" | "rewind" | "lazy" => {
            return it.decline(format!("`Enumerator#{name}`"));
        }
        _ => {
            return match call(it, recv, items.to_vec(), name, args, blk)? {
                Some(v) => Ok(Some(v)),
                None => super::array::call(it, &Value::array(items.to_vec()), name, args, blk),
            }
        }
    }))
}

/// Whether a pattern (`any?(String)`, `grep`) matches: Ruby's `===`.
fn case_eq(it: &mut Interp<'_, '_>, pat: &Value, v: &Value) -> R<bool> {
    let r = match pat {
        Value::Object(_) | Value::Range(_) | Value::Regexp(_) => {
            it.call_method(pat.clone(), "===", vec![v.clone()], None)?
        }
        _ => Value::Bool(value::eq(pat, v)),
    };
    Ok(r.truthy())
}

/// Sort the way Ruby's `sort` does on glibc: `qsort_r` is glibc's top-down merge sort,
/// so equal elements keep their order and the comparisons come in the same order (which
/// decides, among others, which pair an ArgumentError names).
pub(super) fn msort<T: Clone, E>(
    v: &mut [T],
    cmp: &mut dyn FnMut(&T, &T) -> Result<Ordering, E>,
) -> Result<(), E> {
    let n = v.len();
    if n <= 1 {
        return Ok(());
    }
    let n1 = n / 2;
    msort(&mut v[..n1], cmp)?;
    msort(&mut v[n1..], cmp)?;
    let mut out = Vec::with_capacity(n);
    let (mut i, mut j) = (0, n1);
    while i < n1 && j < n {
        if cmp(&v[i], &v[j])? != Ordering::Greater {
            out.push(v[i].clone());
            i += 1;
        } else {
            out.push(v[j].clone());
            j += 1;
        }
    }
    out.extend_from_slice(&v[i..n1]);
    out.extend_from_slice(&v[j..n]);
    v.clone_from_slice(&out);
    Ok(())
}

/// Sort values with Ruby's `<=>`.
pub(super) fn sort_values(it: &mut Interp<'_, '_>, mut v: Vec<Value>) -> R<Vec<Value>> {
    msort(&mut v, &mut |a: &Value, b: &Value| it.compare(a, b))?;
    Ok(v)
}

/// Sort with a comparison block.
pub(super) fn sort_block<'t>(
    it: &mut Interp<'t, '_>,
    mut v: Vec<Value>,
    b: &Blk<'t>,
) -> R<Vec<Value>> {
    msort(&mut v, &mut |x: &Value, y: &Value| {
        let r = it.yield_blk(b, vec![x.clone(), y.clone()])?;
        it.block_order(&r, x, y)
    })?;
    Ok(v)
}

/// Sort by keys a block computes.
pub(super) fn sort_by<'t>(it: &mut Interp<'t, '_>, v: Vec<Value>, b: &Blk<'t>) -> R<Vec<Value>> {
    let mut keyed = Vec::with_capacity(v.len());
    for x in v {
        let k = it.yield_blk(b, vec![x.clone()])?;
        keyed.push((k, x));
    }
    msort(
        &mut keyed,
        &mut |(a, _): &(Value, Value), (b, _): &(Value, Value)| it.compare(a, b),
    )?;
    Ok(keyed.into_iter().map(|(_, x)| x).collect())
}

/// Ruby's `sum`: exact integers, then Kahan-Babuska compensated floats, then `+`.
pub(super) fn sum<'t>(
    it: &mut Interp<'t, '_>,
    items: Vec<Value>,
    init: Value,
    blk: &Option<Blk<'t>>,
) -> R<Value> {
    let mut acc = init;
    let mut i = 0;
    let vals: Vec<Value> = match blk {
        Some(b) => {
            let mut out = Vec::with_capacity(items.len());
            for x in items {
                out.push(it.yield_blk(b, vec![x])?);
            }
            out
        }
        None => items,
    };
    // Integers add exactly.
    while i < vals.len() {
        match (&acc, &vals[i]) {
            (Value::Int(a), Value::Int(b)) => match a.checked_add(*b) {
                Some(s) => acc = Value::Int(s),
                None => return it.decline("Integer arithmetic beyond 64 bits"),
            },
            _ => break,
        }
        i += 1;
    }
    // From the first Float on, numbers add with Kahan-Babuska compensation; a
    // non-number drops the compensation and goes on with `+` (as Ruby's ary_sum does).
    if i < vals.len()
        && matches!(acc, Value::Int(_) | Value::Float(_))
        && matches!(vals[i], Value::Float(_))
    {
        let mut f = match acc {
            Value::Int(a) => a as f64,
            Value::Float(a) => a,
            _ => 0.0,
        };
        let mut c = 0.0f64;
        let mut all_numbers = true;
        while i < vals.len() {
            let x = match vals[i] {
                Value::Float(x) => x,
                Value::Int(x) => x as f64,
                _ => {
                    all_numbers = false;
                    break;
                }
            };
            i += 1;
            if f.is_nan() {
                continue;
            }
            if x.is_nan() {
                f = x;
                continue;
            }
            if x.is_infinite() {
                f = if f.is_infinite() && x.is_sign_negative() != f.is_sign_negative() {
                    f64::NAN
                } else {
                    x
                };
                continue;
            }
            if f.is_infinite() {
                continue;
            }
            let t = f + x;
            if f.abs() >= x.abs() {
                c += (f - t) + x;
            } else {
                c += (x - t) + f;
            }
            f = t;
        }
        if all_numbers {
            return Ok(Value::Float(f + c));
        }
        acc = Value::Float(f);
    }
    while i < vals.len() {
        acc = it.call_method(acc, "+", vec![vals[i].clone()], None)?;
        i += 1;
    }
    Ok(acc)
}

/// Enumerable methods over `items`; `recv` is what `each` returns.
pub(super) fn call<'t>(
    it: &mut Interp<'t, '_>,
    recv: &Value,
    items: Vec<Value>,
    name: &str,
    args: &[Value],
    blk: &Option<Blk<'t>>,
) -> R<Option<Value>> {
    if blk.is_none() && ENUMERATING.contains(&name) && args.is_empty() {
        let yielded = if name == "each_with_index" {
            items
                .into_iter()
                .enumerate()
                .map(|(i, x)| Value::array(vec![x, Value::Int(i as i64)]))
                .collect()
        } else {
            items
        };
        return Ok(Some(enumerator(recv, name, args, yielded)));
    }
    Ok(Some(match name {
        "each" | "each_entry" => {
            let b = need_block(it, blk, name)?;
            for x in items {
                it.yield_blk(b, vec![x])?;
            }
            recv.clone()
        }
        "reverse_each" => {
            let b = need_block(it, blk, name)?;
            for x in items.into_iter().rev() {
                it.yield_blk(b, vec![x])?;
            }
            recv.clone()
        }
        "each_with_index" => {
            let b = need_block(it, blk, name)?;
            for (i, x) in items.into_iter().enumerate() {
                it.yield_blk(b, vec![x, Value::Int(i as i64)])?;
            }
            recv.clone()
        }
        "each_with_object" => {
            it.arity(args, 1, 1)?;
            let b = need_block(it, blk, name)?;
            let memo = args[0].clone();
            for x in items {
                it.yield_blk(b, vec![x, memo.clone()])?;
            }
            memo
        }
        "map" | "collect" => {
            let b = need_block(it, blk, name)?;
            let mut out = Vec::with_capacity(items.len());
            for x in items {
                out.push(it.yield_blk(b, vec![x])?);
            }
            Value::array(out)
        }
        "flat_map" | "collect_concat" => {
            let b = need_block(it, blk, name)?;
            let mut out = Vec::new();
            for x in items {
                match it.yield_blk(b, vec![x])? {
                    Value::Array(a) => out.extend(a.borrow().iter().cloned()),
                    v => out.push(v),
                }
            }
            Value::array(out)
        }
        "select" | "filter" | "find_all" | "reject" => {
            let b = need_block(it, blk, name)?;
            let keep = name != "reject";
            let mut out = Vec::new();
            for x in items {
                if it.yield_blk(b, vec![x.clone()])?.truthy() == keep {
                    out.push(x);
                }
            }
            Value::array(out)
        }
        "filter_map" => {
            let b = need_block(it, blk, name)?;
            let mut out = Vec::new();
            for x in items {
                let v = it.yield_blk(b, vec![x])?;
                if v.truthy() {
                    out.push(v);
                }
            }
            Value::array(out)
        }
        "partition" => {
            let b = need_block(it, blk, name)?;
            let (mut yes, mut no) = (Vec::new(), Vec::new());
            for x in items {
                if it.yield_blk(b, vec![x.clone()])?.truthy() {
                    yes.push(x);
                } else {
                    no.push(x);
                }
            }
            Value::array(vec![Value::array(yes), Value::array(no)])
        }
        "group_by" => {
            let b = need_block(it, blk, name)?;
            let mut groups: IndexMap<Key, Vec<Value>> = IndexMap::new();
            for x in items {
                let k = it.yield_blk(b, vec![x.clone()])?;
                groups.entry(k.to_key()).or_default().push(x);
            }
            Value::hash(
                groups
                    .into_iter()
                    .map(|(k, v)| (k, Value::array(v)))
                    .collect(),
            )
        }
        "tally" => {
            let mut counts: IndexMap<Key, i64> = IndexMap::new();
            for x in items {
                *counts.entry(x.to_key()).or_default() += 1;
            }
            Value::hash(
                counts
                    .into_iter()
                    .map(|(k, n)| (k, Value::Int(n)))
                    .collect(),
            )
        }
        "find" | "detect" => {
            let b = need_block(it, blk, name)?;
            for x in items {
                if it.yield_blk(b, vec![x.clone()])?.truthy() {
                    return Ok(Some(x));
                }
            }
            Value::Nil
        }
        "find_index" => {
            for (i, x) in items.into_iter().enumerate() {
                let hit = match (args.first(), blk) {
                    (Some(a), _) => value::eq(&x, a),
                    (None, Some(b)) => it.yield_blk(b, vec![x])?.truthy(),
                    (None, None) => return it.decline("`find_index` without a block"),
                };
                if hit {
                    return Ok(Some(Value::Int(i as i64)));
                }
            }
            Value::Nil
        }
        "count" => {
            let mut n = 0;
            for x in items {
                let hit = match (args.first(), blk) {
                    (Some(a), _) => value::eq(&x, a),
                    (None, Some(b)) => it.yield_blk(b, vec![x])?.truthy(),
                    (None, None) => true,
                };
                if hit {
                    n += 1;
                }
            }
            Value::Int(n)
        }
        "any?" | "all?" | "none?" | "one?" => {
            it.arity(args, 0, 1)?;
            let mut hits = 0usize;
            let total = items.len();
            for x in items {
                let t = match (args.first(), blk) {
                    (Some(p), _) => case_eq(it, p, &x)?,
                    (None, Some(b)) => it.yield_blk(b, vec![x])?.truthy(),
                    (None, None) => x.truthy(),
                };
                if t {
                    hits += 1;
                }
                match name {
                    "any?" if t => return Ok(Some(Value::Bool(true))),
                    "all?" if !t => return Ok(Some(Value::Bool(false))),
                    "none?" if t => return Ok(Some(Value::Bool(false))),
                    "one?" if hits > 1 => return Ok(Some(Value::Bool(false))),
                    _ => {}
                }
            }
            Value::Bool(match name {
                "any?" => false,
                "all?" => hits == total,
                "none?" => true,
                _ => hits == 1,
            })
        }
        "include?" | "member?" => {
            it.arity(args, 1, 1)?;
            Value::Bool(items.iter().any(|x| value::eq(x, &args[0])))
        }
        "first" => match args.first() {
            None => items.into_iter().next().unwrap_or(Value::Nil),
            Some(n) => {
                let n = super::int_arg(it, n)?;
                if n < 0 {
                    return it.raise(B::ArgumentError, "attempt to take negative size");
                }
                Value::array(items.into_iter().take(n as usize).collect())
            }
        },
        "take" => {
            it.arity(args, 1, 1)?;
            let n = super::int_arg(it, &args[0])?;
            if n < 0 {
                return it.raise(B::ArgumentError, "attempt to take negative size");
            }
            Value::array(items.into_iter().take(n as usize).collect())
        }
        "drop" => {
            it.arity(args, 1, 1)?;
            let n = super::int_arg(it, &args[0])?;
            if n < 0 {
                return it.raise(B::ArgumentError, "attempt to drop negative size");
            }
            Value::array(items.into_iter().skip(n as usize).collect())
        }
        "take_while" | "drop_while" => {
            let b = need_block(it, blk, name)?;
            let mut cut = items.len();
            for (i, x) in items.iter().enumerate() {
                if !it.yield_blk(b, vec![x.clone()])?.truthy() {
                    cut = i;
                    break;
                }
            }
            let mut items = items;
            let rest = items.split_off(cut);
            Value::array(if name == "take_while" { items } else { rest })
        }
        "each_slice" | "each_cons" => {
            it.arity(args, 1, 1)?;
            let n = super::int_arg(it, &args[0])?;
            if n <= 0 {
                return it.raise(B::ArgumentError, "invalid size");
            }
            let n = n as usize;
            let groups: Vec<Value> = if name == "each_slice" {
                items.chunks(n).map(|c| Value::array(c.to_vec())).collect()
            } else {
                items.windows(n).map(|c| Value::array(c.to_vec())).collect()
            };
            match blk {
                Some(b) => {
                    for g in groups {
                        it.yield_blk(b, vec![g])?;
                    }
                    if name == "each_slice" {
                        Value::Nil
                    } else {
                        recv.clone()
                    }
                }
                None => Value::array(groups),
            }
        }
        "inject" | "reduce" => {
            let (mut acc, op, mut rest): (Option<Value>, Option<String>, Vec<Value>) =
                match (args, blk) {
                    ([], Some(_)) => (None, None, items),
                    ([init], Some(_)) => (Some(init.clone()), None, items),
                    ([Value::Sym(op)], None) => (None, Some(op.to_string()), items),
                    ([init, Value::Sym(op)], None) => {
                        (Some(init.clone()), Some(op.to_string()), items)
                    }
                    _ => return it.decline(format!("this form of `{name}`")),
                };
            if acc.is_none() {
                if rest.is_empty() {
                    return Ok(Some(Value::Nil));
                }
                acc = Some(rest.remove(0));
            }
            let mut acc = acc.unwrap_or(Value::Nil);
            for x in rest {
                acc = match (&op, blk) {
                    (Some(op), _) => it.call_method(acc, op, vec![x], None)?,
                    (None, Some(b)) => it.yield_blk(b, vec![acc, x])?,
                    (None, None) => acc,
                };
            }
            acc
        }
        "sum" => {
            it.arity(args, 0, 1)?;
            let init = args.first().cloned().unwrap_or(Value::Int(0));
            sum(it, items, init, blk)?
        }
        "min" | "max" => {
            if !args.is_empty() {
                return it.decline(format!("`{name}(n)`"));
            }
            let want = if name == "min" {
                Ordering::Less
            } else {
                Ordering::Greater
            };
            let mut best: Option<Value> = None;
            for x in items {
                best = Some(match best {
                    None => x,
                    Some(b) => {
                        let o = match blk {
                            Some(bl) => {
                                let r = it.yield_blk(bl, vec![x.clone(), b.clone()])?;
                                it.block_order(&r, &x, &b)?
                            }
                            None => it.compare(&x, &b)?,
                        };
                        if o == want {
                            x
                        } else {
                            b
                        }
                    }
                });
            }
            best.unwrap_or(Value::Nil)
        }
        "min_by" | "max_by" => {
            if !args.is_empty() {
                return it.decline(format!("`{name}(n)`"));
            }
            let b = need_block(it, blk, name)?;
            let want = if name == "min_by" {
                Ordering::Less
            } else {
                Ordering::Greater
            };
            let mut best: Option<(Value, Value)> = None;
            for x in items {
                let k = it.yield_blk(b, vec![x.clone()])?;
                best = Some(match best {
                    None => (k, x),
                    Some((bk, bx)) => {
                        if it.compare(&k, &bk)? == want {
                            (k, x)
                        } else {
                            (bk, bx)
                        }
                    }
                });
            }
            best.map_or(Value::Nil, |(_, x)| x)
        }
        "minmax" => {
            let min = call(it, recv, items.clone(), "min", &[], blk)?.unwrap_or(Value::Nil);
            let max = call(it, recv, items, "max", &[], blk)?.unwrap_or(Value::Nil);
            Value::array(vec![min, max])
        }
        "sort" => match blk {
            Some(b) => Value::array(sort_block(it, items, b)?),
            None => Value::array(sort_values(it, items)?),
        },
        "sort_by" => {
            let b = need_block(it, blk, name)?;
            Value::array(sort_by(it, items, b)?)
        }
        "uniq" => {
            let mut seen = std::collections::HashSet::new();
            let mut out = Vec::new();
            for x in items {
                let k = match blk {
                    Some(b) => it.yield_blk(b, vec![x.clone()])?.to_key(),
                    None => x.to_key(),
                };
                if seen.insert(k) {
                    out.push(x);
                }
            }
            Value::array(out)
        }
        "to_a" | "entries" => Value::array(items),
        "to_h" => {
            let mut map = IndexMap::new();
            for (i, x) in items.into_iter().enumerate() {
                let pair = match blk {
                    Some(b) => it.yield_blk(b, vec![x])?,
                    None => x,
                };
                match &pair {
                    Value::Array(p) if p.borrow().len() == 2 => {
                        let p = p.borrow();
                        map.insert(p[0].to_key(), p[1].clone());
                    }
                    Value::Array(p) => {
                        return it.raise(
                            B::ArgumentError,
                            format!(
                                "wrong array length at {i} (expected 2, was {})",
                                p.borrow().len()
                            ),
                        )
                    }
                    other => {
                        return it.raise(
                            B::TypeError,
                            format!(
                                "wrong element type {} at {i} (expected array)",
                                other.class_of().name()
                            ),
                        )
                    }
                }
            }
            Value::hash(map)
        }
        "zip" => {
            let others: Vec<Vec<Value>> = args.iter().map(super::to_array).collect();
            let out: Vec<Value> = items
                .into_iter()
                .enumerate()
                .map(|(i, x)| {
                    let mut row = vec![x];
                    for o in &others {
                        row.push(o.get(i).cloned().unwrap_or(Value::Nil));
                    }
                    Value::array(row)
                })
                .collect();
            match blk {
                Some(b) => {
                    for row in out {
                        it.yield_blk(b, vec![row])?;
                    }
                    Value::Nil
                }
                None => Value::array(out),
            }
        }
        "grep" | "grep_v" => {
            it.arity(args, 1, 1)?;
            let mut out = Vec::new();
            for x in items {
                if case_eq(it, &args[0], &x)? == (name == "grep") {
                    out.push(match blk {
                        Some(b) => it.yield_blk(b, vec![x])?,
                        None => x,
                    });
                }
            }
            Value::array(out)
        }
        _ => return Ok(None),
    }))
}

/// The integers of a Range.
pub(crate) fn range_items(it: &Interp<'_, '_>, r: &Range) -> R<Vec<Value>> {
    match (&r.start, &r.end) {
        (Value::Int(a), Value::Int(b)) => {
            let end = if r.exclusive { *b - 1 } else { *b };
            if end.saturating_sub(*a) > 10_000_000 {
                return it.decline("a range this large");
            }
            Ok((*a..=end).map(Value::Int).collect())
        }
        (Value::Float(_), _) => it.raise(B::TypeError, "can't iterate from Float"),
        _ => it.decline("iterating this kind of range"),
    }
}

/// `Range#cover?`.
pub(crate) fn range_cover(r: &Range, v: &Value) -> bool {
    let lo = r.start.is_nil()
        || matches!(
            value::cmp(&r.start, v),
            Some(Ordering::Less | Ordering::Equal)
        );
    let hi = r.end.is_nil()
        || match value::cmp(v, &r.end) {
            Some(Ordering::Less) => true,
            Some(Ordering::Equal) => !r.exclusive,
            _ => false,
        };
    lo && hi
}

pub(super) fn range_call<'t>(
    it: &mut Interp<'t, '_>,
    r: &std::rc::Rc<Range>,
    name: &str,
    args: &[Value],
    blk: &Option<Blk<'t>>,
) -> R<Option<Value>> {
    let recv = Value::Range(r.clone());
    Ok(Some(match name {
        "begin" => r.start.clone(),
        "end" => r.end.clone(),
        "first" if args.is_empty() => r.start.clone(),
        "exclude_end?" => Value::Bool(r.exclusive),
        "include?" | "member?" | "cover?" | "===" => {
            it.arity(args, 1, 1)?;
            Value::Bool(range_cover(r, &args[0]))
        }
        "size" | "count" if args.is_empty() && blk.is_none() => match (&r.start, &r.end) {
            (Value::Int(a), Value::Int(b)) => {
                let n = if r.exclusive { b - a } else { b - a + 1 };
                Value::Int(n.max(0))
            }
            _ => return it.decline("the size of this range"),
        },
        "last" if args.is_empty() => r.end.clone(),
        "to_a" | "entries" | "to_ary" => Value::array(range_items(it, r)?),
        "step" | "%" => return it.decline("Range#step"),
        _ => {
            if crate::ruby_methods::RANGE.binary_search(&name).is_err() {
                return Ok(None);
            }
            let items = range_items(it, r)?;
            match call(it, &recv, items.clone(), name, args, blk)? {
                Some(v) => v,
                None => match super::array::call(it, &Value::array(items), name, args, blk)? {
                    Some(v) => v,
                    None => return Ok(None),
                },
            }
        }
    }))
}
