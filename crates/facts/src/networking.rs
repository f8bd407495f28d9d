//! The `networking` fact: interfaces and their addresses from `getifaddrs`, MAC and MTU
//! from `/sys/class/net`, the primary interface from the kernel's routing table.

use converge_catalog::Value;
use indexmap::IndexMap;
use std::net::{Ipv4Addr, Ipv6Addr};

/// One network interface and its addresses, in the order the kernel lists them.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Iface {
    /// `eth0`, `lo`.
    pub(crate) name: String,
    /// IPv4 addresses with their netmasks.
    pub(crate) v4: Vec<(Ipv4Addr, Ipv4Addr)>,
    /// IPv6 addresses with their prefix lengths.
    pub(crate) v6: Vec<(Ipv6Addr, u8)>,
    /// `aa:bb:cc:dd:ee:ff`, absent for loopback.
    pub(crate) mac: Option<String>,
    /// Maximum transmission unit.
    pub(crate) mtu: Option<i64>,
}

/// The interfaces of this host (never fails: no interfaces when `getifaddrs` does).
pub(crate) fn read_interfaces() -> Vec<Iface> {
    let mut out: Vec<Iface> = Vec::new();
    let Ok(addrs) = nix::ifaddrs::getifaddrs() else {
        return out;
    };
    for a in addrs {
        let pos = match out.iter().position(|i| i.name == a.interface_name) {
            Some(p) => p,
            None => {
                out.push(Iface {
                    name: a.interface_name.clone(),
                    ..Default::default()
                });
                out.len() - 1
            }
        };
        let iface = &mut out[pos];
        let Some(addr) = a.address else { continue };
        if let Some(sin) = addr.as_sockaddr_in() {
            let mask = a
                .netmask
                .as_ref()
                .and_then(|m| m.as_sockaddr_in())
                .map(|m| m.ip())
                .unwrap_or(Ipv4Addr::UNSPECIFIED);
            iface.v4.push((sin.ip(), mask));
        } else if let Some(sin6) = addr.as_sockaddr_in6() {
            let prefix = a
                .netmask
                .as_ref()
                .and_then(|m| m.as_sockaddr_in6())
                .map(|m| u128::from(m.ip()).count_ones() as u8)
                .unwrap_or(128);
            iface.v6.push((sin6.ip(), prefix));
        }
    }
    for iface in &mut out {
        let base = format!("/sys/class/net/{}", iface.name);
        iface.mac = std::fs::read_to_string(format!("{base}/address"))
            .ok()
            .map(|s| s.trim().to_string())
            .filter(|m| !m.is_empty() && m.chars().any(|c| c != '0' && c != ':'));
        iface.mtu = std::fs::read_to_string(format!("{base}/mtu"))
            .ok()
            .and_then(|s| s.trim().parse().ok());
    }
    out
}

/// The interface of the IPv4 default route in `/proc/net/route` (lowest metric wins).
pub(crate) fn default_route_iface(route: &str) -> Option<String> {
    let mut best: Option<(u64, String)> = None;
    for line in route.lines().skip(1) {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() < 8 || f[1] != "00000000" || f[7] != "00000000" {
            continue;
        }
        let metric = f[6].parse().unwrap_or(u64::MAX);
        if best.as_ref().is_none_or(|(m, _)| metric < *m) {
            best = Some((metric, f[0].to_string()));
        }
    }
    best.map(|(_, n)| n)
}

fn scope6(a: &Ipv6Addr) -> &'static str {
    let s = a.segments();
    if a.is_loopback() {
        "host"
    } else if s[0] & 0xffc0 == 0xfe80 {
        "link"
    } else if s[0] & 0xffc0 == 0xfec0 {
        "site"
    } else if s[..6].iter().all(|x| *x == 0) && !a.is_unspecified() {
        "compat"
    } else {
        "global"
    }
}

fn mask6(prefix: u8) -> Ipv6Addr {
    let bits = if prefix == 0 {
        0
    } else {
        u128::MAX << (128 - u32::from(prefix.min(128)))
    };
    Ipv6Addr::from(bits)
}

fn binding4(ip: Ipv4Addr, mask: Ipv4Addr) -> IndexMap<String, Value> {
    let net = Ipv4Addr::from(u32::from(ip) & u32::from(mask));
    let mut h = IndexMap::new();
    h.insert("address".into(), Value::from(ip.to_string()));
    h.insert("netmask".into(), Value::from(mask.to_string()));
    h.insert("network".into(), Value::from(net.to_string()));
    h
}

