//! `hiera.yaml`, version 5: defaults and the hierarchy, validated as Puppet validates it,
//! every error located in the file.

use crate::{find_text, yaml, Error};
use converge_catalog::Value;
use std::path::{Path, PathBuf};

/// The backend of a hierarchy level.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Backend {
    /// `data_hash: yaml_data`.
    Yaml,
    /// `data_hash: json_data`.
    Json,
    /// Anything else (`lookup_key: eyaml_lookup_key`, a custom function, a Hiera 3
    /// backend): an error when a lookup reaches the level.
    Unsupported { kind: String, name: String },
}

/// Where a level's data is.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Locations {
    None,
    Paths(Vec<String>),
    Globs(Vec<String>),
    Mapped([String; 3]),
    Uris(Vec<String>),
}

/// One hierarchy level.
#[derive(Debug, Clone)]
pub(crate) struct Level {
    pub(crate) name: String,
    pub(crate) backend: Backend,
    pub(crate) datadir: Option<String>,
    pub(crate) locations: Locations,
    /// (line, column) of the level in `hiera.yaml`.
    pub(crate) pos: (u32, u32),
}

/// A parsed `hiera.yaml`.
#[derive(Debug, Clone)]
pub(crate) struct Config {
    /// The file, `None` for the built-in default configuration.
    pub(crate) path: Option<PathBuf>,
    /// The directory relative datadirs are resolved against.
    pub(crate) root: PathBuf,
    /// The file's text, for locating errors found later.
    pub(crate) text: String,
    pub(crate) datadir: String,
    pub(crate) hierarchy: Vec<Level>,
}

const FUNCTION_KEYS: &[&str] = &["data_hash", "lookup_key", "data_dig", "hiera3_backend"];
const LOCATION_KEYS: &[&str] = &[
    "path",
    "paths",
    "glob",
    "globs",
    "uri",
    "uris",
    "mapped_paths",
];
const LEVEL_KEYS: &[&str] = &[
    "name",
    "options",
    "data_hash",
    "lookup_key",
    "data_dig",
    "hiera3_backend",
    "v4_data_hash",
    "path",
    "paths",
    "glob",
    "globs",
    "uri",
    "uris",
    "mapped_paths",
    "datadir",
];

impl Config {
    /// Puppet's default when a layer has no `hiera.yaml`: `data/common.yaml`, YAML.
    pub(crate) fn default_for(root: &Path) -> Config {
        Config {
            path: None,
            root: root.to_path_buf(),
            text: String::new(),
            datadir: "data".into(),
            hierarchy: vec![Level {
                name: "Common".into(),
                backend: Backend::Yaml,
                datadir: None,
                locations: Locations::Paths(vec!["common.yaml".into()]),
                pos: (1, 1),
            }],
        }
    }

