//! puppetlabs-inifile's `ini_setting` and `ini_subsetting`, natively: the module's
//! semantics and messages, its file format through [`crate::inifile`], and converge's
//! edit-in-place skeleton (an atomic write keeping the file's mode and owner; a new file is
//! 0644). Dry runs show the file's diff (unless `show_diff` is `false` or `md5`).
//!
//! Semantics kept from the module: a missing section is created unless
//! `force_new_section_creation => false` (then nothing happens); `refreshonly => true`
//! changes the setting only on a refresh event; `value` is compared after stripping
//! whitespace (booleans and numbers as their text); event messages print values bare
//! (`value changed 1 to 2`), as md5 sums with `show_diff => md5`, and redacted with
//! `show_diff => false` or a Sensitive value.
//!
//! Where converge does better: `ini_subsetting`'s `delete_if_empty => false` keeps the
//! emptied setting (the module deletes it whatever the value says: its `:false` is true in
//! Ruby); an `ensure => absent` that has nothing to remove (no `setting`) is no change, where
//! the module reports "removed" on every run.

use crate::context::{Context, FileView};
use crate::fsutil::{self, WriteSpec};
use crate::inifile::{Format, IniFile, Insert, SettingValue};
use crate::provider::{Change, Event, EventKind, Provider, ProviderError, State};
use converge_catalog::{Resource, Value};
use md5::{Digest, Md5};
use std::path::{Path, PathBuf};

/// The `ini_setting` provider.
#[derive(Debug, Default)]
pub struct IniSettingProvider;

/// The `ini_subsetting` provider.
#[derive(Debug, Default)]
pub struct IniSubsettingProvider;

fn path_of(r: &Resource) -> Result<PathBuf, ProviderError> {
    r.param_str("path")
        .map(PathBuf::from)
        .ok_or_else(|| ProviderError::Invalid("path is a required attribute".into()))
}

fn str_param<'a>(r: &'a Resource, name: &str, default: &'a str) -> &'a str {
    r.param_str(name).unwrap_or(default)
}

fn flag(r: &Resource, name: &str, default: bool) -> bool {
    match r.param(name).map(Value::unwrap_sensitive) {
        Some(Value::String(s)) if s == "yes" => true,
        Some(Value::String(s)) if s == "no" => false,
        Some(v) => v.as_bool().unwrap_or(default),
        None => default,
    }
}

/// Ruby's `strip`: ASCII whitespace and NUL.
fn strip(s: &str) -> &str {
    s.trim_matches(|c: char| " \t\n\x0B\x0C\r\0".contains(c))
}

/// `value` as the module munges it: booleans and numbers as text, strings stripped.
fn wanted_value(r: &Resource) -> Option<String> {
    match r.param("value").map(Value::unwrap_sensitive) {
        None | Some(Value::Undef) => None,
        Some(Value::String(s)) => Some(strip(s).to_string()),
        Some(v) => Some(v.to_string()),
    }
}

/// How values appear in messages: bare, `{md5}<hex>`, or redacted.
fn shown(r: &Resource, v: Option<&str>) -> String {
    let redacted = r.param("value").is_some_and(Value::is_sensitive);
    match (redacted, str_param(r, "show_diff", "true")) {
        (false, "true" | "yes") => v.unwrap_or("").to_string(),
        (false, "md5") => format!("{{md5}}{:x}", Md5::digest(v.unwrap_or("").as_bytes())),
        _ => "[redacted sensitive information]".to_string(),
    }
}

/// Whether the file's diff may be shown.
fn diff_allowed(r: &Resource) -> bool {
    matches!(str_param(r, "show_diff", "true"), "true" | "yes")
        && !r.param("value").is_some_and(Value::is_sensitive)
}

/// The file's current text, or "" when it does not exist yet; Ruby's error for bytes that
/// are not UTF-8.
fn text_of(st: &State, path: &Path) -> Result<String, ProviderError> {
    match &st.content {
        None => Ok(String::new()),
        Some(b) => String::from_utf8(b.clone()).map_err(|_| {
            ProviderError::Invalid(format!(
                "invalid byte sequence in UTF-8 in {}",
                path.display()
            ))
        }),
    }
}

