//! Per-run state shared by the providers: how commands run, caches read once per run (dpkg's
//! status database, the init system, /etc/passwd and /etc/group), and the predicted
//! filesystem a dry run plans against.

use crate::provider::{ProviderError, State};
use std::collections::HashMap;
use std::io::Read;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

/// A command to run: an argv (no shell unless the argv is `/bin/sh -c ...`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cmd {
    /// Program and arguments.
    pub argv: Vec<String>,
    /// Extra environment variables.
    pub env: Vec<(String, String)>,
    /// Working directory.
    pub cwd: Option<PathBuf>,
    /// Run as this uid and gid.
    pub user: Option<(u32, u32)>,
    /// Kill the command (and its process group) after this long.
    pub timeout: Option<Duration>,
}

impl Cmd {
    /// A command from its argv.
    pub fn new<S: AsRef<str>>(argv: &[S]) -> Self {
        Cmd {
            argv: argv.iter().map(|s| s.as_ref().to_string()).collect(),
            ..Default::default()
        }
    }

    /// A command line run by `/bin/sh -c`.
    pub fn shell(line: &str) -> Self {
        Cmd::new(&["/bin/sh", "-c", line])
    }

    /// Add an environment variable.
    pub fn env(mut self, k: &str, v: &str) -> Self {
        self.env.push((k.to_string(), v.to_string()));
        self
    }

    /// The command as one line, for messages.
    pub fn display(&self) -> String {
        self.argv.join(" ")
    }
}

/// What a command did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Output {
    /// Exit code; `None` when killed by a signal or the timeout.
    pub code: Option<i32>,
    /// Captured standard output.
    pub stdout: String,
    /// Captured standard error.
    pub stderr: String,
    /// Whether the timeout killed it.
    pub timed_out: bool,
}

impl Output {
    /// Whether it exited 0.
    pub fn success(&self) -> bool {
        self.code == Some(0)
    }

    /// Stdout and stderr together, for failure messages.
    pub fn combined(&self) -> String {
        let mut s = self.stdout.clone();
        if !self.stderr.is_empty() {
            if !s.is_empty() && !s.ends_with('\n') {
                s.push('\n');
            }
            s.push_str(&self.stderr);
        }
        s
    }
}

/// Runs commands. The real one spawns processes; tests substitute a recording fake so
/// that provider logic is checked without touching the host.
pub trait Runner: Send {
    /// Run a command to completion and capture its output.
    fn run(&mut self, cmd: &Cmd) -> Result<Output, ProviderError>;

    /// Run read-only commands that do not depend on each other; their results in order.
    /// One after the other unless the runner knows better.
    fn run_all(&mut self, cmds: &[Cmd]) -> Vec<Result<Output, ProviderError>> {
        cmds.iter().map(|c| self.run(c)).collect()
    }
}

/// Spawns real processes, each in its own process group so a timeout kills all of it.
#[derive(Debug, Default)]
pub struct SystemRunner;

