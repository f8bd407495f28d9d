//! The bound on pest's work per parse, so that no input can make parsing take minutes.
//!
//! A PEG grammar backtracks: some inputs (brackets nested a few dozen levels deep that never
//! close) make pest try every reading of every bracket, exponentially many rule calls
//! before it can report the syntax error. pest counts rule calls against a process-wide
//! limit (`pest::set_call_limit`); a parse that reaches it fails with "call limit reached",
//! which [`super`] words as a located "too complex to parse" error.
//!
//! The budget grows with the text: [`CALLS_PER_BYTE`] rule calls per byte, at least
//! [`MIN_CALLS`]. Real manifests need far fewer (the test `real_manifests_parse_within_budget`
//! measures every manifest in the repository and in Debian's puppetlabs modules). Because
//! pest's limit is one global, every parse in flight registers its budget and the global
//! is the largest of them: a parse may get more than its own budget while a bigger one runs
//! beside it, never less. With no parse in flight pest is left unlimited, as it comes: an
//! embedding program's own pest grammars are bounded only while converge parses.

use std::collections::BTreeMap;
use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// Rule calls allowed per byte of text. The 344 manifests and templates measured (the
/// repository's and Debian's puppetlabs modules') need at most 32, a thirty-second of this;
/// the hostile input in docs/fuzzing.md needs millions per byte.
#[doc(hidden)]
pub const CALLS_PER_BYTE: usize = 1_024;

/// Rule calls allowed for any text, however short: a few milliseconds of parsing.
pub(crate) const MIN_CALLS: usize = 200_000;

/// A test's override of [`CALLS_PER_BYTE`] (0: none), to measure what real manifests need.
static PER_BYTE_OVERRIDE: AtomicUsize = AtomicUsize::new(0);

/// The budgets of the parses in flight (budget -> how many), whose largest is pest's limit.
static IN_FLIGHT: Mutex<BTreeMap<usize, usize>> = Mutex::new(BTreeMap::new());

/// The call budget of a text `len` bytes long.
pub(crate) fn budget_for(len: usize) -> usize {
    match PER_BYTE_OVERRIDE.load(Ordering::Relaxed) {
        0 => len.saturating_mul(CALLS_PER_BYTE).max(MIN_CALLS),
        n => len.saturating_mul(n).max(1),
    }
}

/// Override the calls allowed per byte (`None`: the default), for measuring; the minimum
/// budget is then left out, so that a search for the least budget that parses a file finds
/// what that file needs.
#[doc(hidden)]
pub fn set_calls_per_byte(per_byte: Option<usize>) {
    PER_BYTE_OVERRIDE.store(per_byte.unwrap_or(0), Ordering::Relaxed);
}

/// Held while pest parses a text: its budget counts towards pest's global limit.
pub(crate) struct Budget {
    calls: usize,
}

impl Budget {
    /// Register the budget of a text `len` bytes long for the duration of a parse.
    pub(crate) fn enter(len: usize) -> Budget {
        let calls = budget_for(len);
        let mut live = IN_FLIGHT.lock().unwrap_or_else(|e| e.into_inner());
        *live.entry(calls).or_default() += 1;
        set_limit(&live);
        Budget { calls }
    }
}

impl Drop for Budget {
    fn drop(&mut self) {
        let mut live = IN_FLIGHT.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = live.get_mut(&self.calls) {
            *n -= 1;
            if *n == 0 {
                live.remove(&self.calls);
            }
        }
        set_limit(&live);
    }
}

/// pest's limit: the largest budget in flight; none in flight, pest's default (no limit),
/// since a program embedding converge may parse its own grammars with pest.
fn set_limit(live: &BTreeMap<usize, usize>) {
    pest::set_call_limit(live.keys().next_back().copied().and_then(NonZeroUsize::new));
}

/// Whether a pest error is the call limit being reached.
pub(crate) fn exhausted<R: pest::RuleType>(e: &pest::error::Error<R>) -> bool {
    matches!(&e.variant, pest::error::ErrorVariant::CustomError { message } if message == "call limit reached")
}
