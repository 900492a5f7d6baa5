//! The login methods `[methods.<id>]` names, each built with exactly the services it
//! uses, and registered under its id.

use portvakt_core::audit::AuditTrail;
use portvakt_core::config::{Config, MethodSettings};
use portvakt_core::ephemeral::Ephemeral;
use portvakt_core::ports::{AccountRepo, AuditLog};
use portvakt_web::hashing::PasswordHasher;
use portvakt_web::login::throttle::LoginThrottle;
use portvakt_web::login::{MethodRegistry, PasswordMethod};
use std::sync::Arc;

/// The services methods are built from.
pub struct Services {
    /// Accounts.
    pub accounts: Arc<dyn AccountRepo>,
    /// argon2id with bounded concurrency.
    pub hasher: PasswordHasher,
    /// The ephemeral store (counters).
    pub ephemeral: Ephemeral,
    /// The audit trail.
    pub audit: Arc<dyn AuditLog>,
}

/// One method per `[methods.<id>]`.
pub fn registry(config: &Config, services: &Services) -> MethodRegistry {
    let mut registry = MethodRegistry::new();
    let throttle = LoginThrottle::new(services.ephemeral.clone(), config.settings.login.clone());
    let audit = AuditTrail::new(services.audit.clone());
    for (id, settings) in &config.settings.methods {
        match settings {
            MethodSettings::Password { identifier, .. } => registry.register(
                id.clone(),
                Box::new(PasswordMethod::new(
                    *identifier,
                    services.accounts.clone(),
                    services.hasher.clone(),
                    throttle.clone(),
                    audit.clone(),
                )),
            ),
        }
    }
    registry
}