impl Runner for SystemRunner {
    fn run(&mut self, cmd: &Cmd) -> Result<Output, ProviderError> {
        let Some((prog, args)) = cmd.argv.split_first() else {
            return Err(ProviderError::Invalid("empty command".into()));
        };
        let mut c = std::process::Command::new(prog);
        c.args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0);
        for (k, v) in &cmd.env {
            c.env(k, v);
        }
        if let Some(d) = &cmd.cwd {
            c.current_dir(d);
        }
        if let Some((uid, gid)) = cmd.user {
            c.uid(uid).gid(gid);
        }
        let mut child = c
            .spawn()
            .map_err(|e| ProviderError::io("Could not run", prog, e))?;
        let mut out_pipe = child.stdout.take();
        let mut err_pipe = child.stderr.take();
        // Read both pipes on threads so a chatty command cannot block on a full pipe while
        // we wait for it.
        let out_t = std::thread::spawn(move || {
            let mut b = Vec::new();
            if let Some(p) = out_pipe.as_mut() {
                let _ = p.read_to_end(&mut b);
            }
            b
        });
        let err_t = std::thread::spawn(move || {
            let mut b = Vec::new();
            if let Some(p) = err_pipe.as_mut() {
                let _ = p.read_to_end(&mut b);
            }
            b
        });
        let start = Instant::now();
        let mut timed_out = false;
        let status = loop {
            match child.try_wait() {
                Ok(Some(s)) => break Some(s),
                Ok(None) => {}
                Err(e) => return Err(ProviderError::io("Could not wait for", prog, e)),
            }
            if cmd.timeout.is_some_and(|t| start.elapsed() > t) {
                timed_out = true;
                let pgid = nix::unistd::Pid::from_raw(-(child.id() as i32));
                let _ = nix::sys::signal::kill(pgid, nix::sys::signal::Signal::SIGKILL);
                let _ = child.wait();
                break None;
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        let stdout = String::from_utf8_lossy(&out_t.join().unwrap_or_default()).into_owned();
        let stderr = String::from_utf8_lossy(&err_t.join().unwrap_or_default()).into_owned();
        Ok(Output {
            code: status.and_then(|s| s.code()),
            stdout,
            stderr,
            timed_out,
        })
    }

    /// At the same time, each on its own thread: systemctl queries take tens of
    /// milliseconds each, mostly waiting.
    fn run_all(&mut self, cmds: &[Cmd]) -> Vec<Result<Output, ProviderError>> {
        std::thread::scope(|s| {
            let handles: Vec<_> = cmds
                .iter()
                .map(|c| s.spawn(move || SystemRunner.run(c)))
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|_| Err(ProviderError::Invalid("runner panicked".into())))
                })
                .collect()
        })
    }
}

/// The init system services are managed with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InitSystem {
    /// PID 1 is systemd: systemctl.
    Systemd,
    /// Debian's init scripts: service, update-rc.d, invoke-rc.d.
    InitScripts,
}

/// What is at a path, as far as a provider is concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileView {
    /// Nothing.
    Missing,
    /// A regular file.
    File {
        /// Its bytes.
        content: Vec<u8>,
        /// Permission bits.
        mode: u32,
        /// Owner uid.
        uid: u32,
        /// Group gid.
        gid: u32,
    },
    /// A directory.
    Dir {
        /// Permission bits.
        mode: u32,
        /// Owner uid.
        uid: u32,
        /// Group gid.
        gid: u32,
    },
    /// A symbolic link (never followed).
    Link {
        /// Where it points.
        target: String,
    },
    /// Something else (socket, device, fifo).
    Other,
}

/// What was found, in words, for messages: "a symbolic link to /etc/x".
impl std::fmt::Display for FileView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FileView::Missing => f.write_str("nothing"),
            FileView::File { .. } => f.write_str("a regular file"),
            FileView::Dir { .. } => f.write_str("a directory"),
            FileView::Link { target } => write!(f, "a symbolic link to {target}"),
            FileView::Other => f.write_str("a socket, device or pipe"),
        }
    }
}

/// One package in dpkg's status database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DpkgEntry {
    /// The status word (`installed`, `config-files`, `half-installed`, `not-installed`).
    pub status: String,
    /// The version dpkg knows.
    pub version: String,
    /// The selection (`install`, `hold`, `deinstall`, `purge`): `hold` for held packages.
    pub want: String,
}

/// A line of /etc/passwd.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswdEntry {
    /// Login name.
    pub name: String,
    /// User id.
    pub uid: u32,
    /// Primary group id.
    pub gid: u32,
    /// GECOS field.
    pub comment: String,
    /// Home directory.
    pub home: String,
    /// Login shell.
    pub shell: String,
}

/// A line of /etc/group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupEntry {
    /// Group name.
    pub name: String,
    /// Group id.
    pub gid: u32,
    /// Member logins.
    pub members: Vec<String>,
}

/// Whether exec guards (`onlyif`/`unless`) run while inspecting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Guards {
    /// Run them when inspecting (a real apply; or a dry run that opts in, since guards are
    /// meant to be read-only but nothing enforces it).
    Run,
    /// Do not run them: the exec is planned as "would run unless guards say otherwise".
    /// converge's default in a dry run, unlike Puppet, which runs them even under --noop.
    Skip,
}

