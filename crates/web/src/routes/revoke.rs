//! Token revocation (RFC 7009). Revoking a refresh token revokes its grant and so every
//! access token under it (§2.1); revoking an access token revokes that token. An unknown
//! or invalid token still gets 200 (§2.2); another client's token is refused (§2.1).

use super::introspect::is_jwt;
use crate::oidc::access_token::validate;
use crate::oidc::api_error::{ApiError, no_store};
use crate::oidc::client_auth::authenticate;
use crate::oidc::form::FormPairs;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use portvakt_core::audit::{AuditEvent, AuditKind};
use portvakt_core::oauth_error::ErrorCode;
use portvakt_core::random::token_hash;
use portvakt_core::time::UnixTime;
use serde_json::Value;

/// `POST /revoke`.
pub async fn revoke(State(app): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    match handle(&app, &headers, &body).await {
        Ok(()) => {
            let mut res = StatusCode::OK.into_response();
            no_store(&mut res);
            res
        }
        Err(e) => e.into_response(),
    }
}

fn not_yours() -> ApiError {
    ApiError::bad(
        ErrorCode::UnauthorizedClient,
        "the token was not issued to this client",
    )
}

async fn handle(app: &AppState, headers: &HeaderMap, body: &Bytes) -> Result<(), ApiError> {
    let form = FormPairs::parse(headers, body)?;
    let client = authenticate(app, headers, &form, &app.url("/revoke")).await?;
    let token = form.require("token", "token is required")?;
    let now = app.clock.now();
    if is_jwt(token) {
        let Some(valid) = validate(app, token).await? else {
            return Ok(());
        };
        if valid.str("client_id") != Some(client.client_id.as_str()) {
            return Err(not_yours());
        }
        let (Some(jti), Some(exp)) = (
            valid.str("jti"),
            valid.claims.get("exp").and_then(Value::as_i64),
        ) else {
            return Ok(());
        };
        // Remembered until it would have expired anyway.
        app.ephemeral
            .revoke_access_token(jti, now.until(UnixTime(exp)))
            .await?;
        let mut event = AuditEvent::now(AuditKind::TokenRevoked)
            .client(&client.client_id)
            .detail("access_token");
        if let Some(g) = &valid.grant {
            event = event.account(&g.account_id);
        }
        app.audit(event).await;
        return Ok(());
    }
    let Some(record) = app.grants.find_refresh_token(&token_hash(token)).await? else {
        return Ok(());
    };
    let Some(grant) = app.grants.find_grant(&record.grant_id).await? else {
        return Ok(());
    };
    if grant.client_id != client.client_id {
        return Err(not_yours());
    }
    app.grants.revoke_grant(&grant.id, now).await?;
    app.audit(
        AuditEvent::now(AuditKind::TokenRevoked)
            .client(&client.client_id)
            .account(&grant.account_id)
            .detail("refresh_token"),
    )
    .await;
    Ok(())
}
