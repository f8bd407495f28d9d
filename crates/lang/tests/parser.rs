//! Data-driven parser tests: `tests/parser/ok/*.pp` must parse (snapshot: the AST as an
//! S-expression without spans, plus any warnings), `tests/parser/err/*.pp` must fail
//! (snapshot: the diagnostics with line:column), `tests/parser/epp/*.epp` are templates.
//! A last test feeds every prefix of every ok case to the parser: it must never panic.

use converge_catalog::Diagnostic;
use converge_lang::ast::*;
use converge_lang::{parse_epp, parse_manifest, Source};
use std::fmt::Write as _;

fn diag_lines(src: &Source, diags: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diags {
        let sev = if d.is_error() { "error" } else { "warning" };
        let at = d
            .location
            .as_ref()
            .map(|l| format!("{}:{}", l.line, l.column))
            .unwrap_or_else(|| "-".into());
        let _ = writeln!(out, "{sev}[{}] {at}: {}", d.code, d.message);
        if let Some(l) = &d.location {
            let line = src.text.lines().nth(l.line as usize - 1).unwrap_or("");
            let _ = writeln!(out, "  | {}", line.trim_end_matches('\r'));
        }
        for l in &d.labels {
            let _ = writeln!(
                out,
                "  label {}:{}: {}",
                l.location.line, l.location.column, l.message
            );
        }
        if let Some(h) = &d.hint {
            let _ = writeln!(out, "  hint: {h}");
        }
    }
    out
}

struct Printer {
    out: String,
}

impl Printer {
    fn body(&mut self, stmts: &[Expr], indent: usize) {
        for s in stmts {
            self.out.push('\n');
            self.out.push_str(&"  ".repeat(indent));
            self.expr(s, indent);
        }
    }

    fn params(&mut self, params: &[Param], indent: usize) {
        self.out.push_str("(params");
        for p in params {
            self.out.push_str(" (");
            if let Some(t) = &p.type_expr {
                self.expr(t, indent);
                self.out.push(' ');
            }
            if p.captures_rest {
                self.out.push('*');
            }
            let _ = write!(self.out, "${}", p.name);
            if let Some(d) = &p.default {
                self.out.push_str(" = ");
                self.expr(d, indent);
            }
            self.out.push(')');
        }
        self.out.push(')');
    }

    fn lambda(&mut self, l: &Option<Box<Lambda>>, indent: usize) {
        if let Some(l) = l {
            self.out.push_str(" (lambda ");
            self.params(&l.params, indent);
            self.body(&l.body, indent + 1);
            self.out.push(')');
        }
    }

    fn attrs(&mut self, attrs: &[Attr], indent: usize) {
        for a in attrs {
            self.out.push('\n');
            self.out.push_str(&"  ".repeat(indent));
            let op = if a.op == AttrOp::Append { "+>" } else { "=>" };
            let _ = write!(self.out, "({} {op} ", a.name);
            self.expr(&a.value, indent + 1);
            self.out.push(')');
        }
    }

    fn query(&mut self, q: &Query, indent: usize) {
        match q {
            Query::Eq(a, v) | Query::Ne(a, v) => {
                let op = if matches!(q, Query::Eq(..)) {
                    "=="
                } else {
                    "!="
                };
                let _ = write!(self.out, "({op} {a} ");
                self.expr(v, indent);
                self.out.push(')');
            }
            Query::And(a, b) | Query::Or(a, b) => {
                let op = if matches!(q, Query::And(..)) {
                    "and"
                } else {
                    "or"
                };
                let _ = write!(self.out, "({op} ");
                self.query(a, indent);
                self.out.push(' ');
                self.query(b, indent);
                self.out.push(')');
            }
        }
    }

    fn list(&mut self, items: &[Expr], indent: usize) {
        for (i, e) in items.iter().enumerate() {
            if i > 0 {
                self.out.push(' ');
            }
            self.expr(e, indent);
        }
    }

