//! The `package` provider for Debian: state from dpkg's status database (read once per run by
//! the [`Context`]), changes with apt-get, non-interactive and keeping changed conffiles.
//!
//! [`install_many`] lets the engine send adjacent independent installs to apt as one
//! transaction: one dependency resolution and one dpkg run instead of one per package.

use crate::context::{Cmd, Context};
use crate::provider::{Change, Event, EventKind, Provider, ProviderError, State};
use converge_catalog::Resource;

/// The `package` provider (apt).
#[derive(Debug, Default)]
pub struct AptProvider;

/// The `package` type's provider: apt (and dpkg), unless the resource names `pip`, `pip3`
/// or `gem` as its `provider`.
#[derive(Debug, Default)]
pub struct PackageProvider;

static PIP: crate::langpkg::LangPackageProvider =
    crate::langpkg::LangPackageProvider(crate::langpkg::Manager::Pip);
static PIP3: crate::langpkg::LangPackageProvider =
    crate::langpkg::LangPackageProvider(crate::langpkg::Manager::Pip3);
static GEM: crate::langpkg::LangPackageProvider =
    crate::langpkg::LangPackageProvider(crate::langpkg::Manager::Gem);

impl PackageProvider {
    /// The provider that manages this resource.
    pub fn pick(r: &Resource) -> &'static dyn Provider {
        match r.param_str("provider") {
            Some("pip") => &PIP,
            Some("pip3") => &PIP3,
            Some("gem") => &GEM,
            _ => &AptProvider,
        }
    }
}

impl Provider for PackageProvider {
    fn name(&self) -> &'static str {
        "apt"
    }

    fn inspect(&self, r: &Resource, cx: &mut Context) -> Result<State, ProviderError> {
        Self::pick(r).inspect(r, cx)
    }

    fn plan(&self, r: &Resource, st: &State, cx: &Context) -> Result<Vec<Change>, ProviderError> {
        Self::pick(r).plan(r, st, cx)
    }

    fn apply(
        &self,
        r: &Resource,
        changes: &[Change],
        cx: &mut Context,
    ) -> Result<Vec<Event>, ProviderError> {
        Self::pick(r).apply(r, changes, cx)
    }

    fn predict(&self, r: &Resource, changes: &[Change], cx: &mut Context) {
        Self::pick(r).predict(r, changes, cx)
    }
}

/// What `ensure` asks of a package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Wanted {
    /// Any installed version.
    Present,
    /// Not installed (config files may stay).
    Absent,
    /// Not installed, config files removed too.
    Purged,
    /// The candidate version apt would install.
    Latest,
    /// Installed and held at its version (`apt-mark hold`).
    Held,
    /// Puppet's `disabled`, which apt has no notion of.
    Disabled,
    /// This exact version.
    Version(String),
}

/// The package's `ensure`, with Puppet's default of `present`.
pub fn wanted(r: &Resource) -> Wanted {
    match r.param_str("ensure").unwrap_or("present") {
        "present" | "installed" => Wanted::Present,
        "absent" => Wanted::Absent,
        "purged" => Wanted::Purged,
        "latest" => Wanted::Latest,
        "held" => Wanted::Held,
        "disabled" => Wanted::Disabled,
        v => Wanted::Version(v.to_string()),
    }
}

fn name_of(r: &Resource) -> &str {
    r.name_or_title("name")
}

/// apt-get's environment and options for a non-interactive run that keeps local conffiles.
fn apt(args: &[&str]) -> Cmd {
    let mut argv = vec![
        "/usr/bin/apt-get",
        "-q",
        "-y",
        "-o",
        "DPkg::Options::=--force-confold",
        // A dpkg left running by a killed apt-get holds the lock for a while: wait for it
        // rather than fail (apt's default is to give up at once).
        "-o",
        "DPkg::Lock::Timeout=120",
    ];
    argv.extend_from_slice(args);
    Cmd::new(&argv)
        .env("DEBIAN_FRONTEND", "noninteractive")
        .env("APT_LISTCHANGES_FRONTEND", "none")
}

/// The states a killed apt or dpkg run leaves packages in; `dpkg --configure -a` (and, for
/// a half-installed one, apt's reinstall) brings them back.
const INTERRUPTED: &[&str] = &[
    "half-installed",
    "unpacked",
    "half-configured",
    "triggers-awaited",
    "triggers-pending",
];

