//! The lookup itself: layers, hierarchy levels, data files, merges, `lookup_options`,
//! following Puppet's `LookupAdapter` step by step so that the same data gives the same
//! value and the same explanation.

use crate::config::{Backend, Config, Level, Locations};
use crate::explain::Explainer;
use crate::interpolate::fixed_for_the_compile;
use crate::key::{LookupKey, Segment};
use crate::merge::Merge;
use crate::{find_text, yaml, Error, Scope};
use converge_catalog::Value;
use indexmap::IndexMap;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;

/// Where the three layers' configurations are.
#[derive(Debug, Clone, Default)]
pub struct Layers {
    /// The global `hiera.yaml` (Debian's Puppet: `/etc/puppet/hiera.yaml`). A missing file
    /// means Puppet's default configuration beside it; `None`, no global layer.
    pub global: Option<PathBuf>,
    /// The environment's directory (the control repository): its `hiera.yaml`, if any,
    /// is the environment layer.
    pub environment: Option<PathBuf>,
    /// Directories holding modules; `<module>/hiera.yaml` is a module's layer.
    pub modulepath: Vec<PathBuf>,
}

/// A value found by a lookup, with what `lookup_options` say to convert it to.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    /// The value, merged and interpolated.
    pub value: Value,
    /// `convert_to` from `lookup_options` (a type name, or `[type, args...]`); converting
    /// is the caller's, since types are the language's.
    pub convert_to: Option<Value>,
}

/// Why a lookup stopped: nothing found, or an error (with the text to locate it by).
pub(crate) enum Stop {
    Miss,
    Fail(Box<Error>, Option<String>),
}

impl From<Error> for Stop {
    fn from(e: Error) -> Self {
        Stop::Fail(Box::new(e), None)
    }
}

pub(crate) type L<T> = Result<T, Stop>;

/// A data file, read once.
#[derive(Debug)]
struct Data {
    hash: IndexMap<String, Value>,
    text: String,
}

/// `lookup_options`, compiled: plain keys and `^regex` keys.
#[derive(Debug, Clone, Default)]
struct Options {
    keys: IndexMap<String, Value>,
    /// Ruby regexes, as Puppet reads these keys.
    patterns: Vec<(std::sync::Arc<converge_rubyre::Regex>, Value)>,
}

/// A hierarchy level with its locations resolved for the current scope.
struct Resolved {
    name: String,
    backend: Backend,
    /// (file, original) pairs; `None` when the level names no location.
    locations: Option<Vec<(PathBuf, String, bool)>>,
    config: Rc<Config>,
    level: Level,
}

#[derive(Clone, Copy, PartialEq)]
enum Place<'a> {
    Global,
    Environment,
    Module(&'a str),
}

/// A Hiera 5 lookup engine for one compilation: configurations and data files are read
/// once and kept.
pub struct Hiera {
    layers: Layers,
    configs: HashMap<PathBuf, Result<Rc<Config>, Error>>,
    files: HashMap<PathBuf, Result<Rc<Data>, Error>>,
    module_dirs: HashMap<String, Option<PathBuf>>,
    /// Whether a path is a file or a directory, asked once: a class parameter lookup must
    /// not cost a `stat` per level (compiles look up every parameter not given).
    exists: HashMap<PathBuf, (bool, bool)>,
    options: HashMap<Option<String>, Option<Rc<Options>>>,
    /// Each configuration's resolved hierarchy (by the configuration's address, which the
    /// `configs` map keeps alive), when its paths read only what is fixed for the whole
    /// compile ([`crate::interpolate::fixed_for_the_compile`]): every automatic parameter
    /// lookup walks three layers' hierarchies, and interpolating their paths again each
    /// time was most of the Forge modules' compile time.
    levels: HashMap<*const Config, Rc<Vec<Resolved>>>,
    env_options: Option<Option<IndexMap<String, Value>>>,
    names: Vec<String>,
    pub(crate) ex: Option<Explainer>,
    pub(crate) locals: Vec<(String, Value)>,
    warnings: Vec<Error>,
}

const LOOKUP_OPTIONS: &str = "lookup_options";

impl Hiera {
    /// An engine over these layers.
    pub fn new(layers: Layers) -> Self {
        Hiera {
            layers,
            configs: HashMap::new(),
            files: HashMap::new(),
            module_dirs: HashMap::new(),
            exists: HashMap::new(),
            options: HashMap::new(),
            levels: HashMap::new(),
            env_options: None,
            names: Vec::new(),
            ex: None,
            locals: Vec::new(),
            warnings: Vec::new(),
        }
    }

