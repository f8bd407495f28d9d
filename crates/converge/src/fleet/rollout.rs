//! In which order hosts are converged: all at once with a bound on how many run together,
//! or rolling, a batch at a time, stopping at the first batch that fails.

use super::HostResult;
use std::sync::Mutex;

/// How a fleet run proceeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rollout {
    /// At most this many hosts at once (at least 1).
    pub parallel: usize,
    /// Rolling: batches of this many hosts, each only after the previous one succeeded.
    pub serial: Option<usize>,
}

impl Default for Rollout {
    fn default() -> Self {
        Rollout {
            parallel: 10,
            serial: None,
        }
    }
}

/// Why a batch stops a rolling run.
pub(crate) fn batch_failed(results: &[HostResult]) -> bool {
    results.iter().any(HostResult::failed)
}

/// Runs `work` on every item, at most `parallel` at a time; results in item order.
/// `work` gets the item and its index.
pub(crate) fn bounded<T: Sync, R: Send>(
    items: &[T],
    parallel: usize,
    work: &(dyn Fn(&T, usize) -> R + Sync),
) -> Vec<R> {
    let next = Mutex::new(0usize);
    let results: Mutex<Vec<Option<R>>> = Mutex::new(items.iter().map(|_| None).collect());
    let workers = parallel.clamp(1, items.len().max(1));
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| loop {
                let i = {
                    let mut n = next.lock().unwrap_or_else(|e| e.into_inner());
                    let i = *n;
                    *n += 1;
                    i
                };
                let Some(item) = items.get(i) else {
                    return;
                };
                let r = work(item, i);
                results.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(r);
            });
        }
    });
    results
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .into_iter()
        .flatten()
        .collect()
}

/// The batches of a run: one of everything, or `serial`-sized chunks.
pub(crate) fn batches<T>(items: &[T], rollout: Rollout) -> Vec<&[T]> {
    match rollout.serial {
        Some(n) => items.chunks(n.max(1)).collect(),
        None if items.is_empty() => Vec::new(),
        None => vec![items],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    #[test]
    fn never_more_than_parallel_at_once_and_results_keep_their_order() {
        let running = AtomicUsize::new(0);
        let peak = AtomicUsize::new(0);
        let items: Vec<usize> = (0..12).collect();
        let out = bounded(&items, 3, &|x: &usize, i| {
            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
            peak.fetch_max(now, Ordering::SeqCst);
            std::thread::sleep(Duration::from_millis(10));
            running.fetch_sub(1, Ordering::SeqCst);
            (*x, i)
        });
        assert_eq!(out, (0..12).map(|i| (i, i)).collect::<Vec<_>>());
        assert_eq!(peak.load(Ordering::SeqCst), 3);
    }

    #[test]
    fn serial_splits_into_batches_in_order() {
        let items = [1, 2, 3, 4, 5];
        let r = Rollout {
            parallel: 10,
            serial: Some(2),
        };
        assert_eq!(batches(&items, r), vec![&[1, 2][..], &[3, 4], &[5]]);
        assert_eq!(batches(&items, Rollout::default()), vec![&items[..]]);
    }
}
