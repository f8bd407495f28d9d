//! Ruby's regular expressions, as Puppet uses them.
//!
//! Puppet hands every pattern to Ruby (`Regexp.new`), whose engine is Onigmo. This crate
//! wraps Oniguruma (Onigmo's parent, through the `onig` crate) with its Ruby syntax and the
//! options that make it answer as Ruby 3.1 does: `\w`, `\d`, `\s` and `\b` are ASCII-only
//! while POSIX brackets and `/i` are Unicode-aware; `^` and `$` match at every line; `.`
//! matches a newline only with `m`; a `{` that does not start a quantifier is literal
//! (`http {`). On top of matching it implements the parts of Ruby's `String` API that
//! Puppet builds on, with Ruby's exact algorithms: `sub`/`gsub` with Ruby's replacement
//! escapes (regsubst) and `split` (Puppet's `split`).
//!
//! Both the language (operators, `case`, selectors, `node`, `Pattern[]`, regex functions)
//! and the providers (file_line's `match`/`after`) use this crate, so a pattern means the
//! same everywhere. No I/O.

use onig::{RegexOptions, Region, SearchOptions, Syntax};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// A pattern Ruby would not compile; it displays as Ruby's `RegexpError` does
/// (`end pattern with unmatched parenthesis: /(/`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}: /{pattern}/")]
pub struct Error {
    /// Oniguruma's description of what is wrong.
    pub message: String,
    /// The pattern.
    pub pattern: String,
}

/// Ruby's regexp flags (`/.../ixm`, and regsubst's `I`, `E`, `M`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Flags {
    /// `i`: ignore case (Unicode case folding).
    pub ignore_case: bool,
    /// `x`: extended syntax (whitespace and `#` comments ignored).
    pub extended: bool,
    /// `m`: `.` also matches a newline.
    pub multiline: bool,
}

/// A compiled Ruby regular expression.
pub struct Regex {
    inner: onig::Regex,
    source: String,
    flags: Flags,
}

impl std::fmt::Debug for Regex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "/{}/", self.source)
    }
}

/// Where one match and its groups are, as byte ranges; `None` for a group that did not
/// take part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Captures {
    groups: Vec<Option<(usize, usize)>>,
}

impl Captures {
    /// Byte range of group `i` (0 is the whole match).
    pub fn get(&self, i: usize) -> Option<(usize, usize)> {
        self.groups.get(i).copied().flatten()
    }

    /// Number of groups, the whole match included.
    pub fn len(&self) -> usize {
        self.groups.len()
    }

    /// Always false: a match has at least group 0.
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    /// The text of every group of `text` (the string matched), `None` where a group did
    /// not take part.
    pub fn strings<'t>(&self, text: &'t str) -> Vec<Option<&'t str>> {
        self.groups
            .iter()
            .map(|g| g.and_then(|(s, e)| text.get(s..e)))
            .collect()
    }
}

impl Regex {
    /// `Regexp.new(pattern)`.
    pub fn new(pattern: &str) -> Result<Regex, Error> {
        Regex::with_flags(pattern, Flags::default())
    }

    /// `Regexp.new(pattern, flags)`.
    pub fn with_flags(pattern: &str, flags: Flags) -> Result<Regex, Error> {
        let mut bits = onig_sys::ONIG_OPTION_WORD_IS_ASCII
            | onig_sys::ONIG_OPTION_DIGIT_IS_ASCII
            | onig_sys::ONIG_OPTION_SPACE_IS_ASCII;
        if flags.ignore_case {
            bits |= onig_sys::ONIG_OPTION_IGNORECASE;
        }
        if flags.extended {
            bits |= onig_sys::ONIG_OPTION_EXTEND;
        }
        if flags.multiline {
            bits |= onig_sys::ONIG_OPTION_MULTILINE;
        }
        let inner = onig::Regex::with_options(
            pattern,
            RegexOptions::from_bits_retain(bits),
            Syntax::ruby(),
        )
        .map_err(|e| Error {
            message: e.description().to_string(),
            pattern: pattern.to_string(),
        })?;
        Ok(Regex {
            inner,
            source: pattern.to_string(),
            flags,
        })
    }

    /// A regex compiled at most once per process (errors included): providers and
    /// `validate` check the same patterns over and over.
    pub fn cached(pattern: &str) -> Result<Arc<Regex>, Error> {
        type Cache = Mutex<HashMap<String, Result<Arc<Regex>, Error>>>;
        static CACHE: OnceLock<Cache> = OnceLock::new();
        let cache = CACHE.get_or_init(Mutex::default);
        // A poisoned lock only means another thread panicked mid-insert; the map is sound.
        let mut map = cache.lock().unwrap_or_else(|p| p.into_inner());
        map.entry(pattern.to_string())
            .or_insert_with(|| Regex::new(pattern).map(Arc::new))
            .clone()
    }

