//! Syntax errors in prose: every pest error goes through [`syntax_error`], which names
//! what was found and what was expected the way a person would say it.

use super::grammar::Rule;
use super::heredoc::map_offset;
use crate::ast::Span;
use crate::Source;
use converge_catalog::Diagnostic;
use pest::error::{Error, ErrorVariant, InputLocation};
use std::collections::BTreeSet;

/// What a rule stands for in a message; `None` for rules never worth naming.
fn rule_prose(rule: Rule) -> Option<&'static str> {
    use Rule::*;
    Some(match rule {
        EOI => "end of file",
        expression | query_value | hash | array | sq_string | dq_string | heredoc | number
        | regex | variable | if_expr | unless_expr | case_expr | collector | type_name | paren
        | word_or_call | type_or_collector | kw_lit | kw_default | unary | epp_render
        | epp_text | hash_entry | fn_name => "a value",
        statements | class_def | define_def | node_def | stmt_call | stmt_fn | kw_class
        | kw_define | kw_node | kw_function => "a statement",
        assignment | relationship | resource_decl | resource_attrs | res_at | res_type
        | res_target | kw_if | kw_unless | kw_case => "a value",
        res_body => "a resource title",
        attr | attr_name => "an attribute name",
        attr_op => "'=>'",
        class_name => "a name",
        param | param_list | param_type | param_splat => "a parameter",
        block => "'{'",
        kw_elsif => "'elsif'",
        kw_else => "'else'",
        kw_inherits => "'inherits'",
        case_arm => "a case option",
        selector_arm => "a selector option",
        node_match | node_name => "a node name",
        query | query_and | query_prim => "a query such as title == 'x'",
        dq_text | dq_var | dq_brace | hd_text | hd_text_noesc => "more string text",
        _ => return None,
    })
}

/// Tokens that can always follow a value: naming them would drown the useful ones.
const OPERATOR_TOKENS: &[&str] = &[
    "==", "!=", "=~", "!~", "<", ">", "<=", ">=", "<<", ">>", "+", "-", "*", "/", "%", "?", ".",
    "and", "or", "in", "->", "~>", "<-", "<~", "=", "[", "|", "!", "@", "@@", "<|", "<<|", "\u{1}",
    "\u{2}", "\u{3}", "@(", "$", "${",
];

fn is_operator_rule(rule: Rule) -> bool {
    use Rule::*;
    matches!(
        rule,
        binop
            | op_or
            | op_and
            | op_eq
            | op_ne
            | selector
            | access
            | method_call
            | arrow
            | assign_op
            | lambda
    )
}

/// The token at `pos`, for "syntax error at '...'".
fn found_at(text: &str, pos: usize) -> String {
    let rest = &text[pos.min(text.len())..];
    let rest_trim = rest.trim_start();
    if rest_trim.is_empty() {
        return "end of file".to_string();
    }
    let first = rest.chars().next().unwrap_or(' ');
    let tok: String = if first.is_alphanumeric() || first == '_' || first == '$' {
        let mut s = String::new();
        for (i, c) in rest.char_indices() {
            if c.is_alphanumeric() || c == '_' || (c == '$' && i == 0) || c == ':' {
                s.push(c);
            } else {
                break;
            }
        }
        s
    } else if first == '\n' || first == '\r' {
        return "end of line".to_string();
    } else if first == '\'' || first == '"' {
        // A quoted string: name it by its start.
        let body: String = rest[1..]
            .chars()
            .take_while(|c| *c != first && *c != '\n')
            .take(30)
            .collect();
        return format!("the string {first}{body}{first}");
    } else {
        let two: String = rest.chars().take(2).collect();
        match two.as_str() {
            "=>" | "+>" | "->" | "~>" | "<-" | "<~" | "==" | "!=" | "<|" | "|>" | "${" => two,
            _ => first.to_string(),
        }
    };
    format!("'{}'", tok.trim_end_matches(':'))
}

/// The attribute or hash key whose value ends just before `pos`, if any, worded:
/// `attribute 'ensure'` (a bare name) or `key 'a'` (a quoted one).
fn value_owner(text: &str, pos: usize) -> Option<String> {
    let before = &text[..pos.min(text.len())];
    let arrow = before.rfind("=>").or_else(|| before.rfind("+>"))?;
    let between = &before[arrow + 2..];
    // A separator after the arrow means the value list moved on.
    if between.contains([',', ';', '{', '}'])
        && !between.trim_start().starts_with(['"', '\'', '[', '{'])
    {
        return None;
    }
    let name_part = before[..arrow].trim_end();
    let name: String = name_part
        .chars()
        .rev()
        .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '\'' || *c == '"' || *c == '*')
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let quoted = name.starts_with(['\'', '"']);
    let name = name.trim_matches(['\'', '"']).to_string();
    if name.is_empty() {
        return None;
    }
    Some(if quoted {
        format!("key '{name}'")
    } else {
        format!("attribute '{name}'")
    })
}

fn join_or(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [a] => a.clone(),
        _ => {
            let (last, rest) = items.split_last().map_or((&items[0], &items[..0]), |x| x);
            format!("{} or {}", rest.join(", "), last)
        }
    }
}

