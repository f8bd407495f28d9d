//! The `user` and `group` providers: state read straight from /etc/passwd and /etc/group
//! (cached per run), changes with useradd/usermod/userdel and groupadd/groupmod/groupdel.

use crate::context::{Cmd, Context};
use crate::provider::{Change, Event, EventKind, Provider, ProviderError, State};
use converge_catalog::{Resource, Value};

/// The `user` provider (useradd).
#[derive(Debug, Default)]
pub struct UserProvider;

/// The `group` provider (groupadd).
#[derive(Debug, Default)]
pub struct GroupProvider;

fn name_of(r: &Resource) -> &str {
    r.name_or_title("name")
}

fn wants_absent(r: &Resource) -> bool {
    r.param_str("ensure") == Some("absent")
}

/// The plan when `ensure` decides it alone: removing an account that exists (or nothing, if
/// it is gone), creating one that is missing. `None` when the account exists and stays, so
/// its properties are compared.
fn plan_ensure(r: &Resource, st: &State) -> Option<Vec<Change>> {
    let present = st.get("ensure") == Some("present");
    if wants_absent(r) {
        let remove = Change::with_message(
            "ensure",
            Some("present".into()),
            Some("absent".into()),
            "removed",
        );
        return Some(if present { vec![remove] } else { Vec::new() });
    }
    (!present).then(|| {
        vec![Change::with_message(
            "ensure",
            Some("absent".into()),
            Some("present".into()),
            "created",
        )]
    })
}

/// The names in a `groups` or `members` value (one name or an array), comma-joined as
/// useradd, usermod and gpasswd take them; `sorted` for comparing with the host's lists.
fn name_list(v: &Value, sorted: bool) -> String {
    let mut names: Vec<String> = v.as_list().iter().map(|x| x.to_string()).collect();
    if sorted {
        names.sort();
    }
    names.join(",")
}

/// Whether the changes create the account.
fn creates(changes: &[Change]) -> bool {
    changes
        .iter()
        .any(|c| c.property == "ensure" && c.after.as_deref() == Some("present"))
}

/// Runs one account command for change `c`: the cached passwd and group are stale after it,
/// even when it fails half-way.
fn run_account_cmd(argv: &[String], c: &Change, cx: &mut Context) -> Result<Event, ProviderError> {
    let res = cx.run_ok(&Cmd::new(argv));
    cx.invalidate_accounts();
    res?;
    Ok(Event::from_change(c, EventKind::Changed))
}

/// Properties compared for users: (attribute, current value from passwd).
const USER_PROPS: &[&str] = &["uid", "gid", "home", "shell", "comment", "groups"];

fn user_want(r: &Resource, prop: &str, cx: &Context) -> Option<String> {
    let v = r.param(prop)?;
    Some(match prop {
        // A gid given as a group name compares by number.
        "gid" => {
            let s = v.to_string();
            cx.cached_gid(&s).map_or(s, |g| g.to_string())
        }
        "groups" => name_list(v, true),
        _ => v.to_string(),
    })
}

