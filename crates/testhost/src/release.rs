//! The Debian releases the test bed makes hosts of, and how a test run chooses one.

use std::fmt;
use std::str::FromStr;

/// A Debian release the test bed builds images of. Debian 12 is the default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum Release {
    /// Debian 11: nginx 1.18, HAProxy 2.2, systemd 247, glibc 2.31.
    Bullseye,
    /// Debian 12: nginx 1.22, HAProxy 2.6, systemd 252, glibc 2.36.
    #[default]
    Bookworm,
    /// Debian 13: nginx 1.26, HAProxy 3.0, systemd 257, glibc 2.41.
    Trixie,
}

/// The environment variable that picks the release end-to-end tests run on (`11`, `12`,
/// `13` or a codename); `cargo xtask e2e --release N` sets it.
pub const RELEASE_ENV: &str = "CONVERGE_TEST_RELEASE";

impl Release {
    /// Every release the test bed supports, oldest first.
    pub const ALL: [Release; 3] = [Release::Bullseye, Release::Bookworm, Release::Trixie];

    /// The release's major version number (`12`).
    pub fn number(self) -> u32 {
        match self {
            Release::Bullseye => 11,
            Release::Bookworm => 12,
            Release::Trixie => 13,
        }
    }

    /// The release's codename, which is also its suite on the mirror (`bookworm`).
    pub fn codename(self) -> &'static str {
        match self {
            Release::Bullseye => "bullseye",
            Release::Bookworm => "bookworm",
            Release::Trixie => "trixie",
        }
    }

    /// The release named by [`RELEASE_ENV`], Debian 12 when it is unset or empty.
    ///
    /// # Panics
    /// When the variable names no supported release: a test run must not quietly run on
    /// another release than the one asked for.
    pub fn from_env() -> Release {
        match std::env::var(RELEASE_ENV) {
            Ok(v) if !v.trim().is_empty() => v
                .parse()
                .unwrap_or_else(|e: UnknownRelease| panic!("{RELEASE_ENV}: {e}")),
            _ => Release::default(),
        }
    }
}

impl fmt::Display for Release {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Debian {} ({})", self.number(), self.codename())
    }
}

/// A release name that is not one of [`Release::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown Debian release `{0}`: use 11, 12 or 13 (bullseye, bookworm, trixie)")]
pub struct UnknownRelease(pub String);

impl FromStr for Release {
    type Err = UnknownRelease;

    /// `11`, `12`, `13` or the codename.
    fn from_str(s: &str) -> Result<Release, UnknownRelease> {
        let s = s.trim();
        Release::ALL
            .into_iter()
            .find(|r| s == r.number().to_string() || s.eq_ignore_ascii_case(r.codename()))
            .ok_or_else(|| UnknownRelease(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn releases_parse_by_number_or_codename() {
        assert_eq!("11".parse(), Ok(Release::Bullseye));
        assert_eq!("trixie".parse(), Ok(Release::Trixie));
        assert_eq!("Bookworm".parse(), Ok(Release::Bookworm));
        let err = "14".parse::<Release>().unwrap_err().to_string();
        assert_eq!(
            err,
            "unknown Debian release `14`: use 11, 12 or 13 (bullseye, bookworm, trixie)"
        );
        assert_eq!(Release::Trixie.to_string(), "Debian 13 (trixie)");
    }
}
