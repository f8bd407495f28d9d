//! Many hosts from one controller: apply one manifest to a fleet over SSH, in parallel or
//! rolling.
//!
//! Per host ([`remote`]), one `ssh` process running one script over one channel
//! ([`ssh`]): its first round trip says who we are, whether root is at hand, whether this
//! exact build is in [`REMOTE_BIN_DIR`] and, when it is, the host's facts (where it is
//! missing, the copy follows on the same channel, then the facts); compile its catalog
//! here, or reuse the catalog of a node that agrees on every fact the compile read
//! ([`catalogs`]); send it down the channel to `converge apply --catalog -` there and read
//! the JSON report back (a converged host sends its summary alone). Hosts come from
//! `--targets` and an optional inventory ([`inventory`]); [`rollout`] decides how many run
//! at once and when a rolling update stops.

mod catalogs;
pub mod inventory;
mod remote;
pub mod rollout;
pub mod ssh;

pub use inventory::{Inventory, InventoryError, Target};
pub use remote::REMOTE_BIN_DIR;
pub use rollout::Rollout;
pub use ssh::SshOptions;

use crate::compile::CompileRequest;
use crate::report::Report;
use converge_catalog::Diagnostic;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How a fleet run goes.
#[derive(Debug, Clone)]
pub struct FleetOptions {
    /// Dry run on every host.
    pub noop: bool,
    /// How many at once; rolling or not.
    pub rollout: Rollout,
    /// Longest a host may take, connect to report.
    pub timeout: Duration,
    /// How ssh is run.
    pub ssh: SshOptions,
}

impl Default for FleetOptions {
    fn default() -> Self {
        FleetOptions {
            noop: false,
            rollout: Rollout::default(),
            timeout: Duration::from_secs(1800),
            ssh: SshOptions::default(),
        }
    }
}

/// The converge binary hosts run: this very build, named by version and checksum so that
/// hosts running different builds never mix them up.
#[derive(Debug, Clone)]
pub struct Binary {
    /// The file on the controller.
    pub path: PathBuf,
    /// The crate version.
    pub version: String,
    /// SHA-256 of the file, hex.
    pub sha256: String,
    /// Its size in bytes: exactly what is sent to a host that lacks it.
    pub size: u64,
}

impl Binary {
    /// Reads and hashes the binary at `path` (normally the running executable).
    pub fn load(path: &Path) -> std::io::Result<Binary> {
        let mut file = std::fs::File::open(path)?;
        let mut hasher = Sha256::new();
        let size = std::io::copy(&mut file, &mut hasher)?;
        let sha256 = hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        Ok(Binary {
            path: path.to_path_buf(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            sha256,
            size,
        })
    }

    /// Where it lives on a host.
    pub fn remote_path(&self) -> String {
        format!(
            "{REMOTE_BIN_DIR}/converge-{}-{}",
            self.version,
            &self.sha256[..16]
        )
    }
}

/// Where a host is in its run, for live progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Opening the SSH connection.
    Connecting,
    /// Copying the converge binary.
    Copying,
    /// Gathering facts on the host.
    Facts,
    /// Compiling the catalog on the controller.
    Compiling,
    /// Applying the catalog on the host.
    Applying,
}

impl Phase {
    /// A short key for machines: `connect`, `copy`, `facts`, `compile`, `apply`.
    pub fn key(self) -> &'static str {
        match self {
            Phase::Connecting => "connect",
            Phase::Copying => "copy",
            Phase::Facts => "facts",
            Phase::Compiling => "compile",
            Phase::Applying => "apply",
        }
    }
}

impl std::fmt::Display for Phase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Phase::Connecting => "connecting",
            Phase::Copying => "copying converge",
            Phase::Facts => "gathering facts",
            Phase::Compiling => "compiling",
            Phase::Applying => "applying",
        })
    }
}

