//! `portvakt keys`: signing keys (docs/configuration.md, "Keys").

use crate::sql_only;
use anyhow::bail;
use clap::Subcommand;
use portvakt_core::config::Config;
use portvakt_core::ports::KeyRepo;
use portvakt_core::time::UnixTime;

#[derive(Subcommand)]
pub(crate) enum KeysCommand {
    /// Publish a new key per algorithm now; it starts signing after keys.activation_delay_secs.
    Rotate,
    /// List published keys.
    List,
    /// Stop a key signing now; it leaves the JWKS when the tokens it signed have expired
    /// (or at once with --immediately, for a key that leaked: its tokens stop verifying).
    Retire {
        /// The key's `kid` (see `keys list`). A kid is base64url and may start with `-`,
        /// so it is never read as an option.
        #[arg(allow_hyphen_values = true)]
        kid: String,
        /// Remove it from the JWKS now instead of after the longest token lifetime.
        #[arg(long)]
        immediately: bool,
    },
}

pub(crate) async fn keys(config: &Config, command: KeysCommand) -> anyhow::Result<()> {
    let sql = sql_only(config).await?;
    let now = UnixTime::now();
    match command {
        KeysCommand::List => {
            for k in sql.list_keys(now).await? {
                println!(
                    "{}\t{}\tactive_from={}\tretired_at={}\texpires_at={}",
                    k.kid,
                    k.alg,
                    k.active_from.0,
                    k.retired_at.map(|t| t.0.to_string()).unwrap_or("-".into()),
                    k.expires_at.map(|t| t.0.to_string()).unwrap_or("-".into()),
                );
            }
        }
        KeysCommand::Retire { kid, immediately } => {
            let keys = sql.list_keys(now).await?;
            let Some(key) = keys.iter().find(|k| k.kid == kid) else {
                bail!("no published key {kid} (see `portvakt keys list`)");
            };
            if key.retired_at.is_some_and(|r| r <= now) && !immediately {
                bail!(
                    "key {kid} already stopped signing; --immediately removes it from the JWKS now"
                );
            }
            // A configured algorithm must keep a signer: rotate first.
            let configured = config.settings.keys.algorithms.contains(&key.alg);
            let other_signer = keys.iter().any(|k| {
                k.kid != kid && k.alg == key.alg && k.retired_at.is_none() && k.active_from <= now
            });
            if configured && !other_signer {
                bail!(
                    "key {kid} is the only {} key that signs; run `portvakt keys rotate` and wait for the new key to activate, or take {} out of keys.algorithms",
                    key.alg,
                    key.alg
                );
            }
            let expires = if immediately {
                now
            } else {
                now.plus(config.settings.tokens.longest_signed_lifetime())
            };
            sql.retire_key(&kid, now, expires).await?;
            println!(
                "key {kid} no longer signs and leaves the JWKS at {} (instances pick it up within keys.reload_secs)",
                expires.0
            );
        }
        KeysCommand::Rotate => {
            let plan = portvakt::rotate_keys(config, &sql).await?;
            for k in &plan.new_keys {
                println!(
                    "published {} key {} (signs from {})",
                    k.alg, k.kid, k.active_from.0
                );
            }
            for (kid, retired, expires) in &plan.retire {
                println!(
                    "key {kid} signs until {} and is published until {}",
                    retired.0, expires.0
                );
            }
        }
    }
    Ok(())
}
