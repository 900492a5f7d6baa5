//! PIN + one-time code, the Dexter login (seed 000, docs/pin-otp.md).
//!
//! 1. "Personnummer (ÅÅMMDD-XXXX)": parsed, never looked up, so a number without an
//!    account goes on exactly like one with (S32).
//! 2. "Välj metod": a code by SMS (at most `sms_per_day` a day per person, counted
//!    before sending; sent by a background task, so the answer does not wait on the
//!    account lookup or the gateway) or one from the code list given by e-mail or on
//!    paper (unlimited).
//! 3. "PIN-kod + engångskod": one field, the PIN followed by the four digits. The PIN is
//!    checked with argon2id, the code against the hash of this transaction's SMS code
//!    or of an unused code of the account's list.

use super::throttle::{LoginThrottle, Subject};
use super::{
    Authenticated, Button, Choice, ChoiceGroup, Field, FieldKind, Form, Leave, LoginContext,
    Method, Outcome, StepView, Text,
};
use crate::error::AppError;
use crate::hashing::PasswordHasher;
use async_trait::async_trait;
use portvakt_core::account::Account;
use portvakt_core::acr::Amr;
use portvakt_core::address::address_block;
use portvakt_core::audit::{AuditEvent, AuditKind, AuditTrail};
use portvakt_core::config::{PinOtpSettings, SmsBlock};
use portvakt_core::ephemeral::Ephemeral;
use portvakt_core::identity::{IdentityNumberError, Personnummer};
use portvakt_core::ids::AccountId;
use portvakt_core::lock::{Block, DailyQuota, FailureLockout};
use portvakt_core::notify::{Messenger, NotSent, SendContext, SendError, SmsMessage};
use portvakt_core::otp;
use portvakt_core::phone::MobileNumber;
use portvakt_core::ports::{AccountRepo, CodeListRepo};
use portvakt_core::random::token_hash;
use portvakt_core::secret::Secret;
use portvakt_core::time::{Clock, UnixTime, day_in_words, stockholm_ymd};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;
use subtle::ConstantTimeEq;

/// Where the one-time code comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Channel {
    /// Sent by SMS for this login ("Få engångskod via SMS").
    Sms,
    /// From the code list ("Använd engångskod du fått på e-post eller papper").
    List,
}

/// The method's steps, kept in the login transaction. The personnummer is kept in its
/// 12-digit form; no PIN or code is ever kept here.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum PinOtpStep {
    /// Step 1: the personnummer, as typed last time.
    Identify {
        /// What was typed.
        typed: String,
    },
    /// Step 2, "Välj metod".
    Choose {
        /// `YYYYMMDDNNNC`.
        personnummer: String,
        /// What was typed in step 1 (for "Ändra personnummer").
        typed: String,
        /// Set when an SMS code was refused by the day's quota: (refused at, the next
        /// Swedish midnight), Unix seconds.
        sms_refused: Option<(i64, i64)>,
    },
    /// Step 3, "PIN-kod + engångskod".
    EnterCode {
        /// `YYYYMMDDNNNC`.
        personnummer: String,
        /// What was typed in step 1.
        typed: String,
        /// Where the code comes from.
        channel: Channel,
    },
    /// After a login with a list code, when few codes remain: a warning, then on.
    FewCodesLeft {
        /// Who signed in.
        account_id: String,
        /// Unused codes left on the list.
        left: u64,
        /// The account's password generation when the PIN was checked.
        password_generation: i64,
    },
}

/// The SMS code of one login transaction, as stored: its hash and whom it was for.
#[derive(Debug, Serialize, Deserialize)]
struct SentCode {
    /// [`otp::sms_code_hash`] over the transaction and the code.
    hash: String,
    /// `YYYYMMDDNNNC` it was ordered for.
    personnummer: String,
    /// When it stops working, by the method's clock (Unix seconds); the store's own
    /// expiry is only the backstop.
    expires_at: i64,
}

/// What the method uses.
#[derive(Clone)]
pub struct PinOtpServices {
    /// Accounts (by personnummer) and their PIN hashes.
    pub accounts: Arc<dyn AccountRepo>,
    /// The code lists.
    pub code_lists: Arc<dyn CodeListRepo>,
    /// argon2id for PINs.
    pub hasher: PasswordHasher,
    /// The `[login]` throttle (S29, S31).
    pub throttle: LoginThrottle,
    /// Codes, quotas and lockouts.
    pub ephemeral: Ephemeral,
    /// SMS codes go out through it (send limits, audit).
    pub messenger: Messenger,
    /// Audit events.
    pub audit: AuditTrail,
    /// The time (the day rule is by Swedish calendar day).
    pub clock: Arc<dyn Clock>,
}

