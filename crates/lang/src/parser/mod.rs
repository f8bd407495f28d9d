//! Parsing: Puppet source text to [`crate::ast`], with located, worded diagnostics.
//!
//! The grammar (`grammar.pest`) does the syntax; a heredoc pre-pass ([`heredoc`]) cuts
//! heredoc bodies out first, EPP templates are rewritten into the same language
//! ([`epp`]), [`lower`] turns pest pairs into the AST, [`errors`] words syntax errors,
//! and [`check`] does the static checks `puppet parser validate` does.
//!
//! Manifests are first given to [`fast`], a hand-written parser that builds the same AST
//! several times faster and declines anything it does not handle exactly (any syntax
//! error included); pest then parses what it declined. Manifests over
//! 64 KiB are parsed in pieces (on up to four threads) cut at top-level statement
//! boundaries the pre-pass finds, which bounds pest's token queue; any failure
//! re-parses the whole text, so errors are those of a single parse.
//!
//! API boundary: no pest type leaves this module. Parsing stops at the first syntax
//! error, never panics, and refuses input nested so deeply that recursion could exhaust
//! the stack.

mod budget;
mod check;
mod epp;
mod errors;
mod fast;
mod heredoc;
mod lower;
mod strings;

#[allow(missing_docs, unreachable_pub)]
mod grammar {
    #[derive(pest_derive::Parser)]
    #[grammar = "parser/grammar.pest"]
    pub struct PuppetParser;
}

pub use budget::{set_calls_per_byte, CALLS_PER_BYTE};

use crate::ast::{EppTemplate, Manifest, Span};
use crate::Source;
use converge_catalog::Diagnostic;
use grammar::{PuppetParser, Rule};
use pest::Parser as _;
use std::collections::HashMap;

/// Deepest bracket nesting accepted: pest and the lowering recurse per level.
const MAX_NESTING: usize = 100;

type PestResult<'i> = Result<pest::iterators::Pairs<'i, Rule>, Box<pest::error::Error<Rule>>>;

fn parse_rule(rule: Rule, text: &str) -> PestResult<'_> {
    let _budget = budget::Budget::enter(text.len());
    PuppetParser::parse(rule, text).map_err(Box::new)
}

/// Re-parse a text that failed, with pest's detailed tracking of expected tokens on (it
/// costs time, so only failures pay for it), and word the error.
fn explain_failure(
    source: &Source,
    rule: Rule,
    text: &str,
    first: &pest::error::Error<Rule>,
    unclosed_quote: Option<usize>,
    unclosed_interpolation: Option<usize>,
) -> Diagnostic {
    let pos = match first.location {
        pest::error::InputLocation::Pos(p) => p,
        pest::error::InputLocation::Span((s, _)) => s,
    };
    if budget::exhausted(first) {
        return too_complex(source, pos);
    }
    if let Some(q) = unclosed_interpolation.filter(|q| pos >= *q) {
        return Diagnostic::error(
            "syntax",
            "Unclosed interpolation: '${' in a double-quoted string without a matching '}'",
        )
        .at(Some(source.location(Span::new(q, q + 2))))
        .with_hint("close it with '}' before the closing quote, or write \\${ for a literal '${'");
    }
    if let Some(q) = unclosed_quote {
        if pos >= q {
            let quote = &source.text[q..q + 1];
            let follow: String = source.text[q + 1..]
                .chars()
                .take_while(|c| *c != '\n' && *c != '\r')
                .take(20)
                .collect();
            return Diagnostic::error(
                "syntax",
                format!("Unclosed quote after '{quote}' followed by '{follow}'"),
            )
            .at(Some(source.location(Span::new(q, q + 1))))
            .with_hint(format!(
                "the string opened here never ends; close it with {quote} (inside it, write \\{quote} for a literal {quote})"
            ));
        }
    }
    // A process-wide pest switch: a parse running at the same time on another thread may
    // see it on (slower) or off (fewer expected tokens named); both are harmless.
    pest::set_error_detail(true);
    let detailed = {
        let _budget = budget::Budget::enter(text.len());
        PuppetParser::parse(rule, text)
    };
    pest::set_error_detail(false);
    match detailed {
        Err(e) => errors::syntax_error(source, text, &e, None),
        Ok(_) => errors::syntax_error(source, text, first, None),
    }
}

