//! Reading and validating the configuration. Every error names its file and key, so
//! `portvakt check-config` and a refused start say exactly what to fix.

use super::Config;
use super::client::{
    ClientConfig, ClientCredential, ClientFile, RefreshPolicy, RefreshRotation, SecretValue,
};
use super::settings::{EmailSettings, EmailTransport, Profile, Settings, SmsProvider, SmsSettings};
use crate::ids::ClientId;
use crate::redirect_uri::RedirectUri;
use crate::secret::Secret;
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

struct Problems(Vec<ConfigError>);

impl Problems {
    fn add(&mut self, file: &Path, key: &str, message: impl Into<String>) {
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
fn read_secret_file(path: &Path) -> std::io::Result<String> {
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

fn resolve_secret_files(settings: &mut Settings, dir: &Path, file: &Path, p: &mut Problems) {
    if settings.database.url.is_some() && settings.database.url_file.is_some() {
        p.add(file, "database.url", "give url or url_file, not both");
    }
    if let Some(url_file) = settings.database.url_file.clone() {
        match read_secret_file(&dir.join(url_file)) {
            Ok(url) => settings.database.url = Some(url),
            Err(e) => p.add(file, "database.url_file", format!("cannot read: {e}")),
        }
    }
    if let Some(redis) = settings.redis.as_mut() {
        if redis.url.is_some() && redis.url_file.is_some() {
            p.add(file, "redis.url", "give url or url_file, not both");
        }
        if let Some(url_file) = redis.url_file.clone() {
            match read_secret_file(&dir.join(url_file)) {
                Ok(url) => redis.url = Some(url),
                Err(e) => p.add(file, "redis.url_file", format!("cannot read: {e}")),
            }
        }
        if redis.url.is_none() {
            p.add(file, "redis.url", "[redis] needs url or url_file");
        }
    }
}

/// One secret given inline, by environment variable or by file: exactly one of them, or
/// none. `key` names the inline key (`notify.sms.password`).
fn one_secret(
    inline: &mut Option<Secret>,
    env: Option<&str>,
    path: Option<&Path>,
    key: &str,
    dir: &Path,
    file: &Path,
    p: &mut Problems,
) {
    let given =
        usize::from(inline.is_some()) + usize::from(env.is_some()) + usize::from(path.is_some());
    if given > 1 {
        p.add(
            file,
            key,
            format!("give one of {key}, {key}_env, {key}_file"),
        );
        return;
    }
    if let Some(var) = env {
        match std::env::var(var) {
            Ok(value) if !value.is_empty() => *inline = Some(Secret::new(value)),
            _ => p.add(
                file,
                &format!("{key}_env"),
                format!("the environment variable {var} is not set"),
            ),
        }
    }
    if let Some(path) = path {
        match read_secret_file(&dir.join(path)) {
            Ok(value) => *inline = Some(Secret::new(value)),
            Err(e) => p.add(file, &format!("{key}_file"), format!("cannot read: {e}")),
        }
    }
}

fn resolve_notify_secrets(settings: &mut Settings, dir: &Path, file: &Path, p: &mut Problems) {
    if let Some(email) = settings.notify.email.as_mut() {
        let env = email.smtp_password_env.clone();
        let path = email.smtp_password_file.clone();
        one_secret(
            &mut email.smtp_password,
            env.as_deref(),
            path.as_deref(),
            "notify.email.smtp_password",
            dir,
            file,
            p,
        );
        if let Some(ca) = email.ca_file.as_mut() {
            *ca = dir.join(&*ca);
        }
    }
    if let Some(sms) = settings.notify.sms.as_mut() {
        let env = sms.password_env.clone();
        let path = sms.password_file.clone();
        one_secret(
            &mut sms.password,
            env.as_deref(),
            path.as_deref(),
            "notify.sms.password",
            dir,
            file,
            p,
        );
        for (header, var) in &sms.headers_env {
            match std::env::var(var) {
                Ok(value) if !value.is_empty() => {
                    sms.secret_headers
                        .push((header.clone(), Secret::new(value)));
                }
                _ => p.add(
                    file,
                    &format!("notify.sms.headers_env.{header}"),
                    format!("the environment variable {var} is not set"),
                ),
            }
        }
    }
}

fn validate_notify(s: &Settings, file: &Path, p: &mut Problems) {
    let production = s.profile == Profile::Production;
    let outbox_refused = "the outbox keeps codes and links readable at /dev/outbox: it is for the development profile only";
    if let Some(email) = &s.notify.email {
        match email.transport {
            EmailTransport::Outbox if production => {
                p.add(file, "notify.email.transport", outbox_refused)
            }
            EmailTransport::Outbox => {}
            EmailTransport::Smtp => {
                if email.smtp_url.is_none() {
                    p.add(
                        file,
                        "notify.email.smtp_url",
                        "required with transport = \"smtp\" (or PORTVAKT_NOTIFY__EMAIL__SMTP_URL)",
                    );
                }
                if email.from.is_none() {
                    p.add(
                        file,
                        "notify.email.from",
                        "required with transport = \"smtp\"",
                    );
                }
            }
        }
        if email.connect_timeout_secs == 0 || email.send_timeout_secs == 0 {
            p.add(file, "notify.email", "timeouts must be positive");
        }
    }
    if let Some(sms) = &s.notify.sms {
        if let Some(from) = &sms.from
            && !crate::notify::valid_sms_sender(from)
        {
            p.add(
                file,
                "notify.sms.from",
                "up to 11 letters and digits starting with a letter, or an E.164 number (+46…)",
            );
        }
        if sms.timeout_secs == 0 {
            p.add(file, "notify.sms.timeout_secs", "must be positive");
        }
        match sms.provider {
            SmsProvider::Outbox if production => p.add(file, "notify.sms.provider", outbox_refused),
            SmsProvider::Outbox => {}
            SmsProvider::FortySixElks => {
                if sms.username.is_none() {
                    p.add(file, "notify.sms.username", "required by 46elks");
                }
                if sms.password.is_none() {
                    p.add(
                        file,
                        "notify.sms.password",
                        "required by 46elks (password, password_env or password_file)",
                    );
                }
                if sms.from.is_none() {
                    p.add(file, "notify.sms.from", "required by 46elks");
                }
                match url::Url::parse(&sms.api_url) {
                    Ok(u) if u.scheme() == "https" || u.scheme() == "http" && !production => {}
                    _ => p.add(
                        file,
                        "notify.sms.api_url",
                        "must be an https URL (http only in the development profile)",
                    ),
                }
            }
            SmsProvider::Http => {
                match sms.url.as_deref().map(url::Url::parse) {
                    Some(Ok(u)) if u.scheme() == "https" || u.scheme() == "http" && !production => {
                    }
                    _ => p.add(
                        file,
                        "notify.sms.url",
                        "required: an https URL (http only in the development profile)",
                    ),
                }
                if !matches!(sms.method.as_str(), "POST" | "PUT") {
                    p.add(file, "notify.sms.method", "POST or PUT");
                }
                match &sms.body {
                    Some(body) if body.contains("{to}") && body.contains("{message}") => {}
                    _ => p.add(
                        file,
                        "notify.sms.body",
                        "required, with {to} and {message} in it",
                    ),
                }
                if !matches!(
                    sms.content_type.as_str(),
                    "application/json" | "application/x-www-form-urlencoded"
                ) {
                    p.add(
                        file,
                        "notify.sms.content_type",
                        "application/json or application/x-www-form-urlencoded",
                    );
                }
                if sms.success_status.is_empty() {
                    p.add(
                        file,
                        "notify.sms.success_status",
                        "name at least one status",
                    );
                }
            }
        }
    }
    let l = &s.notify.limits;
    if [
        l.per_account,
        l.per_destination,
        l.per_address,
        l.window_secs,
    ]
    .contains(&0)
    {
        p.add(
            file,
            "notify.limits",
            "limits and their window must be positive",
        );
    }
    if s.notify.outbox_ttl_secs == 0 {
        p.add(file, "notify.outbox_ttl_secs", "must be positive");
    }
}

fn validate_settings(s: &Settings, file: &Path, p: &mut Problems) {
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
    }
}

/// The grace period of `refresh_rotation = "grace"` when the file names none.
const DEFAULT_REFRESH_GRACE_SECS: u64 = 30;

fn validate_client(
    raw: ClientFile,
    file: &Path,
    dir: &Path,
    settings: &Settings,
    p: &mut Problems,
) -> Option<ClientConfig> {
    let before = p.0.len();
    if raw.client_id.trim().is_empty() || raw.client_id.chars().any(char::is_whitespace) {
        p.add(file, "client_id", "must be non-empty and without spaces");
    }
    let credential = client_credential(&raw, file, dir, p);
    let mut redirect_uris = Vec::new();
    let code_flow = raw
        .grant_types
        .contains(&super::client::GrantType::AuthorizationCode);
    if code_flow && raw.redirect_uris.is_empty() {
        p.add(file, "redirect_uris", "register at least one redirect URI");
    }
    for (i, uri) in raw.redirect_uris.iter().enumerate() {
        match RedirectUri::parse(uri) {
            Ok(u) => redirect_uris.push(u),
            Err(e) => p.add(file, &format!("redirect_uris[{i}]"), format!("{uri}: {e}")),
        }
    }
    let mut post_logout = Vec::new();
    for (i, uri) in raw.post_logout_redirect_uris.iter().enumerate() {
        match RedirectUri::parse(uri) {
            Ok(u) => post_logout.push(u),
            Err(e) => p.add(
                file,
                &format!("post_logout_redirect_uris[{i}]"),
                format!("{uri}: {e}"),
            ),
        }
    }
    if code_flow && raw.acr_values.is_empty() {
        p.add(file, "acr_values", "allow at least one acr value");
    }
    let answered: Vec<&String> = settings
        .methods
        .values()
        .flat_map(|m| m.acr_values())
        .collect();
    for acr in &raw.acr_values {
        if !answered.contains(&acr) {
            p.add(
                file,
                "acr_values",
                format!("{acr} is not answered by any method under [methods] in portvakt.toml"),
            );
        }
    }
    let default_acr = raw
        .default_acr
        .clone()
        .or_else(|| raw.acr_values.first().cloned())
        .unwrap_or_default();
    if code_flow && !raw.acr_values.contains(&default_acr) {
        p.add(file, "default_acr", "must be one of acr_values");
    }
    if !raw.scopes.iter().any(|s| s == "openid") {
        p.add(file, "scopes", "must include openid");
    }
    let known = crate::claims::supported_scopes();
    for scope in raw.scopes.iter().filter(|s| !known.contains(s)) {
        p.add(
            file,
            "scopes",
            format!("{scope} is not a scope Portvakt knows (see scopes_supported in discovery)"),
        );
    }
    for (key, alg) in [
        (
            "id_token_signed_response_alg",
            Some(&raw.id_token_signed_response_alg),
        ),
        (
            "userinfo_signed_response_alg",
            raw.userinfo_signed_response_alg.as_ref(),
        ),
    ] {
        if let Some(alg) = alg
            && !settings.keys.algorithms.contains(alg)
        {
            p.add(
                file,
                key,
                format!("{alg} is not in keys.algorithms of portvakt.toml"),
            );
        }
    }
    let t = &settings.tokens;
    let ttl = |key: &str, value: Option<u64>, max: u64, p: &mut Problems| -> u64 {
        match value {
            Some(v) if v == 0 || v > max => {
                p.add(
                    file,
                    key,
                    format!("must be 1..={max} (the deployment's limit)"),
                );
                max
            }
            Some(v) => v,
            None => max,
        }
    };
    let id_token_ttl_secs = ttl(
        "id_token_ttl_secs",
        raw.id_token_ttl_secs,
        t.id_token_ttl_secs,
        p,
    );
    let access_token_ttl_secs = ttl(
        "access_token_ttl_secs",
        raw.access_token_ttl_secs,
        t.access_token_ttl_secs,
        p,
    );
    let refresh_idle_ttl_secs = ttl(
        "refresh_idle_ttl_secs",
        raw.refresh_idle_ttl_secs,
        t.refresh_idle_ttl_secs,
        p,
    );
    let refresh_absolute_ttl_secs = ttl(
        "refresh_absolute_ttl_secs",
        raw.refresh_absolute_ttl_secs,
        t.refresh_absolute_ttl_secs,
        p,
    );
    if let Some(uri) = &raw.backchannel_logout_uri
        && url::Url::parse(uri).is_err()
    {
        p.add(file, "backchannel_logout_uri", "must be an absolute URL");
    }
    if let Some(logo) = &raw.branding.logo_url {
        let ok = logo.starts_with("https://") || (logo.starts_with('/') && !logo.starts_with("//"));
        if !ok {
            p.add(
                file,
                "branding.logo_url",
                "must be an https URL or a path on this server",
            );
        }
    }
    // The name is in every page title and every message: one line of plain text.
    if raw.display_name.trim().is_empty()
        || raw.display_name.chars().count() > 80
        || raw.display_name.chars().any(char::is_control)
    {
        p.add(
            file,
            "display_name",
            "one line of at most 80 characters, without control characters",
        );
    }
    if let Some(from) = &raw.branding.sms_from
        && !crate::notify::valid_sms_sender(from)
    {
        p.add(
            file,
            "branding.sms_from",
            "up to 11 letters and digits starting with a letter, or an E.164 number (+46…)",
        );
    }
    if let Some(name) = &raw.branding.email_sender_name
        && (name.trim().is_empty() || name.chars().any(|c| c.is_control() || c == '<' || c == '>'))
    {
        p.add(
            file,
            "branding.email_sender_name",
            "a display name without <, > or control characters",
        );
    }
    if let Some(color) = &raw.branding.color {
        let ok = color.len() == 7
            && color.starts_with('#')
            && color[1..].chars().all(|c| c.is_ascii_hexdigit());
        if !ok {
            p.add(file, "branding.color", "must be #rrggbb");
        }
    }
    if matches!(credential, Some(ClientCredential::Public))
        && raw
            .grant_types
            .contains(&super::client::GrantType::ClientCredentials)
    {
        p.add(
            file,
            "grant_types",
            "a public client cannot use client_credentials",
        );
    }
    let public = matches!(credential, Some(ClientCredential::Public));
    if public && !raw.require_pkce {
        p.add(
            file,
            "require_pkce",
            "a public client must use PKCE (RFC 9700 §2.1.1)",
        );
    }
    let refresh_policy = match (raw.refresh_rotation, raw.refresh_reuse_grace_secs) {
        (RefreshRotation::Grace, grace) => {
            let secs = grace.unwrap_or(DEFAULT_REFRESH_GRACE_SECS);
            if secs == 0 || secs > 300 {
                p.add(file, "refresh_reuse_grace_secs", "must be 1..=300");
            }
            RefreshPolicy::RotateWithGrace(std::time::Duration::from_secs(secs))
        }
        (_, Some(_)) => {
            p.add(
                file,
                "refresh_reuse_grace_secs",
                "only with refresh_rotation = \"grace\"",
            );
            RefreshPolicy::Rotate
        }
        (RefreshRotation::Rotate, None) => RefreshPolicy::Rotate,
        (RefreshRotation::None, None) => {
            if public {
                p.add(
                    file,
                    "refresh_rotation",
                    "public clients must rotate refresh tokens (RFC 9700 §4.14.2)",
                );
            }
            RefreshPolicy::NoRotation
        }
    };
    if p.0.len() != before {
        return None;
    }
    Some(ClientConfig {
        client_id: ClientId(raw.client_id),
        display_name: raw.display_name,
        credential: credential?,
        redirect_uris,
        post_logout_redirect_uris: post_logout,
        grant_types: raw.grant_types,
        acr_values: raw.acr_values,
        default_acr,
        scopes: raw.scopes,
        id_token_alg: raw.id_token_signed_response_alg,
        userinfo_alg: raw.userinfo_signed_response_alg,
        id_token_ttl_secs,
        access_token_ttl_secs,
        refresh_idle_ttl_secs,
        refresh_absolute_ttl_secs,
        backchannel_logout_uri: raw.backchannel_logout_uri,
        session_idle_timeout_secs: raw.session_idle_timeout_secs,
        session_absolute_timeout_secs: raw.session_absolute_timeout_secs,
        first_party: raw.first_party,
        branding: raw.branding,
        help_text: raw.help_text,
        require_pkce: public || raw.require_pkce,
        refresh_policy,
        file: file.to_path_buf(),
    })
}

fn client_credential(
    raw: &ClientFile,
    file: &Path,
    dir: &Path,
    p: &mut Problems,
) -> Option<ClientCredential> {
    let sources = [
        raw.client_secret.is_some(),
        raw.client_secret_env.is_some(),
        raw.client_secret_file.is_some(),
        raw.client_secret_hash.is_some(),
    ]
    .iter()
    .filter(|x| **x)
    .count();
    let has_jwks = raw.jwks.is_some() || raw.jwks_file.is_some();
    match raw.token_endpoint_auth_method.as_str() {
        "none" => {
            if sources > 0 || has_jwks {
                p.add(
                    file,
                    "token_endpoint_auth_method",
                    "a public client (none) has no secret or keys",
                );
                return None;
            }
            Some(ClientCredential::Public)
        }
        "client_secret_basic" | "client_secret_post" => {
            if has_jwks {
                p.add(
                    file,
                    "jwks",
                    "a client_secret client has no jwks; remove it or use private_key_jwt",
                );
                return None;
            }
            if sources != 1 {
                p.add(
                    file,
                    "client_secret",
                    "give exactly one of client_secret, client_secret_env, client_secret_file, client_secret_hash",
                );
                return None;
            }
            if let Some(s) = &raw.client_secret {
                return Some(ClientCredential::Secret(SecretValue::Plain(Secret::new(s))));
            }
            if let Some(h) = &raw.client_secret_hash {
                let Some(digest) = h.strip_prefix("sha256:").filter(|d| d.len() == 43) else {
                    p.add(
                        file,
                        "client_secret_hash",
                        "must be sha256:<43 base64url characters>, as `portvakt hash-secret` prints",
                    );
                    return None;
                };
                return Some(ClientCredential::Secret(SecretValue::Sha256(
                    digest.to_owned(),
                )));
            }
            if let Some(var) = &raw.client_secret_env {
                return match std::env::var(var) {
                    Ok(v) if !v.is_empty() => {
                        Some(ClientCredential::Secret(SecretValue::Plain(Secret::new(v))))
                    }
                    _ => {
                        p.add(
                            file,
                            "client_secret_env",
                            format!("environment variable {var} is not set"),
                        );
                        None
                    }
                };
            }
            let path = dir.join(raw.client_secret_file.as_ref()?);
            match read_secret_file(&path) {
                Ok(v) => Some(ClientCredential::Secret(SecretValue::Plain(Secret::new(v)))),
                Err(e) => {
                    p.add(
                        file,
                        "client_secret_file",
                        format!("cannot read {}: {e}", path.display()),
                    );
                    None
                }
            }
        }
        "private_key_jwt" => {
            if sources > 0 {
                p.add(
                    file,
                    "client_secret",
                    "a private_key_jwt client has no secret; remove it",
                );
                return None;
            }
            let jwks = match (&raw.jwks, &raw.jwks_file) {
                (Some(v), None) => serde_json::to_string(v).ok(),
                (None, Some(path)) => match std::fs::read_to_string(dir.join(path)) {
                    Ok(text) => Some(text),
                    Err(e) => {
                        p.add(file, "jwks_file", format!("cannot read: {e}"));
                        return None;
                    }
                },
                _ => {
                    p.add(
                        file,
                        "jwks",
                        "private_key_jwt needs exactly one of jwks, jwks_file",
                    );
                    return None;
                }
            }?;
            let parsed: Result<serde_json::Value, _> = serde_json::from_str(&jwks);
            match parsed {
                Ok(v) if v.get("keys").is_some_and(serde_json::Value::is_array) => {
                    Some(ClientCredential::PrivateKeyJwt { jwks })
                }
                _ => {
                    p.add(file, "jwks", "must be a JWK Set: {\"keys\": [...]}");
                    None
                }
            }
        }
        other => {
            p.add(
                file,
                "token_endpoint_auth_method",
                format!("{other} is not one of none, client_secret_basic, client_secret_post, private_key_jwt"),
            );
            None
        }
    }
}
