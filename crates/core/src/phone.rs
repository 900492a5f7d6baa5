//! Mobile numbers, parsed with libphonenumber's rules (the `phonenumber` crate) and kept
//! in E.164 form (`+46701234567`), the form SMS gateways take. People type them in
//! every national form (`070-123 45 67`, `0046 70 123 45 67`); a number without a
//! country code is read as Swedish.

use phonenumber::country::Id;
use phonenumber::{Mode, Type};

/// Why a typed number is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    /// Not a phone number at all.
    #[error("not a phone number")]
    Unreadable,
    /// A phone number, but not one that exists in its country's numbering plan.
    #[error("not a valid phone number")]
    Invalid,
    /// A valid number that cannot receive SMS (a landline, a premium-rate number).
    #[error("not a mobile number (codes are sent by SMS)")]
    NotMobile,
}

/// The E.164 form of a typed mobile number. Errors never quote the input: it is
/// personal data (S44).
pub fn mobile_e164(typed: &str) -> Result<String, PhoneError> {
    let number =
        phonenumber::parse(Some(Id::SE), typed.trim()).map_err(|_| PhoneError::Unreadable)?;
    if !number.is_valid() {
        return Err(PhoneError::Invalid);
    }
    match number.number_type(&phonenumber::metadata::DATABASE) {
        Type::Mobile | Type::FixedLineOrMobile => {}
        _ => return Err(PhoneError::NotMobile),
    }
    Ok(number.format().mode(Mode::E164).to_string())
}

/// A mobile number in E.164 form (`+46701234567`): the only form a message can be sent
/// to. `Debug` masks it, since it is personal data (S44).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct MobileNumber(String);

impl MobileNumber {
    /// Parses a typed or stored number; see [`mobile_e164`].
    pub fn parse(typed: &str) -> Result<Self, PhoneError> {
        mobile_e164(typed).map(MobileNumber)
    }

    /// The E.164 form, for a gateway.
    pub fn e164(&self) -> &str {
        &self.0
    }

    /// The number as logs and audit events may show it: the country code and first two
    /// digits, and the last two (`+4670*****67`).
    pub fn masked(&self) -> String {
        let chars: Vec<char> = self.0.chars().collect();
        if chars.len() < 8 {
            return "+***".into();
        }
        let head: String = chars[..5].iter().collect();
        let tail: String = chars[chars.len() - 2..].iter().collect();
        format!("{head}{}{tail}", "*".repeat(chars.len() - 7))
    }
}

impl std::fmt::Debug for MobileNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swedish_forms_become_e164() {
        for typed in [
            "070-123 45 67",
            "0701234567",
            "+46 70 123 45 67",
            "0046701234567",
            "+46701234567",
        ] {
            assert_eq!(mobile_e164(typed).as_deref(), Ok("+46701234567"), "{typed}");
        }
        assert_eq!(
            mobile_e164("+47 412 34 567").as_deref(),
            Ok("+4741234567"),
            "Norway"
        );
    }

    #[test]
    fn refusals() {
        assert_eq!(mobile_e164("hej"), Err(PhoneError::Unreadable));
        assert_eq!(mobile_e164("070-12"), Err(PhoneError::Invalid));
        assert_eq!(
            mobile_e164("0142-36 6000"),
            Err(PhoneError::NotMobile),
            "the service desk's landline"
        );
    }

    #[test]
    fn masked_numbers() {
        let n = MobileNumber::parse("070-123 45 67").expect("a mobile");
        assert_eq!(n.e164(), "+46701234567");
        assert_eq!(n.masked(), "+4670*****67");
        assert_eq!(format!("{n:?}"), "+4670*****67");
    }
}
