//! Editing keeps everything else byte for byte and follows the file's indentation.

use converge_nginx::{Config, Selector, ServerSel, Tree};
use std::path::Path;

fn debian_default() -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/debian/sites-available_default"),
    )
    .unwrap()
}

fn args(s: &str) -> Vec<String> {
    converge_nginx::split_args(s).unwrap()
}

const DEFAULT: Selector = Selector::Server(ServerSel::Default);

#[test]
fn header_goes_into_the_default_site_once_and_updates_in_place() {
    let text = debian_default();
    let mut cfg = Config::parse(&text).unwrap();
    assert!(cfg
        .set(
            &DEFAULT,
            "add_header",
            &args("X-Served-By web-01 always"),
            1
        )
        .unwrap());
    let once = cfg.to_string();
    assert!(
        once.contains("\tserver_name _;\n\tadd_header X-Served-By web-01 always;\n"),
        "{once}"
    );
    // Only one line was added.
    assert_eq!(once.lines().count(), text.lines().count() + 1);
    assert!(!cfg
        .set(
            &DEFAULT,
            "add_header",
            &args("X-Served-By web-01 always"),
            1
        )
        .unwrap());

    let mut again = Config::parse(&once).unwrap();
    assert!(again
        .set(
            &DEFAULT,
            "add_header",
            &args("X-Served-By web-02 always"),
            1
        )
        .unwrap());
    let renamed = again.to_string();
    assert_eq!(renamed.matches("X-Served-By").count(), 1, "{renamed}");
    assert_eq!(renamed, once.replace("web-01", "web-02"));

    // A second header name is a second directive, next to the first.
    again
        .set(&DEFAULT, "add_header", &args("X-Other 1"), 1)
        .unwrap();
    assert!(again
        .to_string()
        .contains("web-02 always;\n\tadd_header X-Other 1;\n"));

    assert_eq!(
        again
            .remove(&DEFAULT, "add_header", &args("X-Served-By"))
            .unwrap(),
        1
    );
    assert_eq!(
        again
            .remove(&DEFAULT, "add_header", &args("X-Other"))
            .unwrap(),
        1
    );
    assert_eq!(again.to_string(), text, "removing restores the original");
}

#[test]
fn duplicates_collapse_to_one_and_key_zero_means_the_name_alone() {
    let mut cfg = Config::parse("http {\n  gzip on;\n  gzip off; # two\n  root /a;\n}\n").unwrap();
    assert!(cfg.set(&Selector::Http, "gzip", &args("on"), 0).unwrap());
    assert_eq!(cfg.to_string(), "http {\n  gzip on;\n  root /a;\n}\n");
}

#[test]
fn servers_are_found_by_name_listen_or_default_and_locations_in_them() {
    let text = "http {\n    server {\n        listen 8080;\n        server_name a.example;\n    }\n    server {\n        listen 80 default_server;\n        server_name b.example;\n        location = /x {\n            return 204;\n        }\n    }\n}\n";
    let mut cfg = Config::parse(text).unwrap();
    cfg.set(
        &Selector::Server(ServerSel::Name("a.example".into())),
        "root",
        &args("/a"),
        0,
    )
    .unwrap();
    cfg.set(
        &Selector::Server(ServerSel::Listen("80".into())),
        "root",
        &args("/b"),
        0,
    )
    .unwrap();
    cfg.set(
        &Selector::Location(ServerSel::Default, "= /x".into()),
        "add_header",
        &args("X-Y \"a b\""),
        1,
    )
    .unwrap();
    cfg.set(&Selector::Http, "gzip", &args("on"), 0).unwrap();
    assert_eq!(
        cfg.to_string(),
        "http {\n    gzip on;\n    server {\n        listen 8080;\n        server_name a.example;\n        root /a;\n    }\n    server {\n        listen 80 default_server;\n        server_name b.example;\n        root /b;\n        location = /x {\n            return 204;\n            add_header X-Y \"a b\";\n        }\n    }\n}\n"
    );
    let err = cfg
        .set(
            &Selector::Server(ServerSel::Name("c.example".into())),
            "root",
            &args("/c"),
            0,
        )
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "no server (server_name c.example) block found"
    );
}