    /// Warnings found so far (module data keys outside the module's namespace), taken.
    pub fn take_warnings(&mut self) -> Vec<Error> {
        std::mem::take(&mut self.warnings)
    }

    /// Look up `key`. `merge` overrides the merge `lookup_options` give; `explain`, when
    /// given, records what was tried. `Ok(None)`: found nowhere.
    pub fn lookup(
        &mut self,
        key: &str,
        merge: Option<&Merge>,
        scope: &dyn Scope,
        mut explain: Option<&mut Explainer>,
    ) -> Result<Option<Found>, Error> {
        self.ex = explain.as_deref_mut().map(std::mem::take);
        self.names.clear();
        let r = self.lookup_value(key, merge, scope);
        if let (Some(dst), Some(ex)) = (explain, self.ex.take()) {
            *dst = ex;
        }
        match r {
            Ok(f) => Ok(Some(f)),
            Err(Stop::Miss) => Ok(None),
            Err(Stop::Fail(e, _)) => Err(*e),
        }
    }

    /// Run `f` inside an explanation node pushed by `push` (when explaining).
    pub(crate) fn explained<T>(
        &mut self,
        push: impl FnOnce(&mut Explainer),
        f: impl FnOnce(&mut Self) -> L<T>,
    ) -> L<T> {
        let Some(e) = self.ex.as_mut() else {
            return f(self);
        };
        push(e);
        let r = f(self);
        if let Some(e) = self.ex.as_mut() {
            e.pop();
        }
        r
    }

    fn note(&mut self, f: impl FnOnce(&mut Explainer)) {
        if let Some(e) = self.ex.as_mut() {
            f(e);
        }
    }

    /// Puppet's `Invocation#check`: a name already being looked up is a recursion.
    pub(crate) fn check<T>(&mut self, name: &str, f: impl FnOnce(&mut Self) -> L<T>) -> L<T> {
        if self.names.iter().any(|n| n == name) {
            let chain = self.names.join(", ");
            return Err(Error::new(
                "hiera-recursion",
                format!("Recursive lookup detected in [{chain}, {name}]"),
            )
            .into());
        }
        self.names.push(name.to_string());
        let r = f(self);
        self.names.pop();
        r
    }

    /// `LookupAdapter#lookup`: lookup_options, then the layers, then the dig.
    pub(crate) fn lookup_value(
        &mut self,
        key: &str,
        merge: Option<&Merge>,
        scope: &dyn Scope,
    ) -> L<Found> {
        if key == LOOKUP_OPTIONS || key.starts_with("lookup_options.") {
            self.note(|e| e.invalid_key(LOOKUP_OPTIONS));
            return Err(Stop::Miss);
        }
        let lk = LookupKey::parse(key)?;
        let opts = self.options_for(&lk, scope)?;
        let merge = match merge {
            Some(m) => m.clone(),
            None => match opts.as_ref().and_then(|o| hash_get(o, "merge")) {
                Some(m) => {
                    self.note(|e| e.merge_source(LOOKUP_OPTIONS));
                    Merge::from_value(&m)?
                }
                None => Merge::First,
            },
        };
        let value = self.explained(
            |e| e.push_top(key),
            |h| {
                let v = h.merge_lookup(&merge, &[0u8, 1, 2], |h, which| match which {
                    0 => h.lookup_global(&lk, &merge, scope),
                    1 => h.lookup_environment(&lk, &merge, scope),
                    _ => h.lookup_module(&lk, lk.module.as_deref(), &merge, scope),
                })?;
                h.dig(&lk, v)
            },
        )?;
        let convert_to = opts.as_ref().and_then(|o| hash_get(o, "convert_to"));
        Ok(Found { value, convert_to })
    }

