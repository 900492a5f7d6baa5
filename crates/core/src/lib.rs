//! Portvakt's domain: protocol values, configuration model, protocol rules and the storage
//! ports the adapters implement. Nothing here does IO: no axum, sea-orm, redis or josekit.

pub mod account;
pub mod acr;
pub mod address;
pub mod audit;
pub mod authorize;
pub mod claims;
pub mod config;
pub mod ephemeral;
pub mod grant;
pub mod i18n;
pub mod identity;
pub mod ids;
pub mod lock;
pub mod normalize;
pub mod notify;
pub mod oauth_error;
pub mod otp;
pub mod password_policy;
pub mod person;
pub mod phone;
pub mod pkce;
pub mod ports;
pub mod random;
pub mod redirect_uri;
pub mod scope;
pub mod secret;
pub mod session;
pub mod time;
