//! The RP API client: `POST` JSON to `/auth`, `/sign`, `/phone/auth`, `/phone/sign`,
//! `/collect` and `/cancel` over mutual TLS, with a timeout on every request and a
//! back-off gate after `tooManyRequests`.

use crate::api::{
    AuthRequest, CollectResponse, ErrorBody, OrderRef, OrderResponse, PhoneAuthRequest,
    PhoneOrderResponse,
};
use crate::codes::{ErrorClass, ErrorCode};
use crate::messages::Rfa;
use crate::tls::{ClientIdentity, ServerCa, TlsError};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use url::Url;

/// BankID's test environment.
pub const TEST_URL: &str = "https://appapi2.test.bankid.com/rp/v6.0/";
/// BankID's production environment.
pub const PRODUCTION_URL: &str = "https://appapi2.bankid.com/rp/v6.0/";

/// How long to wait after `tooManyRequests` when BankID names no time.
const DEFAULT_BACK_OFF: Duration = Duration::from_secs(5);
/// The longest back-off honoured, whatever the headers say.
const MAX_BACK_OFF: Duration = Duration::from_secs(60);

/// Where and how to reach BankID.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// The API base, ending in `/rp/v6.0/` ([`TEST_URL`], [`PRODUCTION_URL`], or the
    /// simulator's).
    pub base_url: Url,
    /// The RP certificate.
    pub identity: ClientIdentity,
    /// The CA the server must chain to.
    pub server_ca: ServerCa,
    /// Timeout of a whole request, connect included.
    pub timeout: Duration,
}

/// Why the client could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The base URL is not `https://…/`.
    #[error("the BankID base URL must be https and end with '/': {0}")]
    BaseUrl(String),
    /// TLS material.
    #[error(transparent)]
    Tls(#[from] TlsError),
    /// The HTTP stack refused the settings.
    #[error("the HTTP client could not be built: {0}")]
    Http(String),
}

/// A failed call.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// BankID answered with an error body.
    #[error("BankID answered {status} {code}: {details}", code = .code.as_str())]
    Api {
        /// HTTP status.
        status: u16,
        /// `errorCode`.
        code: ErrorCode,
        /// `details` (for logs).
        details: String,
    },
    /// An error status without BankID's error body (a proxy or load balancer answered,
    /// or BankID's front broke); classed by the status alone.
    #[error("HTTP {status} without a BankID error body")]
    Status {
        /// HTTP status.
        status: u16,
        /// What the status means in BankID's table.
        code: ErrorCode,
    },
    /// An earlier `tooManyRequests` asked us to wait; no request was sent.
    #[error("backing off after tooManyRequests for another {0:?}")]
    BackingOff(Duration),
    /// No answer within the timeout.
    #[error("BankID did not answer in time")]
    Timeout,
    /// The connection failed: TLS handshake (a certificate refused either way),
    /// refused, reset, DNS.
    #[error("the connection to BankID failed: {0}")]
    Transport(String),
    /// The answer was not what the API describes.
    #[error("BankID's answer could not be read: {0}")]
    Response(String),
}

impl Error {
    /// What to do about it (the reference's error table). Network trouble is treated
    /// like BankID's own `requestTimeout`: tell the user to try again.
    pub fn class(&self) -> ErrorClass {
        match self {
            Error::Api { code, .. } | Error::Status { code, .. } => code.class(),
            Error::BackingOff(_) => ErrorClass::BackOff,
            Error::Timeout | Error::Transport(_) | Error::Response(_) => ErrorClass::TryAgain,
        }
    }

    /// The message to show the user; `None` for the RP's own faults, which get the
    /// generic error page.
    pub fn message(&self) -> Option<Rfa> {
        match self {
            Error::Api { code, .. } | Error::Status { code, .. } => crate::messages::error(code),
            Error::BackingOff(_) | Error::Timeout | Error::Transport(_) => Some(Rfa::Rfa5),
            Error::Response(_) => Some(Rfa::Rfa22),
        }
    }
}

/// The BankID RP API client. Cheap to share behind an `Arc`; one per process.
#[derive(Debug)]
pub struct Client {
    http: reqwest::Client,
    base: Url,
    timeout: Duration,
    /// Set by `tooManyRequests`: no call before this instant.
    back_off_until: Mutex<Option<Instant>>,
}

