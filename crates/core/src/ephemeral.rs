//! Typed short-lived state on top of [`EphemeralStore`]'s primitives. Each value is
//! JSON under a namespaced key, and codes/tokens are keyed by their hash, never in clear (S41).

use crate::grant::AuthorizationCode;
use crate::ids::{ClientId, GrantId};
use crate::ports::{Consumed, EphemeralStore, StoreError};
use crate::random::new_token;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::sync::Arc;
use std::time::Duration;

/// How long a spent code is remembered, so a second redemption can revoke its grant.
const SPENT_CODE_MEMORY: Duration = Duration::from_secs(600);

/// Every key of the ephemeral store, in one place: a prefix names what a value is, and
/// codes, tokens and cookie values appear only as their hash (S41). Adapters add their
/// own prefix per deployment (`[redis] key_prefix`).
pub mod keys {
    use crate::random::token_hash;

    /// An authorization code, by its hash.
    pub fn code(code: &str) -> String {
        format!("code:{}", token_hash(code))
    }
    /// A grant revoked before its row may exist.
    pub fn grant_revoked(grant_id: &str) -> String {
        format!("grant-revoked:{grant_id}")
    }
    /// A client assertion's `jti`, per client.
    pub fn jti(client: &str, jti: &str) -> String {
        format!("jti:{client}:{}", token_hash(jti))
    }
    /// A session that ended, by `sid`.
    pub fn session_ended(sid: &str) -> String {
        format!("session-ended:{sid}")
    }
    /// A fixed-window counter.
    pub fn counter(name: &str) -> String {
        format!("count:{name}")
    }
    /// A gate that lets one attempt through per delay.
    pub fn gate(name: &str) -> String {
        format!("gate:{name}")
    }
    /// A remembered fact.
    pub fn fact(name: &str) -> String {
        format!("fact:{name}")
    }
    /// A revoked access token, by `jti`.
    pub fn access_token_revoked(jti: &str) -> String {
        format!("at-revoked:{jti}")
    }
    /// A login transaction, by the hash of its id.
    pub fn login_transaction(id: &str) -> String {
        format!("login:{}", token_hash(id))
    }
    /// A session record, by the hash of its cookie value.
    pub fn session(cookie_value: &str) -> String {
        session_by_hash(&token_hash(cookie_value))
    }
    /// A session record, by a cookie hash already computed.
    pub fn session_by_hash(hash: &str) -> String {
        format!("session:{hash}")
    }
    /// The cookie hash of the session with this public `sid`.
    pub fn session_sid(sid: &str) -> String {
        format!("session-sid:{sid}")
    }
    /// A logout confirmation token, by its hash.
    pub fn logout_confirm(token: &str) -> String {
        format!("logout-confirm:{}", token_hash(token))
    }
    /// The demo relying party's pending request, by its `state`.
    pub fn demo_state(state: &str) -> String {
        format!("demo:{state}")
    }
    /// A flow in progress (a reset, a page opened from an e-mail), by the hash of its id.
    pub fn flow(id: &str) -> String {
        format!("flow:{}", token_hash(id))
    }
    /// A single-use link into a flow, by the hash of its token.
    pub fn flow_link(token: &str) -> String {
        format!("flow-link:{}", token_hash(token))
    }
    /// The development outbox's list.
    pub const DEV_OUTBOX: &str = "dev-outbox";
    /// A method's failure lockout (its deadline), per method, account and unlock
    /// generation.
    pub fn lockout(who: &str) -> String {
        format!("lockout:{who}")
    }
    /// A send-limit counter (`address:…`, `account:…`, `destination:…`).
    pub fn send_count(scope: &str) -> String {
        format!("send:{scope}")
    }
}

/// The result of redeeming an authorization code.
#[derive(Debug)]
pub enum Redemption {
    /// First redemption.
    Fresh(Box<AuthorizationCode>),
    /// The code was redeemed before (S5): revoke what the first redemption issued.
    Reused(Box<AuthorizationCode>),
    /// Unknown or expired.
    Missing,
}

/// Typed access to the ephemeral store.
#[derive(Clone)]
pub struct Ephemeral {
    store: Arc<dyn EphemeralStore>,
}

fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, StoreError> {
    serde_json::from_slice(bytes).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, StoreError> {
    serde_json::to_vec(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}

impl Ephemeral {
    /// Wraps a backend.
    pub fn new(store: Arc<dyn EphemeralStore>) -> Self {
        Ephemeral { store }
    }

    /// Stores a JSON value.
    pub async fn put_json<T: Serialize>(
        &self,
        key: &str,
        value: &T,
        ttl: Duration,
    ) -> Result<(), StoreError> {
        self.store.put(key, &encode(value)?, ttl).await
    }

    /// Overwrites an existing JSON value; false when it no longer exists.
    pub async fn replace_json<T: Serialize>(
        &self,
        key: &str,
        value: &T,
        ttl: Duration,
    ) -> Result<bool, StoreError> {
        self.store.replace(key, &encode(value)?, ttl).await
    }

    /// Reads a JSON value.
    pub async fn get_json<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, StoreError> {
        match self.store.get(key).await? {
            Some(bytes) => Ok(Some(decode(&bytes)?)),
            None => Ok(None),
        }
    }

    /// Takes a JSON value atomically (of parallel takers, one gets it). A value that
    /// does not parse is an error, never "absent".
    pub async fn take_json<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, StoreError> {
        match self.store.take(key).await? {
            Some(bytes) => Ok(Some(decode(&bytes)?)),
            None => Ok(None),
        }
    }

    /// Takes a value atomically, whatever it holds: true for the one caller that found it.
    pub async fn take_once(&self, key: &str) -> Result<bool, StoreError> {
        Ok(self.store.take(key).await?.is_some())
    }

    /// Deletes a value.
    pub async fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.store.delete(key).await
    }

    /// Issues an authorization code: returns the code, stores only its hash.
    pub async fn issue_code(
        &self,
        record: &AuthorizationCode,
        ttl: Duration,
    ) -> Result<String, StoreError> {
        let code = new_token();
        self.put_json(&keys::code(&code), record, ttl).await?;
        Ok(code)
    }

    /// Redeems a code atomically: of parallel redemptions exactly one is `Fresh` (S6).
    pub async fn redeem_code(&self, code: &str) -> Result<Redemption, StoreError> {
        let key = keys::code(code);
        Ok(
            match self.store.consume_once(&key, SPENT_CODE_MEMORY).await? {
                Consumed::Fresh(bytes) => Redemption::Fresh(Box::new(decode(&bytes)?)),
                Consumed::Spent(bytes) => Redemption::Reused(Box::new(decode(&bytes)?)),
                Consumed::Missing => Redemption::Missing,
            },
        )
    }

    /// Records that a grant was revoked before its row may exist (a reused code racing
    /// its first redemption); the first redemption checks this after writing the grant.
    pub async fn mark_grant_revoked(&self, id: &GrantId) -> Result<(), StoreError> {
        self.store
            .put(&keys::grant_revoked(id.as_str()), b"1", SPENT_CODE_MEMORY)
            .await
    }

    /// See [`Ephemeral::mark_grant_revoked`].
    pub async fn is_grant_marked_revoked(&self, id: &GrantId) -> Result<bool, StoreError> {
        Ok(self
            .store
            .get(&keys::grant_revoked(id.as_str()))
            .await?
            .is_some())
    }

    /// Remembers a client assertion's `jti` until the assertion expires; false when it
    /// was seen before (RFC 7523 §3 item 7: replay).
    pub async fn remember_jti(
        &self,
        client: &ClientId,
        jti: &str,
        ttl: Duration,
    ) -> Result<bool, StoreError> {
        let key = keys::jti(client.as_str(), jti);
        self.store.put_if_absent(&key, b"1", ttl).await
    }

    /// Remembers that session `sid` ended, long enough for any code issued in it to be
    /// redeemed (or expire): a grant created afterwards is revoked on the spot.
    pub async fn mark_session_ended(&self, sid: &str) -> Result<(), StoreError> {
        self.store
            .put(&keys::session_ended(sid), b"1", SPENT_CODE_MEMORY)
            .await
    }

    /// See [`Ephemeral::mark_session_ended`].
    pub async fn is_session_ended(&self, sid: &str) -> Result<bool, StoreError> {
        Ok(self.store.get(&keys::session_ended(sid)).await?.is_some())
    }

    /// Adds one to a fixed-window counter (the window starts at the first event).
    pub async fn bump(&self, key: &str, window: Duration) -> Result<u64, StoreError> {
        self.store.increment(&keys::counter(key), window).await
    }

    /// Gives back one count taken in advance (never below zero; the window stays).
    pub async fn give_back(&self, key: &str) -> Result<u64, StoreError> {
        self.store.decrement(&keys::counter(key)).await
    }

    /// A counter's value now (0 when absent).
    pub async fn counter(&self, key: &str) -> Result<u64, StoreError> {
        Ok(self
            .store
            .get(&keys::counter(key))
            .await?
            .and_then(|b| std::str::from_utf8(&b).ok()?.parse().ok())
            .unwrap_or(0))
    }

    /// Clears a counter.
    pub async fn reset(&self, key: &str) -> Result<(), StoreError> {
        self.store.delete(&keys::counter(key)).await
    }

    /// Takes a gate that stays shut for `delay` after: true for the one caller that
    /// found it open (of any number in parallel).
    pub async fn open_gate(&self, key: &str, delay: Duration) -> Result<bool, StoreError> {
        self.store
            .put_if_absent(&keys::gate(key), b"1", delay)
            .await
    }

    /// Opens a gate taken with [`Ephemeral::open_gate`] before its delay is over (the
    /// work it guarded is done).
    pub async fn release_gate(&self, key: &str) -> Result<(), StoreError> {
        self.store.delete(&keys::gate(key)).await
    }

    /// Remembers a fact (a browser known for an account) for `ttl`.
    pub async fn remember(&self, key: &str, ttl: Duration) -> Result<(), StoreError> {
        self.store.put(&keys::fact(key), b"1", ttl).await
    }

    /// See [`Ephemeral::remember`].
    pub async fn is_remembered(&self, key: &str) -> Result<bool, StoreError> {
        Ok(self.store.get(&keys::fact(key)).await?.is_some())
    }

    /// Revokes one access token by its `jti` until it would have expired anyway.
    pub async fn revoke_access_token(&self, jti: &str, ttl: Duration) -> Result<(), StoreError> {
        self.store
            .put(
                &keys::access_token_revoked(jti),
                b"1",
                ttl.max(Duration::from_secs(1)),
            )
            .await
    }

    /// True when the access token with this `jti` was revoked.
    pub async fn is_access_token_revoked(&self, jti: &str) -> Result<bool, StoreError> {
        Ok(self
            .store
            .get(&keys::access_token_revoked(jti))
            .await?
            .is_some())
    }
}
