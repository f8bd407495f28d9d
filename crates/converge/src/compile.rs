//! From a manifest to a checked, planned catalog: facts, compile, schema check, plan.

use converge_catalog::{Catalog, Diagnostic};
use converge_facts::Facts;
use converge_lang::{CompileOptions, FactReads, LogMessage};
use converge_plan::Plan;
use std::path::PathBuf;

/// What to compile: the manifest, where modules are, which facts and node.
#[derive(Debug, Clone, Default)]
pub struct CompileRequest {
    /// The main manifest (also the name diagnostics use for `code`).
    pub manifest: PathBuf,
    /// Manifest text given directly instead of read from `manifest`.
    pub code: Option<String>,
    /// Module directories; empty means `converge_lang::env::default_modulepath`.
    pub modulepath: Vec<PathBuf>,
    /// The global Hiera configuration (default `/etc/puppet/hiera.yaml`).
    pub hiera_config: Option<PathBuf>,
    /// The environment directory (default: the manifest's control repository or directory).
    pub environment: Option<PathBuf>,
    /// A JSON file whose object is merged over the discovered facts.
    pub facts_file: Option<PathBuf>,
    /// Facts given as data, merged last (embedders, tests).
    pub facts_json: Option<serde_json::Value>,
    /// Discover this host's facts (off: start from an empty set).
    pub discover_facts: bool,
    /// The node name; default: the fqdn fact, then the hostname.
    pub node: Option<String>,
    /// Unknown variables are errors.
    pub strict_variables: bool,
}

impl CompileRequest {
    /// Compile the manifest at `path` with this host's facts.
    pub fn file(path: impl Into<PathBuf>) -> Self {
        CompileRequest {
            manifest: path.into(),
            discover_facts: true,
            ..Default::default()
        }
    }

    /// Compile `code`, naming it `name` in diagnostics.
    pub fn code(name: impl Into<PathBuf>, code: impl Into<String>) -> Self {
        CompileRequest {
            code: Some(code.into()),
            ..CompileRequest::file(name)
        }
    }

    /// Set the node name.
    pub fn node(mut self, node: impl Into<String>) -> Self {
        self.node = Some(node.into());
        self
    }
}

