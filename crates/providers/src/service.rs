//! The `service` provider: systemd when PID 1 is systemd, Debian's init scripts otherwise.
//!
//! Inspecting asks the same commands as Puppet (`service NAME status`, `invoke-rc.d
//! --query`, `systemctl is-active`/`is-enabled`, or the resource's own `status`), except
//! where converge can tell exactly what those commands would answer without spawning them:
//! init-script state is read from the files the scripts read (`initscript.rs`), and
//! systemd's state is asked of systemd itself over D-Bus (`systemd.rs`), the same
//! questions systemctl asks. Wherever that is not exact, the command runs; when both
//! systemctl queries must run, they run at the same time.
//!
//! A refresh restarts a service only if it is running and was not started in this run (a
//! fresh start already read the new configuration); starting one emits
//! [`EventKind::ServiceStarted`] so the engine drops its pending refreshes.

use crate::context::{Cmd, Context, InitSystem, Output};
use crate::initscript;
use crate::provider::{Change, Event, EventKind, Provider, ProviderError, State};
use converge_catalog::{Resource, Value};

/// The `service` provider.
#[derive(Debug, Default)]
pub struct ServiceProvider;

fn name_of(r: &Resource) -> &str {
    r.name_or_title("name")
}

fn flag(r: &Resource, name: &str, default: bool) -> bool {
    r.param(name).and_then(Value::as_bool).unwrap_or(default)
}

fn init_of(r: &Resource, cx: &mut Context) -> InitSystem {
    match r.param_str("provider") {
        Some("systemd") => InitSystem::Systemd,
        Some("debian") | Some("init") | Some("base") => InitSystem::InitScripts,
        _ => cx.init_system(),
    }
}

/// The wanted `ensure` as `running`/`stopped`, if managed.
fn wanted_ensure(r: &Resource) -> Option<&'static str> {
    match r.param("ensure")? {
        Value::Bool(true) => Some("running"),
        Value::Bool(false) => Some("stopped"),
        v => match v.as_str()? {
            "running" | "true" => Some("running"),
            "stopped" | "false" => Some("stopped"),
            _ => None,
        },
    }
}

/// The wanted `enable` as a word, if managed.
fn wanted_enable(r: &Resource) -> Option<String> {
    r.param("enable").map(|v| v.to_string())
}

fn status(r: &Resource, init: InitSystem, cx: &mut Context) -> Result<bool, ProviderError> {
    let name = name_of(r);
    let cmd = if let Some(s) = r.param_str("status") {
        Cmd::shell(s)
    } else {
        match init {
            InitSystem::Systemd => {
                if let Some(running) = cx.systemd().and_then(|m| m.is_active(name)) {
                    return Ok(running);
                }
                is_active_cmd(name)
            }
            InitSystem::InitScripts if flag(r, "hasstatus", true) => {
                let direct = cx
                    .system_root
                    .as_deref()
                    .and_then(|root| initscript::status(root, name));
                if let Some(running) = direct {
                    return Ok(running);
                }
                Cmd::new(&["/usr/sbin/service", name, "status"])
            }
            InitSystem::InitScripts => {
                let pattern = r.param_str("pattern").unwrap_or(name);
                return process_matches(pattern);
            }
        }
    };
    Ok(cx.run(&cmd)?.success())
}

/// Whether a running process's command line matches `pattern` (Puppet's process-table
/// status for `hasstatus => false`), read from /proc: minimal hosts have no `ps` or `pgrep`.
fn process_matches(pattern: &str) -> Result<bool, ProviderError> {
    let re = converge_rubyre::Regex::cached(pattern)
        .map_err(|e| ProviderError::Invalid(format!("invalid pattern '{pattern}': {e}")))?;
    let me = std::process::id().to_string();
    let procs =
        std::fs::read_dir("/proc").map_err(|e| ProviderError::io("Could not read", "/proc", e))?;
    for p in procs.flatten() {
        let pid = p.file_name().to_string_lossy().into_owned();
        if !pid.bytes().all(|b| b.is_ascii_digit()) || pid == me {
            continue;
        }
        let Ok(raw) = std::fs::read(p.path().join("cmdline")) else {
            continue;
        };
        let line = String::from_utf8_lossy(&raw).replace('\0', " ");
        if re.is_match(line.trim_end()) {
            return Ok(true);
        }
    }
    Ok(false)
}

fn is_enabled_cmd(name: &str) -> Cmd {
    Cmd::new(&["/bin/systemctl", "is-enabled", "--", name])
}

