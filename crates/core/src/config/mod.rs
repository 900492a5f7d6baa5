//! Configuration: `portvakt.toml` plus one file per client under `clients/`.
//! Environment variables (`PORTVAKT_SECTION__KEY`) override the main file; secrets can
//! come from files (`*_file`) or named environment variables (`*_env`).
//! See docs/configuration.md for every key.

mod client;
mod load;
mod settings;

pub use client::{Branding, ClientConfig, ClientCredential, GrantType, SecretValue};
pub use load::{ConfigError, SUPPORTED_ALGS, load};
pub use settings::{
    DatabaseSettings, DemoSettings, KeySettings, Localized, LoginSettings, MethodSettings,
    PasswordIdentifier, Profile, RedisSettings, Settings, TokenSettings,
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

    /// The method that answers to `acr`.
    pub fn method_for_acr(&self, acr: &str) -> Option<(&str, &MethodSettings)> {
        self.settings
            .methods
            .iter()
            .find(|(_, m)| m.acr_values().iter().any(|a| a == acr))
            .map(|(id, m)| (id.as_str(), m))
    }
}
