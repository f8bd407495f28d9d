//! The `host` provider: one entry of /etc/hosts (or `target`), written atomically.
//!
//! An entry is the line whose canonical name (second field) is the resource's name; comments
//! and other entries are kept byte for byte.

use crate::context::{Context, FileView};
use crate::fsutil::{self, WriteSpec};
use crate::provider::{Change, Event, EventKind, Provider, ProviderError, State};
use converge_catalog::Resource;
use std::path::PathBuf;

/// The `host` provider.
#[derive(Debug, Default)]
pub struct HostProvider;

/// A parsed hosts line.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    ip: String,
    name: String,
    aliases: Vec<String>,
    comment: Option<String>,
}

fn parse_line(line: &str) -> Option<Entry> {
    let (body, comment) = match line.split_once('#') {
        Some((b, c)) => (b, Some(c.trim().to_string()).filter(|c| !c.is_empty())),
        None => (line, None),
    };
    let mut f = body.split_whitespace();
    let ip = f.next()?.to_string();
    let name = f.next()?.to_string();
    Some(Entry {
        ip,
        name,
        aliases: f.map(str::to_string).collect(),
        comment,
    })
}

fn format_entry(e: &Entry) -> String {
    let mut s = format!("{}\t{}", e.ip, e.name);
    if !e.aliases.is_empty() {
        s.push('\t');
        s.push_str(&e.aliases.join(" "));
    }
    if let Some(c) = &e.comment {
        s.push_str("\t# ");
        s.push_str(c);
    }
    s
}

fn target(r: &Resource) -> PathBuf {
    PathBuf::from(r.param_str("target").unwrap_or("/etc/hosts"))
}

fn wanted(r: &Resource, current: Option<&Entry>) -> Entry {
    let name = r.name_or_title("name").to_string();
    Entry {
        ip: r
            .param_str("ip")
            .map(str::to_string)
            .or_else(|| current.map(|c| c.ip.clone()))
            .unwrap_or_default(),
        aliases: match r.param("host_aliases") {
            Some(v) => v.as_list().iter().map(|a| a.to_string()).collect(),
            None => current.map(|c| c.aliases.clone()).unwrap_or_default(),
        },
        comment: match r.param_str("comment") {
            Some(c) => Some(c.to_string()),
            None => current.and_then(|c| c.comment.clone()),
        },
        name,
    }
}

/// The new hosts file for a resource, or `None` when in sync.
fn edit(r: &Resource, content: &str) -> Option<String> {
    let name = r.name_or_title("name");
    let absent = r.param_str("ensure") == Some("absent");
    let lines: Vec<&str> = content.lines().collect();
    let pos = lines
        .iter()
        .position(|l| parse_line(l).is_some_and(|e| e.name == name));
    let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    match (pos, absent) {
        (None, true) => return None,
        (Some(i), true) => {
            out.remove(i);
        }
        (None, false) => out.push(format_entry(&wanted(r, None))),
        (Some(i), false) => {
            let cur = parse_line(lines[i])?;
            let w = wanted(r, Some(&cur));
            if w == cur {
                return None;
            }
            out[i] = format_entry(&w);
        }
    }
    let mut s = out.join("\n");
    if !s.is_empty() {
        s.push('\n');
    }
    Some(s)
}

impl Provider for HostProvider {
    fn name(&self) -> &'static str {
        "parsed"
    }

    fn inspect(&self, r: &Resource, cx: &mut Context) -> Result<State, ProviderError> {
        let mut st = State::default();
        match cx.view(&target(r))? {
            FileView::File { content, .. } => {
                let name = r.name_or_title("name");
                let text = String::from_utf8_lossy(&content);
                match text.lines().filter_map(parse_line).find(|e| e.name == name) {
                    Some(e) => {
                        st.set("ensure", Some("present".into()));
                        st.set("ip", Some(e.ip));
                        st.set("host_aliases", Some(e.aliases.join(" ")));
                        st.set("comment", e.comment);
                    }
                    None => st.set("ensure", Some("absent".into())),
                }
                st.content = Some(content);
            }
            FileView::Missing => {
                st.set("ensure", Some("absent".into()));
                st.content = None;
            }
            other => {
                return Err(ProviderError::Invalid(format!(
                    "{} is {other}, not a regular file",
                    target(r).display()
                )))
            }
        }
        Ok(st)
    }

    fn plan(&self, r: &Resource, st: &State, _cx: &Context) -> Result<Vec<Change>, ProviderError> {
        let old = st.content.clone().unwrap_or_default();
        let Some(new) = edit(r, &String::from_utf8_lossy(&old)) else {
            return Ok(Vec::new());
        };
        let diff = fsutil::unified_diff(
            &target(r).display().to_string(),
            st.content.as_deref(),
            new.as_bytes(),
            false,
        );
        let absent = r.param_str("ensure") == Some("absent");
        let change = match (st.get("ensure"), absent) {
            (Some("present"), true) => Change::with_message(
                "ensure",
                Some("present".into()),
                Some("absent".into()),
                "removed",
            ),
            (Some("present"), false) => {
                let name = r.name_or_title("name");
                let text = String::from_utf8_lossy(&old);
                let cur = text.lines().filter_map(parse_line).find(|e| e.name == name);
                let w = wanted(r, cur.as_ref());
                match cur {
                    Some(c) if c.ip != w.ip => Change::changed("ip", Some(c.ip), Some(w.ip)),
                    Some(c) if c.aliases != w.aliases => Change::changed(
                        "host_aliases",
                        Some(c.aliases.join(" ")),
                        Some(w.aliases.join(" ")),
                    ),
                    c => Change::changed("comment", c.and_then(|c| c.comment), w.comment),
                }
            }
            _ => Change::with_message(
                "ensure",
                Some("absent".into()),
                Some("present".into()),
                "created",
            ),
        };
        Ok(vec![change.diff(diff)])
    }

    fn apply(
        &self,
        r: &Resource,
        changes: &[Change],
        cx: &mut Context,
    ) -> Result<Vec<Event>, ProviderError> {
        let path = target(r);
        // A missing hosts file is created, root's and world-readable as Debian ships it.
        let (old, ws) = fsutil::read_for_edit(&path)?.unwrap_or_else(|| {
            let ws = WriteSpec {
                mode: 0o644,
                ..Default::default()
            };
            (Vec::new(), ws)
        });
        if let Some(new) = edit(r, &String::from_utf8_lossy(&old)) {
            fsutil::atomic_write(&path, new.as_bytes(), &ws, cx)?;
        }
        Ok(changes
            .iter()
            .map(|c| Event::from_change(c, EventKind::Changed))
            .collect())
    }

    fn predict(&self, r: &Resource, _changes: &[Change], cx: &mut Context) {
        let path = target(r);
        let (old, mode, uid, gid) = match cx.view(&path) {
            Ok(FileView::File {
                content,
                mode,
                uid,
                gid,
            }) => (content, mode, uid, gid),
            _ => (Vec::new(), 0o644, 0, 0),
        };
        if let Some(new) = edit(r, &String::from_utf8_lossy(&old)) {
            cx.predict_path(
                &path,
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
