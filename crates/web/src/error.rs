//! Failures that are not the user's or client's fault, mapped to responses in one place.
//! The cause is logged once here and never shown (house style §3).

use crate::views;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use portvakt_core::ports::StoreError;

/// An unexpected failure while serving a page.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// A backend is down: 503, nothing half-done (S46).
    #[error("backend unavailable: {0}")]
    Unavailable(String),
    /// A bug or corrupt data: 500.
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Unavailable(m) => AppError::Unavailable(m),
            other => AppError::Internal(other.to_string()),
        }
    }
}

impl From<portvakt_jose::JoseError> for AppError {
    fn from(e: portvakt_jose::JoseError) -> Self {
        AppError::Internal(e.to_string())
    }
}

impl AppError {
    /// Logs the cause and returns the status to answer with.
    pub fn log_and_status(&self) -> StatusCode {
        match self {
            AppError::Unavailable(cause) => {
                tracing::error!(%cause, "backend unavailable");
                StatusCode::SERVICE_UNAVAILABLE
            }
            AppError::Internal(cause) => {
                tracing::error!(%cause, "internal error");
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }
}

/// On a page: an error page in Swedish with English below (no language is known here).
impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.log_and_status();
        let key = if status == StatusCode::SERVICE_UNAVAILABLE {
            "error.unavailable"
        } else {
            "error.internal"
        };
        views::error_page::render_bilingual(status, key, None)
    }
}
