//! The transport: the system `ssh`, one process and one channel per host and run.
//!
//! OpenSSH does the connecting, so the user's `~/.ssh/config`, agent and known_hosts apply
//! as they would for `ssh host`, host key checking included. `BatchMode` makes ssh fail
//! instead of prompting for a password or a new host key (an unknown host is refused unless
//! the user's config says otherwise or [`SshOptions::accept_new_host_keys`] opts in to
//! ssh's `accept-new`); nothing secret is ever put on a command line: catalogs, facts and
//! the binary travel on the remote script's stdin and stdout.
//!
//! A host's whole run is one remote script on one [`Channel`]: the controller reads its
//! answers line by line and writes what it asks for (the binary, then the catalog) as the
//! answers arrive. One ssh process per host, not a master and a client per command: the
//! key exchange and the process start-up are what a converged host costs the controller,
//! so each of them happens once. Multiplexing is switched off (`ControlPath=none`), even
//! where the user's config enables it: a multiplexed client hands its pipes to a master
//! that outlives it, so a host cut off at its timeout would keep the run waiting.

use super::inventory::Target;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::{Scope, ScopedJoinHandle};
use std::time::{Duration, Instant};
/// How ssh is run.
#[derive(Debug, Clone)]
pub struct SshOptions {
    /// The ssh program (default `ssh` on the PATH).
    pub program: PathBuf,
    /// Seconds ssh may take to connect (its `ConnectTimeout`).
    pub connect_timeout: Duration,
    /// Extra `-o Key=Value` options, after ours.
    pub options: Vec<String>,
    /// Trust a host seen for the first time and record its key (`StrictHostKeyChecking=
    /// accept-new`); a changed key is still refused.
    pub accept_new_host_keys: bool,
}

impl Default for SshOptions {
    fn default() -> Self {
        SshOptions {
            program: PathBuf::from("ssh"),
            connect_timeout: Duration::from_secs(10),
            options: Vec::new(),
            accept_new_host_keys: false,
        }
    }
}

