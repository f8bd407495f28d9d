//! Parse then print gives back every test file byte for byte: Debian's shipped nginx
//! configuration (`data/debian`), hand-written corner cases (`data/configs`) and real
//! configurations from public projects (`data/third-party`, origins in its README); and
//! what nginx's lexer reads is what this parser reads.

use converge_nginx::{Body, Config, Directive};
use std::path::{Path, PathBuf};

fn files(dir: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(dir);
    let mut v: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_none_or(|e| e != "md"))
        .collect();
    v.sort();
    v
}

fn round_trip_all(dir: &str, at_least: usize) {
    let paths = files(dir);
    assert!(paths.len() >= at_least, "{dir}: {} files", paths.len());
    for p in paths {
        let bytes = std::fs::read(&p).unwrap();
        let cfg = Config::parse(&bytes).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        assert!(cfg.to_bytes() == bytes, "{} round trip", p.display());
    }
}

#[test]
fn every_config_file_debian_ships_round_trips() {
    round_trip_all("debian", 13);
}

#[test]
fn the_hand_written_corner_cases_round_trip() {
    round_trip_all("configs", 40);
}

#[test]
fn third_party_configs_round_trip_byte_for_byte() {
    round_trip_all("third-party", 15);
}

fn find<'a>(b: &'a [Directive], name: &str) -> Vec<&'a Directive> {
    b.iter().filter(|d| d.name() == name).collect()
}

#[test]
fn bytes_that_are_not_utf8_are_kept_exactly() {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/configs/36-latin1-bytes.conf");
    let bytes = std::fs::read(p).unwrap();
    assert!(std::str::from_utf8(&bytes).is_err());
    let mut cfg = Config::parse(&bytes).unwrap();
    // An edit elsewhere keeps every other byte, invalid ones included.
    cfg.set(
        &converge_nginx::Selector::Server(converge_nginx::ServerSel::Default),
        "root",
        &["/srv".to_string()],
        0,
    )
    .unwrap();
    let out = cfg.to_bytes();
    assert!(
        out.windows(5).any(|w| w == b"caf\xe9\""),
        "Latin-1 value kept"
    );
    assert!(
        out.starts_with(b"# Caf\xe9 cr\xe8me \xff\xfe"),
        "comment kept"
    );
    assert_eq!(out.len(), bytes.len() + "\troot /srv;\n".len());
}

#[test]
fn lua_blocks_are_raw_lua_with_braces_strings_and_comments_inside() {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/third-party/crossplane-lua-block-tricky.conf");
    let cfg = Config::parse(&std::fs::read(p).unwrap()).unwrap();
    let http = cfg.root.items[0].block().unwrap();
    let server = http.items[0].block().unwrap();
    // `server_name content_by_lua_block;` is a plain directive.
    assert_eq!(
        find(&server.items, "server_name")[0].values(),
        ["content_by_lua_block"]
    );
    let set = find(&server.items, "set_by_lua_block")[0];
    assert_eq!(set.values(), ["$res"]);
    let Body::Raw(lua) = &set.body else {
        panic!("raw")
    };
    assert!(String::from_utf8_lossy(lua).contains("return a + b;"));
    let rw = find(&server.items, "rewrite_by_lua_block")[0];
    let Body::Raw(lua) = &rw.body else {
        panic!("raw")
    };
    assert!(String::from_utf8_lossy(lua).contains("iup.button({title=\"ok\"})"));
    // `upstream content_by_lua_block { # stuff }` is an upstream block.
    assert!(find(&http.items, "upstream")[0].block().is_some());

    let cfg = Config::parse(
        b"content_by_lua_block { local s = \"}\" -- } comment\n local t = [==[ } ]==] --[[ } ]] x = '{' }\nafter 1;\n",
    )
    .unwrap();
    assert_eq!(
        cfg.root.items.len(),
        2,
        "the Lua braces inside strings and comments do not count"
    );
    assert_eq!(cfg.root.items[1].name(), "after");
}

#[test]
fn quotes_hashes_and_braces_inside_words_are_what_nginx_reads() {
    let cfg = Config::parse(
        b"a x\"y it's;\nb c#d e}f;\nc ${a}b a${b}c;\nif ($a = \"x\") { return 1; }\nd \"q\"{}\n",
    )
    .unwrap();
    let vals: Vec<(String, Vec<String>)> = cfg
        .root
        .items
        .iter()
        .map(|d| (d.name(), d.values()))
        .collect();
    assert_eq!(vals[0].1, ["x\"y", "it's"]);
    assert_eq!(vals[1].1, ["c#d", "e}f"]);
    assert_eq!(vals[2].1, ["${a}b", "a${b}c"]);
    assert_eq!(
        vals[3].1,
        ["($a", "=", "x", ")"],
        "`)` after a quote starts a word"
    );
    assert_eq!(vals[4].1, ["q"]);
    assert!(cfg.root.items[4].block().is_some());

    // Escapes: a backslash escapes one byte everywhere.
    let cfg = Config::parse(b"log_format \\#arg\\ 1 'a\\'b' \"t\\tn\\n\\x\";\n").unwrap();
    assert_eq!(
        cfg.root.items[0].values(),
        ["\\#arg\\ 1", "a'b", "t\tn\n\\x"]
    );
}

#[test]
fn configs_nginx_refuses_are_refused_where_nginx_stops() {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/refused/crossplane-quote-behavior.conf");
    let e = Config::parse(&std::fs::read(p).unwrap()).unwrap_err();
    assert_eq!((e.line, e.message.as_str()), (1, "unexpected \"-\""));
    assert!(e.hint.unwrap().contains("closing quote"));
    for (text, line, msg) in [
        (
            &b"server {\n listen 80;\n"[..],
            3,
            "unexpected end of file, expecting \"}\"",
        ),
        (
            b"listen 80",
            1,
            "unexpected end of file, expecting \";\" or \"}\"",
        ),
        (b"}\n", 1, "unexpected \"}\""),
        (
            b"a \"unterminated;\n",
            2,
            "unexpected end of file, expecting \";\" or \"}\"",
        ),
        (b"\n\n{ x; }", 3, "unexpected \"{\""),
        (b"a b }\n", 1, "unexpected \"}\""),
        (b"a \"b\"#c;\n", 1, "unexpected \"#\""),
        (b"a 'b'c;\n", 1, "unexpected \"c\""),
        (
            b"content_by_lua_block { x = '}'\n",
            2,
            "unexpected end of file, expecting \"}\"",
        ),
    ] {
        let e = Config::parse(text).unwrap_err();
        assert_eq!(
            (e.line, e.message.as_str()),
            (line, msg),
            "{:?}",
            String::from_utf8_lossy(text)
        );
    }
}

#[test]
fn debian_default_site_is_understood() {
    let text = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/debian/sites-available_default"),
    )
    .unwrap();
    let cfg = Config::parse(&text).unwrap();
    let servers = find(&cfg.root.items, "server");
    assert_eq!(servers.len(), 1, "commented-out servers are comments");
    let listens: Vec<Vec<String>> = find(&servers[0].block().unwrap().items, "listen")
        .iter()
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
