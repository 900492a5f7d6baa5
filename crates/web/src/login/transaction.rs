//! A login in progress, kept in the ephemeral store under `login:<id>`.

use crate::error::AppError;
use crate::state::AppState;
use portvakt_core::authorize::AuthorizationRequest;
use portvakt_core::random::{new_token, token_hash};
use portvakt_core::secret::constant_time_eq;
use portvakt_core::time::UnixTime;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::time::Duration;

/// A method offered on the login page and the acr it satisfies.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct OfferedMethod {
    /// Configured method id.
    pub method: String,
    /// The acr the ID token will name if the user signs in with it.
    pub acr: String,
}

/// One login in progress.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LoginTransaction {
    /// Random id (256 bits), in the page URL.
    pub id: String,
    /// Hash of the browser cookie that started it: only that browser may continue.
    pub browser_hash: String,
    /// Anti-CSRF token for every form of this login (S25).
    pub csrf: String,
    /// The checked authorization request.
    pub request: AuthorizationRequest,
    /// The methods offered, in order.
    pub offered: Vec<OfferedMethod>,
    /// Index into `offered` of the method shown.
    pub active: usize,
    /// The active method's state.
    pub method_state: Value,
    /// A message to show once (catalogue key), set before a redirect back to the page.
    pub flash: Option<String>,
    /// Page language.
    pub lang: String,
    /// Started.
    pub created_at: UnixTime,
}

fn key(id: &str) -> String {
    portvakt_core::ephemeral::keys::login_transaction(id)
}

impl LoginTransaction {
    /// Starts a transaction for `request`, bound to the browser cookie `browser`.
    pub fn new(
        request: AuthorizationRequest,
        offered: Vec<OfferedMethod>,
        method_state: Value,
        browser: &str,
        now: UnixTime,
    ) -> Self {
        LoginTransaction {
            id: new_token(),
            browser_hash: token_hash(browser),
            csrf: new_token(),
            lang: request.lang.clone(),
            request,
            offered,
            active: 0,
            method_state,
            flash: None,
            created_at: now,
        }
    }

    /// True when `browser` is the cookie that started this login.
    pub fn is_bound_to(&self, browser: Option<&str>) -> bool {
        browser.is_some_and(|b| constant_time_eq(&token_hash(b), &self.browser_hash))
    }

    /// The offered method shown now.
    pub fn active_method(&self) -> Option<&OfferedMethod> {
        self.offered.get(self.active)
    }

    /// Reads a transaction.
    pub async fn load(app: &AppState, id: &str) -> Result<Option<Self>, AppError> {
        Ok(app.ephemeral.get_json(&key(id)).await?)
    }

    fn time_left(&self, app: &AppState) -> Duration {
        let ttl = Duration::from_secs(app.config.settings.login.transaction_ttl_secs);
        let deadline = self.created_at.plus(ttl);
        app.clock.now().until(deadline).max(Duration::from_secs(1))
    }

    /// Stores a new transaction.
    pub async fn create(&self, app: &AppState) -> Result<(), AppError> {
        let ttl = self.time_left(app);
        Ok(app.ephemeral.put_json(&key(&self.id), self, ttl).await?)
    }

    /// Writes the transaction back, keeping its original deadline. False when it has
    /// ended meanwhile (finished by a parallel request, or expired): it stays ended.
    pub async fn save(&self, app: &AppState) -> Result<bool, AppError> {
        let ttl = self.time_left(app);
        Ok(app
            .ephemeral
            .replace_json(&key(&self.id), self, ttl)
            .await?)
    }

    /// Ends the transaction: its id cannot be used again.
    pub async fn finish(&self, app: &AppState) -> Result<bool, AppError> {
        Ok(app.ephemeral.take_once(&key(&self.id)).await?)
    }
}