fn binding6(ip: Ipv6Addr, prefix: u8) -> IndexMap<String, Value> {
    let mask = mask6(prefix);
    let net = Ipv6Addr::from(u128::from(ip) & u128::from(mask));
    let mut h = IndexMap::new();
    h.insert("address".into(), Value::from(ip.to_string()));
    h.insert("netmask".into(), Value::from(mask.to_string()));
    h.insert("network".into(), Value::from(net.to_string()));
    h.insert("scope6".into(), Value::from(scope6(&ip)));
    h
}

/// Addresses facter passes over when it chooses an interface's `ip`/`ip6` and the primary
/// interface (`Facter::Util::Resolvers::Networking.ignored_ip_address`): loopback, IPv4
/// link-local (169.254/16), IPv6 link-local (fe80::/10) and unique local (fc00::/7).
fn ignored_v4(a: &Ipv4Addr) -> bool {
    a.is_loopback() || a.is_link_local()
}

/// [`ignored_v4`] for IPv6.
fn ignored_v6(a: &Ipv6Addr) -> bool {
    let first = a.segments()[0];
    a.is_loopback() || first & 0xffc0 == 0xfe80 || first & 0xfe00 == 0xfc00
}

/// The facts of one interface: `bindings`, `bindings6` and the chosen `ip`, `ip6`, ...
/// Like facter, the chosen address is the first it does not ignore, else the first.
pub(crate) fn iface_fact(i: &Iface) -> IndexMap<String, Value> {
    let mut h = IndexMap::new();
    if !i.v4.is_empty() {
        h.insert(
            "bindings".to_string(),
            Value::Array(
                i.v4.iter()
                    .map(|(a, m)| Value::Hash(binding4(*a, *m)))
                    .collect(),
            ),
        );
    }
    if !i.v6.is_empty() {
        h.insert(
            "bindings6".to_string(),
            Value::Array(
                i.v6.iter()
                    .map(|(a, p)| Value::Hash(binding6(*a, *p)))
                    .collect(),
            ),
        );
    }
    let v4 = i.v4.iter().find(|(a, _)| !ignored_v4(a)).or(i.v4.first());
    if let Some((a, m)) = v4 {
        let b = binding4(*a, *m);
        h.insert("ip".into(), b["address"].clone());
        h.insert("netmask".into(), b["netmask"].clone());
        h.insert("network".into(), b["network"].clone());
    }
    let v6 = i.v6.iter().find(|(a, _)| !ignored_v6(a)).or(i.v6.first());
    if let Some((a, p)) = v6 {
        let b = binding6(*a, *p);
        h.insert("ip6".into(), b["address"].clone());
        h.insert("netmask6".into(), b["netmask"].clone());
        h.insert("network6".into(), b["network"].clone());
        h.insert("scope6".into(), b["scope6"].clone());
    }
    if let Some(m) = &i.mac {
        h.insert("mac".into(), Value::from(m.as_str()));
    }
    if let Some(m) = i.mtu {
        h.insert("mtu".into(), Value::Integer(m));
    }
    h.sort_keys();
    h
}

/// Which interface facter would call primary: the default route's, else the first with an
/// address it does not ignore ([`ignored_v4`]), else none. A host with only link-local
/// addresses and no default route has no primary interface, so no `networking.ip` and no
/// `$ipaddress`, as Facter says: haproxy's `log ${::ipaddress}` breaks there under Puppet
/// too.
pub(crate) fn choose_primary<'a>(
    ifaces: &'a [Iface],
    route_iface: Option<&str>,
) -> Option<&'a Iface> {
    route_iface
        .and_then(|r| ifaces.iter().find(|i| i.name == r))
        .or_else(|| {
            ifaces.iter().find(|i| {
                i.v4.iter().any(|(a, _)| !ignored_v4(a)) || i.v6.iter().any(|(a, _)| !ignored_v6(a))
            })
        })
}

