//! Lambdas and the iteration functions, with Puppet 7's semantics and messages: calling a
//! lambda (typed parameters, defaults, `*$rest`, a `>> Type` return type), and `each`,
//! `map`, `filter`, `reduce`, `reverse_each`, `step`, `slice`, `with`, `then`, `lest`,
//! `any`, `all`, `index` and `tree_each` over anything iterable (arrays, hashes, strings,
//! non-negative integers, `Integer[a, b]` and `Enum[...]` types, iterators).

use super::scope::{Scope, ScopeKind};
use super::types::{self, Ty};
use super::value::Val;
use super::{Compiler, Halt, R};
use crate::ast::{Lambda, Span};

/// The names this module implements.
pub(crate) const ITERATION_FUNCTIONS: &[&str] = &[
    "each",
    "map",
    "filter",
    "reduce",
    "reverse_each",
    "step",
    "slice",
    "with",
    "then",
    "lest",
    "any",
    "all",
    "index",
    "tree_each",
];

/// The dispatcher message Puppet gives when the first argument is not iterable.
fn not_iterable(name: &str, v: &Val) -> String {
    let got = types::generalize(&types::infer(v));
    format!(
        "The function '{name}' was called with arguments it does not accept. It expects one of:
  (Hash hash, Callable[2, 2] block)
    rejected: parameter 'hash' expects a Hash value, got {got}
  (Hash hash, Callable[1, 1] block)
    rejected: parameter 'hash' expects a Hash value, got {got}
  (Iterable enumerable, Callable[2, 2] block)
    rejected: parameter 'enumerable' expects an Iterable value, got {got}
  (Iterable enumerable, Callable[1, 1] block)
    rejected: parameter 'enumerable' expects an Iterable value, got {got}"
    )
}

impl Compiler {
    /// The values an iteration over `v` visits (a hash's as `[key, value]` pairs).
    pub(crate) fn iterate_values(&self, v: &Val) -> Vec<Val> {
        match v {
            Val::Array(a) => a.clone(),
            Val::Iterator(_, a) => a.clone(),
            Val::Hash(h) => h
                .iter()
                .map(|(k, v)| Val::Array(vec![k.0.clone(), v.clone()]))
                .collect(),
            Val::Str(s) => s.chars().map(|c| Val::Str(c.to_string())).collect(),
            Val::Int(n) if *n >= 0 => (0..(*n).min(1 << 24)).map(Val::Int).collect(),
            Val::Type(Ty::Integer(a, b)) if *a != types::MINI && *b != types::MAXI => (*a..=(*b)
                .min(a.saturating_add(1 << 24)))
                .map(Val::Int)
                .collect(),
            Val::Type(Ty::Enum(vals, _)) => vals.iter().map(|s| Val::Str(s.clone())).collect(),
            _ => Vec::new(),
        }
    }

