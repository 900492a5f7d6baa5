//! E-mail over SMTP with lettre.

use crate::templates;
use async_trait::async_trait;
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::Error as SmtpError;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message as Mail, Tokio1Executor};
use portvakt_core::notify::{EmailSender, EmailTo, Message, Receipt, SendError};
use std::time::Duration;

/// What the SMTP sender needs (`[notify.email]`).
#[derive(Debug, Clone)]
pub struct SmtpSettings {
    /// lettre's URL form: `smtp://host:25`, `smtp://host:587?tls=required` (STARTTLS),
    /// `smtps://user:pass@host:465` (implicit TLS).
    pub url: String,
    /// The sender, `Name <address>` or an address.
    pub from: String,
    /// The whole SMTP conversation must finish within this.
    pub timeout: Duration,
}

/// Sends e-mail through one SMTP server.
pub struct SmtpSender {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl std::fmt::Debug for SmtpSender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may hold a password: leave it out.
        f.debug_struct("SmtpSender")
            .field("from", &self.from)
            .finish()
    }
}

impl SmtpSender {
    /// Builds the sender. Errors name what is wrong without quoting the URL (it may hold
    /// a password).
    pub fn new(settings: &SmtpSettings) -> Result<Self, SendError> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&settings.url)
            .map_err(|_| {
                SendError::Config(
                    "smtp_url: use smtp://host:port, smtp://host:587?tls=required or \
                     smtps://user:password@host:465"
                        .into(),
                )
            })?
            .timeout(Some(settings.timeout))
            .build();
        let from = settings
            .from
            .parse()
            .map_err(|_| SendError::Config("from: not an e-mail address".into()))?;
        Ok(SmtpSender { transport, from })
    }
}

/// An SMTP error without anything the server or the URL said that could hold personal
/// data or a password: its kind and status code only.
fn kind(e: &SmtpError) -> String {
    let code = e.status().map(|c| format!(" ({c})")).unwrap_or_default();
    let what = if e.is_transient() {
        "temporary failure"
    } else if e.is_permanent() {
        "permanent failure"
    } else if e.is_timeout() {
        "timeout"
    } else if e.is_tls() {
        "TLS failure"
    } else if e.is_client() {
        "client error"
    } else {
        "connection failure"
    };
    format!("{what}{code}")
}

#[async_trait]
impl EmailSender for SmtpSender {
    async fn send(&self, to: &EmailTo, message: &Message) -> Result<Receipt, SendError> {
        let words = templates::email(message, &to.lang);
        let recipient: Mailbox = to
            .address
            .parse()
            .map_err(|_| SendError::Refused("not an e-mail address".into()))?;
        let language = if to.lang == "en" { "en" } else { "sv" };
        let mail = Mail::builder()
            .from(self.from.clone())
            .to(recipient)
            .subject(words.subject)
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("Content-Language"),
                language.into(),
            ))
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("Auto-Submitted"),
                "auto-generated".into(),
            ))
            .multipart(MultiPart::alternative_plain_html(words.text, words.html))
            .map_err(|e| SendError::Config(format!("building the message: {e}")))?;
        match self.transport.send(mail).await {
            Ok(response) => Ok(Receipt {
                answer: format!(
                    "{} {}",
                    response.code(),
                    response.message().collect::<Vec<_>>().join(" ")
                ),
            }),
            Err(e) if e.is_permanent() => Err(SendError::Refused(kind(&e))),
            Err(e) => Err(SendError::Unavailable(kind(&e))),
        }
    }
}
