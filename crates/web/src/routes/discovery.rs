//! OpenID Provider metadata (OIDC Discovery §3, RFC 8414) and the JWKS.

use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use portvakt_core::claims::{supported_claims, supported_scopes};
use serde_json::json;

/// `GET /.well-known/openid-configuration`.
pub async fn configuration(State(app): State<AppState>) -> Response {
    let algs = &app.config.settings.keys.algorithms;
    let auth_methods = [
        "client_secret_basic",
        "client_secret_post",
        "private_key_jwt",
        "none",
    ];
    let doc = json!({
        "issuer": app.issuer(),
        "authorization_endpoint": app.url("/authorize"),
        "token_endpoint": app.url("/token"),
        "userinfo_endpoint": app.url("/userinfo"),
        "jwks_uri": app.url("/jwks.json"),
        "introspection_endpoint": app.url("/introspect"),
        "revocation_endpoint": app.url("/revoke"),
        "end_session_endpoint": app.url("/logout"),
        "backchannel_logout_supported": true,
        "backchannel_logout_session_supported": true,
        "frontchannel_logout_supported": false,
        "scopes_supported": supported_scopes(),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": algs,
        "userinfo_signing_alg_values_supported": algs,
        "token_endpoint_auth_methods_supported": auth_methods,
        "token_endpoint_auth_signing_alg_values_supported": portvakt_jose::ALGORITHMS,
        "introspection_endpoint_auth_methods_supported": &auth_methods[..3],
        "revocation_endpoint_auth_methods_supported": auth_methods,
        "claims_supported": supported_claims(),
        "claims_parameter_supported": true,
        "claim_types_supported": ["normal"],
        "request_parameter_supported": false,
        "request_uri_parameter_supported": false,
        "code_challenge_methods_supported": ["S256"],
        "acr_values_supported": app.config.acr_values_supported(),
        "prompt_values_supported": ["none", "login", "consent", "select_account"],
        "display_values_supported": ["page", "popup", "touch"],
        "ui_locales_supported": ["sv", "en"],
        "claims_locales_supported": ["sv", "en"],
        "authorization_response_iss_parameter_supported": true,
    });
    let mut res = Json(doc).into_response();
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    res
}

/// `GET /jwks.json`: every published public key with its `kid` (OIDC Core §10.1).
pub async fn jwks(State(app): State<AppState>) -> Response {
    let mut res = Json(app.keys.current().jwks(app.clock.now())).into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/jwk-set+json"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    res
}
