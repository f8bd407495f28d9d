//! The test bed's error type: every variant names what is missing or what failed, so a
//! test that cannot get a host fails with a message a person can act on.

use std::path::PathBuf;

/// Everything that can go wrong while building an image or running hosts.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Namespaces, mounts, chroot and installing the test bed's packages need root.
    #[error("the fresh-host test bed needs root (running as uid {uid}); run as root: {command}")]
    NotRoot {
        /// The effective uid we run as.
        uid: u32,
        /// The command line to run instead, as root (see [`crate::set_command`]).
        command: String,
    },
    /// A program the test bed runs is not installed on this machine.
    #[error(
        "`{tool}` is not installed (Debian package `{package}`; run as root, the test bed installs it)"
    )]
    MissingTool {
        /// The program looked for.
        tool: &'static str,
        /// The Debian package that provides it.
        package: &'static str,
    },
    /// The kernel or the sandbox we run in refuses a namespace or mount we need.
    #[error("no namespace support: cannot create {what}: {detail}")]
    NoNamespaces {
        /// What we tried to create.
        what: String,
        /// What the kernel or tool said.
        detail: String,
    },
    /// A command on the machine or inside a host failed.
    #[error("{what} failed ({status}): {stderr}")]
    Command {
        /// What we ran, in words.
        what: String,
        /// Its exit status.
        status: String,
        /// The end of its error output.
        stderr: String,
    },
    /// A file-system operation on the machine failed.
    #[error("{context}: {source}")]
    Io {
        /// What we were doing.
        context: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// Every private subnet is held by another test process.
    #[error(
        "all private subnets 169.254.1.0/24 .. 169.254.254.0/24 are in use by other test processes"
    )]
    NoFreeSubnet,
    /// A network has no addresses left.
    #[error("network 169.254.{subnet}.0/24 has no free host address left")]
    NetworkFull {
        /// The third octet of the network.
        subnet: u8,
    },
    /// Something did not happen in time.
    #[error("timed out after {secs:.1} s waiting for {what}")]
    Timeout {
        /// What we waited for.
        what: String,
        /// How long we waited.
        secs: f64,
    },
    /// A host process ended before the host was up.
    #[error("host `{host}` did not start: {detail}")]
    HostStart {
        /// The host name.
        host: String,
        /// Why, usually the host's console output.
        detail: String,
    },
    /// A systemd host booted but did not reach `running`.
    #[error(
        "systemd host `{host}` did not reach `running` (state `{state}`){hint}; failed units:\n{failed}"
    )]
    Boot {
        /// The host name.
        host: String,
        /// What `systemctl is-system-running` said.
        state: String,
        /// A known cause, if the journal shows one (else empty).
        hint: String,
        /// What `systemctl --failed` said, and the journal's warnings.
        failed: String,
    },
    /// The client host shares the machine's file system; writing to it would change the machine.
    #[error(
        "host `{host}` has no root file system of its own; {what} would touch the machine itself"
    )]
    NoRootFs {
        /// The host name.
        host: String,
        /// The refused operation.
        what: &'static str,
    },
    /// A host name that is not a valid single DNS label.
    #[error("invalid host name `{0}`: use 1-63 characters of a-z, 0-9 and `-`, not starting or ending with `-`")]
    BadName(String),
    /// Two hosts on one network with the same name.
    #[error("host name `{0}` is already used on this network")]
    DuplicateName(String),
    /// The machine's apt configuration does not say which Debian mirror to use.
    #[error("cannot find the Debian mirror in {path}: {detail}")]
    NoMirror {
        /// The file read.
        path: PathBuf,
        /// What was wrong.
        detail: String,
    },
    /// A state file of the test bed could not be read or written.
    #[error("state file {path}: {detail}")]
    State {
        /// The state file.
        path: PathBuf,
        /// What was wrong.
        detail: String,
    },
}

impl Error {
    /// Wraps an I/O error with what we were doing.
    pub(crate) fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }
}

/// The test bed's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
