//! The built-in resource types as data: namevar, attributes, allowed values and value kinds.
//!
//! Every type is one `static` [`TypeSchema`] listed in [`TYPES`]; validation
//! ([`crate::validate`]) and documentation walk that list instead of a per-type `match`, so a
//! new type is one new table, not edits scattered over the crate. Type-specific rules that
//! cannot be expressed as a table (an exec command must be qualified, file_line needs `line`
//! unless it removes by `match`) are a plain function pointer in [`TypeSchema::check`].

use converge_catalog::{Diagnostic, Resource, Value};

/// What values an attribute accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Anything at all (notify's `message`, tags).
    Any,
    /// A string; numbers are accepted and used as their string form, as Puppet munges them.
    String,
    /// A string or an array of strings.
    Strings,
    /// One of a fixed set of words. `shown` are listed in messages; `aliases` are accepted
    /// silently (service `ensure => true`); `open` accepts any other non-empty string too
    /// (package `ensure => '1.18.0-6'`).
    Values {
        /// Canonical values, listed in "Valid values are ..." messages.
        shown: &'static [&'static str],
        /// Accepted synonyms not worth listing.
        aliases: &'static [&'static str],
        /// Whether any other non-empty string is accepted as well.
        open: bool,
    },
    /// `true`/`false`, also as the strings `true`, `false`, `yes`, `no`.
    Boolean,
    /// An integer, or a string of digits.
    Integer,
    /// An integer or a float, or a string of one.
    Number,
    /// An integer or an array of integers (exec `returns`).
    Integers,
    /// A fully qualified path.
    AbsolutePath,
    /// A file mode: must be a string, numeric (`'0644'`) or symbolic (`'u=rw,go=r'`).
    Mode,
    /// A command: a string, or an array (an argv, or several commands for guards).
    Command,
    /// A hash.
    Hash,
    /// A name or a numeric id (owner, group, uid, gid).
    NameOrId,
}

/// One attribute of a type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attr {
    /// The attribute's name as written in manifests.
    pub name: &'static str,
    /// What values it accepts.
    pub kind: Kind,
    /// Properties are compared with the host and changed; parameters only steer how.
    pub property: bool,
    /// Accepted so that existing manifests compile, but converge's provider does not act on
    /// it yet; validation warns (`unsupported-attribute`).
    pub ignored: bool,
}

/// A property: compared with the host's state and changed when different.
pub(crate) const fn prop(name: &'static str, kind: Kind) -> Attr {
    Attr {
        name,
        kind,
        property: true,
        ignored: false,
    }
}

/// A parameter: steers how the resource is managed, never "changed" itself.
pub(crate) const fn param(name: &'static str, kind: Kind) -> Attr {
    Attr {
        name,
        kind,
        property: false,
        ignored: false,
    }
}

/// Mark an attribute as accepted but not acted on.
pub(crate) const fn ignored(a: Attr) -> Attr {
    Attr { ignored: true, ..a }
}

/// A closed set of values.
pub(crate) const fn values(
    shown: &'static [&'static str],
    aliases: &'static [&'static str],
) -> Kind {
    Kind::Values {
        shown,
        aliases,
        open: false,
    }
}

/// A type-specific rule that a table cannot express.
pub type Check = fn(&Resource, &TypeSchema, &mut Vec<Diagnostic>);

/// A resource type: its attributes and the rules on them.
#[derive(Debug)]
pub struct TypeSchema {
    /// Lowercase type name (`file_line`).
    pub name: &'static str,
    /// The attribute the title defaults (`path` for file, `command` for exec).
    pub namevar: &'static str,
    /// Every attribute the type accepts besides the metaparameters.
    pub attrs: &'static [Attr],
    /// Attributes that must always be set (besides the namevar, which the title provides).
    pub required: &'static [&'static str],
    /// Groups of attributes of which at most one may be set.
    pub exclusive: &'static [&'static [&'static str]],
    /// Rules beyond the tables.
    pub check: Option<Check>,
    /// Whether this is a placeholder whose attributes a later issue refines.
    pub placeholder: bool,
}