    /// Call a lambda with arguments in a new local scope: parameters are typed, may have
    /// defaults or capture the rest; extra arguments are ignored; the value is checked
    /// against the return type.
    pub(crate) fn call_lambda(&mut self, lambda: &Lambda, args: Vec<Val>) -> R<Val> {
        self.enter(lambda.span)?;
        let parent = &self.scopes[self.scope];
        let mut s = Scope::new(ScopeKind::Local, Some(self.scope), parent.label.clone());
        s.container = parent.container.clone();
        s.tags = parent.tags.clone();
        let sid = self.push_scope(s);
        let saved_scope = self.scope;
        let saved_matches = std::mem::replace(&mut self.matches, vec![None]);
        self.scope = sid;
        let r = (|| -> R<Val> {
            let mut args = args.into_iter();
            for p in &lambda.params {
                let v = if p.captures_rest {
                    Val::Array(args.by_ref().collect())
                } else {
                    match args.next() {
                        Some(v) => v,
                        None => match &p.default {
                            Some(d) => self.eval(d)?,
                            None => {
                                return Err(self.err(
                                    "wrong-arguments",
                                    format!(
                                        "Parameter ${} is required but no value was given",
                                        p.name
                                    ),
                                    p.span,
                                ))
                            }
                        },
                    }
                };
                if let Some(t) = &p.type_expr {
                    if let Some(t) = super::ops::as_type(&self.eval(t)?) {
                        let ok = if p.captures_rest {
                            matches!(&v, Val::Array(a) if a.iter().all(|x| t.matches(x)))
                        } else {
                            t.matches(&v)
                        };
                        if !ok {
                            return Err(self.err(
                                "type-mismatch",
                                format!("block parameter '{}' {}", p.name, t.mismatch(&v)),
                                p.span,
                            ));
                        }
                    }
                }
                self.set_var(sid, &p.name, v);
            }
            let v = match self.eval_body_strict(&lambda.body) {
                Err(Halt::Next(v)) | Err(Halt::Return(v)) => v,
                r => r?,
            };
            if let Some(rt) = &lambda.return_type {
                if let Some(t) = super::ops::as_type(&self.eval(rt)?) {
                    if !t.matches(&v) {
                        return Err(self.err(
                            "type-mismatch",
                            format!(
                                "value returned from lambda has wrong type, {}",
                                t.mismatch(&v)
                            ),
                            rt.span,
                        ));
                    }
                }
            }
            Ok(v)
        })();
        self.scope = saved_scope;
        self.matches = saved_matches;
        self.leave();
        r
    }

    fn block_arity(&mut self, name: &str, l: &Lambda, min: usize, max: usize, span: Span) -> R<()> {
        let n = l.params.iter().filter(|p| !p.captures_rest).count();
        if (min..=max).contains(&n) || l.params.iter().any(|p| p.captures_rest) {
            return Ok(());
        }
        let expected = if min == max {
            format!("{min}")
        } else {
            format!("between {min} and {max}")
        };
        let got = if n == 0 {
            "none".to_string()
        } else {
            n.to_string()
        };
        Err(self.err(
            "wrong-arguments",
            format!("'{name}' block expects {expected} arguments, got {got}"),
            span,
        ))
    }

