//! `cargo xtask`: project automation that is not part of converge itself.

mod bench;
mod compat;
mod demo;
mod dist;
mod e2e;
mod fleet_bench;
mod fleet_scale;
mod forge_bench;
mod nginx_table;
mod profile;

use std::process::ExitCode;
use std::time::{Duration, Instant};

use converge_testhost::{Error, HostKind, Image, Net, Release};

const USAGE: &str = "usage: cargo xtask <command>
  image [--release N] [--with-puppet]
                               build (or reuse) the fresh-host image of Debian N (11, 12
                               or 13; default 12), installing the test bed's packages first
  host NAME [--systemd] [--with-puppet] [--release N]
                               an interactive shell in a fresh host (init-script host
                               unless --systemd); the host is removed when the shell exits
  gc                           remove what crashed test runs left (hosts, networks, builds)
  dist [--native] [--binary PATH] [--out DIR] [--fast]
                               the Debian package target/dist/converge_<version>_<arch>.deb
                               (release build linked against Debian 11's glibc, so it
                               installs on 11, 12 and 13; --native: this machine's glibc;
                               --binary: package that binary instead of building one;
                               --fast: lighter compression)
  sysroot                      make (once) and print the Debian 11 sysroot dist and e2e link
                               against
  e2e --release N              the end-to-end tests on Debian N hosts (11, 12 or 13);
                               writes their results to docs/releases.md
  many N [--systemd]           start N hosts in parallel, check each answers, time it
  timings [N]                  time host start-up with the cached image (N rounds, default 5)
  demo [--systemd] [--release] [--nginx-lb]
                               build converge, apply manifests/site.pp on fresh web-01, web-02
                               and lb-01 at once, show requests through lb-01, tear down
                               (--nginx-lb: site-nginx-lb.pp, nginx balancing on lb-01)
  profile [--systemd] [--perf] [--rounds N] [--baseline BIN] [--role web|lb]
                               time converge's no-op commands on a converged fresh web-01
                               (or lb-01, with web-01 and web-02 behind it, for --role lb)
                               and list the processes each spawns; BIN (an older converge)
                               is timed in alternation on the same host
  bench [--rounds N]           converge and Puppet side by side on fresh hosts (N rounds,
                               default 5); writes docs/benchmarks.md
  nginx-directives SRC         regenerate crates/nginx/src/directives/table.rs from an
                               unpacked nginx source tree (apt-get source nginx)
  bench --fleet [--scale] [--hosts N] [--rounds R] [--binary BIN] [--release N]
                               converge and Ansible pushing the web server from a controller
                               to N fresh hosts (default 20), R rounds (default 3), beside
                               the floor (ssh alone); writes its section of
                               docs/benchmarks.md. BIN: a converge build to use instead of
                               a stripped release build. --scale: converge alone, 20 hosts
                               against N (default 100), R rounds alternating; writes its own
                               section. --release: Debian N hosts (11, 12 or 13), a section
                               of their own
  bench --control-repo [--rounds N]
                               only the control repository's compile, converge against
                               Puppet's compiler on this machine (needs puppet and the
                               stdlib, apt and ntp packages); prints the row
  bench --forge [--rounds N]   only issue 15's rows: the Forge-style site's compile of
                               web-01 against Puppet's, and no-op re-applies of the
                               Forge-style lb-01 against today's on fresh systemd hosts
                               (N rounds, default 9); writes its section of
                               docs/benchmarks.md
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["image", flags @ ..] => match release_flag(flags, &["--with-puppet"]) {
            Some((release, rest)) => image(release, rest.contains(&"--with-puppet")),
            None => usage(),
        },
        ["host", name, flags @ ..] => match release_flag(flags, &["--systemd", "--with-puppet"]) {
            Some((release, rest)) => host(
                name,
                release,
                rest.contains(&"--systemd"),
                rest.contains(&"--with-puppet"),
            ),
            None => usage(),
        },
        ["gc"] => gc(),
        ["nginx-directives", src] => {
            let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
            let out = root.join("crates/nginx/src/directives/table.rs");
            match nginx_table::generate(std::path::Path::new(src), &out) {
                Ok(n) => {
                    println!("{n} directives written to {}", out.display());
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => Err(Error::Command {
                    what: "reading the nginx source".into(),
                    status: e,
                    stderr: String::new(),
                }),
            }
        }
        ["sysroot"] => compat::sysroot().map(|dir| {
            println!("{}", dir.display());
            ExitCode::SUCCESS
        }),
        ["dist", flags @ ..] => dist_options(flags).map_or_else(usage, dist::run),
        ["e2e", flags @ ..] => match release_flag(flags, &[]) {
            Some((release, _)) => e2e::run(release),
            None => usage(),
        },
        ["bench", "--fleet", rest @ ..] => fleet_options(rest).map_or_else(usage, fleet),
        ["bench", rest @ ..] => match rest {
            [] => bench::run(bench::Options { rounds: 5 }),
            ["--control-repo"] => bench::control_repo_only(9),
            ["--control-repo", "--rounds", n] => match n.parse() {
                Ok(rounds) if rounds > 0 => bench::control_repo_only(rounds),
                _ => usage(),
            },
            ["--forge"] => forge_bench::run(9),
            ["--forge", "--rounds", n] => match n.parse() {
                Ok(rounds) if rounds > 0 => forge_bench::run(rounds),
                _ => usage(),
            },
            ["--rounds", n] => match n.parse() {
                Ok(rounds) if rounds > 0 => bench::run(bench::Options { rounds }),
                _ => usage(),
            },
            _ => usage(),
        },
        ["profile", flags @ ..] => profile_options(flags).map_or_else(usage, profile::run),
        ["demo", flags @ ..]
            if flags
                .iter()
                .all(|f| ["--systemd", "--release", "--nginx-lb"].contains(f)) =>
        {
            demo::run(demo::Options {
                systemd: flags.contains(&"--systemd"),
                release: flags.contains(&"--release"),
                nginx_lb: flags.contains(&"--nginx-lb"),
            })
        }
        ["many", n, flags @ ..] if flags.iter().all(|f| *f == "--systemd") => match n.parse() {
            Ok(n) if n > 0 => many(n, !flags.is_empty()),
            _ => usage(),
        },
        ["timings"] => timings(5),
        ["timings", n] => match n.parse() {
            Ok(n) if n > 0 => timings(n),
            _ => usage(),
        },
        _ => usage(),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `bench --fleet [--scale] [--hosts N] [--rounds R] [--binary BIN] [--release N]`, flags
/// in any order (`--scale`: N defaults to 100).
fn fleet_options(flags: &[&str]) -> Option<fleet_bench::Options> {
    let mut o = fleet_bench::Options {
        hosts: 20,
        rounds: 3,
        binary: None,
        scale: false,
        release: Release::default(),
    };
    let mut hosts = None;
    let mut it = flags.iter();
    while let Some(f) = it.next() {
        match *f {
            "--hosts" => hosts = Some(it.next()?.parse().ok().filter(|n| *n > 0)?),
            "--rounds" => o.rounds = it.next()?.parse().ok().filter(|n| *n > 0)?,
            "--binary" => o.binary = Some(std::fs::canonicalize(it.next()?).ok()?),
            "--scale" => o.scale = true,
            "--release" => o.release = it.next()?.parse().ok()?,
            _ => return None,
        }
    }
    o.hosts = hosts.unwrap_or(if o.scale { 100 } else { 20 });
    Some(o)
}

/// `bench --fleet ...`: side by side with Ansible, or converge alone at two sizes.
fn fleet(o: fleet_bench::Options) -> Result<ExitCode, converge_testhost::Error> {
    if o.scale {
        fleet_scale::run(o)
    } else {
        fleet_bench::run(o)
    }
}

/// `profile [--systemd] [--perf] [--rounds N] [--baseline BIN] [--role web|lb]`, flags in
/// any order.
fn profile_options(flags: &[&str]) -> Option<profile::Options> {
    let mut o = profile::Options {
        systemd: false,
        rounds: 9,
        perf: false,
        baseline: None,
        role: profile::Role::Web,
    };
    let mut it = flags.iter();
    while let Some(f) = it.next() {
        match *f {
            "--systemd" => o.systemd = true,
            "--perf" => o.perf = true,
            "--baseline" => o.baseline = Some(it.next()?.into()),
            "--rounds" => o.rounds = it.next()?.parse().ok().filter(|n| *n > 0)?,
            "--role" => {
                o.role = match *it.next()? {
                    "web" => profile::Role::Web,
                    "lb" => profile::Role::Lb,
                    _ => return None,
                }
            }
            _ => return None,
        }
    }
    Some(o)
}

/// `dist [--native] [--binary PATH] [--out DIR]`.
fn dist_options(flags: &[&str]) -> Option<dist::Options> {
    let mut o = dist::Options {
        binary: None,
        native: false,
        out: None,
        fast: false,
    };
    let mut it = flags.iter();
    while let Some(f) = it.next() {
        match *f {
            "--native" => o.native = true,
            "--fast" => o.fast = true,
            "--binary" => o.binary = Some(it.next()?.into()),
            "--out" => o.out = Some(it.next()?.into()),
            _ => return None,
        }
    }
    Some(o)
}

/// The workspace's root directory.
pub(crate) fn workspace_root() -> std::path::PathBuf {
    let xtask = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    xtask.parent().unwrap_or(xtask).to_path_buf()
}

/// Takes `--release N` out of `flags`; the rest must all be among `allowed`.
fn release_flag<'a>(flags: &[&'a str], allowed: &[&str]) -> Option<(Release, Vec<&'a str>)> {
    let mut release = Release::default();
    let mut rest = Vec::new();
    let mut it = flags.iter();
    while let Some(f) = it.next() {
        match *f {
            "--release" => {
                release = match it.next()?.parse() {
                    Ok(r) => r,
                    Err(e) => {
                        eprintln!("xtask: {e}");
                        return None;
                    }
                }
            }
            f if allowed.contains(&f) => rest.push(f),
            _ => return None,
        }
    }
    Some((release, rest))
}