impl TypeSchema {
    /// The attribute of this name, metaparameters included.
    pub fn attr(&self, name: &str) -> Option<&'static Attr> {
        self.attrs
            .iter()
            .chain(METAPARAMS.iter())
            .find(|a| a.name == name)
    }

    /// Every name accepted on this type, metaparameters included (for suggestions).
    pub fn attr_names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.attrs.iter().chain(METAPARAMS.iter()).map(|a| a.name)
    }

    /// Whether `name` is a property (compared and changed) rather than a parameter.
    pub fn is_property(&self, name: &str) -> bool {
        self.attr(name).is_some_and(|a| a.property)
    }
}

/// Metaparameters every type accepts. The relationship ones normally become edges in the
/// compiler; they are accepted here too so that a hand-written catalog still validates.
pub static METAPARAMS: &[Attr] = &[
    param("alias", Kind::Strings),
    param("tag", Kind::Strings),
    param("noop", Kind::Boolean),
    param(
        "loglevel",
        values(
            &[
                "debug", "info", "notice", "warning", "err", "alert", "emerg", "crit", "verbose",
            ],
            &[],
        ),
    ),
    param("audit", Kind::Strings),
    param("schedule", Kind::String),
    param("stage", Kind::String),
    param("require", Kind::Any),
    param("before", Kind::Any),
    param("notify", Kind::Any),
    param("subscribe", Kind::Any),
];

pub(crate) const ENSURE_PRESENT_ABSENT: Kind = values(&["present", "absent"], &[]);

/// `package`: apt/dpkg packages.
pub static PACKAGE: TypeSchema = TypeSchema {
    name: "package",
    namevar: "name",
    attrs: &[
        param("name", Kind::String),
        prop(
            "ensure",
            Kind::Values {
                shown: &[
                    "present",
                    "absent",
                    "purged",
                    "disabled",
                    "installed",
                    "latest",
                    "held",
                ],
                aliases: &[],
                open: true,
            },
        ),
        param(
            "provider",
            values(&["apt", "dpkg", "pip", "pip3", "gem"], &[]),
        ),
        param("source", Kind::String),
        param("install_options", Kind::Any),
        param("uninstall_options", Kind::Any),
        param("configfiles", values(&["keep", "replace"], &[])),
        ignored(param("responsefile", Kind::AbsolutePath)),
        ignored(param("adminfile", Kind::String)),
        ignored(param("allow_virtual", Kind::Boolean)),
        ignored(param("reinstall_on_refresh", Kind::Boolean)),
        ignored(prop("mark", values(&["hold", "none"], &[]))),
    ],
    required: &[],
    exclusive: &[],
    check: Some(crate::forge_schema::check_package),
    placeholder: false,
};

/// `file`: files, directories and symlinks.
pub static FILE: TypeSchema = TypeSchema {
    name: "file",
    namevar: "path",
    attrs: &[
        param("path", Kind::AbsolutePath),
        prop(
            "ensure",
            values(
                &["absent", "present", "file", "directory", "link"],
                &["false"],
            ),
        ),
        prop("content", Kind::String),
        param("source", Kind::Strings),
        prop("target", Kind::String),
        prop("mode", Kind::Mode),
        prop("owner", Kind::NameOrId),
        prop("group", Kind::NameOrId),
        param("replace", Kind::Boolean),
        param("backup", Kind::Any),
        param("validate_cmd", Kind::String),
        param("validate_replacement", Kind::String),
        param("force", Kind::Boolean),
        // Acted on for purging (crate::purge); copying a `source` tree is not done yet, which
        // check_file says.
        param("recurse", values(&["true", "false", "remote"], &[])),
        param("recurselimit", Kind::Integer),
        param("purge", Kind::Boolean),
        param("ignore", Kind::Strings),
        param("links", values(&["follow", "manage"], &[])),
        param("show_diff", Kind::Boolean),
        ignored(param(
            "checksum",
            values(
                &["sha256", "md5", "md5lite", "sha1", "mtime", "ctime", "none"],
                &[],
            ),
        )),
        ignored(param("source_permissions", values(&["use", "ignore"], &[]))),
        ignored(param("sourceselect", values(&["first", "all"], &[]))),
        ignored(param("max_files", Kind::Integer)),
        ignored(param("selinux_ignore_defaults", Kind::Boolean)),
        ignored(prop("seltype", Kind::String)),
        ignored(prop("seluser", Kind::String)),
        ignored(prop("selrole", Kind::String)),
        ignored(prop("selrange", Kind::String)),
    ],
    required: &[],
    exclusive: &[&["content", "source", "target"]],
    check: Some(check_file),
    placeholder: false,
};

