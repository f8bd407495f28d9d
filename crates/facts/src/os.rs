//! The `os` fact, from `/etc/os-release` and `/etc/debian_version`, as facter shapes it.

use crate::facts::hash;
use converge_catalog::Value;
use indexmap::IndexMap;

/// The fields of an os-release file (`KEY=value`, values optionally quoted).
pub(crate) fn parse_os_release(text: &str) -> IndexMap<String, String> {
    let mut out = IndexMap::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((k, v)) = line.split_once('=') else {
            continue;
        };
        let v = v.trim();
        let v = if v.len() >= 2
            && ((v.starts_with('"') && v.ends_with('"'))
                || (v.starts_with('\'') && v.ends_with('\'')))
        {
            &v[1..v.len() - 1]
        } else {
            v
        };
        // os-release allows shell escapes inside double quotes; only these occur in practice.
        let v = v
            .replace("\\\"", "\"")
            .replace("\\$", "$")
            .replace("\\`", "`")
            .replace("\\\\", "\\");
        out.insert(k.trim().to_string(), v);
    }
    out
}

/// What facter calls a distribution, from the os-release `ID`.
fn os_name(id: &str) -> String {
    match id {
        "debian" => "Debian".into(),
        "ubuntu" => "Ubuntu".into(),
        "linuxmint" => "LinuxMint".into(),
        "raspbian" => "Raspbian".into(),
        "devuan" => "Devuan".into(),
        "kali" => "Kali".into(),
        "rhel" => "RedHat".into(),
        "centos" => "CentOS".into(),
        "fedora" => "Fedora".into(),
        "rocky" => "Rocky".into(),
        "almalinux" => "AlmaLinux".into(),
        "opensuse-leap" | "opensuse" => "OpenSuSE".into(),
        "sles" => "SLES".into(),
        "arch" => "Archlinux".into(),
        "alpine" => "Alpine".into(),
        other => {
            let mut c = other.chars();
            match c.next() {
                Some(f) => f.to_uppercase().chain(c).collect(),
                None => "Linux".into(),
            }
        }
    }
}

fn os_family(id: &str, id_like: &str) -> Option<&'static str> {
    let words = || std::iter::once(id).chain(id_like.split_whitespace());
    if words().any(|w| w == "debian" || w == "ubuntu") {
        Some("Debian")
    } else if words().any(|w| matches!(w, "rhel" | "fedora" | "centos")) {
        Some("RedHat")
    } else if words().any(|w| w.starts_with("suse") || w.starts_with("opensuse")) {
        Some("Suse")
    } else if words().any(|w| w == "arch") {
        Some("Archlinux")
    } else {
        None
    }
}

/// `{full, major, minor}` of a version such as `12.11`; Ubuntu's major is `22.04` in facter.
pub(crate) fn release_hash(full: &str, ubuntu: bool) -> Value {
    let mut parts = full.split('.');
    let first = parts.next().unwrap_or(full);
    let second = parts.next();
    let mut h = IndexMap::new();
    h.insert("full".to_string(), Value::from(full));
    if ubuntu {
        let major = match second {
            Some(s) => format!("{first}.{s}"),
            None => first.to_string(),
        };
        h.insert("major".into(), Value::from(major));
        if let Some(third) = parts.next() {
            h.insert("minor".into(), Value::from(third));
        }
    } else {
        h.insert("major".into(), Value::from(first));
        if let Some(s) = second {
            h.insert("minor".into(), Value::from(s));
        }
    }
    Value::Hash(h)
}

/// The `os` fact from the os-release fields, the contents of `/etc/debian_version` (if
/// any), the architecture (`amd64`) and the hardware model (`x86_64`).
pub(crate) fn os_fact(
    rel: &IndexMap<String, String>,
    debian_version: Option<&str>,
    architecture: &str,
    hardware: &str,
    selinux: bool,
) -> Value {
    let id = rel.get("ID").map(String::as_str).unwrap_or("linux");
    let id_like = rel.get("ID_LIKE").map(String::as_str).unwrap_or("");
    let name = os_name(id);
    let family = os_family(id, id_like)
        .map(str::to_string)
        .unwrap_or_else(|| name.clone());
    // Debian keeps its point release only in /etc/debian_version (`12.11`); testing says
    // `trixie/sid`, in which case os-release's VERSION_ID is the better answer.
    let full = match (id, debian_version.map(str::trim)) {
        ("debian", Some(v)) if v.starts_with(|c: char| c.is_ascii_digit()) => v.to_string(),
        _ => rel.get("VERSION_ID").cloned().unwrap_or_default(),
    };
    let ubuntu = id == "ubuntu";
    let codename = rel
        .get("VERSION_CODENAME")
        .or_else(|| rel.get("UBUNTU_CODENAME"))
        .cloned();
    let mut distro = IndexMap::new();
    if let Some(c) = &codename {
        distro.insert("codename".to_string(), Value::from(c.as_str()));
    }
    if let Some(d) = rel.get("PRETTY_NAME") {
        distro.insert("description".into(), Value::from(d.as_str()));
    }
    distro.insert("id".into(), Value::from(name.as_str()));
    let mut os = IndexMap::new();
    os.insert("architecture".to_string(), Value::from(architecture));
    if !full.is_empty() {
        distro.insert("release".into(), release_hash(&full, ubuntu));
    }
    os.insert("distro".into(), Value::Hash(distro));
    os.insert("family".into(), Value::from(family));
    os.insert("hardware".into(), Value::from(hardware));
    os.insert("name".into(), Value::from(name));
    if !full.is_empty() {
        os.insert("release".into(), release_hash(&full, ubuntu));
    }
    os.insert("selinux".into(), hash([("enabled", Value::Bool(selinux))]));
    Value::Hash(os)
}

