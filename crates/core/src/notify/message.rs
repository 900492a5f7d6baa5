//! Messages by purpose. The types keep each purpose on its channel: a login code goes
//! by SMS, a link by e-mail.

use crate::secret::Secret;

/// A message sent by SMS.
#[derive(Debug, Clone)]
pub enum SmsMessage {
    /// A one-time code for signing in (PIN + one-time code, seed 000).
    LoginCode {
        /// The digits.
        code: Secret,
        /// How long it is valid, in minutes.
        valid_minutes: u32,
    },
    /// A code for resetting a password (seed 001).
    ResetCode {
        /// The digits.
        code: Secret,
        /// How long it is valid, in minutes.
        valid_minutes: u32,
    },
    /// `portvakt notify test --sms`.
    Test,
}

/// A message sent by e-mail.
#[derive(Debug, Clone)]
pub enum EmailMessage {
    /// A link that confirms a registered address (Mina sidor, seed 002).
    ConfirmAddress {
        /// The link; it holds a single-use token.
        link: Secret,
        /// How long it is valid, in hours.
        valid_hours: u32,
    },
    /// A link to choose a password ("Skapa lösenord", seed 002).
    CreatePassword {
        /// The link; it holds a single-use token.
        link: Secret,
        /// How long it is valid, in hours.
        valid_hours: u32,
    },
    /// A new code list for PIN + one-time code (`portvakt codes issue --email`,
    /// seed 000): numbered four-digit codes, each usable once.
    CodeList {
        /// The codes, in the order they are numbered.
        codes: Vec<Secret>,
    },
    /// `portvakt notify test --email`.
    Test,
}

/// What a message is for: the name audit events, logs and send limits use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// [`SmsMessage::LoginCode`].
    LoginCode,
    /// [`SmsMessage::ResetCode`].
    ResetCode,
    /// [`EmailMessage::ConfirmAddress`].
    ConfirmAddress,
    /// [`EmailMessage::CreatePassword`].
    CreatePassword,
    /// [`EmailMessage::CodeList`].
    CodeList,
    /// A test message.
    Test,
}

impl Purpose {
    /// `login_code`, `reset_code`, `confirm_address`, `create_password`, `code_list`,
    /// `test`.
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::LoginCode => "login_code",
            Purpose::ResetCode => "reset_code",
            Purpose::ConfirmAddress => "confirm_address",
            Purpose::CreatePassword => "create_password",
            Purpose::CodeList => "code_list",
            Purpose::Test => "test",
        }
    }
}

impl SmsMessage {
    /// Its purpose.
    pub fn purpose(&self) -> Purpose {
        match self {
            SmsMessage::LoginCode { .. } => Purpose::LoginCode,
            SmsMessage::ResetCode { .. } => Purpose::ResetCode,
            SmsMessage::Test => Purpose::Test,
        }
    }
}

impl EmailMessage {
    /// Its purpose.
    pub fn purpose(&self) -> Purpose {
        match self {
            EmailMessage::ConfirmAddress { .. } => Purpose::ConfirmAddress,
            EmailMessage::CreatePassword { .. } => Purpose::CreatePassword,
            EmailMessage::CodeList { .. } => Purpose::CodeList,
            EmailMessage::Test => Purpose::Test,
        }
    }
}

/// Whose name a message carries: the client whose login sends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Brand {
    /// The client's display name, as the text names it ("Dexter").
    pub client_name: String,
    /// The e-mail sender's display name for this client (`Mina sidor
    /// <login@example.se>`); `None` keeps the name of `[notify.email] from`.
    pub email_sender_name: Option<String>,
    /// The SMS sender for this client (up to 11 letters and digits, or E.164); `None`
    /// keeps `[notify.sms] from`.
    pub sms_from: Option<String>,
}

impl Brand {
    /// A message that belongs to no client's login (the operator's test message).
    pub fn portvakt() -> Self {
        Brand {
            client_name: "Portvakt".into(),
            email_sender_name: None,
            sms_from: None,
        }
    }
}
