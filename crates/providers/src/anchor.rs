//! stdlib's `anchor`: a resource that changes nothing and exists only to be ordered against
//! (the pattern classes used before `contain`: `anchor { 'x::begin': } -> Class['x::y'] ->
//! anchor { 'x::end': }`). As in Puppet, it neither changes nor relays refresh events: an
//! event sent to an anchor stops there.

use crate::context::Context;
use crate::provider::{Change, Event, Provider, ProviderError, State};
use converge_catalog::Resource;

/// The `anchor` provider.
#[derive(Debug, Default)]
pub struct AnchorProvider;

impl Provider for AnchorProvider {
    fn name(&self) -> &'static str {
        "anchor"
    }

    fn inspect(&self, _r: &Resource, _cx: &mut Context) -> Result<State, ProviderError> {
        Ok(State::default())
    }

    fn plan(
        &self,
        _r: &Resource,
        _st: &State,
        _cx: &Context,
    ) -> Result<Vec<Change>, ProviderError> {
        Ok(Vec::new())
    }

    fn apply(
        &self,
        _r: &Resource,
        _changes: &[Change],
        _cx: &mut Context,
    ) -> Result<Vec<Event>, ProviderError> {
        Ok(Vec::new())
    }
}
