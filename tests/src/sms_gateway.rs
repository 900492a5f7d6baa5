//! A local SMS gateway for tests: speaks 46elks' API (`POST /a1/sms`, HTTP Basic, a form
//! body; answers `{"id","status","parts",…}`) and takes generic webhook calls
//! (`/webhook`), records every request, and can be told to fail or to stall.

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How the gateway answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Answers a huge body (a gateway client must stop reading).
    Huge,
    /// Takes the message.
    Accept,
    /// Answers with this status.
    Fail(u16),
    /// Answers after this long.
    Stall(Duration),
    /// Answers 307 to itself (a redirect a gateway client must not follow).
    Redirect,
}

/// One request as it arrived.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// `/a1/sms` or `/webhook`.
    pub path: String,
    /// Request headers.
    pub headers: HeaderMap,
    /// The raw body.
    pub body: String,
}

impl Recorded {
    /// A form field of the body.
    pub fn form(&self, name: &str) -> Option<String> {
        url::form_urlencoded::parse(self.body.as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }

    /// The HTTP Basic credentials, decoded.
    pub fn basic_auth(&self) -> Option<String> {
        use base64::Engine;
        let value = self.headers.get("authorization")?.to_str().ok()?;
        let encoded = value.strip_prefix("Basic ")?;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .ok()?;
        String::from_utf8(bytes).ok()
    }
}

#[derive(Clone)]
struct Shared {
    mode: Arc<Mutex<Mode>>,
    log: Arc<Mutex<Vec<Recorded>>>,
}

/// A running gateway.
pub struct SmsGateway {
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    shared: Shared,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for SmsGateway {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl SmsGateway {
    /// Starts one that accepts everything.
    pub async fn start() -> Self {
        let shared = Shared {
            mode: Arc::new(Mutex::new(Mode::Accept)),
            log: Arc::new(Mutex::new(Vec::new())),
        };
        let app = Router::new()
            .route("/a1/sms", post(elks))
            .route("/webhook", post(webhook).put(webhook))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        SmsGateway { base, shared, task }
    }

    /// 46elks' `api_url` for this gateway.
    pub fn elks_url(&self) -> String {
        format!("{}/a1", self.base)
    }

    /// Changes how it answers.
    pub fn set_mode(&self, mode: Mode) {
        *self.shared.mode.lock().expect("lock") = mode;
    }

    /// Every request so far.
    pub fn requests(&self) -> Vec<Recorded> {
        self.shared.log.lock().expect("lock").clone()
    }
}

async fn answer(shared: &Shared, path: &str, headers: HeaderMap, body: Bytes) -> Option<Response> {
    shared.log.lock().expect("lock").push(Recorded {
        path: path.into(),
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    });
    let mode = *shared.mode.lock().expect("lock");
    match mode {
        Mode::Accept => None,
        Mode::Fail(code) => Some(
            (
                StatusCode::from_u16(code).expect("status"),
                "Invalid to number +46701234567",
            )
                .into_response(),
        ),
        Mode::Stall(d) => {
            tokio::time::sleep(d).await;
            None
        }
        Mode::Redirect => Some(
            (
                StatusCode::TEMPORARY_REDIRECT,
                [(axum::http::header::LOCATION, path.to_owned())],
            )
                .into_response(),
        ),
        Mode::Huge => Some("x".repeat(1024 * 1024).into_response()),
    }
}

async fn elks(State(shared): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    if let Some(r) = answer(&shared, "/a1/sms", headers, body.clone()).await {
        return r;
    }
    let form: Vec<(String, String)> = url::form_urlencoded::parse(&body).into_owned().collect();
    let get = |k: &str| {
        form.iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    axum::Json(serde_json::json!({
        "id": "s17a6dafb12d6b1cabc053d57dac2b9d8",
        "status": "created",
        "from": get("from"),
        "to": get("to"),
        "message": get("message"),
        "created": "2026-12-02T16:00:00.000000",
        "parts": 1,
        "cost": 3500,
        "direction": "outgoing"
    }))
    .into_response()
}

async fn webhook(State(shared): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    if let Some(r) = answer(&shared, "/webhook", headers, body).await {
        return r;
    }
    StatusCode::ACCEPTED.into_response()
}
