//! `portvakt`: the OpenID Connect provider and its administration commands.

mod cli;

use anyhow::Context;
use clap::{Parser, Subcommand};
use cli::bankid::{bankid_check, bankid_simulator};
use cli::keys::{KeysCommand, keys};
use cli::notify::{NotifyCommand, long_sms_warnings, notify};
use cli::users::{UsersCommand, users};
use portvakt::database_url;
use portvakt_core::config::{self, Config};
use portvakt_core::ports::AuditLog;
use portvakt_store::SqlStore;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Portvakt, an OpenID Connect provider for Swedish services.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    /// The main configuration file.
    #[arg(
        long,
        global = true,
        env = "PORTVAKT_CONFIG",
        default_value = "config/portvakt.toml"
    )]
    config: PathBuf,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve (the default).
    Serve,
    /// Apply database migrations.
    Migrate,
    /// Validate the configuration and print every problem with its file and key.
    CheckConfig,
    /// Signing keys.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Accounts.
    #[command(subcommand)]
    Users(UsersCommand),
    /// Code lists for PIN + one-time code.
    #[command(subcommand)]
    Codes(cli::codes::CodesCommand),
    /// Print the `sha256:…` hash of a client secret read from stdin (for client_secret_hash).
    HashSecret,
    /// Run the BankID simulator (RP API v6 over mutual TLS, and a simulated BankID app)
    /// for development; see docs/bankid.md.
    BankidSimulator {
        /// Where the RP API listens (HTTPS, client certificate required).
        #[arg(long, default_value = "127.0.0.1:8443")]
        listen: std::net::SocketAddr,
        /// Where the simulated app's page listens (plain HTTP, for a browser).
        #[arg(long, default_value = "127.0.0.1:8444")]
        app_listen: std::net::SocketAddr,
        /// Where to write the generated CA (`ca.pem`) and an RP client identity
        /// (`client.pem`) for the RP to use. Made anew at every start.
        #[arg(long, default_value = "bankid-simulator")]
        pki_dir: PathBuf,
    },
    /// Check the connection to BankID (or the simulator) with a client certificate:
    /// mutual TLS, the pinned CA and the API, without starting an order.
    BankidCheck {
        /// The RP API base, e.g. https://appapi2.test.bankid.com/rp/v6.0/
        #[arg(long)]
        url: url::Url,
        /// The CA BankID's server must chain to (PEM).
        #[arg(long)]
        ca: PathBuf,
        /// The client certificate as PKCS#12 (.p12/.pfx); password from
        /// BANKID_CERT_PASSWORD.
        #[arg(long, conflicts_with = "pem")]
        p12: Option<PathBuf>,
        /// The client certificate and key as PEM.
        #[arg(long)]
        pem: Option<PathBuf>,
    },
    /// Outbound messages: prove the configured gateways work.
    #[command(subcommand)]
    Notify(NotifyCommand),
    /// The newest audit events.
    Audit {
        /// How many.
        #[arg(long, default_value_t = 50)]
        limit: u64,
    },
}

fn init_logging() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn"));
    let json = std::env::var("PORTVAKT_LOG_FORMAT").is_ok_and(|v| v == "json");
    // Colour only on a terminal: log files and journald get plain text.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stdout());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}

/// Loads and checks the configuration; every problem is printed with its file and key.
fn load_config(path: &Path) -> anyhow::Result<Config> {
    let mut problems: Vec<String> = Vec::new();
    let config = match config::load(path) {
        Ok(c) => Some(c),
        Err(errors) => {
            problems.extend(errors.iter().map(ToString::to_string));
            None
        }
    };
    if let Some(c) = &config {
        problems.extend(portvakt::check_client_keys(c));
    }
    for p in &problems {
        eprintln!("{p}");
    }
    match config {
        Some(c) if problems.is_empty() => Ok(c),
        _ => anyhow::bail!(
            "the configuration has {} problem(s); nothing was started",
            problems.len()
        ),
    }
}

