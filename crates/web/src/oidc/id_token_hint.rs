//! `id_token_hint` (OIDC Core §3.1.2.1, RP-Initiated Logout §2): an ID token we issued,
//! used to name the user. Its signature must verify against our own published keys and
//! its issuer be ours; its expiry does not matter (it only identifies). An unsigned
//! (`alg: none`) token or one signed by anyone else is refused.

use crate::state::AppState;
use portvakt_core::ids::{AccountId, ClientId};
use serde_json::Value;

/// What a valid hint says.
#[derive(Debug, Clone)]
pub struct Hint {
    /// The user.
    pub sub: AccountId,
    /// The client it was issued to (its `aud`), a registered client.
    pub client_id: ClientId,
    /// The session it was issued in.
    pub sid: Option<String>,
}

/// Verifies a hint; `None` when it is not one of our ID tokens.
pub fn verify(app: &AppState, token: &str) -> Option<Hint> {
    let (claims, typ) = app.keys.current().verify(token, app.clock.now()).ok()?;
    // Only an ID token: not an access token (at+jwt), a logout token (logout+jwt, with
    // events), nor a signed userinfo response (no azp, no sid).
    if typ.as_deref() != Some("JWT") || claims.contains_key("events") {
        return None;
    }
    let s = |k: &str| claims.get(k).and_then(Value::as_str);
    if s("iss") != Some(app.issuer()) || s("azp").is_none() || s("sid").is_none() {
        return None;
    }
    let aud = match claims.get("aud")? {
        Value::String(a) => a.clone(),
        Value::Array(list) => list.first()?.as_str()?.to_owned(),
        _ => return None,
    };
    app.config.client(&aud)?;
    Some(Hint {
        sub: AccountId(s("sub")?.to_owned()),
        client_id: ClientId(aud),
        sid: s("sid").map(str::to_owned),
    })
}
