//! The router: every path Portvakt answers, and the layers around them.

mod authorize;
mod demo;
mod discovery;
mod flow;
mod health;
pub(crate) mod introspect;
pub(crate) mod login;
mod logout;
mod outbox;
mod page_form;
mod redirect;
mod revoke;
mod start;
mod token;
mod userinfo;

use crate::security;
use crate::state::AppState;
use crate::views;
use axum::Router;
use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use portvakt_core::config::Profile;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

/// Builds the application.
pub fn router(state: AppState) -> Router {
    let https = !state.config.settings.is_plain_http();
    let demo = state.config.settings.profile == Profile::Development
        && state.config.settings.demo.relying_party;
    let request_timeout =
        std::time::Duration::from_secs(state.config.settings.http.request_timeout_secs);
    let mut app = Router::new()
        .route(
            "/.well-known/openid-configuration",
            get(discovery::configuration),
        )
        .route("/jwks.json", get(discovery::jwks))
        .route("/authorize", get(authorize::get).post(authorize::post))
        .route("/login/{tx}", get(login::show).post(login::submit))
        .route("/login/{tx}/poll", get(login::poll))
        .route("/flow/{flow}/start", get(flow::start))
        .route("/flow/{id}", get(flow::show).post(flow::submit))
        .route("/link/{token}", get(flow::link_page).post(flow::link_open))
        .route("/start/{client_id}", get(start::start))
        .route("/logout", get(logout::get).post(logout::post))
        .route("/logout/confirm", post(logout::confirm))
        .route("/token", post(token::token))
        .route("/userinfo", get(userinfo::get).post(userinfo::post))
        .route("/introspect", post(introspect::introspect))
        .route("/revoke", post(revoke::revoke))
        .route("/assets/portvakt.css", get(stylesheet))
        .route("/assets/login-poll.js", get(poll_script))
        .route("/healthz", get(health::live))
        .route("/readyz", get(health::ready));
    if demo {
        app = app.merge(demo::routes());
    }
    if state.config.settings.profile == Profile::Development && state.outbox.is_some() {
        app = app.merge(outbox::routes());
    }
    app.fallback(not_found)
        .layer(axum::middleware::from_fn(move |req, next| {
            security::headers(https, req, next)
        }))
        .layer(RequestBodyLimitLayer::new(64 * 1024))
        // Slow-client defence, second half (the first is the header-read timeout of the
        // connection, in the server crate): a request whose body trickles in, or whose
        // handling hangs, is answered 408 after `http.request_timeout_secs`.
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            request_timeout,
        ))
        // The span names the route pattern, never the URI: paths and queries can
        // carry transaction ids and codes (S44).
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request| {
            let path = req
                .extensions()
                .get::<MatchedPath>()
                .map(|p| p.as_str().to_owned())
                .unwrap_or_else(|| "-".into());
            tracing::info_span!("request", method = %req.method(), route = %path)
        }))
        .with_state(state)
}

async fn poll_script() -> Response {
    asset(views::layout::POLL_SCRIPT, "text/javascript; charset=utf-8")
}

async fn stylesheet() -> Response {
    asset(views::layout::STYLESHEET, "text/css; charset=utf-8")
}

/// A static file built into the binary, cached for an hour.
fn asset(body: &'static str, content_type: &'static str) -> Response {
    let mut res = body.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    res
}

async fn not_found() -> Response {
    views::error_page::render_bilingual(StatusCode::NOT_FOUND, "error.not_found", None)
}
