//! Liveness and readiness for load balancers.

use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;

/// `GET /healthz`: the process answers.
pub async fn live() -> &'static str {
    "ok"
}

/// `GET /readyz`: the database and the ephemeral store answer. Under "ready", one line
/// per fact an operator watches (each BankID RP certificate's expiry).
pub async fn ready(State(app): State<AppState>) -> (StatusCode, String) {
    match app.readiness.check().await {
        Ok(()) => {
            let mut body = "ready\n".to_owned();
            if let Ok(lines) = app.status.read() {
                for line in lines.iter() {
                    body.push_str(line);
                    body.push('\n');
                }
            }
            (StatusCode::OK, body)
        }
        Err(e) => {
            tracing::warn!(error = %e, "not ready");
            (StatusCode::SERVICE_UNAVAILABLE, "not ready".to_owned())
        }
    }
}