/// PIN + one-time code.
pub struct PinOtpMethod {
    settings: PinOtpSettings,
    s: PinOtpServices,
    quota: DailyQuota,
    lockout: Option<FailureLockout>,
}

/// The name the day's SMS quota counts under: a hash of the personnummer, so numbers
/// with and without an account are counted alike and no number is kept in the store.
pub fn quota_subject(personnummer: &Personnummer) -> String {
    token_hash(&format!("pin-otp-sms\0{}", personnummer.as_str()))
}

impl PinOtpMethod {
    /// The method with `settings`.
    pub fn new(settings: PinOtpSettings, s: PinOtpServices) -> Self {
        let quota = DailyQuota::new(
            s.ephemeral.clone(),
            s.clock.clone(),
            "sms",
            settings.sms_per_day,
        );
        let lockout = (settings.lockout_failures > 0).then(|| {
            let lock_for = (settings.lockout_minutes > 0)
                .then(|| Duration::from_secs(settings.lockout_minutes * 60));
            FailureLockout::new(
                s.ephemeral.clone(),
                s.clock.clone(),
                settings.lockout_failures,
                lock_for,
            )
            .within(Duration::from_secs(settings.failure_window_minutes * 60))
        });
        PinOtpMethod {
            settings,
            s,
            quota,
            lockout,
        }
    }

    fn event(&self, kind: AuditKind, cx: &LoginContext<'_>) -> AuditEvent {
        AuditEvent::now(kind)
            .client(&cx.client.client_id)
            .detail(cx.method_id)
            .ip(cx.client_ip)
    }

    fn code_key(cx: &LoginContext<'_>) -> String {
        portvakt_core::ephemeral::keys::fact(&format!("pin-otp-code:{}", cx.transaction_id))
    }

    fn today(&self) -> (u32, u32, u32) {
        stockholm_ymd(self.s.clock.now())
    }

    fn identify(&self, form: &Form) -> Outcome<PinOtpStep> {
        let typed = form.get("personnummer").map(|s| s.trim()).unwrap_or("");
        let keep = PinOtpStep::Identify {
            typed: typed.to_owned(),
        };
        if typed.is_empty() {
            return Outcome::Failed {
                step: keep,
                message: "login.pnr.missing",
            };
        }
        let normalized = portvakt_core::normalize::identity_number(typed);
        match Personnummer::parse(&normalized, self.today()) {
            Ok(pnr) => Outcome::Continue(PinOtpStep::Choose {
                personnummer: pnr.as_str().to_owned(),
                typed: typed.to_owned(),
                sms_refused: None,
            }),
            Err(e) => Outcome::Failed {
                step: keep,
                message: match e {
                    IdentityNumberError::Checksum => "login.pnr.checksum",
                    IdentityNumberError::Date => "login.pnr.date",
                    IdentityNumberError::Format | IdentityNumberError::NotOrganisation => {
                        "login.pnr.format"
                    }
                },
            },
        }
    }