    /// `MergeStrategy#lookup` over variants.
    fn merge_lookup<V>(
        &mut self,
        merge: &Merge,
        variants: &[V],
        mut f: impl FnMut(&mut Self, &V) -> L<Value>,
    ) -> L<Value> {
        match variants.len() {
            0 => return Err(Stop::Miss),
            1 => return f(self, &variants[0]).map(|v| merge.single(v)),
            _ => {}
        }
        if *merge == Merge::First {
            for v in variants {
                match f(self, v) {
                    Err(Stop::Miss) => continue,
                    r => return r,
                }
            }
            return Err(Stop::Miss);
        }
        self.explained(
            |e| e.push_merge(merge),
            |h| {
                let mut memo: Option<Value> = None;
                for v in variants {
                    match f(h, v) {
                        Err(Stop::Miss) => continue,
                        Err(e) => return Err(e),
                        Ok(val) => {
                            memo = Some(match memo {
                                None => merge.first_of_many(val),
                                Some(m) => merge.merge(m, val)?,
                            })
                        }
                    }
                }
                let Some(result) = memo else {
                    return Err(Stop::Miss);
                };
                h.note(|e| e.result(&result));
                Ok(result)
            },
        )
    }

    fn dig(&mut self, lk: &LookupKey, v: Value) -> L<Value> {
        if lk.segments.is_empty() {
            return Ok(v);
        }
        self.sub_lookup(&lk.key, &lk.segments, v)
    }

    /// `SubLookup#sub_lookup`: dig segment by segment, explaining each step.
    pub(crate) fn sub_lookup(&mut self, key: &str, segs: &[Segment], v: Value) -> L<Value> {
        let names: Vec<String> = segs.iter().map(Segment::to_string).collect();
        self.explained(
            |e| e.push_sub_lookup(names),
            |h| {
                let mut cur = v;
                for seg in segs {
                    cur = h.explained(
                        |e| e.push_segment(),
                        |h| {
                            let seg_s = seg.to_string();
                            let next = match (&cur, seg) {
                                (Value::Undef, _) => None,
                                (Value::Array(a), Segment::Index(i)) => {
                                    if *i >= 0 && (*i as usize) < a.len() {
                                        Some(a[*i as usize].clone())
                                    } else {
                                        None
                                    }
                                }
                                (Value::Hash(hh), s) => hh.get(&s.to_string()).cloned(),
                                (other, _) => {
                                    return Err(Error::new(
                                        "hiera-dig",
                                        format!(
                                            "Data Provider type mismatch: Got {} when a hash-like object was expected to access value using '{seg_s}' from key '{key}'",
                                            ruby_class(other)
                                        ),
                                    )
                                    .into())
                                }
                            };
                            match next {
                                None => {
                                    h.note(|e| e.not_found(&seg_s));
                                    Err(Stop::Miss)
                                }
                                Some(n) => {
                                    h.note(|e| e.found(&seg_s, &n));
                                    Ok(n)
                                }
                            }
                        },
                    )?;
                }
                Ok(cur)
            },
        )
    }

    // ---- layers ----

    /// (is a file, is a directory), remembered.
    fn stat(&mut self, p: &Path) -> (bool, bool) {
        if let Some(&s) = self.exists.get(p) {
            return s;
        }
        let s = (p.is_file(), p.is_dir());
        self.exists.insert(p.to_path_buf(), s);
        s
    }

    fn is_file(&mut self, p: &Path) -> bool {
        self.stat(p).0
    }

    fn config(&mut self, path: &Path, default_root: Option<&Path>) -> Result<Rc<Config>, Error> {
        if let Some(c) = self.configs.get(path) {
            return c.clone();
        }
        let c = if self.is_file(path) {
            Config::load(path).map(Rc::new)
        } else {
            Ok(Rc::new(Config::default_for(default_root.unwrap_or_else(
                || path.parent().unwrap_or(Path::new("/")),
            ))))
        };
        self.configs.insert(path.to_path_buf(), c.clone());
        c
    }

    fn lookup_global(&mut self, lk: &LookupKey, merge: &Merge, scope: &dyn Scope) -> L<Value> {
        let Some(path) = self.layers.global.clone() else {
            return Err(Stop::Miss);
        };
        let cfg = self.config(&path, None)?;
        self.provider_lookup(cfg, Place::Global, lk, merge, scope)
    }

    fn lookup_environment(&mut self, lk: &LookupKey, merge: &Merge, scope: &dyn Scope) -> L<Value> {
        let Some(env) = self.layers.environment.clone() else {
            return Err(Stop::Miss);
        };
        let path = env.join("hiera.yaml");
        if !self.is_file(&path) {
            return Err(Stop::Miss);
        }
        let cfg = self.config(&path, None)?;
        self.provider_lookup(cfg, Place::Environment, lk, merge, scope)
    }

