//! Building the plan: resolve edges, expand containment into start/end anchors, add
//! autorequires, then order the graph or report its cycles.

use crate::autorequire::{namevar, normalise_path, Lookup};
use crate::plan::{GEdge, Node, PEdge, Plan};
use converge_catalog::{Catalog, Diagnostic, EdgeKind, EdgeOrigin, Location, ResourceRef};
use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use petgraph::graph::{DiGraph, NodeIndex};
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Plan a catalog: its relationship graph (explicit edges, containment, autorequires) and
/// the apply order. Fails with every dependency cycle, and with every edge that names a
/// resource the catalog does not hold.
pub fn plan(catalog: &Catalog) -> Result<Plan, Vec<Diagnostic>> {
    let res = &catalog.resources;
    let n = res.len();
    let refs: Vec<ResourceRef> = res.iter().map(|r| r.reference()).collect();
    let is_container: Vec<bool> = res
        .iter()
        .map(|r| r.is_container || r.type_name == "class")
        .collect();

    let mut diags = Vec::new();
    let mut files: Vec<String> = Vec::new();
    let mut locs = Vec::with_capacity(n);
    {
        let mut file_ids: HashMap<&str, u32> = HashMap::new();
        for r in res {
            locs.push(r.file.as_deref().map(|f| {
                let id = *file_ids.entry(f).or_insert_with(|| {
                    files.push(f.to_string());
                    (files.len() - 1) as u32
                });
                (id, r.line, r.column)
            }));
        }
    }

    let mut by_ref: HashMap<&ResourceRef, usize> = HashMap::with_capacity(n);
    let (fragments, orphans) = crate::autorequire::concat_fragments(res);
    let mut lookup = Lookup {
        files: HashMap::with_capacity(n),
        named: HashMap::with_capacity(n),
        fragments,
    };
    for (i, r) in res.iter().enumerate() {
        by_ref.entry(&refs[i]).or_insert(i);
        if is_container[i] {
            continue;
        }
        let name = r.name_or_title(namevar(&r.type_name));
        if r.type_name == "file" {
            lookup.files.entry(normalise_path(name)).or_insert(i);
        }
        lookup
            .named
            .entry((refs[i].type_name.as_str(), name))
            .or_insert(i);
    }
    // An edge may name a resource by its namevar (`File['/etc/x']` for a file titled
    // `x-conf`), as Puppet's aliases allow.
    let resolve = |r: &ResourceRef| -> Option<usize> {
        by_ref.get(r).copied().or_else(|| {
            let key = if r.type_name == "File" {
                normalise_path(&r.title)
            } else {
                r.title.as_str()
            };
            lookup.named.get(&(r.type_name.as_str(), key)).copied()
        })
    };

    // Edges are resolved first and the graph built afterwards, once the look-up tables
    // are freed: at 100k resources both were ~20 MB, alive together at the memory peak.
    let mut edges: Vec<PEdge> = Vec::with_capacity(n + catalog.edges.len());
    let mut notes: Vec<Option<&'static str>> = Vec::new();

    // Containment: start(C) -> child -> end(C), recursively through nested containers.
    let mut has_children = vec![false; n];
    for (i, r) in res.iter().enumerate() {
        let Some(c) = r.container.as_ref().and_then(|c| by_ref.get(c).copied()) else {
            continue;
        };
        if !is_container[c] || c == i {
            continue;
        }
        has_children[c] = true;
        edges.push(PEdge {
            from: c as u32,
            to: i as u32,
            kind: EdgeKind::Before,
            origin: EdgeOrigin::Container,
        });
        notes.push(None);
    }
    let containment = edges.len();

    // Explicit edges, each once.
    let mut explicit: HashSet<(usize, usize)> = HashSet::with_capacity(catalog.edges.len());
    let mut seen: HashSet<(usize, usize, EdgeKind)> =
        HashSet::with_capacity(2 * catalog.edges.len());
    for e in &catalog.edges {
        let (from, to) = (resolve(&e.from), resolve(&e.to));
        let (Some(from), Some(to)) = (from, to) else {
            let (missing, other) = if from.is_none() {
                (&e.from, &e.to)
            } else {
                (&e.to, &e.from)
            };
            let at = resolve(other).and_then(|i| location(&files, &locs, i));
            let dir = if from.is_none() { "to" } else { "from" };
            diags.push(
                Diagnostic::error(
                    "unknown-resource",
                    format!("Could not find resource '{missing}' for relationship {dir} '{other}'"),
                )
                .at(at)
                .with_hint(format!("declare {missing}, or remove the relationship")),
            );
            continue;
        };
        if !seen.insert((from, to, e.kind)) {
            continue;
        }
        explicit.insert((from, to));
        edges.push(PEdge {
            from: from as u32,
            to: to as u32,
            kind: e.kind,
            origin: e.origin,
        });
        notes.push(None);
    }

    // Autorequires, unless they would duplicate or contradict an explicit edge.
    for (i, r) in res.iter().enumerate() {
        if is_container[i] {
            continue;
        }
        for a in lookup.autorequires(i, r) {
            let dep = a.dep;
            if dep == i
                || is_container[dep]
                || explicit.contains(&(i, dep))
                || explicit.contains(&(dep, i))
                || !seen.insert((dep, i, EdgeKind::Before))
            {
                continue;
            }
            edges.push(PEdge {
                from: dep as u32,
                to: i as u32,
                kind: EdgeKind::Before,
                origin: EdgeOrigin::Auto,
            });
            notes.push(Some(a.why));
        }
    }
    let fragments = std::mem::take(&mut lookup.fragments);
    drop((explicit, seen, lookup, by_ref));
    let warnings = orphans
        .into_iter()
        .map(|j| {
            let f = &res[j];
            let target = f.param_str("target").unwrap_or("");
            let tag = f
                .param("tag")
                .filter(|t| !t.is_undef())
                .map(|t| format!(" or tag '{t}'"))
                .unwrap_or_default();
            Diagnostic::warning(
                "missing-concat-file",
                format!(
                    "{}: Target Concat_file with path or title '{target}'{tag} not found in the catalog",
                    refs[j]
                ),
            )
            .at(f.location())
            .with_hint("declare the concat_file (or `concat`), or fix the fragment's target")
        })
        .collect();

    // The graph, its edges added in the order they were resolved before (containment,
    // empty containers' anchors, explicit edges, autorequires): cycle reports follow it.
    let containers = is_container.iter().filter(|&&c| c).count();
    let mut g: DiGraph<Node, GEdge> =
        DiGraph::with_capacity(n + containers, edges.len() + containment + containers);
    let mut start_of = Vec::with_capacity(n);
    let mut end_of = Vec::with_capacity(n);
    for (i, &container) in is_container.iter().enumerate() {
        if container {
            start_of.push(g.add_node(Node::Start(i)));
            end_of.push(g.add_node(Node::End(i)));
        } else {
            let v = g.add_node(Node::Res(i));
            start_of.push(v);
            end_of.push(v);
        }
    }
    for (k, e) in edges[..containment].iter().enumerate() {
        let (c, i) = (e.from as usize, e.to as usize);
        let edge = Some(k as u32);
        g.add_edge(start_of[c], start_of[i], GEdge { edge });
        g.add_edge(end_of[i], end_of[c], GEdge { edge });
    }
    for i in 0..n {
        if is_container[i] && !has_children[i] {
            g.add_edge(start_of[i], end_of[i], GEdge { edge: None });
        }
    }
    for (k, e) in edges.iter().enumerate().skip(containment) {
        let edge = Some(k as u32);
        g.add_edge(
            end_of[e.from as usize],
            start_of[e.to as usize],
            GEdge { edge },
        );
    }

    let mut plan = Plan {
        order: Vec::new(),
        refs,
        files,
        locs,
        is_container,
        graph: g,
        start_of,
        end_of,
        edges,
        edges_out: Default::default(),
        notes,
        position: Vec::new(),
        fragments,
        warnings,
    };
    match order(&plan) {
        Some(order) => {
            if !diags.is_empty() {
                return Err(diags);
            }
            let mut position = vec![usize::MAX; n];
            for (p, &i) in order.iter().enumerate() {
                position[i] = p;
            }
            plan.order = order;
            plan.position = position;
            Ok(plan)
        }
        None => {
            diags.extend(crate::cycles::cycle_diagnostics(&plan));
            Err(diags)
        }
    }
}

