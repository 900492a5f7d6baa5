//! BankID Relying Party API v6 (facts: `shared/reference/bankid-v6.md`; BankID's OpenAPI
//! `openapi-auth-sign-6.1.x`). This crate holds the parts that need no network: the typed
//! API, the animated QR code, hint and error codes, and the recommended user messages.
//! The mutual-TLS client, the order lifecycle and the simulator build on them.

pub mod api;
pub mod codes;
pub mod messages;
pub mod qr;
