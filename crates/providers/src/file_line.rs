//! The `file_line` provider, with puppetlabs-stdlib's semantics (match, after, multiple,
//! replace, append_on_no_match, match_for_absence, replace_all_matches_not_matching_line).
//!
//! Two deliberate differences from stdlib: the file is rewritten atomically (temp file and
//! rename, keeping its mode and owner) rather than in place, and a `line` containing newlines
//! is handled as a block of lines, so it is found again on the next run instead of being
//! appended forever (a warning says so).

use crate::context::Context;
use crate::fsutil;
use crate::provider::{Change, Event, EventKind, Provider, ProviderError, State};
use converge_catalog::{Resource, Value};
use converge_rubyre::Regex;
use std::path::PathBuf;
use std::sync::Arc;

/// The `file_line` provider.
#[derive(Debug, Default)]
pub struct FileLineProvider;

/// A file_line resource's settings, as plain data.
#[derive(Debug, Clone)]
pub struct Spec {
    /// The file.
    pub path: PathBuf,
    /// The line (or block of lines) that must be present or absent.
    pub line: Option<String>,
    /// `ensure => absent`.
    pub absent: bool,
    /// Lines to replace (present) or remove (absent with match_for_absence).
    pub matcher: Option<Arc<Regex>>,
    /// The `match` pattern as written, for messages.
    pub match_src: Option<String>,
    /// Insert after the line this matches.
    pub after: Option<Arc<Regex>>,
    /// The `after` pattern as written.
    pub after_src: Option<String>,
    /// Allow match/after to hit several lines.
    pub multiple: bool,
    /// Replace an existing match (default true).
    pub replace: bool,
    /// Append when nothing matches (default true).
    pub append_on_no_match: bool,
    /// With absent: remove lines matching `match`.
    pub match_for_absence: bool,
    /// Replace every matching line that is not already `line`.
    pub replace_all_matches_not_matching_line: bool,
}

fn bool_param(r: &Resource, name: &str, default: bool) -> bool {
    r.param(name).and_then(Value::as_bool).unwrap_or(default)
}

fn regex_param(r: &Resource, name: &str) -> Result<Option<Arc<Regex>>, ProviderError> {
    r.param_str(name)
        .map(|p| {
            Regex::cached(p).map_err(|e| {
                ProviderError::Invalid(format!("{name}: invalid regular expression '{p}': {e}"))
            })
        })
        .transpose()
}

impl Spec {
    /// Read the settings from a resource.
    pub fn from_resource(r: &Resource) -> Result<Self, ProviderError> {
        let path = r
            .param_str("path")
            .ok_or_else(|| ProviderError::Invalid("path is a required attribute".into()))?;
        Ok(Spec {
            path: PathBuf::from(path),
            line: r.param("line").map(|v| v.unwrap_sensitive().to_string()),
            absent: r.param_str("ensure") == Some("absent"),
            matcher: regex_param(r, "match")?,
            match_src: r.param_str("match").map(str::to_string),
            after: regex_param(r, "after")?,
            after_src: r.param_str("after").map(str::to_string),
            multiple: bool_param(r, "multiple", false),
            replace: bool_param(r, "replace", true),
            append_on_no_match: bool_param(r, "append_on_no_match", true),
            match_for_absence: bool_param(r, "match_for_absence", false),
            replace_all_matches_not_matching_line: bool_param(
                r,
                "replace_all_matches_not_matching_line",
                false,
            ),
        })
    }

    /// The wanted line split into lines (one element unless it contains newlines).
    fn block(&self) -> Vec<&str> {
        match &self.line {
            Some(l) => l.strip_suffix('\n').unwrap_or(l).split('\n').collect(),
            None => Vec::new(),
        }
    }

