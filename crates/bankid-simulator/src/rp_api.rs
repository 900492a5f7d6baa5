//! The RP API as BankID serves it: `POST /rp/v6.0/{auth, sign, phone/auth, phone/sign,
//! collect, cancel}` with `Content-Type: application/json` exactly (a charset parameter
//! gets 415), error bodies `{"errorCode", "details"}` with BankID's status codes, and
//! 401 for a connection without a client certificate when mutual TLS is on.

use crate::Simulator;
use crate::world::ApiError;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Extension, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use portvakt_bankid::api::{AuthRequest, OrderRef, PhoneAuthRequest, PhoneOrderResponse};
use portvakt_bankid::codes::ErrorCode;
use serde::de::DeserializeOwned;
use serde_json::json;

/// Whether the TLS connection carried a client certificate that chains to the
/// simulator's CA (a certificate from another CA fails the handshake itself).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientCertificate(pub bool);

/// The `/rp/v6.0/...` routes.
pub fn router(sim: Simulator) -> Router {
    let mut router = Router::new();
    for path in [
        "auth",
        "sign",
        "phone/auth",
        "phone/sign",
        "collect",
        "cancel",
    ] {
        router = router.route(
            &format!("/rp/v6.0/{path}"),
            any(
                move |state: State<Simulator>,
                      cert: Option<Extension<ClientCertificate>>,
                      method: axum::http::Method,
                      headers: HeaderMap,
                      body: Bytes| {
                    endpoint(path, state, cert, method, headers, body)
                },
            ),
        );
    }
    router
        .fallback(|| async { error_response(&ApiError::new(ErrorCode::NotFound, "Not found")) })
        .with_state(sim)
}

async fn endpoint(
    path: &'static str,
    State(sim): State<Simulator>,
    cert: Option<Extension<ClientCertificate>>,
    method: axum::http::Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let delay = sim.world().latency(path);
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    if let Some(Extension(ClientCertificate(false))) = cert {
        return error_response(&ApiError::new(
            ErrorCode::Unauthorized,
            "No client certificate",
        ));
    }
    if method != axum::http::Method::POST {
        return error_response(&ApiError::new(
            ErrorCode::MethodNotAllowed,
            "Method not allowed",
        ));
    }
    if !is_plain_json(&headers) {
        return error_response(&ApiError::new(
            ErrorCode::UnsupportedMediaType,
            "Unsupported media type",
        ));
    }
    if let Some(fault) = sim.world().take_fault(path) {
        return error_response(&fault);
    }
    let result = match path {
        "auth" | "sign" => parse::<AuthRequest>(&body)
            .and_then(|req| sim.world().start(path == "sign", req))
            .map(|r| json!(r)),
        "phone/auth" | "phone/sign" => parse::<PhoneAuthRequest>(&body)
            .and_then(|req| sim.world().start_phone(path == "phone/sign", req))
            .map(|order_ref| json!(PhoneOrderResponse { order_ref })),
        "collect" => parse::<OrderRef>(&body)
            .and_then(|r| sim.world().collect(&r.order_ref))
            .map(|r| json!(r)),
        _ => parse::<OrderRef>(&body)
            .and_then(|r| sim.world().cancel(&r.order_ref))
            .map(|()| json!({})),
    };
    match result {
        Ok(body) => axum::Json(body).into_response(),
        Err(e) => error_response(&e),
    }
}

/// `application/json` with no parameters, as BankID requires.
fn is_plain_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"))
}

fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| {
        // Name a missing field like BankID does ("Invalid orderRef"). Other serde
        // messages quote the offending value, which may be a personal number: not
        // echoed.
        let text = e.to_string();
        let missing = text
            .strip_prefix("missing field `")
            .and_then(|rest| rest.split('`').next());
        let details = missing.map_or_else(
            || "Invalid parameters".to_owned(),
            |f| format!("Invalid {f}"),
        );
        ApiError::new(ErrorCode::InvalidParameters, &details)
    })
}

/// An error body with the status BankID uses; `tooManyRequests` says when to retry.
pub(crate) fn error_response(error: &ApiError) -> Response {
    let status =
        StatusCode::from_u16(error.code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (
        status,
        axum::Json(json!({"errorCode": error.code.as_str(), "details": error.details})),
    )
        .into_response();
    if error.code == ErrorCode::TooManyRequests {
        let headers = response.headers_mut();
        headers.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        headers.insert("ratelimit-reset", HeaderValue::from_static("1"));
    }
    response
}
