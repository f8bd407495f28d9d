//! nginx's directive table and the check nginx itself makes of every directive it reads.
//!
//! [`table::TABLE`] is generated (`cargo xtask nginx-directives SRC`) from the
//! `ngx_command_t` arrays of nginx 1.22.1, the version Debian 12 ships, for the modules
//! Debian's package builds: each directive's name, module family and flag bits (where it
//! is allowed: `NGX_HTTP_MAIN_CONF`, `_SRV_`, `_LOC_`, `_UPS_`, `_SIF_`, `_LIF_`, `_LMT_`,
//! `NGX_EVENT_CONF`, ...; how many arguments it takes: `NGX_CONF_NOARGS`, `TAKE1`..`TAKE7`,
//! `FLAG`, `1MORE`, `2MORE`, `ANY`; whether it opens a block: `NGX_CONF_BLOCK`).
//!
//! [`check`] walks a parsed file the way `ngx_conf_handler` (`src/core/ngx_conf_file.c`)
//! does and reports, located at the directive's line and column, what nginx would refuse
//! in nginx's own words: `"proxy_pass" directive is not allowed here`, `invalid number of
//! arguments in "user" directive`, `directive "server" has no opening "{"`, `directive
//! "gzip" is not terminated by ";"`. A directive the table does not know is a warning, not
//! an error, since modules add directives (`unknown directive "content_by_lua_block"`).
//! The contents of blocks that nginx hands to a module's own parser (`map`, `geo`, `types`,
//! `split_clients`, `charset_map`, Lua blocks) are not checked.

/// The generated table (`cargo xtask nginx-directives`).
pub mod table;

use crate::syntax::{line_col, Block, Body, Config, Directive};

/// Which family of modules a directive belongs to: the meaning of its context bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// `include`: allowed everywhere.
    Conf,
    /// The main context (`NGX_MAIN_CONF`).
    Core,
    /// The `events` block.
    Event,
    /// `http` and what is inside it.
    Http,
    /// `mail` and its servers.
    Mail,
    /// `stream` and what is inside it.
    Stream,
}

/// One directive of nginx's command tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spec {
    /// Its name.
    pub name: &'static str,
    /// Its module family.
    pub family: Family,
    /// nginx's flag bits (`ngx_command_t.type`).
    pub flags: u32,
    /// The module's source file name (`ngx_http_proxy_module`).
    pub module: &'static str,
    /// Debian builds its module as a loadable one (a `libnginx-mod-*` package).
    pub dynamic: bool,
}

const BLOCK: u32 = 0x100;
const FLAG: u32 = 0x200;
const ANY: u32 = 0x400;
const MORE1: u32 = 0x800;
const MORE2: u32 = 0x1000;
const TAKE: [u32; 8] = [0x1, 0x2, 0x4, 0x8, 0x10, 0x20, 0x40, 0x80];

/// A configuration context: where a directive stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    /// The top of nginx.conf.
    Main,
    /// `events { }`.
    Events,
    /// `http { }` (and the top of a file it includes, such as a site).
    Http,
    /// `server { }` in http.
    Server,
    /// `location { }`.
    Location,
    /// `upstream { }` in http.
    Upstream,
    /// `if { }` in a server.
    ServerIf,
    /// `if { }` in a location.
    LocationIf,
    /// `limit_except { }`.
    LimitExcept,
    /// `mail { }`.
    Mail,
    /// `server { }` in mail.
    MailServer,
    /// `stream { }`.
    Stream,
    /// `server { }` in stream.
    StreamServer,
    /// `upstream { }` in stream.
    StreamUpstream,
}

impl Context {
    /// The module family and context bit nginx tests for a directive here.
    fn bits(self) -> (Family, u32) {
        match self {
            Context::Main => (Family::Core, 0x0100_0000),
            Context::Events => (Family::Event, 0x0200_0000),
            Context::Http => (Family::Http, 0x0200_0000),
            Context::Server => (Family::Http, 0x0400_0000),
            Context::Location => (Family::Http, 0x0800_0000),
            Context::Upstream => (Family::Http, 0x1000_0000),
            Context::ServerIf => (Family::Http, 0x2000_0000),
            Context::LocationIf => (Family::Http, 0x4000_0000),
            Context::LimitExcept => (Family::Http, 0x8000_0000),
            Context::Mail => (Family::Mail, 0x0200_0000),
            Context::MailServer => (Family::Mail, 0x0400_0000),
            Context::Stream => (Family::Stream, 0x0200_0000),
            Context::StreamServer => (Family::Stream, 0x0400_0000),
            Context::StreamUpstream => (Family::Stream, 0x0800_0000),
        }
    }

