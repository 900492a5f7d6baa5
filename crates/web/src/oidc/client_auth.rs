//! Client authentication at the token, introspection and revocation endpoints:
//! `client_secret_basic`, `client_secret_post` (RFC 6749 §2.3.1), `private_key_jwt`
//! (RFC 7523 §2.2, OIDC Core §9) and `none` for public clients (RFC 6749 §2.1).

use super::api_error::ApiError;
use super::form::FormPairs;
use crate::state::AppState;
use axum::http::{HeaderMap, header};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use portvakt_core::audit::{AuditEvent, AuditKind};
use portvakt_core::config::{ClientConfig, ClientCredential};
use portvakt_core::ids::ClientId;
use portvakt_core::oauth_error::ErrorCode;
use serde_json::Value;
use std::time::Duration;

const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// How the request tried to authenticate.
enum Presented {
    Basic { id: String, secret: String },
    Post { id: String, secret: String },
    Assertion { id: Option<String>, jwt: String },
    None { id: String },
}

fn basic_credentials(headers: &HeaderMap) -> Result<Option<(String, String)>, ApiError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let bad = || ApiError::invalid_client("malformed Basic credentials");
    value.to_str().map_err(|_| bad())?;
    let Some(encoded) = crate::headers::authorization(headers, "Basic") else {
        return Ok(None);
    };
    let decoded = STANDARD.decode(encoded.trim()).map_err(|_| bad())?;
    let text = String::from_utf8(decoded).map_err(|_| bad())?;
    let (id, secret) = text.split_once(':').ok_or_else(bad)?;
    // RFC 6749 §2.3.1: both parts are form-urlencoded before joining.
    let decode = |s: &str| {
        url::form_urlencoded::parse(format!("x={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    };
    Ok(Some((decode(id), decode(secret))))
}

fn presented(headers: &HeaderMap, form: &FormPairs) -> Result<Presented, ApiError> {
    let basic = basic_credentials(headers)?;
    let form_id = form.get("client_id")?.map(str::to_owned);
    let form_secret = form.get("client_secret")?.map(str::to_owned);
    let assertion = form.get("client_assertion")?.map(str::to_owned);
    let assertion_type = form.get("client_assertion_type")?;
    let count = [basic.is_some(), form_secret.is_some(), assertion.is_some()]
        .iter()
        .filter(|x| **x)
        .count();
    if count > 1 {
        // RFC 6749 §2.3: a client MUST NOT use more than one method per request.
        return Err(ApiError::bad(
            ErrorCode::InvalidRequest,
            "use exactly one client authentication method",
        ));
    }
    if let Some((id, secret)) = basic {
        if form_id.as_ref().is_some_and(|f| *f != id) {
            return Err(ApiError::invalid_client(
                "client_id does not match the credentials",
            ));
        }
        return Ok(Presented::Basic { id, secret });
    }
    if let Some(secret) = form_secret {
        let id = form_id.ok_or_else(|| ApiError::invalid_client("client_id is required"))?;
        return Ok(Presented::Post { id, secret });
    }
    if let Some(jwt) = assertion {
        if assertion_type != Some(JWT_BEARER) {
            return Err(ApiError::invalid_client(
                "unsupported client_assertion_type",
            ));
        }
        return Ok(Presented::Assertion { id: form_id, jwt });
    }
    match form_id {
        Some(id) => Ok(Presented::None { id }),
        None => Err(ApiError::invalid_client(
            "client authentication is required",
        )),
    }
}

/// Authenticates the client of a request to `endpoint` (its absolute URL, accepted as
/// an assertion audience alongside the issuer).
pub async fn authenticate<'a>(
    app: &'a AppState,
    headers: &HeaderMap,
    form: &FormPairs,
    endpoint: &str,
) -> Result<&'a ClientConfig, ApiError> {
    let presented = presented(headers, form)?;
    let id = match &presented {
        Presented::Basic { id, .. } | Presented::Post { id, .. } | Presented::None { id } => {
            id.clone()
        }
        Presented::Assertion { id, jwt } => match id {
            Some(id) => id.clone(),
            None => unverified_issuer(jwt)
                .ok_or_else(|| ApiError::invalid_client("the assertion has no iss"))?,
        },
    };
    let Some(client) = app.config.client(&id) else {
        return Err(fail(app, None, "unknown client").await);
    };
    let ok = match (&presented, &client.credential) {
        (
            Presented::Basic { secret, .. } | Presented::Post { secret, .. },
            ClientCredential::Secret(stored),
        ) => stored.verify(secret),
        (Presented::Assertion { jwt, .. }, ClientCredential::PrivateKeyJwt { jwks }) => {
            check_assertion(app, client, jwks, jwt, endpoint).await?
        }
        (Presented::None { .. }, ClientCredential::Public) => true,
        _ => false,
    };
    if ok {
        Ok(client)
    } else {
        Err(fail(app, Some(&client.client_id), "client authentication failed").await)
    }
}

async fn fail(app: &AppState, client: Option<&ClientId>, why: &'static str) -> ApiError {
    let mut event = AuditEvent::now(AuditKind::ClientAuthFailed).detail(why);
    if let Some(c) = client {
        event = event.client(c);
    }
    app.audit(event).await;
    ApiError::invalid_client(why)
}

fn unverified_issuer(jwt: &str) -> Option<String> {
    let payload = jwt.split('.').nth(1)?;
    let bytes = URL_SAFE_NO_PAD.decode(payload).ok()?;
    let claims: Value = serde_json::from_slice(&bytes).ok()?;
    claims.get("iss")?.as_str().map(str::to_owned)
}

/// RFC 7523 §3: signature, `iss` = `sub` = client_id, our `aud`, unexpired, and a `jti`
/// never seen before (replay, RFC 7523 §3 item 7).
async fn check_assertion(
    app: &AppState,
    client: &ClientConfig,
    jwks: &str,
    jwt: &str,
    endpoint: &str,
) -> Result<bool, ApiError> {
    let Ok(claims) = portvakt_jose::verify_with_jwks(jwt, jwks) else {
        return Ok(false);
    };
    let id = client.client_id.as_str();
    let str_claim = |k: &str| claims.get(k).and_then(Value::as_str);
    if str_claim("iss") != Some(id) || str_claim("sub") != Some(id) {
        return Ok(false);
    }
    let audience_ok = |v: &str| v == endpoint || v == app.issuer();
    let aud_ok = match claims.get("aud") {
        Some(Value::String(a)) => audience_ok(a),
        Some(Value::Array(list)) => list.iter().filter_map(Value::as_str).any(audience_ok),
        _ => false,
    };
    let now = app.clock.now().0;
    let Some(exp) = claims.get("exp").and_then(Value::as_i64) else {
        return Ok(false);
    };
    // 60 s of clock skew; assertions are meant to be short-lived: at most 10 minutes.
    if !aud_ok || exp + 60 < now || exp > now + 600 {
        return Ok(false);
    }
    let Some(jti) = str_claim("jti") else {
        return Ok(false);
    };
    let ttl = Duration::from_secs(u64::try_from(exp - now + 120).unwrap_or(120));
    Ok(app
        .ephemeral
        .remember_jti(&client.client_id, jti, ttl)
        .await?)
}
