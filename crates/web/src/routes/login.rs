//! The hosted login page: `GET` shows the active method's step (polling it first),
//! `POST` hands the form to the method and answers with 303 (S19): back to the page,
//! or to the client. `GET …/poll` is the same poll as JSON, for pages with script.

use super::redirect::{error_to_client, see_other};
use crate::error::AppError;
use crate::i18n::{self, t};
use crate::login::complete::{self, Next};
use crate::login::{Leave, LoginContext, LoginMethod, LoginTransaction, OfferedMethod, Outcome};
use crate::security::{browser_cookie_name, client_ip, is_same_origin_post, read_cookie};
use crate::session;
use crate::state::AppState;
use crate::views::error_page;
use crate::views::login::{LoginPage, Tab, render};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use portvakt_core::config::ClientConfig;
use portvakt_core::oauth_error::{ErrorCode, OAuthError};
use serde_json::json;
use std::net::SocketAddr;

/// Query of `GET /login/{tx}`: a tab switch and a language switch. Parsed by hand so
/// that no query, however malformed, gets anything but a page.
struct ShowQuery {
    method: Option<String>,
    lang: Option<String>,
}

impl ShowQuery {
    fn parse(raw: Option<&str>) -> Self {
        let pairs: Vec<(String, String)> =
            url::form_urlencoded::parse(raw.unwrap_or("").as_bytes())
                .into_owned()
                .collect();
        let first = |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        };
        ShowQuery {
            method: first("method"),
            lang: first("lang"),
        }
    }
}

/// Adds a `Set-Cookie` to a response.
pub fn with_cookie(mut res: Response, cookie: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(cookie) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

fn expired(lang: &str) -> Response {
    error_page::render(
        StatusCode::BAD_REQUEST,
        lang,
        "error.login_expired",
        Some("error.back_to_service"),
    )
}

/// A transaction with everything needed to run its active method.
struct Active<'a> {
    tx: LoginTransaction,
    client: &'a ClientConfig,
    offered: OfferedMethod,
    method: &'a dyn LoginMethod,
}

/// Loads the transaction, checks it belongs to this browser, and finds its method.
async fn load<'a>(
    app: &'a AppState,
    headers: &HeaderMap,
    id: &str,
) -> Result<Result<Active<'a>, Response>, AppError> {
    let Some(tx) = LoginTransaction::load(app, id).await? else {
        // Unknown or expired: no language to ask, so both.
        return Ok(Err(error_page::render_bilingual(
            StatusCode::BAD_REQUEST,
            "error.login_expired",
            Some("error.back_to_service"),
        )));
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
    let client = app
        .config
        .client(tx.request.client_id.as_str())
        .ok_or_else(|| AppError::Internal("client of a login transaction vanished".into()))?;
    let offered = tx
        .active_method()
        .cloned()
        .ok_or_else(|| AppError::Internal("transaction without a method".into()))?;
    let method = app
        .methods
        .get(&offered.method)
        .ok_or_else(|| AppError::Internal(format!("method {} not registered", offered.method)))?;
    Ok(Ok(Active {
        tx,
        client,
        offered,
        method,
    }))
}

fn context<'a>(
    app: &AppState,
    a: &'a Active<'a>,
    headers: &'a HeaderMap,
    peer: SocketAddr,
) -> LoginContext<'a> {
    LoginContext {
        client: a.client,
        method_id: &a.offered.method,
        transaction_id: &a.tx.id,
        client_ip: client_ip(headers, peer.ip(), &app.config.settings.trusted_proxies),
        browser_hash: &a.tx.browser_hash,
        lang: portvakt_core::i18n::Lang::from_tag(&a.tx.lang),
        user_agent: headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or(""),
        page_url: app.url(&format!("/login/{}", a.tx.id)),
    }
}

