//! SMS through 46elks' REST API: `POST {api_url}/sms` with HTTP Basic authentication and
//! a form body `from`, `to`, `message` (../shared/reference/swedish-identity.md). Each
//! message is sent with `dontlog=message`, so 46elks keeps no copy of the code.

use crate::http::{body, client, failure, printable, transport_error};
use async_trait::async_trait;
use portvakt_core::notify::{Receipt, SendError, Sms, SmsSender};
use portvakt_core::secret::Secret;
use std::time::Duration;

/// `[notify.sms]` with `provider = "46elks"`.
#[derive(Debug, Clone)]
pub struct ElksSettings {
    /// The API's base URL, `https://api.46elks.com/a1`.
    pub api_url: String,
    /// The API username.
    pub username: String,
    /// The API password.
    pub password: Secret,
    /// The default sender (a client's own `sms_from` wins).
    pub from: String,
    /// The API must answer within this.
    pub timeout: Duration,
}

/// Sends SMS through 46elks.
#[derive(Debug)]
pub struct ElksSender {
    client: reqwest::Client,
    endpoint: String,
    settings: ElksSettings,
}

impl ElksSender {
    /// Builds the sender.
    pub fn new(settings: ElksSettings) -> Result<Self, SendError> {
        let client = client("46elks", settings.timeout)?;
        Ok(ElksSender {
            client,
            endpoint: format!("{}/sms", settings.api_url.trim_end_matches('/')),
            settings,
        })
    }
}

#[async_trait]
impl SmsSender for ElksSender {
    async fn send(&self, sms: &Sms) -> Result<Receipt, SendError> {
        let from = sms.from().unwrap_or(&self.settings.from);
        let response = self
            .client
            .post(&self.endpoint)
            .basic_auth(
                &self.settings.username,
                Some(self.settings.password.expose()),
            )
            .form(&[
                ("from", from),
                ("to", sms.to().e164()),
                ("message", sms.text()),
                ("dontlog", "message"),
            ])
            .send()
            .await
            .map_err(|e| transport_error("46elks", &e))?;
        let status = response.status();
        if !status.is_success() {
            return Err(failure("46elks", status));
        }
        // 46elks answers {"id", "status", "parts", …}; read loosely, since the message
        // was taken whatever the answer's exact shape: a retry would send it twice.
        let bytes = body("46elks", response).await?;
        let answer: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
        let field = |name: &str| match &answer[name] {
            serde_json::Value::String(s) => printable(s),
            serde_json::Value::Null => "unknown".into(),
            other => printable(&other.to_string()),
        };
        if answer["status"] == "failed" {
            return Err(SendError::Refused("46elks: status failed".into()));
        }
        Ok(Receipt {
            answer: format!(
                "46elks id {}, status {}, {} part(s)",
                field("id"),
                field("status"),
                field("parts")
            ),
        })
    }
}