    /// How nginx names it in its documentation.
    pub fn name(self) -> &'static str {
        match self {
            Context::Main => "main",
            Context::Events => "events",
            Context::Http => "http",
            Context::Server => "server",
            Context::Location => "location",
            Context::Upstream => "upstream",
            Context::ServerIf => "if in server",
            Context::LocationIf => "if in location",
            Context::LimitExcept => "limit_except",
            Context::Mail => "mail",
            Context::MailServer => "mail server",
            Context::Stream => "stream",
            Context::StreamServer => "stream server",
            Context::StreamUpstream => "stream upstream",
        }
    }

    /// The context inside block directive `name` standing here; `None` when nginx hands
    /// the block's content to the module's own parser (nothing to check in there).
    pub fn inner(self, name: &str) -> Option<Context> {
        use Context::*;
        Some(match (self, name) {
            (Main, "events") => Events,
            (Main, "http") => Http,
            (Main, "mail") => Mail,
            (Main, "stream") => Stream,
            (Http, "server") => Server,
            (Http, "upstream") => Upstream,
            (Server | Location, "location") => Location,
            (Server, "if") => ServerIf,
            (Location, "if") => LocationIf,
            (Location, "limit_except") => LimitExcept,
            (Mail, "server") => MailServer,
            (Stream, "server") => StreamServer,
            (Stream, "upstream") => StreamUpstream,
            _ => return None,
        })
    }

    /// The contexts a directive is allowed in (empty when the table does not know it).
    pub fn allowed_for(name: &str) -> Vec<Context> {
        use Context::*;
        [
            Main,
            Events,
            Http,
            Server,
            Location,
            Upstream,
            ServerIf,
            LocationIf,
            LimitExcept,
            Mail,
            MailServer,
            Stream,
            StreamServer,
            StreamUpstream,
        ]
        .into_iter()
        .filter(|c| lookup(name).any(|s| allowed(s, *c)))
        .collect()
    }
}

/// The table's entries for a name.
pub fn lookup(name: &str) -> impl Iterator<Item = &'static Spec> + '_ {
    let start = table::TABLE.partition_point(|s| s.name < name);
    table::TABLE[start..]
        .iter()
        .take_while(move |s| s.name == name)
}

fn allowed(s: &Spec, cx: Context) -> bool {
    let (fam, bit) = cx.bits();
    (s.family == fam || s.family == Family::Conf) && s.flags & bit != 0
}

/// Whether `argc` arguments suit a directive's flags (nginx's own test).
fn args_ok(flags: u32, argc: usize) -> bool {
    if flags & ANY != 0 {
        return true;
    }
    if flags & FLAG != 0 {
        return argc == 1;
    }
    if flags & MORE1 != 0 {
        return argc >= 1;
    }
    if flags & MORE2 != 0 {
        return argc >= 2;
    }
    argc < TAKE.len() && flags & TAKE[argc] != 0
}

/// How many arguments a directive takes, in words (`one`, `one or two`, `at least one`,
/// `on or off`, `none`).
pub fn arity(flags: u32) -> String {
    if flags & ANY != 0 {
        return "any number of arguments".into();
    }
    if flags & FLAG != 0 {
        return "one argument, on or off".into();
    }
    if flags & MORE1 != 0 {
        return "at least one argument".into();
    }
    if flags & MORE2 != 0 {
        return "at least two arguments".into();
    }
    let counts: Vec<String> = (0..TAKE.len())
        .filter(|&n| flags & TAKE[n] != 0)
        .map(|n| n.to_string())
        .collect();
    match counts.as_slice() {
        [n] if n == "0" => "no arguments".into(),
        [n] if n == "1" => "one argument".into(),
        [n] => format!("{n} arguments"),
        [rest @ .., last] => format!("{} or {last} arguments", rest.join(", ")),
        [] => "no arguments".into(),
    }
}

/// What is wrong with one directive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// nginx refuses it here (an error).
    NotAllowedHere,
    /// Wrong number of arguments (an error).
    Arguments,
    /// A block directive written with `;` (an error).
    NoOpeningBrace,
    /// A simple directive written with a block (an error).
    NotTerminated,
    /// Not in the table: a module converge does not know may add it (a warning).
    Unknown,
}

/// A directive nginx would refuse (or may not know), where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// 1-based line of the directive's name.
    pub line: usize,
    /// 1-based column (bytes) of the directive's name.
    pub col: usize,
    /// The directive's name.
    pub name: String,
    /// The context it stands in.
    pub context: Context,
    /// What is wrong.
    pub kind: Kind,
    /// nginx's message.
    pub message: String,
    /// What would be right, when something can be said.
    pub hint: Option<String>,
}