/// What went wrong talking to a host.
#[derive(Debug, thiserror::Error)]
pub enum SshError {
    /// ssh could not connect or authenticate (its own message).
    #[error("unreachable: {0}")]
    Unreachable(String),
    /// ssh refused the host's key: unknown (and not accepted) or changed.
    #[error("{0}")]
    HostKey(String),
    /// The host did not finish in time.
    #[error("timed out after {} s", .0.as_secs_f64())]
    Timeout(Duration),
    /// ssh itself could not be started.
    #[error("cannot run {program}: {source}")]
    Spawn {
        /// The program.
        program: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// How a remote script ended.
#[derive(Debug)]
pub struct Remote {
    /// The remote exit code (`None` when killed by a signal).
    pub code: Option<i32>,
    /// Its standard output not read before the end.
    pub stdout: Vec<u8>,
    /// Its standard error, all of it.
    pub stderr: String,
}

/// One host's ssh process: a remote script whose stdin is written as the run goes, whose
/// stdout is read answer by answer, and whose stderr is collected (and, once
/// [`Channel::stream_stderr`] is called, handed line by line to the caller as it comes).
///
/// The deadline is enforced by a watchdog thread that kills ssh: every read and write then
/// ends at once, and [`Channel::finish`] reports [`SshError::Timeout`].
pub struct Channel<'scope> {
    address: String,
    program: PathBuf,
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
    stderr: Option<ScopedJoinHandle<'scope, Vec<u8>>>,
    streaming: Arc<AtomicBool>,
    /// Set once the watchdog is no longer needed.
    stop: Arc<(Mutex<bool>, Condvar)>,
    /// Kills ssh at the deadline; says whether it did.
    watchdog: Option<ScopedJoinHandle<'scope, bool>>,
    started: Instant,
    ended: bool,
}

impl<'scope> Channel<'scope> {
    /// Runs `script` on `target` with the remote user's shell; its threads live in `scope`.
    /// ssh is killed at `deadline`; `started` is when the host's run began (timeouts count
    /// from it). `line` receives the remote's stderr lines once streaming is on.
    pub fn open<'env>(
        scope: &'scope Scope<'scope, 'env>,
        target: &Target,
        opts: &SshOptions,
        script: &str,
        deadline: Instant,
        started: Instant,
        line: &'env (dyn Fn(&str) + Sync),
    ) -> Result<Channel<'scope>, SshError> {
        let mut cmd = base_command(target, opts);
        cmd.arg("--")
            .arg(&target.address)
            .arg(script)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().map_err(|source| SshError::Spawn {
            program: opts.program.clone(),
            source,
        })?;
        let (Some(stdin), Some(stdout), Some(stderr)) =
            (child.stdin.take(), child.stdout.take(), child.stderr.take())
        else {
            unreachable!("all three pipes were asked for");
        };
        let streaming = Arc::new(AtomicBool::new(false));
        let stream = Arc::clone(&streaming);
        let stderr = scope.spawn(move || {
            let mut all = Vec::new();
            let mut r = BufReader::new(stderr);
            let mut l = Vec::new();
            while matches!(r.read_until(b'\n', &mut l), Ok(n) if n > 0) {
                if stream.load(Ordering::Acquire) {
                    line(String::from_utf8_lossy(&l).trim_end_matches('\n'));
                }
                all.append(&mut l);
            }
            all
        });
        let stop = Arc::new((Mutex::new(false), Condvar::new()));
        let pid = nix::unistd::Pid::from_raw(child.id() as i32);
        let state = Arc::clone(&stop);
        // ssh is not reaped before this thread is joined (see `end`): the pid it kills
        // is still ssh's.
        let watchdog = scope.spawn(move || {
            let (lock, cvar) = &*state;
            let mut stopped = lock.lock().unwrap_or_else(|e| e.into_inner());
            loop {
                if *stopped {
                    return false;
                }
                let now = Instant::now();
                if now >= deadline {
                    let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGKILL);
                    return true;
                }
                stopped = cvar
                    .wait_timeout(stopped, deadline - now)
                    .unwrap_or_else(|e| e.into_inner())
                    .0;
            }
        });
        Ok(Channel {
            address: target.address.clone(),
            program: opts.program.clone(),
            child,
            stdin: Some(stdin),
            stdout: BufReader::new(stdout),
            stderr: Some(stderr),
            streaming,
            stop,
            watchdog: Some(watchdog),
            started,
            ended: false,
        })
    }

    /// The next line of the remote's stdout, without its newline; `None` when the script
    /// ended (or was cut off) first.
    pub fn read_line(&mut self) -> Option<String> {
        self.read_through(b'\n')
            .map(|l| String::from_utf8_lossy(&l).into_owned())
    }

    /// The remote's stdout up to a NUL byte (which JSON text never holds), without it;
    /// `None` when the script ended first.
    pub fn read_until_nul(&mut self) -> Option<Vec<u8>> {
        self.read_through(0)
    }

    /// The remote's stdout up to `end`, without it; `None` when it ended before `end`.
    fn read_through(&mut self, end: u8) -> Option<Vec<u8>> {
        let mut buf = Vec::new();
        match self.stdout.read_until(end, &mut buf) {
            Ok(_) if buf.last() == Some(&end) => {
                buf.pop();
                Some(buf)
            }
            _ => None,
        }
    }

    /// Writes `bytes` to the script's stdin; `false` when it no longer reads (it ended:
    /// [`Channel::finish`] says how).
    pub fn send(&mut self, bytes: &[u8]) -> bool {
        let sent = self
            .stdin
            .as_mut()
            .is_some_and(|w| w.write_all(bytes).and_then(|()| w.flush()).is_ok());
        if !sent {
            self.stdin = None;
        }
        sent
    }

    /// Writes the first `len` bytes of the file at `path` to the script's stdin (the
    /// kernel moves them: a large binary never passes through this process's memory);
    /// `Ok(false)` when the script no longer reads. A file shorter than `len` closes the
    /// script's stdin: it sees its input end instead of waiting for bytes that never come.
    pub fn send_file(&mut self, path: &Path, len: u64) -> Result<bool, SshError> {
        let file = std::fs::File::open(path).map_err(|source| SshError::Spawn {
            program: path.to_path_buf(),
            source,
        })?;
        let sent = self
            .stdin
            .as_mut()
            .is_some_and(|w| matches!(std::io::copy(&mut file.take(len), w), Ok(n) if n == len));
        if !sent {
            self.stdin = None;
        }
        Ok(sent)
    }

    /// From now on the remote's stderr lines go to the `line` given to [`Channel::open`]
    /// as they arrive.
    pub fn stream_stderr(&self) {
        self.streaming.store(true, Ordering::Release);
    }

    /// Closes the script's stdin, reads what is left of its stdout and waits for it to end.
    /// ssh's own failure (exit 255) is an error: a refused host key, else unreachable.
    pub fn finish(mut self) -> Result<Remote, SshError> {
        self.stdin = None;
        let mut rest = Vec::new();
        let _ = self.stdout.read_to_end(&mut rest);
        let (code, fired, err) = self.end()?;
        let stderr = String::from_utf8_lossy(&err).into_owned();
        if fired {
            return Err(SshError::Timeout(self.started.elapsed()));
        }
        if code == Some(255) {
            return Err(host_key_refused(&stderr, &self.address)
                .unwrap_or_else(|| SshError::Unreachable(last_line(&stderr))));
        }
        Ok(Remote {
            code,
            stdout: rest,
            stderr,
        })
    }

    /// Stops the watchdog, reaps ssh and collects its stderr: the exit code, whether the
    /// deadline killed it, the stderr.
    fn end(&mut self) -> Result<(Option<i32>, bool, Vec<u8>), SshError> {
        self.ended = true;
        {
            let (lock, cvar) = &*self.stop;
            *lock.lock().unwrap_or_else(|e| e.into_inner()) = true;
            cvar.notify_one();
        }
        // Joined before the wait below: it may be killing ssh right now, by pid.
        let fired = self
            .watchdog
            .take()
            .is_some_and(|h| h.join().unwrap_or(false));
        let status = self.child.wait().map_err(|source| SshError::Spawn {
            program: self.program.clone(),
            source,
        })?;
        let err = self
            .stderr
            .take()
            .and_then(|h| h.join().ok())
            .unwrap_or_default();
        Ok((status.code(), fired, err))
    }
}

