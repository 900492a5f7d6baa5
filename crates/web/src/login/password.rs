//! Identifier + password. The identifier is a username (municipality staff) or a
//! customer number (Mina sidor's "Kundnummer" tab), as configured.

use super::throttle::{LoginThrottle, Subject};
use super::{
    Authenticated, Field, FieldKind, FlowStart, Form, LoginContext, Method, Outcome, StepView,
};
use crate::error::AppError;
use crate::hashing::{PasswordCheck, PasswordHasher};
use async_trait::async_trait;
use portvakt_core::account::Account;
use portvakt_core::acr::Amr;
use portvakt_core::audit::{AuditEvent, AuditKind, AuditTrail};
use portvakt_core::config::PasswordIdentifier;
use portvakt_core::lock::FailureLockout;
use portvakt_core::ports::AccountRepo;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// The password method's one step: the form, with the identifier as typed last time
/// (never the password).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PasswordStep {
    /// The identifier to show again.
    pub identifier: String,
}

/// The password method and the services it uses.
pub struct PasswordMethod {
    identifier: PasswordIdentifier,
    accounts: Arc<dyn AccountRepo>,
    hasher: PasswordHasher,
    throttle: LoginThrottle,
    audit: AuditTrail,
    lockout: Option<FailureLockout>,
    flows: Vec<FlowStart>,
}

impl PasswordMethod {
    /// A password method looking accounts up by `identifier`.
    pub fn new(
        identifier: PasswordIdentifier,
        accounts: Arc<dyn AccountRepo>,
        hasher: PasswordHasher,
        throttle: LoginThrottle,
        audit: AuditTrail,
    ) -> Self {
        PasswordMethod {
            identifier,
            accounts,
            hasher,
            throttle,
            audit,
            lockout: None,
            flows: Vec::new(),
        }
    }

    /// Locks the method for an account after consecutive failed passwords (S30): the
    /// same answer as a wrong password then, even for the right one. The owner's usual
    /// browser (one that signed in to the account before) is exempt.
    pub fn with_lockout(mut self, lockout: FailureLockout) -> Self {
        self.lockout = Some(lockout);
        self
    }

    /// Offers "Har du problem att logga in?", leading to the flow `flow` (the reset).
    pub fn with_reset(self, flow: impl Into<String>) -> Self {
        self.with_flow(flow, "login.password.trouble")
    }

    /// Offers the flow `flow` under the form, as a link-styled button labelled `label`
    /// (a catalogue key), carrying the typed identifier ("Ny kund/Registrera E-post",
    /// "Skapa lösenord").
    pub fn with_flow(mut self, flow: impl Into<String>, label: &'static str) -> Self {
        self.flows.push(FlowStart {
            flow: flow.into(),
            label,
            hint_field: "username",
        });
        self
    }

    fn invalid_message(&self) -> &'static str {
        match self.identifier {
            PasswordIdentifier::Username => "login.password.invalid_username",
            PasswordIdentifier::CustomerNumber => "login.password.invalid_customer_number",
        }
    }

    /// The account `identifier` (normalised) names. Usernames stored by releases before
    /// normalisation (S33) are found by a second lookup of their old form.
    async fn find(&self, typed: &str, identifier: &str) -> Result<Option<Account>, AppError> {
        let accounts = &self.accounts;
        Ok(match self.identifier {
            PasswordIdentifier::Username => match accounts.find_by_username(identifier).await? {
                Some(a) => Some(a),
                None => {
                    let legacy = portvakt_core::normalize::legacy_username(typed);
                    if legacy == identifier {
                        None
                    } else {
                        accounts.find_by_username(&legacy).await?
                    }
                }
            },
            PasswordIdentifier::CustomerNumber => {
                match accounts.find_by_customer_number(identifier).await? {
                    Some(a) => Some(a),
                    // A company signs in with 16 in front of its organisation number
                    // (seed 002: "skriv 16 före organisationsnumret 16XXXXXX-XXXX"); a
                    // bad check digit finds nobody, with the usual answer.
                    None => match company(identifier) {
                        Some(org) => accounts.find_by_org_number(&org).await?,
                        None => None,
                    },
                }
            }
        })
    }

    fn event(&self, kind: AuditKind, cx: &LoginContext<'_>) -> AuditEvent {
        AuditEvent::now(kind)
            .client(&cx.client.client_id)
            .detail(cx.method_id)
            .ip(cx.client_ip)
    }
}

/// The organisation number in a customer-number field written `16XXXXXXXXXX` (the
/// normalised form of `16XXXXXX-XXXX`), if its check digit is right.
fn company(identifier: &str) -> Option<portvakt_core::identity::OrgNumber> {
    let rest = identifier.strip_prefix("16")?;
    if rest.len() != 10 || !rest.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    portvakt_core::identity::OrgNumber::parse(rest).ok()
}

#[async_trait]
impl Method for PasswordMethod {
    type Step = PasswordStep;

