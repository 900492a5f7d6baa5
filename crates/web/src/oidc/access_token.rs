//! Validating our own access tokens at userinfo and introspection: signature, type,
//! issuer, audience, expiry, and revocation (its grant, or the token itself).

use crate::error::AppError;
use crate::state::AppState;
use portvakt_core::grant::Grant;
use portvakt_core::ids::GrantId;
use serde_json::{Map, Value};

/// A valid access token's claims.
#[derive(Debug)]
pub struct ValidAccessToken {
    /// All claims.
    pub claims: Map<String, Value>,
    /// Its grant, when it has one.
    pub grant: Option<Grant>,
}

impl ValidAccessToken {
    /// A string claim.
    pub fn str(&self, name: &str) -> Option<&str> {
        self.claims.get(name).and_then(Value::as_str)
    }
}

/// Checks a bearer token. `Ok(None)` when it is not (or no longer) valid.
pub async fn validate(app: &AppState, token: &str) -> Result<Option<ValidAccessToken>, AppError> {
    let now = app.clock.now();
    let Ok((claims, typ)) = app.keys.current().verify(token, now) else {
        return Ok(None);
    };
    // RFC 9068 §4: the typ header must be at+jwt, so an ID token is never an access token.
    if typ.as_deref() != Some("at+jwt") {
        return Ok(None);
    }
    let s = |k: &str| claims.get(k).and_then(Value::as_str);
    if s("iss") != Some(app.issuer()) || s("aud") != Some(app.issuer()) {
        return Ok(None);
    }
    let exp = claims.get("exp").and_then(Value::as_i64).unwrap_or(0);
    if exp <= now.0 {
        return Ok(None);
    }
    let Some(jti) = s("jti") else {
        return Ok(None);
    };
    if app.ephemeral.is_access_token_revoked(jti).await? {
        return Ok(None);
    }
    let grant = match s("gid") {
        None => None,
        Some(gid) => match app.grants.find_grant(&GrantId(gid.to_owned())).await? {
            Some(g) if g.revoked_at.is_none() => Some(g),
            _ => return Ok(None),
        },
    };
    Ok(Some(ValidAccessToken { claims, grant }))
}
