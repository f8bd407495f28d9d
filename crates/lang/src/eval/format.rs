//! Values as text, exactly as Puppet 7 writes them in each context:
//!
//! - [`to_s`]: string interpolation and the logging functions (`notice`), Puppet's
//!   evaluator `string()`: nested strings unquoted, `undef` empty;
//! - [`convert`]: `String(value)` and `String(value, format)`, Puppet's `StringConverter`
//!   with its format language (`%05d`, `%#x`, `%p`, `%(a`, per-type format hashes);
//! - [`puppet_quote`]: a string as Puppet source (`'a\'b'`, `"a\tb"`);
//! - [`ruby_sprintf`]: the subset of Ruby's `Kernel#format` the converter and `sprintf`
//!   build on.

use super::types::{self, fmt_float, infer_set, Ty, MAXI};
use super::value::Val;

/// A string as Puppet source: single-quoted when it can be (only `\` and `'` escaped),
/// double-quoted with escapes when it holds control characters or when asked.
pub(crate) fn puppet_quote(s: &str, double: bool) -> String {
    if double || s.chars().any(|c| (c as u32) < 0x20) {
        return puppet_double_quote(s);
    }
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    let mut escaped = false;
    for c in s.chars() {
        if escaped {
            out.push('\\');
            out.push(c);
            escaped = false;
        } else if c == '\'' {
            out.push_str("\\'");
        } else if c == '\\' {
            escaped = true;
        } else {
            out.push(c);
        }
    }
    if escaped {
        out.push('\\');
    }
    out.push('\'');
    out
}

fn puppet_double_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '"' => out.push_str("\\\""),
            '$' => out.push_str("\\$"),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{{{:X}}}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Puppet's evaluator `string()`: what `"${x}"` and `notice(x)` write.
pub(crate) fn to_s(v: &Val) -> String {
    let mut out = String::new();
    write_s(&mut out, v);
    out
}

fn write_s(out: &mut String, v: &Val) {
    match v {
        Val::Undef | Val::Collector(_) => {}
        Val::Str(s) => out.push_str(s),
        Val::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_s(out, x);
            }
            out.push(']');
        }
        Val::Iterator(_, a) => write_s(out, &Val::Array(a.clone())),
        Val::Hash(h) => {
            out.push('{');
            for (i, (k, x)) in h.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_s(out, &k.0);
                out.push_str(" => ");
                write_s(out, x);
            }
            out.push('}');
        }
        v => out.push_str(&scalar_s(v)),
    }
}

/// The plain text of a value that is not a string or collection.
fn scalar_s(v: &Val) -> String {
    match v {
        Val::Default => "default".into(),
        Val::Bool(b) => b.to_string(),
        Val::Int(i) => i.to_string(),
        Val::Float(f) => fmt_float(*f),
        Val::Regex(r) => format!("/{r}/"),
        Val::Ref(r) => types::ref_type(r).to_string(),
        Val::Type(t) => t.to_string(),
        Val::Sensitive(_) => "Sensitive [value redacted]".into(),
        Val::Binary(b) => base64(b),
        Val::Timestamp(t) => super::time::timestamp_to_s(*t),
        Val::Timespan(t) => super::time::timespan_to_s(*t),
        Val::Str(s) => s.clone(),
        v => to_s(v),
    }
}

/// Strict Base64 (RFC 4648 with padding).
pub(crate) fn base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for c in bytes.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        out.push(A[(n >> 18) as usize & 63] as char);
        out.push(A[(n >> 12) as usize & 63] as char);
        out.push(if c.len() > 1 {
            A[(n >> 6) as usize & 63] as char
        } else {
            '='
        });
        out.push(if c.len() > 2 {
            A[n as usize & 63] as char
        } else {
            '='
        });
    }
    out
}

