//! Identifier + password. The identifier is a username (municipality staff) or a
//! customer number (Mina sidor's "Kundnummer" tab), as configured.

use super::throttle::Throttle;
use super::{Authenticated, Field, FieldKind, Form, LoginContext, LoginMethod, Outcome, StepView};
use crate::error::AppError;
use async_trait::async_trait;
use portvakt_core::acr::Amr;
use portvakt_core::audit::{AuditEvent, AuditKind};
use portvakt_core::config::PasswordIdentifier;
use portvakt_core::secret::Secret;
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

/// How an identifier is stored and looked up: usernames in lower case (phones capitalise
/// the first letter), customer numbers without the spaces and dashes people type.
pub fn normalize(kind: PasswordIdentifier, typed: &str) -> String {
    match kind {
        PasswordIdentifier::Username => typed.trim().to_lowercase(),
        PasswordIdentifier::CustomerNumber => typed
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect(),
    }
}

fn remembered(state: &Value) -> String {
    state
        .get("identifier")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned()
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
        let identifier = normalize(self.identifier, typed);
        let identifier = identifier.as_str();
        let password = Secret::new(form.get("password").cloned().unwrap_or_default());
        let keep = json!({ "identifier": typed });
        if identifier.is_empty() || password.expose().is_empty() {
            return Ok(Outcome::Failed {
                state: keep,
                message: "error.fields_required",
            });
        }
        let throttle = Throttle::new(ctx.app, ctx.method_id, identifier, ctx.client_ip);
        if throttle.is_blocked().await? {
            // Refused before any lookup or hashing: the same for known and unknown users.
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
        let account = match self.identifier {
            PasswordIdentifier::Username => ctx.app.accounts.find_by_username(identifier).await?,
            PasswordIdentifier::CustomerNumber => {
                ctx.app.accounts.find_by_customer_number(identifier).await?
            }
        };
        // Always hash, even for unknown users (S32): the same work, the same answer.
        let hash = account.as_ref().and_then(|a| a.password_hash.as_deref());
        let matches = ctx.app.hasher.verify(&password, hash).await?;
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
                }))
            }
            other => {
                throttle.failed().await?;
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