    async fn choose(
        &self,
        cx: &LoginContext<'_>,
        personnummer: String,
        typed: String,
        form: &Form,
    ) -> Result<Outcome<PinOtpStep>, AppError> {
        if form.get("action").map(String::as_str) == Some("change") {
            return Ok(Outcome::Continue(PinOtpStep::Identify { typed }));
        }
        let pnr = stored_pnr(&personnummer)?;
        let who = quota_subject(&pnr);
        let refused = |until: UnixTime| PinOtpStep::Choose {
            personnummer: personnummer.clone(),
            typed: typed.clone(),
            sms_refused: Some((self.s.clock.now().0, until.0)),
        };
        let channel = match form.get("channel").map(String::as_str) {
            Some("sms") => Channel::Sms,
            Some("list") => Channel::List,
            _ => {
                return Ok(Outcome::Failed {
                    step: PinOtpStep::Choose {
                        personnummer,
                        typed,
                        sms_refused: None,
                    },
                    message: "login.pin_otp.choose_channel",
                });
            }
        };
        if channel == Channel::List {
            if self.settings.sms_block == SmsBlock::Method
                && let Some(Block::ChannelBlock { until, .. }) = self.quota.blocked(&who).await?
            {
                return Ok(Outcome::Continue(refused(until)));
            }
            return Ok(Outcome::Continue(PinOtpStep::EnterCode {
                personnummer,
                typed,
                channel,
            }));
        }
        // Per browser and per address first: a stranger ordering codes for many
        // numbers is stopped before any person's day is used up.
        let keep = PinOtpStep::Choose {
            personnummer: personnummer.clone(),
            typed: typed.clone(),
            sms_refused: None,
        };
        let hour = Duration::from_secs(3600);
        let browser_key = format!("pin-otp-sms-browser:{}:{}", cx.method_id, cx.browser_hash);
        let address_key = format!(
            "pin-otp-sms-address:{}:{}",
            cx.method_id,
            address_block(cx.client_ip)
        );
        let e = &self.s.ephemeral;
        if e.bump(&browser_key, hour).await? > self.settings.sms_per_browser_per_hour {
            e.give_back(&browser_key).await?;
            return Ok(Outcome::Failed {
                step: keep,
                message: "login.pin_otp.sms_too_many",
            });
        }
        if e.bump(&address_key, hour).await? > self.settings.sms_per_address_per_hour {
            e.give_back(&address_key).await?;
            e.give_back(&browser_key).await?;
            return Ok(Outcome::Failed {
                step: keep,
                message: "login.pin_otp.sms_too_many",
            });
        }
        let n = match self.quota.take(&who).await? {
            Ok(n) => n,
            Err(block) => {
                e.give_back(&address_key).await?;
                e.give_back(&browser_key).await?;
                let until = match block {
                    Block::ChannelBlock { until, .. } => until,
                    _ => self.s.clock.now(),
                };
                return Ok(Outcome::Continue(refused(until)));
            }
        };
        let code = otp::new_code();
        let valid = Duration::from_secs(u64::from(self.settings.code_valid_minutes) * 60);
        // A new code replaces this transaction's earlier one.
        self.s
            .ephemeral
            .put_json(
                &Self::code_key(cx),
                &SentCode {
                    hash: otp::sms_code_hash(cx.transaction_id, code.expose()),
                    personnummer: personnummer.clone(),
                    expires_at: self.s.clock.now().plus(valid).0,
                },
                valid,
            )
            .await?;
        self.send_in_background(cx, pnr, who, code, n == self.settings.sms_per_day);
        Ok(Outcome::Continue(PinOtpStep::EnterCode {
            personnummer,
            typed,
            channel,
        }))
    }

    /// Looks the account up and sends the code, after the answer: the page reads the
    /// same whether the number has an account, a mobile, or neither (S32).
    fn send_in_background(
        &self,
        cx: &LoginContext<'_>,
        pnr: Personnummer,
        who: String,
        code: Secret,
        last_of_day: bool,
    ) {
        let accounts = self.s.accounts.clone();
        let messenger = self.s.messenger.clone();
        let audit = self.s.audit.clone();
        let quota = self.quota.clone();
        let client = cx.client.client_id.clone();
        let brand = cx.client.brand();
        let ip = cx.client_ip;
        let lang = cx.lang;
        let method = cx.method_id.to_owned();
        let valid_minutes = self.settings.code_valid_minutes;
        tokio::spawn(async move {
            let account = match accounts.find_by_personnummer(&pnr).await {
                Ok(a) => a,
                Err(e) => {
                    tracing::warn!(error = %e, "PIN + code: the account lookup failed; no SMS sent");
                    return;
                }
            };
            let Some(account) = account else { return };
            if last_of_day {
                audit
                    .record(
                        AuditEvent::now(AuditKind::SmsQuotaReached)
                            .account(&account.id)
                            .client(&client)
                            .detail(&method)
                            .ip(ip),
                    )
                    .await;
            }
            let Some(to) = account
                .phone
                .as_deref()
                .and_then(|p| MobileNumber::parse(p).ok())
            else {
                return;
            };
            let message = SmsMessage::LoginCode {
                code,
                valid_minutes,
            };
            let sent = messenger
                .send_sms(
                    &to,
                    &message,
                    &SendContext {
                        account: Some(&account.id),
                        client: Some(&client),
                        ip: Some(ip),
                        lang,
                        brand: &brand,
                    },
                )
                .await;
            // A gateway that could not have sent (none configured) does not use up
            // the person's day; a refusal or a timeout does (it may have been sent).
            if let Err(NotSent::Failed(SendError::Config(_))) = sent
                && let Err(e) = quota.give_back(&who).await
            {
                tracing::warn!(error = %e, "PIN + code: the SMS quota could not be given back");
            }
        });
    }

