//! The checks of `[notify]`: gateways that cannot work, and the outbox outside the
//! development profile.

use super::load::Problems;
use super::settings::{EmailTransport, Profile, Settings, SmsProvider};
use std::path::Path;

pub(super) fn validate_notify(s: &Settings, file: &Path, p: &mut Problems) {
    let production = s.profile == Profile::Production;
    let outbox_refused = "the outbox keeps codes and links readable at /dev/outbox: it is for the development profile only";
    if let Some(email) = &s.notify.email {
        match email.transport {
            EmailTransport::Outbox if production => {
                p.add(file, "notify.email.transport", outbox_refused)
            }
            EmailTransport::Outbox => {}
            EmailTransport::Smtp => {
                if email.smtp_url.is_none() {
                    p.add(
                        file,
                        "notify.email.smtp_url",
                        "required with transport = \"smtp\" (or PORTVAKT_NOTIFY__EMAIL__SMTP_URL)",
                    );
                }
                if email.from.is_none() {
                    p.add(
                        file,
                        "notify.email.from",
                        "required with transport = \"smtp\"",
                    );
                }
            }
        }
        if email.connect_timeout_secs == 0 || email.send_timeout_secs == 0 {
            p.add(file, "notify.email", "timeouts must be positive");
        }
    }
    if let Some(sms) = &s.notify.sms {
        if let Some(from) = &sms.from
            && !crate::notify::valid_sms_sender(from)
        {
            p.add(
                file,
                "notify.sms.from",
                "up to 11 letters and digits starting with a letter, or an E.164 number (+46…)",
            );
        }
        if sms.timeout_secs == 0 {
            p.add(file, "notify.sms.timeout_secs", "must be positive");
        }
        match sms.provider {
            SmsProvider::Outbox if production => p.add(file, "notify.sms.provider", outbox_refused),
            SmsProvider::Outbox => {}
            SmsProvider::FortySixElks => {
                if sms.username.is_none() {
                    p.add(file, "notify.sms.username", "required by 46elks");
                }
                if sms.password.is_none() {
                    p.add(
                        file,
                        "notify.sms.password",
                        "required by 46elks (password, password_env or password_file)",
                    );
                }
                if sms.from.is_none() {
                    p.add(file, "notify.sms.from", "required by 46elks");
                }
                match url::Url::parse(&sms.api_url) {
                    Ok(u) if u.scheme() == "https" || u.scheme() == "http" && !production => {}
                    _ => p.add(
                        file,
                        "notify.sms.api_url",
                        "must be an https URL (http only in the development profile)",
                    ),
                }
            }
            SmsProvider::Http => {
                match sms.url.as_deref().map(url::Url::parse) {
                    Some(Ok(u)) if u.scheme() == "https" || u.scheme() == "http" && !production => {
                    }
                    _ => p.add(
                        file,
                        "notify.sms.url",
                        "required: an https URL (http only in the development profile)",
                    ),
                }
                if !matches!(sms.method.as_str(), "POST" | "PUT") {
                    p.add(file, "notify.sms.method", "POST or PUT");
                }
                match &sms.body {
                    Some(body) if body.contains("{to}") && body.contains("{message}") => {}
                    _ => p.add(
                        file,
                        "notify.sms.body",
                        "required, with {to} and {message} in it",
                    ),
                }
                if !matches!(
                    sms.content_type.as_str(),
                    "application/json" | "application/x-www-form-urlencoded"
                ) {
                    p.add(
                        file,
                        "notify.sms.content_type",
                        "application/json or application/x-www-form-urlencoded",
                    );
                }
                if sms.success_status.is_empty() {
                    p.add(
                        file,
                        "notify.sms.success_status",
                        "name at least one status",
                    );
                }
            }
        }
    }
    let l = &s.notify.limits;
    if [
        l.per_account,
        l.per_destination,
        l.per_address,
        l.window_secs,
    ]
    .contains(&0)
    {
        p.add(
            file,
            "notify.limits",
            "limits and their window must be positive",
        );
    }
    if s.notify.outbox_ttl_secs == 0 {
        p.add(file, "notify.outbox_ttl_secs", "must be positive");
    }
}
