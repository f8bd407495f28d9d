//! `converge doctor`: is the web stack this node's manifest describes healthy, and if not,
//! which layer broke and why. Changes nothing: it runs every `http_check` of the compiled
//! catalog and the layer-by-layer diagnosis of each web service the manifest manages
//! (nginx, haproxy), then prints healthy / broken, the evidence and the likely fix.
//! Without a manifest it checks the catalog the last `converge apply` saved. A dry run of
//! the catalog's managed resources names what drifted from it (see [`drift`]).

mod drift;

use crate::args::{CompileArgs, Format};
use crate::commands::{request, Output};
use converge::catalog::{Catalog, Resource};
use converge_providers::diagnose::{self, Diagnosis, Layer};
use converge_providers::http_check;
use converge_providers::Context;
use serde_json::{json, Value as Json};
use std::path::Path;
use std::time::Duration;

/// Services doctor knows the layers of.
const WEB_SERVICES: &[&str] = &["nginx", "haproxy"];

/// The longest doctor waits for one check. A check's own bound covers a stack still coming
/// up after an apply; doctor looks at a stack as it is, and only needs the retries that let
/// round robin reach each backend.
const CHECK_WAIT: Duration = Duration::from_secs(5);

/// The wait for a check of an endpoint that already gave no answer in this run.
const SILENT_WAIT: Duration = Duration::from_secs(1);

/// Each service diagnosed once per run: checks of one service and its own entry share it
/// (a diagnosis may wait seconds on a port that does not answer).
#[derive(Default)]
struct Diagnoses(Vec<((String, u16), Diagnosis)>);

impl Diagnoses {
    fn get(&mut self, name: &str, port: u16, cx: &mut Context) -> Diagnosis {
        if let Some((_, d)) = self.0.iter().find(|(k, _)| k.0 == name && k.1 == port) {
            return d.clone();
        }
        let d = diagnose::service(name, port, cx);
        self.0.push(((name.to_string(), port), d.clone()));
        d
    }
}

/// One check's result.
struct CheckResult {
    reference: String,
    url: String,
    outcome: Result<http_check::Outcome, String>,
    diagnosis: Option<Diagnosis>,
}

impl CheckResult {
    fn passed(&self) -> bool {
        self.outcome.as_ref().is_ok_and(|o| o.passed())
    }
}

fn service_name(r: &Resource) -> &str {
    r.name_or_title("name")
}

/// The port a service should answer on: a local check that requires it, else its config.
fn service_port(name: &str, checks: &[(String, http_check::Spec)]) -> u16 {
    if let Some((_, s)) = checks
        .iter()
        .find(|(_, s)| s.service.as_deref() == Some(name))
    {
        if s.host == "127.0.0.1" || s.host == "localhost" {
            return s.port;
        }
    }
    if name == "haproxy" {
        let cfg = std::fs::read_to_string(diagnose::HAPROXY_CFG).unwrap_or_default();
        return diagnose::haproxy_bind_port(&cfg).unwrap_or(80);
    }
    80
}

/// The catalog to check: the manifest compiled for this node, or without one the catalog
/// the last apply saved. `None` (the error printed) when there is none to check.
fn catalog(out: &Output, file: Option<&Path>, args: &CompileArgs) -> Option<Catalog> {
    let Some(file) = file else {
        if args.node.is_some() || args.facts.is_some() || !args.modulepath.is_empty() {
            eprintln!(
                "error: --node, --facts and --modulepath compile a manifest: name one \
                 (`converge doctor site.pp --node web-01`)"
            );
            return None;
        }
        return match converge::load_applied(Path::new(converge::DEFAULT_APPLIED_CATALOG)) {
            Ok(c) => Some(c),
            Err(e) => {
                eprintln!("error: {e}");
                if matches!(e, converge::AppliedCatalogError::Missing { .. }) {
                    eprintln!(
                        "help: name the manifest (`converge doctor site.pp`), or apply one first: \
                         `converge apply` saves the catalog it applied for doctor"
                    );
                }
                None
            }
        };
    };
    let checked = converge::check(&request(file, args));
    out.log(&checked.log);
    out.diagnostics(&checked.diagnostics);
    if checked.has_errors() {
        eprintln!("error: the manifest does not compile: fix the errors above first");
        return None;
    }
    checked.catalog
}

