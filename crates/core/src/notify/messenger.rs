//! The one way a login method sends a message: send limits, then the gateway, then an
//! audit event.

use super::message::{Brand, EmailMessage, SmsMessage};
use super::render;
use super::{EmailSender, Receipt, SendError, SmsSender, mask_email};
use crate::address::address_block;
use crate::audit::{AuditEvent, AuditKind};
use crate::ephemeral::keys;
use crate::i18n::Lang;
use crate::ids::{AccountId, ClientId};
use crate::phone::MobileNumber;
use crate::ports::{AuditLog, EphemeralStore};
use crate::random::token_hash;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

/// The send limits (S43), `[notify.limits]`: at most so many messages in one fixed
/// window, counted per account, per destination (a number or an address) and per
/// client address (IPv6 by /64).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SendLimits {
    /// Messages per account.
    pub per_account: u64,
    /// Messages per destination.
    pub per_destination: u64,
    /// Messages per client address.
    pub per_address: u64,
    /// The window the counts are kept for.
    pub window: Duration,
}

/// Which send limit refused a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// Too many messages asked for from this address.
    Address,
    /// Too many messages for this account.
    Account,
    /// Too many messages to this number or address.
    Destination,
}

impl Limit {
    fn as_str(self) -> &'static str {
        match self {
            Limit::Address => "address",
            Limit::Account => "account",
            Limit::Destination => "destination",
        }
    }
}

/// Why nothing was sent. A login method turns each into a clear page (S46: never a
/// half-done login).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotSent {
    /// Over a send limit.
    #[error("over the send limit per {}", .0.as_str())]
    Limited(Limit),
    /// The gateway did not take it, or the send counters could not be read (then
    /// nothing is sent: the limits stay enforced).
    #[error(transparent)]
    Failed(#[from] SendError),
}

/// Who a message is sent for, and how to write it.
#[derive(Debug, Clone, Copy)]
pub struct SendContext<'a> {
    /// The account it belongs to; `None` when there is none (the counts per
    /// destination and address still apply).
    pub account: Option<&'a AccountId>,
    /// The client whose login sends it.
    pub client: Option<&'a ClientId>,
    /// The browser's address.
    pub ip: Option<IpAddr>,
    /// The page's language, which the message is written in.
    pub lang: Lang,
    /// The client's name and senders.
    pub brand: &'a Brand,
}

/// Sends messages for the login methods.
#[derive(Clone)]
pub struct Messenger {
    sms: Option<Arc<dyn SmsSender>>,
    email: Option<Arc<dyn EmailSender>>,
    counters: Arc<dyn EphemeralStore>,
    audit: Arc<dyn AuditLog>,
    limits: SendLimits,
}

impl Messenger {
    /// A messenger over the configured gateways (`None`: no gateway for that channel,
    /// and every message on it fails with [`SendError::Config`]).
    pub fn new(
        sms: Option<Arc<dyn SmsSender>>,
        email: Option<Arc<dyn EmailSender>>,
        counters: Arc<dyn EphemeralStore>,
        audit: Arc<dyn AuditLog>,
        limits: SendLimits,
    ) -> Self {
        Messenger {
            sms,
            email,
            counters,
            audit,
            limits,
        }
    }

    /// Sends `message` to `to` by SMS.
    pub async fn send_sms(
        &self,
        to: &MobileNumber,
        message: &SmsMessage,
        cx: &SendContext<'_>,
    ) -> Result<Receipt, NotSent> {
        let sms = render::sms(to.clone(), message, cx.lang, cx.brand);
        let what = Described {
            purpose: message.purpose().as_str(),
            channel: "sms",
            to: to.masked(),
        };
        let result = match &self.sms {
            None => Err(NotSent::Failed(SendError::Config(
                "no SMS gateway is configured ([notify.sms])".into(),
            ))),
            Some(gateway) => self.counted(to.e164(), cx, gateway.send(&sms)).await,
        };
        self.record(&what, &result, cx).await;
        result
    }

    /// Sends `message` to the address `to` by e-mail.
    pub async fn send_email(
        &self,
        to: &str,
        message: &EmailMessage,
        cx: &SendContext<'_>,
    ) -> Result<Receipt, NotSent> {
        let email = render::email(to, message, cx.lang, cx.brand);
        let what = Described {
            purpose: message.purpose().as_str(),
            channel: "email",
            to: mask_email(to),
        };
        let result = match &self.email {
            None => Err(NotSent::Failed(SendError::Config(
                "no e-mail gateway is configured ([notify.email])".into(),
            ))),
            Some(gateway) => {
                self.counted(&to.to_lowercase(), cx, gateway.send(&email))
                    .await
            }
        };
        self.record(&what, &result, cx).await;
        result
    }