fn usage() -> Result<ExitCode, Error> {
    eprint!("{USAGE}");
    Ok(ExitCode::from(2))
}

fn image(release: Release, puppet: bool) -> Result<ExitCode, Error> {
    let start = Instant::now();
    let image = Image::builder().release(release).puppet(puppet).build()?;
    println!(
        "image {} at {} ({:.1} s)",
        image.key(),
        image.root().display(),
        start.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}

fn host(name: &str, release: Release, systemd: bool, puppet: bool) -> Result<ExitCode, Error> {
    let image = Image::builder().release(release).puppet(puppet).build()?;
    let net = Net::new()?;
    let kind = if systemd {
        HostKind::Systemd
    } else {
        HostKind::InitScript
    };
    let host = net.host(&image, name, kind)?;
    eprintln!(
        "xtask: {} host {} ({}) at {} on 169.254.{}.0/24; exit the shell to remove it",
        host.kind(),
        host.name(),
        image.release(),
        host.ip(),
        net.subnet()
    );
    let status = host
        .command(&["/bin/bash", "-l"])
        .env(
            "TERM",
            std::env::var("TERM").unwrap_or_else(|_| "xterm".into()),
        )
        .status()
        .map_err(|e| Error::Io {
            context: "starting the shell".into(),
            source: e,
        })?;
    // The shell's own exit code, so scripts piping commands in can see how they ended.
    Ok(match status.code() {
        Some(code) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
        None => ExitCode::FAILURE,
    })
}

fn gc() -> Result<ExitCode, Error> {
    let report = converge_testhost::gc()?;
    if report.is_empty() {
        println!("nothing to remove");
    }
    for line in report {
        println!("{line}");
    }
    Ok(ExitCode::SUCCESS)
}

fn many(n: usize, systemd: bool) -> Result<ExitCode, Error> {
    let image = Image::default_image()?;
    let net = Net::new()?;
    let kind = if systemd {
        HostKind::Systemd
    } else {
        HostKind::InitScript
    };
    let names: Vec<String> = (1..=n).map(|i| format!("host-{i:02}")).collect();
    let specs: Vec<(&str, HostKind)> = names.iter().map(|n| (n.as_str(), kind)).collect();
    let t = Instant::now();
    let hosts = net.hosts(&image, &specs)?;
    let up = t.elapsed();
    for h in &hosts {
        h.exec(&["true"])?.ok()?;
    }
    let t = Instant::now();
    drop(hosts);
    println!(
        "{n} {kind} hosts up in parallel in {:.2} s, torn down in {:.2} s",
        up.as_secs_f64(),
        t.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}

/// Prints min / median / max of `samples` in seconds.
fn summary(what: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let s = |d: Duration| d.as_secs_f64();
    println!(
        "{what:<40} {:.3} / {:.3} / {:.3} s",
        s(samples[0]),
        s(samples[samples.len() / 2]),
        s(samples[samples.len() - 1])
    );
}

fn timings(rounds: usize) -> Result<ExitCode, Error> {
    let image = Image::default_image()?;
    let (mut init, mut systemd, mut three, mut teardown) = (vec![], vec![], vec![], vec![]);
    let (mut sd_teardown, mut mixed) = (vec![], vec![]);
    for _ in 0..rounds {
        let net = Net::new()?;
        let t = Instant::now();
        let h = net.host(&image, "init-01", HostKind::InitScript)?;
        init.push(t.elapsed());
        let t = Instant::now();
        drop(h);
        teardown.push(t.elapsed());
        let t = Instant::now();
        let h = net.host(&image, "sd-01", HostKind::Systemd)?;
        systemd.push(t.elapsed());
        let t = Instant::now();
        drop(h);
        sd_teardown.push(t.elapsed());
        let t = Instant::now();
        let hosts = net.hosts(
            &image,
            &[
                ("web-01", HostKind::InitScript),
                ("web-02", HostKind::InitScript),
                ("lb-01", HostKind::InitScript),
            ],
        )?;
        three.push(t.elapsed());
        drop(hosts);
        let t = Instant::now();
        let hosts = net.hosts(
            &image,
            &[
                ("web-01", HostKind::InitScript),
                ("web-02", HostKind::InitScript),
                ("lb-01", HostKind::Systemd),
            ],
        )?;
        mixed.push(t.elapsed());
        drop(hosts);
    }
    // Copying a binary in, the way tests install converge (this xtask binary stands in).
    let binary = std::env::current_exe().map_err(|e| Error::Io {
        context: "finding the xtask binary".into(),
        source: e,
    })?;
    let size = std::fs::metadata(&binary).map(|m| m.len()).unwrap_or(0);
    let mut copy = vec![];
    {
        let net = Net::new()?;
        let h = net.host(&image, "copy-01", HostKind::InitScript)?;
        for _ in 0..rounds {
            let t = Instant::now();
            h.install_converge(&binary)?;
            copy.push(t.elapsed());
        }
    }
    println!("{rounds} rounds, min / median / max:");
    summary("init-script host up", init);
    summary("init-script host torn down", teardown);
    summary("systemd host booted to `running`", systemd);
    summary("systemd host torn down", sd_teardown);
    summary("three init-script hosts up in parallel", three);
    summary("2 init-script + 1 systemd host in parallel", mixed);
    summary(
        &format!("install_converge ({:.1} MB binary)", size as f64 / 1e6),
        copy,
    );
    Ok(ExitCode::SUCCESS)
}