    fn expr(&mut self, e: &Expr, ind: usize) {
        match &e.kind {
            ExprKind::Undef => self.out.push_str("undef"),
            ExprKind::Default => self.out.push_str("default"),
            ExprKind::Bool(b) => {
                let _ = write!(self.out, "{b}");
            }
            ExprKind::Integer(i) => {
                let _ = write!(self.out, "{i}");
            }
            ExprKind::Float(f) => {
                let _ = write!(self.out, "{f:?}f");
            }
            ExprKind::Str(s) => {
                let _ = write!(self.out, "{s:?}");
            }
            ExprKind::Interpolated(parts) => {
                self.out.push_str("(dq");
                for p in parts {
                    self.out.push(' ');
                    match p {
                        StrPart::Lit(s) => {
                            let _ = write!(self.out, "{s:?}");
                        }
                        StrPart::Expr(x) => self.expr(x, ind),
                    }
                }
                self.out.push(')');
            }
            ExprKind::Bareword(w) => {
                let _ = write!(self.out, "{w}");
            }
            ExprKind::Regex(r) => {
                let _ = write!(self.out, "/{r}/");
            }
            ExprKind::Array(items) => {
                self.out.push('[');
                self.list(items, ind);
                self.out.push(']');
            }
            ExprKind::Hash(entries) => {
                self.out.push('{');
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        self.out.push_str(", ");
                    }
                    self.expr(k, ind);
                    self.out.push_str(" => ");
                    self.expr(v, ind);
                }
                self.out.push('}');
            }
            ExprKind::Variable(v) => {
                let _ = write!(self.out, "${v}");
            }
            ExprKind::TypeName(t) => {
                let _ = write!(self.out, "{t}");
            }
            ExprKind::Access { target, keys } => {
                self.out.push_str("(at ");
                self.expr(target, ind);
                self.out.push(' ');
                self.list(keys, ind);
                self.out.push(')');
            }
            ExprKind::Unary { op, expr } => {
                let _ = write!(self.out, "({op:?} ");
                self.expr(expr, ind);
                self.out.push(')');
            }
            ExprKind::Binary { op, lhs, rhs } => {
                let _ = write!(self.out, "({op:?} ");
                self.expr(lhs, ind);
                self.out.push(' ');
                self.expr(rhs, ind);
                self.out.push(')');
            }
            ExprKind::Chain { arrow, lhs, rhs } => {
                let _ = write!(self.out, "(chain {arrow:?} ");
                self.expr(lhs, ind);
                self.out.push(' ');
                self.expr(rhs, ind);
                self.out.push(')');
            }
            ExprKind::Assign { target, value } => {
                self.out.push_str("(= ");
                self.expr(target, ind);
                self.out.push(' ');
                self.expr(value, ind);
                self.out.push(')');
            }
            ExprKind::If {
                branches,
                else_body,
            } => {
                self.out.push_str("(if");
                for (c, b) in branches {
                    self.out.push_str(" (");
                    self.expr(c, ind);
                    self.body(b, ind + 1);
                    self.out.push(')');
                }
                if let Some(b) = else_body {
                    self.out.push_str(" (else");
                    self.body(b, ind + 1);
                    self.out.push(')');
                }
                self.out.push(')');
            }
            ExprKind::Unless {
                cond,
                body,
                else_body,
            } => {
                self.out.push_str("(unless ");
                self.expr(cond, ind);
                self.body(body, ind + 1);
                if let Some(b) = else_body {
                    self.out.push_str(" (else");
                    self.body(b, ind + 1);
                    self.out.push(')');
                }
                self.out.push(')');
            }
            ExprKind::Case { subject, arms } => {
                self.out.push_str("(case ");
                self.expr(subject, ind);
                for a in arms {
                    self.out.push('\n');
                    self.out.push_str(&"  ".repeat(ind + 1));
                    self.out.push('(');
                    self.list(&a.values, ind + 1);
                    self.out.push(':');
                    self.body(&a.body, ind + 2);
                    self.out.push(')');
                }
                self.out.push(')');
            }
            ExprKind::Selector { subject, arms } => {
                self.out.push_str("(? ");
                self.expr(subject, ind);
                for (k, v) in arms {
                    self.out.push_str(" (");
                    self.expr(k, ind);
                    self.out.push_str(" => ");
                    self.expr(v, ind);
                    self.out.push(')');
                }
                self.out.push(')');
            }
            ExprKind::Call { name, args, lambda } => {
                let _ = write!(self.out, "(call {name}");
                for a in args {
                    self.out.push(' ');
                    self.expr(a, ind);
                }
                self.lambda(lambda, ind);
                self.out.push(')');
            }
            ExprKind::MethodCall {
                receiver,
                name,
                args,
                lambda,
            } => {
                let _ = write!(self.out, "(.{name} ");
                self.expr(receiver, ind);
                for a in args {
                    self.out.push(' ');
                    self.expr(a, ind);
                }
                self.lambda(lambda, ind);
                self.out.push(')');
            }
            ExprKind::Resource {
                type_name,
                is_virtual,
                is_exported,
                bodies,
            } => {
                let at = if *is_exported {
                    "@@"
                } else if *is_virtual {
                    "@"
                } else {
                    ""
                };
                let _ = write!(self.out, "(resource {at}{type_name}");
                for b in bodies {
                    self.out.push('\n');
                    self.out.push_str(&"  ".repeat(ind + 1));
                    self.out.push_str("(body ");
                    self.expr(&b.title, ind + 1);
                    self.attrs(&b.attrs, ind + 2);
                    self.out.push(')');
                }
                self.out.push(')');
            }
            ExprKind::ResourceDefaults { type_name, attrs } => {
                let _ = write!(self.out, "(defaults {type_name}");
                self.attrs(attrs, ind + 1);
                self.out.push(')');
            }
            ExprKind::ResourceOverride { target, attrs } => {
                self.out.push_str("(override ");
                self.expr(target, ind);
                self.attrs(attrs, ind + 1);
                self.out.push(')');
            }
            ExprKind::Collector {
                type_name,
                query,
                is_exported,
            } => {
                let kind = if *is_exported {
                    "collect-exported"
                } else {
                    "collect"
                };
                let _ = write!(self.out, "({kind} {type_name}");
                if let Some(q) = query {
                    self.out.push(' ');
                    self.query(q, ind);
                }
                self.out.push(')');
            }
            ExprKind::Class(c) => {
                let _ = write!(self.out, "(class {} ", c.name);
                self.params(&c.params, ind);
                if let Some(p) = &c.parent {
                    let _ = write!(self.out, " (inherits {p})");
                }
                self.body(&c.body, ind + 1);
                self.out.push(')');
            }
            ExprKind::Define(d) => {
                let _ = write!(self.out, "(define {} ", d.name);
                self.params(&d.params, ind);
                self.body(&d.body, ind + 1);
                self.out.push(')');
            }
            ExprKind::Function(f) => {
                let _ = write!(self.out, "(function {} ", f.name);
                self.params(&f.params, ind);
                if let Some(t) = &f.return_type {
                    self.out.push_str(" >> ");
                    self.expr(t, ind);
                }
                self.body(&f.body, ind + 1);
                self.out.push(')');
            }
            ExprKind::Node(n) => {
                let _ = write!(self.out, "(node {:?}", n.matches);
                self.body(&n.body, ind + 1);
                self.out.push(')');
            }
            ExprKind::Paren(x) => {
                self.out.push_str("(paren ");
                self.expr(x, ind);
                self.out.push(')');
            }
            ExprKind::Block(b) => {
                self.out.push_str("(block");
                self.body(b, ind + 1);
                self.out.push(')');
            }
            ExprKind::EppText(t) => {
                let _ = write!(self.out, "(text {t:?})");
            }
            ExprKind::EppRender(x) => {
                self.out.push_str("(render ");
                self.expr(x, ind);
                self.out.push(')');
            }
        }
    }
}

