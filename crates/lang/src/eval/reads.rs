//! What a compilation read of the inputs that differ between nodes: facts, by path, and the
//! node name. A caller compiling one manifest for many nodes gives one catalog to every
//! node that agrees on all of them (the fleet does; docs/scaling.md).
//!
//! The evaluator reports here from every place it reads such input: a top-scope fact
//! variable (`$osfamily`, `$::hostname`, and also one *not* found, since the result then
//! depends on the fact's absence), `$facts` (a read of the whole hash, unless indexed by
//! literal keys, which reads only that path), `$trusted` and `$clientcert` (the node
//! name), and node matching. A reader added later (Hiera's `%{facts.x}` and
//! `%{trusted.certname}`, a `fact()` function) reports through the same
//! [`Recorder`] methods: [`Recorder::fact_path`], [`Recorder::all_facts`],
//! [`Recorder::node_name`].

use super::value::{Map, Val};
use converge_catalog::Value;
use indexmap::IndexMap;
use std::cell::{Cell, RefCell};
use std::sync::Arc;

/// Facts as the top scope holds them (legacy flat names included), as plain data: what is
/// recorded must cross threads, and facts never hold the evaluator's non-data values.
type Facts = IndexMap<String, Value>;

/// The node-dependent inputs one compilation read ([`crate::Compiled::fact_reads`]).
///
/// Two compilations of the same manifest and modules, with the same options except facts
/// and node name, produce the same catalog (apart from its `node` field, which names the
/// node) and the same messages when the second node's inputs [`agree`](Self::agrees) with
/// what the first one read.
#[derive(Debug, Clone, Default)]
pub struct FactReads {
    /// Each fact path read and what was there: `None` when it was absent (its parent a
    /// hash, or a top-level fact missing); a path ends early where a value was not a hash.
    paths: Vec<(Vec<String>, Option<Value>)>,
    /// The whole `$facts` hash was read (passed on, iterated), as it was: only a node with
    /// the very same facts agrees.
    all_facts: Option<Facts>,
    /// Which facts exist (a hint naming the closest variable to an unknown one).
    fact_names: Option<Vec<String>>,
    /// What depended on the node name.
    node: NodeRead,
}

/// How a compilation depended on the node name.
#[derive(Debug, Clone, Default)]
enum NodeRead {
    /// Not at all (no node definitions, no `$trusted`, no `$clientcert`).
    #[default]
    Unread,
    /// Its node matched `node default` because it matched none of these names (lowercase)
    /// and regexes: any name that matches none of them compiles alike.
    FellToDefault {
        names: Vec<String>,
        regexes: Vec<Arc<converge_rubyre::Regex>>,
    },
    /// The name itself (a named node definition matched, `$trusted`, `$clientcert`).
    Name(String),
}

/// A node's inputs as the evaluator sees them, prepared once to be checked against many
/// [`FactReads`].
#[derive(Debug, Clone)]
pub struct NodeInputs {
    facts: Facts,
    node: String,
}

impl NodeInputs {
    /// `facts` (top-level facts, as given to the compiler) and `node_name` (as given;
    /// empty means the one the facts give).
    pub fn new(facts: &IndexMap<String, Value>, node_name: &str) -> NodeInputs {
        let mut facts = top_scope_facts(facts);
        let node = node_name_for(node_name, &facts);
        add_client_facts(&mut facts, &node);
        let facts = facts
            .iter()
            .map(|(k, v)| (k.text(), v.to_value()))
            .collect();
        NodeInputs { facts, node }
    }
}

impl FactReads {
    /// Whether a compilation with `facts` (top-level facts, as given to the compiler) and
    /// `node_name` (as given; empty means the one facts give) would read exactly what this
    /// one read, and so produce the same catalog.
    pub fn agrees(&self, facts: &IndexMap<String, Value>, node_name: &str) -> bool {
        self.agrees_with(&NodeInputs::new(facts, node_name))
    }

