//! RP-Initiated Logout 1.0: the `end_session_endpoint`, GET and POST.
//!
//! With a valid `id_token_hint` (signed by us; expired is fine) the logout is the
//! client's: the session ends at once, and the browser goes to the
//! `post_logout_redirect_uri` if it is exactly one the hint's client registered (with
//! `state` and nothing else, S20), or sees "Du är utloggad". Anything else (no hint, a bad,
//! unsigned or foreign-signed hint, an unregistered or altered URI) never redirects: the
//! user is asked to confirm on our page (a CSRF-protected POST) and then sees the
//! logged-out page (S21).

use super::redirect::see_other;
use crate::error::AppError;
use crate::oidc::id_token_hint;
use crate::routes::login::with_cookie;
use crate::security::is_same_origin_post;
use crate::session::{self, Current};
use crate::state::AppState;
use crate::views::{error_page, logout};
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use portvakt_core::authorize::pick_language;
use portvakt_core::ephemeral::keys;
use portvakt_core::random::{new_token, token_hash};
use portvakt_core::secret::constant_time_eq;
use std::time::Duration;

/// `GET /logout`.
pub async fn get(
    State(app): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, AppError> {
    handle(&app, &headers, query.as_deref().unwrap_or("").as_bytes()).await
}

/// `POST /logout` (a form). An RP's form POST is cross-site, so the browser leaves the
/// `SameSite=Lax` session cookie out; answer with a GET of the same request, which
/// brings it along (a top-level GET navigation).
pub async fn post(
    State(app): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    if !body.is_empty() && !crate::headers::is_form(&headers) {
        return Ok(error_page::render_bilingual(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "error.bad_form",
            None,
        ));
    }
    let has_session_cookie =
        crate::security::read_cookie(&headers, session::cookie_name(&app)).is_some();
    if !has_session_cookie && !body.is_empty() {
        let query: String = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(url::form_urlencoded::parse(&body))
            .finish();
        return Ok(see_other(&format!("/logout?{query}")));
    }
    handle(&app, &headers, &body).await
}

fn first(pairs: &[(String, String)], name: &str) -> Option<String> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .filter(|v| !v.is_empty())
}

/// Ends `current` and, with a hint, the hint's own session if that is another one (the
/// same user, a client of it), with everything that follows: back-channel notices,
/// refresh tokens, audit.
async fn end_sessions(
    app: &AppState,
    current: Option<Current>,
    hint: Option<&id_token_hint::Hint>,
) -> Result<(), AppError> {
    if let Some(c) = current
        && let Some(s) = session::end(app, &c.key).await?
    {
        session::ended(app, &s).await;
    }
    if let Some(h) = hint
        && let Some(sid) = h.sid.as_deref()
        && let Some(s) = session::end_by_sid(app, sid, |s| {
            s.account_id == h.sub && s.clients.contains(&h.client_id)
        })
        .await?
    {
        session::ended(app, &s).await;
    }
    Ok(())
}

/// The parameters, each at most once (as at the authorization endpoint, RFC 6749
/// §3.1); `None` when one repeats.
fn single_pairs(raw: &[u8]) -> Option<Vec<(String, String)>> {
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(raw).into_owned().collect();
    let mut names: Vec<&str> = pairs.iter().map(|(k, _)| k.as_str()).collect();
    names.sort_unstable();
    (!names.windows(2).any(|w| w[0] == w[1])).then_some(pairs)
}

