//! The rules a new password must follow, as configured per method (`[methods.<id>.policy]`,
//! docs/password-reset.md). One module for every place a password is chosen: the
//! municipality's reset (seed 001) and Mina sidor's "Skapa lösenord" (seed 002).
//!
//! Rules are checked on the password as it will be stored: Unicode NFKC
//! ([`crate::normalize::password`]), so "Ａ" counts as an upper-case A and a password
//! typed on two keyboards is the same password. Length counts characters, not bytes.

use crate::normalize;
use serde::Deserialize;
use std::collections::HashSet;

/// `[methods.<id>.policy]`. The defaults are NIST SP 800-63B-4 §3.1.1.2: length only
/// (at least 15 characters for a single factor; we default to 8, the municipality's
/// and NIST's floor for passwords used with other controls), a blocklist, no
/// composition rules.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PolicySettings {
    /// At least this many characters.
    pub min_length: usize,
    /// At most this many characters (long passphrases are welcome; the bound keeps
    /// hashing cheap).
    pub max_length: usize,
    /// At least one upper-case letter ("en stor bokstav").
    pub require_upper: bool,
    /// At least one lower-case letter.
    pub require_lower: bool,
    /// At least one digit ("en siffra").
    pub require_digit: bool,
    /// Characters that may not occur ("får inte innehålla å, ä eller ö"), upper and
    /// lower case alike.
    pub forbidden_characters: String,
    /// How many earlier passwords may not be used again ("ett lösenord som du haft
    /// tidigare"); the current one always counts. 0: only the current one.
    pub history: u64,
    /// A file of common passwords, one per line, compared case-insensitively.
    pub blocklist_file: Option<std::path::PathBuf>,
}

impl Default for PolicySettings {
    fn default() -> Self {
        PolicySettings {
            min_length: 8,
            max_length: 128,
            require_upper: false,
            require_lower: false,
            require_digit: false,
            forbidden_characters: String::new(),
            history: 0,
            blocklist_file: None,
        }
    }
}

/// One rule, as shown before typing and named when broken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rule {
    /// At least n characters.
    MinLength(usize),
    /// At most n characters.
    MaxLength(usize),
    /// An upper-case letter.
    Upper,
    /// A lower-case letter.
    Lower,
    /// A digit.
    Digit,
    /// None of these characters (as configured).
    Forbidden(String),
    /// Not a password used before (checked by the caller against stored hashes).
    NotUsedBefore,
    /// Not a common password (the blocklist).
    NotCommon,
    /// Only characters one can see and type: no control or invisible formatting
    /// characters (a zero-width space makes a password no one can type again).
    Printable,
    /// More than one character repeated ("aaaaaaaa", eight spaces): NIST's
    /// "repetitive characters" (SP 800-63B-4 §3.1.1.2).
    NotRepetitive,
}

impl Rule {
    /// The catalogue key of the rule's text; its `{n}` / `{chars}` come from
    /// [`Rule::value`].
    pub fn key(&self) -> &'static str {
        match self {
            Rule::MinLength(_) => "policy.min_length",
            Rule::MaxLength(_) => "policy.max_length",
            Rule::Upper => "policy.upper",
            Rule::Lower => "policy.lower",
            Rule::Digit => "policy.digit",
            Rule::Forbidden(_) => "policy.forbidden",
            Rule::NotUsedBefore => "policy.not_used_before",
            Rule::NotCommon => "policy.not_common",
            Rule::Printable => "policy.printable",
            Rule::NotRepetitive => "policy.not_repetitive",
        }
    }

    /// The value its text names, if any: `("n", "8")`, `("chars", "å, ä, ö")`.
    pub fn value(&self) -> Option<(&'static str, String)> {
        match self {
            Rule::MinLength(n) | Rule::MaxLength(n) => Some(("n", n.to_string())),
            Rule::Forbidden(chars) => Some(("chars", listed(chars, "or"))),
            _ => None,
        }
    }
}

/// A policy ready to check passwords: the settings and the loaded blocklist.
#[derive(Debug, Clone)]
pub struct PasswordPolicy {
    settings: PolicySettings,
    blocklist: HashSet<String>,
}

impl PasswordPolicy {
    /// A policy from `settings`, reading the blocklist file if one is named.
    ///
    /// Errors: the blocklist cannot be read (a message naming the file).
    pub fn new(settings: PolicySettings) -> Result<Self, String> {
        let blocklist = match &settings.blocklist_file {
            None => HashSet::new(),
            Some(path) => std::fs::read_to_string(path)
                .map_err(|e| format!("reading the blocklist {}: {e}", path.display()))?
                .lines()
                .map(|l| normalize::password(l.trim()).expose().to_lowercase())
                .filter(|l| !l.is_empty())
                .collect(),
        };
        Ok(PasswordPolicy {
            settings,
            blocklist,
        })
    }

    /// How many earlier passwords to compare with.
    pub fn history(&self) -> u64 {
        self.settings.history
    }

    /// Every rule, in the order shown before typing.
    pub fn rules(&self) -> Vec<Rule> {
        let s = &self.settings;
        let mut rules = vec![Rule::MinLength(s.min_length)];
        if s.require_upper {
            rules.push(Rule::Upper);
        }
        if s.require_lower {
            rules.push(Rule::Lower);
        }
        if s.require_digit {
            rules.push(Rule::Digit);
        }
        if !s.forbidden_characters.is_empty() {
            rules.push(Rule::Forbidden(s.forbidden_characters.clone()));
        }
        rules.push(Rule::NotUsedBefore);
        rules.push(Rule::Printable);
        rules.push(Rule::NotRepetitive);
        if !self.blocklist.is_empty() {
            rules.push(Rule::NotCommon);
        }
        rules.push(Rule::MaxLength(s.max_length));
        rules
    }

