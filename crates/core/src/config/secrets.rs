//! Secrets given by file (`*_file`) or environment variable (`*_env`), read once at
//! load and kept as [`Secret`]s.

use super::load::{Problems, read_secret_file};
use super::settings::Settings;
use crate::secret::Secret;
use std::path::Path;

pub(super) fn resolve_secret_files(
    settings: &mut Settings,
    dir: &Path,
    file: &Path,
    p: &mut Problems,
) {
    if settings.database.url.is_some() && settings.database.url_file.is_some() {
        p.add(file, "database.url", "give url or url_file, not both");
    }
    if let Some(url_file) = settings.database.url_file.clone() {
        match read_secret_file(&dir.join(url_file)) {
            Ok(url) => settings.database.url = Some(url),
            Err(e) => p.add(file, "database.url_file", format!("cannot read: {e}")),
        }
    }
    if let Some(redis) = settings.redis.as_mut() {
        if redis.url.is_some() && redis.url_file.is_some() {
            p.add(file, "redis.url", "give url or url_file, not both");
        }
        if let Some(url_file) = redis.url_file.clone() {
            match read_secret_file(&dir.join(url_file)) {
                Ok(url) => redis.url = Some(url),
                Err(e) => p.add(file, "redis.url_file", format!("cannot read: {e}")),
            }
        }
        if redis.url.is_none() {
            p.add(file, "redis.url", "[redis] needs url or url_file");
        }
    }
}

/// One secret given inline, by environment variable or by file: exactly one of them, or
/// none. `key` names the inline key (`notify.sms.password`).
fn one_secret(
    inline: &mut Option<Secret>,
    env: Option<&str>,
    path: Option<&Path>,
    key: &str,
    dir: &Path,
    file: &Path,
    p: &mut Problems,
) {
    let given =
        usize::from(inline.is_some()) + usize::from(env.is_some()) + usize::from(path.is_some());
    if given > 1 {
        p.add(
            file,
            key,
            format!("give one of {key}, {key}_env, {key}_file"),
        );
        return;
    }
    if let Some(var) = env {
        match std::env::var(var) {
            Ok(value) if !value.is_empty() => *inline = Some(Secret::new(value)),
            _ => p.add(
                file,
                &format!("{key}_env"),
                format!("the environment variable {var} is not set"),
            ),
        }
    }
    if let Some(path) = path {
        match read_secret_file(&dir.join(path)) {
            Ok(value) => *inline = Some(Secret::new(value)),
            Err(e) => p.add(file, &format!("{key}_file"), format!("cannot read: {e}")),
        }
    }
}

pub(super) fn resolve_notify_secrets(
    settings: &mut Settings,
    dir: &Path,
    file: &Path,
    p: &mut Problems,
) {
    if let Some(email) = settings.notify.email.as_mut() {
        let env = email.smtp_password_env.clone();
        let path = email.smtp_password_file.clone();
        one_secret(
            &mut email.smtp_password,
            env.as_deref(),
            path.as_deref(),
            "notify.email.smtp_password",
            dir,
            file,
            p,
        );
        if let Some(ca) = email.ca_file.as_mut() {
            *ca = dir.join(&*ca);
        }
    }
    if let Some(sms) = settings.notify.sms.as_mut() {
        let env = sms.password_env.clone();
        let path = sms.password_file.clone();
        one_secret(
            &mut sms.password,
            env.as_deref(),
            path.as_deref(),
            "notify.sms.password",
            dir,
            file,
            p,
        );
        for (header, var) in &sms.headers_env {
            match std::env::var(var) {
                Ok(value) if !value.is_empty() => {
                    sms.secret_headers
                        .push((header.clone(), Secret::new(value)));
                }
                _ => p.add(
                    file,
                    &format!("notify.sms.headers_env.{header}"),
                    format!("the environment variable {var} is not set"),
                ),
            }
        }
    }
}
