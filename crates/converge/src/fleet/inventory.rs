//! Which hosts a fleet run reaches and how: an inventory file (TOML) of hosts, their SSH
//! user, port and address, and named groups; and the `--targets` selection over it.
//!
//! ```toml
//! [defaults]
//! user = "deploy"
//! run_as = "root"     # remote commands go through `sudo -n -u root --`
//!
//! [hosts.web-01]
//! address = "10.0.0.11"
//! [hosts.lb-01]
//! port = 2222
//!
//! [groups]
//! web = ["web-01", "web-02"]
//! lb = ["lb-01"]
//! ```

use indexmap::IndexMap;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// One host of a fleet run: its node name and how to reach it over SSH.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The node name: node definitions match it, the table shows it.
    pub name: String,
    /// What `ssh` connects to (default: the name, resolved by ssh and its config).
    pub address: String,
    /// The remote user; `None` leaves it to the user's ssh config.
    pub user: Option<String>,
    /// The SSH port; `None` leaves it to the user's ssh config.
    pub port: Option<u16>,
    /// Run the remote commands as this user through `sudo -n -u USER --`; `None` runs them
    /// as the login user, who must then be root.
    pub run_as: Option<String>,
}

impl Target {
    /// A host reached by its name, with the user's ssh config deciding the rest.
    pub fn named(name: &str) -> Target {
        Target {
            name: name.to_string(),
            address: name.to_string(),
            user: None,
            port: None,
            run_as: None,
        }
    }
}

/// SSH settings of one host, or the defaults for every host.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct HostEntry {
    /// Address or name `ssh` connects to.
    pub address: Option<String>,
    /// Remote user.
    pub user: Option<String>,
    /// SSH port.
    pub port: Option<u16>,
    /// User the remote commands run as, through non-interactive sudo (e.g. `root`).
    pub run_as: Option<String>,
}

/// An inventory file: hosts and groups.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Inventory {
    /// Settings every host starts from (`address` is not allowed here).
    #[serde(default)]
    pub defaults: HostEntry,
    /// Hosts by node name, in file order.
    #[serde(default)]
    pub hosts: IndexMap<String, HostEntry>,
    /// Groups by name: lists of host names.
    #[serde(default)]
    pub groups: IndexMap<String, Vec<String>>,
}

/// The inventory or the `--targets` selection is wrong.
#[derive(Debug, thiserror::Error)]
pub enum InventoryError {
    /// The file could not be read.
    #[error("cannot read inventory {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not a valid inventory (the message names line and column).
    #[error("inventory {path}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// toml's message, with the line, column and the offending text.
        message: String,
    },
    /// A group lists a host the inventory does not define.
    #[error("inventory {path}: group '{group}' lists '{host}', which is not under [hosts]")]
    UnknownMember {
        /// The file.
        path: PathBuf,
        /// The group.
        group: String,
        /// The unknown host.
        host: String,
    },
    /// `defaults` sets an address, which would send every host to one machine.
    #[error("inventory {path}: [defaults] cannot set 'address' (each host has its own)")]
    DefaultAddress {
        /// The file.
        path: PathBuf,
    },
    /// `run_as` names no user (empty, or with blanks or a leading `-`).
    #[error("inventory {path}: run_as = '{value}' is not a user name (e.g. run_as = \"root\")")]
    BadRunAs {
        /// The file.
        path: PathBuf,
        /// What it says.
        value: String,
    },
    /// A `--targets` name is neither a group nor a host of the inventory.
    #[error("'{name}' is neither a host nor a group of the inventory (groups: {groups}; hosts: {hosts})")]
    UnknownTarget {
        /// The name.
        name: String,
        /// The groups there are.
        groups: String,
        /// The hosts there are.
        hosts: String,
    },
    /// `--targets` selected nothing.
    #[error("--targets selects no host")]
    Empty,
}

