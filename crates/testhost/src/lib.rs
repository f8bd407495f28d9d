//! Throwaway Debian hosts for converge's tests.
//!
//! converge changes real hosts, so its tests run on brand-new Debian hosts made on the
//! test machine from a cached root file system ([`Image`]) and Linux namespaces: a private
//! network ([`Net`]) and hosts on it ([`Host`]), either booted by `systemd-nspawn` with
//! systemd as PID 1 ([`HostKind::Systemd`]) or with no init system, services managed
//! through `/etc/init.d` ([`HostKind::InitScript`]). Nothing is configured in the machine's
//! own network namespace and nothing is routed out. Everything is torn down on drop; a
//! crashed run's leftovers are removed by [`gc`].
//!
//! ```no_run
//! use converge_testhost::{HostKind, Image, Net};
//! # fn main() -> converge_testhost::Result<()> {
//! let image = Image::default_image()?; // built once, then cached
//! let net = Net::new()?;
//! let hosts = net.hosts(
//!     &image,
//!     &[("web-01", HostKind::Systemd), ("web-02", HostKind::InitScript)],
//! )?;
//! for web in &hosts {
//!     web.sh("apt-get update && apt-get install -y nginx")?.ok()?;
//! }
//! hosts[1].exec(&["service", "nginx", "start"])?.ok()?; // no init system there
//! let page = net.client("client")?.exec(&["curl", "-s", "http://web-02/"])?;
//! assert!(page.stdout.contains("nginx"));
//! # Ok(())
//! # }
//! ```

mod error;
mod host;
mod image;
mod net;
mod progress;
mod release;
mod setup;
mod state;
mod sys;

pub use error::{Error, Result};
pub use host::{Host, HostKind, Output};
pub use image::{debian_mirror, Image, ImageBuilder, FORGE_MODULES, REPO_DIR};
pub use net::Net;
pub use release::{Release, UnknownRelease, RELEASE_ENV};
pub use setup::{ensure_host_packages, missing_packages, prepare, set_command, HOST_PACKAGES};
pub use state::gc;
