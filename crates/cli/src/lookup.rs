//! `converge lookup`: Hiera from the command line, like `puppet lookup`. The value prints
//! as YAML (or JSON); `--explain` prints what was tried in `puppet lookup --explain`'s
//! words, so the two can be compared line by line.

use crate::args::{LookupArgs, MergeArg, RenderAs};
use crate::commands::{request, Output};
use converge::catalog::Value;
use std::path::PathBuf;

/// Run `converge lookup`.
pub(crate) fn run(out: &Output, args: &LookupArgs) -> i32 {
    let env = args
        .environment
        .clone()
        .unwrap_or_else(|| PathBuf::from("."));
    let mut req = request(&env.join("manifests").join("site.pp"), &args.compile);
    req.environment = Some(env);
    let facts = match converge::facts(&req) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            return 1;
        }
    };
    let merge = args.merge.map(|m| merge_value(m, args));
    let outcome = converge::lookup(&req, &facts, &args.keys, merge.as_ref(), args.explain);
    out.diagnostics(&outcome.diagnostics);
    if outcome.diagnostics.iter().any(|d| d.is_error()) {
        return 1;
    }
    if let Some(text) = &outcome.explanation {
        print!("{text}");
        return 0;
    }
    match &outcome.value {
        Some(v) => {
            match args.render_as {
                RenderAs::Json => {
                    println!("{}", serde_json::to_string_pretty(v).unwrap_or_default())
                }
                RenderAs::Yaml => print!("{}", to_yaml(v)),
            }
            0
        }
        None => 1,
    }
}

fn merge_value(m: MergeArg, args: &LookupArgs) -> Value {
    let name = match m {
        MergeArg::First => "first",
        MergeArg::Unique => "unique",
        MergeArg::Hash => "hash",
        MergeArg::Deep => "deep",
    };
    if m != MergeArg::Deep
        || (args.knock_out_prefix.is_none() && !args.merge_hash_arrays && !args.sort_merged_arrays)
    {
        return Value::String(name.into());
    }
    let mut h = indexmap::IndexMap::new();
    h.insert("strategy".to_string(), Value::String(name.into()));
    if let Some(k) = &args.knock_out_prefix {
        h.insert("knockout_prefix".to_string(), Value::String(k.clone()));
    }
    if args.merge_hash_arrays {
        h.insert("merge_hash_arrays".to_string(), Value::Bool(true));
    }
    if args.sort_merged_arrays {
        h.insert("sort_merged_arrays".to_string(), Value::Bool(true));
    }
    Value::Hash(h)
}

/// A value as Ruby's `to_yaml` prints it (`--- 416`, block sequences and mappings).
pub(crate) fn to_yaml(v: &Value) -> String {
    let mut out = String::from("---");
    match v {
        Value::Array(a) if !a.is_empty() => {
            out.push('\n');
            block(&mut out, v, 0);
        }
        Value::Hash(h) if !h.is_empty() => {
            out.push('\n');
            block(&mut out, v, 0);
        }
        v => {
            out.push(' ');
            out.push_str(&scalar(v));
            out.push('\n');
        }
    }
    out
}

fn block(out: &mut String, v: &Value, indent: usize) {
    let pad = " ".repeat(indent);
    match v {
        Value::Array(a) => {
            for x in a {
                out.push_str(&pad);
                out.push('-');
                nested(out, x, indent);
            }
        }
        Value::Hash(h) => {
            for (k, x) in h {
                out.push_str(&pad);
                out.push_str(&quote(k));
                out.push(':');
                nested(out, x, indent + 2);
            }
        }
        v => {
            out.push_str(&pad);
            out.push_str(&scalar(v));
            out.push('\n');
        }
    }
}

fn nested(out: &mut String, x: &Value, indent: usize) {
    match x {
        Value::Array(a) if !a.is_empty() => {
            out.push('\n');
            // Psych puts a mapping's sequence at the mapping's own indentation.
            block(
                out,
                x,
                indent
                    .saturating_sub(2)
                    .max(if indent == 0 { 2 } else { 0 }),
            );
        }
        Value::Hash(h) if !h.is_empty() => {
            out.push('\n');
            block(out, x, indent.max(2));
        }
        x => {
            out.push(' ');
            out.push_str(&scalar(x));
            out.push('\n');
        }
    }
}

fn scalar(v: &Value) -> String {
    match v {
        Value::Undef => String::new(),
        Value::String(s) => quote(s),
        Value::Array(_) => "[]".into(),
        Value::Hash(_) => "{}".into(),
        Value::Sensitive(_) => "Sensitive [value redacted]".into(),
        v => v.to_string(),
    }
}

/// A string as Psych's emitter writes it: double quotes for text starting with a
/// non-word character, single quotes for text YAML would read as something else, plain
/// otherwise.
fn quote(s: &str) -> String {
    if s.is_empty() {
        return "''".into();
    }
    if s.contains('\n') || s.chars().any(char::is_control) {
        return serde_json::to_string(s).unwrap_or_default();
    }
    let first_non_word = s
        .chars()
        .next()
        .is_some_and(|c| !(c.is_alphanumeric() || c == '_'));
    if first_non_word && !s.contains('"') {
        return format!("\"{}\"", s.replace('\\', "\\\\"));
    }
    let reads_back = matches!(
        converge_hiera::yaml::load(&format!("k: {s}\n"), std::path::Path::new("-")),
        Ok(d) if matches!(&d.value, Value::Hash(h) if h.get("k") == Some(&Value::String(s.to_string())))
    );
    let octal_like = s.starts_with('0')
        && s.chars()
            .find(|c| !('0'..='7').contains(c))
            .is_some_and(|c| c == '8' || c == '9');
    if !reads_back || octal_like || s.contains(": ") || s.contains(" #") || s.ends_with([' ', ':'])
    {
        return format!("'{}'", s.replace('\'', "''"));
    }
    if matches!(s, "y" | "Y" | "n" | "N") {
        return format!("\"{s}\"");
    }
    s.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_print_as_ruby_to_yaml() {
        let v: Value = serde_json::from_str(
            r#"{"deploy":{"uid":2001,"groups":["adm","sudo"],"home":"/home/deploy"},"mode":"0644","on":"yes"}"#,
        )
        .unwrap();
        assert_eq!(
            to_yaml(&v),
            "---\ndeploy:\n  uid: 2001\n  groups:\n  - adm\n  - sudo\n  home: \"/home/deploy\"\nmode: '0644'\n'on': 'yes'\n"
        );
        assert_eq!(to_yaml(&Value::Integer(416)), "--- 416\n");
        assert_eq!(
            to_yaml(&serde_json::from_str(r#"["a","b"]"#).unwrap()),
            "---\n- a\n- b\n"
        );
    }
}
