//! INI files as puppetlabs-inifile 5.4.0 reads and rewrites them: a port of its
//! `Puppet::Util::IniFile` (sections, settings, the formatting of new lines) and
//! `Puppet::Util::SettingValue` (the items of a list-valued setting), so that `ini_setting`
//! and `ini_subsetting` leave byte for byte the file the module leaves.
//!
//! The rules, as the module has them: a file starts with a nameless global section; a line
//! matching `^\s*<prefix>(.*)<suffix>\s*$` starts a section; a setting line is
//! `<indent><name><sep><value>` where the separator is the trimmed `key_val_separator` with
//! any whitespace around it (a separator of only whitespace matches one space). A changed
//! setting keeps its line's indentation and separator; a new one goes right after a
//! commented-out `#name = ...` or `;name = ...` line of that section if there is one, else
//! after the section's last non-blank line, indented like the section's least indented
//! setting (or `indent_width` times `indent_char`); a new section goes at the end, after a
//! blank line. Removing a section's last setting removes its header unless comments or blank
//! lines remain in it.
//!
//! Where the module corrupts a file, converge does not: with a section that appears twice,
//! the module writes the last one twice and loses the first (converge keeps both, and edits
//! the last, as the module reads it); with a setting on two lines, removing it leaves the
//! module's line numbers off by one (converge removes every such line).

use indexmap::IndexMap;
use regex::Regex;

/// Ruby's `\s`: ASCII whitespace only.
const WS: &str = r"[ \t\n\x0B\x0C\r]";

/// One section of an INI file.
#[derive(Debug, Clone)]
struct Section {
    name: String,
    /// The header's line (0 for the global section); `None` for a new section.
    start_line: Option<i64>,
    /// The section's last line; `None` for a new section (and an empty global one).
    end_line: Option<i64>,
    existing: IndexMap<String, String>,
    additional: IndexMap<String, Option<String>>,
    indentation: Option<usize>,
}

impl Section {
    fn new_empty(name: &str) -> Self {
        Section {
            name: name.to_string(),
            start_line: None,
            end_line: None,
            existing: IndexMap::new(),
            additional: IndexMap::new(),
            indentation: None,
        }
    }

    fn is_global(&self) -> bool {
        self.name.is_empty()
    }

    fn is_new(&self) -> bool {
        self.end_line.is_none()
    }

    fn is_empty(&self) -> bool {
        if self.is_global() {
            self.is_new()
        } else {
            self.start_line == self.end_line
        }
    }

    fn get_value(&self, setting: &str) -> Option<String> {
        match self.existing.get(setting) {
            Some(v) => Some(v.clone()),
            None => self.additional.get(setting).cloned().flatten(),
        }
    }

    fn shift(&mut self, by: i64) {
        if let Some(s) = &mut self.start_line {
            *s += by;
        }
        if let Some(e) = &mut self.end_line {
            *e += by;
        }
    }

    /// The line numbers of the section (header included), as the module walks them.
    fn line_range(&self) -> std::ops::RangeInclusive<i64> {
        self.start_line.unwrap_or(0)..=self.end_line.unwrap_or(-1)
    }
}

/// How an INI file is read and written: inifile's constructor arguments.
#[derive(Debug, Clone)]
pub struct Format {
    /// Between a new setting's name and value (`' = '`).
    pub key_val_separator: String,
    /// Before a section name (`[`).
    pub section_prefix: String,
    /// After a section name (`]`).
    pub section_suffix: String,
    /// What new settings are indented with (`' '`).
    pub indent_char: String,
    /// How many `indent_char`s; `None` = as the section's least indented setting.
    pub indent_width: Option<usize>,
}

impl Default for Format {
    fn default() -> Self {
        Format {
            key_val_separator: " = ".into(),
            section_prefix: "[".into(),
            section_suffix: "]".into(),
            indent_char: " ".into(),
            indent_width: None,
        }
    }
}

/// An INI file being edited.
#[derive(Debug, Clone)]
pub struct IniFile {
    lines: Vec<String>,
    sections: Vec<Section>,
    fmt: Format,
    section_re: Regex,
    setting_re: Regex,
    commented_re: Regex,
}

/// Escape each character for a regex character class.
fn class_escape(s: &str) -> String {
    s.chars().map(|c| regex::escape(&c.to_string())).collect()
}

