//! puppetlabs-stdlib 8.5's functions, native: the module ships them in Ruby, which
//! converge cannot load. Each follows the module's Ruby source (semantics and messages),
//! and `tests/expr/stdlib_*.cases` check them against Puppet 7 with the real module.
//!
//! One table drives both the dispatch ([`find`]) and [`provides`], so the list of
//! functions converge carries cannot drift from the functions it calls.

mod data;
mod forge;
mod host;
mod strftime;
mod strings;
mod validate;
mod yaml;

use super::value::Val;
use super::{Compiler, R};
use crate::ast::{Lambda, Span};

/// A native stdlib function: the compiler, the evaluated arguments, the lambda if any,
/// and the call's span for located errors.
type Native = fn(&mut Compiler, Vec<Val>, Option<&Lambda>, Span) -> R<Val>;

/// Every stdlib function converge implements, by the name manifests call it by.
const TABLE: &[(&str, Native)] = &[
    ("any2array", data::any2array),
    ("any2bool", data::any2bool),
    ("count", data::count),
    ("deep_merge", data::deep_merge),
    ("delete", data::delete),
    ("delete_at", data::delete_at),
    ("delete_undef_values", data::delete_undef_values),
    ("delete_values", data::delete_values),
    ("difference", data::difference),
    ("grep", data::grep),
    ("hash", data::hash),
    ("intersection", data::intersection),
    ("join_keys_to_values", data::join_keys_to_values),
    ("merge", data::merge),
    ("num2bool", data::num2bool),
    ("pick", data::pick),
    ("pick_default", data::pick_default),
    ("prefix", data::prefix),
    ("suffix", data::suffix),
    ("range", data::range),
    ("reject", data::reject),
    ("union", data::union),
    ("unique", data::unique),
    ("values_at", data::values_at),
    ("zip", data::zip),
    ("concat", data::concat),
    ("delete_regex", data::delete_regex),
    ("to_python", strings::to_python),
    ("to_ruby", strings::to_ruby),
    ("batch_escape", strings::batch_escape),
    ("powershell_escape", strings::powershell_escape),
    ("parsejson", strings::parsejson),
    ("parsepson", strings::parsepson),
    ("to_toml", strings::to_toml),
    ("str2saltedpbkdf2", strings::str2saltedpbkdf2),
    ("has_interface_with", host::has_interface_with),
    ("has_ip_address", host::has_ip_address),
    ("has_ip_network", host::has_ip_network),
    ("stdlib::str2resource", host::str2resource),
    ("assert_private", host::assert_private),
    ("fqdn_uuid", host::fqdn_uuid),
    ("deprecation", validate::deprecation_fn),
    ("regexpescape", strings::regexpescape),
    ("shell_escape", strings::shell_escape),
    ("shell_join", strings::shell_join),
    ("shell_split", strings::shell_split),
    ("str2bool", strings::str2bool),
    ("bool2str", strings::bool2str),
    ("bool2num", strings::bool2num),
    ("to_json", strings::to_json),
    ("to_json_pretty", strings::to_json_pretty),
    ("to_yaml", strings::to_yaml),
    ("base64", strings::base64),
    ("basename", strings::basename),
    ("dirname", strings::dirname),
    ("swapcase", strings::swapcase),
    ("squeeze", strings::squeeze),
    ("dos2unix", strings::dos2unix),
    ("unix2dos", strings::unix2dos),
    ("uriescape", strings::uriescape),
    ("to_bytes", strings::to_bytes),
    ("convert_base", strings::convert_base),
    ("clamp", strings::clamp),
    ("enclose_ipv6", strings::enclose_ipv6),
    ("stdlib::start_with", strings::start_with),
    ("stdlib::end_with", strings::end_with),
    ("stdlib::extname", strings::extname),
    ("stdlib::xml_encode", strings::xml_encode),
    ("has_key", host::has_key),
    ("member", host::member),
    ("is_a", host::is_a),
    ("fact", host::fact),
    ("getvar", host::getvar),
    ("strftime", strftime::strftime),
    ("os_version_gte", host::os_version_gte),
    ("stdlib::ensure", host::ensure),
    ("stdlib::ip_in_range", host::ip_in_range),
    ("ensure_packages", host::ensure_packages),
    ("ensure_resource", host::ensure_resource),
    ("ensure_resources", host::ensure_resources),
    ("getparam", host::getparam),
    ("defined_with_params", host::defined_with_params),
    ("validate_legacy", validate::validate_legacy),
    ("validate_string", validate::validate_string),
    ("validate_array", validate::validate_array),
    ("validate_hash", validate::validate_hash),
    ("validate_bool", validate::validate_bool),
    ("validate_absolute_path", validate::validate_absolute_path),
    ("validate_integer", validate::validate_integer),
    ("validate_numeric", validate::validate_numeric),
    ("validate_re", validate::validate_re),
    ("validate_slength", validate::validate_slength),
    ("validate_ip_address", validate::validate_ip_address),
    ("validate_ipv4_address", validate::validate_ipv4_address),
    ("validate_ipv6_address", validate::validate_ipv6_address),
    ("validate_email_address", validate::validate_email_address),
    ("validate_domain_name", validate::validate_domain_name),
    // apache's and inifile's (forge.rs).
    ("apache::bool2httpd", forge::bool2httpd),
    ("bool2httpd", forge::bool2httpd_old),
    ("apache::pw_hash", forge::pw_hash),
    ("apache::apache_pw_hash", forge::pw_hash_old),
    ("apache_pw_hash", forge::pw_hash_old),
    ("inifile::create_ini_settings", forge::create_ini_settings),
    ("create_ini_settings", forge::create_ini_settings),
];