    /// The pattern as written (Ruby's `Regexp#source`).
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// The flags it was compiled with.
    pub fn flags(&self) -> Flags {
        self.flags
    }

    /// Number of capture groups (not counting the whole match).
    pub fn captures_len(&self) -> usize {
        self.inner.captures_len()
    }

    /// `regexp =~ text` as a boolean.
    pub fn is_match(&self, text: &str) -> bool {
        self.search(text, 0).is_some()
    }

    /// The first match's byte range.
    pub fn find(&self, text: &str) -> Option<(usize, usize)> {
        self.search(text, 0).and_then(|c| c.get(0))
    }

    /// The first match with its groups (`regexp.match(text)`).
    pub fn captures(&self, text: &str) -> Option<Captures> {
        self.search(text, 0)
    }

    /// The first match at or after byte `start`, with the whole text visible to anchors
    /// and look-behind (Ruby's `rb_reg_search`).
    pub fn search(&self, text: &str, start: usize) -> Option<Captures> {
        if start > text.len() {
            return None;
        }
        let mut region = Region::new();
        self.inner.search_with_options(
            text,
            start,
            text.len(),
            SearchOptions::SEARCH_OPTION_NONE,
            Some(&mut region),
        )?;
        let groups = (0..region.len()).map(|i| region.pos(i)).collect();
        Some(Captures { groups })
    }

    /// Ruby's `text.sub(regexp, replacement)` (`global` false) or `gsub` (true), with
    /// Ruby's replacement escapes: `\0` and `\&` (the match), `\1`..`\9`, `\k<name>`,
    /// `` \` `` (before the match), `\'` (after it), `\\` (a backslash).
    pub fn replace(&self, text: &str, replacement: &str, global: bool) -> String {
        let mut out = String::with_capacity(text.len());
        let mut offset = 0;
        let mut from = 0;
        while let Some(caps) = self.search(text, from) {
            let Some((s, e)) = caps.get(0) else { break };
            out.push_str(&text[offset..s]);
            self.expand(text, &caps, replacement, &mut out);
            offset = e;
            if !global {
                break;
            }
            if s == e {
                // An empty match: copy one character and search on after it.
                let Some(c) = text[e..].chars().next() else {
                    break;
                };
                out.push(c);
                offset = e + c.len_utf8();
            }
            from = offset;
            if from > text.len() {
                break;
            }
        }
        out.push_str(&text[offset.min(text.len())..]);
        out
    }

    fn expand(&self, text: &str, caps: &Captures, rep: &str, out: &mut String) {
        let group = |i: usize| caps.get(i).map_or("", |(s, e)| &text[s..e]);
        let mut chars = rep.char_indices().peekable();
        while let Some((_, c)) = chars.next() {
            if c != '\\' {
                out.push(c);
                continue;
            }
            match chars.peek().map(|&(_, n)| n) {
                Some(d @ '0'..='9') => {
                    chars.next();
                    out.push_str(group(d as usize - '0' as usize));
                }
                Some('&') => {
                    chars.next();
                    out.push_str(group(0));
                }
                Some('`') => {
                    chars.next();
                    out.push_str(&text[..caps.get(0).map_or(0, |g| g.0)]);
                }
                Some('\'') => {
                    chars.next();
                    out.push_str(&text[caps.get(0).map_or(text.len(), |g| g.1)..]);
                }
                Some('\\') => {
                    chars.next();
                    out.push('\\');
                }
                Some('k') => {
                    // `\k<name>`: a named group; anything else stays as written.
                    let rest: String = chars.clone().map(|(_, c)| c).collect();
                    let named = rest
                        .strip_prefix("k<")
                        .and_then(|r| r.split_once('>'))
                        .map(|(name, _)| name.to_string());
                    match named.and_then(|n| self.group_index(&n).map(|i| (n, i))) {
                        Some((name, i)) => {
                            for _ in 0..name.chars().count() + 3 {
                                chars.next();
                            }
                            out.push_str(group(i));
                        }
                        None => out.push('\\'),
                    }
                }
                _ => out.push('\\'),
            }
        }
    }

    fn group_index(&self, name: &str) -> Option<usize> {
        let mut found = None;
        self.inner.foreach_name(|n, groups| {
            if n == name {
                found = groups.last().map(|&g| g as usize);
                false
            } else {
                true
            }
        });
        found
    }

