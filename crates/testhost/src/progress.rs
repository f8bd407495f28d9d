//! Progress of the slow, once-only steps (installing packages, building an image), shown
//! live on the machine's standard error.
//!
//! Lines go straight to the stderr file descriptor rather than through `eprintln!`, which
//! the test harness captures: a person running `cargo test` for the first time sees the
//! image being built instead of a minute of silence. On a terminal a spinner shows the
//! running step, its time and the last line of its log.

use std::fs::File;
use std::io::{IsTerminal, Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::process::{Child, ExitStatus};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

/// Prints one line, `testhost: MESSAGE`, on the real standard error.
pub(crate) fn note(message: &str) {
    let _ = writeln!(std::io::stderr().lock(), "testhost: {message}");
}

/// Waits for `child`, showing `what` with a spinner (on a terminal) that carries the last
/// line of `log`; prints `what` and its time when it ends.
pub(crate) fn wait(child: &mut Child, what: &str, log: &Path) -> std::io::Result<ExitStatus> {
    let started = Instant::now();
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = ProgressBar::new_spinner();
        bar.set_style(
            ProgressStyle::with_template("testhost: {spinner} {prefix} ({elapsed}) {wide_msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.set_prefix(what.to_string());
        bar.enable_steady_tick(Duration::from_millis(120));
        bar
    });
    if bar.is_none() {
        note(&format!("{what} ..."));
    }
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if let Some(bar) = &bar {
            bar.set_message(last_line(log));
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let verdict = if status.success() { "done" } else { "FAILED" };
    note(&format!(
        "{what}: {verdict} in {:.1} s",
        started.elapsed().as_secs_f64()
    ));
    Ok(status)
}

/// The last non-empty line of a log file (read from its last 4 KiB), or nothing.
fn last_line(log: &Path) -> String {
    let Ok(mut file) = File::open(log) else {
        return String::new();
    };
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let _ = file.seek(SeekFrom::Start(len.saturating_sub(4096)));
    let mut bytes = Vec::new();
    let _ = file.read_to_end(&mut bytes);
    let text = String::from_utf8_lossy(&bytes);
    // apt and debootstrap redraw their progress with carriage returns.
    text.lines()
        .flat_map(|l| l.rsplit('\r').next())
        .map(str::trim)
        .rfind(|l| !l.is_empty())
        .unwrap_or_default()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_line_of_a_log_skips_blank_lines_and_redrawn_progress() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("build.log");
        std::fs::write(&log, "I: Retrieving\nGet:1 a\r50% [1 b]\n\n").unwrap();
        assert_eq!(last_line(&log), "50% [1 b]");
        assert_eq!(last_line(&dir.path().join("missing")), "");
    }
}