/// The error for a text on which pest spent its whole call budget ([`budget`]) before it
/// could accept or refuse it; `pos` is as far as it got.
fn too_complex(source: &Source, pos: usize) -> Diagnostic {
    // pest's position is in the pre-pass's copy of the text, which keeps the source's
    // offsets (an EPP template's rewrite may not: clamp to a character of the source).
    let mut at = pos.min(source.text.len());
    while !source.text.is_char_boundary(at) {
        at -= 1;
    }
    Diagnostic::error(
        "syntax",
        "too complex to parse: the parser gave up after trying too many readings of what comes before this point",
    )
    .at(Some(source.location(Span::new(at, at))))
    .with_hint(
        "this is usually brackets or parentheses that never close, nested many levels deep; check that each one opened before here is closed",
    )
}

fn too_deep(source: &Source, at: usize) -> Diagnostic {
    Diagnostic::error(
        "syntax",
        format!(
            "nesting too deep: more than {MAX_NESTING} levels of brackets, braces or parentheses"
        ),
    )
    .at(Some(source.location(Span::new(at, at + 1))))
}

/// Parse a manifest. Returns the AST when parsing succeeded, plus every diagnostic
/// (syntax errors, and warnings such as unknown escapes).
pub fn parse_manifest(source: &Source) -> (Option<Manifest>, Vec<Diagnostic>) {
    parse_manifest_with(source, true)
}

/// Which parser produced a result, for [`compare_parsers`].
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FastPath {
    /// The fast parser declined (syntax error, heredoc, collector...): pest alone parsed.
    Declined,
    /// Both parsers produced the same AST and diagnostics.
    Agreed,
}

/// Parse `source` with the fast parser and with pest alone, and check that the results
/// (syntax tree, or errors, and every diagnostic) are the same: the differential test
/// behind the fast path, used by tests and the fuzz target. An `Err` says how they differ.
#[doc(hidden)]
pub fn compare_parsers(source: &Source) -> Result<FastPath, String> {
    let fast = parse_manifest_with(source, true);
    let slow = parse_manifest_with(source, false);
    if fast != slow {
        // debug-format: a developer's diff of two syntax trees, for tests and fuzzing.
        let (a, b) = (format!("{fast:#?}"), format!("{slow:#?}"));
        let line = a
            .lines()
            .zip(b.lines())
            .position(|(x, y)| x != y)
            .unwrap_or(0);
        let around = |t: &str| {
            t.lines()
                .skip(line.saturating_sub(8))
                .take(16)
                .collect::<Vec<_>>()
                .join("\n")
        };
        return Err(format!(
            "the results differ at line {line} of their debug print:\n--- fast\n{}\n--- pest\n{}",
            around(&a),
            around(&b)
        ));
    }
    let prepared = heredoc::prepare(&source.text);
    let took = prepared.error.is_none()
        && prepared.max_depth <= MAX_NESTING
        && fast::parse(source, &prepared, 0, prepared.text.len()).is_some();
    Ok(if took {
        FastPath::Agreed
    } else {
        FastPath::Declined
    })
}

