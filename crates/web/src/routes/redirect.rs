//! Responses that send the browser back to the client.

use crate::login::complete::client_url;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use portvakt_core::oauth_error::OAuthError;

/// 303 to `redirect_uri` with `params` added to its query, plus `iss` (RFC 9207 §2,
/// in every authorization response, errors too). 303 makes a POST become a GET (S19).
pub fn to_client(redirect_uri: &str, issuer: &str, params: &[(&str, &str)]) -> Response {
    match client_url(redirect_uri, issuer, params) {
        Some(url) => see_other(&url),
        None => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// An authorization error to the client (RFC 6749 §4.1.2.1), with `state` when sent.
pub fn error_to_client(
    redirect_uri: &str,
    issuer: &str,
    state: Option<&str>,
    error: &OAuthError,
) -> Response {
    let mut params = vec![
        ("error", error.code.as_str()),
        ("error_description", error.description),
    ];
    if let Some(s) = state {
        params.push(("state", s));
    }
    to_client(redirect_uri, issuer, &params)
}

/// 303 See Other.
pub fn see_other(location: &str) -> Response {
    let mut res = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(location) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}
