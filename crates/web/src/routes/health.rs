//! Liveness and readiness for load balancers.

use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;

/// `GET /healthz`: the process answers.
pub async fn live() -> &'static str {
    "ok"
}

/// `GET /readyz`: the database and the ephemeral store answer.
pub async fn ready(State(app): State<AppState>) -> (StatusCode, &'static str) {
    match app.readiness.check().await {
        Ok(()) => (StatusCode::OK, "ready"),
        Err(e) => {
            tracing::warn!(error = %e, "not ready");
            (StatusCode::SERVICE_UNAVAILABLE, "not ready")
        }
    }
}
