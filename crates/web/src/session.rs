//! The single sign-on session: a secret cookie key naming a [`Session`] record in the
//! ephemeral store (Redis in production), plus an index from the public `sid`, so any
//! instance can find, extend or end it. The key changes at every login and step-up (S26).

use crate::error::AppError;
use crate::state::AppState;
use axum::http::HeaderMap;
use portvakt_core::authorize::AuthorizationRequest;
use portvakt_core::config::ClientConfig;
use portvakt_core::ids::{AccountId, ClientId};
use portvakt_core::random::{new_token, token_hash};
use portvakt_core::session::{Reuse, Session, SessionAuth, reuse};
use portvakt_core::time::UnixTime;
use std::time::Duration;

/// The session cookie's name: `__Host-` on https, plain on development http.
pub fn cookie_name(app: &AppState) -> &'static str {
    if app.config.settings.is_plain_http() {
        "portvakt-session"
    } else {
        "__Host-portvakt-session"
    }
}

/// `Set-Cookie` for a session key (a browser-session cookie: it ends with the browser).
pub fn set_cookie(app: &AppState, key: &str) -> String {
    let secure = if app.config.settings.is_plain_http() {
        ""
    } else {
        "; Secure"
    };
    format!(
        "{}={key}; Path=/; HttpOnly; SameSite=Lax{secure}",
        cookie_name(app)
    )
}

/// `Set-Cookie` that removes the session cookie.
pub fn clear_cookie(app: &AppState) -> String {
    let secure = if app.config.settings.is_plain_http() {
        ""
    } else {
        "; Secure"
    };
    format!(
        "{}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}",
        cookie_name(app)
    )
}

use portvakt_core::ephemeral::keys::{session as record_key, session_sid as sid_key};

/// The session a request carries, with its cookie key.
#[derive(Debug, Clone)]
pub struct Current {
    /// The cookie's value.
    pub key: String,
    /// The record.
    pub session: Session,
}

/// The request's session, if it has one that is alive for `client` (whose own timeouts
/// may be shorter than the deployment's).
pub async fn current(
    app: &AppState,
    headers: &HeaderMap,
    client: Option<&ClientConfig>,
) -> Result<Option<Current>, AppError> {
    let Some(key) = crate::security::read_cookie(headers, cookie_name(app)) else {
        return Ok(None);
    };
    let Some(session) = app.ephemeral.get_json::<Session>(&record_key(key)).await? else {
        return Ok(None);
    };
    let timeouts = match client {
        Some(c) => app.config.session_timeouts(c),
        None => deployment_timeouts(app),
    };
    if !session.is_alive(app.clock.now(), timeouts) {
        return Ok(None);
    }
    Ok(Some(Current {
        key: key.to_owned(),
        session,
    }))
}

fn deployment_timeouts(app: &AppState) -> portvakt_core::session::Timeouts {
    let s = &app.config.settings.sessions;
    portvakt_core::session::Timeouts {
        idle: Duration::from_secs(s.idle_timeout_secs),
        absolute: Duration::from_secs(s.absolute_timeout_secs),
    }
}

/// How long the store keeps a record: until the idle or the absolute timeout.
fn ttl(app: &AppState, session: &Session, now: UnixTime) -> Duration {
    let t = deployment_timeouts(app);
    let idle_end = session.last_seen.plus(t.idle);
    let absolute_end = session.created_at.plus(t.absolute);
    now.until(idle_end.min(absolute_end))
        .max(Duration::from_secs(1))
}

/// Stores a session under a new key, with its `sid` index.
async fn write(app: &AppState, key: &str, session: &Session) -> Result<(), AppError> {
    let ttl = ttl(app, session, app.clock.now());
    app.ephemeral
        .put_json(&record_key(key), session, ttl)
        .await?;
    app.ephemeral
        .put_json(&sid_key(&session.sid), &token_hash(key), ttl)
        .await?;
    Ok(())
}

/// Records that the session signed in to `client` and was used now. Only while the
/// session still exists (`replace`): a session ended meanwhile on another instance is
/// never brought back; false then, and the caller treats the request as having none.
pub async fn used_by(
    app: &AppState,
    current: &mut Current,
    client: &ClientId,
) -> Result<bool, AppError> {
    current.session.add_client(client);
    current.session.last_seen = app.clock.now();
    let ttl = ttl(app, &current.session, app.clock.now());
    if !app
        .ephemeral
        .replace_json(&record_key(&current.key), &current.session, ttl)
        .await?
    {
        return Ok(false);
    }
    app.ephemeral
        .put_json(
            &sid_key(&current.session.sid),
            &token_hash(&current.key),
            ttl,
        )
        .await?;
    Ok(true)
}

