//! Scopes (RFC 6749 §3.3): a space-separated, order-insensitive set.

use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// A set of scope tokens. Order never matters (RFC 6749 §3.3), so it is kept sorted.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Scope(BTreeSet<String>);

/// The Swedish OIDC profile's scope prefix.
pub const OIDC_SE_SCOPE: &str = "https://id.oidc.se/scope/";

impl Scope {
    /// Parses a `scope` parameter. Empty tokens from repeated spaces are skipped;
    /// characters outside RFC 6749's scope-token grammar are refused.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let mut set = BTreeSet::new();
        for token in raw.split(' ').filter(|t| !t.is_empty()) {
            let legal = token.chars().all(|c| {
                c == '\x21' || ('\x23'..='\x5b').contains(&c) || ('\x5d'..='\x7e').contains(&c)
            });
            if !legal {
                return Err(format!("illegal character in scope token {token:?}"));
            }
            set.insert(token.to_owned());
        }
        Ok(Scope(set))
    }

    /// True when the set contains `token`.
    pub fn contains(&self, token: &str) -> bool {
        self.0.contains(token)
    }

    /// The tokens, sorted.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(String::as_str)
    }

    /// Only the tokens also in `allowed`.
    pub fn restricted_to(&self, allowed: &[String]) -> Scope {
        Scope(
            self.0
                .iter()
                .filter(|t| allowed.iter().any(|a| a == *t))
                .cloned()
                .collect(),
        )
    }

    /// True when every token here is also in `other`.
    pub fn is_subset_of(&self, other: &Scope) -> bool {
        self.0.is_subset(&other.0)
    }
}

impl std::fmt::Display for Scope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let joined: Vec<&str> = self.iter().collect();
        f.write_str(&joined.join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_and_repeats_do_not_matter() {
        let a = Scope::parse("openid profile email").expect("ok");
        let b = Scope::parse("email  profile openid openid").expect("ok");
        assert_eq!(a, b);
        assert_eq!(a.to_string(), "email openid profile");
    }

    #[test]
    fn illegal_characters_refused() {
        assert!(Scope::parse("openid \"quoted\"").is_err());
        assert!(Scope::parse("openid back\\slash").is_err());
    }
}