    /// [`FactReads::agrees`] for inputs prepared once.
    pub fn agrees_with(&self, inputs: &NodeInputs) -> bool {
        let (facts, node) = (&inputs.facts, &inputs.node);
        if self.all_facts.as_ref().is_some_and(|all| all != facts) {
            return false;
        }
        if self
            .fact_names
            .as_ref()
            .is_some_and(|names| *names != sorted_names(facts))
        {
            return false;
        }
        let node_agrees = match &self.node {
            NodeRead::Unread => true,
            NodeRead::Name(n) => n == node,
            NodeRead::FellToDefault { names, regexes } => {
                !node_candidates(node).iter().any(|c| names.contains(c))
                    && !regexes.iter().any(|r| r.is_match(node))
            }
        };
        node_agrees
            && self
                .paths
                .iter()
                .all(|(path, seen)| walk(facts, path) == Some(seen.as_ref()))
    }

    /// Whether other nodes can agree at all: nothing read the whole `$facts` hash or the
    /// node name itself.
    pub fn is_shareable(&self) -> bool {
        self.all_facts.is_none() && !matches!(self.node, NodeRead::Name(_))
    }

    /// The fact paths read, dotted (`os.family`), for showing.
    pub fn paths(&self) -> impl Iterator<Item = String> + '_ {
        self.paths.iter().map(|(p, _)| p.join("."))
    }
}

/// Where the evaluator reports what it reads; see the module documentation.
#[derive(Debug, Default)]
pub(crate) struct Recorder {
    reads: RefCell<FactReads>,
    /// Above zero while an expression that reports its own, narrower read is evaluated
    /// (`$facts['os']['family']` reads one path, not the whole hash).
    muted: Cell<u32>,
}

impl Recorder {
    /// A read of `path` in the top-scope facts (legacy flat names included), whose value
    /// is looked up in `facts` (the `$facts` hash the evaluator holds).
    pub(crate) fn fact_path(&self, facts: &Map, path: &[&str]) {
        if self.muted.get() > 0 {
            return;
        }
        // Down to where the evaluator's access stops: a value that is not a hash (the rest
        // of the path depends on it alone) or a missing key.
        let mut at: Vec<String> = Vec::with_capacity(path.len());
        let mut cur: Option<&Val> = None;
        for key in path {
            let next = match cur {
                None => facts.get(*key),
                Some(Val::Hash(h)) => h.get(*key),
                Some(_) => break,
            };
            at.push((*key).to_string());
            cur = next;
            if cur.is_none() {
                break;
            }
        }
        let seen = cur.map(Val::to_value);
        let mut reads = self.reads.borrow_mut();
        if !reads.paths.iter().any(|(p, _)| *p == at) {
            reads.paths.push((at, seen));
        }
    }

    /// A read of the whole facts hash, `facts`.
    pub(crate) fn all_facts(&self, facts: &Map) {
        if self.muted.get() > 0 {
            return;
        }
        let mut reads = self.reads.borrow_mut();
        if reads.all_facts.is_none() {
            reads.all_facts = Some(
                facts
                    .iter()
                    .map(|(k, v)| (k.text(), v.to_value()))
                    .collect(),
            );
        }
    }

    /// A read of which facts exist, not of their values.
    pub(crate) fn fact_names(&self, facts: &Map) {
        if self.muted.get() > 0 {
            return;
        }
        let mut reads = self.reads.borrow_mut();
        if reads.fact_names.is_none() {
            let mut names: Vec<String> = facts.keys().map(|k| k.text()).collect();
            names.sort_unstable();
            reads.fact_names = Some(names);
        }
    }

    /// A read of the node name itself.
    pub(crate) fn node_name(&self, name: &str) {
        self.reads.borrow_mut().node = NodeRead::Name(name.to_string());
    }

