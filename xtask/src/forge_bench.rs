//! Issue 15's speed rows, run alone by `cargo xtask bench --forge` (and in the full
//! `cargo xtask bench`):
//!
//! - (g) the Forge-style site `manifests/forge` compiled for web-01 (apache::vhost with its
//!   ERB templates), converge against Puppet's compiler on this machine: [`Compile::forge_web`].
//! - (h) a no-op re-apply of the Forge-style lb-01 (puppetlabs-haproxy, concat, inifile, apt,
//!   stdlib, installed from the image's offline repository as a user installs them) against
//!   a no-op re-apply of today's lb-01 (`manifests/site.pp`, the seed's `load_balancer`),
//!   each on a fresh systemd host named lb-01 on a network of its own, with the seed's
//!   web-01 and web-02 converged behind it, timed in alternation on the two hosts.
//!
//! The Forge-style lb-01 is timed without `include ntp`: ntpd cannot start in a fresh host
//! (no CAP_SYS_TIME, see `NTP_SKIPPED` in tests/forge.rs), so every run of the full site
//! tries `systemctl start ntp` again and exits 4. A run that retries a failing start is
//! not the no-op re-apply of a converged host that the goal is about, and on a real host
//! ntpd runs; dropping the class (package, config file, service) compares the runs a user
//! would see, at the cost of three resources fewer on the Forge side.

use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use converge_testhost::{Error, Host, HostKind, Image, Net};

use crate::bench::{
    build, cell, compile_round, failed, human, loadavg, local, median, mem_total, ratio, timed,
    workspace_root, write_section, Compile, Engine, Row,
};

/// Where the Forge-style site goes in its lb-01.
const FORGE_SITE: &str = "/etc/converge/forge";

/// Samples of (h): no-op re-applies of today's lb-01 and of the Forge-style one.
#[derive(Default)]
pub(crate) struct LbNoop {
    pub(crate) seed: Vec<Duration>,
    pub(crate) forge: Vec<Duration>,
}

impl LbNoop {
    /// The Forge-style median over today's.
    pub(crate) fn ratio(&self) -> Option<f64> {
        median(&self.forge)
            .zip(median(&self.seed))
            .map(|(f, s)| f / s)
    }
}

/// lb-01 on a network of its own with web-01 and web-02 behind it. Fields drop in order:
/// the hosts before their network.
struct LbStack {
    lb: Host,
    _web: Vec<Host>,
    _net: Net,
}

/// The Forge-style site without `include ntp` (see the module's documentation); fails if
/// the site no longer has that line, rather than timing something else.
fn forge_site_without_ntp() -> Result<String, Error> {
    let path = workspace_root().join("manifests/forge/manifests/site.pp");
    let site = std::fs::read_to_string(&path).map_err(|e| Error::Io {
        context: format!("reading {}", path.display()),
        source: e,
    })?;
    let line = "  include ntp\n";
    if site.matches(line).count() != 1 {
        return Err(failed(
            "the Forge-style site without ntp".into(),
            format!("expected one `{}` line", line.trim()),
            path.display().to_string(),
        ));
    }
    Ok(site.replace(
        line,
        "  # include ntp: left out of the benchmark (ntpd cannot run here)\n",
    ))
}