/// Debian's name for a kernel machine type (`x86_64` → `amd64`), as facter reports
/// `architecture` on the Debian family.
pub(crate) fn debian_architecture(machine: &str) -> String {
    match machine {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "i386" | "i486" | "i586" | "i686" => "i386",
        "armv7l" | "armv6l" => "armhf",
        "ppc64le" => "ppc64el",
        "s390x" => "s390x",
        "riscv64" => "riscv64",
        other => other,
    }
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOOKWORM: &str = r#"PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
"#;

    #[test]
    fn debian_takes_the_point_release_from_debian_version() {
        let rel = parse_os_release(BOOKWORM);
        let os = os_fact(&rel, Some("12.11\n"), "amd64", "x86_64", false);
        let json = serde_json::to_string(&os).unwrap();
        assert_eq!(
            json,
            r#"{"architecture":"amd64","distro":{"codename":"bookworm","description":"Debian GNU/Linux 12 (bookworm)","id":"Debian","release":{"full":"12.11","major":"12","minor":"11"}},"family":"Debian","hardware":"x86_64","name":"Debian","release":{"full":"12.11","major":"12","minor":"11"},"selinux":{"enabled":false}}"#
        );
    }

    #[test]
    fn testing_falls_back_to_version_id_and_ubuntu_keeps_year_dot_month() {
        let rel = parse_os_release(BOOKWORM);
        let os = os_fact(&rel, Some("trixie/sid"), "amd64", "x86_64", false);
        let Value::Hash(h) = os else { panic!() };
        assert_eq!(h["release"], release_hash("12", false));

        let rel = parse_os_release(
            "ID=ubuntu\nID_LIKE=debian\nVERSION_ID=\"22.04\"\nUBUNTU_CODENAME=jammy\n",
        );
        let Value::Hash(h) = os_fact(&rel, Some("bookworm/sid"), "arm64", "aarch64", false) else {
            panic!()
        };
        assert_eq!(h["family"], Value::from("Debian"));
        assert_eq!(h["name"], Value::from("Ubuntu"));
        let Value::Hash(r) = &h["release"] else {
            panic!()
        };
        assert_eq!(r["major"], Value::from("22.04"));
    }

    /// `/etc/os-release` and `/etc/debian_version` as Debian 11 and 13 ship them (from the
    /// test bed's images), and what facter makes of them.
    #[test]
    fn every_supported_debian_release_reports_its_release_and_codename() {
        let bullseye =
            "PRETTY_NAME=\"Debian GNU/Linux 11 (bullseye)\"\nNAME=\"Debian GNU/Linux\"\n\
            VERSION_ID=\"11\"\nVERSION=\"11 (bullseye)\"\nVERSION_CODENAME=bullseye\nID=debian\n";
        let trixie = "PRETTY_NAME=\"Debian GNU/Linux 13 (trixie)\"\nNAME=\"Debian GNU/Linux\"\n\
            VERSION_ID=\"13\"\nVERSION=\"13 (trixie)\"\nVERSION_CODENAME=trixie\n\
            DEBIAN_VERSION_FULL=13.8\nID=debian\n";
        for (text, debian_version, codename, full, major, minor) in [
            (bullseye, "11.11\n", "bullseye", "11.11", "11", "11"),
            (BOOKWORM, "12.11\n", "bookworm", "12.11", "12", "11"),
            (trixie, "13.8\n", "trixie", "13.8", "13", "8"),
        ] {
            let rel = parse_os_release(text);
            let Value::Hash(os) = os_fact(&rel, Some(debian_version), "amd64", "x86_64", false)
            else {
                panic!()
            };
            let expected = hash([
                ("full", Value::from(full)),
                ("major", Value::from(major)),
                ("minor", Value::from(minor)),
            ]);
            assert_eq!(os["release"], expected, "{codename}");
            let Value::Hash(distro) = &os["distro"] else {
                panic!()
            };
            assert_eq!(distro["codename"], Value::from(codename));
            assert_eq!(distro["release"], expected, "{codename}");
        }
    }

    #[test]
    fn architecture_uses_debian_names() {
        assert_eq!(debian_architecture("x86_64"), "amd64");
        assert_eq!(debian_architecture("aarch64"), "arm64");
        assert_eq!(debian_architecture("mips"), "mips");
    }
}
