//! The userinfo endpoint (OIDC Core §5.3), GET and POST; the token from the
//! `Authorization: Bearer` header or, on POST, the form body (RFC 6750 §2.1, §2.2).

use crate::oidc::access_token::validate;
use crate::oidc::api_error::{ApiError, no_store};
use crate::oidc::form::FormPairs;
use crate::oidc::tokens::userinfo_claims;
use crate::state::AppState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use portvakt_core::ids::AccountId;
use portvakt_core::oauth_error::{ErrorCode, OAuthError};
use portvakt_core::scope::Scope;
use serde_json::{Value, json};

fn bearer(headers: &HeaderMap) -> Option<&str> {
    crate::headers::authorization(headers, "Bearer")
}

/// `GET /userinfo`.
pub async fn get(State(app): State<AppState>, headers: HeaderMap) -> Response {
    respond(&app, bearer(&headers)).await
}

/// `POST /userinfo`.
pub async fn post(State(app): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    // RFC 6750 §2.2: a token in the body comes in a form, once.
    let from_body: Option<String> = if body.is_empty() {
        None
    } else {
        match FormPairs::parse(&headers, &body)
            .and_then(|f| f.get("access_token").map(|t| t.map(str::to_owned)))
        {
            Ok(t) => t,
            Err(e) => return e.into_response(),
        }
    };
    match (bearer(&headers), from_body.as_deref()) {
        (Some(_), Some(_)) => ApiError::bad(
            ErrorCode::InvalidRequest,
            "send the token in one place only (RFC 6750 section 2)",
        )
        .into_response(),
        (Some(t), None) | (None, Some(t)) => respond(&app, Some(t)).await,
        (None, None) => respond(&app, None).await,
    }
}

async fn respond(app: &AppState, token: Option<&str>) -> Response {
    match claims(app, token).await {
        Ok(res) => res,
        Err(e) => e.into_response(),
    }
}

async fn claims(app: &AppState, token: Option<&str>) -> Result<Response, ApiError> {
    let Some(token) = token else {
        // RFC 6750 §3.1: a request without a token gets a bare challenge.
        return Err(ApiError::OAuth {
            status: StatusCode::UNAUTHORIZED,
            error: OAuthError::new(ErrorCode::InvalidRequest, "no access token"),
            www_authenticate: Some("Bearer"),
        });
    };
    let valid = validate(app, token).await?.ok_or_else(|| {
        ApiError::invalid_token("the access token is invalid, expired or revoked")
    })?;
    let scope = Scope::parse(valid.str("scope").unwrap_or("")).unwrap_or_default();
    if !scope.contains("openid") {
        return Err(ApiError::OAuth {
            status: StatusCode::FORBIDDEN,
            error: OAuthError::new(
                ErrorCode::InsufficientScope,
                "the access token was not issued for openid",
            ),
            www_authenticate: Some("Bearer error=\"insufficient_scope\", scope=\"openid\""),
        });
    }
    let client = valid
        .str("client_id")
        .and_then(|id| app.config.client(id))
        .ok_or_else(|| ApiError::invalid_token("the client is no longer registered"))?;
    let account = app
        .accounts
        .find_account(&AccountId(valid.str("sub").unwrap_or("").to_owned()))
        .await?
        .ok_or_else(|| ApiError::invalid_token("the account no longer exists"))?;
    let mut claims = userinfo_claims(client, &account, valid.grant.as_ref(), &scope);
    // A client registered for signed userinfo gets a JWT (OIDC Core §5.3.2).
    let mut res = match client.userinfo_alg.as_deref() {
        Some(alg) => {
            let now = app.clock.now();
            claims.insert("iss".into(), json!(app.issuer()));
            claims.insert("aud".into(), json!(client.client_id.as_str()));
            claims.insert("iat".into(), json!(now.0));
            let jwt = app.keys.current().sign(alg, "JWT", claims, now)?;
            let mut res = jwt.into_response();
            res.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/jwt"),
            );
            res
        }
        None => Json(Value::Object(claims)).into_response(),
    };
    no_store(&mut res);
    Ok(res)
}
