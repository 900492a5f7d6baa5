//! Form bodies as ordered pairs, so repeated parameters can be refused (RFC 6749 §3.1/§3.2).

use super::api_error::ApiError;
use axum::body::Bytes;
use axum::http::HeaderMap;
use portvakt_core::oauth_error::ErrorCode;

/// A parsed `application/x-www-form-urlencoded` body.
pub struct FormPairs(pub Vec<(String, String)>);

impl FormPairs {
    /// Parses a body, insisting on the form content type.
    pub fn parse(headers: &HeaderMap, body: &Bytes) -> Result<Self, ApiError> {
        if !crate::headers::is_form(headers) {
            return Err(ApiError::bad(
                ErrorCode::InvalidRequest,
                "the body must be application/x-www-form-urlencoded",
            ));
        }
        serde_urlencoded::from_bytes(body)
            .map(FormPairs)
            .map_err(|_| ApiError::bad(ErrorCode::InvalidRequest, "malformed form body"))
    }

    /// The single value of `name`; sent twice is `invalid_request`, empty is absent.
    pub fn get(&self, name: &str) -> Result<Option<&str>, ApiError> {
        let mut it = self.0.iter().filter(|(k, _)| k == name);
        let first = it.next().map(|(_, v)| v.as_str());
        if it.next().is_some() {
            return Err(ApiError::bad(
                ErrorCode::InvalidRequest,
                "a parameter was sent more than once",
            ));
        }
        Ok(first.filter(|v| !v.is_empty()))
    }

    /// Like `get`, but required.
    pub fn require(&self, name: &str, description: &'static str) -> Result<&str, ApiError> {
        self.get(name)?
            .ok_or(ApiError::bad(ErrorCode::InvalidRequest, description))
    }
}
