//! Render a template natively: `cargo run -p converge-erb --example render -- FILE [VARS.json]`
//! (VARS: a JSON object of variables). Prints the output, or the error.

use converge_erb::{wire, MapHost, Template};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let Some(path) = args.get(1) else {
        eprintln!("usage: render FILE [VARS.json]");
        std::process::exit(2);
    };
    let src = std::fs::read_to_string(path).expect("read template");
    let mut host = MapHost::default();
    if let Some(vars) = args.get(2) {
        let j: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(vars).expect("read vars")).expect("json");
        if let Some(o) = j.as_object() {
            for (k, v) in o {
                host.vars.insert(k.clone(), wire::from_json(v));
            }
        }
    }
    match Template::parse(path, &src) {
        Ok(t) => match t.render(&mut host, Some(path)) {
            Ok(out) => print!("{out}"),
            Err(e) => {
                eprintln!("error: {e}");
                std::process::exit(1);
            }
        },
        Err(e) => {
            eprintln!("declined: {e}");
            std::process::exit(3);
        }
    }
}
