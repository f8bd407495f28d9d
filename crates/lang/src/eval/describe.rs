//! Why a value does not match a type, worded as Puppet's `TypeMismatchDescriber` words it:
//! `expects an Integer value, got String`, `index 1 expects a String value, got Integer`,
//! `entry 'a' expects a match for Enum['x', 'y'], got 'z'`, `expects size to be at least 2,
//! got 1`, `expects a value for key 'name'`, `unrecognized key 'b'`. The actual side is the
//! type of the value (`infer_set`), compared with the expected type piece by piece.

use super::types::{self, generalize, infer_set, Ty, MAXI};
use super::value::Val;

/// One step of the path to a mismatch.
#[derive(Debug, Clone, PartialEq)]
enum Step {
    /// `assert_type():`, `Class[Foo]:` and the like.
    Subject(String),
    Param(String),
    Entry(String),
    EntryKey(String),
    Index(usize),
    Variant(usize),
}

impl Step {
    fn text(&self) -> String {
        match self {
            Step::Subject(s) => s.clone(),
            Step::Param(p) => format!("parameter '{p}'"),
            Step::Entry(k) => format!("entry '{k}'"),
            Step::EntryKey(k) => format!("key of entry '{k}'"),
            Step::Index(i) => format!("index {i}"),
            Step::Variant(i) => format!("variant {i}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Kind {
    Type {
        expected: Ty,
        actual: Ty,
    },
    Pattern {
        expected: Ty,
        actual: Ty,
    },
    Size {
        expected: (i64, i64),
        actual: (i64, i64),
    },
    MissingKey(String),
    ExtraKey(String),
}

#[derive(Debug, Clone, PartialEq)]
struct Mismatch {
    path: Vec<Step>,
    kind: Kind,
}

impl Mismatch {
    fn canonical(&self) -> Vec<&Step> {
        self.path
            .iter()
            .filter(|s| !matches!(s, Step::Variant(_)))
            .collect()
    }

    fn format(&self) -> String {
        let position = if self.path.is_empty() {
            String::new()
        } else {
            format!(
                " {}",
                self.path
                    .iter()
                    .map(Step::text)
                    .collect::<Vec<_>>()
                    .join(" ")
            )
        };
        match &self.kind {
            Kind::MissingKey(k) => format!("{position} expects a value for key '{k}'"),
            Kind::ExtraKey(k) => format!("{position} unrecognized key '{k}'"),
            Kind::Size { expected, actual } => format!(
                "{position} expects size to be {}, got {}",
                range_to_s(*expected),
                range_to_s(*actual)
            ),
            Kind::Pattern { expected, actual } => {
                let expected = &normalize(expected);
                let (e, pfx) = match expected {
                    Ty::Optional(Some(t)) => ((**t).clone(), "an undef value or "),
                    e => (e.clone(), ""),
                };
                let a = match actual {
                    Ty::StrVal(s) => format!("'{s}'"),
                    a => short_name(a),
                };
                format!(
                    "{position} expects {pfx}a match for {}, got {a}",
                    expanded(&e)
                )
            }
            Kind::Type { expected, actual } => {
                type_message(&position, &normalize(expected), actual)
            }
        }
    }
}

fn range_to_s((min, max): (i64, i64)) -> String {
    let min = min.max(0);
    if min == max {
        min.to_string()
    } else if min == 0 {
        if max == MAXI {
            "unlimited".into()
        } else {
            format!("at most {max}")
        }
    } else if max == MAXI {
        format!("at least {min}")
    } else {
        format!("between {min} and {max}")
    }
}

/// A type with every alias in it expanded (`Stdlib::Port = Integer[0, 65535]`).
fn expanded(t: &Ty) -> String {
    types::expanded_string(t)
}

/// Puppet's `short_name`: the type's name without parameters, except a contained type
/// (`Optional[Integer]`) and aliases (their name).
fn short_name(t: &Ty) -> String {
    match t {
        Ty::Alias(a) => a.name.clone(),
        Ty::Optional(Some(x))
        | Ty::NotUndef(Some(x))
        | Ty::Type(Some(x))
        | Ty::Sensitive(Some(x))
            if !matches!(**x, Ty::Any) =>
        {
            format!("{}[{}]", types::base_name(t), short_name(x))
        }
        t => types::base_name(t),
    }
}

/// The Ruby class of a type, for "same kind" comparisons (`String` and a string value
/// are both `PStringType`).
fn class_of(t: &Ty) -> std::mem::Discriminant<Ty> {
    match t {
        Ty::StrVal(_) => std::mem::discriminant(&Ty::String(0, 0)),
        t => std::mem::discriminant(t),
    }
}

fn resolved(t: &Ty) -> Ty {
    match t {
        Ty::Alias(a) => resolved(&a.resolved.borrow()),
        t => t.clone(),
    }
}

fn always_fully_detailed(e: &[Ty], a: &Ty) -> bool {
    e.iter().any(|e| {
        class_of(e) == class_of(a)
            || matches!(e, Ty::Alias(_))
            || matches!(a, Ty::Alias(_))
            || matches!(
                (e, a),
                (Ty::Struct(_), Ty::Hash(..)) | (Ty::Tuple(..), Ty::Array(..))
            )
    })
}

/// The unparameterised form of a type (Puppet's `e.class::DEFAULT`).
fn default_of(t: &Ty) -> Ty {
    let name = types::base_name(t);
    types::from_name(&name).unwrap_or_else(|| t.clone())
}

fn assignable_to_default(e: &[Ty], a: &Ty) -> bool {
    e.iter().any(|e| default_of(&resolved(e)).assignable(a))
}

fn type_message(position: &str, expected: &Ty, actual: &Ty) -> String {
    let mut e = expected.clone();
    let mut optional = false;
    if let Ty::Optional(Some(t)) = &e {
        e = (**t).clone();
        optional = true;
    }
    let list: Vec<Ty> = match &e {
        Ty::Variant(ts) => ts.clone(),
        t => vec![t.clone()],
    };
    let is_list = matches!(e, Ty::Variant(_));
    let detailed = always_fully_detailed(&list, actual) || assignable_to_default(&list, actual);
    let a = if detailed {
        let res: Vec<Ty> = list.iter().map(resolved).collect();
        if always_fully_detailed(&res, actual)
            || res.iter().any(|t| t.assignable(&generalize(actual)))
        {
            expanded(actual)
        } else {
            types::base_name(actual)
        }
    } else {
        short_name(actual)
    };
    let mut names: Vec<String> = if detailed {
        list.iter().map(expanded).collect()
    } else {
        let mut v: Vec<String> = Vec::new();
        for t in &list {
            let n = short_name(t);
            if !v.contains(&n) {
                v.push(n);
            }
        }
        v
    };
    if optional {
        names.insert(0, "Undef".into());
    }
    let multi = names.len() > 1 || (optional && !is_list);
    let e = match names.len() {
        1 => names[0].clone(),
        2 => format!("{} or {}", names[0], names[1]),
        n => format!("{}, or {}", names[..n - 1].join(", "), names[n - 1]),
    };
    if multi {
        format!("{position} expects a value of type {e}, got {a}")
    } else {
        format!(
            "{position} expects {} {e} value, got {a}",
            types::article(&e)
        )
    }
}

fn size_of(t: &Ty) -> Option<(i64, i64)> {
    match t {
        Ty::Array(_, a, b) | Ty::Hash(_, _, a, b) | Ty::Collection(a, b) => Some((*a, *b)),
        Ty::Tuple(ts, size) => Some(size.unwrap_or(if ts.is_empty() {
            (0, MAXI)
        } else {
            (ts.len() as i64, ts.len() as i64)
        })),
        _ => None,
    }
}

fn within(outer: (i64, i64), inner: (i64, i64)) -> bool {
    outer.0.max(0) <= inner.0.max(0) && inner.1 <= outer.1
}

fn describe(expected: &Ty, original: &Ty, actual: &Ty, path: &[Step]) -> Vec<Mismatch> {
    let at = |extra: Step| {
        let mut p = path.to_vec();
        p.push(extra);
        p
    };
    let mismatch = |kind: Kind| {
        vec![Mismatch {
            path: path.to_vec(),
            kind,
        }]
    };
    let type_mismatch = || {
        mismatch(Kind::Type {
            expected: original.clone(),
            actual: actual.clone(),
        })
    };
    match expected {
        Ty::Alias(a) => {
            let inner = normalize(&a.resolved.borrow());
            describe(&inner, expected, actual, path)
        }
        Ty::Variant(ts) => {
            let mut all = Vec::new();
            let mut types_list = ts.clone();
            if matches!(original, Ty::Optional(_)) {
                types_list.insert(0, Ty::Undef);
            }
            for (i, t) in types_list.iter().enumerate() {
                let d = describe(t, t, actual, &at(Step::Variant(i)));
                if d.is_empty() {
                    return Vec::new();
                }
                all.push(d);
            }
            let merged = merge(path.len(), all);
            if matches!(original, Ty::Alias(_)) && merged.len() == 1 {
                mismatch(Kind::Type {
                    expected: original.clone(),
                    actual: actual.clone(),
                })
            } else {
                merged
            }
        }
        Ty::Optional(t) => {
            if matches!(actual, Ty::Undef) {
                return Vec::new();
            }
            match t {
                None => Vec::new(),
                Some(t) => {
                    let orig = if matches!(original, Ty::Alias(_)) {
                        original.clone()
                    } else {
                        expected.clone()
                    };
                    describe(&normalize(t), &orig, actual, path)
                }
            }
        }
        Ty::Enum(..) | Ty::Pattern(_) => {
            if expected.assignable(actual) {
                Vec::new()
            } else {
                mismatch(Kind::Pattern {
                    expected: original.clone(),
                    actual: actual.clone(),
                })
            }
        }
        Ty::Array(elem, ..) => match actual {
            Ty::Tuple(us, _) => {
                let es = size_of(expected).unwrap_or((0, MAXI));
                let asz = size_of(actual).unwrap_or((0, MAXI));
                if within(es, asz) {
                    let mut out = Vec::new();
                    for (i, u) in us.iter().enumerate() {
                        if !elem.assignable(u) {
                            out.extend(describe(elem, elem, u, &at(Step::Index(i))));
                        }
                    }
                    out
                } else {
                    mismatch(Kind::Size {
                        expected: es,
                        actual: asz,
                    })
                }
            }
            Ty::Array(u, c, d) => {
                let es = size_of(expected).unwrap_or((0, MAXI));
                if within(es, (*c, *d)) {
                    if expected.assignable(actual) {
                        Vec::new()
                    } else {
                        mismatch(Kind::Type {
                            expected: original.clone(),
                            actual: Ty::Array(u.clone(), 0, MAXI),
                        })
                    }
                } else {
                    mismatch(Kind::Size {
                        expected: es,
                        actual: (*c, *d),
                    })
                }
            }
            _ => type_mismatch(),
        },
        Ty::Hash(k, v, ..) => match actual {
            Ty::Struct(es) => {
                let esz = size_of(expected).unwrap_or((0, MAXI));
                let required = es.iter().filter(|e| e.required).count() as i64;
                if within(esz, (required, es.len() as i64)) {
                    let mut out = Vec::new();
                    for e in es {
                        let kt = Ty::StrVal(e.key.clone());
                        if !k.assignable(&kt) {
                            out.extend(describe(k, k, &kt, &at(Step::EntryKey(e.key.clone()))));
                        }
                        if !v.assignable(&e.value) {
                            out.extend(describe(v, v, &e.value, &at(Step::Entry(e.key.clone()))));
                        }
                    }
                    out
                } else {
                    mismatch(Kind::Size {
                        expected: esz,
                        actual: (required, es.len() as i64),
                    })
                }
            }
            Ty::Hash(k2, v2, c, d) => {
                let esz = size_of(expected).unwrap_or((0, MAXI));
                if within(esz, (*c, *d)) {
                    if expected.assignable(actual) {
                        Vec::new()
                    } else {
                        mismatch(Kind::Type {
                            expected: original.clone(),
                            actual: Ty::Hash(k2.clone(), v2.clone(), 0, MAXI),
                        })
                    }
                } else {
                    mismatch(Kind::Size {
                        expected: esz,
                        actual: (*c, *d),
                    })
                }
            }
            _ => type_mismatch(),
        },
        Ty::Struct(elems) => match actual {
            Ty::Struct(others) => {
                let mut out = Vec::new();
                let mut rest: Vec<&types::StructElem> = others.iter().collect();
                for e1 in elems {
                    match rest.iter().position(|e2| e2.key == e1.key) {
                        None => {
                            if e1.required {
                                out.push(Mismatch {
                                    path: path.to_vec(),
                                    kind: Kind::MissingKey(e1.key.clone()),
                                });
                            }
                        }
                        Some(i) => {
                            let e2 = rest.remove(i);
                            if !e1.value.assignable(&e2.value) {
                                out.extend(describe(
                                    &e1.value,
                                    &e1.value,
                                    &e2.value,
                                    &at(Step::Entry(e1.key.clone())),
                                ));
                            }
                        }
                    }
                }
                for e2 in rest {
                    out.push(Mismatch {
                        path: path.to_vec(),
                        kind: Kind::ExtraKey(e2.key.clone()),
                    });
                }
                out
            }
            Ty::Hash(k2, v2, c, d) => {
                let required = elems.iter().filter(|e| e.required).count() as i64;
                let esz = (required, elems.len() as i64);
                if within(esz, (*c, *d)) {
                    mismatch(Kind::Type {
                        expected: original.clone(),
                        actual: Ty::Hash(k2.clone(), v2.clone(), 0, MAXI),
                    })
                } else {
                    mismatch(Kind::Size {
                        expected: esz,
                        actual: (*c, *d),
                    })
                }
            }
            _ => type_mismatch(),
        },
        Ty::Tuple(ts, _) => {
            if expected == actual || (ts.is_empty() && matches!(actual, Ty::Array(..))) {
                return Vec::new();
            }
            let esz = size_of(expected).unwrap_or((0, MAXI));
            match actual {
                Ty::Tuple(us, _) => {
                    let asz = size_of(actual).unwrap_or((0, MAXI));
                    if within(esz, asz) {
                        let mut out = Vec::new();
                        if !ts.is_empty() {
                            for (i, u) in us.iter().enumerate() {
                                let adx = i.min(ts.len() - 1);
                                out.extend(describe(&ts[adx], &ts[adx], u, &at(Step::Index(adx))));
                            }
                        }
                        out
                    } else {
                        mismatch(Kind::Size {
                            expected: esz,
                            actual: asz,
                        })
                    }
                }
                Ty::Array(u, c, d) => {
                    if within(esz, (*c, *d)) {
                        let mut out = Vec::new();
                        for (i, t) in ts.iter().enumerate() {
                            out.extend(describe(t, t, u, &at(Step::Index(i))));
                        }
                        out
                    } else {
                        mismatch(Kind::Size {
                            expected: esz,
                            actual: (*c, *d),
                        })
                    }
                }
                _ => type_mismatch(),
            }
        }
        t => {
            if t.assignable(actual) {
                Vec::new()
            } else {
                type_mismatch()
            }
        }
    }
}

/// Puppet's `merge_descriptions`: the mismatches of each variant of a `Variant`, merged
/// into one when every variant failed the same way.
fn merge(varying: usize, variants: Vec<Vec<Mismatch>>) -> Vec<Mismatch> {
    let n = variants.len();
    let all: Vec<Mismatch> = variants.into_iter().flatten().collect();
    type Pick = fn(&Kind) -> bool;
    let classes: [Pick; 2] = [
        |k| matches!(k, Kind::Size { .. }),
        |k| matches!(k, Kind::Type { .. } | Kind::Pattern { .. }),
    ];
    let mut out = all.clone();
    for pick in classes {
        let ms: Vec<&Mismatch> = all.iter().filter(|m| pick(&m.kind)).collect();
        if ms.len() != n || n == 0 {
            continue;
        }
        let first = ms[0];
        if !ms.iter().all(|m| m.canonical() == first.canonical()) {
            continue;
        }
        let kind = match &first.kind {
            Kind::Size { actual, .. } => {
                let mut lo = i64::MAX;
                let mut hi = i64::MIN;
                for m in &ms {
                    if let Kind::Size { expected, .. } = m.kind {
                        lo = lo.min(expected.0);
                        hi = hi.max(expected.1);
                    }
                }
                Kind::Size {
                    expected: (lo, hi),
                    actual: *actual,
                }
            }
            _ => {
                let mut expected: Vec<Ty> = Vec::new();
                let mut any_type = false;
                let mut actual = Ty::Any;
                for m in &ms {
                    match &m.kind {
                        Kind::Type {
                            expected: e,
                            actual: a,
                        } => {
                            any_type = true;
                            actual = a.clone();
                            if !expected.contains(e) {
                                expected.push(e.clone());
                            }
                        }
                        Kind::Pattern {
                            expected: e,
                            actual: a,
                        } => {
                            actual = a.clone();
                            if !expected.contains(e) {
                                expected.push(e.clone());
                            }
                        }
                        _ => {}
                    }
                }
                let e = normalize(&Ty::Variant(expected));
                // The first mismatch decides the class of the merged one.
                if matches!(first.kind, Kind::Pattern { .. }) && !any_type {
                    Kind::Pattern {
                        expected: e,
                        actual,
                    }
                } else {
                    Kind::Type {
                        expected: e,
                        actual,
                    }
                }
            }
        };
        out = vec![Mismatch {
            path: first.path.clone(),
            kind,
        }];
        break;
    }
    out.dedup();
    if out.len() == 1 {
        let mut m = out.remove(0);
        if varying < m.path.len() {
            m.path.remove(varying);
        }
        vec![m]
    } else {
        out
    }
}

/// Puppet's `normalize` for the types mismatches compare: nested variants flattened,
/// enums and patterns merged, duplicates dropped, a single member unwrapped.
pub(crate) fn normalize(t: &Ty) -> Ty {
    let Ty::Variant(ts) = t else {
        return t.clone();
    };
    let mut flat = Vec::new();
    for t in ts {
        match normalize(t) {
            Ty::Variant(inner) => flat.extend(inner),
            t => flat.push(t),
        }
    }
    let mut out: Vec<Ty> = Vec::new();
    let mut enums: Vec<String> = Vec::new();
    let mut enum_at = None;
    let mut pats: Vec<String> = Vec::new();
    let mut pat_at = None;
    for t in flat {
        match t {
            Ty::Enum(vs, false) if !vs.is_empty() => {
                if enum_at.is_none() {
                    enum_at = Some(out.len());
                    out.push(Ty::Unit);
                }
                for v in vs {
                    if !enums.contains(&v) {
                        enums.push(v);
                    }
                }
            }
            Ty::Pattern(ps) if !ps.is_empty() => {
                if pat_at.is_none() {
                    pat_at = Some(out.len());
                    out.push(Ty::Unit);
                }
                for p in ps {
                    if !pats.contains(&p) {
                        pats.push(p);
                    }
                }
            }
            t => {
                if !out.contains(&t) {
                    out.push(t);
                }
            }
        }
    }
    if let Some(i) = enum_at {
        enums.sort();
        out[i] = Ty::Enum(enums, false);
    }
    if let Some(i) = pat_at {
        out[i] = Ty::Pattern(pats);
    }
    if out.len() == 1 {
        out.pop().unwrap_or(Ty::Any)
    } else {
        Ty::Variant(out)
    }
}

/// The mismatches of `v` against `t`, each formatted as Puppet formats it (starting with
/// a space and the path: ` index 1 expects ...`); empty when `v` matches.
fn mismatches(t: &Ty, v: &Val, subject: Option<Step>) -> Vec<String> {
    let actual = infer_set(v);
    let path: Vec<Step> = subject.into_iter().collect();
    describe(&normalize(t), t, &actual, &path)
        .iter()
        .map(Mismatch::format)
        .collect()
}

/// Puppet's `describe_mismatch(subject, type, value)`: one mismatch as one line (its
/// path first), several joined by newlines.
pub(crate) fn describe_mismatch(subject: &str, t: &Ty, v: &Val) -> String {
    let subject = (!subject.is_empty()).then(|| Step::Subject(subject.to_string()));
    let errors = mismatches(t, v, subject);
    match errors.len() {
        0 => String::new(),
        1 => errors[0].trim().to_string(),
        _ => errors.join("\n "),
    }
}

/// A parameter's mismatch as a class or define reports it: `parameter 'port' expects
/// ...` (several on lines of their own).
pub(crate) fn describe_parameter(param: &str, t: &Ty, v: &Val) -> String {
    let errors = mismatches(t, v, Some(Step::Param(param.to_string())));
    match errors.len() {
        0 => String::new(),
        1 => errors[0].trim().to_string(),
        _ => format!("\n {}", errors.join("\n ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_like_puppet() {
        assert_eq!(range_to_s((2, MAXI)), "at least 2");
        assert_eq!(range_to_s((0, 3)), "at most 3");
        assert_eq!(range_to_s((1, 1)), "1");
        assert_eq!(range_to_s((types::MINI, MAXI)), "unlimited");
    }
}
