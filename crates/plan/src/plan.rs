//! The [`Plan`] and the questions the engine asks it: what comes before a resource, whom a
//! change notifies, what to skip when something fails.

use converge_catalog::{Diagnostic, Edge, EdgeKind, EdgeOrigin, Location, ResourceRef};
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;
use petgraph::Direction;
use std::sync::OnceLock;

/// A vertex of the relationship graph: a resource, or a container's start or end anchor
/// (Puppet's admissible and completed Whits). The number is the catalog index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Node {
    /// A resource that is applied.
    Res(usize),
    /// Entered before anything inside the container.
    Start(usize),
    /// Left after everything inside the container.
    End(usize),
}

/// An arc of the relationship graph: which plan edge it stands for (none for the arc that
/// joins the anchors of an empty container).
#[derive(Debug, Clone, Copy)]
pub(crate) struct GEdge {
    pub(crate) edge: Option<u32>,
}

/// An edge between two resources by catalog index; [`Plan::edges`] spells them out.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PEdge {
    pub(crate) from: u32,
    pub(crate) to: u32,
    pub(crate) kind: EdgeKind,
    pub(crate) origin: EdgeOrigin,
}

/// A planned catalog: the apply order and the relationship graph behind it.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Indices into `catalog.resources` in apply order; containers (classes, defined-type
    /// instances) are not applied and so not listed.
    pub order: Vec<usize>,
    pub(crate) refs: Vec<ResourceRef>,
    pub(crate) files: Vec<String>,
    pub(crate) locs: Vec<Option<(u32, u32, u32)>>,
    pub(crate) is_container: Vec<bool>,
    pub(crate) graph: DiGraph<Node, GEdge>,
    pub(crate) start_of: Vec<NodeIndex>,
    pub(crate) end_of: Vec<NodeIndex>,
    pub(crate) edges: Vec<PEdge>,
    pub(crate) edges_out: OnceLock<Vec<Edge>>,
    pub(crate) notes: Vec<Option<&'static str>>,
    pub(crate) position: Vec<usize>,
    /// Each concat_file's fragments (catalog indices, in catalog order).
    pub(crate) fragments: foldhash::HashMap<usize, Vec<usize>>,
    pub(crate) warnings: Vec<Diagnostic>,
}

impl Plan {
    /// Every effective edge, each once: the catalog's explicit edges (resolved to the
    /// references of the resources they name), containment (container → each resource it
    /// directly holds, origin `container`) and autorequires (origin `auto`).
    pub fn edges(&self) -> &[Edge] {
        // Spelled out on first use: most runs never ask, and at 100k resources the
        // references would cost more than the whole plan.
        self.edges_out.get_or_init(|| {
            self.edges
                .iter()
                .map(|e| Edge {
                    from: self.refs[e.from as usize].clone(),
                    to: self.refs[e.to as usize].clone(),
                    kind: e.kind,
                    origin: e.origin,
                })
                .collect()
        })
    }

