//! What follows a method's outcome, for form POSTs and polls alike: keep the login going,
//! or finish it, establish (or upgrade) the session, and issue the authorization code
//! (RFC 6749 §4.1.2).

use super::{LoginMethod, LoginTransaction, OfferedMethod, Outcome};
use crate::error::AppError;
use crate::session::{self, Current};
use crate::state::AppState;
use portvakt_core::audit::{AuditEvent, AuditKind};
use portvakt_core::authorize::AuthorizationRequest;
use portvakt_core::grant::AuthorizationCode;
use portvakt_core::ids::GrantId;
use portvakt_core::person::{PersonResolution, resolve_person};
use portvakt_core::session::{Session, SessionAuth};
use std::time::Duration;

/// Where the browser goes next.
#[derive(Debug)]
pub enum Next {
    /// Back to the login page (the next step, or the same one with a message).
    Page,
    /// To the client's redirect URI with a code, `state` and `iss`, setting the session
    /// cookie to its new key.
    Client {
        /// The redirect.
        url: String,
        /// `Set-Cookie` for the session.
        cookie: String,
    },
    /// The transaction ended meanwhile (finished elsewhere, or expired).
    Ended,
}

/// Turns an identified person into an authenticated account, or into a refusal, by the
/// method's policy (`core::person::resolve_person`). Every other outcome passes through.
async fn settle(
    app: &AppState,
    offered: &OfferedMethod,
    method: &dyn LoginMethod,
    outcome: Outcome<serde_json::Value>,
) -> Result<Outcome<serde_json::Value>, AppError> {
    let Outcome::Identified { person, amr, step } = outcome else {
        return Ok(outcome);
    };
    let now = app.clock.now();
    let resolution = resolve_person(&*app.accounts, &person, method.unknown_person(), now).await?;
    let (account, created) = match resolution {
        PersonResolution::Found(a) => (a, false),
        PersonResolution::Created(a) => (a, true),
        PersonResolution::NoAccount => {
            return Ok(Outcome::Failed {
                step,
                message: "login.no_account",
            });
        }
        PersonResolution::Locked => {
            return Ok(Outcome::Failed {
                step,
                message: "login.account_locked",
            });
        }
    };
    if created {
        app.audit(
            AuditEvent::now(AuditKind::AccountCreated)
                .account(&account.id)
                .detail(&offered.method),
        )
        .await;
    }
    Ok(Outcome::Authenticated(super::Authenticated {
        account_id: account.id,
        amr,
        password_generation: account.password_generation,
    }))
}

/// Applies `outcome` to `tx`. `prior` is the session the browser already has, if any:
/// a login by the same user upgrades it (step-up), keeping its `sid` and clients.
pub async fn apply(
    app: &AppState,
    tx: &mut LoginTransaction,
    offered: &OfferedMethod,
    method: &dyn LoginMethod,
    outcome: Outcome<serde_json::Value>,
    prior: Option<Current>,
) -> Result<Next, AppError> {
    let outcome = settle(app, offered, method, outcome).await?;
    match outcome {
        Outcome::Identified { .. } => Err(AppError::Internal(
            "an identified person was not settled".into(),
        )),
        Outcome::Continue(step) => {
            tx.method_state = step;
            Ok(if tx.save(app).await? {
                Next::Page
            } else {
                Next::Ended
            })
        }
        Outcome::Failed { step, message } => {
            tx.method_state = step;
            tx.flash = Some(message.to_owned());
            Ok(if tx.save(app).await? {
                Next::Page
            } else {
                Next::Ended
            })
        }
        Outcome::Authenticated(user) => {
            // Only one request may finish a transaction: a double click or a poll racing
            // a POST must not mint two codes.
            if !tx.finish(app).await? {
                return Ok(Next::Ended);
            }
            let auth = SessionAuth {
                method: offered.method.clone(),
                acr: offered.acr.clone(),
                amr: user.amr,
                auth_time: app.clock.now(),
                password_generation: user.password_generation,
            };
            let account_id = user.account_id;
            let (key, session) = session::establish(
                app,
                prior,
                account_id.clone(),
                auth.clone(),
                &tx.request.client_id,
            )
            .await?;
            // OIDC Core §5.5.1: a code for the `sub` asked for, or none. The session
            // stands: this person did sign in.
            let wrong_person = tx
                .request
                .requested_subs()
                .iter()
                .any(|sub| *sub != account_id);
            let url = if wrong_person {
                error_url(
                    app,
                    &tx.request,
                    "access_denied",
                    "the service asked for another user than the one who signed in",
                )?
            } else {
                issue_code(app, &tx.request, &session, &auth, &offered.acr).await?
            };
            Ok(Next::Client {
                url,
                cookie: session::set_cookie(app, &key),
            })
        }
    }
}

/// The redirect carrying an error to the client, with `state` and `iss`.
fn error_url(
    app: &AppState,
    request: &AuthorizationRequest,
    error: &str,
    description: &str,
) -> Result<String, AppError> {
    let mut params = vec![("error", error), ("error_description", description)];
    if let Some(s) = request.state.as_deref() {
        params.push(("state", s));
    }
    client_url(&request.redirect_uri, app.issuer(), &params)
        .ok_or_else(|| AppError::Internal("registered redirect URI does not parse".into()))
}

/// Issues a code for `request` from `session`'s authentication `auth` (the one that
/// satisfied `acr`), and returns the redirect to the client.
pub async fn issue_code(
    app: &AppState,
    request: &AuthorizationRequest,
    session: &Session,
    auth: &SessionAuth,
    acr: &str,
) -> Result<String, AppError> {
    let record = AuthorizationCode {
        grant_id: GrantId::generate(),
        client_id: request.client_id.clone(),
        redirect_uri: request.redirect_uri.clone(),
        code_challenge: request.code_challenge.clone(),
        nonce: request.nonce.clone(),
        account_id: session.account_id.clone(),
        scope: request.scope.to_string(),
        claims: request.claims.clone(),
        acr: acr.to_owned(),
        amr: auth.amr.clone(),
        auth_time: auth.auth_time,
        sid: session.sid.clone(),
        password_generation: auth.password_generation,
    };
    let ttl = Duration::from_secs(app.config.settings.tokens.code_ttl_secs);
    let code = app.ephemeral.issue_code(&record, ttl).await?;
    let mut params = vec![("code", code.as_str())];
    if let Some(s) = request.state.as_deref() {
        params.push(("state", s));
    }
    client_url(&request.redirect_uri, app.issuer(), &params)
        .ok_or_else(|| AppError::Internal("registered redirect URI does not parse".into()))
}

/// `redirect_uri` with `params` added to its query, plus `iss` (RFC 9207 §2: in every
/// authorization response, errors too).
pub fn client_url(redirect_uri: &str, issuer: &str, params: &[(&str, &str)]) -> Option<String> {
    let mut url = url::Url::parse(redirect_uri).ok()?;
    {
        let mut q = url.query_pairs_mut();
        for (k, v) in params {
            q.append_pair(k, v);
        }
        q.append_pair("iss", issuer);
    }
    Some(url.into())
}