/// The native implementation of a stdlib function, if converge carries one.
pub(crate) fn find(name: &str) -> Option<Native> {
    TABLE.iter().find(|(n, _)| *n == name).map(|(_, f)| *f)
}

/// The names of the functions converge carries natively (for "did you mean" hints).
pub(crate) fn names() -> impl Iterator<Item = &'static str> {
    TABLE.iter().map(|(n, _)| *n)
}

impl Compiler {
    /// A stdlib error at the call, with the module's message.
    pub(crate) fn stdlib_err(&mut self, msg: impl Into<String>, span: Span) -> super::Halt {
        self.err("stdlib-function", msg, span)
    }

    /// A Puppet 4 function's arity check, with its message (`'name' expects 2
    /// arguments, got 1`).
    pub(crate) fn arity4(
        &mut self,
        name: &str,
        args: &[Val],
        min: usize,
        max: usize,
        span: Span,
    ) -> R<()> {
        if (min..=max).contains(&args.len()) {
            return Ok(());
        }
        let n = |k: usize| if k == 1 { "argument" } else { "arguments" };
        let expected = if min == max {
            format!("{min} {}", n(min))
        } else if max == usize::MAX {
            format!("at least {min} {}", n(min))
        } else {
            format!("between {min} and {max} arguments")
        };
        let got = match args.len() {
            0 => "none".to_string(),
            k => k.to_string(),
        };
        Err(self.stdlib_err(format!("'{name}' expects {expected}, got {got}"), span))
    }

    /// A Puppet 4 function's parameter check against a type.
    pub(crate) fn param4(
        &mut self,
        name: &str,
        param: &str,
        t: &super::types::Ty,
        v: &Val,
        span: Span,
    ) -> R<()> {
        if t.matches(v) {
            return Ok(());
        }
        let m = super::describe::describe_parameter(param, t, v);
        Err(self.stdlib_err(format!("'{name}' {m}"), span))
    }
}

/// A Puppet 3 function's check for exactly `n` arguments, in the words its Ruby uses:
/// "Wrong number of arguments given (N for n)", or without the parentheses where that
/// function's message has none.
pub(super) fn exactly(
    c: &mut Compiler,
    name: &str,
    args: &[Val],
    n: usize,
    parens: bool,
    span: Span,
) -> R<()> {
    if args.len() == n {
        return Ok(());
    }
    let given = if parens {
        format!("({} for {n})", args.len())
    } else {
        format!("{} for {n}", args.len())
    };
    Err(c.stdlib_err(
        format!("{name}(): Wrong number of arguments given {given}"),
        span,
    ))
}

/// A Puppet 3 function's "Wrong number of arguments given (N for 1)" when it has none.
pub(super) fn need1(c: &mut Compiler, name: &str, args: &[Val], span: Span) -> R<()> {
    if args.is_empty() {
        return Err(c.stdlib_err(
            format!("{name}(): Wrong number of arguments given (0 for 1)"),
            span,
        ));
    }
    Ok(())
}

/// A Puppet 3 function's arguments as it receives them: a top-level `undef` arrives as
/// the empty string.
fn args3(args: Vec<Val>) -> Vec<Val> {
    args.into_iter()
        .map(|v| {
            if v.is_undef() {
                Val::Str(String::new())
            } else {
                v
            }
        })
        .collect()
}

/// Ruby's class name of a value as a Puppet 3 function sees it.
fn ruby_class(v: &Val) -> &'static str {
    match v {
        Val::Undef => "NilClass",
        Val::Bool(true) => "TrueClass",
        Val::Bool(false) => "FalseClass",
        Val::Int(_) => "Integer",
        Val::Float(_) => "Float",
        Val::Str(_) => "String",
        Val::Array(_) => "Array",
        Val::Hash(_) => "Hash",
        Val::Regex(_) => "Regexp",
        Val::Default => "Symbol",
        _ => "Object",
    }
}

/// Ruby's `to_s` of a value (`undef` empty, arrays and hashes as their inspect).
fn rs(v: &Val) -> String {
    super::format::ruby_to_s(v)
}

/// Ruby's `inspect` of a value.
fn ri(v: &Val) -> String {
    super::format::ruby_inspect(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_function_is_in_the_table_once() {
        let mut names: Vec<&str> = names().collect();
        let n = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), n, "a function is listed twice");
    }

    #[test]
    fn the_table_finds_what_it_names_and_nothing_else() {
        assert!(find("ensure_packages").is_some());
        assert!(find("stdlib::ip_in_range").is_some());
        assert!(find("validate_legacy").is_some());
        assert!(find("pw_hash").is_none());
        assert!(find("stdlib::nope").is_none());
        assert!(names().all(|n| find(n).is_some()));
    }
}