/// `service`: systemd units or init scripts.
pub static SERVICE: TypeSchema = TypeSchema {
    name: "service",
    namevar: "name",
    attrs: &[
        param("name", Kind::String),
        prop(
            "ensure",
            values(&["stopped", "running"], &["false", "true"]),
        ),
        prop(
            "enable",
            values(&["true", "false", "manual", "mask", "delayed"], &[]),
        ),
        param("hasstatus", Kind::Boolean),
        param("hasrestart", Kind::Boolean),
        param("status", Kind::String),
        param("start", Kind::String),
        param("stop", Kind::String),
        param("restart", Kind::String),
        param("pattern", Kind::String),
        ignored(param("binary", Kind::String)),
        ignored(param("path", Kind::Strings)),
        param(
            "provider",
            values(&["systemd", "debian", "init", "base"], &[]),
        ),
        ignored(param("flags", Kind::String)),
        ignored(param("timeout", Kind::Number)),
    ],
    required: &[],
    exclusive: &[],
    check: None,
    placeholder: false,
};

/// `exec`: commands, guarded by creates/onlyif/unless/refreshonly.
pub static EXEC: TypeSchema = TypeSchema {
    name: "exec",
    namevar: "command",
    attrs: &[
        param("command", Kind::Command),
        param("path", Kind::Strings),
        param("provider", values(&["posix", "shell"], &[])),
        param("creates", Kind::Strings),
        param("onlyif", Kind::Command),
        param("unless", Kind::Command),
        param("refreshonly", Kind::Boolean),
        param("refresh", Kind::Command),
        prop("returns", Kind::Integers),
        param("environment", Kind::Strings),
        param("cwd", Kind::AbsolutePath),
        param("user", Kind::NameOrId),
        param("group", Kind::NameOrId),
        param("umask", Kind::String),
        param("timeout", Kind::Number),
        param("tries", Kind::Integer),
        param("try_sleep", Kind::Number),
        param("logoutput", values(&["true", "false", "on_failure"], &[])),
    ],
    required: &[],
    exclusive: &[],
    check: Some(check_exec),
    placeholder: false,
};

/// `file_line` (puppetlabs-stdlib's, built in): one line in a file.
pub static FILE_LINE: TypeSchema = TypeSchema {
    name: "file_line",
    namevar: "name",
    attrs: &[
        param("name", Kind::String),
        prop("ensure", ENSURE_PRESENT_ABSENT),
        param("path", Kind::AbsolutePath),
        param("line", Kind::String),
        param("match", Kind::String),
        param("after", Kind::String),
        param("multiple", Kind::Boolean),
        param("replace", Kind::Boolean),
        param("append_on_no_match", Kind::Boolean),
        param("replace_all_matches_not_matching_line", Kind::Boolean),
        param("match_for_absence", Kind::Boolean),
        param("encoding", Kind::String),
    ],
    required: &["path"],
    exclusive: &[],
    check: Some(check_file_line),
    placeholder: false,
};

/// `notify`: a message that is always a change.
pub static NOTIFY: TypeSchema = TypeSchema {
    name: "notify",
    namevar: "name",
    attrs: &[
        param("name", Kind::String),
        prop("message", Kind::Any),
        param("withpath", Kind::Boolean),
    ],
    required: &[],
    exclusive: &[],
    check: None,
    placeholder: false,
};

