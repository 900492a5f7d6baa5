//! The ports adapters implement: the database (accounts, grants, keys, audit) and the
//! ephemeral store (codes, login transactions, replay caches, counters).

use crate::account::Account;
use crate::audit::AuditEvent;
use crate::grant::{Grant, RefreshTokenRecord, Rotation};
use crate::identity::{OrgNumber, Personnummer};
use crate::ids::{AccountId, GrantId};
use crate::time::UnixTime;
use async_trait::async_trait;
use std::time::Duration;

/// A storage failure. Callers answer 503 / `temporarily_unavailable` and never go on
/// as if the write happened (S46).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique identifier is already taken.
    #[error("conflict: {0} is already in use")]
    Conflict(&'static str),
    /// The backend could not be reached or failed.
    #[error("storage unavailable: {0}")]
    Unavailable(String),
    /// Stored data could not be read back.
    #[error("corrupt stored value: {0}")]
    Corrupt(String),
}

/// Accounts in the database.
#[async_trait]
pub trait AccountRepo: Send + Sync {
    /// By id.
    async fn find_account(&self, id: &AccountId) -> Result<Option<Account>, StoreError>;
    /// By username (exact).
    async fn find_by_username(&self, username: &str) -> Result<Option<Account>, StoreError>;
    /// By personnummer.
    async fn find_by_personnummer(&self, pnr: &Personnummer)
    -> Result<Option<Account>, StoreError>;
    /// By customer number.
    async fn find_by_customer_number(&self, number: &str) -> Result<Option<Account>, StoreError>;
    /// By organisation number (a company's account).
    async fn find_by_org_number(&self, org: &OrgNumber) -> Result<Option<Account>, StoreError>;
    /// Inserts; a taken identifier gives `Conflict`.
    async fn insert_account(&self, account: &Account) -> Result<(), StoreError>;
    /// A new password (S14), in one transaction: the hash is set, the old one moves into
    /// the history, `password_generation` goes up by one (sessions and codes made under
    /// the old one die at their next use), and every grant of the account is revoked
    /// with its refresh tokens and access tokens.
    async fn set_password(
        &self,
        id: &AccountId,
        hash: &str,
        now: UnixTime,
    ) -> Result<(), StoreError>;
    /// The same password under a new hash (a parameter upgrade, or Unicode
    /// normalisation after a login): replaces `old_hash` with `new_hash` only while
    /// `old_hash` is still current; no history, no revocation. True when replaced.
    async fn rehash_password(
        &self,
        id: &AccountId,
        old_hash: &str,
        new_hash: &str,
    ) -> Result<bool, StoreError>;
    /// `users unlock`: `unlock_generation` goes up by one, so failures counted before
    /// no longer count (S30).
    async fn clear_failures(&self, id: &AccountId) -> Result<(), StoreError>;
    /// Locks (`Some(time)`) or unlocks (`None`) an account.
    async fn set_locked(
        &self,
        id: &AccountId,
        locked_at: Option<UnixTime>,
        now: UnixTime,
    ) -> Result<(), StoreError>;
    /// Earlier password hashes, newest first.
    async fn password_history(&self, id: &AccountId, limit: u64)
    -> Result<Vec<String>, StoreError>;
    /// Accounts ordered by creation.
    async fn list_accounts(&self, limit: u64, offset: u64) -> Result<Vec<Account>, StoreError>;
    /// Sets (or with `None` removes) the e-mail address, confirmed or not.
    async fn set_email(
        &self,
        id: &AccountId,
        email: Option<&str>,
        verified: bool,
        now: UnixTime,
    ) -> Result<(), StoreError>;
    /// Sets (or with `None` removes) the mobile number, E.164; a changed number is not
    /// verified.
    async fn set_phone(
        &self,
        id: &AccountId,
        phone: Option<&str>,
        now: UnixTime,
    ) -> Result<(), StoreError>;
    /// Sets (or with `None` removes) the PIN of PIN + one-time code: an argon2id PHC
    /// string.
    async fn set_pin(
        &self,
        id: &AccountId,
        hash: Option<&str>,
        now: UnixTime,
    ) -> Result<(), StoreError>;
}

/// The code lists of PIN + one-time code (seed 000): per account, one current list of
/// single-use codes, stored as hashes ([`crate::otp::list_code_hash`], S41).
#[async_trait]
pub trait CodeListRepo: Send + Sync {
    /// Makes `hashes` the account's list, in one transaction: the old list is deleted
    /// (void at once), the new one inserted.
    async fn replace_code_list(
        &self,
        account: &AccountId,
        hashes: &[String],
        now: UnixTime,
    ) -> Result<(), StoreError>;
    /// Spends the unused code with `hash` of the account's list, by one conditional
    /// update: true for exactly one of parallel callers, false when it is spent or not
    /// on the list.
    async fn use_list_code(
        &self,
        account: &AccountId,
        hash: &str,
        now: UnixTime,
    ) -> Result<bool, StoreError>;
    /// How many unused codes the account's list has.
    async fn list_codes_left(&self, account: &AccountId) -> Result<u64, StoreError>;
}

