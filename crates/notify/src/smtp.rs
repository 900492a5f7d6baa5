//! E-mail over SMTP with lettre.

use async_trait::async_trait;
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::Error as SmtpError;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message as Mail, Tokio1Executor};
use portvakt_core::notify::{Email, EmailSender, Receipt, SendError};
use portvakt_core::secret::Secret;
use std::time::Duration;

/// What the SMTP sender needs (`[notify.email]`). `Debug` leaves the URL out: it may
/// hold a password.
#[derive(Clone)]
pub struct SmtpSettings {
    /// lettre's URL form: `smtp://host:25`, `smtp://host:587?tls=required` (STARTTLS),
    /// `smtps://user@host:465` (implicit TLS).
    pub url: String,
    /// The password of the user named in the URL, when it is not in the URL.
    pub password: Option<Secret>,
    /// Extra certificate authorities (PEM) to trust for the server.
    pub ca_pem: Option<Vec<u8>>,
    /// The sender, `Name <address>` or an address.
    pub from: String,
    /// Opening the TCP connection must finish within this (lettre's timeout; it does
    /// not bound the server's replies).
    pub connect_timeout: Duration,
    /// The whole message, from connecting to the final reply, must finish within this.
    pub send_timeout: Duration,
}

impl std::fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpSettings")
            .field("from", &self.from)
            .field("connect_timeout", &self.connect_timeout)
            .field("send_timeout", &self.send_timeout)
            .finish_non_exhaustive()
    }
}

/// Sends e-mail through one SMTP server.
pub struct SmtpSender {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    send_timeout: Duration,
}

impl std::fmt::Debug for SmtpSender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may hold a password: leave it out.
        f.debug_struct("SmtpSender")
            .field("from", &self.from)
            .finish_non_exhaustive()
    }
}

fn bad_url() -> SendError {
    SendError::Config(
        "smtp_url: use smtp://host:port, smtp://host:587?tls=required or \
         smtps://user@host:465"
            .into(),
    )
}

impl SmtpSender {
    /// Builds the sender. Errors name what is wrong without quoting the URL (it may hold
    /// a password).
    pub fn new(settings: &SmtpSettings) -> Result<Self, SendError> {
        let mut builder =
            AsyncSmtpTransport::<Tokio1Executor>::from_url(&settings.url).map_err(|_| bad_url())?;
        let url = url::Url::parse(&settings.url).map_err(|_| bad_url())?;
        if let Some(password) = &settings.password {
            if url.password().is_some() {
                return Err(SendError::Config(
                    "give the SMTP password in smtp_url or in smtp_password*, not both".into(),
                ));
            }
            let user = percent_decode(url.username());
            if user.is_empty() {
                return Err(SendError::Config(
                    "smtp_password needs a user in smtp_url (smtps://user@host)".into(),
                ));
            }
            builder = builder.credentials(Credentials::new(user, password.expose().to_owned()));
        }
        if let Some(pem) = &settings.ca_pem {
            if !String::from_utf8_lossy(pem).contains("-----BEGIN CERTIFICATE-----") {
                return Err(SendError::Config(
                    "ca_file: no PEM certificate in it".into(),
                ));
            }
            let host = url.host_str().ok_or_else(bad_url)?.to_owned();
            let certificate = Certificate::from_pem(pem)
                .map_err(|_| SendError::Config("ca_file: not a PEM certificate".into()))?;
            let parameters = TlsParameters::builder(host)
                .add_root_certificate(certificate)
                .build_rustls()
                .map_err(|_| SendError::Config("ca_file: cannot be used for TLS".into()))?;
            let tls = url
                .query_pairs()
                .find(|(k, _)| k == "tls")
                .map(|(_, v)| v.into_owned());
            let tls = match (url.scheme(), tls.as_deref()) {
                ("smtps", _) => Tls::Wrapper(parameters),
                ("smtp", Some("required")) => Tls::Required(parameters),
                ("smtp", Some("opportunistic")) => Tls::Opportunistic(parameters),
                _ => {
                    return Err(SendError::Config(
                        "ca_file needs TLS: smtps://… or smtp://…?tls=required".into(),
                    ));
                }
            };
            builder = builder.tls(tls);
        }
        let transport = builder.timeout(Some(settings.connect_timeout)).build();
        let from = settings
            .from
            .parse()
            .map_err(|_| SendError::Config("from: not an e-mail address".into()))?;
        Ok(SmtpSender {
            transport,
            from,
            send_timeout: settings.send_timeout,
        })
    }
}

fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

/// The server's reply for the operator: no control characters, and any address in it
/// masked ("queued as 12345 for a***@example.se").
fn printable_reply(reply: &str) -> String {
    reply
        .split(' ')
        .map(|word| {
            let word: String = word.chars().filter(|c| !c.is_control()).collect();
            if word.contains('@') {
                portvakt_core::notify::mask_email(word.trim_matches(['<', '>', ',', ';']))
            } else {
                word
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(200)
        .collect()
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
        "the server does not offer what smtp_url asks for (STARTTLS, or authentication)"
    } else {
        "connection failure"
    };
    format!("{what}{code}")
}

#[async_trait]
impl EmailSender for SmtpSender {
    async fn send(&self, email: &Email) -> Result<Receipt, SendError> {
        let recipient: Mailbox = email
            .to()
            .parse()
            .map_err(|_| SendError::Refused("not an e-mail address".into()))?;
        let mut from = self.from.clone();
        if let Some(name) = email.sender_name() {
            from.name = Some(name.to_owned());
        }
        let mail = Mail::builder()
            .from(from)
            .to(recipient)
            .subject(email.subject())
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("Content-Language"),
                email.lang().as_str().into(),
            ))
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("Auto-Submitted"),
                "auto-generated".into(),
            ))
            .multipart(MultiPart::alternative_plain_html(
                email.text().to_owned(),
                email.html().to_owned(),
            ))
            .map_err(|e| SendError::Config(format!("building the message: {e}")))?;
        // One attempt: a message the server may have taken is never sent twice.
        match tokio::time::timeout(self.send_timeout, self.transport.send(mail)).await {
            Err(_) => Err(SendError::Unavailable("timeout".into())),
            Ok(Ok(response)) => Ok(Receipt {
                answer: printable_reply(&format!(
                    "{} {}",
                    response.code(),
                    response.message().collect::<Vec<_>>().join(" ")
                )),
            }),
            // 535: authentication credentials invalid (RFC 4954 §6).
            Ok(Err(e)) if e.status().is_some_and(|c| c.to_string() == "535") => Err(
                SendError::Config("the server refused the credentials (535)".into()),
            ),
            Ok(Err(e)) if e.is_permanent() => Err(SendError::Refused(kind(&e))),
            Ok(Err(e)) => Err(SendError::Unavailable(kind(&e))),
        }
    }
}
