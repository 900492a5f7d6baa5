//! Mina sidor's first-time flows (seed 002, docs/mina-sidor.md), both started from the
//! "Kundnummer" tab:
//!
//! - "Ny kund/Registrera E-post" ([`RegisterEmailFlow`], `register-email-<method>`):
//!   customer number, personnummer and an address; when the first two belong to one
//!   account without a confirmed address, the address is stored unconfirmed and a
//!   confirmation link (24 h, single use, S37) is mailed to it.
//! - "Skapa lösenord" ([`CreatePasswordFlow`], `create-password-<method>`): the customer
//!   number; the same answer always (S32), and a link (1 h, single use) to the account's
//!   confirmed address, which opens a page that sets the password under the method's
//!   policy.

use super::links::LinkRecord;
use super::{Flow, FlowContext, FlowOutcome};
use crate::error::AppError;
use crate::hashing::PasswordHasher;
use crate::login::{Button, Field, FieldKind, Form, StepView, Text};
use async_trait::async_trait;
use portvakt_core::account::Account;
use portvakt_core::address::address_block;
use portvakt_core::audit::{AuditEvent, AuditKind, AuditTrail};
use portvakt_core::config::{Localized, PasswordIdentifier};
use portvakt_core::ephemeral::Ephemeral;
use portvakt_core::identity::{IdentityNumberError, Personnummer};
use portvakt_core::ids::AccountId;
use portvakt_core::notify::{EmailMessage, Messenger, SendContext, mask_email};
use portvakt_core::password_policy::PasswordPolicy;
use portvakt_core::ports::AccountRepo;
use portvakt_core::secret::Secret;
use portvakt_core::time::{Clock, stockholm_ymd};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;

/// Requests per client address (IPv6 /64) and per customer number per hour, for each
/// flow (S43; the messenger's own send limits apply on top).
const PER_ADDRESS_PER_HOUR: u64 = 30;
const PER_CUSTOMER_PER_HOUR: u64 = 5;

/// What both flows use.
#[derive(Clone)]
pub struct CustomerServices {
    /// Accounts by customer number.
    pub accounts: Arc<dyn AccountRepo>,
    /// argon2id for the new password.
    pub hasher: PasswordHasher,
    /// Counters.
    pub ephemeral: Ephemeral,
    /// The e-mail goes out through it.
    pub messenger: Messenger,
    /// Audit events.
    pub audit: AuditTrail,
    /// The time (link expiry).
    pub clock: Arc<dyn Clock>,
}

impl CustomerServices {
    /// Counts one request against the limits; false when over one (given back).
    async fn admit(&self, cx: &FlowContext<'_>, customer_number: &str) -> Result<bool, AppError> {
        let hour = Duration::from_secs(3600);
        let address = format!("{}:address:{}", cx.flow_id, address_block(cx.client_ip));
        let customer = format!(
            "{}:customer:{}",
            cx.flow_id,
            portvakt_core::random::token_hash(customer_number)
        );
        let e = &self.ephemeral;
        if e.bump(&address, hour).await? > PER_ADDRESS_PER_HOUR {
            e.give_back(&address).await?;
            return Ok(false);
        }
        if e.bump(&customer, hour).await? > PER_CUSTOMER_PER_HOUR {
            e.give_back(&customer).await?;
            e.give_back(&address).await?;
            return Ok(false);
        }
        Ok(true)
    }

    fn event(&self, kind: AuditKind, cx: &FlowContext<'_>) -> AuditEvent {
        AuditEvent::now(kind)
            .client(&cx.client.client_id)
            .detail(cx.flow_id)
            .ip(cx.client_ip)
    }

    /// The account a typed customer number names.
    async fn customer(&self, typed: &str) -> Result<Option<Account>, AppError> {
        let number = PasswordIdentifier::CustomerNumber.normalize(typed);
        if number.is_empty() {
            return Ok(None);
        }
        Ok(self.accounts.find_by_customer_number(&number).await?)
    }
}

fn customer_field(value: &str) -> Field {
    Field {
        name: "customer_number",
        label: "field.customer_number",
        kind: FieldKind::Numeric,
        autocomplete: "username",
        value: value.to_owned(),
    }
}

