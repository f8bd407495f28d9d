//! Facts of the running host, with facter's names and shapes.
//!
//! [`Facts::discover`] reads everything from `/proc`, `/sys`, `/etc` and a few syscalls
//! (`uname`, `gethostname`, `getifaddrs`); it never spawns a process, so all facts resolve
//! in a few milliseconds where facter takes a quarter of a second. On top of what was
//! discovered, [`Facts::merge_json`] lays a `--facts F.json` file and
//! [`Facts::apply_env_overrides`] the `FACTER_<name>=value` environment variables, as
//! Puppet does.
//!
//! Invariant: discovery never fails as a whole; a fact whose source cannot be read is
//! left out (facter does the same).

mod discover;
mod facts;
mod legacy;
mod networking;
mod os;
mod system;

pub use facts::{Facts, FactsError};
