//! A template scope that answers from what Puppet answered when it rendered the same
//! template (recorded by `tests/puppet/capture.rb`), in order, noting any difference.
//! Shared by the differential test and the `routes` example.

#![allow(dead_code)]

use converge_erb::{wire, Host, HostError, Value};
use serde_json::Value as Json;

/// The recorded scope of one render.
pub(crate) struct Replay {
    vars: indexmap::IndexMap<String, Value>,
    events: Vec<Json>,
    /// The next recorded question.
    pub(crate) next: usize,
    /// Everything asked that Puppet's template did not ask.
    pub(crate) problems: Vec<String>,
}

impl Replay {
    /// The scope of a recorded case.
    pub(crate) fn new(case: &Json) -> Self {
        Replay {
            vars: case["vars"]
                .as_object()
                .map(|o| {
                    o.iter()
                        .map(|(k, v)| (k.clone(), wire::decode(v)))
                        .collect()
                })
                .unwrap_or_default(),
            events: case["events"].as_array().cloned().unwrap_or_default(),
            next: 0,
            problems: Vec::new(),
        }
    }

    /// Ready to answer the same render again.
    pub(crate) fn reset(&mut self) {
        self.next = 0;
        self.problems.clear();
    }

    /// How many questions Puppet's template asked.
    pub(crate) fn recorded(&self) -> usize {
        self.events.len()
    }

    fn expect(&mut self, kind: &str, name: &str) -> Option<Json> {
        let Some(e) = self.events.get(self.next).cloned() else {
            self.problems.push(format!(
                "asked {kind} {name:?}, which Puppet's template did not"
            ));
            return None;
        };
        self.next += 1;
        if e.get(kind).and_then(Json::as_str) != Some(name) {
            self.problems
                .push(format!("asked {kind} {name:?} where Puppet's asked {e}"));
            return None;
        }
        Some(e)
    }
}

fn encode(v: &Value) -> Json {
    wire::Encoder::default().encode(v, false)
}

impl Host for Replay {
    fn var(&mut self, name: &str) -> Option<Value> {
        self.vars.get(name).filter(|v| !v.is_nil()).cloned()
    }
    fn lookup(&mut self, name: &str) -> Value {
        self.expect("lookup", name)
            .map_or(Value::Nil, |e| wire::decode(&e["value"]))
    }
    fn exists(&mut self, name: &str) -> bool {
        self.expect("exists", name)
            .is_some_and(|e| e["value"].as_bool() == Some(true))
    }
    fn set(&mut self, name: &str, value: Value) -> Result<(), HostError> {
        if let Some(e) = self.expect("set", name) {
            if e["value"] != encode(&value) {
                self.problems.push(format!(
                    "set {name} to {} where Puppet's set {}",
                    encode(&value),
                    e["value"]
                ));
            }
        }
        Ok(())
    }
    fn call(&mut self, name: &str, args: Vec<Value>) -> Result<Value, HostError> {
        let Some(e) = self.expect("call", name) else {
            return Err(HostError::Abort);
        };
        let got = encode(&Value::array(args));
        if e["args"] != got {
            self.problems.push(format!(
                "called {name} with {got} where Puppet's passed {}",
                e["args"]
            ));
        }
        match e.get("raise").and_then(Json::as_str) {
            Some(m) => Err(HostError::Raise(m.to_string())),
            None => Ok(wire::decode(&e["value"])),
        }
    }
    fn vars(&mut self) -> Vec<(String, Value)> {
        self.vars
            .iter()
            .filter(|(_, v)| !v.is_nil())
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }
}
