//! Grants and the values bound to them: authorization codes, refresh tokens.

use crate::acr::Amr;
use crate::ids::{AccountId, ClientId, GrantId};
use crate::pkce::CodeChallenge;
use crate::time::UnixTime;
use serde::{Deserialize, Serialize};

/// What a user authorized for one client: created when a code is redeemed, and the root
/// every token issued from it hangs on, so revoking it revokes them all (RFC 6749 §4.1.2, §10.5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    /// Grant id, also inside every access token issued under it.
    pub id: GrantId,
    /// The client it was issued to.
    pub client_id: ClientId,
    /// The user.
    pub account_id: AccountId,
    /// Granted scope, space-separated.
    pub scope: String,
    /// The `claims` request parameter, JSON, if one was sent (OIDC Core §5.5).
    pub claims: Option<String>,
    /// The acr satisfied at login.
    pub acr: String,
    /// How the user authenticated.
    pub amr: Vec<Amr>,
    /// When the user authenticated.
    pub auth_time: UnixTime,
    /// The login session id (`sid`).
    pub sid: String,
    /// Created.
    pub created_at: UnixTime,
    /// Absolute end of the grant's refresh tokens.
    pub expires_at: UnixTime,
    /// Set once revoked.
    pub revoked_at: Option<UnixTime>,
}

impl Grant {
    /// True when tokens under it may still be used at `now`.
    pub fn is_active(&self, now: UnixTime) -> bool {
        self.revoked_at.is_none() && now < self.expires_at
    }
}

/// What an authorization code stands for, kept in the ephemeral store under the
/// code's hash for at most 60 s (S7).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AuthorizationCode {
    /// The grant its redemption creates; assigned up front so that a second
    /// redemption can revoke it (S5).
    pub grant_id: GrantId,
    /// Bound client (S8).
    pub client_id: ClientId,
    /// Bound redirect URI, exactly as sent in the authorization request (S8).
    pub redirect_uri: String,
    /// PKCE challenge, if one was sent.
    pub code_challenge: Option<CodeChallenge>,
    /// The authorization request's `nonce`.
    pub nonce: Option<String>,
    /// The user.
    pub account_id: AccountId,
    /// Granted scope.
    pub scope: String,
    /// The `claims` parameter, JSON.
    pub claims: Option<String>,
    /// Satisfied acr.
    pub acr: String,
    /// Methods used.
    pub amr: Vec<Amr>,
    /// Authentication time.
    pub auth_time: UnixTime,
    /// Session id.
    pub sid: String,
    /// The account's password generation when the user authenticated: a code from
    /// before a new password is refused (S14).
    #[serde(default)]
    pub password_generation: i64,
}

/// A refresh token row as stored (only its hash, S41).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshTokenRecord {
    /// SHA-256 of the token.
    pub token_hash: String,
    /// Its grant.
    pub grant_id: GrantId,
    /// Issued.
    pub created_at: UnixTime,
    /// Idle expiry: unused beyond this, it is dead.
    pub expires_at: UnixTime,
    /// Set when it was exchanged for a new one.
    pub used_at: Option<UnixTime>,
}

/// The outcome of presenting a refresh token for rotation (RFC 9700 §4.14.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rotation {
    /// Marked used; the successor is stored.
    Rotated,
    /// Already used, at `used_at`: the caller revokes the grant (S13), unless the
    /// client's policy gives a grace period that has not passed.
    Reused {
        /// When the token was first used.
        used_at: crate::time::UnixTime,
    },
    /// Past its idle expiry.
    Expired,
    /// Unknown token.
    NotFound,
}
