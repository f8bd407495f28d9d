//! Where a manifest's environment is: its directory (the control repository), module path
//! and Hiera layers, worked out the way Puppet works them out for an environment.
//!
//! A manifest at `<dir>/manifests/site.pp` belongs to the environment `<dir>` (a control
//! repository: `hiera.yaml`, `data/`, `environment.conf` at its root); any other manifest's
//! environment is its own directory. The module path is `--modulepath` when given, else
//! `environment.conf`'s `modulepath` (with `$basemodulepath`), else
//! `<manifest dir>/modules` followed by Debian's base module path.

use std::path::{Path, PathBuf};

/// Puppet 7 on Debian: `puppet config print basemodulepath`. Debian's `puppet-module-*`
/// packages link their modules into the second directory.
pub const BASE_MODULEPATH: &[&str] = &["/etc/puppet/code/modules", "/usr/share/puppet/modules"];

/// The global Hiera configuration of Debian's Puppet.
pub const GLOBAL_HIERA_CONFIG: &str = "/etc/puppet/hiera.yaml";

/// The environment directory of a manifest.
pub fn environment_dir(manifest: &Path) -> PathBuf {
    let dir = manifest.parent().map(Path::to_path_buf).unwrap_or_default();
    let dir = if dir.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        dir
    };
    if dir.file_name().is_some_and(|n| n == "manifests") {
        if let Some(parent) = dir.parent() {
            let parent = if parent.as_os_str().is_empty() {
                Path::new(".")
            } else {
                parent
            };
            if parent.join("environment.conf").is_file() || parent.join("hiera.yaml").is_file() {
                return parent.to_path_buf();
            }
        }
    }
    dir
}

/// The module path a manifest compiles with when none is given.
pub fn default_modulepath(manifest: &Path) -> Vec<PathBuf> {
    let env = environment_dir(manifest);
    if let Some(mp) = environment_conf_modulepath(&env) {
        return mp;
    }
    let dir = manifest
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    let mut v = vec![dir.join("modules")];
    v.extend(BASE_MODULEPATH.iter().map(PathBuf::from));
    v
}

/// `modulepath = a:b:$basemodulepath` from `<env>/environment.conf`, relative entries
/// resolved against the environment.
fn environment_conf_modulepath(env: &Path) -> Option<Vec<PathBuf>> {
    let text = std::fs::read_to_string(env.join("environment.conf")).ok()?;
    let line = text.lines().find_map(|l| {
        let l = l.trim();
        let (k, v) = l.split_once('=')?;
        (k.trim() == "modulepath").then(|| v.trim().to_string())
    })?;
    let mut out = Vec::new();
    for part in line.split(':').filter(|p| !p.is_empty()) {
        if part == "$basemodulepath" {
            out.extend(BASE_MODULEPATH.iter().map(PathBuf::from));
        } else if Path::new(part).is_absolute() {
            out.push(PathBuf::from(part));
        } else {
            out.push(env.join(part));
        }
    }
    Some(out)
}

/// The Debian package that provides a module, for the modules Debian packages.
pub fn debian_package(module: &str) -> Option<String> {
    const PUPPETLABS: &[&str] = &[
        "apache",
        "apt",
        "augeas_core",
        "concat",
        "cron_core",
        "firewall",
        "haproxy",
        "host_core",
        "inifile",
        "mailalias_core",
        "mongodb",
        "mount_core",
        "mysql",
        "ntp",
        "postgresql",
        "rabbitmq",
        "rsync",
        "selinux_core",
        "sshkeys_core",
        "stdlib",
        "tftp",
        "translate",
        "vcsrepo",
        "xinetd",
    ];
    const OTHERS: &[(&str, &str)] = &[
        ("chrony", "aboe-chrony"),
        ("augeas", "camptocamp-augeas"),
        ("kmod", "camptocamp-kmod"),
        ("openssl", "camptocamp-openssl"),
        ("postfix", "camptocamp-postfix"),
        ("systemd", "camptocamp-systemd"),
        ("redis", "arioch-redis"),
        ("sssd", "asciiduck-sssd"),
        ("archive", "puppet-archive"),
        ("memcached", "saz-memcached"),
        ("rsyslog", "saz-rsyslog"),
        ("ssh", "saz-ssh"),
        ("logrotate", "rodjek-logrotate"),
        ("monit", "sbitio-monit"),
        ("dns", "theforeman-dns"),
        ("alternatives", "voxpupuli-alternatives"),
        ("collectd", "voxpupuli-collectd"),
        ("corosync", "voxpupuli-corosync"),
        ("posix_acl", "voxpupuli-posix-acl"),
        ("ssh_keygen", "voxpupuli-ssh-keygen"),
        ("zookeeper", "deric-zookeeper"),
        ("filebeat", "pcfens-filebeat"),
        ("datacat", "richardc-datacat"),
        ("staging", "nanliu-staging"),
        ("galera", "michaeltchapman-galera"),
        ("filemapper", "adrienthebo-filemapper"),
        ("etcd", "cristifalcas-etcd"),
        ("sysctl", "duritong-sysctl"),
        ("powerdns", "antonlindstrom-powerdns"),
    ];
    if PUPPETLABS.contains(&module) {
        return Some(format!(
            "puppet-module-puppetlabs-{}",
            module.replace('_', "-")
        ));
    }
    OTHERS
        .iter()
        .find(|(m, _)| *m == module)
        .map(|(_, p)| format!("puppet-module-{p}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_repository_layout() {
        let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/control-repo");
        let site = repo.join("manifests/site.pp");
        assert_eq!(environment_dir(&site), repo);
        let mp = default_modulepath(&site);
        assert_eq!(mp[0], repo.join("site-modules"));
        assert_eq!(
            mp[1..],
            BASE_MODULEPATH
                .iter()
                .map(PathBuf::from)
                .collect::<Vec<_>>()[..]
        );
        assert_eq!(
            default_modulepath(Path::new("/x/site.pp"))[0],
            PathBuf::from("/x/modules")
        );
        assert_eq!(
            debian_package("stdlib").as_deref(),
            Some("puppet-module-puppetlabs-stdlib")
        );
        assert_eq!(
            debian_package("ssh").as_deref(),
            Some("puppet-module-saz-ssh")
        );
        assert_eq!(debian_package("web"), None);
    }
}
