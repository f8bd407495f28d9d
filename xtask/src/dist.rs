//! `cargo xtask dist`: the Debian package, `target/dist/converge_<version>_<arch>.deb`.
//!
//! The package is made by cargo-deb from `[package.metadata.deb]` in crates/cli/Cargo.toml;
//! this stages what it packages under `target/dist/stage/release/`, the directory its
//! `target/release/...` asset paths resolve to with `CARGO_TARGET_DIR=target/dist/stage`:
//! the binary, the man pages and completion scripts that very binary generates (`converge
//! man`, `converge completions`), and the shipped modules. By default the binary is a
//! release build linked against Debian 11's glibc ([`crate::compat`]), so the package
//! installs on Debian 11, 12 and 13; `--native` links against this machine's instead;
//! `--binary PATH` packages a binary built elsewhere (the package test does that).

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use converge_testhost::Error;

use crate::compat;

/// The cargo-deb release this is written for, installed when `cargo deb` is missing.
const CARGO_DEB: &str = "3.8.0";

/// What `cargo xtask dist` was asked for.
pub(crate) struct Options {
    /// Package this binary instead of building one.
    pub(crate) binary: Option<PathBuf>,
    /// Link against this machine's glibc rather than Debian 11's.
    pub(crate) native: bool,
    /// Where the .deb goes (default `target/dist`).
    pub(crate) out: Option<PathBuf>,
    /// Quicker, lighter compression (a larger .deb), for tests.
    pub(crate) fast: bool,
}

fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> Error {
    let context = what.into();
    move |source| Error::Io { context, source }
}

fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

/// Builds the package; prints its path.
pub(crate) fn run(opts: Options) -> Result<ExitCode, Error> {
    let root = crate::workspace_root();
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let binary = match &opts.binary {
        Some(b) => b.clone(),
        None => build(&root, &target, opts.native)?,
    };
    let stage = target.join("dist/stage");
    let release = stage.join("release");
    if release.exists() {
        std::fs::remove_dir_all(&release).map_err(io(format!("clearing {}", release.display())))?;
    }
    std::fs::create_dir_all(release.join("completions"))
        .map_err(io(format!("creating {}", release.display())))?;
    let staged = release.join("converge");
    std::fs::copy(&binary, &staged).map_err(io(format!("copying {}", binary.display())))?;
    let man = release.join("man");
    compat::run(Command::new(&staged).arg("man").arg(&man), "converge man")?;
    // Debian wants man pages gzipped; cargo-deb does that only for files it did not
    // consider built, and everything under target/release is built to it.
    let pages: Vec<PathBuf> = std::fs::read_dir(&man)
        .map_err(io(format!("reading {}", man.display())))?
        .flatten()
        .map(|e| e.path())
        .collect();
    compat::run(Command::new("gzip").args(["-9", "-n"]).args(&pages), "gzip")?;
    for (shell, file) in [
        ("bash", "converge.bash"),
        ("zsh", "_converge"),
        ("fish", "converge.fish"),
    ] {
        let out = compat::run(
            Command::new(&staged).args(["completions", shell]),
            &format!("converge completions {shell}"),
        )?;
        let path = release.join("completions").join(file);
        std::fs::write(&path, out.stdout).map_err(io(format!("writing {}", path.display())))?;
    }
    copy_tree(&root.join("manifests/modules"), &release.join("modules"))?;

    ensure_cargo_deb()?;
    // The binary decides the package's libc6: what it references, not what built it.
    let (a, b) = compat::glibc_needed(&staged)?;
    let variant = compat::runs_on_debian_11((a, b)).then_some(["--variant", "compat"]);
    let out_dir = opts.out.unwrap_or_else(|| target.join("dist"));
    std::fs::create_dir_all(&out_dir).map_err(io(format!("creating {}", out_dir.display())))?;
    let out = compat::run(
        cargo()
            .current_dir(&root)
            // --strip: the release profile keeps line tables for profiling.
            .args(["deb", "-p", "converge-cli", "--no-build", "--strip"])
            .args(["--deb-revision", ""])
            .args(opts.fast.then_some("--fast"))
            .args(variant.into_iter().flatten())
            .arg("--output")
            .arg(&out_dir)
            .env("CARGO_TARGET_DIR", &stage),
        "cargo deb",
    )?;
    let deb = String::from_utf8_lossy(&out.stdout)
        .lines()
        .rev()
        .find(|l| l.trim_end().ends_with(".deb"))
        .map(|l| PathBuf::from(l.trim()))
        .ok_or_else(|| Error::Command {
            what: "cargo deb".into(),
            status: "no package path printed".into(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        })?;
    println!("{}", deb.display());
    eprintln!("xtask: the binary needs glibc {a}.{b} or later");
    Ok(ExitCode::SUCCESS)
}

/// A release build of converge; linked against Debian 11's glibc unless `native`.
fn build(root: &Path, target: &Path, native: bool) -> Result<PathBuf, Error> {
    let mut cmd = cargo();
    cmd.current_dir(root).args([
        "build",
        "--release",
        "--locked",
        "-p",
        "converge-cli",
        "--bin",
        "converge",
    ]);
    let binary = if native {
        target.join("release/converge")
    } else {
        compat::configure(&mut cmd, &compat::sysroot()?);
        target.join(compat::TARGET).join("release/converge")
    };
    let status = cmd.status().map_err(io("running cargo build"))?;
    if !status.success() {
        return Err(Error::Command {
            what: "cargo build --release -p converge-cli".into(),
            status: status.to_string(),
            stderr: String::new(),
        });
    }
    if !native {
        compat::check_runs_on_debian_11(&binary)?;
    }
    Ok(binary)
}

/// Installs cargo-deb with cargo when `cargo deb` is missing (a developer tool, like the
/// test bed's packages: the command prepares what it needs).
fn ensure_cargo_deb() -> Result<(), Error> {
    let present = cargo()
        .args(["deb", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if present {
        return Ok(());
    }
    eprintln!("xtask: installing cargo-deb {CARGO_DEB} (once)");
    let status = cargo()
        .args(["install", "--locked", "cargo-deb", "--version", CARGO_DEB])
        .status()
        .map_err(io("running cargo install cargo-deb"))?;
    if !status.success() {
        return Err(Error::Command {
            what: format!("cargo install cargo-deb --version {CARGO_DEB}"),
            status: status.to_string(),
            stderr: String::new(),
        });
    }
    Ok(())
}

/// Copies a directory tree (files and directories only).
fn copy_tree(from: &Path, to: &Path) -> Result<(), Error> {
    std::fs::create_dir_all(to).map_err(io(format!("creating {}", to.display())))?;
    let entries = std::fs::read_dir(from).map_err(io(format!("reading {}", from.display())))?;
    for entry in entries {
        let entry = entry.map_err(io(format!("reading {}", from.display())))?;
        let path = entry.path();
        let dest = to.join(entry.file_name());
        if path.is_dir() {
            copy_tree(&path, &dest)?;
        } else {
            std::fs::copy(&path, &dest).map_err(io(format!("copying {}", path.display())))?;
        }
    }
    Ok(())
}
