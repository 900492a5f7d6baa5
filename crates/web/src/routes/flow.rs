//! Flows outside a login transaction (`crate::flows`): started from a login page or
//! opened from an e-mail link; each step a page on the login layout, each POST a 303
//! (PRG), every form with the flow's CSRF token and a same-origin check (S25).

use super::login::with_cookie;
use super::redirect::see_other;
use crate::error::AppError;
use crate::flows::transaction::FlowTransaction;
use crate::flows::{FlowContext, FlowOutcome, PageFlow};
use crate::login::LoginTransaction;
use crate::security::{
    browser_cookie, browser_cookie_name, client_ip, is_same_origin_post, read_cookie,
};
use crate::state::AppState;
use crate::views::error_page;
use crate::views::login::{LoginPage, render};
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use portvakt_core::config::ClientConfig;
use portvakt_core::i18n::Lang;
use portvakt_core::random::new_token;
use serde::Deserialize;
use std::net::SocketAddr;

/// Query of `GET /flow/{flow}/start`.
#[derive(Deserialize)]
pub struct StartQuery {
    /// The login transaction it is started from.
    login: String,
    /// An identifier to prefill (the username typed on the login page).
    hint: Option<String>,
}

fn expired(lang: &str) -> Response {
    error_page::render(
        StatusCode::BAD_REQUEST,
        lang,
        "error.flow_expired",
        Some("error.back_to_service"),
    )
}

/// This browser's cookie, and the `Set-Cookie` for a new one when it has none.
fn browser(app: &AppState, headers: &HeaderMap) -> (String, Option<String>) {
    match read_cookie(headers, browser_cookie_name(&app.config.settings)) {
        Some(b) if b.len() >= 43 => (b.to_owned(), None),
        _ => {
            let b = new_token();
            let cookie = browser_cookie(&app.config.settings, &b);
            (b, Some(cookie))
        }
    }
}

fn client<'a>(app: &'a AppState, tx: &FlowTransaction) -> Result<&'a ClientConfig, AppError> {
    app.config
        .client(tx.client_id.as_str())
        .ok_or_else(|| AppError::Internal("the client of a flow vanished".into()))
}

fn flow<'a>(app: &'a AppState, id: &str) -> Result<&'a dyn PageFlow, AppError> {
    app.flows
        .get(id)
        .ok_or_else(|| AppError::Internal(format!("flow {id} not registered")))
}

/// `GET /flow/{flow}/start?login={tx}&hint=…`: from a login page, in its language and
/// for its client, with the way back to it.
pub async fn start(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(flow_id): Path<String>,
    Query(q): Query<StartQuery>,
) -> Result<Response, AppError> {
    let Some(flow) = app.flows.get(&flow_id) else {
        return Ok(error_page::render_bilingual(
            StatusCode::NOT_FOUND,
            "error.not_found",
            None,
        ));
    };
    let cookie = read_cookie(&headers, browser_cookie_name(&app.config.settings));
    let login = match LoginTransaction::load(&app, &q.login).await? {
        Some(tx) if tx.is_bound_to(cookie) => tx,
        _ => {
            return Ok(error_page::render_bilingual(
                StatusCode::BAD_REQUEST,
                "error.login_expired",
                Some("error.back_to_service"),
            ));
        }
    };
    begin(&app, &flow_id, flow, &login, q.hint.as_deref(), cookie).await
}

/// Starts `flow` from the login `login` (its client, language and a way back) with
/// `hint` prefilling its first step, and sends the browser to it.
pub(crate) async fn begin(
    app: &AppState,
    flow_id: &str,
    flow: &dyn PageFlow,
    login: &LoginTransaction,
    hint: Option<&str>,
    cookie: Option<&str>,
) -> Result<Response, AppError> {
    let step = flow.start(hint)?;
    let tx = FlowTransaction::new(
        flow_id,
        login.request.client_id.clone(),
        step,
        &login.lang,
        Some(format!("/login/{}", login.id)),
        cookie.unwrap_or_default(),
        app.clock.now(),
    );
    tx.create(app).await?;
    Ok(see_other(&format!("/flow/{}", tx.id)))
}