/// `user`: local accounts in /etc/passwd.
pub static USER: TypeSchema = TypeSchema {
    name: "user",
    namevar: "name",
    attrs: &[
        param("name", Kind::String),
        prop("ensure", values(&["present", "absent", "role"], &[])),
        prop("uid", Kind::Integer),
        prop("gid", Kind::NameOrId),
        prop("groups", Kind::Strings),
        param("membership", values(&["inclusive", "minimum"], &[])),
        prop("home", Kind::AbsolutePath),
        param("managehome", Kind::Boolean),
        prop("shell", Kind::AbsolutePath),
        prop("comment", Kind::String),
        prop("password", Kind::String),
        ignored(prop("password_min_age", Kind::Integer)),
        ignored(prop("password_max_age", Kind::Integer)),
        ignored(prop("password_warn_days", Kind::Integer)),
        prop("expiry", Kind::String),
        param("system", Kind::Boolean),
        ignored(param("allowdupe", Kind::Boolean)),
        ignored(param("forcelocal", Kind::Boolean)),
        ignored(param("purge_ssh_keys", Kind::Any)),
        param("provider", values(&["useradd"], &[])),
    ],
    required: &[],
    exclusive: &[],
    check: None,
    placeholder: false,
};

/// `group`: local groups in /etc/group.
pub static GROUP: TypeSchema = TypeSchema {
    name: "group",
    namevar: "name",
    attrs: &[
        param("name", Kind::String),
        prop("ensure", ENSURE_PRESENT_ABSENT),
        prop("gid", Kind::Integer),
        prop("members", Kind::Strings),
        ignored(param("auth_membership", Kind::Boolean)),
        param("system", Kind::Boolean),
        ignored(param("allowdupe", Kind::Boolean)),
        ignored(param("forcelocal", Kind::Boolean)),
        param("provider", values(&["groupadd"], &[])),
    ],
    required: &[],
    exclusive: &[],
    check: None,
    placeholder: false,
};

/// `host`: entries of /etc/hosts (host_core's type).
pub static HOST: TypeSchema = TypeSchema {
    name: "host",
    namevar: "name",
    attrs: &[
        param("name", Kind::String),
        prop("ensure", ENSURE_PRESENT_ABSENT),
        prop("ip", Kind::String),
        prop("host_aliases", Kind::Strings),
        prop("comment", Kind::String),
        param("target", Kind::AbsolutePath),
        param("provider", values(&["parsed"], &[])),
    ],
    required: &[],
    exclusive: &[],
    check: Some(check_host),
    placeholder: false,
};

/// `nginx_directive`: one directive in a block of an nginx configuration file (see
/// `crate::nginx_directive`).
pub static NGINX_DIRECTIVE: TypeSchema = TypeSchema {
    name: "nginx_directive",
    namevar: "name",
    attrs: &[
        param("name", Kind::String),
        prop("ensure", ENSURE_PRESENT_ABSENT),
        param("target", Kind::AbsolutePath),
        param("file", Kind::AbsolutePath),
        param(
            "context",
            values(&["main", "http", "server", "location", "upstream"], &[]),
        ),
        param(
            "block",
            values(&["main", "http", "server", "location", "upstream"], &[]),
        ),
        param("server_name", Kind::String),
        param("listen", Kind::String),
        param("location", Kind::String),
        param("upstream", Kind::String),
        param("directive", Kind::String),
        prop("value", Kind::Any),
        param("key", Kind::Integer),
    ],
    required: &[],
    exclusive: &[
        &["target", "file"],
        &["context", "block"],
        &["location", "upstream"],
    ],
    check: Some(crate::nginx_block::check_directive_resource),
    placeholder: false,
};

/// `nginx_server`: a whole server block (see `crate::nginx_block`).
pub static NGINX_SERVER: TypeSchema = TypeSchema {
    name: "nginx_server",
    namevar: "name",
    attrs: &[
        param("name", Kind::String),
        prop("ensure", ENSURE_PRESENT_ABSENT),
        param("target", Kind::AbsolutePath),
        param("server_name", Kind::Strings),
        param("listen", Kind::Strings),
        prop("directives", Kind::Hash),
        prop("content", Kind::String),
        param("enable", Kind::Boolean),
        param("purge", Kind::Boolean),
    ],
    required: &[],
    exclusive: &[],
    check: Some(crate::nginx_block::check_block_resource),
    placeholder: false,
};

