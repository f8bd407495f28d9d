//! Rendering through the system's Ruby: the protocol with `server.rb`, one Ruby process
//! serving every template of a compile that the native renderer declines.
//!
//! The caller (the converge crate, which may spawn processes) starts
//! `ruby -e `[`SERVER_RB`] and hands its pipes to [`Session::render`]. Messages are JSON
//! lines. converge sends `{"render": {name, file, source, vars}}`; Ruby answers with
//! `done`/`error`/`aborted`, asking first whatever the template asks its scope
//! (`lookup`, `exists`, `set`, `call`), which the session answers from the [`Host`].
//! Values travel tagged (`$sym`, `$hash` with any keys, `$re`, `$obj`); an Array, Hash or
//! String sent before is sent again as `$ref`, so a compile sends its facts once.

use crate::value::{self, Object, Value};
use crate::{Host, HostError, Position, RenderError};
use serde_json::{json, Map, Value as Json};
use std::collections::HashMap;
use std::io::{BufRead, Write};
use std::rc::Rc;

/// The Ruby program of the fallback process.
pub const SERVER_RB: &str = include_str!("server.rb");

/// Something that renders templates the native renderer declines: the converge layer
/// provides it (a Ruby child process); the compiler only calls it.
pub trait Fallback {
    /// Render `source` (`name` for messages, `file` for the template's `file`) with the
    /// variables `vars`, answering the template's questions from `host`.
    fn render(
        &mut self,
        name: &str,
        file: Option<&str>,
        source: &str,
        vars: Vec<(String, Value)>,
        host: &mut dyn Host,
    ) -> Result<String, RenderError>;
}

/// Starts a [`Fallback`] for one compile (lazily, on the first declined template).
pub trait FallbackFactory: Send + Sync + std::fmt::Debug {
    /// Start it, or say why not (no Ruby installed).
    fn start(&self) -> Result<Box<dyn Fallback>, String>;
}

/// Encodes values, remembering compound ones already sent.
#[derive(Default)]
pub struct Encoder {
    sent: HashMap<usize, u64>,
    keep: Vec<Value>,
}

impl Encoder {
    fn identity(v: &Value) -> Option<usize> {
        match v {
            Value::Str(s) => Some(Rc::as_ptr(s) as *const u8 as usize),
            Value::Array(a) => Some(Rc::as_ptr(a) as *const u8 as usize),
            Value::Hash(h) => Some(Rc::as_ptr(h) as *const u8 as usize),
            _ => None,
        }
    }

    /// Encode a value; `share` lets it be referenced later (variables), otherwise it is
    /// sent as a plain copy (answers to questions).
    pub fn encode(&mut self, v: &Value, share: bool) -> Json {
        if share {
            if let Some(id) = Self::identity(v) {
                if let Some(r) = self.sent.get(&id) {
                    return json!({ "$ref": r });
                }
                let n = self.sent.len() as u64;
                self.sent.insert(id, n);
                // Keep it alive so that its address is never reused in this session.
                self.keep.push(v.clone());
                let inner = self.plain(v, 0);
                return json!({ "$def": n, "v": inner });
            }
        }
        self.plain(v, 0)
    }

    fn plain(&mut self, v: &Value, depth: usize) -> Json {
        if depth > 200 {
            return Json::Null;
        }
        match v {
            Value::Nil => Json::Null,
            Value::Bool(b) => Json::Bool(*b),
            Value::Int(i) => json!(i),
            Value::Float(f) if f.is_finite() => json!(f),
            Value::Float(f) => json!({ "$float": value::float_to_s(*f) }),
            Value::Str(s) => Json::String(s.borrow().clone()),
            Value::Sym(s) => json!({ "$sym": &**s }),
            Value::Array(a) => Json::Array(
                a.borrow()
                    .iter()
                    .map(|x| self.plain(x, depth + 1))
                    .collect(),
            ),
            Value::Hash(h) => {
                let pairs: Vec<Json> = h
                    .borrow()
                    .map
                    .iter()
                    .map(|(k, x)| {
                        Json::Array(vec![
                            self.plain(&k.to_value(), depth + 1),
                            self.plain(x, depth + 1),
                        ])
                    })
                    .collect();
                json!({ "$hash": pairs })
            }
            Value::Regexp(r) => json!({ "$re": r.source, "opts": r.options }),
            Value::Range(r) => {
                json!({ "$range": [self.plain(&r.start, depth + 1), self.plain(&r.end, depth + 1), r.exclusive] })
            }
            Value::Match(_) => Json::Null,
            Value::Object(o) => match &**o {
                Object::Opaque { class, to_s } => json!({ "$obj": class, "s": to_s }),
                _ => json!({ "$obj": v.class_of().name(), "s": value::to_s(v) }),
            },
        }
    }
}

