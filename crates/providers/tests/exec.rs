//! The exec provider running real, harmless commands (true, false, sh, sleep) in a temp dir.

use converge_catalog::{Resource, Value};
use converge_providers::{plan_resource, provider_for, Context, ProviderError};

fn exec(title: &str, params: &[(&str, Value)]) -> Resource {
    let mut r = Resource::new("exec", title);
    for (k, v) in params {
        r.params.insert(k.to_string(), v.clone());
    }
    r
}

fn run(r: &Resource) -> Result<Vec<converge_providers::Event>, ProviderError> {
    let p = provider_for("exec").unwrap();
    let mut cx = Context::new();
    let (_, changes) = plan_resource(p, r, &mut cx)?;
    p.apply(r, &changes, &mut cx)
}

#[test]
fn failure_names_the_exit_code_and_shows_the_output() {
    let err = run(&exec("/bin/false", &[])).unwrap_err();
    assert_eq!(
        err.to_string(),
        "'/bin/false' returned 1 instead of one of [0]"
    );
    let err = run(&exec(
        "boom",
        &[
            ("command", "echo out; echo err >&2; exit 3".into()),
            ("provider", "shell".into()),
        ],
    ))
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "'echo out; echo err >&2; exit 3' returned 3 instead of one of [0]\nout\nerr"
    );
}

#[test]
fn returns_path_environment_cwd_and_argv() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display().to_string();
    let ok = exec(
        "x",
        &[
            ("command", "sh -c 'exit 2'".into()),
            ("path", Value::Array(vec!["/usr/bin".into(), "/bin".into()])),
            ("returns", Value::Array(vec![0.into(), 2.into()])),
        ],
    );
    assert_eq!(run(&ok).unwrap()[0].message, "executed successfully");
    let env = exec(
        "env",
        &[
            (
                "command",
                Value::Array(vec![
                    "/bin/sh".into(),
                    "-c".into(),
                    "echo \"$GREETING\" > out".into(),
                ]),
            ),
            (
                "environment",
                Value::Array(vec!["GREETING=hello world".into()]),
            ),
            ("cwd", d.clone().into()),
        ],
    );
    run(&env).unwrap();
    assert_eq!(
        std::fs::read_to_string(dir.path().join("out")).unwrap(),
        "hello world\n"
    );
    let missing = exec("nosuchcommand --flag", &[("path", "/usr/bin:/bin".into())]);
    assert_eq!(
        run(&missing).unwrap_err().to_string(),
        "Could not find command 'nosuchcommand'"
    );
}

#[test]
fn timeout_and_tries() {
    let t = std::time::Instant::now();
    let err = run(&exec("/bin/sleep 5", &[("timeout", Value::Float(0.2))])).unwrap_err();
    assert!(
        err.to_string().starts_with("Command exceeded timeout"),
        "{err}"
    );
    assert!(t.elapsed().as_secs() < 3);
    let dir = tempfile::tempdir().unwrap();
    // Succeeds on the third try: each try appends a line, the command checks for three.
    let cmd = format!(
        "echo x >> {0}/n; test $(wc -l < {0}/n) -ge 3",
        dir.path().display()
    );
    let r = exec(
        "flaky",
        &[
            ("command", cmd.into()),
            ("provider", "shell".into()),
            ("tries", 3.into()),
        ],
    );
    run(&r).unwrap();
}

#[test]
fn onlyif_and_unless_decide_in_a_real_run() {
    let p = provider_for("exec").unwrap();
    let mut cx = Context::new();
    let skip = exec("/bin/true", &[("onlyif", "/bin/false".into())]);
    assert!(plan_resource(p, &skip, &mut cx).unwrap().1.is_empty());
    let skip = exec(
        "/bin/true",
        &[(
            "unless",
            Value::Array(vec!["/bin/false".into(), "/bin/true".into()]),
        )],
    );
    assert!(plan_resource(p, &skip, &mut cx).unwrap().1.is_empty());
    let go = exec(
        "/bin/true",
        &[
            ("onlyif", "/bin/true".into()),
            ("unless", "/bin/false".into()),
        ],
    );
    assert_eq!(plan_resource(p, &go, &mut cx).unwrap().1.len(), 1);
}

#[test]
fn refreshonly_runs_only_on_refresh() {
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("ran");
    let r = exec(
        "touch",
        &[
            (
                "command",
                format!("/usr/bin/touch {}", marker.display()).into(),
            ),
            ("refreshonly", Value::Bool(true)),
        ],
    );
    let p = provider_for("exec").unwrap();
    let mut cx = Context::new();
    assert!(plan_resource(p, &r, &mut cx).unwrap().1.is_empty());
    assert!(!marker.exists());
    assert_eq!(p.refresh(&r, &mut cx).unwrap().len(), 1);
    assert!(marker.exists());
}

#[test]
fn umask_applies_to_what_the_command_creates() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("made");
    let r = exec(
        "mk",
        &[
            (
                "command",
                Value::Array(vec![
                    "/usr/bin/touch".into(),
                    f.display().to_string().into(),
                ]),
            ),
            ("umask", "077".into()),
        ],
    );
    run(&r).unwrap();
    let mode = std::fs::metadata(&f).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
}