    fn module_dir(&mut self, name: &str) -> Option<PathBuf> {
        if let Some(d) = self.module_dirs.get(name) {
            return d.clone();
        }
        let candidates: Vec<PathBuf> = self
            .layers
            .modulepath
            .iter()
            .map(|p| p.join(name))
            .collect();
        let d = candidates.into_iter().find(|p| self.stat(p).1);
        self.module_dirs.insert(name.to_string(), d.clone());
        d
    }

    /// The module layer of `module` (the module of the key being looked up, which for
    /// `lookup_options` is not the key's own).
    fn lookup_module(
        &mut self,
        lk: &LookupKey,
        module: Option<&str>,
        merge: &Merge,
        scope: &dyn Scope,
    ) -> L<Value> {
        let Some(module) = module.map(str::to_string) else {
            return Err(Stop::Miss);
        };
        let Some(dir) = self.module_dir(&module) else {
            self.note(|e| e.module_not_found(&module));
            return Err(Stop::Miss);
        };
        let path = dir.join("hiera.yaml");
        if !self.is_file(&path) {
            self.note(|e| e.module_provider_not_found(&module));
            return Err(Stop::Miss);
        }
        let cfg = self.config(&path, None)?;
        self.provider_lookup(cfg, Place::Module(&module), lk, merge, scope)
    }

    /// `ConfiguredDataProvider#unchecked_key_lookup`: the levels of one layer.
    fn provider_lookup(
        &mut self,
        cfg: Rc<Config>,
        place: Place<'_>,
        lk: &LookupKey,
        merge: &Merge,
        scope: &dyn Scope,
    ) -> L<Value> {
        let name = match place {
            Place::Global => format!("Global Data Provider ({})", cfg.label()),
            Place::Environment => format!("Environment Data Provider ({})", cfg.label()),
            Place::Module(m) => format!("Module \"{m}\" Data Provider ({})", cfg.label()),
        };
        let module = match place {
            Place::Module(m) => Some(m.to_string()),
            _ => None,
        };
        let config_path = cfg.path.as_ref().map(|p| p.display().to_string());
        self.check(&lk.key.clone(), |h| {
            h.explained(
                |e| e.push_provider(name, config_path),
                |h| {
                    let levels = h.resolve_levels(&cfg, scope)?;
                    if levels.is_empty() {
                        h.note(|e| e.not_found(&lk.key));
                        return Err(Stop::Miss);
                    }
                    h.merge_lookup(merge, &levels, |h, lv| {
                        h.level_lookup(lv, &lk.root, merge, module.as_deref(), scope)
                    })
                },
            )
        })
    }

