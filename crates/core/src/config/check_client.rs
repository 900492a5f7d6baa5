//! The checks of one client file, and its credential.

use super::client::{
    ClientConfig, ClientCredential, ClientFile, RefreshPolicy, RefreshRotation, SecretValue,
};
use super::load::{Problems, read_secret_file};
use super::settings::Settings;
use crate::ids::ClientId;
use crate::redirect_uri::RedirectUri;
use crate::secret::Secret;
use std::path::Path;

/// The grace period of `refresh_rotation = "grace"` when the file names none.
const DEFAULT_REFRESH_GRACE_SECS: u64 = 30;

pub(super) fn validate_client(
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
    let initiate_login_uri = raw.initiate_login_uri.as_deref().and_then(|uri| {
        let parsed = url::Url::parse(uri).ok().filter(|u| {
            let local = matches!(u.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
            u.scheme() == "https" || (u.scheme() == "http" && local)
        });
        if parsed.is_none() {
            p.add(
                file,
                "initiate_login_uri",
                "must be an https URL (http only on localhost)",
            );
        }
        parsed
    });
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
        initiate_login_uri,
        session_idle_timeout_secs: raw.session_idle_timeout_secs,
        session_absolute_timeout_secs: raw.session_absolute_timeout_secs,
        first_party: raw.first_party,
        branding: raw.branding,
        bankid: raw.bankid,
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
