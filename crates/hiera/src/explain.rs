//! What a lookup tried, as a tree, printed in the words and layout of
//! `puppet lookup --explain` (Puppet's `Lookup::Explainer`), so that the two can be read
//! side by side.

use crate::merge::Merge;
use converge_catalog::Value;

#[derive(Debug, Clone)]
enum Kind {
    Root,
    /// `Searching for "key"` (a data or lookup_options search).
    Top(String),
    InvalidKey(String),
    /// A layer or hierarchy level: its name and configuration file.
    Provider {
        name: String,
        config: Option<String>,
    },
    Merge(Merge),
    Location {
        path: String,
        original: String,
    },
    SubLookup(Vec<String>),
    Segment,
    Scope(String),
    Interpolate(String),
    MergeSource(String),
    ModuleNotFound(String),
    ModuleProviderNotFound(String),
}

#[derive(Debug, Clone, PartialEq)]
enum Event {
    Found,
    NotFound,
    LocationNotFound,
    Result,
}

#[derive(Debug, Clone)]
struct Node {
    kind: Kind,
    parent: usize,
    branches: Vec<usize>,
    event: Option<Event>,
    key: String,
    value: Value,
    texts: Vec<String>,
}

/// The record of one or more lookups. Pass one to [`crate::Hiera::lookup`] and print it
/// with [`Explainer::explain`].
#[derive(Debug, Clone)]
pub struct Explainer {
    nodes: Vec<Node>,
    current: usize,
}

impl Default for Explainer {
    fn default() -> Self {
        Explainer {
            nodes: vec![Node {
                kind: Kind::Root,
                parent: 0,
                branches: Vec::new(),
                event: None,
                key: String::new(),
                value: Value::Undef,
                texts: Vec::new(),
            }],
            current: 0,
        }
    }
}

impl Explainer {
    /// An empty record.
    pub fn new() -> Self {
        Self::default()
    }

    fn add(&mut self, kind: Kind) -> usize {
        let id = self.nodes.len();
        self.nodes.push(Node {
            kind,
            parent: self.current,
            branches: Vec::new(),
            event: None,
            key: String::new(),
            value: Value::Undef,
            texts: Vec::new(),
        });
        let cur = self.current;
        self.nodes[cur].branches.push(id);
        id
    }

    fn push(&mut self, kind: Kind) {
        self.current = self.add(kind);
    }

    pub(crate) fn pop(&mut self) {
        self.current = self.nodes[self.current].parent;
    }

    pub(crate) fn push_top(&mut self, key: &str) {
        self.push(Kind::Top(key.to_string()));
    }
    pub(crate) fn invalid_key(&mut self, key: &str) {
        self.add(Kind::InvalidKey(key.to_string()));
    }
    pub(crate) fn push_provider(&mut self, name: String, config: Option<String>) {
        self.push(Kind::Provider { name, config });
    }
    pub(crate) fn push_merge(&mut self, m: &Merge) {
        self.push(Kind::Merge(m.clone()));
    }
    pub(crate) fn push_location(&mut self, path: String, original: String) {
        self.push(Kind::Location { path, original });
    }
    pub(crate) fn push_sub_lookup(&mut self, segs: Vec<String>) {
        self.push(Kind::SubLookup(segs));
    }
    pub(crate) fn push_segment(&mut self) {
        self.push(Kind::Segment);
    }
    pub(crate) fn push_scope(&mut self, name: &str) {
        self.push(Kind::Scope(name.to_string()));
    }
    pub(crate) fn push_interpolate(&mut self, expr: &str) {
        self.push(Kind::Interpolate(expr.to_string()));
    }
    pub(crate) fn merge_source(&mut self, src: &str) {
        self.add(Kind::MergeSource(src.to_string()));
    }
    pub(crate) fn module_not_found(&mut self, m: &str) {
        self.add(Kind::ModuleNotFound(m.to_string()));
    }
    pub(crate) fn module_provider_not_found(&mut self, m: &str) {
        self.add(Kind::ModuleProviderNotFound(m.to_string()));
    }
    pub(crate) fn found(&mut self, key: &str, v: &Value) {
        let n = &mut self.nodes[self.current];
        n.key = key.to_string();
        n.value = v.clone();
        n.event = Some(Event::Found);
    }
    pub(crate) fn not_found(&mut self, key: &str) {
        let n = &mut self.nodes[self.current];
        n.key = key.to_string();
        n.event = Some(Event::NotFound);
    }
    pub(crate) fn location_not_found(&mut self) {
        self.nodes[self.current].event = Some(Event::LocationNotFound);
    }
    pub(crate) fn result(&mut self, v: &Value) {
        let n = &mut self.nodes[self.current];
        n.value = v.clone();
        n.event = Some(Event::Result);
    }
    /// Add a line of text at the current place (`convert_to` notes).
    pub fn text(&mut self, t: String) {
        let cur = self.current;
        self.nodes[cur].texts.push(t);
    }

