//! SMS through any HTTP gateway: a configured request with the number and the text
//! filled into a body template (`provider = "http"`).

use crate::http::{client, failure, transport_error};
use async_trait::async_trait;
use portvakt_core::i18n::fill;
use portvakt_core::notify::{Receipt, SendError, Sms, SmsSender};
use portvakt_core::secret::Secret;
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use std::time::Duration;

/// How values are written into the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyFormat {
    /// `application/json`: values are JSON string contents (the template has the
    /// quotes: `{"to": "{to}"}`).
    Json,
    /// `application/x-www-form-urlencoded`: values are percent-encoded.
    Form,
}

/// `[notify.sms]` with `provider = "http"`.
#[derive(Debug, Clone)]
pub struct WebhookSettings {
    /// The URL.
    pub url: String,
    /// `POST` or `PUT`.
    pub method: String,
    /// Headers as configured.
    pub headers: Vec<(String, String)>,
    /// Headers whose values are secrets (marked sensitive, never logged).
    pub secret_headers: Vec<(String, Secret)>,
    /// The body's format.
    pub format: BodyFormat,
    /// The body, with `{to}`, `{message}` and `{from}`.
    pub body: String,
    /// The default sender for `{from}`.
    pub from: Option<String>,
    /// Statuses that mean the gateway took the message.
    pub success_status: Vec<u16>,
    /// The gateway must answer within this.
    pub timeout: Duration,
}

/// Sends SMS through a configured HTTP request.
#[derive(Debug)]
pub struct WebhookSender {
    client: reqwest::Client,
    method: reqwest::Method,
    headers: HeaderMap,
    settings: WebhookSettings,
}

fn bad(what: &str) -> SendError {
    SendError::Config(format!("notify.sms: {what}"))
}

impl WebhookSender {
    /// Builds the sender; errors name the header or setting that cannot work.
    pub fn new(settings: WebhookSettings) -> Result<Self, SendError> {
        let client = client("the SMS gateway", settings.timeout)?;
        let method = match settings.method.as_str() {
            "POST" => reqwest::Method::POST,
            "PUT" => reqwest::Method::PUT,
            _ => return Err(bad("method must be POST or PUT")),
        };
        let mut headers = HeaderMap::new();
        headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static(match settings.format {
                BodyFormat::Json => "application/json",
                BodyFormat::Form => "application/x-www-form-urlencoded",
            }),
        );
        let secret: Vec<(&String, &str, bool)> = settings
            .headers
            .iter()
            .map(|(k, v)| (k, v.as_str(), false))
            .chain(
                settings
                    .secret_headers
                    .iter()
                    .map(|(k, v)| (k, v.expose(), true)),
            )
            .collect();
        for (name, value, sensitive) in secret {
            if [
                "host",
                "content-type",
                "content-length",
                "transfer-encoding",
            ]
            .contains(&name.to_ascii_lowercase().as_str())
            {
                return Err(bad(&format!(
                    "headers: {name} is set by Portvakt (use content_type for the body's type)"
                )));
            }
            let name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| bad(&format!("headers: {name} is not a header name")))?;
            let mut value = HeaderValue::from_str(value)
                .map_err(|_| bad(&format!("headers: the value of {name} is not allowed")))?;
            value.set_sensitive(sensitive);
            headers.insert(name, value);
        }
        if settings
            .success_status
            .iter()
            .any(|s| !(200..300).contains(s))
        {
            return Err(bad("success_status: only 2xx statuses can mean sent"));
        }
        let sender = WebhookSender {
            client,
            method,
            headers,
            settings,
        };
        // The body must be what it claims to be, whatever the values filled in.
        let sample = sender.fill_body("+46701234567", "Kod \"1234\"\n", "Portvakt");
        if sender.settings.format == BodyFormat::Json
            && serde_json::from_str::<serde_json::Value>(&sample).is_err()
        {
            return Err(bad(
                "body: not JSON once filled in (put the placeholders inside quotes: \"{message}\")",
            ));
        }
        Ok(sender)
    }

    fn fill_body(&self, to: &str, message: &str, from: &str) -> String {
        fill(
            &self.settings.body,
            &[
                ("to", &self.escape(to)),
                ("message", &self.escape(message)),
                ("from", &self.escape(from)),
            ],
        )
    }

    fn escape(&self, value: &str) -> String {
        match self.settings.format {
            BodyFormat::Json => {
                let quoted = serde_json::Value::String(value.to_owned()).to_string();
                quoted[1..quoted.len() - 1].to_owned()
            }
            BodyFormat::Form => url::form_urlencoded::byte_serialize(value.as_bytes()).collect(),
        }
    }
}

#[async_trait]
impl SmsSender for WebhookSender {
    async fn send(&self, sms: &Sms) -> Result<Receipt, SendError> {
        let from = sms
            .from()
            .or(self.settings.from.as_deref())
            .unwrap_or_default();
        let body = self.fill_body(sms.to().e164(), sms.text(), from);
        let response = self
            .client
            .request(self.method.clone(), &self.settings.url)
            .headers(self.headers.clone())
            .body(body)
            .send()
            .await
            .map_err(|e| transport_error("the SMS gateway", &e))?;
        let status = response.status();
        if !self.settings.success_status.contains(&status.as_u16()) {
            if status.is_success() {
                // Taken or not? The configuration says not; the gateway may disagree.
                return Err(SendError::Config(format!(
                    "the SMS gateway answered HTTP {}, which is not in success_status",
                    status.as_u16()
                )));
            }
            return Err(failure("the SMS gateway", status));
        }
        Ok(Receipt {
            answer: format!("HTTP {}", status.as_u16()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> WebhookSettings {
        WebhookSettings {
            url: "https://sms.example.se/send".into(),
            method: "POST".into(),
            headers: Vec::new(),
            secret_headers: Vec::new(),
            format: BodyFormat::Json,
            body: r#"{"to": "{to}", "text": "{message}"}"#.into(),
            from: None,
            success_status: vec![200],
            timeout: Duration::from_secs(5),
        }
    }

    fn refused(s: WebhookSettings) -> String {
        match WebhookSender::new(s) {
            Err(SendError::Config(why)) => why,
            other => panic!("should be refused: {other:?}"),
        }
    }

    #[test]
    fn settings_that_cannot_work_are_refused() {
        assert!(WebhookSender::new(settings()).is_ok());
        let mut s = settings();
        s.body = r#"{"to": {to}, "text": "{message}"}"#.into();
        assert!(refused(s).contains("not JSON once filled in"));
        let mut s = settings();
        s.headers = vec![("Host".into(), "evil.example".into())];
        assert!(refused(s).contains("Host is set by Portvakt"));
        let mut s = settings();
        s.success_status = vec![200, 500];
        assert!(refused(s).contains("only 2xx"));
    }

    #[test]
    fn values_are_escaped_for_the_body() {
        let sender = WebhookSender::new(settings()).expect("sender");
        let body = sender.fill_body("+46701234567", "Kod \"12\"\n{to}", "");
        let parsed: serde_json::Value = serde_json::from_str(&body).expect("JSON");
        assert_eq!(parsed["text"], "Kod \"12\"\n{to}");
        let mut form = settings();
        form.format = BodyFormat::Form;
        form.body = "to={to}&msg={message}".into();
        let sender = WebhookSender::new(form).expect("sender");
        assert_eq!(
            sender.fill_body("+46701234567", "a&b=c", ""),
            "to=%2B46701234567&msg=a%26b%3Dc"
        );
    }
}
