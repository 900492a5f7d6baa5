//! Portvakt's HTTP face: the OpenID Connect endpoints and the hosted login pages.
//! Read [`routes::router`] first: every path the server answers is listed there.

pub mod error;
pub mod flows;
pub mod hashing;
pub mod headers;
pub mod i18n;
pub mod keys;
pub mod login;
pub mod oidc;
pub mod routes;
pub mod security;
pub mod session;
pub mod state;
pub mod views;

pub use routes::router;
pub use state::AppState;