    /// The explanation, as `puppet lookup --explain` prints it.
    pub fn explain(&self) -> String {
        let mut out = String::new();
        self.dump(0, &mut out, "", "");
        out
    }

    fn dump_texts(&self, id: usize, out: &mut String, indent: &str) {
        for t in &self.nodes[id].texts {
            out.push_str(indent);
            out.push_str(t);
            out.push('\n');
        }
    }

    fn dump_outcome(&self, id: usize, out: &mut String, indent: &str) {
        let n = &self.nodes[id];
        match n.event {
            Some(Event::NotFound) => {
                out.push_str(&format!("{indent}No such key: \"{}\"\n", n.key));
            }
            Some(Event::Found) => {
                out.push_str(&format!("{indent}Found key: \"{}\" value: ", n.key));
                dump_value(out, indent, &n.value);
                out.push('\n');
            }
            _ => {}
        }
        self.dump_texts(id, out, indent);
    }

    fn branches(&self, id: usize, out: &mut String, indent: &str) {
        for &b in &self.nodes[id].branches {
            self.dump(b, out, indent, indent);
        }
    }

    fn dump(&self, id: usize, out: &mut String, indent: &str, first: &str) {
        let n = &self.nodes[id];
        let inner = format!("{indent}  ");
        match &n.kind {
            Kind::Root => {
                for &b in &n.branches {
                    self.dump(b, out, indent, first);
                }
                self.dump_texts(id, out, indent);
            }
            Kind::Top(key) => {
                out.push_str(&format!("{first}Searching for \"{key}\"\n"));
                self.branches(id, out, &inner);
            }
            Kind::InvalidKey(key) => out.push_str(&format!("{first}Invalid key \"{key}\"\n")),
            Kind::Provider { name, config } => {
                out.push_str(&format!("{first}{name}\n"));
                if let Some(c) = config {
                    out.push_str(&format!("{inner}Using configuration \"{c}\"\n"));
                }
                self.branches(id, out, &inner);
                self.dump_outcome(id, out, &inner);
            }
            Kind::Merge(m) => {
                match n.branches.len() {
                    0 => return,
                    1 => return self.dump(n.branches[0], out, indent, first),
                    _ => {}
                }
                out.push_str(&format!("{first}Merge strategy {}\n", m.name()));
                if let Some(o) = m.options() {
                    out.push_str(&format!("{inner}Options: "));
                    dump_value(out, &inner, &o);
                    out.push('\n');
                }
                self.branches(id, out, &inner);
                if n.event == Some(Event::Result) {
                    out.push_str(&format!("{inner}Merged result: "));
                    dump_value(out, &inner, &n.value);
                    out.push('\n');
                }
            }
            Kind::Location { path, original } => {
                out.push_str(&format!("{indent}Path \"{path}\"\n"));
                out.push_str(&format!("{inner}Original path: \"{original}\"\n"));
                self.branches(id, out, &inner);
                if n.event == Some(Event::LocationNotFound) {
                    out.push_str(&format!("{inner}Path not found\n"));
                }
                self.dump_outcome(id, out, &inner);
            }
            Kind::SubLookup(segs) => {
                out.push_str(&format!("{indent}Sub key: \"{}\"\n", segs.join(".")));
                self.branches(id, out, &inner);
                self.dump_outcome(id, out, &inner);
            }
            Kind::Segment => self.dump_outcome(id, out, indent),
            Kind::Scope(name) => {
                out.push_str(&format!("{indent}{name}\n"));
                self.branches(id, out, &inner);
                self.dump_outcome(id, out, &inner);
            }
            Kind::Interpolate(expr) => {
                out.push_str(&format!("{first}Interpolation on \"{expr}\"\n"));
                self.branches(id, out, &inner);
            }
            Kind::MergeSource(src) => {
                out.push_str(&format!("{first}Using merge options from \"{src}\" hash\n"));
            }
            Kind::ModuleNotFound(m) => out.push_str(&format!("{indent}Module \"{m}\" not found\n")),
            Kind::ModuleProviderNotFound(m) => out.push_str(&format!(
                "{indent}Module data provider for module \"{m}\" not found\n"
            )),
        }
    }
}

