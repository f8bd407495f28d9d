//! Dependency cycles: one diagnostic per strongly connected component, with a concrete
//! cycle through it written the way Puppet writes it, `(File[/a] => File[/b] => File[/a])`.

use crate::build::key;
use crate::plan::{Node, Plan};
use converge_catalog::{Diagnostic, EdgeKind, EdgeOrigin};
use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use petgraph::graph::{EdgeIndex, NodeIndex};
use petgraph::visit::EdgeRef;
use std::collections::VecDeque;

fn node_index(n: Node) -> usize {
    match n {
        Node::Res(i) | Node::Start(i) | Node::End(i) => i,
    }
}

/// The shortest cycle through `s` inside one component: the vertices (starting and ending
/// at `s`) and the arcs between them.
fn shortest_cycle(
    plan: &Plan,
    s: NodeIndex,
    members: &HashSet<NodeIndex>,
) -> (Vec<NodeIndex>, Vec<EdgeIndex>) {
    let g = &plan.graph;
    let mut parent: HashMap<NodeIndex, (NodeIndex, EdgeIndex)> = HashMap::new();
    let mut queue = VecDeque::from([s]);
    let mut closing = None;
    'bfs: while let Some(v) = queue.pop_front() {
        // Visit arcs in insertion order so the reported cycle does not depend on
        // petgraph's adjacency-list order.
        let mut out: Vec<_> = g.edges(v).map(|e| (e.id(), e.target())).collect();
        out.sort_by_key(|(e, _)| e.index());
        for (e, w) in out {
            if w == s {
                closing = Some((v, e));
                break 'bfs;
            }
            if members.contains(&w) && !parent.contains_key(&w) {
                parent.insert(w, (v, e));
                queue.push_back(w);
            }
        }
    }
    let Some((last, e)) = closing else {
        return (vec![s], Vec::new());
    };
    let mut nodes = vec![s];
    let mut arcs = vec![e];
    let mut v = last;
    while v != s {
        nodes.push(v);
        let (p, pe) = parent[&v];
        arcs.push(pe);
        v = p;
    }
    nodes.push(s);
    nodes.reverse();
    arcs.reverse();
    (nodes, arcs)
}

fn is_containment(plan: &Plan, e: EdgeIndex) -> bool {
    match plan.graph[e].edge {
        None => true,
        Some(k) => plan.edges[k as usize].origin == EdgeOrigin::Container,
    }
}

/// The cycle as resource references: a stretch that enters a container at its start and
/// leaves at its end through containment alone is just that container, and repeats
/// collapse.
fn render(plan: &Plan, nodes: &[NodeIndex], arcs: &[EdgeIndex]) -> Vec<usize> {
    let mut out: Vec<usize> = Vec::new();
    let mut i = 0;
    // The last vertex is the first again: render the loop, then close it explicitly so a
    // self-loop reads `(A => A)`.
    let last = nodes.len().saturating_sub(1);
    while i < last {
        let n = plan.graph[nodes[i]];
        if let Node::Start(c) = n {
            // Skip to the matching end when only containment lies between.
            let mut j = i;
            while j < arcs.len() && is_containment(plan, arcs[j]) {
                j += 1;
                if plan.graph[nodes[j]] == Node::End(c) {
                    i = j;
                    break;
                }
            }
        }
        let idx = node_index(plan.graph[nodes[i]]);
        if out.last() != Some(&idx) {
            out.push(idx);
        }
        i += 1;
    }
    if let Some(&first) = out.first() {
        if out.len() > 1 && out.last() == Some(&first) {
            out.pop();
        }
        out.push(first);
    }
    out
}

fn origin_words(origin: EdgeOrigin, kind: EdgeKind) -> &'static str {
    match (origin, kind) {
        (EdgeOrigin::Metaparam, EdgeKind::Before) => "before/require metaparameter",
        (EdgeOrigin::Metaparam, EdgeKind::Notify) => "notify/subscribe metaparameter",
        (EdgeOrigin::Chain, _) => "chaining arrow",
        (EdgeOrigin::Auto, _) => "autorequire",
        (EdgeOrigin::Container, _) => "containment",
    }
}

/// One error per strongly connected component of the graph (and per self-loop).
pub(crate) fn cycle_diagnostics(plan: &Plan) -> Vec<Diagnostic> {
    let g = &plan.graph;
    let mut comps: Vec<Vec<NodeIndex>> = petgraph::algo::kosaraju_scc(g)
        .into_iter()
        .filter(|c| c.len() > 1 || g.contains_edge(c[0], c[0]))
        .collect();
    for c in &mut comps {
        c.sort_by_key(|v| key(g[*v]));
    }
    comps.sort_by_key(|c| key(g[c[0]]));
    let total = comps.len();
    let mut out = Vec::new();
    for (k, comp) in comps.iter().enumerate() {
        let members: HashSet<NodeIndex> = comp.iter().copied().collect();
        let (nodes, arcs) = shortest_cycle(plan, comp[0], &members);
        let cycle = render(plan, &nodes, &arcs);
        let path = cycle
            .iter()
            .map(|&i| plan.refs[i].to_string())
            .collect::<Vec<_>>()
            .join(" => ");
        let message = if total == 1 {
            format!("Found 1 dependency cycle: ({path})")
        } else {
            format!(
                "Found {total} dependency cycles, {} of {total}: ({path})",
                k + 1
            )
        };
        let first = cycle[0];
        let mut d = Diagnostic::error("dependency-cycle", message).at(plan.location(first));
        let mut labelled: HashSet<usize> = HashSet::new();
        labelled.insert(first);
        for &i in &cycle[1..] {
            if labelled.insert(i) {
                if let Some(loc) = plan.location(i) {
                    d = d.with_label(loc, format!("{} is on the cycle", plan.refs[i]));
                }
            }
        }
        let mut closing: Vec<String> = Vec::new();
        for &a in &arcs {
            let Some(e) = plan.graph[a].edge else {
                continue;
            };
            let edge = &plan.edges[e as usize];
            if edge.origin == EdgeOrigin::Container {
                continue;
            }
            let arrow = match edge.kind {
                EdgeKind::Before => "->",
                EdgeKind::Notify => "~>",
            };
            let mut why = origin_words(edge.origin, edge.kind).to_string();
            if let Some(note) = plan.notes[e as usize] {
                why = format!("{why}: {note}");
            }
            let (from, to) = (&plan.refs[edge.from as usize], &plan.refs[edge.to as usize]);
            let text = format!("{from} {arrow} {to} ({why})");
            if !closing.contains(&text) {
                closing.push(text);
            }
        }
        d = d.with_hint(format!(
            "the cycle is closed by {}; remove or reverse one of them",
            closing.join(", ")
        ));
        out.push(d);
    }
    out
}