    fn need_block<'a>(&mut self, name: &str, l: Option<&'a Lambda>, span: Span) -> R<&'a Lambda> {
        match l {
            Some(l) => Ok(l),
            None => Err(self.err("wrong-arguments", format!("'{name}' expects a block"), span)),
        }
    }

    /// The argument lists a lambda of `l`'s arity gets for each element of `v`: `[x]`
    /// or `[index, x]` (`[key, value]` for a hash).
    fn element_args(&self, v: &Val, two: bool) -> Vec<Vec<Val>> {
        match v {
            Val::Hash(h) => h
                .iter()
                .map(|(k, x)| {
                    if two {
                        vec![k.0.clone(), x.clone()]
                    } else {
                        vec![Val::Array(vec![k.0.clone(), x.clone()])]
                    }
                })
                .collect(),
            v => self
                .iterate_values(v)
                .into_iter()
                .enumerate()
                .map(|(i, x)| {
                    if two {
                        vec![Val::Int(i as i64), x]
                    } else {
                        vec![x]
                    }
                })
                .collect(),
        }
    }

    /// Call the iteration function `name`; `None` when `name` is not one.
    pub(crate) fn call_iteration(
        &mut self,
        name: &str,
        args: Vec<Val>,
        lambda: Option<&Lambda>,
        span: Span,
    ) -> Option<R<Val>> {
        if !ITERATION_FUNCTIONS.contains(&name) {
            return None;
        }
        Some(self.iteration(name, args, lambda, span))
    }

    fn iteration(
        &mut self,
        name: &str,
        args: Vec<Val>,
        lambda: Option<&Lambda>,
        span: Span,
    ) -> R<Val> {
        let first = args.first().cloned().unwrap_or(Val::Undef);
        match name {
            "with" => {
                let l = self.need_block(name, lambda, span)?;
                return self.call_lambda(l, args);
            }
            "then" => {
                let l = self.need_block(name, lambda, span)?;
                return if first.is_undef() {
                    Ok(Val::Undef)
                } else {
                    self.call_lambda(l, vec![first])
                };
            }
            "lest" => {
                let l = self.need_block(name, lambda, span)?;
                return if first.is_undef() {
                    self.call_lambda(l, Vec::new())
                } else {
                    Ok(first)
                };
            }
            _ => {}
        }
        if !types::is_iterable_value(&first) {
            return Err(self.err("type-mismatch", not_iterable(name, &first), span));
        }
        match name {
            "each" | "map" | "filter" | "any" | "all" => {
                let l = self.need_block(name, lambda, span)?;
                self.block_arity(name, l, 1, 2, span)?;
                let two = l.params.len() >= 2;
                let items = self.element_args(&first, two);
                let mut mapped = Vec::new();
                let mut kept = Vec::new();
                for (i, it) in items.into_iter().enumerate() {
                    match self.call_lambda(l, it) {
                        Ok(v) => match name {
                            "map" => mapped.push(v),
                            "filter" if v.truthy() => kept.push(i),
                            "any" if v.truthy() => return Ok(Val::Bool(true)),
                            "all" if !v.truthy() => return Ok(Val::Bool(false)),
                            _ => {}
                        },
                        Err(Halt::Break) => break,
                        Err(h) => return Err(h),
                    }
                }
                Ok(match name {
                    "each" => first,
                    "map" => Val::Array(mapped),
                    "any" => Val::Bool(false),
                    "all" => Val::Bool(true),
                    _ => match &first {
                        Val::Hash(h) => Val::Hash(
                            h.iter()
                                .enumerate()
                                .filter(|(i, _)| kept.contains(i))
                                .map(|(_, (k, v))| (k.clone(), v.clone()))
                                .collect(),
                        ),
                        v => {
                            let all = self.iterate_values(v);
                            Val::Array(kept.iter().filter_map(|&i| all.get(i).cloned()).collect())
                        }
                    },
                })
            }
            "reduce" => {
                let l = self.need_block(name, lambda, span)?;
                self.block_arity(name, l, 2, 2, span)?;
                let mut it = self.iterate_values(&first).into_iter();
                let mut acc = match args.get(1) {
                    Some(v) => v.clone(),
                    None => match it.next() {
                        Some(v) => v,
                        None => return Ok(Val::Undef),
                    },
                };
                for x in it {
                    match self.call_lambda(l, vec![acc.clone(), x]) {
                        Ok(v) => acc = v,
                        Err(Halt::Break) => break,
                        Err(h) => return Err(h),
                    }
                }
                Ok(acc)
            }
            "reverse_each" | "step" => {
                let mut items = self.iterate_values(&first);
                if name == "reverse_each" {
                    items.reverse();
                } else {
                    let n = match args.get(1) {
                        Some(Val::Int(n)) if *n >= 1 => *n as usize,
                        Some(v) => {
                            let got = types::infer(v);
                            return Err(self.err(
                                "type-mismatch",
                                format!("'step' parameter 'step' expects an Integer[1] value, got {got}"),
                                span,
                            ));
                        }
                        None => {
                            return Err(self.err(
                                "wrong-arguments",
                                "'step' expects 2 arguments, got 1",
                                span,
                            ))
                        }
                    };
                    items = items.into_iter().step_by(n).collect();
                }
                match lambda {
                    None => {
                        let elem = match items.as_slice() {
                            [] => Ty::Unit,
                            xs => {
                                let mut ts: Vec<Ty> = xs.iter().map(types::infer).collect();
                                ts.dedup();
                                if ts.len() == 1 {
                                    ts.pop().unwrap_or(Ty::Any)
                                } else {
                                    Ty::Variant(ts)
                                }
                            }
                        };
                        Ok(Val::Iterator(Box::new(elem), items))
                    }
                    Some(l) => {
                        self.block_arity(name, l, 1, 2, span)?;
                        let two = l.params.len() >= 2;
                        for (i, x) in items.into_iter().enumerate() {
                            let a = if two {
                                vec![Val::Int(i as i64), x]
                            } else {
                                vec![x]
                            };
                            match self.call_lambda(l, a) {
                                Ok(_) => {}
                                Err(Halt::Break) => break,
                                Err(h) => return Err(h),
                            }
                        }
                        Ok(Val::Undef)
                    }
                }
            }
            "slice" => {
                let n = match args.get(1) {
                    Some(Val::Int(n)) if *n >= 1 => *n as usize,
                    Some(v) => {
                        let got = types::infer(v);
                        return Err(self.err(
                            "type-mismatch",
                            format!("'slice' parameter 'slice_size' expects an Integer[1] value, got {got}"),
                            span,
                        ));
                    }
                    None => {
                        return Err(self.err(
                            "wrong-arguments",
                            "'slice' expects 2 arguments, got 1",
                            span,
                        ))
                    }
                };
                let items = self.iterate_values(&first);
                let slices: Vec<Vec<Val>> = items.chunks(n).map(<[Val]>::to_vec).collect();
                match lambda {
                    None => Ok(Val::Array(slices.into_iter().map(Val::Array).collect())),
                    Some(l) => {
                        for s in slices {
                            let a = if l.params.len() <= 1 {
                                vec![Val::Array(s)]
                            } else {
                                let mut s = s;
                                s.resize(l.params.len(), Val::Undef);
                                s
                            };
                            match self.call_lambda(l, a) {
                                Ok(_) => {}
                                Err(Halt::Break) => break,
                                Err(h) => return Err(h),
                            }
                        }
                        Ok(first)
                    }
                }
            }
            "index" => {
                let keys: Vec<Val> = match &first {
                    Val::Hash(h) => h.keys().map(|k| k.0.clone()).collect(),
                    v => (0..self.iterate_values(v).len() as i64)
                        .map(Val::Int)
                        .collect(),
                };
                let values: Vec<Val> = match &first {
                    Val::Hash(h) => h.values().cloned().collect(),
                    v => self.iterate_values(v),
                };
                match (lambda, args.get(1)) {
                    (Some(l), _) => {
                        let two = l.params.len() >= 2;
                        for (k, v) in keys.into_iter().zip(values) {
                            let a = if two { vec![k.clone(), v] } else { vec![v] };
                            match self.call_lambda(l, a) {
                                Ok(r) if r.truthy() => return Ok(k),
                                Ok(_) => {}
                                Err(Halt::Break) => break,
                                Err(h) => return Err(h),
                            }
                        }
                        Ok(Val::Undef)
                    }
                    (None, Some(needle)) => Ok(keys
                        .into_iter()
                        .zip(values)
                        .find(|(_, v)| super::ops::equals(v, needle))
                        .map_or(Val::Undef, |(k, _)| k)),
                    (None, None) => Err(self.err(
                        "wrong-arguments",
                        "'index' expects a value to look for or a block",
                        span,
                    )),
                }
            }
            "tree_each" => {
                let l = self.need_block(name, lambda, span)?;
                self.block_arity(name, l, 1, 2, span)?;
                let two = l.params.len() >= 2;
                let mut nodes = Vec::new();
                tree_walk(&first, Vec::new(), &mut nodes);
                for (path, v) in nodes {
                    let a = if two {
                        vec![Val::Array(path), v]
                    } else {
                        vec![Val::Array(vec![Val::Array(path), v])]
                    };
                    match self.call_lambda(l, a) {
                        Ok(_) => {}
                        Err(Halt::Break) => break,
                        Err(h) => return Err(h),
                    }
                }
                Ok(first)
            }
            _ => Ok(Val::Undef),
        }
    }
}

/// Every node of a tree of arrays and hashes, depth first, with its path.
fn tree_walk(v: &Val, path: Vec<Val>, out: &mut Vec<(Vec<Val>, Val)>) {
    out.push((path.clone(), v.clone()));
    match v {
        Val::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                let mut p = path.clone();
                p.push(Val::Int(i as i64));
                tree_walk(x, p, out);
            }
        }
        Val::Hash(h) => {
            for (k, x) in h {
                let mut p = path.clone();
                p.push(k.0.clone());
                tree_walk(x, p, out);
            }
        }
        _ => {}
    }
}