/// What apt says when dpkg's journal holds an unfinished run.
const APT_SAYS_INTERRUPTED: &str = "dpkg was interrupted";

/// Whether an earlier dpkg run was cut short: its journal (`/var/lib/dpkg/updates`) holds
/// entries, or a package is in a state only a finished run leaves behind. Names the
/// packages found so.
fn interrupted(cx: &mut Context) -> Result<Option<Vec<String>>, ProviderError> {
    let updates = cx.dpkg_status_path.with_file_name("updates");
    let journal = std::fs::read_dir(&updates).is_ok_and(|mut d| d.next().is_some());
    let mut half: Vec<String> = cx
        .dpkg()?
        .iter()
        .filter(|(_, e)| INTERRUPTED.contains(&e.status.as_str()))
        .map(|(n, e)| format!("{n} ({})", e.status))
        .collect();
    half.sort();
    Ok((journal || !half.is_empty()).then_some(half))
}

/// Before the first package change of a run, finish what a killed apt or dpkg left half
/// done, as a person would: `dpkg --configure -a`, then apt's `-f install` for a package
/// that must be reinstalled. Says so in the report. Puppet leaves such a host failing
/// ("dpkg was interrupted, you must manually run 'dpkg --configure -a'") until someone
/// logs in.
fn repair_interrupted(cx: &mut Context, force: bool) -> Result<(), ProviderError> {
    if cx.dpkg_checked && !force {
        return Ok(());
    }
    cx.dpkg_checked = true;
    let half = match interrupted(cx)? {
        Some(h) => h,
        None if force => Vec::new(),
        None => return Ok(()),
    };
    let what = if half.is_empty() {
        String::new()
    } else {
        format!(", leaving {}", half.join(", "))
    };
    cx.warnings.push(format!(
        "dpkg was interrupted (an earlier apt or dpkg run was killed{what}): repaired with \
         'dpkg --configure -a' before changing packages"
    ));
    let configure = Cmd::new(&["/usr/bin/dpkg", "--configure", "-a", "--force-confold"])
        .env("DEBIAN_FRONTEND", "noninteractive")
        .env("APT_LISTCHANGES_FRONTEND", "none");
    // dpkg itself cannot wait for its lock: a dpkg orphaned by a killed apt-get may still
    // be finishing. Ask again until it is done.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    loop {
        let out = cx.run(&configure)?;
        if out.success() {
            break;
        }
        let locked = out.combined().contains("lock");
        if !locked
            && out
                .combined()
                .contains("reinstall it before attempting configuration")
        {
            // A package killed mid-unpack ("very bad inconsistent state"): dpkg cannot
            // configure it until apt has reinstalled it, which the step below does.
            break;
        }
        if !locked || std::time::Instant::now() > deadline {
            cx.invalidate_dpkg();
            return Err(ProviderError::Command {
                message: format!(
                    "dpkg was interrupted and 'dpkg --configure -a' could not repair it (exit {})",
                    out.code.map_or("a signal".to_string(), |c| c.to_string())
                ),
                output: out.combined(),
            });
        }
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
    cx.invalidate_dpkg();
    // A package killed mid-unpack needs its files again, and `apt-get -f install` does not
    // reinstall it (it stays "reinstreq half-installed"): name it to apt.
    let mut reinstall: Vec<String> = cx
        .dpkg()?
        .iter()
        .filter(|(_, e)| e.status == "half-installed")
        .map(|(n, _)| n.clone())
        .collect();
    if !reinstall.is_empty() {
        reinstall.sort();
        let mut args = vec!["install", "--reinstall"];
        args.extend(reinstall.iter().map(String::as_str));
        let res = cx.run_ok(&apt(&args));
        cx.invalidate_dpkg();
        res?;
    }
    if interrupted(cx)?.is_some_and(|h| !h.is_empty()) {
        // What is left unpacked but not configured: apt configures it.
        let res = cx.run_ok(&apt(&["-f", "install"]));
        cx.invalidate_dpkg();
        res?;
    }
    Ok(())
}

