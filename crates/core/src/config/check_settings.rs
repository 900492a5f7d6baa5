//! The checks of the main file: the issuer, the profile's requirements, limits and
//! methods.

use super::check_notify::validate_notify;
use super::load::{Problems, SUPPORTED_ALGS};
use super::settings::{Profile, Settings};
use std::path::Path;

pub(super) fn validate_settings(s: &Settings, file: &Path, p: &mut Problems) {
    validate_notify(s, file, p);
    match url::Url::parse(&s.issuer) {
        Err(_) => p.add(file, "issuer", "must be an absolute URL"),
        Ok(url) => {
            if url.query().is_some() || url.fragment().is_some() {
                p.add(
                    file,
                    "issuer",
                    "must not have a query or fragment (OIDC Discovery §2)",
                );
            }
            if s.issuer.ends_with('/') {
                p.add(file, "issuer", "must not end with '/'");
            }
            let loopback = crate::redirect_uri::is_loopback(&url);
            match (url.scheme(), s.profile) {
                ("https", _) => {}
                ("http", Profile::Development) if loopback => {}
                ("http", Profile::Development) => {
                    p.add(file, "issuer", "plain http is allowed only for localhost")
                }
                _ => p.add(file, "issuer", "must be https in the production profile"),
            }
        }
    }
    if s.profile == Profile::Production {
        let db = s.database.url.as_deref().unwrap_or("");
        if !db.starts_with("postgres://") && !db.starts_with("postgresql://") {
            p.add(
                file,
                "database.url",
                "the production profile needs PostgreSQL (postgres://…)",
            );
        }
        if s.redis.is_none() {
            p.add(
                file,
                "redis",
                "the production profile needs [redis]: in-process state cannot be shared between instances",
            );
        }
        if s.demo.relying_party || s.demo.accounts_file.is_some() {
            p.add(
                file,
                "demo",
                "demo data is for the development profile only",
            );
        }
    }
    if s.database.max_connections == 0 {
        p.add(file, "database.max_connections", "must be at least 1");
    }
    if s.keys.reload_secs == 0 || s.keys.reload_secs >= s.keys.activation_delay_secs.max(1) {
        p.add(
            file,
            "keys.reload_secs",
            "must be at least 1 and below keys.activation_delay_secs, so every instance sees a new key before it signs",
        );
    }
    if s.login.argon2_parallelism == 0 {
        p.add(file, "login.argon2_parallelism", "must be at least 1");
    }
    if !s.keys.algorithms.iter().any(|a| a == "RS256") {
        p.add(
            file,
            "keys.algorithms",
            "must include RS256 (OIDC Core §15.1)",
        );
    }
    for alg in &s.keys.algorithms {
        if !SUPPORTED_ALGS.contains(&alg.as_str()) {
            p.add(
                file,
                "keys.algorithms",
                format!("unsupported algorithm {alg}; use some of {SUPPORTED_ALGS:?}"),
            );
        }
    }
    if s.tokens.code_ttl_secs == 0 || s.tokens.code_ttl_secs > 600 {
        p.add(
            file,
            "tokens.code_ttl_secs",
            "must be 1..=600 (60 recommended)",
        );
    }
    if s.tokens.id_token_ttl_secs == 0 || s.tokens.access_token_ttl_secs == 0 {
        p.add(file, "tokens", "lifetimes must be positive");
    }
    if s.login.argon2_memory_kib < 19456 || s.login.argon2_iterations < 2 {
        p.add(
            file,
            "login.argon2_memory_kib",
            "argon2id below OWASP's minimum (19456 KiB, 2 iterations)",
        );
    }
    let l = &s.login;
    if [
        l.max_failures_per_account_and_ip,
        l.max_failures_per_ip,
        l.failure_window_secs,
        l.account_failures_before_delay,
        l.account_failure_window_secs,
        l.account_delay_max_secs,
    ]
    .contains(&0)
    {
        p.add(
            file,
            "login",
            "failure limits and their window must be positive",
        );
    }
    if s.http.header_read_timeout_secs == 0 || s.http.request_timeout_secs == 0 {
        p.add(file, "http", "timeouts must be positive");
    }
    if s.login.max_concurrent_hashes == 0 {
        p.add(file, "login.max_concurrent_hashes", "must be at least 1");
    }
    if s.methods.is_empty() {
        p.add(file, "methods", "configure at least one login method");
    }
    let mut seen: Vec<&String> = Vec::new();
    for (id, method) in &s.methods {
        if method.acr_values().is_empty() {
            p.add(
                file,
                &format!("methods.{id}.acr_values"),
                "must not be empty",
            );
        }
        for acr in method.acr_values() {
            if seen.contains(&acr) {
                p.add(
                    file,
                    &format!("methods.{id}.acr_values"),
                    format!("{acr} is already answered by another method"),
                );
            }
            seen.push(acr);
        }
        match method {
            super::settings::MethodSettings::PinOtp(pin) => check_pin_otp(id, pin, file, p),
            super::settings::MethodSettings::Bankid(b) => check_bankid(s, id, b, file, p),
            super::settings::MethodSettings::Password {
                lockout_minutes,
                policy,
                reset,
                registration,
                create_password,
                ..
            } => {
                check_password(s, id, *lockout_minutes, policy, reset.as_ref(), file, p);
                if let Some(r) = registration
                    && !(1..=168).contains(&r.link_valid_hours)
                {
                    p.add(
                        file,
                        &format!("methods.{id}.registration.link_valid_hours"),
                        "must be 1–168",
                    );
                }
                if let Some(c) = create_password
                    && !(5..=1440).contains(&c.link_valid_minutes)
                {
                    p.add(
                        file,
                        &format!("methods.{id}.create_password.link_valid_minutes"),
                        "must be 5–1440",
                    );
                }
            }
        }
    }
}