    async fn enter_code(
        &self,
        cx: &LoginContext<'_>,
        personnummer: String,
        typed: String,
        channel: Channel,
        form: &Form,
    ) -> Result<Outcome<PinOtpStep>, AppError> {
        let keep = PinOtpStep::EnterCode {
            personnummer: personnummer.clone(),
            typed: typed.clone(),
            channel,
        };
        if form.get("action").map(String::as_str) == Some("back") {
            return Ok(Outcome::Continue(PinOtpStep::Choose {
                personnummer,
                typed,
                sms_refused: None,
            }));
        }
        let typed_secret = form.get("pin_code").map(String::as_str).unwrap_or("");
        let Some((pin, code)) = otp::split_pin_code(typed_secret) else {
            // Not a guess at all (wrong length, letters): nothing counted.
            return Ok(Outcome::Failed {
                step: keep,
                message: "login.pin_otp.format",
            });
        };
        let pnr = stored_pnr(&personnummer)?;
        let account = self.s.accounts.find_by_personnummer(&pnr).await?;
        let subject = match &account {
            Some(a) => Subject::Account(a),
            None => Subject::Unknown(&personnummer),
        };
        let throttle = self
            .s
            .throttle
            .attempt(subject, cx.client_ip, cx.browser_hash);
        if !throttle.admit().await? {
            self.s
                .audit
                .record(self.event(AuditKind::LoginThrottled, cx))
                .await;
            return Ok(Outcome::Failed {
                step: keep,
                message: "login.too_many_attempts",
            });
        }
        // Refused without a word of why (S30): a lockout, the day's block of the whole
        // method, an administrator's lock all read as a wrong PIN + code.
        let mut refused = false;
        if let (Some(lockout), Some(a)) = (&self.lockout, &account)
            && lockout.check(a, cx.method_id).await?.is_some()
            && !throttle.is_known_browser().await?
        {
            refused = true;
        }
        if self.settings.sms_block == SmsBlock::Method
            && self.quota.blocked(&quota_subject(&pnr)).await?.is_some()
        {
            refused = true;
        }
        // Always hashed, known account or not (S32).
        let pin_hash = account.as_ref().and_then(|a| a.pin_hash.as_deref());
        let pin_ok = self.s.hasher.verify(&pin, pin_hash).await?;
        let (code_ok, void) = match channel {
            Channel::Sms => match self.check_sms_code(cx, &personnummer, &code).await? {
                SmsCodeCheck::Right => (true, false),
                SmsCodeCheck::Wrong => (false, false),
                SmsCodeCheck::Void => (false, true),
            },
            Channel::List => (true, false), // spent below, only with the right PIN
        };
        let authenticated = match &account {
            Some(a) if pin_ok && code_ok && !refused && !a.is_locked() => match channel {
                // Single use: of parallel right answers, one takes the code.
                Channel::Sms => self
                    .s
                    .ephemeral
                    .take_json::<SentCode>(&Self::code_key(cx))
                    .await?
                    .is_some(),
                Channel::List => {
                    let hash = otp::list_code_hash(&a.id, code.expose());
                    self.s
                        .code_lists
                        .use_list_code(&a.id, &hash, self.s.clock.now())
                        .await?
                }
            },
            _ => false,
        };
        let a = match account {
            Some(a) if authenticated => a,
            other => {
                let message = if void {
                    // Said for every number alike: the code of this login is spent.
                    "login.pin_otp.code_void"
                } else {
                    "login.pin_otp.invalid"
                };
                return self.failed(cx, other.as_ref(), keep, message).await;
            }
        };
        throttle.succeeded().await?;
        if let Some(lockout) = &self.lockout {
            lockout.succeeded(&a, cx.method_id).await?;
        }
        let amr = amr_of(channel);
        self.s
            .audit
            .record(self.event(AuditKind::LoginSucceeded, cx).account(&a.id))
            .await;
        if channel == Channel::List && self.settings.warn_codes_left > 0 {
            let left = self.s.code_lists.list_codes_left(&a.id).await?;
            if left <= self.settings.warn_codes_left {
                return Ok(Outcome::Continue(PinOtpStep::FewCodesLeft {
                    account_id: a.id.0.clone(),
                    left,
                    password_generation: a.password_generation,
                }));
            }
        }
        Ok(Outcome::Authenticated(Authenticated {
            account_id: a.id,
            amr,
            password_generation: a.password_generation,
        }))
    }