/// A converged lb-01 (`forge`: the Forge-style site, else today's `manifests/site.pp`)
/// behind which the seed's web-01 and web-02 run; its first apply changed something and
/// its second nothing.
fn lb_stack(image: &Image, converge: &Path, forge: bool) -> Result<LbStack, Error> {
    let root = workspace_root();
    let net = Net::new()?;
    let mut hosts = net.hosts(
        image,
        &[
            ("web-01", HostKind::InitScript),
            ("web-02", HostKind::InitScript),
            ("lb-01", HostKind::Systemd),
        ],
    )?;
    let lb = hosts.pop().expect("three hosts");
    for web in &hosts {
        web.install_converge(converge)?;
        web.copy_in(&root.join("manifests"), "/etc/converge")?;
        timed(
            web,
            &Engine::Converge.apply("/etc/converge/site.pp", false),
            &[2],
        )?;
    }
    lb.install_converge(converge)?;
    // Both lb-01s as tests/forge.rs makes its hosts: iproute2 (as on a standard Debian
    // install; Facter's networking facts use `ip`) and a default route on eth0 (on-link,
    // nothing leaves the private network). Without a route a host with only link-local
    // addresses has no primary interface, so no $ipaddress (as Facter says), and
    // puppetlabs-haproxy's `log ${::ipaddress} local0` is no configuration HAProxy accepts.
    let modules = if forge {
        converge_testhost::FORGE_MODULES.join(" ")
    } else {
        String::new()
    };
    let out = lb.sh(&format!(
        "apt-get install -y -q --no-install-recommends iproute2 {modules} 2>&1 && ip route replace default dev eth0 2>&1"
    ))?;
    if !out.success() {
        return Err(failed(
            "lb-01: installing iproute2 and the modules, adding a default route".into(),
            out.status.to_string(),
            out.stdout,
        ));
    }
    let manifest = if forge {
        lb.copy_in(&root.join("manifests/forge"), FORGE_SITE)?;
        let site = format!("{FORGE_SITE}/manifests/site.pp");
        lb.write_file(&site, forge_site_without_ntp()?.as_bytes())?;
        site
    } else {
        lb.copy_in(&root.join("manifests"), "/etc/converge")?;
        "/etc/converge/site.pp".into()
    };
    let first = timed(&lb, &Engine::Converge.apply(&manifest, false), &[2])?;
    let second = timed(&lb, &Engine::Converge.apply(&manifest, false), &[0])?;
    eprintln!(
        "xtask: lb-01 ({}): first apply {}, second {}",
        if forge { "Forge-style" } else { "today's" },
        human(first.as_secs_f64()),
        human(second.as_secs_f64())
    );
    Ok(LbStack {
        lb,
        _web: hosts,
        _net: net,
    })
}

/// Row (h): both lb-01s converged, then `rounds` no-op re-applies on each, alternating.
pub(crate) fn lb_noop(converge: &Path, rounds: usize) -> Result<LbNoop, Error> {
    let image = Image::default_image()?;
    let seed = lb_stack(&image, converge, false)?;
    let forge = lb_stack(&image, converge, true)?;
    let seed_argv = Engine::Converge.apply("/etc/converge/site.pp", false);
    let forge_argv = Engine::Converge.apply(&format!("{FORGE_SITE}/manifests/site.pp"), false);
    let mut r = LbNoop::default();
    for _ in 0..rounds {
        r.seed.push(timed(&seed.lb, &seed_argv, &[0])?);
        r.forge.push(timed(&forge.lb, &forge_argv, &[0])?);
    }
    Ok(r)
}

/// The lines of `goals` for issue 15.
pub(crate) fn goals(compile: &Row, lb: &LbNoop) -> String {
    let verdict = |ok: bool| if ok { "met" } else { "not met" };
    let c = median(&compile.puppet)
        .zip(median(&compile.converge))
        .map(|(p, c)| p / c);
    let l = lb.ratio();
    let mut g = String::new();
    let _ = writeln!(
        g,
        "- an `apache::vhost` catalog, ERB included, compiles at least 20× faster than Puppet 7 (issue 15): {} ({})",
        c.map_or("—".into(), |x| format!("{x:.0}×")),
        verdict(c.is_some_and(|x| x >= 20.0))
    );
    let _ = writeln!(
        g,
        "- a no-op re-apply of the Forge-style lb-01 within 2× of today's lb-01 no-op (issue 15): {} ({})",
        l.map_or("—".into(), |x| format!("{x:.2}×")),
        verdict(l.is_some_and(|x| x <= 2.0))
    );
    g
}