/// `nginx_location`: a whole location block (see `crate::nginx_block`).
pub static NGINX_LOCATION: TypeSchema = TypeSchema {
    name: "nginx_location",
    namevar: "name",
    attrs: &[
        param("name", Kind::String),
        prop("ensure", ENSURE_PRESENT_ABSENT),
        param("location", Kind::String),
        param("server", Kind::String),
        param("target", Kind::AbsolutePath),
        prop("directives", Kind::Hash),
        prop("content", Kind::String),
        param("purge", Kind::Boolean),
    ],
    required: &[],
    exclusive: &[],
    check: Some(crate::nginx_block::check_block_resource),
    placeholder: false,
};

/// `nginx_upstream`: a whole upstream block (see `crate::nginx_block`).
pub static NGINX_UPSTREAM: TypeSchema = TypeSchema {
    name: "nginx_upstream",
    namevar: "name",
    attrs: &[
        param("name", Kind::String),
        prop("ensure", ENSURE_PRESENT_ABSENT),
        param("upstream", Kind::String),
        param("target", Kind::AbsolutePath),
        prop("members", Kind::Any),
        prop("directives", Kind::Hash),
        prop("content", Kind::String),
    ],
    required: &[],
    exclusive: &[],
    check: Some(crate::nginx_block::check_block_resource),
    placeholder: false,
};

/// `http_check`: an HTTP request whose answer must match; changes nothing.
pub static HTTP_CHECK: TypeSchema = TypeSchema {
    name: "http_check",
    namevar: "name",
    attrs: &[
        param("name", Kind::String),
        param("url", Kind::String),
        param("host", Kind::String),
        param("port", Kind::Integer),
        param("path", Kind::String),
        param("status", Kind::Integers),
        param("body", Kind::String),
        param("headers", Kind::Hash),
        param("retries", Kind::Integer),
        param("timeout", Kind::Number),
        param("interval", Kind::Number),
    ],
    required: &[],
    exclusive: &[&["url", "host"], &["url", "port"], &["url", "path"]],
    check: Some(check_http_check),
    placeholder: false,
};

/// An http_check needs something to request: `url`, `host`, or an `http://` title.
fn check_http_check(r: &Resource, _schema: &TypeSchema, out: &mut Vec<Diagnostic>) {
    let has = |a: &str| r.param(a).is_some_and(|v| !v.is_undef());
    if has("url") || has("host") || r.name_or_title("name").starts_with("http://") {
        if let Err(e) = crate::http_check::spec(r) {
            out.push(Diagnostic::error("invalid-value", e.to_string()).at(r.location()));
        }
        return;
    }
    out.push(
        Diagnostic::error(
            "missing-attribute",
            format!("{} needs url or host", r.reference()),
        )
        .at(r.location()),
    );
}

/// Every built-in type, in the order documentation lists them.
pub static TYPES: &[&TypeSchema] = &[
    &PACKAGE,
    &FILE,
    &SERVICE,
    &EXEC,
    &FILE_LINE,
    &NOTIFY,
    &USER,
    &GROUP,
    &HOST,
    &NGINX_DIRECTIVE,
    &NGINX_SERVER,
    &NGINX_LOCATION,
    &NGINX_UPSTREAM,
    &HTTP_CHECK,
    &crate::forge_schema::ANCHOR,
    &crate::forge_schema::CONCAT_FILE,
    &crate::forge_schema::CONCAT_FRAGMENT,
    &crate::forge_schema::INI_SETTING,
    &crate::forge_schema::INI_SUBSETTING,
    &crate::forge_schema::APT_KEY,
];

/// The schema of a built-in type, by its lowercase name.
pub fn lookup(type_name: &str) -> Option<&'static TypeSchema> {
    TYPES.iter().copied().find(|t| t.name == type_name)
}

/// Whether a path is fully qualified (what Puppet calls an absolute path on POSIX).
pub fn is_absolute(path: &str) -> bool {
    path.starts_with('/')
}

