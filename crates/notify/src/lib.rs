//! Portvakt's outbound messages: adapters for the `EmailSender` port of
//! `portvakt_core::notify`, and the templates that write each message.
//!
//! - [`SmtpSender`]: e-mail over SMTP with lettre (`smtp://`, `smtps://`, STARTTLS with
//!   `?tls=required`), plain-text and HTML parts, `Content-Language`, no tracking.
//! - [`templates`]: every message in Swedish and English.

pub mod smtp;
pub mod templates;

pub use smtp::{SmtpSender, SmtpSettings};
