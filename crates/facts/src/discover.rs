//! Discovery: read the host once and assemble every fact.

use crate::{legacy, networking, os, system};
use converge_catalog::Value;
use indexmap::IndexMap;
use std::path::Path;

fn read(path: &str) -> Option<String> {
    std::fs::read_to_string(path).ok()
}

fn exists(path: &str) -> bool {
    Path::new(path).exists()
}

/// `6.1.0-18-amd64` → (`6.1.0`, `6.1`), as facter derives kernelversion and kernelmajversion.
pub(crate) fn kernel_versions(release: &str) -> (String, String) {
    let version = release.split('-').next().unwrap_or(release).to_string();
    let maj = version.splitn(3, '.').take(2).collect::<Vec<_>>().join(".");
    (version, maj)
}

/// Every fact of the running host, top-level names sorted as facter prints them.
pub(crate) fn discover() -> IndexMap<String, Value> {
    let mut f: IndexMap<String, Value> = IndexMap::new();
    let uts = nix::sys::utsname::uname().ok();
    let field = |g: fn(&nix::sys::utsname::UtsName) -> &std::ffi::OsStr| {
        uts.as_ref()
            .map(|u| g(u).to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    let kernel = field(|u| u.sysname());
    let release = field(|u| u.release());
    let machine = field(|u| u.machine());
    let (kversion, kmaj) = kernel_versions(&release);
    f.insert("kernel".into(), Value::from(kernel));
    f.insert("kernelrelease".into(), Value::from(release.as_str()));
    f.insert("kernelversion".into(), Value::from(kversion));
    f.insert("kernelmajversion".into(), Value::from(kmaj));

    let rel = os::parse_os_release(
        &read("/etc/os-release")
            .or_else(|| read("/usr/lib/os-release"))
            .unwrap_or_default(),
    );
    let debian_version = read("/etc/debian_version");
    let family_debian = debian_version.is_some()
        || rel
            .get("ID_LIKE")
            .is_some_and(|l| l.split_whitespace().any(|w| w == "debian"));
    let arch = if family_debian {
        os::debian_architecture(&machine)
    } else {
        machine.clone()
    };
    f.insert("architecture".into(), Value::from(arch.as_str()));
    f.insert("hardwaremodel".into(), Value::from(machine.as_str()));
    let selinux = exists("/sys/fs/selinux/enforce");
    f.insert(
        "os".into(),
        os::os_fact(&rel, debian_version.as_deref(), &arch, &machine, selinux),
    );

    let kernel_hostname = nix::unistd::gethostname()
        .map(|h| h.to_string_lossy().into_owned())
        .unwrap_or_else(|_| read("/etc/hostname").unwrap_or_default());
    let (hostname, domain) = system::split_names(
        &kernel_hostname,
        &read("/etc/hosts").unwrap_or_default(),
        &read("/etc/resolv.conf").unwrap_or_default(),
    );
    let fqdn = match &domain {
        Some(d) => format!("{hostname}.{d}"),
        None => hostname.clone(),
    };
    f.insert("hostname".into(), Value::from(hostname.as_str()));
    if let Some(d) = &domain {
        f.insert("domain".into(), Value::from(d.as_str()));
    }
    f.insert("fqdn".into(), Value::from(fqdn.as_str()));

    let ifaces = networking::read_interfaces();
    let route_iface = read("/proc/net/route").and_then(|r| networking::default_route_iface(&r));
    let primary = networking::choose_primary(&ifaces, route_iface.as_deref());
    f.insert(
        "networking".into(),
        networking::networking_fact(&hostname, domain.as_deref(), &fqdn, &ifaces, primary),
    );

    f.insert(
        "processors".into(),
        system::processors_fact(&read("/proc/cpuinfo").unwrap_or_default(), &machine),
    );
    if let Some(m) =
        read("/proc/meminfo").and_then(|m| system::memory_fact(&system::parse_meminfo(&m)))
    {
        f.insert("memory".into(), m);
    }
    let virt = system::detect_virtual(&exists, &read);
    f.insert("is_virtual".into(), Value::Bool(virt != "physical"));
    f.insert("virtual".into(), Value::from(virt));
    if let Some(path) = std::env::var_os("PATH") {
        f.insert(
            "path".into(),
            Value::from(path.to_string_lossy().into_owned()),
        );
    }
    if let Some(tz) = system::timezone() {
        f.insert("timezone".into(), Value::from(tz));
    }
    if let Some(u) = read("/proc/uptime").and_then(|u| system::uptime_facts(&u)) {
        for (k, v) in u {
            f.insert(k.into(), v);
        }
    }
    if let Some(l) = read("/proc/loadavg").and_then(|l| system::load_averages(&l)) {
        f.insert("load_averages".into(), l);
    }
    f.insert("identity".into(), system::identity());
    if let Some(d) = system::dmi_fact(&read) {
        f.insert("dmi".into(), d);
    }

    legacy::add_legacy(&mut f, &ifaces);
    f.sort_keys();
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernel_versions_strip_the_debian_suffix() {
        assert_eq!(
            kernel_versions("6.1.0-18-amd64"),
            ("6.1.0".to_string(), "6.1".to_string())
        );
        assert_eq!(
            kernel_versions("6.18"),
            ("6.18".to_string(), "6.18".to_string())
        );
    }
}
