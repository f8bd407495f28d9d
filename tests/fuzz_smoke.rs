//! A short run of every fuzz target inside `cargo test`, so that CI exercises them without
//! nightly or cargo-fuzz: each target's body (`crates/*/fuzz/targets/*.rs`, the same code
//! `cargo fuzz run` drives) gets its seeds, then a few thousand mutations of them (byte
//! flips, inserted punctuation, deletions, duplications, splices). A panic saves the input
//! under `target/fuzz-smoke/` and fails with its path. The mutations are deterministic; set
//! `FUZZ_SMOKE_SEED` to explore others. Longer runs with libFuzzer: docs/fuzzing.md.

use std::path::{Path, PathBuf};

mod compile {
    include!("../crates/lang/fuzz/targets/compile.rs");
}
mod fast_parser {
    include!("../crates/lang/fuzz/targets/fast_parser.rs");
}
mod round_trip {
    include!("../crates/nginx/fuzz/targets/round_trip.rs");
}
mod catalog_json {
    include!("../crates/converge/fuzz/targets/catalog_json.rs");
}

/// Mutated inputs per target: a few seconds each in a debug build.
const ROUNDS: usize = 2000;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every file under `dir` (recursively) whose name ends with `ext`.
fn files(dir: &Path, ext: &str) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                stack.push(p);
            } else if p.to_string_lossy().ends_with(ext) {
                out.push(std::fs::read(&p).expect("a seed"));
            }
        }
    }
    assert!(!out.is_empty(), "seeds in {}", dir.display());
    out
}

/// xorshift64*: small, deterministic, good enough to pick mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Bytes that matter to the inputs' grammars (Puppet, nginx, JSON).
const PUNCT: &[u8] = b"{}[]()\"'$=>,;:#\\\n ~-<|@.0/";

fn mutate(rng: &mut Rng, seeds: &[Vec<u8>]) -> Vec<u8> {
    let mut v = seeds[rng.below(seeds.len())].clone();
    for _ in 0..1 + rng.below(8) {
        let len = v.len();
        match rng.below(6) {
            0 if len > 0 => {
                let i = rng.below(len);
                v[i] ^= 1 << rng.below(8);
            }
            1 => {
                let i = rng.below(len + 1);
                v.insert(i, PUNCT[rng.below(PUNCT.len())]);
            }
            2 if len > 0 => {
                let i = rng.below(len);
                let n = 1 + rng.below((len - i).min(32));
                v.drain(i..i + n);
            }
            3 if len > 0 => {
                let i = rng.below(len);
                let n = 1 + rng.below((len - i).min(64));
                let chunk: Vec<u8> = v[i..i + n].to_vec();
                let at = rng.below(len + 1);
                v.splice(at..at, chunk);
            }
            4 => {
                let other = &seeds[rng.below(seeds.len())];
                let cut = rng.below(v.len() + 1);
                let from = rng.below(other.len() + 1);
                v.truncate(cut);
                v.extend_from_slice(&other[from..]);
            }
            _ => {
                let i = rng.below(len + 1);
                v.insert(i, rng.next() as u8);
            }
        }
    }
    v
}

/// The inputs a longer libFuzzer run once crashed `target` of `krate` with, kept (named for
/// what broke) under `crates/KRATE/fuzz/regressions/TARGET/`: replayed first, then mutated.
fn regressions(krate: &str, target: &str) -> Vec<Vec<u8>> {
    let dir = repo().join(format!("crates/{krate}/fuzz/regressions/{target}"));
    if dir.is_dir() {
        files(&dir, "")
    } else {
        Vec::new()
    }
}

/// Seeds and regressions, then `ROUNDS` mutations, through `target`; a panic keeps its input.
fn drive(name: &str, seeds: &[Vec<u8>], target: fn(&[u8])) {
    let start: u64 = std::env::var("FUZZ_SMOKE_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5eed_0018);
    let mut rng = Rng(start ^ name.len() as u64 ^ 0x9e37_79b9_7f4a_7c15);
    let inputs = seeds
        .iter()
        .cloned()
        .chain((0..ROUNDS).map(|_| mutate(&mut rng, seeds)));
    for (i, input) in inputs.enumerate() {
        if std::panic::catch_unwind(|| target(&input)).is_err() {
            let dir = repo().join("target/fuzz-smoke");
            std::fs::create_dir_all(&dir).expect("a directory for the failing input");
            let path = dir.join(format!("{name}-{start}-{i}"));
            std::fs::write(&path, &input).expect("saving the failing input");
            panic!(
                "fuzz target {name} panicked on input {i}, saved in {}",
                path.display()
            );
        }
    }
}

fn manifests() -> Vec<Vec<u8>> {
    let mut seeds = files(&repo().join("crates/lang/tests/data/ok"), ".pp");
    seeds.extend(files(&repo().join("manifests"), ".pp"));
    seeds
}

/// One test for both language targets: pest's error detail is a process-wide switch that a
/// failed parse turns on and off, so two parses failing at the same time on two threads
/// may word their errors differently, and the fast parser's comparison with pest would
/// see a difference that one parse at a time never has.
#[test]
fn compile_survives_and_the_fast_parser_agrees_with_pest_on_the_seeds_and_their_mutations() {
    let mut seeds = regressions("lang", "fast_parser");
    seeds.extend(manifests());
    drive("compile", &seeds, compile::run);
    drive("fast_parser", &seeds, fast_parser::run);
}

#[test]
fn nginx_round_trip_survives_the_seeds_and_their_mutations() {
    let mut seeds = regressions("nginx", "round_trip");
    seeds.extend(files(&repo().join("crates/nginx/tests/data/configs"), ""));
    drive("round_trip", &seeds, round_trip::run);
}

#[test]
fn catalog_json_survives_the_seeds_and_their_mutations() {
    let mut seeds = regressions("converge", "catalog_json");
    seeds.extend(files(&repo().join("crates/converge/fuzz/seeds"), ".json"));
    drive("catalog_json", &seeds, catalog_json::run);
}
