//! One host of a fleet run, start to end: connect, make sure this exact converge binary is
//! there, gather the host's facts, compile its catalog here, apply it there, read the
//! report back.

use super::ssh::{Input, Remote, Session, SshError};
use super::{FleetObserver, HostError, HostResult, Phase, Shared};
use crate::report::Report;
use std::time::Instant;

/// Where binaries are kept on the hosts, one file per version and checksum.
pub const REMOTE_BIN_DIR: &str = "/var/lib/converge/bin";

/// Runs the whole pipeline on one host; `slot` numbers its control socket.
pub(crate) fn converge_host(
    shared: &Shared<'_>,
    target: &super::Target,
    slot: usize,
    obs: &dyn FleetObserver,
) -> HostResult {
    let started = Instant::now();
    let mut copied = false;
    let mut clock = Clock {
        obs,
        host: &target.name,
        marks: Vec::new(),
    };
    let outcome =
        run(shared, target, slot, &mut clock, &mut copied, started).map_err(|e| match e {
            Failure::Host(e) => e,
            Failure::Ssh(SshError::Timeout(after)) => HostError::Timeout {
                after,
                phase: clock.marks.last().map_or(Phase::Connecting, |m| m.0),
            },
            Failure::Ssh(SshError::Unreachable(why)) => HostError::Unreachable(why),
            Failure::Ssh(other) => HostError::Unreachable(other.to_string()),
        });
    let end = Instant::now();
    let phases = clock
        .marks
        .iter()
        .enumerate()
        .map(|(i, (p, at))| {
            let until = clock.marks.get(i + 1).map_or(end, |m| m.1);
            (*p, until - *at)
        })
        .collect();
    HostResult {
        name: target.name.clone(),
        outcome,
        copied_binary: copied,
        duration: end - started,
        phases,
    }
}

/// Tells the observer where a host is and remembers when each phase began.
struct Clock<'a> {
    obs: &'a dyn FleetObserver,
    host: &'a str,
    marks: Vec<(Phase, Instant)>,
}

impl Clock<'_> {
    fn enter(&mut self, phase: Phase) {
        self.obs.phase(self.host, phase);
        self.marks.push((phase, Instant::now()));
    }
}

fn run(
    shared: &Shared<'_>,
    target: &super::Target,
    slot: usize,
    clock: &mut Clock<'_>,
    copied: &mut bool,
    started: Instant,
) -> Result<Report, Failure> {
    let deadline = started + shared.opts.timeout;
    clock.enter(Phase::Connecting);
    let mut session = Session::open(
        target,
        shared.control_dir,
        slot,
        &shared.opts.ssh,
        deadline.min(started + shared.opts.ssh.connect_timeout * 2),
    )?;

    let bin = shared.binary.remote_path();
    let check = format!(
        "echo '{sum}  {bin}' | sha256sum -c --status 2>/dev/null && echo present || echo missing",
        sum = shared.binary.sha256
    );
    let out = session.run(&check, Input::Bytes(b""), deadline, started)?;
    if !String::from_utf8_lossy(&out.stdout).contains("present") {
        clock.enter(Phase::Copying);
        // Written under a temporary name and checked before it takes the final one, so a
        // cut transfer never leaves a broken binary that a later run would trust.
        let upload = format!(
            "set -e; umask 022; mkdir -p {dir}; t=$(mktemp {dir}/.upload.XXXXXX); \
             trap 'rm -f \"$t\"' EXIT; cat > \"$t\"; \
             if ! echo \"{sum}  $t\" | sha256sum -c --status; then \
               echo \"checksum mismatch after copying to $t\" >&2; exit 3; fi; \
             chmod 755 \"$t\"; mv -f \"$t\" {bin}; trap - EXIT",
            dir = REMOTE_BIN_DIR,
            sum = shared.binary.sha256,
        );
        let out = session.run(&upload, Input::File(&shared.binary.path), deadline, started)?;
        if out.code != Some(0) {
            return Err(HostError::Copy(remote_reason(&out)).into());
        }
        *copied = true;
    }

    clock.enter(Phase::Facts);
    let out = session.run(
        &format!("{bin} facts"),
        Input::Bytes(b""),
        deadline,
        started,
    )?;
    if out.code != Some(0) {
        return Err(HostError::Facts(remote_reason(&out)).into());
    }
    let facts: serde_json::Value = serde_json::from_slice(&out.stdout)
        .map_err(|e| HostError::Facts(format!("not JSON: {e}")))?;

    clock.enter(Phase::Compiling);
    let mut req = shared.request.clone();
    req.discover_facts = false;
    req.facts_json = Some(facts);
    req.node = Some(target.name.clone());
    let checked = crate::check(&req);
    if checked.has_errors() {
        return Err(HostError::Compile(checked.diagnostics).into());
    }
    clock
        .obs
        .compiled(clock.host, &checked.diagnostics, &checked.log);
    let catalog = checked
        .catalog
        .ok_or_else(|| HostError::Compile(checked.diagnostics.clone()))?;

    clock.enter(Phase::Applying);
    let noop = if shared.opts.noop { " --noop" } else { "" };
    // The report comes back as JSON on stdout; `--progress` streams each resource's outcome
    // on stderr meanwhile, which the observer shows live.
    let apply =
        format!("{bin} apply --catalog - --detailed-exitcodes --format json --progress{noop}");
    let (obs, host) = (clock.obs, clock.host);
    let out = session.run_streaming(
        &apply,
        Input::Bytes(catalog.to_json().as_bytes()),
        deadline,
        started,
        &|l| obs.line(host, l),
    )?;
    match serde_json::from_slice::<Report>(&out.stdout) {
        Ok(report) => Ok(report),
        Err(_) => Err(HostError::Apply(remote_reason(&out)).into()),
    }
}

/// The remote command's own words for a failure: the last lines of its stderr.
fn remote_reason(out: &Remote) -> String {
    let lines: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| !l.trim().is_empty())
        .collect();
    let text = lines[lines.len().saturating_sub(3)..].join("\n");
    let text = text.trim();
    let code = out
        .code
        .map_or_else(|| "killed by a signal".to_string(), |c| format!("exit {c}"));
    if text.is_empty() {
        code
    } else {
        format!("{text} ({code})")
    }
}

/// What stops a host's run: ssh's trouble (turned into a [`HostError`] knowing the phase)
/// or a host error as such.
enum Failure {
    Ssh(SshError),
    Host(HostError),
}

impl From<SshError> for Failure {
    fn from(e: SshError) -> Self {
        Failure::Ssh(e)
    }
}

impl From<HostError> for Failure {
    fn from(e: HostError) -> Self {
        Failure::Host(e)
    }
}
