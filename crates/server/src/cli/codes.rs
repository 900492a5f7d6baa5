//! `portvakt codes issue`: a new code list for PIN + one-time code (seed 000), e-mailed
//! to the account's confirmed address or written as a page to print. The old list is
//! void the moment the new one is stored; only hashes are stored (S41).

use super::users::find_account;
use crate::sql_only;
use anyhow::{Context, bail};
use clap::Subcommand;
use portvakt_core::audit::{AuditEvent, AuditKind};
use portvakt_core::config::Config;
use portvakt_core::i18n::Lang;
use portvakt_core::notify::{Brand, EmailMessage, Messenger, SendContext, mask_email};
use portvakt_core::otp;
use portvakt_core::ports::{AuditLog, CodeListRepo};
use portvakt_core::secret::Secret;
use portvakt_core::time::{UnixTime, stockholm_date};
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Subcommand)]
pub(crate) enum CodesCommand {
    /// Issue a new code list for an account (the old one stops working at once).
    #[command(group(clap::ArgGroup::new("how").required(true).args(["email", "print"])))]
    Issue {
        /// Id, username, customer number or personnummer.
        who: String,
        /// How many codes.
        #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u16).range(1..=200))]
        count: u16,
        /// E-mail the list to the account's confirmed address.
        #[arg(long)]
        email: bool,
        /// Write a page to print (A4, HTML) to this file, readable by its owner only.
        #[arg(long)]
        print: Option<PathBuf>,
        /// Write it in this client's name (default: the first client offering PIN +
        /// one-time code).
        #[arg(long)]
        client: Option<String>,
        /// The language, `sv` or `en`.
        #[arg(long, default_value = "sv")]
        lang: String,
    },
}

/// The brand of `client`, or of the first client whose acr values include one of a
/// PIN + one-time-code method.
fn brand(config: &Config, client: Option<&str>) -> anyhow::Result<Brand> {
    let pin_acrs: Vec<&String> = config
        .settings
        .methods
        .values()
        .filter(|m| matches!(m, portvakt_core::config::MethodSettings::PinOtp(_)))
        .flat_map(|m| m.acr_values())
        .collect();
    if pin_acrs.is_empty() {
        bail!("no [methods.<id>] with kind = \"pin-otp\" in the configuration");
    }
    if let Some(id) = client {
        let c = config
            .client(id)
            .with_context(|| format!("no client {id} in the configuration"))?;
        if !c.acr_values.iter().any(|a| pin_acrs.contains(&a)) {
            bail!("client {id} does not offer PIN + one-time code (its acr_values)");
        }
        return Ok(c.brand());
    }
    Ok(config
        .clients
        .iter()
        .find(|c| c.acr_values.iter().any(|a| pin_acrs.contains(&a)))
        .map(|c| c.brand())
        .unwrap_or_else(Brand::portvakt))
}

