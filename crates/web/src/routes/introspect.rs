//! Token introspection (RFC 7662). Only confidential clients may ask (§2.1: the endpoint
//! is protected), and only about their own tokens: anything else is `{"active": false}`,
//! which reveals nothing.

use crate::oidc::access_token::validate;
use crate::oidc::api_error::{ApiError, no_store};
use crate::oidc::client_auth::authenticate;
use crate::oidc::form::FormPairs;
use crate::state::AppState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use portvakt_core::random::token_hash;
use serde_json::{Value, json};

/// `POST /introspect`.
pub async fn introspect(State(app): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    match handle(&app, &headers, &body).await {
        Ok(v) => {
            let mut res = Json(v).into_response();
            no_store(&mut res);
            res
        }
        Err(e) => e.into_response(),
    }
}

/// Access tokens are JWTs; refresh tokens are opaque and never contain a dot. The token
/// itself says which it is, so `token_type_hint` is not needed (RFC 7662 §2.1 lets the
/// server ignore it, and requires it to find the token whatever the hint).
pub fn is_jwt(token: &str) -> bool {
    token.contains('.')
}

async fn handle(app: &AppState, headers: &HeaderMap, body: &Bytes) -> Result<Value, ApiError> {
    let form = FormPairs::parse(headers, body)?;
    let client = authenticate(app, headers, &form, &app.url("/introspect")).await?;
    if client.is_public() {
        return Err(ApiError::invalid_client(
            "introspection needs client authentication",
        ));
    }
    let token = form.require("token", "token is required")?;
    let inactive = json!({ "active": false });
    if is_jwt(token) {
        let Some(valid) = validate(app, token).await? else {
            return Ok(inactive);
        };
        if valid.str("client_id") != Some(client.client_id.as_str()) {
            return Ok(inactive);
        }
        let mut out = json!({ "active": true, "token_type": "Bearer" });
        for claim in [
            "scope",
            "client_id",
            "sub",
            "exp",
            "iat",
            "iss",
            "aud",
            "jti",
            "auth_time",
            "acr",
        ] {
            if let Some(v) = valid.claims.get(claim) {
                out[claim] = v.clone();
            }
        }
        return Ok(out);
    }
    let Some(record) = app.grants.find_refresh_token(&token_hash(token)).await? else {
        return Ok(inactive);
    };
    let now = app.clock.now();
    let Some(grant) = app.grants.find_grant(&record.grant_id).await? else {
        return Ok(inactive);
    };
    let live = record.used_at.is_none() && record.expires_at > now && grant.is_active(now);
    if !live || grant.client_id != client.client_id {
        return Ok(inactive);
    }
    Ok(json!({
        "active": true,
        "token_type": "refresh_token",
        "scope": grant.scope,
        "client_id": grant.client_id.as_str(),
        "sub": grant.account_id.as_str(),
        "exp": record.expires_at.0,
        "iat": record.created_at.0,
        "iss": app.issuer(),
    }))
}