    /// The hierarchy's levels with their locations interpolated for this scope.
    fn resolve_levels(&mut self, cfg: &Rc<Config>, scope: &dyn Scope) -> L<Rc<Vec<Resolved>>> {
        if let Some(levels) = self.levels.get(&Rc::as_ptr(cfg)) {
            return Ok(levels.clone());
        }
        let mut out = Vec::new();
        let is_default = cfg.path.is_none();
        // Mapped paths' keys are locals that may shadow anything: never kept.
        let mut fixed = self.locals.is_empty();
        for level in &cfg.hierarchy {
            let locate = |e: Stop| locate_in_config(e, cfg);
            let dir_text = level.datadir.as_deref().unwrap_or(&cfg.datadir);
            fixed &= fixed_for_the_compile(dir_text);
            let datadir = cfg
                .root
                .join(self.interpolate_path(dir_text, scope).map_err(locate)?);
            let locations = match &level.locations {
                Locations::None | Locations::Uris(_) => None,
                Locations::Paths(ps) => {
                    let mut v = Vec::new();
                    for p in ps {
                        fixed &= fixed_for_the_compile(p);
                        let file = datadir.join(self.interpolate_path(p, scope).map_err(locate)?);
                        let exists = self.is_file(&file);
                        if !is_default || exists {
                            v.push((file, p.clone(), exists));
                        }
                    }
                    Some(v)
                }
                Locations::Globs(gs) => {
                    let mut v = Vec::new();
                    for g in gs {
                        fixed &= fixed_for_the_compile(g);
                        let pattern =
                            datadir.join(self.interpolate_path(g, scope).map_err(locate)?);
                        let original = pattern.display().to_string();
                        for f in glob(&pattern) {
                            v.push((f, original.clone(), true));
                        }
                    }
                    Some(v)
                }
                Locations::Mapped([var, key, template]) => {
                    fixed = false;
                    let values = match scope_value(self, var, scope) {
                        Some(Value::String(s)) if !s.is_empty() => vec![Value::String(s)],
                        Some(Value::Array(a)) => a,
                        _ => Vec::new(),
                    };
                    let mut v = Vec::new();
                    for val in values {
                        self.locals.push((key.clone(), val));
                        let r = self.interpolate_path(template, scope);
                        self.locals.pop();
                        let file = datadir.join(r.map_err(locate)?);
                        let exists = self.is_file(&file);
                        v.push((file, template.clone(), exists));
                    }
                    Some(v)
                }
            };
            if is_default && locations.as_ref().is_some_and(Vec::is_empty) {
                continue;
            }
            if !is_default
                && matches!(level.backend, Backend::Yaml | Backend::Json)
                && locations.as_ref().is_some_and(|l| !l.is_empty())
                && !self.stat(&datadir).1
            {
                let (l, c) = cfg.datadir_pos(level);
                let file = cfg.path.clone().unwrap_or_default();
                return Err(Error::at(
                    "hiera-datadir",
                    format!(
                        "the data directory {} of hierarchy level '{}' does not exist",
                        datadir.display(),
                        level.name
                    ),
                    &file,
                    l,
                    c,
                )
                .with_hint("create it, or fix `datadir` (relative to the directory of hiera.yaml; the default is `data`)")
                .into());
            }
            out.push(Resolved {
                name: level.name.clone(),
                backend: level.backend.clone(),
                locations,
                config: cfg.clone(),
                level: level.clone(),
            });
        }
        let out = Rc::new(out);
        if fixed {
            self.levels.insert(Rc::as_ptr(cfg), out.clone());
        }
        Ok(out)
    }

    /// `DataHashFunctionProvider#unchecked_key_lookup`: one level's files.
    fn level_lookup(
        &mut self,
        lv: &Resolved,
        root: &str,
        merge: &Merge,
        module: Option<&str>,
        scope: &dyn Scope,
    ) -> L<Value> {
        let cfg_file = lv.config.path.clone().unwrap_or_default();
        let at_level = |msg: String| {
            Error::at(
                "hiera-config",
                msg,
                &cfg_file,
                lv.level.pos.0,
                lv.level.pos.1,
            )
        };
        if let Backend::Unsupported { kind, name } = &lv.backend {
            return Err(at_level(format!(
                "hierarchy level '{}' uses {kind} '{name}': converge reads the data_hash backends yaml_data and json_data only",
                lv.name
            ))
            .with_hint("keep this data in YAML or JSON files, or look it up from a level converge can read")
            .into());
        }
        let Some(locations) = &lv.locations else {
            return Err(at_level(format!(
                "one of 'path', 'paths' 'glob', 'globs' or 'mapped_paths' must be declared in hiera.yaml when using this data_hash function (hierarchy level '{}')",
                lv.name
            ))
            .into());
        };
        let json = lv.backend == Backend::Json;
        self.explained(
            |e| e.push_provider(format!("Hierarchy entry \"{}\"", lv.name), None),
            |h| {
                h.merge_lookup(merge, locations, |h, (file, original, exists)| {
                    h.explained(
                        |e| e.push_location(file.display().to_string(), original.clone()),
                        |h| {
                            if !exists {
                                h.note(|e| e.location_not_found());
                                return Err(Stop::Miss);
                            }
                            let data = h.data(file, json, module)?;
                            let Some(v) = data.hash.get(root).cloned() else {
                                h.note(|e| e.not_found(root));
                                return Err(Stop::Miss);
                            };
                            let v = h.interpolate(v, scope, true).map_err(|e| match e {
                                Stop::Fail(err, needle) if err.file.is_none() => {
                                    let from = find_text(&data.text, root, 1).map_or(1, |p| p.0);
                                    let pos = needle
                                        .as_deref()
                                        .and_then(|n| find_text(&data.text, n, from))
                                        .unwrap_or((from, 1));
                                    let mut err = *err;
                                    err.file = Some(file.clone());
                                    err.line = pos.0;
                                    err.column = pos.1;
                                    Stop::Fail(Box::new(err), None)
                                }
                                e => e,
                            })?;
                            h.note(|e| e.found(root, &v));
                            Ok(v)
                        },
                    )
                })
            },
        )
    }

