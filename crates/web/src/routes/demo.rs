//! The built-in demo relying party (development profile only): a newcomer picks a demo
//! client, signs in, and sees the decoded ID token and the userinfo response. It speaks
//! the real protocol (state, nonce, PKCE S256, `iss` check) but redeems the code
//! in-process instead of over HTTP.

use super::redirect::see_other;
use super::token::redeem_for_demo;
use crate::error::AppError;
use crate::oidc::access_token::validate;
use crate::oidc::api_error::ApiError;
use crate::oidc::tokens::userinfo_claims;
use crate::state::AppState;
use crate::views::demo::{self, DemoAccount};
use axum::Router;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use portvakt_core::ephemeral::keys;
use portvakt_core::random::new_token;
use portvakt_core::scope::Scope;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::time::Duration;

/// The demo routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/demo", get(index))
        .route("/demo/start", get(start))
        .route("/demo/initiate", get(initiate))
        .route("/demo/callback", get(callback))
}

fn callback_uri(app: &AppState) -> String {
    app.url("/demo/callback")
}

#[derive(Serialize, Deserialize)]
struct Pending {
    client_id: String,
    nonce: String,
    verifier: String,
}

async fn index(State(app): State<AppState>) -> Response {
    let callback = callback_uri(&app);
    let clients: Vec<(String, String)> = app
        .config
        .clients
        .iter()
        .filter(|c| c.has_redirect_uri(&callback))
        .map(|c| (c.client_id.to_string(), c.display_name.clone()))
        .collect();
    let accounts = app
        .config
        .settings
        .demo
        .accounts_file
        .as_ref()
        .and_then(|f| std::fs::read_to_string(app.config.dir.join(f)).ok())
        .map(|text| demo_accounts(&text))
        .unwrap_or_default();
    demo::index(&clients, &accounts, app.outbox.is_some())
}

/// The rows of the demo CSV (it has no quoted commas), as the demo page shows them.
fn demo_accounts(csv: &str) -> Vec<DemoAccount> {
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap_or("").split(',').collect();
    let col = |name: &str| header.iter().position(|h| h.trim() == name);
    lines
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            let get = |name: &str| {
                col(name)
                    .and_then(|i| f.get(i))
                    .map(|s| s.trim().to_owned())
                    .unwrap_or_default()
            };
            let org = get("org_number");
            let login = match get("username") {
                u if !u.is_empty() => u,
                // A company signs in with 16 and its organisation number (seed 002).
                _ if org.len() == 10 => {
                    format!(
                        "{} or 16{}-{}",
                        get("customer_number"),
                        &org[..6],
                        &org[6..]
                    )
                }
                _ => get("customer_number"),
            };
            // Shown as students type it: YYMMDD-XXXX.
            let pnr = get("personnummer");
            let personnummer = if pnr.len() == 12 {
                format!("{}-{}", &pnr[2..8], &pnr[8..])
            } else {
                pnr
            };
            DemoAccount {
                login,
                password: get("password"),
                personnummer,
                pin: get("pin"),
                codes: get("otp_codes"),
                name: get("name"),
            }
        })
        .collect()
}

/// OIDC Core §4 at the demo client: a login initiated by a third party
/// (`/start/{client_id}`) arrives here with `iss`; the client checks it names this
/// provider and starts an ordinary authorization request.
#[derive(Deserialize)]
struct InitiateQuery {
    client: String,
    iss: String,
}

async fn initiate(State(app): State<AppState>, Query(q): Query<InitiateQuery>) -> Response {
    if q.iss != app.issuer() {
        return demo::error("invalid_request", Some("iss names another provider"));
    }
    let query: String = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("client", &q.client)
        .finish();
    see_other(&format!("/demo/start?{query}"))
}

#[derive(Deserialize)]
struct StartQuery {
    client: String,
}

async fn start(
    State(app): State<AppState>,
    Query(q): Query<StartQuery>,
) -> Result<Response, AppError> {
    let state = new_token();
    let pending = Pending {
        client_id: q.client.clone(),
        nonce: new_token(),
        verifier: new_token(),
    };
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(pending.verifier.as_bytes()));
    app.ephemeral
        .put_json(
            &keys::demo_state(&state),
            &pending,
            Duration::from_secs(1800),
        )
        .await?;
    let mut url =
        url::Url::parse(&app.url("/authorize")).map_err(|e| AppError::Internal(e.to_string()))?;
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", &q.client)
        .append_pair("redirect_uri", &callback_uri(&app))
        .append_pair(
            "scope",
            "openid profile email phone https://id.oidc.se/scope/naturalPersonNumber",
        )
        .append_pair("state", &state)
        .append_pair("nonce", &pending.nonce)
        .append_pair("code_challenge", &challenge)
        .append_pair("code_challenge_method", "S256");
    Ok(see_other(url.as_str()))
}

async fn callback(
    State(app): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let Some(state) = q.get("state") else {
        return Ok(demo::error("missing state", None));
    };
    let Some(pending) = app
        .ephemeral
        .take_json::<Pending>(&keys::demo_state(state))
        .await?
    else {
        return Ok(demo::error("unknown or reused state", None));
    };
    if q.get("iss").map(String::as_str) != Some(app.issuer()) {
        return Ok(demo::error("iss missing or wrong (RFC 9207)", None));
    }
    if let Some(err) = q.get("error") {
        return Ok(demo::error(
            err,
            q.get("error_description").map(String::as_str),
        ));
    }
    let Some(code) = q.get("code") else {
        return Ok(demo::error("no code", None));
    };
    let Some(client) = app.config.client(&pending.client_id) else {
        return Ok(demo::error("unknown client", None));
    };
    let tokens =
        match redeem_for_demo(&app, client, code, &callback_uri(&app), &pending.verifier).await {
            Ok(t) => t,
            // Only the protocol error is shown; internal causes stay in the log.
            Err(ApiError::OAuth { error, .. }) => {
                return Ok(demo::error(error.code.as_str(), Some(error.description)));
            }
            Err(ApiError::App(e)) => return Err(e),
        };
    let id_token = tokens
        .id_token
        .as_deref()
        .and_then(decode_payload)
        .unwrap_or(Value::Null);
    if id_token.get("nonce").and_then(Value::as_str) != Some(pending.nonce.as_str()) {
        return Ok(demo::error("nonce mismatch", None));
    }
    let userinfo = match validate(&app, &tokens.access_token).await? {
        Some(valid) => {
            let scope = Scope::parse(valid.str("scope").unwrap_or("")).unwrap_or_default();
            let account = app
                .accounts
                .find_account(&portvakt_core::ids::AccountId(
                    valid.str("sub").unwrap_or("").to_owned(),
                ))
                .await?;
            account
                .map(|a| Value::Object(userinfo_claims(client, &a, valid.grant.as_ref(), &scope)))
                .unwrap_or(Value::Null)
        }
        None => Value::Null,
    };
    Ok(demo::result(&client.display_name, &id_token, &userinfo))
}

fn decode_payload(jwt: &str) -> Option<Value> {
    let payload = jwt.split('.').nth(1)?;
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()
}
