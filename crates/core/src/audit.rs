//! Audit events: who signed in, what was issued and revoked. Never a secret (S44).

use crate::ids::{AccountId, ClientId};
use crate::time::UnixTime;
use serde::Serialize;

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditKind {
    /// A login method authenticated a user.
    LoginSucceeded,
    /// A login attempt failed.
    LoginFailed,
    /// A login attempt was refused unchecked: too many recent failures.
    LoginThrottled,
    /// Tokens were issued at the token endpoint.
    TokensIssued,
    /// Tokens were refreshed.
    TokensRefreshed,
    /// A token or grant was revoked.
    TokenRevoked,
    /// An authorization code was presented twice; its grant was revoked.
    CodeReused,
    /// A spent refresh token was presented; its grant was revoked.
    RefreshTokenReused,
    /// A client failed to authenticate.
    ClientAuthFailed,
    /// A single sign-on session ended (logout, or another user signed in).
    SessionEnded,
    /// A back-channel logout notification could not be delivered.
    BackchannelLogoutFailed,
    /// An SMS or e-mail was handed to its gateway (detail: purpose, channel, masked
    /// destination; never the text).
    MessageSent,
    /// An SMS or e-mail was not sent: over a send limit, or the gateway failed.
    MessageNotSent,
    /// A login created an account for a person it identified (a method's
    /// `unknown_person = "create"`).
    AccountCreated,
    /// An account ordered its last SMS code allowed today (PIN + one-time code): more
    /// are refused until midnight. The school office looks for these (a stranger
    /// using up a student's codes).
    SmsQuotaReached,
    /// A method locked itself for an account after repeated failures (S30).
    LoginLockedOut,
    /// An administrator issued a new code list (the old one is void).
    CodeListIssued,
    /// An administrator set or changed a PIN.
    PinChanged,
    /// A password reset was asked for (detail: whether a code was sent).
    ResetRequested,
    /// A wrong reset code was typed.
    ResetCodeFailed,
    /// A user proved a reset code and unlocked their account.
    AccountUnlocked,
    /// A user chose a new password through the reset.
    PasswordChanged,
    /// A BankID order was started (detail: qr or same device).
    BankIdOrderStarted,
    /// A BankID order completed; the person is in the login's own event.
    BankIdOrderCompleted,
    /// A BankID order failed or could not start (detail: the hint code or error class).
    BankIdOrderFailed,
    /// A customer registered an e-mail address (Mina sidor, unconfirmed until the link).
    EmailRegistered,
    /// An e-mail address was confirmed from its link.
    EmailConfirmed,
}

impl AuditKind {
    /// Every kind.
    pub const ALL: [AuditKind; 27] = [
        AuditKind::SessionEnded,
        AuditKind::BackchannelLogoutFailed,
        AuditKind::LoginSucceeded,
        AuditKind::LoginFailed,
        AuditKind::LoginThrottled,
        AuditKind::TokensIssued,
        AuditKind::TokensRefreshed,
        AuditKind::TokenRevoked,
        AuditKind::CodeReused,
        AuditKind::RefreshTokenReused,
        AuditKind::ClientAuthFailed,
        AuditKind::MessageSent,
        AuditKind::MessageNotSent,
        AuditKind::AccountCreated,
        AuditKind::SmsQuotaReached,
        AuditKind::LoginLockedOut,
        AuditKind::CodeListIssued,
        AuditKind::PinChanged,
        AuditKind::ResetRequested,
        AuditKind::ResetCodeFailed,
        AuditKind::AccountUnlocked,
        AuditKind::PasswordChanged,
        AuditKind::BankIdOrderStarted,
        AuditKind::BankIdOrderCompleted,
        AuditKind::BankIdOrderFailed,
        AuditKind::EmailRegistered,
        AuditKind::EmailConfirmed,
    ];

    /// The kind with this stored name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == name)
    }

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            AuditKind::LoginSucceeded => "login_succeeded",
            AuditKind::LoginFailed => "login_failed",
            AuditKind::LoginThrottled => "login_throttled",
            AuditKind::TokensIssued => "tokens_issued",
            AuditKind::TokensRefreshed => "tokens_refreshed",
            AuditKind::TokenRevoked => "token_revoked",
            AuditKind::CodeReused => "code_reused",
            AuditKind::RefreshTokenReused => "refresh_token_reused",
            AuditKind::ClientAuthFailed => "client_auth_failed",
            AuditKind::SessionEnded => "session_ended",
            AuditKind::BackchannelLogoutFailed => "backchannel_logout_failed",
            AuditKind::MessageSent => "message_sent",
            AuditKind::MessageNotSent => "message_not_sent",
            AuditKind::AccountCreated => "account_created",
            AuditKind::SmsQuotaReached => "sms_quota_reached",
            AuditKind::LoginLockedOut => "login_locked_out",
            AuditKind::CodeListIssued => "code_list_issued",
            AuditKind::PinChanged => "pin_changed",
            AuditKind::ResetRequested => "reset_requested",
            AuditKind::ResetCodeFailed => "reset_code_failed",
            AuditKind::AccountUnlocked => "account_unlocked",
            AuditKind::PasswordChanged => "password_changed",
            AuditKind::BankIdOrderStarted => "bankid_order_started",
            AuditKind::BankIdOrderCompleted => "bankid_order_completed",
            AuditKind::BankIdOrderFailed => "bankid_order_failed",
            AuditKind::EmailRegistered => "email_registered",
            AuditKind::EmailConfirmed => "email_confirmed",
        }
    }
}

/// One audit record.
#[derive(Debug, Clone)]
pub struct AuditEvent {
    /// When.
    pub at: UnixTime,
    /// What.
    pub kind: AuditKind,
    /// Whose account, when known.
    pub account_id: Option<AccountId>,
    /// Which client, when known.
    pub client_id: Option<ClientId>,
    /// The login method, acr or reason: never a secret or an identity number.
    pub detail: Option<String>,
    /// The user's IP address, for attempts made in a browser.
    pub ip: Option<String>,
}

impl AuditEvent {
    /// An event happening now.
    pub fn now(kind: AuditKind) -> Self {
        AuditEvent {
            at: UnixTime::now(),
            kind,
            account_id: None,
            client_id: None,
            detail: None,
            ip: None,
        }
    }

    /// With an account.
    pub fn account(mut self, id: &AccountId) -> Self {
        self.account_id = Some(id.clone());
        self
    }

    /// With a client.
    pub fn client(mut self, id: &ClientId) -> Self {
        self.client_id = Some(id.clone());
        self
    }

    /// With the user's IP address.
    pub fn ip(mut self, ip: std::net::IpAddr) -> Self {
        self.ip = Some(ip.to_string());
        self
    }

    /// With a detail.
    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }
}

/// The audit trail as the services use it: recording never fails the user's flow (the
/// trail is best effort, the protocol outcome is not); a failure is logged once.
#[derive(Clone)]
pub struct AuditTrail(std::sync::Arc<dyn crate::ports::AuditLog>);

impl AuditTrail {
    /// Records to `log`.
    pub fn new(log: std::sync::Arc<dyn crate::ports::AuditLog>) -> Self {
        AuditTrail(log)
    }

    /// Records `event`.
    pub async fn record(&self, event: AuditEvent) {
        if let Err(e) = self.0.record(&event).await {
            tracing::error!(error = %e, kind = event.kind.as_str(), "could not record audit event");
        }
    }
}