    /// A data file's hash, read and checked once.
    fn data(&mut self, file: &Path, json: bool, module: Option<&str>) -> L<Rc<Data>> {
        if let Some(d) = self.files.get(file) {
            return d.clone().map_err(Stop::from);
        }
        let d = read_data(file, json).map(|mut d| {
            if let Some(m) = module {
                let prefix = format!("{m}::");
                let bad: Vec<String> = d
                    .hash
                    .keys()
                    .filter(|k| *k != LOOKUP_OPTIONS && !k.starts_with(&prefix))
                    .cloned()
                    .collect();
                for k in bad {
                    let (l, c) = find_text(&d.text, &k, 1).unwrap_or((1, 1));
                    self.warnings.push(Error::at(
                        "hiera-module-key",
                        format!("Module '{m}': the key '{k}' is ignored: module data must use keys qualified with the name of the module"),
                        file,
                        l,
                        c,
                    ));
                    d.hash.shift_remove(&k);
                }
            }
            Rc::new(d)
        });
        self.files.insert(file.to_path_buf(), d.clone());
        d.map_err(Stop::from)
    }

    // ---- lookup_options ----

    /// The `lookup_options` entry for a key: its own, or the first pattern matching it.
    fn options_for(&mut self, lk: &LookupKey, scope: &dyn Scope) -> L<Option<Value>> {
        let opts = match self.options.get(&lk.module) {
            Some(o) => o.clone(),
            None => {
                let o = self.retrieve_options(lk.module.as_deref(), scope)?;
                self.options.insert(lk.module.clone(), o.clone());
                o
            }
        };
        let Some(o) = opts else {
            return Ok(None);
        };
        if let Some(v) = o.keys.get(&lk.root) {
            return Ok(Some(v.clone()));
        }
        Ok(o.patterns
            .iter()
            .find(|(re, _)| re.is_match(&lk.root))
            .map(|(_, v)| v.clone()))
    }

    fn retrieve_options(
        &mut self,
        module: Option<&str>,
        scope: &dyn Scope,
    ) -> L<Option<Rc<Options>>> {
        let saved = std::mem::take(&mut self.names);
        let r = self.explained(
            |e| e.push_top(LOOKUP_OPTIONS),
            |h| {
                let env = h.env_options(scope)?;
                let mut opts = env.clone();
                if let Some(m) = module {
                    if let std::collections::hash_map::Entry::Vacant(slot) = h.options.entry(None) {
                        slot.insert(compile_options(env.as_ref())?);
                    }
                    let lk = LookupKey::parse(LOOKUP_OPTIONS)?;
                    let module_opts = match h.lookup_module(&lk, Some(m), &Merge::Hash, scope) {
                        Ok(v) => Some(validate_options(v, Some(m))?),
                        Err(Stop::Miss) => None,
                        Err(e) => return Err(e),
                    };
                    opts = match (opts, module_opts) {
                        (None, m) => m,
                        (o, None) => o,
                        (Some(o), Some(mo)) => {
                            let label = format!("Module {m}");
                            let r = h.merge_lookup(&Merge::Hash, &[0u8, 1], |h, which| {
                                let (name, v) = if *which == 0 {
                                    ("Global and Environment", o.clone())
                                } else {
                                    (label.as_str(), mo.clone())
                                };
                                let v = Value::Hash(v);
                                h.explained(
                                    |e| e.push_scope(name),
                                    |h| {
                                        h.note(|e| e.found(LOOKUP_OPTIONS, &v));
                                        Ok(v.clone())
                                    },
                                )
                            })?;
                            match r {
                                Value::Hash(h) => Some(h),
                                _ => None,
                            }
                        }
                    };
                }
                Ok(opts)
            },
        );
        self.names = saved;
        compile_options(r?.as_ref()).map_err(Stop::from)
    }

