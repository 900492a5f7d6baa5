//! Failure throttling for login methods (S29, S31): fixed-window counters per identifier
//! and per client IP in the ephemeral store, shared by every instance. When the store
//! is down the check fails, and so does the login (S46: limits stay enforced).

use crate::error::AppError;
use crate::state::AppState;
use portvakt_core::random::token_hash;
use std::net::IpAddr;
use std::time::Duration;

/// The counters of one attempt.
pub struct Throttle<'a> {
    app: &'a AppState,
    identifier_key: String,
    ip_key: String,
}

impl<'a> Throttle<'a> {
    /// Counters for `identifier` (as typed, case-folded; only its hash is used as a key,
    /// so no identity number sits in the store) under `method`, and for `ip`.
    pub fn new(app: &'a AppState, method: &str, identifier: &str, ip: IpAddr) -> Self {
        Throttle {
            app,
            identifier_key: format!("fail:{method}:{}", token_hash(&identifier.to_lowercase())),
            ip_key: format!("fail-ip:{ip}"),
        }
    }

    /// True when either limit is reached: the attempt must not even be checked.
    pub async fn is_blocked(&self) -> Result<bool, AppError> {
        let limits = &self.app.config.settings.login;
        let e = &self.app.ephemeral;
        Ok(
            e.count(&self.identifier_key).await? >= limits.max_failures_per_identifier
                || e.count(&self.ip_key).await? >= limits.max_failures_per_ip,
        )
    }

    /// Counts a failure against both.
    pub async fn failed(&self) -> Result<(), AppError> {
        let window = Duration::from_secs(self.app.config.settings.login.failure_window_secs);
        self.app
            .ephemeral
            .bump(&self.identifier_key, window)
            .await?;
        self.app.ephemeral.bump(&self.ip_key, window).await?;
        Ok(())
    }

    /// A success clears the identifier's count (the IP's stays: it may be shared).
    pub async fn succeeded(&self) -> Result<(), AppError> {
        Ok(self.app.ephemeral.reset(&self.identifier_key).await?)
    }
}