/// A plausible e-mail address: one `@`, something on both sides, a dot in the domain,
/// no spaces, at most 254 characters (RFC 5321 §4.5.3.1.3). The link decides the rest.
fn plausible_email(address: &str) -> bool {
    let Some((local, domain)) = address.split_once('@') else {
        return false;
    };
    address.len() <= 254
        && !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !address.chars().any(|c| c.is_whitespace() || c.is_control())
        && !domain.contains('@')
}

// ---------------------------------------------------------------------------------------
// "Ny kund/Registrera E-post"

/// The registration's steps.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum RegisterStep {
    /// The form, with what was typed (never kept beyond the flow).
    Form {
        /// As typed.
        customer_number: String,
        /// As typed.
        personnummer: String,
        /// As typed.
        email: String,
    },
    /// The link was sent.
    Sent {
        /// The address, masked.
        masked: String,
    },
    /// The account has a confirmed address already.
    AlreadyRegistered,
    /// Opened from the link: confirm.
    Confirm {
        /// The account.
        account_id: String,
        /// The address the link was sent to.
        email: String,
        /// When the link stops working (Unix seconds, by the flow's clock).
        expires_at: i64,
    },
}

/// "Ny kund/Registrera E-post".
pub struct RegisterEmailFlow {
    change_email_text: Localized,
    link_valid_hours: u32,
    s: CustomerServices,
}

impl RegisterEmailFlow {
    /// The registration, with the text that tells how to change an address.
    pub fn new(change_email_text: Localized, link_valid_hours: u32, s: CustomerServices) -> Self {
        RegisterEmailFlow {
            change_email_text,
            link_valid_hours,
            s,
        }
    }

    /// The flow id of a method's registration.
    pub fn flow_id(method_id: &str) -> String {
        format!("register-email-{method_id}")
    }

    async fn register(
        &self,
        cx: &FlowContext<'_>,
        form: &Form,
    ) -> Result<FlowOutcome<RegisterStep>, AppError> {
        let get = |k: &str| form.get(k).map(|v| v.trim().to_owned()).unwrap_or_default();
        let (customer_number, typed_pnr, email) =
            (get("customer_number"), get("personnummer"), get("email"));
        let keep = RegisterStep::Form {
            customer_number: customer_number.clone(),
            personnummer: typed_pnr.clone(),
            email: email.clone(),
        };
        let failed = |message| FlowOutcome::Failed {
            step: keep.clone(),
            message,
        };
        if customer_number.is_empty() || typed_pnr.is_empty() || email.is_empty() {
            return Ok(failed("error.fields_required"));
        }
        let today = stockholm_ymd(self.s.clock.now());
        let pnr = match Personnummer::parse(
            &portvakt_core::normalize::identity_number(&typed_pnr),
            today,
        ) {
            Ok(p) => p,
            Err(IdentityNumberError::Checksum) => return Ok(failed("login.pnr.checksum")),
            Err(IdentityNumberError::Date) => return Ok(failed("login.pnr.date")),
            Err(_) => return Ok(failed("login.pnr.format")),
        };
        if !plausible_email(&email) {
            return Ok(failed("register.bad_email"));
        }
        if !self.s.admit(cx, &customer_number).await? {
            return Ok(failed("register.too_many"));
        }
        let account = self
            .s
            .customer(&customer_number)
            .await?
            .filter(|a| a.personnummer.as_ref() == Some(&pnr));
        let Some(account) = account else {
            return Ok(failed("register.no_match"));
        };
        // An address, confirmed or not, is changed by customer service only (the guide,
        // and the issue): replacing an unconfirmed one would let anyone who knows the
        // customer number and the (public) personnummer take the account over.
        if account.email.is_some() {
            return Ok(FlowOutcome::Continue(RegisterStep::AlreadyRegistered));
        }
        let now = self.s.clock.now();
        self.s
            .accounts
            .set_email(&account.id, Some(&email), false, now)
            .await?;
        let valid = Duration::from_secs(u64::from(self.link_valid_hours) * 3600);
        let step = RegisterStep::Confirm {
            account_id: account.id.0.clone(),
            email: email.clone(),
            expires_at: now.plus(valid).0,
        };
        let link = cx
            .links
            .issue(
                &LinkRecord {
                    flow: cx.flow_id.to_owned(),
                    client_id: cx.client.client_id.clone(),
                    step: serde_json::to_value(step)
                        .map_err(|e| AppError::Internal(e.to_string()))?,
                    lang: cx.lang.as_str().to_owned(),
                },
                valid,
            )
            .await?;
        let sent = self
            .s
            .messenger
            .send_email(
                &email,
                &EmailMessage::ConfirmAddress {
                    link: Secret::new(link),
                    valid_hours: self.link_valid_hours,
                },
                &SendContext {
                    account: Some(&account.id),
                    client: Some(&cx.client.client_id),
                    ip: Some(cx.client_ip),
                    lang: cx.lang,
                    brand: &cx.client.brand(),
                },
            )
            .await;
        if sent.is_err() {
            return Ok(failed("register.not_sent"));
        }
        self.s
            .audit
            .record(
                self.s
                    .event(AuditKind::EmailRegistered, cx)
                    .account(&account.id),
            )
            .await;
        Ok(FlowOutcome::Continue(RegisterStep::Sent {
            masked: mask_email(&email),
        }))
    }