pub(crate) async fn codes(config: &Config, command: CodesCommand) -> anyhow::Result<()> {
    let CodesCommand::Issue {
        who,
        count,
        email,
        print,
        client,
        lang,
    } = command;
    let lang = match lang.as_str() {
        "sv" => Lang::Sv,
        "en" => Lang::En,
        other => bail!("--lang {other}: lists are written in sv or en"),
    };
    let brand = brand(config, client.as_deref())?;
    let sql = sql_only(config).await?;
    let account = find_account(&sql, &who).await?;
    if account.personnummer.is_none() {
        bail!(
            "account {} has no personnummer, so it cannot sign in with PIN + one-time code",
            account.id
        );
    }
    let address = if email {
        if !account.email_verified {
            bail!(
                "account {} has no confirmed e-mail address; use --print",
                account.id
            );
        }
        account.email.clone()
    } else {
        None
    };
    // Checked before the list is replaced: a failure here leaves the old list working.
    let messenger = if email {
        let store = super::shared_ephemeral(config).await?;
        let gateways = portvakt::gateways::gateways(
            config,
            store
                .clone()
                .unwrap_or_else(|| Arc::new(portvakt_store::MemoryStore::new())),
        )?;
        if gateways.outbox.is_some() && store.is_none() {
            bail!(
                "the development outbox lives in the running server's memory, which this command cannot reach: use --print FILE, or configure [redis] so the server's /dev/outbox shows the message"
            );
        }
        Some(Messenger::new(
            gateways.sms,
            gateways.email,
            store.unwrap_or_else(|| Arc::new(portvakt_store::MemoryStore::new())),
            Arc::new(sql.clone()),
            config.settings.notify.limits.limits(),
        ))
    } else {
        None
    };
    let file = match &print {
        Some(path) if path.as_os_str() == "-" => {
            bail!("--print needs a file name: a code list is not written to the terminal")
        }
        Some(path) => Some(private_file(path)?),
        None => None,
    };
    let codes = otp::new_code_list(usize::from(count));
    let hashes: Vec<String> = codes
        .iter()
        .map(|c| otp::list_code_hash(&account.id, c.expose()))
        .collect();
    let now = UnixTime::now();
    sql.replace_code_list(&account.id, &hashes, now).await?;
    sql.record(
        &AuditEvent::now(AuditKind::CodeListIssued)
            .account(&account.id)
            .detail(format!("{} codes, by {}", codes.len(), super::operator())),
    )
    .await?;
    println!(
        "issued {} codes to {} ({}); the previous list no longer works",
        codes.len(),
        account.name.as_deref().unwrap_or("account without a name"),
        account.id
    );
    if let (Some(mut file), Some(path)) = (file, &print) {
        let name = account.name.clone().unwrap_or_default();
        file.write_all(printable(&brand, &name, &codes, now, lang).as_bytes())
            .with_context(|| format!("writing {}", path.display()))?;
        println!(
            "wrote the list to {} (print it, then delete the file)",
            path.display()
        );
    }
    if let (Some(messenger), Some(to)) = (messenger, address) {
        let sent = messenger
            .send_email(
                &to,
                &EmailMessage::CodeList { codes },
                &SendContext {
                    account: Some(&account.id),
                    client: None,
                    ip: None,
                    lang,
                    brand: &brand,
                },
            )
            .await;
        match sent {
            Ok(receipt) => println!(
                "e-mailed to {}; the gateway answered: {}",
                mask_email(&to),
                receipt.answer
            ),
            Err(e) => bail!(
                "the list is issued but the e-mail was not sent ({e}); issue it again, or with --print"
            ),
        }
    }
    Ok(())
}

/// Creates `path` anew, readable and writable by its owner only (a code list is a
/// secret until printed).
fn private_file(path: &std::path::Path) -> anyhow::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
        .open(path)
        .with_context(|| format!("creating {} (it must not exist yet)", path.display()))
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// An A4 page: the client's name, the person's name, the numbered codes and the date;
/// no personnummer (the page may be left on a desk).
fn printable(brand: &Brand, name: &str, codes: &[Secret], now: UnixTime, lang: Lang) -> String {
    let sv = lang == Lang::Sv;
    let title = if sv {
        "Engångskoder"
    } else {
        "One-time codes"
    };
    let how = if sv {
        "Logga in med din PIN-kod följd av en av koderna, utan mellanrum. Varje kod fungerar en gång. Stryk koden när du har använt den. Den tidigare listan gäller inte längre."
    } else {
        "Sign in with your PIN followed by one of the codes, without spaces. Each code works once. Cross it out when used. Your previous list no longer works."
    };
    let issued = if sv { "Utfärdad" } else { "Issued" };
    let mut items = String::new();
    for code in codes {
        items.push_str(&format!(
            "<li><code>{}</code></li>\n",
            escape(code.expose())
        ));
    }
    format!(
        "<!doctype html>\n<html lang=\"{l}\"><head><meta charset=\"utf-8\"><title>{title} – {client}</title>\n\
         <style>@page {{ size: A4; margin: 20mm; }} body {{ font-family: sans-serif; }} \
         ol {{ columns: 2; font-size: 16pt; line-height: 1.8; }} code {{ letter-spacing: 0.1em; }}</style></head>\n\
         <body>\n<h1>{title} – {client}</h1>\n<p><strong>{name}</strong></p>\n<p>{how}</p>\n<ol>\n{items}</ol>\n\
         <p>{issued} {date}</p>\n</body></html>\n",
        l = lang.as_str(),
        client = escape(&brand.client_name),
        name = escape(name),
        date = stockholm_date(now),
    )
}
