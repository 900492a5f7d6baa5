//! The development outbox (development profile only, and only when a gateway is the
//! outbox): `GET /dev/outbox` shows the SMS and e-mail Portvakt would have sent, newest
//! first, for a newcomer trying each login; `GET /dev/outbox.json` gives the same list
//! to tests and demos as `[{"channel","to","from","subject","text","lang","sent_at"}]`.

use crate::error::AppError;
use crate::state::AppState;
use crate::views;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use portvakt_core::i18n::Lang;
use portvakt_core::notify::outbox::{DevOutbox, OutboxEntry};
use serde::Deserialize;

/// The outbox routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/dev/outbox", get(page))
        .route("/dev/outbox.json", get(json))
}

#[derive(Deserialize)]
struct PageQuery {
    lang: Option<String>,
}

/// The router mounts these routes only when there is an outbox.
async fn messages(app: &AppState) -> Result<Vec<OutboxEntry>, AppError> {
    let outbox: &DevOutbox = app
        .outbox
        .as_ref()
        .ok_or_else(|| AppError::Internal("no development outbox".into()))?;
    outbox
        .messages()
        .await
        .map_err(|e| AppError::Unavailable(e.to_string()))
}

async fn page(State(app): State<AppState>, Query(q): Query<PageQuery>) -> Response {
    let lang = Lang::from_tag(q.lang.as_deref().unwrap_or("sv"));
    match messages(&app).await {
        Ok(list) => views::outbox::page(lang, &list, app.config.settings.demo.relying_party),
        Err(e) => e.into_response(),
    }
}

async fn json(State(app): State<AppState>) -> Response {
    match messages(&app).await {
        Ok(list) => {
            // Codes and links: no cache may keep them.
            let mut res = Json(list).into_response();
            crate::oidc::api_error::no_store(&mut res);
            res
        }
        Err(e) => e.into_response(),
    }
}
