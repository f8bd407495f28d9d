//! Facts discovered on the machine the tests run on: shapes and internal consistency.

use converge_catalog::Value;
use converge_facts::Facts;

fn s<'a>(f: &'a Facts, path: &str) -> &'a str {
    f.get_path(path)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("fact {path} missing or not a string"))
}

#[test]
fn names_agree_with_each_other_and_with_the_kernel() {
    let f = Facts::discover();
    let kernel_name = nix::unistd::gethostname()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let hostname = s(&f, "hostname");
    assert_eq!(kernel_name.split('.').next().unwrap(), hostname);
    assert_eq!(s(&f, "networking.hostname"), hostname);
    assert_eq!(s(&f, "networking.fqdn"), s(&f, "fqdn"));
    match f.get("domain").and_then(Value::as_str) {
        Some(d) => assert_eq!(s(&f, "fqdn"), format!("{hostname}.{d}")),
        None => assert_eq!(s(&f, "fqdn"), hostname),
    }
}

#[test]
fn os_facts_describe_this_debian_host() {
    let f = Facts::discover();
    let release = std::fs::read_to_string("/etc/os-release").unwrap();
    if release.lines().any(|l| l == "ID=debian") {
        assert_eq!(s(&f, "os.family"), "Debian");
        assert_eq!(s(&f, "os.name"), "Debian");
        assert_eq!(s(&f, "osfamily"), "Debian");
        let full = s(&f, "os.release.full");
        assert!(full.starts_with(s(&f, "os.release.major")));
        assert_eq!(s(&f, "operatingsystemrelease"), full);
        assert!(!s(&f, "lsbdistcodename").is_empty());
    }
    let machine = nix::sys::utsname::uname().unwrap();
    assert_eq!(s(&f, "hardwaremodel"), machine.machine().to_str().unwrap());
    if s(&f, "hardwaremodel") == "x86_64" {
        assert_eq!(s(&f, "architecture"), "amd64");
    }
    assert_eq!(s(&f, "kernel"), "Linux");
    assert!(s(&f, "kernelrelease").starts_with(s(&f, "kernelversion")));
    assert!(s(&f, "kernelversion").starts_with(s(&f, "kernelmajversion")));
}

#[test]
fn hardware_facts_have_facter_shapes() {
    let f = Facts::discover();
    let count = match f.get_path("processors.count") {
        Some(Value::Integer(n)) => *n,
        other => panic!("processors.count: {other:?}"),
    };
    // The scheduler may confine us to fewer CPUs than the host has, never to more.
    let usable = std::thread::available_parallelism().map_or(1, |n| n.get() as i64);
    assert!(
        count >= usable,
        "processors.count {count} < {usable} usable CPUs"
    );
    assert_eq!(f.get("processorcount"), Some(&Value::Integer(count)));
    let Some(Value::Integer(total)) = f.get_path("memory.system.total_bytes") else {
        panic!("memory.system.total_bytes missing")
    };
    assert!(*total > 0);
    assert!(s(&f, "memorysize").ends_with("iB"));
    assert!(matches!(f.get("is_virtual"), Some(Value::Bool(_))));
    assert_eq!(
        f.get("is_virtual"),
        Some(&Value::Bool(s(&f, "virtual") != "physical"))
    );
    assert!(matches!(f.get("uptime_seconds"), Some(Value::Integer(_))));
    assert_eq!(
        f.get("path").and_then(Value::as_str).map(str::to_string),
        std::env::var("PATH").ok()
    );
}

#[test]
fn networking_lists_loopback_and_mirrors_the_primary_interface() {
    let f = Facts::discover();
    let Some(Value::Hash(ifaces)) = f.get_path("networking.interfaces") else {
        panic!("networking.interfaces missing")
    };
    assert!(ifaces.contains_key("lo"));
    assert_eq!(
        f.get_path("networking.interfaces.lo.ip"),
        Some(&Value::from("127.0.0.1"))
    );
    let mut names: Vec<&str> = ifaces.keys().map(String::as_str).collect();
    names.sort_unstable();
    assert_eq!(s(&f, "interfaces"), names.join(","));
    if let Some(primary) = f.get_path("networking.primary").and_then(Value::as_str) {
        let ip = f.get_path(&format!("networking.interfaces.{primary}.ip"));
        assert_eq!(f.get_path("networking.ip"), ip);
        assert_eq!(f.get("ipaddress"), ip);
        assert_eq!(
            f.get(&format!(
                "ipaddress_{}",
                primary.replace(|c: char| !c.is_ascii_alphanumeric(), "_")
            )),
            ip
        );
    }
}

#[test]
fn a_facts_file_and_the_environment_override_discovery() {
    let mut f = Facts::discover();
    f.merge_json(&serde_json::json!({"networking": {"hostname": "web-01"}, "role": "web"}))
        .unwrap();
    f.apply_env_overrides([("FACTER_hostname", "web-02")]);
    assert_eq!(s(&f, "networking.hostname"), "web-01");
    assert_eq!(s(&f, "hostname"), "web-02");
    assert_eq!(s(&f, "role"), "web");
    assert!(
        f.get_path("networking.interfaces.lo").is_some(),
        "merge must keep siblings"
    );
}
