//! Regular expressions compiled once per process: `validate` checks every file_line's
//! `match` and `after`, and the file_line provider compiles the same patterns again for
//! inspect, plan and apply. Each compile of even a short pattern costs ~0.1 ms (regex
//! builds forward and reverse automata with Unicode classes), a measurable share of a
//! no-op run.

use regex::Regex;
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

/// `Regex::new(pattern)`, compiled at most once per process (errors included).
pub(crate) fn compile(pattern: &str) -> Result<Regex, regex::Error> {
    static CACHE: OnceLock<Mutex<HashMap<String, Result<Regex, regex::Error>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Mutex::default);
    // A poisoned lock only means another thread panicked mid-insert; the map is still sound.
    let mut map = cache.lock().unwrap_or_else(|p| p.into_inner());
    map.entry(pattern.to_string())
        .or_insert_with(|| Regex::new(pattern))
        .clone()
}

#[cfg(test)]
mod tests {
    #[test]
    fn same_answers_as_regex_new() {
        for p in [r"^\s*server_name _;", "(unclosed", "a{99999999}"] {
            let fresh = regex::Regex::new(p).map(|r| r.as_str().to_string());
            for _ in 0..2 {
                let cached = super::compile(p).map(|r| r.as_str().to_string());
                assert_eq!(
                    cached.map_err(|e| e.to_string()),
                    fresh.clone().map_err(|e| e.to_string())
                );
            }
        }
    }
}