/// Read the INI file for an edit. A missing file is fine (it will be created) unless its
/// directory is missing too: then it is pending on a change that may create it, or an error.
fn inspect_file(r: &Resource, cx: &mut Context) -> Result<State, ProviderError> {
    let path = path_of(r)?;
    let mut st = State::default();
    match cx.view(&path)? {
        FileView::File { content, .. } => st.content = Some(content),
        FileView::Missing => {
            let parent = path.parent().unwrap_or(Path::new("/"));
            if !cx.is_dir(parent) {
                match cx.pending_creator() {
                    Some(p) => st.pending_on = Some(p.to_string()),
                    None => {
                        return Err(ProviderError::Invalid(format!(
                            "No such file or directory @ rb_sysopen - {}",
                            path.display()
                        )))
                    }
                }
            }
        }
        other => {
            return Err(ProviderError::Invalid(format!(
                "{} is not a regular file ({other:?})",
                path.display()
            )))
        }
    }
    Ok(st)
}

/// One planned edit: the change as reported, and the file's new text.
struct Edit {
    change: Change,
    text: String,
}

/// Turn an edit into the planned change, with the file's diff; `None` when it changes no
/// byte of the file (nothing to report).
fn planned(r: &Resource, st: &State, edit: Option<Edit>) -> Result<Vec<Change>, ProviderError> {
    let path = path_of(r)?;
    let Some(edit) = edit else {
        return Ok(Vec::new());
    };
    if st.content.as_deref() == Some(edit.text.as_bytes()) {
        return Ok(Vec::new());
    }
    let diff = if diff_allowed(r) {
        fsutil::unified_diff(
            &path.display().to_string(),
            st.content.as_deref(),
            edit.text.as_bytes(),
            false,
        )
    } else {
        None
    };
    Ok(vec![edit.change.diff(diff)])
}

/// Write the new text: atomically, keeping an existing file's mode and owner.
fn write(r: &Resource, text: &str, cx: &mut Context) -> Result<(), ProviderError> {
    let path = path_of(r)?;
    let ws = match fsutil::read_for_edit(&path)? {
        Some((_, ws)) => ws,
        None => WriteSpec {
            mode: 0o644,
            ..Default::default()
        },
    };
    fsutil::atomic_write(&path, text.as_bytes(), &ws, cx)
}

/// Apply: re-read the file, redo the edit on what is there now, write it.
fn apply_edit(
    r: &Resource,
    changes: &[Change],
    cx: &mut Context,
    edit: impl Fn(&Resource, &State, bool) -> Result<Option<Edit>, ProviderError>,
    refresh: bool,
) -> Result<Vec<Event>, ProviderError> {
    let path = path_of(r)?;
    let mut st = State::default();
    if let Some((content, _)) = fsutil::read_for_edit(&path)? {
        st.content = Some(content);
    }
    if let Some(e) = edit(r, &st, refresh)? {
        write(r, &e.text, cx)?;
    }
    Ok(changes
        .iter()
        .map(|c| Event::from_change(c, EventKind::Changed))
        .collect())
}

/// Record in a dry run the text the edit leaves.
fn predict_edit(
    r: &Resource,
    cx: &mut Context,
    edit: impl Fn(&Resource, &State, bool) -> Result<Option<Edit>, ProviderError>,
) {
    let Ok(path) = path_of(r) else { return };
    let (mut st, keep) = match cx.view(&path) {
        Ok(FileView::File {
            content,
            mode,
            uid,
            gid,
        }) => (
            State {
                content: Some(content),
                ..State::default()
            },
            (mode, uid, gid),
        ),
        _ => (State::default(), (0o644, 0, 0)),
    };
    if let Ok(Some(e)) = edit(r, &st, false) {
        st.content = Some(e.text.into_bytes());
        cx.predict_path(
            &path,
            FileView::File {
                content: st.content.unwrap_or_default(),
                mode: keep.0,
                uid: keep.1,
                gid: keep.2,
            },
        );
    }
}