impl IniFile {
    /// Parse `text` (the file's content; empty for a missing file).
    pub fn parse(text: &str, fmt: Format) -> IniFile {
        let sep = &fmt.key_val_separator;
        let kvs = if !sep.is_empty() && sep.chars().all(|c| " \t\n\x0B\x0C\r".contains(c)) {
            " ".to_string()
        } else {
            sep.trim_matches(|c: char| " \t\n\x0B\x0C\r\0".contains(c))
                .to_string()
        };
        let (k_class, k_lit) = (class_escape(&kvs), regex::escape(&kvs));
        let setting_re = Regex::new(&format!(
            r"^({WS}*)([^#;{ws}]|[^#;{ws}].*?[^{ws}{k_class}])({WS}*{k_lit}[ \t]*)(.*){WS}*$",
            ws = &WS[1..WS.len() - 1]
        ))
        .expect("the setting pattern compiles");
        let commented_re = Regex::new(&format!(
            r"^({WS}*)[#;]+({WS}*)(.*?[^{ws}{k_class}])({WS}*{k_lit}[ \t]*)(.*){WS}*$",
            ws = &WS[1..WS.len() - 1]
        ))
        .expect("the commented setting pattern compiles");
        let section_re = Regex::new(&format!(
            r"^{WS}*{}(.*){}{WS}*$",
            regex::escape(&fmt.section_prefix),
            regex::escape(&fmt.section_suffix)
        ))
        .expect("the section pattern compiles");
        let lines: Vec<String> = if text.is_empty() {
            Vec::new()
        } else {
            text.split_inclusive('\n')
                .map(|l| l.strip_suffix('\n').unwrap_or(l).to_string())
                .collect()
        };
        let mut ini = IniFile {
            lines,
            sections: Vec::new(),
            fmt,
            section_re,
            setting_re,
            commented_re,
        };
        ini.parse_sections();
        ini
    }

    fn parse_sections(&mut self) {
        let mut i = 0usize;
        let global = self.read_section("", 0, &mut i);
        self.sections.push(global);
        while i < self.lines.len() {
            let name = self
                .section_re
                .captures(&self.lines[i])
                .map(|c| c[1].to_string());
            let start = i;
            i += 1;
            if let Some(name) = name {
                let s = self.read_section(&name, start as i64, &mut i);
                self.sections.push(s);
            }
        }
    }

    /// Read the lines from `*next` up to the next header; `*next` ends on that header.
    fn read_section(&self, name: &str, start_line: i64, next: &mut usize) -> Section {
        let mut s = Section::new_empty(name);
        s.start_line = Some(start_line);
        let mut end = start_line;
        let mut empty = true;
        while *next < self.lines.len() && !self.section_re.is_match(&self.lines[*next]) {
            let line = &self.lines[*next];
            if let Some(c) = self.setting_re.captures(line) {
                s.existing.insert(c[2].to_string(), c[4].to_string());
                let ind = c[1].chars().count();
                s.indentation = Some(s.indentation.map_or(ind, |m: usize| m.min(ind)));
            }
            end = *next as i64;
            empty = false;
            *next += 1;
        }
        s.end_line = if name.is_empty() && empty {
            None
        } else {
            Some(end)
        };
        s
    }

    /// The section of this name (the last one, if the file repeats it).
    fn find(&self, name: &str) -> Option<usize> {
        self.sections.iter().rposition(|s| s.name == name)
    }

    /// The names of the sections, in file order (the global one is `""`).
    pub fn section_names(&self) -> impl Iterator<Item = &str> {
        self.sections.iter().map(|s| s.name.as_str())
    }

    /// Whether the file has this section.
    pub fn has_section(&self, name: &str) -> bool {
        self.find(name).is_some()
    }

    /// A setting's value (`None` if the section or setting is missing).
    pub fn get_value(&self, section: &str, setting: &str) -> Option<String> {
        self.find(section)
            .and_then(|i| self.sections[i].get_value(setting))
    }

    fn shift_after(&mut self, idx: usize, by: i64) {
        for s in &mut self.sections[idx + 1..] {
            s.shift(by);
        }
    }

    fn indent(&self, s: &Section) -> String {
        self.fmt
            .indent_char
            .repeat(self.fmt.indent_width.or(s.indentation).unwrap_or(0))
    }