/// A value as Ruby's `inspect` shows it, hashes and arrays one entry a line.
pub(crate) fn dump_value(out: &mut String, indent: &str, v: &Value) {
    let inner = format!("{indent}  ");
    match v {
        Value::Hash(h) => {
            out.push('{');
            if !h.is_empty() {
                let mut sep = "\n";
                for (k, v) in h {
                    out.push_str(sep);
                    out.push_str(&inner);
                    out.push_str(&ruby_str(k));
                    out.push_str(" => ");
                    dump_value(out, &inner, v);
                    sep = ",\n";
                }
                out.push('\n');
                out.push_str(indent);
            }
            out.push('}');
        }
        Value::Array(a) => {
            out.push('[');
            if !a.is_empty() {
                let mut sep = "\n";
                for v in a {
                    out.push_str(sep);
                    out.push_str(&inner);
                    dump_value(out, &inner, v);
                    sep = ",\n";
                }
                out.push('\n');
                out.push_str(indent);
            }
            out.push(']');
        }
        v => out.push_str(&ruby_inspect(v)),
    }
}

/// Ruby's `inspect` of a scalar.
pub(crate) fn ruby_inspect(v: &Value) -> String {
    match v {
        Value::Undef => "nil".into(),
        Value::Bool(b) => b.to_string(),
        Value::Integer(i) => i.to_string(),
        Value::Float(f) => ruby_float(*f),
        Value::String(s) => ruby_str(s),
        Value::Sensitive(_) => "#<Sensitive [value redacted]>".into(),
        v => ruby_str(&v.to_string()),
    }
}

/// Ruby's `Float#to_s`: `1.0`, `0.5`, `1.0e+20`, `Infinity`.
pub(crate) fn ruby_float(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 {
            "Infinity".into()
        } else {
            "-Infinity".into()
        };
    }
    let a = f.abs();
    if a != 0.0 && !(1e-4..1e16).contains(&a) {
        let s = format!("{f:e}");
        let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
        let m = if m.contains('.') {
            m.to_string()
        } else {
            format!("{m}.0")
        };
        let e: i32 = e.parse().unwrap_or(0);
        return format!("{m}e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs());
    }
    let s = format!("{f}");
    if s.contains('.') {
        s
    } else {
        format!("{s}.0")
    }
}

/// Ruby's `String#inspect`.
pub(crate) fn ruby_str(s: &str) -> String {
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
            '#' if matches!(chars.peek(), Some('{' | '$' | '@')) => out.push_str("\\#"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02X}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