#[test]
fn new_directives_follow_crlf_tabs_and_empty_blocks() {
    let mut cfg = Config::parse("server {\r\n\tlisten 80;\r\n}\r\n").unwrap();
    cfg.set(&DEFAULT, "root", &args("/srv"), 0).unwrap();
    assert_eq!(
        cfg.to_string(),
        "server {\r\n\tlisten 80;\r\n\troot /srv;\r\n}\r\n"
    );

    let mut cfg = Config::parse("http {\n    server {}\n}\n").unwrap();
    cfg.set(&DEFAULT, "listen", &args("80"), 0).unwrap();
    assert_eq!(
        cfg.to_string(),
        "http {\n    server {\n        listen 80;\n    }\n}\n"
    );

    let mut cfg = Config::parse("server { # note\n    location / {}\n}\n").unwrap();
    cfg.set(&DEFAULT, "listen", &args("80"), 0).unwrap();
    assert_eq!(
        cfg.to_string(),
        "server { # note\n    listen 80;\n    location / {}\n}\n"
    );
}

#[test]
fn includes_are_followed_relative_to_the_main_file_and_globs_sorted() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir_all(d.join("conf.d")).unwrap();
    std::fs::write(
        d.join("nginx.conf"),
        "events {}\nhttp {\n    include conf.d/*.conf;\n    include mime.types;\n    include none.d/*;\n}\n",
    )
    .unwrap();
    std::fs::write(d.join("mime.types"), "types { text/html html; }\n").unwrap();
    std::fs::write(d.join("conf.d/b.conf"), "server { listen 81; }\n").unwrap();
    std::fs::write(
        d.join("conf.d/a.conf"),
        "server { listen 80; include mime.types; }\n",
    )
    .unwrap();
    std::fs::write(d.join("conf.d/skip.txt"), "not included").unwrap();
    let tree = Tree::load(&d.join("nginx.conf")).unwrap();
    let names: Vec<String> = tree
        .files
        .iter()
        .map(|(p, _)| p.strip_prefix(d).unwrap().display().to_string())
        .collect();
    assert_eq!(
        names,
        ["nginx.conf", "conf.d/a.conf", "mime.types", "conf.d/b.conf"]
    );
    // Nothing is flattened: the main file prints as it was.
    assert!(tree
        .get(&d.join("nginx.conf"))
        .unwrap()
        .to_string()
        .contains("include conf.d/*.conf;"));

    std::fs::write(d.join("nginx.conf"), "include missing.conf;\n").unwrap();
    let e = Tree::load(&d.join("nginx.conf")).unwrap_err().to_string();
    assert!(e.contains("include of a missing file"), "{e}");
}

#[test]
fn removing_a_duplicate_never_lets_a_kept_comment_swallow_the_next_directive() {
    // Found by the fuzzer: the comment before the removed duplicate used to end up on the
    // same line as the next directive.
    let text = "server {\n\tadd_header X 1;\n\t# about the second\n\tadd_header X 2;x 1;\n}\n";
    let mut cfg = Config::parse(text).unwrap();
    cfg.set(&DEFAULT, "add_header", &args("X 3"), 1).unwrap();
    let out = cfg.to_string();
    assert_eq!(
        out,
        "server {\n\tadd_header X 3;\n\t# about the second\n\tx 1;\n}\n"
    );
    let names: Vec<String> = Config::parse(&out).unwrap().root.items[0]
        .block
        .as_ref()
        .unwrap()
        .items
        .iter()
        .map(|d| d.name())
        .collect();
    assert_eq!(names, ["add_header", "x"]);
}

#[test]
fn a_directive_on_the_same_line_moves_to_its_own_when_one_is_inserted_before_it() {
    let mut cfg = Config::parse("server { listen 80; location / {} }\n").unwrap();
    cfg.set(&DEFAULT, "root", &args("/srv"), 0).unwrap();
    assert_eq!(
        cfg.to_string(),
        "server { listen 80;\n    root /srv;\n    location / {} }\n"
    );
}

#[test]
fn removing_never_puts_the_next_directive_behind_the_previous_comment() {
    // Found by the fuzzer: the previous directive's same-line comment used to swallow the
    // directive that followed the removed one on its line.
    let text = "server {\n\tadd_header X 1; # one\n\tadd_header X 2;x 1;\n}\n";
    let mut cfg = Config::parse(text).unwrap();
    cfg.set(&DEFAULT, "add_header", &args("X 3"), 1).unwrap();
    assert_eq!(
        cfg.to_string(),
        "server {\n\tadd_header X 3; # one\n\tx 1;\n}\n"
    );
}

#[test]
fn a_lone_carriage_return_does_not_end_a_kept_comment() {
    // Found by the fuzzer: only LF ends a comment in nginx.
    let text = "server {\nadd_header X 1;\n#e\nadd_header X 2;\r}\n";
    let mut cfg = Config::parse(text).unwrap();
    cfg.set(&DEFAULT, "add_header", &args("X 1"), 1).unwrap();
    let out = cfg.to_string();
    assert_eq!(out, "server {\nadd_header X 1;\n#e\n\r}\n");
    Config::parse(&out).unwrap();
}
