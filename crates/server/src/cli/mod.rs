//! The administration commands, one file per group.

pub(crate) mod bankid;
pub(crate) mod codes;
pub(crate) mod keys;
pub(crate) mod notify;
pub(crate) mod users;

use portvakt_core::config::Config;
use portvakt_core::ports::EphemeralStore;
use std::sync::Arc;

/// The ephemeral store the running servers share (Redis), when configured: counters and
/// the development outbox seen by every instance. `None` on the in-process store,
/// which lives in the server's memory where a command cannot reach it.
pub(crate) async fn shared_ephemeral(
    config: &Config,
) -> anyhow::Result<Option<Arc<dyn EphemeralStore>>> {
    use anyhow::Context;
    Ok(match &config.settings.redis {
        Some(r) => Some(Arc::new(
            portvakt_store::RedisStore::connect(
                r.url.as_deref().unwrap_or_default(),
                &r.key_prefix,
            )
            .await
            .context("connecting to Redis")?,
        )),
        None => None,
    })
}

/// Who ran the command, for audit events: `$SUDO_USER`, `$USER`, or "operator".
pub(crate) fn operator() -> String {
    std::env::var("SUDO_USER")
        .or_else(|_| std::env::var("USER"))
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| "operator".into())
}
