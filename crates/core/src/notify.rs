//! Outbound messages, the ports side (house style: ports in core, adapters in the
//! `notify` crate, wired by the server). Callers never send free text: they name a
//! message by its purpose ([`Message`]), and the adapter's templates write it in the
//! recipient's language.

use async_trait::async_trait;

/// A message, by purpose. More purposes come with the login methods that send them
/// (login code, reset code, confirm address, create password).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// `portvakt notify test`: proves the gateway works.
    Test,
}

/// Where an e-mail goes, and in which language it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailTo {
    /// The address (never logged whole; see [`mask_email`]).
    pub address: String,
    /// `sv` or `en`.
    pub lang: String,
}

/// What a gateway answered to a message it accepted, for the operator's test command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    /// The gateway's own words (an SMTP reply, a provider's message id).
    pub answer: String,
}

/// Why a message was not sent. Never carries the message text.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// The gateway could not be reached or did not answer in time: try again later.
    #[error("the gateway is unavailable: {0}")]
    Unavailable(String),
    /// The gateway refused the message (a permanent error, a refused address).
    #[error("the gateway refused the message: {0}")]
    Refused(String),
    /// The configuration cannot work (a bad address, a bad URL).
    #[error("the message cannot be sent as configured: {0}")]
    Config(String),
}

/// Sends e-mail.
#[async_trait]
pub trait EmailSender: Send + Sync {
    /// Writes `message` in `to.lang` and sends it to `to.address`.
    async fn send(&self, to: &EmailTo, message: &Message) -> Result<Receipt, SendError>;
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
}
