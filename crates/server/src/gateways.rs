//! The outbound-message gateways `[notify]` names, built once at start (and by
//! `check-config`, so a setting a gateway cannot use fails there, naming the key).

use anyhow::Context;
use portvakt_core::config::{Config, EmailTransport, SmsProvider};
use portvakt_core::notify::outbox::DevOutbox;
use portvakt_core::notify::{EmailSender, SmsSender};
use portvakt_core::ports::EphemeralStore;
use portvakt_notify::{
    BodyFormat, ElksSender, ElksSettings, SmtpSender, SmtpSettings, WebhookSender, WebhookSettings,
};
use std::sync::Arc;
use std::time::Duration;

/// The configured gateways.
#[derive(Clone, Default)]
pub struct Gateways {
    /// `[notify.sms]`, if any.
    pub sms: Option<Arc<dyn SmsSender>>,
    /// `[notify.email]`, if any.
    pub email: Option<Arc<dyn EmailSender>>,
    /// The development outbox, when either channel uses it.
    pub outbox: Option<DevOutbox>,
}

/// Builds the gateways. `ephemeral` is where the development outbox keeps messages.
pub fn gateways(config: &Config, ephemeral: Arc<dyn EphemeralStore>) -> anyhow::Result<Gateways> {
    let notify = &config.settings.notify;
    let outbox = DevOutbox::new(ephemeral, Duration::from_secs(notify.outbox_ttl_secs));
    let mut uses_outbox = false;
    let email: Option<Arc<dyn EmailSender>> = match &notify.email {
        None => None,
        Some(e) => match e.transport {
            EmailTransport::Outbox => {
                uses_outbox = true;
                Some(Arc::new(outbox.clone()))
            }
            EmailTransport::Smtp => {
                let ca_pem = match &e.ca_file {
                    Some(path) => Some(std::fs::read(path).with_context(|| {
                        format!("notify.email.ca_file: cannot read {}", path.display())
                    })?),
                    None => None,
                };
                let sender = SmtpSender::new(&SmtpSettings {
                    url: e.smtp_url.clone().unwrap_or_default(),
                    password: e.smtp_password.clone(),
                    ca_pem,
                    from: e.from.clone().unwrap_or_default(),
                    connect_timeout: Duration::from_secs(e.connect_timeout_secs),
                    send_timeout: Duration::from_secs(e.send_timeout_secs),
                })
                .map_err(|e| anyhow::anyhow!("notify.email: {e}"))?;
                Some(Arc::new(sender))
            }
        },
    };
    let sms: Option<Arc<dyn SmsSender>> = match &notify.sms {
        None => None,
        Some(s) => {
            let timeout = Duration::from_secs(s.timeout_secs);
            match s.provider {
                SmsProvider::Outbox => {
                    uses_outbox = true;
                    Some(Arc::new(outbox.clone()))
                }
                SmsProvider::FortySixElks => Some(Arc::new(
                    ElksSender::new(ElksSettings {
                        api_url: s.api_url.clone(),
                        username: s.username.clone().unwrap_or_default(),
                        password: s
                            .password
                            .clone()
                            .context("notify.sms.password: required by 46elks")?,
                        from: s.from.clone().unwrap_or_default(),
                        timeout,
                    })
                    .map_err(|e| anyhow::anyhow!("notify.sms: {e}"))?,
                )),
                SmsProvider::Http => Some(Arc::new(
                    WebhookSender::new(WebhookSettings {
                        url: s.url.clone().unwrap_or_default(),
                        method: s.method.clone(),
                        headers: s
                            .headers
                            .iter()
                            .map(|(k, v)| (k.clone(), v.clone()))
                            .collect(),
                        secret_headers: s.secret_headers.clone(),
                        format: if s.content_type == "application/x-www-form-urlencoded" {
                            BodyFormat::Form
                        } else {
                            BodyFormat::Json
                        },
                        body: s.body.clone().unwrap_or_default(),
                        from: s.from.clone(),
                        success_status: s.success_status.clone(),
                        timeout,
                    })
                    .map_err(|e| anyhow::anyhow!("{e}"))?,
                )),
            }
        }
    };
    Ok(Gateways {
        sms,
        email,
        outbox: uses_outbox.then_some(outbox),
    })
}
