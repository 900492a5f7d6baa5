//! `GET /start/{client_id}`: login initiated by a third party (OIDC Core §4). A school's
//! website publishes this stable link ("autologin" in seed 000); Portvakt sends the
//! browser to the client's registered `initiate_login_uri` with `iss` and, when given
//! and on the client's own origin, `target_link_uri`. The client then starts a normal
//! authorization request, whose default acr picks the method.

use crate::state::AppState;
use crate::views;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

/// The query `/start/{client_id}` takes.
#[derive(Debug, Deserialize)]
pub struct StartQuery {
    /// Where the user wants to end up at the client (OIDC Core §4 `target_link_uri`);
    /// passed on only when it is on the origin of the client's `initiate_login_uri`,
    /// so the link cannot send users elsewhere (an open redirect).
    target_link_uri: Option<String>,
}

/// `GET /start/{client_id}`: 303 to the client's `initiate_login_uri`; a 404 page for an
/// unknown client or one without the URI.
pub async fn start(
    State(app): State<AppState>,
    Path(client_id): Path<String>,
    Query(query): Query<StartQuery>,
) -> Response {
    let Some(mut target) = app
        .config
        .client(&client_id)
        .and_then(|c| c.initiate_login_uri.clone())
    else {
        return views::error_page::render_bilingual(
            StatusCode::NOT_FOUND,
            "start.unknown_client",
            None,
        );
    };
    let origin = target.origin();
    {
        let mut pairs = target.query_pairs_mut();
        pairs.append_pair("iss", app.issuer());
        if let Some(link) = query
            .target_link_uri
            .as_deref()
            .and_then(|l| url::Url::parse(l).ok())
            .filter(|l| l.origin() == origin)
        {
            pairs.append_pair("target_link_uri", link.as_str());
        }
    }
    let mut res = StatusCode::SEE_OTHER.into_response();
    if let Ok(location) = HeaderValue::from_str(target.as_str()) {
        res.headers_mut().insert(header::LOCATION, location);
    }
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}