/// Told what happens, as it happens; called from many threads at once.
pub trait FleetObserver: Sync {
    /// A host entered a phase.
    fn phase(&self, host: &str, phase: Phase);
    /// A host's catalog compiled: its warnings and `notice()` messages, for showing.
    fn compiled(&self, _host: &str, _warnings: &[Diagnostic], _log: &[crate::LogMessage]) {}
    /// A line the host printed while applying (each resource's outcome, warnings).
    fn line(&self, _host: &str, _line: &str) {}
    /// A host is done.
    fn finished(&self, result: &HostResult);
    /// A rolling batch starts (1-based `index` of `count`).
    fn batch(&self, _index: usize, _count: usize, _hosts: &[Target]) {}
}

/// Why a host did not produce a report.
#[derive(Debug, thiserror::Error)]
pub enum HostError {
    /// ssh could not connect or authenticate.
    #[error("unreachable: {0}")]
    Unreachable(String),
    /// The host took longer than the timeout.
    #[error("timed out after {:.1} s while {phase}", after.as_secs_f64())]
    Timeout {
        /// Time since the host's run began.
        after: Duration,
        /// What it was doing.
        phase: Phase,
    },
    /// The remote user is not root and no `run_as` was set: installing and applying need
    /// root.
    #[error("apply needs root on {host}: {user} is not root; log in as root or set run_as (--run-as root)")]
    NeedsRoot {
        /// The node name.
        host: String,
        /// Who ssh logged in as.
        user: String,
    },
    /// `run_as` is set but sudo wants a password, which a fleet run never types.
    #[error("sudo needs a password for {user} on {host}: allow NOPASSWD for converge, or log in as root")]
    SudoPassword {
        /// The node name.
        host: String,
        /// Who ssh logged in as.
        user: String,
    },
    /// `run_as` is set but sudo could not run the command (not installed, not allowed).
    #[error("sudo -u {run_as} failed for {user} on {host}: {reason}")]
    Sudo {
        /// The node name.
        host: String,
        /// Who ssh logged in as.
        user: String,
        /// The user sudo was to switch to.
        run_as: String,
        /// sudo's or the shell's own words, with a hint.
        reason: String,
    },
    /// ssh refused the host's key (unknown and not accepted, or changed).
    #[error("host key refused: {0}")]
    HostKey(String),
    /// The binary could not be copied.
    #[error("copying converge failed: {0}")]
    Copy(String),
    /// `converge facts` failed there.
    #[error("gathering facts failed: {0}")]
    Facts(String),
    /// The manifest does not compile for this host; nothing was sent to it.
    #[error("the catalog does not compile for this host: {} error(s)", .0.iter().filter(|d| d.is_error()).count())]
    Compile(Vec<Diagnostic>),
    /// The remote apply did not print a report.
    #[error("apply failed: {0}")]
    Apply(String),
    /// A rolling update stopped before this host's batch.
    #[error("not run: {0}")]
    NotRun(String),
}

/// The result for one host.
#[derive(Debug)]
pub struct HostResult {
    /// The node name.
    pub name: String,
    /// Its report, or why there is none.
    pub outcome: Result<Report, HostError>,
    /// Whether the binary was copied this run.
    pub copied_binary: bool,
    /// The node whose compile this host's catalog reuses (it agreed on every fact that
    /// compile read); `None` when compiled for this host (or not compiled).
    pub catalog_from: Option<String>,
    /// Wall time, connect to report.
    pub duration: Duration,
    /// Time spent in each phase, in order (compiling is the controller's CPU).
    pub phases: Vec<(Phase, Duration)>,
}

impl HostResult {
    /// The host's `--detailed-exitcodes` code: 0 nothing to do, 2 changes, 4 failures, 6
    /// both, 1 the run could not happen there (unreachable, timeout, compile errors). A
    /// host a stopped rollout never reached counts 0: it was not touched.
    pub fn exit_code(&self) -> i32 {
        match &self.outcome {
            Ok(r) => r.detailed_exit_code(),
            Err(HostError::NotRun(_)) => 0,
            Err(_) => 1,
        }
    }