/// Facts could not be read from the `--facts` file.
#[derive(Debug, thiserror::Error)]
pub enum FactsError {
    /// The file could not be read.
    #[error("cannot read facts file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not a JSON object.
    #[error("facts file {path} is not a JSON object: {message}")]
    Json {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The file is not a JSON object of facts, at this line and column.
    #[error("{}:{line}:{column}: not a facts file (a JSON object of fact names to values): {message}", path.display())]
    Syntax {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong there.
        message: String,
    },
}

/// The facts a request compiles with: discovered, then the facts file, then `FACTER_*`
/// environment variables, then `facts_json`.
pub fn facts(req: &CompileRequest) -> Result<Facts, FactsError> {
    let mut facts = if req.discover_facts {
        Facts::discover()
    } else {
        Facts::default()
    };
    if let Some(path) = &req.facts_file {
        let text = std::fs::read_to_string(path).map_err(|source| FactsError::Read {
            path: path.clone(),
            source,
        })?;
        // Straight into catalog values, so that a wrong value is located too.
        let map: indexmap::IndexMap<String, converge_catalog::Value> = serde_json::from_str(&text)
            .map_err(|e| FactsError::Syntax {
                path: path.clone(),
                line: e.line().max(1),
                // serde_json says column 0 for an error at a line's start.
                column: e.column().max(1),
                message: converge_catalog::json_error_message(&e),
            })?;
        facts.merge(map);
    }
    facts.apply_env_overrides(std::env::vars());
    if let Some(json) = &req.facts_json {
        facts.merge_json(json).map_err(|e| FactsError::Json {
            path: "<facts given by the embedder>".into(),
            message: e.to_string(),
        })?;
    }
    Ok(facts)
}

/// `puppet lookup`: look keys up in Hiera for the request's node and facts (the first key
/// found wins), with `--explain`'s record when `explain`. `merge` is a strategy name or
/// a hash with `strategy` and its options.
pub fn lookup(
    req: &CompileRequest,
    facts: &Facts,
    keys: &[String],
    merge: Option<&converge_catalog::Value>,
    explain: bool,
) -> converge_lang::LookupOutcome {
    converge_lang::lookup(options(req, facts), keys, merge, explain)
}

/// Compile only (no schema check, no plan).
pub fn compile(req: &CompileRequest, facts: &Facts) -> converge_lang::Compiled {
    converge_lang::compile_owned(options(req, facts))
}

fn options(req: &CompileRequest, facts: &Facts) -> CompileOptions {
    let map = facts.as_map().clone();
    CompileOptions {
        manifest: req.manifest.clone(),
        code: req.code.clone(),
        modulepath: req.modulepath.clone(),
        hiera_config: req.hiera_config.clone(),
        environment: req.environment.clone(),
        node_name: req
            .node
            .as_ref()
            .map_or_else(|| facts.node_name(), |n| n.to_lowercase()),
        facts: map,
        strict_variables: req.strict_variables,
        // ERB templates the native renderer declines go to Ruby, when it is installed.
        erb_fallback: Some(std::sync::Arc::new(crate::RubyErb)),
    }
}

/// A compiled, schema-checked and planned catalog, or what stopped it.
#[derive(Debug, Default)]
pub struct Checked {
    /// The catalog, when it compiled.
    pub catalog: Option<Catalog>,
    /// The plan, when the catalog had no errors and no cycles.
    pub plan: Option<Plan>,
    /// Every error and warning from all stages, in stage order.
    pub diagnostics: Vec<Diagnostic>,
    /// Compile-time log messages (`notice()` and friends).
    pub log: Vec<LogMessage>,
    /// What the compile read of facts and the node name: a node that agrees on them gets
    /// the same catalog (the fleet shares it).
    pub fact_reads: FactReads,
}

impl Checked {
    /// Whether any stage reported an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Everything `converge validate` does: facts, compile, schema check of every resource,
/// plan (relationships, cycles). Touches nothing on the host.
pub fn check(req: &CompileRequest) -> Checked {
    let mut out = Checked::default();
    let facts = match facts(req) {
        Ok(f) => f,
        Err(e) => {
            let d = match &e {
                // Located, so that the line is shown under the message.
                FactsError::Syntax {
                    path,
                    line,
                    column,
                    message,
                } => Diagnostic::error(
                    "facts",
                    format!(
                        "{} is not a facts file (a JSON object of fact names to values): {message}",
                        path.display()
                    ),
                )
                .at(Some(converge_catalog::Location::new(
                    path.display().to_string(),
                    u32::try_from(*line).unwrap_or(u32::MAX).max(1),
                    u32::try_from(*column).unwrap_or(u32::MAX).max(1),
                ))),
                _ => Diagnostic::error("facts", e.to_string()),
            };
            out.diagnostics
                .push(d.with_hint("--facts takes a JSON object, e.g. {\"hostname\": \"web-01\"}"));
            return out;
        }
    };
    check_with_facts(req, &facts, &mut out);
    out
}

pub(crate) fn check_with_facts(req: &CompileRequest, facts: &Facts, out: &mut Checked) {
    let compiled = compile(req, facts);
    out.diagnostics.extend(compiled.diagnostics);
    out.log = compiled.log;
    out.fact_reads = compiled.fact_reads;
    let Some(catalog) = compiled.catalog else {
        // Evaluation errors: still check the attributes of what was declared, so that one
        // run of `validate` reports every mistake it can.
        if let Some(partial) = compiled.partial {
            out.diagnostics
                .extend(converge_providers::validate_catalog(&partial));
        }
        return;
    };
    let schema_errors = converge_providers::validate_catalog(&catalog);
    let schema_failed = schema_errors.iter().any(Diagnostic::is_error);
    out.diagnostics.extend(schema_errors);
    // Cycles are worth reporting even when attributes are wrong: both are found before
    // the host is touched, so a person fixes everything in one round.
    match converge_plan::plan(&catalog) {
        Ok(plan) => {
            out.diagnostics.extend(plan.warnings().iter().cloned());
            if !schema_failed {
                out.plan = Some(plan);
            }
        }
        Err(diags) => out.diagnostics.extend(diags),
    }
    out.catalog = Some(catalog);
}
