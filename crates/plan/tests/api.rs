//! The questions the engine asks a plan: dependencies, refresh targets, what a failure
//! skips, and the graph as dot.

use converge_catalog::{Catalog, EdgeKind, EdgeOrigin};
use converge_plan::{plan, Plan};

fn load(name: &str) -> (Catalog, Plan) {
    let path = format!("{}/tests/data/{name}.json", env!("CARGO_MANIFEST_DIR"));
    let catalog = Catalog::from_json(&std::fs::read_to_string(path).unwrap()).unwrap();
    let plan = plan(&catalog).unwrap();
    (catalog, plan)
}

fn idx(c: &Catalog, r: &str) -> usize {
    c.resources
        .iter()
        .position(|x| x.reference().to_string() == r)
        .unwrap_or_else(|| panic!("{r} not in catalog"))
}

fn names(c: &Catalog, v: impl IntoIterator<Item = usize>) -> Vec<String> {
    v.into_iter()
        .map(|i| c.resources[i].reference().to_string())
        .collect()
}

#[test]
fn containers_are_not_applied() {
    let (c, p) = load("nested_classes");
    assert_eq!(p.order.len(), 5);
    assert!(p.order.iter().all(|&i| !c.resources[i].is_container));
    assert_eq!(p.position(idx(&c, "Class[Outer]")), None);
    assert!(p.is_container(idx(&c, "Class[Outer::Inner]")));
}

#[test]
fn a_refresh_reaches_inside_a_class_and_out_of_one() {
    let (c, p) = load("notify_through_containers");
    let default = idx(&c, "File[/etc/default/app]");
    assert_eq!(
        names(&c, p.notify_targets(default)),
        ["Service[app]", "Exec[reload-app]"]
    );
    let watcher = idx(&c, "Service[watcher]");
    assert_eq!(
        names(&c, p.notifiers(watcher)),
        ["File[/etc/app.conf]", "File_line[extra]"]
    );
    // Ordered after the class, but not refreshed by it.
    let only = idx(&c, "Notify[ordered-only]");
    assert_eq!(p.notifiers(only).count(), 0);
    let deps: Vec<(String, EdgeKind)> = p
        .dependencies(only)
        .map(|(i, k)| (c.resources[i].reference().to_string(), k))
        .collect();
    assert_eq!(
        deps,
        [
            ("File[/etc/app.conf]".to_string(), EdgeKind::Before),
            ("File_line[extra]".to_string(), EdgeKind::Before)
        ]
    );
    let kinds: Vec<EdgeKind> = p.dependencies(watcher).map(|(_, k)| k).collect();
    assert_eq!(kinds, [EdgeKind::Notify, EdgeKind::Notify]);
}

#[test]
fn a_failure_skips_everything_downstream_and_nothing_else() {
    let (c, p) = load("nested_classes");
    let skipped = p.transitive_dependents([idx(&c, "Package[p]")]);
    assert_eq!(
        names(&c, skipped),
        ["File[/srv/o]", "File[/srv/i]", "Exec[deep]", "Service[s]"]
    );
    let skipped = p.transitive_dependents([idx(&c, "File[/srv/i]")]);
    assert_eq!(names(&c, skipped), ["Service[s]"]);
    let (c, p) = load("catalog_order_tie_break");
    assert!(p.transitive_dependents([idx(&c, "Notify[c]")]).is_empty());
}

#[test]
fn edges_say_where_they_came_from() {
    let (_, p) = load("autorequires");
    let auto: Vec<String> = p
        .edges()
        .iter()
        .enumerate()
        .filter(|(_, e)| e.origin == EdgeOrigin::Auto)
        .map(|(i, e)| format!("{} -> {}: {}", e.from, e.to, p.edge_reason(i).unwrap()))
        .collect();
    assert!(
        auto.contains(
            &"File[/etc/app/conf.d/a.conf] -> File_line[add header]: the file file_line edits"
                .to_string()
        ),
        "{auto:#?}"
    );
    assert!(auto.contains(&"Group[www-data] -> User[app]: the user's groups".to_string()));
    assert!(auto.contains(&"File[/opt/app] -> Exec[build]: the exec's cwd".to_string()));
    let (_, p) = load("autorequire_contradicted");
    assert!(p.edges().iter().all(|e| e.origin != EdgeOrigin::Auto));
    let (_, p) = load("class_before_class");
    let containment = p
        .edges()
        .iter()
        .filter(|e| e.origin == EdgeOrigin::Container)
        .count();
    assert_eq!(containment, 7);
}

#[test]
fn dot_output_is_a_graph_of_every_resource() {
    let (_, p) = load("notify_through_containers");
    insta::assert_snapshot!(p.to_dot());
}

#[test]
fn a_long_chain_ending_in_a_cycle_is_reported_without_exhausting_the_stack() {
    // Recursive SCC algorithms overflow the stack on long dependency chains; the plan
    // must report the cycle at the end of a 100k-resource chain all the same.
    let n = 100_000;
    let mut c = Catalog::new("deep");
    for i in 0..n {
        c.resources
            .push(converge_catalog::Resource::new("notify", &format!("n{i}")));
    }
    let r = |i: usize| converge_catalog::ResourceRef::new("notify", &format!("n{i}"));
    for i in 0..n - 1 {
        c.edges.push(converge_catalog::Edge {
            from: r(i),
            to: r(i + 1),
            kind: EdgeKind::Before,
            origin: EdgeOrigin::Chain,
        });
    }
    c.edges.push(converge_catalog::Edge {
        from: r(n - 1),
        to: r(n - 2),
        kind: EdgeKind::Before,
        origin: EdgeOrigin::Chain,
    });
    let diags = plan(&c).unwrap_err();
    assert_eq!(diags.len(), 1);
    assert_eq!(
        diags[0].message,
        "Found 1 dependency cycle: (Notify[n99998] => Notify[n99999] => Notify[n99998])"
    );
}
