//! Unicode normalisation of what people type (S33): the same identifier or password
//! typed on another keyboard, phone or operating system is the same string here.
//!
//! - Passwords and PINs: NFKC (NIST SP 800-63B §5.1.1.2), nothing else: spaces and case
//!   are part of a password.
//! - Usernames: NFKC, trimmed, then lower-cased (phones capitalise the first letter).
//! - Customer numbers: NFKC (full-width `１００` becomes `100`), then without the spaces
//!   and dashes people type between groups of digits.
//!
//! Values are normalised both when stored (CLI, CSV import) and when checked, so stored
//! and typed forms meet. Hashes stored before normalisation keep working: the login
//! tries the typed form when the normalised one fails, and re-hashes on success.

use crate::secret::Secret;
use unicode_normalization::UnicodeNormalization;

/// NFKC of a password or PIN.
pub fn password(typed: &str) -> Secret {
    Secret::new(typed.nfkc().collect::<String>())
}

/// True when NFKC changes `typed`: only then can an older hash be of another form.
pub fn password_differs(typed: &str) -> bool {
    typed.nfkc().ne(typed.chars())
}

/// A username as stored and looked up.
pub fn username(typed: &str) -> String {
    typed.nfkc().collect::<String>().trim().to_lowercase()
}

/// A username as releases before normalisation stored it (trimmed, lower-cased, no
/// NFKC), for a second lookup when the normalised form finds nothing.
pub fn legacy_username(typed: &str) -> String {
    typed.trim().to_lowercase()
}

/// A customer number as stored and looked up.
pub fn customer_number(typed: &str) -> String {
    typed
        .nfkc()
        .filter(|c| !c.is_whitespace() && !is_dash(*c))
        .collect()
}

/// A personnummer or samordningsnummer as typed, made ready for
/// [`crate::identity::Personnummer::parse`]: full-width digits read as digits (NFKC),
/// every dash a phone or word processor types read as `-`, spaces dropped.
pub fn identity_number(typed: &str) -> String {
    typed
        .nfkc()
        .filter(|c| !c.is_whitespace())
        .map(|c| if is_dash(c) { '-' } else { c })
        .collect()
}

/// ASCII hyphen-minus and the Unicode hyphens, dashes and minus that phones and word
/// processors put in its place.
fn is_dash(c: char) -> bool {
    matches!(
        c,
        '-' | '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{FE63}' | '\u{FF0D}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nfd_and_nfc_meet() {
        let nfc = "\u{f6}sten"; // östen, precomposed
        let nfd = "o\u{308}sten"; // o + combining diaeresis
        assert_ne!(nfc, nfd);
        assert_eq!(username(nfd), username(nfc));
        assert_eq!(username(" \u{d6}STEN "), "\u{f6}sten");
        assert_eq!(password(nfd).expose(), password(nfc).expose());
        assert!(password_differs(nfd));
        assert!(!password_differs(nfc));
        assert!(!password_differs("Hemligt 123"));
    }

    #[test]
    fn full_width_digits_and_dashes() {
        assert_eq!(customer_number("１００２００３００"), "100200300");
        assert_eq!(customer_number("100 200-300"), "100200300");
        assert_eq!(customer_number("100\u{2011}200\u{2013}300"), "100200300");
        assert_eq!(username("ａｎｎａ"), "anna");
    }

    #[test]
    fn identity_numbers_as_phones_type_them() {
        assert_eq!(identity_number(" 090909\u{2013}0909 "), "090909-0909");
        assert_eq!(identity_number("９００１０１－００１７"), "900101-0017");
        assert_eq!(identity_number("900101 0017"), "9001010017");
    }

    #[test]
    fn passwords_keep_case_and_spaces() {
        assert_eq!(password(" Ab c ").expose(), " Ab c ");
        assert_eq!(password("ﬁ").expose(), "fi", "compatibility ligature");
    }
}