fn ensure_change(absent: bool) -> Change {
    if absent {
        Change::with_message(
            "ensure",
            Some("present".into()),
            Some("absent".into()),
            "removed",
        )
    } else {
        Change::with_message(
            "ensure",
            Some("absent".into()),
            Some("present".into()),
            "created",
        )
    }
}

fn value_change(r: &Resource, before: Option<&str>, after: &str) -> Change {
    Change::with_message(
        "value",
        before.map(str::to_string),
        Some(after.to_string()),
        format!(
            "value changed {} to {}",
            shown(r, before),
            shown(r, Some(after))
        ),
    )
}

/// ini_setting's edit of `st`'s file (`refresh`: the edit a refresh event makes).
fn setting_edit(r: &Resource, st: &State, refresh: bool) -> Result<Option<Edit>, ProviderError> {
    let path = path_of(r)?;
    let text = text_of(st, &path)?;
    let sep = str_param(r, "key_val_separator", " = ").to_string();
    let fmt = Format {
        key_val_separator: sep.clone(),
        section_prefix: str_param(r, "section_prefix", "[").to_string(),
        section_suffix: str_param(r, "section_suffix", "]").to_string(),
        indent_char: str_param(r, "indent_char", " ").to_string(),
        indent_width: r.param("indent_width").and_then(|v| match v {
            Value::Integer(i) => usize::try_from(*i).ok(),
            v => v.to_string().trim().parse().ok(),
        }),
    };
    let mut ini = IniFile::parse(&text, fmt);
    let section = str_param(r, "section", "").to_string();
    let setting = r.param_str("setting").map(|s| strip(s).to_string());
    let value = wanted_value(r);
    let absent = r.param_str("ensure") == Some("absent");
    let refreshonly = flag(r, "refreshonly", false);
    if refreshonly && !refresh {
        return Ok(None);
    }
    let exists = match &setting {
        None => ini.has_section(&section),
        Some(s) if ini.has_section(&section) => ini.get_value(&section, s).is_some(),
        Some(_) if !flag(r, "force_new_section_creation", true) => return Ok(None),
        Some(_) => false,
    };
    let set = |ini: &mut IniFile| {
        if setting.is_none() && value.is_none() {
            ini.set_value(&section, None, &sep, None);
        } else {
            ini.set_value(&section, setting.as_deref(), &sep, value.as_deref());
        }
    };
    let change = if absent {
        if !exists {
            return Ok(None);
        }
        if let Some(s) = &setting {
            ini.remove_setting(&section, s);
        }
        ensure_change(true)
    } else if !exists {
        set(&mut ini);
        ensure_change(false)
    } else {
        let current = setting.as_deref().and_then(|s| ini.get_value(&section, s));
        match &value {
            Some(v) if current.as_deref() != Some(v.as_str()) => {
                set(&mut ini);
                value_change(r, current.as_deref(), v)
            }
            _ => return Ok(None),
        }
    };
    Ok(Some(Edit {
        change,
        text: ini.render(),
    }))
}