    /// Whether `code` is this transaction's SMS code for `personnummer`, counting the
    /// try: after `code_tries` tries the code is void.
    async fn check_sms_code(
        &self,
        cx: &LoginContext<'_>,
        personnummer: &str,
        code: &Secret,
    ) -> Result<SmsCodeCheck, AppError> {
        let Some(sent) = self
            .s
            .ephemeral
            .get_json::<SentCode>(&Self::code_key(cx))
            .await?
        else {
            // Expired from the store, voided, or spent.
            return Ok(SmsCodeCheck::Void);
        };
        let valid = Duration::from_secs(u64::from(self.settings.code_valid_minutes) * 60);
        // Tries are counted per code: a new code has its own five, while the account's
        // failures keep counting towards the lockout (S40).
        let tries_key = format!("pin-otp-tries:{}:{}", cx.transaction_id, sent.hash);
        let tries = self.s.ephemeral.bump(&tries_key, valid).await?;
        if tries > self.settings.code_tries {
            self.s.ephemeral.delete(&Self::code_key(cx)).await?;
            return Ok(SmsCodeCheck::Void);
        }
        if self.s.clock.now().0 >= sent.expires_at {
            return Ok(SmsCodeCheck::Void);
        }
        let expected = otp::sms_code_hash(cx.transaction_id, code.expose());
        let right = bool::from(sent.hash.as_bytes().ct_eq(expected.as_bytes()))
            && sent.personnummer == personnummer;
        Ok(if right {
            SmsCodeCheck::Right
        } else {
            SmsCodeCheck::Wrong
        })
    }

    async fn failed(
        &self,
        cx: &LoginContext<'_>,
        account: Option<&Account>,
        keep: PinOtpStep,
        message: &'static str,
    ) -> Result<Outcome<PinOtpStep>, AppError> {
        let mut event = self.event(AuditKind::LoginFailed, cx);
        if let Some(a) = account {
            event = event.account(&a.id);
            if let Some(lockout) = &self.lockout
                && lockout.failed(a, cx.method_id).await?.is_some()
            {
                self.s
                    .audit
                    .record(self.event(AuditKind::LoginLockedOut, cx).account(&a.id))
                    .await;
            }
        }
        self.s.audit.record(event).await;
        Ok(Outcome::Failed {
            step: keep,
            message,
        })
    }
}

/// What [`PinOtpMethod::check_sms_code`] found.
enum SmsCodeCheck {
    /// This login's code, in time.
    Right,
    /// Not it.
    Wrong,
    /// Its tries are used up, it expired, or it was spent: the code is void.
    Void,
}

fn amr_of(channel: Channel) -> Vec<Amr> {
    match channel {
        Channel::Sms => vec![Amr::Pin, Amr::Otp, Amr::Sms, Amr::Mfa],
        Channel::List => vec![Amr::Pin, Amr::Otp, Amr::Mfa],
    }
}

fn stored_pnr(personnummer: &str) -> Result<Personnummer, AppError> {
    Personnummer::try_from(personnummer.to_owned())
        .map_err(|_| AppError::Internal("a login step holds a broken personnummer".into()))
}

fn login_button() -> Button {
    Button {
        value: "submit",
        label: "button.login",
    }
}

#[async_trait]
impl Method for PinOtpMethod {
    type Step = PinOtpStep;