/// Puppet's `%p` rendering of a value (what the expression suite compares), with the
/// values `%p` leaves to Ruby's `inspect` written as `Timestamp('...')`,
/// `Timespan('...')` and `Sensitive [value redacted]`.
pub(crate) fn inspect(v: &Val) -> String {
    match v {
        Val::Timestamp(_) => return format!("Timestamp('{}')", to_s(v)),
        Val::Timespan(_) => return format!("Timespan('{}')", to_s(v)),
        Val::Sensitive(_) => return "Sensitive [value redacted]".into(),
        Val::Array(a) => {
            return format!("[{}]", a.iter().map(inspect).collect::<Vec<_>>().join(", "))
        }
        Val::Hash(h) => {
            return format!(
                "{{{}}}",
                h.iter()
                    .map(|(k, x)| format!("{} => {}", inspect(&k.0), inspect(x)))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
        _ => {}
    }
    let mut fmt = Format::parse("%p").unwrap_or_default();
    fmt.container = None;
    let map = FormatMap::defaults_with(Ty::Any, fmt);
    let mut c = Converter { map };
    c.value(v, None).unwrap_or_default()
}

/// One format: `%<flags><width>.<prec><conversion>`, plus the container settings a
/// format hash can give (`separator`, `separator2`, `string_formats`).
#[derive(Debug, Clone, Default)]
pub(crate) struct Format {
    orig: String,
    conv: char,
    left: bool,
    alt: bool,
    plus: Option<char>,
    zero: bool,
    delim: Option<char>,
    width: Option<usize>,
    prec: Option<usize>,
    separator: Option<String>,
    separator2: Option<String>,
    container: Option<FormatMap>,
}

impl Format {
    /// Parse a format string, with Puppet's messages for bad ones.
    pub(crate) fn parse(fmt: &str) -> Result<Format, String> {
        let bad = || {
            format!("The format '{fmt}' is not a valid format on the form '%<flags><width>.<prec><format>'")
        };
        let rest = fmt.strip_prefix('%').ok_or_else(bad)?;
        let flag_end = rest
            .find(|c: char| !" [+#0{<(|-".contains(c))
            .unwrap_or(rest.len());
        let flags = &rest[..flag_end];
        let mut rest = &rest[flag_end..];
        let digits = |r: &str| r.find(|c: char| !c.is_ascii_digit()).unwrap_or(r.len());
        let mut width = None;
        if rest.starts_with(|c: char| ('1'..='9').contains(&c)) {
            let n = digits(rest);
            width = rest[..n].parse().ok();
            rest = &rest[n..];
        }
        let mut prec = None;
        if let Some(r) = rest.strip_prefix('.') {
            let n = digits(r);
            if n == 0 {
                return Err(bad());
            }
            prec = r[..n].parse().ok();
            rest = &r[n..];
        }
        let mut cs = rest.chars();
        let conv = match (cs.next(), cs.next()) {
            (Some(c), None) if c.is_ascii_alphabetic() => c,
            _ => return Err(bad()),
        };
        let mut seen = String::new();
        for c in flags.chars() {
            if seen.contains(c) {
                return Err(format!("The same flag can only be used once, got '{fmt}'"));
            }
            seen.push(c);
        }
        let delims: Vec<char> = flags.chars().filter(|c| "[{(<|".contains(*c)).collect();
        if delims.len() > 1 {
            return Err(format!(
                "Only one of the delimiters [ {{ ( < | can be given in the format flags, got '{fmt}'"
            ));
        }
        Ok(Format {
            orig: fmt.to_string(),
            conv,
            left: flags.contains('-'),
            alt: flags.contains('#'),
            plus: if flags.contains(' ') {
                Some(' ')
            } else if flags.contains('+') {
                Some('+')
            } else {
                None
            },
            zero: flags.contains('0'),
            delim: delims.first().copied(),
            width,
            prec,
            separator: None,
            separator2: None,
            container: None,
        })
    }

    fn delimiters(&self, default: (&'static str, &'static str)) -> (&'static str, &'static str) {
        match self.delim.or(if self.plus == Some(' ') {
            Some(' ')
        } else {
            None
        }) {
            Some('[') => ("[", "]"),
            Some('{') => ("{", "}"),
            Some('(') => ("(", ")"),
            Some('<') => ("<", ">"),
            Some('|') => ("|", "|"),
            Some(' ') => ("", ""),
            _ => default,
        }
    }

    /// The same format with another conversion character (`%-5s` from `%-5p`).
    fn with_conv(&self, c: char) -> Format {
        let mut f = self.clone();
        f.conv = c;
        f
    }

    /// Width, precision and `-` applied to a finished literal (Puppet's
    /// `apply_string_flags`).
    fn pad(&self, s: &str) -> String {
        let s: String = match self.prec {
            Some(p) => s.chars().take(p).collect(),
            None => s.to_string(),
        };
        pad_to(&s, self.width, self.left, ' ')
    }
}

fn pad_to(s: &str, width: Option<usize>, left: bool, fill: char) -> String {
    let n = s.chars().count();
    match width {
        Some(w) if w > n => {
            let padding: String = std::iter::repeat_n(fill, w - n).collect();
            if left {
                format!("{s}{padding}")
            } else {
                format!("{padding}{s}")
            }
        }
        _ => s.to_string(),
    }
}

/// Formats by type, most specific first (Puppet sorts them so).
#[derive(Debug, Clone, Default)]
pub(crate) struct FormatMap(Vec<(Ty, Format)>);

impl FormatMap {
    /// Puppet's `DEFAULT_STRING_FORMATS`, with one more (type, format) merged over them.
    fn defaults_with(t: Ty, f: Format) -> FormatMap {
        let mut m = FormatMap::defaults();
        m.merge(vec![(t, f)]);
        m
    }

    fn defaults() -> FormatMap {
        let p = |s: &str| Format::parse(s).unwrap_or_default();
        let mut array = p("%a");
        array.separator = Some(", ".into());
        array.separator2 = Some(", ".into());
        array.container = Some(FormatMap(vec![(Ty::Any, p("%p"))]));
        let mut hash = p("%h");
        hash.separator = Some(", ".into());
        hash.separator2 = Some(" => ".into());
        hash.container = Some(FormatMap(vec![(Ty::Any, p("%p"))]));
        FormatMap(vec![
            (Ty::Named("Object"), p("%p")),
            (Ty::Float(f64::NEG_INFINITY, f64::INFINITY), p("%f")),
            (Ty::Numeric, p("%d")),
            (Ty::Array(Box::new(Ty::Any), 0, MAXI), array),
            (
                Ty::Hash(Box::new(Ty::Any), Box::new(Ty::Any), 0, MAXI),
                hash,
            ),
            (Ty::Binary, p("%B")),
            (Ty::Any, p("%s")),
        ])
    }

    /// Merge `higher` over this map: entries for the same type are merged, entries this
    /// map has for types more specific than one `higher` names are dropped, and the result
    /// is sorted most specific first.
    fn merge(&mut self, higher: Vec<(Ty, Format)>) {
        let lower = std::mem::take(&mut self.0);
        let mut out: Vec<(Ty, Format)> = lower
            .into_iter()
            .filter(|(lt, _)| !higher.iter().any(|(ht, _)| ht != lt && ht.assignable(lt)))
            .collect();
        for (ht, hf) in higher {
            if let Some(slot) = out.iter_mut().find(|(t, _)| *t == ht) {
                let lf = std::mem::take(&mut slot.1);
                let mut merged = hf.clone();
                merged.separator = hf.separator.or(lf.separator);
                merged.separator2 = hf.separator2.or(lf.separator2);
                merged.container = match (lf.container, hf.container) {
                    (Some(mut l), Some(h)) => {
                        l.merge(h.0);
                        Some(l)
                    }
                    (l, h) => h.or(l),
                };
                slot.1 = merged;
            } else {
                out.push((ht, hf));
            }
        }
        sort_formats(&mut out);
        self.0 = out;
    }

    fn get(&self, t: &Ty) -> Format {
        self.0
            .iter()
            .find(|(k, _)| k.assignable(t))
            .map(|(_, f)| f.clone())
            .unwrap_or_else(|| Format::parse("%s").unwrap_or_default())
    }
}

fn type_rank(t: &Ty) -> u8 {
    match t {
        Ty::Struct(_) => 1,
        Ty::Hash(..) => 2,
        Ty::Tuple(..) => 3,
        Ty::Array(..) => 4,
        Ty::Pattern(_) => 10,
        Ty::Enum(..) => 11,
        Ty::String(..) => 12,
        _ => 0,
    }
}

fn sort_formats(v: &mut [(Ty, Format)]) {
    // A stable insertion sort: the order is only partial (disjoint types keep a rank or
    // name order), which slice sorts must not be given.
    for i in 1..v.len() {
        let mut j = i;
        while j > 0 && before(&v[j].0, &v[j - 1].0) {
            v.swap(j, j - 1);
            j -= 1;
        }
    }
}

/// Whether type `a` sorts before `b` (more specific first).
fn before(a: &Ty, b: &Ty) -> bool {
    if a == b {
        return false;
    }
    let ab = b.assignable(a);
    let ba = a.assignable(b);
    if ab && !ba {
        return true;
    }
    if !ab && ba {
        return false;
    }
    let (ra, rb) = (type_rank(a), type_rank(b));
    if ra == 0 || rb == 0 {
        a.to_string() < b.to_string()
    } else {
        ra < rb
    }
}

/// The format argument of `String(value, format)`: a format string or a hash of type to
/// format (a string, or for collections a hash of `format`, `separator`, `separator2`,
/// `string_formats`).
pub(crate) fn parse_format_arg(v: &Val, value: &Val) -> Result<FormatMap, String> {
    let mut map = FormatMap::defaults();
    let user: Vec<(Ty, Format)> = match v {
        Val::Default | Val::Undef => Vec::new(),
        Val::Str(s) => {
            let f = Format::parse(s)?;
            let vt = infer_set(value);
            let t = if Ty::Array(Box::new(Ty::Any), 0, MAXI).assignable(&vt) {
                Ty::Array(Box::new(Ty::Any), 0, MAXI)
            } else if Ty::Hash(Box::new(Ty::Any), Box::new(Ty::Any), 0, MAXI).assignable(&vt) {
                Ty::Hash(Box::new(Ty::Any), Box::new(Ty::Any), 0, MAXI)
            } else {
                vt
            };
            vec![(t, f)]
        }
        Val::Hash(_) => return Err("string conversion expects a Default value or a Hash of type to format mappings".into()),
        v => {
            return Err(format!(
                "string conversion expects a Default value or a Hash of type to format mappings, got a '{}'",
                v.type_name()
            ))
        }
    };
    map.merge(user);
    Ok(map)
}

/// A format hash given as the (type => format) pairs of a `Val::Hash` whose keys could
/// not be types (hash keys are strings in converge), so the caller passes them resolved.
pub(crate) fn format_map_from_pairs(pairs: Vec<(Ty, Val)>) -> Result<FormatMap, String> {
    let mut map = FormatMap::defaults();
    map.merge(user_pairs(pairs)?);
    Ok(map)
}

fn user_pairs(pairs: Vec<(Ty, Val)>) -> Result<Vec<(Ty, Format)>, String> {
    let mut out = Vec::new();
    for (t, v) in pairs {
        let f = match v {
            Val::Str(s) => Format::parse(&s)?,
            Val::Hash(h) => {
                for k in h.keys() {
                    if !["separator", "separator2", "format", "string_formats"]
                        .contains(&k.as_str().unwrap_or(""))
                    {
                        return Err(format!("only 'separator', 'separator2', 'format', 'string_formats' are allowed in a container format, got {}", to_s(&Val::Hash(h.clone()))));
                    }
                }
                let mut f = match h.get("format") {
                    Some(Val::Str(s)) => Format::parse(s)?,
                    _ => Format::parse("")?,
                };
                f.separator = h.get("separator").map(to_s);
                f.separator2 = h.get("separator2").map(to_s);
                f
            }
            v => {
                return Err(format!(
                    "expected a hash with type to format mappings, got instance of '{}'",
                    v.type_name()
                ))
            }
        };
        out.push((t, f));
    }
    Ok(out)
}

/// `String(value, format)`.
pub(crate) fn convert(v: &Val, map: FormatMap) -> Result<String, String> {
    let mut c = Converter { map };
    c.value(v, None)
}

struct Converter {
    map: FormatMap,
}

fn format_error(type_name: &str, actual: char, expected: &str) -> String {
    format!("Illegal format '{actual}' specified for value of {type_name} type - expected one of the characters '{expected}'")
}

fn is_container(t: &Ty) -> bool {
    matches!(
        t,
        Ty::Array(..) | Ty::Hash(..) | Ty::Struct(_) | Ty::Tuple(..)
    )
}

impl Converter {
    /// Convert `v` with the current map, or with `local` (a container's element formats)
    /// for a non-container value.
    fn value(&mut self, v: &Val, local: Option<&FormatMap>) -> Result<String, String> {
        let vt = infer_set(v);
        let map = match local {
            Some(l) if !is_container(&vt) => l.clone(),
            _ => self.map.clone(),
        };
        let f = map.get(&vt);
        match v {
            Val::Undef | Val::Collector(_) => Ok(f.pad(match f.conv {
                'n' => {
                    if f.alt {
                        "null"
                    } else {
                        "nil"
                    }
                }
                'u' => {
                    if f.alt {
                        "undefined"
                    } else {
                        "undef"
                    }
                }
                'd' | 'x' | 'X' | 'o' | 'b' | 'B' | 'e' | 'E' | 'f' | 'g' | 'G' | 'a' | 'A' => {
                    "NaN"
                }
                'v' => "n/a",
                'V' => "N/A",
                's' => {
                    if f.alt {
                        "\"\""
                    } else {
                        ""
                    }
                }
                'p' => {
                    if f.alt {
                        "\"undef\""
                    } else {
                        "undef"
                    }
                }
                c => return Err(format_error("Undef", c, "nudxXobBeEfgGaAvVsp")),
            })),
            Val::Default => Ok(f.pad(match f.conv {
                'd' | 's' | 'p' => {
                    if f.alt {
                        "\"default\""
                    } else {
                        "default"
                    }
                }
                'D' => {
                    if f.alt {
                        "\"Default\""
                    } else {
                        "Default"
                    }
                }
                c => return Err(format_error("Default", c, "dDsp")),
            })),
            Val::Bool(b) => self.boolean(*b, &f),
            Val::Int(i) => integer(*i, &f),
            Val::Float(x) => float(*x, &f),
            Val::Str(s) => string(s, &f),
            Val::Regex(r) => match f.conv {
                'p' => {
                    let s = format!("/{r}/");
                    Ok(if f.orig == "%p" {
                        s
                    } else {
                        f.with_conv('s').pad(&s)
                    })
                }
                's' => {
                    let s = if f.alt {
                        puppet_quote(r, false)
                    } else {
                        r.clone()
                    };
                    Ok(if f.orig == "%s" { s } else { f.pad(&s) })
                }
                c => Err(format_error("Regexp", c, "sp")),
            },
            Val::Array(a) => self.array(a, &f),
            Val::Iterator(_, a) => self.array(a, &f),
            Val::Hash(h) => self.hash(h, &f),
            Val::Type(_) | Val::Ref(_) => {
                let s = scalar_s(v);
                match f.conv {
                    's' => Ok(f.pad(&if f.alt { format!("\"{s}\"") } else { s })),
                    'p' => Ok(f.pad(&s)),
                    c => Err(format_error("Type", c, "sp")),
                }
            }
            Val::Binary(b) => binary(b, &f),
            Val::Sensitive(_) => Ok(f.pad("Sensitive [value redacted]")),
            Val::Timestamp(_) | Val::Timespan(_) => Ok(f.pad(&scalar_s(v))),
        }
    }

    fn boolean(&mut self, b: bool, f: &Format) -> Result<String, String> {
        let first = |s: &str, alt: bool| -> String {
            if alt {
                s.chars().next().map(String::from).unwrap_or_default()
            } else {
                s.to_string()
            }
        };
        Ok(match f.conv {
            't' => f.pad(&first(if b { "true" } else { "false" }, f.alt)),
            'T' => f.pad(&first(if b { "True" } else { "False" }, f.alt)),
            'y' => f.pad(&first(if b { "yes" } else { "no" }, f.alt)),
            'Y' => f.pad(&first(if b { "Yes" } else { "No" }, f.alt)),
            'd' | 'x' | 'X' | 'o' | 'b' | 'B' => integer(i64::from(b), f)?,
            'e' | 'E' | 'f' | 'g' | 'G' | 'a' | 'A' => float(if b { 1.0 } else { 0.0 }, f)?,
            's' | 'p' => f.pad(if b { "true" } else { "false" }),
            c => return Err(format_error("Boolean", c, "tTyYdxXobBeEfgGaAsp")),
        })
    }

    fn array(&mut self, a: &[Val], f: &Format) -> Result<String, String> {
        let sep = f.separator.clone().unwrap_or_else(|| ", ".into());
        let elems = f
            .container
            .clone()
            .unwrap_or_else(|| FormatMap(vec![(Ty::Any, Format::parse("%p").unwrap_or_default())]));
        let (open, close) = f.delimiters(("[", "]"));
        match f.conv {
            'a' | 's' | 'p' => {
                let mut out = String::from(open);
                for (i, v) in a.iter().enumerate() {
                    if i > 0 {
                        out.push_str(&sep);
                    }
                    out.push_str(&self.value(v, Some(&elems))?);
                }
                out.push_str(close);
                Ok(out)
            }
            c => Err(format_error("Array", c, "asp")),
        }
    }

    fn hash(&mut self, h: &super::value::Map, f: &Format) -> Result<String, String> {
        let sep = f.separator.clone().unwrap_or_else(|| ", ".into());
        let assoc = f.separator2.clone().unwrap_or_else(|| " => ".into());
        let elems = f
            .container
            .clone()
            .unwrap_or_else(|| FormatMap(vec![(Ty::Any, Format::parse("%p").unwrap_or_default())]));
        let (open, close) = f.delimiters(("{", "}"));
        match f.conv {
            'a' => {
                let pairs: Vec<Val> = h
                    .iter()
                    .map(|(k, v)| Val::Array(vec![k.0.clone(), v.clone()]))
                    .collect();
                self.value(&Val::Array(pairs), None)
            }
            'h' | 's' | 'p' => {
                let mut out = String::from(open);
                for (i, (k, v)) in h.iter().enumerate() {
                    if i > 0 {
                        out.push_str(&sep);
                    }
                    out.push_str(&self.value(&k.0, Some(&elems))?);
                    out.push_str(&assoc);
                    out.push_str(&self.value(v, Some(&elems))?);
                }
                out.push_str(close);
                Ok(out)
            }
            c => Err(format_error("Hash", c, "hasp")),
        }
    }
}

fn integer(i: i64, f: &Format) -> Result<String, String> {
    match f.conv {
        'd' | 'x' | 'X' | 'o' | 'b' | 'B' | 'p' => Ok(ruby_int(i, f)),
        'e' | 'E' | 'f' | 'g' | 'G' | 'a' | 'A' => Ok(ruby_float(i as f64, f)),
        'c' => {
            let c = u32::try_from(i)
                .ok()
                .and_then(char::from_u32)
                .map(String::from)
                .unwrap_or_default();
            let c = if f.alt { format!("\"{c}\"") } else { c };
            Ok(f.with_conv('s').pad(&c))
        }
        's' => {
            let s = i.to_string();
            let s = if f.alt { format!("\"{s}\"") } else { s };
            Ok(f.pad(&s))
        }
        c => Err(format_error("Integer", c, "dxXobBeEfgGaAspc")),
    }
}

fn float(x: f64, f: &Format) -> Result<String, String> {
    match f.conv {
        'd' | 'x' | 'X' | 'o' | 'b' | 'B' => Ok(ruby_int(x as i64, f)),
        'e' | 'E' | 'f' | 'g' | 'G' | 'a' | 'A' => Ok(ruby_float(x, f)),
        'p' => Ok(pad_to(&fmt_float(x), f.width, f.left, ' ')),
        's' => {
            let s = fmt_float(x);
            let s = if f.alt { format!("\"{s}\"") } else { s };
            Ok(f.pad(&s))
        }
        c => Err(format_error("Float", c, "dxXobBeEfgGaAsp")),
    }
}

fn string(s: &str, f: &Format) -> Result<String, String> {
    let alt_or = |c: String| -> String {
        if f.alt {
            f.pad(&puppet_quote(&c, false))
        } else {
            f.pad(&c)
        }
    };
    Ok(match f.conv {
        's' => f.pad(s),
        'p' => f.pad(&puppet_quote(s, f.alt)),
        'c' => {
            let mut cs = s.chars();
            let c = match cs.next() {
                Some(x) => x
                    .to_uppercase()
                    .chain(cs.flat_map(char::to_lowercase))
                    .collect(),
                None => String::new(),
            };
            alt_or(c)
        }
        'C' => alt_or(
            s.split("::")
                .map(|seg| {
                    let mut cs = seg.chars();
                    match cs.next() {
                        Some(x) => x
                            .to_uppercase()
                            .chain(cs.flat_map(char::to_lowercase))
                            .collect(),
                        None => String::new(),
                    }
                })
                .collect::<Vec<String>>()
                .join("::"),
        ),
        'u' => alt_or(s.to_uppercase()),
        'd' => alt_or(s.to_lowercase()),
        't' => alt_or(s.trim().to_string()),
        c => return Err(format_error("String", c, "cCudspt")),
    })
}

fn binary(b: &[u8], f: &Format) -> Result<String, String> {
    let text = |s: String| -> String {
        if f.alt {
            f.pad(&ruby_str_inspect(&s))
        } else {
            f.pad(&s)
        }
    };
    Ok(match f.conv {
        's' => match std::str::from_utf8(b) {
            Ok(s) => text(s.to_string()),
            Err(_) => return Err("binary data is not valid UTF-8".into()),
        },
        'p' => format!("Binary(\"{}\")", f.with_conv('s').pad(&base64(b))),
        'b' => text(relaxed_base64(b)),
        'B' => text(base64(b)),
        'u' => text(base64(b).replace('+', "-").replace('/', "_")),
        't' => text("Binary".into()),
        'T' => text("BINARY".into()),
        c => return Err(format_error("Binary", c, "bButTsp")),
    })
}

/// Base64 with a newline after every 60 characters (Ruby's `pack('m')`).
fn relaxed_base64(b: &[u8]) -> String {
    let s = base64(b);
    let mut out = String::new();
    for chunk in s.as_bytes().chunks(60) {
        out.push_str(std::str::from_utf8(chunk).unwrap_or(""));
        out.push('\n');
    }
    out
}

/// Ruby's `format` of an integer with `%d`, `%x`, `%X`, `%o`, `%b`, `%B` (and `%p`, which
/// is `%d` for integers), flags, width and precision.
pub(crate) fn ruby_int(i: i64, f: &Format) -> String {
    let (base, upper) = match f.conv {
        'x' => (16, false),
        'X' => (16, true),
        'o' => (8, false),
        'b' | 'B' => (2, false),
        _ => (10, false),
    };
    let explicit_sign = f.plus.is_some();
    let mut digits;
    let mut sign = String::new();
    if i < 0 && base != 10 && !explicit_sign {
        // Ruby shows negative numbers in two's complement: `..f01`.
        let mask = base as i64 - 1;
        let bits = (base as f64).log2() as u32;
        let mut n = i;
        let mut ds = Vec::new();
        while n != -1 {
            ds.push(std::char::from_digit((n & mask) as u32, base).unwrap_or('0'));
            n >>= bits;
        }
        ds.push(std::char::from_digit(mask as u32, base).unwrap_or('0'));
        ds.reverse();
        digits = format!("..{}", ds.into_iter().collect::<String>());
    } else {
        let m = i.unsigned_abs();
        digits = match base {
            16 => format!("{m:x}"),
            8 => format!("{m:o}"),
            2 => format!("{m:b}"),
            _ => m.to_string(),
        };
        if i < 0 {
            sign.push('-');
        } else if let Some(p) = f.plus {
            sign.push(p);
        }
    }
    if upper {
        digits = digits.to_uppercase();
    }
    if let Some(p) = f.prec {
        let n = digits.chars().count();
        if n < p {
            digits = format!("{}{digits}", "0".repeat(p - n));
        }
    }
    let prefix = if f.alt && i != 0 {
        match f.conv {
            'x' => "0x",
            'X' => "0X",
            'o' => "0",
            'b' => "0b",
            'B' => "0B",
            _ => "",
        }
    } else {
        ""
    };
    let body = format!("{prefix}{digits}");
    let len = sign.chars().count() + body.chars().count();
    match f.width {
        Some(w) if w > len => {
            if f.left {
                format!("{sign}{body}{}", " ".repeat(w - len))
            } else if f.zero && f.prec.is_none() {
                format!("{sign}{prefix}{}{digits}", "0".repeat(w - len))
            } else {
                format!("{}{sign}{body}", " ".repeat(w - len))
            }
        }
        _ => format!("{sign}{body}"),
    }
}

/// Ruby's `format` of a float with `%f`, `%e`, `%E`, `%g`, `%G` (and `%a`, written as
/// `%e`), flags, width and precision.
pub(crate) fn ruby_float(x: f64, f: &Format) -> String {
    let p = f.prec.unwrap_or(6);
    let neg = x.is_sign_negative() && x != 0.0 || (x == 0.0 && x.is_sign_negative());
    let a = x.abs();
    let body = if !x.is_finite() {
        if x.is_nan() {
            "NaN".to_string()
        } else {
            "Inf".to_string()
        }
    } else {
        match f.conv {
            'e' | 'E' | 'a' | 'A' => {
                let s = exp_form(a, p, f.alt);
                if f.conv == 'E' || f.conv == 'A' {
                    s.to_uppercase()
                } else {
                    s
                }
            }
            'g' | 'G' => {
                let p = if p == 0 { 1 } else { p };
                let exp = if a == 0.0 {
                    0
                } else {
                    let e = format!("{:.*e}", p - 1, a);
                    e.split_once('e')
                        .and_then(|(_, e)| e.parse::<i32>().ok())
                        .unwrap_or(0)
                };
                let mut s = if exp < -4 || exp >= p as i32 {
                    exp_form(a, p - 1, f.alt)
                } else {
                    format!("{:.*}", (p as i32 - 1 - exp).max(0) as usize, a)
                };
                if !f.alt {
                    s = strip_float_zeros(&s);
                }
                if f.conv == 'G' {
                    s.to_uppercase()
                } else {
                    s
                }
            }
            _ => {
                let s = format!("{a:.p$}");
                if f.alt && p == 0 {
                    format!("{s}.")
                } else {
                    s
                }
            }
        }
    };
    let sign = if neg {
        "-".to_string()
    } else {
        f.plus.map(String::from).unwrap_or_default()
    };
    let len = sign.chars().count() + body.chars().count();
    match f.width {
        Some(w) if w > len => {
            if f.left {
                format!("{sign}{body}{}", " ".repeat(w - len))
            } else if f.zero && x.is_finite() {
                format!("{sign}{}{body}", "0".repeat(w - len))
            } else {
                format!("{}{sign}{body}", " ".repeat(w - len))
            }
        }
        _ => format!("{sign}{body}"),
    }
}

/// `d.ddde+XX` with at least two exponent digits, as C and Ruby write it.
fn exp_form(a: f64, p: usize, alt: bool) -> String {
    let s = format!("{a:.p$e}");
    let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
    let e: i32 = e.parse().unwrap_or(0);
    let m = if alt && p == 0 {
        format!("{m}.")
    } else {
        m.to_string()
    };
    format!("{m}e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs())
}

/// `%g` drops trailing zeros of the fraction (and a bare point).
fn strip_float_zeros(s: &str) -> String {
    let (m, e) = match s.find('e') {
        Some(i) => (&s[..i], &s[i..]),
        None => (s, ""),
    };
    let m = if m.contains('.') {
        m.trim_end_matches('0').trim_end_matches('.')
    } else {
        m
    };
    format!("{m}{e}")
}

/// Ruby's `Kernel#format` for the `sprintf` function: `%s %p %d %i %u %f %e %E %g %G %x
/// %X %o %b %B %c %%` with flags, width and precision, and `%<name>s`/`%{name}` with a
/// hash argument.
pub(crate) fn ruby_sprintf(fmt: &str, args: &[Val]) -> Result<String, String> {
    let mut out = String::new();
    let cs: Vec<char> = fmt.chars().collect();
    let mut i = 0;
    let mut next = 0;
    while i < cs.len() {
        if cs[i] != '%' {
            out.push(cs[i]);
            i += 1;
            continue;
        }
        let start = i;
        i += 1;
        if i < cs.len() && cs[i] == '%' {
            out.push('%');
            i += 1;
            continue;
        }
        // `%{name}` and `%<name>` take a value from a hash argument.
        let mut named: Option<Val> = None;
        let mut spec = String::from("%");
        loop {
            match cs.get(i) {
                Some(c @ (' ' | '+' | '-' | '0' | '#')) => {
                    spec.push(*c);
                    i += 1;
                }
                Some(c @ ('{' | '<')) => {
                    let close = if *c == '{' { '}' } else { '>' };
                    let end = cs[i..]
                        .iter()
                        .position(|x| *x == close)
                        .ok_or("malformed name - unmatched parenthesis")?;
                    let name: String = cs[i + 1..i + end].iter().collect();
                    let Some(Val::Hash(h)) = args.first() else {
                        return Err("one hash required".into());
                    };
                    let v = h
                        .get(&name)
                        .cloned()
                        .ok_or_else(|| format!("key<{name}> not found"))?;
                    i += end + 1;
                    if *c == '{' {
                        out.push_str(&to_s(&v));
                        named = None;
                        spec.clear();
                        break;
                    }
                    named = Some(v);
                }
                _ => break,
            }
        }
        if spec.is_empty() {
            continue;
        }
        while let Some(c) = cs.get(i).filter(|c| c.is_ascii_digit() || **c == '.') {
            spec.push(*c);
            i += 1;
        }
        let Some(&conv) = cs.get(i) else {
            return Err("incomplete format specifier; use %% (double %) instead".into());
        };
        i += 1;
        spec.push(match conv {
            'i' | 'u' => 'd',
            c => c,
        });
        let arg = match named.take() {
            Some(v) => v,
            None => {
                let a = args.get(next).cloned().ok_or("too few arguments")?;
                next += 1;
                a
            }
        };
        let f = Format::parse(&spec).map_err(|_| {
            format!(
                "malformed format string - %{}",
                cs[start + 1..i].iter().collect::<String>()
            )
        })?;
        let num = |v: &Val| -> Result<Val, String> {
            match v {
                Val::Int(_) | Val::Float(_) => Ok(v.clone()),
                Val::Str(s) => super::value::parse_number(s.trim())
                    .ok_or_else(|| format!("invalid value for Integer(): \"{s}\"")),
                Val::Undef => Err("can't convert nil into Integer".into()),
                v => Err(format!("can't convert {} into Integer", v.type_name())),
            }
        };
        match f.conv {
            's' => out.push_str(&f.pad(&match &arg {
                // Ruby's Array#to_s and Hash#to_s are their inspect.
                Val::Array(_) | Val::Hash(_) => ruby_inspect(&arg),
                v => to_s(v),
            })),
            'p' => out.push_str(&f.pad(&ruby_inspect(&arg))),
            'd' | 'x' | 'X' | 'o' | 'b' | 'B' => {
                let n = match num(&arg)? {
                    Val::Int(n) => n,
                    Val::Float(x) => x.floor() as i64,
                    _ => 0,
                };
                out.push_str(&ruby_int(n, &f));
            }
            'f' | 'e' | 'E' | 'g' | 'G' | 'a' | 'A' => {
                let x = match num(&arg).map_err(|e| e.replace("Integer", "Float"))? {
                    Val::Int(n) => n as f64,
                    Val::Float(x) => x,
                    _ => 0.0,
                };
                out.push_str(&ruby_float(x, &f));
            }
            'c' => {
                let c = match &arg {
                    Val::Int(n) => u32::try_from(*n)
                        .ok()
                        .and_then(char::from_u32)
                        .map(String::from)
                        .unwrap_or_default(),
                    v => to_s(v).chars().next().map(String::from).unwrap_or_default(),
                };
                out.push_str(&f.pad(&c));
            }
            c => return Err(format!("malformed format string - %{c}")),
        }
    }
    Ok(out)
}

/// Ruby's `to_s` of a Puppet value, as messages that interpolate a value show it
/// (arrays and hashes as their `inspect`, `undef` empty).
pub(crate) fn ruby_to_s(v: &Val) -> String {
    match v {
        Val::Array(_) | Val::Hash(_) => ruby_inspect(v),
        v => to_s(v),
    }
}

/// Ruby's `String#inspect`: double quotes, Ruby's escapes, `#{` `#$` `#@` escaped.
fn ruby_str_inspect(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\u{1b}' => out.push_str("\\e"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{b}' => out.push_str("\\v"),
            '\u{c}' => out.push_str("\\f"),
            '#' if matches!(chars.peek(), Some('{' | '$' | '@')) => out.push_str("\\#"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\u{:04X}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Ruby's `inspect` of a Puppet value (what `%p` of `sprintf` writes).
pub(crate) fn ruby_inspect(v: &Val) -> String {
    match v {
        Val::Str(s) => ruby_str_inspect(s),
        Val::Undef => "nil".into(),
        Val::Default => ":default".into(),
        Val::Array(a) => format!(
            "[{}]",
            a.iter().map(ruby_inspect).collect::<Vec<_>>().join(", ")
        ),
        Val::Hash(h) => format!(
            "{{{}}}",
            h.iter()
                .map(|(k, v)| format!("{}=>{}", ruby_inspect(&k.0), ruby_inspect(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        v => to_s(v),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(f: &str, v: Val) -> String {
        let map = parse_format_arg(&Val::Str(f.into()), &v).unwrap();
        convert(&v, map).unwrap()
    }

    #[test]
    fn quoting_follows_puppet() {
        assert_eq!(puppet_quote("abc", false), "'abc'");
        assert_eq!(puppet_quote("a'b", false), r"'a\'b'");
        assert_eq!(puppet_quote("a\tb$", false), r#""a\tb\$""#);
        // Puppet's own quoting leaves a trailing backslash unescaped.
        assert_eq!(puppet_quote(r"a\", false), r"'a\'");
    }

    #[test]
    fn integer_and_float_formats() {
        assert_eq!(fmt("%05d", Val::Int(42)), "00042");
        assert_eq!(fmt("%x", Val::Int(255)), "ff");
        assert_eq!(fmt("%#x", Val::Int(255)), "0xff");
        assert_eq!(fmt("%x", Val::Int(-255)), "..f01");
        assert_eq!(fmt("%+d", Val::Int(5)), "+5");
        assert_eq!(fmt("%-5d", Val::Int(5)), "5    ");
        assert_eq!(fmt("%.2f", Val::Float(1.23456)), "1.23");
        assert_eq!(fmt("%e", Val::Float(12345.678)), "1.234568e+04");
        assert_eq!(fmt("%g", Val::Float(0.0001)), "0.0001");
        assert_eq!(fmt("%g", Val::Float(1234567.0)), "1.23457e+06");
        assert_eq!(fmt("%o", Val::Int(8)), "10");
        assert_eq!(fmt("%b", Val::Int(5)), "101");
    }

    #[test]
    fn containers_quote_their_strings() {
        let v = Val::Array(vec![Val::Int(1), Val::Str("x".into())]);
        assert_eq!(convert(&v, FormatMap::defaults()).unwrap(), "[1, 'x']");
        assert_eq!(to_s(&v), "[1, x]");
        assert_eq!(fmt("%(a", v), "(1, 'x')");
        assert_eq!(base64(b"hello"), "aGVsbG8=");
        assert_eq!(
            ruby_str_inspect("a\"b\\c\n\u{1}é#{x}"),
            r#""a\"b\\c\n\u0001é\#{x}""#
        );
    }
}
