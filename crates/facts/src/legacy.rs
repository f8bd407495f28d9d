//! The legacy flat facts facter 3/4 still gives (`ipaddress`, `osfamily`, `memorysize`,
//! `ipaddress_eth0`, ...), derived from the structured facts so the two always agree.

use crate::networking::{iface_fact, Iface};
use converge_catalog::Value;
use indexmap::IndexMap;

fn at<'a>(f: &'a IndexMap<String, Value>, path: &[&str]) -> Option<&'a Value> {
    let mut v = f.get(path[0])?;
    for p in &path[1..] {
        match v {
            Value::Hash(h) => v = h.get(*p)?,
            _ => return None,
        }
    }
    Some(v)
}

/// Facter's legacy interface suffix: anything not alphanumeric becomes `_`.
pub(crate) fn iface_suffix(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

fn mb(f: &IndexMap<String, Value>, path: &[&str]) -> Option<Value> {
    match at(f, path)? {
        Value::Integer(b) => Some(Value::from(format!("{:.2}", *b as f64 / 1048576.0))),
        _ => None,
    }
}

/// Add the legacy names next to the structured facts already in `f`.
pub(crate) fn add_legacy(f: &mut IndexMap<String, Value>, ifaces: &[Iface]) {
    let mut add: Vec<(String, Value)> = Vec::new();
    let copies: &[(&str, &[&str])] = &[
        ("ipaddress", &["networking", "ip"]),
        ("ipaddress6", &["networking", "ip6"]),
        ("macaddress", &["networking", "mac"]),
        ("netmask", &["networking", "netmask"]),
        ("netmask6", &["networking", "netmask6"]),
        ("network", &["networking", "network"]),
        ("network6", &["networking", "network6"]),
        ("scope6", &["networking", "scope6"]),
        ("osfamily", &["os", "family"]),
        ("operatingsystem", &["os", "name"]),
        ("operatingsystemrelease", &["os", "release", "full"]),
        ("operatingsystemmajrelease", &["os", "release", "major"]),
        ("lsbdistcodename", &["os", "distro", "codename"]),
        ("lsbdistid", &["os", "distro", "id"]),
        ("lsbdistdescription", &["os", "distro", "description"]),
        ("lsbdistrelease", &["os", "distro", "release", "full"]),
        ("lsbmajdistrelease", &["os", "distro", "release", "major"]),
        ("lsbminordistrelease", &["os", "distro", "release", "minor"]),
        ("processorcount", &["processors", "count"]),
        ("physicalprocessorcount", &["processors", "physicalcount"]),
        ("memorysize", &["memory", "system", "total"]),
        ("memoryfree", &["memory", "system", "available"]),
        ("swapsize", &["memory", "swap", "total"]),
        ("swapfree", &["memory", "swap", "available"]),
        ("manufacturer", &["dmi", "manufacturer"]),
        ("productname", &["dmi", "product", "name"]),
        ("serialnumber", &["dmi", "product", "serial_number"]),
        ("uuid", &["dmi", "product", "uuid"]),
        ("bios_vendor", &["dmi", "bios", "vendor"]),
        ("bios_version", &["dmi", "bios", "version"]),
        ("bios_release_date", &["dmi", "bios", "release_date"]),
        ("boardmanufacturer", &["dmi", "board", "manufacturer"]),
        ("boardproductname", &["dmi", "board", "product"]),
        ("boardserialnumber", &["dmi", "board", "serial_number"]),
        ("id", &["identity", "user"]),
        ("gid", &["identity", "group"]),
    ];
    for (name, path) in copies {
        if let Some(v) = at(f, path) {
            add.push((name.to_string(), v.clone()));
        }
    }
    for (name, path) in [
        ("memorysize_mb", &["memory", "system", "total_bytes"]),
        ("memoryfree_mb", &["memory", "system", "available_bytes"]),
        ("swapsize_mb", &["memory", "swap", "total_bytes"]),
        ("swapfree_mb", &["memory", "swap", "available_bytes"]),
    ] {
        if let Some(v) = mb(f, path) {
            add.push((name.to_string(), v));
        }
    }
    if let Some(Value::Array(models)) = at(f, &["processors", "models"]) {
        for (i, m) in models.iter().enumerate() {
            add.push((format!("processor{i}"), m.clone()));
        }
    }
    let mut names: Vec<&str> = ifaces.iter().map(|i| i.name.as_str()).collect();
    names.sort_unstable();
    if !names.is_empty() {
        add.push(("interfaces".into(), Value::from(names.join(","))));
    }
    for i in ifaces {
        let suffix = iface_suffix(&i.name);
        let facts = iface_fact(i);
        for (legacy, key) in [
            ("ipaddress", "ip"),
            ("ipaddress6", "ip6"),
            ("macaddress", "mac"),
            ("mtu", "mtu"),
            ("netmask", "netmask"),
            ("netmask6", "netmask6"),
            ("network", "network"),
            ("network6", "network6"),
            ("scope6", "scope6"),
        ] {
            if let Some(v) = facts.get(key) {
                add.push((format!("{legacy}_{suffix}"), v.clone()));
            }
        }
    }
    for (k, v) in add {
        f.entry(k).or_insert(v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    #[test]
    fn legacy_names_mirror_the_structured_facts() {
        let mut f = IndexMap::new();
        let mut os = IndexMap::new();
        os.insert("family".to_string(), Value::from("Debian"));
        f.insert("os".to_string(), Value::Hash(os));
        let ifaces = vec![Iface {
            name: "eth0.100".into(),
            v4: vec![(Ipv4Addr::new(10, 0, 0, 5), Ipv4Addr::new(255, 255, 0, 0))],
            mtu: Some(1500),
            ..Default::default()
        }];
        add_legacy(&mut f, &ifaces);
        assert_eq!(f["osfamily"], Value::from("Debian"));
        assert_eq!(f["interfaces"], Value::from("eth0.100"));
        assert_eq!(f["ipaddress_eth0_100"], Value::from("10.0.0.5"));
        assert_eq!(f["network_eth0_100"], Value::from("10.0.0.0"));
        assert_eq!(f["mtu_eth0_100"], Value::Integer(1500));
        assert!(!f.contains_key("ipaddress6_eth0_100"));
    }
}
