//! The renderer never panics, whatever the template: every prefix of the test templates
//! (cut at each character, as while someone is typing), pathological nesting, and random
//! soups of ERB and Ruby tokens parse and render to an output, an exception or a decline.

use converge_erb::{MapHost, Template, Value};
use std::path::Path;

fn render(src: &str) {
    let result = std::panic::catch_unwind(|| {
        let mut host = MapHost::default();
        host.vars.insert(
            "list".into(),
            Value::array(vec![Value::Int(1), Value::str("a")]),
        );
        host.vars.insert("s".into(), Value::str("text"));
        if let Ok(t) = Template::parse("fuzz", src) {
            let _ = t.render(&mut host, None);
        }
    });
    assert!(result.is_ok(), "panicked on {src:?}");
}

#[test]
fn every_prefix_of_the_test_templates() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ruby/cases.txt");
    let text = std::fs::read_to_string(dir).unwrap();
    // Every 53rd cut keeps this quick while still cutting inside most constructs.
    let cuts: Vec<usize> = text.char_indices().map(|(i, _)| i).step_by(53).collect();
    for i in cuts {
        render(&text[..i]);
    }
}

#[test]
fn pathological_nesting_is_declined_not_a_crash() {
    for src in [
        format!("<%= {}1{} %>", "(".repeat(5000), ")".repeat(5000)),
        format!("<%= {}1{} %>", "[".repeat(5000), "]".repeat(5000)),
        format!("<%= 1{} %>", " + 1".repeat(20000)),
        format!("<%= 'x'{} %>", ".to_s".repeat(20000)),
        format!("<%= \"{}x{}\" %>", "#{\"".repeat(500), "\"}".repeat(500)),
        "<% if true %>".repeat(3000),
        "<% loop do %><% end %>".to_string(),
    ] {
        let t = std::thread::Builder::new()
            .stack_size(8 << 20)
            .spawn(move || render(&src))
            .unwrap();
        assert!(t.join().is_ok());
    }
}

#[test]
fn random_token_soup() {
    const TOKENS: &[&str] = &[
        "<%", "<%=", "<%-", "-%>", "%>", "<%#", "<%%", "\n", " ", "if", "end", "do", "|x|", "{",
        "}", "(", ")", "[", "]", ".", ",", "@list", "@s", "x", "1", "2.5", "'s'", "\"a#{", "}\"",
        ":sym", "/re/", "=", "==", "+", "-", "*", "/", "%", "?", ":", "&&", "||", "!", "each",
        "map", "sort", "join", "nil", "unless", "else", "case", "when", "begin", "rescue", "=>",
        "..", "%w[", "&.", "::", "<<", "é", "\\", "#", ";", "yield", "def",
    ];
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for _ in 0..20_000 {
        let n = (next() % 24) as usize;
        let src: String = (0..n)
            .map(|_| TOKENS[(next() % TOKENS.len() as u64) as usize])
            .collect();
        render(&src);
    }
}
