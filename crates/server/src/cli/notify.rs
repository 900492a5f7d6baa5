//! `portvakt notify test` and the message checks of `check-config` (docs/messages.md).

use anyhow::{Context, bail};
use clap::Subcommand;
use portvakt_core::config::Config;
use std::sync::Arc;

#[derive(Subcommand)]
pub(crate) enum NotifyCommand {
    /// Send a test message through the configured gateway and print what it answered.
    #[command(group(clap::ArgGroup::new("to").required(true).args(["email", "sms"])))]
    Test {
        /// An e-mail address, through `[notify.email]`.
        #[arg(long)]
        email: Option<String>,
        /// A mobile number (any Swedish form, or +country…), through `[notify.sms]`.
        #[arg(long)]
        sms: Option<String>,
        /// The message's language, `sv` or `en`.
        #[arg(long, default_value = "sv")]
        lang: String,
        /// Write it in this client's name, with its senders (`[branding]`).
        #[arg(long)]
        client: Option<String>,
    },
}

/// `portvakt notify test`: an operator's first check after configuring SMTP or an SMS
/// gateway. Sends straight through the gateway (no send limits) and prints what it
/// answered; with the development outbox, also the message itself, since the outbox of
/// a server in another process is not this one's.
pub(crate) async fn notify(config: &Config, command: NotifyCommand) -> anyhow::Result<()> {
    use portvakt_core::i18n::Lang;
    use portvakt_core::notify::{Brand, EmailMessage, SmsMessage, mask_email, render};
    use portvakt_core::phone::MobileNumber;
    let NotifyCommand::Test {
        email,
        sms,
        lang,
        client,
    } = command;
    let lang = match lang.as_str() {
        "sv" => Lang::Sv,
        "en" => Lang::En,
        other => bail!("--lang {other}: messages are written in sv or en"),
    };
    let brand = match &client {
        None => Brand::portvakt(),
        Some(id) => config
            .clients
            .iter()
            .find(|c| c.client_id.as_str() == id)
            .with_context(|| format!("no client {id} in the configuration"))?
            .brand(),
    };
    // With Redis, a message for the outbox lands in the running server's /dev/outbox.
    let store: Arc<dyn portvakt_core::ports::EphemeralStore> = match &config.settings.redis {
        Some(r) => Arc::new(
            portvakt_store::RedisStore::connect(
                r.url.as_deref().unwrap_or_default(),
                &r.key_prefix,
            )
            .await
            .context("connecting to Redis")?,
        ),
        None => Arc::new(portvakt_store::MemoryStore::new()),
    };
    let gateways = portvakt::gateways::gateways(config, store)?;
    let outbox = gateways.outbox.is_some();
    if let Some(address) = email {
        let sender = gateways
            .email
            .context("no [notify.email] in the configuration")?;
        let message = render::email(&address, &EmailMessage::Test, lang, &brand);
        let receipt = sender
            .send(&message)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        println!(
            "sent to {}; the gateway answered: {}",
            mask_email(&address),
            receipt.answer
        );
        if outbox {
            println!("\nSubject: {}\n\n{}", message.subject(), message.text());
            println!("{}", outbox_note(config));
        }
    }
    if let Some(typed) = sms {
        let sender = gateways
            .sms
            .context("no [notify.sms] in the configuration")?;
        let number = MobileNumber::parse(&typed).map_err(|e| anyhow::anyhow!("--sms: {e}"))?;
        let message = render::sms(number.clone(), &SmsMessage::Test, lang, &brand);
        let receipt = sender
            .send(&message)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let (encoding, length, parts) = portvakt_core::notify::sms_length(message.text());
        println!(
            "sent to {}; the gateway answered: {}\n{length} characters in {}, {parts} SMS part(s)",
            number.masked(),
            receipt.answer,
            if encoding == portvakt_core::notify::SmsEncoding::Gsm7 {
                "GSM-7"
            } else {
                "UCS-2 (a character outside the GSM alphabet)"
            }
        );
        if outbox {
            println!("\n{}", message.text());
            println!("{}", outbox_note(config));
        }
    }
    Ok(())
}

/// Where a test message kept in the development outbox can be seen.
fn outbox_note(config: &Config) -> &'static str {
    if config.settings.redis.is_some() {
        "\nIt is in the development outbox: a running server shows it at /dev/outbox."
    } else {
        "\nThe development outbox of a running server is in that server's memory, and this \
         command is another process: the message is shown above, not at /dev/outbox. \
         (With [redis] configured, it appears there too.)"
    }
}

/// Clients whose name makes a login-code or reset-code SMS longer than one segment,
/// for `check-config` to warn about (a message still goes, in several parts).
pub(crate) fn long_sms_warnings(config: &Config) -> Vec<String> {
    use portvakt_core::i18n::Lang;
    use portvakt_core::notify::{SmsEncoding, SmsMessage, render, sms_length};
    use portvakt_core::phone::MobileNumber;
    use portvakt_core::secret::Secret;
    let Ok(number) = MobileNumber::parse("+46701234567") else {
        return Vec::new();
    };
    let mut warnings = Vec::new();
    for client in &config.clients {
        for message in [
            SmsMessage::LoginCode {
                code: Secret::new("0000"),
                valid_minutes: 10,
            },
            SmsMessage::ResetCode {
                code: Secret::new("000000"),
                valid_minutes: 10,
            },
        ] {
            for lang in [Lang::Sv, Lang::En] {
                let sms = render::sms(number.clone(), &message, lang, &client.brand());
                let (encoding, length, parts) = sms_length(sms.text());
                if parts > 1 {
                    warnings.push(format!(
                        "warning: {}: display_name makes a {} SMS {length} characters{}, {parts} parts",
                        client.file.display(),
                        message.purpose().as_str(),
                        if encoding == SmsEncoding::Ucs2 {
                            " in UCS-2 (a character outside the GSM alphabet)"
                        } else {
                            ""
                        }
                    ));
                }
            }
        }
    }
    warnings.dedup();
    warnings
}
