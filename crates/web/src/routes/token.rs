//! The token endpoint (RFC 6749 §3.2): authorization_code, refresh_token and
//! client_credentials, every answer with `Cache-Control: no-store`.

use crate::oidc::api_error::{ApiError, no_store};
use crate::oidc::client_auth::authenticate;
use crate::oidc::form::FormPairs;
use crate::oidc::tokens::{self, TokenResponse};
use crate::state::AppState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use portvakt_core::audit::{AuditEvent, AuditKind};
use portvakt_core::config::{ClientConfig, GrantType, RefreshPolicy};
use portvakt_core::ephemeral::Redemption;
use portvakt_core::grant::{Grant, Rotation};
use portvakt_core::oauth_error::ErrorCode;
use portvakt_core::random::token_hash;
use portvakt_core::scope::Scope;
use std::time::Duration;

/// `POST /token`.
pub async fn token(State(app): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    match handle(&app, &headers, &body).await {
        Ok(tokens) => {
            let mut res = Json(tokens).into_response();
            no_store(&mut res);
            res
        }
        Err(e) => e.into_response(),
    }
}

async fn handle(
    app: &AppState,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<TokenResponse, ApiError> {
    let form = FormPairs::parse(headers, body)?;
    let client = authenticate(app, headers, &form, &app.url("/token")).await?;
    let grant_type = form.require("grant_type", "grant_type is required")?;
    let grant = match grant_type {
        "authorization_code" => GrantType::AuthorizationCode,
        "refresh_token" => GrantType::RefreshToken,
        "client_credentials" => GrantType::ClientCredentials,
        _ => {
            return Err(ApiError::bad(
                ErrorCode::UnsupportedGrantType,
                "grant_type is not supported",
            ));
        }
    };
    if !client.allows_grant(grant) {
        return Err(ApiError::bad(
            ErrorCode::UnauthorizedClient,
            "the client may not use this grant type",
        ));
    }
    match grant {
        GrantType::AuthorizationCode => authorization_code(app, client, &form).await,
        GrantType::RefreshToken => refresh(app, client, &form).await,
        GrantType::ClientCredentials => client_credentials(app, client, &form).await,
    }
}

/// RFC 6749 §4.1.3 with PKCE (RFC 7636 §4.6) and single use (§4.1.2, S5).
async fn authorization_code(
    app: &AppState,
    client: &ClientConfig,
    form: &FormPairs,
) -> Result<TokenResponse, ApiError> {
    let code = form.require("code", "code is required")?;
    let redirect_uri = form.get("redirect_uri")?;
    let verifier = form.get("code_verifier")?;
    let record = match app.ephemeral.redeem_code(code).await? {
        Redemption::Fresh(r) => r,
        Redemption::Missing => {
            return Err(ApiError::invalid_grant("the code is invalid or expired"));
        }
        Redemption::Reused(r) => {
            // A second use means the code leaked: revoke everything the first issued.
            let now = app.clock.now();
            app.ephemeral.mark_grant_revoked(&r.grant_id).await?;
            app.grants.revoke_grant(&r.grant_id, now).await?;
            app.audit(
                AuditEvent::now(AuditKind::CodeReused)
                    .client(&r.client_id)
                    .account(&r.account_id),
            )
            .await;
            return Err(ApiError::invalid_grant("the code was already used"));
        }
    };
    if record.client_id != client.client_id {
        return Err(ApiError::invalid_grant(
            "the code was issued to another client",
        ));
    }
    if redirect_uri != Some(record.redirect_uri.as_str()) {
        return Err(ApiError::invalid_grant(
            "redirect_uri does not match the authorization request",
        ));
    }
    match (&record.code_challenge, verifier) {
        (Some(challenge), Some(v)) if challenge.verify(v) => {}
        (None, None) => {}
        // RFC 9700 §2.1.1: a verifier without a challenge is refused too.
        _ => return Err(ApiError::invalid_grant("PKCE verification failed")),
    }
    let account = app
        .accounts
        .find_account(&record.account_id)
        .await?
        // A code from before a password change is as dead as the session it came from (S14).
        .filter(|a| !a.is_locked() && !a.password_changed_since(record.password_generation))
        .ok_or(ApiError::invalid_grant("the account is not available"))?;
    let now = app.clock.now();
    let grant = Grant {
        id: record.grant_id.clone(),
        client_id: client.client_id.clone(),
        account_id: account.id.clone(),
        scope: record.scope.clone(),
        claims: record.claims.clone(),
        acr: record.acr.clone(),
        amr: record.amr.clone(),
        auth_time: record.auth_time,
        sid: record.sid.clone(),
        created_at: now,
        expires_at: now.plus(Duration::from_secs(client.refresh_absolute_ttl_secs)),
        revoked_at: None,
    };
    let refresh = tokens::new_refresh_token(client, &grant, now);
    app.grants
        .create_grant(&grant, refresh.as_ref().map(|(_, r)| r))
        .await?;
    // A reuse racing this redemption may have marked the grant before the row existed:
    // revoke it now. This redemption still answers 200, exactly as when the reuse comes
    // after it; the tokens it returns are already dead.
    if app.ephemeral.is_grant_marked_revoked(&grant.id).await? {
        app.grants.revoke_grant(&grant.id, now).await?;
    }
    // A code issued before its session ended, redeemed after: the grant dies with the
    // session like every other grant of it, unless it holds offline access.
    let offline = grant.scope.split(' ').any(|s| s == "offline_access");
    if !offline && app.ephemeral.is_session_ended(&grant.sid).await? {
        app.grants.revoke_grant(&grant.id, now).await?;
    }
    app.audit(
        AuditEvent::now(AuditKind::TokensIssued)
            .client(&client.client_id)
            .account(&account.id)
            .detail(&grant.acr),
    )
    .await;
    Ok(tokens::respond(
        app,
        client,
        &grant,
        &account,
        record.nonce.as_deref(),
        refresh.map(|(t, _)| t),
        now,
    )?)
}

/// RFC 6749 §6 with rotation (RFC 9700 §4.14.2): a spent token revokes the grant (S13).
async fn refresh(
    app: &AppState,
    client: &ClientConfig,
    form: &FormPairs,
) -> Result<TokenResponse, ApiError> {
    let presented = form.require("refresh_token", "refresh_token is required")?;
    let hash = token_hash(presented);
    let invalid = || ApiError::invalid_grant("the refresh token is invalid, expired or revoked");
    let record = app
        .grants
        .find_refresh_token(&hash)
        .await?
        .ok_or_else(invalid)?;
    let mut grant = app
        .grants
        .find_grant(&record.grant_id)
        .await?
        .ok_or_else(invalid)?;
    // Bound to its client: another client's token is refused without being spent.
    if grant.client_id != client.client_id {
        return Err(invalid());
    }
    let now = app.clock.now();
    if !grant.is_active(now) {
        return Err(invalid());
    }
    if let Some(requested) = form.get("scope")? {
        let requested = Scope::parse(requested)
            .map_err(|_| ApiError::bad(ErrorCode::InvalidScope, "scope has illegal characters"))?;
        let granted = Scope::parse(&grant.scope).unwrap_or_default();
        if !requested.is_subset_of(&granted) {
            return Err(ApiError::bad(
                ErrorCode::InvalidScope,
                "scope exceeds the original grant",
            ));
        }
        // The narrower scope applies to this response only; the grant keeps its scope.
        grant.scope = requested.to_string();
    }
    let (next_token, next) = tokens::new_refresh_token(client, &grant, now).ok_or_else(invalid)?;
    let grace = match client.refresh_policy {
        RefreshPolicy::NoRotation => {
            // The client keeps its token: it is only extended (RFC 6749 §6: a new one
            // MAY be issued, so none is).
            if !app
                .grants
                .extend_refresh_token(&hash, next.expires_at, now)
                .await?
            {
                return Err(invalid());
            }
            None
        }
        RefreshPolicy::Rotate => Some(Duration::ZERO),
        RefreshPolicy::RotateWithGrace(grace) => Some(grace),
    };
    let returned = match grace {
        None => None,
        Some(grace) => match app.grants.rotate_refresh_token(&hash, &next, now).await? {
            Rotation::Rotated => Some(next_token),
            // Replaced moments ago, typically by a parallel refresh of the same RP: fresh
            // tokens, no revocation (the client's policy allows it).
            Rotation::Reused { used_at } if now.0 - used_at.0 < duration_secs(grace) => {
                app.grants.add_refresh_token(&next).await?;
                Some(next_token)
            }
            Rotation::Reused { .. } => {
                app.grants.revoke_grant(&grant.id, now).await?;
                app.audit(
                    AuditEvent::now(AuditKind::RefreshTokenReused)
                        .client(&client.client_id)
                        .account(&grant.account_id),
                )
                .await;
                return Err(invalid());
            }
            Rotation::Expired | Rotation::NotFound => return Err(invalid()),
        },
    };
    let account = app
        .accounts
        .find_account(&grant.account_id)
        .await?
        .filter(|a| !a.is_locked())
        .ok_or_else(invalid)?;
    app.audit(
        AuditEvent::now(AuditKind::TokensRefreshed)
            .client(&client.client_id)
            .account(&account.id),
    )
    .await;
    // OIDC Core §12.2: the new ID token keeps iss, sub, aud, auth_time and acr; no nonce.
    Ok(tokens::respond(
        app, client, &grant, &account, None, returned, now,
    )?)
}

/// RFC 6749 §4.4: a confidential client acting for itself. No ID token, no refresh token.
async fn client_credentials(
    app: &AppState,
    client: &ClientConfig,
    form: &FormPairs,
) -> Result<TokenResponse, ApiError> {
    if client.is_public() {
        return Err(ApiError::bad(
            ErrorCode::UnauthorizedClient,
            "public clients cannot use client_credentials",
        ));
    }
    let requested = Scope::parse(form.get("scope")?.unwrap_or(""))
        .map_err(|_| ApiError::bad(ErrorCode::InvalidScope, "scope has illegal characters"))?;
    let allowed: Vec<String> = client
        .scopes
        .iter()
        .filter(|s| *s != "openid")
        .cloned()
        .collect();
    let scope = requested.restricted_to(&allowed).to_string();
    let now = app.clock.now();
    app.audit(
        AuditEvent::now(AuditKind::TokensIssued)
            .client(&client.client_id)
            .detail("client_credentials"),
    )
    .await;
    Ok(TokenResponse {
        access_token: tokens::access_token(
            app,
            client,
            client.client_id.as_str(),
            &scope,
            None,
            now,
        )?,
        token_type: "Bearer",
        expires_in: client.access_token_ttl_secs,
        id_token: None,
        refresh_token: None,
        scope: (!scope.is_empty()).then_some(scope),
    })
}

/// Whole seconds of a grace period, for comparing with Unix times.
fn duration_secs(d: Duration) -> i64 {
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX)
}

/// Redeems a code for the built-in demo RP, exactly as a POST to `/token` would.
pub(super) async fn redeem_for_demo(
    app: &AppState,
    client: &ClientConfig,
    code: &str,
    redirect_uri: &str,
    verifier: &str,
) -> Result<TokenResponse, ApiError> {
    let form = FormPairs(vec![
        ("grant_type".into(), "authorization_code".into()),
        ("code".into(), code.into()),
        ("redirect_uri".into(), redirect_uri.into()),
        ("code_verifier".into(), verifier.into()),
    ]);
    authorization_code(app, client, &form).await
}
