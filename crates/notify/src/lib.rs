//! Portvakt's outbound-message gateways, adapters for the `SmsSender` and
//! `EmailSender` ports of `portvakt_core::notify` (the messages themselves are written
//! there, from the catalogue the pages use):
//!
//! - [`SmtpSender`]: e-mail over SMTP with lettre (`smtp://`, STARTTLS with
//!   `?tls=required`, `smtps://`), plain-text and HTML parts, `Content-Language`.
//! - [`ElksSender`]: SMS through 46elks.
//! - [`WebhookSender`]: SMS through any HTTP gateway, from a body template.
//!
//! The development outbox is `portvakt_core::notify::outbox`. None of them retries: a
//! message a gateway may have taken is never sent twice.

mod elks;
mod http;
mod smtp;
mod webhook;

pub use elks::{ElksSender, ElksSettings};
pub use smtp::{SmtpSender, SmtpSettings};
pub use webhook::{BodyFormat, WebhookSender, WebhookSettings};
