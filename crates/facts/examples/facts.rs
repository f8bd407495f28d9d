//! Print this host's facts as JSON, or one fact: `cargo run --example facts -- os.release`.

use converge_facts::Facts;

fn main() {
    let mut facts = Facts::discover();
    facts.apply_env_overrides(std::env::vars());
    let out = match std::env::args().nth(1) {
        Some(path) => match facts.get_path(&path) {
            Some(v) => serde_json::to_value(v).unwrap_or_default(),
            None => {
                eprintln!("no fact {path}");
                std::process::exit(1);
            }
        },
        None => facts.to_json(),
    };
    println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
}