/// Per-run state and caches for the providers.
pub struct Context {
    /// How commands run.
    pub runner: Box<dyn Runner>,
    /// Module directories that `puppet:///modules/<mod>/<path>` sources resolve against
    /// (`<dir>/<mod>/files/<path>`).
    pub module_path: Vec<PathBuf>,
    /// Where replaced content is saved: `<backup_root>/<run_id>/<path>`.
    pub backup_root: PathBuf,
    /// This run's id (a UTC timestamp), naming its backup directory.
    pub run_id: String,
    /// Whether exec guards run while inspecting.
    pub guards: Guards,
    /// dpkg's status database.
    pub dpkg_status_path: PathBuf,
    /// Directory holding passwd and group (normally /etc).
    pub etc_dir: PathBuf,
    /// Where init scripts live (normally /etc/init.d).
    pub initd_dir: PathBuf,
    /// The init system; detected on first use when `None`.
    pub init: Option<InitSystem>,
    /// The file system the service provider reads service state from directly instead of
    /// running `service`/`invoke-rc.d` (`/`); `None` always runs the commands, as tests
    /// with a recording [`Runner`] expect.
    pub system_root: Option<PathBuf>,
    /// Warnings providers raised while planning (the engine reports them).
    pub warnings: Vec<String>,
    /// The nginx servers and locations the catalog declares (see
    /// [`crate::nginx_block::Declared`]); the engine sets it before a run.
    pub nginx: crate::nginx_block::Declared,
    /// Every path a `file` or `concat_file` of the catalog manages (the engine sets it): a
    /// purging directory removes what is not here ([`crate::purge`]).
    pub managed_files: std::collections::HashSet<PathBuf>,
    /// The secrets of the resource being worked on (the engine sets them): scrubbed out of
    /// the commands the debug log shows.
    pub secrets: converge_catalog::Secrets,
    /// The fragments of each `concat_file`, by its reference (`Concat_file[/etc/x]`): the
    /// engine hands them over from the plan, since a concat_file's content is computed from
    /// other resources of the catalog (concat's `generate`).
    fragments: HashMap<String, Vec<converge_catalog::Resource>>,
    dpkg: Option<HashMap<String, DpkgEntry>>,
    dpkg_text: Option<String>,
    passwd: Option<Vec<PasswdEntry>>,
    groups: Option<Vec<GroupEntry>>,
    predicted: HashMap<PathBuf, FileView>,
    pending_creators: Vec<String>,
    pending_accounts: Vec<(bool, String)>,
    started_services: Vec<String>,
    /// Whether this run already looked for (and repaired) an interrupted dpkg.
    pub(crate) dpkg_checked: bool,
    /// The systemd manager's D-Bus connection: `None` until first asked, `Some(None)` when
    /// it cannot be asked (systemctl runs instead).
    systemd: Option<Option<crate::systemd::Manager>>,
}

impl std::fmt::Debug for Context {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context")
            .field("module_path", &self.module_path)
            .field("backup_root", &self.backup_root)
            .field("run_id", &self.run_id)
            .field("guards", &self.guards)
            .field("init", &self.init)
            .finish_non_exhaustive()
    }
}

impl Default for Context {
    fn default() -> Self {
        Context::new()
    }
}

impl Context {
    /// A context for the running host, with real commands and the standard paths.
    pub fn new() -> Self {
        Context {
            runner: Box::new(SystemRunner),
            module_path: Vec::new(),
            backup_root: PathBuf::from("/var/lib/converge/backup"),
            run_id: run_id(std::time::SystemTime::now()),
            guards: Guards::Run,
            dpkg_status_path: PathBuf::from("/var/lib/dpkg/status"),
            etc_dir: PathBuf::from("/etc"),
            initd_dir: PathBuf::from("/etc/init.d"),
            init: None,
            system_root: Some(PathBuf::from("/")),
            warnings: Vec::new(),
            nginx: Default::default(),
            managed_files: Default::default(),
            secrets: Default::default(),
            fragments: HashMap::new(),
            dpkg: None,
            dpkg_text: None,
            passwd: None,
            groups: None,
            predicted: HashMap::new(),
            pending_creators: Vec::new(),
            pending_accounts: Vec::new(),
            started_services: Vec::new(),
            dpkg_checked: false,
            systemd: None,
        }
    }

