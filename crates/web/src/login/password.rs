//! Identifier + password. The identifier is a username (municipality staff) or a
//! customer number (Mina sidor's "Kundnummer" tab), as configured.

use super::throttle::{Subject, Throttle};
use super::{Authenticated, Field, FieldKind, Form, LoginContext, LoginMethod, Outcome, StepView};
use crate::error::AppError;
use crate::hashing::PasswordCheck;
use async_trait::async_trait;
use portvakt_core::account::Account;
use portvakt_core::acr::Amr;
use portvakt_core::audit::{AuditEvent, AuditKind};
use portvakt_core::config::PasswordIdentifier;
use serde_json::{Value, json};

/// The password method.
pub struct PasswordMethod {
    identifier: PasswordIdentifier,
}

impl PasswordMethod {
    /// A password method looking accounts up by `identifier`.
    pub fn new(identifier: PasswordIdentifier) -> Self {
        PasswordMethod { identifier }
    }

    fn invalid_message(&self) -> &'static str {
        match self.identifier {
            PasswordIdentifier::Username => "login.password.invalid_username",
            PasswordIdentifier::CustomerNumber => "login.password.invalid_customer_number",
        }
    }
}

fn remembered(state: &Value) -> String {
    state
        .get("identifier")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned()
}

impl PasswordMethod {
    /// The account `identifier` (normalised) names. Usernames stored by releases before
    /// normalisation (S33) are found by a second lookup of their old form.
    async fn find(
        &self,
        ctx: &LoginContext<'_>,
        typed: &str,
        identifier: &str,
    ) -> Result<Option<Account>, AppError> {
        let accounts = &ctx.app.accounts;
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
                accounts.find_by_customer_number(identifier).await?
            }
        })
    }
}

#[async_trait]
impl LoginMethod for PasswordMethod {
    fn label(&self) -> &'static str {
        match self.identifier {
            PasswordIdentifier::Username => "method.password",
            PasswordIdentifier::CustomerNumber => "method.customer_number",
        }
    }

    fn start(&self, login_hint: Option<&str>) -> Value {
        json!({ "identifier": login_hint.unwrap_or("") })
    }

    fn view(&self, state: &Value) -> StepView {
        let (label, autocomplete, kind, note) = match self.identifier {
            PasswordIdentifier::Username => ("field.username", "username", FieldKind::Text, None),
            PasswordIdentifier::CustomerNumber => (
                "field.customer_number",
                "username",
                FieldKind::Numeric,
                Some("login.customer_number.hint"),
            ),
        };
        StepView {
            fields: vec![
                Field {
                    name: "username",
                    label,
                    kind,
                    autocomplete,
                    value: remembered(state),
                },
                Field {
                    name: "password",
                    label: "field.password",
                    kind: FieldKind::Password,
                    autocomplete: "current-password",
                    value: String::new(),
                },
            ],
            submit: "button.login",
            note,
            ..StepView::default()
        }
    }

    async fn submit(
        &self,
        ctx: &LoginContext<'_>,
        _state: Value,
        form: &Form,
    ) -> Result<Outcome, AppError> {
        let typed = form.get("username").map(|s| s.trim()).unwrap_or("");
        let identifier = self.identifier.normalize(typed);
        let password = form.get("password").map(String::as_str).unwrap_or("");
        let keep = json!({ "identifier": typed });
        if identifier.is_empty() || password.is_empty() {
            return Ok(Outcome::Failed {
                state: keep,
                message: "error.fields_required",
            });
        }
        let account = self.find(ctx, typed, &identifier).await?;
        let subject = match &account {
            Some(a) => Subject::Account(a),
            None => Subject::Unknown(&identifier),
        };
        let throttle = Throttle::new(ctx.app, subject, ctx.client_ip, ctx.browser_hash);
        if !throttle.admit().await? {
            // Refused before any hashing: the same for known and unknown users.
            ctx.app
                .audit(
                    AuditEvent::now(AuditKind::LoginThrottled)
                        .client(&ctx.client.client_id)
                        .detail(ctx.method_id)
                        .ip(ctx.client_ip),
                )
                .await;
            return Ok(Outcome::Failed {
                state: keep,
                message: "login.too_many_attempts",
            });
        }
        // Always hash, even for unknown users (S32): the same work, the same answer.
        let hash = account.as_ref().and_then(|a| a.password_hash.as_deref());
        let check = ctx.app.hasher.check_password(password, hash).await?;
        let matches = check.is_right();
        if let (PasswordCheck::RightUnnormalised, Some(a), Some(old)) = (check, &account, hash) {
            // S33: stored before normalisation; from now on the normalised form.
            let new = ctx.app.hasher.hash_password(password).await?;
            ctx.app.accounts.rehash_password(&a.id, old, &new).await?;
        }
        match account {
            Some(a) if matches && !a.is_locked() => {
                throttle.succeeded().await?;
                ctx.app
                    .audit(
                        AuditEvent::now(AuditKind::LoginSucceeded)
                            .account(&a.id)
                            .client(&ctx.client.client_id)
                            .detail(ctx.method_id)
                            .ip(ctx.client_ip),
                    )
                    .await;
                Ok(Outcome::Authenticated(Authenticated {
                    account_id: a.id,
                    amr: vec![Amr::Pwd],
                    password_generation: a.password_generation,
                }))
            }
            other => {
                let mut event = AuditEvent::now(AuditKind::LoginFailed)
                    .client(&ctx.client.client_id)
                    .detail(ctx.method_id)
                    .ip(ctx.client_ip);
                if let Some(a) = &other {
                    event = event.account(&a.id);
                }
                ctx.app.audit(event).await;
                Ok(Outcome::Failed {
                    state: keep,
                    message: self.invalid_message(),
                })
            }
        }
    }
}