/// `GET /login/{tx}`.
pub async fn show(
    State(app): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, AppError> {
    let q = ShowQuery::parse(query.as_deref());
    let mut a = match load(&app, &headers, &id).await? {
        Ok(a) => a,
        Err(page) => return Ok(page),
    };
    let mut changed = false;
    if let Some(lang) = q.lang.as_deref().filter(|l| *l == "sv" || *l == "en") {
        changed |= a.tx.lang != lang;
        a.tx.lang = lang.to_owned();
    }
    // A tab click: switch to another offered method and start it afresh.
    if let Some(wanted) = &q.method
        && let Some(index) = a.tx.offered.iter().position(|o| &o.method == wanted)
        && index != a.tx.active
    {
        let method = app
            .methods
            .get(wanted)
            .ok_or_else(|| AppError::Internal(format!("method {wanted} not registered")))?;
        // The method left behind may have started something (an order, a code).
        let cx = context(&app, &a, &headers, peer);
        a.method
            .on_leave(&cx, &a.tx.method_state, Leave::Switched)
            .await?;
        a.tx.active = index;
        a.tx.method_state = method.start(a.tx.request.login_hint.as_deref())?;
        a.tx.flash = None;
        a.offered = a.tx.offered[index].clone();
        a.method = method;
        changed = true;
    }
    // A method waiting on something outside the browser may have moved on.
    let ctx = context(&app, &a, &headers, peer);
    let polled = a.method.poll(&ctx, &a.tx.method_state).await?;
    if let Some(outcome) = polled {
        let prior = session::current(&app, &headers, None).await?;
        let offered = a.offered.clone();
        match complete::apply(&app, &mut a.tx, &offered, a.method, outcome, prior).await? {
            Next::Client { url, cookie } => return Ok(with_cookie(see_other(&url), &cookie)),
            Next::Ended => return Ok(expired(&a.tx.lang)),
            Next::Page => {}
        }
    }
    let flash = a.tx.flash.take();
    if (changed || flash.is_some()) && !a.tx.save(&app).await? {
        return Ok(expired(&a.tx.lang));
    }
    page(&app, &a, flash.as_deref())
}

fn page(app: &AppState, a: &Active<'_>, flash: Option<&str>) -> Result<Response, AppError> {
    let tx = &a.tx;
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
        client: a.client,
        action: format!("/login/{}", tx.id),
        csrf: &tx.csrf,
        tabs,
        step: a.method.view(&tx.method_state)?,
        error: flash,
        lang_switch: format!("/login/{}?lang={}", tx.id, i18n::other(lang)),
        cancel: "login.cancel",
    }))
}

