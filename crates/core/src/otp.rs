//! One-time codes for PIN + one-time code (seed 000): the four-digit codes sent by SMS
//! or printed on a code list, the hashes stored in their place, and the one field
//! "PIN-kod + engångskod" split into its two secrets.

use crate::ids::AccountId;
use crate::random::token_hash;
use crate::secret::Secret;
use rand::Rng;
use rand::rngs::OsRng;
use unicode_normalization::UnicodeNormalization;

/// Digits in a one-time code: the guide's "den fyrsiffriga koden".
pub const CODE_DIGITS: usize = 4;

/// The shortest and longest PIN accepted (digits).
pub const PIN_DIGITS: std::ops::RangeInclusive<usize> = 4..=8;

/// A fresh code of `CODE_DIGITS` digits from the operating system's CSPRNG, leading
/// zeros kept ("0042").
pub fn new_code() -> Secret {
    Secret::new(format!("{:04}", OsRng.gen_range(0..10_000u32)))
}

/// A fresh code of `digits` digits (1–9) from the operating system's CSPRNG, leading
/// zeros kept: the six-digit password-reset code of seed 001.
pub fn new_code_of(digits: u32) -> Secret {
    let digits = digits.clamp(1, 9);
    let n = OsRng.gen_range(0..10u32.pow(digits));
    Secret::new(format!("{n:0width$}", width = digits as usize))
}

/// `count` distinct fresh codes for a code list (at most 10 000: there are no more).
pub fn new_code_list(count: usize) -> Vec<Secret> {
    let mut seen = std::collections::BTreeSet::new();
    let mut codes = Vec::with_capacity(count);
    while codes.len() < count.min(10_000) {
        let code = new_code();
        if seen.insert(code.expose().to_owned()) {
            codes.push(code);
        }
    }
    codes
}

/// What is stored for a code of `account`'s list (S41): SHA-256 over the account and
/// the code, so equal codes of two accounts never share a hash. Four digits can be
/// found from the hash by trying all 10 000; the hash keeps them from being read off a
/// backup at a glance, and the PIN (argon2id) is needed beside them anyway.
pub fn list_code_hash(account: &AccountId, code: &str) -> String {
    token_hash(&format!("list-code\0{account}\0{code}"))
}

/// What is stored for an SMS code sent during login transaction `transaction_id`: the
/// code is bound to that transaction, so it is refused in any other.
pub fn sms_code_hash(transaction_id: &str, code: &str) -> String {
    token_hash(&format!("sms-code\0{transaction_id}\0{code}"))
}

/// The one field "PIN-kod + engångskod" split into (PIN, code): the last
/// `CODE_DIGITS` digits are the code, the digits before them the PIN. Spaces and dashes
/// are dropped and full-width digits read as digits (NFKC). `None` when what remains
/// is not 8–12 ASCII digits, or the PIN part is not a valid PIN.
pub fn split_pin_code(typed: &str) -> Option<(Secret, Secret)> {
    let digits: String = typed
        .nfkc()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    if !digits.bytes().all(|b| b.is_ascii_digit()) || digits.len() < CODE_DIGITS {
        return None;
    }
    let (pin, code) = digits.split_at(digits.len() - CODE_DIGITS);
    valid_pin(pin).then(|| (Secret::new(pin), Secret::new(code)))
}

/// Whether `pin` is a PIN this method accepts: 4–8 ASCII digits.
pub fn valid_pin(pin: &str) -> bool {
    PIN_DIGITS.contains(&pin.len()) && pin.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_four_digits_and_lists_distinct() {
        for _ in 0..200 {
            let c = new_code();
            assert_eq!(c.expose().len(), 4);
            assert!(c.expose().bytes().all(|b| b.is_ascii_digit()));
        }
        let list = new_code_list(20);
        let distinct: std::collections::BTreeSet<_> =
            list.iter().map(|c| c.expose().to_owned()).collect();
        assert_eq!(distinct.len(), 20);
    }

    #[test]
    fn six_digit_codes() {
        for _ in 0..100 {
            let c = new_code_of(6);
            assert_eq!(c.expose().len(), 6);
            assert!(c.expose().bytes().all(|b| b.is_ascii_digit()));
        }
    }

    #[test]
    fn the_field_splits_into_pin_and_code() {
        let (pin, code) = split_pin_code("12344821").expect("8 digits");
        assert_eq!((pin.expose(), code.expose()), ("1234", "4821"));
        let (pin, code) = split_pin_code(" 1234 4821 ").expect("spaces tolerated");
        assert_eq!((pin.expose(), code.expose()), ("1234", "4821"));
        let (pin, _) = split_pin_code("１２３４４８２１").expect("full-width digits");
        assert_eq!(pin.expose(), "1234");
        let (pin, code) = split_pin_code("123456784821").expect("an 8-digit PIN");
        assert_eq!((pin.expose(), code.expose()), ("12345678", "4821"));
        assert!(split_pin_code("1234482").is_none(), "a 3-digit PIN");
        assert!(split_pin_code("1234567894821").is_none(), "a 9-digit PIN");
        assert!(split_pin_code("abcd4821").is_none());
        assert!(split_pin_code("").is_none());
    }

    #[test]
    fn hashes_bind_codes_to_their_account_and_transaction() {
        let a = AccountId("a".into());
        let b = AccountId("b".into());
        assert_ne!(list_code_hash(&a, "1234"), list_code_hash(&b, "1234"));
        assert_ne!(sms_code_hash("tx1", "1234"), sms_code_hash("tx2", "1234"));
        assert_eq!(sms_code_hash("tx1", "1234"), sms_code_hash("tx1", "1234"));
    }
}