/// `enable` from `systemctl is-enabled`'s answer.
fn systemd_enable_word(out: &Output) -> String {
    match out.stdout.trim() {
        "masked" | "masked-runtime" => "mask".into(),
        // Puppet treats static and indirect units as in sync with enable => true.
        "enabled" | "enabled-runtime" | "static" | "indirect" | "alias" => "true".into(),
        _ if out.success() => "true".into(),
        _ => "false".into(),
    }
}

/// Both `systemctl is-active` and `is-enabled` at once, when both are wanted and the
/// status is systemd's own: one round of waiting instead of two. `None` otherwise.
fn systemd_both(
    r: &Resource,
    init: InitSystem,
    cx: &mut Context,
) -> Option<Result<(bool, String), ProviderError>> {
    let both = init == InitSystem::Systemd
        && r.param_str("status").is_none()
        && wanted_ensure(r).is_some()
        && wanted_enable(r).is_some();
    if !both {
        return None;
    }
    let name = name_of(r);
    let (active, enabled) = match cx.systemd() {
        Some(m) => (m.is_active(name), m.is_enabled(name)),
        None => (None, None),
    };
    match (active, enabled) {
        (Some(a), Some(e)) => Some(Ok((a, systemd_enable_word(&e)))),
        (Some(a), None) => Some(
            cx.run(&is_enabled_cmd(name))
                .map(|e| (a, systemd_enable_word(&e))),
        ),
        (None, Some(e)) => Some(
            cx.run(&is_active_cmd(name))
                .map(|a| (a.success(), systemd_enable_word(&e))),
        ),
        (None, None) => {
            let mut outs = cx
                .run_all(&[is_active_cmd(name), is_enabled_cmd(name)])
                .into_iter();
            let (Some(active), Some(enabled)) = (outs.next(), outs.next()) else {
                return Some(Err(ProviderError::Invalid(
                    "systemctl gave no answer".into(),
                )));
            };
            Some(active.and_then(|a| Ok((a.success(), systemd_enable_word(&enabled?)))))
        }
    }
}

fn is_active_cmd(name: &str) -> Cmd {
    Cmd::new(&["/bin/systemctl", "is-active", "--", name])
}

fn enabled(r: &Resource, init: InitSystem, cx: &mut Context) -> Result<String, ProviderError> {
    let name = name_of(r);
    match init {
        InitSystem::Systemd => {
            let out = match cx.systemd().and_then(|m| m.is_enabled(name)) {
                Some(out) => out,
                None => cx.run(&is_enabled_cmd(name))?,
            };
            Ok(systemd_enable_word(&out))
        }
        InitSystem::InitScripts => {
            let direct = cx
                .system_root
                .as_deref()
                .and_then(initscript::query_defers_to_links);
            if direct.is_some() {
                let on = start_links(name, &cx.etc_dir) >= 4;
                return Ok(if on { "true" } else { "false" }.into());
            }
            let out = cx.run(&Cmd::new(&[
                "/usr/sbin/invoke-rc.d",
                "--quiet",
                "--query",
                name,
                "start",
            ]))?;
            // Puppet's debian provider: 104/106 mean enabled; 101/105 (no runlevel known, as
            // in a container without init) are decided by the start links in /etc/rc?.d.
            let on = match out.code {
                Some(104) | Some(106) => true,
                Some(101) | Some(105) => start_links(name, &cx.etc_dir) >= 4,
                _ => false,
            };
            Ok(if on { "true" } else { "false" }.into())
        }
    }
}

/// How many `/etc/rc?.d/S??name` start links exist.
fn start_links(name: &str, etc: &std::path::Path) -> usize {
    (0..=6)
        .map(|n| etc.join(format!("rc{n}.d")))
        .chain(std::iter::once(etc.join("rcS.d")))
        .filter_map(|d| std::fs::read_dir(d).ok())
        .flat_map(|rd| rd.flatten())
        .filter(|e| {
            let f = e.file_name();
            let f = f.to_string_lossy();
            f.len() == 3 + name.len() && f.starts_with('S') && f.ends_with(name)
        })
        .count()
}