    /// Use another command runner (tests use a recording fake); service state is then
    /// always asked of the runner, never read directly.
    pub fn with_runner(mut self, runner: Box<dyn Runner>) -> Self {
        self.runner = runner;
        self.system_root = None;
        self
    }

    /// Give a `concat_file` (by its reference) the `concat_fragment`s it is built from.
    pub fn set_fragments(&mut self, file: String, fragments: Vec<converge_catalog::Resource>) {
        self.fragments.insert(file, fragments);
    }

    /// The fragments handed to a `concat_file` by [`Context::set_fragments`] (none if never
    /// set: the file is then empty).
    pub fn fragments(&self, file: &str) -> &[converge_catalog::Resource] {
        self.fragments.get(file).map_or(&[], Vec::as_slice)
    }

    /// Run a command.
    pub fn run(&mut self, cmd: &Cmd) -> Result<Output, ProviderError> {
        self.log_command(cmd);
        self.runner.run(cmd)
    }

    /// Run read-only, independent commands (at the same time with the real runner).
    pub fn run_all(&mut self, cmds: &[Cmd]) -> Vec<Result<Output, ProviderError>> {
        for cmd in cmds {
            self.log_command(cmd);
        }
        self.runner.run_all(cmds)
    }

    fn log_command(&self, cmd: &Cmd) {
        if tracing::enabled!(tracing::Level::DEBUG) {
            let line = self.secrets.scrub(&cmd.display());
            tracing::debug!(command = %line, "running");
        }
    }

    /// Run a command that must succeed; its output is in the error otherwise.
    pub fn run_ok(&mut self, cmd: &Cmd) -> Result<Output, ProviderError> {
        let out = self.run(cmd)?;
        if out.success() {
            Ok(out)
        } else {
            Err(ProviderError::Command {
                message: format!(
                    "Execution of '{}' returned {}",
                    cmd.display(),
                    out.code.map_or("a signal".to_string(), |c| c.to_string())
                ),
                output: out.combined(),
            })
        }
    }

    /// The init system: systemd iff /run/systemd/system exists (PID 1 is systemd), else
    /// Debian's init scripts. Detected once per run.
    pub fn init_system(&mut self) -> InitSystem {
        *self.init.get_or_insert_with(|| {
            let pid1 = std::fs::read_to_string("/proc/1/comm").unwrap_or_default();
            if Path::new("/run/systemd/system").is_dir() || pid1.trim() == "systemd" {
                InitSystem::Systemd
            } else {
                InitSystem::InitScripts
            }
        })
    }

    /// The systemd manager of [`Context::system_root`], connected on first use and kept for
    /// the run; `None` when service state must be asked of systemctl.
    pub(crate) fn systemd(&mut self) -> Option<&crate::systemd::Manager> {
        let root = self.system_root.as_deref()?;
        self.systemd
            .get_or_insert_with(|| crate::systemd::Manager::connect(root))
            .as_ref()
    }

    /// dpkg's status database, parsed once per run (never a process per package).
    pub fn dpkg(&mut self) -> Result<&HashMap<String, DpkgEntry>, ProviderError> {
        if self.dpkg.is_none() {
            let text = match self.dpkg_text.take() {
                Some(t) => t,
                None => read_dpkg_status(&self.dpkg_status_path)?,
            };
            self.dpkg = Some(parse_dpkg_status(&text));
        }
        Ok(self.dpkg.get_or_insert_with(HashMap::new))
    }