/// Run `converge doctor`; exit 0 when healthy, 1 otherwise.
pub(crate) fn run(out: &Output, file: Option<&Path>, format: Format, args: &CompileArgs) -> i32 {
    let Some(catalog) = catalog(out, file, args) else {
        return 1;
    };
    let catalog = &catalog;
    let mut cx = Context::new();
    let mut specs = Vec::new();
    let mut results = Vec::new();
    for r in catalog
        .resources
        .iter()
        .filter(|r| r.type_name == "http_check")
    {
        match http_check::spec(r) {
            Ok(s) => specs.push((r.reference().to_string(), s)),
            Err(e) => results.push(CheckResult {
                reference: r.reference().to_string(),
                url: String::new(),
                outcome: Err(e.to_string()),
                diagnosis: None,
            }),
        }
    }
    // Endpoints that gave no answer at all: later checks of them get one short attempt,
    // so a port held by a process that never answers costs seconds, not seconds per check.
    let mut silent: Vec<(String, u16)> = Vec::new();
    let mut cache = Diagnoses::default();
    for (reference, spec) in &specs {
        let mut bounded = spec.clone();
        bounded.timeout = bounded.timeout.min(CHECK_WAIT);
        let endpoint = (spec.host.clone(), spec.port);
        if silent.contains(&endpoint) {
            bounded.retries = 0;
            bounded.timeout = bounded.timeout.min(SILENT_WAIT);
        }
        let outcome = http_check::run(&bounded);
        if outcome.response.is_none() && !silent.contains(&endpoint) {
            silent.push(endpoint);
        }
        let diagnosis = (!outcome.passed()).then(|| match diagnose::local_service(spec, &mut cx) {
            Some(name) => cache.get(&name, spec.port, &mut cx),
            None => diagnose::for_check(spec, &mut cx),
        });
        results.push(CheckResult {
            reference: reference.clone(),
            url: spec.url(),
            outcome: Ok(outcome),
            diagnosis,
        });
    }
    let mut services: Vec<Diagnosis> = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    for r in catalog
        .resources
        .iter()
        .filter(|r| r.type_name == "service")
    {
        let name = service_name(r);
        if !WEB_SERVICES.contains(&name) || seen.contains(&name) {
            continue;
        }
        seen.push(name);
        services.push(cache.get(name, service_port(name, &specs), &mut cx));
    }
    // As apply finds `puppet:///modules/...` sources: --modulepath, else beside the
    // manifest; a saved catalog has no manifest, and such files are then not compared.
    let module_path = match file {
        Some(f) => {
            let req = request(f, args);
            if req.modulepath.is_empty() {
                converge::default_modulepath(f)
            } else {
                req.modulepath
            }
        }
        None => Vec::new(),
    };
    let f = Findings {
        node: catalog.node.clone(),
        checks: results,
        services,
        drift: drift::drift(catalog, module_path),
        reapply: match file {
            Some(f) => format!("converge apply {}", f.display()),
            // The saved catalog keeps only digests of secrets: it cannot write them back.
            None if catalog.has_redacted() => "converge apply <the manifest>".to_string(),
            None => format!(
                "converge apply --catalog {}",
                converge::DEFAULT_APPLIED_CATALOG
            ),
        },
    };
    // A check's expected body or header may be a secret, and so may what a diagnosis
    // quotes from a config: none of it is shown.
    let secrets = converge::catalog::Secrets::of_catalog(catalog);
    match format {
        Format::Json => println!(
            "{}",
            secrets.scrub(&serde_json::to_string_pretty(&to_json(&f)).unwrap_or_default())
        ),
        _ => print!("{}", secrets.scrub(&text(&f))),
    }
    i32::from(!f.healthy())
}

/// Everything doctor found.
struct Findings {
    node: String,
    checks: Vec<CheckResult>,
    services: Vec<Diagnosis>,
    drift: drift::Drift,
    /// The command that puts the host back as its catalog says.
    reapply: String,
}

impl Findings {
    fn healthy(&self) -> bool {
        self.checks.iter().all(CheckResult::passed)
            && self.services.iter().all(Diagnosis::healthy)
            && self.drift.drifted.is_empty()
    }
}