    /// Why an autorequire edge (by index into [`Plan::edges`]) exists, e.g. "the file's
    /// parent directory"; `None` for other edges.
    pub fn edge_reason(&self, edge: usize) -> Option<&'static str> {
        self.notes.get(edge).copied().flatten()
    }

    /// Every concat_file with the concat_fragments it is built from (catalog indices; the
    /// fragments in catalog order). A fragment names its file by `target` (the file's path
    /// or title) or by an equal `tag`; each fragment is also ordered before its file. The
    /// engine hands the fragments to the file's provider, which computes the content at
    /// apply time, as concat's `generate` does.
    pub fn concat_files(&self) -> impl Iterator<Item = (usize, &[usize])> + '_ {
        let mut files: Vec<(usize, &[usize])> = self
            .fragments
            .iter()
            .map(|(f, frags)| (*f, frags.as_slice()))
            .collect();
        files.sort_unstable_by_key(|(f, _)| *f);
        files.into_iter()
    }

    /// Warnings found while planning (a concat_fragment whose file is not in the catalog):
    /// the plan is still good.
    pub fn warnings(&self) -> &[Diagnostic] {
        &self.warnings
    }

    /// The reference of a resource, by catalog index.
    pub fn reference(&self, idx: usize) -> &ResourceRef {
        &self.refs[idx]
    }

    /// Where a resource was declared, by catalog index.
    pub fn location(&self, idx: usize) -> Option<Location> {
        crate::build::location(&self.files, &self.locs, idx)
    }

    /// Whether a resource is a container (never applied itself).
    pub fn is_container(&self, idx: usize) -> bool {
        self.is_container[idx]
    }

    /// Where a resource comes in [`Plan::order`] (`None` for containers).
    pub fn position(&self, idx: usize) -> Option<usize> {
        self.position.get(idx).copied().filter(|p| *p != usize::MAX)
    }

    /// The applied resources that come directly before `idx` once containers are expanded
    /// (an edge to `Class[a]` makes its source a dependency of everything in `a`), with
    /// `Notify` when the dependency's change refreshes `idx`. In apply order.
    pub fn dependencies(&self, idx: usize) -> impl Iterator<Item = (usize, EdgeKind)> + '_ {
        self.walk(idx, Direction::Incoming, false).into_iter()
    }

    /// The applied resources that come directly after `idx` once containers are expanded,
    /// the mirror of [`Plan::dependencies`]. In apply order.
    pub fn dependents(&self, idx: usize) -> impl Iterator<Item = (usize, EdgeKind)> + '_ {
        self.walk(idx, Direction::Outgoing, false).into_iter()
    }

    /// The resources a change to `idx` refreshes: targets of its `notify` edges and of the
    /// `notify` edges of every container it is in (containers relay events), with a
    /// container target standing for everything inside it. In apply order.
    pub fn notify_targets(&self, idx: usize) -> impl Iterator<Item = usize> + '_ {
        self.walk(idx, Direction::Outgoing, true)
            .into_iter()
            .map(|(i, _)| i)
    }

    /// The resources whose change refreshes `idx`, the mirror of [`Plan::notify_targets`].
    pub fn notifiers(&self, idx: usize) -> impl Iterator<Item = usize> + '_ {
        self.walk(idx, Direction::Incoming, true)
            .into_iter()
            .map(|(i, _)| i)
    }

    /// Everything that depends on any of `failed`, directly or not: what the engine skips.
    /// One pass over the graph, in apply order, without the failed resources themselves.
    pub fn transitive_dependents(&self, failed: impl IntoIterator<Item = usize>) -> Vec<usize> {
        let mut seen = vec![false; self.graph.node_count()];
        let mut roots = foldhash::HashSet::default();
        let mut stack = Vec::new();
        for i in failed {
            if i < self.refs.len() {
                roots.insert(i);
                let v = self.end_of[i];
                if !seen[v.index()] {
                    seen[v.index()] = true;
                    stack.push(v);
                }
            }
        }
        let mut out = Vec::new();
        while let Some(v) = stack.pop() {
            for w in self.graph.neighbors(v) {
                if seen[w.index()] {
                    continue;
                }
                seen[w.index()] = true;
                if let Node::Res(i) = self.graph[w] {
                    if !roots.contains(&i) {
                        out.push(i);
                    }
                }
                stack.push(w);
            }
        }
        self.sort_by_order(&mut out);
        out
    }

    fn sort_by_order(&self, v: &mut [usize]) {
        v.sort_by_key(|&i| (self.position.get(i).copied().unwrap_or(usize::MAX), i));
    }

    fn is_explicit(&self, e: GEdge) -> Option<EdgeKind> {
        let k = e.edge? as usize;
        let edge = &self.edges[k];
        (edge.origin != EdgeOrigin::Container).then_some(edge.kind)
    }

    /// Walk from `idx` through anchors only (stopping at applied resources). A path holds
    /// at most one explicit edge except through empty containers; it carries a refresh
    /// only if every explicit edge on it does. `notify_only` follows refreshing paths only.
    fn walk(&self, idx: usize, dir: Direction, notify_only: bool) -> Vec<(usize, EdgeKind)> {
        let Some(&from) = (match dir {
            Direction::Incoming => self.start_of.get(idx),
            Direction::Outgoing => self.end_of.get(idx),
        }) else {
            return Vec::new();
        };
        let mut found: foldhash::HashMap<usize, EdgeKind> = foldhash::HashMap::default();
        let mut visited: foldhash::HashSet<(NodeIndex, bool, bool)> = foldhash::HashSet::default();
        let mut stack = vec![(from, true, false)];
        while let Some((v, all_notify, crossed)) = stack.pop() {
            for e in self.graph.edges_directed(v, dir) {
                let w = match dir {
                    Direction::Incoming => e.source(),
                    Direction::Outgoing => e.target(),
                };
                let explicit = self.is_explicit(*e.weight());
                if notify_only && explicit == Some(EdgeKind::Before) {
                    continue;
                }
                let all_notify = all_notify && explicit != Some(EdgeKind::Before);
                let crossed = crossed || explicit.is_some();
                match self.graph[w] {
                    Node::Res(i) => {
                        if crossed && i != idx {
                            let kind = if all_notify {
                                EdgeKind::Notify
                            } else {
                                EdgeKind::Before
                            };
                            let slot = found.entry(i).or_insert(kind);
                            if kind == EdgeKind::Notify {
                                *slot = kind;
                            }
                        }
                    }
                    _ => {
                        if visited.insert((w, all_notify, crossed)) {
                            stack.push((w, all_notify, crossed));
                        }
                    }
                }
            }
        }
        let mut out: Vec<(usize, EdgeKind)> = found.into_iter().collect();
        out.sort_by_key(|&(i, _)| (self.position.get(i).copied().unwrap_or(usize::MAX), i));
        out
    }
}
