//! The `exec` provider: run a command unless `creates`, `onlyif`, `unless` or `refreshonly`
//! say not to.
//!
//! Command rules (Puppet's posix and shell providers): an array is an argv, never a shell; a
//! string goes through `/bin/sh -c` with `provider => shell`, or with the posix provider when
//! it contains shell metacharacters (as Ruby's `exec` does); otherwise it is split on
//! whitespace and its program looked up in `path`.
//!
//! Dry runs do better than Puppet: `onlyif`/`unless` guards are not run while inspecting
//! unless the context says so ([`crate::context::Guards`]), since nothing guarantees a guard is
//! read-only. Such an exec is planned with `before: None` and the message "would run unless
//! its guards say otherwise"; `apply` then evaluates the guards itself.

use crate::context::{Cmd, Context, Guards, Output};
use crate::provider::{Change, Event, EventKind, Provider, ProviderError, State};
use converge_catalog::{Resource, Value};
use std::path::Path;
use std::time::Duration;

/// The `exec` provider.
#[derive(Debug, Default)]
pub struct ExecProvider;

const SHELL_META: &[char] = &[
    '*', '?', '{', '}', '[', ']', '<', '>', '(', ')', '~', '&', '|', '\\', '$', ';', '\'', '`',
    '"', '\n', '#', '=', '%',
];

