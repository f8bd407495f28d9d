//! Host facts other than the network and the OS: names, kernel, processors, memory,
//! virtualisation, uptime, time zone, load and identity. Parsers take text so that tests
//! can feed them fixtures.

use crate::facts::hash;
use converge_catalog::Value;
use indexmap::IndexMap;

/// Hostname and domain as facter derives them: the short name from `gethostname`, the
/// domain from the name itself, else the canonical name in `/etc/hosts`, else the
/// `domain`/`search` line of `/etc/resolv.conf`.
pub(crate) fn split_names(
    kernel_hostname: &str,
    hosts: &str,
    resolv: &str,
) -> (String, Option<String>) {
    let kernel_hostname = kernel_hostname.trim().trim_end_matches('.');
    if let Some((short, dom)) = kernel_hostname.split_once('.') {
        return (short.to_string(), Some(dom.to_string()));
    }
    let short = kernel_hostname.to_string();
    for line in hosts.lines() {
        let line = line.split('#').next().unwrap_or("");
        let mut words = line.split_whitespace();
        let _addr = words.next();
        let names: Vec<&str> = words.collect();
        if names.iter().any(|n| *n == short) {
            let canonical = names[0];
            if let Some(dom) = canonical.strip_prefix(&format!("{short}.")) {
                if !dom.is_empty() {
                    return (short, Some(dom.to_string()));
                }
            }
            break;
        }
    }
    let mut search = None;
    for line in resolv.lines() {
        let mut w = line.split_whitespace();
        match w.next() {
            Some("domain") => {
                if let Some(d) = w.next() {
                    return (short, Some(d.trim_end_matches('.').to_string()));
                }
            }
            Some("search") if search.is_none() => {
                search = w.next().map(|d| d.trim_end_matches('.').to_string());
            }
            _ => {}
        }
    }
    (short, search)
}

/// Facter's human-readable size: `512 bytes`, `1.50 KiB`, `15.50 GiB`.
pub(crate) fn human_bytes(bytes: u64) -> String {
    if bytes < 1024 {
        return format!("{bytes} bytes");
    }
    let units = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    let mut n = bytes as f64 / 1024.0;
    let mut u = 0;
    while n >= 1024.0 && u < units.len() - 1 {
        n /= 1024.0;
        u += 1;
    }
    format!("{n:.2} {}", units[u])
}

/// Values of `/proc/meminfo`, in bytes.
pub(crate) fn parse_meminfo(text: &str) -> IndexMap<String, u64> {
    let mut out = IndexMap::new();
    for line in text.lines() {
        let Some((k, rest)) = line.split_once(':') else {
            continue;
        };
        let mut w = rest.split_whitespace();
        let Some(n) = w.next().and_then(|n| n.parse::<u64>().ok()) else {
            continue;
        };
        let mult = if w.next() == Some("kB") { 1024 } else { 1 };
        out.insert(k.to_string(), n.saturating_mul(mult));
    }
    out
}

fn mem_hash(total: u64, available: u64) -> Value {
    let used = total.saturating_sub(available);
    let capacity = if total == 0 {
        0.0
    } else {
        used as f64 * 100.0 / total as f64
    };
    hash([
        ("available", Value::from(human_bytes(available))),
        ("available_bytes", Value::Integer(available as i64)),
        ("capacity", Value::from(format!("{capacity:.2}%"))),
        ("total", Value::from(human_bytes(total))),
        ("total_bytes", Value::Integer(total as i64)),
        ("used", Value::from(human_bytes(used))),
        ("used_bytes", Value::Integer(used as i64)),
    ])
}

/// The `memory` fact: `system` always, `swap` when the host has swap.
pub(crate) fn memory_fact(meminfo: &IndexMap<String, u64>) -> Option<Value> {
    let total = *meminfo.get("MemTotal")?;
    let available = meminfo
        .get("MemAvailable")
        .copied()
        .or_else(|| {
            Some(
                meminfo.get("MemFree")?
                    + meminfo.get("Buffers").unwrap_or(&0)
                    + meminfo.get("Cached").unwrap_or(&0),
            )
        })
        .unwrap_or(0);
    let mut h = IndexMap::new();
    let swap_total = meminfo.get("SwapTotal").copied().unwrap_or(0);
    if swap_total > 0 {
        let swap_free = meminfo.get("SwapFree").copied().unwrap_or(0);
        h.insert("swap".to_string(), mem_hash(swap_total, swap_free));
    }
    h.insert("system".to_string(), mem_hash(total, available));
    Some(Value::Hash(h))
}