impl Client {
    /// Builds the client: the RP certificate is presented, only `server_ca` is trusted
    /// (the built-in web roots are switched off), and plain HTTP is refused.
    pub fn new(config: ClientConfig) -> Result<Self, ConfigError> {
        if config.base_url.scheme() != "https" || !config.base_url.path().ends_with('/') {
            return Err(ConfigError::BaseUrl(config.base_url.to_string()));
        }
        let mut builder = reqwest::Client::builder()
            .use_rustls_tls()
            .https_only(true)
            .tls_built_in_root_certs(false)
            .identity(config.identity.to_reqwest()?)
            .timeout(config.timeout)
            .connect_timeout(config.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("portvakt/", env!("CARGO_PKG_VERSION")));
        for cert in config.server_ca.certs() {
            builder = builder.add_root_certificate(cert.clone());
        }
        let http = builder
            .build()
            .map_err(|e| ConfigError::Http(e.to_string()))?;
        Ok(Client {
            http,
            base: config.base_url,
            timeout: config.timeout,
            back_off_until: Mutex::new(None),
        })
    }

    /// The longest a call can take.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// `/auth`: start an identification.
    pub async fn auth(&self, request: &AuthRequest) -> Result<OrderResponse, Error> {
        self.call("auth", request).await
    }

    /// `/sign`: start a signing (`user_visible_data` is required by BankID).
    pub async fn sign(&self, request: &AuthRequest) -> Result<OrderResponse, Error> {
        self.call("sign", request).await
    }

    /// `/phone/auth`: identify a caller on the phone.
    pub async fn phone_auth(
        &self,
        request: &PhoneAuthRequest,
    ) -> Result<PhoneOrderResponse, Error> {
        self.call("phone/auth", request).await
    }

    /// `/phone/sign`: signing during a phone call (`user_visible_data` required).
    pub async fn phone_sign(
        &self,
        request: &PhoneAuthRequest,
    ) -> Result<PhoneOrderResponse, Error> {
        self.call("phone/sign", request).await
    }

    /// `/collect`: the order's status. Call every 2 s while pending.
    pub async fn collect(&self, order_ref: &str) -> Result<CollectResponse, Error> {
        self.call(
            "collect",
            &OrderRef {
                order_ref: order_ref.to_owned(),
            },
        )
        .await
    }

    /// `/cancel`: end a pending order.
    pub async fn cancel(&self, order_ref: &str) -> Result<(), Error> {
        let _: serde_json::Value = self
            .call(
                "cancel",
                &OrderRef {
                    order_ref: order_ref.to_owned(),
                },
            )
            .await?;
        Ok(())
    }

    /// Proves the connection works end to end (TLS, client certificate, API) without
    /// starting an order: collects an order that cannot exist, which BankID answers
    /// with `invalidParameters` in its own error body (a bare 400 from a proxy does
    /// not count).
    pub async fn check_connection(&self) -> Result<(), Error> {
        match self.collect("00000000-0000-4000-8000-000000000000").await {
            Err(Error::Api {
                code: ErrorCode::InvalidParameters,
                ..
            }) => Ok(()),
            Err(e) => Err(e),
            Ok(_) => Err(Error::Response(
                "an order that cannot exist was found".into(),
            )),
        }
    }

    async fn call<Req: Serialize, Resp: DeserializeOwned>(
        &self,
        path: &str,
        body: &Req,
    ) -> Result<Resp, Error> {
        self.check_back_off()?;
        let url = self
            .base
            .join(path)
            .map_err(|e| Error::Response(e.to_string()))?;
        let body = serde_json::to_vec(body).map_err(unreadable)?;
        // Exactly `application/json`: a charset parameter gets 415 from BankID.
        let response = self
            .http
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body)
            .send()
            .await
            .map_err(transport_error)?;
        let status = response.status();
        let back_off = back_off_from_headers(response.headers());
        let bytes = response.bytes().await.map_err(transport_error)?;
        if status.is_success() {
            return serde_json::from_slice(&bytes).map_err(unreadable);
        }
        let error = error_from(status.as_u16(), &bytes);
        if error.class() == ErrorClass::BackOff {
            self.start_back_off(back_off.unwrap_or(DEFAULT_BACK_OFF));
        }
        // The caller decides how bad this is (see `Error::class`) and logs it.
        tracing::debug!(path, error = %error, "BankID call failed");
        Err(error)
    }

    fn check_back_off(&self) -> Result<(), Error> {
        let mut gate = self
            .back_off_until
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        match *gate {
            Some(until) if until > Instant::now() => Err(Error::BackingOff(until - Instant::now())),
            Some(_) => {
                *gate = None;
                Ok(())
            }
            None => Ok(()),
        }
    }

    fn start_back_off(&self, wait: Duration) {
        let mut gate = self
            .back_off_until
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *gate = Some(Instant::now() + wait.min(MAX_BACK_OFF));
    }
}

