//! A person a login method identified (BankID gives a personnummer and a name) who may or
//! may not have an account. The method does not decide what happens to a stranger: its
//! configured [`UnknownPersonPolicy`] does, applied here in one place for every method.

use crate::account::Account;
use crate::identity::Personnummer;
use crate::ports::{AccountRepo, StoreError};
use crate::time::UnixTime;
use serde::Deserialize;

/// A person as a method identified them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentifiedPerson {
    /// The personnummer (or samordningsnummer) the method verified.
    pub personnummer: Personnummer,
    /// Given name, as the method's source has it.
    pub given_name: Option<String>,
    /// Family name.
    pub family_name: Option<String>,
}

/// What a method's login does with a person who has no account (`[methods.<id>]
/// unknown_person`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnknownPersonPolicy {
    /// Refuse, with a message that says so (the default: accounts come from an
    /// administrator or an import).
    #[default]
    Refuse,
    /// Create an account for the person (self-service registration).
    Create,
}

/// Whose login it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PersonResolution {
    /// An existing account.
    Found(Account),
    /// A new account, made under [`UnknownPersonPolicy::Create`].
    Created(Account),
    /// No account, and the policy refuses strangers.
    NoAccount,
    /// The account is locked by an administrator: no method may sign in to it (S27).
    Locked,
}

/// Finds `person`'s account, or applies `policy`. Two parallel first logins of the same
/// person create one account: the loser of the insert finds the winner's.
pub async fn resolve_person(
    accounts: &dyn AccountRepo,
    person: &IdentifiedPerson,
    policy: UnknownPersonPolicy,
    now: UnixTime,
) -> Result<PersonResolution, StoreError> {
    if let Some(account) = accounts.find_by_personnummer(&person.personnummer).await? {
        return Ok(if account.is_locked() {
            PersonResolution::Locked
        } else {
            PersonResolution::Found(account)
        });
    }
    match policy {
        UnknownPersonPolicy::Refuse => Ok(PersonResolution::NoAccount),
        UnknownPersonPolicy::Create => {
            let mut account = Account::new(now);
            account.personnummer = Some(person.personnummer.clone());
            account.given_name = person.given_name.clone();
            account.family_name = person.family_name.clone();
            account.name = match (&person.given_name, &person.family_name) {
                (Some(g), Some(f)) => Some(format!("{g} {f}")),
                (Some(n), None) | (None, Some(n)) => Some(n.clone()),
                (None, None) => None,
            };
            match accounts.insert_account(&account).await {
                Ok(()) => Ok(PersonResolution::Created(account)),
                Err(StoreError::Conflict(_)) => {
                    match accounts.find_by_personnummer(&person.personnummer).await? {
                        Some(winner) => Ok(PersonResolution::Found(winner)),
                        None => Err(StoreError::Conflict("personnummer")),
                    }
                }
                Err(e) => Err(e),
            }
        }
    }
}
