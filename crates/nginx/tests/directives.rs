//! The directive table says what nginx 1.22 says: every file Debian ships and the real
//! configurations of the suite pass where nginx passes them, and each kind of mistake is
//! found where nginx stops, in its words.

use converge_nginx::directives::{check, file_context, table, Context, Kind};
use converge_nginx::Config;
use std::path::Path;

fn problems(text: &str, cx: Context) -> Vec<(usize, usize, Kind, String)> {
    let cfg = Config::parse(text.as_bytes()).unwrap();
    check(&cfg, cx)
        .into_iter()
        .map(|p| (p.line, p.col, p.kind, p.message))
        .collect()
}

#[test]
fn the_table_is_nginx_1_22_as_debian_builds_it() {
    assert_eq!(table::NGINX_VERSION, "1.22.1");
    assert!(table::TABLE.len() > 650, "{}", table::TABLE.len());
    assert!(
        table::TABLE.windows(2).all(|w| w[0].name <= w[1].name),
        "sorted"
    );
    for name in [
        "proxy_pass",
        "add_header",
        "sub_filter",
        "auth_request",
        "slice",
        "mp4",
        "http2_push",
    ] {
        assert!(
            converge_nginx::directives::lookup(name).next().is_some(),
            "{name}"
        );
    }
    // Not built by Debian.
    assert!(converge_nginx::directives::lookup("degradation")
        .next()
        .is_none());
}

#[test]
fn debian_s_own_files_pass() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/debian");
    for f in [
        "nginx.conf",
        "sites-available_default",
        "snippets_fastcgi-php.conf",
        "proxy_params",
    ] {
        let text = std::fs::read(dir.join(f)).unwrap();
        let cfg = Config::parse(&text).unwrap();
        let cx = if f.contains("fastcgi") || f == "proxy_params" {
            Context::Location
        } else {
            file_context(&cfg)
        };
        assert_eq!(check(&cfg, cx), vec![], "{f}");
    }
}

#[test]
fn real_sites_pass_and_lua_is_only_unknown() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/third-party");
    for f in [
        "mastodon-dist-nginx.conf",
        "jitsi-meet.example.conf",
        "certbot-ubuntu-1.4.6-nginx.conf",
    ] {
        let cfg = Config::parse(&std::fs::read(dir.join(f)).unwrap()).unwrap();
        let errors: Vec<_> = check(&cfg, file_context(&cfg))
            .into_iter()
            .filter(|p| p.is_error())
            .collect();
        assert_eq!(errors, vec![], "{f}");
    }
    let cfg = Config::parse(&std::fs::read(dir.join("crossplane-lua-block-simple.conf")).unwrap())
        .unwrap();
    let found = check(&cfg, Context::Main);
    assert!(
        found
            .iter()
            .all(|p| p.kind == Kind::Unknown && p.name.ends_with("_by_lua_block")),
        "{found:?}"
    );
    assert_eq!(found.len(), 8);
}

#[test]
fn each_mistake_is_found_where_nginx_stops_in_its_words() {
    let p = problems("user;\nhttp {\n  proxy_pass http://x;\n  server {\n    listen 80 { }\n    location / { gzip; }\n    if ($a) { location /x {} }\n  }\n  upstream u { server a:80; server; keepalive 1 2; }\n  frobnicate 1;\n}\nevents { worker_connections 1; }\n", Context::Main);
    let want = [
        (
            1,
            1,
            Kind::Arguments,
            "invalid number of arguments in \"user\" directive",
        ),
        (
            3,
            3,
            Kind::NotAllowedHere,
            "\"proxy_pass\" directive is not allowed here",
        ),
        (
            5,
            5,
            Kind::NotTerminated,
            "directive \"listen\" is not terminated by \";\"",
        ),
        (
            6,
            18,
            Kind::Arguments,
            "invalid number of arguments in \"gzip\" directive",
        ),
        (
            7,
            15,
            Kind::NotAllowedHere,
            "\"location\" directive is not allowed here",
        ),
        (
            9,
            29,
            Kind::Arguments,
            "invalid number of arguments in \"server\" directive",
        ),
        (
            9,
            37,
            Kind::Arguments,
            "invalid number of arguments in \"keepalive\" directive",
        ),
        (10, 3, Kind::Unknown, "unknown directive \"frobnicate\""),
    ];
    let want: Vec<(usize, usize, Kind, String)> = want
        .into_iter()
        .map(|(l, c, k, m)| (l, c, k, m.to_string()))
        .collect();
    assert_eq!(p, want);
    let p = problems("server;\n", Context::Http);
    assert_eq!(p[0].3, "directive \"server\" has no opening \"{\"");
    // Contexts are nginx's: `return` is fine in `if` in a location, `allow` in
    // limit_except, `proxy_pass` in `if` in a location but not in `if` in a server.
    assert_eq!(
        problems(
            "location / { if ($a) { return 403; } limit_except GET { allow all; } }\n",
            Context::Server
        ),
        vec![]
    );
    assert_eq!(
        problems("if ($a) { proxy_pass http://x; }\n", Context::Server)[0].2,
        Kind::NotAllowedHere
    );
    // map/types bodies are the module's own syntax: not checked.
    assert_eq!(
        problems(
            "map $a $b { default 1; ~x 2; }\ntypes { text/html html; }\n",
            Context::Http
        ),
        vec![]
    );
}
