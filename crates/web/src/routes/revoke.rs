//! Token revocation (RFC 7009). Revoking a refresh token revokes its grant and so every
//! access token under it (§2.1); revoking an access token revokes that token. The answer
//! is 200 whether or not the token was valid (§2.2).

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

async fn handle(app: &AppState, headers: &HeaderMap, body: &Bytes) -> Result<(), ApiError> {
    let form = FormPairs::parse(headers, body)?;
    let client = authenticate(app, headers, &form, &app.url("/revoke")).await?;
    let token = form.require("token", "token is required")?;
    let now = UnixTime::now();
    if let Some(record) = app.grants.find_refresh_token(&token_hash(token)).await? {
        if let Some(grant) = app.grants.find_grant(&record.grant_id).await?
            && grant.client_id == client.client_id
        {
            app.grants.revoke_grant(&grant.id, now).await?;
            app.audit(
                AuditEvent::now(AuditKind::TokenRevoked)
                    .client(&client.client_id)
                    .account(&grant.account_id)
                    .detail("refresh_token"),
            )
            .await;
        }
        return Ok(());
    }
    if let Some(valid) = validate(app, token).await?
        && valid.str("client_id") == Some(client.client_id.as_str())
        && let Some(jti) = valid.str("jti")
    {
        let exp = valid
            .claims
            .get("exp")
            .and_then(Value::as_i64)
            .unwrap_or(now.0);
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
    }
    Ok(())
}
