//! Evaluation: AST plus facts to a catalog, with Puppet's semantics.
//!
//! The compiler follows Puppet's order: the main code first (classes are evaluated when
//! included), then the matching node, then the lazy parts (defined-type instances,
//! collectors, realization) until nothing changes, then resource defaults, overrides and
//! relationships. Errors are collected as diagnostics; evaluation continues with the next
//! statement where that makes sense, and the catalog is withheld if there was any error.

mod aliases;
mod classes;
mod convert;
mod describe;
mod epp;
mod erb;
mod expr;
mod format;
mod functions;
pub(crate) mod hiera;
mod index;
mod iterate;
mod modfns;
mod ops;
mod reads;
mod resources;
mod scope;
mod stdlib;
mod time;
mod types;
mod value;

use crate::ast::{
    ClassDef, DefineDef, Expr, ExprKind, FunctionDef, Manifest, NodeDef, NodeMatch, Span,
};
use crate::Source;
use converge_catalog::{Catalog, Diagnostic, Location, ResourceRef, Value};
use indexmap::IndexMap;
use resources::{ChainRel, Collector, Override, Res};
use scope::{Scope, ScopeId, ScopeKind};
// foldhash (as in the plan crate): SipHash was 5% of compiling; manifests are not hostile input.
use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
pub use reads::{FactReads, NodeInputs};
use std::collections::VecDeque;
use std::path::PathBuf;
use std::rc::Rc;
use value::Val;

/// What to compile and how.
#[derive(Debug, Clone, Default)]
pub struct CompileOptions {
    /// The main manifest file.
    pub manifest: PathBuf,
    /// The manifest's text, when it does not come from the file (`-e`, stdin, tests).
    pub code: Option<String>,
    /// Directories searched for modules; empty means [`crate::env::default_modulepath`].
    pub modulepath: Vec<PathBuf>,
    /// The global Hiera configuration; `None` means Debian's `/etc/puppet/hiera.yaml`.
    pub hiera_config: Option<PathBuf>,
    /// The environment directory (its `hiera.yaml` is Hiera's environment layer); `None`
    /// means [`crate::env::environment_dir`] of the manifest.
    pub environment: Option<PathBuf>,
    /// Top-level facts (facter's names and shapes).
    pub facts: IndexMap<String, Value>,
    /// The name node definitions are matched against.
    pub node_name: String,
    /// Unknown variables are errors (Puppet 8) instead of warnings (Puppet 7).
    pub strict_variables: bool,
    /// Renders the ERB templates the native renderer declines (the converge crate
    /// provides one that runs Ruby); None: such templates are errors.
    pub erb_fallback: Option<std::sync::Arc<dyn converge_erb::wire::FallbackFactory>>,
}

/// Level of a message logged at compile time (`notice()`, `warning()`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum LogLevel {
    /// `debug()`.
    Debug,
    /// `info()`.
    Info,
    /// `notice()`.
    Notice,
    /// `warning()`.
    Warning,
    /// `err()`.
    Err,
}

/// A message logged by a logging function while compiling.
#[derive(Debug, Clone, PartialEq)]
pub struct LogMessage {
    /// Its level.
    pub level: LogLevel,
    /// `Scope(Class[main])`-style scope, as Puppet prints it.
    pub scope: String,
    /// The message.
    pub text: String,
    /// Where the call was.
    pub location: Option<Location>,
}

/// The outcome of a compilation.
#[derive(Debug, Clone, Default)]
pub struct Compiled {
    /// The catalog, when there was no error.
    pub catalog: Option<Catalog>,
    /// When evaluation found errors but still ran to the end: the catalog as far as it
    /// got, so that `validate` can also check its resources' attributes and report every
    /// mistake in one round. Never to be applied.
    pub partial: Option<Catalog>,
    /// Errors and warnings, in the order found.
    pub diagnostics: Vec<Diagnostic>,
    /// Messages from logging functions.
    pub log: Vec<LogMessage>,
    /// The facts and node-name dependence this compilation read: another node that
    /// agrees on them gets the same catalog.
    pub fact_reads: FactReads,
}