impl Inventory {
    /// Reads and checks an inventory file.
    pub fn load(path: &Path) -> Result<Inventory, InventoryError> {
        let text = std::fs::read_to_string(path).map_err(|source| InventoryError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Inventory::parse(path, &text)
    }

    /// Parses and checks inventory text; `path` names it in errors.
    pub fn parse(path: &Path, text: &str) -> Result<Inventory, InventoryError> {
        let inv: Inventory = toml::from_str(text).map_err(|e| InventoryError::Parse {
            path: path.to_path_buf(),
            message: e.to_string().trim_end().to_string(),
        })?;
        if inv.defaults.address.is_some() {
            return Err(InventoryError::DefaultAddress {
                path: path.to_path_buf(),
            });
        }
        let run_as = std::iter::once(&inv.defaults)
            .chain(inv.hosts.values())
            .filter_map(|h| h.run_as.as_deref());
        for value in run_as {
            if !is_user_name(value) {
                return Err(InventoryError::BadRunAs {
                    path: path.to_path_buf(),
                    value: value.to_string(),
                });
            }
        }
        for (group, members) in &inv.groups {
            if let Some(host) = members.iter().find(|m| !inv.hosts.contains_key(*m)) {
                return Err(InventoryError::UnknownMember {
                    path: path.to_path_buf(),
                    group: group.clone(),
                    host: host.clone(),
                });
            }
        }
        Ok(inv)
    }

    /// The host `name` with the defaults filled in.
    fn target(&self, name: &str) -> Target {
        let e = self.hosts.get(name).cloned().unwrap_or_default();
        Target {
            name: name.to_string(),
            address: e.address.unwrap_or_else(|| name.to_string()),
            user: e.user.or_else(|| self.defaults.user.clone()),
            port: e.port.or(self.defaults.port),
            run_as: e.run_as.or_else(|| self.defaults.run_as.clone()),
        }
    }

    /// Resolves `--targets` names: a group gives its hosts, a host itself, `all` every
    /// host. Each host once, in the order first selected.
    pub fn select(&self, names: &[String]) -> Result<Vec<Target>, InventoryError> {
        let mut picked: Vec<&str> = Vec::new();
        for name in names {
            let hosts: Vec<&str> = if let Some(members) = self.groups.get(name) {
                members.iter().map(String::as_str).collect()
            } else if self.hosts.contains_key(name) {
                vec![name.as_str()]
            } else if name == "all" {
                self.hosts.keys().map(String::as_str).collect()
            } else {
                return Err(InventoryError::UnknownTarget {
                    name: name.clone(),
                    groups: join(self.groups.keys()),
                    hosts: join(self.hosts.keys()),
                });
            };
            for h in hosts {
                if !picked.contains(&h) {
                    picked.push(h);
                }
            }
        }
        if picked.is_empty() {
            return Err(InventoryError::Empty);
        }
        Ok(picked.into_iter().map(|h| self.target(h)).collect())
    }
}

/// Whether `name` can be a user for `sudo -u`: not empty, no blanks or control characters,
/// not an option.
pub fn is_user_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('-')
        && !name.chars().any(|c| c.is_whitespace() || c.is_control())
}

fn join<'a>(names: impl Iterator<Item = &'a String>) -> String {
    let v: Vec<&str> = names.map(String::as_str).collect();
    if v.is_empty() {
        "none".into()
    } else {
        v.join(", ")
    }
}