    /// The rules `typed` breaks, in the order of [`PasswordPolicy::rules`], except
    /// [`Rule::NotUsedBefore`], which needs the stored hashes.
    pub fn broken(&self, typed: &str) -> Vec<Rule> {
        let password = normalize::password(typed);
        let p = password.expose();
        let s = &self.settings;
        let forbidden: Vec<char> = s
            .forbidden_characters
            .chars()
            .flat_map(|c| c.to_lowercase().chain(c.to_uppercase()))
            .collect();
        // Length counts what one sees: a combining accent belongs to its letter, and an
        // invisible character is nothing.
        let length = p
            .chars()
            .filter(|c| !unicode_normalization::char::is_combining_mark(*c) && !invisible(*c))
            .count();
        self.rules()
            .into_iter()
            .filter(|rule| match rule {
                Rule::MinLength(n) => length < *n,
                Rule::MaxLength(n) => length > *n,
                Rule::Printable => p.chars().any(invisible),
                Rule::NotRepetitive => {
                    let mut seen = p.chars().filter(|c| !invisible(*c));
                    match seen.next() {
                        Some(first) => seen.all(|c| c == first),
                        None => false,
                    }
                }
                Rule::Upper => !p.chars().any(char::is_uppercase),
                Rule::Lower => !p.chars().any(char::is_lowercase),
                Rule::Digit => !p.chars().any(|c| c.is_ascii_digit()),
                Rule::Forbidden(_) => p.chars().any(|c| forbidden.contains(&c)),
                Rule::NotCommon => self.blocklist.contains(&p.to_lowercase()),
                Rule::NotUsedBefore => false,
            })
            .collect()
    }
}

/// `chars` as a list for a sentence: "å, ä or ö" (`or` is the language's word).
pub fn listed(chars: &str, or: &str) -> String {
    let list: Vec<String> = chars.chars().map(String::from).collect();
    match list.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} {or} {last}", rest.join(", ")),
        _ => list.join(""),
    }
}

/// Control characters and the invisible formatting ones (zero-width spaces and joiners,
/// direction marks, the soft hyphen, the byte-order mark).
fn invisible(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{00AD}'
                | '\u{200B}'..='\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{2064}'
                | '\u{FEFF}'
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn municipality() -> PasswordPolicy {
        PasswordPolicy::new(PolicySettings {
            require_upper: true,
            require_digit: true,
            forbidden_characters: "åäö".into(),
            history: 5,
            ..PolicySettings::default()
        })
        .expect("policy")
    }

    #[test]
    fn the_guide_s_rules() {
        let p = municipality();
        assert!(p.broken("Sommar2026").is_empty());
        assert_eq!(p.broken("Som2026"), vec![Rule::MinLength(8)]);
        assert_eq!(p.broken("sommar2026"), vec![Rule::Upper]);
        assert_eq!(p.broken("Sommarsol"), vec![Rule::Digit]);
        assert_eq!(p.broken("Sömmar2026"), vec![Rule::Forbidden("åäö".into())]);
        assert_eq!(
            p.broken("SÖMMAR2026"),
            vec![Rule::Forbidden("åäö".into())],
            "upper case too"
        );
        assert_eq!(
            p.broken("kort"),
            vec![Rule::MinLength(8), Rule::Upper, Rule::Digit]
        );
        // Full-width letters and digits count as what they are (NFKC).
        assert!(p.broken("ＳＯＭＭＡＲ２０２６").is_empty());
        // Invisible characters are refused, and combining accents do not add length.
        assert_eq!(
            p.broken("Ab1\u{200B}\u{200B}\u{200B}\u{200B}\u{200B}"),
            vec![Rule::MinLength(8), Rule::Printable]
        );
        assert_eq!(p.broken("Sommar2026\u{0}"), vec![Rule::Printable]);
        assert_eq!(p.broken("Abcdef1\u{0301}"), vec![Rule::MinLength(8)]);
        let nist = PasswordPolicy::new(PolicySettings::default()).expect("policy");
        assert_eq!(nist.broken("aaaaaaaa"), vec![Rule::NotRepetitive]);
        assert_eq!(nist.broken("        "), vec![Rule::NotRepetitive]);
        assert!(nist.broken("aaaaaaab").is_empty());
        assert_eq!(listed("åäö", "eller"), "å, ä eller ö");
        assert_eq!(listed("å", "eller"), "å");
        assert!(p.rules().contains(&Rule::NotUsedBefore));
    }

    #[test]
    fn a_blocklist_and_the_nist_default() {
        let dir = std::env::temp_dir().join(format!("blocklist-{}", std::process::id()));
        std::fs::write(&dir, "Password123\nqwertyuiop\n").expect("write");
        let p = PasswordPolicy::new(PolicySettings {
            blocklist_file: Some(dir.clone()),
            ..PolicySettings::default()
        })
        .expect("policy");
        assert_eq!(p.broken("password123"), vec![Rule::NotCommon]);
        assert!(
            p.broken("en lång lösenfras").is_empty(),
            "no composition rules"
        );
        std::fs::remove_file(dir).ok();
        assert!(
            PasswordPolicy::new(PolicySettings {
                blocklist_file: Some("/nonexistent/list".into()),
                ..PolicySettings::default()
            })
            .is_err()
        );
    }
}
