//! OpenID Connect Back-Channel Logout 1.0: a signed logout token POSTed to every client
//! of an ended session that registered a `backchannel_logout_uri`. Delivery runs in the
//! background with a timeout and retries; a failure is audited and never holds up the
//! user's logout (§2.8 leaves retries to the OP).

use crate::state::AppState;
use portvakt_core::audit::{AuditEvent, AuditKind};
use portvakt_core::config::ClientConfig;
use portvakt_core::random::new_token;
use portvakt_core::session::Session;
use serde_json::{Map, json};
use std::time::Duration;

/// The event claim's key (§2.4).
const EVENT: &str = "http://schemas.openid.net/event/backchannel-logout";
/// Attempts per client, and the pause before each retry.
const RETRY_DELAYS: [Duration; 2] = [Duration::from_secs(1), Duration::from_secs(3)];

/// The logout token for `client` (§2.4): `iss`, `aud`, `iat`, `exp`, `jti`, `sub`, `sid`
/// and `events`; never a `nonce`. Typed `logout+jwt` so it cannot pass as an ID token.
pub fn logout_token(
    app: &AppState,
    client: &ClientConfig,
    session: &Session,
) -> Result<String, portvakt_jose::JoseError> {
    let now = app.clock.now();
    let mut c = Map::new();
    c.insert("iss".into(), json!(app.issuer()));
    c.insert("aud".into(), json!(client.client_id.as_str()));
    c.insert("iat".into(), json!(now.0));
    c.insert("exp".into(), json!(now.0 + 120));
    c.insert("jti".into(), json!(new_token()));
    c.insert("sub".into(), json!(session.account_id.as_str()));
    c.insert("sid".into(), json!(session.sid));
    c.insert("events".into(), json!({ EVENT: {} }));
    app.keys
        .current()
        .sign(&client.id_token_alg, "logout+jwt", c, now)
}

/// Notifies every client of `session` that registered a back-channel logout URI, in
/// the background.
pub fn notify(app: &AppState, session: &Session) {
    for client_id in &session.clients {
        let Some(client) = app.config.client(client_id.as_str()) else {
            continue;
        };
        let Some(uri) = client.backchannel_logout_uri.clone() else {
            continue;
        };
        let token = match logout_token(app, client, session) {
            Ok(t) => t,
            Err(e) => {
                tracing::error!(error = %e, client = %client.client_id, "could not sign a logout token");
                continue;
            }
        };
        let app = app.clone();
        let client_id = client.client_id.clone();
        tokio::spawn(async move {
            if let Err(why) = deliver(&app, &uri, &token).await {
                tracing::warn!(client = %client_id, %why, "back-channel logout failed");
                app.audit(
                    AuditEvent::now(AuditKind::BackchannelLogoutFailed)
                        .client(&client_id)
                        .detail(why),
                )
                .await;
            }
        });
    }
}

/// POSTs `logout_token` (§2.5) until a 2xx, at most three times.
async fn deliver(app: &AppState, uri: &str, token: &str) -> Result<(), String> {
    let mut last = String::new();
    for attempt in 0..=RETRY_DELAYS.len() {
        if attempt > 0 {
            tokio::time::sleep(RETRY_DELAYS[attempt - 1]).await;
        }
        match app
            .http
            .post(uri)
            .form(&[("logout_token", token)])
            .send()
            .await
        {
            Ok(r) if r.status().is_success() => return Ok(()),
            Ok(r) => last = format!("HTTP {}", r.status().as_u16()),
            Err(e) if e.is_timeout() => last = "timeout".into(),
            Err(_) => last = "connection failed".into(),
        }
    }
    Err(format!("{last} after {} attempts", RETRY_DELAYS.len() + 1))
}
