//! The generated manifest of the compile + check + plan benchmark (shared by
//! `benches/pipeline.rs` and `examples/check_big.rs`): classes of ten resources each, a
//! package, a directory, files in it that notify a service, and chains between
//! consecutive classes.

/// A manifest of `resources` resources (a multiple of ten).
pub(crate) fn manifest(resources: usize) -> String {
    let classes = resources / 10;
    let mut m = String::with_capacity(resources * 120);
    for c in 0..classes {
        m.push_str(&format!(
            "class c{c} {{\n  package {{ 'pkg{c}': ensure => installed }}\n  \
             file {{ '/srv/c{c}': ensure => directory, require => Package['pkg{c}'] }}\n"
        ));
        for f in 0..7 {
            m.push_str(&format!(
                "  file {{ '/srv/c{c}/f{f}': content => \"${{hostname}} {f}\\n\", mode => '0644', notify => Service['svc{c}'] }}\n"
            ));
        }
        m.push_str(&format!(
            "  service {{ 'svc{c}': ensure => running }}\n}}\ninclude c{c}\n"
        ));
        if c > 0 {
            m.push_str(&format!("Class['c{}'] -> Class['c{c}']\n", c - 1));
        }
    }
    m
}