/// Run apt, repairing an interrupted dpkg first (and once more if apt still finds one).
fn run_apt(args: &[&str], cx: &mut Context) -> Result<(), ProviderError> {
    repair_interrupted(cx, false)?;
    let mut result = cx.run_ok(&apt(args));
    if matches!(&result, Err(ProviderError::Command { output, .. }) if output.contains(APT_SAYS_INTERRUPTED))
    {
        cx.invalidate_dpkg();
        repair_interrupted(cx, true)?;
        result = cx.run_ok(&apt(args));
    }
    cx.invalidate_dpkg();
    // Maintainer scripts add system users and groups (haproxy's): a file owned by one,
    // ordered after its package, must find it.
    cx.invalidate_accounts();
    result.map(|_| ())
}

/// Install several packages (`name` or `name=version`) in one apt transaction.
pub fn install_many(specs: &[String], cx: &mut Context) -> Result<(), ProviderError> {
    install_with(specs, &[], cx)
}

/// Extra apt-get options a resource asks for: `install_options`, and `configfiles =>
/// replace` (take the maintainer's conffiles instead of keeping local ones).
pub fn install_options(r: &Resource) -> Vec<String> {
    let mut opts: Vec<String> = r
        .param("install_options")
        .map(|v| {
            v.as_list()
                .iter()
                .flat_map(|o| match o {
                    // Puppet also accepts hashes: {'-t' => 'bookworm-backports'}.
                    converge_catalog::Value::Hash(h) => h
                        .iter()
                        .flat_map(|(k, v)| [k.clone(), v.to_string()])
                        .collect::<Vec<_>>(),
                    other => vec![other.to_string()],
                })
                .collect()
        })
        .unwrap_or_default();
    if r.param_str("configfiles") == Some("replace") {
        opts.push("-o".into());
        opts.push("DPkg::Options::=--force-confnew".into());
    }
    opts
}

/// Install packages with extra apt-get options, in one transaction.
pub fn install_with(
    specs: &[String],
    options: &[String],
    cx: &mut Context,
) -> Result<(), ProviderError> {
    if specs.is_empty() {
        return Ok(());
    }
    let mut args: Vec<&str> = options.iter().map(String::as_str).collect();
    args.push("install");
    args.extend(specs.iter().map(String::as_str));
    run_apt(&args, cx)
}

/// The `name[=version]` argument that installs what a resource wants.
pub fn install_spec(r: &Resource) -> String {
    match wanted(r) {
        Wanted::Version(v) => format!("{}={v}", name_of(r)),
        _ => name_of(r).to_string(),
    }
}

/// Whether this resource is a plain `apt-get install` (so it can join a batch; holds cannot).
pub fn is_install(changes: &[Change]) -> bool {
    changes.iter().any(|c| {
        c.property == "ensure"
            && !matches!(
                c.after.as_deref(),
                Some("absent") | Some("purged") | Some("held")
            )
    })
}

/// Apply several package resources' planned installs as one apt transaction (the engine
/// batches adjacent, mutually independent package resources). Every item must be an install
/// ([`is_install`]) with the same [`install_options`]; returns each resource's events, in
/// order. If apt fails, every resource of the batch failed with the same error.
pub fn apply_batch(
    items: &[(&Resource, &[Change])],
    cx: &mut Context,
) -> Result<Vec<Vec<Event>>, ProviderError> {
    let Some((first, _)) = items.first() else {
        return Ok(Vec::new());
    };
    let options = install_options(first);
    let mut specs = Vec::with_capacity(items.len());
    for (r, changes) in items {
        if !is_install(changes) || install_options(r) != options {
            return Err(ProviderError::Invalid(format!(
                "{} cannot join this apt transaction",
                r.reference()
            )));
        }
        let after = changes
            .iter()
            .find(|c| c.property == "ensure")
            .and_then(|c| c.after.clone())
            .unwrap_or_default();
        specs.push(match wanted(r) {
            Wanted::Present => name_of(r).to_string(),
            _ => format!("{}={after}", name_of(r)),
        });
    }
    install_with(&specs, &options, cx)?;
    Ok(items
        .iter()
        .map(|(_, changes)| {
            changes
                .iter()
                .filter(|c| c.property == "ensure")
                .map(|c| Event::from_change(c, EventKind::Changed))
                .collect()
        })
        .collect())
}

/// apt's candidate version from `apt-cache policy` (for `latest`).
fn candidate(name: &str, cx: &mut Context) -> Result<Option<String>, ProviderError> {
    let out = cx.run_ok(&Cmd::new(&["/usr/bin/apt-cache", "policy", "--", name]))?;
    Ok(out
        .stdout
        .lines()
        .find_map(|l| l.trim().strip_prefix("Candidate:"))
        .map(|v| v.trim().to_string())
        .filter(|v| v != "(none)"))
}