    fn label(&self) -> &'static str {
        "method.pin_otp"
    }

    fn start(&self, login_hint: Option<&str>) -> PinOtpStep {
        PinOtpStep::Identify {
            typed: login_hint.unwrap_or("").to_owned(),
        }
    }

    fn view(&self, step: &PinOtpStep) -> StepView {
        match step {
            PinOtpStep::Identify { typed } => StepView {
                heading: Some("login.pin_otp.identify"),
                ..StepView::form(
                    vec![Field {
                        name: "personnummer",
                        label: "field.personnummer",
                        kind: FieldKind::Numeric,
                        autocomplete: "username",
                        value: typed.clone(),
                    }],
                    "button.login",
                )
            },
            PinOtpStep::Choose { sms_refused, .. } => StepView {
                heading: Some("login.pin_otp.choose"),
                info: Some(
                    Text::key("login.pin_otp.sms_rule")
                        .with("count", self.settings.sms_per_day.to_string()),
                ),
                alert: sms_refused.map(|(at, until)| {
                    let (at, until) = (UnixTime(at), UnixTime(until));
                    let key = match self.settings.sms_block {
                        SmsBlock::Sms => "login.pin_otp.sms_blocked",
                        SmsBlock::Method => "login.pin_otp.method_blocked",
                    };
                    Text::key(key)
                        .with("count", self.settings.sms_per_day.to_string())
                        .with_localized(
                            "day",
                            day_in_words("sv", until, at),
                            day_in_words("en", until, at),
                        )
                }),
                choice: Some(ChoiceGroup {
                    name: "channel",
                    legend: "login.pin_otp.channel",
                    selected: None,
                    options: vec![
                        Choice {
                            value: "list",
                            label: "login.pin_otp.channel_list",
                        },
                        Choice {
                            value: "sms",
                            label: "login.pin_otp.channel_sms",
                        },
                    ],
                }),
                buttons: vec![
                    login_button(),
                    Button {
                        value: "change",
                        label: "login.pin_otp.change_pnr",
                    },
                ],
                ..StepView::default()
            },
            PinOtpStep::EnterCode { channel, .. } => StepView {
                heading: Some("login.pin_otp.enter"),
                info: Some(match channel {
                    Channel::Sms => Text::key("login.pin_otp.sms_sent")
                        .with("minutes", self.settings.code_valid_minutes.to_string()),
                    Channel::List => Text::key("login.pin_otp.use_list"),
                }),
                note: Some("login.pin_otp.how"),
                buttons: vec![
                    login_button(),
                    Button {
                        value: "back",
                        label: "login.pin_otp.other_channel",
                    },
                ],
                fields: vec![Field {
                    name: "pin_code",
                    label: "field.pin_code",
                    kind: FieldKind::SecretDigits,
                    // Not "one-time-code": a phone would fill the field with the SMS
                    // code alone and wipe the PIN typed before it (docs/pin-otp.md).
                    autocomplete: "off",
                    value: String::new(),
                }],
                ..StepView::default()
            },
            PinOtpStep::FewCodesLeft { left, .. } => StepView {
                heading: Some("login.pin_otp.few_left_heading"),
                info: Some(Text::key("login.pin_otp.few_left").with("left", left.to_string())),
                buttons: vec![Button {
                    value: "submit",
                    label: "button.continue",
                }],
                ..StepView::default()
            },
        }
    }

    async fn submit(
        &self,
        cx: &LoginContext<'_>,
        step: PinOtpStep,
        form: &Form,
    ) -> Result<Outcome<PinOtpStep>, AppError> {
        match step {
            PinOtpStep::Identify { .. } => Ok(self.identify(form)),
            PinOtpStep::Choose {
                personnummer,
                typed,
                ..
            } => self.choose(cx, personnummer, typed, form).await,
            PinOtpStep::EnterCode {
                personnummer,
                typed,
                channel,
            } => {
                self.enter_code(cx, personnummer, typed, channel, form)
                    .await
            }
            PinOtpStep::FewCodesLeft {
                account_id,
                password_generation,
                ..
            } => Ok(Outcome::Authenticated(Authenticated {
                account_id: AccountId(account_id),
                amr: amr_of(Channel::List),
                password_generation,
            })),
        }
    }

    async fn on_leave(
        &self,
        cx: &LoginContext<'_>,
        step: PinOtpStep,
        _why: Leave,
    ) -> Result<(), AppError> {
        // A code sent for this login dies with it.
        if let PinOtpStep::EnterCode {
            channel: Channel::Sms,
            ..
        } = step
        {
            self.s.ephemeral.delete(&Self::code_key(cx)).await?;
        }
        Ok(())
    }
}
