//! The transport: the system `ssh`, one multiplexed master connection per host.
//!
//! OpenSSH does the connecting, so the user's `~/.ssh/config`, agent and known_hosts apply
//! as they would for `ssh host`, host key checking included. `BatchMode` makes ssh fail
//! instead of prompting for a password or a new host key (an unknown host is refused unless
//! the user's config says otherwise or [`SshOptions::accept_new_host_keys`] opts in to
//! ssh's `accept-new`); nothing secret is ever put on a command line: catalogs, facts and
//! the binary travel on the command's stdin and stdout. The master
//! is our own child process (not `ControlPersist`, whose backgrounded master would hold
//! the first command's output pipes open), so it ends with the run.

use super::inventory::Target;
use std::io::{BufRead, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
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

/// An open, authenticated connection to one host; commands share it.
#[derive(Debug)]
pub struct Session {
    target: Target,
    socket: PathBuf,
    opts: SshOptions,
    master: Child,
}

/// What a remote command reads.
#[derive(Debug, Clone, Copy)]
pub enum Input<'a> {
    /// These bytes.
    Bytes(&'a [u8]),
    /// This file's content.
    File(&'a Path),
}

/// What a remote command did.
#[derive(Debug)]
pub struct Remote {
    /// The remote exit code (`None` when killed by a signal).
    pub code: Option<i32>,
    /// Its standard output.
    pub stdout: Vec<u8>,
    /// Its standard error.
    pub stderr: String,
}

impl Session {
    /// Connects to `target`, its control socket in `dir`; waits for authentication until
    /// `deadline`.
    pub fn open(
        target: &Target,
        dir: &Path,
        slot: usize,
        opts: &SshOptions,
        deadline: Instant,
    ) -> Result<Session, SshError> {
        // A short name: unix socket paths are limited to ~108 bytes.
        let socket = dir.join(format!("{slot}.sock"));
        let log = dir.join(format!("{slot}.log"));
        let log_file = std::fs::File::create(&log).map_err(|source| SshError::Spawn {
            program: log.clone(),
            source,
        })?;
        let mut cmd = base_command(target, &socket, opts);
        cmd.args(["-M", "-N", "-o", "ControlMaster=yes"])
            .arg("--")
            .arg(&target.address)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log_file);
        let master = cmd.spawn().map_err(|source| SshError::Spawn {
            program: opts.program.clone(),
            source,
        })?;
        let mut session = Session {
            target: target.clone(),
            socket,
            opts: opts.clone(),
            master,
        };
        // The master listens on its socket only once authenticated.
        loop {
            if session.socket.exists() {
                return Ok(session);
            }
            if let Ok(Some(_)) = session.master.try_wait() {
                let text = std::fs::read_to_string(&log).unwrap_or_default();
                return Err(host_key_refused(&text, &target.address)
                    .unwrap_or_else(|| SshError::Unreachable(last_line(&text))));
            }
            if Instant::now() >= deadline {
                let _ = session.master.kill();
                let _ = session.master.wait();
                return Err(SshError::Timeout(opts.connect_timeout));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Runs `script` with the remote user's shell, `input` on its stdin; gives up (and
    /// kills the local ssh) at `deadline`. Exit 255 is ssh's own failure.
    pub fn run(
        &mut self,
        script: &str,
        input: Input<'_>,
        deadline: Instant,
        started: Instant,
    ) -> Result<Remote, SshError> {
        self.run_streaming(script, input, deadline, started, &|_| {})
    }

    /// [`Session::run`], handing each line of the remote's stderr to `line` as it arrives.
    pub fn run_streaming(
        &mut self,
        script: &str,
        input: Input<'_>,
        deadline: Instant,
        started: Instant,
        line: &(dyn Fn(&str) + Sync),
    ) -> Result<Remote, SshError> {
        let mut cmd = base_command(&self.target, &self.socket, &self.opts);
        cmd.args(["-o", "ControlMaster=no", "--"])
            .arg(&self.target.address)
            .arg(script)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        // A file goes to ssh directly: a large binary never passes through this process.
        let input = match input {
            Input::Bytes(b) => {
                cmd.stdin(Stdio::piped());
                b
            }
            Input::File(path) => {
                let f = std::fs::File::open(path).map_err(|source| SshError::Spawn {
                    program: path.to_path_buf(),
                    source,
                })?;
                cmd.stdin(f);
                &[]
            }
        };
        let mut child = cmd.spawn().map_err(|source| SshError::Spawn {
            program: self.opts.program.clone(),
            source,
        })?;
        let mut stdin = child.stdin.take();
        let mut stdout = child.stdout.take();
        let mut stderr = child.stderr.take();
        let (code, out, err) = std::thread::scope(|s| {
            s.spawn(move || {
                if let Some(mut w) = stdin.take() {
                    // The remote may exit without reading (an early error): not ours to report.
                    let _ = w.write_all(input);
                }
            });
            let out = s.spawn(move || {
                let mut buf = Vec::new();
                if let Some(r) = stdout.as_mut() {
                    let _ = r.read_to_end(&mut buf);
                }
                buf
            });
            let err = s.spawn(move || {
                let mut buf = Vec::new();
                if let Some(r) = stderr.take() {
                    let mut r = std::io::BufReader::new(r);
                    let mut l = Vec::new();
                    while matches!(r.read_until(b'\n', &mut l), Ok(n) if n > 0) {
                        line(String::from_utf8_lossy(&l).trim_end_matches('\n'));
                        buf.append(&mut l);
                    }
                }
                buf
            });
            let code = loop {
                match child.try_wait() {
                    Ok(Some(status)) => break Ok(status.code()),
                    Ok(None) if Instant::now() >= deadline => {
                        let _ = child.kill();
                        let _ = child.wait();
                        // The client handed its pipes to the master, which keeps them open
                        // (and the readers waiting) until the remote command ends: the
                        // master goes too. The host is done for this run anyway.
                        let _ = self.master.kill();
                        let _ = self.master.wait();
                        break Err(SshError::Timeout(started.elapsed()));
                    }
                    Ok(None) => std::thread::sleep(Duration::from_millis(20)),
                    Err(e) => {
                        break Err(SshError::Spawn {
                            program: self.opts.program.clone(),
                            source: e,
                        })
                    }
                }
            };
            (
                code,
                out.join().unwrap_or_default(),
                err.join().unwrap_or_default(),
            )
        });
        let code = code?;
        let stderr = String::from_utf8_lossy(&err).into_owned();
        if code == Some(255) {
            return Err(SshError::Unreachable(last_line(&stderr)));
        }
        Ok(Remote {
            code,
            stdout: out,
            stderr,
        })
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = self.master.kill();
        let _ = self.master.wait();
        let _ = std::fs::remove_file(&self.socket);
    }
}

/// `ssh` with the options every call shares.
fn base_command(target: &Target, socket: &Path, opts: &SshOptions) -> Command {
    let mut cmd = Command::new(&opts.program);
    cmd.arg("-o")
        .arg("BatchMode=yes")
        .arg("-o")
        .arg(format!("ControlPath={}", socket.display()))
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
    fn every_call_is_batch_mode_through_the_control_socket() {
        let t = Target {
            name: "web-01".into(),
            address: "10.0.0.1".into(),
            user: Some("deploy".into()),
            port: Some(2222),
            run_as: None,
        };
        let cmd = base_command(&t, Path::new("/tmp/c/0.sock"), &SshOptions::default());
        let args: Vec<String> = cmd
            .get_args()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        let joined = args.join(" ");
        for want in [
            "-o BatchMode=yes",
            "-o ControlPath=/tmp/c/0.sock",
            "-o ConnectTimeout=10",
            "-l deploy",
            "-p 2222",
        ] {
            assert!(joined.contains(want), "{want} in {joined}");
        }
    }
}
