//! The token endpoint (RFC 6749 §3.2): parses the form, authenticates the client, and
//! hands the grant to its rules in `oidc::grants`; every answer has `Cache-Control:
//! no-store`.

use crate::oidc::api_error::{ApiError, no_store};
use crate::oidc::client_auth::authenticate;
use crate::oidc::form::FormPairs;
use crate::oidc::grants::{CodeRedemption, TokenGrants};
use crate::oidc::tokens::TokenResponse;
use crate::state::AppState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use portvakt_core::config::{ClientConfig, GrantType};
use portvakt_core::oauth_error::ErrorCode;

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
    let rules = TokenGrants::from_app(app);
    match grant {
        GrantType::AuthorizationCode => {
            let request = CodeRedemption {
                code: form.require("code", "code is required")?,
                redirect_uri: form.get("redirect_uri")?,
                verifier: form.get("code_verifier")?,
            };
            rules.authorization_code(client, &request).await
        }
        GrantType::RefreshToken => {
            let token = form.require("refresh_token", "refresh_token is required")?;
            rules.refresh(client, token, form.get("scope")?).await
        }
        GrantType::ClientCredentials => rules.client_credentials(client, form.get("scope")?).await,
    }
}

/// Redeems a code for the built-in demo RP, exactly as a POST to `/token` would.
pub(super) async fn redeem_for_demo(
    app: &AppState,
    client: &ClientConfig,
    code: &str,
    redirect_uri: &str,
    verifier: &str,
) -> Result<TokenResponse, ApiError> {
    let request = CodeRedemption {
        code,
        redirect_uri: Some(redirect_uri),
        verifier: Some(verifier),
    };
    TokenGrants::from_app(app)
        .authorization_code(client, &request)
        .await
}
