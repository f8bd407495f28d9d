//! Building converge so that one binary runs on every supported Debian release: linked
//! against Debian 11's C library (glibc 2.31, the oldest the test bed has), it runs on 11,
//! 12 and 13 alike, so one `.deb` installs on all three and a fleet controller on Debian
//! 13 can copy itself to a Debian 11 host. A binary linked on this machine (Debian 12)
//! needs glibc 2.34 and does not start on Debian 11.
//!
//! How: a sysroot (Debian 11's root file system with `libc6-dev`, made from the test bed's
//! Debian 11 image and cached under `/var/tmp/converge/sysroot/`) that the C compiler
//! links against (`--sysroot`) and compiles C code (mimalloc) with. Rust's standard
//! library supports glibc 2.17 and later, so nothing else changes. This is plain GCC
//! cross-building; cargo-zigbuild does the same with Zig, which is not packaged here.

use std::path::{Path, PathBuf};
use std::process::Command;

use converge_testhost::{Error, Image, Release};

/// The target triple compat builds name explicitly, so that the link flags apply to the
/// target's crates only and never to build scripts or proc macros.
pub(crate) const TARGET: &str = "x86_64-unknown-linux-gnu";

/// The newest glibc symbol version a compat binary may need (Debian 11's glibc).
const MAX_GLIBC: (u32, u32) = (2, 31);

/// Debian 11's root file system with the C library's development files, built once from
/// the test bed's Debian 11 image and the mirror (needs root the first time).
pub(crate) fn sysroot() -> Result<PathBuf, Error> {
    let image = Image::builder().release(Release::Bullseye).build()?;
    let base = Path::new("/var/tmp/converge/sysroot");
    let dir = base.join(format!("bullseye-{}", image.key()));
    if dir.join(".ready").exists() {
        return Ok(dir);
    }
    let uid = run(Command::new("id").arg("-u"), "id -u")?;
    let uid: u32 = String::from_utf8_lossy(&uid.stdout)
        .trim()
        .parse()
        .unwrap_or(0);
    if uid != 0 {
        return Err(Error::NotRoot {
            uid,
            command: "sudo -E env \"PATH=$PATH\" cargo xtask sysroot (once; or build with \
                      cargo xtask dist --native, for this machine's Debian release and later)"
                .into(),
        });
    }
    let io = |what: String| {
        move |e: std::io::Error| Error::Io {
            context: what,
            source: e,
        }
    };
    std::fs::create_dir_all(base).map_err(io(format!("creating {}", base.display())))?;
    let tmp = base.join(format!(".build-{}", image.key()));
    if tmp.exists() {
        run(
            Command::new("rm").arg("-rf").arg(&tmp),
            "removing a half-made sysroot",
        )?;
    }
    eprintln!(
        "xtask: making the Debian 11 sysroot in {} (once)",
        dir.display()
    );
    run(
        Command::new("cp").arg("-a").arg(image.root()).arg(&tmp),
        "copying the Debian 11 image",
    )?;
    // The image resolves names nowhere (a fresh host has no network); the machine does.
    let resolv = tmp.join("etc/resolv.conf");
    let _ = std::fs::remove_file(&resolv);
    std::fs::copy("/etc/resolv.conf", &resolv).map_err(io("copying /etc/resolv.conf".into()))?;
    let mirror = converge_testhost::debian_mirror()?;
    std::fs::write(
        tmp.join("etc/apt/sources.list"),
        format!("deb {mirror} bullseye main\ndeb {mirror} bullseye-updates main\n"),
    )
    .map_err(io("writing the sysroot's sources.list".into()))?;
    for args in [
        &["apt-get", "update", "-q"][..],
        &[
            "apt-get",
            "install",
            "-q",
            "-y",
            "--no-install-recommends",
            "libc6-dev",
        ],
    ] {
        run(
            Command::new("chroot")
                .arg(&tmp)
                .args(args)
                .env("DEBIAN_FRONTEND", "noninteractive"),
            &format!("{} in the sysroot", args.join(" ")),
        )?;
    }
    for dir in ["lib64", "lib/x86_64-linux-gnu", "usr/lib/x86_64-linux-gnu"] {
        relativize_links(&tmp, dir)?;
    }
    std::fs::write(tmp.join(".ready"), b"").map_err(io("marking the sysroot ready".into()))?;
    std::fs::rename(&tmp, &dir).map_err(io(format!("renaming {}", tmp.display())))?;
    Ok(dir)
}

