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
use portvakt_web::flows::customer::{CreatePasswordFlow, CustomerServices, RegisterEmailFlow};
use portvakt_web::flows::reset::{ResetFlow, ResetServices};
use portvakt_web::hashing::PasswordHasher;
use portvakt_web::login::throttle::LoginThrottle;
use portvakt_web::login::{
    BankIdMethod, MethodRegistry, PasswordMethod, PinOtpMethod, PinOtpServices,
};
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
    /// Each BankID method's connection, by method id.
    pub bankid: std::collections::BTreeMap<String, crate::bankid_setup::BankIdConnection>,
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
                registration,
                create_password,
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
                if registration.is_some() {
                    method =
                        method.with_flow(RegisterEmailFlow::flow_id(id), "login.customer.register");
                }
                if create_password.is_some() {
                    method = method.with_flow(
                        CreatePasswordFlow::flow_id(id),
                        "login.customer.create_password",
                    );
                }
                registry.register(id.clone(), Box::new(method))
            }
            MethodSettings::Bankid(b) => {
                let Some(connection) = services.bankid.get(id) else {
                    tracing::error!(method = %id, "no BankID connection; the method is left out");
                    continue;
                };
                let mut method = BankIdMethod::new(connection.orders.clone(), audit.clone())
                    .unknown_person(b.unknown_person)
                    .user_visible_text(b.user_visible_text.clone())
                    .requirements(b.require_pin, b.certificate_policies.clone())
                    .simulator_app(connection.simulator_app.clone())
                    .limit_starts(services.ephemeral.clone());
                if let Some(sim) = &connection.simulator {
                    method = method.keep_alive(sim.clone());
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

/// The flows the configuration asks for, per password method: a reset (`reset-<id>`)
/// with `[methods.<id>.reset]`, "Ny kund/Registrera E-post" (`register-email-<id>`) with
/// `[methods.<id>.registration]`, "Skapa lösenord" (`create-password-<id>`) with
/// `[methods.<id>.create_password]`.
///
/// Errors: a policy's blocklist cannot be read (check-config reports it first).
pub fn flows(config: &Config, services: &Services) -> anyhow::Result<FlowRegistry> {
    let mut flows = FlowRegistry::new();
    let customer = CustomerServices {
        accounts: services.accounts.clone(),
        hasher: services.hasher.clone(),
        ephemeral: services.ephemeral.clone(),
        messenger: services.messenger.clone(),
        audit: AuditTrail::new(services.audit.clone()),
        clock: services.clock.clone(),
    };
    for (id, settings) in &config.settings.methods {
        if let MethodSettings::Password {
            policy,
            registration,
            create_password,
            ..
        } = settings
        {
            if let Some(r) = registration {
                flows.register(
                    RegisterEmailFlow::flow_id(id),
                    Box::new(RegisterEmailFlow::new(
                        r.change_email_text.clone(),
                        r.link_valid_hours,
                        customer.clone(),
                    )),
                );
            }
            if let Some(c) = create_password {
                let policy = PasswordPolicy::new(policy.clone()).map_err(anyhow::Error::msg)?;
                flows.register(
                    CreatePasswordFlow::flow_id(id),
                    Box::new(CreatePasswordFlow::new(
                        policy,
                        c.link_valid_minutes,
                        customer.clone(),
                    )),
                );
            }
        }
    }
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