    /// The content this resource leaves, or `None` when the file is already in sync.
    pub fn edit(&self, content: &str) -> Result<Option<String>, ProviderError> {
        let lines: Vec<&str> = split_lines(content);
        let block = self.block();
        let block_at = |i: usize| !block.is_empty() && lines[i..].starts_with(&block);
        let lines_count = (0..lines.len()).filter(|&i| block_at(i)).count();
        let is_match = |l: &str| self.matcher.as_ref().is_some_and(|m| m.is_match(l));
        let match_count = lines
            .iter()
            .filter(|l| {
                is_match(l)
                    && !(self.replace_all_matches_not_matching_line
                        && block.len() == 1
                        && **l == block[0])
            })
            .count();
        let exists = if self.matcher.is_none() {
            lines_count > 0
        } else if !self.absent {
            if match_count == 0 {
                !(lines_count == 0 && self.append_on_no_match)
            } else if self.replace_all_matches_not_matching_line {
                false
            } else if lines_count == 0 {
                !self.replace
            } else {
                true
            }
        } else if match_count == 0 {
            lines_count > 0
        } else if lines_count == 0 {
            self.match_for_absence
        } else {
            true
        };
        if self.absent {
            if !exists {
                return Ok(None);
            }
            let kept: Vec<&str> = if self.match_for_absence && self.matcher.is_some() {
                if match_count > 1 && !self.multiple {
                    return Err(self.more_than_one_match());
                }
                lines.iter().copied().filter(|l| !is_match(l)).collect()
            } else {
                remove_blocks(&lines, &block)
            };
            return Ok(Some(join_like(&kept, content)));
        }
        if exists {
            return Ok(None);
        }
        if !self.replace && match_count > 0 {
            return Ok(None);
        }
        let mut out: Vec<&str> = Vec::with_capacity(lines.len() + block.len());
        if self.matcher.is_some() {
            let mut count = match_count;
            if count > 1 && !self.multiple && !self.replace_all_matches_not_matching_line {
                return Err(self.more_than_one_match());
            }
            for l in &lines {
                if is_match(l) {
                    out.extend(&block);
                } else {
                    out.push(l);
                }
                if count == 0 && self.after.as_ref().is_some_and(|a| a.is_match(l)) {
                    out.extend(&block);
                    count += 1;
                }
            }
            if count == 0 {
                out.extend(&block);
            }
        } else if let Some(after) = &self.after {
            let after_count = lines.iter().filter(|l| after.is_match(l)).count();
            if after_count > 1 && !self.multiple {
                return Err(ProviderError::Invalid(format!(
                    "{after_count} lines match pattern '{}' in file '{}'.  One or no line must match the pattern.",
                    self.after_src.as_deref().unwrap_or(""),
                    self.path.display()
                )));
            }
            for l in &lines {
                out.push(l);
                if after.is_match(l) {
                    out.extend(&block);
                }
            }
            if after_count == 0 {
                out.extend(&block);
            }
        } else {
            out.extend(&lines);
            out.extend(&block);
        }
        let mut s = out.join("\n");
        s.push('\n');
        Ok(Some(s))
    }

    fn more_than_one_match(&self) -> ProviderError {
        ProviderError::Invalid(format!(
            "More than one line in file '{}' matches pattern '{}'",
            self.path.display(),
            self.match_src.as_deref().unwrap_or("")
        ))
    }
}

/// Lines without their terminators (a final newline does not start an empty line).
fn split_lines(content: &str) -> Vec<&str> {
    let body = content.strip_suffix('\n').unwrap_or(content);
    if content.is_empty() {
        Vec::new()
    } else {
        body.split('\n').collect()
    }
}

/// Join kept lines, ending with a newline unless the original did not.
fn join_like(lines: &[&str], original: &str) -> String {
    let mut s = lines.join("\n");
    if !lines.is_empty() && (original.ends_with('\n') || original.is_empty()) {
        s.push('\n');
    }
    s
}

fn remove_blocks<'a>(lines: &[&'a str], block: &[&str]) -> Vec<&'a str> {
    let mut out = Vec::with_capacity(lines.len());
    let mut i = 0;
    while i < lines.len() {
        if !block.is_empty() && lines[i..].starts_with(block) {
            i += block.len();
        } else {
            out.push(lines[i]);
            i += 1;
        }
    }
    out
}