    /// Set a setting (or, with `setting` and `value` both `None`, only make sure the section
    /// exists). `separator` goes between name and value of a line inserted after a
    /// commented-out version of the setting.
    pub fn set_value(
        &mut self,
        section: &str,
        setting: Option<&str>,
        separator: &str,
        value: Option<&str>,
    ) {
        let idx = match self.find(section) {
            Some(i) => i,
            None => {
                self.sections.push(Section::new_empty(section));
                self.sections.len() - 1
            }
        };
        let val = value.unwrap_or("");
        if let Some(name) = setting.filter(|n| self.sections[idx].existing.contains_key(*n)) {
            for ln in self.sections[idx].line_range() {
                let Some(line) = self.lines.get(ln as usize) else {
                    continue;
                };
                if let Some(c) = self.setting_re.captures(line) {
                    if &c[2] == name {
                        let new = format!("{}{}{}{val}", &c[1], &c[2], &c[3]);
                        self.lines[ln as usize] = new;
                    }
                }
            }
            self.sections[idx]
                .existing
                .insert(name.to_string(), val.to_string());
        } else if let Some((name, at)) =
            setting.and_then(|n| self.find_commented(idx, n).map(|l| (n, l)))
        {
            let line = format!("{}{name}{separator}{val}", self.indent(&self.sections[idx]));
            self.lines.insert(at as usize + 1, line);
            let s = &mut self.sections[idx];
            s.existing.insert(name.to_string(), val.to_string());
            if let Some(e) = &mut s.end_line {
                *e += 1;
            }
            self.shift_after(idx, 1);
        } else if setting.is_some() || value.is_some() {
            self.sections[idx]
                .additional
                .insert(setting.unwrap_or("").to_string(), value.map(str::to_string));
        }
    }

    /// The line of a commented-out `name = ...` in the section, if any.
    fn find_commented(&self, idx: usize, name: &str) -> Option<i64> {
        let s = &self.sections[idx];
        if s.is_new() {
            return None;
        }
        s.line_range().find(|&ln| {
            self.lines
                .get(ln as usize)
                .and_then(|l| self.commented_re.captures(l))
                .is_some_and(|c| &c[3] == name)
        })
    }

    /// Remove a setting; a named section left with only its header goes too.
    pub fn remove_setting(&mut self, section: &str, setting: &str) {
        let Some(idx) = self.find(section) else {
            return;
        };
        if !self.sections[idx].existing.contains_key(setting) {
            return;
        }
        let mut removed = 0i64;
        for ln in self.sections[idx].line_range().rev() {
            let hit = self
                .lines
                .get(ln as usize)
                .and_then(|l| self.setting_re.captures(l))
                .is_some_and(|c| &c[2] == setting);
            if hit {
                self.lines.remove(ln as usize);
                removed += 1;
            }
        }
        let s = &mut self.sections[idx];
        s.existing.shift_remove(setting);
        if let Some(e) = &mut s.end_line {
            *e -= removed;
        }
        self.shift_after(idx, -removed);
        if self.sections[idx].is_empty() {
            if let Some(start) = self.sections[idx].start_line {
                self.lines.remove(start as usize);
            }
            self.shift_after(idx, -1);
            self.sections.remove(idx);
        }
    }

    /// The file's new content, as the module's `save` writes it.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let puts = |out: &mut String, l: &str| {
            out.push_str(l);
            if !l.ends_with('\n') {
                out.push('\n');
            }
        };
        let global_empty = self
            .sections
            .first()
            .is_none_or(|g| g.is_empty() && g.additional.is_empty());
        let n = self.sections.len();
        for (index, s) in self.sections.iter().enumerate() {
            let mut blank: Vec<&str> = Vec::new();
            if s.is_new() && !s.is_global() {
                if (index == 1 && !global_empty) || index > 1 {
                    puts(&mut out, "");
                }
                puts(
                    &mut out,
                    &format!(
                        "{}{}{}",
                        self.fmt.section_prefix, s.name, self.fmt.section_suffix
                    ),
                );
            }
            if !s.is_new() {
                for ln in s.line_range() {
                    let Some(line) = self.lines.get(ln as usize) else {
                        continue;
                    };
                    if line.chars().all(|c| " \t\x0B\x0C\r".contains(c)) {
                        blank.push(line);
                    } else {
                        for b in blank.drain(..) {
                            puts(&mut out, b);
                        }
                        puts(&mut out, line);
                    }
                }
            }
            let indent = self.indent(s);
            for (k, v) in &s.additional {
                puts(
                    &mut out,
                    &format!(
                        "{indent}{k}{}{}",
                        self.fmt.key_val_separator,
                        v.as_deref().unwrap_or("")
                    ),
                );
            }
            if !blank.is_empty() {
                for b in blank.drain(..) {
                    puts(&mut out, b);
                }
            } else if s.is_new() && !s.additional.is_empty() && index + 1 < n {
                puts(&mut out, "");
            }
        }
        out
    }
}

