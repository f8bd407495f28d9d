//! ERB to Ruby code, exactly as Ruby 3.1's `ERB::Compiler` does it with `trim_mode: '-'`
//! (its `ExplicitScanner`): `<%-` swallows the indentation before it, `-%>` the newline
//! after it, `<%#` is a comment, `<%%`/`%%>` are literal, and the pieces are joined with
//! `; ` on a line, so that the code keeps the template's line numbers and a `#` comment in
//! a tag swallows the rest of its generated line, as in Ruby.
//!
//! Text and insertions become markers the lexer knows (`\0O\0` appends the value that
//! follows, `\0T<n>\0` is text number n), so template text never goes through the lexer.

/// The generated code.
#[derive(Debug, Default)]
pub(crate) struct Generated {
    /// Ruby code with markers.
    pub(crate) code: String,
    /// The template's text pieces, by marker number.
    pub(crate) texts: Vec<String>,
    /// (offset in `code`, offset in the template) where a copied code piece starts.
    pub(crate) map: Vec<(usize, usize)>,
}

impl Generated {
    /// The template offset a code offset came from.
    pub(crate) fn template_offset(&self, gen: usize) -> usize {
        let i = self.map.partition_point(|&(g, _)| g <= gen);
        if i == 0 {
            return 0;
        }
        let (g, t) = self.map[i - 1];
        t + (gen - g)
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Stag {
    Code,
    Insert,
    Comment,
}

/// A command in the line being built, with where its copied code starts.
struct Cmd {
    text: String,
    origin: Option<(usize, usize)>,
}

struct Buffer {
    out: Generated,
    line: Vec<Cmd>,
}

impl Buffer {
    fn push(&mut self, text: String, origin: Option<(usize, usize)>) {
        self.line.push(Cmd { text, origin });
    }

    fn flush_line(&mut self) {
        for (i, cmd) in std::mem::take(&mut self.line).into_iter().enumerate() {
            if i > 0 {
                self.out.code.push_str("; ");
            }
            if let Some((in_cmd, tpl)) = cmd.origin {
                self.out.map.push((self.out.code.len() + in_cmd, tpl));
            }
            self.out.code.push_str(&cmd.text);
        }
    }

    fn cr(&mut self) {
        self.flush_line();
        self.out.code.push('\n');
    }

    fn put(&mut self, content: &str) {
        let n = self.out.texts.len();
        self.out.texts.push(content.to_string());
        let mut cmd = format!("{OUT} {TEXT_START}{n}{MARK}");
        cmd.extend(std::iter::repeat_n('\n', content.matches('\n').count()));
        self.push(cmd, None);
    }
}

/// Marker: append the value that follows to the output.
pub(crate) const OUT: &str = "\0O\0";
/// Start of a text marker (`\0T<n>\0`).
pub(crate) const TEXT_START: &str = "\0T";
/// End of a marker.
pub(crate) const MARK: char = '\0';

/// Where the next start tag is, from `pos`: (offset, tag length, kind) or None at the end.
fn next_stag(src: &str, pos: usize) -> Option<(usize, usize, &'static str)> {
    let b = src.as_bytes();
    let mut p = pos;
    while p < b.len() {
        let line_start = p == 0 || b[p - 1] == b'\n';
        if line_start {
            let mut q = p;
            while q < b.len() && (b[q] == b' ' || b[q] == b'\t') {
                q += 1;
            }
            if b[q..].starts_with(b"<%-") {
                return Some((p, q + 3 - p, "<%"));
            }
        }
        if b[p] == b'<' {
            let rest = &b[p..];
            for (tag, kind) in [
                ("<%-", "<%"),
                ("<%%", "<%%"),
                ("<%=", "<%="),
                ("<%#", "<%#"),
                ("<%", "<%"),
            ] {
                if rest.starts_with(tag.as_bytes()) {
                    return Some((p, tag.len(), kind));
                }
            }
        }
        p += 1;
    }
    None
}

/// Where the next end tag is, from `pos`.
fn next_etag(src: &str, pos: usize) -> Option<(usize, &'static str)> {
    let b = src.as_bytes();
    (pos..b.len()).find_map(|p| {
        let rest = &b[p..];
        ["-%>", "%%>", "%>"]
            .into_iter()
            .find(|t| rest.starts_with(t.as_bytes()))
            .map(|t| (p, t))
    })
}

/// Compile a template into Ruby code with markers.
pub(crate) fn compile(src: &str) -> Generated {
    let mut buf = Buffer {
        out: Generated::default(),
        line: Vec::new(),
    };
    let mut content = String::new();
    // Where the code in `content` starts in the template.
    let mut content_start = 0;
    let mut stag: Option<Stag> = None;
    let mut pos = 0;
    while pos < src.len() {
        match stag {
            None => {
                let Some((p, len, kind)) = next_stag(src, pos) else {
                    content.push_str(&src[pos..]);
                    break;
                };
                content.push_str(&src[pos..p]);
                pos = p + len;
                if kind == "<%%" {
                    content.push_str("<%");
                    continue;
                }
                if !content.is_empty() {
                    buf.put(&content);
                }
                content.clear();
                content_start = pos;
                stag = Some(match kind {
                    "<%=" => Stag::Insert,
                    "<%#" => Stag::Comment,
                    _ => Stag::Code,
                });
            }
            Some(kind) => {
                let Some((p, etag)) = next_etag(src, pos) else {
                    content.push_str(&src[pos..]);
                    break;
                };
                content.push_str(&src[pos..p]);
                pos = p + etag.len();
                if etag == "%%>" {
                    content.push_str("%>");
                    continue;
                }
                match kind {
                    Stag::Code => {
                        if content.ends_with('\n') {
                            content.pop();
                            buf.push(content.clone(), Some((0, content_start)));
                            buf.cr();
                        } else {
                            buf.push(content.clone(), Some((0, content_start)));
                        }
                    }
                    Stag::Insert => {
                        let cmd = format!("{OUT}(({content}).to_s)");
                        buf.push(cmd, Some((OUT.len() + 2, content_start)));
                    }
                    Stag::Comment => {}
                }
                stag = None;
                content.clear();
                if etag == "-%>" {
                    if src[pos..].starts_with("\r\n") {
                        pos += 2;
                        buf.cr();
                    } else if src[pos..].starts_with('\n') {
                        pos += 1;
                        buf.cr();
                    } else if pos == src.len() {
                        buf.cr();
                    }
                }
            }
        }
    }
    // An unclosed tag's code is printed as text, as Ruby's ERB does.
    if !content.is_empty() {
        buf.put(&content);
    }
    buf.flush_line();
    buf.out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(src: &str) -> String {
        let g = compile(src);
        let mut s = g.code.replace(OUT, "OUT");
        for (i, t) in g.texts.iter().enumerate() {
            s = s.replace(&format!("\0T{i}\0"), &format!("{t:?}"));
        }
        s
    }

    #[test]
    fn trim_mode_dash_generates_what_ruby_generates() {
        // Ruby: ERB.new(src, trim_mode: '-').src, minus the `_erbout` preamble.
        assert_eq!(
            shown("a\n  <%- if x -%>\n  b <%= y -%>\n<% end %>\nc"),
            "OUT \"a\\n\"\n;  if x \nOUT \"  b \"; OUT(( y ).to_s)\n end ; OUT \"\\nc\"\n"
        );
        assert_eq!(shown("<%# c -%>\nx<%% y %%>"), "\nOUT \"x<% y %%>\"");
        assert_eq!(shown("<% a\n%>b"), " a\nOUT \"b\"");
    }
}
