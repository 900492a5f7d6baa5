//! The hosted login page: `GET` shows the active method's step, `POST` hands the form
//! to the method and answers with 303 (S19): back to the page, or to the client.

use super::redirect::{error_to_client, see_other, to_client};
use crate::error::AppError;
use crate::i18n::{self, t};
use crate::login::{Form, LoginContext, LoginTransaction, Outcome};
use crate::security::{browser_cookie_name, is_same_origin_post, read_cookie};
use crate::state::AppState;
use crate::views::error_page;
use crate::views::login::{LoginPage, Tab, render};
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use portvakt_core::grant::AuthorizationCode;
use portvakt_core::ids::GrantId;
use portvakt_core::oauth_error::{ErrorCode, OAuthError};
use portvakt_core::random::new_token;
use portvakt_core::secret::constant_time_eq;
use portvakt_core::time::UnixTime;
use serde::Deserialize;
use std::time::Duration;

/// Query of `GET /login/{tx}`.
#[derive(Debug, Deserialize)]
pub struct ShowQuery {
    method: Option<String>,
    lang: Option<String>,
}

fn expired(lang: &str) -> Response {
    error_page::render(
        StatusCode::BAD_REQUEST,
        lang,
        "error.login_expired",
        Some("error.back_to_service"),
    )
}

/// Loads the transaction and checks it belongs to this browser.
async fn load(
    app: &AppState,
    headers: &HeaderMap,
    id: &str,
) -> Result<Result<LoginTransaction, Response>, AppError> {
    let Some(tx) = LoginTransaction::load(app, id).await? else {
        return Ok(Err(expired("sv")));
    };
    let cookie = read_cookie(headers, browser_cookie_name(&app.config.settings));
    if !tx.is_bound_to(cookie) {
        return Ok(Err(error_page::render(
            StatusCode::BAD_REQUEST,
            &tx.lang,
            "error.wrong_browser",
            None,
        )));
    }
    Ok(Ok(tx))
}

/// `GET /login/{tx}`.
pub async fn show(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<ShowQuery>,
) -> Result<Response, AppError> {
    let mut tx = match load(&app, &headers, &id).await? {
        Ok(tx) => tx,
        Err(page) => return Ok(page),
    };
    let mut changed = false;
    if let Some(lang) = q.lang.as_deref().filter(|l| *l == "sv" || *l == "en") {
        changed |= tx.lang != lang;
        tx.lang = lang.to_owned();
    }
    // A tab click: switch to another offered method and start it afresh.
    if let Some(wanted) = &q.method
        && let Some(index) = tx.offered.iter().position(|o| &o.method == wanted)
        && index != tx.active
    {
        let method = app
            .methods
            .get(wanted)
            .ok_or_else(|| AppError::Internal(format!("method {wanted} not registered")))?;
        tx.active = index;
        tx.method_state = method.start(tx.request.login_hint.as_deref());
        tx.flash = None;
        changed = true;
    }
    let flash = tx.flash.take();
    if changed || flash.is_some() {
        tx.save(&app).await?;
    }
    page(&app, &tx, flash.as_deref())
}

fn page(app: &AppState, tx: &LoginTransaction, flash: Option<&str>) -> Result<Response, AppError> {
    let client = app
        .config
        .client(tx.request.client_id.as_str())
        .ok_or_else(|| AppError::Internal("client of a login transaction vanished".into()))?;
    let active = tx
        .active_method()
        .ok_or_else(|| AppError::Internal("transaction without a method".into()))?;
    let method = app
        .methods
        .get(&active.method)
        .ok_or_else(|| AppError::Internal(format!("method {} not registered", active.method)))?;
    let lang = tx.lang.as_str();
    let tabs = tx
        .offered
        .iter()
        .enumerate()
        .map(|(i, o)| {
            let configured = app
                .config
                .settings
                .methods
                .get(&o.method)
                .and_then(|m| m.label());
            let label = match (configured, app.methods.get(&o.method)) {
                (Some(l), _) => l.get(lang).to_owned(),
                (None, Some(m)) => t(lang, m.label()).to_owned(),
                (None, None) => o.method.clone(),
            };
            Tab {
                href: format!("/login/{}?method={}", tx.id, o.method),
                label,
                current: i == tx.active,
            }
        })
        .collect();
    Ok(render(LoginPage {
        lang,
        client,
        action: format!("/login/{}", tx.id),
        csrf: &tx.csrf,
        tabs,
        step: method.view(&tx.method_state),
        error: flash,
        lang_switch: format!("/login/{}?lang={}", tx.id, i18n::other(lang)),
    }))
}

