//! Generates a manifest of `n` resources in the shapes real manifests use: packages,
//! config files that require them and notify services, defines, chains and defaults.

/// The facts the generated manifest uses.
pub(crate) fn facts() -> indexmap::IndexMap<String, converge_catalog::Value> {
    let mut f = indexmap::IndexMap::new();
    f.insert(
        "hostname".to_string(),
        converge_catalog::Value::from("bench"),
    );
    f
}

/// A manifest with about `n` resources and at least as many relationships.
pub(crate) fn manifest(n: usize) -> String {
    let mut s = String::with_capacity(n * 120);
    s.push_str("File { owner => 'root', mode => '0644' }\n");
    s.push_str("define app::site (Integer $port = 80) {\n  file { \"/etc/app/${title}.conf\": content => \"port ${port}\\n\", require => Package['pkg-0'] }\n}\n");
    let groups = n / 5;
    for i in 0..groups.max(1) {
        s.push_str(&format!(
            "package {{ 'pkg-{i}': ensure => installed }}\n\
             file {{ '/etc/conf-{i}':\n  ensure  => file,\n  content => \"name=${{hostname}}-{i}\\n\",\n  require => Package['pkg-{i}'],\n  notify  => Service['svc-{i}'],\n}}\n\
             service {{ 'svc-{i}': ensure => running, enable => true }}\n\
             app::site {{ 'site-{i}': port => {port} }}\n",
            port = 8000 + (i % 1000)
        ));
        if i > 0 {
            s.push_str(&format!("Package['pkg-{}'] -> Package['pkg-{i}']\n", i - 1));
        }
    }
    s
}
