//! Errors of the JSON endpoints in the RFC 6749 §5.2 shape, with `Cache-Control: no-store`.

use crate::error::AppError;
use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use portvakt_core::oauth_error::{ErrorCode, OAuthError};
use portvakt_core::ports::StoreError;
use serde_json::json;

/// An error answer of the token, userinfo, introspection or revocation endpoint.
#[derive(Debug)]
pub enum ApiError {
    /// A protocol error for the client.
    OAuth {
        /// 400, or 401 for client authentication and bad bearer tokens.
        status: StatusCode,
        /// The error.
        error: OAuthError,
        /// `WWW-Authenticate` (RFC 6749 §5.2, RFC 6750 §3).
        www_authenticate: Option<&'static str>,
    },
    /// Our failure: 503 `temporarily_unavailable` or 500 `server_error`, cause logged.
    App(AppError),
}

impl ApiError {
    /// 400 with `code`.
    pub fn bad(code: ErrorCode, description: &'static str) -> Self {
        ApiError::OAuth {
            status: StatusCode::BAD_REQUEST,
            error: OAuthError::new(code, description),
            www_authenticate: None,
        }
    }

    /// `invalid_grant`.
    pub fn invalid_grant(description: &'static str) -> Self {
        Self::bad(ErrorCode::InvalidGrant, description)
    }

    /// 401 `invalid_client` (RFC 6749 §5.2).
    pub fn invalid_client(description: &'static str) -> Self {
        ApiError::OAuth {
            status: StatusCode::UNAUTHORIZED,
            error: OAuthError::new(ErrorCode::InvalidClient, description),
            www_authenticate: Some("Basic realm=\"portvakt\""),
        }
    }

    /// 401 `invalid_token` for a bad bearer token (RFC 6750 §3.1).
    pub fn invalid_token(description: &'static str) -> Self {
        ApiError::OAuth {
            status: StatusCode::UNAUTHORIZED,
            error: OAuthError::new(ErrorCode::InvalidToken, description),
            www_authenticate: Some("Bearer error=\"invalid_token\""),
        }
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        ApiError::App(e)
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        ApiError::App(e.into())
    }
}

impl From<portvakt_jose::JoseError> for ApiError {
    fn from(e: portvakt_jose::JoseError) -> Self {
        ApiError::App(e.into())
    }
}

/// `Cache-Control: no-store` and `Pragma: no-cache` (RFC 6749 §5.1).
pub fn no_store(res: &mut Response) {
    let h = res.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut res = match self {
            ApiError::OAuth {
                status,
                error,
                www_authenticate,
            } => {
                let mut res = (
                    status,
                    Json(json!({
                        "error": error.code.as_str(),
                        "error_description": error.description,
                    })),
                )
                    .into_response();
                if let Some(v) = www_authenticate {
                    res.headers_mut()
                        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(v));
                }
                res
            }
            ApiError::App(e) => {
                let status = e.log_and_status();
                let code = if status == StatusCode::SERVICE_UNAVAILABLE {
                    ErrorCode::TemporarilyUnavailable
                } else {
                    ErrorCode::ServerError
                };
                (status, Json(json!({ "error": code.as_str() }))).into_response()
            }
        };
        no_store(&mut res);
        res
    }
}