/// Where resource `i` was declared.
pub(crate) fn location(
    files: &[String],
    locs: &[Option<(u32, u32, u32)>],
    i: usize,
) -> Option<Location> {
    let (f, line, col) = locs.get(i).copied().flatten()?;
    Some(Location::new(files[f as usize].clone(), line, col.max(1)))
}

/// Sort key of a vertex: its resource's catalog index, a container's start before its
/// end, as Puppet gives Whit anchors their container's priority.
pub(crate) fn key(n: Node) -> (usize, u8) {
    match n {
        Node::Start(i) => (i, 0),
        Node::Res(i) => (i, 1),
        Node::End(i) => (i, 2),
    }
}

/// Kahn's algorithm with the ready set as a min-heap on catalog order; `None` when the
/// graph has a cycle.
fn order(plan: &Plan) -> Option<Vec<usize>> {
    let g = &plan.graph;
    let mut indeg: Vec<u32> = vec![0; g.node_count()];
    for e in g.raw_edges() {
        indeg[e.target().index()] += 1;
    }
    let mut ready: BinaryHeap<Reverse<((usize, u8), u32)>> = g
        .node_indices()
        .filter(|v| indeg[v.index()] == 0)
        .map(|v| Reverse((key(g[v]), v.index() as u32)))
        .collect();
    let mut out = Vec::with_capacity(plan.refs.len());
    let mut done = 0usize;
    while let Some(Reverse((_, v))) = ready.pop() {
        let v = NodeIndex::new(v as usize);
        done += 1;
        if let Node::Res(i) = g[v] {
            out.push(i);
        }
        for w in g.neighbors(v) {
            indeg[w.index()] -= 1;
            if indeg[w.index()] == 0 {
                ready.push(Reverse((key(g[w]), w.index() as u32)));
            }
        }
    }
    (done == g.node_count()).then_some(out)
}
