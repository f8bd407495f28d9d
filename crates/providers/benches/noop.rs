//! The no-op re-apply of 1 package + 1 directory + 10 files, providers only (inspect and plan
//! with a fresh context each run, as a new `converge apply` would): the floor under the
//! engine's own no-op figure. Reads this machine's dpkg status database; writes only in a
//! temp dir.
#![allow(missing_docs)] // criterion_group! generates undocumented functions

use converge_catalog::{Resource, Value};
use converge_providers::{plan_resource, provider_for, Context};
use criterion::{criterion_group, criterion_main, Criterion};

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("srv");
    let mut resources = vec![
        {
            let mut r = Resource::new("package", "dpkg");
            r.params.insert("ensure".into(), "installed".into());
            r
        },
        {
            let mut r = Resource::new("file", &root.display().to_string());
            r.params.insert("ensure".into(), "directory".into());
            r.params.insert("mode".into(), "0755".into());
            r
        },
    ];
    for i in 0..10 {
        let mut r = Resource::new(
            "file",
            &root.join(format!("f{i}.conf")).display().to_string(),
        );
        r.params.insert(
            "content".into(),
            Value::from(format!("setting_{i} = {}\n", "x".repeat(2000))),
        );
        r.params.insert("mode".into(), "0644".into());
        r.params.insert("owner".into(), "root".into());
        resources.push(r);
    }
    // Converge once so that the benchmark measures the no-op run.
    let mut cx = Context::new();
    for r in &resources {
        let p = provider_for(&r.type_name).unwrap();
        let (_, changes) = plan_resource(p, r, &mut cx).unwrap();
        if r.type_name != "package" {
            p.apply(r, &changes, &mut cx).unwrap();
        }
    }
    c.bench_function("noop_1pkg_1dir_10files", |b| {
        b.iter(|| {
            let mut cx = Context::new();
            let mut n = 0;
            for r in &resources {
                let p = provider_for(&r.type_name).unwrap();
                n += plan_resource(p, r, &mut cx).unwrap().1.len();
            }
            assert_eq!(n, 0);
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
