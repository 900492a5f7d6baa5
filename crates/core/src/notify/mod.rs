//! Outbound messages, the ports side (house style: ports in core, adapters in the
//! `notify` crate, wired by the server).
//!
//! Callers never send free text. A login method names a message by its purpose
//! ([`SmsMessage`], [`EmailMessage`]), and hands it to the [`Messenger`], which
//! 1. counts it against the send limits (S43: per account, destination and address,
//!    atomically, before anything is sent),
//! 2. writes it in the user's language from the catalogue the pages use
//!    ([`render`]), with the client's name ([`Brand`]),
//! 3. gives it to a gateway port ([`SmsSender`], [`EmailSender`]), and
//! 4. records one audit event (masked destination, never the text).
//!
//! The gateways: SMTP, 46elks and a generic HTTP webhook in the `notify` crate, and the
//! development [`outbox`] here, which keeps messages in the ephemeral store for
//! `/dev/outbox`. docs/messages.md describes them.

mod gsm7;
mod message;
mod messenger;
pub mod outbox;
pub mod render;

pub use gsm7::{SmsEncoding, sms_length};
pub use message::{Brand, EmailMessage, Purpose, SmsMessage};
pub use messenger::{Limit, Messenger, NotSent, SendContext, SendLimits};
pub use render::{Email, Sms};

use async_trait::async_trait;

/// What a gateway answered to a message it accepted (an SMTP reply, a provider's message
/// id), for the operator's test command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    /// The gateway's own words.
    pub answer: String,
}

/// Why a gateway did not take a message. Never carries the message text, the
/// destination or a password.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// The gateway could not be reached or did not answer in time (a timeout, a 5xx):
    /// try again later.
    #[error("the gateway is unavailable: {0}")]
    Unavailable(String),
    /// The gateway refused this message (a refused address or number, a 4xx).
    #[error("the gateway refused the message: {0}")]
    Refused(String),
    /// The configuration cannot work (no gateway for the channel, credentials the
    /// gateway refuses, a bad URL).
    #[error("the message cannot be sent as configured: {0}")]
    Config(String),
}

impl SendError {
    /// A short name for audit events and logs: `unavailable`, `refused`, `config`.
    pub fn kind(&self) -> &'static str {
        match self {
            SendError::Unavailable(_) => "unavailable",
            SendError::Refused(_) => "refused",
            SendError::Config(_) => "config",
        }
    }
}

/// Sends SMS (46elks, a webhook, the outbox).
#[async_trait]
pub trait SmsSender: Send + Sync {
    /// Sends one written message. `Ok` means the gateway accepted it, not that it was
    /// delivered.
    async fn send(&self, sms: &Sms) -> Result<Receipt, SendError>;
}

/// Sends e-mail (SMTP, the outbox).
#[async_trait]
pub trait EmailSender: Send + Sync {
    /// Sends one written message. `Ok` means the server accepted it.
    async fn send(&self, email: &Email) -> Result<Receipt, SendError>;
}

/// Whether `from` can be an SMS sender: up to 11 ASCII letters and digits starting
/// with a letter (an alphanumeric sender id), or an E.164 number (`+` and 7 to 15
/// digits).
pub fn valid_sms_sender(from: &str) -> bool {
    if let Some(digits) = from.strip_prefix('+') {
        return (7..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit());
    }
    (1..=11).contains(&from.len())
        && from.bytes().all(|b| b.is_ascii_alphanumeric())
        && from.bytes().next().is_some_and(|b| b.is_ascii_alphabetic())
}

/// An address as it may appear in logs and audit events: the first letter of the local
/// part and the domain (`a***@example.se`).
pub fn mask_email(address: &str) -> String {
    match address.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => "***".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masked_addresses() {
        assert_eq!(mask_email("anna.andersson@example.se"), "a***@example.se");
        assert_eq!(mask_email("nonsense"), "***");
    }

    #[test]
    fn sms_senders() {
        for ok in ["Portvakt", "Dexter", "MinaSidor24", "+46701234567"] {
            assert!(valid_sms_sender(ok), "{ok}");
        }
        for bad in [
            "Mina sidor",
            "MinaSidorNu12",
            "24Dexter",
            "+46",
            "",
            "Växjö",
        ] {
            assert!(!valid_sms_sender(bad), "{bad}");
        }
    }
}
