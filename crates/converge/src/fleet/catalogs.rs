//! Catalogs shared between nodes whose compile would be identical.
//!
//! A catalog is a function of the manifest, the modules, the facts the evaluation actually
//! read and, where node definitions or `$trusted` come in, the node name. The evaluator
//! records those reads ([`converge_lang::FactReads`]); a node whose facts and name agree
//! with one compile's reads gets that compile's outcome (catalog, warnings, messages, or
//! the same errors), named for itself, instead of compiling again. Role-based fleets whose
//! manifests read `os.family` or a role fact, not the hostname, compile once per role.

use crate::compile::{check_with_facts, facts, Checked, CompileRequest};
use converge_lang::NodeInputs;
use std::sync::{Arc, Mutex};

/// One compile, kept for the nodes that agree with it.
pub(crate) struct Compiled {
    /// The node it was compiled for.
    pub(crate) node: String,
    /// What came out (the catalog is named for `node`).
    pub(crate) checked: Checked,
}

/// How many compiles are kept. Role-based fleets have a few distinct ones; a manifest that
/// reads each host's name has as many as hosts, and keeping them all would hold every
/// catalog of a 10,000-host run in memory and make each look-up scan them all. Past this,
/// the oldest compile no node has reused makes room.
const KEPT: usize = 256;

/// The compiles of one fleet run.
#[derive(Default)]
pub(crate) struct Catalogs {
    /// Each kept compile and whether a node reused it.
    entries: Mutex<Vec<(Arc<Compiled>, bool)>>,
}

/// A node's compile: its own, or one it shares.
pub(crate) struct Outcome {
    /// The compile.
    pub(crate) compiled: Arc<Compiled>,
    /// Whether another node's compile was reused.
    pub(crate) shared: bool,
}

impl Catalogs {
    /// The compile of `req` (its facts and node set): a kept one whose reads agree, or a
    /// new one, kept for the nodes to come. Nodes that reach here at the same moment may
    /// each compile: a compile is milliseconds, and no lock is held while it runs.
    pub(crate) fn get(&self, req: &CompileRequest) -> Outcome {
        let node = req.node.clone().unwrap_or_default();
        let facts = match facts(req) {
            Ok(f) => f,
            // `check` words the error; nothing to share.
            Err(_) => {
                return Outcome {
                    compiled: Arc::new(Compiled {
                        node,
                        checked: crate::check(req),
                    }),
                    shared: false,
                }
            }
        };
        let inputs = NodeInputs::new(facts.as_map(), &node);
        {
            let mut entries = self.lock();
            let found = entries
                .iter_mut()
                .find(|(c, _)| c.checked.fact_reads.agrees_with(&inputs));
            if let Some((compiled, reused)) = found {
                *reused = true;
                return Outcome {
                    compiled: compiled.clone(),
                    shared: true,
                };
            }
        }
        let mut checked = Checked::default();
        check_with_facts(req, &facts, &mut checked);
        let compiled = Arc::new(Compiled { node, checked });
        if compiled.checked.fact_reads.is_shareable() {
            let mut entries = self.lock();
            if entries.len() >= KEPT {
                let oldest = entries.iter().position(|(_, reused)| !reused).unwrap_or(0);
                entries.remove(oldest);
            }
            entries.push((compiled.clone(), false));
        }
        Outcome {
            compiled,
            shared: false,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<(Arc<Compiled>, bool)>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(code: &str, node: &str, hostname: &str, family: &str) -> CompileRequest {
        let mut req = CompileRequest::code("site.pp", code).node(node);
        req.discover_facts = false;
        req.facts_json = Some(serde_json::json!({
            "networking": { "hostname": hostname, "ip": format!("10.0.0.{}", node.len()) },
            "os": { "family": family },
        }));
        req
    }

    #[test]
    fn nodes_agreeing_on_the_facts_read_share_one_compile_named_for_each() {
        let catalogs = Catalogs::default();
        let code = "file { '/etc/motd': content => $facts['os']['family'] }";
        let a = catalogs.get(&request(code, "web-01", "web-01", "Debian"));
        let b = catalogs.get(&request(code, "web-02", "web-02", "Debian"));
        let c = catalogs.get(&request(code, "db-01", "db-01", "RedHat"));
        assert!(!a.shared && b.shared && !c.shared);
        assert!(Arc::ptr_eq(&a.compiled, &b.compiled));
        assert_eq!(b.compiled.node, "web-01", "the compile b reuses is a's");
        let content = |o: &Outcome| {
            let cat = o.compiled.checked.catalog.as_ref().unwrap();
            cat.resources[0].params["content"].clone()
        };
        assert_eq!(
            content(&c),
            converge_catalog::Value::String("RedHat".into())
        );
    }

    #[test]
    fn a_manifest_reading_the_hostname_compiles_for_every_node_and_keeps_few() {
        let catalogs = Catalogs::default();
        let code = "file { '/etc/motd': content => $facts['networking']['hostname'] }";
        let a = catalogs.get(&request(code, "web-01", "web-01", "Debian"));
        let b = catalogs.get(&request(code, "web-02", "web-02", "Debian"));
        assert!(!a.shared && !b.shared);
        let again = catalogs.get(&request(code, "web-01", "web-01", "Debian"));
        assert!(again.shared, "the same node's facts agree with its compile");
        for i in 0..KEPT + 10 {
            let name = format!("node-{i}");
            catalogs.get(&request(code, &name, &name, "Debian"));
        }
        assert_eq!(catalogs.lock().len(), KEPT, "memory stays bounded");
        assert!(
            catalogs
                .get(&request(code, "web-01", "web-01", "Debian"))
                .shared,
            "a reused compile is kept when room is made"
        );
    }
}