/// The exec's `path` as a list of directories.
fn search_path(r: &Resource) -> Vec<String> {
    r.param("path")
        .map(|p| {
            p.as_list()
                .iter()
                .flat_map(|v| {
                    v.to_string()
                        .split(':')
                        .map(str::to_string)
                        .collect::<Vec<_>>()
                })
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

/// The command text for messages.
fn command_text(v: &Value) -> String {
    match v.unwrap_sensitive() {
        Value::Array(a) => a
            .iter()
            .map(|x| x.to_string())
            .collect::<Vec<_>>()
            .join(" "),
        other => other.to_string(),
    }
}

fn which(program: &str, path: &[String]) -> Option<String> {
    if program.starts_with('/') {
        return Some(program.to_string());
    }
    path.iter()
        .map(|d| Path::new(d).join(program))
        .find(|p| p.is_file())
        .map(|p| p.display().to_string())
}

/// Build the argv for a command value under the resource's provider rules.
pub fn build_cmd(r: &Resource, command: &Value, cx: &mut Context) -> Result<Cmd, ProviderError> {
    let path = search_path(r);
    let shell = r.param_str("provider") == Some("shell");
    let argv: Vec<String> = match command.unwrap_sensitive() {
        Value::Array(a) => {
            let mut argv: Vec<String> = a.iter().map(|x| x.to_string()).collect();
            if let Some(first) = argv.first_mut() {
                *first = which(first, &path).ok_or_else(|| {
                    ProviderError::Invalid(format!("Could not find command '{first}'"))
                })?;
            }
            argv
        }
        other => {
            let s = other.to_string();
            if shell || s.contains(SHELL_META) {
                if !shell {
                    let first = s.split_whitespace().next().unwrap_or("");
                    if which(first, &path).is_none() && !first.contains(SHELL_META) {
                        return Err(ProviderError::Invalid(format!(
                            "Could not find command '{first}'"
                        )));
                    }
                }
                vec!["/bin/sh".into(), "-c".into(), s]
            } else {
                let mut argv: Vec<String> = s.split_whitespace().map(str::to_string).collect();
                if let Some(first) = argv.first_mut() {
                    *first = which(first, &path).ok_or_else(|| {
                        ProviderError::Invalid(format!("Could not find command '{first}'"))
                    })?;
                }
                argv
            }
        }
    };
    // A umask applies through a tiny shell wrapper that then execs the real argv, so the
    // command itself still runs without a shell when it was an argv.
    let argv = match r.param("umask").map(|u| u.to_string()) {
        Some(mask) if !mask.is_empty() && mask.bytes().all(|b| (b'0'..=b'7').contains(&b)) => {
            let mut w = vec![
                "/bin/sh".to_string(),
                "-c".to_string(),
                format!("umask {mask} && exec \"$@\""),
                "sh".to_string(),
            ];
            w.extend(argv);
            w
        }
        Some(mask) => {
            return Err(ProviderError::Invalid(format!(
                "umask must be an octal number, not '{mask}'"
            )))
        }
        None => argv,
    };
    let mut cmd = Cmd {
        argv,
        ..Default::default()
    };
    if !path.is_empty() {
        cmd.env.push(("PATH".into(), path.join(":")));
    }
    if let Some(env) = r.param("environment") {
        for e in env.as_list() {
            let e = e.unwrap_sensitive().to_string();
            if let Some((k, v)) = e.split_once('=') {
                cmd.env.push((k.to_string(), v.to_string()));
            }
        }
    }
    if let Some(cwd) = r.param_str("cwd") {
        cmd.cwd = Some(cwd.into());
    }
    if let Some(user) = r.param("user").map(|u| u.to_string()) {
        let uid = cx
            .uid_of(&user)
            .ok_or_else(|| ProviderError::Invalid(format!("Could not find user {user}")))?;
        let gid = match r.param("group").map(|g| g.to_string()) {
            Some(g) => cx
                .gid_of(&g)
                .ok_or_else(|| ProviderError::Invalid(format!("Could not find group {g}")))?,
            None => cx
                .passwd()
                .iter()
                .find(|p| p.uid == uid)
                .map_or(uid, |p| p.gid),
        };
        cmd.user = Some((uid, gid));
    }
    let timeout = r
        .param("timeout")
        .and_then(|t| t.to_string().parse::<f64>().ok())
        .unwrap_or(300.0);
    if timeout > 0.0 {
        // More seconds than a Duration holds (or infinity) is no timeout at all.
        cmd.timeout = Duration::try_from_secs_f64(timeout).ok();
    }
    Ok(cmd)
}

/// The guard commands of one kind: a string, an array of strings (several commands) or an
/// array of arrays (several argvs).
fn guard_list(v: &Value) -> Vec<Value> {
    match v.unwrap_sensitive() {
        Value::Array(items) if items.iter().any(|i| matches!(i, Value::Array(_))) => items.clone(),
        Value::Array(items) => items.clone(),
        other => vec![other.clone()],
    }
}

fn has_guards(r: &Resource) -> bool {
    r.param("onlyif").is_some() || r.param("unless").is_some()
}

/// Run the guards: true when every `onlyif` exits 0 and every `unless` exits non-zero.
fn guards_pass(r: &Resource, cx: &mut Context) -> Result<bool, ProviderError> {
    if let Some(v) = r.param("onlyif") {
        for g in guard_list(v) {
            let cmd = build_cmd(r, &g, cx)?;
            if !cx.run(&cmd)?.success() {
                return Ok(false);
            }
        }
    }
    if let Some(v) = r.param("unless") {
        for g in guard_list(v) {
            let cmd = build_cmd(r, &g, cx)?;
            if cx.run(&cmd)?.success() {
                return Ok(false);
            }
        }
    }
    Ok(true)
}

/// Whether `creates` names a path that exists (or is predicted to).
fn created(r: &Resource, cx: &Context) -> bool {
    r.param("creates").is_some_and(|c| {
        c.as_list().iter().any(|p| {
            let p = p.to_string();
            !matches!(
                cx.view(Path::new(&p)),
                Ok(crate::context::FileView::Missing)
            )
        })
    })
}

fn returns(r: &Resource) -> Vec<i32> {
    match r.param("returns") {
        Some(v) => v
            .as_list()
            .iter()
            .filter_map(|x| x.to_string().parse().ok())
            .collect(),
        None => vec![0],
    }
}

fn command_of(r: &Resource) -> Value {
    r.param("command")
        .cloned()
        .unwrap_or_else(|| Value::String(r.title.clone()))
}

/// Run the command with tries/try_sleep; the output of the last try and whether it returned
/// an accepted code.
fn run_command(r: &Resource, command: &Value, cx: &mut Context) -> Result<Event, ProviderError> {
    let cmd = build_cmd(r, command, cx)?;
    let tries = r
        .param("tries")
        .and_then(|t| t.to_string().parse::<u32>().ok())
        .unwrap_or(1)
        .max(1);
    let sleep = r
        .param("try_sleep")
        .and_then(|t| t.to_string().parse::<f64>().ok())
        .unwrap_or(0.0);
    let ok_codes = returns(r);
    // Puppet's words for a Sensitive command: its text and output are never shown.
    let secret = command.is_sensitive();
    let output = |o: &Output| {
        if secret {
            "[output redacted]".to_string()
        } else {
            o.combined()
        }
    };
    let mut last = Output::default();
    for attempt in 0..tries {
        if attempt > 0 && sleep > 0.0 {
            std::thread::sleep(Duration::try_from_secs_f64(sleep).unwrap_or(Duration::MAX));
        }
        last = cx.run(&cmd)?;
        if last.code.is_some_and(|c| ok_codes.contains(&c)) {
            let logoutput = r.param("logoutput").map(|v| v.to_string());
            return Ok(Event {
                property: "returns".into(),
                message: "executed successfully".into(),
                kind: EventKind::Executed,
                output: (logoutput.as_deref() == Some("true")).then(|| output(&last)),
            });
        }
    }
    let text = if secret {
        "[command redacted]".to_string()
    } else {
        format!("'{}'", command_text(command))
    };
    let codes = ok_codes
        .iter()
        .map(|c| c.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let message = if last.timed_out {
        format!(
            "Command exceeded timeout: {text} was killed after {} seconds",
            cmd.timeout.map_or(0, |t| t.as_secs())
        )
    } else {
        format!(
            "{text} returned {} instead of one of [{codes}]",
            last.code.map_or("a signal".to_string(), |c| c.to_string())
        )
    };
    let show = r.param("logoutput").map(|v| v.to_string()).as_deref() != Some("false");
    Err(ProviderError::Command {
        message,
        output: if show { output(&last) } else { String::new() },
    })
}

impl Provider for ExecProvider {
    fn name(&self) -> &'static str {
        "posix"
    }

    fn inspect(&self, r: &Resource, cx: &mut Context) -> Result<State, ProviderError> {
        let mut st = State::default();
        st.set("returns", Some("notrun".into()));
        if created(r, cx) {
            st.set("creates", Some("exists".into()));
            return Ok(st);
        }
        // Find the program now, so that a dry run reports a missing command instead of
        // promising to run it; one a pending package would install is pending on it.
        if let Err(e) = build_cmd(r, &command_of(r), cx) {
            match cx.pending_creator() {
                Some(p) if matches!(e, ProviderError::Invalid(_)) => {
                    st.pending_on = Some(p.to_string())
                }
                _ => return Err(e),
            }
        }
        let refreshonly = r.param("refreshonly").and_then(Value::as_bool) == Some(true);
        if has_guards(r) && !refreshonly && cx.guards == Guards::Run {
            st.guards_pass = Some(guards_pass(r, cx)?);
        }
        Ok(st)
    }

    fn plan(&self, r: &Resource, st: &State, _cx: &Context) -> Result<Vec<Change>, ProviderError> {
        if r.param("refreshonly").and_then(Value::as_bool) == Some(true)
            || st.get("creates").is_some()
            || st.guards_pass == Some(false)
        {
            return Ok(Vec::new());
        }
        let codes = returns(r)
            .iter()
            .map(|c| c.to_string())
            .collect::<Vec<_>>()
            .join(", ");
        let unknown = has_guards(r) && st.guards_pass.is_none();
        Ok(vec![Change::with_message(
            "returns",
            (!unknown).then(|| "notrun".to_string()),
            Some(codes),
            if unknown {
                "would run unless its onlyif/unless guards say otherwise"
            } else {
                "executed successfully"
            },
        )])
    }

    fn apply(
        &self,
        r: &Resource,
        changes: &[Change],
        cx: &mut Context,
    ) -> Result<Vec<Event>, ProviderError> {
        let Some(c) = changes.iter().find(|c| c.property == "returns") else {
            return Ok(Vec::new());
        };
        if c.before.is_none() && !guards_pass(r, cx)? {
            return Ok(Vec::new());
        }
        if r.param("creates").is_none() && !has_guards(r) {
            // The report's notes carry it: a run that changes the host every time is worth
            // a person's attention (the classic `sed -i` exec).
            cx.warnings.push(
                "not idempotent: an exec without creates, onlyif, unless or refreshonly runs \
                 (and may change the host) on every apply"
                    .into(),
            );
        }
        Ok(vec![run_command(r, &command_of(r), cx)?])
    }

    fn predict(&self, r: &Resource, _changes: &[Change], cx: &mut Context) {
        // A command may create anything; files it names in `creates` are pending on it.
        if r.param("creates").is_some() {
            cx.add_pending_creator(r.reference().to_string());
        }
    }

    fn refresh(&self, r: &Resource, cx: &mut Context) -> Result<Vec<Event>, ProviderError> {
        if created(r, cx) || !guards_pass(r, cx)? {
            return Ok(Vec::new());
        }
        let command = r.param("refresh").cloned().unwrap_or_else(|| command_of(r));
        Ok(vec![run_command(r, &command, cx)?])
    }

    fn refreshable(&self, _r: &Resource) -> bool {
        true
    }
}
