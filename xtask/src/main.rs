//! `cargo xtask`: project automation that is not part of converge itself.

mod bench;
mod demo;
mod profile;

use std::process::ExitCode;
use std::time::{Duration, Instant};

use converge_testhost::{Error, HostKind, Image, Net};

const USAGE: &str = "usage: cargo xtask <command>
  image [--with-puppet]        build (or reuse) the fresh-host image
  host NAME [--systemd] [--with-puppet]
                               an interactive shell in a fresh host (init-script host
                               unless --systemd); the host is removed when the shell exits
  gc                           remove what crashed test runs left (hosts, networks, builds)
  many N [--systemd]           start N hosts in parallel, check each answers, time it
  timings [N]                  time host start-up with the cached image (N rounds, default 5)
  demo [--systemd] [--release] build converge, apply manifests/site.pp on fresh web-01, web-02
                               and lb-01 at once, show requests through lb-01, tear down
  profile [--systemd] [--perf] [--rounds N] [--baseline BIN] [--role web|lb]
                               time converge's no-op commands on a converged fresh web-01
                               (or lb-01, with web-01 and web-02 behind it, for --role lb)
                               and list the processes each spawns; BIN (an older converge)
                               is timed in alternation on the same host
  bench [--rounds N]           converge and Puppet side by side on fresh hosts (N rounds,
                               default 5); writes docs/benchmarks.md
  bench --control-repo [--rounds N]
                               only the control repository's compile, converge against
                               Puppet's compiler on this machine (needs puppet and the
                               stdlib, apt and ntp packages); prints the row
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["image"] => image(false),
        ["image", "--with-puppet"] => image(true),
        ["host", name, flags @ ..]
            if flags
                .iter()
                .all(|f| ["--systemd", "--with-puppet"].contains(f)) =>
        {
            host(
                name,
                flags.contains(&"--systemd"),
                flags.contains(&"--with-puppet"),
            )
        }
        ["gc"] => gc(),
        ["bench", rest @ ..] => match rest {
            [] => bench::run(bench::Options { rounds: 5 }),
            ["--control-repo"] => bench::control_repo_only(9),
            ["--control-repo", "--rounds", n] => match n.parse() {
                Ok(rounds) if rounds > 0 => bench::control_repo_only(rounds),
                _ => usage(),
            },
            ["--rounds", n] => match n.parse() {
                Ok(rounds) if rounds > 0 => bench::run(bench::Options { rounds }),
                _ => usage(),
            },
            _ => usage(),
        },
        ["profile", flags @ ..] => profile_options(flags).map_or_else(usage, profile::run),
        ["demo", flags @ ..] if flags.iter().all(|f| ["--systemd", "--release"].contains(f)) => {
            demo::run(demo::Options {
                systemd: flags.contains(&"--systemd"),
                release: flags.contains(&"--release"),
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

fn usage() -> Result<ExitCode, Error> {
    eprint!("{USAGE}");
    Ok(ExitCode::from(2))
}

fn image(puppet: bool) -> Result<ExitCode, Error> {
    let start = Instant::now();
    let image = Image::builder().puppet(puppet).build()?;
    println!(
        "image {} at {} ({:.1} s)",
        image.key(),
        image.root().display(),
        start.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}

fn host(name: &str, systemd: bool, puppet: bool) -> Result<ExitCode, Error> {
    let image = Image::builder().puppet(puppet).build()?;
    let net = Net::new()?;
    let kind = if systemd {
        HostKind::Systemd
    } else {
        HostKind::InitScript
    };
    let host = net.host(&image, name, kind)?;
    eprintln!(
        "xtask: host {} ({:?}) at {} on 169.254.{}.0/24; exit the shell to remove it",
        host.name(),
        host.kind(),
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
        "{n} {kind:?} hosts up in parallel in {:.2} s, torn down in {:.2} s",
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