    /// One package's entry in dpkg's status database. The file is read once per run like
    /// [`Context::dpkg`], but only this package's stanzas are parsed: a run that manages a
    /// few packages need not build a map of every installed one.
    pub fn dpkg_entry(&mut self, name: &str) -> Result<Option<DpkgEntry>, ProviderError> {
        if let Some(map) = &self.dpkg {
            return Ok(map.get(name).cloned());
        }
        if self.dpkg_text.is_none() {
            self.dpkg_text = Some(read_dpkg_status(&self.dpkg_status_path)?);
        }
        let text = self.dpkg_text.as_deref().unwrap_or("");
        Ok(parse_dpkg_status(&stanzas_of(text, name)).remove(name))
    }

    /// Forget the dpkg cache after apt changed it.
    pub fn invalidate_dpkg(&mut self) {
        self.dpkg = None;
        self.dpkg_text = None;
    }

    /// /etc/passwd, parsed once (until [`Context::invalidate_accounts`]).
    pub fn passwd(&mut self) -> &[PasswdEntry] {
        if self.passwd.is_none() {
            let text = std::fs::read_to_string(self.etc_dir.join("passwd")).unwrap_or_default();
            self.passwd = Some(parse_passwd(&text));
        }
        self.passwd.as_deref().unwrap_or_default()
    }

    /// /etc/group, parsed once (until [`Context::invalidate_accounts`]).
    pub fn groups(&mut self) -> &[GroupEntry] {
        if self.groups.is_none() {
            let text = std::fs::read_to_string(self.etc_dir.join("group")).unwrap_or_default();
            self.groups = Some(parse_group(&text));
        }
        self.groups.as_deref().unwrap_or_default()
    }

    /// Forget the account caches after useradd/groupadd changed them.
    pub fn invalidate_accounts(&mut self) {
        self.passwd = None;
        self.groups = None;
    }

    /// A user's uid from a name or a numeric id.
    pub fn uid_of(&mut self, user: &str) -> Option<u32> {
        user.parse()
            .ok()
            .or_else(|| self.passwd().iter().find(|p| p.name == user).map(|p| p.uid))
    }

    /// A group's gid from a name or a numeric id.
    pub fn gid_of(&mut self, group: &str) -> Option<u32> {
        group.parse().ok().or_else(|| {
            self.groups()
                .iter()
                .find(|g| g.name == group)
                .map(|g| g.gid)
        })
    }

    /// A uid from a name or id using only what is already cached (for `plan`, which cannot
    /// read files); providers warm the cache in `inspect`.
    pub fn cached_uid(&self, user: &str) -> Option<u32> {
        user.parse().ok().or_else(|| {
            self.passwd
                .as_ref()?
                .iter()
                .find(|p| p.name == user)
                .map(|p| p.uid)
        })
    }

    /// A gid from a name or id using only what is already cached.
    pub fn cached_gid(&self, group: &str) -> Option<u32> {
        group.parse().ok().or_else(|| {
            self.groups
                .as_ref()?
                .iter()
                .find(|g| g.name == group)
                .map(|g| g.gid)
        })
    }

    /// A user name for a uid from the cache, or the number.
    pub fn user_name(&self, uid: u32) -> String {
        self.passwd
            .as_ref()
            .and_then(|p| p.iter().find(|e| e.uid == uid))
            .map_or_else(|| uid.to_string(), |e| e.name.clone())
    }

    /// A group name for a gid from the cache, or the number.
    pub fn group_name(&self, gid: u32) -> String {
        self.groups
            .as_ref()
            .and_then(|g| g.iter().find(|e| e.gid == gid))
            .map_or_else(|| gid.to_string(), |e| e.name.clone())
    }

    /// What is at `path`: the predicted state if a pending dry-run change wrote it, else the
    /// host's, read without following a final symlink.
    pub fn view(&self, path: &Path) -> Result<FileView, ProviderError> {
        if let Some(p) = self.predicted.get(path) {
            return Ok(p.clone());
        }
        read_view(path)
    }

    /// Whether `dir` is (or is predicted to be) a directory.
    pub fn is_dir(&self, dir: &Path) -> bool {
        match self.predicted.get(dir) {
            Some(v) => matches!(v, FileView::Dir { .. }),
            None => dir.is_dir(),
        }
    }