impl Drop for Channel<'_> {
    /// A channel given up half-way (an error on the controller's side) ends its ssh: the
    /// script sees its stdin close and stops before applying anything.
    fn drop(&mut self) {
        if !self.ended {
            self.stdin = None;
            let _ = self.child.kill();
            let _ = self.end();
        }
    }
}

/// `ssh` with the options every call shares.
fn base_command(target: &Target, opts: &SshOptions) -> Command {
    let mut cmd = Command::new(&opts.program);
    cmd.arg("-o")
        .arg("BatchMode=yes")
        .args(["-o", "ControlMaster=no", "-o", "ControlPath=none"])
        .arg("-o")
        .arg(format!(
            "ConnectTimeout={}",
            opts.connect_timeout.as_secs().max(1)
        ))
        // A host that vanishes mid-run is noticed within ~15 s, not at TCP's pace.
        .args(["-o", "ServerAliveInterval=5", "-o", "ServerAliveCountMax=3"]);
    if opts.accept_new_host_keys {
        cmd.args(["-o", "StrictHostKeyChecking=accept-new"]);
    }
    for o in &opts.options {
        cmd.arg("-o").arg(o);
    }
    if let Some(user) = &target.user {
        cmd.arg("-l").arg(user);
    }
    if let Some(port) = target.port {
        cmd.arg("-p").arg(port.to_string());
    }
    cmd
}