impl Provider for FileLineProvider {
    fn name(&self) -> &'static str {
        "ruby"
    }

    fn inspect(&self, r: &Resource, cx: &mut Context) -> Result<State, ProviderError> {
        let spec = Spec::from_resource(r)?;
        let mut st = State::default();
        if spec.block().len() > 1 {
            cx.warnings.push(format!(
                "{}: line contains a newline; managed as a block of lines",
                r.reference()
            ));
        }
        let path = crate::nginx_directive::edited_path(&spec.path)?;
        cx.inspect_for_edit(
            &path,
            || {
                format!(
                    "No such file or directory @ rb_sysopen - {}",
                    spec.path.display()
                )
            },
            &mut st,
        )?;
        if st.content.is_some() {
            st.set("ensure", Some("file".into()));
        }
        Ok(st)
    }

    fn plan(&self, r: &Resource, st: &State, _cx: &Context) -> Result<Vec<Change>, ProviderError> {
        let spec = Spec::from_resource(r)?;
        let Some(old) = &st.content else {
            return Ok(vec![Change::ensure_after_pending_file(spec.absent)]);
        };
        let text = String::from_utf8_lossy(old);
        let Some(new) = spec.edit(&text)? else {
            return Ok(Vec::new());
        };
        let sensitive = r.param("line").is_some_and(Value::is_sensitive);
        let diff = fsutil::unified_diff(
            &spec.path.display().to_string(),
            Some(old),
            new.as_bytes(),
            sensitive,
        );
        let (before, after, msg) = if spec.absent {
            ("present", "absent", "removed")
        } else {
            ("absent", "present", "created")
        };
        Ok(vec![Change::with_message(
            "ensure",
            Some(before.into()),
            Some(after.into()),
            msg,
        )
        .diff(diff)])
    }

    fn apply(
        &self,
        r: &Resource,
        changes: &[Change],
        cx: &mut Context,
    ) -> Result<Vec<Event>, ProviderError> {
        let spec = Spec::from_resource(r)?;
        // A symbolic link is edited through (its target changes, the link stays), as
        // Puppet does, when only root can change it.
        let path = crate::nginx_directive::edited_path(&spec.path)?;
        let Some((content, ws)) = fsutil::read_for_edit(&path)? else {
            return Err(ProviderError::Invalid(format!(
                "No such file or directory @ rb_sysopen - {}",
                spec.path.display()
            )));
        };
        let text = String::from_utf8_lossy(&content);
        if let Some(new) = spec.edit(&text)? {
            fsutil::atomic_write(&path, new.as_bytes(), &ws, cx)?;
        }
        Ok(changes
            .iter()
            .map(|c| Event::from_change(c, EventKind::Changed))
            .collect())
    }

    fn predict(&self, r: &Resource, _changes: &[Change], cx: &mut Context) {
        let Ok(spec) = Spec::from_resource(r) else {
            return;
        };
        let Ok(path) = crate::nginx_directive::edited_path(&spec.path) else {
            return;
        };
        cx.predict_edit(&path, |text| spec.edit(text).ok().flatten());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(params: &[(&str, Value)]) -> Spec {
        let mut r = Resource::new("file_line", "t");
        r.params.insert("path".into(), "/f".into());
        for (k, v) in params {
            r.params.insert(k.to_string(), v.clone());
        }
        Spec::from_resource(&r).unwrap()
    }

    /// Apply an edit and check that applying it again changes nothing.
    fn edit_twice(s: &Spec, content: &str) -> Option<String> {
        let once = s.edit(content).unwrap();
        if let Some(new) = &once {
            assert_eq!(s.edit(new).unwrap(), None, "not idempotent on {new:?}");
        }
        once
    }

    #[test]
    fn plain_line_is_appended_once_and_keeps_a_missing_final_newline_fixed() {
        let s = spec(&[("line", "b".into())]);
        assert_eq!(edit_twice(&s, "a").as_deref(), Some("a\nb\n"));
        assert_eq!(edit_twice(&s, "a\nb\n"), None);
        assert_eq!(edit_twice(&s, "").as_deref(), Some("b\n"));
    }

    #[test]
    fn replace_false_and_append_on_no_match_false() {
        let s = spec(&[
            ("line", "x=2".into()),
            ("match", "^x=".into()),
            ("replace", Value::Bool(false)),
        ]);
        assert_eq!(edit_twice(&s, "x=1\n"), None);
        assert_eq!(edit_twice(&s, "y\n").as_deref(), Some("y\nx=2\n"));
        let s = spec(&[
            ("line", "x=2".into()),
            ("match", "^x=".into()),
            ("append_on_no_match", Value::Bool(false)),
        ]);
        assert_eq!(edit_twice(&s, "y\n"), None);
        assert_eq!(edit_twice(&s, "x=1\n").as_deref(), Some("x=2\n"));
    }

    #[test]
    fn after_several_matches_needs_multiple() {
        let s = spec(&[("line", "new".into()), ("after", "^a".into())]);
        let e = s.edit("a1\na2\n").unwrap_err().to_string();
        assert_eq!(
            e,
            "2 lines match pattern '^a' in file '/f'.  One or no line must match the pattern."
        );
        let s = spec(&[
            ("line", "new".into()),
            ("after", "^a".into()),
            ("multiple", Value::Bool(true)),
        ]);
        assert_eq!(
            s.edit("a1\na2\n").unwrap().as_deref(),
            Some("a1\nnew\na2\nnew\n")
        );
    }

    #[test]
    fn match_with_after_inserts_after_when_nothing_matches() {
        let s = spec(&[
            ("line", "add_header X 1;".into()),
            ("match", "^add_header X ".into()),
            ("after", "server_name".into()),
        ]);
        assert_eq!(
            edit_twice(&s, "server {\nserver_name _;\n}\n").as_deref(),
            Some("server {\nserver_name _;\nadd_header X 1;\n}\n")
        );
        assert_eq!(
            edit_twice(&s, "server {\nadd_header X 0;\n}\n").as_deref(),
            Some("server {\nadd_header X 1;\n}\n")
        );
    }

    #[test]
    fn replace_all_matches_not_matching_line() {
        let s = spec(&[
            ("line", "k=v".into()),
            ("match", "^k=".into()),
            ("replace_all_matches_not_matching_line", Value::Bool(true)),
        ]);
        assert_eq!(
            edit_twice(&s, "k=v\nk=w\nk=x\n").as_deref(),
            Some("k=v\nk=v\nk=v\n")
        );
    }

    #[test]
    fn multi_line_block_is_idempotent() {
        let s = spec(&[("line", "a\nb\n".into())]);
        assert_eq!(edit_twice(&s, "x\n").as_deref(), Some("x\na\nb\n"));
        let s = spec(&[("line", "a\nb".into()), ("ensure", "absent".into())]);
        assert_eq!(edit_twice(&s, "x\na\nb\ny\n").as_deref(), Some("x\ny\n"));
    }
}