impl Problem {
    /// Whether nginx refuses the configuration because of it.
    pub fn is_error(&self) -> bool {
        self.kind != Kind::Unknown
    }
}

/// The context the top of a file stands in: `main` for a file with an `http` or `events`
/// block (nginx.conf), else `http` (a site or a `conf.d` file, included inside `http`).
pub fn file_context(cfg: &Config) -> Context {
    let top = cfg
        .root
        .items
        .iter()
        .any(|d| d.block().is_some() && matches!(d.name().as_str(), "http" | "events"));
    if top {
        Context::Main
    } else {
        Context::Http
    }
}

/// Check one directive standing in `cx` (not its body); `None` when nginx accepts it.
pub fn check_directive(d: &Directive, cx: Context) -> Option<(Kind, String, Option<String>)> {
    let name = d.name();
    let specs: Vec<&Spec> = lookup(&name).collect();
    if specs.is_empty() {
        return Some((
            Kind::Unknown,
            format!("unknown directive \"{name}\""),
            Some(format!(
                "nginx {} as Debian builds it has no such directive; a module may add it, else check its spelling",
                table::NGINX_VERSION
            )),
        ));
    }
    let Some(spec) = specs.iter().find(|s| allowed(s, cx)) else {
        let places: Vec<&str> = Context::allowed_for(&name)
            .iter()
            .map(|c| c.name())
            .collect();
        return Some((
            Kind::NotAllowedHere,
            format!("\"{name}\" directive is not allowed here"),
            Some(format!(
                "\"{name}\" is allowed in: {} (here: {})",
                places.join(", "),
                cx.name()
            )),
        ));
    };
    let block = !d.is_simple();
    if spec.flags & BLOCK == 0 && block {
        return Some((
            Kind::NotTerminated,
            format!("directive \"{name}\" is not terminated by \";\""),
            Some(format!("\"{name}\" takes no block")),
        ));
    }
    if spec.flags & BLOCK != 0 && !block {
        return Some((
            Kind::NoOpeningBrace,
            format!("directive \"{name}\" has no opening \"{{\""),
            Some(format!("\"{name}\" opens a block: {name} ... {{ ... }}")),
        ));
    }
    if !args_ok(spec.flags, d.args.len()) {
        let given = match d.args.len() {
            0 => "none given".to_string(),
            1 => "1 given".to_string(),
            n => format!("{n} given"),
        };
        return Some((
            Kind::Arguments,
            format!("invalid number of arguments in \"{name}\" directive"),
            Some(format!("\"{name}\" takes {} ({given})", arity(spec.flags))),
        ));
    }
    None
}

/// Check a block's directives (and their blocks) standing in `cx`; positions are those of
/// `file`, the printed bytes the block is part of, starting at byte `offset`.
pub fn check_block(b: &Block, cx: Context) -> Vec<(usize, Problem)> {
    let mut out = Vec::new();
    let mut offset = 0;
    walk(b, cx, &mut offset, &mut out);
    out
}

fn walk(b: &Block, cx: Context, offset: &mut usize, out: &mut Vec<(usize, Problem)>) {
    for d in &b.items {
        *offset += d.leading.len();
        let at = *offset;
        if let Some((kind, message, hint)) = check_directive(d, cx) {
            out.push((
                at,
                Problem {
                    line: 0,
                    col: 0,
                    name: d.name(),
                    context: cx,
                    kind,
                    message,
                    hint,
                },
            ));
        }
        *offset += d.name.len();
        for a in &d.args {
            *offset += a.leading.len() + a.raw.len();
        }
        *offset += d.before_end.len();
        match &d.body {
            Body::None => *offset += 1,
            Body::Raw(r) => *offset += 2 + r.len(),
            Body::Block(inner) => {
                *offset += 1;
                match cx.inner(&d.name()) {
                    Some(icx) => walk(inner, icx, offset, out),
                    None => {
                        let mut v = Vec::new();
                        inner.print(&mut v);
                        *offset += v.len();
                    }
                }
                *offset += 1;
            }
        }
        *offset += d.trailing.len();
    }
    *offset += b.trailing.len();
}

/// Every directive of a file that nginx would refuse where it stands (or does not know),
/// in file order, with its line and column; the top of the file stands in `cx`.
pub fn check(cfg: &Config, cx: Context) -> Vec<Problem> {
    let bytes = cfg.to_bytes();
    check_block(&cfg.root, cx)
        .into_iter()
        .map(|(at, mut p)| {
            let (line, col) = line_col(&bytes, at);
            p.line = line;
            p.col = col;
            p
        })
        .collect()
}