/// After a `systemctl start` that succeeded: the unmet start condition, if systemd skipped
/// the unit (ntpsec's `ConditionCapability=CAP_SYS_TIME` in a container).
fn skipped_by_condition(name: &str, cx: &mut Context) -> Option<String> {
    let show = cx
        .run(&Cmd::new(&[
            "/bin/systemctl",
            "show",
            "-p",
            "ActiveState",
            "-p",
            "ConditionResult",
            "--",
            name,
        ]))
        .ok()?;
    let props: Vec<&str> = show.stdout.lines().map(str::trim).collect();
    if !(props.contains(&"ActiveState=inactive") && props.contains(&"ConditionResult=no")) {
        return None;
    }
    let status = cx
        .run(&Cmd::new(&[
            "/bin/systemctl",
            "status",
            "--no-pager",
            "--",
            name,
        ]))
        .map(|o| o.stdout)
        .unwrap_or_default();
    let why = status
        .lines()
        .map(|l| l.trim().trim_start_matches(['└', '─', ' ']))
        .find(|l| l.ends_with("was not met"))
        .unwrap_or("a start condition was not met");
    Some(why.to_string())
}

fn control(
    r: &Resource,
    init: InitSystem,
    action: &str,
    cx: &mut Context,
) -> Result<(), ProviderError> {
    let name = name_of(r).to_string();
    if let Some(custom) = r.param_str(action) {
        cx.run_ok(&Cmd::shell(custom))?;
        return Ok(());
    }
    let cmd = match init {
        InitSystem::Systemd => Cmd::new(&["/bin/systemctl", action, "--", &name]),
        InitSystem::InitScripts => Cmd::new(&["/usr/sbin/service", &name, action]),
    };
    let res = cx.run_ok(&cmd);
    if let (Err(e), InitSystem::Systemd) = (&res, init) {
        // Puppet appends the unit's recent journal to a failure; so do we.
        let journal = cx
            .run(&Cmd::new(&[
                "/bin/journalctl",
                "-n",
                "50",
                "--since",
                "5 minutes ago",
                "-u",
                &name,
                "--no-pager",
            ]))
            .map(|o| o.stdout)
            .unwrap_or_default();
        return Err(ProviderError::Command {
            message: format!("Could not {action} Service[{name}]: {e}"),
            output: journal,
        });
    }
    res.map(|_| ())
}

