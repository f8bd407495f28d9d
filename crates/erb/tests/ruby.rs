//! The native renderer against Ruby itself, on the Ruby templates use: every case in
//! `tests/ruby/cases.txt` (`### name` starts one; `(raises)` marks ones that must raise,
//! `(declines)` ones the native renderer must decline) is rendered natively and by
//! Ruby's ERB through converge's fallback protocol (`wire::Session` and `server.rb`, one
//! `ruby` process for all of them), with the variables of `tests/ruby/vars.json`. The
//! outputs, or the exceptions (class, message, line), must be the same. Needs `ruby`.

use converge_erb::wire::{self, Session, SERVER_RB};
use converge_erb::{MapHost, RenderError, Template};
use std::io::BufReader;
use std::path::Path;
use std::process::{Command, Stdio};

fn host() -> MapHost {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ruby");
    let vars: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("vars.json")).unwrap()).unwrap();
    let mut h = MapHost::default();
    for (k, v) in vars.as_object().unwrap() {
        h.vars.insert(k.clone(), wire::decode(v));
    }
    h
}

fn cases() -> Vec<(String, String)> {
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ruby/cases.txt"))
            .unwrap();
    let mut out: Vec<(String, String)> = Vec::new();
    for line in text.split_inclusive('\n') {
        if let Some(name) = line.strip_prefix("### ") {
            out.push((name.trim().to_string(), String::new()));
        } else if let Some(last) = out.last_mut() {
            last.1.push_str(line);
        }
    }
    out
}

#[test]
fn native_rendering_matches_ruby() {
    let mut child = Command::new("ruby")
        .args(["--disable-gems", "-e", SERVER_RB])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("this test needs ruby (apt-get install ruby)");
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut session = Session::new();
    let mut failures = Vec::new();
    let all = cases();
    for (name, src) in &all {
        let file = format!("/cases/{}.erb", name.replace(' ', "_"));
        let mut ruby_host = host();
        let vars = converge_erb::Host::vars(&mut ruby_host);
        let ruby = session.render(
            &mut stdout,
            &mut stdin,
            name,
            Some(&file),
            src,
            vars,
            &mut ruby_host,
        );
        let mut native_host = host();
        let native = Template::parse(name, src)
            .map_err(RenderError::Declined)
            .and_then(|t| t.render(&mut native_host, Some(&file)));
        let raises = name.ends_with("(raises)");
        let declines = name.ends_with("(declines)");
        match (&native, &ruby) {
            (Ok(a), Ok(b)) if a == b && !raises && !declines => {}
            (Ok(a), Ok(b)) if a != b => {
                let diff = a
                    .lines()
                    .zip(b.lines())
                    .enumerate()
                    .find(|(_, (x, y))| x != y)
                    .map(|(i, (x, y))| format!("line {}:\n  native: {x}\n  ruby:   {y}", i + 1))
                    .unwrap_or_else(|| format!("native {a:?}\nruby   {b:?}"));
                failures.push(format!("{name}: outputs differ at {diff}"));
            }
            (
                Err(RenderError::Raised { at, class, message }),
                Err(RenderError::Raised {
                    at: rat,
                    class: rc,
                    message: rm,
                }),
            ) if raises => {
                // Ruby names the template wrapper with its address and instance variables.
                let plain = |m: &str| match m.find("#<Puppet::Parser::TemplateWrapper") {
                    Some(i) => format!("{}#<Puppet::Parser::TemplateWrapper>", &m[..i]),
                    None => m.to_string(),
                };
                if (class, plain(message), at.line) != (rc, plain(rm), rat.line) {
                    failures.push(format!(
                        "{name}: native raised {class} {message:?} at line {}, Ruby {rc} {rm:?} at line {}",
                        at.line, rat.line
                    ));
                }
            }
            (Err(RenderError::Declined(_)), Ok(_)) if declines => {}
            (n, r) => failures.push(format!("{name}: native {n:?}, Ruby {r:?}")),
        }
    }
    drop(stdin);
    let _ = child.wait();
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n\n{}",
        failures.len(),
        all.len(),
        failures.join("\n\n")
    );
}
