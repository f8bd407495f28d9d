//! Ruby's `IPAddr.new` (ipaddr 1.2 in Ruby 3.1), ported: which strings it accepts, the
//! exception it raises for the others (templates validate addresses with it), and `to_s`.

use regex::Regex;
use std::sync::OnceLock;

/// An address with its prefix mask applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IpAddr {
    /// IPv6 (else IPv4).
    pub v6: bool,
    /// The address bits.
    pub addr: u128,
    /// `%zone` of a link-local IPv6 address.
    pub zone: Option<String>,
}

/// Why `IPAddr.new` refused: the exception class name and message.
#[derive(Debug, PartialEq, Eq)]
pub struct IpAddrError {
    /// `InvalidAddressError`, `InvalidPrefixError` or `AddressFamilyError`.
    pub class: &'static str,
    /// Ruby's message.
    pub message: String,
}

fn err(class: &'static str, message: &str) -> IpAddrError {
    IpAddrError {
        class,
        message: message.to_string(),
    }
}

struct Res {
    v4: Regex,
    v6_full: Regex,
    v6_comp: Regex,
    zone: Regex,
}

fn res() -> &'static Res {
    static RES: OnceLock<Res> = OnceLock::new();
    RES.get_or_init(|| Res {
        v4: Regex::new(r"\A([0-9]+)\.([0-9]+)\.([0-9]+)\.([0-9]+)\z").expect("regex"),
        v6_full: Regex::new(
            r"(?i)\A(?:(?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}|((?:[0-9a-f]{1,4}:){6})([0-9]+)\.([0-9]+)\.([0-9]+)\.([0-9]+))\z",
        )
        .expect("regex"),
        v6_comp: Regex::new(
            r"(?i)\A((?:(?:[0-9a-f]{1,4}:)*[0-9a-f]{1,4})?)::((?:((?:[0-9a-f]{1,4}:)*)(?:[0-9a-f]{1,4}|([0-9]+)\.([0-9]+)\.([0-9]+)\.([0-9]+)))?)\z",
        )
        .expect("regex"),
        zone: Regex::new(r"\A(.*)(%[A-Za-z0-9_]+)\z").expect("regex"),
    })
}

fn ruby_to_i(s: &str) -> u128 {
    s.bytes()
        .take_while(u8::is_ascii_digit)
        .fold(0u128, |a, b| {
            a.saturating_mul(10).saturating_add((b - b'0') as u128)
        })
}

fn in_addr_octets(octets: &[&str]) -> Result<u128, IpAddrError> {
    let mut i: u128 = 0;
    for s in octets {
        let n = ruby_to_i(s);
        if n >= 256 {
            return Err(err("InvalidAddressError", "invalid address: "));
        }
        if s.len() > 1 && s.starts_with('0') {
            return Err(err(
                "InvalidAddressError",
                "zero-filled number in IPv4 address is ambiguous: ",
            ));
        }
        i = (i << 8) | n;
    }
    Ok(i)
}

fn in_addr(s: &str) -> Result<Option<u128>, IpAddrError> {
    match res().v4.captures(s) {
        Some(c) => {
            let o: Vec<&str> = (1..=4)
                .map(|i| c.get(i).map_or("", |m| m.as_str()))
                .collect();
            in_addr_octets(&o).map(Some)
        }
        None => Ok(None),
    }
}

fn in6_addr(s: &str) -> Result<Option<u128>, IpAddrError> {
    let invalid = || err("InvalidAddressError", "invalid address: ");
    let (left, right, addr): (String, String, u128);
    if let Some(c) = res().v6_full.captures(s) {
        if let Some(head) = c.get(1) {
            let o: Vec<&str> = (2..=5)
                .map(|i| c.get(i).map_or("", |m| m.as_str()))
                .collect();
            addr = in_addr_octets(&o)?;
            left = format!("{}:", head.as_str());
        } else {
            addr = 0;
            left = s.to_string();
        }
        right = String::new();
    } else if let Some(c) = res().v6_comp.captures(s) {
        let g = |i: usize| c.get(i).map_or("", |m| m.as_str());
        if c.get(4).is_some() {
            if s.matches(':').count() > 6 {
                return Err(invalid());
            }
            let o: Vec<&str> = (4..=7).map(g).collect();
            addr = in_addr_octets(&o)?;
            left = g(1).to_string();
            right = format!("{}0:0", g(3));
        } else {
            let limit = if g(1).is_empty() || g(2).is_empty() {
                8
            } else {
                7
            };
            if s.matches(':').count() > limit {
                return Err(invalid());
            }
            left = g(1).to_string();
            right = g(2).to_string();
            addr = 0;
        }
    } else {
        return Err(invalid());
    }
    // Ruby's String#split drops trailing empty fields.
    let split = |x: &str| -> Vec<String> {
        let mut v: Vec<String> = x.split(':').map(str::to_string).collect();
        while v.last().is_some_and(String::is_empty) {
            v.pop();
        }
        v
    };
    let l = split(&left);
    let r = split(&right);
    let rest = 8i32 - l.len() as i32 - r.len() as i32;
    if rest < 0 {
        return Ok(None);
    }
    let mut v: u128 = 0;
    for p in l
        .iter()
        .map(String::as_str)
        .chain(std::iter::repeat_n("0", rest as usize))
        .chain(r.iter().map(String::as_str))
    {
        let h = u128::from_str_radix(
            &p.chars()
                .take_while(char::is_ascii_hexdigit)
                .collect::<String>(),
            16,
        )
        .unwrap_or(0);
        v = (v << 16) | h;
    }
    Ok(Some(v | addr))
}