/// Points the absolute symbolic links in `root/dir` (`/lib64/ld-linux-x86-64.so.2 ->
/// /lib/x86_64-linux-gnu/ld-2.31.so`) inside `root`, where the linker looks for them.
fn relativize_links(root: &Path, dir: &str) -> Result<(), Error> {
    let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
        return Ok(());
    };
    let up = "../".repeat(dir.split('/').count());
    for entry in entries.flatten() {
        let Ok(target) = std::fs::read_link(entry.path()) else {
            continue;
        };
        if let Ok(inside) = target.strip_prefix("/") {
            let link = entry.path();
            std::fs::remove_file(&link)
                .and_then(|()| std::os::unix::fs::symlink(Path::new(&up).join(inside), &link))
                .map_err(|e| Error::Io {
                    context: format!("relinking {}", link.display()),
                    source: e,
                })?;
        }
    }
    Ok(())
}

/// Makes `cargo` build for [`TARGET`] against `sysroot`: the link and C compiler flags.
///
/// `--sysroot` alone is not enough with Debian's GCC: its own library directory
/// (`/usr/lib/gcc/x86_64-linux-gnu/12/../../../x86_64-linux-gnu`, the machine's) comes
/// before the sysroot's, so the sysroot's start files (`-B`) and libraries (`-L`) are
/// named first.
pub(crate) fn configure(cargo: &mut Command, sysroot: &Path) {
    let s = sysroot.display();
    let link = [
        format!("--sysroot={s}"),
        format!("-B{s}/usr/lib/x86_64-linux-gnu/"),
        format!("-L{s}/usr/lib/x86_64-linux-gnu"),
        format!("-L{s}/lib/x86_64-linux-gnu"),
    ];
    let rustflags: Vec<String> = link.iter().map(|f| format!("-C link-arg={f}")).collect();
    cargo
        .args(["--target", TARGET])
        .env(
            "CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUSTFLAGS",
            rustflags.join(" "),
        )
        .env("CFLAGS_x86_64_unknown_linux_gnu", format!("--sysroot={s}"));
}

/// The newest `GLIBC_x.y` version `binary` needs, from its ELF version references.
pub(crate) fn glibc_needed(binary: &Path) -> Result<(u32, u32), Error> {
    let out = run(
        Command::new("objdump").arg("-p").arg(binary),
        "objdump -p (binutils)",
    )?;
    let text = String::from_utf8_lossy(&out.stdout);
    let newest = text
        .split_whitespace()
        .filter_map(|w| w.strip_prefix("GLIBC_"))
        .filter_map(|v| {
            let (a, b) = v.split_once('.')?;
            Some((a.parse().ok()?, b.split('.').next()?.parse().ok()?))
        })
        .max()
        .unwrap_or((0, 0));
    Ok(newest)
}

/// Whether a binary needing glibc `needed` ([`glibc_needed`]) runs on Debian 11.
pub(crate) fn runs_on_debian_11(needed: (u32, u32)) -> bool {
    needed <= MAX_GLIBC
}

/// Fails unless `binary` runs with Debian 11's glibc.
pub(crate) fn check_runs_on_debian_11(binary: &Path) -> Result<(), Error> {
    let (a, b) = glibc_needed(binary)?;
    if !runs_on_debian_11((a, b)) {
        return Err(Error::Command {
            what: format!("checking {}", binary.display()),
            status: format!("needs glibc {a}.{b}"),
            stderr: format!(
                "Debian 11 has glibc {}.{}: the binary was not linked against the sysroot",
                MAX_GLIBC.0, MAX_GLIBC.1
            ),
        });
    }
    Ok(())
}

/// Runs `cmd` to completion; a failure carries its error output.
pub(crate) fn run(cmd: &mut Command, what: &str) -> Result<std::process::Output, Error> {
    let out = cmd.output().map_err(|e| Error::Io {
        context: format!("starting {what}"),
        source: e,
    })?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let tail: String = err
            .lines()
            .rev()
            .take(15)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect::<Vec<_>>()
            .join("\n");
        return Err(Error::Command {
            what: what.to_string(),
            status: out.status.to_string(),
            stderr: tail,
        });
    }
    Ok(out)
}