/// After a successful login: the same session upgraded (same user: `sid` and clients
/// kept, the new authentication recorded) or a new one, always under a new key (S26).
/// The old record is taken atomically, so a session ended meanwhile is not revived.
/// Returns the new key, for the cookie.
pub async fn establish(
    app: &AppState,
    prior: Option<Current>,
    account_id: AccountId,
    auth: SessionAuth,
    client: &ClientId,
) -> Result<(String, Session), AppError> {
    let now = app.clock.now();
    let previous: Option<Session> = match prior {
        Some(p) => app.ephemeral.take_json(&record_key(&p.key)).await?,
        None => None,
    };
    let mut session = match previous {
        Some(mut old) if old.account_id == account_id => {
            old.add_auth(auth);
            old.last_seen = now;
            old
        }
        other => {
            // Another user signs in in this browser: the old session ends here.
            if let Some(old) = other {
                app.ephemeral.delete(&sid_key(&old.sid)).await?;
                ended(app, &old).await;
            }
            Session {
                sid: new_token(),
                account_id,
                auth,
                earlier: Vec::new(),
                clients: Vec::new(),
                created_at: now,
                last_seen: now,
            }
        }
    };
    session.add_client(client);
    let key = new_token();
    write(app, &key, &session).await?;
    Ok((key, session))
}

/// Ends the session with this cookie key; returns it if it existed.
pub async fn end(app: &AppState, key: &str) -> Result<Option<Session>, AppError> {
    let Some(session) = app.ephemeral.take_json::<Session>(&record_key(key)).await? else {
        return Ok(None);
    };
    app.ephemeral.delete(&sid_key(&session.sid)).await?;
    Ok(Some(session))
}

/// Ends the session with this public `sid` (logout from a browser other than the one
/// holding the cookie), but only if `belongs` says the caller may: a logout request
/// names a session by its `sid` and must also name its user and one of its clients.
pub async fn end_by_sid(
    app: &AppState,
    sid: &str,
    belongs: impl Fn(&Session) -> bool,
) -> Result<Option<Session>, AppError> {
    let Some(hash) = app.ephemeral.get_json::<String>(&sid_key(sid)).await? else {
        return Ok(None);
    };
    let key = portvakt_core::ephemeral::keys::session_by_hash(&hash);
    match app.ephemeral.get_json::<Session>(&key).await? {
        Some(s) if belongs(&s) => {}
        _ => return Ok(None),
    }
    let taken = app.ephemeral.take_json::<Session>(&key).await?;
    app.ephemeral.delete(&sid_key(sid)).await?;
    Ok(taken)
}

/// What follows the end of a session (S27), best effort so the user's logout never
/// fails: clients listening on the back channel are told first; then the session is
/// marked ended (a code from it redeemed later dies at once) and its refresh tokens are
/// revoked (except offline access); then it is audited. Failures are logged.
pub async fn ended(app: &AppState, session: &Session) {
    crate::oidc::backchannel::notify(app, session);
    if let Err(e) = app.ephemeral.mark_session_ended(&session.sid).await {
        tracing::error!(error = %e, "could not mark a session ended");
    }
    if let Err(e) = app
        .grants
        .revoke_session_grants(&session.sid, app.clock.now())
        .await
    {
        tracing::error!(error = %e, "could not revoke the grants of an ended session");
    }
    app.audit(
        portvakt_core::audit::AuditEvent::now(portvakt_core::audit::AuditKind::SessionEnded)
            .account(&session.account_id),
    )
    .await;
}

/// Single sign-on (OIDC Core §3.1.2.3): when the browser has a session that satisfies
/// `request` for `client` (the acr asked for, `max_age`, the expected subject), issues
/// the authorization code without a login page and returns the redirect to the client.
/// A session whose account is locked or removed ends (S27), and so do authentications
/// from before a password change (S14).
pub async fn answer_silently(
    app: &AppState,
    headers: &HeaderMap,
    client: &ClientConfig,
    request: &AuthorizationRequest,
    expected_sub: &[&AccountId],
) -> Result<Option<String>, AppError> {
    let Some(mut current) = current(app, headers, Some(client)).await? else {
        return Ok(None);
    };
    let account = app
        .accounts
        .find_account(&current.session.account_id)
        .await?;
    let usable = account
        .is_some_and(|a| !a.is_locked() && current.session.drop_stale(a.password_generation));
    if !usable {
        if let Some(ended) = end(app, &current.key).await? {
            self::ended(app, &ended).await;
        }
        return Ok(None);
    }
    let decision = reuse(
        &current.session,
        request,
        expected_sub,
        &*app.config,
        app.clock.now(),
    );
    // `used_by` fails only when another instance ended the session meanwhile.
    if let Reuse::Yes { acr, auth } = decision
        && used_by(app, &mut current, &client.client_id).await?
    {
        let url =
            crate::login::complete::issue_code(app, request, &current.session, &auth, &acr).await?;
        return Ok(Some(url));
    }
    Ok(None)
}