    /// Read the file an edit in place works on into `st.content`. A missing file is left to
    /// the pending change that may create it (`st.pending_on`); without one, `missing` is
    /// the error. Anything but a regular file is an error.
    pub fn inspect_for_edit(
        &self,
        path: &Path,
        missing: impl FnOnce() -> String,
        st: &mut State,
    ) -> Result<(), ProviderError> {
        match self.view(path)? {
            FileView::File { content, .. } => st.content = Some(content),
            FileView::Missing => match self.pending_creator() {
                Some(p) => st.pending_on = Some(p.to_string()),
                None => return Err(ProviderError::Invalid(missing())),
            },
            other => {
                return Err(ProviderError::Invalid(format!(
                    "{} is {other}, not a regular file",
                    path.display()
                )));
            }
        }
        Ok(())
    }

    /// Record what `edit` would make of the regular file at `path` as this run leaves it,
    /// keeping its mode and owner (dry runs only). Nothing when the file is not there or
    /// `edit` changes nothing.
    pub fn predict_edit(&mut self, path: &Path, edit: impl FnOnce(&str) -> Option<String>) {
        if let Ok(FileView::File {
            content,
            mode,
            uid,
            gid,
        }) = self.view(path)
        {
            if let Some(new) = edit(&String::from_utf8_lossy(&content)) {
                self.predict_path(
                    path,
                    FileView::File {
                        content: new.into_bytes(),
                        mode,
                        uid,
                        gid,
                    },
                );
            }
        }
    }

    /// [`Context::predict_edit`] on bytes: what `edit` makes of the file's bytes, however
    /// they are encoded.
    pub fn predict_edit_bytes(&mut self, path: &Path, edit: impl FnOnce(&[u8]) -> Option<Vec<u8>>) {
        if let Ok(FileView::File {
            content,
            mode,
            uid,
            gid,
        }) = self.view(path)
        {
            if let Some(new) = edit(&content) {
                self.predict_path(
                    path,
                    FileView::File {
                        content: new,
                        mode,
                        uid,
                        gid,
                    },
                );
            }
        }
    }

    /// Record what a pending change would leave at `path` (dry runs only).
    pub fn predict_path(&mut self, path: &Path, view: FileView) {
        self.predicted.insert(path.to_path_buf(), view);
    }

    /// Record a pending change (e.g. `Package[nginx]`) that may create files; a later
    /// resource whose file is missing is then pending on it rather than failed.
    pub fn add_pending_creator(&mut self, what: String) {
        self.pending_creators.push(what);
    }

    /// The most recent pending change that may create missing files.
    pub fn pending_creator(&self) -> Option<&str> {
        self.pending_creators.last().map(String::as_str)
    }

    /// Record, in a dry run, that a pending change creates a user (`is_user`) or a group.
    pub fn add_pending_account(&mut self, is_user: bool, name: &str) {
        self.pending_accounts.push((is_user, name.to_string()));
    }

    /// Whether a pending change in this dry run creates that user or group.
    pub fn is_pending_account(&self, is_user: bool, name: &str) -> bool {
        self.pending_accounts
            .iter()
            .any(|(u, n)| *u == is_user && n == name)
    }

    /// Record that a service was started in this run.
    pub fn note_started(&mut self, service: &str) {
        self.started_services.push(service.to_string());
    }

    /// Whether a service was started in this run (its refreshes are then dropped).
    pub fn was_started(&self, service: &str) -> bool {
        self.started_services.iter().any(|s| s == service)
    }
}

