//! The Ruby fallback for ERB templates: one `ruby` child process per compile, started
//! when the first template the native renderer declines needs it, serving every such
//! template of the compile (`converge_erb::wire` speaks the protocol; this module only
//! owns the process). The compiler never spawns it itself: the caller injects
//! [`RubyErb`] through `CompileOptions::erb_fallback`.

use converge_erb::wire::{Fallback, FallbackFactory, Session, SERVER_RB};
use converge_erb::{Host, RenderError, Value};
use std::io::BufReader;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

/// Starts `ruby` (or `$CONVERGE_RUBY`) for a compile that needs it.
#[derive(Debug, Default, Clone)]
pub struct RubyErb;

impl RubyErb {
    /// The Ruby interpreter to run.
    fn program() -> String {
        std::env::var("CONVERGE_RUBY").unwrap_or_else(|_| "ruby".to_string())
    }
}

impl FallbackFactory for RubyErb {
    fn start(&self) -> Result<Box<dyn Fallback>, String> {
        let program = Self::program();
        // Gems are not needed (erb, json and ipaddr are in Ruby's standard library) and
        // loading RubyGems is most of Ruby's start-up time.
        let mut child = Command::new(&program)
            .arg("--disable-gems")
            .arg("-e")
            .arg(SERVER_RB)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("cannot run {program}: {e}"))?;
        let stdin = child.stdin.take().ok_or("no stdin pipe to ruby")?;
        let stdout = child.stdout.take().ok_or("no stdout pipe from ruby")?;
        Ok(Box::new(RubyProcess {
            child,
            stdin: Some(stdin),
            stdout: BufReader::new(stdout),
            session: Session::new(),
        }))
    }
}

/// The running process.
struct RubyProcess {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
    session: Session,
}

impl Fallback for RubyProcess {
    fn render(
        &mut self,
        name: &str,
        file: Option<&str>,
        source: &str,
        vars: Vec<(String, Value)>,
        host: &mut dyn Host,
    ) -> Result<String, RenderError> {
        let Some(stdin) = self.stdin.as_mut() else {
            return Err(RenderError::Fallback("the process is gone".into()));
        };
        self.session
            .render(&mut self.stdout, stdin, name, file, source, vars, host)
    }
}

impl Drop for RubyProcess {
    fn drop(&mut self) {
        // End of input ends the server loop; a stuck process is killed.
        drop(self.stdin.take());
        for _ in 0..50 {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
