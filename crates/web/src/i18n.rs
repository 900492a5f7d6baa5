//! The pages' view of the translation catalogue, which lives in
//! [`portvakt_core::i18n`] so that messages sent by SMS and e-mail share it.

pub use portvakt_core::i18n::{keys, other, t};

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// Every `.rs` file under `dir`.
    fn sources(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                sources(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }

    #[test]
    fn every_key_used_in_the_source_exists() {
        // Walk every crate's sources for string literals that look like catalogue keys,
        // so a new method or page cannot forget a translation.
        let crates = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut files = Vec::new();
        sources(&crates, &mut files);
        assert!(
            files.len() > 50,
            "the walk found the sources: {}",
            files.len()
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
            "\"message.",
            "\"step.",
            "\"page.",
            "\"flow.",
            "\"link.",
            "\"reset.",
            "\"policy.",
            "\"register.",
            "\"create_password.",
            "\"customer.",
            "\"start.",
        ];
        let mut missing = Vec::new();
        // The configuration loader names settings (`login.argon2_memory_kib`), not texts.
        for file in files
            .iter()
            .filter(|f| !f.to_string_lossy().contains("core/src/config/"))
        {
            let src = std::fs::read_to_string(file).expect("source");
            for prefix in prefixes {
                for (i, _) in src.match_indices(prefix) {
                    let rest = &src[i + 1..];
                    let Some(end) = rest.find('"') else { continue };
                    let key = &rest[..end];
                    if key.ends_with('.')
                        || key.ends_with(".rs")
                        || key.contains(' ')
                        || key.contains('{')
                        || key.contains('\\')
                    {
                        continue;
                    }
                    if !known.contains(key) {
                        missing.push(format!("{}: {key}", file.display()));
                    }
                }
            }
        }
        assert!(
            missing.is_empty(),
            "used but not in the catalogue: {missing:#?}"
        );
    }
}