/// Whether `mode` is a valid numeric (`0644`, `755`) or symbolic (`u=rw,go=r`) file mode.
pub fn is_valid_mode(mode: &str) -> bool {
    if !mode.is_empty() && mode.len() <= 4 && mode.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
        return true;
    }
    crate::mode::parse_symbolic(mode).is_some()
}

/// Puppet's "fully qualified" error for a path-valued attribute.
pub(crate) fn path_error(r: &Resource, attr: &str, path: &str) -> Diagnostic {
    Diagnostic::error(
        "invalid-value",
        format!(
            "Parameter {attr} failed on {}: File paths must be fully qualified, not '{path}'",
            r.reference()
        ),
    )
    .at(r.attr_location(attr))
}

fn check_file(r: &Resource, schema: &TypeSchema, out: &mut Vec<Diagnostic>) {
    // The title is the path when `path` is not set; it must be absolute too.
    if r.param("path").is_none() && !is_absolute(&r.title) {
        out.push(path_error(r, schema.namevar, &r.title));
    }
    let recurse = matches!(r.param("recurse"), Some(Value::Bool(true)))
        || matches!(r.param_str("recurse"), Some("true" | "remote"));
    if recurse {
        // Recursion acts for purging only: the children do not get the directory's
        // source, mode or ownership yet. Said before the run, not found after it.
        let what: Vec<&str> = ["source", "mode", "owner", "group"]
            .into_iter()
            .filter(|a| r.param(a).is_some())
            .collect();
        if !what.is_empty() {
            out.push(
                Diagnostic::warning(
                    "unsupported-attribute",
                    format!(
                        "{}: converge does not apply {} to what is under the directory yet (recurse acts for purge only)",
                        r.reference(),
                        what.join(", ")
                    ),
                )
                .at(r.attr_location("recurse")),
            );
        }
    }
    let ensure = r.param_str("ensure");
    if let Some(e) = ensure {
        if matches!(e, "directory" | "absent")
            && (r.param("content").is_some() || r.param("source").is_some())
        {
            let which = if r.param("content").is_some() {
                "content"
            } else {
                "source"
            };
            out.push(
                Diagnostic::warning(
                    "ignored-attribute",
                    format!("{}: '{which}' is ignored with ensure => {e}", r.reference()),
                )
                .at(r.attr_location(which)),
            );
        }
        if e == "link" && r.param("target").is_none() {
            out.push(
                Diagnostic::error(
                    "missing-attribute",
                    format!("{}: ensure => link requires a 'target'", r.reference()),
                )
                .at(r.attr_location("ensure")),
            );
        }
    }
}

/// The program an exec command runs: the first word of a string, the first element of an argv.
fn command_program(v: &converge_catalog::Value) -> Option<String> {
    match v.unwrap_sensitive() {
        converge_catalog::Value::String(s) => {
            Some(s.split_whitespace().next().unwrap_or("").to_string())
        }
        converge_catalog::Value::Array(a) => a.first().map(|f| f.to_string()),
        _ => None,
    }
}

fn check_exec(r: &Resource, _schema: &TypeSchema, out: &mut Vec<Diagnostic>) {
    let has_path = r.param("path").is_some_and(|p| !p.is_undef());
    if has_path || r.param_str("provider") == Some("shell") {
        return;
    }
    let command = r
        .param("command")
        .cloned()
        .unwrap_or_else(|| converge_catalog::Value::String(r.title.clone()));
    let mut check = |attr: &str, cmd: &converge_catalog::Value| {
        let Some(program) = command_program(cmd) else {
            return;
        };
        if !is_absolute(&program) {
            out.push(
                Diagnostic::error(
                    "unqualified-command",
                    format!(
                        "'{program}' is not qualified and no path was specified. Please qualify the command or specify a path."
                    ),
                )
                .at(r.attr_location(attr))
                .with_hint(format!(
                    "use the full path of '{program}', set `path => ['/usr/bin', '/bin', '/usr/sbin', '/sbin']`, or `provider => shell`"
                )),
            );
        }
    };
    check("command", &command);
    for guard in ["onlyif", "unless"] {
        if let Some(v) = r.param(guard) {
            match v.unwrap_sensitive() {
                // An array of strings is several commands; an array of arrays, several argvs.
                converge_catalog::Value::Array(items)
                    if items
                        .iter()
                        .all(|i| matches!(i, converge_catalog::Value::Array(_))) =>
                {
                    for i in items {
                        check(guard, i);
                    }
                }
                converge_catalog::Value::Array(items) => {
                    for i in items {
                        check(guard, i);
                    }
                }
                other => check(guard, other),
            }
        }
    }
}

