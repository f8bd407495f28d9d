//! One host of a fleet run, start to end: connect, make sure this exact converge binary is
//! there, gather the host's facts, compile its catalog here, apply it there, read the
//! report back.

use super::ssh::{Channel, Remote, SshError};
use super::{FleetObserver, HostError, HostResult, Phase, Shared};
use crate::report::Report;
use std::time::Instant;

/// Where binaries are kept on the hosts, one file per version and checksum.
pub const REMOTE_BIN_DIR: &str = "/var/lib/converge/bin";

/// Runs the whole pipeline on one host.
pub(crate) fn converge_host(
    shared: &Shared<'_>,
    target: &super::Target,
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
    clock: &mut Clock<'_>,
    copied: &mut bool,
    catalog_from: &mut Option<String>,
    started: Instant,
) -> Result<Report, Failure> {
    let deadline = started + shared.opts.timeout;
    let binary = shared.binary;
    let run_as = target.run_as.as_deref();
    let script = host_script(binary, run_as, shared.opts.noop);
    let (obs, host) = (clock.obs, clock.host);
    let line = move |l: &str| obs.line(host, l);
    clock.enter(Phase::Connecting);
    std::thread::scope(|scope| {
        let mut ch = Channel::open(
            scope,
            target,
            &shared.opts.ssh,
            &script,
            // Connecting needs no deadline of its own: ssh bounds it (`ConnectTimeout` covers
            // the TCP connection, the handshake and the key exchange; the server's
            // `LoginGraceTime`, authentication), as `ssh host` does. A tighter one failed
            // healthy hosts of a 100-host run whose controller was busy: the first answer
            // comes only once the remote shell has started.
            deadline,
            started,
            &line,
        )?;
        // The login user's name is the first thing the script prints: ssh is in.
        let Some(user) = ch.read_line() else {
            let out = ch.finish()?;
            return Err(HostError::Unreachable(remote_reason(&out)).into());
        };
        // Who we are, whether root is at hand, whether this build is already there and,
        // when it is, the host's facts, all in this one round trip: a user without root
        // fails here with a reason, before anything is copied, instead of at `mkdir` or
        // halfway through an apply.
        clock.enter(Phase::Facts);
        match ch.read_line() {
            Some(uid) => privileged(&target.name, run_as, &user, &uid)?,
            None => return Err(no_shell(&target.name, run_as, &user, &ch.finish()?).into()),
        }
        match ch.read_line().as_deref() {
            Some("present") => {}
            Some("missing") => {
                clock.enter(Phase::Copying);
                ch.send_file(&binary.path, binary.size)?;
                if ch.read_line().as_deref() != Some("installed") {
                    return Err(HostError::Copy(remote_reason(&ch.finish()?)).into());
                }
                *copied = true;
            }
            _ => return Err(HostError::Facts(remote_reason(&ch.finish()?)).into()),
        }
        let Some(json) = ch.read_until_nul() else {
            return Err(HostError::Facts(remote_reason(&ch.finish()?)).into());
        };
        if ch.read_line().as_deref() != Some("0") {
            return Err(HostError::Facts(remote_reason(&ch.finish()?)).into());
        }
        let facts: serde_json::Value = serde_json::from_slice(&json)
            .map_err(|e| HostError::Facts(format!("not JSON: {e}")))?;

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
        // Returning drops the channel: the script sees its stdin close and applies nothing.
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
        // The report comes back as JSON on stdout; `--progress` streams each change on
        // stderr meanwhile, which the observer shows live.
        ch.stream_stderr();
        // A script that stopped reading says why in its end (`finish`).
        let _ = ch.send(b"apply\n") && ch.send(catalog.to_json().as_bytes());
        let out = ch.finish()?;
        match serde_json::from_slice::<Report>(&out.stdout) {
            Ok(report) => Ok(report),
            Err(_) => Err(HostError::Apply(remote_reason(&out)).into()),
        }
    })
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

/// The one script a host runs, start to end. It prints the login user, then (as `run_as`)
/// the uid and, for root, `present` when this build is installed, else `missing`, after
/// which it installs the binary arriving on its stdin and prints `installed`. Then the
/// facts' JSON, a NUL byte and `converge facts`' exit code on a line of its own (and, when
/// that is not 0, it ends with that code). It then
/// waits for a line `apply` and the catalog (up to the end of its stdin), and applies it;
/// its stdout is then the report. Any other answer, or the end of stdin, ends it there:
/// a catalog that did not compile sends it nothing.
///
/// The build counts as installed when its file exists in a directory only root can
/// write: a file reaches that name only by a rename after its checksum was verified, so it
/// is not hashed again on every run. It is written under a temporary name beside it and
/// checked before it takes the final name, so a cut transfer never leaves a broken binary
/// that a later run would trust. The directory is root's alone (0700): nobody else can
/// replace what root will run, and nothing goes through `/tmp`. `head -c` reads exactly the
/// binary's bytes, so the line after it is still the script's to read. Nothing else reads
/// the channel's stdin (`converge facts` gets /dev/null), so nothing can swallow the
/// catalog.
fn host_script(binary: &super::Binary, run_as: Option<&str>, noop: bool) -> String {
    let bin = binary.remote_path();
    let noop = if noop { " --noop" } else { "" };
    // `--brief`: a converged host sends its summary and nothing else (no passed checks, no
    // unchanged resources).
    let inner = format!(
        "u=$(id -u); echo \"$u\"; [ \"$u\" = 0 ] || exit 0; \
         if [ -x {bin} ] && [ \"$(stat -c %u:%a {dir} 2>/dev/null)\" = 0:700 ]; \
         then echo present; else echo missing; \
           set -e; umask 022; mkdir -p {parent}; umask 077; mkdir -p {dir}; \
           chown 0:0 {dir}; chmod 700 {dir}; \
           t=$(mktemp {dir}/.upload.XXXXXX); trap 'rm -f \"$t\"' EXIT; \
           head -c {size} > \"$t\"; \
           if ! echo \"{sha256}  $t\" | sha256sum -c --status; then \
             echo \"checksum mismatch after copying to $t\" >&2; exit 3; fi; \
           chmod 700 \"$t\"; mv -f \"$t\" {bin}; trap - EXIT; set +e; echo installed; fi; \
         {bin} facts </dev/null; s=$?; printf '\\000%s\\n' \"$s\"; [ \"$s\" = 0 ] || exit \"$s\"; \
         read -r go && [ \"$go\" = apply ] || exit 0; \
         exec {bin} apply --catalog - --detailed-exitcodes --format json --progress --brief{noop}",
        parent = REMOTE_BIN_DIR.rsplit_once('/').map_or("/", |(p, _)| p),
        dir = REMOTE_BIN_DIR,
        size = binary.size,
        sha256 = binary.sha256,
    );
    format!("id -un; {}", as_user(&inner, run_as))
}

/// `s` as one POSIX shell word.
fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// Reads the script's second answer, the uid its (sudo) shell runs as, and fails the host
/// when that is not root.
fn privileged(host: &str, run_as: Option<&str>, user: &str, uid: &str) -> Result<(), HostError> {
    if uid.trim() == "0" {
        return Ok(());
    }
    Err(HostError::NeedsRoot {
        host: host.to_string(),
        user: run_as.unwrap_or(user).to_string(),
    })
}

/// Why the uid never came (`out` is how the script ended): the (sudo) shell did not run.
fn no_shell(host: &str, run_as: Option<&str>, user: &str, out: &Remote) -> HostError {
    let Some(run_as) = run_as else {
        return HostError::Unreachable(remote_reason(out));
    };
    let user = user.to_string();
    if out.stderr.contains("password is required") || out.stderr.contains("terminal is required") {
        return HostError::SudoPassword {
            host: host.to_string(),
            user,
        };
    }
    let reason = if out.code == Some(127) {
        "sudo is not installed there: install it, or log in as root".to_string()
    } else {
        remote_reason(out)
    };
    HostError::Sudo {
        host: host.to_string(),
        user,
        run_as: run_as.to_string(),
        reason,
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

    struct Quiet;
    impl FleetObserver for Quiet {
        fn phase(&self, _: &str, _: Phase) {}
        fn finished(&self, _: &HostResult) {}
    }

    #[test]
    fn a_slow_first_answer_is_not_a_connect_timeout() {
        use std::os::unix::fs::PermissionsExt;
        // A host that answers only after 3 s, as a busy controller's 100th ssh did: with a
        // 1 s ConnectTimeout it must still be heard (here: a login that is not root).
        let dir = tempfile::tempdir().unwrap();
        let program = dir.path().join("ssh");
        std::fs::write(&program, "#!/bin/sh\nsleep 3\necho deploy\necho 1000\n").unwrap();
        std::fs::set_permissions(&program, std::fs::Permissions::from_mode(0o755)).unwrap();
        let binary = super::super::Binary {
            path: program.clone(),
            version: "0".into(),
            sha256: "0".repeat(64),
            size: 0,
        };
        let opts = super::super::FleetOptions {
            ssh: super::super::SshOptions {
                program,
                connect_timeout: std::time::Duration::from_secs(1),
                ..Default::default()
            },
            ..Default::default()
        };
        let request = crate::compile::CompileRequest::default();
        let shared = Shared {
            request: &request,
            binary: &binary,
            opts: &opts,
            catalogs: Default::default(),
        };
        let target = super::super::Target {
            name: "web-01".into(),
            address: "web-01".into(),
            user: None,
            port: None,
            run_as: None,
        };
        let r = converge_host(&shared, &target, &Quiet);
        let e = r.outcome.unwrap_err().to_string();
        assert!(e.starts_with("apply needs root on web-01: deploy"), "{e}");
    }

    #[test]
    fn a_non_root_login_without_run_as_is_told_to_set_it() {
        let e = privileged("web-01", None, "deploy", "1000")
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "apply needs root on web-01: deploy is not root; log in as root or set run_as (--run-as root)"
        );
        assert!(privileged("web-01", None, "root", "0").is_ok());
    }

    #[test]
    fn sudo_wanting_a_password_fails_the_host_with_a_hint() {
        let out = remote(1, "", "sudo: a password is required\n");
        let e = no_shell("web-01", Some("root"), "deploy", &out).to_string();
        assert_eq!(
            e,
            "sudo needs a password for deploy on web-01: allow NOPASSWD for converge, or log in as root"
        );
    }

    #[test]
    fn a_host_without_sudo_says_so() {
        let out = remote(127, "", "sh: 1: sudo: not found\n");
        let e = no_shell("web-01", Some("root"), "deploy", &out).to_string();
        assert_eq!(
            e,
            "sudo -u root failed for deploy on web-01: sudo is not installed there: install it, or log in as root"
        );
    }

    #[test]
    fn run_as_a_user_who_is_not_root_is_not_enough() {
        let e = privileged("web-01", Some("admin"), "deploy", "1001")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("apply needs root on web-01: admin is not root"),
            "{e}"
        );
    }
}