impl IpAddr {
    /// `IPAddr.new(s)`.
    pub fn parse(s: &str) -> Result<IpAddr, IpAddrError> {
        let (mut prefix, prefixlen) = match s.split_once('/') {
            Some((p, l)) => (p.to_string(), Some(l.to_string())),
            None => (s.to_string(), None),
        };
        let mut want_v6 = false;
        if prefix.len() >= 2 && prefix.starts_with('[') && prefix.ends_with(']') {
            prefix = prefix[1..prefix.len() - 1].to_string();
            want_v6 = true;
        }
        let mut zone = None;
        if let Some(c) = res().zone.captures(&prefix.clone()) {
            zone = Some(c.get(2).map_or("", |m| m.as_str()).to_string());
            prefix = c.get(1).map_or("", |m| m.as_str()).to_string();
            want_v6 = true;
        }
        let mut addr = None;
        let mut v6 = false;
        if !want_v6 {
            addr = in_addr(&prefix)?;
        }
        if addr.is_none() {
            addr = in6_addr(&prefix)?;
            v6 = true;
        }
        let Some(mut addr) = addr else {
            // Ruby goes on with a nil address and fails in the mask arithmetic.
            return Err(err("InvalidAddressError", "invalid address: "));
        };
        if let Some(len) = prefixlen {
            let bits = if v6 { 128 } else { 32 };
            let n: u32 = if len == "0"
                || (len.starts_with(|c: char| ('1'..='9').contains(&c))
                    && len.bytes().all(|b| b.is_ascii_digit()))
            {
                len.parse().unwrap_or(u32::MAX)
            } else if !len.is_empty() && len.bytes().all(|b| b.is_ascii_digit()) {
                return Err(err("InvalidPrefixError", "leading zeros in prefix"));
            } else {
                let m = IpAddr::parse(&len)?;
                if m.v6 != v6 {
                    return Err(err("InvalidPrefixError", "address family is not same: "));
                }
                let full: u128 = if v6 { u128::MAX } else { 0xffff_ffff };
                let inv = m.addr ^ full;
                if inv & inv.wrapping_add(1) != 0 {
                    return Err(err("InvalidPrefixError", &format!("invalid mask {len}: ")));
                }
                return Ok(IpAddr {
                    v6,
                    addr: addr & m.addr,
                    zone,
                });
            };
            if n > bits {
                return Err(err("InvalidPrefixError", "invalid length: "));
            }
            let masklen = bits - n;
            addr = if masklen >= 128 {
                0
            } else {
                (addr >> masklen) << masklen
            };
        }
        Ok(IpAddr { v6, addr, zone })
    }

    /// `to_s`: IPv6 compressed the way Ruby's ipaddr does it.
    pub fn to_s(&self) -> String {
        if !self.v6 {
            let a = self.addr as u32;
            return format!(
                "{}.{}.{}.{}",
                a >> 24,
                (a >> 16) & 255,
                (a >> 8) & 255,
                a & 255
            );
        }
        let groups: Vec<u16> = (0..8)
            .map(|i| (self.addr >> (112 - 16 * i)) as u16)
            .collect();
        let mut s = groups
            .iter()
            .map(|g| format!("{g:x}"))
            .collect::<Vec<_>>()
            .join(":");
        for n in (2..=8).rev() {
            let zeros = vec!["0"; n].join(":");
            let re = Regex::new(&format!(r"\b{zeros}\b")).expect("regex");
            if n == 8 && s == zeros {
                s = "::".to_string();
                break;
            }
            if re.is_match(&s) {
                s = re.replace(&s, ":").into_owned();
                break;
            }
        }
        let colons = Regex::new(":{3,}").expect("regex");
        s = colons.replace(&s, "::").into_owned();
        let v4 = Regex::new(r"(?i)\A::(ffff:)?([0-9a-f]{1,4}):([0-9a-f]{1,4})\z").expect("regex");
        if let Some(c) = v4.captures(&s.clone()) {
            let h = |i| u32::from_str_radix(c.get(i).map_or("0", |m| m.as_str()), 16).unwrap_or(0);
            s = format!(
                "::{}{}.{}.{}.{}",
                c.get(1).map_or("", |m| m.as_str()),
                h(2) / 256,
                h(2) % 256,
                h(3) / 256,
                h(3) % 256
            );
        }
        if let Some(z) = &self.zone {
            s.push_str(z);
        }
        s
    }

    /// `inspect`.
    pub fn inspect(&self) -> String {
        let family = if self.v6 { "IPv6" } else { "IPv4" };
        let mask = if self.v6 {
            "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"
        } else {
            "255.255.255.255"
        };
        format!("#<IPAddr: {family}:{}/{mask}>", self.to_s())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_and_refuses_what_ruby_does() {
        for (a, want) in [
            ("1.2.3.4", Ok("1.2.3.4")),
            (
                "01.2.3.4",
                Err("zero-filled number in IPv4 address is ambiguous: "),
            ),
            ("1.2.3", Err("invalid address: ")),
            ("*", Err("invalid address: ")),
            ("web-01", Err("invalid address: ")),
            ("::1", Ok("::1")),
            ("fe80::1%eth0", Ok("fe80::1%eth0")),
            ("[::1]", Ok("::1")),
            ("1.2.3.4/24", Ok("1.2.3.0")),
            ("1.2.3.4/033", Err("leading zeros in prefix")),
            ("::ffff:1.2.3.4", Ok("::ffff:1.2.3.4")),
            ("1:2:3:4:5:6:7:8:9", Err("invalid address: ")),
            ("2001:db8:0:0:1:0:0:1", Ok("2001:db8::1:0:0:1")),
        ] {
            let got = IpAddr::parse(a).map(|x| x.to_s()).map_err(|e| e.message);
            assert_eq!(got, want.map(str::to_string).map_err(str::to_string), "{a}");
        }
    }
}