/// Compile a manifest into a catalog.
///
/// Runs on a thread with a large stack so that deeply nested input cannot overflow it;
/// should anything still panic, the panic becomes an `internal` diagnostic.
pub fn compile(opts: &CompileOptions) -> Compiled {
    compile_owned(opts.clone())
}

/// [`compile`] taking the options by value, so that the manifest's text is not copied
/// (a big manifest is megabytes, alive for the whole compilation).
pub fn compile_owned(opts: CompileOptions) -> Compiled {
    // Shared so that the options are still at hand should the thread not start.
    let shared = std::sync::Arc::new(std::sync::Mutex::new(Some(opts)));
    let for_thread = shared.clone();
    let handle = std::thread::Builder::new()
        .name("converge-compile".into())
        .stack_size(256 << 20)
        .spawn(move || {
            let opts = for_thread.lock().ok().and_then(|mut o| o.take());
            opts.map(|o| Compiler::new(o).run())
        });
    let internal = || Compiled {
        catalog: None,
        partial: None,
        diagnostics: vec![Diagnostic::error(
            "internal",
            "the compiler failed unexpectedly; please report this manifest",
        )],
        ..Compiled::default()
    };
    match handle {
        Ok(h) => {
            let compiled = h.join().ok().flatten().unwrap_or_else(internal);
            // What the compiler freed stays in its thread's arena, out of reach of the
            // caller's next steps (schema check, plan: the 100k peak was there).
            let size = compiled
                .catalog
                .as_ref()
                .or(compiled.partial.as_ref())
                .map_or(0, |c| c.resources.len());
            release_free_memory(size);
            compiled
        }
        Err(_) => {
            let opts = shared.lock().ok().and_then(|mut o| o.take());
            opts.map_or_else(internal, |o| Compiler::new(o).run())
        }
    }
}

/// The outcome of [`evaluate`]: the compilation, and the value of the manifest's last
/// statement as Puppet's `%p` format writes it (`'abc'`, `[1, 'a']`, `Integer[1, 10]`),
/// when it was evaluated without error.
#[derive(Debug, Clone, Default)]
pub struct Evaluated {
    /// The compilation (catalog, diagnostics, log).
    pub compiled: Compiled,
    /// The last statement's value, rendered; `None` if evaluating it failed.
    pub value: Option<String>,
}

/// Compile a manifest and also return the value of its last top-level statement: how
/// the expression suite compares converge with Puppet, and a way for embedders to
/// evaluate a Puppet expression.
pub fn evaluate(opts: CompileOptions) -> Evaluated {
    let handle = std::thread::Builder::new()
        .name("converge-evaluate".into())
        .stack_size(256 << 20)
        .spawn(move || {
            let mut c = Compiler::new(opts);
            c.want_value = true;
            c.run_keeping_value()
        });
    match handle.ok().and_then(|h| h.join().ok()) {
        Some(e) => e,
        None => Evaluated {
            compiled: Compiled {
                diagnostics: vec![Diagnostic::error(
                    "internal",
                    "the compiler failed unexpectedly; please report this manifest",
                )],
                ..Compiled::default()
            },
            value: None,
        },
    }
}

/// Why evaluation of an expression stopped early.
#[derive(Debug, Clone)]
pub(crate) enum Halt {
    /// An error was recorded; the current statement is abandoned.
    Error,
    /// An error was recorded that ends the compilation (`fail()`, runaway recursion).
    Fatal,
    /// `next(value)` inside a lambda.
    Next(Val),
    /// `break()` inside an iteration.
    Break,
    /// `return(value)` from a lambda, class or define body.
    Return(Val),
}

/// Result of evaluating something.
pub(crate) type R<T> = Result<T, Halt>;

/// A definition with the source it came from.
#[derive(Debug, Clone)]
pub(crate) struct Def<T> {
    pub(crate) def: Rc<T>,
    pub(crate) src: usize,
}

/// How deep classes, defines, lambdas and expressions may nest before we call it runaway
/// recursion.
const MAX_DEPTH: usize = 400;