/// An error answer: BankID's own body, or a bare status from something in between.
fn error_from(status: u16, body: &[u8]) -> Error {
    match serde_json::from_slice::<ErrorBody>(body) {
        Ok(body) => Error::Api {
            status,
            code: body.error_code,
            details: body.details,
        },
        Err(_) => Error::Status {
            status,
            code: status_to_code(status),
        },
    }
}

/// A JSON failure named by kind and place only: serde's message quotes the offending
/// value, which in a collect answer may be a personal number.
fn unreadable(e: serde_json::Error) -> Error {
    Error::Response(format!(
        "{:?} JSON error at line {} column {}",
        e.classify(),
        e.line(),
        e.column()
    ))
}

fn transport_error(e: reqwest::Error) -> Error {
    if e.is_timeout() {
        return Error::Timeout;
    }
    // The whole source chain: the TLS reason ("unknown issuer", "certificate required")
    // sits a few levels down.
    let mut text = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    Error::Transport(text)
}

/// An error status without a readable body, read by its status alone.
fn status_to_code(status: u16) -> ErrorCode {
    match status {
        400 => ErrorCode::InvalidParameters,
        401 | 403 => ErrorCode::Unauthorized,
        404 => ErrorCode::NotFound,
        405 => ErrorCode::MethodNotAllowed,
        408 => ErrorCode::RequestTimeout,
        415 => ErrorCode::UnsupportedMediaType,
        429 => ErrorCode::TooManyRequests,
        503 => ErrorCode::Maintenance,
        _ => ErrorCode::InternalError,
    }
}

/// `Retry-After` or `RateLimit-Reset` (draft-ietf-httpapi-ratelimit-headers), in
/// seconds.
fn back_off_from_headers(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    ["retry-after", "ratelimit-reset"].iter().find_map(|name| {
        let seconds: u64 = headers.get(*name)?.to_str().ok()?.trim().parse().ok()?;
        Some(Duration::from_secs(seconds))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_without_bodies_still_classify() {
        assert_eq!(status_to_code(429).class(), ErrorClass::BackOff);
        assert_eq!(status_to_code(403).class(), ErrorClass::Internal);
        assert_eq!(status_to_code(502).class(), ErrorClass::TryAgain);
        let mut h = reqwest::header::HeaderMap::new();
        h.insert("ratelimit-reset", "7".parse().expect("header"));
        assert_eq!(back_off_from_headers(&h), Some(Duration::from_secs(7)));
    }

    #[test]
    fn bare_statuses_are_not_bankid_answers() {
        let proxy = error_from(400, b"<html>Bad Request</html>");
        assert!(matches!(
            proxy,
            Error::Status {
                status: 400,
                code: ErrorCode::InvalidParameters
            }
        ));
        assert_eq!(proxy.class(), ErrorClass::Internal);
        assert_eq!(error_from(429, b"").class(), ErrorClass::BackOff);
        let bankid = error_from(
            400,
            br#"{"errorCode":"invalidParameters","details":"No such order"}"#,
        );
        assert!(matches!(
            bankid,
            Error::Api {
                code: ErrorCode::InvalidParameters,
                ..
            }
        ));
        let e = serde_json::from_str::<crate::api::User>(r#"{"personalNumber": 199001010017}"#)
            .map_err(unreadable)
            .expect_err("wrong type");
        assert!(!e.to_string().contains("199001010017"), "{e}");
    }

    #[test]
    fn network_trouble_tells_the_user_to_try_again() {
        assert_eq!(Error::Timeout.message(), Some(Rfa::Rfa5));
        assert_eq!(Error::Timeout.class(), ErrorClass::TryAgain);
        let own_fault = Error::Api {
            status: 400,
            code: ErrorCode::InvalidParameters,
            details: "x".into(),
        };
        assert_eq!(own_fault.message(), None);
        assert_eq!(own_fault.class(), ErrorClass::Internal);
    }
}