    /// Global and environment `lookup_options`, merged (global wins), read once.
    fn env_options(&mut self, scope: &dyn Scope) -> L<Option<IndexMap<String, Value>>> {
        if let Some(o) = &self.env_options {
            return Ok(o.clone());
        }
        let lk = LookupKey::parse(LOOKUP_OPTIONS)?;
        let global = match self.lookup_global(&lk, &Merge::Hash, scope) {
            Ok(v) => Some(validate_options(v, None)?),
            Err(Stop::Miss) => None,
            Err(e) => return Err(e),
        };
        let env = match self.lookup_environment(&lk, &Merge::Hash, scope) {
            Ok(v) => Some(validate_options(v, None)?),
            Err(Stop::Miss) => None,
            Err(e) => return Err(e),
        };
        let merged = match (global, env) {
            (None, e) => e,
            (g, None) => g,
            (Some(g), Some(e)) => match Merge::Hash.merge(Value::Hash(g), Value::Hash(e))? {
                Value::Hash(h) => Some(h),
                _ => None,
            },
        };
        self.env_options = Some(merged.clone());
        Ok(merged)
    }
}

fn hash_get(v: &Value, k: &str) -> Option<Value> {
    match v {
        Value::Hash(h) => h.get(k).cloned(),
        _ => None,
    }
}

fn validate_options(v: Value, module: Option<&str>) -> Result<IndexMap<String, Value>, Error> {
    let Value::Hash(h) = v else {
        return Err(Error::new(
            "hiera-lookup-options",
            "value of lookup_options must be a hash",
        ));
    };
    if let Some(m) = module {
        let pfx = format!("{m}::");
        for k in h.keys() {
            let ok = match k.strip_prefix('^') {
                Some(rest) => rest.starts_with(&pfx),
                None => k.starts_with(&pfx),
            };
            if !ok {
                return Err(Error::new(
                    "hiera-lookup-options",
                    if k.starts_with('^') {
                        format!("all lookup_options patterns must match a key starting with module name '{m}' (got '{k}')")
                    } else {
                        format!(
                            "all lookup_options keys must start with module name '{m}' (got '{k}')"
                        )
                    },
                ));
            }
        }
    }
    Ok(h)
}

fn compile_options(opts: Option<&IndexMap<String, Value>>) -> Result<Option<Rc<Options>>, Error> {
    let Some(opts) = opts else {
        return Ok(None);
    };
    let mut o = Options::default();
    for (k, v) in opts {
        if k.starts_with('^') {
            let re = converge_rubyre::Regex::cached(k).map_err(|e| {
                Error::new(
                    "hiera-lookup-options",
                    format!("lookup_options key '{k}' is not a valid regular expression: {e}"),
                )
            })?;
            o.patterns.push((re, v.clone()));
        } else {
            o.keys.insert(k.clone(), v.clone());
        }
    }
    Ok(Some(Rc::new(o)))
}

/// Locate an error raised while interpolating a hiera.yaml path.
fn locate_in_config(e: Stop, cfg: &Config) -> Stop {
    match e {
        Stop::Fail(err, needle) if err.file.is_none() => {
            let file = cfg.path.clone().unwrap_or_default();
            let err = (*err).in_file(&file, Some(&cfg.text), needle.as_deref().unwrap_or(""));
            Stop::Fail(Box::new(err), None)
        }
        e => e,
    }
}

/// A variable for `mapped_paths`, digging into dotted names.
fn scope_value(h: &Hiera, name: &str, scope: &dyn Scope) -> Option<Value> {
    let segs = crate::key::split_key(name)?;
    let mut it = segs.into_iter();
    let root = it.next()?.to_string();
    let root = root.strip_prefix("::").unwrap_or(&root).to_string();
    let mut v = h
        .locals
        .iter()
        .rev()
        .find(|(k, _)| *k == root)
        .map(|(_, v)| v.clone())
        .or_else(|| scope.variable(&root))?;
    for s in it {
        v = match (v, s) {
            (Value::Hash(hh), s) => hh.get(&s.to_string())?.clone(),
            (Value::Array(a), Segment::Index(i)) => a.get(usize::try_from(i).ok()?)?.clone(),
            _ => return None,
        };
    }
    Some(v)
}

fn ruby_class(v: &Value) -> &'static str {
    match v {
        Value::String(_) => "String",
        Value::Integer(_) => "Integer",
        Value::Float(_) => "Float",
        Value::Bool(true) => "TrueClass",
        Value::Bool(false) => "FalseClass",
        Value::Array(_) => "Array",
        _ => "Object",
    }
}