/// The `processors` fact from `/proc/cpuinfo`: count, models, physical count, isa.
pub(crate) fn processors_fact(cpuinfo: &str, isa: &str) -> Value {
    let mut count = 0i64;
    let mut models = Vec::new();
    let mut physical = std::collections::BTreeSet::new();
    let mut speed_mhz: Option<f64> = None;
    for line in cpuinfo.lines() {
        let Some((k, v)) = line.split_once(':') else {
            continue;
        };
        let (k, v) = (k.trim(), v.trim());
        match k {
            "processor" => count += 1,
            "model name" | "Model" | "cpu model" => models.push(Value::from(v)),
            "physical id" => {
                physical.insert(v.to_string());
            }
            "cpu MHz" if speed_mhz.is_none() => speed_mhz = v.parse().ok(),
            _ => {}
        }
    }
    let mut h = IndexMap::new();
    h.insert("count".to_string(), Value::Integer(count));
    h.insert("isa".into(), Value::from(isa));
    h.insert("models".into(), Value::Array(models));
    h.insert(
        "physicalcount".into(),
        Value::Integer(physical.len().max(1) as i64),
    );
    if let Some(mhz) = speed_mhz {
        let speed = if mhz >= 1000.0 {
            format!("{:.2} GHz", mhz / 1000.0)
        } else {
            format!("{mhz:.2} MHz")
        };
        h.insert("speed".into(), Value::from(speed));
    }
    Value::Hash(h)
}

/// What facter's `virtual` fact says about this host: a container engine, a hypervisor, or
/// `physical`. Only files are read: the container markers and the DMI strings.
pub(crate) fn detect_virtual(
    exists: &dyn Fn(&str) -> bool,
    read: &dyn Fn(&str) -> Option<String>,
) -> String {
    if exists("/.dockerenv") {
        return "docker".into();
    }
    if exists("/run/.containerenv") {
        return "podman".into();
    }
    if let Some(c) = read("/run/systemd/container") {
        return match c.trim() {
            "systemd-nspawn" => "systemd_nspawn".into(),
            "" => "container_other".into(),
            other => other.to_string(),
        };
    }
    if let Some(env) = read("/proc/1/environ") {
        for var in env.split('\0') {
            if let Some(c) = var.strip_prefix("container=") {
                return match c {
                    "lxc" | "lxc-libvirt" => "lxc".into(),
                    "systemd-nspawn" => "systemd_nspawn".into(),
                    "docker" => "docker".into(),
                    "podman" => "podman".into(),
                    _ => "container_other".into(),
                };
            }
        }
    }
    if let Some(cg) = read("/proc/1/cgroup") {
        if cg.contains("/docker") {
            return "docker".into();
        }
        if cg.contains("/lxc") {
            return "lxc".into();
        }
    }
    let dmi = |f: &str| read(&format!("/sys/class/dmi/id/{f}")).map(|s| s.trim().to_string());
    let product = dmi("product_name").unwrap_or_default();
    let vendor = dmi("sys_vendor").unwrap_or_default();
    let bios = dmi("bios_vendor").unwrap_or_default();
    let all = format!("{product} {vendor} {bios}");
    let hyper = [
        ("VirtualBox", "virtualbox"),
        ("VMware", "vmware"),
        ("KVM", "kvm"),
        ("QEMU", "kvm"),
        ("Bochs", "bochs"),
        ("Google", "gce"),
        ("OpenStack", "openstack"),
        ("Parallels", "parallels"),
        ("Xen", "xenhvm"),
        ("Amazon EC2", "kvm"),
    ];
    for (needle, name) in hyper {
        if all.contains(needle) {
            return name.into();
        }
    }
    if vendor.contains("Microsoft") && product.contains("Virtual Machine") {
        return "hyperv".into();
    }
    if exists("/proc/xen/capabilities") {
        return match read("/proc/xen/capabilities") {
            Some(c) if c.contains("control_d") => "xen0".into(),
            _ => "xenu".into(),
        };
    }
    "physical".into()
}