/// Read what is at a path without following a final symlink.
pub fn read_view(path: &Path) -> Result<FileView, ProviderError> {
    use nix::sys::stat::SFlag;
    let (Some(parent), Some(name)) = (path.parent(), path.file_name()) else {
        // `/` itself.
        return Ok(match std::fs::metadata(path) {
            Ok(md) => FileView::Dir {
                mode: md.permissions().mode() & 0o7777,
                uid: md.uid(),
                gid: md.gid(),
            },
            Err(_) => FileView::Missing,
        });
    };
    let name = Path::new(name);
    // The parent is walked without following planted symlinks, and the file is read
    // relative to it, so what is read is what would be written.
    let Some(dir) = crate::safedir::SafeDir::open_existing(parent)? else {
        return Ok(FileView::Missing);
    };
    let Some(st) = dir.lstat(name)? else {
        return Ok(FileView::Missing);
    };
    let kind = SFlag::from_bits_truncate(st.st_mode) & SFlag::S_IFMT;
    let mode = st.st_mode & 0o7777;
    if kind == SFlag::S_IFLNK {
        return Ok(FileView::Link {
            target: dir.read_link(name)?.display().to_string(),
        });
    }
    if kind == SFlag::S_IFDIR {
        return Ok(FileView::Dir {
            mode,
            uid: st.st_uid,
            gid: st.st_gid,
        });
    }
    if kind != SFlag::S_IFREG {
        return Ok(FileView::Other);
    }
    let (mut f, st) = dir.open_read(name)?;
    if SFlag::from_bits_truncate(st.st_mode) & SFlag::S_IFMT != SFlag::S_IFREG {
        // Replaced by something else between the two looks.
        return Ok(FileView::Other);
    }
    let mut content = Vec::with_capacity(st.st_size.max(0) as usize);
    std::io::Read::read_to_end(&mut f, &mut content)
        .map_err(|e| ProviderError::io("Could not read", path, e))?;
    Ok(FileView::File {
        content,
        mode: st.st_mode & 0o7777,
        uid: st.st_uid,
        gid: st.st_gid,
    })
}

/// A run id from a time: `20261124T024818Z`.
pub fn run_id(t: std::time::SystemTime) -> String {
    let secs = t
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let (days, rem) = (secs / 86400, secs % 86400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}{m:02}{d:02}T{:02}{:02}{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

fn read_dpkg_status(path: &Path) -> Result<String, ProviderError> {
    match std::fs::read_to_string(path) {
        Ok(t) => Ok(t),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(String::new()),
        Err(e) => Err(ProviderError::io(
            "Could not prefetch package provider 'apt': cannot read",
            path,
            e,
        )),
    }
}

/// The stanzas of a status database whose `Package:` line names `name` (one per
/// architecture), joined as a smaller database; [`parse_dpkg_status`] of it gives the same
/// entry for `name` as parsing the whole file.
fn stanzas_of(text: &str, name: &str) -> String {
    let needle = format!("Package: {name}");
    let mut out = String::new();
    let mut from = 0;
    while let Some(i) = text[from..].find(&needle).map(|i| i + from) {
        from = i + needle.len();
        let at_line_start = i == 0 || text.as_bytes()[i - 1] == b'\n';
        let line_end = text[from..].find('\n').map_or(text.len(), |j| j + from);
        if !at_line_start || !text[from..line_end].trim().is_empty() {
            continue;
        }
        let start = text[..i].rfind("\n\n").map_or(0, |j| j + 2);
        let end = text[i..].find("\n\n").map_or(text.len(), |j| j + i);
        out.push_str(&text[start..end]);
        out.push_str("\n\n");
        from = end;
    }
    out
}

/// Parse dpkg's status database into package name → status and version.
pub fn parse_dpkg_status(text: &str) -> HashMap<String, DpkgEntry> {
    let mut out = HashMap::new();
    for stanza in text.split("\n\n") {
        let (mut name, mut status, mut version, mut want) =
            (None, None, String::new(), String::new());
        for line in stanza.lines() {
            if let Some(v) = line.strip_prefix("Package: ") {
                name = Some(v.trim().to_string());
            } else if let Some(v) = line.strip_prefix("Status: ") {
                // "install ok installed": want, flag, status; the last word is what is there.
                status = v.split_whitespace().last().map(str::to_string);
                want = v.split_whitespace().next().unwrap_or("").to_string();
            } else if let Some(v) = line.strip_prefix("Version: ") {
                version = v.trim().to_string();
            }
        }
        if let (Some(n), Some(s)) = (name, status) {
            // With several architectures of one package, an installed one wins.
            let replace = out
                .get(&n)
                .is_none_or(|e: &DpkgEntry| e.status != "installed");
            if replace {
                out.insert(
                    n,
                    DpkgEntry {
                        status: s,
                        version,
                        want,
                    },
                );
            }
        }
    }
    out
}

/// Parse /etc/passwd.
pub fn parse_passwd(text: &str) -> Vec<PasswdEntry> {
    text.lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            if f.len() < 7 {
                return None;
            }
            Some(PasswdEntry {
                name: f[0].to_string(),
                uid: f[2].parse().ok()?,
                gid: f[3].parse().ok()?,
                comment: f[4].to_string(),
                home: f[5].to_string(),
                shell: f[6].to_string(),
            })
        })
        .collect()
}