fn read_data(file: &Path, json: bool) -> Result<Data, Error> {
    let text = std::fs::read_to_string(file).map_err(|e| {
        Error::at(
            "hiera-data",
            format!("could not read {}: {e}", file.display()),
            file,
            0,
            0,
        )
    })?;
    let value = if json {
        serde_json::from_str::<Value>(&text).map_err(|e| {
            Error::at(
                "hiera-json",
                format!("Unable to parse ({}): {e}", file.display()),
                file,
                e.line() as u32,
                e.column() as u32,
            )
        })?
    } else {
        yaml::load(&text, file)?.value
    };
    let hash = match value {
        Value::Hash(h) => h,
        Value::Undef | Value::Bool(false) => IndexMap::new(),
        _ => {
            return Err(Error::at(
                "hiera-data",
                format!(
                    "{}: file does not contain a valid {} hash",
                    file.display(),
                    if json { "json" } else { "yaml" }
                ),
                file,
                1,
                1,
            ))
        }
    };
    Ok(Data { hash, text })
}

/// Ruby's `Pathname.glob`: `*`, `?`, `[...]`, `{a,b}` and `**/`, files only, sorted.
fn glob(pattern: &Path) -> Vec<PathBuf> {
    let mut alts = vec![pattern.display().to_string()];
    // Expand braces first: `{a,b}` becomes two patterns.
    loop {
        let mut changed = false;
        let mut next = Vec::new();
        for p in alts {
            if let (Some(open), Some(close)) = (p.find('{'), p.find('}')) {
                if open < close {
                    for part in p[open + 1..close].split(',') {
                        next.push(format!("{}{}{}", &p[..open], part, &p[close + 1..]));
                    }
                    changed = true;
                    continue;
                }
            }
            next.push(p);
        }
        alts = next;
        if !changed {
            break;
        }
    }
    let mut out = Vec::new();
    for p in alts {
        let parts: Vec<&str> = p.split('/').collect();
        let start = if p.starts_with('/') {
            PathBuf::from("/")
        } else {
            PathBuf::from(".")
        };
        walk(&start, &parts[usize::from(p.starts_with('/'))..], &mut out);
    }
    out.sort();
    out.dedup();
    out.retain(|p| p.is_file());
    out
}

fn walk(dir: &Path, parts: &[&str], out: &mut Vec<PathBuf>) {
    let Some((first, rest)) = parts.split_first() else {
        out.push(dir.to_path_buf());
        return;
    };
    if *first == "**" {
        walk(dir, rest, out);
        if let Ok(rd) = std::fs::read_dir(dir) {
            for e in rd.flatten() {
                let p = e.path();
                if p.is_dir() && !e.file_name().to_string_lossy().starts_with('.') {
                    walk(&p, parts, out);
                }
            }
        }
        return;
    }
    if !first.contains(['*', '?', '[']) {
        let p = dir.join(first);
        if p.exists() {
            walk(&p, rest, out);
        }
        return;
    }
    let re = glob_regex(first);
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            if name.starts_with('.') && !first.starts_with('.') {
                continue;
            }
            if re.as_ref().is_some_and(|r| r.is_match(&name)) {
                walk(&e.path(), rest, out);
            }
        }
    }
}

fn glob_regex(part: &str) -> Option<regex::Regex> {
    let mut re = String::from("^");
    let mut chars = part.chars();
    while let Some(c) = chars.next() {
        match c {
            '*' => re.push_str(".*"),
            '?' => re.push('.'),
            '[' => {
                re.push('[');
                for c in chars.by_ref() {
                    if c == ']' {
                        break;
                    }
                    if c == '\\' {
                        re.push_str("\\\\");
                    } else {
                        re.push(c);
                    }
                }
                re.push(']');
            }
            c => re.push_str(&regex::escape(&c.to_string())),
        }
    }
    re.push('$');
    regex::Regex::new(&re).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_options_patterns_are_ruby_regexes() {
        // `\h` (a hex digit) and `\z` are Ruby's; the regex crate rejects `\h`.
        let opts: IndexMap<String, Value> =
            [("^mymod::key_\\h+\\z".to_string(), Value::String("x".into()))]
                .into_iter()
                .collect();
        let o = compile_options(Some(&opts)).unwrap().unwrap();
        let (re, _) = &o.patterns[0];
        assert!(re.is_match("mymod::key_0fa"));
        assert!(!re.is_match("mymod::key_0fg"));
        let bad: IndexMap<String, Value> = [("^(".to_string(), Value::Undef)].into_iter().collect();
        assert!(compile_options(Some(&bad)).is_err());
    }
}