/// The two rows of issue 15 as a Markdown table.
pub(crate) fn table(compile: &Row, lb: &LbNoop) -> String {
    let mut t = String::from(
        "| measure | converge min / **median** / max | compared with, min / **median** / max | ratio of medians |\n|---|---|---|---|\n",
    );
    let _ = writeln!(
        t,
        "| (g) compile of the Forge-style site, web-01 (`apache::vhost`, ERB included) | {} | Puppet 7's compiler: {} | Puppet ÷ converge: {} |",
        cell(&compile.converge),
        cell(&compile.puppet),
        ratio(compile)
    );
    let _ = writeln!(
        t,
        "| (h) no-op re-apply, Forge-style lb-01 (without ntp) | {} | today's lb-01 (`site.pp`): {} | Forge ÷ today's: {} |",
        cell(&lb.forge),
        cell(&lb.seed),
        lb.ratio().map_or("—".into(), |x| format!("{x:.2}×"))
    );
    t
}

/// `cargo xtask bench --forge [--rounds N]`: rows (g) and (h) alone; prints them and
/// writes their section of `docs/benchmarks.md`.
pub(crate) fn run(rounds: usize) -> Result<ExitCode, Error> {
    let root = workspace_root();
    let converge = build(&root)?;
    // The commit built, read before the rounds: a run takes minutes, and work goes on.
    let commit = local("git", &["rev-parse", "--short", "HEAD"]);
    let dirty = crate::bench::dirty();
    let load_start = loadavg();
    let date = local("date", &["-u", "+%Y-%m-%d %H:%M UTC"]);
    let compile = Compile::forge_web();
    let mut row = Row::default();
    for round in 1..=rounds {
        eprintln!("xtask: compile round {round} of {rounds}");
        compile_round(&converge, &compile, &mut row)?;
    }
    let load_mid = loadavg();
    let lb = lb_noop(&converge, rounds)?;
    let load_end = loadavg();
    let table = table(&row, &lb);
    let goals = goals(&row, &lb);
    println!("{table}\n{goals}");
    let section = format!(
        "## Forge modules (issue 15)

Generated by `cargo xtask bench --forge --rounds {rounds}` (xtask/src/forge_bench.rs;
the full `cargo xtask bench` measures the same rows); run it again to regenerate this
section.

- date (start): {date}; converge commit {commit}{dirty}, release build
- machine: {nproc} cores, {mem} memory, kernel {kernel}
- load average (1, 5, 15 min): at the start {load_start}, after (g) {load_mid}, at the
  end {load_end} (other jobs share this machine)

- (g) `manifests/forge` (an environment: `hiera.yaml`, `data/`) compiled for web-01 with
  its facts `tests/data/forge-facts/web-01.json` and the modulepath
  `/usr/share/puppet/modules` (Debian's puppetlabs modules): the whole `converge catalog`
  process against Puppet's `Puppet::Parser::Compiler.compile` alone, timed inside its
  Ruby process, each in a fresh process, in alternation. web-01's catalog holds
  `apache::vhost`, whose fragments are rendered from the module's ERB templates during
  the compile.
- (h) two fresh systemd hosts named lb-01, each on its own network with the seed's web-01
  and web-02 converged behind it: one applies today's `manifests/site.pp` (the seed's
  `load_balancer`, HAProxy from a template), the other the Forge-style site with the
  puppetlabs modules installed from the image's offline repository
  (`apt-get install --no-install-recommends puppet-module-puppetlabs-...`). Both get
  iproute2 and an on-link default route, as tests/forge.rs's hosts do (without a route a
  host with only link-local addresses has no `$ipaddress`, as Facter says, and
  puppetlabs-haproxy's default `log` line breaks). After a first
  apply (changes) and a second (none), {rounds} no-op re-applies
  (`converge apply --detailed-exitcodes`, exit 0) alternate between the two hosts.
  The Forge-style lb-01 runs without `include ntp`: ntpd cannot start in a fresh host (no
  CAP_SYS_TIME), so with it every run retries `systemctl start ntp` and exits 4, which
  is not the no-op of a converged host; on a real host ntpd runs. Dropping the class
  leaves three resources (package, config file, service) out of the Forge side.

{table}
{goals}",
        nproc = local("nproc", &[]),
        mem = mem_total(),
        kernel = local("uname", &["-r"]),
    );
    write_section("--forge", "Forge", &section)?;
    Ok(ExitCode::SUCCESS)
}
