//! The `notify` provider: a message that is always a change, as in Puppet.

use crate::context::Context;
use crate::provider::{Change, Event, EventKind, Provider, ProviderError, State};
use converge_catalog::Resource;

/// The `notify` provider.
#[derive(Debug, Default)]
pub struct NotifyProvider;

fn message(r: &Resource) -> String {
    match r.param("message") {
        Some(v) if v.is_sensitive() => "Sensitive [value redacted]".to_string(),
        Some(v) => v.to_string(),
        None => r.name_or_title("name").to_string(),
    }
}

impl Provider for NotifyProvider {
    fn name(&self) -> &'static str {
        "notify"
    }

    fn inspect(&self, _r: &Resource, _cx: &mut Context) -> Result<State, ProviderError> {
        Ok(State::default())
    }

    fn plan(&self, r: &Resource, _st: &State, _cx: &Context) -> Result<Vec<Change>, ProviderError> {
        let m = message(r);
        Ok(vec![Change::with_message(
            "message",
            None,
            Some(m.clone()),
            format!("defined 'message' as '{m}'"),
        )])
    }

    fn apply(
        &self,
        r: &Resource,
        changes: &[Change],
        _cx: &mut Context,
    ) -> Result<Vec<Event>, ProviderError> {
        Ok(changes
            .iter()
            .map(|c| Event {
                output: Some(message(r)),
                ..Event::from_change(c, EventKind::Message)
            })
            .collect())
    }
}