/// The largest string (bytes) a manifest may build; runaway growth is an error, not an
/// out-of-memory abort.
pub(crate) const MAX_VALUE_SIZE: usize = 16 << 20;

/// The most resources a catalog may hold (ten times the largest catalog we benchmark).
pub(crate) const MAX_RESOURCES: usize = 1_000_000;

/// The compiler's whole state for one compilation.
pub(crate) struct Compiler {
    pub(crate) opts: CompileOptions,
    pub(crate) sources: Vec<Source>,
    pub(crate) cur_src: usize,
    pub(crate) scopes: Vec<Scope>,
    pub(crate) scope: ScopeId,
    pub(crate) top: ScopeId,
    pub(crate) class_scopes: HashMap<String, ScopeId>,
    pub(crate) classes: HashMap<String, Def<ClassDef>>,
    pub(crate) defines: HashMap<String, Def<DefineDef>>,
    /// Type aliases by lowercase name.
    pub(crate) aliases: HashMap<String, aliases::AliasEntry>,
    pub(crate) functions: HashMap<String, Def<FunctionDef>>,
    pub(crate) nodes: Vec<Def<NodeDef>>,
    pub(crate) loaded_files: HashSet<PathBuf>,
    pub(crate) resources: Vec<Res>,
    pub(crate) index: index::RefIndex,
    pub(crate) declared_classes: HashMap<String, usize>,
    pub(crate) pending_defines: VecDeque<usize>,
    pub(crate) collectors: Vec<Collector>,
    pub(crate) overrides: Vec<Override>,
    pub(crate) chains: Vec<ChainRel>,
    pub(crate) pending_realize: Vec<(ResourceRef, Location)>,
    pub(crate) diags: Vec<Diagnostic>,
    pub(crate) log: Vec<LogMessage>,
    /// Ephemeral match scopes for `$0`..`$9`, innermost last.
    pub(crate) matches: Vec<Option<Vec<Val>>>,
    /// EPP output buffers, innermost last.
    pub(crate) output: Vec<String>,
    pub(crate) depth: usize,
    pub(crate) in_double_quotes: usize,
    pub(crate) regex_cache: HashMap<String, std::sync::Arc<converge_rubyre::Regex>>,
    pub(crate) node_name: String,
    /// How deep in defined-type instances the code being evaluated is.
    pub(crate) define_depth: usize,
    /// ERB templates: parsed ones, Ruby values of variables, the Ruby fallback.
    pub(crate) erb: erb::ErbState,
    /// Keep the value of the main manifest's last statement ([`evaluate`]).
    want_value: bool,
    /// That value, once evaluated without error.
    value: Option<Val>,
    /// What the evaluation read of facts and the node name.
    pub(crate) reads: reads::Recorder,
    /// Hiera, made at the first lookup.
    pub(crate) hiera: Option<converge_hiera::Hiera>,
    /// Records what lookups try, for `converge lookup --explain`.
    pub(crate) explain: Option<converge_hiera::Explainer>,
}

impl Compiler {
    pub(crate) fn new(mut opts: CompileOptions) -> Self {
        if opts.modulepath.is_empty() {
            opts.modulepath = crate::env::default_modulepath(&opts.manifest);
        }
        let mut c = Compiler {
            opts,
            sources: Vec::new(),
            cur_src: 0,
            scopes: Vec::new(),
            scope: 0,
            top: 0,
            class_scopes: HashMap::new(),
            classes: HashMap::new(),
            defines: HashMap::new(),
            aliases: HashMap::new(),
            functions: HashMap::new(),
            nodes: Vec::new(),
            loaded_files: HashSet::new(),
            resources: Vec::new(),
            index: index::RefIndex::new(),
            declared_classes: HashMap::new(),
            pending_defines: VecDeque::new(),
            collectors: Vec::new(),
            overrides: Vec::new(),
            chains: Vec::new(),
            pending_realize: Vec::new(),
            diags: Vec::new(),
            log: Vec::new(),
            matches: vec![None],
            output: Vec::new(),
            depth: 0,
            in_double_quotes: 0,
            regex_cache: HashMap::new(),
            node_name: String::new(),
            define_depth: 0,
            erb: erb::ErbState::default(),
            want_value: false,
            value: None,
            reads: reads::Recorder::default(),
            hiera: None,
            explain: None,
        };
        let top = c.push_scope(Scope::new(ScopeKind::Top, None, "Class[main]".into()));
        c.top = top;
        c.scope = top;
        c
    }