/// Turn a pest error (from parsing `text`, whose offsets `map` sends into `source`) into
/// a located `syntax` diagnostic.
pub(crate) fn syntax_error(
    source: &Source,
    text: &str,
    err: &Error<Rule>,
    map: Option<&[(usize, usize)]>,
) -> Diagnostic {
    let mut pos = match err.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    };
    let mut rules: Vec<Rule> = Vec::new();
    if let ErrorVariant::ParsingError { positives, .. } = &err.variant {
        rules.extend(positives.iter().copied());
    }
    let rest = &text[pos.min(text.len())..];
    if rest.starts_with("/*") {
        let d = Diagnostic::error("syntax", "Unclosed comment: '/*' without a matching '*/'")
            .at(Some(source.location(Span::new(pos, pos + 2))));
        return d;
    }
    if rest.starts_with(|c: char| c.is_ascii_digit()) {
        let tok: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '.')
            .collect();
        if tok.chars().any(|c| c.is_alphabetic())
            && !tok.starts_with("0x")
            && !tok.starts_with("0X")
        {
            return Diagnostic::error("syntax", format!("Illegal number '{tok}'"))
                .at(Some(source.location(Span::new(pos, pos + tok.len()))))
                .with_hint("a name cannot start with a digit; quote it if it is a string");
        }
    }
    let mut tokens: BTreeSet<String> = BTreeSet::new();
    if let Some(att) = err.parse_attempts() {
        // pest does not export the token type; its Display is the token as written.
        for t in att.expected_tokens() {
            let t = t.to_string();
            if t != "BUILTIN_RULE" && !(t.len() > 2 && t.contains("..")) {
                tokens.insert(t);
            }
        }
    }
    tokens.retain(|t| {
        !t.trim_matches(['\u{FEFF}', '\u{A0}']).trim().is_empty()
            && !matches!(
                t.as_str(),
                "#" | "/*" | "*/" | "::" | "_" | "(" | "\"" | "'"
            )
    });
    // Literal tokens (silent in the grammar) may have been tried further on than any rule:
    // then that is where the error is.
    let max_position = err.parse_attempts().map_or(pos, |a| a.max_position);
    if max_position > pos && !tokens.is_empty() {
        pos = max_position;
        rules.clear();
    } else if max_position != pos {
        tokens.clear();
    }
    let found = found_at(text, pos);
    let structural: Vec<String> = tokens
        .iter()
        .filter(|t| !OPERATOR_TOKENS.contains(&t.as_str()))
        .filter(|t| {
            t.chars().all(|c| !c.is_alphanumeric()) || matches!(t.as_str(), "else" | "elsif")
        })
        .map(|t| format!("'{t}'"))
        .collect();
    let mut expected: Vec<String> = Vec::new();
    let push = |s: String, expected: &mut Vec<String>| {
        if !expected.contains(&s) {
            expected.push(s);
        }
    };
    for t in &structural {
        push(t.clone(), &mut expected);
    }
    let mut prose: Vec<&str> = rules
        .iter()
        .filter(|r| !is_operator_rule(**r))
        .filter_map(|r| rule_prose(*r))
        .collect();
    prose.sort_by_key(|p| match *p {
        "a statement" => 0,
        "a value" => 2,
        "end of file" => 9,
        _ => 1,
    });
    for p in prose {
        // Quoted characters that start a value are implied by "a value".
        if p == "a value" {
            expected
                .retain(|e| !matches!(e.as_str(), "'['" | "'{'" | "'('" | "'''" | "'\"'" | "'-'"));
        }
        push(p.to_string(), &mut expected);
    }
    if expected.iter().any(|e| e == "','") {
        expected.retain(|e| e != "';'");
    }
    if expected.iter().any(|e| e == "a statement") {
        expected.retain(|e| {
            !matches!(
                e.as_str(),
                "a value" | "'{'" | "'['" | "'-'" | "'!'" | "'@'" | "'@@'"
            )
        });
    }
    if expected.is_empty() && rules.iter().any(|r| is_operator_rule(*r)) {
        expected.push("an operator".to_string());
    }
    let mut message = format!("syntax error at {found}");
    if !expected.is_empty() {
        message.push_str(": expected ");
        message.push_str(&join_or(&expected));
    }
    let in_list = expected.iter().any(|e| e == "','");
    let owner = if in_list {
        value_owner(text, pos)
    } else {
        None
    };
    if let Some(o) = &owner {
        message.push_str(&format!(" after the value of {o}"));
    }
    let mut hint = None;
    let after = text[pos.min(text.len())..].trim_start();
    let after_word = match after.chars().next() {
        // Skip a quoted key to see whether `=>` follows it.
        Some(q @ ('\'' | '"')) => after[1..].find(q).map_or("", |i| &after[i + 2..]),
        _ => after.trim_start_matches(|c: char| c.is_alphanumeric() || c == '_'),
    };
    if in_list && after_word.len() < after.len() && after_word.trim_start().starts_with("=>") {
        hint = Some(match &owner {
            Some(o) => format!("a ',' is probably missing: add one after the value of {o}"),
            None => "a ',' is probably missing before this entry".to_string(),
        });
    } else if found == "end of file" && expected.iter().any(|e| e == "'}'") {
        hint = Some("a '}' is missing: some '{' above is never closed".to_string());
    } else if found == "'='" && expected.iter().any(|e| e == "'=>'") {
        hint = Some("attributes and hash entries use '=>', not '='".to_string());
    }
    let start = match map {
        Some(m) => map_offset(m, pos),
        None => pos,
    };
    // Underline the found token: its length in bytes, ending on a character boundary.
    let len = if let Some(string) = found.strip_prefix("the string ") {
        string.len()
    } else if found.starts_with('\'') {
        found.len().saturating_sub(2).max(1)
    } else {
        1
    };
    let mut end = (start + len).min(source.text.len());
    while end > start && !source.text.is_char_boundary(end) {
        end += 1;
    }
    let mut d =
        Diagnostic::error("syntax", message).at(Some(source.location(Span::new(start, end))));
    if let Some(h) = hint {
        d = d.with_hint(h);
    }
    d
}