/// Keep this suite's snapshots next to its inputs, apart from other suites'.
fn in_snapshot_dir(f: impl FnOnce()) {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("parser/snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(f);
}

fn read(path: &std::path::Path) -> Source {
    let text = std::fs::read_to_string(path).expect("test input is readable UTF-8");
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    Source::new(name, text)
}

#[test]
fn ok_cases_parse() {
    in_snapshot_dir(|| {
        insta::glob!("parser/ok/*.pp", |path| {
            let src = read(path);
            let (ast, diags) = parse_manifest(&src);
            let Some(ast) = ast else {
                panic!("{} failed:\n{}", path.display(), diag_lines(&src, &diags));
            };
            let mut p = Printer { out: String::new() };
            p.body(&ast.body, 0);
            let mut snap = p.out.trim_start().to_string();
            if !diags.is_empty() {
                snap.push_str("\n\n");
                snap.push_str(&diag_lines(&src, &diags));
            }
            insta::assert_snapshot!(snap);
        });
    });
}

#[test]
fn err_cases_fail_with_located_messages() {
    in_snapshot_dir(|| {
        insta::glob!("parser/err/*.pp", |path| {
            let src = read(path);
            let (ast, diags) = parse_manifest(&src);
            assert!(ast.is_none(), "{} parsed but should not", path.display());
            assert!(diags.iter().any(|d| d.is_error() && d.location.is_some()));
            insta::assert_snapshot!(diag_lines(&src, &diags));
        });
    });
}

#[test]
fn epp_cases() {
    in_snapshot_dir(|| {
        insta::glob!("parser/epp/*.epp", |path| {
            let src = read(path);
            let (tpl, diags) = parse_epp(&src);
            let mut snap = String::new();
            if let Some(tpl) = tpl {
                let mut p = Printer { out: String::new() };
                if let Some(params) = &tpl.params {
                    p.params(params, 0);
                }
                p.body(&tpl.body, 0);
                snap.push_str(p.out.trim_start());
                snap.push('\n');
            }
            snap.push_str(&diag_lines(&src, &diags));
            insta::assert_snapshot!(snap);
        });
    });
}

/// Every prefix of every valid case (cut at character boundaries) either parses or
/// yields a located error; none panics.
#[test]
fn truncated_inputs_never_panic() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/parser");
    for sub in ["ok", "err", "epp"] {
        let Ok(entries) = std::fs::read_dir(dir.join(sub)) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "snap") {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("readable");
            // Every cut in small files; a spread of about 200 cuts in bigger ones, so the
            // test stays quick in debug builds.
            let cuts: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
            let stride = (cuts.len() / 200).max(1);
            for i in cuts.into_iter().step_by(stride) {
                let src = Source::new("t.pp", &text[..i]);
                let (ok, diags) = if sub == "epp" {
                    let (t, d) = parse_epp(&src);
                    (t.is_some(), d)
                } else {
                    let (m, d) = parse_manifest(&src);
                    (m.is_some(), d)
                };
                if !ok {
                    assert!(
                        diags.iter().any(|d| d.is_error() && d.location.is_some()),
                        "{} cut at {i}: no located error",
                        path.display()
                    );
                }
            }
        }
    }
}