/// The items of a list-valued setting (`-Xmx1g -Xms1g`), as inifile's `SettingValue` splits,
/// quotes and joins them.
#[derive(Debug, Clone)]
pub struct SettingValue {
    items: Vec<String>,
    separator: String,
    quote_char: String,
    key_val_separator: String,
}

/// Where a new subsetting goes (`insert_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Insert {
    /// First.
    Start,
    /// Last (the default).
    End,
    /// Before the item named by `insert_value`, else last.
    Before,
    /// After the item named by `insert_value`, else last.
    After,
    /// At the position `insert_value`.
    Index,
}

impl Insert {
    /// From the parameter's value (`end` when unset or unknown).
    pub fn from_param(v: Option<&str>) -> Self {
        match v {
            Some("start") => Insert::Start,
            Some("before") => Insert::Before,
            Some("after") => Insert::After,
            Some("index") => Insert::Index,
            _ => Insert::End,
        }
    }
}

/// Ruby's `String#to_i`: the leading integer, 0 if none.
fn ruby_to_i(s: &str) -> i64 {
    let t = s.trim_start();
    let (neg, digits) = match t.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let n: i64 = digits
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap_or(0);
    if neg {
        -n
    } else {
        n
    }
}

impl SettingValue {
    /// Split a setting's current value (`None` when the setting is missing).
    pub fn new(
        value: Option<&str>,
        separator: &str,
        default_quote: &str,
        key_val_separator: &str,
    ) -> Self {
        let mut sv = SettingValue {
            items: Vec::new(),
            separator: separator.to_string(),
            quote_char: default_quote.to_string(),
            key_val_separator: key_val_separator.to_string(),
        };
        let Some(v) = value else { return sv };
        let quote = ['"', '\'']
            .into_iter()
            .find(|q| v.len() >= 2 && v.starts_with(*q) && v.ends_with(*q));
        let unquoted = match quote {
            Some(q) => {
                sv.quote_char = q.to_string();
                &v[1..v.len() - 1]
            }
            None if v == "\"" || v == "'" => "",
            None => v,
        };
        // The module's pattern `(?:(?:[^\<sep>]|\.)+)`: runs of characters that are not
        // separator characters ('.' always counts as part of an item).
        let seps: Vec<char> = separator.chars().collect();
        let mut cur = String::new();
        let mut in_item = false;
        for c in unquoted.chars() {
            if c == '.' || !seps.contains(&c) {
                cur.push(c);
                in_item = true;
            } else if in_item {
                sv.items.push(std::mem::take(&mut cur).trim().to_string());
                in_item = false;
            }
        }
        if in_item {
            sv.items.push(cur.trim().to_string());
        }
        sv
    }

    /// The setting's value: the items joined, quoted as before.
    pub fn value(&self) -> String {
        format!(
            "{q}{}{q}",
            self.items.join(&self.separator),
            q = self.quote_char
        )
    }

    fn matches(&self, item: &str, name: &str, exact: bool) -> bool {
        if exact {
            item == name
        } else {
            item.starts_with(&format!("{name}{}", self.key_val_separator))
        }
    }

    fn find(&self, name: &str, exact: bool) -> Option<usize> {
        self.items.iter().position(|i| self.matches(i, name, exact))
    }

    /// Whether the subsetting is there.
    pub fn has(&self, name: &str, exact: bool) -> bool {
        self.find(name, exact).is_some()
    }

    /// The subsetting's value: what follows its name and separator.
    pub fn get(&self, name: &str) -> Option<String> {
        let i = self.find(name, false)?;
        let skip = name.chars().count() + self.key_val_separator.chars().count();
        Some(self.items[i].chars().skip(skip).collect())
    }