/// The whole `networking` hash.
pub(crate) fn networking_fact(
    hostname: &str,
    domain: Option<&str>,
    fqdn: &str,
    ifaces: &[Iface],
    primary: Option<&Iface>,
) -> Value {
    let mut interfaces = IndexMap::new();
    for i in ifaces {
        interfaces.insert(i.name.clone(), Value::Hash(iface_fact(i)));
    }
    interfaces.sort_keys();
    let mut h = IndexMap::new();
    if let Some(d) = domain {
        h.insert("domain".to_string(), Value::from(d));
    }
    h.insert("fqdn".into(), Value::from(fqdn));
    h.insert("hostname".into(), Value::from(hostname));
    if let Some(p) = primary {
        for (k, v) in iface_fact(p) {
            if k != "bindings" && k != "bindings6" {
                h.insert(k, v);
            }
        }
        h.insert("primary".into(), Value::from(p.name.as_str()));
    }
    h.insert("interfaces".into(), Value::Hash(interfaces));
    h.sort_keys();
    Value::Hash(h)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eth0() -> Iface {
        Iface {
            name: "eth0".into(),
            v4: vec![(Ipv4Addr::new(192, 0, 2, 2), Ipv4Addr::new(255, 255, 255, 0))],
            v6: vec![
                ("fe80::fc:ff:fe00:1".parse().unwrap(), 64),
                ("fd00::2".parse().unwrap(), 64),
                ("2001:db8::2".parse().unwrap(), 64),
            ],
            mac: Some("02:00:00:00:00:01".into()),
            mtu: Some(1500),
        }
    }

    #[test]
    fn default_route_picks_the_lowest_metric() {
        let route =
            "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n\
eth1\t00000000\t0102000A\t0003\t0\t0\t200\t00000000\t0\t0\t0\n\
eth0\t00000000\t010200C0\t0003\t0\t0\t100\t00000000\t0\t0\t0\n\
eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n";
        assert_eq!(default_route_iface(route).as_deref(), Some("eth0"));
        assert_eq!(default_route_iface("Iface\n"), None);
    }

    #[test]
    fn interface_prefers_non_link_local_addresses_and_computes_networks() {
        let f = iface_fact(&eth0());
        assert_eq!(f["ip"], Value::from("192.0.2.2"));
        assert_eq!(f["network"], Value::from("192.0.2.0"));
        // Facter passes over unique local addresses too.
        assert_eq!(f["ip6"], Value::from("2001:db8::2"));
        assert_eq!(f["netmask6"], Value::from("ffff:ffff:ffff:ffff::"));
        assert_eq!(f["network6"], Value::from("2001:db8::"));
        assert_eq!(f["scope6"], Value::from("global"));
        let Value::Array(b6) = &f["bindings6"] else {
            panic!()
        };
        let Value::Hash(first) = &b6[0] else { panic!() };
        assert_eq!(first["scope6"], Value::from("link"));
    }

    #[test]
    fn a_link_local_only_host_has_no_primary_interface_as_in_facter() {
        // Fresh test hosts: 169.254.x.y on eth0, no default route. Facter gives no
        // networking.ip there; converge said 169.254.x.y, and so compiled what Puppet does not.
        let eth = Iface {
            name: "eth0".into(),
            v4: vec![(
                Ipv4Addr::new(169, 254, 9, 1),
                Ipv4Addr::new(255, 255, 255, 0),
            )],
            v6: vec![("fe80::1".parse().unwrap(), 64)],
            mac: Some("02:00:00:00:00:01".into()),
            mtu: Some(1500),
        };
        let lo = Iface {
            name: "lo".into(),
            v4: vec![(Ipv4Addr::LOCALHOST, Ipv4Addr::new(255, 0, 0, 0))],
            v6: vec![],
            mac: None,
            mtu: None,
        };
        let ifaces = vec![lo, eth];
        assert!(choose_primary(&ifaces, None).is_none());
        assert_eq!(choose_primary(&ifaces, Some("eth0")).unwrap().name, "eth0");
        // The interface's own ip is still its first address.
        assert_eq!(iface_fact(&ifaces[1])["ip"], Value::from("169.254.9.1"));
        let fd = Iface {
            v6: vec![("fd00::5".parse().unwrap(), 64)],
            v4: vec![],
            ..ifaces[1].clone()
        };
        assert!(
            choose_primary(&[fd], None).is_none(),
            "unique local is ignored too"
        );
    }

    #[test]
    fn networking_copies_the_primary_interface_to_the_top() {
        let lo = Iface {
            name: "lo".into(),
            v4: vec![(Ipv4Addr::LOCALHOST, Ipv4Addr::new(255, 0, 0, 0))],
            v6: vec![(Ipv6Addr::LOCALHOST, 128)],
            mac: None,
            mtu: Some(65536),
        };
        let ifaces = vec![lo, eth0()];
        let primary = choose_primary(&ifaces, None);
        let Value::Hash(n) = networking_fact(
            "web-01",
            Some("example.com"),
            "web-01.example.com",
            &ifaces,
            primary,
        ) else {
            panic!()
        };
        assert_eq!(n["primary"], Value::from("eth0"));
        assert_eq!(n["ip"], Value::from("192.0.2.2"));
        assert_eq!(n["mac"], Value::from("02:00:00:00:00:01"));
        assert_eq!(n["mtu"], Value::Integer(1500));
        let Value::Hash(i) = &n["interfaces"] else {
            panic!()
        };
        assert_eq!(i.keys().collect::<Vec<_>>(), ["eth0", "lo"]);
        let Value::Hash(lo) = &i["lo"] else { panic!() };
        assert_eq!(lo["scope6"], Value::from("host"));
        assert!(!lo.contains_key("mac"));
    }
}
