//! Hash. `select`, `reject`, `filter` and friends yield the key and the value as two
//! arguments (a one-parameter block gets the key), as Ruby's Hash does; the other
//! Enumerable methods yield `[key, value]` pairs.

use super::enumerable;
use super::type_name;
use crate::interp::{Blk, Interp, R};
use crate::value::{self, Hash, Key, RHash, Value, B};
use indexmap::IndexMap;
use std::cell::RefCell;
use std::rc::Rc;

fn hsh(v: &Value) -> RHash {
    match v {
        Value::Hash(h) => h.clone(),
        _ => unreachable!("hash method on a non-hash"),
    }
}

fn pairs(h: &RHash) -> Vec<Value> {
    h.borrow()
        .map
        .iter()
        .map(|(k, v)| Value::array(vec![k.to_value(), v.clone()]))
        .collect()
}

fn entries(h: &RHash) -> Vec<(Key, Value)> {
    h.borrow()
        .map
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

fn need_hash(it: &Interp<'_, '_>, v: &Value) -> R<RHash> {
    match v {
        Value::Hash(h) => Ok(h.clone()),
        other => it.raise(
            B::TypeError,
            format!("no implicit conversion of {} into Hash", type_name(other)),
        ),
    }
}

fn new_hash(map: IndexMap<Key, Value>) -> Value {
    Value::hash(map)
}

pub(super) fn call<'t>(
    it: &mut Interp<'t, '_>,
    recv: &Value,
    name: &str,
    args: &[Value],
    blk: &Option<Blk<'t>>,
) -> R<Option<Value>> {
    let h = hsh(recv);
    Ok(Some(match name {
        "[]" => {
            it.arity(args, 1, 1)?;
            let hb = h.borrow();
            match hb.map.get(&args[0].to_key()) {
                Some(v) => v.clone(),
                None => hb.default.clone(),
            }
        }
        "[]=" | "store" => {
            it.arity(args, 2, 2)?;
            h.borrow_mut().map.insert(args[0].to_key(), args[1].clone());
            args[1].clone()
        }
        "fetch" => {
            it.arity(args, 1, 2)?;
            let got = h.borrow().map.get(&args[0].to_key()).cloned();
            match got {
                Some(v) => v,
                None => match (blk, args.get(1)) {
                    (Some(b), _) => it.yield_blk(b, vec![args[0].clone()])?,
                    (None, Some(d)) => d.clone(),
                    (None, None) => {
                        return it.raise(
                            B::KeyError,
                            format!("key not found: {}", value::inspect(&args[0])),
                        )
                    }
                },
            }
        }
        "dig" => {
            it.arity(args, 1, usize::MAX)?;
            let first = {
                let hb = h.borrow();
                hb.map
                    .get(&args[0].to_key())
                    .cloned()
                    .unwrap_or_else(|| hb.default.clone())
            };
            if args.len() == 1 || first.is_nil() {
                first
            } else {
                it.call_method(first, "dig", args[1..].to_vec(), None)?
            }
        }
        "key?" | "has_key?" | "include?" | "member?" => {
            it.arity(args, 1, 1)?;
            Value::Bool(h.borrow().map.contains_key(&args[0].to_key()))
        }
        "value?" | "has_value?" => {
            it.arity(args, 1, 1)?;
            Value::Bool(h.borrow().map.values().any(|v| value::eq(v, &args[0])))
        }
        "key" => {
            it.arity(args, 1, 1)?;
            h.borrow()
                .map
                .iter()
                .find(|(_, v)| value::eq(v, &args[0]))
                .map_or(Value::Nil, |(k, _)| k.to_value())
        }
        "keys" => Value::array(h.borrow().map.keys().map(Key::to_value).collect()),
        "values" => Value::array(h.borrow().map.values().cloned().collect()),
        "values_at" => {
            let hb = h.borrow();
            Value::array(
                args.iter()
                    .map(|k| {
                        hb.map
                            .get(&k.to_key())
                            .cloned()
                            .unwrap_or_else(|| hb.default.clone())
                    })
                    .collect(),
            )
        }
        "fetch_values" => {
            let mut out = Vec::new();
            for k in args {
                let got = h.borrow().map.get(&k.to_key()).cloned();
                match got {
                    Some(v) => out.push(v),
                    None => {
                        return it
                            .raise(B::KeyError, format!("key not found: {}", value::inspect(k)))
                    }
                }
            }
            Value::array(out)
        }
        "length" | "size" => Value::Int(h.borrow().map.len() as i64),
        "count" if args.is_empty() && blk.is_none() => Value::Int(h.borrow().map.len() as i64),
        "empty?" => Value::Bool(h.borrow().map.is_empty()),
        "any?" if args.is_empty() && blk.is_none() => Value::Bool(!h.borrow().map.is_empty()),
        "to_h" if blk.is_none() => recv.clone(),
        "to_hash" => recv.clone(),
        "to_a" | "entries" => Value::array(pairs(&h)),
        "each" | "each_pair" => {
            let Some(b) = blk else {
                return Ok(Some(enumerable::enumerator(recv, name, args, pairs(&h))));
            };
            for p in pairs(&h) {
                it.yield_blk(b, vec![p])?;
            }
            recv.clone()
        }
        "each_key" | "each_value" => {
            let Some(b) = blk else {
                return it.decline(format!("`{name}` without a block"));
            };
            for (k, v) in entries(&h) {
                let x = if name == "each_key" { k.to_value() } else { v };
                it.yield_blk(b, vec![x])?;
            }
            recv.clone()
        }
        "select" | "filter" | "reject" => {
            let Some(b) = blk else {
                return Ok(Some(enumerable::enumerator(recv, name, args, pairs(&h))));
            };
            let keep = name != "reject";
            let mut map = IndexMap::new();
            for (k, v) in entries(&h) {
                if it.yield_blk(b, vec![k.to_value(), v.clone()])?.truthy() == keep {
                    map.insert(k, v);
                }
            }
            new_hash(map)
        }
        "select!" | "filter!" | "reject!" | "keep_if" | "delete_if" => {
            let Some(b) = blk else {
                return it.decline(format!("`{name}` without a block"));
            };
            let keep = matches!(name, "select!" | "filter!" | "keep_if");
            let before = h.borrow().map.len();
            let mut map = IndexMap::new();
            for (k, v) in entries(&h) {
                if it.yield_blk(b, vec![k.to_value(), v.clone()])?.truthy() == keep {
                    map.insert(k, v);
                }
            }
            let changed = map.len() != before;
            h.borrow_mut().map = map;
            if !changed && name.ends_with('!') {
                Value::Nil
            } else {
                recv.clone()
            }
        }
        "to_h" => {
            let Some(b) = blk else { unreachable!() };
            let mut map = IndexMap::new();
            for (k, v) in entries(&h) {
                match it.yield_blk(b, vec![k.to_value(), v])? {
                    Value::Array(p) if p.borrow().len() == 2 => {
                        let p = p.borrow();
                        map.insert(p[0].to_key(), p[1].clone());
                    }
                    other => {
                        return it.raise(
                            B::TypeError,
                            format!(
                                "wrong element type {} (expected array)",
                                other.class_of().name()
                            ),
                        )
                    }
                }
            }
            new_hash(map)
        }
        "transform_values" | "transform_keys" => {
            let Some(b) = blk else {
                return it.decline(format!("`{name}` without a block"));
            };
            let mut map = IndexMap::new();
            for (k, v) in entries(&h) {
                if name == "transform_values" {
                    let nv = it.yield_blk(b, vec![v])?;
                    map.insert(k, nv);
                } else {
                    let nk = it.yield_blk(b, vec![k.to_value()])?;
                    map.insert(nk.to_key(), v);
                }
            }
            new_hash(map)
        }
        "merge" | "merge!" | "update" => {
            let mut map = if name == "merge" {
                h.borrow().map.clone()
            } else {
                IndexMap::new()
            };
            let mut in_place: Vec<(Key, Value)> = Vec::new();
            for o in args {
                let o = need_hash(it, o)?;
                for (k, v) in entries(&o) {
                    let existing = if name == "merge" {
                        map.get(&k).cloned()
                    } else {
                        in_place
                            .iter()
                            .rev()
                            .find(|(ik, _)| *ik == k)
                            .map(|(_, v)| v.clone())
                            .or_else(|| h.borrow().map.get(&k).cloned())
                    };
                    let nv = match (existing, blk) {
                        (Some(old), Some(b)) => it.yield_blk(b, vec![k.to_value(), old, v])?,
                        _ => v,
                    };
                    if name == "merge" {
                        map.insert(k, nv);
                    } else {
                        in_place.push((k, nv));
                    }
                }
            }
            if name == "merge" {
                let default = h.borrow().default.clone();
                Value::Hash(Rc::new(RefCell::new(Hash { map, default })))
            } else {
                let mut hb = h.borrow_mut();
                for (k, v) in in_place {
                    hb.map.insert(k, v);
                }
                drop(hb);
                recv.clone()
            }
        }
        "delete" => {
            it.arity(args, 1, 1)?;
            let removed = h.borrow_mut().map.shift_remove(&args[0].to_key());
            match (removed, blk) {
                (Some(v), _) => v,
                (None, Some(b)) => it.yield_blk(b, vec![args[0].clone()])?,
                (None, None) => Value::Nil,
            }
        }
        "invert" => new_hash(
            entries(&h)
                .into_iter()
                .map(|(k, v)| (v.to_key(), k.to_value()))
                .collect(),
        ),
        "compact" => new_hash(
            entries(&h)
                .into_iter()
                .filter(|(_, v)| !v.is_nil())
                .collect(),
        ),
        "slice" => {
            let hb = h.borrow();
            let mut map = IndexMap::new();
            for k in args {
                let k = k.to_key();
                if let Some(v) = hb.map.get(&k) {
                    map.insert(k, v.clone());
                }
            }
            new_hash(map)
        }
        "except" => {
            let drop: Vec<Key> = args.iter().map(Value::to_key).collect();
            new_hash(
                entries(&h)
                    .into_iter()
                    .filter(|(k, _)| !drop.contains(k))
                    .collect(),
            )
        }
        "default" => h.borrow().default.clone(),
        "default=" => {
            it.arity(args, 1, 1)?;
            h.borrow_mut().default = args[0].clone();
            args[0].clone()
        }
        "clear" => {
            h.borrow_mut().map.clear();
            recv.clone()
        }
        "replace" => {
            it.arity(args, 1, 1)?;
            let o = need_hash(it, &args[0])?;
            let map = o.borrow().map.clone();
            h.borrow_mut().map = map;
            recv.clone()
        }
        "first" => {
            let p = pairs(&h);
            return enumerable::call(it, recv, p, name, args, blk);
        }
        "sort" => {
            let p = pairs(&h);
            return enumerable::call(it, recv, p, name, args, blk);
        }
        "compare_by_identity" | "default_proc" | "rehash" => {
            return it.decline(format!("the method `{name}` on Hash"));
        }
        _ => {
            let p = pairs(&h);
            return enumerable::call(it, recv, p, name, args, blk);
        }
    }))
}
