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
    let mut catalog_from = None;
    let mut clock = Clock {
        obs,
        host: &target.name,
        marks: Vec::new(),
    };
    let outcome = run(
        shared,
        target,
        slot,
        &mut clock,
        &mut copied,
        &mut catalog_from,
        started,
    )
    .map_err(|e| match e {
        Failure::Host(e) => e,
        Failure::Ssh(SshError::Timeout(after)) => HostError::Timeout {
            after,
            phase: clock.marks.last().map_or(Phase::Connecting, |m| m.0),
        },
        Failure::Ssh(SshError::Unreachable(why)) => HostError::Unreachable(why),
        Failure::Ssh(SshError::HostKey(why)) => HostError::HostKey(why),
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
        catalog_from,
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
    catalog_from: &mut Option<String>,
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
    let run_as = target.run_as.as_deref();
    // One round trip says who we are, whether root is at hand, whether this build is
    // already there and, when it is, the host's facts: a user without root fails here
    // with a reason, before anything is copied, instead of at `mkdir` or halfway through
    // an apply.
    clock.enter(Phase::Facts);
    let out = session.run(
        &check_script(&bin, run_as),
        Input::Bytes(b""),
        deadline,
        started,
    )?;
    privileged(&target.name, run_as, &out)?;
    let facts = match answer(&out.stdout, 2) {
        (Some("present"), json) => facts_from(&out, json)?,
        _ => {
            clock.enter(Phase::Copying);
            let upload = as_user(&upload_script(&bin, &shared.binary.sha256), run_as);
            let out = session.run(&upload, Input::File(&shared.binary.path), deadline, started)?;
            match answer(&out.stdout, 0) {
                (Some("installed"), json) => {
                    *copied = true;
                    facts_from(&out, json)?
                }
                _ => return Err(HostError::Copy(remote_reason(&out)).into()),
            }
        }
    };

    clock.enter(Phase::Compiling);
    let mut req = shared.request.clone();
    req.discover_facts = false;
    req.facts_json = Some(facts);
    req.node = Some(target.name.clone());
    let outcome = shared.catalogs.get(&req);
    let checked = &outcome.compiled.checked;
    if outcome.shared {
        *catalog_from = Some(outcome.compiled.node.clone());
    }
    if checked.has_errors() {
        return Err(HostError::Compile(checked.diagnostics.clone()).into());
    }
    clock
        .obs
        .compiled(clock.host, &checked.diagnostics, &checked.log);
    let mut catalog = checked
        .catalog
        .clone()
        .ok_or_else(|| HostError::Compile(checked.diagnostics.clone()))?;
    // A shared compile was named for the node it ran for.
    catalog.node = target.name.to_lowercase();

    clock.enter(Phase::Applying);
    let noop = if shared.opts.noop { " --noop" } else { "" };
    // The report comes back as JSON on stdout; `--progress` streams each change on stderr
    // meanwhile, which the observer shows live. `--brief`: a converged host sends its
    // summary and nothing else (no passed checks, no unchanged resources).
    let apply = as_user(
        &format!(
            "{bin} apply --catalog - --detailed-exitcodes --format json --progress --brief{noop}"
        ),
        run_as,
    );
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

/// `script` as the remote login shell runs it: unchanged, or through `sudo -n -u USER --`.
/// `-n` because nothing can answer a password prompt (and no password is ever put on a
/// command line); stdin passes through sudo, so uploads and catalogs still stream in.
fn as_user(script: &str, run_as: Option<&str>) -> String {
    match run_as {
        None => script.to_string(),
        Some(user) => format!("sudo -n -u {} -- sh -c {}", quote(user), quote(script)),
    }
}

/// The first command a host runs: the login user, then (as `run_as`) the uid and, for
/// root, `present` and the facts when this build is installed, else `missing`.
///
/// The build counts as installed when its file exists in a directory only root can
/// write: a file reaches that name only by a rename after its checksum was verified (see
/// [`upload_script`]), so it is not hashed again on every run.
fn check_script(bin: &str, run_as: Option<&str>) -> String {
    format!(
        "id -un; {}",
        as_user(
            &format!(
                "u=$(id -u); echo \"$u\"; [ \"$u\" = 0 ] || exit 0; \
                 if [ -x {bin} ] && [ \"$(stat -c %u:%a {REMOTE_BIN_DIR})\" = 0:700 ]; \
                 then echo present; exec {bin} facts; else echo missing; fi"
            ),
            run_as
        )
    )
}

/// Installs the binary arriving on stdin as `bin`, then prints `installed` and the facts.
/// Written under a temporary name beside it and checked before it takes the final name,
/// so a cut transfer never leaves a broken binary that a later run would trust. The
/// directory is root's alone (0700): nobody else can replace what root will run, and
/// nothing goes through `/tmp`.
fn upload_script(bin: &str, sha256: &str) -> String {
    format!(
        "set -e; umask 022; mkdir -p {parent}; umask 077; mkdir -p {dir}; \
         chown 0:0 {dir}; chmod 700 {dir}; \
         t=$(mktemp {dir}/.upload.XXXXXX); trap 'rm -f \"$t\"' EXIT; cat > \"$t\"; \
         if ! echo \"{sha256}  $t\" | sha256sum -c --status; then \
           echo \"checksum mismatch after copying to $t\" >&2; exit 3; fi; \
         chmod 700 \"$t\"; mv -f \"$t\" {bin}; trap - EXIT; echo installed; exec {bin} facts",
        parent = REMOTE_BIN_DIR.rsplit_once('/').map_or("/", |(p, _)| p),
        dir = REMOTE_BIN_DIR,
    )
}

/// What the check (`skip` = 2: after the login user and uid lines) or the upload
/// (`skip` = 0) answered: `present`, `missing` or `installed`, and what follows (the facts'
/// JSON).
fn answer(stdout: &[u8], skip: usize) -> (Option<&str>, &[u8]) {
    let mut rest = stdout;
    for i in 0..=skip {
        let Some(end) = rest.iter().position(|b| *b == b'\n') else {
            return (None, b"");
        };
        let line = &rest[..end];
        rest = &rest[end + 1..];
        if i == skip {
            return (std::str::from_utf8(line).ok(), rest);
        }
    }
    (None, b"")
}

/// The facts `converge facts` printed after the check or the upload.
fn facts_from(out: &Remote, json: &[u8]) -> Result<serde_json::Value, HostError> {
    if out.code != Some(0) {
        return Err(HostError::Facts(remote_reason(out)));
    }
    serde_json::from_slice(json).map_err(|e| HostError::Facts(format!("not JSON: {e}")))
}

/// `s` as one POSIX shell word.
fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// Reads the first command's answer (login user; then, as `run_as`, the uid and whether the
/// binary is there) and fails the host when it cannot act as root.
fn privileged(host: &str, run_as: Option<&str>, out: &Remote) -> Result<(), HostError> {
    let text = String::from_utf8_lossy(&out.stdout);
    let mut lines = text.lines();
    let user = lines.next().unwrap_or("the login user").to_string();
    // The uid line comes only once the (sudo) shell ran; the facts that may follow can
    // fail on their own, so the exit code alone does not say.
    let uid = lines.next().map(str::trim).filter(|u| !u.is_empty());
    if uid.is_none() {
        let Some(run_as) = run_as else {
            return Err(HostError::Unreachable(remote_reason(out)));
        };
        if out.stderr.contains("password is required")
            || out.stderr.contains("terminal is required")
        {
            return Err(HostError::SudoPassword {
                host: host.to_string(),
                user,
            });
        }
        let reason = if out.code == Some(127) {
            "sudo is not installed there: install it, or log in as root".to_string()
        } else {
            remote_reason(out)
        };
        return Err(HostError::Sudo {
            host: host.to_string(),
            user,
            run_as: run_as.to_string(),
            reason,
        });
    }
    if uid != Some("0") {
        return Err(HostError::NeedsRoot {
            host: host.to_string(),
            user: run_as.unwrap_or(&user).to_string(),
        });
    }
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;

    fn remote(code: i32, stdout: &str, stderr: &str) -> Remote {
        Remote {
            code: Some(code),
            stdout: stdout.as_bytes().to_vec(),
            stderr: stderr.to_string(),
        }
    }

    #[test]
    fn a_script_through_sudo_reaches_sh_as_one_word() {
        let script = "echo 'it''s' \"$0\"; printf %s x";
        let wrapped = as_user(script, Some("root"));
        assert!(
            wrapped.starts_with("sudo -n -u 'root' -- sh -c '"),
            "{wrapped}"
        );
        // What the remote sh -c gets back, unquoted by a real shell here.
        let word = wrapped.trim_start_matches("sudo -n -u 'root' -- sh -c ");
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("printf %s {word}"))
            .output()
            .unwrap();
        assert_eq!(String::from_utf8(out.stdout).unwrap(), script);
        assert_eq!(as_user(script, None), script);
    }

    #[test]
    fn the_first_answer_carries_the_facts_when_the_build_is_there() {
        let out = b"root\n0\npresent\n{\"os\": {}}\n";
        assert_eq!(answer(out, 2), (Some("present"), &b"{\"os\": {}}\n"[..]));
        assert_eq!(
            answer(b"root\n0\nmissing\n", 2),
            (Some("missing"), &b""[..])
        );
        assert_eq!(answer(b"installed\n{}", 0), (Some("installed"), &b"{}"[..]));
        // Cut short (sudo refused, the connection dropped): no answer.
        assert_eq!(answer(b"deploy\n", 2).0, None);
        // A user named like an answer is still the user.
        assert_eq!(answer(b"present\n0\nmissing\n", 2).0, Some("missing"));
    }

    #[test]
    fn a_non_root_login_without_run_as_is_told_to_set_it() {
        let e = privileged("web-01", None, &remote(0, "deploy\n1000\nmissing\n", ""))
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "apply needs root on web-01: deploy is not root; log in as root or set run_as (--run-as root)"
        );
        assert!(privileged("web-01", None, &remote(0, "root\n0\npresent\n", "")).is_ok());
    }

    #[test]
    fn sudo_wanting_a_password_fails_the_host_with_a_hint() {
        let out = remote(1, "deploy\n", "sudo: a password is required\n");
        let e = privileged("web-01", Some("root"), &out)
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "sudo needs a password for deploy on web-01: allow NOPASSWD for converge, or log in as root"
        );
    }

    #[test]
    fn a_host_without_sudo_says_so() {
        let out = remote(127, "deploy\n", "sh: 1: sudo: not found\n");
        let e = privileged("web-01", Some("root"), &out)
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "sudo -u root failed for deploy on web-01: sudo is not installed there: install it, or log in as root"
        );
    }

    #[test]
    fn run_as_a_user_who_is_not_root_is_not_enough() {
        let out = remote(0, "deploy\n1001\nmissing\n", "");
        let e = privileged("web-01", Some("admin"), &out)
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("apply needs root on web-01: admin is not root"),
            "{e}"
        );
    }
}