impl Provider for AptProvider {
    fn name(&self) -> &'static str {
        "apt"
    }

    fn inspect(&self, r: &Resource, cx: &mut Context) -> Result<State, ProviderError> {
        let name = name_of(r).to_string();
        let mut st = State::default();
        let entry = cx.dpkg_entry(&name)?;
        st.set(
            "held",
            Some((entry.as_ref().is_some_and(|e| e.want == "hold")).to_string()),
        );
        let current = match entry.as_ref() {
            Some(e) if e.status == "installed" => e.version.clone(),
            Some(e) if e.status == "not-installed" => "purged".into(),
            Some(_) => "absent".into(),
            None => "purged".into(),
        };
        st.set("ensure", Some(current));
        if wanted(r) == Wanted::Latest {
            st.set("candidate", candidate(&name, cx)?);
        }
        Ok(st)
    }

    fn plan(&self, r: &Resource, st: &State, _cx: &Context) -> Result<Vec<Change>, ProviderError> {
        let have = st.get("ensure").unwrap_or("purged").to_string();
        let installed = have != "absent" && have != "purged";
        let want = wanted(r);
        if want == Wanted::Disabled {
            return Err(ProviderError::NotSupported {
                operation: "ensure => disabled",
                provider: "apt",
            });
        }
        if want == Wanted::Held && installed && st.get("held") != Some("true") {
            return Ok(vec![Change::with_message(
                "ensure",
                Some(have.clone()),
                Some("held".into()),
                format!("ensure changed '{have}' to 'held'"),
            )]);
        }
        let after = match &want {
            Wanted::Held if !installed => "held".to_string(),
            Wanted::Present if !installed => "present".to_string(),
            Wanted::Absent if installed => "absent".to_string(),
            Wanted::Purged if have != "purged" => "purged".to_string(),
            Wanted::Latest => match st.get("candidate") {
                Some(c) if c != have => c.to_string(),
                Some(_) => return Ok(Vec::new()),
                None if installed => return Ok(Vec::new()),
                None => {
                    return Err(ProviderError::Invalid(format!(
                        "Package {} has no installation candidate",
                        name_of(r)
                    )))
                }
            },
            Wanted::Version(v) if *v != have => v.clone(),
            _ => return Ok(Vec::new()),
        };
        let message = match after.as_str() {
            "absent" => "removed".to_string(),
            "purged" => "purged".to_string(),
            _ if !installed => "created".to_string(),
            a => format!("ensure changed '{have}' to '{a}'"),
        };
        Ok(vec![Change::with_message(
            "ensure",
            Some(have),
            Some(after),
            message,
        )])
    }

    fn apply(
        &self,
        r: &Resource,
        changes: &[Change],
        cx: &mut Context,
    ) -> Result<Vec<Event>, ProviderError> {
        let Some(c) = changes.iter().find(|c| c.property == "ensure") else {
            return Ok(Vec::new());
        };
        let name = name_of(r).to_string();
        match c.after.as_deref() {
            Some("absent") => run_apt(&["remove", &name], cx)?,
            Some("purged") => run_apt(&["remove", "--purge", &name], cx)?,
            Some("held") => {
                if c.before
                    .as_deref()
                    .is_none_or(|b| b == "absent" || b == "purged")
                {
                    install_with(std::slice::from_ref(&name), &install_options(r), cx)?;
                }
                let res = cx.run_ok(&Cmd::new(&["/usr/bin/apt-mark", "hold", &name]));
                cx.invalidate_dpkg();
                res?;
            }
            Some(v) => {
                let spec = match wanted(r) {
                    Wanted::Present => name.clone(),
                    _ => format!("{name}={v}"),
                };
                install_with(&[spec], &install_options(r), cx)?;
            }
            None => return Ok(Vec::new()),
        }
        Ok(vec![Event::from_change(c, EventKind::Changed)])
    }

    fn predict(&self, r: &Resource, changes: &[Change], cx: &mut Context) {
        let creates = changes.iter().any(|c| {
            c.property == "ensure" && !matches!(c.after.as_deref(), Some("absent") | Some("purged"))
        });
        if creates {
            cx.add_pending_creator(r.reference().to_string());
        }
    }
}