/// Parse /etc/group.
pub fn parse_group(text: &str) -> Vec<GroupEntry> {
    text.lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            if f.len() < 4 {
                return None;
            }
            Some(GroupEntry {
                name: f[0].to_string(),
                gid: f[2].parse().ok()?,
                members: f[3]
                    .split(',')
                    .filter(|m| !m.is_empty())
                    .map(str::to_string)
                    .collect(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dpkg_status_parses_states_and_versions() {
        let text = "Package: nginx\nStatus: install ok installed\nVersion: 1.22.1-9\n\n\
                    Package: apache2\nStatus: deinstall ok config-files\nVersion: 2.4\n\n\
                    Package: libc6\nStatus: install ok installed\nArchitecture: amd64\nVersion: 2.36\n";
        let db = parse_dpkg_status(text);
        assert_eq!(db["nginx"].status, "installed");
        assert_eq!(db["nginx"].version, "1.22.1-9");
        assert_eq!(db["apache2"].status, "config-files");
        assert_eq!(db["libc6"].version, "2.36");
    }

    #[test]
    fn one_packages_stanzas_parse_like_the_whole_database() {
        let text = "Package: nginx-common\nStatus: install ok installed\nVersion: 1\n\n\
                    Package: libc6\nStatus: deinstall ok config-files\nArchitecture: i386\nVersion: 2.35\n\n\
                    Package: nginx\nStatus: install ok installed\nVersion: 1.22.1-9\n\n\
                    Description: mentions\nPackage: libc6 in a continuation\n\n\
                    Package: libc6\nStatus: install ok installed\nArchitecture: amd64\nVersion: 2.36\n\n\
                    Package: last\nStatus: hold ok installed\nVersion: 3";
        let whole = parse_dpkg_status(text);
        for name in ["nginx", "nginx-common", "libc6", "last", "missing", "ngin"] {
            let one = parse_dpkg_status(&stanzas_of(text, name)).remove(name);
            assert_eq!(one.as_ref(), whole.get(name), "{name}");
        }
        assert_eq!(whole["libc6"].version, "2.36");
    }

    #[test]
    fn run_id_is_a_utc_timestamp() {
        let t = std::time::UNIX_EPOCH + Duration::from_secs(1_795_920_498);
        assert_eq!(run_id(t), "20261129T024818Z");
    }

    #[test]
    fn run_all_answers_each_command_in_order() {
        let cmds = [
            Cmd::new(&["/bin/sh", "-c", "sleep 0.2; echo first"]),
            Cmd::new(&["/bin/echo", "second"]),
            Cmd::new(&["/bin/sh", "-c", "exit 3"]),
        ];
        let outs: Vec<Output> = SystemRunner
            .run_all(&cmds)
            .into_iter()
            .map(Result::unwrap)
            .collect();
        assert_eq!(outs[0].stdout, "first\n");
        assert_eq!(outs[1].stdout, "second\n");
        assert_eq!(outs[2].code, Some(3));
        assert!(SystemRunner.run_all(&[Cmd::new(&["/no/such/program"])])[0].is_err());
    }

    #[test]
    fn timeout_kills_the_command() {
        let mut r = SystemRunner;
        let mut c = Cmd::new(&["/bin/sleep", "5"]);
        c.timeout = Some(Duration::from_millis(100));
        let t = Instant::now();
        let out = r.run(&c).unwrap();
        assert!(out.timed_out);
        assert!(t.elapsed() < Duration::from_secs(2));
    }
}
