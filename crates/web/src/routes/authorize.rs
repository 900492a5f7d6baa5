//! The authorization endpoint, GET and POST (OIDC Core §3.1.2.1: both must be supported).

use super::redirect::{error_to_client, see_other};
use crate::error::AppError;
use crate::login::LoginTransaction;
use crate::oidc::id_token_hint;
use crate::security::{browser_cookie, browser_cookie_name, read_cookie};
use crate::session;
use crate::state::AppState;
use crate::views::error_page;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use portvakt_core::authorize::{self, AuthorizeError, Prompt, UntrustedRequest, pick_language};
use portvakt_core::ids::AccountId;
use portvakt_core::oauth_error::{ErrorCode, OAuthError};
use portvakt_core::random::new_token;

/// `GET /authorize`.
pub async fn get(
    State(app): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, AppError> {
    let params = pairs(query.as_deref().unwrap_or("").as_bytes());
    handle(&app, &headers, params).await
}

/// `POST /authorize` with a form body (OIDC Core §3.1.2.1: form serialisation).
pub async fn post(
    State(app): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    if !crate::headers::is_form(&headers) {
        return Ok(error_page::render_bilingual(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "error.bad_form",
            Some("error.back_to_service"),
        ));
    }
    handle(&app, &headers, pairs(&body)).await
}

fn pairs(raw: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(raw).into_owned().collect()
}

fn untrusted_message(reason: UntrustedRequest) -> &'static str {
    match reason {
        UntrustedRequest::MissingClientId => "error.missing_client_id",
        UntrustedRequest::UnknownClient => "error.unknown_client",
        UntrustedRequest::MissingRedirectUri => "error.missing_redirect_uri",
        UntrustedRequest::UnregisteredRedirectUri => "error.bad_redirect_uri",
        UntrustedRequest::DuplicateParameter => "error.duplicate_parameter",
    }
}

async fn handle(
    app: &AppState,
    headers: &HeaderMap,
    params: Vec<(String, String)>,
) -> Result<Response, AppError> {
    let issuer = app.issuer();
    let request = match authorize::validate(&app.config, &params) {
        Ok(r) => r,
        Err(AuthorizeError::Page(reason)) => {
            let lang = pick_language(
                params
                    .iter()
                    .find(|(k, _)| k == "ui_locales")
                    .map(|(_, v)| v.as_str()),
            );
            return Ok(error_page::render(
                StatusCode::BAD_REQUEST,
                &lang,
                untrusted_message(reason),
                Some("error.back_to_service"),
            ));
        }
        Err(AuthorizeError::Redirect {
            redirect_uri,
            state,
            error,
        }) => {
            return Ok(error_to_client(
                &redirect_uri,
                issuer,
                state.as_deref(),
                &error,
            ));
        }
    };
    let fail = |code: ErrorCode, description: &'static str| {
        error_to_client(
            &request.redirect_uri,
            issuer,
            request.state.as_deref(),
            &OAuthError::new(code, description),
        )
    };
    let client = app
        .config
        .client(request.client_id.as_str())
        .ok_or_else(|| AppError::Internal("validated client vanished".into()))?;
    // Portvakt has no consent screen: registration is consent for first-party clients;
    // for others, prompt=consent cannot be honoured (OIDC Core §3.1.2.6).
    if request.has_prompt(Prompt::Consent) && !client.first_party {
        return Ok(fail(
            ErrorCode::ConsentRequired,
            "this provider cannot ask for consent",
        ));
    }
    let hint = match request.id_token_hint.as_deref() {
        None => None,
        Some(token) => match id_token_hint::verify(app, token) {
            Some(h) => Some(h),
            None => {
                return Ok(fail(
                    ErrorCode::InvalidRequest,
                    "id_token_hint is not an ID token issued here",
                ));
            }
        },
    };
    // Only this person may be answered: the `id_token_hint`'s subject, and a `sub` value
    // asked for in `claims` (OIDC Core §5.5.1: "MUST only send a positive response if
    // the End-User identified by that sub value has an active session or is
    // authenticated as a result of the request").
    let claimed_subs = request.requested_subs();
    let mut expected_sub: Vec<&AccountId> = hint.iter().map(|h| &h.sub).collect();
    expected_sub.extend(claimed_subs.iter());
    // Single sign-on: a live session that satisfies the request answers it silently.
    if let Some(url) =
        session::answer_silently(app, headers, client, &request, &expected_sub).await?
    {
        return Ok(see_other(&url));
    }
    if request.has_prompt(Prompt::None) {
        // No session, or one that does not satisfy the request (OIDC Core §3.1.2.6).
        return Ok(fail(ErrorCode::LoginRequired, "the user must sign in"));
    }
    let offered = app.methods.offered(&app.config, &request.acr_candidates);
    let Some(first) = offered.first() else {
        return Err(AppError::Internal(
            "no login method answers the client's acr values".into(),
        ));
    };
    let method = app
        .methods
        .get(&first.method)
        .ok_or_else(|| AppError::Internal(format!("method {} not registered", first.method)))?;
    let cookie_name = browser_cookie_name(&app.config.settings);
    let (browser, new_cookie) = match read_cookie(headers, cookie_name) {
        Some(b) if b.len() >= 43 => (b.to_owned(), false),
        _ => (new_token(), true),
    };
    let state = method.start(request.login_hint.as_deref())?;
    let tx = LoginTransaction::new(request, offered, state, &browser, app.clock.now());
    tx.create(app).await?;
    let mut res = see_other(&format!("/login/{}", tx.id));
    if new_cookie
        && let Ok(v) = HeaderValue::from_str(&browser_cookie(&app.config.settings, &browser))
    {
        res.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(res)
}
