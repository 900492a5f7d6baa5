//! The login methods `[methods.<id>]` names, each built with exactly the services it
//! uses, and registered under its id.

use portvakt_core::audit::AuditTrail;
use portvakt_core::config::{Config, MethodSettings};
use portvakt_core::ephemeral::Ephemeral;
use portvakt_core::notify::Messenger;
use portvakt_core::ports::{AccountRepo, AuditLog, CodeListRepo};
use portvakt_core::time::Clock;
use portvakt_web::hashing::PasswordHasher;
use portvakt_web::login::throttle::LoginThrottle;
use portvakt_web::login::{MethodRegistry, PasswordMethod, PinOtpMethod, PinOtpServices};
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
    /// The code lists of PIN + one-time code.
    pub code_lists: Arc<dyn CodeListRepo>,
    /// Outbound SMS and e-mail.
    pub messenger: Messenger,
    /// The time.
    pub clock: Arc<dyn Clock>,
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
            MethodSettings::PinOtp(pin_otp) => registry.register(
                id.clone(),
                Box::new(PinOtpMethod::new(
                    pin_otp.clone(),
                    PinOtpServices {
                        accounts: services.accounts.clone(),
                        code_lists: services.code_lists.clone(),
                        hasher: services.hasher.clone(),
                        throttle: throttle.clone(),
                        ephemeral: services.ephemeral.clone(),
                        messenger: services.messenger.clone(),
                        audit: audit.clone(),
                        clock: services.clock.clone(),
                    },
                )),
            ),
        }
    }
    registry
}
