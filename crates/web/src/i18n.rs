//! The pages' view of the translation catalogue, which lives in
//! [`portvakt_core::i18n`] so that messages sent by SMS and e-mail share it.

pub use portvakt_core::i18n::{keys, other, t};

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn every_key_used_in_the_source_exists() {
        // Scan this crate's sources for t(…, "key") and other catalogue keys.
        let src = concat!(
            include_str!("views/login.rs"),
            include_str!("views/error_page.rs"),
            include_str!("views/demo.rs"),
            include_str!("views/logout.rs"),
            include_str!("views/outbox.rs"),
            include_str!("routes/logout.rs"),
            include_str!("login/password.rs"),
            include_str!("login/mod.rs"),
            include_str!("routes/login.rs"),
            include_str!("routes/authorize.rs"),
            include_str!("error.rs"),
        );
        let known: BTreeSet<&str> = keys().collect();
        let prefixes = [
            "\"login.",
            "\"method.",
            "\"field.",
            "\"button.",
            "\"error.",
            "\"demo.",
            "\"lang.",
            "\"logout.",
            "\"outbox.",
        ];
        for prefix in prefixes {
            for (i, _) in src.match_indices(prefix) {
                let rest = &src[i + 1..];
                let Some(end) = rest.find('"') else { continue };
                let key = &rest[..end];
                if key.ends_with('.') || key.contains(' ') || key.contains('{') {
                    continue;
                }
                assert!(
                    known.contains(key),
                    "{key} is used but not in the catalogue"
                );
            }
        }
    }
}
