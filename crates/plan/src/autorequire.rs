//! Autorequires: the implicit "this needs that first" relations Puppet's types declare,
//! found among the resources the catalog manages.

use converge_catalog::{Resource, Value};
use foldhash::HashMap;

/// The nginx site a `nginx_directive` edits when it names no file (Debian's default site;
/// `sites-enabled/default` is a link to it).
pub const NGINX_DEFAULT_SITES: [&str; 2] = [
    "/etc/nginx/sites-available/default",
    "/etc/nginx/sites-enabled/default",
];

/// Look-ups over the catalog's resources by what autorequires name them with.
pub(crate) struct Lookup<'a> {
    /// Files by normalised path (`path` parameter, else title).
    pub(crate) files: HashMap<&'a str, usize>,
    /// Any resource by capitalised type name and namevar value or title.
    pub(crate) named: HashMap<(&'a str, &'a str), usize>,
    /// The fragments of each concat_file, by the concat_file's index.
    pub(crate) fragments: HashMap<usize, Vec<usize>>,
}

/// A file path without its trailing slashes (`/` stays `/`), as Puppet's file type munges it.
pub(crate) fn normalise_path(p: &str) -> &str {
    let t = p.trim_end_matches('/');
    if t.is_empty() && p.starts_with('/') {
        "/"
    } else {
        t
    }
}

/// The namevar parameter of a built-in type.
pub(crate) fn namevar(type_name: &str) -> &'static str {
    match type_name {
        "file" | "concat_file" => "path",
        "exec" => "command",
        "apt_key" => "id",
        _ => "name",
    }
}

/// Which concat_files each concat_fragment belongs to, as concat's `fragments` finds them:
/// the fragment's `target` is the file's path or title, or both have a `tag` parameter and
/// the two are equal (compared as written: `'Foo'` is not `'foo'`, an array is not a
/// string). Returns (file index → its fragments in catalog order) and the fragments that
/// belong to no file.
pub(crate) fn concat_fragments(res: &[Resource]) -> (HashMap<usize, Vec<usize>>, Vec<usize>) {
    let mut by_target: HashMap<&str, Vec<usize>> = HashMap::default();
    let mut tagged: Vec<(usize, &Value)> = Vec::new();
    for (i, r) in res
        .iter()
        .enumerate()
        .filter(|(_, r)| r.type_name == "concat_file")
    {
        by_target
            .entry(r.name_or_title("path"))
            .or_default()
            .push(i);
        if r.param_str("path").is_some_and(|p| p != r.title) {
            by_target.entry(r.title.as_str()).or_default().push(i);
        }
        if let Some(t) = r.param("tag").filter(|t| !t.is_undef()) {
            tagged.push((i, t));
        }
    }
    let mut out: HashMap<usize, Vec<usize>> = HashMap::default();
    let mut orphans = Vec::new();
    if by_target.is_empty() && !res.iter().any(|r| r.type_name == "concat_fragment") {
        return (out, orphans);
    }
    for (j, f) in res
        .iter()
        .enumerate()
        .filter(|(_, r)| r.type_name == "concat_fragment")
    {
        let mut files: Vec<usize> = f
            .param_str("target")
            .and_then(|t| by_target.get(t))
            .cloned()
            .unwrap_or_default();
        if let Some(tag) = f.param("tag").filter(|t| !t.is_undef()) {
            files.extend(tagged.iter().filter(|(_, t)| *t == tag).map(|(i, _)| *i));
        }
        files.sort_unstable();
        files.dedup();
        // A fragment naming no file at all is a validation error already.
        let names_one =
            f.param_str("target").is_some() || f.param("tag").is_some_and(|t| !t.is_undef());
        if files.is_empty() && names_one {
            orphans.push(j);
        }
        for i in files {
            out.entry(i).or_default().push(j);
        }
    }
    (out, orphans)
}

/// One autorequire found: the resource required, and why.
pub(crate) struct Auto {
    pub(crate) dep: usize,
    pub(crate) why: &'static str,
}

fn abs_program(v: &Value) -> Option<String> {
    let s = match v.unwrap_sensitive() {
        Value::String(s) => s.as_str(),
        Value::Array(a) => a.first()?.unwrap_sensitive().as_str()?,
        _ => return None,
    };
    let first = s.split_whitespace().next()?;
    first
        .starts_with('/')
        .then(|| normalise_path(first).to_string())
}

/// Names in a "string or array" attribute, with comma-separated strings split (user
/// `groups => 'a,b'`), numeric ids skipped (they name no resource).
fn names(v: Option<&Value>) -> Vec<String> {
    let Some(v) = v else { return Vec::new() };
    v.as_list()
        .into_iter()
        .filter_map(|x| x.unwrap_sensitive().as_str())
        .flat_map(|s| s.split(','))
        .map(str::trim)
        .filter(|s| !s.is_empty() && !s.chars().all(|c| c.is_ascii_digit()))
        .map(str::to_string)
        .collect()
}