fn check_file_line(r: &Resource, _schema: &TypeSchema, out: &mut Vec<Diagnostic>) {
    let absent = r.param_str("ensure") == Some("absent");
    let mfa = r
        .param("match_for_absence")
        .and_then(|v| v.as_bool())
        .unwrap_or(false);
    let has_match = r.param("match").is_some();
    if r.param("line").is_none() && !(absent && mfa) {
        let hint = if absent && !mfa {
            "set `line`, or remove by pattern with `match` and `match_for_absence => true`"
        } else {
            "set `line` to the whole line the file must contain"
        };
        out.push(
            Diagnostic::error(
                "missing-attribute",
                format!("{}: line is a required attribute", r.reference()),
            )
            .at(r.location())
            .with_hint(hint),
        );
    }
    if absent && mfa && !has_match {
        out.push(
            Diagnostic::error(
                "missing-attribute",
                format!(
                    "{}: match is required with match_for_absence => true",
                    r.reference()
                ),
            )
            .at(r.attr_location("match_for_absence")),
        );
    }
    for attr in ["match", "after"] {
        if let Some(p) = r.param_str(attr) {
            if let Err(e) = converge_rubyre::Regex::cached(p) {
                out.push(
                    Diagnostic::error(
                        "invalid-value",
                        format!(
                            "Parameter {attr} failed on {}: invalid regular expression: {}",
                            r.reference(),
                            e
                        ),
                    )
                    .at(r.attr_location(attr)),
                );
            }
        }
    }
    if let Some(line) = r.param_str("line") {
        if line.trim_end_matches('\n').contains('\n') {
            out.push(
                Diagnostic::warning(
                    "multi-line",
                    format!(
                        "{}: line contains a newline; converge manages it as a block of lines (Puppet would add it again on every run)",
                        r.reference()
                    ),
                )
                .at(r.attr_location("line")),
            );
        }
    }
}

fn check_host(r: &Resource, _schema: &TypeSchema, out: &mut Vec<Diagnostic>) {
    let absent = r.param_str("ensure") == Some("absent");
    if !absent && r.param("ip").is_none() {
        out.push(
            Diagnostic::error(
                "missing-attribute",
                format!("{}: ip is a required attribute for hosts", r.reference()),
            )
            .at(r.location()),
        );
    }
    let name = r.name_or_title("name");
    if name.is_empty()
        || name.contains(char::is_whitespace)
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.' || c == '_')
    {
        out.push(
            Diagnostic::error(
                "invalid-value",
                format!(
                    "Parameter name failed on {}: Invalid host name",
                    r.reference()
                ),
            )
            .at(r.attr_location("name")),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_is_unique_and_has_its_namevar_as_an_attribute() {
        for (i, t) in TYPES.iter().enumerate() {
            assert!(t.attr(t.namevar).is_some(), "{} lacks its namevar", t.name);
            assert!(
                TYPES[..i].iter().all(|o| o.name != t.name),
                "{} twice",
                t.name
            );
            for a in t.attrs {
                assert!(
                    METAPARAMS.iter().all(|m| m.name != a.name),
                    "{}.{} shadows a metaparameter",
                    t.name,
                    a.name
                );
            }
        }
    }

    #[test]
    fn modes() {
        assert!(is_valid_mode("0644"));
        assert!(is_valid_mode("755"));
        assert!(is_valid_mode("u=rw,go=r"));
        assert!(!is_valid_mode("0899"));
        assert!(!is_valid_mode("rw"));
    }
}