fn parse_manifest_with(source: &Source, fast_path: bool) -> (Option<Manifest>, Vec<Diagnostic>) {
    let prepared = heredoc::prepare(&source.text);
    let mut diags = Vec::new();
    if let Some(e) = &prepared.error {
        diags.push(
            Diagnostic::error("syntax", e.message.clone())
                .at(Some(source.location(Span::new(e.start, e.end)))),
        );
        return (None, diags);
    }
    if prepared.max_depth > MAX_NESTING {
        return (None, vec![too_deep(source, prepared.deepest_at)]);
    }
    let no_texts = HashMap::new();
    // Big inputs are parsed piece by piece at safe statement boundaries (bounding pest's
    // token queue); should a piece fail, the whole text is parsed again so that errors
    // are exactly those of a single parse.
    let mut bounds = vec![0];
    bounds.extend(prepared.splits.iter().copied());
    bounds.push(prepared.text.len());
    let mut body = Vec::new();
    let diags_before = diags.len();
    if fast_path && bounds.len() == 2 {
        if let Some((body, fast_diags)) = fast::parse(source, &prepared, 0, prepared.text.len()) {
            return checked(source, body, fast_diags);
        }
    }
    let mut chunked_ok = bounds.len() > 2;
    if chunked_ok {
        match parse_pieces(source, &prepared, &bounds, fast_path) {
            Some((stmts, piece_diags, failed)) => {
                body = stmts;
                diags.extend(piece_diags);
                if failed {
                    return (None, diags);
                }
            }
            None => chunked_ok = false,
        }
    }
    if !chunked_ok {
        body.clear();
        diags.truncate(diags_before);
        let pairs = match parse_rule(Rule::manifest, &prepared.text) {
            Ok(p) => p,
            Err(e) => {
                diags.push(explain_failure(
                    source,
                    Rule::manifest,
                    &prepared.text,
                    &e,
                    prepared.unclosed_quote,
                    prepared.unclosed_interpolation,
                ));
                return (None, diags);
            }
        };
        let mut lower = lower::Lower {
            source,
            heredocs: &prepared.heredocs,
            epp_texts: &no_texts,
            map: None,
            diags: &mut diags,
            failed: false,
        };
        for p in pairs {
            if p.as_rule() == Rule::manifest {
                body = lower.statements(p);
            }
        }
        if lower.failed {
            return (None, diags);
        }
    }
    checked(source, body, diags)
}

/// The manifest of `body` after the static checks.
fn checked(
    source: &Source,
    body: Vec<crate::ast::Expr>,
    mut diags: Vec<Diagnostic>,
) -> (Option<Manifest>, Vec<Diagnostic>) {
    let manifest = Manifest { body };
    check::check_manifest(source, &manifest.body, &mut diags);
    let ok = !diags.iter().any(Diagnostic::is_error);
    (ok.then_some(manifest), diags)
}

/// One piece of a big manifest: its statements, diagnostics, and whether lowering
/// failed; `None` when it does not parse on its own.
type Piece = Option<(Vec<crate::ast::Expr>, Vec<Diagnostic>, bool)>;

fn parse_piece(
    source: &Source,
    prepared: &heredoc::Prepared,
    a: usize,
    b: usize,
    fast_path: bool,
) -> Piece {
    if fast_path {
        if let Some((body, diags)) = fast::parse(source, prepared, a, b) {
            return Some((body, diags, false));
        }
    }
    let pairs = parse_rule(Rule::manifest, &prepared.text[a..b]).ok()?;
    let no_texts = HashMap::new();
    let map = [(0, a)];
    let mut diags = Vec::new();
    let mut lower = lower::Lower {
        source,
        heredocs: &prepared.heredocs,
        epp_texts: &no_texts,
        map: Some(&map),
        diags: &mut diags,
        failed: false,
    };
    let mut body = Vec::new();
    for p in pairs {
        if p.as_rule() == Rule::manifest {
            body.extend(lower.statements(p));
        }
    }
    let failed = lower.failed;
    Some((body, diags, failed))
}

