//! Reading the configuration: the main file, the environment's overrides and every client
//! file, then the checks (`check_settings`, `check_notify`, `check_client`) and the
//! secrets (`secrets`). Every error names its file and key, so `portvakt check-config`
//! and a refused start say exactly what to fix.

use super::Config;
use super::check_client::validate_client;
use super::check_settings::validate_settings;
use super::client::{ClientConfig, ClientFile};
use super::secrets::{resolve_notify_secrets, resolve_secret_files};
use super::settings::{EmailSettings, Profile, Settings, SmsSettings};
use figment::Figment;
use figment::providers::{Env, Format, Toml};
use std::path::{Path, PathBuf};

/// Algorithms Portvakt can sign with.
pub const SUPPORTED_ALGS: &[&str] = &["RS256", "ES256", "PS256", "EdDSA"];

/// One configuration problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The file (or `environment`).
    pub file: String,
    /// The key, dotted.
    pub key: String,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}: {}", self.file, self.key, self.message)
    }
}

/// The problems found so far; every check adds to it, so all are reported together.
pub(super) struct Problems(pub(super) Vec<ConfigError>);

impl Problems {
    pub(super) fn add(&mut self, file: &Path, key: &str, message: impl Into<String>) {
        self.0.push(ConfigError {
            file: file.display().to_string(),
            key: key.to_owned(),
            message: message.into(),
        });
    }
}

fn figment_errors(err: figment::Error, file: &Path) -> Vec<ConfigError> {
    err.into_iter()
        .map(|e| {
            let source = e
                .metadata
                .as_ref()
                .map(|m| match &m.source {
                    Some(figment::Source::File(p)) => p.display().to_string(),
                    _ => m.name.to_string(),
                })
                .unwrap_or_else(|| file.display().to_string());
            let key = if e.path.is_empty() {
                "(top level)".into()
            } else {
                e.path.join(".")
            };
            // A wrongly typed secret must not be echoed ("found signed int `12345678`").
            let secret = ["password", "secret", "token", "url", "headers"]
                .iter()
                .any(|s| key.contains(s));
            let message = match (&e.kind, secret) {
                (figment::error::Kind::InvalidType(_, expected), true) => {
                    format!("invalid type: expected {expected}")
                }
                (kind, _) => kind.to_string(),
            };
            ConfigError {
                file: source,
                key,
                message,
            }
        })
        .collect()
}

/// Reads a secret file, trimming trailing line breaks.
pub(super) fn read_secret_file(path: &Path) -> std::io::Result<String> {
    let text = std::fs::read_to_string(path)?;
    Ok(text.trim_end_matches(['\n', '\r']).to_owned())
}

/// Loads `portvakt.toml` at `path`, the environment overrides and every client file,
/// and validates them together.
pub fn load(path: &Path) -> Result<Config, Vec<ConfigError>> {
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut problems = Problems(Vec::new());
    if !path.exists() {
        problems.add(path, "(file)", "the configuration file does not exist");
        return Err(problems.0);
    }
    let figment = Figment::from(Toml::file(path)).merge(
        Env::prefixed("PORTVAKT_")
            // Variables the binary reads itself are not configuration keys.
            .filter(|k| {
                !matches!(
                    k.as_str().to_ascii_lowercase().as_str(),
                    "config" | "log" | "log_format"
                )
            })
            .split("__"),
    );
    let mut settings: Settings = figment.extract().map_err(|e| figment_errors(e, path))?;
    resolve_secret_files(&mut settings, &dir, path, &mut problems);
    resolve_notify_secrets(&mut settings, &dir, path, &mut problems);
    if settings.profile == Profile::Development {
        // A newcomer sees every message without a gateway (docs/messages.md).
        settings
            .notify
            .email
            .get_or_insert_with(EmailSettings::outbox);
        settings.notify.sms.get_or_insert_with(SmsSettings::outbox);
    }
    validate_settings(&settings, path, &mut problems);

    let clients_dir = dir.join(&settings.clients_dir);
    let mut clients: Vec<ClientConfig> = Vec::new();
    match std::fs::read_dir(&clients_dir) {
        Err(e) => problems.add(
            path,
            "clients_dir",
            format!("cannot read {}: {e}", clients_dir.display()),
        ),
        Ok(entries) => {
            let mut files: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                .collect();
            files.sort();
            for file in files {
                match Figment::from(Toml::file(&file)).extract::<ClientFile>() {
                    Err(e) => problems.0.extend(figment_errors(e, &file)),
                    Ok(raw) => {
                        if let Some(client) =
                            validate_client(raw, &file, &dir, &settings, &mut problems)
                        {
                            if clients.iter().any(|c| c.client_id == client.client_id) {
                                problems.add(
                                    &file,
                                    "client_id",
                                    "another client file uses this client_id",
                                );
                            }
                            clients.push(client);
                        }
                    }
                }
            }
        }
    }
    if problems.0.is_empty() {
        Ok(Config {
            settings,
            clients,
            dir,
        })
    } else {
        Err(problems.0)
    }
}