impl Provider for ServiceProvider {
    fn name(&self) -> &'static str {
        "service"
    }

    fn inspect(&self, r: &Resource, cx: &mut Context) -> Result<State, ProviderError> {
        let mut st = State::default();
        let init = init_of(r, cx);
        let name = name_of(r).to_string();
        if init == InitSystem::InitScripts
            && r.param("start").is_none()
            && !cx.initd_dir.join(&name).exists()
        {
            if let Some(p) = cx.pending_creator() {
                st.pending_on = Some(p.to_string());
                st.set("ensure", Some("stopped".into()));
                st.set("enable", Some("false".into()));
                return Ok(st);
            }
            if wanted_ensure(r).is_some() || wanted_enable(r).is_some() {
                return Err(ProviderError::Invalid(format!(
                    "Could not find init script for '{name}'"
                )));
            }
        }
        if init == InitSystem::Systemd && r.param("start").is_none() {
            if let Some(p) = cx.pending_creator().map(str::to_string) {
                // Only while something pending may install the unit is it worth asking.
                let load_state = match cx.systemd().and_then(|m| m.load_state(&name)) {
                    Some(state) => state,
                    None => {
                        cx.run(&Cmd::new(&[
                            "/bin/systemctl",
                            "show",
                            "-p",
                            "LoadState",
                            "--value",
                            "--",
                            &name,
                        ]))?
                        .stdout
                    }
                };
                if load_state.trim() == "not-found" {
                    st.pending_on = Some(p);
                    st.set("ensure", Some("stopped".into()));
                    st.set("enable", Some("false".into()));
                    return Ok(st);
                }
            }
        }
        if let Some(both) = systemd_both(r, init, cx) {
            let (running, enable) = both?;
            st.set(
                "ensure",
                Some(if running { "running" } else { "stopped" }.into()),
            );
            st.set("enable", Some(enable));
            return Ok(st);
        }
        if wanted_ensure(r).is_some() {
            let running = status(r, init, cx)?;
            st.set(
                "ensure",
                Some(if running { "running" } else { "stopped" }.into()),
            );
        }
        if wanted_enable(r).is_some() {
            st.set("enable", Some(enabled(r, init, cx)?));
        }
        Ok(st)
    }

    fn plan(&self, r: &Resource, st: &State, _cx: &Context) -> Result<Vec<Change>, ProviderError> {
        let mut out = Vec::new();
        if let Some(want) = wanted_ensure(r) {
            let have = st.get("ensure").unwrap_or("stopped");
            if have != want {
                out.push(Change::changed(
                    "ensure",
                    Some(have.into()),
                    Some(want.into()),
                ));
            }
        }
        if let Some(want) = wanted_enable(r) {
            if want == "manual" || want == "delayed" {
                // Windows start types; Debian's init systems have no such state.
                return Err(ProviderError::NotSupported {
                    operation: "enable => manual/delayed",
                    provider: "service",
                });
            }
            let have = st.get("enable").unwrap_or("false");
            if have != want {
                out.push(Change::changed("enable", Some(have.into()), Some(want)));
            }
        }
        Ok(out)
    }

    fn apply(
        &self,
        r: &Resource,
        changes: &[Change],
        cx: &mut Context,
    ) -> Result<Vec<Event>, ProviderError> {
        let init = init_of(r, cx);
        let name = name_of(r).to_string();
        let mut events = Vec::new();
        for c in changes {
            match (c.property.as_str(), c.after.as_deref()) {
                ("ensure", Some("running")) => {
                    if init == InitSystem::Systemd {
                        // Starting a masked unit fails; Puppet unmasks first.
                        let _ = cx.run(&Cmd::new(&["/bin/systemctl", "unmask", "--", &name]));
                    }
                    control(r, init, "start", cx)?;
                    if init == InitSystem::Systemd && r.param_str("start").is_none() {
                        if let Some(why) = skipped_by_condition(&name, cx) {
                            // `systemctl start` succeeds for a unit whose condition fails,
                            // and Puppet reports it started, on every run. It is not.
                            return Err(ProviderError::Command {
                                message: format!(
                                    "systemd did not start {name}: {why} (the unit cannot run on this host as it is)"
                                ),
                                output: String::new(),
                            });
                        }
                    }
                    cx.note_started(&name);
                    events.push(Event::from_change(c, EventKind::ServiceStarted));
                }
                ("ensure", Some("stopped")) => {
                    control(r, init, "stop", cx)?;
                    events.push(Event::from_change(c, EventKind::Changed));
                }
                ("enable", Some(want)) => {
                    let cmds: Vec<Cmd> = match (init, want) {
                        (InitSystem::Systemd, "true") => vec![
                            Cmd::new(&["/bin/systemctl", "unmask", "--", &name]),
                            Cmd::new(&["/bin/systemctl", "enable", "--", &name]),
                        ],
                        (InitSystem::Systemd, "mask") => {
                            vec![Cmd::new(&["/bin/systemctl", "mask", "--", &name])]
                        }
                        (InitSystem::Systemd, _) => {
                            vec![Cmd::new(&["/bin/systemctl", "disable", "--", &name])]
                        }
                        (InitSystem::InitScripts, "true") => vec![
                            Cmd::new(&["/usr/sbin/update-rc.d", &name, "defaults"]),
                            Cmd::new(&["/usr/sbin/update-rc.d", &name, "enable"]),
                        ],
                        (InitSystem::InitScripts, _) => {
                            vec![Cmd::new(&["/usr/sbin/update-rc.d", &name, "disable"])]
                        }
                    };
                    for cmd in cmds {
                        cx.run_ok(&cmd)?;
                    }
                    events.push(Event::from_change(c, EventKind::Changed));
                }
                _ => {}
            }
        }
        Ok(events)
    }

    fn refresh(&self, r: &Resource, cx: &mut Context) -> Result<Vec<Event>, ProviderError> {
        let name = name_of(r).to_string();
        if cx.was_started(&name) {
            return Ok(Vec::new());
        }
        let init = init_of(r, cx);
        if !status(r, init, cx)? {
            tracing::debug!(service = %name, "Skipping restart; service is not running");
            return Ok(Vec::new());
        }
        let has_restart = r.param("restart").is_some()
            || init == InitSystem::Systemd
            || flag(r, "hasrestart", false);
        if has_restart {
            control(r, init, "restart", cx)?;
        } else {
            control(r, init, "stop", cx)?;
            control(r, init, "start", cx)?;
        }
        Ok(vec![Event {
            property: "ensure".into(),
            message: "Triggered 'refresh'".into(),
            kind: EventKind::Restarted,
            output: None,
        }])
    }

    fn refreshable(&self, r: &Resource) -> bool {
        wanted_ensure(r) != Some("stopped")
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn process_table_status_sees_a_running_process() {
        let mut child = std::process::Command::new("/bin/sleep")
            .arg("31.4159")
            .spawn()
            .unwrap();
        // Between fork and exec the child still shows the test's own command line: wait
        // (bounded) for the exec.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        let mut seen = false;
        while !seen && std::time::Instant::now() < deadline {
            seen = super::process_matches(r"sleep 31\.4159").unwrap();
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        let _ = child.kill();
        let _ = child.wait();
        assert!(seen);
        assert!(!super::process_matches("no-such-process-[x]yz").unwrap());
    }
}