    fn label(&self) -> &'static str {
        match self.identifier {
            PasswordIdentifier::Username => "method.password",
            PasswordIdentifier::CustomerNumber => "method.customer_number",
        }
    }

    fn start(&self, login_hint: Option<&str>) -> PasswordStep {
        PasswordStep {
            identifier: login_hint.unwrap_or("").to_owned(),
        }
    }

    fn view(&self, step: &PasswordStep) -> StepView {
        let (label, kind, note) = match self.identifier {
            PasswordIdentifier::Username => ("field.username", FieldKind::Text, None),
            PasswordIdentifier::CustomerNumber => (
                "field.customer_number",
                FieldKind::Numeric,
                Some("login.customer_number.hint"),
            ),
        };
        StepView {
            note,
            flows: self.flows.clone(),
            ..StepView::form(
                vec![
                    Field {
                        name: "username",
                        label,
                        kind,
                        autocomplete: "username",
                        value: step.identifier.clone(),
                    },
                    Field {
                        name: "password",
                        label: "field.password",
                        kind: FieldKind::Password,
                        autocomplete: "current-password",
                        value: String::new(),
                    },
                ],
                "button.login",
            )
        }
    }

    async fn submit(
        &self,
        cx: &LoginContext<'_>,
        _step: PasswordStep,
        form: &Form,
    ) -> Result<Outcome<PasswordStep>, AppError> {
        let typed = form.get("username").map(|s| s.trim()).unwrap_or("");
        let identifier = self.identifier.normalize(typed);
        let password = form.get("password").map(String::as_str).unwrap_or("");
        let keep = PasswordStep {
            identifier: typed.to_owned(),
        };
        if identifier.is_empty() || password.is_empty() {
            return Ok(Outcome::Failed {
                step: keep,
                message: "error.fields_required",
            });
        }
        let account = self.find(typed, &identifier).await?;
        let subject = match &account {
            Some(a) => Subject::Account(a),
            None => Subject::Unknown(&identifier),
        };
        let throttle = self
            .throttle
            .attempt(subject, cx.client_ip, cx.browser_hash);
        if !throttle.admit().await? {
            // Refused before any hashing: the same for known and unknown users.
            self.audit
                .record(self.event(AuditKind::LoginThrottled, cx))
                .await;
            return Ok(Outcome::Failed {
                step: keep,
                message: "login.too_many_attempts",
            });
        }
        // Always hash, even for unknown users (S32): the same work, the same answer.
        let hash = account.as_ref().and_then(|a| a.password_hash.as_deref());
        let check = self.hasher.check_password(password, hash).await?;
        let matches = check.is_right();
        if let (PasswordCheck::RightUnnormalised, Some(a), Some(old)) = (check, &account, hash) {
            // S33: stored before normalisation; from now on the normalised form.
            let new = self.hasher.hash_password(password).await?;
            self.accounts.rehash_password(&a.id, old, &new).await?;
        }
        // S30: a lockout answers like a wrong password, even for the right one.
        let mut locked_out = false;
        if let (Some(lockout), Some(a)) = (&self.lockout, &account)
            && lockout.check(a, cx.method_id).await?.is_some()
            && !throttle.is_known_browser().await?
        {
            locked_out = true;
        }
        match account {
            Some(a) if matches && !a.is_locked() && !locked_out => {
                throttle.succeeded().await?;
                if let Some(lockout) = &self.lockout {
                    lockout.succeeded(&a, cx.method_id).await?;
                }
                self.audit
                    .record(self.event(AuditKind::LoginSucceeded, cx).account(&a.id))
                    .await;
                Ok(Outcome::Authenticated(Authenticated {
                    account_id: a.id,
                    amr: vec![Amr::Pwd],
                    password_generation: a.password_generation,
                }))
            }
            other => {
                let mut event = self.event(AuditKind::LoginFailed, cx);
                if let Some(a) = &other {
                    event = event.account(&a.id);
                    // A wrong password counts; the right one refused by a lock does not.
                    if !matches
                        && let Some(lockout) = &self.lockout
                        && lockout.failed(a, cx.method_id).await?.is_some()
                    {
                        self.audit
                            .record(self.event(AuditKind::LoginLockedOut, cx).account(&a.id))
                            .await;
                    }
                }
                self.audit.record(event).await;
                Ok(Outcome::Failed {
                    step: keep,
                    message: self.invalid_message(),
                })
            }
        }
    }
}

#[cfg(test)]
mod company_tests {
    use super::company;

    #[test]
    fn sixteen_and_an_organisation_number() {
        assert_eq!(
            company("165560360793").map(|o| o.as_str().to_owned()),
            Some("5560360793".into())
        );
        assert!(company("165560360794").is_none(), "a bad check digit");
        assert!(company("5560360793").is_none(), "without 16");
        assert!(company("100200300").is_none());
    }
}