/// Parse the pieces between `bounds`, on up to four threads (pieces are independent);
/// results are joined in source order. `None` if any piece does not parse on its own.
fn parse_pieces(
    source: &Source,
    prepared: &heredoc::Prepared,
    bounds: &[usize],
    fast_path: bool,
) -> Piece {
    let pieces: Vec<(usize, usize)> = bounds.windows(2).map(|w| (w[0], w[1])).collect();
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 4)
        .min(pieces.len() / 2)
        .max(1);
    let per = pieces.len().div_ceil(threads);
    let run = |group: &[(usize, usize)]| -> Vec<Piece> {
        let mut out = Vec::with_capacity(group.len());
        for &(a, b) in group {
            let piece = parse_piece(source, prepared, a, b, fast_path);
            let stop = piece.is_none();
            out.push(piece);
            if stop {
                break;
            }
        }
        out
    };
    let results: Vec<Piece> = if threads == 1 {
        run(&pieces)
    } else {
        std::thread::scope(|scope| {
            let mut groups = pieces.chunks(per);
            let first = groups.next().unwrap_or(&[]);
            let handles: Vec<_> = groups
                .map(|group| {
                    std::thread::Builder::new()
                        .stack_size(8 << 20)
                        .spawn_scoped(scope, move || run(group))
                })
                .collect();
            // The first group runs on this thread: its syntax tree then lives in this
            // thread's malloc arena, where the evaluator reuses the memory once the tree
            // is dropped (memory freed into other threads' arenas stays with them).
            let mut all = run(first);
            for h in handles {
                match h.map_err(|_| ()).and_then(|h| h.join().map_err(|_| ())) {
                    Ok(r) => all.extend(r),
                    // No thread (or a panicking one, which parsing never does): give up
                    // on pieces; the caller parses the whole text instead.
                    Err(()) => all.push(None),
                }
            }
            all
        })
    };
    let mut body = Vec::new();
    let mut diags = Vec::new();
    let mut failed = false;
    for r in results {
        let (b, d, f) = r?;
        body.extend(b);
        diags.extend(d);
        failed |= f;
    }
    Some((body, diags, failed))
}

/// Parse an EPP template.
pub fn parse_epp(source: &Source) -> (Option<EppTemplate>, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let rewritten = match epp::rewrite(&source.text) {
        Ok(r) => r,
        Err((span, msg)) => {
            diags.push(Diagnostic::error("syntax", msg).at(Some(source.location(span))));
            return (None, diags);
        }
    };
    let prepared = heredoc::prepare(&rewritten.code);
    if let Some(e) = &prepared.error {
        diags.push(
            Diagnostic::error("syntax", e.message.clone())
                .at(Some(source.location(Span::new(e.start, e.end)))),
        );
        return (None, diags);
    }
    if prepared.max_depth > MAX_NESTING {
        return (None, vec![too_deep(source, prepared.deepest_at)]);
    }
    let pairs = match parse_rule(Rule::epp_template, &prepared.text) {
        Ok(p) => p,
        Err(e) => {
            let mut d = explain_failure(
                source,
                Rule::epp_template,
                &prepared.text,
                &e,
                prepared.unclosed_quote,
                prepared.unclosed_interpolation,
            );
            // The rewritten text stands in control characters for template text.
            d.message = d
                .message
                .replace('\u{1}', "template text")
                .replace('\u{2}', "<%=")
                .replace('\u{3}', "%>");
            diags.push(d);
            return (None, diags);
        }
    };
    let mut lower = lower::Lower {
        source,
        heredocs: &prepared.heredocs,
        epp_texts: &rewritten.texts,
        map: None,
        diags: &mut diags,
        failed: false,
    };
    let mut template = EppTemplate::default();
    for p in pairs {
        if p.as_rule() != Rule::epp_template {
            continue;
        }
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::epp_params => template.params = Some(lower.epp_params(c)),
                Rule::statements => template.body = lower.statements(c),
                _ => {}
            }
        }
    }
    if lower.failed {
        return (None, diags);
    }
    check::check_manifest(source, &template.body, &mut diags);
    let ok = !diags.iter().any(Diagnostic::is_error);
    (ok.then_some(template), diags)
}
