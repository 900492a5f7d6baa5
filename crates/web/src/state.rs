//! Application state: configuration and the services every handler reaches through it.

use crate::hashing::PasswordHasher;
use crate::keys::KeyCache;
use crate::login::MethodRegistry;
use portvakt_core::config::Config;
use portvakt_core::ephemeral::Ephemeral;
use portvakt_core::ports::{AccountRepo, AuditLog, GrantRepo};
use std::sync::Arc;

/// Everything a request handler may use. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// The validated configuration.
    pub config: Arc<Config>,
    /// Accounts (database).
    pub accounts: Arc<dyn AccountRepo>,
    /// Grants and refresh tokens (database).
    pub grants: Arc<dyn GrantRepo>,
    /// Audit trail (database).
    pub audit: Arc<dyn AuditLog>,
    /// Codes, login transactions, replay caches (Redis or memory).
    pub ephemeral: Ephemeral,
    /// Signing keys, reloaded from the database.
    pub keys: KeyCache,
    /// argon2id with bounded concurrency.
    pub hasher: PasswordHasher,
    /// The configured login methods.
    pub methods: Arc<MethodRegistry>,
    /// Checks the database and ephemeral store for `/readyz`.
    pub readiness: Arc<dyn Readiness>,
    /// Outgoing HTTP (back-channel logout): short timeouts, no redirects.
    pub http: reqwest::Client,
    /// Where time comes from (the system clock; a manual clock in tests).
    pub clock: std::sync::Arc<dyn portvakt_core::time::Clock>,
    /// Sends SMS and e-mail for the login methods (send limits, audit).
    pub messenger: portvakt_core::notify::Messenger,
    /// Pages outside a login transaction (`/flow/…`).
    pub flows: Arc<crate::flows::FlowRegistry>,
    /// Single-use links into flows, for e-mail (`/link/…`).
    pub links: crate::flows::links::FlowLinks,
    /// The development outbox, when a gateway is the outbox (`/dev/outbox`).
    pub outbox: Option<portvakt_core::notify::outbox::DevOutbox>,
    /// Lines `/readyz` shows under "ready" (the BankID RP certificates' expiry).
    pub status: Arc<std::sync::RwLock<Vec<String>>>,
}

/// A readiness probe over the backends.
#[async_trait::async_trait]
pub trait Readiness: Send + Sync {
    /// Ok when every backend answers.
    async fn check(&self) -> Result<(), String>;
}

impl AppState {
    /// The issuer identifier.
    pub fn issuer(&self) -> &str {
        &self.config.settings.issuer
    }

    /// An absolute URL on this server.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.config.settings.issuer)
    }

    /// Records an audit event; a failure is logged, never shown, and never blocks the
    /// user's flow (the trail is best effort, the protocol outcome is not).
    pub async fn audit(&self, event: portvakt_core::audit::AuditEvent) {
        if let Err(e) = self.audit.record(&event).await {
            tracing::error!(error = %e, kind = event.kind.as_str(), "could not record audit event");
        }
    }
}
