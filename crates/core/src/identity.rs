//! Swedish identity numbers: personnummer, samordningsnummer and organisationsnummer
//! (Skatteverket SKV 704 and SKV 709; see docs/configuration.md for the accepted forms).

use serde::{Deserialize, Serialize};

/// A personnummer or samordningsnummer, stored as 12 digits `YYYYMMDDNNNC`.
/// `Debug` hides the number: it must never reach a log line (S44).
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Personnummer(String);

/// Why an identity number was refused.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum IdentityNumberError {
    /// Wrong length or characters.
    #[error("expected YYMMDD-NNNN, YYYYMMDD-NNNN or the same without the dash")]
    Format,
    /// The date part is not a real date.
    #[error("the date part is not a valid date")]
    Date,
    /// The Luhn check digit does not match.
    #[error("the check digit does not match")]
    Checksum,
    /// Digits 3–4 of an organisation number are at least 20.
    #[error("not an organisation number")]
    NotOrganisation,
}

/// Luhn over the digits, weights 2,1,2,1… from the left, as Skatteverket specifies
/// for 10-digit numbers: true when the last digit is the check digit of the rest.
fn luhn_ok(digits: &[u8]) -> bool {
    let sum: u32 = digits
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let d = u32::from(*d);
            if i % 2 == 0 {
                let p = d * 2;
                p / 10 + p % 10
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

fn digits_of(s: &str) -> Option<Vec<u8>> {
    s.bytes()
        .map(|b| b.is_ascii_digit().then(|| b - b'0'))
        .collect()
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        2 => 28,
        _ => 0,
    }
}

impl Personnummer {
    /// Parses any accepted written form. `today` is `(year, month, day)`: a 10-digit
    /// form gets its century from it and the separator (`+` = 100 years or older),
    /// never landing in the future.
    pub fn parse(input: &str, today: (u32, u32, u32)) -> Result<Self, IdentityNumberError> {
        let s = input.trim();
        // Byte positions below are character positions only for ASCII; anything else
        // is a format error (callers normalise dashes and digits first).
        if !s.is_ascii() {
            return Err(IdentityNumberError::Format);
        }
        let (body, plus) = match s.len() {
            10 | 12 => (s.to_owned(), false),
            11 | 13 => {
                let (head, tail) = s.split_at(s.len() - 5);
                let sep = tail.as_bytes()[0];
                if sep != b'-' && sep != b'+' {
                    return Err(IdentityNumberError::Format);
                }
                (format!("{head}{}", &tail[1..]), sep == b'+')
            }
            _ => return Err(IdentityNumberError::Format),
        };
        let digits = digits_of(&body).ok_or(IdentityNumberError::Format)?;
        let ten: &[u8] = if digits.len() == 12 {
            &digits[2..]
        } else {
            &digits
        };
        let num = |d: &[u8]| d.iter().fold(0u32, |acc, x| acc * 10 + u32::from(*x));
        let yy = num(&ten[0..2]);
        let month = num(&ten[2..4]);
        let mut day = num(&ten[4..6]);
        if day > 60 {
            day -= 60; // samordningsnummer
        }
        let year = if digits.len() == 12 {
            num(&digits[0..4])
        } else {
            let (ty, tm, td) = today;
            let mut year = (ty / 100) * 100 + yy;
            if (year, month, day) > (ty, tm, td) {
                year -= 100;
            }
            if plus {
                year -= 100;
            }
            year
        };
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return Err(IdentityNumberError::Date);
        }
        if !luhn_ok(ten) {
            return Err(IdentityNumberError::Checksum);
        }
        let tail: String = ten[2..].iter().map(|d| char::from(b'0' + d)).collect();
        Ok(Personnummer(format!("{year:04}{tail}")))
    }

    /// The 12-digit form `YYYYMMDDNNNC` used in storage, BankID and OIDC claims.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The written form `YYYYMMDD-NNNN`, for administrators' listings.
    pub fn written(&self) -> String {
        format!("{}-{}", &self.0[..8], &self.0[8..])
    }

    /// True for a samordningsnummer (day + 60).
    pub fn is_coordination_number(&self) -> bool {
        self.0[6..8].parse::<u32>().map(|d| d > 60).unwrap_or(false)
    }
}

impl TryFrom<String> for Personnummer {
    type Error = IdentityNumberError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        if value.len() != 12 {
            return Err(IdentityNumberError::Format);
        }
        Personnummer::parse(&value, (9999, 12, 31))
    }
}