/// ini_subsetting's edit of `st`'s file.
fn subsetting_edit(
    r: &Resource,
    st: &State,
    _refresh: bool,
) -> Result<Option<Edit>, ProviderError> {
    let path = path_of(r)?;
    let text = text_of(st, &path)?;
    let sep = str_param(r, "key_val_separator", " = ").to_string();
    let mut ini = IniFile::parse(
        &text,
        Format {
            key_val_separator: sep.clone(),
            ..Format::default()
        },
    );
    let section = str_param(r, "section", "").to_string();
    let setting = r
        .param_str("setting")
        .ok_or_else(|| ProviderError::Invalid("setting is a required attribute".into()))?
        .to_string();
    let sub = str_param(r, "subsetting", "").to_string();
    let exact = str_param(r, "use_exact_match", "false") == "true";
    let mut sv = SettingValue::new(
        ini.get_value(&section, &setting).as_deref(),
        str_param(r, "subsetting_separator", " "),
        str_param(r, "quote_char", ""),
        str_param(r, "subsetting_key_val_separator", ""),
    );
    let absent = r.param_str("ensure") == Some("absent");
    let value = r
        .param("value")
        .filter(|v| !v.is_undef())
        .map(|v| v.unwrap_sensitive().to_string());
    let insert = Insert::from_param(r.param_str("insert_type"));
    let insert_value = r.param("insert_value").map(|v| v.to_string());
    let exists = sv.has(&sub, exact);
    let change = if absent {
        if !exists {
            return Ok(None);
        }
        sv.remove(&sub, exact);
        if sv.value().is_empty() && str_param(r, "delete_if_empty", "false") == "true" {
            ini.remove_setting(&section, &setting);
        } else {
            ini.set_value(&section, Some(&setting), &sep, Some(&sv.value()));
        }
        ensure_change(true)
    } else {
        let current = sv.get(&sub);
        let change = if !exists {
            ensure_change(false)
        } else {
            match &value {
                Some(v) if current.as_deref() != Some(v.as_str()) => {
                    value_change(r, current.as_deref(), v)
                }
                _ => return Ok(None),
            }
        };
        sv.add(
            &sub,
            value.as_deref().unwrap_or(""),
            exact,
            insert,
            insert_value.as_deref(),
        );
        ini.set_value(&section, Some(&setting), &sep, Some(&sv.value()));
        change
    };
    Ok(Some(Edit {
        change,
        text: ini.render(),
    }))
}

impl Provider for IniSettingProvider {
    fn name(&self) -> &'static str {
        "ruby"
    }

    fn inspect(&self, r: &Resource, cx: &mut Context) -> Result<State, ProviderError> {
        inspect_file(r, cx)
    }

    fn plan(&self, r: &Resource, st: &State, _cx: &Context) -> Result<Vec<Change>, ProviderError> {
        if st.pending_on.is_some() {
            return Ok(vec![Change::ensure_after_pending_file(
                r.param_str("ensure") == Some("absent"),
            )]);
        }
        planned(r, st, setting_edit(r, st, false)?)
    }

    fn apply(
        &self,
        r: &Resource,
        changes: &[Change],
        cx: &mut Context,
    ) -> Result<Vec<Event>, ProviderError> {
        apply_edit(r, changes, cx, setting_edit, false)
    }

    fn predict(&self, r: &Resource, _changes: &[Change], cx: &mut Context) {
        predict_edit(r, cx, setting_edit);
    }

    fn refresh(&self, r: &Resource, cx: &mut Context) -> Result<Vec<Event>, ProviderError> {
        let path = path_of(r)?;
        let mut st = State::default();
        if let Some((content, _)) = fsutil::read_for_edit(&path)? {
            st.content = Some(content);
        }
        match setting_edit(r, &st, true)? {
            Some(e) if st.content.as_deref() != Some(e.text.as_bytes()) => {
                write(r, &e.text, cx)?;
                Ok(vec![Event::from_change(&e.change, EventKind::Changed)])
            }
            _ => Ok(Vec::new()),
        }
    }

    fn refreshable(&self, r: &Resource) -> bool {
        flag(r, "refreshonly", false)
    }
}

impl Provider for IniSubsettingProvider {
    fn name(&self) -> &'static str {
        "ruby"
    }

    fn inspect(&self, r: &Resource, cx: &mut Context) -> Result<State, ProviderError> {
        inspect_file(r, cx)
    }

    fn plan(&self, r: &Resource, st: &State, _cx: &Context) -> Result<Vec<Change>, ProviderError> {
        if st.pending_on.is_some() {
            return Ok(vec![Change::ensure_after_pending_file(
                r.param_str("ensure") == Some("absent"),
            )]);
        }
        planned(r, st, subsetting_edit(r, st, false)?)
    }

    fn apply(
        &self,
        r: &Resource,
        changes: &[Change],
        cx: &mut Context,
    ) -> Result<Vec<Event>, ProviderError> {
        apply_edit(r, changes, cx, subsetting_edit, false)
    }

    fn predict(&self, r: &Resource, _changes: &[Change], cx: &mut Context) {
        predict_edit(r, cx, subsetting_edit);
    }
}