/// Decode a value Ruby sent.
pub fn decode(j: &Json) -> Value {
    match j {
        Json::Null => Value::Nil,
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => match n.as_i64() {
            Some(i) => Value::Int(i),
            None => Value::Float(n.as_f64().unwrap_or(0.0)),
        },
        Json::String(s) => Value::str(s),
        Json::Array(a) => Value::array(a.iter().map(decode).collect()),
        Json::Object(o) => {
            if let Some(Json::Array(pairs)) = o.get("$hash") {
                let mut map = indexmap::IndexMap::new();
                for p in pairs {
                    if let Json::Array(kv) = p {
                        if kv.len() == 2 {
                            map.insert(decode(&kv[0]).to_key(), decode(&kv[1]));
                        }
                    }
                }
                return Value::hash(map);
            }
            if let Some(Json::String(s)) = o.get("$sym") {
                return Value::sym(s);
            }
            if let Some(Json::String(s)) = o.get("$float") {
                return Value::Float(match s.as_str() {
                    "Infinity" => f64::INFINITY,
                    "-Infinity" => f64::NEG_INFINITY,
                    _ => f64::NAN,
                });
            }
            if let Some(Json::String(src)) = o.get("$re") {
                let opts = o.get("opts").and_then(Json::as_u64).unwrap_or(0) as u32;
                if let Ok(re) = crate::rregex::compile(src, opts) {
                    return Value::Regexp(Rc::new(re));
                }
                return Value::Nil;
            }
            if let Some(Json::String(class)) = o.get("$obj") {
                let s = o.get("s").and_then(Json::as_str).unwrap_or("");
                return Value::opaque(class, s);
            }
            // A plain JSON object (facts given as JSON): a Hash with string keys.
            plain_object(o)
        }
    }
}

fn plain_object(o: &Map<String, Json>) -> Value {
    Value::hash(
        o.iter()
            .map(|(k, v)| (Value::str(k).to_key(), decode(v)))
            .collect(),
    )
}

/// Plain JSON data (no tags) as Ruby values: null is nil, objects are Hashes.
pub fn from_json(j: &Json) -> Value {
    match j {
        Json::Object(o) => plain_object(o),
        Json::Array(a) => Value::array(a.iter().map(from_json).collect()),
        other => decode(other),
    }
}

/// The I/O errors of a session, as the render error the caller reports.
fn broken(e: impl std::fmt::Display) -> RenderError {
    RenderError::Fallback(e.to_string())
}

/// One fallback process's conversation.
#[derive(Default)]
pub struct Session {
    enc: Encoder,
}

impl Session {
    /// A new session (for a new process).
    pub fn new() -> Self {
        Session::default()
    }

    /// Render one template over the process's pipes.
    #[allow(clippy::too_many_arguments)]
    pub fn render(
        &mut self,
        input: &mut dyn BufRead,
        output: &mut dyn Write,
        name: &str,
        file: Option<&str>,
        source: &str,
        vars: Vec<(String, Value)>,
        host: &mut dyn Host,
    ) -> Result<String, RenderError> {
        let mut encoded = Map::new();
        for (k, v) in &vars {
            encoded.insert(k.clone(), self.enc.encode(v, true));
        }
        let req =
            json!({ "render": { "name": name, "file": file, "source": source, "vars": encoded } });
        writeln!(output, "{req}").map_err(broken)?;
        output.flush().map_err(broken)?;
        let mut aborted = false;
        loop {
            let mut line = String::new();
            let n = input.read_line(&mut line).map_err(broken)?;
            if n == 0 {
                return Err(broken("it exited"));
            }
            let msg: Json = serde_json::from_str(&line).map_err(broken)?;
            if let Some(Json::String(out)) = msg.get("done") {
                return Ok(out.clone());
            }
            if msg.get("aborted").is_some() {
                return Err(RenderError::Host);
            }
            if let Some(e) = msg.get("error") {
                if aborted {
                    return Err(RenderError::Host);
                }
                let s = |k: &str| e.get(k).and_then(Json::as_str).unwrap_or("").to_string();
                let line = e.get("line").and_then(Json::as_u64).unwrap_or(0) as u32;
                return Err(RenderError::Raised {
                    at: Position { line, column: 1 },
                    class: s("class"),
                    message: s("message"),
                });
            }
            let reply = if let Some(Json::String(n)) = msg.get("lookup") {
                let v = host.lookup(n);
                json!({ "value": self.enc.encode(&v, false) })
            } else if let Some(Json::String(n)) = msg.get("exists") {
                json!({ "value": host.exists(n) })
            } else if let Some(Json::String(n)) = msg.get("set") {
                let v = decode(msg.get("value").unwrap_or(&Json::Null));
                match host.set(n, v) {
                    Ok(()) => json!({ "value": null }),
                    Err(HostError::Raise(m)) => json!({ "raise": m }),
                    Err(HostError::Abort) => {
                        aborted = true;
                        json!({ "abort": true })
                    }
                }
            } else if let Some(Json::String(f)) = msg.get("call") {
                let args = match msg.get("args") {
                    Some(Json::Array(a)) => a.iter().map(decode).collect(),
                    _ => Vec::new(),
                };
                match host.call(f, args) {
                    Ok(v) => json!({ "value": self.enc.encode(&v, false) }),
                    Err(HostError::Raise(m)) => json!({ "raise": m }),
                    Err(HostError::Abort) => {
                        aborted = true;
                        json!({ "abort": true })
                    }
                }
            } else {
                return Err(broken(format!("an unexpected message {line}")));
            };
            writeln!(output, "{reply}").map_err(broken)?;
            output.flush().map_err(broken)?;
        }
    }
}
