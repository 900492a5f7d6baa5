//! "Har du problem att logga in?": the municipality's password reset by SMS code (seed
//! 001, docs/password-reset.md), registered as flow `reset-<method id>` for each
//! password method with `[methods.<id>.reset]`.
//!
//! 1. The username (prefilled from the login page). Outside `internal_networks` the
//!    method's `allowed_from` rule applies first.
//! 2. A six-digit code by SMS to the registered mobile ("Skriv in din
//!    återställningskod"), or the service desk's text when there is no mobile, and for
//!    unknown usernames alike (S32).
//! 3. Two choices (radio `action`): unlock only, or a new password under the policy.
//! 4. Done: "Ditt konto är nu upplåst", and "Slutför" back to the login.

use super::{Flow, FlowContext, FlowOutcome};
use crate::error::AppError;
use crate::hashing::PasswordHasher;
use crate::login::{Button, Check, Choice, ChoiceGroup, Field, FieldKind, Form, StepView, Text};
use async_trait::async_trait;
use portvakt_core::account::Account;
use portvakt_core::address::{Network, in_networks};
use portvakt_core::audit::{AuditEvent, AuditKind, AuditTrail};
use portvakt_core::config::{PasswordIdentifier, ResetAllowedFrom, ResetSettings};
use portvakt_core::ephemeral::Ephemeral;
use portvakt_core::ids::AccountId;
use portvakt_core::notify::{Messenger, SendContext, SmsMessage};
use portvakt_core::otp;
use portvakt_core::password_policy::{PasswordPolicy, Rule};
use portvakt_core::phone::MobileNumber;
use portvakt_core::ports::AccountRepo;
use portvakt_core::time::Clock;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;
use subtle::ConstantTimeEq;

/// Digits in a reset code ("en sexsiffrig återställningskod").
const RESET_CODE_DIGITS: u32 = 6;

/// The reset's steps, kept in the flow transaction; never a code or a password.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum ResetStep {
    /// The username.
    Identify {
        /// As typed.
        username: String,
    },
    /// "Skriv in din återställningskod".
    EnterCode {
        /// As typed in step 1.
        username: String,
    },
    /// No registered mobile, or no such user: the service desk's text.
    Help,
    /// Outside the organisation's networks, where the reset is not allowed.
    Outside,
    /// The two choices.
    Choose {
        /// The account the code was sent for.
        account_id: String,
        /// The policy rules the last new password broke (indices into the rules).
        broken: Vec<usize>,
        /// The user's last choice was a new password (kept after an error).
        #[serde(default)]
        new_password: bool,
    },
    /// The code could not be sent (the send limits, or the gateway).
    NotSent,
}

/// The code sent for one reset, as stored: its hash (bound to the flow transaction),
/// whom it is for, and when it stops working by the flow's clock.
#[derive(Debug, Serialize, Deserialize)]
struct SentCode {
    hash: String,
    account_id: String,
    expires_at: i64,
}

/// What the reset uses.
#[derive(Clone)]
pub struct ResetServices {
    /// Accounts (by username), passwords and their history.
    pub accounts: Arc<dyn AccountRepo>,
    /// argon2id.
    pub hasher: PasswordHasher,
    /// Codes and their tries.
    pub ephemeral: Ephemeral,
    /// The SMS goes out through it (send limits S43, audit).
    pub messenger: Messenger,
    /// Audit events.
    pub audit: AuditTrail,
    /// The time.
    pub clock: Arc<dyn Clock>,
}

/// The reset of one password method.
pub struct ResetFlow {
    /// The password method's id (audit details).
    method_id: String,
    settings: ResetSettings,
    policy: PasswordPolicy,
    internal_networks: Vec<Network>,
    s: ResetServices,
}