    /// The name Puppet gives it in explanations.
    pub(crate) fn label(&self) -> &'static str {
        "hiera configuration version 5"
    }

    /// Read and validate a `hiera.yaml`.
    pub(crate) fn load(path: &Path) -> Result<Config, Error> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::at(
                "hiera-config",
                format!("could not read {}: {e}", path.display()),
                path,
                0,
                0,
            )
        })?;
        let doc = yaml::load(&text, path)?;
        let at = |needle: &str, msg: String| {
            let (l, c) = find_text(&text, needle, 1).unwrap_or((1, 1));
            Error::at("hiera-config", msg, path, l, c)
        };
        let Value::Hash(top) = doc.value else {
            return Err(Error::at(
                "hiera-config",
                format!("{} does not contain a YAML hash", path.display()),
                path,
                1,
                1,
            ));
        };
        let version = match top.get("version") {
            Some(Value::Integer(v)) => *v,
            Some(Value::String(s)) => s.trim().parse().unwrap_or(-1),
            Some(_) => -1,
            None => 3,
        };
        if version != 5 {
            let e = match version {
                3 | 4 => at(
                    "version",
                    format!(
                        "hiera.yaml version {version} is not supported: converge reads Hiera 5 configurations only"
                    ),
                ),
                _ => at("version", format!("unsupported hiera.yaml version {version}")),
            };
            return Err(e.with_hint(
                "convert it to version 5 (`version: 5`, `defaults`, `hierarchy` with `name` and `path` per level); see https://www.puppet.com/docs/puppet/7/hiera_migrate.html",
            ));
        }
        for k in top.keys() {
            if ![
                "version",
                "defaults",
                "hierarchy",
                "default_hierarchy",
                "plan_hierarchy",
            ]
            .contains(&k.as_str())
            {
                return Err(at(
                    &format!("{k}:"),
                    format!(
                        "The Lookup Configuration at '{}' has wrong type, unrecognized key '{k}'",
                        path.display()
                    ),
                ));
            }
        }
        let mut datadir = "data".to_string();
        // Without `defaults`, Puppet's are used: `datadir: data`, `data_hash: yaml_data`.
        let mut default_backend: Option<Backend> = if top.contains_key("defaults") {
            None
        } else {
            Some(Backend::Yaml)
        };
        if let Some(d) = top.get("defaults") {
            let Value::Hash(d) = d else {
                return Err(at("defaults:", "'defaults' must be a hash".into()));
            };
            let fns: Vec<&str> = FUNCTION_KEYS
                .iter()
                .copied()
                .filter(|k| d.contains_key(*k))
                .collect();
            if fns.len() > 1 {
                return Err(at(
                    "defaults:",
                    "Only one of data_hash, lookup_key, data_dig, or hiera3_backend can be defined in defaults".into(),
                ));
            }
            for (k, v) in d {
                match k.as_str() {
                    "datadir" => {
                        datadir = nonempty(v).ok_or_else(|| {
                            at("datadir:", "'datadir' must be a non-empty string".into())
                        })?
                    }
                    "options" => {}
                    k if FUNCTION_KEYS.contains(&k) => {
                        let name = nonempty(v).ok_or_else(|| {
                            at(
                                &format!("{k}:"),
                                format!("'{k}' must be a non-empty string"),
                            )
                        })?;
                        default_backend = Some(backend(k, &name));
                    }
                    k => {
                        return Err(at(
                            &format!("{k}:"),
                            format!("unrecognized key '{k}' in 'defaults'"),
                        ))
                    }
                }
            }
        }
        let mut hierarchy = Vec::new();
        let levels = match top.get("hierarchy") {
            None => Vec::new(),
            Some(Value::Array(a)) => a.clone(),
            Some(_) => {
                return Err(at(
                    "hierarchy:",
                    "'hierarchy' must be an array of levels".into(),
                ))
            }
        };
        if top.get("hierarchy").is_none() {
            hierarchy = Config::default_for(Path::new("")).hierarchy;
        }
        let mut search_from = 1;
        for lv in levels {
            let Value::Hash(h) = lv else {
                return Err(at(
                    "hierarchy:",
                    "each hierarchy level must be a hash".into(),
                ));
            };
            let Some(name) = h.get("name").and_then(nonempty) else {
                return Err(at("hierarchy:", "a hierarchy level has no 'name'".into()));
            };
            let pos = find_text(&text, &name, search_from).unwrap_or((1, 1));
            search_from = pos.0;
            let lat = |msg: String| Error::at("hiera-config", msg, path, pos.0, pos.1);
            if hierarchy.iter().any(|l: &Level| l.name == name) {
                return Err(lat(format!(
                    "Hierarchy name '{name}' defined more than once"
                )));
            }
            for k in h.keys() {
                if !LEVEL_KEYS.contains(&k.as_str()) {
                    return Err(lat(format!(
                        "hierarchy level '{name}' has an unrecognized key '{k}'"
                    )));
                }
            }
            let fns: Vec<&str> = FUNCTION_KEYS
                .iter()
                .chain(["v4_data_hash"].iter())
                .copied()
                .filter(|k| h.contains_key(*k))
                .collect();
            let backend = match fns.as_slice() {
                [] => default_backend.clone().ok_or_else(|| {
                    lat(format!("One of data_hash, lookup_key, data_dig, or hiera3_backend must be defined in hierarchy '{name}'"))
                })?,
                [k] => {
                    let f = h.get(*k).and_then(nonempty).ok_or_else(|| lat(format!("'{k}' must be a non-empty string")))?;
                    backend(k, &f)
                }
                _ => {
                    return Err(lat(format!(
                        "Only one of data_hash, lookup_key, data_dig, or hiera3_backend can be defined in hierarchy '{name}'"
                    )))
                }
            };
            let locs: Vec<&str> = LOCATION_KEYS
                .iter()
                .copied()
                .filter(|k| h.contains_key(*k))
                .collect();
            if locs.len() > 1 {
                return Err(lat(format!(
                    "Only one of path, paths, glob, globs, uri, uris, or mapped_paths can be defined in hierarchy '{name}'"
                )));
            }
            let strings = |k: &str| -> Result<Vec<String>, Error> {
                match h.get(k) {
                    Some(Value::Array(a)) if !a.is_empty() => a
                        .iter()
                        .map(|v| {
                            nonempty(v)
                                .ok_or_else(|| lat(format!("'{k}' must hold non-empty strings")))
                        })
                        .collect(),
                    Some(v) if k == "path" || k == "glob" || k == "uri" => nonempty(v)
                        .map(|s| vec![s])
                        .ok_or_else(|| lat(format!("'{k}' must be a non-empty string"))),
                    _ => Err(lat(format!("'{k}' must be a non-empty array of strings"))),
                }
            };
            let locations = match locs.first().copied() {
                None => Locations::None,
                Some("path" | "paths") => Locations::Paths(strings(locs[0])?),
                Some("glob" | "globs") => Locations::Globs(strings(locs[0])?),
                Some("uri" | "uris") => Locations::Uris(strings(locs[0])?),
                Some(_) => {
                    let m = strings("mapped_paths")?;
                    if m.len() != 3 {
                        return Err(lat(format!(
                            "'mapped_paths' in hierarchy '{name}' must have exactly 3 elements (variable, key, template), got {}",
                            m.len()
                        )));
                    }
                    Locations::Mapped([m[0].clone(), m[1].clone(), m[2].clone()])
                }
            };
            let datadir = match h.get("datadir") {
                None => None,
                Some(v) => Some(
                    nonempty(v)
                        .ok_or_else(|| lat("'datadir' must be a non-empty string".into()))?,
                ),
            };
            if let Some(Value::Hash(o)) = h.get("options") {
                for k in ["path", "uri"] {
                    if o.contains_key(k) {
                        return Err(lat(format!(
                            "Option key '{k}' used in hierarchy '{name}' is reserved by Puppet"
                        )));
                    }
                }
            }
            hierarchy.push(Level {
                name,
                backend,
                datadir,
                locations,
                pos,
            });
        }
        let root = path.parent().map(Path::to_path_buf).unwrap_or_default();
        Ok(Config {
            path: Some(path.to_path_buf()),
            root,
            text,
            datadir,
            hierarchy,
        })
    }

    /// (line, column) of a level's `datadir`, or of `defaults`' one, for errors about it.
    pub(crate) fn datadir_pos(&self, level: &Level) -> (u32, u32) {
        if level.datadir.is_some() {
            if let Some(p) = find_text(&self.text, "datadir:", level.pos.0) {
                return p;
            }
        }
        find_text(&self.text, "datadir:", 1)
            .or_else(|| find_text(&self.text, "hierarchy:", 1))
            .unwrap_or((1, 1))
    }
}

fn nonempty(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        _ => None,
    }
}

fn backend(kind: &str, name: &str) -> Backend {
    match (kind, name) {
        ("data_hash", "yaml_data") => Backend::Yaml,
        ("data_hash", "json_data") => Backend::Json,
        _ => Backend::Unsupported {
            kind: kind.to_string(),
            name: name.to_string(),
        },
    }
}