/// The database for an admin command, prepared as `serve` would: migrated automatically
/// only in the development profile, checked for pending migrations in production.
pub(crate) async fn sql_only(config: &Config) -> anyhow::Result<SqlStore> {
    let sql = connect(config).await?;
    portvakt::prepare_database(config, &sql).await?;
    Ok(sql)
}

async fn connect(config: &Config) -> anyhow::Result<SqlStore> {
    let url = database_url(config)?;
    SqlStore::connect(&url, 2)
        .await
        .context("connecting to the database")
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    init_logging();
    let cli = Cli::parse();
    let command = cli.command.unwrap_or(Command::Serve);
    if let Command::HashSecret = command {
        let mut secret = String::new();
        std::io::stdin().read_to_string(&mut secret)?;
        let secret = secret.trim_end_matches(['\n', '\r']);
        anyhow::ensure!(
            secret.len() >= 32,
            "use a client secret of at least 32 random characters"
        );
        println!("sha256:{}", portvakt_core::random::token_hash(secret));
        return Ok(());
    }
    if let Command::BankidSimulator {
        listen,
        app_listen,
        pki_dir,
    } = command
    {
        return bankid_simulator(listen, app_listen, &pki_dir).await;
    }
    if let Command::BankidCheck { url, ca, p12, pem } = command {
        return bankid_check(url, &ca, p12.as_deref(), pem.as_deref()).await;
    }
    let config = load_config(&cli.config)?;
    match command {
        Command::Serve => {
            let listener = tokio::net::TcpListener::bind(&config.settings.listen)
                .await
                .with_context(|| format!("binding {}", config.settings.listen))?;
            tracing::info!(
                issuer = %config.settings.issuer,
                listen = %config.settings.listen,
                profile = ?config.settings.profile,
                "Portvakt is starting"
            );
            portvakt::serve(Arc::new(config), listener).await
        }
        Command::Migrate => {
            let sql = connect(&config).await?;
            sql.migrate().await?;
            // Keys too: instances starting together then find them instead of each
            // generating its own.
            portvakt_web::keys::KeyCache::load(
                Arc::new(sql.clone()),
                &config.settings,
                Arc::new(portvakt_core::time::SystemClock),
            )
            .await?;
            println!(
                "migrations applied; signing keys present for {}",
                config.settings.keys.algorithms.join(", ")
            );
            Ok(())
        }
        Command::CheckConfig => {
            // The gateways' settings as their clients read them (a URL lettre cannot use).
            portvakt::gateways::gateways(&config, Arc::new(portvakt_store::MemoryStore::new()))?;
            for warning in long_sms_warnings(&config) {
                println!("{warning}");
            }
            println!(
                "configuration OK: {} client(s), {} login method(s), acr values {}",
                config.clients.len(),
                config.settings.methods.len(),
                config.acr_values_supported().join(", ")
            );
            Ok(())
        }
        Command::Keys(k) => keys(&config, k).await,
        Command::Notify(n) => notify(&config, n).await,
        Command::Users(u) => users(&config, u).await,
        Command::Codes(c) => cli::codes::codes(&config, c).await,
        Command::Audit { limit } => {
            let sql = sql_only(&config).await?;
            for e in sql.recent(limit).await? {
                println!(
                    "{}\t{}\taccount={}\tclient={}\tip={}\t{}",
                    e.at.0,
                    e.kind.as_str(),
                    e.account_id.map(|a| a.0).unwrap_or_default(),
                    e.client_id.map(|c| c.0).unwrap_or_default(),
                    e.ip.unwrap_or_default(),
                    e.detail.unwrap_or_default()
                );
            }
            Ok(())
        }
        Command::HashSecret | Command::BankidSimulator { .. } | Command::BankidCheck { .. } => {
            Ok(())
        }
    }
}