impl ResetFlow {
    /// The reset of password method `method_id`.
    pub fn new(
        method_id: impl Into<String>,
        settings: ResetSettings,
        policy: PasswordPolicy,
        internal_networks: Vec<Network>,
        s: ResetServices,
    ) -> Self {
        ResetFlow {
            method_id: method_id.into(),
            settings,
            policy,
            internal_networks,
            s,
        }
    }

    /// The flow id a password method's reset is registered under.
    pub fn flow_id(method_id: &str) -> String {
        format!("reset-{method_id}")
    }

    fn event(&self, kind: AuditKind, cx: &FlowContext<'_>) -> AuditEvent {
        AuditEvent::now(kind)
            .client(&cx.client.client_id)
            .detail(&self.method_id)
            .ip(cx.client_ip)
    }

    fn code_key(cx: &FlowContext<'_>) -> String {
        portvakt_core::ephemeral::keys::fact(&format!("reset-code:{}", cx.transaction_id))
    }

    /// Whether a reset from here is allowed for `account` (when known).
    fn allowed_here(&self, cx: &FlowContext<'_>, account: Option<&Account>) -> bool {
        if in_networks(cx.client_ip, &self.internal_networks) {
            return true;
        }
        match self.settings.allowed_from {
            ResetAllowedFrom::Anywhere => true,
            ResetAllowedFrom::Inside => false,
            ResetAllowedFrom::InsideOrAfterMethod => {
                let method = self.settings.outside_method.as_deref().unwrap_or_default();
                match (account, &cx.signed_in) {
                    (Some(a), Some(s)) => {
                        s.account_id == a.id && s.methods.iter().any(|m| m == method)
                    }
                    _ => false,
                }
            }
        }
    }

    async fn identify(
        &self,
        cx: &FlowContext<'_>,
        form: &Form,
    ) -> Result<FlowOutcome<ResetStep>, AppError> {
        let typed = form.get("username").map(|u| u.trim()).unwrap_or("");
        if typed.is_empty() {
            return Ok(FlowOutcome::Failed {
                step: ResetStep::Identify {
                    username: String::new(),
                },
                message: "reset.username_missing",
            });
        }
        // Inside-only is decided by the address alone, before any lookup.
        if self.settings.allowed_from == ResetAllowedFrom::Inside
            && !in_networks(cx.client_ip, &self.internal_networks)
        {
            return Ok(FlowOutcome::Continue(ResetStep::Outside));
        }
        let username = PasswordIdentifier::Username.normalize(typed);
        let account = self.s.accounts.find_by_username(&username).await?;
        if !self.allowed_here(cx, account.as_ref()) {
            return Ok(FlowOutcome::Continue(ResetStep::Outside));
        }
        let mobile = account
            .as_ref()
            .and_then(|a| a.phone.as_deref())
            .and_then(|p| MobileNumber::parse(p).ok());
        let mut event = self.event(AuditKind::ResetRequested, cx);
        let (Some(account), Some(mobile)) = (account, mobile) else {
            // No mobile, or no such user: the same page, nothing sent (S32).
            let event = event.detail(format!("{}: no code sent", self.method_id));
            self.s.audit.record(event).await;
            return Ok(FlowOutcome::Continue(ResetStep::Help));
        };
        event = event.account(&account.id);
        let code = otp::new_code_of(RESET_CODE_DIGITS);
        let valid = Duration::from_secs(u64::from(self.settings.code_valid_minutes) * 60);
        self.s
            .ephemeral
            .put_json(
                &Self::code_key(cx),
                &SentCode {
                    hash: otp::sms_code_hash(cx.transaction_id, code.expose()),
                    account_id: account.id.0.clone(),
                    expires_at: self.s.clock.now().plus(valid).0,
                },
                valid,
            )
            .await?;
        // Sent before the answer: the page must not say a code was sent when the send
        // limits (S43) or the gateway stopped it.
        let message = SmsMessage::ResetCode {
            code,
            valid_minutes: self.settings.code_valid_minutes,
        };
        let sent = self
            .s
            .messenger
            .send_sms(
                &mobile,
                &message,
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
            self.s.ephemeral.delete(&Self::code_key(cx)).await?;
            self.s
                .audit
                .record(event.detail(format!("{}: not sent", self.method_id)))
                .await;
            return Ok(FlowOutcome::Continue(ResetStep::NotSent));
        }
        self.s.audit.record(event).await;
        Ok(FlowOutcome::Continue(ResetStep::EnterCode {
            username: typed.to_owned(),
        }))
    }