async fn handle(app: &AppState, headers: &HeaderMap, raw: &[u8]) -> Result<Response, AppError> {
    let Some(pairs) = single_pairs(raw) else {
        return Ok(error_page::render_bilingual(
            StatusCode::BAD_REQUEST,
            "error.duplicate_parameter",
            None,
        ));
    };
    let lang = pick_language(first(&pairs, "ui_locales").as_deref());
    let state = first(&pairs, "state");
    let redirect = first(&pairs, "post_logout_redirect_uri");
    let hint = first(&pairs, "id_token_hint").and_then(|t| id_token_hint::verify(app, &t));
    // client_id, when sent with a hint, must name the hint's client (§2).
    let hint =
        hint.filter(|h| first(&pairs, "client_id").is_none_or(|c| c == h.client_id.as_str()));
    let current = session::current(app, headers, None).await?;
    // A hint speaks for its own session only: a valid ID token of someone else (or of
    // another session) in a link must not log this browser out unasked.
    let hint = hint.filter(|h| match &current {
        None => true,
        Some(c) => h.sid.as_deref() == Some(c.session.sid.as_str()),
    });
    // The redirect is trusted only with a valid hint and an exactly registered URI.
    let target = match (&hint, &redirect) {
        (Some(h), Some(uri)) => app
            .config
            .client(h.client_id.as_str())
            .filter(|c| c.post_logout_redirect_uris.iter().any(|r| r.matches(uri)))
            .map(|_| uri.clone()),
        _ => None,
    };
    let hint_is_enough = hint.is_some() && (redirect.is_none() || target.is_some());
    if !hint_is_enough {
        if current.is_none() {
            // Nothing to end here.
            return Ok(with_cookie(
                logout::done(&lang),
                &session::clear_cookie(app),
            ));
        }
        return confirm_page(app, current.as_ref(), &lang).await;
    }
    end_sessions(app, current, hint.as_ref()).await?;
    let res = match target {
        Some(uri) => {
            // §3: redirect with state, and nothing else (no iss: it is not an
            // authorization response).
            let mut url = url::Url::parse(&uri).map_err(|_| {
                AppError::Internal("registered post-logout URI does not parse".into())
            })?;
            if let Some(s) = &state {
                url.query_pairs_mut().append_pair("state", s);
            }
            see_other(url.as_str())
        }
        None => logout::done(&lang),
    };
    Ok(with_cookie(res, &session::clear_cookie(app)))
}

/// The confirmation form; its token is bound to this browser's session.
async fn confirm_page(
    app: &AppState,
    current: Option<&Current>,
    lang: &str,
) -> Result<Response, AppError> {
    let token = new_token();
    let bound = current.map(|c| token_hash(&c.key)).unwrap_or_default();
    app.ephemeral
        .put_json(
            &keys::logout_confirm(&token),
            &bound,
            Duration::from_secs(600),
        )
        .await?;
    Ok(logout::confirm(lang, &token))
}

/// `POST /logout/confirm`: the user confirmed.
pub async fn confirm(
    State(app): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    if !is_same_origin_post(&headers, app.issuer()) {
        return Ok(error_page::render_bilingual(
            StatusCode::FORBIDDEN,
            "error.csrf",
            None,
        ));
    }
    let Some(pairs) = single_pairs(&body).filter(|_| crate::headers::is_form(&headers)) else {
        return Ok(error_page::render_bilingual(
            StatusCode::BAD_REQUEST,
            "error.bad_form",
            None,
        ));
    };
    let lang = pick_language(first(&pairs, "lang").as_deref());
    let Some(token) = first(&pairs, "token") else {
        return Ok(error_page::render(
            StatusCode::FORBIDDEN,
            &lang,
            "error.csrf",
            None,
        ));
    };
    let key = keys::logout_confirm(&token);
    let refused = || error_page::render(StatusCode::FORBIDDEN, &lang, "error.csrf", None);
    let Some(bound) = app.ephemeral.get_json::<String>(&key).await? else {
        return Ok(refused());
    };
    // The token belongs to the session it was shown to. Another session's token is
    // refused with no side effect at all: its session stays, this browser's cookie too.
    let Some(current) = session::current(&app, &headers, None).await? else {
        // This browser has no session (any more): nothing to end here, and the token,
        // which may be another browser's, stays unused.
        return Ok(with_cookie(
            logout::done(&lang),
            &session::clear_cookie(&app),
        ));
    };
    if !constant_time_eq(&token_hash(&current.key), &bound) {
        return Ok(refused());
    }
    // Single use: of two parallel confirmations one ends the session.
    if !app.ephemeral.take_once(&key).await? {
        return Ok(refused());
    }
    end_sessions(&app, Some(current), None).await?;
    Ok(with_cookie(
        logout::done(&lang),
        &session::clear_cookie(&app),
    ))
}
