//! One apply at a time per host: an exclusive `flock` on a well-known file.

use nix::fcntl::{Flock, FlockArg};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The default lock file.
pub const DEFAULT_LOCK: &str = "/run/converge.lock";

/// Held while an apply runs; released on drop (and by the kernel if the process dies).
#[derive(Debug)]
pub struct HostLock {
    _lock: Flock<File>,
}

/// The lock could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another apply held it for longer than the timeout.
    #[error("another converge apply is running on this host (lock {path} held for more than {} s)", waited.as_secs_f64())]
    Timeout {
        /// The lock file.
        path: PathBuf,
        /// How long we waited.
        waited: Duration,
    },
    /// The lock file could not be opened.
    #[error("cannot open lock file {path}: {source}")]
    Open {
        /// The lock file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

impl HostLock {
    /// Take the lock, waiting up to `timeout`; `on_wait` is called once if we have to wait,
    /// so the front end can say why nothing happens.
    pub fn acquire(
        path: &Path,
        timeout: Duration,
        mut on_wait: impl FnMut(),
    ) -> Result<HostLock, LockError> {
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let began = Instant::now();
        let mut told = false;
        loop {
            let file = File::options()
                .create(true)
                .truncate(false)
                .write(true)
                .open(path)
                .map_err(|source| LockError::Open {
                    path: path.to_path_buf(),
                    source,
                })?;
            match Flock::lock(file, FlockArg::LockExclusiveNonblock) {
                Ok(lock) => return Ok(HostLock { _lock: lock }),
                Err(_) if began.elapsed() < timeout => {
                    if !told {
                        on_wait();
                        told = true;
                    }
                    std::thread::sleep(Duration::from_millis(100));
                }
                Err(_) => {
                    return Err(LockError::Timeout {
                        path: path.to_path_buf(),
                        waited: began.elapsed(),
                    })
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_taker_waits_then_times_out_while_the_first_holds_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lock");
        let first = HostLock::acquire(&path, Duration::ZERO, || {}).unwrap();
        let mut waited = false;
        let err = HostLock::acquire(&path, Duration::from_millis(300), || waited = true);
        assert!(matches!(err, Err(LockError::Timeout { .. })));
        assert!(waited, "the waiting side must be told it waits");
        drop(first);
        HostLock::acquire(&path, Duration::ZERO, || {}).unwrap();
    }
}
