//! The development outbox: a gateway for both channels that sends nothing and keeps
//! each message in the ephemeral store for a while, newest first, where `/dev/outbox`
//! (development profile only) shows it. The default in the development profile;
//! refused in production, since it keeps codes and links readable.

use super::render::{Email, Sms};
use super::{EmailSender, Receipt, SendError, SmsSender};
use crate::ports::EphemeralStore;
use crate::time::UnixTime;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;

/// The ephemeral-store key of the list.
const KEY: &str = crate::ephemeral::keys::DEV_OUTBOX;

/// How many messages the list keeps.
const KEEP: usize = 200;

/// Which channel a message went by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    /// SMS.
    Sms,
    /// E-mail.
    Email,
}

/// One message as `/dev/outbox.json` gives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxEntry {
    /// `sms` or `email`.
    pub channel: Channel,
    /// The E.164 number or the address, whole (development only).
    pub to: String,
    /// The sender the gateway would use for this client (an SMS sender, an e-mail
    /// display name), when the client has its own.
    pub from: Option<String>,
    /// The e-mail's subject; `null` for an SMS.
    pub subject: Option<String>,
    /// The text (an e-mail's plain-text part).
    pub text: String,
    /// `sv` or `en`, for an e-mail.
    pub lang: Option<String>,
    /// When, in seconds since the Unix epoch.
    pub sent_at: i64,
}

/// The outbox: a gateway for SMS and e-mail, and its reader.
#[derive(Clone)]
pub struct DevOutbox {
    store: Arc<dyn EphemeralStore>,
    ttl: Duration,
}

impl DevOutbox {
    /// Keeps each message for `ttl`.
    pub fn new(store: Arc<dyn EphemeralStore>, ttl: Duration) -> Self {
        DevOutbox { store, ttl }
    }

    /// The messages of the last `ttl`, newest first.
    pub async fn messages(&self) -> Result<Vec<OutboxEntry>, SendError> {
        let oldest = UnixTime::now().0 - i64::try_from(self.ttl.as_secs()).unwrap_or(i64::MAX);
        let raw = self
            .store
            .recent(KEY)
            .await
            .map_err(|e| SendError::Unavailable(format!("outbox: {e}")))?;
        Ok(raw
            .iter()
            .filter_map(|bytes| serde_json::from_slice::<OutboxEntry>(bytes).ok())
            .filter(|entry| entry.sent_at >= oldest)
            .collect())
    }

    async fn keep(&self, entry: &OutboxEntry) -> Result<Receipt, SendError> {
        let bytes =
            serde_json::to_vec(entry).map_err(|e| SendError::Config(format!("outbox: {e}")))?;
        self.store
            .push_recent(KEY, &bytes, KEEP, self.ttl)
            .await
            .map_err(|e| SendError::Unavailable(format!("outbox: {e}")))?;
        Ok(Receipt {
            answer: "kept in the development outbox (/dev/outbox)".into(),
        })
    }
}

#[async_trait]
impl SmsSender for DevOutbox {
    async fn send(&self, sms: &Sms) -> Result<Receipt, SendError> {
        self.keep(&OutboxEntry {
            channel: Channel::Sms,
            to: sms.to().e164().to_owned(),
            from: sms.from().map(str::to_owned),
            subject: None,
            text: sms.text().to_owned(),
            lang: None,
            sent_at: UnixTime::now().0,
        })
        .await
    }
}

#[async_trait]
impl EmailSender for DevOutbox {
    async fn send(&self, email: &Email) -> Result<Receipt, SendError> {
        // As an SMTP server would: an address has one @ and no spaces.
        let to = email.to();
        if to.matches('@').count() != 1 || to.chars().any(char::is_whitespace) {
            return Err(SendError::Refused("not an e-mail address".into()));
        }
        self.keep(&OutboxEntry {
            channel: Channel::Email,
            to: email.to().to_owned(),
            from: email.sender_name().map(str::to_owned),
            subject: Some(email.subject().to_owned()),
            text: email.text().to_owned(),
            lang: Some(email.lang().as_str().to_owned()),
            sent_at: UnixTime::now().0,
        })
        .await
    }
}