/// Grants and refresh tokens in the database.
#[async_trait]
pub trait GrantRepo: Send + Sync {
    /// Stores a grant and, optionally, its first refresh token, in one transaction.
    async fn create_grant(
        &self,
        grant: &Grant,
        refresh: Option<&RefreshTokenRecord>,
    ) -> Result<(), StoreError>;
    /// By id.
    async fn find_grant(&self, id: &GrantId) -> Result<Option<Grant>, StoreError>;
    /// Marks a grant revoked (idempotent; unknown ids are fine).
    async fn revoke_grant(&self, id: &GrantId, at: UnixTime) -> Result<(), StoreError>;
    /// Revokes the grants issued in session `sid`, except those holding `offline_access`
    /// (logout ends the session's tokens, not offline access); returns how many.
    async fn revoke_session_grants(&self, sid: &str, at: UnixTime) -> Result<u64, StoreError>;
    /// A refresh token by its hash.
    async fn find_refresh_token(
        &self,
        token_hash: &str,
    ) -> Result<Option<RefreshTokenRecord>, StoreError>;
    /// Atomically marks `presented_hash` used and stores `next`: of any number of parallel
    /// calls with one token, exactly one gets `Rotated` (S6).
    async fn rotate_refresh_token(
        &self,
        presented_hash: &str,
        next: &RefreshTokenRecord,
        now: UnixTime,
    ) -> Result<Rotation, StoreError>;
    /// Stores one more refresh token of an existing grant (a grace-period answer).
    async fn add_refresh_token(&self, record: &RefreshTokenRecord) -> Result<(), StoreError>;
    /// A non-rotating refresh: moves an unused, unexpired token's expiry to `expires_at`;
    /// false when the token is unknown, used or expired.
    async fn extend_refresh_token(
        &self,
        token_hash: &str,
        expires_at: UnixTime,
        now: UnixTime,
    ) -> Result<bool, StoreError>;
}

/// A signing key as stored. The private key is PKCS#8 PEM; `Debug` leaves it out.
#[derive(Clone, PartialEq, Eq)]
pub struct StoredKey {
    /// Key id (`kid`).
    pub kid: String,
    /// JWS algorithm, e.g. `RS256`.
    pub alg: String,
    /// Private key, PKCS#8 PEM.
    pub private_pem: String,
    /// Generated.
    pub created_at: UnixTime,
    /// Signing starts here; until then it is only published (S17).
    pub active_from: UnixTime,
    /// Signing stopped here (a newer key took over).
    pub retired_at: Option<UnixTime>,
    /// Removed from the JWKS from here: every token it signed has expired.
    pub expires_at: Option<UnixTime>,
}

impl std::fmt::Debug for StoredKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredKey")
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .field("private_pem", &"[redacted]")
            .field("active_from", &self.active_from)
            .field("retired_at", &self.retired_at)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// Signing keys in the database, shared by every instance.
#[async_trait]
pub trait KeyRepo: Send + Sync {
    /// Every key not yet expired at `now`.
    async fn list_keys(&self, now: UnixTime) -> Result<Vec<StoredKey>, StoreError>;
    /// Adds a key.
    async fn insert_key(&self, key: &StoredKey) -> Result<(), StoreError>;
    /// Sets `retired_at` and `expires_at` of a key.
    async fn retire_key(
        &self,
        kid: &str,
        retired_at: UnixTime,
        expires_at: UnixTime,
    ) -> Result<(), StoreError>;
}

/// The audit trail.
#[async_trait]
pub trait AuditLog: Send + Sync {
    /// Appends one event.
    async fn record(&self, event: &AuditEvent) -> Result<(), StoreError>;
    /// The newest events, newest first.
    async fn recent(&self, limit: u64) -> Result<Vec<AuditEvent>, StoreError>;
}

/// The outcome of [`EphemeralStore::consume_once`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Consumed {
    /// First use: here is the value.
    Fresh(Vec<u8>),
    /// Used before: here is the value it had, so the caller can act on the reuse.
    Spent(Vec<u8>),
    /// Never existed, or expired.
    Missing,
}

/// Short-lived shared state (Redis in production, process memory in the embedded
/// default). Every key has a TTL. The operations are the few atomic primitives the
/// typed stores in [`crate::ephemeral`] are built from, so every backend offers every
/// feature and one shared test suite covers them all.
#[async_trait]
pub trait EphemeralStore: Send + Sync {
    /// Sets `key` (overwriting) with a TTL.
    async fn put(&self, key: &str, value: &[u8], ttl: Duration) -> Result<(), StoreError>;
    /// Sets `key` only if absent; true when it was set (replay caches).
    async fn put_if_absent(
        &self,
        key: &str,
        value: &[u8],
        ttl: Duration,
    ) -> Result<bool, StoreError>;
    /// Overwrites `key` only if it exists; true when it did (a value that was taken or
    /// expired meanwhile is not brought back).
    async fn replace(&self, key: &str, value: &[u8], ttl: Duration) -> Result<bool, StoreError>;
    /// Reads `key`.
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError>;
    /// Reads and deletes `key` atomically: of parallel takers, one gets the value.
    async fn take(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError>;
    /// Deletes `key`.
    async fn delete(&self, key: &str) -> Result<(), StoreError>;
    /// Adds one to a counter, creating it with `ttl` (a fixed window); returns the new count.
    async fn increment(&self, key: &str, ttl: Duration) -> Result<u64, StoreError>;
    /// Takes one from a live counter, never below zero and keeping its window; returns
    /// the new count (0 when the counter is absent). Gives back a count that was taken
    /// in advance, as the login throttle does for an attempt that succeeded.
    async fn decrement(&self, key: &str) -> Result<u64, StoreError>;
    /// Single use with memory of the use: the first call moves the value aside for
    /// `spent_ttl` and returns `Fresh`; later calls return `Spent` with the same value.
    async fn consume_once(&self, key: &str, spent_ttl: Duration) -> Result<Consumed, StoreError>;
    /// Puts `value` first in the list at `key`, keeps its newest `keep` entries and
    /// gives the list `ttl` from now (the development outbox).
    async fn push_recent(
        &self,
        key: &str,
        value: &[u8],
        keep: usize,
        ttl: Duration,
    ) -> Result<(), StoreError>;
    /// The list at `key`, newest first (empty when absent).
    async fn recent(&self, key: &str) -> Result<Vec<Vec<u8>>, StoreError>;
}