/// `POST /login/{tx}`.
pub async fn submit(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, AppError> {
    if !is_same_origin_post(&headers, app.issuer()) {
        return Ok(error_page::render(
            StatusCode::FORBIDDEN,
            "sv",
            "error.csrf",
            None,
        ));
    }
    let mut tx = match load(&app, &headers, &id).await? {
        Ok(tx) => tx,
        Err(page) => return Ok(page),
    };
    let form: Form = url::form_urlencoded::parse(&body).into_owned().collect();
    let csrf_ok = form
        .get("csrf")
        .is_some_and(|c| constant_time_eq(c, &tx.csrf));
    if !csrf_ok {
        return Ok(error_page::render(
            StatusCode::FORBIDDEN,
            &tx.lang,
            "error.csrf",
            None,
        ));
    }
    let request = tx.request.clone();
    if form.get("action").map(String::as_str) == Some("cancel") {
        tx.finish(&app).await?;
        return Ok(error_to_client(
            &request.redirect_uri,
            app.issuer(),
            request.state.as_deref(),
            &OAuthError::new(ErrorCode::AccessDenied, "the user cancelled the sign-in"),
        ));
    }
    let client = app
        .config
        .client(request.client_id.as_str())
        .ok_or_else(|| AppError::Internal("client of a login transaction vanished".into()))?;
    let active = tx
        .active_method()
        .cloned()
        .ok_or_else(|| AppError::Internal("transaction without a method".into()))?;
    let method = app
        .methods
        .get(&active.method)
        .ok_or_else(|| AppError::Internal(format!("method {} not registered", active.method)))?;
    let ctx = LoginContext {
        app: &app,
        client,
        method_id: &active.method,
    };
    let back = format!("/login/{}", tx.id);
    match method.submit(&ctx, tx.method_state.clone(), &form).await? {
        Outcome::Continue(state) => {
            tx.method_state = state;
            tx.save(&app).await?;
            Ok(see_other(&back))
        }
        Outcome::Failed { state, message } => {
            tx.method_state = state;
            tx.flash = Some(message.to_owned());
            tx.save(&app).await?;
            Ok(see_other(&back))
        }
        Outcome::Authenticated(user) => {
            // Only one POST may finish a transaction (a double click must not mint two codes).
            if !tx.finish(&app).await? {
                return Ok(expired(&tx.lang));
            }
            let now = UnixTime::now();
            let record = AuthorizationCode {
                grant_id: GrantId::generate(),
                client_id: request.client_id.clone(),
                redirect_uri: request.redirect_uri.clone(),
                code_challenge: request.code_challenge.clone(),
                nonce: request.nonce.clone(),
                account_id: user.account_id,
                scope: request.scope.to_string(),
                claims: request.claims.clone(),
                acr: active.acr.clone(),
                amr: user.amr,
                auth_time: now,
                sid: new_token(),
                auth_time_required: request.max_age.is_some(),
            };
            let ttl = Duration::from_secs(app.config.settings.tokens.code_ttl_secs);
            let code = app.ephemeral.issue_code(&record, ttl).await?;
            let mut params = vec![("code", code.as_str())];
            if let Some(s) = request.state.as_deref() {
                params.push(("state", s));
            }
            Ok(to_client(&request.redirect_uri, app.issuer(), &params))
        }
    }
}
