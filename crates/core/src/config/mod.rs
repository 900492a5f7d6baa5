//! Configuration: `portvakt.toml` plus one file per client under `clients/`.
//! Environment variables (`PORTVAKT_SECTION__KEY`) override the main file; secrets can
//! come from files (`*_file`) or named environment variables (`*_env`).
//! See docs/configuration.md for every key.

mod check_client;
mod check_notify;
mod check_settings;
mod client;
mod load;
mod secrets;
mod settings;

pub use client::{
    Branding, ClientBankId, ClientConfig, ClientCredential, GrantType, RefreshPolicy,
    RefreshRotation, RiskLevel, SecretValue,
};
pub use load::{ConfigError, SUPPORTED_ALGS, load};
pub use settings::{
    BankIdSettings, CreatePasswordSettings, DatabaseSettings, DemoSettings, EmailSettings,
    EmailTransport, HttpSettings, KeySettings, Localized, LoginSettings, MethodSettings,
    NotifySettings, PasswordIdentifier, PinOtpSettings, Profile, RedisSettings,
    RegistrationSettings, ResetAllowedFrom, ResetSettings, SendLimitSettings, SessionSettings,
    Settings, SmsBlock, SmsProvider, SmsSettings, TokenSettings,
};

use std::path::PathBuf;

/// The whole validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// The main file's settings.
    pub settings: Settings,
    /// Every client, by file.
    pub clients: Vec<ClientConfig>,
    /// The folder the main file is in; relative paths are resolved against it.
    pub dir: PathBuf,
}

impl Config {
    /// The client with this id.
    pub fn client(&self, id: &str) -> Option<&ClientConfig> {
        self.clients.iter().find(|c| c.client_id.as_str() == id)
    }

    /// Every acr value some configured method answers to, by method id, then in each
    /// method's own order.
    pub fn acr_values_supported(&self) -> Vec<String> {
        let mut all = Vec::new();
        for method in self.settings.methods.values() {
            for acr in method.acr_values() {
                if !all.contains(acr) {
                    all.push(acr.clone());
                }
            }
        }
        all
    }

    /// The strength of the method answering to `acr`.
    pub fn level_of(&self, acr: &str) -> Option<u8> {
        self.method_for_acr(acr).map(|(_, m)| m.level())
    }

    /// The session timeouts for `client`: the deployment's, shortened by the client's.
    pub fn session_timeouts(&self, client: &ClientConfig) -> crate::session::Timeouts {
        let s = &self.settings.sessions;
        let pick = |global: u64, own: Option<u64>| {
            std::time::Duration::from_secs(own.map_or(global, |o| o.min(global)))
        };
        crate::session::Timeouts {
            idle: pick(s.idle_timeout_secs, client.session_idle_timeout_secs),
            absolute: pick(
                s.absolute_timeout_secs,
                client.session_absolute_timeout_secs,
            ),
        }
    }

    /// The method that answers to `acr`.
    pub fn method_for_acr(&self, acr: &str) -> Option<(&str, &MethodSettings)> {
        self.settings
            .methods
            .iter()
            .find(|(_, m)| m.acr_values().iter().any(|a| a == acr))
            .map(|(id, m)| (id.as_str(), m))
    }
}

impl crate::session::AcrRules for Config {
    fn level_of(&self, acr: &str) -> Option<u8> {
        Config::level_of(self, acr)
    }

    fn method_of(&self, acr: &str) -> Option<&str> {
        self.method_for_acr(acr).map(|(id, _)| id)
    }
}