    async fn enter_code(
        &self,
        cx: &FlowContext<'_>,
        username: String,
        form: &Form,
    ) -> Result<FlowOutcome<ResetStep>, AppError> {
        let keep = ResetStep::EnterCode { username };
        let typed: String = form
            .get("code")
            .map(|c| c.chars().filter(|c| !c.is_whitespace()).collect())
            .unwrap_or_default();
        if typed.len() != RESET_CODE_DIGITS as usize || !typed.bytes().all(|b| b.is_ascii_digit()) {
            // Not a code at all (empty, a stray Enter): nothing counted.
            return Ok(FlowOutcome::Failed {
                step: keep,
                message: "reset.code_format",
            });
        }
        let key = Self::code_key(cx);
        let Some(sent) = self.s.ephemeral.get_json::<SentCode>(&key).await? else {
            return Ok(FlowOutcome::Failed {
                step: keep,
                message: "reset.code_void",
            });
        };
        let tries_key = format!("reset-tries:{}", cx.transaction_id);
        let valid = Duration::from_secs(u64::from(self.settings.code_valid_minutes) * 60);
        if self.s.ephemeral.bump(&tries_key, valid).await? > self.settings.code_tries {
            self.s.ephemeral.delete(&key).await?;
            return Ok(FlowOutcome::Failed {
                step: keep,
                message: "reset.code_void",
            });
        }
        let expected = otp::sms_code_hash(cx.transaction_id, &typed);
        let right = bool::from(sent.hash.as_bytes().ct_eq(expected.as_bytes()))
            && self.s.clock.now().0 < sent.expires_at;
        // Single use: of parallel right answers, one takes the code.
        if right
            && self
                .s
                .ephemeral
                .take_json::<SentCode>(&key)
                .await?
                .is_some()
        {
            return Ok(FlowOutcome::Continue(ResetStep::Choose {
                account_id: sent.account_id,
                broken: Vec::new(),
                new_password: false,
            }));
        }
        self.s
            .audit
            .record(
                self.event(AuditKind::ResetCodeFailed, cx)
                    .account(&AccountId(sent.account_id)),
            )
            .await;
        Ok(FlowOutcome::Failed {
            step: keep,
            message: "reset.code_wrong",
        })
    }

