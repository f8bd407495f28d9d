//! Parse then print gives back every test file byte for byte: Debian's shipped nginx
//! configuration (`data/debian`) and the varied configurations in `data/configs`.

use converge_nginx::Config;
use std::path::Path;

fn files(dir: &str) -> Vec<std::path::PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(dir);
    let mut v: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    v.sort();
    v
}

fn round_trip_all(dir: &str, at_least: usize) {
    let paths = files(dir);
    assert!(paths.len() >= at_least, "{dir}: {} files", paths.len());
    for p in paths {
        let text = std::fs::read_to_string(&p).unwrap();
        let cfg = Config::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        assert_eq!(cfg.to_string(), text, "{} round trip", p.display());
    }
}

#[test]
fn every_config_file_debian_ships_round_trips() {
    round_trip_all("debian", 13);
}

#[test]
fn at_least_thirty_varied_configs_round_trip() {
    round_trip_all("configs", 30);
}

#[test]
fn debian_default_site_is_understood() {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/debian/sites-available_default"),
    )
    .unwrap();
    let cfg = Config::parse(&text).unwrap();
    let servers: Vec<_> = cfg
        .root
        .items
        .iter()
        .filter(|d| d.name == "server")
        .collect();
    assert_eq!(servers.len(), 1, "commented-out servers are comments");
    let listens: Vec<Vec<String>> = servers[0]
        .block
        .as_ref()
        .unwrap()
        .items
        .iter()
        .filter(|d| d.name == "listen")
        .map(|d| d.values())
        .collect();
    assert_eq!(
        listens,
        vec![
            vec!["80", "default_server"],
            vec!["[::]:80", "default_server"]
        ]
    );
}

#[test]
fn quoted_values_and_if_conditions_are_tokens_nginx_would_read() {
    let cfg = Config::parse(
        "if ($request_uri ~* \"\\.php$\") { return 404; }\nadd_header X \"a \\\"b\\\" c\" always;\nroot ${a}b;\n",
    )
    .unwrap();
    let vals: Vec<Vec<String>> = cfg.root.items.iter().map(|d| d.values()).collect();
    assert_eq!(vals[0], vec!["($request_uri", "~*", "\\.php$)"]);
    assert_eq!(vals[1], vec!["X", "a \"b\" c", "always"]);
    assert_eq!(vals[2], vec!["${a}b"]);
}

#[test]
fn broken_configs_are_errors_with_a_line_not_panics() {
    for (text, line) in [
        ("server {\n listen 80;\n", 3),
        ("listen 80", 1),
        ("}\n", 1),
        ("a \"unterminated;\n", 1),
        ("\n\n{ x; }", 3),
    ] {
        let e = Config::parse(text).unwrap_err();
        assert_eq!(e.line, line, "{text:?}: {e}");
    }
}