/// Bounds of `[methods.<id>] kind = "password"`: the policy and the reset
/// (docs/password-reset.md).
fn check_password(
    s: &Settings,
    id: &str,
    lockout_minutes: u64,
    policy: &crate::password_policy::PolicySettings,
    reset: Option<&super::settings::ResetSettings>,
    file: &Path,
    p: &mut Problems,
) {
    use super::settings::ResetAllowedFrom;
    let key = |k: &str| format!("methods.{id}.{k}");
    if lockout_minutes > 365 * 24 * 60 {
        p.add(
            file,
            &key("lockout_minutes"),
            "at most a year (0: until unlocked)",
        );
    }
    if !(1..=128).contains(&policy.min_length) || policy.max_length < policy.min_length {
        p.add(
            file,
            &key("policy"),
            "min_length must be 1–128 and max_length at least min_length",
        );
    }
    if policy.history > 100 {
        p.add(file, &key("policy.history"), "at most 100");
    }
    if let Err(e) = crate::password_policy::PasswordPolicy::new(policy.clone()) {
        p.add(file, &key("policy.blocklist_file"), e);
    }
    let Some(r) = reset else { return };
    if !(1..=60).contains(&r.code_valid_minutes) {
        p.add(file, &key("reset.code_valid_minutes"), "must be 1–60");
    }
    if !(1..=10).contains(&r.code_tries) {
        p.add(file, &key("reset.code_tries"), "must be 1–10");
    }
    if r.allowed_from != ResetAllowedFrom::Anywhere {
        if s.internal_networks.is_empty() {
            p.add(
                file,
                &key("reset.allowed_from"),
                "needs internal_networks (the organisation's networks, CIDR)",
            );
        }
        if r.outside_text.is_none() {
            p.add(
                file,
                &key("reset.outside_text"),
                "say what users outside the network should do instead",
            );
        }
    }
    match (&r.allowed_from, &r.outside_method) {
        (ResetAllowedFrom::InsideOrAfterMethod, None) => p.add(
            file,
            &key("reset.outside_method"),
            "name the method that identifies users outside the network",
        ),
        (ResetAllowedFrom::InsideOrAfterMethod, Some(m))
            if m == id || !s.methods.contains_key(m) =>
        {
            p.add(
                file,
                &key("reset.outside_method"),
                format!("{m} is not another configured method"),
            )
        }
        _ => {}
    }
}