/// A manifest of a few hundred kilobytes (parsed in pieces internally) gives the same
/// statements, spans and errors as a small one would: statement count, the location of
/// the last resource, an if/else and a chain that must not be cut apart, and the
/// location of a syntax error near the end.
#[test]
fn big_manifests_keep_statements_and_locations() {
    let mut text = String::new();
    let n: usize = 3000;
    for i in 0..n {
        let _ = writeln!(
            text,
            "file {{ '/tmp/f{i}':\n  ensure  => file,\n  content => \"v {i}\\n\",\n}}"
        );
        if i % 500 == 0 {
            text.push_str("if $x {\n  notice('a')\n}\nelse {\n  notice('b')\n}\n");
            text.push_str("exec { 'e': command => '/bin/true' }\n-> package { 'p': }\n");
            text.push_str("$doc = @(END)\n  }\n  notify { 'not code': }\n  | END\n");
        }
    }
    let src = Source::new("big.pp", text.clone());
    let (ast, diags) = parse_manifest(&src);
    let ast = ast.unwrap_or_else(|| panic!("{}", diag_lines(&src, &diags)));
    // n resources plus, every 500, an if, a chain and an assignment.
    assert_eq!(ast.body.len(), n + 3 * n.div_ceil(500));
    let lines = text.lines().count() as u32;
    let last = ast
        .body
        .last()
        .map(|e| src.location(e.span))
        .expect("statements");
    assert_eq!((last.line, last.column), (lines - 3, 1));
    let ifs = ast
        .body
        .iter()
        .filter(|e| {
            matches!(
                &e.kind,
                ExprKind::If {
                    else_body: Some(_),
                    ..
                }
            )
        })
        .count();
    let chains = ast
        .body
        .iter()
        .filter(|e| matches!(e.kind, ExprKind::Chain { .. }))
        .count();
    assert_eq!((ifs, chains), (n.div_ceil(500), n.div_ceil(500)));

    // Drop the comma after the last `ensure => file`.
    let cut = text.rfind("ensure  => file,").expect("present") + "ensure  => file".len();
    let broken = format!("{}{}", &text[..cut], &text[cut + 1..]);
    let src = Source::new("big.pp", broken);
    let (ast, diags) = parse_manifest(&src);
    assert!(ast.is_none());
    let loc = diags[0].location.clone().expect("located");
    assert_eq!(
        (loc.line, loc.column),
        (lines - 1, 3),
        "{}",
        diags[0].message
    );
    assert!(
        diags[0].message.contains("'content'"),
        "{}",
        diags[0].message
    );
}