/// `POST /login/{tx}`.
pub async fn submit(
    State(app): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, AppError> {
    if !is_same_origin_post(&headers, app.issuer()) {
        return Ok(error_page::render_bilingual(
            StatusCode::FORBIDDEN,
            "error.csrf",
            None,
        ));
    }
    let mut a = match load(&app, &headers, &id).await? {
        Ok(a) => a,
        Err(page) => return Ok(page),
    };
    let form = match super::page_form::read(&headers, &body, &a.tx.csrf, &a.tx.lang) {
        Ok(form) => form,
        Err(page) => return Ok(*page),
    };
    if form.get("action").map(String::as_str) == Some("cancel") {
        let cx = context(&app, &a, &headers, peer);
        a.method
            .on_leave(&cx, &a.tx.method_state, Leave::Cancelled)
            .await?;
        a.tx.finish(&app).await?;
        let request = &a.tx.request;
        return Ok(error_to_client(
            &request.redirect_uri,
            app.issuer(),
            request.state.as_deref(),
            &OAuthError::new(ErrorCode::AccessDenied, "the user cancelled the sign-in"),
        ));
    }
    if let Some(wanted) = form.get("action").and_then(|a| a.strip_prefix("flow:")) {
        // "Har du problem att logga in?", "Skapa lösenord": one of the step's flows,
        // with what was typed.
        let step = a.method.view(&a.tx.method_state)?;
        if let Some(start) = step.flows.into_iter().find(|f| f.flow == wanted)
            && let Some(flow) = app.flows.get(&start.flow)
        {
            let hint = form
                .get(start.hint_field)
                .map(|h| h.trim())
                .filter(|h| !h.is_empty());
            let cookie = read_cookie(&headers, browser_cookie_name(&app.config.settings));
            return super::flow::begin(&app, &start.flow, flow, &a.tx, hint, cookie).await;
        }
    }
    // One POST of a login at a time: a double click (or a second tab) posting while the
    // first is being handled is shown the login as it stands, instead of racing it
    // (both checking one single-use code, the loser counted as a failure).
    let busy = format!("login-post:{}", a.tx.id);
    if !app.ephemeral.open_gate(&busy, POST_GATE).await? {
        return Ok(see_other(&format!("/login/{}", a.tx.id)));
    }
    let result = submit_method(&app, &mut a, &headers, peer, &form).await;
    app.ephemeral.release_gate(&busy).await?;
    result
}

/// How long a login's POST holds its gate at most (a request that dies holding it).
const POST_GATE: std::time::Duration = std::time::Duration::from_secs(10);

async fn submit_method(
    app: &AppState,
    a: &mut Active<'_>,
    headers: &HeaderMap,
    peer: SocketAddr,
    form: &crate::login::Form,
) -> Result<Response, AppError> {
    let ctx = context(app, a, headers, peer);
    let outcome = a.method.submit(&ctx, &a.tx.method_state, form).await?;
    let prior = session::current(app, headers, None).await?;
    let offered = a.offered.clone();
    Ok(
        match complete::apply(app, &mut a.tx, &offered, a.method, outcome, prior).await? {
            Next::Page => see_other(&format!("/login/{}", a.tx.id)),
            Next::Client { url, cookie } => with_cookie(see_other(&url), &cookie),
            Next::Ended => expired(&a.tx.lang),
        },
    )
}

/// `GET /login/{tx}/poll`: the waiting step as JSON, for `/assets/login-poll.js`:
/// `{"status": "waiting", "view": {"status": "…", "qr_svg": "<svg…>"}}` while the step
/// still waits (the page updates in place), `"changed"` when it shows another step or a
/// message (the page reloads), `"done"` with `redirect`, `"ended"`, or `"idle"` for a
/// step that does not wait (a form: nothing to poll).
pub async fn poll(
    State(app): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let mut a = match load(&app, &headers, &id).await? {
        Ok(a) => a,
        Err(_) => return Ok(Json(json!({ "status": "ended" })).into_response()),
    };
    let before = a.method.view(&a.tx.method_state)?;
    let ctx = context(&app, &a, &headers, peer);
    let outcome = a.method.poll(&ctx, &a.tx.method_state).await?;
    let moved = outcome.is_some();
    let failed = matches!(outcome, Some(Outcome::Failed { .. }));
    if let Some(outcome) = outcome {
        let prior = session::current(&app, &headers, None).await?;
        let offered = a.offered.clone();
        match complete::apply(&app, &mut a.tx, &offered, a.method, outcome, prior).await? {
            Next::Page => {}
            Next::Client { url, cookie } => {
                return Ok(with_cookie(
                    Json(json!({ "status": "done", "redirect": url })).into_response(),
                    &cookie,
                ));
            }
            Next::Ended => return Ok(Json(json!({ "status": "ended" })).into_response()),
        }
    }
    let step = a.method.view(&a.tx.method_state)?;
    // Another kind of page (a QR code appeared, the app link, other buttons): the
    // script cannot update it in place; the page reloads.
    let reshaped = before.image.is_some() != step.image.is_some()
        || before.app_link.is_some() != step.app_link.is_some()
        || before.buttons.len() != step.buttons.len()
        || before.alert != step.alert;
    if failed || reshaped || (moved && step.refresh_secs.is_none()) {
        return Ok(Json(json!({ "status": "changed" })).into_response());
    }
    if step.refresh_secs.is_none() {
        // A form, not a waiting step: nothing to poll.
        return Ok(Json(json!({ "status": "idle" })).into_response());
    }
    let lang = a.tx.lang.as_str();
    let view = json!({
        "status": step.status.as_ref().map(|s| crate::views::login::text(lang, s)),
        "qr_svg": step.image.as_ref().map(|i| i.svg.clone()),
        "qr_payload": step.image.as_ref().and_then(|i| i.payload.clone()),
    });
    Ok(Json(json!({ "status": "waiting", "view": view })).into_response())
}