/// Loads a flow transaction of this browser.
async fn load(
    app: &AppState,
    headers: &HeaderMap,
    id: &str,
) -> Result<Result<FlowTransaction, Response>, AppError> {
    let Some(tx) = FlowTransaction::load(app, id).await? else {
        return Ok(Err(error_page::render_bilingual(
            StatusCode::BAD_REQUEST,
            "error.flow_expired",
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
    Ok(Ok(tx))
}

/// Query of `GET /flow/{id}`: a language switch.
#[derive(Deserialize)]
pub struct ShowQuery {
    lang: Option<String>,
}

/// `GET /flow/{id}`: the current step.
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
        changed = tx.lang != lang;
        tx.lang = lang.to_owned();
    }
    let flash = tx.flash.take();
    if (changed || flash.is_some()) && !tx.save(&app).await? {
        return Ok(expired(&tx.lang));
    }
    let flow = flow(&app, &tx.flow)?;
    let mut step = flow.view(&tx.step)?;
    step.heading = step.heading.or(Some(flow.title()));
    let lang = tx.lang.as_str();
    Ok(render(LoginPage {
        lang,
        client: client(&app, &tx)?,
        action: format!("/flow/{}", tx.id),
        csrf: &tx.csrf,
        tabs: Vec::new(),
        step,
        error: flash.as_deref(),
        lang_switch: format!(
            "/flow/{}?lang={}",
            tx.id,
            if lang == "en" { "sv" } else { "en" }
        ),
        cancel: if tx.back_to.is_some() {
            "flow.back_to_login"
        } else {
            "flow.cancel"
        },
    }))
}

/// `POST /flow/{id}`.
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
    let mut tx = match load(&app, &headers, &id).await? {
        Ok(tx) => tx,
        Err(page) => return Ok(page),
    };
    let form = match super::page_form::read(&headers, &body, &tx.csrf, &tx.lang) {
        Ok(form) => form,
        Err(page) => return Ok(*page),
    };
    let flow = flow(&app, &tx.flow)?;
    let client = client(&app, &tx)?;
    if form.get("action").map(String::as_str) == Some("cancel") {
        tx.finish(&app).await?;
        return Ok(match &tx.back_to {
            Some(back) => see_other(back),
            None => crate::views::flow::done(
                &tx.lang,
                client,
                flow.title(),
                "flow.cancelled",
                None,
                "flow.back_to_login",
            ),
        });
    }
    let signed_in = crate::session::current(&app, &headers, Some(client))
        .await?
        .map(|c| crate::flows::SignedIn {
            account_id: c.session.account_id.clone(),
            methods: std::iter::once(&c.session.auth)
                .chain(c.session.earlier.iter())
                .map(|a| a.method.clone())
                .collect(),
        });
    let cx = FlowContext {
        signed_in,
        client,
        flow_id: &tx.flow,
        transaction_id: &tx.id,
        client_ip: client_ip(&headers, peer.ip(), &app.config.settings.trusted_proxies),
        browser_hash: &tx.browser_hash,
        lang: Lang::from_tag(&tx.lang),
        links: &app.links,
    };
    // One POST of a flow at a time (see the login's): a double click sees the flow as
    // it stands instead of racing a single-use code.
    let busy = format!("flow-post:{}", tx.id);
    if !app
        .ephemeral
        .open_gate(&busy, std::time::Duration::from_secs(10))
        .await?
    {
        return Ok(see_other(&format!("/flow/{}", tx.id)));
    }
    let outcome = flow.submit(&cx, &tx.step, &form).await;
    let response: Result<Response, AppError> = async {
        match outcome? {
            FlowOutcome::Continue(step) => {
                tx.step = step;
                tx.flash = None;
            }
            FlowOutcome::Failed { step, message } => {
                tx.step = step;
                tx.flash = Some(message.to_owned());
            }
            FlowOutcome::Done { message } => {
                // One request finishes a flow: a double click does not do it twice.
                if !tx.finish(&app).await? {
                    return Ok(expired(&tx.lang));
                }
                // A flow opened from an e-mail has no login to return to: the
                // client's own start (OIDC Core §4), when it has one.
                let start = format!("/start/{}", client.client_id);
                let back = tx.back_to.as_deref().or(client
                    .initiate_login_uri
                    .is_some()
                    .then_some(start.as_str()));
                return Ok(crate::views::flow::done(
                    &tx.lang,
                    client,
                    flow.title(),
                    message,
                    back,
                    flow.done_label(),
                ));
            }
        }
        Ok(if tx.save(&app).await? {
            see_other(&format!("/flow/{}", tx.id))
        } else {
            expired(&tx.lang)
        })
    }
    .await;
    app.ephemeral.release_gate(&busy).await?;
    response
}

/// `GET /link/{token}`: the page a link from an e-mail opens. It does not spend the
/// link (mail scanners fetch links); its button does.
pub async fn link_page(
    State(app): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let record = app
        .ephemeral
        .get_json::<crate::flows::links::LinkRecord>(&portvakt_core::ephemeral::keys::flow_link(
            &token,
        ))
        .await?;
    let Some(record) = record else {
        return Ok(error_page::render_bilingual(
            StatusCode::BAD_REQUEST,
            "error.link_used",
            None,
        ));
    };
    let Some(client) = app.config.client(record.client_id.as_str()) else {
        return Err(AppError::Internal("the client of a link vanished".into()));
    };
    Ok(crate::views::flow::link(
        &record.lang,
        client,
        &format!("/link/{token}"),
    ))
}

/// `POST /link/{token}`: spends the link and opens its step in this browser.
pub async fn link_open(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    if !is_same_origin_post(&headers, app.issuer()) {
        return Ok(error_page::render_bilingual(
            StatusCode::FORBIDDEN,
            "error.csrf",
            None,
        ));
    }
    let Some(record) = app.links.spend(&token).await? else {
        return Ok(error_page::render_bilingual(
            StatusCode::BAD_REQUEST,
            "error.link_used",
            None,
        ));
    };
    if app.flows.get(&record.flow).is_none()
        || app.config.client(record.client_id.as_str()).is_none()
    {
        return Err(AppError::Internal(format!(
            "a link into flow {} that cannot be served",
            record.flow
        )));
    }
    let (browser, new_cookie) = browser(&app, &headers);
    let lang = Lang::from_tag(&record.lang).as_str();
    let tx = FlowTransaction::new(
        &record.flow,
        record.client_id,
        record.step,
        lang,
        None,
        &browser,
        app.clock.now(),
    );
    tx.create(&app).await?;
    let res = see_other(&format!("/flow/{}", tx.id));
    Ok(match new_cookie {
        Some(cookie) => with_cookie(res, &cookie),
        None => res,
    })
}