impl From<Personnummer> for String {
    fn from(p: Personnummer) -> String {
        p.0
    }
}

impl std::fmt::Debug for Personnummer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Personnummer([redacted])")
    }
}

/// An organisationsnummer, stored as its 10 digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct OrgNumber(String);

impl OrgNumber {
    /// Parses `NNNNNN-NNNN`, `NNNNNNNNNN`, or the 12-digit form with the `16` prefix
    /// the Mina sidor guide asks companies to type (`16XXXXXX-XXXX`).
    pub fn parse(input: &str) -> Result<Self, IdentityNumberError> {
        let compact: String = input.trim().chars().filter(|c| *c != '-').collect();
        let ten = match compact.len() {
            10 => compact.as_str(),
            12 if compact.starts_with("16") => &compact[2..],
            _ => return Err(IdentityNumberError::Format),
        };
        let digits = digits_of(ten).ok_or(IdentityNumberError::Format)?;
        if digits[2] * 10 + digits[3] < 20 {
            return Err(IdentityNumberError::NotOrganisation);
        }
        if !luhn_ok(&digits) {
            return Err(IdentityNumberError::Checksum);
        }
        Ok(OrgNumber(ten.to_owned()))
    }

    /// The 10 digits, as the `orgNumber` claim carries them.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for OrgNumber {
    type Error = IdentityNumberError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        OrgNumber::parse(&value)
    }
}

impl From<OrgNumber> for String {
    fn from(o: OrgNumber) -> String {
        o.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    const TODAY: (u32, u32, u32) = (2026, 11, 22);

    #[test]
    fn non_ascii_is_a_format_error_not_a_panic() {
        assert_eq!(
            Personnummer::parse("900101\u{2013}0017", TODAY),
            Err(IdentityNumberError::Format)
        );
        assert_eq!(
            Personnummer::parse("900101-0017", TODAY).map(|p| p.written()),
            Ok("19900101-0017".to_owned())
        );
    }

    #[test]
    fn accepted_forms_normalise_to_twelve_digits() {
        for form in [
            "9001010017",
            "900101-0017",
            "199001010017",
            "19900101-0017",
            "  900101-0017 ",
        ] {
            let p = Personnummer::parse(form, TODAY).expect(form);
            assert_eq!(p.as_str(), "199001010017", "{form}");
        }
    }

    #[test]
    fn century_from_separator_and_date() {
        assert_eq!(
            Personnummer::parse("900101+0017", TODAY)
                .expect("ok")
                .as_str(),
            "189001010017"
        );
        // 2001-01-01 is in the past, so a 10-digit 01… is this century.
        let p = Personnummer::parse("0101012386", TODAY);
        if let Ok(p) = p {
            assert!(p.as_str().starts_with("20"));
        }
    }

    #[test]
    fn samordningsnummer() {
        let p = Personnummer::parse("701063-2391", TODAY).expect("valid");
        assert!(p.is_coordination_number());
        assert_eq!(p.as_str(), "197010632391");
    }

    #[test]
    fn refusals() {
        assert_eq!(
            Personnummer::parse("090909-0909", TODAY),
            Err(IdentityNumberError::Checksum)
        );
        assert_eq!(
            Personnummer::parse("901301-0017", TODAY),
            Err(IdentityNumberError::Date)
        );
        assert_eq!(
            Personnummer::parse("90010-10017", TODAY),
            Err(IdentityNumberError::Format)
        );
        assert_eq!(
            Personnummer::parse("abcdefghij", TODAY),
            Err(IdentityNumberError::Format)
        );
    }

    #[test]
    fn debug_hides_the_number() {
        let p = Personnummer::parse("9001010017", TODAY).expect("valid");
        assert!(!format!("{p:?}").contains("0017"));
    }

    #[test]
    fn organisation_numbers() {
        for form in ["5560360793", "556036-0793", "165560360793", "16556036-0793"] {
            assert_eq!(OrgNumber::parse(form).expect(form).as_str(), "5560360793");
        }
        assert!(OrgNumber::parse("2120000142").is_ok());
        assert_eq!(
            OrgNumber::parse("9001010017"),
            Err(IdentityNumberError::NotOrganisation)
        );
        assert_eq!(
            OrgNumber::parse("5560360794"),
            Err(IdentityNumberError::Checksum)
        );
    }
}