/// Facter's `uptime` wording: `3 days`, `1 day`, `4:07 hours`, `12 minutes`.
pub(crate) fn uptime_words(seconds: u64) -> String {
    let minutes = (seconds / 60) % 60;
    let hours = (seconds / 3600) % 24;
    let days = seconds / 86400;
    match days {
        0 if hours == 0 => format!("{minutes} minutes"),
        0 => format!("{hours}:{minutes:02} hours"),
        1 => "1 day".into(),
        d => format!("{d} days"),
    }
}

/// The `system_uptime` fact and its legacy flat companions from `/proc/uptime`.
pub(crate) fn uptime_facts(proc_uptime: &str) -> Option<Vec<(&'static str, Value)>> {
    let secs: f64 = proc_uptime.split_whitespace().next()?.parse().ok()?;
    let secs = secs as u64;
    let words = uptime_words(secs);
    let days = (secs / 86400) as i64;
    let hours = (secs / 3600) as i64;
    Some(vec![
        (
            "system_uptime",
            hash([
                ("days", Value::Integer(days)),
                ("hours", Value::Integer(hours)),
                ("seconds", Value::Integer(secs as i64)),
                ("uptime", Value::from(words.as_str())),
            ]),
        ),
        ("uptime", Value::from(words)),
        ("uptime_days", Value::Integer(days)),
        ("uptime_hours", Value::Integer(hours)),
        ("uptime_seconds", Value::Integer(secs as i64)),
    ])
}

/// The `load_averages` fact from `/proc/loadavg`.
pub(crate) fn load_averages(loadavg: &str) -> Option<Value> {
    let mut w = loadavg.split_whitespace();
    let mut next = || {
        w.next()
            .and_then(|s| s.parse::<f64>().ok())
            .map(Value::Float)
    };
    Some(hash([("1m", next()?), ("5m", next()?), ("15m", next()?)]))
}

/// The time zone abbreviation in effect now (`UTC`, `CET`), what Ruby's `Time.now.zone`
/// and so facter's `timezone` give.
pub(crate) fn timezone() -> Option<String> {
    // SAFETY: `time(NULL)` has no preconditions; `localtime_r` writes only into the `tm`
    // we own, and `tm_zone` then points into libc's static zone-name storage, which stays
    // valid while we copy it out right away.
    unsafe {
        let now = libc::time(std::ptr::null_mut());
        let mut tm: libc::tm = std::mem::zeroed();
        if libc::localtime_r(&now, &mut tm).is_null() || tm.tm_zone.is_null() {
            return None;
        }
        let s = std::ffi::CStr::from_ptr(tm.tm_zone)
            .to_string_lossy()
            .into_owned();
        (!s.is_empty()).then_some(s)
    }
}

/// The `identity` fact: who converge runs as.
pub(crate) fn identity() -> Value {
    let uid = nix::unistd::getuid();
    let gid = nix::unistd::getgid();
    let user = nix::unistd::User::from_uid(uid).ok().flatten();
    let group = nix::unistd::Group::from_gid(gid).ok().flatten();
    let mut h = IndexMap::new();
    h.insert("gid".to_string(), Value::Integer(i64::from(gid.as_raw())));
    if let Some(g) = group {
        h.insert("group".into(), Value::from(g.name));
    }
    h.insert("privileged".into(), Value::Bool(uid.is_root()));
    h.insert("uid".into(), Value::Integer(i64::from(uid.as_raw())));
    if let Some(u) = user {
        h.insert("user".into(), Value::from(u.name));
    }
    Value::Hash(h)
}

