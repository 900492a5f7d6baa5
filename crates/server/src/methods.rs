//! The login methods `[methods.<id>]` names, each built with exactly the services it
//! uses, and registered under its id.

use portvakt_core::audit::AuditTrail;
use portvakt_core::config::{Config, MethodSettings};
use portvakt_core::ephemeral::Ephemeral;
use portvakt_core::lock::FailureLockout;
use portvakt_core::notify::Messenger;
use portvakt_core::password_policy::PasswordPolicy;
use portvakt_core::ports::{AccountRepo, AuditLog, CodeListRepo};
use portvakt_core::time::Clock;
use portvakt_web::flows::FlowRegistry;
use portvakt_web::flows::reset::{ResetFlow, ResetServices};
use portvakt_web::hashing::PasswordHasher;
use portvakt_web::login::throttle::LoginThrottle;
use portvakt_web::login::{MethodRegistry, PasswordMethod, PinOtpMethod, PinOtpServices};
use std::sync::Arc;
use std::time::Duration;

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
            MethodSettings::Password {
                identifier,
                lockout_failures,
                lockout_minutes,
                reset,
                ..
            } => {
                let mut method = PasswordMethod::new(
                    *identifier,
                    services.accounts.clone(),
                    services.hasher.clone(),
                    throttle.clone(),
                    audit.clone(),
                );
                if *lockout_failures > 0 {
                    let lock_for =
                        (*lockout_minutes > 0).then(|| Duration::from_secs(lockout_minutes * 60));
                    method = method.with_lockout(FailureLockout::new(
                        services.ephemeral.clone(),
                        services.clock.clone(),
                        *lockout_failures,
                        lock_for,
                    ));
                }
                if reset.is_some() {
                    method = method.with_reset(ResetFlow::flow_id(id));
                }
                registry.register(id.clone(), Box::new(method))
            }
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

/// The flows the configuration asks for: a reset (`reset-<id>`) per password method with
/// `[methods.<id>.reset]`.
///
/// Errors: a policy's blocklist cannot be read (check-config reports it first).
pub fn flows(config: &Config, services: &Services) -> anyhow::Result<FlowRegistry> {
    let mut flows = FlowRegistry::new();
    for (id, settings) in &config.settings.methods {
        if let MethodSettings::Password {
            policy,
            reset: Some(reset),
            ..
        } = settings
        {
            let policy = PasswordPolicy::new(policy.clone()).map_err(anyhow::Error::msg)?;
            flows.register(
                ResetFlow::flow_id(id),
                Box::new(ResetFlow::new(
                    id.clone(),
                    reset.clone(),
                    policy,
                    config.settings.internal_networks.clone(),
                    ResetServices {
                        accounts: services.accounts.clone(),
                        hasher: services.hasher.clone(),
                        ephemeral: services.ephemeral.clone(),
                        messenger: services.messenger.clone(),
                        audit: AuditTrail::new(services.audit.clone()),
                        clock: services.clock.clone(),
                    },
                )),
            );
        }
    }
    Ok(flows)
}