    /// Whether this host failed (a failed resource or check, or no report at all).
    pub fn failed(&self) -> bool {
        match &self.outcome {
            Ok(r) => r.summary.failed + r.summary.skipped > 0,
            Err(HostError::NotRun(_)) => false,
            Err(_) => true,
        }
    }
}

/// The result of a fleet run.
#[derive(Debug)]
pub struct FleetReport {
    /// Per host, in target order.
    pub hosts: Vec<HostResult>,
    /// The rolling batch (1-based) after which the rollout stopped.
    pub stopped_after: Option<usize>,
    /// Wall time of the whole run.
    pub duration: Duration,
}

/// How bad an exit code is: could not run (1) > failures (6, 4) > changes (2) > none (0).
fn severity(code: i32) -> u8 {
    match code {
        0 => 0,
        2 => 1,
        4 => 2,
        6 => 3,
        _ => 4,
    }
}

impl FleetReport {
    /// The worst host's code; see [`HostResult::exit_code`]. Without `detailed`, 1 when any
    /// host failed, else 0.
    pub fn exit_code(&self, detailed: bool) -> i32 {
        if !detailed {
            return i32::from(self.hosts.iter().any(HostResult::failed));
        }
        self.hosts
            .iter()
            .map(HostResult::exit_code)
            .max_by_key(|c| severity(*c))
            .unwrap_or(0)
    }
}

/// What every host's run shares.
pub(crate) struct Shared<'a> {
    pub(crate) request: &'a CompileRequest,
    pub(crate) binary: &'a Binary,
    pub(crate) opts: &'a FleetOptions,
    pub(crate) catalogs: catalogs::Catalogs,
}

/// Converges `targets` with the manifest of `request` (compiled here per host with that
/// host's facts), `binary` being the converge that runs there.
pub fn run(
    request: &CompileRequest,
    targets: &[Target],
    binary: &Binary,
    opts: &FleetOptions,
    obs: &dyn FleetObserver,
) -> FleetReport {
    let began = Instant::now();
    let shared = Shared {
        request,
        binary,
        opts,
        catalogs: catalogs::Catalogs::default(),
    };
    let batches = rollout::batches(targets, opts.rollout);
    let count = batches.len();
    let mut hosts = Vec::with_capacity(targets.len());
    let mut stopped_after = None;
    for (i, batch) in batches.into_iter().enumerate() {
        if let Some(after) = stopped_after {
            for t in batch {
                let r = HostResult {
                    name: t.name.clone(),
                    outcome: Err(HostError::NotRun(format!(
                        "the rollout stopped after batch {after} failed"
                    ))),
                    copied_binary: false,
                    catalog_from: None,
                    duration: Duration::ZERO,
                    phases: Vec::new(),
                };
                obs.finished(&r);
                hosts.push(r);
            }
            continue;
        }
        if opts.rollout.serial.is_some() {
            obs.batch(i + 1, count, batch);
        }
        let results = rollout::bounded(batch, opts.rollout.parallel, &|t: &Target, _| {
            let r = remote::converge_host(&shared, t, obs);
            obs.finished(&r);
            r
        });
        if opts.rollout.serial.is_some() && i + 1 < count && rollout::batch_failed(&results) {
            stopped_after = Some(i + 1);
        }
        hosts.extend(results);
    }
    FleetReport {
        hosts,
        stopped_after,
        duration: began.elapsed(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_binary_is_named_on_hosts_by_version_and_checksum() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("converge");
        std::fs::write(&path, b"hello\n").unwrap();
        let b = Binary::load(&path).unwrap();
        // sha256("hello\n"), as `sha256sum` on the host computes it.
        assert_eq!(
            b.sha256,
            "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"
        );
        assert_eq!(
            b.remote_path(),
            format!(
                "/var/lib/converge/bin/converge-{}-5891b5b522d5df08",
                env!("CARGO_PKG_VERSION")
            )
        );
    }

    #[test]
    fn the_worst_host_sets_the_exit_code() {
        assert!(severity(1) > severity(6));
        assert!(severity(6) > severity(4));
        assert!(severity(4) > severity(2));
        assert!(severity(2) > severity(0));
    }
}