    async fn confirm(
        &self,
        cx: &FlowContext<'_>,
        account_id: String,
        email: String,
        expires_at: i64,
    ) -> Result<FlowOutcome<RegisterStep>, AppError> {
        let id = AccountId(account_id);
        let account = self.s.accounts.find_account(&id).await?;
        let current = account.as_ref().and_then(|a| a.email.as_deref()) == Some(email.as_str());
        if self.s.clock.now().0 >= expires_at || !current {
            // Expired, or another address was registered since.
            return Ok(FlowOutcome::Done {
                message: "register.link_dead",
            });
        }
        self.s
            .accounts
            .set_email(&id, Some(&email), true, self.s.clock.now())
            .await?;
        self.s
            .audit
            .record(self.s.event(AuditKind::EmailConfirmed, cx).account(&id))
            .await;
        Ok(FlowOutcome::Done {
            message: "register.confirmed",
        })
    }
}

#[async_trait]
impl Flow for RegisterEmailFlow {
    type Step = RegisterStep;

    fn title(&self) -> &'static str {
        "register.title"
    }

    fn done_label(&self) -> &'static str {
        "customer.back_to_login"
    }

    fn start(&self, hint: Option<&str>) -> RegisterStep {
        RegisterStep::Form {
            customer_number: hint.unwrap_or_default().to_owned(),
            personnummer: String::new(),
            email: String::new(),
        }
    }

    fn view(&self, step: &RegisterStep) -> StepView {
        match step {
            RegisterStep::Form {
                customer_number,
                personnummer,
                email,
            } => StepView {
                info: Some(Text::key("register.intro")),
                note: Some("login.customer_number.hint"),
                ..StepView::form(
                    vec![
                        customer_field(customer_number),
                        Field {
                            name: "personnummer",
                            label: "field.personnummer_long",
                            kind: FieldKind::Numeric,
                            autocomplete: "off",
                            value: personnummer.clone(),
                        },
                        Field {
                            name: "email",
                            label: "field.email",
                            kind: FieldKind::Email,
                            autocomplete: "email",
                            value: email.clone(),
                        },
                    ],
                    "register.submit",
                )
            },
            RegisterStep::Sent { masked } => StepView {
                status: Some(Text::key("register.sent").with("email", masked.clone())),
                ..StepView::default()
            },
            RegisterStep::AlreadyRegistered => StepView {
                info: Some(Text::configured(&self.change_email_text)),
                ..StepView::default()
            },
            RegisterStep::Confirm { .. } => StepView {
                heading: Some("register.confirm_heading"),
                info: Some(Text::key("register.confirm_intro")),
                buttons: vec![Button {
                    value: "submit",
                    label: "register.confirm",
                }],
                ..StepView::default()
            },
        }
    }

    async fn submit(
        &self,
        cx: &FlowContext<'_>,
        step: RegisterStep,
        form: &Form,
    ) -> Result<FlowOutcome<RegisterStep>, AppError> {
        match step {
            RegisterStep::Form { .. } => self.register(cx, form).await,
            RegisterStep::Confirm {
                account_id,
                email,
                expires_at,
            } => self.confirm(cx, account_id, email, expires_at).await,
            step @ (RegisterStep::Sent { .. } | RegisterStep::AlreadyRegistered) => {
                Ok(FlowOutcome::Continue(step))
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// "Skapa lösenord"

/// The create-password steps.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum CreatePasswordStep {
    /// The customer number.
    Ask {
        /// As typed.
        customer_number: String,
    },
    /// The answer, the same for everyone.
    Sent,
    /// Opened from the link: the new password.
    Choose {
        /// The account.
        account_id: String,
        /// When the link stops working (Unix seconds, by the flow's clock).
        expires_at: i64,
        /// The rules the last try broke (indices into the policy's rules).
        broken: Vec<usize>,
    },
}

/// "Skapa lösenord".
pub struct CreatePasswordFlow {
    policy: PasswordPolicy,
    link_valid_minutes: u32,
    s: CustomerServices,
}

impl CreatePasswordFlow {
    /// Passwords under `policy`, links valid `link_valid_minutes`.
    pub fn new(policy: PasswordPolicy, link_valid_minutes: u32, s: CustomerServices) -> Self {
        CreatePasswordFlow {
            policy,
            link_valid_minutes,
            s,
        }
    }

    /// The flow id of a method's "Skapa lösenord".
    pub fn flow_id(method_id: &str) -> String {
        format!("create-password-{method_id}")
    }

    async fn ask(
        &self,
        cx: &FlowContext<'_>,
        form: &Form,
    ) -> Result<FlowOutcome<CreatePasswordStep>, AppError> {
        let typed = form
            .get("customer_number")
            .map(|c| c.trim().to_owned())
            .unwrap_or_default();
        if typed.is_empty() {
            return Ok(FlowOutcome::Failed {
                step: CreatePasswordStep::Ask {
                    customer_number: typed,
                },
                message: "error.fields_required",
            });
        }
        if !self.s.admit(cx, &typed).await? {
            return Ok(FlowOutcome::Failed {
                step: CreatePasswordStep::Ask {
                    customer_number: typed,
                },
                message: "register.too_many",
            });
        }
        // Looked up and mailed after the answer: the page and its timing are the same
        // for known, unknown and address-less customers (S32).
        let s = self.s.clone();
        let links = cx.links.clone();
        let (flow, client, brand) = (
            cx.flow_id.to_owned(),
            cx.client.client_id.clone(),
            cx.client.brand(),
        );
        let (ip, lang) = (cx.client_ip, cx.lang);
        let minutes = self.link_valid_minutes;
        tokio::spawn(async move {
            let account = match s.customer(&typed).await {
                Ok(Some(a)) if a.email_verified => a,
                Ok(_) => return,
                Err(e) => {
                    tracing::warn!(error = %e, "create password: the lookup failed; nothing sent");
                    return;
                }
            };
            let Some(to) = account.email.clone() else {
                return;
            };
            let valid = Duration::from_secs(u64::from(minutes) * 60);
            let step = CreatePasswordStep::Choose {
                account_id: account.id.0.clone(),
                expires_at: s.clock.now().plus(valid).0,
                broken: Vec::new(),
            };
            let Ok(step) = serde_json::to_value(step) else {
                return;
            };
            let link = match links
                .issue(
                    &LinkRecord {
                        flow,
                        client_id: client.clone(),
                        step,
                        lang: lang.as_str().to_owned(),
                    },
                    valid,
                )
                .await
            {
                Ok(l) => l,
                Err(e) => {
                    tracing::warn!(error = %e, "create password: no link could be issued");
                    return;
                }
            };
            let hours = minutes.div_ceil(60);
            let _ = s
                .messenger
                .send_email(
                    &to,
                    &EmailMessage::CreatePassword {
                        link: Secret::new(link),
                        valid_hours: hours,
                    },
                    &SendContext {
                        account: Some(&account.id),
                        client: Some(&client),
                        ip: Some(ip),
                        lang,
                        brand: &brand,
                    },
                )
                .await;
        });
        Ok(FlowOutcome::Continue(CreatePasswordStep::Sent))
    }

    async fn choose(
        &self,
        cx: &FlowContext<'_>,
        account_id: String,
        expires_at: i64,
        form: &Form,
    ) -> Result<FlowOutcome<CreatePasswordStep>, AppError> {
        if self.s.clock.now().0 >= expires_at {
            return Ok(FlowOutcome::Done {
                message: "register.link_dead",
            });
        }
        let keep = |broken: Vec<usize>| CreatePasswordStep::Choose {
            account_id: account_id.clone(),
            expires_at,
            broken,
        };
        let id = AccountId(account_id.clone());
        let Some(account) = self.s.accounts.find_account(&id).await? else {
            return Err(AppError::Internal(
                "a create-password account vanished".into(),
            ));
        };
        let new = match super::reset::judge_new_password(
            &self.s.accounts,
            &self.s.hasher,
            &self.policy,
            &account,
            form,
        )
        .await?
        {
            Ok(new) => new,
            Err((broken, message)) => {
                return Ok(FlowOutcome::Failed {
                    step: keep(broken),
                    message,
                });
            }
        };
        let hash = self.s.hasher.hash_password(&new).await?;
        // S14: grants of the account made before are revoked.
        self.s
            .accounts
            .set_password(&id, &hash, self.s.clock.now())
            .await?;
        // A lockout from before (someone guessing) ends with the new password, or the
        // customer could not use it.
        self.s.accounts.clear_failures(&id).await?;
        self.s
            .audit
            .record(self.s.event(AuditKind::PasswordChanged, cx).account(&id))
            .await;
        Ok(FlowOutcome::Done {
            message: "create_password.done",
        })
    }
}

#[async_trait]
impl Flow for CreatePasswordFlow {
    type Step = CreatePasswordStep;

    fn title(&self) -> &'static str {
        "create_password.title"
    }

    fn done_label(&self) -> &'static str {
        "customer.back_to_login"
    }

    fn start(&self, hint: Option<&str>) -> CreatePasswordStep {
        CreatePasswordStep::Ask {
            customer_number: hint.unwrap_or_default().to_owned(),
        }
    }

    fn view(&self, step: &CreatePasswordStep) -> StepView {
        match step {
            CreatePasswordStep::Ask { customer_number } => StepView {
                info: Some(Text::key("create_password.intro")),
                note: Some("login.customer_number.hint"),
                ..StepView::form(
                    vec![customer_field(customer_number)],
                    "create_password.submit",
                )
            },
            CreatePasswordStep::Sent => StepView {
                status: Some(Text::key("create_password.sent")),
                ..StepView::default()
            },
            CreatePasswordStep::Choose { broken, .. } => StepView {
                heading: Some("create_password.choose_heading"),
                checklist: super::reset::checklist(&self.policy, broken),
                ..StepView::form(super::reset::new_password_fields(), "create_password.save")
            },
        }
    }

    async fn submit(
        &self,
        cx: &FlowContext<'_>,
        step: CreatePasswordStep,
        form: &Form,
    ) -> Result<FlowOutcome<CreatePasswordStep>, AppError> {
        match step {
            CreatePasswordStep::Ask { .. } => self.ask(cx, form).await,
            CreatePasswordStep::Choose {
                account_id,
                expires_at,
                ..
            } => self.choose(cx, account_id, expires_at, form).await,
            CreatePasswordStep::Sent => Ok(FlowOutcome::Continue(CreatePasswordStep::Sent)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::plausible_email;

    #[test]
    fn plausible_addresses() {
        assert!(plausible_email("david.dahl@example.se"));
        assert!(!plausible_email("david.dahl@example"));
        assert!(!plausible_email("david dahl@example.se"));
        assert!(!plausible_email("@example.se"));
        assert!(!plausible_email("a@b@example.se"));
        assert!(!plausible_email("a@.se"));
    }
}
