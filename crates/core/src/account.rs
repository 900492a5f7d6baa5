//! The one account model every login method uses.

use crate::identity::{OrgNumber, Personnummer};
use crate::ids::AccountId;
use crate::time::UnixTime;

/// An account. Each identifier is optional (a student has a personnummer, a municipal
/// employee a username, a utility customer a customer number) and unique when present.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// Opaque, stable: this is the `sub` claim.
    pub id: AccountId,
    /// Login name for the password method.
    pub username: Option<String>,
    /// Personnummer or samordningsnummer.
    pub personnummer: Option<Personnummer>,
    /// A utility's customer number.
    pub customer_number: Option<String>,
    /// For accounts that sign in on behalf of a company.
    pub org_number: Option<OrgNumber>,
    /// Full name.
    pub name: Option<String>,
    /// Given name.
    pub given_name: Option<String>,
    /// Family name.
    pub family_name: Option<String>,
    /// E-mail address.
    pub email: Option<String>,
    /// Whether the address was confirmed.
    pub email_verified: bool,
    /// Mobile number, E.164.
    pub phone: Option<String>,
    /// Whether the number was confirmed.
    pub phone_verified: bool,
    /// argon2id PHC string; `None` when the account has no password.
    pub password_hash: Option<String>,
    /// argon2id PHC string of the PIN.
    pub pin_hash: Option<String>,
    /// Set while the account is locked.
    pub locked_at: Option<UnixTime>,
    /// Created.
    pub created_at: UnixTime,
    /// Last changed; also the `updated_at` claim.
    pub updated_at: UnixTime,
    /// One more at every new password (CLI or self-service). Sessions and codes carry
    /// the generation they were made under; an older one is dead (S14).
    pub password_generation: i64,
    /// One more at every `users unlock`: login-failure counters kept under an older one
    /// no longer count (S30).
    pub unlock_generation: i64,
}

impl Account {
    /// A new, empty account with a fresh id.
    pub fn new(now: UnixTime) -> Self {
        Account {
            id: AccountId::generate(),
            username: None,
            personnummer: None,
            customer_number: None,
            org_number: None,
            name: None,
            given_name: None,
            family_name: None,
            email: None,
            email_verified: false,
            phone: None,
            phone_verified: false,
            password_hash: None,
            pin_hash: None,
            locked_at: None,
            created_at: now,
            updated_at: now,
            password_generation: 0,
            unlock_generation: 0,
        }
    }

    /// True while the account is locked.
    pub fn is_locked(&self) -> bool {
        self.locked_at.is_some()
    }

    /// True when something made under `generation` (a session's authentication, a
    /// code) predates the current password and must not be used any more (S14).
    pub fn password_changed_since(&self, generation: i64) -> bool {
        generation < self.password_generation
    }
}