    fn run_keeping_value(mut self) -> Evaluated {
        let compiled = self.run_mut();
        let value = self.value.as_ref().map(format::inspect);
        Evaluated { compiled, value }
    }

    fn run(mut self) -> Compiled {
        self.run_mut()
    }

    fn run_mut(&mut self) -> Compiled {
        let manifest_path = self.opts.manifest.display().to_string();
        // The options are this compiler's own copy: take the text rather than copy it
        // again (a big manifest is megabytes).
        let text = match self.opts.code.take() {
            Some(code) => code,
            None => match std::fs::read_to_string(&self.opts.manifest) {
                Ok(t) => t,
                Err(e) => {
                    return Compiled {
                        catalog: None,
                        partial: None,
                        diagnostics: vec![Diagnostic::error(
                            "io",
                            format!("Could not read manifest '{manifest_path}': {e}"),
                        )],
                        ..Compiled::default()
                    }
                }
            },
        };
        self.sources.push(Source::new(manifest_path, text));
        let (ast, diags) = crate::parse_manifest(&self.sources[0]);
        self.diags.extend(diags);
        let Some(ast) = ast else {
            return self.finish_output(None);
        };
        if self.diags.iter().any(Diagnostic::is_error) {
            return self.finish_output(None);
        }
        let mut ast = ast;
        self.init_top_scope();
        self.hoist(&mut ast.body, 0, None);
        let main = self.main_phase(&ast);
        // Definitions were moved out by `hoist`; the main AST is no longer needed.
        drop(ast);
        if let Err(Halt::Fatal) = main.and_then(|_| self.lazy_phase()) {
            return self.finish_output(None);
        }
        // Every class body has run and been freed; half of them were parsed (and
        // allocated) on another thread, whose malloc arena keeps the freed memory from
        // the catalog about to be built. Give it back first (100k resources: -80 MB).
        release_free_memory(self.resources.len());
        let catalog = self.finish();
        self.finish_output(catalog)
    }

    fn main_phase(&mut self, ast: &Manifest) -> R<()> {
        if self.want_value {
            let errors = self.diags.len();
            let v = self.eval_stmts(&ast.body, true)?;
            if !self.diags[errors..].iter().any(Diagnostic::is_error) {
                self.value = Some(v);
            }
        } else {
            self.eval_body_unused(&ast.body)?;
        }
        self.eval_node()
    }

    fn finish_output(&mut self, catalog: Option<Catalog>) -> Compiled {
        let failed = self.diags.iter().any(Diagnostic::is_error);
        let (catalog, partial) = if failed {
            (None, catalog)
        } else {
            (catalog, None)
        };
        Compiled {
            catalog,
            partial,
            diagnostics: std::mem::take(&mut self.diags),
            log: std::mem::take(&mut self.log),
            fact_reads: self.reads.take(),
        }
    }

