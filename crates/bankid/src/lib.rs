//! BankID Relying Party API v6 (facts: `shared/reference/bankid-v6.md`; BankID's OpenAPI
//! `openapi-auth-sign-6.1.x`): the typed API, a mutual-TLS client, the order lifecycle
//! shared through the ephemeral store, the animated QR code, autostart launch URLs, hint
//! and error codes, and BankID's recommended user messages. The simulator used in
//! development and tests is the `portvakt-bankid-simulator` crate.

pub mod api;
pub mod client;
pub mod codes;
pub mod launch;
pub mod messages;
pub mod order;
pub mod qr;
pub mod tls;

pub use client::{Client, ClientConfig, Error};
pub use order::{OrderHandle, Orders, Progress};