    /// Add the subsetting, or update every item that matches it.
    pub fn add(
        &mut self,
        name: &str,
        value: &str,
        exact: bool,
        at: Insert,
        at_value: Option<&str>,
    ) {
        let new = format!("{name}{}{value}", self.key_val_separator);
        if self.find(name, exact).is_some() {
            for i in 0..self.items.len() {
                if self.matches(&self.items[i], name, exact) {
                    self.items[i] = new.clone();
                }
            }
            return;
        }
        let pos = match at {
            Insert::Start => 0,
            Insert::End => self.items.len(),
            Insert::Before => at_value
                .and_then(|v| self.find(v, exact))
                .unwrap_or(self.items.len()),
            Insert::After => at_value
                .and_then(|v| self.find(v, exact))
                .map_or(self.items.len(), |i| i + 1),
            Insert::Index => {
                let n = self.items.len() as i64;
                let i = ruby_to_i(at_value.unwrap_or(""));
                // Ruby's insert: a negative index counts from after the end.
                let p = if i < 0 { n + i + 1 } else { i.min(n) };
                p.clamp(0, n) as usize
            }
        };
        self.items.insert(pos, new);
    }

    /// Remove every item that matches the subsetting.
    pub fn remove(&mut self, name: &str, exact: bool) {
        let keep: Vec<String> = self
            .items
            .iter()
            .filter(|i| !self.matches(i, name, exact))
            .cloned()
            .collect();
        self.items = keep;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edit(text: &str, f: impl FnOnce(&mut IniFile)) -> String {
        let mut ini = IniFile::parse(text, Format::default());
        f(&mut ini);
        ini.render()
    }

    #[test]
    fn a_changed_setting_keeps_its_indentation_and_separator() {
        let text = "[main]\n  foo=bar\n";
        assert_eq!(
            edit(text, |i| i.set_value(
                "main",
                Some("foo"),
                " = ",
                Some("new")
            )),
            "[main]\n  foo=new\n"
        );
    }

    #[test]
    fn a_new_setting_goes_after_a_commented_one_or_before_trailing_blank_lines() {
        let text = "[main]\n  a = 1\n;b = 0\nc = 3\n\n[other]\nx = y\n";
        assert_eq!(
            edit(text, |i| i.set_value("main", Some("b"), " = ", Some("2"))),
            "[main]\n  a = 1\n;b = 0\nb = 2\nc = 3\n\n[other]\nx = y\n"
        );
        assert_eq!(
            edit(text, |i| i.set_value("main", Some("d"), " = ", Some("4"))),
            "[main]\n  a = 1\n;b = 0\nc = 3\nd = 4\n\n[other]\nx = y\n"
        );
    }

    #[test]
    fn new_sections_go_at_the_end_after_a_blank_line() {
        assert_eq!(
            edit("a = 1\n", |i| i.set_value("s", Some("k"), " = ", Some("v"))),
            "a = 1\n\n[s]\nk = v\n"
        );
        assert_eq!(
            edit("", |i| i.set_value("s", Some("k"), " = ", Some("v"))),
            "[s]\nk = v\n"
        );
        assert_eq!(
            edit("", |i| i.set_value("", Some("k"), " = ", Some("v"))),
            "k = v\n"
        );
    }

    #[test]
    fn removing_the_last_setting_removes_the_header() {
        let text = "[a]\nx = 1\n[b]\ny = 2\n";
        assert_eq!(edit(text, |i| i.remove_setting("a", "x")), "[b]\ny = 2\n");
        assert_eq!(edit(text, |i| i.remove_setting("b", "y")), "[a]\nx = 1\n");
    }

    #[test]
    fn a_repeated_section_is_kept_and_the_last_one_edited() {
        let text = "[a]\nx = 1\n[a]\ny = 2\n";
        assert_eq!(
            edit(text, |i| i.set_value("a", Some("y"), " = ", Some("3"))),
            "[a]\nx = 1\n[a]\ny = 3\n"
        );
    }

    #[test]
    fn subsettings_split_quote_and_insert() {
        let mut sv = SettingValue::new(Some("\"-Xmx1g -Xms1g\""), " ", "", "");
        assert_eq!(sv.get("-Xmx"), Some("1g".into()));
        sv.add("-Xmx", "2g", false, Insert::End, None);
        sv.add("-verbose", "", false, Insert::Start, None);
        sv.add("-Dx=", "1", false, Insert::After, Some("-Xmx"));
        assert_eq!(sv.value(), "\"-verbose -Xmx2g -Dx=1 -Xms1g\"");
        sv.remove("-Xms", false);
        assert_eq!(sv.value(), "\"-verbose -Xmx2g -Dx=1\"");
        let mut sv = SettingValue::new(None, ",", "", "");
        sv.add("a", "", false, Insert::Index, Some("-1"));
        assert_eq!(sv.value(), "a");
    }
}