    /// Facts as `$facts`, as top-scope variables (legacy flat names too), and `$trusted`.
    pub(crate) fn init_top_scope(&mut self) {
        let mut facts: value::Map = self
            .opts
            .facts
            .iter()
            .map(|(k, v)| (value::Key::from(k.as_str()), Val::from_value(v)))
            .collect();
        add_legacy_facts(&mut facts);
        let node = reads::node_name_for(&self.opts.node_name, &facts);
        if self.opts.node_name.is_empty() {
            // Named by its facts: whatever depends on the name depends on them.
            for fact in ["fqdn", "hostname"] {
                self.reads.fact_path(&facts, &[fact]);
            }
        }
        reads::add_client_facts(&mut facts, &node);
        self.node_name = node.clone();
        let top = self.top;
        for (k, v) in &facts {
            self.set_var(top, &k.text(), v.clone());
        }
        // As Puppet's `TrustedInformation.local`: no domain is undef, not ''.
        let (host, domain) = match node.split_once('.') {
            Some((h, d)) => (h.to_string(), Val::Str(d.to_string())),
            None => (node.clone(), Val::Undef),
        };
        let trusted: value::Map = [
            ("authenticated", Val::Str("local".into())),
            ("certname", Val::Str(node.clone())),
            ("extensions", Val::Hash(IndexMap::new())),
            ("hostname", Val::Str(host)),
            ("domain", domain),
            ("external", Val::Hash(IndexMap::new())),
        ]
        .into_iter()
        .map(|(k, v)| (value::Key::from(k), v))
        .collect();
        self.set_var(top, "facts", Val::Hash(facts));
        self.set_var(top, "trusted", Val::Hash(trusted));
        // What `puppet apply` has there: no server, so only the environment.
        let server_facts: value::Map = [(
            value::Key::from("environment"),
            Val::Str("production".into()),
        )]
        .into_iter()
        .collect();
        self.set_var(top, "server_facts", Val::Hash(server_facts));
        self.set_var(top, "environment", Val::Str("production".into()));
        self.set_var(top, "title", Val::Str("main".into()));
        self.set_var(top, "name", Val::Str("main".into()));
    }

    /// Register the classes, defines and nodes of a file before any code runs (Puppet
    /// definitions are not order dependent).
    pub(crate) fn hoist(&mut self, body: &mut [Expr], src: usize, outer: Option<&str>) {
        for e in body {
            // Definitions move out of the tree (a definition statement evaluates to
            // nothing, and so does the `undef` left in its place): copying them doubled
            // the memory of manifests made of classes.
            let kind = match &e.kind {
                ExprKind::Class(_)
                | ExprKind::Define(_)
                | ExprKind::TypeAlias(_)
                | ExprKind::Function(_) => std::mem::replace(&mut e.kind, ExprKind::Undef),
                ExprKind::Node(_) if outer.is_none() => {
                    std::mem::replace(&mut e.kind, ExprKind::Undef)
                }
                _ => continue,
            };
            match kind {
                ExprKind::Class(c) => {
                    let mut def = *c;
                    def.name = qualify(&def.name, outer);
                    let name = def.name.clone();
                    self.hoist(&mut def.body, src, Some(&name));
                    self.register_class(def, src, e.span);
                }
                ExprKind::Define(d) => {
                    let mut def = *d;
                    def.name = qualify(&def.name, outer);
                    if let Some(prev) = self.defines.get(&def.name) {
                        let prev_loc = loc_in(&self.sources[prev.src], prev.def.span);
                        let loc = loc_in(&self.sources[src], e.span);
                        self.diags.push(
                            Diagnostic::error(
                                "duplicate-definition",
                                format!("Defined type '{}' is already defined", def.name),
                            )
                            .at(Some(loc))
                            .with_label(prev_loc, "first defined here"),
                        );
                        continue;
                    }
                    self.defines.insert(
                        def.name.clone(),
                        Def {
                            def: Rc::new(def),
                            src,
                        },
                    );
                }
                ExprKind::TypeAlias(t) => self.register_alias(*t, src),
                ExprKind::Function(f) => {
                    let mut def = *f;
                    def.name = unroot(&def.name).to_lowercase();
                    if let Some(prev) = self.functions.get(&def.name) {
                        let prev_loc = loc_in(&self.sources[prev.src], prev.def.span);
                        let loc = loc_in(&self.sources[src], e.span);
                        self.diags.push(
                            Diagnostic::error(
                                "duplicate-definition",
                                format!("Function '{}' is already defined", def.name),
                            )
                            .at(Some(loc))
                            .with_label(prev_loc, "first defined here"),
                        );
                        continue;
                    }
                    self.functions.insert(
                        def.name.clone(),
                        Def {
                            def: Rc::new(def),
                            src,
                        },
                    );
                }
                ExprKind::Node(n) => {
                    self.nodes.push(Def {
                        def: Rc::new(*n),
                        src,
                    });
                }
                _ => {}
            }
        }
    }

