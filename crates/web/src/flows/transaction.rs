//! A flow in progress, kept in the ephemeral store and bound to the browser that
//! started it, like a login transaction.

use crate::error::AppError;
use crate::state::AppState;
use portvakt_core::ephemeral::keys;
use portvakt_core::ids::ClientId;
use portvakt_core::random::{new_token, token_hash};
use portvakt_core::secret::constant_time_eq;
use portvakt_core::time::UnixTime;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::time::Duration;

/// One flow in progress.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FlowTransaction {
    /// Random id (256 bits), in the page URL.
    pub id: String,
    /// The registered flow.
    pub flow: String,
    /// The client whose login it belongs to (its name and look on the page).
    pub client_id: ClientId,
    /// Hash of the browser cookie that started it.
    pub browser_hash: String,
    /// Anti-CSRF token of its forms (S25).
    pub csrf: String,
    /// The flow's step.
    pub step: Value,
    /// A message to show once (catalogue key).
    pub flash: Option<String>,
    /// `sv` or `en`.
    pub lang: String,
    /// Where "back" goes: the login page it was started from.
    pub back_to: Option<String>,
    /// Started.
    pub created_at: UnixTime,
}

impl FlowTransaction {
    /// A new transaction for `flow` at `step`, bound to the browser cookie `browser`.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        flow: &str,
        client_id: ClientId,
        step: Value,
        lang: &str,
        back_to: Option<String>,
        browser: &str,
        now: UnixTime,
    ) -> Self {
        FlowTransaction {
            id: new_token(),
            flow: flow.to_owned(),
            client_id,
            browser_hash: token_hash(browser),
            csrf: new_token(),
            step,
            flash: None,
            lang: lang.to_owned(),
            back_to,
            created_at: now,
        }
    }

    /// True when `browser` is the cookie that started this flow.
    pub fn is_bound_to(&self, browser: Option<&str>) -> bool {
        browser.is_some_and(|b| constant_time_eq(&token_hash(b), &self.browser_hash))
    }

    fn time_left(&self, app: &AppState) -> Duration {
        let ttl = Duration::from_secs(app.config.settings.login.transaction_ttl_secs);
        app.clock
            .now()
            .until(self.created_at.plus(ttl))
            .max(Duration::from_secs(1))
    }

    /// Reads a transaction.
    pub async fn load(app: &AppState, id: &str) -> Result<Option<Self>, AppError> {
        Ok(app.ephemeral.get_json(&keys::flow(id)).await?)
    }

    /// Stores a new transaction.
    pub async fn create(&self, app: &AppState) -> Result<(), AppError> {
        let ttl = self.time_left(app);
        Ok(app
            .ephemeral
            .put_json(&keys::flow(&self.id), self, ttl)
            .await?)
    }

    /// Writes it back, keeping its deadline; false when it ended meanwhile.
    pub async fn save(&self, app: &AppState) -> Result<bool, AppError> {
        let ttl = self.time_left(app);
        Ok(app
            .ephemeral
            .replace_json(&keys::flow(&self.id), self, ttl)
            .await?)
    }

    /// Ends it: of parallel finishers, one gets true.
    pub async fn finish(&self, app: &AppState) -> Result<bool, AppError> {
        Ok(app.ephemeral.take_once(&keys::flow(&self.id)).await?)
    }
}