/// `[methods.<id>] kind = "bankid"`: the simulator in development only; otherwise the
/// API URL, the server CA and one RP certificate (docs/bankid.md).
fn check_bankid(
    s: &Settings,
    id: &str,
    b: &super::settings::BankIdSettings,
    file: &Path,
    p: &mut Problems,
) {
    let key = |k: &str| format!("methods.{id}.{k}");
    if b.simulator {
        if s.profile == Profile::Production {
            p.add(
                file,
                &key("simulator"),
                "the BankID simulator is for development only: configure api_url, server_ca_file and the RP certificate",
            );
        }
        if b.simulator_app_listen
            .parse::<std::net::SocketAddr>()
            .is_err()
        {
            p.add(file, &key("simulator_app_listen"), "must be host:port");
        }
    } else {
        match &b.api_url {
            None => p.add(file, &key("api_url"), "required without simulator = true"),
            Some(u) if !(u.starts_with("https://") && u.ends_with('/')) => p.add(
                file,
                &key("api_url"),
                "must be https and end with '/' (…/rp/v6.0/)",
            ),
            Some(_) => {}
        }
        if b.server_ca_file.is_none() {
            p.add(
                file,
                &key("server_ca_file"),
                "required without simulator = true",
            );
        }
        match (&b.rp_certificate_p12_file, &b.rp_certificate_pem_file) {
            (None, None) => p.add(
                file,
                &key("rp_certificate_p12_file"),
                "give the RP certificate (rp_certificate_p12_file or rp_certificate_pem_file)",
            ),
            (Some(_), Some(_)) => p.add(
                file,
                &key("rp_certificate_pem_file"),
                "give one of rp_certificate_p12_file and rp_certificate_pem_file",
            ),
            (Some(_), None) if b.rp_certificate_password_env.is_none() => p.add(
                file,
                &key("rp_certificate_password_env"),
                "name the environment variable with the PKCS#12 password",
            ),
            _ => {}
        }
    }
    if !(1..=60).contains(&b.timeout_secs) {
        p.add(file, &key("timeout_secs"), "must be 1–60");
    }
}

/// Bounds of `[methods.<id>] kind = "pin-otp"` (docs/configuration.md).
fn check_pin_otp(id: &str, m: &super::settings::PinOtpSettings, file: &Path, p: &mut Problems) {
    let key = |k: &str| format!("methods.{id}.{k}");
    let bounds: [(&str, u64, u64, u64); 8] = [
        ("sms_per_day", m.sms_per_day, 1, 100),
        (
            "sms_per_browser_per_hour",
            m.sms_per_browser_per_hour,
            1,
            1000,
        ),
        (
            "sms_per_address_per_hour",
            m.sms_per_address_per_hour,
            1,
            100_000,
        ),
        ("code_valid_minutes", u64::from(m.code_valid_minutes), 1, 60),
        ("code_tries", m.code_tries, 1, 10),
        ("lockout_failures", m.lockout_failures, 0, 1000),
        (
            "failure_window_minutes",
            m.failure_window_minutes,
            1,
            7 * 24 * 60,
        ),
        ("warn_codes_left", m.warn_codes_left, 0, 1000),
    ];
    for (name, value, min, max) in bounds {
        if !(min..=max).contains(&value) {
            p.add(
                file,
                &key(name),
                format!("must be {min}–{max}, not {value}"),
            );
        }
    }
    if m.lockout_minutes > 365 * 24 * 60 {
        p.add(
            file,
            &key("lockout_minutes"),
            "at most a year (0: until unlocked)",
        );
    }
}