    fn register_class(&mut self, def: ClassDef, src: usize, span: Span) {
        if let Some(prev) = self.classes.get(&def.name) {
            let prev_loc = loc_in(&self.sources[prev.src], prev.def.span);
            let loc = loc_in(&self.sources[src], span);
            self.diags.push(
                Diagnostic::error(
                    "duplicate-definition",
                    format!("Class '{}' is already defined", def.name),
                )
                .at(Some(loc))
                .with_label(prev_loc, "first defined here"),
            );
            return;
        }
        self.classes.insert(
            def.name.clone(),
            Def {
                def: Rc::new(def),
                src,
            },
        );
    }

    /// Evaluate statements in order; an error abandons only its own statement.
    pub(crate) fn eval_body(&mut self, body: &[Expr]) -> R<Val> {
        self.eval_stmts(body, true)
    }

    /// [`Compiler::eval_body`] for a body whose value nobody reads (class and define
    /// bodies, the main manifest).
    pub(crate) fn eval_body_unused(&mut self, body: &[Expr]) -> R<()> {
        self.eval_stmts(body, false).map(|_| ())
    }

    fn eval_stmts(&mut self, body: &[Expr], want_last: bool) -> R<Val> {
        let mut last = Val::Undef;
        for (k, e) in body.iter().enumerate() {
            // Only the last statement's value can be read.
            let r = if want_last && k + 1 == body.len() {
                self.eval(e)
            } else {
                self.eval_unused(e)
            };
            match r {
                Ok(v) => last = v,
                Err(Halt::Error) => last = Val::Undef,
                Err(h) => return Err(h),
            }
        }
        Ok(last)
    }

    /// Evaluate statements in order, stopping at the first error (lambda bodies: their
    /// value feeds the caller, so a half-evaluated body would only cascade errors).
    pub(crate) fn eval_body_strict(&mut self, body: &[Expr]) -> R<Val> {
        let mut last = Val::Undef;
        for e in body {
            last = self.eval(e)?;
        }
        Ok(last)
    }

    /// The location of a span in the current source.
    pub(crate) fn loc(&self, span: Span) -> Location {
        loc_in(&self.sources[self.cur_src], span)
    }

    /// Record an error at a location and return the halt that abandons the statement.
    pub(crate) fn error_at(&mut self, code: &str, msg: impl Into<String>, loc: Location) -> Halt {
        self.diags.push(Diagnostic::error(code, msg).at(Some(loc)));
        Halt::Error
    }

    /// Record an error at a span of the current source.
    pub(crate) fn err(&mut self, code: &str, msg: impl Into<String>, span: Span) -> Halt {
        let loc = self.loc(span);
        self.error_at(code, msg, loc)
    }

    /// Record a warning at a span of the current source.
    pub(crate) fn warn(&mut self, code: &str, msg: impl Into<String>, span: Span) {
        let loc = self.loc(span);
        self.diags
            .push(Diagnostic::warning(code, msg).at(Some(loc)));
    }

