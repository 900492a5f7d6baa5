//! Authentication context classes (OIDC Core §2 `acr`) and methods references (RFC 8176 `amr`).

use serde::{Deserialize, Serialize};

/// The default acr of the password method.
pub const ACR_PASSWORD: &str = "urn:portvakt:acr:password";
/// The default acr of the PIN + one-time-code method.
pub const ACR_PIN_OTP: &str = "urn:portvakt:acr:pin-otp";
/// The default acr of the BankID method.
pub const ACR_BANKID: &str = "urn:portvakt:acr:bankid";
/// What an unreviewed provider relaying BankID may emit (Sweden Connect).
pub const ACR_UNCERTIFIED_LOA3: &str = "http://id.swedenconnect.se/loa/1.0/uncertified-loa3";

/// An authentication method reference value (RFC 8176 §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Amr {
    /// Password.
    Pwd,
    /// Personal identification number.
    Pin,
    /// One-time password.
    Otp,
    /// Confirmation by SMS.
    Sms,
    /// Multiple factors.
    Mfa,
    /// Software-secured key (e.g. BankID on a phone).
    Swk,
    /// Hardware-secured key.
    Hwk,
}

impl Amr {
    /// The registered value.
    pub fn as_str(self) -> &'static str {
        match self {
            Amr::Pwd => "pwd",
            Amr::Pin => "pin",
            Amr::Otp => "otp",
            Amr::Sms => "sms",
            Amr::Mfa => "mfa",
            Amr::Swk => "swk",
            Amr::Hwk => "hwk",
        }
    }
}
