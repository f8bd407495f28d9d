//! Planning generated catalogs of 1k, 10k and 100k resources with relationships:
//! classes of ten resources (a directory, files in it, a package, a service, an exec),
//! metaparameter and refresh edges inside each class, a chain between consecutive classes,
//! and autorequires from each file to its directory.
#![allow(missing_docs)] // criterion_group! generates undocumented functions

use converge_catalog::{Catalog, Edge, EdgeKind, EdgeOrigin, Resource, ResourceRef, Value};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};

fn catalog(size: usize) -> Catalog {
    let mut c = Catalog::new("bench");
    let mut main = Resource::new("class", "main");
    main.is_container = true;
    c.resources.push(main);
    let main_ref = ResourceRef::new("class", "main");
    let classes = size / 10;
    for k in 0..classes {
        let class = format!("app{k}");
        let mut cl = Resource::new("class", &class);
        cl.is_container = true;
        cl.container = Some(main_ref.clone());
        cl.file = Some("site.pp".into());
        cl.line = k as u32 + 1;
        let cref = cl.reference();
        c.resources.push(cl);
        let mut add = |ty: &str, title: String, params: &[(&str, &str)]| {
            let mut r = Resource::new(ty, &title);
            r.container = Some(cref.clone());
            r.file = Some(format!("modules/app{k}/manifests/init.pp").into());
            r.line = c.resources.len() as u32;
            for (p, v) in params {
                r.params.insert(p.to_string(), Value::from(*v));
            }
            c.resources.push(r);
        };
        let dir = format!("/srv/app{k}");
        add("package", format!("pkg{k}"), &[]);
        add("file", dir.clone(), &[("ensure", "directory")]);
        for f in 0..5 {
            add("file", format!("{dir}/conf{f}"), &[("content", "x")]);
        }
        add(
            "exec",
            format!("build{k}"),
            &[("command", "/bin/true"), ("cwd", &dir)],
        );
        add("service", format!("svc{k}"), &[("ensure", "running")]);
        let edge = |from: ResourceRef, to: ResourceRef, kind, origin| Edge {
            from,
            to,
            kind,
            origin,
        };
        c.edges.push(edge(
            ResourceRef::new("package", &format!("pkg{k}")),
            ResourceRef::new("file", &dir),
            EdgeKind::Before,
            EdgeOrigin::Metaparam,
        ));
        for f in 0..5 {
            c.edges.push(edge(
                ResourceRef::new("file", &format!("{dir}/conf{f}")),
                ResourceRef::new("service", &format!("svc{k}")),
                EdgeKind::Notify,
                EdgeOrigin::Metaparam,
            ));
        }
        if k > 0 {
            c.edges.push(edge(
                ResourceRef::new("class", &format!("app{}", k - 1)),
                cref.clone(),
                EdgeKind::Before,
                EdgeOrigin::Chain,
            ));
        }
    }
    c
}

fn plan_sizes(c: &mut Criterion) {
    let mut group = c.benchmark_group("plan");
    group.sample_size(10);
    for size in [1_000, 10_000, 100_000] {
        let cat = catalog(size);
        assert!(converge_plan::plan(&cat).is_ok());
        group.bench_with_input(BenchmarkId::from_parameter(size), &cat, |b, cat| {
            b.iter(|| converge_plan::plan(cat).map(|p| p.order.len()))
        });
    }
    group.finish();
}

criterion_group!(benches, plan_sizes);
criterion_main!(benches);