fn layer_json(l: &Layer) -> Json {
    json!({
        "layer": l.name,
        "tested": l.tested,
        "ok": l.ok,
        "evidence": l.evidence,
        "reproduce": l.reproduce,
        "fix": l.fix,
    })
}

fn diagnosis_json(d: &Diagnosis) -> Json {
    json!({
        "subject": d.subject,
        "healthy": d.healthy(),
        "first_failure": d.first_failure().map(|l| l.name.clone()),
        "likely_fix": d.first_failure().and_then(|l| l.fix.clone()),
        "layers": d.layers.iter().map(layer_json).collect::<Vec<_>>(),
        "log": d.log.as_ref().map(|(p, lines)| json!({"path": p, "lines": lines})),
    })
}

fn to_json(f: &Findings) -> Json {
    json!({
        "node": f.node,
        "healthy": f.healthy(),
        "checks": f.checks.iter().map(|c| {
            let (attempts, status, problems) = match &c.outcome {
                Ok(o) => (o.attempts, o.response.as_ref().map(|r| r.status), o.problems.clone()),
                Err(e) => (0, None, vec![e.clone()]),
            };
            json!({
                "resource": c.reference,
                "url": c.url,
                "passed": c.passed(),
                "attempts": attempts,
                "status": status,
                "problems": problems,
                "diagnosis": c.diagnosis.as_ref().map(diagnosis_json),
            })
        }).collect::<Vec<_>>(),
        "services": f.services.iter().map(diagnosis_json).collect::<Vec<_>>(),
        "drift": f.drift.drifted.iter().map(|r| json!({
            "resource": r.reference,
            "changes": r.changes.iter().map(|c| json!({
                "property": c.property,
                "message": c.message,
                "diff": c.diff,
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "not_compared": f.drift.not_compared.iter().map(|(r, why)| json!({
            "resource": r,
            "error": why,
        })).collect::<Vec<_>>(),
        "likely_fix": (!f.drift.drifted.is_empty()).then(|| f.reapply.clone()),
    })
}

/// Diff lines shown per drifted resource; the rest is counted.
const DIFF_LINES: usize = 20;

fn text(f: &Findings) -> String {
    let (checks, services) = (&f.checks, &f.services);
    let drifted = !f.drift.drifted.is_empty();
    let mut s = format!("doctor for {}\n", f.node);
    if !checks.is_empty() {
        s.push_str("checks:\n");
    }
    for c in checks {
        match &c.outcome {
            Ok(o) if o.passed() => s.push_str(&format!(
                "  ok     {} {} (status {})\n",
                c.reference,
                c.url,
                o.response.as_ref().map_or(0, |r| r.status)
            )),
            Ok(o) => {
                s.push_str(&format!("  BROKEN {} {}\n", c.reference, c.url));
                for p in &o.problems {
                    s.push_str(&format!("         {p}\n"));
                }
            }
            Err(e) => s.push_str(&format!("  BROKEN {}: {e}\n", c.reference)),
        }
        if let Some(d) = &c.diagnosis {
            if d.healthy() && drifted {
                s.push_str(&format!(
                    "         diagnosis: {} is healthy, but the host differs from its manifest: see drift below\n",
                    d.subject
                ));
                continue;
            }
            if d.healthy() {
                s.push_str(&format!(
                    "         diagnosis: every layer of {} passed: it answers, but not as the check expects (see above)\n",
                    d.subject
                ));
                continue;
            }
            // The same service's diagnosis is printed once, under services.
            if services.iter().any(|sd| sd.subject == d.subject) {
                s.push_str(&format!("         diagnosis: see {} below\n", d.subject));
                continue;
            }
            for line in d.render().lines() {
                s.push_str(&format!("         {line}\n"));
            }
        }
    }
    if !services.is_empty() {
        s.push_str("services:\n");
    }
    for d in services {
        match d.first_failure() {
            None => s.push_str(&format!(
                "  ok     {} ({})\n",
                d.subject,
                d.layers
                    .iter()
                    .map(|l| l.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            Some(l) => {
                s.push_str(&format!("  BROKEN {}: {} failed\n", d.subject, l.name));
                if let Some(fix) = &l.fix {
                    s.push_str(&format!("         likely fix: {fix}\n"));
                }
                for line in d.render().lines() {
                    s.push_str(&format!("         {line}\n"));
                }
            }
        }
    }
    if drifted {
        s.push_str("drift (managed resources that differ from the manifest):\n");
        for r in &f.drift.drifted {
            for c in &r.changes {
                s.push_str(&format!(
                    "  DRIFT  {}/{}: {}\n",
                    r.reference, c.property, c.message
                ));
                if let Some(diff) = &c.diff {
                    let lines: Vec<&str> = diff.lines().collect();
                    for l in lines.iter().take(DIFF_LINES) {
                        s.push_str(&format!("           {l}\n"));
                    }
                    if lines.len() > DIFF_LINES {
                        s.push_str(&format!(
                            "           ... {} more lines\n",
                            lines.len() - DIFF_LINES
                        ));
                    }
                }
            }
        }
        s.push_str(&format!(
            "         likely fix: {} (converge plan shows the same diffs first)\n",
            f.reapply
        ));
    }
    for (r, why) in &f.drift.not_compared {
        s.push_str(&format!("  ?      {r}: not compared: {why}\n"));
    }
    let broken = checks.iter().filter(|c| !c.passed()).count()
        + services.iter().filter(|d| !d.healthy()).count()
        + f.drift.drifted.len();
    s.push_str(&if f.healthy() {
        format!(
            "healthy: {} checks passed, {} services healthy, no drift\n",
            checks.len(),
            services.len()
        )
    } else {
        format!("broken: {broken} problem(s) found\n")
    });
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use converge::ResourceReport;

    fn layer(name: &str, ok: bool) -> Layer {
        Layer {
            name: name.into(),
            tested: format!("{name} works"),
            ok,
            evidence: String::new(),
            reproduce: format!("check {name}"),
            fix: Some(format!("fix {name}")),
        }
    }

    /// A check answered 200 where 404 was expected, its service healthy.
    fn findings(drifted: Vec<ResourceReport>) -> Findings {
        let nginx = Diagnosis {
            subject: "nginx on port 80".into(),
            layers: vec![layer("package", true), layer("service", true)],
            log: None,
        };
        Findings {
            node: "web-01".into(),
            checks: vec![CheckResult {
                reference: "Http_check[missing]".into(),
                url: "http://127.0.0.1:80/x".into(),
                outcome: Ok(http_check::Outcome {
                    attempts: 3,
                    response: None,
                    problems: vec!["status 200 instead of 404".into()],
                }),
                diagnosis: Some(nginx.clone()),
            }],
            services: vec![nginx],
            drift: drift::Drift {
                drifted,
                not_compared: Vec::new(),
            },
            reapply: "converge apply site.pp".into(),
        }
    }

    #[test]
    fn a_failed_check_through_a_healthy_service_says_so_instead_of_pointing_below() {
        let out = text(&findings(Vec::new()));
        assert!(out.contains("BROKEN Http_check[missing]"), "{out}");
        assert!(
            out.contains(
                "every layer of nginx on port 80 passed: it answers, but not as the check expects"
            ),
            "{out}"
        );
        assert!(!out.contains("see nginx on port 80 below"), "{out}");
        assert!(out.contains("broken: 1 problem(s) found"), "{out}");
    }

    #[test]
    fn drift_is_the_evidence_and_apply_the_fix_when_every_layer_passes() {
        let drifted = ResourceReport {
            changes: vec![converge::ChangeRecord {
                property: "ensure".into(),
                before: Some("absent".into()),
                after: Some("file".into()),
                message: "created".into(),
                diff: Some("+Ceci n'est pas une page".into()),
            }],
            ..ResourceReport::new("File[/var/www/html/404.html]", converge::Status::Pending)
        };
        let f = findings(vec![drifted]);
        let out = text(&f);
        for want in [
            "the host differs from its manifest: see drift below",
            "DRIFT  File[/var/www/html/404.html]/ensure: created",
            "+Ceci n'est pas une page",
            "likely fix: converge apply site.pp",
            "broken: 2 problem(s) found",
        ] {
            assert!(out.contains(want), "{want}:\n{out}");
        }
        let json = to_json(&f);
        assert_eq!(json["healthy"], false);
        assert_eq!(json["drift"][0]["resource"], "File[/var/www/html/404.html]");
        assert_eq!(json["likely_fix"], "converge apply site.pp");
    }
}