    /// The node fell to `node default`, having matched none of `names` and `regexes`.
    pub(crate) fn fell_to_default(
        &self,
        names: Vec<String>,
        regexes: Vec<Arc<converge_rubyre::Regex>>,
    ) {
        let mut reads = self.reads.borrow_mut();
        if !matches!(reads.node, NodeRead::Name(_)) {
            reads.node = NodeRead::FellToDefault { names, regexes };
        }
    }

    /// Until [`Recorder::unmute`], reads go unreported: an expression that reported its
    /// own, narrower read is being evaluated.
    pub(crate) fn mute(&self) {
        self.muted.set(self.muted.get() + 1);
    }

    /// Ends one [`Recorder::mute`].
    pub(crate) fn unmute(&self) {
        self.muted.set(self.muted.get().saturating_sub(1));
    }

    /// What was read.
    pub(crate) fn take(&self) -> FactReads {
        std::mem::take(&mut self.reads.borrow_mut())
    }
}

/// The value at `path` as [`Recorder::fact_path`] records it: `Some(None)` when the last
/// key is missing from a hash (or a top-level fact is missing), `None` when the walk cannot
/// reach the last key's parent as a hash (so the first node's record does not hold here).
fn walk<'a>(facts: &'a Facts, path: &[String]) -> Option<Option<&'a Value>> {
    let (last, parents) = path.split_last()?;
    let mut map = facts;
    for key in parents {
        match map.get(key) {
            Some(Value::Hash(h)) => map = h,
            _ => return None,
        }
    }
    Some(map.get(last))
}

fn sorted_names(facts: &Facts) -> Vec<String> {
    let mut names: Vec<String> = facts.keys().cloned().collect();
    names.sort_unstable();
    names
}

/// The facts as the top scope holds them: given ones plus Puppet 7's legacy flat names.
pub(crate) fn top_scope_facts(facts: &IndexMap<String, Value>) -> Map {
    let mut out: Map = facts
        .iter()
        .map(|(k, v)| (k.as_str().into(), Val::from_value(v)))
        .collect();
    super::add_legacy_facts(&mut out);
    out
}

/// The version of Puppet whose language converge evaluates: `$clientversion`, which
/// modules compare with `versioncmp` (concat's fragments do).
pub(crate) const PUPPET_VERSION: &str = "7.23.0";

/// The facts `puppet apply` adds to the host's (`Puppet::Node::Facts#add_local_facts`):
/// `clientcert` (the node name), `clientversion` and `clientnoop`, over any given. `clientnoop` is false
/// in dry runs too, unlike Puppet's: a plan compiles the catalog that the apply will run,
/// or it would not show what the apply does.
pub(crate) fn add_client_facts(facts: &mut Map, node: &str) {
    for (k, v) in [
        ("clientcert", Val::Str(node.to_string())),
        ("clientversion", Val::Str(PUPPET_VERSION.into())),
        ("clientnoop", Val::Bool(false)),
    ] {
        facts.insert(k.into(), v);
    }
}

/// The node name a compilation uses: the given one (lowercase), else the fqdn or hostname
/// fact, else `localhost`.
pub(crate) fn node_name_for(given: &str, facts: &Map) -> String {
    if !given.is_empty() {
        return given.to_lowercase();
    }
    ["fqdn", "hostname"]
        .iter()
        .find_map(|k| match facts.get(*k) {
            Some(Val::Str(s)) if !s.is_empty() => Some(s.to_lowercase()),
            _ => None,
        })
        .unwrap_or_else(|| "localhost".into())
}

/// The names node definitions are matched against: the name, then without its last
/// domain part, and so on (`web-01.example.com`, `web-01.example`, `web-01`).
pub(crate) fn node_candidates(name: &str) -> Vec<String> {
    let mut candidates = vec![name.to_string()];
    let mut n = name;
    while let Some((head, _)) = n.rsplit_once('.') {
        candidates.push(head.to_string());
        n = head;
    }
    candidates
}