    /// Counts one message against each limit, before it is sent, and returns the keys
    /// it counted. The counters are taken one after another (address, account,
    /// destination); a refusal gives every count back, the refusing one included, so
    /// counters hold messages sent (and sends in flight), never refusals: a flood at
    /// one number does not use up the budget of a school's shared address. Of parallel
    /// sends over one limit of N, exactly N pass (the N that pass never give back).
    async fn count(&self, destination: &str, cx: &SendContext<'_>) -> Result<Vec<String>, NotSent> {
        let mut counters: Vec<(String, u64, Limit)> = Vec::with_capacity(3);
        if let Some(ip) = cx.ip {
            counters.push((
                keys::send_count(&format!("address:{}", address_block(ip))),
                self.limits.per_address,
                Limit::Address,
            ));
        }
        if let Some(account) = cx.account {
            counters.push((
                keys::send_count(&format!("account:{account}")),
                self.limits.per_account,
                Limit::Account,
            ));
        }
        counters.push((
            keys::send_count(&format!("destination:{}", token_hash(destination))),
            self.limits.per_destination,
            Limit::Destination,
        ));
        let unavailable = |e: crate::ports::StoreError| {
            NotSent::Failed(SendError::Unavailable(format!("send counters: {e}")))
        };
        for (i, (key, max, limit)) in counters.iter().enumerate() {
            let n = self
                .counters
                .increment(key, self.limits.window)
                .await
                .map_err(unavailable)?;
            if n > *max {
                let taken: Vec<String> = counters[..=i].iter().map(|(k, _, _)| k.clone()).collect();
                self.give_back(&taken).await;
                return Err(NotSent::Limited(*limit));
            }
        }
        Ok(counters.into_iter().map(|(k, _, _)| k).collect())
    }

    /// Best effort: a count not given back only shortens a budget until its window ends.
    async fn give_back(&self, keys: &[String]) {
        for key in keys {
            let _ = self.counters.decrement(key).await;
        }
    }

    /// Sends through `gateway` after counting; a send that could not have left
    /// (the gateway is misconfigured) gives its counts back. A timeout or a refusal
    /// keeps them: the gateway may have sent it, or was asked.
    async fn counted<F>(
        &self,
        destination: &str,
        cx: &SendContext<'_>,
        send: F,
    ) -> Result<Receipt, NotSent>
    where
        F: std::future::Future<Output = Result<Receipt, SendError>>,
    {
        let counted = self.count(destination, cx).await?;
        match send.await {
            Err(e @ SendError::Config(_)) => {
                self.give_back(&counted).await;
                Err(NotSent::Failed(e))
            }
            other => other.map_err(NotSent::Failed),
        }
    }

    async fn record(
        &self,
        what: &Described,
        result: &Result<Receipt, NotSent>,
        cx: &SendContext<'_>,
    ) {
        let mut detail = format!(
            "purpose={} channel={} to={}",
            what.purpose, what.channel, what.to
        );
        let kind = match result {
            Ok(_) => AuditKind::MessageSent,
            Err(e) => {
                let reason = match e {
                    NotSent::Limited(limit) => format!("limit:{}", limit.as_str()),
                    NotSent::Failed(f) => f.kind().to_owned(),
                };
                // Logged once, here: never the text, the code or the whole destination.
                tracing::warn!(
                    purpose = what.purpose,
                    channel = what.channel,
                    to = %what.to,
                    error = %e,
                    "message not sent"
                );
                detail.push_str(&format!(" reason={reason}"));
                AuditKind::MessageNotSent
            }
        };
        let mut event = AuditEvent::now(kind).detail(detail);
        if let Some(account) = cx.account {
            event = event.account(account);
        }
        if let Some(client) = cx.client {
            event = event.client(client);
        }
        if let Some(ip) = cx.ip {
            event = event.ip(ip);
        }
        if let Err(e) = self.audit.record(&event).await {
            tracing::warn!(error = %e, "audit event for a message not recorded");
        }
    }
}

/// A message as audit events and logs name it.
struct Described {
    purpose: &'static str,
    channel: &'static str,
    to: String,
}