impl Lookup<'_> {
    fn file(&self, path: &str) -> Option<usize> {
        self.files.get(normalise_path(path)).copied()
    }

    fn named(&self, ty: &'static str, name: &str) -> Option<usize> {
        self.named.get(&(ty, name)).copied()
    }

    /// The nearest managed directory above `path`, as the file's parent directory.
    fn parent_dir(&self, path: &str, push: &mut impl FnMut(Option<usize>, &'static str)) {
        let mut path = normalise_path(path);
        while path != "/" {
            let Some(cut) = path.rfind('/') else { break };
            path = if cut == 0 { "/" } else { &path[..cut] };
            // `a//b` names the same directory as `a/b`.
            path = normalise_path(path);
            if let Some(dep) = self.file(path) {
                push(Some(dep), "the file's parent directory");
                break;
            }
        }
    }

    /// What resource `i` autorequires, in a fixed order per type.
    pub(crate) fn autorequires(&self, i: usize, r: &Resource) -> Vec<Auto> {
        let mut out = Vec::new();
        let mut push = |dep: Option<usize>, why: &'static str| {
            if let Some(dep) = dep {
                out.push(Auto { dep, why });
            }
        };
        match r.type_name.as_str() {
            "file" => {
                self.parent_dir(r.name_or_title("path"), &mut push);
                for u in names(r.param("owner")) {
                    push(self.named("User", &u), "the file's owner");
                }
                for g in names(r.param("group")) {
                    push(self.named("Group", &g), "the file's group");
                }
            }
            "file_line" => {
                if let Some(p) = r.param_str("path") {
                    push(self.file(p), "the file file_line edits");
                }
            }
            "concat_file" => {
                self.parent_dir(r.name_or_title("path"), &mut push);
                for u in names(r.param("owner")) {
                    push(self.named("User", &u), "the file's owner");
                }
                for g in names(r.param("group")) {
                    push(self.named("Group", &g), "the file's group");
                }
            }
            "ini_setting" | "ini_subsetting" => {
                if let Some(p) = r.param_str("path") {
                    push(self.file(p), "the INI file the setting edits");
                    self.parent_dir(p, &mut push);
                }
            }
            "apt_key" => {
                if let Some(s) = r.param_str("source").filter(|s| s.starts_with('/')) {
                    push(self.file(s), "the key file");
                }
            }
            "exec" => {
                if let Some(cwd) = r.param_str("cwd") {
                    push(self.file(cwd), "the exec's cwd");
                }
                for u in names(r.param("user")) {
                    push(self.named("User", &u), "the exec's user");
                }
                let command = r
                    .param("command")
                    .cloned()
                    .unwrap_or_else(|| Value::from(r.title.as_str()));
                if let Some(p) = abs_program(&command) {
                    push(self.file(&p), "the program the exec runs");
                }
                for check in ["onlyif", "unless"] {
                    let Some(v) = r.param(check) else { continue };
                    // One command, or a list of commands (strings or argv arrays): the
                    // first word of each that is an absolute path names a program.
                    let cmds: Vec<&Value> = match v {
                        Value::Array(a) => a.iter().collect(),
                        v => vec![v],
                    };
                    for c in cmds {
                        if let Some(p) = abs_program(c) {
                            push(self.file(&p), "a program the exec's check runs");
                        }
                    }
                }
            }
            "user" => {
                for g in names(r.param("gid")) {
                    push(self.named("Group", &g), "the user's primary group");
                }
                for g in names(r.param("groups")) {
                    push(self.named("Group", &g), "the user's groups");
                }
            }
            "nginx_server" | "nginx_location" | "nginx_upstream" => {
                push(self.named("Package", "nginx"), "the nginx package");
                if let Some(t) = r.param_str("target") {
                    push(self.file(t), "the file the block goes into");
                }
                if let Some(s) = r.param_str("server") {
                    push(
                        self.named("Nginx_server", s),
                        "the server the location goes into",
                    );
                }
                // A location passing requests to an upstream of the catalog needs it first.
                if let Some(converge_catalog::Value::Hash(h)) = r.param("directives") {
                    for (k, v) in h {
                        let Some(url) = v.as_str().filter(|_| k.ends_with("_pass")) else {
                            continue;
                        };
                        let host = url.split("://").nth(1).unwrap_or(url);
                        let name = host.split(['/', ':']).next().unwrap_or(host);
                        push(
                            self.named("Nginx_upstream", name),
                            "the upstream it passes to",
                        );
                    }
                }
            }
            "nginx_directive" => {
                push(self.named("Package", "nginx"), "the nginx package");
                let target = ["target", "file", "path"]
                    .iter()
                    .find_map(|k| r.param_str(k));
                match target {
                    Some(t) => push(self.file(t), "the file the directive edits"),
                    None => {
                        for t in NGINX_DEFAULT_SITES {
                            push(self.file(t), "the default site the directive edits");
                        }
                    }
                }
            }
            _ => {}
        }
        if let Some(frags) = self.fragments.get(&i) {
            for &f in frags {
                push(Some(f), "a fragment of the concat_file");
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_lose_trailing_slashes_but_root_stays() {
        assert_eq!(normalise_path("/etc/nginx/"), "/etc/nginx");
        assert_eq!(normalise_path("/"), "/");
        assert_eq!(normalise_path("//"), "/");
    }

    #[test]
    fn programs_are_the_first_word_when_absolute() {
        assert_eq!(
            abs_program(&Value::from("/usr/local/bin/x --flag")),
            Some("/usr/local/bin/x".into())
        );
        assert_eq!(abs_program(&Value::from("sed -i x")), None);
        assert_eq!(
            abs_program(&Value::Array(vec!["/bin/true".into()])),
            Some("/bin/true".into())
        );
    }

    #[test]
    fn group_lists_split_commas_and_skip_ids() {
        assert_eq!(
            names(Some(&Value::from("www-data, adm"))),
            vec!["www-data".to_string(), "adm".to_string()]
        );
        assert!(names(Some(&Value::Integer(33))).is_empty());
        assert!(names(Some(&Value::from("33"))).is_empty());
    }
}
