//! Signing keys, the JWKS, and JWT signing and verification. josekit stays inside this crate.

mod keyring;
mod rotation;
mod verify_foreign;

pub use keyring::{Keyring, generate_key};
pub use rotation::{RotationPlan, plan_rotation, plan_unconfigured_retirement};
pub use verify_foreign::{check_jwks, verify_with_jwks};

/// A signing or verification failure.
#[derive(Debug, thiserror::Error)]
pub enum JoseError {
    /// A stored or configured key could not be used.
    #[error("bad key: {0}")]
    Key(String),
    /// No key for the requested algorithm is active.
    #[error("no active signing key for {0}")]
    NoKey(String),
    /// The token is malformed, its signature is wrong, or its header is unacceptable.
    #[error("invalid token: {0}")]
    Invalid(String),
}

impl From<josekit::JoseError> for JoseError {
    fn from(e: josekit::JoseError) -> Self {
        JoseError::Invalid(e.to_string())
    }
}

/// The JWS algorithms Portvakt signs and verifies with (one list, in core's config).
/// `none` and HMAC are never accepted (S12).
pub use portvakt_core::config::SUPPORTED_ALGS as ALGORITHMS;