    /// Ruby's `text.split(regexp)`: groups are kept in the result, an empty match splits
    /// between characters, and trailing empty strings are dropped.
    pub fn split(&self, text: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        if text.is_empty() {
            return out;
        }
        let (mut beg, mut start) = (0usize, 0usize);
        let mut last_null = false;
        while let Some(caps) = self.search(text, start) {
            let Some((end, mend)) = caps.get(0) else {
                break;
            };
            if start == end && end == mend {
                if last_null {
                    let len = text[beg..].chars().next().map_or(0, char::len_utf8);
                    out.push(text[beg..beg + len].to_string());
                    beg = start;
                } else {
                    start += text[start..].chars().next().map_or(1, char::len_utf8);
                    last_null = true;
                    continue;
                }
            } else {
                out.push(text[beg..end].to_string());
                beg = mend;
                start = mend;
            }
            last_null = false;
            for i in 1..caps.len() {
                if let Some((s, e)) = caps.get(i) {
                    out.push(text[s..e].to_string());
                }
            }
        }
        if text.len() > beg {
            out.push(text[beg..].to_string());
        }
        while out.last().is_some_and(String::is_empty) {
            out.pop();
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn re(p: &str) -> Regex {
        Regex::new(p).unwrap()
    }

    /// Every answer here is what Ruby 3.1 (Puppet 7's Ruby) gives for the same pattern.
    #[test]
    fn matches_as_ruby_does() {
        let cases: &[(&str, &str, bool)] = &[
            ("http {", "  http {", true),
            ("a{", "a{", true),
            ("a{2}", "aa", true),
            ("a{,2}b", "ab", true),
            (r"\w", "é", false),
            (r"\d", "١", false),
            (r"\s", "\u{a0}", false),
            ("[[:alpha:]]", "é", true),
            ("(?i)é", "É", true),
            ("a.b", "a\nb", false),
            ("(?m)a.b", "a\nb", true),
            ("x$", "x\ny", true),
            ("^y", "x\ny", true),
            (r"\Ax", "y\nx", false),
            (r"b\Z", "ab\n", true),
            (r"b\z", "ab\n", false),
            (r"\h+", "beef", true),
            (r"^\h+$", "zz", false),
            (r"(?<=a)b", "ab", true),
            (r"a\/b", "a/b", true),
            (r"a++b", "aab", true),
        ];
        for (p, s, want) in cases {
            assert_eq!(re(p).is_match(s), *want, "/{p}/ =~ {s:?}");
        }
    }

    #[test]
    fn errors_read_like_ruby() {
        assert_eq!(
            Regex::new("(").unwrap_err().message,
            "end pattern with unmatched parenthesis"
        );
        assert!(Regex::new("[a").is_err());
    }

    #[test]
    fn flags_apply() {
        let f = Flags {
            ignore_case: true,
            ..Flags::default()
        };
        assert!(Regex::with_flags("abc", f).unwrap().is_match("ABC"));
        let x = Flags {
            extended: true,
            ..Flags::default()
        };
        assert!(Regex::with_flags("a b # c", x).unwrap().is_match("ab"));
    }

    #[test]
    fn split_like_ruby() {
        let cases: &[(&str, &str, &[&str])] = &[
            ("abc", "(b)", &["a", "b", "c"]),
            ("a,b,,c,,", ",", &["a", "b", "", "c"]),
            ("-a-", "-", &["", "a"]),
            ("abc", "", &["a", "b", "c"]),
            ("abc", "x*", &["a", "b", "c"]),
            ("a,b", ",*", &["a", "b"]),
            ("héllo", "", &["h", "é", "l", "l", "o"]),
            (" a  b ", r"\s+", &["", "a", "b"]),
            ("", ",", &[]),
            ("a1b22c", r"(\d)+", &["a", "1", "b", "2", "c"]),
        ];
        for (s, p, want) in cases {
            assert_eq!(re(p).split(s), *want, "{s:?}.split(/{p}/)");
        }
    }

    #[test]
    fn sub_and_gsub_like_ruby() {
        assert_eq!(re("b*").replace("abc", "-", true), "-a--c-");
        assert_eq!(re("l+").replace("hello world", "L", false), "heLo world");
        assert_eq!(re("o").replace("foo", "0", true), "f00");
        assert_eq!(
            re(r"(\w+)@(\w+)").replace("me@host", r"\2 at \1 (\0) \\", false),
            r"host at me (me@host) \"
        );
        assert_eq!(re("b").replace("abc", r"[\`|\&|\']", false), "a[a|b|c]c");
        assert_eq!(re("(?<x>b)").replace("abc", r"<\k<x>>", false), "a<b>c");
        assert_eq!(re("b").replace("abc", r"\q$1", false), r"a\q$1c");
        assert_eq!(re("").replace("ab", "-", true), "-a-b-");
        assert_eq!(re("é").replace("aéb", "e", true), "aeb");
    }

    #[test]
    fn captures_and_search_from_an_offset() {
        let r = re(r"(a)(x)?(b)");
        let c = r.captures("zab").unwrap();
        assert_eq!(
            c.strings("zab"),
            vec![Some("ab"), Some("a"), None, Some("b")]
        );
        // Anchors see the whole text when searching from an offset.
        assert!(re("^b").search("ab", 1).is_none());
        assert!(re(r"(?<=a)b").search("ab", 1).is_some());
        assert!(Regex::cached("(").is_err());
        assert!(Arc::ptr_eq(
            &Regex::cached("x+").unwrap(),
            &Regex::cached("x+").unwrap()
        ));
    }
}
