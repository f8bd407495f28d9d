//! Data-driven plan tests: each `tests/data/*.json` catalog is planned, and the text plan
//! (or the rendered diagnostics when planning fails) is compared with its snapshot.

use converge_catalog::{Catalog, Diagnostic};

fn render(d: &Diagnostic) -> String {
    let mut s = format!("{d}\n");
    for l in &d.labels {
        s.push_str(&format!("  label {}: {}\n", l.location, l.message));
    }
    if let Some(h) = &d.hint {
        s.push_str(&format!("  hint: {h}\n"));
    }
    s
}

#[test]
fn plans_match_snapshots() {
    insta::glob!("data/*.json", |path| {
        let text = std::fs::read_to_string(path).unwrap();
        let catalog = Catalog::from_json(&text).unwrap();
        let out = match converge_plan::plan(&catalog) {
            Ok(p) => p.to_text(),
            Err(diags) => diags.iter().map(render).collect::<String>(),
        };
        insta::assert_snapshot!(out);
    });
}