/// ssh's refusal of a host key, in words that say what to do.
fn host_key_refused(log: &str, address: &str) -> Option<SshError> {
    if !log.contains("Host key verification failed") {
        return None;
    }
    Some(SshError::HostKey(
        if log.contains("HOST IDENTIFICATION HAS CHANGED") {
            format!(
                "the host key of {address} has changed since known_hosts recorded it; ssh refused \
             it (a changed key is never accepted: if the host was reinstalled, remove the old \
             key with `ssh-keygen -R {address}`)"
            )
        } else {
            format!(
                "the host key of {address} is not in known_hosts; ssh refused it (add it, e.g. by \
             `ssh {address}` once, or pass --accept-new-host-keys to record keys of hosts seen \
             for the first time)"
            )
        },
    ))
}

/// ssh's last non-empty line: its reason (`connect to host x port 22: Connection refused`).
fn last_line(text: &str) -> String {
    text.lines()
        .rev()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("ssh exited without a message")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sshs_reason_is_its_last_line() {
        let text = "Warning: Permanently added 'x' to the list of known hosts.\n\
                    root@x: Permission denied (publickey).\n\n";
        assert_eq!(last_line(text), "root@x: Permission denied (publickey).");
        assert_eq!(last_line(""), "ssh exited without a message");
    }

    #[test]
    fn every_call_is_batch_mode_and_never_multiplexed() {
        let t = Target {
            name: "web-01".into(),
            address: "10.0.0.1".into(),
            user: Some("deploy".into()),
            port: Some(2222),
            run_as: None,
        };
        let cmd = base_command(&t, &SshOptions::default());
        let args: Vec<String> = cmd
            .get_args()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        let joined = args.join(" ");
        for want in [
            "-o BatchMode=yes",
            "-o ControlMaster=no -o ControlPath=none",
            "-o ConnectTimeout=10",
            "-l deploy",
            "-p 2222",
        ] {
            assert!(joined.contains(want), "{want} in {joined}");
        }
    }

    /// An "ssh" that runs its last argument here with `sh -c`: the channel's own logic,
    /// without a network.
    fn local_ssh(dir: &Path) -> SshOptions {
        use std::os::unix::fs::PermissionsExt;
        let program = dir.join("ssh");
        std::fs::write(
            &program,
            "#!/bin/sh\nfor a; do last=$a; done\nexec sh -c \"$last\"\n",
        )
        .unwrap();
        std::fs::set_permissions(&program, std::fs::Permissions::from_mode(0o755)).unwrap();
        SshOptions {
            program,
            ..SshOptions::default()
        }
    }

    fn target() -> Target {
        Target {
            name: "web-01".into(),
            address: "web-01".into(),
            user: None,
            port: None,
            run_as: None,
        }
    }

    /// A channel through [`local_ssh`] with 30 s to run and stderr not streamed.
    fn open_local<'s>(
        s: &'s Scope<'s, '_>,
        opts: &SshOptions,
        script: &str,
        now: Instant,
    ) -> Channel<'s> {
        fn quiet(_: &str) {}
        let deadline = now + Duration::from_secs(30);
        Channel::open(s, &target(), opts, script, deadline, now, &quiet).unwrap()
    }

    #[test]
    fn answers_and_input_travel_over_one_channel() {
        let dir = tempfile::tempdir().unwrap();
        let opts = local_ssh(dir.path());
        let streamed = Mutex::new(Vec::new());
        let line = |l: &str| streamed.lock().unwrap().push(l.to_string());
        let script = "echo one; printf '{\"a\": 1}\\000%s\\n' 0; echo early >&2; \
                      read -r go; [ \"$go\" = apply ] || exit 9; echo during >&2; cat";
        let now = Instant::now();
        let out = std::thread::scope(|s| {
            let mut ch = Channel::open(
                s,
                &target(),
                &opts,
                script,
                now + Duration::from_secs(30),
                now,
                &line,
            )
            .unwrap();
            assert_eq!(ch.read_line().as_deref(), Some("one"));
            assert_eq!(ch.read_until_nul().as_deref(), Some(&b"{\"a\": 1}"[..]));
            assert_eq!(ch.read_line().as_deref(), Some("0"));
            ch.stream_stderr();
            assert!(ch.send(b"apply\n"));
            assert!(ch.send(b"the catalog"));
            ch.finish().unwrap()
        });
        assert_eq!(out.code, Some(0));
        assert_eq!(out.stdout, b"the catalog");
        assert_eq!(out.stderr, "early\nduring\n");
        assert!(streamed.lock().unwrap().contains(&"during".to_string()));
    }

    #[test]
    fn a_file_shorter_than_announced_ends_the_scripts_input() {
        let dir = tempfile::tempdir().unwrap();
        let opts = local_ssh(dir.path());
        let file = dir.path().join("bin");
        std::fs::write(&file, b"0123456789").unwrap();
        let now = Instant::now();
        std::thread::scope(|s| {
            let script = "echo missing; head -c 100 > /dev/null; echo input-ended";
            let deadline = now + Duration::from_secs(5);
            let mut ch =
                Channel::open(s, &target(), &opts, script, deadline, now, &|_| {}).unwrap();
            assert_eq!(ch.read_line().as_deref(), Some("missing"));
            // The file changed since its size was taken: the script must not wait for more.
            assert!(!ch.send_file(&file, 100).unwrap());
            assert_eq!(ch.read_line().as_deref(), Some("input-ended"));
            assert_eq!(ch.finish().unwrap().code, Some(0));
        });
    }

    #[test]
    fn the_deadline_cuts_a_host_off_and_says_timeout() {
        let dir = tempfile::tempdir().unwrap();
        let opts = local_ssh(dir.path());
        let now = Instant::now();
        let e = std::thread::scope(|s| {
            let deadline = now + Duration::from_millis(500);
            let script = "echo in; exec sleep 30";
            let mut ch =
                Channel::open(s, &target(), &opts, script, deadline, now, &|_| {}).unwrap();
            assert_eq!(ch.read_line().as_deref(), Some("in"));
            assert_eq!(ch.read_line(), None);
            ch.finish().unwrap_err()
        });
        assert!(matches!(e, SshError::Timeout(_)), "{e}");
        assert!(
            now.elapsed() < Duration::from_secs(10),
            "{:?}",
            now.elapsed()
        );
    }

    #[test]
    fn a_channel_given_up_ends_its_ssh() {
        let dir = tempfile::tempdir().unwrap();
        let opts = local_ssh(dir.path());
        let now = Instant::now();
        std::thread::scope(|s| {
            let mut ch = open_local(s, &opts, "echo in; exec sleep 30", now);
            assert_eq!(ch.read_line().as_deref(), Some("in"));
        });
        assert!(
            now.elapsed() < Duration::from_secs(10),
            "{:?}",
            now.elapsed()
        );
    }

    #[test]
    fn sshs_own_failure_is_unreachable_or_a_refused_host_key() {
        let dir = tempfile::tempdir().unwrap();
        let opts = local_ssh(dir.path());
        let now = Instant::now();
        let end = |script: &str| {
            std::thread::scope(|s| {
                let mut ch = open_local(s, &opts, script, now);
                assert_eq!(ch.read_line(), None);
                ch.finish().unwrap_err().to_string()
            })
        };
        assert_eq!(
            end("echo 'ssh: connect to host web-01 port 22: Connection refused' >&2; exit 255"),
            "unreachable: ssh: connect to host web-01 port 22: Connection refused"
        );
        let e = end("echo 'Host key verification failed.' >&2; exit 255");
        assert!(
            e.starts_with("the host key of web-01 is not in known_hosts"),
            "{e}"
        );
    }
}