impl Provider for UserProvider {
    fn name(&self) -> &'static str {
        "useradd"
    }

    fn predict(&self, r: &Resource, changes: &[Change], cx: &mut Context) {
        predict_account(true, r, changes, cx);
    }

    fn inspect(&self, r: &Resource, cx: &mut Context) -> Result<State, ProviderError> {
        let name = name_of(r).to_string();
        let mut st = State::default();
        let entry = cx.passwd().iter().find(|p| p.name == name).cloned();
        let Some(p) = entry else {
            st.set("ensure", Some("absent".into()));
            return Ok(st);
        };
        let mut groups: Vec<String> = cx
            .groups()
            .iter()
            .filter(|g| g.members.contains(&name))
            .map(|g| g.name.clone())
            .collect();
        groups.sort();
        st.set("ensure", Some("present".into()));
        st.set("uid", Some(p.uid.to_string()));
        st.set("gid", Some(p.gid.to_string()));
        st.set("home", Some(p.home));
        st.set("shell", Some(p.shell));
        st.set("comment", Some(p.comment));
        st.set("groups", Some(groups.join(",")));
        Ok(st)
    }

    fn plan(&self, r: &Resource, st: &State, cx: &Context) -> Result<Vec<Change>, ProviderError> {
        if let Some(changes) = plan_ensure(r, st) {
            return Ok(changes);
        }
        let mut out = Vec::new();
        for prop in USER_PROPS {
            let Some(want) = user_want(r, prop, cx) else {
                continue;
            };
            let have = st.get(prop).unwrap_or("");
            let differs = if *prop == "groups" && r.param_str("membership") != Some("inclusive") {
                // Minimum membership: only missing groups count.
                want.split(',')
                    .filter(|g| !g.is_empty())
                    .any(|g| !have.split(',').any(|h| h == g))
            } else {
                have != want
            };
            if differs {
                out.push(Change::changed(prop, Some(have.into()), Some(want)));
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
        let name = name_of(r).to_string();
        let flag = |n: &str| r.param(n).and_then(Value::as_bool).unwrap_or(false);
        let mut events = Vec::new();
        for c in changes {
            let mut argv: Vec<String>;
            match (c.property.as_str(), c.after.as_deref()) {
                ("ensure", Some("absent")) => {
                    argv = vec!["/usr/sbin/userdel".into()];
                    if flag("managehome") {
                        argv.push("-r".into());
                    }
                }
                ("ensure", _) => {
                    argv = vec!["/usr/sbin/useradd".into()];
                    for (attr, opt) in [
                        ("uid", "-u"),
                        ("gid", "-g"),
                        ("home", "-d"),
                        ("shell", "-s"),
                        ("comment", "-c"),
                        ("password", "-p"),
                        ("expiry", "-e"),
                    ] {
                        if let Some(v) = r.param(attr) {
                            argv.push(opt.into());
                            argv.push(v.unwrap_sensitive().to_string());
                        }
                    }
                    if let Some(g) = r.param("groups") {
                        argv.push("-G".into());
                        argv.push(name_list(g, false));
                    }
                    if flag("managehome") {
                        argv.push("-m".into());
                    }
                    if flag("system") {
                        argv.push("-r".into());
                    }
                }
                (prop, Some(v)) => {
                    let opt = match prop {
                        "uid" => "-u",
                        "gid" => "-g",
                        "home" => "-d",
                        "shell" => "-s",
                        "comment" => "-c",
                        "groups" => "-G",
                        _ => continue,
                    };
                    argv = vec!["/usr/sbin/usermod".into(), opt.into()];
                    if prop == "groups" && r.param_str("membership") != Some("inclusive") {
                        // Minimum membership adds to the groups the user already has.
                        argv.insert(1, "-a".into());
                    }
                    argv.push(v.to_string());
                }
                _ => continue,
            }
            argv.push(name.clone());
            events.push(run_account_cmd(&argv, c, cx)?);
        }
        Ok(events)
    }
}

/// In a dry run, a user or group about to be created resolves for later resources (a file's
/// owner), which are then planned instead of failing.
fn predict_account(is_user: bool, r: &Resource, changes: &[Change], cx: &mut Context) {
    if creates(changes) {
        cx.add_pending_account(is_user, name_of(r));
    }
}

impl Provider for GroupProvider {
    fn name(&self) -> &'static str {
        "groupadd"
    }

    fn predict(&self, r: &Resource, changes: &[Change], cx: &mut Context) {
        predict_account(false, r, changes, cx);
    }

    fn inspect(&self, r: &Resource, cx: &mut Context) -> Result<State, ProviderError> {
        let name = name_of(r).to_string();
        let mut st = State::default();
        match cx.groups().iter().find(|g| g.name == name) {
            Some(g) => {
                let mut m = g.members.clone();
                m.sort();
                st.set("ensure", Some("present".into()));
                st.set("gid", Some(g.gid.to_string()));
                st.set("members", Some(m.join(",")));
            }
            None => st.set("ensure", Some("absent".into())),
        }
        Ok(st)
    }

    fn plan(&self, r: &Resource, st: &State, _cx: &Context) -> Result<Vec<Change>, ProviderError> {
        if let Some(changes) = plan_ensure(r, st) {
            return Ok(changes);
        }
        let mut out = Vec::new();
        if let Some(gid) = r.param("gid").map(|v| v.to_string()) {
            if st.get("gid") != Some(gid.as_str()) {
                out.push(Change::changed(
                    "gid",
                    st.get("gid").map(str::to_string),
                    Some(gid),
                ));
            }
        }
        if let Some(m) = r.param("members") {
            let want = name_list(m, true);
            if st.get("members") != Some(want.as_str()) {
                out.push(Change::changed(
                    "members",
                    st.get("members").map(str::to_string),
                    Some(want),
                ));
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
        let name = name_of(r).to_string();
        let mut events = Vec::new();
        for c in changes {
            let argv: Vec<String> = match (c.property.as_str(), c.after.as_deref()) {
                ("ensure", Some("absent")) => vec!["/usr/sbin/groupdel".into(), name.clone()],
                ("ensure", _) => {
                    let mut a = vec!["/usr/sbin/groupadd".to_string()];
                    if let Some(g) = r.param("gid") {
                        a.push("-g".into());
                        a.push(g.to_string());
                    }
                    if r.param("system").and_then(Value::as_bool) == Some(true) {
                        a.push("-r".into());
                    }
                    a.push(name.clone());
                    a
                }
                ("gid", Some(g)) => vec![
                    "/usr/sbin/groupmod".into(),
                    "-g".into(),
                    g.into(),
                    name.clone(),
                ],
                ("members", Some(m)) => vec![
                    "/usr/bin/gpasswd".into(),
                    "-M".into(),
                    m.into(),
                    name.clone(),
                ],
                _ => continue,
            };
            events.push(run_account_cmd(&argv, c, cx)?);
        }
        // Members given at creation are set right after it.
        if creates(changes) {
            if let Some(m) = r.param("members") {
                let list = name_list(m, false);
                cx.run_ok(&Cmd::new(&["/usr/bin/gpasswd", "-M", &list, &name]))?;
                cx.invalidate_accounts();
            }
        }
        Ok(events)
    }
}