    async fn choose(
        &self,
        cx: &FlowContext<'_>,
        account_id: String,
        form: &Form,
    ) -> Result<FlowOutcome<ResetStep>, AppError> {
        let id = AccountId(account_id.clone());
        let Some(account) = self.s.accounts.find_account(&id).await? else {
            return Err(AppError::Internal("a reset's account vanished".into()));
        };
        let keep = |broken: Vec<usize>| ResetStep::Choose {
            account_id: account_id.clone(),
            broken,
            new_password: form.get("action").map(String::as_str) == Some("new_password"),
        };
        if account.is_locked() {
            // An administrator's lock is not the user's to lift.
            return Ok(FlowOutcome::Done {
                message: "reset.admin_locked",
            });
        }
        let typed_new = form.get("new_password").is_some_and(|p| !p.is_empty());
        match form.get("action").map(String::as_str) {
            // A password typed under "Behåll ditt nuvarande lösenord" is not thrown away
            // without a word: the user may have meant the other choice.
            Some("unlock") if typed_new => Ok(FlowOutcome::Failed {
                step: keep(Vec::new()),
                message: "reset.unlock_with_password",
            }),
            Some("unlock") => {
                self.s.accounts.clear_failures(&id).await?;
                self.s
                    .audit
                    .record(self.event(AuditKind::AccountUnlocked, cx).account(&id))
                    .await;
                Ok(FlowOutcome::Done {
                    message: "reset.done_unlocked",
                })
            }
            Some("new_password") => {
                let new = match judge_new_password(
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
                // S14: the account's grants are revoked with the old password, and its
                // sessions end at their next use (the password generation moves on).
                self.s
                    .accounts
                    .set_password(&id, &hash, self.s.clock.now())
                    .await?;
                self.s.accounts.clear_failures(&id).await?;
                self.s
                    .audit
                    .record(self.event(AuditKind::PasswordChanged, cx).account(&id))
                    .await;
                Ok(FlowOutcome::Done {
                    message: "reset.done_new_password",
                })
            }
            _ => Ok(FlowOutcome::Failed {
                step: keep(Vec::new()),
                message: "reset.choose",
            }),
        }
    }
}

/// Whether `new` is the account's current password or one of its last `history` ones
/// (the policy's "not used before").
pub(crate) async fn used_before(
    accounts: &Arc<dyn AccountRepo>,
    hasher: &PasswordHasher,
    policy: &PasswordPolicy,
    account: &Account,
    new: &str,
) -> Result<bool, AppError> {
    let secret = portvakt_core::normalize::password(new);
    let mut hashes: Vec<String> = account.password_hash.iter().cloned().collect();
    if policy.history() > 0 {
        hashes.extend(
            accounts
                .password_history(&account.id, policy.history())
                .await?,
        );
    }
    for hash in hashes {
        if hasher.verify(&secret, Some(&hash)).await? {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Judges the new password a form carries (`new_password`, `new_password_confirm`) for
/// `account`: `Ok(password)` to store, or the refusal — the broken rules (indices into
/// `policy.rules()`) and the message. The two fields are compared as stored (NFKC).
pub(crate) async fn judge_new_password(
    accounts: &Arc<dyn AccountRepo>,
    hasher: &PasswordHasher,
    policy: &PasswordPolicy,
    account: &Account,
    form: &Form,
) -> Result<Result<String, (Vec<usize>, &'static str)>, AppError> {
    let field = |name: &str| form.get(name).map(String::as_str).unwrap_or("");
    let (new, confirm) = (field("new_password"), field("new_password_confirm"));
    let stored = |p: &str| portvakt_core::normalize::password(p).expose().to_owned();
    if stored(new) != stored(confirm) {
        return Ok(Err((Vec::new(), "reset.mismatch")));
    }
    let mut broken = policy.broken(new);
    if broken.is_empty() && used_before(accounts, hasher, policy, account, new).await? {
        broken.push(Rule::NotUsedBefore);
    }
    if broken.is_empty() {
        return Ok(Ok(new.to_owned()));
    }
    let indices = policy
        .rules()
        .iter()
        .enumerate()
        .filter(|(_, r)| broken.contains(r))
        .map(|(i, _)| i)
        .collect();
    Ok(Err((indices, "reset.policy_broken")))
}

/// The two fields of a new password, `autocomplete="new-password"`.
pub(crate) fn new_password_fields() -> Vec<Field> {
    ["new_password", "new_password_confirm"]
        .into_iter()
        .zip(["field.new_password", "field.new_password_confirm"])
        .map(|(name, label)| Field {
            name,
            label,
            kind: FieldKind::Password,
            autocomplete: "new-password",
            value: String::new(),
        })
        .collect()
}

/// The policy's rules as a step's checklist, the `broken` ones (indices) marked.
pub(crate) fn checklist(policy: &PasswordPolicy, broken: &[usize]) -> Vec<Check> {
    policy
        .rules()
        .iter()
        .enumerate()
        .map(|(i, rule)| {
            let text = match (rule, rule.value()) {
                (Rule::Forbidden(chars), _) => Text::key(rule.key()).with_localized(
                    "chars",
                    portvakt_core::password_policy::listed(chars, "eller"),
                    portvakt_core::password_policy::listed(chars, "or"),
                ),
                (_, Some((name, value))) => Text::key(rule.key()).with(name, value),
                (_, None) => Text::key(rule.key()),
            };
            Check {
                text,
                broken: broken.contains(&i),
            }
        })
        .collect()
}

fn next_button() -> Button {
    Button {
        value: "submit",
        label: "reset.next",
    }
}

#[async_trait]
impl Flow for ResetFlow {
    type Step = ResetStep;

    fn title(&self) -> &'static str {
        "reset.title"
    }

    fn done_label(&self) -> &'static str {
        "reset.finish"
    }

    fn start(&self, hint: Option<&str>) -> ResetStep {
        ResetStep::Identify {
            username: hint.unwrap_or_default().to_owned(),
        }
    }

    fn view(&self, step: &ResetStep) -> StepView {
        match step {
            ResetStep::Identify { username } => StepView {
                info: Some(Text::key("reset.intro")),
                ..StepView::form(
                    vec![Field {
                        name: "username",
                        label: "field.username",
                        kind: FieldKind::Text,
                        autocomplete: "username",
                        value: username.clone(),
                    }],
                    "reset.next",
                )
            },
            ResetStep::EnterCode { .. } => StepView {
                heading: Some("reset.enter_code"),
                info: Some(
                    Text::key("reset.code_sent")
                        .with("minutes", self.settings.code_valid_minutes.to_string()),
                ),
                fields: vec![Field {
                    name: "code",
                    label: "field.reset_code",
                    kind: FieldKind::Numeric,
                    autocomplete: "one-time-code",
                    value: String::new(),
                }],
                buttons: vec![next_button()],
                ..StepView::default()
            },
            // Said as a status (role="status"), so a screen reader announces it.
            ResetStep::Help => StepView {
                status: Some(Text::configured(&self.settings.no_mobile_text)),
                ..StepView::default()
            },
            ResetStep::Outside => StepView {
                status: self.settings.outside_text.as_ref().map(Text::configured),
                ..StepView::default()
            },
            ResetStep::NotSent => StepView {
                status: Some(Text::key("reset.not_sent").with_localized(
                    "help",
                    &self.settings.no_mobile_text.sv,
                    &self.settings.no_mobile_text.en,
                )),
                ..StepView::default()
            },
            ResetStep::Choose {
                broken,
                new_password,
                ..
            } => StepView {
                heading: Some("reset.choose_heading"),
                info: Some(Text::key("reset.rules_intro")),
                choice: Some(ChoiceGroup {
                    name: "action",
                    legend: "reset.choose_legend",
                    selected: Some(if *new_password {
                        "new_password"
                    } else {
                        "unlock"
                    }),
                    options: vec![
                        Choice {
                            value: "unlock",
                            label: "reset.unlock",
                        },
                        Choice {
                            value: "new_password",
                            label: "reset.new_password",
                        },
                    ],
                }),
                checklist: checklist(&self.policy, broken),
                fields: new_password_fields(),
                // No `action` of its own: the radio group is `action`.
                buttons: vec![Button {
                    value: "",
                    label: "reset.next",
                }],
                ..StepView::default()
            },
        }
    }

    async fn submit(
        &self,
        cx: &FlowContext<'_>,
        step: ResetStep,
        form: &Form,
    ) -> Result<FlowOutcome<ResetStep>, AppError> {
        match step {
            ResetStep::Identify { .. } => self.identify(cx, form).await,
            ResetStep::EnterCode { username } => self.enter_code(cx, username, form).await,
            ResetStep::Choose { account_id, .. } => self.choose(cx, account_id, form).await,
            // Pages without a form of their own: only "back to the login" leaves them.
            step @ (ResetStep::Help | ResetStep::Outside | ResetStep::NotSent) => {
                Ok(FlowOutcome::Continue(step))
            }
        }
    }
}