/// The `dmi` fact from `/sys/class/dmi/id` (only the files this user may read).
pub(crate) fn dmi_fact(read: &dyn Fn(&str) -> Option<String>) -> Option<Value> {
    let get = |f: &str| {
        read(&format!("/sys/class/dmi/id/{f}"))
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .map(Value::from)
    };
    let mut h = IndexMap::new();
    let mut sub = |name: &str, fields: &[(&str, &str)]| {
        let inner: IndexMap<String, Value> = fields
            .iter()
            .filter_map(|(k, f)| Some((k.to_string(), get(f)?)))
            .collect();
        if !inner.is_empty() {
            h.insert(name.to_string(), Value::Hash(inner));
        }
    };
    sub(
        "bios",
        &[
            ("release_date", "bios_date"),
            ("vendor", "bios_vendor"),
            ("version", "bios_version"),
        ],
    );
    sub(
        "board",
        &[
            ("manufacturer", "board_vendor"),
            ("product", "board_name"),
            ("serial_number", "board_serial"),
        ],
    );
    sub(
        "product",
        &[
            ("name", "product_name"),
            ("serial_number", "product_serial"),
            ("uuid", "product_uuid"),
        ],
    );
    if let Some(m) = get("sys_vendor") {
        h.insert("manufacturer".into(), m);
    }
    if h.is_empty() {
        None
    } else {
        h.sort_keys();
        Some(Value::Hash(h))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_come_from_the_kernel_then_hosts_then_resolv_conf() {
        assert_eq!(
            split_names("web-01.example.com", "", ""),
            ("web-01".into(), Some("example.com".into()))
        );
        let hosts = "127.0.0.1 localhost\n127.0.1.1 web-01.lan.example web-01 # me\n";
        assert_eq!(
            split_names("web-01", hosts, "domain other.example\n"),
            ("web-01".into(), Some("lan.example".into()))
        );
        assert_eq!(
            split_names("vm", "127.0.0.1 vm\n", "search a.example b.example\n"),
            ("vm".into(), Some("a.example".into()))
        );
        assert_eq!(
            split_names("vm", "127.0.0.1 vm\n", "nameserver 10.0.0.1\n"),
            ("vm".into(), None)
        );
    }

    #[test]
    fn sizes_read_like_facter() {
        assert_eq!(human_bytes(512), "512 bytes");
        assert_eq!(human_bytes(1536), "1.50 KiB");
        assert_eq!(human_bytes(16_642_998_272), "15.50 GiB");
    }

    #[test]
    fn memory_reports_bytes_and_words() {
        let m = parse_meminfo(
            "MemTotal:       1048576 kB\nMemFree: 1 kB\nMemAvailable:    524288 kB\nSwapTotal: 0 kB\n",
        );
        let Some(Value::Hash(mem)) = memory_fact(&m) else {
            panic!()
        };
        assert!(!mem.contains_key("swap"));
        let Value::Hash(sys) = &mem["system"] else {
            panic!()
        };
        assert_eq!(sys["total_bytes"], Value::Integer(1 << 30));
        assert_eq!(sys["total"], Value::from("1.00 GiB"));
        assert_eq!(sys["available"], Value::from("512.00 MiB"));
        assert_eq!(sys["capacity"], Value::from("50.00%"));
    }

    #[test]
    fn processors_count_every_logical_cpu() {
        let cpuinfo = "processor\t: 0\nmodel name\t: Intel(R) Xeon(R)\nphysical id\t: 0\ncpu MHz\t\t: 2999.998\n\n\
processor\t: 1\nmodel name\t: Intel(R) Xeon(R)\nphysical id\t: 0\n";
        let Value::Hash(p) = processors_fact(cpuinfo, "x86_64") else {
            panic!()
        };
        assert_eq!(p["count"], Value::Integer(2));
        assert_eq!(p["physicalcount"], Value::Integer(1));
        assert_eq!(p["speed"], Value::from("3.00 GHz"));
        assert_eq!(
            p["models"],
            Value::Array(vec!["Intel(R) Xeon(R)".into(), "Intel(R) Xeon(R)".into()])
        );
    }

    #[test]
    fn virtual_recognises_containers_and_hypervisors() {
        let none = |_: &str| None;
        assert_eq!(detect_virtual(&|p| p == "/.dockerenv", &none), "docker");
        let env = |p: &str| (p == "/proc/1/environ").then(|| "A=b\0container=lxc\0".to_string());
        assert_eq!(detect_virtual(&|_| false, &env), "lxc");
        let kvm = |p: &str| p.ends_with("product_name").then(|| "KVM\n".to_string());
        assert_eq!(detect_virtual(&|_| false, &kvm), "kvm");
        assert_eq!(detect_virtual(&|_| false, &none), "physical");
    }

    #[test]
    fn uptime_in_facter_words() {
        assert_eq!(uptime_words(59), "0 minutes");
        assert_eq!(uptime_words(3600 * 4 + 7 * 60), "4:07 hours");
        assert_eq!(uptime_words(86400 + 5), "1 day");
        assert_eq!(uptime_words(86400 * 3), "3 days");
        let f = uptime_facts("90061.52 1000.0\n").unwrap();
        assert_eq!(f[4], ("uptime_seconds", Value::Integer(90061)));
        assert_eq!(f[3], ("uptime_hours", Value::Integer(25)));
    }
}