    /// Enter one more level of nesting; runaway recursion is a fatal error.
    pub(crate) fn enter(&mut self, span: Span) -> R<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            self.depth -= 1;
            let loc = self.loc(span);
            self.diags.push(
                Diagnostic::error(
                    "recursion",
                    format!("Maximum nesting depth of {MAX_DEPTH} exceeded (runaway recursion?)"),
                )
                .at(Some(loc)),
            );
            return Err(Halt::Fatal);
        }
        Ok(())
    }

    /// Leave a level entered with [`Compiler::enter`].
    pub(crate) fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    /// Match the node definitions, if any, and evaluate the one that matches.
    fn eval_node(&mut self) -> R<()> {
        if self.nodes.is_empty() {
            return Ok(());
        }
        let name = self.node_name.clone();
        let candidates = reads::node_candidates(&name);
        let mut found: Option<(usize, String)> = None;
        'exact: for cand in &candidates {
            for (i, node) in self.nodes.iter().enumerate() {
                for m in &node.def.matches {
                    if let NodeMatch::Name(n) = m {
                        if n.to_lowercase() == *cand {
                            found = Some((i, n.to_lowercase()));
                            break 'exact;
                        }
                    }
                }
            }
        }
        if found.is_none() {
            're: for (i, node) in self.nodes.iter().enumerate() {
                for m in &node.def.matches {
                    if let NodeMatch::Regex(r) = m {
                        if let Ok(re) = converge_rubyre::Regex::cached(r) {
                            if re.is_match(&name) {
                                found = Some((i, name.clone()));
                                break 're;
                            }
                        }
                    }
                }
            }
        }
        if found.is_none() {
            found = self.nodes.iter().enumerate().find_map(|(i, node)| {
                node.def
                    .matches
                    .iter()
                    .any(|m| matches!(m, NodeMatch::Default))
                    .then(|| (i, "default".to_string()))
            });
        }
        if found.as_ref().is_some_and(|(_, label)| label == "default") {
            // Any name that matches none of the other definitions compiles alike.
            let mut names = Vec::new();
            let mut regexes = Vec::new();
            for node in &self.nodes {
                for m in &node.def.matches {
                    match m {
                        NodeMatch::Name(n) => names.push(n.to_lowercase()),
                        NodeMatch::Regex(r) => {
                            if let Ok(re) = converge_rubyre::Regex::cached(r) {
                                regexes.push(re);
                            }
                        }
                        NodeMatch::Default => {}
                    }
                }
            }
            self.reads.fell_to_default(names, regexes);
        } else {
            // A named or regex match: its scope (in messages) carries the name.
            self.reads.node_name(&name);
        }
        let Some((i, label)) = found else {
            let loc = loc_in(&self.sources[self.nodes[0].src], self.nodes[0].def.span);
            self.diags.push(
                Diagnostic::error(
                    "no-matching-node",
                    format!("Could not find node statement with name 'default' or '{name}'"),
                )
                .at(Some(loc))
                .with_hint(format!(
                    "add `node default {{ }}` or a node definition matching '{name}' (see --node)"
                )),
            );
            return Err(Halt::Error);
        };
        let node = self.nodes[i].clone();
        let mut s = Scope::new(ScopeKind::Node, Some(self.top), format!("Node[{label}]"));
        s.container = None;
        let sid = self.push_scope(s);
        let (saved_scope, saved_src) = (self.scope, self.cur_src);
        self.scope = sid;
        self.cur_src = node.src;
        let r = self.eval_body_unused(&node.def.body);
        self.scope = saved_scope;
        self.cur_src = saved_src;
        match r {
            Err(Halt::Fatal) => Err(Halt::Fatal),
            _ => Ok(()),
        }
    }

    /// Evaluate defined-type instances and collectors until nothing changes.
    fn lazy_phase(&mut self) -> R<()> {
        let mut rounds = 0usize;
        loop {
            rounds += 1;
            let mut progress = false;
            while let Some(idx) = self.pending_defines.pop_front() {
                progress = true;
                match self.eval_define_instance(idx) {
                    Err(Halt::Fatal) => return Err(Halt::Fatal),
                    _ => continue,
                }
            }
            if self.run_collectors() {
                progress = true;
            }
            if !progress || rounds > 10_000 {
                return Ok(());
            }
        }
    }
}

/// Below this many resources a compile frees too little to be worth trimming the heap:
/// small compiles (validate, a host's apply, an embedding program's many small catalogs)
/// leave the process's allocator alone.
const TRIM_FROM_RESOURCES: usize = 5_000;

/// Return memory freed into any thread's malloc arena to the system, for a compile of
/// `resources` resources. glibc keeps memory freed by one thread in the arena of the thread
/// that allocated it, out of reach of the others; other allocators return memory themselves.
fn release_free_memory(resources: usize) {
    if resources < TRIM_FROM_RESOURCES {
        return;
    }
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        extern "C" {
            fn malloc_trim(pad: usize) -> std::os::raw::c_int;
        }
        // SAFETY: malloc_trim has no preconditions; it only releases free memory.
        unsafe {
            malloc_trim(0);
        }
    }
}

