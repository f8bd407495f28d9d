//! Data-driven catalog validation: each `tests/data/validate/*.json` is a catalog; its
//! diagnostics are snapshotted (one per line, with hints), so message wording is reviewed
//! like code.

use converge_catalog::Catalog;
use converge_providers::validate_catalog;

#[test]
fn validate_data() {
    insta::glob!("data/validate/*.json", |path| {
        let text = std::fs::read_to_string(path).unwrap();
        let catalog = Catalog::from_json(&text).unwrap();
        let mut out = String::new();
        for d in validate_catalog(&catalog) {
            out.push_str(&d.to_string());
            out.push('\n');
            if let Some(h) = &d.hint {
                out.push_str(&format!("  hint: {h}\n"));
            }
        }
        if out.is_empty() {
            out.push_str("(clean)\n");
        }
        insta::assert_snapshot!(out);
    });
}