/// Targets named directly, without an inventory: each name is a host ssh resolves. Each
/// host once, in order.
pub fn ad_hoc(names: &[String]) -> Result<Vec<Target>, InventoryError> {
    let mut out: Vec<Target> = Vec::new();
    for n in names {
        if !out.iter().any(|t| &t.name == n) {
            out.push(Target::named(n));
        }
    }
    if out.is_empty() {
        return Err(InventoryError::Empty);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const INV: &str = r#"
[defaults]
user = "root"

[hosts.web-01]
address = "10.0.0.11"
[hosts.web-02]
port = 2222
user = "deploy"
run_as = "root"
[hosts.lb-01]

[groups]
web = ["web-01", "web-02"]
lb = ["lb-01"]
"#;

    fn inv() -> Inventory {
        Inventory::parse(Path::new("inventory.toml"), INV).unwrap()
    }

    fn names(t: &[Target]) -> Vec<&str> {
        t.iter().map(|t| t.name.as_str()).collect()
    }

    #[test]
    fn a_group_selects_its_hosts_with_their_ssh_settings() {
        let t = inv().select(&["web".into()]).unwrap();
        assert_eq!(
            t,
            vec![
                Target {
                    name: "web-01".into(),
                    address: "10.0.0.11".into(),
                    user: Some("root".into()),
                    port: None,
                    run_as: None,
                },
                Target {
                    name: "web-02".into(),
                    address: "web-02".into(),
                    user: Some("deploy".into()),
                    port: Some(2222),
                    run_as: Some("root".into()),
                },
            ]
        );
    }

    #[test]
    fn hosts_and_groups_mix_and_each_host_comes_once() {
        let t = inv()
            .select(&["lb-01".into(), "web".into(), "web-01".into()])
            .unwrap();
        assert_eq!(names(&t), ["lb-01", "web-01", "web-02"]);
        assert_eq!(
            names(&inv().select(&["all".into()]).unwrap()),
            ["web-01", "web-02", "lb-01"]
        );
    }

    #[test]
    fn an_unknown_target_names_what_exists() {
        let e = inv().select(&["wbe".into()]).unwrap_err().to_string();
        assert_eq!(
            e,
            "'wbe' is neither a host nor a group of the inventory (groups: web, lb; hosts: web-01, web-02, lb-01)"
        );
    }

    #[test]
    fn a_group_member_must_be_a_host() {
        let text = "[hosts.a]\n[groups]\nweb = [\"a\", \"b\"]\n";
        let e = Inventory::parse(Path::new("i.toml"), text)
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "inventory i.toml: group 'web' lists 'b', which is not under [hosts]"
        );
    }

    #[test]
    fn a_misspelt_key_is_an_error_with_its_line() {
        let text = "[hosts.a]\nadress = \"x\"\n";
        let e = Inventory::parse(Path::new("i.toml"), text)
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 2") && e.contains("adress"), "{e}");
    }

    #[test]
    fn the_shipped_inventory_describes_the_reference_stack() {
        let text = include_str!("../../../../manifests/inventory.toml");
        let inv = Inventory::parse(Path::new("manifests/inventory.toml"), text).unwrap();
        assert_eq!(
            names(&inv.select(&["web".into()]).unwrap()),
            ["web-01", "web-02"]
        );
        assert_eq!(
            inv.select(&["lb".into()]).unwrap(),
            vec![Target {
                user: Some("root".into()),
                ..Target::named("lb-01")
            }]
        );
    }

    #[test]
    fn run_as_comes_from_the_defaults_unless_a_host_sets_it() {
        let text = "[defaults]\nuser = \"deploy\"\nrun_as = \"root\"\n\
                    [hosts.a]\n[hosts.b]\nuser = \"root\"\nrun_as = \"admin\"\n";
        let inv = Inventory::parse(Path::new("i.toml"), text).unwrap();
        let t = inv.select(&["all".into()]).unwrap();
        let got: Vec<_> = t
            .iter()
            .map(|t| (t.user.as_deref(), t.run_as.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                (Some("deploy"), Some("root")),
                (Some("root"), Some("admin"))
            ]
        );
    }

    #[test]
    fn an_empty_run_as_is_an_error() {
        let text = "[hosts.a]\nrun_as = \"\"\n";
        let e = Inventory::parse(Path::new("i.toml"), text)
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "inventory i.toml: run_as = '' is not a user name (e.g. run_as = \"root\")"
        );
    }

    #[test]
    fn without_an_inventory_names_are_hosts() {
        let t = ad_hoc(&["web-01".into(), "lb-01".into(), "web-01".into()]).unwrap();
        assert_eq!(t, vec![Target::named("web-01"), Target::named("lb-01")]);
    }
}