/// `name` without its leading `::`s (`::web::vhost` → `web::vhost`). Not
/// `trim_start_matches("::")`: its substring searcher was built anew on every call, and
/// every declaration, reference and type name passes through here.
pub(crate) fn unroot(mut name: &str) -> &str {
    while let Some(rest) = name.strip_prefix("::") {
        name = rest;
    }
    name
}

/// Qualify a nested class or define name with the enclosing class's name.
fn qualify(name: &str, outer: Option<&str>) -> String {
    let name = unroot(name).to_lowercase();
    match outer {
        Some(o) if !name.starts_with(&format!("{o}::")) => format!("{o}::{name}"),
        _ => name,
    }
}

/// A location that never panics, even for a span that does not fit the text.
pub(crate) fn loc_in(src: &Source, span: Span) -> Location {
    let (s, e) = (span.start as usize, span.end as usize);
    if s <= src.text.len()
        && src.text.is_char_boundary(s)
        && (e > src.text.len() || src.text.is_char_boundary(e))
    {
        src.location(Span::new(s, e.min(src.text.len())))
    } else {
        Location::new(src.file(), 1, 1)
    }
}

/// The candidate closest to `name` (by edit distance), if close enough to suggest.
pub(crate) fn closest<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<String> {
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        if c == name {
            continue;
        }
        let d = edit_distance(name, c);
        if d <= (name.len().max(3) / 3).max(1) && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c.to_string())
}

fn edit_distance(a: &str, b: &str) -> usize {
    // Optimal string alignment: insertions, deletions, substitutions and swaps of two
    // neighbours (the typo in `ngnix`).
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    d[a.len()][b.len()]
}

/// Puppet 7's legacy flat facts, derived from the structured ones when missing.
fn add_legacy_facts(facts: &mut value::Map) {
    fn get<'a>(facts: &'a value::Map, path: &[&str]) -> Option<&'a Val> {
        let mut cur = facts.get(path[0])?;
        for p in &path[1..] {
            match cur {
                Val::Hash(h) => cur = h.get(*p)?,
                _ => return None,
            }
        }
        Some(cur)
    }
    let derived: &[(&str, &[&str])] = &[
        ("hostname", &["networking", "hostname"]),
        ("fqdn", &["networking", "fqdn"]),
        ("domain", &["networking", "domain"]),
        ("ipaddress", &["networking", "ip"]),
        ("ipaddress6", &["networking", "ip6"]),
        ("macaddress", &["networking", "mac"]),
        ("netmask", &["networking", "netmask"]),
        ("osfamily", &["os", "family"]),
        ("operatingsystem", &["os", "name"]),
        ("operatingsystemrelease", &["os", "release", "full"]),
        ("operatingsystemmajrelease", &["os", "release", "major"]),
        ("lsbdistcodename", &["os", "distro", "codename"]),
        ("processorcount", &["processors", "count"]),
        ("hardwaremodel", &["os", "hardware"]),
    ];
    for (flat, path) in derived {
        if !facts.contains_key(*flat) {
            if let Some(v) = get(facts, path).cloned() {
                facts.insert((*flat).into(), v);
            }
        }
    }
    let mut extra = Vec::new();
    if let Some(Val::Hash(ifs)) = get(facts, &["networking", "interfaces"]) {
        for (name, info) in ifs {
            if let Val::Hash(info) = info {
                for (fact, key) in [
                    ("ipaddress", "ip"),
                    ("macaddress", "mac"),
                    ("netmask", "netmask"),
                ] {
                    if let Some(v) = info.get(key) {
                        extra.push((format!("{fact}_{name}"), v.clone()));
                    }
                }
            }
        }
    }
    for (k, v) in extra {
        facts.entry(k.into()).or_insert(v);
    }
}
