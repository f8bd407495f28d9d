//! One function per command; each returns the process exit code.

use crate::args::{Cli, Color, Command, CompileArgs, Format};
use crate::render::{render, Sources};
use converge::catalog::{Catalog, Diagnostic, Value};
use converge::{CompileRequest, LogLevel};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

/// Run the parsed command line.
pub(crate) fn run(cli: Cli) -> i32 {
    let color = match cli.global.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => std::io::stderr().is_terminal(),
    };
    let out = Output {
        color,
        quiet: cli.global.quiet,
    };
    match cli.command {
        Command::Validate { files, compile } => validate(&out, &files, &compile),
        Command::Catalog {
            file,
            format,
            compile,
        } => catalog(&out, &file, format, &compile),
        Command::Graph {
            file,
            format,
            compile,
        } => graph(&out, &file, format, &compile),
        Command::Apply(args) => crate::apply::run(&out, args, false),
        Command::Plan(args) => crate::apply::run(&out, args, true),
        Command::Facts { name, facts } => show_facts(name.as_deref(), facts),
        Command::Lookup(args) => crate::lookup::run(&out, &args),
        Command::Doctor {
            file,
            format,
            compile,
        } => crate::doctor::run(&out, file.as_deref(), format, &compile),
        Command::Completions { shell } => crate::generate::completions(shell),
        Command::Man { dir } => crate::generate::man_pages(&dir),
    }
}

/// How to print.
pub(crate) struct Output {
    pub(crate) color: bool,
    pub(crate) quiet: bool,
}

impl Output {
    /// Print diagnostics to stderr, rendered with their source lines.
    pub(crate) fn diagnostics(&self, diags: &[Diagnostic]) {
        let mut sources = Sources::default();
        for d in diags {
            if self.quiet && !d.is_error() {
                continue;
            }
            eprintln!("{}", render(d, &mut sources, self.color));
        }
    }

    /// Print diagnostics about a text that is not a file on disk (a catalog read from
    /// stdin), with its lines.
    pub(crate) fn diagnostics_in(&self, diags: &[Diagnostic], origin: &str, text: String) {
        let mut sources = Sources::default();
        sources.insert(origin, text);
        for d in diags {
            eprintln!("{}", render(d, &mut sources, self.color));
        }
    }

    /// Print compile-time log messages the way Puppet does (`Notice: Scope(...): msg`).
    pub(crate) fn log(&self, log: &[converge::LogMessage]) {
        for m in log {
            let level = match m.level {
                LogLevel::Debug => continue,
                LogLevel::Info => continue,
                LogLevel::Notice => "Notice",
                LogLevel::Warning => "Warning",
                LogLevel::Err => "Error",
            };
            if self.quiet && m.level < LogLevel::Err {
                continue;
            }
            eprintln!("{level}: {}: {}", m.scope, m.text);
        }
    }
}

pub(crate) fn request(file: &Path, args: &CompileArgs) -> CompileRequest {
    let mut req = CompileRequest::file(file);
    req.facts_file = args.facts.clone();
    req.node = args.node.clone();
    req.strict_variables = args.strict_variables;
    req.hiera_config = args.hiera_config.clone();
    req.modulepath = args
        .modulepath
        .iter()
        .flat_map(|m| m.split(':'))
        .filter(|m| !m.is_empty())
        .map(PathBuf::from)
        .collect();
    // Empty: the compiler works the default out (environment.conf, or beside the manifest
    // and then Debian's base module path).
    req
}

fn summary(diags: &[Diagnostic]) -> (usize, usize) {
    let errors = diags.iter().filter(|d| d.is_error()).count();
    (errors, diags.len() - errors)
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

fn validate(out: &Output, files: &[PathBuf], args: &CompileArgs) -> i32 {
    let mut failed = false;
    for file in files {
        let checked = converge::check(&request(file, args));
        out.diagnostics(&checked.diagnostics);
        let (errors, warnings) = summary(&checked.diagnostics);
        if errors > 0 {
            failed = true;
            eprintln!(
                "{}: {}, {}",
                file.display(),
                plural(errors, "error"),
                plural(warnings, "warning")
            );
        } else if !out.quiet {
            let n = checked.catalog.as_ref().map_or(0, |c| {
                c.resources.iter().filter(|r| !r.is_container).count()
            });
            println!(
                "{}: ok ({}, {})",
                file.display(),
                plural(n, "resource"),
                plural(warnings, "warning")
            );
        }
    }
    i32::from(failed)
}

fn catalog(out: &Output, file: &Path, format: Format, args: &CompileArgs) -> i32 {
    let req = request(file, args);
    let facts = match converge::facts(&req) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            return 1;
        }
    };
    let compiled = converge::compile(&req, &facts);
    out.log(&compiled.log);
    out.diagnostics(&compiled.diagnostics);
    match compiled.catalog {
        Some(c) => {
            // Printed catalogs keep no secret: each Sensitive value is a salted digest.
            match format {
                Format::Text => print!("{}", catalog_text(&c)),
                _ => println!("{}", c.redacted().to_json()),
            }
            0
        }
        None => 1,
    }
}

/// A readable catalog: one resource a paragraph, its parameters indented.
fn catalog_text(c: &Catalog) -> String {
    let mut s = format!("catalog for {}\n", c.node);
    for r in &c.resources {
        let at = r
            .location()
            .map(|l| format!("  ({}:{})", l.file, l.line))
            .unwrap_or_default();
        s.push_str(&format!("\n{}{at}\n", r.reference()));
        if let Some(cont) = &r.container {
            s.push_str(&format!("  in {cont}\n"));
        }
        for (k, v) in &r.params {
            s.push_str(&format!("  {k} => {}\n", show_value(v)));
        }
    }
    if !c.edges.is_empty() {
        s.push_str("\nedges\n");
        for e in &c.edges {
            let arrow = match e.kind {
                converge::catalog::EdgeKind::Before => "->",
                converge::catalog::EdgeKind::Notify => "~>",
            };
            s.push_str(&format!(
                "  {} {arrow} {}  ({})\n",
                e.from,
                e.to,
                e.origin.as_str()
            ));
        }
    }
    s
}

fn show_value(v: &Value) -> String {
    match v {
        Value::String(s) => serde_json::to_string(s).unwrap_or_default(),
        Value::Sensitive(_) | Value::Redacted(_) => "Sensitive [value redacted]".into(),
        v => serde_json::to_string(v).unwrap_or_default(),
    }
}

fn graph(out: &Output, file: &Path, format: Format, args: &CompileArgs) -> i32 {
    let checked = converge::check(&request(file, args));
    out.diagnostics(&checked.diagnostics);
    let Some(plan) = &checked.plan else {
        return 1;
    };
    match format {
        Format::Dot => print!("{}", plan.to_dot()),
        _ => print!("{}", plan.to_text()),
    }
    i32::from(checked.has_errors())
}

fn show_facts(name: Option<&str>, facts_file: Option<PathBuf>) -> i32 {
    let req = CompileRequest {
        discover_facts: true,
        facts_file,
        ..Default::default()
    };
    let facts = match converge::facts(&req) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            return 1;
        }
    };
    match name {
        None => {
            let v = Value::Hash(facts.as_map().clone());
            println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
            0
        }
        Some(n) => match facts.get_path(n) {
            Some(Value::String(s)) => {
                println!("{s}");
                0
            }
            Some(v) => {
                println!("{}", serde_json::to_string_pretty(v).unwrap_or_default());
                0
            }
            None => {
                eprintln!("error: no fact named '{n}'");
                1
            }
        },
    }
}
