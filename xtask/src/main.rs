//! `cargo xtask`: project automation that is not part of converge itself.

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    eprintln!("xtask: unknown command {:?}", args);
    std::process::exit(2);
}
